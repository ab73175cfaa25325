/* t_srv.c — the server core under fault injection: the fuzz_srv harness
 * (fake role, fake backend, socketpair clients) run on fixed scripts, so
 * the callback paths that once freed a connection under its caller run in
 * every `make test` and `make asan`. */
#define FUZZ_SRV_NO_MAIN
#include "../../fuzz/fuzz_srv.c"
#include "test.h"

/* Script ops: (client << 3) | op; see fuzz/fuzz_srv.c. */
#define CONNECT(k) (unsigned char)((k) << 3 | 0)
#define SEND(k)    (unsigned char)((k) << 3 | 1)
#define RESET(k)   (unsigned char)((k) << 3 | 2)
#define READING(k) (unsigned char)((k) << 3 | 3)
#define BACKEND    4
#define LOOP       5

/* The backend answers after the client reset: srv_write fails there, and
 * the callback goes on with srv_count, srv_resume and c->state. */
TEST(srv_reset_while_backend_pending)
{
    const unsigned char s[] = { CONNECT(0), SEND(0), 2, 'h', '\n', LOOP, RESET(0), BACKEND, LOOP,
                                CONNECT(1), SEND(1), 2, 'H', '\n', LOOP, RESET(1), BACKEND,
                                CONNECT(2), SEND(2), 2, 'e', '\n', LOOP, LOOP };
    struct srv_stats st;
    fuzz_srv_script(s, sizeof s, &st);
    T_EQ_INT(st.accepted, 3);
    T_EQ_INT(st.closed, 2);          /* client 2 is still open */
    T_ASSERT(st.requests >= 3);
}

/* The same through a timer, as imap's failed-LOGIN delay answers. */
TEST(srv_reset_while_timer_pending)
{
    const unsigned char s[] = { CONNECT(0), SEND(0), 2, 't', '\n', LOOP, RESET(0), LOOP, LOOP,
                                CONNECT(1), SEND(1), 4, 't', '\n', 'e', '\n', RESET(1), LOOP,
                                LOOP, LOOP };
    struct srv_stats st;
    fuzz_srv_script(s, sizeof s, &st);
    T_EQ_INT(st.closed, 2);
}

/* Answers piled up past the high mark, the client not reading, then a
 * reset; and a close at once inside on_input followed by writes. */
TEST(srv_reset_under_backpressure)
{
    const unsigned char s[] = { CONNECT(0), READING(0), SEND(0), 8, 'b', '\n', 'b', '\n', 'e', '\n',
                                'h', '\n', LOOP, LOOP, RESET(0), BACKEND, LOOP,
                                CONNECT(1), SEND(1), 4, 'x', '\n', 'e', '\n', LOOP, LOOP };
    struct srv_stats st;
    fuzz_srv_script(s, sizeof s, &st);
    T_EQ_INT(st.closed, 2);
}

/* A burst of complete small requests larger than max_request (256),
 * buffered before the server reads: every one is answered, no overflow. */
TEST(srv_pipelined_burst_over_max_request)
{
    unsigned char s[4 + 6 * 62 + 3];
    size_t n = 0;
    s[n++] = CONNECT(0);
    for (int k = 0; k < 6; k++) {
        s[n++] = SEND(0);
        s[n++] = 60;
        for (int j = 0; j < 30; j++) { s[n++] = 'e'; s[n++] = '\n'; }
    }
    s[n++] = LOOP;
    s[n++] = LOOP;
    struct srv_stats st;
    fuzz_srv_script(s, n, &st);
    T_EQ_INT(st.overflows, 0);
    T_EQ_INT(st.requests, 180);
}

/* A single line over the limit is refused. */
TEST(srv_one_request_over_max_request)
{
    unsigned char s[2 + 5 * 62 + 2];
    size_t n = 0;
    s[n++] = CONNECT(0);
    for (int k = 0; k < 5; k++) {
        s[n++] = SEND(0);
        s[n++] = 60;
        for (int j = 0; j < 60; j++) s[n++] = 'y';
    }
    s[n++] = LOOP;
    s[n++] = LOOP;
    struct srv_stats st;
    fuzz_srv_script(s, n, &st);
    T_EQ_INT(st.overflows, 1);
}
