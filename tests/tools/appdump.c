/* summary: test driver: print "frame<TAB>Info" for the DNS and HTTP packets of a capture.
 *
 *   appdump [-dns|-http] FILE     (pcap, or pcapng with one link type)
 *
 * Walks link, IPv4/IPv6 and UDP/TCP headers with a minimal bounded walker of its own (this is
 * a test tool: the real dissector is src/dissect.c), then hands the transport payload to
 * dis_dns() (UDP or TCP port 53, UDP 5353 and 5355) or dis_http() (any TCP payload) and prints
 * dns_info() / http_info(). tests/t_30_app.sh diffs the output against tshark's Info column.
 *
 * The tool is built by the generic tests/tools rule, which links only $(LDLIBS); it therefore
 * compiles the few library sources it needs into itself. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dis_app.h"
#include "rd.h"

#include "../../src/dis_dns.c"
#include "../../src/dis_http.c"
#include "../../src/outbuf.c"
#include "../../src/pkt.c"
#include "../../src/xalloc.c"

#define DLT_NULL_ 0
#define DLT_EN10MB_ 1
#define DLT_RAW_A 12
#define DLT_RAW_B 14
#define DLT_RAW_C 101
#define DLT_LINUX_SLL_ 113
#define DLT_LINUX_SLL2_ 276

/* Offset of the network header and its ethertype; false if not IP. */
static bool walk_link(int dlt, const uint8_t *b, size_t n, size_t *off, uint16_t *etype)
{
    struct rd r = rd_make(b, n);
    switch (dlt) {
    case DLT_EN10MB_:
        rd_skip(&r, 12);
        *etype = rd_be16(&r);
        while (*etype == 0x8100 || *etype == 0x88a8 || *etype == 0x9100) {
            rd_skip(&r, 2);
            *etype = rd_be16(&r);
        }
        if (*etype == 0x8864) { /* PPPoE session: 6-byte header, then the PPP protocol */
            rd_skip(&r, 6);
            uint16_t ppp = rd_be16(&r);
            *etype = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
        }
        break;
    case DLT_LINUX_SLL_:
        rd_skip(&r, 14);
        *etype = rd_be16(&r);
        break;
    case DLT_LINUX_SLL2_:
        *etype = rd_be16(&r);
        rd_skip(&r, 18);
        break;
    case DLT_NULL_: {
        uint8_t fam[4];
        rd_bytes(&r, fam, 4);
        uint32_t af = fam[0] ? ld_le32(fam) : ld_be32(fam);
        *etype = af == 2 ? 0x0800 : 0x86dd;
        break;
    }
    case DLT_RAW_A:
    case DLT_RAW_B:
    case DLT_RAW_C:
        if (!rd_has(&r, 1))
            return false;
        *etype = (r.p[0] >> 4) == 6 ? 0x86dd : 0x0800;
        break;
    default:
        return false;
    }
    if (r.short_read)
        return false;
    *off = (size_t)(r.p - b);
    return *etype == 0x0800 || *etype == 0x86dd;
}

/* Fill p->sport/dport/payload* from the IP and transport headers; returns the IP protocol
 * (6 or 17) or 0. */
