/* t_job.c — the option table, value parsers and the job-file reader. */
#include "test.h"
#include "job/job.h"
#include "drive/proto.h"
#include "platform/platform.h"

#include <stdlib.h>

static char errbuf[8192];

/* Loads text as a job file into j (zeroed, or loaded before); errors go
 * to errbuf.  Returns the count. */
static int load(struct job *j, const char *text)
{
    FILE *f = fmemopen(errbuf, sizeof errbuf, "w");
    job_free(j);                    /* j: zeroed, or loaded before */
    int n = job_load_text(j, "t.ini", text, strlen(text), f);
    fclose(f);
    return n;
}

TEST(job_units)
{
    char e[256];
    int64_t v;
    double d;
    T_EQ_INT(opt_parse_duration("250ms", &v, e, sizeof e), 0); T_EQ_INT(v, 250000000);
    T_EQ_INT(opt_parse_duration("2m", &v, e, sizeof e), 0);    T_EQ_INT(v, 120000000000LL);
    T_EQ_INT(opt_parse_duration("1.5", &v, e, sizeof e), 0);   T_EQ_INT(v, 1500000000);
    T_EQ_INT(opt_parse_duration("10us", &v, e, sizeof e), 0);  T_EQ_INT(v, 10000);
    T_EQ_INT(opt_parse_duration("10kb", &v, e, sizeof e), -1);
    T_ASSERT(strstr(e, "bad unit 'kb'"));
    T_EQ_INT(opt_parse_duration("-1s", &v, e, sizeof e), -1);
    T_EQ_INT(opt_parse_size("64MiB", &v, e, sizeof e), 0);     T_EQ_INT(v, 64 << 20);
    T_EQ_INT(opt_parse_size("2k", &v, e, sizeof e), 0);        T_EQ_INT(v, 2048);
    T_EQ_INT(opt_parse_size("1.5GiB", &v, e, sizeof e), 0);    T_EQ_INT(v, 3LL << 29);
    T_EQ_INT(opt_parse_size("12 parsecs", &v, e, sizeof e), -1);
    T_EQ_INT(opt_parse_int("3k", &v, e, sizeof e), 0);         T_EQ_INT(v, 3000);
    T_EQ_INT(opt_parse_int("2M", &v, e, sizeof e), 0);         T_EQ_INT(v, 2000000);
    T_EQ_INT(opt_parse_int("2.5", &v, e, sizeof e), -1);
    T_EQ_INT(opt_parse_int("", &v, e, sizeof e), -1);
    T_EQ_INT(opt_parse_int("0x10", &v, e, sizeof e), -1);
    T_EQ_INT(opt_parse_rate("200/s", &d, e, sizeof e), 0);     T_NEAR(d, 200, 0);
    T_EQ_INT(opt_parse_rate("1.5k/s", &d, e, sizeof e), 0);    T_NEAR(d, 1500, 0);
    T_EQ_INT(opt_parse_rate("600/m", &d, e, sizeof e), 0);     T_NEAR(d, 10, 1e-12);
    T_EQ_INT(opt_parse_rate("5", &d, e, sizeof e), 0);         T_NEAR(d, 5, 0);
    T_EQ_INT(opt_parse_rate("5/fortnight", &d, e, sizeof e), -1);
    T_EQ_INT(opt_parse_percent("30%", &d, e, sizeof e), 0);    T_NEAR(d, 30, 0);
    T_EQ_INT(opt_parse_percent("101%", &d, e, sizeof e), -1);
}

TEST(job_qos_expressions)
{
    char e[256], s[256];
    struct qos q;
    T_EQ_INT(opt_parse_qos("p95<=300ms,p99<=1s,errors<=0.5%", &q, e, sizeof e), 0);
    T_EQ_INT(q.n, 3);
    T_EQ_INT(q.c[0].kind, QOS_PCTL); T_NEAR(q.c[0].pct, 95, 0); T_EQ_INT(q.c[0].limit_ns, 300000000);
    T_EQ_INT(q.c[1].limit_ns, 1000000000);
    T_EQ_INT(q.c[2].kind, QOS_ERRORS); T_NEAR(q.c[2].limit_pct, 0.5, 0);
    T_EQ_STR(opt_fmt_qos(s, sizeof s, &q), "p95<=300ms,p99<=1s,errors<=0.5%");
    T_EQ_INT(opt_parse_qos(" p99.9 < 2s , mean<=10ms, max<=5s ", &q, e, sizeof e), 0);
    T_EQ_INT(q.n, 3);
    T_NEAR(q.c[0].pct, 99.9, 1e-9); T_EQ_INT(q.c[0].strict, 1);
    T_EQ_INT(q.c[1].kind, QOS_MEAN); T_EQ_INT(q.c[2].kind, QOS_MAX);
    T_EQ_INT(opt_parse_qos("none", &q, e, sizeof e), 0); T_EQ_INT(q.n, 0);
    const char *bad[] = { "p95", "p95<=", "p95=>3s", "p100<=1s", "p0<=1s", "px<=1s",
                          "latency<=1s", "errors<=200%", "p95<=3s,,p99<=5s", "p95<=0s",
                          "p95<=3 parsecs", "p95>=3s",
                          "p1<=1s,p2<=1s,p3<=1s,p4<=1s,p5<=1s,p6<=1s,p7<=1s,p8<=1s,p9<=1s" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e[0] = '\0';
        if (opt_parse_qos(bad[i], &q, e, sizeof e) != -1 || !e[0])
            t_fail(__FILE__, __LINE__, "QoS '%s' accepted", bad[i]);
    }
}

