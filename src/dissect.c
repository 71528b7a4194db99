/* summary: link, network and transport dissectors (Ethernet/802.1Q/QinQ, Linux SLL and SLL2,
 * BSD NULL/LOOP, raw IP; IPv4 with options and fragments, IPv6 with extension headers; TCP with
 * options, UDP, ICMP, ICMPv6, ARP) and the dispatch to the application dissectors.
 *
 * References: RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP), RFC 7323 (window scale,
 * timestamps), RFC 2018 (SACK), RFC 7413 (TFO), RFC 768 (UDP), RFC 792 / RFC 4443 (ICMP).
 *
 * Length rules follow Wireshark so that `len` agrees with tshark's tcp.len: the TCP segment's
 * reported length is the IP-declared length when it fits in what the frame says went over the
 * wire, else what the frame says; tcp.len is that minus the TCP header length. */
#include "dissect.h"

#include <stddef.h>
#include <string.h>

#include "dis_app.h"
#include "hot.h"
#include "rd.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE_SESS 0x8864
#define ETHERTYPE_QINQ 0x88A8
#define ETHERTYPE_QINQ_OLD1 0x9100
#define ETHERTYPE_QINQ_OLD2 0x9200

#define MAX_VLAN_TAGS 8
#define MAX_IPV6_EXT 16

/* ---- helpers ---- */

static void mark(struct pkt *p, enum dis_status st, const char *layer, const char *why)
{
    if (p->status != DIS_OK)
        return; /* keep the first (outermost) problem */
    p->status = st;
    p->bad_layer = layer;
    p->bad_reason = why;
}

struct wire {
    struct rd r;      /* captured bytes of this layer */
    uint32_t wire;    /* bytes this layer has on the wire (reported length) */
};

/* The commonest packets (Ethernet, IPv4 or IPv6, TCP, whole) have a way of their own in
 * dissect(), eth_ip_tcp; everything else goes through the layers below. */
#define ALWAYS_INLINE static inline __attribute__((always_inline))

static void dis_ipv4(struct pkt *p, struct wire w);
static void dis_ipv6(struct pkt *p, struct wire w);
static void dis_l4(struct pkt *p, uint8_t proto, struct wire w);
ALWAYS_INLINE void ipv4_in(struct pkt *p, struct wire w);
ALWAYS_INLINE void l4_in(struct pkt *p, uint8_t proto, struct wire w);

/* ---- link layer ---- */

static void dis_ethertype(struct pkt *p, uint16_t type, struct wire w)
{
    p->ethertype = type;
    switch (type) {
    case ETHERTYPE_IPV4:
        dis_ipv4(p, w);
        break;
    case ETHERTYPE_IPV6:
        dis_ipv6(p, w);
        break;
    case ETHERTYPE_PPPOE_SESS: {
        /* RFC 2516: ver/type, code, session id, length, then the PPP protocol field */
        struct rd r = w.r;
        if (!rd_has(&r, 8)) {
            mark(p, DIS_TRUNCATED, "pppoe", "PPPoE header cut short");
            return;
        }
        uint16_t plen = ld_be16(r.p + 4), proto = ld_be16(r.p + 6);
        rd_skip(&r, 8);
        uint32_t wire = plen >= 2 ? plen - 2u : 0;
        if (w.wire >= 8 && wire > w.wire - 8)
            wire = w.wire - 8;
        struct wire in = {r, wire};
        if (proto == 0x0021)
            dis_ipv4(p, in);
        else if (proto == 0x0057)
            dis_ipv6(p, in);
        else
            p->l3 = L3_OTHER;
        break;
    }
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MC: {
        /* RFC 3032 label stack; the payload's IP version follows the bottom label */
        struct rd r = w.r;
        uint32_t hdr = 0;
        for (int i = 0; i < 16; i++) {
            if (!rd_has(&r, 4)) {
                mark(p, DIS_TRUNCATED, "mpls", "MPLS label stack cut short");
                return;
            }
            bool bos = (r.p[2] & 1) != 0;
            rd_skip(&r, 4);
            hdr += 4;
            if (bos) {
                struct wire in = {r, w.wire > hdr ? w.wire - hdr : 0};
                if (rd_has(&r, 1) && (r.p[0] >> 4) == 4)
                    dis_ipv4(p, in);
                else if (rd_has(&r, 1) && (r.p[0] >> 4) == 6)
                    dis_ipv6(p, in);
                else
                    p->l3 = L3_OTHER;
                return;
            }
        }
        mark(p, DIS_INVALID, "mpls", "MPLS label stack too deep");
        break;
    }
    case ETHERTYPE_ARP: {
        p->l3 = L3_ARP;
        struct rd r = w.r;
        uint16_t htype = rd_be16(&r), ptype = rd_be16(&r);
        uint8_t hlen = rd_u8(&r), plen = rd_u8(&r);
        p->arp_op = rd_be16(&r);
        if (r.short_read) {
            mark(p, DIS_TRUNCATED, "arp", "ARP header cut short");
            return;
        }
        if (htype == 1 && ptype == ETHERTYPE_IPV4 && hlen == 6 && plen == 4 && rd_has(&r, 20)) {
            p->src.family = p->dst.family = 4;
            memcpy(p->src.a, r.p + 6, 4);  /* sender protocol address */
            memcpy(p->dst.a, r.p + 16, 4); /* target protocol address */
            /* keep the sender hardware address for "is at" */
            memcpy(p->arena, r.p, 6);
            p->arena_used = 6;
        }
        break;
    }
    default:
        p->l3 = L3_OTHER;
        break;
    }
}

