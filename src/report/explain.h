/* explain.h — the report model's "explain" section: what the profile of
 * the measurement interval says (src/collect/prof.h's summary, copied
 * into the model), in the text report, result.json (both ways) and
 * compare's split of a CPU difference by cause. */
#ifndef HOSTMIX_REPORT_EXPLAIN_H
#define HOSTMIX_REPORT_EXPLAIN_H

#include <stdio.h>

#include "collect/prof.h"
#include "report/model.h"

struct json_w;
struct json_val;

/* Copies s into m (m owns the copy); NULL s leaves m without a profile. */
void report_explain_set(struct report_model *m, const struct prof_summary *s);
/* Writes the top-level member "profile" (nothing without a profile). */
void report_explain_json(struct json_w *w, const struct report_model *m);
/* Reads "profile" back into m (absent: no profile). */
void report_explain_from_json(const struct json_val *v, struct report_model *m);
/* The text report's explain section, the top functions, each server's
 * CPU by cause, context switches and VM exits (nothing without a profile). */
void report_explain_text(const struct report_model *m, FILE *f);
/* The split of b's system-under-test CPU difference from a by cause, one
 * sentence (nothing unless both runs have a profile).  la, lb: labels. */
void report_explain_compare(const struct report_model *a, const struct report_model *b,
                            const char *la, const char *lb, FILE *f);

#endif
