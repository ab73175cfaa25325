#!/usr/bin/env bash
# hostmix drive imap against the built-in imap server: SPECmail-like
# sessions (every command type, new connections per session), achieved
# rate, no errors; wrong passwords are counted as login errors.
. "$(dirname "$0")/lib.sh"
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["targets"][0]; print(eval(sys.argv[2]))' "$1" "$2"; }

D=$TMP/imap
"$HOSTMIX" prepare imap --data "$D" --users 8 --messages 20 --folders 0 >/dev/null 2>&1
check drive_imap_prepared test -s "$D/users.tsv"
port=$(free_port)
spawn imap "$HOSTMIX" serve imap --listen "127.0.0.1:$port" --data "$D"
check drive_imap_listens wait_port 127.0.0.1 "$port"

"$HOSTMIX" drive imap --target "127.0.0.1:$port" --data "$D" --rate 200 --connections 4 \
    --duration 3s --ramp-up 0.5s --qos 'p99<=1s,errors<=0%' --json "$TMP/i.json" >"$TMP/i.txt" 2>&1
check_eq drive_imap_exit0 "$?" 0
ach=$(jget "$TMP/i.json" 'd["achieved_rate"]')
check drive_imap_rate_within_1pct python3 -c "import sys; sys.exit(abs($ach - 200) > 2)"
check_eq drive_imap_no_errors "$(jget "$TMP/i.json" 'd["errors"] + d["timeouts"] + d["conn_errors"]')" 0
check_eq drive_imap_every_op_ran "$(jget "$TMP/i.json" 'all(o["count"] > 0 for o in d["ops"])')" True
check_eq drive_imap_sessions_reconnect "$(jget "$TMP/i.json" 'd["connects"] > 20')" True

# wrong passwords: every login answered NO (after the server's delay),
# counted as login errors; nothing else is attempted
B=$TMP/bad
mkdir -p "$B"
awk -F'\t' '{print $1 "\twrong\t" $3}' "$D/users.tsv" >"$B/users.tsv"
"$HOSTMIX" drive imap --target "127.0.0.1:$port" --data "$B" --rate 50 --duration 1s \
    --qos 'errors<=1%' --json "$TMP/b.json" >"$TMP/b.txt" 2>&1
check_eq drive_imap_badpw_exit1 "$?" 1
check_eq drive_imap_badpw_login_errors "$(jget "$TMP/b.json" '[o for o in d["ops"] if o["name"] == "login"][0]["errors"] == d["count"] > 0')" True

# users.tsv problems are named
printf 'user1\tpw\n' >"$B/users.tsv"
"$HOSTMIX" drive imap --target "127.0.0.1:$port" --data "$B" --rate 5 --duration 1s >"$TMP/u.txt" 2>&1
check_eq drive_imap_bad_users_exit2 "$?" 2
check drive_imap_bad_users_line grep -q 'users.tsv:1: ' "$TMP/u.txt"