static void dis_ethernet(struct pkt *p, struct wire w)
{
    struct rd r = w.r;
    if (!rd_skip(&r, 12)) {
        mark(p, DIS_TRUNCATED, "eth", "Ethernet header cut short");
        return;
    }
    uint16_t type = rd_be16(&r);
    uint32_t hdr = 14;
    while (!r.short_read && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
                             type == ETHERTYPE_QINQ_OLD1 || type == ETHERTYPE_QINQ_OLD2)) {
        uint16_t tci = rd_be16(&r);
        type = rd_be16(&r);
        hdr += 4;
        if (p->nvlan < 2)
            p->vlan[p->nvlan] = tci & 0x0FFF;
        if (++p->nvlan > MAX_VLAN_TAGS) {
            mark(p, DIS_INVALID, "vlan", "too many VLAN tags");
            return;
        }
    }
    if (r.short_read) {
        mark(p, DIS_TRUNCATED, "eth", "Ethernet header cut short");
        return;
    }
    if (type <= 1500) {
        /* IEEE 802.3 length field: LLC, possibly with SNAP carrying an ethertype */
        if (rd_has(&r, 8) && r.p[0] == 0xAA && r.p[1] == 0xAA && r.p[2] == 0x03) {
            type = ld_be16(r.p + 6);
            rd_skip(&r, 8);
            hdr += 8;
        } else {
            p->l3 = L3_OTHER;
            p->ethertype = 0;
            return;
        }
    }
    struct wire in = {r, w.wire > hdr ? w.wire - hdr : 0};
    dis_ethertype(p, type, in);
}

static void dis_sll(struct pkt *p, struct wire w, bool v2)
{
    struct rd r = w.r;
    uint32_t hdr = v2 ? 20 : 16;
    if (!rd_has(&r, hdr)) {
        mark(p, DIS_TRUNCATED, v2 ? "sll2" : "sll", "Linux cooked header cut short");
        return;
    }
    uint16_t proto = v2 ? ld_be16(r.p) : ld_be16(r.p + 14);
    uint16_t hatype = v2 ? ld_be16(r.p + 8) : ld_be16(r.p + 2);
    rd_skip(&r, hdr);
    struct wire in = {r, w.wire > hdr ? w.wire - hdr : 0};
    if (hatype == 824 /* ARPHRD_NETLINK */ || proto < 0x0600) {
        p->l3 = L3_OTHER;
        return;
    }
    dis_ethertype(p, proto, in);
}

static void dis_raw(struct pkt *p, struct wire w, int version)
{
    if (version == 0) {
        if (!rd_has(&w.r, 1)) {
            mark(p, DIS_TRUNCATED, "ip", "empty packet");
            return;
        }
        version = w.r.p[0] >> 4;
    }
    if (version == 4)
        dis_ipv4(p, w);
    else if (version == 6)
        dis_ipv6(p, w);
    else {
        p->l3 = L3_OTHER;
        mark(p, DIS_INVALID, "ip", "raw packet is neither IPv4 nor IPv6");
    }
}

static void dis_null(struct pkt *p, struct wire w, bool loop)
{
    struct rd r = w.r;
    if (!rd_has(&r, 4)) {
        mark(p, DIS_TRUNCATED, "null", "loopback header cut short");
        return;
    }
    /* DLT_NULL stores the address family in the capturing host's byte order */
    uint32_t af = loop ? ld_be32(r.p) : ((r.p[0] || r.p[1]) ? ld_le32(r.p) : ld_be32(r.p));
    rd_skip(&r, 4);
    struct wire in = {r, w.wire > 4 ? w.wire - 4 : 0};
    switch (af) {
    case 2:
        dis_ipv4(p, in);
        break;
    case 10: case 24: case 28: case 30:
        dis_ipv6(p, in);
        break;
    default:
        p->l3 = L3_OTHER;
        break;
    }
}

/* ---- IPv4 ----
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |Version|  IHL  |Type of Service|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options                    |    Padding    |
 */
