/* summary: unit tests of the HTTP/1.x first-line dissector and its Info text (src/dis_http.c). */
#include <string.h>

#include "dis_app.h"
#include "outbuf.h"
#include "pkt.h"
#include "unit.h"

static struct pkt http_pkt; /* large (text arena); each test starts from a cleared one */
static char http_text[4096];
static bool http_ok;

/* Dissect the C string s as one TCP payload; returns the Info ("" if not HTTP). */
static const char *run_n(const char *s, size_t n)
{
    memset(&http_pkt, 0, sizeof http_pkt);
    http_ok = dis_http(&http_pkt, (const uint8_t *)s, n);
    http_text[0] = '\0';
    if (http_ok) {
        struct obuf ob;
        ob_init_mem(&ob, sizeof http_text);
        http_info(&ob, &http_pkt);
        snprintf(http_text, sizeof http_text, "%s", ob_cstr(&ob));
        ob_free(&ob);
    }
    return http_text;
}

static const char *run(const char *s)
{
    return run_n(s, strlen(s));
}

static int test_request(void)
{
    CHECK_STR(run("GET / HTTP/1.1\r\nHost: www.baidu.com\r\nUser-Agent: curl/7.88\r\n"
                  "Accept: */*\r\n\r\n"),
              "GET / HTTP/1.1 ");
    CHECK(http_ok);
    CHECK_EQ_U(http_pkt.app, APP_HTTP);
    CHECK(http_pkt.http.request);
    CHECK_STR(http_pkt.http.method, "GET");
    CHECK_STR(http_pkt.http.uri, "/");
    CHECK_STR(http_pkt.http.version, "HTTP/1.1");
    CHECK_STR(http_pkt.http.host, "www.baidu.com");
    CHECK(http_pkt.http.content_type == NULL);
    CHECK_EQ_U(http_pkt.http.content_length, (uint64_t)-1);
    PASS;
}

