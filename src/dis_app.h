/* summary: application-layer dissectors (DNS, HTTP/1.x) and their Wireshark-style Info text.
 *
 * The dissectors read only the captured bytes they are handed (through src/rd.h or explicit
 * length checks), fill p->dns / p->http and set p->app; every string they keep is copied into
 * the packet's text arena with pkt_strdup(), so it is sanitised and lives as long as the pkt.
 * The *_info() formatters render the model the way Wireshark's Info column does (tshark 4.0),
 * so `tcplens` and tshark can be compared line by line. */
#ifndef TCPLENS_DIS_APP_H
#define TCPLENS_DIS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"
#include "pkt.h"

/* ---- DNS (RFC 1035; mDNS RFC 6762 and LLMNR RFC 4795 share the format) ---- */

/* How decoding of a DNS message ended (struct pkt_dns.end). */
enum dns_end {
    DNS_END_OK = 0,   /* every question and record was decoded */
    DNS_END_CUT = 1,  /* the captured bytes ended inside the message (snaplen) */
    DNS_END_BAD = 2,  /* the message itself ends early or holds an undecodable label */
    DNS_END_FULL = 3, /* the packet's text arena filled up; decoding stopped there */
};
/* Flag or-ed into pkt_dns.end: fewer than 4 bytes, so even the ID and flags are unknown. */
#define DNS_END_NOHDR 0x10

/* Decode the DNS message in b[0..n) (a UDP payload; for DNS over TCP the caller has already
 * stripped the 2-byte length prefix). Sets p->app = APP_DNS whenever n > 0, fills p->dns:
 * header and counts, up to PKT_DNS_MAX_Q questions and PKT_DNS_MAX_A answers; the Info text of
 * further questions and of the remaining records (answers past the cap, authority, additional)
 * goes to p->dns.q_more / p->dns.rr_more. Compression pointers must point strictly backwards;
 * a bad pointer, an unknown label type or a name longer than 255 octets yields a marker name
 * ("<BAD PTR>", "<BAD LABEL>", "<Name too long>") and sets p->dns.malformed. Never reads
 * outside b[0..n). With n == 0 nothing is changed. */
void dis_dns(struct pkt *p, const uint8_t *b, size_t n);

/* Wireshark's Info text for a decoded DNS message, e.g.
 * "Standard query response 0x3bff A www.baidu.com CNAME www.a.shifen.com A 183.232.231.174". */
void dns_info(struct obuf *ob, const struct pkt *p);

/* Wireshark's name for a DNS RR type ("AAAA"), or NULL when it has none ("Unknown (N)"). */
const char *dns_type_name(uint16_t type);

/* ---- HTTP/1.x (RFC 9112) ---- */

/* Longest request-target kept (less if the packet's arena is short of room); longer ones are
 * cut and end in "...". */
#define HTTP_URI_MAX 1536

/* Recognise an HTTP/1.x request line or status line at the start of b[0..n) (one leading CRLF
 * is skipped, as Wireshark does) and fill p->http from it and from the header lines captured
 * in the same bytes (Host, Content-Type, Content-Length). Returns true and sets
 * p->app = APP_HTTP on success; returns false and changes nothing otherwise. A first line cut
 * by the end of the captured bytes is accepted as far as it goes (p->http.version may then be
 * NULL for a request). */
bool dis_http(struct pkt *p, const uint8_t *b, size_t n);

/* Wireshark's Info text for an HTTP message seen in one segment: the first line plus one space
 * ("GET / HTTP/1.1 "), then, when body bytes follow the headers in the same segment, the text
 * Wireshark's media dissectors add for the body once reassembled ("HTTP/1.1 200 OK  (text/html)",
 * "  (GIF89a)", ", JavaScript Object Notation (application/json)"). */
void http_info(struct obuf *ob, const struct pkt *p);

#endif
