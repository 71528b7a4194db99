/* summary: what every packet-reading subcommand shares on the command line: the source (FILE,
 * "-" or -i IFACE), the filter words, -c, -w, -Z, --json, colour and time options; and the
 * mapping of run results to exit codes and messages. */
#ifndef TCPLENS_CLI_COMMON_H
#define TCPLENS_CLI_COMMON_H

#include <stdbool.h>

#include "analyzer.h"
#include "cli_progress.h"
#include "render.h"

struct src_args {
    const char *file;
    const char *iface;
    char *filter;          /* joined filter words (owned) */
    unsigned long long count;
    const char *write_path;
    const char *drop_user;
    bool json;
    bool absolute_seq;
    bool no_promisc;
    int snaplen;
    enum time_fmt time;
    int color;             /* -1 auto, 0 never, 1 always */
    bool quiet;
    unsigned long max_conns; /* --max-conns: connection table cap (0: the default) */
    /* set by a command that prints nothing on stdout until the file is read (a progress bar
     * may then share the terminal with stdout) */
    bool output_at_end;
    struct cli_progress progress; /* the bar's state while a large file is read */
};

/* Options every such command accepts (getopt_long form, for the command to append its own). */
#define SRC_SHORTOPTS "i:r:c:w:Z:Sps:t:qnh"
enum {
    OPT_JSON = 1000,
    OPT_COLOR,
    OPT_NO_COLOR,
    OPT_LANG,
    OPT_ASCII,
    OPT_FULL,
    OPT_FORMAT,
    OPT_MAX_CONNS,
    OPT_CMD_BASE = 1100
};

void src_args_init(struct src_args *a);
void src_args_free(struct src_args *a);
/* Handle one option common to all packet commands; returns 1 if handled, 0 if not one of
 * them, -1 on a bad value (message printed). */
/* Numbers on the command line. A count or index: decimal digits only (no sign, no spaces),
 * at most max. Seconds: a finite decimal number (range checks are the caller's). 0 or -1. */
int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int cli_parse_seconds(const char *s, double *out);

int src_args_opt(struct src_args *a, const char *cmd, int opt, const char *arg);
/* After getopt: take FILE and FILTER words from argv[optind..]; -1 (message printed) if the
 * source is missing or ambiguous. */
int src_args_positional(struct src_args *a, const char *cmd, const char *usage, int argc,
                        char **argv, int optind_);
bool src_args_color(const struct src_args *a);
/* Fill o from a; a file large enough on a terminal gets the progress bar (a->progress). */
void src_args_run_opts(struct src_args *a, struct run_opts *o);
/* Print the message for a run status and return the exit code. Also reports damage and write
 * errors that happened after processing started, and the live capture summary. */
int cli_run_exit(enum run_status st, const struct run_info *ri, const struct errbuf *eb,
                 const struct src_args *a);
/* The message for getopt's '?' or ':' (call with opterr = 0): "unknown option '-x'" or
 * "option '-c' needs a value", then the usage line; returns TL_EXIT_USAGE. The same wording in
 * every subcommand. */
int cli_getopt_error(const char *cmd, const char *usage, char **argv, int optind_, int optopt_,
                     const char *shortopts);
/* Live capture printing to ob: immediate delivery and a flush after every packet when a
 * person watches (stdout is a terminal), else packets in kernel blocks (keeps up under load)
 * and ob flushed when the capture waits and every ANALYZER_FLUSH_MS. quiet: nothing printed. */
void cli_live_output(struct run_opts *o, struct obuf *ob, bool quiet);
/* The "listening on ..." line for live captures (stderr). */
void cli_on_open(void *ctx, const char *what, uint32_t linktype);

#endif
