/* summary: Protocol and Info column text (Wireshark 4.0 style). */
#include "render_info.h"

#include <stdio.h>
#include <string.h>

#include "dis_app.h"
#include "pkt.h"

/* IPv6 text as inet_ntop(3) writes it (RFC 5952: lowercase hex, the first longest run of two or
 * more zero groups as "::"), without its per-group sprintf. The forms with an embedded IPv4
 * address (::a.b.c.d, ::ffff:a.b.c.d) are left to inet_ntop. */
static size_t fmt_ipv6(const uint8_t *b, char *buf)
{
    static const char hx[] = "0123456789abcdef";
    unsigned w[8];
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    for (int i = 0; i < 8; i++) {
        w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
        if (w[i] == 0) {
            if (cur < 0)
                cur = i, cur_len = 0;
            cur_len++;
            if (cur_len > best_len)
                best = cur, best_len = cur_len;
        } else {
            cur = -1;
        }
    }
    if (best_len < 2)
        best = -1;
    if (best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
        struct addr a = {6, {0}};
        memcpy(a.a, b, 16);
        return addr_str(&a, buf, 46);
    }
    char *q = buf;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                *q++ = ':';
            continue;
        }
        if (i)
            *q++ = ':';
        unsigned v = w[i];
        if (v >= 0x1000)
            *q++ = hx[v >> 12];
        if (v >= 0x100)
            *q++ = hx[(v >> 8) & 15];
        if (v >= 0x10)
            *q++ = hx[(v >> 4) & 15];
        *q++ = hx[v & 15];
    }
    if (best >= 0 && best + best_len == 8)
        *q++ = ':';
    *q = '\0';
    return (size_t)(q - buf);
}

/* Every octet's text and a dot ("7.", "42.", "255."), padded to 4 bytes: IPv4 text is four
 * fixed-size copies. */
#define OCT(v)                                                                                 \
    {(char)((v) >= 100 ? '0' + (v) / 100 : (v) >= 10 ? '0' + (v) / 10 : '0' + (v)),            \
     (char)((v) >= 100 ? '0' + (v) / 10 % 10 : (v) >= 10 ? '0' + (v) % 10 : '.'),              \
     (char)((v) >= 100 ? '0' + (v) % 10 : (v) >= 10 ? '.' : 0), (char)((v) >= 100 ? '.' : 0)},
#define OCT4(v) OCT(v) OCT((v) + 1) OCT((v) + 2) OCT((v) + 3)
#define OCT16(v) OCT4(v) OCT4((v) + 4) OCT4((v) + 8) OCT4((v) + 12)
#define OCT64(v) OCT16(v) OCT16((v) + 16) OCT16((v) + 32) OCT16((v) + 48)
static const char octet_text[256][4] = {OCT64(0) OCT64(64) OCT64(128) OCT64(192)};
#undef OCT
/* ... and its length with the dot */
#define OCT(v) (uint8_t)((v) >= 100 ? 4 : (v) >= 10 ? 3 : 2),
static const uint8_t octet_len[256] = {OCT64(0) OCT64(64) OCT64(128) OCT64(192)};
#undef OCT
#undef OCT4
#undef OCT16
#undef OCT64

size_t info_addr(const struct addr *a, char *buf)
{
    if (a->family == 4) {
        char *q = buf;
#define PUT_OCTET(i)                                                                           \
    memcpy(q, octet_text[a->a[i]], 4);                                                         \
    q += octet_len[a->a[i]];
        PUT_OCTET(0) PUT_OCTET(1) PUT_OCTET(2) PUT_OCTET(3)
#undef PUT_OCTET
        q[-1] = '\0';
        return (size_t)(q - 1 - buf);
    }
    if (a->family == 6)
        return fmt_ipv6(a->a, buf);
    return addr_str(a, buf, 46);
}

static const char *const flag_names[9] = {"FIN", "SYN", "RST", "PSH", "ACK",
                                          "URG", "ECE", "CWR", "AE"};
/* the same as 4-byte copies (the names' bytes and zero padding) */
static const char flag_text[9][4] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"};

