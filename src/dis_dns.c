/* summary: DNS message dissector and Wireshark-style Info text.
 *
 * References: RFC 1035 §4 (message format, §4.1.4 compression), RFC 3596 (AAAA), RFC 2782
 * (SRV), RFC 6762 §18.12-13 (mDNS QU and cache-flush bits), RFC 4795 (LLMNR).
 *
 *      0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *    +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *    |                      ID                       |
 *    |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 *    |          QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT |   (4 x 16 bits)
 *    +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *    question:  QNAME  QTYPE(16) QCLASS(16)
 *    record:    NAME   TYPE(16) CLASS(16) TTL(32) RDLENGTH(16) RDATA
 *
 * The Info text follows tshark 4.0 (epan/dissectors/packet-dns.c): the opcode, " response",
 * the ID, a non-zero rcode of a response, then " TYPE name" per question and " TYPE [data]"
 * per record of all three record sections, in wire order. Wireshark builds that text while it
 * reads, so a message that ends early shows everything decoded up to that point followed by
 * "[Packet size limited during capture]" (snaplen) or "[Malformed Packet]"; the model keeps
 * the same stopping points (a record whose data could not be read has data == NULL). */
#include "dis_app.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "rd.h"

#define DNS_HDR_LEN 12
#define DNS_NAME_WIRE_MAX 255 /* RFC 1035 §3.1: a name is at most 255 octets on the wire */
#define DNS_NAME_TEXT_MAX 256 /* buffer for a name's text (<= 253 characters + NUL) */
#define DNS_PTR_HOPS_MAX 64   /* compression pointers followed within one name */
#define DNS_DATA_TEXT_MAX 600 /* buffer for one rendered RDATA */

#define DNS_F_QR 0x8000
#define DNS_CLASS_TOPBIT 0x8000 /* mDNS: QU in questions, cache-flush in records */
#define MDNS_PORT 5353

/* ---- text building ---- */

/* A bounded string under construction; once full, further text is dropped and `full` set. */
struct sb {
    char *b;
    size_t len, cap; /* cap includes the NUL */
    bool full;
};

static void sb_init(struct sb *s, char *buf, size_t cap)
{
    s->b = buf;
    s->len = 0;
    s->cap = cap;
    s->full = false;
    buf[0] = '\0';
}

static void sb_put(struct sb *s, const char *t, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->full = true;
        n = s->cap - 1 - s->len;
    }
    memcpy(s->b + s->len, t, n);
    s->len += n;
    s->b[s->len] = '\0';
}

static void sb_str(struct sb *s, const char *t)
{
    sb_put(s, t, strlen(t));
}

static void sb_u(struct sb *s, unsigned long v)
{
    char tmp[24];
    int k = snprintf(tmp, sizeof tmp, "%lu", v);
    sb_put(s, tmp, (size_t)k);
}

/* Untrusted bytes as text: printable ASCII kept, anything else becomes '.' (as pkt_strdup). */
static void sb_clean(struct sb *s, const uint8_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = (t[i] >= 0x20 && t[i] < 0x7f) ? (char)t[i] : '.';
        sb_put(s, &c, 1);
    }
}

/* ---- tables ---- */

struct tok {
    uint16_t v;
    const char *s;
};

