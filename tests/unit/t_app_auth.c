/* t_app_auth.c — the app's session tokens: SipHash-2-4 against the
 * reference vector, tokens accepted only as issued. */
#include "test.h"
#include "roles/app_auth.h"

TEST(app_siphash_reference_vector)
{
    unsigned char key[16], msg[15];
    for (int i = 0; i < 16; i++) key[i] = (unsigned char)i;
    for (int i = 0; i < 15; i++) msg[i] = (unsigned char)i;
    uint64_t k0 = 0, k1 = 0;
    for (int i = 7; i >= 0; i--) { k0 = k0 << 8 | key[i]; k1 = k1 << 8 | key[8 + i]; }
    T_ASSERT(app_siphash(k0, k1, msg, sizeof msg) == 0xa129ca6149be45e5ULL);
}

TEST(app_tokens_only_as_issued)
{
    struct app_auth a, b;
    T_EQ_INT(app_auth_init(&a), 0);
    T_EQ_INT(app_auth_init(&b), 0);
    struct numstr tok = app_auth_token(&a, 42);
    char *t = tok.s, u[NUMSTR_MAX];
    T_EQ_STR(t, numstr_fmt("42.%016llx", (unsigned long long)app_siphash(a.k0, a.k1,
                                                                       "customer 42", 11)).s);
    T_EQ_INT(app_auth_check(&a, t, strlen(t)), 42);
    T_EQ_INT(app_auth_check(&b, t, strlen(t)), -1);         /* another server's key */
    memcpy(u, t, sizeof u);
    u[strlen(u) - 1] ^= 1;
    T_EQ_INT(app_auth_check(&a, u, strlen(u)), -1);         /* tampered MAC */
    memcpy(u, t, sizeof u);
    u[0] = '3';
    T_EQ_INT(app_auth_check(&a, u, strlen(u)), -1);         /* another customer */
    T_EQ_INT(app_auth_check(&a, t, strlen(t) - 1), -1);
    T_EQ_INT(app_auth_check(&a, "", 0), -1);
    T_EQ_INT(app_auth_check(&a, "42.", 3), -1);
}
