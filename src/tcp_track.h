/* summary: the TCP connection table and Wireshark-compatible sequence analysis.
 *
 * One entry per TCP conversation (tshark's tcp.stream), found by address/port pair in either
 * direction, numbered in order of first appearance, with port reuse starting a new entry the way
 * tshark 4.0 does. For every segment it computes what tshark shows: relative seq/ack, the scaled
 * window, the analysis flags (retransmission, dup ACK, zero window, ...), the acknowledged frame
 * and ACK RTT, and the handshake RTT. The rules are a faithful re-statement of Wireshark 4.0's
 * tcp_analyze_sequence_number() (epan/dissectors/packet-tcp.c); docs/analysis.md lists them.
 *
 * Memory: once the table holds more than a soft limit of entries, a closed connection that has
 * been quiet for a grace period (2 s) or an open one silent past a timeout (10 s) is freed; at
 * the hard cap the least recently active entry (closed first) is freed whatever its state. Each
 * freed entry is handed to the on_close callback first and leaves a small ghost behind (its
 * address pair, stream number and initial sequence numbers, in a ring of max_ghosts for open
 * conversations and one of max_ghosts_closed for closed ones): a later SYN with a new
 * ISN on that pair is port reuse and a new stream, as in tshark, and any other later packet
 * continues the ghost's stream number (with fresh analysis state: the one place where a result
 * can differ from tshark's, which keeps every conversation forever). Times are capture times.
 * A continued conversation is handed to on_close once per part (see ghosted and resumed in
 * struct tcp_conn, and the hook `forgotten`).
 * Below the soft limit nothing is freed, so small and medium captures keep every conversation,
 * exactly as tshark does. Memory therefore grows with the connections open at once (plus the
 * closed ones of the last grace period), not with the size of the capture. */
#ifndef TCPLENS_TCP_TRACK_H
#define TCPLENS_TCP_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"

/* Analysis flags (same bits as Wireshark's TCP_A_*). */
#define TA_RETRANSMISSION 0x0001
#define TA_LOST_PACKET 0x0002
#define TA_ACK_LOST_PACKET 0x0004
#define TA_KEEP_ALIVE 0x0008
#define TA_DUPLICATE_ACK 0x0010
#define TA_ZERO_WINDOW 0x0020
#define TA_ZERO_WINDOW_PROBE 0x0040
#define TA_ZERO_WINDOW_PROBE_ACK 0x0080
#define TA_KEEP_ALIVE_ACK 0x0100
#define TA_OUT_OF_ORDER 0x0200
#define TA_FAST_RETRANSMISSION 0x0400
#define TA_WINDOW_UPDATE 0x0800
#define TA_WINDOW_FULL 0x1000
#define TA_REUSED_PORTS 0x2000
#define TA_SPURIOUS_RETRANSMISSION 0x4000

/* Name table: tshark field suffix, Info-column tag, one-line meaning. Indexed by bit number. */
struct ta_name {
    uint16_t bit;
    const char *field;   /* "retransmission" (tcp.analysis.retransmission) */
    const char *tag;     /* "TCP Retransmission" */
};
extern const struct ta_name ta_names[];
extern const int ta_names_count;

/* RFC 9293 connection states. */
enum tcp_st {
    ST_NONE = 0, /* not seen */
    ST_CLOSED,
    ST_LISTEN,
    ST_SYN_SENT,
    ST_SYN_RECEIVED,
    ST_ESTABLISHED,
    ST_FIN_WAIT_1,
    ST_FIN_WAIT_2,
    ST_CLOSE_WAIT,
    ST_CLOSING,
    ST_LAST_ACK,
    ST_TIME_WAIT,
};
const char *tcp_st_name(enum tcp_st st);

enum tcp_phase { PH_NONE = 0, PH_HANDSHAKE, PH_DATA, PH_TEARDOWN, PH_RESET };
const char *tcp_phase_name(enum tcp_phase ph);

/* Zeek's view of one endpoint (zeek.c): its TCP_Endpoint state and history bookkeeping. */
enum zeek_st { ZK_INACTIVE = 0, ZK_SYN_SENT, ZK_SYN_ACK_SENT, ZK_PARTIAL, ZK_ESTABLISHED,
               ZK_CLOSED, ZK_RESET };
struct zeek_ep {
    uint8_t state, prev_state;  /* enum zeek_st */
    bool did_close, fin_seen;
    uint32_t start_seq, last_seq; /* raw */
    uint64_t span;               /* last_seq - start_seq, counted across wraps */
    uint32_t hist_last_syn, hist_last_fin, hist_last_rst; /* relative to start_seq */
    uint32_t rxmit, rxmit_thr, zwin, zwin_thr, gaps, gaps_thr; /* scaled history letters */
};

