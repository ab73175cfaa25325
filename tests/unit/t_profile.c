/* t_profile.c — the profile's parsers and arithmetic on stored perf
 * script output (tests/fixtures/profile): line parsing, the cause table,
 * grouping that adds up to every sample, attribution to servers by pid
 * and cgroup threads, context-switch reasons and wakers, VM exits by
 * reason and time, TCG guest code, result.json both ways and compare's
 * split by cause. */
#include "test.h"
#include "collect/collect.h"
#include "collect/pscript.h"
#include "core/buf.h"
#include "core/json.h"
#include "report/explain.h"
#include "measure/thread.h"
#include "collect/collect_int.h"
#include "core/strvec.h"

#include <math.h>
#include <stdlib.h>

#define FX "tests/fixtures/profile/"
/* native-quick.script: its window and the processes in it (README) */
#define NQ_T0 2559013665217LL
#define NQ_T1 2559133665217LL

/* The summary of the perf script text[0..n) (allocated; the caller frees
 * it), with the number of lines not understood in *bad (-1: no memory). */
static struct prof_summary *pt_text(const char *text, size_t n, const struct prof_input *in,
                                    long *bad)
{
    FILE *f = fmemopen((void *)text, n, "r");
    struct prof_summary *s = calloc(1, sizeof *s);
    *bad = f && s ? prof_analyze(f, in, s) : -1;
    if (f) fclose(f);
    return s;
}

TEST(pscript_head_and_frames)
{
    struct ps_head h;
    T_ASSERT(ps_parse_head("CPU 0/TCG 5150/5153 [001]  3000.000100000:    2004008 "
                           "cpu-clock/freq=499/: ", &h) == 0);
    T_EQ_STR(h.comm, "CPU 0/TCG");
    T_EQ_INT(h.pid, 5150);
    T_EQ_INT(h.tid, 5153);
    T_EQ_INT(h.cpu, 1);
    T_EQ_INT(h.t_ns, 3000000100000LL);
    T_EQ_INT(h.period, 2004008);
    T_EQ_STR(h.event, "cpu-clock/freq=499/");
    T_ASSERT(ps_parse_head(":-1    -1/-1    [001]  2464.615074084:    2004008   cpu-clock: ", &h) == 0);
    T_EQ_INT(h.pid, -1);
    T_ASSERT(ps_parse_head("swapper 0/0 [000] 12.5: 1 sched:sched_switch: prev_comm=a b prev_pid=7 "
                           "prev_prio=120 prev_state=R+ ==> next_comm=x next_pid=0", &h) == 0);
    T_EQ_INT(h.t_ns, 12500000000LL);
    char v[32];
    T_ASSERT(ps_trace_field(h.trace, "prev_comm", v, sizeof v) == 0);
    T_EQ_STR(v, "a b");
    T_ASSERT(ps_trace_field(h.trace, "prev_state", v, sizeof v) == 0);
    T_EQ_STR(v, "R+");
    T_EQ_INT(ps_trace_num(h.trace, "prev_pid", -1), 7);
    T_EQ_INT(ps_trace_num(h.trace, "nope", -1), -1);
    T_ASSERT(ps_parse_head("\tffffffff813a2413 schedule ([kernel.kallsyms])", &h) < 0);
    T_ASSERT(ps_parse_head("no ids here: 1.2: x:", &h) < 0);
    struct ps_frame f;
    T_ASSERT(ps_parse_frame("\tffffffff813a2413 finish_task_switch.isra.0 ([kernel.kallsyms])", &f) == 0);
    T_EQ_STR(f.sym, "finish_task_switch.isra.0");
    T_EQ_STR(f.dso, "[kernel.kallsyms]");
    T_ASSERT(f.kernel);
    T_ASSERT(ps_parse_frame("\t    7f3a10a0c000 [unknown] (//anon)", &f) == 0);
    T_EQ_STR(f.dso, "//anon");
    T_ASSERT(!f.kernel);
    T_ASSERT(ps_parse_frame("\tzz nothing", &f) < 0);
}

TEST(cause_table_rules)
{
    struct cause_table t = { 0 };
    T_EQ_INT(cause_table_parse(&t, "builtin", cause_table_builtin, stderr), 0);
    T_ASSERT(t.n > 100);
    T_EQ_INT(cause_table_parse(&t, "bad", "net chain\nnope leaf x kernel\nnet where x y\n# ok\n", NULL), 3);
    struct cause_frame tcp[] = { { "kfree", "[kernel.kallsyms]", 1 },
                                 { "tcp_recvmsg_locked", "[kernel.kallsyms]", 1 },
                                 { "do_syscall_64", "[kernel.kallsyms]", 1 } };
    int d;
    T_EQ_INT(cause_match(&t, tcp, 3, &d), PC_NET);      /* the chain says why kfree ran */
    T_EQ_INT(d, 1);
    T_EQ_INT(cause_match(&t, tcp, 1, &d), PC_MM);       /* alone: the fallback */
    struct cause_frame cp[] = { { "_copy_to_iter", "[kernel.kallsyms]", 1 }, tcp[1] };
    T_EQ_INT(cause_match(&t, cp, 2, &d), PC_COPY);      /* a copy is a copy */
    struct cause_frame q = { "[unknown]", "/usr/bin/qemu-system-x86_64", 0 };
    T_EQ_INT(cause_match(&t, &q, 1, &d), PC_EMUL);
    struct cause_frame mod = { "tun_get_user", "[tun]", 1 };
    T_EQ_INT(cause_match(&t, &mod, 1, &d), PC_VNET);
    struct cause_frame none = { "srv_run", "/usr/bin/hostmix", 0 };
    T_EQ_INT(cause_match(&t, &none, 1, &d), -1);
    T_ASSERT(cause_glob("tcp_*", "tcp_sendmsg") && !cause_glob("tcp_*", "udp_x"));
    T_ASSERT(cause_glob("[kvm]", "[kvm]") && cause_glob("a?c*", "abcdef"));
    /* a user's rule comes first and wins */
    struct cause_table u = { 0 };
    T_EQ_INT(cause_table_parse(&u, "mine", "block leaf tcp_* kernel\n", NULL), 0);
    T_EQ_INT(cause_table_parse(&u, "builtin", cause_table_builtin, NULL), 0);
    T_EQ_INT(cause_match(&u, &tcp[1], 1, &d), PC_BLOCK);
    cause_table_free(&u);
    cause_table_free(&t);
}

