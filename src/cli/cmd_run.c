/* cmd_run: the `run`, `compare` and `sweep` commands (docs/COMMANDS.md):
 * loading, running with a progress bar, printing messages and choosing
 * exit statuses; their options are parsed in run_options.c. The rules of
 * compare and sweep are the core's (src/core); the output files are
 * written through report/outputs.c, all or nothing (outdir.h). SIGINT and
 * SIGTERM set the commands' cancel token and remove any temporary file. */
#include "cmd.h"
#include "progress.h"
#include "run_options.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "diag.h"
#include "engine.h"
#include "loader.h"
#include "outdir.h"
#include "outpaths.h"
#include "report.h"
#include "sweep.h"

/* How warnings (diag entries of CS_SEVERITY_WARNING) are printed. */
#define WARNING_PREFIX "costsim: warning: "

/* A writer's messages as "costsim: MESSAGE", cleaned (cs_cli_print_clean). */
static void print_messages(const cs_diag *d)
{
    for (size_t i = 0; i < cs_diag_count(d); i++) {
        fputs("costsim: ", stderr);
        cs_cli_print_clean(stderr, cs_diag_get(d, i)->message);
        fputc('\n', stderr);
    }
}

/* ---- Signals and progress ---- */

static volatile sig_atomic_t caught_signal;
/* The cancel token of this command's runs (set by a signal). */
static cs_cancel *volatile run_cancel;

/* The output files once committed ("DIR/, FILE, ..."), for the messages of
 * a later failure or signal; NULL while nothing was written. */
static char *committed_outputs;
/* Set when a failed commit still changed files (stopped part-way after
 * its commit point, or not synced): its messages say which. */
static bool outputs_changed;

static void on_signal(int sig)
{
    caught_signal = sig;
    cs_outdir_abort_signal();
    cs_cancel_request(run_cancel);
}

/* After a signal, whatever failed failed because of it: say so. */
static int interrupted(int status)
{
    if (!caught_signal) {
        free(committed_outputs);
        committed_outputs = NULL;
        return status;
    }
    const char *name = caught_signal == SIGINT ? "SIGINT" : "SIGTERM";
    if (committed_outputs)
        fprintf(stderr, "costsim: interrupted by %s after the output files were written "
                        "(complete): %s\n", name, committed_outputs);
    else if (outputs_changed)
        fprintf(stderr, "costsim: interrupted by %s; the output files are as said above\n",
                name);
    else
        fprintf(stderr, "costsim: interrupted by %s; no output file was written or changed\n",
                name);
    free(committed_outputs);
    committed_outputs = NULL;
    return 1;
}

/* Makes the command's cancel token and lets SIGINT and SIGTERM set it.
 * Returns -1 when out of memory. */
