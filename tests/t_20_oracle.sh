#!/usr/bin/env bash
# summary: tshark is the oracle: `tcplens read --json` against `tshark -T fields`, frame by frame,
# on every shared capture, the seed, and real kernel TCP recorded here (loopback and network
# namespaces, tests/record/record.sh). Known tshark-side differences: tests/oracle/known-differences.tsv.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:?}
SHARED=${SHARED:-../shared}
REC=build/recorded
if ! command -v tshark >/dev/null; then
    echo "SKIP oracle: tshark is not installed (scripts/deps.sh installs it)"
    exit 0
fi
# The recordings are made once per run, by the first variant; record.sh prints their PASS/FAIL.
if [[ ${TCPLENS_VARIANT:-plain} == plain || ! -d $REC ]]; then
    rm -rf "$REC"
    bash tests/record/record.sh "$REC"
fi
caps=("$SHARED"/captures/*.pcap "$SHARED"/captures/*.pcapng "$SHARED"/captures/*.cap
      "$SHARED"/seed/seed-baidu.pcap "$REC"/*.pcap)
existing=()
for c in "${caps[@]}"; do [[ -f $c ]] && existing+=("$c"); done
[[ ${#existing[@]} -gt 0 ]] || { echo "FAIL oracle: no captures found under $SHARED"; exit 1; }
# --flags-summary: the precision and recall of every analysis flag over all these captures, as a
# table after the per-capture lines (in build/test-logs/t_20_oracle.*.log; VERBOSE=1 shows it).
python3 tests/oracle/compare.py --tcplens "$BIN" --known tests/oracle/known-differences.tsv \
    --flags-summary -j 2 "${existing[@]}"
exit 0
