/* fuzz_json.c — json_parse on arbitrary bytes.  Whatever parses is written
 * back out (compact and pretty) and must parse again. */
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct json_doc *d = json_parse((const char *)data, size, err, sizeof err);
    if (!d) {
        if (!err[0]) abort();               /* a failure always says why */
        return 0;
    }
    for (int pretty = 0; pretty < 2; pretty++) {
        struct buf b = BUF_INIT;
        struct json_w w;
        json_w_init(&w, &b, pretty);
        json_w_value(&w, json_root(d));
        struct json_doc *d2 = json_parse(b.data, b.len, err, sizeof err);
        if (!d2) {
            fprintf(stderr, "re-parse failed: %s\n%.*s\n", err, (int)b.len, b.data);
            abort();
        }
        json_doc_free(d2);
        buf_free(&b);
    }
    json_doc_free(d);
    return 0;
}
