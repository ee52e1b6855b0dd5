/* test_api: the public interface (include/costsim.h) as an embedder uses
 * it: loading with overrides, running, key numbers, comparing, sweeping,
 * writing, statuses and diagnostics, and _free(NULL). The numbers are
 * checked against the internal modules' own entry points and against
 * identities (a scenario compared with itself differs by exactly 0), never
 * against remembered output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "costsim.h"
#include "testutil.h"

static char *scenario_path(void)
{
    return tu_path(tu_source_dir(), "scenarios/cpsp-hanwha-base.csv");
}

static void free_null_is_a_no_op(void **state)
{
    (void)state;
    /* The version, as the program and the JSON output give it. */
    assert_string_equal(cs_version(), COSTSIM_VERSION);
    cs_scenario_free(NULL);
    cs_run_free(NULL);
    cs_comparison_free(NULL);
    cs_sweep_free(NULL);
    cs_diag_free(NULL);
    cs_cancel_free(NULL);
    assert_int_equal(cs_diag_count(NULL), 0);
    /* NULL where a handle, FILE*, path or out pointer belongs: CS_E_INPUT
     * with a message naming it, never a crash; getters give NULL or 0. */
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = (cs_scenario *)&s;
    assert_int_equal(cs_scenario_load(NULL, NULL, 0, &s, d), CS_E_INPUT);
    assert_null(s);
    assert_non_null(strstr(cs_diag_message(d, 0), "cs_scenario_load: path is NULL"));
    assert_int_equal(cs_scenario_load("x.csv", NULL, 0, NULL, d), CS_E_INPUT);
    cs_run *r = (cs_run *)&r;
    assert_int_equal(cs_scenario_run(NULL, NULL, &r, d), CS_E_INPUT);
    assert_null(r);
    assert_int_equal(cs_run_write_json(NULL, stdout, d), CS_E_INPUT);
    assert_int_equal(cs_run_write_csv(NULL, stdout, NULL), CS_E_INPUT);
    assert_int_equal(cs_comparison_write_table(NULL, stdout, d), CS_E_INPUT);
    assert_int_equal(cs_sweep_write_csv(NULL, stdout, d), CS_E_INPUT);
    double x;
    assert_int_equal(cs_run_mean(NULL, CS_TOTAL_NOMINAL, &x), CS_E_INPUT);
    assert_null(cs_scenario_name(NULL));
    assert_int_equal(cs_scenario_trials(NULL), 0);
    assert_int_equal(cs_run_trials(NULL), 0);
    assert_int_equal(cs_sweep_count(NULL), 0);
    cs_diag_free(d);
}

static void load_with_overrides(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    const char *const bad[] = {"units"};
    assert_int_equal(cs_scenario_load(path, bad, 1, &s, d), CS_E_INPUT);
    assert_null(s);
    assert_string_equal(cs_diag_message(d, 0), "--set: 'units' is not KEY=VALUE");
    assert_int_equal(cs_diag_severity(d, 0), CS_SEVERITY_ERROR);
    cs_diag_clear(d);
    const char *const unknown[] = {"units=zero"};
    assert_int_equal(cs_scenario_load(path, unknown, 1, &s, d), CS_E_INPUT);
    assert_true(cs_diag_errors(d) >= 1);
    assert_non_null(strstr(cs_diag_message(d, 0), "--set units"));
    cs_diag_clear(d);
    const char *const sets[] = {"trials=1234", "seed=99", "seed=7"};
    assert_int_equal(cs_scenario_load(path, sets, 3, &s, d), CS_OK);
    assert_int_equal(cs_diag_errors(d), 0);
    assert_int_equal(cs_scenario_trials(s), 1234);
    assert_int_equal(cs_scenario_seed(s), 7); /* the last one wins */
    assert_true(strlen(cs_scenario_name(s)) > 0);
    /* threads beyond the command line's 1 024: refused as such, not as
     * a memory estimate that blames the trials. */
    cs_run_config many = {.trials = 100, .threads = 100000};
    cs_run *r = NULL;
    assert_int_equal(cs_scenario_run(s, &many, &r, d), CS_E_INPUT);
    assert_null(r);
    assert_non_null(strstr(cs_diag_message(d, cs_diag_count(d) - 1), "threads 100000 is out of range"));
    cs_scenario_free(s);
    cs_diag_free(d);
    free(path);
}

