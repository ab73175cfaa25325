#!/usr/bin/env bash
# hostmix run serves db and imap from a per-run working copy: after each
# of two quick runs (every role) the cached data sets hold the bytes a
# fresh prepare writes, no working copy is left, and the copy time is
# reported in report.txt and result.json.  The copy is an overlay where
# overlays can be mounted, else the files are copied; both are tested.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
port=$(free_port)
job=$TMP/mix.ini
sed -e 's/^ramp_up = .*/ramp_up = 1s/' -e 's/^measure = .*/measure = 3s/' \
    -e 's/^ramp_down = .*/ramp_down = 1s/' -e "s|^output = .*|output = $TMP/res\ndata_dir = $TMP/data|" \
    -e 's/^docroot_size = .*/docroot_size = 4MiB/' \
    -e "s/^\[\(web\|imap\|app\|db\|nfs\|idle\)\]\$/&\nport = $port/" \
    "$(dirname "$0")/../../examples/quick.ini" >"$job"
check run_workcopy_job_ports test "$(grep -c "^port = $port$" "$job")" = 6

# data_sum [DIR]: one checksum of every file below DIR (default: the
# cache, working copies excluded); "missing" if DIR does not exist
data_sum() {
    (cd "${1:-$TMP/data}" 2>/dev/null || { echo missing; exit; }
        find . \( -path './.hostmix-work-*' -o -path './hostmix-kept-*' \) -prune -o -type f -print |
        LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum)
}
# the data sets prepared afresh: what the cache must still hold after a run
mkdir -p "$TMP/fresh"
check run_workcopy_fresh_db "$HOSTMIX" prepare db --data "$TMP/fresh/db" --set 1 --seed 1 \
    --customers 1000 --items 200
check run_workcopy_fresh_imap "$HOSTMIX" prepare imap --data "$TMP/fresh/imap" --set 1 --seed 1 \
    --users 20 --messages 20

# The cache entry PREFIX-* (not its PREFIX-*.manifest).
entry() { ls -d "$1"-* | grep -v '\.manifest$'; }

for i in 1 2; do
    "$HOSTMIX" run "$job" >"$TMP/out$i" 2>"$TMP/err$i"; rc=$?
    check_eq "run_workcopy_exit0_$i" "$rc" 0
    [ "$rc" = 0 ] || sed 's/^/# /' "$TMP/err$i" | tail -5
    [ "$i" = 1 ] && sum1=$(data_sum)
    check_eq "run_workcopy_cache_unchanged_$i" "$(data_sum)" "$sum1"
    for r in db imap; do
        check_eq "run_workcopy_${r}_as_prepared_$i" "$(data_sum "$(entry "$TMP/data/$r")")" \
            "$(data_sum "$TMP/fresh/$r")"
    done
    check_eq "run_workcopy_none_left_$i" "$(ls -A "$TMP/data" | grep -c work)" 0
    check "run_workcopy_text_$i" grep -qE \
        "^data: working copy of [0-9]+ files, .* made in [0-9.]+ s .*removed:" "$TMP/out$i"
    check "run_workcopy_json_$i" python3 - "$TMP/res/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
w = d["working_copy"]
assert d["valid"], d["invalid_reason"]
assert w["files"] > 400 and w["bytes"] > 0 and 0 <= w["seconds"] < 10 and not w["kept"], w
PY
    grep -h "^data:" "$TMP/out$i" | sed 's/^/# /'
done

# --keep-work keeps the copy (imap wrote its uid lists there) beside the
# cache; a dead run's copy is swept
mkdir -p "$TMP/data/.hostmix-work-999999999"
sed -i -e 's/^measure = .*/measure = 1s/' "$job"
"$HOSTMIX" run "$job" --keep-work --format json >/dev/null 2>&1
check run_workcopy_stale_swept test ! -e "$TMP/data/.hostmix-work-999999999"
check run_workcopy_kept test -n "$(find "$TMP/data" -maxdepth 3 -path '*/hostmix-kept-*/db-*/orders.db')"
check run_workcopy_kept_changed test -n "$(find "$TMP/data"/hostmix-kept-* -name hostmix-uidlist)"
check_eq run_workcopy_cache_after_keep "$(data_sum)" "$sum1"
# the copy kept the files' mtimes (imap's INTERNALDATE)
check run_workcopy_mtimes python3 - "$(entry "$TMP/data/imap")" "$TMP"/data/hostmix-kept-*/imap-* <<'PY'
import os, sys
a, b = sys.argv[1:3]
same = 0
for d, _, files in os.walk(a):
    for f in files:
        p = os.path.join(d, f)
        q = os.path.join(b, os.path.relpath(p, a))
        if os.path.exists(q):
            assert os.stat(p).st_mtime_ns == os.stat(q).st_mtime_ns, q
            same += 1
