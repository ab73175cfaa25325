/* t_guests.c — the guests' own figures: the hypervisor-neutral overhead
 * arithmetic (a run's two samples with per-part CPU of two guests give
 * each guest's host cores by QEMU thread class, its guest-reported busy
 * cores and host/busy, and the per-role and total figures; result.json
 * carries them back unchanged); the host side of the agent channel
 * against a scripted guest that answers garbage, late, never or closes
 * (the busy time is then missing, not stale, and the server's note says
 * why), and that connects again at the next sample, skipping the late
 * answer to the missed one; and a run whose guest data is missing, which
 * the report and the verdict say (with the samples the agents missed). */
#include "test.h"
#include "report/model.h"
#include "run/run.h"
#include "core/buf.h"
#include "core/json.h"
#include "platform/vm/agent.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* part ns for one guest at one sample */
static void g_set(struct plat_cpu *c, double vcpu, double main_, double busy)
{
    c->part_ns[PLAT_CPU_VCPU] = (uint64_t)(vcpu * 1e9);
    c->part_ns[PLAT_CPU_MAIN] = (uint64_t)(main_ * 1e9);
    c->part_ns[PLAT_CPU_GUEST_BUSY] = (uint64_t)(busy * 1e9);
    c->total_ns = (uint64_t)((vcpu + main_) * 1e9);
    c->have = 1u << PLAT_CPU_VCPU | 1u << PLAT_CPU_MAIN | 1u << PLAT_CPU_GUEST_BUSY;
}

static struct server_spec g_spec[2];
static struct plat_server g_srv[2];
static struct plat_cpu g_cpu0[2], g_cpu1[2];
static uint64_t g_ns0[2], g_ns1[2];
static struct run_sample g_smp[2];

/* A run (freed by the caller) of two guests, set1-web and set1-db, over
 * a measurement interval of 4 s: web used 2.0 s vCPU + 0.4 s main and
 * reported 1.2 s busy; db 0.8 s + 0.2 s, reported 0.25 s busy. */
static struct run *g_two_guests(void)
{
    struct run *r = calloc(1, sizeof *r);
    job_defaults(&r->job);
    memset(g_srv, 0, sizeof g_srv);
    g_spec[0].role = ROLE_WEB;
    g_spec[1].role = ROLE_DB;
    snprintf(g_spec[0].name, sizeof g_spec[0].name, "set1-web");
    snprintf(g_spec[1].name, sizeof g_spec[1].name, "set1-db");
    for (int i = 0; i < 2; i++) g_srv[i].spec = &g_spec[i];
    r->srv = g_srv;
    r->nsrv = 2;
    g_set(&g_cpu0[0], 10, 1, 5);
    g_set(&g_cpu1[0], 12, 1.4, 6.2);
    g_set(&g_cpu0[1], 3, 1, 2);
    g_set(&g_cpu1[1], 3.8, 1.2, 2.25);
    for (int i = 0; i < 2; i++) {
        g_ns0[i] = g_cpu0[i].total_ns;
        g_ns1[i] = g_cpu1[i].total_ns;
    }
    memset(g_smp, 0, sizeof g_smp);
    g_smp[0].t_ns = 1000000000LL;
    g_smp[1].t_ns = 5000000000LL;
    g_smp[0].srv_cpu = g_cpu0;
    g_smp[1].srv_cpu = g_cpu1;
    g_smp[0].srv_ns = g_ns0;
    g_smp[1].srv_ns = g_ns1;
    r->samples = g_smp;
    r->nsamples = 2;
    r->s_measure_a = 0;
    r->s_measure_b = 1;
    r->s_base_a = r->s_base_b = -1;
    return r;
}

/* result.json of m, parsed back into a model (NULL on failure). */
static struct report_model *g_round_trip(const struct report_model *m, struct json_doc **doc)
{
    struct buf j = BUF_INIT;
    char err[256];
    report_render_json(m, &j);
    *doc = json_parse(buf_head(&j), buf_used(&j), err, sizeof err);
    buf_free(&j);
    struct buf why = BUF_INIT;
    struct report_model *m2 = *doc ? report_model_from_json(json_root(*doc), 0, &why) : NULL;
    buf_free(&why);
    return m2;
}

