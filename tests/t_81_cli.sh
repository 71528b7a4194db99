#!/usr/bin/env bash
# summary: the command line as tcpdump/tshark users expect it, for every command the binary lists:
# short --help with examples, --version, one line and the usage with exit 2 for an unknown option
# or a missing value; colour only on a terminal (NO_COLOR, --color=never, TERM=dumb); the -t time
# formats against tshark and tcpdump; the progress bar on a terminal for a >50 MB file (drawn at
# most 10 times a second, erased, never when stderr is not a terminal or packet lines share it).
set -uo pipefail
BIN=${TCPLENS_BIN:?}
SHARED=${SHARED:-../shared}
SEED=$SHARED/seed/seed-baidu.pcap
RETR=$SHARED/captures/chrissanders__tcp_retransmissions.pcapng
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }
unset NO_COLOR

commands=$("$BIN" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
[[ -n $commands ]] || fail commands "no commands in 'tcplens --help'"

# ---- --help, --version, top-level errors --------------------------------------------------
"$BIN" --help >"$tmp/h.out" 2>"$tmp/h.err"; rc=$?
[[ $rc -eq 0 && ! -s $tmp/h.err && $(wc -l <"$tmp/h.out") -le 30 ]] && grep -q '^examples:' "$tmp/h.out" &&
    pass help || fail help "exit $rc, $(wc -l <"$tmp/h.out") lines"
"$BIN" --version >"$tmp/v.out" 2>&1; rc=$?
ver=$(sed -n 's/^#define TCPLENS_VERSION "\(.*\)"/\1/p' "$(dirname "$0")/../src/version.h")
if [[ $rc -eq 0 && $(sed -n 1p "$tmp/v.out") == "tcplens $ver" ]] && sed -n 2p "$tmp/v.out" | grep -q '^libpcap version [0-9]' &&
    sed -n 3p "$tmp/v.out" | grep -q '^libcurl/[0-9]'; then
    pass version
else
    fail version "exit $rc: $(tr '\n' '|' <"$tmp/v.out")"
fi
"$BIN" >"$tmp/o" 2>"$tmp/e"; rc=$?
[[ $rc -eq 2 && ! -s $tmp/o ]] && grep -q '^usage: tcplens' "$tmp/e" && pass no-command || fail no-command "exit $rc"
"$BIN" frobnicate >"$tmp/o" 2>"$tmp/e"; rc=$?
[[ $rc -eq 2 && ! -s $tmp/o && $(head -1 "$tmp/e") == "tcplens: unknown command 'frobnicate'" ]] &&
    grep -q '^usage: tcplens' "$tmp/e" && pass unknown-command || fail unknown-command "exit $rc: $(head -1 "$tmp/e")"

"$BIN" --frobnicate >"$tmp/o" 2>"$tmp/e"; rc=$?
[[ $rc -eq 2 && $(head -1 "$tmp/e") == "tcplens: unknown option '--frobnicate'" ]] && pass unknown-global-option ||
    fail unknown-global-option "exit $rc: $(head -1 "$tmp/e")"
first=$(head -1 <<<"$commands")
typo=${first:1:1}${first:0:1}${first:2} # the first two letters swapped
"$BIN" "$typo" >"$tmp/o" 2>"$tmp/e"; rc=$?
[[ $rc -eq 2 && $(head -1 "$tmp/e") == "tcplens: unknown command '$typo' (did you mean '$first'?)" ]] &&
    pass did-you-mean || fail did-you-mean "exit $rc: $(head -1 "$tmp/e")"
bad=
for c in $commands; do
    [[ "$("$BIN" help "$c" 2>&1)" == "$("$BIN" "$c" --help 2>&1)" ]] || bad+=" $c"
done
[[ -z $bad ]] && pass help-command || fail help-command "'tcplens help CMD' differs from 'CMD --help' for:$bad"

# ---- every command: help, unknown option, missing value -----------------------------------
# usage_error NAME WANT-FIRST-LINE CMD ARGS...: exit 2, nothing on stdout, exactly the message
# and the command's usage line on stderr
usage_error() {
    local name=$1 want=$2 cmd=$3
    shift 3
    "$BIN" "$cmd" "$@" >"$tmp/o" 2>"$tmp/e" </dev/null; local rc=$?
    local l1 l2 n
    l1=$(sed -n 1p "$tmp/e") l2=$(sed -n 2p "$tmp/e") n=$(wc -l <"$tmp/e")
    if [[ $rc -eq 2 && ! -s $tmp/o && $n -eq 2 && $l1 == "$want" && $l2 == "usage: tcplens $cmd"* ]]; then
        return 0
    fi
    fail "$name" "'$cmd $*': exit $rc, stderr: $(tr '\n' '|' <"$tmp/e")"
    return 1
}
for c in $commands; do
    "$BIN" "$c" --help >"$tmp/o" 2>"$tmp/e"; rc=$?
    if [[ $rc -eq 0 && ! -s $tmp/e && $(head -1 "$tmp/o") == "usage: tcplens $c"* && $(wc -l <"$tmp/o") -le 40 ]] &&
        { [[ $c == interfaces ]] || grep -q '^examples:' "$tmp/o"; }; then
        pass "help:$c"
    else
        fail "help:$c" "exit $rc, $(wc -l <"$tmp/o") lines, first: $(head -1 "$tmp/o")"
    fi
    [[ $c == interfaces ]] && { "$BIN" interfaces -h | grep -q '^usage:' || fail "help:$c" "-h"; }
    ok=1
    usage_error "usage:$c" "tcplens $c: unknown option '--no-such-option'" "$c" --no-such-option || ok=
    # a letter this command does not know
    for l in Y J K Q G; do grep -qE -- "(^|[ ,])-$l\b" "$tmp/o" || break; done
    usage_error "usage:$c" "tcplens $c: unknown option '-$l'" "$c" "-$l" || ok=
    # every option of the help that takes a value, given without one
    while IFS= read -r col; do
        value=$(awk '{print $NF}' <<<"$col")
        [[ $value == -* ]] && continue
        for o in $(grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' <<<"$col" | sed 's/^[ ,]*//'); do
            usage_error "usage:$c" "tcplens $c: option '$o' needs a value" "$c" "$o" || ok=
        done
    done < <(grep -E '^ +-' "$tmp/o" | sed -E 's/^ +//; s/  .*//' | grep -v '\[=')
    [[ -n $ok ]] && pass "usage:$c"
done

# ---- colour -------------------------------------------------------------------------------
if ! command -v script >/dev/null; then
    skip colour "script(1) is not installed"
else
    esc=$'\x1b['
    tty_run() { # CMD...: run on a pseudo-terminal, its output in $tmp/tty
        script -q -e -c "$*" /dev/null >"$tmp/tty" 2>&1 </dev/null
    }
    tty_run "$BIN read '$RETR'"
    grep -qF "$esc" "$tmp/tty" && pass colour-on-terminal || fail colour-on-terminal "no escape sequence on a terminal"
    tty_run "NO_COLOR=1 $BIN read '$RETR'"
    ! grep -qF "$esc" "$tmp/tty" && grep -q Retransmission "$tmp/tty" && pass colour-no-color-env || fail colour-no-color-env "colour with NO_COLOR"
    tty_run "$BIN read '$RETR' --color=never"
    ! grep -qF "$esc" "$tmp/tty" && grep -q Retransmission "$tmp/tty" && pass colour-never || fail colour-never "colour with --color=never"
    tty_run "TERM=dumb $BIN read '$RETR'"
    ! grep -qF "$esc" "$tmp/tty" && pass colour-term-dumb || fail colour-term-dumb "colour with TERM=dumb"
    "$BIN" read "$RETR" >"$tmp/o" 2>&1
    ! grep -qF "$esc" "$tmp/o" && pass colour-off-in-pipe || fail colour-off-in-pipe "colour into a file"
    "$BIN" read "$RETR" --color=always >"$tmp/o" 2>&1
    grep -qF "$esc" "$tmp/o" && pass colour-always || fail colour-always "no colour with --color=always"
    # every other command that colours: the same rules
    for c in $commands; do
        [[ $c == read ]] && continue
        # commands that read a capture FILE and colour
        "$BIN" "$c" --help | grep -qE -- '--color' || continue
        "$BIN" "$c" --help | grep -qE '^ +FILE ' || continue
        bad=
        "$BIN" "$c" "$RETR" >"$tmp/o" 2>/dev/null
        grep -qF "$esc" "$tmp/o" && bad+=" colour-in-a-file"
        "$BIN" "$c" "$RETR" --color=always >"$tmp/o" 2>/dev/null
        grep -qF "$esc" "$tmp/o" || bad+=" no-colour-with-always"
        tty_run "$BIN $c '$RETR'"
        grep -qF "$esc" "$tmp/tty" || bad+=" no-colour-on-terminal"
        tty_run "NO_COLOR=1 $BIN $c '$RETR'"
        grep -qF "$esc" "$tmp/tty" && bad+=" colour-with-NO_COLOR"
        tty_run "$BIN $c '$RETR' --color=never"
        grep -qF "$esc" "$tmp/tty" && bad+=" colour-with-never"
        [[ -z $bad ]] && pass "colour:$c" || fail "colour:$c" "$bad"
    done
fi

# ---- time formats: the time column as tshark and tcpdump show it --------------------------
if ! command -v tshark >/dev/null; then
    skip time-formats "tshark is not installed"
else
    export TZ=Asia/Shanghai # local time differs from UTC, so a and u cannot pass by accident
    bad=
    # one tshark run per capture gives every format as a column (tab-separated)
    cols='gui.column.format:"r","%Rt","d","%Gt","a","%At","ad","%Yt","u","%Aut","ud","%Yut","e","%t"'
    for cap in "$SEED" "$RETR"; do
        tshark -r "$cap" -t e -T tabs -o "$cols" 2>/dev/null | sed 's/^ *//; s/\t */\t/g' >"$tmp/ts.tsv"
        [[ -s $tmp/ts.tsv ]] || bad+=" ${cap##*/}:no-tshark-output"
        k=0
        for f in r d a ad u ud e; do
            k=$((k + 1))
            n=1; [[ $f == ad || $f == ud ]] && n=2
            want=$(cut -f $k "$tmp/ts.tsv")
            got=$("$BIN" read "$cap" -t "$f" | awk -v n=$n '{print (n==2 ? $2" "$3 : $2)}')
            [[ -n $got && $got == "$want" ]] || bad+=" ${cap##*/}:-t$f"
        done
    done
    [[ -z $bad ]] && pass time-formats-tshark || fail time-formats-tshark "differs:$bad"
    if command -v tcpdump >/dev/null; then
        bad=
        want=$(tcpdump -tt -nn -r "$SEED" 2>/dev/null | awk '{print $1}')
        [[ $("$BIN" read "$SEED" -tt | awk '{print $2}') == "$want" ]] || bad+=" -tt"
        want=$(tcpdump -tttt -nn -r "$SEED" 2>/dev/null | awk '{print $1" "$2}')
        [[ $("$BIN" read "$SEED" -tttt | awk '{print $2" "$3}') == "$want" ]] || bad+=" -tttt"
        hms() { awk -F: '{printf "%.6f\n", $1*3600 + $2*60 + $3}'; }
        want=$(tcpdump -ttt -nn -r "$SEED" 2>/dev/null | awk '{print $1}' | hms)
        [[ $("$BIN" read "$SEED" -ttt | awk '{print $2}') == "$want" ]] || bad+=" -ttt"
        want=$(tcpdump -ttttt -nn -r "$SEED" 2>/dev/null | awk '{print $1}' | hms)
        [[ $("$BIN" read "$SEED" -ttttt | awk '{print $2}') == "$want" ]] || bad+=" -ttttt"
        [[ $("$BIN" read "$SEED" -nn) == "$("$BIN" read "$SEED")" ]] || bad+=" -nn"
        [[ -z $bad ]] && pass time-formats-tcpdump || fail time-formats-tcpdump "differs:$bad"
    else
        skip time-formats-tcpdump "tcpdump is not installed"
    fi
    export TZ=UTC
    usage_error time-format-bad "tcplens read: invalid time format 'x' (r relative, d delta, u/ud UTC time/date and time, a/ad local, e epoch)" read "$SEED" -t x &&
        pass time-format-bad
fi

# ---- progress bar ---------------------------------------------------------------------------
# A 58 MB capture made in a moment: one 100-byte TCP frame repeated 500,000 times.
big=$tmp/big.pcap
python3 - "$big" <<'EOF'
import struct, sys
eth = b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00'
pay = b'x' * 46
tcp = struct.pack('!HHIIBBHHH', 40000, 80, 1000, 1, 5 << 4, 0x18, 1000, 0, 0)
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40 + len(pay), 1, 0x4000, 64, 6, 0,
                 bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
fr = eth + ip + tcp + pay
rec = struct.pack('<IIII', 1600000000, 0, len(fr), len(fr)) + fr
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    f.write(rec * 500000)
EOF
if [[ $(stat -c %s "$big") -le 50000000 ]] || ! command -v script >/dev/null; then
    skip progress "no big capture or no script(1)"
else
    # stderr on a terminal, stdout to a file; a filter that matches nothing keeps it quick (every
    # record is still read). Unthrottled, the bar would be drawn 488 times (every 1024 records).
    start=$(date +%s%N)
    script -q -e -c "$BIN read '$big' udp >'$tmp/big.out'" /dev/null >"$tmp/tty" 2>&1 </dev/null; rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    draws=$(grep -o $'\r\\[' "$tmp/tty" | wc -l)
    last=$(tail -c 8 "$tmp/tty" | od -An -c | tr -s ' ')
    if [[ $rc -eq 0 && $draws -ge 1 ]] && grep -qE '[0-9.]+ [kM]?B / 58\.0 MB +[0-9.]+[kM]? pkt/s +ETA ([0-9]+:[0-9]{2}|--:--)' "$tmp/tty" &&
        [[ $(tail -c 4 "$tmp/tty") == $'\r\x1b[K' && ! -s $tmp/big.out ]]; then
        pass progress-on-terminal
    else
        fail progress-on-terminal "exit $rc, $draws draws, ends with:$last"
    fi
    # at most 10 draws a second (plus the first)
    max=$((ms / 100 + 2))
    [[ $draws -le $max ]] && pass progress-throttled || fail progress-throttled "$draws draws in $ms ms"
    # the bar says where it is: the percentages it showed never go down
    pcts=$(tr '\r' '\n' <"$tmp/tty" | grep -oE '^\[[ =>]*\] +[0-9]+%' | grep -oE '[0-9]+%$' | tr -d %)
    sort -n -c <<<"$pcts" 2>/dev/null && pass progress-monotonic || fail progress-monotonic "$(tr '\n' ' ' <<<"$pcts")"
    # stderr not a terminal: nothing on it
    "$BIN" read "$big" udp >/dev/null 2>"$tmp/err"; rc=$?
    [[ $rc -eq 0 && ! -s $tmp/err ]] && pass progress-not-in-file || fail progress-not-in-file "exit $rc, stderr $(head -c 100 "$tmp/err" | od -c | head -2)"
    script -q -e -c "$BIN read '$big' udp >/dev/null 2>'$tmp/err2'" /dev/null >"$tmp/tty2" 2>&1 </dev/null
    [[ ! -s $tmp/err2 && ! -s $tmp/tty2 ]] && pass progress-stderr-redirected || fail progress-stderr-redirected "output with stderr in a file"
    # packet lines on the same terminal: no bar to tear them
    script -q -e -c "$BIN read '$big' udp" /dev/null >"$tmp/tty3" 2>&1 </dev/null
    ! grep -q 'pkt/s' "$tmp/tty3" && pass progress-not-over-packet-lines || fail progress-not-over-packet-lines "bar while stdout is the terminal"
    # a small file: no bar
    script -q -e -c "$BIN read '$SEED' >/dev/null" /dev/null >"$tmp/tty4" 2>&1 </dev/null
    [[ ! -s $tmp/tty4 ]] && pass progress-not-for-small-files || fail progress-not-for-small-files "$(head -c 80 "$tmp/tty4" | cat -v)"
fi
