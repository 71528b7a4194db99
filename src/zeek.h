/* summary: Zeek's view of a TCP connection: endpoint states, the history string and conn_state
 * (as in Zeek's conn.log). */
#ifndef TCPLENS_ZEEK_H
#define TCPLENS_ZEEK_H

#include "pkt.h"
#include "tcp_track.h"

/* Update the Zeek history and endpoint states of c with segment p (sent on fwd). */
void zeek_update(struct tcp_conn *c, struct tcp_flow *fwd, struct tcp_flow *rev,
                 const struct pkt *p, const struct tcp_rec *r);
/* Zeek's conn_state ("SF", "S0", "REJ", ...) of c as it stands. */
const char *zeek_conn_state(const struct tcp_conn *c);

#endif