TEST(guests_neutral_overhead)
{
    struct run *r = g_two_guests();
    struct report_model *m = report_model_from_run(r);
    const struct report_server *w = &m->server[0], *d = &m->server[1];
    T_ASSERT(w->guest.present && d->guest.present);
    T_NEAR(w->measure_cores, 0.6, 1e-9);                /* 2.4 s / 4 s */
    T_NEAR(w->guest.thread_cores[0], 0.5, 1e-9);        /* vcpu */
    T_NEAR(w->guest.thread_cores[1], 0.1, 1e-9);        /* main */
    T_NEAR(w->guest.busy_cores, 0.3, 1e-9);
    T_NEAR(w->guest.overhead, 2.0, 1e-9);
    T_NEAR(d->guest.busy_cores, 0.0625, 1e-9);
    T_NEAR(d->guest.overhead, 0.25 / 0.0625, 1e-9);
    T_ASSERT(m->guests.present);
    T_NEAR(m->guests.host_cores, 0.85, 1e-9);
    T_NEAR(m->guests.busy_cores, 0.3625, 1e-9);
    T_NEAR(m->guests.overhead, 0.85 / 0.3625, 1e-9);
    T_NEAR(m->guests.role_overhead[ROLE_WEB], 2.0, 1e-9);
    T_NEAR(m->guests.role_overhead[ROLE_DB], 4.0, 1e-9);
    T_ASSERT(isnan(m->guests.role_overhead[ROLE_IMAP]));
    T_EQ_INT(m->guests.nmissing, 0);
    /* through result.json and back */
    struct json_doc *doc = NULL;
    struct report_model *m2 = g_round_trip(m, &doc);
    T_ASSERT(m2);
    if (m2) {
        T_NEAR(m2->server[0].guest.overhead, 2.0, 1e-9);
        T_NEAR(m2->guests.overhead, 0.85 / 0.3625, 1e-9);
        T_NEAR(m2->guests.role_overhead[ROLE_DB], 4.0, 1e-9);
    }
    report_model_free(m2);
    json_doc_free(doc);
    report_model_free(m);
    free(r);
}

/* ---- the agent channel, host side ------------------------------------- */

enum g_fault { G_GARBAGE, G_LATE, G_NEVER, G_CLOSED, G_NFAULTS };
static const char *const g_fault_names[G_NFAULTS] = { "garbage", "late", "never", "closed" };

struct g_guest { int fd; enum g_fault fault; };

/* Reads one request line from fd; 1, or 0 at end of stream. */
static int g_request(int fd)
{
    char c;
    ssize_t r;
    while ((r = read(fd, &c, 1)) == 1 && c != '\n') {}
    return r == 1;
}

/* Sends a stat frame of this host's /proc/stat and this process's stat. */
static void g_answer(int fd)
{
    char a[16384], b[2048];
    ssize_t na = meas_read("", "/proc/stat", a, sizeof a);
    ssize_t nb = meas_read("", "/proc/self/stat", b, sizeof b);
    const char *sect[2] = { a, b };
    size_t len[2] = { na > 0 ? (size_t)na : 0, nb > 0 ? (size_t)nb : 0 };
    struct buf out = BUF_INIT;
    agent_frame_put(&out, "stat", 2, sect, len);
    if (send(fd, buf_head(&out), buf_used(&out), MSG_NOSIGNAL) < 0) {}
    buf_free(&out);
}

/* Plays the guest: one good answer, then the fault, then waits for the
 * host to close the channel. */
static void *g_guest_run(void *arg)
{
    struct g_guest *g = arg;
    if (g_request(g->fd)) g_answer(g->fd);
    if (g->fault == G_CLOSED) shutdown(g->fd, SHUT_WR);
    if (g->fault == G_CLOSED || !g_request(g->fd)) return NULL;
    if (g->fault == G_GARBAGE && send(g->fd, "STAT x\n\x01\x02", 9, MSG_NOSIGNAL) < 0) {}
    if (g->fault == G_LATE) {
        usleep(300000);
        g_answer(g->fd);
    }
    while (g_request(g->fd)) {}
    return NULL;
}

