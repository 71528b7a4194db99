#!/usr/bin/env bash
# summary: `tcplens conns FILE` on two threads (conversations shared out by address pair, streams
# renumbered by first frame) prints exactly what one thread prints: every capture, each output
# format, with a filter, with -c, with eviction forced by a small table, on a damaged file, and
# on generated traffic with tens of thousands of connections and port reuse.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:?}
SHARED=${SHARED:-../shared}
BUILD=${TCPLENS_BUILD:-build}
work=$(mktemp -d /tmp/tl-threads.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# run THREADS OUT ARGS...: output, stderr and exit code of one run
run() {
    local th=$1 out=$2
    shift 2
    TCPLENS_THREADS=$th "$BIN" conns "$@" >"$out" 2>"$out.err"
    echo $? >"$out.rc"
}

# same NAME ARGS...: one thread and two threads agree byte for byte (stdout, stderr, exit code)
same() {
    local name=$1
    shift
    run 1 "$work/one" "$@"
    run 2 "$work/two" "$@"
    # a Zeek log's #open/#close lines carry the wall-clock time of the run
    sed -i '/^#open\t\|^#close\t/d' "$work/one" "$work/two"
    if ! cmp -s "$work/one" "$work/two"; then
        fail "$name" "outputs differ: $(diff "$work/one" "$work/two" | head -3 | tr '\n' ' ')"
        return 1
    fi
    if ! cmp -s "$work/one.err" "$work/two.err" || ! cmp -s "$work/one.rc" "$work/two.rc"; then
        fail "$name" "stderr or exit code differ: $(cat "$work/one.rc") vs $(cat "$work/two.rc"): $(head -c 200 "$work/two.err")"
        return 1
    fi
    return 0
}

caps=()
for c in "$SHARED"/captures/*.pcap "$SHARED"/captures/*.pcapng "$SHARED"/captures/*.cap \
         "$SHARED"/seed/seed-baidu.pcap build/recorded/*.pcap; do
    [[ -f $c ]] && caps+=("$c")
done

# every capture, three formats
bad=() rows=0
for c in "${caps[@]}"; do
    for f in text json zeek; do
        if ! same "capture $(basename "$c") $f" --format "$f" "$c" >"$work/msg"; then
            bad+=("$(cat "$work/msg")")
        fi
    done
    rows=$((rows + $(wc -l <"$work/one")))
done
if ((${#bad[@]} == 0)) && ((${#caps[@]} > 0)); then
    pass "one and two threads agree on ${#caps[@]} captures x 3 formats ($rows zeek lines)"
else
    fail "threads agree on every capture" "${#bad[@]} differ (of ${#caps[@]}): ${bad[0]:-no captures}"
fi

# generated traffic: many connections, losses, port reuse; eviction at default and tiny limits
GEN=$BUILD/bench/gen
[[ -x $GEN ]] || GEN=build/bench/gen
if [[ -x $GEN ]] && "$GEN" -n 60000 -o "$work/gen.pcap" 2>/dev/null; then
    if same "generated 60k packets" --json "$work/gen.pcap"; then
        n=$(wc -l <"$work/two")
        # the rows are in stream order, one per stream
        if jq -s -e '[.[].stream] as $s | $s == ($s | sort) and ($s | unique | length) == ($s | length)' \
                "$work/two" >/dev/null 2>&1 && ((n > 1000)); then
            pass "generated 60k packets: $n connections, same rows, in stream order, each once"
        else
            fail "generated 60k packets" "rows out of order, repeated or too few ($n)"
        fi
    fi
    # a table of 64 (32 a thread): open conversations are pushed out at the cap and come back
    # through their ghosts; one table and two evict at other moments, so the rows of the pieces
    # differ, but every stream number must name the same conversation as without a cap
    pairs() { jq -r '[.stream, ([(.client.addr + "/" + (.client.port|tostring)), (.server.addr + "/" + (.server.port|tostring))] | sort | join(" "))] | @tsv' "$1" | sort -u; }
    run 2 "$work/full" --json "$work/gen.pcap"
    run 2 "$work/small" --max-conns 64 --json "$work/gen.pcap"
    pairs "$work/full" >"$work/full.pairs"
    pairs "$work/small" >"$work/small.pairs"
    extra=$(comm -13 "$work/full.pairs" "$work/small.pairs" | wc -l)
    if [[ $(cat "$work/small.rc") == 0 ]] && ((extra == 0)) && [[ -s $work/small.pairs ]]; then
        pass "--max-conns 64 on two threads: $(wc -l <"$work/small") rows, every stream the same conversation as uncapped"
    else
        fail "--max-conns 64 on two threads" "$extra stream numbers name another conversation (exit $(cat "$work/small.rc"))"
    fi
    same "generated, filter" --json "$work/gen.pcap" 'tcp port 80 and not host 10.0.0.1' &&
        pass "generated with a filter: same rows"
    same "generated, -c" -c 12345 "$work/gen.pcap" && pass "generated with -c 12345: same rows"
    # cut off mid-packet: both stop at the same record, report the damage, same exit code
    size=$(stat -c %s "$work/gen.pcap")
    head -c $((size / 2 + 7)) "$work/gen.pcap" >"$work/cut.pcap"
    if same "damaged" --json "$work/cut.pcap"; then
        if [[ $(cat "$work/two.rc") != 0 ]] && grep -q "cut short" "$work/two.err"; then
            pass "capture cut mid-packet: same rows and the same error (exit $(cat "$work/two.rc"))"
        else
            fail "damaged" "no damage reported: exit $(cat "$work/two.rc")"
        fi
    fi
    # -s one stream
    same "one stream" -s 777 "$work/gen.pcap" && [[ -s $work/two ]] &&
        pass "-s 777 on two threads: the same row"
else
    echo "SKIP generated traffic: no generator (make builds build/bench/gen)"
fi

# standard input and an empty file take the one-thread path and still work
run 2 "$work/stdin" - <"${caps[0]}"
run 1 "$work/file" "${caps[0]}"
if cmp -s "$work/stdin" "$work/file"; then
    pass "standard input (one thread) equals the file"
else
    fail "standard input" "differs from the file"
fi
