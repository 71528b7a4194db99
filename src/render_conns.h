/* summary: the connection table renderer (`tcplens conns`): one row per TCP stream as an aligned
 * text table, JSON Lines (docs/json.md) or a Zeek conn.log.
 *
 * Order: from a file, rows come in stream order; the tracker hands connections over as they
 * leave it (in any order when its table is past the soft limit, or on port reuse), so the sink
 * keeps the early ones until every lower stream has been printed: the next WIN (4096) streams
 * in memory, rows further ahead in an unlinked temporary file in $TMPDIR (or /tmp) at a fixed
 * offset per stream, whose printed stretches are given back as it goes. Memory stays bounded
 * whatever the capture; the order breaks only if that file cannot be created (then said).
 * A conversation the tracker evicted and a later packet continued comes in parts (tcp_track.h):
 * its row is held until its ghost is gone and the parts are folded into it (conn_summary_merge),
 * so there is one row per stream.
 * Live, a row prints as soon as its connection has closed (both FINs acknowledged, or a RST) or
 * has left the tracker, the rest at the end in stream order; a closed connection's later
 * packets (a stray retransmission) are then not in its row, and a conversation continued after
 * it left the tracker prints a second row. Streams that never had a TCP segment of their own
 * (only ICMP errors quoting them) are left out. */
#ifndef TCPLENS_RENDER_CONNS_H
#define TCPLENS_RENDER_CONNS_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer.h"
#include "conn_summary.h"
#include "outbuf.h"

enum conns_fmt { CONNS_TEXT = 0, CONNS_JSON, CONNS_ZEEK };

struct conns_opts {
    enum conns_fmt fmt;
    bool live;            /* print rows as connections close */
    bool one_stream;      /* only `stream` */
    uint32_t stream;
    bool color;
    uint32_t window;      /* rows kept in memory ahead of the next to print (0: 4096) */
    uint32_t spill_blocks; /* blocks of 32 spilled rows cached in memory (0: 256) */
};

struct sink render_conns_sink(struct obuf *ob, const struct conns_opts *o);
void render_conns_free(struct sink *s);
/* After the run: rows printed, and rows that could not be kept in stream order. */
void render_conns_counts(const struct sink *s, uint64_t *rows, uint64_t *out_of_order);

/* Zeek-style connection id for a stream: "C" and 17 base-62 characters, derived from the
 * stream's addresses, ports, start time and number (the same input gives the same id). */
void conns_zeek_uid(const struct conn_summary *s, char out[20]);

#endif
