/* ae.h — a small event loop: file events on epoll, timer events on a heap.
 *
 * In the spirit of redis's ae: one loop per thread, callbacks for readable
 * and writable descriptors, and one-shot or periodic timers.  Timers have
 * nanosecond deadlines on the monotonic clock and are kept in a binary
 * min-heap, so a load driver can keep thousands of paced requests armed at
 * O(log n) each.  The loop waits with epoll_pwait2 (nanosecond timeout)
 * where the kernel has it, with epoll_wait otherwise.
 *
 * Ownership: the loop owns neither the descriptors nor the client data
 * passed to it; ae_del_file must be called before a descriptor is closed. */
#ifndef HOSTMIX_AE_H
#define HOSTMIX_AE_H

#include <stdint.h>

#define AE_NONE     0
#define AE_READABLE 1
#define AE_WRITABLE 2

#define AE_NOMORE   (-1)    /* timer callback return: do not re-arm */

typedef struct ae_loop ae_loop;

/* Called with the mask of events that fired (AE_READABLE|AE_WRITABLE). */
typedef void ae_file_fn(ae_loop *loop, int fd, void *data, int mask);
/* Returns AE_NOMORE, or the delay in ns after which to fire again.  The
 * re-armed deadline is counted from the previous deadline, not from now,
 * so a periodic timer does not drift (a timer still due runs again on the
 * next pass; one more than a second behind restarts from now). */
typedef int64_t ae_timer_fn(ae_loop *loop, int64_t id, void *data);
/* Runs before every wait; for work batched over one loop iteration. */
typedef void ae_before_fn(ae_loop *loop, void *data);

/* Creates a loop able to watch descriptors below setsize (grows on demand).
 * Returns NULL on failure with errno set. */
ae_loop *ae_create(int setsize);
void ae_destroy(ae_loop *loop);

/* Adds events in mask to fd (merging with those already set; one callback
 * and data pointer per fd).  Returns 0, or -1 with errno set. */
int ae_add_file(ae_loop *loop, int fd, int mask, ae_file_fn *fn, void *data);
/* Removes events in mask; with no events left the fd is forgotten. */
void ae_del_file(ae_loop *loop, int fd, int mask);
int ae_file_mask(ae_loop *loop, int fd);

/* Arms a timer to fire after delay_ns (or at the absolute monotonic time
 * deadline_ns).  Returns its id (> 0). */
int64_t ae_add_timer(ae_loop *loop, int64_t delay_ns, ae_timer_fn *fn, void *data);
int64_t ae_add_timer_at(ae_loop *loop, int64_t deadline_ns, ae_timer_fn *fn, void *data);
/* Cancels a pending timer; returns 0, or -1 if no such timer is pending. */
int ae_del_timer(ae_loop *loop, int64_t id);

void ae_set_before(ae_loop *loop, ae_before_fn *fn, void *data);

/* Processes events once: waits until a descriptor is ready or the next
 * timer is due (no longer than max_wait_ns; negative waits as long as
 * needed), then runs the callbacks.  Returns the number of events run. */
int ae_process(ae_loop *loop, int64_t max_wait_ns);
/* Runs until ae_stop. */
void ae_run(ae_loop *loop);
void ae_stop(ae_loop *loop);
/* The loop's notion of now, refreshed once per iteration (cheap). */
int64_t ae_now(ae_loop *loop);

#endif
