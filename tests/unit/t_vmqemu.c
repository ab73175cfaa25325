/* t_vmqemu.c — the QEMU argv of a guest on both machines, and the agent
 * protocol's frames. */
#include "test.h"
#include "platform/vm/qemu.h"
#include "guest/agent.h"
#include "guest/gcfg.h"

/* The argv joined by spaces (the first word left out). */
static const char *t_join(const struct strvec *a)
{
    static struct buf b;
    buf_reset(&b);
    for (size_t i = 1; i < a->n; i++) {
        if (i > 1) buf_puts(&b, " ");
        buf_puts(&b, a->v[i]);
    }
    return buf_cstr(&b);
}

static struct vm_qemu_cfg t_cfg(const struct vm_disk *d)
{
    struct vm_qemu_cfg c = {
        .accel = VM_ACCEL_TCG, .machine = VM_MACHINE_MICROVM, .name = "s1-web", .vcpus = 2,
        .mem_bytes = 512ULL << 20, .huge = VM_HUGE_NO, .kernel = "/k/vmlinuz",
        .initrd = "/c/initrd.cpio", .cmdline = "console=ttyS0 hostmix.argv=serve", .disks = d,
        .ndisks = 1, .tap_fd = 7, .set = 1, .role = 1, .qmp_path = "/r/qmp.sock",
        .agent_path = "/r/agent.sock", .console_log = "/r/console.log",
    };
    return c;
}

TEST(vmqemu_argv_microvm)
{
    struct vm_disk d = { "/c/disk.qcow2", VM_DISK_QCOW2, 0, 1, VM_AIO_IO_URING };
    struct vm_qemu_cfg c = t_cfg(&d);
    struct strvec a = STRVEC_INIT;
    struct buf why = BUF_INIT;
    T_EQ_INT(vm_qemu_argv(&c, &a, &why), 0);
    T_EQ_STR(a.v[0], "qemu-system-x86_64");
    T_ASSERT(a.v[a.n] == NULL);
    T_EQ_STR(t_join(&a),
        "-name s1-web,debug-threads=on -nodefaults -no-user-config -display none -no-reboot "
        "-machine microvm -accel tcg,tb-size=64 -smp 2 -m 512M -kernel /k/vmlinuz -initrd /c/initrd.cpio "
        "-append console=ttyS0 hostmix.argv=serve "
        "-drive file=/c/disk.qcow2,format=qcow2,if=none,id=disk0,cache=none,aio=io_uring "
        "-device virtio-blk-device,drive=disk0 "
        "-netdev tap,id=net0,fd=7 -device virtio-net-device,netdev=net0,mac=02:48:4d:00:01:01 "
        "-chardev socket,id=agent0,path=/r/agent.sock,server=on,wait=off "
        "-device virtio-serial-device,id=vser0 "
        "-device virtserialport,bus=vser0.0,chardev=agent0,name=org.hostmix.agent "
        "-qmp unix:/r/qmp.sock,server=on,wait=off -serial file:/r/console.log");
    strvec_clear(&a);
    buf_free(&why);
}

