/* pscript.h — a parser of `perf script` text, line by line.
 *
 * hostmix records with perf and reads the samples back with
 *
 *   perf script -F comm,pid,tid,cpu,time,period,event,trace,ip,sym,dso --ns --no-demangle
 *               --show-lost-events
 *
 * which prints one header line per sample, one line per call-chain frame
 * (leaf first, indented by a tab) and an empty line after each sample:
 *
 *   web 812/812 [001]  2063.781429320:    2004008   cpu-clock:
 *   \tffffffff813a2413 finish_task_switch.isra.0 ([kernel.kallsyms])
 *
 * perf has no structured output for these fields, so this is the one
 * place that reads its text; it is outside input and has a fuzz target
 * (fuzz/fuzz_profile.c). */
#ifndef HOSTMIX_COLLECT_PSCRIPT_H
#define HOSTMIX_COLLECT_PSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#define PS_COMM_MAX 64
#define PS_SYM_MAX 128
#define PS_DSO_MAX 128

/* A sample's header line.  trace points into the parsed line (the
 * tracepoint's fields, "" for other events): valid while the line is. */
struct ps_head {
    char comm[PS_COMM_MAX];     /* may hold spaces ("CPU 0/TCG") */
    int pid, tid, cpu;
    int64_t t_ns;               /* the sample's time (perf's clock: -k CLOCK_MONOTONIC) */
    uint64_t period;            /* cpu-clock: nanoseconds the sample stands for */
    char event[64];             /* "cpu-clock", "sched:sched_switch" */
    const char *trace;
};

/* One call-chain frame. */
struct ps_frame {
    uint64_t ip;
    char sym[PS_SYM_MAX];       /* "[unknown]" when perf could not name it */
    char dso[PS_DSO_MAX];       /* "[kernel.kallsyms]", "/usr/bin/qemu-system-x86_64",
                                 * "[unknown]" */
    int kernel;                 /* the address is in the kernel (or a module) */
};

/* Parses a header line (without its newline).  Returns 0, or -1 when the
 * line is not one (a frame, an empty line, anything else). */
int ps_parse_head(const char *line, struct ps_head *h);
/* Parses a record of events the kernel could not write, as
 *   perf script --show-lost-events
 * prints it (perf 6.1; no frames and no empty line follow):
 *   perf 16577/16577 [001] 12497.469907966: PERF_RECORD_LOST lost 73
 * The ids and time are the record's (the events were lost on that CPU
 * since its previous record).  Returns 0 with h and *lost, or -1. */
int ps_parse_lost(const char *line, struct ps_head *h, uint64_t *lost);
/* Parses a frame line (it starts with blanks).  Returns 0 or -1. */
int ps_parse_frame(const char *line, struct ps_frame *f);
/* The value of key in a tracepoint's text ("prev_state=S ..."): the bytes
 * after "key=" up to the next " word=" or " ==> ".  Copies at most n-1
 * bytes into dst.  Returns 0, or -1 (dst "") when key is absent. */
int ps_trace_field(const char *trace, const char *key, char *dst, size_t n);
/* The same as a number (decimal); def when absent or not a number. */
long long ps_trace_num(const char *trace, const char *key, long long def);

#endif
