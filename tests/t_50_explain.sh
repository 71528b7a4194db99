#!/usr/bin/env bash
# summary: `tcplens explain` and `tcplens ladder`: the seed's facts stated explicitly (English and
# Chinese), golden outputs on shared captures (tests/golden/EXPLAINLIST), every closing variant on
# real kernel TCP recorded here (tests/record/record.sh), every number of the explanation checked
# against `read --json` (tests/explain/check.py), ladders within 80 columns, ASCII fallback,
# colour rules, usage errors. `t_50_explain.sh --update` rewrites the golden files.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:-build/tcplens}
SHARED=${SHARED:-../shared}
REC=build/recorded
SEED=$SHARED/seed/seed-baidu.pcap
update=${1:-}
export TZ=UTC NO_COLOR=1 LC_ALL=C.UTF-8
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# flat FILE: the text on one line, wrapped lines joined with a space (English)
flat() { tr '\n' ' ' <"$1" | tr -s ' '; }
# flatzh FILE: wrapped lines joined without a space (Chinese)
flatzh() { sed -z 's/\n *//g' "$1"; }

# has NAME TEXT PHRASE...: every phrase occurs in TEXT
has() {
    local name=$1 text=$2 p
    shift 2
    for p in "$@"; do
        if [[ $text != *"$p"* ]]; then fail "$name" "missing: $p"; return 1; fi
    done
    pass "$name"
}

# ---- the seed, English ----
"$BIN" explain "$SEED" >"$tmp/en" 2>"$tmp/en.err"; rc=$?
if [[ $rc -ne 0 || -s $tmp/en.err ]]; then
    fail explain:seed-runs "exit $rc: $(head -1 "$tmp/en.err")"
else
    en=$(flat "$tmp/en")
    has explain:seed-who "$en" "The client 192.168.4.100 (port 53412) opened a TCP connection to the server 183.232.231.174 on port 80"
    has explain:seed-handshake "$en" \
        "Opening: the three-way handshake (packets 1–3)" \
        "1. Packet 1, client → server: SYN=1, Seq=0." \
        "2. Packet 2, server → client: SYN=1, ACK=1, Seq=0, Ack=1." \
        "3. Packet 3, client → server: ACK=1, Seq=1, Ack=1." \
        "Ack = 0 + 1 = 1: the server acknowledges the client's SYN, which counts as one byte." \
        "Ack = 0 + 1 = 1: the client acknowledges the server's SYN" \
        "Seq=0 is relative: the real number, chosen at random, is 1797208608" \
        "really 2636440849" "ESTABLISHED"
    has explain:seed-options-irtt "$en" "the client offered MSS=1460, WS=256, SACK_PERM" \
        "the server answered MSS=1440, WS=32, SACK_PERM" "The handshake took 35.335 ms"
    has explain:seed-data "$en" "(packets 4–9)" "The client sent 77 bytes of data in 1 segment." \
        "The server sent 2781 bytes of data in 2 segments." \
        "packet 4, client → server: GET / HTTP/1.1" "packet 6, server → client: HTTP/1.1 200 OK"
    has explain:seed-close "$en" \
        "Closing: the four-way handshake (packets 10–13)" \
        "1. Packet 10, client → server: FIN=1, ACK=1, Seq=78, Ack=2782." \
        "Seq=78: its data took numbers 1 to 77" \
        "2. Packet 11, server → client: ACK=1, Seq=2782, Ack=79." \
        "Ack = 78 + 1 = 79: the server acknowledges the client's FIN" \
        "half-closed: the client can no longer send, but it can still receive" \
        "3. Packet 12, server → client: FIN=1, ACK=1, Seq=2782, Ack=79." \
        "4. Packet 13, client → server: ACK=1, Seq=79, Ack=2783." \
        "Ack = 2782 + 1 = 2783: the client acknowledges the server's FIN"
    has explain:seed-states "$en" "the client is in FIN-WAIT-1 and the server in CLOSE-WAIT" \
        "the client is in FIN-WAIT-2 and the server in CLOSE-WAIT" \
        "the client is in TIME-WAIT and the server in LAST-ACK" \
        "The server is CLOSED at once; the client waits in TIME-WAIT"
    # no packet 14, and the last packet is 13 (the seed's own text says 12 twice)
    if grep -q "Packet 14" "$tmp/en"; then fail explain:seed-13-packets "mentions packet 14"
    else pass explain:seed-13-packets; fi
fi

# ---- the seed, Chinese ----
"$BIN" explain "$SEED" --lang zh >"$tmp/zh" 2>"$tmp/zh.err"; rc=$?
if [[ $rc -ne 0 || -s $tmp/zh.err ]]; then
    fail explain:seed-zh-runs "exit $rc: $(head -1 "$tmp/zh.err")"