/* Wireshark 4.0's dns_types_vals (its order and spellings, including the swapped MAILA/MAILB). */
static const struct tok dns_types[] = {
    {0, "Unused"},        {1, "A"},           {2, "NS"},          {3, "MD"},
    {4, "MF"},            {5, "CNAME"},       {6, "SOA"},         {7, "MB"},
    {8, "MG"},            {9, "MR"},          {10, "NULL"},       {11, "WKS"},
    {12, "PTR"},          {13, "HINFO"},      {14, "MINFO"},      {15, "MX"},
    {16, "TXT"},          {17, "RP"},         {18, "AFSDB"},      {19, "X25"},
    {20, "ISDN"},         {21, "RT"},         {22, "NSAP"},       {23, "NSAP-PTR"},
    {24, "SIG"},          {25, "KEY"},        {26, "PX"},         {27, "GPOS"},
    {28, "AAAA"},         {29, "LOC"},        {30, "NXT"},        {31, "EID"},
    {32, "NIMLOC"},       {33, "SRV"},        {34, "ATMA"},       {35, "NAPTR"},
    {36, "KX"},           {37, "CERT"},       {38, "A6"},         {39, "DNAME"},
    {40, "SINK"},         {41, "OPT"},        {42, "APL"},        {43, "DS"},
    {44, "SSHFP"},        {45, "IPSECKEY"},   {46, "RRSIG"},      {47, "NSEC"},
    {48, "DNSKEY"},       {49, "DHCID"},      {50, "NSEC3"},      {51, "NSEC3PARAM"},
    {52, "TLSA"},         {55, "HIP"},        {57, "RKEY"},       {58, "TALINK"},
    {59, "CDS"},          {60, "CDNSKEY"},    {61, "OPENPGPKEY"}, {62, "CSYNC"},
    {63, "ZONEMD"},       {64, "SVCB"},       {65, "HTTPS"},      {99, "SPF"},
    {100, "UINFO"},       {101, "UID"},       {102, "GID"},       {103, "UNSPEC"},
    {104, "NID"},         {105, "L32"},       {106, "L64"},       {107, "LP"},
    {108, "EUI48"},       {109, "EUI64"},     {249, "TKEY"},      {250, "TSIG"},
    {251, "IXFR"},        {252, "AXFR"},      {253, "MAILA"},     {254, "MAILB"},
    {255, "ANY"},         {256, "URI"},       {257, "CAA"},       {32768, "TA"},
    {32769, "DLV"},       {65281, "WINS"},    {65282, "WINS-R"},  {65422, "XPF"},
    {0, NULL},
};

static const char *const opcode_names[16] = {
    "Standard query", "Inverse query", "Server status request", NULL,
    "Zone change notification", "Dynamic update", "DNS Stateful operations (DSO)",
};

static const char *const rcode_names[16] = {
    "No error",        "Format error",       "Server failure",       "No such name",
    "Not implemented", "Refused",            "Name exists",          "RRset exists",
    "RRset does not exist", "Not authoritative", "Name out of zone", "DSO-Type not implemented",
};

const char *dns_type_name(uint16_t type)
{
    for (const struct tok *t = dns_types; t->s; t++)
        if (t->v == type)
            return t->s;
    return NULL;
}

static void sb_type(struct sb *s, uint16_t type)
{
    const char *n = dns_type_name(type);
    if (n) {
        sb_str(s, n);
    } else {
        sb_str(s, "Unknown (");
        sb_u(s, type);
        sb_str(s, ")");
    }
}

/* What Wireshark appends to Info after a record's type when RDLENGTH is not zero. */
enum info_kind {
    INFO_NONE,  /* nothing (TXT, OPT, RRSIG, ...) */
    INFO_DATA,  /* the rendered RDATA ("192.0.2.1", "10 mx.example.com") */
    INFO_OWNER, /* the record's owner name (Wireshark's choice for MB, RP, TLSA, ...) */
};

static enum info_kind info_kind(uint16_t type)
{
    switch (type) {
    case 1: case 2: case 5: case 6: case 11: case 12: case 13: case 15: case 28: case 30:
    case 33: case 35: case 36: case 39: case 47:
        return INFO_DATA;
    case 3: case 4: case 7: case 8: case 9: case 10: case 14: case 17: case 18: case 19:
    case 20: case 21: case 22: case 23: case 26: case 27: case 42: case 49: case 51: case 52:
    case 55:
        return INFO_OWNER;
    default:
        return INFO_NONE;
    }
}

/* ---- names ---- */