static int install_signals(void)
{
    run_cancel = cs_cancel_alloc();
    if (!run_cancel) {
        fputs("costsim: out of memory\n", stderr);
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second signal stops at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}

/* Frees the token. The handlers stay (a late signal still reports the
 * interruption) but no longer reach the token. */
static void remove_signals(void)
{
    cs_cancel *c = run_cancel;
    run_cancel = NULL;
    cs_cancel_free(c);
}

/* ---- Running one scenario ---- */

/* The loader names a command-line setting "--set KEY"; in a sweep a varied
 * key's setting came from --vary (it is applied after every --set, so
 * it is the one that won), and the message says so. */
static void print_load_diag(const cs_diag *d, const options *o)
{
    cs_diag *renamed = o->n_vary ? cs_diag_alloc() : NULL;
    if (!renamed) {
        cs_cli_print_diag(d, WARNING_PREFIX);
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
        if (e->severity == CS_SEVERITY_WARNING)
            cs_diag_warn(renamed, vary ? vary : path, e->line, e->column, "%s", e->message);
        else
            cs_diag_add(renamed, vary ? vary : path, e->line, e->column, "%s", e->message);
        free(vary);
    }
    cs_cli_print_diag(renamed, WARNING_PREFIX);
    cs_diag_free(renamed);
}

/* A fresh progress report labelled label for the command's options:
 * lines instead of a bar when stderr is not a terminal or with --progress
 * (which also reports from the start). Sets the mode for the writing phase. */
static progress_state new_progress(const char *label, const options *o)
{
    bool log_lines = o->progress || !isatty(2);
    cs_cli_progress_mode(log_lines);
    return (progress_state){.label = label, .log_lines = log_lines, .from_start = o->progress};
}

static cs_model *load(const char *path, const options *o, int *status)
{
    cs_diag *d = cs_diag_alloc();
    bool oom = !d;
    cs_model *m = d ? cs_loader_load_oom(path, o->sets, o->n_sets, d, &oom) : NULL;
    print_load_diag(d, o);
    if (!m) {
        *status = cs_cli_exit_status(oom ? CS_E_NOMEM : CS_E_INPUT);
    } else if (o->format != FORMAT_TABLE && !o->quiet) {
        /* The table says it in its header; csv and json keep stdout clean. */
        fputs("costsim: ", stderr);
        cs_cli_print_clean(stderr, path);
        fprintf(stderr, ": loaded %zu element%s, %zu risk%s, %zu currenc%s, %zu correlation "
                        "pair%s, %zu FX correlation pair%s\n",
                m->n_elements, m->n_elements == 1 ? "" : "s", m->n_risks,
                m->n_risks == 1 ? "" : "s", m->n_currencies, m->n_currencies == 1 ? "y" : "ies",
                m->n_correlation_pairs, m->n_correlation_pairs == 1 ? "" : "s",
                m->n_fx_correlation_pairs, m->n_fx_correlation_pairs == 1 ? "" : "s");
    }
    cs_diag_free(d);
    return m;
}

/* The run options of the command line for model m (its trials and seed). */
static cs_run_options run_options(const cs_model *m, const options *o, progress_state *p)
{
    /* --precision: the ceiling is --trials when given, else 10 000 000
     * (the scenario's trials is not used; the output says so). */
    uint64_t trials = m->trials;
    if (o->precision > 0 && !o->trials)
        trials = CS_PRECISION_CEILING;
    return (cs_run_options){
        .trials = trials,
        .seed = m->seed,
        .cancel = run_cancel,
        .threads = o->threads,
        .precision = o->precision,
        .trials_out = o->trials_out,
        .no_drivers = o->no_drivers,
        .progress = !o->quiet ? cs_cli_progress : NULL,
        .progress_ctx = p,
    };
}

static cs_results *simulate(const cs_model *m, const options *o, const char *label,
                            int *status)
{
    progress_state p = new_progress(label, o);
    clock_gettime(CLOCK_MONOTONIC, &p.start);
    cs_run_options ro = run_options(m, o, &p);
    cs_diag *d = cs_diag_alloc();
    cs_results *r = NULL;
    cs_status st = d ? cs_engine_run(m, &ro, &r, d) : CS_E_NOMEM;
    cs_cli_progress_end(&p, r != NULL);
    *status = cs_cli_exit_status(st);
    if (!d)
        fputs("costsim: out of memory\n", stderr);
    cs_cli_print_diag(d, WARNING_PREFIX);
    cs_diag_free(d);
    return r;
}

/* After a simulation that failed (not a signal: interrupted() says that),
 * a run asked to write files says that none was written or changed. */
static void nothing_written(const options *o)
{
    if (!caught_signal && (o->out_dir || o->report || o->xlsx))
        fputs("costsim: no output file was written or changed\n", stderr);
}

/* Every output path, before anything is simulated (outpaths.h). */
static int check_outputs(const char *command, const options *o, const cs_model *a,
                         const cs_model *b)
{
    const cs_model *models[2] = {a, b};
    /* A sweep's --out holds sweep.csv only: a report beside it is not a
     * clash with a run's report.html. */
    static const char *const sweep_files[] = {"sweep.csv", NULL};
    cs_cli_outputs out = {
        .out_dir = o->out_dir,
        .report = o->report,
        .xlsx = o->xlsx,
        .trials_out = o->trials_out,
        .managed = !strcmp(command, "sweep") ? sweep_files
                   : b                       ? cs_report_compare_files
                                             : cs_report_run_files,
    };
    return cs_cli_check_outputs(command, &out, models, !a ? 0 : b ? 2 : 1);
}

/* Records what a successful commit wrote ("DIR/, FILE, ..."), for the
 * messages of a later failure or signal. */
static void note_committed(const options *o)
{
    size_t n = 1;
    const char *const files[] = {o->out_dir, o->report, o->xlsx};
    for (size_t i = 0; i < 3; i++)
        n += files[i] ? strlen(files[i]) + 3 : 0;
    free(committed_outputs);
    committed_outputs = calloc(1, n);
    for (size_t i = 0; i < 3 && committed_outputs; i++) {
        if (!files[i])
            continue;
        if (*committed_outputs)
            strcat(committed_outputs, ", ");
        strcat(committed_outputs, files[i]);
        if (i == 0 && files[i][strlen(files[i]) - 1] != '/')
            strcat(committed_outputs, "/");
    }
}

/* Reports the result of writing the output files (rc from one of the
 * cs_report_write_*outputs, messages in d). Returns 0 or 1. */
static int files_written(const options *o, int rc, cs_diag *d)
{
    if (rc == 0) {
        if (o->out_dir || o->report || o->xlsx)
            note_committed(o);
        return 0;
    }
    size_t n = cs_diag_count(d);
    const cs_diag_entry *last = n ? cs_diag_get(d, n - 1) : NULL;
    bool nothing = last && !strcmp(last->message, cs_report_nothing_written);
    outputs_changed = !nothing;
    /* After a signal that stopped the commit, interrupted() says it. */
    if (!caught_signal || !nothing)
        cs_cli_print_diag(d, WARNING_PREFIX);
    return 1;
}

/* Checks stdout after the last write. Returns 0 or 1 (message printed). */
static int check_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "costsim: cannot write to standard output: %s%s%s\n", strerror(errno),
                committed_outputs ? "; the output files were written: " : "",
                committed_outputs ? committed_outputs : "");
        return 1;
    }
    return 0;
}

