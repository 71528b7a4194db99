/* summary: unit tests of visit's URL parsing, capture filter and route lookup (loopback). */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "unit.h"
#include "visit.h"

static int t_url_default_scheme(void)
{
    struct visit_url u;
    struct errbuf eb = {""};
    CHECK(visit_parse_url("www.example.com/a?b=1", &u, &eb) == 0);
    CHECK_STR(u.scheme, "http");
    CHECK_STR(u.host, "www.example.com");
    CHECK_EQ_U(u.port, 80);
    CHECK_STR(u.url, "http://www.example.com/a?b=1");
    PASS;
}

static int t_url_ports(void)
{
    struct visit_url u;
    struct errbuf eb = {""};
    CHECK(visit_parse_url("https://example.org", &u, &eb) == 0);
    CHECK_STR(u.scheme, "https");
    CHECK_EQ_U(u.port, 443);
    CHECK_STR(u.url, "https://example.org/");
    CHECK(visit_parse_url("http://127.0.0.1:8080/x", &u, &eb) == 0);
    CHECK_STR(u.host, "127.0.0.1");
    CHECK_EQ_U(u.port, 8080);
    CHECK(visit_parse_url("http://[::1]:81/", &u, &eb) == 0);
    CHECK_STR(u.host, "::1");
    CHECK_EQ_U(u.port, 81);
    PASS;
}

static int t_url_errors(void)
{
    struct visit_url u;
    struct errbuf eb = {""};
    CHECK(visit_parse_url("ftp://example.org/", &u, &eb) < 0);
    CHECK(strstr(eb.msg, "http://") != NULL);
    CHECK(visit_parse_url("", &u, &eb) < 0);
    CHECK(visit_parse_url("http://a b/", &u, &eb) < 0);
    CHECK(visit_parse_url("http://example.org:99999/", &u, &eb) < 0);
    CHECK(visit_parse_url("http://:80/", &u, &eb) < 0);
    PASS;
}

static int t_filter(void)
{
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    inet_pton(AF_INET, "183.232.231.174", &a4.sin_addr);
    char f[128];
    visit_filter((struct sockaddr *)&a4, 80, f, sizeof f);
    CHECK_STR(f, "host 183.232.231.174 and tcp port 80");
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "fe80::1", &a6.sin6_addr);
    a6.sin6_scope_id = 1;
    visit_filter((struct sockaddr *)&a6, 8080, f, sizeof f);
    CHECK_STR(f, "host fe80::1 and tcp port 8080");
    PASS;
}

static int t_route_loopback(void)
{
    struct sockaddr_in a4;
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char name[IF_NAMESIZE + 1] = "", want[IF_NAMESIZE + 1] = "";
    struct errbuf eb = {""};
    CHECK(visit_route_iface((struct sockaddr *)&a4, name, sizeof name, &eb) == 0);
    /* the loopback interface is index 1 on Linux */
    CHECK(if_indextoname(1, want) != NULL);
    CHECK_STR(name, want);
    PASS;
}

static const struct unit_test visit_tests[] = {
    {"visit: URL without a scheme is http", t_url_default_scheme},
    {"visit: URL ports and IPv6 literals", t_url_ports},
    {"visit: URL errors", t_url_errors},
    {"visit: capture filter", t_filter},
    {"visit: 127.0.0.1 routes through the loopback interface", t_route_loopback},
    {NULL, NULL},
};
UNIT_REGISTER(visit_tests)
