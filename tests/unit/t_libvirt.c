/* t_libvirt.c — the libvirt platform's pure parts: the escaping XML
 * writer, a guest's domain XML against expected text, and a domain's CPU
 * from recorded virConnectGetAllDomainStats parameters (no daemon). */
#include "test.h"
#include "platform/libvirt/domain.h"
#include "platform/libvirt/stats.h"
#include "platform/libvirt/xmlw.h"
#include "platform/platform.h"

#include <string.h>
#include <unistd.h>

TEST(libvirt_xmlw_escapes_and_nests)
{
    struct buf b = BUF_INIT;
    struct xmlw w = XMLW_INIT(&b);
    xmlw_start(&w, "a");
    xmlw_attr(&w, "p", "x'y\"<&>");
    xmlw_leaf(&w, "t", "1 < 2 & 'q'");
    xmlw_start(&w, "e");
    xmlw_end(&w);
    xmlw_end(&w);
    T_EQ_INT(xmlw_done(&w), 0);
    T_EQ_STR(buf_cstr(&b), "<a p='x&apos;y&quot;&lt;&amp;&gt;'>\n"
                           "  <t>1 &lt; 2 &amp; &apos;q&apos;</t>\n"
                           "  <e/>\n"
                           "</a>\n");
    xmlw_end(&w);                           /* an end without a start */
    T_EQ_INT(xmlw_done(&w), -1);
    buf_free(&b);
}

static struct lv_dom_cfg t_dom(void)
{
    struct lv_dom_cfg c = {
        .type = "qemu", .name = "hmx42-set1-web", .vcpus = 2, .mem_bytes = 256ULL << 20,
        .kernel = "/c/vmlinuz", .initrd = "/c/init.cpio",
        .cmdline = "console=ttyS0 hostmix.argv=serve,web hostmix.x=<&>",
        .disk = "/c/disk-web.ext4", .disk_ro = 1, .aio = "io_uring", .bridge = "hmxb42",
        .mac = "02:48:4d:00:01:00", .agent_path = "/run/hostmix-libvirt-42/set1-web.agent",
        .console_log = "/r/logs/set1-web.log.console", .uid = 0, .gid = 0,
    };
    return c;
}

TEST(libvirt_domain_xml_q35_qemu)
{
    struct lv_dom_cfg c = t_dom();
    struct buf x = BUF_INIT, why = BUF_INIT;
    T_EQ_INT(lv_domain_xml(&c, &x, &why), 0);
    T_EQ_STR(buf_cstr(&x),
        "<domain type='qemu'>\n"
        "  <name>hmx42-set1-web</name>\n"
        "  <memory unit='KiB'>262144</memory>\n"
        "  <vcpu>2</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='q35'>hvm</type>\n"
        "    <kernel>/c/vmlinuz</kernel>\n"
        "    <initrd>/c/init.cpio</initrd>\n"
        "    <cmdline>console=ttyS0 hostmix.argv=serve,web hostmix.x=&lt;&amp;&gt;</cmdline>\n"
        "  </os>\n"
        "  <features>\n"
        "    <acpi/>\n"
        "  </features>\n"
        "  <on_poweroff>destroy</on_poweroff>\n"
        "  <on_reboot>destroy</on_reboot>\n"
        "  <on_crash>destroy</on_crash>\n"
        "  <devices>\n"
        "    <disk type='file' device='disk'>\n"
        "      <driver name='qemu' type='raw' cache='none' io='io_uring'/>\n"
        "      <source file='/c/disk-web.ext4'/>\n"
        "      <target dev='vda' bus='virtio'/>\n"
        "      <readonly/>\n"
        "    </disk>\n"
        "    <interface type='bridge'>\n"
        "      <source bridge='hmxb42'/>\n"
        "      <mac address='02:48:4d:00:01:00'/>\n"
        "      <model type='virtio'/>\n"
        "    </interface>\n"
        "    <channel type='unix'>\n"
        "      <source mode='bind' path='/run/hostmix-libvirt-42/set1-web.agent'/>\n"
        "      <target type='virtio' name='org.hostmix.agent'/>\n"
        "    </channel>\n"
        "    <serial type='file'>\n"
        "      <source path='/r/logs/set1-web.log.console'/>\n"
        "    </serial>\n"
        "    <controller type='usb' model='none'/>\n"
        "    <memballoon model='none'/>\n"
        "  </devices>\n"
        "  <seclabel type='static' model='dac' relabel='no'>\n"
        "    <label>+0:+0</label>\n"
        "  </seclabel>\n"
        "</domain>\n");
    buf_free(&x);
    buf_free(&why);
}