/* The outputs of a run (b NULL) or a comparison (b and its rows). */
static int write_outputs(const options *o, const cs_results *a, const cs_results *b,
                         const cs_compare_row *rows)
{
    cs_diag *d = cs_diag_alloc();
    if (o->out_dir || o->report || o->xlsx) {
        char what[512];
        snprintf(what, sizeof what, "%s%s%s%s%s%s", o->out_dir ? o->out_dir : "",
                 o->out_dir ? "/" : "", o->out_dir && (o->report || o->xlsx) ? ", " : "",
                 o->report ? o->report : "", o->report && o->xlsx ? ", " : "",
                 o->xlsx ? o->xlsx : "");
        cs_cli_progress_writing(what);
    }
    int written = cs_report_write_outputs(o->out_dir, o->report, o->xlsx, a, b, rows, d);
    cs_cli_progress_writing_done();
    if (files_written(o, written, d) != 0) {
        cs_diag_free(d);
        return 1;
    }
    cs_diag_clear(d);
    int rc = 0;
    switch (o->format) {
    case FORMAT_CSV:
        if (b)
            cs_report_compare_csv(stdout, rows);
        else
            cs_report_summary_csv(stdout, a);
        /* The table would have said it; csv has no place for it. */
        if (!a->precision_met)
            cs_report_precision_status(stderr, a, "costsim: ");
        break;
    case FORMAT_JSON:
        /* A write error is reported below with the stream's state; any
         * other failure is in d. */
        rc = b ? cs_report_compare_json(stdout, a, b, rows, d) : cs_report_json(stdout, a, d);
        break;
    case FORMAT_TABLE:
    default:
        if (b)
            cs_report_compare_table(stdout, a, b, rows);
        else
            cs_report_table(stdout, a);
        break;
    }
    if (rc != 0 && !ferror(stdout)) {
        print_messages(d);
        cs_diag_free(d);
        return 1;
    }
    cs_diag_free(d);
    return check_stdout();
}

/* Parses the options of command, adds the dedicated ones as settings and
 * installs the signal handlers. Returns 0, PARSED_HELP (help printed) or
 * an exit status; o is freed unless 0 is returned. */
static int start_command(const char *command, int argc, char **argv, options *o)
{
    int rc = cs_cli_parse_options(command, argc, argv, o);
    if (rc == 0 && cs_cli_add_dedicated(o) != 0) {
        fputs("costsim: out of memory\n", stderr);
        rc = 1;
    }
    if (rc == 0 && install_signals() != 0)
        rc = 1;
    if (rc != 0)
        cs_cli_options_free(o);
    return rc;
}

int cs_cmd_run(int argc, char **argv)
{
    options o = {0};
    int rc = start_command("run", argc, argv, &o);
    if (rc != 0)
        return rc == PARSED_HELP ? 0 : rc;
    int status = 0;
    cs_model *m = load(o.scenarios[0], &o, &status);
    if (m && check_outputs("run", &o, m, NULL) != 0) {
        status = 2;
        cs_model_free(m);
        m = NULL;
    }
    cs_results *r = m ? simulate(m, &o, "run", &status) : NULL;
    if (r)
        status = write_outputs(&o, r, NULL, NULL);
    else if (m)
        nothing_written(&o);
    cs_results_free(r);
    cs_model_free(m);
    cs_cli_options_free(&o);
    remove_signals();
    return interrupted(status);
}

