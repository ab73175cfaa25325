/* qemu.c — builds a guest's QEMU argv (see qemu.h). */
#include "platform/vm/qemu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vm_mac(int set, int role, char mac[18])
{
    snprintf(mac, 18, "02:48:4d:00:%02x:%02x", set & 0xff, role & 0xff);
}

void vm_qemu_escape(const char *s, struct buf *out)
{
    for (; *s; s++) {
        if (*s == ',') buf_puts(out, ",,");
        else buf_append(out, s, 1);
    }
}

/* "-opt PREFIX" + escaped path + suffix, as two argv words. */
static void vm_add_path_opt(struct strvec *a, const char *opt, const char *prefix,
                            const char *path, const char *suffix)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, prefix);
    vm_qemu_escape(path, &b);
    buf_puts(&b, suffix);
    strvec_push(a, opt);
    strvec_push(a, buf_cstr(&b));
    buf_free(&b);
}

static int vm_check(const struct vm_qemu_cfg *c, struct buf *why)
{
    uint64_t page = c->huge == VM_HUGE_1G ? 1ULL << 30 : c->huge == VM_HUGE_2M ? 2ULL << 20 : 1ULL << 20;
    if (!c->kernel || !c->initrd || !c->cmdline)
        return buf_puts(why, "vm: kernel, initrd and command line are required"), -1;
    if (c->vcpus < 1 || c->vcpus > 255) return buf_printf(why, "vm: %d vcpus", c->vcpus), -1;
    if (c->mem_bytes < (32ULL << 20) || c->mem_bytes % page)
        return buf_printf(why, "vm: memory %llu bytes is not a whole number of %llu-byte pages "
                               "of at least 32 MiB", (unsigned long long)c->mem_bytes,
                          (unsigned long long)page), -1;
    for (size_t i = 0; i < c->ndisks; i++)
        if (!c->disks[i].path) return buf_printf(why, "vm: disk %zu has no path", i), -1;
    return 0;
}

/* microvm's legacy devices a guest under KVM does without: the i8254 PIT
 * and the i8259 PIC (QEMU's microvm properties pit and pic, "auto" = on).
 * Under KVM the guest takes its TSC frequency from kvm-clock and Linux
 * calibrates the local APIC timer by polling (since 5.3), so it needs no
 * PIT; interrupts go through the IOAPIC.  The RTC (the wall clock at
 * boot) and the ISA serial port (the console file) stay.  Under TCG the
 * defaults stay: there is no kvm-clock. */
static const char *vm_machine_legacy(const struct vm_qemu_cfg *c)
{
    return c->machine == VM_MACHINE_MICROVM && c->accel == VM_ACCEL_KVM ? ",pit=off,pic=off" : "";
}

/* -machine, -cpu, -smp, -m and the hugepage backend. */
static void vm_add_machine(const struct vm_qemu_cfg *c, struct strvec *a)
{
    uint64_t mib = c->mem_bytes >> 20;
    strvec_push(a, "-machine");
    strvec_pushf(a, "%s%s%s", c->machine == VM_MACHINE_Q35 ? "q35" : "microvm",
                 vm_machine_legacy(c), c->huge != VM_HUGE_NO ? ",memory-backend=mem" : "");
    /* TCG's translated-code cache is 1 GiB by default in QEMU 7 and grows
     * into QEMU's resident set: 64 MiB holds a server's working set */
    strvec_push(a, "-accel");
    strvec_push(a, c->accel == VM_ACCEL_KVM ? "kvm" : "tcg,tb-size=64");
    const char *cpu = c->cpu ? c->cpu : c->accel == VM_ACCEL_KVM ? "host" : NULL;
    if (cpu) {
        strvec_push(a, "-cpu");
        strvec_push(a, cpu);
    }
    strvec_push(a, "-smp");
    strvec_pushf(a, "%d", c->vcpus);
    strvec_push(a, "-m");
    strvec_pushf(a, "%lluM", (unsigned long long)mib);
    if (c->huge == VM_HUGE_NO) return;
    const char *hp = c->huge_path ? c->huge_path
                   : c->huge == VM_HUGE_1G ? "/dev/hugepages1G" : "/dev/hugepages";
    struct buf pre = BUF_INIT;
    buf_printf(&pre, "memory-backend-file,id=mem,size=%lluM,mem-path=", (unsigned long long)mib);
    vm_add_path_opt(a, "-object", buf_cstr(&pre), hp, ",prealloc=on,share=off");
    buf_free(&pre);
}

