#!/usr/bin/env bash
# `tcplens report`: structure of the page on the seed, a lossy capture, a capture with several
# connections and one with thousands; escaping of packet text (a crafted capture with <script>
# in its HTTP lines); errors; and a real browser (headless Chromium) that loads the page from a
# file: the text it rendered, the arrows it laid out, and a screenshot with the diagram drawn.
set -u
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:-build/tcplens}
SHARED=${SHARED:-../shared}
export TZ=UTC NO_COLOR=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
SEED=$SHARED/seed/seed-baidu.pcap
LOSSY=$SHARED/captures/chrissanders__tcp_retransmissions.pcapng
THREE=$SHARED/captures/ppp__three_http_streams.pcap
MANY=$SHARED/captures/chrissanders__synscan.pcapng
MAX_BYTES=$((4 * 1024 * 1024))

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
count() { grep -o -- "$1" "$2" | wc -l; } # occurrences of a fixed pattern (regex) in a file

# Packets per TCP stream, from `read --json` (which t_20_oracle holds to tshark's tcp.stream).
stream_counts() { # capture -> "stream count" lines
    "$BIN" read "$1" --json | grep '"proto":"\(TCP\|HTTP\|DNS\)"' | grep -o '"stream":[0-9]*' |
        cut -d: -f2 | sort -n | uniq -c | awk '{print $2, $1}'
}

# Arrows drawn in the ladder of connection N of a page.
arrows_of() { # page stream
    sed -n "/<section class=\"conn\" id=\"conn-$2\">/,/<\/section>/p" "$1" | grep -o 'class="pkt ' |
        wc -l
}

# Common checks of any page: self-contained, bounded, one script (ours), well-formed ending.
page_ok() { # name page
    local name=$1 page=$2 size
    size=$(stat -c %s "$page")
    if grep -Eiq '(src|href|action|xlink:href)[[:space:]]*=[[:space:]]*["'"'"']?[[:space:]]*(https?:|//|ftp:)' "$page"; then
        fail "$name:self-contained" "a resource is loaded from the network: $(grep -Eio '(src|href)=["'"'"']?(https?:|//)[^ >]*' "$page" | head -1)"
    elif grep -Eiq '@import|url\([[:space:]]*["'"'"']?(https?:|//)' "$page"; then
        fail "$name:self-contained" "the stylesheet imports a URL"
    else
        pass "$name:self-contained"
    fi
    if ((size > MAX_BYTES)); then fail "$name:size" "$size bytes > $MAX_BYTES"
    elif ! tail -c 20 "$page" | grep -q '</html>'; then fail "$name:size" "page does not end with </html>"
    else pass "$name:size"; fi
    local scripts
    scripts=$(count '<script' "$page")
    if [[ $scripts != 1 ]]; then fail "$name:one-script" "$scripts <script> tags (1 expected)"
    else pass "$name:one-script"; fi
}

