#!/usr/bin/env bash
# Unit tests of the library (tests/unit/*.c), one PASS/FAIL line per test.
"$TCPLENS_BUILD/unit" | grep -E '^(PASS|FAIL) '
exit "${PIPESTATUS[0]}"
