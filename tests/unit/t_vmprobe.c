/* t_vmprobe.c — the vm platform's host probes: vhost-net opened, not
 * merely present, hugetlbfs mounts, page sizes and free pools read from
 * fixture trees (tests/fixtures/huge/), and the preflight `hostmix check`
 * prints (tests/fixtures/preflight/). */
#include "test.h"
#include "core/fs.h"
#include "platform/platform.h"
#include "platform/vm/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* A character major no driver has registered (not in /proc/devices),
 * from the ranges Documentation/admin-guide/devices.txt leaves for local
 * use; 0 if all are taken. */
static unsigned t_unused_major(void)
{
    static const unsigned cand[] = { 60, 61, 62, 63, 120, 121, 122, 123, 124, 125, 126, 127 };
    char text[8192];
    FILE *f = fopen("/proc/devices", "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f) fclose(f);
    text[n] = '\0';
    char *blk = strstr(text, "Block devices:");
    if (blk) *blk = '\0';
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
        char pat[16];
        snprintf(pat, sizeof pat, "\n%3u ", cand[i]);
        if (!strstr(text, pat)) return cand[i];
    }
    return 0;
}

TEST(vmprobe_vhost_opens_not_access)
{
    char dir[] = "/tmp/hostmix-t-vhost-XXXXXX", node[64], why[200];
    T_ASSERT(mkdtemp(dir) != NULL);
    snprintf(node, sizeof node, "%s/vhost-net", dir);
    T_EQ_INT(vm_vhost_usable(node, why, sizeof why), 0);              /* absent */
    T_ASSERT(strstr(why, "No such file") != NULL);
    int fd = open(node, O_CREAT | O_WRONLY, 0600);                    /* a regular file */
    T_ASSERT(fd >= 0);
    close(fd);
    T_EQ_INT(vm_vhost_usable(node, why, sizeof why), 0);
    T_ASSERT(strstr(why, "not a character device") != NULL);
    unlink(node);
    unsigned major = t_unused_major();
    int mk = major ? mknod(node, S_IFCHR | 0600, makedev(major, 0)) : -1;
    if (mk != 0) {
        fs_rmtree(dir);
        T_SKIP("cannot make a character device node here (%s)",
               major ? strerror(errno) : "no unused major");
    }
    T_EQ_INT(access(node, R_OK | W_OK), 0);             /* what the old probe asked */
    T_EQ_INT(vm_vhost_usable(node, why, sizeof why), 0);
    T_ASSERT(strstr(why, "vhost_net module") != NULL || strstr(why, "Permission") != NULL);
    fs_rmtree(dir);
}

TEST(vmprobe_huge_mounts_and_pools)
{
    struct vm_huge_facts f;
    const char *path = NULL;
    char why[300];
    vm_huge_read("tests/fixtures/huge/host", &f);
    T_EQ_INT(f.n, 2);
    T_EQ_INT(f.default_page, 2 << 20);
    T_EQ_STR(f.m[0].path, "/dev/hugepages");
    T_EQ_INT(f.m[0].page, 2 << 20);
    T_EQ_INT(f.m[0].free_pages, 300);
    T_EQ_STR(f.m[1].path, "/mnt/huge1g");
    T_EQ_INT(f.m[1].page, 1 << 30);
    T_EQ_INT(f.m[1].free_pages, 1);
    T_EQ_INT(vm_huge_pick(&f, 2 << 20, 512ULL << 20, &path, why, sizeof why), 0);
    T_EQ_STR(path, "/dev/hugepages");
    T_EQ_INT(vm_huge_pick(&f, 2 << 20, 700ULL << 20, &path, why, sizeof why), -1);
    T_ASSERT(strstr(why, "need 350 free 2048 kB huge pages (700 MiB), the host has 300 free") != NULL);
    T_EQ_INT(vm_huge_pick(&f, 1 << 30, 1ULL << 30, &path, why, sizeof why), 0);
    T_EQ_STR(path, "/mnt/huge1g");
    T_EQ_INT(vm_huge_pick(&f, 1 << 30, 2ULL << 30, &path, why, sizeof why), -1);
    T_ASSERT(strstr(why, "need 2 free 1048576 kB") != NULL);
    vm_huge_read("tests/fixtures/huge/old", &f);
    T_EQ_INT(f.n, 1);
    T_EQ_INT(f.m[0].page, 2 << 20);
    T_EQ_INT(f.m[0].free_pages, 10);
    T_EQ_INT(vm_huge_pick(&f, 2 << 20, 20ULL << 20, &path, why, sizeof why), 0);
    T_EQ_INT(vm_huge_pick(&f, 1 << 30, 1ULL << 30, &path, why, sizeof why), -1);
    T_ASSERT(strstr(why, "no hugetlbfs mount of 1048576 kB pages") != NULL);
    vm_huge_read("tests/fixtures/huge/none", &f);                   /* no such tree */
    T_EQ_INT(f.n, 0);
    T_EQ_INT(vm_huge_pick(&f, 2 << 20, 2 << 20, &path, why, sizeof why), -1);
}

TEST(vmprobe_preflight_facts)
{
    struct plat p;
    plat_open(&p, plat_find_name("vm"), "tests/fixtures/preflight/kvm-intel", NULL);
    T_ASSERT(p.ops->preflight != NULL);
    struct buf out = BUF_INIT;
    p.ops->preflight(&p, &out);
    plat_close(&p);
    const char *t = buf_cstr(&out);
    printf("%s", t);
    static const char *const want[] = {
        "  accelerator: TCG: no usable /dev/kvm (No such file or directory)\n",
        "  kvm module: halt_poll_ns 200000, kvm_intel nested Y\n",
        "  vhost-net: tests/fixtures/preflight/kvm-intel/dev/vhost-net cannot be opened",
        "  hugetlbfs: /dev/hugepages 2048 kB pages, 300 free; /mnt/huge1g 1048576 kB pages, "
        "1 free\n",
        "  host TSC: 2399987 kHz (from the kernel log's refined TSC calibration; given to TCG "
        "guests only)\n",
        "  guest kernel: Debian's linux-image-cloud-amd64",
    };
    int missing = -1;
    for (size_t i = 0; i < sizeof want / sizeof want[0] && missing < 0; i++)
        if (!strstr(t, want[i])) missing = (int)i;
    buf_free(&out);
    T_EQ_INT(missing, -1);
}
