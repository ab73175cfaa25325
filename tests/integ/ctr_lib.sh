# ctr_lib.sh — helpers shared by the platforms' integration scripts
# (container, vm, and the sweeps between platforms; sourced after lib.sh).
#
#   ctr_need                 skip the script (SKIP NAME) unless crun or
#                            runc is installed; sets CTR_RT to the one auto picks
#   vm_need NAME             skip the script unless the vm platform can run
#                            here (root, QEMU, the guest kernel in $VM_CACHE,
#                            fetched once); sets VM_CACHE
#   cg_v2_state              prints cgroup.controllers and cgroup.subtree_control
#                            of the cgroup v2 root and of this shell's group
#                            (the parent of a run's), and any mount over a
#                            file there: what a run must leave as it was
#   ctr_netns                a network namespace of the script's own (removed at
#                            exit); nsx CMD... runs CMD in it, and so does
#                            "${NSX[@]}" CMD... (use that with &: $! is then
#                            CMD's pid).  nsenter --net, not `ip netns exec`,
#                            which remounts /sys and so hides the cgroup file
#                            systems runtimes need
#   ctr_job FILE NAME PLATFORM RAMP MEASURE DOWN [RUNTIME]
#                            the quick job (examples/quick.ini's roles and
#                            loads; quick-vm.ini's for platform vm) with
#                            these phases, results in $TMP/NAME, data in
#                            $CTR_DATA (default $TMP/data, shared by every run)
#   ctr_left PID             prints what the run of PID, of any platform,
#                            left behind (nothing when clean): run
#                            directories, links (in the script's namespace,
#                            else the host's), cgroups, processes in them,
#                            QEMU processes (of vm and libvirt guests), mounts
#   cg_v2_writable           prints the cgroup v2 group this shell runs in
#                            when it is writable (where hostmix must account
#                            by cgroup), else nothing
#   ctr_wait_log FILE TEXT SECONDS   until FILE has a line with TEXT

ctr_need() {
    CTR_RT=""
    command -v crun >/dev/null 2>&1 && CTR_RT=crun
    [ -z "$CTR_RT" ] && command -v runc >/dev/null 2>&1 && CTR_RT=runc
    if [ -z "$CTR_RT" ]; then
        skip_all "$1" "neither crun nor runc is installed"
    fi
}

VM_CACHE=${HOSTMIX_VM_CACHE:-/var/tmp/hostmix-data}
vm_need() {
    if [ "$(id -u)" -ne 0 ] || ! command -v qemu-system-x86_64 >/dev/null; then
        skip_all "$1" "needs root and qemu-system-x86_64"
    fi
    "$(dirname "$HOSTMIX")/vm-boot-test" --cache "$VM_CACHE" --fetch-kernel >"$TMP/fetch" 2>&1
    case $? in
        0) ;;
        77) skip_all "$1" "$(tail -1 "$TMP/fetch")" ;;
        *) fail "$1_kernel" "$(tail -3 "$TMP/fetch")"; exit 1 ;;
    esac
}

cg_v2_state() {
    local mnt own d f
    mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
    [ -n "$mnt" ] || return 0
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    [ "$own" = / ] && own=""
    for d in "$mnt" "$mnt$own"; do
        for f in cgroup.controllers cgroup.subtree_control; do
            echo "$d/$f: $(cat "$d/$f" 2>&1)"
        done
    done
    grep -F " $mnt/cgroup." /proc/self/mountinfo | sed 's/^/mount /'
    return 0
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
        -e "s|^output = .*|output = $TMP/$name\ndata_dir = ${CTR_DATA:-$TMP/data}|" \
        -e "s/^ramp_up = .*/ramp_up = $4/" -e "s/^measure = .*/measure = $5/" \
        -e "s/^ramp_down = .*/ramp_down = $6/" \
        "$(dirname "$0")/../../examples/quick$([ "$plat" = vm ] && echo -vm).ini" >"$f"
    if [ -n "${7:-}" ]; then printf '\n[platform]\nruntime = %s\n' "$7" >>"$f"; fi
}

ctr_left() {
    local pid=$1
    [ -e "/run/hostmix-ctr-$pid" ] && echo "run directory /run/hostmix-ctr-$pid"
    [ -e "/run/hostmix-vm-$pid" ] && echo "run directory /run/hostmix-vm-$pid"
    [ -e "/run/hostmix-libvirt-$pid" ] && echo "run directory /run/hostmix-libvirt-$pid"
    { if [ -n "$CTR_NS" ]; then nsx ip -o link show; else ip -o link show; fi; } 2>/dev/null |
        grep -oE "hmx[btv]$pid(\.[0-9]+)?" | sed 's/^/link /'
    find /sys/fs/cgroup -maxdepth 5 -type d -name "hostmix-$pid" 2>/dev/null | sed 's/^/cgroup /'
    grep -l "hostmix-$pid/" /proc/[0-9]*/cgroup 2>/dev/null | sed 's|/cgroup$||;s|^|process |'
    grep -lE "hostmix-(vm|libvirt)-$pid[/]" /proc/[0-9]*/cmdline 2>/dev/null |
        sed 's|/cmdline$||;s|^|qemu |'
    grep -E "hostmix-ctr-$pid|hmx$pid-" /proc/self/mountinfo | sed 's/^/mount /'
    return 0
}

cg_v2_writable() {
    local mnt own
    mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
    own=$(sed -n 's/^0:://p' /proc/self/cgroup)
    [ -n "$mnt" ] && [ -n "$own" ] || return 0
    [ "$own" = / ] && own=""
    [ -w "$mnt$own/cgroup.procs" ] && echo "$mnt$own"
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
