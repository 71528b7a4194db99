/* summary: `tcplens visit [URL]`: the whole experiment in one command: resolve, ping, capture
 * on exactly the resolved address and port, HTTP GET, wait for the close, then the packet list,
 * the explanation and the ladder of what was captured - all three from one pipeline run over
 * the saved capture. Without a URL it visits the built-in HTTP server on 127.0.0.1. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "curl_api.h"
#include "explain.h"
#include "ladder.h"
#include "cli.h"
#include "cli_common.h"
#include "exitcode.h"
#include "httpd.h"
#include "outbuf.h"
#include "probe_http.h"
#include "probe_ping.h"
#include "render.h"
#include "render_html.h"
#include "resolve.h"
#include "version.h"
#include "visit.h"

static const char visit_usage[] =
    "tcplens visit [URL] [-4|-6] [--ping N] [-i IFACE] [-o FILE|-q] [-w FILE] [--json] "
    "[--timeout SEC]";

#define VISIT_CLOSE_WAIT_MS 2000 /* longest wait for the FIN exchange after the transfer */
#define VISIT_FLUSH_WAIT_MS 300  /* after a failed connect: time for late packets to arrive */
#define VISIT_STORY_MAX (8u << 20) /* bytes of explanation, and of ladder, kept for printing */

enum {
    OPT_PING = OPT_CMD_BASE,
    OPT_PING_INTERVAL,
    OPT_HTML,
    OPT_TIMEOUT,
    OPT_INSECURE,
    OPT_SERVE,
};

struct visit_args {
    const char *url;
    int family;
    unsigned ping_count;
    double ping_interval;
    const char *iface;
    const char *body_path;
    bool quiet;
    const char *write_path;
    bool json;
    const char *lang;
    const char *html;
    double timeout;
    bool insecure;
    int color;          /* -1 auto, 0 never, 1 always */
    const char *serve;  /* testing: only run the built-in server on ADDR:PORT */
};

static void visit_help(void)
{
    printf("usage: %s\n\n"
           "The classic TCP experiment in one command: resolve the host, ping it, capture\n"
           "exactly its address and port, fetch the URL with an HTTP GET, wait for the\n"
           "connection to close, then show every captured packet, explain the connection\n"
           "step by step and draw its ladder diagram.\n"
           "Without URL: a built-in web server on 127.0.0.1 (works offline).\n\n"
           "  URL             http:// or https:// (no scheme: http://)\n"
           "  -4, -6          use only IPv4 / only IPv6 addresses\n"
           "  --ping N        echo requests before the capture (default 4, 0: no ping)\n"
           "  --ping-interval SEC  seconds between them (default 1)\n"
           "  -i IFACE        capture on IFACE (default: the interface that routes to the host)\n"
           "  -o FILE         write the response body to FILE instead of the terminal\n"
           "  -q              do not show the response body\n"
           "  -w FILE         save the capture to FILE (pcap)\n"
           "  --json          JSON lines: the visit, each packet, the explanation, the ladder\n"
           "  --lang en|zh    language of the explanation (default en)\n"
           "  --html FILE     also write the HTML report to FILE\n"
           "  --timeout SEC   give up on the request after SEC seconds (default 10)\n"
           "  -k, --insecure  https: do not verify the server's certificate\n"
           "  --color[=WHEN], --no-color   colour in the packet list (auto, always, never)\n\n"
           "Capturing needs root or the capabilities:\n"
           "  setcap cap_net_raw,cap_net_admin=eip build/tcplens\n\n"
           "exit status: 0 done, 1 other failure, 2 usage, 5 no privilege to capture,\n"
           "  6 the name did not resolve, 7 connection refused or timed out (the capture is\n"
           "  still shown), 8 nothing was captured, 9 cannot write output, 130 interrupted\n\n"
           "examples:\n"
           "  sudo tcplens visit\n"
           "  sudo tcplens visit http://www.example.com/ -w visit.pcap\n"
           "  sudo tcplens visit --ping 0 -q http://10.0.0.2:8080/\n",
           visit_usage);
}

