/* platform.c — what every platform shares: status texts, stopping a set
 * of servers in order, the serve command line of a spec, a TCP readiness
 * probe, reaping. */
#include "platform/platform.h"
#include "core/clock.h"
#include "core/paths.h"
#include "core/served.h"
#include "roles/role.h"
#include "measure/thread.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const plat_cpu_part_names[] = {
    "user", "system", "guest", "vcpu", "main", "io", "pool", "vhost", "other", "guest_busy",
    "guest_steal", "guest_clock", "vcpu_delay", "vcpu_wait",
};
_Static_assert(sizeof plat_cpu_part_names / sizeof plat_cpu_part_names[0] == PLAT_CPU_NPARTS,
               "plat_cpu_part_names: one name per value");

void plat_status_text(int status, char *dst, size_t n)
{
    if (WIFEXITED(status))
        snprintf(dst, n, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(dst, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(dst, n, "stopped (status 0x%x)", status);
}

void plat_stop_all(struct plat *p, struct plat_server *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i].pid && !s[i].exited) {
            s[i].stopping = 1;
            p->ops->stop(p, &s[i], 0);
        }
    int64_t deadline = clock_mono_ns() + PLAT_STOP_GRACE_NS;
    for (;;) {
        int left = 0;
        for (int i = 0; i < n; i++)
            if (s[i].pid && !s[i].exited && !p->ops->reap(p, &s[i])) left++;
        if (!left) return;
        if (clock_mono_ns() >= deadline) break;
        clock_sleep_ns(10 * CLOCK_NS_PER_MS);
    }
    for (int i = 0; i < n; i++)
        if (s[i].pid && !s[i].exited) p->ops->stop(p, &s[i], 1);
    /* after SIGKILL the exit is certain; wait for it without a bound */
    for (int i = 0; i < n; i++)
        while (s[i].pid && !s[i].exited && !p->ops->reap(p, &s[i]))
            clock_sleep_ns(5 * CLOCK_NS_PER_MS);
}

void plat_serve_argv(const struct server_spec *spec, const char *data, struct strvec *v)
{
    strvec_push(v, "hostmix");
    strvec_push(v, "serve");
    strvec_push(v, role_names[spec->role]);
    strvec_push(v, "--listen");
    strvec_pushf(v, "%s:%d", spec->ip, spec->port);
    if (data) {
        strvec_push(v, "--data");
        strvec_push(v, data);
    }
    strvec_pushv(v, (const char *const *)spec->opts.v);
}

int plat_served_open(struct plat_server *s, struct strvec *v, char *why, size_t n)
{
    plat_served_close(s);
    s->served_fd = served_create(&s->served);
    if (s->served_fd < 0) {
        s->served = NULL;
        snprintf(why, n, "%s: cannot share request counters: %s", s->spec->name,
                 strerror(errno));
        return -1;
    }
    strvec_push(v, "--counters-fd=3");
    return 0;
}

void plat_served_close(struct plat_server *s)
{
    if (!s->served) return;
    served_unmap(s->served);
    close(s->served_fd);
    s->served = NULL;
    s->served_fd = -1;
}

int plat_tcp_answers(const char *ip, int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) return 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

int plat_probe_common(struct plat *p, const char *what, char *why, size_t n)
{
    if (paths_exe(p->self_exe, sizeof p->self_exe, why, n)) return -1;
    if ((p->ops->caps & PLAT_CAP_ROOT) && geteuid() != 0) {
        snprintf(why, n, "platform %s needs root (%s)", p->ops->name, what);
        return -1;
    }
    return 0;
}

int plat_cpu_host(const struct plat *p, struct plat_server *s)
{
    struct plat_cpu *c = &s->cpu;
    if (s->cgroup[0]) {
        struct meas_cg g;
        if (meas_cg_read(p->proc_root, s->cgroup, &g)) return -1;
        c->total_ns = g.usage_usec * 1000;
        c->part_ns[PLAT_CPU_USER] = g.user_usec * 1000;
        c->part_ns[PLAT_CPU_SYSTEM] = g.system_usec * 1000;
    } else {
        if (!s->pid || s->exited) return 0;     /* keep the last reading */
        uint64_t u, st, tick = (uint64_t)(1000000000LL / meas_hz());
        if (meas_pid_cpu(p->proc_root, s->pid, &u, &st)) return -1;
        c->total_ns = (u + st) * tick;
        c->part_ns[PLAT_CPU_USER] = u * tick;
        c->part_ns[PLAT_CPU_SYSTEM] = st * tick;
    }
    c->have |= 1u << PLAT_CPU_USER | 1u << PLAT_CPU_SYSTEM;
    return 0;
}

