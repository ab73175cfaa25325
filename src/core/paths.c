/* paths.c — the running executable and the data directory beside it;
 * see paths.h. */
#include "core/paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int paths_exe(char *dst, size_t n, char *why, size_t wn)
{
    ssize_t len = readlink("/proc/self/exe", dst, n - 1);
    if (len <= 0) {
        snprintf(why, wn, "cannot read /proc/self/exe: %s", strerror(errno));
        return -1;
    }
    if ((size_t)len == n - 1) {
        snprintf(why, wn, "cannot read /proc/self/exe: path longer than %zu bytes", n - 2);
        return -1;
    }
    dst[len] = '\0';
    return 0;
}

/* Whether dir/rel exists and is of the kind mode (S_IFDIR, S_IFREG). */
static int paths_has(const char *dir, const char *rel, mode_t kind)
{
    char p[4096];
    struct stat st;
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, rel) >= sizeof p) return 0;
    return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

/* The canonical form of dir/rel (malloc'd, the caller's), or NULL. */
static char *paths_real(const char *dir, const char *rel)
{
    char p[4096];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, rel) >= sizeof p) return NULL;
    return realpath(p, NULL);
}

char *paths_data_dir_of(const char *exe)
{
    const char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    char dir[4096];
    size_t len = (size_t)(slash - exe);
    if (len >= sizeof dir) return NULL;
    memcpy(dir, exe, len);
    dir[len] = '\0';
    if (len == 0) strcpy(dir, "/");
    char share[4200];
    snprintf(share, sizeof share, "%s/../share/hostmix", dir);
    if (paths_has(share, "examples", S_IFDIR)) return paths_real(share, ".");
    if (paths_has(dir, "../examples", S_IFDIR) && paths_has(dir, "../src/main.c", S_IFREG))
        return paths_real(dir, "..");
    return NULL;
}

char *paths_data_dir(void)
{
    char exe[4096], why[256];
    if (paths_exe(exe, sizeof exe, why, sizeof why)) return NULL;
    return paths_data_dir_of(exe);
}
