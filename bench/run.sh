#!/usr/bin/env bash
# summary: `make bench`: speed and peak memory of tcplens next to cat, tcpdump and tshark, in one run.
#
# Captures (all under build/bench/, never committed):
#   gen-1m.pcap    bench/gen, 1M packets (BENCH_N changes the count), made once and reused
#   gen-10m.pcap   10M packets, only with BENCH_BIG=1 (about 4 GB)
#   real.pcap      real kernel TCP recorded on loopback in this run: python3's http.server
#                  on 127.0.0.1 under `ab` load (half the requests one per connection, half
#                  with keep-alive) (BENCH_REAL_REQS requests, default 40000),
#                  captured by tcpdump; needs root (capture) and ab (scripts/deps.sh bench)
# Jobs on each capture, output to /dev/null as the same sink for all:
#   cat, tcpdump -nn -r, tshark -q -z conv,tcp, tshark -T fields with tcp.analysis.flags
#   (skipped on the 10M file unless BENCH_TSHARK_FIELDS=1), tcplens read, tcplens read --json,
#   tcplens conns (when the binary has that command), and conns forced to one and two threads.
# Each job runs BENCH_REPEAT times (default 1) after the file was read once into the page
# cache; the fastest wall time and the largest peak RSS are kept (GNU time: %e %M).
# Output: a table per capture with wall time, packets/s, MB/s, peak RSS and the ratio of the
# wall time to tcpdump's and to tshark's connection table, then the 1M -> 10M growth when both
# ran. No timing is asserted anywhere: the numbers are for reading.
#
# Then bench/live.sh: kernel drops and CPU of tcplens and tcpdump -w capturing loopback HTTP under
# ab load, side by side and alone (BENCH_LIVE=0 skips it; its own knobs are in that file).
#
# With BENCH_COLD=1 (root): cat, tcplens conns and tcplens read once more on each capture with the
# page cache dropped before every run (sync; echo 3 >/proc/sys/vm/drop_caches), i.e. read from
# the disk: the time it takes to read the file when it was not read just before.
# Knobs: BENCH_N, BENCH_BIG=1, BENCH_COLD=1, BENCH_TSHARK_FIELDS=1, BENCH_REAL_REQS, BENCH_REAL=0 (no
# recording), BENCH_REPEAT, BENCH_ONLY="regex" (jobs whose name matches), BENCH_LIVE=0,
# TCPLENS_BIN.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=$ROOT/build/bench
BIN=${TCPLENS_BIN:-$ROOT/build/tcplens}
GEN=$ROOT/build/bench/gen
N=${BENCH_N:-1000000}
REPEAT=${BENCH_REPEAT:-1}
REAL_REQS=${BENCH_REAL_REQS:-40000}
ONLY=${BENCH_ONLY:-}
TIME=/usr/bin/time
mkdir -p "$DIR"
export LC_ALL=C
. bench/lib.sh
# tshark with an empty private configuration, so personal preferences cannot change its work
TSHARK_CONF=$(mktemp -d)
export WIRESHARK_CONFIG_DIR=$TSHARK_CONF
cleanup() {
    rm -rf "$TSHARK_CONF"
    [[ -n ${DUMP_PID:-} ]] && kill "$DUMP_PID" 2>/dev/null
    http_server_stop
}
trap cleanup EXIT

note() { echo "bench: $*" >&2; }
for t in "$BIN" "$GEN" "$TIME"; do
    [[ -x $t ]] || { note "missing $t (run make bench, which builds it and installs time)"; exit 1; }
done

label_of() { # count -> "1m", "10m", "20k", "1234"
    local n=$1
    if ((n % 1000000 == 0)); then echo "$((n / 1000000))m"
    elif ((n % 1000 == 0)); then echo "$((n / 1000))k"
    else echo "$n"; fi
}

