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
#define HTTP_FIELD_MAX 256  /* Host, Content-Type and reason phrase kept */
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

/* Words of a lower-case literal y compared with the bytes x of a packet ignoring ASCII case: x
 * with bit 0x20 set in the places where y has a letter ('a'..'z') must be y (so an upper-case
 * letter matches its lower-case one and every other byte only itself). */
static inline bool ieq_word64(const uint8_t *a, const char *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    /* a byte of y (all below 0x80) from 0x61 up, and from 0x7b up: no carry between bytes */
    uint64_t from_a = y + 0x1f1f1f1f1f1f1f1full, past_z = y + 0x0505050505050505ull;
    uint64_t letter = (from_a & ~past_z & 0x8080808080808080ull) >> 2;
    return (x | letter) == y;
}

static inline bool ieq_word32(const uint8_t *a, const char *b)
{
    uint32_t x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    uint32_t from_a = y + 0x1f1f1f1fu, past_z = y + 0x05050505u;
    uint32_t letter = (from_a & ~past_z & 0x80808080u) >> 2;
    return (x | letter) == y;
}

/* a[0..n) equals b ignoring ASCII case; b is a lower-case literal at every call (inline: its
 * length is then known at compile time, and so are the words below). From 4 bytes on the text
 * is compared a word at a time, the last word ending where the text ends (overlapping the one
 * before it). */
static inline __attribute__((always_inline)) bool ieq(const uint8_t *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8)
            if (!ieq_word64(a + i, b + i))
                return false;
        return n % 8 == 0 || ieq_word64(a + n - 8, b + n - 8);
    }
    if (n >= 4)
        return ieq_word32(a, b) && ieq_word32(a + n - 4, b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != (uint8_t)b[i])
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
#define METHOD(s) {s, sizeof s - 1}
static const struct method {
    const char *name;
    size_t len;
} http_methods[] = {
    METHOD("GET"), METHOD("HEAD"), METHOD("POST"), METHOD("PUT"), METHOD("DELETE"),
    METHOD("CONNECT"), METHOD("OPTIONS"), METHOD("TRACE"), METHOD("PATCH"), METHOD("COPY"),
    METHOD("LOCK"), METHOD("MOVE"), METHOD("POLL"), METHOD("BCOPY"), METHOD("BMOVE"),
    METHOD("MKCOL"), METHOD("LABEL"), METHOD("MERGE"), METHOD("SEARCH"), METHOD("UNLOCK"),
    METHOD("REPORT"), METHOD("UPDATE"), METHOD("NOTIFY"), METHOD("BDELETE"), METHOD("CHECKIN"),
    METHOD("PROPFIND"), METHOD("CHECKOUT"), METHOD("CCM_POST"), METHOD("SUBSCRIBE"),
    METHOD("PROPPATCH"), METHOD("BPROPFIND"), METHOD("BPROPPATCH"), METHOD("UNCHECKOUT"),
    METHOD("MKACTIVITY"), METHOD("MKWORKSPACE"), METHOD("RPC_CONNECT"), METHOD("RPC_IN_DATA"),
    METHOD("UNSUBSCRIBE"), METHOD("RPC_OUT_DATA"), METHOD("VERSION-CONTROL"),
    METHOD("BASELINE-CONTROL"), METHOD("SSTP_DUPLEX_POST"),
};

static bool known_method(const uint8_t *s, size_t n)
{
    if (n > 2 && s[0] == 'M' && s[1] == '-') { /* RFC 2774 mandatory-extension prefix */
        s += 2;
        n -= 2;
    }
    for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++)
        if (http_methods[i].len == n && memcmp(http_methods[i].name, s, n) == 0)
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