TEST(libvirt_domain_xml_kvm_overlay_no_disk)
{
    struct lv_dom_cfg c = t_dom();
    struct buf x = BUF_INIT, why = BUF_INIT;
    c.type = "kvm";
    c.disk = "/run/hostmix-libvirt-42/set1-db.qcow2";
    c.disk_qcow2 = 1;
    c.disk_ro = 0;
    c.uid = 1000;
    c.gid = 100;
    T_EQ_INT(lv_domain_xml(&c, &x, &why), 0);
    T_ASSERT(strstr(buf_cstr(&x), "<domain type='kvm'>\n"));
    T_ASSERT(strstr(buf_cstr(&x), "  <cpu mode='host-passthrough'/>\n"));
    T_ASSERT(strstr(buf_cstr(&x), "<driver name='qemu' type='qcow2' cache='none' io='io_uring'/>"));
    T_ASSERT(!strstr(buf_cstr(&x), "<readonly/>"));
    T_ASSERT(strstr(buf_cstr(&x), "<label>+1000:+100</label>"));
    buf_reset(&x);
    c.disk = NULL;
    T_EQ_INT(lv_domain_xml(&c, &x, &why), 0);
    T_ASSERT(!strstr(buf_cstr(&x), "<disk"));
    buf_free(&x);
    buf_free(&why);
}

TEST(libvirt_domain_xml_refuses_bad_config)
{
    struct buf x = BUF_INIT, why = BUF_INIT;
    struct lv_dom_cfg c = t_dom();
    c.mem_bytes = 16ULL << 20;
    T_EQ_INT(lv_domain_xml(&c, &x, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "memory 16777216 bytes"));
    c = t_dom();
    c.type = "xen";
    buf_reset(&why);
    T_EQ_INT(lv_domain_xml(&c, &x, &why), -1);
    T_ASSERT(strstr(buf_cstr(&why), "domain type 'xen'"));
    c = t_dom();
    c.bridge = NULL;
    T_EQ_INT(lv_domain_xml(&c, &x, &why), -1);
    c = t_dom();
    c.vcpus = 0;
    T_EQ_INT(lv_domain_xml(&c, &x, &why), -1);
    T_EQ_INT(buf_used(&x), 0);              /* nothing written for a refused config */
    buf_free(&x);
    buf_free(&why);
}

/* A typed parameter as virConnectGetAllDomainStats returns it. */
static virTypedParameter t_ull(const char *name, unsigned long long v)
{
    virTypedParameter p;
    memset(&p, 0, sizeof p);
    snprintf(p.field, sizeof p.field, "%s", name);
    p.type = VIR_TYPED_PARAM_ULLONG;
    p.value.ul = v;
    return p;
}

static virTypedParameter t_uint(const char *name, unsigned v)
{
    virTypedParameter p = t_ull(name, 0);
    p.type = VIR_TYPED_PARAM_UINT;
    p.value.ui = v;
    return p;
}

