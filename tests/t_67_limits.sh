#!/usr/bin/env bash
# Limits: a SYN flood of connections that never close (memory stays under the table cap, the cap
# that was hit is reported on stderr), a stream of 5 GiB in one connection (the 32-bit sequence
# space wraps: relative and raw seq/ack and every analysis flag as tshark's, no bogus flag), and
# timestamps going backwards (as tshark). Captures come from build/tools/limitgen; tshark's
# results are cached by content (tests/lib/tshark), so only the first run pays for tshark.
set -u
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:-build/tcplens}
GEN=build/tools/limitgen
variant=${TCPLENS_VARIANT:-plain}
export TZ=UTC NO_COLOR=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[[ -x $GEN ]] || { echo "FAIL limits: $GEN not built"; exit 1; }

# ---- SYN flood ----
# plain: 200k SYNs; the sanitizer build is slower and its memory is not the product's: 50k.
if [[ $variant == plain ]]; then n=200000; else n=50000; fi
cap=$((n / 4))
"$GEN" synflood "$n" "$tmp/syn.pcap"
/usr/bin/time -f %M -o "$tmp/rss" "$BIN" read "$tmp/syn.pcap" --max-conns "$cap" \
    >"$tmp/out" 2>"$tmp/err"; rc=$?
lines=$(wc -l <"$tmp/out")
# the table holds cap entries plus the one being added: n - cap - 1 are closed early
want="tcplens: warning: connection table full: $((n - cap - 1)) connections were closed early (--max-conns)"
if [[ $rc -ne 0 ]]; then echo "FAIL limits:synflood-cap: exit $rc: $(head -1 "$tmp/err")"
elif [[ $lines -ne $n ]]; then echo "FAIL limits:synflood-cap: $lines packets printed, want $n"
elif [[ "$(cat "$tmp/err")" != "$want" ]]; then echo "FAIL limits:synflood-cap: stderr '$(head -2 "$tmp/err")', want '$want'"
else echo "PASS limits:synflood-cap ($n SYNs, table cap $cap)"; fi
if [[ $variant == plain ]]; then
    rss=$(tail -1 "$tmp/rss")
    # about 1.2 KB per open connection; the same flood without a cap needs ~240 MB
    limit=$((cap * 2 + 32 * 1024))
    if ((rss > limit)); then echo "FAIL limits:synflood-memory: peak RSS ${rss} KB > ${limit} KB"
    else echo "PASS limits:synflood-memory (peak RSS ${rss} KB for a cap of $cap)"; fi
    "$BIN" read "$tmp/syn.pcap" >/dev/null 2>"$tmp/err"; rc=$?
    if [[ $rc -ne 0 || -s $tmp/err ]]; then echo "FAIL limits:synflood-default: exit $rc, stderr '$(head -1 "$tmp/err")'"
    else echo "PASS limits:synflood-default (under the default cap, nothing reported)"; fi
fi
rm -f "$tmp/syn.pcap"

# ---- 5 GiB in one connection: the sequence space wraps ----
"$GEN" wrap 5 "$tmp/wrap.pcap"
"$BIN" read --json "$tmp/wrap.pcap" >"$tmp/wrap.json" 2>"$tmp/err"; rc=$?
res=$(python3 - "$tmp/wrap.json" <<'PY'
import json, sys
n = flagged = 0
last = None
for line in open(sys.argv[1]):
    o = json.loads(line)
    n += 1
    if o.get("analysis"):
        flagged += 1
    last = o
want = (5 * 2**30 + 2) % 2**32   # SYN + 5 GiB + FIN
print(n, flagged, last.get("seq"), want, last.get("stream"))
PY
)
read -r n flagged lastseq wantseq stream <<<"$res"
if [[ $rc -ne 0 || -s $tmp/err ]]; then echo "FAIL limits:wrap-run: exit $rc: $(head -1 "$tmp/err")"
elif [[ $flagged -ne 0 ]]; then echo "FAIL limits:wrap-no-flags: $flagged segments carry analysis flags"
elif [[ $lastseq != "$wantseq" || $stream != 0 ]]; then echo "FAIL limits:wrap-seq: last seq $lastseq stream $stream, want $wantseq stream 0"
else echo "PASS limits:wrap ($n packets, 5 GiB, relative seq wraps to $lastseq, no analysis flag)"; fi

# ---- tshark frame by frame (wrap and timestamps going backwards) ----
"$GEN" backwards "$tmp/backwards.pcap"
"$BIN" read "$tmp/backwards.pcap" >"$tmp/out" 2>"$tmp/err"; rc=$?
if [[ $rc -ne 0 || -s $tmp/err || $(wc -l <"$tmp/out") -ne 20 ]]; then
    echo "FAIL limits:backwards-run: exit $rc, $(wc -l <"$tmp/out") packets: $(head -1 "$tmp/err")"
else
    echo "PASS limits:backwards-run"
fi
if [[ $variant != plain ]]; then
    echo "SKIP limits:tshark: compared in the plain pass (the same captures)"
elif real=$(command -v tshark); then
    PATH=$PWD/tests/lib:$PATH TSHARK_REAL=$real TSHARK_CACHE=$PWD/build/test-cache/tshark \
        python3 tests/oracle/compare.py --tcplens "$BIN" --known /dev/null -j 2 \
        "$tmp/wrap.pcap" "$tmp/backwards.pcap" | sed 's/^\(PASS\|FAIL\) oracle:/\1 limits:tshark:/'
else
    echo "SKIP limits:tshark: tshark is not installed"
fi
