/* files.c — a run's report files in its output directory, rendered from
 * the report model: report.txt, result.json and report.html, each written
 * atomically (a temporary file renamed over the old one), so a reader never
 * sees half a report.  The single run, every repeat and the repeats' whole
 * result, and every capacity step write through here. */
#include "report/report.h"
#include "report/model.h"
#include "report/html.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int report_write_text(const char *path, void (*render)(const void *obj, FILE *f),
                      const void *obj)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    if (!f) abort();
    render(obj, f);
    fclose(f);
    int rc = fs_write_out(path, data, len);
    if (rc) log_error("cannot write %s: %s", path, strerror(errno));
    free(data);
    return rc;
}

static void rf_text(const void *m, FILE *f)
{
    report_render_text(m, f);
}

/* report.html: the page of the one run m, naming the result.json beside it. */
static int rf_html(const struct report_model *m, const char *path, struct buf *err)
{
    const struct report_model *one[1] = { m };
    struct buf b = BUF_INIT, json = BUF_INIT;
    const char *slash = strrchr(path, '/');
    if (slash) buf_append(&json, path, (size_t)(slash - path + 1));
    buf_puts(&json, "result.json");             /* written beside this page */
    const char *file[1] = { buf_cstr(&json) };
    report_render_html(one, file, 1, &b);
    int rc = fs_write_out(path, buf_head(&b), buf_used(&b));
    if (rc) buf_printf(err, "cannot write %s: %s", path, strerror(errno));
    buf_free(&b);
    buf_free(&json);
    return rc;
}

int report_write_files(const struct report_model *m, const char *outdir, unsigned what)
{
    struct buf path = BUF_INIT, err = BUF_INIT;
    int rc = 0;
    if (what & REPORT_FILE_TEXT) {
        buf_printf(&path, "%s/report.txt", outdir);
        rc |= report_write_text(buf_cstr(&path), rf_text, m);
    }
    if (what & REPORT_FILE_JSON) {
        buf_reset(&path);
        buf_printf(&path, "%s/result.json", outdir);
        if (report_json_write_model(m, buf_cstr(&path), &err)) {
            log_error("%s", buf_cstr(&err));
            rc = -1;
        }
    }
    if (what & REPORT_FILE_HTML) {
        buf_reset(&path);
        buf_reset(&err);
        buf_printf(&path, "%s/report.html", outdir);
        if (rf_html(m, buf_cstr(&path), &err)) {
            log_error("%s", buf_cstr(&err));
            rc = -1;
        }
    }
    buf_free(&path);
    buf_free(&err);
    return rc ? -1 : 0;
}
