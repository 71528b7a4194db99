/* summary: a tiny HTTP/1.1 server in its own thread, for the offline `tcplens visit` demo.
 *
 * It serves one small self-contained HTML page about tcplens at "/" (GET and HEAD), 404 for any
 * other path, 405 for other methods, 400 for requests that are not HTTP, 431 for requests over
 * the size cap (RFC 9110, RFC 9112). Connections are served one after another.
 *
 * The close is arranged so that a capture shows the textbook four-way teardown: after answering,
 * the server waits for the client to close its side (reads until EOF, bounded), then waits a
 * short delay and closes. A curl-like client therefore sends the first FIN, the server's kernel
 * ACKs it, and the server's FIN follows a little later in its own segment:
 * client FIN, server ACK, server FIN, client ACK. With `server_closes_first` the server closes
 * right after the response instead (the server sends the first FIN). */
#ifndef TCPLENS_HTTPD_H
#define TCPLENS_HTTPD_H

#include <stddef.h>

#include "errbuf.h"

struct httpd_opts {
    int close_delay_ms;      /* pause between the client's FIN and ours (default 80); keep it
                              * above the 40 ms minimum delayed-ACK time, or the kernel's ACK
                              * of the client's FIN rides on our FIN (a three-packet close) */
    int client_wait_ms;      /* longest wait for the client to close or send more (default 2000) */
    int request_timeout_ms;  /* longest wait for a complete request (default 5000) */
    size_t max_request;      /* cap on the request head in bytes (default 8192) */
    int server_closes_first; /* close right after the response, before the client (default 0) */
};

struct httpd; /* opaque; owned by the caller between httpd_start and httpd_stop */

/* The defaults above. */
void httpd_opts_init(struct httpd_opts *o);

/* Listen on addr ("127.0.0.1", "::1", "0.0.0.0", any numeric local address) and port (0 picks a
 * free port), and serve in a new thread. opts may be NULL for the defaults.
 * Returns 0 and *hp, or -1 with one line in eb (bad address, bind or listen failure). */
int httpd_start(struct httpd **hp, const char *addr, unsigned port, const struct httpd_opts *opts,
                struct errbuf *eb);

/* The port the server listens on (the chosen one when 0 was asked for). */
unsigned httpd_port(const struct httpd *h);

/* Number of requests answered so far (any status); safe to call while the server runs. */
unsigned long httpd_requests(const struct httpd *h);

/* Stop the thread (an open connection is closed at once), close the socket and free h.
 * NULL is allowed. */
void httpd_stop(struct httpd *h);

#endif
