/* cmd_run: the `run`, `compare` and `sweep` commands (SPEC §10): option
 * parsing, loading, running the engine with a progress bar, and handing
 * the results to the reporters. Output files are all-or-nothing (outdir.h);
 * SIGINT and SIGTERM stop the run and remove any temporary file. */
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "engine.h"
#include "loader.h"
#include "num.h"
#include "opts.h"
#include "outdir.h"
#include "outpaths.h"
#include "report.h"
#include "report_html.h"
#include "report_xlsx.h"

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
    bool trials_out, quiet, progress;
    double precision;
    vary_spec *vary;
    size_t n_vary;
} options;

static const char run_help[] =
    "usage: costsim run SCENARIO [options]\n"
    "       costsim compare SCENARIO_A SCENARIO_B [options]\n"
    "       costsim sweep SCENARIO --vary KEY=V1,V2,... [--vary ...] [options]\n"
    "\n"
    "options:\n"
    "  --trials N         Monte Carlo trials (1 ... 1e9; default: the scenario's, else 10000)\n"
    "  --seed S           random seed, 0 ... 2^64-1 (default: the scenario's, else 1)\n"
    "  --threads T        worker threads (default: all processors); results do not\n"
    "                     depend on it\n"
    "  --set KEY=VALUE    override a scenario key (repeatable), e.g.\n"
    "                     --set units=8 --set currency.KRW.volatility=0.1\n"
    "  --budget X         nominal budget in the report currency (millions); reports\n"
    "                     the percent of trials within it\n"
    "  --precision P      add trials (up to --trials) until the 95% intervals of the\n"
    "                     nominal mean and P80 are within +-P (0.005 or 0.5%)\n"
    "  --out DIR          write the CSV files (summary, by_year, scurve, sensitivity,\n"
    "                     attribution, tornado, budget, trials) and report.html to DIR\n"
    "  --format F         what to print on stdout: table (default), csv, json\n"
    "  --trials-out       also write trials.csv (one row per trial) to DIR\n"
    "  --report FILE      write the HTML report to FILE\n"
    "  --xlsx FILE        write an Excel workbook to FILE\n"
    "  --vary KEY=V1,...  (sweep) a key and its values; several make a grid\n"
    "  --quiet            no progress on stderr\n"
    "  --progress         progress as plain lines (one every 5 s), as when stderr\n"
    "                     is not a terminal; on a terminal the default is a bar\n"
    "  --help             this text\n"
    "\n"
    "Precedence: --trials/--seed/--budget > --set > the scenario file.\n"
    "Exit status: 0 success, 2 invalid input or usage, 1 any other failure.\n";

static void options_free(options *o)
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

static int usage_error(const char *command, const char *fmt, const char *arg)
{
    fprintf(stderr, "costsim %s: ", command);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nRun 'costsim %s --help' for the options.\n", command);
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
        return usage_error(command, "--vary: '%s' is not KEY=V1,V2,...", value);
    vary_spec *grown = realloc(o->vary, (o->n_vary + 1) * sizeof *grown);
    if (!grown)
        return usage_error(command, "%s", "out of memory");
    o->vary = grown;
    vary_spec *v = &o->vary[o->n_vary++];
    *v = (vary_spec){strndup(value, (size_t)(eq - value)), NULL, 0};
    for (const char *p = eq + 1;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char **vals = realloc(v->values, (v->n_values + 1) * sizeof *vals);
        if (!vals)
            return usage_error(command, "%s", "out of memory");
        v->values = vals;
        v->values[v->n_values++] = strndup(p, n);
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
            return usage_error(command,
                               "--trials: '%s' is not a whole number from 1 to 1e9",
                               value);
        o->trials = value;
    } else if (!strcmp(a, "--seed")) {
        uint64_t s;
        if (cs_num_parse_seed(value, &s) != 0)
            return usage_error(command, "--seed: '%s' is not digits 0 ... 2^64-1",
                               value);
        o->seed = value;
    } else if (!strcmp(a, "--budget")) {
        double b;
        if (cs_num_parse_number(value, &b) != 0 || fabs(b) > CS_MAX_AMOUNT)
            return usage_error(command, "--budget: '%s' is not a number", value);
        o->budget = value;
    } else if (!strcmp(a, "--threads")) {
        long long t;
        if (cs_num_parse_integer(value, 1, 1024, &t) != 0)
            return usage_error(command,
                               "--threads: '%s' is not a whole number from 1 to 1024",
                               value);
        o->threads = (unsigned)t;
    } else if (!strcmp(a, "--set")) {
        const char *eq = strchr(value, '=');
        if (!eq || eq == value)
            return usage_error(command, "--set: '%s' is not KEY=VALUE", value);
        char *key = own(o, value, (size_t)(eq - value));
        if (!key || add_set(o, key, eq + 1) != 0)
            return usage_error(command, "%s", "out of memory");
    } else if (!strcmp(a, "--out") || !strcmp(a, "--report") || !strcmp(a, "--xlsx")) {
        /* An unset shell variable ("--out $DIR") must not mean "here". */
        if (value[0] == '\0')
            return usage_error(command, "%s: empty path; give a directory or file name", a);
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
            return usage_error(command,
                               "--format: '%s' is not one of table, csv, json", value);
    } else if (!strcmp(a, "--precision")) {
        if (parse_precision(value, &o->precision) != 0)
            return usage_error(command,
                               "--precision: '%s' is not a fraction in (0, 1) or a "
                               "percent such as 0.5%%",
                               value);
    } else if (!strcmp(a, "--vary") && !strcmp(command, "sweep")) {
        return parse_vary(command, value, o);
    } else {
        return usage_error(command, "unknown option '%s'", a);
    }
    return 0;
}

