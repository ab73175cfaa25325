#!/usr/bin/env bash
# The app server against the built-in db, driven by curl: every endpoint,
# the error statuses, pipelining, db outage (503) and recovery, and a
# kill -9 of the db during a stream of purchases losing no committed order.
. "$(dirname "$0")/lib.sh"
dbport=$(free_port); port=$(free_port)
"$HOSTMIX" prepare db --data "$TMP/d" --customers 40 --items 400 >/dev/null 2>&1
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$dbport" --data "$TMP/d"
wait_port 127.0.0.1 "$dbport"
spawn app "$HOSTMIX" serve app --listen "127.0.0.1:$port" --pool 3 \
    --db "host=127.0.0.1 port=$dbport dbname=orders user=hostmix connect_timeout=2"
check app_listens wait_port 127.0.0.1 "$port"
A=http://127.0.0.1:$port
conn="host=127.0.0.1 port=$dbport dbname=orders user=hostmix"
# req METHOD PATH [BODY]: prints "STATUS BODY".  Requests that act for a
# customer (named by the body's "customer" or the /customers/C/ path) carry
# that customer's session token from POST /login.
declare -A TOKENS
token_of() {
    local c=$1 out
    if [ -z "${TOKENS[$c]:-}" ]; then
        out=$(curl -s -m 10 -X POST -H 'Content-Type: application/json' -d "{\"customer\":$c}" "$A/login")
        TOKENS[$c]=$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).get("token",""))' <<<"$out" 2>/dev/null)
    fi
    echo "${TOKENS[$c]}"
}
req() {
    local out c="" auth=()
    case "$2" in /customers/*) c=${2#/customers/}; c=${c%%/*} ;; esac
    if [ $# -ge 3 ] && [ "$2" != /login ]; then
        c=$(sed -n 's/.*"customer":\([0-9][0-9]*\).*/\1/p' <<<"$3")
    fi
    [ -n "$c" ] && auth=(-H "Authorization: Bearer $(token_of "$c")")
    if [ $# -ge 3 ]; then out=$(curl -s -m 10 -X "$1" "${auth[@]}" -H 'Content-Type: application/json' -d "$3" -w ' %{http_code}' "$A$2")
    else out=$(curl -s -m 10 -X "$1" "${auth[@]}" -w ' %{http_code}' "$A$2"); fi
    echo "${out##* } ${out% *}"
}
field() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read().split(" ",1)[1]); print(eval(sys.argv[1]))' "$1"; }
for _ in $(seq 50); do case "$(req POST /login '{"customer":1}')" in 200*) break ;; esac; sleep 0.1; done

out=$(req POST /login '{"customer":3}')
check_eq app_login "$(echo "$out" | field 'd["customer"], d["credit_limit"], d["balance"], "name" in d')" "(3, 100000000000, 0, True)"
out=$(req GET '/items?category=2&page=1')
check_eq app_browse "$(echo "$out" | field '[i["id"] for i in d["items"]]')" "[201, 202, 203, 204, 205, 206, 207, 208, 209, 210]"
check_eq app_browse_default_page "$(req GET '/items?category=1' | field 'd["page"], d["items"][0]["id"]')" "(1, 1)"
check_eq app_browse_past_end "$(req GET '/items?category=2&page=21')" '200 {"category":2,"page":21,"items":[]}'
out=$(req GET /items/42)
check_eq app_item "$(echo "$out" | field 'd["id"], d["category"], d["stock"], d["price"] > 0, len(d["description"]) > 0')" "(42, 1, 1000000, True, True)"
price=$(echo "$out" | field 'd["price"]')
out=$(req POST /orders '{"customer":3,"lines":[{"item":42,"qty":2},{"item":43,"qty":100}],"defer":true}')
check_eq app_purchase_status "${out%% *}" 201
order=$(echo "$out" | field 'd["order"]')
check_eq app_purchase_order_id "$order" 41
check_eq app_purchase_pricing "$(echo "$out" | field 'd["lines"][0]["price"], d["status"], d["total"] == sum(l["price"] for l in d["lines"])')" "($((price * 2)), 'open', True)"
check_eq app_purchase_stock "$(req GET /items/42 | field 'd["stock"]')" 999998
check_eq app_purchase_lines_in_db "$(psql "$conn" -X -A -t -c "SELECT count(*), sum(qty) FROM order_lines WHERE order_id = $order" 2>&1)" "2|102"
check_eq app_list_open "$(req GET '/customers/3/orders?status=open' | field '[(o["order"], o["status"], o["lines"]) for o in d["orders"]][0]')" "($order, 'open', 2)"
check_eq app_login_open_orders "$(req POST /login '{"customer":3}' | field 'd["open_orders"] >= 1')" "True"
out=$(req POST "/orders/$order/cancel" '{"customer":3}')
check_eq app_cancel "$(echo "$out" | field 'd["order"], d["status"]')" "($order, 'cancelled')"
check_eq app_cancel_restores_stock "$(req GET /items/42 | field 'd["stock"]')" 1000000
check_eq app_cancel_refunds "$(req POST /login '{"customer":3}' | field 'd["balance"]')" 0
check_eq app_cancel_again_409 "$(req POST "/orders/$order/cancel" '{"customer":3}')" '409 {"error":"order is not open"}'
check_eq app_cancel_other_customer_404 "$(req POST "/orders/$order/cancel" '{"customer":4}')" '404 {"error":"no such order"}'
out=$(req POST /orders '{"customer":5,"lines":[{"item":7,"qty":10}]}')
check_eq app_purchase_shipped "$(echo "$out" | field 'd["status"]')" shipped
check_eq app_list_all "$(req GET '/customers/5/orders' | field 'd["orders"][0]["status"]')" shipped

