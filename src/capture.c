/* summary: libpcap live capture, BPF filters, interface list and signal handling. */
#include "capture.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dissect.h"
#include "outbuf.h"
#include "xalloc.h"

volatile sig_atomic_t capture_stop;
volatile sig_atomic_t capture_signal;
static pcap_t *volatile live_handle; /* for pcap_breakloop() from the signal handler */

static void on_signal(int sig)
{
    capture_stop = 1;
    capture_signal = sig;
    pcap_t *h = live_handle;
    if (h)
        pcap_breakloop(h);
}

void capture_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

void capture_break(void)
{
    pcap_t *h = live_handle;
    if (h)
        pcap_breakloop(h);
}

struct live {
    pcap_t *p;
    uint32_t linktype;
    uint32_t snaplen;
    int fd;    /* batch mode: the non-blocking handle's descriptor to poll(); else -1 */
    bool idle; /* batch mode: the last read found nothing, poll before the next */
};

static int dlt_for_pcap(uint32_t linktype)
{
    if (linktype == LINKTYPE_RAW)
        return DLT_RAW;
    return (int)linktype;
}

int live_open(struct live **out, const struct live_opts *o, enum live_err *why, struct errbuf *eb)
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    *why = LIVE_ERR_OTHER;
    pcap_t *p = pcap_create(o->iface, pe);
    if (!p)
        return err_set(eb, "cannot capture on %s: %s", o->iface, pe);
    int snap = o->snaplen > 0 ? o->snaplen : 262144;
    pcap_set_snaplen(p, snap);
    pcap_set_promisc(p, o->promisc ? 1 : 0);
    pcap_set_immediate_mode(p, o->batch ? 0 : 1);
    pcap_set_timeout(p, LIVE_TIMEOUT_MS);
    pcap_set_buffer_size(p, (o->buffer_mb > 0 ? o->buffer_mb : LIVE_BUFFER_MB) * 1024 * 1024);
    int rc = pcap_activate(p);
    if (rc < 0) {
        const char *msg = pcap_geterr(p);
        if (rc == PCAP_ERROR_PERM_DENIED || (rc == PCAP_ERROR && strstr(msg, "ermission"))) {
            *why = LIVE_ERR_PERM;
            err_set(eb, "no permission to capture on %s: run as root, or give the binary the "
                        "capability: setcap cap_net_raw,cap_net_admin=eip %s",
                    o->iface, "$(command -v tcplens)");
        } else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
            *why = LIVE_ERR_NODEV;
            err_set(eb, "no such interface: %s (see 'tcplens interfaces')", o->iface);
        } else {
            err_set(eb, "cannot capture on %s: %s", o->iface, msg[0] ? msg : pcap_statustostr(rc));
        }
        pcap_close(p);
        return -1;
    }
    if (o->filter && o->filter[0]) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            *why = LIVE_ERR_FILTER;
            err_set(eb, "bad filter '%s': %s", o->filter, pcap_geterr(p));
            pcap_close(p);
            return -1;
        }
        if (pcap_setfilter(p, &prog) < 0) {
            *why = LIVE_ERR_FILTER;
            err_set(eb, "cannot set filter: %s", pcap_geterr(p));
            pcap_freecode(&prog);
            pcap_close(p);
            return -1;
        }
        pcap_freecode(&prog);
    }
    struct live *l = xcalloc(1, sizeof *l);
    l->p = p;
    l->fd = -1;
    /* in blocks: read without blocking until the kernel has nothing ready (live_next returns 0,
     * the caller flushes its output), then poll() for the next block, LIVE_TIMEOUT_MS at most
     * so that a stop request is seen. libpcap's own wait would block until the next block,
     * with the output of the last one still unflushed. */
    if (o->batch && pcap_setnonblock(p, 1, pe) == 0)
        l->fd = pcap_get_selectable_fd(p);
    l->linktype = linktype_from_dlt(pcap_datalink(p));
    l->snaplen = (uint32_t)pcap_snapshot(p);
    live_handle = p;
    *out = l;
    return 0;
}

int live_next(struct live *l, struct cap_rec *rec, struct errbuf *eb)
{
    if (capture_stop)
        return -2;
    if (l->fd >= 0 && l->idle) {
        struct pollfd pfd = {l->fd, POLLIN, 0};
        int n = poll(&pfd, 1, LIVE_TIMEOUT_MS);
        if (capture_stop)
            return -2;
        if (n < 0 && errno != EINTR)
            return err_set_errno(eb, errno, "capture failed: poll");
        if (n <= 0)
            return 0;
        l->idle = false;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc = pcap_next_ex(l->p, &h, &d);
    if (rc == 1) {
        rec->ts_sec = h->ts.tv_sec;
        rec->ts_nsec = (uint32_t)h->ts.tv_usec * 1000u;
        rec->caplen = h->caplen;
        rec->wirelen = h->len < h->caplen ? h->caplen : h->len;
        rec->linktype = l->linktype;
        rec->ifindex = 0;
        rec->data = d;
        return 1;
    }
    if (rc == 0) {
        l->idle = l->fd >= 0;
        return 0;
    }
    if (rc == PCAP_ERROR_BREAK || capture_stop)
        return -2;
    return err_set(eb, "capture failed: %s", pcap_geterr(l->p));
}

uint32_t live_linktype(const struct live *l)
{
    return l->linktype;
}

uint32_t live_snaplen(const struct live *l)
{
    return l->snaplen;
}

int live_stats(struct live *l, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop)
{
    struct pcap_stat st;
    if (pcap_stats(l->p, &st) < 0)
        return -1;
    *recv = st.ps_recv;
    *drop = st.ps_drop;
    *ifdrop = st.ps_ifdrop;
    return 0;
}

void live_close(struct live *l)
{
    if (!l)
        return;
    live_handle = NULL;
    pcap_close(l->p);
    free(l);
}

int capture_drop_privs(const char *user, struct errbuf *eb)
{
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return err_set(eb, "cannot drop privileges: no user '%s'", user);
    if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
        setuid(pw->pw_uid) < 0)
        return err_set_errno(eb, errno, "cannot drop privileges to '%s'", user);
    return 0;
}