/* The virtio device suffix of the machine: virtio-X-device or virtio-X-pci. */
static const char *vm_bus(const struct vm_qemu_cfg *c)
{
    return c->machine == VM_MACHINE_Q35 ? "pci" : "device";
}

static void vm_add_disks(const struct vm_qemu_cfg *c, struct strvec *a)
{
    static const char *const aio[] = { "threads", "native", "io_uring" };
    for (size_t i = 0; i < c->ndisks; i++) {
        const struct vm_disk *d = &c->disks[i];
        struct buf suf = BUF_INIT;
        buf_printf(&suf, ",format=%s,if=none,id=disk%zu%s%s,aio=%s",
                   d->fmt == VM_DISK_QCOW2 ? "qcow2" : "raw", i,
                   d->readonly ? ",readonly=on" : "", d->cache_none ? ",cache=none" : "",
                   aio[d->aio]);
        vm_add_path_opt(a, "-drive", "file=", d->path, buf_cstr(&suf));
        buf_free(&suf);
        strvec_push(a, "-device");
        strvec_pushf(a, "virtio-blk-%s,drive=disk%zu", vm_bus(c), i);
    }
}

static void vm_add_channels(const struct vm_qemu_cfg *c, struct strvec *a)
{
    if (c->tap_fd >= 0) {
        char mac[18];
        vm_mac(c->set, c->role, mac);
        strvec_push(a, "-netdev");
        strvec_pushf(a, "tap,id=net0,fd=%d%s", c->tap_fd, c->vhost ? ",vhost=on" : "");
        strvec_push(a, "-device");
        strvec_pushf(a, "virtio-net-%s,netdev=net0,mac=%s", vm_bus(c), mac);
    }
    if (c->agent_path) {
        vm_add_path_opt(a, "-chardev", "socket,id=agent0,path=", c->agent_path,
                        ",server=on,wait=off");
        strvec_push(a, "-device");
        strvec_pushf(a, "virtio-serial-%s,id=vser0", vm_bus(c));
        strvec_push(a, "-device");
        strvec_push(a, "virtserialport,bus=vser0.0,chardev=agent0,name=" VM_AGENT_PORT);
    }
    if (c->qmp_path) vm_add_path_opt(a, "-qmp", "unix:", c->qmp_path, ",server=on,wait=off");
    if (c->console_log) vm_add_path_opt(a, "-serial", "file:", c->console_log, "");
}

struct vm_timing vm_guest_timing(enum vm_accel a, unsigned long host_tsc_khz, int hz)
{
    struct vm_timing t = { 0, 0 };
    if (a != VM_ACCEL_TCG || !host_tsc_khz) return t;
    t.tsc_khz = host_tsc_khz;
    t.lpj = hz > 0 ? (unsigned long)((unsigned long long)host_tsc_khz * 1000 / (unsigned)hz) : 0;
    return t;
}

int vm_qemu_argv(const struct vm_qemu_cfg *c, struct strvec *out, struct buf *why)
{
    if (vm_check(c, why)) return -1;
    strvec_push(out, c->binary ? c->binary : "qemu-system-x86_64");
    if (c->name) {
        struct buf n = BUF_INIT;
        vm_qemu_escape(c->name, &n);
        buf_puts(&n, ",debug-threads=on");
        strvec_push(out, "-name");
        strvec_push(out, buf_cstr(&n));
        buf_free(&n);
    }
    static const char *const fixed[] = { "-nodefaults", "-no-user-config", "-display", "none",
                                         "-no-reboot", NULL };
    for (int i = 0; fixed[i]; i++) strvec_push(out, fixed[i]);
    vm_add_machine(c, out);
    strvec_push(out, "-kernel");
    strvec_push(out, c->kernel);
    strvec_push(out, "-initrd");
    strvec_push(out, c->initrd);
    strvec_push(out, "-append");
    strvec_push(out, c->cmdline);
    vm_add_disks(c, out);
    vm_add_channels(c, out);
    return 0;
}

const char *vm_vhost_machine_note(enum vm_machine m, int vhost)
{
    if (m != VM_MACHINE_MICROVM || !vhost) return NULL;
    return "vhost-net on microvm: virtio-mmio has no irqfd in QEMU, so every interrupt vhost "
           "raises goes through QEMU's main loop (on q35 the kernel injects it); network-heavy "
           "roles measure more main-loop CPU than on q35";
}
