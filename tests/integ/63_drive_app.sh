#!/usr/bin/env bash
# hostmix drive app against the built-in app server on the built-in db:
# the dealer mix (login, browse, item, purchase, manage, cancel) with JSON
# checks, achieved rate, no errors; a wrong customer range is counted as
# login errors (404).
. "$(dirname "$0")/lib.sh"
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["targets"][0]; print(eval(sys.argv[2]))' "$1" "$2"; }

"$HOSTMIX" prepare db --data "$TMP/db" --customers 100 --items 400 >/dev/null 2>&1
check drive_app_db_prepared test -s "$TMP/db/orders.db"
dbport=$(free_port) port=$(free_port)
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$dbport" --data "$TMP/db" --sync no
check drive_app_db_listens wait_port 127.0.0.1 "$dbport"
spawn app "$HOSTMIX" serve app --listen "127.0.0.1:$port" \
    --db "host=127.0.0.1 port=$dbport dbname=orders user=hostmix"
check drive_app_listens wait_port 127.0.0.1 "$port"

"$HOSTMIX" drive app --target "127.0.0.1:$port" --customers 100 --items 400 --rate 200 \
    --connections 4 --duration 3s --ramp-up 0.5s --qos 'p90<=1s,errors<=0%' \
    --json "$TMP/a.json" >"$TMP/a.txt" 2>&1
check_eq drive_app_exit0 "$?" 0
ach=$(jget "$TMP/a.json" 'd["achieved_rate"]')
check drive_app_rate_within_1pct python3 -c "import sys; sys.exit(abs($ach - 200) > 2)"
check_eq drive_app_no_errors "$(jget "$TMP/a.json" 'd["errors"] + d["timeouts"] + d["conn_errors"]')" 0
check_eq drive_app_mix_ran "$(jget "$TMP/a.json" 'all(o["count"] > 0 for o in d["ops"] if o["name"] != "cancel")')" True

# customers beyond the data set: POST /login answers 404, counted as errors
"$HOSTMIX" drive app --target "127.0.0.1:$port" --customers 1000000 --items 400 --rate 50 \
    --duration 1s --qos 'errors<=1%' --json "$TMP/b.json" >"$TMP/b.txt" 2>&1
check_eq drive_app_bad_customers_exit1 "$?" 1
check_eq drive_app_login_errors "$(jget "$TMP/b.json" '[o for o in d["ops"] if o["name"] == "login"][0]["errors"] > 0')" True
