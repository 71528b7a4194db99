#!/usr/bin/env python3
"""summary: read a PNG with zlib and struct only (no PIL) for the report's browser test.

  png.py check FILE X0 Y0 X1 Y1   prints "WxH distinct=N inked=P" for the box and exits 1 if
                                  the whole image is one colour (blank)
  png.py crop FILE X0 Y0 X1 Y1 OUT   writes the box as a new PNG (for looking at details)
"""
import struct
import sys
import zlib


def read(path):
    d = open(path, 'rb').read()
    if d[:8] != b'\x89PNG\r\n\x1a\n':
        raise SystemExit('%s: not a PNG' % path)
    i, idat = 8, b''
    w = h = bd = ct = None
    while i < len(d):
        n, = struct.unpack('>I', d[i:i + 4])
        t, c = d[i + 4:i + 8], d[i + 8:i + 8 + n]
        i += 12 + n
        if t == b'IHDR':
            w, h, bd, ct = struct.unpack('>IIBB', c[:10])
        elif t == b'IDAT':
            idat += c
    if bd != 8 or ct not in (2, 6):
        raise SystemExit('%s: unsupported PNG (bit depth %s, colour type %s)' % (path, bd, ct))
    bpp = 3 if ct == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        if f == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif f == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 255
        elif f == 3:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((a + prev[x]) >> 1)) & 255
        elif f == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def pixels(rows, bpp, x0, y0, x1, y1):
    for y in range(y0, y1):
        r = rows[y]
        for x in range(x0, x1):
            yield r[x * bpp:x * bpp + 3]


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    w, h, bpp, rows = read(path)
    x0, y0, x1, y1 = (int(v) for v in sys.argv[3:7])
    x1, y1 = min(x1, w), min(y1, h)
    if cmd == 'check':
        every = set()
        for y in range(0, h, 4):
            for x in range(0, w, 4):
                every.add(rows[y][x * bpp:x * bpp + 3])
        box = list(pixels(rows, bpp, x0, y0, x1, y1))
        distinct = len(set(box))
        # "inked": pixels clearly darker than the light background (lines, arrows, text)
        inked = sum(1 for p in box if sum(p) < 600)
        print('%dx%d distinct=%d inked=%d colours=%d' % (w, h, distinct, inked, len(every)))
        sys.exit(0 if len(every) > 1 else 1)
    if cmd == 'crop':
        out = bytearray()
        for y in range(y0, y1):
            out.append(0)
            out += rows[y][x0 * bpp:x1 * bpp]
        def chunk(t, c):
            return struct.pack('>I', len(c)) + t + c + struct.pack('>I', zlib.crc32(t + c))
        ihdr = struct.pack('>IIBBBBB', x1 - x0, y1 - y0, 8, 2 if bpp == 3 else 6, 0, 0, 0)
        open(sys.argv[7], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
                                      chunk(b'IDAT', zlib.compress(bytes(out))) +
                                      chunk(b'IEND', b''))


main()
