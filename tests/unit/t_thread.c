/* t_thread.c — per-thread reader and QEMU thread classifier against the
 * /proc trees of real QEMU processes in tests/fixtures/threads (see its
 * README for what was captured and what was edited). */
#include "test.h"
#include "measure/thread.h"

#include <stdlib.h>

#define FX_TCG "tests/fixtures/threads/tcg"
#define FX_KVM "tests/fixtures/threads/kvm"

TEST(thread_parse_odd_names)
{
    struct meas_thread t;
    const char *s = "77 (a) b (c)) R 1 1 1 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 5 "
                    "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 33 0\n";
    T_EQ_INT(meas_thread_parse(s, &t), 0);
    T_EQ_INT(t.tid, 77);
    T_EQ_STR(t.comm, "a) b (c)");
    T_EQ_INT(t.utime, 11);
    T_EQ_INT(t.stime, 22);
    T_EQ_INT(t.guest_time, 33);
    /* an old kernel's line without field 43 still parses */
    T_EQ_INT(meas_thread_parse("5 (x) S 1 1 1 0 -1 0 0 0 0 0 7 8\n", &t), 0);
    T_EQ_INT(t.utime, 7);
    T_EQ_INT(t.guest_time, 0);
    T_EQ_INT(meas_thread_parse("5 (x) S 1 1 1 0 -1 0 0 0 0 0 7\n", &t), -1);
    T_EQ_INT(meas_thread_parse("5 x S 1", &t), -1);
    T_EQ_INT(meas_thread_parse("(x) S 1 1 1 0 -1 0 0 0 0 0 7 8", &t), -1);
}

/* Finds tid in v[0..n); NULL if absent. */
static const struct meas_thread *find(const struct meas_thread *v, int n, pid_t tid)
{
    for (int i = 0; i < n; i++)
        if (v[i].tid == tid) return &v[i];
    return NULL;
}

TEST(thread_read_tcg)
{
    struct meas_thread *v;
    int n = meas_threads_read(FX_TCG, 13878, &v);
    T_EQ_INT(n, 6);
    T_EQ_INT(v[0].tid, 13878);              /* sorted by tid */
    T_EQ_STR(v[0].comm, "qemu-system-x86");
    const struct meas_thread *c0 = find(v, n, 13881);
    int ok = c0 && strcmp(c0->comm, "CPU 0/TCG") == 0 && c0->utime == 5 &&
             c0->stime == 0 && c0->has_run_ns && c0->run_ns == 52286926;
    const struct meas_thread *w = find(v, n, 13883);
    int ok_w = w && strcmp(w->comm, "worker") == 0 && w->run_ns == 88563;
    free(v);
    T_ASSERT(ok);
    T_ASSERT(ok_w);
    T_EQ_INT(meas_threads_read(FX_TCG, 999999, &v), -1);
}

TEST(thread_read_kvm_guest_time)
{
    struct meas_thread *v;
    int n = meas_threads_read(FX_KVM, 13145, &v);
    T_EQ_INT(n, 8);
    const struct meas_thread *c0 = find(v, n, 13148);
    uint64_t g = c0 ? c0->guest_time : 0, u = c0 ? c0->utime : 0;
    uint64_t ns = c0 ? meas_thread_ns(c0, 100) : 0;
    free(v);
    T_EQ_INT(g, 250);
    T_EQ_INT(u, 262);
    T_EQ_INT(ns, 3052623325ull);            /* schedstat wins over ticks */
    struct meas_thread t = { .utime = 3, .stime = 4 };
    T_EQ_INT(meas_thread_ns(&t, 100), 70000000);
}

/* Classes of every thread of a fixture process, as "name=class;..." in
 * tid order. */
static void classes(const char *root, pid_t pid, const pid_t *vcpus, int nv, char *dst, size_t dn)
{
    struct meas_thread *v;
    int n = meas_threads_read(root, pid, &v);
    dst[0] = '\0';
    for (int i = 0; i < n; i++) {
        int is_vcpu = 0;
        for (int k = 0; k < nv; k++) is_vcpu |= vcpus[k] == v[i].tid;
        size_t l = strlen(dst);
        snprintf(dst + l, dn - l, "%s=%s;", v[i].comm,
                 meas_tclass_name(meas_thread_class(v[i].comm, pid, v[i].tid, is_vcpu)));
    }
    if (n > 0) free(v);
}

TEST(thread_classify_fixtures)
{
    char got[512];
    pid_t vk[] = { 13148, 13149 };
    classes(FX_KVM, 13145, vk, 2, got, sizeof got);
    T_EQ_STR(got, "qemu-system-x86=main;qemu-system-x86=other;IO mon_iothread=iothread;"
                  "CPU 0/KVM=vcpu;CPU 1/KVM=vcpu;vhost-13145=vhost;worker=pool;"
                  "kvm-nx-lpage-re=other;");
    classes(FX_TCG, 13878, NULL, 0, got, sizeof got);   /* vCPUs by name */
    T_EQ_STR(got, "qemu-system-x86=main;qemu-system-x86=other;IO mon_iothread=iothread;"
                  "CPU 0/TCG=vcpu;CPU 1/TCG=vcpu;worker=pool;");
}

TEST(thread_classify_names)
{
    T_EQ_INT(meas_thread_class("call_rcu", 10, 11, 0), MEAS_TC_RCU);
    T_EQ_INT(meas_thread_class("IO iothread0", 10, 12, 0), MEAS_TC_IOTHREAD);
    T_EQ_INT(meas_thread_class("qemu-system-x86", 10, 13, 1), MEAS_TC_VCPU);
    T_EQ_INT(meas_thread_class("CPU x/KVM", 10, 14, 0), MEAS_TC_OTHER);
    T_EQ_INT(meas_thread_class("CPU 12", 10, 14, 0), MEAS_TC_OTHER);
    T_EQ_STR(meas_tclass_name(MEAS_TC_N), "other");
}

TEST(thread_cg_threads)
{
    pid_t t[4];
    T_EQ_INT(meas_cg_threads(FX_KVM, "/sys/fs/cgroup/hmx", t, 4), 3);
    T_EQ_INT(t[0], 13145);
    T_EQ_INT(t[2], 13160);
    T_EQ_INT(meas_cg_threads(FX_KVM, "/sys/fs/cgroup/hmx", t, 2), 2);
    T_EQ_INT(meas_cg_threads(FX_KVM, "/sys/fs/cgroup/none", t, 4), -1);
}
