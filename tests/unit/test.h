/* test.h — the unit-test harness.
 *
 * A test is a function declared with TEST(name); a constructor registers it
 * at start-up, so a new tests/unit/t_*.c file needs no table edit.  The
 * T_* assertions record the first failure with file and line and return
 * from the test.  tests/unit/main.c runs every test (or those whose name
 * contains argv[1]) and ends with the line "N passed, N failed, N skipped".
 * A test that cannot run on this host calls T_SKIP("why"): it is reported
 * as SKIP with the reason, never as a pass. */
#ifndef HOSTMIX_TEST_H
#define HOSTMIX_TEST_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <inttypes.h>

typedef void t_fn(void);
void t_register(const char *name, const char *file, t_fn *fn);
void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int t_failed(void);
/* Marks the running test skipped, with the reason (printed after SKIP). */
void t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define T_SKIP(...) do { t_skip(__VA_ARGS__); return; } while (0)

#define TEST(name)                                                   \
    static void name(void);                                          \
    __attribute__((constructor)) static void t_reg_##name(void) {    \
        t_register(#name, __FILE__, name);                           \
    }                                                                \
    static void name(void)

#define T_ASSERT(c) do { if (!(c)) {                                 \
        t_fail(__FILE__, __LINE__, "assertion failed: %s", #c);      \
        return; } } while (0)

#define T_EQ_INT(a, b) do { long long t_a_ = (long long)(a),         \
        t_b_ = (long long)(b); if (t_a_ != t_b_) {                   \
        t_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld",\
               #a, t_a_, #b, t_b_); return; } } while (0)

#define T_EQ_STR(a, b) do { const char *t_a_ = (a), *t_b_ = (b);     \
        if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) {             \
        t_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"",  \
               #a, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");  \
        return; } } while (0)

#define T_NEAR(a, b, eps) do { double t_a_ = (a), t_b_ = (b);        \
        if (!(t_a_ - t_b_ <= (eps) && t_b_ - t_a_ <= (eps))) {       \
        t_fail(__FILE__, __LINE__, "%s == %.9g, expected %.9g ± %g", \
               #a, t_a_, t_b_, (double)(eps)); return; } } while (0)

#endif
