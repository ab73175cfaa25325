/* app_auth.c — session tokens for the app server; see app_auth.h. */
#include "roles/app_auth.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define APP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void app_sipround(uint64_t v[4])
{
    v[0] += v[1]; v[1] = APP_ROTL(v[1], 13); v[1] ^= v[0]; v[0] = APP_ROTL(v[0], 32);
    v[2] += v[3]; v[3] = APP_ROTL(v[3], 16); v[3] ^= v[2];
    v[0] += v[3]; v[3] = APP_ROTL(v[3], 21); v[3] ^= v[0];
    v[2] += v[1]; v[1] = APP_ROTL(v[1], 17); v[1] ^= v[2]; v[2] = APP_ROTL(v[2], 32);
}

static uint64_t app_le64(const unsigned char *p)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = x << 8 | p[i];
    return x;
}

uint64_t app_siphash(uint64_t k0, uint64_t k1, const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                      k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t m = app_le64(p + i);
        v[3] ^= m;
        app_sipround(v);
        app_sipround(v);
        v[0] ^= m;
    }
    uint64_t m = (uint64_t)(n & 0xff) << 56;      /* the length's low byte over the tail */
    for (size_t k = 0; i + k < n; k++) m |= (uint64_t)p[i + k] << (8 * k);
    v[3] ^= m;
    app_sipround(v);
    app_sipround(v);
    v[0] ^= m;
    v[2] ^= 0xff;
    for (int r = 0; r < 4; r++) app_sipround(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

int app_auth_init(struct app_auth *a)
{
    uint64_t k[2];
    if (getrandom(k, sizeof k, 0) != (ssize_t)sizeof k) return -1;
    a->k0 = k[0];
    a->k1 = k[1];
    return 0;
}

static uint64_t app_auth_mac(const struct app_auth *a, int64_t customer)
{
    const struct numstr msg = numstr_fmt("customer %lld", (long long)customer);
    return app_siphash(a->k0, a->k1, msg.s, strlen(msg.s));
}

struct numstr app_auth_token(const struct app_auth *a, int64_t customer)
{
    return numstr_fmt("%lld.%016llx", (long long)customer,
                      (unsigned long long)app_auth_mac(a, customer));
}

int64_t app_auth_check(const struct app_auth *a, const char *tok, size_t n)
{
    size_t i = 0;
    int64_t c = 0;
    while (i < n && i < 12 && tok[i] >= '0' && tok[i] <= '9') c = c * 10 + (tok[i++] - '0');
    if (i == 0 || tok[0] == '0' || i >= n || tok[i] != '.' || n - i - 1 != 16) return -1;
    const struct numstr want = app_auth_token(a, c);
    size_t wl = strlen(want.s);
    unsigned diff = wl != n;
    for (size_t k = 0; k < n && k < wl; k++) diff |= (unsigned char)(want.s[k] ^ tok[k]);
    return diff ? -1 : c;
}
