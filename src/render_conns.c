/* summary: the connection table: text, JSON Lines and Zeek conn.log (render_conns.h). */
#include "render_conns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn_summary.h"
#include "render_info.h"
#include "xalloc.h"

#define WIN 4096u         /* default: rows waiting for a lower stream kept in memory */
#define ST_MIN 65536u     /* initial span of the per-stream state bytes */
#define PUNCH (1u << 20)  /* spill bytes freed at a time once printed */
#define SB 32u            /* rows of a spill block: the unit of reading and caching */
#define SCACHE 256u       /* spill blocks cached in memory (direct-mapped by block number) */
#define BATCH_CAP 4096u   /* text rows measured together for the column widths */
#define NCOL 16
#define CELL 64
#define SLACK 64          /* bytes a row may scribble past its end (16-byte copies) */
#define NAMES 8           /* enum values of conn_began and conn_ended given text cells */
#define JSON_ROW_MAX 4096 /* a JSON row is shorter (bounded fields; see json_row) */
#define ZEEK_ROW_MAX 1024 /* a Zeek row is shorter */

/* a text row waiting in the batch: its cells one after the other in the batch's text */
struct row {
    uint32_t off;
    uint8_t len[NCOL];
};

/* what is known of a stream not printed yet (one byte each, from `next` on) */
#define ST_HAVE 1u        /* a row is stored */
#define ST_SPILL 2u       /* ... in the spill file, else in the window */
#define ST_HOLD 4u        /* its conversation was evicted: a later part may still come */

/* A cached block of the spill file: rows block*SB .. block*SB+SB-1. A row is written to the file
 * when its block leaves the cache (runs of changed rows, one write each; a block none of whose
 * rows was ever in the file in one write, gaps included) and read with its whole block: one
 * system call per SB rows instead of one per row each way. A slot keeps the newest block that
 * maps to it: a row that arrives late, for a block that already made way for a newer one, goes
 * straight to the file (and comes back from it), instead of pushing the newer block out
 * half-filled and taking its place for one row. */
struct sblock {
    uint64_t block;            /* UINT64_MAX: empty */
    uint64_t have, dirty;      /* rows held here; rows changed since read */
    bool fresh;                /* no row of this block was in the file when it came in */
    struct conn_summary row[SB];
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
    /* stream order: rows of streams from `next` on wait in `win` (stream % WIN) while they are
     * within WIN of `next`, further ones in the spill file at offset stream * sizeof row */
    struct conn_summary *win;
    uint32_t nwin;             /* WIN, or conns_opts.window */
    uint8_t *st;               /* state of stream st_base + i */
    uint64_t st_base;
    size_t st_cap;
    uint64_t next;             /* next stream to print */
    uint64_t hi;               /* one past the highest stream stored */
    int spill_fd;              /* -1: not opened yet; -2: could not be */
    struct sblock *scache;     /* nscache blocks of the spill file (NULL until the first spill) */
    uint32_t nscache;          /* SCACHE, or conns_opts.spill_blocks */
    uint64_t punched;          /* spill bytes before this offset were given back */
    uint64_t fresh_from;       /* no row of a block from this one on has been in the file */
    struct conn_summary tmp;
    struct conn_summary one;   /* -s: the chosen stream's parts so far */
    bool one_have, one_done;
    uint64_t rows, out_of_order;
    /* text */
    struct row *batch;
    uint32_t nbatch;
    char *text;                /* the batch's cells */
    size_t ntext, captext;
    bool header_done;          /* text header or Zeek preamble written */
    int width[NCOL];
    uint8_t bmax[NCOL];        /* the longest cell of each column in the batch */
    /* the BEGAN and ENDED cells of enum values 0..NAMES-1, zero-padded to CELL bytes */
    char began_cell[NAMES][CELL], ended_cell[NAMES][CELL];
    uint8_t began_len[NAMES], ended_len[NAMES];
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

/* ---- formatting helpers ----
 * Rows are formatted straight into the output (or the text batch) with the fmt_* functions of
 * outbuf.h: no printf, no allocation per row. */

/* an address as info_addr writes it (at most 45 characters, never anything to escape) */
static char *put_addr(char *p, const struct addr *a)
{
    return p + info_addr(a, p);
}

/* a string, at most `cap` bytes of it */
static char *put_str(char *p, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    memcpy(p, s, n);
    return p + n;
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

/* Cells: every one is ASCII, so its width is its length. */
static char *cell_pair(char *p, uint64_t a, uint64_t b)
{
    p = fmt_u64(p, a);
    *p++ = '/';
    return fmt_u64(p, b);
}

static char *cell_endpoint(char *p, const struct conn_side *d)
{
    if (d->addr.family == 6) {
        *p++ = '[';
        p = put_addr(p, &d->addr);
        *p++ = ']';
    } else {
        p = put_addr(p, &d->addr);
    }
    *p++ = ':';
    return fmt_u64(p, d->port);
}

/* a cell of a string at most CELL - 1 bytes long, copied as a whole CELL-byte slot */
static void name_cell(const char *s, char *cell, uint8_t *len)
{
    size_t n = strnlen(s, CELL - 1);
    memset(cell, 0, CELL);
    memcpy(cell, s, n);
    *len = (uint8_t)n;
}

/* a text name cell: a fixed-size copy of its slot (v < NAMES) */
static char *put_name(char *p, unsigned v, const char (*cells)[CELL], const uint8_t *lens)
{
    memcpy(p, cells[v], CELL);
    return p + lens[v];
}

/* length of a NUL-terminated string within n bytes (short ones: a loop beats a call) */
static size_t short_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i])
        i++;
    return i;
}

