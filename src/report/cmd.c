/* cmd.c — `hostmix report RESULT.json [MORE.json ...] [--format
 * text|json|html] [-o FILE]`: the report a run printed, reprinted from its
 * stored result.json through the report model (text: the lines of
 * report.txt; json: the model as result.json; html: the page with charts,
 * html.h), or, for html and several results, the comparison page whose
 * base is the first.  A capacity.json (`hostmix capacity`, capacity.h) is
 * reported alone: text gives capacity.txt's lines, json capacity.json
 * again, html the capacity page. */
#include "report/report.h"
#include "report/capacity.h"
#include "report/model.h"
#include "report/html.h"
#include "core/exitcode.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define REPORT_MAX_FILES 16

static void report_usage(FILE *f)
{
    fprintf(f, "usage: hostmix report RESULT.json [MORE.json ...] [--format text|json|html] "
               "[-o FILE]\n"
               "       hostmix report capacity.json [--format text|json|html] [-o FILE]\n"
               "Prints the report of a stored run: text (default) gives the lines the run\n"
               "wrote to report.txt; json gives the result again, in the current schema;\n"
               "html gives one self-contained page with charts (report.html), and with\n"
               "several results the comparison page whose base is the first.  A capacity\n"
               "search's capacity.json is reported alone: the lines of capacity.txt, the\n"
               "JSON again, or the capacity page (capacity.html).\n"
               "  -o FILE   write to FILE instead of standard output (- is standard output):\n"
               "            a regular file is replaced atomically, a device or FIFO written\n"
               "            as it is, a symlink (root's or yours) followed, never replaced\n"
               "Exit: 0 printed; 1 the output could not be written; 2 usage, or a file\n"
               "that is unreadable, not a result, of a newer schema or from an older\n"
               "hostmix that did not store it all.\n");
}

struct report_args {
    const char *file[REPORT_MAX_FILES], *format, *out;
    int nfile;
};

/* Parses argv; returns -1 after saying why, 1 for help, else 0. */
static int report_args(int argc, char **argv, struct report_args *a)
{
    a->format = "text";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
        if (!strcmp(argv[i], "--format") && i + 1 < argc) a->format = argv[++i];
        else if (!strncmp(argv[i], "--format=", 9)) a->format = argv[i] + 9;
        else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
            a->out = argv[++i];
        else if (argv[i][0] != '-' && a->nfile < REPORT_MAX_FILES) a->file[a->nfile++] = argv[i];
        else {
            fprintf(stderr, "hostmix report: %s '%s'\n", argv[i][0] == '-' ?
                    "unexpected argument" : "too many results at", argv[i]);
            return -1;
        }
    }
    if (!a->nfile) return -1;
    if (strcmp(a->format, "text") && strcmp(a->format, "json") && strcmp(a->format, "html")) {
        fprintf(stderr, "hostmix report: unknown format '%s' (text, json, html)\n", a->format);
        return -1;
    }
    if (a->nfile > 1 && strcmp(a->format, "html")) {
        fprintf(stderr, "hostmix report: several results need --format html "
                        "(hostmix compare prints them as text)\n");
        return -1;
    }
    return 0;
}

/* The chosen format of the loaded models, appended to out. */
static void report_render(const struct report_args *a, struct report_model **m, struct buf *out)
{
    if (!strcmp(a->format, "html")) {
        report_render_html((const struct report_model *const *)m, a->file, a->nfile, out);
    } else if (!strcmp(a->format, "json")) {
        report_render_json(m[0], out);
    } else {
        char *p = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&p, &n);
        if (!f) return;
        report_render_text(m[0], f);
        fclose(f);
        buf_append(out, p, n);
        free(p);
    }
}

/* The chosen format of the capacity result c (read from file), appended to out. */
static void report_render_capacity(const struct report_args *a, const struct report_capacity *c,
                                   const char *file, struct buf *out)
{
    if (!strcmp(a->format, "html")) {
        report_render_capacity_html(c, file, out);
    } else if (!strcmp(a->format, "json")) {
        report_capacity_json(c, out);
    } else {
        char *p = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&p, &n);
        if (!f) return;
        report_capacity_text(c, f);
        fclose(f);
        buf_append(out, p, n);
        free(p);
    }
}

/* Writes out to a->out (by the output-file rule, fs_write_out) or
 * standard output; returns a CLI_* code. */
static int report_emit(const struct report_args *a, struct buf *out)
{
    const char *to = a->out ? a->out : "-";
    if (fs_write_out(to, buf_head(out), buf_used(out))) {
        fprintf(stderr, "hostmix report: cannot write %s: %s\n",
                strcmp(to, "-") ? to : "standard output", strerror(errno));
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* Whether root is a capacity search's result (capacity.json). */
static int report_is_capacity(const struct json_val *root)
{
    return json_type(root) == JSON_OBJECT &&
           !strcmp(json_str(json_get(root, "schema"), ""), "hostmix-capacity");
}

/* The loaded files: run results in m, or one capacity result in cap. */
struct report_loaded {
    struct report_model *m[REPORT_MAX_FILES];
    struct report_capacity *cap;
};

/* Loads file i of a into l; returns CLI_OK, or CLI_USAGE after saying why. */
static int report_load(const struct report_args *a, int i, struct report_loaded *l)
{
    struct buf why = BUF_INIT;
    struct json_doc *d = report_json_read(a->file[i], &why);
    if (!d) {
        fprintf(stderr, "hostmix report: %s\n", buf_cstr(&why));
        buf_free(&why);
        return CLI_USAGE;
    }
    const struct json_val *root = json_root(d);
    if (report_is_capacity(root) && a->nfile > 1) {
        buf_puts(&why, "a capacity result (capacity.json) is reported alone, not with other "
                       "results");
    } else if (report_is_capacity(root)) {
        l->cap = report_capacity_from_json(root, &why);
    } else {
        /* text reprints report.txt and needs it all; the page shows what there is */
        l->m[i] = report_model_from_json(root, strcmp(a->format, "html") != 0, &why);
    }
    json_doc_free(d);
    int ok = l->m[i] || l->cap;
    if (!ok) fprintf(stderr, "hostmix report: %s: %s\n", a->file[i], buf_cstr(&why));
    buf_free(&why);
    return ok ? CLI_OK : CLI_USAGE;
}

int report_cmd(int argc, char **argv)
{
    struct report_args a = { .nfile = 0 };
    int rc = report_args(argc, argv, &a);
    if (rc) {
        report_usage(rc > 0 ? stdout : stderr);
        return rc > 0 ? CLI_OK : CLI_USAGE;
    }
    struct report_loaded l = { .cap = NULL };
    rc = CLI_OK;
    for (int i = 0; i < a.nfile && rc == CLI_OK; i++) rc = report_load(&a, i, &l);
    if (rc == CLI_OK) {
        struct buf out = BUF_INIT;
        if (l.cap) report_render_capacity(&a, l.cap, a.file[0], &out);
        else report_render(&a, l.m, &out);
        rc = report_emit(&a, &out);
        buf_free(&out);
    }
    for (int i = 0; i < a.nfile; i++) report_model_free(l.m[i]);
    report_capacity_free(l.cap);
    return rc;
}