TEST(guests_agent_late_garbage_never)
{
    for (int k = 0; k < G_NFAULTS; k++) {
        int sv[2];
        T_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        struct g_guest g = { sv[1], (enum g_fault)k };
        pthread_t th;
        pthread_create(&th, NULL, g_guest_run, &g);
        static struct server_spec sp = { .name = "set1-web" };
        struct plat_server s = { .spec = &sp };
        struct vm_agent_chan ch = { .fd = sv[0] };  /* no path: not connected again */
        int first = vm_agent_cpu(&ch, 100, &s);
        unsigned had = s.cpu.have >> PLAT_CPU_GUEST_BUSY & 1u;
        uint64_t busy = s.cpu.part_ns[PLAT_CPU_GUEST_BUSY];
        int second = vm_agent_cpu(&ch, 100, &s), fd_after = ch.fd;
        int third = vm_agent_cpu(&ch, 100, &s);
        if (ch.fd >= 0) close(ch.fd);
        pthread_join(th, NULL);
        close(sv[1]);
        printf("    %s: note '%s'\n", g_fault_names[k], s.note);
        T_EQ_INT(first, 0);
        T_ASSERT(had && busy > 0);
        T_EQ_INT(second, -1);
        T_EQ_INT(fd_after, -1);                 /* closed: a late answer cannot pass */
        T_EQ_INT(third, -1);
        T_EQ_INT(ch.fails, 2);
        T_EQ_INT(s.cpu.have >> PLAT_CPU_GUEST_BUSY & 1u, 0);      /* missing, not stale */
        T_ASSERT(strstr(s.note, "agent"));
    }
}

/* ---- reconnecting: a sample missed, the next one answered ------------- */

/* Reads one request line into line (NUL-terminated); 1, or 0 at end. */
static int g_request_line(int fd, char *line, size_t n)
{
    size_t k = 0;
    char c;
    while (read(fd, &c, 1) == 1) {
        if (c == '\n') {
            line[k] = '\0';
            return 1;
        }
        if (k + 1 < n) line[k++] = c;
    }
    return 0;
}

/* A version 3 stat frame answering request id, with the guest clock clk. */
static void g_answer_v3(int fd, const char *id, const char *clk)
{
    char a[16384], b[2048];
    ssize_t na = meas_read("", "/proc/stat", a, sizeof a);
    ssize_t nb = meas_read("", "/proc/self/stat", b, sizeof b);
    const char *sect[4] = { a, b, clk, id };
    size_t len[4] = { na > 0 ? (size_t)na : 0, nb > 0 ? (size_t)nb : 0, strlen(clk), strlen(id) };
    struct buf out = BUF_INIT;
    agent_frame_put(&out, "stat", 4, sect, len);
    if (send(fd, buf_head(&out), buf_used(&out), MSG_NOSIGNAL) < 0) {}
    buf_free(&out);
}

/* Plays QEMU's agent socket and the guest behind it: on the first
 * connection one answer, then silence until the host gives up and
 * closes; on the second, the late answer to the missed request first,
 * then the answer to the request at hand. */
static void *g_reconnect_run(void *arg)
{
    int lfd = *(int *)arg;
    char line[64];
    int c1 = accept(lfd, NULL, NULL);
    if (g_request_line(c1, line, sizeof line)) g_answer_v3(c1, line + 5, "2000000000 m");
    while (g_request_line(c1, line, sizeof line)) {}     /* never answered */
    close(c1);
    int c2 = accept(lfd, NULL, NULL);       /* fails once the test shut lfd down */
    if (c2 < 0) return NULL;
    if (g_request_line(c2, line, sizeof line)) {
        g_answer_v3(c2, "2", "1000000000 m");              /* late, for request 2 */
        g_answer_v3(c2, line + 5, "3000000000 m");
    }
    while (g_request_line(c2, line, sizeof line)) {}
    close(c2);
    return NULL;
}

