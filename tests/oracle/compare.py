#!/usr/bin/env python3
# summary: compare `tcplens read --json` with tshark's TCP fields, frame by frame (tshark is the oracle).
"""Compare tcplens with tshark, field by field, for every frame of every capture.

    compare.py --tcplens BIN [--known FILE] [--max-report N] [--flags-summary] [-j N] CAPTURE...
    compare.py --tcplens BIN --dump CAPTURE          side-by-side table of both tools
    compare.py --self-test [CAPTURE...]              check this script against a stand-in for tcplens

tshark runs as
    tshark -n -r CAP -T fields -E separator=/t -E occurrence=a -e frame.number -e tcp.stream ...
with a private, empty configuration directory, so personal preferences cannot change the oracle.
tcplens runs as `BIN read --json CAP` and must print one JSON object per packet (docs/json.md).

Per frame the fields stream, seq, ack, len, flags, seq_raw, ack_raw, win, the set of analysis
flags and dup_ack_num/dup_ack_frame are compared. `ack` is compared only when the ACK flag is set
(tshark prints tcp.ack for every segment, tcplens only with ACK). Where tcplens' record is ICMP
(an ICMP error quoting a TCP header) only the fields tcplens reports are compared, at least
`stream`. Frames one tool has and the other lacks are mismatches, except one partial record at the
point where a damaged file stops (tcplens exit 4, tshark "damaged"/"cut short").

Output: one line per capture, `PASS oracle:<capture>` or `FAIL oracle:<capture>: N mismatches
(first: frame F field X tshark=.. tcplens=..)`, followed by indented detail lines. Differences
listed in the known-differences file (TSV: capture, frame, field, reason; shell-style patterns
allowed in the first three columns) do not fail but are counted and shown. Exit status 1 when any
capture has an unexplained mismatch, 2 on bad usage.
"""

import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ANALYSIS = [
    "retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
    "lost_segment", "ack_lost_segment", "duplicate_ack", "zero_window", "zero_window_probe",
    "zero_window_probe_ack", "window_full", "window_update", "keep_alive", "keep_alive_ack",
    "reused_ports",
]
ABBREV = {
    "retransmission": "RT", "fast_retransmission": "FRT", "spurious_retransmission": "SRT",
    "out_of_order": "OOO", "lost_segment": "LOST", "ack_lost_segment": "ACKUNSEEN",
    "duplicate_ack": "DUPACK", "zero_window": "ZW", "zero_window_probe": "ZWP",
    "zero_window_probe_ack": "ZWPACK", "window_full": "WFULL", "window_update": "WUPD",
    "keep_alive": "KA", "keep_alive_ack": "KAACK", "reused_ports": "REUSED",
}
BASE_FIELDS = ["frame.number", "tcp.stream", "tcp.seq", "tcp.ack", "tcp.len", "tcp.flags",
               "tcp.seq_raw", "tcp.ack_raw", "tcp.window_size"]
DUP_FIELDS = ["tcp.analysis.duplicate_ack_num", "tcp.analysis.duplicate_ack_frame"]
TSHARK_FIELDS = BASE_FIELDS + ["tcp.analysis." + a for a in ANALYSIS] + DUP_FIELDS
# The scalar fields compared, in report order; `analysis` is compared as a set after them.
SCALARS = ["stream", "seq", "ack", "len", "flags", "seq_raw", "ack_raw", "win",
           "dup_ack_num", "dup_ack_frame"]
FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"]
ACK_BIT = 0x10
TCPLENS_EXIT = {0: "ok", 3: "not-a-capture", 4: "damaged"}
TIMEOUT = 300
HERE = os.path.dirname(os.path.abspath(__file__))


class Oops(Exception):
    """A tool could not be run or printed something unreadable."""


# ---- running the tools ----

def tshark_cmd(cap, extra=()):
    cmd = ["tshark", "-n", "-r", cap, "-o", "tcp.analyze_sequence_numbers:TRUE",
           "-o", "tcp.relative_sequence_numbers:TRUE", "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a"]
    for f in TSHARK_FIELDS + list(extra):
        cmd += ["-e", f]
    return cmd


