/* t_manifest.c — core/manifest.c, the content check of cache entries: a
 * tree's manifest matches it; one changed byte (same size, same mtime), a
 * removed file, an added file, a changed symlink and a lost manifest are
 * each told apart and the message names the file; a one-file entry; the
 * SHA-256 is the standard one (a known vector). */
#include "test.h"
#include "core/fs.h"
#include "core/manifest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes text to dir/name. */
static void mf_t_put(const char *dir, const char *name, const char *text)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fs_write_atomic(path, text, strlen(text));
}

/* Checks tree against mpath; returns the answer and leaves why's text in
 * msg (cleared first). */
static int mf_t_check(const char *tree, const char *mpath, struct buf *msg)
{
    buf_reset(msg);
    int rc = manifest_check(tree, mpath, msg);
    buf_cstr(msg);
    return rc;
}

TEST(manifest_sha256_vector)
{
    char dir[] = "/tmp/hostmix-t-mf.XXXXXX";
    T_ASSERT(mkdtemp(dir));
    mf_t_put(dir, "abc", "abc");
    struct buf out = BUF_INIT, why = BUF_INIT;
    char path[512];
    snprintf(path, sizeof path, "%s/abc", dir);
    T_EQ_INT(manifest_list(path, &out, &why), 0);
    T_EQ_STR(buf_cstr(&out),
             "f 3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad .\n");
    buf_free(&out);
    buf_free(&why);
    fs_rmtree(dir);
}

TEST(manifest_tells_each_change)
{
    char dir[] = "/tmp/hostmix-t-mf.XXXXXX", tree[512], mpath[600], f[600];
    T_ASSERT(mkdtemp(dir));
    snprintf(tree, sizeof tree, "%s/entry", dir);
    snprintf(mpath, sizeof mpath, "%s.manifest", tree);
    T_EQ_INT(mkdir(tree, 0755), 0);
    mf_t_put(tree, "a.txt", "hello");
    snprintf(f, sizeof f, "%s/sub", tree);
    T_EQ_INT(mkdir(f, 0755), 0);
    mf_t_put(tree, "sub/b.txt", "world");
    snprintf(f, sizeof f, "%s/link", tree);
    T_EQ_INT(symlink("a.txt", f), 0);
    struct buf why = BUF_INIT, mp = BUF_INIT;
    manifest_path(tree, &mp);
    T_EQ_STR(buf_cstr(&mp), mpath);
    T_EQ_INT(mf_t_check(tree, mpath, &why), MANIFEST_NONE);
    T_EQ_INT(manifest_write(tree, mpath, &why), 0);
    T_EQ_INT(mf_t_check(tree, mpath, &why), 0);
    /* one byte, same size; the mtime put back */
    snprintf(f, sizeof f, "%s/sub/b.txt", tree);
    struct stat st;
    T_EQ_INT(stat(f, &st), 0);
    int fd = open(f, O_WRONLY);
    T_ASSERT(fd >= 0 && pwrite(fd, "W", 1, 0) == 1);
    close(fd);
    struct timespec t[2] = { st.st_atim, st.st_mtim };
    utimensat(AT_FDCWD, f, t, 0);
    T_EQ_INT(mf_t_check(tree, mpath, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "/entry/sub/b.txt: contents differ"));
    mf_t_put(tree, "sub/b.txt", "world");
    T_EQ_INT(mf_t_check(tree, mpath, &why), 0);
    /* a file added, then one removed */
    mf_t_put(tree, "sub/c.txt", "new");
    T_EQ_INT(mf_t_check(tree, mpath, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "sub/c.txt: not in its manifest"));
    snprintf(f, sizeof f, "%s/sub/c.txt", tree);
    unlink(f);
    snprintf(f, sizeof f, "%s/a.txt", tree);
    unlink(f);
    T_EQ_INT(mf_t_check(tree, mpath, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "entry/a.txt: in its manifest but missing"));
    mf_t_put(tree, "a.txt", "hello");
    /* the symlink pointing elsewhere */
    snprintf(f, sizeof f, "%s/link", tree);
    unlink(f);
    T_EQ_INT(symlink("sub/b.txt", f), 0);
    T_EQ_INT(mf_t_check(tree, mpath, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "entry/link: contents differ"));
    /* not a manifest */
    mf_t_put(dir, "entry.manifest", "f 1 00 a.txt\n");
    T_EQ_INT(mf_t_check(tree, mpath, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "is not a hostmix manifest"));
    buf_free(&why);
    buf_free(&mp);
    fs_rmtree(dir);
}

TEST(manifest_one_file_entry)
{
    char dir[] = "/tmp/hostmix-t-mf.XXXXXX", img[512], mpath[600];
    T_ASSERT(mkdtemp(dir));
    mf_t_put(dir, "disk.ext4", "0123456789");
    snprintf(img, sizeof img, "%s/disk.ext4", dir);
    snprintf(mpath, sizeof mpath, "%s.manifest", img);
    struct buf why = BUF_INIT;
    T_EQ_INT(manifest_write(img, mpath, &why), 0);
    T_EQ_INT(mf_t_check(img, mpath, &why), 0);
    mf_t_put(dir, "disk.ext4", "0123456788");
    T_EQ_INT(mf_t_check(img, mpath, &why), -1);
    char want[700];
    snprintf(want, sizeof want, "%s: contents differ from its manifest", img);
    T_EQ_STR(buf_cstr(&why), want);
    buf_free(&why);
    fs_rmtree(dir);
}
