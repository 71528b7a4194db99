/* summary: the story of a TCP connection: a compact, bounded, renderer-neutral record of every
 * segment of one stream (who sent it, flags, relative and raw Seq/Ack, length, window, analysis
 * flags, phase, step, both endpoint states after it, SYN options, what the application said),
 * collected from analyzer events and handed over complete when the connection leaves the
 * tracker. The explanation, the terminal ladder and the HTML ladder all read stories.
 *
 * Bounds: a story keeps the first STORY_HEAD segments and the last STORY_TAIL segments in full
 * (so the handshake and the close are always there) and counts the ones in between
 * (`omitted`, `truncated`); per-direction totals and the frame numbers of the first few
 * segments of each kind of trouble cover the whole connection. A collector keeps at most
 * `max_open` unfinished stories at a time; streams past that are counted, not recorded. */
#ifndef TCPLENS_STORY_H
#define TCPLENS_STORY_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer.h"
#include "pkt.h"
#include "tcp_track.h"

#define STORY_HEAD 48           /* segments kept from the start */
#define STORY_TAIL 24           /* segments kept from the end */
#define STORY_APP_MAX 72        /* bytes of the application summary, NUL included */
#define STORY_TROUBLE_FRAMES 8  /* frame numbers kept per kind of trouble and direction */
#define STORY_NTA 15            /* analysis flag kinds: bit numbers of TA_* */
#define STORY_MAX_OPEN_DEFAULT 1024

/* TCP options of a SYN or SYN+ACK. */
struct story_synopt {
    bool has_mss, has_ws, sack_perm, has_ts, has_tfo;
    uint16_t mss;
    uint8_t ws;                 /* shift as sent */
};

/* One segment. */
struct story_ev {
    uint64_t frame;             /* 1-based number in the capture */
    int64_t t_rel;              /* ns since the first packet of the capture */
    bool from_client;           /* client -> server */
    bool rel_ok;                /* seq/ack are relative */
    bool have_len;              /* len is known */
    uint16_t flags;             /* TH_* */
    uint16_t ta;                /* TA_* analysis flags */
    uint32_t seq, ack;          /* relative (as tshark's tcp.seq / tcp.ack) */
    uint32_t seq_raw, ack_raw;  /* as on the wire */
    uint32_t len;               /* payload bytes */
    uint32_t win;               /* scaled window */
    uint32_t dupack_num;        /* TA_DUPLICATE_ACK: the n of "Dup ACK f#n" */
    uint64_t dupack_frame;      /*                   and the f */
    int64_t irtt;               /* ns, handshake RTT if this segment completed it, else 0 */
    enum tcp_phase phase;
    char step[16];              /* "handshake.2", "teardown.2+3", "reset.abort", "" */
    enum tcp_st st_client, st_server; /* after this segment */
    struct story_synopt opt;    /* SYN segments only */
    char app[STORY_APP_MAX];    /* "GET / HTTP/1.1", "HTTP/1.1 200 OK", "" */
};

/* Totals of one direction over the whole connection. */
struct story_dir {
    uint64_t pkts, bytes, data_segs;
    uint64_t retrans_bytes;                             /* bytes in retransmitted segments */
    uint64_t ta_count[STORY_NTA];  /* per TA_* bit number; retransmissions include the fast
                                    * and spurious ones, as tshark's fields do */
    uint64_t ta_frames[STORY_NTA][STORY_TROUBLE_FRAMES]; /* first frames of each kind */
    uint64_t first_data_frame, last_data_frame;
};

struct story {
    uint32_t stream;            /* tshark's tcp.stream */
    struct addr client, server;
    uint16_t client_port, server_port;
    bool syn_seen_first;        /* the capture begins with the client's SYN */
    uint64_t first_frame, last_frame;
    int64_t t_first, t_last;    /* ns since the first packet of the capture */
    int64_t irtt;               /* ns, 0 if unknown */
    uint64_t pkts;              /* segments of this connection */
    struct story_dir to_server, to_client; /* sent by the client / by the server */
    /* segments kept: head[0..nhead) then tail (oldest first, ntail of them) */
    struct story_ev head[STORY_HEAD];
    uint32_t nhead;
    struct story_ev tail[STORY_TAIL]; /* ring; use story_at() */
    uint32_t ntail, tail_pos;
    uint64_t omitted;           /* segments between head and tail not kept */
    bool truncated;             /* omitted > 0 */
    /* the tracker's record, valid only during the callback (NULL otherwise) */
    const struct tcp_conn *conn;
};

/* Number of kept segments, and the i-th of them in capture order. */
uint32_t story_count(const struct story *s);
const struct story_ev *story_at(const struct story *s, uint32_t i);
/* Index (in story_at order) after which `omitted` segments were left out, or UINT32_MAX. */
uint32_t story_gap_after(const struct story *s);
/* The bit number (0..STORY_NTA-1) of a single TA_* flag. */
int story_ta_bit(uint16_t ta);

typedef void (*story_cb)(void *ctx, const struct story *s);

struct story_opts {
    int64_t stream;             /* only this stream (-1: all) */
    uint32_t max_open;          /* unfinished stories kept at once (0: default) */
};

struct story_stats {
    uint64_t told;              /* stories handed to the callback */
    uint64_t skipped;           /* streams not recorded because max_open was reached */
};

/* A sink that records stories and calls cb(ctx, story) for each finished connection (the story
 * is borrowed for the call). Free with story_sink_free; story_sink_stats reads the counters. */
struct sink story_sink(const struct story_opts *o, story_cb cb, void *ctx);
const struct story_stats *story_sink_stats(const struct sink *s);
void story_sink_free(struct sink *s);

#endif