void info_tcp_flags(struct obuf *ob, uint16_t flags, const char *sep)
{
    /* the separator's length up to 5, and its bytes as one 4-byte copy */
    size_t sl = 0;
    char sep4[4] = {0};
    while (sl < 5 && sep[sl]) {
        if (sl < 4)
            sep4[sl] = sep[sl];
        sl++;
    }
    /* the usual case straight into the buffer: no reserved bits, some flag, a short separator
     * and room already there (never a flush the byte-wise path would not have made; the 4-byte
     * copies write at most 3 bytes past the text, inside that room) */
    if (!(flags & TH_RES) && (flags & 0x1FF) && sl <= 4 && ob->cap - ob->len >= 9 * 8) {
        char *q = ob->buf + ob->len;
        unsigned f = flags & 0x1FF;
        for (;;) {
            int i = __builtin_ctz(f);
            memcpy(q, flag_text[i], 4);
            q += i == 8 ? 2 : 3;
            f &= f - 1;
            if (!f)
                break;
            memcpy(q, sep4, 4);
            q += sl;
        }
        ob_commit(ob, q);
        return;
    }
    bool any = false;
    for (int i = 0; i < 9; i++) {
        if (flags & (1u << i)) {
            if (any)
                ob_puts(ob, sep);
            ob_puts(ob, flag_names[i]);
            any = true;
        }
    }
    if (flags & TH_RES) {
        if (any)
            ob_puts(ob, sep);
        ob_puts(ob, "Reserved");
        any = true;
    }
    if (!any)
        ob_puts(ob, "<None>");
}

/* Order in which Wireshark's column shows the tags (it prepends each as it prints them). */
static const uint16_t tag_order[] = {
    TA_ZERO_WINDOW_PROBE_ACK, TA_ZERO_WINDOW, TA_ZERO_WINDOW_PROBE, TA_DUPLICATE_ACK,
    TA_KEEP_ALIVE_ACK, TA_KEEP_ALIVE, TA_WINDOW_FULL, TA_WINDOW_UPDATE, TA_ACK_LOST_PACKET,
    TA_LOST_PACKET, TA_OUT_OF_ORDER, TA_SPURIOUS_RETRANSMISSION, TA_FAST_RETRANSMISSION,
    TA_RETRANSMISSION, TA_REUSED_PORTS,
};

void info_tags(struct obuf *ob, const struct tcp_rec *r)
{
    if (!r->flags)
        return; /* no analysis flag at all (most packets) */
    for (size_t i = 0; i < sizeof tag_order / sizeof tag_order[0]; i++) {
        uint16_t b = tag_order[i];
        if (!(r->flags & b))
            continue;
        if (b == TA_DUPLICATE_ACK) {
            if (!r->dupack_num)
                continue;
            ob_puts(ob, "[TCP Dup ACK ");
            ob_u64(ob, r->dupack_frame);
            ob_putc(ob, '#');
            ob_u64(ob, r->dupack_num);
            ob_puts(ob, "] ");
            continue;
        }
        for (int k = 0; k < ta_names_count; k++) {
            if (ta_names[k].bit == b) {
                ob_putc(ob, '[');
                ob_puts(ob, ta_names[k].tag);
                ob_puts(ob, "] ");
            }
        }
    }
}

static bool tcp_retransmitted(const struct tcp_rec *r)
{
    return r && (r->flags & (TA_RETRANSMISSION | TA_FAST_RETRANSMISSION |
                             TA_SPURIOUS_RETRANSMISSION | TA_OUT_OF_ORDER));
}

const char *info_proto(const struct pkt_event *ev)
{
    const struct pkt *p = ev->pkt;
    if (p->frag)
        return p->l3 == L3_IPV6 ? "IPv6" : "IPv4";
    switch (p->l4) {
    case L4_TCP:
        if (p->app == APP_HTTP && !tcp_retransmitted(ev->tcp))
            return "HTTP";
        if (p->app == APP_DNS && !tcp_retransmitted(ev->tcp))
            return "DNS";
        return "TCP";
    case L4_UDP:
        if (p->app == APP_DNS)
            return (p->sport == 5353 || p->dport == 5353)   ? "MDNS"
                   : (p->sport == 5355 || p->dport == 5355) ? "LLMNR"
                                                            : "DNS";
        return "UDP";
    case L4_ICMP:
        return "ICMP";
    case L4_ICMPV6:
        return "ICMPv6";
    default:
        break;
    }
    switch (p->l3) {
    case L3_IPV4: return "IPv4";
    case L3_IPV6: return "IPv6";
    case L3_ARP: return "ARP";
    default: break;
    }
    if (!linktype_supported(p->linktype))
        return "?";
    return p->linktype == LINKTYPE_ETHERNET ? "ETH" : "?";
}