# gen COUNT: make build/bench/gen-LABEL.pcap unless it is already there from the same generator
gen_capture() {
    local n=$1 f stamp
    f=$DIR/gen-$(label_of "$n").pcap
    stamp="$(sha1sum "$GEN" | cut -c1-16) $n"
    if [[ -f $f && -f $f.info && $(head -1 "$f.info") == "$stamp" ]]; then
        echo "$f"; return 0
    fi
    note "generating $(basename "$f") ($n packets)"
    rm -f "$f" "$f.info"
    if ! "$GEN" -n "$n" -o "$f" 2>"$f.log"; then
        note "generator failed: $(tail -1 "$f.log")"; return 1
    fi
    { echo "$stamp"; cat "$f.log"; } >"$f.info"
    echo "$f"
}

# record_real: a real loopback capture (kernel TCP) under ab load
record_real() {
    local f=$DIR/real.pcap port i
    if [[ $(id -u) -ne 0 ]]; then note "real capture skipped: capturing needs root"; return 1; fi
    for t in ab tcpdump python3; do
        command -v $t >/dev/null || { note "real capture skipped: $t missing (scripts/deps.sh bench)"; return 1; }
    done
    http_server_start || return 1
    port=$HTTP_PORT
    rm -f "$f"
    tcpdump -i lo -s 0 -U -w "$f" "tcp port $port" 2>"$DIR/real.tcpdump.log" &
    DUMP_PID=$!
    for ((i = 0; i < 50; i++)); do
        grep -q listening "$DIR/real.tcpdump.log" 2>/dev/null && break
        sleep 0.1
    done
    note "recording real.pcap: ab -n $REAL_REQS -c 16 against python3 http.server on 127.0.0.1:$port"
    ab -q -r -n $((REAL_REQS / 2)) -c 16 "http://127.0.0.1:$port/page.html" >"$DIR/real.ab.log" 2>&1
    ab -q -r -n $((REAL_REQS / 2)) -c 16 -k "http://127.0.0.1:$port/small.html" >>"$DIR/real.ab.log" 2>&1
    sleep 0.5
    kill -INT "$DUMP_PID"; wait "$DUMP_PID" 2>/dev/null; DUMP_PID=
    http_server_stop
    local drops
    drops=$(grep -o '[0-9]* packets dropped by kernel' "$DIR/real.tcpdump.log")
    note "real.pcap: $(grep -o '[0-9]* packets captured' "$DIR/real.tcpdump.log"), ${drops:-? dropped}"
    [[ -s $f ]] || { note "real capture is empty"; return 1; }
    echo "$f"
}

packets_of() { capinfos -c -M "$1" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}'; }

have_conns() { "$BIN" conns --help >/dev/null 2>&1; }

# measure FILE JOBNAME CMD...: prints "JOBNAME wall rss_kib cpu" (best wall of REPEAT with its
# user+system CPU seconds, max RSS)
measure() {
    local f=$1 job=$2 best= rss=0 cpu= i out rc w m u s
    shift 2
    [[ -n $ONLY && ! $job =~ $ONLY ]] && return 0
    for ((i = 0; i < REPEAT; i++)); do
        out=$(mktemp)
        [[ ${COLD:-0} == 1 ]] && { sync; echo 3 >/proc/sys/vm/drop_caches; }
        "$TIME" -f '%e %M %U %S' -o "$out" "$@" >/dev/null 2>"$DIR/last.err"
        rc=$?
        # tcpdump and tshark exit 0; tcplens 0 (4 would mean a damaged file)
        if [[ $rc -ne 0 ]]; then
            note "$job on $(basename "$f") exited $rc: $(grep -v '^Command exited' "$DIR/last.err" | tail -1)"
        fi
        read -r w m u s < <(tail -1 "$out")
        rm -f "$out"
        if [[ -z $best ]] || awk -v a="$w" -v b="$best" 'BEGIN{exit !(a<b)}'; then
            best=$w
            cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
        fi
        ((m > rss)) && rss=$m
    done
    echo "$job $best $rss $cpu"
}

