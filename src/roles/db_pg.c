/* db_pg.c — db's real server: PostgreSQL 15 (software = real;
 * docs/real-servers.md).
 *
 * `hostmix prepare db --software=real --data D ...` makes D/pgdata, a
 * PostgreSQL data directory owned by the postgres system user (Debian's
 * postgresql package makes it; PostgreSQL refuses to run as root): initdb
 * with trust authentication for the user hostmix, then a private
 * postmaster on a Unix socket only, the orders database, and the same
 * schema and rows as the builtin db's (oe_generate), each batch of rows
 * loaded with COPY.  The postmaster stops with a fast shutdown, so the
 * data directory is clean and can be cached, sealed and served from a
 * working copy like any data set.
 *
 * At run time `postgres -D COPY/pgdata -c config_file=CONF` runs in the
 * foreground as postgres, TCP only, with fsync and synchronous_commit
 * following the job's sync, and is stopped with SIGINT (fast shutdown). */
#include "roles/role.h"
#include "roles/real.h"
#include "roles/oe.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/spawn.h"

#include <errno.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Debian's binaries (/usr/local/bin may hold local wrappers). */
#define PG_BIN "/usr/lib/postgresql/15/bin"
#define PG_USER "postgres"

static int pg_probe(char *why, size_t n)
{
    if (access(PG_BIN "/postgres", X_OK) == 0 && access(PG_BIN "/initdb", X_OK) == 0) return 0;
    snprintf(why, n, "PostgreSQL 15 is not installed (%s/postgres: %s; the postgresql-15 "
             "package: scripts/deps.sh test)", PG_BIN, strerror(errno));
    return -1;
}

/* ---- prepare ---------------------------------------------------------- */

struct pg_prep_opts {
    struct role_prep p;
    int64_t customers, items;
};

static const struct opt_def pg_prep_table[] = {
    ROLE_PREP_OPTS(struct pg_prep_opts, p),
    { "customers", OPT_INT, offsetof(struct pg_prep_opts, customers), 0, "7500", 10, 1e8, NULL,
      0, "customers (as the builtin db's)" },
    { "items", OPT_INT, offsetof(struct pg_prep_opts, items), 0, "1000", 10, 1e7, NULL, 0,
      "catalogue items (as the builtin db's)" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* Starts PG_BIN/argv[0] as u, its output on our stderr.  Returns its pid
 * or -1 (logged). */
static pid_t pg_spawn(const struct real_user *u, char *const argv[])
{
    char exe[256], why[300];
    snprintf(exe, sizeof exe, PG_BIN "/%s", argv[0]);
    struct spawn sw = { .exe = exe, .argv = argv, .pipes = 1, .out_fd = 2, .err_fd = 2,
                        .cwd = "/", .pdeathsig = SIGTERM, .child_fn = real_user_become,
                        .child_arg = (void *)u };
    pid_t pid = spawn_start(&sw, why, sizeof why);
    if (pid < 0) log_error("prepare db: cannot start %s: %s", exe, why);
    return pid;
}

/* Waits for pid; 0 when it exited with status 0. */
static int pg_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Appends one COPY text field: SQL literal text (a number, or a quoted
 * string with '' for ') from *p up to ',' or ')'. */
static void pg_copy_field(const char **p, struct buf *out)
{
    const char *s = *p;
    if (*s != '\'') {
        size_t k = strcspn(s, ",)");
        buf_append(out, s, k);
        *p = s + k;
        return;
    }
    for (s++; *s && !(s[0] == '\'' && s[1] != '\''); s++) {
        if (s[0] == '\'') s++;                    /* '' stands for ' */
        if (*s == '\\' || *s == '\t' || *s == '\n') buf_printf(out, "\\%c",
                                                             *s == '\t' ? 't' : *s == '\n' ? 'n' : '\\');
        else buf_append(out, s, 1);
    }
    *p = *s ? s + 1 : s;
}

/* Turns "INSERT INTO T VALUES\n(a,'b'),\n(...);\n" into COPY rows in out
 * and the table's name in table.  Returns 0, or -1 if sql is not that. */
static int pg_copy_rows(const char *sql, char *table, size_t n, struct buf *out)
{
    const char *p = sql + strlen("INSERT INTO ");
    size_t k = strcspn(p, " ");
    if (k == 0 || k >= n || strncmp(p + k, " VALUES\n", 8) != 0) return -1;
    memcpy(table, p, k);
    table[k] = '\0';
    for (p += k + 8; *p == '('; ) {
        p++;
        for (int first = 1; *p && *p != ')'; first = 0) {
            if (!first && *p++ != ',') return -1;
            if (!first) buf_append(out, "\t", 1);
            pg_copy_field(&p, out);
        }
        if (*p++ != ')') return -1;
        buf_append(out, "\n", 1);
        if (p[0] == ',' && p[1] == '\n') p += 2;
    }
    return strcmp(p, ";\n") == 0 ? 0 : -1;
}

/* Loads one batch of rows with COPY.  Returns 0 or -1 (logged). */
static int pg_copy(PGconn *c, const char *sql)
{
    char table[64], cmd[96];
    struct buf rows = BUF_INIT;
    int rc = pg_copy_rows(sql, table, sizeof table, &rows);
    if (rc) log_error("prepare db: cannot read the rows of %.60s", sql);
    snprintf(cmd, sizeof cmd, "COPY %s FROM STDIN", table);
    PGresult *res = rc ? NULL : PQexec(c, cmd);
    if (!rc && PQresultStatus(res) != PGRES_COPY_IN) rc = -1;
    PQclear(res);
    if (!rc && (PQputCopyData(c, rows.data, (int)rows.len) != 1 || PQputCopyEnd(c, NULL) != 1))
        rc = -1;
    while (!rc && (res = PQgetResult(c))) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) rc = -1;
        PQclear(res);
    }
    if (rc && rows.len) log_error("prepare db: COPY %s: %s", table, PQerrorMessage(c));
    buf_free(&rows);
    return rc;
}