enum name_rc {
    NAME_OK,
    NAME_BAD_PTR,   /* pointer not strictly backwards, or too many hops: marker, go on */
    NAME_TOO_LONG,  /* more than 255 octets: marker, go on */
    NAME_BAD_LABEL, /* label type 01 or 10 (RFC 6891 §5 retired them): stop */
    NAME_SHORT,     /* ran out of bytes: stop */
};

/* Decode the (possibly compressed) name at m[*off]. On NAME_OK, NAME_BAD_PTR and NAME_TOO_LONG,
 * *off is moved past the name as it sits at its own position and out holds its text (or a
 * marker); on the other outcomes *off is left alone. Every pointer must point below the start
 * of the labels that led to it, so each hop moves strictly backwards and the walk ends. */
static enum name_rc dns_name(const uint8_t *m, size_t n, size_t *off, char *out)
{
    struct sb s;
    sb_init(&s, out, DNS_NAME_TEXT_MAX);
    size_t pos = *off, floor = *off, after = 0, wire = 1;
    unsigned hops = 0;
    bool jumped = false, too_long = false;
    for (;;) {
        if (pos >= n)
            return NAME_SHORT;
        uint8_t c = m[pos];
        if ((c & 0xC0) == 0xC0) {
            if (pos + 1 >= n)
                return NAME_SHORT;
            size_t target = ((size_t)(c & 0x3F) << 8) | m[pos + 1];
            if (!jumped) {
                after = pos + 2;
                jumped = true;
            }
            if (target >= floor || ++hops > DNS_PTR_HOPS_MAX) {
                sb_init(&s, out, DNS_NAME_TEXT_MAX);
                sb_str(&s, "<BAD PTR>");
                *off = after;
                return NAME_BAD_PTR;
            }
            pos = floor = target;
            continue;
        }
        if (c & 0xC0)
            return NAME_BAD_LABEL;
        pos++;
        if (c == 0)
            break;
        if (c > n - pos)
            return NAME_SHORT;
        wire += (size_t)c + 1;
        if (wire > DNS_NAME_WIRE_MAX)
            too_long = true;
        if (!too_long) {
            if (s.len)
                sb_put(&s, ".", 1);
            sb_clean(&s, m + pos, c);
        }
        pos += c;
    }
    *off = jumped ? after : pos;
    if (too_long) {
        sb_init(&s, out, DNS_NAME_TEXT_MAX);
        sb_str(&s, "<Name too long>");
        return NAME_TOO_LONG;
    }
    if (out[0] == '\0')
        sb_str(&s, "<Root>");
    return NAME_OK;
}

/* ---- the decoder's state ---- */

struct dns_dec {
    struct pkt *p;
    const uint8_t *m;
    size_t n;
    bool mdns;
    bool cut;      /* the capture is shorter than the message claims (snaplen) */
    uint8_t end;   /* enum dns_end; DNS_END_OK while going */
    const char *last_name; /* arena copy of the latest owner name, reused when repeated */
};

static void stop_short(struct dns_dec *d)
{
    d->end = d->cut ? DNS_END_CUT : DNS_END_BAD;
    if (!d->cut)
        d->p->dns.malformed = true;
}

/* Copy s into the arena if it fits whole; otherwise mark the arena full and return NULL. */
static const char *keep(struct dns_dec *d, const char *s)
{
    size_t len = strlen(s);
    if (d->p->arena_used + len + 1 > PKT_ARENA) {
        d->end = DNS_END_FULL;
        return NULL;
    }
    return pkt_cstr(d->p, s);
}

static const char *keep_name(struct dns_dec *d, const char *s)
{
    if (d->last_name && strcmp(d->last_name, s) == 0)
        return d->last_name;
    const char *k = keep(d, s);
    if (k)
        d->last_name = k;
    return k;
}

/* Handle a name outcome: true if decoding may go on. */
static bool name_ok(struct dns_dec *d, enum name_rc rc)
{
    switch (rc) {
    case NAME_OK:
        return true;
    case NAME_BAD_PTR:
    case NAME_TOO_LONG:
        d->p->dns.malformed = true;
        return true;
    case NAME_BAD_LABEL:
        d->end = DNS_END_BAD;
        d->p->dns.malformed = true;
        return false;
    case NAME_SHORT:
    default:
        stop_short(d);
        return false;
    }
}

