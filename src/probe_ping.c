/* summary: ICMP echo sender/receiver over a datagram ("ping") socket or a raw socket.
 *
 * RFC 792 and RFC 4443 §4. Echo request layout (both families):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Type (8/128) |     Code 0    |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Identifier          |        Sequence Number        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Data ...
 *
 * On a datagram socket the kernel sets the identifier (the socket's "port"), computes the
 * checksum and delivers only the replies that match. On a raw socket we choose the identifier,
 * compute the IPv4 checksum (the kernel does it for ICMPv6), install ICMP_FILTER/ICMP6_FILTER so
 * that only echo replies are queued, and match the identifier ourselves; raw IPv4 reads start
 * with the IP header.
 *
 * Timing: requests go out on a fixed schedule (start + k * interval). Every request has its own
 * deadline (sent + timeout); when it passes without a reply the request is reported once as
 * "no answer yet" and counted as lost, although a later reply is still accepted and counted.
 * RTTs use the kernel receive timestamp when there is one, else the monotonic clock. */
#include "probe_ping.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <math.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "rd.h"
#include "resolve.h"
#include "xalloc.h"

#define ICMP4_ECHO_REPLY 0
#define ICMP4_DEST_UNREACH 3
#define ICMP4_REDIRECT 5
#define ICMP4_ECHO_REQUEST 8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_PARAM_PROBLEM 12
#define ICMP6_ECHO_REQ 128
#define ICMP6_ECHO_REP 129

/* Linux raw-socket ICMP filter (linux/icmp.h, not included because it clashes with glibc's
 * netinet headers): a bit set in `data` drops that ICMP type. */
#define PING_SOL_RAW 255
#define PING_ICMP_FILTER 1
struct ping_icmp_filter {
    uint32_t data;
};

#define POLL_CAP_MS 200 /* upper bound on one poll(), so a stop flag is seen promptly */
#define RECV_BUF_SIZE (PING_MAX_SIZE + 8 + 60 + 64)

enum slot_state { SLOT_FREE = 0, SLOT_WAITING, SLOT_ANSWERED, SLOT_ERROR, SLOT_TIMED_OUT };

struct slot {
    uint64_t seq;
    int64_t sent_mono_ns;
    int64_t sent_real_ns;
    int state; /* enum slot_state */
};

struct ping {
    int fd;
    int family;
    enum ping_sock_kind kind;
    struct sockaddr_storage dst;
    socklen_t dstlen;
    uint16_t ident; /* raw sockets: our echo identifier */
};

/* What one run needs besides the socket. */
struct run {
    struct ping *p;
    const struct ping_opts *o;
    ping_event_fn cb;
    void *ud;
    struct ping_stats *st;
    struct slot *slots;
    size_t nslots;
    uint8_t *pkt;  /* request being built */
    uint8_t *rbuf; /* receive buffer */
};

/* ---- clocks ---- */

static int64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- open / close ---- */

void ping_opts_init(struct ping_opts *o)
{
    memset(o, 0, sizeof *o);
    o->count = 0;
    o->interval = 1.0;
    o->timeout = 2.0;
    o->size = PING_DEFAULT_SIZE;
    o->stop = NULL;
}

static void set_int_opt(int fd, int level, int name, int val)
{
    /* Best effort: without these we lose the TTL, kernel timestamps or error reports, not
     * the ping itself. */
    (void)setsockopt(fd, level, name, &val, sizeof val);
}