static int walk_ip(struct pkt *p, uint16_t etype, const uint8_t *b, size_t n)
{
    struct rd r = rd_make(b, n);
    uint8_t proto;
    size_t wire; /* bytes after the IP header(s) as the IP header claims */
    if (etype == 0x0800) {
        uint8_t vihl = rd_u8(&r);
        rd_skip(&r, 1);
        uint16_t total = rd_be16(&r);
        rd_skip(&r, 2);
        uint16_t frag = rd_be16(&r);
        rd_skip(&r, 1);
        proto = rd_u8(&r);
        size_t ihl = (size_t)(vihl & 15) * 4;
        if (r.short_read || ihl < 20 || total < ihl || (frag & 0x1fff) || (frag & 0x2000))
            return 0;
        r = rd_make(b, n);
        if (!rd_skip(&r, ihl))
            return 0;
        wire = total - ihl;
        if (rd_left(&r) > wire)
            r.end = r.p + wire;
    } else {
        rd_skip(&r, 4);
        uint16_t plen = rd_be16(&r);
        proto = rd_u8(&r);
        rd_skip(&r, 33);
        if (r.short_read)
            return 0;
        wire = plen;
        if (rd_left(&r) > wire)
            r.end = r.p + wire;
        for (int i = 0; i < 8 && (proto == 0 || proto == 43 || proto == 60); i++) {
            uint8_t next = rd_u8(&r);
            uint8_t len = rd_u8(&r);
            if (r.short_read || !rd_skip(&r, (size_t)len * 8 + 6))
                return 0;
            wire -= (size_t)len * 8 + 8 <= wire ? (size_t)len * 8 + 8 : wire;
            proto = next;
        }
        if (proto == 44)
            return 0; /* fragments are not reassembled here */
    }
    if (proto == 17) {
        p->sport = rd_be16(&r);
        p->dport = rd_be16(&r);
        uint16_t ulen = rd_be16(&r);
        rd_skip(&r, 2);
        if (r.short_read || ulen < 8)
            return 0;
        p->payload_len = ulen - 8u;
        if (rd_left(&r) > p->payload_len)
            r.end = r.p + p->payload_len;
    } else if (proto == 6) {
        p->sport = rd_be16(&r);
        p->dport = rd_be16(&r);
        rd_skip(&r, 8);
        size_t hlen = (size_t)(rd_u8(&r) >> 4) * 4;
        p->tcp.flags = rd_u8(&r);
        if (r.short_read || hlen < 20 || wire < hlen)
            return 0;
        r = rd_make(r.p - 14, (size_t)(r.end - (r.p - 14)));
        if (!rd_skip(&r, hlen))
            return 0;
        p->payload_len = (uint32_t)(wire - hlen);
    } else {
        return 0;
    }
    p->payload = r.p;
    p->payload_caplen = (uint32_t)rd_left(&r);
    return proto;
}

static bool dns_port(uint16_t port)
{
    return port == 53 || port == 5353 || port == 5355;
}

int main(int argc, char **argv)
{
    enum pkt_app only = APP_NONE;
    if (argc == 3 && strcmp(argv[1], "-dns") == 0)
        only = APP_DNS;
    else if (argc == 3 && strcmp(argv[1], "-http") == 0)
        only = APP_HTTP;
    else if (argc != 2) {
        fprintf(stderr, "usage: appdump [-dns|-http] FILE\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_open_offline(argv[argc - 1], err);
    if (!pc) {
        fprintf(stderr, "appdump: %s\n", err);
        return 1;
    }
    int dlt = pcap_datalink(pc);
    struct obuf ob;
    ob_init_fd(&ob, STDOUT_FILENO, 1 << 16);
    static struct pkt p; /* large (arena); reused for every packet */
    struct pcap_pkthdr *hdr;
    const u_char *data;
    uint64_t frame = 0;
    int rc;
    while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
        frame++;
        memset(&p, 0, sizeof p);
        p.frame = frame;
        size_t off;
        uint16_t etype;
        if (!walk_link(dlt, data, hdr->caplen, &off, &etype))
            continue;
        int proto = walk_ip(&p, etype, data + off, hdr->caplen - off);
        if (!proto || p.payload_caplen == 0)
            continue;
        if (proto == 17 && (dns_port(p.sport) || dns_port(p.dport))) {
            dis_dns(&p, p.payload, p.payload_caplen);
        } else if (proto == 6 && !(p.tcp.flags & TH_RST)) {
            if (!dis_http(&p, p.payload, p.payload_caplen) && (p.sport == 53 || p.dport == 53) &&
                p.payload_caplen > 2)
                dis_dns(&p, p.payload + 2, p.payload_caplen - 2);
        }
        if (p.app == APP_NONE || (only != APP_NONE && p.app != only))
            continue;
        ob_u64(&ob, frame);
        ob_putc(&ob, '\t');
        if (p.app == APP_DNS)
            dns_info(&ob, &p);
        else
            http_info(&ob, &p);
        ob_putc(&ob, '\n');
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "appdump: %s\n", pcap_geterr(pc));
    ob_flush(&ob);
    pcap_close(pc);
    int werr = ob.err;
    ob_free(&ob);
    return (rc == PCAP_ERROR || werr) ? 1 : 0;
}