/* The servers of native-quick.script. */
static const struct prof_owner nq_owner[] = {
    { 26666, NULL, 0, "set1-nfs", ROLE_NFS, 0 }, { 26667, NULL, 0, "set1-db", ROLE_DB, 0 },
    { 26678, NULL, 0, "set1-web", ROLE_WEB, 0 }, { 26679, NULL, 0, "set1-app", ROLE_APP, 0 },
    { 26680, NULL, 0, "set1-imap", ROLE_IMAP, 0 }, { 26682, NULL, 0, "set1-idle", ROLE_IDLE, 0 },
};

static struct prof_summary *nq_analyze(struct cause_table *t, long *bad)
{
    if (cause_table_parse(t, "builtin", cause_table_builtin, stderr)) return NULL;
    struct prof_input in = { .table = t, .t0 = NQ_T0, .t1 = NQ_T1, .owner = nq_owner, .nowner = 6,
                             .driver_pid = 26540, .profiler_pid = 27459, .event = "cpu-clock",
                             .top = 25 };
    FILE *f = fopen(FX "native-quick.script", "r");
    if (!f) return NULL;
    struct prof_summary *s = calloc(1, sizeof *s);
    *bad = prof_analyze(f, &in, s);
    fclose(f);
    return s;
}

/* Counts header lines of event ev in the window, and their periods. */
static uint64_t nq_count(const char *ev, double *period)
{
    FILE *f = fopen(FX "native-quick.script", "r");
    char line[4096];
    uint64_t n = 0;
    *period = 0;
    while (f && fgets(line, sizeof line, f)) {
        struct ps_head h;
        if (line[0] == '\t' || ps_parse_head(line, &h) || strncmp(h.event, ev, strlen(ev))) continue;
        if (h.t_ns < NQ_T0 || h.t_ns >= NQ_T1) continue;
        n++;
        *period += (double)h.period;
    }
    if (f) fclose(f);
    return n;
}

TEST(profile_groups_every_sample)
{
    struct cause_table t = { 0 };
    long bad = -1;
    struct prof_summary *s = nq_analyze(&t, &bad);
    T_ASSERT(s);
    T_EQ_INT(bad, 0);
    double period;
    uint64_t n = nq_count("cpu-clock", &period);
    T_ASSERT(n > 50);
    T_EQ_INT(s->samples, n);
    uint64_t sum = 0;
    double ns = 0;
    for (int c = 0; c < PC_N; c++) {
        sum += s->cause[c].samples;
        ns += s->cause[c].ns;
    }
    T_EQ_INT(sum, s->samples);                  /* 100% of the samples have a cause */
    T_NEAR(ns, period, 1);
    T_EQ_INT(s->busy_samples, s->samples - s->cause[PC_IDLE].samples);
    T_ASSERT(s->cause[PC_IDLE].samples > 0);
    T_ASSERT(s->cause[PC_FOREIGN].samples > 0); /* other agents' compilers and shells */
    /* the servers' samples: set1-web ran its own code and the kernel's */
    uint64_t srv = 0;
    for (int i = 0; i < s->nservers; i++) srv += s->srv[i].samples;
    T_ASSERT(srv >= 5);
    T_ASSERT(s->srv[2].samples >= 3);
    T_ASSERT(s->srv[2].cause_ns[PC_OWN + ROLE_WEB] > 0);
    uint64_t top = 0;                           /* web's own top functions */
    for (int k = 0; k < s->srv[2].ntop; k++) top += s->srv[2].top[k].samples;
    T_ASSERT(s->srv[2].ntop > 0 && top <= s->srv[2].samples);
    T_ASSERT(s->cause[PC_DRIVER].samples > 0);
    T_ASSERT(s->ntop > 0 && s->top[0].samples >= s->top[s->ntop - 1].samples);
    prof_scale(s, 0.5);
    double cores = 0;
    for (int c = 0; c < PC_N; c++)
        if (prof_cause_is_sut(c)) cores += s->cause[c].cores;
    T_NEAR(cores, 0.5, 1e-9);                   /* the causes add up to the measured CPU */
    free(s);
    cause_table_free(&t);
}

TEST(profile_attributes_by_cgroup_threads)
{
    struct cause_table t = { 0 };
    T_EQ_INT(cause_table_parse(&t, "builtin", cause_table_builtin, NULL), 0);
    /* set1-web known only by a thread id from its cgroup, not its pid */
    static const pid_t web_tids[] = { 26678 };
    struct prof_owner o[] = { { 99999, web_tids, 1, "set1-web", ROLE_WEB, 0 } };
    struct prof_input in = { .table = &t, .t0 = NQ_T0, .t1 = NQ_T1, .owner = o, .nowner = 1,
                             .driver_pid = 26540, .event = "cpu-clock" };
    FILE *f = fopen(FX "native-quick.script", "r");
    T_ASSERT(f);
    struct prof_summary *s = calloc(1, sizeof *s);
    prof_analyze(f, &in, s);
    fclose(f);
    T_ASSERT(s->srv[0].samples >= 3);
    T_EQ_STR(s->srv[0].name, "set1-web");
    free(s);
    cause_table_free(&t);
}

