/* t_paths.c — core/paths.c: the data directory is found beside the
 * binary (BINDIR/../share/hostmix, as make install lays it out), else in
 * the build tree the binary was built in, else nowhere; never from the
 * current directory.  Fixture trees under a temp directory. */
#include "test.h"
#include "core/fs.h"
#include "core/paths.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Creates root/rel (a directory, or a file when rel ends in ".c"). */
static void paths_t_make(const char *root, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if (strstr(rel, ".c")) {
        int fd = open(p, O_WRONLY | O_CREAT, 0644);
        if (fd >= 0) close(fd);
    } else {
        fs_mkdirs(p);
    }
}

TEST(paths_data_dir_installed)
{
    char root[] = "/tmp/hostmix-t-paths.XXXXXX", exe[600], want[600];
    T_ASSERT(mkdtemp(root) != NULL);
    paths_t_make(root, "usr/bin");
    paths_t_make(root, "usr/share/hostmix/examples");
    snprintf(exe, sizeof exe, "%s/usr/bin/hostmix", root);
    snprintf(want, sizeof want, "%s/usr/share/hostmix", root);
    char *got = paths_data_dir_of(exe);
    fs_rmtree(root);
    T_EQ_STR(got, want);
    free(got);
}

TEST(paths_data_dir_build_tree)
{
    char root[] = "/tmp/hostmix-t-paths.XXXXXX", exe[600];
    T_ASSERT(mkdtemp(root) != NULL);
    paths_t_make(root, "build");
    paths_t_make(root, "examples");
    paths_t_make(root, "src");
    paths_t_make(root, "src/main.c");
    snprintf(exe, sizeof exe, "%s/build/hostmix", root);
    char *got = paths_data_dir_of(exe);
    char *nosrc = NULL;
    if (got) {
        char p[600];
        snprintf(p, sizeof p, "%s/src/main.c", root);
        unlink(p);
        nosrc = paths_data_dir_of(exe);     /* examples/ alone is no build tree */
    }
    fs_rmtree(root);
    T_EQ_STR(got, root);
    T_ASSERT(nosrc == NULL);
    free(got);
}

TEST(paths_data_dir_none_not_cwd)
{
    char root[] = "/tmp/hostmix-t-paths.XXXXXX", exe[600], cwd[4096];
    T_ASSERT(mkdtemp(root) != NULL);
    T_ASSERT(getcwd(cwd, sizeof cwd) != NULL);
    paths_t_make(root, "bin");
    paths_t_make(root, "share/hostmixx/examples");
    paths_t_make(root, "cwd/examples");
    paths_t_make(root, "cwd/share/hostmix/examples");
    snprintf(exe, sizeof exe, "%s/bin/hostmix", root);
    char here[600];
    snprintf(here, sizeof here, "%s/cwd", root);
    int cd = chdir(here);
    char *got = paths_data_dir_of(exe);
    char *rel = paths_data_dir_of("hostmix");      /* no directory: never the cwd */
    if (cd == 0 && chdir(cwd)) cd = -1;
    fs_rmtree(root);
    T_EQ_INT(cd, 0);
    T_ASSERT(got == NULL);
    T_ASSERT(rel == NULL);
}

TEST(paths_exe_is_this_binary)
{
    char exe[4096], why[256] = "";
    T_EQ_INT(paths_exe(exe, sizeof exe, why, sizeof why), 0);
    T_ASSERT(exe[0] == '/');
    T_EQ_INT(access(exe, X_OK), 0);
    char small[4];
    T_EQ_INT(paths_exe(small, sizeof small, why, sizeof why), -1);
    T_ASSERT(strstr(why, "/proc/self/exe") != NULL);
}
