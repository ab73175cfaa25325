/* domain.h — the libvirt domain XML of one hostmix guest, as a pure
 * function of a configuration struct (no I/O, no libvirt call), so it is
 * unit-tested against expected text.
 *
 * The guest is the vm platform's q35 guest expressed in libvirt's terms:
 * direct kernel boot of the same kernel, initramfs and command line, its
 * data disk on virtio-blk with cache='none', one virtio NIC on the run's
 * bridge (<interface type='bridge'>: libvirt makes the tap), the agent as
 * a virtio-serial <channel> on a unix socket that QEMU serves, the serial
 * console in a file, and every exit (poweroff, reboot, crash) ending the
 * domain, as QEMU's -no-reboot does.  An explicit DAC <seclabel> runs
 * QEMU as the given uid:gid without relabelling anything, so it can read
 * hostmix's private (0700) run directory without loosening it. */
#ifndef HOSTMIX_LV_DOMAIN_H
#define HOSTMIX_LV_DOMAIN_H

#include "core/buf.h"

#include <stdint.h>
#include <sys/types.h>

struct lv_dom_cfg {
    const char *type;           /* domain type: "kvm" or "qemu" (TCG) */
    const char *name;           /* "hmx123-set1-web" */
    int vcpus;
    uint64_t mem_bytes;         /* a whole number of KiB */
    const char *kernel, *initrd, *cmdline;
    const char *disk;           /* data disk image, or NULL */
    int disk_qcow2;             /* its format: qcow2 (an overlay), else raw */
    int disk_ro;                /* attached read-only */
    const char *aio;            /* the disk's io= ("threads", "native", "io_uring") */
    const char *bridge;         /* the run's bridge */
    const char *mac;            /* "02:48:4d:00:01:00" (vm_mac) */
    const char *agent_path;     /* the agent channel's socket, or NULL */
    const char *console_log;    /* the serial console's file, or NULL */
    uid_t uid;                  /* QEMU's user and group (the DAC seclabel) */
    gid_t gid;
};

/* Appends the domain XML for c to out.  Returns 0, or -1 when c is
 * incomplete or inconsistent (why says what: no name, kernel, initrd,
 * command line or bridge, no vCPU, memory under 32 MiB or not whole KiB,
 * an unknown type). */
int lv_domain_xml(const struct lv_dom_cfg *c, struct buf *out, struct buf *why);

#endif
