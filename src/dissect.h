/* summary: dissect(): from a capture record to a decoded struct pkt, link layer to application.
 *
 * Pure: fills the pkt and nothing else, no allocation, no global state. Each layer narrows the
 * reader to the length its header declares, so padding and trailers are never parsed as
 * payload. A layer that runs out of captured bytes marks the packet DIS_TRUNCATED, a header that
 * contradicts itself marks it DIS_INVALID; both keep whatever was decoded before. */
#ifndef TCPLENS_DISSECT_H
#define TCPLENS_DISSECT_H

#include <stdbool.h>
#include <stdint.h>

#include "capfile.h"
#include "pkt.h"

/* Link types (LINKTYPE_* values as stored in capture files; DLT_RAW 12/14 also accepted). */
#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

enum dis_depth {
    DIS_DEPTH_TRANSPORT = 1, /* up to TCP/UDP/ICMP headers: enough for connection analysis */
    DIS_DEPTH_APP = 2,       /* also HTTP and DNS */
};

/* Decode rec into p (p is fully reset first). frame is the 1-based packet number. */
void dissect(struct pkt *p, const struct cap_rec *rec, uint64_t frame, enum dis_depth depth);
/* A quick look at the commonest packet, Ethernet + IPv4 (no VLAN, no fragment) + TCP: true
 * with the addresses and ports dissect() would give it, false for anything else (then only
 * dissect() knows). For work that only needs to know which conversation a packet is on. */
bool dissect_peek_tcp4(const struct cap_rec *rec, struct addr *src, uint16_t *sport,
                       struct addr *dst, uint16_t *dport);
bool linktype_supported(uint32_t linktype);
const char *linktype_name(uint32_t linktype);
/* Convert a DLT_* from a live libpcap handle to the LINKTYPE_* used here. */
uint32_t linktype_from_dlt(int dlt);

#endif
