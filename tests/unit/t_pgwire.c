/* t_pgwire.c — PostgreSQL v3 framing, field readers and writers; the
 * order-entry pricing rule. */
#include "test.h"
#include "proto/pgwire.h"
#include "roles/oe.h"

TEST(pgwire_frame_startup_and_typed)
{
    struct buf err = BUF_INIT;
    struct pgw_msg m;
    const char su[] = "\0\0\0\x08\x04\xd2\x16\x2f";         /* SSLRequest */
    T_EQ_INT(pgw_frame(su, 7, 1, 1024, &m, &err), 0);
    T_EQ_INT(pgw_frame(su, 8, 1, 1024, &m, &err), 8);
    struct pgw_startup s;
    T_EQ_INT(pgw_parse_startup(&m, &s, &err), 0);
    T_EQ_INT(s.version, PGW_SSL_REQUEST);
    const char q[] = "Q\0\0\0\x0dSELECT 1\0X";
    T_EQ_INT(pgw_frame(q, sizeof q - 1, 0, 1024, &m, &err), 14);
    T_EQ_INT(m.type, 'Q');
    T_EQ_INT(m.len, 9);
    T_EQ_STR(m.body, "SELECT 1");
    T_EQ_INT(pgw_frame("Q\0\0\0\x03", 5, 0, 1024, &m, &err), -1);
    T_EQ_INT(pgw_frame("Q\0\x10\0\0", 5, 0, 1024, &m, &err), -1);
    T_ASSERT(strstr(buf_cstr(&err), "too long") != NULL);
    buf_free(&err);
}

TEST(pgwire_startup_params)
{
    char body[] = "\0\x03\0\0user\0alice\0database\0orders\0\0";
    struct pgw_msg m = { 0, body, sizeof body - 1 };
    struct pgw_startup s;
    struct buf err = BUF_INIT;
    T_EQ_INT(pgw_parse_startup(&m, &s, &err), 0);
    T_EQ_INT(s.version, PGW_PROTO_V3);
    T_EQ_STR(s.user, "alice");
    T_EQ_STR(s.database, "orders");
    m.len = 12;                                 /* cut inside "alice" */
    int rc = pgw_parse_startup(&m, &s, &err);
    int named = strstr(buf_cstr(&err), "malformed startup packet") != NULL;
    buf_free(&err);
    T_EQ_INT(rc, -1);
    T_ASSERT(named);
}

TEST(pgwire_bind_and_bounds)
{
    static struct pgw_bind b;
    struct buf err = BUF_INIT;
    /* portal "", stmt "", 0 formats, 2 params: "42" and NULL, 0 result formats */
    const char body[] = "\0\0\0\0\0\x02\0\0\0\x02" "42" "\xff\xff\xff\xff\0\0";
    struct pgw_msg m = { 'B', body, sizeof body - 1 };
    T_EQ_INT(pgw_parse_bind(&m, &b, &err), 0);
    T_EQ_INT(b.nparams, 2);
    T_EQ_INT(b.len[0], 2);
    T_ASSERT(memcmp(b.val[0], "42", 2) == 0);
    T_EQ_INT(b.len[1], -1);
    T_ASSERT(b.val[1] == NULL);
    m.len = 9;                                  /* parameter runs past the end */
    int rc = pgw_parse_bind(&m, &b, &err);
    int named = strstr(buf_cstr(&err), "malformed Bind message") != NULL;
    buf_free(&err);
    T_EQ_INT(rc, -1);
    T_ASSERT(named);
}

TEST(pgwire_writers)
{
    struct buf b = BUF_INIT;
    pgw_ready(&b, 'T');
    T_EQ_INT(buf_used(&b), 6);
    T_ASSERT(memcmp(buf_head(&b), "Z\0\0\0\x05T", 6) == 0);
    buf_reset(&b);
    pgw_complete(&b, "SELECT 1");
    T_EQ_INT(buf_used(&b), 14);
    T_ASSERT(memcmp(buf_head(&b), "C\0\0\0\x0dSELECT 1", 14) == 0);
    buf_free(&b);
}

TEST(oe_line_price_discount)
{
    T_EQ_INT(oe_line_price(1000, 99), 99000);
    T_EQ_INT(oe_line_price(1001, 100), 90090);
    T_EQ_INT(oe_categories(1), 1);
    T_EQ_INT(oe_categories(400), 2);
    T_EQ_INT(oe_categories(401), 3);
}