# ---- seed: one connection, its 13 packets, the handshake and the close ----
if "$BIN" report "$SEED" -o "$tmp/seed.html" 2>"$tmp/err"; then
    page_ok seed "$tmp/seed.html"
    rows=$(count '<tr id="row-' "$tmp/seed.html")
    [[ $rows == 1 ]] && pass "seed:conn-rows" || fail "seed:conn-rows" "$rows rows (1 expected)"
    want=$(stream_counts "$SEED" | awk '$1==0{print $2}')
    got=$(arrows_of "$tmp/seed.html" 0)
    [[ -n $want && $got == "$want" ]] && pass "seed:arrows=packets" ||
        fail "seed:arrows=packets" "$got arrows, $want packets"
    miss=
    for s in '3-way handshake' '4-way close' 'SYN</tspan> Seq=0 Len=0' \
        'SYN, ACK</tspan> Seq=0 Ack=1 Len=0' 'FIN, ACK</tspan> Seq=78 Ack=2782' \
        'ACK</tspan> Seq=2782 Ack=79' 'FIN, ACK</tspan> Seq=2782 Ack=79' \
        'ACK</tspan> Seq=79 Ack=2783' 'handshake.1' 'handshake.3' 'teardown.1' 'teardown.4' \
        'FIN-WAIT-1' 'CLOSE-WAIT' 'FIN-WAIT-2' 'LAST-ACK' 'TIME-WAIT' 'GET / HTTP/1.1' \
        'HTTP/1.1 200 OK' 'href="#conn-0"' 'href="#c0-p13"' 'id="c0-p13"' \
        'Ack = 0 + 1 = 1' 'Ack = 78 + 1 = 79' 'Ack = 2782 + 1 = 2783' 'class="explain"'; do
        grep -qF -- "$s" "$tmp/seed.html" || miss+="'$s' "
    done
    [[ -z $miss ]] && pass "seed:labels" || fail "seed:labels" "missing $miss"
    hs=$(count 'class="pkt hs"' "$tmp/seed.html"); td=$(count 'class="pkt td"' "$tmp/seed.html")
    [[ $hs == 3 && $td == 4 ]] && pass "seed:highlight" ||
        fail "seed:highlight" "$hs handshake and $td close arrows (3 and 4 expected)"
    row=$(grep -o '<tr id="row-0".*</tr>' "$tmp/seed.html")
    miss=
    for s in '192.168.4.100:53412' '183.232.231.174:80' '3-way handshake' 'badge ok">4-way close' \
        'SF ShADadFf' '7 / 6' '77 / 2781' '112.199 ms' '35.335 ms'; do
        grep -qF -- "$s" <<<"$row" || miss+="'$s' "
    done
    [[ -z $miss ]] && pass "seed:conn-row" || fail "seed:conn-row" "row lacks $miss"
    [[ ! -s $tmp/err ]] && pass "seed:quiet" || fail "seed:quiet" "stderr: $(head -1 "$tmp/err")"
else
    fail "seed:report" "exit $?: $(head -1 "$tmp/err")"
fi

# ---- lossy: every retransmission drawn in the warning colour and counted in the summary ----
if "$BIN" report "$LOSSY" -o "$tmp/lossy.html" 2>"$tmp/err"; then
    page_ok lossy "$tmp/lossy.html"
    want=$(stream_counts "$LOSSY" | awk '$1==0{print $2}')
    got=$(arrows_of "$tmp/lossy.html" 0)
    [[ -n $want && $got == "$want" ]] && pass "lossy:arrows=packets" ||
        fail "lossy:arrows=packets" "$got arrows, $want packets"
    nre=$("$BIN" read "$LOSSY" --json | grep -c '"retransmission"')
    warn=$(count 'class="pkt warn"' "$tmp/lossy.html")
    summ=$(grep -o 'TCP Retransmission</span><span class="n">[0-9]*' "$tmp/lossy.html" | grep -o '[0-9]*$')
    [[ $nre -gt 0 && $warn == "$nre" && $summ == "$nre" ]] && pass "lossy:anomalies" ||
        fail "lossy:anomalies" "$nre retransmissions, $warn warning arrows, summary says '$summ'"
else
    fail "lossy:report" "exit $?: $(head -1 "$tmp/err")"
fi

# ---- duplicate ACKs: numbered as in the packet list ----
DUP=$SHARED/captures/chrissanders__tcp_dupack.pcapng
if "$BIN" report "$DUP" -o "$tmp/dup.html" 2>"$tmp/err"; then
    want=$("$BIN" read "$DUP" | grep -o '\[TCP Dup ACK [0-9]*#[0-9]*\]' | sort)
    got=$(sed -n '/<svg class="ladder"/,/<\/svg>/p' "$tmp/dup.html" | grep -o '<tspan class="tag">\[TCP Dup ACK [0-9]*#[0-9]*\]' | sed 's/.*>//' | sort)
    [[ -n $want && $got == "$want" ]] && pass "dupack:labels" ||
        fail "dupack:labels" "ladder says '$(echo $got)', the packet list '$(echo $want)'"
else
    fail "dupack:report" "exit $?: $(head -1 "$tmp/err")"
fi

# ---- three connections: a row and a section each, arrows = packets of each stream ----
if "$BIN" report "$THREE" -o "$tmp/three.html" 2>"$tmp/err"; then
    page_ok three "$tmp/three.html"
    bad=
    n=0
    while read -r st want; do
        n=$((n + 1))
        got=$(arrows_of "$tmp/three.html" "$st")
        [[ $got == "$want" ]] || bad+="stream $st: $got arrows for $want packets; "
    done < <(stream_counts "$THREE")
    rows=$(count '<tr id="row-' "$tmp/three.html")
    secs=$(count '<section class="conn"' "$tmp/three.html")
    [[ -z $bad && $rows == "$n" && $secs == "$n" && $n -gt 1 ]] && pass "three:per-connection" ||
        fail "three:per-connection" "$n streams, $rows rows, $secs sections; $bad"