/* ---- RDATA ---- */

/* Render the RDATA of a record at m[off..off+rdlen) into out. Names inside RDATA are followed
 * through compression pointers anywhere in the message. Returns false if the bytes needed are
 * not there (the record's data stays unknown) or a name in it is undecodable. */
static bool render_rdata(struct dns_dec *d, uint16_t type, size_t off, size_t rdlen, char *out)
{
    struct sb s;
    sb_init(&s, out, DNS_DATA_TEXT_MAX);
    if (rdlen > d->n - off)
        return false;
    struct rd r = rd_make(d->m + off, rdlen);
    char name[DNS_NAME_TEXT_MAX];
    size_t pos;
    switch (type) {
    case 1:  /* A */
    case 11: /* WKS: address first */
        if (!rd_has(&r, 4))
            return false;
        if (!inet_ntop(AF_INET, r.p, out, DNS_DATA_TEXT_MAX))
            return false;
        return true;
    case 28: /* AAAA */
        if (!rd_has(&r, 16))
            return false;
        if (!inet_ntop(AF_INET6, r.p, out, DNS_DATA_TEXT_MAX))
            return false;
        return true;
    case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 12: case 30: case 39:
    case 47:
        /* NS MD MF CNAME SOA(mname) MB MG MR PTR NXT DNAME NSEC: a name first */
        pos = off;
        if (!name_ok(d, dns_name(d->m, d->n, &pos, name)))
            return false;
        sb_str(&s, name);
        return true;
    case 15: /* MX */
    case 36: /* KX */
        if (!rd_has(&r, 2))
            return false;
        pos = off + 2;
        if (!name_ok(d, dns_name(d->m, d->n, &pos, name)))
            return false;
        sb_u(&s, rd_be16(&r));
        sb_put(&s, " ", 1);
        sb_str(&s, name);
        return true;
    case 33: { /* SRV: priority weight port target */
        if (!rd_has(&r, 6))
            return false;
        uint16_t prio = rd_be16(&r), weight = rd_be16(&r), port = rd_be16(&r);
        pos = off + 6;
        if (!name_ok(d, dns_name(d->m, d->n, &pos, name)))
            return false;
        sb_u(&s, prio);
        sb_put(&s, " ", 1);
        sb_u(&s, weight);
        sb_put(&s, " ", 1);
        sb_u(&s, port);
        sb_put(&s, " ", 1);
        sb_str(&s, name);
        return true;
    }
    case 16: /* TXT: the first character-string */
    case 13: /* HINFO: cpu os */
        for (int i = 0; i < (type == 13 ? 2 : 1); i++) {
            uint8_t len = rd_u8(&r);
            if (r.short_read || !rd_has(&r, len))
                return false;
            if (i)
                sb_put(&s, " ", 1);
            sb_clean(&s, r.p, len);
            rd_skip(&r, len);
        }
        return true;
    case 35: { /* NAPTR: order preference flags */
        uint16_t order = rd_be16(&r), pref = rd_be16(&r);
        uint8_t len = rd_u8(&r);
        if (r.short_read || !rd_has(&r, len))
            return false;
        sb_u(&s, order);
        sb_put(&s, " ", 1);
        sb_u(&s, pref);
        sb_put(&s, " ", 1);
        sb_clean(&s, r.p, len);
        return true;
    }
    default:
        sb_str(&s, "type ");
        sb_u(&s, type);
        return true;
    }
}

/* ---- Info fragments ---- */

static void sb_question(struct sb *s, const struct dns_rr *q, bool mdns)
{
    sb_put(s, " ", 1);
    sb_type(s, q->type);
    sb_put(s, " ", 1);
    sb_str(s, q->name);
    if (mdns)
        sb_str(s, (q->cls & DNS_CLASS_TOPBIT) ? ", \"QU\" question" : ", \"QM\" question");
}

