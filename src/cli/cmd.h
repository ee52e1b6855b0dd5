/* cmd: the subcommands of the command line. Each takes the arguments after
 * the command name (argv[0] is the command), prints its results and
 * messages, and returns the exit status (0 ok, 2 invalid input or usage,
 * 1 any other failure; SPEC §10). */
#ifndef CS_CMD_H
#define CS_CMD_H

int cs_cmd_check(int argc, char **argv);
int cs_cmd_run(int argc, char **argv);
int cs_cmd_compare(int argc, char **argv);
int cs_cmd_sweep(int argc, char **argv);

#include "costsim.h"

/* Prints every entry of diag to stderr, one per line: errors as
 * "path:line:column: message", warnings as warning_prefix + message. */
struct cs_diag;
void cs_cli_print_diag(const struct cs_diag *d, const char *warning_prefix);

/* The exit status of a library status (SPEC: 0 success, 2 invalid input
 * or usage, 1 any other failure). The only place statuses become exit
 * codes. */
int cs_cli_exit_status(cs_status status);

#endif