static int parse_args(struct visit_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"ping", required_argument, NULL, OPT_PING},
        {"ping-interval", required_argument, NULL, OPT_PING_INTERVAL},
        {"json", no_argument, NULL, OPT_JSON},
        {"lang", required_argument, NULL, OPT_LANG},
        {"html", required_argument, NULL, OPT_HTML},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"colour", optional_argument, NULL, OPT_COLOR},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"serve", required_argument, NULL, OPT_SERVE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->family = AF_UNSPEC;
    a->ping_count = 4;
    a->ping_interval = 1.0;
    a->lang = "en";
    a->timeout = 10;
    a->color = -1;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":46i:o:qw:kh", longopts, NULL)) != -1) {
        switch (opt) {
        case '4':
        case '6': {
            int f = opt == '4' ? AF_INET : AF_INET6;
            if (a->family != AF_UNSPEC && a->family != f)
                return cli_usage_error("visit", visit_usage, "-4 and -6 cannot be combined");
            a->family = f;
            break;
        }
        case 'i': a->iface = optarg; break;
        case 'o': a->body_path = optarg; break;
        case 'q': a->quiet = true; break;
        case 'w': a->write_path = optarg; break;
        case 'k':
        case OPT_INSECURE: a->insecure = true; break;
        case OPT_JSON: a->json = true; break;
        case OPT_HTML: a->html = optarg; break;
        case OPT_SERVE: a->serve = optarg; break;
        case OPT_NO_COLOR: a->color = 0; break;
        case OPT_COLOR:
            if (!optarg || !strcmp(optarg, "always"))
                a->color = 1;
            else if (!strcmp(optarg, "never"))
                a->color = 0;
            else if (!strcmp(optarg, "auto"))
                a->color = -1;
            else
                return cli_usage_error("visit", visit_usage,
                                       "--color takes auto, always or never, not '%s'", optarg);
            break;
        case OPT_LANG:
            if (strcmp(optarg, "en") && strcmp(optarg, "zh"))
                return cli_usage_error("visit", visit_usage,
                                       "--lang takes en or zh, not '%s'", optarg);
            a->lang = optarg;
            break;
        case OPT_PING: {
            unsigned long long v;
            if (cli_parse_uint(optarg, 100, &v) < 0)
                return cli_usage_error("visit", visit_usage,
                                       "--ping takes a count from 0 to 100, not '%s'", optarg);
            a->ping_count = (unsigned)v;
            break;
        }
        case OPT_PING_INTERVAL:
            if (cli_parse_seconds(optarg, &a->ping_interval) < 0 || a->ping_interval < 0.002 ||
                a->ping_interval > 60)
                return cli_usage_error("visit", visit_usage,
                                       "--ping-interval takes seconds from 0.002 to 60, not '%s'",
                                       optarg);
            break;
        case OPT_TIMEOUT:
            if (cli_parse_seconds(optarg, &a->timeout) < 0 || a->timeout < 0.1 ||
                a->timeout > 3600)
                return cli_usage_error("visit", visit_usage,
                                       "--timeout takes seconds from 0.1 to 3600, not '%s'",
                                       optarg);
            break;
        case 'h':
            visit_help();
            return -1;
        case ':':
            if (optopt)
                return cli_usage_error("visit", visit_usage, "option -%c needs a value", optopt);
            return cli_usage_error("visit", visit_usage, "option %s needs a value",
                                   argv[optind - 1]);
        default:
            if (optopt)
                return cli_usage_error("visit", visit_usage, "unknown option '-%c'", optopt);
            return cli_usage_error("visit", visit_usage, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        a->url = argv[optind++];
    if (optind < argc)
        return cli_usage_error("visit", visit_usage, "unexpected argument '%s'", argv[optind]);
    if (a->url && !*a->url)
        return cli_usage_error("visit", visit_usage, "the URL is empty");
    if (a->quiet && a->body_path)
        return cli_usage_error("visit", visit_usage, "-o and -q cannot be combined");
    if (a->html && (!*a->html || !strcmp(a->html, "-")))
        return cli_usage_error("visit", visit_usage, "--html needs a file name");
    return 0;
}

/* ---- the built-in server alone (for tests in other network namespaces) ---- */

static int serve_only(const char *spec)
{
    char addr[RESOLVE_ADDRSTRLEN];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof addr)
        return cli_usage_error("visit", visit_usage, "--serve takes ADDR:PORT, not '%s'", spec);
    const char *a0 = spec, *a1 = colon;
    if (*a0 == '[' && a1[-1] == ']') {
        a0++;
        a1--;
    }
    memcpy(addr, a0, (size_t)(a1 - a0));
    addr[a1 - a0] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || port > 65535)
        return cli_usage_error("visit", visit_usage, "--serve: bad port in '%s'", spec);
    struct errbuf eb = {""};
    struct httpd *h;
    if (httpd_start(&h, addr, (unsigned)port, NULL, &eb) < 0) {
        cli_error("%s", eb.msg);
        return TL_EXIT_FAIL;
    }
    printf("serving on port %u\n", httpd_port(h));
    fflush(stdout);
    capture_install_signals();
    while (!capture_stop)
        pause();
    httpd_stop(h);
    return TL_EXIT_OK;
}

/* ---- printing helpers ---- */

static void section(struct obuf *ob, bool json, const char *title)
{
    if (json)
        return;
    ob_printf(ob, "\n== %s\n", title);
    ob_flush(ob);
}

