/* job.c — the job-file option table, loading and validation; see job.h. */
#include "job/job.h"
#include "job/ini.h"
#include "core/roff.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *const role_names[] = { "web", "imap", "app", "db", "nfs", "idle" };
_Static_assert(sizeof role_names / sizeof role_names[0] == ROLE_COUNT,
               "role_names: one name per value");
const char *const arrival_names[] = { "constant", "poisson", NULL };

int role_find(const char *name)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        if (strcmp(role_names[r], name) == 0) return r;
    return -1;
}

#define G(f)  offsetof(struct job, f)
#define R(f)  offsetof(struct job_role, f)
#define SG    JOB_SEC_GLOBAL
#define SR(r) JOB_SEC_ROLE(r)
#define S_DRIVEN (SR(ROLE_WEB) | SR(ROLE_IMAP) | SR(ROLE_APP) | SR(ROLE_IDLE))
#define NS 1e9
#define P(f)  offsetof(struct job_profile, f)
#define SP    JOB_SEC_PROFILE

/* Options of [global] have offsets into struct job; options of the role
 * sections into struct job_role.  Role defaults that differ from the
 * default here are in role_defaults below. */
const struct opt_def job_table[] = {
    { "name", OPT_STR, G(name), sizeof ((struct job *)0)->name, "hostmix", OPT_NO_RANGE, NULL, SG,
      "name of the experiment, copied into results" },
    { "sets", OPT_INT, G(sets), 0, "1", 1, 64, NULL, SG,
      "number of sets; each set is one server of each of the six roles" },
    { "platform", OPT_ENUM, G(platform), 0, "native", OPT_NO_RANGE, platform_names, SG,
      "where servers run" },
    { "ramp_up", OPT_DURATION, G(ramp_up), 0, "10s", 0, 3600 * NS, NULL, SG,
      "load before measuring; excluded from results" },
    { "measure", OPT_DURATION, G(measure), 0, "60s", 1 * NS, 24 * 3600 * NS, NULL, SG,
      "the measurement interval" },
    { "ramp_down", OPT_DURATION, G(ramp_down), 0, "5s", 0, 3600 * NS, NULL, SG,
      "load after measuring; excluded from results" },
    { "sample_interval", OPT_DURATION, G(sample_interval), 0, "1s", 0.1 * NS, 60 * NS, NULL, SG,
      "how often host and server CPU are sampled" },
    { "seed", OPT_U64, G(seed), 0, "1", OPT_NO_RANGE, NULL, SG,
      "seed of data sets and request mixes; same seed, same bytes and sequence" },
    { "output", OPT_STR, G(output), sizeof ((struct job *)0)->output, "results", OPT_NO_RANGE, NULL, SG,
      "directory that receives result.json and the text report" },
    { "data_dir", OPT_STR, G(data_dir), sizeof ((struct job *)0)->data_dir, JOB_DATA_DIR,
      OPT_NO_RANGE, NULL, SG, "cache of prepared data sets, keyed by role, seed and size, and of guest "
      "kernels, initramfs archives and container roots; trusted, so refused when another "
      "user could steer it (a path component not owned by root or this user, a directory "
      "writable by group or others that is not sticky, or the cache itself writable by others)" },
    { "driver_threads", OPT_INT, G(driver_threads), 0, "1", 1, 64, NULL, SG,
      "load driver threads (each runs one event loop)" },
    { "repeat", OPT_INT, G(repeat), 0, "1", 1, 100, NULL, SG,
      "runs of the job (servers restarted, data reset each time): mean, standard deviation "
      "and 95% confidence interval of the CPU figures; compare tests significance" },
    { "max_stddev", OPT_PERCENT, G(max_stddev), 0, "0%", 0, 100, NULL, SG,
      "with repeat: the run is invalid when the standard deviation of system-under-test CPU "
      "(the servers' own when that is 0 in every run) exceeds this share of its mean (0%: no "
      "bound)" },

    { "allow_overlap", OPT_BOOL, G(allow_overlap), 0, "no", OPT_NO_RANGE, NULL, SG,
      "run even while another hostmix run holds the host (by default a run refuses, naming "
      "the holder, or waits with --wait): both measure each other's CPU, and both results are "
      "marked overlapped" },
    { "roles", OPT_STR, G(roles), sizeof ((struct job *)0)->roles, "web,imap,app,db,nfs,idle",
      OPT_NO_RANGE, NULL, SG, "roles deployed in every set (a subset for partial experiments; "
      "app needs db, web with nfs_share > 0 needs nfs)" },

    { "rate", OPT_RATE, R(rate), 0, "10/s", 0.01, 1e6, NULL, S_DRIVEN,
      "requests per second per set (open loop, fixed)" },
    { "connections", OPT_INT, R(connections), 0, "4", 1, 10000, NULL, S_DRIVEN,
      "driver connections per set" },
    { "arrival", OPT_ENUM, R(arrival), 0, "constant", OPT_NO_RANGE, arrival_names, S_DRIVEN,
      "request spacing: constant throughput or Poisson arrivals" },
    { "qos", OPT_QOS, R(qos), 0, "p95<=1s,errors<=1%", OPT_NO_RANGE, NULL, S_DRIVEN,
      "response-time requirement, e.g. p95<=300ms,p99<=1s,errors<=0.5%" },
    { "vcpus", OPT_INT, R(vcpus), 0, "1", 1, 256, NULL, JOB_SEC_ROLES,
      "virtual CPUs of the server's guest (vm and container platforms)" },
    { "memory", OPT_SIZE, R(memory), 0, "512MiB", 16 << 20, 1024.0 * (1 << 30), NULL, JOB_SEC_ROLES,
      "memory of the server's guest (vm and container platforms)" },
    { "port", OPT_INT, R(port), 0, NULL, 1, 65535, NULL, JOB_SEC_ROLES,
      "TCP port the server listens on" },
    { "docroot_size", OPT_SIZE, R(docroot_size), 0, "64MiB", 1 << 20, 1024.0 * (1 << 30), NULL,
      SR(ROLE_WEB), "docroot bytes per set, local and nfs-backed together" },
    { "nfs_share", OPT_PERCENT, R(nfs_share), 0, "30%", OPT_NO_RANGE, NULL, SR(ROLE_WEB),
      "share of the docroot that lives on the set's nfs server" },
    { "nfs_cache", OPT_SIZE, R(nfs_cache), 0, "4MiB", 0, 1024.0 * (1 << 20), NULL, SR(ROLE_WEB),
      "web's cache of nfs-backed files (0: every read goes to nfs)" },
    { "users", OPT_INT, R(users), 0, "100", 1, 1e6, NULL, SR(ROLE_IMAP),
      "mail users per set" },
    { "messages", OPT_INT, R(messages), 0, "50", 0, 1e5, NULL, SR(ROLE_IMAP),
      "messages in each user's INBOX when prepared" },
    { "customers", OPT_INT, R(customers), 0, "7500", 10, 1e8, NULL, SR(ROLE_DB),
      "customers per set (SPECjAppServer2004: 7,500 per unit of injection rate)" },
    { "items", OPT_INT, R(items), 0, "1000", 10, 1e7, NULL, SR(ROLE_DB),
      "catalogue items per set" },
    { "sync", OPT_BOOL, R(sync), 0, "yes", OPT_NO_RANGE, NULL, SR(ROLE_DB) | SR(ROLE_IMAP),
      "fsync on commit (db) or on APPEND (imap)" },
    { "pool", OPT_INT, R(pool), 0, "4", 1, 256, NULL, SR(ROLE_APP),
      "db connections in the app server's pool" },

    { "enabled", OPT_BOOL, P(enabled), 0, "no", OPT_NO_RANGE, NULL, SP,
      "profile the measurement interval: perf samples grouped by cause, context switches "
      "with reasons, VM exits (docs/profile.md)" },
    { "frequency", OPT_INT, P(frequency), 0, "499", 1, 20000, NULL, SP,
      "perf samples per second per CPU (bench/profile.sh measures the cost)" },
    { "event", OPT_STR, P(event), sizeof ((struct job_profile *)0)->event, "cpu-clock",
      OPT_NO_RANGE, NULL, SP, "the sampling event (cpu-clock works without a hardware PMU)" },
    { "sched", OPT_BOOL, P(sched), 0, "yes", OPT_NO_RANGE, NULL, SP,
      "record sched_switch and sched_waking: why tasks switch and who wakes them (most of "
      "the profile's cost: docs/profile.md)" },
    { "sched_period", OPT_INT, P(sched_period), 0, "32", 1, 65536, NULL, SP,
      "record one in N scheduler events with its kernel stack: the reasons are a sample, "
      "counts come from /proc; 1 records every one (exact, about 2.7 us each: docs/profile.md)" },
    { "kvm", OPT_BOOL, P(kvm), 0, "yes", OPT_NO_RANGE, NULL, SP,
      "record kvm_exit and kvm_entry where the host runs KVM: VM exits by reason" },
    { "top", OPT_INT, P(top), 0, "25", 1, 25, NULL, SP, "rows of the top functions table" },
    { "causes", OPT_STR, P(causes), sizeof ((struct job_profile *)0)->causes, "", OPT_NO_RANGE,
      NULL, SP, "a cause table tried before the built-in one (format: docs/profile.md)" },
    { "perf", OPT_STR, P(perf), sizeof ((struct job_profile *)0)->perf, "perf", OPT_NO_RANGE,
      NULL, SP, "the perf program (a path, or a name looked up in PATH)" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* Defaults that differ by role.  Rates and QoS follow the published
 * workloads (docs/job-file.md says where each comes from). */
static const struct { int role; const char *opt, *val; } role_defaults[] = {
    { ROLE_WEB,  "rate", "60/s" },  { ROLE_WEB,  "connections", "16" },
    { ROLE_WEB,  "qos", "p95<=3s,p99<=5s,errors<=1%" },
    { ROLE_WEB,  "port", "8080" },  { ROLE_WEB,  "vcpus", "2" }, { ROLE_WEB, "memory", "1GiB" },
    { ROLE_IMAP, "rate", "20/s" },  { ROLE_IMAP, "connections", "8" },
    { ROLE_IMAP, "qos", "p95<=1s,p99<=2s,errors<=1%" }, { ROLE_IMAP, "port", "1143" },
    { ROLE_APP,  "rate", "20/s" },  { ROLE_APP,  "connections", "8" },
    { ROLE_APP,  "qos", "p90<=2s,errors<=1%" }, { ROLE_APP, "port", "8000" },
    { ROLE_APP,  "vcpus", "2" },    { ROLE_APP,  "memory", "2GiB" },
    { ROLE_DB,   "port", "5432" },  { ROLE_DB,   "memory", "1GiB" },
    { ROLE_NFS,  "port", "2049" },
    { ROLE_IDLE, "rate", "1/s" },   { ROLE_IDLE, "connections", "1" },
    { ROLE_IDLE, "qos", "p99<=1s,errors<=0%" }, { ROLE_IDLE, "port", "7000" },
    { ROLE_IDLE, "memory", "256MiB" },
};

static void *job_slot_base(struct job *j, unsigned section)
{
    if (section == JOB_SEC_GLOBAL) return j;
    if (section == JOB_SEC_PROFILE) return &j->profile;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (section == JOB_SEC_ROLE(r)) return &j->role[r];
    return NULL;
}

void job_defaults(struct job *j)
{
    memset(j, 0, sizeof *j);
    opt_defaults(job_table, j, JOB_SEC_GLOBAL);
    j->role_mask = (1u << ROLE_COUNT) - 1;
    opt_defaults(job_table, &j->profile, JOB_SEC_PROFILE);
    for (int r = 0; r < ROLE_COUNT; r++) {
        opt_defaults(job_table, &j->role[r], JOB_SEC_ROLE(r));
        for (size_t i = 0; i < sizeof role_defaults / sizeof role_defaults[0]; i++) {
            char err[128];
            if (role_defaults[i].role != r) continue;
            opt_set(opt_find(job_table, role_defaults[i].opt), &j->role[r],
                    role_defaults[i].val, err, sizeof err);
        }
    }
}

/* ---- loading ------------------------------------------------------- */

struct job_ctx {
    struct job *j;
    const char *file;
    FILE *errs;
    unsigned section;           /* 0 before the first section header */
    int section_line[JOB_NSEC];
    int errors;
    /* line each option was set at, per section, to report duplicates */
    int set_line[JOB_NSEC][64];
    /* [platform] lines, applied once the platform is known */
    int nplat, plat_line;
    struct { int line; char key[64], val[256]; } plat[32];
};

static void job_err(struct job_ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void job_err(struct job_ctx *c, int line, const char *fmt, ...)
{
    va_list ap;
    if (line > 0) fprintf(c->errs, "%s:%d: ", c->file, line);
    else fprintf(c->errs, "%s: ", c->file);
    va_start(ap, fmt);
    vfprintf(c->errs, fmt, ap);
    va_end(ap);
    fputc('\n', c->errs);
    c->errors++;
}

static int section_index(unsigned section)
{
    for (int i = 0; i < JOB_NSEC; i++)
        if (section == 1u << i) return i;
    return -1;
}

static int on_section(void *ctx, int line, const char *name)
{
    struct job_ctx *c = ctx;
    int r = role_find(name);
    if (strcmp(name, "platform") == 0) {
        if (c->plat_line) {
            job_err(c, line, "duplicate section [platform] (first at line %d)", c->plat_line);
            c->section = 0x80000000u;
            return 0;
        }
        c->plat_line = line;
        c->section = JOB_SEC_PLATFORM;
        return 0;
    }
    unsigned sec = strcmp(name, "global") == 0 ? JOB_SEC_GLOBAL : r >= 0 ? JOB_SEC_ROLE(r)
                 : strcmp(name, "profile") == 0 ? JOB_SEC_PROFILE : 0;
    if (!sec) {
        job_err(c, line, "unknown section [%s] (use global, platform, profile, web, imap, app, db, "
                "nfs or idle)", name);
        c->section = 0x80000000u;   /* swallow its options silently */
        return 0;
    }
    int idx = section_index(sec);
    if (c->section_line[idx]) {
        job_err(c, line, "duplicate section [%s] (first at line %d)", name, c->section_line[idx]);
        c->section = 0x80000000u;
        return 0;
    }
    c->section_line[idx] = line;
    c->section = sec;
    return 0;
}

static const char *section_name(unsigned sec)
{
    int i = section_index(sec);
    if (sec == JOB_SEC_PROFILE) return "profile";
    if (sec == JOB_SEC_PLATFORM) return "platform";
    return i == 0 ? "global" : role_names[i - 1];
}

/* Lists the sections that accept an option, for "belongs in" hints. */
static void sections_of(const struct opt_def *o, char *dst, size_t n)
{
    size_t len = 0;
    dst[0] = '\0';
    for (int i = 0; i < JOB_NSEC && len < n; i++)
        if ((o->sections & (1u << i)) && (1u << i) != JOB_SEC_PLATFORM)
            len += (size_t)snprintf(dst + len, n - len, "%s[%s]", len ? ", " : "",
                                    section_name(1u << i));
}

static int on_pair(void *ctx, int line, const char *key, const char *val)
{
    struct job_ctx *c = ctx;
    if (c->section == 0x80000000u) return 0;
    if (c->section == 0) {
        job_err(c, line, "option '%s' before any section (start with [global])", key);
        return 0;
    }
    if (c->section == JOB_SEC_PLATFORM) {
        if (c->nplat == (int)(sizeof c->plat / sizeof c->plat[0])) {
            job_err(c, line, "too many options in [platform]");
            return 0;
        }
        c->plat[c->nplat].line = line;
        snprintf(c->plat[c->nplat].key, sizeof c->plat[0].key, "%s", key);
        snprintf(c->plat[c->nplat].val, sizeof c->plat[0].val, "%s", val);
        c->nplat++;
        return 0;
    }
    const struct opt_def *o = opt_find(job_table, key);
    if (!o) {
        const char *s = opt_suggest(job_table, key);
        if (s) job_err(c, line, "unknown option '%s' (did you mean '%s'?)", key, s);
        else job_err(c, line, "unknown option '%s' (see 'hostmix help job')", key);
        return 0;
    }
    if (!(o->sections & c->section)) {
        char where[128];
        sections_of(o, where, sizeof where);
        job_err(c, line, "option '%s' does not belong in [%s] (it belongs in %s)", key,
                section_name(c->section), where);
        return 0;
    }
    int si = section_index(c->section), oi = (int)(o - job_table);
    if (c->set_line[si][oi]) {
        job_err(c, line, "option '%s' already set at line %d", key, c->set_line[si][oi]);
        return 0;
    }
    c->set_line[si][oi] = line;
    char err[256] = "";
    if (opt_set(o, job_slot_base(c->j, c->section), val, err, sizeof err))
        job_err(c, line, "%s", err);
    return 0;
}

static void on_syntax(void *ctx, int line, const char *msg)
{
    job_err(ctx, line, "%s", msg);
}

int job_has_role(const struct job *j, int r)
{
    return (j->role_mask >> r) & 1u;
}

/* Turns the "roles" list into role_mask; complains about unknown names. */
static void job_parse_roles(struct job_ctx *c)
{
    struct job *j = c->j;
    char copy[sizeof j->roles];
    int line = c->set_line[0][opt_find(job_table, "roles") - job_table];
    snprintf(copy, sizeof copy, "%s", j->roles);
    j->role_mask = 0;
    for (char *save = NULL, *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        int r = role_find(t);
        if (r < 0) job_err(c, line, "roles: unknown role '%s' (web, imap, app, db, nfs, idle)", t);
        else j->role_mask |= 1u << r;
    }
    if (!j->role_mask) job_err(c, line, "roles: no role given");
    if (job_has_role(j, ROLE_APP) && !job_has_role(j, ROLE_DB))
        job_err(c, line, "roles: app needs db in the same set");
    if (job_has_role(j, ROLE_WEB) && !job_has_role(j, ROLE_NFS) && j->role[ROLE_WEB].nfs_share > 0)
        job_err(c, line, "roles: web with nfs_share > 0 needs nfs (or set nfs_share = 0)");
}

/* Applies the [platform] lines with the chosen platform's own table. */
static void job_platform_options(struct job_ctx *c)
{
    struct job *j = c->j;
    size_t size = 0;
    const struct opt_def *t = job_platform_opts(j->platform, &size);
    memset(j->plat_opt, 0, sizeof j->plat_opt);
    if (t) opt_defaults(t, j->plat_opt, JOB_SEC_PLATFORM);
    for (int i = 0; i < c->nplat; i++) {
        const char *key = c->plat[i].key;
        const struct opt_def *o = t ? opt_find(t, key) : NULL;
        if (!o) {
            const char *sug = t ? opt_suggest(t, key) : NULL;
            if (sug) job_err(c, c->plat[i].line, "[platform] unknown option '%s' of platform %s "
                             "(did you mean '%s'?)", key, platform_names[j->platform], sug);
            else job_err(c, c->plat[i].line, "[platform] platform %s has no option '%s' (see "
                         "'hostmix help job')", platform_names[j->platform], key);
            continue;
        }
        for (int k = 0; k < i; k++)
            if (strcmp(c->plat[k].key, key) == 0) {
                job_err(c, c->plat[i].line, "option '%s' already set at line %d", key,
                        c->plat[k].line);
                key = NULL;
                break;
            }
        char err[256] = "";
        if (key && opt_set(o, j->plat_opt, c->plat[i].val, err, sizeof err))
            job_err(c, c->plat[i].line, "%s", err);
    }
}

/* Checks that concern more than one option. */
static void job_validate(struct job_ctx *c)
{
    struct job *j = c->j;
    job_parse_roles(c);
    job_platform_options(c);
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (role_is_driven(r) && j->role[r].connections > j->role[r].rate * 1000)
            job_err(c, c->section_line[r + 1], "[%s] connections=%lld is more than 1000 x rate",
                    role_names[r], (long long)j->role[r].connections);
    }
}

int job_load_text(struct job *j, const char *name, const char *text, size_t len, FILE *errs)
{
    struct job_ctx *c = calloc(1, sizeof *c);
    if (!c) abort();
    static const struct ini_handler h = { on_section, on_pair, on_syntax };
    job_defaults(j);
    snprintf(j->path, sizeof j->path, "%s", name);
    c->j = j;
    c->file = name;
    c->errs = errs;
    ini_parse(text, len, &h, c);
    if (!c->errors) job_validate(c);
    int errors = c->errors;
    free(c);
    return errors;
}

int job_load(struct job *j, const char *path, FILE *errs)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(errs, "%s: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (16u << 20)) { fclose(f); free(text);
                fprintf(errs, "%s: job file larger than 16 MiB\n", path); return 1; }
            text = realloc(text, cap);
            if (!text) abort();
        }
        n = fread(text + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        fprintf(errs, "%s: read error\n", path);
        return 1;
    }
    int errors = job_load_text(j, path, text, len, errs);
    free(text);
    return errors;
}