/* The row's cells one after the other into the batch's text (at most NCOL * CELL bytes, and
 * copies of up to CELL bytes from a cell's start). */
static void text_row(struct conns_ctx *c, const struct conn_summary *s, struct row *r)
{
    if (c->captext - c->ntext < NCOL * CELL + SLACK) {
        c->captext = c->captext ? c->captext * 2 : 64 * NCOL * CELL;
        c->text = xrealloc(c->text, c->captext);
    }
    char *p = c->text + c->ntext, *e;
    uint8_t len[NCOL];
    r->off = (uint32_t)c->ntext;
#define CELL_PUT(i, expr) (e = (expr), len[i] = (uint8_t)(e - p), p = e)
    CELL_PUT(0, fmt_u64(p, s->stream));
    CELL_PUT(1, cell_endpoint(p, &s->client));
    CELL_PUT(2, FMT_LIT(p, "->"));
    CELL_PUT(3, cell_endpoint(p, &s->server));
    CELL_PUT(4, fmt_secs(p, ts_diff(s->ts_start, c->base)));
    CELL_PUT(5, fmt_secs(p, s->duration));
    CELL_PUT(6, cell_pair(p, s->client.pkts, s->server.pkts));
    CELL_PUT(7, cell_pair(p, s->client.bytes, s->server.bytes));
    CELL_PUT(8, s->irtt > 0 ? fmt_secs(p, s->irtt) : FMT_LIT(p, "-"));
    CELL_PUT(9, fmt_u64(p, s->retrans));
    CELL_PUT(10, fmt_u64(p, s->lost));
    CELL_PUT(11, fmt_u64(p, s->zero_windows));
    unsigned b = (unsigned)s->began, x = (unsigned)s->ended;
    CELL_PUT(12, b < NAMES ? put_name(p, b, c->began_cell, c->began_len)
                           : put_str(p, conn_began_text(s->began), CELL - 1));
    CELL_PUT(13, x < NAMES ? put_name(p, x, c->ended_cell, c->ended_len)
                           : put_str(p, conn_ended_text(s->ended), CELL - 1));
    /* conn_state and history: whole arrays (NUL-terminated, under CELL bytes) */
    _Static_assert(sizeof s->conn_state < CELL && sizeof s->history < CELL, "cell too small");
    memcpy(p, s->conn_state, sizeof s->conn_state);
    CELL_PUT(14, p + short_len(s->conn_state, sizeof s->conn_state));
    memcpy(p, s->history, sizeof s->history);
    CELL_PUT(15, s->history[0] ? p + strnlen(s->history, sizeof s->history) : FMT_LIT(p, "-"));
#undef CELL_PUT
    c->ntext = (size_t)(p - c->text);
    memcpy(r->len, len, sizeof len);
    uint8_t m[NCOL]; /* local copies: a loop the compiler does in one vector max */
    memcpy(m, c->bmax, sizeof m);
    for (int i = 0; i < NCOL; i++)
        m[i] = len[i] > m[i] ? len[i] : m[i];
    memcpy(c->bmax, m, sizeof m);
}

