/* summary: the two-thread pipeline for runs over a file that need only connection events
 * (`tcplens conns FILE`), see analyzer_par.h. */
#include "analyzer_par.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capfile.h"
#include "capture.h"
#include "xalloc.h"

#define PAR_RING 512u           /* messages a shard may be ahead of the merger */
#define PAR_WAKE_SLACK 2048u    /* frames past the one the merger waits for before it is woken */
#define NONE UINT64_MAX

enum msg_kind { MSG_CREATED, MSG_CONN, MSG_FORGOTTEN };

struct par_msg {
    uint8_t kind;
    uint32_t stream;          /* the shard's own number */
    uint64_t frame;           /* MSG_CREATED: the frame that took the number */
    struct tcp_conn conn;     /* MSG_CONN: a copy, pointers cleared */
};

/* the shard's stream number -> the run's stream number, for streams that may still be named:
 * open ones and evicted ones whose ghost may resume them (open addressing, key = stream + 1) */
struct smap {
    uint32_t *key, *val;
    uint32_t cap, n;
};

struct par;

struct shard {
    struct par *par;
    int id;
    struct capfile *cf;
    struct bpf_set *bpf;
    struct tcp_track *tt;
    pthread_t th;
    bool started;
    struct par_msg *ring;
    _Atomic uint32_t head, tail;      /* head: merger, tail: shard */
    _Atomic uint64_t done_frame;      /* frames up to this one are analysed, messages in ring */
    _Atomic uint64_t wake_at;         /* the merger waits for done_frame to reach this */
    _Atomic bool finished;            /* the shard's last message is in the ring */
    _Atomic int64_t first_ts;
    _Atomic uint64_t offset;          /* bytes read, for progress */
    /* the shard's own results, read after it finished */
    struct run_info ri;
    enum run_status status;
    struct smap map;                  /* merger side */
    struct par_msg scratch;           /* where messages go once the run is abandoned */
};

struct par {
    const struct run_opts *o;
    struct shard sh[PAR_SHARDS];
    pthread_mutex_t mu;
    pthread_cond_t cv_main, cv_shard;
    _Atomic bool main_waiting;
    _Atomic int shards_waiting;
    _Atomic bool abort;               /* a shard could not start: the others stop */
    uint32_t next_stream;             /* merger: the run's next stream number */
    bool started;                     /* merger: sinks' start called */
    struct sink *sinks;
    int nsinks;
};

/* ---- the stream map ---- */

static uint32_t smap_slot(const struct smap *m, uint32_t k)
{
    return (k * 2654435761u) & (m->cap - 1);
}

static void smap_put(struct smap *m, uint32_t stream, uint32_t v);

static void smap_grow(struct smap *m)
{
    struct smap old = *m;
    m->cap = old.cap ? old.cap * 2 : 1024;
    m->key = xcalloc(m->cap, sizeof *m->key);
    m->val = xcalloc(m->cap, sizeof *m->val);
    m->n = 0;
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.key[i])
            smap_put(m, old.key[i] - 1, old.val[i]);
    free(old.key);
    free(old.val);
}

static void smap_put(struct smap *m, uint32_t stream, uint32_t v)
{
    if ((m->n + 1) * 2 > m->cap)
        smap_grow(m);
    uint32_t k = stream + 1, i = smap_slot(m, k);
    while (m->key[i] && m->key[i] != k)
        i = (i + 1) & (m->cap - 1);
    if (!m->key[i])
        m->n++;
    m->key[i] = k;
    m->val[i] = v;
}

static bool smap_get(const struct smap *m, uint32_t stream, uint32_t *v)
{
    if (!m->cap)
        return false;
    uint32_t k = stream + 1;
    for (uint32_t i = smap_slot(m, k);; i = (i + 1) & (m->cap - 1)) {
        if (!m->key[i])
            return false;
        if (m->key[i] == k) {
            *v = m->val[i];
            return true;
        }
    }
}

/* removal with backward shift, so probe chains stay whole */
static void smap_del(struct smap *m, uint32_t stream)
{
    if (!m->cap)
        return;
    uint32_t mask = m->cap - 1, k = stream + 1, i = smap_slot(m, k);
    while (m->key[i] != k) {
        if (!m->key[i])
            return;
        i = (i + 1) & mask;
    }
    for (uint32_t j = i;;) {
        j = (j + 1) & mask;
        if (!m->key[j])
            break;
        uint32_t h = smap_slot(m, m->key[j]);
        if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
            m->key[i] = m->key[j];
            m->val[i] = m->val[j];
            i = j;
        }
    }
    m->key[i] = 0;
    m->n--;
}

