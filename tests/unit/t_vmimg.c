/* t_vmimg.c — guest image pieces: module ordering from the fixture
 * modules.dep (tests/fixtures/modules), .modinfo reading and the
 * modules.dep writer on synthetic ELF modules, disk images and
 * overlays, TSC values. */
#include "test.h"
#include "core/fs.h"
#include "core/manifest.h"
#include "platform/vm/image.h"
#include "platform/vm/kmods.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *t_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* The names of l joined by spaces. */
static const char *t_names(const struct kmods_list *l)
{
    static struct buf b;
    buf_reset(&b);
    for (size_t i = 0; i < l->n; i++) {
        if (i) buf_puts(&b, " ");
        kmods_name(l->path[i], &b);
    }
    return buf_cstr(&b);
}

TEST(kmods_order_microvm_and_q35)
{
    const char *dep = t_slurp("tests/fixtures/modules/modules.dep");
    T_ASSERT(dep != NULL);
    struct kmods_list l = { NULL, 0, 0 };
    struct buf why = BUF_INIT;
    const char *mv[] = { "virtio_mmio", "virtio_net", "virtio_blk", "virtio_console", NULL };
    T_EQ_INT(kmods_resolve(dep, NULL, mv, &l, &why), 0);
    T_EQ_STR(t_names(&l), "virtio_ring virtio virtio_mmio failover net_failover virtio_net "
                          "virtio_blk virtio_console");
    T_EQ_STR(l.path[0], "kernel/drivers/virtio/virtio_ring.ko");
    kmods_list_free(&l);
    const char *q35[] = { "virtio_pci", "virtio_net", NULL };
    T_EQ_INT(kmods_resolve(dep, NULL, q35, &l, &why), 0);
    T_EQ_STR(t_names(&l), "virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio "
                          "virtio_pci failover net_failover virtio_net");
    kmods_list_free(&l);
    /* A dashed file name and a compressed module. */
    const char *rng[] = { "virtio_rng", NULL };
    T_EQ_INT(kmods_resolve(dep, NULL, rng, &l, &why), 0);
    T_EQ_STR(t_names(&l), "virtio_ring virtio rng_core virtio_rng");
    T_EQ_STR(l.path[3], "kernel/drivers/char/hw_random/virtio-rng.ko.xz");
    kmods_list_free(&l);
    buf_free(&why);
}

TEST(kmods_resolve_errors_and_builtin)
{
    const char *dep = t_slurp("tests/fixtures/modules/modules.dep");
    const char *builtin = "kernel/fs/ext4/ext4.ko\nkernel/drivers/block/loop.ko\n";
    struct kmods_list l = { NULL, 0, 0 };
    struct buf why = BUF_INIT;
    const char *ext4[] = { "ext4", "virtio_blk", NULL };
    T_EQ_INT(kmods_resolve(dep, builtin, ext4, &l, &why), 0);
    T_EQ_STR(t_names(&l), "virtio_ring virtio virtio_blk");
    kmods_list_free(&l);
    const char *nope[] = { "no_such_mod", NULL };
    T_EQ_INT(kmods_resolve(dep, builtin, nope, &l, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "no_such_mod: not in modules.dep") != NULL);
    kmods_list_free(&l);
    buf_reset(&why);
    const char *cyc[] = { "loopa", NULL };
    T_EQ_INT(kmods_resolve(dep, builtin, cyc, &l, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "cycle") != NULL);
    kmods_list_free(&l);
    buf_reset(&why);
    const char *dang[] = { "dangling", NULL };
    T_EQ_INT(kmods_resolve(dep, builtin, dang, &l, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "needs kernel/fs/absent.ko") != NULL);
    kmods_list_free(&l);
    buf_free(&why);
}

