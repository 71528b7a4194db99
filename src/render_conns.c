/* summary: the connection table: text, JSON Lines and Zeek conn.log (render_conns.h). */
#include "render_conns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn_summary.h"
#include "render_info.h"
#include "xalloc.h"

#define HEAP_CAP 65536u   /* rows held back waiting for a lower stream */
#define BATCH_CAP 4096u   /* text rows measured together for the column widths */
#define NCOL 16
#define CELL 64

struct row {
    char cell[NCOL][CELL];
};

/* a set of stream ids (live: rows already printed), open addressing */
struct idset {
    uint32_t *v;   /* id + 1; 0 = empty */
    uint32_t cap, n;
};

struct conns_ctx {
    struct obuf *ob;
    struct conns_opts o;
    bool have_base;
    int64_t base;              /* first packet time */
    /* stream order */
    struct conn_summary *heap;
    uint32_t nheap, capheap;
    uint64_t next;             /* next stream to print */
    uint64_t rows, out_of_order;
    /* text */
    struct row *batch;
    uint32_t nbatch;
    bool header_done;          /* text header or Zeek preamble written */
    int width[NCOL];
    /* live */
    struct idset printed;
};

/* ---- the id set ---- */

static uint32_t id_slot(const struct idset *s, uint32_t id)
{
    return (id * 2654435761u) & (s->cap - 1);
}

static bool idset_has(const struct idset *s, uint32_t id)
{
    if (!s->cap)
        return false;
    for (uint32_t i = id_slot(s, id);; i = (i + 1) & (s->cap - 1)) {
        if (s->v[i] == 0)
            return false;
        if (s->v[i] == id + 1)
            return true;
    }
}

static void idset_add(struct idset *s, uint32_t id);

static void idset_grow(struct idset *s)
{
    struct idset old = *s;
    s->cap = old.cap ? old.cap * 2 : 64;
    s->v = xcalloc(s->cap, sizeof *s->v);
    s->n = 0;
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.v[i])
            idset_add(s, old.v[i] - 1);
    free(old.v);
}

static void idset_add(struct idset *s, uint32_t id)
{
    if ((s->n + 1) * 2 > s->cap)
        idset_grow(s);
    uint32_t i = id_slot(s, id);
    while (s->v[i] && s->v[i] != id + 1)
        i = (i + 1) & (s->cap - 1);
    if (!s->v[i])
        s->n++;
    s->v[i] = id + 1;
}

/* remove with backward-shift deletion (keeps probe chains intact) */
static bool idset_del(struct idset *s, uint32_t id)
{
    if (!s->cap)
        return false;
    uint32_t m = s->cap - 1, i = id_slot(s, id);
    while (s->v[i] != id + 1) {
        if (!s->v[i])
            return false;
        i = (i + 1) & m;
    }
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & m;
        if (!s->v[j])
            break;
        uint32_t k = id_slot(s, s->v[j] - 1);
        /* move v[j] into the hole at i unless its home k lies cyclically in (i, j] */
        if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
            s->v[i] = s->v[j];
            i = j;
        }
    }
    s->v[i] = 0;
    s->n--;
    return true;
}

/* ---- formatting helpers ---- */

static void ob_secs(struct obuf *ob, int64_t ns)
{
    ob_fixed(ob, ns / 1000, 6);
}

static void endpoint_str(char *out, size_t n, const struct conn_side *d)
{
    char a[64];
    size_t l = info_addr(&d->addr, a);
    a[l] = '\0';
    if (d->addr.family == 6)
        snprintf(out, n, "[%.46s]:%u", a, d->port);
    else
        snprintf(out, n, "%.46s:%u", a, d->port);
}

static void addr_only(char *out, const struct conn_side *d)
{
    size_t l = info_addr(&d->addr, out);
    out[l] = '\0';
}

/* ---- text ---- */

static const char *const col_head[NCOL] = {
    "ID", "CLIENT", "", "SERVER", "START", "DURATION", "PKTS >/<", "BYTES >/<", "IRTT",
    "RETR", "LOST", "ZWIN", "BEGAN", "ENDED", "STATE", "HISTORY",
};
/* right-aligned columns */
static const bool col_right[NCOL] = {
    true, false, false, false, true, true, true, true, true, true, true, true, false, false, false,
    false,
};

static void fmt_secs(char *out, int64_t ns)
{
    struct obuf t;
    ob_init_mem(&t, CELL);
    ob_secs(&t, ns);
    snprintf(out, CELL, "%s", ob_cstr(&t));
    ob_free(&t);
}

