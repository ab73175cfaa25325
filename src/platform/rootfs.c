/* rootfs.c — a program's file closure, found by asking its loader
 * (see rootfs.h for why the loader and not a DT_NEEDED walk). */
#include "platform/rootfs.h"
#include "platform/pcmd.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t rootfs_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void rootfs_add(struct rootfs *r, const char *host, const char *image)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->files[i].image, image) == 0) return;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->files = realloc(r->files, r->cap * sizeof *r->files);
        if (!r->files) abort();
    }
    r->files[r->n].host = strdup(host);
    r->files[r->n].image = strdup(image);
    if (!r->files[r->n].host || !r->files[r->n].image) abort();
    r->n++;
}

void rootfs_free(struct rootfs *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->files[i].host);
        free(r->files[i].image);
    }
    free(r->files);
    memset(r, 0, sizeof *r);
}

/* Adds the absolute path that starts at p (up to a blank) if any. */
static void rootfs_add_word(struct rootfs *r, const char *p, const char *end, int *added)
{
    const char *e = p;
    while (e < end && *e != ' ' && *e != '\t') e++;
    if (e == p || *p != '/') return;
    struct buf path = BUF_INIT;
    buf_append(&path, p, (size_t)(e - p));
    rootfs_add(r, buf_cstr(&path), buf_cstr(&path));
    buf_free(&path);
    (*added)++;
}

int rootfs_parse_ldlist(const char *text, struct rootfs *r, struct buf *why)
{
    int added = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        if (!end) end = line + strlen(line);
        const char *p = line;
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        const char *arrow = memmem(p, (size_t)(end - p), "=> ", 3);
        if (arrow) {
            p = arrow + 3;
            if ((size_t)(end - p) >= 9 && memcmp(p, "not found", 9) == 0) {
                buf_printf(why, "shared library not found: %.*s",
                           (int)(arrow - line), line);
                return -1;
            }
        }
        rootfs_add_word(r, p, end, &added);
        line = *end ? end + 1 : end;
    }
    return added;
}

/* Reads n bytes at off of fd; 0 or -1. */
static int rootfs_pread(int fd, void *p, size_t n, off_t off)
{
    return pread(fd, p, n, off) == (ssize_t)n ? 0 : -1;
}

/* Finds PT_INTERP among the program headers of an ELF64 file. */
static int rootfs_find_interp(int fd, const Elf64_Ehdr *eh, struct buf *interp)
{
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        if (rootfs_pread(fd, &ph, sizeof ph, (off_t)(eh->e_phoff + (uint64_t)i * eh->e_phentsize)))
            return -1;
        if (ph.p_type != PT_INTERP) continue;
        if (ph.p_filesz == 0 || ph.p_filesz > PATH_MAX) return -1;
        char *s = buf_reserve(interp, ph.p_filesz + 1);
        if (rootfs_pread(fd, s, ph.p_filesz, (off_t)ph.p_offset)) return -1;
        s[ph.p_filesz] = '\0';
        interp->len += strlen(s);
        return 1;
    }
    return 0;
}

int rootfs_elf_interp(const char *path, struct buf *interp, struct buf *why)
{
    buf_reset(interp);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        buf_printf(why, "%s: %s", path, strerror(errno));
        return -1;
    }
    Elf64_Ehdr eh;
    int rc = -1;
    if (rootfs_pread(fd, &eh, sizeof eh, 0) == 0 && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
        eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr))
        rc = rootfs_find_interp(fd, &eh, interp);
    close(fd);
    if (rc < 0) buf_printf(why, "%s: not a readable 64-bit ELF file", path);
    return rc;
}

int rootfs_closure(const char *exe, const char *exe_image, struct rootfs *r, struct buf *why)
{
    char real[PATH_MAX];
    if (!realpath(exe, real)) {
        buf_printf(why, "%s: %s", exe, strerror(errno));
        return -1;
    }
    struct buf interp = BUF_INIT, out = BUF_INIT;
    int rc = rootfs_elf_interp(real, &interp, why);
    if (rc >= 0) rootfs_add(r, real, exe_image);
    if (rc == 1) {
        char *argv[] = { (char *)buf_cstr(&interp), "--list", real, NULL };
        rc = pcmd_check(argv, NULL, &out, why);
        if (rc == 0) rc = rootfs_parse_ldlist(buf_cstr(&out), r, why) < 0 ? -1 : 0;
        if (rc == 0) rootfs_add(r, buf_cstr(&interp), buf_cstr(&interp));
    }
    buf_free(&interp);
    buf_free(&out);
    return rc < 0 ? -1 : 0;
}

int rootfs_key(const struct rootfs *r, char key[17], struct buf *why)
{
    uint64_t h = ROOTFS_FNV_INIT;
    for (size_t i = 0; i < r->n; i++) {
        struct stat st;
        if (stat(r->files[i].host, &st) < 0) {
            buf_printf(why, "%s: %s", r->files[i].host, strerror(errno));
            return -1;
        }
        uint64_t v[5] = { (uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec,
                          (uint64_t)st.st_mtim.tv_nsec, (uint64_t)st.st_ino, (uint64_t)st.st_dev };
        h = rootfs_fnv(h, r->files[i].image, strlen(r->files[i].image) + 1);
        h = rootfs_fnv(h, v, sizeof v);
    }
    snprintf(key, 17, "%016llx", (unsigned long long)h);
    return 0;
}
