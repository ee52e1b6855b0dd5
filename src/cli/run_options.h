/* run_options: the options of the `run`, `compare` and `sweep` commands
 * (docs/COMMANDS.md): their help text, the parsing of the command line
 * into an options struct with each value checked (a bad one is a usage
 * error, exit status 2), and the --set, --trials, --seed and --budget
 * values as scenario settings. It does not load, simulate, write or
 * handle signals (cmd_run.c). */
#ifndef CS_CLI_RUN_OPTIONS_H
#define CS_CLI_RUN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "loader.h"

typedef enum { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } out_format;

typedef struct {
    char *key;
    char **values;
    size_t n_values;
} vary_spec;

typedef struct {
    const char *scenarios[2];
    size_t n_scenarios;
    cs_setting *sets; /* --set ones, then the dedicated options */
    size_t n_sets;
    char **owned;     /* strings the sets point into */
    size_t n_owned;
    const char *trials, *seed, *budget;
    unsigned threads;
    const char *out_dir, *report, *xlsx;
    out_format format;
    bool trials_out, no_drivers, quiet, progress;
    double precision;
    vary_spec *vary;
    size_t n_vary;
} options;

/* What cs_cli_parse_options returns after printing the help. */
#define PARSED_HELP 3

/* Frees what the options own (the --set keys, the settings, the --vary
 * keys and values); not o itself. */
void cs_cli_options_free(options *o);

/* Prints "costsim COMMAND: " then fmt with arg, and the hint to run
 * 'costsim COMMAND --help', on stderr. Returns 2 (the exit status). */
int cs_cli_usage_error(const char *command, const char *fmt, const char *arg);

/* Parses the arguments of command ("run", "compare" or "sweep"; argv[0]
 * is the command) into o, zeroed by the caller; values point into argv or
 * into strings o owns. Returns 0 to go on, PARSED_HELP after printing the
 * help, 1 when the help could not be written, or 2 after a usage error
 * (message printed); free o with cs_cli_options_free in every case. */
int cs_cli_parse_options(const char *command, int argc, char **argv, options *o);

/* Appends --trials, --seed and --budget to o's settings after the --set
 * ones (so they win). Returns 0, or -1 when out of memory. */
int cs_cli_add_dedicated(options *o);

#endif