TEST(job_defaults_and_overrides)
{
    struct job *j = calloc(1, sizeof *j);
    T_EQ_INT(load(j, "[global]\nsets = 4\nmeasure = 2m\n; comment\n# comment\n"
                     "[web]\nrate = 120/s\nqos = p95<=300ms\n\n[idle]\n"), 0);
    T_EQ_INT(j->sets, 4);
    T_EQ_INT(j->measure, 120000000000LL);
    T_EQ_INT(j->ramp_up, 10000000000LL);                 /* default */
    T_NEAR(j->role[ROLE_WEB].rate, 120, 0);
    T_EQ_INT(j->role[ROLE_WEB].qos.n, 1);
    T_NEAR(j->role[ROLE_IMAP].rate, 20, 0);              /* per-role default */
    T_EQ_INT(j->role[ROLE_DB].port, 5432);
    T_NEAR(j->role[ROLE_WEB].nfs_share, 30, 0);
    job_free(j);
    free(j);
}

/* One error per problem, each FILE:LINE:, and the count returned. */
TEST(job_error_paths)
{
    struct job *j = calloc(1, sizeof *j);
    static const struct { const char *text, *want; } cases[] = {
        { "[global]\nsetz = 3\n", "t.ini:2: unknown option 'setz' (did you mean 'sets'?)" },
        { "[global]\nmeasure = 10kb\n", "t.ini:2: measure: bad unit 'kb'" },
        { "[global]\nsets = 65\n", "t.ini:2: sets=65 is out of range (1..64)" },
        { "[web]\nqos = p95<3x\n", "t.ini:2: qos: bad unit 'x'" },
        { "[web]\nqos = fast\n", "t.ini:2: qos: QoS clause 'fast' has no '<=' or '<'" },
        { "[web]\n[web]\n", "t.ini:2: duplicate section [web] (first at line 1)" },
        { "[bogus]\nx=1\n", "t.ini:1: unknown section [bogus]" },
        { "sets = 1\n", "t.ini:1: option 'sets' before any section" },
        { "[global]\njunk\n", "t.ini:2: expected 'name = value' or '[section]'" },
        { "[global]\n[oops\n", "t.ini:2: malformed section header" },
        { "[db]\nrate = 5/s\n", "t.ini:2: option 'rate' does not belong in [db] (it belongs in "
          "[web], [imap], [app], [idle])" },
        { "[global]\nplatform = container\n[platform]\nruntime = crun\nruntime = runc\n",
          "t.ini:5: option 'runtime' already set at line 4" },
        { "[global]\nplatform = container\n[platform]\nruntime = docker\n",
          "t.ini:4: runtime=docker is not one of: auto, crun, runc" },
        { "[global]\nsets = 2\nsets = 3\n", "t.ini:3: option 'sets' already set at line 2" },
        { "[global]\nplatform = xen\n", "t.ini:2: platform=xen is not one of: native, container, vm, libvirt" },
        { "[imap]\nsync = maybe\n", "t.ini:2: sync=maybe is not a boolean" },
        { "[global]\nseed = -4\n", "t.ini:2: seed=-4 is not an unsigned number" },
        { "[web]\nconnections = 0\n", "t.ini:2: connections=0 is out of range (1..10000)" },
        { "[web]\nrate = 1/s\nconnections = 5000\n", "t.ini:1: [web] connections=5000 is more than 1000 x rate" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = load(j, cases[i].text);
        if (n != 1 || strncmp(errbuf, cases[i].want, strlen(cases[i].want)) != 0)
            t_fail(__FILE__, __LINE__, "case %zu: %d errors, got '%s', want '%s'", i, n,
                   errbuf, cases[i].want);
    }
    /* several problems: one line each */
    T_EQ_INT(load(j, "[global]\nsetz=1\nmeasure=1y\n[web]\nrate=-1\nqos=p95\n"), 4);
    int lines = 0;
    for (char *p = errbuf; (p = strstr(p, "t.ini:")); p++) lines++;
    T_EQ_INT(lines, 4);
    job_free(j);
    free(j);
}

TEST(job_roles_subset)
{
    struct job *j = calloc(1, sizeof *j);
    T_EQ_INT(load(j, "[global]\nroles = idle, web\n[web]\nnfs_share = 0\n"), 0);
    T_ASSERT(job_has_role(j, ROLE_IDLE) && job_has_role(j, ROLE_WEB));
    T_ASSERT(!job_has_role(j, ROLE_APP) && !job_has_role(j, ROLE_DB));
    T_EQ_INT(load(j, "[global]\n"), 0);
    T_EQ_INT(j->role_mask, (1u << ROLE_COUNT) - 1);
    T_EQ_INT(load(j, "[global]\nroles = app\n"), 1);
    T_ASSERT(strstr(errbuf, "t.ini:2: roles: app needs db"));
    T_EQ_INT(load(j, "[global]\nroles = web\n"), 1);
    T_ASSERT(strstr(errbuf, "t.ini:2: roles: web with nfs_share > 0 needs nfs"));
    T_EQ_INT(load(j, "[global]\nroles = web,mail\n"), 2);
    T_ASSERT(strstr(errbuf, "t.ini:2: roles: unknown role 'mail'"));
    job_free(j);
    free(j);
}

static void help_has(const struct opt_def *o, void *ctx)
{
    char needle[64];
    snprintf(needle, sizeof needle, "| `%s` |", o->name);
    if (!strstr(ctx, needle)) t_fail(__FILE__, __LINE__, "help lacks %s", o->name);
}

TEST(job_help_lists_every_option)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    job_print_help(f, JOB_HELP_MARKDOWN);
    fclose(f);
    for (int sec = 0; sec < JOB_NSEC; sec++) job_section_each(1u << sec, help_has, out);
    T_ASSERT(strstr(out, "| `docroot_size` |") && strstr(out, "| `pool` |"));
    free(out);
}