TEST(guests_agent_reconnects_next_sample)
{
    char dir[] = "/tmp/hostmix-t-agent.XXXXXX", path[128];
    T_ASSERT(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/set1-web.agent", dir);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, path, strlen(path) + 1);     /* path is well under 108 bytes */
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    T_ASSERT(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lfd, 2) == 0);
    pthread_t th;
    pthread_create(&th, NULL, g_reconnect_run, &lfd);
    static struct server_spec sp = { .name = "set1-web" };
    struct plat_server s = { .spec = &sp };
    struct buf why = BUF_INIT;
    struct vm_agent_chan ch = { .fd = vm_agent_connect(path, 1000, &why), .path = path };
    int first = vm_agent_cpu(&ch, 200, &s);
    uint64_t clk1 = s.cpu.part_ns[PLAT_CPU_GUEST_CLOCK];
    int second = vm_agent_cpu(&ch, 200, &s);
    unsigned had2 = s.cpu.have >> PLAT_CPU_GUEST_BUSY & 1u;
    int fd2 = ch.fd;
    int third = vm_agent_cpu(&ch, 1000, &s);
    unsigned had3 = s.cpu.have >> PLAT_CPU_GUEST_BUSY & 1u;
    uint64_t clk3 = s.cpu.part_ns[PLAT_CPU_GUEST_CLOCK];
    ch.path = NULL;
    if (ch.fd >= 0) close(ch.fd);
    shutdown(lfd, SHUT_RDWR);               /* a guest still waiting in accept gives up */
    pthread_join(th, NULL);
    close(lfd);
    unlink(path);
    rmdir(dir);
    buf_free(&why);
    printf("    note '%s'\n", s.note);
    T_EQ_INT(first, 0);
    T_EQ_INT(clk1, 2000000000LL);
    T_EQ_INT(second, -1);
    T_ASSERT(!had2 && fd2 == -1);           /* missing in that sample, channel closed */
    T_EQ_INT(third, 0);                     /* connected again, answered */
    T_ASSERT(had3);
    T_EQ_INT(clk3, 3000000000LL);           /* the late answer to request 2 was skipped */
    T_EQ_INT(ch.fails, 1);
    T_EQ_INT(ch.seq, 3);
    T_ASSERT(strstr(s.note, "missed samples"));
}

/* ---- a run whose guest data is missing -------------------------------- */

TEST(guests_missing_busy_reported)
{
    struct run *r = g_two_guests();
    const char *why = "no guest-reported busy time from then on (agent: no answer to 'stat' "
                      "within 500 ms)";
    g_cpu1[1].have &= ~(1u << PLAT_CPU_GUEST_BUSY);     /* db's agent failed mid-run */
    snprintf(g_srv[1].note, sizeof g_srv[1].note, "%s", why);
    struct report_model *m = report_model_from_run(r);
    struct buf vb = BUF_INIT;
    char *text = NULL;
    size_t tn = 0;
    report_verdict_text(m, &vb);
    char *verdict = buf_detach(&vb);
    FILE *f = open_memstream(&text, &tn);
    report_guest_text(m, f);
    fclose(f);
    struct json_doc *doc = NULL;
    struct report_model *m2 = g_round_trip(m, &doc);
    char want[300];
    snprintf(want, sizeof want, "set1-db: guest-reported busy time missing: %s", why);
    int in_text = strstr(text, want) != NULL;
    free(text);
    T_ASSERT(isnan(m->server[1].guest.busy_cores) && isnan(m->server[1].guest.overhead));
    T_NEAR(m->server[0].guest.busy_cores, 0.3, 1e-9);
    T_EQ_INT(m->guests.nguests, 2);
    T_EQ_INT(m->guests.nmissing, 1);
    int verdict_ok = strstr(verdict, "1 of 2 guests") && strstr(verdict, "missing") &&
                     strstr(verdict, "the guest agents missed 1 of 4 samples");
    free(verdict);
    T_ASSERT(verdict_ok);
    T_EQ_INT(m->server[1].guest.agent_samples, 2);      /* the interval's two edges */
    T_EQ_INT(m->server[1].guest.agent_missed, 1);
    T_EQ_INT(m->server[0].guest.agent_missed, 0);
    T_ASSERT(in_text);
    T_ASSERT(m2);
    T_EQ_STR(m2->server[1].note, why);
    T_EQ_INT(m2->guests.nmissing, 1);
    T_EQ_INT(m2->server[1].guest.agent_missed, 1);
    T_EQ_INT(m2->guests.agent_samples, 4);
    report_model_free(m2);
    json_doc_free(doc);
    report_model_free(m);
    free(r);
}