ALWAYS_INLINE void ipv4_in(struct pkt *p, struct wire w)
{
    p->l3 = L3_IPV4;
    size_t cap = rd_left(&w.r);
    if (cap < 20) {
        mark(p, DIS_TRUNCATED, "ip", "IPv4 header cut short");
        return;
    }
    /* read into locals first: a store into *p may alias the packet bytes */
    const uint8_t *h = w.r.p;
    uint8_t vihl = h[0], ttl = h[8], proto = h[9];
    uint8_t ihl = (uint8_t)((vihl & 0x0F) * 4);
    uint16_t total = ld_be16(h + 2), id = ld_be16(h + 4), fo = ld_be16(h + 6);
    uint32_t sa, da;
    memcpy(&sa, h + 12, 4);
    memcpy(&da, h + 16, 4);
    p->ip_id = id;
    p->ip_len = total;
    p->ttl = ttl;
    p->ipproto = proto;
    p->src.family = p->dst.family = 4;
    memcpy(p->src.a, &sa, 4);
    memcpy(p->dst.a, &da, 4);
    if ((vihl >> 4) != 4) {
        mark(p, DIS_INVALID, "ip", "bogus IP version");
        return;
    }
    if (ihl < 20) {
        mark(p, DIS_INVALID, "ip", "bogus IPv4 header length");
        return;
    }
    if (total < ihl) {
        mark(p, DIS_INVALID, "ip", "bogus IPv4 total length (less than header length)");
        return;
    }
    uint32_t reported = total <= w.wire ? total : w.wire;
    if (total > w.wire)
        mark(p, DIS_INVALID, "ip", "IPv4 total length exceeds packet length");
    if (cap < ihl) {
        mark(p, DIS_TRUNCATED, "ip", "IPv4 options cut short");
        return;
    }
    struct rd body = {h + ihl, w.r.end, false};
    /* narrow to the datagram: Ethernet padding is not payload */
    size_t keep = reported - ihl;
    if (cap - ihl > keep)
        body.end = body.p + keep;
    uint32_t frag_off = (uint32_t)(fo & 0x1FFF) * 8;
    p->frag_off = frag_off;
    if ((fo & 0x2000) || frag_off) {
        p->frag = true;
        p->frag_first = frag_off == 0;
        return; /* payload is shown as a fragment; transport is not decoded */
    }
    struct wire in = {body, reported - ihl};
    l4_in(p, proto, in);
}

static void dis_ipv4(struct pkt *p, struct wire w)
{
    ipv4_in(p, w);
}

/* ---- IPv6 (fixed 40-byte header, then a bounded walk of extension headers) ---- */

static void dis_ipv6(struct pkt *p, struct wire w)
{
    struct rd r = w.r;
    p->l3 = L3_IPV6;
    if (!rd_has(&r, 40)) {
        mark(p, DIS_TRUNCATED, "ipv6", "IPv6 header cut short");
        return;
    }
    const uint8_t *h = r.p;
    uint16_t plen = ld_be16(h + 4);
    uint8_t nh = h[6];
    p->ip_len = 40u + plen;
    p->ttl = h[7];
    p->src.family = p->dst.family = 6;
    memcpy(p->src.a, h + 8, 16);
    memcpy(p->dst.a, h + 24, 16);
    if ((h[0] >> 4) != 6) {
        mark(p, DIS_INVALID, "ipv6", "bogus IP version");
        return;
    }
    rd_skip(&r, 40);
    uint32_t avail_wire = w.wire > 40 ? w.wire - 40 : 0;
    uint32_t reported = plen <= avail_wire ? plen : avail_wire;
    if (plen > avail_wire)
        mark(p, DIS_INVALID, "ipv6", "IPv6 payload length exceeds framing length");
    if (rd_left(&r) > reported)
        r.end = r.p + reported;
    for (int i = 0; i < MAX_IPV6_EXT; i++) {
        switch (nh) {
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
        case 139: /* HIP */
        case 140: { /* shim6 */
            if (!rd_has(&r, 2)) {
                mark(p, DIS_TRUNCATED, "ipv6", "IPv6 extension header cut short");
                p->ipproto = nh;
                return;
            }
            uint8_t next = r.p[0];
            uint32_t len = ((uint32_t)r.p[1] + 1) * 8;
            if (len > reported) {
                mark(p, DIS_INVALID, "ipv6", "IPv6 extension header runs past the payload");
                p->ipproto = nh;
                return;
            }
            rd_skip(&r, len);
            reported -= len;
            nh = next;
            continue;
        }
        case 51: { /* authentication header: length in 4-octet units, minus 2 */
            if (!rd_has(&r, 2)) {
                mark(p, DIS_TRUNCATED, "ipv6", "IPv6 AH cut short");
                p->ipproto = nh;
                return;
            }
            uint8_t next = r.p[0];
            uint32_t len = ((uint32_t)r.p[1] + 2) * 4;
            if (len > reported) {
                mark(p, DIS_INVALID, "ipv6", "IPv6 AH runs past the payload");
                p->ipproto = nh;
                return;
            }
            rd_skip(&r, len);
            reported -= len;
            nh = next;
            continue;
        }
        case 44: { /* fragment */
            if (!rd_has(&r, 8)) {
                mark(p, DIS_TRUNCATED, "ipv6", "IPv6 fragment header cut short");
                p->ipproto = nh;
                return;
            }
            uint8_t next = r.p[0];
            uint16_t off = ld_be16(r.p + 2);
            p->ip_id = (uint16_t)ld_be32(r.p + 4);
            p->frag_off = (uint32_t)(off & 0xFFF8);
            bool mf = off & 1;
            rd_skip(&r, 8);
            reported = reported >= 8 ? reported - 8 : 0;
            nh = next;
            if (mf || p->frag_off) {
                p->frag = true;
                p->frag_first = p->frag_off == 0;
                p->ipproto = nh;
                return;
            }
            continue; /* atomic fragment */
        }
        default:
            p->ipproto = nh;
            struct wire in = {r, reported};
            dis_l4(p, nh, in);
            return;
        }
    }
    p->ipproto = nh;
    mark(p, DIS_INVALID, "ipv6", "too many IPv6 extension headers");
}

