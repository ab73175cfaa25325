/* fuzz_capacity.c — a stored capacity.json (report_capacity_from_json) on
 * arbitrary bytes: whatever it accepts is printed as text and written as
 * JSON again, which must read back with the same capacity. */
#include "core/buf.h"
#include "core/json.h"
#include "report/capacity.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    char err[512] = "";
    if (!null && !(null = fopen("/dev/null", "w"))) abort();
    struct json_doc *d = json_parse((const char *)data, size, err, sizeof err);
    if (!d) return 0;
    struct buf why = BUF_INIT;
    struct report_capacity *c = report_capacity_from_json(json_root(d), &why);
    json_doc_free(d);
    if (!c) {
        if (!buf_used(&why)) abort();           /* a refusal always says why */
        buf_free(&why);
        return 0;
    }
    report_capacity_text(c, null);
    struct buf b = BUF_INIT;
    report_capacity_json(c, &b);
    struct json_doc *d2 = json_parse(buf_head(&b), buf_used(&b), err, sizeof err);
    struct report_capacity *c2 = d2 ? report_capacity_from_json(json_root(d2), &why) : NULL;
    if (!c2 || c2->capacity != c->capacity || c2->nsteps != c->nsteps) abort();
    report_capacity_free(c2);
    json_doc_free(d2);
    buf_free(&b);
    buf_free(&why);
    report_capacity_free(c);
    return 0;
}
