/* summary: `visit` without the printing: URL parsing, the routed interface, the capture filter
 * and the capture thread that watches for the request's connection to close. */
#include "visit.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "curl_api.h"
#include "resolve.h"
#include "xalloc.h"

/* ---- the URL ---- */

static int copy_part(const struct curl_api *C, CURLU *h, CURLUPart what, char *dst, size_t n)
{
    char *s = NULL;
    if (C->url_get(h, what, &s, 0) != CURLUE_OK || !s)
        return -1;
    size_t l = strlen(s);
    if (l >= n) {
        C->free(s);
        return -1;
    }
    memcpy(dst, s, l + 1);
    C->free(s);
    return 0;
}

int visit_parse_url(const char *text, struct visit_url *u, struct errbuf *eb)
{
    memset(u, 0, sizeof *u);
    if (!text || !*text)
        return err_set(eb, "empty URL");
    if (strlen(text) >= sizeof u->url - 16)
        return err_set(eb, "URL too long (at most %zu bytes)", sizeof u->url - 16);
    for (const char *p = text; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return err_set(eb, "'%s' is not a URL: it contains a space or a control character",
                           text);
    const struct curl_api *C = curl_api(eb);
    if (!C)
        return -1;
    CURLU *h = C->url();
    if (!h)
        return err_set(eb, "cannot parse URLs: out of memory");
    /* Like curl: no scheme means http (libcurl's own default would be https). */
    char full[sizeof u->url];
    snprintf(full, sizeof full, "%s%s", strstr(text, "://") ? "" : "http://", text);
    CURLUcode rc = C->url_set(h, CURLUPART_URL, full, 0);
    if (rc != CURLUE_OK) {
        C->url_cleanup(h);
        return err_set(eb, "'%s' is not a URL", text);
    }
    char port[16] = "";
    if (copy_part(C, h, CURLUPART_SCHEME, u->scheme, sizeof u->scheme) < 0 ||
        (strcmp(u->scheme, "http") && strcmp(u->scheme, "https"))) {
        C->url_cleanup(h);
        return err_set(eb, "'%s': only http:// and https:// URLs can be visited", text);
    }
    if (copy_part(C, h, CURLUPART_HOST, u->host, sizeof u->host) < 0 || !u->host[0]) {
        C->url_cleanup(h);
        return err_set(eb, "'%s': no host name in the URL", text);
    }
    char *s = NULL;
    if (C->url_get(h, CURLUPART_PORT, &s, CURLU_DEFAULT_PORT) != CURLUE_OK || !s) {
        C->url_cleanup(h);
        return err_set(eb, "'%s': bad port", text);
    }
    snprintf(port, sizeof port, "%s", s);
    C->free(s);
    char *end;
    unsigned long pv = strtoul(port, &end, 10);
    if (*end || pv == 0 || pv > 65535) {
        C->url_cleanup(h);
        return err_set(eb, "'%s': bad port", text);
    }
    u->port = (unsigned)pv;
    if (copy_part(C, h, CURLUPART_URL, u->url, sizeof u->url) < 0) {
        C->url_cleanup(h);
        return err_set(eb, "'%s' is not a URL", text);
    }
    C->url_cleanup(h);
    /* IPv6 literals come back in brackets, possibly with a zone: "[fe80::1%25eth0]". */
    size_t l = strlen(u->host);
    if (u->host[0] == '[' && l >= 2 && u->host[l - 1] == ']') {
        memmove(u->host, u->host + 1, l - 2);
        u->host[l - 2] = '\0';
        char *pct = strstr(u->host, "%25");
        if (pct)
            memmove(pct + 1, pct + 3, strlen(pct + 3) + 1);
    }
    return 0;
}

/* ---- routing ---- */

/* Ask the kernel's routing table (RTM_GETROUTE) for the output interface index; 0 if unknown. */
static unsigned route_oif(const struct sockaddr *dst)
{
    struct {
        struct nlmsghdr nh;
        struct rtmsg rt;
        char attrs[64];
    } req;
    memset(&req, 0, sizeof req);
    const void *addr;
    size_t alen;
    unsigned scope = 0;
    if (dst->sa_family == AF_INET) {
        addr = &((const struct sockaddr_in *)dst)->sin_addr;
        alen = 4;
    } else if (dst->sa_family == AF_INET6) {
        addr = &((const struct sockaddr_in6 *)dst)->sin6_addr;
        alen = 16;
        scope = ((const struct sockaddr_in6 *)dst)->sin6_scope_id;
    } else {
        return 0;
    }
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.rt);
    req.nh.nlmsg_type = RTM_GETROUTE;
    req.nh.nlmsg_flags = NLM_F_REQUEST;
    req.nh.nlmsg_seq = 1;
    req.rt.rtm_family = (unsigned char)dst->sa_family;
    req.rt.rtm_dst_len = (unsigned char)(alen * 8);
    struct rtattr *ra = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
    ra->rta_type = RTA_DST;
    ra->rta_len = (unsigned short)RTA_LENGTH(alen);
    memcpy(RTA_DATA(ra), addr, alen);
    req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(ra->rta_len);
    if (scope) {
        ra = (struct rtattr *)((char *)&req + req.nh.nlmsg_len);
        ra->rta_type = RTA_OIF;
        ra->rta_len = (unsigned short)RTA_LENGTH(sizeof(int));
        int oif = (int)scope;
        memcpy(RTA_DATA(ra), &oif, sizeof oif);
        req.nh.nlmsg_len += RTA_ALIGN(ra->rta_len);
    }

    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return 0;
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_nl kern;
    memset(&kern, 0, sizeof kern);
    kern.nl_family = AF_NETLINK;
    unsigned oif = 0;
    if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kern, sizeof kern) < 0) {
        close(fd);
        return 0;
    }
    union {
        char b[8192];
        struct nlmsghdr align;
    } buf;
    ssize_t n = recv(fd, buf.b, sizeof buf.b, 0);
    close(fd);
    if (n <= 0)
        return 0;
    unsigned int left = (unsigned int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf.b; NLMSG_OK(h, left);
         h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
            continue;
        struct rtmsg *rt = NLMSG_DATA(h);
        int alen2 = (int)RTM_PAYLOAD(h);
        for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, alen2); a = RTA_NEXT(a, alen2))
            if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(int)) {
                int v;
                memcpy(&v, RTA_DATA(a), sizeof v);
                if (v > 0)
                    oif = (unsigned)v;
            }
    }
    return oif;
}

