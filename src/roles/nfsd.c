/* nfsd.c — NFSv3 and MOUNT v3 procedures; see nfsd.h.
 *
 * Every procedure decodes its arguments completely before it starts the
 * reply (oncrpc_reply_begin), so malformed arguments get GARBAGE_ARGS and
 * nothing else.  Encoding goes through libtirpc's XDR primitives; the
 * results follow RFC 1813's XDR layout field by field. */
#include "roles/nfsd.h"
#include "proto/oncrpc.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define NFSD_FATTR 84               /* bytes of an encoded fattr3 */
#define NFSD_POST_OP (4 + NFSD_FATTR)
#define NFSD_FH_XDR (4 + NFSD_FH_LEN)
#define NFSD_SMALL 512              /* room for any fixed-size result */
#define NFSD_MOUNT_PATH_MAX 1024    /* MNTPATHLEN of RFC 1813 */
#define NFSD_COOKIEVERF_SIZE 8      /* NFS3_COOKIEVERFSIZE: READDIR's verifier, ignored */

/* mountstat3 values used (RFC 1813 appendix I) */
enum { MNT3_OK = 0, MNT3ERR_NOENT = 2, MNT3ERR_IO = 5, MNT3ERR_ACCES = 13,
       MNT3ERR_NOTDIR = 20, MNT3ERR_NAMETOOLONG = 63 };

/* handler results */
enum { NFSD_H_OK = 0, NFSD_H_GARBAGE, NFSD_H_ENCFAIL };

struct nfsd_call {
    struct nfsd_export *ex;
    const struct oncrpc_call *hdr;
    XDR *args;
    struct oncrpc_reply r;
    uint32_t status;            /* NFS or MOUNT status answered */
};

typedef int nfsd_fn(struct nfsd_call *k);

/* ---- encoders -------------------------------------------------------- */

static int nfsd_u32(XDR *x, uint32_t v) { return xdr_u_int32_t(x, &v); }
static int nfsd_u64(XDR *x, uint64_t v) { return xdr_u_int64_t(x, &v); }

static uint32_t nfsd_ftype(mode_t m)
{
    if (S_ISREG(m)) return 1;
    if (S_ISDIR(m)) return 2;
    if (S_ISBLK(m)) return 3;
    if (S_ISCHR(m)) return 4;
    if (S_ISLNK(m)) return 5;
    if (S_ISSOCK(m)) return 6;
    return 7;                   /* NF3FIFO */
}

static int nfsd_time(XDR *x, const struct timespec *t)
{
    return nfsd_u32(x, (uint32_t)t->tv_sec) && nfsd_u32(x, (uint32_t)t->tv_nsec);
}

static int nfsd_fattr(XDR *x, const struct nfsd_export *ex, const struct stat *st)
{
    return nfsd_u32(x, nfsd_ftype(st->st_mode)) && nfsd_u32(x, st->st_mode & 07777) &&
           nfsd_u32(x, (uint32_t)st->st_nlink) && nfsd_u32(x, st->st_uid) &&
           nfsd_u32(x, st->st_gid) && nfsd_u64(x, (uint64_t)st->st_size) &&
           nfsd_u64(x, (uint64_t)st->st_blocks * 512) &&
           nfsd_u32(x, major(st->st_rdev)) && nfsd_u32(x, minor(st->st_rdev)) &&
           nfsd_u64(x, nfsd_export_fsid(ex)) && nfsd_u64(x, (uint64_t)st->st_ino) &&
           nfsd_time(x, &st->st_atim) && nfsd_time(x, &st->st_mtim) &&
           nfsd_time(x, &st->st_ctim);
}

/* post_op_attr: the attributes when st is non-NULL. */
static int nfsd_post_op(XDR *x, const struct nfsd_export *ex, const struct stat *st)
{
    if (!st) return nfsd_u32(x, 0);
    return nfsd_u32(x, 1) && nfsd_fattr(x, ex, st);
}

