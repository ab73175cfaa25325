/* t_progress.c — the progress line of a directory being filled
 * (core/progress.c): files and bytes counted through subdirectories, the
 * share of the expected total and the final line; nothing printed for
 * work that ends before the first line is due. */
#include "test.h"
#include "core/fs.h"
#include "core/progress.h"

#include <stdlib.h>

static void tp_file(const char *dir, const char *name, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    for (size_t i = 0; f && i < n; i++) fputc('x', f);
    if (f) fclose(f);
}

TEST(progress_counts_and_line)
{
    char dir[] = "/tmp/hostmix-progress-XXXXXX", sub[600], out[1024] = "";
    T_ASSERT(mkdtemp(dir) != NULL);
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    T_EQ_INT(fs_mkdirs(sub), 0);
    tp_file(dir, "one", 1000);
    tp_file(dir, "a/two", 2000);
    tp_file(dir, "a/b/three", 1000);
    int64_t files, bytes;
    progress_count(dir, &files, &bytes);
    T_EQ_INT(files, 3);
    T_EQ_INT(bytes, 4000);
    FILE *f = fmemopen(out, sizeof out - 1, "w");
    struct progress p;
    progress_init(&p, "set 1 web", dir, 0, 16000, f);
    progress_tick(&p);                          /* not due yet: nothing */
    fflush(f);
    T_EQ_INT(strlen(out), 0);
    p.last_ns -= 10LL * 1000000000;             /* due */
    progress_tick(&p);
    fflush(f);
    T_ASSERT(strstr(out, "preparing set 1 web: 3 files, 0.0 MiB in ") == out);
    T_ASSERT(strstr(out, ", 25%") != NULL);
    progress_done(&p, 1);
    fclose(f);
    T_ASSERT(strstr(out, ", done\n") != NULL);
    progress_count("/nonexistent-hostmix", &files, &bytes);
    T_EQ_INT(files, 0);
    fs_rmtree(dir);
}
