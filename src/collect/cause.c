/* cause.c — cause names, the rule table's parser and the matcher
 * (cause.h). */
#include "collect/cause.h"

#include "roles/role.h"
#include "core/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys and labels of every cause; a server's own work (PC_OWN + role)
 * takes "own:ROLE" and its label from the role table (filled in below). */
static const char *cause_keys[PC_N] = {
    "guest", "vmexit", "emulation", "vnet", "net", "block", "sched", "irq", "copy", "syscall",
    "mm", [PC_DRIVER] = "driver", "profiler", "foreign", "other", "idle",
};

static const char *cause_labels[PC_N] = {
    "guest execution", "VM exit and entry handling", "device emulation (QEMU user space)",
    "virtual network path (tun/tap, bridge, veth, vhost)", "host network stack",
    "block and file I/O", "scheduler and context switch", "timers and interrupts",
    "user/kernel copies", "system-call entry and exit", "memory management",
    [PC_DRIVER] = "the load driver", "the profiler",
    "other processes (not hostmix's)", "other", "idle",
};

/* "own:web", ...: built once before main runs, kept for the process. */
__attribute__((constructor)) static void cause_own_fill(void)
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        cause_keys[PC_OWN + r] = strfmt("own:%s", role_names[r]);     /* kept for the process */
        cause_labels[PC_OWN + r] = role_def(r)->cause_label;
    }
}

const char *prof_cause_key(int cause)
{
    return cause >= 0 && cause < PC_N ? cause_keys[cause] : "?";
}

const char *prof_cause_label(int cause)
{
    return cause >= 0 && cause < PC_N ? cause_labels[cause] : "?";
}

int prof_cause_find(const char *key)
{
    for (int c = 0; c < PC_N; c++)
        if (!strcmp(cause_keys[c], key)) return c;
    return -1;
}

int cause_glob(const char *pat, const char *s)
{
    while (*pat) {
        if (*pat == '*') {
            while (*pat == '*') pat++;
            if (!*pat) return 1;
            for (; *s; s++)
                if (cause_glob(pat, s)) return 1;
            return 0;
        }
        if (!*s || (*pat != '?' && *pat != *s)) return 0;
        pat++;
        s++;
    }
    return *s == '\0';
}

/* Causes a table may name: the ones that do not come from the process. */
static int cause_table_cause(const char *key)
{
    int c = prof_cause_find(key);
    return c >= 0 && (c < PC_OWN || c == PC_OTHER || c == PC_IDLE) ? c : -1;
}

static void cause_push(struct cause_table *t, const struct cause_rule *r)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 128;
        t->r = realloc(t->r, (size_t)t->cap * sizeof *t->r);
        if (!t->r) abort();
    }
    t->r[t->n++] = *r;
}

/* Parses one non-empty, non-comment line; returns NULL or why it is bad. */
static const char *cause_line(struct cause_table *t, char *line)
{
    char *w[5], *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(line, " \t", &save); tok && n < 5; tok = strtok_r(NULL, " \t", &save))
        w[n++] = tok;
    if (n != 4) return "expected 4 fields: cause where symbol module";
    struct cause_rule r;
    memset(&r, 0, sizeof r);
    r.cause = cause_table_cause(w[0]);
    if (r.cause < 0)
        return "unknown cause (guest vmexit emulation vnet net block sched irq copy syscall mm "
               "other idle)";
    if (!strcmp(w[1], "leaf")) r.where = CW_LEAF;
    else if (!strcmp(w[1], "chain")) r.where = CW_CHAIN;
    else if (!strcmp(w[1], "fallback")) r.where = CW_FALLBACK;
    else return "where must be leaf, chain or fallback";
    if (strlen(w[2]) >= sizeof r.sym || strlen(w[3]) >= sizeof r.dso) return "pattern too long";
    strcpy(r.sym, w[2]);
    strcpy(r.dso, w[3]);
    cause_push(t, &r);
    return NULL;
}

int cause_table_parse(struct cause_table *t, const char *name, const char *text, FILE *errs)
{
    int bad = 0, lineno = 0;
    for (const char *p = text; p && *p; lineno++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, len);
        if (!line) abort();
        line[strcspn(line, "#\r")] = '\0';
        if (line[strspn(line, " \t")]) {
            const char *why = cause_line(t, line);
            if (why) {
                if (errs) fprintf(errs, "%s:%d: %s\n", name, lineno + 1, why);
                bad++;
            }
        }
        free(line);
        p = nl ? nl + 1 : NULL;
    }
    return bad;
}

int cause_table_load(struct cause_table *t, const char *path, FILE *errs)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errs) fprintf(errs, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t cap = 0;
    ssize_t len = getdelim(&text, &cap, '\0', f);
    fclose(f);
    int bad = len >= 0 ? cause_table_parse(t, path, text, errs) : 0;
    free(text);
    return bad;
}

void cause_table_free(struct cause_table *t)
{
    free(t->r);
    memset(t, 0, sizeof *t);
}

/* The file name part of a module path ("[kernel.kallsyms]" stays whole). */
static const char *cause_base(const char *dso)
{
    const char *s = dso[0] == '[' ? NULL : strrchr(dso, '/');
    return s ? s + 1 : dso;
}

static int cause_dso_ok(const struct cause_rule *r, const struct cause_frame *f)
{
    if (!strcmp(r->dso, "kernel")) return f->kernel;
    if (!strcmp(r->dso, "user")) return !f->kernel;
    return cause_glob(r->dso, cause_base(f->dso));
}

void cause_rules_of(const struct cause_table *t, const struct cause_frame *f, int out[3])
{
    out[0] = out[1] = out[2] = -1;
    for (int i = 0; i < t->n; i++) {
        const struct cause_rule *r = &t->r[i];
        if (out[r->where] >= 0 || !cause_dso_ok(r, f) || !cause_glob(r->sym, f->sym)) continue;
        out[r->where] = r->cause;
    }
}

int cause_pick(const int (*m)[3], int n, int *depth)
{
    *depth = 0;
    if (n > 0 && m[0][CW_LEAF] >= 0) return m[0][CW_LEAF];
    for (int kind = CW_CHAIN; kind <= CW_FALLBACK; kind++)
        for (int i = 0; i < n; i++)
            if (m[i][kind] >= 0) {
                *depth = i;
                return m[i][kind];
            }
    return -1;
}

int cause_match(const struct cause_table *t, const struct cause_frame *f, int n, int *depth)
{
    int (*m)[3] = calloc((size_t)(n > 0 ? n : 1), sizeof *m);
    if (!m) abort();
    for (int i = 0; i < n; i++) cause_rules_of(t, &f[i], m[i]);
    int c = cause_pick((const int (*)[3])m, n, depth);
    free(m);
    return c;
}
