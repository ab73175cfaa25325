#!/usr/bin/env bash
# The web server on local files: a prepared data set served byte for byte,
# dynamic pages, HEAD, Range, 304, pipelining, every error status and
# traversal attempts that must never leave the docroot.
. "$(dirname "$0")/lib.sh"
raw="python3 $(dirname "$0")/web_raw.py"
D=$TMP/web
"$HOSTMIX" prepare web --data "$D" --docroot-size 4MiB --set 2 --seed 7 2>"$TMP/prep.log"
check web_prepare_ok test -f "$D/.hostmix-prepared"
check web_prepare_layout test -d "$D/docroot/images" -a -d "$D/nfs" -a -s "$D/manifest.tsv"
"$HOSTMIX" prepare web --data "$TMP/web2" --docroot-size 4MiB --set 2 --seed 7 2>/dev/null
sum() { (cd "$1" && find docroot nfs catalog.tsv manifest.tsv -type f | sort | xargs sha1sum | sha1sum); }
check_eq web_prepare_deterministic "$(sum "$D")" "$(sum "$TMP/web2")"
"$HOSTMIX" prepare web --data "$TMP/web2" --docroot-size 4MiB --set 3 --seed 7 2>/dev/null
check web_prepare_set_differs test "$(sum "$D")" != "$(sum "$TMP/web2")"
mkdir -p "$TMP/notours" && touch "$TMP/notours/precious"
check web_prepare_refuses_foreign_dir bash -c "! '$HOSTMIX' prepare web --data '$TMP/notours' 2>/dev/null"
total=$(awk -F'\t' '{s += $2} END {print s}' "$D/manifest.tsv")
nfsb=$(awk -F'\t' '$3 == "nfs" {s += $2} END {print s}' "$D/manifest.tsv")
check web_prepare_size_near_target test "$total" -gt 3500000 -a "$total" -lt 4700000
check web_prepare_nfs_share_near_30pct test $((nfsb * 100 / total)) -ge 20 -a $((nfsb * 100 / total)) -le 40

# A symlink leading out of the docroot, one staying inside, a fifo.
echo secret >"$TMP/secret.txt"
ln -s "$TMP/secret.txt" "$D/docroot/leak.txt"
ln -s index.html "$D/docroot/inside.html"
mkfifo "$D/docroot/fifo"

port=$(free_port)
spawn web "$HOSTMIX" serve web --listen "127.0.0.1:$port" --data "$D" --max-request 16KiB
check web_listens wait_port 127.0.0.1 "$port"
U=http://127.0.0.1:$port

# Every page and image, and a sample of downloads, byte for byte.
bad=0 n=0
while IFS=$'\t' read -r url size cls; do
    case "$cls" in page|image|download) ;; *) continue ;; esac
    if [ "$cls" = download ] && [ $((n % 7)) -ne 0 ]; then n=$((n + 1)); continue; fi
    n=$((n + 1))
    curl -sf -o "$TMP/got" "$U$url" && cmp -s "$TMP/got" "$D/docroot$url" || { bad=$((bad + 1)); echo "mismatch $url"; }
done <"$D/manifest.tsv"
check_eq web_static_bytes_match "$bad" 0
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check_eq web_root_is_index "$(curl -s "$U/" | sha1sum)" "$(sha1sum <"$D/docroot/index.html")"
check_eq web_content_type "$(curl -s -o /dev/null -w '%{content_type}' "$U/images/img03.gif")" image/gif
check_eq web_last_modified "$(curl -sI "$U/index.html" | tr -d '\r' | grep -i '^last-modified' | cut -d' ' -f2-)" \
    "Wed, 01 Jun 2005 00:00:00 GMT"

# HEAD: the head of GET, no body.
check_eq web_head_length "$(curl -sI "$U/index.html" | tr -d '\r' | grep -i '^content-length' | cut -d' ' -f2)" \
    "$(stat -c %s "$D/docroot/index.html")"
check_eq web_head_no_body "$(printf 'HEAD /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | $raw "$port" 1)" "200 0"

# If-Modified-Since
check_eq web_304 "$(code -H 'If-Modified-Since: Wed, 01 Jun 2005 00:00:00 GMT' "$U/index.html")" 304
check_eq web_ims_older_200 "$(code -H 'If-Modified-Since: Tue, 31 May 2005 23:59:59 GMT' "$U/index.html")" 200

# Range
big=$(awk -F'\t' '$3 == "download" && $2 > m {m = $2; u = $1} END {print u}' "$D/manifest.tsv")
bsize=$(stat -c %s "$D/docroot$big")
curl -s -r 100-1099 -o "$TMP/r1" -w '%{http_code}' "$U$big" >"$TMP/rc"
check_eq web_range_206 "$(cat "$TMP/rc")" 206
check_eq web_range_bytes "$(sha1sum <"$TMP/r1")" "$(tail -c +101 "$D/docroot$big" | head -c 1000 | sha1sum)"
check_eq web_range_content_range "$(curl -s -D - -o /dev/null -r 100-1099 "$U$big" | tr -d '\r' | grep -i '^content-range' | cut -d' ' -f2-)" \
    "bytes 100-1099/$bsize"
