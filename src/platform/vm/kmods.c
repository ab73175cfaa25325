/* kmods.c — modules.dep reading and writing and dependency ordering
 * (see kmods.h). */
#include "platform/vm/kmods.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void kmods_list_free(struct kmods_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->path[i]);
    free(l->path);
    memset(l, 0, sizeof *l);
}

static void kmods_list_add(struct kmods_list *l, const char *p, size_t n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->path = realloc(l->path, l->cap * sizeof *l->path);
        if (!l->path) abort();
    }
    l->path[l->n] = strndup(p, n);
    if (!l->path[l->n]) abort();
    l->n++;
}

void kmods_name(const char *path, struct buf *name)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *ko = strstr(b, ".ko");
    size_t n = ko ? (size_t)(ko - b) : strlen(b);
    for (size_t i = 0; i < n; i++) {
        char c = b[i] == '-' ? '_' : b[i];
        buf_append(name, &c, 1);
    }
}

/* One line of modules.dep: "path: dep dep ...". */
struct kmods_ent {
    const char *line, *colon, *end;
    int state;          /* 0 new, 1 visiting, 2 done */
};

struct kmods_db {
    struct kmods_ent *e;
    size_t n;
};

/* Splits dep_text into entries (pointers into the text). */
static void kmods_db_load(const char *text, struct kmods_db *db)
{
    size_t cap = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        if (!end) end = p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (colon && colon > p) {
            if (db->n == cap) {
                cap = cap ? cap * 2 : 256;
                db->e = realloc(db->e, cap * sizeof *db->e);
                if (!db->e) abort();
            }
            db->e[db->n++] = (struct kmods_ent){ p, colon, end, 0 };
        }
        p = *end ? end + 1 : end;
    }
}

/* The entry whose module name is name[0..n), or NULL. */
static struct kmods_ent *kmods_db_find(struct kmods_db *db, const char *name, size_t n)
{
    struct buf want = BUF_INIT, got = BUF_INIT;
    struct buf tmp = BUF_INIT;
    buf_append(&tmp, name, n);
    kmods_name(buf_cstr(&tmp), &want);
    struct kmods_ent *hit = NULL;
    for (size_t i = 0; i < db->n && !hit; i++) {
        buf_reset(&got);
        buf_reset(&tmp);
        buf_append(&tmp, db->e[i].line, (size_t)(db->e[i].colon - db->e[i].line));
        kmods_name(buf_cstr(&tmp), &got);
        if (strcmp(buf_cstr(&got), buf_cstr(&want)) == 0) hit = &db->e[i];
    }
    buf_free(&want);
    buf_free(&got);
    buf_free(&tmp);
    return hit;
}

/* Depth-first: the dependencies of e (each a path on its line), then e. */
static int kmods_visit(struct kmods_db *db, struct kmods_ent *e, struct kmods_list *out,
                       struct buf *why)
{
    if (e->state == 2) return 0;
    if (e->state == 1) {
        buf_printf(why, "modules.dep: dependency cycle at %.*s",
                   (int)(e->colon - e->line), e->line);
        return -1;
    }
    e->state = 1;
    for (const char *p = e->colon + 1; p < e->end;) {
        while (p < e->end && (*p == ' ' || *p == '\t')) p++;
        const char *w = p;
        while (p < e->end && *p != ' ' && *p != '\t') p++;
        if (p == w) continue;
        struct kmods_ent *d = kmods_db_find(db, w, (size_t)(p - w));
        if (!d) {
            buf_printf(why, "modules.dep: %.*s needs %.*s, which has no line",
                       (int)(e->colon - e->line), e->line, (int)(p - w), w);
            return -1;
        }
        if (kmods_visit(db, d, out, why)) return -1;
    }
    e->state = 2;
    kmods_list_add(out, e->line, (size_t)(e->colon - e->line));
    return 0;
}

