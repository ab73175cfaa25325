/* ctl.c — run control: signals, child reaping, waiting, invalidation.
 *
 * SIGINT, SIGTERM and SIGCHLD are blocked in every thread and read from a
 * signalfd by the controller, which is the only thread that waits for
 * children; children get an empty signal mask before exec (core/spawn.c).
 * A server that exits on its own makes the run invalid with its name and
 * status.  The first reason a run is invalid is the one it keeps: prep,
 * work and the phases all go through run_invalidate. */
#include "run/run_int.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/spawn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int run_sigfd = -1;
static sigset_t run_oldmask;

void run_signals_init(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGCHLD);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, &run_oldmask);
    sigdelset(&s, SIGPIPE);
    run_sigfd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
}

void run_signals_done(void)
{
    if (run_sigfd >= 0) close(run_sigfd);
    run_sigfd = -1;
    pthread_sigmask(SIG_SETMASK, &run_oldmask, NULL);
}

void run_invalidate(struct run *r, const char *fmt, ...)
{
    r->valid = 0;
    if (r->invalid[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->invalid, sizeof r->invalid, fmt, ap);
    va_end(ap);
}

void run_check_servers(struct run *r)
{
    for (int i = 0; i < r->nsrv; i++) {
        struct plat_server *s = &r->srv[i];
        if (!s->pid || s->exited || !r->plat.ops->reap(&r->plat, s) || s->stopping) continue;
        char how[96];
        plat_status_text(s->status, how, sizeof how);
        log_error("server %s (pid %d) %s during %s", s->spec->name, (int)s->pid, how,
                  run_phase_names[r->phase]);
        run_invalidate(r, "server %s (pid %d) %s during %s (log: %s)", s->spec->name,
                       (int)s->pid, how, run_phase_names[r->phase], s->spec->log);
    }
}

int run_wait_until(struct run *r, int64_t deadline)
{
    for (;;) {
        if (r->stop_signal || (!r->valid && r->phase > RUN_PH_PREPARE)) return 1;
        int64_t left = deadline - clock_mono_ns();
        if (left <= 0) return 0;
        struct pollfd pfd = { run_sigfd, POLLIN, 0 };
        int ms = (int)((left + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS);
        if (poll(&pfd, 1, ms) <= 0) continue;
        struct signalfd_siginfo si;
        while (read(run_sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
                r->stop_signal = (int)si.ssi_signo;
                run_invalidate(r, "interrupted by %s during %s",
                               si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM",
                               run_phase_names[r->phase]);
            }
        }
        run_check_servers(r);
    }
}

int run_signal_pending(void)
{
    struct signalfd_siginfo si;
    int sig = 0;
    while (run_sigfd >= 0 && read(run_sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) sig = (int)si.ssi_signo;
    return sig;
}

int run_child(struct run *r, char *const argv[], const char *log)
{
    return run_child_watch(r, argv, log, NULL);
}

int run_child_watch(struct run *r, char *const argv[], const char *log, struct progress *pg)
{
    char why[256];
    struct spawn sw = { .exe = r->plat.self_exe, .argv = argv, .out = log,
                        .pdeathsig = SIGTERM };
    pid_t pid = spawn_start(&sw, why, sizeof why);
    if (pid < 0) {
        run_invalidate(r, "%s", why);
        return -1;
    }
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) return status;
        if (pg) progress_tick(pg);
        if (run_wait_until(r, clock_mono_ns() + 20 * CLOCK_NS_PER_MS) && r->stop_signal) {
            kill(pid, SIGTERM);
            waitpid(pid, &status, 0);
            return -1;
        }
    }
}
