#!/usr/bin/env bash
# summary: `conns` keeps strict stream order with bounded memory: rows that wait for a lower,
# still open stream go to an in-memory window and past it to a spill file; with a window of one
# row (every waiting row through the file) the output is byte for byte the default one, in all
# three formats, on a generated capture with many connections.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:?}
GEN=build/bench/gen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC NO_COLOR=1

if [[ ! -x $GEN ]]; then
    echo "FAIL conns-order: $GEN is not built (make builds it)"
    exit 0
fi
"$GEN" -n 20000 -s 3 -o "$tmp/g.pcap" -q 2>/dev/null || { echo "FAIL conns-order: generator failed"; exit 0; }

# ---- the spill file gives the same rows as the window ----
# a table of 1000 entries hands connections over as they are evicted, out of stream order
for fmt in text json zeek; do
    "$BIN" conns --max-conns 1000 --format "$fmt" "$tmp/g.pcap" 2>"$tmp/err.d" |
        grep -v '^#open\|^#close' >"$tmp/d.$fmt"
    TMPDIR=$tmp TCPLENS_CONNS_WINDOW=1 "$BIN" conns --max-conns 1000 --format "$fmt" "$tmp/g.pcap" \
        2>"$tmp/err.s" | grep -v '^#open\|^#close' >"$tmp/s.$fmt"
    rows=$(grep -vc '^#\|^ *ID ' "$tmp/d.$fmt")
    if grep -q 'out of stream order' "$tmp/err.d" "$tmp/err.s"; then
        echo "FAIL conns-order:spill-$fmt: stderr '$(head -1 "$tmp/err.d" "$tmp/err.s" | tr '\n' ' ')'"
    elif ((rows < 1000)); then
        echo "FAIL conns-order:spill-$fmt: only $rows rows"
    elif ! cmp -s "$tmp/d.$fmt" "$tmp/s.$fmt"; then
        echo "FAIL conns-order:spill-$fmt: output differs with a one-row window: $(diff "$tmp/d.$fmt" "$tmp/s.$fmt" | head -3 | tr '\n' ' ')"
    else
        echo "PASS conns-order:spill-$fmt ($rows rows)"
    fi
done
# a spill cache of one and of three blocks: blocks leave it half full, rows come back to a block
# already written or arrive for a block that made way for a newer one (straight to the file),
# later parts are folded into rows in the file; with 50 connections in the table, most rows are
# parts of evicted conversations that later packets continue
"$BIN" conns --max-conns 50 --format json "$tmp/g.pcap" 2>/dev/null >"$tmp/d50.json"
for blocks in 1 3; do
    for cap in 1000 50; do
        ref=$tmp/d.json
        [[ $cap == 50 ]] && ref=$tmp/d50.json
        TMPDIR=$tmp TCPLENS_CONNS_WINDOW=1 TCPLENS_CONNS_SPILL_BLOCKS=$blocks "$BIN" conns \
            --max-conns $cap --format json "$tmp/g.pcap" 2>"$tmp/err.c" >"$tmp/c.json"
        name=spill-cache-$blocks
        [[ $cap == 50 ]] && name+=-table-50
        if cmp -s "$ref" "$tmp/c.json" && ! grep -q 'out of stream order' "$tmp/err.c"; then
            echo "PASS conns-order:$name"
        else
            echo "FAIL conns-order:$name: output differs with $blocks cached blocks: $(diff "$ref" "$tmp/c.json" | head -3 | tr '\n' ' ')"
        fi
    done
done
# the temporary file is unlinked: nothing is left in TMPDIR
left=$(find "$tmp" -name 'tcplens-*' | wc -l)
if ((left)); then echo "FAIL conns-order:spill-unlinked: $left files left in TMPDIR"
else echo "PASS conns-order:spill-unlinked"; fi

# ---- strict order: one row per stream, ascending ----
python3 - "$tmp/d.json" <<'PY' >"$tmp/order"
import json, sys
ids = [json.loads(l)["stream"] for l in open(sys.argv[1])]
bad = [i for i in range(1, len(ids)) if ids[i] <= ids[i - 1]]
print(len(ids), len(bad))
PY
read -r n bad <"$tmp/order"
if [[ $bad != 0 ]]; then echo "FAIL conns-order:ascending: $bad rows out of order in $n"
else echo "PASS conns-order:ascending ($n rows)"; fi

# ---- tiny limits: the tracker evicts all the time (and continues evicted conversations from
# their ghosts); conns still prints exactly one row per stream, in order, and the same streams
# with the same endpoints, start, duration, packets and bytes as with the default limits ----
"$BIN" conns --json "$tmp/g.pcap" >"$tmp/full.json" 2>/dev/null
# (one table, and two tables on two threads: the conversations shared out by address pair)
for cap in 50 200; do
    for win in 8192 1; do
      for th in 1 2; do
        TMPDIR=$tmp TCPLENS_THREADS=$th TCPLENS_CONNS_WINDOW=$win "$BIN" conns --json \
            --max-conns "$cap" "$tmp/g.pcap" >"$tmp/small.json" 2>"$tmp/err"
        res=$(python3 - "$tmp/full.json" "$tmp/small.json" <<'PY'
import json, sys
def rows(p):
    return [json.loads(l) for l in open(p)]
full, small = rows(sys.argv[1]), rows(sys.argv[2])
ids = [r["stream"] for r in small]
if any(ids[i] <= ids[i - 1] for i in range(1, len(ids))):
    print("streams not strictly ascending (a duplicate or out of order)"); sys.exit()
def key(r):
    c, s = r["client"], r["server"]
    return (r["stream"], c["addr"], c["port"], s["addr"], s["port"], r["start"], r["duration"],
            c["pkts"], s["pkts"], c["bytes"], s["bytes"])
a, b = [key(r) for r in full], [key(r) for r in small]
if a != b:
    d = next((x, y) for x, y in zip(a + [None] * len(b), b + [None] * len(a)) if x != y)
    print(f"{len(b)} rows against {len(a)}; first difference {d}"); sys.exit()
print("ok", len(b))
PY
)
        t=tiny-limits-$cap-w$win-t$th
        if grep -q 'out of stream order' "$tmp/err"; then
            echo "FAIL conns-order:$t: $(grep 'out of stream order' "$tmp/err")"
        elif ! grep -q 'connection table full' "$tmp/err"; then
            echo "FAIL conns-order:$t: the table never filled: $(head -1 "$tmp/err")"
        elif [[ $res != ok* ]]; then
            echo "FAIL conns-order:$t: $res"
        else
            echo "PASS conns-order:$t (${res#ok } rows, one per stream)"
        fi
      done
    done
done
