/* t_strvec.c — owned string arrays: NULL termination, formatting, join. */
#include "test.h"
#include "core/strvec.h"

#include <stdlib.h>

TEST(strvec_push_join_clear)
{
    struct strvec s = STRVEC_INIT;
    T_ASSERT(strvec_argv(&s)[0] == NULL);
    strvec_push(&s, "hostmix");
    strvec_pushf(&s, "%s:%d", "127.1.1.1", 8080);
    static const char *const more[] = { "--data", "/d", NULL };
    strvec_pushv(&s, more);
    for (int i = 0; i < 20; i++) strvec_pushf(&s, "x%d", i);
    T_EQ_INT(s.n, 24);
    T_ASSERT(s.v[24] == NULL);
    T_EQ_STR(s.v[1], "127.1.1.1:8080");
    T_EQ_STR(s.v[23], "x19");
    struct strvec t = STRVEC_INIT;
    strvec_pushv(&t, (const char *const *)s.v);
    char *j = strvec_join(&t, " ");
    T_ASSERT(strncmp(j, "hostmix 127.1.1.1:8080 --data /d x0 x1", 38) == 0);
    free(j);
    strvec_clear(&s);
    strvec_clear(&t);
    T_EQ_INT(s.n, 0);
    T_ASSERT(strvec_argv(&s)[0] == NULL);
}
