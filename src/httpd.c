/* summary: the built-in HTTP/1.1 demo server: one page, one thread, one connection at a time.
 *
 * RFC 9112 (HTTP/1.1 message syntax), RFC 9110 §9.3.1-9.3.2 (GET, HEAD), §15 (status codes),
 * RFC 9293 §3.6 (closing a connection). Request bytes are untrusted: they are parsed with ASCII
 * tests only, bounded by `max_request`, and never echoed back.
 *
 * Life of a connection:
 *
 *   read a request head ──> answer it ──> more requests? answer them as well (keep-alive)
 *        │                                  │
 *        │ timeout, garbage, "close"        │ client FIN (read returns 0)
 *        v                                  v
 *   [server closes first]               wait close_delay_ms, close: our FIN follows the
 *   shutdown(SHUT_WR), read until EOF    client's FIN and the ACK the kernel sent for it
 *   (bounded), close
 *
 * The server-first path always reads until EOF before close(), because closing a socket with
 * unread data makes the kernel send a RST instead of a FIN (RFC 2525 §2.17). */
#include "httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "version.h"
#include "xalloc.h"

#define HTTPD_MAX_PENDING 16

struct httpd {
    int lfd;          /* listening socket */
    int stop_rd;      /* readable once httpd_stop was called */
    int stop_wr;
    unsigned port;
    struct httpd_opts o;
    pthread_t thread;
    char *buf; /* request buffer, o.max_request bytes; used only by the server thread */
    /* Connections whose client has closed, waiting for close_delay_ms to pass before we close
     * them (oldest first); the server accepts and serves the next connection meanwhile. */
    int pend_fd[HTTPD_MAX_PENDING];
    int64_t pend_at[HTTPD_MAX_PENDING];
    int npend;
    atomic_ulong requests;
};

static const char page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<title>tcplens \xe2\x80\x94 built-in test page</title>\n"
    "<style>body{font:16px/1.5 sans-serif;max-width:40em;margin:2em auto;padding:0 1em}"
    "code{background:#eee;padding:0 .2em}</style>\n"
    "</head>\n"
    "<body>\n"
    "<h1>Hello from tcplens</h1>\n"
    "<p>This page was served by the small HTTP server built into <code>tcplens visit</code>, "
    "so the experiment works without a network: resolve, ping, capture, fetch, explain.</p>\n"
    "<p>The TCP connection that carried it began with the three-way handshake "
    "(<code>SYN</code>, <code>SYN, ACK</code>, <code>ACK</code>), carried one request and one "
    "response, and ends with the four-way teardown: the client sends <code>FIN</code>, the "
    "server acknowledges it, then sends its own <code>FIN</code>, which the client "
    "acknowledges.</p>\n"
    "<p>Every acknowledgment number is the other side's sequence number plus the bytes it "
    "received; a <code>SYN</code> and a <code>FIN</code> each count as one.</p>\n"
    "</body>\n"
    "</html>\n";