else
    fail "three:report" "exit $?: $(head -1 "$tmp/err")"
fi

# ---- a long connection: the first and last packets drawn, the ones between counted ----
LONG=$SHARED/captures/zeek__ssh-dups.pcap
if "$BIN" report "$LONG" -s 0 -o "$tmp/long.html" 2>"$tmp/err"; then
    page_ok long "$tmp/long.html"
    want=$(stream_counts "$LONG" | awk '$1==0{print $2}')
    got=$(arrows_of "$tmp/long.html" 0)
    read -r head tail total left < <(grep -o 'show the first [0-9]* and the last [0-9]* of this connection.s [0-9]* packets; the [0-9]*' "$tmp/long.html" | grep -o '[0-9][0-9]*' | tr '\n' ' ')
    rows=$(sed -n '/<table class="pkts">/,/<\/table>/p' "$tmp/long.html" | grep -o '<tr id="c0-p' | wc -l)
    if [[ -n ${left:-} && $total == "$want" && $((head + tail + left)) == "$want" && $got == $((head + tail)) &&
        $rows == "$got" ]] && grep -q 'class="cut"' "$tmp/long.html" && grep -q "$left packets left out" "$tmp/long.html"; then
        pass "long:head-and-tail"
    else
        fail "long:head-and-tail" "$want packets; note says ${head:-?}+${tail:-?} of ${total:-?}, ${left:-?} left out; $got arrows, $rows list rows"
    fi
else
    fail "long:report" "exit $?: $(head -1 "$tmp/err")"
fi

# ---- thousands of connections: all counted, the first ones drawn, a note on -s, bounded ----
if "$BIN" report "$MANY" -o "$tmp/many.html" 2>"$tmp/err"; then
    page_ok many "$tmp/many.html"
    nstreams=$(stream_counts "$MANY" | wc -l)
    rows=$(count '<tr id="row-' "$tmp/many.html")
    secs=$(count '<section class="conn"' "$tmp/many.html")
    [[ $nstreams -gt 1000 && $rows == "$nstreams" && $secs == 20 ]] && grep -q -- ' -s N -o report.html' "$tmp/many.html" &&
        pass "many:bounded" || fail "many:bounded" "$nstreams streams, $rows rows, $secs sections drawn, or no -s note"
    last=$((nstreams - 1))
    if "$BIN" report "$MANY" -s "$last" -o "$tmp/one.html" 2>"$tmp/err"; then
        secs=$(count '<section class="conn"' "$tmp/one.html")
        [[ $secs == 1 ]] && grep -q "id=\"conn-$last\"" "$tmp/one.html" && pass "many:select-s" ||
            fail "many:select-s" "$secs sections, conn-$last present? $(grep -c "conn-$last" "$tmp/one.html")"
    else
        fail "many:select-s" "exit $?: $(head -1 "$tmp/err")"
    fi
else
    fail "many:report" "exit $?: $(head -1 "$tmp/err")"
fi

# ---- escaping: markup from packets is shown as text ----
python3 tests/report/mkxss.py "$tmp/xss.pcap"
if "$BIN" report "$tmp/xss.pcap" -o "$tmp/xss.html" 2>"$tmp/err"; then
    page_ok xss "$tmp/xss.html"
    if grep -qiE "<script>document|<b onmouseover|<img src=x" "$tmp/xss.html"; then
        fail "xss:escaped" "packet markup is in the page raw: $(grep -oiE "<script>document.{0,20}|<b onmouseover.{0,20}" "$tmp/xss.html" | head -1)"
    elif ! grep -qF '&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;' "$tmp/xss.html" ||
        ! grep -qF '&lt;b onmouseover=&quot;' "$tmp/xss.html"; then
        fail "xss:escaped" "the escaped request/response line is not shown"
    else
        pass "xss:escaped"
    fi