/* Without a diag the messages are lost, never the verdict: a missing file,
 * an invalid override or a bad value is still CS_E_INPUT with no scenario. */
static void load_without_diag(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_scenario *s = (cs_scenario *)&s; /* not NULL, so the test sees it set */
    assert_int_equal(cs_scenario_load("/nonexistent/scenario.csv", NULL, 0, &s, NULL), CS_E_INPUT);
    assert_null(s);
    const char *const zero[] = {"units=0"}, *const unknown[] = {"nosuchkey=1"};
    assert_int_equal(cs_scenario_load(path, zero, 1, &s, NULL), CS_E_INPUT);
    assert_null(s);
    assert_int_equal(cs_scenario_load(path, unknown, 1, &s, NULL), CS_E_INPUT);
    assert_null(s);
    assert_int_equal(cs_scenario_load(path, NULL, 0, &s, NULL), CS_OK);
    assert_non_null(s);
    cs_scenario_free(s);
    free(path);
}

static void run_and_key_numbers(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    assert_int_equal(cs_scenario_load(path, NULL, 0, &s, d), CS_OK);
    cs_run_config cfg = {.trials = 3000, .threads = 2};
    cs_run *r = NULL;
    assert_int_equal(cs_scenario_run(s, &cfg, &r, d), CS_OK);
    assert_int_equal(cs_run_trials(r), 3000);
    double lo, p50, p80, hi, mean;
    assert_int_equal(cs_run_percentile(r, CS_TOTAL_NOMINAL, 0, &lo), CS_OK);
    assert_int_equal(cs_run_percentile(r, CS_TOTAL_NOMINAL, 0.5, &p50), CS_OK);
    assert_int_equal(cs_run_percentile(r, CS_TOTAL_NOMINAL, 0.8, &p80), CS_OK);
    assert_int_equal(cs_run_percentile(r, CS_TOTAL_NOMINAL, 1, &hi), CS_OK);
    assert_int_equal(cs_run_mean(r, CS_TOTAL_NOMINAL, &mean), CS_OK);
    assert_true(lo <= p50 && p50 <= p80 && p80 <= hi && lo < hi);
    assert_true(lo <= mean && mean <= hi);
    assert_int_equal(cs_run_percentile(r, CS_TOTAL_NOMINAL, 1.5, &lo), CS_E_INPUT);
    assert_int_equal(cs_run_percentile(r, (cs_total)3, 0.5, &lo), CS_E_INPUT);

    /* The same seed and trials with one thread: the same numbers. */
    cs_run_config one = {.trials = 3000, .threads = 1};
    cs_run *r1 = NULL;
    assert_int_equal(cs_scenario_run(s, &one, &r1, d), CS_OK);
    double p80_1;
    assert_int_equal(cs_run_percentile(r1, CS_TOTAL_NOMINAL, 0.8, &p80_1), CS_OK);
    assert_close(p80_1, p80, 0);
    cs_run_free(r1);

    /* A set cancel token: cancelled, no run. */
    cs_cancel *c = cs_cancel_alloc();
    cs_cancel_request(c);
    cs_run_config cancelled = {.trials = 3000, .cancel = c};
    assert_int_equal(cs_scenario_run(s, &cancelled, &r1, d), CS_E_CANCELLED);
    assert_null(r1);
    cs_cancel_free(c);

    /* Writers: JSON to a stream, a full disk is a run-time failure. */
    FILE *f = tmpfile();
    assert_int_equal(cs_run_write_json(r, f, d), CS_OK);
    assert_true(ftell(f) > 1000);
    fclose(f);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        cs_diag_clear(d);
        assert_int_equal(cs_run_write_table(r, full, d), CS_E_RUNTIME);
        assert_int_equal(cs_diag_count(d), 1);
        fclose(full);
    }
    char *dir = tu_mkdtemp();
    char *out = tu_path(dir, "out"), *html = tu_path(dir, "r.html"), *xlsx = tu_path(dir, "r.xlsx");
    assert_int_equal(cs_run_write_dir(r, out, d), CS_OK);
    assert_int_equal(cs_run_write_html(r, html, d), CS_OK);
    assert_int_equal(cs_run_write_xlsx(r, xlsx, d), CS_OK);
    char *summary = tu_path(out, "summary.csv");
    char *text = tu_read(summary, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "measure,level,id,name"));
    free(text);
    free(summary);
    tu_rmtree(dir);
    free(dir);
    free(out);
    free(html);
    free(xlsx);
    cs_run_free(r);
    cs_scenario_free(s);
    cs_diag_free(d);
    free(path);
}

