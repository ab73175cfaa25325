/* t_qmp.c — the QMP client: its parser on replies stored from a real QEMU
 * 7.2 (tests/fixtures/qmp), the client against a scripted server that
 * interleaves events and stray replies, the vm platform's teardown and
 * vCPU split against a QEMU that refuses quit and query-cpus-fast, and a
 * live QEMU started with -S (no guest needed; skipped with a message when
 * qemu-system-x86_64 is missing). */
#include "test.h"
#include "platform/qmp.h"
#include "platform/vm/ctl.h"
#include "core/clock.h"
#include "measure/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Reads tests/fixtures/qmp/NAME into b (NUL-terminated); 0 or -1. */
static int fx(const char *name, struct buf *b)
{
    char path[256], chunk[4096];
    snprintf(path, sizeof path, "tests/fixtures/qmp/%s", name);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(b, chunk, r);
    fclose(f);
    buf_cstr(b);
    return 0;
}

/* Parses fixture name into m; returns the qmp_parse_msg result. */
static int fx_msg(const char *name, struct qmp_msg *m)
{
    struct buf b = BUF_INIT;
    char why[256];
    int rc = fx(name, &b) ? -9 : qmp_parse_msg(buf_head(&b), buf_used(&b), m, why, sizeof why);
    buf_free(&b);
    return rc;
}

TEST(qmp_parse_fixtures)
{
    struct qmp_msg m = { 0 };
    T_EQ_INT(fx_msg("greeting.json", &m), 0);
    T_EQ_INT(m.kind, QMP_GREETING);
    T_EQ_STR(buf_cstr(&m.text), "7.2.22");
    T_EQ_INT(fx_msg("capabilities.json", &m), 0);
    T_EQ_INT(m.kind, QMP_RETURN);
    T_EQ_INT(m.id, 1);
    T_EQ_STR(buf_cstr(&m.text), "{}");
    T_EQ_INT(fx_msg("error.json", &m), 0);
    T_EQ_INT(m.kind, QMP_ERROR);
    T_EQ_INT(m.id, 4);
    T_EQ_STR(buf_cstr(&m.text),
             "CommandNotFound: The command no-such-command has not been found");
    T_EQ_INT(fx_msg("event-shutdown.json", &m), 0);
    T_EQ_INT(m.kind, QMP_EVENT);
    T_EQ_INT(m.id, -1);
    T_EQ_STR(buf_cstr(&m.text), "SHUTDOWN");
    T_EQ_STR(buf_cstr(&m.data), "{\"guest\":false,\"reason\":\"host-qmp-quit\"}");
    qmp_msg_free(&m);
}

TEST(qmp_parse_cpus_status)
{
    struct qmp_msg m = { 0 };
    pid_t t[4];
    char st[32];
    T_EQ_INT(fx_msg("query-cpus-fast.json", &m), 0);
    T_EQ_INT(qmp_parse_cpus(buf_head(&m.text), buf_used(&m.text), t, 4), 2);
    T_EQ_INT(t[0], 12635);
    T_EQ_INT(t[1], 12636);
    T_EQ_INT(qmp_parse_cpus(buf_head(&m.text), buf_used(&m.text), t, 1), 1);
    T_EQ_INT(fx_msg("query-status.json", &m), 0);
    T_EQ_INT(qmp_parse_status(buf_head(&m.text), buf_used(&m.text), st, sizeof st), 0);
    T_EQ_STR(st, "prelaunch");
    T_EQ_INT(fx_msg("query-status-running.json", &m), 0);
    T_EQ_INT(qmp_parse_status(buf_head(&m.text), buf_used(&m.text), st, sizeof st), 0);
    T_EQ_STR(st, "running");
    qmp_msg_free(&m);
    T_EQ_INT(qmp_parse_cpus("[{\"thread-id\": -3}]", 19, t, 4), -1);
    T_EQ_INT(qmp_parse_cpus("{}", 2, t, 4), -1);
    T_EQ_INT(qmp_parse_status("[]", 2, st, sizeof st), -1);
}

