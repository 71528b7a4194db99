/* summary: HTTP/1.x request/status line dissector and Wireshark-style Info text.
 *
 * References: RFC 9112 §3 (request line), §4 (status line), §5 (field lines), §6.3 (message
 * body length); RFC 4918 and RFC 3253 for the WebDAV/DeltaV methods Wireshark knows.
 *
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   status-line  = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 *   HTTP-version = "HTTP/" DIGIT "." DIGIT
 *
 * Only the bytes captured in this one segment are looked at; nothing is reassembled. The Info
 * text is what tshark 4.0 prints for the segment with TCP reassembly switched off
 * (-o tcp.desegment_tcp_streams:FALSE): the first line plus one space, then the media
 * dissector's summary of the body bytes that follow the headers in the same segment. */
#include "dis_app.h"

#include <string.h>

#define HTTP_LINE_MAX 8192  /* longest first line looked at */
#define HTTP_FIELD_MAX 256  /* Host and Content-Type values kept */
#define HTTP_HEADERS_MAX 100 /* header lines scanned */

/* ---- ASCII helpers (packet bytes never go through <ctype.h>) ---- */

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static bool ieq(const uint8_t *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower((uint8_t)b[i]))
            return false;
    return true;
}

static bool starts(const uint8_t *a, size_t n, const char *b)
{
    size_t k = strlen(b);
    return n >= k && memcmp(a, b, k) == 0;
}

/* ---- methods ---- */

/* The request methods Wireshark's HTTP dissector recognises (RFC 9110, WebDAV, DeltaV, GENA,
 * MS-RPCH, SSTP). */
static const char *const http_methods[] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    "COPY", "LOCK", "MOVE", "POLL", "BCOPY", "BMOVE", "MKCOL", "LABEL", "MERGE",
    "SEARCH", "UNLOCK", "REPORT", "UPDATE", "NOTIFY", "BDELETE", "CHECKIN", "PROPFIND",
    "CHECKOUT", "CCM_POST", "SUBSCRIBE", "PROPPATCH", "BPROPFIND", "BPROPPATCH",
    "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "RPC_CONNECT", "RPC_IN_DATA", "UNSUBSCRIBE",
    "RPC_OUT_DATA", "VERSION-CONTROL", "BASELINE-CONTROL", "SSTP_DUPLEX_POST", NULL,
};

static bool known_method(const uint8_t *s, size_t n)
{
    for (const char *const *m = http_methods; *m; m++)
        if (strlen(*m) == n && memcmp(*m, s, n) == 0)
            return true;
    return false;
}

/* ---- lines ---- */

/* A line of b: [start, start+len), terminated by CRLF, LF or a lone CR (as Wireshark's
 * tvb_find_line_end), or by the end of the bytes (complete == false). */
struct line {
    const uint8_t *s;
    size_t len;
    size_t next;   /* offset just past the terminator */
    bool complete;
};

static struct line get_line(const uint8_t *b, size_t n, size_t off)
{
    struct line l = {b + off, 0, n, false};
    for (size_t i = off; i < n; i++) {
        if (b[i] == '\n' || b[i] == '\r') {
            l.len = i - off;
            l.complete = true;
            l.next = i + 1;
            if (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n')
                l.next = i + 2;
            return l;
        }
    }
    l.len = n - off;
    return l;
}

/* "HTTP/" DIGIT "." DIGIT at s; returns 8 or 0. */
static size_t version_len(const uint8_t *s, size_t n)
{
    if (n >= 8 && starts(s, n, "HTTP/") && is_digit(s[5]) && s[6] == '.' && is_digit(s[7]))
        return 8;
    return 0;
}

/* A cut-off line may stop anywhere inside "HTTP/d.d": is s[0..n) a prefix of one? */
static bool version_prefix(const uint8_t *s, size_t n)
{
    static const char pat[] = "HTTP/0.0";
    if (n > 8)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (pat[i] == '0' ? !is_digit(s[i]) : s[i] != (uint8_t)pat[i])
            return false;
    }
    return true;
}

