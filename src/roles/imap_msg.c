/* imap_msg.c — message header helpers; see imap_msg.h. */
#include "roles/imap_msg.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void imap_msg_string(struct buf *out, const char *s, size_t n)
{
    int quote = n <= 1024;
    for (size_t i = 0; quote && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) quote = 0;
    }
    if (!quote) {
        buf_printf(out, "{%zu}\r\n", n);
        buf_append(out, s, n);
        return;
    }
    char *w = buf_reserve(out, 2 * n + 2);
    size_t k = 0;
    w[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') w[k++] = '\\';
        w[k++] = s[i];
    }
    w[k++] = '"';
    out->len += k;
}

void imap_msg_nstring(struct buf *out, const char *s, size_t n)
{
    if (!s) buf_puts(out, "NIL");
    else imap_msg_string(out, s, n);
}

/* The end of the field starting at p (before its final line end, after
 * continuation lines). */
static const char *imap_field_end(const char *p, const char *end)
{
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return end;
        if (nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t')) {
            p = nl + 1;
            continue;
        }
        return nl > p && nl[-1] == '\r' ? nl - 1 : nl;
    }
}

/* Calls fn for each field of the header block: name, value, and the whole
 * field with its line end.  Stops when fn returns nonzero. */
typedef int imap_field_fn(const char *name, size_t nlen, const char *v, size_t vlen,
                          const char *whole, size_t wlen, void *arg);
static void imap_fields_each(const char *h, size_t hlen, imap_field_fn *fn, void *arg)
{
    const char *p = h, *end = h + hlen;
    while (p < end && *p != '\r' && *p != '\n') {
        const char *fe = imap_field_end(p, end);
        const char *next = fe;
        if (next < end && *next == '\r') next++;
        if (next < end && *next == '\n') next++;
        const char *colon = memchr(p, ':', (size_t)(fe - p));
        if (colon) {
            const char *v = colon + 1;
            while (v < fe && (*v == ' ' || *v == '\t')) v++;
            if (fn(p, (size_t)(colon - p), v, (size_t)(fe - v), p, (size_t)(next - p), arg))
                return;
        }
        if (next == p) break;
        p = next;
    }
}

struct imap_find { const char *name, *v; size_t vlen; };

static int imap_find_fn(const char *name, size_t nlen, const char *v, size_t vlen,
                        const char *whole, size_t wlen, void *arg)
{
    struct imap_find *f = arg;
    (void)whole;
    (void)wlen;
    if (strlen(f->name) != nlen || strncasecmp(name, f->name, nlen) != 0) return 0;
    f->v = v;
    f->vlen = vlen;
    return 1;
}

const char *imap_msg_field(const char *h, size_t hlen, const char *name, size_t *vlen)
{
    struct imap_find f = { name, NULL, 0 };
    imap_fields_each(h, hlen, imap_find_fn, &f);
    *vlen = f.vlen;
    return f.v;
}

size_t imap_msg_unfold(const char *v, size_t n, char *dst)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] != '\r' && v[i] != '\n') dst[w++] = v[i];
    return w;
}

/* Appends the unfolded value of field name as an nstring. */
static void imap_env_field(struct buf *out, const char *h, size_t hlen, const char *name)
{
    size_t n;
    const char *v = imap_msg_field(h, hlen, name, &n);
    if (!v) { buf_puts(out, "NIL"); return; }
    char *u = malloc(n + 1);
    if (!u) abort();
    imap_msg_string(out, u, imap_msg_unfold(v, n, u));
    free(u);
}

/* Trims spaces and one pair of surrounding quotes from s[*a..*b). */
static void imap_trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && isspace((unsigned char)s[*a])) (*a)++;
    while (*b > *a && isspace((unsigned char)s[*b - 1])) (*b)--;
    if (*b - *a >= 2 && s[*a] == '"' && s[*b - 1] == '"') { (*a)++; (*b)--; }
}

/* Appends one address "(name NIL mailbox host)" from s[0..n). */
static void imap_env_addr(struct buf *out, const char *s, size_t n)
{
    const char *lt = NULL, *gt = NULL;
    int q = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') q = !q;
        else if (!q && s[i] == '<' && !lt) lt = s + i;
        else if (!q && s[i] == '>' && lt && !gt) gt = s + i;
    }
    size_t na = 0, nb = 0, aa = 0, ab = n;
    if (lt && gt) {
        nb = (size_t)(lt - s);
        aa = (size_t)(lt - s) + 1;
        ab = (size_t)(gt - s);
    }
    imap_trim(s, &na, &nb);
    imap_trim(s, &aa, &ab);
    buf_puts(out, "(");
    if (nb > na) imap_msg_string(out, s + na, nb - na);
    else buf_puts(out, "NIL");
    buf_puts(out, " NIL ");
    const char *at = NULL;
    for (size_t i = aa; i < ab; i++)
        if (s[i] == '@') at = s + i;
    if (at) {
        imap_msg_string(out, s + aa, (size_t)(at - s) - aa);
        buf_puts(out, " ");
        imap_msg_string(out, at + 1, ab - (size_t)(at - s) - 1);
    } else {
        imap_msg_string(out, s + aa, ab - aa);
        buf_puts(out, " \"MISSING_DOMAIN\"");
    }
    buf_puts(out, ")");
}