static int nfsd_fh(XDR *x, const struct nfsd_export *ex, const struct stat *st)
{
    uint8_t fh[NFSD_FH_LEN];
    nfsd_export_fh(ex, st, fh);
    return nfsd_u32(x, NFSD_FH_LEN) && xdr_opaque(x, (char *)fh, NFSD_FH_LEN);
}

/* ---- argument decoding ------------------------------------------------ */

static int nfsd_arg_fh(struct nfsd_call *k, const uint8_t **fh, uint32_t *len)
{
    return oncrpc_xdr_bytes(k->args, fh, len, 64) == 0;
}

static int nfsd_arg_u32(struct nfsd_call *k, uint32_t *v) { return xdr_u_int32_t(k->args, v); }
static int nfsd_arg_u64(struct nfsd_call *k, uint64_t *v) { return xdr_u_int64_t(k->args, v); }

/* Starts an NFS result: reserves body bytes, encodes the status. */
static XDR *nfsd_begin(struct nfsd_call *k, size_t body, uint32_t status)
{
    XDR *x = oncrpc_reply_begin(&k->r, body);
    k->status = status;
    nfsd_u32(x, status);
    return x;
}

/* A result that is a status followed by a post_op_attr (the failure arm
 * of most procedures, and GETATTR-like successes that add fields). */
