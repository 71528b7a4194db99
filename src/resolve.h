/* summary: host name resolution (getaddrinfo with AI_CANONNAME) and address formatting.
 *
 * The result holds the canonical name and up to RESOLVE_MAX_ADDRS distinct addresses in the
 * order getaddrinfo returned them (RFC 6724 destination address selection), so the first one is
 * the address a client such as ping or curl would use. Resolution may block on DNS; it is an
 * I/O boundary and reports failures as one line in a struct errbuf. */
#ifndef TCPLENS_RESOLVE_H
#define TCPLENS_RESOLVE_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "errbuf.h"

#define RESOLVE_MAX_ADDRS 16
/* Enough for any numeric IPv6 address with a scope ("fe80::1%eth0"). */
#define RESOLVE_ADDRSTRLEN 64

struct resolve_result {
    char canon[256];        /* canonical name (CNAME target), or the name as given */
    int naddrs;             /* number of entries in addrs[], 1..RESOLVE_MAX_ADDRS on success */
    struct sockaddr_storage addrs[RESOLVE_MAX_ADDRS]; /* port 0 */
    socklen_t addrlens[RESOLVE_MAX_ADDRS];
};

/* Resolve `host` (a name or a numeric IPv4/IPv6 address) for `family` (AF_UNSPEC, AF_INET or
 * AF_INET6). Duplicate addresses are dropped; at most RESOLVE_MAX_ADDRS are kept.
 * Returns 0 and fills *res, or -1 with "HOST: <gai_strerror text>" in eb. */
int resolve_host(const char *host, int family, struct resolve_result *res, struct errbuf *eb);

/* The numeric text form of an IPv4 or IPv6 address ("127.0.0.1", "::1", "fe80::1%eth0") into
 * buf (size n, RESOLVE_ADDRSTRLEN is enough); "?" for another family. Returns buf. */
const char *resolve_addr_str(const struct sockaddr *sa, char *buf, size_t n);

/* Like resolve_addr_str with the port: "127.0.0.1:80", "[::1]:80". Returns buf. */
const char *resolve_addr_port_str(const struct sockaddr *sa, char *buf, size_t n);

/* The port of an AF_INET/AF_INET6 address in host order (0 for other families). */
unsigned resolve_get_port(const struct sockaddr *sa);

/* Set the port (host order) of an AF_INET/AF_INET6 address; other families are left alone. */
void resolve_set_port(struct sockaddr *sa, unsigned port);

/* Length of the sockaddr for sa's family (sizeof sockaddr_in / sockaddr_in6), 0 if unknown. */
socklen_t resolve_addr_len(const struct sockaddr *sa);

#endif
