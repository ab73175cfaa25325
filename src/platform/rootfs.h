/* rootfs.h — the file closure of a dynamically linked program: the
 * program, every shared library it loads and the dynamic loader, each as
 * (path on the host, path in the image).
 *
 * VM initramfs images and container root directories are both built from
 * this list, so it knows nothing about either.  The libraries are found by
 * asking the program's own loader (`LOADER --list EXE`, what ldd does):
 * the loader applies RPATH/RUNPATH, ld.so.cache, hwcaps subdirectories and
 * the default paths exactly as it will at run time, which a DT_NEEDED walk
 * would have to re-implement.  Each library goes into the image at the
 * path the loader resolved on the host, and the loader at its PT_INTERP
 * path, so the image needs no ld.so.cache. */
#ifndef HOSTMIX_ROOTFS_H
#define HOSTMIX_ROOTFS_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

struct rootfs_file {
    char *host;     /* where to read it (absolute) */
    char *image;    /* where it goes in the image (absolute) */
};

struct rootfs {
    struct rootfs_file *files;
    size_t n, cap;
};

/* Fills r (initialised with {0}) with the closure of the executable exe
 * ("/proc/self/exe" works): exe itself as exe_image, then its loader and
 * libraries.  A static program yields only itself.  Returns 0, or -1 with
 * the cause in why (a library "not found", a non-ELF file, ...).  Free r
 * with rootfs_free. */
int rootfs_closure(const char *exe, const char *exe_image, struct rootfs *r, struct buf *why);

/* Adds (host, image) unless image is already listed; copies both. */
void rootfs_add(struct rootfs *r, const char *host, const char *image);
void rootfs_free(struct rootfs *r);

/* Parses the output of `LOADER --list EXE` and adds each library path
 * (the "=> /path" of a line, or a line's leading "/path", such as the
 * loader itself).  Lines without a path (linux-vdso) are skipped.
 * Returns the number of paths added, or -1 if a line says "not found"
 * (named in why). */
int rootfs_parse_ldlist(const char *text, struct rootfs *r, struct buf *why);

/* Reads the PT_INTERP path of the ELF file path into interp (cleared
 * first).  Returns 1 when there is one, 0 for a static program, -1 if the
 * file cannot be read or is not a 64-bit ELF (why says so). */
int rootfs_elf_interp(const char *path, struct buf *interp, struct buf *why);

/* A cache key over every file of r: image path, size, mtime and inode
 * (not the contents: a rebuilt binary or upgraded library changes its
 * mtime).  Writes 16 hex digits into key (caller owns it: key must hold
 * 17 bytes).  Returns 0, or -1 if a file cannot be stat'ed (why). */
int rootfs_key(const struct rootfs *r, char key[17], struct buf *why);

/* 64-bit FNV-1a over n bytes, continuing from h (start with
 * ROOTFS_FNV_INIT).  Used for cache keys built from several parts. */
#define ROOTFS_FNV_INIT 0xcbf29ce484222325ULL
uint64_t rootfs_fnv(uint64_t h, const void *p, size_t n);

#endif