/* ---- printing ------------------------------------------------------ */

void job_print(const struct job *j, FILE *f, job_addr_fn addr, const void *ctx)
{
    char a[32], b[32], c[32], d[32];
    fprintf(f, "experiment %s from %s\n", j->name, j->path);
    int per_set = __builtin_popcount(j->role_mask);
    fprintf(f, "  platform %s, %lld set%s = %lld servers (%lld idle), seed %llu\n",
            platform_names[j->platform], (long long)j->sets, j->sets == 1 ? "" : "s",
            (long long)j->sets * per_set, job_has_role(j, ROLE_IDLE) ? (long long)j->sets : 0,
            (unsigned long long)j->seed);
    if (per_set < ROLE_COUNT) fprintf(f, "  roles: %s (partial sets)\n", j->roles);
    fprintf(f, "  phases: ramp_up %s, measure %s, ramp_down %s; sample every %s\n",
            opt_fmt_duration(a, sizeof a, j->ramp_up), opt_fmt_duration(b, sizeof b, j->measure),
            opt_fmt_duration(c, sizeof c, j->ramp_down),
            opt_fmt_duration(d, sizeof d, j->sample_interval));
    fprintf(f, "  output %s, data cache %s\n", j->output, j->data_dir);
    if (j->profile.enabled)
        fprintf(f, "  profile: perf %s at %lld Hz per CPU%s%s over the measurement interval\n",
                j->profile.event, (long long)j->profile.frequency,
                !j->profile.sched ? "" : j->profile.sched_period == 1
                ? ", context switches with reasons (every one)"
                : ", context switches with reasons (a sample)",
                j->profile.kvm ? ", VM exits where KVM runs" : "");
    fputc('\n', f);
    fprintf(f, "  %-5s %-6s %-21s %10s %5s  %-8s %s\n", "set", "role", "address", "rate",
            "conns", "arrival", "qos");
    for (int s = 1; s <= j->sets; s++) {
        for (int r = 0; r < ROLE_COUNT; r++) {
            const struct job_role *jr = &j->role[r];
            char ip[48], where[64], q[160];
            if (!job_has_role(j, r)) continue;
            addr(ctx, s, r, ip, sizeof ip);
            snprintf(where, sizeof where, "%s:%lld", ip, (long long)jr->port);
            if (role_is_driven(r)) {
                snprintf(a, sizeof a, "%g/s", jr->rate);
                fprintf(f, "  %-5d %-6s %-21s %10s %5lld  %-8s %s\n", s, role_names[r], where, a,
                        (long long)jr->connections, arrival_names[jr->arrival],
                        opt_fmt_qos(q, sizeof q, &jr->qos));
            } else {
                fprintf(f, "  %-5d %-6s %-21s %10s %5s  %-8s %s\n", s, role_names[r], where,
                        "-", "-", "-", r == ROLE_DB ? "(serves app)" : "(serves web)");
            }
        }
    }
    double total = 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (role_is_driven(r) && job_has_role(j, r)) total += j->role[r].rate;
    fprintf(f, "\n  offered load: %g requests/s per set, %g in all\n", total, total * (double)j->sets);
    fprintf(f, "  data per set: web docroot %s (%g%% on nfs), imap %lld users x %lld messages, "
            "db %lld customers, %lld items\n",
            opt_fmt_size(a, sizeof a, j->role[ROLE_WEB].docroot_size), j->role[ROLE_WEB].nfs_share,
            (long long)j->role[ROLE_IMAP].users, (long long)j->role[ROLE_IMAP].messages,
            (long long)j->role[ROLE_DB].customers, (long long)j->role[ROLE_DB].items);
}

