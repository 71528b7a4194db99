/* summary: struct pkt, the decoded view of one packet that the dissectors fill.
 *
 * A pkt is filled by dissect() and nothing else; it points into the capture record's bytes
 * (borrowed until the next record is read) and holds its own small text arena for strings
 * it decodes (DNS names, HTTP request lines), so a pkt needs no allocation. Two lengths are
 * kept apart everywhere: what the headers claim went over the wire (used for sequence
 * arithmetic) and what was captured (the only bytes ever read). */
#ifndef TCPLENS_PKT_H
#define TCPLENS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- time ---- */

/* A capture timestamp in ns since the epoch. Files may carry any 64-bit seconds value (damaged
 * or hostile ones do); the arithmetic wraps modulo 2^64 instead of overflowing, so it is defined
 * and gives the same result as before on every sane file. */
static inline int64_t ts_ns(int64_t sec, uint32_t nsec)
{
    return (int64_t)((uint64_t)sec * 1000000000u + nsec);
}

/* a - b for two ts_ns() values, wrapping instead of overflowing. */
static inline int64_t ts_diff(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a - (uint64_t)b);
}

/* ---- addresses ---- */

struct addr {
    uint8_t family; /* 0 none, 4 IPv4, 6 IPv6 */
    uint8_t a[16];  /* IPv4 in a[0..3] */
};

/* Writes the textual address into buf (at least 46 bytes); returns its length. */
size_t addr_str(const struct addr *ad, char *buf, size_t n);
/* Order (family, then the address bytes as memcmp sees them: <0, 0, >0) and equality; inline
 * because the tracker compares addresses for every packet. */