check_eq web_range_suffix "$(curl -s -r -10 "$U$big" | sha1sum)" "$(tail -c 10 "$D/docroot$big" | sha1sum)"
check_eq web_range_open_end "$(curl -s -r $((bsize - 5))- "$U$big" | wc -c)" 5
check_eq web_range_416 "$(code -r $((bsize + 10))-$((bsize + 20)) "$U$big")" 416
check_eq web_range_multi_gets_200 "$(code -r 0-1,5-6 "$U$big")" 200
check_eq web_if_range_mismatch_200 "$(code -r 0-9 -H 'If-Range: Tue, 31 May 2005 23:59:59 GMT' "$U$big")" 200
check_eq web_if_range_match_206 "$(code -r 0-9 -H 'If-Range: Wed, 01 Jun 2005 00:00:00 GMT' "$U$big")" 206
# a large file (sendfile path) whole
check web_large_file_sendfile bash -c "curl -s '$U$big' | cmp -s - '$D/docroot$big'"

# Dynamic pages
s=$(curl -s "$U/search?q=driver")
check web_search_finds bash -c "grep -q 'products match' <<<'$(echo "$s" | head -c 2000 | tr -d "'")' "
check web_search_size_like_specweb test "${#s}" -gt 17000
check_eq web_search_escapes "$(curl -s "$U/search?q=%3Cscript%3E" | grep -c '<script>')" 0
check_eq web_catalog_200 "$(code "$U/catalog?page=2")" 200
check_eq web_catalog_404_past_end "$(code "$U/catalog?page=999")" 404
check_eq web_catalog_400_bad_page "$(code "$U/catalog?page=x")" 400
while IFS=$'\t' read -r url size cls; do
    [ "$cls" = dynamic ] || continue
    c=$(code "$U$url"); [ "$c" = 200 ] || { echo "dynamic $url: $c"; bad=1; }
done <"$D/manifest.tsv"
check_eq web_manifest_dynamic_urls_200 "$bad" 0

# Pipelining and keep-alive: three requests in one write, answered in order.
req='GET /images/img01.gif HTTP/1.1\r\nHost: x\r\n\r\nHEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
check_eq web_pipelined "$(printf "$req" | $raw "$port" 0,1,0 | tr '\n' '|')" \
    "200 $(stat -c %s "$D/docroot/images/img01.gif")|200 0|404 106|"
check_eq web_http10_closes "$(printf 'GET /images/img00.gif HTTP/1.0\r\n\r\n' | $raw "$port")" \
    "200 $(stat -c %s "$D/docroot/images/img00.gif")"

# Errors
check_eq web_404 "$(code "$U/no/such/file")" 404
check_eq web_405 "$(code -X POST -d x "$U/index.html")" 405
check_eq web_405_allow "$(curl -s -D - -o /dev/null -X DELETE "$U/index.html" | tr -d '\r' | grep -i '^allow')" "Allow: GET, HEAD"
check_eq web_501_unknown_method "$(code -X BREW "$U/index.html")" 501
check_eq web_400_no_host "$(printf 'GET / HTTP/1.1\r\n\r\n' | $raw "$port")" "400 110"
check_eq web_400_garbage "$(printf 'hello there\r\n\r\n' | $raw "$port" | cut -d' ' -f1)" 400
check_eq web_505 "$(printf 'GET / HTTP/2.0\r\nHost: x\r\n\r\n' | $raw "$port" | cut -d' ' -f1)" 505
check_eq web_411_chunked "$(printf 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' | $raw "$port" | cut -d' ' -f1)" 411
check_eq web_413 "$(printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n' | $raw "$port" | cut -d' ' -f1)" 413
long=$(head -c 20000 /dev/zero | tr '\0' a)
check_eq web_414 "$(code "$U/$long")" 414
check_eq web_431 "$(code -H "X-Big: ${long:0:17000}" "$U/index.html")" 431
check_eq web_431_many_fields "$(code $(for i in $(seq 70); do printf -- '-H X-F%d:1 ' "$i"; done) "$U/index.html")" 431
check_eq web_403_fifo "$(code "$U/fifo")" 403

# Traversal: nothing outside the docroot, whatever the spelling.
for p in /../manifest.tsv /%2e%2e/manifest.tsv /%2E%2E/%2E%2E/etc/passwd /images/..%2f..%2fmanifest.tsv \
         /images/%2e%2e/%2e%2e/catalog.tsv '/..%5cmanifest.tsv' /leak.txt /%00 /images/../../../etc/passwd; do
    out=$(curl -s --path-as-is -w ' %{http_code}' "$U$p")
    case "$out" in
        *secret*|*root:*|*$'\t'page*) fail "web_traversal_refused $p" "leaked: ${out:0:80}" ;;
        *" "4[0-9][0-9]) ok "web_traversal_refused $p" ;;
        *) fail "web_traversal_refused $p" "answered ${out##* }, want a 4xx refusal" ;;
    esac
done
check_eq web_symlink_out_403 "$(code "$U/leak.txt")" 403
check_eq web_symlink_inside_ok "$(code "$U/inside.html")" 200
check_eq web_dotdot_inside_ok "$(code --path-as-is "$U/images/../index.html")" 200

kill -TERM "$PID_web"; wait "$PID_web"; rc=$?
check_eq web_sigterm_exit0 "$rc" 0
