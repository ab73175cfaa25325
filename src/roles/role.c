/* role.c — the role table (see role.h) and the `hostmix prepare ROLE` /
 * `hostmix serve ROLE` dispatch. */
#include "roles/role.h"
#include "core/exitcode.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *const role_names[] = { "web", "imap", "app", "db", "nfs", "idle" };
static const struct role_def role_table[ROLE_COUNT];
const char *const role_software_names[] = { "builtin", "real", NULL };
_Static_assert(sizeof role_names / sizeof role_names[0] == ROLE_COUNT,
               "role_names: one name per value");

int role_find(const char *name)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        if (strcmp(role_names[r], name) == 0) return r;
    return -1;
}

const char *role_list(void)
{
    static char *list;              /* built once, kept for the process */
    if (!list) {
        struct buf b = BUF_INIT;
        for (int r = 0; r < ROLE_COUNT; r++) buf_printf(&b, "%s%s", r ? ", " : "", role_names[r]);
        list = buf_detach(&b);
    }
    return list;
}

const char *role_real_list(void)
{
    static char list[ROLE_COUNT * 16];
    if (!list[0])
        for (int r = 0; r < ROLE_COUNT; r++)
            if (role_table[r].real)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         list[0] ? ", " : "", role_names[r]);
    return list;
}

static void role_opt(struct role_size_opt *o, const char *flag, const char *label,
                     const char *fmt, double v)
{
    o->flag = flag;
    o->label = label;
    snprintf(o->value, sizeof o->value, fmt, v);
}

/* ---- each role's own job options, size options and serve options ---- */

#define R(f) offsetof(struct role_opts, f)
#define ANY  OPT_SEC_ANY
#define OPT_SYNC(what) { "sync", OPT_BOOL, R(sync), 0, "yes", OPT_NO_RANGE, NULL, ANY, what }
#define OPT_END { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL }

static const struct opt_def web_opts[] = {
    { "docroot_size", OPT_SIZE, R(docroot_size), 0, "64MiB", 1 << 20, 1024.0 * (1 << 30), NULL,
      ANY, "docroot bytes per set, local and nfs-backed together" },
    { "nfs_share", OPT_PERCENT, R(nfs_share), 0, "30%", OPT_NO_RANGE, NULL, ANY,
      "share of the docroot that lives on the set's nfs server" },
    { "nfs_cache", OPT_SIZE, R(nfs_cache), 0, "4MiB", 0, 1024.0 * (1 << 20), NULL, ANY,
      "web's cache of nfs-backed files (0: every read goes to nfs)" },
    OPT_END,
};

static const struct opt_def imap_opts[] = {
    { "users", OPT_INT, R(users), 0, "100", 1, 1e6, NULL, ANY, "mail users per set" },
    { "messages", OPT_INT, R(messages), 0, "50", 0, 1e5, NULL, ANY,
      "messages in each user's INBOX when prepared" },
    OPT_SYNC("fsync on APPEND"),
    OPT_END,
};

static const struct opt_def db_opts[] = {
    { "customers", OPT_INT, R(customers), 0, "7500", 10, 1e8, NULL, ANY,
      "customers per set (SPECjAppServer2004: 7,500 per unit of injection rate)" },
    { "items", OPT_INT, R(items), 0, "1000", 10, 1e7, NULL, ANY, "catalogue items per set" },
    OPT_SYNC("fsync on commit"),
    OPT_END,
};

static const struct opt_def app_opts[] = {
    { "pool", OPT_INT, R(pool), 0, "4", 1, 256, NULL, ANY,
      "db connections in the app server's pool" },
    OPT_END,
};

static int web_needs_peer(const struct role_opts *o)
{
    return o->nfs_share > 0;
}

static int web_size_opts(const struct role_opts *o, struct role_size_opt out[])
{
    role_opt(&out[0], "--docroot-size", "docroot", "%.0f", (double)o->docroot_size);
    role_opt(&out[1], "--nfs-share", "nfs", "%g", o->nfs_share);
    return 2;
}

static int imap_size_opts(const struct role_opts *o, struct role_size_opt out[])
{
    role_opt(&out[0], "--users", "users", "%.0f", (double)o->users);
    role_opt(&out[1], "--messages", "msgs", "%.0f", (double)o->messages);
    return 2;
}