static void ob_spaces(struct obuf *ob, size_t n)
{
    static const char sp[] = "                                                                ";
    while (n) {
        size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
        ob_write(ob, sp, k);
        n -= k;
    }
}

/* One line in one pass: the blanks before a cell are written only when a cell follows, so the
 * line has no trailing blanks. */
static void text_line(struct conns_ctx *c, const char *const *cells, const uint8_t *lens)
{
    struct obuf *ob = c->ob;
    size_t pend = 0;
    for (int i = 0; i < NCOL; i++) {
        size_t w = (size_t)c->width[i], l = lens[i];
        if (i)
            pend += 2;
        if (col_right[i] && l < w)
            pend += w - l;
        if (l) {
            ob_spaces(ob, pend);
            ob_write(ob, cells[i], l);
            pend = 0;
        }
        if (!col_right[i] && l < w)
            pend += w - l;
    }
    ob_putc(ob, '\n');
}

/* n blanks, or a cell of n bytes (n may be 0), copied 16 bytes at a time: up to 15 bytes past
 * the end are written (and read), to be overwritten by what follows */
static char *put_blanks(char *q, size_t n)
{
    /* no loop: a compiler would make a loop of these stores a call to memset */
    static const char sp[33] = "                                ";
    memcpy(q, sp, 16);
    if (n > 16) {
        memcpy(q + 16, sp + 16, 16);
        if (n > 32)
            memset(q + 32, ' ', n - 32);
    }
    return q + n;
}

static char *put_cell(char *q, const char *s, size_t n)
{
    char *e = q + n;
    do {
        memcpy(q, s, 16);
        q += 16;
        s += 16;
    } while (q < e);
    return e;
}

/* text_line for a batch row whose cells all fit their widths, into room reserved in the output
 * (the line's bound plus SLACK); the cells lie one after the other from `cell`, with SLACK
 * readable bytes after the last. Returns the line's end. */
static char *text_line_fast(const struct conns_ctx *c, char *q, const char *cell,
                            const uint8_t *lens)
{
    size_t pend = 0, l;
    /* the loop of text_line unrolled (col_right[i] is then a constant for each column) */
#define COL(i)                                                                                 \
    l = lens[i];                                                                               \
    pend += ((i) ? 2 : 0) + (col_right[i] ? (size_t)c->width[i] - l : 0);                     \
    if (l) {                                                                                   \
        q = put_cell(put_blanks(q, pend), cell, l);                                            \
        cell += l;                                                                             \
        pend = 0;                                                                              \
    }                                                                                          \
    if (!col_right[i])                                                                         \
        pend += (size_t)c->width[i] - l;
    _Static_assert(NCOL == 16, "text_line_fast lists every column");
    COL(0) COL(1) COL(2) COL(3) COL(4) COL(5) COL(6) COL(7)
    COL(8) COL(9) COL(10) COL(11) COL(12) COL(13) COL(14) COL(15)
#undef COL
    (void)pend;
    *q++ = '\n';
    return q;
}

static void text_flush(struct conns_ctx *c)
{
    if (!c->nbatch && c->header_done)
        return;
    /* the widths: the header's, the batch's longest cells, and (live) the ones before */
    size_t line_max = 1;
    for (int i = 0; i < NCOL; i++) {
        int w = (int)strlen(col_head[i]);
        if (c->bmax[i] > w)
            w = c->bmax[i];
        if (w > c->width[i])
            c->width[i] = w;
        c->bmax[i] = 0;
        line_max += (size_t)c->width[i] + 2;
    }
    if (!c->header_done) {
        uint8_t lens[NCOL];
        for (int i = 0; i < NCOL; i++)
            lens[i] = (uint8_t)strlen(col_head[i]);
        text_line(c, col_head, lens);
        c->header_done = true;
    }
    for (uint32_t k = 0; k < c->nbatch; k++) {
        const char *p = c->text + c->batch[k].off;
        char *q = ob_reserve(c->ob, line_max + SLACK);
        if (q) {
            ob_commit(c->ob, text_line_fast(c, q, p, c->batch[k].len));
            continue;
        }
        const char *cells[NCOL];
        for (int i = 0; i < NCOL; i++) {
            cells[i] = p;
            p += c->batch[k].len[i];
        }
        text_line(c, cells, c->batch[k].len);
    }
    c->nbatch = 0;
    c->ntext = 0;
}

