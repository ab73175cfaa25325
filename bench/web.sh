#!/usr/bin/env bash
# bench/web.sh — the builtin web server against nginx on the same files:
# requests per server-CPU-second for a 1 KiB and a 100 KiB file, and their
# ratio (target: builtin >= 0.8 x nginx).
#
# Both servers are single-process, single-worker, keep-alive, no access log,
# sendfile on, on 127.0.0.1.  wrk loads each for DUR seconds with CONNS
# connections; server CPU is the utime+stime delta of /proc/PID/stat over
# the run (nginx: master and worker processes).  Requests per CPU-second is
# the figure that matters here: hostmix measures CPU for fixed work, and
# wrk competes with the server for the same cores, so requests per second
# alone would mostly measure the load generator.
#
#   bench/web.sh                 DUR=5 CONNS=32 THREADS=2 by default
#   HOSTMIX=path/to/hostmix DUR=10 bench/web.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
HOSTMIX=${HOSTMIX:-$here/build/hostmix}
DUR=${DUR:-5}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
"$here/scripts/deps.sh" bench >&2 || { echo "bench/web.sh: nginx or wrk missing" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$HOSTMIX" ] || { echo "bench/web.sh: $HOSTMIX not built (run make)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/hostmix-bench-web.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
    echo "bench/web.sh: nothing listens on port $1" >&2; return 1
}

# The same two files for both servers.
mkdir -p "$tmp/data/docroot"
head -c 1024 /dev/urandom >"$tmp/data/docroot/f1k.bin"
head -c 102400 /dev/urandom >"$tmp/data/docroot/f100k.bin"
: >"$tmp/data/catalog.tsv"       # the builtin server wants a (here empty) catalogue
chmod -R a+rX "$tmp"             # nginx's worker runs as an unprivileged user

pb=$(free_port)
"$HOSTMIX" --log-level warn serve web --listen "127.0.0.1:$pb" --data "$tmp/data" \
    >"$tmp/builtin.log" 2>&1 &
pids+=($!); builtin=$!
wait_port "$pb"

pn=$(free_port)
mkdir -p "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$pn;
        root $tmp/data/docroot;
    }
}
EOF
"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/stdout.log" 2>&1 &
pids+=($!); nginx=$!
wait_port "$pn"

# CPU ticks (utime + stime) of a process and its children.
ticks() {
    local p t=0
    for p in "$1" $(pgrep -P "$1" || true); do
        [ -r "/proc/$p/stat" ] || continue
        t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat")))
    done
    echo "$t"
}
hz=$(getconf CLK_TCK)

# run NAME PID URL: prints "requests cpu_seconds req_per_cpu_s req_per_s"
run() {
    local pid=$2 url=$3 t0 t1 out reqs
    wrk -t1 -c4 -d1s "$url" >/dev/null 2>&1 || true        # warm-up
    t0=$(ticks "$pid")
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" "$url")
    t1=$(ticks "$pid")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
        echo "bench/web.sh: $1 had errors:" >&2; echo "$out" >&2
    fi
    awk -v r="$reqs" -v t=$((t1 - t0)) -v hz="$hz" -v d="$DUR" \
        'BEGIN { c = t / hz; printf "%d %.2f %.0f %.0f\n", r, c, (c > 0 ? r / c : 0), r / d }'
}

printf '%-8s %-8s %10s %8s %14s %10s\n' file server requests cpu_s req/cpu_s req/s
status=0
for f in f1k.bin f100k.bin; do
    read -r rb cb eb sb <<<"$(run builtin "$builtin" "http://127.0.0.1:$pb/$f")"
    read -r rn cn en sn <<<"$(run nginx "$nginx" "http://127.0.0.1:$pn/$f")"
    printf '%-8s %-8s %10d %8.2f %14d %10d\n' "${f%.bin}" builtin "$rb" "$cb" "$eb" "$sb"
    printf '%-8s %-8s %10d %8.2f %14d %10d\n' "${f%.bin}" nginx "$rn" "$cn" "$en" "$sn"
    ratio=$(awk -v a="$eb" -v b="$en" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.8 ? "meets" : "BELOW") }')
    echo "${f%.bin}: builtin/nginx requests per CPU-second = ${ratio}x ($verdict the 0.8x target)"
    [ "$verdict" = meets ] || status=1
done
exit $status
