/* summary: the pieces of `tcplens visit` that are not printing: the URL's host and port, the
 * interface that routes to an address, the capture filter, and a live capture that runs in its
 * own thread while the request is made and knows when the request's connection has closed.
 *
 * The capture thread runs the ordinary pipeline (analyzer_run on a live interface) with the
 * capture filter `host ADDR and tcp port PORT`, writes every packet to a pcap file and watches
 * the TCP connections it tracks: the caller waits for the connection of its request to close
 * (both FINs acknowledged, or a RST) and then stops the capture. The packet list, the
 * explanation and the ladder are made afterwards by one more pipeline run over that file, so
 * everything printed is what the file holds. */
#ifndef TCPLENS_VISIT_H
#define TCPLENS_VISIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "analyzer.h"
#include "errbuf.h"

/* ---- the URL ---- */

struct visit_url {
    char url[2048];   /* the URL as it will be fetched (a scheme added when there was none) */
    char scheme[8];   /* "http" or "https" */
    char host[256];   /* host name or numeric address, IPv6 without brackets */
    unsigned port;    /* explicit or the scheme's default */
};

/* Parse an http:// or https:// URL ("example.com/x" means http://example.com/x). Returns 0, or
 * -1 with one line in eb (not a URL, another scheme, no host, bad port, libcurl that cannot be
 * loaded: see curl_api.h). */
int visit_parse_url(const char *text, struct visit_url *u, struct errbuf *eb);

/* ---- routing ---- */

/* The name of the interface the kernel would send packets to dst through (the routing table,
 * asked over rtnetlink; a local address of this machine routes through the loopback interface).
 * Falls back to a connected UDP socket and the interface that owns its source address. Returns
 * 0, or -1 with one line in eb (no route). */
int visit_route_iface(const struct sockaddr *dst, char *name, size_t n, struct errbuf *eb);

/* "host ADDR and tcp port PORT" for dst (numeric, IPv6 without a scope). */
void visit_filter(const struct sockaddr *dst, unsigned port, char *buf, size_t n);

/* ---- the capture ---- */

#define VISIT_MAX_CONNS 64 /* connections watched (the filter admits only ours, normally) */

struct vcap;

struct vcap_opts {
    const char *iface;
    const char *filter;
    const char *path;  /* pcap file every captured packet is written to */
    int snaplen;       /* 0: the default */
};

/* Start the capture thread and wait until the capture is open (so that nothing the caller does
 * afterwards can be missed). Returns 0 and *out, or -1 with *st (RUN_NO_PERM, RUN_BAD_FILTER,
 * RUN_CAPTURE_ERR, RUN_WRITE_ERR) and one line in eb; nothing is left running then. */
int vcap_start(struct vcap **out, const struct vcap_opts *o, enum run_status *st,
               struct errbuf *eb);

/* Wait up to timeout_ms for the connection whose client port is client_port to close (both FINs
 * acknowledged, or reset); client_port 0 means every connection seen so far, and at least one.
 * Returns true as soon as that is so, false at the timeout or when the capture ended. */
bool vcap_wait_closed(struct vcap *v, unsigned client_port, int timeout_ms);

/* Packets captured so far. */
uint64_t vcap_packets(struct vcap *v);

/* Stop the capture, wait for the thread and free v. *ri gets the run's summary (the kernel's
 * counters, whether a signal stopped it), *eb a capture error; returns the run's status. */
enum run_status vcap_stop(struct vcap *v, struct run_info *ri, struct errbuf *eb);

#endif