def tool_env(confdir):
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = confdir
    env["XDG_CONFIG_HOME"] = confdir
    env["HOME"] = confdir
    env["LC_ALL"] = "C.UTF-8"
    env["TZ"] = "UTC"
    return env


def run_both(cmds, workdir, env):
    """Start every command at once, stdout/stderr to files; return [(rc, stdout, stderr)]."""
    procs = []
    try:
        for i, cmd in enumerate(cmds):
            out = open(os.path.join(workdir, "out%d" % i), "w+b")
            err = open(os.path.join(workdir, "err%d" % i), "w+b")
            try:
                p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                     env=env)
            except OSError as e:
                out.close()
                err.close()
                raise Oops("cannot run %s: %s" % (cmd[0], e.strerror)) from e
            procs.append((p, out, err))
        res = []
        for p, out, err in procs:
            try:
                rc = p.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired as e:
                p.kill()
                p.wait()
                raise Oops("%s timed out after %d s" % (p.args[0], TIMEOUT)) from e
            out.seek(0)
            err.seek(0)
            res.append((rc, out.read().decode("utf-8", "replace"),
                        err.read().decode("utf-8", "replace")))
        return res
    finally:
        for p, out, err in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            out.close()
            err.close()


def tshark_status(rc, err):
    msg = " ".join(l for l in err.splitlines() if "Running as user" not in l).strip()
    if rc == 0:
        return "ok", msg
    if re.search(r"isn't a capture file|unknown file format|not a capture", msg):
        return "not-a-capture", msg
    if re.search(r"damaged or corrupt|cut short|truncated", msg):
        return "damaged", msg
    return "error", msg


# ---- normalising both tools' records ----

def first(v):
    """First occurrence of a possibly comma-separated tshark value, or None when absent."""
    if v == "":
        return None
    return v.split(",", 1)[0]


def as_int(v):
    if v is None:
        return None
    try:
        return int(v, 0)
    except ValueError:
        return v


def flags_str(bits):
    return ",".join(n for i, n in enumerate(FLAG_NAMES) if bits & (1 << i))


def parse_tshark(text, extra=0):
    """tshark -T fields output -> {frame: record}. Record keys: the SCALARS, `analysis`
    (frozenset), `tcp` (tshark shows a TCP header), and `extra` (list of extra columns)."""
    frames = {}
    nb = len(BASE_FIELDS)
    ncol = len(TSHARK_FIELDS) + extra
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) < ncol or not cols[0].isdigit():
            continue
        fr = int(cols[0])
        stream, seq, ack, tlen, flags, seq_raw, ack_raw, win = (first(c) for c in cols[1:nb])
        rec = {"stream": as_int(stream), "seq": as_int(seq), "ack": as_int(ack),
               "len": as_int(tlen), "seq_raw": as_int(seq_raw), "ack_raw": as_int(ack_raw),
               "win": as_int(win), "flags": None}
        fbits = as_int(flags)
        if isinstance(fbits, int):
            rec["flags"] = flags_str(fbits)
            if not fbits & ACK_BIT:
                rec["ack"] = None
        rec["tcp"] = any(rec[k] is not None for k in ("stream", "seq", "flags"))
        an = cols[nb:nb + len(ANALYSIS)]
        rec["analysis"] = frozenset(a for a, v in zip(ANALYSIS, an) if v != "")
        d = nb + len(ANALYSIS)
        rec["dup_ack_num"] = as_int(first(cols[d]))
        rec["dup_ack_frame"] = as_int(first(cols[d + 1]))
        rec["extra"] = cols[len(TSHARK_FIELDS):ncol]
        frames[fr] = rec
    return frames


