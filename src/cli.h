/* summary: the subcommands of the tcplens command line; each returns an exit code (exitcode.h).
 * Only the CLI (main.c, cli_*.c) prints fatal errors and decides exit codes. */
#ifndef TCPLENS_CLI_H
#define TCPLENS_CLI_H

int cli_read(int argc, char **argv);
int cli_conns(int argc, char **argv);
int cli_explain(int argc, char **argv);
int cli_ladder(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_visit(int argc, char **argv);
int cli_ping(int argc, char **argv);
int cli_interfaces(int argc, char **argv);

/* Print "tcplens: <msg>" on stderr (one line). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "tcplens CMD: <msg>" and "usage: ..." for a usage error; returns TL_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
