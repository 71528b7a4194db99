/* summary: host name resolution with getaddrinfo(AI_CANONNAME) and numeric address formatting. */
#include "resolve.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
    if (a->ss_family != b->sa_family)
        return 0;
    if (b->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)b;
        return x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (b->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
        return !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) &&
               x->sin6_scope_id == y->sin6_scope_id;
    }
    return 0;
}

int resolve_host(const char *host, int family, struct resolve_result *res, struct errbuf *eb)
{
    memset(res, 0, sizeof *res);
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
        return err_set(eb, "%s: unsupported address family %d", host, family);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM; /* one entry per address, not one per socket type */
    hints.ai_flags = AI_CANONNAME;
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &ai);
    if (rc != 0)
        return err_set(eb, "%s: %s", host, gai_strerror(rc));
    snprintf(res->canon, sizeof res->canon, "%s", ai->ai_canonname ? ai->ai_canonname : host);
    for (struct addrinfo *a = ai; a && res->naddrs < RESOLVE_MAX_ADDRS; a = a->ai_next) {
        if (a->ai_family != AF_INET && a->ai_family != AF_INET6)
            continue;
        if ((size_t)a->ai_addrlen > sizeof res->addrs[0])
            continue;
        int dup = 0;
        for (int i = 0; i < res->naddrs && !dup; i++)
            dup = same_addr(&res->addrs[i], a->ai_addr);
        if (dup)
            continue;
        memcpy(&res->addrs[res->naddrs], a->ai_addr, a->ai_addrlen);
        res->addrlens[res->naddrs] = a->ai_addrlen;
        res->naddrs++;
    }
    freeaddrinfo(ai);
    if (res->naddrs == 0)
        return err_set(eb, "%s: no IPv4 or IPv6 address", host);
    return 0;
}

const char *resolve_addr_str(const struct sockaddr *sa, char *buf, size_t n)
{
    socklen_t len = resolve_addr_len(sa);
    if (n == 0)
        return buf;
    if (!len || getnameinfo(sa, len, buf, (socklen_t)n, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(buf, n, "?");
    return buf;
}

const char *resolve_addr_port_str(const struct sockaddr *sa, char *buf, size_t n)
{
    char a[RESOLVE_ADDRSTRLEN];
    resolve_addr_str(sa, a, sizeof a);
    if (sa->sa_family == AF_INET6)
        snprintf(buf, n, "[%s]:%u", a, resolve_get_port(sa));
    else
        snprintf(buf, n, "%s:%u", a, resolve_get_port(sa));
    return buf;
}

unsigned resolve_get_port(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    return 0;
}

void resolve_set_port(struct sockaddr *sa, unsigned port)
{
    if (sa->sa_family == AF_INET)
        ((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
    else if (sa->sa_family == AF_INET6)
        ((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
}

socklen_t resolve_addr_len(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return sizeof(struct sockaddr_in);
    if (sa->sa_family == AF_INET6)
        return sizeof(struct sockaddr_in6);
    return 0;
}