static bool same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
    if (!a || !b || a->sa_family != b->sa_family)
        return false;
    if (a->sa_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->sa_family == AF_INET6)
        return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
    return false;
}

/* Without rtnetlink: the source address a connected UDP socket gets, and its interface. */
static int route_by_source(const struct sockaddr *dst, char *name, size_t n, struct errbuf *eb)
{
    char a[RESOLVE_ADDRSTRLEN];
    resolve_addr_str(dst, a, sizeof a);
    struct sockaddr_storage d;
    memcpy(&d, dst, resolve_addr_len(dst));
    resolve_set_port((struct sockaddr *)&d, 9);
    int fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set_errno(eb, errno, "cannot find the interface to %s", a);
    struct sockaddr_storage src;
    socklen_t sl = sizeof src;
    if (connect(fd, (struct sockaddr *)&d, resolve_addr_len(dst)) < 0 ||
        getsockname(fd, (struct sockaddr *)&src, &sl) < 0) {
        int e = errno;
        close(fd);
        return err_set_errno(eb, e, "no route to %s", a);
    }
    close(fd);
    struct ifaddrs *all = NULL;
    if (getifaddrs(&all) < 0)
        return err_set_errno(eb, errno, "cannot list the interfaces");
    const char *found = NULL, *loop = NULL;
    bool local = false;
    for (struct ifaddrs *i = all; i; i = i->ifa_next) {
        if (!i->ifa_addr)
            continue;
        if ((i->ifa_flags & IFF_LOOPBACK) && !loop)
            loop = i->ifa_name;
        if (same_ip(i->ifa_addr, dst))
            local = true;
        if (!found && same_ip(i->ifa_addr, (struct sockaddr *)&src))
            found = i->ifa_name;
    }
    /* Packets to an address of this machine go through the loopback interface. */
    if (local && loop)
        found = loop;
    int rc = 0;
    if (found)
        snprintf(name, n, "%s", found);
    else
        rc = err_set(eb, "cannot find the interface that routes to %s", a);
    freeifaddrs(all);
    return rc;
}

