/* cmd_check: `costsim check SCENARIO... [--set K=V]...` — loads each
 * scenario with its model, lists every problem on stderr, and prints one
 * summary line per valid scenario on stdout.
 *
 * All validation is the loader's; this file only parses the command's
 * options and reports. It simulates nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "loader.h"
#include "model.h"
#include "opts.h"

static const char check_usage[] =
    "usage: costsim check SCENARIO... [--set KEY=VALUE]...\n"
    "\n"
    "Validates each scenario file and its model directory against the file\n"
    "formats (docs/FORMAT.md) and lists every problem as\n"
    "  path:line:column: what is wrong; what is allowed\n"
    "Nothing is simulated. For each valid scenario one line is printed:\n"
    "  SCENARIO: ok: N elements, N risks, N currencies, N correlation pairs,\n"
    "  N FX correlation pairs, N units, years FIRST-LAST\n"
    "(the years of the first and last cash flow without schedule slip).\n"
    "\n"
    "options:\n"
    "  --set KEY=VALUE   override a scenario key (repeatable; the last one for a\n"
    "                    key wins), e.g. --set units=8 --set element.hull.high=900\n"
    "  --help, -h        show this help\n"
    "\n"
    "Exit status: 0 all scenarios valid, 2 a problem in any of them or in the\n"
    "command line.\n";

/* Splits "KEY=VALUE" in place into a setting; false when there is no '='. */
static int split_setting(char *text, cs_setting *out)
{
    char *eq = strchr(text, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    out->key = text;
    out->value = eq + 1;
    return 0;
}

static void print_summary(const char *path, const cs_model *m)
{
    int first, last;
    cs_model_year_span(m, 0, &first, &last);
    char years[64];
    if (first <= last)
        snprintf(years, sizeof years, "years %d-%d", first, last);
    else /* every range empty without slip (if_empty zero) */
        snprintf(years, sizeof years, "no cash flow without slip");
    size_t pairs = m->n_correlation_pairs, fx_pairs = m->n_fx_correlation_pairs;
    cs_cli_print_clean(stdout, path);
    printf(": ok: %zu element%s, %zu risk%s, %zu currenc%s, %zu correlation pair%s, "
           "%zu FX correlation pair%s, %d unit%s, %s\n",
           m->n_elements, m->n_elements == 1 ? "" : "s", m->n_risks,
           m->n_risks == 1 ? "" : "s", m->n_currencies, m->n_currencies == 1 ? "y" : "ies",
           pairs, pairs == 1 ? "" : "s", fx_pairs, fx_pairs == 1 ? "" : "s", m->units,
           m->units == 1 ? "" : "s", years);
}

const cs_cli_opt cs_cli_check_options[] = {
    {"--set", NULL, true},
    {"--help", "-h", false},
    {NULL, NULL, false},
};

int cs_cmd_check(int argc, char **argv)
{
    /* Copies, because split_setting writes into them. */
    char **copies = calloc((size_t)argc + 1, sizeof *copies);
    cs_setting *sets = calloc((size_t)argc + 1, sizeof *sets);
    const char **scenarios = calloc((size_t)argc + 1, sizeof *scenarios);
    size_t n_sets = 0, n_scenarios = 0;
    int status = 0;
    if (!copies || !sets || !scenarios) {
        fputs("costsim check: out of memory\n", stderr);
        status = 1;
        goto done;
    }
    const cs_cli_opt *table = cs_cli_check_options;
    cs_cli_opt_state state = {.next = 1};
    for (;;) {
        const char *name, *value;
        cs_cli_opt_kind kind = cs_cli_opt_next("check", table, argc, argv, &state, &name,
                                               &value);
        if (kind == CS_CLI_OPT_END)
            break;
        if (kind == CS_CLI_OPT_ERROR) {
            status = 2;
            goto done;
        }
        if (kind == CS_CLI_OPT_POSITIONAL) {
            scenarios[n_scenarios++] = value;
            continue;
        }
        if (!strcmp(name, "--help")) {
            fputs(check_usage, stdout); /* checked at done */
            goto done;
        }
        /* --set */
        copies[n_sets] = strdup(value);
        if (!copies[n_sets] || split_setting(copies[n_sets], &sets[n_sets]) != 0) {
            char *clean = cs_cli_clean_text(value);
            fprintf(stderr, "costsim check: --set '%s' has no '='; allowed: --set "
                            "KEY=VALUE\n",
                    clean ? clean : "?");
            free(clean);
            free(copies[n_sets]);
            copies[n_sets] = NULL;
            status = 2;
            goto done;
        }
        n_sets++;
    }
    if (n_scenarios == 0) {
        fputs("costsim check: no scenario given\n", stderr);
        fputs(check_usage, stderr);
        status = 2;
        goto done;
    }

    cs_diag *diag = cs_diag_alloc();
    if (!diag) {
        fputs("costsim check: out of memory\n", stderr);
        status = 1;
        goto done;
    }
    for (size_t i = 0; i < n_scenarios; i++) {
        cs_diag_clear(diag);
        cs_model *m = cs_loader_load(scenarios[i], sets, n_sets, diag);
        if (m)
            print_summary(scenarios[i], m);
        cs_cli_print_diag(diag, "warning: ");
        if (m)
            cs_model_free(m);
        else
            status = cs_cli_exit_status(CS_E_INPUT);
    }
    cs_diag_free(diag);

done:
    for (size_t i = 0; copies && i < n_sets; i++)
        free(copies[i]);
    free(copies);
    free(sets);
    free(scenarios);
    if (cs_cli_finish_stdout() != 0)
        status = 1;
    return status;
}
