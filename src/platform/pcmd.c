/* pcmd.c — run a helper program to completion (started by core/spawn.c,
 * the one fork and exec), capturing its output through two pipes read
 * with poll (so neither can fill and block the child). */
#include "platform/pcmd.h"
#include "core/fs.h"
#include "core/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bytes read from a pipe at a time. */
#define PCMD_CHUNK 4096

/* Reads both pipes until both reach end of file, straight into the
 * caller's bufs (output nobody wants goes to a scratch buf, emptied
 * before each read). */
static void pcmd_drain(int fds[2], struct buf *dst[2])
{
    struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
    struct buf sink = BUF_INIT;
    int open_n = 2;
    while (open_n > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents) continue;
            struct buf *to = dst[i] ? dst[i] : &sink;
            buf_reset(&sink);
            ssize_t n = read(p[i].fd, buf_reserve(to, PCMD_CHUNK), PCMD_CHUNK);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                p[i].fd = -1;
                open_n--;
            } else {
                to->len += (size_t)n;
            }
        }
    }
    buf_free(&sink);
}

/* Starts argv[0] (searched in PATH) in cwd with its output into the
 * descriptors out_fd and err_fd (core/spawn.c).  Returns its pid, or -1 with the
 * reason in err. */
static pid_t pcmd_start(char *const argv[], const char *cwd, int out_fd, int err_fd,
                        struct buf *err)
{
    char exe[PATH_MAX], why[256];       /* fs_which: a path; spawn_start: one sentence */
    if (fs_which(argv[0], exe, sizeof exe)) {
        if (err) buf_printf(err, "cannot run %s: not found in PATH", argv[0]);
        return -1;
    }
    struct spawn sp = { .exe = exe, .argv = argv, .pipes = 1, .out_fd = out_fd, .err_fd = err_fd,
                        .cwd = cwd };
    pid_t pid = spawn_start(&sp, why, sizeof why);
    if (pid < 0 && err) buf_printf(err, "cannot start %s: %s", argv[0], why);
    return pid;
}

int pcmd_run(char *const argv[], const char *cwd, struct buf *out, struct buf *err)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) < 0) goto nopipe;
    if (pipe2(pe, O_CLOEXEC) < 0) {
        close(po[0]);
        close(po[1]);
        goto nopipe;
    }
    pid_t pid = pcmd_start(argv, cwd, po[1], pe[1], err);
    close(po[1]);
    close(pe[1]);
    if (pid > 0) {
        int fds[2] = { po[0], pe[0] };
        struct buf *dst[2] = { out, err };
        pcmd_drain(fds, dst);
    }
    close(po[0]);
    close(pe[0]);
    if (pid < 0) return -1;
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (err) buf_printf(err, "%s killed by signal %d", argv[0], WTERMSIG(st));
    return -1;
nopipe:
    if (err) buf_printf(err, "pipe: %s", strerror(errno));
    return -1;
}

int pcmd_check(char *const argv[], const char *cwd, struct buf *out, struct buf *why)
{
    struct buf err = BUF_INIT;
    int rc = pcmd_run(argv, cwd, out, &err);
    if (rc != 0) {
        /* The last line: apt, dpkg and mke2fs end with the error itself. */
        char *e = (char *)buf_cstr(&err);
        size_t n = strlen(e);
        while (n && e[n - 1] == '\n') e[--n] = '\0';
        char *nl = strrchr(e, '\n');
        if (nl) e = nl + 1;
        int len = (int)strlen(e);
        if (rc > 0) buf_printf(why, "%s: exit %d: %.*s", argv[0], rc, len, e);
        else buf_printf(why, "%.*s", len, e);
    }
    buf_free(&err);
    return rc == 0 ? 0 : -1;
}
