/* web_dyn.c — the dynamic pages: /search?q=WORDS and /catalog?page=N.
 *
 * At start the server reads catalog.tsv (written by prepare) and builds an
 * inverted index: every word of a product's name and description maps to
 * the sorted list of products holding it, with the word's count.  A search
 * intersects the lists of the query's words, ranks by summed counts and
 * renders the best WEB_PER_PAGE hits with highlighted snippets; a catalog
 * page lists products ordered by category.  Both go through the same
 * HTML template and are padded with generated text toward the SPECweb2005
 * Support page sizes (search 18,000 B, catalog 27,500 B), so a dynamic
 * page costs parsing, lookups, sorting, escaping and templating, as a PHP
 * page would, rather than a file copy. */
#include "roles/web.h"
#include "core/log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WEB_SEARCH_SIZE 18000
#define WEB_CATALOG_SIZE 27500
#define WEB_MAX_TERMS 8
#define WEB_WORD_MAX 32             /* words are indexed on their first 32 letters, and
                                       searched for on their first 31 */
#define WEB_QUERY_MAX 256           /* a longer search query is 400 */
#define WEB_PAGE_ARG_MAX 32         /* a longer page= value is 400 */

struct web_posting { int product, count; };

struct web_term {
    char *word;                 /* owned */
    struct web_posting *post;   /* sorted by product */
    int n, cap;
};

struct web_index {
    struct web_product *prod;   /* prod[i].id == i + 1 */
    int nprod;
    int *by_category;           /* product indexes ordered by category, id */
    struct web_term *terms;     /* open addressing, nterm_slots (power of 2) */
    int nterm_slots, nterms;
};

static uint64_t web_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* The slot of word (existing or the empty one where it would go). */
static struct web_term *web_term_slot(const struct web_index *ix, const char *w, size_t n)
{
    size_t mask = (size_t)ix->nterm_slots - 1, i = web_hash(w, n) & mask;
    while (ix->terms[i].word && (strlen(ix->terms[i].word) != n || memcmp(ix->terms[i].word, w, n)))
        i = (i + 1) & mask;
    return &ix->terms[i];
}

static void web_index_grow(struct web_index *ix)
{
    struct web_term *old = ix->terms;
    int oldn = ix->nterm_slots;
    ix->nterm_slots = oldn ? oldn * 2 : 1024;
    ix->terms = calloc((size_t)ix->nterm_slots, sizeof *ix->terms);
    if (!ix->terms) abort();
    for (int i = 0; i < oldn; i++)
        if (old[i].word) *web_term_slot(ix, old[i].word, strlen(old[i].word)) = old[i];
    free(old);
}

/* Counts one occurrence of word w in product p (products arrive in order). */
static void web_index_add(struct web_index *ix, const char *w, size_t n, int p)
{
    if (ix->nterms * 2 >= ix->nterm_slots) web_index_grow(ix);
    struct web_term *t = web_term_slot(ix, w, n);
    if (!t->word) {
        t->word = strndup(w, n);
        if (!t->word) abort();
        ix->nterms++;
    }
    if (t->n && t->post[t->n - 1].product == p) {
        t->post[t->n - 1].count++;
        return;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->post = realloc(t->post, (size_t)t->cap * sizeof *t->post);
        if (!t->post) abort();
    }
    t->post[t->n++] = (struct web_posting){ p, 1 };
}

/* Splits s into lower-case alphanumeric words, calling add for each. */
static void web_index_text(struct web_index *ix, const char *s, int p)
{
    char w[WEB_WORD_MAX];
    size_t n = 0;
    for (;; s++) {
        if (*s && isalnum((unsigned char)*s)) {
            if (n < sizeof w) w[n++] = (char)tolower((unsigned char)*s);
            continue;
        }
        if (n) web_index_add(ix, w, n, p);
        n = 0;
        if (!*s) break;
    }
}

static const struct web_index *web_sort_ix;
static int web_cmp_category(const void *a, const void *b)
{
    const struct web_product *x = &web_sort_ix->prod[*(const int *)a];
    const struct web_product *y = &web_sort_ix->prod[*(const int *)b];
    if (x->category != y->category) return x->category - y->category;
    return x->id - y->id;
}

/* Parses one catalog.tsv line into p.  Returns 0 or -1. */
static int web_parse_product(char *line, struct web_product *p, int want_id)
{
    char *f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = strsep(&line, "\t");
        if (!f[i]) return -1;
    }
    if (atoi(f[0]) != want_id) return -1;
    p->id = want_id;
    p->category = atoi(f[1]);
    p->name = strdup(f[2]);
    p->desc = strdup(f[3]);
    if (!p->name || !p->desc) abort();
    return p->category < 0 || p->category >= WEB_CATEGORIES ? -1 : 0;
}

