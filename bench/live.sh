#!/usr/bin/env bash
# summary: `make bench`, live part: does tcplens keep up with loopback HTTP under ab load where tcpdump -w does?
#
# A python3 http.server on 127.0.0.1 (bench/lib.sh) is loaded by `ab` for BENCH_LIVE_SECS seconds
# (default 4) per round, with each load of BENCH_LIVE_LOADS (default "16 64 16k 64k": ab -c 16
# and -c 64, one request per connection, and the same with keep-alive, -k). Per load, rounds:
#   pair-read    tcpdump -w and `tcplens read -w` (packet list with analysis to /dev/null, and the
#                packets to a file) capturing the same traffic at the same time
#   pair-conns   tcpdump -w and `tcplens conns` (connection table) at the same time
#   alone        tcpdump -w; tcplens read -w; tcplens conns: one capturer per round, since two
#                capturers compete for the CPU with ab and the server
#   pair-read nice, pair-conns nice   the pairs again with both capturers at nice 19: they run
#                only when ab and the server leave the CPU, and the kernel buffer holds the rest
# Every capturer runs with the filter 'tcp port PORT', is stopped with SIGINT after the load
# (+0.5 s), and reports the kernel's counters (pcap_stats) the way tcpdump does on exit: N packets
# captured, N received by filter, N dropped by kernel (and by interface, if any); CPU seconds are
# GNU time's user + system of the capturer. On loopback the kernel counts every packet twice in
# "received" (the outgoing and the incoming copy; libpcap drops the outgoing one), so "captured"
# is about half of "received" when nothing is dropped.
# Output: a table (round, ab requests/s, tool, captured, received, dropped, drop %, CPU s), also in
# build/bench/live-results.txt. Needs root, ab, tcpdump, python3. No timing is asserted.
# Knobs: BENCH_LIVE_SECS, BENCH_LIVE_LOADS, BENCH_LIVE_ROUNDS="regex" (round names that match,
# e.g. 'pair'), TCPLENS_BIN (e.g. an older build, to compare), BENCH_DIR (instead of build/bench).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${BENCH_DIR:-$ROOT/build/bench}
BIN=${TCPLENS_BIN:-$ROOT/build/tcplens}
SECS=${BENCH_LIVE_SECS:-4}
LOADS=${BENCH_LIVE_LOADS:-16 64 16k 64k}
ROUNDS=${BENCH_LIVE_ROUNDS:-}
TIME=/usr/bin/time
RES=$DIR/live-results.txt
mkdir -p "$DIR"
export LC_ALL=C
. bench/lib.sh

note() { echo "bench: $*" >&2; }
if [[ $(id -u) -ne 0 ]]; then note "live capture skipped: capturing needs root"; exit 0; fi
for t in ab tcpdump python3 "$TIME" "$BIN"; do
    command -v "$t" >/dev/null || { note "live capture skipped: $t missing (scripts/deps.sh bench)"; exit 0; }
done

CAP_PIDS=() # GNU time's pids of the running capturers
NICE=0      # the capturers' niceness in the current round
cleanup() {
    local f
    for f in "$DIR"/live-*.pid; do
        [[ -s $f ]] && kill -INT "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
    http_server_stop
    rm -f "$DIR"/live-*.pcap
}
trap cleanup EXIT

# cap_start NAME CMD...: start a capturer under GNU time, wait until it listens
cap_start() {
    local name=$1 f=$DIR/live-$1 i
    shift
    rm -f "$f.pid" "$f.err" "$f.time"
    # the shell writes its pid and becomes the capturer, so SIGINT reaches the capturer itself
    # (GNU time ignores SIGINT while it waits)
    "$TIME" -f '%U %S' -o "$f.time" nice -n "$NICE" bash -c 'echo $$ >"$0"; exec "$@"' "$f.pid" "$@" \
        >/dev/null 2>"$f.err" &
    CAP_PIDS+=($!)
    for ((i = 0; i < 100; i++)); do
        grep -q "listening on" "$f.err" 2>/dev/null && return 0
        sleep 0.05
    done
    note "$name did not start: $(head -1 "$f.err")"
    return 1
}

