/* costsim: the public interface (include/costsim.h) over the internal
 * modules: input (loading), sim (the engine), core (compare and sweep),
 * stats (percentiles) and report (writing, through the output commit of
 * report/outdir.h). It wraps handles, turns the public run settings into
 * the engine's cs_run_options, and turns internal return values into
 * cs_status; the rules themselves live in those modules. Prints nothing. */
#include "costsim.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "compare.h"
#include "engine.h"
#include "loader.h"
#include "report.h"
#include "stats.h"
#include "sweep.h"

struct cs_scenario {
    cs_model *m;
};

struct cs_run {
    cs_results *r;
};

void cs_init(void) { gsl_set_error_handler_off(); }

const char *cs_version(void) { return COSTSIM_VERSION; }

/* Numbers are read and written with '.' whatever locale the host program
 * chose (a GUI calls setlocale(LC_ALL, "")): every entry point that returns
 * a cs_status runs in the C locale on its own thread (uselocale) and puts
 * the thread's locale back. The command line never leaves the C locale. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static locale_t enter_c_locale(void)
{
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale ? uselocale(c_locale) : (locale_t)0;
}

static void leave_c_locale(locale_t old)
{
    if (old)
        uselocale(old);
}

/* The body of an entry point: `call` (its *_in_c twin) in the C locale. */
#define IN_C_LOCALE(call)                                                                      \
    do {                                                                                       \
        locale_t old_ = enter_c_locale();                                                      \
        cs_status st_ = (call);                                                                \
        leave_c_locale(old_);                                                                  \
        return st_;                                                                            \
    } while (0)

/* A required argument that is NULL: CS_E_INPUT with a message naming the
 * function and the argument, instead of a crash. (The *_free functions and
 * diag, cfg and cancel may be NULL; the header says which.) */
static cs_status null_argument(cs_diag *diag, const char *function, const char *what)
{
    cs_diag_add(diag, "", 0, NULL, "%s: %s is NULL", function, what);
    return CS_E_INPUT;
}

