/* summary: one HTTP GET with libcurl, pinned to a chosen address, with what a capture needs.
 *
 * The request goes exactly to `pin` (CURLOPT_CONNECT_TO), while the URL's host name still
 * appears in the Host header and, for https, in SNI and certificate checks. It is HTTP/1.1, on a
 * fresh connection that is closed afterwards (CURLOPT_FRESH_CONNECT, CURLOPT_FORBID_REUSE), with
 * no proxy. The result tells the capture which connection was ours (local and remote address and
 * port), what came back (status line, headers, body size) and how long each phase took; failures
 * fall into a few classes the caller can map to exit codes. */
#ifndef TCPLENS_PROBE_HTTP_H
#define TCPLENS_PROBE_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "errbuf.h"

#define HTTP_HEADERS_CAP 8192     /* response header bytes kept in struct http_result */
#define HTTP_REQ_HEADERS_CAP 2048 /* request header bytes kept */

enum http_class {
    HTTP_OK = 0,      /* a response was received (any status code) */
    HTTP_ERR_RESOLVE, /* the host name did not resolve */
    HTTP_ERR_REFUSED, /* connection refused (RST to our SYN) */
    HTTP_ERR_TIMEOUT, /* connect or total timeout */
    HTTP_ERR_TLS,     /* TLS handshake or certificate failure */
    HTTP_ERR_OTHER    /* anything else: bad URL, unreachable network, reset, empty reply, ... */
};

/* Receives the body in pieces; return n to go on, anything else aborts (HTTP_ERR_OTHER). */
typedef size_t (*http_sink_fn)(const void *data, size_t n, void *ud);

struct http_opts {
    const char *url;            /* http:// or https:// */
    const struct sockaddr *pin; /* connect to this address (port from the URL); NULL: resolve */
    long connect_timeout_ms;    /* default 5000 */
    long timeout_ms;            /* whole transfer, default 15000 */
    http_sink_fn sink;          /* body receiver, or NULL */
    void *sink_ud;
    FILE *sink_file;        /* used when sink is NULL; both NULL: the body is counted, not kept */
    const char *user_agent; /* default "tcplens/VERSION" */
    int insecure;           /* https: do not verify the certificate (default 0: verify) */
    /* optional: non-zero aborts the transfer within a fraction of a second (Ctrl-C) */
    const volatile sig_atomic_t *stop;
};

struct http_result {
    enum http_class cls;
    int curl_code;             /* CURLcode, 0 on success */
    int os_errno;              /* errno of the failed connect, 0 if none */
    long status;               /* 200, 404, ...; 0 when no response */
    char status_line[256];     /* "HTTP/1.1 200 OK" without CR LF */
    char headers[HTTP_HEADERS_CAP];         /* response head as received, CR LF kept */
    size_t headers_len;
    int headers_truncated;                  /* the head was longer than HTTP_HEADERS_CAP - 1 */
    char req_headers[HTTP_REQ_HEADERS_CAP]; /* the request head we sent */
    size_t req_headers_len;
    uint64_t body_bytes;       /* body bytes received (after any transfer decoding) */
    char content_type[128];    /* Content-Type of the response, "" if none */
    char local_ip[64];         /* our end of the connection */
    unsigned local_port;
    char remote_ip[64];        /* the server's end */
    unsigned remote_port;
    /* Microseconds from the start of the request to the end of each phase (curl's
     * CURLINFO_*_TIME_T): name lookup, TCP connected, TLS done (0 for http), request about to
     * be sent, first response byte, everything. */
    int64_t t_dns_us, t_connect_us, t_tls_us, t_pretransfer_us, t_first_byte_us, t_total_us;
};

/* Fill o with the defaults (url and pin NULL). */
void http_opts_init(struct http_opts *o);

/* Perform the GET. Returns 0 when a response was received (whatever its status; r->cls is
 * HTTP_OK), or -1 with r->cls set and curl's error text in eb. r is always filled as far as
 * the transfer got (the addresses and ports are known once the connection was made). */
int http_get(const struct http_opts *o, struct http_result *r, struct errbuf *eb);

/* A short English name for a class: "ok", "resolve", "refused", "timeout", "tls", "other". */
const char *http_class_name(enum http_class c);

#endif