int visit_route_iface(const struct sockaddr *dst, char *name, size_t n, struct errbuf *eb)
{
    unsigned oif = route_oif(dst);
    char ifn[IF_NAMESIZE];
    if (oif && if_indextoname(oif, ifn)) {
        snprintf(name, n, "%s", ifn);
        return 0;
    }
    return route_by_source(dst, name, n, eb);
}

void visit_filter(const struct sockaddr *dst, unsigned port, char *buf, size_t n)
{
    char a[RESOLVE_ADDRSTRLEN];
    resolve_addr_str(dst, a, sizeof a);
    char *pct = strchr(a, '%'); /* pcap-filter has no zone in addresses */
    if (pct)
        *pct = '\0';
    snprintf(buf, n, "host %s and tcp port %u", a, port);
}

/* ---- the capture thread ---- */

struct vconn {
    uint32_t stream;
    unsigned cport; /* the client's port */
    bool closed;
};

struct vcap {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool opened, done;           /* under mu */
    bool loop_over;              /* under mu: the capture loop has ended (the handle closes) */
    struct vconn conns[VISIT_MAX_CONNS];
    int nconns;                  /* under mu */
    uint64_t packets;            /* under mu */
    atomic_int stop;
    struct run_opts ro;
    char *iface, *filter, *path;
    enum run_status st;          /* when done */
    struct run_info ri;
    struct errbuf eb;
};

static void vcap_on_open(void *ctx, const char *what, uint32_t linktype)
{
    (void)what;
    (void)linktype;
    struct vcap *v = ctx;
    pthread_mutex_lock(&v->mu);
    v->opened = true;
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
}

static bool vcap_should_stop(void *ctx)
{
    struct vcap *v = ctx;
    return atomic_load(&v->stop) != 0;
}

static void watch_packet(void *ctx, const struct pkt_event *ev)
{
    struct vcap *v = ctx;
    pthread_mutex_lock(&v->mu);
    v->packets++;
    const struct tcp_rec *r = ev->tcp;
    if (r && !r->inner && r->conn) {
        const struct tcp_conn *c = r->conn;
        struct vconn *e = NULL;
        for (int i = 0; i < v->nconns && !e; i++)
            if (v->conns[i].stream == r->stream)
                e = &v->conns[i];
        if (!e && v->nconns < VISIT_MAX_CONNS) {
            e = &v->conns[v->nconns++];
            e->stream = r->stream;
            e->cport = c->client == 2 ? c->port2 : c->port1;
            e->closed = false;
        }
        if (e)
            e->closed = c->closed;
    }
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
}

static void watch_finish(void *ctx, const struct run_info *ri)
{
    (void)ri;
    struct vcap *v = ctx;
    pthread_mutex_lock(&v->mu);
    v->loop_over = true;
    pthread_mutex_unlock(&v->mu);
}

