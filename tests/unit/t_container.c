/* t_container.c — the container platform without a runtime: the host's
 * cgroup layout read from mount tables of hybrid, pure v2 and v1-only
 * hosts; config.json parsed back (process, read-only root, namespaces,
 * the data bind read-only or not); the shared root file system built once
 * and found again by its key; and the accounting choice on stored trees. */
#include "test.h"
#include "platform/container/bundle.h"
#include "platform/platform.h"
#include "core/fs.h"
#include "core/json.h"
#include "job/job.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define FX "tests/fixtures/measure/"

TEST(container_cg_mounts_hybrid)
{
    const char *text =
        "sysfs /sys sysfs rw,nosuid 0 0\n"
        "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
        "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
        "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
        "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
        "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
    struct ctr_cgmounts m;
    T_EQ_INT(ctr_cg_mounts(text, &m), 4);
    T_EQ_STR(m.v2, "/sys/fs/cgroup/unified");
    T_EQ_INT(m.nv1, 3);
    T_EQ_INT(m.cpuacct, 1);
    T_EQ_STR(m.v1[m.cpuacct], "/sys/fs/cgroup/cpuacct");
}

TEST(container_cg_mounts_v2_and_v1_only)
{
    struct ctr_cgmounts m;
    T_EQ_INT(ctr_cg_mounts("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n", &m), 1);
    T_EQ_STR(m.v2, "/sys/fs/cgroup");
    T_EQ_INT(m.nv1, 0);
    T_EQ_INT(m.cpuacct, -1);
    /* a combined cpu,cpuacct hierarchy counts; "cpuacctx" does not */
    T_EQ_INT(ctr_cg_mounts("cgroup /a cgroup rw,cpuacctx 0 0\n"
                           "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0", &m), 2);
    T_EQ_STR(m.v2, "");
    T_EQ_INT(m.cpuacct, 1);
    T_EQ_INT(ctr_cg_mounts("", &m), 0);
    T_EQ_INT(ctr_cg_mounts("garbage\n\n   \n", &m), 0);
}

/* Fields are split where the line has blanks, whatever their lengths: a
 * long source name does not shift the others; a mount point too long to
 * keep is skipped, never kept cut. */
TEST(container_cg_mounts_long_fields)
{
    struct ctr_cgmounts m;
    struct buf t = BUF_INIT;
    for (int i = 0; i < 80; i++) buf_puts(&t, "s");
    buf_puts(&t, " /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\ncgroup /");
    for (int i = 0; i < 300; i++) buf_puts(&t, "d");
    buf_puts(&t, " cgroup rw,cpuacct 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0");
    T_EQ_INT(ctr_cg_mounts(buf_cstr(&t), &m), 2);
    T_EQ_STR(m.v2, "/sys/fs/cgroup");
    T_EQ_INT(m.nv1, 1);
    T_EQ_STR(m.v1[0], "/sys/fs/cgroup/cpu");
    T_EQ_INT(m.cpuacct, -1);
    buf_free(&t);
}

/* The string at index i of array a, or NULL. */
static const char *nth(const struct json_val *a, size_t i)
{
    return i < json_len(a) ? json_str(json_at(a, i), NULL) : NULL;
}

/* The mount of config root whose destination is dst, or NULL. */
static const struct json_val *mount_at(const struct json_val *root, const char *dst)
{
    const struct json_val *ms = json_get(root, "mounts");
    for (size_t i = 0; i < json_len(ms); i++)
        if (strcmp(json_str(json_get(json_at(ms, i), "destination"), ""), dst) == 0)
            return json_at(ms, i);
    return NULL;
}

/* 1 if the options of mount m hold word. */
static int has_opt(const struct json_val *m, const char *word)
{
    const struct json_val *o = json_get(m, "options");
    for (size_t i = 0; i < json_len(o); i++)
        if (strcmp(nth(o, i), word) == 0) return 1;
    return 0;
}

