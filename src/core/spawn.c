/* spawn.c — fork and exec with the child set up as spawn.h says. */
#include "core/spawn.h"
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Closes every descriptor from 3 up except the kept ones (and 3 itself
 * when s->fd3 was moved there). */
static void spawn_close_fds(const struct spawn *s)
{
    if (s->fd3 > 2) {
        if (s->fd3 != 3) dup2(s->fd3, 3);       /* dup2 clears close-on-exec */
        else fcntl(3, F_SETFD, 0);
        syscall(SYS_close_range, 4U, ~0U, 0U);
        return;
    }
    if (s->nkeep == 0) {
        syscall(SYS_close_range, 3U, ~0U, 0U);
        return;
    }
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int fd = 3; fd < 4096; fd++) {
            int keep = 0;
            for (int i = 0; i < s->nkeep; i++) keep |= s->keep_fds[i] == fd;
            if (!keep) close(fd);
        }
    }
    for (int i = 0; i < s->nkeep; i++) fcntl(s->keep_fds[i], F_SETFD, 0);
}

/* The child between fork and exec: only async-signal-safe calls.  log is
 * s->out opened by the parent, or -1. */
static void spawn_child(const struct spawn *s, const sigset_t *empty, int log)
{
    sigprocmask(SIG_SETMASK, empty, NULL);
    signal(SIGPIPE, SIG_DFL);           /* an ignored SIGPIPE would survive exec */
    if (s->own_pgrp) setpgid(0, 0);
    if (s->pdeathsig) prctl(PR_SET_PDEATHSIG, s->pdeathsig);
    if (s->cgroup_procs) {
        int fd = open(s->cgroup_procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1) _exit(126);
        close(fd);
    }
    if (s->child_fn && s->child_fn(s->child_arg)) _exit(126);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = s->pipes ? s->out_fd
              : log >= 0 ? log : open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(s->pipes ? s->err_fd : out, 2);
    if (s->cwd && chdir(s->cwd) != 0) {
        static const char msg[] = "cannot enter the working directory\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(126);
    }
    spawn_close_fds(s);
    execv(s->exe, s->argv);
    _exit(127);
}

pid_t spawn_start(const struct spawn *s, char *why, size_t n)
{
    sigset_t empty;
    sigemptyset(&empty);
    /* the log by the output-file rule (fs.h), opened before fork */
    int log = s->out && !s->pipes ? fs_open_out(s->out) : -1;
    if (s->out && !s->pipes && log < 0) {
        snprintf(why, n, "cannot open %s: %s", s->out, strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    int err = errno;
    if (pid == 0) spawn_child(s, &empty, log);
    if (log >= 0) close(log);
    if (pid < 0) {
        snprintf(why, n, "fork: %s", strerror(err));
        return -1;
    }
    if (s->own_pgrp) setpgid(pid, pid);   /* also from the parent: no race with a quick kill */
    return pid;
}
