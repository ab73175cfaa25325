/* fuzz_imap.c — libFuzzer target for the IMAP command parser: framing,
 * tokenizing, and the argument parsers of FETCH, SEARCH, STORE/APPEND
 * flags, sequence sets and dates, plus the header helpers that read
 * message files (ENVELOPE, HEADER.FIELDS, SEARCH FROM/SUBJECT). */
#include "proto/imap.h"
#include "roles/imap_msg.h"

#include <stdlib.h>
#include <string.h>

/* Runs every argument parser at every token position. */
static void fuzz_args(const struct imap_toks *t)
{
    for (int i = 0; i < t->n; i++) {
        int k = i;
        struct imap_fetch f;
        const char *err;
        if (imap_fetch_parse(t, &k, &f, &err) == 0) imap_fetch_free(&f);
        k = i;
        struct imap_search s;
        if (imap_search_parse(t, &k, &s, &err) == 0) imap_search_free(&s);
        k = i;
        (void)imap_flags_parse(t, &k);
        const char *a = imap_tok_str(t, i);
        if (!a) continue;
        struct imap_seqset set;
        if (imap_seqset_parse(a, &set) == 0) {
            (void)imap_seqset_has(&set, 7, 100);
            imap_seqset_free(&set);
        }
        time_t when;
        (void)imap_date_parse(a, &when);
        (void)imap_datetime_parse(a, &when);
    }
}

/* Framing fed in pieces (as reads arrive, with saved state) must agree
 * with framing the whole: the first piece sizes come from the input. */
static void fuzz_frame_pieces(const char *p, size_t size)
{
    struct imap_frame whole = imap_frame(p, size, 4096), f = { 0 };
    struct imap_frame_state st = { 0, 0, 0 };
    size_t got = 0, step = size ? (unsigned char)p[0] % 7 + 1 : 1;
    do {
        got = got + step > size ? size : got + step;
        f = imap_frame_resume(p, got, 4096, &st);
    } while (f.status == IMAP_FRAME_MORE && got < size);
    if (f.status != whole.status || (f.status != IMAP_FRAME_MORE && f.len != whole.len) ||
        (f.status == IMAP_FRAME_MORE && f.lit_index != whole.lit_index))
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *p = (const char *)data;
    size_t off = 0;
    fuzz_frame_pieces(p, size);
    while (off < size) {
        struct imap_frame fr = imap_frame(p + off, size - off, 4096);
        size_t len = fr.status == IMAP_FRAME_DONE ? fr.len
                   : fr.status == IMAP_FRAME_BIG_LITERAL ? fr.len : size - off;
        char *cmd = malloc(len + 1);
        memcpy(cmd, p + off, len);
        cmd[len] = '\0';
        struct imap_toks t = { 0 };
        const char *err;
        if (imap_tokenize(cmd, len, &t, &err) == 0) fuzz_args(&t);
        imap_toks_free(&t);
        free(cmd);
        if (fr.status != IMAP_FRAME_DONE && fr.status != IMAP_FRAME_BIG_LITERAL) break;
        off += len;
    }
    /* The same bytes as a message header block. */
    struct buf b = BUF_INIT;
    imap_msg_envelope(&b, p, size);
    imap_msg_fields(&b, p, size, "From\0Subject\0", 0);
    imap_msg_fields(&b, p, size, "To\0", 1);
    (void)imap_msg_field_has(p, size, "Subject", "a");
    buf_free(&b);
    return 0;
}
