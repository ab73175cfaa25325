/* t_buf.c — growable buffers: append, printf growth, consume and compaction. */
#include "test.h"
#include "core/buf.h"

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
