#!/usr/bin/env bash
# The imap server: deterministic data set, a whole imaplib session,
# malformed input and limits, failed-LOGIN delay, clean SIGTERM.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
D=$TMP/imap
"$HOSTMIX" prepare imap --data "$D" --users 3 --messages 30 --seed 7 >/dev/null
check imap_prepare_marker test -s "$D/.hostmix-prepared"
"$HOSTMIX" prepare imap --data "$TMP/again" --users 3 --messages 30 --seed 7 >/dev/null
check imap_prepare_deterministic diff -r "$D" "$TMP/again"
"$HOSTMIX" prepare imap --data "$TMP/other" --users 3 --messages 30 --seed 8 >/dev/null
if diff -rq "$D/mail" "$TMP/other/mail" >/dev/null; then fail imap_prepare_seed_matters; else ok imap_prepare_seed_matters; fi
check_eq imap_users_tsv "$(wc -l <"$D/users.tsv") $(cut -f3 "$D/users.tsv" | sort -u)" "3 30"
out=$("$HOSTMIX" prepare imap --data "$D" --users 3 --messages 30 --seed 7)
check_eq imap_prepare_idempotent "$out" "hostmix prepare imap: $D is already prepared"
mkdir -p "$TMP/foreign" && touch "$TMP/foreign/precious"
if "$HOSTMIX" prepare imap --data "$TMP/foreign" 2>/dev/null; then fail imap_prepare_foreign_dir; else ok imap_prepare_foreign_dir; fi
if "$HOSTMIX" serve imap --listen 127.0.0.1:0 --data "$TMP/nowhere" 2>/dev/null; then
    fail imap_serve_needs_data; else ok imap_serve_needs_data; fi

port=$(free_port)
spawn imap "$HOSTMIX" serve imap --listen "127.0.0.1:$port" --data "$D" --max-request 64KiB
check imap_listens wait_port 127.0.0.1 "$port"
python3 "$here/imap_session.py" "$port" "$D" || fail imap_session_script "exit $?"
python3 "$here/imap_raw.py" "$port" "$D" 65536 || fail imap_raw_script "exit $?"
check imap_alive_at_end wait_port 127.0.0.1 "$port" 1
kill -TERM "$PID_imap"; wait "$PID_imap"; rc=$?
check_eq imap_sigterm_exit0 "$rc" 0

# UIDs and UIDVALIDITY survive a restart (the session expunged UIDs 1 and 3).
spawn imap2 "$HOSTMIX" serve imap --listen "127.0.0.1:$port" --data "$D"
check imap_restarts wait_port 127.0.0.1 "$port"
got=$(python3 - "$port" "$D" <<'PY'
import imaplib, os, sys
port, data = int(sys.argv[1]), sys.argv[2]
user, password, _ = open(os.path.join(data, "users.tsv")).readline().split("\t")
M = imaplib.IMAP4("127.0.0.1", port)
M.login(user, password)
M.select("INBOX")
validity = M.untagged_responses["UIDVALIDITY"][0].decode()
uids = [l.split()[2].decode().rstrip(")") for l in M.fetch("1:2", "(UID)")[1]]
listed = open(os.path.join(data, "mail", user, "Maildir", "hostmix-uidlist")).readline().split()[2]
print(validity == listed, " ".join(uids))
M.logout()
PY
)
check_eq imap_uids_survive_restart "$got" "True 2 4"