int ping_open(struct ping **pp, const struct sockaddr *dst, socklen_t dstlen, struct errbuf *eb)
{
    *pp = NULL;
    int family = dst->sa_family;
    if ((family != AF_INET && family != AF_INET6) || dstlen < resolve_addr_len(dst) ||
        dstlen > sizeof(struct sockaddr_storage)) {
        err_set(eb, "ping: not an IPv4 or IPv6 address");
        return PING_ERR_ARG;
    }
    int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
    enum ping_sock_kind kind = PING_SOCK_DGRAM;
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
    int dgram_errno = errno;
    if (fd < 0) {
        kind = PING_SOCK_RAW;
        fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, proto);
    }
    if (fd < 0) {
        int e = errno;
        if (e == EPERM || e == EACCES) {
            err_set(eb, "cannot open an ICMP socket: %s", strerror(e));
            return PING_ERR_PERM;
        }
        err_set(eb, "cannot open an ICMP%s socket: %s (datagram socket: %s)",
                family == AF_INET6 ? "v6" : "", strerror(e), strerror(dgram_errno));
        return PING_ERR_SYS;
    }

    struct ping *p = xcalloc(1, sizeof *p);
    p->fd = fd;
    p->family = family;
    p->kind = kind;
    memcpy(&p->dst, dst, resolve_addr_len(dst));
    p->dstlen = resolve_addr_len(dst);
    uint16_t id = 0;
    if (getrandom(&id, sizeof id, GRND_NONBLOCK) != (ssize_t)sizeof id)
        id = (uint16_t)(getpid() ^ now_ns(CLOCK_MONOTONIC));
    p->ident = id;

    set_int_opt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
    if (family == AF_INET) {
        set_int_opt(fd, IPPROTO_IP, IP_RECVTTL, 1);
        set_int_opt(fd, IPPROTO_IP, IP_RECVERR, 1);
        if (kind == PING_SOCK_RAW) {
            struct ping_icmp_filter f = {~(1u << ICMP4_ECHO_REPLY)};
            (void)setsockopt(fd, PING_SOL_RAW, PING_ICMP_FILTER, &f, sizeof f);
        }
    } else {
        set_int_opt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
        set_int_opt(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
        if (kind == PING_SOCK_RAW) {
            struct icmp6_filter f;
            ICMP6_FILTER_SETBLOCKALL(&f);
            ICMP6_FILTER_SETPASS(ICMP6_ECHO_REP, &f);
            (void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
        }
    }
    *pp = p;
    return 0;
}

enum ping_sock_kind ping_sock_kind(const struct ping *p)
{
    return p->kind;
}

void ping_close(struct ping *p)
{
    if (!p)
        return;
    if (p->fd >= 0)
        close(p->fd);
    free(p);
}

/* ---- slots: one per outstanding sequence number ---- */

static struct slot *slot_of(struct run *r, uint64_t seq)
{
    size_t i = (size_t)(seq & 0xffff);
    return i < r->nslots ? &r->slots[i] : NULL;
}

/* The slot a 16-bit sequence number from the wire refers to, or NULL if it is not ours. */
static struct slot *slot_of_wire(struct run *r, uint16_t wseq)
{
    struct slot *s = wseq < r->nslots ? &r->slots[wseq] : NULL;
    if (!s || s->state == SLOT_FREE || (uint16_t)(s->seq & 0xffff) != wseq)
        return NULL;
    return s;
}

static void emit(struct run *r, const struct ping_event *ev)
{
    if (r->cb)
        r->cb(ev, r->ud);
}

static void emit_timeout(struct run *r, struct slot *s)
{
    struct ping_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = PING_EV_TIMEOUT;
    ev.seq = s->seq;
    ev.ttl = -1;
    s->state = SLOT_TIMED_OUT;
    emit(r, &ev);
}

/* ---- sending ---- */

static uint16_t inet_cksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += ld_be16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void send_one(struct run *r, uint64_t seq)
{
    struct ping *p = r->p;
    size_t n = 8 + r->o->size;
    uint8_t *b = r->pkt;
    b[0] = p->family == AF_INET ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQ;
    b[1] = 0;
    b[2] = b[3] = 0;
    b[4] = (uint8_t)(p->ident >> 8);
    b[5] = (uint8_t)p->ident;
    b[6] = (uint8_t)(seq >> 8);
    b[7] = (uint8_t)seq;
    for (size_t i = 8; i < n; i++)
        b[i] = (uint8_t)(i - 8);
    if (p->family == AF_INET && p->kind == PING_SOCK_RAW) {
        uint16_t c = inet_cksum(b, n);
        b[2] = (uint8_t)(c >> 8);
        b[3] = (uint8_t)c;
    }

    struct slot *s = slot_of(r, seq);
    if (s->state == SLOT_WAITING) /* the wire sequence wrapped onto an unanswered request */
        emit_timeout(r, s);
    s->seq = seq;
    s->state = SLOT_WAITING;
    s->sent_real_ns = now_ns(CLOCK_REALTIME);
    s->sent_mono_ns = now_ns(CLOCK_MONOTONIC);
    r->st->sent++;
    ssize_t w;
    do {
        w = sendto(p->fd, b, n, 0, (const struct sockaddr *)&p->dst, p->dstlen);
    } while (w < 0 && errno == EINTR);
    if (w < 0) {
        struct ping_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = PING_EV_LOCAL_ERROR;
        ev.seq = seq;
        ev.ttl = -1;
        snprintf(ev.text, sizeof ev.text, "cannot send: %s", strerror(errno));
        s->state = SLOT_ERROR;
        r->st->errors++;
        emit(r, &ev);
    }
}

/* ---- receiving ---- */

static int same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return 0;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                   &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
}