static int nfsd_status_attr(struct nfsd_call *k, uint32_t status, const struct stat *st)
{
    XDR *x = nfsd_begin(k, NFSD_SMALL, status);
    return nfsd_post_op(x, k->ex, st) ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

/* Replaces a result under way by a failure: status and no attributes. */
static int nfsd_restart(struct nfsd_call *k, uint32_t status)
{
    XDR *x = &k->r.x;
    k->status = status;
    return xdr_setpos(x, k->r.stat_pos + 4) && nfsd_u32(x, status) && nfsd_post_op(x, k->ex, NULL)
           ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

/* The stat to report with an error: a resolved object's, else none. */
static const struct stat *nfsd_err_attr(int status, const struct nfsd_obj *o)
{
    return status == NFSD_ERR_NOTDIR || status == NFSD_ERR_ISDIR || status == NFSD_ERR_INVAL
           ? &o->st : NULL;
}

/* ---- NFS procedures ------------------------------------------------------ */

static int nfsd_null(struct nfsd_call *k)
{
    oncrpc_reply_begin(&k->r, 0);
    return NFSD_H_OK;
}

static int nfsd_getattr(struct nfsd_call *k)
{
    const uint8_t *fh;
    uint32_t fl;
    if (!nfsd_arg_fh(k, &fh, &fl)) return NFSD_H_GARBAGE;
    struct nfsd_obj o;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_STAT, &o);
    XDR *x = nfsd_begin(k, NFSD_SMALL, (uint32_t)st);
    int ok = st ? 1 : nfsd_fattr(x, k->ex, &o.st);
    nfsd_obj_release(&o);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

static int nfsd_lookup(struct nfsd_call *k)
{
    const uint8_t *fh, *name;
    uint32_t fl, nl;
    if (!nfsd_arg_fh(k, &fh, &fl) || oncrpc_xdr_bytes(k->args, &name, &nl, 4096) < 0)
        return NFSD_H_GARBAGE;
    struct nfsd_obj dir, child;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_DIR, &dir);
    if (st) return nfsd_status_attr(k, (uint32_t)st, nfsd_err_attr(st, &dir));
    st = nfsd_export_lookup(k->ex, &dir, (const char *)name, nl, &child);
    XDR *x = nfsd_begin(k, NFSD_SMALL, (uint32_t)st);
    int ok = st ? nfsd_post_op(x, k->ex, &dir.st)
                : nfsd_fh(x, k->ex, &child.st) && nfsd_post_op(x, k->ex, &child.st) &&
                  nfsd_post_op(x, k->ex, &dir.st);
    nfsd_obj_release(&dir);
    nfsd_obj_release(&child);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

/* ACCESS: reading, looking up and executing as the mode allows; never
 * modifying (the export is read-only). */
static int nfsd_access(struct nfsd_call *k)
{
    const uint8_t *fh;
    uint32_t fl, want;
    if (!nfsd_arg_fh(k, &fh, &fl) || !nfsd_arg_u32(k, &want)) return NFSD_H_GARBAGE;
    struct nfsd_obj o;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_STAT, &o);
    if (st) return nfsd_status_attr(k, (uint32_t)st, NULL);
    enum { A_READ = 1, A_LOOKUP = 2, A_EXECUTE = 0x20 };
    uint32_t can = (o.st.st_mode & 0444) ? A_READ : 0;
    if (S_ISDIR(o.st.st_mode)) can |= (o.st.st_mode & 0111) ? A_LOOKUP : 0;
    else if (o.st.st_mode & 0111) can |= A_EXECUTE;
    XDR *x = nfsd_begin(k, NFSD_SMALL, 0);
    int ok = nfsd_post_op(x, k->ex, &o.st) && nfsd_u32(x, can & want);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

/* READLINK: only targets that stay inside the export are told. */
static int nfsd_readlink(struct nfsd_call *k)
{
    const uint8_t *fh;
    uint32_t fl;
    if (!nfsd_arg_fh(k, &fh, &fl)) return NFSD_H_GARBAGE;
    struct nfsd_obj o;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_READ, &o);
    if (st) return nfsd_status_attr(k, (uint32_t)st, NULL);
    char target[NFSD_PATH_MAX];
    ssize_t n = -1;
    if (!S_ISLNK(o.st.st_mode)) st = NFSD_ERR_INVAL;
    else if ((n = readlinkat(o.fd, "", target, sizeof target)) < 0 || n == sizeof target)
        st = NFSD_ERR_IO;
    else if (!nfsd_export_link_inside(o.path, target, (size_t)n))
        st = NFSD_ERR_ACCES;
    XDR *x = nfsd_begin(k, NFSD_SMALL + NFSD_PATH_MAX, (uint32_t)st);
    int ok = nfsd_post_op(x, k->ex, &o.st) &&
             (st || (nfsd_u32(x, (uint32_t)n) && xdr_opaque(x, target, (u_int)n)));
    nfsd_obj_release(&o);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

/* READ: the data is read straight into the reply: the count, eof and
 * opaque length before it are filled in once pread has told how much. */
static int nfsd_read(struct nfsd_call *k)
{
    const uint8_t *fh;
    uint32_t fl, count;
    uint64_t off;
    if (!nfsd_arg_fh(k, &fh, &fl) || !nfsd_arg_u64(k, &off) || !nfsd_arg_u32(k, &count))
        return NFSD_H_GARBAGE;
    struct nfsd_obj o;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_READ, &o);
    if (!st && S_ISDIR(o.st.st_mode)) st = NFSD_ERR_ISDIR;
    else if (!st && !S_ISREG(o.st.st_mode)) st = NFSD_ERR_INVAL;
    if (st) {
        nfsd_obj_release(&o);
        return nfsd_status_attr(k, (uint32_t)st, NULL);
    }
    if (count > NFSD_RTMAX) count = NFSD_RTMAX;
    uint64_t left = off < (uint64_t)o.st.st_size ? (uint64_t)o.st.st_size - off : 0;
    if (count > left) count = (uint32_t)left;  /* reserve no more than the file has */
    XDR *x = nfsd_begin(k, NFSD_SMALL + count, 0);
    int ok = nfsd_post_op(x, k->ex, &o.st);
    u_int at = xdr_getpos(x);
    uint8_t *data = ok && oncrpc_xdr_skip(x, 12) == 0 ? oncrpc_xdr_here(x, RNDUP(count)) : NULL;
    ssize_t n = 0;
    if (data && off < (uint64_t)INT64_MAX && count)
        n = pread(o.fd, data, count, (off_t)off);
    if (!data) ok = 0;
    if (ok && n < 0) {              /* an I/O error: a failure result instead */
        nfsd_obj_release(&o);
        return nfsd_restart(k, NFSD_ERR_IO);
    }
    if (ok) {
        uint32_t eof = off + (uint64_t)n >= (uint64_t)o.st.st_size;
        ok = xdr_setpos(x, at) && nfsd_u32(x, (uint32_t)n) && nfsd_u32(x, eof) &&
             nfsd_u32(x, (uint32_t)n) && oncrpc_xdr_commit_opaque(x, (size_t)n) == 0;
    }
    nfsd_obj_release(&o);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

/* One directory entry for READDIR(PLUS).  Returns its encoded size, or 0
 * after encoding nothing when it would not fit in room bytes. */
static size_t nfsd_dirent(struct nfsd_call *k, XDR *x, const struct nfsd_obj *dir,
                          const struct dirent *de, int plus, size_t room)
{
    size_t nlen = strlen(de->d_name);
    size_t need = 4 + 8 + 4 + RNDUP(nlen) + 8 + (plus ? NFSD_POST_OP + 4 + NFSD_FH_XDR : 0);
    if (need > room) return 0;
    struct nfsd_obj child;
    uint64_t fileid = (uint64_t)de->d_ino;
    int st = 1;
    int dots = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
    if (plus || dots) {
        st = nfsd_export_lookup(k->ex, dir, de->d_name, nlen, &child);
        if (!st) fileid = (uint64_t)child.st.st_ino;
    }
    int ok = nfsd_u32(x, 1) && nfsd_u64(x, fileid) && nfsd_u32(x, (uint32_t)nlen) &&
             xdr_opaque(x, (char *)de->d_name, (u_int)nlen) && nfsd_u64(x, (uint64_t)de->d_off);
    if (ok && plus)
        ok = st ? nfsd_u32(x, 0) && nfsd_u32(x, 0)
                : nfsd_post_op(x, k->ex, &child.st) && nfsd_u32(x, 1) &&
                  nfsd_fh(x, k->ex, &child.st);
    if (!st) nfsd_obj_release(&child);
    return ok ? need : 0;
}

/* READDIR and READDIRPLUS.  Cookies are the file system's own directory
 * offsets (d_off), so a listing resumes where the last reply stopped;
 * the cookie verifier is always zero and not checked. */
static int nfsd_readdir_common(struct nfsd_call *k, int plus)
{
    const uint8_t *fh;
    uint32_t fl, dircount = 0, maxcount;
    uint64_t cookie;
    char verf[NFSD_COOKIEVERF_SIZE];
    if (!nfsd_arg_fh(k, &fh, &fl) || !nfsd_arg_u64(k, &cookie) ||
        !xdr_opaque(k->args, verf, sizeof verf) || (plus && !nfsd_arg_u32(k, &dircount)) ||
        !nfsd_arg_u32(k, &maxcount))
        return NFSD_H_GARBAGE;
    struct nfsd_obj dir;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_READ, &dir);
    if (!st && !S_ISDIR(dir.st.st_mode)) st = NFSD_ERR_NOTDIR;
    DIR *d = NULL;
    if (!st) {
        d = fdopendir(dir.fd);      /* takes the fd; an O_PATH dup serves lookups */
        int lfd = d ? openat(dir.fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        if (!d) nfsd_obj_release(&dir);
        dir.fd = lfd;
        if (!d || lfd < 0) st = NFSD_ERR_IO;
    }
    if (st) {
        if (d) closedir(d);
        nfsd_obj_release(&dir);
        return nfsd_status_attr(k, (uint32_t)st, nfsd_err_attr(st, &dir));
    }
    if (maxcount > NFSD_DIRMAX) maxcount = NFSD_DIRMAX;
    XDR *x = nfsd_begin(k, NFSD_SMALL + maxcount, 0);
    memset(verf, 0, sizeof verf);
    int ok = nfsd_post_op(x, k->ex, &dir.st) && xdr_opaque(x, verf, 8);
    size_t head = 4 + NFSD_POST_OP + 8 + 8, used = head;
    int entries = 0, eof = 1;
    if (cookie) seekdir(d, (long)cookie);
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        size_t room = maxcount > used ? maxcount - used : 0;
        size_t n = nfsd_dirent(k, x, &dir, de, plus, room);
        if (!n) { eof = 0; break; }
        used += n;
        entries++;
    }
    closedir(d);
    nfsd_obj_release(&dir);
    if (!entries && !eof)           /* not even one entry fits */
        return nfsd_restart(k, NFSD_ERR_TOOSMALL);
    ok = ok && nfsd_u32(x, 0) && nfsd_u32(x, (uint32_t)eof);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

static int nfsd_readdir(struct nfsd_call *k) { return nfsd_readdir_common(k, 0); }
static int nfsd_readdirplus(struct nfsd_call *k) { return nfsd_readdir_common(k, 1); }

static int nfsd_fsstat(struct nfsd_call *k)
{
    const uint8_t *fh;
    uint32_t fl;
    if (!nfsd_arg_fh(k, &fh, &fl)) return NFSD_H_GARBAGE;
    struct nfsd_obj o;
    struct statvfs vfs;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_STAT, &o);
    if (!st && fstatvfs(nfsd_export_rootfd(k->ex), &vfs) < 0) st = NFSD_ERR_IO;
    if (st) return nfsd_status_attr(k, (uint32_t)st, NULL);
    XDR *x = nfsd_begin(k, NFSD_SMALL, 0);
    uint64_t f = vfs.f_frsize;
    int ok = nfsd_post_op(x, k->ex, &o.st) && nfsd_u64(x, vfs.f_blocks * f) &&
             nfsd_u64(x, vfs.f_bfree * f) && nfsd_u64(x, vfs.f_bavail * f) &&
             nfsd_u64(x, vfs.f_files) && nfsd_u64(x, vfs.f_ffree) &&
             nfsd_u64(x, vfs.f_favail) && nfsd_u32(x, 0);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

static int nfsd_fsinfo(struct nfsd_call *k)
{
    const uint8_t *fh;
    uint32_t fl;
    if (!nfsd_arg_fh(k, &fh, &fl)) return NFSD_H_GARBAGE;
    struct nfsd_obj o;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_STAT, &o);
    if (st) return nfsd_status_attr(k, (uint32_t)st, NULL);
    enum { FSF3_LINK = 1, FSF3_SYMLINK = 2, FSF3_HOMOGENEOUS = 8 };
    XDR *x = nfsd_begin(k, NFSD_SMALL, 0);
    int ok = nfsd_post_op(x, k->ex, &o.st) && nfsd_u32(x, NFSD_RTMAX) &&
             nfsd_u32(x, NFSD_RTMAX) && nfsd_u32(x, 4096) && nfsd_u32(x, NFSD_WTMAX) &&
             nfsd_u32(x, NFSD_WTMAX) && nfsd_u32(x, 4096) && nfsd_u32(x, 65536) &&
             nfsd_u64(x, INT64_MAX) && nfsd_u32(x, 0) && nfsd_u32(x, 1) &&
             nfsd_u32(x, FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

static int nfsd_pathconf(struct nfsd_call *k)
{
    const uint8_t *fh;
    uint32_t fl;
    if (!nfsd_arg_fh(k, &fh, &fl)) return NFSD_H_GARBAGE;
    struct nfsd_obj o;
    int st = nfsd_export_resolve(k->ex, fh, fl, NFSD_WANT_STAT, &o);
    if (st) return nfsd_status_attr(k, (uint32_t)st, NULL);
    XDR *x = nfsd_begin(k, NFSD_SMALL, 0);
    int ok = nfsd_post_op(x, k->ex, &o.st) && nfsd_u32(x, 65000) &&
             nfsd_u32(x, NFSD_NAME_MAX) && nfsd_u32(x, 1) && nfsd_u32(x, 1) &&
             nfsd_u32(x, 0) && nfsd_u32(x, 1);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

/* Modifying procedures: NFS3ERR_ROFS followed by empty wcc_data (two
 * FALSE words) per directory or file they would change.  Only the leading
 * file handle of the arguments is checked. */
static int nfsd_rofs(struct nfsd_call *k, int words)
{
    const uint8_t *fh;
    uint32_t fl;
    if (!nfsd_arg_fh(k, &fh, &fl)) return NFSD_H_GARBAGE;
    XDR *x = nfsd_begin(k, NFSD_SMALL, NFSD_ERR_ROFS);
    int ok = 1;
    for (int i = 0; i < words; i++) ok = ok && nfsd_u32(x, 0);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

static int nfsd_rofs_wcc(struct nfsd_call *k) { return nfsd_rofs(k, 2); }
static int nfsd_rofs_rename(struct nfsd_call *k) { return nfsd_rofs(k, 4); }
static int nfsd_rofs_link(struct nfsd_call *k) { return nfsd_rofs(k, 3); }

static nfsd_fn *const nfsd_nfs_procs[] = {
    nfsd_null, nfsd_getattr, nfsd_rofs_wcc /* SETATTR */, nfsd_lookup, nfsd_access,
    nfsd_readlink, nfsd_read, nfsd_rofs_wcc /* WRITE */, nfsd_rofs_wcc /* CREATE */,
    nfsd_rofs_wcc /* MKDIR */, nfsd_rofs_wcc /* SYMLINK */, nfsd_rofs_wcc /* MKNOD */,
    nfsd_rofs_wcc /* REMOVE */, nfsd_rofs_wcc /* RMDIR */, nfsd_rofs_rename,
    nfsd_rofs_link, nfsd_readdir, nfsd_readdirplus, nfsd_fsstat, nfsd_fsinfo,
    nfsd_pathconf, nfsd_rofs_wcc /* COMMIT */,
};

/* ---- MOUNT procedures ------------------------------------------------------ */

static int nfsd_mount_path(struct nfsd_call *k, char *path)
{
    const uint8_t *p;
    uint32_t n;
    if (oncrpc_xdr_bytes(k->args, &p, &n, NFSD_MOUNT_PATH_MAX) < 0 || memchr(p, '\0', n))
        return 0;
    memcpy(path, p, n);
    path[n] = '\0';
    return 1;
}

static int nfsd_mnt(struct nfsd_call *k)
{
    char path[NFSD_MOUNT_PATH_MAX + 1];
    if (!nfsd_mount_path(k, path)) return NFSD_H_GARBAGE;
    struct nfsd_obj o;
    int st = nfsd_export_mount(k->ex, path, &o);
    nfsd_obj_release(&o);
    uint32_t ms = st == 0 ? MNT3_OK : st == NFSD_ERR_NOTDIR ? MNT3ERR_NOTDIR
                : st == NFSD_ERR_ACCES ? MNT3ERR_ACCES : st == NFSD_ERR_NAMETOOLONG
                ? MNT3ERR_NAMETOOLONG : st == NFSD_ERR_IO ? MNT3ERR_IO : MNT3ERR_NOENT;
    log_debug("nfs: MNT '%s' -> %u", path, ms);
    XDR *x = nfsd_begin(k, NFSD_SMALL, ms);
    int ok = ms != MNT3_OK ||
             (nfsd_fh(x, k->ex, &o.st) && nfsd_u32(x, 2) && nfsd_u32(x, ONCRPC_AUTH_SYS) &&
              nfsd_u32(x, ONCRPC_AUTH_NONE));
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

static int nfsd_umnt(struct nfsd_call *k)
{
    char path[NFSD_MOUNT_PATH_MAX + 1];
    if (!nfsd_mount_path(k, path)) return NFSD_H_GARBAGE;
    oncrpc_reply_begin(&k->r, 0);
    return NFSD_H_OK;
}

/* DUMP: the server keeps no mount list (mounts are stateless here). */
static int nfsd_dump(struct nfsd_call *k)
{
    return nfsd_u32(oncrpc_reply_begin(&k->r, 4), 0) ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

/* EXPORT: one export, "/", open to every host. */
static int nfsd_export_list(struct nfsd_call *k)
{
    XDR *x = oncrpc_reply_begin(&k->r, 32);
    int ok = nfsd_u32(x, 1) && nfsd_u32(x, 1) && xdr_opaque(x, (char *)(uintptr_t)"/", 1) &&
             nfsd_u32(x, 0) && nfsd_u32(x, 0);
    return ok ? NFSD_H_OK : NFSD_H_ENCFAIL;
}

static nfsd_fn *const nfsd_mount_procs[] = {
    nfsd_null, nfsd_mnt, nfsd_dump, nfsd_umnt, nfsd_null /* UMNTALL */, nfsd_export_list,
};

/* ---- dispatch ---------------------------------------------------------------- */

struct nfsd_prog {
    uint32_t prog;
    nfsd_fn *const *procs;
    uint32_t nprocs;
};

static const struct nfsd_prog nfsd_progs[] = {
    { NFSD_PROG_NFS, nfsd_nfs_procs, sizeof nfsd_nfs_procs / sizeof nfsd_nfs_procs[0] },
    { NFSD_PROG_MOUNT, nfsd_mount_procs, sizeof nfsd_mount_procs / sizeof nfsd_mount_procs[0] },
};

/* Answers a call whose header decoded; returns an NFSD_* result. */
static int nfsd_call_proc(struct nfsd_export *ex, const struct oncrpc_call *c, struct buf *out)
{
    const struct nfsd_prog *pg = NULL;
    for (size_t i = 0; i < sizeof nfsd_progs / sizeof nfsd_progs[0]; i++)
        if (nfsd_progs[i].prog == c->prog) pg = &nfsd_progs[i];
    uint32_t err = !pg ? ONCRPC_PROG_UNAVAIL : c->vers != NFSD_VERS ? ONCRPC_PROG_MISMATCH
                 : c->proc >= pg->nprocs ? ONCRPC_PROC_UNAVAIL : ONCRPC_SUCCESS;
    if (err) {
        oncrpc_reply_accept_error(out, c->xid, err, NFSD_VERS, NFSD_VERS);
        return NFSD_REPLIED_ERROR;
    }
    XDR args;
    xdrmem_create(&args, (char *)(uintptr_t)c->args, (u_int)c->args_len, XDR_DECODE);
    struct nfsd_call k = { .ex = ex, .hdr = c, .args = &args };
    oncrpc_reply_init(&k.r, out, c->xid);
    int rc = pg->procs[c->proc](&k);
    xdr_destroy(&args);
    if (rc == NFSD_H_GARBAGE) {
        oncrpc_reply_accept_error(out, c->xid, ONCRPC_GARBAGE_ARGS, 0, 0);
        return NFSD_REPLIED_ERROR;
    }
    oncrpc_reply_end(&k.r, rc == NFSD_H_OK);
    log_debug("nfs: prog %u proc %u xid %08x -> %u", c->prog, c->proc, c->xid, k.status);
    return rc == NFSD_H_OK && k.status == 0 ? NFSD_REPLIED : NFSD_REPLIED_ERROR;
}

int nfsd_dispatch(struct nfsd_export *ex, const uint8_t *rec, size_t len, struct buf *out)
{
    struct oncrpc_call c;
    switch (oncrpc_call_decode(rec, len, &c)) {
    case ONCRPC_CALL_OK:
        return nfsd_call_proc(ex, &c, out);
    case ONCRPC_CALL_RPC_MISMATCH:
        oncrpc_reply_denied(out, c.xid, ONCRPC_RPC_MISMATCH, 0);
        return NFSD_REPLIED_ERROR;
    case ONCRPC_CALL_GARBAGE:
        oncrpc_reply_accept_error(out, c.xid, ONCRPC_GARBAGE_ARGS, 0, 0);
        return NFSD_REPLIED_ERROR;
    case ONCRPC_CALL_BADCRED:
        oncrpc_reply_denied(out, c.xid, ONCRPC_AUTH_ERROR, ONCRPC_AUTH_BADCRED);
        return NFSD_REPLIED_ERROR;
    case ONCRPC_CALL_BADVERF:
        oncrpc_reply_denied(out, c.xid, ONCRPC_AUTH_ERROR, ONCRPC_AUTH_BADVERF);
        return NFSD_REPLIED_ERROR;
    default:
        return NFSD_NO_REPLY;
    }
}
