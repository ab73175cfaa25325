/* t_fs.c — the cache trimming of core/fs.c (fs_prune_lru): the most
 * recently used files and those used lately stay, older ones go, and
 * names that do not match and directories are never touched; and the
 * checks that keep a root run out of directories another user can steer
 * (fs_mkdir_private, fs_check_private), against a tree of the test's own
 * with entries owned by another uid. */
#include "test.h"
#include "core/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Creates dir/name with its modification time age seconds ago. */
static void fs_t_file(const char *dir, const char *name, int age)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
    struct timespec t[2] = { { time(NULL) - age, 0 }, { time(NULL) - age, 0 } };
    utimensat(AT_FDCWD, path, t, 0);
}

static int fs_t_exists(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

TEST(fs_prune_lru_keeps_recent)
{
    char dir[] = "/tmp/hostmix-t-fs.XXXXXX";
    T_ASSERT(mkdtemp(dir) != NULL);
    fs_t_file(dir, "initramfs-a.cpio", 5 * 3600);    /* oldest */
    fs_t_file(dir, "initramfs-b.cpio", 4 * 3600);
    fs_t_file(dir, "initramfs-c.cpio", 3 * 3600);
    fs_t_file(dir, "initramfs-d.cpio", 2 * 3600);
    fs_t_file(dir, "initramfs-e.cpio", 60);          /* used a minute ago */
    fs_t_file(dir, "initramfs-f.cpio.tmp.1", 9 * 3600);   /* not the suffix */
    fs_t_file(dir, "disk-x.cpio", 9 * 3600);              /* not the prefix */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/initramfs-dir.cpio", dir);
    T_EQ_INT(mkdir(sub, 0755), 0);
    /* keep 2: e and d are newest; c, b, a are older than an hour */
    T_EQ_INT(fs_prune_lru(dir, "initramfs-", ".cpio", 2, 3600), 3);
    T_ASSERT(fs_t_exists(dir, "initramfs-e.cpio") && fs_t_exists(dir, "initramfs-d.cpio"));
    T_ASSERT(!fs_t_exists(dir, "initramfs-c.cpio") && !fs_t_exists(dir, "initramfs-a.cpio"));
    T_ASSERT(fs_t_exists(dir, "initramfs-f.cpio.tmp.1") && fs_t_exists(dir, "disk-x.cpio"));
    T_ASSERT(fs_t_exists(dir, "initramfs-dir.cpio"));
    /* keep 0, but anything used within 3 hours stays */
    T_EQ_INT(fs_prune_lru(dir, "initramfs-", ".cpio", 0, 3 * 3600), 0);
    T_EQ_INT(fs_prune_lru(dir, "initramfs-", ".cpio", 0, 3600), 1);     /* d */
    T_ASSERT(fs_t_exists(dir, "initramfs-e.cpio"));
    T_EQ_INT(fs_prune_lru("/nonexistent-hostmix", "a", "b", 0, 0), 0);
    T_EQ_INT(fs_rmtree(dir), 0);
}

/* tmp/NAME as a path (static buffer per call slot). */
static const char *fs_t_path(const char *tmp, const char *name, int slot)
{
    static char p[4][512];
    snprintf(p[slot], sizeof p[slot], "%s/%s", tmp, name);
    return p[slot];
}

TEST(fs_mkdir_private_refuses_existing)
{
    char tmp[] = "/tmp/hostmix-t-fs.XXXXXX", why[600];
    T_ASSERT(mkdtemp(tmp));
    const char *d = fs_t_path(tmp, "run", 0);
    T_EQ_INT(fs_mkdir_private(d, why, sizeof why), 0);
    struct stat st;
    T_EQ_INT(lstat(d, &st), 0);
    T_EQ_INT(st.st_mode & 0777, 0700);
    T_EQ_INT(fs_mkdir_private(d, why, sizeof why), -1);    /* planted or stale: refused */
    T_ASSERT(strstr(why, "must be new"));
    T_EQ_INT(symlink("/", fs_t_path(tmp, "link", 1)), 0);
    T_EQ_INT(fs_mkdir_private(fs_t_path(tmp, "link", 1), why, sizeof why), -1);
    fs_rmtree(tmp);
}

TEST(fs_check_private_steering)
{
    if (geteuid() != 0) T_SKIP("not root: entries of another uid cannot be made");
    char tmp[] = "/tmp/hostmix-t-fs.XXXXXX", why[600];
    T_ASSERT(mkdtemp(tmp));
    mkdir(fs_t_path(tmp, "ok", 0), 0755);
    mkdir(fs_t_path(tmp, "gw", 0), 0777);
    chmod(fs_t_path(tmp, "gw", 0), 0777);                  /* past the umask */
    mkdir(fs_t_path(tmp, "theirs", 0), 0700);
    T_EQ_INT(chown(fs_t_path(tmp, "theirs", 0), 65534, 65534), 0);
    mkdir(fs_t_path(tmp, "sticky", 0), 0777);
    chmod(fs_t_path(tmp, "sticky", 0), 01777);
    mkdir(fs_t_path(tmp, "sticky/mine", 0), 0700);
    mkdir(fs_t_path(tmp, "gw/in", 0), 0700);
    symlink(fs_t_path(tmp, "ok", 1), fs_t_path(tmp, "sticky/planted", 0));
    T_EQ_INT(lchown(fs_t_path(tmp, "sticky/planted", 0), 65534, 65534), 0);
    symlink(fs_t_path(tmp, "gw", 1), fs_t_path(tmp, "rootlink", 0));
    fs_t_file(tmp, "file", 0);
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "ok", 0), why, sizeof why), 0);
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "sticky/mine", 0), why, sizeof why), 0);
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "gw", 0), why, sizeof why), -1);
    T_ASSERT(strstr(why, "writable by group or others (mode 0777)"));
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "gw/in", 0), why, sizeof why), -1);   /* its parent */
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "theirs", 0), why, sizeof why), -1);
    T_ASSERT(strstr(why, "owned by uid 65534"));
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "sticky/planted", 0), why, sizeof why), -1);
    T_ASSERT(strstr(why, "owned by uid 65534"));
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "rootlink", 0), why, sizeof why), -1);  /* resolved */
    T_ASSERT(strstr(why, "writable by group or others"));
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "file", 0), why, sizeof why), -1);
    T_ASSERT(strstr(why, "not a directory"));
    T_EQ_INT(fs_check_private(fs_t_path(tmp, "none", 0), why, sizeof why), -1);
    fs_rmtree(tmp);
}
