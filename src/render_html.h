/* summary: the HTML report: one self-contained page (inline CSS, inline SVG, a few lines of
 * inline script, no external resource) with the capture summary, the connection table, and per
 * connection the ladder diagram, the explanation and the packet list.
 *
 * It is a sink like the other renderers: it sees the analyzer's events, never capture bytes,
 * and writes the page when the run finishes (the summary at the top needs the whole run).
 * Every string that came from a packet is HTML-escaped. Memory and page size are bounded: all
 * connections are counted, the table lists the first max_rows, and only the first max_full
 * connections (or the one chosen with `stream`) are drawn, from their stories (story.h: the
 * first and last segments of each connection, the ones in between counted). */
#ifndef TCPLENS_RENDER_HTML_H
#define TCPLENS_RENDER_HTML_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer.h"
#include "errbuf.h"
#include "outbuf.h"

struct html_opts {
    const char *title;     /* capture name for the heading (file name or interface); escaped */
    const char *cmd_hint;  /* how to pick one connection, shown in the note ("tcplens report
                            * cap.pcap"); NULL: derived from title */
    int lang;              /* 0 English, 1 Chinese */
    int64_t stream;        /* >= 0: draw only this connection in full; -1: the first max_full */
    uint32_t max_full;     /* connections drawn in full (default 20) */
    uint32_t max_rows;     /* rows of the connection table (default 2000) */
    bool absolute_seq;     /* raw sequence numbers instead of relative */
};

void html_opts_init(struct html_opts *o);

/* The report as a sink writing into ob when the run finishes. ob must outlive the sink;
 * free with render_html_free. */
struct sink render_html_sink(struct obuf *ob, const struct html_opts *o);
void render_html_free(struct sink *s);
/* Connections drawn in full (after the run): 0 with a stream that the capture does not hold. */
uint32_t render_html_drawn(const struct sink *s);

/* The report written to a file, for commands that produce it next to other output (visit
 * --html FILE): open, add hf.sink to the run's sinks, run, close. "-" is standard output.
 * html_file_open returns -1 with eb filled if the file cannot be created; html_file_close
 * returns -1 with eb filled if writing failed (the partial file is removed). */
struct html_file {
    struct obuf ob;
    struct sink sink;
    int fd;
    char *path;            /* owned; NULL for standard output */
};
int html_file_open(struct html_file *hf, const char *path, const struct html_opts *o,
                   struct errbuf *eb);
int html_file_close(struct html_file *hf, struct errbuf *eb);

#endif