int cs_cmd_compare(int argc, char **argv)
{
    options o = {0};
    int rc = start_command("compare", argc, argv, &o);
    if (rc != 0)
        return rc == PARSED_HELP ? 0 : rc;
    int status = 0;
    cs_model *a = load(o.scenarios[0], &o, &status);
    cs_model *b = load(o.scenarios[1], &o, &status);
    if (a && b && check_outputs("compare", &o, a, b) != 0) {
        status = 2;
    } else if (a && b) {
        /* A's trials and seed apply to both (docs/COMMANDS.md); the rules are
         * the core's (compare.h). */
        progress_state pa = new_progress("A", &o), pb = new_progress("B", &o);
        clock_gettime(CLOCK_MONOTONIC, &pa.start); /* B's clock starts with its run */
        cs_run_options ro = run_options(a, &o, &pa);
        cs_diag *d = cs_diag_alloc();
        cs_comparison *c = NULL;
        cs_status st = d ? cs_compare_run(a, b, &ro, &pb, &c, d) : CS_E_NOMEM;
        cs_cli_progress_end(&pa, c != NULL);
        cs_cli_progress_end(&pb, c != NULL);
        if (!d)
            fputs("costsim: out of memory\n", stderr);
        cs_cli_print_diag(d, WARNING_PREFIX);
        cs_diag_free(d);
        status = c ? write_outputs(&o, c->a, c->b, c->rows) : cs_cli_exit_status(st);
        if (!c)
            nothing_written(&o);
        cs_compare_free(c);
    }
    cs_model_free(a);
    cs_model_free(b);
    cs_cli_options_free(&o);
    remove_signals();
    return interrupted(status);
}

/* The output paths of a sweep checked against the files of its scenario
 * with sets (plus one more setting when extra is not NULL). Returns 0, or
 * 2 with the message printed. */
static int sweep_outputs_ok_with(const options *o, const cs_setting *extra)
{
    cs_setting *sets = malloc((o->n_sets + 1) * sizeof *sets);
    cs_diag *d = cs_diag_alloc();
    if (!sets || !d) {
        free(sets);
        cs_diag_free(d);
        fputs("costsim: out of memory\n", stderr);
        return 1;
    }
    if (o->n_sets)
        memcpy(sets, o->sets, o->n_sets * sizeof *sets);
    size_t n = o->n_sets;
    if (extra)
        sets[n++] = *extra;
    cs_model *m = cs_loader_load(o->scenarios[0], sets, n, d);
    cs_diag_free(d);
    free(sets);
    int rc = check_outputs("sweep", o, m, NULL) != 0 ? 2 : 0;
    cs_model_free(m);
    return rc;
}

/* The output paths of a sweep, checked before the first combination is
 * simulated against the scenario's files and, when the model is varied,
 * every varied model's files. Returns 0, or the exit status (message
 * printed). */
static int sweep_outputs_ok(const options *o)
{
    if (!o->out_dir && !o->report && !o->xlsx)
        return 0;
    int rc = sweep_outputs_ok_with(o, NULL);
    for (size_t k = 0; k < o->n_vary && rc == 0; k++) {
        if (strcmp(o->vary[k].key, "model") != 0)
            continue;
        for (size_t v = 0; v < o->vary[k].n_values && rc == 0; v++) {
            cs_setting model = {"model", o->vary[k].values[v]};
            rc = sweep_outputs_ok_with(o, &model);
        }
    }
    return rc;
}

/* Sweep progress: a fresh bar labelled "c/n" for each combination. */
typedef struct {
    progress_state p;
    char label[48];
} sweep_progress_state;

static void sweep_progress(void *ctx, size_t c, size_t n)
{
    sweep_progress_state *s = ctx;
    cs_cli_progress_end(&s->p, true);
    snprintf(s->label, sizeof s->label, "%zu/%zu", c + 1, n);
    s->p = (progress_state){.label = s->label, .log_lines = cs_cli_progress_log_lines(),
                            .from_start = s->p.from_start};
    clock_gettime(CLOCK_MONOTONIC, &s->p.start);
}

