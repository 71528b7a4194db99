#!/usr/bin/env python3
"""Write a small pcap whose packets break TCP's rules, for the explanation to notice.

  mkbroken.py OUT.pcap

Connection 1 (port 40001): the SYN+ACK acknowledges 1006 instead of ISN+1.
Connection 2 (port 40002): the client's FIN comes 100 bytes after the end of the data the
capture has (a segment is missing before it).
Connection 3 (port 40003): the server's ACK of the client's FIN acknowledges one more than it
should (Ack = FIN + 2)."""
import struct, sys

C, S = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
F, SY, R, P, A = 1, 2, 4, 8, 16


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pkt(src, dst, sport, dport, seq, ack, flags, data=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, 65535, 0, 0) + data
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def conn(port, ci, si, steps):
    out = []
    for who, seq, ack, flags, n in steps:
        if who == "c":
            out.append(pkt(C, S, port, 80, ci + seq, si + ack if flags & A else 0, flags, b"x" * n))
        else:
            out.append(pkt(S, C, 80, port, si + seq, ci + ack, flags, b"y" * n))
    return out


packets = []
packets += conn(40001, 1000, 5000, [("c", 0, 0, SY, 0), ("s", 0, 6, SY | A, 0),
                                    ("c", 1, 1, A, 0), ("c", 1, 1, F | A, 0),
                                    ("s", 1, 2, A, 0), ("s", 1, 2, F | A, 0), ("c", 2, 2, A, 0)])
packets += conn(40002, 7000, 9000, [("c", 0, 0, SY, 0), ("s", 0, 1, SY | A, 0),
                                    ("c", 1, 1, A, 0), ("c", 1, 1, P | A, 100),
                                    ("s", 1, 101, A, 0), ("c", 201, 1, F | A, 0),
                                    ("s", 1, 202, A, 0), ("s", 1, 202, F | A, 0),
                                    ("c", 202, 2, A, 0)])
packets += conn(40003, 3000, 4000, [("c", 0, 0, SY, 0), ("s", 0, 1, SY | A, 0),
                                    ("c", 1, 1, A, 0), ("c", 1, 1, F | A, 0),
                                    ("s", 1, 3, A, 0), ("s", 1, 3, F | A, 0), ("c", 2, 2, A, 0)])
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, p in enumerate(packets):
        f.write(struct.pack("<IIII", 1700000000, i * 1000, len(p), len(p)) + p)
