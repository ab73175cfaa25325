/* t_pcmd.c — running a helper program to completion (platform/pcmd.c):
 * its exit status, both outputs kept apart, its working directory, a
 * program that is not there, and pcmd_check's one-line reason. */
#include "test.h"
#include "platform/pcmd.h"

#include <string.h>

TEST(pcmd_status_and_outputs)
{
    char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
    struct buf out = BUF_INIT, err = BUF_INIT;
    T_EQ_INT(pcmd_run(argv, NULL, &out, &err), 3);
    T_EQ_STR(buf_cstr(&out), "out\n");
    T_EQ_STR(buf_cstr(&err), "err\n");
    buf_free(&out);
    buf_free(&err);
}

TEST(pcmd_cwd)
{
    char *argv[] = { "pwd", NULL };
    struct buf out = BUF_INIT;
    T_EQ_INT(pcmd_run(argv, "/proc/self/..", &out, NULL), 0);
    T_EQ_STR(buf_cstr(&out), "/proc\n");
    buf_free(&out);
    struct buf err = BUF_INIT;
    T_EQ_INT(pcmd_run(argv, "/nonexistent-dir", NULL, &err), 126);
    T_ASSERT(strstr(buf_cstr(&err), "cannot enter the working directory") != NULL);
    buf_free(&err);
}

TEST(pcmd_missing_program)
{
    char *argv[] = { "hostmix-no-such-program", NULL };
    struct buf err = BUF_INIT;
    T_EQ_INT(pcmd_run(argv, NULL, NULL, &err), -1);
    T_ASSERT(strstr(buf_cstr(&err), "hostmix-no-such-program: not found in PATH") != NULL);
    buf_free(&err);
}

TEST(pcmd_check_reason)
{
    char *argv[] = { "sh", "-c", "echo first >&2; echo the reason >&2; exit 2", NULL };
    struct buf why = BUF_INIT;
    T_EQ_INT(pcmd_check(argv, NULL, NULL, &why), -1);
    T_EQ_STR(buf_cstr(&why), "sh: exit 2: the reason");
    buf_free(&why);
    char *ok[] = { "true", NULL };
    T_EQ_INT(pcmd_check(ok, NULL, NULL, &why), 0);
}

/* Output longer than one read arrives whole; output nobody asked for
 * (a NULL buf) is read and dropped without blocking the child. */
TEST(pcmd_long_outputs)
{
    char *argv[] = { "sh", "-c", "seq 1 3000; seq 1 3000 >&2", NULL };
    struct buf out = BUF_INIT;
    T_EQ_INT(pcmd_run(argv, NULL, &out, NULL), 0);
    T_EQ_INT((int)buf_used(&out), 13893);       /* 18 + 270 + 3600 + 10005 bytes */
    T_ASSERT(strncmp(buf_cstr(&out), "1\n2\n", 4) == 0);
    T_ASSERT(strcmp(buf_cstr(&out) + buf_used(&out) - 10, "2999\n3000\n") == 0);
    buf_free(&out);
}