static void handle_reply(struct run *r, const uint8_t *data, size_t len, struct msghdr *msg)
{
    struct ping *p = r->p;
    struct rd rd = rd_make(data, len);
    int ttl = -1;
    if (p->family == AF_INET && p->kind == PING_SOCK_RAW) {
        /* Raw IPv4 reads begin with the IP header. */
        struct rd ip = rd;
        uint8_t vihl = rd_u8(&ip);
        size_t ihl = (size_t)(vihl & 0x0f) * 4;
        if ((vihl >> 4) != 4 || ihl < 20 || !rd_has(&rd, ihl))
            return;
        rd_skip(&ip, 7);
        ttl = rd_u8(&ip);
        rd_skip(&rd, ihl);
    }
    size_t icmp_len = rd_left(&rd);
    uint8_t type = rd_u8(&rd);
    rd_skip(&rd, 3); /* code, checksum */
    uint16_t id = rd_be16(&rd);
    uint16_t wseq = rd_be16(&rd);
    if (rd.short_read)
        return;
    if (type != (p->family == AF_INET ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REP))
        return;
    if (p->kind == PING_SOCK_RAW && id != p->ident)
        return;
    if (msg->msg_namelen && !same_host(msg->msg_name, &p->dst))
        return;

    int64_t rx_real = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            rx_real = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        } else if (((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
                    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) &&
                   c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
        }
    }

    struct slot *s = slot_of_wire(r, wseq);
    if (!s)
        return;
    int64_t rtt_mono = now_ns(CLOCK_MONOTONIC) - s->sent_mono_ns;
    int64_t rtt = rtt_mono;
    if (rx_real >= 0) {
        int64_t k = rx_real - s->sent_real_ns;
        if (k >= 0 && k <= rtt_mono) /* trust the kernel stamp only if the clock did not jump */
            rtt = k;
    }

    struct ping_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = PING_EV_REPLY;
    ev.seq = s->seq;
    ev.bytes = icmp_len;
    ev.ttl = ttl;
    ev.rtt_us = rtt / 1000;
    resolve_addr_str(msg->msg_name, ev.from, sizeof ev.from);
    struct ping_stats *st = r->st;
    if (s->state == SLOT_ANSWERED) {
        ev.dup = 1;
        st->dups++;
    } else {
        s->state = SLOT_ANSWERED;
        st->received++;
        if (st->received == 1 || ev.rtt_us < st->rtt_min_us)
            st->rtt_min_us = ev.rtt_us;
        if (ev.rtt_us > st->rtt_max_us)
            st->rtt_max_us = ev.rtt_us;
        st->rtt_sum_us += ev.rtt_us;
        st->rtt_sum2_us2 += (double)ev.rtt_us * (double)ev.rtt_us;
    }
    emit(r, &ev);
}

