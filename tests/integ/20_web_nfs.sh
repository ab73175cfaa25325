#!/usr/bin/env bash
# The web server's nfs-backed files (/nfs/...): read through libnfs from the
# set's nfs server byte for byte; nfs down gives a 502 before --nfs-timeout
# could fire, nfs silent a 504 at --nfs-timeout, local files keep working
# meanwhile (answered while an nfs request waits), and the web server picks
# nfs up again when it comes back.  Time bounds are generous: orderings
# against --nfs-timeout (2 s) or limits that only catch a hang.
. "$(dirname "$0")/lib.sh"
D=$TMP/web
"$HOSTMIX" prepare web --data "$D" --docroot-size 2MiB --nfs-share 40 2>/dev/null
nfsport=$(free_port)
port=$(free_port)
spawn web "$HOSTMIX" serve web --listen "127.0.0.1:$port" --data "$D" --nfs "127.0.0.1:$nfsport" \
    --nfs-timeout 2s --nfs-cache 0
check web_nfs_listens wait_port 127.0.0.1 "$port"
U=http://127.0.0.1:$port
first=$(awk -F'\t' '$3 == "nfs" {print $1; exit}' "$D/manifest.tsv")
# time_of URL: "CODE SECONDS"
time_of() { curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}' "$1"; }
fast() { awk -v t="$2" '{exit !($1 == "'"$1"'" && $2 < t)}' <<<"$3"; }

# 1. Nothing listens on the nfs port: 502 before the 2 s --nfs-timeout;
#    local files unaffected.
r=$(time_of "$U$first")
check web_nfs_refused_502_fast fast 502 2 "$r"
r=$(time_of "$U$first")
check web_nfs_refused_again_502_fast fast 502 2 "$r"
check_eq web_local_while_nfs_down "$(curl -s -o /dev/null -w '%{http_code}' "$U/index.html")" 200

# 2. Something accepts but never answers: 504 after --nfs-timeout, not a hang,
#    and a local request is answered while the nfs request still waits.
python3 - "$nfsport" >"$TMP/mute.log" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
conns = []
end = time.time() + 20
s.settimeout(0.2)
while time.time() < end:
    try: conns.append(s.accept()[0])
    except socket.timeout: pass
PY
_pids+=($!); mute=$!
wait_port 127.0.0.1 "$nfsport"
sleep 0.6          # let the retry pause after the refused connect pass
time_of "$U$first" >"$TMP/slow" &
slow=$!
sleep 0.2
r=$(time_of "$U/images/img02.gif")
check web_local_while_nfs_request_waits bash -c "[[ '$r' == '200 '* ]] && [ ! -s '$TMP/slow' ]"
wait "$slow"
r=$(cat "$TMP/slow")
check web_nfs_silent_504_bounded fast 504 8 "$r"
kill "$mute" 2>/dev/null; wait "$mute" 2>/dev/null

# 3. A real nfs server (the nfs role).
sleep 0.6
spawn nfs "$HOSTMIX" serve nfs --listen "127.0.0.1:$nfsport" --data "$D/nfs" --stall 3s
check nfs_listens wait_port 127.0.0.1 "$nfsport"
sleep 0.6
bad=0
while IFS=$'\t' read -r url size cls; do
    [ "$cls" = nfs ] || continue
    curl -sf -o "$TMP/got" "$U$url" && cmp -s "$TMP/got" "$D/nfs/${url#/nfs/}" || { bad=$((bad + 1)); echo "mismatch $url"; }
done <"$D/manifest.tsv"
check_eq web_nfs_bytes_match "$bad" 0
check_eq web_nfs_404 "$(curl -s -o /dev/null -w '%{http_code}' "$U/nfs/nope")" 404
check_eq web_nfs_range "$(curl -s -r 5-14 "$U$first" | sha1sum)" \
    "$(tail -c +6 "$D/nfs/${first#/nfs/}" | head -c 10 | sha1sum)"
check_eq web_nfs_head "$(curl -sI "$U$first" | tr -d '\r' | grep -i '^content-length' | cut -d' ' -f2)" \
    "$(stat -c %s "$D/nfs/${first#/nfs/}")"
# pipelined: local, nfs, local on one connection, answered in order
n1=$(stat -c %s "$D/docroot/images/img01.gif"); n2=$(stat -c %s "$D/nfs/${first#/nfs/}")
req="GET /images/img01.gif HTTP/1.1\r\nHost: x\r\n\r\nGET $first HTTP/1.1\r\nHost: x\r\n\r\nGET /images/img01.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
check_eq web_nfs_pipelined_in_order "$(printf "$req" | python3 "$(dirname "$0")/web_raw.py" "$port" | tr '\n' '|')" \
    "200 $n1|200 $n2|200 $n1|"
# The last request of a connection (Connection: close, HTTP/1.0) that waits
# for nfs (--nfs-cache 0: every fetch does) is answered before the close.
check_eq web_nfs_connection_close \
    "$(curl -s -H 'Connection: close' -o /dev/null -w '%{http_code} %{size_download}' "$U$first")" "200 $n2"
check_eq web_nfs_http10 "$(curl -s -0 -o /dev/null -w '%{http_code} %{size_download}' "$U$first")" "200 $n2"
req="GET /images/img01.gif HTTP/1.1\r\nHost: x\r\n\r\nGET $first HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
check_eq web_nfs_pipelined_close_last "$(printf "$req" | python3 "$(dirname "$0")/web_raw.py" "$port" | tr '\n' '|')" \
    "200 $n1|200 $n2|"
# A client that half-closes after its request still gets the nfs answer.
req="GET $first HTTP/1.1\r\nHost: x\r\n\r\n"
check_eq web_nfs_half_close "$(printf "$req" | WEB_RAW_SHUT=1 python3 "$(dirname "$0")/web_raw.py" "$port" | tr '\n' '|')" \
    "200 $n2|"

# nfs stalls (its SIGUSR1 test hook): 504 within the timeout, local fine.
kill -USR1 "$PID_nfs"; sleep 0.1
r=$(time_of "$U$first")
check web_nfs_stalled_504 fast 504 8 "$r"
check_eq web_local_while_nfs_stalled "$(curl -s -o /dev/null -w '%{http_code}' "$U/index.html")" 200
sleep 3.5
r=$(time_of "$U$first")
check web_nfs_after_stall_200 fast 200 8 "$r"

# nfs stops: 502 fast; local fine; nfs back: served again.
kill -TERM "$PID_nfs"; wait "$PID_nfs" 2>/dev/null
r=$(time_of "$U$first")
check web_nfs_stopped_fails_fast bash -c "[[ '$r' == 50[24]* ]] && awk '{exit !(\$2 < 8)}' <<<'$r'"
check_eq web_local_while_nfs_stopped "$(curl -s -o /dev/null -w '%{http_code}' "$U/index.html")" 200
spawn nfs2 "$HOSTMIX" serve nfs --listen "127.0.0.1:$nfsport" --data "$D/nfs"
wait_port 127.0.0.1 "$nfsport"
sleep 0.6
check web_nfs_reconnects bash -c "curl -sf '$U$first' | cmp -s - '$D/nfs/${first#/nfs/}'"
kill -TERM "$PID_web"; wait "$PID_web"; rc=$?
check_eq web_nfs_sigterm_exit0 "$rc" 0
