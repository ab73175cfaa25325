#!/usr/bin/env bash
# hostmix drive web against the built-in web server (with its nfs server):
# the Support mix over a prepared data set, achieved rate within 1 %, no
# errors; a 1 s stall of the web server (SIGUSR1) shows in the corrected
# p99 and not in the uncorrected one.
. "$(dirname "$0")/lib.sh"
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["targets"][0]; print(eval(sys.argv[2]))' "$1" "$2"; }

D=$TMP/web
"$HOSTMIX" prepare web --data "$D" --docroot-size 4MiB --nfs-share 30 >/dev/null 2>&1
check drive_webb_prepared test -s "$D/manifest.tsv"
nport=$(free_port) port=$(free_port)
spawn nfs "$HOSTMIX" serve nfs --listen "127.0.0.1:$nport" --data "$D/nfs"
check drive_webb_nfs_listens wait_port 127.0.0.1 "$nport"
spawn web "$HOSTMIX" serve web --listen "127.0.0.1:$port" --data "$D" --nfs "127.0.0.1:$nport" --stall 1s
check drive_webb_listens wait_port 127.0.0.1 "$port"

"$HOSTMIX" drive web --target "127.0.0.1:$port" --data "$D" --rate 300 --connections 8 \
    --duration 3s --ramp-up 0.5s --qos 'p99<=1s,errors<=0%' --json "$TMP/w.json" >"$TMP/w.txt" 2>&1
check_eq drive_webb_exit0 "$?" 0
ach=$(jget "$TMP/w.json" 'd["achieved_rate"]')
check drive_webb_rate_within_1pct python3 -c "import sys; sys.exit(abs($ach - 300) > 3)"
check_eq drive_webb_no_errors "$(jget "$TMP/w.json" 'd["errors"] + d["timeouts"] + d["conn_errors"]')" 0
check_eq drive_webb_pages_images_downloads "$(jget "$TMP/w.json" 'all(o["count"] > 0 for o in d["ops"] if o["name"] in ("home", "product", "image", "download"))')" True

# stall the web server for 1 s in the middle of a 4 s run
"$HOSTMIX" drive web --target "127.0.0.1:$port" --data "$D" --rate 200 --connections 4 \
    --duration 4s --qos 'p99<=100ms' --json "$TMP/s.json" >"$TMP/s.txt" 2>&1 &
dpid=$!
sleep 1.5
kill -USR1 "$PID_web"
wait "$dpid"
check_eq drive_webb_stall_qos_fails "$?" 1
cp99=$(jget "$TMP/s.json" 'd["all"]["corrected"]["p99_ns"]')
up99=$(jget "$TMP/s.json" 'd["all"]["uncorrected"]["p99_ns"]')
check drive_webb_stall_in_corrected_p99 python3 -c "import sys; sys.exit(not $cp99 >= 500e6)"
check drive_webb_stall_not_in_uncorrected_p99 python3 -c "import sys; sys.exit(not $up99 < 200e6)"
check drive_webb_stall_clause_named grep -q 'failed p99<=100ms (p99 = ' "$TMP/s.txt"