/* A range of the sequence space the capture skipped ("previous segment not captured"). */
struct tcp_hole {
    uint32_t l, r; /* raw [l, r) */
};
#define TCP_MAX_HOLES 8

/* One direction of a connection, as the analysis sees it (Wireshark's tcp_flow_t). */
struct tcp_seg {
    uint64_t frame;
    uint32_t seq, nextseq;
    int64_t ts;
};

struct tcp_flow {
    uint32_t base_seq;
    bool base_set;
    int8_t win_scale;        /* -1 unknown, -2 no scaling, else the shift */
    bool is_first_ack;
    uint32_t window;         /* last raw window sent in this direction (UINT32_MAX: none) */
    uint32_t nextseq;        /* highest seq+len seen (0: none yet) */
    int64_t nextseqtime;
    uint32_t maxseqtobeacked;
    uint32_t lastack;
    int64_t lastacktime;
    uint64_t lastnondupack;
    uint32_t dupacknum;       /* unsigned as in Wireshark: the "-1" marker compares >= 2 */
    uint16_t lastsegmentflags;
    struct tcp_seg *segs;    /* unacknowledged segments, oldest first */
    uint32_t nsegs, capsegs;

    /* for the connection summary and the state machine */
    uint64_t pkts, bytes;    /* packets sent, payload bytes (tcp.len) */
    uint64_t ip_bytes;       /* IP datagram bytes (pkt.ip_len) */
    uint64_t missed_bytes;   /* bytes the peer acknowledged that the capture never showed */
    struct tcp_hole holes[TCP_MAX_HOLES]; /* skipped ranges not yet filled or acknowledged */
    uint8_t nholes;
    struct zeek_ep zk;
    uint32_t retrans, lost, zero_windows, dup_acks, out_of_order, keep_alives;
    bool syn, synack, fin, rst;
    uint32_t fin_seq;        /* relative seq of the first FIN */
    uint64_t fin_frame;
    bool fin_acked;
    uint64_t rst_frame;
    uint32_t mss;
    bool has_mss, sack_perm, ts_ok;
    int16_t ws_offered;      /* shift offered in the SYN, -1 none */
    enum tcp_st st;          /* RFC 9293 state of this endpoint (the sender of this flow) */
};

struct tcp_conn {
    uint32_t stream;
    struct addr addr1, addr2; /* flow1 goes addr1:port1 -> addr2:port2 */
    uint16_t port1, port2;
    struct tcp_flow flow1, flow2;
    int64_t ts_first, ts_last;
    int64_t ts_mru_syn, ts_first_rtt; /* 0: unset */
    uint8_t completeness;
    /* client = sender of the first SYN (else of the first packet); 1 or 2 */
    uint8_t client;
    bool syn_seen_first;     /* began with a SYN in the capture */
    uint64_t first_frame, last_frame;
    uint64_t pkts;
    char history[48];        /* Zeek history letters (NUL-terminated; capped) */
    uint8_t hist_len;
    uint16_t hist_seen;      /* Zeek's once-per-direction letters already recorded */
    int64_t ts_zeek_last;    /* Zeek's last_time: not moved once both sides closed */
    bool handshake_done;     /* the client acknowledged the server's SYN-ACK */
    bool simultaneous_open;  /* both sides sent a pure SYN */
    bool simultaneous_close; /* each FIN was sent before the other was received */
    bool fin_ack_combined;   /* the second FIN also acknowledged the first (3-way close) */
    uint64_t fin_close_frame; /* frame that completed the FIN exchange (0: not completed) */
    bool closed;             /* both sides finished (FINs acked) or reset */
    /* table links */
    struct tcp_conn *hnext;  /* hash chain */
    struct tcp_conn *lprev, *lnext; /* LRU list (open or closed) */
    bool lru_closed;         /* on the closed list */
    uint32_t hash;
    uint64_t key1, key2;     /* IPv4 pairs: addr1:port1 and addr2:port2 packed (0: not IPv4) */
    bool replaced;           /* a newer conversation took over the key (port reuse) */
    /* ghosted: it leaves the table by eviction and leaves a ghost, so a later packet may
     *   continue the same stream, and on_close is then called again for the later part (until
     *   the hook `forgotten` says the ghost is gone, or the end);
     * resumed: it is such a later part (an earlier part of `stream` was handed over before).
     * render_conns.c folds the parts into one row (conn_summary_merge). */
    bool ghosted, resumed;
};