/* ---- the response body ---- */

struct body_ctx {
    struct obuf *ob;            /* the terminal, or NULL (--json) */
    bool show_body;             /* not -q */
    FILE *file;                 /* -o FILE, or NULL */
    const struct http_result *r;
    bool head_done, binary, ends_nl;
    uint64_t shown;
};

static void print_head(struct body_ctx *b)
{
    if (b->head_done || !b->ob)
        return;
    b->head_done = true;
    const char *h = b->r->headers;
    size_t n = b->r->headers_len;
    /* "< " before each line, as curl -v shows a response head */
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && h[j] != '\n')
            j++;
        size_t e = j;
        if (e > i && h[e - 1] == '\r')
            e--;
        if (e > i) {
            ob_puts(b->ob, "< ");
            ob_text_esc(b->ob, h + i, e - i);
            ob_putc(b->ob, '\n');
        }
        i = j + 1;
    }
    ob_flush(b->ob);
}

static size_t on_body(const void *data, size_t n, void *ud)
{
    struct body_ctx *b = ud;
    print_head(b);
    if (b->file)
        return fwrite(data, 1, n, b->file) == n ? n : 0;
    if (!b->ob || !b->show_body || !n)
        return n;
    if (!b->shown && !b->binary && memchr(data, '\0', n))
        b->binary = true;
    if (b->binary)
        return n;
    if (!b->shown)
        ob_putc(b->ob, '\n');
    /* The body is the server's text: shown as it is, except control characters other than
     * tab and line ends, which could drive the terminal (escape sequences) - those as \xNN. */
    const unsigned char *p = data;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r') {
            run++;
            continue;
        }
        ob_write(b->ob, p + i - run, run);
        run = 0;
        ob_printf(b->ob, "\\x%02x", c);
    }
    ob_write(b->ob, p + n - run, run);
    b->shown += n;
    b->ends_nl = ((const char *)data)[n - 1] == '\n';
    ob_flush(b->ob);
    return n;
}

/* ---- the visit ---- */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct ping_print {
    struct obuf *ob;
};

static void on_ping(const struct ping_event *ev, void *ud)
{
    struct ping_print *pp = ud;
    if (!pp->ob)
        return;
    ping_fmt_event(pp->ob, ev);
    ob_flush(pp->ob);
}

struct visit_state {
    struct visit_args a;
    struct visit_url u;
    struct resolve_result res;
    const struct sockaddr *dst;
    char dst_str[RESOLVE_ADDRSTRLEN];
    char iface[64];
    char route_iface[64];
    char filter[160];
    bool pinged;
    int ping_err;               /* 0, or PING_ERR_* when ping could not run */
    char ping_msg[ERRBUF_SIZE];
    struct ping_stats ping;
    struct http_result http;
    int http_rc;
    char http_err[ERRBUF_SIZE];
    bool close_seen;
    double close_wait_s;
    struct run_info cap;        /* the live run */
    enum run_status cap_st;
    char cap_err[ERRBUF_SIZE];
    bool interrupted;
};

static void json_str_field(struct obuf *ob, const char *k, const char *v, bool comma)
{
    if (comma)
        ob_putc(ob, ',');
    ob_json_cstr(ob, k);
    ob_putc(ob, ':');
    if (v)
        ob_json_cstr(ob, v);
    else
        ob_puts(ob, "null");
}

static void json_ms(struct obuf *ob, int64_t us)
{
    ob_fixed(ob, us, 3);
}