/* ---- JSON ---- */

/* a JSON string from a NUL-terminated one of at most `cap` bytes */
#define JSTR(q, str, cap) fmt_json_cstr((q), (str), (cap))
#define JBOOL(q, b) ((b) ? FMT_LIT(q, "true") : FMT_LIT(q, "false"))

static char *json_side(char *q, const struct conn_side *d, size_t state_len)
{
    q = FMT_LIT(q, "{\"addr\":\"");
    q = put_addr(q, &d->addr);
    q = FMT_LIT(q, "\",\"port\":");
    q = fmt_u64(q, d->port);
    q = FMT_LIT(q, ",\"pkts\":");
    q = fmt_u64(q, d->pkts);
    q = FMT_LIT(q, ",\"bytes\":");
    q = fmt_u64(q, d->bytes);
    q = FMT_LIT(q, ",\"ip_bytes\":");
    q = fmt_u64(q, d->ip_bytes);
    q = FMT_LIT(q, ",\"seq_bytes\":");
    q = fmt_u64(q, d->seq_bytes);
    q = FMT_LIT(q, ",\"missed_bytes\":");
    q = fmt_u64(q, d->missed_bytes);
    q = FMT_LIT(q, ",\"retransmissions\":");
    q = fmt_u64(q, d->retrans);
    q = FMT_LIT(q, ",\"lost_segments\":");
    q = fmt_u64(q, d->lost);
    q = FMT_LIT(q, ",\"zero_windows\":");
    q = fmt_u64(q, d->zero_windows);
    q = FMT_LIT(q, ",\"dup_acks\":");
    q = fmt_u64(q, d->dup_acks);
    q = FMT_LIT(q, ",\"out_of_order\":");
    q = fmt_u64(q, d->out_of_order);
    q = FMT_LIT(q, ",\"keep_alives\":");
    q = fmt_u64(q, d->keep_alives);
    q = FMT_LIT(q, ",\"syn\":");
    q = JBOOL(q, d->syn || d->synack);
    q = FMT_LIT(q, ",\"fin\":");
    q = JBOOL(q, d->fin);
    q = FMT_LIT(q, ",\"rst\":");
    q = JBOOL(q, d->rst);
    q = FMT_LIT(q, ",\"state\":");
    q = fmt_json_str(q, d->rfc_state, state_len);
    *q++ = '}';
    return q;
}

/* the row into q, which has room for JSON_ROW_MAX plus the strings' FMT_JSON_STR_MAX */
static char *json_fmt(const struct conns_ctx *c, const struct conn_summary *s, char *q,
                      size_t cl_state, size_t sv_state)
{
    q = FMT_LIT(q, "{\"stream\":");
    q = fmt_u64(q, s->stream);
    q = FMT_LIT(q, ",\"start\":");
    q = fmt_secs(q, ts_diff(s->ts_start, c->base));
    q = FMT_LIT(q, ",\"ts\":");
    q = fmt_secs(q, s->ts_start);
    q = FMT_LIT(q, ",\"duration\":");
    q = fmt_secs(q, s->duration);
    q = FMT_LIT(q, ",\"client\":");
    q = json_side(q, &s->client, cl_state);
    q = FMT_LIT(q, ",\"server\":");
    q = json_side(q, &s->server, sv_state);
    q = FMT_LIT(q, ",\"pkts\":");
    q = fmt_u64(q, s->pkts);
    q = FMT_LIT(q, ",\"irtt\":");
    q = s->irtt > 0 ? fmt_fixed(q, s->irtt, 9) : FMT_LIT(q, "null");
    q = FMT_LIT(q, ",\"retransmissions\":");
    q = fmt_u64(q, s->retrans);
    q = FMT_LIT(q, ",\"lost_segments\":");
    q = fmt_u64(q, s->lost);
    q = FMT_LIT(q, ",\"zero_windows\":");
    q = fmt_u64(q, s->zero_windows);
    q = FMT_LIT(q, ",\"dup_acks\":");
    q = fmt_u64(q, s->dup_acks);
    q = FMT_LIT(q, ",\"began\":");
    q = JSTR(q, conn_began_name(s->began), CELL);
    q = FMT_LIT(q, ",\"ended\":");
    q = JSTR(q, conn_ended_name(s->ended), CELL);
    q = FMT_LIT(q, ",\"conn_state\":");
    q = JSTR(q, s->conn_state, sizeof s->conn_state);
    q = FMT_LIT(q, ",\"history\":");
    q = JSTR(q, s->history, sizeof s->history);
    q = FMT_LIT(q, ",\"first_frame\":");
    q = fmt_u64(q, s->first_frame);
    q = FMT_LIT(q, ",\"last_frame\":");
    q = fmt_u64(q, s->last_frame);
    q = FMT_LIT(q, "}\n");
    return q;
}