static void text_row(struct conns_ctx *c, const struct conn_summary *s, struct row *r)
{
    snprintf(r->cell[0], CELL, "%u", s->stream);
    endpoint_str(r->cell[1], CELL, &s->client);
    snprintf(r->cell[2], CELL, "->");
    endpoint_str(r->cell[3], CELL, &s->server);
    fmt_secs(r->cell[4], ts_diff(s->ts_start, c->base));
    fmt_secs(r->cell[5], s->duration);
    snprintf(r->cell[6], CELL, "%llu/%llu", (unsigned long long)s->client.pkts,
             (unsigned long long)s->server.pkts);
    snprintf(r->cell[7], CELL, "%llu/%llu", (unsigned long long)s->client.bytes,
             (unsigned long long)s->server.bytes);
    if (s->irtt > 0)
        fmt_secs(r->cell[8], s->irtt);
    else
        snprintf(r->cell[8], CELL, "-");
    snprintf(r->cell[9], CELL, "%u", s->retrans);
    snprintf(r->cell[10], CELL, "%u", s->lost);
    snprintf(r->cell[11], CELL, "%u", s->zero_windows);
    snprintf(r->cell[12], CELL, "%s", conn_began_text(s->began));
    snprintf(r->cell[13], CELL, "%s", conn_ended_text(s->ended));
    snprintf(r->cell[14], CELL, "%s", s->conn_state);
    snprintf(r->cell[15], CELL, "%s", s->history[0] ? s->history : "-");
}

static void text_line(struct conns_ctx *c, const char *const *cells)
{
    struct obuf *ob = c->ob;
    ob_ensure(ob, 1024);
    size_t start = ob->len;
    size_t col = 0;
    for (int i = 0; i < NCOL; i++) {
        size_t w = (size_t)c->width[i], l = strlen(cells[i]);
        if (i)
            col += 2;
        ob_pad_to(ob, start, col);
        if (col_right[i] && l < w)
            ob_pad_to(ob, start, col + w - l);
        ob_puts(ob, cells[i]);
        col += w;
    }
    /* no trailing blanks */
    while (ob->len > start && ob->buf[ob->len - 1] == ' ')
        ob->len--;
    ob_putc(ob, '\n');
}

static void text_flush(struct conns_ctx *c)
{
    if (!c->nbatch && c->header_done)
        return;
    for (int i = 0; i < NCOL; i++) {
        int w = (int)strlen(col_head[i]);
        if (w > c->width[i])
            c->width[i] = w;
        for (uint32_t k = 0; k < c->nbatch; k++) {
            int l = (int)strlen(c->batch[k].cell[i]);
            if (l > c->width[i])
                c->width[i] = l;
        }
    }
    if (!c->header_done) {
        text_line(c, col_head);
        c->header_done = true;
    }
    for (uint32_t k = 0; k < c->nbatch; k++) {
        const char *cells[NCOL];
        for (int i = 0; i < NCOL; i++)
            cells[i] = c->batch[k].cell[i];
        text_line(c, cells);
    }
    c->nbatch = 0;
}

/* ---- JSON ---- */

static void json_side(struct obuf *ob, const struct conn_side *d)
{
    char a[64];
    addr_only(a, d);
    ob_puts(ob, "{\"addr\":");
    ob_json_cstr(ob, a);
    ob_printf(ob, ",\"port\":%u,\"pkts\":%llu,\"bytes\":%llu,\"ip_bytes\":%llu,"
                  "\"seq_bytes\":%llu,\"missed_bytes\":%llu,\"retransmissions\":%u,"
                  "\"lost_segments\":%u,\"zero_windows\":%u,\"dup_acks\":%u,"
                  "\"out_of_order\":%u,\"keep_alives\":%u,\"syn\":%s,\"fin\":%s,\"rst\":%s,"
                  "\"state\":",
              d->port, (unsigned long long)d->pkts, (unsigned long long)d->bytes,
              (unsigned long long)d->ip_bytes, (unsigned long long)d->seq_bytes,
              (unsigned long long)d->missed_bytes, d->retrans, d->lost, d->zero_windows,
              d->dup_acks, d->out_of_order, d->keep_alives, d->syn || d->synack ? "true" : "false",
              d->fin ? "true" : "false", d->rst ? "true" : "false");
    ob_json_cstr(ob, d->rfc_state);
    ob_putc(ob, '}');
}