#define REQUIRE(arg, diag)                                                                     \
    do {                                                                                       \
        if (!(arg))                                                                            \
            return null_argument((diag), __func__, #arg);                                      \
    } while (0)

/* A path argument: not NULL and not empty (both CS_E_INPUT, as the command
 * line refuses `--out ""`). */
#define REQUIRE_PATH(arg, diag)                                                                \
    do {                                                                                       \
        REQUIRE(arg, diag);                                                                    \
        if (!*(arg)) {                                                                         \
            cs_diag_add((diag), "", 0, NULL, "%s: %s is empty", __func__, #arg);               \
            return CS_E_INPUT;                                                                 \
        }                                                                                      \
    } while (0)


/* ---- Overrides ----------------------------------------------------------- */

/* CS_E_INPUT when a list of n strings is NULL or holds a NULL. */
static cs_status check_list(const char *const *text, size_t n, const char *what, cs_diag *diag)
{
    if (n > 0 && !text) {
        cs_diag_add(diag, what, 0, NULL, "the list is NULL but its count is %zu", n);
        return CS_E_INPUT;
    }
    for (size_t i = 0; i < n; i++)
        if (!text[i]) {
            cs_diag_add(diag, what, 0, NULL, "entry %zu of %zu is NULL", i + 1, n);
            return CS_E_INPUT;
        }
    return CS_OK;
}

/* Splits "KEY=VALUE" strings into settings pointing into one new buffer
 * (*storage, freed by the caller with the settings). */
static cs_status split_overrides(const char *const *text, size_t n, const char *what,
                                 cs_setting **sets, char **storage, cs_diag *diag)
{
    *sets = NULL;
    *storage = NULL;
    if (check_list(text, n, what, diag) != CS_OK)
        return CS_E_INPUT;
    size_t bytes = 1;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(text[i]) + 1;
    *sets = calloc(n ? n : 1, sizeof **sets);
    *storage = malloc(bytes);
    if (!*sets || !*storage) {
        free(*sets);
        free(*storage);
        *sets = NULL;
        *storage = NULL;
        cs_diag_add(diag, what, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    char *p = *storage;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(text[i]);
        memcpy(p, text[i], len + 1);
        char *eq = strchr(p, '=');
        if (!eq || eq == p) {
            cs_diag_add(diag, what, 0, NULL, "'%s' is not KEY=VALUE", text[i]);
            free(*sets);
            free(*storage);
            *sets = NULL;
            *storage = NULL;
            return CS_E_INPUT;
        }
        *eq = '\0';
        (*sets)[i] = (cs_setting){p, eq + 1};
        p += len + 1;
    }
    return CS_OK;
}

/* ---- Scenarios ----------------------------------------------------------- */

static cs_status cs_scenario_load_in_c(const char *path, const char *const *overrides,
                                       size_t n_overrides, cs_scenario **out, cs_diag *diag)
{
    *out = NULL;
    cs_setting *sets;
    char *storage;
    cs_status st = split_overrides(overrides, n_overrides, "--set", &sets, &storage, diag);
    if (st != CS_OK)
        return st;
    cs_scenario *s = malloc(sizeof *s);
    if (!s) {
        free(sets);
        free(storage);
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    bool oom;
    s->m = cs_loader_load_oom(path, sets, n_overrides, diag, &oom);
    free(sets);
    free(storage);
    if (!s->m) {
        free(s);
        return oom ? CS_E_NOMEM : CS_E_INPUT;
    }
    *out = s;
    return CS_OK;
}

/* The loader finds errors by recording them: without the caller's diag it
 * records into one of its own, so a NULL diag loses the messages, never
 * the verdict. */
static cs_status load_with_diag(const char *path, const char *const *overrides,
                                size_t n_overrides, cs_scenario **out, cs_diag *diag)
{
    if (diag)
        return cs_scenario_load_in_c(path, overrides, n_overrides, out, diag);
    cs_diag *own = cs_diag_alloc();
    if (!own) {
        *out = NULL;
        return CS_E_NOMEM;
    }
    cs_status st = cs_scenario_load_in_c(path, overrides, n_overrides, out, own);
    cs_diag_free(own);
    return st;
}

cs_status cs_scenario_load(const char *path, const char *const *overrides,
                           size_t n_overrides, cs_scenario **out, cs_diag *diag)
{
    REQUIRE(out, diag);
    *out = NULL;
    REQUIRE(path, diag);
    IN_C_LOCALE(load_with_diag(path, overrides, n_overrides, out, diag));
}

void cs_scenario_free(cs_scenario *s)
{
    if (!s)
        return;
    cs_model_free(s->m);
    free(s);
}

const char *cs_scenario_name(const cs_scenario *s) { return s ? s->m->name : NULL; }
uint64_t cs_scenario_trials(const cs_scenario *s) { return s ? s->m->trials : 0; }
uint64_t cs_scenario_seed(const cs_scenario *s) { return s ? s->m->seed : 0; }

/* ---- Running ------------------------------------------------------------- */

/* The engine's options for model m from the public settings. */
/* The command line's limits on cfg: threads at most 1024 (0: every
 * processor), precision 0 or a fraction in (0, 1). CS_E_INPUT with a
 * message when one is broken. */
static cs_status check_config(const cs_run_config *cfg, const char *path, cs_diag *diag)
{
    if (!cfg)
        return CS_OK;
    if (cfg->threads > 1024) {
        cs_diag_add(diag, path, 0, NULL,
                    "threads %u is out of range; allowed: 0 (every processor) to 1024",
                    cfg->threads);
        return CS_E_INPUT;
    }
    /* As --precision: 0 is no target; anything else a fraction in (0, 1). */
    if (cfg->precision != 0 && !(cfg->precision > 0 && cfg->precision < 1)) {
        cs_diag_add(diag, path, 0, NULL,
                    "precision %g is out of range; allowed: 0 (no target) or a fraction in "
                    "(0, 1), such as 0.005 for +/-0.5%%",
                    cfg->precision);
        return CS_E_INPUT;
    }
    return CS_OK;
}

static cs_run_options engine_options(const cs_model *m, const cs_run_config *cfg)
{
    static const cs_run_config defaults = {0};
    if (!cfg)
        cfg = &defaults;
    return (cs_run_options){
        /* With a precision target and no trials, the ceiling is the command
         * line's (the scenario's trials is not used), as for --precision. */
        .trials = cfg->trials          ? cfg->trials
                  : cfg->precision > 0 ? CS_PRECISION_CEILING
                                       : m->trials,
        .threads = cfg->threads,
        .precision = cfg->precision,
        .trials_out = cfg->trials_out != 0,
        .no_drivers = cfg->no_drivers != 0,
        .progress = cfg->progress,
        .progress_ctx = cfg->progress_ctx,
        .seed = cfg->has_seed ? cfg->seed : m->seed,
        .cancel = cfg->cancel,
    };
}

static cs_status cs_scenario_run_in_c(const cs_scenario *s, const cs_run_config *cfg, cs_run **out,
                                      cs_diag *diag)
{
    *out = NULL;
    if (check_config(cfg, s->m->scenario_path, diag) != CS_OK)
        return CS_E_INPUT;
    cs_run *run = malloc(sizeof *run);
    if (!run) {
        cs_diag_add(diag, s->m->scenario_path, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    cs_run_options opt = engine_options(s->m, cfg);
    cs_status st = cs_engine_run(s->m, &opt, &run->r, diag);
    if (st != CS_OK) {
        free(run);
        return st;
    }
    *out = run;
    return CS_OK;
}

cs_status cs_scenario_run(const cs_scenario *s, const cs_run_config *cfg, cs_run **out,
                          cs_diag *diag)
{
    REQUIRE(out, diag);
    *out = NULL;
    REQUIRE(s, diag);
    IN_C_LOCALE(cs_scenario_run_in_c(s, cfg, out, diag));
}

void cs_run_free(cs_run *r)
{
    if (!r)
        return;
    cs_results_free(r->r);
    free(r);
}

uint64_t cs_run_trials(const cs_run *r) { return r ? r->r->trials : 0; }

static bool valid_total(cs_total which)
{
    return (int)which >= 0 && (int)which < CS_N_MEASURES;
}

static cs_status cs_run_percentile_in_c(const cs_run *r, cs_total which, double q, double *out)
{
    if (!valid_total(which) || !(q >= 0 && q <= 1) || r->r->trials == 0)
        return CS_E_INPUT;
    *out = cs_stats_percentile_sorted(r->r->sorted[which], (size_t)r->r->trials, q);
    return CS_OK;
}

cs_status cs_run_percentile(const cs_run *r, cs_total which, double q, double *out)
{
    REQUIRE(r, NULL);
    REQUIRE(out, NULL);
    IN_C_LOCALE(cs_run_percentile_in_c(r, which, q, out));
}

static cs_status cs_run_mean_in_c(const cs_run *r, cs_total which, double *out)
{
    if (!valid_total(which) || r->r->n_rows == 0)
        return CS_E_INPUT;
    *out = r->r->rows[which][0].mean;
    return CS_OK;
}

cs_status cs_run_mean(const cs_run *r, cs_total which, double *out)
{
    REQUIRE(r, NULL);
    REQUIRE(out, NULL);
    IN_C_LOCALE(cs_run_mean_in_c(r, which, out));
}

/* ---- Writing ------------------------------------------------------------- */

/* CS_OK, or CS_E_RUNTIME with a message when f is in error. */
static cs_status stream_status(FILE *f, cs_diag *diag)
{
    if (fflush(f) != 0 || ferror(f)) {
        cs_diag_add(diag, NULL, 0, NULL, "cannot write the output: %s", strerror(errno));
        return CS_E_RUNTIME;
    }
    return CS_OK;
}

/* A reporter's -1: out of memory unless the stream failed. */
static cs_status writer_status(int rc, FILE *f, cs_diag *diag)
{
    if (rc == 0)
        return stream_status(f, diag);
    if (ferror(f))
        return stream_status(f, diag);
    return CS_E_NOMEM;
}

static cs_status rc_status(int rc) { return rc == 0 ? CS_OK : CS_E_RUNTIME; }

/* The files a writer must not replace: the scenario and model files the
 * results were loaded from, and their model directories, by identity as
 * the loader found them (so another spelling, a link or a chdir since
 * loading cannot slip past). */
typedef struct {
    const cs_file_id *files, *dirs;
    size_t n_files, n_dirs;
    cs_file_id own_files[2 * CS_MAX_INPUT_FILES], own_dirs[2]; /* a run's or comparison's */
} input_set;

static void inputs_of(input_set *in, const cs_results *a, const cs_results *b)
{
    *in = (input_set){.files = in->own_files, .dirs = in->own_dirs};
    const cs_results *runs[2] = {a, b};
    for (int k = 0; k < 2 && runs[k]; k++) {
        const cs_model *m = runs[k]->model;
        for (size_t i = 0; i < m->n_input_files; i++)
            in->own_files[in->n_files++] = m->input_files[i];
        if (m->has_model_dir_id)
            in->own_dirs[in->n_dirs++] = m->model_dir_id;
    }
}

static bool id_in(const cs_file_id *ids, size_t n, const struct stat *st)
{
    cs_file_id id = {(unsigned long long)st->st_dev, (unsigned long long)st->st_ino};
    for (size_t i = 0; i < n; i++)
        if (cs_file_id_same(ids[i], id))
            return true;
    return false;
}

static bool is_input_file(const input_set *in, const struct stat *st)
{
    return id_in(in->files, in->n_files, st);
}

static bool is_model_dir(const input_set *in, const struct stat *st)
{
    return id_in(in->dirs, in->n_dirs, st);
}

/* CS_E_INPUT when writing the file path would replace an input (the
 * scenario file or a model file), as the command line refuses for
 * --report and --xlsx. */
static cs_status keep_inputs_file(const input_set *in, const char *path, cs_diag *diag)
{
    struct stat out;
    if (stat(path, &out) == 0 && is_input_file(in, &out)) {
        cs_diag_add(diag, path, 0, NULL, "is an input of the run (the scenario or a model "
                    "file); write the output elsewhere");
        return CS_E_INPUT;
    }
    /* A new *.csv in a model directory would be read by the model's next
     * load (as risks.csv, say, or as a stray file). */
    if (!cs_loader_is_csv_name(path))
        return CS_OK;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) {
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    struct stat st;
    bool model_dir = stat(dir, &st) == 0 && is_model_dir(in, &st);
    free(dir);
    if (!model_dir)
        return CS_OK;
    cs_diag_add(diag, path, 0, NULL, "is a .csv file in a model directory, which the model's "
                "next load would read; write the output elsewhere");
    return CS_E_INPUT;
}

/* CS_E_INPUT when writing the files `managed` into dir would replace or
 * remove an input (a scenario file named summary.csv, say), or dir (or its
 * a/ and b/ for a comparison) is a model directory, whose files the
 * outputs would mix with: what the command line refuses for --out. */
static cs_status keep_inputs_dir(const input_set *in, const char *dir,
                                 const char *const *managed, bool sides_too, cs_diag *diag)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return CS_OK; /* a new directory holds nothing */
    if (is_model_dir(in, &st)) {
        cs_diag_add(diag, dir, 0, NULL, "is a model directory; the outputs would mix with the "
                    "model's files; write them elsewhere");
        return CS_E_INPUT;
    }
    size_t n = strlen(dir) + 64;
    char *path = malloc(n);
    if (!path) {
        cs_diag_add(diag, dir, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    cs_status status = CS_OK;
    static const char *const sides[] = {"a", "b", NULL};
    for (size_t f = 0; sides_too && sides[f] && status == CS_OK; f++) {
        snprintf(path, n, "%s/%s", dir, sides[f]);
        if (stat(path, &st) == 0 && is_model_dir(in, &st)) {
            cs_diag_add(diag, path, 0, NULL, "is a model directory, but a comparison writes "
                        "a scenario's files into it; write them elsewhere");
            status = CS_E_INPUT;
        }
    }
    for (size_t f = 0; managed[f] && status == CS_OK; f++) {
        snprintf(path, n, "%s/%s", dir, managed[f]);
        if (stat(path, &st) == 0 && is_input_file(in, &st)) {
            cs_diag_add(diag, path, 0, NULL, "is an input of the run (the scenario or a model "
                        "file), which writing the outputs into '%s' would replace or remove; "
                        "write them elsewhere", dir);
            status = CS_E_INPUT;
        }
    }
    free(path);
    return status;
}

/* keep_inputs_file for the results r (and b). */
static cs_status keep_inputs(const cs_results *r, const cs_results *b, const char *path,
                             cs_diag *diag)
{
    input_set in;
    inputs_of(&in, r, b);
    return keep_inputs_file(&in, path, diag);
}

/* keep_inputs_dir for the results r (and b), writing a run's files. */
static cs_status keep_inputs_in(const cs_results *r, const cs_results *b, const char *dir,
                                cs_diag *diag)
{
    input_set in;
    inputs_of(&in, r, b);
    return keep_inputs_dir(&in, dir, b ? cs_report_compare_files : cs_report_run_files,
                           b != NULL, diag);
}

/* The input set of a sweep: every combination's files. */
static void sweep_inputs(input_set *in, const cs_sweep *s)
{
    *in = (input_set){.files = s->input_files, .n_files = s->n_input_files,
                      .dirs = s->model_dirs, .n_dirs = s->n_model_dirs};
}

static cs_status cs_run_write_dir_in_c(const cs_run *r, const char *dir, cs_diag *diag)
{
    cs_status st = keep_inputs_in(r->r, NULL, dir, diag);
    return st != CS_OK ? st : rc_status(cs_report_write_out_dir(dir, r->r, NULL, NULL, diag));
}

cs_status cs_run_write_dir(const cs_run *r, const char *dir, cs_diag *diag)
{
    REQUIRE(r, diag);
    REQUIRE_PATH(dir, diag);
    IN_C_LOCALE(cs_run_write_dir_in_c(r, dir, diag));
}

static cs_status cs_run_write_json_in_c(const cs_run *r, FILE *f, cs_diag *diag)
{
    return writer_status(cs_report_json(f, r->r, diag), f, diag);
}

cs_status cs_run_write_json(const cs_run *r, FILE *f, cs_diag *diag)
{
    REQUIRE(r, diag);
    REQUIRE(f, diag);
    IN_C_LOCALE(cs_run_write_json_in_c(r, f, diag));
}

static cs_status cs_run_write_csv_in_c(const cs_run *r, FILE *f, cs_diag *diag)
{
    cs_report_summary_csv(f, r->r);
    return stream_status(f, diag);
}

cs_status cs_run_write_csv(const cs_run *r, FILE *f, cs_diag *diag)
{
    REQUIRE(r, diag);
    REQUIRE(f, diag);
    IN_C_LOCALE(cs_run_write_csv_in_c(r, f, diag));
}

static cs_status cs_run_write_table_in_c(const cs_run *r, FILE *f, cs_diag *diag)
{
    cs_report_table(f, r->r);
    return stream_status(f, diag);
}

cs_status cs_run_write_table(const cs_run *r, FILE *f, cs_diag *diag)
{
    REQUIRE(r, diag);
    REQUIRE(f, diag);
    IN_C_LOCALE(cs_run_write_table_in_c(r, f, diag));
}


static cs_status cs_run_write_html_in_c(const cs_run *r, const char *path, cs_diag *diag)
{
    cs_status st = keep_inputs(r->r, NULL, path, diag);
    return st != CS_OK ? st : rc_status(cs_report_write_html_file(path, r->r, NULL, NULL, diag));
}

cs_status cs_run_write_html(const cs_run *r, const char *path, cs_diag *diag)
{
    REQUIRE(r, diag);
    REQUIRE_PATH(path, diag);
    IN_C_LOCALE(cs_run_write_html_in_c(r, path, diag));
}

static cs_status cs_run_write_xlsx_in_c(const cs_run *r, const char *path, cs_diag *diag)
{
    cs_status st = keep_inputs(r->r, NULL, path, diag);
    if (st != CS_OK)
        return st;
    return rc_status(cs_report_write_xlsx_file(path, r->r, NULL, NULL, diag));
}

cs_status cs_run_write_xlsx(const cs_run *r, const char *path, cs_diag *diag)
{
    REQUIRE(r, diag);
    REQUIRE_PATH(path, diag);
    IN_C_LOCALE(cs_run_write_xlsx_in_c(r, path, diag));
}

/* ---- Comparing ----------------------------------------------------------- */

static cs_status cs_scenario_compare_in_c(const cs_scenario *a, const cs_scenario *b,
                                          const cs_run_config *cfg, cs_comparison **out,
                                          cs_diag *diag)
{
    *out = NULL;
    if (check_config(cfg, a->m->scenario_path, diag) != CS_OK)
        return CS_E_INPUT;
    cs_run_options opt = engine_options(a->m, cfg);
    return cs_compare_run(a->m, b->m, &opt, NULL, out, diag);
}

cs_status cs_scenario_compare(const cs_scenario *a, const cs_scenario *b,
                              const cs_run_config *cfg, cs_comparison **out, cs_diag *diag)
{
    REQUIRE(out, diag);
    *out = NULL;
    REQUIRE(a, diag);
    REQUIRE(b, diag);
    IN_C_LOCALE(cs_scenario_compare_in_c(a, b, cfg, out, diag));
}

void cs_comparison_free(cs_comparison *c) { cs_compare_free(c); }

static cs_status cs_comparison_difference_in_c(const cs_comparison *c, cs_total which,
                                               double *mean_diff, double *p_b_gt_a)
{
    if (!valid_total(which))
        return CS_E_INPUT;
    if (mean_diff)
        *mean_diff = c->rows[which].mean_diff;
    if (p_b_gt_a)
        *p_b_gt_a = c->rows[which].p_b_gt_a;
    return CS_OK;
}

cs_status cs_comparison_difference(const cs_comparison *c, cs_total which,
                                   double *mean_diff, double *p_b_gt_a)
{
    REQUIRE(c, NULL);
    IN_C_LOCALE(cs_comparison_difference_in_c(c, which, mean_diff, p_b_gt_a));
}

static cs_status cs_comparison_write_dir_in_c(const cs_comparison *c, const char *dir,
                                              cs_diag *diag)
{
    cs_status st = keep_inputs_in(c->a, c->b, dir, diag);
    return st != CS_OK ? st : rc_status(cs_report_write_out_dir(dir, c->a, c->b, c->rows, diag));
}

cs_status cs_comparison_write_dir(const cs_comparison *c, const char *dir, cs_diag *diag)
{
    REQUIRE(c, diag);
    REQUIRE_PATH(dir, diag);
    IN_C_LOCALE(cs_comparison_write_dir_in_c(c, dir, diag));
}

static cs_status cs_comparison_write_json_in_c(const cs_comparison *c, FILE *f, cs_diag *diag)
{
    return writer_status(cs_report_compare_json(f, c->a, c->b, c->rows, diag), f, diag);
}

cs_status cs_comparison_write_json(const cs_comparison *c, FILE *f, cs_diag *diag)
{
    REQUIRE(c, diag);
    REQUIRE(f, diag);
    IN_C_LOCALE(cs_comparison_write_json_in_c(c, f, diag));
}

static cs_status cs_comparison_write_csv_in_c(const cs_comparison *c, FILE *f, cs_diag *diag)
{
    cs_report_compare_csv(f, c->rows);
    return stream_status(f, diag);
}

cs_status cs_comparison_write_csv(const cs_comparison *c, FILE *f, cs_diag *diag)
{
    REQUIRE(c, diag);
    REQUIRE(f, diag);
    IN_C_LOCALE(cs_comparison_write_csv_in_c(c, f, diag));
}

static cs_status cs_comparison_write_table_in_c(const cs_comparison *c, FILE *f, cs_diag *diag)
{
    cs_report_compare_table(f, c->a, c->b, c->rows);
    return stream_status(f, diag);
}

cs_status cs_comparison_write_table(const cs_comparison *c, FILE *f, cs_diag *diag)
{
    REQUIRE(c, diag);
    REQUIRE(f, diag);
    IN_C_LOCALE(cs_comparison_write_table_in_c(c, f, diag));
}

static cs_status cs_comparison_write_html_in_c(const cs_comparison *c, const char *path,
                                               cs_diag *diag)
{
    cs_status st = keep_inputs(c->a, c->b, path, diag);
    return st != CS_OK ? st : rc_status(cs_report_write_html_file(path, c->a, c->b, c->rows, diag));
}

cs_status cs_comparison_write_html(const cs_comparison *c, const char *path, cs_diag *diag)
{
    REQUIRE(c, diag);
    REQUIRE_PATH(path, diag);
    IN_C_LOCALE(cs_comparison_write_html_in_c(c, path, diag));
}

static cs_status cs_comparison_write_xlsx_in_c(const cs_comparison *c, const char *path,
                                               cs_diag *diag)
{
    cs_status st = keep_inputs(c->a, c->b, path, diag);
    return st != CS_OK ? st : rc_status(cs_report_write_xlsx_file(path, c->a, c->b, c->rows, diag));
}

cs_status cs_comparison_write_xlsx(const cs_comparison *c, const char *path, cs_diag *diag)
{
    REQUIRE(c, diag);
    REQUIRE_PATH(path, diag);
    IN_C_LOCALE(cs_comparison_write_xlsx_in_c(c, path, diag));
}

/* ---- Sweeping ------------------------------------------------------------ */

/* Splits "KEY=V1,V2,..." strings into axes pointing into *storage. */
static cs_status split_vary(const char *const *vary, size_t n, cs_sweep_axis **axes,
                            char **storage, cs_diag *diag)
{
    *axes = NULL;
    *storage = NULL;
    if (check_list(vary, n, "--vary", diag) != CS_OK)
        return CS_E_INPUT;
    size_t bytes = 1, n_values = 0;
    for (size_t k = 0; k < n; k++) {
        bytes += strlen(vary[k]) + 1;
        for (const char *p = vary[k]; *p; p++)
            n_values += *p == ',';
        n_values++;
    }
    /* The value pointers live after the strings, aligned. */
    size_t pad = (bytes + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
    *axes = calloc(n ? n : 1, sizeof **axes);
    *storage = malloc(pad + n_values * sizeof(char *));
    if (!*axes || !*storage) {
        free(*axes);
        free(*storage);
        *axes = NULL; /* the caller frees what it is given back */
        *storage = NULL;
        cs_diag_add(diag, "--vary", 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    char *p = *storage;
    const char **values = (const char **)(void *)(*storage + pad);
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(vary[k]);
        memcpy(p, vary[k], len + 1);
        char *eq = strchr(p, '=');
        if (!eq || eq == p || !eq[1]) {
            cs_diag_add(diag, "--vary", 0, NULL, "'%s' is not KEY=V1,V2,...", vary[k]);
            free(*axes);
            free(*storage);
            *axes = NULL;
            *storage = NULL;
            return CS_E_INPUT;
        }
        *eq = '\0';
        (*axes)[k] = (cs_sweep_axis){p, values, 0};
        for (char *v = eq + 1;;) {
            char *comma = strchr(v, ',');
            if (comma)
                *comma = '\0';
            values[(*axes)[k].n_values++] = v;
            if (!*v && (*axes)[k].n_values > 1) /* as the command line: most often a stray comma */
                cs_diag_warn(diag, "--vary", 0, NULL,
                             "%s: value %zu is empty, so that combination leaves %s not given "
                             "(its default)",
                             p, (*axes)[k].n_values, p);
            if (!comma)
                break;
            v = comma + 1;
        }
        values += (*axes)[k].n_values;
        p += len + 1;
    }
    return CS_OK;
}

static cs_status cs_sweep_scenario_in_c(const char *path, const char *const *overrides,
                                        size_t n_overrides, const char *const *vary, size_t n_vary,
                                        const cs_run_config *cfg, cs_sweep **out, cs_diag *diag)
{
    *out = NULL;
    if (check_config(cfg, path, diag) != CS_OK)
        return CS_E_INPUT;
    if (cfg && cfg->precision > 0) { /* rows on different trial counts would not compare */
        cs_diag_add(diag, path, 0, NULL,
                    "a precision target is for a run or a comparison, not a sweep: every "
                    "combination runs the same trials");
        return CS_E_INPUT;
    }
    cs_setting *before = NULL;
    char *set_storage = NULL, *vary_storage = NULL;
    cs_sweep_axis *axes = NULL;
    cs_sweep *sw = NULL;
    cs_status st = split_overrides(overrides, n_overrides, "--set", &before, &set_storage, diag);
    if (st == CS_OK)
        st = split_vary(vary, n_vary, &axes, &vary_storage, diag);
    if (st == CS_OK)
        st = cs_sweep_plan(axes, n_vary, &sw, diag);
    if (st == CS_OK) {
        sw->storage = vary_storage;
        vary_storage = NULL;
    }
    /* cfg's trials and seed come after the varied keys, as --trials and
     * --seed do on the command line. */
    char trials[32], seed[32];
    cs_setting after[2];
    size_t n_after = 0;
    if (cfg && cfg->trials) {
        snprintf(trials, sizeof trials, "%llu", (unsigned long long)cfg->trials);
        after[n_after++] = (cs_setting){"trials", trials};
    }
    if (cfg && cfg->has_seed) {
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)cfg->seed);
        after[n_after++] = (cs_setting){"seed", seed};
    }
    cs_run_options opt = {
        .threads = cfg ? cfg->threads : 0,
        .precision = cfg ? cfg->precision : 0,
        .no_drivers = cfg && cfg->no_drivers,
        .progress = cfg ? cfg->progress : NULL,
        .progress_ctx = cfg ? cfg->progress_ctx : NULL,
        .cancel = cfg ? cfg->cancel : NULL,
    };
    if (st == CS_OK)
        st = cs_sweep_validate(sw, path, before, n_overrides, after, n_after, &opt, diag);
    if (st == CS_OK) {
        st = cs_sweep_run(sw, path, before, n_overrides, after, n_after, &opt, NULL, NULL,
                          diag);
    }
    free(before);
    free(set_storage);
    free(vary_storage);
    free(axes);
    if (st != CS_OK) {
        cs_sweep_free(sw);
        return st;
    }
    *out = sw;
    return CS_OK;
}

cs_status cs_sweep_scenario(const char *path, const char *const *overrides,
                            size_t n_overrides, const char *const *vary, size_t n_vary,
                            const cs_run_config *cfg, cs_sweep **out, cs_diag *diag)
{
    REQUIRE(out, diag);
    *out = NULL;
    REQUIRE(path, diag);
    IN_C_LOCALE(cs_sweep_scenario_in_c(path, overrides, n_overrides, vary, n_vary, cfg, out, diag));
}

size_t cs_sweep_count(const cs_sweep *s) { return s ? s->n_combinations : 0; }

static cs_status cs_sweep_write_csv_in_c(const cs_sweep *s, FILE *f, cs_diag *diag)
{
    cs_report_sweep_csv(f, (const char *const *)s->keys, s->n_keys,
                        (const char *const *)s->values, s->rows, s->n_combinations);
    return stream_status(f, diag);
}

cs_status cs_sweep_write_csv(const cs_sweep *s, FILE *f, cs_diag *diag)
{
    REQUIRE(s, diag);
    REQUIRE(f, diag);
    IN_C_LOCALE(cs_sweep_write_csv_in_c(s, f, diag));
}

static cs_status cs_sweep_write_json_in_c(const cs_sweep *s, FILE *f, cs_diag *diag)
{
    int rc = cs_report_sweep_json(f, (const char *const *)s->keys, s->n_keys,
                                  (const char *const *)s->values, s->rows,
                                  s->n_combinations, diag);
    return writer_status(rc, f, diag);
}

cs_status cs_sweep_write_json(const cs_sweep *s, FILE *f, cs_diag *diag)
{
    REQUIRE(s, diag);
    REQUIRE(f, diag);
    IN_C_LOCALE(cs_sweep_write_json_in_c(s, f, diag));
}

static cs_status cs_sweep_write_dir_in_c(const cs_sweep *s, const char *dir, cs_diag *diag)
{
    static const char *const sweep_files[] = {"sweep.csv", NULL};
    input_set in;
    sweep_inputs(&in, s);
    cs_status st = keep_inputs_dir(&in, dir, sweep_files, false, diag);
    if (st != CS_OK)
        return st;
    return rc_status(cs_report_write_sweep_dir(dir, (const char *const *)s->keys, s->n_keys,
                                               (const char *const *)s->values, s->rows,
                                               s->n_combinations, diag));
}

cs_status cs_sweep_write_dir(const cs_sweep *s, const char *dir, cs_diag *diag)
{
    REQUIRE(s, diag);
    REQUIRE_PATH(dir, diag);
    IN_C_LOCALE(cs_sweep_write_dir_in_c(s, dir, diag));
}

static cs_status sweep_file(const cs_sweep *s, const char *path, bool xlsx, cs_diag *diag)
{
    input_set in;
    sweep_inputs(&in, s);
    cs_status st = keep_inputs_file(&in, path, diag);
    if (st != CS_OK)
        return st;
    return rc_status(cs_report_write_sweep_file(path, xlsx, s->name, s->currency,
                                                (const char *const *)s->keys, s->n_keys,
                                                (const char *const *)s->values, s->rows,
                                                s->n_combinations, diag));
}

static cs_status cs_sweep_write_html_in_c(const cs_sweep *s, const char *path, cs_diag *diag)
{
    return sweep_file(s, path, false, diag);
}

cs_status cs_sweep_write_html(const cs_sweep *s, const char *path, cs_diag *diag)
{
    REQUIRE(s, diag);
    REQUIRE_PATH(path, diag);
    IN_C_LOCALE(cs_sweep_write_html_in_c(s, path, diag));
}

static cs_status cs_sweep_write_xlsx_in_c(const cs_sweep *s, const char *path, cs_diag *diag)
{
    return sweep_file(s, path, true, diag);
}

cs_status cs_sweep_write_xlsx(const cs_sweep *s, const char *path, cs_diag *diag)
{
    REQUIRE(s, diag);
    REQUIRE_PATH(path, diag);
    IN_C_LOCALE(cs_sweep_write_xlsx_in_c(s, path, diag));
}