/* The first line of --json: everything but the packets. */
static void print_visit_json(struct obuf *ob, const struct visit_state *s)
{
    ob_puts(ob, "{\"type\":\"visit\"");
    json_str_field(ob, "url", s->u.url, true);
    json_str_field(ob, "host", s->u.host, true);
    json_str_field(ob, "canonical_name", s->res.canon, true);
    ob_puts(ob, ",\"addresses\":[");
    for (int i = 0; i < s->res.naddrs; i++) {
        char b[RESOLVE_ADDRSTRLEN];
        if (i)
            ob_putc(ob, ',');
        ob_json_cstr(ob, resolve_addr_str((const struct sockaddr *)&s->res.addrs[i], b, sizeof b));
    }
    ob_putc(ob, ']');
    json_str_field(ob, "address", s->dst_str, true);
    ob_puts(ob, ",\"port\":");
    ob_u64(ob, s->u.port);
    ob_puts(ob, ",\"ping\":");
    if (!s->pinged) {
        ob_puts(ob, "null");
    } else {
        ob_puts(ob, "{\"sent\":");
        ob_u64(ob, s->ping.sent);
        ob_puts(ob, ",\"received\":");
        ob_u64(ob, s->ping.received);
        ob_puts(ob, ",\"loss_pct\":");
        ob_fixed(ob, (int64_t)llround(ping_loss_pct(&s->ping) * 10), 1);
        if (s->ping.received) {
            ob_puts(ob, ",\"rtt_min_ms\":");
            json_ms(ob, s->ping.rtt_min_us);
            ob_puts(ob, ",\"rtt_avg_ms\":");
            json_ms(ob, ping_rtt_avg_us(&s->ping));
            ob_puts(ob, ",\"rtt_max_ms\":");
            json_ms(ob, s->ping.rtt_max_us);
        }
        if (s->ping_err)
            json_str_field(ob, "error", s->ping_msg, true);
        ob_putc(ob, '}');
    }
    json_str_field(ob, "interface", s->iface, true);
    json_str_field(ob, "filter", s->filter, true);
    const struct http_result *h = &s->http;
    ob_puts(ob, ",\"http\":{");
    json_str_field(ob, "result", http_class_name(h->cls), false);
    if (h->status) {
        ob_puts(ob, ",\"status\":");
        ob_u64(ob, (uint64_t)h->status);
        json_str_field(ob, "status_line", h->status_line, true);
        json_str_field(ob, "content_type", h->content_type, true);
        ob_puts(ob, ",\"body_bytes\":");
        ob_u64(ob, h->body_bytes);
    }
    if (h->local_port) {
        json_str_field(ob, "local_ip", h->local_ip, true);
        ob_puts(ob, ",\"local_port\":");
        ob_u64(ob, h->local_port);
    }
    if (h->t_connect_us) {
        ob_puts(ob, ",\"connect_ms\":");
        json_ms(ob, h->t_connect_us);
    }
    ob_puts(ob, ",\"total_ms\":");
    json_ms(ob, h->t_total_us);
    json_str_field(ob, "error", s->http_rc < 0 ? s->http_err : NULL, true);
    ob_putc(ob, '}');
    ob_puts(ob, ",\"close_seen\":");
    ob_puts(ob, s->close_seen ? "true" : "false");
    ob_puts(ob, ",\"captured\":");
    ob_u64(ob, s->cap.shown);
    ob_puts(ob, ",\"interrupted\":");
    ob_puts(ob, s->interrupted ? "true" : "false");
    ob_puts(ob, "}\n");
}

static void do_ping(struct visit_state *s, struct obuf *out)
{
    struct visit_args *a = &s->a;
    struct errbuf eb = {""};
    struct ping *p;
    int rc = ping_open(&p, s->dst, resolve_addr_len(s->dst), &eb);
    if (rc < 0) {
        s->ping_err = rc;
        snprintf(s->ping_msg, sizeof s->ping_msg, "%s", eb.msg);
        if (out)
            ob_printf(out, "cannot ping: %s (going on without it)\n", eb.msg);
        return;
    }
    struct ping_opts po;
    ping_opts_init(&po);
    po.count = a->ping_count;
    po.interval = a->ping_interval;
    po.stop = &capture_stop;
    if (out) {
        ping_fmt_header(out, s->res.canon, s->dst, po.size);
        ob_flush(out);
    }
    struct ping_print pp = {out};
    rc = ping_run(p, &po, on_ping, &pp, &s->ping, &eb);
    ping_close(p);
    s->pinged = true;
    if (rc < 0) {
        s->ping_err = rc;
        snprintf(s->ping_msg, sizeof s->ping_msg, "%s", eb.msg);
    }
    if (out) {
        ping_fmt_stats(out, s->res.canon, &s->ping);
        if (rc < 0)
            ob_printf(out, "ping failed: %s (going on without it)\n", eb.msg);
        else if (!s->ping.received && !s->ping.interrupted)
            ob_puts(out, "no echo reply: the host may not answer ping; going on\n");
        ob_flush(out);
    }
}

/* Why nothing was captured, as a phrase. */
static void why_nothing(const struct visit_state *s, char *buf, size_t n)
{
    if (s->a.iface && s->route_iface[0] && strcmp(s->a.iface, s->route_iface))
        snprintf(buf, n, "the packets to %s go through %s, not %s (leave out -i, or use -i %s)",
                 s->dst_str, s->route_iface, s->a.iface, s->route_iface);
    else if (s->interrupted && !s->http.local_port)
        snprintf(buf, n, "interrupted before the connection was made");
    else if (s->http_rc < 0 && !s->http.local_port && s->http.cls == HTTP_ERR_OTHER)
        snprintf(buf, n, "no connection was made (%s)", s->http_err);
    else if (s->cap.have_kernel_stats && s->cap.kern_drop)
        snprintf(buf, n, "the kernel dropped %llu packets", (unsigned long long)s->cap.kern_drop);
    else
        snprintf(buf, n, "no packet on %s matched the filter '%s' (is the traffic going "
                 "through another interface, or a proxy?)", s->iface, s->filter);
}

