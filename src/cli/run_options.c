/* run_options: parses the options of the `run`, `compare` and `sweep`
 * commands (see run_options.h) with the one option parser (opts.h), checks
 * each value as it is read (trials, seed, budget, threads, --set, paths,
 * format, precision, --vary) and the combinations allowed per command,
 * and prints their help. It does not check output paths against the
 * inputs (outpaths.c) nor load or run anything (cmd_run.c). */
#include "run_options.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "model.h"
#include "num.h"
#include "opts.h"

static const char run_help[] =
    "usage: costsim run SCENARIO [options]\n"
    "       costsim compare SCENARIO_A SCENARIO_B [options]\n"
    "       costsim sweep SCENARIO --vary KEY=V1,V2,... [--vary ...] [options]\n"
    "\n"
    "options:\n"
    "  --trials N         Monte Carlo trials (1 ... 1e9; default: the scenario's, else 10000)\n"
    "  --seed S           random seed, 0 ... 2^64-1 (default: the scenario's, else 1)\n"
    "  --threads T        worker threads, 1 ... 1024 (default: all processors);\n"
    "                     results do not depend on it\n"
    "  --set KEY=VALUE    override a scenario key (repeatable), e.g.\n"
    "                     --set units=8 --set currency.KRW.volatility=0.1\n"
    "  --budget X         budget in the report currency (millions), in budget_measure\n"
    "                     (default nominal); reports the share of trials within it\n"
    "  --precision P      (run, compare) run 1,000 trials, then double them (up to\n"
    "                     --trials, else 10,000,000) until the 95% intervals of the\n"
    "                     nominal mean and P80 are within +-P (0.005 or 0.5%)\n"
    "  --out DIR          write the output files to DIR: the CSV files (summary,\n"
    "                     by_year, scurve, sensitivity, attribution, tornado,\n"
    "                     allocation, budget, schedule, jcl, trials) and report.html;\n"
    "                     compare: a/, b/, compare.csv, streams.csv; sweep: sweep.csv\n"
    "  --format F         what to print on stdout: table (default), csv, json\n"
    "  --trials-out       (run, compare) also write trials.csv (one row per trial)\n"
    "                     to DIR; needs --out\n"
    "  --no-drivers       do not measure sensitivity, attribution and tornado\n"
    "                     (faster on large models; their CSV files are not written\n"
    "                     and the JSON arrays are empty; other results are the same)\n"
    "  --report FILE      write the HTML report to FILE\n"
    "  --xlsx FILE        write an Excel workbook to FILE\n"
    "  --vary KEY=V1,...  (sweep) a key and its values; several make a grid\n"
    "  --quiet, -q        no progress on stderr, and with --format csv or json no\n"
    "                     \"loaded\" line either (warnings and errors still show)\n"
    "  --progress         progress as plain lines (one every 5 s), as when stderr\n"
    "                     is not a terminal; on a terminal the default is a bar\n"
    "  --help, -h         this text\n"
    "\n"
    "Precedence: --trials/--seed/--budget > --set > the scenario file.\n"
    "Exit status: 0 success, 2 invalid input or usage, 1 any other failure.\n";

void cs_cli_options_free(options *o)
{
    for (size_t i = 0; i < o->n_owned; i++)
        free(o->owned[i]);
    free(o->owned);
    free(o->sets);
    for (size_t i = 0; i < o->n_vary; i++) {
        free(o->vary[i].key);
        for (size_t k = 0; k < o->vary[i].n_values; k++)
            free(o->vary[i].values[k]);
        free(o->vary[i].values);
    }
    free(o->vary);
}

static char *own(options *o, const char *s, size_t n)
{
    char *copy = strndup(s, n);
    char **grown = realloc(o->owned, (o->n_owned + 1) * sizeof *grown);
    if (!copy || !grown) {
        free(copy);
        if (grown)
            o->owned = grown;
        return NULL;
    }
    o->owned = grown;
    o->owned[o->n_owned++] = copy;
    return copy;
}

static int add_set(options *o, const char *key, const char *value)
{
    cs_setting *grown = realloc(o->sets, (o->n_sets + 1) * sizeof *grown);
    if (!grown)
        return -1;
    o->sets = grown;
    o->sets[o->n_sets++] = (cs_setting){.key = key, .value = value};
    return 0;
}

int cs_cli_usage_error(const char *command, const char *fmt, const char *arg)
{
    char *clean = cs_cli_clean_text(arg); /* a path or value from the command line */
    fprintf(stderr, "costsim %s: ", command);
    fprintf(stderr, fmt, clean ? clean : "?");
    fprintf(stderr, "\nRun 'costsim %s --help' for the options.\n", command);
    free(clean);
    return 2;
}

/* Parses --precision: a fraction, or a percent with '%'. */
static int parse_precision(const char *s, double *out)
{
    size_t n = strlen(s);
    bool percent = n > 0 && s[n - 1] == '%';
    char buf[64];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n + 1);
    if (percent)
        buf[n - 1] = '\0';
    double v;
    if (cs_num_parse_number(buf, &v) != 0)
        return -1;
    if (percent)
        v /= 100;
    if (!(v > 0 && v < 1))
        return -1;
    *out = v;
    return 0;
}

