/* summary: the SVG ladder (sequence) diagram of one TCP connection for the HTML report.
 *
 * Drawn from a small neutral description of the connection (struct lad_conn), so it does not
 * depend on how the packets were collected: time flows down, the client's lifeline is on the
 * left and the server's on the right, one arrow per packet labelled with its flags and
 * Seq/Ack/Len, the endpoint states written beside the lifelines where they change, the
 * handshake, the close and resets on tinted bands, anomalies in the warning colour. Every
 * string is HTML-escaped; strings that came from packets are never written raw. */
#ifndef TCPLENS_HTML_LADDER_H
#define TCPLENS_HTML_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

struct lad_pkt {
    uint64_t frame;          /* number in the capture */
    int64_t t_rel;           /* ns since the first packet of the capture */
    bool from_client;
    uint16_t flags;          /* TH_* */
    uint32_t seq, ack, len;  /* relative unless the report asks for raw numbers */
    uint32_t win;
    uint16_t ta;             /* TA_* analysis flags */
    uint64_t dupack_frame;   /* TA_DUPLICATE_ACK: the frame it duplicates ("Dup ACK f#n") */
    uint32_t dupack_num;     /*                   and its number n */
    uint8_t phase;           /* enum tcp_phase */
    uint8_t st_client;       /* enum tcp_st after the packet */
    uint8_t st_server;
    char step[16];           /* "handshake.2", "teardown.2+3", "" */
    const char *app;         /* application summary (sanitised packet text) or NULL */
};

struct lad_conn {
    const char *anchor;      /* prefix of the packet anchors: "c3" links arrows to #c3-p<frame> */
    const char *client;      /* "192.168.4.100:53412" */
    const char *server;
    int lang;                /* 0 English, 1 Chinese (the labels of the bands and lifelines) */
    const struct lad_pkt *pkts;
    size_t n;
    size_t gap_after;        /* index of the packet after which packets were left out, or
                              * SIZE_MAX */
    uint64_t omitted;        /* how many were left out there */
};

/* Write <svg class="ladder">...</svg> with exactly one <g class="pkt"> per packet. */
void html_ladder_svg(struct obuf *ob, const struct lad_conn *c);

/* Does this analysis flag set call for the warning colour (everything but window updates)? */
bool html_ladder_warn(uint16_t ta);

#endif
