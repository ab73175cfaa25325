#!/usr/bin/env bash
# A local user must not steer a root run (docs/robustness.md): a data
# directory another uid owns, or that group or others may write, is
# refused with the reason; a link planted where a dead run's working copy
# would be is neither followed nor unmounted below (checked inside a
# private mount namespace, against a tmpfs of the test's own); run
# directories are new and 0700 in /run.  The other user is uid 65534.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all local_user "needs root (entries of another uid)"
port=$(free_port)

# 1. a data directory of another user's: refused, nothing prepared in it
run_job "$TMP/j.ini" lu "$port" 1s 1s 1s
mkdir -p "$TMP/data" && chown 65534:65534 "$TMP/data"
"$HOSTMIX" run "$TMP/j.ini" >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq local_user_data_dir_theirs_exit "$rc" 1
check local_user_data_dir_theirs_why grep -q "data_dir $TMP/data refused: $TMP/data is owned by uid 65534" "$TMP/err"
check_eq local_user_data_dir_theirs_untouched "$(ls -A "$TMP/data")" ""

# 2. one that group and others may write (not sticky): refused, with the fix
chown 0:0 "$TMP/data" && chmod 0777 "$TMP/data"
"$HOSTMIX" run "$TMP/j.ini" >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq local_user_data_dir_writable_exit "$rc" 1
check local_user_data_dir_writable_why grep -q "writable by group or others (mode 0777).*chmod go-w" "$TMP/err"

# 3. a link where a dead run's working copy would be, to a mounted tree:
#    the sweep leaves both alone (a real working copy beside it goes)
chmod 0755 "$TMP/data"
mkdir -p "$TMP/victim" "$TMP/data/.hostmix-work-999999"
ln -s "$TMP/victim" "$TMP/data/.hostmix-work-999998"
chown -h 65534:65534 "$TMP/data/.hostmix-work-999998"
set_job "$TMP/s.ini" lu2 "$port" 5 2 2 imap,idle
unshare -m --propagation private bash -c '
    mount -t tmpfs hmx-victim "$1" && touch "$1/precious" &&
    "$2" run "$3" >"$4/out3" 2>"$4/err3"; echo $? >"$4/rc3"
    grep -c " $1 " /proc/self/mountinfo >"$4/mounted3"; ls "$1" >"$4/ls3"' _ \
    "$TMP/victim" "$HOSTMIX" "$TMP/s.ini" "$TMP"
check_eq local_user_planted_link_run_exit "$(cat "$TMP/rc3")" 0
check_eq local_user_planted_link_still_mounted "$(cat "$TMP/mounted3")" 1
check_eq local_user_planted_link_contents "$(cat "$TMP/ls3")" precious
check local_user_planted_link_kept test -L "$TMP/data/.hostmix-work-999998"
check local_user_planted_link_reported grep -q "leaving $TMP/data/.hostmix-work-999998: not a directory of this user's" "$TMP/err3"
check local_user_dead_copy_swept test ! -e "$TMP/data/.hostmix-work-999999"
