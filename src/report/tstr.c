/* tstr.c — strings from a stored result made safe for a terminal
 * (model.h, report_tstr): control characters, C1 controls and invalid
 * UTF-8 are escaped, so a crafted result.json cannot send control
 * sequences.  The text renderers (text.c, explain.c, guests.c) call it. */
#include "report/model.h"
#include "core/buf.h"

/* Length of the valid UTF-8 sequence of 2 to 4 bytes at s, or 0. */
static size_t rt_utf8_len(const unsigned char *s)
{
    if (s[0] < 0xc2 || s[0] > 0xf4) return 0;
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return n;
}

/* Whether s starts with a C1 control in UTF-8 (U+0080..U+009F). */
static int rt_c1(const unsigned char *s)
{
    return s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f;
}

/* How many bytes at s print as they are; 0: s[0] is to be escaped. */
static size_t rt_plain(const unsigned char *s, int lines)
{
    if (s[0] == '\n') return lines ? 1 : 0;
    if (s[0] < 0x20 || s[0] == 0x7f) return 0;
    if (s[0] < 0x80) return 1;
    return rt_c1(s) ? 0 : rt_utf8_len(s);
}

/* s with what rt_plain refuses escaped, in the next of the helper's own
 * buffers (valid for REPORT_TSTR_LIVE more calls). */
static const char *rt_escape(const char *s, int lines)
{
    static struct buf ring[REPORT_TSTR_LIVE + 1];
    static unsigned next;
    struct buf *b = &ring[next++ % (REPORT_TSTR_LIVE + 1)];
    const unsigned char *u = (const unsigned char *)s;
    buf_reset(b);
    for (size_t i = 0, k; u[i]; i += k) {
        k = rt_plain(u + i, lines);
        if (k) {
            buf_append(b, s + i, k);
        } else if (rt_c1(u + i)) {
            buf_printf(b, "\\u%04x", u[i + 1]);
            k = 2;
        } else {
            buf_printf(b, "\\x%02x", u[i]);
            k = 1;
        }
    }
    return buf_cstr(b);
}

/* s, or its escaped copy when some byte of it is not plain. */
static const char *rt_safe(const char *s, const char *none, int lines)
{
    if (!s) return none;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;
    while (u[i] && (k = rt_plain(u + i, lines))) i += k;
    return u[i] ? rt_escape(s, lines) : s;
}

const char *report_tstr(const char *s, const char *none)
{
    return rt_safe(s, none, 0);
}

const char *report_tstr_lines(const char *s)
{
    return rt_safe(s, "", 1);
}