/* A guest that claims more CPUs than it was given is not believed: the
 * answer is refused (the note says why), and a busy time above vCPUs x
 * the interval is cut to that. */
static void *g_answer_once(void *arg)
{
    int fd = *(int *)arg;
    if (g_request(fd)) g_answer(fd);
    while (g_request(fd)) {}
    return NULL;
}

TEST(guests_agent_claims_bounded)
{
    if (meas_hz() <= 0) T_SKIP("no USER_HZ");
    struct meas_host h;
    T_EQ_INT(meas_host_read("", &h), 0);
    if (h.ncpu < 2) T_SKIP("this host has one CPU: a guest of one vCPU cannot claim more");
    int sv[2];
    T_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    pthread_t th;
    pthread_create(&th, NULL, g_answer_once, &sv[1]);
    static struct server_spec sp = { .name = "set1-web", .vcpus = 1 };
    struct plat_server s = { .spec = &sp };
    struct vm_agent_chan ch = { .fd = sv[0] };
    int rc = vm_agent_cpu(&ch, 1000, &s);
    if (ch.fd >= 0) close(ch.fd);
    pthread_join(th, NULL);
    close(sv[1]);
    T_EQ_INT(rc, -1);
    T_ASSERT(strstr(s.note, "CPUs and has 1"));
    T_EQ_INT(s.cpu.have >> PLAT_CPU_GUEST_BUSY & 1u, 0);
    /* the model: web claims 95 s busy in a 4 s interval on one vCPU */
    struct run *r = g_two_guests();
    g_spec[0].vcpus = 1;
    g_cpu1[0].part_ns[PLAT_CPU_GUEST_BUSY] = 100000000000ULL;
    struct report_model *m = report_model_from_run(r);
    T_NEAR(m->server[0].guest.busy_cores, 1.0, 1e-12);
    T_NEAR(m->server[1].guest.busy_cores, 0.0625, 1e-12);    /* db: (2.25 - 2) / 4 */
    report_model_free(m);
    g_spec[0].vcpus = 0;
    free(r);
}

/* ---- steal: not busy, shown per guest and in all ---------------------- */

struct g_script { int fd; const char *stat[2], *clock[2]; };

/* Plays a guest answering each request with the next stored /proc/stat
 * (tests/fixtures/guest/steal), with its clock when clock[i] is set. */
static void *g_script_run(void *arg)
{
    struct g_script *g = arg;
    static const char *const self = "82 (hostmix) S 1 82 82 0 -1 4194560 100 0 0 0 7 3 0 0 "
                                    "20 0 1 0 50";
    for (int i = 0; i < 2 && g_request(g->fd); i++) {
        const char *sect[3] = { g->stat[i], self, g->clock[i] };
        size_t len[3] = { strlen(g->stat[i]), strlen(self), g->clock[i] ? strlen(g->clock[i]) : 0 };
        struct buf out = BUF_INIT;
        agent_frame_put(&out, "stat", g->clock[i] ? 3 : 2, sect, len);
        if (send(g->fd, buf_head(&out), buf_used(&out), MSG_NOSIGNAL) < 0) {}
        buf_free(&out);
    }
    while (g_request(g->fd)) {}
    return NULL;
}

/* Two answers of the fixture guest through the host side of the channel:
 * the busy and steal deltas in ns (busy -1 on failure). */