static inline uint64_t addr_be64_(const uint8_t *b)
{
    return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
           (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
           (uint64_t)b[6] << 8 | b[7];
}

static inline int addr_cmp(const struct addr *x, const struct addr *y)
{
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    uint64_t a = addr_be64_(x->a), b = addr_be64_(y->a);
    if (x->family == 4) {
        a >>= 32;
        b >>= 32;
    } else if (a == b) {
        a = addr_be64_(x->a + 8);
        b = addr_be64_(y->a + 8);
    }
    return (a > b) - (a < b);
}

static inline bool addr_eq(const struct addr *x, const struct addr *y)
{
    if (x->family != y->family)
        return false;
    uint64_t a = addr_be64_(x->a), b = addr_be64_(y->a);
    if (x->family == 4)
        return (a >> 32) == (b >> 32);
    return a == b && addr_be64_(x->a + 8) == addr_be64_(y->a + 8);
}

/* ---- outcome of a layer ---- */

enum dis_status { DIS_OK = 0, DIS_TRUNCATED = 1, DIS_INVALID = 2 };

/* ---- link / network / transport identifiers ---- */

enum pkt_l3 { L3_NONE = 0, L3_IPV4, L3_IPV6, L3_ARP, L3_OTHER };
enum pkt_l4 { L4_NONE = 0, L4_TCP, L4_UDP, L4_ICMP, L4_ICMPV6, L4_OTHER };
enum pkt_app { APP_NONE = 0, APP_HTTP, APP_DNS };

/* TCP flag bits as in the header's 12-bit flags field (Wireshark's TH_*). */
#define TH_FIN 0x001
#define TH_SYN 0x002
#define TH_RST 0x004
#define TH_PUSH 0x008
#define TH_ACK 0x010
#define TH_URG 0x020
#define TH_ECE 0x040
#define TH_CWR 0x080
#define TH_AE 0x100
#define TH_RES 0xE00
#define TH_MASK 0xFFF

#define PKT_MAX_SACK 4

/* TCP options seen on the segment. */
struct tcp_opts {
    uint16_t mss;
    uint8_t wscale;          /* shift as sent (may exceed 14) */
    bool has_mss, has_ws, sack_perm, has_ts, has_tfo, has_md5, has_mptcp, has_ao;
    bool bad;                /* an option was malformed (length 0/1, runs past the header) */
    uint8_t nsack;           /* SACK blocks present (<= PKT_MAX_SACK) */
    uint8_t tfo_cookie_len;
    uint8_t count;           /* number of options (excluding NOP/EOL) */
    uint8_t norder;          /* kinds of the well-formed options, in header order (for Info) */
    uint32_t tsval, tsecr;
    /* last, so that dissect() need not clear them: only the first nsack and norder are set */
    uint32_t sack_l[PKT_MAX_SACK], sack_r[PKT_MAX_SACK]; /* raw edges */
    uint8_t order[16];
};

struct pkt_tcp {
    uint32_t seq, ack;       /* raw */
    uint16_t flags;          /* TH_* */
    uint16_t win;            /* raw window field */
    uint16_t urp;
    uint16_t sum;
    uint8_t hlen;            /* header length in bytes from the data offset field */
    bool have_hdr;           /* ports, seq, ack, flags and window were captured (16 bytes) */
    bool have_seglen;        /* seglen is known (not in an ICMP error, not a fragment, hlen fits) */
    uint32_t seglen;         /* payload length on the wire: IP-claimed length - TCP header */
    struct tcp_opts opt;
};

struct pkt_udp {
    uint16_t len;            /* UDP length field */
};

/* The header quoted inside an ICMP error (destination unreachable, time exceeded, ...). */
struct pkt_inner {
    bool present;
    uint8_t proto;           /* IP protocol of the quoted datagram */
    struct addr src, dst;
    bool have_ports;
    uint16_t sport, dport;
    bool have_tcp;           /* enough bytes to read seq/ack/flags of a quoted TCP header */
    uint32_t seq, ack;
    uint16_t tcp_flags, win;
    uint8_t tcp_hlen;
};

struct pkt_icmp {
    uint8_t type, code;
    bool echo;               /* echo request/reply */
    uint16_t id, seq;
    struct pkt_inner inner;
};

/* ---- application summaries (all strings live in the pkt's arena, already sanitised) ---- */

#define PKT_DNS_MAX_Q 4
#define PKT_DNS_MAX_A 16

struct dns_rr {
    const char *name;        /* decoded owner name */
    uint16_t type, cls;
    uint32_t ttl;
    const char *data;        /* rendered RDATA ("93.184.216.34", "cname.example.", ...) */
};

struct pkt_dns {
    uint16_t id, flags;      /* flags: QR/opcode/AA/TC/RD/RA/Z/rcode as on the wire */
    uint16_t qdcount, ancount, nscount, arcount;
    uint8_t nq, na;          /* decoded (capped) */
    struct dns_rr q[PKT_DNS_MAX_Q];
    struct dns_rr a[PKT_DNS_MAX_A];
    bool malformed;
    /* Info-column text of what is not kept above (dis_app.h), NULL if none: */
    const char *q_more;      /* questions past PKT_DNS_MAX_Q (" A x.example") */
    const char *rr_more;     /* answers past PKT_DNS_MAX_A, then authority and additional RRs */
    uint8_t end;             /* enum dns_end: how decoding ended (ok, cut, bad, arena full) */
};

struct pkt_http {
    bool request;            /* request line (true) or status line (false) */
    const char *method;      /* request: "GET" */
    const char *uri;         /* request: "/index.html" (capped) */
    const char *version;     /* "HTTP/1.1" */
    uint16_t status;         /* response: 200 */
    const char *reason;      /* response: "OK" */
    const char *host;        /* Host: header if within the captured bytes, else NULL */
    const char *content_type;
    int64_t content_length;  /* -1 if absent */
    const char *info_tail;   /* Info text after the first line (" (text/html)"), dis_app.h */
};

/* ---- the packet ---- */

#define PKT_ARENA 2048

struct pkt {
    uint64_t frame;          /* 1-based number in the capture */
    int64_t ts_sec;          /* capture timestamp */
    uint32_t ts_nsec;
    uint32_t caplen, wirelen;
    uint32_t linktype;       /* LINKTYPE_* */
    uint32_t ifindex;        /* pcapng interface */
    const uint8_t *data;     /* captured bytes (borrowed) */

    /* link */
    uint16_t ethertype;      /* 0 if none */
    uint8_t nvlan;
    uint16_t vlan[2];        /* outermost first */

    /* network */
    enum pkt_l3 l3;
    struct addr src, dst;
    uint8_t ipproto;         /* final upper-layer protocol after extension headers */
    uint8_t ttl;             /* TTL / hop limit */
    uint16_t ip_id;
    uint32_t ip_len;         /* IP datagram length: IPv4 total length, IPv6 40 + payload length */
    bool frag;               /* IPv4/IPv6 fragment (first or later) */
    bool frag_first;         /* offset 0 with more fragments */
    uint32_t frag_off;       /* byte offset */
    uint16_t arp_op;

    /* transport (tcp below) */
    enum pkt_l4 l4;
    uint16_t sport, dport;
    struct pkt_udp udp;
    struct pkt_icmp icmp;
    const uint8_t *payload;  /* transport payload captured bytes */
    uint32_t payload_caplen; /* bytes available at payload */
    uint32_t payload_len;    /* bytes the headers claim (TCP: seglen; UDP: len - 8) */

    /* damage: the first layer that did not parse cleanly */
    enum dis_status status;
    const char *bad_layer;   /* "eth", "ip", "tcp", ... (static string) or NULL */
    const char *bad_reason;  /* static text, e.g. "bogus TCP header length" */

    uint8_t depth;           /* dissection depth requested (enum dis_depth) */
    enum pkt_app app;

    /* dissect() clears every field from ethertype up to tcp.opt.sack_l; what follows is valid
     * only as a field before says (the SACK edges and option kinds up to nsack and norder, http
     * and dns as app says), and its dissector sets or clears it, so a packet costs no 1 KB
     * memset */
    struct pkt_tcp tcp;
    struct pkt_http http;
    struct pkt_dns dns;

    char arena[PKT_ARENA];
    size_t arena_used;
};

/* Copy n bytes of untrusted text into the arena as a sanitised C string (control characters
 * and non-ASCII become '.'), capped to the arena's remaining room; never fails (returns "" when
 * full). */
const char *pkt_strdup(struct pkt *p, const uint8_t *s, size_t n);
const char *pkt_cstr(struct pkt *p, const char *s);

#endif
