/* gcfg.c — the hostmix.* kernel-command-line codec (see gcfg.h). */
#include "guest/gcfg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int gcfg_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("._/:@+=-", c));
}

void gcfg_pct_encode(const char *s, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (gcfg_plain(c)) buf_append(out, &s[i], 1);
        else buf_printf(out, "%%%02X", c);
    }
}

static int gcfg_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int gcfg_pct_decode(const char *s, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (n - i < 3) return -1;
            int hi = gcfg_hex(s[i + 1]);
            int lo = gcfg_hex(s[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        buf_append(out, &c, 1);
    }
    return 0;
}

static int gcfg_is_ip(const char *s)
{
    struct in_addr a;
    return s && inet_pton(AF_INET, s, &a) == 1;
}

int gcfg_encode(const struct gcfg *g, struct buf *out, struct buf *why)
{
    if (!g->argc) return buf_puts(why, "guest config: empty server argv"), -1;
    if (!gcfg_is_ip(g->ip)) return buf_puts(why, "guest config: no valid IPv4 address"), -1;
    if (g->prefix < 1 || g->prefix > 32)
        return buf_printf(why, "guest config: prefix /%d out of 1..32", g->prefix), -1;
    if (g->gw && !gcfg_is_ip(g->gw)) return buf_puts(why, "guest config: bad gateway"), -1;
    if (g->disk && (!*g->disk || strspn(g->disk, "abcdefghijklmnopqrstuvwxyz0123456789") !=
                                     strlen(g->disk)))
        return buf_printf(why, "guest config: bad disk name '%s'", g->disk), -1;
    buf_printf(out, "hostmix.ip=%s/%d", g->ip, g->prefix);
    if (g->gw) buf_printf(out, " hostmix.gw=%s", g->gw);
    if (g->disk) buf_printf(out, " hostmix.disk=%s:%s", g->disk, g->disk_rw ? "rw" : "ro");
    buf_puts(out, " hostmix.argv=");
    for (size_t i = 0; i < g->argc; i++) {
        if (i) buf_puts(out, ",");
        gcfg_pct_encode(g->argv[i], strlen(g->argv[i]), out);
    }
    return 0;
}

int gcfg_cmdline(const struct gcfg *g, unsigned long tsc_khz, unsigned long lpj,
                 struct buf *out, struct buf *why)
{
    size_t start = buf_used(out);
    buf_puts(out, "console=ttyS0 quiet panic=-1 tsc=reliable");
    if (tsc_khz) buf_printf(out, " tsc_early_khz=%lu", tsc_khz);
    if (lpj) buf_printf(out, " lpj=%lu", lpj);
    buf_puts(out, " ");
    if (gcfg_encode(g, out, why)) return -1;
    size_t len = buf_used(out) - start;
    if (len > GCFG_CMDLINE_MAX) {
        buf_printf(why, "guest kernel command line is %zu bytes, over the %d allowed "
                        "(shorten the server's arguments)", len, GCFG_CMDLINE_MAX);
        return -1;
    }
    return 0;
}

/* Splits the argv value on commas and decodes each word. */
static int gcfg_decode_argv(const char *v, size_t n, struct gcfg *g, struct buf *why)
{
    size_t words = 1;
    for (size_t i = 0; i < n; i++) words += v[i] == ',';
    g->argv = calloc(words + 1, sizeof *g->argv);
    if (!g->argv) abort();
    const char *p = v, *end = v + n;
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        const char *we = c ? c : end;
        struct buf w = BUF_INIT;
        if (gcfg_pct_decode(p, (size_t)(we - p), &w)) {
            buf_free(&w);
            buf_printf(why, "hostmix.argv: bad %%XX escape in word %zu", g->argc + 1);
            return -1;
        }
        g->argv[g->argc++] = strdup(buf_cstr(&w));
        buf_free(&w);
        if (!c) return 0;
        p = c + 1;
    }
}

/* "A.B.C.D/N" into g->ip and g->prefix. */
static int gcfg_decode_ip(const char *v, size_t n, struct gcfg *g, struct buf *why)
{
    const char *slash = memchr(v, '/', n);
    char *end = NULL;
    long pre = slash ? strtol(slash + 1, &end, 10) : -1;
    if (slash) g->ip = strndup(v, (size_t)(slash - v));
    if (!slash || end != v + n || slash + 1 == end || pre < 1 || pre > 32 || !gcfg_is_ip(g->ip)) {
        buf_printf(why, "hostmix.ip: want A.B.C.D/PREFIX, got '%.*s'", (int)(n > 64 ? 64 : n), v);
        return -1;
    }
    g->prefix = (int)pre;
    return 0;
}

/* "NAME:ro" or "NAME:rw". */
static int gcfg_decode_disk(const char *v, size_t n, struct gcfg *g, struct buf *why)
{
    if (n < 4 || v[n - 3] != ':' || (memcmp(v + n - 2, "ro", 2) && memcmp(v + n - 2, "rw", 2)) ||
        strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789") != n - 3) {
        buf_puts(why, "hostmix.disk: want NAME:ro or NAME:rw");
        return -1;
    }
    g->disk = strndup(v, n - 3);
    g->disk_rw = v[n - 1] == 'w';
    return 0;
}

/* One hostmix.KEY=VALUE word. */
static int gcfg_decode_word(const char *k, size_t kn, const char *v, size_t vn, struct gcfg *g,
                            struct buf *why)
{
#define GCFG_KEY(s) (kn == sizeof(s) - 1 && memcmp(k, s, kn) == 0)
    if (GCFG_KEY("argv") && !g->argv) return gcfg_decode_argv(v, vn, g, why);
    if (GCFG_KEY("ip") && !g->ip) return gcfg_decode_ip(v, vn, g, why);
    if (GCFG_KEY("disk") && !g->disk) return gcfg_decode_disk(v, vn, g, why);
    if (GCFG_KEY("gw") && !g->gw) {
        g->gw = strndup(v, vn);
        if (gcfg_is_ip(g->gw)) return 0;
        buf_puts(why, "hostmix.gw: not an IPv4 address");
        return -1;
    }
#undef GCFG_KEY
    buf_printf(why, "unknown or repeated parameter hostmix.%.*s", (int)(kn > 32 ? 32 : kn), k);
    return -1;
}

int gcfg_decode(const char *cmdline, struct gcfg *g, struct buf *why)
{
    memset(g, 0, sizeof *g);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n') p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
        size_t n = (size_t)(p - w);
        if (n < 8 || memcmp(w, "hostmix.", 8) != 0) continue;
        const char *eq = memchr(w, '=', n);
        if (!eq) {
            buf_printf(why, "hostmix parameter without a value: %.*s", (int)(n > 32 ? 32 : n), w);
            return -1;
        }
        if (gcfg_decode_word(w + 8, (size_t)(eq - w - 8), eq + 1, (size_t)(p - eq - 1), g, why))
            return -1;
    }
    if (!g->argv || !g->ip) {
        buf_puts(why, "kernel command line lacks hostmix.argv or hostmix.ip");
        return -1;
    }
    return 0;
}

void gcfg_free(struct gcfg *g)
{
    for (size_t i = 0; i < g->argc; i++) free(g->argv[i]);
    free(g->argv);
    free(g->ip);
    free(g->gw);
    free(g->disk);
    memset(g, 0, sizeof *g);
}