TEST(vmqemu_argv_q35_kvm_hugepages)
{
    struct vm_disk d[2] = { { "/c/a,b.ext4", VM_DISK_RAW, 1, 0, VM_AIO_THREADS },
                            { "/c/w.qcow2", VM_DISK_QCOW2, 0, 1, VM_AIO_NATIVE } };
    struct vm_qemu_cfg c = t_cfg(d);
    c.ndisks = 2;
    c.machine = VM_MACHINE_Q35;
    c.accel = VM_ACCEL_KVM;
    c.huge = VM_HUGE_2M;
    c.tap_fd = -1;
    c.qmp_path = c.agent_path = c.console_log = NULL;
    c.set = 3;
    struct strvec a = STRVEC_INIT;
    struct buf why = BUF_INIT;
    T_EQ_INT(vm_qemu_argv(&c, &a, &why), 0);
    T_EQ_STR(t_join(&a),
        "-name s1-web,debug-threads=on -nodefaults -no-user-config -display none -no-reboot "
        "-machine q35,memory-backend=mem -accel kvm -cpu host -smp 2 -m 512M "
        "-object memory-backend-file,id=mem,size=512M,mem-path=/dev/hugepages,prealloc=on,share=off "
        "-kernel /k/vmlinuz -initrd /c/initrd.cpio -append console=ttyS0 hostmix.argv=serve "
        "-drive file=/c/a,,b.ext4,format=raw,if=none,id=disk0,readonly=on,aio=threads "
        "-device virtio-blk-pci,drive=disk0 "
        "-drive file=/c/w.qcow2,format=qcow2,if=none,id=disk1,cache=none,aio=native "
        "-device virtio-blk-pci,drive=disk1");
    strvec_clear(&a);
    c.tap_fd = 9;
    c.agent_path = "/r/a.sock";
    T_EQ_INT(vm_qemu_argv(&c, &a, &why), 0);
    T_ASSERT(strstr(t_join(&a), "-device virtio-net-pci,netdev=net0,mac=02:48:4d:00:03:01 ") != NULL);
    T_ASSERT(strstr(t_join(&a), "-netdev tap,id=net0,fd=9 ") != NULL);
    strvec_clear(&a);
    c.vhost = 1;
    T_EQ_INT(vm_qemu_argv(&c, &a, &why), 0);
    T_ASSERT(strstr(t_join(&a), "-netdev tap,id=net0,fd=9,vhost=on ") != NULL);
    T_ASSERT(strstr(t_join(&a), "-device virtio-serial-pci,id=vser0 ") != NULL);
    strvec_clear(&a);
    buf_free(&why);
}

/* microvm's legacy devices under each accelerator: pit and pic off only
 * under KVM (kvm-clock gives the TSC; no PIT to calibrate against), on
 * q35 never; and the vhost note only for vhost on microvm. */
TEST(vmqemu_microvm_legacy_per_accel)
{
    static const struct { enum vm_accel a; enum vm_machine m; enum vm_huge h; const char *want; }
        k[] = {
            { VM_ACCEL_TCG, VM_MACHINE_MICROVM, VM_HUGE_NO, "-machine microvm -accel tcg,tb-size=64 " },
            { VM_ACCEL_KVM, VM_MACHINE_MICROVM, VM_HUGE_NO,
              "-machine microvm,pit=off,pic=off -accel kvm -cpu host " },
            { VM_ACCEL_KVM, VM_MACHINE_MICROVM, VM_HUGE_2M,
              "-machine microvm,pit=off,pic=off,memory-backend=mem -accel kvm " },
            { VM_ACCEL_TCG, VM_MACHINE_Q35, VM_HUGE_NO, "-machine q35 -accel tcg,tb-size=64 " },
            { VM_ACCEL_KVM, VM_MACHINE_Q35, VM_HUGE_NO, "-machine q35 -accel kvm -cpu host " },
        };
    struct vm_disk d = { "/c/disk.qcow2", VM_DISK_QCOW2, 0, 1, VM_AIO_IO_URING };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        struct vm_qemu_cfg c = t_cfg(&d);
        c.accel = k[i].a;
        c.machine = k[i].m;
        c.huge = k[i].h;
        struct strvec a = STRVEC_INIT;
        struct buf why = BUF_INIT;
        T_EQ_INT(vm_qemu_argv(&c, &a, &why), 0);
        if (!strstr(t_join(&a), k[i].want))
            t_fail(__FILE__, __LINE__, "case %zu: no '%s' in %s", i, k[i].want, t_join(&a));
        T_EQ_INT(strstr(t_join(&a), "pit=") != NULL, k[i].a == VM_ACCEL_KVM && k[i].m == VM_MACHINE_MICROVM);
        strvec_clear(&a);
        buf_free(&why);
    }
    T_ASSERT(vm_vhost_machine_note(VM_MACHINE_MICROVM, 1) != NULL);
    T_ASSERT(strstr(vm_vhost_machine_note(VM_MACHINE_MICROVM, 1), "irqfd") != NULL);
    T_ASSERT(vm_vhost_machine_note(VM_MACHINE_MICROVM, 0) == NULL);
    T_ASSERT(vm_vhost_machine_note(VM_MACHINE_Q35, 1) == NULL);
}