TEST(profile_switch_reasons)
{
    struct cause_table t = { 0 };
    long bad;
    struct prof_summary *s = nq_analyze(&t, &bad);
    T_ASSERT(s);
    double p;
    uint64_t sw = nq_count("sched:sched_switch", &p), wk = nq_count("sched:sched_waking", &p);
    T_ASSERT(s->have_sched);
    T_EQ_INT(s->host.total - s->host.implied, sw);  /* the reported ones, plus those implied */
    T_ASSERT(s->host.implied < sw / 2);
    T_EQ_INT(s->host.woken, wk);
    uint64_t sum = 0;
    for (int k = 0; k < PW_N; k++) sum += s->host.wait[k];
    T_EQ_INT(sum, s->host.total);
    sum = 0;
    for (int k = 0; k < PK_N; k++) sum += s->host.waker[k];
    T_EQ_INT(sum, wk);
    T_ASSERT(s->host.wait[PW_PREEMPT] > 0);
    /* web sleeps in epoll_wait and the driver wakes it */
    T_ASSERT(s->srv[2].sw.wait[PW_SOCKET] > 0);
    T_ASSERT(s->srv[2].sw.waker[PK_DRIVER] > 0);
    /* per thread: web's one thread carries all of web's switches */
    int web = -1;
    for (int i = 0; i < s->nthreads; i++)
        if (s->thread[i].tid == 26678) web = i;
    T_ASSERT(web >= 0);
    T_EQ_INT(s->thread[web].server, 2);
    T_EQ_INT(s->thread[web].total, s->srv[2].sw.total);
    T_EQ_INT(s->thread[web].woken, s->srv[2].sw.woken);
    T_EQ_STR(s->thread[web].comm, "hostmix");
    for (int i = 1; i < s->nthreads; i++) T_ASSERT(s->thread[i - 1].total >= s->thread[i].total);
    free(s);
    cause_table_free(&t);
}

TEST(profile_switch_synthetic)
{
    struct cause_table t = { 0 };
    const char *text =
        "hostmix 10/10 [000] 1.000000000: 1 sched:sched_switch: prev_comm=hostmix prev_pid=10 "
        "prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
        "\tffffffff81000001 __schedule ([kernel.kallsyms])\n"
        "\tffffffff81000002 futex_wait_queue ([kernel.kallsyms])\n\n"
        "hostmix 10/11 [000] 1.100000000: 1 sched:sched_switch: prev_comm=hostmix prev_pid=11 "
        "prev_prio=120 prev_state=D ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
        "\tffffffff81000001 __schedule ([kernel.kallsyms])\n"
        "\tffffffff81000003 io_schedule ([kernel.kallsyms])\n\n"
        "swapper 0/0 [001] 1.200000000: 1 sched:sched_waking: comm=hostmix pid=10 prio=120 target_cpu=000\n"
        "\tffffffff81000004 try_to_wake_up ([kernel.kallsyms])\n"
        "\tffffffff81000005 hrtimer_wakeup ([kernel.kallsyms])\n\n"
        "hostmix 20/20 [001] 1.300000000: 1 sched:sched_waking: comm=hostmix pid=11 prio=120 target_cpu=000\n"
        "\tffffffff81000004 try_to_wake_up ([kernel.kallsyms])\n\n"
        "hostmix 30/30 [001] 1.400000000: 1 sched:sched_waking: comm=hostmix pid=10 prio=120 target_cpu=000\n"
        "\tffffffff81000004 try_to_wake_up ([kernel.kallsyms])\n\n";
    struct prof_owner o[] = { { 10, NULL, 0, "set1-web", ROLE_WEB, 0 },
                              { 20, NULL, 0, "set1-nfs", ROLE_NFS, 0 } };
    struct prof_input in = { .table = &t, .t0 = 0, .t1 = 2000000000LL, .owner = o, .nowner = 2,
                             .driver_pid = 30, .event = "cpu-clock" };
    long bad;
    struct prof_summary *s = pt_text(text, strlen(text), &in, &bad);
    T_EQ_INT(bad, 0);
    T_EQ_INT(s->srv[0].sw.total, 2);
    T_EQ_INT(s->srv[0].sw.wait[PW_FUTEX], 1);
    T_EQ_INT(s->srv[0].sw.wait[PW_DISK], 1);
    T_EQ_INT(s->srv[0].sw.waker[PK_TIMER], 1);
    T_EQ_INT(s->srv[0].sw.waker[PK_SERVER], 1);     /* nfs woke a thread of web */
    T_EQ_INT(s->srv[0].sw.waker[PK_DRIVER], 1);
    free(s);
}

TEST(profile_switch_implied)
{
    struct cause_table t = { 0 };
    /* CPU 1: 10 -> idle, then 20 -> 10: the switch idle -> 20 was not
     * reported; then 10 -> 30 follows on and implies nothing */
    const char *text =
        "a 10/10 [001] 1.0: 1 sched:sched_switch: prev_comm=a prev_pid=10 prev_prio=120 "
        "prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120\n\n"
        "b 20/20 [001] 1.1: 1 sched:sched_switch: prev_comm=b prev_pid=20 prev_prio=120 "
        "prev_state=S ==> next_comm=a next_pid=10 next_prio=120\n\n"
        "a 10/10 [001] 1.2: 1 sched:sched_switch: prev_comm=a prev_pid=10 prev_prio=120 "
        "prev_state=R ==> next_comm=c next_pid=30 next_prio=120\n\n";
    struct prof_input in = { .table = &t, .t0 = 0, .t1 = 2000000000LL, .event = "cpu-clock" };
    long bad;
    struct prof_summary *s = pt_text(text, strlen(text), &in, &bad);
    T_EQ_INT(bad, 0);
    T_EQ_INT(s->host.total, 4);
    T_EQ_INT(s->host.implied, 1);
    T_EQ_INT(s->host.wait[PW_IDLE], 1);
    T_EQ_INT(s->host.wait[PW_PREEMPT], 1);
    T_EQ_INT(s->host.wait[PW_OTHER], 2);                /* no call chains: asleep on what? */
    free(s);
}

