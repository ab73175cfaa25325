/* gcfg.h — what a guest's init needs to know (the server's argv, the
 * guest's address, its data disk), carried on the kernel command line as
 * hostmix.* parameters.  The host encodes, the guest decodes: both sides
 * use this one module.
 *
 * Encoding (docs/platforms-vm-image.md):
 *   hostmix.ip=A.B.C.D/PREFIX  hostmix.gw=A.B.C.D  hostmix.disk=vda:ro|rw
 *   hostmix.argv=WORD,WORD,...
 * Each argv word is percent-encoded: bytes outside [A-Za-z0-9._/:@+=-]
 * (space, quote, comma, percent, controls, non-ASCII) become %XX, so a
 * value never holds a blank or a quote the kernel's parser would split
 * on.  The kernel ignores dotted parameters it does not know and passes
 * none of them to init, which reads /proc/cmdline.  x86 keeps at most
 * 2047 bytes of command line and QEMU's microvm appends its own
 * virtio_mmio.device= entries, so gcfg_cmdline refuses to exceed
 * GCFG_CMDLINE_MAX. */
#ifndef HOSTMIX_GCFG_H
#define HOSTMIX_GCFG_H

#include "core/buf.h"

#include <stddef.h>

#define GCFG_CMDLINE_MAX 1792

struct gcfg {
    char **argv;        /* the server's command, e.g. serve idle --listen ... */
    size_t argc;
    char *ip;           /* guest IPv4 address, dotted */
    int prefix;         /* its prefix length, 1..32 */
    char *gw;           /* default gateway, or NULL */
    char *disk;         /* block device name under /dev ("vda"), or NULL */
    int disk_rw;        /* 1: mount read-write; 0: read-only */
};

/* Appends the hostmix.* parameters for g to out.  Returns 0, or -1 when g
 * is incomplete (no argv, no ip, bad prefix; why says which). */
int gcfg_encode(const struct gcfg *g, struct buf *out, struct buf *why);

/* Appends a whole guest kernel command line to out: console on ttyS0,
 * quiet, panic=-1 (with QEMU's -no-reboot a panic ends QEMU), the TSC
 * settings that keep several TCG guests from failing calibration
 * (tsc_khz: the host's TSC frequency; lpj: loops per jiffy; 0 leaves
 * either out), then gcfg_encode's parameters.  Returns 0, or -1 if g is
 * incomplete or the result is longer than GCFG_CMDLINE_MAX (why). */
int gcfg_cmdline(const struct gcfg *g, unsigned long tsc_khz, unsigned long lpj,
                 struct buf *out, struct buf *why);

/* Decodes the hostmix.* parameters of a kernel command line (the text of
 * /proc/cmdline) into g (zeroed first).  Returns 0, or -1 with the cause
 * in why (a missing hostmix.argv or hostmix.ip, a bad %XX escape, a bad
 * address).  g owns its strings: free with gcfg_free. */
int gcfg_decode(const char *cmdline, struct gcfg *g, struct buf *why);
void gcfg_free(struct gcfg *g);

/* Percent-encodes n bytes of s onto out (the argv word encoding). */
void gcfg_pct_encode(const char *s, size_t n, struct buf *out);
/* Decodes s[0..n) onto out.  Returns 0, or -1 on a bad escape. */
int gcfg_pct_decode(const char *s, size_t n, struct buf *out);

#endif