/* data: "" when RDLENGTH is 0, NULL when the RDATA could not be read. */
static void sb_record(struct sb *s, const struct dns_rr *a, bool mdns)
{
    sb_put(s, " ", 1);
    sb_type(s, a->type);
    if (mdns && (a->cls & DNS_CLASS_TOPBIT))
        sb_str(s, ", cache flush");
    if (a->data && a->data[0] == '\0')
        return;
    enum info_kind k = info_kind(a->type);
    if (k == INFO_OWNER) {
        sb_put(s, " ", 1);
        sb_str(s, a->name);
    } else if (k == INFO_DATA && a->data) {
        sb_put(s, " ", 1);
        sb_str(s, a->data);
    }
}

/* ---- sections ---- */

static void dns_questions(struct dns_dec *d, size_t *off, struct sb *more)
{
    struct pkt_dns *dns = &d->p->dns;
    char name[DNS_NAME_TEXT_MAX];
    for (unsigned i = 0; i < dns->qdcount && d->end == DNS_END_OK; i++) {
        size_t pos = *off;
        if (!name_ok(d, dns_name(d->m, d->n, &pos, name)))
            return;
        if (d->n - pos < 4) {
            stop_short(d);
            return;
        }
        struct dns_rr q = {0};
        q.name = name;
        q.type = ld_be16(d->m + pos);
        q.cls = ld_be16(d->m + pos + 2);
        *off = pos + 4;
        if (dns->nq < PKT_DNS_MAX_Q) {
            q.name = keep_name(d, name);
            if (!q.name)
                return;
            dns->q[dns->nq++] = q;
        } else {
            sb_question(more, &q, d->mdns);
        }
    }
}

static void dns_records(struct dns_dec *d, size_t *off, unsigned count, bool answers,
                        struct sb *more)
{
    struct pkt_dns *dns = &d->p->dns;
    char name[DNS_NAME_TEXT_MAX], data[DNS_DATA_TEXT_MAX];
    for (unsigned i = 0; i < count && d->end == DNS_END_OK; i++) {
        size_t pos = *off;
        if (!name_ok(d, dns_name(d->m, d->n, &pos, name)))
            return;
        if (d->n - pos < 10) {
            stop_short(d);
            return;
        }
        struct dns_rr a = {0};
        a.name = name;
        a.type = ld_be16(d->m + pos);
        a.cls = ld_be16(d->m + pos + 2);
        a.ttl = ld_be32(d->m + pos + 4);
        size_t rdlen = ld_be16(d->m + pos + 8);
        pos += 10;
        bool have = true;
        if (rdlen == 0) {
            data[0] = '\0';
        } else {
            uint8_t end_before = d->end;
            have = render_rdata(d, a.type, pos, rdlen, data);
            if (!have && d->end == end_before)
                stop_short(d); /* the RDATA itself is not all there */
        }
        a.data = have ? data : NULL;
        *off = pos + rdlen;
        bool kept = false;
        if (answers && dns->na < PKT_DNS_MAX_A) {
            const char *kn = keep_name(d, name);
            const char *kd = have ? keep(d, data) : NULL;
            if (kn && (!have || kd)) {
                a.name = kn;
                a.data = kd;
                dns->a[dns->na++] = a;
                kept = true;
            } else {
                return; /* arena full */
            }
        }
        if (!kept)
            sb_record(more, &a, d->mdns);
    }
}

