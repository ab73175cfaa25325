/* cause.h — causes of CPU time and the rules that give a profile sample
 * its cause.
 *
 * A rule maps a symbol pattern and a module (dso) pattern to a cause.
 * The rules are data: the built-in table (cause_table.c, in the format
 * below) plus a user's file ([profile] causes = FILE, read first, so its
 * rules win).  docs/profile.md documents the format and the causes:
 *
 *   # cause   where     symbol          module
 *   net       chain     tcp_*           kernel
 *   copy      leaf      copy_user_*     kernel
 *   emulation leaf      *               qemu-system-*
 *
 * where: `leaf` applies to the sampled function only; `chain` to any
 * frame of the call chain, the one nearest the leaf winning; `fallback`
 * like chain, but only when no leaf or chain rule matched anywhere (for
 * helpers such as kfree that say little about why they ran).  Patterns
 * know `*` and `?` only (brackets are literal: "[unknown]").  The module
 * is `kernel` (the kernel or a module), `user` (anything else), or a
 * pattern against the module's file name ("qemu-system-*", "[tun]").
 *
 * Causes that come from the process instead of the symbol (a server's
 * own work, the load driver, the profiler) are not in the table:
 * prof.c assigns them. */
#ifndef HOSTMIX_COLLECT_CAUSE_H
#define HOSTMIX_COLLECT_CAUSE_H

#include <stddef.h>
#include <stdio.h>

#include "roles/role.h"

enum prof_cause {
    PC_GUEST,           /* guest execution (vmx_vcpu_run; TCG's translated code) */
    PC_VMEXIT,          /* VM exit and entry handling (kvm) */
    PC_EMUL,            /* hypervisor device emulation (QEMU user space) */
    PC_VNET,            /* virtual network path: tun/tap, bridge, veth, vhost */
    PC_NET,             /* host network stack */
    PC_BLOCK,           /* block and file I/O */
    PC_SCHED,           /* scheduler and context switch */
    PC_IRQ,             /* timers and interrupts */
    PC_COPY,            /* user/kernel copies */
    PC_SYSCALL,         /* system-call entry and exit */
    PC_MM,              /* memory management: page faults, allocation */
    PC_OWN,             /* a server's own work, PC_OWN + role (user space) */
    PC_DRIVER = PC_OWN + ROLE_COUNT,    /* the load driver (hostmix run itself) */
    PC_PROFILER,        /* the profiler (perf) */
    PC_FOREIGN,         /* processes that are not hostmix's (other work on the host) */
    PC_OTHER,           /* nothing matched */
    PC_IDLE,            /* the idle loop: not busy time */
    PC_N
};

/* "guest", "vmexit", ..., "own:web", ..., "driver", "profiler", "foreign",
 * "other", "idle". */
const char *prof_cause_key(int cause);
/* "guest execution", "web's own work", ... (for reports). */
const char *prof_cause_label(int cause);
/* The cause of key, or -1. */
int prof_cause_find(const char *key);

enum cause_where { CW_LEAF, CW_CHAIN, CW_FALLBACK };

struct cause_rule {
    int cause, where;
    char sym[96], dso[64];
};

struct cause_table {
    struct cause_rule *r;       /* owned; cause_table_free releases it */
    int n, cap;
};

/* Adds the rules of text (the format above) to t; name is used in
 * messages.  Every bad line is reported on errs as "NAME:LINE: why".
 * Returns the number of bad lines (0: all added). */
int cause_table_parse(struct cause_table *t, const char *name, const char *text, FILE *errs);
/* Adds the rules of the file at path; -1 when it cannot be read (errs
 * says why), else as cause_table_parse. */
int cause_table_load(struct cause_table *t, const char *path, FILE *errs);
/* The built-in rules (cause_table.c) in text form. */
extern const char cause_table_builtin[];
void cause_table_free(struct cause_table *t);

/* One frame as the matcher sees it. */
struct cause_frame {
    const char *sym, *dso;
    int kernel;
};
/* The first matching rule's cause for one frame, per kind of rule:
 * out[CW_LEAF], out[CW_CHAIN], out[CW_FALLBACK] (-1: none).  A profile
 * caches this per distinct symbol, since symbols repeat. */
void cause_rules_of(const struct cause_table *t, const struct cause_frame *f, int out[3]);
/* The cause of a call chain from each frame's rules (m[0] the leaf):
 * a leaf rule of the leaf, else the chain rule nearest the leaf, else the
 * fallback rule nearest the leaf; -1 when none.  *depth receives the
 * matching frame's index. */
int cause_pick(const int (*m)[3], int n, int *depth);
/* cause_rules_of on every frame, then cause_pick. */
int cause_match(const struct cause_table *t, const struct cause_frame *f, int n, int *depth);
/* `*` and `?` pattern match (no classes, no escapes). */
int cause_glob(const char *pat, const char *s);

#endif
