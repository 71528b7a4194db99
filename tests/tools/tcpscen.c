/* summary: plays both ends of a TCP scenario over the kernel's own TCP stack, for recorded captures. */
/*
 * tcpscen [-n BYTES] [-r READYFILE] [-t SECONDS] SCENARIO ROLE ADDR PORT
 *
 * ROLE is `server` (listen on ADDR:PORT), `client` (connect to ADDR:PORT) or `both` (listen,
 * then fork: the child is the server, the parent the client). ADDR is a numeric IPv4 or IPv6
 * address. With -r the server creates READYFILE once it listens, so a script can start the
 * client (possibly in another network namespace) without racing it. Everything is done by the
 * real kernel TCP stack; the program only decides when to read, write, shut down and close.
 *
 * Scenarios (what the capture shows):
 *   http                GET, reply with Content-Length, client closes first (like curl); the
 *                       server waits 200 ms before closing, so the close takes four packets
 *   http-server-close   same, but the server closes right after the reply ("Connection: close")
 *   three-way-close     the server closes as soon as it reads EOF: its FIN rides on the ACK of
 *                       the client's FIN (FIN/ACK, FIN/ACK, ACK)
 *   refused             connect to a port nobody listens on: SYN, RST/ACK (no server needed)
 *   rst-abort           the server streams BYTES (default 4 MiB); the client reads 64 KiB and
 *                       closes with SO_LINGER 0, which sends RST in the middle of the transfer
 *   half-close          the client sends its request and shuts down its sending side; the server
 *                       keeps sending five 1000-byte pieces 100 ms apart, then closes
 *   keepalive           small exchange, then 3.5 s idle with SO_KEEPALIVE, TCP_KEEPIDLE=1,
 *                       TCP_KEEPINTVL=1 (about three keep-alive probes), then a normal close
 *   zero-window         the receiver (server) has a small SO_RCVBUF and does not read for
 *                       1.5 s while the client sends BYTES (default 512 KiB), then drains
 *   bulk                the client sends BYTES (default 1 MiB), both close
 *   simultaneous-close  both ends shut down at the same moment. The FINs only cross if the link
 *                       holds them back: each end first sends two 1200-byte UDP datagrams to
 *                       the peer (port PORT) to empty a token-bucket shaper (tc tbf) on the
 *                       link, so its FIN waits in the queue; on an unshaped link it degrades
 *                       to an ordinary close
 *
 * Exit status: 0 when the scenario ran as planned, 1 when it did not (one line on stderr),
 * 2 for bad usage. Every socket has a 10 s timeout and the whole run -t SECONDS (default 30).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#define SCEN_ERR_SIZE 256
#define SCEN_IO_TIMEOUT_S 10
#define SCEN_MAX_HEADER 8192
#define SCEN_CHUNK 16384

enum scen_kind {
    SCEN_HTTP,
    SCEN_HTTP_SERVER_CLOSE,
    SCEN_THREE_WAY_CLOSE,
    SCEN_REFUSED,
    SCEN_RST_ABORT,
    SCEN_HALF_CLOSE,
    SCEN_KEEPALIVE,
    SCEN_ZERO_WINDOW,
    SCEN_BULK,
    SCEN_SIMULTANEOUS_CLOSE
};

struct scen_def {
    const char *name;
    enum scen_kind kind;
    uint64_t default_bytes; /* body / transfer size when -n is not given */
};

static const struct scen_def scen_defs[] = {
    {"http", SCEN_HTTP, 1024},
    {"http-server-close", SCEN_HTTP_SERVER_CLOSE, 1024},
    {"three-way-close", SCEN_THREE_WAY_CLOSE, 1024},
    {"refused", SCEN_REFUSED, 0},
    {"rst-abort", SCEN_RST_ABORT, 4u << 20},
    {"half-close", SCEN_HALF_CLOSE, 5000},
    {"keepalive", SCEN_KEEPALIVE, 0},
    {"zero-window", SCEN_ZERO_WINDOW, 512u << 10},
    {"bulk", SCEN_BULK, 1u << 20},
    {"simultaneous-close", SCEN_SIMULTANEOUS_CLOSE, 0},
};

