/* job.c — the job-file option table, loading and validation; see job.h. */
#include "job/job.h"
#include "core/fs.h"
#include "core/strvec.h"
#include "job/ini.h"
#include "platform/platform.h"
#include "core/roff.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *const arrival_names[] = { "constant", "poisson", NULL };

#define G(f)  offsetof(struct job, f)
#define R(f)  offsetof(struct role_opts, f)
#define SG    JOB_SEC_GLOBAL
#define SR(r) JOB_SEC_ROLE(r)
#define S_DRIVEN JOB_SEC_DRIVEN
#define NS 1e9
#define P(f)  offsetof(struct job_profile, f)
#define SP    JOB_SEC_PROFILE

/* Options of [global] have offsets into struct job; options of the role
 * sections into struct role_opts.  Role defaults that differ from the
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
    { "data_dir", OPT_STR, G(data_dir), sizeof ((struct job *)0)->data_dir, HOSTMIX_DATA_DIR,
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
    { "software", OPT_ENUM, G(software), 0, "builtin", OPT_NO_RANGE, role_software_names, SG,
      "what serves every role whose section does not say: builtin (hostmix's own servers) or "
      "real (the real software, docs/real-servers.md)" },

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
    { "software", OPT_ENUM, R(software), 0, "builtin", OPT_NO_RANGE, role_software_names,
      JOB_SEC_ROLES, "builtin: hostmix's own server; real: the real software (db PostgreSQL 15, "
      "imap dovecot; native platform only; docs/real-servers.md); default: [global]'s" },

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
_Static_assert(sizeof job_table / sizeof job_table[0] <= JOB_ROWS_MAX, "job_table: JOB_ROWS_MAX");

/* The section bits that accept row o of job_table (S_DRIVEN stands for
 * the sections of the roles the role table marks driven). */
static unsigned job_sections(const struct opt_def *o)
{
    unsigned s = o->sections;
    if (!(s & JOB_SEC_DRIVEN)) return s;
    s &= ~JOB_SEC_DRIVEN;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (role_is_driven(r)) s |= JOB_SEC_ROLE(r);
    return s;
}

/* The section mask that selects role r's rows of job_table. */
static unsigned job_role_sections(int r)
{
    return JOB_SEC_ROLE(r) | (role_is_driven(r) ? JOB_SEC_DRIVEN : 0);
}

/* job_table's row named key that section accepts, else its first row of
 * that name (a name may have one row in [global] and one in the role
 * sections, as software), or NULL. */
static const struct opt_def *job_row_find(const char *key, unsigned section)
{
    const struct opt_def *first = NULL;
    for (const struct opt_def *o = job_table; o->name; o++) {
        if (strcmp(o->name, key) != 0) continue;
        if (job_sections(o) & section) return o;
        if (!first) first = o;
    }
    return first;
}

/* Every section any of job_table's rows named key belongs in. */
static unsigned job_row_sections(const char *key)
{
    unsigned w = 0;
    for (const struct opt_def *o = job_table; o->name; o++)
        if (strcmp(o->name, key) == 0) w |= job_sections(o);
    return w;
}

/* Option key's row as section accepts it: job_table's, else the row of
 * that role's own options, else another role's.  *where (if not NULL)
 * gets every section that accepts it.  NULL: no section knows key. */
static const struct opt_def *job_opt_find(const char *key, unsigned section, unsigned *where)
{
    const struct opt_def *o = job_row_find(key, section), *any = NULL, *mine = NULL;
    unsigned w = job_row_sections(key);
    for (int r = 0; !o && r < ROLE_COUNT; r++) {
        const struct opt_def *t = role_def(r)->opts, *ro = t ? opt_find(t, key) : NULL;
        if (!ro) continue;
        w |= JOB_SEC_ROLE(r);
        if (!any) any = ro;
        if (section == JOB_SEC_ROLE(r)) mine = ro;
    }
    if (where) *where = w;
    return o ? o : mine ? mine : any;
}

/* The nearest known option name to key, for "did you mean" (NULL: none). */
static const char *job_opt_suggest(const char *key)
{
    const char *s = opt_suggest(job_table, key);
    for (int r = 0; !s && r < ROLE_COUNT; r++)
        if (role_def(r)->opts) s = opt_suggest(role_def(r)->opts, key);
    return s;
}

