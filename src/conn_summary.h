/* summary: the summary of one TCP connection, computed from the tracker's struct tcp_conn when
 * the connection leaves the tracker (a sink's `conn` callback): endpoints (the client sent the
 * first SYN), times, packets and bytes each way, iRTT, anomaly counts, how it began and ended,
 * and Zeek's conn_state and history. Renderers (conns, explain, ladder, report) use this and
 * never look into the tracker's state. The enum names (conn_began_name, conn_ended_name) are
 * stable machine names, used in JSON; the *_text functions give the words for people. */
#ifndef TCPLENS_CONN_SUMMARY_H
#define TCPLENS_CONN_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"
#include "tcp_track.h"

enum conn_began {
    BEGAN_HANDSHAKE = 0, /* "handshake": SYN, SYN-ACK and the ACK of the SYN-ACK */
    BEGAN_SYN_ONLY,      /* "syn_only": SYN(s) without an answer (or answered by RST) */
    BEGAN_SYN_SYNACK,    /* "syn_synack": SYN and SYN-ACK, the final ACK not seen */
    BEGAN_SIMULTANEOUS,  /* "simultaneous": both sides sent a SYN (simultaneous open) */
    BEGAN_MIDSTREAM,     /* "no_handshake": the capture has no SYN from the client */
};

enum conn_ended {
    ENDED_OPEN = 0,      /* "open": no FIN, no RST: still open when the capture ended */
    ENDED_FOUR_WAY,      /* "four_way": FIN, ACK, FIN, ACK */
    ENDED_THREE_WAY,     /* "three_way": FIN, FIN+ACK (the ACK rides on the second FIN), ACK */
    ENDED_SIMULTANEOUS,  /* "simultaneous": both FINs sent before either was received */
    ENDED_RST_CLIENT,    /* "rst_client": the client aborted with a RST */
    ENDED_RST_SERVER,    /* "rst_server": the server aborted with a RST */
    ENDED_REFUSED,       /* "refused": the SYN was answered by a RST */
    ENDED_HALF_CLOSED,   /* "half_closed": one side sent FIN, the other never did */
};

/* One side of the connection. */
struct conn_side {
    struct addr addr;
    uint16_t port;
    uint64_t pkts;           /* TCP segments sent */
    uint64_t bytes;          /* payload bytes sent (sum of tcp.len; retransmissions included) */
    uint64_t ip_bytes;       /* IP datagram bytes sent */
    uint64_t seq_bytes;      /* Zeek's orig_bytes/resp_bytes: sequence space covered */
    uint64_t missed_bytes;   /* sent bytes the peer acknowledged that the capture lacks */
    uint32_t retrans;        /* retransmissions (fast and spurious included) */
    uint32_t lost;           /* "previous segment not captured" */
    uint32_t zero_windows;   /* zero windows advertised */
    uint32_t dup_acks;
    uint32_t out_of_order;
    uint32_t keep_alives;
    bool syn, synack, fin, rst;
    uint64_t fin_frame, rst_frame; /* first FIN / RST sent (0: none) */
    uint32_t mss;            /* from its SYN (0: none) */
    int16_t wscale;          /* window scale offered in its SYN (-1: none) */
    bool sack_perm;
    const char *rfc_state;   /* RFC 9293 state at the end ("TIME-WAIT") */
};

struct conn_summary {
    uint32_t stream;         /* tcp.stream */
    struct conn_side client, server; /* client: sent the first SYN (else tcp_state's guess) */
    bool client_is_first;    /* the first packet came from the client */
    int64_t ts_start;        /* ns since the epoch: first packet */
    int64_t ts_end;          /* last packet */
    int64_t duration;        /* ts_end - ts_start (ns) */
    int64_t irtt;            /* handshake RTT, ns (0: unknown) */
    uint64_t pkts;           /* both ways */
    uint64_t first_frame, last_frame;
    uint32_t retrans, lost, zero_windows, dup_acks; /* both ways */
    enum conn_began began;
    enum conn_ended ended;
    bool closed;             /* both sides finished or one reset */
    bool replaced;           /* the address/port pair was reused by a later stream */
    uint8_t completeness;    /* tshark's tcp.completeness bits */
    /* Zeek */
    char conn_state[8];      /* "SF", "S0", "REJ", ... */
    char history[48];        /* "ShADadFf" */
    int64_t zeek_duration;   /* Zeek's: excludes packets after both sides closed */
};

void conn_summarize(const struct tcp_conn *c, struct conn_summary *s);
/* Fold b, a later part of the same stream (the tracker evicted the conversation and a later
 * packet continued it), into a: counts summed side by side, start, began, iRTT and handshake
 * options from the first part, end, RFC state and (unless the later part ended "open") how it
 * ended from the last, Zeek's conn_state from the last part unless that alone says "OTH", and
 * the later part's history letters that a's history lacks appended (docs/analysis.md). */
void conn_summary_merge(struct conn_summary *a, const struct conn_summary *b);

const char *conn_began_name(enum conn_began b);  /* "handshake", ... */
const char *conn_began_text(enum conn_began b);  /* "3-way handshake", ... */
const char *conn_ended_name(enum conn_ended e);  /* "four_way", "rst_client", ... */
const char *conn_ended_text(enum conn_ended e);  /* "4-way close", "RST by client", ... */

#endif