/* ---- waiting ---- */

static void wait_on(struct par *P, pthread_cond_t *cv)
{
    /* a bounded wait: a lost wake-up would cost 20 ms, never a hang */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cv, &P->mu, &ts);
}

static void wake_main(struct par *P)
{
    if (atomic_load(&P->main_waiting)) {
        pthread_mutex_lock(&P->mu);
        pthread_cond_signal(&P->cv_main);
        pthread_mutex_unlock(&P->mu);
    }
}

/* ---- the shard side ---- */

static struct par_msg *msg_slot(struct shard *s)
{
    struct par *P = s->par;
    uint32_t t = atomic_load_explicit(&s->tail, memory_order_relaxed);
    if (t - atomic_load_explicit(&s->head, memory_order_acquire) == PAR_RING) {
        /* full: sleep until the merger has taken half (it wakes us when it gets there) */
        pthread_mutex_lock(&P->mu);
        atomic_fetch_add(&P->shards_waiting, 1);
        while (t - atomic_load(&s->head) > PAR_RING / 2 && !atomic_load(&P->abort))
            wait_on(P, &P->cv_shard);
        atomic_fetch_sub(&P->shards_waiting, 1);
        pthread_mutex_unlock(&P->mu);
        if (atomic_load(&P->abort))
            return &s->scratch; /* nobody reads the ring any more */
    }
    return &s->ring[t % PAR_RING];
}

/* Publish the message written at msg_slot. The merger is woken when a quarter of the ring
 * comes to wait (a wake-up per message would cost a system call per connection, and one per
 * message past a quarter would wake it for nothing while it waits for the other shard); it
 * also wakes for the frame it waits for (wake_at), at the end, and every 20 ms. */
static void msg_push(struct shard *s, const struct par_msg *m)
{
    if (m == &s->scratch)
        return;
    uint32_t t = atomic_fetch_add(&s->tail, 1) + 1; /* sequentially consistent */
    if (t - atomic_load(&s->head) == PAR_RING / 4)
        wake_main(s->par);
}

static void on_created(void *ctx, uint32_t stream, uint64_t frame)
{
    struct shard *s = ctx;
    struct par_msg *m = msg_slot(s);
    m->kind = MSG_CREATED;
    m->stream = stream;
    m->frame = frame;
    msg_push(s, m);
}

static void on_forgotten(void *ctx, uint32_t stream)
{
    struct shard *s = ctx;
    struct par_msg *m = msg_slot(s);
    m->kind = MSG_FORGOTTEN;
    m->stream = stream;
    msg_push(s, m);
}

static void on_conn(void *ctx, const struct tcp_conn *c)
{
    struct shard *s = ctx;
    struct par_msg *m = msg_slot(s);
    m->kind = MSG_CONN;
    m->stream = c->stream;
    m->conn = *c;
    m->conn.flow1.segs = m->conn.flow2.segs = NULL;
    m->conn.flow1.nsegs = m->conn.flow2.nsegs = 0;
    m->conn.hnext = m->conn.lprev = m->conn.lnext = NULL;
    msg_push(s, m);
}

/* Every message of frames up to this one is in the ring. Sequentially consistent with the
 * merger's wake_at store and done_frame load, so either it sees the progress or is woken. */
static void frame_done(struct shard *s, uint64_t frame)
{
    atomic_store(&s->done_frame, frame);
    if (frame >= atomic_load(&s->wake_at)) {
        atomic_store(&s->wake_at, NONE);
        wake_main(s->par);
    }
}

static unsigned shard_of(uint32_t key)
{
    return (key >> 31) % PAR_SHARDS; /* the low bits pick the table's bucket */
}

