/* app_auth.h — the app server's session tokens.
 *
 * POST /login answers a token that names the customer and carries a MAC
 * under a key drawn at server start (SipHash-2-4, 128-bit key): later
 * requests that act for a customer (purchase, order list, cancel) send it
 * as "Authorization: Bearer TOKEN", and the app serves them only for that
 * customer.  Tokens need no server-side table (the pool of dealers is
 * large), and they end with the server process, as sessions do. */
#ifndef HOSTMIX_APP_AUTH_H
#define HOSTMIX_APP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct app_auth { uint64_t k0, k1; };

/* Draws a fresh key from the kernel.  Returns 0, or -1 with errno set. */
int app_auth_init(struct app_auth *a);
/* customer's token, "C.MAC": at most 12 digits, a dot, 16 hex digits. */
struct numstr app_auth_token(const struct app_auth *a, int64_t customer);
/* The customer a token of n bytes stands for, or -1 if it is not one of
 * this server's tokens. */
int64_t app_auth_check(const struct app_auth *a, const char *tok, size_t n);
/* SipHash-2-4 of p[0..n) under (k0, k1). */
uint64_t app_siphash(uint64_t k0, uint64_t k1, const void *p, size_t n);

#endif
