/* probe.h — host facts the vm platform depends on beyond the accelerator:
 * whether vhost-net can really be opened.  Checked before any QEMU
 * starts, so a host that lacks it never gets a QEMU that fails at start. */
#ifndef HOSTMIX_VM_PROBE_H
#define HOSTMIX_VM_PROBE_H

#include <stddef.h>

/* Whether the vhost-net device at path (normally /dev/vhost-net) can be
 * used: it opens read-write as a character device (a node that exists
 * while its module cannot load passes access() and fails open() with
 * ENXIO or ENODEV).  Returns 1, or 0 with why saying what failed. */
int vm_vhost_usable(const char *path, char *why, size_t n);

#endif