static const char *ipproto_name(uint8_t proto)
{
    switch (proto) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMPv6";
    case 89: return "OSPF";
    case 132: return "SCTP";
    default: return "Unknown";
    }
}

static void tcp_info(struct obuf *ob, const struct pkt_event *ev, const struct info_opts *o)
{
    const struct pkt *p = ev->pkt;
    const struct pkt_tcp *t = &p->tcp;
    const struct tcp_rec *r = ev->tcp;
    if (o->tags && r)
        info_tags(ob, r);
    ob_u64(ob, p->sport);
    ob_puts(ob, " \xe2\x86\x92 ");
    ob_u64(ob, p->dport);
    if (!t->have_hdr) {
        ob_puts(ob, " [TCP header cut short]");
        return;
    }
    ob_puts(ob, " [");
    info_tcp_flags(ob, t->flags, ", ");
    ob_puts(ob, "]");
    bool rel = r && r->rel_ok && !o->absolute_seq;
    ob_puts(ob, " Seq=");
    ob_u64(ob, rel ? r->seq : t->seq);
    if (t->flags & TH_ACK) {
        ob_puts(ob, " Ack=");
        ob_u64(ob, rel ? r->ack : t->ack);
    }
    ob_puts(ob, " Win=");
    ob_u64(ob, r ? r->win : t->win);
    if (t->hlen < 20) {
        ob_printf(ob, ", bogus TCP header length (%u, must be at least 20)", t->hlen);
        return;
    }
    if (t->flags & TH_URG) {
        ob_puts(ob, " Urg=");
        ob_u64(ob, t->urp);
    }
    if (t->have_seglen) {
        ob_puts(ob, " Len=");
        ob_u64(ob, t->seglen);
    }
    const struct tcp_opts *op = &t->opt;
    uint8_t sack_i = 0;
    for (uint8_t i = 0; i < op->norder; i++) {
        switch (op->order[i]) {
        case 2:
            ob_puts(ob, " MSS=");
            ob_u64(ob, op->mss);
            break;
        case 3:
            ob_puts(ob, " WS=");
            ob_u64(ob, 1u << (op->wscale > 14 ? 14 : op->wscale));
            break;
        case 4:
            ob_puts(ob, " SACK_PERM");
            break;
        case 8:
            ob_puts(ob, " TSval=");
            ob_u64(ob, op->tsval);
            ob_puts(ob, " TSecr=");
            ob_u64(ob, op->tsecr);
            break;
        case 5:
            for (; sack_i < op->nsack; sack_i++) {
                bool relsack = r && r->nsack > sack_i && !o->absolute_seq;
                ob_puts(ob, " SLE=");
                ob_u64(ob, relsack ? r->sack_l[sack_i] : op->sack_l[sack_i]);
                ob_puts(ob, " SRE=");
                ob_u64(ob, relsack ? r->sack_r[sack_i] : op->sack_r[sack_i]);
            }
            break;
        case 34:
            ob_puts(ob, op->tfo_cookie_len ? " TFO=C" : " TFO=R");
            break;
        default:
            break;
        }
    }
}

