/* nfsd.h — the NFSv3 (RFC 1813) and MOUNT v3 programs of the built-in
 * nfs server: one RPC record in, one reply record out.
 *
 * nfsd_dispatch knows nothing of sockets: the role (roles/nfs.c) splits
 * the byte stream into records and hands each one here; the unit tests
 * and the fuzz target call it directly.  Both programs answer on the same
 * port.  The export is read-only: every modifying NFS procedure answers
 * NFS3ERR_ROFS. */
#ifndef HOSTMIX_NFSD_H
#define HOSTMIX_NFSD_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "roles/nfsd_export.h"

#define NFSD_PROG_NFS 100003
#define NFSD_PROG_MOUNT 100005
#define NFSD_VERS 3                 /* of both programs */
#define NFSD_RTMAX (1024 * 1024)    /* largest READ answered */
#define NFSD_DIRMAX (256 * 1024)    /* largest READDIR(PLUS) reply */
#define NFSD_WTMAX 32768            /* advertised; writes are refused anyway */

/* nfsd_dispatch results */
enum { NFSD_NO_REPLY = 0, NFSD_REPLIED = 1, NFSD_REPLIED_ERROR = 2 };

/* Answers the RPC call in rec[0..len): appends one reply record (record
 * mark included) to out.  Returns NFSD_NO_REPLY for records that get no
 * answer (not a CALL, or no xid), NFSD_REPLIED_ERROR when the reply is an
 * RPC error or an NFS/MOUNT status other than OK, else NFSD_REPLIED. */
int nfsd_dispatch(struct nfsd_export *ex, const uint8_t *rec, size_t len, struct buf *out);

#endif
