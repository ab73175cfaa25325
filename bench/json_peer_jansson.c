/* json_peer_jansson.c — jansson's half of bench/json_peer.c (its names
 * clash with core/json.h's, so it is a separate translation unit). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void *peer_parse(const char *text, size_t len);
void peer_free(void *doc);
void peer_catalog(void);
void peer_double(double v, char *out, size_t n);

void *peer_parse(const char *text, size_t len)
{
    json_error_t e;
    return json_loadb(text, len, 0, &e);
}

void peer_free(void *doc)
{
    json_decref(doc);
}

/* The catalog page of json_peer.c's catalog(), built and dumped. */
void peer_catalog(void)
{
    json_t *o = json_object(), *a = json_array();
    json_object_set_new(o, "category", json_integer(3));
    json_object_set_new(o, "page", json_integer(1));
    for (int i = 0; i < 10; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "id", json_integer(1000 + i));
        json_object_set_new(x, "name", json_string("item 0001042 blue"));
        json_object_set_new(x, "price", json_integer(1999 + i));
        json_array_append_new(a, x);
    }
    json_object_set_new(o, "items", a);
    free(json_dumps(o, JSON_COMPACT));
    json_decref(o);
}

void peer_double(double v, char *out, size_t n)
{
    json_t *r = json_real(v);
    char *s = json_dumps(r, JSON_ENCODE_ANY);
    strncpy(out, s ? s : "?", n - 1);
    out[n - 1] = '\0';
    free(s);
    json_decref(r);
}
