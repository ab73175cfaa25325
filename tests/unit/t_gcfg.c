/* t_gcfg.c — the guest kernel-command-line codec: round trips of
 * awkward argv words, rejected inputs, the length limit. */
#include "test.h"
#include "guest/gcfg.h"

TEST(gcfg_round_trip)
{
    char *argv[] = { "serve", "web", "--listen", "198.18.1.16:8080", "a b,c%d\"e'f",
                     "", "caf\xc3\xa9\t\n" };
    struct gcfg g = { argv, 7, "198.18.1.16", 15, "198.18.0.1", "vda", 0 };
    struct buf cmd = BUF_INIT, why = BUF_INIT;
    T_EQ_INT(gcfg_cmdline(&g, 2596124, 10384496, &cmd, &why), 0);
    const char *c = buf_cstr(&cmd);
    const char *want = "console=ttyS0 quiet panic=-1 tsc=reliable tsc_early_khz=2596124 "
                       "lpj=10384496 hostmix.ip=198.18.1.16/15 hostmix.gw=198.18.0.1 "
                       "hostmix.disk=vda:ro hostmix.argv=serve,web,--listen,198.18.1.16:8080,";
    T_ASSERT(strncmp(c, want, strlen(want)) == 0);
    T_ASSERT(strstr(c, "a%20b%2Cc%25d%22e%27f,,caf%C3%A9%09%0A") != NULL);
    T_ASSERT(strchr(c, '"') == NULL && strchr(c, '\n') == NULL);
    struct gcfg d;
    T_EQ_INT(gcfg_decode(c, &d, &why), 0);
    T_EQ_INT(d.argc, 7);
    for (int i = 0; i < 7; i++) T_EQ_STR(d.argv[i], argv[i]);
    T_EQ_STR(d.ip, "198.18.1.16");
    T_EQ_INT(d.prefix, 15);
    T_EQ_STR(d.gw, "198.18.0.1");
    T_EQ_STR(d.disk, "vda");
    T_EQ_INT(d.disk_rw, 0);
    gcfg_free(&d);
    buf_free(&cmd);
    buf_free(&why);
}

/* Decoding among the kernel's own and QEMU's appended parameters, no
 * gateway, no disk. */
TEST(gcfg_decode_minimal)
{
    struct gcfg d;
    struct buf why = BUF_INIT;
    T_EQ_INT(gcfg_decode("BOOT_IMAGE=x console=ttyS0 hostmix.argv=serve,idle "
                         "hostmix.ip=10.0.0.2/24 virtio_mmio.device=512@0xfeb00e00:12\n",
                         &d, &why), 0);
    T_EQ_INT(d.argc, 2);
    T_EQ_STR(d.argv[1], "idle");
    T_ASSERT(d.gw == NULL && d.disk == NULL);
    gcfg_free(&d);
    buf_free(&why);
}

TEST(gcfg_decode_rejects)
{
    static const struct { const char *in, *why; } bad[] = {
        { "hostmix.ip=10.0.0.2/24", "lacks hostmix.argv" },
        { "hostmix.argv=serve", "lacks hostmix.argv or hostmix.ip" },
        { "hostmix.argv=a%2 hostmix.ip=10.0.0.2/24", "bad %XX escape" },
        { "hostmix.argv=a%zz hostmix.ip=10.0.0.2/24", "bad %XX escape" },
        { "hostmix.argv=a hostmix.ip=10.0.0.2", "want A.B.C.D/PREFIX" },
        { "hostmix.argv=a hostmix.ip=10.0.0.2/33", "want A.B.C.D/PREFIX" },
        { "hostmix.argv=a hostmix.ip=10.0.0.300/8", "want A.B.C.D/PREFIX" },
        { "hostmix.argv=a hostmix.ip=1.2.3.4/8 hostmix.disk=vda", "NAME:ro or NAME:rw" },
        { "hostmix.argv=a hostmix.ip=1.2.3.4/8 hostmix.disk=/x:rw", "NAME:ro or NAME:rw" },
        { "hostmix.argv=a hostmix.ip=1.2.3.4/8 hostmix.gw=nope", "not an IPv4" },
        { "hostmix.argv=a hostmix.argv=b hostmix.ip=1.2.3.4/8", "repeated" },
        { "hostmix.color=red hostmix.argv=a hostmix.ip=1.2.3.4/8", "unknown" },
        { "hostmix.argv", "without a value" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gcfg d;
        struct buf why = BUF_INIT;
        int rc = gcfg_decode(bad[i].in, &d, &why);
        gcfg_free(&d);
        if (rc != -1 || !strstr(buf_cstr(&why), bad[i].why)) {
            t_fail(__FILE__, __LINE__, "'%s': rc %d, why '%s'", bad[i].in, rc, buf_cstr(&why));
            buf_free(&why);
            return;
        }
        buf_free(&why);
    }
}

TEST(gcfg_encode_limits)
{
    struct buf cmd = BUF_INIT, why = BUF_INIT;
    char *argv[] = { "serve", "x" };
    struct gcfg g = { argv, 2, "198.18.1.16", 0, NULL, NULL, 0 };
    T_EQ_INT(gcfg_encode(&g, &cmd, &why), -1);          /* prefix 0 */
    g.prefix = 15;
    g.argc = 0;
    T_EQ_INT(gcfg_encode(&g, &cmd, &why), -1);
    static char big[2000];
    memset(big, ' ', sizeof big - 1);                   /* 3 bytes each encoded */
    argv[1] = big;
    g.argc = 2;
    buf_reset(&why);
    T_EQ_INT(gcfg_cmdline(&g, 0, 0, &cmd, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "over the 1792 allowed") != NULL);
    buf_free(&cmd);
    buf_free(&why);
}
