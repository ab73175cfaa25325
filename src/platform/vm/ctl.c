/* ctl.c — QMP requests of the vm platform with their fallbacks; see
 * ctl.h.  A QEMU that refuses quit is still ended by pid (SIGTERM now,
 * SIGKILL from plat_stop_all after the grace period); one that refuses
 * query-cpus-fast still gets its CPU split, by thread names, and the
 * report says so. */
#include "platform/vm/ctl.h"
#include "core/log.h"

#include <signal.h>
#include <stdio.h>

int vm_ctl_stop(struct qmp *q, struct plat_server *s, int force)
{
    char why[256];
    if (!s->pid || s->exited) return 0;
    if (!force && q) {
        if (qmp_quit(q, why, sizeof why) == 0) return 0;
        log_info("%s: QMP quit: %s; SIGTERM to QEMU (pid %d)", s->spec->name, why, (int)s->pid);
    }
    int sig = force ? SIGKILL : SIGTERM;
    kill(s->pid, sig);
    return sig;
}

int vm_ctl_vcpus(struct qmp *q, struct plat_server *s, pid_t *tids, int max)
{
    char why[256];
    int n = qmp_vcpu_threads(q, tids, max, why, sizeof why);
    if (n > 0) return n;
    if (n == 0) snprintf(why, sizeof why, "QEMU named no vCPU thread");
    log_warn("%s: query-cpus-fast: %s", s->spec->name, why);
    plat_note(s, "vCPUs told by QEMU's thread names (query-cpus-fast: %s)", why);
    return 0;
}
