/* t_rpc.c — ONC RPC record marking and headers (proto/oncrpc), the
 * nfs server's dispatcher (roles/nfsd) against a temporary export, and
 * the export's path checks (roles/nfsd_export). */
#include "test.h"
#include "proto/oncrpc.h"
#include "roles/nfsd.h"
#include "roles/nfsd_export.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* A call under construction: big-endian words and opaques. */
struct t_msg { uint8_t b[2048]; size_t n; };

static void t_u32(struct t_msg *m, uint32_t v)
{
    m->b[m->n++] = (uint8_t)(v >> 24);
    m->b[m->n++] = (uint8_t)(v >> 16);
    m->b[m->n++] = (uint8_t)(v >> 8);
    m->b[m->n++] = (uint8_t)v;
}

static void t_opaque(struct t_msg *m, const void *p, size_t len)
{
    t_u32(m, (uint32_t)len);
    memcpy(m->b + m->n, p, len);
    m->n += len;
    while (m->n % 4) m->b[m->n++] = 0;
}

/* Header of a call with AUTH_SYS uid 1000, gid 100. */
static void t_call(struct t_msg *m, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc)
{
    m->n = 0;
    t_u32(m, xid); t_u32(m, 0); t_u32(m, 2); t_u32(m, prog); t_u32(m, vers); t_u32(m, proc);
    struct t_msg a = { .n = 0 };
    t_u32(&a, 0); t_opaque(&a, "host", 4); t_u32(&a, 1000); t_u32(&a, 100); t_u32(&a, 0);
    t_u32(m, 1); t_opaque(m, a.b, a.n);
    t_u32(m, 0); t_u32(m, 0);
}

