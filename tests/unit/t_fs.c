/* t_fs.c — core/fs.c: the output-file rule (fs_write_out, fs_open_out);
 * the cache trimming (fs_prune_lru): the most recently used files and
 * those used lately stay, older ones go, and names that do not match and
 * directories are never touched; and the checks that keep a root run out
 * of directories another user can steer (fs_mkdir_private,
 * fs_check_private), against a tree of the test's own with entries owned
 * by another uid. */
#include "test.h"
#include "core/fs.h"
#include "core/spawn.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
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
    fs_t_file(dir, "initramfs-a.cpio.manifest", 5 * 3600);
    fs_t_file(dir, "initramfs-b.cpio", 4 * 3600);
    fs_t_file(dir, "initramfs-c.cpio", 3 * 3600);
    fs_t_file(dir, "initramfs-d.cpio", 2 * 3600);
    fs_t_file(dir, "initramfs-e.cpio", 60);          /* used a minute ago */
    fs_t_file(dir, "initramfs-e.cpio.manifest", 9 * 3600);
    fs_t_file(dir, "initramfs-f.cpio.tmp.1", 9 * 3600);   /* not the suffix */
    fs_t_file(dir, "disk-x.cpio", 9 * 3600);              /* not the prefix */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/initramfs-dir.cpio", dir);
    T_EQ_INT(mkdir(sub, 0755), 0);
    /* keep 2: e and d are newest; c, b, a are older than an hour */
    T_EQ_INT(fs_prune_lru(dir, "initramfs-", ".cpio", 2, 3600), 3);
    T_ASSERT(fs_t_exists(dir, "initramfs-e.cpio") && fs_t_exists(dir, "initramfs-d.cpio"));
    T_ASSERT(!fs_t_exists(dir, "initramfs-c.cpio") && !fs_t_exists(dir, "initramfs-a.cpio"));
    T_ASSERT(!fs_t_exists(dir, "initramfs-a.cpio.manifest"));     /* went with its entry */
    T_ASSERT(fs_t_exists(dir, "initramfs-f.cpio.tmp.1") && fs_t_exists(dir, "disk-x.cpio"));
    T_ASSERT(fs_t_exists(dir, "initramfs-dir.cpio"));
    /* keep 0, but anything used within 3 hours stays */
    T_EQ_INT(fs_prune_lru(dir, "initramfs-", ".cpio", 0, 3 * 3600), 0);
    T_EQ_INT(fs_prune_lru(dir, "initramfs-", ".cpio", 0, 3600), 1);     /* d */
    T_ASSERT(fs_t_exists(dir, "initramfs-e.cpio") && fs_t_exists(dir, "initramfs-e.cpio.manifest"));
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

/* fs_write_out, the output-file rule: a regular file is replaced (a new
 * inode), a character device and a FIFO made in a temporary directory are
 * written as they are and stay what they were, so does a symlink to the
 * device, and a dangling symlink is refused, not followed to create. */
TEST(fs_write_out_keeps_special_files)
{
    char dir[] = "/tmp/hostmix-t-out.XXXXXX", p[600], q[600];
    T_ASSERT(mkdtemp(dir) != NULL);
    struct stat a, b;
    snprintf(p, sizeof p, "%s/reg", dir);
    T_EQ_INT(fs_write_out(p, "old", 3), 0);
    T_EQ_INT(stat(p, &a), 0);
    T_EQ_INT(fs_write_out(p, "new!", 4), 0);
    T_ASSERT(stat(p, &b) == 0 && b.st_ino != a.st_ino && b.st_size == 4);
    snprintf(p, sizeof p, "%s/fifo", dir);
    T_EQ_INT(mkfifo(p, 0600), 0);
    int rd = open(p, O_RDONLY | O_NONBLOCK);
    T_ASSERT(rd >= 0);
    T_EQ_INT(fs_write_out(p, "abc", 3), 0);
    char got[8] = "";
    T_EQ_INT(read(rd, got, sizeof got), 3);
    close(rd);
    T_ASSERT(stat(p, &b) == 0 && S_ISFIFO(b.st_mode));
    snprintf(p, sizeof p, "%s/null", dir);
    snprintf(q, sizeof q, "%s/link", dir);
    if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        T_EQ_INT(symlink(p, q), 0);
        T_EQ_INT(fs_write_out(p, "x", 1), 0);
        T_EQ_INT(fs_write_out(q, "x", 1), 0);
        T_ASSERT(stat(p, &b) == 0 && S_ISCHR(b.st_mode));
        T_ASSERT(lstat(q, &b) == 0 && S_ISLNK(b.st_mode));
    }
    snprintf(p, sizeof p, "%s/dangling", dir);
    snprintf(q, sizeof q, "%s/none/x", dir);
    T_EQ_INT(symlink(q, p), 0);
    T_EQ_INT(fs_write_out(p, "x", 1), -1);
    T_ASSERT(lstat(p, &b) == 0 && S_ISLNK(b.st_mode));
    T_EQ_INT(fs_rmtree(dir), 0);
    T_ASSERT(stat("/dev/null", &b) == 0 && S_ISCHR(b.st_mode));
}

/* Reads the whole small file path into buf (NUL-terminated); its length. */
static long fs_t_read(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    long got = fd < 0 ? -1 : (long)read(fd, buf, n - 1);
    if (fd >= 0) close(fd);
    buf[got > 0 ? got : 0] = '\0';
    return got;
}

/* A child's log follows the same rule (spawn opens it by fs_open_out): a
 * symlink another user planted at the log's name is not followed (the
 * file it points to keeps its bytes, spawn fails), a character device
 * stays one, and a fresh log is created and written. */
TEST(fs_open_out_spawn_logs)
{
    char dir[] = "/tmp/hostmix-t-log.XXXXXX", victim[600], link[600], log[600], got[64];
    T_ASSERT(mkdtemp(dir) != NULL);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(link, sizeof link, "%s/planted.log", dir);
    T_EQ_INT(fs_write_out(victim, "precious\n", 9), 0);
    T_EQ_INT(symlink(victim, link), 0);
    if (geteuid() == 0) T_EQ_INT(lchown(link, 65534, 65534), 0);
    char *argv[] = { "/bin/echo", "logged", NULL };
    char why[256];
    struct spawn sp = { .exe = "/bin/echo", .argv = argv, .out = link };
    pid_t pid = spawn_start(&sp, why, sizeof why);
    if (pid > 0) waitpid(pid, NULL, 0);
    if (geteuid() == 0) {
        T_EQ_INT(pid, -1);
        T_ASSERT(strstr(why, "planted.log") != NULL);
        T_EQ_INT(fs_t_read(victim, got, sizeof got), 9);
        T_EQ_STR(got, "precious\n");
        T_EQ_INT(fs_open_out(link), -1);
    }
    snprintf(log, sizeof log, "%s/fresh.log", dir);
    sp.out = log;
    pid = spawn_start(&sp, why, sizeof why);
    T_ASSERT(pid > 0);
    waitpid(pid, NULL, 0);
    T_EQ_INT(fs_t_read(log, got, sizeof got), 7);
    T_EQ_STR(got, "logged\n");
    snprintf(log, sizeof log, "%s/null", dir);
    struct stat st;
    if (mknod(log, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        pid = spawn_start(&sp, why, sizeof why);
        T_ASSERT(pid > 0);
        waitpid(pid, NULL, 0);
        T_ASSERT(lstat(log, &st) == 0 && S_ISCHR(st.st_mode));
    }
    T_EQ_INT(fs_rmtree(dir), 0);
}
