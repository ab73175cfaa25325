/* t_platform.c — the platform contract.  The native platform against
 * stored trees: where it finds a cgroup v2 hierarchy (hybrid host), why it
 * falls back to /proc (v1-only host), and a server's CPU read either way,
 * in named parts; the registry; and a test-only platform, defined here and
 * nowhere else, that runs a real run's servers through the same calls the
 * controller makes, proving a platform is added without touching run/ or
 * report/. */
#include "test.h"
#include "platform/platform.h"
#include "run/plan.h"
#include "core/clock.h"
#include "core/spawn.h"
#include "job/job.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FX "tests/fixtures/measure/"

TEST(platform_native_accounting_choice)
{
    struct plat p;
    struct plat_acct a;
    char why[256];
    plat_open(&p, plat_find_name("native"), FX "t1", NULL);
    T_EQ_INT(p.ops->probe(&p, why, sizeof why), 0);
    p.ops->describe(&p, &a);
    T_EQ_STR(a.method, "cgroup");
    T_EQ_STR(a.base, "/sys/fs/cgroup/unified");
    plat_close(&p);
    plat_open(&p, plat_find_name("native"), FX "v1", NULL);
    T_EQ_INT(p.ops->probe(&p, why, sizeof why), 0);
    p.ops->describe(&p, &a);
    T_EQ_STR(a.method, "proc");
    T_EQ_STR(a.why, "no cgroup2 file system mounted");
    T_ASSERT(strstr(a.text, "/proc/PID/stat") != NULL);
    plat_close(&p);
}

TEST(platform_native_server_cpu)
{
    struct plat p;
    struct plat_server s;
    struct server_spec spec;
    memset(&spec, 0, sizeof spec);
    plat_open(&p, plat_find_name("native"), FX "t1", NULL);
    plat_server_init(&p, &s, &spec);
    snprintf(s.cgroup, sizeof s.cgroup, "/sys/fs/cgroup/unified/hostmix-1/set1-web");
    T_EQ_INT(p.ops->cpu(&p, &s), 0);
    T_EQ_INT(s.cpu.total_ns, 1500000000LL);
    T_EQ_INT(s.cpu.part_ns[PLAT_CPU_USER], 1000000000LL);
    T_EQ_INT(s.cpu.part_ns[PLAT_CPU_SYSTEM], 500000000LL);
    T_EQ_INT(s.cpu.have, (1u << PLAT_CPU_USER) | (1u << PLAT_CPU_SYSTEM));
    s.cgroup[0] = '\0';                     /* /proc accounting */
    s.pid = 4242;
    T_EQ_INT(p.ops->cpu(&p, &s), 0);
    T_EQ_INT(s.cpu.total_ns, 150 * (1000000000LL / meas_hz()));
    s.exited = 1;                           /* gone: the last reading stays */
    s.pid = 4243;
    T_EQ_INT(p.ops->cpu(&p, &s), 0);
    T_EQ_INT(s.cpu.total_ns, 150 * (1000000000LL / meas_hz()));
    plat_server_free(&p, &s);
    plat_close(&p);
}

TEST(platform_registry)
{
    T_ASSERT(plat_find_name("native") == &plat_native_ops);
    T_ASSERT(plat_find_name("nosuch") == NULL);
    for (int i = 0; platform_names[i]; i++)
        T_EQ_STR(plat_find(i)->name, platform_names[i]);
    T_ASSERT(plat_find(99) == NULL);
    T_ASSERT(plat_find_name("libvirt") != NULL);
    char st[96];
    plat_status_text(9, st, sizeof st);
    T_EQ_STR(st, "killed by signal 9 (Killed)");
    plat_status_text(3 << 8, st, sizeof st);
    T_EQ_STR(st, "exited with status 3");
}

/* ---- the plan ---------------------------------------------------------- */

/* The plan's data sets in /cache; the ones servers change served from
 * /work, as the working copy would point them. */
static void test_plan_data(struct plan *pl, struct job *j)
{
    memset(pl, 0, sizeof *pl);
    snprintf(j->data_dir, sizeof j->data_dir, "/cache");
    plan_data_build(pl, j);
    for (int i = 0; i < pl->ndata; i++)
        if (pl->data[i].mutates) {
            char w[300];
            snprintf(w, sizeof w, "/work/%s", pl->data[i].key);
            plan_data_serve(&pl->data[i], w);
        }
}

static const struct server_spec *find_spec(const struct plan *pl, int set, int role)
{
    for (int i = 0; i < pl->n; i++)
        if (pl->spec[i].set == set && pl->spec[i].role == role) return &pl->spec[i];
    return NULL;
}

