#!/usr/bin/env bash
# The app gives identical responses against the built-in db and against a
# real PostgreSQL loaded with the same data (hostmix prepare db --sql).
. "$(dirname "$0")/lib.sh"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pgbin" ] || ! id postgres >/dev/null 2>&1; then
    skip_all app_pg "PostgreSQL server not installed (scripts/deps.sh test)"
fi
pgport=$(free_port); dbport=$(free_port); a1=$(free_port); a2=$(free_port)
chmod 755 "$TMP"
mkdir "$TMP/pg" && chown postgres "$TMP/pg"
pg_stop() { runuser -u postgres -- "$pgbin/pg_ctl" -D "$TMP/pg/data" -m immediate stop >/dev/null 2>&1; }
trap 'pg_stop; _cleanup; exit $_failed' EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$TMP/pg/data" -A trust -U hostmix --no-sync >"$TMP/initdb.log" 2>&1
check app_pg_initdb test $? -eq 0
runuser -u postgres -- "$pgbin/pg_ctl" -D "$TMP/pg/data" -w -t 30 -l "$TMP/pg/log" \
    -o "-c listen_addresses=127.0.0.1 -p $pgport -k $TMP/pg -c fsync=off -c full_page_writes=off" start >/dev/null 2>&1
check app_pg_started test $? -eq 0
pg="host=127.0.0.1 port=$pgport user=hostmix"
psql "$pg dbname=postgres" -X -q -c 'CREATE DATABASE orders' >/dev/null 2>&1
"$HOSTMIX" prepare db --sql --customers 30 --items 450 --seed 7 | psql "$pg dbname=orders" -X -q -v ON_ERROR_STOP=1 >"$TMP/load.log" 2>&1
check app_pg_loaded test "${PIPESTATUS[1]}" -eq 0
"$HOSTMIX" prepare db --data "$TMP/d" --customers 30 --items 450 --seed 7 >/dev/null 2>&1
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$dbport" --data "$TMP/d"
wait_port 127.0.0.1 "$dbport"
spawn app1 "$HOSTMIX" serve app --listen "127.0.0.1:$a1" --pool 2 --db "host=127.0.0.1 port=$dbport dbname=orders user=hostmix"
spawn app2 "$HOSTMIX" serve app --listen "127.0.0.1:$a2" --pool 2 --db "$pg dbname=orders"
wait_port 127.0.0.1 "$a1"; wait_port 127.0.0.1 "$a2"
# The same request script against both; one line per response.
script() {
    python3 - "$1" <<'PY'
import http.client, json, sys, time
port = int(sys.argv[1])
tokens = {}
def customer_of(path, body):
    if path.startswith("/customers/"): return int(path.split("/")[2])
    if isinstance(body, dict) and path != "/login": return body.get("customer")
    return None
def req(method, path, body=None):
    """Answers "STATUS BODY"; acting for a customer, with its session token
    (tokens differ between the two servers, so the answer omits it)."""
    cust = customer_of(path, body)
    if cust is not None and cust not in tokens:
        r = req("POST", "/login", {"customer": cust})
        tokens[cust] = tokens.pop("last", "")
    for _ in range(50):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            h = {"Content-Type": "application/json"}
            if cust is not None: h["Authorization"] = "Bearer " + tokens[cust]
            c.request(method, path, body if body is None or isinstance(body, str) else json.dumps(body), h)
            r = c.getresponse()
            d = r.read().decode()
            c.close()
            if path == "/login" and r.status == 200:
                j = json.loads(d)
                tokens["last"] = j.pop("token")
                d = json.dumps(j, separators=(",", ":"))
            if r.status != 503: return "%d %s" % (r.status, d)
        except OSError:
            pass
        time.sleep(0.1)
    return "503"
out = []
for c in (1, 7, 30, 31):
    out.append(req("POST", "/login", {"customer": c}))
for cat, page in ((1, 1), (1, 2), (2, 1), (3, 5), (3, 20), (9, 1)):
    out.append(req("GET", "/items?category=%d&page=%d" % (cat, page)))
for i in (1, 200, 450, 451):
    out.append(req("GET", "/items/%d" % i))
orders = []
for n in range(12):
    lines = [{"item": 1 + (n * 37 + k * 11) % 450, "qty": (150 if n % 5 == 0 else 10 + n) + k} for k in range(1 + n % 5)]
    r = req("POST", "/orders", {"customer": 1 + n % 30, "lines": lines, "defer": n % 2 == 0})
    out.append(r)
    if r.startswith("201"): orders.append((json.loads(r[4:])["order"], 1 + n % 30))
for o, c in orders[:4]:
    out.append(req("POST", "/orders/%d/cancel" % o, {"customer": c}))
    out.append(req("POST", "/orders/%d/cancel" % o, {"customer": c}))
out.append(req("POST", "/orders/99999/cancel", {"customer": 1}))
for c in (1, 2, 3, 13):
    out.append(req("GET", "/customers/%d/orders" % c))
    out.append(req("GET", "/customers/%d/orders?status=open" % c))
    out.append(req("POST", "/login", {"customer": c}))
out.append(req("POST", "/orders", {"customer": 1, "lines": [{"item": 3, "qty": 1000}, {"item": 999, "qty": 1}]}))
out.append(req("POST", "/orders", '{"customer": 1, "lines": [}'))
for i in (1, 2, 3, 38, 75):
    out.append(req("GET", "/items/%d" % i))
print("\n".join(out))
PY
}
script "$a1" >"$TMP/builtin.out"
script "$a2" >"$TMP/pg.out"
check_eq app_pg_all_answered "$(grep -c '^[0-9][0-9][0-9] ' "$TMP/pg.out")" "$(wc -l <"$TMP/builtin.out")"
check app_pg_some_orders grep -q '^201 ' "$TMP/pg.out"
if cmp -s "$TMP/builtin.out" "$TMP/pg.out"; then ok app_pg_identical_responses
else fail app_pg_identical_responses "$(diff "$TMP/builtin.out" "$TMP/pg.out" | head -5)"; fi
echo "$(wc -l <"$TMP/builtin.out") responses compared"