static void *shard_main(void *arg)
{
    struct shard *s = arg;
    struct par *P = s->par;
    const struct run_opts *o = P->o;
    struct run_info *ri = &s->ri;
    struct pkt *p = xmalloc(sizeof *p);
    struct tcp_rec trec;
    struct cap_rec rec;
    struct errbuf rerr = {""};
    uint64_t frame = 0;
    uint32_t last_lt = 0; /* whether rec.linktype can be decoded: asked on a change */
    bool last_lt_ok = linktype_supported(last_lt);
    for (;;) {
        int rc = capfile_next(s->cf, &rec, &rerr);
        if (rc == 0)
            break;
        if (rc < 0) {
            ri->damaged = true;
            memcpy(ri->damage, rerr.msg, sizeof ri->damage);
            s->status = RUN_DAMAGED;
            break;
        }
        if (capture_stop || atomic_load_explicit(&P->abort, memory_order_relaxed)) {
            ri->interrupted = capture_stop != 0;
            break;
        }
        frame++;
        ri->packets++;
        if ((frame & (ANALYZER_PROGRESS_EVERY - 1)) == 0)
            atomic_store_explicit(&s->offset, capfile_offset(s->cf), memory_order_relaxed);
        if (s->bpf && !bpf_set_match(s->bpf, &rec)) {
            frame_done(s, frame);
            continue;
        }
        if (rec.linktype != last_lt) {
            last_lt = rec.linktype;
            last_lt_ok = linktype_supported(last_lt);
        }
        if (!last_lt_ok)
            ri->unsupported_linktype++;
        int64_t now = ts_ns(rec.ts_sec, rec.ts_nsec);
        if (ri->shown == 0) {
            ri->first_ts = now;
            atomic_store(&s->first_ts, now);
        }
        ri->last_ts = now;
        ri->shown++;
        /* the other shard's packets need only the clock: a quick look at the commonest kind
         * tells whose they are without dissecting them */
        struct addr a, b;
        uint16_t pa, pb;
        uint32_t key;
        if (dissect_peek_tcp4(&rec, &a, &pa, &b, &pb) &&
            shard_of(tcp_track_pair_key(&a, pa, &b, pb)) != (unsigned)s->id) {
            tcp_track_tick(s->tt, now);
        } else {
            dissect(p, &rec, frame, o->depth);
            if (tcp_track_shard_key(p, &key) && shard_of(key) == (unsigned)s->id)
                tcp_track_packet(s->tt, p, &trec);
            else
                tcp_track_tick(s->tt, now);
        }
        frame_done(s, frame);
        if (o->count && ri->shown >= o->count)
            break;
    }
    free(p);
    tcp_track_finish(s->tt);
    atomic_store(&s->offset, capfile_offset(s->cf));
    atomic_store(&s->done_frame, NONE);
    atomic_store(&s->finished, true);
    wake_main(P);
    return NULL;
}

/* ---- the merger (the calling thread) ---- */

static void start_sinks(struct par *P, int64_t first_ts)
{
    P->started = true;
    sinks_start(P->sinks, P->nsinks, first_ts);
}

static void deliver(struct par *P, struct shard *s, struct par_msg *m)
{
    uint32_t g;
    switch (m->kind) {
    case MSG_CREATED:
        smap_put(&s->map, m->stream, P->next_stream++);
        return;
    case MSG_FORGOTTEN:
        if (smap_get(&s->map, m->stream, &g)) {
            smap_del(&s->map, m->stream);
            sinks_forgotten(P->sinks, P->nsinks, g);
        }
        return;
    case MSG_CONN:
        if (!smap_get(&s->map, m->stream, &g))
            g = P->next_stream++; /* cannot happen: every stream is created before it leaves */
        if (!m->conn.ghosted)
            smap_del(&s->map, m->stream);
        m->conn.stream = g;
        if (!P->started)
            start_sinks(P, atomic_load(&s->first_ts));
        sinks_conn(P->sinks, P->nsinks, &m->conn);
        return;
    }
}

static void pop(struct shard *s)
{
    uint32_t h = atomic_fetch_add(&s->head, 1) + 1;
    /* a full ring's shard sleeps until half is taken: wake it when that point is passed */
    if (atomic_load(&s->par->shards_waiting) && atomic_load(&s->tail) - h == PAR_RING / 2) {
        pthread_mutex_lock(&s->par->mu);
        pthread_cond_broadcast(&s->par->cv_shard);
        pthread_mutex_unlock(&s->par->mu);
    }
}

/* The head message of s, or NULL if its ring is empty. */
static struct par_msg *head_of(struct shard *s)
{
    uint32_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
    if (h == atomic_load(&s->tail))
        return NULL;
    return &s->ring[h % PAR_RING];
}