TSHARK_FIELDS=(-T fields -e frame.number -e tcp.stream -e tcp.seq -e tcp.ack -e tcp.analysis.flags)

run_file() { # FILE LABEL BIG(0/1) -> results in $DIR/results-LABEL.txt
    local f=$1 label=$2 big=$3 res=$DIR/results-$2.txt
    : >"$res"
    rm -f "$DIR/results-$2-cold.txt"
    cat "$f" >/dev/null # into the page cache: every job reads from memory
    measure "$f" cat cat "$f" >>"$res"
    measure "$f" tcpdump tcpdump -nn -r "$f" >>"$res"
    measure "$f" tshark-conv tshark -n -q -z conv,tcp -r "$f" >>"$res"
    if [[ $big == 0 || ${BENCH_TSHARK_FIELDS:-0} == 1 ]]; then
        measure "$f" tshark-fields tshark -n -r "$f" "${TSHARK_FIELDS[@]}" >>"$res"
    else
        note "tshark -T fields skipped on $(basename "$f") (BENCH_TSHARK_FIELDS=1 runs it)"
    fi
    measure "$f" tcplens-read "$BIN" read "$f" >>"$res"
    measure "$f" tcplens-json "$BIN" read --json "$f" >>"$res"
    if have_conns; then
        measure "$f" tcplens-conns "$BIN" conns "$f" >>"$res"
        # one thread and two whatever the machine has (the default picks by CPU count)
        measure "$f" tcplens-conns-1t env TCPLENS_THREADS=1 "$BIN" conns "$f" >>"$res"
        measure "$f" tcplens-conns-2t env TCPLENS_THREADS=2 "$BIN" conns "$f" >>"$res"
    fi
}

run_cold() { # FILE LABEL -> $DIR/results-LABEL-cold.txt
    local f=$1 res=$DIR/results-$2-cold.txt
    : >"$res"
    COLD=1 measure "$f" cat cat "$f" >>"$res"
    COLD=1 measure "$f" tcplens-conns "$BIN" conns "$f" >>"$res"
    COLD=1 measure "$f" tcplens-read "$BIN" read "$f" >>"$res"
}

print_cold() { # FILE LABEL
    local res=$DIR/results-$2-cold.txt
    [[ -s $res ]] || return 0
    echo
    echo "$(basename "$1") read from the disk (page cache dropped before each run):"
    awk '{ W[$1]=$2; printf "  %-15s %8.2f s %7.2f cpu s %10.1f MiB\n", $1, $2, $4, $3/1024 }
         END { if (W["cat"] > 0) printf "  conns %.1fx, read %.1fx the time of cat\n", W["tcplens-conns"]/W["cat"], W["tcplens-read"]/W["cat"] }' "$res"
}

print_table() { # FILE LABEL
    local f=$1 label=$2 res=$DIR/results-$2.txt pk bytes
    pk=$(packets_of "$f")
    bytes=$(stat -c %s "$f")
    echo
    printf '%s: %s packets, %.1f MB\n' "$(basename "$f")" "$pk" "$(awk -v b="$bytes" 'BEGIN{print b/1e6}')"
    awk -v pk="$pk" -v bytes="$bytes" '
        { job[NR]=$1; wall[NR]=$2; rss[NR]=$3; cpu[NR]=$4; if ($1=="tcpdump") td=$2; if ($1=="tshark-conv") tc=$2 }
        END {
            printf "  %-15s %8s %7s %12s %9s %10s %10s %12s\n", "job", "wall s", "cpu s", "packets/s", "MB/s", "peak MiB", "vs tcpdump", "vs tshark-conv"
            for (i = 1; i <= NR; i++) {
                w = wall[i] > 0 ? wall[i] : 0.005   # GNU time has 10 ms resolution
                printf "  %-15s %8.2f %7.2f %12.0f %9.0f %10.1f", job[i], wall[i], cpu[i], pk / w, bytes / 1e6 / w, rss[i] / 1024
                printf " %9.2fx", td ? w / (td > 0 ? td : 0.005) : 0
                printf " %13.3fx\n", tc ? w / (tc > 0 ? tc : 0.005) : 0
                W[job[i]] = w; M[job[i]] = rss[i] / 1024
            }
            # the targets of the speed work, from this run
            if (("tcplens-conns" in W) && ("tshark-conv" in W) && ("cat" in W))
                printf "  targets: conns %.1fx faster than tshark conv (20x), %.1fx the time of cat (3x), %.0f MiB (64);", W["tshark-conv"] / W["tcplens-conns"], W["tcplens-conns"] / W["cat"], M["tcplens-conns"]
            if (("tcplens-read" in W) && ("tcpdump" in W))
                printf " read %.2fx tcpdump (1x), --json %.2fx (2x)", W["tcplens-read"] / W["tcpdump"], W["tcplens-json"] / W["tcpdump"]
            print ""
        }' "$res"
}

