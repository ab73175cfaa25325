/* strvec.h — a growable, NULL-terminated array of owned strings (git's
 * strvec): argv for exec, lists of paths, option words.
 *
 * A strvec owns every string it holds and the array itself; v[n] is always
 * NULL, so s.v can be passed to execv.  A failed allocation aborts, as
 * everywhere in hostmix. */
#ifndef HOSTMIX_STRVEC_H
#define HOSTMIX_STRVEC_H

#include <stddef.h>

struct strvec {
    char **v;       /* NULL-terminated; NULL before the first push */
    size_t n, cap;
};

#define STRVEC_INIT { NULL, 0, 0 }

/* Appends a copy of s. */
void strvec_push(struct strvec *s, const char *str);
/* Appends a formatted string. */
void strvec_pushf(struct strvec *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends copies of every string of the NULL-terminated list. */
void strvec_pushv(struct strvec *s, const char *const *list);
/* Frees every string and the array; s is empty (and reusable) after. */
void strvec_clear(struct strvec *s);
/* The array for execv: never NULL (an empty vector gives a static {NULL}). */
char *const *strvec_argv(const struct strvec *s);
/* Joins the strings with sep into a new string the caller frees. */
char *strvec_join(const struct strvec *s, const char *sep);

#endif
