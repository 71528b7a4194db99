/* summary: the ladder (sequence) diagram of a TCP connection in the terminal: the client's and
 * the server's lifelines, one arrow per packet labelled with its number, flags, Seq/Ack/Len and
 * analysis tags, the endpoint states beside the lifelines where they change; 80 columns,
 * Unicode box characters or plain ASCII, colour only when asked. Long runs of data segments are
 * folded into one line with counts unless `full`. Reads stories (story.h). */
#ifndef TCPLENS_LADDER_H
#define TCPLENS_LADDER_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer.h"
#include "outbuf.h"
#include "story.h"

struct ladder_opts {
    int64_t stream;      /* only this stream (-1: all) */
    bool ascii;          /* ASCII instead of Unicode box characters */
    bool full;           /* one line per packet, no folding */
    bool color;          /* ANSI colours */
    bool absolute_seq;   /* raw Seq/Ack instead of relative */
    int width;           /* columns (0: 80; at least 60 used) */
};

/* Draw one finished connection into ob. */
void ladder_story(struct obuf *ob, const struct story *s, const struct ladder_opts *o);

/* A sink that draws every connection of a run (or the one chosen) as it finishes. ob must
 * outlive the sink; free with render_ladder_free. */
struct sink render_ladder_sink(struct obuf *ob, const struct ladder_opts *o);
void render_ladder_free(struct sink *s);
uint64_t render_ladder_count(const struct sink *s);

#endif