/* Every row of the role table is complete: what a new role must fill in. */
TEST(role_rows_complete)
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct role_def *rd = role_def(r);
        T_EQ_INT(rd->id, r);
        T_ASSERT(strlen(role_names[r]) <= ROLE_NAME_MAX);
        T_ASSERT(rd->ops && rd->ops->serve && !strcmp(rd->ops->name, role_names[r]));
        T_ASSERT(rd->cause_label && strstr(rd->cause_label, role_names[r]));
        T_ASSERT(rd->defaults[0].opt);                  /* at least its port */
        T_ASSERT(!rd->size_opts == !rd->describe);      /* a data set is described */
        T_ASSERT(rd->data_of < 0 || role_def(rd->data_of)->size_opts);
        T_ASSERT(rd->peer < 0 || rd->peer_rule);        /* a missing peer is explained */
        T_ASSERT(!rd->driven == !drive_proto_for(r));   /* driven roles have a client */
    }
}

/* The [platform] options are the chosen platform's own struct, allocated
 * at its size: a copy owns its own, a refused job keeps none. */
TEST(job_platform_options_owned)
{
    struct job *j = calloc(1, sizeof *j), *c = calloc(1, sizeof *c);
    T_EQ_INT(load(j, "[global]\nplatform = vm\n[platform]\nmachine = q35\n"), 0);
    T_ASSERT(j->plat_opt != NULL);
    job_copy(c, j);
    T_ASSERT(c->plat_opt != NULL && c->plat_opt != j->plat_opt);
    const struct platform_ops *ops = plat_find(j->platform);
    T_ASSERT(memcmp(c->plat_opt, j->plat_opt, ops->opt_size) == 0);
    job_free(j);
    T_ASSERT(j->plat_opt == NULL);
    T_EQ_INT(load(j, "[global]\nplatform = vm\n[platform]\nmachine = nope\n"), 1);
    T_ASSERT(j->plat_opt == NULL);
    T_EQ_INT(load(j, "[global]\n"), 0);             /* native: no options */
    T_ASSERT(j->plat_opt == NULL);
    job_free(c);
    free(c);
    job_free(j);
    free(j);
}

/* software: [global] sets every role whose section says nothing; a role
 * section overrides it; roles and platforms without real software refuse
 * it with the reason (docs/real-servers.md). */
TEST(job_software)
{
    struct job j = { 0 };
    T_EQ_INT(load(&j, "[global]\nroles = db,imap,idle\nsoftware = real\n[idle]\nsoftware = builtin\n"),
             0);
    T_EQ_INT(j.role[ROLE_DB].software, ROLE_SW_REAL);
    T_EQ_INT(j.role[ROLE_IMAP].software, ROLE_SW_REAL);
    T_EQ_INT(j.role[ROLE_IDLE].software, ROLE_SW_BUILTIN);
    T_EQ_INT(load(&j, "[global]\nroles = db,imap\n[db]\nsoftware = real\n"), 0);
    T_EQ_INT(j.role[ROLE_DB].software, ROLE_SW_REAL);
    T_EQ_INT(j.role[ROLE_IMAP].software, ROLE_SW_BUILTIN);
    T_EQ_INT(load(&j, "[global]\nroles = app,db\n[app]\nsoftware = real\n"), 1);
    T_ASSERT(strstr(errbuf, "t.ini:4: app: software = real is not built yet (real servers: imap, db)"));
    T_EQ_INT(load(&j, "[global]\nroles = db\nsoftware = real\nplatform = container\n"), 1);
    T_ASSERT(strstr(errbuf, "t.ini:3: platform container: real software is not built yet"));
    T_EQ_INT(load(&j, "[global]\nroles = db\n[db]\nsoftware = maybe\n"), 1);
    T_EQ_INT(load(&j, "[global]\nsoftware = real\nsoftware = builtin\n"), 1);
    T_ASSERT(strstr(errbuf, "already set at line 2"));
    job_free(&j);
}