/* Whether dir holds a file of that name. */
static bool exists(const char *dir, const char *name)
{
    char *path = tu_path(dir, name);
    FILE *f = fopen(path, "r");
    free(path);
    if (f)
        fclose(f);
    return f != NULL;
}

/* no_drivers: the same numbers and summary.csv as with the drivers, no
 * driver files (a previous run's removed from the directory) and empty
 * driver arrays in the JSON. */
static void run_without_drivers(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    assert_int_equal(cs_scenario_load(path, NULL, 0, &s, d), CS_OK);
    cs_run_config with_cfg = {.trials = 2000}, without_cfg = {.trials = 2000, .no_drivers = 1};
    cs_run *with = NULL, *without = NULL;
    assert_int_equal(cs_scenario_run(s, &with_cfg, &with, d), CS_OK);
    assert_int_equal(cs_scenario_run(s, &without_cfg, &without, d), CS_OK);
    double p80_with, p80_without;
    assert_int_equal(cs_run_percentile(with, CS_TOTAL_NOMINAL, 0.8, &p80_with), CS_OK);
    assert_int_equal(cs_run_percentile(without, CS_TOTAL_NOMINAL, 0.8, &p80_without), CS_OK);
    assert_close(p80_without, p80_with, 0);

    char *dir = tu_mkdtemp();
    char *a = tu_path(dir, "with"), *b = tu_path(dir, "without");
    assert_int_equal(cs_run_write_dir(with, a, d), CS_OK);
    assert_int_equal(cs_run_write_dir(without, b, d), CS_OK);
    static const char *const drivers[] = {"sensitivity.csv", "attribution.csv", "tornado.csv"};
    for (int i = 0; i < 3; i++) {
        assert_true(exists(a, drivers[i]));
        assert_false(exists(b, drivers[i]));
    }
    char *sa = tu_path(a, "summary.csv"), *sb = tu_path(b, "summary.csv");
    size_t na = 0, nb = 0;
    char *ta = tu_read(sa, &na), *tb = tu_read(sb, &nb);
    assert_non_null(ta);
    assert_non_null(tb);
    assert_int_equal(na, nb);
    assert_memory_equal(ta, tb, na);
    free(ta);
    free(tb);
    free(sa);
    free(sb);
    /* cfg.trials without a precision target is a plain trial count, as
     * --trials: the report names no ceiling. */
    char *ra = tu_path(a, "report.html");
    char *html = tu_read(ra, &na);
    assert_non_null(html);
    assert_null(strstr(html, "ceiling"));
    assert_non_null(strstr(html, "<td>2,000</td>"));
    free(html);
    free(ra);
    /* Over the run with drivers: its driver files go. */
    assert_int_equal(cs_run_write_dir(without, a, d), CS_OK);
    for (int i = 0; i < 3; i++)
        assert_false(exists(a, drivers[i]));

    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_int_equal(cs_run_write_json(without, f, d), CS_OK);
    fclose(f);
    assert_non_null(strstr(text, "\"sensitivity\": [],"));
    assert_non_null(strstr(text, "\"attribution\": [],"));
    assert_non_null(strstr(text, "\"tornado\": [],"));
    assert_non_null(strstr(text, "\"sensitivity_trials\": 0"));
    free(text);
    tu_rmtree(dir);
    free(dir);
    free(a);
    free(b);
    cs_run_free(with);
    cs_run_free(without);
    cs_scenario_free(s);
    cs_diag_free(d);
    free(path);
}