/* What the analysis says about one TCP segment. */
struct tcp_rec {
    bool valid;              /* the segment belongs to a stream */
    uint32_t stream;
    const struct tcp_conn *conn;
    bool from_flow1;
    bool from_client;
    bool rel_ok;             /* seq/ack are relative */
    uint32_t seq, ack;       /* as tshark's tcp.seq / tcp.ack */
    uint32_t nxtseq;
    uint32_t win;            /* tcp.window_size */
    uint16_t flags;          /* TA_* */
    uint32_t dupack_num;
    uint64_t dupack_frame;
    uint64_t acks_frame;
    int64_t ack_rtt;         /* ns, 0 if none */
    int64_t irtt;            /* ns, 0 if unknown */
    uint32_t bytes_in_flight;
    uint32_t gaps_acked;     /* holes in the peer's data this ACK passed (now missed) */
    uint8_t nsack;
    uint32_t sack_l[PKT_MAX_SACK], sack_r[PKT_MAX_SACK]; /* relative edges */
    /* state machine */
    enum tcp_phase phase;
    char step[16];           /* "handshake.2", "teardown.3", "" */
    enum tcp_st st_client, st_server;
    bool inner;              /* from the TCP header quoted in an ICMP error */
};

struct tcp_track_limits {
    uint32_t max_conns;        /* table cap; oldest evicted past it */
    uint32_t soft_conns;       /* below this many entries nothing is evicted for age */
    int64_t closed_grace;      /* ns a closed connection is kept */
    int64_t idle_timeout;      /* ns an idle open connection is kept (past soft_conns) */
    uint32_t max_unacked;      /* unacked segments kept per direction */
    uint64_t max_unacked_total; /* unacked segments kept over all connections */
    uint32_t max_ghosts;       /* evicted open conversations remembered (0: none) */
    uint32_t max_ghosts_closed; /* evicted closed conversations remembered (0: none) */
};

struct tcp_track_stats {
    uint64_t conns;            /* streams created */
    uint64_t resumed;          /* evicted conversations continued by a later packet */
    uint64_t ghosts_dropped;   /* ghosts forgotten because the ring was full */
    uint64_t evicted_cap;      /* entries freed because the table was full */
    uint64_t evicted_idle, evicted_closed;
    uint64_t unacked_cap_hits; /* segments not kept: per-direction or total cap reached */
    uint32_t open_now, max_open;
};

typedef void (*tcp_conn_cb)(void *ctx, const struct tcp_conn *c);

/* Stream-number bookkeeping for a caller that runs several tables side by side (each on its own
 * share of the conversations, see analyzer_par.c) and renumbers their streams into one order. */
struct tcp_track_hooks {
    /* a new stream number was taken by the packet of this frame (not a resumption) */
    void (*created)(void *ctx, uint32_t stream, uint64_t frame);
    /* an evicted stream's ghost is gone (ring full, or its pair reused): the number will not
     * come back */
    void (*forgotten)(void *ctx, uint32_t stream);
    void *ctx;
};

struct tcp_track;

struct tcp_track *tcp_track_new(const struct tcp_track_limits *lim);
void tcp_track_defaults(struct tcp_track_limits *lim);
/* Called for each conversation when it leaves the table (and for all at tcp_track_finish). */
void tcp_track_on_close(struct tcp_track *t, tcp_conn_cb cb, void *ctx);
/* Analyse one decoded packet (TCP, or ICMP quoting TCP). rec is filled; rec->valid is false for
 * packets that are neither. */
void tcp_track_packet(struct tcp_track *t, const struct pkt *p, struct tcp_rec *rec);
void tcp_track_set_hooks(struct tcp_track *t, const struct tcp_track_hooks *h);
/* lean: the caller looks at no record tcp_track_packet fills, only at the conversations handed
 * to on_close (and the stats), so the fields that are there for display (stream, relative
 * numbers, window, SACK edges, iRTT, phase, step, states) may be left unset; rec->valid and
 * rec->flags are still filled. Off by default. */
void tcp_track_set_lean(struct tcp_track *t, bool lean);
/* The clock and eviction step of tcp_track_packet alone, for a packet of capture time now that
 * another table analyses. */
void tcp_track_tick(struct tcp_track *t, int64_t now);
/* The table a packet belongs to when conversations are shared out by pair: false if the tracker
 * would not look at it (not TCP, no header, a fragment, not an ICMP error quoting TCP), else
 * *key is the same for both directions of a conversation. */
bool tcp_track_shard_key(const struct pkt *p, uint32_t *key);
/* The same key from a pair (for dissect_peek_tcp4's answer). */
uint32_t tcp_track_pair_key(const struct addr *a, uint16_t pa, const struct addr *b, uint16_t pb);
/* Hand every remaining conversation to on_close in stream order and free them. */
void tcp_track_finish(struct tcp_track *t);
const struct tcp_track_stats *tcp_track_stats(const struct tcp_track *t);
void tcp_track_free(struct tcp_track *t);

#endif
