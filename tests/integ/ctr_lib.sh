# ctr_lib.sh — helpers shared by the container platform's integration
# scripts (sourced after lib.sh).
#
#   ctr_need                 skip the script (SKIP NAME) unless crun or
#                            runc is installed; sets CTR_RT to the one auto picks
#   ctr_netns                a network namespace of the script's own (removed at
#                            exit); nsx CMD... runs CMD in it, and so does
#                            "${NSX[@]}" CMD... (use that with &: $! is then
#                            CMD's pid).  nsenter --net, not `ip netns exec`,
#                            which remounts /sys and so hides the cgroup file
#                            systems runtimes need
#   ctr_job FILE NAME PLATFORM RAMP MEASURE DOWN [RUNTIME]
#                            the quick job (examples/quick.ini's roles and
#                            loads) with these phases, results in $TMP/NAME,
#                            data in $TMP/data (shared by every run)
#   ctr_left PID             prints what the run of PID left behind (nothing
#                            when clean): run directory, links, cgroups,
#                            containers' processes, mounts
#   ctr_wait_log FILE TEXT SECONDS   until FILE has a line with TEXT

ctr_need() {
    CTR_RT=""
    command -v crun >/dev/null 2>&1 && CTR_RT=crun
    [ -z "$CTR_RT" ] && command -v runc >/dev/null 2>&1 && CTR_RT=runc
    if [ -z "$CTR_RT" ]; then
        skip_all "$1" "neither crun nor runc is installed"
    fi
}

CTR_NS=""
NSX=()
ctr_netns() {
    CTR_NS=hmx-ctrtest-$$
    NSX=(nsenter "--net=/run/netns/$CTR_NS")
    ip netns add "$CTR_NS" || { fail ctr_netns "cannot create namespace $CTR_NS"; exit 1; }
    trap '_cleanup; ip netns del "$CTR_NS" 2>/dev/null; exit $_failed' EXIT
    nsx ip link set lo up
}
nsx() { nsenter --net="/run/netns/$CTR_NS" "$@"; }

ctr_job() {
    local f=$1 name=$2 plat=$3
    sed -e "s/^name = .*/name = $name/" -e "s/^platform = .*/platform = $plat/" \
        -e "s|^output = .*|output = $TMP/$name\ndata_dir = $TMP/data|" \
        -e "s/^ramp_up = .*/ramp_up = $4/" -e "s/^measure = .*/measure = $5/" \
        -e "s/^ramp_down = .*/ramp_down = $6/" \
        "$(dirname "$0")/../../examples/quick.ini" >"$f"
    if [ -n "${7:-}" ]; then printf '\n[platform]\nruntime = %s\n' "$7" >>"$f"; fi
}

ctr_left() {
    local pid=$1 d
    [ -e "/run/hostmix-ctr-$pid" ] && echo "run directory /run/hostmix-ctr-$pid"
    nsx ip -o link show 2>/dev/null | grep -oE "hmx[btv]$pid(\.[0-9]+)?" | sed 's/^/link /'
    for d in /sys/fs/cgroup /sys/fs/cgroup/*; do
        [ -d "$d/hostmix-$pid" ] && echo "cgroup $d/hostmix-$pid"
    done
    grep -l "hostmix-$pid/" /proc/[0-9]*/cgroup 2>/dev/null | sed 's|/cgroup$||;s|^|process |'
    grep -E "hostmix-ctr-$pid|hmx$pid-" /proc/self/mountinfo | sed 's/^/mount /'
    return 0
}

ctr_wait_log() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