static void json_row(struct conns_ctx *c, const struct conn_summary *s)
{
    size_t cl_state = strlen(s->client.rfc_state), sv_state = strlen(s->server.rfc_state);
    size_t need = JSON_ROW_MAX + FMT_JSON_STR_MAX(cl_state) + FMT_JSON_STR_MAX(sv_state) +
                  FMT_JSON_STR_MAX(sizeof s->conn_state + sizeof s->history + 2 * CELL);
    char *q = ob_reserve(c->ob, need);
    if (q) {
        ob_commit(c->ob, json_fmt(c, s, q, cl_state, sv_state));
        return;
    }
    /* no room in the output as it is (an in-memory one at its ceiling): through ob_write */
    char *tmp = xmalloc(need);
    ob_write(c->ob, tmp, (size_t)(json_fmt(c, s, tmp, cl_state, sv_state) - tmp));
    free(tmp);
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
    /* nine characters from h, eight from h2, each the next base-62 digit from the bottom; two
     * per 64-bit division (h % 3844 holds the next two) */
    out[0] = 'C';
    char *o = out + 1;
    for (int k = 0; k < 4; k++, o += 2) {
        unsigned r = (unsigned)(h % 3844);
        h /= 3844;
        o[0] = b62[r % 62];
        o[1] = b62[r / 62];
    }
    *o++ = b62[h % 62];
    for (int k = 0; k < 4; k++, o += 2) {
        unsigned r = (unsigned)(h2 % 3844);
        h2 /= 3844;
        o[0] = b62[r % 62];
        o[1] = b62[r / 62];
    }
    *o = '\0';
}

static char *zeek_fmt(const struct conn_summary *s, char *q)
{
    q = fmt_secs(q, s->ts_start);
    *q++ = '\t';
    conns_zeek_uid(s, q);
    q += 18;
    *q++ = '\t';
    q = put_addr(q, &s->client.addr);
    *q++ = '\t';
    q = fmt_u64(q, s->client.port);
    *q++ = '\t';
    q = put_addr(q, &s->server.addr);
    *q++ = '\t';
    q = fmt_u64(q, s->server.port);
    q = FMT_LIT(q, "\ttcp\t-\t");
    /* as Zeek: duration and byte counts only when the duration is positive */
    if (s->zeek_duration > 0) {
        q = fmt_secs(q, s->zeek_duration);
        *q++ = '\t';
        q = fmt_u64(q, s->client.seq_bytes);
        *q++ = '\t';
        q = fmt_u64(q, s->server.seq_bytes);
    } else {
        q = FMT_LIT(q, "-\t-\t-");
    }
    *q++ = '\t';
    q = put_str(q, s->conn_state, sizeof s->conn_state);
    q = FMT_LIT(q, "\t-\t-\t");
    q = fmt_u64(q, s->client.missed_bytes + s->server.missed_bytes);
    *q++ = '\t';
    q = s->history[0] ? put_str(q, s->history, sizeof s->history) : FMT_LIT(q, "-");
    *q++ = '\t';
    q = fmt_u64(q, s->client.pkts);
    *q++ = '\t';
    q = fmt_u64(q, s->client.ip_bytes);
    *q++ = '\t';
    q = fmt_u64(q, s->server.pkts);
    *q++ = '\t';
    q = fmt_u64(q, s->server.ip_bytes);
    q = FMT_LIT(q, "\t-\n");
    return q;
}

