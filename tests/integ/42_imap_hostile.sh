#!/usr/bin/env bash
# The imap server against clients that push it: pipelined FETCHes not
# read (bounded memory, all answered), SEARCH with a long needle and LIST
# with many wildcards (answered in time, not minutes).
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
D=$TMP/imap
"$HOSTMIX" prepare imap --data "$D" --users 1 --messages 100 --seed 3 >/dev/null
port=$(free_port)
spawn imap "$HOSTMIX" serve imap --listen "127.0.0.1:$port" --data "$D"
check imap_hostile_listens wait_port 127.0.0.1 "$port"
python3 "$here/imap_hostile.py" "$port" "$D" "$PID_imap" || fail imap_hostile_script "exit $?"
check imap_hostile_alive_at_end wait_port 127.0.0.1 "$port" 1
