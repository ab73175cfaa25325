/* agent.h — the host-guest agent protocol over the virtio-serial port
 * org.hostmix.agent: both sides' codec in one place.
 *
 * The host sends one request per line: "stat\n", "stat N\n" (N a
 * decimal request number) or "poweroff\n".  The guest answers each with
 * one frame:
 *
 *     KIND LEN1 LEN2 ...\n  then LEN1 bytes, LEN2 bytes, ...
 *
 * KIND is a word of at most 15 letters; at most AGENT_MAX_SECT sections of
 * at most AGENT_MAX_LEN bytes each, lengths in decimal.  Frames:
 *     stat N1 N2 N3  guest /proc/stat text, then the server's /proc/PID/stat,
 *                  then the guest's CLOCK_MONOTONIC in decimal nanoseconds
 *                  when /proc/stat was read, a blank and how the guest's
 *                  kernel keeps idle time: m measured (NO_HZ), t by the
 *                  tick, u unknown (protocol version 2; version 1 sent the
 *                  first two sections alone, and its guest busy time can
 *                  only be read from the tick fields); to "stat N" a fourth
 *                  section, N (protocol version 3), so that the host can
 *                  tell an answer to an earlier request, sent late or
 *                  before it reconnected, from the one it waits for
 *     ok           (poweroff accepted; the guest powers off next)
 *     err N        a message (unknown request, unreadable file) */
#ifndef HOSTMIX_AGENT_H
#define HOSTMIX_AGENT_H

#include "core/buf.h"
#include "measure/measure.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The virtio-serial port the host and the guest speak on. */
#define VM_AGENT_PORT "org.hostmix.agent"

#define AGENT_MAX_SECT 4
#define AGENT_MAX_LEN (1u << 20)
#define AGENT_MAX_HEADER 128
/* A frame's kind ("stat", "err") with its NUL: a longer one is a bad frame. */
#define AGENT_MAX_KIND 16

struct agent_frame {
    char kind[AGENT_MAX_KIND];
    int nsect;
    const char *sect[AGENT_MAX_SECT];   /* point into the parsed bytes */
    size_t len[AGENT_MAX_SECT];
};

/* Appends a frame of kind with nsect sections to out. */
void agent_frame_put(struct buf *out, const char *kind, int nsect, const char *const sect[],
                     const size_t len[]);

/* Parses the frame at the start of p[0..n).  Returns its total length
 * (> 0) with f filled (sections point into p), 0 if more bytes are
 * needed, or -1 if the bytes are not a frame (why says how). */
ssize_t agent_frame_parse(const char *p, size_t n, struct agent_frame *f, struct buf *why);

/* What a stat frame carries, parsed with the /proc readers of measure/. */
#define AGENT_VERSION 3

struct agent_stat {
    int version;                    /* 1, 2 or 3, from the section count */
    uint64_t id;                    /* version 3: the request number it answers */
    char idle;                      /* version 2: 'm' idle measured, 't' by the tick, 'u' */
    struct meas_host host;          /* the guest's /proc/stat; t_ns its clock (version 2) */
    uint64_t srv_utime, srv_stime;  /* the server process, USER_HZ ticks */
};

/* Interprets a parsed "stat" frame of either version.  Returns 0, or -1
 * (wrong kind or section count, or text the parsers reject; why). */
int agent_stat_decode(const struct agent_frame *f, struct agent_stat *st, struct buf *why);

#endif