/* oe_generate's emit: rows with COPY, every other statement as it is. */
static int pg_emit(void *ctx, const char *sql)
{
    PGconn *c = ctx;
    if (strncmp(sql, "INSERT INTO ", 12) == 0) return pg_copy(c, sql);
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(res);
    PQclear(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return 0;
    log_error("prepare db: %.60s: %s", sql, PQerrorMessage(c));
    return -1;
}

/* Connects to dbname through the socket in sock, waiting up to 60 s for
 * the postmaster pid to accept.  NULL (logged) if it does not. */
static PGconn *pg_connect(const char *sock, const char *dbname, pid_t pid)
{
    char info[512];
    snprintf(info, sizeof info, "host=%s port=5432 user=hostmix dbname=%s", sock, dbname);
    for (int i = 0; i < 600; i++) {
        int st;
        if (PQping(info) == PQPING_OK) {
            PGconn *c = PQconnectdb(info);
            if (PQstatus(c) == CONNECTION_OK) return c;
            log_error("prepare db: %s", PQerrorMessage(c));
            PQfinish(c);
            return NULL;
        }
        if (waitpid(pid, &st, WNOHANG) == pid) break;
        clock_sleep_ns(100 * CLOCK_NS_PER_MS);
    }
    log_error("prepare db: the postmaster did not accept connections on %s", sock);
    return NULL;
}

/* Creates the orders database and loads it through the postmaster pid
 * listening in sock.  Returns 0 or -1 (logged). */
static int pg_load(const char *sock, pid_t pid, const struct oe_size *z)
{
    PGconn *c = pg_connect(sock, "postgres", pid);
    int rc = c ? pg_emit(c, "CREATE DATABASE orders") : -1;
    PQfinish(c);
    c = rc ? NULL : pg_connect(sock, "orders", pid);
    rc = c ? oe_generate(OE_POSTGRES, z, pg_emit, c) : -1;
    PQfinish(c);
    return rc;
}

/* initdb into pgdata, then a postmaster on a socket in a private
 * directory, the load, and a fast shutdown.  Returns 0 or -1 (logged). */
static int pg_build(const char *pgdata, const struct real_user *u, const struct oe_size *z)
{
    char *initdb[] = { "initdb", "-D", (char *)pgdata, "-A", "trust", "-U", "hostmix", "-E",
                       "UTF8", "--locale=C", "--no-sync", NULL };
    pid_t pid = pg_spawn(u, initdb);
    if (pid < 0 || pg_wait(pid)) {
        log_error("prepare db: initdb of %s failed", pgdata);
        return -1;
    }
    char sock[] = "/tmp/hostmix-pgprep-XXXXXX";
    if (!mkdtemp(sock) || chown(sock, u->uid, u->gid)) {
        log_error("prepare db: cannot make a socket directory: %s", strerror(errno));
        if (sock[20] != 'X') rmdir(sock);
        return -1;
    }
    char *pm[] = { "postgres", "-D", (char *)pgdata, "-k", sock, "-c", "listen_addresses=",
                   "-c", "fsync=off", "-c", "full_page_writes=off", "-c",
                   "synchronous_commit=off", NULL };
    pid = pg_spawn(u, pm);
    int rc = pid < 0 ? -1 : pg_load(sock, pid, z);
    if (pid > 0) {
        kill(pid, SIGINT);              /* fast shutdown: a clean data directory */
        if (pg_wait(pid)) rc = -1;
    }
    rmdir(sock);
    return rc;
}

static int pg_prepare(int argc, char **argv)
{
    struct pg_prep_opts o;
    char why[900] = "", pgdata[700], stamp[700];
    struct real_user u;
    int rc = opt_parse_argv(pg_prep_table, &o, argc, argv,
                            "hostmix prepare db --software=real --data DIR [--customers N "
                            "--items M]", NULL);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    if (!o.p.data[0]) {
        fprintf(stderr, "hostmix prepare db: --data DIR is required\n");
        return CLI_USAGE;
    }
    snprintf(pgdata, sizeof pgdata, "%s/pgdata", o.p.data);
    snprintf(stamp, sizeof stamp, "%s/.hostmix-prepared", o.p.data);
    if (pg_probe(why, sizeof why) || real_user_find(PG_USER, &u, why, sizeof why) ||
        fs_mkdirs(o.p.data) || (unlink(stamp) && errno != ENOENT) ||
        (fs_rmtree(pgdata) && errno != ENOENT) || mkdir(pgdata, 0700) ||
        chown(pgdata, u.uid, u.gid) || real_path_reachable(pgdata, &u, why, sizeof why)) {
        if (!why[0]) snprintf(why, sizeof why, "%s: %s", pgdata, strerror(errno));
        log_error("prepare db: %s", why);
        return CLI_FAILED;
    }
    struct oe_size z = { o.customers, o.items, o.p.seed, (uint64_t)o.p.set };
    if (pg_build(pgdata, &u, &z)) return CLI_FAILED;
    FILE *f = fopen(stamp, "w");
    if (!f) {
        log_error("prepare db: cannot write %s: %s", stamp, strerror(errno));
        return CLI_FAILED;
    }
    fprintf(f, "db --software=real --set %lld --seed %llu --customers %lld --items %lld\n",
            (long long)o.p.set, (unsigned long long)o.p.seed, (long long)o.customers,
            (long long)o.items);
    return fclose(f) ? CLI_FAILED : CLI_OK;
}

/* ---- serve ------------------------------------------------------------ */

/* postgresql.conf for s: its address, TCP only, durability from sync,
 * shared_buffers a quarter of the role's memory, logs on stderr. */
static int pg_config(const struct real_server *s, struct buf *conf, struct strvec *v,
                     char *why, size_t n)
{
    (void)why; (void)n;
    const char *sync = s->o->sync ? "on" : "off";
    int64_t sb = s->o->memory / 4 / (1 << 20);
    buf_printf(conf, "# PostgreSQL 15 for hostmix's %s (generated; docs/real-servers.md)\n"
               "listen_addresses = '%s'\nport = %d\nunix_socket_directories = ''\n"
               "max_connections = 100\nshared_buffers = %lldMB\n"
               "fsync = %s\nsynchronous_commit = %s\nfull_page_writes = %s\n"
               "logging_collector = off\nlog_destination = 'stderr'\n"
               "log_min_messages = warning\n", s->name, s->ip, s->port,
               (long long)(sb < 16 ? 16 : sb), sync, sync, sync);
    strvec_push(v, PG_BIN "/postgres");
    strvec_push(v, "-D");
    strvec_pushf(v, "%s/pgdata", s->data);
    strvec_pushf(v, "--config_file=%s", s->conf);
    return 0;
}

/* Ready once a session can start (it listens before recovery ends). */
static int pg_ready(const char *ip, int port)
{
    char info[256];
    snprintf(info, sizeof info, "host=%s port=%d dbname=orders user=hostmix connect_timeout=2",
             ip, port);
    return PQping(info) == PQPING_OK;
}

const struct role_real role_db_real = {
    .what = "PostgreSQL 15", .user = PG_USER, .data_label = "pg15", .prepare = pg_prepare,
    .probe = pg_probe, .config = pg_config, .ready = pg_ready, .stop_signal = SIGINT,
};
