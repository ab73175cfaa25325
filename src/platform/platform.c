/* platform.c — the platform table, what every platform shares, and the
 * rows of the platforms that are not implemented yet. */
#include "platform/platform.h"
#include "core/clock.h"
#include "job/job.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

const struct platform_ops *plat_find(int id)
{
    switch (id) {
    case PLATFORM_NATIVE:    return &plat_native_ops;
    case PLATFORM_CONTAINER: return &plat_container_ops;
    case PLATFORM_VM:        return &plat_vm_ops;
    case PLATFORM_LIBVIRT:   return &plat_libvirt_ops;
    default:                 return NULL;
    }
}

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

/* ---- platforms still to come ---------------------------------------
 * container: OCI containers through crun/runc (or namespaces + a cgroup),
 *            veth pairs on a per-run bridge in 198.18.0.0/15;
 * vm:        QEMU guests (KVM where the host has it, TCG otherwise) with
 *            hostmix's static init, virtio-net on tap+bridge, CPU split into
 *            vCPU and I/O threads, /proc/stat guest time;
 * libvirt:   domains through libvirt (KVM, Xen, LXC, remote hosts).
 * Their probe refuses, so every other op is unreachable. */

static int plat_unimpl_probe(struct plat *p, char *why, size_t n)
{
    snprintf(why, n, "platform '%s' is not implemented yet (use platform = native)", p->ops->name);
    return -1;
}

#define PLAT_UNIMPL(var, label) \
    const struct platform_ops var = { label, plat_unimpl_probe, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

PLAT_UNIMPL(plat_container_ops, "container");
PLAT_UNIMPL(plat_vm_ops, "vm");
PLAT_UNIMPL(plat_libvirt_ops, "libvirt");
