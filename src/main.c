/* summary: tcplens entry point: subcommand dispatch, --help and --version. */
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "curl_api.h"
#include "exitcode.h"
#include "version.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"read", cli_read, "print the packet list of a capture file or a live interface"},
    {"conns", cli_conns, "one row per TCP connection: endpoints, counts, how it began and ended"},
    {"explain", cli_explain, "explain each TCP connection in plain language (--lang en|zh)"},
    {"ladder", cli_ladder, "draw each TCP connection as a ladder diagram in the terminal"},
    {"report", cli_report, "write one self-contained HTML page: summary, connections, ladders"},
    {"visit", cli_visit, "the whole experiment: resolve, ping, capture, HTTP GET, explained"},
    {"ping", cli_ping, "send ICMP echo requests to a host and report the round-trip times"},
    {"interfaces", cli_interfaces, "list the interfaces that can be captured on"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tcplens <command> [options] [FILE | -i IFACE] [FILTER]\n\n"
               "TCP made understandable: handshakes, data, teardowns and anomalies, explained.\n\n"
               "commands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-11s %s\n", c->name, c->summary);
    fprintf(f, "\nexamples:\n"
               "  tcplens read capture.pcap 'tcp port 80'\n"
               "  tcplens read -i lo -c 20 -w out.pcap\n"
               "  tcplens conns capture.pcap --format zeek > conn.log\n"
               "  tcplens explain capture.pcap --lang zh\n"
               "  tcplens ladder capture.pcap -s 0\n"
               "  tcplens report capture.pcap -o report.html\n"
               "  sudo tcplens visit http://www.example.com/\n\n"
               "Run 'tcplens <command> --help' for the options of a command.\n");
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tcplens: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tcplens: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *usage_line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tcplens %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "usage: %s\n", usage_line);
    return TL_EXIT_USAGE;
}

/* Optimal string alignment distance (edits, adjacent swaps count as one), capped inputs. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 31 || lb > 31)
        return 99;
    int d[32][32];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* The one command a mistyped word is closest to (at most 2 edits), or NULL. */
static const char *nearest_command(const char *word)
{
    const char *best = NULL;
    int bestd = 3, ties = 0;
    for (const struct command *c = commands; c->name; c++) {
        int d = edit_distance(word, c->name);
        if (d < bestd) {
            bestd = d;
            best = c->name;
            ties = 0;
        } else if (d == bestd) {
            ties++;
        }
    }
    return ties ? NULL : best;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return TL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") && argc > 2) { /* tcplens help CMD = tcplens CMD --help */
        for (const struct command *c = commands; c->name; c++)
            if (!strcmp(c->name, argv[2])) {
                char *hargv[] = {argv[2], (char *)"--help", NULL};
                return c->fn(2, hargv);
            }
        cmd = argv[2];
    } else if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return TL_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        /* libcurl is loaded only for this and for visit */
        const struct curl_api *C = curl_api(NULL);
        printf("tcplens %s\n%s\n%s\n", TCPLENS_VERSION, pcap_lib_version(),
               C ? C->version() : "libcurl: not available (" CURL_API_SONAME " cannot be loaded)");
        return TL_EXIT_OK;
    }
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(c->name, cmd))
            return c->fn(argc - 1, argv + 1);
    if (cmd[0] == '-') {
        fprintf(stderr, "tcplens: unknown option '%s'\n", cmd);
    } else {
        const char *near = nearest_command(cmd);
        if (near)
            fprintf(stderr, "tcplens: unknown command '%s' (did you mean '%s'?)\n", cmd, near);
        else
            fprintf(stderr, "tcplens: unknown command '%s'\n", cmd);
    }
    usage(stderr);
    return TL_EXIT_USAGE;
}
