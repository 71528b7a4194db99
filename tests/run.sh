#!/usr/bin/env bash
# summary: the test runner behind `make check`.
#
# Runs every test group tests/t_*.sh (in name order) against build/tcplens and then, where the
# group allows it, again against the sanitizer build build/asan/tcplens. A group prints one line
# per test: "PASS <name>", "FAIL <name>: <why>" or "SKIP <name>: <why>", anything else is shown
# as is. The runner ends with the line "N passed, N failed".
#
#   tests/run.sh                 all groups
#   tests/run.sh golden oracle   only groups whose name contains one of the words
#   TCPLENS_NO_ASAN=1            skip the sanitizer pass
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export SHARED=${SHARED:-$(cd "$ROOT/../shared" 2>/dev/null && pwd)}
export TZ=UTC LC_ALL=C.UTF-8
passed=0 failed=0 skipped=0
failures=()
logdir=$ROOT/build/test-logs
mkdir -p "$logdir"

run_group() { # group-script binary-dir label
    local g=$1 bindir=$2 label=$3 name out line
    name=$(basename "$g" .sh)
    out=$logdir/$name.$label.log
    echo "== $name ($label)"
    local start=$SECONDS
    TCPLENS_BIN="$ROOT/$bindir/tcplens" TCPLENS_BUILD="$ROOT/$bindir" TCPLENS_VARIANT=$label \
        bash "$g" >"$out" 2>&1
    local rc=$?
    while IFS= read -r line; do
        case $line in
            PASS\ *) passed=$((passed + 1)); echo "  $line" ;;
            FAIL\ *) failed=$((failed + 1)); failures+=("$name/$label: ${line#FAIL }"); echo "  $line" ;;
            SKIP\ *) skipped=$((skipped + 1)); echo "  $line" ;;
            *) [[ -n ${VERBOSE:-} ]] && echo "    $line" ;;
        esac
    done <"$out"
    if [[ $rc -ne 0 ]] && ! grep -q '^FAIL ' "$out"; then
        failed=$((failed + 1)); failures+=("$name/$label: group exited $rc (log: $out)")
        echo "  FAIL $name: group exited $rc"; tail -5 "$out" | sed 's/^/    /'
    fi
    echo "  ($((SECONDS - start)) s)"
}

groups=()
for g in tests/t_*.sh; do
    if [[ $# -gt 0 ]]; then
        keep=
        for w in "$@"; do [[ $g == *"$w"* ]] && keep=1; done
        [[ -z $keep ]] && continue
    fi
    groups+=("$g")
done

for g in "${groups[@]}"; do run_group "$g" build plain; done
if [[ -z ${TCPLENS_NO_ASAN:-} && -x build/asan/tcplens ]]; then
    for g in "${groups[@]}"; do
        grep -q '^# asan: no' "$g" && continue
        run_group "$g" build/asan asan
    done
fi

echo
if ((${#failures[@]})); then
    echo "Failures:"
    printf '  %s\n' "${failures[@]}"
fi
((skipped)) && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