/* Recorded from libvirt 9.0.0's qemu driver, a two-vCPU TCG domain. */
TEST(libvirt_stats_qemu_record)
{
    virTypedParameter par[] = {
        t_ull("cpu.time", 9512345678ULL), t_ull("cpu.user", 8210000000ULL),
        t_ull("cpu.system", 1300000000ULL), t_uint("vcpu.current", 2),
        t_uint("vcpu.maximum", 2), t_ull("vcpu.0.state", 1), t_ull("vcpu.0.time", 5120000000ULL),
        t_ull("vcpu.0.wait", 0), t_ull("vcpu.0.delay", 31000000ULL),
        t_ull("vcpu.1.state", 1), t_ull("vcpu.1.time", 2870000000ULL),
        t_ull("vcpu.1.wait", 0), t_ull("vcpu.1.delay", 12500000ULL),
    };
    struct lv_stats st;
    T_EQ_INT(lv_stats_parse(par, (int)(sizeof par / sizeof par[0]), &st), 0);
    T_EQ_INT(st.nvcpu, 2);
    T_EQ_INT(st.cpu_ns, 9512345678LL);
    T_EQ_INT(st.user_ns, 8210000000LL);
    T_EQ_INT(st.system_ns, 1300000000LL);
    T_EQ_INT(st.vcpu_ns, 7990000000LL);
    T_EQ_INT(st.emulator_ns, 9512345678LL - 7990000000LL);
    T_EQ_INT(st.delay_ns, 43500000LL);
    T_EQ_INT(st.wait_ns, 0);
    T_EQ_INT(st.have, LV_HAVE_CPU | LV_HAVE_SPLIT | LV_HAVE_VCPU | LV_HAVE_WAIT | LV_HAVE_DELAY);
}

/* A vCPU without its time (or a record without cpu.time) is not a sum of
 * zero: the figure is missing. */
TEST(libvirt_stats_missing_figures)
{
    virTypedParameter par[] = {
        t_ull("cpu.time", 1000), t_uint("vcpu.current", 2), t_ull("vcpu.0.time", 400),
        t_ull("vcpu.0.delay", 7), t_ull("vcpu.1.delay", 8), t_ull("cpu.user", 1),
    };
    struct lv_stats st;
    T_EQ_INT(lv_stats_parse(par, 6, &st), 0);
    T_EQ_INT(st.have, LV_HAVE_CPU | LV_HAVE_DELAY);
    T_EQ_INT(st.vcpu_ns, 0);
    T_EQ_INT(st.emulator_ns, 0);
    T_EQ_INT(st.delay_ns, 15);
    /* vCPU time above cpu.time (sampled apart): the emulator is 0, not a wrap */
    virTypedParameter over[] = { t_ull("cpu.time", 100), t_uint("vcpu.current", 1),
                                 t_ull("vcpu.0.time", 130) };
    T_EQ_INT(lv_stats_parse(over, 3, &st), 0);
    T_EQ_INT(st.emulator_ns, 0);
    T_EQ_INT(st.vcpu_ns, 130);
    virTypedParameter none[] = { t_uint("vcpu.current", 1), t_ull("vcpu.0.time", 5) };
    T_EQ_INT(lv_stats_parse(none, 2, &st), -1);
    T_EQ_INT(st.have & LV_HAVE_CPU, 0);
}

/* probe with [platform] uri = uri: -1 and why, or 0 (the connection made). */
static int t_probe_uri(const char *uri, char *why, size_t n)
{
    const struct platform_ops *ops = plat_find_name("libvirt");
    _Alignas(16) unsigned char opt[2048];
    char e[200];
    struct plat p;
    memset(opt, 0, sizeof opt);
    opt_defaults(ops->opts, opt, OPT_SEC_ANY);
    for (const struct opt_def *o = ops->opts; o->name; o++)
        if (strcmp(o->name, "uri") == 0) opt_set(o, opt, uri, e, sizeof e);
    plat_open(&p, ops, "", opt);
    int rc = p.ops->probe(&p, why, n);
    plat_close(&p);
    return rc;
}

/* Remote URIs are refused with the reason, before any connection. */
TEST(libvirt_probe_refuses_remote_uri)
{
    char why[400];
    if (geteuid() != 0) T_SKIP("the platform's probe needs root");
    T_EQ_INT(t_probe_uri("qemu+ssh://host.example/system", why, sizeof why), -1);
    T_ASSERT(strstr(why, "uri 'qemu+ssh://host.example/system' names a remote host"));
    T_EQ_INT(t_probe_uri("qemu://host.example/system", why, sizeof why), -1);
    T_ASSERT(strstr(why, "names a remote host"));
    T_EQ_INT(t_probe_uri("system", why, sizeof why), -1);
    T_ASSERT(strstr(why, "is not a libvirt URI"));
}