/* Read every queued reply. Returns -1 on a socket error other than "nothing left". */
static int drain_replies(struct run *r, struct errbuf *eb)
{
    for (;;) {
        struct sockaddr_storage from;
        union {
            char buf[512];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {r->rbuf, RECV_BUF_SIZE};
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctl.buf;
        msg.msg_controllen = sizeof ctl.buf;
        ssize_t n = recvmsg(r->p->fd, &msg, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return 0;
            /* A pending asynchronous error (sk_err) surfaces here on some sockets; the error
             * queue has the details. */
            if (errno == EHOSTUNREACH || errno == ENETUNREACH || errno == ECONNREFUSED ||
                errno == EMSGSIZE || errno == EACCES || errno == EPERM || errno == ETIMEDOUT ||
                errno == EHOSTDOWN || errno == ENETDOWN || errno == EPROTO)
                return 0;
            return err_set_errno(eb, errno, "ping: recvmsg");
        }
        if (msg.msg_flags & MSG_TRUNC)
            continue;
        if (msg.msg_namelen < sizeof(sa_family_t))
            msg.msg_namelen = 0;
        handle_reply(r, r->rbuf, (size_t)n, &msg);
    }
}

/* Text for an ICMP error, as iputils words it. */
static void icmp_error_text(int family, int type, int code, uint32_t info, char *out, size_t n)
{
    static const char *const unreach4[] = {
        "Destination Net Unreachable",
        "Destination Host Unreachable",
        "Destination Protocol Unreachable",
        "Destination Port Unreachable",
        "Frag needed and DF set",
        "Source Route Failed",
        "Destination Net Unknown",
        "Destination Host Unknown",
        "Source Host Isolated",
        "Destination Net Prohibited",
        "Destination Host Prohibited",
        "Destination Net Unreachable for Type of Service",
        "Destination Host Unreachable for Type of Service",
        "Packet filtered",
        "Precedence Violation",
        "Precedence Cutoff",
    };
    static const char *const unreach6[] = {
        "No route",
        "Administratively prohibited",
        "Beyond scope of source address",
        "Address unreachable",
        "Port unreachable",
        "Source address failed ingress/egress policy",
        "Reject route to destination",
    };
    if (family == AF_INET) {
        if (type == ICMP4_DEST_UNREACH && code == 4)
            snprintf(out, n, "Frag needed and DF set (mtu = %u)", (unsigned)info);
        else if (type == ICMP4_DEST_UNREACH && code >= 0 && code < 16)
            snprintf(out, n, "%s", unreach4[code]);
        else if (type == ICMP4_TIME_EXCEEDED)
            snprintf(out, n, "%s",
                     code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded");
        else if (type == ICMP4_REDIRECT)
            snprintf(out, n, "Redirect (code %d)", code);
        else if (type == ICMP4_PARAM_PROBLEM)
            snprintf(out, n, "Parameter problem: pointer = %u", (unsigned)(info >> 24));
        else
            snprintf(out, n, "ICMP error type %d code %d", type, code);
    } else {
        if (type == 1 && code >= 0 && code < 7)
            snprintf(out, n, "Destination unreachable: %s", unreach6[code]);
        else if (type == 2)
            snprintf(out, n, "Packet too big: mtu=%u", (unsigned)info);
        else if (type == 3)
            snprintf(out, n, "Time exceeded: %s",
                     code == 0 ? "Hop limit" : "Defragmentation failure");
        else if (type == 4)
            snprintf(out, n, "Parameter problem: code %d, pointer = %u", code, (unsigned)info);
        else
            snprintf(out, n, "ICMPv6 error type %d code %d", type, code);
    }
}

/* Read the socket error queue: ICMP errors and local errors about requests we sent. */
static void drain_errors(struct run *r)
{
    struct ping *p = r->p;
    int got = 0;
    for (;;) {
        uint8_t orig[64];
        union {
            char buf[512];
            struct cmsghdr align;
        } ctl;
        struct sockaddr_storage target;
        struct iovec iov = {orig, sizeof orig};
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_name = &target;
        msg.msg_namelen = sizeof target;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctl.buf;
        msg.msg_controllen = sizeof ctl.buf;
        ssize_t n = recvmsg(p->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (n < 0)
            break;
        got = 1;
        struct sock_extended_err ee;
        struct sockaddr_storage offender;
        int have_ee = 0;
        memset(&offender, 0, sizeof offender);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
                (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
                size_t dl = c->cmsg_len - CMSG_LEN(0);
                if (dl < sizeof ee)
                    continue;
                memcpy(&ee, CMSG_DATA(c), sizeof ee);
                have_ee = 1;
                size_t ol = dl - sizeof ee;
                if (ol > sizeof offender)
                    ol = sizeof offender;
                memcpy(&offender, CMSG_DATA(c) + sizeof ee, ol);
            }
        }
        if (!have_ee)
            continue;
        /* The queued bytes are our echo request, from its ICMP header on. */
        struct rd rd = rd_make(orig, (size_t)n);
        uint8_t type = rd_u8(&rd);
        rd_skip(&rd, 3);
        uint16_t id = rd_be16(&rd);
        uint16_t wseq = rd_be16(&rd);
        if (rd.short_read || type != (p->family == AF_INET ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQ))
            continue;
        if (p->kind == PING_SOCK_RAW && id != p->ident)
            continue;
        struct slot *s = slot_of_wire(r, wseq);
        if (!s)
            continue;

        struct ping_event ev;
        memset(&ev, 0, sizeof ev);
        ev.seq = s->seq;
        ev.ttl = -1;
        if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
            ev.kind = PING_EV_ICMP_ERROR;
            if (offender.ss_family == AF_INET || offender.ss_family == AF_INET6)
                resolve_addr_str((struct sockaddr *)&offender, ev.from, sizeof ev.from);
            icmp_error_text(p->family, ee.ee_type, ee.ee_code, ee.ee_info, ev.text,
                            sizeof ev.text);
        } else {
            ev.kind = PING_EV_LOCAL_ERROR;
            if (ee.ee_errno == EMSGSIZE)
                snprintf(ev.text, sizeof ev.text, "local error: message too long, mtu=%u",
                         (unsigned)ee.ee_info);
            else
                snprintf(ev.text, sizeof ev.text, "local error: %s", strerror((int)ee.ee_errno));
        }
        if (s->state == SLOT_WAITING || s->state == SLOT_TIMED_OUT)
            s->state = SLOT_ERROR;
        r->st->errors++;
        emit(r, &ev);
    }
    if (!got) {
        /* POLLERR without a queued report: clear the pending error so poll() calms down. */
        int e = 0;
        socklen_t el = sizeof e;
        (void)getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el);
    }
}