def parse_tcplens(text):
    """tcplens JSON lines -> ({frame: record}, [problems]). Record: the SCALARS, `analysis`
    (frozenset or None when the key is absent), `proto`, `partial` (ICMP record)."""
    frames = {}
    problems = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            problems.append("line %d is not JSON (%s): %.60s" % (n, e, line))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("frame"), int):
            problems.append("line %d has no integer \"frame\": %.60s" % (n, line))
            continue
        fr = obj["frame"]
        if fr in frames:
            problems.append("frame %d printed twice" % fr)
            continue
        rec = {k: obj.get(k) for k in SCALARS}
        an = obj.get("analysis")
        if an is None:
            rec["analysis"] = None
        elif isinstance(an, list):
            rec["analysis"] = frozenset(str(a) for a in an)
        else:
            rec["analysis"] = frozenset(["<not a list: %r>" % (an,)])
        if isinstance(rec["flags"], str) and "ACK" not in rec["flags"].split(","):
            rec["ack"] = None  # tcp.ack means nothing without the ACK flag: compared only with it
        rec["proto"] = obj.get("proto")
        rec["partial"] = isinstance(rec["proto"], str) and rec["proto"].upper().startswith("ICMP")
        frames[fr] = rec
    return frames, problems


# ---- comparing ----

def show(v):
    if v is None:
        return "-"
    return str(v)


def compare_frame(fr, ts, tl, mism, tally):
    """Append (frame, field, tshark, tcplens) for every difference; update the flag tally."""
    if tl["partial"] and ts["tcp"]:
        # ICMP error quoting TCP: tshark dissects the quoted header (raw numbers, no analysis);
        # compare what tcplens chose to report, and at least the stream.
        for k in SCALARS:
            if k == "stream" or (tl[k] is not None and ts[k] is not None):
                if ts[k] != tl[k]:
                    mism.append((fr, k, show(ts[k]), show(tl[k])))
        return
    for k in SCALARS:
        if ts[k] != tl[k]:
            mism.append((fr, k, show(ts[k]), show(tl[k])))
    ta = ts["analysis"]
    la = tl["analysis"] or frozenset()
    for a in sorted(ta | la, key=lambda x: (ANALYSIS.index(x) if x in ANALYSIS else 99, x)):
        if (a in ta) != (a in la):
            mism.append((fr, "analysis." + a, "yes" if a in ta else "-",
                         "yes" if a in la else "-"))
    if ts["tcp"] and tally is not None:
        for a in ANALYSIS:
            t, l = a in ta, a in la
            row = tally.setdefault(a, [0, 0, 0, 0, 0])
            row[0] += t
            row[1] += l
            row[2] += t and l
            row[3] += l and not t
            row[4] += t and not l


def compare_capture(cap, tcplens):
    """Run both tools on one capture. Returns a dict with `mism` (list), `notes`, `error`."""
    res = {"cap": cap, "mism": [], "notes": [], "error": None, "tally": {}}
    work = tempfile.mkdtemp(prefix="tl-oracle-")
    try:
        env = tool_env(os.path.join(work, "conf"))
        os.mkdir(env["WIRESHARK_CONFIG_DIR"])
        (trc, tout, terr), (lrc, lout, lerr) = run_both(
            [tshark_cmd(cap), [tcplens, "read", "--json", cap]], work, env)
    except Oops as e:
        res["error"] = str(e)
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tstat, tmsg = tshark_status(trc, terr)
    if tstat == "error":
        res["error"] = "tshark failed (exit %d): %s" % (trc, tmsg[:200])
        return res
    if lrc not in TCPLENS_EXIT:
        last = (lerr.strip().splitlines() or ["(no message)"])[-1]
        how = "was killed by signal %d" % -lrc if lrc < 0 else "exited %d" % lrc
        res["error"] = "tcplens %s: %s" % (how, last[:200])
        return res
    lstat = TCPLENS_EXIT[lrc]
    mism = res["mism"]
    if tstat != lstat:
        mism.append(("*", "exit", tstat, lstat))
    tsf = parse_tshark(tout)
    tlf, problems = parse_tcplens(lout)
    for p in problems:
        mism.append(("*", "json", "-", p))
    damaged = "damaged" in (tstat, lstat)
    ts_last = max(tsf) if tsf else 0
    tl_last = max(tlf) if tlf else 0
    skipped = 0
    local = {}
    for fr in sorted(set(tsf) | set(tlf)):
        a, b = tsf.get(fr), tlf.get(fr)
        if a is not None and b is not None:
            compare_frame(fr, a, b, mism, local)
            continue
        # One partial record where a damaged file stops may be shown by one tool only.
        if damaged and ((b is None and fr > tl_last and fr == ts_last == tl_last + 1) or
                        (a is None and fr > ts_last and fr == tl_last == ts_last + 1)):
            skipped += 1
            continue
        mism.append((fr, "frame", "present" if a else "-", "present" if b else "-"))
    if damaged:
        res["notes"].append("damaged file (tshark: %s; tcplens: %s); %d frames compared%s"
                            % (tmsg or tstat, lstat, len(set(tsf) & set(tlf)),
                               ", last partial record shown by one tool only" if skipped else ""))
    res["tally"] = local
    return res