static const char page_404[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                               "<title>404 Not Found</title></head>\n"
                               "<body><h1>Not Found</h1><p>Only <a href=\"/\">/</a> is "
                               "here.</p></body></html>\n";
static const char page_400[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                               "<title>400 Bad Request</title></head>\n"
                               "<body><h1>Bad Request</h1></body></html>\n";
static const char page_405[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                               "<title>405 Method Not Allowed</title></head>\n"
                               "<body><h1>Method Not Allowed</h1><p>Use GET.</p></body></html>\n";
static const char page_408[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                               "<title>408 Request Timeout</title></head>\n"
                               "<body><h1>Request Timeout</h1></body></html>\n";
static const char page_431[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                               "<title>431 Request Header Fields Too Large</title></head>\n"
                               "<body><h1>Request Header Fields Too Large</h1></body></html>\n";

void httpd_opts_init(struct httpd_opts *o)
{
    memset(o, 0, sizeof *o);
    o->close_delay_ms = 80;
    o->client_wait_ms = 2000;
    o->request_timeout_ms = 5000;
    o->max_request = 8192;
    o->server_closes_first = 0;
}

/* ---- small helpers ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* RFC 9110 §5.6.2 tchar. */
static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int name_is(const char *p, size_t n, const char *name)
{
    if (strlen(name) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)p[i]) != name[i])
            return 0;
    return 1;
}

/* Case-insensitive search for token `t` (lower case) in p[0..n). */
static int has_word(const char *p, size_t n, const char *t)
{
    size_t tl = strlen(t);
    for (size_t i = 0; i + tl <= n; i++) {
        size_t k = 0;
        while (k < tl && lower((unsigned char)p[i + k]) == t[k])
            k++;
        if (k == tl)
            return 1;
    }
    return 0;
}

/* Close the pending connections whose delay is over (all of them when `all`). */
static void close_pending(struct httpd *h, int64_t now, int all)
{
    int k = 0;
    while (k < h->npend && (all || h->pend_at[k] <= now))
        close(h->pend_fd[k++]);
    memmove(h->pend_fd, h->pend_fd + k, (size_t)(h->npend - k) * sizeof h->pend_fd[0]);
    memmove(h->pend_at, h->pend_at + k, (size_t)(h->npend - k) * sizeof h->pend_at[0]);
    h->npend -= k;
}

/* Wait until fd is readable, the stop pipe fires, or deadline (mono ms) passes, closing pending
 * connections when their time comes. Returns 1 readable, 0 timeout, -1 stop. */
static int wait_readable(struct httpd *h, int fd, int64_t deadline)
{
    for (;;) {
        int64_t now = mono_ms();
        close_pending(h, now, 0);
        int64_t until = deadline;
        if (h->npend && h->pend_at[0] < until)
            until = h->pend_at[0];
        struct pollfd p[2] = {{h->stop_rd, POLLIN, 0}, {fd, POLLIN, 0}};
        int n = poll(p, 2, until > now ? (int)(until - now) : 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || p[0].revents)
            return -1;
        if (n > 0)
            return 1;
        if (mono_ms() >= deadline)
            return 0;
    }
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- requests and responses ---- */

struct req {
    int status;      /* what to answer: 200, 400, 404, 405 */
    int head_only;   /* HEAD */
    int close_after; /* the connection cannot carry another request */
};

/* Find the end of a request head in b[0..n): returns its length including the blank line,
 * or 0 if it is not complete yet. */
static size_t head_end(const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] != '\n')
            continue;
        if (i + 1 < n && b[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Whether b[0..n), the start of a request, can no longer become a request line: a byte that
 * cannot appear in one (a TLS ClientHello starts with 0x16) shows up before the first LF.
 * Lets us answer 400 at once instead of waiting for an end of head that never comes. */
static int hopeless_start(const char *b, size_t n)
{
    for (size_t i = 0; i < n && b[i] != '\n'; i++) {
        unsigned char c = (unsigned char)b[i];
        if ((c < 0x20 && c != '\r') || c >= 0x7f)
            return 1;
    }
    return 0;
}

/* One line of b[*pos..end), without its CR LF; advances *pos. */
static void next_line(const char *b, size_t end, size_t *pos, size_t *ls, size_t *ll)
{
    size_t s = *pos, e = s;
    while (e < end && b[e] != '\n')
        e++;
    *pos = e < end ? e + 1 : end;
    if (e > s && b[e - 1] == '\r')
        e--;
    *ls = s;
    *ll = e - s;
}

static void parse_request(const char *b, size_t n, struct req *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->status = 400;
    rq->close_after = 1;
    size_t pos = 0, ls, ll;
    next_line(b, n, &pos, &ls, &ll);
    const char *l = b + ls;

    /* request-line = method SP request-target SP HTTP-version (RFC 9112 §3) */
    size_t i = 0;
    while (i < ll && is_tchar((unsigned char)l[i]))
        i++;
    size_t mlen = i;
    if (mlen == 0 || i >= ll || l[i] != ' ')
        return;
    size_t ts = ++i;
    while (i < ll && (unsigned char)l[i] > 0x20 && (unsigned char)l[i] < 0x7f)
        i++;
    size_t tlen = i - ts;
    if (tlen == 0 || i >= ll || l[i] != ' ')
        return;
    i++;
    if (ll - i != 8 || memcmp(l + i, "HTTP/", 5) || l[i + 5] < '0' || l[i + 5] > '9' ||
        l[i + 6] != '.' || l[i + 7] < '0' || l[i + 7] > '9')
        return;
    int http11 = l[i + 5] > '1' || (l[i + 5] == '1' && l[i + 7] >= '1');

    /* header fields: name ":" value, ended by the empty line */
    int host = 0, conn_close = 0, keep_alive = 0, body = 0;
    for (;;) {
        next_line(b, n, &pos, &ls, &ll);
        if (ll == 0)
            break;
        const char *f = b + ls;
        size_t c = 0;
        while (c < ll && is_tchar((unsigned char)f[c]))
            c++;
        if (c == 0 || c >= ll || f[c] != ':')
            return;
        const char *v = f + c + 1;
        size_t vl = ll - c - 1;
        if (name_is(f, c, "host"))
            host++;
        else if (name_is(f, c, "connection")) {
            conn_close |= has_word(v, vl, "close");
            keep_alive |= has_word(v, vl, "keep-alive");
        } else if (name_is(f, c, "content-length")) {
            for (size_t k = 0; k < vl; k++)
                body |= v[k] >= '1' && v[k] <= '9';
        } else if (name_is(f, c, "transfer-encoding"))
            body = 1;
    }
    if (http11 && host != 1) /* RFC 9112 §3.2: exactly one Host in HTTP/1.1 */
        return;

    /* We do not read request bodies, so a request with one ends the connection. */
    rq->close_after = conn_close || body || (!http11 && !keep_alive);
    int get = mlen == 3 && !memcmp(l, "GET", 3);
    int head = mlen == 4 && !memcmp(l, "HEAD", 4);
    if (!get && !head) {
        rq->status = 405;
        return;
    }
    rq->head_only = head;

    /* origin-form "/path?query", or absolute-form "http://host/path" */
    const char *t = l + ts;
    size_t tl = tlen;
    if (tl > 7 && (has_word(t, 8, "https://") || has_word(t, 7, "http://"))) {
        size_t k = (size_t)(memchr(t, ':', tl) - (const void *)t) + 3;
        while (k < tl && t[k] != '/')
            k++;
        if (k == tl) {
            t = "/";
            tl = 1;
        } else {
            t += k;
            tl -= k;
        }
    }
    if (t[0] != '/')
        return; /* 400 */
    size_t plen = 0;
    while (plen < tl && t[plen] != '?' && t[plen] != '#')
        plen++;
    if ((plen == 1) || (plen == 11 && !memcmp(t, "/index.html", 11)))
        rq->status = 200;
    else
        rq->status = 404;
}

static void http_date(char *out, size_t n)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int respond(int fd, int status, int head_only, int close_after)
{
    const char *reason, *body;
    size_t blen;
    switch (status) {
    case 200: reason = "OK"; body = page; blen = sizeof page - 1; break;
    case 404: reason = "Not Found"; body = page_404; blen = sizeof page_404 - 1; break;
    case 405: reason = "Method Not Allowed"; body = page_405; blen = sizeof page_405 - 1; break;
    case 408: reason = "Request Timeout"; body = page_408; blen = sizeof page_408 - 1; break;
    case 431:
        reason = "Request Header Fields Too Large";
        body = page_431;
        blen = sizeof page_431 - 1;
        break;
    default: status = 400; reason = "Bad Request"; body = page_400; blen = sizeof page_400 - 1;
    }
    char date[40];
    http_date(date, sizeof date);
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\n"
                      "Server: tcplens/%s\r\n"
                      "Date: %s\r\n"
                      "Content-Type: text/html; charset=utf-8\r\n"
                      "Content-Length: %zu\r\n"
                      "%s%s"
                      "\r\n",
                      status, reason, TCPLENS_VERSION, date, blen,
                      status == 405 ? "Allow: GET, HEAD\r\n" : "",
                      close_after ? "Connection: close\r\n" : "");
    /* One write, so that headers and body leave in one segment when they fit. */
    size_t total = (size_t)hl + (head_only ? 0 : blen);
    char *msg = xmalloc(total);
    memcpy(msg, head, (size_t)hl);
    if (!head_only)
        memcpy(msg + hl, body, blen);
    int rc = send_all(fd, msg, total);
    free(msg);
    return rc;
}

/* ---- one connection ---- */

/* The server closes first: FIN now, then read (and drop) until the client's FIN or the wait
 * runs out, so that close() finds no unread data. */
static void close_server_first(struct httpd *h, int fd)
{
    shutdown(fd, SHUT_WR);
    int64_t deadline = mono_ms() + h->o.client_wait_ms;
    char junk[4096];
    while (wait_readable(h, fd, deadline) == 1) {
        ssize_t n = recv(fd, junk, sizeof junk, 0);
        if (n <= 0 && !(n < 0 && errno == EINTR))
            break;
    }
    close(fd);
}

/* The client closed its side: close ours after the delay, without holding up the next
 * connection. */
static void close_after_client(struct httpd *h, int fd)
{
    if (h->o.close_delay_ms <= 0) {
        close(fd);
        return;
    }
    if (h->npend == HTTPD_MAX_PENDING) {
        close(h->pend_fd[0]);
        memmove(h->pend_fd, h->pend_fd + 1, (HTTPD_MAX_PENDING - 1) * sizeof h->pend_fd[0]);
        memmove(h->pend_at, h->pend_at + 1, (HTTPD_MAX_PENDING - 1) * sizeof h->pend_at[0]);
        h->npend--;
    }
    h->pend_fd[h->npend] = fd;
    h->pend_at[h->npend] = mono_ms() + h->o.close_delay_ms;
    h->npend++;
}

static void serve_conn(struct httpd *h, int fd)
{
    size_t len = 0;
    int answered = 0;
    for (;;) {
        size_t e = head_end(h->buf, len);
        if (e) {
            struct req rq;
            parse_request(h->buf, e, &rq);
            int rc = respond(fd, rq.status, rq.head_only, rq.close_after);
            atomic_fetch_add(&h->requests, 1);
            answered = 1;
            memmove(h->buf, h->buf + e, len - e);
            len -= e;
            if (rc < 0) {
                close(fd);
                return;
            }
            if (rq.close_after || h->o.server_closes_first) {
                close_server_first(h, fd);
                return;
            }
            continue;
        }
        if (hopeless_start(h->buf, len)) {
            respond(fd, 400, 0, 1);
            atomic_fetch_add(&h->requests, 1);
            close_server_first(h, fd);
            return;
        }
        if (len == h->o.max_request) {
            respond(fd, 431, 0, 1);
            atomic_fetch_add(&h->requests, 1);
            close_server_first(h, fd);
            return;
        }
        /* Waiting for (the rest of) a request, or for the client to close after an answer. */
        int64_t deadline = mono_ms() + (len == 0 && answered ? h->o.client_wait_ms
                                                             : h->o.request_timeout_ms);
        int w = wait_readable(h, fd, deadline);
        if (w < 0) {
            close(fd);
            return;
        }
        if (w == 0) {
            if (len > 0) {
                respond(fd, 408, 0, 1);
                atomic_fetch_add(&h->requests, 1);
            }
            close_server_first(h, fd);
            return;
        }
        ssize_t n = recv(fd, h->buf + len, h->o.max_request - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return;
        }
        if (n == 0) {
            close_after_client(h, fd);
            return;
        }
        len += (size_t)n;
    }
}

static void *server_main(void *arg)
{
    struct httpd *h = arg;
    for (;;) {
        int w = wait_readable(h, h->lfd, mono_ms() + 3600 * 1000);
        if (w < 0)
            break;
        if (w == 0)
            continue;
        int fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue; /* ECONNABORTED, EMFILE, ...: try the next one */
        serve_conn(h, fd);
    }
    close_pending(h, 0, 1);
    return NULL;
}

/* ---- start / stop ---- */

int httpd_start(struct httpd **hp, const char *addr, unsigned port, const struct httpd_opts *opts,
                struct errbuf *eb)
{
    *hp = NULL;
    struct httpd_opts o;
    if (opts)
        o = *opts;
    else
        httpd_opts_init(&o);
    if (port > 65535)
        return err_set(eb, "httpd: port %u out of range", port);
    if (o.max_request < 64)
        o.max_request = 64;
    if (o.close_delay_ms < 0)
        o.close_delay_ms = 0;
    if (o.client_wait_ms < 0)
        o.client_wait_ms = 0;
    if (o.request_timeout_ms < 1)
        o.request_timeout_ms = 1;

    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%u", port);
    int rc = getaddrinfo(addr, portstr, &hints, &ai);
    if (rc != 0)
        return err_set(eb, "httpd: %s: %s", addr, gai_strerror(rc));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(ai);
        return err_set_errno(eb, errno, "httpd: socket");
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        int e = errno;
        freeaddrinfo(ai);
        close(fd);
        return err_set_errno(eb, e, "httpd: cannot listen on %s port %u", addr, port);
    }
    freeaddrinfo(ai);
    if (listen(fd, 16) < 0) {
        int e = errno;
        close(fd);
        return err_set_errno(eb, e, "httpd: listen");
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
        int e = errno;
        close(fd);
        return err_set_errno(eb, e, "httpd: getsockname");
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        int e = errno;
        close(fd);
        return err_set_errno(eb, e, "httpd: pipe");
    }

    struct httpd *h = xcalloc(1, sizeof *h);
    h->lfd = fd;
    h->stop_rd = pfd[0];
    h->stop_wr = pfd[1];
    h->o = o;
    h->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    h->buf = xmalloc(o.max_request);
    atomic_init(&h->requests, 0);

    /* The server thread takes no signals: Ctrl-C belongs to the thread that runs the
     * experiment. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&h->thread, NULL, server_main, h);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(h->lfd);
        close(h->stop_rd);
        close(h->stop_wr);
        free(h->buf);
        free(h);
        return err_set(eb, "httpd: cannot start a thread: %s", strerror(rc));
    }
    *hp = h;
    return 0;
}

unsigned httpd_port(const struct httpd *h)
{
    return h->port;
}

unsigned long httpd_requests(const struct httpd *h)
{
    return atomic_load(&((struct httpd *)h)->requests);
}

void httpd_stop(struct httpd *h)
{
    if (!h)
        return;
    char c = 1;
    ssize_t w;
    do {
        w = write(h->stop_wr, &c, 1);
    } while (w < 0 && errno == EINTR);
    pthread_join(h->thread, NULL);
    close(h->lfd);
    close(h->stop_rd);
    close(h->stop_wr);
    free(h->buf);
    free(h);
}
