# tests/integ/nginx.sh — start a private nginx for HTTP client tests and
# benchmarks (sourced after lib.sh; not a test itself, so not executable).
#
#   nginx_start NAME DOCROOT PORT [HTTP_DIRECTIVES]
# writes $TMP/NAME/nginx.conf (one worker, no daemon, no master, logs in
# $TMP/NAME), starts it with spawn (killed at exit) and waits for the port.
# Returns 1 if nginx is not installed or does not come up.
nginx_start() {
    local name=$1 root=$2 port=$3 extra=${4:-} bin
    bin=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$bin" ] || return 1
    mkdir -p "$TMP/$name"
    cat >"$TMP/$name/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/$name/nginx.pid;
error_log $TMP/$name/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $TMP/$name;
    proxy_temp_path $TMP/$name;
    fastcgi_temp_path $TMP/$name;
    uwsgi_temp_path $TMP/$name;
    scgi_temp_path $TMP/$name;
    $extra
    server {
        listen 127.0.0.1:$port;
        root $root;
    }
}
CONF
    spawn "$name" "$bin" -c "$TMP/$name/nginx.conf" -p "$TMP/$name"
    wait_port 127.0.0.1 "$port"
}