TEST(plan_native_four_sets)
{
    struct job *j = calloc(1, sizeof *j);
    job_defaults(j);
    j->sets = 4;
    struct plat p;
    plat_open(&p, plat_find_name("native"), "", NULL);
    struct plan pl;
    test_plan_data(&pl, j);
    plan_build(&pl, j, &p, "/logs");
    T_EQ_INT(pl.n, 24);
    T_EQ_INT(pl.nfirst, 8);                 /* nfs and db of every set first */
    for (int i = 0; i < pl.nfirst; i++)
        T_ASSERT(pl.spec[i].role == ROLE_NFS || pl.spec[i].role == ROLE_DB);
    const struct server_spec *web = find_spec(&pl, 3, ROLE_WEB), *app = find_spec(&pl, 4, ROLE_APP);
    T_EQ_STR(web->name, "set3-web");
    T_EQ_STR(web->ip, "127.3.1.1");
    T_EQ_INT(web->port, 8080);
    T_EQ_INT(web->peer_role, ROLE_NFS);
    T_EQ_STR(web->peer_ip, "127.3.5.1");
    T_EQ_INT(web->peer_port, 2049);
    T_EQ_STR(web->opts.v[0], "--nfs");
    T_EQ_STR(web->opts.v[1], "127.3.5.1:2049");
    T_EQ_STR(app->opts.v[1], "host=127.4.4.1 port=5432 dbname=orders user=hostmix");
    T_EQ_INT(pl.ndata, 12);                 /* web, imap and db of each set */
    T_EQ_STR(find_spec(&pl, 2, ROLE_NFS)->data, "/cache/web-seed1-set2-docroot67108864-nfs30/nfs");
    T_EQ_STR(find_spec(&pl, 2, ROLE_NFS)->data_cached,
             "/cache/web-seed1-set2-docroot67108864-nfs30/nfs");
    T_EQ_STR(find_spec(&pl, 2, ROLE_NFS)->data_key, "web-seed1-set2-docroot67108864-nfs30-nfs");
    T_EQ_STR(find_spec(&pl, 3, ROLE_DB)->data, "/work/db-seed1-set3-cust7500-items1000");
    T_EQ_STR(find_spec(&pl, 3, ROLE_DB)->data_cached, "/cache/db-seed1-set3-cust7500-items1000");
    T_EQ_STR(find_spec(&pl, 3, ROLE_WEB)->data, "/cache/web-seed1-set3-docroot67108864-nfs30");
    T_EQ_INT(find_spec(&pl, 2, ROLE_DB)->data_rw, 1);
    T_EQ_INT(find_spec(&pl, 2, ROLE_WEB)->data_rw, 0);
    T_ASSERT(find_spec(&pl, 1, ROLE_IDLE)->data == NULL);
    T_EQ_STR(find_spec(&pl, 1, ROLE_IDLE)->log, "/logs/set1-idle.log");
    struct strvec v = STRVEC_INIT;
    plat_serve_argv(find_spec(&pl, 1, ROLE_DB), "/data", &v);
    char *line = strvec_join(&v, " ");
    T_EQ_STR(line, "hostmix serve db --listen 127.1.4.1:5432 --data /data --sync=yes");
    free(line);
    strvec_clear(&v);
    plan_free(&pl);
    plat_close(&p);
    free(j);
}

/* ---- a test-only platform ---------------------------------------------
 * Servers are `sleep` processes; addresses come from its own plan
 * (10.S.R.9); CPU is a counter the test platform advances.  Nothing in
 * run/ or report/ knows it. */

struct fake { int prepared, cleaned; };
struct fake_srv { int placed; };

static int fake_probe(struct plat *p, char *why, size_t n) { (void)p; (void)why; (void)n; return 0; }
static void fake_addr(const struct plat *p, int set, int role, char *ip, size_t n)
{
    (void)p;
    snprintf(ip, n, "10.%d.%d.9", set, role);
}
static int fake_prepare(struct plat *p, char *why, size_t n)
{
    (void)why; (void)n;
    ((struct fake *)p->priv)->prepared = 1;
    return 0;
}
static int fake_place(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    (void)p; (void)why; (void)n;
    ((struct fake_srv *)s->priv)->placed = 1;
    return 0;
}
static int fake_start(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    (void)p;
    char *const argv[] = { "sleep", "30", NULL };
    struct spawn sw = { .exe = "/bin/sleep", .argv = argv, .own_pgrp = 1, .pdeathsig = SIGKILL };
    s->pid = spawn_start(&sw, why, n);
    return s->pid > 0 ? 0 : -1;
}
static int fake_ready(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    (void)p; (void)why; (void)n;
    return s->pid > 0 && ((struct fake_srv *)s->priv)->placed;
}
static int fake_cpu(struct plat *p, struct plat_server *s)
{
    (void)p;
    s->cpu.total_ns += 1000;
    return 0;
}
static int fake_reap(struct plat *p, struct plat_server *s)
{
    (void)p;
    if (!s->pid || s->exited) return 1;
    if (!plat_reap_pid(s->pid, &s->status)) return 0;
    s->exited = 1;
    return 1;
}
static void fake_stop(struct plat *p, struct plat_server *s, int force)
{
    (void)p;
    kill(s->pid, force ? SIGKILL : SIGTERM);
}
static void fake_cleanup(struct plat *p) { ((struct fake *)p->priv)->cleaned = 1; }

