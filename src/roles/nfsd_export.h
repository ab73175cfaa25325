/* nfsd_export.h — the directory the nfs server exports and its file
 * handles.
 *
 * A file handle is 28 bytes: "HMX1", an export verifier (8 bytes derived
 * from the export root's device and inode, so handles survive a server
 * restart), and the object's st_dev and st_ino.  A handle is only ever a
 * key: the export keeps a table from (dev, ino) to the object's path
 * relative to the root, learned when the object was reached by MNT,
 * LOOKUP or READDIRPLUS.  Resolving a handle walks that path from the root
 * one component at a time with O_NOFOLLOW and checks that what it finds
 * still has the handle's dev and ino; so a handle can only ever name an
 * object reachable inside the export without following a symlink, and a
 * forged or outdated one gets NFS3ERR_BADHANDLE or NFS3ERR_STALE.  A
 * handle unknown to the table (e.g. from before a restart) triggers a scan
 * of the export, at most once per second, which relearns every path.
 *
 * Functions returning an int give 0 or an NFS3ERR_* status. */
#ifndef HOSTMIX_NFSD_EXPORT_H
#define HOSTMIX_NFSD_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define NFSD_FH_LEN 28
#define NFSD_NAME_MAX 255
#define NFSD_PATH_MAX 4096

/* NFSv3 status codes the export produces (RFC 1813 section 2.6) */
enum {
    NFSD_OK = 0, NFSD_ERR_PERM = 1, NFSD_ERR_NOENT = 2, NFSD_ERR_IO = 5,
    NFSD_ERR_ACCES = 13, NFSD_ERR_NOTDIR = 20, NFSD_ERR_ISDIR = 21, NFSD_ERR_INVAL = 22,
    NFSD_ERR_ROFS = 30, NFSD_ERR_NAMETOOLONG = 63, NFSD_ERR_STALE = 70,
    NFSD_ERR_BADHANDLE = 10001, NFSD_ERR_BAD_COOKIE = 10003, NFSD_ERR_NOTSUPP = 10004,
    NFSD_ERR_TOOSMALL = 10005, NFSD_ERR_SERVERFAULT = 10006,
};

struct nfsd_export;

/* An object of the export.  fd is -1 or an fd the holder closes with
 * nfsd_obj_release; path is a copy, relative to the root. */
struct nfsd_obj {
    int fd;
    struct stat st;
    char path[NFSD_PATH_MAX];   /* relative to the root; "" is the root */
};

/* What nfsd_export_resolve should open for the object. */
enum nfsd_want {
    NFSD_WANT_STAT,             /* nothing: st only */
    NFSD_WANT_DIR,              /* an O_PATH fd of a directory (NOTDIR otherwise) */
    NFSD_WANT_READ,             /* O_RDONLY fd of a regular file or directory */
};

/* Opens dir as an export.  Returns NULL with a reason in err. */
struct nfsd_export *nfsd_export_open(const char *dir, char *err, size_t errlen);
void nfsd_export_close(struct nfsd_export *ex);

/* The export's file system id (the root's st_dev), reported as fsid. */
uint64_t nfsd_export_fsid(const struct nfsd_export *ex);
/* fd of the export root (O_RDONLY directory; owned by the export). */
int nfsd_export_rootfd(const struct nfsd_export *ex);

/* Fills fh (NFSD_FH_LEN bytes) with the handle of an object. */
void nfsd_export_fh(const struct nfsd_export *ex, const struct stat *st, uint8_t *fh);

/* Resolves a handle (len bytes from the wire) into o. */
int nfsd_export_resolve(struct nfsd_export *ex, const uint8_t *fh, size_t len,
                        enum nfsd_want want, struct nfsd_obj *o);

/* Looks name up in directory dir (which needs an fd: NFSD_WANT_DIR or
 * READ) and learns its path.  "." and ".." are handled lexically: ".." of
 * the root is the root.  Symlinks are not followed. */
int nfsd_export_lookup(struct nfsd_export *ex, const struct nfsd_obj *dir,
                       const char *name, size_t nlen, struct nfsd_obj *child);

/* The MOUNT path: "/" or "/a/b" inside the export; must be a directory. */
int nfsd_export_mount(struct nfsd_export *ex, const char *path, struct nfsd_obj *o);

/* Whether a symlink's target, taken relative to the directory holding the
 * link (link_path is the link's own path), stays inside the export.
 * Absolute targets and ones climbing above the root do not. */
int nfsd_export_link_inside(const char *link_path, const char *target, size_t tlen);

void nfsd_obj_release(struct nfsd_obj *o);

#endif
