/* summary: Zeek's view of a TCP connection: endpoint states, the history string and conn_state
 * (as in Zeek's conn.log). */
#ifndef TCPLENS_ZEEK_H
#define TCPLENS_ZEEK_H

#include <stdint.h>

#include "pkt.h"
#include "tcp_track.h"

/* Update the Zeek history and endpoint states of c with segment p (sent on fwd); called once per
 * segment after the sequence analysis and the RFC 9293 states (c->client is known). */
void zeek_update(struct tcp_conn *c, struct tcp_flow *fwd, struct tcp_flow *rev,
                 const struct pkt *p, const struct tcp_rec *r);
/* Zeek's conn_state ("SF", "S0", "REJ", ...) of c as it stands: 8 bytes, NUL-padded. */
const char *zeek_conn_state(const struct tcp_conn *c);
/* Zeek's byte count of an endpoint (orig_bytes / resp_bytes): the sequence space it covered,
 * without the SYN and FIN. */
uint64_t zeek_size(const struct zeek_ep *e);

#endif