/* One in 16 recorded (-c 16 --no-period): perf script prints the fixed
 * period on each event (the header lines as perf 6.1 writes them); each
 * stands for 16, and the order on a CPU implies nothing. */
TEST(profile_switch_sampled)
{
    struct cause_table t = { 0 };
    const char *text =
        "hostmix 10/10 [001] 1.000000000:         16        sched:sched_switch: prev_comm=hostmix "
        "prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120\n"
        "\tffffffff81000001 __schedule ([kernel.kallsyms])\n"
        "\tffffffff81000002 ep_poll ([kernel.kallsyms])\n\n"
        "b 20/20 [001] 1.100000000:         16        sched:sched_switch: prev_comm=b prev_pid=20 "
        "prev_prio=120 prev_state=R ==> next_comm=hostmix next_pid=10 next_prio=120\n\n"
        "hostmix 30/30 [000] 1.200000000:         16        sched:sched_waking: comm=hostmix "
        "pid=10 prio=120 target_cpu=001\n"
        "\tffffffff81000004 try_to_wake_up ([kernel.kallsyms])\n\n"
        "hostmix 10/10 [001] 1.300000000:    2004008 cpu-clock/period=2004008/: \n"
        "\tffffffff81000006 tcp_sendmsg ([kernel.kallsyms])\n\n";
    struct prof_owner o[] = { { 10, NULL, 0, "set1-web", ROLE_WEB, 0 } };
    struct prof_input in = { .table = &t, .t0 = 0, .t1 = 2000000000LL, .owner = o, .nowner = 1,
                             .driver_pid = 30, .event = "cpu-clock" };
    T_EQ_INT(cause_table_parse(&t, "builtin", cause_table_builtin, NULL), 0);
    long bad;
    struct prof_summary *s = pt_text(text, strlen(text), &in, &bad);
    T_EQ_INT(bad, 0);
    T_EQ_INT(s->sched_period, 16);
    T_EQ_INT(s->host.total, 32);
    T_EQ_INT(s->host.implied, 0);                   /* 20 -> 10 after 10 -> idle: sampled */
    T_EQ_INT(s->host.wait[PW_SOCKET], 16);
    T_EQ_INT(s->host.wait[PW_PREEMPT], 16);
    T_EQ_INT(s->srv[0].sw.total, 16);
    T_EQ_INT(s->srv[0].sw.woken, 16);
    T_EQ_INT(s->srv[0].sw.waker[PK_DRIVER], 16);
    T_EQ_INT(s->samples, 1);
    T_NEAR(s->cause[PC_NET].ns, 2004008, 0.5);      /* a sample stands for its period in ns */
    free(s);
    cause_table_free(&t);
}

TEST(profile_vm_exits)
{
    struct cause_table t = { 0 };
    T_EQ_INT(cause_table_parse(&t, "builtin", cause_table_builtin, NULL), 0);
    struct prof_owner o[] = { { 4242, NULL, 0, "set1-web", ROLE_WEB, 1 } };
    struct prof_input in = { .table = &t, .t0 = 0, .t1 = 2000000000000LL, .owner = o, .nowner = 1,
                             .event = "cpu-clock" };
    FILE *f = fopen(FX "kvm-exits.script", "r");
    T_ASSERT(f);
    struct prof_summary *s = calloc(1, sizeof *s);
    T_EQ_INT(prof_analyze(f, &in, s), 0);
    fclose(f);
    T_ASSERT(s->kvm);
    T_EQ_INT(s->exits_total, 5);
    T_EQ_INT(s->nexits, 4);
    T_EQ_STR(s->exit[0].reason, "HLT");
    T_EQ_INT(s->exit[0].count, 2);
    T_NEAR(s->exit[0].ns, 50000 + 500000, 1);      /* exit to entry, both vCPUs */
    T_EQ_STR(s->exit[1].reason, "EXTERNAL_INTERRUPT");
    T_NEAR(s->exit[1].ns, 2000, 1);
    T_EQ_STR(s->exit[3].reason, "INTERRUPT_WINDOW");
    T_EQ_INT(s->srv[0].exits, 5);
    T_EQ_INT(s->cause[PC_GUEST].samples, 1);        /* vmx_vcpu_run: the guest ran */
    T_EQ_INT(s->cause[PC_VMEXIT].samples, 1);       /* handle_ept_misconfig */
    T_EQ_INT(s->cause[PC_EMUL].samples, 1);         /* QEMU's main loop */
    T_EQ_INT(s->cause[PC_VNET].samples, 1);         /* vhost worker of QEMU 4242 */
    T_EQ_INT(s->srv[0].samples, 4);                 /* the vhost worker counts for the guest */
    free(s);
    cause_table_free(&t);
}

/* The exit table of one stored script as the text report prints it
 * (malloc'd, the caller frees; NULL on failure), with its summary. */
static char *t_exit_text(const char *script, pid_t qemu, struct prof_summary *s)
{
    struct cause_table t = { 0 };
    if (cause_table_parse(&t, "builtin", cause_table_builtin, NULL)) return NULL;
    struct prof_owner o[] = { { qemu, NULL, 0, "set1-web", ROLE_WEB, 1 } };
    struct prof_input in = { .table = &t, .t0 = 0, .t1 = 4000000000000LL, .owner = o,
                             .nowner = 1, .event = "cpu-clock" };
    FILE *f = fopen(script, "r");
    long rc = f ? prof_analyze(f, &in, s) : -1;
    if (f) fclose(f);
    cause_table_free(&t);
    if (rc) return NULL;
    s->present = 1;
    s->seconds = 1;
    struct report_model m = { .profile = s };
    char *text = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&text, &n);
    report_explain_text(&m, out);
    fclose(out);
    return text;
}