/* ---- the first line ---- */

struct first {
    bool request;
    const uint8_t *method, *uri, *version, *reason;
    size_t method_len, uri_len, version_len, reason_len;
    uint16_t status;
};

static bool parse_request(const struct line *l, struct first *f)
{
    const uint8_t *s = l->s;
    size_t n = l->len, i = 0;
    while (i < n && s[i] != ' ')
        i++;
    if (i == n || !known_method(s, i))
        return false;
    f->request = true;
    f->method = s;
    f->method_len = i;
    size_t u = ++i;
    while (i < n && s[i] > ' ' && s[i] != 0x7f)
        i++;
    if (i == u)
        return false;
    f->uri = s + u;
    f->uri_len = i - u;
    if (i == n) /* the line ends after the target: only a cut-off line may */
        return !l->complete;
    if (s[i] != ' ')
        return false;
    i++;
    size_t vl = version_len(s + i, n - i);
    if (vl && i + vl == n) {
        f->version = s + i;
        f->version_len = vl;
        return true;
    }
    /* a line cut inside the version keeps method and target */
    return !l->complete && version_prefix(s + i, n - i);
}

static bool parse_status(const struct line *l, struct first *f)
{
    const uint8_t *s = l->s;
    size_t n = l->len;
    size_t vl = version_len(s, n);
    if (!vl || n < vl + 4 || s[vl] != ' ' || !is_digit(s[vl + 1]) || !is_digit(s[vl + 2]) ||
        !is_digit(s[vl + 3]))
        return false;
    if (n > vl + 4 && s[vl + 4] != ' ')
        return false;
    f->request = false;
    f->version = s;
    f->version_len = vl;
    f->status = (uint16_t)((s[vl + 1] - '0') * 100 + (s[vl + 2] - '0') * 10 + (s[vl + 3] - '0'));
    if (n > vl + 4) {
        f->reason = s + vl + 5;
        f->reason_len = n - (vl + 5);
    }
    return true;
}

/* ---- headers and body ---- */

struct hdrs {
    const uint8_t *host, *ctype, *clen, *cenc, *tenc;
    size_t host_len, ctype_len, clen_len, cenc_len, tenc_len;
    bool complete;   /* the empty line ending the header section was captured */
    size_t body;     /* offset of the body when complete */
};