static void zeek_row(struct conns_ctx *c, const struct conn_summary *s)
{
    char *q = ob_reserve(c->ob, ZEEK_ROW_MAX);
    if (q) {
        ob_commit(c->ob, zeek_fmt(s, q));
        return;
    }
    char tmp[ZEEK_ROW_MAX]; /* no room in the output as it is: through ob_write */
    ob_write(c->ob, tmp, (size_t)(zeek_fmt(s, tmp) - tmp));
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
            c->batch = c->batch ? c->batch : xmalloc(sizeof *c->batch);
            text_row(c, s, &c->batch[0]);
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

/* ---- rows in stream order ----
 * A row that arrives before some lower stream has been printed waits: in the window in memory
 * when it is less than WIN streams ahead of the next to print, else in the spill file, an
 * unlinked temporary file where stream N's row sits at offset N * sizeof(struct conn_summary).
 * Printed stretches of the file are given back to the file system (a hole is punched), so the
 * disk holds only what waits. Memory: the window, plus one state byte per waiting stream. */

static int spill_open(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[4096];
    snprintf(path, sizeof path, "%s/tcplens-conns-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* The state byte of stream s (s >= next), growing or sliding the array to reach it. */
static uint8_t *st_at(struct conns_ctx *c, uint64_t s)
{
    if (s - c->st_base >= c->st_cap) {
        /* slide: drop the bytes of printed streams */
        uint64_t drop = c->next - c->st_base;
        if (drop) {
            memmove(c->st, c->st + drop, c->st_cap - drop);
            memset(c->st + c->st_cap - drop, 0, drop);
            c->st_base = c->next;
        }
        if (s - c->st_base >= c->st_cap) {
            size_t ncap = c->st_cap ? c->st_cap : ST_MIN;
            while (s - c->st_base >= ncap)
                ncap *= 2;
            c->st = xrealloc(c->st, ncap);
            memset(c->st + c->st_cap, 0, ncap - c->st_cap);
            c->st_cap = ncap;
        }
    }
    return &c->st[s - c->st_base];
}

static bool spill_ready(struct conns_ctx *c)
{
    if (c->spill_fd == -1) {
        c->spill_fd = spill_open();
        if (c->spill_fd < 0) {
            fprintf(stderr, "tcplens: warning: cannot create a temporary file (%s): rows that "
                            "wait for an earlier stream are printed out of order\n",
                    strerror(errno));
            c->spill_fd = -2;
            return false;
        }
        c->nscache = c->o.spill_blocks ? c->o.spill_blocks : SCACHE;
        /* zeroed: a fresh block is written with its gaps */
        c->scache = xcalloc(c->nscache, sizeof *c->scache);
        for (uint32_t i = 0; i < c->nscache; i++)
            c->scache[i].block = UINT64_MAX;
    }
    return c->spill_fd >= 0;
}

/* Write the changed rows of b that are still to be printed, a run of neighbours at a time, or
 * all in one write from the first to the last when the file holds nothing of the block (the
 * rows between are not stored: their state bytes say so, and they are written when they come). */
static bool sblock_flush(struct conns_ctx *c, struct sblock *b)
{
    bool ok = true;
    uint64_t first = b->block * SB;
    if (b->fresh) {
        uint64_t d = b->dirty;
        if (first < c->next) /* rows printed already stay out */
            d &= c->next - first >= SB ? 0 : ~0ull << (c->next - first);
        if (d) {
            uint32_t i = (uint32_t)__builtin_ctzll(d), j = 64u - (uint32_t)__builtin_clzll(d);
            size_t n = (j - i) * sizeof b->row[0];
            off_t off = (off_t)((first + i) * sizeof b->row[0]);
            ok = pwrite(c->spill_fd, &b->row[i], n, off) == (ssize_t)n;
        }
        b->dirty = 0;
        b->fresh = false;
        return ok;
    }
    for (uint32_t i = 0; i < SB;) {
        if (!(b->dirty >> i & 1) || first + i < c->next) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < SB && (b->dirty >> j & 1))
            j++;
        size_t n = (j - i) * sizeof b->row[0];
        off_t off = (off_t)((first + i) * sizeof b->row[0]);
        if (pwrite(c->spill_fd, &b->row[i], n, off) != (ssize_t)n)
            ok = false;
        i = j;
    }
    b->dirty = 0;
    return ok;
}

/* The cache slot of stream s's block, holding that block (the one there before leaves). */
static struct sblock *sblock_of(struct conns_ctx *c, uint64_t s)
{
    uint64_t blk = s / SB;
    struct sblock *b = &c->scache[blk % c->nscache];
    if (b->block != blk) {
        if (b->block != UINT64_MAX && b->dirty)
            sblock_flush(c, b);
        b->block = blk;
        b->have = b->dirty = 0;
        b->fresh = blk >= c->fresh_from;
        if (blk >= c->fresh_from)
            c->fresh_from = blk + 1; /* it may be written from now on */
    }
    return b;
}

/* Read (wr false) or write row s of the spill file, through the block cache; in_order: the read
 * of the next row to print (its block takes the slot, it is read whole), else a row of a block
 * older than the one in its slot is read or written in the file directly. */
static bool spill_io(struct conns_ctx *c, uint64_t s, struct conn_summary *r, bool wr,
                     bool in_order)
{
    if (!spill_ready(c))
        return false;
    size_t sz = sizeof *r;
    uint64_t slot_blk = c->scache[s / SB % c->nscache].block;
    if (!in_order && slot_blk != UINT64_MAX && slot_blk > s / SB) {
        ssize_t n = wr ? pwrite(c->spill_fd, r, sz, (off_t)(s * sz))
                       : pread(c->spill_fd, r, sz, (off_t)(s * sz));
        return n == (ssize_t)sz;
    }
    struct sblock *b = sblock_of(c, s);
    uint32_t i = (uint32_t)(s % SB);
    if (wr) {
        b->row[i] = *r;
        b->have |= (1ull << i);
        b->dirty |= (1ull << i);
        return true;
    }
    if (!(b->have >> i & 1)) {
        /* the whole block when nothing of it is here (rows printed in order read it once),
         * else just the row (the others here may be newer than the file's) */
        if (!b->have) {
            ssize_t n = pread(c->spill_fd, b->row, SB * sz, (off_t)(b->block * SB * sz));
            if (n < (ssize_t)((i + 1) * sz))
                return false;
            uint64_t got = (uint64_t)n / sz; /* rows read (the file may end inside the block) */
            b->have = got >= 64 ? ~0ull : (1ull << got) - 1;
        } else if (pread(c->spill_fd, &b->row[i], sz, (off_t)(s * sz)) != (ssize_t)sz) {
            return false;
        } else {
            b->have |= (1ull << i);
        }
    }
    *r = b->row[i];
    return true;
}

/* Give back the spill file's blocks below the next row to print. */
static void spill_punch(struct conns_ctx *c)
{
    if (c->spill_fd < 0)
        return;
    uint64_t upto = c->next * sizeof(struct conn_summary) / PUNCH * PUNCH;
    if (upto <= c->punched)
        return;
    fallocate(c->spill_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)c->punched,
              (off_t)(upto - c->punched));
    c->punched = upto;
}

/* Print every row that no longer waits for a lower stream, or a later part of itself. */
static void advance(struct conns_ctx *c)
{
    uint64_t start = c->next;
    while (c->next < c->hi) {
        uint8_t *st = st_at(c, c->next);
        if ((*st & (ST_HAVE | ST_HOLD)) != ST_HAVE)
            break;
        const struct conn_summary *r = &c->win[c->next % c->nwin];
        if (*st & ST_SPILL) {
            if (!spill_io(c, c->next, &c->tmp, false, true))
                break; /* cannot happen: written before */
            r = &c->tmp;
        }
        *st = 0;
        c->next++;
        emit(c, r);
    }
    if (c->next != start && c->spill_fd >= 0)
        spill_punch(c);
}

/* Store the row (or fold a later part into the stored one); hold: more may follow. */
static void store(struct conns_ctx *c, const struct conn_summary *r, bool later, bool hold)
{
    uint64_t s = r->stream;
    if (s < c->next) { /* printed already (only if the spill file failed) */
        c->out_of_order++;
        emit(c, r);
        return;
    }
    uint8_t *st = st_at(c, s);
    if (s == c->next && !(*st & ST_HAVE) && !hold) {
        /* the next to print, complete: out at once, then whatever waited for it */
        if (s >= c->hi)
            c->hi = s + 1;
        c->next++;
        emit(c, r);
        advance(c);
        if (c->spill_fd >= 0)
            spill_punch(c);
        return;
    }
    bool spill;
    if (later && (*st & ST_HAVE)) {
        struct conn_summary m;
        spill = (*st & ST_SPILL) != 0;
        if (spill)
            spill_io(c, s, &m, false, false);
        else
            m = c->win[s % c->nwin];
        conn_summary_merge(&m, r);
        if (spill)
            spill_io(c, s, &m, true, false);
        else
            c->win[s % c->nwin] = m;
    } else if (s - c->next < c->nwin) {
        c->win[s % c->nwin] = *r;
        spill = false;
    } else if (spill_io(c, s, (struct conn_summary *)r, true, false)) {
        spill = true;
    } else {
        c->out_of_order++;
        emit(c, r);
        return;
    }
    *st = (uint8_t)(ST_HAVE | (spill ? ST_SPILL : 0) | (hold ? ST_HOLD : 0));
    if (s >= c->hi)
        c->hi = s + 1;
    if (s == c->next)
        advance(c);
}

/* The ghost of stream s is gone without a later part: its row is complete. */
static void ghost_over(struct conns_ctx *c, uint64_t s)
{
    if (s < c->next || s >= c->hi)
        return;
    uint8_t *st = st_at(c, s);
    if (!(*st & ST_HOLD))
        return;
    *st &= (uint8_t)~ST_HOLD;
    if (s == c->next)
        advance(c);
}

/* one stream only (-s): its parts folded together, printed once complete */
static void one_part(struct conns_ctx *c, const struct conn_summary *r, bool later, bool hold)
{
    if (c->one_done)
        return;
    if (later && c->one_have)
        conn_summary_merge(&c->one, r);
    else
        c->one = *r;
    c->one_have = true;
    if (!hold) {
        emit(c, &c->one);
        c->one_done = true;
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
    if (c->o.one_stream && tc->stream != c->o.stream)
        return;
    conn_summarize(tc, &s);
    if (!c->have_base) {
        c->have_base = true;
        c->base = s.ts_start;
    }
    if (c->o.one_stream)
        one_part(c, &s, tc->resumed, tc->ghosted);
    else
        store(c, &s, tc->resumed, tc->ghosted);
}

/* The ghost of stream s is gone: no later part will come, its row is complete. */
static void conns_forgotten(void *vctx, uint32_t s)
{
    struct conns_ctx *c = vctx;
    if (c->o.live)
        return;
    if (!c->o.one_stream)
        ghost_over(c, s);
    else if (s == c->o.stream && c->one_have && !c->one_done)
        one_part(c, &c->one, false, false);
}

static void conns_start(void *vctx, int64_t first_ts)
{
    struct conns_ctx *c = vctx;
    if (!c->have_base) {
        c->have_base = true;
        c->base = first_ts;
    }
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
    /* every connection has been handed over: whatever still waits is complete and printed in
     * order (a gap can only come from a row that could not be stored) */
    while (c->next < c->hi) {
        uint8_t *st = st_at(c, c->next);
        *st &= (uint8_t)~ST_HOLD;
        if (!(*st & ST_HAVE)) {
            c->next++;
            continue;
        }
        advance(c);
    }
    if (c->o.one_stream && c->one_have && !c->one_done)
        one_part(c, &c->one, false, false);
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
    c->spill_fd = -1;
    c->nwin = o->window && o->window < WIN ? o->window : WIN;
    if (!o->live)
        c->win = xmalloc(c->nwin * sizeof *c->win);
    if (o->fmt == CONNS_TEXT && o->live) {
        /* fixed widths for rows printed as they come */
        static const int live_w[NCOL] = {4, 21, 2, 21, 10, 10, 9, 13, 8, 4, 4, 4, 15, 13, 5, 7};
        memcpy(c->width, live_w, sizeof live_w);
    }
    for (unsigned i = 0; i < NAMES; i++) {
        name_cell(conn_began_text((enum conn_began)i), c->began_cell[i], &c->began_len[i]);
        name_cell(conn_ended_text((enum conn_ended)i), c->ended_cell[i], &c->ended_len[i]);
    }
    struct sink s = {c, conns_packet, conns_conn, conns_finish, conns_start, conns_forgotten};
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
    free(c->win);
    free(c->st);
    if (c->spill_fd >= 0)
        close(c->spill_fd);
    free(c->scache);
    free(c->batch);
    free(c->text);
    free(c->printed.v);
    free(c);
    s->ctx = NULL;
}
