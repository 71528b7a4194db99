/* summary: unit tests of the built-in HTTP server (httpd), the libcurl probe (probe_http) and
 * resolve, all on loopback. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "probe_http.h"
#include "resolve.h"
#include "unit.h"

/* ---- helpers ---- */

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

static struct sockaddr_storage loop4;

static const struct sockaddr *lo4(void)
{
    struct sockaddr_in *a = (struct sockaddr_in *)&loop4;
    memset(&loop4, 0, sizeof loop4);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return (const struct sockaddr *)&loop4;
}

/* A connected TCP socket to 127.0.0.1:port, or -1. */
static int tcp_connect(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Wait up to ms for fd: 1 readable (data or EOF), 0 nothing. */
static int readable_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) > 0;
}

/* Read one response (head, and the Content-Length body unless head_only) into buf; returns its
 * length or -1. */
static long read_response(int fd, char *buf, size_t cap, int head_only)
{
    size_t len = 0;
    for (;;) {
        buf[len] = '\0';
        char *e = strstr(buf, "\r\n\r\n");
        if (e) {
            const char *cl = strstr(buf, "Content-Length: ");
            size_t want = (size_t)(e + 4 - buf);
            if (cl && !head_only)
                want += strtoul(cl + 16, NULL, 10);
            if (len >= want)
                return (long)len;
        }
        if (len + 1 >= cap || !readable_within(fd, 2000))
            return -1;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0)
            return -1;
        len += (size_t)n;
    }
}

/* Send req on a new connection and read the response into buf. Returns the socket (still
 * open) or -1. */
static int exchange(unsigned port, const char *req, char *buf, size_t cap)
{
    int head_only = strncmp(req, "HEAD ", 5) == 0;
    int fd = tcp_connect(port);
    if (fd < 0)
        return -1;
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req) ||
        read_response(fd, buf, cap, head_only) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Milliseconds until the peer's FIN arrives (read returns 0), or -1 if it does not within ms. */
static long ms_until_eof(int fd, int ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char junk[512];
    while (elapsed_ms(&t0) < ms) {
        if (!readable_within(fd, 50))
            continue;
        ssize_t n = recv(fd, junk, sizeof junk, 0);
        if (n == 0)
            return elapsed_ms(&t0);
        if (n < 0)
            return -1;
    }
    return -1;
}

struct body {
    char data[4096];
    size_t len;
};

static size_t body_sink(const void *p, size_t n, void *ud)
{
    struct body *b = ud;
    size_t k = n < sizeof b->data - 1 - b->len ? n : sizeof b->data - 1 - b->len;
    memcpy(b->data + b->len, p, k);
    b->len += k;
    b->data[b->len] = '\0';
    return n;
}

static struct httpd *start_delay(const char *addr, int server_first, int close_delay_ms)
{
    struct httpd_opts o;
    httpd_opts_init(&o);
    o.close_delay_ms = close_delay_ms;
    o.client_wait_ms = 1500;
    o.server_closes_first = server_first;
    struct httpd *h = NULL;
    struct errbuf eb = {""};
    if (httpd_start(&h, addr, 0, &o, &eb) < 0)
        fprintf(stderr, "  %s\n", eb.msg);
    return h;
}

static struct httpd *start(const char *addr, int server_first)
{
    return start_delay(addr, server_first, 100);
}

/* ---- resolve ---- */

static int t_resolve_localhost(void)
{
    struct resolve_result res;
    struct errbuf eb = {""};
    CHECK(resolve_host("localhost", AF_INET, &res, &eb) == 0);
    CHECK(res.naddrs >= 1);
    char a[RESOLVE_ADDRSTRLEN];
    CHECK_STR(resolve_addr_str((struct sockaddr *)&res.addrs[0], a, sizeof a), "127.0.0.1");
    CHECK_STR(res.canon, "localhost");
    CHECK_EQ_U(res.addrlens[0], sizeof(struct sockaddr_in));
    PASS;
}

static int t_resolve_numeric_v6(void)
{
    struct resolve_result res;
    struct errbuf eb = {""};
    CHECK(resolve_host("::1", AF_UNSPEC, &res, &eb) == 0);
    CHECK_EQ_U(res.naddrs, 1);
    resolve_set_port((struct sockaddr *)&res.addrs[0], 8080);
    char a[RESOLVE_ADDRSTRLEN + 8];
    CHECK_STR(resolve_addr_port_str((struct sockaddr *)&res.addrs[0], a, sizeof a), "[::1]:8080");
    CHECK_EQ_U(resolve_get_port((struct sockaddr *)&res.addrs[0]), 8080);
    PASS;
}

