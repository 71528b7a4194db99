#!/usr/bin/env bash
# summary: `make fuzz`: run each libFuzzer target for FUZZ_SECONDS (default 60) on one core.
#
#   FUZZ_SECONDS=600 make fuzz          longer runs
#   FUZZ_TARGETS="dissect app" ...      only some targets (dissect, pipeline, app)
#   FUZZ_MERGE=1 ...                    afterwards merge inputs that add coverage into the
#                                       committed corpus tests/fuzz/corpus/TARGET (kept small)
#
# Seeds: the committed corpus, plus seeds.py's split of ../shared/captures and the seed capture.
# The working corpus lives in build/libfuzzer/work/TARGET. A crash, leak, timeout or sanitizer
# report is saved as tests/fuzz/crashes/TARGET/crash-SHA1 (libFuzzer's artifact); fix it, give
# the file a descriptive name and commit it: make check replays every file there. One line per
# run is appended to build/libfuzzer/runs.tsv (date, target, seconds, executions, new crashes).
set -uo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-dissect pipeline app}
work=build/libfuzzer/work
mkdir -p "$work"
if [[ ! -d $work/seeds ]]; then
    python3 tests/fuzz/seeds.py "$work/seeds" "$SHARED"/captures/*.pcap* "$SHARED"/captures/*.cap \
        "$SHARED"/seed/*.pcap || exit 1
fi
status=0
for t in $targets; do
    bin=build/libfuzzer/fuzz/fuzz_$t
    [[ -x $bin ]] || { echo "fuzz: $bin is missing (make fuzz-build)" >&2; exit 1; }
    mkdir -p "$work/$t" "tests/fuzz/crashes/$t"
    before=$(ls "tests/fuzz/crashes/$t" | wc -l)
    case $t in
        pipeline) maxlen=131072 ;;
        *) maxlen=4096 ;;
    esac
    echo "== fuzz_$t: $secs s" >&2
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
        -print_final_stats=1 -artifact_prefix="tests/fuzz/crashes/$t/" \
        "$work/$t" "tests/fuzz/corpus/$t" "$work/seeds/$t" >"$work/$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
    after=$(ls "tests/fuzz/crashes/$t" | wc -l)
    new=$((after - before))
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$secs" "${execs:-?}" "$new" \
        >>build/libfuzzer/runs.tsv
    echo "   $t: ${execs:-?} executions, $new new crash file(s), exit $rc" >&2
    if ((rc != 0 || new > 0)); then
        status=1
        grep -E 'ERROR|runtime error|SUMMARY' "$work/$t.log" | head -5 >&2
    fi
    if [[ -n ${FUZZ_MERGE:-} ]]; then
        # only inputs of up to 8 KB go into the committed corpus, so it stays a few MB
        rm -rf "$work/merge-$t"; mkdir -p "$work/merge-$t"
        find "$work/$t" -type f -size -8193c -exec cp -t "$work/merge-$t" {} +
        "$bin" -merge=1 -max_len="$maxlen" "tests/fuzz/corpus/$t" "$work/merge-$t" >/dev/null 2>&1
        echo "   $t: committed corpus now $(ls "tests/fuzz/corpus/$t" | wc -l) files" >&2
    fi
done
exit $status
