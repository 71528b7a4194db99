#!/usr/bin/env bash
# Fuzz regression pass: every file of the committed corpus (tests/fuzz/corpus/TARGET) and every
# crash ever found (tests/fuzz/crashes/TARGET) replayed through the fuzz targets without
# libFuzzer (tests/fuzz/replay_main.c). In the sanitizer pass the replay binaries are built with
# ASan+UBSan, so an out-of-bounds read, undefined behaviour or a leak fails the test.
set -u
cd "$(dirname "$0")/.."
BUILD=${TCPLENS_BUILD:-build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for t in dissect pipeline app; do
    bin=$BUILD/fuzz/replay_$t
    if [[ ! -x $bin ]]; then echo "FAIL fuzz-regress:$t: $bin not built"; continue; fi
    corpus=tests/fuzz/corpus/$t
    n=$(find "$corpus" -type f | wc -l)
    if ((n == 0)); then echo "FAIL fuzz-regress:$t-corpus: $corpus is empty"; continue; fi
    if "$bin" "$corpus" >"$tmp/out" 2>"$tmp/err" && grep -q "^replayed $n files" "$tmp/out"; then
        echo "PASS fuzz-regress:$t-corpus ($n files)"
    else
        echo "FAIL fuzz-regress:$t-corpus: $(grep -m1 -E 'ERROR|runtime error|replay:' "$tmp/err" || tail -1 "$tmp/err")"
    fi
    for f in tests/fuzz/crashes/$t/*; do
        [[ -f $f ]] || continue
        if "$bin" "$f" >"$tmp/out" 2>"$tmp/err"; then
            echo "PASS fuzz-regress:$t/$(basename "$f")"
        else
            echo "FAIL fuzz-regress:$t/$(basename "$f"): $(grep -m1 -E 'ERROR|runtime error' "$tmp/err" || tail -1 "$tmp/err")"
        fi
    done
done