# ---- known differences ----

def load_known(path):
    rows = []
    if not path:
        return rows
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if n == 1 and cols[0] == "capture":
                continue
            if len(cols) < 4 or not cols[3].strip():
                raise SystemExit("compare.py: %s:%d: need 4 tab-separated columns "
                                 "(capture, frame, field, reason)" % (path, n))
            rows.append({"cap": cols[0], "frame": cols[1], "field": cols[2],
                         "reason": cols[3], "used": 0, "line": n})
    return rows


def find_known(known, cap, m):
    base = os.path.basename(cap)
    for k in known:
        if (fnmatch.fnmatchcase(base, k["cap"]) and fnmatch.fnmatchcase(str(m[0]), k["frame"])
                and fnmatch.fnmatchcase(m[1], k["field"])):
            k["used"] += 1
            return k
    return None


# ---- reporting ----

def fmt_m(m):
    fr = "frame %s" % m[0] if m[0] != "*" else "file"
    return "%s field %s tshark=%s tcplens=%s" % (fr, m[1], m[2], m[3])


def report(res, known, max_report, out):
    name = os.path.basename(res["cap"])
    if res["error"]:
        out.write("FAIL oracle:%s: %s\n" % (name, res["error"]))
        return False
    bad, kn = [], []
    for m in res["mism"]:
        k = find_known(known, res["cap"], m)
        (kn if k else bad).append((m, k))
    if bad:
        m0 = bad[0][0]
        out.write("FAIL oracle:%s: %d mismatches (first: %s)\n" % (name, len(bad), fmt_m(m0)))
        # Group the details by frame so one line shows everything wrong with a packet.
        byframe = []
        for m, _ in bad:
            if byframe and byframe[-1][0] == m[0]:
                byframe[-1][1].append(m)
            else:
                byframe.append((m[0], [m]))
        for fr, ms in byframe[:max_report]:
            where = "frame %s" % fr if fr != "*" else "file"
            out.write("    %s: %s\n" % (where, "; ".join(
                "%s tshark=%s tcplens=%s" % (m[1], m[2], m[3]) for m in ms)))
        if len(byframe) > max_report:
            out.write("    ... %d more frames with mismatches\n" % (len(byframe) - max_report))
        fields = {}
        for m, _ in bad:
            fields[m[1]] = fields.get(m[1], 0) + 1
        out.write("    by field: %s\n" % ", ".join(
            "%s %d" % kv for kv in sorted(fields.items(), key=lambda kv: -kv[1])))
    else:
        out.write("PASS oracle:%s\n" % name)
    for note in res["notes"]:
        out.write("    note: %s\n" % note)
    if kn:
        out.write("    %d known differences\n" % len(kn))
        for m, k in kn[:max_report]:
            out.write("    known: %s (%s)\n" % (fmt_m(m), k["reason"]))
    return not bad