static const struct platform_ops fake_ops = {
    .name = "fake", .priv_size = sizeof(struct fake), .server_priv_size = sizeof(struct fake_srv),
    .ready_timeout_ns = CLOCK_NS_PER_S, .probe = fake_probe, .addr = fake_addr,
    .prepare = fake_prepare, .place = fake_place, .start = fake_start, .ready = fake_ready,
    .cpu = fake_cpu, .reap = fake_reap, .stop = fake_stop, .cleanup = fake_cleanup,
};

TEST(platform_contract_fake)
{
    struct job *j = calloc(1, sizeof *j);
    job_defaults(j);
    j->sets = 2;
    struct plat p;
    char why[256];
    plat_open(&p, &fake_ops, "", NULL);
    T_EQ_INT(p.ops->probe(&p, why, sizeof why), 0);
    T_EQ_INT(p.ops->prepare(&p, why, sizeof why), 0);
    struct plan pl;
    test_plan_data(&pl, j);
    plan_build(&pl, j, &p, "/logs");
    T_EQ_STR(find_spec(&pl, 2, ROLE_APP)->ip, "10.2.2.9");
    T_EQ_STR(find_spec(&pl, 2, ROLE_APP)->peer_ip, "10.2.3.9");
    T_EQ_STR(find_spec(&pl, 2, ROLE_APP)->opts.v[1],
             "host=10.2.3.9 port=5432 dbname=orders user=hostmix");
    T_EQ_STR(find_spec(&pl, 1, ROLE_WEB)->opts.v[1], "10.1.4.9:2049");
    struct plat_server srv[12];
    for (int i = 0; i < pl.n; i++) {
        plat_server_init(&p, &srv[i], &pl.spec[i]);
        T_EQ_INT(p.ops->place(&p, &srv[i], why, sizeof why), 0);
        T_EQ_INT(p.ops->start(&p, &srv[i], why, sizeof why), 0);
        T_EQ_INT(p.ops->ready(&p, &srv[i], why, sizeof why), 1);
        T_EQ_INT(p.ops->cpu(&p, &srv[i]), 0);
    }
    plat_stop_all(&p, srv, pl.n);
    for (int i = 0; i < pl.n; i++) {
        T_EQ_INT(srv[i].exited, 1);
        T_EQ_INT(kill(srv[i].pid, 0), -1);  /* reaped: gone */
        plat_server_free(&p, &srv[i]);
    }
    p.ops->cleanup(&p);
    T_EQ_INT(((struct fake *)p.priv)->cleaned, 1);
    plan_free(&pl);
    plat_close(&p);
    free(j);
}

/* Before Linux 6.4 vhost workers are kernel threads attached to QEMU's
 * cgroup, not QEMU's threads: cgroup.threads finds them
 * (tests/fixtures/threads/kvm-5.10: kthreads 13160 "vhost-13145" and
 * 13161 "kvm-nx-lpage-re"). */
TEST(platform_vm_threads_cgroup_kthreads)
{
    struct plat p = { .proc_root = "tests/fixtures/threads/kvm-5.10" };
    struct plat_server s = { .pid = 13145 };
    snprintf(s.cgroup, sizeof s.cgroup, "/sys/fs/cgroup/hmx");
    const pid_t vcpu[2] = { 13148, 13149 };
    plat_cpu_threads(&p, &s, 1, vcpu, 2);
    T_EQ_INT(s.cpu.part_ns[PLAT_CPU_VHOST], 412345678);
    T_EQ_INT(s.cpu.part_ns[PLAT_CPU_OTHER], 5721006 + 1234567);
    T_EQ_INT(s.cpu.part_ns[PLAT_CPU_VCPU], 3052623325ULL + 2281404);
    T_EQ_INT(s.cpu.part_ns[PLAT_CPU_MAIN], 29084335);
    s.cgroup[0] = '\0';                         /* without the cgroup: the kthreads are missed */
    plat_cpu_threads(&p, &s, 1, vcpu, 2);
    T_EQ_INT(s.cpu.part_ns[PLAT_CPU_VHOST], 0);
    T_EQ_INT(s.cpu.part_ns[PLAT_CPU_OTHER], 5721006);
}
