/* domain.c — the domain XML of a hostmix guest (domain.h). */
#include "platform/libvirt/domain.h"
#include "platform/libvirt/xmlw.h"
#include "guest/agent.h"

#include <stdio.h>
#include <string.h>

static int lv_dom_check(const struct lv_dom_cfg *c, struct buf *why)
{
    if (!c->name || !c->kernel || !c->initrd || !c->cmdline || !c->bridge || !c->mac)
        return buf_puts(why, "libvirt: name, kernel, initrd, command line, bridge and MAC are "
                             "required"), -1;
    if (!c->type || (strcmp(c->type, "kvm") != 0 && strcmp(c->type, "qemu") != 0))
        return buf_printf(why, "libvirt: domain type '%s' (kvm or qemu)",
                          c->type ? c->type : ""), -1;
    if (c->vcpus < 1 || c->vcpus > 255) return buf_printf(why, "libvirt: %d vcpus", c->vcpus), -1;
    if (c->mem_bytes < (32ULL << 20) || c->mem_bytes % 1024)
        return buf_printf(why, "libvirt: memory %llu bytes is not a whole number of KiB of at "
                               "least 32 MiB", (unsigned long long)c->mem_bytes), -1;
    return 0;
}

/* <os>: q35, direct kernel boot. */
static void lv_dom_os(struct xmlw *w, const struct lv_dom_cfg *c)
{
    xmlw_start(w, "os");
    xmlw_start(w, "type");
    xmlw_attr(w, "arch", "x86_64");
    xmlw_attr(w, "machine", "q35");
    xmlw_text(w, "hvm");
    xmlw_end(w);
    xmlw_leaf(w, "kernel", c->kernel);
    xmlw_leaf(w, "initrd", c->initrd);
    xmlw_leaf(w, "cmdline", c->cmdline);
    xmlw_end(w);
    xmlw_start(w, "features");
    xmlw_start(w, "acpi");
    xmlw_end(w);
    xmlw_end(w);
    if (strcmp(c->type, "kvm") == 0) {      /* as the vm platform's -cpu host */
        xmlw_start(w, "cpu");
        xmlw_attr(w, "mode", "host-passthrough");
        xmlw_end(w);
    }
    static const char *const ends[] = { "on_poweroff", "on_reboot", "on_crash" };
    for (int i = 0; i < 3; i++) xmlw_leaf(w, ends[i], "destroy");
}

static void lv_dom_disk(struct xmlw *w, const struct lv_dom_cfg *c)
{
    xmlw_start(w, "disk");
    xmlw_attr(w, "type", "file");
    xmlw_attr(w, "device", "disk");
    xmlw_start(w, "driver");
    xmlw_attr(w, "name", "qemu");
    xmlw_attr(w, "type", c->disk_qcow2 ? "qcow2" : "raw");
    xmlw_attr(w, "cache", "none");
    xmlw_attr(w, "io", c->aio ? c->aio : "threads");
    xmlw_end(w);
    xmlw_start(w, "source");
    xmlw_attr(w, "file", c->disk);
    xmlw_end(w);
    xmlw_start(w, "target");
    xmlw_attr(w, "dev", "vda");
    xmlw_attr(w, "bus", "virtio");
    xmlw_end(w);
    if (c->disk_ro) {
        xmlw_start(w, "readonly");
        xmlw_end(w);
    }
    xmlw_end(w);
}

static void lv_dom_nic(struct xmlw *w, const struct lv_dom_cfg *c)
{
    xmlw_start(w, "interface");
    xmlw_attr(w, "type", "bridge");
    xmlw_start(w, "source");
    xmlw_attr(w, "bridge", c->bridge);
    xmlw_end(w);
    xmlw_start(w, "mac");
    xmlw_attr(w, "address", c->mac);
    xmlw_end(w);
    xmlw_start(w, "model");
    xmlw_attr(w, "type", "virtio");
    xmlw_end(w);
    xmlw_end(w);
}

/* The agent's virtio-serial port and the serial console. */
static void lv_dom_chardevs(struct xmlw *w, const struct lv_dom_cfg *c)
{
    if (c->agent_path) {
        xmlw_start(w, "channel");
        xmlw_attr(w, "type", "unix");
        xmlw_start(w, "source");
        xmlw_attr(w, "mode", "bind");
        xmlw_attr(w, "path", c->agent_path);
        xmlw_end(w);
        xmlw_start(w, "target");
        xmlw_attr(w, "type", "virtio");
        xmlw_attr(w, "name", VM_AGENT_PORT);
        xmlw_end(w);
        xmlw_end(w);
    }
    if (c->console_log) {
        xmlw_start(w, "serial");
        xmlw_attr(w, "type", "file");
        xmlw_start(w, "source");
        xmlw_attr(w, "path", c->console_log);
        xmlw_end(w);
        xmlw_end(w);
    }
}

static void lv_dom_devices(struct xmlw *w, const struct lv_dom_cfg *c)
{
    xmlw_start(w, "devices");
    if (c->disk) lv_dom_disk(w, c);
    lv_dom_nic(w, c);
    lv_dom_chardevs(w, c);
    static const char *const none[][2] = { { "controller", "usb" }, { "memballoon", NULL } };
    for (int i = 0; i < 2; i++) {           /* defaults the vm platform's guest has not */
        xmlw_start(w, none[i][0]);
        if (none[i][1]) xmlw_attr(w, "type", none[i][1]);
        xmlw_attr(w, "model", "none");
        xmlw_end(w);
    }
    xmlw_end(w);
}

/* bytes in KiB, as a value: lv_kib(b).s */
static struct numstr lv_kib(uint64_t bytes)
{
    return numstr_fmt("%llu", (unsigned long long)(bytes >> 10));
}

int lv_domain_xml(const struct lv_dom_cfg *c, struct buf *out, struct buf *why)
{
    if (lv_dom_check(c, why)) return -1;
    struct xmlw w = XMLW_INIT(out);
    xmlw_start(&w, "domain");
    xmlw_attr(&w, "type", c->type);
    xmlw_leaf(&w, "name", c->name);
    xmlw_start(&w, "memory");
    xmlw_attr(&w, "unit", "KiB");
    xmlw_text(&w, lv_kib(c->mem_bytes).s);
    xmlw_end(&w);
    xmlw_leaff(&w, "vcpu", "%d", c->vcpus);
    lv_dom_os(&w, c);
    lv_dom_devices(&w, c);
    xmlw_start(&w, "seclabel");
    xmlw_attr(&w, "type", "static");
    xmlw_attr(&w, "model", "dac");
    xmlw_attr(&w, "relabel", "no");
    xmlw_leaff(&w, "label", "+%u:+%u", (unsigned)c->uid, (unsigned)c->gid);
    xmlw_end(&w);
    xmlw_end(&w);
    if (xmlw_done(&w)) return buf_puts(why, "libvirt: domain XML nesting"), -1;
    return 0;
}
