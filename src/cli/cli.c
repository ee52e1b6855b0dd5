/* cli: dispatch to the subcommands (cmd_*.c) and the top-level help.
 * Option parsing of each command lives with that command. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cmd.h"
#include "diag.h"
#include "opts.h"

static const char usage[] =
    "usage: costsim COMMAND [OPTIONS]\n"
    "\n"
    "Monte Carlo cost and currency simulation of procurement programs.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO        simulate one scenario and report its costs\n"
    "  compare A B         simulate two scenarios on common random numbers\n"
    "  sweep SCENARIO      run a grid of settings (--vary KEY=V1,V2,...)\n"
    "  check SCENARIO...   validate scenarios and their models, list every problem\n"
    "\n"
    "Run 'costsim COMMAND --help' for a command's options, 'costsim --version'\n"
    "for the version.\n"
    "Exit status: 0 success, 2 invalid input or usage, 1 any other failure.\n";

void cs_cli_print_diag(const cs_diag *d)
{
    for (size_t i = 0; i < cs_diag_count(d); i++) {
        char *line = cs_diag_format(cs_diag_get(d, i));
        fprintf(stderr, "%s\n", line ? line : "out of memory");
        free(line);
    }
}

int cs_cli_main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *command = argv[1];
    if (!strcmp(command, "--help") || !strcmp(command, "-h") || !strcmp(command, "help"))
        return cs_cli_print_stdout(usage);
    if (!strcmp(command, "--version") || !strcmp(command, "-V"))
        return cs_cli_print_stdout("costsim " COSTSIM_VERSION "\n");
    if (!strcmp(command, "check"))
        return cs_cmd_check(argc - 1, argv + 1);
    if (!strcmp(command, "run"))
        return cs_cmd_run(argc - 1, argv + 1);
    if (!strcmp(command, "compare"))
        return cs_cmd_compare(argc - 1, argv + 1);
    if (!strcmp(command, "sweep"))
        return cs_cmd_sweep(argc - 1, argv + 1);
    if (command[0] == '-')
        fprintf(stderr, "costsim: unknown option '%s'; before a command only --help and "
                        "--version are allowed\n", command);
    else
        fprintf(stderr, "costsim: unknown command '%s'; commands are run, compare, sweep, "
                        "check\n", command);
    return 2;
}
