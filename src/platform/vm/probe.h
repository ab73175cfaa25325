/* probe.h — host facts the vm platform depends on beyond the accelerator:
 * whether vhost-net can really be opened, and which hugetlbfs mounts with
 * which page sizes and free pools the guests' memory can come from.
 * Checked before any QEMU starts, so a host that lacks them gets a
 * refusal with the numbers instead of a QEMU that fails at start or at
 * preallocation. */
#ifndef HOSTMIX_VM_PROBE_H
#define HOSTMIX_VM_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* Whether the vhost-net device at path (normally /dev/vhost-net) can be
 * used: it opens read-write as a character device (a node that exists
 * while its module cannot load passes access() and fails open() with
 * ENXIO or ENODEV).  Returns 1, or 0 with why saying what failed. */
int vm_vhost_usable(const char *path, char *why, size_t n);

/* Whether root's /dev/kvm can create a VM with a vCPU here (a host may
 * expose a /dev/kvm that cannot run stock guests, PVM's: then QEMU fails
 * at start).  root is "" for the live system.  Returns 1, or 0 with why
 * saying what failed.  Defined in vm.c; the libvirt platform decides its
 * domain type with it too. */
int vm_kvm_usable(const char *root, char *why, size_t n);

#define VM_HUGE_MAX_MOUNTS 8

struct vm_huge_mount {
    char path[256];             /* the hugetlbfs mount point */
    uint64_t page;              /* its page size in bytes */
    long free_pages;            /* free pages of that size in the host's pool, -1 unknown */
};

struct vm_huge_facts {
    struct vm_huge_mount m[VM_HUGE_MAX_MOUNTS];
    int n;
    uint64_t default_page;      /* /proc/meminfo Hugepagesize, 0 unknown */
};

/* Reads the hugetlbfs mounts of /proc/mounts under root (their page size
 * from pagesize=, else the default from /proc/meminfo's Hugepagesize) and
 * the free pages per size (HugePages_Free for the default size,
 * /sys/kernel/mm/hugepages/hugepages-NkB/free_hugepages for the others).
 * Fills f; a host without hugetlbfs gets f->n == 0. */
void vm_huge_read(const char *root, struct vm_huge_facts *f);

/* Picks the mount for guests that need `need` bytes in pages of `page`
 * bytes in all: the first mount of that page size (*path points into f).
 * Returns 0, or -1 with why giving the numbers (no mount of that size,
 * or fewer free pages than the guests need). */
int vm_huge_pick(const struct vm_huge_facts *f, uint64_t page, uint64_t need,
                 const char **path, char *why, size_t n);

#endif
