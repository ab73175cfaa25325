/* role.c — the role table (see role.h) and the `hostmix prepare ROLE` /
 * `hostmix serve ROLE` dispatch. */
#include "roles/role.h"
#include "core/exitcode.h"

#include <stdio.h>
#include <string.h>

static void role_opt(struct role_size_opt *o, const char *flag, const char *label,
                     const char *fmt, double v)
{
    o->flag = flag;
    o->label = label;
    snprintf(o->value, sizeof o->value, fmt, v);
}

static int web_size_opts(const struct job_role *jr, struct role_size_opt out[])
{
    role_opt(&out[0], "--docroot-size", "docroot", "%.0f", (double)jr->docroot_size);
    role_opt(&out[1], "--nfs-share", "nfs", "%g", jr->nfs_share);
    return 2;
}

static int imap_size_opts(const struct job_role *jr, struct role_size_opt out[])
{
    role_opt(&out[0], "--users", "users", "%.0f", (double)jr->users);
    role_opt(&out[1], "--messages", "msgs", "%.0f", (double)jr->messages);
    return 2;
}

static int db_size_opts(const struct job_role *jr, struct role_size_opt out[])
{
    role_opt(&out[0], "--customers", "cust", "%.0f", (double)jr->customers);
    role_opt(&out[1], "--items", "items", "%.0f", (double)jr->items);
    return 2;
}

static void web_serve_opts(const struct job *j, const char *peer_ip, int peer_port,
                           struct strvec *v)
{
    if (peer_ip) {
        strvec_push(v, "--nfs");
        strvec_pushf(v, "%s:%d", peer_ip, peer_port);
    }
    strvec_push(v, "--nfs-cache");
    strvec_pushf(v, "%lld", (long long)j->role[ROLE_WEB].nfs_cache);
}

/* db and imap: a bool option takes its value after '=' (it may stand alone) */
static void db_serve_opts(const struct job *j, const char *peer_ip, int peer_port,
                          struct strvec *v)
{
    (void)peer_ip; (void)peer_port;
    strvec_push(v, j->role[ROLE_DB].sync ? "--sync=yes" : "--sync=no");
}

static void imap_serve_opts(const struct job *j, const char *peer_ip, int peer_port,
                            struct strvec *v)
{
    (void)peer_ip; (void)peer_port;
    strvec_push(v, j->role[ROLE_IMAP].sync ? "--sync=yes" : "--sync=no");
}

static void app_serve_opts(const struct job *j, const char *peer_ip, int peer_port,
                           struct strvec *v)
{
    strvec_push(v, "--db");
    strvec_pushf(v, "host=%s port=%d dbname=orders user=hostmix", peer_ip ? peer_ip : "",
                 peer_port);
    strvec_push(v, "--pool");
    strvec_pushf(v, "%lld", (long long)j->role[ROLE_APP].pool);
}

static const struct role_def role_table[ROLE_COUNT] = {
    [ROLE_WEB] = { .id = ROLE_WEB, .ops = &role_web_ops, .driven = 1, .data_of = ROLE_WEB,
                   .start_rank = 0, .peer = ROLE_NFS, .size_opts = web_size_opts,
                   .serve_opts = web_serve_opts },
    [ROLE_IMAP] = { .id = ROLE_IMAP, .ops = &role_imap_ops, .driven = 1, .data_of = ROLE_IMAP,
                    .mutates = 1, .start_rank = 2, .peer = -1, .size_opts = imap_size_opts,
                    .serve_opts = imap_serve_opts },
    [ROLE_APP] = { .id = ROLE_APP, .ops = &role_app_ops, .driven = 1, .data_of = -1,
                   .start_rank = 1, .peer = ROLE_DB, .serve_opts = app_serve_opts },
    [ROLE_DB] = { .id = ROLE_DB, .ops = &role_db_ops, .data_of = ROLE_DB, .mutates = 1,
                  .backend = 1, .start_rank = 1, .peer = -1, .size_opts = db_size_opts,
                  .serve_opts = db_serve_opts },
    [ROLE_NFS] = { .id = ROLE_NFS, .ops = &role_nfs_ops, .data_of = ROLE_WEB,
                   .data_sub = "nfs", .backend = 1, .start_rank = 0, .peer = -1 },
    [ROLE_IDLE] = { .id = ROLE_IDLE, .ops = &role_idle_ops, .driven = 1, .data_of = -1,
                    .start_rank = 3, .peer = -1 },
};

const struct role_def *role_def(int id)
{
    return id >= 0 && id < ROLE_COUNT ? &role_table[id] : NULL;
}

int role_is_driven(int id)
{
    return id >= 0 && id < ROLE_COUNT && role_table[id].driven;
}

int role_prepared(const struct job *j, int role)
{
    if (!role_table[role].size_opts) return 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (role_table[r].data_of == role && job_has_role(j, r)) return 1;
    return 0;
}

const struct role_ops *role_ops_find(const char *name)
{
    int id = role_find(name);
    return id >= 0 ? role_table[id].ops : NULL;
}

static int role_dispatch(int argc, char **argv, int serve)
{
    const char *cmd = serve ? "serve" : "prepare";
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("usage: hostmix %s ROLE [options]   (ROLE: web, imap, app, db, nfs, idle)\n"
               "'hostmix %s ROLE --help' lists the role's options.\n", cmd, cmd);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const struct role_ops *r = role_ops_find(argv[1]);
    if (!r) {
        fprintf(stderr, "hostmix %s: unknown role '%s' (web, imap, app, db, nfs, idle)\n",
                cmd, argv[1]);
        return CLI_USAGE;
    }
    int (*fn)(int, char **) = serve ? r->serve : r->prepare;
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