static void compare_and_sweep(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_diag *d = cs_diag_alloc();
    cs_scenario *a = NULL, *b = NULL;
    const char *const other_seed[] = {"seed=5"};
    assert_int_equal(cs_scenario_load(path, NULL, 0, &a, d), CS_OK);
    assert_int_equal(cs_scenario_load(path, other_seed, 1, &b, d), CS_OK);
    cs_run_config cfg = {.trials = 2000};
    cs_comparison *c = NULL;
    assert_int_equal(cs_scenario_compare(a, b, &cfg, &c, d), CS_OK);
    /* A's seed applies to B: the same scenario differs by exactly 0. */
    for (int m = 0; m < 3; m++) {
        double mean_diff = -1, p = -1;
        assert_int_equal(cs_comparison_difference(c, (cs_total)m, &mean_diff, &p), CS_OK);
        assert_close(mean_diff, 0, 0);
        assert_close(p, 0, 0);
    }
    assert_int_equal(cs_scenario_seed(b), 5); /* B's scenario is unchanged */
    FILE *f = tmpfile();
    assert_int_equal(cs_comparison_write_csv(c, f, d), CS_OK);
    fclose(f);
    cs_comparison_free(c);

    const char *const twice[] = {"units=8,12", "units=4"};
    cs_sweep *sw = NULL;
    cs_diag_clear(d);
    assert_int_equal(cs_sweep_scenario(path, NULL, 0, twice, 2, &cfg, &sw, d), CS_E_INPUT);
    assert_null(sw);
    assert_non_null(strstr(cs_diag_message(d, 0), "varied twice"));
    const char *const vary[] = {"units=8,12"};
    /* an override of a varied key would be replaced in every combination */
    const char *const units3[] = {"units=3"};
    cs_diag_clear(d);
    assert_int_equal(cs_sweep_scenario(path, units3, 1, vary, 1, &cfg, &sw, d), CS_E_INPUT);
    assert_null(sw);
    assert_non_null(strstr(cs_diag_message(d, 0), "units is varied and also set"));
    cs_diag_clear(d);
    assert_int_equal(cs_sweep_scenario(path, NULL, 0, vary, 1, &cfg, &sw, d), CS_OK);
    assert_int_equal(cs_sweep_count(sw), 2);
    char *text = NULL;
    size_t size = 0;
    f = open_memstream(&text, &size);
    assert_int_equal(cs_sweep_write_csv(sw, f, d), CS_OK);
    fclose(f);
    assert_non_null(strstr(text, "\n8,"));
    assert_non_null(strstr(text, "\n12,"));
    free(text);
    char *dir = tu_mkdtemp();
    char *html = tu_path(dir, "sweep.html"), *xlsx = tu_path(dir, "sweep.xlsx");
    assert_int_equal(cs_sweep_write_html(sw, html, d), CS_OK);
    assert_int_equal(cs_sweep_write_xlsx(sw, xlsx, d), CS_OK);
    text = tu_read(html, NULL);
    assert_non_null(strstr(text, "Nominal P50 and P80"));
    free(text);
    tu_rmtree(dir);
    free(dir);
    free(html);
    free(xlsx);
    cs_sweep_free(sw);
    cs_scenario_free(a);
    cs_scenario_free(b);
    cs_diag_free(d);
    free(path);
}


/* Two threads loading scenarios at once, each with its own handles: the
 * loader kept a global for its sort of a header's columns, which the
 * other thread overwrote (a crash, or a race under ThreadSanitizer). */
typedef struct {
    const char *path;
    int failures;
} load_job;

static void *load_many(void *p)
{
    load_job *job = p;
    for (int i = 0; i < 20; i++) {
        cs_diag *d = cs_diag_alloc();
        cs_scenario *s = NULL;
        job->failures += cs_scenario_load(job->path, NULL, 0, &s, d) != CS_OK;
        cs_scenario_free(s);
        cs_diag_free(d);
    }
    return NULL;
}

static void loads_in_two_threads(void **state)
{
    (void)state;
    char *a = scenario_path();
    char *b = tu_path(tu_source_dir(), "scenarios/cpsp-tkms-hedged.csv");
    load_job jobs[2] = {{a, 0}, {b, 0}};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, load_many, &jobs[1]), 0);
    load_many(&jobs[0]);
    pthread_join(t, NULL);
    assert_int_equal(jobs[0].failures, 0);
    assert_int_equal(jobs[1].failures, 0);
    free(a);
    free(b);
}