/* sweep.csv in --out DIR and the rows on stdout. Returns the exit status. */
static int write_sweep(const options *o, const cs_sweep *sw)
{
    const char *const *keys = (const char *const *)sw->keys;
    const char *const *values = (const char *const *)sw->values;
    /* sweep.csv in --out DIR, and with --report and --xlsx the sweep's own
     * report (a chart of the nominal P50 and P80 against the first varied
     * key, and the table), in one commit. */
    cs_diag *files = cs_diag_alloc();
    int written = cs_report_write_sweep_outputs(o->out_dir, o->report, o->xlsx, sw->name,
                                                sw->currency, keys, sw->n_keys, values,
                                                sw->rows, sw->n_combinations, files);
    int status = files_written(o, written, files);
    cs_diag_free(files);
    if (status != 0)
        return status;
    if (o->format == FORMAT_JSON) {
        cs_diag *d = cs_diag_alloc();
        int rc = cs_report_sweep_json(stdout, keys, sw->n_keys, values, sw->rows,
                                      sw->n_combinations, d);
        if (rc != 0 && !ferror(stdout)) {
            print_messages(d);
            cs_diag_free(d);
            return 1;
        }
        cs_diag_free(d);
    } else if (o->format == FORMAT_CSV) {
        cs_report_sweep_csv(stdout, keys, sw->n_keys, values, sw->rows, sw->n_combinations);
    } else {
        cs_report_sweep_table(stdout, sw->name, sw->currency, keys, sw->n_keys, values, sw->rows,
                              sw->n_combinations);
    }
    return check_stdout();
}

int cs_cmd_sweep(int argc, char **argv)
{
    options o = {0};
    int rc = cs_cli_parse_options("sweep", argc, argv, &o);
    if (rc != 0) {
        cs_cli_options_free(&o);
        return rc == PARSED_HELP ? 0 : rc;
    }
    /* The dedicated options come after the varied keys, so they win. */
    cs_setting after[3];
    size_t n_after = 0;
    if (o.trials)
        after[n_after++] = (cs_setting){"trials", o.trials};
    if (o.seed)
        after[n_after++] = (cs_setting){"seed", o.seed};
    if (o.budget)
        after[n_after++] = (cs_setting){"budget", o.budget};
    cs_sweep_axis *axes = calloc(o.n_vary ? o.n_vary : 1, sizeof *axes);
    cs_diag *d = cs_diag_alloc();
    if (!axes || !d || install_signals() != 0) {
        free(axes);
        cs_diag_free(d);
        cs_cli_options_free(&o);
        fputs("costsim: out of memory\n", stderr);
        return 1;
    }
    for (size_t k = 0; k < o.n_vary; k++)
        axes[k] = (cs_sweep_axis){o.vary[k].key, (const char *const *)o.vary[k].values,
                                  o.vary[k].n_values};
    cs_sweep *sw = NULL;
    bool ran_and_failed = false;
    cs_status st = cs_sweep_plan(axes, o.n_vary, &sw, d);
    sweep_progress_state sp = {.p = new_progress("", &o)};
    cs_run_options ro = {
        .cancel = run_cancel,
        .threads = o.threads,
        .precision = o.precision,
        .no_drivers = o.no_drivers,
        .progress = !o.quiet ? cs_cli_progress : NULL,
        .progress_ctx = &sp.p,
    };
    /* Every combination is checked before the first is simulated, its
     * memory included. */
    if (st == CS_OK)
        st = cs_sweep_validate(sw, o.scenarios[0], o.sets, o.n_sets, after, n_after, &ro, d);
    if (st == CS_OK) {
        bool paths_ok = sweep_outputs_ok(&o) == 0;
        st = !paths_ok ? CS_E_INPUT
                       : cs_sweep_run(sw, o.scenarios[0], o.sets, o.n_sets, after, n_after, &ro,
                                      sweep_progress, &sp, d);
        ran_and_failed = paths_ok && st != CS_OK;
        cs_cli_progress_end(&sp.p, st == CS_OK);
    }
    if (st == CS_E_INPUT && cs_diag_count(d) > 0 && !strcmp(cs_diag_get(d, 0)->path, "--vary")) {
        for (size_t i = 0; i < cs_diag_count(d); i++)
            cs_cli_usage_error("sweep", "--vary: %s", cs_diag_get(d, i)->message);
    } else {
        print_load_diag(d, &o);
    }
    if (ran_and_failed)
        nothing_written(&o);
    int status = st == CS_OK ? write_sweep(&o, sw) : cs_cli_exit_status(st);
    cs_sweep_free(sw);
    cs_diag_free(d);
    free(axes);
    cs_cli_options_free(&o);
    remove_signals();
    return interrupted(status);
}