/* A minimal ELF64 relocatable object whose .modinfo holds info[0..n). */
static void t_fake_ko(struct buf *out, const char *info, size_t n)
{
    static const char shstr[] = "\0.shstrtab\0.modinfo";
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_REL;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = 3;
    eh.e_shstrndx = 1;
    size_t str_off = sizeof eh, info_off = str_off + sizeof shstr;
    eh.e_shoff = (info_off + n + 7) / 8 * 8;
    Elf64_Shdr sh[3];
    memset(sh, 0, sizeof sh);
    sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_STRTAB, .sh_offset = str_off,
                          .sh_size = sizeof shstr };
    sh[2] = (Elf64_Shdr){ .sh_name = 11, .sh_type = SHT_PROGBITS, .sh_offset = info_off,
                          .sh_size = n };
    buf_reset(out);
    buf_append(out, &eh, sizeof eh);
    buf_append(out, shstr, sizeof shstr);
    buf_append(out, info, n);
    while (buf_used(out) < eh.e_shoff) buf_append(out, "", 1);
    buf_append(out, sh, sizeof sh);
}

TEST(kmods_modinfo_synthetic)
{
    static const char info[] = "license=GPL\0depends=virtio,virtio_ring\0name=virtio_net";
    struct buf ko = BUF_INIT, v = BUF_INIT;
    t_fake_ko(&ko, info, sizeof info);
    T_EQ_INT(kmods_modinfo(buf_head(&ko), buf_used(&ko), "depends", &v), 1);
    T_EQ_STR(buf_cstr(&v), "virtio,virtio_ring");
    buf_reset(&v);
    T_EQ_INT(kmods_modinfo(buf_head(&ko), buf_used(&ko), "name", &v), 1);
    T_EQ_STR(buf_cstr(&v), "virtio_net");
    T_EQ_INT(kmods_modinfo(buf_head(&ko), buf_used(&ko), "vermagic", &v), 0);
    T_EQ_INT(kmods_modinfo(buf_head(&ko), buf_used(&ko) - 8, "name", &v), -1);   /* cut */
    T_EQ_INT(kmods_modinfo("not an elf", 10, "name", &v), -1);
    buf_free(&ko);
    buf_free(&v);
}

static void t_write(const char *path, const struct buf *b)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fwrite(buf_head(b), 1, buf_used(b), f);
    fclose(f);
}

TEST(kmods_depmod_writes_modules_dep)
{
    char dir[] = "/tmp/hostmix-kmods-XXXXXX";
    T_ASSERT(mkdtemp(dir) != NULL);
    struct buf p = BUF_INIT, ko = BUF_INIT, why = BUF_INIT;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/kernel/a %s/kernel/b", dir, dir);
    T_EQ_INT(system(cmd), 0);
    static const char ring[] = "name=virtio_ring\0depends=";
    static const char virt[] = "name=virtio\0depends=virtio_ring";
    static const char net[] = "depends=virtio_ring,virtio\0name=virtio_net";
    const struct { const char *rel, *info; size_t n; } mods[] = {
        { "kernel/a/virtio_ring.ko", ring, sizeof ring },
        { "kernel/a/virtio.ko", virt, sizeof virt },
        { "kernel/b/virtio_net.ko", net, sizeof net },
    };
    for (int i = 0; i < 3; i++) {
        t_fake_ko(&ko, mods[i].info, mods[i].n);
        buf_reset(&p);
        buf_printf(&p, "%s/%s", dir, mods[i].rel);
        t_write(buf_cstr(&p), &ko);
    }
    T_EQ_INT(kmods_depmod(dir, &why), 0);
    buf_reset(&p);
    buf_printf(&p, "%s/modules.dep", dir);
    const char *dep = t_slurp(buf_cstr(&p));
    T_ASSERT(dep && strstr(dep, "kernel/b/virtio_net.ko: kernel/a/virtio_ring.ko kernel/a/virtio.ko\n"));
    T_ASSERT(strstr(dep, "kernel/a/virtio_ring.ko:\n") != NULL);
    struct kmods_list l = { NULL, 0, 0 };
    const char *want[] = { "virtio_net", NULL };
    T_EQ_INT(kmods_resolve(dep, NULL, want, &l, &why), 0);
    T_EQ_STR(t_names(&l), "virtio_ring virtio virtio_net");
    kmods_list_free(&l);
    T_EQ_INT(fs_rmtree(dir), 0);
    T_ASSERT(access(dir, F_OK) != 0);
    buf_free(&p);
    buf_free(&ko);
    buf_free(&why);
}

/* The TSC frequency for TCG guests: never "cpu MHz" where that is the
 * current core clock (tests/fixtures/tsc/README). */
