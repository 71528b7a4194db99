#!/usr/bin/env python3
"""Check every number `tcplens explain` states against `tcplens read --json` of the same capture.

  check.py --tcplens BIN CAPTURE...

For each capture prints "PASS explain-numbers:<name>" or "FAIL explain-numbers:<name>: why".
What is checked: each step line "Packet F, A → B: SYN=1, ACK=1, Seq=s, Ack=a, Len=l" (stream,
direction, flags, relative Seq/Ack, length), the state line after it, every "X + 1 = Y" sum,
the real initial sequence numbers, the bytes and segments each side sent, the packet that
confirms all data, the trouble counts and their packet numbers, and the handshake time."""
import argparse, json, os, re, subprocess, sys
from collections import defaultdict

FLAGS = ["SYN", "FIN", "RST", "PSH", "URG", "ACK"]
TROUBLE = {
    "Retransmissions": "retransmission", "Duplicate ACKs": "duplicate_ack",
    "Zero windows": "zero_window", "Out-of-order segments": "out_of_order",
    "Keep-alives": "keep_alive", "Zero-window probes": "zero_window_probe",
}


def packets_of(tcplens, cap):
    out = subprocess.run([tcplens, "read", "--json", cap], capture_output=True, text=True)
    frames = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        if "stream" in r and "flags" in r:
            frames[r["frame"]] = r
    return frames