static inline struct line get_line(const uint8_t *b, size_t n, size_t off)
{
    struct line l = {b + off, 0, n, false};
    if (off >= n) {
        l.len = n - off;
        return l;
    }
    /* the first CR, then the first LF before it (memchr looks at many bytes a step) */
    const uint8_t *cr = memchr(b + off, '\r', n - off);
    size_t lim = cr ? (size_t)(cr - b) : n;
    const uint8_t *lf = lim > off ? memchr(b + off, '\n', lim - off) : NULL;
    const uint8_t *e = lf ? lf : cr;
    if (!e) {
        l.len = n - off;
        return l;
    }
    size_t i = (size_t)(e - b);
    l.len = i - off;
    l.complete = true;
    l.next = i + 1;
    if (*e == '\r' && i + 1 < n && b[i + 1] == '\n')
        l.next = i + 2;
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
        if (name_len != 4 && name_len != 12 && name_len != 14 && name_len != 16 &&
            name_len != 17)
            continue; /* none of the names below: a quick way past the others */
        trim(&v, &vlen);
        if (ieq(l.s, name_len, "host")) {
            h->host = v;
            h->host_len = vlen;
        } else if (ieq(l.s, name_len, "content-type")) {
            h->ctype = v;
            h->ctype_len = vlen;
        } else if (ieq(l.s, name_len, "content-length")) {
            h->clen = v;
            h->clen_len = vlen;
        } else if (ieq(l.s, name_len, "content-encoding")) {
            h->cenc = v;
            h->cenc_len = vlen;
        } else if (ieq(l.s, name_len, "transfer-encoding")) {
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

/* s is a C string of length a; suffix a literal */
static inline bool ends_with(const char *s, size_t a, const char *suffix)
{
    size_t b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
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

/* A name with its length, so that a lookup compares lengths before bytes. */
struct name {
    const char *s;
    size_t len;
};
#define NAME(s) {s, sizeof s - 1}

/* Media types Wireshark hands to its line-based text dissector (packet-text-media.c). */
static const struct name text_line_types[] = {
    NAME("text/plain"), NAME("text/richtext"), NAME("text/enriched"), NAME("text/parameters"),
    NAME("text/html"), NAME("text/xml-external-parsed-entity"), NAME("text/css"),
    NAME("application/xml-external-parsed-entity"), NAME("text/javascript"),
    NAME("application/x-javascript"), NAME("application/x-tia-p25-issi"),
    NAME("application/x-tia-p25-sndcp"), NAME("application/x-ns-proxy-autoconfig"),
    NAME("text/vnd.sun.j2me.app-descriptor"), NAME("application/vnd.poc.refer-to"),
    NAME("application/vnd.drm.message"), NAME("application/x-wms-logplaystats"),
    NAME("application/x-rtsp-udp-packetpair"), {NULL, 0},
};

/* Media types whose Wireshark dissectors add nothing to Info (or replace it: OCSP). */
static const struct name silent_types[] = {
    NAME("text/xml"), NAME("application/xml"), NAME("application/octet-stream"),
    NAME("application/x-amf"), NAME("application/x-fcs"), NAME("image/tiff"),
    NAME("application/cbor"), NAME("application/cbor-seq"), NAME("application/pkcs7-mime"),
    NAME("application/pkcs7-signature"), NAME("application/pkcs10"),
    NAME("application/ocsp-request"), NAME("application/ocsp-response"), {NULL, 0},
};

/* Media types of Wireshark's JSON dissector (packet-json.c). */
static const struct name json_types[] = {
    NAME("application/json"), NAME("application/senml+json"), NAME("application/sensml+json"),
    NAME("application/json-rpc"), NAME("application/jsonrequest"),
    NAME("application/dds-web+json"), NAME("application/vnd.oma.lwm2m+json"),
    NAME("application/problem+json"), NAME("application/merge-patch+json"),
    NAME("application/json-patch+json"), NAME("application/x-ndjson"), {NULL, 0},
};

/* s is n bytes long (a C string) */
static bool in_list(const struct name *list, const char *s, size_t n)
{
    for (; list->s; list++)
        if (list->len == n && memcmp(list->s, s, n) == 0)
            return true;
    return false;
}

/* What Wireshark's media dissectors add to Info for a body of the given media type whose
 * first len captured bytes are body (body == NULL: content-encoded, bytes unknown); NULL when
 * they add nothing. The text is the one tshark shows once the body is reassembled. */
static const char *media_info(char *out, size_t cap, const char *type, size_t tlen,
                              const uint8_t *body, size_t len)
{
    const char *name = type;
    bool image = tlen > 6 && memcmp(type, "image/", 6) == 0;
    bool gif = image && strcmp(type, "image/gif") == 0;
    bool jpeg = image && (strcmp(type, "image/jpeg") == 0 || strcmp(type, "image/jpg") == 0 ||
                          strcmp(type, "image/jfif") == 0);
    bool png = image && strcmp(type, "image/png") == 0;
    if (body && gif && len >= 6 && (starts(body, len, "GIF87a") || starts(body, len, "GIF89a")))
        name = body[4] == '7' ? "GIF87a" : "GIF89a";
    else if (body && jpeg && len >= 11 && body[0] == 0xFF && body[1] == 0xD8 &&
             (memcmp(body + 6, "JFIF", 5) == 0 || memcmp(body + 6, "Exif", 5) == 0))
        name = "JPEG JFIF image";
    else if (body && png && len >= 8 && memcmp(body, "\x89PNG\r\n\x1a\n", 8) == 0)
        name = "PNG";
    /* XML (also text that turns out to be XML), multipart and the like add nothing. */
    if (in_list(silent_types, type, tlen) || ends_with(type, tlen, "+xml") ||
        ends_with(type, tlen, "+cbor") || (tlen >= 13 && memcmp(type, "text/vnd.wap.", 13) == 0) ||
        (tlen >= 10 && memcmp(type, "multipart/", 10) == 0))
        return NULL;
    if (body && in_list(text_line_types, type, tlen) && len > 38 && len >= 5 &&
        ieq(body, 5, "<?xml"))
        return NULL;
    size_t k = 0;
    if (in_list(json_types, type, tlen)) {
        k = strlen(", JavaScript Object Notation");
        memcpy(out, ", JavaScript Object Notation", k);
    }
    size_t nl = strlen(name);
    if (k + nl + 4 > cap)
        return NULL;
    memcpy(out + k, " (", 2);
    memcpy(out + k + 2, name, nl);
    memcpy(out + k + 2 + nl, ")", 2);
    return out;
}

/* Wireshark decides how many body bytes of this segment it hands to a media dissector
 * (packet-http.c, dissect_http_message); mirror that and name the result. */
/* ---- messages ---- */

/* One HTTP message starting in the segment: first line and the headers captured with it. */
struct msg {
    struct first f;
    struct hdrs h;
    int64_t clen;
    bool chunked, other_coding;
};

/* Parse the message starting at b[off] (one leading CRLF skipped); false if b[off..] does not
 * start with a request or status line. */
static bool parse_msg(const uint8_t *b, size_t n, size_t off, struct msg *m)
{
    memset(m, 0, sizeof *m);
    if (n - off > 3 && b[off] == '\r' && b[off + 1] == '\n')
        off += 2; /* RFC 9112 §2.2: ignore a CRLF where a request line is expected */
    if (off >= n || b[off] < 'A' || b[off] > 'Z')
        return false;
    size_t lim = n - off > HTTP_LINE_MAX ? off + HTTP_LINE_MAX : n;
    struct line l = get_line(b, lim, off);
    /* no method starts with "HTTP/", so a status line need not be tried as a request first */
    bool status = l.len >= 5 && memcmp(l.s, "HTTP/", 5) == 0;
    if (status ? !parse_status(&l, &m->f) : !parse_request(&l, &m->f) && !parse_status(&l, &m->f))
        return false;
    if (l.complete)
        parse_headers(b, n, l.next, &m->h);
    m->clen = parse_length(m->h.clen, m->h.clen_len);
    if (m->h.tenc) {
        m->chunked = m->h.tenc_len >= 7 && ieq(m->h.tenc + m->h.tenc_len - 7, 7, "chunked");
        m->other_coding = !m->chunked;
    }
    return true;
}

/* The body bytes Wireshark hands to a media dissector (packet-http.c, dissect_http_message):
 * at most Content-Length, none for a request without length or coding, none for 1xx, 204
 * and 304 responses, otherwise the rest of the segment. */
static size_t body_avail(size_t n, const struct msg *m)
{
    if (!m->h.complete)
        return 0;
    size_t avail = n - m->h.body;
    if (m->clen >= 0 && !m->h.tenc)
        return (uint64_t)m->clen < avail ? (size_t)m->clen : avail;
    if (m->f.request)
        return m->h.tenc ? avail : 0;
    if (m->f.status / 100 == 1 || m->f.status == 204 || m->f.status == 304)
        return 0;
    return avail;
}

/* Offset just past the message, or n when it runs to the end of the captured bytes. */
static size_t msg_end(const uint8_t *b, size_t n, const struct msg *m)
{
    if (!m->h.complete || m->other_coding)
        return n;
    size_t pos = m->h.body;
    if (m->chunked) {
        for (int i = 0; i < 1000; i++) {
            size_t data_off, size;
            if (!first_chunk(b, n, pos, &data_off, &size))
                return n;
            if (size == 0) { /* last-chunk, then trailer fields up to an empty line */
                pos = data_off;
                for (;;) {
                    struct line l = get_line(b, n, pos);
                    if (!l.complete)
                        return n;
                    pos = l.next;
                    if (l.len == 0)
                        return pos;
                }
            }
            if (size > n - data_off || n - data_off - size < 2)
                return n;
            pos = data_off + size + 2;
        }
        return n;
    }
    return m->h.body + body_avail(n, m);
}

/* What Wireshark's media dissectors add to Info for the message's body bytes (none when no
 * body bytes are in this segment). */
static const char *body_text(const uint8_t *b, size_t n, const struct msg *m, char *out,
                             size_t cap)
{
    size_t avail = body_avail(n, m);
    if (!m->h.ctype || m->other_coding || avail == 0)
        return NULL;
    const uint8_t *body = b + m->h.body;
    if (m->chunked) {
        size_t data_off, size;
        size_t end = m->h.body + avail;
        if (!first_chunk(b, end, m->h.body, &data_off, &size) || size == 0)
            return NULL;
        body = b + data_off;
        avail = end - data_off;
        if (size < avail)
            avail = size;
        if (avail == 0)
            return NULL;
    }
    const struct hdrs *h = &m->h;
    if (h->cenc && !ieq(h->cenc, h->cenc_len, "identity")) {
        /* Wireshark inflates gzip/deflate/br bodies before naming them; the inflated bytes
         * are not available here, so only the media type names them. */
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
    /* a NUL byte in the header ends the type there */
    return media_info(out, cap, type, strlen(type), body, avail);
}

/* ---- text ---- */

struct tb {
    char *b;
    size_t len, cap;
};

static void tb_put(struct tb *t, const void *s, size_t n)
{
    if (n > t->cap - 1 - t->len)
        n = t->cap - 1 - t->len;
    memcpy(t->b + t->len, s, n);
    t->len += n;
    t->b[t->len] = '\0';
}

static void tb_str(struct tb *t, const char *s)
{
    if (s)
        tb_put(t, s, strlen(s));
}

/* A later message's first line as Wireshark puts it in Info (raw line plus one space). */
static void tb_first(struct tb *t, const struct first *f)
{
    if (f->request) {
        tb_put(t, f->method, f->method_len);
        tb_put(t, " ", 1);
        tb_put(t, f->uri, f->uri_len);
        if (f->version) {
            tb_put(t, " ", 1);
            tb_put(t, f->version, f->version_len);
        }
    } else {
        char st[5] = {' ', (char)('0' + f->status / 100), (char)('0' + f->status / 10 % 10),
                      (char)('0' + f->status % 10), 0};
        tb_put(t, f->version, f->version_len);
        tb_put(t, st, 4);
        if (f->reason) {
            tb_put(t, " ", 1);
            tb_put(t, f->reason, f->reason_len);
        }
    }
    tb_put(t, " ", 1);
}

/* The Info text after the first line: the body's media summary, then for bytes left over in
 * the segment the next message's line and summary, or "Continuation" (packet-http.c,
 * dissect_http_tcp loops over the messages of a segment behind a column fence). */
static const char *info_tail(struct pkt *p, const uint8_t *b, size_t n, const struct msg *m0)
{
    char buf[1024], media[HTTP_FIELD_MAX + 64];
    struct tb t = {buf, 0, sizeof buf};
    buf[0] = '\0';
    tb_str(&t, body_text(b, n, m0, media, sizeof media));
    size_t pos = msg_end(b, n, m0);
    for (int i = 0; i < 4 && pos < n; i++) {
        struct msg m;
        if (!parse_msg(b, n, pos, &m)) {
            tb_str(&t, "Continuation");
            break;
        }
        tb_first(&t, &m.f);
        tb_str(&t, body_text(b, n, &m, media, sizeof media));
        pos = msg_end(b, n, &m);
    }
    return t.len ? pkt_cstr(p, buf) : NULL;
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
    struct msg m;
    if (n == 0 || !parse_msg(b, n, 0, &m))
        return false;
    const struct first *f = &m.f;
    struct pkt_http *ht = &p->http;
    memset(ht, 0, sizeof *ht);
    p->app = APP_HTTP;
    ht->request = f->request;
    if (f->request) {
        ht->method = pkt_strdup(p, f->method, f->method_len);
    } else {
        ht->status = f->status;
        if (f->reason)
            ht->reason = keep_capped(p, f->reason, f->reason_len, HTTP_FIELD_MAX);
    }
    if (f->version)
        ht->version = pkt_strdup(p, f->version, f->version_len);
    if (m.h.host)
        ht->host = keep_capped(p, m.h.host, m.h.host_len, HTTP_FIELD_MAX);
    if (m.h.ctype)
        ht->content_type = keep_capped(p, m.h.ctype, m.h.ctype_len, HTTP_FIELD_MAX);
    ht->content_length = m.clen;
    ht->info_tail = info_tail(p, b, n, &m);
    if (f->request) {
        /* the target goes last and gets what the arena has left, up to HTTP_URI_MAX */
        size_t room = PKT_ARENA - p->arena_used;
        size_t max = room > HTTP_URI_MAX ? HTTP_URI_MAX : (room > 4 ? room - 1 : 3);
        ht->uri = keep_capped(p, f->uri, f->uri_len, max);
    }
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
        unsigned st = h->status;
        if (st < 1000) { /* " %03u" without printf */
            char d[4] = {' ', (char)('0' + st / 100), (char)('0' + st / 10 % 10),
                         (char)('0' + st % 10)};
            ob_write(ob, d, 4);
        } else {
            ob_printf(ob, " %03u", st);
        }
        if (h->reason) {
            ob_putc(ob, ' ');
            ob_puts(ob, h->reason);
        }
    }
    ob_putc(ob, ' ');
    if (h->info_tail)
        ob_puts(ob, h->info_tail);
}