/* One step of the merge: deliver what can be delivered. Returns true if something was; with
 * dry set, only says whether something could be (and asks the shard it waits for to wake it). */
static bool merge_step(struct par *P, bool dry)
{
    bool did = false;
    /* everything before the next creation of each shard goes out as it comes */
    for (int i = 0; i < PAR_SHARDS; i++) {
        struct shard *s = &P->sh[i];
        struct par_msg *m;
        while ((m = head_of(s)) && m->kind != MSG_CREATED) {
            if (dry)
                return true;
            deliver(P, s, m);
            pop(s);
            did = true;
        }
    }
    /* the creation with the lowest frame takes the next number, once no shard can still
     * produce a lower one. Heads are looked at once: a message that arrived since the loop
     * above (not a creation) means another round. */
    struct par_msg *h[PAR_SHARDS];
    int best = -1;
    uint64_t bf = NONE;
    for (int i = 0; i < PAR_SHARDS; i++) {
        h[i] = head_of(&P->sh[i]);
        if (h[i] && h[i]->kind != MSG_CREATED)
            return true;
        if (h[i] && h[i]->frame < bf) {
            bf = h[i]->frame;
            best = i;
        }
    }
    if (best < 0)
        return did;
    for (int i = 0; i < PAR_SHARDS; i++) {
        if (i == best || h[i])
            continue; /* its head is a creation with a higher frame, and all behind it too */
        struct shard *s = &P->sh[i];
        /* done_frame before the ring: a creation pushed before that progress was published
         * is then seen in the ring */
        uint64_t done = atomic_load(&s->done_frame);
        if (head_of(s))
            return true; /* something came: another round */
        if (done == NONE || done >= bf)
            continue;
        if (!dry)
            return did;
        /* ask to be woken some way past it (waking for every creation would cost a system
         * call each), then look again (it may have got there) */
        atomic_store(&s->wake_at, bf + PAR_WAKE_SLACK);
        done = atomic_load(&s->done_frame);
        return head_of(s) || done == NONE || done >= bf;
    }
    if (dry)
        return true;
    deliver(P, &P->sh[best], h[best]);
    pop(&P->sh[best]);
    return true;
}

static bool all_finished(struct par *P)
{
    for (int i = 0; i < PAR_SHARDS; i++)
        if (!atomic_load(&P->sh[i].finished) || head_of(&P->sh[i]))
            return false;
    return true;
}

static int cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    return 1;
}

bool analyzer_par_wanted(const struct run_opts *o)
{
    if (!o->conn_events_only || !o->file || !strcmp(o->file, "-") || o->write_path)
        return false;
    const char *env = getenv("TCPLENS_THREADS");
    if (env && *env)
        return strtol(env, NULL, 10) >= 2;
    /* three threads are busy (two shards and the merger that prints): on two CPUs they were
     * not faster than one thread (docs/performance.md), so only from three on */
    return cpus_available() >= 3;
}

static void shard_limits(const struct tcp_track_limits *lim, struct tcp_track_limits *out)
{
    *out = *lim;
    out->max_conns = lim->max_conns / PAR_SHARDS ? lim->max_conns / PAR_SHARDS : 1;
    out->soft_conns = lim->soft_conns / PAR_SHARDS ? lim->soft_conns / PAR_SHARDS : 1;
    out->max_ghosts = lim->max_ghosts / PAR_SHARDS;
    out->max_ghosts_closed = lim->max_ghosts_closed / PAR_SHARDS;
    out->max_unacked_total = lim->max_unacked_total / PAR_SHARDS;
}

static void add_stats(struct tcp_track_stats *to, const struct tcp_track_stats *s)
{
    to->conns += s->conns;
    to->resumed += s->resumed;
    to->ghosts_dropped += s->ghosts_dropped;
    to->evicted_cap += s->evicted_cap;
    to->evicted_idle += s->evicted_idle;
    to->evicted_closed += s->evicted_closed;
    to->unacked_cap_hits += s->unacked_cap_hits;
    to->open_now += s->open_now;
    to->max_open += s->max_open;
}