#define RUN_OPTIONS                                                                  \
    {"--trials", NULL, true}, {"--seed", NULL, true}, {"--threads", NULL, true},     \
        {"--set", NULL, true}, {"--budget", NULL, true}, {"--precision", NULL, true}, \
        {"--out", NULL, true}, {"--format", NULL, true}, {"--report", NULL, true},    \
        {"--xlsx", NULL, true}, {"--trials-out", NULL, false},                        \
        {"--quiet", "-q", false}, {"--progress", NULL, false}, {"--help", "-h", false}

static const cs_cli_opt run_options[] = {RUN_OPTIONS, {NULL, NULL, false}};
static const cs_cli_opt sweep_options[] = {RUN_OPTIONS, {"--vary", NULL, true},
                                           {NULL, NULL, false}};

/* Returns 0 to go on, PARSED_HELP after printing the help, 1 when the help
 * could not be written, or 2 after a usage error. */
#define PARSED_HELP 3
static int parse_options(const char *command, int argc, char **argv, options *o)
{
    const cs_cli_opt *table = !strcmp(command, "sweep") ? sweep_options : run_options;
    cs_cli_opt_state state = {.next = 1};
    for (;;) {
        const char *a, *value;
        cs_cli_opt_kind kind = cs_cli_opt_next(command, table, argc, argv, &state, &a, &value);
        if (kind == CS_CLI_OPT_END)
            break;
        if (kind == CS_CLI_OPT_ERROR)
            return 2;
        if (kind == CS_CLI_OPT_POSITIONAL) {
            if (o->n_scenarios == 2)
                return usage_error(command, "too many scenario files ('%s')", value);
            o->scenarios[o->n_scenarios++] = value;
        } else if (!strcmp(a, "--help")) {
            return cs_cli_print_stdout(run_help) == 0 ? PARSED_HELP : 1;
        } else if (!strcmp(a, "--trials-out")) {
            o->trials_out = true;
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
    if (o->n_scenarios != want)
        return usage_error(command, "%s", want == 2 ? "needs two scenario files"
                                                    : "needs one scenario file");
    if (!strcmp(command, "sweep") && o->n_vary == 0)
        return usage_error(command, "%s", "needs at least one --vary KEY=V1,V2,...");
    if (o->trials_out && !o->out_dir)
        return usage_error(command, "%s", "--trials-out needs --out DIR");
    return 0;
}

/* Appends the dedicated options after the --set ones (so they win). */
static int add_dedicated(options *o)
{
    if (o->trials && add_set(o, "trials", o->trials) != 0)
        return -1;
    if (o->seed && add_set(o, "seed", o->seed) != 0)
        return -1;
    if (o->budget && add_set(o, "budget", o->budget) != 0)
        return -1;
    return 0;
}

/* ---- Signals and progress ---- */

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    caught_signal = sig;
    cs_outdir_abort_signal();
    cs_engine_cancel();
}

/* After a signal, whatever failed failed because of it: say so. */
static int interrupted(int status)
{
    if (!caught_signal)
        return status;
    fprintf(stderr, "costsim: interrupted by %s; no output file was written or changed\n",
            caught_signal == SIGINT ? "SIGINT" : "SIGTERM");
    return 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Progress on stderr (issue 16): a bar redrawn in place on a terminal; a
 * log-friendly line every LOG_EVERY seconds when stderr is a file or a
 * pipe, or with --progress. Short runs print nothing. */
enum { LOG_EVERY = 5 };

typedef struct {
    struct timespec start;
    bool shown;
    bool log_lines;     /* lines instead of a bar */
    bool from_start;    /* --progress: lines even in the first second */
    double last_line;   /* seconds since start of the last line */
    const char *label;
    uint64_t total;     /* trials of the run, once known */
} progress_state;

/* Whether the current run showed progress; then the writing phase is shown
 * too, so that a long write is not mistaken for a hang. */
static bool progress_was_shown;
static bool progress_log_lines;

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_state *p = ctx;
    double elapsed = seconds_since(&p->start);
    p->total = total;
    if (elapsed < 1.0 && !p->shown && !p->from_start)
        return; /* short runs print nothing */
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    if (p->log_lines) {
        /* The first line after a second, then one every LOG_EVERY seconds
         * and the last one at 100 %. */
        if (p->shown && elapsed - p->last_line < LOG_EVERY && done < total)
            return;
        p->shown = true;
        p->last_line = elapsed;
        fprintf(stderr, "costsim: %s: %llu/%llu trials (%.0f%%), %.0f s elapsed, %.0f s left\n",
                p->label, (unsigned long long)done, (unsigned long long)total,
                total ? 100.0 * (double)done / (double)total : 100.0, elapsed, left);
        return;
    }
    p->shown = true;
    int width = 30, filled = total ? (int)(width * (double)done / (double)total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r%s [%s] %llu/%llu trials, %.0f/s, %.0fs left ", p->label, bar,
            (unsigned long long)done, (unsigned long long)total, rate, left);
    fflush(stderr);
}

static void progress_end(progress_state *p, bool simulated)
{
    if (p->shown && !p->log_lines)
        fprintf(stderr, "\r%*s\r", 79, "");
    if (p->shown && p->log_lines && simulated)
        fprintf(stderr, "costsim: %s: %llu trials simulated in %.0f s\n", p->label,
                (unsigned long long)p->total, seconds_since(&p->start));
    if (p->shown)
        progress_was_shown = true;
}

/* "writing ..." after a run that showed progress. */
static void progress_writing(const char *what)
{
    if (!progress_was_shown)
        return;
    if (progress_log_lines) {
        fputs("costsim: writing ", stderr);
        cs_cli_print_clean(stderr, what);
        fputc('\n', stderr);
    } else {
        fputs("\rwriting ", stderr);
        cs_cli_print_clean(stderr, what);
        fputs(" ...", stderr);
        fflush(stderr);
    }
}

static void progress_writing_done(void)
{
    if (progress_was_shown && !progress_log_lines)
        fprintf(stderr, "\r%*s\r", 79, "");
}

/* ---- Running one scenario ---- */

/* The loader names a command-line setting "--set KEY"; in a sweep a varied
 * key's setting came from --vary (it is applied after every --set, so
 * it is the one that won), and the message says so. */
static void print_load_diag(const cs_diag *d, const options *o)
{
    cs_diag *renamed = o->n_vary ? cs_diag_alloc() : NULL;
    if (!renamed) {
        cs_cli_print_diag(d);
        return;
    }
    for (size_t i = 0; i < cs_diag_count(d); i++) {
        const cs_diag_entry *e = cs_diag_get(d, i);
        const char *path = e->path;
        char *vary = NULL;
        for (size_t k = 0; path && k < o->n_vary && !vary; k++) {
            if (!strncmp(path, "--set ", 6) && !strcmp(path + 6, o->vary[k].key)) {
                size_t n = strlen(path) + 2;
                if ((vary = malloc(n)))
                    snprintf(vary, n, "--vary %s", o->vary[k].key);
            }
        }
        cs_diag_add(renamed, vary ? vary : path, e->line, e->column, "%s", e->message);
        free(vary);
    }
    cs_cli_print_diag(renamed);
    cs_diag_free(renamed);
}

static cs_model *load(const char *path, const options *o, int *status)
{
    cs_diag *d = cs_diag_alloc();
    cs_model *m = d ? cs_loader_load(path, o->sets, o->n_sets, d) : NULL;
    if (!m) {
        print_load_diag(d, o);
        *status = 2;
    } else {
        for (size_t i = 0; i < m->n_warnings; i++)
            cs_cli_print_warning(m->warnings[i]);
        /* The table says it in its header; csv and json keep stdout clean. */
        if (o->format != FORMAT_TABLE && !o->quiet) {
            fputs("costsim: ", stderr);
            cs_cli_print_clean(stderr, path);
            fprintf(stderr, ": loaded %zu elements, %zu risks, %zu currencies, %zu correlation "
                            "pairs, %zu FX correlation pairs\n",
                    m->n_elements, m->n_risks, m->n_currencies, m->n_correlation_pairs,
                    m->n_fx_correlation_pairs);
        }
    }
    cs_diag_free(d);
    return m;
}

static cs_results *simulate(const cs_model *m, const options *o, const char *label,
                            int *status)
{
    progress_state p = {.label = label, .log_lines = o->progress || !isatty(2),
                        .from_start = o->progress};
    progress_log_lines = p.log_lines;
    clock_gettime(CLOCK_MONOTONIC, &p.start);
    cs_run_options ro = {
        .trials = m->trials,
        .threads = o->threads,
        .precision = o->precision,
        .trials_out = o->trials_out,
        .progress = !o->quiet ? progress : NULL,
        .progress_ctx = &p,
    };
    cs_diag *d = cs_diag_alloc();
    cs_results *r = cs_engine_run(m, &ro, d, status);
    progress_end(&p, r != NULL);
    if (!r)
        cs_cli_print_diag(d);
    cs_diag_free(d);
    return r;
}

/* Every output path, before anything is simulated (outpaths.h). */
static int check_outputs(const char *command, const options *o, const cs_model *a,
                         const cs_model *b)
{
    const cs_model *models[2] = {a, b};
    cs_cli_outputs out = {
        .out_dir = o->out_dir,
        .report = o->report,
        .xlsx = o->xlsx,
        .trials_out = o->trials_out,
        .managed = cs_report_managed_files,
    };
    return cs_cli_check_outputs(command, &out, models, b ? 2 : 1);
}

/* The other outputs of this run, which the report's footer names. */
static cs_report_html_outputs html_outputs;

static int write_html(FILE *f, const cs_results *a, const cs_results *b)
{
    return b ? cs_report_html_compare_with_outputs(f, a, b, &html_outputs)
             : cs_report_html_with_outputs(f, a, &html_outputs);
}

static int html_writer(FILE *f, void *ctx)
{
    const cs_results *const *r = ctx;
    return write_html(f, r[0], r[1]);
}

/* Writes the xlsx to a temporary beside path, then renames it. */
static int write_xlsx(const char *path, const cs_results *a, const cs_results *b)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
    cs_diag *d = cs_diag_alloc();
    int rc = cs_report_xlsx(tmp, a, b, d);
    if (rc == 0 && rename(tmp, path) != 0) {
        cs_diag_add(d, path, 0, NULL, "cannot write: %s", strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        unlink(tmp);
        cs_cli_print_diag(d);
    }
    cs_diag_free(d);
    free(tmp);
    return rc;
}

/* The files of a run or comparison in --out DIR, all or nothing. */
static int write_out_dir(const options *o, const cs_results *a, const cs_results *b,
                         const cs_compare_row *rows)
{
    cs_diag *d = cs_diag_alloc();
    cs_outdir *od = cs_outdir_open(o->out_dir, cs_report_managed_files, d);
    int rc = od ? 0 : -1;
    if (od && b) {
        FILE *f = cs_outdir_create(od, "compare.csv", d);
        if (!f)
            rc = -1;
        else
            cs_report_compare_csv(f, rows);
        if (rc == 0)
            rc = cs_report_write_run_files(od, "a/", a, d);
        if (rc == 0)
            rc = cs_report_write_run_files(od, "b/", b, d);
    } else if (od) {
        rc = cs_report_write_run_files(od, "", a, d);
    }
    if (od && rc == 0) {
        FILE *f = cs_outdir_create(od, "report.html", d);
        if (!f || write_html(f, a, b) != 0)
            rc = -1;
    }
    if (od && rc == 0)
        rc = cs_outdir_commit(od, d);
    else
        cs_outdir_abort(od);
    if (rc != 0)
        cs_cli_print_diag(d);
    cs_diag_free(d);
    return rc;
}

static int write_outputs(const options *o, const cs_results *a, const cs_results *b)
{
    html_outputs = (cs_report_html_outputs){.csv_files = o->out_dir != NULL,
                                            .workbook = o->xlsx};
    cs_compare_row rows[CS_N_MEASURES];
    if (b && cs_report_compare_compute(a, b, rows) != 0) {
        fprintf(stderr, "costsim: out of memory\n");
        return 1;
    }
    if (o->out_dir) {
        size_t n = strlen(o->out_dir) + 64;
        char *what = malloc(n);
        if (what) {
            snprintf(what, n, "%s/%s", o->out_dir,
                     o->trials_out ? " (trials.csv has a row per trial)" : "");
            progress_writing(what);
        }
        free(what);
        int rc = write_out_dir(o, a, b, rows);
        progress_writing_done();
        if (rc != 0)
            return 1;
    }
    if (o->report) {
        progress_writing(o->report);
        const cs_results *pair[2] = {a, b};
        cs_diag *d = cs_diag_alloc();
        int rc = cs_outdir_write_file_atomic(o->report, html_writer, (void *)pair, d);
        if (rc != 0)
            cs_cli_print_diag(d);
        cs_diag_free(d);
        if (rc != 0)
            return 1;
    }
    if (o->xlsx)
        progress_writing(o->xlsx);
    if (o->xlsx && write_xlsx(o->xlsx, a, b) != 0)
        return 1;
    progress_writing_done();
    switch (o->format) {
    case FORMAT_CSV:
        if (b)
            cs_report_compare_csv(stdout, rows);
        else
            cs_report_summary_csv(stdout, a);
        break;
    case FORMAT_JSON:
        /* A failure here is a write error or out of memory; both are
         * reported below with the stream's state. */
        if ((b ? cs_report_compare_json(stdout, a, b, rows) : cs_report_json(stdout, a)) != 0 &&
            !ferror(stdout)) {
            fprintf(stderr, "costsim: out of memory while writing JSON\n");
            return 1;
        }
        break;
    case FORMAT_TABLE:
    default:
        if (b)
            cs_report_compare_table(stdout, a, b, rows);
        else
            cs_report_table(stdout, a);
        break;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "costsim: cannot write to standard output: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

int cs_cmd_run(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options("run", argc, argv, &o);
    if (rc == 0 && add_dedicated(&o) != 0) {
        fputs("costsim: out of memory\n", stderr);
        rc = 1;
    }
    if (rc != 0) {
        options_free(&o);
        return rc == PARSED_HELP ? 0 : rc;
    }
    install_signals();
    int status = 0;
    cs_model *m = load(o.scenarios[0], &o, &status);
    if (m && check_outputs("run", &o, m, NULL) != 0) {
        status = 2;
        cs_model_free(m);
        m = NULL;
    }
    cs_results *r = m ? simulate(m, &o, "run", &status) : NULL;
    if (r)
        status = write_outputs(&o, r, NULL);
    cs_results_free(r);
    cs_model_free(m);
    options_free(&o);
    return interrupted(status);
}

int cs_cmd_compare(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options("compare", argc, argv, &o);
    if (rc == 0 && add_dedicated(&o) != 0) {
        fputs("costsim: out of memory\n", stderr);
        rc = 1;
    }
    if (rc != 0) {
        options_free(&o);
        return rc == PARSED_HELP ? 0 : rc;
    }
    install_signals();
    int status = 0;
    cs_model *a = load(o.scenarios[0], &o, &status);
    cs_model *b = load(o.scenarios[1], &o, &status);
    cs_results *ra = NULL, *rb = NULL;
    if (a && b) {
        /* A's trials and seed apply to both (SPEC §10). */
        b->trials = a->trials;
        b->seed = a->seed;
        if (a->base_year != b->base_year) {
            fprintf(stderr, "%s: base_year %d differs from %s's %d; compare needs the same "
                            "base_year\n", o.scenarios[1], b->base_year, o.scenarios[0],
                    a->base_year);
            status = 2;
        } else if (strcmp(a->currencies[a->report_currency].code,
                          b->currencies[b->report_currency].code) != 0) {
            fprintf(stderr, "%s: report_currency %s differs from %s's %s; compare needs the "
                            "same report_currency\n", o.scenarios[1],
                    b->currencies[b->report_currency].code, o.scenarios[0],
                    a->currencies[a->report_currency].code);
            status = 2;
        } else if (check_outputs("compare", &o, a, b) != 0) {
            status = 2;
        } else {
            ra = simulate(a, &o, "A", &status);
            /* With --precision, A decides the trial count; B runs exactly
             * as many so that every trial has its pair. */
            options ob = o;
            ob.precision = 0;
            if (ra)
                b->trials = ra->trials;
            rb = ra ? simulate(b, &ob, "B", &status) : NULL;
            if (ra && rb) {
                status = write_outputs(&o, ra, rb);
            }
        }
    }
    cs_results_free(ra);
    cs_results_free(rb);
    cs_model_free(a);
    cs_model_free(b);
    options_free(&o);
    return interrupted(status);
}

int cs_cmd_sweep(int argc, char **argv)
{
    options o = {0};
    int rc = parse_options("sweep", argc, argv, &o);
    if (rc != 0) {
        options_free(&o);
        return rc == PARSED_HELP ? 0 : rc;
    }
    install_signals();
    size_t n_keys = o.n_vary, n_combos = 1;
    for (size_t k = 0; k < n_keys; k++) {
        if (n_combos > 100000 / o.vary[k].n_values) {
            fprintf(stderr, "costsim sweep: more than 100000 combinations\n");
            options_free(&o);
            return 2;
        }
        n_combos *= o.vary[k].n_values;
    }
    const char **keys = calloc(n_keys, sizeof *keys);
    const char **values = calloc(n_combos * n_keys, sizeof *values);
    cs_results **results = calloc(n_combos, sizeof *results);
    cs_model **models = calloc(n_combos, sizeof *models);
    size_t base_sets = o.n_sets;
    int status = keys && values && results && models ? 0 : 1;
    for (size_t k = 0; k < n_keys && status == 0; k++)
        keys[k] = o.vary[k].key;
    /* Combination c: the first key varies slowest. */
    for (size_t c = 0; c < n_combos && status == 0; c++) {
        o.n_sets = base_sets;
        size_t rest = c;
        for (size_t k = n_keys; k-- > 0;) {
            const vary_spec *v = &o.vary[k];
            values[c * n_keys + k] = v->values[rest % v->n_values];
            rest /= v->n_values;
        }
        for (size_t k = 0; k < n_keys && status == 0; k++)
            if (add_set(&o, keys[k], values[c * n_keys + k]) != 0)
                status = 1;
        if (status == 0 && add_dedicated(&o) != 0)
            status = 1;
        if (status != 0)
            break;
        models[c] = load(o.scenarios[0], &o, &status);
        if (!models[c])
            break;
        char label[48];
        snprintf(label, sizeof label, "%zu/%zu", c + 1, n_combos);
        results[c] = simulate(models[c], &o, label, &status);
        if (!results[c])
            break;
    }
    if (status == 0) {
        if (o.out_dir) {
            cs_diag *d = cs_diag_alloc();
            cs_outdir *od = cs_outdir_open(o.out_dir, NULL, d);
            FILE *f = od ? cs_outdir_create(od, "sweep.csv", d) : NULL;
            if (f)
                cs_report_sweep_csv(f, keys, n_keys, values,
                                    (const cs_results *const *)results, n_combos);
            if (!f || cs_outdir_commit(od, d) != 0) {
                if (!f)
                    cs_outdir_abort(od);
                cs_cli_print_diag(d);
                status = 1;
            }
            cs_diag_free(d);
        }
        if (status == 0 && o.format == FORMAT_JSON) {
            if (cs_report_sweep_json(stdout, keys, n_keys, values,
                                     (const cs_results *const *)results, n_combos) != 0)
                status = 1;
        } else if (status == 0 && o.format == FORMAT_CSV) {
            cs_report_sweep_csv(stdout, keys, n_keys, values,
                                (const cs_results *const *)results, n_combos);
        } else if (status == 0) {
            cs_report_sweep_table(stdout, keys, n_keys, values,
                                  (const cs_results *const *)results, n_combos);
        }
        if (status == 0 && cs_cli_finish_stdout() != 0)
            status = 1;
    }
    for (size_t c = 0; c < n_combos && results; c++) {
        cs_results_free(results[c]);
        if (models)
            cs_model_free(models[c]);
    }
    free(results);
    free(models);
    free(keys);
    free(values);
    options_free(&o);
    return interrupted(status);
}