/* 1 if name is a line of modules.builtin (by module name). */
static int kmods_is_builtin(const char *builtin, const char *name)
{
    if (!builtin) return 0;
    int hit = 0;
    struct buf line = BUF_INIT, got = BUF_INIT;
    for (const char *p = builtin; *p && !hit;) {
        const char *end = strchr(p, '\n');
        if (!end) end = p + strlen(p);
        buf_reset(&line);
        buf_reset(&got);
        buf_append(&line, p, (size_t)(end - p));
        kmods_name(buf_cstr(&line), &got);
        hit = buf_used(&got) && strcmp(buf_cstr(&got), name) == 0;
        p = *end ? end + 1 : end;
    }
    buf_free(&line);
    buf_free(&got);
    return hit;
}

int kmods_resolve(const char *dep_text, const char *builtin, const char *const want[],
                  struct kmods_list *out, struct buf *why)
{
    struct kmods_db db = { NULL, 0 };
    kmods_db_load(dep_text, &db);
    int rc = 0;
    for (size_t i = 0; want[i] && rc == 0; i++) {
        struct buf name = BUF_INIT;
        kmods_name(want[i], &name);
        struct kmods_ent *e = kmods_db_find(&db, want[i], strlen(want[i]));
        if (e) {
            rc = kmods_visit(&db, e, out, why);
        } else if (!kmods_is_builtin(builtin, buf_cstr(&name))) {
            buf_printf(why, "kernel module %s: not in modules.dep nor built in", want[i]);
            rc = -1;
        }
        buf_free(&name);
    }
    free(db.e);
    return rc;
}

/* The section headers of an ELF64 image, bounds-checked; NULL if bad. */
static const Elf64_Shdr *kmods_shdrs(const unsigned char *d, size_t n, const Elf64_Ehdr **ehp)
{
    if (n < sizeof(Elf64_Ehdr) || memcmp(d, ELFMAG, SELFMAG) != 0 || d[EI_CLASS] != ELFCLASS64)
        return NULL;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > n ||
        (n - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum || eh->e_shstrndx >= eh->e_shnum ||
        eh->e_shoff % 8)
        return NULL;
    *ehp = eh;
    return (const Elf64_Shdr *)(d + eh->e_shoff);
}

/* Searches the NUL-separated key=value strings of a .modinfo section. */
static int kmods_scan_info(const char *s, size_t n, const char *key, struct buf *val)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < n;) {
        const char *e = memchr(s + i, '\0', n - i);
        size_t len = e ? (size_t)(e - (s + i)) : n - i;
        if (len > kl && memcmp(s + i, key, kl) == 0 && s[i + kl] == '=') {
            buf_append(val, s + i + kl + 1, len - kl - 1);
            return 1;
        }
        i += len + 1;
    }
    return 0;
}

int kmods_modinfo(const void *data, size_t n, const char *key, struct buf *val)
{
    const unsigned char *d = data;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh = kmods_shdrs(d, n, &eh);
    if (!sh) return -1;
    const Elf64_Shdr *str = &sh[eh->e_shstrndx];
    if (str->sh_offset > n || str->sh_size > n - str->sh_offset) return -1;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_name >= str->sh_size) continue;
        const char *nm = (const char *)d + str->sh_offset + sh[i].sh_name;
        size_t room = str->sh_size - sh[i].sh_name;
        if (room < 9 || memcmp(nm, ".modinfo", 9) != 0) continue;
        if (sh[i].sh_offset > n || sh[i].sh_size > n - sh[i].sh_offset) return -1;
        return kmods_scan_info((const char *)d + sh[i].sh_offset, sh[i].sh_size, key, val);
    }
    return 0;
}

/* nftw has no user pointer: the walk's state lives here for its duration. */
static struct {
    size_t base_len;
    struct buf *paths;      /* "rel\0" for every .ko */
    int count;
} kmods_walk;

