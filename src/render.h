/* summary: the renderers: each turns analyzer events into one output format. */
#ifndef TCPLENS_RENDER_H
#define TCPLENS_RENDER_H

#include <stdbool.h>

#include "analyzer.h"
#include "outbuf.h"

/* -t: r relative to the first packet, d delta since the previous one shown, ud/ad UTC/local
 * date and time, u/a UTC/local time of day, e seconds since the epoch (tshark's letters). */
enum time_fmt {
    TIME_REL = 0,
    TIME_DELTA,
    TIME_ABS_UTC,     /* 2017-09-19 08:41:17.104512 (UTC) */
    TIME_ABS_LOCAL,   /* the same in local time (TZ) */
    TIME_EPOCH,
    TIME_UTC_TOD,     /* 08:41:17.104512 (UTC) */
    TIME_LOCAL_TOD    /* the same in local time */
};

struct list_opts {
    bool absolute_seq;   /* -S */
    enum time_fmt time;
    bool color;
};

/* The Wireshark-style packet list (text). ob must outlive the sink. */
struct sink render_list_sink(struct obuf *ob, const struct list_opts *o);
/* One JSON object per packet (docs/json.md). */
struct sink render_json_sink(struct obuf *ob);
/* Free what a render_*_sink allocated. */
void render_sink_free(struct sink *s);

/* Format a timestamp (ns since epoch / relative) per fmt into ob. */
void render_time(struct obuf *ob, const struct pkt_event *ev, enum time_fmt fmt);

#endif
