/* qemu.h — the QEMU command line of one guest, as a pure function of a
 * configuration struct (no I/O), so it is unit-tested for each machine.
 *
 * microvm takes the virtio-mmio device forms (virtio-net-device, ...),
 * q35 the PCI forms (virtio-net-pci, ...); under KVM microvm goes without
 * its PIT and PIC (pit=off,pic=off).  The guest gets: the kernel
 * and initramfs, its disks on virtio-blk, one virtio-net on an inherited
 * tap fd, a QMP socket, the agent channel (a virtio-serial port named
 * org.hostmix.agent on a unix socket) and its serial console in a file.
 * -no-reboot makes a guest's reboot or panic end QEMU. */
#ifndef HOSTMIX_VM_QEMU_H
#define HOSTMIX_VM_QEMU_H

#include "core/buf.h"
#include "core/strvec.h"
#include "guest/agent.h"

#include <stddef.h>
#include <stdint.h>

enum vm_accel { VM_ACCEL_TCG, VM_ACCEL_KVM };
enum vm_machine { VM_MACHINE_MICROVM, VM_MACHINE_Q35 };
enum vm_huge { VM_HUGE_NO, VM_HUGE_2M, VM_HUGE_1G };
enum vm_disk_fmt { VM_DISK_RAW, VM_DISK_QCOW2 };
enum vm_aio { VM_AIO_THREADS, VM_AIO_NATIVE, VM_AIO_IO_URING };

struct vm_disk {
    const char *path;
    enum vm_disk_fmt fmt;
    int readonly;
    int cache_none;     /* cache=none (O_DIRECT, no host page cache) */
    enum vm_aio aio;
};

struct vm_qemu_cfg {
    const char *binary;         /* NULL: qemu-system-x86_64 */
    enum vm_accel accel;
    enum vm_machine machine;
    const char *cpu;            /* -cpu MODEL; NULL: host under kvm, QEMU's default under tcg */
    const char *name;           /* -name NAME,debug-threads=on */
    int vcpus;
    uint64_t mem_bytes;         /* a whole number of MiB (of huge pages) */
    enum vm_huge huge;
    const char *huge_path;      /* hugetlbfs mount; NULL: /dev/hugepages[1G] */
    const char *kernel, *initrd, *cmdline;
    const struct vm_disk *disks;
    size_t ndisks;
    int tap_fd;                 /* -1: no network */
    int set, role;              /* for the MAC address */
    const char *qmp_path;       /* NULL: no QMP */
    const char *agent_path;     /* NULL: no agent channel */
    const char *console_log;    /* NULL: no serial console */
    int vhost;                  /* vhost-net moves the data path into the host kernel */
};

/* Timing parameters for the guest kernel command line (gcfg_cmdline). */
struct vm_timing {
    unsigned long tsc_khz;      /* tsc_early_khz, 0: left out */
    unsigned long lpj;          /* lpj, 0: left out */
};

/* The timing parameters of a guest under accelerator a, with the host's
 * TSC at host_tsc_khz (0: unknown) and the guest kernel at hz ticks a
 * second.  Under TCG the guest's TSC is the host's and calibrating it
 * against emulated timers goes wrong when guests share CPUs, so both are
 * given; under KVM, kvm-clock hands the guest the exact TSC frequency
 * and both are left out, as they are without a known TSC frequency. */
struct vm_timing vm_guest_timing(enum vm_accel a, unsigned long host_tsc_khz, int hz);

/* Appends QEMU's argv for c to out (out->v stays NULL-terminated).
 * Returns 0, or -1 if c is inconsistent (no kernel, memory not a whole
 * number of MiB or of huge pages, no vcpus, ...; why says what).  The
 * caller frees out with strvec_clear. */
int vm_qemu_argv(const struct vm_qemu_cfg *c, struct strvec *out, struct buf *why);

/* The guest MAC of role `role` in set `set`: locally administered
 * 02:48:4d:00:SS:RR ("HM").  Writes 18 bytes into mac. */
void vm_mac(int set, int role, char mac[18]);

/* What a report should say of vhost-net on machine m (vhost: it is on):
 * a static sentence, or NULL when there is nothing to say. */
const char *vm_vhost_machine_note(enum vm_machine m, int vhost);

/* Appends s to out with every ',' doubled (QEMU's option escaping). */
void vm_qemu_escape(const char *s, struct buf *out);

#endif
