/* t_sweep.c — fs_sweep_dead, which every run's sweep of what dead runs
 * left goes through: it hands over the directories named after a dead
 * pid and never a live pid's, a symlink (to a directory elsewhere) or a
 * plain file of that name. */
#include "test.h"
#include "core/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A pid that was a process a moment ago and no longer is. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

struct seen { int n; char last[64]; };

static void note(const char *name, void *arg)
{
    struct seen *s = arg;
    s->n++;
    snprintf(s->last, sizeof s->last, "%s", name);
}

TEST(sweep_dead_only_own_dirs_of_dead_pids)
{
    char dir[] = "/tmp/hostmix-t-sweep.XXXXXX", p[200], q[200], want[64];
    T_ASSERT(mkdtemp(dir));
    pid_t dead = dead_pid();
    snprintf(p, sizeof p, "%s/elsewhere", dir);
    T_EQ_INT(mkdir(p, 0755), 0);
    snprintf(q, sizeof q, "%s/x-%d", dir, (int)dead + 1000000);     /* a symlink */
    T_EQ_INT(symlink(p, q), 0);
    snprintf(q, sizeof q, "%s/x-%d", dir, (int)dead + 2000000);     /* a file */
    fclose(fopen(q, "w"));
    snprintf(q, sizeof q, "%s/x-%d", dir, (int)getpid());           /* alive */
    T_EQ_INT(mkdir(q, 0755), 0);
    snprintf(want, sizeof want, "x-%d", (int)dead);
    snprintf(q, sizeof q, "%s/%s", dir, want);
    T_EQ_INT(mkdir(q, 0755), 0);
    struct seen s = { 0, "" };
    int found = fs_sweep_dead(dir, "x-", note, &s);
    fs_rmtree(dir);
    T_EQ_INT(found, 1);
    T_EQ_INT(s.n, 1);
    T_EQ_STR(s.last, want);
}
