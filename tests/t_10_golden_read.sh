#!/usr/bin/env bash
# Golden tests of `tcplens read` (text and JSON) on real captures: tests/golden/READLIST.
# A case fails on a non-zero exit, on any stderr output, or on any difference from the
# expected file. `t_10_golden_read.sh --update` rewrites the expected files (review the diff).
set -u
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:-build/tcplens}
SHARED=${SHARED:-../shared}
update=${1:-}
export TZ=UTC NO_COLOR=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
while IFS=$'\t' read -r name cap args; do
    [[ -z $name || $name == \#* ]] && continue
    exp=tests/golden/read/$name.out
    # shellcheck disable=SC2086
    if [[ $args == *"&"* || $args == *"("* ]]; then
        "$BIN" read "$SHARED/$cap" "$args" >"$tmp/out" 2>"$tmp/err"; rc=$?
    else
        "$BIN" read "$SHARED/$cap" $args >"$tmp/out" 2>"$tmp/err"; rc=$?
    fi
    if [[ $update == --update ]]; then cp "$tmp/out" "$exp"; fi
    if [[ $rc -ne 0 ]]; then echo "FAIL golden-read:$name: exit $rc: $(head -1 "$tmp/err")"; continue; fi
    if [[ -s $tmp/err ]]; then echo "FAIL golden-read:$name: stderr: $(head -1 "$tmp/err")"; continue; fi
    if [[ ! -f $exp ]]; then echo "FAIL golden-read:$name: no expected file $exp"; continue; fi
    if ! diff -u "$exp" "$tmp/out" >"$tmp/diff"; then
        echo "FAIL golden-read:$name: output differs from $exp"; head -20 "$tmp/diff"; continue
    fi
    echo "PASS golden-read:$name"
done <tests/golden/READLIST