TEST(container_config_json)
{
    char *argv[] = { "hostmix", "serve", "web", "--listen", "198.18.1.10:8080", "--data",
                     "/data", NULL };
    struct ctr_config c = { .rootfs = "/cache/container-rootfs-x", .argv = argv,
                            .hostname = "set1-web", .netns = "/proc/77/ns/net",
                            .cgroups_path = "/hostmix-9/set1-web", .data = "/srv/d \"q\"",
                            .data_rw = 0 };
    struct buf out = BUF_INIT;
    char err[128];
    ctr_config_json(&c, &out);
    struct json_doc *d = json_parse(buf_head(&out), buf_used(&out), err, sizeof err);
    T_ASSERT(d != NULL);
    const struct json_val *r = json_root(d);
    const struct json_val *args = json_path(r, "process.args");
    T_EQ_INT(json_len(args), 7);
    T_EQ_STR(nth(args, 0), CTR_EXE);
    T_EQ_STR(nth(args, 4), "198.18.1.10:8080");
    T_EQ_STR(json_str(json_path(r, "root.path"), NULL), "/cache/container-rootfs-x");
    T_EQ_INT(json_bool(json_path(r, "root.readonly"), 0), 1);
    T_EQ_STR(json_str(json_path(r, "linux.cgroupsPath"), NULL), "/hostmix-9/set1-web");
    const struct json_val *ns = json_path(r, "linux.namespaces");
    T_EQ_INT(json_len(ns), 5);
    int net = 0;
    for (size_t i = 0; i < json_len(ns); i++)
        if (strcmp(json_str(json_get(json_at(ns, i), "type"), ""), "network") == 0) {
            T_EQ_STR(json_str(json_get(json_at(ns, i), "path"), NULL), "/proc/77/ns/net");
            net = 1;
        }
    T_ASSERT(net);
    const struct json_val *m = mount_at(r, CTR_DATA);
    T_ASSERT(m != NULL);
    T_EQ_STR(json_str(json_get(m, "source"), NULL), "/srv/d \"q\"");
    T_ASSERT(has_opt(m, "ro") && !has_opt(m, "rw"));
    T_ASSERT(mount_at(r, "/proc") && mount_at(r, "/dev") && mount_at(r, "/tmp"));
    json_doc_free(d);

    c.data_rw = 1;
    buf_reset(&out);
    ctr_config_json(&c, &out);
    d = json_parse(buf_head(&out), buf_used(&out), err, sizeof err);
    T_ASSERT(d != NULL);
    m = mount_at(json_root(d), CTR_DATA);
    T_ASSERT(m && has_opt(m, "rw") && !has_opt(m, "ro"));
    json_doc_free(d);

    c.data = NULL;
    c.cgroups_path = NULL;
    buf_reset(&out);
    ctr_config_json(&c, &out);
    d = json_parse(buf_head(&out), buf_used(&out), err, sizeof err);
    T_ASSERT(d != NULL);
    T_ASSERT(mount_at(json_root(d), CTR_DATA) == NULL);
    T_ASSERT(json_path(json_root(d), "linux.cgroupsPath") == NULL);
    json_doc_free(d);
    buf_free(&out);
}

