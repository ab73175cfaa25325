#!/usr/bin/env bash
# hostmix drive web against nginx serving a small docroot: the Support mix
# walks every page type, images and downloads; achieved rate; sizes checked
# against manifest.tsv (a 404 and a wrong size are errors of their
# operation); keep-alive closes announced by the server are not errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nginx.sh"
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["targets"][0]; print(eval(sys.argv[2]))' "$1" "$2"; }

D=$TMP/web
mkdir -p "$D/docroot/img" "$D/docroot/dl"
python3 - "$D" <<'PY'
import os, sys
d = sys.argv[1]; r = d + "/docroot"
lines = []
def f(path, size, cls):
    with open(r + path, "wb") as o: o.write(os.urandom(size))
    lines.append("%s\t%d\t%s" % (path, size, cls))
for p, s in [("/index.html", 5170), ("/product.html", 5270), ("/fileCatalog.html", 9450),
             ("/file.html", 11330), ("/catalog.html", 2750), ("/search.html", 1800)]:
    f(p, s, "page")
for i in range(8): f("/img/i%d.gif" % i, 30 + 700 * i, "image")
for i, s in enumerate([105000, 629000, 1049000]): f("/dl/d%d.bin" % i, s, "download")
lines.append("/search.html?q=x\t0\tdynamic")
lines.append("/catalog.html?page=2\t0\tdynamic")
open(d + "/manifest.tsv", "w").write("\n".join(lines) + "\n")
PY
port=$(free_port)
if ! nginx_start nginx "$D/docroot" "$port" "keepalive_requests 25;"; then
    fail drive_web_nginx "nginx (Debian nginx-light) is needed: scripts/deps.sh test"
    exit 1
fi

"$HOSTMIX" drive web --target "127.0.0.1:$port" --data "$D" --rate 400 --connections 8 \
    --duration 3s --ramp-up 0.5s --qos 'p99<=1s,errors<=0%' --json "$TMP/w.json" >"$TMP/w.txt" 2>&1
check_eq drive_web_exit0 "$?" 0
ach=$(jget "$TMP/w.json" 'd["achieved_rate"]')
check drive_web_rate_within_1pct python3 -c "import sys; sys.exit(abs($ach - 400) > 4)"
check_eq drive_web_no_errors "$(jget "$TMP/w.json" 'd["errors"] + d["timeouts"] + d["conn_errors"]')" 0
check_eq drive_web_every_op_ran "$(jget "$TMP/w.json" 'all(o["count"] > 0 for o in d["ops"])')" True
check_eq drive_web_images_most "$(jget "$TMP/w.json" '[o for o in d["ops"] if o["name"] == "image"][0]["count"] > d["count"] / 2')" True
check drive_web_reconnects_on_close python3 -c "import sys; sys.exit(not $(jget "$TMP/w.json" 'd["connects"]') > 8)"
check drive_web_downloads_streamed python3 -c "import sys; sys.exit(not $(jget "$TMP/w.json" '[o for o in d["ops"] if o["name"] == "download"][0]["bytes"]') > 100000)"

# a missing page and a wrong size: errors of their operations, no reconnects needed
B=$TMP/bad
mkdir -p "$B"
printf '/missing.html\t100\tpage\n/img/i1.gif\t1\timage\n' >"$B/manifest.tsv"
"$HOSTMIX" drive web --target "127.0.0.1:$port" --data "$B" --rate 100 --duration 1s \
    --qos 'errors<=1%' --json "$TMP/b.json" >"$TMP/b.txt" 2>&1
check_eq drive_web_errors_exit1 "$?" 1
check_eq drive_web_errors_all "$(jget "$TMP/b.json" 'd["errors"] == d["count"] and d["count"] >= 90')" True
check drive_web_errors_clause grep -q 'failed errors<=1%' "$TMP/b.txt"

# bad manifests are refused with the file and line named
printf '/a.html\t12\tpage\nno-tab-here\n' >"$B/manifest.tsv"
"$HOSTMIX" drive web --target "127.0.0.1:$port" --data "$B" --rate 10 --duration 1s >"$TMP/m.txt" 2>&1
check_eq drive_web_bad_manifest_exit2 "$?" 2
check drive_web_bad_manifest_line grep -q 'manifest.tsv:2: ' "$TMP/m.txt"
"$HOSTMIX" drive web --target "127.0.0.1:$port" --data "$TMP/nonexistent" --rate 10 >"$TMP/n.txt" 2>&1
check_eq drive_web_no_manifest_exit2 "$?" 2
