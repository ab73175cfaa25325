/* t_rootfs.c — a program's file closure: parsing the loader's --list
 * output, the closure of this very test binary, and the cache key. */
#include "test.h"
#include "platform/rootfs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *rootfs_find(const struct rootfs *r, const char *image)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->files[i].image, image) == 0) return r->files[i].host;
    return NULL;
}

TEST(rootfs_ldlist_parse)
{
    const char *text =
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        "\tlibsqlite3.so.0 => /lib/x86_64-linux-gnu/libsqlite3.so.0 (0x00007f3d)\n"
        "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3c)\n"
        "\t/lib64/ld-linux-x86-64.so.2 (0x00007f3e)\n"
        "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3c)\n";
    struct rootfs r = { NULL, 0, 0 };
    struct buf why = BUF_INIT;
    T_EQ_INT(rootfs_parse_ldlist(text, &r, &why), 4);
    T_EQ_INT(r.n, 3);                   /* the repeated libc counted once */
    T_EQ_STR(r.files[0].image, "/lib/x86_64-linux-gnu/libsqlite3.so.0");
    T_EQ_STR(r.files[0].host, "/lib/x86_64-linux-gnu/libsqlite3.so.0");
    T_EQ_STR(r.files[2].image, "/lib64/ld-linux-x86-64.so.2");
    rootfs_free(&r);
    T_EQ_INT(rootfs_parse_ldlist("\tlibfoo.so.1 => not found\n", &r, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "libfoo.so.1") != NULL);
    rootfs_free(&r);
    buf_free(&why);
}

TEST(rootfs_closure_of_self)
{
    struct rootfs r = { NULL, 0, 0 };
    struct buf why = BUF_INIT, interp = BUF_INIT;
    T_EQ_INT(rootfs_closure("/proc/self/exe", "/init", &r, &why), 0);
    T_ASSERT(r.n >= 3);
    T_EQ_STR(r.files[0].image, "/init");
    T_ASSERT(r.files[0].host[0] == '/' && strstr(r.files[0].host, "/proc/") == NULL);
    T_EQ_INT(rootfs_elf_interp("/proc/self/exe", &interp, &why), 1);
    T_ASSERT(rootfs_find(&r, buf_cstr(&interp)) != NULL);     /* the loader */
    int libc = 0;
    for (size_t i = 0; i < r.n; i++) {
        T_ASSERT(access(r.files[i].host, R_OK) == 0);
        T_ASSERT(r.files[i].image[0] == '/');
        if (strstr(r.files[i].image, "/libc.so.6")) libc = 1;
    }
    T_ASSERT(libc);
    rootfs_free(&r);
    T_EQ_INT(rootfs_elf_interp("tests/fixtures/modules/README", &interp, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "not a readable 64-bit ELF") != NULL);
    buf_free(&why);
    buf_free(&interp);
}

TEST(rootfs_key_follows_mtime)
{
    char dir[] = "/tmp/hostmix-rootfs-XXXXXX";
    T_ASSERT(mkdtemp(dir) != NULL);
    char a[64], b[64];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    close(open(a, O_CREAT | O_WRONLY, 0644));
    close(open(b, O_CREAT | O_WRONLY, 0644));
    struct rootfs r = { NULL, 0, 0 };
    rootfs_add(&r, a, "/a");
    rootfs_add(&r, b, "/lib/b");
    struct buf why = BUF_INIT;
    char k1[17], k2[17], k3[17];
    T_EQ_INT(rootfs_key(&r, k1, &why), 0);
    T_EQ_INT(rootfs_key(&r, k2, &why), 0);
    T_EQ_STR(k1, k2);
    T_EQ_INT(strlen(k1), 16);
    struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };
    T_EQ_INT(utimensat(AT_FDCWD, b, ts, 0), 0);
    T_EQ_INT(rootfs_key(&r, k3, &why), 0);
    T_ASSERT(strcmp(k1, k3) != 0);
    unlink(b);
    T_EQ_INT(rootfs_key(&r, k3, &why), -1);
    unlink(a);
    rmdir(dir);
    rootfs_free(&r);
    buf_free(&why);
}