static void http_summary(struct obuf *ob, const struct visit_state *s)
{
    const struct http_result *h = &s->http;
    if (s->http_rc == 0) {
        ob_printf(ob, "%s: %llu body bytes", h->status_line[0] ? h->status_line : "response",
                  (unsigned long long)h->body_bytes);
        if (h->content_type[0]) {
            ob_puts(ob, " of ");
            ob_text_esc(ob, h->content_type, strlen(h->content_type));
        }
        ob_printf(ob, ", connected in %.3f ms, done in %.3f ms\n", h->t_connect_us / 1000.0,
                  h->t_total_us / 1000.0);
    }
    if (h->local_port)
        ob_printf(ob, "connection: %s port %u \xe2\x86\x92 %s port %u\n", h->local_ip,
                  h->local_port, h->remote_ip[0] ? h->remote_ip : s->dst_str, s->u.port);
}

static int render_capture(struct visit_state *s, const char *path, struct obuf *ob)
{
    struct run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.file = path;
    ro.depth = DIS_DEPTH_APP;
    struct sink sinks[4];
    int n = 0;
    bool color = !s->a.json && (s->a.color >= 0 ? s->a.color == 1
                                                : (isatty(STDOUT_FILENO) && !getenv("NO_COLOR")));
    if (s->a.json) {
        sinks[n++] = render_json_sink(ob);
    } else {
        struct list_opts lo = {false, TIME_REL, color};
        sinks[n++] = render_list_sink(ob, &lo);
    }
    int nlist = n;
    /* The explanation and the ladder read the same events as the packet list, each into its
     * own bounded buffer, printed after the list under its own heading. */
    struct obuf exb, ldb;
    ob_init_mem(&exb, VISIT_STORY_MAX);
    ob_init_mem(&ldb, VISIT_STORY_MAX);
    struct explain_opts eo = {s->a.lang, -1, color, 0};
    struct ladder_opts lo2 = {-1, false, false, color, false, 0};
    sinks[n++] = render_explain_sink(&exb, &eo);
    sinks[n++] = render_ladder_sink(&ldb, &lo2);
    struct errbuf eb = {""};
    struct html_file hf;
    bool html = false;
    char hint[300];
    if (s->a.html) {
        struct html_opts ho;
        html_opts_init(&ho);
        ho.title = s->u.url;
        if (s->a.write_path) {
            snprintf(hint, sizeof hint, "tcplens report %s", s->a.write_path);
            ho.cmd_hint = hint;
        }
        ho.lang = !strcmp(s->a.lang, "zh") ? 1 : 0;
        if (html_file_open(&hf, s->a.html, &ho, &eb) < 0) {
            for (int i = 0; i < n; i++)
                render_sink_free(&sinks[i]);
            cli_error("%s", eb.msg);
            return TL_EXIT_OUTPUT;
        }
        html = true;
        sinks[n++] = hf.sink;
    }
    struct run_info ri;
    enum run_status st = analyzer_run(&ro, sinks, n, &ri, &eb);
    ob_flush(ob);
    for (int i = 0; i < nlist; i++)
        render_sink_free(&sinks[i]);
    render_explain_free(&sinks[nlist]);
    render_ladder_free(&sinks[nlist + 1]);
    if (s->a.json) {
        ob_puts(ob, "{\"type\":\"explanation\",\"lang\":");
        ob_json_cstr(ob, s->a.lang);
        ob_puts(ob, ",\"text\":");
        ob_json_str(ob, exb.buf ? exb.buf : "", exb.len);
        ob_puts(ob, "}\n{\"type\":\"ladder\",\"text\":");
        ob_json_str(ob, ldb.buf ? ldb.buf : "", ldb.len);
        ob_puts(ob, "}\n");
    } else {
        section(ob, false, "Explanation");
        ob_write(ob, exb.buf, exb.len);
        if (exb.truncated)
            ob_puts(ob, "\n(explanation cut short)\n");
        section(ob, false, "Ladder");
        ob_write(ob, ldb.buf, ldb.len);
        if (ldb.truncated)
            ob_puts(ob, "\n(ladder cut short)\n");
    }
    ob_flush(ob);
    ob_free(&exb);
    ob_free(&ldb);
    int rc = 0;
    if (html) {
        struct errbuf heb = {""};
        if (html_file_close(&hf, &heb) < 0) {
            cli_error("%s", heb.msg);
            rc = TL_EXIT_OUTPUT;
        } else if (!s->a.json) {
            ob_printf(ob, "\nThe HTML report is in %s\n", s->a.html);
            ob_flush(ob);
        }
    }
    if (st != RUN_OK) {
        cli_error("cannot read back the capture: %s", eb.msg[0] ? eb.msg : ri.damage);
        return TL_EXIT_FAIL;
    }
    return rc;
}