static const char *opt_type_name(enum opt_type t)
{
    switch (t) {
    case OPT_ENUM: return "enum";
    case OPT_QOS: return "qos";
    case OPT_DURATION: return "duration";
    case OPT_SIZE: return "size";
    case OPT_RATE: return "rate";
    case OPT_PERCENT: return "percent";
    case OPT_STR: return "string";
    case OPT_BOOL: return "bool";
    default: return "integer";
    }
}

/* One option as a man page entry (hostmix-job(5)): a tagged paragraph
 * of name, default, type and range, then the help text. */
static void job_help_man(FILE *f, const struct opt_def *o, const char *def, const char *range)
{
    fputs(".TP\n\\fB", f);
    roff_puts(f, o->name);
    fputs("\\fR", f);
    if (def[0]) {
        fputs(" = \\fI", f);
        roff_puts(f, def);
        fputs("\\fR", f);
    }
    fprintf(f, "  (%s%s", opt_type_name(o->type), range[0] ? "; " : "");
    roff_puts(f, range);
    fputs(")\n", f);
    roff_puts(f, o->help);
    fputc('\n', f);
}

/* Prints the options of table that section accepts, with their values at
 * base as defaults, under the heading title. */
static void job_help_section(FILE *f, enum job_help_fmt fmt, const char *title,
                             const struct opt_def *table, unsigned bit, const void *base)
{
    if (fmt == JOB_HELP_MARKDOWN)
        fprintf(f, "\n### %s\n\n| option | type | default | range | meaning |\n"
                   "|---|---|---|---|---|\n", title);
    else if (fmt == JOB_HELP_MAN)
        fprintf(f, ".SS \"%s\"\n", title);
    else
        fprintf(f, "\n%s\n", title);
    for (const struct opt_def *o = table; o->name; o++) {
        if (!(o->sections & bit)) continue;
        char def[160], range[80];
        opt_fmt_value(def, sizeof def, o, base);
        opt_fmt_range(range, sizeof range, o);
        if (fmt == JOB_HELP_MARKDOWN)
            fprintf(f, "| `%s` | %s | `%s` | %s | %s |\n", o->name, opt_type_name(o->type), def,
                    range, o->help);
        else if (fmt == JOB_HELP_MAN)
            job_help_man(f, o, def, range);
        else
            fprintf(f, "  %-16s = %-28s %s%s%s%s\n", o->name, def, o->help,
                    range[0] ? " (" : "", range, range[0] ? ")" : "");
    }
}

void job_print_help(FILE *f, enum job_help_fmt fmt)
{
    struct job dj;
    job_defaults(&dj);
    for (int sec = 0; sec <= ROLE_COUNT; sec++) {
        unsigned bit = 1u << sec;
        const void *base = sec == 0 ? (const void *)&dj : (const void *)&dj.role[sec - 1];
        char title[32];
        snprintf(title, sizeof title, "[%s]", section_name(bit));
        job_help_section(f, fmt, title, job_table, bit, base);
    }
    job_help_section(f, fmt, "[profile]", job_table, JOB_SEC_PROFILE, &dj.profile);
    for (int p = 0; platform_names[p]; p++) {
        size_t size = 0;
        const struct opt_def *t = job_platform_opts(p, &size);
        if (!t) continue;
        char title[64];
        snprintf(title, sizeof title, "[platform] (platform = %s)", platform_names[p]);
        memset(dj.plat_opt, 0, sizeof dj.plat_opt);
        opt_defaults(t, dj.plat_opt, JOB_SEC_PLATFORM);
        job_help_section(f, fmt, title, t, JOB_SEC_PLATFORM, dj.plat_opt);
    }
}