else
    fail "xss:report" "exit $?: $(head -1 "$tmp/err")"
fi

# ---- Chinese page ----
if "$BIN" report "$SEED" --lang zh -o "$tmp/zh.html" 2>"$tmp/err"; then
    grep -q '<html lang="zh">' "$tmp/zh.html" && grep -qF '三次握手' "$tmp/zh.html" &&
        grep -qF '四次挥手' "$tmp/zh.html" && pass "zh:labels" || fail "zh:labels" "no Chinese labels"
else
    fail "zh:report" "exit $?: $(head -1 "$tmp/err")"
fi

# ---- errors: one line, documented exit code, no page left behind ----
"$BIN" report "$SEED" >/dev/null 2>"$tmp/err"; rc=$?
[[ $rc == 2 && $(wc -l <"$tmp/err") -le 2 ]] && pass "err:no-output" || fail "err:no-output" "exit $rc"
echo "not a capture" >"$tmp/bad.pcap"
"$BIN" report "$tmp/bad.pcap" -o "$tmp/bad.html" 2>"$tmp/err"; rc=$?
[[ $rc == 3 && ! -e $tmp/bad.html ]] && pass "err:bad-input" || fail "err:bad-input" "exit $rc, page left: $([[ -e $tmp/bad.html ]] && echo yes || echo no)"
"$BIN" report "$SEED" -o "$tmp/nodir/x.html" 2>"$tmp/err"; rc=$?
[[ $rc == 9 ]] && pass "err:cannot-write" || fail "err:cannot-write" "exit $rc"
"$BIN" report "$SEED" -s 7 -o "$tmp/s7.html" 2>"$tmp/err"; rc=$?
[[ $rc == 1 ]] && grep -q 'no connection 7' "$tmp/err" && pass "err:no-such-stream" ||
    fail "err:no-such-stream" "exit $rc: $(head -1 "$tmp/err")"
"$BIN" report "$SEED" -s x -o "$tmp/sx.html" 2>"$tmp/err"; rc=$?
[[ $rc == 2 ]] && pass "err:bad-stream" || fail "err:bad-stream" "exit $rc"
"$BIN" report "$SHARED/captures/sv__bug-6875-01__fuzz.pcap" -o "$tmp/dmg.html" 2>"$tmp/err"; rc=$?
[[ $rc == 4 ]] && grep -q 'class="note">The capture is damaged' "$tmp/dmg.html" && tail -c 20 "$tmp/dmg.html" | grep -q '</html>' &&
    pass "err:damaged" || fail "err:damaged" "exit $rc (4 expected) or the page lacks the damage note"
"$BIN" report "$SHARED/captures/tcpdump__empty.pcap" -o "$tmp/empty.html" 2>"$tmp/err"; rc=$?
[[ $rc == 0 ]] && grep -q 'holds no TCP connection' "$tmp/empty.html" && pass "empty" || fail "empty" "exit $rc"
"$BIN" report "$SEED" -o - >"$tmp/stdout.html" 2>"$tmp/err"; rc=$?
[[ $rc == 0 ]] && cmp -s "$tmp/stdout.html" "$tmp/seed.html" && pass "stdout" || fail "stdout" "exit $rc or differs from -o FILE"

# ---- live: capture on loopback while tcpscen makes one HTTP exchange, stop with Ctrl-C ----
TCPSCEN=${TCPLENS_BUILD:-build}/tools/tcpscen
[[ -x $TCPSCEN ]] || TCPSCEN=build/tools/tcpscen
if [[ $(id -u) != 0 ]]; then
    echo "SKIP live: capturing needs root"
elif [[ ! -x $TCPSCEN ]]; then
    echo "SKIP live: no tcpscen (make builds it)"
