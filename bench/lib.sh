# summary: what bench/run.sh and bench/live.sh share: a local HTTP server on 127.0.0.1 to load.
# Sourced, not run. http_server_start sets HTTP_PORT, HTTP_PID and HTTP_WWW (a temporary
# directory with page.html, 4000 bytes: a few segments per response on loopback, and
# small.html, 700 bytes); http_server_stop ends the server and removes the directory (safe to
# call twice, and from an EXIT trap).

# python3's http.server with threads, speaking HTTP/1.1 so that `ab -k` keeps connections open,
# quiet, with a listen queue deep enough for ab -c 64
HTTP_SERVER_PY='import functools, http.server as h, sys
class H(h.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def end_headers(self):
        if not self.close_connection: self.send_header("Connection", "keep-alive")
        super().end_headers()
h.ThreadingHTTPServer.request_queue_size = 256
s = h.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), functools.partial(H, directory=sys.argv[2]))
s.serve_forever()'

http_server_start() {
    local i
    HTTP_WWW=$(mktemp -d)
    python3 -c 'import sys; sys.stdout.write(("tcplens benchmark page " * 200)[:4000])' >"$HTTP_WWW/page.html"
    head -c 700 "$HTTP_WWW/page.html" >"$HTTP_WWW/small.html"
    HTTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    python3 -c "$HTTP_SERVER_PY" "$HTTP_PORT" "$HTTP_WWW" >/dev/null 2>&1 &
    HTTP_PID=$!
    for ((i = 0; i < 50; i++)); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$HTTP_PORT),1).close()" 2>/dev/null &&
            return 0
        sleep 0.1
    done
    echo "bench: the HTTP server on 127.0.0.1:$HTTP_PORT did not start" >&2
    http_server_stop
    return 1
}

http_server_stop() {
    if [[ -n ${HTTP_PID:-} ]]; then
        kill "$HTTP_PID" 2>/dev/null
        wait "$HTTP_PID" 2>/dev/null
        HTTP_PID=
    fi
    if [[ -n ${HTTP_WWW:-} ]]; then
        rm -rf "$HTTP_WWW"
        HTTP_WWW=
    fi
}
