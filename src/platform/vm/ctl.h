/* ctl.h — what the vm platform asks a guest's QEMU over QMP, and what it
 * does when QEMU refuses: stopping (quit, else SIGTERM by pid) and the
 * vCPU thread ids (query-cpus-fast, else none: the CPU split then tells
 * vCPUs by QEMU's thread names, and the server's note says why). */
#ifndef HOSTMIX_VM_CTL_H
#define HOSTMIX_VM_CTL_H

#include "platform/platform.h"
#include "platform/qmp.h"

/* Stops s's QEMU: force sends SIGKILL; otherwise QMP quit on q (when
 * there is a connection), and SIGTERM to s->pid when QEMU refused, did
 * not answer or there was no connection.  Returns the signal sent, or 0
 * when QEMU accepted quit. */
int vm_ctl_stop(struct qmp *q, struct plat_server *s, int force);

/* The vCPU thread ids of s's QEMU into tids (at most max).  Returns how
 * many; 0 when QEMU refused or named none, and then s's note says that
 * vCPUs are told by thread names, and why. */
int vm_ctl_vcpus(struct qmp *q, struct plat_server *s, pid_t *tids, int max);

#endif
