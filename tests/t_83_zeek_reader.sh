#!/usr/bin/env bash
# summary: `conns --format zeek` read back by a Zeek log reader from Debian: bro-cut (package
# bro-aux) finds every column by the name in the #fields header; the addresses, ports, packet
# counts, conn_state and history it extracts equal what `conns --json` says, and its -d turns
# every ts into the same calendar time as the JSON's epoch seconds.
set -uo pipefail
export TZ=UTC
BIN=${TCPLENS_BIN:?}
SHARED=${SHARED:-../shared}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

if ! "$BIN" conns --help >/dev/null 2>&1; then
    skip zeek-reader "this build has no conns command"
    exit 0
fi
for t in bro-cut jq; do
    command -v $t >/dev/null || { skip zeek-reader "$t is not installed (scripts/deps.sh)"; exit 0; }
done

cols="id.orig_h id.orig_p id.resp_h id.resp_p proto conn_state history orig_pkts resp_pkts orig_ip_bytes resp_ip_bytes"
for cap in "$SHARED"/seed/seed-baidu.pcap "$SHARED"/captures/ppp__four_ipv6_http_streams.pcap \
    "$SHARED"/captures/chrissanders__tcp_refuseconnection.pcapng "$SHARED"/captures/esnet__nmap_80_all.pcap \
    "$SHARED"/captures/zeek__get.pcap "$SHARED"/captures/chrissanders__tcp_retransmissions.pcapng; do
    name=zeek-reader:${cap##*/}
    [[ -f $cap ]] || { skip "$name" "missing"; continue; }
    "$BIN" conns "$cap" --format zeek >"$tmp/conn.log" 2>"$tmp/err"; rc=$?
    "$BIN" conns "$cap" --json >"$tmp/conns.json" 2>/dev/null
    if [[ $rc -ne 0 && $rc -ne 4 ]]; then
        fail "$name" "conns --format zeek exit $rc: $(head -1 "$tmp/err")"
        continue
    fi
    # shellcheck disable=SC2086
    got=$(bro-cut $cols <"$tmp/conn.log")
    want=$(jq -r '[.client.addr, .client.port, .server.addr, .server.port, "tcp", .conn_state,
                   (if .history == "" or .history == null then "-" else .history end),
                   .client.pkts, .server.pkts, .client.ip_bytes, .server.ip_bytes] | @tsv' "$tmp/conns.json")
    if [[ -z $want ]]; then
        fail "$name" "conns --json printed no connection"
    elif [[ $got != "$want" ]]; then
        fail "$name" "bro-cut and --json differ: $(diff <(echo "$want") <(echo "$got") | head -4 | tr '\n' '|')"
    else
        # ts through bro-cut -d (Zeek's time type) against the JSON's epoch seconds
        got=$(bro-cut -d ts <"$tmp/conn.log")
        want=$(jq -r '.ts | floor | strftime("%Y-%m-%dT%H:%M:%S+0000")' "$tmp/conns.json")
        [[ $got == "$want" ]] && pass "$name" || fail "$name" "ts: bro-cut -d says $(head -1 <<<"$got"), --json $(head -1 <<<"$want")"
    fi
done
