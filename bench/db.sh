#!/usr/bin/env bash
# bench/db.sh — the app's purchases and browses per server-CPU-second, with
# the built-in db and with PostgreSQL behind it, side by side.
#
# Both back ends get the same data (hostmix prepare db, and its --sql form
# loaded into a PostgreSQL the script initdb's in a temporary directory)
# and are durable on commit (built-in: --sync yes, WAL fsync per commit;
# PostgreSQL: fsync=on, synchronous_commit=on).  wrk drives the app with
# CONNS connections for SECS seconds per workload.  Server CPU is the
# utime+stime of the app process plus the db process (built-in) or the
# postmaster and all its children (PostgreSQL), from /proc before and after each run.
#
#   bench/db.sh                      defaults: 10 s, 16 connections, pool 8
#   SECS=20 CONNS=32 POOL=16 CUSTOMERS=7500 ITEMS=1000 bench/db.sh
# Needs: wrk, psql, the postgresql server package (scripts/deps.sh test), root.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
HOSTMIX=${HOSTMIX:-$here/build/hostmix}
SECS=${SECS:-10} CONNS=${CONNS:-16} POOL=${POOL:-8}
CUSTOMERS=${CUSTOMERS:-7500} ITEMS=${ITEMS:-1000}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { echo "bench/db.sh: PostgreSQL server not installed (scripts/deps.sh test)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench/db.sh: wrk not installed" >&2; exit 1; }
TMP=$(mktemp -d /tmp/hostmix-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$TMP/pg/data" -m fast stop >/dev/null 2>&1 || true
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# CPU seconds (utime+stime) of the given pids
cpu() { local t=0 p; for p in "$@"; do
            [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
        done; echo "$t"; }
# our postmaster and its children (not any other PostgreSQL on the host)
pg_pids() { local pm; pm=$(head -1 "$TMP/pg/data/postmaster.pid"); echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"; }

echo "preparing: $CUSTOMERS customers, $ITEMS items"
"$HOSTMIX" prepare db --data "$TMP/d" --customers "$CUSTOMERS" --items "$ITEMS" >/dev/null
chmod 755 "$TMP"; mkdir "$TMP/pg"; chown postgres "$TMP/pg"
pgport=$(port); dbport=$(port); a1=$(port); a2=$(port)
runuser -u postgres -- "$pgbin/initdb" -D "$TMP/pg/data" -A trust -U hostmix >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$TMP/pg/data" -w -l "$TMP/pg/log" \
    -o "-c listen_addresses=127.0.0.1 -p $pgport -k $TMP/pg -c max_connections=200" start >/dev/null
psql "host=127.0.0.1 port=$pgport user=hostmix dbname=postgres" -X -q -c 'CREATE DATABASE orders'
"$HOSTMIX" prepare db --sql --customers "$CUSTOMERS" --items "$ITEMS" |
    psql "host=127.0.0.1 port=$pgport user=hostmix dbname=orders" -X -q -v ON_ERROR_STOP=1 >/dev/null
"$HOSTMIX" serve db --listen "127.0.0.1:$dbport" --data "$TMP/d" --sync yes 2>"$TMP/db.log" & pids+=($!); db=$!
wait_port "$dbport"
"$HOSTMIX" serve app --listen "127.0.0.1:$a1" --pool "$POOL" \
    --db "host=127.0.0.1 port=$dbport dbname=orders user=hostmix" 2>"$TMP/app1.log" & pids+=($!); app1=$!
"$HOSTMIX" serve app --listen "127.0.0.1:$a2" --pool "$POOL" \
    --db "host=127.0.0.1 port=$pgport dbname=orders user=hostmix" 2>"$TMP/app2.log" & pids+=($!); app2=$!
wait_port "$a1"; wait_port "$a2"
sleep 0.5

cat >"$TMP/browse.lua" <<LUA
n = 0
request = function()
  n = n + 1
  if n % 4 == 0 then return wrk.format("GET", "/items/" .. ((n * 7919) % $ITEMS + 1)) end
  local cats = math.ceil($ITEMS / 200)
  return wrk.format("GET", "/items?category=" .. ((n * 31) % cats + 1) .. "&page=" .. ((n * 13) % 20 + 1))
end
LUA
# purchase_lua PORT: the purchase workload against the app on PORT.  A
# purchase must carry its customer's session token (POST /login answers
# it; each app server signs with its own key), so the script logs in a
# fixed set of customers first and buys as them.
purchase_lua() {
    local port=$1 c tokens=""
    for ((c = 1; c <= 64; c++)); do
        tokens+="[$c]=\"$(curl -s -X POST -H 'Content-Type: application/json' \
            -d "{\"customer\":$c}" "http://127.0.0.1:$port/login" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')\","
    done
    cat >"$TMP/purchase-$port.lua" <<LUA
tokens = { $tokens }
n = 0
request = function()
  n = n + 1
  local c = (n * 7919) % 64 + 1
  local body = string.format('{"customer":%d,"lines":[{"item":%d,"qty":%d},{"item":%d,"qty":12}],"defer":%s}',
    c, (n * 31) % $ITEMS + 1, 10 + n % 11, (n * 17) % $ITEMS + 1,
    n % 2 == 0 and "true" or "false")
  return wrk.format("POST", "/orders", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[c]}, body)
end
LUA
}
purchase_lua "$a1"
purchase_lua "$a2"

# run WORKLOAD PORT SERVER-PIDS... -> "rps cpu_s per_cpu_s errors"
run() {
    local wl=$1 p=$2; shift 2
    local hz; hz=$(getconf CLK_TCK)
    local c0; c0=$(cpu "$@")
    local script=$TMP/$wl.lua
    [ "$wl" = purchase ] && script=$TMP/purchase-$p.lua
    wrk -t 2 -c "$CONNS" -d "${SECS}s" -s "$script" "http://127.0.0.1:$p" >"$TMP/wrk.out" 2>&1
    local c1; c1=$(cpu "$@")
    local reqs errs
    reqs=$(awk '/requests in/ {print $1}' "$TMP/wrk.out")
    errs=$(awk '/Non-2xx/ {print $NF}' "$TMP/wrk.out"); errs=${errs:-0}
    awk -v r="$reqs" -v e="$errs" -v c=$((c1 - c0)) -v hz="$hz" -v s="$SECS" 'BEGIN {
        cs = c / hz; printf "%.0f %.2f %.0f %d\n", (r - e) / s, cs, (cs > 0 ? (r - e) / cs : 0), e }'
}

printf '\n%-9s %-9s %10s %12s %14s %7s\n' workload db "ok req/s" "server CPU s" "req/CPU-second" errors
declare -A per
for wl in browse purchase; do
    read -r rps cs pc er < <(run "$wl" "$a1" "$app1" "$db")
    printf '%-9s %-9s %10s %12s %14s %7s\n' "$wl" builtin "$rps" "$cs" "$pc" "$er"; per[$wl.b]=$pc
    read -r rps cs pc er < <(run "$wl" "$a2" "$app2" $(pg_pids))
    printf '%-9s %-9s %10s %12s %14s %7s\n' "$wl" postgres "$rps" "$cs" "$pc" "$er"; per[$wl.p]=$pc
done
echo
for wl in browse purchase; do
    awk -v b="${per[$wl.b]}" -v p="${per[$wl.p]}" -v w="$wl" 'BEGIN {
        printf "%s: builtin/postgres per CPU-second = %.2f\n", w, (p > 0 ? b / p : 0) }'
done
echo "(${SECS} s per run, $CONNS connections, pool $POOL, $(nproc) CPUs; app+db CPU from /proc)"