def flags_summary(tally, ncaps, out):
    out.write("analysis flags over %d captures (tshark = oracle):\n" % ncaps)
    out.write("  %-24s %7s %7s %7s %7s %7s %9s %7s\n" % (
        "flag", "tshark", "tcplens", "tp", "fp", "fn", "precision", "recall"))
    for a in ANALYSIS:
        t, l, tp, fp, fn = tally.get(a, [0, 0, 0, 0, 0])
        prec = "%.3f" % (tp / (tp + fp)) if tp + fp else "-"
        rec = "%.3f" % (tp / (tp + fn)) if tp + fn else "-"
        out.write("  %-24s %7d %7d %7d %7d %7d %9s %7s\n" % (a, t, l, tp, fp, fn, prec, rec))


# ---- --dump ----

def dump(cap, tcplens, out):
    work = tempfile.mkdtemp(prefix="tl-oracle-")
    try:
        env = tool_env(os.path.join(work, "conf"))
        os.mkdir(env["WIRESHARK_CONFIG_DIR"])
        (trc, tout, terr), (lrc, lout, lerr) = run_both(
            [tshark_cmd(cap), [tcplens, "read", "--json", cap]], work, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tsf = parse_tshark(tout)
    tlf, problems = parse_tcplens(lout)
    out.write("# %s: tshark exit %d (%s), tcplens exit %d\n" % (
        cap, trc, tshark_status(trc, terr)[1] or "ok", lrc))
    for p in problems:
        out.write("# tcplens output problem: %s\n" % p)
    out.write("# cells: value when both agree, else tshark|tcplens; rows with a difference "
              "end in '<<'\n")
    out.write("# analysis: %s\n" % " ".join("%s=%s" % (v, k) for k, v in ABBREV.items()))
    cols = ["frame"] + SCALARS[:8] + ["analysis", "dup#", "dupof"]
    width = [6, 6, 11, 11, 6, 15, 11, 11, 7, 18, 4, 6]
    out.write(" ".join(c.rjust(w) if i < 9 else c.ljust(w)
                       for i, (c, w) in enumerate(zip(cols, width))).rstrip() + "\n")
    for fr in sorted(set(tsf) | set(tlf)):
        a = tsf.get(fr)
        b = tlf.get(fr)
        cells, diff = [str(fr)], False
        if a is None or b is None:
            who = "tshark" if a else "tcplens"
            out.write("%6d only in %s  <<\n" % (fr, who))
            continue
        part = b["partial"] and a["tcp"]
        for k in SCALARS[:8]:
            x, y = a[k], b[k]
            if part and k != "stream" and (x is None or y is None):
                cells.append(show(y if y is not None else x))
            elif x == y:
                cells.append(show(x))
            else:
                cells.append("%s|%s" % (show(x), show(y)))
                diff = True
        ta = a["analysis"]
        la = b["analysis"] or frozenset()
        sa = "+".join(ABBREV.get(x, x) for x in ANALYSIS if x in ta)
        sb = "+".join(ABBREV.get(x, x) for x in sorted(la, key=lambda x: (
            ANALYSIS.index(x) if x in ANALYSIS else 99, x)))
        if ta == la or part:
            cells.append(sa)
        else:
            cells.append("%s|%s" % (sa or "-", sb or "-"))
            diff = True
        for k in ("dup_ack_num", "dup_ack_frame"):
            if a[k] == b[k] or (part and b[k] is None):
                cells.append(show(a[k]) if a[k] is not None else "")
            else:
                cells.append("%s|%s" % (show(a[k]), show(b[k])))
                diff = True
        line = " ".join(c.rjust(w) if i < 9 else c.ljust(w)
                        for i, (c, w) in enumerate(zip(cells, width))).rstrip()
        out.write(line + ("  <<" if diff else "") + ("  (TCP quoted in ICMP)" if part else "")
                  + "\n")
    return 0


# ---- a stand-in for tcplens, built from tshark, for --self-test ----

def mock_main(cap):
    """Print tcplens-style JSON lines made from tshark's fields (TL_MOCK_PERTURB changes some)."""
    perturb = os.environ.get("TL_MOCK_PERTURB", "")
    work = tempfile.mkdtemp(prefix="tl-oracle-mock-")
    try:
        env = tool_env(os.path.join(work, "conf"))
        os.mkdir(env["WIRESHARK_CONFIG_DIR"])
        ((trc, tout, terr),) = run_both([tshark_cmd(cap, ["frame.protocols"])], work, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stat, msg = tshark_status(trc, terr)
    if stat == "not-a-capture":
        sys.stderr.write("mock: %s\n" % msg)
        return 3
    frames = parse_tshark(tout, extra=1)
    done = set()
    out = sys.stdout
    last = max(frames) if frames else 0
    for fr in sorted(frames):
        r = frames[fr]
        if stat == "damaged" and fr == last and "drop-partial" in perturb:
            break
        rec = {"frame": fr}
        protos = r["extra"][0].split(":") if r["extra"] else []
        if r["tcp"] and ("icmp" in protos or "icmpv6" in protos):
            rec["proto"] = "ICMP"
            rec["stream"] = r["stream"]
        elif r["tcp"]:
            rec["proto"] = "TCP"
            for k in SCALARS:
                if r[k] is not None:
                    rec[k] = r[k]
            if r["analysis"]:
                rec["analysis"] = [a for a in ANALYSIS if a in r["analysis"]]
            if "seq" in perturb and "seq" not in done and r["seq"]:
                rec["seq"] += 1
                done.add("seq")
            if "analysis" in perturb and "analysis" not in done and r["analysis"]:
                rec["analysis"] = rec["analysis"][1:]
                done.add("analysis")
            if "flags" in perturb and "flags" not in done and "ACK" in (r["flags"] or ""):
                rec["flags"] = rec["flags"].replace("ACK", "ACK,URG")
                done.add("flags")
        else:
            rec["proto"] = protos[-1].upper() if protos else "UNKNOWN"
        if "drop-frame" in perturb and fr == 2:
            continue
        out.write(json.dumps(rec) + "\n")
    if "extra-frame" in perturb:
        out.write(json.dumps({"frame": last + 1, "proto": "TCP", "stream": 0}) + "\n")
    if "crash" in perturb:
        out.flush()
        os.kill(os.getpid(), 11)
    return 4 if stat == "damaged" else 0


def self_test(caps, out, jobs):
    """Check the harness against the stand-in: identical output passes, each kind of damage to
    it is caught with the right first mismatch, and known differences are honoured."""
    work = tempfile.mkdtemp(prefix="tl-oracle-self-")
    ok_all = True
    try:
        mock = os.path.join(work, "mock-tcplens")
        with open(mock, "w") as f:
            f.write("#!/bin/sh\n[ \"$1\" = read ] && [ \"$2\" = --json ] || exit 2\n"
                    "exec %s %s --mock \"$3\"\n" % (sys.executable, os.path.abspath(__file__)))
        os.chmod(mock, 0o755)

        def run(captures, perturb):
            os.environ["TL_MOCK_PERTURB"] = perturb
            try:
                with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
                    return list(ex.map(lambda c: compare_capture(c, mock), captures))
            finally:
                del os.environ["TL_MOCK_PERTURB"]

        def check(name, cond, why):
            nonlocal ok_all
            if cond:
                out.write("PASS oracle-selftest:%s\n" % name)
            else:
                ok_all = False
                out.write("FAIL oracle-selftest:%s: %s\n" % (name, why))

        res = run(caps, "")
        bad = [r for r in res if r["error"] or r["mism"]]
        check("identical", not bad, "%d captures differ, e.g. %s: %s" % (
            len(bad), bad and bad[0]["cap"], bad and (bad[0]["error"] or fmt_m(bad[0]["mism"][0]))))
        # The damage tests need a capture with analysis flags and a few TCP packets.
        cap = next((c for c in caps if any(
            r["tcp"] and r["analysis"] for r in parse_tshark(run_both(
                [tshark_cmd(c)], work, tool_env(work))[0][1]).values())), None)
        if cap is None:
            check("detects", False, "no capture with TCP analysis flags among the inputs")
            return ok_all
        for perturb, field in (("seq", "seq"), ("analysis", "analysis."),
                               ("flags", "flags"), ("drop-frame", "frame"),
                               ("extra-frame", "frame")):
            r = run([cap], perturb)[0]
            got = r["mism"][0] if r["mism"] else None
            check("detects-" + perturb, got is not None and got[1].startswith(field)
                  and len(r["mism"]) == 1,
                  "%s: expected one mismatch in %s, got %s" % (
                      os.path.basename(cap), field, r["error"] or r["mism"][:3]))
        r = run([cap], "crash")[0]
        check("detects-crash", r["error"] and "signal" in r["error"], "got %r" % (r["error"],))
        known = [{"cap": os.path.basename(cap), "frame": "*", "field": "seq", "reason": "test",
                  "used": 0, "line": 2}]
        r = run([cap], "seq")[0]
        check("known-differences", report(r, known, 0, open(os.devnull, "w"))
              and known[0]["used"] == 1, "a listed difference still failed")
        dmg = [r["cap"] for r in res if r["notes"] and "damaged" in r["notes"][0]]
        for c, r in zip(dmg, run(dmg, "drop-partial")):
            check("damaged-" + os.path.basename(c), not r["error"] and not r["mism"],
                  "partial last record not tolerated: %s" % (r["error"] or r["mism"][:2]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ok_all


# ---- main ----

def main(argv):
    ap = argparse.ArgumentParser(description="Compare tcplens with tshark frame by frame.")
    ap.add_argument("--tcplens", help="the tcplens binary")
    ap.add_argument("--known", default=os.path.join(HERE, "known-differences.tsv"),
                    help="known-differences TSV (default: %(default)s; '' for none)")
    ap.add_argument("--max-report", type=int, default=5, metavar="N",
                    help="detail lines per failing capture (default 5)")
    ap.add_argument("--flags-summary", action="store_true",
                    help="print the per-analysis-flag precision/recall table")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2,
                    help="captures compared in parallel")
    ap.add_argument("--dump", metavar="CAP", help="side-by-side table for one capture")
    ap.add_argument("--self-test", action="store_true",
                    help="check the harness against a stand-in built from tshark")
    ap.add_argument("--mock", metavar="CAP", help=argparse.SUPPRESS)
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args(argv)
    out = sys.stdout
    if a.mock:
        return mock_main(a.mock)
    if not shutil.which("tshark"):
        out.write("SKIP oracle: tshark is not installed\n")
        return 0
    if a.self_test:
        caps = a.captures
        if not caps:
            ap.error("--self-test needs captures")
        return 0 if self_test(caps, out, max(1, a.jobs)) else 1
    if not a.tcplens:
        ap.error("--tcplens BIN is required")
    if a.dump:
        return dump(a.dump, a.tcplens, out)
    if not a.captures:
        ap.error("no captures given")
    known = load_known(a.known) if a.known else []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = [ex.submit(compare_capture, c, a.tcplens) for c in a.captures]
        results = [f.result() for f in futs]
    ok = True
    tally = {}
    for r in results:
        ok &= report(r, known, a.max_report, out)
        for k, row in r["tally"].items():
            t = tally.setdefault(k, [0, 0, 0, 0, 0])
            for i in range(5):
                t[i] += row[i]
    for k in known:
        if not k["used"] and not k["field"].startswith("conns."):  # those are conns.py's
            out.write("note: known-differences line %d (%s %s %s) matched nothing\n"
                      % (k["line"], k["cap"], k["frame"], k["field"]))
    if a.flags_summary:
        flags_summary(tally, len(results), out)
    out.flush()
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(0)
