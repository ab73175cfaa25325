#!/usr/bin/env bash
# hostmix report -o TARGET: the output-file rule.  A regular file or an
# absent path is replaced atomically (a new inode renamed over it, no
# temporary left); a character device, a FIFO, and a symlink to either are
# written straight through and stay what they were; a symlink is followed
# (never replaced) only when root or this user owns it; `-o -` is standard
# output.  Every target lives under this script's temporary directory: the
# device is made here with mknod, never the host's own /dev/null.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
res=$(cd "$here/../fixtures/results/full" && pwd)/quick.json

"$HOSTMIX" report "$res" >"$TMP/want.txt"
check_eq out_stdout_exit0 "$?" 0
check out_stdout_nonempty test -s "$TMP/want.txt"

# -o -: standard output
(cd "$TMP" && "$HOSTMIX" report "$res" -o - >"$TMP/dash.txt"); rc=$?
check_eq out_dash_exit0 "$rc" 0
check out_dash_same cmp "$TMP/want.txt" "$TMP/dash.txt"
check out_dash_no_file test ! -e "$TMP/-"

# a character device (the null device, made here)
if mknod "$TMP/null" c 1 3 2>/dev/null; then
    "$HOSTMIX" report "$res" -o "$TMP/null"; rc=$?
    check_eq out_chardev_exit0 "$rc" 0
    check out_chardev_still_chardev test -c "$TMP/null"
    check_eq out_chardev_no_temp "$(ls "$TMP" | grep -c 'null\.tmp')" 0
    # a symlink to it: followed for writing, never replaced
    ln -s "$TMP/null" "$TMP/null-link"
    "$HOSTMIX" report "$res" --format json -o "$TMP/null-link"; rc=$?
    check_eq out_symlink_dev_exit0 "$rc" 0
    check out_symlink_dev_still_link test -L "$TMP/null-link"
    check_eq out_symlink_dev_target "$(readlink "$TMP/null-link")" "$TMP/null"
    check out_symlink_dev_still_chardev test -c "$TMP/null"
else
    skip out_chardev "mknod is not permitted here"
fi

# a FIFO: opened for writing, read by a reader, still a FIFO afterwards
mkfifo "$TMP/fifo"
timeout 20 cat "$TMP/fifo" >"$TMP/fifo.out" &
reader=$!
timeout 20 "$HOSTMIX" report "$res" -o "$TMP/fifo"; rc=$?
wait "$reader"
check_eq out_fifo_exit0 "$rc" 0
check out_fifo_still_fifo test -p "$TMP/fifo"
check out_fifo_content cmp "$TMP/want.txt" "$TMP/fifo.out"

# a symlink to this process's standard output (what /dev/stdout is): the
# output lands where stdout goes (a file, then a pipe); the link stays
ln -s /proc/self/fd/1 "$TMP/stdout"
"$HOSTMIX" report "$res" -o "$TMP/stdout" >"$TMP/via-link.txt"; rc=$?
check_eq out_stdout_link_exit0 "$rc" 0
check out_stdout_link_still_link test -L "$TMP/stdout"
check out_stdout_link_content cmp "$TMP/want.txt" "$TMP/via-link.txt"
"$HOSTMIX" report "$res" -o "$TMP/stdout" | cat >"$TMP/via-pipe.txt"
check out_stdout_pipe_still_link test -L "$TMP/stdout"
check out_stdout_pipe_content cmp "$TMP/want.txt" "$TMP/via-pipe.txt"

# a symlink to standard error, redirected to a file: written there, the
# file keeps its inode (what the shell holds open)
ln -s /proc/self/fd/2 "$TMP/stderr"
: >"$TMP/err.txt"
ln "$TMP/err.txt" "$TMP/err-same.txt"
"$HOSTMIX" report "$res" -o "$TMP/stderr" 2>"$TMP/err.txt"; rc=$?
check_eq out_stderr_link_exit0 "$rc" 0
check out_stderr_link_same_inode cmp "$TMP/want.txt" "$TMP/err-same.txt"
check out_stderr_link_still_link test -L "$TMP/stderr"

# a regular file: replaced atomically (a new inode; a hard link to the old
# one keeps the old bytes), no temporary file left
echo old >"$TMP/report.txt"
ln "$TMP/report.txt" "$TMP/old.txt"
"$HOSTMIX" report "$res" -o "$TMP/report.txt"; rc=$?
check_eq out_regular_exit0 "$rc" 0
check out_regular_content cmp "$TMP/want.txt" "$TMP/report.txt"
check_eq out_regular_new_inode "$(cat "$TMP/old.txt")" old
check_eq out_regular_no_temp "$(ls "$TMP" | grep -c 'report\.txt\.tmp')" 0
# an absent path is created
"$HOSTMIX" report "$res" -o "$TMP/new.txt"; rc=$?
check_eq out_absent_exit0 "$rc" 0
check out_absent_content cmp "$TMP/want.txt" "$TMP/new.txt"
# a dangling symlink is not followed to create a file, nor replaced
ln -s "$TMP/nowhere/x" "$TMP/dangling"
"$HOSTMIX" report "$res" -o "$TMP/dangling" 2>/dev/null; rc=$?
check_eq out_dangling_refused "$rc" 1
check out_dangling_still_link test -L "$TMP/dangling"

# a symlink of this user's to a regular file: that file is replaced
# atomically, the link stays
echo old >"$TMP/target.txt"
ln "$TMP/target.txt" "$TMP/target-old.txt"
ln -s "$TMP/target.txt" "$TMP/mine"
"$HOSTMIX" report "$res" -o "$TMP/mine"; rc=$?
check_eq out_own_link_exit0 "$rc" 0
check out_own_link_still_link test -L "$TMP/mine"
check out_own_link_target_written cmp "$TMP/want.txt" "$TMP/target.txt"
check_eq out_own_link_target_new_inode "$(cat "$TMP/target-old.txt")" old
# another user's symlink (as one planted in a shared directory) is not
# followed: the file it points to keeps its bytes
if [ "$(id -u)" = 0 ]; then
    echo precious >"$TMP/victim"
    ln -s "$TMP/victim" "$TMP/planted"
    chown -h 65534:65534 "$TMP/planted"
    "$HOSTMIX" report "$res" -o "$TMP/planted" 2>"$TMP/planted.err"; rc=$?
    check_eq out_foreign_link_refused "$rc" 1
    check_eq out_foreign_link_victim_intact "$(cat "$TMP/victim")" precious
    check out_foreign_link_still_link test -L "$TMP/planted"
    check out_foreign_link_says_why grep -q "planted" "$TMP/planted.err"
else
    skip out_foreign_link "needs root to give a symlink another owner"
fi

check out_host_null_still_chardev test -c /dev/null
