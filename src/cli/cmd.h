/* cmd: the subcommands of the command line. Each takes the arguments after
 * the command name (argv[0] is the command), prints its results and
 * messages, and returns the exit status (0 ok, 2 invalid input or usage,
 * 1 any other failure; docs/COMMANDS.md). */
#ifndef CS_CMD_H
#define CS_CMD_H

int cs_cmd_check(int argc, char **argv);
int cs_cmd_run(int argc, char **argv);
int cs_cmd_compare(int argc, char **argv);
int cs_cmd_sweep(int argc, char **argv);

#include "costsim.h"

/* Prints every entry of diag to stderr, one per line, cleaned as
 * cs_cli_print_clean says: errors as
 * "path:line:column: message", warnings as warning_prefix + message. */
struct cs_diag;
void cs_cli_print_diag(const struct cs_diag *d, const char *warning_prefix);

/* The exit status of a library status (docs/COMMANDS.md: 0 success, 2 invalid
 * input or usage, 1 any other failure). The only place statuses become exit
 * codes. */
int cs_cli_exit_status(cs_status status);

/* Writes text from input files or the command line to a terminal stream
 * with control characters escaped (ESC as \x1b, C1 controls as \u0085)
 * and bytes that are not UTF-8 as \xNN, so that nothing read can move the
 * cursor, recolour the terminal or put invalid bytes into a log. */
#include <stdio.h>
void cs_cli_print_clean(FILE *f, const char *text);

/* text cleaned as cs_cli_print_clean says, in a new string to free (NULL
 * on out of memory). For an argument inside a message of several lines. */
char *cs_cli_clean_text(const char *text);

/* "costsim: warning: TEXT" on stderr, cleaned as above. */
void cs_cli_print_warning(const char *text);

#endif
