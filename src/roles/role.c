/* role.c — `hostmix prepare ROLE` and `hostmix serve ROLE` dispatch. */
#include "roles/role.h"
#include "cli/cli.h"
#include "core/buf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct role_ops *const role_table[] = {
    &role_web_ops, &role_imap_ops, &role_app_ops, &role_db_ops, &role_nfs_ops, &role_idle_ops,
};

const struct role_ops *role_ops_find(const char *name)
{
    for (size_t i = 0; i < sizeof role_table / sizeof role_table[0]; i++)
        if (strcmp(role_table[i]->name, name) == 0) return role_table[i];
    return NULL;
}

int role_mkdirs(const char *dir)
{
    if (!dir[0]) {
        errno = ENOENT;
        return -1;
    }
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s", dir);
    char *p = (char *)buf_cstr(&b);
    int rc = 0;
    for (char *q = p + 1; rc == 0; q++) {
        if (*q && *q != '/') continue;
        char was = *q;
        *q = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) rc = -1;
        *q = was;
        if (!was) break;
    }
    int saved = errno;
    buf_free(&b);
    errno = saved;
    return rc;
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
