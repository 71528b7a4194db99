#!/usr/bin/env bash
# Live capture on loopback (root only; skipped otherwise): Ctrl-C and SIGTERM during
# `read -i lo -w FILE` leave a capture tshark reads, holding exactly the packets reported, and a
# summary with the kernel's drop counters on stderr; a full disk while writing (a 64 KiB tmpfs)
# stops the capture with one error line, exit 9 and a valid, truncated file; -Z USER gives up
# root after the device is open (checked in /proc/PID/status and by the file's owner), and is
# the default under sudo (SUDO_USER). Traffic: build/tools/tcpscen on 127.0.0.1 only.
# A short capture under read and conns prints its lines while it runs (to a file and on a
# terminal) and ends with a parseable summary of the kernel's counters.
set -u
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:-build/tcplens}
SCEN=build/tools/tcpscen
if [[ $(id -u) -ne 0 ]]; then echo "SKIP live: needs root to capture"; exit 0; fi
if ! command -v tshark >/dev/null; then echo "SKIP live: tshark is not installed"; exit 0; fi
[[ -x $SCEN ]] || { echo "FAIL live: $SCEN not built"; exit 1; }
tmp=$(mktemp -d); chmod 1777 "$tmp"
pid=
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null
    [[ -s $tmp/tty.pid ]] && kill "$(cat "$tmp/tty.pid")" 2>/dev/null
    mountpoint -q "$tmp/full" 2>/dev/null && umount "$tmp/full"
    rm -rf "$tmp"
}
trap cleanup EXIT
export NO_COLOR=1
port=$((20000 + RANDOM % 20000))