assert same > 100, same
PY

# stopped early, the working copy goes too: SIGTERM mid-measure, and an
# imap server killed outright (the run is then invalid)
sed -i -e 's/^measure = .*/measure = 30s/' "$job"
for how in sigterm crash; do
    "$HOSTMIX" run "$job" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    wait_port 127.1.2.1 "$port" 20
    sleep 3
    check "run_workcopy_${how}_copy_exists" test -d "$TMP/data/.hostmix-work-$pid"
    if [ "$how" = sigterm ]; then
        kill -TERM "$pid"
    else
        imap=$(pgrep -f "serve imap --listen 127.1.2.1:$port ")
        check run_workcopy_crash_imap_found test -n "$imap"
        # without an imap server to kill, the run is stopped (the check failed)
        if [ -n "$imap" ]; then kill -KILL "$imap"; else kill -TERM "$pid"; fi
    fi
    wait "$pid"; rc=$?
    check_eq "run_workcopy_${how}_exit1" "$rc" 1
    [ "$how" = crash ] && check run_workcopy_crash_named \
        grep -q "server set1-imap (pid ${imap:-none}) killed by signal 9" "$TMP/err"
    check_eq "run_workcopy_${how}_none_left" "$(ls -A "$TMP/data" | grep -c hostmix-work)" 0
    check_eq "run_workcopy_${how}_cache_unchanged" "$(data_sum)" "$sum1"
done

# Overlays (where this host lets hostmix mount them): none stays mounted
# after a run; a run killed outright leaves its overlays mounted and the
# next run unmounts and removes them.  A data_dir whose path overlay options
# cannot carry (a comma) makes the run copy the files instead.
check_eq run_workcopy_no_mount_left "$(grep -c hostmix-work /proc/self/mountinfo)" 0
if grep -q "(overlay)" "$TMP/out1"; then
    "$HOSTMIX" run "$job" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    wait_port 127.1.2.1 "$port" 20
    kill -KILL "$pid"; wait "$pid"
    check run_workcopy_killed_overlay_mounted grep -q "hostmix-work-$pid/" /proc/self/mountinfo
    sed -i -e 's/^measure = .*/measure = 1s/' "$job"
    "$HOSTMIX" run "$job" >"$TMP/out" 2>"$TMP/err"
    check_eq run_workcopy_after_kill_exit0 "$?" 0
    check_eq run_workcopy_killed_overlay_unmounted \
        "$(grep -c "hostmix-work-$pid/" /proc/self/mountinfo)" 0
    check run_workcopy_killed_overlay_removed test ! -e "$TMP/data/.hostmix-work-$pid"
    check_eq run_workcopy_killed_cache_unchanged "$(data_sum)" "$sum1"
else
    skip run_workcopy_killed_overlay "overlays cannot be mounted here"
fi
sed -i -e 's/^measure = .*/measure = 1s/' -e "s|^data_dir = .*|data_dir = $TMP/da,ta|" "$job"
"$HOSTMIX" run "$job" >"$TMP/out" 2>"$TMP/err"
check_eq run_workcopy_copied_exit0 "$?" 0
check run_workcopy_copied_method grep -qE \
    "^data: working copy of [0-9]+ files, .*\((reflink|copy_file_range|read/write)" "$TMP/out"
grep -h "^data:" "$TMP/out" | sed 's/^/# /'
check_eq run_workcopy_copied_none_left "$(ls -A "$TMP/data" | grep -c hostmix-work)" 0