enum run_status analyzer_run_par(const struct run_opts *o, struct capfile *cf,
                                 struct bpf_set *bpf, const struct tcp_track_limits *lim,
                                 struct sink *sinks, int nsinks, struct run_info *ri,
                                 struct errbuf *eb)
{
    struct par *P = xcalloc(1, sizeof *P);
    P->o = o;
    P->sinks = sinks;
    P->nsinks = nsinks;
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->cv_main, NULL);
    pthread_cond_init(&P->cv_shard, NULL);
    struct tcp_track_limits sl;
    shard_limits(lim, &sl);
    enum run_status status = RUN_OK;
    for (int i = 0; i < PAR_SHARDS; i++) {
        struct shard *s = &P->sh[i];
        s->par = P;
        s->id = i;
        atomic_init(&s->wake_at, NONE);
        s->ring = xmalloc(PAR_RING * sizeof *s->ring);
        if (i == 0) {
            s->cf = cf;
            s->bpf = bpf;
        } else {
            bool not_cap = false;
            if (capfile_open(&s->cf, o->file, &not_cap, eb) < 0 ||
                (o->filter && o->filter[0] &&
                 bpf_set_new(&s->bpf, o->filter, capfile_linktype(s->cf),
                             capfile_snaplen(s->cf), eb) < 0)) {
                status = RUN_BAD_INPUT;
                break;
            }
        }
        s->tt = tcp_track_new(&sl);
        tcp_track_on_close(s->tt, on_conn, s);
        struct tcp_track_hooks hk = {on_created, on_forgotten, s};
        tcp_track_set_hooks(s->tt, &hk);
        tcp_track_set_lean(s->tt, true); /* a shard reads none of the records */
    }
    if (status == RUN_OK) {
        /* the shards take no signals: SIGINT sets capture_stop in this thread */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        for (int i = 0; i < PAR_SHARDS; i++) {
            errno = pthread_create(&P->sh[i].th, NULL, shard_main, &P->sh[i]);
            if (errno) {
                err_set_errno(eb, errno, "cannot start a reader thread");
                status = RUN_BAD_INPUT;
                atomic_store(&P->abort, true); /* the started ones end at once */
                break;
            }
            P->sh[i].started = true;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (status == RUN_OK) {
        uint64_t shown_off = 0;
        for (;;) {
            if (merge_step(P, false))
                continue;
            if (all_finished(P))
                break;
            if (o->progress) {
                uint64_t off = atomic_load_explicit(&P->sh[0].offset, memory_order_relaxed);
                if (off != shown_off) {
                    shown_off = off;
                    o->progress(o->progress_ctx, off, capfile_size(cf), 0, false);
                }
            }
            pthread_mutex_lock(&P->mu);
            atomic_store(&P->main_waiting, true);
            if (!merge_step(P, true) && !all_finished(P))
                wait_on(P, &P->cv_main);
            atomic_store(&P->main_waiting, false);
            pthread_mutex_unlock(&P->mu);
        }
    }
    for (int i = 0; i < PAR_SHARDS; i++)
        if (P->sh[i].started)
            pthread_join(P->sh[i].th, NULL);
    if (status == RUN_OK) {
        /* both shards read every record: the run's counts are either's */
        struct shard *s0 = &P->sh[0];
        const char *source = ri->source;
        bool live = ri->live;
        *ri = s0->ri;
        ri->source = source;
        ri->live = live;
        for (int i = 1; i < PAR_SHARDS; i++)
            ri->interrupted |= P->sh[i].ri.interrupted;
        status = s0->status;
        if (!P->started && ri->shown)
            start_sinks(P, ri->first_ts);
        if (o->progress)
            o->progress(o->progress_ctx, capfile_offset(cf), capfile_size(cf), ri->packets, true);
        memset(&ri->track_stats, 0, sizeof ri->track_stats);
        for (int i = 0; i < PAR_SHARDS; i++)
            add_stats(&ri->track_stats, tcp_track_stats(P->sh[i].tt));
        ri->track = &ri->track_stats;
        for (int i = 0; i < nsinks; i++)
            if (sinks[i].finish)
                sinks[i].finish(sinks[i].ctx, ri);
    }
    for (int i = 0; i < PAR_SHARDS; i++) {
        struct shard *s = &P->sh[i];
        tcp_track_free(s->tt);
        if (i > 0) {
            bpf_set_free(s->bpf);
            capfile_close(s->cf);
        }
        free(s->ring);
        free(s->map.key);
        free(s->map.val);
    }
    pthread_mutex_destroy(&P->mu);
    pthread_cond_destroy(&P->cv_main);
    pthread_cond_destroy(&P->cv_shard);
    free(P);
    return status;
}
