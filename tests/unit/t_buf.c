/* t_buf.c — growable buffers: append, printf growth, consume and compaction. */
#include "test.h"
#include "core/buf.h"

#include <stdlib.h>

TEST(buf_append_printf_consume)
{
    struct buf b = BUF_INIT;
    T_EQ_INT(buf_used(&b), 0);
    T_EQ_STR(buf_cstr(&b), "");
    buf_puts(&b, "hello");
    buf_append(&b, ", ", 2);
    buf_append(&b, NULL, 0);
    buf_printf(&b, "%s %d", "world", 42);
    T_EQ_STR(buf_cstr(&b), "hello, world 42");
    T_EQ_INT(buf_used(&b), 15);
    /* printf larger than the free room grows the buffer */
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_printf(&b, "[%s]", big);
    T_EQ_INT(buf_used(&b), 15 + 1001);
    T_ASSERT(b.cap >= b.len);
    T_ASSERT(buf_cstr(&b)[15 + 1000] == ']');
    /* consuming moves the head; appending compacts instead of growing */
    size_t cap = b.cap;
    buf_consume(&b, 7);
    T_ASSERT(strncmp(buf_head(&b), "world 42[x", 10) == 0);
    buf_consume(&b, 1007);
    T_EQ_STR(buf_cstr(&b), "x]");
    for (int i = 0; i < 100; i++) buf_printf(&b, "%09d,", i);     /* 1000 bytes */
    T_EQ_INT(buf_used(&b), 1002);
    T_EQ_INT(b.cap, cap);
    T_ASSERT(strncmp(buf_head(&b), "x]000000000,000000001,", 22) == 0);
    buf_consume(&b, 5000);                    /* more than there is: empty */
    T_EQ_INT(buf_used(&b), 0);
    buf_puts(&b, "again");
    buf_reset(&b);
    T_EQ_STR(buf_cstr(&b), "");
    char *p = buf_reserve(&b, 10);
    memcpy(p, "0123456789", 10);
    b.len += 10;
    T_EQ_STR(buf_cstr(&b), "0123456789");
    buf_free(&b);
    T_ASSERT(b.data == NULL && b.len == 0 && b.cap == 0);
    buf_free(&b);                             /* twice is harmless */
}

TEST(buf_detach_strfmt_numstr)
{
    struct buf b = BUF_INIT;
    char *s = buf_detach(&b);                 /* an empty buf gives "" */
    T_EQ_STR(s, "");
    free(s);
    buf_puts(&b, "skip:kept");
    buf_consume(&b, 5);                       /* the consumed head is not in the string */
    s = buf_detach(&b);
    T_EQ_STR(s, "kept");
    T_ASSERT(b.data == NULL && buf_used(&b) == 0);
    free(s);
    char big[3000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s = strfmt("<%s>%d", big, 7);             /* no bound on the length */
    T_EQ_INT(strlen(s), 3002);
    T_ASSERT(s[3000] == '>' && s[3001] == '7');
    free(s);
    T_EQ_STR(numstr_fmt("%.2fms", 1.234).s, "1.23ms");
    T_EQ_INT(strlen(numstr_fmt("%s", big).s), NUMSTR_MAX - 1);    /* bounded, terminated */
}
