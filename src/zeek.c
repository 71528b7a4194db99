/* summary: Zeek conn_state and history (placeholder rules; see docs/analysis.md). */
#include "zeek.h"

void zeek_update(struct tcp_conn *c, struct tcp_flow *fwd, struct tcp_flow *rev,
                 const struct pkt *p, const struct tcp_rec *r)
{
    (void)c;
    (void)fwd;
    (void)rev;
    (void)p;
    (void)r;
}

const char *zeek_conn_state(const struct tcp_conn *c)
{
    (void)c;
    return "OTH";
}
