/* fuzz_rpc.c — libFuzzer target for the nfs server's input path: record
 * marking (oncrpc_record_next), call headers (oncrpc_call_decode) and every
 * NFS and MOUNT procedure (nfsd_dispatch) against a small temporary export.
 *
 * The input is a byte stream as a client would send it.  So that the
 * fuzzer reaches procedures past handle validation, the 4-byte markers
 * "ROOT", "FILE" and "DIRH" inside a record are followed by a real handle
 * (root, a file, a subdirectory): the 28 bytes after the marker are
 * overwritten. */
#include "roles/nfsd.h"
#include "proto/oncrpc.h"
#include "core/log.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_MAX_RECORD 65536

static struct nfsd_export *fuzz_ex;
static uint8_t fuzz_fh[3][NFSD_FH_LEN];
static const char fuzz_mark[3][5] = { "ROOT", "FILE", "DIRH" };

static void fuzz_file(const char *dir, const char *name, size_t size)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) abort();
    for (size_t i = 0; i < size; i++) {
        char c = (char)('a' + i % 26);
        if (write(fd, &c, 1) != 1) abort();
    }
    close(fd);
}

static char fuzz_dir[] = "/tmp/hostmix-fuzz-rpc.XXXXXX";

static int fuzz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

/* Removes the export when the fuzzer exits. */
static void fuzz_cleanup(void)
{
    nfsd_export_close(fuzz_ex);
    nftw(fuzz_dir, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Builds the export once per process. */
static void fuzz_init(void)
{
    char *dir = fuzz_dir;
    char p[512], err[256];
    if (!mkdtemp(dir)) abort();
    atexit(fuzz_cleanup);
    log_set_level(LOG_QUIET);
    fuzz_file(dir, "a.txt", 100);
    snprintf(p, sizeof p, "%s/sub", dir);
    mkdir(p, 0755);
    fuzz_file(dir, "sub/b.bin", 5000);
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "sub/f%02d", i);
        fuzz_file(dir, name, (size_t)i);
    }
    snprintf(p, sizeof p, "%s/out", dir);
    if (symlink("/etc/passwd", p) < 0) abort();
    snprintf(p, sizeof p, "%s/in", dir);
    if (symlink("sub/b.bin", p) < 0) abort();
    fuzz_ex = nfsd_export_open(dir, err, sizeof err);
    if (!fuzz_ex) abort();
    struct nfsd_obj o, c;
    if (nfsd_export_mount(fuzz_ex, "/", &o)) abort();
    nfsd_export_fh(fuzz_ex, &o.st, fuzz_fh[0]);
    nfsd_obj_release(&o);
    if (nfsd_export_resolve(fuzz_ex, fuzz_fh[0], NFSD_FH_LEN, NFSD_WANT_DIR, &o)) abort();
    if (nfsd_export_lookup(fuzz_ex, &o, "a.txt", 5, &c)) abort();
    nfsd_export_fh(fuzz_ex, &c.st, fuzz_fh[1]);
    if (nfsd_export_lookup(fuzz_ex, &o, "sub", 3, &c)) abort();
    nfsd_export_fh(fuzz_ex, &c.st, fuzz_fh[2]);
    nfsd_obj_release(&o);
}

/* Puts real handles after the markers in a private copy of the record. */
static void fuzz_patch(uint8_t *rec, size_t len)
{
    for (size_t i = 0; i + 4 + NFSD_FH_LEN <= len; i++)
        for (int k = 0; k < 3; k++)
            if (!memcmp(rec + i, fuzz_mark[k], 4)) {
                memcpy(rec + i + 4, fuzz_fh[k], NFSD_FH_LEN);
                i += 4 + NFSD_FH_LEN - 1;
                break;
            }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_ex) fuzz_init();
    struct buf scratch = BUF_INIT, out = BUF_INIT, copy = BUF_INIT;
    while (size > 0) {
        const uint8_t *rec;
        size_t len, used;
        int rc = oncrpc_record_next(data, size, FUZZ_MAX_RECORD, &scratch, &rec, &len, &used);
        if (rc != ONCRPC_REC_OK) break;
        buf_reset(&copy);
        buf_append(&copy, rec, len);
        if (len) fuzz_patch((uint8_t *)copy.data, len);
        nfsd_dispatch(fuzz_ex, len ? (const uint8_t *)buf_head(&copy) : rec, len, &out);
        buf_reset(&out);
        data += used;
        size -= used;
    }
    buf_free(&scratch);
    buf_free(&out);
    buf_free(&copy);
    return 0;
}