static int db_size_opts(const struct role_opts *o, struct role_size_opt out[])
{
    role_opt(&out[0], "--customers", "cust", "%.0f", (double)o->customers);
    role_opt(&out[1], "--items", "items", "%.0f", (double)o->items);
    return 2;
}

static void web_expect(const struct role_opts *o, int64_t *files, int64_t *bytes)
{
    (void)files;
    *bytes = o->docroot_size;
}

/* INBOX messages, and the default 3 folders of 5 messages and a marker
 * each (db's one SQLite file has no useful estimate). */
static void imap_expect(const struct role_opts *o, int64_t *files, int64_t *bytes)
{
    (void)bytes;
    *files = o->users * (o->messages + 18);
}

static void web_describe(const struct role_opts *o, struct buf *b)
{
    buf_printf(b, "web docroot %s (%g%% on nfs)", opt_size_str(o->docroot_size).s, o->nfs_share);
}

static void imap_describe(const struct role_opts *o, struct buf *b)
{
    buf_printf(b, "imap %lld users x %lld messages", (long long)o->users,
               (long long)o->messages);
}

static void db_describe(const struct role_opts *o, struct buf *b)
{
    buf_printf(b, "db %lld customers, %lld items", (long long)o->customers, (long long)o->items);
}

static void web_serve_opts(const struct role_opts *o, const char *peer_ip, int peer_port,
                           struct strvec *v)
{
    if (peer_ip) {
        strvec_push(v, "--nfs");
        strvec_pushf(v, "%s:%d", peer_ip, peer_port);
    }
    strvec_push(v, "--nfs-cache");
    strvec_pushf(v, "%lld", (long long)o->nfs_cache);
}

/* db and imap: a bool option takes its value after '=' (it may stand alone) */
static void sync_serve_opts(const struct role_opts *o, const char *peer_ip, int peer_port,
                            struct strvec *v)
{
    (void)peer_ip; (void)peer_port;
    strvec_push(v, o->sync ? "--sync=yes" : "--sync=no");
}

static void app_serve_opts(const struct role_opts *o, const char *peer_ip, int peer_port,
                           struct strvec *v)
{
    strvec_push(v, "--db");
    strvec_pushf(v, "host=%s port=%d dbname=orders user=hostmix", peer_ip ? peer_ip : "",
                 peer_port);
    strvec_push(v, "--pool");
    strvec_pushf(v, "%lld", (long long)o->pool);
}

/* Rates and QoS follow the published workloads (docs/job-file.md says
 * where each comes from). */