start() { # name args... : start a capture in the background, wait until it listens
    local name=$1; shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    for _ in $(seq 100); do
        grep -q "^listening on" "$tmp/$name.err" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

finish() { # wait (10 s at most) for the capture started last to end; sets rc and by_itself
    by_itself=1
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then
        by_itself=; kill -INT "$pid"; sleep 1; kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid"; rc=$?; pid=
}

proc_uid() { awk '/^Uid:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# ---- Ctrl-C and SIGTERM leave a valid file and a summary ----
for sig in INT TERM; do
    t="live:sig$sig"
    port=$((port + 1))
    f=$tmp/sig$sig.pcap
    if ! start "sig$sig" "$BIN" read -i lo -w "$f" "tcp port $port"; then
        echo "FAIL $t: capture did not start: $(head -1 "$tmp/sig$sig.err")"; continue
    fi
    "$SCEN" -n 200000 bulk both 127.0.0.1 "$port" >/dev/null 2>&1
    sleep 0.3
    kill -"$sig" "$pid"; finish
    err=$tmp/sig$sig.err
    written=$(sed -n 's/^\([0-9]*\) packets\{0,1\} written to .*/\1/p' "$err")
    shown=$(wc -l <"$tmp/sig$sig.out")
    tn=$(tshark -r "$f" 2>"$tmp/ts.err" | wc -l); trc=${PIPESTATUS[0]}; sed -i "/Running as user/d" "$tmp/ts.err"
    if [[ $rc -ne 0 ]]; then echo "FAIL $t: exit $rc: $(grep -v '^listening' "$err" | head -1)"
    elif ! grep -q "^[0-9]* packets\{0,1\} dropped by kernel" "$err" ||
         ! grep -q "^[0-9]* packets\{0,1\} captured" "$err"; then
        echo "FAIL $t: no capture summary with kernel drops on stderr"; cat "$err"
    elif [[ -z $written || $written -lt 10 ]]; then echo "FAIL $t: '${written}' packets written (want the connection's)"
    elif [[ $trc -ne 0 || -s $tmp/ts.err ]]; then echo "FAIL $t: tshark cannot read the file: $(head -1 "$tmp/ts.err")"
    elif [[ $tn -ne $written || $shown -ne $written ]]; then echo "FAIL $t: tshark reads $tn packets, $shown shown, $written reported written"
    else echo "PASS $t ($written packets, file valid)"; fi
done

# ---- a full disk while writing -w ----
t=live:disk-full
mkdir -p "$tmp/full"
if ! mount -t tmpfs -o size=64k tcplens-test "$tmp/full" 2>/dev/null; then
    echo "SKIP $t: cannot mount a tmpfs here"
else
    port=$((port + 1))
    f=$tmp/full/cap.pcap
    if ! start full "$BIN" read -i lo -w "$f" "tcp port $port"; then
        echo "FAIL $t: capture did not start: $(head -1 "$tmp/full.err")"
    else
        "$SCEN" -n 4000000 bulk both 127.0.0.1 "$port" >/dev/null 2>&1
        finish
        err=$tmp/full.err
        written=$(sed -n 's/^\([0-9]*\) packets\{0,1\} written to .*/\1/p' "$err")
        nerr=$(grep -c '^tcplens: ' "$err")
        tn=$(tshark -r "$f" 2>"$tmp/ts.err" | wc -l); trc=${PIPESTATUS[0]}; sed -i "/Running as user/d" "$tmp/ts.err"
        if [[ -z $by_itself ]]; then echo "FAIL $t: the capture went on after the disk was full"
        elif [[ $rc -ne 9 ]]; then echo "FAIL $t: exit $rc, want 9: $(grep '^tcplens' "$err" | head -1)"
        elif [[ $nerr -ne 1 ]] || ! grep -q "^tcplens: cannot write $f: No space left on device" "$err"; then
            echo "FAIL $t: want one error line about the full disk"; cat "$err"
        elif [[ $trc -ne 0 || -s $tmp/ts.err ]]; then echo "FAIL $t: tshark: $(head -1 "$tmp/ts.err")"
        elif [[ -z $written || $tn -ne $written || $written -eq 0 ]]; then echo "FAIL $t: file holds $tn packets, $written reported"
        else echo "PASS $t (stopped with exit 9, file valid with $written packets)"; fi
    fi
    umount "$tmp/full"
fi

# ---- -Z USER and the sudo default ----
if ! id nobody >/dev/null 2>&1; then
    echo "SKIP live:drop-privs: no user 'nobody'"
else
    nuid=$(id -u nobody)
    for how in "-Z" "sudo" "sudo-Z-root"; do
        t="live:drop-privs:$how"
        f=$tmp/z-$how.pcap
        case $how in
            -Z) args=(-Z nobody); envs=(env -u SUDO_USER); want=$nuid ;;
            sudo) args=(); envs=(env SUDO_USER=nobody); want=$nuid ;;
            sudo-Z-root) args=(-Z root); envs=(env SUDO_USER=nobody); want=0 ;;
        esac
        if ! start "z$how" "${envs[@]}" "$BIN" read -i lo "${args[@]}" -w "$f" "tcp port 9"; then
            echo "FAIL $t: capture did not start: $(head -1 "$tmp/z$how.err")"; continue
        fi
        sleep 0.2
        uid=$(proc_uid "$pid")
        owner=$(stat -c %u "$f" 2>/dev/null)
        kill -INT "$pid"; finish
        if [[ $uid != "$want" ]]; then echo "FAIL $t: process uid $uid, want $want"
        elif [[ $owner != "$want" ]]; then echo "FAIL $t: file owner $owner, want $want"
        elif [[ $rc -ne 0 ]]; then echo "FAIL $t: exit $rc"
        else echo "PASS $t (uid $uid after opening the device)"; fi
    done
    "$BIN" read -i lo -Z no-such-user-here -c 1 >/dev/null 2>"$tmp/bad.err"; rc=$?
    if [[ $rc -eq 0 ]] || ! grep -q "no user 'no-such-user-here'" "$tmp/bad.err"; then
        echo "FAIL live:drop-privs:unknown-user: exit $rc: $(cat "$tmp/bad.err")"
    else echo "PASS live:drop-privs:unknown-user"; fi
fi