files=() labels=() bigs=()
f=$(gen_capture "$N") || exit 1
files+=("$f"); labels+=("$(label_of "$N")"); bigs+=(0)
if [[ ${BENCH_BIG:-0} == 1 ]]; then
    f=$(gen_capture $((N * 10))) || exit 1
    files+=("$f"); labels+=("$(label_of $((N * 10)))"); bigs+=(1)
fi
if [[ ${BENCH_REAL:-1} == 1 ]]; then
    if f=$(record_real); then files+=("$f"); labels+=(real); bigs+=(0); fi
fi
have_conns || note "tcplens conns skipped: this tcplens has no conns command yet"

for i in "${!files[@]}"; do
    note "running the jobs on $(basename "${files[$i]}")"
    run_file "${files[$i]}" "${labels[$i]}" "${bigs[$i]}"
    if [[ ${BENCH_COLD:-0} == 1 ]]; then
        if [[ $(id -u) -eq 0 && -w /proc/sys/vm/drop_caches ]]; then
            run_cold "${files[$i]}" "${labels[$i]}"
        else
            note "BENCH_COLD=1 skipped: dropping the page cache needs root"
        fi
    fi
done

echo
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "versions: $("$BIN" --version | head -1); $(tcpdump --version 2>&1 | head -1); $(tshark --version 2>/dev/null | head -1)"
echo "wall: best of $REPEAT run(s), file in the page cache, output to /dev/null; ratios are wall / wall"
echo "cpu: user + system seconds of that run (steadier than wall when the machine is shared: $(cut -d' ' -f1-3 /proc/loadavg) load)"
for i in "${!files[@]}"; do
    print_table "${files[$i]}" "${labels[$i]}"
    print_cold "${files[$i]}" "${labels[$i]}"
done

if [[ ${BENCH_BIG:-0} == 1 ]]; then
    small=$DIR/results-$(label_of "$N").txt big=$DIR/results-$(label_of $((N * 10))).txt
    echo
    echo "growth $(label_of "$N") -> $(label_of $((N * 10))) packets (10x the packets; linear time is 10x, flat memory 1x)"
    printf '  %-15s %10s %10s %10s\n' job "wall x" "cpu x" "peak RSS x"
    awk 'NR==FNR { w[$1]=$2; m[$1]=$3; c[$1]=$4; next }
         ($1 in w) { printf "  %-15s %9.1fx %9.1fx %9.2fx\n", $1, (w[$1] > 0 ? $2 / w[$1] : 0), (c[$1] > 0 ? $4 / c[$1] : 0), (m[$1] > 0 ? $3 / m[$1] : 0) }' "$small" "$big"
fi

if [[ ${BENCH_LIVE:-1} == 1 ]]; then
    note "live capture under load (bench/live.sh; BENCH_LIVE=0 skips it)"
    bash bench/live.sh
fi