void dis_dns(struct pkt *p, const uint8_t *b, size_t n)
{
    if (n == 0)
        return;
    struct pkt_dns *dns = &p->dns;
    memset(dns, 0, sizeof *dns);
    p->app = APP_DNS;

    struct dns_dec d = {0};
    d.p = p;
    d.m = b;
    d.n = n;
    d.mdns = p->sport == MDNS_PORT || p->dport == MDNS_PORT;
    d.cut = p->payload_len > p->payload_caplen;

    struct rd r = rd_make(b, n);
    dns->id = rd_be16(&r);
    dns->flags = rd_be16(&r);
    if (r.short_read) {
        dns->id = dns->flags = 0;
        stop_short(&d);
        dns->end = d.end | DNS_END_NOHDR;
        return;
    }
    dns->qdcount = rd_be16(&r);
    dns->ancount = rd_be16(&r);
    dns->nscount = rd_be16(&r);
    dns->arcount = rd_be16(&r);
    if (r.short_read) {
        stop_short(&d);
        dns->end = d.end;
        return;
    }

    char qbuf[PKT_ARENA], rbuf[PKT_ARENA];
    struct sb qmore, rmore;
    sb_init(&qmore, qbuf, sizeof qbuf);
    sb_init(&rmore, rbuf, sizeof rbuf);
    size_t off = DNS_HDR_LEN;
    dns_questions(&d, &off, &qmore);
    dns_records(&d, &off, dns->ancount, true, &rmore);
    dns_records(&d, &off, dns->nscount, false, &rmore);
    dns_records(&d, &off, dns->arcount, false, &rmore);

    /* Keep the overflow text; when it does not fit, keep what does and say the arena is full. */
    if (qmore.len) {
        dns->q_more = keep(&d, qbuf);
    }
    if (rmore.len) {
        size_t room = PKT_ARENA - p->arena_used;
        if (room > 1 && rmore.len + 1 > room) {
            rbuf[room - 1] = '\0';
            d.end = DNS_END_FULL;
        }
        if (room > 1)
            dns->rr_more = pkt_cstr(p, rbuf);
        else
            d.end = DNS_END_FULL;
    }
    if (qmore.full || rmore.full)
        d.end = DNS_END_FULL;
    dns->end = d.end;
}

/* ---- Info ---- */

void dns_info(struct obuf *ob, const struct pkt *p)
{
    const struct pkt_dns *dns = &p->dns;
    bool mdns = p->sport == MDNS_PORT || p->dport == MDNS_PORT;
    char buf[4096]; /* Wireshark's COL_MAX_INFO_LEN */
    struct sb s;
    sb_init(&s, buf, sizeof buf);
    if (!(dns->end & DNS_END_NOHDR)) {
        unsigned opcode = (dns->flags >> 11) & 0xF, rcode = dns->flags & 0xF;
        if (opcode_names[opcode]) {
            sb_str(&s, opcode_names[opcode]);
        } else {
            sb_str(&s, "Unknown operation (");
            sb_u(&s, opcode);
            sb_str(&s, ")");
        }
        if (dns->flags & DNS_F_QR)
            sb_str(&s, " response");
        char id[8];
        snprintf(id, sizeof id, " 0x%04x", dns->id);
        sb_str(&s, id);
        if ((dns->flags & DNS_F_QR) && rcode) {
            sb_put(&s, " ", 1);
            if (rcode_names[rcode]) {
                sb_str(&s, rcode_names[rcode]);
            } else {
                sb_str(&s, "Unknown error (");
                sb_u(&s, rcode);
                sb_str(&s, ")");
            }
        }
        for (unsigned i = 0; i < dns->nq; i++)
            sb_question(&s, &dns->q[i], mdns);
        if (dns->q_more)
            sb_str(&s, dns->q_more);
        for (unsigned i = 0; i < dns->na; i++)
            sb_record(&s, &dns->a[i], mdns);
        if (dns->rr_more)
            sb_str(&s, dns->rr_more);
    }
    ob_write(ob, s.b, s.len);
    switch (dns->end & ~DNS_END_NOHDR) {
    case DNS_END_CUT:
        ob_puts(ob, "[Packet size limited during capture]");
        break;
    case DNS_END_BAD:
        ob_puts(ob, "[Malformed Packet]");
        break;
    case DNS_END_FULL:
        ob_puts(ob, " ...");
        break;
    default:
        break;
    }
}