static int plat_is_vcpu(const pid_t *vcpu, int nvcpu, pid_t tid)
{
    for (int i = 0; i < nvcpu; i++)
        if (vcpu[i] == tid) return 1;
    return 0;
}

static const int plat_tclass_part[MEAS_TC_N] = {
    [MEAS_TC_VCPU] = PLAT_CPU_VCPU, [MEAS_TC_MAIN] = PLAT_CPU_MAIN,
    [MEAS_TC_IOTHREAD] = PLAT_CPU_IO, [MEAS_TC_POOL] = PLAT_CPU_POOL,
    [MEAS_TC_VHOST] = PLAT_CPU_VHOST, [MEAS_TC_RCU] = PLAT_CPU_OTHER,
    [MEAS_TC_OTHER] = PLAT_CPU_OTHER,
};

/* Adds the kernel threads attached to the server's cgroup that are not
 * its process's (vhost workers before Linux 6.4): vhost, else other. */
static void plat_cpu_cg_kthreads(const struct plat *p, struct plat_server *s,
                                 const struct meas_thread *own, int nown, long hz)
{
    struct meas_thread *t = NULL;
    int nt = s->cgroup[0] ? meas_cg_foreign_threads(p->proc_root, s->cgroup, own, nown, &t) : 0;
    for (int i = 0; i < nt; i++) {
        enum meas_tclass tc = meas_thread_class(t[i].comm, s->pid, t[i].tid, 0);
        if (tc != MEAS_TC_VHOST) tc = MEAS_TC_OTHER;
        s->cpu.part_ns[plat_tclass_part[tc]] += meas_thread_ns(&t[i], hz);
    }
    free(t);
}

void plat_cpu_threads(const struct plat *p, struct plat_server *s, int guest, const pid_t *vcpu,
                      int nvcpu)
{
    struct plat_cpu *c = &s->cpu;
    struct meas_thread *t = NULL;
    int nt = s->pid && !s->exited ? meas_threads_read(p->proc_root, s->pid, &t) : -1;
    if (nt < 0) return;                 /* gone: the last reading stays */
    long hz = meas_hz();
    uint64_t tick = (uint64_t)(1000000000LL / hz);
    for (int k = PLAT_CPU_GUEST; k <= PLAT_CPU_OTHER; k++) c->part_ns[k] = 0;
    for (int i = 0; i < nt; i++) {
        int v = plat_is_vcpu(vcpu, nvcpu, t[i].tid);
        enum meas_tclass tc = meas_thread_class(t[i].comm, s->pid, t[i].tid, v);
        if (!guest && tc == MEAS_TC_VCPU) tc = MEAS_TC_OTHER;   /* no guest: a name only */
        c->part_ns[plat_tclass_part[tc]] += meas_thread_ns(&t[i], hz);
        c->part_ns[PLAT_CPU_GUEST] += t[i].guest_time * tick;
    }
    plat_cpu_cg_kthreads(p, s, t, nt, hz);
    c->have |= 1u << PLAT_CPU_MAIN | 1u << PLAT_CPU_IO | 1u << PLAT_CPU_POOL |
               1u << PLAT_CPU_VHOST | 1u << PLAT_CPU_OTHER;
    if (guest) c->have |= 1u << PLAT_CPU_GUEST | 1u << PLAT_CPU_VCPU;
    free(t);
}

void plat_note(struct plat_server *s, const char *fmt, ...)
{
    char text[sizeof s->note];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (strstr(s->note, text)) return;
    size_t k = strlen(s->note);
    snprintf(s->note + k, sizeof s->note - k, "%s%s", k ? "; " : "", text);
}

int plat_reap_pid(pid_t pid, int *status)
{
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
        *status = r == pid ? st : 0;
        return 1;
    }
    return 0;
}