/* Halts apart: their time to the next entry is the guest idle. */
TEST(profile_vm_exits_halt_apart)
{
    struct prof_summary *s = calloc(1, sizeof *s);
    struct prof_exit other, halt;
    char *text = t_exit_text(FX "kvm-exits.script", 4242, s);       /* Intel: HLT */
    T_ASSERT(text);
    prof_exit_split(s, &other, &halt);
    T_EQ_INT(halt.count, 2);
    T_NEAR(halt.ns, 550000, 1);
    T_EQ_INT(other.count, 3);
    T_NEAR(other.ns, 2000 + 40000 + 1000, 1);
    int ok = strstr(text, "VM exits: 5/s (kvm:kvm_exit), 2/s of them halts") &&
             strstr(text, "exits other than halt: 3/s, 14.33 us from exit") &&
             strstr(text, "halts: 2/s, 275.00 us to the vCPU's next entry") &&
             strstr(text, "exits other than halt") < strstr(text, "  HLT ");
    if (!ok) t_fail(__FILE__, __LINE__, "Intel exit table:\n%s", text);
    free(text);
    if (t_failed()) {
        free(s);
        return;
    }
    memset(s, 0, sizeof *s);
    char *amd = t_exit_text(FX "kvm-exits-amd.script", 5151, s);    /* AMD: hlt */
    T_ASSERT(amd);
    prof_exit_split(s, &other, &halt);
    T_EQ_INT(halt.count, 2);
    T_NEAR(halt.ns, 3000000, 1);
    T_EQ_INT(other.count, 2);
    T_NEAR(other.ns, 32000, 1);
    ok = strstr(amd, "exits other than halt: 2/s, 16.00 us") &&
         strstr(amd, "halts: 2/s, 1500.00 us");
    if (!ok) t_fail(__FILE__, __LINE__, "AMD exit table:\n%s", amd);
    free(amd);
    free(s);
}

TEST(profile_tcg_guest_code)
{
    struct cause_table t = { 0 };
    T_EQ_INT(cause_table_parse(&t, "builtin", cause_table_builtin, NULL), 0);
    struct prof_owner o[] = { { 1809, NULL, 0, "set1-web", ROLE_WEB, 1 } };
    struct prof_input in = { .table = &t, .t0 = 0, .t1 = 4000000000000LL, .owner = o, .nowner = 1,
                             .tcg = 1, .event = "cpu-clock" };
    FILE *f = fopen(FX "tcg-guest.script", "r");
    T_ASSERT(f);
    struct prof_summary *s = calloc(1, sizeof *s);
    T_EQ_INT(prof_analyze(f, &in, s), 0);
    fclose(f);
    T_EQ_INT(s->samples, 40);
    T_EQ_INT(s->srv[0].samples, 40);
    T_EQ_INT(s->cause[PC_GUEST].samples, 20);      /* translated code: /tmp/perf-1809.map */
    T_EQ_INT(s->cause[PC_EMUL].samples, 13);       /* QEMU itself and its libraries */
    T_ASSERT(s->cause[PC_OTHER].samples <= 2);     /* the kernel's 7 mostly have causes */
    T_ASSERT(s->tcg);
    /* without TCG the same code would be QEMU's, not a guest's */
    f = fopen(FX "tcg-guest.script", "r");
    in.tcg = 0;
    prof_analyze(f, &in, s);
    fclose(f);
    T_EQ_INT(s->cause[PC_GUEST].samples, 0);
    free(s);
    cause_table_free(&t);
}

TEST(profile_status_parse)
{
    uint64_t v, iv;
    T_EQ_INT(collect_status_parse("Name:\tx\nvoluntary_ctxt_switches:\t12\n"
                                  "nonvoluntary_ctxt_switches:\t3\n", &v, &iv), 0);
    T_EQ_INT(v, 12);
    T_EQ_INT(iv, 3);
    T_ASSERT(collect_status_parse("Name:\tx\n", &v, &iv) < 0);
}

/* A model with the fixture's profile and an interval. */
static struct report_model *xm_model(double sut)
{
    struct cause_table t = { 0 };
    long bad;
    struct prof_summary *s = nq_analyze(&t, &bad);
    cause_table_free(&t);
    if (!s) return NULL;
    s->seconds = 0.12;
    prof_scale(s, sut);
    struct report_model *m = report_model_new();
    m->have_interval = 1;
    m->cpu.host_busy_cores = sut + 0.1;
    m->cpu.ctxt_s = 1000;
    m->cpu.sut_cores = sut;
    report_explain_set(m, s);
    free(s);
    return m;
}

TEST(explain_json_round_trip)
{
    struct report_model *m = xm_model(0.4);
    T_ASSERT(m && m->profile);
    struct json_w w;
    struct buf b = BUF_INIT;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    report_explain_json(&w, m);
    json_w_obj_end(&w);
    char err[128];
    struct json_doc *d = json_parse(buf_head(&b), buf_used(&b), err, sizeof err);
    T_ASSERT(d);
    struct report_model *m2 = report_model_new();
    m2->cpu = m->cpu;                       /* the interval's figures come from elsewhere */
    report_explain_from_json(json_get(json_root(d), "profile"), m2);
    T_ASSERT(m2->profile);
    const struct prof_summary *a = m->profile, *c = m2->profile;
    T_EQ_INT(c->samples, a->samples);
    T_EQ_INT(c->host.total, a->host.total);
    T_EQ_INT(c->ntop, a->ntop);
    T_EQ_STR(c->top[0].sym, a->top[0].sym);
    T_EQ_INT(c->nservers, a->nservers);
    T_EQ_INT(c->srv[2].sw.waker[PK_DRIVER], a->srv[2].sw.waker[PK_DRIVER]);
    T_EQ_INT(c->nthreads, a->nthreads);
    T_EQ_INT(c->thread[0].tid, a->thread[0].tid);
    T_EQ_INT(c->thread[0].server, a->thread[0].server);
    T_EQ_INT(c->host.implied, a->host.implied);
    for (int k = 0; k < PC_N; k++) T_NEAR(c->cause[k].cores, a->cause[k].cores, 1e-12);
    /* the text report reads the same either way */
    char *t1 = NULL, *t2 = NULL;
    size_t n1, n2;
    FILE *f1 = open_memstream(&t1, &n1), *f2 = open_memstream(&t2, &n2);
    report_explain_text(m, f1);
    report_explain_text(m2, f2);
    fclose(f1);
    fclose(f2);
    T_EQ_STR(t1, t2);
    T_ASSERT(strstr(t1, "Explain: where the system under test's CPU went"));
    T_ASSERT(strstr(t1, "scheduler and context switch: "));
    T_ASSERT(strstr(t1, "VM exits: "));
    free(t1);
    free(t2);
    json_doc_free(d);
    buf_free(&b);
    report_model_free(m);
    report_model_free(m2);
}

