/* served.h — a server's served-request counters, shared with the run.
 *
 * A run must never report work its own servers did not do: if its driver
 * reached some other server (another run's on the same addresses, a
 * stale process), the driver's counts look fine while the measured
 * servers idle.  So the run hands each server it starts one page of
 * shared memory (a memfd, inherited as a descriptor: no file name anyone
 * could plant or redirect), the server's core (roles/srv.c) counts every
 * request it answers there, and the run reads it at the edges of the
 * measurement interval to compare with the driver's own count.
 *
 * One writer (the server's loop), any number of readers; the counters
 * only grow and are read with relaxed atomic loads. */
#ifndef HOSTMIX_SERVED_H
#define HOSTMIX_SERVED_H

#include <stdint.h>

#define SERVED_MAGIC 0x686d7873657276ULL    /* "hmxserv" */

struct served {
    uint64_t magic;         /* SERVED_MAGIC once a server has attached */
    uint64_t requests;      /* requests answered (srv_count), errors included */
    uint64_t errors;        /* of those, answered with an error */
};

/* A fresh page of zeroed counters: a memfd (close-on-exec; the caller
 * owns it and passes it to the server) mapped into *map.  Returns the
 * descriptor, or -1 (errno set). */
int served_create(struct served **map);

/* Maps the counters behind fd (the server's side) and marks them
 * attached.  Returns the mapping (served_unmap frees it) or NULL (errno:
 * EINVAL when fd is not such a page). */
struct served *served_attach(int fd);

void served_unmap(struct served *s);

/* One request answered (is_error: with an error). */
void served_add(struct served *s, int is_error);

/* The requests counted so far, or -1 when no server has attached. */
int64_t served_requests(const struct served *s);

#endif