/* ---- TCP ----
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  Data |       |A|C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |E|W|C|R|C|S|S|Y|I|            Window             |
 * |           Checksum            |         Urgent Pointer        |
 * |                    Options                    |    Padding    |
 */
static void tcp_options_loop(struct tcp_opts *t, const uint8_t *o, size_t n_hdr, size_t n_cap);

ALWAYS_INLINE void dis_tcp_options(struct tcp_opts *t, const uint8_t *o, size_t n_hdr,
                                   size_t n_cap)
{
    /* the commonest layouts, whole, done the way the loop below does them: NOP, NOP,
     * timestamps (most segments), the two SYN layouts without timestamps below, and MSS, SACK
     * permitted, timestamps, NOP, window scale (Linux's SYN and SYN-ACK) */
    if (n_hdr == 12 && n_cap == 12 && ld_be32(o) == 0x0101080Au) {
        uint32_t tsval = ld_be32(o + 4), tsecr = ld_be32(o + 8);
        t->has_ts = true;
        t->tsval = tsval;
        t->tsecr = tsecr;
        t->count = 1;
        t->norder = 1;
        t->order[0] = 8;
        return;
    }
    if (n_hdr == 12 && n_cap == 12 && o[0] == 2 && o[1] == 4) {
        /* MSS, NOP, WS, NOP, NOP, SACK permitted (Windows' SYN) and MSS, NOP, NOP, SACK
         * permitted, NOP, WS */
        uint32_t w1 = ld_be32(o + 4), w2 = ld_be32(o + 8);
        bool ws_first = (w1 & 0xFFFFFF00u) == 0x01030300u && w2 == 0x01010402u;
        if (ws_first || (w1 == 0x01010402u && (w2 & 0xFFFFFF00u) == 0x01030300u)) {
            uint16_t mss = ld_be16(o + 2);
            uint8_t ws = ws_first ? o[7] : o[11];
            t->has_mss = true;
            t->mss = mss;
            t->has_ws = true;
            t->wscale = ws;
            t->sack_perm = true;
            t->count = 3;
            t->norder = 3;
            t->order[0] = 2;
            t->order[1] = ws_first ? 3 : 4;
            t->order[2] = ws_first ? 4 : 3;
            return;
        }
    }
    if (n_hdr == 20 && n_cap == 20 && o[0] == 2 && o[1] == 4 && ld_be32(o + 4) == 0x0402080Au &&
        ld_be16(o + 16) == 0x0103 && o[18] == 3) {
        uint16_t mss = ld_be16(o + 2);
        uint32_t tsval = ld_be32(o + 8), tsecr = ld_be32(o + 12);
        uint8_t ws = o[19];
        t->has_mss = true;
        t->mss = mss;
        t->sack_perm = true;
        t->has_ts = true;
        t->tsval = tsval;
        t->tsecr = tsecr;
        t->has_ws = true;
        t->wscale = ws;
        t->count = 4;
        t->norder = 4;
        t->order[0] = 2;
        t->order[1] = 4;
        t->order[2] = 8;
        t->order[3] = 3;
        return;
    }
    tcp_options_loop(t, o, n_hdr, n_cap);
}

static void tcp_options_loop(struct tcp_opts *t, const uint8_t *o, size_t n_hdr, size_t n_cap)
{
    size_t i = 0;
    bool eol = false;
    while (i < n_hdr) {
        if (i >= n_cap)
            return; /* options cut by the snapshot length */
        uint8_t kind = o[i];
        if (eol && kind != 0)
            return;
        if (kind == 0 || kind == 1) {
            if (kind == 0)
                eol = true;
            i++;
            continue;
        }
        if (i + 1 >= n_hdr) {
            t->bad = true;
            return;
        }
        if (i + 1 >= n_cap)
            return;
        uint8_t len = o[i + 1];
        if (len < 2 || (size_t)len - 2 > n_hdr - i - 2) {
            t->bad = true;
            return;
        }
        if (i + len > n_cap)
            return; /* option itself cut by the snapshot length */
        const uint8_t *v = o + i + 2;
        bool ok = true;
        switch (kind) {
        case 2:
            ok = len == 4;
            if (ok) {
                uint16_t mss = ld_be16(v);
                t->has_mss = true;
                t->mss = mss;
            }
            break;
        case 3:
            ok = len == 3;
            if (ok) {
                uint8_t ws = v[0];
                t->has_ws = true;
                t->wscale = ws;
            }
            break;
        case 4:
            ok = len == 2;
            if (ok)
                t->sack_perm = true;
            break;
        case 5: {
            size_t nb = ((size_t)len - 2) / 8;
            for (size_t b = 0; b < nb && t->nsack < PKT_MAX_SACK; b++) {
                t->sack_l[t->nsack] = ld_be32(v + b * 8);
                t->sack_r[t->nsack] = ld_be32(v + b * 8 + 4);
                t->nsack++;
            }
            break;
        }
        case 8:
            ok = len == 10;
            if (ok) {
                uint32_t tsval = ld_be32(v), tsecr = ld_be32(v + 4);
                t->has_ts = true;
                t->tsval = tsval;
                t->tsecr = tsecr;
            }
            break;
        case 19:
            t->has_md5 = true;
            break;
        case 29:
            t->has_ao = true;
            break;
        case 30:
            t->has_mptcp = true;
            break;
        case 34:
            t->has_tfo = true;
            t->tfo_cookie_len = (uint8_t)(len - 2);
            break;
        default:
            break;
        }
        t->count++;
        if (ok && t->norder < sizeof t->order)
            t->order[t->norder++] = kind;
        i += len;
    }
}

