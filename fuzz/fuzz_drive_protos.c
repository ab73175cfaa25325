/* fuzz_drive_protos.c — the load driver's protocol clients (idle, web, imap,
 * app; src/drive/p_*.c) reading arbitrary server bytes.
 *
 * The first byte picks the client and the feed size; the client builds a
 * request, then parses the input until it gives a verdict, builds the next
 * request, and so on, as the engine does.  A verdict of DP_FATAL ends the
 * "connection" (the client's connected hook runs again, as on reconnect).
 * Checks: no crash, no leak, consumed bytes within what was offered. */
#include "drive/proto.h"
#include "job/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct drive_target_cfg cfgs[4];
static void *shared[4];
static const struct drive_proto *protos[4];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[] = "/tmp/hostmix-fuzz-drive.XXXXXX", path[600], err[256];
    if (!mkdtemp(dir)) abort();
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    FILE *f = fopen(path, "w");
    fputs("/index.html\t10\tpage\n/search?q=a\t0\tdynamic\n/i.gif\t3\timage\n/d.bin\t5\tdownload\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/users.tsv", dir);
    f = fopen(path, "w");
    fputs("u1\tp1\t3\nu2\tp2\t0\n", f);
    fclose(f);
    const int roles[4] = { ROLE_IDLE, ROLE_WEB, ROLE_IMAP, ROLE_APP };
    for (int i = 0; i < 4; i++) {
        drive_target_defaults(&cfgs[i]);
        cfgs[i].role = roles[i];
        snprintf(cfgs[i].addr, sizeof cfgs[i].addr, "127.0.0.1:1");
        snprintf(cfgs[i].data, sizeof cfgs[i].data, "%s", dir);
        cfgs[i].customers = 5;
        cfgs[i].items = 300;
        cfgs[i].connections = 2;
        protos[i] = drive_proto_for(roles[i]);
        if (protos[i]->load && protos[i]->load(&cfgs[i], &shared[i], err, sizeof err)) abort();
    }
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/users.tsv", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int k = data[0] & 3;
    size_t step = (size_t)(data[0] >> 2) + 1, off = 0, avail = 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    const struct drive_proto *pr = protos[k];
    void *state = calloc(1, pr->state_size);
    struct buf out = BUF_INIT;
    struct rng rng;
    rng_seed(&rng, 1, 2, 3);
    struct dp_conn c = { .state = state, .shared = shared[k], .cfg = &cfgs[k], .rng = &rng, .out = &out };
    if (pr->connected) pr->connected(&c);
    c.op = pr->request(&c);
    for (int rounds = 0; off < n && rounds < 10000; rounds++) {
        avail = avail + step < n ? avail + step : n;
        size_t used = 0;
        int v = pr->parse(&c, p + off, avail - off, &used);
        if (used > avail - off) abort();
        off += used;
        if (v == DP_MORE) {
            if (avail == n) break;
            continue;
        }
        buf_reset(&out);
        if (v == DP_FATAL || c.close_after) {
            c.close_after = 0;
            if (pr->connected) pr->connected(&c);
        }
        c.op = pr->request(&c);
    }
    if (pr->free_state) pr->free_state(&c);
    buf_free(&out);
    free(state);
    return 0;
}