struct scen {
    const struct scen_def *def;
    uint64_t bytes;
    struct sockaddr_storage addr; /* the server's address */
    socklen_t addrlen;
    const char *ready_file;
    char err[SCEN_ERR_SIZE];
};

/* ---- small helpers ---- */

__attribute__((format(printf, 2, 3))) static int scen_fail(struct scen *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int scen_fail_errno(struct scen *s, const char *what)
{
    return scen_fail(s, "%s: %s", what, strerror(errno));
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static void set_int_opt(int fd, int level, int name, int value)
{
    (void)setsockopt(fd, level, name, &value, sizeof value);
}

static void set_timeouts(int fd)
{
    struct timeval tv = {SCEN_IO_TIMEOUT_S, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int write_all(struct scen *s, int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return scen_fail_errno(s, "send");
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The byte at offset off of every generated body: printable and position-dependent, so a
 * reordering or corruption by a test setup would be noticed. */
static char body_byte(uint64_t off)
{
    static const char pattern[] = "tcpscen-0123456789-abcdefghijklmnopqrstuvwxyz\n";
    return pattern[off % (sizeof pattern - 1)];
}

static void fill_body(char *buf, size_t len, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = body_byte(off + i);
}

static int check_body(struct scen *s, const char *buf, size_t len, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != body_byte(off + i))
            return scen_fail(s, "received byte %llu differs from what was sent",
                             (unsigned long long)(off + i));
    return 0;
}

/* Send `total` pattern bytes starting at stream offset 0. */
static int send_pattern(struct scen *s, int fd, uint64_t total)
{
    char buf[SCEN_CHUNK];
    for (uint64_t off = 0; off < total;) {
        size_t n = total - off < sizeof buf ? (size_t)(total - off) : sizeof buf;
        fill_body(buf, n, off);
        if (write_all(s, fd, buf, n) < 0)
            return -1;
        off += n;
    }
    return 0;
}

/* Read until EOF, checking the pattern; returns the byte count or -1. */
static int64_t recv_pattern(struct scen *s, int fd, uint64_t start)
{
    char buf[SCEN_CHUNK * 4];
    uint64_t got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return scen_fail_errno(s, "recv");
        }
        if (n == 0)
            return (int64_t)got;
        if (check_body(s, buf, (size_t)n, start + got) < 0)
            return -1;
        got += (uint64_t)n;
    }
}

/* Read up to and including the blank line ending an HTTP header block. */
static int recv_headers(struct scen *s, int fd, char *buf, size_t cap, size_t *hdr_len,
                        size_t *have)
{
    size_t len = 0;
    for (;;) {
        if (len + 1 >= cap)
            return scen_fail(s, "header block longer than %zu bytes", cap);
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return scen_fail_errno(s, "recv");
        }
        if (n == 0)
            return scen_fail(s, "peer closed before the end of the headers");
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end) {
            *hdr_len = (size_t)(end - buf) + 4;
            *have = len;
            return 0;
        }
    }
}

static int wait_eof(struct scen *s, int fd)
{
    char buf[512];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return scen_fail_errno(s, "recv (waiting for the peer's FIN)");
        return scen_fail(s, "unexpected %zd bytes while waiting for the peer's FIN", n);
    }
}

/* ---- sockets ---- */

