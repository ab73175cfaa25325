/* bundle.c — the containers' shared root file system and each one's
 * config.json; see bundle.h. */
#include "platform/container/bundle.h"
#include "platform/rootfs.h"
#include "core/fs.h"
#include "core/manifest.h"
#include "core/json.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- root file system ---------------------------------------------------- */

/* Copies the file src to dst (created with src's permission bits). */
static int ctr_copy(const char *src, const char *dst, struct buf *why)
{
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0) {
        buf_printf(why, "cannot read %s: %s", src, strerror(errno));
        goto done;
    }
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
    if (out < 0) {
        buf_printf(why, "cannot create %s: %s", dst, strerror(errno));
        goto done;
    }
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t k = sendfile(out, in, NULL, (size_t)left);
        if (k <= 0) {
            buf_printf(why, "cannot copy %s: %s", src, k < 0 ? strerror(errno) : "short file");
            goto done;
        }
        left -= k;
    }
    rc = 0;
done:
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    return rc;
}

/* Writes text into the file dir/name. */
static int ctr_put(const char *dir, const char *name, const char *text, struct buf *why)
{
    struct buf path = BUF_INIT;
    buf_printf(&path, "%s/%s", dir, name);
    int fd = open(buf_cstr(&path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = -1;
    if (fd >= 0 && fs_write_all(fd, text, strlen(text)) == 0) rc = 0;
    if (rc) buf_printf(why, "cannot write %s: %s", buf_cstr(&path), strerror(errno));
    if (fd >= 0) close(fd);
    buf_free(&path);
    return rc;
}

/* Fills the fresh tree tmp: mount points, etc/, then every file of r. */
static int ctr_fill(const char *tmp, const struct rootfs *r, struct buf *why)
{
    static const char *const dirs[] = { "proc", "dev", "tmp", "data", "sys", "etc", "bin" };
    struct buf p = BUF_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof dirs / sizeof dirs[0]; i++) {
        buf_reset(&p);
        buf_printf(&p, "%s/%s", tmp, dirs[i]);
        if (fs_mkdirs(buf_cstr(&p))) {
            buf_printf(why, "cannot create %s: %s", buf_cstr(&p), strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0) rc = ctr_put(tmp, "etc/passwd", "root:x:0:0:root:/:/bin/hostmix\n", why);
    if (rc == 0) rc = ctr_put(tmp, "etc/group", "root:x:0:\n", why);
    if (rc == 0) rc = ctr_put(tmp, "etc/hosts", "127.0.0.1 localhost\n", why);
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        buf_reset(&p);
        buf_printf(&p, "%s%s", tmp, r->files[i].image);
        char *slash = strrchr(buf_cstr(&p), '/');
        *slash = '\0';
        if (fs_mkdirs(buf_cstr(&p))) {
            buf_printf(why, "cannot create %s: %s", buf_cstr(&p), strerror(errno));
            rc = -1;
            break;
        }
        *slash = '/';
        rc = ctr_copy(r->files[i].host, buf_cstr(&p), why);
    }
    buf_free(&p);
    return rc;
}

/* Builds the tree for r at dir (through dir.tmp-PID and a rename). */
static int ctr_build(const char *dir, const struct rootfs *r, struct buf *why)
{
    struct buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s.tmp-%d", dir, (int)getpid());
    fs_rmtree(buf_cstr(&tmp));
    int rc = ctr_fill(buf_cstr(&tmp), r, why);
    if (rc == 0) rc = manifest_seal(buf_cstr(&tmp), dir, why);
    if (rc == 0 && rename(buf_cstr(&tmp), dir) != 0) {
        if (errno != EEXIST && errno != ENOTEMPTY) {
            buf_printf(why, "cannot rename %s to %s: %s", buf_cstr(&tmp), dir, strerror(errno));
            rc = -1;
        }
        fs_rmtree(buf_cstr(&tmp));      /* another run made the same tree first */
    } else if (rc) {
        fs_rmtree(buf_cstr(&tmp));
    }
    buf_free(&tmp);
    return rc;
}

int ctr_rootfs(const char *cache_dir, const char *exe, struct buf *dir, struct buf *why)
{
    struct rootfs r = { 0 };
    char key[17], abs[PATH_MAX];
    if (fs_mkdirs(cache_dir) || !realpath(cache_dir, abs)) {
        buf_printf(why, "cannot use data directory %s: %s", cache_dir, strerror(errno));
        return -1;
    }
    int rc = rootfs_closure(exe, CTR_EXE, &r, why);
    if (rc == 0) rc = rootfs_key(&r, key, why);
    if (rc == 0) {
        buf_reset(dir);
        buf_printf(dir, "%s/container-rootfs-%s", abs, key);
        struct stat st;
        int m = stat(buf_cstr(dir), &st) == 0 ? manifest_use(buf_cstr(dir), why) : MANIFEST_NONE;
        if (m == MANIFEST_NONE) {
            fs_rmtree(buf_cstr(dir));       /* made before manifests: made again */
            rc = ctr_build(buf_cstr(dir), &r, why);
        } else {
            rc = m;
        }
    }
    rootfs_free(&r);
    return rc;
}

/* ---- host cgroup layout ------------------------------------------------- */

/* 1 if the comma-separated list opts (length n) holds word. */
static int ctr_has_opt(const char *opts, size_t n, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i < n;) {
        size_t k = i;
        while (k < n && opts[k] != ',') k++;
        if (k - i == wl && memcmp(opts + i, word, wl) == 0) return 1;
        i = k + 1;
    }
    return 0;
}

int ctr_cg_mounts(const char *text, struct ctr_cgmounts *m)
{
    memset(m, 0, sizeof *m);
    m->cpuacct = -1;
    int found = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char src[64], mnt[256], type[16], opts[512];
        char one[1024];
        snprintf(one, sizeof one, "%.*s", (int)(len < sizeof one ? len : sizeof one - 1), line);
        if (sscanf(one, "%63s %255s %15s %511s", src, mnt, type, opts) == 4) {
            if (strcmp(type, "cgroup2") == 0 && !m->v2[0]) {
                snprintf(m->v2, sizeof m->v2, "%s", mnt);
                found++;
            } else if (strcmp(type, "cgroup") == 0 && m->nv1 < CTR_CG_V1_MAX) {
                if (ctr_has_opt(opts, strlen(opts), "cpuacct")) m->cpuacct = m->nv1;
                snprintf(m->v1[m->nv1++], sizeof m->v1[0], "%s", mnt);
                found++;
            }
        }
        line = end ? end + 1 : NULL;
    }
    return found;
}

