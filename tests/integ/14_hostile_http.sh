#!/usr/bin/env bash
# HTTP details a hostile or merely unusual client hits: paths are
# case-sensitive (no routing by one letter's case), "Expect: 100-continue"
# is answered at once in web and app, and prepare creates missing parents
# of --data.
. "$(dirname "$0")/lib.sh"
for r in web db imap; do
    "$HOSTMIX" prepare "$r" --data "$TMP/p/$r/a/b/c" >/dev/null 2>&1
    check "prepare_${r}_creates_parents" test -s "$TMP/p/$r/a/b/c/.hostmix-prepared"
done
D=$TMP/p/web/a/b/c
wp=$(free_port)
spawn web "$HOSTMIX" serve web --listen "127.0.0.1:$wp" --data "$D"
wait_port 127.0.0.1 "$wp"
code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$wp$1"; }
check_eq web_search_exact "$(code '/search?q=driver')" 200
check_eq web_catalog_exact "$(code '/catalog?page=1')" 200
check_eq web_search_case_404 "$(code '/Search?page=1')" 404
check_eq web_catalog_case_404 "$(code '/CATALOG?page=1')" 404
# curl waits --expect100-timeout (30 s here) for "100 Continue" or an answer
# before it sends the body: well under that, the server did not wait for it
t=$(curl -s -o /dev/null -m 60 --expect100-timeout 30 -w '%{http_code} %{time_total}' \
    -H 'Expect: 100-continue' --data-binary 'x=1' "http://127.0.0.1:$wp/index.html")
check web_expect_continue_no_stall awk '{exit !($1 == 405 && $2 < 10)}' <<<"$t"

"$HOSTMIX" prepare db --data "$TMP/d" --customers 10 --items 20 >/dev/null 2>&1
dbp=$(free_port); ap=$(free_port)
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$dbp" --data "$TMP/d"
wait_port 127.0.0.1 "$dbp"
spawn app "$HOSTMIX" serve app --listen "127.0.0.1:$ap" --pool 1 \
    --db "host=127.0.0.1 port=$dbp dbname=orders user=hostmix connect_timeout=2"
wait_port 127.0.0.1 "$ap"
post() { curl -s -o /dev/null -m 60 --expect100-timeout 30 -w '%{http_code} %{time_total}' "$@"; }
for _ in $(seq 50); do [ "$(post "http://127.0.0.1:$ap/items/1" | cut -c1-3)" = 200 ] && break; sleep 0.1; done
t=$(post -H 'Expect: 100-continue' -H 'Content-Type: application/json' \
    --data-binary '{"customer":1}' "http://127.0.0.1:$ap/login")
check app_expect_continue_no_stall awk '{exit !($1 == 200 && $2 < 10)}' <<<"$t"
