/* imap_users.c — reading users.tsv; see imap_users.h. */
#include "roles/imap_users.h"
#include "core/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void imap_users_free(struct imap_users *users)
{
    free(users->u);
    free(users->pool);
    memset(users, 0, sizeof *users);
}

/* Splits one line (no newline) into the pool; returns 0 or -1 if malformed. */
static int imap_users_line(char *line, struct imap_users *us, size_t *cap, struct buf *pool)
{
    char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL, *end = NULL;
    long long m = t2 ? strtoll(t2 + 1, &end, 10) : -1;
    if (!t2 || t1 == line || t2 == t1 + 1 || m < 0 || *end || end == t2 + 1 ||
        strpbrk(line, "\"\\ ") || (size_t)(t2 - line) > 200)
        return -1;
    *t1 = *t2 = 0;
    if (us->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        us->u = realloc(us->u, *cap * sizeof *us->u);
        if (!us->u) abort();
    }
    /* offsets for now; pointers once the pool stops moving */
    us->u[us->n].name = (char *)(uintptr_t)buf_used(pool);
    buf_append(pool, line, strlen(line) + 1);
    us->u[us->n].pass = (char *)(uintptr_t)buf_used(pool);
    buf_append(pool, t1 + 1, strlen(t1 + 1) + 1);
    us->u[us->n++].messages = m;
    return 0;
}

int imap_users_read(const char *data, struct imap_users *us, struct buf *err)
{
    memset(us, 0, sizeof *us);
    char *path = strfmt("%s/users.tsv", data);
    FILE *f = fopen(path, "r");
    if (!f) {
        buf_printf(err, "cannot read %s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    struct buf pool = BUF_INIT;
    size_t cap = 0, lineno = 0, ll = 0;
    char *line = NULL;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &ll, f)) > 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!len || line[0] == '#') continue;
        if ((rc = imap_users_line(line, us, &cap, &pool)) != 0)
            buf_printf(err, "%s:%zu: expected USER<TAB>PASSWORD<TAB>MESSAGES (no spaces, "
                     "quotes or backslashes)", path, lineno);
    }
    free(line);
    free(path);
    fclose(f);
    us->pool = pool.data;
    for (size_t i = 0; i < us->n; i++) {
        us->u[i].name = us->pool + (uintptr_t)us->u[i].name;
        us->u[i].pass = us->pool + (uintptr_t)us->u[i].pass;
    }
    return rc;
}