static int test_response_with_body(void)
{
    CHECK_STR(run("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                  "Content-Length: 2381\r\n\r\n<!DOCTYPE html>"),
              "HTTP/1.1 200 OK  (text/html)");
    CHECK(!http_pkt.http.request);
    CHECK_EQ_U(http_pkt.http.status, 200);
    CHECK_STR(http_pkt.http.reason, "OK");
    CHECK_STR(http_pkt.http.content_type, "text/html; charset=utf-8");
    CHECK_EQ_U(http_pkt.http.content_length, 2381);
    PASS;
}

static int test_response_headers_only(void)
{
    /* no body bytes in this segment: nothing to name */
    CHECK_STR(run("HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\n"),
              "HTTP/1.0 404 Not Found ");
    /* 304 never has a body, whatever follows */
    CHECK_STR(run("HTTP/1.1 304 Not Modified\r\nContent-Type: text/html\r\n\r\n"),
              "HTTP/1.1 304 Not Modified ");
    /* a status line without reason phrase */
    CHECK_STR(run("HTTP/1.1 204\r\n\r\n"), "HTTP/1.1 204 ");
    CHECK(http_pkt.http.reason == NULL);
    PASS;
}

static int test_media_names(void)
{
    CHECK_STR(run("HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 43\r\n\r\n"
                  "GIF89a\x01\x00\x01\x00"),
              "HTTP/1.1 200 OK  (GIF89a)");
    CHECK_STR(run("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}"),
              "HTTP/1.1 200 OK , JavaScript Object Notation (application/json)");
    CHECK_STR(run("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n<a/>"), "HTTP/1.1 200 OK ");
    CHECK_STR(run("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n"
                  "\x1f\x8b\x08"),
              "HTTP/1.1 200 OK  (text/html)");
    CHECK_STR(run("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                  "\r\n5\r\nhello\r\n0\r\n\r\n"),
              "HTTP/1.1 200 OK  (text/plain)");
    /* a request body is named only when a length or coding says there is one */
    CHECK_STR(run("POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  "Content-Length: 3\r\n\r\na=b"),
              "POST /f HTTP/1.1  (application/x-www-form-urlencoded)");
    /* without one the bytes after the headers are not its body: tshark calls them
     * "Continuation" */
    CHECK_STR(run("POST /f HTTP/1.1\r\nContent-Type: text/plain\r\n\r\nabc"),
              "POST /f HTTP/1.1 Continuation");
    PASS;
}

static int test_leftover_bytes(void)
{
    /* a stray NUL after a complete request, and two pipelined requests */
    CHECK_STR(run_n("GET /t HTTP/1.0\n\n\0", 18), "GET /t HTTP/1.0 Continuation");
    CHECK_STR(run("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"),
              "GET /a HTTP/1.1 GET /b HTTP/1.1 ");
    CHECK_STR(http_pkt.http.uri, "/a");
    PASS;
}

static int test_junk(void)
{
    const uint8_t bin[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};
    memset(&http_pkt, 0, sizeof http_pkt);
    CHECK(!dis_http(&http_pkt, bin, sizeof bin));
    CHECK_EQ_U(http_pkt.app, APP_NONE);
    CHECK_EQ_U(http_pkt.arena_used, 0);
    CHECK(http_pkt.http.method == NULL);
    run("GETX / HTTP/1.1\r\n\r\n");
    CHECK(!http_ok);
    run("get / HTTP/1.1\r\n\r\n");
    CHECK(!http_ok);
    run("HTTP/1.1 2OO OK\r\n\r\n");
    CHECK(!http_ok);
    run("HTTP/1.1 200OK\r\n\r\n");
    CHECK(!http_ok);
    run("GET /\r\n\r\n"); /* HTTP/0.9 style: no version on a complete line */
    CHECK(!http_ok);
    run("GET / HTTP/1.1 extra\r\n\r\n");
    CHECK(!http_ok);
    run("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    CHECK(!http_ok);
    run("");
    CHECK(!http_ok);
    CHECK_EQ_U(http_pkt.app, APP_NONE);
    PASS;
}

static int test_truncated(void)
{
    /* capture cut inside the request-target (snaplen) */
    CHECK_STR(run("GET /index.ht"), "GET /index.ht ");
    CHECK(http_pkt.http.version == NULL);
    /* cut inside the version: the target is kept, the version is not */
    CHECK_STR(run("GET /a HTTP/1"), "GET /a ");
    /* a complete line without its CRLF */
    CHECK_STR(run("GET /a HTTP/1.1"), "GET /a HTTP/1.1 ");
    CHECK_STR(http_pkt.http.version, "HTTP/1.1");
    /* headers cut: complete lines are used, the cut one is not */
    CHECK_STR(run("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/ht"),
              "HTTP/1.1 200 OK ");
    CHECK_EQ_U(http_pkt.http.content_length, 5);
    CHECK(http_pkt.http.content_type == NULL);
    /* status line cut inside the reason phrase */
    CHECK_STR(run("HTTP/1.1 301 Moved Perm"), "HTTP/1.1 301 Moved Perm ");
    /* method alone, or method and space: not enough */
    run("GET");
    CHECK(!http_ok);
    run("GET ");
    CHECK(!http_ok);
    PASS;
}

static int test_methods_and_crlf(void)
{
    CHECK_STR(run("\r\nPROPFIND /dav/ HTTP/1.1\r\n\r\n"), "PROPFIND /dav/ HTTP/1.1 ");
    CHECK_STR(run("M-POST /x HTTP/1.1\r\n\r\n"), "M-POST /x HTTP/1.1 ");
    CHECK_STR(run("OPTIONS * HTTP/1.1\r\n\r\n"), "OPTIONS * HTTP/1.1 ");
    CHECK_STR(run("CONNECT example.com:443 HTTP/1.1\r\n\r\n"),
              "CONNECT example.com:443 HTTP/1.1 ");
    PASS;
}

static int test_long_uri_and_bad_length(void)
{
    static char req[4000];
    strcpy(req, "GET /");
    memset(req + 5, 'a', 3000);
    strcpy(req + 3005, " HTTP/1.1\r\nContent-Length: 12x\r\n\r\n");
    run(req);
    CHECK(http_ok);
    CHECK_EQ_U(strlen(http_pkt.http.uri), HTTP_URI_MAX);
    CHECK(strcmp(http_pkt.http.uri + HTTP_URI_MAX - 3, "...") == 0);
    CHECK_EQ_U(http_pkt.http.content_length, (uint64_t)-1);
    CHECK(http_pkt.arena_used <= PKT_ARENA);
    PASS;
}

static int test_control_bytes_sanitised(void)
{
    CHECK_STR(run("HTTP/1.1 200 O\x01K\r\nHost: a\x7f" "b\r\n\r\n"), "HTTP/1.1 200 O.K ");
    CHECK_STR(http_pkt.http.host, "a.b");
    PASS;
}

static const struct unit_test http_tests[] = {
    {"http: request line and Host", test_request},
    {"http: response with body names its media type", test_response_with_body},
    {"http: responses without body bytes", test_response_headers_only},
    {"http: media names as Wireshark's dissectors", test_media_names},
    {"http: bytes after the message", test_leftover_bytes},
    {"http: junk and near-misses are rejected", test_junk},
    {"http: truncated first lines", test_truncated},
    {"http: WebDAV, M- prefix, leading CRLF", test_methods_and_crlf},
    {"http: long target is capped, bad Content-Length", test_long_uri_and_bad_length},
    {"http: control bytes are sanitised", test_control_bytes_sanitised},
    {NULL, NULL},
};
UNIT_REGISTER(http_tests)