TEST(container_rootfs_built_once)
{
    char cache[] = "/tmp/hostmix-t-rootfs.XXXXXX";
    T_ASSERT(mkdtemp(cache) != NULL);
    struct buf dir = BUF_INIT, dir2 = BUF_INIT, why = BUF_INIT, p = BUF_INIT;
    T_EQ_INT(ctr_rootfs(cache, "/proc/self/exe", &dir, &why), 0);
    T_ASSERT(strncmp(buf_cstr(&dir), cache, strlen(cache)) == 0);
    T_ASSERT(strstr(buf_cstr(&dir), "/container-rootfs-") != NULL);
    buf_printf(&p, "%s%s", buf_cstr(&dir), CTR_EXE);
    struct stat st, self;
    T_EQ_INT(stat(buf_cstr(&p), &st), 0);
    T_EQ_INT(stat("/proc/self/exe", &self), 0);
    T_EQ_INT(st.st_size, self.st_size);
    T_ASSERT(st.st_mode & S_IXUSR);
    static const char *const want[] = { "/proc", "/dev", "/tmp", "/data", "/etc/passwd",
                                        "/lib64/ld-linux-x86-64.so.2" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        buf_reset(&p);
        buf_printf(&p, "%s%s", buf_cstr(&dir), want[i]);
        if (stat(buf_cstr(&p), &st) != 0) t_fail(__FILE__, __LINE__, "missing %s", want[i]);
    }
    /* the second call finds the same tree */
    struct stat a, b;
    T_EQ_INT(stat(buf_cstr(&dir), &a), 0);
    T_EQ_INT(ctr_rootfs(cache, "/proc/self/exe", &dir2, &why), 0);
    T_EQ_STR(buf_cstr(&dir2), buf_cstr(&dir));
    T_EQ_INT(stat(buf_cstr(&dir2), &b), 0);
    T_EQ_INT(a.st_ino, b.st_ino);
    T_EQ_INT(ctr_rootfs(cache, "/nonexistent/exe", &dir2, &why), -1);
    T_ASSERT(buf_used(&why) > 0);
    fs_rmtree(cache);
    buf_free(&dir);
    buf_free(&dir2);
    buf_free(&why);
    buf_free(&p);
}

/* Probe on stored trees: the accounting follows the host's cgroups.  The
 * probe also needs root and a runtime: elsewhere only the refusal is
 * checked. */
TEST(container_probe_accounting)
{
    struct plat p;
    struct plat_acct a;
    char why[256];
    plat_open(&p, plat_find_name("container"), FX "t1", NULL);
    int rc = p.ops->probe(&p, why, sizeof why);
    if (rc != 0) {
        T_ASSERT(strstr(why, "root") || strstr(why, "runtime"));
        plat_close(&p);
        return;
    }
    p.ops->describe(&p, &a);
    T_EQ_STR(a.method, "cgroup");
    T_EQ_STR(a.base, "/sys/fs/cgroup/unified");
    T_ASSERT(strstr(a.facts, "hybrid") != NULL);
    plat_close(&p);
    plat_open(&p, plat_find_name("container"), FX "v1", NULL);
    T_EQ_INT(p.ops->probe(&p, why, sizeof why), 0);
    p.ops->describe(&p, &a);
    T_EQ_STR(a.method, "proc");        /* no cpuacct hierarchy in that tree */
    T_ASSERT(strstr(a.text, "PID 1") != NULL);
    plat_close(&p);
}

/* A host with many mounts: /proc/self/mounts is read whole, so cgroup
 * hierarchies listed after 16 KiB of other mounts are still found. */
TEST(container_probe_many_mounts)
{
    char root[] = "/tmp/hostmix-ctrmnt.XXXXXX", why[256];
    T_ASSERT(mkdtemp(root));
    struct buf dir = BUF_INIT, text = BUF_INIT;
    buf_printf(&dir, "%s/proc/self", root);
    T_EQ_INT(fs_mkdirs(buf_cstr(&dir)), 0);
    for (int i = 0; i < 600; i++)
        buf_printf(&text, "overlay /var/lib/containers/overlay/%04d/merged overlay rw 0 0\n", i);
    buf_puts(&text, "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
                    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n");
    T_ASSERT(buf_used(&text) > 32768);
    buf_puts(&dir, "/mounts");
    T_EQ_INT(fs_write_atomic(buf_cstr(&dir), buf_head(&text), buf_used(&text)), 0);
    struct plat p;
    struct plat_acct a;
    plat_open(&p, plat_find_name("container"), root, NULL);
    int rc = p.ops->probe(&p, why, sizeof why);
    if (rc == 0) p.ops->describe(&p, &a);
    plat_close(&p);
    fs_rmtree(root);
    buf_free(&dir);
    buf_free(&text);
    if (rc != 0 && (strstr(why, "needs root") || strstr(why, "no OCI runtime") ||
                    strstr(why, "not installed"))) T_SKIP("%s", why);
    T_EQ_INT(rc, 0);
    T_ASSERT(strstr(a.facts, "cgroups hybrid") != NULL);
}