static void json_row(struct conns_ctx *c, const struct conn_summary *s)
{
    struct obuf *ob = c->ob;
    ob_ensure(ob, 2048);
    ob_printf(ob, "{\"stream\":%u,\"start\":", s->stream);
    ob_secs(ob, ts_diff(s->ts_start, c->base));
    ob_puts(ob, ",\"ts\":");
    ob_secs(ob, s->ts_start);
    ob_puts(ob, ",\"duration\":");
    ob_secs(ob, s->duration);
    ob_puts(ob, ",\"client\":");
    json_side(ob, &s->client);
    ob_puts(ob, ",\"server\":");
    json_side(ob, &s->server);
    ob_printf(ob, ",\"pkts\":%llu,\"irtt\":", (unsigned long long)s->pkts);
    if (s->irtt > 0)
        ob_fixed(ob, s->irtt, 9);
    else
        ob_puts(ob, "null");
    ob_printf(ob, ",\"retransmissions\":%u,\"lost_segments\":%u,\"zero_windows\":%u,"
                  "\"dup_acks\":%u,\"began\":",
              s->retrans, s->lost, s->zero_windows, s->dup_acks);
    ob_json_cstr(ob, conn_began_name(s->began));
    ob_puts(ob, ",\"ended\":");
    ob_json_cstr(ob, conn_ended_name(s->ended));
    ob_puts(ob, ",\"conn_state\":");
    ob_json_cstr(ob, s->conn_state);
    ob_puts(ob, ",\"history\":");
    ob_json_cstr(ob, s->history);
    ob_printf(ob, ",\"first_frame\":%llu,\"last_frame\":%llu}\n",
              (unsigned long long)s->first_frame, (unsigned long long)s->last_frame);
}

/* ---- Zeek conn.log ---- */

static const char zeek_fields[] =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"
    "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\t"
    "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents";
static const char zeek_types[] =
    "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\t"
    "bool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]";

static void zeek_stamp(struct obuf *ob, const char *what)
{
    char buf[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d-%H-%M-%S", &tm);
    ob_printf(ob, "#%s\t%s\n", what, buf);
}

static void zeek_header(struct obuf *ob)
{
    ob_puts(ob, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                "#unset_field\t-\n#path\tconn\n");
    zeek_stamp(ob, "open");
    ob_printf(ob, "#fields\t%s\n#types\t%s\n", zeek_fields, zeek_types);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

void conns_zeek_uid(const struct conn_summary *s, char out[20])
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t h = mix((uint64_t)s->ts_start ^ ((uint64_t)s->stream << 40));
    for (int i = 0; i < 16; i++) {
        h = mix(h ^ s->client.addr.a[i] ^ ((uint64_t)s->server.addr.a[i] << 8));
    }
    uint64_t h2 = mix(h ^ ((uint64_t)s->client.port << 16 | s->server.port));
    out[0] = 'C';
    for (int i = 1; i <= 17; i++) {
        uint64_t *w = i <= 9 ? &h : &h2;
        out[i] = b62[*w % 62];
        *w /= 62;
    }
    out[18] = '\0';
}

static void zeek_row(struct conns_ctx *c, const struct conn_summary *s)
{
    struct obuf *ob = c->ob;
    char a[64], b[64], uid[20];
    addr_only(a, &s->client);
    addr_only(b, &s->server);
    conns_zeek_uid(s, uid);
    ob_ensure(ob, 1024);
    ob_secs(ob, s->ts_start);
    ob_printf(ob, "\t%s\t%s\t%u\t%s\t%u\ttcp\t-\t", uid, a, s->client.port, b, s->server.port);
    /* as Zeek: duration and byte counts only when the duration is positive */
    if (s->zeek_duration > 0) {
        ob_secs(ob, s->zeek_duration);
        ob_printf(ob, "\t%llu\t%llu", (unsigned long long)s->client.seq_bytes,
                  (unsigned long long)s->server.seq_bytes);
    } else {
        ob_puts(ob, "-\t-\t-");
    }
    ob_printf(ob, "\t%s\t-\t-\t%llu\t%s\t%llu\t%llu\t%llu\t%llu\t-\n", s->conn_state,
              (unsigned long long)(s->client.missed_bytes + s->server.missed_bytes),
              s->history[0] ? s->history : "-", (unsigned long long)s->client.pkts,
              (unsigned long long)s->client.ip_bytes, (unsigned long long)s->server.pkts,
              (unsigned long long)s->server.ip_bytes);
}

/* ---- rows ---- */

static void emit(struct conns_ctx *c, const struct conn_summary *s)
{
    if (c->o.one_stream && s->stream != c->o.stream)
        return;
    if (!s->pkts)
        return; /* only ICMP errors quoted it */
    c->rows++;
    switch (c->o.fmt) {
    case CONNS_JSON:
        json_row(c, s);
        break;
    case CONNS_ZEEK:
        if (!c->header_done) {
            zeek_header(c->ob);
            c->header_done = true;
        }
        zeek_row(c, s);
        break;
    case CONNS_TEXT:
        if (c->o.live) {
            /* printed at once: widths fixed by the header and the rows so far */
            struct row r;
            text_row(c, s, &r);
            c->batch = c->batch ? c->batch : xmalloc(sizeof *c->batch);
            c->batch[0] = r;
            c->nbatch = 1;
            text_flush(c);
        } else {
            if (!c->batch)
                c->batch = xmalloc(BATCH_CAP * sizeof *c->batch);
            text_row(c, s, &c->batch[c->nbatch++]);
            if (c->nbatch == BATCH_CAP)
                text_flush(c);
        }
        break;
    }
    if (c->o.live)
        ob_flush(c->ob);
}

static bool heap_less(const struct conn_summary *x, const struct conn_summary *y)
{
    return x->stream < y->stream;
}

static void heap_push(struct conns_ctx *c, const struct conn_summary *s)
{
    if (c->nheap == c->capheap) {
        c->capheap = c->capheap ? c->capheap * 2 : 16;
        c->heap = xrealloc(c->heap, c->capheap * sizeof *c->heap);
    }
    uint32_t i = c->nheap++;
    c->heap[i] = *s;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!heap_less(&c->heap[i], &c->heap[p]))
            break;
        struct conn_summary t = c->heap[i];
        c->heap[i] = c->heap[p];
        c->heap[p] = t;
        i = p;
    }
}

