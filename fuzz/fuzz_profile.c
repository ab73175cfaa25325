/* fuzz_profile.c — the profile's parsers of outside input: perf script
 * lines (headers, frames, tracepoint fields), the whole analysis over a
 * perf script text, a cause table, /proc/PID/task/TID/status. */
#include "collect/collect.h"
#include "collect/pscript.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct cause_table fz_table;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_table.n) cause_table_parse(&fz_table, "builtin", cause_table_builtin, NULL);
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct ps_head h;
    struct ps_frame f;
    char v[64];
    if (ps_parse_head(text, &h) == 0) {
        ps_trace_field(h.trace, "prev_state", v, sizeof v);
        if (strlen(h.comm) >= sizeof h.comm) abort();
    }
    if (ps_parse_frame(text, &f) == 0 &&
        (strlen(f.sym) >= sizeof f.sym || strlen(f.dso) >= sizeof f.dso))
        abort();
    ps_trace_num(text, "pid", 0);
    uint64_t a, b;
    collect_status_parse(text, &a, &b);
    struct cause_table t = { 0 };
    cause_table_parse(&t, "fuzz", text, NULL);
    cause_table_free(&t);
    static const struct prof_owner o[] = { { 10, NULL, 0, "set1-web", ROLE_WEB, 1 } };
    struct prof_input in = { .table = &fz_table, .t0 = 0, .t1 = INT64_MAX, .owner = o, .nowner = 1,
                             .driver_pid = 20, .tcg = 1, .event = "cpu-clock", .top = 5 };
    FILE *mf = fmemopen(text, size ? size : 1, "r");
    struct prof_summary *s = malloc(sizeof *s);
    if (mf) {
        prof_analyze(mf, &in, s);
        fclose(mf);
    }
    free(s);
    free(text);
    return 0;
}
