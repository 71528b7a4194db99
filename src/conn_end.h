/* summary: how a connection began and ended, in one classification the explanation and the
 * ladder share (four-way close, three-packet close, simultaneous close, reset, refused, no
 * answer, left half-closed, still open), and the usual service name of a server port. */
#ifndef TCPLENS_CONN_END_H
#define TCPLENS_CONN_END_H

#include "story.h"

enum conn_end {
    CE_FOUR_WAY = 0,    /* FIN, ACK, FIN, ACK */
    CE_THREE_WAY,       /* FIN, FIN+ACK, ACK */
    CE_SIMULTANEOUS,    /* both FINs crossed */
    CE_RESET,           /* aborted by a RST */
    CE_REFUSED,         /* the SYN was answered by a RST */
    CE_NO_ANSWER,       /* SYN(s) without any answer */
    CE_HALF_CLOSED,     /* FIN(s) seen, but the close did not finish in the capture */
    CE_OPEN,            /* still open when the capture ended */
    CE_MIDSTREAM_OPEN,  /* neither start nor end in the capture */
};

/* From conn_summary (how the tracker saw it end) when the story carries the tracker's record,
 * else from the story's segments. */
enum conn_end conn_end_of(const struct story *s);
/* "HTTP" for 80 etc., NULL if the port has no well-known name. */
const char *conn_end_service(uint16_t port);

#endif