TEST(qmp_parse_stream)
{
    struct buf b = BUF_INIT, got = BUF_INIT;
    struct qmp_msg m = { 0 };
    char why[256];
    T_EQ_INT(fx("stream.txt", &b), 0);
    for (const char *p = buf_head(&b), *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        if (qmp_parse_msg(p, (size_t)(nl - p + 1), &m, why, sizeof why)) break;
        if (m.kind == QMP_EVENT) buf_printf(&got, "%s ", buf_cstr(&m.text));
        else buf_printf(&got, "%d:%lld ", (int)m.kind, m.id);
    }
    qmp_msg_free(&m);
    buf_free(&b);
    int ok = strcmp(buf_cstr(&got), "RESUME 1:5 1:6 STOP 1:7 SHUTDOWN 1:8 ") == 0;
    if (!ok) printf("    got %s\n", buf_cstr(&got));
    buf_free(&got);
    T_ASSERT(ok);
}

TEST(qmp_parse_bad)
{
    struct qmp_msg m = { 0 };
    char why[256];
    T_EQ_INT(qmp_parse_msg("{\"foo\": 1}", 10, &m, why, sizeof why), -1);
    T_ASSERT(strstr(why, "neither"));
    T_EQ_INT(qmp_parse_msg("[1]", 3, &m, why, sizeof why), -1);
    T_ASSERT(strstr(why, "not a JSON object"));
    T_EQ_INT(qmp_parse_msg("{\"return\": ", 11, &m, why, sizeof why), -1);
    T_ASSERT(strncmp(why, "qmp: bad JSON from QEMU: byte 11: ", 34) == 0);
    T_EQ_INT(qmp_parse_msg("{\"QMP\": {}}", 11, &m, why, sizeof why), -1);
    T_EQ_INT(qmp_parse_msg("{\"return\": 1, \"id\": \"x\"}", 24, &m, why, sizeof why), 0);
    T_EQ_INT(m.id, -1);
    qmp_msg_free(&m);
}

/* ---- scripted server ------------------------------------------------ */

struct fake { int lfd; char path[108]; };

/* Sends s on fd. */
static void say(int fd, const char *s)
{
    if (write(fd, s, strlen(s)) < 0) return;
}

/* Reads one request line from fd into line; returns its "id" or -1. */
static int request(int fd, char *line, size_t n)
{
    size_t k = 0;
    while (k + 1 < n && read(fd, line + k, 1) == 1 && line[k] != '\n') k++;
    line[k] = '\0';
    const char *id = strstr(line, "\"id\":");
    return id ? atoi(id + 5) : -1;
}

/* Plays a QEMU that answers out of band: events before replies, a reply
 * with a foreign id, an error, then closes on quit. */