static void icmp_info(struct obuf *ob, const struct pkt *p)
{
    const struct pkt_icmp *ic = &p->icmp;
    bool v6 = p->l4 == L4_ICMPV6;
    if (ic->echo) {
        bool req = v6 ? ic->type == 128 : ic->type == 8;
        ob_printf(ob, "Echo (ping) %s id=0x%04x, seq=%u/%u, %s=%u", req ? "request" : "reply",
                  ic->id, ic->seq, (unsigned)(((ic->seq & 0xff) << 8) | (ic->seq >> 8)),
                  v6 ? "hop limit" : "ttl", p->ttl);
        return;
    }
    if (!v6) {
        static const char *const unreach[] = {
            "Network unreachable", "Host unreachable", "Protocol unreachable",
            "Port unreachable", "Fragmentation needed", "Source route failed",
            "Destination network unknown", "Destination host unknown", "Source host isolated",
            "Network administratively prohibited", "Host administratively prohibited",
            "Network unreachable for TOS", "Host unreachable for TOS",
            "Communication administratively filtered", "Host precedence violation",
            "Precedence cutoff in effect"};
        switch (ic->type) {
        case 3:
            ob_printf(ob, "Destination unreachable (%s)",
                      ic->code < 16 ? unreach[ic->code] : "Unknown code");
            return;
        case 11:
            ob_printf(ob, "Time-to-live exceeded (%s)",
                      ic->code == 0 ? "Time to live exceeded in transit"
                                    : "Fragment reassembly time exceeded");
            return;
        case 5: ob_puts(ob, "Redirect"); return;
        case 4: ob_puts(ob, "Source quench (flow control)"); return;
        case 12: ob_puts(ob, "Parameter problem"); return;
        case 13: ob_puts(ob, "Timestamp request"); return;
        case 14: ob_puts(ob, "Timestamp reply"); return;
        default: ob_printf(ob, "Type %u, code %u", ic->type, ic->code); return;
        }
    }
    switch (ic->type) {
    case 1: ob_puts(ob, "Destination Unreachable"); return;
    case 2: ob_puts(ob, "Packet Too Big"); return;
    case 3: ob_puts(ob, "Time Exceeded"); return;
    case 4: ob_puts(ob, "Parameter Problem"); return;
    case 133: ob_puts(ob, "Router Solicitation"); return;
    case 134: ob_puts(ob, "Router Advertisement"); return;
    case 135: ob_puts(ob, "Neighbor Solicitation"); return;
    case 136: ob_puts(ob, "Neighbor Advertisement"); return;
    case 137: ob_puts(ob, "Redirect"); return;
    case 143: ob_puts(ob, "Multicast Listener Report Message v2"); return;
    default: ob_printf(ob, "Type %u, code %u", ic->type, ic->code); return;
    }
}

void info_build(struct obuf *ob, const struct pkt_event *ev, const struct info_opts *o)
{
    const struct pkt *p = ev->pkt;
    char a[64], b[64];
    if (p->frag) {
        ob_printf(ob, "Fragmented IP protocol (proto=%s %u, off=%u, ID=%04x)",
                  ipproto_name(p->ipproto), p->ipproto, p->frag_off, p->ip_id);
    } else {
        switch (p->l4) {
        case L4_TCP:
            if (p->app == APP_HTTP && !tcp_retransmitted(ev->tcp))
                http_info(ob, p);
            else if (p->app == APP_DNS && !tcp_retransmitted(ev->tcp))
                dns_info(ob, p);
            else
                tcp_info(ob, ev, o);
            break;
        case L4_UDP:
            if (p->app == APP_DNS) {
                dns_info(ob, p);
            } else {
                ob_u64(ob, p->sport);
                ob_puts(ob, " \xe2\x86\x92 ");
                ob_u64(ob, p->dport);
                ob_puts(ob, " Len=");
                ob_u64(ob, p->payload_len);
            }
            break;
        case L4_ICMP:
        case L4_ICMPV6:
            icmp_info(ob, p);
            break;
        case L4_OTHER:
            ob_printf(ob, "%s (%u)", ipproto_name(p->ipproto), p->ipproto);
            break;
        default:
            if (p->l3 == L3_ARP) {
                info_addr(&p->src, a);
                info_addr(&p->dst, b);
                if (p->arp_op == 1)
                    ob_printf(ob, "Who has %s? Tell %s", b, a);
                else if (p->arp_op == 2 && p->arena_used >= 6)
                    ob_printf(ob, "%s is at %02x:%02x:%02x:%02x:%02x:%02x", a,
                              (uint8_t)p->arena[0], (uint8_t)p->arena[1], (uint8_t)p->arena[2],
                              (uint8_t)p->arena[3], (uint8_t)p->arena[4], (uint8_t)p->arena[5]);
                else
                    ob_printf(ob, "ARP opcode %u", p->arp_op);
            } else if (!linktype_supported(p->linktype)) {
                ob_printf(ob, "Link type %u (not decoded)", p->linktype);
            } else if (p->l3 == L3_OTHER) {
                ob_printf(ob, "Ethernet type 0x%04x", p->ethertype);
            }
            break;
        }
    }
    if (p->status != DIS_OK && p->bad_reason && linktype_supported(p->linktype)) {
        ob_puts(ob, p->status == DIS_TRUNCATED ? " [Packet size limited during capture: "
                                               : " [Malformed Packet: ");
        ob_puts(ob, p->bad_reason);
        ob_putc(ob, ']');
    }
}
