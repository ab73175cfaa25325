/* prep.c — the data sets of a run, prepared once and cached.
 *
 * Each data set lives in DATA_DIR/KEY, where KEY names the role, seed, set
 * and every size option that shapes its bytes, e.g.
 *     web-seed1-set1-docroot16777216-nfs30
 * `hostmix prepare` writes .hostmix-prepared last, so a directory without
 * it is a partial data set (an interrupted prepare): it is removed and
 * prepared again.  Same key, same bytes: the cache never goes stale.
 * Once prepared, the run writes DATA_DIR/KEY.manifest (core/manifest.h);
 * a cached data set is used only when it matches it, is prepared again
 * when it has none, and refuses the run when a file differs. */
#include "run/run_int.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/manifest.h"
#include "core/progress.h"
#include "roles/role.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int prep_make(struct run *r, int set, int role, const char *dst, const char *marker,
                     const struct strvec *size);

/* What a data set will hold, for the progress line (the role's row
 * estimates it; 0 where unknown). */
static void prep_expect(const struct job *j, int role, int64_t *files, int64_t *bytes)
{
    if (role_def(role)->expect) role_def(role)->expect(&j->role[role], files, bytes);
}

/* A data set found complete in the cache is used only when it matches
 * its manifest.  Returns 0 (use it), MANIFEST_NONE (none: prepare it
 * again) or -1 with the run invalidated naming the file that differs. */
static int prep_cached(struct run *r, int set, int role, const char *dst)
{
    struct buf why = BUF_INIT;
    int rc = manifest_use(dst, &why);
    if (rc == 0) log_info("set %d %s: data set cached in %s", set, role_names[role], dst);
    else if (rc == MANIFEST_NONE) log_info("set %d %s: data set %s has no manifest",
                                           set, role_names[role], dst);
    else run_invalidate(r, "set %d %s: data set refused: %s", set, role_names[role],
                        buf_cstr(&why));
    buf_free(&why);
    return rc;
}

/* Finds data set d complete and matching its manifest in the cache, or
 * prepares it.  Returns 0, or -1 with the run invalidated. */
static int prep_one(struct run *r, const struct plan_data *d)
{
    struct buf marker = BUF_INIT;
    buf_printf(&marker, "%s/.hostmix-prepared", d->cached);
    int cached = access(buf_cstr(&marker), F_OK) == 0 ? prep_cached(r, d->set, d->role, d->cached)
                                                       : MANIFEST_NONE;
    int rc = cached != MANIFEST_NONE ? cached
           : prep_make(r, d->set, d->role, d->cached, buf_cstr(&marker), &d->size);
    buf_free(&marker);
    return rc;
}

/* Runs `hostmix prepare` for (set, role) into dst.  Returns 0, or -1 with
 * the run invalidated. */
static int prep_make(struct run *r, int set, int role, const char *dst, const char *marker,
                     const struct strvec *size)
{
    const struct job *j = &r->job;
    if (access(dst, F_OK) == 0) {
        log_info("set %d %s: removing data set %s to prepare it again", set, role_names[role], dst);
        if (fs_rmtree(dst)) {
            run_invalidate(r, "cannot remove incomplete data set %s: %s", dst, strerror(errno));
            return -1;
        }
    }
    struct strvec argv = STRVEC_INIT;
    strvec_push(&argv, "hostmix");
    strvec_push(&argv, "prepare");
    strvec_push(&argv, role_names[role]);
    strvec_push(&argv, "--data");
    strvec_push(&argv, dst);
    strvec_pushf(&argv, "--set=%d", set);
    strvec_pushf(&argv, "--seed=%llu", (unsigned long long)j->seed);
    strvec_pushv(&argv, (const char *const *)size->v);
    char *log = strfmt("%s/logs/prepare-set%d-%s.log", r->outdir, set, role_names[role]);
    char *label = strfmt("set %d %s", set, role_names[role]);   /* the progress borrows it */
    log_info("%s: preparing data set in %s", label, dst);
    struct progress pg;
    int64_t want_files = 0, want_bytes = 0;
    prep_expect(j, role, &want_files, &want_bytes);
    progress_init(&pg, label, dst, want_files, want_bytes, stderr);
    int st = run_child_watch(r, strvec_argv(&argv), log, &pg);
    progress_done(&pg, st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    free(label);
    strvec_clear(&argv);
    int ok = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && access(marker, F_OK) == 0;
    if (st >= 0 && !ok) {
        char how[96];
        plat_status_text(st, how, sizeof how);
        run_invalidate(r, "hostmix prepare %s for set %d %s without writing %s (see %s)",
                       role_names[role], set, how, marker, log);
    }
    free(log);
    if (!ok) return -1;
    struct buf why = BUF_INIT;
    int rc = manifest_seal(dst, dst, &why);
    if (rc) run_invalidate(r, "set %d %s: %s", set, role_names[role], buf_cstr(&why));
    buf_free(&why);
    return rc;
}

/* The data directory, made if missing, must be one no other user can
 * steer: data sets, kernels, initramfs archives and root file systems
 * found there are trusted (fs_check_private).  The old default location,
 * in world-writable /var/tmp, is named when it still exists. */
static int prep_data_dir(struct run *r)
{
    const char *d = r->job.data_dir;
    char why[600];
    if (strcmp(d, HOSTMIX_DATA_DIR) == 0 && access(HOSTMIX_DATA_DIR_OLD, F_OK) == 0)
        log_info("an older data cache is at %s and is no longer used: remove it, or set data_dir "
                 "to a directory of root's", HOSTMIX_DATA_DIR_OLD);
    if (fs_mkdirs(d)) {
        run_invalidate(r, "cannot create data_dir %s: %s", d, strerror(errno));
        return -1;
    }
    if (fs_check_private(d, why, sizeof why)) {
        run_invalidate(r, "data_dir %s refused: %s", d, why);
        return -1;
    }
    return 0;
}

int run_prepare_data(struct run *r)
{
    if (prep_data_dir(r)) return -1;
    plan_data_build(&r->plan, &r->job);
    for (int i = 0; i < r->plan.ndata; i++)
        if (prep_one(r, &r->plan.data[i])) return -1;
    return 0;
}
