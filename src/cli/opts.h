/* opts: the one option parser of every costsim command. Each command lists
 * its options in a table; cs_cli_opt_next walks argv and accepts
 * `--opt value` and `--opt=value` for an option that takes a value, a
 * short alias (`-h`), `--` to end the options, and answers an unknown or
 * misspelt option with a usage error that names the closest known one
 * ("unknown option '--trails'; did you mean '--trials'?").
 *
 * It also holds the helpers every command uses to print its help and to
 * check that standard output was really written (a full disk or /dev/full
 * is exit status 1, never a silent 0). */
#ifndef CS_CLI_OPTS_H
#define CS_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    const char *name;   /* long form, with its dashes: "--trials" */
    const char *alias;  /* short form ("-h") or NULL */
    bool takes_value;
} cs_cli_opt;

typedef enum {
    CS_CLI_OPT_END,        /* no more arguments */
    CS_CLI_OPT_OPTION,     /* *name is the table's long name, *value its value or NULL */
    CS_CLI_OPT_POSITIONAL, /* *value is the argument */
    CS_CLI_OPT_ERROR       /* a usage error was printed on stderr (exit status 2) */
} cs_cli_opt_kind;

/* The parser's position in argv; start with {.next = 1}. */
typedef struct {
    int next;
    bool no_more_options; /* after "--" */
} cs_cli_opt_state;

/* Reads the next argument of argv (argc of them; argv[0] is the command
 * name, used in messages as "costsim COMMAND: ..."). table ends with an
 * entry whose name is NULL. An option that takes a value takes the rest of
 * `--opt=value`, else the next argument (even when it starts with '-', as
 * in --seed -1, so that its own check can explain what is wrong); a
 * missing value, a value given to an option that takes none, and an
 * unknown option are usage errors. A lone "-" is positional. */
cs_cli_opt_kind cs_cli_opt_next(const char *command, const cs_cli_opt *table, int argc,
                                char **argv, cs_cli_opt_state *state, const char **name,
                                const char **value);

/* The option tables of the commands (run_options.c, cmd_check.c): the
 * unknown-option message says when an option belongs to another command. */
extern const cs_cli_opt cs_cli_run_options[];   /* run and compare */
extern const cs_cli_opt cs_cli_sweep_options[];
extern const cs_cli_opt cs_cli_check_options[];

/* Writes text to stdout and flushes it. Returns 0, or 1 after printing
 * "costsim: cannot write to standard output: ..." on stderr. */
int cs_cli_print_stdout(const char *text);

/* Flushes stdout and checks its error flag. Returns 0, or 1 after printing
 * the message above. */
int cs_cli_finish_stdout(void);

#endif
