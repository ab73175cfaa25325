/* fuzz_html.c — the HTML report (report_render_html) of the report model
 * of arbitrary bytes read as result.json, alone and as a comparison with
 * itself, and the capacity page (report_render_capacity_html) of the same
 * bytes read as capacity.json.  Every page must end in </html> and every
 * numeric SVG attribute (coordinates, sizes, points, paths) must hold a
 * finite number: no "nan" or "inf" reaches the browser whatever the
 * stored figures are. */
#include "core/buf.h"
#include "core/json.h"
#include "report/capacity.h"
#include "report/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts if an attribute named in attrs holds anything but a number list. */
static void fh_check(const char *p, size_t n)
{
    static const char *const attrs[] = { " x=\"", " y=\"", " width=\"", " height=\"", " points=\"",
                                         " d=\"", " cx=\"", " cy=\"", " x1=\"", " x2=\"",
                                         " y1=\"", " y2=\"" };
    if (n < 8 || memcmp(p + n - 8, "</html>\n", 8) != 0) abort();
    for (size_t a = 0; a < sizeof attrs / sizeof attrs[0]; a++) {
        size_t k = strlen(attrs[a]);
        for (const char *q = p; (q = memmem(q, n - (size_t)(q - p), attrs[a], k)); q += k)
            for (const char *v = q + k; *v != '"'; v++)
                if (!strchr("0123456789.,- MVlzhH", *v)) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    struct json_doc *d = json_parse((const char *)data, size, err, sizeof err);
    if (!d) return 0;
    struct buf why = BUF_INIT;
    struct report_model *m = report_model_from_json(json_root(d), 0, &why);
    if (m) {
        const struct report_model *two[2] = { m, m };
        const char *files[2] = { "a.json", NULL };
        for (int n = 1; n <= 2; n++) {
            struct buf b = BUF_INIT;
            report_render_html(two, files, n, &b);
            fh_check(buf_head(&b), buf_used(&b));
            buf_free(&b);
        }
        report_model_free(m);
    }
    struct report_capacity *c = report_capacity_from_json(json_root(d), &why);
    if (c) {
        struct buf b = BUF_INIT;
        report_render_capacity_html(c, "capacity.json", &b);
        fh_check(buf_head(&b), buf_used(&b));
        buf_free(&b);
        report_capacity_free(c);
    }
    json_doc_free(d);
    buf_free(&why);
    return 0;
}