else
    port=$((20000 + RANDOM % 20000))
    "$BIN" report -i lo "tcp port $port" -o "$tmp/live.html" 2>"$tmp/live.err" &
    pid=$!
    # the sanitizer build on a busy machine can take seconds to open the device
    for _ in $(seq 300); do grep -q '^listening on' "$tmp/live.err" && break; sleep 0.1; done
    "$TCPSCEN" http both 127.0.0.1 "$port" >/dev/null 2>"$tmp/scen.err"; src=$?
    sleep 0.5
    kill -INT "$pid"; wait "$pid"; rc=$?
    rows=$(count '<tr id="row-' "$tmp/live.html" 2>/dev/null)
    cap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$tmp/live.err")
    got=$(arrows_of "$tmp/live.html" 0 2>/dev/null)
    if [[ $rc == 0 && $rows == 1 && -n $cap && $got == "$cap" ]] && grep -q 'class="pkt hs"' "$tmp/live.html"; then
        pass "live:loopback"
    else
        fail "live:loopback" "exit $rc, $rows rows, $got arrows for ${cap:-?} captured packets (tcpscen exit $src: $(head -1 "$tmp/scen.err")): $(head -1 "$tmp/live.err")"
    fi
fi

# ---- a real browser (not repeated under the sanitizer build: the page is the same) ----
[[ ${TCPLENS_VARIANT:-plain} == asan ]] && exit 0
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $CHROME ]]; then
    echo "SKIP browser: chromium is not installed (scripts/deps.sh test installs it)"
    exit 0
fi
chrome() { # url extra-args...
    local url=$1; shift
    timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-extensions \
        --user-data-dir="$tmp/profile" --hide-scrollbars "$@" "$url" 2>>"$tmp/chrome.log"
}
# the same layout width for the DOM dump and the screenshot, so the diagram's box is the same
WIDTH=1000
chrome "file://$tmp/seed.html" --window-size=$WIDTH,1000 --dump-dom >"$tmp/seed.dom"
lad=$(grep -o 'data-ladders="[^"]*"' "$tmp/seed.dom" | cut -d'"' -f2)
want=$(stream_counts "$SEED" | awk '$1==0{print $2}')
IFS=: read -r sec n drawn box <<<"$lad"
if [[ $sec == conn-0 && $n == "$want" && $drawn == "$want" ]]; then pass "browser:arrows"
else fail "browser:arrows" "browser laid out '$lad' ($want arrows expected, all with a box)"; fi
miss=
for s in 'tcplens report' '3-way handshake' '4-way close' 'Seq=79 Ack=2783' 'TIME-WAIT' \
    '4-way close'; do
    grep -qF -- "$s" "$tmp/seed.dom" || miss+="'$s' "
done
[[ -z $miss ]] && pass "browser:text" || fail "browser:text" "rendered page lacks $miss"

IFS=, read -r bx by bw bh <<<"$box"
if [[ -n ${bh:-} ]]; then
    height=$((by + bh + 40))
    # half scale: a quarter of the pixels for the PNG decoder, lines and text still drawn
    chrome "file://$tmp/seed.html" --window-size=$WIDTH,$height --force-device-scale-factor=0.5 \
        --screenshot="$tmp/seed.png" >/dev/null
    if [[ ! -s $tmp/seed.png ]]; then
        fail "browser:screenshot" "no screenshot: $(tail -1 "$tmp/chrome.log")"
    else
        res=$(python3 tests/report/png.py check "$tmp/seed.png" $((bx / 2)) $((by / 2)) \
            $(((bx + bw) / 2)) $(((by + bh) / 2))); rc=$?
        inked=$(sed -n 's/.*inked=\([0-9]*\).*/\1/p' <<<"$res")
        distinct=$(sed -n 's/.*distinct=\([0-9]*\).*/\1/p' <<<"$res")
        # 13 arrows with labels, two lifelines, bands and pills leave thousands of dark pixels
        if [[ $rc == 0 && ${inked:-0} -gt 1000 && ${distinct:-0} -gt 20 ]]; then
            pass "browser:screenshot"
        else
            fail "browser:screenshot" "blank or empty diagram: $res"
        fi
    fi
else
    fail "browser:screenshot" "no diagram box from the page ('$lad')"
fi

# the crafted capture: its script must not run, its text must be visible
chrome "file://$tmp/xss.html" --dump-dom >"$tmp/xss.dom"
if grep -q '<title>.*pwned' "$tmp/xss.dom" || grep -qi '<script>document.title' "$tmp/xss.dom"; then
    fail "browser:xss" "packet script ran or became markup"
elif grep -qF "GET /&lt;script&gt;document.title='pwned'&lt;/script&gt;" "$tmp/xss.dom"; then
    pass "browser:xss"
else
    fail "browser:xss" "the request line is not shown as text"
fi