static int parse_addr(struct scen *s, const char *host, const char *port)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0)
        return scen_fail(s, "address %s port %s: %s", host, port, gai_strerror(rc));
    memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
    s->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static int open_listener(struct scen *s)
{
    int fd = socket(s->addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return scen_fail_errno(s, "socket");
    set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (s->def->kind == SCEN_ZERO_WINDOW)
        set_int_opt(fd, SOL_SOCKET, SO_RCVBUF, 4096); /* inherited by the accepted socket */
    if (bind(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0) {
        scen_fail_errno(s, "bind");
        close(fd);
        return -1;
    }
    if (listen(fd, 8) < 0) {
        scen_fail_errno(s, "listen");
        close(fd);
        return -1;
    }
    return fd;
}

static int accept_one(struct scen *s, int lfd)
{
    int fd;
    while ((fd = accept(lfd, NULL, NULL)) < 0 && errno == EINTR) {
    }
    if (fd < 0)
        return scen_fail_errno(s, "accept");
    set_timeouts(fd);
    return fd;
}

static int connect_to(struct scen *s)
{
    int fd = socket(s->addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return scen_fail_errno(s, "socket");
    set_timeouts(fd);
    if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0) {
        scen_fail_errno(s, "connect");
        close(fd);
        return -1;
    }
    return fd;
}

/* Close with SO_LINGER 0: the kernel sends RST instead of FIN. */
static void abort_close(int fd)
{
    struct linger lg = {1, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* Empty a token-bucket shaper on the path by sending two 1200-byte UDP datagrams to the peer's
 * address at our port, so the FIN that follows has to wait in the queue. The datagrams go to a
 * UDP socket each end binds to its own address (when it can), so nobody answers with ICMP. */
static int udp_flush_tokens(struct scen *s, int tcp_fd, int *udp_fd)
{
    struct sockaddr_storage local, peer;
    socklen_t llen = sizeof local, plen = sizeof peer;
    if (getsockname(tcp_fd, (struct sockaddr *)&local, &llen) < 0 ||
        getpeername(tcp_fd, (struct sockaddr *)&peer, &plen) < 0)
        return scen_fail_errno(s, "getsockname");
    uint16_t port = s->addr.ss_family == AF_INET6
                        ? ((struct sockaddr_in6 *)&s->addr)->sin6_port
                        : ((struct sockaddr_in *)&s->addr)->sin_port;
    if (local.ss_family == AF_INET6) {
        ((struct sockaddr_in6 *)&local)->sin6_port = port;
        ((struct sockaddr_in6 *)&peer)->sin6_port = port;
    } else {
        ((struct sockaddr_in *)&local)->sin_port = port;
        ((struct sockaddr_in *)&peer)->sin_port = port;
    }
    int fd = socket(local.ss_family, SOCK_DGRAM, 0);
    if (fd < 0)
        return scen_fail_errno(s, "socket (udp)");
    (void)bind(fd, (struct sockaddr *)&local, llen); /* fails harmlessly on a shared loopback */
    char buf[1200];
    memset(buf, 'u', sizeof buf);
    for (int i = 0; i < 2; i++)
        if (sendto(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, plen) < 0) {
            scen_fail_errno(s, "sendto (udp)");
            close(fd);
            return -1;
        }
    *udp_fd = fd;
    return 0;
}

/* ---- HTTP-like exchanges ---- */

static int http_request(struct scen *s, int fd, const char *path)
{
    char req[256];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: tcpscen\r\nUser-Agent: tcpscen/1\r\n"
                     "Accept: */*\r\n\r\n",
                     path);
    return write_all(s, fd, req, (size_t)n);
}

static int http_reply(struct scen *s, int fd, bool conn_close)
{
    char hdr[256];
    int n = snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 200 OK\r\nServer: tcpscen/1\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %llu\r\n%s\r\n",
                     (unsigned long long)s->bytes, conn_close ? "Connection: close\r\n" : "");
    size_t total = (size_t)n + (size_t)s->bytes;
    char *buf = malloc(total ? total : 1);
    if (!buf)
        return scen_fail(s, "out of memory for a %zu-byte reply", total);
    memcpy(buf, hdr, (size_t)n);
    fill_body(buf + n, (size_t)s->bytes, 0);
    int rc = write_all(s, fd, buf, total); /* one write: headers and body leave together */
    free(buf);
    return rc;
}

/* Read the request's header block (the requests here have no body). */
static int server_read_request(struct scen *s, int fd)
{
    char buf[SCEN_MAX_HEADER];
    size_t hlen, have;
    if (recv_headers(s, fd, buf, sizeof buf, &hlen, &have) < 0)
        return -1;
    if (have != hlen)
        return scen_fail(s, "request has %zu unexpected bytes after the headers", have - hlen);
    if (strncmp(buf, "GET ", 4) != 0)
        return scen_fail(s, "request does not start with GET");
    return 0;
}

/* Read a reply with Content-Length and check the body. */
static int client_read_reply(struct scen *s, int fd)
{
    char buf[SCEN_MAX_HEADER];
    size_t hlen, have;
    if (recv_headers(s, fd, buf, sizeof buf, &hlen, &have) < 0)
        return -1;
    const char *cl = strstr(buf, "Content-Length: ");
    if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0 || !cl || cl > buf + hlen)
        return scen_fail(s, "reply is not a 200 with Content-Length");
    unsigned long long want = strtoull(cl + 16, NULL, 10);
    uint64_t got = have - hlen;
    if (check_body(s, buf + hlen, (size_t)got, 0) < 0)
        return -1;
    char chunk[SCEN_CHUNK];
    while (got < want) {
        size_t ask = want - got < sizeof chunk ? (size_t)(want - got) : sizeof chunk;
        ssize_t n = recv(fd, chunk, ask, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return scen_fail_errno(s, "recv (body)");
        if (n == 0)
            return scen_fail(s, "peer closed after %llu of %llu body bytes",
                             (unsigned long long)got, want);
        if (check_body(s, chunk, (size_t)n, got) < 0)
            return -1;
        got += (uint64_t)n;
    }
    if (got != want)
        return scen_fail(s, "body has %llu bytes, Content-Length says %llu",
                         (unsigned long long)got, want);
    return 0;
}

/* ---- the two ends of each scenario ---- */

static int run_server(struct scen *s, int lfd)
{
    int fd = accept_one(s, lfd);
    if (fd < 0)
        return -1;
    int rc = -1, udp = -1;
    switch (s->def->kind) {
    case SCEN_HTTP:
    case SCEN_THREE_WAY_CLOSE:
        if (server_read_request(s, fd) < 0 || http_reply(s, fd, false) < 0 ||
            wait_eof(s, fd) < 0)
            break;
        if (s->def->kind == SCEN_HTTP)
            sleep_ms(200); /* let the delayed ACK of the client's FIN go out on its own */
        rc = 0;
        break;
    case SCEN_HTTP_SERVER_CLOSE:
        rc = server_read_request(s, fd) < 0 || http_reply(s, fd, true) < 0 ? -1 : 0;
        break;
    case SCEN_RST_ABORT: {
        if (server_read_request(s, fd) < 0)
            break;
        /* Stream until the client's reset stops us; finishing the whole transfer means the
         * abort did not happen. */
        if (send_pattern(s, fd, s->bytes) == 0) {
            scen_fail(s, "all %llu bytes were sent, the client never reset",
                      (unsigned long long)s->bytes);
            break;
        }
        if (strstr(s->err, "Connection reset") || strstr(s->err, "Broken pipe")) {
            s->err[0] = '\0';
            rc = 0;
        }
        break;
    }
    case SCEN_HALF_CLOSE: {
        if (server_read_request(s, fd) < 0 || wait_eof(s, fd) < 0)
            break;
        char buf[1000];
        uint64_t off = 0;
        rc = 0;
        for (int i = 0; i < 5 && rc == 0; i++) {
            fill_body(buf, sizeof buf, off);
            rc = write_all(s, fd, buf, sizeof buf);
            off += sizeof buf;
            if (i < 4)
                sleep_ms(100);
        }
        break;
    }
    case SCEN_KEEPALIVE: {
        char buf[16];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n != 5 || memcmp(buf, "PING\n", 5) != 0) {
            scen_fail(s, "expected PING");
            break;
        }
        rc = write_all(s, fd, "PONG\n", 5) < 0 || wait_eof(s, fd) < 0 ? -1 : 0;
        break;
    }
    case SCEN_ZERO_WINDOW: {
        sleep_ms(1500); /* the window fills up and closes while nobody reads */
        int64_t got = recv_pattern(s, fd, 0);
        if (got < 0)
            break;
        if ((uint64_t)got != s->bytes) {
            scen_fail(s, "received %lld of %llu bytes", (long long)got,
                      (unsigned long long)s->bytes);
            break;
        }
        rc = 0;
        break;
    }
    case SCEN_BULK: {
        int64_t got = recv_pattern(s, fd, 0);
        if (got < 0)
            break;
        if ((uint64_t)got != s->bytes) {
            scen_fail(s, "received %lld of %llu bytes", (long long)got,
                      (unsigned long long)s->bytes);
            break;
        }
        rc = 0;
        break;
    }
    case SCEN_SIMULTANEOUS_CLOSE: {
        char buf[4];
        if (recv(fd, buf, 2, MSG_WAITALL) != 2 || memcmp(buf, "GO", 2) != 0) {
            scen_fail(s, "expected GO");
            break;
        }
        if (udp_flush_tokens(s, fd, &udp) < 0)
            break;
        shutdown(fd, SHUT_WR);
        rc = wait_eof(s, fd);
        break;
    }
    case SCEN_REFUSED:
        rc = 0;
        break;
    }
    if (udp >= 0)
        close(udp);
    close(fd);
    return rc;
}

static int run_client(struct scen *s)
{
    if (s->def->kind == SCEN_REFUSED) {
        int fd = socket(s->addr.ss_family, SOCK_STREAM, 0);
        if (fd < 0)
            return scen_fail_errno(s, "socket");
        set_timeouts(fd);
        int rc = connect(fd, (struct sockaddr *)&s->addr, s->addrlen);
        int e = errno;
        close(fd);
        if (rc == 0)
            return scen_fail(s, "connect succeeded, something listens on that port");
        if (e != ECONNREFUSED)
            return scen_fail(s, "connect: %s (expected: connection refused)", strerror(e));
        return 0;
    }
    int fd = connect_to(s);
    if (fd < 0)
        return -1;
    int rc = -1, udp = -1;
    switch (s->def->kind) {
    case SCEN_HTTP:
    case SCEN_THREE_WAY_CLOSE:
        rc = http_request(s, fd, "/") < 0 || client_read_reply(s, fd) < 0 ? -1 : 0;
        break;
    case SCEN_HTTP_SERVER_CLOSE:
        if (http_request(s, fd, "/") < 0 || client_read_reply(s, fd) < 0 || wait_eof(s, fd) < 0)
            break;
        sleep_ms(200); /* our ACK of the server's FIN leaves first, our FIN later */
        rc = 0;
        break;
    case SCEN_RST_ABORT: {
        if (http_request(s, fd, "/big") < 0)
            break;
        char buf[SCEN_CHUNK];
        uint64_t got = 0;
        while (got < 65536) {
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                scen_fail(s, "transfer ended after %llu bytes", (unsigned long long)got);
                break;
            }
            got += (uint64_t)n;
        }
        if (got < 65536)
            break;
        abort_close(fd);
        return 0;
    }
    case SCEN_HALF_CLOSE: {
        if (http_request(s, fd, "/half") < 0)
            break;
        shutdown(fd, SHUT_WR);
        int64_t got = recv_pattern(s, fd, 0);
        if (got < 0)
            break;
        if ((uint64_t)got != 5000) {
            scen_fail(s, "received %lld of 5000 bytes after the half-close", (long long)got);
            break;
        }
        rc = 0;
        break;
    }
    case SCEN_KEEPALIVE: {
        set_int_opt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
        set_int_opt(fd, IPPROTO_TCP, TCP_KEEPIDLE, 1);
        set_int_opt(fd, IPPROTO_TCP, TCP_KEEPINTVL, 1);
        set_int_opt(fd, IPPROTO_TCP, TCP_KEEPCNT, 5);
        char buf[16];
        if (write_all(s, fd, "PING\n", 5) < 0)
            break;
        if (recv(fd, buf, 5, MSG_WAITALL) != 5 || memcmp(buf, "PONG\n", 5) != 0) {
            scen_fail(s, "expected PONG");
            break;
        }
        sleep_ms(3500);
        rc = 0;
        break;
    }
    case SCEN_ZERO_WINDOW:
    case SCEN_BULK:
        if (send_pattern(s, fd, s->bytes) < 0)
            break;
        shutdown(fd, SHUT_WR);
        rc = wait_eof(s, fd);
        break;
    case SCEN_SIMULTANEOUS_CLOSE:
        if (write_all(s, fd, "GO", 2) < 0 || udp_flush_tokens(s, fd, &udp) < 0)
            break;
        shutdown(fd, SHUT_WR);
        rc = wait_eof(s, fd);
        break;
    case SCEN_REFUSED:
        break;
    }
    if (udp >= 0)
        close(udp);
    close(fd);
    return rc;
}