ALWAYS_INLINE void dis_tcp(struct pkt *p, struct wire w)
{
    const uint8_t *b = w.r.p;
    size_t cap = rd_left(&w.r);
    p->l4 = L4_TCP;
    if (cap < 16) {
        if (cap >= 4) {
            p->sport = ld_be16(b);
            p->dport = ld_be16(b + 2);
        }
        mark(p, DIS_TRUNCATED, "tcp", "TCP header cut short");
        return;
    }
    /* read into locals first: a store into *p may alias the packet bytes */
    uint16_t sport = ld_be16(b), dport = ld_be16(b + 2);
    uint32_t seq = ld_be32(b + 4), ack = ld_be32(b + 8);
    uint8_t hlen = (uint8_t)((b[12] >> 4) * 4);
    uint16_t flags = ld_be16(b + 12) & TH_MASK, win = ld_be16(b + 14);
    uint16_t sum = 0, urp = 0;
    if (cap >= 20) {
        sum = ld_be16(b + 16);
        urp = ld_be16(b + 18);
    }
    struct pkt_tcp *t = &p->tcp;
    p->sport = sport;
    p->dport = dport;
    t->seq = seq;
    t->ack = ack;
    t->hlen = hlen;
    t->flags = flags;
    t->win = win;
    t->have_hdr = true;
    t->sum = sum;
    t->urp = urp;
    bool have_seglen = w.wire >= hlen;
    uint32_t seglen = w.wire - hlen;
    if (have_seglen) {
        t->have_seglen = true;
        t->seglen = seglen;
        p->payload_len = seglen;
    }
    if (hlen < 20) {
        mark(p, DIS_INVALID, "tcp", "bogus TCP header length");
        return;
    }
    if (!have_seglen)
        mark(p, DIS_INVALID, "tcp", "segment shorter than its TCP header length");
    size_t cap_hdr = cap < hlen ? cap : hlen;
    if (cap_hdr > 20)
        dis_tcp_options(&t->opt, b + 20, (size_t)hlen - 20, cap_hdr - 20);
    if (cap < hlen) {
        mark(p, DIS_TRUNCATED, "tcp", "TCP header cut short");
        return;
    }
    uint32_t pcap = (uint32_t)(cap - hlen);
    if (have_seglen && pcap > seglen)
        pcap = seglen;
    p->payload = b + hlen;
    p->payload_caplen = pcap;
}

/* ---- ICMP / ICMPv6 ---- */

/* Decode the IP header (+ ports, + TCP seq) quoted in an ICMP error. */
static void dis_inner(struct pkt *p, struct rd r, bool v6)
{
    struct pkt_inner *in = &p->icmp.inner;
    const uint8_t *h = r.p;
    size_t left = rd_left(&r);
    size_t ihl;
    if (!v6) {
        if (left < 20 || (h[0] >> 4) != 4)
            return;
        ihl = (size_t)(h[0] & 0x0F) * 4;
        if (ihl < 20 || left < ihl)
            return;
        in->proto = h[9];
        in->src.family = in->dst.family = 4;
        memcpy(in->src.a, h + 12, 4);
        memcpy(in->dst.a, h + 16, 4);
        if ((ld_be16(h + 6) & 0x1FFF) != 0)
            return; /* a later fragment has no transport header */
    } else {
        if (left < 40 || (h[0] >> 4) != 6)
            return;
        ihl = 40;
        in->proto = h[6];
        in->src.family = in->dst.family = 6;
        memcpy(in->src.a, h + 8, 16);
        memcpy(in->dst.a, h + 24, 16);
    }
    in->present = true;
    const uint8_t *t = h + ihl;
    size_t tl = left - ihl;
    if ((in->proto == 6 || in->proto == 17) && tl >= 4) {
        in->have_ports = true;
        in->sport = ld_be16(t);
        in->dport = ld_be16(t + 2);
    }
    if (in->proto == 6 && tl >= 16) {
        in->have_tcp = true;
        in->seq = ld_be32(t + 4);
        in->ack = ld_be32(t + 8);
        in->tcp_hlen = (uint8_t)((t[12] >> 4) * 4);
        in->tcp_flags = ld_be16(t + 12) & TH_MASK;
        in->win = ld_be16(t + 14);
    }
}