TEST(explain_compare_adds_up)
{
    struct report_model *a = xm_model(0.4), *b = xm_model(0.5);
    T_ASSERT(a && b);
    /* B: more network stack, less own work, same total shape otherwise */
    b->profile->cause[PC_NET].cores += 0.03;
    b->profile->cause[PC_OWN + ROLE_WEB].cores -= 0.01;
    b->profile->cause[PC_OTHER].cores -= 0.02;
    char *text = NULL;
    size_t n;
    FILE *f = open_memstream(&text, &n);
    report_explain_compare(a, b, "A", "B", f);
    fclose(f);
    T_ASSERT(strstr(text, "B vs A by cause"));
    T_ASSERT(strstr(text, "+0.100 cores in all"));
    T_ASSERT(strstr(text, "(the causes add up to +0.100)"));
    T_ASSERT(strstr(text, "host network stack"));
    free(text);
    report_model_free(a);
    report_model_free(b);
}

TEST(profile_job_section)
{
    struct job j;
    const char *ok = "[global]\nname = p\n[profile]\nenabled = yes\nfrequency = 99\nsched = no\n";
    T_EQ_INT(job_load_text(&j, "ok.ini", ok, strlen(ok), stderr), 0);
    T_ASSERT(j.profile.enabled);
    T_EQ_INT(j.profile.frequency, 99);
    T_ASSERT(!j.profile.sched && j.profile.kvm);
    T_EQ_STR(j.profile.event, "cpu-clock");
    const char *off = "[global]\nname = p\n";
    T_EQ_INT(job_load_text(&j, "off.ini", off, strlen(off), stderr), 0);
    T_ASSERT(!j.profile.enabled);
    char *err = NULL;
    size_t n;
    FILE *e = open_memstream(&err, &n);
    const char *bad = "[global]\nfrequency = 99\n[profile]\nfrequency = 0\nnope = 1\n[profile]\n";
    T_EQ_INT(job_load_text(&j, "bad.ini", bad, strlen(bad), e), 4);
    fclose(e);
    T_ASSERT(strstr(err, "bad.ini:2: option 'frequency' does not belong in [global] (it belongs in "
                         "[profile])"));
    T_ASSERT(strstr(err, "bad.ini:4: "));
    T_ASSERT(strstr(err, "bad.ini:5: unknown option 'nope'"));
    T_ASSERT(strstr(err, "bad.ini:6: duplicate section [profile]"));
    free(err);
}

TEST(profile_many_symbols)
{
    /* more distinct functions than the symbol cache first holds, the cache
     * growing in the middle of a sample's call chain */
    struct cause_table t = { 0 };
    T_EQ_INT(cause_table_parse(&t, "builtin", cause_table_builtin, NULL), 0);
    char *text = NULL;
    size_t n;
    FILE *w = open_memstream(&text, &n);
    for (int k = 0; k < 40; k++) {
        fprintf(w, "a 10/10 [000] 1.%03d: 1000000 cpu-clock:\n", k);
        fprintf(w, "\tffffffff81000000 kfree ([kernel.kallsyms])\n");
        for (int i = 0; i < 100; i++)
            fprintf(w, "\tffffffff81%06x fn_%d_%d ([kernel.kallsyms])\n", k * 100 + i, k, i);
        fprintf(w, "\tffffffff82000000 tcp_sendmsg ([kernel.kallsyms])\n\n");
    }
    fclose(w);
    struct prof_input in = { .table = &t, .t0 = 0, .t1 = 2000000000LL, .event = "cpu-clock" };
    long bad;
    struct prof_summary *s = pt_text(text, n, &in, &bad);
    T_EQ_INT(bad, 0);
    T_EQ_INT(s->samples, 40);
    T_EQ_INT(s->cause[PC_NET].samples, 40);     /* the chain's tcp_sendmsg, under kfree */
    T_EQ_STR(s->cause[PC_NET].top[0].sym, "tcp_sendmsg");
    T_EQ_INT(s->cause[PC_NET].top[0].samples, 40);
    free(s);
    free(text);
    cause_table_free(&t);
}

/* Every cause has a distinct key and a label, the servers' own work
 * included (those come from the role table). */
TEST(cause_names_complete)
{
    for (int c = 0; c < PC_N; c++) {
        T_ASSERT(prof_cause_key(c) && prof_cause_label(c) && *prof_cause_label(c));
        T_EQ_INT(prof_cause_find(prof_cause_key(c)), c);
    }
    T_EQ_STR(prof_cause_key(PC_OWN + ROLE_DB), "own:db");
    T_EQ_STR(prof_cause_label(PC_OWN + ROLE_WEB), "web's own work");
}

/* ---- the guests' own time under KVM (tests/fixtures/profile/vcpu) ---- */

/* The guest time of QEMU 4242's vCPU threads between the two stored
 * readings: CPU 0 ran 0.9 s with 70 of 100 ticks in guest mode, CPU 1
 * 0.5 s with 20 of 50; the main thread is no vCPU. */
