#!/usr/bin/env bash
# summary: the benchmark's traffic generator in small: bench/gen is deterministic, tshark reads
# what it writes without complaint and finds the hard cases in it (losses, retransmissions, dup
# ACKs, port reuse), and `tcplens read --json` agrees with tshark frame by frame on it; and
# bench/live.sh's plumbing in one short round (root): tcpdump and tcplens capture the same
# loopback traffic and both summaries are read into the table. No timing.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:?}
GEN=build/bench/gen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

if [[ ! -x $GEN ]]; then
    fail bench-gen "$GEN is not built (make builds it)"
    exit 0
fi

# 1. deterministic: the same seed gives the same bytes, another seed other bytes
"$GEN" -n 20000 -s 11 -o "$tmp/a.pcap" 2>"$tmp/a.info"
rc_a=$?
"$GEN" -n 20000 -s 11 -o "$tmp/b.pcap" -q 2>/dev/null
"$GEN" -n 20000 -s 12 -o "$tmp/c.pcap" -q 2>/dev/null
# a slow arrival rate spreads the packets over more time (idle connections, timeouts), and a
# proxy with few ephemeral ports reuses them within 20000 packets
"$GEN" -n 20000 -s 5 -r 1500 -p 300 -o "$tmp/slow.pcap" -q 2>/dev/null
rc_s=$?
if [[ $rc_a -ne 0 || $rc_s -ne 0 ]]; then
    fail bench-gen "generator exited $rc_a/$rc_s: $(tail -1 "$tmp/a.info")"
    exit 0
fi
packets=$(awk '$2 == "packets" {print $3}' "$tmp/a.info")
if [[ $packets != 20000 ]]; then
    fail bench-gen "summary says ${packets:-nothing} packets, 20000 were asked for"
elif ! cmp -s "$tmp/a.pcap" "$tmp/b.pcap"; then
    fail bench-gen "two runs with seed 11 wrote different files"
elif cmp -s "$tmp/a.pcap" "$tmp/c.pcap"; then
    fail bench-gen "seeds 11 and 12 wrote the same file"
else
    pass bench-gen
fi

# bench/live.sh: one pair-read round of 1 s (here, before the tshark checks, which may end early)
t=bench-live
if [[ $(id -u) -ne 0 ]]; then skip $t "capturing needs root"
elif ! command -v ab >/dev/null || [[ ! -x /usr/bin/time ]]; then skip $t "ab or GNU time missing (scripts/deps.sh bench)"
elif ! command -v tcpdump >/dev/null; then skip $t "tcpdump is not installed"
else
    BENCH_DIR=$tmp/live BENCH_LIVE_SECS=1 BENCH_LIVE_LOADS=16k BENCH_LIVE_ROUNDS='pair-read$' \
        TCPLENS_BIN=$BIN bash bench/live.sh >"$tmp/live.out" 2>"$tmp/live.err"
    lrc=$?
    res=$tmp/live/live-results.txt
    # round, ab req/s, tool, captured, received, dropped, CPU s (tab-separated)
    bad=$(awk -F'\t' '$4 !~ /^[0-9]+$/ || $5 !~ /^[0-9]+$/ || $6 !~ /^[0-9]+$/ || $7 !~ /^[0-9.]+$/ || $4 == 0 || $4 > $5 {print; exit}' "$res" 2>/dev/null)
    tools=$(cut -f3 "$res" 2>/dev/null | sort | tr '\n' ',')
    recvs=$(cut -f5 "$res" 2>/dev/null | sort -u | wc -l)
    if [[ $lrc -ne 0 ]]; then fail $t "live.sh exited $lrc: $(tail -1 "$tmp/live.err")"
    elif [[ $tools != "tcpdump -w,tcplens read -w," ]]; then fail $t "want a row each for tcpdump -w and tcplens read -w, got '$tools'"; tail -3 "$tmp/live.err"
    elif [[ -n $bad ]]; then fail $t "a row without its counters: $bad"
    elif [[ $recvs -ne 1 ]]; then fail $t "the two tools of one round report different 'received': $(cut -f3,5 "$res" | tr '\n\t' '; ')"
    elif ! grep -q "tcplens read -w" "$tmp/live.out"; then fail $t "no table printed"
    else pass "$t ($(cut -f5 "$res" | head -1) received by each)"; fi
fi

if ! command -v tshark >/dev/null; then
    skip bench-tshark "tshark is not installed (scripts/deps.sh installs it)"
    skip bench-oracle "tshark is not installed"
    exit 0
fi
export WIRESHARK_CONFIG_DIR=$tmp/wsconf
mkdir -p "$WIRESHARK_CONFIG_DIR"

# 2. tshark reads both cleanly, counts every packet, and sees what the generator says it made
ts_fields() { # CAPTURE OUT: tshark's analysis fields; rc and errs say how it went
    tshark -n -r "$1" -T fields -e frame.number -e tcp.stream -e tcp.analysis.flags \
        -e tcp.analysis.retransmission -e tcp.analysis.duplicate_ack \
        -e tcp.analysis.lost_segment -e tcp.analysis.reused_ports >"$2" 2>"$2.err"
    rc=$?
    errs=$(grep -v 'Running as user "root"' "$2.err" | head -1)
    frames=$(wc -l <"$2")
}
ts_fields "$tmp/slow.pcap" "$tmp/ts-slow.txt"
rc_slow=$rc errs_slow=$errs frames_slow=$frames
ts_fields "$tmp/a.pcap" "$tmp/ts.txt"
if [[ $rc -ne 0 || -n $errs || $rc_slow -ne 0 || -n $errs_slow ]]; then
    fail bench-tshark "tshark exited $rc/$rc_slow: $errs$errs_slow"
elif [[ $frames -ne 20000 || $frames_slow -ne 20000 ]]; then
    fail bench-tshark "tshark saw $frames and $frames_slow frames, the generator wrote 20000 each"
else
    count() { awk -F'\t' -v c="$1" '$c != "" {n++} END {print n+0}' "${2:-$tmp/ts.txt}"; }
    retx=$(count 4) dup=$(count 5) lost=$(count 6) reused=$(count 7 "$tmp/ts-slow.txt")
    streams=$(awk -F'\t' '$2 != "" {s[$2]=1} END {print length(s)}' "$tmp/ts.txt")
    conns=$(awk '$2 == "connections" {print $3}' "$tmp/a.info")
    gen_dup=$(awk '$2 == "dup_acks" {print $3}' "$tmp/a.info")
    if ((retx == 0 || dup == 0 || lost == 0 || reused == 0)); then
        fail bench-tshark "missing hard cases: retransmission $retx, dup ACK $dup, lost $lost, reused ports $reused"
    elif ((streams < conns)); then
        fail bench-tshark "tshark found $streams streams, the generator opened $conns connections"
    elif ((dup < gen_dup)); then
        fail bench-tshark "tshark flags $dup dup ACKs, the generator sent $gen_dup"
    else
        pass bench-tshark
    fi
fi

# 3. tcplens agrees with tshark on every frame of both captures
if python3 tests/oracle/compare.py --tcplens "$BIN" --known tests/oracle/known-differences.tsv \
    -j 2 "$tmp/a.pcap" "$tmp/slow.pcap" >"$tmp/cmp.out" 2>&1; then
    pass bench-oracle
else
    fail bench-oracle "$(grep -m1 '^FAIL' "$tmp/cmp.out" || tail -1 "$tmp/cmp.out")"
    grep -v '^PASS' "$tmp/cmp.out" | head -20
fi
exit 0
