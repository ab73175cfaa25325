# tests/integ/lib.sh — helpers for integration scripts (sourced, not run).
#
#   . "$(dirname "$0")/lib.sh"
#   ok NAME / fail NAME [why]       report one check
#   skip NAME WHY                   report a check that cannot run on this
#                                   host (SKIP, never counted as a pass)
#   skip_all NAME WHY               the same, then end the script
#   check NAME CMD...               ok if CMD succeeds, else fail
#   check_eq NAME GOT WANT          string equality
#   spawn NAME CMD...               start a background process, remembered by
#                                   PID and killed (TERM, then KILL) at exit
#   wait_port IP PORT [SECONDS]     wait until something accepts on IP:PORT
#   free_port                       print a free TCP port on 127.0.0.1
#   TMP                             a temporary directory removed at exit
# The script's exit status is 1 if any check failed.
set -u
HOSTMIX=${HOSTMIX:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/hostmix}
TMP=$(mktemp -d /tmp/hostmix-test.XXXXXX)
_failed=0
_pids=()

ok()   { echo "ok $1"; }
fail() { echo "FAIL $1${2:+: $2}"; _failed=1; }
skip() { echo "SKIP $1: $2"; }
skip_all() { skip "$1" "$2"; exit 0; }
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else fail "$n" "$*"; fi; }
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

spawn() {
    local name=$1; shift
    "$@" >"$TMP/$name.log" 2>&1 &
    _pids+=($!)
    eval "PID_$name=$!"
}

_cleanup() {
    local p
    for p in "${_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${_pids[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap '_cleanup; exit $_failed' EXIT
trap 'exit 1' INT TERM

wait_port() {
    local ip=$1 port=$2 secs=${3:-10} i
    for ((i = 0; i < secs * 20; i++)); do
        (exec 3<>"/dev/tcp/$ip/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
