#!/usr/bin/env bash
# The imap server with several sessions: shared-mailbox updates, many
# concurrent clients.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
D=$TMP/imap
"$HOSTMIX" prepare imap --data "$D" --users 4 --messages 20 >/dev/null
port=$(free_port)
spawn imap "$HOSTMIX" serve imap --listen "127.0.0.1:$port" --data "$D" --sync=no
check imap_listens wait_port 127.0.0.1 "$port"
python3 "$here/imap_concurrent.py" "$port" "$D" || fail imap_concurrent_script "exit $?"
kill -TERM "$PID_imap"; wait "$PID_imap"; rc=$?
check_eq imap_sigterm_exit0 "$rc" 0