/* ---- the run loop ---- */

int ping_run(struct ping *p, const struct ping_opts *o, ping_event_fn cb, void *ud,
             struct ping_stats *st, struct errbuf *eb)
{
    memset(st, 0, sizeof *st);
    if (!(o->interval >= 0.001 && o->interval <= 86400.0) ||
        !(o->timeout > 0.0 && o->timeout <= 86400.0) || o->size > PING_MAX_SIZE) {
        err_set(eb, "ping: interval, timeout or size out of range");
        return PING_ERR_ARG;
    }
    struct run r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.o = o;
    r.cb = cb;
    r.ud = ud;
    r.st = st;
    /* Sequence numbers 1..count index the slots directly while they fit in 16 bits; beyond
     * that the slots form a ring indexed by the wire sequence number. */
    r.nslots = (o->count > 0 && o->count < 65536) ? (size_t)o->count + 1 : 65536;
    r.slots = xcalloc(r.nslots, sizeof *r.slots);
    r.pkt = xmalloc(8 + o->size);
    r.rbuf = xmalloc(RECV_BUF_SIZE);

    const int64_t interval_ns = (int64_t)(o->interval * 1e9);
    const int64_t timeout_ns = (int64_t)(o->timeout * 1e9);
    const int64_t start = now_ns(CLOCK_MONOTONIC);
    int64_t next_send = start;
    uint64_t oldest = 1; /* lowest sequence number that may still be waiting */
    int rc = 0;

    for (;;) {
        if (o->stop && *o->stop) {
            st->interrupted = 1;
            break;
        }
        int64_t now = now_ns(CLOCK_MONOTONIC);
        int more = o->count == 0 || st->sent < o->count;
        if (more && now >= next_send) {
            send_one(&r, st->sent + 1);
            next_send += interval_ns;
            if (next_send < now) /* fell behind (e.g. suspended): keep the pace from here */
                next_send = now + interval_ns;
            continue;
        }
        /* Requests whose deadline passed. */
        while (oldest <= st->sent) {
            struct slot *s = slot_of(&r, oldest);
            if (s->seq != oldest || s->state != SLOT_WAITING) {
                oldest++;
                continue;
            }
            if (now - s->sent_mono_ns < timeout_ns)
                break;
            emit_timeout(&r, s);
            oldest++;
        }
        if (!more && oldest > st->sent)
            break;

        int64_t wake = now + (int64_t)POLL_CAP_MS * 1000000;
        if (more && next_send < wake)
            wake = next_send;
        if (oldest <= st->sent) {
            int64_t d = slot_of(&r, oldest)->sent_mono_ns + timeout_ns;
            if (d < wake)
                wake = d;
        }
        int wait_ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
        struct pollfd pfd = {p->fd, POLLIN, 0};
        int n = poll(&pfd, 1, wait_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = err_set_errno(eb, errno, "ping: poll");
            break;
        }
        if (n == 0)
            continue;
        if (pfd.revents & POLLERR)
            drain_errors(&r);
        if (pfd.revents & POLLIN) {
            if (drain_replies(&r, eb) < 0) {
                rc = PING_ERR_SYS;
                break;
            }
        }
        if (pfd.revents & POLLNVAL) {
            rc = err_set(eb, "ping: socket is not open");
            break;
        }
    }
    st->elapsed_us = st->sent ? (now_ns(CLOCK_MONOTONIC) - start) / 1000 : 0;
    free(r.slots);
    free(r.pkt);
    free(r.rbuf);
    return rc < 0 ? PING_ERR_SYS : 0;
}