TEST(profile_vcpu_guest_time)
{
    struct meas_thread *a, *b;
    int na = meas_threads_read(FX "vcpu/t0", 4242, &a), nb = meas_threads_read(FX "vcpu/t1", 4242, &b);
    T_EQ_INT(na, 3);
    T_EQ_INT(nb, 3);
    struct prof_vcpu_guest g = { 0, 0, 0 };
    double ns = prof_vcpu_guest_ns(a, na, b, nb, 4242, &g);
    T_NEAR(ns, 0.9e9 * 0.7 + 0.5e9 * 0.4, 1);
    T_EQ_INT(g.nvcpu, 2);
    T_EQ_INT(g.guest_ticks, 90);
    T_EQ_INT(g.ticks, 150);
    free(a);
    free(b);
}

/* The summary of one stored script of QEMU 4242 scaled to sut cores,
 * the guest cause from the vCPU threads (threads) or from samples. */
static void t_guest_scaled(const char *script, int threads, double sut, struct prof_summary *s)
{
    struct cause_table t = { 0 };
    cause_table_parse(&t, "builtin", cause_table_builtin, NULL);
    struct prof_owner o[] = { { 4242, NULL, 0, "set1-web", ROLE_WEB, 1 } };
    struct prof_input in = { .table = &t, .t0 = 0, .t1 = 4000000000000LL, .owner = o,
                             .nowner = 1, .event = "cpu-clock" };
    FILE *f = fopen(script, "r");
    if (f) prof_analyze(f, &in, s);
    if (f) fclose(f);
    cause_table_free(&t);
    s->seconds = 1;
    s->guest_threads = threads;
    s->guest_thread_ns = 0.83e9;
    s->srv[0].guest_thread_ns = threads ? 0.83e9 : 0;
    prof_scale(s, sut);
}

/* With or without the guest-mode samples perf script drops by default,
 * the guest cause is the vCPU threads' 0.83 cores and the other causes
 * share the remaining 0.6 by their samples (2 exit, 3 QEMU, 1 vhost);
 * from samples alone the guest's share depends on which were kept. */
TEST(profile_guest_from_vcpu_threads)
{
    struct prof_summary *s = calloc(2, sizeof *s);
    T_ASSERT(s);
    t_guest_scaled(FX "kvm-guest.script", 1, 1.43, &s[0]);
    t_guest_scaled(FX "kvm-host.script", 1, 1.43, &s[1]);
    T_EQ_INT(s[0].guest_mode_samples, 6);
    T_EQ_INT(s[1].guest_mode_samples, 0);
    for (int k = 0; k < 2; k++) {
        T_NEAR(s[k].cause[PC_GUEST].cores, 0.83, 1e-9);
        T_NEAR(s[k].cause[PC_VMEXIT].cores, 0.2, 1e-9);
        T_NEAR(s[k].cause[PC_EMUL].cores, 0.3, 1e-9);
        T_NEAR(s[k].cause[PC_VNET].cores, 0.1, 1e-9);
        T_NEAR(s[k].cause[PC_GUEST].pct_busy, 100 * 0.83 / 1.43, 1e-6);
        double sum = 0;
        for (int c = 0; c < PC_N; c++) sum += prof_cause_is_sut(c) ? s[k].cause[c].cores : 0;
        T_NEAR(sum, 1.43, 1e-9);
        T_NEAR(prof_server_cores(&s[k], 0), 1.43, 1e-9);     /* every sample is QEMU 4242's */
    }
    char note[400];
    prof_guest_note(&s[0], note, sizeof note);
    T_ASSERT(strstr(note, "tick-sampled") != NULL);
    memset(s, 0, 2 * sizeof *s);
    t_guest_scaled(FX "kvm-host.script", 0, 1.43, &s[0]);      /* the samples alone */
    T_NEAR(s[0].cause[PC_GUEST].cores, 1.43 * 2 / 8, 1e-9);
    free(s);
}

/* ---- KVM exits: their recording and lost events ---- */

TEST(profile_lost_record_parse)
{
    struct ps_head h;
    uint64_t n = 0;
    T_EQ_INT(ps_parse_lost("perf 16577/16577 [001] 12497.469907966: PERF_RECORD_LOST lost 73", &h,
                           &n), 0);
    T_EQ_INT(n, 73);
    T_EQ_INT(h.cpu, 1);
    T_EQ_INT(h.t_ns, 12497469907966LL);
    T_EQ_STR(h.comm, "perf");
    T_EQ_INT(ps_parse_lost(":16654 16654/16654 [001] 12497.636656677: PERF_RECORD_LOST lost 18",
                           &h, &n), 0);
    T_EQ_INT(n, 18);
    T_ASSERT(ps_parse_lost("perf 1/1 [001] 1.5: PERF_RECORD_LOST lost", &h, &n) < 0);
    T_ASSERT(ps_parse_lost("perf 1/1 [001] 1.5: PERF_RECORD_LOST lost 7 x", &h, &n) < 0);
    T_ASSERT(ps_parse_lost("perf 1/1 [001] 1.5:          1 sched:sched_switch: x", &h, &n) < 0);
}

/* A LOST record on the CPU of an open exit: that exit is left out of the
 * times (its entry may have been lost), the others pair. */
TEST(profile_exit_pairing_with_lost)
{
    struct prof_summary *s = calloc(1, sizeof *s);
    T_ASSERT(s);
    char *text = t_exit_text(FX "kvm-lost.script", 4242, s);
    T_ASSERT(text);
    T_EQ_INT(s->lost_records, 1);
    T_EQ_INT(s->lost_events, 1234);
    T_EQ_INT(s->exits_unpaired, 1);
    T_EQ_INT(s->nexits, 1);
    T_EQ_INT(s->exit[0].count, 3);
    T_EQ_INT(s->exit[0].timed, 2);
    T_NEAR(s->exit[0].ns, 30000 + 40000, 1);
    T_NEAR(prof_exit_mean_us(&s->exit[0]), 35, 1e-9);
    T_NEAR(s->lost_first_s, 1000.0002, 1e-9);      /* t0 = 0 in t_exit_text */
    if (!strstr(text, "pairing unreliable from 1000.00 s into the interval: perf lost 1234 events "
                      "(1 PERF_RECORD_LOST); 1 exits"))
        t_fail(__FILE__, __LINE__, "no pairing note:\n%s", text);
    free(text);
    free(s);
}