static const struct role_def role_table[ROLE_COUNT] = {
    [ROLE_WEB] = { .id = ROLE_WEB, .ops = &role_web_ops, .driven = 1, .data_of = ROLE_WEB,
                   .start_rank = 0, .peer = ROLE_NFS, .needs_peer = web_needs_peer,
                   .peer_rule = "web with nfs_share > 0 needs nfs (or set nfs_share = 0)",
                   .defaults = { { "rate", "60/s" }, { "connections", "16" },
                                 { "qos", "p95<=3s,p99<=5s,errors<=1%" }, { "port", "8080" },
                                 { "vcpus", "2" }, { "memory", "1GiB" } },
                   .opts = web_opts, .cause_label = "web's own work",
                   .size_opts = web_size_opts, .expect = web_expect, .describe = web_describe,
                   .serve_opts = web_serve_opts },
    [ROLE_IMAP] = { .id = ROLE_IMAP, .ops = &role_imap_ops, .real = &role_imap_real, .driven = 1, .data_of = ROLE_IMAP,
                    .mutates = 1, .start_rank = 2, .peer = -1,
                    .defaults = { { "rate", "20/s" }, { "connections", "8" },
                                  { "qos", "p95<=1s,p99<=2s,errors<=1%" }, { "port", "1143" } },
                    .opts = imap_opts, .cause_label = "imap's own work",
                    .size_opts = imap_size_opts, .expect = imap_expect, .describe = imap_describe,
                    .serve_opts = sync_serve_opts },
    [ROLE_APP] = { .id = ROLE_APP, .ops = &role_app_ops, .driven = 1, .data_of = -1,
                   .start_rank = 1, .peer = ROLE_DB, .peer_rule = "app needs db in the same set",
                   .defaults = { { "rate", "20/s" }, { "connections", "8" },
                                 { "qos", "p90<=2s,errors<=1%" }, { "port", "8000" },
                                 { "vcpus", "2" }, { "memory", "2GiB" } },
                   .opts = app_opts, .cause_label = "app's own work",
                   .serve_opts = app_serve_opts },
    [ROLE_DB] = { .id = ROLE_DB, .ops = &role_db_ops, .real = &role_db_real, .data_of = ROLE_DB, .mutates = 1,
                  .backend = 1, .start_rank = 1, .peer = -1,
                  .defaults = { { "port", "5432" }, { "memory", "1GiB" } },
                  .opts = db_opts, .cause_label = "db's own work",
                  .size_opts = db_size_opts, .describe = db_describe,
                  .serve_opts = sync_serve_opts },
    [ROLE_NFS] = { .id = ROLE_NFS, .ops = &role_nfs_ops, .data_of = ROLE_WEB,
                   .data_sub = "nfs", .backend = 1, .start_rank = 0, .peer = -1,
                   .defaults = { { "port", "2049" } }, .cause_label = "nfs's own work" },
    [ROLE_IDLE] = { .id = ROLE_IDLE, .ops = &role_idle_ops, .driven = 1, .idle = 1, .data_of = -1,
                    .start_rank = 3, .peer = -1,
                    .defaults = { { "rate", "1/s" }, { "connections", "1" },
                                  { "qos", "p99<=1s,errors<=0%" }, { "port", "7000" },
                                  { "memory", "256MiB" } },
                    .cause_label = "idle's own work" },
};

const struct role_def *role_def(int id)
{
    return id >= 0 && id < ROLE_COUNT ? &role_table[id] : NULL;
}

int role_is_driven(int id)
{
    return id >= 0 && id < ROLE_COUNT && role_table[id].driven;
}

int role_prepared(unsigned mask, int role)
{
    if (!role_table[role].size_opts) return 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (role_table[r].data_of == role && (mask >> r & 1u)) return 1;
    return 0;
}

const struct role_ops *role_ops_find(const char *name)
{
    int id = role_find(name);
    return id >= 0 ? role_table[id].ops : NULL;
}

/* Whether argv holds --software=real (prepare the real server's data
 * set); removes it. */
static int role_take_real(int *argc, char **argv)
{
    for (int i = 2; i < *argc; i++)
        if (strcmp(argv[i], "--software=real") == 0) {
            memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i) * sizeof *argv);
            (*argc)--;
            return 1;
        }
    return 0;
}

static int role_dispatch(int argc, char **argv, int serve)
{
    const char *cmd = serve ? "serve" : "prepare";
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("usage: hostmix %s ROLE [options]   (ROLE: %s)\n"
               "'hostmix %s ROLE --help' lists the role's options.\n", cmd, role_list(), cmd);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const struct role_ops *r = role_ops_find(argv[1]);
    if (!r) {
        fprintf(stderr, "hostmix %s: unknown role '%s' (%s)\n", cmd, argv[1], role_list());
        return CLI_USAGE;
    }
    int (*fn)(int, char **) = serve ? r->serve : r->prepare;
    if (!serve && role_take_real(&argc, argv)) {
        const struct role_real *real = role_def(role_find(r->name))->real;
        if (!real || !real->prepare) {
            fprintf(stderr, "hostmix prepare: role '%s' has no real data set\n", r->name);
            return CLI_USAGE;
        }
        fn = real->prepare;
    }
    if (!fn) {
        if (!serve) {
            printf("hostmix prepare: role '%s' has no data set\n", r->name);
            return CLI_OK;
        }
        fprintf(stderr, "hostmix serve: role '%s' is not built yet\n", r->name);
        return CLI_USAGE;
    }
    if (!serve) return role_prepare_watched(r->name, fn, argc - 1, argv + 1);
    return fn(argc - 1, argv + 1);
}

int role_cmd_prepare(int argc, char **argv) { return role_dispatch(argc, argv, 0); }
int role_cmd_serve(int argc, char **argv) { return role_dispatch(argc, argv, 1); }
