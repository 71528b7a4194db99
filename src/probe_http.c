/* summary: HTTP GET through libcurl, pinned to one address, reporting status, headers, body size,
 * both endpoints of the connection, phase timings and a failure class. */
#include "probe_http.h"

#include <errno.h>
#include <string.h>

#include "curl_api.h"
#include "resolve.h"
#include "version.h"

struct xfer {
    const struct http_opts *o;
    struct http_result *r;
};

void http_opts_init(struct http_opts *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = 5000;
    o->timeout_ms = 15000;
}

const char *http_class_name(enum http_class c)
{
    switch (c) {
    case HTTP_OK: return "ok";
    case HTTP_ERR_RESOLVE: return "resolve";
    case HTTP_ERR_REFUSED: return "refused";
    case HTTP_ERR_TIMEOUT: return "timeout";
    case HTTP_ERR_TLS: return "tls";
    case HTTP_ERR_OTHER: break;
    }
    return "other";
}

/* ---- libcurl callbacks ---- */

static size_t on_header(char *p, size_t size, size_t nitems, void *ud)
{
    struct http_result *r = ((struct xfer *)ud)->r;
    size_t n = size * nitems;
    if (n >= 5 && !memcmp(p, "HTTP/", 5)) {
        /* A new response head (after a 1xx interim response): start over. */
        r->headers_len = 0;
        r->headers_truncated = 0;
        size_t l = n;
        while (l && (p[l - 1] == '\r' || p[l - 1] == '\n'))
            l--;
        if (l >= sizeof r->status_line)
            l = sizeof r->status_line - 1;
        memcpy(r->status_line, p, l);
        r->status_line[l] = '\0';
    }
    size_t room = sizeof r->headers - 1 - r->headers_len;
    size_t k = n < room ? n : room;
    memcpy(r->headers + r->headers_len, p, k);
    r->headers_len += k;
    r->headers[r->headers_len] = '\0';
    if (k < n)
        r->headers_truncated = 1;
    return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    x->r->body_bytes += n;
    if (x->o->sink)
        return x->o->sink(p, n, x->o->sink_ud);
    if (x->o->sink_file)
        return fwrite(p, 1, n, x->o->sink_file);
    return n;
}

static int on_debug(CURL *c, curl_infotype type, char *p, size_t n, void *ud)
{
    (void)c;
    struct http_result *r = ((struct xfer *)ud)->r;
    if (type != CURLINFO_HEADER_OUT)
        return 0;
    size_t room = sizeof r->req_headers - 1 - r->req_headers_len;
    size_t k = n < room ? n : room;
    memcpy(r->req_headers + r->req_headers_len, p, k);
    r->req_headers_len += k;
    r->req_headers[r->req_headers_len] = '\0';
    return 0;
}

static int on_progress(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
    (void)dlt;
    (void)dln;
    (void)ult;
    (void)uln;
    const struct xfer *x = ud;
    return x->o->stop && *x->o->stop ? 1 : 0;
}

/* ---- classification ---- */

static enum http_class classify(CURLcode code, long os_errno)
{
    switch (code) {
    case CURLE_OK:
        return HTTP_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return HTTP_ERR_RESOLVE;
    case CURLE_COULDNT_CONNECT:
        if (os_errno == ECONNREFUSED)
            return HTTP_ERR_REFUSED;
        if (os_errno == ETIMEDOUT)
            return HTTP_ERR_TIMEOUT;
        return HTTP_ERR_OTHER;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_ERR_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return HTTP_ERR_TLS;
    default:
        return HTTP_ERR_OTHER;
    }
}

static void copy_str(char *dst, size_t n, const char *src)
{
    size_t l = src ? strnlen(src, n - 1) : 0;
    if (l)
        memcpy(dst, src, l);
    dst[l] = '\0';
}

static int64_t info_time(const struct curl_api *C, CURL *c, CURLINFO what)
{
    curl_off_t v = 0;
    if (C->easy_getinfo(c, what, &v) != CURLE_OK)
        return 0;
    return (int64_t)v;
}

/* ---- the request ---- */