/* ---- statistics ---- */

double ping_loss_pct(const struct ping_stats *st)
{
    if (!st->sent)
        return 0.0;
    uint64_t lost = st->received >= st->sent ? 0 : st->sent - st->received;
    return (double)lost * 100.0 / (double)st->sent;
}

int64_t ping_rtt_avg_us(const struct ping_stats *st)
{
    return st->received ? st->rtt_sum_us / (int64_t)st->received : 0;
}

int64_t ping_rtt_mdev_us(const struct ping_stats *st)
{
    if (!st->received)
        return 0;
    double n = (double)st->received;
    double mean = (double)st->rtt_sum_us / n;
    double var = st->rtt_sum2_us2 / n - mean * mean;
    return var > 0 ? (int64_t)sqrt(var) : 0;
}

/* ---- output ---- */

static void fmt_ms3(struct obuf *ob, int64_t us)
{
    ob_fixed(ob, us, 3);
}

void ping_fmt_rtt(struct obuf *ob, int64_t us)
{
    if (us < 0)
        us = 0;
    /* iputils ping_common.c: the precision shrinks as the time grows. */
    if (us >= 100000 - 50)
        ob_i64(ob, (us + 500) / 1000);
    else if (us >= 10000 - 5)
        ob_fixed(ob, (us + 50) / 100, 1);
    else if (us >= 1000)
        ob_fixed(ob, (us + 5) / 10, 2);
    else
        ob_fixed(ob, us, 3);
}

void ping_fmt_header(struct obuf *ob, const char *name, const struct sockaddr *dst, size_t size)
{
    char a[RESOLVE_ADDRSTRLEN];
    resolve_addr_str(dst, a, sizeof a);
    if (dst->sa_family == AF_INET6)
        ob_printf(ob, "PING %s(%s) %zu data bytes\n", name, a, size);
    else
        ob_printf(ob, "PING %s (%s) %zu(%zu) bytes of data.\n", name, a, size, size + 28);
}

void ping_fmt_event(struct obuf *ob, const struct ping_event *ev)
{
    switch (ev->kind) {
    case PING_EV_REPLY:
        ob_printf(ob, "%zu bytes from %s: icmp_seq=%llu", ev->bytes, ev->from,
                  (unsigned long long)ev->seq);
        if (ev->ttl >= 0)
            ob_printf(ob, " ttl=%d", ev->ttl);
        ob_puts(ob, " time=");
        ping_fmt_rtt(ob, ev->rtt_us);
        ob_puts(ob, ev->dup ? " ms (DUP!)\n" : " ms\n");
        break;
    case PING_EV_TIMEOUT:
        ob_printf(ob, "no answer yet for icmp_seq=%llu\n", (unsigned long long)ev->seq);
        break;
    case PING_EV_ICMP_ERROR:
        ob_printf(ob, "From %s icmp_seq=%llu %s\n", ev->from[0] ? ev->from : "?",
                  (unsigned long long)ev->seq, ev->text);
        break;
    case PING_EV_LOCAL_ERROR:
        ob_printf(ob, "icmp_seq=%llu: %s\n", (unsigned long long)ev->seq, ev->text);
        break;
    }
}

void ping_fmt_stats(struct obuf *ob, const char *name, const struct ping_stats *st)
{
    ob_printf(ob, "\n--- %s ping statistics ---\n", name);
    ob_printf(ob, "%llu packets transmitted, %llu received", (unsigned long long)st->sent,
              (unsigned long long)st->received);
    if (st->dups)
        ob_printf(ob, ", +%llu duplicates", (unsigned long long)st->dups);
    if (st->errors)
        ob_printf(ob, ", +%llu errors", (unsigned long long)st->errors);
    if (st->sent)
        ob_printf(ob, ", %g%% packet loss, time %lldms", (double)(float)ping_loss_pct(st),
                  (long long)((st->elapsed_us + 500) / 1000));
    ob_putc(ob, '\n');
    if (st->received) {
        ob_puts(ob, "rtt min/avg/max/mdev = ");
        fmt_ms3(ob, st->rtt_min_us);
        ob_putc(ob, '/');
        fmt_ms3(ob, ping_rtt_avg_us(st));
        ob_putc(ob, '/');
        fmt_ms3(ob, st->rtt_max_us);
        ob_putc(ob, '/');
        fmt_ms3(ob, ping_rtt_mdev_us(st));
        ob_puts(ob, " ms\n");
    }
}