/* " (NAME also has IPv4 addresses: -4 uses them)" when the name has addresses of the other
 * family that the visit did not try; "" otherwise. */
static void other_family_hint(const struct visit_state *s, char *buf, size_t n)
{
    buf[0] = '\0';
    if (s->a.family != AF_UNSPEC)
        return;
    for (int i = 1; i < s->res.naddrs; i++)
        if (s->res.addrs[i].ss_family != s->dst->sa_family) {
            bool v4 = s->res.addrs[i].ss_family == AF_INET;
            snprintf(buf, n, " (%s also has IPv%c addresses: %s uses them)", s->u.host,
                     v4 ? '4' : '6', v4 ? "-4" : "-6");
            return;
        }
}

static int run_visit(struct visit_state *s)
{
    struct visit_args *a = &s->a;
    struct errbuf eb = {""};
    struct obuf ob;
    ob_init_fd(&ob, STDOUT_FILENO, 1 << 16);
    struct obuf *human = a->json ? NULL : &ob;
    struct httpd *srv = NULL;
    FILE *body_file = NULL;
    char tmp_path[256] = "";
    int rc = TL_EXIT_OK;
    capture_install_signals();

    /* libcurl is loaded now, not at start-up: without it there is nothing to visit. */
    if (!curl_api(&eb)) {
        cli_error("visit needs libcurl: %s", eb.msg);
        rc = TL_EXIT_FAIL;
        goto out;
    }

    /* --html FILE is written at the end: find out now whether it can be. */
    if (a->html) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", a->html);
        char *slash = strrchr(dir, '/');
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
        bool exists = access(a->html, F_OK) == 0;
        if (exists ? access(a->html, W_OK) < 0 : access(dir, W_OK | X_OK) < 0) {
            cli_error("cannot create %s: %s", a->html, strerror(errno));
            rc = TL_EXIT_OUTPUT;
            goto out;
        }
    }
    if (a->body_path && !(body_file = fopen(a->body_path, "wb"))) {
        cli_error("cannot write %s: %s", a->body_path, strerror(errno));
        rc = TL_EXIT_OUTPUT;
        goto out;
    }

    /* No URL: the built-in server on the loopback address. */
    char url_buf[128];
    const char *url = a->url;
    if (!url) {
        const char *lo = a->family == AF_INET6 ? "::1" : "127.0.0.1";
        if (httpd_start(&srv, lo, 0, NULL, &eb) < 0) {
            cli_error("cannot start the built-in web server: %s", eb.msg);
            rc = TL_EXIT_FAIL;
            goto out;
        }
        snprintf(url_buf, sizeof url_buf,
                 a->family == AF_INET6 ? "http://[%s]:%u/" : "http://%s:%u/", lo,
                 httpd_port(srv));
        url = url_buf;
        if (human)
            ob_printf(human, "No URL given: visiting the built-in web server at %s\n", url);
    }
    if (visit_parse_url(url, &s->u, &eb) < 0) {
        rc = cli_usage_error("visit", visit_usage, "%s", eb.msg);
        goto out;
    }

    /* 1. Resolve */
    if (human) {
        char t[300];
        snprintf(t, sizeof t, "Resolve %s", s->u.host);
        section(human, false, t);
    }
    if (resolve_host(s->u.host, a->family, &s->res, &eb) < 0) {
        ob_flush(&ob);
        cli_error("cannot resolve %s", eb.msg);
        rc = TL_EXIT_RESOLVE;
        goto out;
    }
    s->dst = (const struct sockaddr *)&s->res.addrs[0];
    resolve_addr_str(s->dst, s->dst_str, sizeof s->dst_str);
    if (human) {
        ob_printf(human, "%s [", s->res.canon);
        for (int i = 0; i < s->res.naddrs; i++) {
            char b[RESOLVE_ADDRSTRLEN];
            ob_printf(human, "%s%s", i ? ", " : "",
                      resolve_addr_str((const struct sockaddr *)&s->res.addrs[i], b, sizeof b));
        }
        ob_puts(human, "]\n");
        if (s->res.naddrs > 1)
            ob_printf(human, "using %s for the ping, the capture and the request\n", s->dst_str);
        ob_flush(human);
    }

    /* 2. Capture: started before the ping (which it does not see: the filter is TCP only) so
     * that a missing privilege is reported at once. */
    struct errbuf reb = {""};
    if (visit_route_iface(s->dst, s->route_iface, sizeof s->route_iface, &reb) < 0)
        s->route_iface[0] = '\0';
    if (a->iface) {
        snprintf(s->iface, sizeof s->iface, "%s", a->iface);
    } else if (s->route_iface[0]) {
        snprintf(s->iface, sizeof s->iface, "%s", s->route_iface);
    } else {
        ob_flush(&ob);
        cli_error("%s", reb.msg);
        rc = TL_EXIT_CONNECT;
        goto out;
    }
    visit_filter(s->dst, s->u.port, s->filter, sizeof s->filter);
    const char *cap_path = a->write_path;
    if (!cap_path) {
        const char *td = getenv("TMPDIR");
        snprintf(tmp_path, sizeof tmp_path, "%s/tcplens-visit-XXXXXX", td && *td ? td : "/tmp");
        int fd = mkstemp(tmp_path);
        if (fd < 0) {
            ob_flush(&ob);
            cli_error("cannot create a temporary file in %s: %s", td && *td ? td : "/tmp",
                      strerror(errno));
            tmp_path[0] = '\0';
            rc = TL_EXIT_OUTPUT;
            goto out;
        }
        close(fd);
        cap_path = tmp_path;
    }
    struct vcap_opts vo = {s->iface, s->filter, cap_path, 0};
    struct vcap *vc;
    enum run_status cst;
    if (vcap_start(&vc, &vo, &cst, &eb) < 0) {
        ob_flush(&ob);
        if (cst == RUN_NO_PERM) {
            char self[512];
            ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
            self[l > 0 ? l : 0] = '\0';
            cli_error("no privilege to capture on %s: run as root, or give the binary the "
                      "capabilities: setcap cap_net_raw,cap_net_admin=eip %s",
                      s->iface, l > 0 ? self : "build/tcplens");
            rc = TL_EXIT_PERM;
        } else {
            cli_error("%s", eb.msg);
            rc = cst == RUN_WRITE_ERR ? TL_EXIT_OUTPUT : TL_EXIT_FAIL;
        }
        goto out;
    }

    /* 3. Ping */
    if (a->ping_count) {
        section(human, a->json, "Ping");
        do_ping(s, human);
        if (capture_stop) {
            struct run_info ri;
            struct errbuf ieb = {""};
            vcap_stop(vc, &ri, &ieb);
            s->interrupted = true;
            ob_flush(&ob);
            cli_error("interrupted before the request");
            rc = TL_EXIT_INTERRUPTED;
            goto out;
        }
    }

    section(human, a->json, "Capture");
    if (human) {
        ob_printf(human, "capturing on %s with the filter: %s\n", s->iface, s->filter);
        ob_flush(human);
    }

    /* 4. Fetch */
    if (human) {
        char t[sizeof s->u.url + 16];
        snprintf(t, sizeof t, "HTTP GET %s", s->u.url);
        section(human, false, t);
    }
    struct http_opts ho;
    http_opts_init(&ho);
    ho.url = s->u.url;
    ho.pin = s->dst;
    ho.timeout_ms = (long)(a->timeout * 1000);
    ho.connect_timeout_ms = ho.timeout_ms;
    ho.insecure = a->insecure;
    ho.stop = &capture_stop;
    struct body_ctx bc = {human, !a->quiet, body_file, &s->http, false, false, true, 0};
    ho.sink = on_body;
    ho.sink_ud = &bc;
    s->http_rc = http_get(&ho, &s->http, &eb);
    if (s->http_rc < 0)
        snprintf(s->http_err, sizeof s->http_err, "%s", eb.msg);
    if (human) {
        if (s->http_rc == 0)
            print_head(&bc);
        if (bc.shown && !bc.ends_nl)
            ob_putc(human, '\n');
        if (bc.binary)
            ob_printf(human, "\n(%llu bytes of binary content not shown; -o FILE saves them)\n",
                      (unsigned long long)s->http.body_bytes);
        if (body_file)
            ob_printf(human, "(body written to %s)\n", a->body_path);
        ob_putc(human, '\n');
        if (s->http_rc < 0 && !capture_stop)
            ob_printf(human, "request failed: %s\n", s->http_err);
        http_summary(human, s);
        ob_flush(human);
    }

    /* 5. Wait for the close, then stop */
    double t0 = mono_s();
    if (!capture_stop) {
        bool failed_connect = s->http.cls == HTTP_ERR_TIMEOUT ||
                              (s->http_rc < 0 && !s->http.local_port &&
                               s->http.cls != HTTP_ERR_REFUSED);
        s->close_seen = vcap_wait_closed(vc, s->http.local_port,
                                         failed_connect ? VISIT_FLUSH_WAIT_MS
                                                        : VISIT_CLOSE_WAIT_MS);
    }
    s->close_wait_s = mono_s() - t0;
    struct errbuf ceb = {""};
    s->cap_st = vcap_stop(vc, &s->cap, &ceb);
    snprintf(s->cap_err, sizeof s->cap_err, "%s", ceb.msg);
    s->interrupted = capture_stop != 0;
    capture_stop = 0; /* reading the capture back must not stop at once */
    if (human) {
        if (s->interrupted)
            ob_puts(human, "interrupted: showing what was captured so far\n");
        else if (s->close_seen && s->http.cls == HTTP_ERR_REFUSED)
            ob_puts(human, "the server's host answered the SYN with a RST: connection refused\n");
        else if (s->close_seen)
            ob_printf(human, "the connection's close was captured %.3f s after the transfer\n",
                      s->close_wait_s);
        else if (s->http.cls != HTTP_ERR_TIMEOUT)
            ob_printf(human, "the connection's close was not seen within %.1f s\n",
                      s->close_wait_s);
        ob_printf(human, "capture stopped: %llu packet%s", (unsigned long long)s->cap.shown,
                  s->cap.shown == 1 ? "" : "s");
        if (s->cap.have_kernel_stats && s->cap.kern_drop)
            ob_printf(human, ", %llu dropped by the kernel",
                      (unsigned long long)s->cap.kern_drop);
        if (a->write_path)
            ob_printf(human, ", saved to %s", a->write_path);
        ob_putc(human, '\n');
        ob_flush(human);
    }
    if (s->cap_st == RUN_CAPTURE_ERR) {
        ob_flush(&ob);
        cli_error("the capture failed: %s", s->cap_err);
        rc = TL_EXIT_FAIL;
        goto out;
    }
    if (s->cap.write_failed) {
        ob_flush(&ob);
        cli_error("cannot save the capture: %s", s->cap.write_error);
        rc = TL_EXIT_OUTPUT;
        goto out;
    }

    /* 6. What was captured */
    if (a->json)
        print_visit_json(&ob, s);
    if (s->cap.shown == 0) {
        ob_flush(&ob);
        char why[ERRBUF_SIZE + 128];
        why_nothing(s, why, sizeof why);
        cli_error("nothing was captured: %s", why);
        rc = s->interrupted            ? TL_EXIT_INTERRUPTED
             : s->http.cls == HTTP_ERR_REFUSED || s->http.cls == HTTP_ERR_TIMEOUT
                 ? TL_EXIT_CONNECT
                 : TL_EXIT_NOCAPTURE;
        goto out;
    }
    if (human) {
        char t[64];
        snprintf(t, sizeof t, "Packet list (%llu packet%s)", (unsigned long long)s->cap.shown,
                 s->cap.shown == 1 ? "" : "s");
        section(human, false, t);
    }
    rc = render_capture(s, cap_path, &ob);
    if (rc != TL_EXIT_OK)
        goto out;

    /* The exit status: what happened to the request. */
    if (s->interrupted) {
        cli_error("interrupted");
        rc = TL_EXIT_INTERRUPTED;
    } else if (s->http.cls == HTTP_ERR_REFUSED) {
        char hint[320];
        other_family_hint(s, hint, sizeof hint);
        cli_error("connection to %s port %u refused%s", s->dst_str, s->u.port, hint);
        rc = TL_EXIT_CONNECT;
    } else if (s->http.cls == HTTP_ERR_TIMEOUT) {
        char hint[320];
        other_family_hint(s, hint, sizeof hint);
        cli_error("connection to %s port %u timed out: %s%s", s->dst_str, s->u.port,
                  s->http_err, hint);
        rc = TL_EXIT_CONNECT;
    } else if (s->http_rc < 0) {
        cli_error("the request failed: %s", s->http_err);
        rc = TL_EXIT_FAIL;
    }

out:
    ob_flush(&ob);
    if (rc == TL_EXIT_OK && ob.err && ob.err != EPIPE) {
        cli_error("cannot write output: %s", strerror(ob.err));
        rc = TL_EXIT_OUTPUT;
    }
    ob_free(&ob);
    if (body_file && fclose(body_file) != 0 && rc == TL_EXIT_OK) {
        cli_error("cannot write %s: %s", a->body_path, strerror(errno));
        rc = TL_EXIT_OUTPUT;
    }
    if (tmp_path[0])
        unlink(tmp_path);
    httpd_stop(srv);
    return rc;
}

int cli_visit(int argc, char **argv)
{
    struct visit_state *s = calloc(1, sizeof *s);
    if (!s) {
        cli_error("out of memory");
        return TL_EXIT_FAIL;
    }
    int prc = parse_args(&s->a, argc, argv);
    if (prc != 0) {
        free(s);
        return prc < 0 ? TL_EXIT_OK : prc;
    }
    int rc = s->a.serve ? serve_only(s->a.serve) : run_visit(s);
    free(s);
    return rc;
}