static uint32_t t_word(const struct buf *b, size_t i)
{
    const uint8_t *p = (const uint8_t *)buf_head(b) + 4 * i;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

TEST(rpc_record_single_and_partial)
{
    uint8_t in[12] = { 0x80, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
    struct buf scratch = BUF_INIT;
    const uint8_t *rec;
    size_t len, used;
    T_EQ_INT(oncrpc_record_next(in, 11, 1024, &scratch, &rec, &len, &used), ONCRPC_REC_NEED);
    T_EQ_INT(oncrpc_record_next(in, 3, 1024, &scratch, &rec, &len, &used), ONCRPC_REC_NEED);
    T_EQ_INT(oncrpc_record_next(in, 12, 1024, &scratch, &rec, &len, &used), ONCRPC_REC_OK);
    T_EQ_INT(len, 8);
    T_EQ_INT(used, 12);
    T_ASSERT(rec == in + 4);
    T_EQ_INT(oncrpc_record_next(in, 12, 11, &scratch, &rec, &len, &used), ONCRPC_REC_TOOBIG);
    buf_free(&scratch);
}

TEST(rpc_record_fragments_assembled)
{
    uint8_t in[] = { 0, 0, 0, 2, 'a', 'b', 0, 0, 0, 0, 0x80, 0, 0, 3, 'c', 'd', 'e', 0xff };
    struct buf scratch = BUF_INIT;
    const uint8_t *rec;
    size_t len, used;
    T_EQ_INT(oncrpc_record_next(in, sizeof in, 1024, &scratch, &rec, &len, &used), ONCRPC_REC_OK);
    T_EQ_INT(len, 5);
    T_EQ_INT(used, sizeof in - 1);
    T_ASSERT(memcmp(rec, "abcde", 5) == 0);
    /* a huge fragment length is refused before any data arrives */
    uint8_t big[4] = { 0x7f, 0xff, 0xff, 0xff };
    T_EQ_INT(oncrpc_record_next(big, 4, 65536, &scratch, &rec, &len, &used), ONCRPC_REC_TOOBIG);
    buf_free(&scratch);
}

/* A record of empty fragments is empty, and still points somewhere. */
TEST(rpc_record_empty_fragments)
{
    uint8_t in[8] = { 0, 0, 0, 0, 0x80, 0, 0, 0 };
    struct buf scratch = BUF_INIT;
    const uint8_t *rec = NULL;
    size_t len = 1, used = 0;
    T_EQ_INT(oncrpc_record_next(in, sizeof in, 1024, &scratch, &rec, &len, &used), ONCRPC_REC_OK);
    T_EQ_INT(len, 0);
    T_EQ_INT(used, 8);
    T_ASSERT(rec != NULL);
    struct buf out = BUF_INIT;
    T_EQ_INT(nfsd_dispatch(NULL, rec, len, &out), NFSD_NO_REPLY);
    buf_free(&out);
    buf_free(&scratch);
}

TEST(rpc_call_decode_auth_sys)
{
    struct t_msg m;
    t_call(&m, 77, NFSD_PROG_NFS, 3, 1);
    t_u32(&m, 0xabcd);
    struct oncrpc_call c;
    T_EQ_INT(oncrpc_call_decode(m.b, m.n, &c), ONCRPC_CALL_OK);
    T_EQ_INT(c.xid, 77);
    T_EQ_INT(c.prog, NFSD_PROG_NFS);
    T_EQ_INT(c.uid, 1000);
    T_EQ_INT(c.gid, 100);
    T_EQ_INT(c.args_len, 4);
    /* every truncation is either garbage or an auth error, never OK */
    for (size_t n = 0; n < m.n - 4; n++)
        T_ASSERT(oncrpc_call_decode(m.b, n, &c) != ONCRPC_CALL_OK);
    T_EQ_INT(oncrpc_call_decode(m.b, 4, &c), ONCRPC_CALL_IGNORE);
    T_EQ_INT(oncrpc_call_decode(m.b, 16, &c), ONCRPC_CALL_GARBAGE);
    m.b[11] = 3;                                /* rpcvers 3 */
    T_EQ_INT(oncrpc_call_decode(m.b, m.n, &c), ONCRPC_CALL_RPC_MISMATCH);
    m.b[11] = 2;
    m.b[27] = 6;                                /* RPCSEC_GSS */
    T_EQ_INT(oncrpc_call_decode(m.b, m.n, &c), ONCRPC_CALL_BADCRED);
    m.b[7] = 1;                                 /* a REPLY */
    T_EQ_INT(oncrpc_call_decode(m.b, m.n, &c), ONCRPC_CALL_IGNORE);
}

TEST(rpc_reply_headers)
{
    struct buf out = BUF_INIT;
    oncrpc_reply_accept_error(&out, 9, ONCRPC_PROG_MISMATCH, 3, 3);
    T_EQ_INT(buf_used(&out), 36);
    T_EQ_INT(t_word(&out, 0), 0x80000000u | 32);
    T_EQ_INT(t_word(&out, 1), 9);
    T_EQ_INT(t_word(&out, 6), ONCRPC_PROG_MISMATCH);
    T_EQ_INT(t_word(&out, 7), 3);
    buf_reset(&out);
    oncrpc_reply_denied(&out, 10, ONCRPC_RPC_MISMATCH, 0);
    T_EQ_INT(buf_used(&out), 28);
    T_EQ_INT(t_word(&out, 3), 1);               /* MSG_DENIED */
    T_EQ_INT(t_word(&out, 5), 2);
    T_EQ_INT(t_word(&out, 6), 2);
    buf_free(&out);
}

TEST(rpc_link_inside)
{
    T_ASSERT(nfsd_export_link_inside("a", "b", 1));
    T_ASSERT(nfsd_export_link_inside("d/l", "../x", 4));
    T_ASSERT(!nfsd_export_link_inside("l", "../x", 4));
    T_ASSERT(!nfsd_export_link_inside("d/l", "../../x", 7));
    T_ASSERT(!nfsd_export_link_inside("d/l", "/etc/passwd", 11));
    T_ASSERT(nfsd_export_link_inside("d/l", "./y/../../z", 11));
    T_ASSERT(!nfsd_export_link_inside("d/l", "y/../../../z", 12));
}

/* A temporary export: a.txt ("hello\n") and d/. */
static char *t_export_dir(char *tmpl)
{
    if (!mkdtemp(tmpl)) return NULL;
    char p[256];
    snprintf(p, sizeof p, "%s/a.txt", tmpl);
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    if (fd < 0 || write(fd, "hello\n", 6) != 6) return NULL;
    close(fd);
    snprintf(p, sizeof p, "%s/d", tmpl);
    mkdir(p, 0755);
    return tmpl;
}

static void t_rm_export(const char *dir)
{
    char p[256];
    snprintf(p, sizeof p, "%s/a.txt", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/d", dir);
    rmdir(p);
    rmdir(dir);
}

TEST(rpc_dispatch_mount_lookup_read)
{
    char tmpl[] = "/tmp/hostmix-t_rpc.XXXXXX", err[256];
    T_ASSERT(t_export_dir(tmpl));
    struct nfsd_export *ex = nfsd_export_open(tmpl, err, sizeof err);
    T_ASSERT(ex);
    struct buf out = BUF_INIT;
    struct t_msg m;
    t_call(&m, 1, NFSD_PROG_MOUNT, 3, 1);
    t_opaque(&m, "/", 1);
    T_EQ_INT(nfsd_dispatch(ex, m.b, m.n, &out), NFSD_REPLIED);
    /* mark, xid, REPLY, ACCEPTED, verf 0 0, SUCCESS, MNT3_OK, fh len */
    T_EQ_INT(t_word(&out, 6), 0);
    T_EQ_INT(t_word(&out, 7), 0);
    T_EQ_INT(t_word(&out, 8), NFSD_FH_LEN);
    uint8_t root[NFSD_FH_LEN];
    memcpy(root, buf_head(&out) + 36, NFSD_FH_LEN);

    buf_reset(&out);
    t_call(&m, 2, NFSD_PROG_NFS, 3, 3);        /* LOOKUP a.txt */
    t_opaque(&m, root, sizeof root);
    t_opaque(&m, "a.txt", 5);
    T_EQ_INT(nfsd_dispatch(ex, m.b, m.n, &out), NFSD_REPLIED);
    T_EQ_INT(t_word(&out, 7), 0);
    T_EQ_INT(t_word(&out, 8), NFSD_FH_LEN);
    uint8_t fh[NFSD_FH_LEN];
    memcpy(fh, buf_head(&out) + 36, NFSD_FH_LEN);

    buf_reset(&out);
    t_call(&m, 3, NFSD_PROG_NFS, 3, 6);        /* READ 0..100 */
    t_opaque(&m, fh, sizeof fh);
    t_u32(&m, 0); t_u32(&m, 0); t_u32(&m, 100);
    T_EQ_INT(nfsd_dispatch(ex, m.b, m.n, &out), NFSD_REPLIED);
    /* 7 header words, status, post_op_attr (22 words), count, eof, len */
    T_EQ_INT(t_word(&out, 30), 6);
    T_EQ_INT(t_word(&out, 31), 1);
    T_EQ_INT(t_word(&out, 32), 6);
    T_ASSERT(memcmp(buf_head(&out) + 4 * 33, "hello\n\0\0", 8) == 0);
    T_EQ_INT(buf_used(&out), 4 * 33 + 8);

    buf_reset(&out);
    t_call(&m, 4, NFSD_PROG_NFS, 3, 3);        /* LOOKUP in a file: NOTDIR */
    t_opaque(&m, fh, sizeof fh);
    t_opaque(&m, "x", 1);
    T_EQ_INT(nfsd_dispatch(ex, m.b, m.n, &out), NFSD_REPLIED_ERROR);
    T_EQ_INT(t_word(&out, 7), NFSD_ERR_NOTDIR);

    buf_reset(&out);
    memset(fh + NFSD_FH_LEN - 6, 0x7e, 6);     /* forged inode: none has it */
    t_call(&m, 5, NFSD_PROG_NFS, 3, 1);
    t_opaque(&m, fh, sizeof fh);
    T_EQ_INT(nfsd_dispatch(ex, m.b, m.n, &out), NFSD_REPLIED_ERROR);
    T_EQ_INT(t_word(&out, 7), NFSD_ERR_STALE);

    buf_reset(&out);
    t_call(&m, 6, NFSD_PROG_NFS, 3, 4);        /* ACCESS without its mask */
    t_opaque(&m, root, sizeof root);
    T_EQ_INT(nfsd_dispatch(ex, m.b, m.n, &out), NFSD_REPLIED_ERROR);
    T_EQ_INT(t_word(&out, 6), ONCRPC_GARBAGE_ARGS);
    T_EQ_INT(buf_used(&out), 28);

    buf_free(&out);
    nfsd_export_close(ex);
    t_rm_export(tmpl);
}

TEST(rpc_export_refuses_bad_dirs)
{
    char err[256];
    T_ASSERT(!nfsd_export_open("/nonexistent/hostmix", err, sizeof err));
    T_ASSERT(strstr(err, "/nonexistent/hostmix") != NULL);
    T_ASSERT(!nfsd_export_open("", err, sizeof err));
}

TEST(rpc_export_mount_paths)
{
    char tmpl[] = "/tmp/hostmix-t_rpc.XXXXXX", err[256];
    T_ASSERT(t_export_dir(tmpl));
    struct nfsd_export *ex = nfsd_export_open(tmpl, err, sizeof err);
    T_ASSERT(ex);
    struct nfsd_obj o;
    T_EQ_INT(nfsd_export_mount(ex, "", &o), 0);
    nfsd_obj_release(&o);
    T_EQ_STR(o.path, "");
    T_EQ_INT(nfsd_export_mount(ex, "//d//", &o), 0);
    nfsd_obj_release(&o);
    T_EQ_STR(o.path, "d");
    T_EQ_INT(nfsd_export_mount(ex, "/d/..", &o), NFSD_ERR_ACCES);
    T_EQ_INT(nfsd_export_mount(ex, "/./d", &o), NFSD_ERR_ACCES);
    T_EQ_INT(nfsd_export_mount(ex, "/a.txt", &o), NFSD_ERR_NOTDIR);
    T_EQ_INT(nfsd_export_mount(ex, "/nope", &o), NFSD_ERR_NOENT);
    /* a LOOKUP of ".." from "d" is the root; from the root, the root */
    T_EQ_INT(nfsd_export_mount(ex, "/d", &o), 0);
    nfsd_obj_release(&o);
    struct nfsd_obj dir, up;
    uint8_t fh[NFSD_FH_LEN];
    nfsd_export_fh(ex, &o.st, fh);
    T_EQ_INT(nfsd_export_resolve(ex, fh, sizeof fh, NFSD_WANT_DIR, &dir), 0);
    T_EQ_INT(nfsd_export_lookup(ex, &dir, "..", 2, &up), 0);
    T_EQ_STR(up.path, "");
    nfsd_obj_release(&dir);
    T_EQ_INT(nfsd_export_mount(ex, "/", &o), 0);
    nfsd_obj_release(&o);
    nfsd_export_fh(ex, &o.st, fh);
    T_EQ_INT(nfsd_export_resolve(ex, fh, sizeof fh, NFSD_WANT_DIR, &dir), 0);
    T_EQ_INT(nfsd_export_lookup(ex, &dir, "..", 2, &up), 0);
    T_EQ_STR(up.path, "");
    T_EQ_INT(up.st.st_ino, dir.st.st_ino);
    T_EQ_INT(nfsd_export_lookup(ex, &dir, "a/b", 3, &up), NFSD_ERR_ACCES);
    T_EQ_INT(nfsd_export_lookup(ex, &dir, "", 0, &up), NFSD_ERR_NOENT);
    nfsd_obj_release(&dir);
    nfsd_export_close(ex);
    t_rm_export(tmpl);
}