/* ---- config.json ----------------------------------------------------------- */

/* Kept by root in a container: enough to serve on any port and own the
 * files of its data; nothing that reaches the host. */
static const char *const ctr_caps[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_NET_BIND_SERVICE", NULL,
};

static void ctr_json_strs(struct json_w *w, const char *key, const char *const *v)
{
    json_w_key(w, key);
    json_w_arr(w);
    for (; *v; v++) json_w_str(w, *v);
    json_w_arr_end(w);
}

static void ctr_json_process(struct json_w *w, const struct ctr_config *c)
{
    static const char *const env[] = { "PATH=/bin", "HOME=/", "LC_ALL=C", NULL };
    json_w_key(w, "process");
    json_w_obj(w);
    json_w_key(w, "terminal"); json_w_bool(w, 0);
    json_w_key(w, "user"); json_w_obj(w);
    json_w_key(w, "uid"); json_w_int(w, 0);
    json_w_key(w, "gid"); json_w_int(w, 0);
    json_w_obj_end(w);
    json_w_key(w, "args"); json_w_arr(w);
    json_w_str(w, CTR_EXE);
    for (int i = 1; c->argv[0] && c->argv[i]; i++) json_w_str(w, c->argv[i]);
    json_w_arr_end(w);
    ctr_json_strs(w, "env", env);
    json_w_key(w, "cwd"); json_w_str(w, "/");
    json_w_key(w, "noNewPrivileges"); json_w_bool(w, 1);
    json_w_key(w, "capabilities"); json_w_obj(w);
    ctr_json_strs(w, "bounding", ctr_caps);
    ctr_json_strs(w, "effective", ctr_caps);
    ctr_json_strs(w, "permitted", ctr_caps);
    json_w_obj_end(w);
    json_w_obj_end(w);
}

static void ctr_json_mount(struct json_w *w, const char *dst, const char *type, const char *src,
                           const char *const *opts)
{
    json_w_obj(w);
    json_w_key(w, "destination"); json_w_str(w, dst);
    json_w_key(w, "type"); json_w_str(w, type);
    json_w_key(w, "source"); json_w_str(w, src);
    if (opts) ctr_json_strs(w, "options", opts);
    json_w_obj_end(w);
}

static void ctr_json_mounts(struct json_w *w, const struct ctr_config *c)
{
    static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
    static const char *const tmp[] = { "nosuid", "nodev", "mode=1777", NULL };
    static const char *const ro[] = { "rbind", "ro", "nosuid", "nodev", NULL };
    static const char *const rw[] = { "rbind", "rw", "nosuid", "nodev", NULL };
    json_w_key(w, "mounts");
    json_w_arr(w);
    ctr_json_mount(w, "/proc", "proc", "proc", NULL);
    ctr_json_mount(w, "/dev", "tmpfs", "tmpfs", dev);
    ctr_json_mount(w, "/tmp", "tmpfs", "tmpfs", tmp);
    if (c->data) ctr_json_mount(w, CTR_DATA, "bind", c->data, c->data_rw ? rw : ro);
    json_w_arr_end(w);
}

static void ctr_json_ns(struct json_w *w, const char *type, const char *path)
{
    json_w_obj(w);
    json_w_key(w, "type"); json_w_str(w, type);
    if (path) { json_w_key(w, "path"); json_w_str(w, path); }
    json_w_obj_end(w);
}

static void ctr_json_linux(struct json_w *w, const struct ctr_config *c)
{
    json_w_key(w, "linux");
    json_w_obj(w);
    if (c->cgroups_path) { json_w_key(w, "cgroupsPath"); json_w_str(w, c->cgroups_path); }
    json_w_key(w, "namespaces");
    json_w_arr(w);
    ctr_json_ns(w, "pid", NULL);
    ctr_json_ns(w, "ipc", NULL);
    ctr_json_ns(w, "uts", NULL);
    ctr_json_ns(w, "mount", NULL);
    ctr_json_ns(w, "network", c->netns);
    json_w_arr_end(w);
    json_w_obj_end(w);
}

void ctr_config_json(const struct ctr_config *c, struct buf *out)
{
    struct json_w w;
    json_w_init(&w, out, 1);
    json_w_obj(&w);
    json_w_key(&w, "ociVersion"); json_w_str(&w, "1.0.2");
    ctr_json_process(&w, c);
    json_w_key(&w, "root"); json_w_obj(&w);
    json_w_key(&w, "path"); json_w_str(&w, c->rootfs);
    json_w_key(&w, "readonly"); json_w_bool(&w, 1);
    json_w_obj_end(&w);
    json_w_key(&w, "hostname"); json_w_str(&w, c->hostname);
    ctr_json_mounts(&w, c);
    ctr_json_linux(&w, c);
    json_w_obj_end(&w);
    buf_puts(out, "\n");
}