TEST(vmimg_tsc_sources)
{
    const char *from;
    T_EQ_INT(vmimg_cpuinfo_khz("processor\t: 0\ncpu MHz\t\t: 2596.124\ncache size\t: 1 KB\n"), 2596124);
    T_EQ_INT(vmimg_cpuinfo_khz("processor\t: 0\n"), 0);
    T_EQ_INT(vmimg_host_tsc_khz("tests/fixtures/tsc/metal", &from), 2399987);
    T_ASSERT(strstr(from, "refined") != NULL);
    T_EQ_INT(vmimg_host_tsc_khz("tests/fixtures/tsc/metal-nolog", &from), 0);
    T_EQ_STR(from, "none");
    T_EQ_INT(vmimg_host_tsc_khz("tests/fixtures/tsc/sysfs", &from), 2100000);
    T_EQ_STR(from, "tsc_freq_khz");
    /* a guest host (no aperfmperf, no cpufreq): cpu MHz is cpu_khz */
    const char *vm_cpuinfo = "processor\t: 0\ncpu MHz\t\t: 2095.991\n"
                             "flags\t\t: fpu tsc constant_tsc hypervisor tsc_known_freq\n";
    struct vmimg_tsc_facts f = { NULL, NULL, vm_cpuinfo, 0 };
    T_EQ_INT(vmimg_tsc_khz(&f, &from), 2095991);
    f.cpufreq = 1;
    T_EQ_INT(vmimg_tsc_khz(&f, &from), 0);
    /* known TSC frequency: the boot-time "Detected" line is tsc_khz */
    f.klog = "<6>[    0.000000] tsc: Detected 2095.990 MHz processor\n";
    T_EQ_INT(vmimg_tsc_khz(&f, &from), 2095990);
    f.cpuinfo = "flags\t\t: fpu tsc aperfmperf\n";          /* not known: refinement pending */
    T_EQ_INT(vmimg_tsc_khz(&f, &from), 0);
    f.sysfs_khz = "garbage";
    T_EQ_INT(vmimg_tsc_khz(&f, &from), 0);
}

/* mke2fs and qemu-img are test dependencies (scripts/deps.sh test). */
TEST(vmimg_disk_and_overlay)
{
    char dir[] = "/tmp/hostmix-disk-XXXXXX";
    T_ASSERT(mkdtemp(dir) != NULL);
    struct buf data = BUF_INIT, cache = BUF_INIT, img = BUF_INIT, why = BUF_INIT, ov = BUF_INIT;
    buf_printf(&data, "%s/data", dir);
    buf_printf(&cache, "%s/cache", dir);
    mkdir(buf_cstr(&data), 0755);
    buf_printf(&ov, "%s/data/f", dir);
    FILE *f = fopen(buf_cstr(&ov), "w");
    T_ASSERT(f != NULL);
    fputs("hello", f);
    fclose(f);
    T_EQ_INT(vmimg_disk(buf_cstr(&cache), buf_cstr(&data), "k1", 0, &img, &why), 0);
    struct stat st, st2;
    T_EQ_INT(stat(buf_cstr(&img), &st), 0);
    T_ASSERT(st.st_size >= 16 << 20);
    FILE *d = fopen(buf_cstr(&img), "rb");
    unsigned char magic[2] = { 0, 0 };
    if (d && fseek(d, 1080, SEEK_SET) == 0 && fread(magic, 1, 2, d) == 2) {}
    if (d) fclose(d);
    T_ASSERT(magic[0] == 0x53 && magic[1] == 0xEF);          /* ext4 superblock */
    T_EQ_INT(vmimg_disk(buf_cstr(&cache), buf_cstr(&data), "k1", 0, &img, &why), 0);
    T_EQ_INT(stat(buf_cstr(&img), &st2), 0);
    T_ASSERT(st.st_ino == st2.st_ino && st.st_mtim.tv_nsec == st2.st_mtim.tv_nsec);  /* cached */
    /* one byte of the cached image changed: refused, naming it, left as it is */
    FILE *w = fopen(buf_cstr(&img), "r+b");
    T_ASSERT(w && fseek(w, 1024 * 1024, SEEK_SET) == 0 && fputc('Z', w) == 'Z');
    fclose(w);
    buf_reset(&why);
    T_EQ_INT(vmimg_disk(buf_cstr(&cache), buf_cstr(&data), "k1", 0, &img, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "k1.ext4: contents differ from its manifest") != NULL);
    T_EQ_INT(stat(buf_cstr(&img), &st2), 0);
    T_ASSERT(st.st_ino == st2.st_ino);
    /* without its manifest (an image from before manifests): made again */
    buf_reset(&ov);
    buf_printf(&ov, "%s.manifest", buf_cstr(&img));
    T_EQ_INT(unlink(buf_cstr(&ov)), 0);
    T_EQ_INT(vmimg_disk(buf_cstr(&cache), buf_cstr(&data), "k1", 0, &img, &why), 0);
    T_ASSERT(access(buf_cstr(&ov), F_OK) == 0);
    buf_reset(&ov);
    buf_printf(&ov, "%s/run.qcow2", dir);
    T_EQ_INT(vmimg_overlay(buf_cstr(&img), buf_cstr(&ov), &why), 0);
    d = fopen(buf_cstr(&ov), "rb");
    char q[4] = "";
    if (d && fread(q, 1, 4, d) == 4) {}
    if (d) fclose(d);
    T_ASSERT(memcmp(q, "QFI\xfb", 4) == 0);
    T_EQ_INT(vmimg_overlay("/nonexistent/base.ext4", buf_cstr(&ov), &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "qemu-img: exit") != NULL);
    T_EQ_INT(vmimg_disk(buf_cstr(&cache), buf_cstr(&data), "../x", 0, &img, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "not a file name") != NULL);
    T_EQ_INT(fs_rmtree(dir), 0);
    buf_free(&data);
    buf_free(&cache);
    buf_free(&img);
    buf_free(&why);
    buf_free(&ov);
}

