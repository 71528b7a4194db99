/* summary: ICMP echo ("ping") to one IPv4 or IPv6 address, and the iputils-style output lines.
 *
 * RFC 792 (ICMP Echo/Echo Reply, types 8/0) and RFC 4443 §4.1-4.2 (ICMPv6 Echo Request/Reply,
 * types 128/129). The probe first tries an unprivileged ICMP datagram socket
 * (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), allowed when the caller's group is inside the
 * sysctl net.ipv4.ping_group_range, which also governs IPv6), then a raw socket (root or
 * CAP_NET_RAW). Replies carry the TTL / hop limit (IP_RECVTTL, IPV6_RECVHOPLIMIT) and the kernel
 * receive time (SO_TIMESTAMPNS); ICMP errors about our requests ("Destination Host Unreachable")
 * arrive on the socket error queue (IP_RECVERR, IPV6_RECVERR).
 *
 * The library never prints: ping_run reports each reply, timeout and error through a callback
 * and fills a struct ping_stats; the ping_fmt_* functions turn those into the lines iputils ping
 * prints, for `tcplens ping` and `tcplens visit` alike. */
#ifndef TCPLENS_PROBE_PING_H
#define TCPLENS_PROBE_PING_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "errbuf.h"
#include "outbuf.h"

#define PING_DEFAULT_SIZE 56
#define PING_MAX_SIZE 65507 /* 65535 - 20 (IPv4 header) - 8 (ICMP header) */

enum ping_err {
    PING_ERR_SYS = -1,  /* socket or system error (message in the errbuf) */
    PING_ERR_PERM = -2, /* neither an ICMP datagram socket nor a raw socket is allowed */
    PING_ERR_ARG = -3   /* bad option value or address family */
};

enum ping_sock_kind {
    PING_SOCK_DGRAM = 1, /* unprivileged ICMP datagram socket */
    PING_SOCK_RAW = 2    /* raw ICMP socket (root / CAP_NET_RAW) */
};

struct ping_opts {
    uint64_t count;  /* echo requests to send; 0 = until *stop is set */
    double interval; /* seconds between requests (fractional; default 1.0, at least 0.001) */
    double timeout;  /* seconds to wait for each reply before it counts as lost (default 2.0) */
    size_t size;     /* ICMP payload bytes (default 56, at most PING_MAX_SIZE) */
    const volatile sig_atomic_t *stop; /* optional: non-zero stops the run (Ctrl-C handler) */
};

enum ping_ev_kind {
    PING_EV_REPLY = 1,  /* an echo reply (possibly a duplicate) */
    PING_EV_TIMEOUT,    /* no reply within the timeout ("no answer yet for icmp_seq=N") */
    PING_EV_ICMP_ERROR, /* an ICMP error about our request, e.g. Destination Host Unreachable */
    PING_EV_LOCAL_ERROR /* the request could not be sent, or a local error was queued */
};

struct ping_event {
    enum ping_ev_kind kind;
    uint64_t seq;   /* icmp_seq, 1-based (the 16-bit field on the wire wraps, this does not) */
    size_t bytes;   /* REPLY: ICMP message size, header + payload (64 for the default size) */
    int ttl;        /* REPLY: IPv4 TTL or IPv6 hop limit, -1 if unknown */
    int64_t rtt_us; /* REPLY: round-trip time in microseconds */
    int dup;        /* REPLY: a second reply to the same request (not counted as received) */
    char from[64];  /* REPLY, ICMP_ERROR: numeric address of the sender; "" otherwise */
    char text[128]; /* ICMP_ERROR, LOCAL_ERROR: e.g. "Destination Host Unreachable" */
};

struct ping_stats {
    uint64_t sent;     /* echo requests transmitted (attempted) */
    uint64_t received; /* distinct requests answered */
    uint64_t dups;     /* duplicate replies */
    uint64_t errors;   /* ICMP errors and local errors */
    int64_t rtt_min_us, rtt_max_us, rtt_sum_us; /* over received replies (not dups) */
    double rtt_sum2_us2;                        /* sum of squares, for mdev */
    int64_t elapsed_us; /* first request to the end of the run */
    int interrupted;    /* the run ended because *stop was set */
};

typedef void (*ping_event_fn)(const struct ping_event *ev, void *ud);

struct ping; /* opaque: the socket and what it takes to talk to one destination */

/* Fill o with the defaults: count 0 (until stopped), interval 1 s, timeout 2 s, size 56. */
void ping_opts_init(struct ping_opts *o);

/* Open an ICMP socket for echo requests to dst (AF_INET or AF_INET6, port ignored): a datagram
 * socket if allowed, a raw socket otherwise. Returns 0 and *pp (free with ping_close), or
 * PING_ERR_PERM / PING_ERR_SYS / PING_ERR_ARG with one line in eb. */
int ping_open(struct ping **pp, const struct sockaddr *dst, socklen_t dstlen, struct errbuf *eb);

/* Which kind of socket ping_open got. */
enum ping_sock_kind ping_sock_kind(const struct ping *p);

/* Send o->count echo requests (o->interval apart) and collect the replies; each reply, timeout
 * and error is passed to cb (may be NULL) as it happens, in the calling thread. Returns after the
 * last request was answered or timed out, or as soon as *o->stop is set (st->interrupted = 1).
 * Fills *st. Returns 0 (also when nothing answered), PING_ERR_ARG for bad options, or
 * PING_ERR_SYS when the socket fails. */
int ping_run(struct ping *p, const struct ping_opts *o, ping_event_fn cb, void *ud,
             struct ping_stats *st, struct errbuf *eb);

/* Close the socket and free p; NULL is allowed. */
void ping_close(struct ping *p);

/* ---- statistics ---- */

/* Packet loss in percent: (sent - received) * 100 / sent; 0 when nothing was sent. */
double ping_loss_pct(const struct ping_stats *st);
/* Mean and mean deviation (sqrt(E[rtt^2] - E[rtt]^2), as iputils' "mdev") of the RTTs. */
int64_t ping_rtt_avg_us(const struct ping_stats *st);
int64_t ping_rtt_mdev_us(const struct ping_stats *st);

/* ---- output in the style of iputils ping ---- */

/* "PING name (127.0.0.1) 56(84) bytes of data." (IPv4) or "PING name(::1) 56 data bytes". */
void ping_fmt_header(struct obuf *ob, const char *name, const struct sockaddr *dst, size_t size);
/* One line per event: "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms",
 * "no answer yet for icmp_seq=2", "From 10.0.0.1 icmp_seq=3 Destination Host Unreachable",
 * "icmp_seq=4: cannot send: Network is unreachable". */
void ping_fmt_event(struct obuf *ob, const struct ping_event *ev);
/* The blank line, "--- name ping statistics ---", "N packets transmitted, N received[, +N
 * duplicates][, +N errors], L% packet loss, time Tms" and, when something was received,
 * "rtt min/avg/max/mdev = a/b/c/d ms". */
void ping_fmt_stats(struct obuf *ob, const char *name, const struct ping_stats *st);
/* An RTT in milliseconds with iputils' precision: 3 decimals below 1 ms, 2 below 10 ms, 1 below
 * 100 ms, none above ("0.045", "1.23", "12.3", "123"). No unit. */
void ping_fmt_rtt(struct obuf *ob, int64_t us);

#endif