/* A malformed --vary string is an input error, and nothing is freed twice. */
/* A sweep's rows share their trial count: a precision target is refused,
 * as `costsim sweep --precision` is. */
/* Progress ends at done == total, whichever thread ran the last block. */
typedef struct {
    uint64_t done, total, calls;
} progress_seen;

static void note_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_seen *p = ctx;
    assert_true(done >= p->done); /* never backwards */
    p->done = done;
    p->total = total;
    p->calls++;
}

static void progress_reaches_total(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    assert_int_equal(cs_scenario_load(path, NULL, 0, &s, d), CS_OK);
    for (unsigned threads = 1; threads <= 4; threads++) {
        progress_seen seen = {0, 0, 0};
        cs_run_config cfg = {.trials = 5000, .threads = threads, .no_drivers = 1,
                             .progress = note_progress, .progress_ctx = &seen};
        cs_run *r = NULL;
        assert_int_equal(cs_scenario_run(s, &cfg, &r, d), CS_OK);
        assert_true(seen.calls > 0);
        assert_int_equal(seen.done, 5000);
        assert_int_equal(seen.total, 5000);
        cs_run_free(r);
    }
    cs_scenario_free(s);
    cs_diag_free(d);
    free(path);
}

/* A model of one element (hull, triangular 1-2-4 CAD in 2027-2028) and
 * its scenario, in a new directory. */
static tu_case one_hull_case(void)
{
    return tu_write_case("key,value\nmodel,model\nbase_year,2026\nbase_currency,CAD\n",
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
                         "hull,Hull,acquisition,CAD,once,triangular,1,2,4,2027,2028\n",
                         "currency,rate\nCAD,\n", NULL, NULL, NULL);
}

/* The scenario at path loaded into *s and run for 50 trials without the
 * drivers. */
static cs_run *short_run(const char *path, cs_scenario **s, cs_diag *d)
{
    assert_int_equal(cs_scenario_load(path, NULL, 0, s, d), CS_OK);
    cs_run_config cfg = {.trials = 50, .no_drivers = 1};
    cs_run *r = NULL;
    assert_int_equal(cs_scenario_run(*s, &cfg, &r, d), CS_OK);
    return r;
}

/* The path writers do not replace the run's own inputs: a workbook over the
 * scenario file or over a model file is refused and the file kept. */