static void dis_icmp(struct pkt *p, struct wire w, bool v6)
{
    struct rd r = w.r;
    p->l4 = v6 ? L4_ICMPV6 : L4_ICMP;
    if (!rd_has(&r, 4)) {
        mark(p, DIS_TRUNCATED, v6 ? "icmpv6" : "icmp", "ICMP header cut short");
        return;
    }
    struct pkt_icmp *ic = &p->icmp;
    ic->type = r.p[0];
    ic->code = r.p[1];
    bool echo = v6 ? (ic->type == 128 || ic->type == 129) : (ic->type == 8 || ic->type == 0);
    bool error = v6 ? (ic->type < 128) : (ic->type == 3 || ic->type == 4 || ic->type == 5 ||
                                           ic->type == 11 || ic->type == 12);
    if (echo) {
        ic->echo = true;
        if (rd_has(&r, 8)) {
            ic->id = ld_be16(r.p + 4);
            ic->seq = ld_be16(r.p + 6);
        }
    }
    if (rd_has(&r, 8)) {
        rd_skip(&r, 8);
        p->payload = r.p;
        p->payload_caplen = (uint32_t)rd_left(&r);
        p->payload_len = w.wire > 8 ? w.wire - 8 : 0;
        if (error)
            dis_inner(p, r, v6);
    }
}

/* ---- UDP ---- */

static void dis_udp(struct pkt *p, struct wire w, enum dis_depth depth)
{
    struct rd r = w.r;
    p->l4 = L4_UDP;
    if (!rd_has(&r, 8)) {
        if (rd_has(&r, 4)) {
            p->sport = ld_be16(r.p);
            p->dport = ld_be16(r.p + 2);
        }
        mark(p, DIS_TRUNCATED, "udp", "UDP header cut short");
        return;
    }
    p->sport = ld_be16(r.p);
    p->dport = ld_be16(r.p + 2);
    p->udp.len = ld_be16(r.p + 4);
    rd_skip(&r, 8);
    uint32_t plen = p->udp.len >= 8 ? p->udp.len - 8u : 0;
    if (p->udp.len < 8)
        mark(p, DIS_INVALID, "udp", "bogus UDP length");
    else if (p->udp.len > w.wire)
        mark(p, DIS_INVALID, "udp", "UDP length exceeds IP payload");
    if (rd_left(&r) > plen)
        r.end = r.p + plen;
    p->payload = r.p;
    p->payload_caplen = (uint32_t)rd_left(&r);
    p->payload_len = plen;
    if (depth >= DIS_DEPTH_APP && p->payload_caplen > 0 &&
        (p->sport == 53 || p->dport == 53 || p->sport == 5353 || p->dport == 5353 ||
         p->sport == 5355 || p->dport == 5355))
        dis_dns(p, p->payload, p->payload_caplen);
}

/* ---- dispatch ---- */

/* UDP, ICMP and the rest: out of the commonest packet's way */
static void l4_not_tcp(struct pkt *p, uint8_t proto, const uint8_t *b, const uint8_t *end,
                       uint32_t wire)
{
    struct wire w = {{b, end, false}, wire}; /* made here: not on the TCP path's stack */
    switch (proto) {
    case 17:
        dis_udp(p, w, (enum dis_depth)p->depth);
        break;
    case 1:
        dis_icmp(p, w, false);
        break;
    case 58:
        dis_icmp(p, w, true);
        break;
    default:
        p->l4 = L4_OTHER;
        break;
    }
}

/* HTTP, else DNS over TCP, in a TCP segment's payload (depth permitting) */
static void tcp_app(struct pkt *p)
{
    if (!dis_http(p, p->payload, p->payload_caplen) && (p->sport == 53 || p->dport == 53) &&
        p->payload_caplen > 2)
        dis_dns(p, p->payload + 2, p->payload_caplen - 2);
}

ALWAYS_INLINE void l4_in(struct pkt *p, uint8_t proto, struct wire w)
{
    if (proto != 6) {
        l4_not_tcp(p, proto, w.r.p, w.r.end, w.wire);
        return;
    }
    dis_tcp(p, w);
    if (p->depth >= DIS_DEPTH_APP && p->l4 == L4_TCP && p->payload_caplen > 0 &&
        !(p->tcp.flags & TH_RST))
        tcp_app(p);
}

static void dis_l4(struct pkt *p, uint8_t proto, struct wire w)
{
    l4_in(p, proto, w);
}

/* Zero the decoded fields (ethertype up to the TCP SACK edges, pkt.h; those before are all set
 * by dissect), in plain stores (hot.h). */
static inline void clear_decoded(struct pkt *p)
{
    zero_fixed(&p->ethertype,
               offsetof(struct pkt, tcp.opt.sack_l) - offsetof(struct pkt, ethertype));
}

