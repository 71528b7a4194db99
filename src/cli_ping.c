/* summary: `tcplens ping HOST`: ICMP echo with iputils-style output and exit codes. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_common.h"
#include "exitcode.h"
#include "outbuf.h"
#include "probe_ping.h"
#include "resolve.h"

static const char ping_usage[] =
    "tcplens ping HOST [-c COUNT] [-i SECONDS] [-W SECONDS] [-s SIZE] [-4|-6]";

/* The one piece of global mutable state: set by SIGINT/SIGTERM, read by ping_run. */
static volatile sig_atomic_t ping_stop;

static void on_signal(int sig)
{
    (void)sig;
    ping_stop = 1;
}

static void help(void)
{
    printf("usage: %s\n\n"
           "Send ICMP echo requests to HOST and report the replies, like ping(8).\n\n"
           "options:\n"
           "  -c, --count N         stop after N requests (default: until Ctrl-C)\n"
           "  -i, --interval SEC    seconds between requests, fractions allowed (default 1)\n"
           "  -W, --timeout SEC     seconds to wait for each reply (default 2)\n"
           "  -s, --size BYTES      ICMP payload size (default %d, at most %d)\n"
           "  -4, -6                use only IPv4 / only IPv6 addresses of HOST\n"
           "  -h, --help            show this help\n\n"
           "Unprivileged use needs the caller's group in net.ipv4.ping_group_range;\n"
           "otherwise run as root or give the binary cap_net_raw.\n\n"
           "exit status: 0 at least one reply, 1 no reply, 2 usage error,\n"
           "             5 no permission to open an ICMP socket, 6 HOST does not resolve\n\n"
           "examples:\n"
           "  tcplens ping -c 4 example.com\n"
           "  tcplens ping -6 -c 3 -i 0.2 ::1\n",
           ping_usage, PING_DEFAULT_SIZE, PING_MAX_SIZE);
}

struct ping_ctx {
    struct obuf *ob;
};

static void on_event(const struct ping_event *ev, void *ud)
{
    struct ping_ctx *c = ud;
    ping_fmt_event(c->ob, ev);
    ob_flush(c->ob);
}

static const char hint_perm[] =
    "run as root, or allow unprivileged ICMP sockets for your group with "
    "'sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"', "
    "or give the binary the capability: 'setcap cap_net_raw+ep tcplens'";

int cli_ping(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'c'},   {"interval", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 'W'}, {"size", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    struct ping_opts po;
    ping_opts_init(&po);
    int family = AF_UNSPEC;
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":c:i:W:s:46h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': {
            unsigned long long v = 0;
            if (cli_parse_uint(optarg, UINT64_MAX, &v) < 0 || v == 0)
                return cli_usage_error("ping", ping_usage,
                                       "-c needs a positive number of requests, not '%s'",
                                       optarg);
            po.count = v;
            break;
        }
        case 'i':
            if (cli_parse_seconds(optarg, &po.interval) < 0 || po.interval < 0.002 ||
                po.interval > 86400)
                return cli_usage_error("ping", ping_usage,
                                       "-i needs seconds from 0.002 to 86400, not '%s'", optarg);
            break;
        case 'W':
            if (cli_parse_seconds(optarg, &po.timeout) < 0 || po.timeout <= 0 ||
                po.timeout > 86400)
                return cli_usage_error("ping", ping_usage,
                                       "-W needs a positive number of seconds, not '%s'", optarg);
            break;
        case 's': {
            unsigned long long v;
            if (cli_parse_uint(optarg, PING_MAX_SIZE, &v) < 0)
                return cli_usage_error("ping", ping_usage,
                                       "-s needs a payload size from 0 to %d, not '%s'",
                                       PING_MAX_SIZE, optarg);
            po.size = (size_t)v;
            break;
        }
        case '4':
        case '6': {
            int f = opt == '4' ? AF_INET : AF_INET6;
            if (family != AF_UNSPEC && family != f)
                return cli_usage_error("ping", ping_usage, "-4 and -6 cannot be combined");
            family = f;
            break;
        }
        case 'h':
            help();
            return TL_EXIT_OK;
        default:
            return cli_getopt_error("ping", ping_usage, argv, optind, optopt, ":c:i:W:s:46h");
        }
    }
    if (optind >= argc)
        return cli_usage_error("ping", ping_usage, "missing HOST");
    if (argc - optind > 1)
        return cli_usage_error("ping", ping_usage, "unexpected argument '%s'", argv[optind + 1]);
    const char *host = argv[optind];
    if (!*host)
        return cli_usage_error("ping", ping_usage, "HOST is empty");

    struct errbuf eb = {""};
    struct resolve_result res;
    if (resolve_host(host, family, &res, &eb) < 0) {
        cli_error("%s", eb.msg);
        return TL_EXIT_RESOLVE;
    }
    const struct sockaddr *dst = (const struct sockaddr *)&res.addrs[0];

    struct ping *p;
    int rc = ping_open(&p, dst, res.addrlens[0], &eb);
    if (rc == PING_ERR_PERM) {
        cli_error("%s; %s", eb.msg, hint_perm);
        return TL_EXIT_PERM;
    }
    if (rc < 0) {
        cli_error("%s", eb.msg);
        return TL_EXIT_FAIL;
    }

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    ping_stop = 0;
    po.stop = &ping_stop;

    struct obuf ob;
    ob_init_fd(&ob, STDOUT_FILENO, 4096);
    ping_fmt_header(&ob, res.canon, dst, po.size);
    ob_flush(&ob);
    struct ping_ctx ctx = {&ob};
    struct ping_stats st;
    rc = ping_run(p, &po, on_event, &ctx, &st, &eb);
    ping_close(p);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    ping_fmt_stats(&ob, res.canon, &st);
    ob_flush(&ob);
    int werr = ob.err;
    ob_free(&ob);
    if (rc < 0) {
        cli_error("%s", eb.msg);
        return TL_EXIT_FAIL;
    }
    if (werr && werr != EPIPE) {
        cli_error("cannot write output: %s", strerror(werr));
        return TL_EXIT_OUTPUT;
    }
    return st.received ? TL_EXIT_OK : TL_EXIT_FAIL;
}
