#!/usr/bin/env bash
# The web server against clients that push it: pipelined requests for
# files sent with sendfile, which must all be answered even when each
# file leaves at once (nothing else wakes the connection up).
. "$(dirname "$0")/lib.sh"
raw="python3 $(dirname "$0")/web_raw.py"
D=$TMP/web
"$HOSTMIX" prepare web --data "$D" --docroot-size 2MiB --set 2 --seed 7 2>/dev/null
port=$(free_port)
spawn web "$HOSTMIX" serve web --listen "127.0.0.1:$port" --data "$D"
check web_hostile_listens wait_port 127.0.0.1 "$port"

# Three files over 16 KiB (sent from the file, not from memory), pipelined.
mapfile -t big < <(awk -F'\t' '$2 > 20000 && $3 != "nfs" {print $1 "\t" $2}' "$D/manifest.tsv" | head -3)
want="" req=""
for i in 0 1 2; do
    url=${big[$i]%%$'\t'*}
    want+="200 ${big[$i]#*$'\t'}"$'\n'
    conn=$([ "$i" = 2 ] && echo close || echo keep-alive)
    req+="GET $url HTTP/1.1\r\nHost: x\r\nConnection: $conn\r\n\r\n"
done
start=$(date +%s%N)
got=$(printf "$req" | $raw "$port")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq web_pipelined_files_all_answered "$got" "${want%$'\n'}"
check web_pipelined_files_no_stall test "$ms" -lt 3000