struct web_index *web_index_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        log_error("web: cannot read the catalogue %s: %m (run hostmix prepare web)", path);
        return NULL;
    }
    struct web_index *ix = calloc(1, sizeof *ix);
    if (!ix) abort();
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int cap_prod = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n') line[len - 1] = '\0';
        if (ix->nprod == cap_prod) {
            cap_prod = cap_prod ? cap_prod * 2 : 256;
            ix->prod = realloc(ix->prod, (size_t)cap_prod * sizeof *ix->prod);
            if (!ix->prod) abort();
        }
        struct web_product *p = &ix->prod[ix->nprod];
        memset(p, 0, sizeof *p);
        int bad = web_parse_product(line, p, ix->nprod + 1);
        ix->nprod++;
        if (bad) {
            log_error("web: %s:%d: malformed catalogue line", path, ix->nprod);
            free(line);
            fclose(f);
            web_index_free(ix);
            return NULL;
        }
        web_index_text(ix, p->name, ix->nprod - 1);
        web_index_text(ix, p->desc, ix->nprod - 1);
    }
    free(line);
    fclose(f);
    ix->by_category = malloc(((size_t)ix->nprod + 1) * sizeof *ix->by_category);
    if (!ix->by_category) abort();
    for (int i = 0; i < ix->nprod; i++) ix->by_category[i] = i;
    web_sort_ix = ix;
    qsort(ix->by_category, (size_t)ix->nprod, sizeof *ix->by_category, web_cmp_category);
    return ix;
}

void web_index_free(struct web_index *ix)
{
    if (!ix) return;
    for (int i = 0; i < ix->nprod; i++) {
        free(ix->prod[i].name);
        free(ix->prod[i].desc);
    }
    for (int i = 0; i < ix->nterm_slots; i++) {
        free(ix->terms[i].word);
        free(ix->terms[i].post);
    }
    free(ix->terms);
    free(ix->prod);
    free(ix->by_category);
    free(ix);
}

int web_index_products(const struct web_index *ix) { return ix->nprod; }

/* ---- rendering ------------------------------------------------------------ */

/* Appends s[0..n) with HTML's special characters escaped. */
static void web_escape(struct buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        buf_append(b, s + run, i - run);
        buf_puts(b, rep);
        run = i + 1;
    }
    buf_append(b, s + run, n - run);
}

/* Appends the first words of text, with the query's terms in <b>. */
static void web_snippet(struct buf *b, const char *text, char terms[][WEB_WORD_MAX], int nterms)
{
    const char *s = text;
    for (int words = 0; *s && words < 24; words++) {
        const char *e = s;
        while (*e && *e != ' ') e++;
        int hit = 0;
        for (int t = 0; t < nterms && !hit; t++)
            hit = strlen(terms[t]) == (size_t)(e - s) && strncasecmp(terms[t], s, (size_t)(e - s)) == 0;
        if (hit) buf_puts(b, "<b>");
        web_escape(b, s, (size_t)(e - s));
        buf_puts(b, hit ? "</b> " : " ");
        s = *e ? e + 1 : e;
    }
    if (*s) buf_puts(b, "...");
}

static void web_product_row(struct buf *b, const struct web_product *p,
                            char terms[][WEB_WORD_MAX], int nterms)
{
    buf_printf(b, "<tr><td><a href=\"/support/product/product%03d.html\">", p->id % 100);
    web_escape(b, p->name, strlen(p->name));
    buf_printf(b, "</a></td><td>category %d</td><td>", p->category);
    web_snippet(b, p->desc, terms, nterms);
    buf_puts(b, "</td></tr>\n");
}

/* Pads the page toward size with text seeded by seed, then closes it. */
static void web_finish_page(struct buf *b, uint64_t seed, size_t size)
{
    struct rng r;
    rng_seed(&r, seed, 7, 7);
    buf_puts(b, "<div class=\"related\">\n");
    web_html_fill(b, &r, size > 80 ? size - 80 : size);
    buf_puts(b, "</div>\n");
    web_html_footer(b);
}

/* ---- /search ---------------------------------------------------------------- */

struct web_hit { int product, score; };

static int web_cmp_hit(const void *a, const void *b)
{
    const struct web_hit *x = a, *y = b;
    if (x->score != y->score) return y->score - x->score;
    return x->product - y->product;
}