/* One --vary KEY=V1,V2,...: adds it to o->vary. Returns 0, or the status
 * of the usage error. */
static int parse_vary(const char *command, const char *value, options *o)
{
    const char *eq = strchr(value, '=');
    if (!eq || eq == value || !eq[1])
        return cs_cli_usage_error(command, "--vary: '%s' is not KEY=V1,V2,...", value);
    vary_spec *grown = realloc(o->vary, (o->n_vary + 1) * sizeof *grown);
    if (!grown)
        return cs_cli_usage_error(command, "%s", "out of memory");
    o->vary = grown;
    vary_spec *v = &o->vary[o->n_vary++];
    *v = (vary_spec){strndup(value, (size_t)(eq - value)), NULL, 0};
    for (const char *p = eq + 1;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char **vals = realloc(v->values, (v->n_values + 1) * sizeof *vals);
        if (!vals)
            return cs_cli_usage_error(command, "%s", "out of memory");
        v->values = vals;
        v->values[v->n_values++] = strndup(p, n);
        if (n == 0 && v->n_values > 1) { /* allowed (the key not given; first is the
                                          * documented way to include "none"), but after
                                          * the first most often a stray comma */
            char *clean = cs_cli_clean_text(v->key);
            fprintf(stderr,
                    "costsim: warning: --vary %s: value %zu is empty, so that combination "
                    "leaves %s not given (its default)\n",
                    clean ? clean : "?", v->n_values, clean ? clean : "?");
            free(clean);
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/* One option that takes a value: a is the option, value its argument.
 * Returns 0, or the status of the usage error. */
static int parse_valued_option(const char *command, const char *a, const char *value,
                               options *o)
{
    if (!strcmp(a, "--trials")) {
        long long t;
        if (cs_num_parse_integer(value, 1, CS_MAX_TRIALS, &t) != 0)
            return cs_cli_usage_error(command,
                                      "--trials: '%s' is not a whole number from 1 to 1e9",
                                      value);
        o->trials = value;
    } else if (!strcmp(a, "--seed")) {
        uint64_t s;
        if (cs_num_parse_seed(value, &s) != 0)
            return cs_cli_usage_error(command, "--seed: '%s' is not digits 0 ... 2^64-1",
                                      value);
        o->seed = value;
    } else if (!strcmp(a, "--budget")) {
        double b;
        bool parsed = cs_num_parse_number(value, &b) == 0;
        if (!parsed && !cs_num_is_too_large(value))
            return cs_cli_usage_error(command, "--budget: '%s' is not a number", value);
        if (!parsed || fabs(b) > CS_MAX_AMOUNT)
            return cs_cli_usage_error(command,
                                      "--budget: '%s' is out of range; allowed: an amount in "
                                      "millions, |budget| <= 1e15",
                                      value);
        o->budget = value;
    } else if (!strcmp(a, "--threads")) {
        long long t;
        if (cs_num_parse_integer(value, 1, 1024, &t) != 0)
            return cs_cli_usage_error(command,
                                      "--threads: '%s' is not a whole number from 1 to 1024",
                                      value);
        o->threads = (unsigned)t;
    } else if (!strcmp(a, "--set")) {
        const char *eq = strchr(value, '=');
        if (!eq || eq == value)
            return cs_cli_usage_error(command, "--set: '%s' is not KEY=VALUE", value);
        char *key = own(o, value, (size_t)(eq - value));
        if (!key || add_set(o, key, eq + 1) != 0)
            return cs_cli_usage_error(command, "%s", "out of memory");
    } else if (!strcmp(a, "--out") || !strcmp(a, "--report") || !strcmp(a, "--xlsx")) {
        /* An unset shell variable ("--out $DIR") must not mean "here". */
        if (value[0] == '\0')
            return cs_cli_usage_error(command, "%s: empty path; give a directory or file name", a);
        /* "-" would be a file or directory named "-", not standard output
         * as in many tools: refused, so nobody looks for the report on
         * stdout and finds a file called "-" instead. */
        if (!strcmp(value, "-"))
            return cs_cli_usage_error(command,
                                      !strcmp(a, "--out")
                                          ? "%s -: costsim writes its outputs to files, not to "
                                            "standard output; give a directory name (./- for "
                                            "one named '-')"
                                          : "%s -: costsim writes its outputs to files, not to "
                                            "standard output; give a file name (./- for one "
                                            "named '-')",
                                      a);
        if (!strcmp(a, "--out"))
            o->out_dir = value;
        else if (!strcmp(a, "--report"))
            o->report = value;
        else
            o->xlsx = value;
    } else if (!strcmp(a, "--format")) {
        if (!strcmp(value, "table"))
            o->format = FORMAT_TABLE;
        else if (!strcmp(value, "csv"))
            o->format = FORMAT_CSV;
        else if (!strcmp(value, "json"))
            o->format = FORMAT_JSON;
        else
            return cs_cli_usage_error(command,
                                      "--format: '%s' is not one of table, csv, json", value);
    } else if (!strcmp(a, "--precision")) {
        if (parse_precision(value, &o->precision) != 0)
            return cs_cli_usage_error(command,
                                      "--precision: '%s' is not a fraction in (0, 1) or a "
                                      "percent such as 0.5%%",
                                      value);
    } else if (!strcmp(a, "--vary") && !strcmp(command, "sweep")) {
        return parse_vary(command, value, o);
    } else {
        return cs_cli_usage_error(command, "unknown option '%s'", a);
    }
    return 0;
}

/* The options run, compare and sweep share. --precision and --trials-out
 * are run's and compare's only: a sweep row is one combination's summary,
 * with one trial count for all, so per-trial files and a trial count that
 * differs per combination have no place in it (an unknown option of sweep
 * then says whose option it is). */
#define COMMON_OPTIONS                                                                \
    {"--trials", NULL, true}, {"--seed", NULL, true}, {"--threads", NULL, true},     \
        {"--set", NULL, true}, {"--budget", NULL, true}, {"--out", NULL, true},      \
        {"--format", NULL, true}, {"--report", NULL, true}, {"--xlsx", NULL, true},   \
        {"--no-drivers", NULL, false}, {"--quiet", "-q", false},                      \
        {"--progress", NULL, false}, {"--help", "-h", false}

const cs_cli_opt cs_cli_run_options[] = {COMMON_OPTIONS,
                                         {"--precision", NULL, true},
                                         {"--trials-out", NULL, false},
                                         {NULL, NULL, false}};
const cs_cli_opt cs_cli_sweep_options[] = {COMMON_OPTIONS, {"--vary", NULL, true},
                                           {NULL, NULL, false}};

/* Returns 0 to go on, PARSED_HELP after printing the help, 1 when the help
 * could not be written, or 2 after a usage error. */
int cs_cli_parse_options(const char *command, int argc, char **argv, options *o)
{
    const cs_cli_opt *table = !strcmp(command, "sweep") ? cs_cli_sweep_options
                                                         : cs_cli_run_options;
    cs_cli_opt_state state = {.next = 1};
    const char *extra = NULL; /* the third file argument, if any */
    for (;;) {
        const char *a, *value;
        cs_cli_opt_kind kind = cs_cli_opt_next(command, table, argc, argv, &state, &a, &value);
        if (kind == CS_CLI_OPT_END)
            break;
        if (kind == CS_CLI_OPT_ERROR)
            return 2;
        if (kind == CS_CLI_OPT_POSITIONAL) {
            if (o->n_scenarios < 2)
                o->scenarios[o->n_scenarios] = value;
            else if (!extra)
                extra = value;
            o->n_scenarios++;
        } else if (!strcmp(a, "--help")) {
            return cs_cli_print_stdout(run_help) == 0 ? PARSED_HELP : 1;
        } else if (!strcmp(a, "--trials-out")) {
            o->trials_out = true;
        } else if (!strcmp(a, "--no-drivers")) {
            o->no_drivers = true;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = true;
        } else if (!strcmp(a, "--progress")) {
            o->progress = true;
        } else {
            int rc = parse_valued_option(command, a, value, o);
            if (rc != 0)
                return rc;
        }
    }
    size_t want = !strcmp(command, "compare") ? 2 : 1;
    if (o->n_scenarios == 0 || (want == 2 && o->n_scenarios == 1))
        return cs_cli_usage_error(command, "%s", want == 2 ? "needs two scenario files"
                                                           : "needs one scenario file");
    if (o->n_scenarios > want) {
        /* Name the first argument taken as a file too many: after "--",
         * or after an option's stray value, that is not always obvious. */
        const char *first_extra = want == 1 ? o->scenarios[1] : extra;
        char fmt[160];
        snprintf(fmt, sizeof fmt, "needs %s, but %zu arguments are taken as files; the first "
                 "one too many is '%%s'", want == 2 ? "two scenario files" : "one scenario file",
                 o->n_scenarios);
        return cs_cli_usage_error(command, fmt, first_extra);
    }
    if (!strcmp(command, "sweep") && o->n_vary == 0)
        return cs_cli_usage_error(command, "%s", "needs at least one --vary KEY=V1,V2,...");
    if (o->trials_out && !o->out_dir)
        return cs_cli_usage_error(command, "%s", "--trials-out needs --out DIR");
    return 0;
}

/* Appends the dedicated options after the --set ones (so they win). */
int cs_cli_add_dedicated(options *o)
{
    if (o->trials && add_set(o, "trials", o->trials) != 0)
        return -1;
    if (o->seed && add_set(o, "seed", o->seed) != 0)
        return -1;
    if (o->budget && add_set(o, "budget", o->budget) != 0)
        return -1;
    return 0;
}