static void *vcap_main(void *arg)
{
    struct vcap *v = arg;
    /* Ctrl-C is for the main thread (it stops the request and the ping); the capture sees the
     * stop flag that the handler sets. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct sink s = {v, watch_packet, NULL, watch_finish, NULL, NULL};
    struct run_info ri;
    struct errbuf eb = {""};
    enum run_status st = analyzer_run(&v->ro, &s, 1, &ri, &eb);
    pthread_mutex_lock(&v->mu);
    v->st = st;
    v->ri = ri;
    v->ri.track = NULL;
    v->eb = eb;
    v->done = true;
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

static void vcap_free(struct vcap *v)
{
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->cv);
    free(v->iface);
    free(v->filter);
    free(v->path);
    free(v);
}

int vcap_start(struct vcap **out, const struct vcap_opts *o, enum run_status *st,
               struct errbuf *eb)
{
    *out = NULL;
    struct vcap *v = xcalloc(1, sizeof *v);
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    v->iface = xstrdup(o->iface);
    v->filter = xstrdup(o->filter);
    v->path = xstrdup(o->path);
    v->ro.iface = v->iface;
    v->ro.filter = v->filter;
    v->ro.write_path = v->path;
    v->ro.depth = DIS_DEPTH_APP;
    v->ro.promisc = false;
    v->ro.snaplen = o->snaplen;
    v->ro.on_open = vcap_on_open;
    v->ro.on_open_ctx = v;
    v->ro.should_stop = vcap_should_stop;
    v->ro.should_stop_ctx = v;
    int e = pthread_create(&v->th, NULL, vcap_main, v);
    if (e) {
        *st = RUN_CAPTURE_ERR;
        err_set_errno(eb, e, "cannot start the capture thread");
        vcap_free(v);
        return -1;
    }
    pthread_mutex_lock(&v->mu);
    while (!v->opened && !v->done)
        pthread_cond_wait(&v->cv, &v->mu);
    bool failed = v->done;
    pthread_mutex_unlock(&v->mu);
    if (failed) {
        pthread_join(v->th, NULL);
        *st = v->st != RUN_OK ? v->st : RUN_CAPTURE_ERR;
        err_set(eb, "%s", v->eb.msg[0] ? v->eb.msg : "the capture ended at once");
        vcap_free(v);
        return -1;
    }
    *out = v;
    return 0;
}

static bool closed_locked(const struct vcap *v, unsigned client_port)
{
    if (client_port) {
        for (int i = v->nconns - 1; i >= 0; i--)
            if (v->conns[i].cport == client_port)
                return v->conns[i].closed;
        return false;
    }
    if (!v->nconns)
        return false;
    for (int i = 0; i < v->nconns; i++)
        if (!v->conns[i].closed)
            return false;
    return true;
}

bool vcap_wait_closed(struct vcap *v, unsigned client_port, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&v->mu);
    bool ok;
    for (;;) {
        ok = closed_locked(v, client_port);
        if (ok || v->done)
            break;
        if (pthread_cond_timedwait(&v->cv, &v->mu, &dl) == ETIMEDOUT) {
            ok = closed_locked(v, client_port);
            break;
        }
    }
    pthread_mutex_unlock(&v->mu);
    return ok;
}

uint64_t vcap_packets(struct vcap *v)
{
    pthread_mutex_lock(&v->mu);
    uint64_t n = v->packets;
    pthread_mutex_unlock(&v->mu);
    return n;
}

enum run_status vcap_stop(struct vcap *v, struct run_info *ri, struct errbuf *eb)
{
    atomic_store(&v->stop, 1);
    /* libpcap may wait in poll() past its timeout until a packet comes: wake it. Holding mu
     * keeps the capture thread from closing the handle meanwhile (watch_finish runs first). */
    pthread_mutex_lock(&v->mu);
    if (!v->loop_over)
        capture_break();
    pthread_mutex_unlock(&v->mu);
    pthread_join(v->th, NULL);
    enum run_status st = v->st;
    *ri = v->ri;
    ri->source = NULL; /* pointed into v */
    if (v->eb.msg[0])
        err_set(eb, "%s", v->eb.msg);
    vcap_free(v);
    return st;
}
