/* fuzz_guest.c — the parsers of the VM platform's outside input: the
 * guest's kernel command line (gcfg_decode), agent frames read by the
 * host (agent_frame_parse, agent_stat_decode), modules.dep text
 * (kmods_resolve), module ELF images (kmods_modinfo) and the loader's
 * --list output (rootfs_parse_ldlist). */
#include "guest/agent.h"
#include "guest/gcfg.h"
#include "platform/rootfs.h"
#include "platform/vm/kmods.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_agent(const char *p, size_t n)
{
    struct buf why = BUF_INIT;
    struct agent_frame f;
    ssize_t got;
    while (n && (got = agent_frame_parse(p, n, &f, &why)) > 0) {
        struct agent_stat st;
        agent_stat_decode(&f, &st, &why);
        p += got;
        n -= (size_t)got;
    }
    buf_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct buf why = BUF_INIT, val = BUF_INIT;
    struct gcfg g;
    gcfg_decode(text, &g, &why);
    gcfg_free(&g);
    fuzz_agent((const char *)data, size);
    struct kmods_list l = { NULL, 0, 0 };
    const char *want[] = { "virtio_mmio", "virtio_net", "a", NULL };
    kmods_resolve(text, text, want, &l, &why);
    kmods_list_free(&l);
    kmods_modinfo(data, size, "depends", &val);
    struct rootfs r = { NULL, 0, 0 };
    rootfs_parse_ldlist(text, &r, &why);
    rootfs_free(&r);
    buf_free(&why);
    buf_free(&val);
    free(text);
    return 0;
}
