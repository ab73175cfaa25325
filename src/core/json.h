/* json.h — a streaming JSON writer and a small JSON reader.
 *
 * Writer: appends to a struct buf; commas and (optional) indentation are
 * handled by the writer; strings are escaped per RFC 8259 (control
 * characters as \u00XX, invalid UTF-8 replaced by U+FFFD); doubles are
 * written with up to 17 significant digits (round-trip), non-finite ones
 * as null.  Used by every machine-readable output.
 *
 * Reader: json_parse builds a read-only tree in one allocation arena
 * owned by the returned json_doc (json_doc_free releases all of it).
 * Depth and size are bounded; errors give a message with the byte offset.
 * Used for request bodies (app), response checks (drive), result.json
 * (compare). */
#ifndef HOSTMIX_JSON_H
#define HOSTMIX_JSON_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#define JSON_MAX_DEPTH 64                  /* nested arrays/objects */
#define JSON_MAX_SIZE  (64 * 1024 * 1024)  /* bytes of input json_parse accepts */

/* ---- writer -------------------------------------------------------- */

struct json_w {
    struct buf *out;
    int pretty;
    int depth;
    bool first[JSON_MAX_DEPTH + 1];    /* no element yet at this depth */
    int after_key;
};

void json_w_init(struct json_w *w, struct buf *out, int pretty);
void json_w_obj(struct json_w *w);           /* { */
void json_w_obj_end(struct json_w *w);       /* } */
void json_w_arr(struct json_w *w);           /* [ */
void json_w_arr_end(struct json_w *w);       /* ] */
void json_w_key(struct json_w *w, const char *key);
void json_w_str(struct json_w *w, const char *s);
void json_w_strn(struct json_w *w, const char *s, size_t n);
void json_w_int(struct json_w *w, int64_t v);
void json_w_uint(struct json_w *w, uint64_t v);
void json_w_double(struct json_w *w, double v);
void json_w_bool(struct json_w *w, int v);
void json_w_null(struct json_w *w);
/* An object member: json_w_key(k), then the value as above (a double that
 * is not finite and a NULL string are written as null). */
void json_w_knum(struct json_w *w, const char *k, double v);
void json_w_kint(struct json_w *w, const char *k, int64_t v);
void json_w_kuint(struct json_w *w, const char *k, uint64_t v);
void json_w_kstr(struct json_w *w, const char *k, const char *v);
void json_w_kbool(struct json_w *w, const char *k, int v);
/* Appends s escaped as a JSON string (with quotes) to out. */
void json_escape(struct buf *out, const char *s, size_t n);

/* ---- reader -------------------------------------------------------- */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_doc;
struct json_val;

/* Room for json_parse's message: "byte N: " (up to 20 digits) and the
 * longest of its own fixed texts ("expected ',' or '}', got ..." naming at
 * most a few bytes of input). */
#define JSON_ERR_MAX 128

/* Parses len bytes (no NUL needed).  Returns NULL and a message
 * "byte N: what" in err on failure (JSON_ERR_MAX holds any; err NULL with
 * errlen 0: no message).  Strings must be UTF-8; \u escapes of
 * lone surrogates decode to U+FFFD; numbers beyond double range become
 * +-inf.  The caller owns the doc (json_doc_free). */
struct json_doc *json_parse(const char *text, size_t len, char *err, size_t errlen);
/* json_parse with the message appended to err, whatever its length. */
struct buf;
struct json_doc *json_parse_buf(const char *text, size_t len, struct buf *err);
void json_doc_free(struct json_doc *d);
const struct json_val *json_root(const struct json_doc *d);

enum json_type json_type(const struct json_val *v);
/* Members of an object or elements of an array; 0 for other types. */
size_t json_len(const struct json_val *v);
/* Object member by key (first match), or NULL. */
const struct json_val *json_get(const struct json_val *obj, const char *key);
/* i-th element of an array or value of an object member, or NULL. */
const struct json_val *json_at(const struct json_val *v, size_t i);
/* i-th key of an object, or NULL. */
const char *json_key_at(const struct json_val *obj, size_t i);
/* Scalars; def is returned when v is NULL or of another type.  Strings
 * are NUL-terminated (embedded NULs possible; json_strlen tells). */
double json_num(const struct json_val *v, double def);
int json_bool(const struct json_val *v, int def);
const char *json_str(const struct json_val *v, const char *def);
size_t json_strlen(const struct json_val *v);
/* Path lookup, e.g. json_path(root, "roles.web.rate"); a component of
 * digits indexes an array ("sets.0.rate"); NULL if absent. */
const struct json_val *json_path(const struct json_val *root, const char *dotted);
/* Writes a parsed value and everything under it (NULL writes null). */
void json_w_value(struct json_w *w, const struct json_val *v);

#endif