/* The commonest packets, whole: an untagged Ethernet frame with IPv4 (no options, no fragment)
 * or IPv6 (no extension header) whose length fits in the frame, then TCP whose header fits in
 * the datagram and in the captured bytes. Nothing is written unless the packet is one (false:
 * the layers above take it), and then exactly what they would write for it (there is no damage
 * to mark), in one straight run. */

/* TCP at t, whose header (hlen, checked) fits in the cap captured bytes of the datagram's
 * payload of wire bytes (cap <= wire) */
ALWAYS_INLINE void tcp_whole(struct pkt *p, const uint8_t *t, uint8_t hlen, uint32_t cap,
                             uint32_t wire)
{
    /* read into locals first: a store into *p may alias the packet bytes */
    uint16_t sport = ld_be16(t), dport = ld_be16(t + 2);
    uint32_t seq = ld_be32(t + 4), ack = ld_be32(t + 8);
    uint16_t flags = ld_be16(t + 12) & TH_MASK, win = ld_be16(t + 14);
    uint16_t sum = ld_be16(t + 16), urp = ld_be16(t + 18);
    uint32_t seglen = wire - hlen;
    p->l4 = L4_TCP;
    p->sport = sport;
    p->dport = dport;
    struct pkt_tcp *tp = &p->tcp;
    tp->seq = seq;
    tp->ack = ack;
    tp->hlen = hlen;
    tp->flags = flags;
    tp->win = win;
    tp->sum = sum;
    tp->urp = urp;
    tp->have_hdr = true;
    tp->have_seglen = true;
    tp->seglen = seglen;
    p->payload_len = seglen;
    p->payload = t + hlen;
    p->payload_caplen = cap - hlen; /* no more than seglen: cap <= wire */
    /* decided before the options, so that little stays live across their (rare) call */
    bool app = p->depth >= DIS_DEPTH_APP && cap > hlen && !(flags & TH_RST);
    if (hlen > 20)
        dis_tcp_options(&tp->opt, t + 20, (size_t)hlen - 20, (size_t)hlen - 20);
    if (app)
        tcp_app(p);
}

ALWAYS_INLINE bool eth_ipv4_tcp(struct pkt *p, const uint8_t *b, uint32_t caplen,
                                uint32_t wirelen)
{
    if (caplen < 14 + 20 + 20)
        return false;
    const uint8_t *h = b + 14, *t = h + 20;
    uint16_t total = ld_be16(h + 2), fo = ld_be16(h + 6);
    uint32_t ip_wire = wirelen > 14 ? wirelen - 14 : 0;
    /* neither MF nor an offset: not a fragment (DF does not matter) */
    if (h[0] != 0x45 || h[9] != 6 || (fo & 0x3FFF) || total > ip_wire || total < 20 + 20)
        return false;
    /* TCP's bytes: the datagram's (Ethernet padding is not payload), as far as captured */
    uint32_t tcp_wire = total - 20u, tcp_cap = caplen - 34u;
    if (tcp_cap > tcp_wire)
        tcp_cap = tcp_wire;
    uint8_t hlen = (uint8_t)((t[12] >> 4) * 4);
    if (hlen < 20 || hlen > tcp_cap)
        return false; /* (so the header fits in tcp_wire too: the segment length is known) */
    uint16_t id = ld_be16(h + 4);
    uint8_t ttl = h[8];
    uint32_t sa, da;
    memcpy(&sa, h + 12, 4);
    memcpy(&da, h + 16, 4);
    p->ethertype = ETHERTYPE_IPV4;
    p->l3 = L3_IPV4;
    p->ip_id = id;
    p->ip_len = total;
    p->ttl = ttl;
    p->ipproto = 6;
    p->src.family = p->dst.family = 4;
    memcpy(p->src.a, &sa, 4);
    memcpy(p->dst.a, &da, 4);
    tcp_whole(p, t, hlen, tcp_cap, tcp_wire);
    return true;
}

ALWAYS_INLINE bool eth_ipv6_tcp(struct pkt *p, const uint8_t *b, uint32_t caplen,
                                uint32_t wirelen)
{
    if (caplen < 14 + 40 + 20)
        return false;
    const uint8_t *h = b + 14, *t = h + 40;
    uint16_t plen = ld_be16(h + 4);
    uint32_t ip_wire = wirelen > 14 ? wirelen - 14 : 0;
    if ((h[0] >> 4) != 6 || h[6] != 6 || ip_wire < 40 || plen > ip_wire - 40)
        return false;
    uint32_t tcp_cap = caplen - 54u;
    if (tcp_cap > plen)
        tcp_cap = plen;
    uint8_t hlen = (uint8_t)((t[12] >> 4) * 4);
    if (hlen < 20 || hlen > tcp_cap)
        return false;
    uint8_t hops = h[7];
    uint8_t sa[16], da[16];
    memcpy(sa, h + 8, 16);
    memcpy(da, h + 24, 16);
    p->ethertype = ETHERTYPE_IPV6;
    p->l3 = L3_IPV6;
    p->ip_len = 40u + plen;
    p->ttl = hops;
    p->ipproto = 6;
    p->src.family = p->dst.family = 6;
    memcpy(p->src.a, sa, 16);
    memcpy(p->dst.a, da, 16);
    tcp_whole(p, t, hlen, tcp_cap, plen);
    return true;
}