# ---- the capture summary with the kernel's counters, output while the capture runs ----
# stdout a file: packets come from the kernel in blocks; each block is flushed once processed,
# so the lines are there before the capture ends. The summary (stderr) gives the kernel's
# counters as tcpdump words them; on loopback "received" counts each packet twice (libpcap
# skips the outgoing copy).
summary_num() { sed -n "s/^\([0-9][0-9]*\) packets\{0,1\} $2\$/\1/p" "$1"; }
settled() { # FILE REGEX: the count of matching lines once above 0 and unchanged for 0.4 s (5 s at most)
    local n last=-1
    for _ in $(seq 12); do
        sleep 0.4
        n=$(grep -c -- "$2" "$1")
        ((n > 0 && n == last)) && break
        last=$n
    done
    echo "$n"
}
for cmd in read conns; do
    t="live:summary:$cmd"
    port=$((port + 1))
    if ! start "sum$cmd" "$BIN" "$cmd" -i lo "tcp port $port"; then
        echo "FAIL $t: capture did not start: $(head -1 "$tmp/sum$cmd.err")"; continue
    fi
    "$SCEN" http both 127.0.0.1 "$port" >/dev/null 2>&1
    during=$(settled "$tmp/sum$cmd.out" .) # the block is handed over within LIVE_TIMEOUT_MS
    kill -INT "$pid"; finish
    err=$tmp/sum$cmd.err
    cap=$(summary_num "$err" captured); recv=$(summary_num "$err" "received by filter")
    drop=$(summary_num "$err" "dropped by kernel")
    lines=$(wc -l <"$tmp/sum$cmd.out")
    # read: a line per packet; conns: a row per connection (with a header line)
    if [[ $cmd == read ]]; then want=$cap; else want=2; fi
    if [[ $rc -ne 0 ]]; then echo "FAIL $t: exit $rc: $(grep -v '^listening' "$err" | head -1)"
    elif [[ -z $cap || -z $recv || -z $drop ]]; then
        echo "FAIL $t: summary not parseable (captured/received by filter/dropped by kernel)"; cat "$err"
    elif ((cap < 6 || recv < cap || drop > recv)); then
        echo "FAIL $t: counters do not add up: $cap captured, $recv received, $drop dropped"
    elif ((lines != want)); then echo "FAIL $t: $lines lines printed, want $want ($cap captured)"
    elif ((during != lines)); then echo "FAIL $t: only $during of $lines lines written before the capture ended"
    else echo "PASS $t ($cap captured, $recv received, $drop dropped; output before the end)"; fi
done

# on a terminal: every packet is shown at once (immediate delivery, a flush per packet)
t=live:tty
if ! command -v script >/dev/null; then echo "SKIP $t: script (bsdutils) is not installed"
else
    port=$((port + 1))
    # the shell writes its pid and becomes tcplens, so that Ctrl-C goes to tcplens itself
    script -qfec "sh -c 'echo \$\$ >$tmp/tty.pid; exec $BIN read -i lo \"tcp port $port\"'" \
        /dev/null >"$tmp/tty.out" 2>&1 &
    spid=$!
    for _ in $(seq 100); do grep -q "^listening on" "$tmp/tty.out" && break; sleep 0.05; done
    "$SCEN" http both 127.0.0.1 "$port" >/dev/null 2>&1
    during=$(settled "$tmp/tty.out" "127\.0\.0\.1 .*→ 127\.0\.0\.1 ")
    kill -INT "$(cat "$tmp/tty.pid")"
    wait "$spid"; src=$?
    tr -d '\r' <"$tmp/tty.out" >"$tmp/tty.txt" # the terminal's line ends
    cap=$(summary_num "$tmp/tty.txt" captured)
    if [[ $src -ne 0 || -z $cap ]]; then echo "FAIL $t: exit $src, no summary"; cat "$tmp/tty.out"
    elif ((cap < 6 || during != cap)); then echo "FAIL $t: $during of $cap packets shown while capturing"
    else echo "PASS $t ($during packets shown at once)"; fi
fi
