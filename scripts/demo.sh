#!/usr/bin/env bash
# summary: what `make demo` runs: tcplens on its built-in default.
# With `visit` built in, the whole experiment against the built-in server on 127.0.0.1 (capturing
# needs root or the capabilities; without them, says so and falls back); otherwise, or then, the
# packet list of the loopback HTTP capture the project ships.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=build/tcplens
if "$BIN" visit --help >/dev/null 2>&1; then
    echo "\$ tcplens visit"
    "$BIN" visit
    rc=$?
    [[ $rc -ne 5 ]] && exit $rc
    echo "(tcplens visit needs to capture: run 'sudo make demo', or give build/tcplens the" \
        "capabilities with 'sudo setcap cap_net_raw,cap_net_admin=eip build/tcplens'." \
        "Meanwhile, a capture of the same experiment:)"
    echo
fi
echo "\$ tcplens read examples/loopback-http.pcap"
exec "$BIN" read examples/loopback-http.pcap