static int kmods_walk_fn(const char *path, const struct stat *st, int type, struct FTW *f)
{
    size_t len = strlen(path);
    if (type == FTW_F && len > 3 && strcmp(path + len - 3, ".ko") == 0) {
        buf_append(kmods_walk.paths, path + kmods_walk.base_len, len - kmods_walk.base_len + 1);
        kmods_walk.count++;
    }
    return 0;
}

/* Appends "rel:" and the paths of the modules named in depends= of the
 * module at rel (given every module's rel path in all). */
static int kmods_dep_line(const char *moddir, const char *rel, const struct buf *all,
                          struct buf *out, struct buf *why)
{
    struct buf path = BUF_INIT, deps = BUF_INIT, nm = BUF_INIT;
    buf_printf(&path, "%s/%s", moddir, rel);
    int fd = open(buf_cstr(&path), O_RDONLY | O_CLOEXEC);
    struct stat st;
    int rc = -1;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            rc = kmods_modinfo(m, (size_t)st.st_size, "depends", &deps) < 0 ? -1 : 0;
            munmap(m, (size_t)st.st_size);
        }
    }
    if (fd >= 0) close(fd);
    if (rc < 0) buf_printf(why, "%s: cannot read its .modinfo", buf_cstr(&path));
    buf_printf(out, "%s:", rel);
    for (char *d = strtok((char *)buf_cstr(&deps), ","); d && rc == 0; d = strtok(NULL, ",")) {
        for (const char *p = buf_head(all); p < buf_head(all) + buf_used(all); p += strlen(p) + 1) {
            buf_reset(&nm);
            kmods_name(p, &nm);
            if (strcmp(buf_cstr(&nm), d) == 0) buf_printf(out, " %s", p);
        }
    }
    buf_puts(out, "\n");
    buf_free(&path);
    buf_free(&deps);
    buf_free(&nm);
    return rc;
}

/* Writes text to path through path.tmp and a rename. */
static int kmods_write_file(const char *path, const struct buf *text, struct buf *why)
{
    struct buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(buf_cstr(&tmp), "w");
    int rc = f ? 0 : -1;
    if (f) {
        if (fwrite(buf_head(text), 1, buf_used(text), f) != buf_used(text)) rc = -1;
        if (fclose(f) != 0) rc = -1;
    }
    if (rc == 0 && rename(buf_cstr(&tmp), path) < 0) rc = -1;
    if (rc < 0) {
        buf_printf(why, "%s: %s", path, strerror(errno));
        unlink(buf_cstr(&tmp));
    }
    buf_free(&tmp);
    return rc;
}

int kmods_depmod(const char *moddir, struct buf *why)
{
    struct buf dep = BUF_INIT, all = BUF_INIT, out = BUF_INIT;
    buf_printf(&dep, "%s/modules.dep", moddir);
    int rc = 0;
    if (access(buf_cstr(&dep), F_OK) == 0) goto done;
    struct buf kdir = BUF_INIT;
    buf_printf(&kdir, "%s/kernel", moddir);
    kmods_walk.base_len = strlen(moddir) + 1;
    kmods_walk.paths = &all;
    kmods_walk.count = 0;
    rc = nftw(buf_cstr(&kdir), kmods_walk_fn, 16, FTW_PHYS);
    buf_free(&kdir);
    if (rc != 0 || kmods_walk.count == 0) {
        buf_printf(why, "%s/kernel: no uncompressed .ko modules to index (install kmod and run depmod)",
                   moddir);
        rc = -1;
        goto done;
    }
    for (const char *p = buf_head(&all); rc == 0 && p < buf_head(&all) + buf_used(&all);
         p += strlen(p) + 1)
        rc = kmods_dep_line(moddir, p, &all, &out, why);
    if (rc == 0) rc = kmods_write_file(buf_cstr(&dep), &out, why);
done:
    buf_free(&dep);
    buf_free(&all);
    buf_free(&out);
    return rc;
}