static void trim(const uint8_t **s, size_t *n)
{
    while (*n && is_ws(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_ws((*s)[*n - 1]))
        (*n)--;
}

static void parse_headers(const uint8_t *b, size_t n, size_t off, struct hdrs *h)
{
    for (int count = 0; count < HTTP_HEADERS_MAX && off < n; count++) {
        struct line l = get_line(b, n, off);
        if (!l.complete)
            return;
        if (l.len == 0) {
            h->complete = true;
            h->body = l.next;
            return;
        }
        off = l.next;
        const uint8_t *colon = memchr(l.s, ':', l.len);
        if (!colon)
            continue;
        size_t name_len = (size_t)(colon - l.s);
        const uint8_t *v = colon + 1;
        size_t vlen = l.len - name_len - 1;
        trim(&v, &vlen);
        if (ieq(l.s, name_len, "Host")) {
            h->host = v;
            h->host_len = vlen;
        } else if (ieq(l.s, name_len, "Content-Type")) {
            h->ctype = v;
            h->ctype_len = vlen;
        } else if (ieq(l.s, name_len, "Content-Length")) {
            h->clen = v;
            h->clen_len = vlen;
        } else if (ieq(l.s, name_len, "Content-Encoding")) {
            h->cenc = v;
            h->cenc_len = vlen;
        } else if (ieq(l.s, name_len, "Transfer-Encoding")) {
            h->tenc = v;
            h->tenc_len = vlen;
        }
    }
}

/* Decimal Content-Length, -1 if absent or not a plain non-negative number. */
static int64_t parse_length(const uint8_t *s, size_t n)
{
    if (!s || n == 0 || n > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The media type in lower case without parameters, as Wireshark matches it. */
static size_t media_type(const uint8_t *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (s[i] == ';' || is_ws(s[i]))
            break;
        out[k++] = (char)lower(s[i]);
    }
    out[k] = '\0';
    return k;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The size of the first chunk of a chunked body and where its data starts; false if the
 * chunk-size line is not all there. */
static bool first_chunk(const uint8_t *b, size_t n, size_t off, size_t *data_off, size_t *size)
{
    struct line l = get_line(b, n, off);
    if (!l.complete || l.len == 0)
        return false;
    size_t v = 0;
    for (size_t i = 0; i < l.len && i < 8; i++) {
        uint8_t c = lower(l.s[i]);
        if (is_digit(c))
            v = v * 16 + (size_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (size_t)(c - 'a' + 10);
        else
            break;
    }
    *data_off = l.next;
    *size = v;
    return true;
}

/* What Wireshark's media dissectors append to Info for the body bytes b[off..off+len) of the
 * given media type; NULL when they append nothing. */
static const char *media_summary(const char *type, const uint8_t *body, size_t len,
                                 bool *use_type)
{
    *use_type = false;
    if (strcmp(type, "image/gif") == 0 && len >= 6 &&
        (starts(body, len, "GIF87a") || starts(body, len, "GIF89a")))
        return body[4] == '7' ? "GIF87a" : "GIF89a";
    if ((strcmp(type, "image/jpeg") == 0 || strcmp(type, "image/jpg") == 0 ||
         strcmp(type, "image/jfif") == 0) &&
        len >= 20 && body[0] == 0xFF && body[1] == 0xD8 &&
        (memcmp(body + 6, "JFIF", 5) == 0 || memcmp(body + 6, "Exif", 5) == 0))
        return "JPEG JFIF image";
    if (strcmp(type, "image/png") == 0 && len >= 8 &&
        memcmp(body, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "PNG";
    /* XML and OCSP bodies are dissected without a summary in Info. */
    if (strcmp(type, "text/xml") == 0 || strcmp(type, "application/xml") == 0 ||
        ends_with(type, "+xml") || strncmp(type, "text/vnd.wap.", 13) == 0 ||
        strncmp(type, "application/ocsp-", 17) == 0)
        return NULL;
    *use_type = true;
    return NULL;
}

/* Wireshark decides how many body bytes of this segment it hands to a media dissector
 * (packet-http.c, dissect_http_message); mirror that and name the result. */
static const char *body_media(struct pkt *p, const uint8_t *b, size_t n, const struct first *f,
                              const struct hdrs *h, int64_t clen)
{
    if (!h->complete || !h->ctype)
        return NULL;
    size_t avail = n - h->body;
    bool chunked = h->tenc && h->tenc_len >= 7 && ieq(h->tenc + h->tenc_len - 7, 7, "chunked");
    if (h->tenc && !chunked)
        return NULL; /* other transfer codings are shown as plain data */
    if (clen >= 0 && !h->tenc) {
        if ((uint64_t)clen < avail)
            avail = (size_t)clen;
    } else if (f->request) {
        if (!h->tenc)
            avail = 0;
    } else if (f->status / 100 == 1 || f->status == 204 || f->status == 304) {
        avail = 0;
    }
    if (avail == 0)
        return NULL;
    const uint8_t *body = b + h->body;
    if (chunked) {
        size_t data_off, size;
        if (!first_chunk(b, h->body + avail, h->body, &data_off, &size) || size == 0)
            return NULL;
        body = b + data_off;
        avail = h->body + avail - data_off;
        if (size < avail)
            avail = size;
        if (avail == 0)
            return NULL;
    }
    if (h->cenc && !ieq(h->cenc, h->cenc_len, "identity")) {
        /* Wireshark inflates gzip/deflate/br bodies before naming them; the bytes cannot be
         * checked for magic numbers here, so only the media type is named. */
        if (!ieq(h->cenc, h->cenc_len, "gzip") && !ieq(h->cenc, h->cenc_len, "deflate") &&
            !ieq(h->cenc, h->cenc_len, "x-gzip") && !ieq(h->cenc, h->cenc_len, "x-deflate") &&
            !ieq(h->cenc, h->cenc_len, "br"))
            return NULL;
        body = NULL;
        avail = 0;
    }
    char type[HTTP_FIELD_MAX];
    if (media_type(h->ctype, h->ctype_len, type, sizeof type) == 0)
        return NULL;
    bool use_type;
    const char *s = body ? media_summary(type, body, avail, &use_type) : NULL;
    if (!body) {
        use_type = true;
        if (ends_with(type, "/xml") || ends_with(type, "+xml"))
            use_type = false;
    }
    if (s)
        return pkt_cstr(p, s);
    return use_type ? pkt_cstr(p, type) : NULL;
}

/* ---- entry point ---- */

static const char *keep_capped(struct pkt *p, const uint8_t *s, size_t n, size_t max)
{
    if (n <= max)
        return pkt_strdup(p, s, n);
    char buf[HTTP_URI_MAX + 1];
    size_t k = max - 3;
    for (size_t i = 0; i < k; i++)
        buf[i] = (char)s[i];
    memcpy(buf + k, "...", 3);
    return pkt_strdup(p, (const uint8_t *)buf, max);
}

bool dis_http(struct pkt *p, const uint8_t *b, size_t n)
{
    size_t off = 0;
    if (n > 3 && b[0] == '\r' && b[1] == '\n')
        off = 2; /* RFC 9112 §2.2: ignore a CRLF where a request line is expected */
    if (off >= n || b[off] < 'A' || b[off] > 'Z')
        return false;
    struct line l = get_line(b, n > HTTP_LINE_MAX + off ? HTTP_LINE_MAX + off : n, off);
    struct first f = {0};
    if (!parse_request(&l, &f) && !parse_status(&l, &f))
        return false;

    struct hdrs h = {0};
    if (l.complete)
        parse_headers(b, n, l.next, &h);

    struct pkt_http *ht = &p->http;
    memset(ht, 0, sizeof *ht);
    p->app = APP_HTTP;
    ht->request = f.request;
    if (f.request) {
        ht->method = pkt_strdup(p, f.method, f.method_len);
        ht->uri = keep_capped(p, f.uri, f.uri_len, HTTP_URI_MAX);
    } else {
        ht->status = f.status;
        if (f.reason)
            ht->reason = pkt_strdup(p, f.reason, f.reason_len < HTTP_FIELD_MAX ? f.reason_len
                                                                                : HTTP_FIELD_MAX);
    }
    if (f.version)
        ht->version = pkt_strdup(p, f.version, f.version_len);
    if (h.host)
        ht->host = keep_capped(p, h.host, h.host_len, HTTP_FIELD_MAX);
    if (h.ctype)
        ht->content_type = keep_capped(p, h.ctype, h.ctype_len, HTTP_FIELD_MAX);
    ht->content_length = parse_length(h.clen, h.clen_len);
    ht->media = body_media(p, b, n, &f, &h, ht->content_length);
    return true;
}

void http_info(struct obuf *ob, const struct pkt *p)
{
    const struct pkt_http *h = &p->http;
    if (h->request) {
        ob_puts(ob, h->method ? h->method : "");
        ob_putc(ob, ' ');
        ob_puts(ob, h->uri ? h->uri : "");
        if (h->version) {
            ob_putc(ob, ' ');
            ob_puts(ob, h->version);
        }
    } else {
        ob_puts(ob, h->version ? h->version : "");
        ob_printf(ob, " %03u", (unsigned)h->status);
        if (h->reason) {
            ob_putc(ob, ' ');
            ob_puts(ob, h->reason);
        }
    }
    ob_putc(ob, ' ');
    if (h->media) {
        ob_puts(ob, " (");
        ob_puts(ob, h->media);
        ob_putc(ob, ')');
    }
}
