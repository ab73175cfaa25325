/* fuzz_qmp.c — the QMP message classifier and the query-cpus-fast and
 * query-status reply readers on arbitrary bytes.  A message that parses
 * must have a known kind; a RETURN value handed back must parse again. */
#include "platform/qmp.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct qmp_msg m = { 0 };
    char why[256] = "";
    pid_t tids[8];
    char st[32];
    if (qmp_parse_msg(text, size, &m, why, sizeof why) == 0) {
        if (m.kind > QMP_EVENT) abort();
        if (m.kind == QMP_RETURN) {
            qmp_parse_cpus(buf_head(&m.text), buf_used(&m.text), tids, 8);
            qmp_parse_status(buf_head(&m.text), buf_used(&m.text), st, sizeof st);
        }
    } else if (!why[0]) {
        abort();                            /* a failure always says why */
    }
    qmp_msg_free(&m);
    int n = qmp_parse_cpus(text, size, tids, 8);
    for (int i = 0; i < n; i++)
        if (tids[i] < 1) abort();
    qmp_parse_status(text, size, st, sizeof st);
    return 0;
}