# cap_stop_all: SIGINT every capturer, wait for them (10 s, then SIGKILL)
cap_stop_all() {
    local f p i left cpids=()
    for f in "$DIR"/live-*.pid; do
        [[ -s $f ]] && cpids+=("$(cat "$f")")
    done
    ((${#cpids[@]})) && kill -INT "${cpids[@]}" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        left=
        for p in "${CAP_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
        [[ -z $left ]] && break
        sleep 0.1
    done
    if [[ -n $left ]]; then
        note "a capturer did not stop on SIGINT: killed"
        kill -KILL "${cpids[@]}" 2>/dev/null
    fi
    for p in "${CAP_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    CAP_PIDS=()
    rm -f "$DIR"/live-*.pid
}

# cap_row ROUND REQS NAME LABEL: one result line from the capturer's summary and CPU time
cap_row() {
    local round=$1 reqs=$2 f=$DIR/live-$3 label=$4 c r d i cpu
    num() { sed -n "s/^\([0-9][0-9]*\) packets\{0,1\} $1\$/\1/p" "$f.err" | tail -1; }
    c=$(num captured); r=$(num "received by filter"); d=$(num "dropped by kernel")
    i=$(num "dropped by interface")
    cpu=$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ {printf "%.2f", $1 + $2}' "$f.time" 2>/dev/null | tail -1)
    [[ -n $d ]] && d=$((d + ${i:-0}))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "${reqs:-?}" "$label" "${c:-?}" "${r:-?}" \
        "${d:-?}" "${cpu:-?}" >>"$RES"
}

# load SPEC: ab against the server for SECS seconds; prints its requests/s
load() {
    local spec=$1 c=${1%k} k=
    [[ $spec == *k ]] && k=-k
    ab -q -r -t "$SECS" -n 100000000 -c "$c" $k "http://127.0.0.1:$HTTP_PORT/page.html" \
        >"$DIR/live-ab.log" 2>&1
    awk '/^Requests per second/ {printf "%.0f", $4}' "$DIR/live-ab.log"
}

TD=(tcpdump -i lo -w "$DIR/live-td.pcap")
TLR=("$BIN" read -i lo -w "$DIR/live-tl.pcap")
TLC=("$BIN" conns -i lo)

# round NAME LOAD TOOL...: TOOL is td, tlr or tlc
round() {
    local name=$1 spec=$2 t reqs ok=1
    shift 2
    [[ -n $ROUNDS && ! $name =~ $ROUNDS ]] && return 0
    local filter="tcp port $HTTP_PORT"
    for t in "$@"; do
        case $t in
            td) cap_start td "${TD[@]}" "$filter" || ok= ;;
            tlr) cap_start tlr "${TLR[@]}" "$filter" || ok= ;;
            tlc) cap_start tlc "${TLC[@]}" "$filter" || ok= ;;
        esac
    done
    if [[ -z $ok ]]; then cap_stop_all; return 1; fi
    note "round $name: ab -c ${spec%k}$([[ $spec == *k ]] && echo " -k") for $SECS s, capturing with: $* (nice $NICE)"
    reqs=$(load "$spec")
    sleep 0.5 # the last segments reach the capturers
    cap_stop_all
    for t in "$@"; do
        case $t in
            td) cap_row "$name" "$reqs" td "tcpdump -w" ;;
            tlr) cap_row "$name" "$reqs" tlr "tcplens read -w" ;;
            tlc) cap_row "$name" "$reqs" tlc "tcplens conns" ;;
        esac
    done
    rm -f "$DIR"/live-*.pcap
}

http_server_start || exit 1
: >"$RES"
for spec in $LOADS; do
    round "c$spec pair-read" "$spec" td tlr
    round "c$spec pair-conns" "$spec" td tlc
    round "c$spec alone" "$spec" td
    round "c$spec alone" "$spec" tlr
    round "c$spec alone" "$spec" tlc
    # both capturers at nice 19: they get the CPU only when ab and the server leave some, so
    # the kernel buffer has to hold what arrives meanwhile
    NICE=19
    round "c$spec pair-read nice" "$spec" td tlr
    round "c$spec pair-conns nice" "$spec" td tlc
    NICE=0
done
http_server_stop

echo
echo "live capture on lo under ab load: python3 http.server on 127.0.0.1, ab -c N [-k] for $SECS s a round"
echo "machine: $(nproc) cores; $("$BIN" --version | head -1); $(tcpdump --version 2>&1 | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "counters: the kernel's (pcap_stats) as each tool prints them on SIGINT; on lo \"received\" counts"
echo "each packet twice (outgoing and incoming copy), so drop % = dropped / received; CPU: user + system s"
awk -F'\t' '
    BEGIN { printf "  %-22s %8s  %-16s %9s %9s %8s %7s %6s\n", "round", "ab req/s", "tool", "captured", "received", "dropped", "drop %", "CPU s" }
    {
        pct = ($5 ~ /^[0-9]+$/ && $5 > 0) ? sprintf("%.2f", 100 * $6 / $5) : "?"
        printf "  %-22s %8s  %-16s %9s %9s %8s %7s %6s\n", $1, $2, $3, $4, $5, $6, pct, $7
    }' "$RES"
