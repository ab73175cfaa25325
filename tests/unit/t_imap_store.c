/* t_imap_store.c — the uid list as a log: APPEND and EXPUNGE do not
 * rewrite it (its inode stays), and a reload gives the same UIDs. */
#include "test.h"
#include "roles/imap_store.h"
#include "proto/imap.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

static int t_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)ftw;
    return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static ino_t t_ino(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_ino : 0;
}

TEST(imap_uidlist_is_a_log)
{
    char dir[] = "/tmp/hostmix-t-store.XXXXXX", box[256], list[300];
    T_ASSERT(mkdtemp(dir) != NULL);
    snprintf(box, sizeof box, "%s/mail", dir);
    mkdir(box, 0755);
    snprintf(box, sizeof box, "%s/mail/u", dir);
    mkdir(box, 0755);
    snprintf(box, sizeof box, "%s/mail/u/Maildir", dir);
    mkdir(box, 0755);
    const char *subs[] = { "cur", "new", "tmp" };
    for (int i = 0; i < 3; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s/%s", box, subs[i]);
        mkdir(p, 0755);
    }
    snprintf(list, sizeof list, "%s/hostmix-uidlist", box);
    struct imap_store *st = imap_store_create(dir, 0);
    struct imap_mbox *mb = imap_store_open(st, box);
    T_ASSERT(mb != NULL);
    const char msg[] = "Subject: t\r\n\r\nbody\r\n";
    for (int i = 0; i < 1100; i++)
        T_EQ_INT(imap_mbox_append(st, mb, msg, sizeof msg - 1, 0, 1000000), i + 1);
    ino_t ino = t_ino(list);
    T_ASSERT(ino != 0);
    for (int i = 0; i < 400; i++) imap_mbox_append(st, mb, msg, sizeof msg - 1, 0, 1000000);
    T_EQ_INT(t_ino(list), ino);                 /* appended, not rewritten */
    for (int i = 0; i < mb->n; i += 3) imap_mbox_set_flags(mb, i, IMAP_F_DELETED);
    T_EQ_INT(imap_mbox_expunge(mb), 500);
    T_EQ_INT(t_ino(list), ino);                 /* nothing written */
    uint32_t next = mb->uidnext, uids[1000];
    int n = mb->n;
    T_EQ_INT(n, 1000);
    for (int i = 0; i < n; i++) uids[i] = mb->m[i].uid;
    imap_store_destroy(st);
    st = imap_store_create(dir, 0);             /* a restart: same UIDs */
    mb = imap_store_open(st, box);
    T_EQ_INT(mb->n, n);
    T_EQ_INT(mb->uidnext, next);
    int same = 1;
    for (int i = 0; i < n; i++) same &= mb->m[i].uid == uids[i];
    T_ASSERT(same);
    /* the last message expunged must not come back as a UID */
    imap_mbox_set_flags(mb, n - 1, IMAP_F_DELETED);
    imap_mbox_expunge(mb);
    imap_store_destroy(st);
    st = imap_store_create(dir, 0);
    mb = imap_store_open(st, box);
    T_EQ_INT(mb->uidnext, next);
    T_EQ_INT(imap_mbox_append(st, mb, msg, sizeof msg - 1, 0, 1000000), next);
    imap_store_destroy(st);
    nftw(dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
}