else
    zh=$(flatzh "$tmp/zh")
    has explain:seed-zh-terms "$zh" 三次握手 四次挥手 半关闭 序列号 确认号 初始序列号 客户端 服务器
    has explain:seed-zh-handshake "$zh" \
        "第 1 个数据包，客户端 → 服务器：SYN=1、Seq=0。" \
        "第 2 个数据包，服务器 → 客户端：SYN=1、ACK=1、Seq=0、Ack=1。" \
        "第 3 个数据包，客户端 → 服务器：ACK=1、Seq=1、Ack=1。" "Ack = 0 + 1 = 1" "1797208608"
    has explain:seed-zh-close "$zh" "（第 10–13 个数据包）" \
        "第 10 个数据包，客户端 → 服务器：FIN=1、ACK=1、Seq=78、Ack=2782。" \
        "第 11 个数据包，服务器 → 客户端：ACK=1、Seq=2782、Ack=79。" \
        "第 12 个数据包，服务器 → 客户端：FIN=1、ACK=1、Seq=2782、Ack=79。" \
        "第 13 个数据包，客户端 → 服务器：ACK=1、Seq=79、Ack=2783。" \
        "Ack = 78 + 1 = 79" "Ack = 2782 + 1 = 2783" "GET / HTTP/1.1" "HTTP/1.1 200 OK"
    # all text comes from the table: no English sentence words in the Chinese output
    if grep -qiE '\b(the|packet|client|server|sent|bytes)\b' "$tmp/zh"; then
        fail explain:seed-zh-no-english "$(grep -iE '\b(the|packet|client|server|sent|bytes)\b' "$tmp/zh" | head -1)"
    else pass explain:seed-zh-no-english; fi
fi

