/* prep_watch.c — `hostmix prepare ROLE` with a progress line: the role's
 * prepare runs in this thread while a watcher thread walks --data and
 * prints files and bytes done, rate and time left (core/progress.h) on
 * stderr, live on a terminal, a plain line every 5 s otherwise (short
 * prepares print nothing).  The totals come from the size options:
 * web's --docroot-size bytes, imap's users × (INBOX messages + the
 * default 3 folders of 5 messages and a marker file). */
#include "roles/role.h"
#include "core/progress.h"
#include "core/opt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define PREP_IMAP_EXTRA 18          /* 3 folders × (5 messages + maildirfolder) */

struct prep_watch {
    struct progress pg;
    atomic_int stop;
};

/* The value of option name (--name V or --name=V) in argv, or NULL. */
static const char *prep_arg(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], name, n) != 0) continue;
        if (argv[i][n] == '=') return argv[i] + n + 1;
        if (argv[i][n] == '\0' && i + 1 < argc) return argv[i + 1];
    }
    return NULL;
}

/* The totals the options promise (0 where unknown). */
static void prep_totals(const char *role, int argc, char **argv, int64_t *files, int64_t *bytes)
{
    char err[128];
    const char *v;
    *files = *bytes = 0;
    if (!strcmp(role, "web")) {
        *bytes = 64 << 20;          /* the default of --docroot-size */
        if ((v = prep_arg(argc, argv, "--docroot-size"))) opt_parse_size(v, bytes, err, sizeof err);
    } else if (!strcmp(role, "imap")) {
        int64_t users = 100, msgs = 50;
        if ((v = prep_arg(argc, argv, "--users"))) opt_parse_int(v, &users, err, sizeof err);
        if ((v = prep_arg(argc, argv, "--messages"))) opt_parse_int(v, &msgs, err, sizeof err);
        *files = users * (msgs + PREP_IMAP_EXTRA);
    }
}

static void *prep_watch_main(void *arg)
{
    struct prep_watch *w = arg;
    struct timespec ts = { 0, 200 * 1000000L };
    while (!atomic_load(&w->stop)) {
        progress_tick(&w->pg);
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int role_prepare_watched(const char *role, int (*fn)(int, char **), int argc, char **argv)
{
    const char *dir = prep_arg(argc, argv, "--data");
    struct prep_watch w;
    pthread_t th;
    if (!dir || !dir[0]) return fn(argc, argv);
    int64_t files, bytes;
    prep_totals(role, argc, argv, &files, &bytes);
    progress_init(&w.pg, role, dir, files, bytes, stderr);
    atomic_init(&w.stop, 0);
    if (pthread_create(&th, NULL, prep_watch_main, &w) != 0) return fn(argc, argv);
    int rc = fn(argc, argv);
    atomic_store(&w.stop, 1);
    pthread_join(th, NULL);
    progress_done(&w.pg, rc == 0);
    return rc;
}
