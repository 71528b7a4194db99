/* summary: pcap / pcapng reader over a memory map or a bounded stream buffer.
 *
 * Formats: pcap (libpcap's tcpdump format, microsecond magic a1b2c3d4 and nanosecond magic
 * a1b23c4d, either byte order, and the "modified" 0xa1b2cd34 variant with 24-byte record
 * headers) and pcapng (draft-ietf-opsawg-pcapng: SHB, IDB with if_tsresol/if_tsoffset, EPB,
 * SPB and the obsolete PB; every other block is skipped). The format is detected from the first
 * bytes, never from the file name. */
#include "capfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hot.h"
#include "rd.h"
#include "xalloc.h"

/* For the rare paths off the per-record fast path: kept out of line so the fast path's caller
 * does not pay for their registers and stack. */
#define COLD __attribute__((noinline, cold))

#define STREAM_CHUNK (1u << 20)
/* A mapped file's pages behind the reader are let go in steps of this size, so that the
 * resident memory of reading a file stays flat whatever its size. */
#define MAP_RELEASE_STEP (2u << 20)

struct iface {
    uint32_t linktype;
    uint32_t snaplen;
    uint64_t units;          /* timestamp units per second (10^k or 2^k) */
    bool pow2;               /* units is 2^shift */
    uint8_t shift;
    int64_t tsoffset;        /* seconds */
};

struct capfile {
    int fd;
    bool own_fd;
    /* memory-mapped input */
    const uint8_t *map;
    size_t map_len;
    size_t map_released;     /* pages below this offset were given back (MADV_DONTNEED) */
    uint64_t release_at;     /* offset from which to give back more (UINT64_MAX: never) */
    /* offset below which a pcap record header is read in place with no other check: the map
     * holds a whole header there and no pages are due for release (0: never, e.g. pcapng) */
    uint64_t fast_end;
    /* stream input */
    uint8_t *buf;
    size_t buf_cap, buf_start, buf_end;
    bool eof;
    uint64_t off;            /* absolute offset of the next unread byte */
    uint64_t size;
    bool borrowed;           /* map is the caller's memory (capfile_open_mem): not unmapped */

    enum capfile_format format;
    bool swapped;            /* file byte order differs from big-endian reading helpers */
    bool modified;           /* pcap with 24-byte record headers */
    uint32_t linktype, snaplen;
    /* pcap, fixed per file: record header length, largest record, timestamp fraction units
     * per second and nanoseconds per unit */
    uint32_t rec_hl, rec_limit, frac_units, frac_ns;
    /* pcapng */
    struct iface *ifaces;
    uint32_t nifaces, cap_ifaces;
    bool little;             /* pcapng section byte order */
    uint32_t first_linktype;
    bool have_first;
};

/* ---- byte source ---- */

/* Pointer to n contiguous bytes at the current offset, or NULL if fewer than n remain. */
static const uint8_t *cf_peek(struct capfile *cf, size_t n, size_t *avail)
{
    if (cf->map) {
        size_t left = cf->off < cf->map_len ? cf->map_len - (size_t)cf->off : 0;
        if (avail)
            *avail = left;
        return left >= n ? cf->map + cf->off : NULL;
    }
    while (cf->buf_end - cf->buf_start < n && !cf->eof) {
        if (cf->buf_start > 0 && (cf->buf_cap - cf->buf_end < STREAM_CHUNK || cf->buf_cap < n)) {
            memmove(cf->buf, cf->buf + cf->buf_start, cf->buf_end - cf->buf_start);
            cf->buf_end -= cf->buf_start;
            cf->buf_start = 0;
        }
        if (cf->buf_cap - cf->buf_end < STREAM_CHUNK) {
            size_t nc = cf->buf_cap ? cf->buf_cap * 2 : 4 * STREAM_CHUNK;
            while (nc - cf->buf_end < STREAM_CHUNK || nc < n)
                nc *= 2;
            cf->buf = xrealloc(cf->buf, nc);
            cf->buf_cap = nc;
        }
        ssize_t r = read(cf->fd, cf->buf + cf->buf_end, cf->buf_cap - cf->buf_end);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            cf->eof = true;
            break;
        }
        if (r == 0) {
            cf->eof = true;
            break;
        }
        cf->buf_end += (size_t)r;
    }
    size_t left = cf->buf_end - cf->buf_start;
    if (avail)
        *avail = left;
    return left >= n ? cf->buf + cf->buf_start : NULL;
}