/* ---- BPF sets ---- */

#define BPF_MAX_LINKTYPES 16

struct bpf_entry {
    uint32_t linktype;
    bool ok;                 /* compiled; false: expression does not apply */
    struct bpf_program prog;
};

struct bpf_set {
    char *expr;
    uint32_t snaplen;
    int n;
    struct bpf_entry e[BPF_MAX_LINKTYPES];
};

static struct bpf_entry *bpf_compile_for(struct bpf_set *b, uint32_t linktype, char *err,
                                         size_t errlen)
{
    for (int i = 0; i < b->n; i++)
        if (b->e[i].linktype == linktype)
            return &b->e[i];
    if (b->n == BPF_MAX_LINKTYPES)
        return NULL;
    struct bpf_entry *e = &b->e[b->n++];
    e->linktype = linktype;
    e->ok = false;
    pcap_t *p = pcap_open_dead(dlt_for_pcap(linktype), (int)b->snaplen);
    if (!p)
        return e;
    /* sets of two reader threads may compile at once; libpcap's compiler is not documented as
     * reentrant */
    static pthread_mutex_t compile_mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&compile_mu);
    int crc = pcap_compile(p, &e->prog, b->expr, 1, PCAP_NETMASK_UNKNOWN);
    pthread_mutex_unlock(&compile_mu);
    if (crc == 0) {
        e->ok = true;
    } else if (err) {
        size_t l = strlen(pcap_geterr(p));
        if (l >= errlen)
            l = errlen - 1;
        memcpy(err, pcap_geterr(p), l);
        err[l] = '\0';
    }
    pcap_close(p);
    return e;
}

int bpf_set_new(struct bpf_set **out, const char *expr, uint32_t linktype, uint32_t snaplen,
                struct errbuf *eb)
{
    struct bpf_set *b = xcalloc(1, sizeof *b);
    b->expr = xstrdup(expr);
    b->snaplen = snaplen ? snaplen : 262144;
    char err[PCAP_ERRBUF_SIZE] = "";
    struct bpf_entry *e = bpf_compile_for(b, linktype, err, sizeof err);
    if (!e || !e->ok) {
        err_set(eb, "bad filter '%s': %s", expr, err[0] ? err : "cannot compile");
        bpf_set_free(b);
        *out = NULL;
        return -1;
    }
    *out = b;
    return 0;
}

bool bpf_set_match(struct bpf_set *b, const struct cap_rec *rec)
{
    struct bpf_entry *e = bpf_compile_for(b, rec->linktype, NULL, 0);
    if (!e || !e->ok)
        return false;
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)rec->ts_sec;
    h.ts.tv_usec = (suseconds_t)(rec->ts_nsec / 1000);
    h.caplen = rec->caplen;
    h.len = rec->wirelen;
    return pcap_offline_filter(&e->prog, &h, rec->data) != 0;
}

void bpf_set_free(struct bpf_set *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n; i++)
        if (b->e[i].ok)
            pcap_freecode(&b->e[i].prog);
    free(b->expr);
    free(b);
}

/* ---- interfaces ---- */

int capture_list_interfaces(struct obuf *ob, struct errbuf *eb)
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, pe) < 0)
        return err_set(eb, "cannot list interfaces: %s", pe);
    int i = 1;
    for (pcap_if_t *d = all; d; d = d->next, i++) {
        ob_printf(ob, "%d.%s", i, d->name);
        if (d->description)
            ob_printf(ob, " (%s)", d->description);
        const char *sep = " [";
        if (d->flags & PCAP_IF_UP) {
            ob_printf(ob, "%sUp", sep);
            sep = ", ";
        }
        if (d->flags & PCAP_IF_RUNNING) {
            ob_printf(ob, "%sRunning", sep);
            sep = ", ";
        }
        if (d->flags & PCAP_IF_WIRELESS) {
            ob_printf(ob, "%sWireless", sep);
            sep = ", ";
        }
        if (d->flags & PCAP_IF_LOOPBACK) {
            ob_printf(ob, "%sLoopback", sep);
            sep = ", ";
        }
        switch (d->flags & PCAP_IF_CONNECTION_STATUS) {
        case PCAP_IF_CONNECTION_STATUS_CONNECTED:
            ob_printf(ob, "%sConnected", sep);
            break;
        case PCAP_IF_CONNECTION_STATUS_DISCONNECTED:
            ob_printf(ob, "%sDisconnected", sep);
            break;
        default:
            break;
        }
        if (strcmp(sep, " ["))
            ob_putc(ob, ']');
        ob_putc(ob, '\n');
    }
    pcap_freealldevs(all);
    return 0;
}