def check(tcplens, cap):
    frames = packets_of(tcplens, cap)
    out = subprocess.run([tcplens, "explain", cap], capture_output=True, text=True)
    if out.returncode not in (0, 4):
        return "explain exited %d" % out.returncode
    errs = []
    nchecks = 0
    by_stream = defaultdict(dict)
    for f, r in frames.items():
        by_stream[r["stream"]][f] = r
    conns = re.split(r"(?m)^(?=Connection: )", out.stdout)
    for text in conns:
        m = re.match(r"Connection: (\S+) port (\d+) → (\S+) port (\d+) \(TCP stream (\d+)\)",
                     re.sub(r"\s+", " ", text))
        if not m:
            continue
        cip, cport, sip, sport, stream = m.group(1), int(m.group(2)), m.group(3), int(m.group(4)), int(m.group(5))
        mine = by_stream.get(stream, {})
        if (cip, cport) == (sip, sport):
            continue  # both ends the same: directions cannot be told apart
        if not mine:
            errs.append("stream %d not in read --json" % stream)
            continue
        def from_client(r):
            return r["src"] == cip and r["sport"] == cport and r["dst"] == sip and r["dport"] == sport
        flat = re.sub(r"\s+", " ", text)
        # step lines, then what follows them up to the next step
        steps = list(re.finditer(
            r"Packet (\d+), (client|server) → (client|server): ((?:[A-Z]+=1, )*Seq=\d+(?:, Ack=\d+)?(?:, Len=\d+)?)\.",
            flat))
        for i, st in enumerate(steps):
            f = int(st.group(1))
            r = mine.get(f)
            nchecks += 1
            if not r:
                errs.append("packet %d is not in stream %d" % (f, stream)); continue
            if from_client(r) != (st.group(2) == "client"):
                errs.append("packet %d: wrong direction" % f)
            fields = dict(kv.split("=") for kv in st.group(4).split(", "))
            want = set(x for x in r["flags"].split(",") if x in FLAGS)
            said = set(k for k, v in fields.items() if v == "1" and k in FLAGS)
            if want != said:
                errs.append("packet %d: flags %s, read says %s" % (f, sorted(said), sorted(want)))
            if int(fields["Seq"]) != r["seq"]:
                errs.append("packet %d: Seq=%s, read says %d" % (f, fields["Seq"], r["seq"]))
            if "Ack" in fields and int(fields["Ack"]) != r["ack"]:
                errs.append("packet %d: Ack=%s, read says %d" % (f, fields["Ack"], r["ack"]))
            if int(fields.get("Len", 0)) != r.get("len", 0):
                errs.append("packet %d: Len=%s, read says %s" % (f, fields.get("Len", 0), r.get("len")))
            tail = flat[st.end(): steps[i + 1].start() if i + 1 < len(steps) else len(flat)]
            ms = re.search(r"Now the client is in (\S+) and the server in (\S+)\.", tail)
            if ms:
                nchecks += 1
                got = (ms.group(1), ms.group(2))
                exp = (r["state"]["client"], r["state"]["server"])
                if got != exp:
                    errs.append("packet %d: states %s, read says %s" % (f, got, exp))
            mi = re.search(r"the real number, chosen at random, is (\d+)", tail)
            if mi:
                nchecks += 1
                if int(mi.group(1)) != r["seq_raw"]:
                    errs.append("packet %d: ISN %s, read says %d" % (f, mi.group(1), r["seq_raw"]))
            mi = re.search(r"Seq=\d+ here, really (\d+)", tail)
            if mi:
                nchecks += 1
                if int(mi.group(1)) != r["seq_raw"]:
                    errs.append("packet %d: ISN %s, read says %d" % (f, mi.group(1), r["seq_raw"]))
            # the Ack this step explains is the packet's Ack
            for ma in re.finditer(r"Ack = (\d+)(?: \+ (\d+))? \+ 1 = (\d+)", tail):
                nchecks += 1
                if int(ma.group(3)) != r["ack"]:
                    errs.append("packet %d: explains Ack = %s, read says %d" % (f, ma.group(3), r["ack"]))
            for ma in re.finditer(r"Seq = (\d+) \+ 1 = (\d+)", tail):
                nchecks += 1
                if int(ma.group(2)) != r["seq"]:
                    errs.append("packet %d: explains Seq = %s, read says %d" % (f, ma.group(2), r["seq"]))
        # every sum is right
        for ma in re.finditer(r"(\d+) \+ (\d+)(?: \+ (\d+))? = (\d+)", flat):
            nchecks += 1
            s = int(ma.group(1)) + int(ma.group(2)) + int(ma.group(3) or 0)
            if s % 2**32 != int(ma.group(4)):
                errs.append("wrong sum: %s" % ma.group(0))
        # data each way
        for who, m2 in ((w, re.search(r"The %s sent (\d+) bytes? of data in (\d+) segments?\." % w, flat))
                        for w in ("client", "server")):
            sent = [r for r in mine.values() if from_client(r) == (who == "client")]
            nbytes = sum(r.get("len", 0) for r in sent)
            nsegs = sum(1 for r in sent if r.get("len", 0) > 0)
            if m2:
                nchecks += 1
                if (int(m2.group(1)), int(m2.group(2))) != (nbytes, nsegs):
                    errs.append("%s sent %s bytes in %s segments, read says %d in %d" %
                                (who, m2.group(1), m2.group(2), nbytes, nsegs))
            elif re.search(r"The %s sent no data\." % who, flat):
                nchecks += 1
                if nbytes:
                    errs.append("%s sent no data, read says %d bytes" % (who, nbytes))
        for mc in re.finditer(r"The (client|server) confirmed all of it in packet (\d+)(?:: Ack = 1 \+ \d+ = (\d+)| \(Ack=(\d+)\))", flat):
            nchecks += 1
            r = mine.get(int(mc.group(2)))
            ack = int(mc.group(3) or mc.group(4))
            if not r or r["ack"] != ack or from_client(r) != (mc.group(1) == "client"):
                errs.append("confirmation in packet %s does not match" % mc.group(2))
        # trouble counts and packets
        for mt in re.finditer(r"([A-Z][a-z-]+(?: [a-z-]+)?) (?:by|from) the (client|server): (\d+) \(packets? ([\d, …]+)\)", flat):
            name = TROUBLE.get(mt.group(1))
            if not name:
                continue
            nchecks += 1
            sent = [r for r in mine.values() if from_client(r) == (mt.group(2) == "client")]
            have = sorted(r["frame"] for r in sent if name in r["analysis"])
            if len(have) != int(mt.group(3)):
                errs.append("%s by the %s: %s, read says %d" % (mt.group(1), mt.group(2), mt.group(3), len(have)))
            listed = [int(x) for x in re.findall(r"\d+", mt.group(4))]
            if listed != have[:len(listed)]:
                errs.append("%s packets %s, read says %s" % (mt.group(1), listed, have[:len(listed)]))
        for mt in re.finditer(r"(\d+) of the (client|server)'s retransmissions were (fast retransmissions|needless) \(packets? ([\d, …]+)\)", flat):
            nchecks += 1
            name = "fast_retransmission" if mt.group(3).startswith("fast") else "spurious_retransmission"
            sent = [r for r in mine.values() if from_client(r) == (mt.group(2) == "client")]
            have = sorted(r["frame"] for r in sent if name in r["analysis"])
            listed = [int(x) for x in re.findall(r"\d+", mt.group(4))]
            if len(have) != int(mt.group(1)) or listed != have[:len(listed)]:
                errs.append("%s: %s %s, read says %d %s" % (name, mt.group(1), listed, len(have), have[:len(listed)]))
        mh = re.search(r"The handshake took ([\d.]+) ms \(packet (\d+) to packet (\d+)\)", flat)
        if mh:
            nchecks += 1
            r = mine.get(int(mh.group(3)))
            if not r or "irtt" not in r or abs(r["irtt"] * 1000 - float(mh.group(1))) > 0.001:
                errs.append("handshake time %s ms, read says %s" % (mh.group(1), r and r.get("irtt")))
    if not nchecks:
        return "SKIP"
    return "; ".join(errs[:5]) if errs else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcplens", required=True)
    ap.add_argument("captures", nargs="+")
    a = ap.parse_args()
    for cap in a.captures:
        name = os.path.basename(cap)
        why = check(a.tcplens, cap)
        if why == "SKIP":
            print("SKIP explain-numbers:%s: no connection with a number to check" % name)
        elif why:
            print("FAIL explain-numbers:%s: %s" % (name, why))
        else:
            print("PASS explain-numbers:%s" % name)


if __name__ == "__main__":
    main()
