#!/usr/bin/env bash
# The HTML report in a real browser: a short real run writes report.html,
# `hostmix report A B --format html` writes a comparison page, `hostmix
# report capacity.json --format html` a stored capacity search's page, and
# Debian's headless Chromium loads each page (file://, no network), dumps
# the DOM it built and takes a screenshot.  Checks: the page loaded (the
# DOM has its heading and sections), no console message at all (the page
# has no script; a failed load or parse shows up there), and every chart
# of the browser's DOM has drawn marks (html_check.py --dom).  A probe
# page with a console error first proves the console check sees errors.
# The screenshots stay in $HOSTMIX_TEST_OUT (default build/test-out/) so
# a person can look.  Skips only if Chromium cannot be installed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${HOSTMIX_TEST_OUT:-$root/build/test-out}/77_report_browser
mkdir -p "$out"

if ! command -v chromium >/dev/null 2>&1; then
    "$root/scripts/deps.sh" test >"$TMP/deps.log" 2>&1
fi
if ! command -v chromium >/dev/null 2>&1; then
    skip_all report_browser "chromium cannot be installed ($(tail -1 "$TMP/deps.log"))"
fi

# browse NAME PAGE: loads PAGE; DOM in $TMP/NAME.dom, console in
# $TMP/NAME.err, screenshot in $out/NAME.png.
browse() {
    local prof
    prof=$(mktemp -d "$TMP/profile.XXXXXX")
    timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$prof" --hide-scrollbars --enable-logging=stderr --v=0 \
        --window-size=1000,"$3" --dump-dom --screenshot="$out/$1.png" "file://$2" \
        >"$TMP/$1.dom" 2>"$TMP/$1.err"
}
# the PNG's width and height from its header
png_size() {
    python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24)
assert d[:8] == b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"
}

# the console check sees an error
printf '<!DOCTYPE html><title>probe</title><script>console.error("probe-error")</script>\n' \
    >"$TMP/probe.html"
browse probe "$TMP/probe.html" 300
check browser_console_seen grep -q 'CONSOLE.*probe-error' "$TMP/probe.err"

# a real short run of the idle role writes report.html beside result.json
port=$(free_port)
run_job "$TMP/quick.ini" quick "$port" 1s 4s 1s
"$HOSTMIX" run "$TMP/quick.ini" >"$TMP/run.out" 2>"$TMP/run.err" &
pid=$!
watch_run "$pid"
wait "$pid"; rc=$?
check_eq browser_hostmix_run_exit0 "$rc" 0
check browser_run_report_html test -s "$TMP/res/report.html" -a -s "$TMP/res/result.json"
"$HOSTMIX" report "$TMP/res/result.json" --format html -o "$TMP/again.html"
check browser_run_page_same_from_json cmp "$TMP/res/report.html" "$TMP/again.html"
"$HOSTMIX" report "$root/tests/fixtures/results/full/quick.json" "$TMP/res/result.json" \
    --format html -o "$TMP/compare.html"; rc=$?
check_eq browser_compare_exit0 "$rc" 0
cp "$TMP/res/report.html" "$out/run.html"
cp "$TMP/compare.html" "$out/compare.html"
# the capacity page of a stored search (a real one: 3 steps, the third failed)
"$HOSTMIX" report "$root/tests/fixtures/results/capacity.json" --format html \
    -o "$out/capacity.html"; rc=$?
check_eq browser_capacity_page_exit0 "$rc" 0

for page in run compare capacity; do
    browse "$page" "$out/$page.html" 4000; rc=$?
    check_eq "browser_${page}_exit0" "$rc" 0
    name=quick; [ "$page" = capacity ] && name="capacity: cap"
    check "browser_${page}_loaded" grep -q "<h1>hostmix .*$name" "$TMP/$page.dom"
    # the page's own messages (Chromium's own UI, chrome://, logs some of its own)
    if grep "CONSOLE" "$TMP/$page.err" | grep -qv 'source: chrome://'; then
        fail "browser_${page}_no_console" "$(grep CONSOLE "$TMP/$page.err" | grep -v 'source: chrome://' | head -3)"
    else
        ok "browser_${page}_no_console"
    fi
    check_eq "browser_${page}_screenshot" "$(png_size "$out/$page.png" 2>&1)" 1000x4000
    check "browser_${page}_screenshot_not_blank" test "$(stat -c %s "$out/$page.png")" -gt 50000
    python3 "$here/html_check.py" "$TMP/$page.dom" --dom >"$TMP/$page.check" 2>&1
    check_eq "browser_${page}_charts_drawn" "$?:$(head -c 300 "$TMP/$page.check")" \
        "0:$(python3 "$here/html_check.py" "$out/$page.html")"
done
check browser_run_charts grep -q "host-breakdown.*latency-idle" "$TMP/run.check"
check browser_compare_charts grep -q "cmp-breakdown.*cmp-latency-idle" "$TMP/compare.check"
check browser_capacity_charts grep -q "capacity-cores.*capacity-per-set" "$TMP/capacity.check"
check_nothing_left browser_run "$pid" "$port"
echo "screenshots: $out/run.png $out/compare.png $out/capacity.png"
