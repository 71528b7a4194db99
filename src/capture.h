/* summary: live capture with libpcap (immediate or in blocks), BPF filters for files and live, and the
 * stop flag that Ctrl-C/SIGTERM set.
 *
 * The only global state of the program lives here: the stop flag and the live handle the
 * signal handler breaks out of (aesthetics rule 14). */
#ifndef TCPLENS_CAPTURE_H
#define TCPLENS_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capfile.h"
#include "errbuf.h"

/* Why opening a live capture failed. */
enum live_err { LIVE_ERR_OTHER = 1, LIVE_ERR_PERM, LIVE_ERR_NODEV, LIVE_ERR_FILTER };

extern volatile sig_atomic_t capture_stop; /* set by SIGINT/SIGTERM */
extern volatile sig_atomic_t capture_signal; /* the signal that stopped us */

/* Install SIGINT/SIGTERM/SIGHUP handlers that set capture_stop and break a live loop. */
void capture_install_signals(void);

/* Make the open live capture's live_next return -2 (stopped) at once, without setting
 * capture_stop: for a thread that runs the capture while another one decides when it ends.
 * The caller must make sure the capture is not being closed at the same time. */
void capture_break(void);

struct live;

struct live_opts {
    const char *iface;
    const char *filter;       /* pcap-filter expression or NULL */
    int snaplen;              /* 0: 262144 */
    bool promisc;
    int buffer_mb;            /* kernel buffer, 0: LIVE_BUFFER_MB */
    /* false: immediate mode, every packet is handed over as it arrives (one wakeup per packet;
     * for a person watching, and for probes that stop the capture right after their last
     * packet). true: the kernel hands packets over in blocks (TPACKET_V3) when a block fills or
     * after LIVE_TIMEOUT_MS: far fewer wakeups, so the capture keeps up under load as tcpdump -w
     * does. */
    bool batch;
};

#define LIVE_BUFFER_MB 4    /* kernel ring: twice libpcap's default (tcpdump's without -B) */
#define LIVE_TIMEOUT_MS 100 /* batch mode: longest wait for a block to be handed over */

int live_open(struct live **out, const struct live_opts *o, enum live_err *why, struct errbuf *eb);
/* 1: packet in rec; 0: nothing yet (timeout, check capture_stop); -1 error; -2 stopped. */
int live_next(struct live *l, struct cap_rec *rec, struct errbuf *eb);
uint32_t live_linktype(const struct live *l);
uint32_t live_snaplen(const struct live *l);
/* Kernel counters: packets received by the filter, dropped by the kernel, dropped by the
 * interface. Returns -1 if unavailable. */
int live_stats(struct live *l, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop);
void live_close(struct live *l);

/* Drop root privileges to user (tcpdump -Z) after the capture device is open. */
int capture_drop_privs(const char *user, struct errbuf *eb);

/* ---- BPF filters on records (files: per link type, compiled on demand) ---- */

struct bpf_set;

/* Compile expr for linktype now (to report syntax errors early); later link types are compiled
 * when first seen. Returns -1 with libpcap's message if the expression does not compile. */
int bpf_set_new(struct bpf_set **out, const char *expr, uint32_t linktype, uint32_t snaplen,
                struct errbuf *eb);
/* true if rec passes (an expression that does not apply to the record's link type rejects). */
bool bpf_set_match(struct bpf_set *b, const struct cap_rec *rec);
void bpf_set_free(struct bpf_set *b);

/* List capture interfaces like tcpdump -D. Returns -1 on failure. */
struct obuf;
int capture_list_interfaces(struct obuf *ob, struct errbuf *eb);

#endif