int http_get(const struct http_opts *o, struct http_result *r, struct errbuf *eb)
{
    memset(r, 0, sizeof *r);
    r->cls = HTTP_ERR_OTHER;
    if (!o->url || !*o->url)
        return err_set(eb, "http: no URL");

    const struct curl_api *C = curl_api(eb);
    if (!C)
        return -1;
    /* curl_easy_init performs the process-wide curl_global_init on first use. */
    CURL *c = C->easy_init();
    if (!c)
        return err_set(eb, "http: cannot initialise libcurl");
    struct xfer x = {o, r};
    char cerr[CURL_ERROR_SIZE];
    cerr[0] = '\0';
    struct curl_slist *connect_to = NULL;
    if (o->pin) {
        char a[RESOLVE_ADDRSTRLEN], spec[RESOLVE_ADDRSTRLEN + 8];
        resolve_addr_str(o->pin, a, sizeof a);
        /* "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT"; empty fields mean "any" and "same". */
        snprintf(spec, sizeof spec, o->pin->sa_family == AF_INET6 ? "::[%s]:" : "::%s:", a);
        connect_to = C->slist_append(NULL, spec);
    }
    char ua[64];
    snprintf(ua, sizeof ua, "tcplens/%s", TCPLENS_VERSION);

    CURLcode sc = CURLE_OK;
#define SETOPT(opt, val)                                                                       \
    do {                                                                                       \
        if (sc == CURLE_OK)                                                                    \
            sc = C->easy_setopt(c, opt, val);                                                  \
    } while (0)
    SETOPT(CURLOPT_URL, o->url);
    SETOPT(CURLOPT_ERRORBUFFER, cerr);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SETOPT(CURLOPT_FRESH_CONNECT, 1L);
    SETOPT(CURLOPT_FORBID_REUSE, 1L);
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_PROXY, "");
    SETOPT(CURLOPT_NOPROXY, "*");
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000L);
    SETOPT(CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 15000L);
    SETOPT(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : ua);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, &x);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, &x);
    SETOPT(CURLOPT_DEBUGFUNCTION, on_debug);
    SETOPT(CURLOPT_DEBUGDATA, &x);
    SETOPT(CURLOPT_VERBOSE, 1L); /* routes the request head to on_debug; nothing is printed */
    SETOPT(CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
    if (connect_to)
        SETOPT(CURLOPT_CONNECT_TO, connect_to);
    if (o->stop) {
        SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
        SETOPT(CURLOPT_XFERINFODATA, &x);
        SETOPT(CURLOPT_NOPROGRESS, 0L);
    }
#undef SETOPT

    CURLcode code = sc != CURLE_OK ? sc : C->easy_perform(c);
    long os_errno = 0;
    C->easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    C->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    char *s = NULL;
    if (C->easy_getinfo(c, CURLINFO_LOCAL_IP, &s) == CURLE_OK)
        copy_str(r->local_ip, sizeof r->local_ip, s);
    s = NULL;
    if (C->easy_getinfo(c, CURLINFO_PRIMARY_IP, &s) == CURLE_OK)
        copy_str(r->remote_ip, sizeof r->remote_ip, s);
    s = NULL;
    if (C->easy_getinfo(c, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK)
        copy_str(r->content_type, sizeof r->content_type, s);
    long port = 0;
    if (C->easy_getinfo(c, CURLINFO_LOCAL_PORT, &port) == CURLE_OK && port > 0)
        r->local_port = (unsigned)port;
    port = 0;
    if (C->easy_getinfo(c, CURLINFO_PRIMARY_PORT, &port) == CURLE_OK && port > 0)
        r->remote_port = (unsigned)port;
    r->t_dns_us = info_time(C, c, CURLINFO_NAMELOOKUP_TIME_T);
    r->t_connect_us = info_time(C, c, CURLINFO_CONNECT_TIME_T);
    r->t_tls_us = info_time(C, c, CURLINFO_APPCONNECT_TIME_T);
    r->t_pretransfer_us = info_time(C, c, CURLINFO_PRETRANSFER_TIME_T);
    r->t_first_byte_us = info_time(C, c, CURLINFO_STARTTRANSFER_TIME_T);
    r->t_total_us = info_time(C, c, CURLINFO_TOTAL_TIME_T);
    C->easy_cleanup(c);
    C->slist_free_all(connect_to);

    r->curl_code = (int)code;
    r->os_errno = (int)os_errno;
    r->cls = classify(code, os_errno);
    if (r->cls == HTTP_OK)
        return 0;
    return err_set(eb, "%s", cerr[0] ? cerr : C->easy_strerror(code));
}
