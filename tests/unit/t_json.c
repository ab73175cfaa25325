/* t_json.c — the JSON writer (escaping, numbers, nesting, pretty mode) and
 * reader (every type, escapes, every error path, round trips). */
#include "test.h"
#include "core/json.h"
#include "core/rng.h"

#include <math.h>
#include <stdlib.h>

/* Escapes n bytes of s into a static string. */
static const char *esc(const char *s, size_t n)
{
    static struct buf b;
    buf_reset(&b);
    json_escape(&b, s, n);
    return buf_cstr(&b);
}
#define ESC(lit) esc(lit, sizeof(lit) - 1)

static const char *dbl(double v)
{
    static struct buf b;
    struct json_w w;
    buf_reset(&b);
    json_w_init(&w, &b, 0);
    json_w_double(&w, v);
    return buf_cstr(&b);
}

TEST(json_escaping)
{
    T_EQ_STR(ESC("plain"), "\"plain\"");
    T_EQ_STR(ESC("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
    T_EQ_STR(ESC("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
    T_EQ_STR(ESC("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
    T_EQ_STR(ESC("nul\0byte"), "\"nul\\u0000byte\"");
    /* valid multibyte kept: 2, 3 and 4 byte forms */
    T_EQ_STR(ESC("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
    /* invalid UTF-8: each bad byte becomes U+FFFD */
    T_EQ_STR(ESC("a\xFFz"), "\"a\xEF\xBF\xBDz\"");
    T_EQ_STR(ESC("\xC3"), "\"\xEF\xBF\xBD\"");                      /* truncated */
    T_EQ_STR(ESC("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");      /* overlong '/' */
    T_EQ_STR(ESC("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""); /* surrogate */
    T_EQ_STR(ESC("\xF4\x90\x80\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""); /* > U+10FFFF */
    T_EQ_STR(ESC("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
    T_EQ_STR(ESC(""), "\"\"");
}

TEST(json_numbers)
{
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 0);
    json_w_arr(&w);
    json_w_int(&w, 0);
    json_w_int(&w, -42);
    json_w_int(&w, INT64_MIN);
    json_w_uint(&w, UINT64_MAX);
    json_w_arr_end(&w);
    T_EQ_STR(buf_cstr(&b), "[0,-42,-9223372036854775808,18446744073709551615]");
    buf_free(&b);
    T_EQ_STR(dbl(0.1), "0.1");
    T_EQ_STR(dbl(1.5), "1.5");
    T_EQ_STR(dbl(-2), "-2");
    T_EQ_STR(dbl(1e300), "1e+300");
    T_EQ_STR(dbl(0.1 + 0.2), "0.30000000000000004");
    T_EQ_STR(dbl(NAN), "null");
    T_EQ_STR(dbl(INFINITY), "null");
    T_EQ_STR(dbl(-INFINITY), "null");
    /* every finite double reads back exactly */
    struct rng r;
    rng_seed(&r, 11, 0, 0);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rng_next(&r);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) continue;
        const char *s = dbl(v);
        if (strtod(s, NULL) != v) {
            t_fail(__FILE__, __LINE__, "%.17g written as %s", v, s);
            return;
        }
    }
}

TEST(json_nesting_and_commas)
{
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    json_w_key(&w, "a"); json_w_int(&w, 1);
    json_w_key(&w, "b"); json_w_arr(&w);
        json_w_bool(&w, 1); json_w_bool(&w, 0); json_w_null(&w);
        json_w_obj(&w); json_w_obj_end(&w);
        json_w_arr(&w); json_w_arr_end(&w);
        json_w_str(&w, "x");
    json_w_arr_end(&w);
    json_w_key(&w, "c"); json_w_obj(&w);
        json_w_key(&w, "d\"e"); json_w_str(&w, NULL);
    json_w_obj_end(&w);
    json_w_obj_end(&w);
    T_EQ_STR(buf_cstr(&b), "{\"a\":1,\"b\":[true,false,null,{},[],\"x\"],\"c\":{\"d\\\"e\":null}}");
    T_EQ_INT(w.depth, 0);
    /* deeper than the limit: the writer stays memory-safe and balanced */
    buf_reset(&b);
    json_w_init(&w, &b, 1);
    for (int i = 0; i < 3 * JSON_MAX_DEPTH; i++) json_w_arr(&w);
    for (int i = 0; i < 3 * JSON_MAX_DEPTH; i++) json_w_arr_end(&w);
    json_w_arr_end(&w);                         /* one too many: ignored depth */
    T_EQ_INT(w.depth, 0);
    buf_free(&b);
}

TEST(json_pretty)
{
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 1);
    json_w_obj(&w);
    json_w_key(&w, "a"); json_w_int(&w, 1);
    json_w_key(&w, "b"); json_w_arr(&w); json_w_int(&w, 2); json_w_strn(&w, "xyz", 2); json_w_arr_end(&w);
    json_w_key(&w, "e"); json_w_obj(&w); json_w_obj_end(&w);
    json_w_obj_end(&w);
    T_EQ_STR(buf_cstr(&b), "{\n  \"a\": 1,\n  \"b\": [\n    2,\n    \"xy\"\n  ],\n  \"e\": {}\n}");
    buf_free(&b);
}

static struct json_doc *parse(const char *s, char *err, size_t errlen)
{
    return json_parse(s, strlen(s), err, errlen);
}

TEST(json_read_types)
{
    char err[256];
    struct json_doc *d = parse(" {\"n\": null, \"t\": true, \"f\": false, \"i\": -12, "
                               "\"x\": 1.25e2, \"s\": \"hi\", \"a\": [1, [2, 3], {}],"
                               "\"o\": {\"k\": {\"deep\": \"v\"}}, \"dup\": 1, \"dup\": 2} ",
                               err, sizeof err);
    T_ASSERT(d);
    const struct json_val *r = json_root(d);
    T_EQ_INT(json_type(r), JSON_OBJECT);
    T_EQ_INT(json_len(r), 10);
    T_EQ_INT(json_type(json_get(r, "n")), JSON_NULL);
    T_ASSERT(json_get(r, "n") != NULL);
    T_EQ_INT(json_bool(json_get(r, "t"), 0), 1);
    T_EQ_INT(json_bool(json_get(r, "f"), 1), 0);
    T_NEAR(json_num(json_get(r, "i"), 0), -12, 0);
    T_NEAR(json_num(json_get(r, "x"), 0), 125, 0);
    T_EQ_STR(json_str(json_get(r, "s"), NULL), "hi");
    T_EQ_INT(json_strlen(json_get(r, "s")), 2);
    const struct json_val *a = json_get(r, "a");
    T_EQ_INT(json_type(a), JSON_ARRAY);
    T_EQ_INT(json_len(a), 3);
    T_NEAR(json_num(json_at(json_at(a, 1), 1), 0), 3, 0);
    T_EQ_INT(json_len(json_at(a, 2)), 0);
    T_ASSERT(json_at(a, 3) == NULL);
    T_EQ_STR(json_str(json_path(r, "o.k.deep"), NULL), "v");
    T_NEAR(json_num(json_path(r, "a.1.0"), 0), 2, 0);
    T_ASSERT(json_path(r, "o.k.nope") == NULL);
    T_ASSERT(json_path(r, "a.x") == NULL);
    T_ASSERT(json_path(r, "s.k") == NULL);
    T_NEAR(json_num(json_get(r, "dup"), 0), 1, 0);          /* first match */
    T_EQ_STR(json_key_at(r, 9), "dup");
    T_ASSERT(json_key_at(r, 10) == NULL);
    T_ASSERT(json_key_at(a, 0) == NULL);
    T_NEAR(json_num(json_at(r, 3), 0), -12, 0);
    /* defaults for absent or mistyped values */
    T_NEAR(json_num(json_get(r, "s"), 7), 7, 0);
    T_EQ_STR(json_str(json_get(r, "i"), "def"), "def");
    T_EQ_INT(json_bool(NULL, 5), 5);
    T_EQ_INT(json_len(json_get(r, "s")), 0);
    T_ASSERT(json_get(a, "k") == NULL);
    json_doc_free(d);
    /* scalars at the top */
    T_ASSERT((d = parse("42", err, sizeof err)));
    T_NEAR(json_num(json_root(d), 0), 42, 0);
    json_doc_free(d);
    T_ASSERT((d = parse("\"\"", err, sizeof err)));
    T_EQ_STR(json_str(json_root(d), NULL), "");
    json_doc_free(d);
    T_ASSERT((d = parse("-0.0e-0", err, sizeof err)));
    json_doc_free(d);
    json_doc_free(NULL);
}

TEST(json_read_escapes)
{
    char err[256];
    struct json_doc *d = parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20AC\","
                               "\"\\ud83d\\ude00\", \"x\\u0000y\", \"\\udead!\", \"\\ud83dz\","
                               "\"caf\xC3\xA9\"]", err, sizeof err);
    if (!d) { t_fail(__FILE__, __LINE__, "%s", err); return; }
    const struct json_val *r = json_root(d);
    T_EQ_STR(json_str(json_at(r, 0), NULL), "a\"b\\c/d\b\f\n\r\t");
    T_EQ_STR(json_str(json_at(r, 1), NULL), "A\xC3\xA9\xE2\x82\xAC");
    T_EQ_STR(json_str(json_at(r, 2), NULL), "\xF0\x9F\x98\x80");       /* surrogate pair */
    T_EQ_INT(json_strlen(json_at(r, 3)), 3);                             /* embedded NUL */
    T_ASSERT(memcmp(json_str(json_at(r, 3), NULL), "x\0y", 4) == 0);
    T_EQ_STR(json_str(json_at(r, 4), NULL), "\xEF\xBF\xBD!");            /* lone low */
    T_EQ_STR(json_str(json_at(r, 5), NULL), "\xEF\xBF\xBDz");            /* lone high */
    T_EQ_STR(json_str(json_at(r, 6), NULL), "caf\xC3\xA9");
    json_doc_free(d);
}

TEST(json_read_errors)
{
    static const struct { const char *text, *msg; } bad[] = {
        { "",                   "byte 0: unexpected end of input" },
        { "   ",                "byte 3: unexpected end of input" },
        { "[1,2,]",             "byte 5: expected a value, got ']'" },
        { "{\"a\":1,}",         "byte 7: expected a member name, got '}'" },
        { "[1 2]",              "byte 3: expected ',' or ']', got '2'" },
        { "{\"a\" 1}",          "byte 5: expected ':', got '1'" },
        { "{1:2}",              "byte 1: expected a member name" },
        { "[01]",               "byte 1: bad number (leading zero)" },
        { "-",                  "byte 1: bad number (digit expected)" },
        { "1.",                 "byte 2: bad number (digit expected after '.')" },
        { "1e+",                "byte 3: bad number (digit expected in exponent)" },
        { ".5",                 "byte 0: expected a value, got '.'" },
        { "+1",                 "byte 0: expected a value" },
        { "\"abc",              "byte 0: unterminated string" },
        { "\"abc\\\"",          "byte 0: unterminated string" },
        { "\"a\tb\"",           "byte 2: control character 0x09 in string" },
        { "\"\\x\"",            "byte 1: bad escape '\\x'" },
        { "\"\\u12G4\"",        "byte 1: bad \\u escape" },
        { "\"\\u12\"",          "byte 1: bad \\u escape" },
        { "\"\xFF\"",           "byte 1: invalid UTF-8 in string" },
        { "[1] x",              "byte 4: trailing garbage after the value: 'x'" },
        { "{} {}",              "byte 3: trailing garbage" },
        { "tru",                "byte 0: expected a value" },
        { "nul",                "byte 0: expected a value" },
        { "[true",              "byte 5: expected ',' or ']', got end of input" },
        { "NaN",                "byte 0: expected a value, got 'N'" },
        { "[\x01]",             "byte 1: expected a value, got byte 0x01" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        struct json_doc *d = parse(bad[i].text, err, sizeof err);
        if (d) {
            t_fail(__FILE__, __LINE__, "accepted '%s'", bad[i].text);
            json_doc_free(d);
            return;
        }
        if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0) {
            t_fail(__FILE__, __LINE__, "'%s': got \"%s\", want \"%s...\"", bad[i].text, err, bad[i].msg);
            return;
        }
    }
    /* not NUL-terminated: the parser must stop at len */
    char err[256];
    struct json_doc *d = json_parse("[1]]", 3, err, sizeof err);
    T_ASSERT(d != NULL);
    json_doc_free(d);
    d = json_parse("\"ab\"", 3, err, sizeof err);
    T_ASSERT(d == NULL);
    T_ASSERT(strstr(err, "unterminated string"));
    /* a NULL or zero-length error buffer is fine */
    T_ASSERT(json_parse("[", 1, NULL, 0) == NULL);
}

TEST(json_read_depth)
{
    char text[2 * (JSON_MAX_DEPTH + 1) + 1], err[256];
    /* exactly JSON_MAX_DEPTH levels parse */
    memset(text, '[', JSON_MAX_DEPTH);
    memset(text + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    struct json_doc *d = json_parse(text, 2 * JSON_MAX_DEPTH, err, sizeof err);
    T_ASSERT(d);
    json_doc_free(d);
    /* one more does not */
    memset(text, '[', JSON_MAX_DEPTH + 1);
    memset(text + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
    T_ASSERT(json_parse(text, 2 * (JSON_MAX_DEPTH + 1), err, sizeof err) == NULL);
    T_ASSERT(strstr(err, "nesting deeper than"));
    /* a deep unterminated prefix (no stack blow-up) */
    static char deep[100000];
    memset(deep, '{', sizeof deep);
    T_ASSERT(json_parse(deep, sizeof deep, err, sizeof err) == NULL);
    memset(deep, '[', sizeof deep);
    T_ASSERT(json_parse(deep, sizeof deep, err, sizeof err) == NULL);
    T_ASSERT(strstr(err, "nesting deeper than"));
    T_ASSERT(json_parse(deep, (size_t)JSON_MAX_SIZE + 1, err, sizeof err) == NULL);
    T_ASSERT(strstr(err, "larger than"));
}

/* Compares two parsed values for equality of type, content and order. */
static int same(const struct json_val *a, const struct json_val *b)
{
    if (json_type(a) != json_type(b)) return 0;
    switch (json_type(a)) {
    case JSON_NULL:   return 1;
    case JSON_BOOL:   return json_bool(a, 0) == json_bool(b, 0);
    case JSON_NUMBER: return json_num(a, 0) == json_num(b, 0);
    case JSON_STRING: return json_strlen(a) == json_strlen(b) &&
                             !memcmp(json_str(a, ""), json_str(b, ""), json_strlen(a));
    case JSON_ARRAY: case JSON_OBJECT:
        if (json_len(a) != json_len(b)) return 0;
        for (size_t i = 0; i < json_len(a); i++) {
            if (json_type(a) == JSON_OBJECT && strcmp(json_key_at(a, i), json_key_at(b, i)))
                return 0;
            if (!same(json_at(a, i), json_at(b, i))) return 0;
        }
        return 1;
    }
    return 0;
}

TEST(json_round_trip)
{
    struct buf b = BUF_INIT;
    struct json_w w;
    char err[256];
    struct rng r;
    rng_seed(&r, 12, 0, 0);
    /* writer output re-read gives the written values */
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    json_w_key(&w, "pi"); json_w_double(&w, 3.141592653589793);
    json_w_key(&w, "big"); json_w_int(&w, 9007199254740992LL);
    json_w_key(&w, "neg"); json_w_int(&w, -5);
    json_w_key(&w, "nan"); json_w_double(&w, NAN);
    json_w_key(&w, "s"); json_w_strn(&w, "q\"\\\n\x01\xC3\xA9\xFF\0z", 10);
    json_w_key(&w, "tiny"); json_w_double(&w, 5e-324);
    json_w_key(&w, "arr"); json_w_arr(&w);
    double vals[200];
    for (int i = 0; i < 200; i++) {
        vals[i] = (rng_unit(&r) - 0.5) * pow(10, (double)rng_below(&r, 40) - 20);
        json_w_double(&w, vals[i]);
    }
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    struct json_doc *d = json_parse(b.data, b.len, err, sizeof err);
    if (!d) { t_fail(__FILE__, __LINE__, "%s in %s", err, buf_cstr(&b)); buf_free(&b); return; }
    const struct json_val *root = json_root(d);
    T_NEAR(json_num(json_get(root, "pi"), 0), 3.141592653589793, 0);
    T_NEAR(json_num(json_get(root, "big"), 0), 9007199254740992.0, 0);
    T_NEAR(json_num(json_get(root, "neg"), 0), -5, 0);
    T_EQ_INT(json_type(json_get(root, "nan")), JSON_NULL);
    T_EQ_INT(json_strlen(json_get(root, "s")), 12);
    T_ASSERT(!memcmp(json_str(json_get(root, "s"), ""), "q\"\\\n\x01\xC3\xA9\xEF\xBF\xBD\0z", 12));
    T_NEAR(json_num(json_get(root, "tiny"), 0), 5e-324, 0);
    for (int i = 0; i < 200; i++)
        if (json_num(json_at(json_get(root, "arr"), (size_t)i), 0) != vals[i]) {
            t_fail(__FILE__, __LINE__, "arr[%d] != %.17g", i, vals[i]);
            break;
        }
    /* parse -> write (compact and pretty) -> parse gives the same tree */
    for (int pretty = 0; pretty < 2; pretty++) {
        struct buf b2 = BUF_INIT;
        json_w_init(&w, &b2, pretty);
        json_w_value(&w, root);
        struct json_doc *d2 = json_parse(b2.data, b2.len, err, sizeof err);
        if (!d2) t_fail(__FILE__, __LINE__, "%s", err);
        else if (!same(root, json_root(d2))) t_fail(__FILE__, __LINE__, "tree differs (pretty %d)", pretty);
        json_doc_free(d2);
        buf_free(&b2);
    }
    json_doc_free(d);
    buf_free(&b);
}
