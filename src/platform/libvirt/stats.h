/* stats.h — a libvirt domain's CPU from its virConnectGetAllDomainStats
 * record (VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_VCPU), as
 * arithmetic on the typed parameters alone (no connection), so it is
 * unit-tested on recorded values.
 *
 * Figures, cumulative, in ns:
 *   cpu.time      every thread of the domain's QEMU (libvirt's cgroup, else
 *                 the process), cpu.user and cpu.system its split
 *   vcpu.N.time   vCPU N's thread
 *   vcpu.N.wait   (Xen) time vCPU N wanted to run while another ran
 *   vcpu.N.delay  (QEMU) time vCPU N's thread was runnable but not running
 *                 (its schedstat run delay: the host scheduler's part)
 *   emulator      cpu.time - the sum of vcpu.N.time: QEMU's main loop,
 *                 I/O threads and whatever else is not a vCPU
 * A figure a record lacks is not had (lv_stats.have), never 0. */
#ifndef HOSTMIX_LV_STATS_H
#define HOSTMIX_LV_STATS_H

#include <libvirt/libvirt.h>
#include <stdint.h>

#define LV_HAVE_CPU    0x1u     /* cpu.time */
#define LV_HAVE_SPLIT  0x2u     /* cpu.user and cpu.system */
#define LV_HAVE_VCPU   0x4u     /* vcpu.N.time of every vCPU (vcpu.current of them) */
#define LV_HAVE_WAIT   0x8u     /* vcpu.N.wait of every vCPU */
#define LV_HAVE_DELAY  0x10u    /* vcpu.N.delay of every vCPU */

struct lv_stats {
    uint64_t cpu_ns, user_ns, system_ns;
    uint64_t vcpu_ns, wait_ns, delay_ns;    /* sums over the vCPUs */
    uint64_t emulator_ns;                   /* cpu_ns - vcpu_ns, 0 if that is negative */
    int nvcpu;                              /* vcpu.current */
    unsigned have;                          /* LV_HAVE_* */
};

/* Reads one record's parameters into st (zeroed first).  Unknown names
 * and unexpected types are ignored.  Returns 0, or -1 when the record has
 * no cpu.time (st->have says what there was). */
int lv_stats_parse(const virTypedParameter *par, int npar, struct lv_stats *st);

#endif