static void g_steal_deltas(const char *c0, const char *c1, int64_t *busy, int64_t *steal)
{
    static char st[2][1024];
    const char *name[2] = { "tests/fixtures/guest/steal/stat0", "tests/fixtures/guest/steal/stat1" };
    for (int i = 0; i < 2; i++)
        if (meas_read("", name[i], st[i], sizeof st[i]) <= 0) st[i][0] = '\0';
    int sv[2];
    *busy = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) return;
    struct g_script g = { sv[1], { st[0], st[1] }, { c0, c1 } };
    pthread_t th;
    pthread_create(&th, NULL, g_script_run, &g);
    static struct server_spec sp = { .name = "set1-db", .vcpus = 2 };
    struct plat_server s = { .spec = &sp };
    struct vm_agent_chan ch = { .fd = sv[0] };
    uint64_t b0 = 0, s0 = 0;
    int ok = vm_agent_cpu(&ch, 1000, &s) == 0;
    b0 = s.cpu.part_ns[PLAT_CPU_GUEST_BUSY];
    s0 = s.cpu.part_ns[PLAT_CPU_GUEST_STEAL];
    ok = ok && vm_agent_cpu(&ch, 1000, &s) == 0;
    if (ch.fd >= 0) close(ch.fd);
    pthread_join(th, NULL);
    close(sv[1]);
    if (!ok) return;
    *busy = (int64_t)(s.cpu.part_ns[PLAT_CPU_GUEST_BUSY] - b0);
    *steal = (int64_t)(s.cpu.part_ns[PLAT_CPU_GUEST_STEAL] - s0);
}

TEST(guests_steal_not_busy)
{
    if (meas_hz() != 100) T_SKIP("the fixture is in USER_HZ 100 ticks, this host has %ld", meas_hz());
    int64_t busy, steal;
    g_steal_deltas("10000000000", "12000000000", &busy, &steal);   /* protocol 2: measured */
    T_EQ_INT(busy, 1000000000);             /* 4 s - idle 1.2 s - steal 1.8 s */
    T_EQ_INT(steal, 1800000000);
    g_steal_deltas(NULL, NULL, &busy, &steal);                      /* protocol 1: ticks */
    T_EQ_INT(busy, 1000000000);             /* user + system, steal left out */
    T_EQ_INT(steal, 1800000000);
    /* in the model: per guest, and in all */
    struct run *r = g_two_guests();
    for (int i = 0; i < 2; i++) {
        g_cpu0[i].have |= 1u << PLAT_CPU_GUEST_STEAL;
        g_cpu1[i].have |= 1u << PLAT_CPU_GUEST_STEAL;
        g_cpu0[i].part_ns[PLAT_CPU_GUEST_STEAL] = 1000000000;
    }
    g_cpu1[0].part_ns[PLAT_CPU_GUEST_STEAL] = 1400000000;          /* web: 0.4 s in 4 s */
    g_cpu1[1].part_ns[PLAT_CPU_GUEST_STEAL] = 2800000000;          /* db: 1.8 s in 4 s */
    struct report_model *m = report_model_from_run(r);
    T_NEAR(m->server[0].guest.steal_cores, 0.1, 1e-9);
    T_NEAR(m->server[1].guest.steal_cores, 0.45, 1e-9);
    T_NEAR(m->guests.steal_cores, 0.55, 1e-9);
    T_NEAR(m->guests.busy_cores, 0.3625, 1e-9);                    /* unchanged by steal */
    char *text = NULL;
    size_t tn = 0;
    FILE *f = open_memstream(&text, &tn);
    report_guest_text(m, f);
    fclose(f);
    int shown = strstr(text, "0.550 cores in all") != NULL;
    free(text);
    T_ASSERT(shown);
    struct json_doc *doc = NULL;
    struct report_model *m2 = g_round_trip(m, &doc);
    T_ASSERT(m2 && fabs(m2->guests.steal_cores - 0.55) < 1e-9);
    report_model_free(m2);
    json_doc_free(doc);
    report_model_free(m);
    free(r);
    r = g_two_guests();                                             /* no guest reports steal */
    m = report_model_from_run(r);
    T_ASSERT(isnan(m->guests.steal_cores));
    report_model_free(m);
    free(r);
}