/* perf record's argv for each combination: the main recording keeps
 * call chains and one in sched_period scheduler events whether or not
 * exits are recorded; the exits' recording has every exit and entry, no
 * call chains and a 1024-page buffer. */
TEST(profile_record_argv)
{
    struct job_profile o = { 0 };
    snprintf(o.event, sizeof o.event, "cpu-clock");
    o.frequency = 499;
    o.sched = 1;
    o.sched_period = 32;
    struct strvec v = STRVEC_INIT;
    static const char *const want[4] = {
        "perf record -a -k CLOCK_MONOTONIC -D -1 --quiet --no-period -g -ecpu-clock/period=2004008/ "
        "-c32 -esched:sched_switch -esched:sched_waking --control=fifo:/o/perf-ctl.fifo,/o/perf-ack.fifo "
        "-o/o/perf.data",
        "perf record -a -k CLOCK_MONOTONIC -D -1 --quiet --no-period -g -ecpu-clock/period=2004008/HG "
        "-c32 -esched:sched_switch -esched:sched_waking --control=fifo:/o/perf-ctl.fifo,/o/perf-ack.fifo "
        "-o/o/perf.data",
        "perf record -a -k CLOCK_MONOTONIC -D -1 --quiet --no-period -g -ecpu-clock/period=2004008/HG "
        "--control=fifo:/o/perf-ctl.fifo,/o/perf-ack.fifo -o/o/perf.data",
        "perf record -a -k CLOCK_MONOTONIC -D -1 --quiet --no-period -c1 -m1024 "
        "-ekvm:kvm_exit/call-graph=no/ -ekvm:kvm_entry/call-graph=no/ "
        "--control=fifo:/o/kvm-ctl.fifo,/o/kvm-ack.fifo -o/o/kvm.data",
    };
    for (int k = 0; k < 4; k++) {
        o.sched = k != 2;
        collect_perf_argv(&o, "perf", "/o", k > 0, k == 3, &v);
        char *j = strvec_join(&v, " ");
        if (strcmp(j, want[k])) t_fail(__FILE__, __LINE__, "case %d:\n%s\nwanted\n%s", k, j, want[k]);
        free(j);
        strvec_clear(&v);
    }
    snprintf(o.event, sizeof o.event, "cycles");    /* a hardware event: by frequency */
    collect_perf_argv(&o, "perf", "/o", 1, 0, &v);
    T_ASSERT(v.n > 10 && !strcmp(v.v[10], "-ecycles/freq=499/HG"));
    strvec_clear(&v);
}

/* result.json keeps what the KVM profile adds: how the guest share was
 * taken, lost events, unpaired and timed exits; the text reads the same. */
TEST(explain_json_kvm_round_trip)
{
    struct prof_summary *s = calloc(1, sizeof *s);
    T_ASSERT(s);
    char *text = t_exit_text(FX "kvm-lost.script", 4242, s);
    free(text);
    s->guest_threads = 1;
    s->guest_thread_ns = 0.5e9;
    s->guest_ticks = 90;
    s->vcpu_ticks = 150;
    s->vcpu_threads = 2;
    snprintf(s->guest_record, sizeof s->guest_record, "in host and guest mode (:HG)");
    snprintf(s->exit_command, sizeof s->exit_command, "perf record -c1 -m1024");
    prof_scale(s, 1.0);
    struct report_model m = { .profile = s };
    struct json_w w;
    struct buf b = BUF_INIT;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    report_explain_json(&w, &m);
    json_w_obj_end(&w);
    char err[128];
    struct json_doc *d = json_parse(buf_head(&b), buf_used(&b), err, sizeof err);
    T_ASSERT(d);
    struct report_model *m2 = report_model_new();
    m2->cpu = m.cpu;                        /* the interval's figures come from elsewhere */
    report_explain_from_json(json_get(json_root(d), "profile"), m2);
    const struct prof_summary *c = m2->profile;
    T_ASSERT(c && c->guest_threads);
    T_NEAR(c->guest_thread_ns, 0.5e9, 1);
    T_EQ_INT(c->guest_ticks, 90);
    T_EQ_INT(c->vcpu_threads, 2);
    T_EQ_STR(c->guest_record, s->guest_record);
    T_EQ_STR(c->exit_command, s->exit_command);
    T_EQ_INT(c->lost_events, 1234);
    T_EQ_INT(c->lost_records, 1);
    T_EQ_INT(c->exits_unpaired, 1);
    T_EQ_INT(c->exit[0].timed, 2);
    T_NEAR(c->cause[PC_GUEST].cores, 0.5, 1e-12);
    char *t1 = NULL, *t2 = NULL;
    size_t n1, n2;
    FILE *f1 = open_memstream(&t1, &n1), *f2 = open_memstream(&t2, &n2);
    report_explain_text(&m, f1);
    report_explain_text(m2, f2);
    fclose(f1);
    fclose(f2);
    T_EQ_STR(t1, t2);
    T_ASSERT(strstr(t1, "guest execution: 0.500 cores") || strstr(t1, "0.500 cores"));
    T_ASSERT(strstr(t1, "tick-sampled") != NULL);
    T_ASSERT(strstr(t1, "perf lost 1234 events in 1 records") != NULL);
    free(t1);
    free(t2);
    json_doc_free(d);
    buf_free(&b);
    report_model_free(m2);
    free(s);
}