static void cf_advance(struct capfile *cf, size_t n)
{
    cf->off += n;
    if (!cf->map)
        cf->buf_start += n;
}

/* ---- integer helpers in file byte order ---- */

static uint16_t f16(const struct capfile *cf, const uint8_t *p, bool little)
{
    (void)cf;
    return little ? ld_le16(p) : ld_be16(p);
}

static uint32_t f32(const struct capfile *cf, const uint8_t *p, bool little)
{
    (void)cf;
    return little ? ld_le32(p) : ld_be32(p);
}

/* ---- open ---- */

static int cf_start(struct capfile **out, struct capfile *cf, const char *name, bool *not_capture,
                    struct errbuf *eb);

/* fast_end for a mapped pcap after a change of release_at (others keep 0) */
static void set_fast_end(struct capfile *cf)
{
    if (!cf->map || cf->format == CAPFILE_PCAPNG || cf->map_len < cf->rec_hl)
        return;
    uint64_t tail = (uint64_t)(cf->map_len - cf->rec_hl) + 1;
    cf->fast_end = cf->release_at < tail ? cf->release_at : tail;
}

int capfile_open(struct capfile **out, const char *path, bool *not_capture, struct errbuf *eb)
{
    *out = NULL;
    if (not_capture)
        *not_capture = false;
    struct capfile *cf = xcalloc(1, sizeof *cf);
    cf->fd = -1;
    cf->release_at = UINT64_MAX;
    if (!strcmp(path, "-")) {
        cf->fd = STDIN_FILENO;
    } else {
        cf->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (cf->fd < 0) {
            err_set_errno(eb, errno, "cannot open %s", path);
            free(cf);
            return -1;
        }
        cf->own_fd = true;
    }
    struct stat st;
    if (fstat(cf->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        cf->size = (uint64_t)st.st_size;
        if (st.st_size > 0) {
            void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, cf->fd, 0);
            if (m != MAP_FAILED) {
                cf->map = m;
                cf->map_len = (size_t)st.st_size;
                cf->release_at = MAP_RELEASE_STEP;
                madvise(m, cf->map_len, MADV_SEQUENTIAL);
            }
        }
    } else if (fstat(cf->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        err_set(eb, "%s is a directory, not a capture file", path);
        capfile_close(cf);
        return -1;
    }
    return cf_start(out, cf, strcmp(path, "-") ? path : "standard input", not_capture, eb);
}

/* Detect the format from the first bytes and read the pcap file header; on failure cf is
 * closed. Shared by capfile_open and capfile_open_mem. */
static int cf_start(struct capfile **out, struct capfile *cf, const char *name, bool *not_capture,
                    struct errbuf *eb)
{
    size_t avail = 0;
    const uint8_t *h = cf_peek(cf, 4, &avail);
    if (!h) {
        if (not_capture)
            *not_capture = true;
        if (avail == 0)
            err_set(eb, "%s is empty: not a capture file", name);
        else
            err_set(eb, "%s is too short to be a capture file (%zu bytes)", name, avail);
        capfile_close(cf);
        return -1;
    }
    uint32_t magic_be = ld_be32(h);
    if (magic_be == 0x0A0D0D0A) {
        cf->format = CAPFILE_PCAPNG;
        *out = cf;
        return 0;
    }
    bool swapped;
    switch (magic_be) {
    case 0xa1b2c3d4: swapped = false; cf->format = CAPFILE_PCAP; break;
    case 0xd4c3b2a1: swapped = true; cf->format = CAPFILE_PCAP; break;
    case 0xa1b23c4d: swapped = false; cf->format = CAPFILE_PCAP_NSEC; break;
    case 0x4d3cb2a1: swapped = true; cf->format = CAPFILE_PCAP_NSEC; break;
    case 0xa1b2cd34: swapped = false; cf->format = CAPFILE_PCAP; cf->modified = true; break;
    case 0x34cdb2a1: swapped = true; cf->format = CAPFILE_PCAP; cf->modified = true; break;
    default:
        if (not_capture)
            *not_capture = true;
        err_set(eb, "%s is not a capture file (unknown magic 0x%08x; pcap and pcapng are read)",
                name, magic_be);
        capfile_close(cf);
        return -1;
    }
    h = cf_peek(cf, 24, &avail);
    if (!h) {
        if (not_capture)
            *not_capture = true;
        err_set(eb, "%s: pcap file header cut short (%zu of 24 bytes)", name, avail);
        capfile_close(cf);
        return -1;
    }
    cf->swapped = swapped;
    /* "swapped" relative to big-endian magic reading: the file is little-endian */
    bool little = swapped;
    cf->snaplen = f32(cf, h + 16, little);
    cf->linktype = f32(cf, h + 20, little) & 0x0FFFFFFF; /* upper bits: FCS length info */
    cf->rec_hl = cf->modified ? 24 : 16;
    uint32_t limit = cf->snaplen > CAPFILE_MAX_RECORD ? cf->snaplen : CAPFILE_MAX_RECORD;
    cf->rec_limit = limit > CAPFILE_MAX_BLOCK ? CAPFILE_MAX_BLOCK : limit;
    cf->frac_units = cf->format == CAPFILE_PCAP_NSEC ? 1000000000u : 1000000u;
    cf->frac_ns = cf->format == CAPFILE_PCAP_NSEC ? 1u : 1000u;
    cf_advance(cf, 24);
    set_fast_end(cf);
    *out = cf;
    return 0;
}

int capfile_open_mem(struct capfile **out, const uint8_t *data, size_t len, const char *name,
                     bool *not_capture, struct errbuf *eb)
{
    *out = NULL;
    if (not_capture)
        *not_capture = false;
    struct capfile *cf = xcalloc(1, sizeof *cf);
    cf->fd = -1;
    cf->eof = true; /* nothing to read beyond the given bytes */
    cf->map = len ? data : NULL;
    cf->map_len = len;
    cf->size = len;
    cf->borrowed = true;
    cf->release_at = UINT64_MAX;
    return cf_start(out, cf, name ? name : "capture", not_capture, eb);
}

void capfile_close(struct capfile *cf)
{
    if (!cf)
        return;
    if (cf->map && !cf->borrowed)
        munmap((void *)cf->map, cf->map_len);
    if (cf->own_fd && cf->fd >= 0)
        close(cf->fd);
    free(cf->buf);
    free(cf->ifaces);
    free(cf);
}

enum capfile_format capfile_format(const struct capfile *cf)
{
    return cf->format;
}

uint32_t capfile_linktype(const struct capfile *cf)
{
    if (cf->format == CAPFILE_PCAPNG)
        return cf->have_first ? cf->first_linktype : 1;
    return cf->linktype;
}

uint32_t capfile_snaplen(const struct capfile *cf)
{
    if (cf->format == CAPFILE_PCAPNG)
        return cf->nifaces ? cf->ifaces[0].snaplen : 262144;
    return cf->snaplen;
}

uint64_t capfile_offset(const struct capfile *cf)
{
    return cf->off;
}

uint64_t capfile_size(const struct capfile *cf)
{
    return cf->size;
}

/* ---- pcap ---- */

/* The record header's four fields in file byte order. */
static inline void pcap_fields(const struct capfile *cf, const uint8_t *h, uint32_t *sec, uint32_t *frac,
                        uint32_t *incl, uint32_t *orig)
{
    if (cf->swapped) {
        *sec = ld_le32(h);
        *frac = ld_le32(h + 4);
        *incl = ld_le32(h + 8);
        *orig = ld_le32(h + 12);
    } else {
        *sec = ld_be32(h);
        *frac = ld_be32(h + 4);
        *incl = ld_be32(h + 8);
        *orig = ld_be32(h + 12);
    }
}

/* A damaged, cut or stream-read record, and the end of the file: the careful way. */
COLD static int pcap_next_slow(struct capfile *cf, struct cap_rec *rec, struct errbuf *eb)
{
    size_t hl = cf->rec_hl, avail;
    const uint8_t *h = cf_peek(cf, hl, &avail);
    if (!h) {
        if (avail == 0)
            return 0;
        return err_set(eb, "capture cut short in the middle of a packet header (%zu of %zu bytes "
                           "at offset %llu)",
                       avail, hl, (unsigned long long)cf->off);
    }
    uint32_t sec, frac, incl, orig;
    pcap_fields(cf, h, &sec, &frac, &incl, &orig);
    uint32_t limit = cf->rec_limit;
    if (incl > limit)
        return err_set(eb, "damaged capture: packet record at offset %llu claims %u bytes, more "
                           "than the maximum of %u",
                       (unsigned long long)cf->off, incl, limit);
    const uint8_t *d = cf_peek(cf, hl + incl, &avail);
    if (!d)
        return err_set(eb, "capture cut short in the middle of a packet (%zu of %u bytes at "
                           "offset %llu)",
                       avail > hl ? avail - hl : 0, incl, (unsigned long long)cf->off);
    int64_t ts = (int64_t)sec + frac / cf->frac_units;
    rec->ts_sec = ts > CAPFILE_TS_MAX ? CAPFILE_TS_MAX : ts;
    rec->ts_nsec = (frac % cf->frac_units) * cf->frac_ns;
    rec->caplen = incl;
    rec->wirelen = orig < incl ? incl : orig;
    rec->linktype = cf->linktype;
    rec->ifindex = 0;
    rec->data = d + hl;
    cf_advance(cf, hl + incl);
    return 1;
}

/* ---- pcapng ---- */

static void ng_iface_ts(const struct iface *ifc, uint32_t hi, uint32_t lo, struct cap_rec *rec)
{
    uint64_t t = ((uint64_t)hi << 32) | lo;
    uint64_t sec, frac_ns;
    if (ifc->pow2) {
        sec = ifc->shift >= 64 ? 0 : t >> ifc->shift;
        uint64_t frac = ifc->shift >= 64 ? t : t & ((1ULL << ifc->shift) - 1);
        frac_ns = (uint64_t)(((unsigned __int128)frac * 1000000000u) >> ifc->shift);
    } else {
        sec = t / ifc->units;
        uint64_t frac = t % ifc->units;
        if (ifc->units <= 1000000000u)
            frac_ns = frac * (1000000000u / ifc->units);
        else
            frac_ns = frac / (ifc->units / 1000000000u);
    }
    __int128 s = (__int128)sec + ifc->tsoffset; /* both may be huge in a damaged file */
    rec->ts_sec = s > CAPFILE_TS_MAX ? CAPFILE_TS_MAX : s < -CAPFILE_TS_MAX ? -CAPFILE_TS_MAX
                                                                             : (int64_t)s;
    rec->ts_nsec = (uint32_t)frac_ns;
}

static int ng_parse_shb(struct capfile *cf, const uint8_t *b, uint32_t blen, struct errbuf *eb)
{
    if (blen < 28)
        return err_set(eb, "damaged pcapng: section header block too short (%u bytes)", blen);
    uint32_t bom = ld_be32(b + 8);
    if (bom == 0x1A2B3C4D)
        cf->little = false;
    else if (bom == 0x4D3C2B1A)
        cf->little = true;
    else
        return err_set(eb, "damaged pcapng: bad byte-order magic 0x%08x", bom);
    uint16_t major = f16(cf, b + 12, cf->little);
    if (major != 1)
        return err_set(eb, "pcapng version %u is not supported", major);
    cf->nifaces = 0; /* interfaces are per section */
    return 0;
}

static int ng_parse_idb(struct capfile *cf, const uint8_t *b, uint32_t blen, struct errbuf *eb)
{
    if (blen < 20)
        return err_set(eb, "damaged pcapng: interface description block too short");
    if (cf->nifaces >= CAPFILE_MAX_IFACES)
        return err_set(eb, "pcapng: more than %u interfaces", CAPFILE_MAX_IFACES);
    if (cf->nifaces == cf->cap_ifaces) {
        cf->cap_ifaces = cf->cap_ifaces ? cf->cap_ifaces * 2 : 8;
        cf->ifaces = xrealloc(cf->ifaces, cf->cap_ifaces * sizeof *cf->ifaces);
    }
    struct iface *ifc = &cf->ifaces[cf->nifaces++];
    memset(ifc, 0, sizeof *ifc);
    ifc->linktype = f16(cf, b + 8, cf->little);
    ifc->snaplen = f32(cf, b + 12, cf->little);
    ifc->units = 1000000;
    if (!cf->have_first) {
        cf->have_first = true;
        cf->first_linktype = ifc->linktype;
    }
    /* options: code(2) len(2) value padded to 4 */
    struct rd r = rd_make(b + 16, blen - 20);
    while (rd_has(&r, 4)) {
        uint16_t code = f16(cf, r.p, cf->little), len = f16(cf, r.p + 2, cf->little);
        rd_skip(&r, 4);
        if (code == 0)
            break;
        if (!rd_has(&r, len))
            break;
        if (code == 9 && len >= 1) {
            uint8_t v = r.p[0];
            if (v & 0x80) {
                uint8_t s = v & 0x7F;
                if (s < 64) {
                    ifc->pow2 = true;
                    ifc->shift = s;
                    ifc->units = 1ULL << s;
                }
            } else if (v <= 19) {
                uint64_t u = 1;
                for (uint8_t i = 0; i < v; i++)
                    u *= 10;
                ifc->units = u;
            }
        } else if (code == 14 && len >= 8) {
            uint64_t hi = f32(cf, r.p, cf->little), lo = f32(cf, r.p + 4, cf->little);
            ifc->tsoffset = (int64_t)(cf->little ? ((lo << 32) | hi) : ((hi << 32) | lo));
        }
        rd_skip(&r, ((size_t)len + 3u) & ~3u);
    }
    return 0;
}

COLD static int ng_next(struct capfile *cf, struct cap_rec *rec, struct errbuf *eb)
{
    for (;;) {
        size_t avail;
        const uint8_t *h = cf_peek(cf, 8, &avail);
        if (!h) {
            if (avail == 0)
                return 0;
            return err_set(eb, "capture cut short in the middle of a block header (%zu of 8 bytes "
                               "at offset %llu)",
                           avail, (unsigned long long)cf->off);
        }
        uint32_t type = ld_be32(h);
        bool little = cf->little;
        if (type == 0x0A0D0D0A) {
            /* byte order comes from the SHB itself */
            const uint8_t *s = cf_peek(cf, 12, &avail);
            if (!s)
                return err_set(eb, "capture cut short in a section header block");
            h = s; /* reading more may have moved the stream buffer */
            uint32_t bom = ld_be32(s + 8);
            little = bom == 0x4D3C2B1A;
        } else {
            type = f32(cf, h, little);
        }
        uint32_t blen = f32(cf, h + 4, little);
        if (blen < 12 || (blen & 3) != 0 || blen > CAPFILE_MAX_BLOCK)
            return err_set(eb, "damaged pcapng: block at offset %llu has an invalid length (%u)",
                           (unsigned long long)cf->off, blen);
        const uint8_t *b = cf_peek(cf, blen, &avail);
        if (!b)
            return err_set(eb, "capture cut short in the middle of a block (%zu of %u bytes at "
                               "offset %llu)",
                           avail, blen, (unsigned long long)cf->off);
        if (f32(cf, b + blen - 4, little) != blen && type != 0x0A0D0D0A)
            return err_set(eb, "damaged pcapng: block at offset %llu has mismatched lengths",
                           (unsigned long long)cf->off);
        int rc = 0;
        switch (type) {
        case 0x0A0D0D0A:
            rc = ng_parse_shb(cf, b, blen, eb);
            break;
        case 1:
            rc = ng_parse_idb(cf, b, blen, eb);
            break;
        case 6:   /* enhanced packet block */
        case 2: { /* obsolete packet block */
            if (blen < 32)
                return err_set(eb, "damaged pcapng: packet block too short (%u bytes)", blen);
            uint32_t ifid = type == 6 ? f32(cf, b + 8, little) : f16(cf, b + 8, little);
            uint32_t hi = f32(cf, b + 12, little), lo = f32(cf, b + 16, little);
            uint32_t cap = f32(cf, b + 20, little), orig = f32(cf, b + 24, little);
            if (ifid >= cf->nifaces)
                return err_set(eb, "damaged pcapng: packet for undefined interface %u", ifid);
            if (cap > blen - 32 || cap > CAPFILE_MAX_RECORD)
                return err_set(eb, "damaged pcapng: packet block at offset %llu claims %u bytes",
                               (unsigned long long)cf->off, cap);
            const struct iface *ifc = &cf->ifaces[ifid];
            ng_iface_ts(ifc, hi, lo, rec);
            rec->caplen = cap;
            rec->wirelen = orig < cap ? cap : orig;
            rec->linktype = ifc->linktype;
            rec->ifindex = ifid;
            rec->data = b + 28;
            cf_advance(cf, blen);
            return 1;
        }
        case 3: { /* simple packet block */
            if (blen < 16)
                return err_set(eb, "damaged pcapng: simple packet block too short");
            if (cf->nifaces == 0)
                return err_set(eb, "damaged pcapng: simple packet block before any interface");
            uint32_t orig = f32(cf, b + 8, little);
            uint32_t cap = blen - 16;
            if (orig < cap)
                cap = orig;
            if (cf->ifaces[0].snaplen && cap > cf->ifaces[0].snaplen)
                cap = cf->ifaces[0].snaplen;
            rec->ts_sec = 0;
            rec->ts_nsec = 0;
            rec->caplen = cap;
            rec->wirelen = orig < cap ? cap : orig;
            rec->linktype = cf->ifaces[0].linktype;
            rec->ifindex = 0;
            rec->data = b + 12;
            cf_advance(cf, blen);
            return 1;
        }
        default:
            break; /* name resolution, statistics, custom, unknown: skipped */
        }
        if (rc < 0)
            return rc;
        cf_advance(cf, blen);
    }
}

/* The record handed out last is no longer borrowed: give back the mapped pages before it.
 * They stay in the page cache; only this process's mapping of them goes. */
COLD static void cf_release_behind(struct capfile *cf)
{
    if (cf->off > cf->map_len)
        return;
    size_t end = (size_t)cf->off & ~(size_t)(MAP_RELEASE_STEP - 1);
    if (end > cf->map_released &&
        madvise((void *)(cf->map + cf->map_released), end - cf->map_released, MADV_DONTNEED) == 0)
        cf->map_released = end;
    cf->release_at = (uint64_t)cf->map_released + MAP_RELEASE_STEP;
}

/* Anything but a whole record of a mapped pcap below fast_end: pages to give back, pcapng, a
 * stream, the end of the file, damage. Timestamps come out clamped to CAPFILE_TS_MAX: by
 * capfile_next, pcap_next_slow and ng_iface_ts (a simple packet block has 0). */
COLD static int next_slow(struct capfile *cf, struct cap_rec *rec, struct errbuf *eb)
{
    /* release_at is MAP_RELEASE_STEP past map_released for an own map, else never */
    if (cf->off >= cf->release_at) {
        cf_release_behind(cf);
        set_fast_end(cf);
        if (cf->off < cf->fast_end)
            return capfile_next(cf, rec, eb);
    }
    if (cf->format == CAPFILE_PCAPNG)
        return ng_next(cf, rec, eb);
    return pcap_next_slow(cf, rec, eb);
}

/* The commonest record: whole, in a memory-mapped pcap, with a fraction below one second, in
 * either byte order (little). Every other path ends in a tail call, so this one saves no
 * registers. The record's fields are stored one by one: as one vector they cost more. */
static inline __attribute__((always_inline)) int
pcap_in_place(struct capfile *cf, struct cap_rec *rec, struct errbuf *eb, uint64_t off,
              const bool little)
{
    size_t hl = cf->rec_hl;
    const uint8_t *h = cf->map + off;
    uint32_t incl = little ? ld_le32(h + 8) : ld_be32(h + 8);
    if (incl > cf->rec_limit || incl > cf->map_len - (size_t)off - hl)
        return pcap_next_slow(cf, rec, eb);
    uint32_t frac = little ? ld_le32(h + 4) : ld_be32(h + 4);
    if (frac >= cf->frac_units)
        return pcap_next_slow(cf, rec, eb);
    uint32_t sec = little ? ld_le32(h) : ld_be32(h);
    uint32_t orig = little ? ld_le32(h + 12) : ld_be32(h + 12);
    rec->ts_sec = sec;
    rec->ts_nsec = frac * cf->frac_ns;
    rec->caplen = incl;
    rec->wirelen = orig < incl ? incl : orig;
    rec->linktype = cf->linktype;
    rec->ifindex = 0;
    rec->data = h + hl;
    cf->off = off + hl + incl;
    return 1;
}

NO_SLP int capfile_next(struct capfile *cf, struct cap_rec *rec, struct errbuf *eb)
{
    uint64_t off = cf->off;
    if (off >= cf->fast_end)
        return next_slow(cf, rec, eb);
    if (cf->swapped)
        return pcap_in_place(cf, rec, eb, off, true);
    return pcap_in_place(cf, rec, eb, off, false);
}
