/* t_cgroup.c — the run's cgroups below a stand-in root (a temporary
 * directory: creating and removing groups is mkdir and rmdir): the run's
 * group and a server's, the tree removal, and the sweep of hostmix-PID
 * groups whose PID is gone, which leaves live runs' and foreign groups. */
#include "test.h"
#include "platform/cgroup.h"
#include "core/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int cg_exists(const char *root, const char *dir)
{
    char p[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, dir);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void cg_mk(const char *root, const char *dir)
{
    char p[1024];
    snprintf(p, sizeof p, "%s%s", root, dir);
    fs_mkdirs(p);
}

TEST(cgroup_run_server_sweep)
{
    char root[] = "/tmp/hostmix-cgtest.XXXXXX", why[256], run[600], srv[700], self[64];
    T_ASSERT(mkdtemp(root));
    cg_mk(root, "/base");
    /* a dead run (pid 2^22 + 1 is above pid_max) with a server group, a
     * live one (this process's parent), and a group that is not hostmix's */
    cg_mk(root, "/base/hostmix-4194305/set1-web");
    snprintf(self, sizeof self, "/base/hostmix-%d", (int)getppid());
    cg_mk(root, self);
    cg_mk(root, "/base/other-1");
    T_EQ_INT(cg_run_create(root, "/base", run, sizeof run, why, sizeof why), 0);
    snprintf(self, sizeof self, "/base/hostmix-%d", (int)getpid());
    T_EQ_STR(run, self);
    T_ASSERT(!cg_exists(root, "/base/hostmix-4194305"));        /* swept */
    snprintf(self, sizeof self, "/base/hostmix-%d", (int)getppid());
    T_ASSERT(cg_exists(root, self));                           /* alive: kept */
    T_ASSERT(cg_exists(root, "/base/other-1"));                 /* not ours: kept */
    T_EQ_INT(cg_child_create(root, run, "set1-db", srv, sizeof srv, why, sizeof why), 0);
    T_ASSERT(cg_exists(root, srv));
    char procs[1200];
    cg_procs_path(root, srv, procs, sizeof procs);
    T_ASSERT(strstr(procs, "/set1-db/cgroup.procs") != NULL);
    cg_remove_tree(root, run);
    T_ASSERT(!cg_exists(root, run));
    T_EQ_INT(cg_child_create(root, "/nonexistent", "x", srv, sizeof srv, why, sizeof why), -1);
    T_ASSERT(strstr(why, "cannot create cgroup /nonexistent/x") != NULL);
    char small[12];             /* "/base/set1-db" does not fit: refused, not cut */
    T_EQ_INT(cg_child_create(root, "/base", "set1-db", small, sizeof small, why, sizeof why), -1);
    T_EQ_STR(small, "");
    T_ASSERT(strstr(why, "cgroup path /base/set1-db is longer than 11 bytes") != NULL);
    T_ASSERT(!cg_exists(root, "/base/set1-d"));
    fs_rmtree(root);
}