static int t_resolve_family_mismatch(void)
{
    struct resolve_result res;
    struct errbuf eb = {""};
    CHECK(resolve_host("::1", AF_INET, &res, &eb) == -1);
    CHECK(strncmp(eb.msg, "::1: ", 5) == 0);
    CHECK(strchr(eb.msg, '\n') == NULL);
    CHECK_EQ_U(res.naddrs, 0);
    PASS;
}

/* ---- httpd + probe_http ---- */

static int t_get_page(void)
{
    struct httpd *h = start("127.0.0.1", 0);
    CHECK(h != NULL);
    unsigned port = httpd_port(h);
    CHECK(port > 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = lo4();
    struct body b = {"", 0};
    o.sink = body_sink;
    o.sink_ud = &b;
    struct http_result r;
    struct errbuf eb = {""};
    int rc = http_get(&o, &r, &eb);
    httpd_stop(h);
    CHECK(rc == 0);
    CHECK_EQ_U(r.cls, HTTP_OK);
    CHECK_EQ_U(r.status, 200);
    CHECK_STR(r.status_line, "HTTP/1.1 200 OK");
    CHECK(strstr(r.headers, "\r\nContent-Type: text/html; charset=utf-8\r\n") != NULL);
    char cl[64];
    snprintf(cl, sizeof cl, "\r\nContent-Length: %llu\r\n", (unsigned long long)r.body_bytes);
    CHECK(strstr(r.headers, cl) != NULL);
    CHECK_STR(r.content_type, "text/html; charset=utf-8");
    CHECK(r.body_bytes > 500);
    CHECK_EQ_U(b.len, r.body_bytes);
    CHECK(strncmp(b.data, "<!DOCTYPE html>", 15) == 0);
    CHECK(strstr(b.data, "tcplens") != NULL);
    CHECK_STR(r.remote_ip, "127.0.0.1");
    CHECK_EQ_U(r.remote_port, port);
    CHECK_STR(r.local_ip, "127.0.0.1");
    CHECK(r.local_port > 0 && r.local_port != port);
    CHECK(strncmp(r.req_headers, "GET / HTTP/1.1\r\n", 16) == 0);
    CHECK(r.t_total_us >= r.t_connect_us && r.t_connect_us > 0);
    CHECK(r.t_first_byte_us >= r.t_pretransfer_us);
    CHECK_EQ_U(r.t_tls_us, 0);
    PASS;
}

/* The URL names a host that does not exist; the pin sends the request to 127.0.0.1 anyway and
 * the Host header keeps the name. */
static int t_pin_keeps_host_name(void)
{
    struct httpd *h = start("127.0.0.1", 0);
    CHECK(h != NULL);
    char url[64], host[64];
    snprintf(url, sizeof url, "http://tcplens.invalid:%u/index.html", httpd_port(h));
    snprintf(host, sizeof host, "\r\nHost: tcplens.invalid:%u\r\n", httpd_port(h));
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = lo4();
    struct http_result r;
    struct errbuf eb = {""};
    int rc = http_get(&o, &r, &eb);
    httpd_stop(h);
    CHECK(rc == 0);
    CHECK_EQ_U(r.status, 200);
    CHECK(strstr(r.req_headers, host) != NULL);
    CHECK_STR(r.remote_ip, "127.0.0.1");
    PASS;
}

static int t_not_found(void)
{
    struct httpd *h = start("127.0.0.1", 0);
    CHECK(h != NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/missing?x=1", httpd_port(h));
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = lo4();
    struct http_result r;
    struct errbuf eb = {""};
    int rc = http_get(&o, &r, &eb);
    httpd_stop(h);
    CHECK(rc == 0);
    CHECK_EQ_U(r.cls, HTTP_OK);
    CHECK_EQ_U(r.status, 404);
    CHECK_STR(r.status_line, "HTTP/1.1 404 Not Found");
    CHECK(r.body_bytes > 0);
    PASS;
}

static int t_ipv6(void)
{
    struct httpd *h = start("::1", 0);
    CHECK(h != NULL);
    char url[64];
    snprintf(url, sizeof url, "http://[::1]:%u/", httpd_port(h));
    struct resolve_result res;
    struct errbuf eb = {""};
    CHECK(resolve_host("::1", AF_INET6, &res, &eb) == 0);
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = (struct sockaddr *)&res.addrs[0];
    struct http_result r;
    int rc = http_get(&o, &r, &eb);
    httpd_stop(h);
    CHECK(rc == 0);
    CHECK_EQ_U(r.status, 200);
    CHECK_STR(r.remote_ip, "::1");
    CHECK_STR(r.local_ip, "::1");
    PASS;
}

static int t_several_connections(void)
{
    /* A long close delay, so that being held up by it cannot hide in scheduling noise. */
    struct httpd *h = start_delay("127.0.0.1", 0, 600);
    CHECK(h != NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", httpd_port(h));
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = lo4();
    struct http_result r1, r2, r3;
    struct errbuf eb = {""};
    int rc1 = http_get(&o, &r1, &eb);
    int rc2 = http_get(&o, &r2, &eb);
    int rc3 = http_get(&o, &r3, &eb);
    unsigned long served = httpd_requests(h);
    httpd_stop(h);
    CHECK(rc1 == 0 && rc2 == 0 && rc3 == 0);
    CHECK_EQ_U(r1.status + r2.status + r3.status, 600);
    CHECK(r1.local_port != r2.local_port && r2.local_port != r3.local_port);
    CHECK_EQ_U(served, 3);
    /* The previous connection's delayed close (600 ms) does not hold up the next one. */
    CHECK(r2.t_total_us < 400000 && r3.t_total_us < 400000);
    PASS;
}

static int t_head_and_405(void)
{
    struct httpd *h = start("127.0.0.1", 0);
    CHECK(h != NULL);
    char buf[4096];
    int fd = exchange(httpd_port(h), "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", buf, sizeof buf);
    CHECK(fd >= 0);
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    /* No body after the head, although Content-Length announces one. */
    CHECK(strlen(strstr(buf, "\r\n\r\n")) == 4);
    CHECK(!readable_within(fd, 100));
    /* Same connection (keep-alive): a POST. */
    const char *post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    CHECK(send(fd, post, strlen(post), MSG_NOSIGNAL) == (ssize_t)strlen(post));
    CHECK(read_response(fd, buf, sizeof buf, 0) > 0);
    close(fd);
    httpd_stop(h);
    CHECK(strncmp(buf, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0);
    CHECK(strstr(buf, "\r\nAllow: GET, HEAD\r\n") != NULL);
    PASS;
}

static int t_bad_request(void)
{
    struct httpd *h = start("127.0.0.1", 0);
    CHECK(h != NULL);
    char buf[4096];
    int fd = exchange(httpd_port(h), "hello there\r\n\r\n", buf, sizeof buf);
    CHECK(fd >= 0);
    /* A broken request ends the connection from the server's side. */
    long eof = ms_until_eof(fd, 1000);
    close(fd);
    int fd2 = exchange(httpd_port(h), "GET / HTTP/1.1\r\n\r\n", buf + 2048, 2048);
    close(fd2);
    httpd_stop(h);
    CHECK(strncmp(buf, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
    CHECK(strstr(buf, "\r\nConnection: close\r\n") != NULL);
    CHECK(eof >= 0);
    /* HTTP/1.1 without Host is a 400 too (RFC 9112 §3.2). */
    CHECK(fd2 >= 0);
    CHECK(strncmp(buf + 2048, "HTTP/1.1 400 ", 13) == 0);
    PASS;
}

static int t_request_cap(void)
{
    struct httpd_opts o;
    httpd_opts_init(&o);
    o.max_request = 1024;
    struct httpd *h = NULL;
    struct errbuf eb = {""};
    CHECK(httpd_start(&h, "127.0.0.1", 0, &o, &eb) == 0);
    char req[3000];
    int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nX-Long: ");
    memset(req + n, 'a', sizeof req - (size_t)n - 1);
    req[sizeof req - 1] = '\0';
    char buf[4096];
    int fd = exchange(httpd_port(h), req, buf, sizeof buf);
    close(fd);
    httpd_stop(h);
    CHECK(fd >= 0);
    CHECK(strncmp(buf, "HTTP/1.1 431 ", 13) == 0);
    PASS;
}

/* The point of the server: it answers, waits for the client's FIN, and only then closes (after
 * the delay), so the client sends the first FIN. */
static int t_client_closes_first(void)
{
    struct httpd *h = start("127.0.0.1", 0);
    CHECK(h != NULL);
    char buf[4096];
    int fd = exchange(httpd_port(h), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", buf, sizeof buf);
    CHECK(fd >= 0);
    int early = readable_within(fd, 300); /* the server must not close on its own */
    shutdown(fd, SHUT_WR);
    long eof = ms_until_eof(fd, 1000);
    close(fd);
    httpd_stop(h);
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(buf, "Connection: close") == NULL);
    CHECK(!early);
    CHECK(eof >= 80);  /* close_delay_ms = 100 */
    CHECK(eof < 600);
    PASS;
}

static int t_server_closes_first(void)
{
    struct httpd *h = start("127.0.0.1", 1);
    CHECK(h != NULL);
    char buf[4096];
    int fd = exchange(httpd_port(h), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", buf, sizeof buf);
    CHECK(fd >= 0);
    long eof = ms_until_eof(fd, 1000);
    close(fd);
    httpd_stop(h);
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(eof >= 0 && eof < 500);
    PASS;
}

/* ---- probe_http failure classes ---- */

static int t_refused(void)
{
    /* A port that was free a moment ago and has no listener. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(s, (struct sockaddr *)&a, &al) == 0);
    close(s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(a.sin_port));
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = lo4();
    struct http_result r;
    struct errbuf eb = {""};
    CHECK(http_get(&o, &r, &eb) == -1);
    CHECK_EQ_U(r.cls, HTTP_ERR_REFUSED);
    CHECK_STR(http_class_name(r.cls), "refused");
    CHECK_EQ_U(r.os_errno, ECONNREFUSED);
    CHECK_EQ_U(r.status, 0);
    CHECK(eb.msg[0] != '\0');
    PASS;
}

static int t_timeout(void)
{
    /* A listener that never accepts: the kernel completes the handshake, nobody answers. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(s, 4) == 0);
    CHECK(getsockname(s, (struct sockaddr *)&a, &al) == 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(a.sin_port));
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = lo4();
    o.timeout_ms = 300;
    struct http_result r;
    struct errbuf eb = {""};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = http_get(&o, &r, &eb);
    long ms = elapsed_ms(&t0);
    close(s);
    CHECK(rc == -1);
    CHECK_EQ_U(r.cls, HTTP_ERR_TIMEOUT);
    CHECK(ms >= 250 && ms < 2000);
    CHECK(r.local_port > 0); /* connected: the capture could still find the connection */
    CHECK(strstr(eb.msg, "imed out") != NULL);
    PASS;
}

static int t_tls_to_plain_server(void)
{
    struct httpd *h = start("127.0.0.1", 0);
    CHECK(h != NULL);
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/", httpd_port(h));
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = lo4();
    o.timeout_ms = 3000;
    struct http_result r;
    struct errbuf eb = {""};
    int rc = http_get(&o, &r, &eb);
    httpd_stop(h);
    CHECK(rc == -1);
    CHECK_EQ_U(r.cls, HTTP_ERR_TLS);
    PASS;
}

static int t_body_to_file(void)
{
    struct httpd *h = start("127.0.0.1", 0);
    CHECK(h != NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", httpd_port(h));
    FILE *f = tmpfile();
    CHECK(f != NULL);
    struct http_opts o;
    http_opts_init(&o);
    o.url = url;
    o.pin = lo4();
    o.sink_file = f;
    struct http_result r;
    struct errbuf eb = {""};
    int rc = http_get(&o, &r, &eb);
    httpd_stop(h);
    long size = ftell(f);
    fclose(f);
    CHECK(rc == 0);
    CHECK(r.body_bytes > 0);
    CHECK_EQ_U(size, r.body_bytes);
    PASS;
}

static int t_bad_url(void)
{
    struct http_opts o;
    http_opts_init(&o);
    o.url = "gopher://127.0.0.1/";
    struct http_result r;
    struct errbuf eb = {""};
    CHECK(http_get(&o, &r, &eb) == -1);
    CHECK_EQ_U(r.cls, HTTP_ERR_OTHER);
    CHECK(eb.msg[0] != '\0');
    PASS;
}

static const struct unit_test httpd_tests[] = {
    {"resolve: localhost gives 127.0.0.1 and its canonical name", t_resolve_localhost},
    {"resolve: numeric ::1, port helpers", t_resolve_numeric_v6},
    {"resolve: IPv6 literal with AF_INET fails with one line", t_resolve_family_mismatch},
    {"httpd: GET / serves the page (status, headers, body, endpoints)", t_get_page},
    {"http: pinned address, Host header keeps the URL's name", t_pin_keeps_host_name},
    {"httpd: 404 for another path", t_not_found},
    {"httpd: serves on ::1", t_ipv6},
    {"httpd: several connections one after another", t_several_connections},
    {"httpd: HEAD has no body, POST is 405 on the same connection", t_head_and_405},
    {"httpd: garbage is 400 and the server closes; 1.1 without Host is 400", t_bad_request},
    {"httpd: oversized request is 431", t_request_cap},
    {"httpd: waits for the client's FIN, closes after the delay", t_client_closes_first},
    {"httpd: server_closes_first closes after the response", t_server_closes_first},
    {"http: closed port gives the refused class", t_refused},
    {"http: silent listener gives the timeout class", t_timeout},
    {"http: https to a plain-HTTP server gives the TLS class", t_tls_to_plain_server},
    {"http: body to a FILE*", t_body_to_file},
    {"http: unsupported scheme gives the other class", t_bad_url},
    {NULL, NULL},
};
UNIT_REGISTER(httpd_tests)
