/* opts: one option parser for every command, and checked writes to
 * standard output. See opts.h. */
#include "opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "csvin.h"

static const cs_cli_opt *find(const cs_cli_opt *table, const char *arg, size_t len)
{
    for (const cs_cli_opt *o = table; o->name; o++) {
        if (strlen(o->name) == len && !strncmp(o->name, arg, len))
            return o;
        if (o->alias && strlen(o->alias) == len && !strncmp(o->alias, arg, len))
            return o;
    }
    return NULL;
}

/* "unknown option '--trails'; did you mean '--trials'?" and the pointer to
 * the help; the names are compared without their dashes. */
static void unknown_option(const char *command, const cs_cli_opt *table, const char *arg,
                           size_t len)
{
    size_t n = 0;
    for (const cs_cli_opt *o = table; o->name; o++)
        n++;
    const char **names = calloc(n + 1, sizeof *names);
    const char *hint = NULL;
    char *word = strndup(arg, len);
    if (names && word) {
        for (size_t i = 0; i < n; i++)
            names[i] = table[i].name + strspn(table[i].name, "-");
        hint = cs_csvin_closest(word + strspn(word, "-"), names);
    }
    char *clean = word ? cs_cli_clean_text(word) : NULL;
    /* An option of another command ("check --out"): say so rather than
     * suggest a look-alike of this command's. */
    static const struct {
        const char *command;
        const cs_cli_opt *table;
    } commands[] = {{"run", cs_cli_run_options},
                    {"compare", cs_cli_run_options},
                    {"sweep", cs_cli_sweep_options},
                    {"check", cs_cli_check_options}};
    enum { N_COMMANDS = sizeof commands / sizeof commands[0] };
    const char *owners[N_COMMANDS];
    size_t n_owners = 0;
    for (size_t c = 0; word && c < N_COMMANDS; c++)
        if (strcmp(commands[c].command, command) != 0 && find(commands[c].table, word, len))
            owners[n_owners++] = commands[c].command;
    if (n_owners > 0) {
        fprintf(stderr, "costsim %s: '%s' is an option of ", command, clean ? clean : "?");
        for (size_t i = 0; i < n_owners; i++)
            fprintf(stderr, "%s%s", i == 0 ? "" : i + 1 < n_owners ? ", " : " and ", owners[i]);
        fprintf(stderr, ", not of %s", command);
        hint = NULL;
    } else {
        fprintf(stderr, "costsim %s: unknown option '%s'", command, clean ? clean : "?");
    }
    free(clean);
    if (hint)
        fprintf(stderr, "; did you mean '--%s'?", hint);
    fprintf(stderr, "\nRun 'costsim %s --help' for the options.\n", command);
    free(word);
    free(names);
}

cs_cli_opt_kind cs_cli_opt_next(const char *command, const cs_cli_opt *table, int argc,
                                char **argv, cs_cli_opt_state *state, const char **name,
                                const char **value)
{
    *name = NULL;
    *value = NULL;
    if (state->next >= argc)
        return CS_CLI_OPT_END;
    const char *arg = argv[state->next++];
    if (state->no_more_options || arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return CS_CLI_OPT_POSITIONAL;
    }
    if (!strcmp(arg, "--")) {
        state->no_more_options = true;
        return cs_cli_opt_next(command, table, argc, argv, state, name, value);
    }
    const char *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const cs_cli_opt *o = find(table, arg, len);
    if (!o) {
        unknown_option(command, table, arg, len);
        return CS_CLI_OPT_ERROR;
    }
    *name = o->name;
    if (!o->takes_value) {
        if (eq) {
            char *clean = cs_cli_clean_text(arg);
            fprintf(stderr, "costsim %s: %s takes no value ('%s')\n"
                            "Run 'costsim %s --help' for the options.\n",
                    command, o->name, clean ? clean : "?", command);
            free(clean);
            return CS_CLI_OPT_ERROR;
        }
        return CS_CLI_OPT_OPTION;
    }
    if (eq) {
        *value = eq + 1;
    } else if (state->next < argc) {
        *value = argv[state->next++];
    } else {
        fprintf(stderr, "costsim %s: %s needs a value\n"
                        "Run 'costsim %s --help' for the options.\n",
                command, o->name, command);
        return CS_CLI_OPT_ERROR;
    }
    return CS_CLI_OPT_OPTION;
}

int cs_cli_finish_stdout(void)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "costsim: cannot write to standard output: %s\n",
                strerror(errno ? errno : EIO));
        return 1;
    }
    return 0;
}

int cs_cli_print_stdout(const char *text)
{
    fputs(text, stdout);
    return cs_cli_finish_stdout();
}
