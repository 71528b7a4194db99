/* summary: per-connection bookkeeping after the sequence analysis: who is client and server,
 * the RFC 9293 state of each endpoint, the phase and step of each segment (handshake.1..3,
 * teardown.1..4, reset), and the counters of the connection summary. */
#ifndef TCPLENS_TCP_STATE_H
#define TCPLENS_TCP_STATE_H

#include "pkt.h"
#include "tcp_track.h"

/* Update c after the analysis of p (fwd: sender's flow, rev: receiver's); fills the phase,
 * step and state fields of r (and from_client) unless lean (tcp_track_set_lean). */
void tcp_state_update(struct tcp_conn *c, struct tcp_flow *fwd, struct tcp_flow *rev,
                      const struct pkt *p, struct tcp_rec *r, bool lean);

/* The client's / server's flow of a connection. */
static inline const struct tcp_flow *tcp_conn_client(const struct tcp_conn *c)
{
    return c->client == 2 ? &c->flow2 : &c->flow1;
}

static inline const struct tcp_flow *tcp_conn_server(const struct tcp_conn *c)
{
    return c->client == 2 ? &c->flow1 : &c->flow2;
}

#endif
