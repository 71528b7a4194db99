#!/usr/bin/env bash
# summary: `read --json` against its versioned JSON Schema (docs/json-schema/packet-v1.json): every
# record of every shared capture, the seed and the shipped examples validates; invalid variants
# of a record are rejected (the check can fail); the fields of the schema and of docs/json.md
# agree; and every jq example of docs/json.md runs, printing exactly the output shown there.
# asan: no
set -uo pipefail
BIN=${TCPLENS_BIN:?}
SHARED=${SHARED:-../shared}
cd "$(dirname "$0")/.."
ROOT=$PWD
SCHEMA=docs/json-schema/packet-v1.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

if ! command -v python3 >/dev/null; then
    skip json-schema "python3 is not installed"
    exit 0
fi

# ---- every record of every capture against the schema -------------------------------------
args=()
for cap in "$SHARED"/captures/*.pcap "$SHARED"/captures/*.pcapng "$SHARED"/captures/*.cap \
    "$SHARED"/seed/*.pcap examples/*.pcap; do
    [[ -f $cap ]] || continue
    name=${cap##*/}
    "$BIN" read "$cap" --json >"$tmp/$name.jsonl" 2>"$tmp/$name.err"; rc=$?
    # 4: damaged captures print every complete packet before the damage, as JSON too
    if [[ $rc -ne 0 && $rc -ne 4 ]]; then
        fail "json-schema:$name" "read --json exit $rc: $(head -1 "$tmp/$name.err")"
        continue
    fi
    args+=("$name=$tmp/$name.jsonl")
done
((${#args[@]} >= 30)) || fail json-schema-captures "only ${#args[@]} captures found under $SHARED"
python3 tests/json/validate.py "$SCHEMA" records "${args[@]}"
python3 tests/json/validate.py "$SCHEMA" mutations "$tmp/seed-baidu.pcap.jsonl"
python3 tests/json/validate.py "$SCHEMA" docs docs/json.md

# ---- the jq examples of docs/json.md --------------------------------------------------------
if ! command -v jq >/dev/null; then
    skip json-jq-examples "jq is not installed"
    exit 0
fi
mkdir -p "$tmp/bin" && ln -s "$BIN" "$tmp/bin/tcplens"
# Blocks whose first line is "$ tcplens ...": the command, then its output up to the fence.
# Other tcplens ... | jq lines in blocks: run on the seed, must exit 0.
python3 - docs/json.md "$tmp/ex" <<'PY'
import os, sys
doc, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
lines = open(doc, encoding="utf-8").read().split("\n")
n, i, infence = 0, 0, False
block = []
for line in lines:
    if line.startswith("```"):
        if infence and block:
            if block[0].startswith("$ tcplens "):
                n += 1
                with open(os.path.join(out, "%02d.cmd" % n), "w") as f:
                    f.write(block[0][2:] + "\n")
                with open(os.path.join(out, "%02d.want" % n), "w") as f:
                    f.write("\n".join(block[1:]) + "\n")
            else:
                for b in block:
                    if b.startswith("tcplens ") and "| jq" in b:
                        n += 1
                        with open(os.path.join(out, "%02d.cmd" % n), "w") as f:
                            f.write(b.replace("capture.pcap", "examples/seed-baidu.pcap") + "\n")
        infence = not infence
        block = []
    elif infence:
        block.append(line)
PY
count=0
for cmd in "$tmp"/ex/*.cmd; do
    [[ -f $cmd ]] || continue
    count=$((count + 1))
    want=${cmd%.cmd}.want
    got=$(cd "$ROOT" && PATH="$tmp/bin:$PATH" bash -o pipefail -c "$(cat "$cmd")" 2>"$tmp/ex.err"); rc=$?
    name="json-jq-example:$(basename "$cmd" .cmd)"
    if [[ $rc -ne 0 ]]; then
        fail "$name" "exit $rc: $(head -c 200 "$tmp/ex.err"): $(cat "$cmd")"
    elif [[ -f $want ]] && ! diff <(sed 's/[[:space:]]*$//' "$want") <(sed 's/[[:space:]]*$//' <<<"$got") >"$tmp/ex.diff"; then
        fail "$name" "output differs from docs/json.md: $(head -c 300 "$tmp/ex.diff" | tr '\n' '|')"
    else
        pass "$name"
    fi
done
((count >= 6)) || fail json-jq-examples "only $count jq examples found in docs/json.md"
