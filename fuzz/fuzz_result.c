/* fuzz_result.c — the report model of a stored result.json
 * (report_model_from_json, as `hostmix report` and compare use it) on
 * arbitrary bytes.  Whatever builds a model is rendered as text and as
 * JSON; the JSON must build a model again, for both strictness levels. */
#include "core/json.h"
#include "report/model.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    char err[512];
    if (!null && !(null = fopen("/dev/null", "w"))) abort();
    struct json_doc *d = json_parse((const char *)data, size, err, sizeof err);
    if (!d) return 0;
    for (int full = 0; full < 2; full++) {
        struct buf why = BUF_INIT;
        struct report_model *m = report_model_from_json(json_root(d), full, &why);
        if (!m) {
            if (!buf_used(&why)) abort();       /* a refusal always says why */
            buf_free(&why);
            continue;
        }
        report_render_text(m, null);
        struct buf b = BUF_INIT;
        report_render_json(m, &b);
        struct json_doc *d2 = json_parse(b.data, b.len, err, sizeof err);
        struct report_model *m2 = d2 ? report_model_from_json(json_root(d2), 0, &why) : NULL;
        if (!m2) {
            fprintf(stderr, "re-read failed: %s %s\n", err, buf_cstr(&why));
            abort();
        }
        buf_free(&why);
        report_model_free(m2);
        json_doc_free(d2);
        buf_free(&b);
        report_model_free(m);
    }
    json_doc_free(d);
    return 0;
}