void job_section_each(unsigned section, void (*fn)(const struct opt_def *o, void *ctx), void *ctx)
{
    for (const struct opt_def *o = job_table; o->name; o++)
        if (job_sections(o) & section) fn(o, ctx);
    for (int r = 0; r < ROLE_COUNT; r++)
        if (section == JOB_SEC_ROLE(r) && role_def(r)->opts)
            for (const struct opt_def *o = role_def(r)->opts; o->name; o++) fn(o, ctx);
}

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
        const struct role_def *rd = role_def(r);
        opt_defaults(job_table, &j->role[r], job_role_sections(r));
        if (rd->opts) opt_defaults(rd->opts, &j->role[r], 0);
        for (const struct role_default *d = rd->defaults; d->opt; d++) {
            char err[128];
            const struct opt_def *o = job_opt_find(d->opt, JOB_SEC_ROLE(r), NULL);
            if (!o || opt_set(o, &j->role[r], d->val, err, sizeof err)) abort();
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
    int set_line[JOB_NSEC][JOB_ROWS_MAX * 2];   /* job_table's rows, then the role's */
    /* [platform] lines, applied once the platform is known: their keys
     * and values (owned here, freed by job_load_text) and line numbers */
    int plat_line;
    struct strvec plat_key, plat_val;
    int plat_at[JOB_PLAT_LINES_MAX];
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
        job_err(c, line, "unknown section [%s] (use global, platform, profile, %s)", name,
                role_list());
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

/* Appends the sections that accept an option to dst, for "belongs in"
 * hints. */
static void sections_of(unsigned mask, struct buf *dst)
{
    for (int i = 0; i < JOB_NSEC; i++)
        if ((mask & (1u << i)) && (1u << i) != JOB_SEC_PLATFORM)
            buf_printf(dst, "%s[%s]", buf_used(dst) ? ", " : "", section_name(1u << i));
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
        if (c->plat_key.n == JOB_PLAT_LINES_MAX) {
            job_err(c, line, "too many options in [platform]");
            return 0;
        }
        c->plat_at[c->plat_key.n] = line;
        strvec_push(&c->plat_key, key);
        strvec_push(&c->plat_val, val);
        return 0;
    }
    unsigned where;
    const struct opt_def *o = job_opt_find(key, c->section, &where);
    if (!o) {
        const char *s = job_opt_suggest(key);
        if (s) job_err(c, line, "unknown option '%s' (did you mean '%s'?)", key, s);
        else job_err(c, line, "unknown option '%s' (see 'hostmix help job')", key);
        return 0;
    }
    if (!(where & c->section)) {
        struct buf names = BUF_INIT;
        sections_of(where, &names);
        job_err(c, line, "option '%s' does not belong in [%s] (it belongs in %s)", key,
                section_name(c->section), buf_cstr(&names));
        buf_free(&names);
        return 0;
    }
    int si = section_index(c->section);
    int oi = job_row_find(key, c->section) == o ? (int)(o - job_table)
           : JOB_ROWS_MAX + (int)(o - role_def(si - 1)->opts);
    if (oi >= JOB_ROWS_MAX * 2) abort();        /* a role with more rows than job_table may have */
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

void job_free(struct job *j)
{
    free(j->plat_opt);
    j->plat_opt = NULL;
}

void job_copy(struct job *dst, const struct job *src)
{
    const struct platform_ops *ops = plat_find(src->platform);
    *dst = *src;
    dst->plat_opt = NULL;
    if (!src->plat_opt) return;
    if (!(dst->plat_opt = malloc(ops->opt_size))) abort();
    memcpy(dst->plat_opt, src->plat_opt, ops->opt_size);
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
        if (r < 0) job_err(c, line, "roles: unknown role '%s' (%s)", t, role_list());
        else j->role_mask |= 1u << r;
    }
    if (!j->role_mask) job_err(c, line, "roles: no role given");
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct role_def *rd = role_def(r);
        if (job_has_role(j, r) && rd->peer >= 0 && !job_has_role(j, rd->peer) &&
            (!rd->needs_peer || rd->needs_peer(&j->role[r])))
            job_err(c, line, "roles: %s", rd->peer_rule);
    }
}