static void *fake_qemu(void *arg)
{
    struct fake *f = arg;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    char line[512], out[512];
    struct buf g = BUF_INIT, cpus = BUF_INIT;
    fx("greeting.json", &g);
    fx("query-cpus-fast.json", &cpus);
    say(fd, buf_cstr(&g));
    int id = request(fd, line, sizeof line);            /* qmp_capabilities */
    snprintf(out, sizeof out, "{\"return\": {}, \"id\": %d}\r\n", id);
    say(fd, out);
    id = request(fd, line, sizeof line);                 /* query-cpus-fast */
    say(fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n");
    say(fd, "{\"return\": [{\"thread-id\": 1}], \"id\": 999}\r\n");
    /* the stored reply carries id 2: send it with this request's id */
    char *tail = strstr(buf_cstr(&cpus), "\"id\": 2}");
    if (tail) {
        *tail = '\0';
        say(fd, buf_head(&cpus));
        snprintf(out, sizeof out, "\"id\": %d}\r\n", id);
        say(fd, out);
    }
    id = request(fd, line, sizeof line);                 /* bogus */
    snprintf(out, sizeof out, "{\"id\": %d, \"error\": {\"class\": \"CommandNotFound\", "
             "\"desc\": \"nope\"}}\r\n", id);
    say(fd, out);
    request(fd, line, sizeof line);                      /* quit */
    say(fd, "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false}}\r\n");
    close(fd);
    buf_free(&g);
    buf_free(&cpus);
    return NULL;
}

/* Listens on a fresh unix socket for a scripted QEMU; 0 or -1. */
static int fake_listen(struct fake *f)
{
    snprintf(f->path, sizeof f->path, "/tmp/hmx-t-qmp-%d.sock", (int)getpid());
    unlink(f->path);
    f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    memcpy(a.sun_path, f->path, strlen(f->path) + 1);
    if (bind(f->lfd, (struct sockaddr *)&a, sizeof a) || listen(f->lfd, 1)) return -1;
    return 0;
}

TEST(qmp_client_scripted)
{
    struct fake f;
    T_EQ_INT(fake_listen(&f), 0);
    pthread_t th;
    pthread_create(&th, NULL, fake_qemu, &f);
    char why[256] = "";
    struct qmp *q = qmp_connect(f.path, 3000, why, sizeof why);
    pid_t t[8];
    int n = q ? qmp_vcpu_threads(q, t, 8, why, sizeof why) : -9;
    int bad_args = q ? qmp_exec(q, "x", "[1]", NULL, why, sizeof why) : -9;
    char args_text[256];
    snprintf(args_text, sizeof args_text, "%s", why);
    int bad_json = q ? qmp_exec(q, "x", "{x", NULL, why, sizeof why) : -9;
    char json_text[256];
    snprintf(json_text, sizeof json_text, "%s", why);
    int err = q ? qmp_exec(q, "bogus", "{\"a\": 1}", NULL, why, sizeof why) : -9;
    char err_text[256];
    snprintf(err_text, sizeof err_text, "%s", why);
    int quit = q ? qmp_quit(q, why, sizeof why) : -9;
    const char *stop = q ? qmp_last_event(q, "STOP") : NULL;
    const char *shut = q ? qmp_last_event(q, "SHUTDOWN") : NULL;
    int nev = q ? qmp_nevents(q) : -1;
    int ok_ev = stop && shut && strcmp(shut, "{\"guest\":false}") == 0;
    pthread_join(th, NULL);
    close(f.lfd);
    unlink(f.path);
    qmp_close(q);
    T_EQ_INT(n, 2);
    T_EQ_INT(t[0], 12635);
    T_EQ_INT(bad_args, -1);
    T_EQ_STR(args_text, "qmp: arguments of x are not a JSON object: other type");
    T_EQ_INT(bad_json, -1);
    T_ASSERT(strncmp(json_text, "qmp: arguments of x are not a JSON object: byte 1: ", 51) == 0);
    T_EQ_INT(err, QMP_ERR_CMD);
    T_EQ_STR(err_text, "CommandNotFound: nope");
    T_EQ_INT(quit, 0);
    T_EQ_INT(nev, 2);
    T_ASSERT(ok_ev);
}

/* ---- a QEMU that refuses ------------------------------------------- */

/* Plays a QEMU that accepts qmp_capabilities and answers every other
 * command (query-cpus-fast, quit) with an error, until the client closes. */
static void *refusing_qemu(void *arg)
{
    struct fake *f = arg;
    int fd = accept(f->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    char line[512], out[512];
    struct buf g = BUF_INIT;
    fx("greeting.json", &g);
    say(fd, buf_cstr(&g));
    for (int id; (id = request(fd, line, sizeof line)) >= 0 || line[0];) {
        if (strstr(line, "qmp_capabilities"))
            snprintf(out, sizeof out, "{\"return\": {}, \"id\": %d}\r\n", id);
        else
            snprintf(out, sizeof out, "{\"id\": %d, \"error\": {\"class\": \"GenericError\", "
                     "\"desc\": \"refused\"}}\r\n", id);
        say(fd, out);
    }
    close(fd);
    buf_free(&g);
    return NULL;
}

/* The stand-in QEMU process: it notes each SIGTERM on a pipe ("T") and
 * goes on, so only SIGKILL ends it. */
static int stubborn_fd = -1;
static void stubborn_term(int sig)
{
    (void)sig;
    if (write(stubborn_fd, "T", 1) < 0) _exit(3);
}

/* Starts the stand-in; its pid, with the pipe's read end in *rfd once it
 * is ready ("R" read), or -1. */
static pid_t stubborn_start(int *rfd)
{
    int p[2];
    char c;
    if (pipe(p)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        stubborn_fd = p[1];
        signal(SIGTERM, stubborn_term);
        if (write(p[1], "R", 1) < 0) _exit(3);
        for (;;) pause();
    }
    close(p[1]);
    *rfd = p[0];
    return pid > 0 && read(p[0], &c, 1) == 1 ? pid : -1;
}

static struct qmp *stop_qmp;        /* the connection t_stop asks through */
static void t_stop(struct plat *p, struct plat_server *s, int force)
{
    (void)p;
    vm_ctl_stop(stop_qmp, s, force);
}
static int t_reap(struct plat *p, struct plat_server *s)
{
    (void)p;
    if (!s->exited && plat_reap_pid(s->pid, &s->status)) s->exited = 1;
    return s->exited;
}

TEST(qmp_refused_stop_by_pid_vcpus_by_name)
{
    struct fake f;
    T_EQ_INT(fake_listen(&f), 0);
    pthread_t th;
    pthread_create(&th, NULL, refusing_qemu, &f);
    char why[256] = "", got[8] = "";
    struct qmp *q = qmp_connect(f.path, 3000, why, sizeof why);
    static struct server_spec sp = { .name = "set1-web" };
    struct plat_server s = { .spec = &sp };
    pid_t t[4];
    int nvcpu = q ? vm_ctl_vcpus(q, &s, t, 4) : -9;
    int rfd = -1;
    s.pid = stubborn_start(&rfd);
    static const struct platform_ops ops = { .name = "t", .stop = t_stop, .reap = t_reap };
    struct plat p = { .ops = &ops };
    stop_qmp = q;
    int64_t t0 = clock_mono_ns();
    if (s.pid > 0) plat_stop_all(&p, &s, 1);
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    for (size_t k = 0; rfd >= 0 && k + 1 < sizeof got && read(rfd, got + k, 1) == 1; k++) {}
    if (rfd >= 0) close(rfd);
    qmp_close(q);
    pthread_join(th, NULL);
    close(f.lfd);
    unlink(f.path);
    T_ASSERT(q);
    T_EQ_INT(nvcpu, 0);
    T_ASSERT(strstr(s.note, "vCPUs told by QEMU's thread names"));
    T_ASSERT(strstr(s.note, "GenericError: refused"));
    T_ASSERT(s.pid > 0 && s.exited);
    T_ASSERT(WIFSIGNALED(s.status) && WTERMSIG(s.status) == SIGKILL);
    T_EQ_STR(got, "T");                         /* SIGTERM came first, once */
    T_ASSERT(secs >= 2.5 && secs < 10);         /* the grace period, then SIGKILL */
}

/* A server that sends `say` and closes. */
struct blurt { int lfd; const char *say; };

static void *blurt_run(void *arg)
{
    struct blurt *b = arg;
    int fd = accept(b->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    say(fd, b->say);
    usleep(20000);
    close(fd);
    return NULL;
}

/* Connects to a server that says `text` then closes; the reason in why. */
static struct qmp *connect_to_blurt(const char *text, char *why, size_t n)
{
    char path[108];
    snprintf(path, sizeof path, "/tmp/hmx-t-qmpb-%d.sock", (int)getpid());
    unlink(path);
    struct blurt b = { socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), text };
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    memcpy(a.sun_path, path, strlen(path) + 1);
    if (bind(b.lfd, (struct sockaddr *)&a, sizeof a) || listen(b.lfd, 1)) return NULL;
    pthread_t th;
    pthread_create(&th, NULL, blurt_run, &b);
    struct qmp *q = qmp_connect(path, 2000, why, n);
    pthread_join(th, NULL);
    close(b.lfd);
    unlink(path);
    return q;
}

TEST(qmp_connect_hostile)
{
    char why[256] = "";
    T_ASSERT(!connect_to_blurt("", why, sizeof why));
    T_ASSERT(strstr(why, "closed the connection before its greeting"));
    T_ASSERT(!connect_to_blurt("hello\r\n", why, sizeof why));
    T_ASSERT(strstr(why, "bad JSON"));
    T_ASSERT(!connect_to_blurt("{\"return\": {}}\r\n", why, sizeof why));
    T_ASSERT(strstr(why, "not a greeting"));
    T_ASSERT(!connect_to_blurt("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}}}\r\n",
                               why, sizeof why));
    T_ASSERT(strncmp(why, "qmp: qmp_capabilities: ", 23) == 0);
}

TEST(qmp_connect_timeout)
{
    char why[256];
    long t0 = (long)time(NULL);
    struct qmp *q = qmp_connect("/tmp/hmx-t-qmp-none/q.sock", 200, why, sizeof why);
    T_ASSERT(!q);
    T_ASSERT(strstr(why, "No such file"));
    T_ASSERT((long)time(NULL) - t0 < 3);
}

/* ---- live QEMU ------------------------------------------------------ */

/* Starts QEMU paused with two vCPUs and QMP on sock; pid or -1. */
static pid_t qemu_start(const char *sock)
{
    char qmp[160];
    snprintf(qmp, sizeof qmp, "unix:%s,server=on,wait=off", sock);
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "microvm", "-accel", "tcg",
               "-nodefaults", "-display", "none", "-S", "-smp", "2",
               "-name", "hmx-t-qmp,debug-threads=on", "-qmp", qmp, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Waits up to ms for pid to exit; its status, or -1 (then kills it). */
static int reap(pid_t pid, int ms)
{
    int st;
    for (int i = 0; i < ms / 10; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) return st;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

/* 1 if /proc/pid/task/tid exists. */
static int has_task(pid_t pid, pid_t tid)
{
    char p[64];
    struct stat s;
    snprintf(p, sizeof p, "/proc/%d/task/%d", (int)pid, (int)tid);
    return stat(p, &s) == 0;
}

/* Threads of pid that QMP's tids and their names both call vCPUs. */
static int count_vcpus(pid_t pid, const pid_t *t)
{
    struct meas_thread *v;
    int n = meas_threads_read("", pid, &v), k = 0;
    for (int i = 0; i < n; i++) {
        int by_qmp = v[i].tid == t[0] || v[i].tid == t[1];
        if (by_qmp && meas_thread_class(v[i].comm, pid, v[i].tid, 0) == MEAS_TC_VCPU) k++;
    }
    if (n > 0) free(v);
    return k;
}

TEST(qmp_live_qemu)
{
    if (system("command -v qemu-system-x86_64 >/dev/null 2>&1") != 0) {
        T_SKIP("qemu-system-x86_64 not installed (scripts/deps.sh test)");
    }
    char sock[108], why[256] = "", st[32] = "";
    snprintf(sock, sizeof sock, "/tmp/hmx-t-qemu-%d.sock", (int)getpid());
    unlink(sock);
    pid_t pid = qemu_start(sock);
    struct qmp *q = qmp_connect(sock, 10000, why, sizeof why);
    pid_t t[8] = { 0 };
    int n = q ? qmp_vcpu_threads(q, t, 8, why, sizeof why) : -9;
    int alive = n == 2 && has_task(pid, t[0]) && has_task(pid, t[1]) && t[0] != t[1];
    int vcpus = n == 2 ? count_vcpus(pid, t) : -1;
    int rs = q ? qmp_status(q, st, sizeof st, why, sizeof why) : -9;
    int quit = q ? qmp_quit(q, why, sizeof why) : -9;
    int shut = q && qmp_last_event(q, "SHUTDOWN") != NULL;
    if (!q) printf("    %s\n", why);
    qmp_close(q);
    int status = reap(pid, 10000);
    unlink(sock);
    T_EQ_INT(n, 2);
    T_ASSERT(alive);
    T_EQ_INT(vcpus, 2);
    T_EQ_INT(rs, 0);
    T_EQ_STR(st, "prelaunch");
    T_EQ_INT(quit, 0);
    T_ASSERT(shut);
    T_ASSERT(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
