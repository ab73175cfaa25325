/* role.c — `hostmix prepare ROLE` and `hostmix serve ROLE` dispatch. */
#include "roles/role.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const struct role_ops *const role_table[] = {
    &role_web_ops, &role_imap_ops, &role_app_ops, &role_db_ops, &role_nfs_ops, &role_idle_ops,
};

const struct role_ops *role_ops_find(const char *name)
{
    for (size_t i = 0; i < sizeof role_table / sizeof role_table[0]; i++)
        if (strcmp(role_table[i]->name, name) == 0) return role_table[i];
    return NULL;
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
    return fn(argc - 1, argv + 1);
}

int role_cmd_prepare(int argc, char **argv) { return role_dispatch(argc, argv, 0); }
int role_cmd_serve(int argc, char **argv) { return role_dispatch(argc, argv, 1); }