static void heap_pop(struct conns_ctx *c, struct conn_summary *out)
{
    *out = c->heap[0];
    c->heap[0] = c->heap[--c->nheap];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->nheap && heap_less(&c->heap[l], &c->heap[m]))
            m = l;
        if (r < c->nheap && heap_less(&c->heap[r], &c->heap[m]))
            m = r;
        if (m == i)
            break;
        struct conn_summary t = c->heap[i];
        c->heap[i] = c->heap[m];
        c->heap[m] = t;
        i = m;
    }
}

static void drain(struct conns_ctx *c, bool all)
{
    struct conn_summary s;
    while (c->nheap && (all || c->heap[0].stream <= c->next || c->nheap > HEAP_CAP)) {
        heap_pop(c, &s);
        if (s.stream < c->next)
            c->out_of_order++;
        if (s.stream >= c->next)
            c->next = (uint64_t)s.stream + 1;
        emit(c, &s);
    }
}

static void conns_conn(void *vctx, const struct tcp_conn *tc)
{
    struct conns_ctx *c = vctx;
    struct conn_summary s;
    if (c->o.live) {
        /* printed when it closed, or now: it left the tracker (the rest come in stream order
         * at the end) */
        if (!idset_del(&c->printed, tc->stream)) {
            conn_summarize(tc, &s);
            emit(c, &s);
        }
        return;
    }
    conn_summarize(tc, &s);
    if (!c->have_base) {
        c->have_base = true;
        c->base = s.ts_start;
    }
    heap_push(c, &s);
    drain(c, false);
}

static void conns_packet(void *vctx, const struct pkt_event *ev)
{
    struct conns_ctx *c = vctx;
    if (!c->have_base) {
        c->have_base = true;
        c->base = ts_diff(ev->t_abs, ev->t_rel);
    }
    if (!c->o.live || !ev->tcp || !ev->tcp->conn || ev->tcp->inner)
        return;
    const struct tcp_conn *tc = ev->tcp->conn;
    if (!tc->closed || idset_has(&c->printed, tc->stream))
        return;
    struct conn_summary s;
    conn_summarize(tc, &s);
    idset_add(&c->printed, tc->stream);
    emit(c, &s);
}

static void conns_finish(void *vctx, const struct run_info *ri)
{
    struct conns_ctx *c = vctx;
    (void)ri;
    drain(c, true);
    if (c->o.fmt == CONNS_TEXT && !c->o.live)
        text_flush(c);
    if (c->o.fmt == CONNS_ZEEK) {
        if (!c->header_done)
            zeek_header(c->ob);
        c->header_done = true;
        zeek_stamp(c->ob, "close");
    }
    ob_flush(c->ob);
}

struct sink render_conns_sink(struct obuf *ob, const struct conns_opts *o)
{
    struct conns_ctx *c = xcalloc(1, sizeof *c);
    c->ob = ob;
    c->o = *o;
    if (o->fmt == CONNS_TEXT && o->live) {
        /* fixed widths for rows printed as they come */
        static const int live_w[NCOL] = {4, 21, 2, 21, 10, 10, 9, 13, 8, 4, 4, 4, 15, 13, 5, 7};
        memcpy(c->width, live_w, sizeof live_w);
    }
    struct sink s = {c, conns_packet, conns_conn, conns_finish};
    return s;
}

void render_conns_counts(const struct sink *s, uint64_t *rows, uint64_t *out_of_order)
{
    const struct conns_ctx *c = s->ctx;
    *rows = c->rows;
    *out_of_order = c->out_of_order;
}

void render_conns_free(struct sink *s)
{
    struct conns_ctx *c = s->ctx;
    if (!c)
        return;
    free(c->heap);
    free(c->batch);
    free(c->printed.v);
    free(c);
    s->ctx = NULL;
}