/* The kernel command line and argv for each accelerator and machine:
 * tsc_early_khz and lpj only under TCG (kvm-clock is exact under KVM). */
TEST(vmqemu_timing_per_accel_and_machine)
{
    char *argv[] = { "serve", "idle" };
    struct gcfg g = { argv, 2, "198.18.1.16", 15, "198.18.0.1", NULL, 0 };
    for (int acc = 0; acc < 2; acc++)
        for (int m = 0; m < 2; m++) {
            enum vm_accel a = acc ? VM_ACCEL_KVM : VM_ACCEL_TCG;
            struct vm_timing t = vm_guest_timing(a, 2399987, 250);
            struct buf cmd = BUF_INIT, why = BUF_INIT;
            T_EQ_INT(gcfg_cmdline(&g, t.tsc_khz, t.lpj, &cmd, &why), 0);
            struct vm_qemu_cfg c = t_cfg(NULL);
            c.ndisks = 0;
            c.accel = a;
            c.machine = m ? VM_MACHINE_Q35 : VM_MACHINE_MICROVM;
            c.cmdline = buf_cstr(&cmd);
            struct strvec av = STRVEC_INIT;
            T_EQ_INT(vm_qemu_argv(&c, &av, &why), 0);
            const char *j = t_join(&av);
            T_ASSERT(strstr(j, m ? "-machine q35 " : a == VM_ACCEL_KVM ? "-machine microvm,pit=off,pic=off "
                                                                      : "-machine microvm ") != NULL);
            if (a == VM_ACCEL_KVM) {
                T_ASSERT(strstr(j, "tsc_early_khz") == NULL && strstr(j, "lpj=") == NULL);
                T_ASSERT(strstr(j, "-accel kvm -cpu host ") != NULL);
            } else {
                T_ASSERT(strstr(j, " tsc_early_khz=2399987 lpj=9599948 ") != NULL);
                T_ASSERT(strstr(j, "-accel tcg,tb-size=64 -smp") != NULL);
            }
            strvec_clear(&av);
            buf_free(&cmd);
            buf_free(&why);
        }
    struct vm_timing t = vm_guest_timing(VM_ACCEL_TCG, 0, 250);     /* no trustworthy TSC */
    T_EQ_INT(t.tsc_khz, 0);
    T_EQ_INT(t.lpj, 0);
    t = vm_guest_timing(VM_ACCEL_TCG, 2399987, 0);                  /* HZ unknown: no lpj */
    T_EQ_INT(t.tsc_khz, 2399987);
    T_EQ_INT(t.lpj, 0);
}

TEST(vmqemu_argv_rejects)
{
    struct vm_qemu_cfg c = t_cfg(NULL);
    c.ndisks = 0;
    struct strvec a = STRVEC_INIT;
    struct buf why = BUF_INIT;
    c.huge = VM_HUGE_1G;                    /* 512 MiB is not a whole 1 GiB page */
    T_EQ_INT(vm_qemu_argv(&c, &a, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "1073741824-byte pages") != NULL);
    c.huge = VM_HUGE_NO;
    c.mem_bytes = (512ULL << 20) + 1;
    T_EQ_INT(vm_qemu_argv(&c, &a, &why), -1);
    c.mem_bytes = 512ULL << 20;
    c.vcpus = 0;
    T_EQ_INT(vm_qemu_argv(&c, &a, &why), -1);
    c.vcpus = 1;
    c.kernel = NULL;
    T_EQ_INT(vm_qemu_argv(&c, &a, &why), -1);
    T_EQ_INT(a.n, 0);
    buf_free(&why);
}

