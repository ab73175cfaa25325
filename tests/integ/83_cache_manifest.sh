#!/usr/bin/env bash
# Cache entries carry a content check (core/manifest.h): a run that
# prepares a data set writes DATA_DIR/KEY.manifest; one byte changed in a
# cached file (same size, same mtime: nothing stat can see) makes the next
# run refuse it, naming the file; put back, the cache is used as it is; a
# data set without a manifest is prepared again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
port=$(free_port)
set_job "$TMP/m.ini" manifest "$port" 20 1 1 web,nfs
sed -i -e 's/^measure = .*/measure = 1s/' -e 's/^ramp_up = .*/ramp_up = 1s/' "$TMP/m.ini"

run() { "$HOSTMIX" run "$TMP/m.ini" >"$TMP/out$1" 2>"$TMP/err$1"; echo $?; }
check_eq cache_manifest_first_run "$(run 1)" 0
ws=$(find "$TMP/data" -maxdepth 1 -type d -name "web-seed*")
check cache_manifest_written test -s "$ws.manifest"
check cache_manifest_format grep -q "^hostmix-manifest 1$" "$ws.manifest"
victim=$(find "$ws" -type f -size +1k | LC_ALL=C sort | head -1)
rel=${victim#"$ws"/}
check cache_manifest_listed grep -q " $rel\$" "$ws.manifest"

# one byte flipped in place, size and mtime as they were
cp -p "$victim" "$TMP/orig"
printf 'Z' | dd of="$victim" bs=1 seek=100 conv=notrunc status=none
touch -r "$TMP/orig" "$victim"
check cache_manifest_tamper_same_stat test "$(stat -c %s.%Y "$victim")" = "$(stat -c %s.%Y "$TMP/orig")"
rc=$(run 2)
check_eq cache_manifest_tampered_refused "$rc" 1
check cache_manifest_names_file grep -qF "$victim: contents differ from its manifest" "$TMP/err2"
check cache_manifest_says_fix grep -qF "remove $ws and its manifest" "$TMP/err2"
check cache_manifest_kept_as_is cmp -s <(printf Z) <(dd if="$victim" bs=1 skip=100 count=1 status=none)

# put back: the cached data set is used, not prepared again
cp -p "$TMP/orig" "$victim"
check_eq cache_manifest_intact_run "$(run 3)" 0
check cache_manifest_intact_used grep -q "data set cached in $ws" "$TMP/err3"
check cache_manifest_intact_not_prepared sh -c "! grep -q 'preparing data set' '$TMP/err3'"

# no manifest (a cache from before manifests): prepared again, then sealed
rm "$ws.manifest"
check_eq cache_manifest_none_run "$(run 4)" 0
check cache_manifest_none_said grep -q "data set $ws has no manifest" "$TMP/err4"
check cache_manifest_none_prepared grep -q "preparing data set in $ws" "$TMP/err4"
check cache_manifest_none_sealed test -s "$ws.manifest"
