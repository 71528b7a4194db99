/* summary: the Protocol and Info columns of the packet list, built from the decoded packet and
 * the TCP analysis (never from raw bytes), in Wireshark's style. Shared by the text, JSON and
 * HTML renderers so they always say the same thing. */
#ifndef TCPLENS_RENDER_INFO_H
#define TCPLENS_RENDER_INFO_H

#include <stdbool.h>

#include "analyzer.h"
#include "outbuf.h"

struct info_opts {
    bool absolute_seq;  /* -S: raw sequence numbers */
    bool tags;          /* prefix analysis tags like "[TCP Retransmission] " */
};

/* Protocol column: "TCP", "HTTP", "DNS", "UDP", "ICMP", "ICMPv6", "ARP", ... */
const char *info_proto(const struct pkt_event *ev);
/* Info column text. */
void info_build(struct obuf *ob, const struct pkt_event *ev, const struct info_opts *o);
/* Analysis tags only ("[TCP Dup ACK 12#2] [TCP ZeroWindow] "), in Wireshark's order. */
void info_tags(struct obuf *ob, const struct tcp_rec *r);
/* TCP flags as Wireshark writes them: "SYN, ACK" (sep ", ") or "SYN,ACK" (sep ","). */
void info_tcp_flags(struct obuf *ob, uint16_t flags, const char *sep);
/* Format an address quickly into buf (>= 46 bytes); returns length. */
size_t info_addr(const struct addr *a, char *buf);

#endif