/* Applies the [platform] lines with the chosen platform's own table. */
static void job_platform_options(struct job_ctx *c)
{
    struct job *j = c->j;
    const struct platform_ops *ops = plat_find(j->platform);
    const struct opt_def *t = ops ? ops->opts : NULL;
    free(j->plat_opt);
    j->plat_opt = t ? calloc(1, ops->opt_size) : NULL;
    if (t && !j->plat_opt) abort();
    if (t) opt_defaults(t, j->plat_opt, 0);
    for (size_t i = 0; i < c->plat_key.n; i++) {
        const char *key = c->plat_key.v[i];
        int line = c->plat_at[i];
        const struct opt_def *o = t ? opt_find(t, key) : NULL;
        if (!o) {
            const char *sug = t ? opt_suggest(t, key) : NULL;
            if (sug) job_err(c, line, "[platform] unknown option '%s' of platform %s "
                             "(did you mean '%s'?)", key, platform_names[j->platform], sug);
            else job_err(c, line, "[platform] platform %s has no option '%s' (see "
                         "'hostmix help job')", platform_names[j->platform], key);
            continue;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(c->plat_key.v[k], key) == 0) {
                job_err(c, line, "option '%s' already set at line %d", key, c->plat_at[k]);
                key = NULL;
                break;
            }
        char err[256] = "";
        if (key && opt_set(o, j->plat_opt, c->plat_val.v[i], err, sizeof err))
            job_err(c, line, "%s", err);
    }
}

/* Each role's software: its section's, else [global]'s; real only where
 * the role has a real server and the platform runs real software. */
static void job_software(struct job_ctx *c)
{
    struct job *j = c->j;
    const struct platform_ops *ops = plat_find(j->platform);
    int oi = (int)(job_row_find("software", JOB_SEC_ROLE(0)) - job_table);
    int gline = c->set_line[0][(int)(job_row_find("software", JOB_SEC_GLOBAL) - job_table)];
    int told = 0;
    for (int r = 0; r < ROLE_COUNT; r++) {
        int line = c->set_line[r + 1][oi];
        if (!line) j->role[r].software = j->software;
        if (!job_has_role(j, r) || j->role[r].software != ROLE_SW_REAL) continue;
        if (!line) line = gline;
        if (!role_def(r)->real)
            job_err(c, line, "%s: software = real is not built yet (real servers: %s)",
                    role_names[r], role_real_list());
        else if (!(ops->caps & PLAT_CAP_REAL) && !told++)
            job_err(c, line, "platform %s: real software is not built yet (software = real "
                    "runs on the native platform)", platform_names[j->platform]);
    }
}

/* Checks that concern more than one option. */
static void job_validate(struct job_ctx *c)
{
    struct job *j = c->j;
    job_parse_roles(c);
    job_platform_options(c);
    job_software(c);
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
    strvec_clear(&c->plat_key);
    strvec_clear(&c->plat_val);
    if (errors) job_free(j);        /* nothing of a refused job stays allocated */
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

/* How many of a set's servers are idle ones (the role table's .idle). */
static int job_idle_roles(const struct job *j)
{
    int n = 0;
    for (int r = 0; r < ROLE_COUNT; r++) n += job_has_role(j, r) && role_def(r)->idle;
    return n;
}

void job_print(const struct job *j, FILE *f, job_addr_fn addr, const void *ctx)
{
    fprintf(f, "experiment %s from %s\n", j->name, j->path);
    int per_set = __builtin_popcount(j->role_mask);
    fprintf(f, "  platform %s, %lld set%s = %lld servers (%lld idle), seed %llu\n",
            platform_names[j->platform], (long long)j->sets, j->sets == 1 ? "" : "s",
            (long long)j->sets * per_set, (long long)j->sets * job_idle_roles(j),
            (unsigned long long)j->seed);
    if (per_set < ROLE_COUNT) fprintf(f, "  roles: %s (partial sets)\n", j->roles);
    fprintf(f, "  phases: ramp_up %s, measure %s, ramp_down %s; sample every %s\n",
            opt_duration_str(j->ramp_up).s, opt_duration_str(j->measure).s,
            opt_duration_str(j->ramp_down).s, opt_duration_str(j->sample_interval).s);
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
            const struct role_opts *jr = &j->role[r];
            char ip[48];            /* an IPv4 or IPv6 address (the platform's plan) */
            if (!job_has_role(j, r)) continue;
            addr(ctx, s, r, ip, sizeof ip);
            const struct numstr where = numstr_fmt("%s:%lld", ip, (long long)jr->port);
            if (role_is_driven(r)) {
                struct buf q = BUF_INIT;
                opt_put_qos(&q, &jr->qos);
                fprintf(f, "  %-5d %-6s %-21s %10s %5lld  %-8s %s\n", s, role_names[r], where.s,
                        numstr_fmt("%g/s", jr->rate).s, (long long)jr->connections,
                        arrival_names[jr->arrival], buf_cstr(&q));
                buf_free(&q);
            } else {
                const char *served = NULL;          /* the last role this one serves */
                for (int u = 0; u < ROLE_COUNT; u++)
                    if (role_def(u)->peer == r) served = role_names[u];
                fprintf(f, "  %-5d %-6s %-21s %10s %5s  %-8s %s%s%s\n", s, role_names[r], where.s,
                        "-", "-", "-", served ? "(serves " : "", served ? served : "",
                        served ? ")" : "");
            }
        }
    }
    double total = 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (role_is_driven(r) && job_has_role(j, r)) total += j->role[r].rate;
    fprintf(f, "\n  offered load: %g requests/s per set, %g in all\n", total, total * (double)j->sets);
    struct buf data = { 0 };
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (!role_def(r)->describe) continue;
        if (data.len) buf_puts(&data, ", ");
        role_def(r)->describe(&j->role[r], &data);
    }
    fprintf(f, "  data per set: %s\n", buf_cstr(&data));
    buf_reset(&data);
    for (int r = 0; r < ROLE_COUNT; r++)
        if (job_has_role(j, r) && j->role[r].software == ROLE_SW_REAL)
            buf_printf(&data, "%s%s %s", data.len ? ", " : "", role_names[r],
                       role_def(r)->real->what);
    if (data.len) fprintf(f, "  real software: %s (docs/real-servers.md)\n", buf_cstr(&data));
    buf_free(&data);
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