/* Splits q into lower-case terms; returns how many (at most WEB_MAX_TERMS). */
static int web_terms(const char *q, char terms[][WEB_WORD_MAX])
{
    int n = 0;
    size_t len = 0;
    for (;; q++) {
        if (*q && isalnum((unsigned char)*q)) {
            if (len < WEB_WORD_MAX - 1) terms[n][len++] = (char)tolower((unsigned char)*q);
            continue;
        }
        if (len) {
            terms[n][len] = '\0';
            len = 0;
            if (++n == WEB_MAX_TERMS) break;
        }
        if (!*q) break;
    }
    return n;
}

/* The products holding every term, best first; returns the count. */
static int web_search(const struct web_index *ix, char terms[][WEB_WORD_MAX], int nterms,
                      struct web_hit **out)
{
    const struct web_term *t[WEB_MAX_TERMS];
    *out = NULL;
    int shortest = 0;
    for (int i = 0; i < nterms; i++) {
        const struct web_term *s = web_term_slot(ix, terms[i], strlen(terms[i]));
        if (!s->word) return 0;
        t[i] = s;
        if (s->n < t[shortest]->n) shortest = i;
    }
    struct web_hit *hits = malloc((size_t)t[shortest]->n * sizeof *hits + 1);
    if (!hits) abort();
    int nhits = 0;
    for (int k = 0; k < t[shortest]->n; k++) {
        int p = t[shortest]->post[k].product, score = 0, all = 1;
        for (int i = 0; i < nterms && all; i++) {
            int lo = 0, hi = t[i]->n - 1, found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) / 2;
                if (t[i]->post[mid].product == p) { found = mid; break; }
                if (t[i]->post[mid].product < p) lo = mid + 1; else hi = mid - 1;
            }
            if (found < 0) all = 0; else score += t[i]->post[found].count;
        }
        if (all) hits[nhits++] = (struct web_hit){ p, score };
    }
    qsort(hits, (size_t)nhits, sizeof *hits, web_cmp_hit);
    *out = hits;
    return nhits;
}

int web_dyn_search(const struct web_index *ix, struct http_slice query, struct buf *body)
{
    char q[WEB_QUERY_MAX], terms[WEB_MAX_TERMS][WEB_WORD_MAX];
    int qn = http_query_get(query, "q", q, sizeof q);
    if (qn < 0) return 400;
    int nterms = web_terms(q, terms);
    struct web_hit *hits = NULL;
    int nhits = nterms ? web_search(ix, terms, nterms, &hits) : 0;
    web_html_header(body, "Search");
    buf_puts(body, "<form action=\"/search\"><input name=\"q\" value=\"");
    web_escape(body, q, (size_t)qn);
    buf_printf(body, "\"></form>\n<p>%d products match", nhits);
    if (qn) {
        buf_puts(body, " &quot;");
        web_escape(body, q, (size_t)qn);
        buf_puts(body, "&quot;");
    }
    buf_puts(body, ".</p>\n<table>\n");
    for (int i = 0; i < nhits && i < WEB_PER_PAGE; i++)
        web_product_row(body, &ix->prod[hits[i].product], terms, nterms);
    buf_puts(body, "</table>\n");
    free(hits);
    web_finish_page(body, web_hash(q, (size_t)qn), WEB_SEARCH_SIZE);
    return 200;
}

/* ---- /catalog ------------------------------------------------------------------- */

int web_dyn_catalog(const struct web_index *ix, struct http_slice query, struct buf *body)
{
    char v[WEB_PAGE_ARG_MAX];
    int vn = http_query_get(query, "page", v, sizeof v);
    if (vn < 0) return 400;
    char *end;
    long page = strtol(v, &end, 10);
    if (!vn || *end) return 400;
    int pages = (ix->nprod + WEB_PER_PAGE - 1) / WEB_PER_PAGE;
    if (page < 1 || page > pages) return 404;
    web_html_header(body, numstr_fmt("Catalog page %ld of %d", page, pages).s);
    buf_puts(body, "<table>\n");
    int first = (int)(page - 1) * WEB_PER_PAGE, last = first + WEB_PER_PAGE;
    for (int i = first; i < last && i < ix->nprod; i++)
        web_product_row(body, &ix->prod[ix->by_category[i]], NULL, 0);
    buf_puts(body, "</table>\n<p>");
    for (int i = 1; i <= pages; i++) {
        if (i == page) buf_printf(body, "<b>%d</b> ", i);
        else buf_printf(body, "<a href=\"/catalog?page=%d\">%d</a> ", i, i);
    }
    buf_puts(body, "</p>\n");
    web_finish_page(body, (uint64_t)page, WEB_CATALOG_SIZE);
    return 200;
}
