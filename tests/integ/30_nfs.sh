#!/usr/bin/env bash
# The nfs server read through libnfs's own clients (nfs-ls, nfs-cat):
# listings and contents byte-exact, READDIR cookies over a big directory,
# traversal attempts that must fail, clean SIGTERM.
. "$(dirname "$0")/lib.sh"
exp=$TMP/export
mkdir -p "$exp/d1/d2/d3" "$exp/many" "$exp/sub dir"
printf 'hello\n' >"$exp/a.txt"
: >"$exp/empty"
head -c 6000000 /dev/urandom >"$exp/big.bin"
head -c 1048577 /dev/urandom >"$exp/d1/d2/d3/odd.bin"
printf 'deep\n' >"$exp/d1/d2/deep.txt"
printf 'spaced\n' >"$exp/sub dir/s.txt"
for i in $(seq 1 600); do printf 'entry %d\n' "$i" >"$exp/many/entry_number_$i.txt"; done
printf 'secret\n' >"$TMP/outside.txt"
ln -s a.txt "$exp/link_in"
ln -s /etc/passwd "$exp/link_abs"
ln -s ../outside.txt "$exp/link_up"
ln -s ../../outside.txt "$exp/d1/link_up2"

# Bad setup is refused with the cause named.
err=$("$HOSTMIX" serve nfs --listen 127.0.0.1:0 2>&1); rc=$?
check_eq nfs_no_data_usage "$rc:$(echo "$err" | grep -c -- '--data')" "2:1"
err=$("$HOSTMIX" serve nfs --listen 127.0.0.1:0 --data "$exp/a.txt" 2>&1); rc=$?
check_eq nfs_data_not_dir "$rc:$(echo "$err" | grep -c 'Not a directory')" "2:1"

port=$(free_port)
spawn nfs "$HOSTMIX" serve nfs --listen "127.0.0.1:$port" --data "$exp"
check nfs_listens wait_port 127.0.0.1 "$port"
q="?nfsport=$port&mountport=$port&version=3"
url() { echo "nfs://127.0.0.1/$1$q"; }

# Listings: every name of the tree, nothing else.
nfs-ls -R "$(url "")" >"$TMP/ls.out" 2>"$TMP/ls.err"
check nfs_ls_recursive_ok test -s "$TMP/ls.out"
got=$(sed -E 's/^\S+\s+\S+\s+\S+\s+\S+\s+\S+ //' "$TMP/ls.out" | sort)
want=$(cd "$exp" && find . -mindepth 1 | sed 's|^\./||' | sort)
check_eq nfs_ls_recursive_names "$(echo "$got" | md5sum)" "$(echo "$want" | md5sum)"
size=$(nfs-ls "$(url "")" | awk '$NF == "big.bin" {print $5}')
check_eq nfs_ls_size "$size" 6000000
n=$(nfs-ls "$(url many)" | wc -l)
check_eq nfs_ls_600_entries "$n" 600
check_eq nfs_ls_many_names "$(nfs-ls "$(url many)" | awk '{print $NF}' | sort | md5sum)" \
    "$(ls "$exp/many" | sort | md5sum)"

# Contents, byte-exact.  Files at the root are reached through export "/"
# (nfs://IP//FILE): libnfs refuses an empty export path.
cat_cmp() { nfs-cat "$(url "$1")" 2>/dev/null | cmp -s - "$exp/$2"; }
check nfs_cat_small cat_cmp /a.txt a.txt
check nfs_cat_empty cat_cmp /empty empty
check nfs_cat_6MB cat_cmp /big.bin big.bin
check nfs_cat_nested cat_cmp d1/d2/deep.txt d1/d2/deep.txt
check nfs_cat_odd_size_deep cat_cmp d1/d2/d3/odd.bin d1/d2/d3/odd.bin
check nfs_cat_space_in_name cat_cmp "sub dir/s.txt" "sub dir/s.txt"
check nfs_cat_many_entry cat_cmp many/entry_number_599.txt many/entry_number_599.txt
check nfs_cat_symlink_inside cat_cmp /link_in a.txt

# Several clients at once.
for i in 1 2 3 4; do nfs-cat "$(url /big.bin)" >"$TMP/par$i" 2>/dev/null & done
wait_ok=1
for i in 1 2 3 4; do wait -n || wait_ok=0; done
for i in 1 2 3 4; do cmp -s "$TMP/par$i" "$exp/big.bin" || wait_ok=0; done
check_eq nfs_cat_4_parallel "$wait_ok" 1

# Traversal: none of these may print anything from outside the export.
# refused PATH [ERROR]: nfs-cat of PATH fails with an error the server sent
# (NFS3ERR_* or MNT3ERR_*, or exactly ERROR) and prints nothing from
# outside the export; a dead server or a missing nfs-cat is no refusal.
refused() {
    local out rc
    out=$(nfs-cat "$(url "$1")" 2>&1); rc=$?
    case "$out" in *secret*|*root:*) return 1 ;; esac
    [ "$rc" -ne 0 ] && grep -qE "${2:-(NFS3ERR|MNT3ERR)_[A-Z]+}" <<<"$out"
}
for u in /link_abs /link_up d1/link_up2 d1/../../outside.txt ../outside.txt \
         /../outside.txt d1/..%2f..%2foutside.txt /%2e%2e/outside.txt; do
    check "nfs_traversal_refused $u" refused "$u"
done
check nfs_cat_missing_noent refused /nope.txt NFS3ERR_NOENT

# Still serving after all of that; SIGTERM ends it with status 0.
check nfs_still_serving cat_cmp /a.txt a.txt
kill -TERM "$PID_nfs"; wait "$PID_nfs"; rc=$?
check_eq nfs_sigterm_exit0 "$rc" 0