/* ---- main ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: tcpscen [-n BYTES] [-r READYFILE] [-t SECONDS] SCENARIO ROLE ADDR PORT\n"
               "  ROLE: server, client or both\n  SCENARIO:");
    for (size_t i = 0; i < sizeof scen_defs / sizeof scen_defs[0]; i++)
        fprintf(f, " %s", scen_defs[i].name);
    fprintf(f, "\n");
}

static int touch(struct scen *s, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return scen_fail(s, "%s: %s", path, strerror(errno));
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    struct scen s;
    memset(&s, 0, sizeof s);
    unsigned timeout_s = 30;
    bool have_bytes = false;
    int opt;
    while ((opt = getopt(argc, argv, "n:r:t:h")) != -1) {
        char *end;
        switch (opt) {
        case 'n':
            s.bytes = strtoull(optarg, &end, 10);
            if (*end || end == optarg) {
                fprintf(stderr, "tcpscen: -n wants a byte count, not '%s'\n", optarg);
                return 2;
            }
            have_bytes = true;
            break;
        case 'r':
            s.ready_file = optarg;
            break;
        case 't':
            timeout_s = (unsigned)strtoul(optarg, &end, 10);
            if (*end || end == optarg || timeout_s == 0) {
                fprintf(stderr, "tcpscen: -t wants seconds, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 4) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind], *role = argv[optind + 1];
    for (size_t i = 0; i < sizeof scen_defs / sizeof scen_defs[0]; i++)
        if (strcmp(scen_defs[i].name, name) == 0)
            s.def = &scen_defs[i];
    if (!s.def) {
        fprintf(stderr, "tcpscen: unknown scenario '%s'\n", name);
        usage(stderr);
        return 2;
    }
    bool is_server = strcmp(role, "server") == 0, is_client = strcmp(role, "client") == 0;
    bool is_both = strcmp(role, "both") == 0;
    if (!is_server && !is_client && !is_both) {
        fprintf(stderr, "tcpscen: role must be server, client or both, not '%s'\n", role);
        return 2;
    }
    if (!have_bytes)
        s.bytes = s.def->default_bytes;
    if (parse_addr(&s, argv[optind + 2], argv[optind + 3]) < 0) {
        fprintf(stderr, "tcpscen: %s\n", s.err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    alarm(timeout_s);

    int rc = 0;
    if (s.def->kind == SCEN_REFUSED) {
        /* Nobody may listen: the server role only signals that it is "ready". */
        if (!is_client && s.ready_file)
            rc = touch(&s, s.ready_file);
        if (rc == 0 && !is_server)
            rc = run_client(&s);
    } else if (is_client) {
        rc = run_client(&s);
    } else {
        int lfd = open_listener(&s);
        if (lfd < 0) {
            fprintf(stderr, "tcpscen %s server: %s\n", name, s.err);
            return 1;
        }
        if (s.ready_file && touch(&s, s.ready_file) < 0) {
            fprintf(stderr, "tcpscen %s server: %s\n", name, s.err);
            return 1;
        }
        if (is_server) {
            rc = run_server(&s, lfd);
            close(lfd);
        } else {
            fflush(NULL);
            pid_t pid = fork();
            if (pid < 0) {
                perror("tcpscen: fork");
                return 1;
            }
            if (pid == 0) {
                alarm(timeout_s);
                int src = run_server(&s, lfd);
                if (src < 0)
                    fprintf(stderr, "tcpscen %s server: %s\n", name, s.err);
                _exit(src < 0 ? 1 : 0);
            }
            close(lfd);
            rc = run_client(&s);
            int st = 0;
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
                fprintf(stderr, "tcpscen %s: the server side failed\n", name);
                return 1;
            }
        }
    }
    if (rc < 0) {
        fprintf(stderr, "tcpscen %s %s: %s\n", name, is_both ? "client" : role, s.err);
        return 1;
    }
    return 0;
}
