/* imap_dovecot.c — imap's real server: dovecot (software = real;
 * docs/real-servers.md).
 *
 * dovecot serves the builtin imap data set as it is: DATA/mail/USER/Maildir
 * is a Maildir++ tree (INBOX, .Folder subfolders, flags in the file
 * names), which is dovecot's own maildir layout.  The run gives it a
 * working copy owned by the mail system user (dovecot refuses to run mail
 * processes as root); users and passwords come from DATA/users.tsv as a
 * passwd-file written next to the configuration.  The master runs in the
 * foreground (`dovecot -F -c CONF`) as root, as it must to start its
 * login and mail processes, and stops on SIGTERM, taking them with it. */
#include "roles/role.h"
#include "roles/real.h"
#include "roles/imap_users.h"
#include "core/fs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DOVECOT "/usr/sbin/dovecot"
#define DV_MAIL_USER "mail"

static int dv_probe(char *why, size_t n)
{
    if (access(DOVECOT, X_OK) == 0 && access("/usr/lib/dovecot/imap", X_OK) == 0) return 0;
    snprintf(why, n, "dovecot's IMAP server is not installed (%s or /usr/lib/dovecot/imap: "
             "%s; the dovecot-imapd package: scripts/deps.sh test)", DOVECOT, strerror(errno));
    return -1;
}

/* Writes RUNDIR/passwd from DATA/users.tsv: every user with its password
 * (PLAIN), the mail user's ids and its maildir's parent as home.
 * Returns 0 or -1 (why). */
static int dv_passwd(const struct real_server *s, const struct real_user *mu, char *why,
                     size_t n)
{
    struct imap_users us = { 0 };
    struct buf b = BUF_INIT, path = BUF_INIT;
    struct buf err = BUF_INIT;
    int rc = imap_users_read(s->data, &us, &err);
    if (rc) snprintf(why, n, "%s", buf_cstr(&err));
    buf_free(&err);
    for (size_t i = 0; rc == 0 && i < us.n; i++) {
        if (strchr(us.u[i].name, ':') || strchr(us.u[i].pass, ':')) {
            snprintf(why, n, "%s/users.tsv: user %.100s: a ':' cannot go into dovecot's "
                     "passwd-file", s->data, us.u[i].name);
            rc = -1;
        }
        buf_printf(&b, "%s:{PLAIN}%s:%u:%u::%s/mail/%s::\n", us.u[i].name, us.u[i].pass,
                   (unsigned)mu->uid, (unsigned)mu->gid, s->data, us.u[i].name);
    }
    buf_printf(&path, "%s/passwd", s->rundir);
    if (rc == 0 && fs_write_atomic(buf_cstr(&path), b.data, b.len)) {
        snprintf(why, n, "cannot write %s: %s", buf_cstr(&path), strerror(errno));
        rc = -1;
    }
    imap_users_free(&us);
    buf_free(&b);
    buf_free(&path);
    return rc;
}

/* dovecot.conf for s: IMAP only on its address, plain logins without TLS,
 * the maildirs of its working copy, logs on stderr (the server's log). */
static int dv_config(const struct real_server *s, struct buf *conf, struct strvec *v,
                     char *why, size_t n)
{
    struct real_user mu;
    if (real_user_find(DV_MAIL_USER, &mu, why, n) || dv_passwd(s, &mu, why, n)) return -1;
    buf_printf(conf, "# dovecot for hostmix's %s (generated; docs/real-servers.md)\n"
               "base_dir = %s/base\nstate_dir = %s/state\ninstance_name = hostmix-%s\n"
               "protocols = imap\nlisten = %s\nssl = no\ndisable_plaintext_auth = no\n"
               "auth_mechanisms = plain login\nlog_path = /dev/stderr\n"
               "first_valid_uid = %u\nmail_location = maildir:%%h/Maildir\n"
               "mail_fsync = %s\nmail_max_userip_connections = 10000\n"
               "passdb {\n  driver = passwd-file\n  args = %s/passwd\n}\n"
               "userdb {\n  driver = passwd-file\n  args = %s/passwd\n}\n"
               "service imap-login {\n  inet_listener imap {\n    address = %s\n"
               "    port = %d\n  }\n  inet_listener imaps {\n    port = 0\n  }\n"
               "  process_limit = 1024\n}\nservice imap {\n  process_limit = 1024\n}\n",
               s->name, s->rundir, s->rundir, s->name, s->ip, (unsigned)mu.uid,
               s->o->sync ? "optimized" : "never", s->rundir, s->rundir, s->ip, s->port);
    strvec_push(v, DOVECOT);
    strvec_push(v, "-F");
    strvec_push(v, "-c");
    strvec_push(v, s->conf);
    return 0;
}

const struct role_real role_imap_real = {
    .what = "dovecot", .data_owner = DV_MAIL_USER, .probe = dv_probe, .config = dv_config,
    .stop_signal = SIGTERM,
};
