/* t_served.c — the served-request counters a server shares with its run
 * (core/served.c): unattached counters read -1, a server's counts are
 * seen through the run's mapping, a descriptor that is no counter page
 * is refused; and the tolerance of the cross-check (run/served.c). */
#include "test.h"
#include "core/served.h"
#include "run/run_int.h"

#include <fcntl.h>
#include <unistd.h>

TEST(served_shared_between_mappings)
{
    struct served *run = NULL;
    int fd = served_create(&run);
    T_ASSERT(fd >= 0 && run);
    T_EQ_INT(served_requests(run), -1);         /* no server attached yet */
    struct served *srv = served_attach(fd);
    T_ASSERT(srv != NULL);
    T_EQ_INT(served_requests(run), 0);
    served_add(srv, 0);
    served_add(srv, 1);
    served_add(srv, 0);
    T_EQ_INT(served_requests(run), 3);
    T_EQ_INT(run->errors, 1);
    T_EQ_INT(served_requests(NULL), -1);
    served_unmap(srv);
    served_unmap(run);
    close(fd);
    int null = open("/dev/null", O_RDWR);
    T_ASSERT(served_attach(null) == NULL);      /* not a page of counters */
    close(null);
}

TEST(served_tolerance_edges)
{
    /* 8 connections, 100/s, 3 ms of skew, nothing lost: 16 + 1 + 0 + 2 */
    T_EQ_INT(run_served_tolerance(8, 100, 3000000, 0), 19);
    /* one connection, no skew: 2 + 2 */
    T_EQ_INT(run_served_tolerance(1, 10, 0, 0), 4);
    /* timeouts and errors widen it */
    T_EQ_INT(run_served_tolerance(1, 10, 0, 5), 9);
    /* 10000/s with 50 ms between the driver's edge and the sample: 500 */
    T_EQ_INT(run_served_tolerance(0, 10000, 50000000, 0), 502);
}
