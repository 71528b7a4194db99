#!/usr/bin/env bash
# summary: what `make demo` runs: tcplens on its built-in default.
# With `visit` built in, the whole experiment against the built-in server on 127.0.0.1;
# otherwise the packet list of the loopback HTTP capture the project ships.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/tcplens
if "$BIN" visit --help >/dev/null 2>&1; then
    exec "$BIN" visit
fi
echo "\$ tcplens read examples/loopback-http.pcap"
"$BIN" read examples/loopback-http.pcap
