/* summary: the plain-language explanation of a TCP connection (English, Chinese, ...): who
 * talks to whom, the handshake step by step with the Seq/Ack arithmetic checked against the
 * packets, the options, the data and its trouble, and the close (four-way, three-packet,
 * simultaneous, reset, refused, or what the capture is missing). Reads stories (story.h);
 * every sentence comes from a message table (msg.h). */
#ifndef TCPLENS_EXPLAIN_H
#define TCPLENS_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer.h"
#include "outbuf.h"
#include "story.h"

struct explain_opts {
    const char *lang;    /* "en" (default when NULL), "zh" */
    int64_t stream;      /* only this stream (-1: all) */
    bool color;          /* bold headings (terminal) */
    int width;           /* wrap text at this many columns (0: 80) */
};

/* True if lang names a language with a message table. */
bool explain_lang_ok(const char *lang);
/* The languages, comma separated ("en, zh"), for messages. */
const char *explain_langs(void);

/* Explain one finished connection into ob (with the paragraph on what Seq and Ack are; the
 * sink writes that paragraph only for the first connection of a run). */
void explain_story(struct obuf *ob, const struct story *s, const struct explain_opts *o);

/* A sink that explains every connection of a run (or the one chosen) as it finishes, and says
 * at the end when nothing matched. ob must outlive the sink; free with render_explain_free. */
struct sink render_explain_sink(struct obuf *ob, const struct explain_opts *o);
void render_explain_free(struct sink *s);
/* Connections explained so far by the sink. */
uint64_t render_explain_count(const struct sink *s);

#endif