/* Writes text to root/rel, making its directories. */
static void vi_put(const char *root, const char *rel, const char *text)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    *strrchr(p, '/') = '\0';
    fs_mkdirs(p);
    snprintf(p, sizeof p, "%s/%s", root, rel);
    fs_write_atomic(p, text, strlen(text));
}

/* Offline (no apt-cache on PATH), the newest cached kernel is used only
 * when it matches its manifest (which is itself never taken for a
 * kernel directory). */
TEST(vmimg_kernel_offline_checked)
{
    char dir[] = "/tmp/hostmix-kern-XXXXXX", kdir[300];
    T_ASSERT(mkdtemp(dir) != NULL);
    snprintf(kdir, sizeof kdir, "%s/kernel-6.1.0-9-cloud-amd64", dir);
    vi_put(kdir, "boot/vmlinuz-6.1.0-9-cloud-amd64", "not really a kernel");
    vi_put(kdir, "lib/modules/6.1.0-9-cloud-amd64/modules.dep", "");
    struct buf why = BUF_INIT;
    T_EQ_INT(manifest_seal(kdir, kdir, &why), 0);
    char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", dir, 1);                 /* no apt-cache: offline */
    struct vmimg_kernel k;
    int ok = vmimg_kernel_debian(dir, &k, &why);
    int named = ok == 0 && strcmp(buf_head(&k.version), "6.1.0-9-cloud-amd64") == 0;
    if (ok == 0) vmimg_kernel_free(&k);
    vi_put(kdir, "boot/vmlinuz-6.1.0-9-cloud-amd64", "not really a kerneL");
    buf_reset(&why);
    int tampered = vmimg_kernel_debian(dir, &k, &why);
    int says = strstr(buf_cstr(&why), "vmlinuz-6.1.0-9-cloud-amd64: contents differ") != NULL;
    char mp[400];
    snprintf(mp, sizeof mp, "%s.manifest", kdir);
    unlink(mp);
    buf_reset(&why);
    int unsealed = vmimg_kernel_debian(dir, &k, &why);
    int says2 = strstr(buf_cstr(&why), "has no manifest") != NULL;
    if (path) setenv("PATH", path, 1);
    free(path);
    printf("    %s\n", buf_cstr(&why));
    T_EQ_INT(ok, 0);
    T_ASSERT(named);
    T_EQ_INT(tampered, -1);
    T_ASSERT(says);
    T_EQ_INT(unsealed, -1);
    T_ASSERT(says2);
    T_ASSERT(access(kdir, F_OK) == 0);      /* never removed offline */
    buf_free(&why);
    fs_rmtree(dir);
}