static void writers_keep_inputs(void **state)
{
    (void)state;
    tu_case c = one_hull_case();
    char *model = tu_path(c.dir, "model/elements.csv");
    size_t n0, m0;
    char *before = tu_read(c.scenario, &n0), *model_before = tu_read(model, &m0);
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    cs_run *r = short_run(c.scenario, &s, d);
    cs_diag_clear(d);
    assert_int_equal(cs_run_write_xlsx(r, c.scenario, d), CS_E_INPUT);
    assert_non_null(strstr(cs_diag_message(d, 0), "is an input of the run"));
    assert_int_equal(cs_run_write_html(r, model, d), CS_E_INPUT);
    size_t n1, m1;
    char *after = tu_read(c.scenario, &n1), *model_after = tu_read(model, &m1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    assert_int_equal(m0, m1);
    assert_memory_equal(model_before, model_after, m0);
    /* a new .csv in the model directory would be the next load's
     * risks.csv; a report beside the model files is fine */
    char *risks = tu_path(c.dir, "model/risks.csv"), *beside = tu_path(c.dir, "model/r.html");
    cs_diag_clear(d);
    assert_int_equal(cs_run_write_xlsx(r, risks, d), CS_E_INPUT);
    assert_non_null(strstr(cs_diag_message(d, 0), "model's next load would read"));
    assert_int_not_equal(access(risks, F_OK), 0);
    assert_int_equal(cs_run_write_html(r, beside, d), CS_OK);
    free(risks);
    free(beside);
    char *report = tu_path(c.dir, "report.html");
    assert_int_equal(cs_run_write_html(r, report, d), CS_OK); /* any other path is fine */
    free(report);
    free(before);
    free(after);
    free(model_before);
    free(model_after);
    cs_run_free(r);
    cs_scenario_free(s);
    cs_diag_free(d);
    free(model);
    tu_case_free(&c);
}

/* The directory writers keep the inputs too: a scenario file that bears
 * the name of an output (summary.csv would be replaced, budget.csv removed
 * as a stale output) and the model directory are refused, as the command
 * line refuses them; and a chdir after loading does not let a relative
 * path through (inputs are known by identity, not by name). */
static void dir_writers_keep_inputs(void **state)
{
    (void)state;
    static const char *const names[] = {"summary.csv", "budget.csv", "sweep.csv"};
    for (size_t k = 0; k < 3; k++) {
        tu_case c = one_hull_case();
        char *scenario = tu_path(c.dir, names[k]);
        assert_int_equal(rename(c.scenario, scenario), 0);
        size_t n0, n1;
        char *before = tu_read(scenario, &n0);
        cs_diag *d = cs_diag_alloc();
        cs_scenario *s = NULL;
        cs_run *r = short_run(scenario, &s, d);
        cs_run_config cfg = {.trials = 50, .no_drivers = 1};
        cs_diag_clear(d);
        if (k < 2) { /* a run leaves sweep.csv alone: writing there is safe */
            assert_int_equal(cs_run_write_dir(r, c.dir, d), CS_E_INPUT);
            assert_non_null(strstr(cs_diag_message(d, 0), "is an input of the run"));
        } else {
            assert_int_equal(cs_run_write_dir(r, c.dir, d), CS_OK);
        }
        /* a sweep of that scenario, into that directory or over it */
        const char *const vary[] = {"units=1,2"};
        cs_sweep *sw = NULL;
        assert_int_equal(cs_sweep_scenario(scenario, NULL, 0, vary, 1, &cfg, &sw, d), CS_OK);
        if (k == 2)
            assert_int_equal(cs_sweep_write_dir(sw, c.dir, d), CS_E_INPUT);
        assert_int_equal(cs_sweep_write_html(sw, scenario, d), CS_E_INPUT);
        cs_sweep_free(sw);
        char *model_dir = tu_path(c.dir, "model");
        assert_int_equal(cs_run_write_dir(r, model_dir, d), CS_E_INPUT);
        assert_non_null(strstr(cs_diag_message(d, cs_diag_count(d) - 1), "model directory"));
        /* after a chdir into the case, "summary.csv" and friends still
         * name the scenario, and "model/elements.csv" a model file */
        char cwd[4096];
        assert_non_null(getcwd(cwd, sizeof cwd));
        assert_int_equal(chdir(c.dir), 0);
        assert_int_equal(cs_run_write_html(r, names[k], d), CS_E_INPUT);
        assert_int_equal(cs_run_write_xlsx(r, "model/elements.csv", d), CS_E_INPUT);
        assert_int_equal(chdir(cwd), 0);
        char *after = tu_read(scenario, &n1);
        assert_non_null(after);
        assert_int_equal(n0, n1);
        assert_memory_equal(before, after, n0);
        free(before);
        free(after);
        free(model_dir);
        cs_run_free(r);
        cs_scenario_free(s);
        cs_diag_free(d);
        free(scenario);
        tu_case_free(&c);
    }
}

/* A file name longer than a directory entry can hold fails before the
 * commit point: nothing is left behind (no staging directory whose
 * journal no later write could complete), and the next write into the
 * same directory works. */
static void too_long_name_fails_cleanly(void **state)
{
    (void)state;
    tu_case c = one_hull_case();
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    cs_run *r = short_run(c.scenario, &s, d);
    char name[300];
    memset(name, 'r', 260);
    strcpy(name + 260, ".html");
    char *long_path = tu_path(c.dir, name), *ok_path = tu_path(c.dir, "ok.html");
    cs_diag_clear(d);
    assert_int_not_equal(cs_run_write_html(r, long_path, d), CS_OK);
    assert_non_null(strstr(cs_diag_message(d, 0), "too long"));
    char *listing = NULL;
    size_t size = 0;
    FILE *ls = open_memstream(&listing, &size);
    DIR *dir = opendir(c.dir);
    assert_non_null(dir);
    for (struct dirent *e; (e = readdir(dir));)
        fprintf(ls, "%s\n", e->d_name);
    closedir(dir);
    fclose(ls);
    assert_null(strstr(listing, ".costsim-stage"));
    cs_diag_clear(d);
    assert_int_equal(cs_run_write_html(r, ok_path, d), CS_OK);
    assert_int_equal(access(ok_path, F_OK), 0);
    free(listing);
    free(long_path);
    free(ok_path);
    cs_run_free(r);
    cs_scenario_free(s);
    cs_diag_free(d);
    tu_case_free(&c);
}

static void sweep_refuses_precision(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_diag *d = cs_diag_alloc();
    const char *const vary[] = {"units=8,12"};
    cs_run_config cfg = {.trials = 500, .precision = 0.01};
    cs_sweep *sw = (cs_sweep *)&sw;
    assert_int_equal(cs_sweep_scenario(path, NULL, 0, vary, 1, &cfg, &sw, d), CS_E_INPUT);
    assert_null(sw);
    assert_non_null(strstr(cs_diag_message(d, 0), "not a sweep"));
    cs_diag_free(d);
    free(path);
}

static void sweep_with_malformed_vary(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_diag *d = cs_diag_alloc();
    cs_run_config cfg = {.trials = 100, .no_drivers = 1};
    const char *const bad[][2] = {{"units=10,12", "slip.high"}, {"units=", NULL}};
    for (int k = 0; k < 2; k++) {
        cs_sweep *sw = NULL;
        assert_int_equal(cs_sweep_scenario(path, NULL, 0, bad[k], bad[k][1] ? 2 : 1, &cfg, &sw, d),
                         CS_E_INPUT);
        assert_null(sw);
        assert_non_null(strstr(cs_diag_message(d, cs_diag_count(d) - 1), "is not KEY=V1,V2"));
    }
    cs_diag_free(d);
    free(path);
}

/* Arguments the command line would refuse are CS_E_INPUT with a message,
 * never a crash or a silent default: a NULL list with a count or a NULL
 * entry in it, an empty output path, a precision outside (0, 1); and an
 * empty varied value after the first gets the command line's warning. */
static void api_refuses_what_the_cli_refuses(void **state)
{
    (void)state;
    char *path = scenario_path();
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    assert_int_equal(cs_scenario_load(path, NULL, 1, &s, d), CS_E_INPUT);
    assert_null(s);
    assert_non_null(strstr(cs_diag_message(d, cs_diag_count(d) - 1), "the list is NULL"));
    const char *const holes[] = {"units=3", NULL};
    assert_int_equal(cs_scenario_load(path, holes, 2, &s, d), CS_E_INPUT);
    assert_non_null(strstr(cs_diag_message(d, cs_diag_count(d) - 1), "entry 2 of 2 is NULL"));
    cs_run_config cfg = {.trials = 100, .no_drivers = 1};
    cs_sweep *sw = NULL;
    assert_int_equal(cs_sweep_scenario(path, NULL, 0, holes + 1, 1, &cfg, &sw, d), CS_E_INPUT);
    assert_null(sw);
    assert_int_equal(cs_scenario_load(path, NULL, 0, &s, d), CS_OK);
    static const double bad_precision[] = {-0.5, 1, 2, NAN};
    for (int k = 0; k < 4; k++) {
        cs_run_config p = cfg;
        p.precision = bad_precision[k];
        cs_run *r = NULL;
        assert_int_equal(cs_scenario_run(s, &p, &r, d), CS_E_INPUT);
        assert_null(r);
        assert_non_null(strstr(cs_diag_message(d, cs_diag_count(d) - 1), "precision"));
    }
    cs_run *r = NULL;
    assert_int_equal(cs_scenario_run(s, &cfg, &r, d), CS_OK);
    assert_int_equal(cs_run_write_dir(r, "", d), CS_E_INPUT);
    assert_int_equal(cs_run_write_html(r, "", d), CS_E_INPUT);
    assert_non_null(strstr(cs_diag_message(d, cs_diag_count(d) - 1), "is empty"));
    cs_diag_clear(d);
    const char *const stray[] = {"units=2,,3"};
    assert_int_equal(cs_sweep_scenario(path, NULL, 0, stray, 1, &cfg, &sw, d), CS_OK);
    assert_int_equal(cs_sweep_count(sw), 3);
    assert_int_equal(cs_diag_count(d), 1);
    assert_non_null(strstr(cs_diag_message(d, 0), "units: value 2 is empty"));
    cs_sweep_free(sw);
    cs_run_free(r);
    cs_scenario_free(s);
    cs_diag_free(d);
    free(path);
}

/* A loader warning already names its file: the API's message is that
 * text alone, not the scenario's path in front of it. */
static void warning_names_its_file_once(void **state)
{
    (void)state;
    tu_case c = one_hull_case();
    char *model = tu_path(c.dir, "model");
    free(tu_write(model, "notes.csv", "a,b\n"));
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    assert_int_equal(cs_scenario_load(c.scenario, NULL, 0, &s, d), CS_OK);
    assert_int_equal(cs_diag_count(d), 1);
    const char *msg = cs_diag_message(d, 0);
    assert_non_null(strstr(msg, "notes.csv: not a model file, ignored"));
    assert_null(strstr(msg, c.scenario));
    cs_scenario_free(s);
    cs_diag_free(d);
    free(model);
    tu_case_free(&c);
}

/* summary.csv of a short run, written through the API, in a new string. */
static char *summary_text(const char *path)
{
    cs_diag *d = cs_diag_alloc();
    cs_scenario *s = NULL;
    cs_run *r = NULL;
    cs_run_config cfg = {.trials = 300, .no_drivers = 1};
    const char *const sets[] = {"discount_rate=0.025"}; /* a decimal to read */
    assert_int_equal(cs_scenario_load(path, sets, 1, &s, d), CS_OK);
    assert_int_equal(cs_scenario_run(s, &cfg, &r, d), CS_OK);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_int_equal(cs_run_write_csv(r, f, d), CS_OK);
    fclose(f);
    cs_run_free(r);
    cs_scenario_free(s);
    cs_diag_free(d);
    return text;
}

/* A host program that honours the user's locale (a GUI calls
 * setlocale(LC_ALL, "")) with a decimal comma still gets its numbers read
 * and written with '.': the same summary as in the C locale. The German
 * locale is built into a temporary directory when the system lacks it
 * (Debian's locales package has the sources; CI installs it). */
static void numbers_ignore_the_host_locale(void **state)
{
    (void)state;
    char *path = scenario_path();
    char *in_c = summary_text(path);
    char *dir = NULL;
    if (!setlocale(LC_ALL, "de_DE.UTF-8")) {
        dir = tu_mkdtemp();
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "localedef -c -i de_DE -f UTF-8 '%s/de_DE.UTF-8' >/dev/null 2>&1",
                 dir);
        if (system(cmd) != -1) {
            setenv("LOCPATH", dir, 1);
            setlocale(LC_ALL, "de_DE.UTF-8");
        }
    }
    if (strcmp(localeconv()->decimal_point, ",") != 0) {
        free(in_c);
        free(path);
        skip(); /* no German locale to be had (no localedef or its sources) */
    }
    char *in_de = summary_text(path);
    setlocale(LC_ALL, "C");
    unsetenv("LOCPATH");
    assert_string_equal(in_de, in_c);
    free(in_de);
    free(in_c);
    if (dir) {
        tu_rmtree(dir);
        free(dir);
    }
    free(path);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(free_null_is_a_no_op),
        cmocka_unit_test(load_with_overrides),
        cmocka_unit_test(load_without_diag),
        cmocka_unit_test(run_and_key_numbers),
        cmocka_unit_test(run_without_drivers),
        cmocka_unit_test(compare_and_sweep),
        cmocka_unit_test(loads_in_two_threads),
        cmocka_unit_test(progress_reaches_total),
        cmocka_unit_test(writers_keep_inputs),
        cmocka_unit_test(dir_writers_keep_inputs),
        cmocka_unit_test(api_refuses_what_the_cli_refuses),
        cmocka_unit_test(warning_names_its_file_once),
        cmocka_unit_test(too_long_name_fails_cleanly),
        cmocka_unit_test(sweep_refuses_precision),
        cmocka_unit_test(sweep_with_malformed_vary),
        cmocka_unit_test(numbers_ignore_the_host_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