# sessions: acting for a customer needs that customer's token from /login
check_eq app_login_token "$(req POST /login '{"customer":5}' | field 'd["token"].split(".")[0]')" 5
raw() { curl -s -o /dev/null -m 10 -w '%{http_code}' "$@"; }
check_eq app_list_no_token_401 "$(raw "$A/customers/5/orders")" 401
check_eq app_401_reason_phrase "$(curl -s -i -m 10 "$A/customers/5/orders" | head -1 | tr -d '\r')" \
    "HTTP/1.1 401 Unauthorized"
check_eq app_list_other_token_403 "$(raw -H "Authorization: Bearer $(token_of 6)" "$A/customers/5/orders")" 403
forged="5.$(printf '%016x' 12345)"
check_eq app_list_forged_token_401 "$(raw -H "Authorization: Bearer $forged" "$A/customers/5/orders")" 401
check_eq app_cancel_no_token_401 "$(raw -X POST -d '{"customer":3}' "$A/orders/$order/cancel")" 401
check_eq app_cancel_other_token_403 "$(raw -X POST -H "Authorization: Bearer $(token_of 4)" -d '{"customer":3}' "$A/orders/$order/cancel")" 403
check_eq app_purchase_other_token_403 "$(raw -X POST -H "Authorization: Bearer $(token_of 4)" -d '{"customer":3,"lines":[{"item":1,"qty":1}]}' "$A/orders")" 403

# errors
check_eq app_400_bad_json "$(req POST /login '{"customer":' | cut -c1-3)" 400
check_eq app_400_not_object "$(req POST /login '[1]')" '400 {"error":"request body must be a JSON object"}'
check_eq app_400_bad_customer "$(req POST /login '{"customer":"x"}' | cut -c1-3)" 400
check_eq app_400_no_lines "$(req POST /orders '{"customer":1,"lines":[]}' | cut -c1-3)" 400
check_eq app_400_bad_qty "$(req POST /orders '{"customer":1,"lines":[{"item":1,"qty":0}]}' | cut -c1-3)" 400
check_eq app_400_bad_category "$(req GET '/items?category=x' | cut -c1-3)" 400
check_eq app_404_customer "$(req POST /login '{"customer":999}')" '404 {"error":"no such customer"}'
check_eq app_404_item "$(req GET /items/999)" '404 {"error":"no such item","item":999}'
check_eq app_404_order_item "$(req POST /orders '{"customer":1,"lines":[{"item":999,"qty":1}]}')" '404 {"error":"no such item","item":999}'
check_eq app_404_path "$(req GET /nope | cut -c1-3)" 404
check_eq app_405 "$(req GET /login | cut -c1-3)" 405
psql "$conn" -X -q -c "UPDATE inventory SET qty = 5 WHERE item_id = 9; UPDATE customers SET credit_limit = 1 WHERE id = 2" >/dev/null 2>&1
check_eq app_409_stock "$(req POST /orders '{"customer":1,"lines":[{"item":8,"qty":1},{"item":9,"qty":6}]}')" '409 {"error":"insufficient stock","item":9}'
check_eq app_409_stock_rolled_back "$(req GET /items/8 | field 'd["stock"]')" 1000000
check_eq app_409_credit "$(req POST /orders '{"customer":2,"lines":[{"item":8,"qty":1}]}')" '409 {"error":"credit limit exceeded"}'
check_eq app_no_order_for_refused "$(psql "$conn" -X -A -t -c 'SELECT max(id) FROM orders' 2>&1)" 42

