/* t_platform.c — the native platform against stored trees: where it finds
 * a cgroup v2 hierarchy (hybrid host), why it falls back to /proc (v1-only
 * host), and a server's CPU read either way. */
#include "test.h"
#include "platform/platform.h"
#include "job/job.h"

#include <string.h>

#define FX "tests/fixtures/measure/"

TEST(platform_native_accounting_choice)
{
    struct plat p;
    char why[256];
    memset(&p, 0, sizeof p);
    p.ops = plat_find(PLATFORM_NATIVE);
    p.proc_root = FX "t1";
    T_EQ_INT(p.ops->probe(&p, why, sizeof why), 0);
    T_EQ_INT(p.acct, PLAT_ACCT_CGROUP);
    T_EQ_STR(p.cg_base, "/sys/fs/cgroup/unified");
    memset(&p, 0, sizeof p);
    p.ops = plat_find(PLATFORM_NATIVE);
    p.proc_root = FX "v1";
    T_EQ_INT(p.ops->probe(&p, why, sizeof why), 0);
    T_EQ_INT(p.acct, PLAT_ACCT_PROC);
    T_EQ_STR(p.acct_why, "no cgroup2 file system mounted");
}

TEST(platform_native_server_cpu)
{
    struct plat p;
    struct plat_server s;
    memset(&p, 0, sizeof p);
    memset(&s, 0, sizeof s);
    p.ops = plat_find(PLATFORM_NATIVE);
    p.proc_root = FX "t1";
    snprintf(s.cg, sizeof s.cg, "/sys/fs/cgroup/unified/hostmix-1/set1-web");
    T_EQ_INT(p.ops->cpu(&p, &s), 0);
    T_EQ_INT(s.cpu_last_ns, 1500000000LL);
    T_EQ_INT(s.cpu_user_ns, 1000000000LL);
    T_EQ_INT(s.cpu_sys_ns, 500000000LL);
    s.cg[0] = '\0';                         /* /proc accounting */
    s.pid = 4242;
    T_EQ_INT(p.ops->cpu(&p, &s), 0);
    T_EQ_INT(s.cpu_last_ns, 150 * (1000000000LL / meas_hz()));
    s.exited = 1;                           /* gone: the last reading stays */
    s.pid = 4243;
    T_EQ_INT(p.ops->cpu(&p, &s), 0);
    T_EQ_INT(s.cpu_last_ns, 150 * (1000000000LL / meas_hz()));
}

TEST(platform_unimplemented_refuse)
{
    struct plat p;
    char why[256];
    memset(&p, 0, sizeof p);
    p.ops = plat_find(PLATFORM_VM);
    T_EQ_INT(p.ops->probe(&p, why, sizeof why), -1);
    T_EQ_STR(why, "platform 'vm' is not implemented yet (use platform = native)");
    T_ASSERT(plat_find(99) == NULL);
    char st[96];
    plat_status_text(9, st, sizeof st);
    T_EQ_STR(st, "killed by signal 9 (Killed)");
    plat_status_text(3 << 8, st, sizeof st);
    T_EQ_STR(st, "exited with status 3");
}