ALWAYS_INLINE bool eth_ip_tcp(struct pkt *p, const uint8_t *b, uint32_t caplen,
                              uint32_t wirelen)
{
    if (caplen < 14)
        return false;
    uint16_t type = ld_be16(b + 12);
    if (type == ETHERTYPE_IPV4)
        return eth_ipv4_tcp(p, b, caplen, wirelen);
    if (type == ETHERTYPE_IPV6)
        return eth_ipv6_tcp(p, b, caplen, wirelen);
    return false;
}

/* Every other packet: layer by layer from the link type. */
__attribute__((noinline)) static void dissect_layers(struct pkt *p, const struct cap_rec *rec)
{
    struct wire w = {rd_make(rec->data, rec->caplen), rec->wirelen};
    switch (rec->linktype) {
    case LINKTYPE_ETHERNET:
        dis_ethernet(p, w);
        break;
    case LINKTYPE_LINUX_SLL:
        dis_sll(p, w, false);
        break;
    case LINKTYPE_LINUX_SLL2:
        dis_sll(p, w, true);
        break;
    case LINKTYPE_RAW:
    case 12:
    case 14:
        dis_raw(p, w, 0);
        break;
    case LINKTYPE_IPV4:
        dis_raw(p, w, 4);
        break;
    case LINKTYPE_IPV6:
        dis_raw(p, w, 6);
        break;
    case LINKTYPE_NULL:
        dis_null(p, w, false);
        break;
    case LINKTYPE_LOOP:
        dis_null(p, w, true);
        break;
    default:
        mark(p, DIS_INVALID, "frame", "unsupported link type");
        break;
    }
}

NO_SLP void dissect(struct pkt *p, const struct cap_rec *rec, uint64_t frame,
                    enum dis_depth depth)
{
    clear_decoded(p);
    p->frame = frame;
    p->ts_sec = rec->ts_sec;
    p->ts_nsec = rec->ts_nsec;
    p->caplen = rec->caplen;
    p->wirelen = rec->wirelen;
    p->linktype = rec->linktype;
    p->ifindex = rec->ifindex;
    p->data = rec->data;
    p->depth = (uint8_t)depth;
    p->arena_used = 0;
    if (rec->linktype == LINKTYPE_ETHERNET && eth_ip_tcp(p, rec->data, rec->caplen, rec->wirelen))
        return;
    dissect_layers(p, rec);
}

bool dissect_peek_tcp4(const struct cap_rec *rec, struct addr *src, uint16_t *sport,
                       struct addr *dst, uint16_t *dport)
{
    if (rec->linktype != LINKTYPE_ETHERNET || rec->caplen < 14 + 20 + 4)
        return false;
    const uint8_t *b = rec->data;
    if (ld_be16(b + 12) != ETHERTYPE_IPV4)
        return false;
    const uint8_t *h = b + 14;
    uint32_t ihl = (uint32_t)(h[0] & 0x0F) * 4;
    if ((h[0] >> 4) != 4 || ihl < 20 || ld_be16(h + 2) < ihl || h[9] != 6 ||
        (ld_be16(h + 6) & 0x3FFF) != 0 || rec->caplen < 14 + ihl + 4)
        return false;
    src->family = dst->family = 4;
    memcpy(src->a, h + 12, 4);
    memcpy(dst->a, h + 16, 4);
    *sport = ld_be16(h + ihl);
    *dport = ld_be16(h + ihl + 2);
    return true;
}

bool linktype_supported(uint32_t lt)
{
    switch (lt) {
    case LINKTYPE_ETHERNET: case LINKTYPE_LINUX_SLL: case LINKTYPE_LINUX_SLL2:
    case LINKTYPE_RAW: case 12: case 14: case LINKTYPE_IPV4: case LINKTYPE_IPV6:
    case LINKTYPE_NULL: case LINKTYPE_LOOP:
        return true;
    default:
        return false;
    }
}

const char *linktype_name(uint32_t lt)
{
    switch (lt) {
    case LINKTYPE_ETHERNET: return "Ethernet";
    case LINKTYPE_LINUX_SLL: return "Linux cooked (SLL)";
    case LINKTYPE_LINUX_SLL2: return "Linux cooked v2 (SLL2)";
    case LINKTYPE_RAW: case 12: case 14: return "raw IP";
    case LINKTYPE_IPV4: return "raw IPv4";
    case LINKTYPE_IPV6: return "raw IPv6";
    case LINKTYPE_NULL: return "BSD loopback";
    case LINKTYPE_LOOP: return "OpenBSD loopback";
    default: return "unknown";
    }
}

uint32_t linktype_from_dlt(int dlt)
{
    switch (dlt) {
    case 12: case 14: return LINKTYPE_RAW;
    default: return (uint32_t)dlt;
    }
}