# pipelining: two requests in one write, answered in order
out=$(python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    c = s.recv(65536)
    if not c: break
    data += c
print(data.count(b"HTTP/1.1 200"), data.find(b'"id":1,') < data.find(b'"id":2,'))
PY
)
check_eq app_pipelining "$out" "2 True"

# db down: 503 with a JSON body; back up: the app reconnects by itself
kill -TERM "$PID_db"; wait "$PID_db" 2>/dev/null
check_eq app_503_db_down "$(req GET /items/1)" '503 {"error":"database unavailable"}'
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$dbport" --data "$TMP/d"
wait_port 127.0.0.1 "$dbport"
ok=0; for _ in $(seq 60); do case "$(req GET /items/1)" in 200*) ok=1; break ;; esac; sleep 0.1; done
check_eq app_reconnects "$ok" 1

# kill -9 of the db during a stream of purchases: every order answered 201
# is in the database after restart, with its lines.
python3 - "$port" "$TMP/committed" >"$TMP/stream.log" 2>&1 <<'PY' &
import http.client, json, sys, threading, time
port, out = int(sys.argv[1]), open(sys.argv[2], "w")
end = time.time() + 4
lock = threading.Lock()
def token(c, cust):
    c.request("POST", "/login", json.dumps({"customer": cust}), {"Content-Type": "application/json"})
    r = c.getresponse(); d = r.read()
    return json.loads(d)["token"] if r.status == 200 else ""
def client(n):
  while time.time() < end:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        cust = 1 + n % 40
        body = json.dumps({"customer": cust, "lines": [{"item": 1 + n % 400, "qty": 1 + n % 3}, {"item": 11, "qty": 2}]})
        c.request("POST", "/orders", body, {"Content-Type": "application/json",
                                            "Authorization": "Bearer " + token(c, cust)})
        r = c.getresponse(); d = r.read()
        if r.status == 201:
            o = json.loads(d)
            with lock: out.write("%d %d\n" % (o["order"], len(o["lines"]))); out.flush()
        c.close()
    except Exception as e:
        time.sleep(0.01)
    n += 4
ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
for t in ts: t.start()
for t in ts: t.join()
PY
stream=$!
sleep 1.2
kill -KILL "$PID_db"; wait "$PID_db" 2>/dev/null
sleep 0.3
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$dbport" --data "$TMP/d"
wait $stream
committed=$(wc -l <"$TMP/committed")
check app_stream_committed_some test "$committed" -gt 10
echo "committed $committed orders during the stream"
vals=$({ head -1500 "$TMP/committed"; tail -n +1501 "$TMP/committed" | tail -500; } |
       awk '{ printf "%s(%d,%d)", (NR > 1 ? "," : ""), $1, $2 }')
missing=$(psql "$conn" -X -A -t -q -c "CREATE TABLE chk (o INTEGER, n INTEGER); INSERT INTO chk VALUES $vals;
    SELECT count(*) FROM chk WHERE n <> (SELECT count(*) FROM order_lines WHERE order_id = chk.o)
    OR NOT EXISTS (SELECT 1 FROM orders WHERE id = chk.o)" 2>&1)
check_eq app_kill9_no_committed_order_lost "$missing" 0
check_eq app_after_kill9_works "$(req GET /items/1 | cut -c1-3)" 200
kill -TERM "$PID_app"; wait "$PID_app"; rc=$?
check_eq app_sigterm_exit0 "$rc" 0
