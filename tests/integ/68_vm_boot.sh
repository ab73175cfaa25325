#!/usr/bin/env bash
# A hostmix guest under QEMU (TCG), booted twice: microvm with the ext4
# data disk through a qcow2 overlay mounted rw, then q35 with the raw image
# read-only.  Kernel from the Debian archive, initramfs with hostmix as
# /init, the idle server answering PING over a tap on a bridge
# 198.18.0.1/15 in a network namespace this test creates, one agent query,
# power-off, QEMU gone.  Skips only when no guest kernel can be obtained.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v qemu-system-x86_64 >/dev/null; then
    skip_all vm_boot "needs root and qemu-system-x86_64"
fi
vmtest=$(dirname "$HOSTMIX")/vm-boot-test
cache=${HOSTMIX_VM_CACHE:-/var/tmp/hostmix-data}
ns=hmx-vmboot-$$
if [ ! -x "$vmtest" ]; then
    fail vm_boot "$vmtest missing (make $(basename "$(dirname "$HOSTMIX")")/vm-boot-test)"
    exit 1
fi
cleanup_ns() { ip netns del "$ns" 2>/dev/null; }
trap '_cleanup; cleanup_ns; exit $_failed' EXIT

# The namespace has no route out: obtain the kernel first.
"$vmtest" --cache "$cache" --fetch-kernel >"$TMP/fetch" 2>&1
rc=$?
cat "$TMP/fetch"
[ "$rc" -eq 77 ] && skip_all vm_boot "$(tail -1 "$TMP/fetch")"
[ "$rc" -ne 0 ] && { fail vm_kernel "vm-boot-test --fetch-kernel exit $rc"; exit 1; }

ip netns add "$ns" || { fail vm_netns "cannot create namespace $ns"; exit 1; }
nsx() { ip netns exec "$ns" "$@"; }
nsx ip link set lo up
nsx ip link add br0 type bridge
nsx ip addr add 198.18.0.1/15 dev br0
nsx ip link set br0 up
nsx ip tuntap add dev tap0 mode tap vnet_hdr
nsx ip link set tap0 master br0
nsx ip link set tap0 up
mkdir -p "$TMP/data" "$TMP/work"
echo "hostmix vm boot test" >"$TMP/data/hello.txt"

mem=256
ldd "$HOSTMIX" | grep -q libasan && mem=512
# boot NAME MACHINE [--disk-ro]: one guest, its checks prefixed by nothing
# (vm-boot-test prints them), its console shown on failure.
boot() {
    local name=$1 machine=$2; shift 2
    rm -rf "$TMP/work" && mkdir -p "$TMP/work"
    local start end rc
    start=$(date +%s.%N)
    nsx "$vmtest" --hostmix "$HOSTMIX" --cache "$cache" --work "$TMP/work" --data "$TMP/data" \
        --tap tap0 --ip 198.18.1.16 --gw 198.18.0.1 --port 7000 --accel tcg \
        --machine "$machine" --mem "$mem" "$@" >"$TMP/out" 2>&1
    rc=$?
    end=$(date +%s.%N)
    sed "s/^ok /ok ${name}_/; s/^FAIL /FAIL ${name}_/" "$TMP/out"
    echo "# $name: whole boot-check-poweroff $(echo "$end - $start" | bc) s"
    if [ "$rc" -ne 0 ]; then
        echo "# guest console:"; sed 's/^/#   /' "$TMP/work/console.log" 2>/dev/null | tail -40
        fail "${name}_vm_boot" "vm-boot-test exit $rc"
    fi
}
boot microvm microvm
boot q35_ro q35 --disk-ro
# vm-boot-test waited for QEMU (vm_qemu_exited); the namespace goes with
# its bridge and tap at exit.