# ---- golden outputs ----
while IFS=$'\t' read -r name cap args; do
    [[ -z $name || $name == \#* ]] && continue
    exp=tests/golden/explain/$name.out
    # shellcheck disable=SC2086
    "$BIN" $args "$SHARED/$cap" >"$tmp/g.out" 2>"$tmp/g.err"; rc=$?
    if [[ $update == --update ]]; then mkdir -p tests/golden/explain; cp "$tmp/g.out" "$exp"; fi
    if [[ $rc -ne 0 ]]; then fail "golden-explain:$name" "exit $rc: $(head -1 "$tmp/g.err")"; continue; fi
    if [[ -s $tmp/g.err ]]; then fail "golden-explain:$name" "stderr: $(head -1 "$tmp/g.err")"; continue; fi
    if [[ ! -f $exp ]]; then fail "golden-explain:$name" "no expected file $exp"; continue; fi
    if ! diff -u "$exp" "$tmp/g.out" >"$tmp/diff"; then
        fail "golden-explain:$name" "output differs from $exp"; head -20 "$tmp/diff"; continue
    fi
    pass "golden-explain:$name"
done <tests/golden/EXPLAINLIST

# ---- recorded captures: every closing variant ----
need=(lo-http lo-http-server-close lo-three-way-close lo-refused lo-rst-abort lo-half-close
      lo-keepalive lo-zero-window ns-simultaneous-close ns-http-loss ns-bulk-loss)
missing=()
for n in "${need[@]}"; do [[ -f $REC/$n.pcap ]] || missing+=("$n"); done
if [[ ${#missing[@]} -gt 0 ]]; then
    RECORD_ONLY="${missing[*]}" bash tests/record/record.sh "$REC" >"$tmp/record.log" 2>&1
fi
# rec NAME PHRASE...: the explanation of the recorded capture NAME says each phrase
rec() {
    local n=$1
    shift
    if [[ ! -f $REC/$n.pcap ]]; then
        skip "explain:rec-$n" "not recorded ($(grep -m1 "$n" "$tmp/record.log" 2>/dev/null || echo 'needs root and tcpdump'))"
        return
    fi
    if ! "$BIN" explain "$REC/$n.pcap" >"$tmp/r.out" 2>"$tmp/r.err"; then
        fail "explain:rec-$n" "exit $?: $(head -1 "$tmp/r.err")"; return
    fi
    has "explain:rec-$n" "$(flat "$tmp/r.out")" "$@"
}
rec lo-http "Closing: the four-way handshake" "The client has nothing more to send" \
    "The connection is now half-closed" "GET /" "HTTP/1.1 200"
rec lo-http-server-close "Closing: the four-way handshake" "The server has nothing more to send" \
    "the server closed first"
rec lo-three-way-close "Closing: a three-packet close" \
    "acknowledges the FIN and sends its own FIN in the same packet"
rec lo-refused "Refused (packets 1–2)" "The server refuses the connection" \
    "Ack = 0 + 1 = 1: the RST answers the SYN of packet 1" "The server refused the connection"
rec lo-rst-abort "Ending: a reset" "aborts the connection with a reset (RST)" \
    "the client is in CLOSED and the server in CLOSED"
rec lo-half-close "The connection is now half-closed" "While half-closed, the server still sent"
[[ -f $REC/lo-half-close.pcap ]] && { [[ $("$BIN" explain "$REC/lo-half-close.pcap" | grep -c "While half-closed") -eq 1 ]] &&
    pass explain:half-close-said-once || fail explain:half-close-said-once "not exactly once"; }
rec lo-keepalive "Keep-alives by the client"
rec lo-zero-window "Zero windows from the"
rec ns-simultaneous-close "Closing: a simultaneous close" "crossed on the way" \
    "the client is in CLOSING and the server in CLOSING" "Both sides wait in TIME-WAIT"
rec ns-http-loss "Retransmissions by the server"
rec ns-bulk-loss "Gaps in the client's data" "Duplicate ACKs from the server" "Retransmissions by the client"

# ---- many connections: the paragraph on Seq and Ack once; long ones condensed ----
"$BIN" explain "$SHARED/captures/chrissanders__synscan.pcapng" >"$tmp/scan.out" 2>&1
n=$(grep -c "^Connection: " "$tmp/scan.out"); k=$(grep -c "Each side numbers the bytes it sends" "$tmp/scan.out")
[[ $n -gt 10 && $k -eq 1 ]] && pass explain:intro-once || fail explain:intro-once "$n connections, $k intros"
# A deterministic one-stream capture with runs of plain data (a recording may have none: on
# loopback every segment can carry a window tag, and tagged packets are never folded).
FOLD=$SHARED/captures/tcpdump__ssh.pcap
"$BIN" ladder "$FOLD" >"$tmp/bulk.l"; "$BIN" ladder --full "$FOLD" >"$tmp/bulk.f"
np=$("$BIN" read "$FOLD" | wc -l)
arrows=$(grep -cE '^ +[0-9]+ ' "$tmp/bulk.f")
if grep -qE "┊ +[0-9]+ packets: [0-9]+ ▶ [0-9]+ bytes, [0-9]+ ◀ [0-9]+ bytes +┊" "$tmp/bulk.l" &&
   [[ $arrows -eq $np ]] && ! grep -q "packets:" "$tmp/bulk.f" && [[ $(wc -l <"$tmp/bulk.l") -lt $(wc -l <"$tmp/bulk.f") ]]; then
    pass ladder:fold-and-full
else fail ladder:fold-and-full "$arrows arrows for $np packets with --full, or no fold line"; fi
if [[ -f $REC/ns-bulk-loss.pcap ]]; then
    "$BIN" explain "$REC/ns-bulk-loss.pcap" >"$tmp/long.e"; "$BIN" ladder "$REC/ns-bulk-loss.pcap" >"$tmp/long.l"
    if [[ $(flat "$tmp/long.e") == *"It is long: only its first 48 and last 24 packets are described"* ]] &&
       grep -qE "┊ +[0-9]+ packets not kept +┊" "$tmp/long.l" && grep -q "^Closing: " "$tmp/long.e"; then
        pass explain:long-connection
    else fail explain:long-connection "no truncation note, no 'not kept' row or no close"; fi
else
    skip explain:long-connection "ns-bulk-loss not recorded"
fi

# ---- a capture that breaks the rules: the explanation says so ----
python3 tests/explain/mkbroken.py "$tmp/broken.pcap"
"$BIN" explain "$tmp/broken.pcap" >"$tmp/broken.out" 2>&1
has explain:rule-breaks "$(flat "$tmp/broken.out")" \
    "Ack should be 0 + 1 = 1 to acknowledge packet 1, but it is 6: the capture breaks the rule here" \
    "Seq=1, although the server asked for 6 in packet 2" \
    "Seq=201, but its data in the capture ends at number 100: 100 bytes before the FIN are missing" \
    "To acknowledge the FIN of packet 20, Ack should be 1 + 1 = 2, but it is 3: the capture breaks"
"$BIN" explain --lang zh "$tmp/broken.pcap" >"$tmp/broken.zh" 2>&1
has explain:rule-breaks-zh "$(flatzh "$tmp/broken.zh")" "实际却是 6：这里的抓包不符合规则" \
    "FIN 之前有 100 字节不在抓包中" "实际却是 3：这里的抓包不符合规则"

# ---- every number agrees with read --json ----
caps=("$SEED" "$SHARED"/captures/*.pcap "$SHARED"/captures/*.pcapng "$SHARED"/captures/*.cap "$REC"/*.pcap)
existing=()
for c in "${caps[@]}"; do [[ -f $c ]] && existing+=("$c"); done
# (the seed, every recorded capture, and the shared captures of the golden list)
checked=("$SEED" "$REC"/*.pcap "$tmp/broken.pcap")
while IFS=$'\t' read -r name cap args; do
    [[ -z $name || $name == \#* || $cap == seed/* ]] && continue
    [[ " ${checked[*]} " == *" $SHARED/$cap "* ]] || checked+=("$SHARED/$cap")
done <tests/golden/EXPLAINLIST
existing_checked=()
for c in "${checked[@]}"; do [[ -f $c ]] && existing_checked+=("$c"); done
python3 tests/explain/check.py --tcplens "$BIN" "${existing_checked[@]}"

# ---- ladders: 80 columns, ASCII; explanations wrapped at 80 ----
mkdir -p "$tmp/w"
crashed=0 nonascii=0 k=0
for c in "${existing[@]}"; do
    more=()
    [[ $c == "$REC"/* || $c == "$SEED" ]] && more=("--full" "--ascii" "-S")
    for opts in "" "--ascii --full" "${more[@]}"; do
        k=$((k + 1))
        # shellcheck disable=SC2086
        "$BIN" ladder $opts "$c" >"$tmp/w/ladder.$k" 2>/dev/null; rc=$?
        if [[ $rc -ne 0 && $rc -ne 4 ]]; then crashed=$((crashed + 1)); echo "ladder $opts $c: exit $rc"; fi
        if [[ $opts == *ascii* ]] && LC_ALL=C grep -q '[^ -~]' "$tmp/w/ladder.$k"; then
            nonascii=$((nonascii + 1)); echo "not ASCII: ladder $opts $c"
        fi
    done
    langs=("")
    [[ $c == "$REC"/* || $c == "$SEED" ]] && langs+=("--lang zh")
    for l in "${langs[@]}"; do
        k=$((k + 1))
        # shellcheck disable=SC2086
        "$BIN" explain $l "$c" >"$tmp/w/explain.$k" 2>/dev/null; rc=$?
        if [[ $rc -ne 0 && $rc -ne 4 ]]; then crashed=$((crashed + 1)); echo "explain $l $c: exit $rc"; fi
    done
done
[[ $crashed -eq 0 ]] && pass explain:runs-everywhere || fail explain:runs-everywhere "$crashed failures"
[[ $nonascii -eq 0 ]] && pass ladder:ascii-is-ascii || fail ladder:ascii-is-ascii "$nonascii ladders"
# display width: East Asian wide characters count two columns. A ladder line never passes 80;
# an explanation line only when it is one unbreakable word (a long URI).
python3 - "$tmp/w" <<'PY'
import os, sys, unicodedata
d = sys.argv[1]
bad = {"ladder": 0, "explain": 0}
for name in sorted(os.listdir(d)):
    kind = name.split(".")[0]
    for line in open(os.path.join(d, name), encoding="utf-8"):
        line = line.rstrip("\n")
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        if w > 80 and (kind == "ladder" or " " in line.strip()):
            bad[kind] += 1
            print("wider than 80 (%s): %s" % (kind, line))
print("PASS ladder:fits-80-columns" if not bad["ladder"] else "FAIL ladder:fits-80-columns: %d lines" % bad["ladder"])
print("PASS explain:wraps-at-80" if not bad["explain"] else "FAIL explain:wraps-at-80: %d lines" % bad["explain"])
PY

# colour: never on a pipe or with NO_COLOR / --color=never; on with --color=always
"$BIN" ladder "$SEED" --color=always >"$tmp/c1" 2>&1
NO_COLOR=1 "$BIN" ladder "$SEED" >"$tmp/c2" 2>&1
"$BIN" ladder "$SEED" --color=never >"$tmp/c3" 2>&1
if grep -q $'\x1b\\[' "$tmp/c1" && ! grep -q $'\x1b' "$tmp/c2" && ! grep -q $'\x1b' "$tmp/c3"; then
    pass ladder:color-rules
else fail ladder:color-rules "escape codes where they should not be, or none with --color=always"; fi
if command -v script >/dev/null; then
    NO_COLOR=1 script -qec "$BIN ladder $SEED" /dev/null >"$tmp/c4" 2>&1
    env -u NO_COLOR TERM=xterm script -qec "$BIN ladder $SEED" /dev/null >"$tmp/c5" 2>&1
    if ! grep -q $'\x1b\\[3' "$tmp/c4" && grep -q $'\x1b\\[3' "$tmp/c5"; then pass ladder:color-on-tty-only
    else fail ladder:color-on-tty-only "NO_COLOR on a terminal or colour on a terminal not respected"; fi
else
    skip ladder:color-on-tty-only "script(1) is not installed"
fi

# ---- live: explain and ladder on loopback while tcpscen makes one HTTP exchange ----
TCPSCEN=${TCPLENS_BUILD:-build}/tools/tcpscen
[[ -x $TCPSCEN ]] || TCPSCEN=build/tools/tcpscen
if [[ $(id -u) -ne 0 ]]; then
    skip explain:live "needs root to capture"
elif [[ ! -x $TCPSCEN ]]; then
    skip explain:live "no tcpscen (make builds build/tools/tcpscen)"
else
    port=$((20000 + RANDOM % 20000))
    "$BIN" explain -i lo -c 11 "tcp port $port" >"$tmp/live.en" 2>"$tmp/live.en.err" &
    p1=$!
    "$BIN" ladder -i lo -c 11 "tcp port $port" >"$tmp/live.l" 2>"$tmp/live.l.err" &
    p2=$!
    for _ in $(seq 50); do
        grep -q "^listening on" "$tmp/live.en.err" && grep -q "^listening on" "$tmp/live.l.err" && break
        sleep 0.1
    done
    "$TCPSCEN" -t 10 http both 127.0.0.1 "$port" >"$tmp/scen.log" 2>&1
    ok=1
    for p in $p1 $p2; do
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$p" 2>/dev/null; then kill "$p"; ok=; fi
        wait "$p" || ok=
    done
    live=$(flat "$tmp/live.en")
    if [[ -n $ok && $live == *"Opening: the three-way handshake (packets 1–3)"* &&
          $live == *"Closing: the four-way handshake"* && $live == *"port $port"* ]] &&
       grep -q "SYN Seq=0" "$tmp/live.l" && grep -q "TIME-WAIT" "$tmp/live.l"; then
        pass explain:live
    else
        fail explain:live "$(head -2 "$tmp/live.en.err" | tr '\n' ' ') $(head -3 "$tmp/live.en" | tr '\n' ' ')"
    fi
fi

# ---- options and errors ----
"$BIN" explain "$SEED" -s 5 >"$tmp/o1" 2>&1; rc=$?
[[ $rc -eq 0 ]] && grep -q "No TCP stream 5 in the capture." "$tmp/o1" && pass explain:no-such-stream \
    || fail explain:no-such-stream "exit $rc: $(head -1 "$tmp/o1")"
"$BIN" explain "$SEED" --lang xx >"$tmp/o2" 2>&1; rc=$?
[[ $rc -eq 2 ]] && grep -q "unknown language 'xx' (en, zh)" "$tmp/o2" && pass explain:bad-lang \
    || fail explain:bad-lang "exit $rc: $(head -1 "$tmp/o2")"
"$BIN" explain "$tmp/none.pcap" >"$tmp/o3" 2>&1; rc=$?
[[ $rc -eq 3 ]] && pass explain:missing-file || fail explain:missing-file "exit $rc"
"$BIN" ladder "$SEED" -s x >"$tmp/o4" 2>&1; rc=$?
[[ $rc -eq 2 ]] && pass ladder:bad-stream || fail ladder:bad-stream "exit $rc"
"$BIN" explain "$SEED" --ascii >"$tmp/o5" 2>&1; rc=$?
[[ $rc -eq 2 ]] && pass explain:ladder-option-rejected || fail explain:ladder-option-rejected "exit $rc"
"$BIN" explain "$SEED" 'tcp[tcpflags] & tcp-fin != 0' >"$tmp/o6" 2>&1; rc=$?
[[ $rc -eq 0 ]] && grep -q "capture starts in the middle of this connection" "$tmp/o6" && pass explain:filter \
    || fail explain:filter "exit $rc"
"$BIN" explain --help >"$tmp/o7" 2>&1 && grep -q "examples:" "$tmp/o7" && "$BIN" ladder --help >"$tmp/o8" 2>&1 \
    && grep -q -- "--ascii" "$tmp/o8" && pass explain:help || fail explain:help "no help"
cat "$SEED" | "$BIN" ladder - -s 0 >"$tmp/o9" 2>&1; rc=$?
[[ $rc -eq 0 ]] && cmp -s "$tmp/o9" tests/golden/explain/seed-ladder.out && pass ladder:stdin \
    || fail ladder:stdin "exit $rc or output differs from the file's"
exit 0