/* Appends the address list of field name (NIL when absent or empty). */
static int imap_env_addrs(struct buf *out, const char *h, size_t hlen, const char *name)
{
    size_t n;
    const char *v = imap_msg_field(h, hlen, name, &n);
    if (!v) return 0;
    char *u = malloc(n + 1);
    if (!u) abort();
    n = imap_msg_unfold(v, n, u);
    size_t start = 0, count = 0;
    int q = 0, angle = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? u[i] : ',';
        if (c == '"') q = !q;
        else if (!q && c == '<') angle = 1;
        else if (!q && c == '>') angle = 0;
        if (c != ',' || q || angle) continue;
        size_t a = start, b = i;
        imap_trim(u, &a, &b);
        if (b > a) {
            buf_puts(out, count++ ? "" : "(");
            imap_env_addr(out, u + start, i - start);
        }
        start = i + 1;
    }
    free(u);
    if (count) buf_puts(out, ")");
    return count > 0;
}

void imap_msg_envelope(struct buf *out, const char *h, size_t hlen)
{
    buf_puts(out, "(");
    imap_env_field(out, h, hlen, "Date");
    buf_puts(out, " ");
    imap_env_field(out, h, hlen, "Subject");
    static const char *const lists[][2] = {
        { "From", NULL }, { "Sender", "From" }, { "Reply-To", "From" },
        { "To", NULL }, { "Cc", NULL }, { "Bcc", NULL },
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        buf_puts(out, " ");
        if (!imap_env_addrs(out, h, hlen, lists[i][0]) &&
            !(lists[i][1] && imap_env_addrs(out, h, hlen, lists[i][1])))
            buf_puts(out, "NIL");
    }
    buf_puts(out, " ");
    imap_env_field(out, h, hlen, "In-Reply-To");
    buf_puts(out, " ");
    imap_env_field(out, h, hlen, "Message-ID");
    buf_puts(out, ")");
}

struct imap_filter { struct buf *out; const char *names; int not; };

static int imap_filter_fn(const char *name, size_t nlen, const char *v, size_t vlen,
                          const char *whole, size_t wlen, void *arg)
{
    struct imap_filter *f = arg;
    (void)v;
    (void)vlen;
    while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t')) nlen--;
    int named = 0;
    for (const char *n = f->names; *n; n += strlen(n) + 1)
        if (strlen(n) == nlen && strncasecmp(n, name, nlen) == 0) named = 1;
    if (named != f->not) buf_append(f->out, whole, wlen);
    return 0;
}

void imap_msg_fields(struct buf *out, const char *h, size_t hlen, const char *names, int not)
{
    struct imap_filter f = { out, names, not };
    imap_fields_each(h, hlen, imap_filter_fn, &f);
    buf_puts(out, "\r\n");
}

/* ASCII lower-case copy of s[0..n) (malloc'd; the caller frees). */
static char *imap_lower_dup(const char *s, size_t n)
{
    char *d = malloc(n ? n : 1);
    if (!d) abort();
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        d[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return d;
}

/* Both sides lower-cased, then memmem (glibc's is linear in n + k): a
 * comparison at every offset would cost n times k, which a client can
 * make minutes with a long needle (SEARCH BODY with a big literal). */
int imap_msg_contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k == 0) return 1;
    if (k > n) return 0;
    char *h = imap_lower_dup(hay, n), *nd = imap_lower_dup(needle, k);
    int found = memmem(h, n, nd, k) != NULL;
    free(h);
    free(nd);
    return found;
}

struct imap_has { const char *name, *needle; int found; };

static int imap_has_fn(const char *name, size_t nlen, const char *v, size_t vlen,
                       const char *whole, size_t wlen, void *arg)
{
    struct imap_has *f = arg;
    (void)whole;
    (void)wlen;
    if (strlen(f->name) != nlen || strncasecmp(name, f->name, nlen) != 0) return 0;
    char *u = malloc(vlen + 1);
    if (!u) abort();
    size_t n = imap_msg_unfold(v, vlen, u);
    f->found = imap_msg_contains(u, n, f->needle);
    free(u);
    return f->found;
}

int imap_msg_field_has(const char *h, size_t hlen, const char *name, const char *needle)
{
    struct imap_has f = { name, needle, 0 };
    imap_fields_each(h, hlen, imap_has_fn, &f);
    return f.found;
}