TEST(agent_frames)
{
    const char *host = "cpu  10 2 30 400 5 0 1 0 0 0\ncpu0 10 2 30 400 5 0 1 0 0 0\nctxt 99\n";
    const char *proc = "82 (hostmix) S 1 82 82 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 50";
    const char *sect[2] = { host, proc };
    size_t len[2] = { strlen(host), strlen(proc) };
    struct buf b = BUF_INIT, why = BUF_INIT;
    agent_frame_put(&b, "stat", 2, sect, len);
    agent_frame_put(&b, "ok", 0, NULL, NULL);
    struct agent_frame f;
    for (size_t cut = 0; cut < buf_used(&b) - 3; cut++)       /* every partial frame */
        if (agent_frame_parse(buf_head(&b), cut, &f, &why) != 0) {
            t_fail(__FILE__, __LINE__, "partial frame of %zu bytes not 0", cut);
            return;
        }
    ssize_t n = agent_frame_parse(buf_head(&b), buf_used(&b), &f, &why);
    T_EQ_INT(n, buf_used(&b) - 3);
    T_EQ_STR(f.kind, "stat");
    struct agent_stat st;
    T_EQ_INT(agent_stat_decode(&f, &st, &why), 0);
    T_EQ_INT(st.host.ncpu, 1);
    T_EQ_INT(st.host.cpu[MEAS_IDLE], 400);
    T_EQ_INT(st.srv_utime, 7);
    T_EQ_INT(st.srv_stime, 3);
    T_EQ_INT(st.version, 1);                                 /* two sections: no guest clock */
    T_EQ_INT(st.host.t_ns, 0);
    T_EQ_INT(agent_frame_parse(buf_head(&b) + n, 3, &f, &why), 3);
    T_EQ_STR(f.kind, "ok");
    T_EQ_INT(agent_stat_decode(&f, &st, &why), -1);
    /* version 2: the guest's monotonic clock as a third section */
    static const char *const clk[] = { "5000000000", "0", "12x", "", "1234567890123456789",
                                       "5000000000 m", "5000000000 q", "5000000000 ",
                                       "5000000000 mm" };
    for (size_t i = 0; i < sizeof clk / sizeof clk[0]; i++) {
        const char *s3[3] = { host, proc, clk[i] };
        size_t l3[3] = { strlen(host), strlen(proc), strlen(clk[i]) };
        buf_reset(&b);
        agent_frame_put(&b, "stat", 3, s3, l3);
        T_ASSERT(agent_frame_parse(buf_head(&b), buf_used(&b), &f, &why) > 0);
        T_EQ_INT(agent_stat_decode(&f, &st, &why), i == 0 || i == 5 ? 0 : -1);
        if (i == 5) T_EQ_INT(st.idle, 'm');                  /* the guest measures idle */
        if (i == 0) T_EQ_INT(st.idle, 'u');                  /* it did not say */
    }
    buf_reset(&b);
    const char *s3[3] = { host, proc, clk[0] };
    size_t l3[3] = { strlen(host), strlen(proc), strlen(clk[0]) };
    agent_frame_put(&b, "stat", 3, s3, l3);
    agent_frame_parse(buf_head(&b), buf_used(&b), &f, &why);
    T_EQ_INT(agent_stat_decode(&f, &st, &why), 0);
    T_EQ_INT(st.version, 2);
    T_EQ_INT(st.host.t_ns, 5000000000LL);
    /* cpu0 off = idle 400 + iowait 5 = 4.05 s of the guest's 5 s */
    T_EQ_INT(meas_busy_counter_ns(&st.host), 950000000LL);
    static const char *const bad[] = { "STAT 1\nx", "stat x\n", "stat 1 2 3 4 5\n",
                                       "stat 99999999\n", "stat  1\n", "\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        T_EQ_INT(agent_frame_parse(bad[i], strlen(bad[i]), &f, &why), -1);
    buf_free(&b);
    buf_free(&why);
}