struct job_help {
    FILE *f;
    enum job_help_fmt fmt;
    const void *base;           /* the values shown as defaults */
};

static void job_help_row(const struct opt_def *o, void *ctx)
{
    const struct job_help *h = ctx;
    char def[160];                  /* a value as an option's text: OPT_STR values are <= 256 */
    struct buf rb = BUF_INIT;
    opt_fmt_value(def, sizeof def, o, h->base);
    opt_put_range(&rb, o);
    const char *range = buf_cstr(&rb);
    if (h->fmt == JOB_HELP_MARKDOWN)
        fprintf(h->f, "| `%s` | %s | `%s` | %s | %s |\n", o->name, opt_type_name(o->type), def,
                range, o->help);
    else if (h->fmt == JOB_HELP_MAN)
        job_help_man(h->f, o, def, range);
    else
        fprintf(h->f, "  %-16s = %-28s %s%s%s%s\n", o->name, def, o->help,
                range[0] ? " (" : "", range, range[0] ? ")" : "");
    buf_free(&rb);
}

/* Prints a section's title, formatted from fmt, as a heading. */
static void job_help_title(const struct job_help *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void job_help_title(const struct job_help *h, const char *fmt, ...)
{
    va_list ap;
    fputs(h->fmt == JOB_HELP_MARKDOWN ? "\n### " : h->fmt == JOB_HELP_MAN ? ".SS \"" : "\n",
          h->f);
    va_start(ap, fmt);
    vfprintf(h->f, fmt, ap);
    va_end(ap);
    fputs(h->fmt == JOB_HELP_MARKDOWN
          ? "\n\n| option | type | default | range | meaning |\n|---|---|---|---|---|\n"
          : h->fmt == JOB_HELP_MAN ? "\"\n" : "\n", h->f);
}

void job_print_help(FILE *f, enum job_help_fmt fmt)
{
    struct job *dj = calloc(1, sizeof *dj);
    if (!dj) abort();
    job_defaults(dj);
    for (int sec = 0; sec <= ROLE_COUNT; sec++) {
        unsigned bit = 1u << sec;
        struct job_help h = { f, fmt, sec == 0 ? (const void *)dj : (const void *)&dj->role[sec - 1] };
        job_help_title(&h, "[%s]", section_name(bit));
        job_section_each(bit, job_help_row, &h);
    }
    struct job_help hp = { f, fmt, &dj->profile };
    job_help_title(&hp, "[profile]");
    job_section_each(JOB_SEC_PROFILE, job_help_row, &hp);
    for (int p = 0; platform_names[p]; p++) {
        const struct platform_ops *ops = plat_find(p);
        if (!ops->opts) continue;
        void *opt = calloc(1, ops->opt_size);
        if (!opt) abort();
        opt_defaults(ops->opts, opt, 0);
        struct job_help h = { f, fmt, opt };
        job_help_title(&h, "[platform] (platform = %s)", platform_names[p]);
        for (const struct opt_def *o = ops->opts; o->name; o++) job_help_row(o, &h);
        free(opt);
    }
    free(dj);
}
