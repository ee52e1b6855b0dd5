/* test_compare: compare, sweep, --precision, thread invariance and a
 * run-time error, through the library (cs_compare_rows on engine
 * results) and through the costsim program (--out files read back, JSON
 * parsed with jansson): docs/COMMANDS.md, docs/OUTPUTS.md.
 *
 * Common random numbers make a scenario compared with itself differ by
 * exactly zero in every trial, and a change to one element move the total
 * far less than an independent rerun does. A sweep over units of a fixed
 * per_unit_year cost is exactly linear. Trial counts are small; see
 * test_engine_heavy.c for multi-block runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>

#include <jansson.h>

#include "costsim.h"
#include "compare.h"
#include "sweep.h"
#include "engine_fixture.h"
#include "report.h"
#include "stats.h"

#define ELEMENT_HEADER                                                                    \
    "id,name,phase,currency,basis,dist,low,likely,high,start,end,profile,learning\n"

static const char model_elements[] =
    ELEMENT_HEADER "x,X,px,CAD,once,pert,80,100,150,2026,2027,,\n"
                   "y,Y,py,CAD,once,triangular,10,20,40,2026,2026,,\n"
                   "z,Z,pz,USD,once,normal,50,,70,2027,2027,,\n"
                   "w,W,pw,CAD,per_year,lognormal,1,,4,2026,2030,,\n";
static const char model_currencies[] =
    "currency,rate,fx_model,volatility,inflation.dist,inflation.low,inflation.likely,"
    "inflation.high\n"
    "CAD,,,,triangular,0.01,0.02,0.04\n"
    "USD,1.35,gbm,0.08,,,0.02,\n";
static const char model_risks[] =
    "id,name,probability,phase,currency,dist,low,likely,high,year,slip\n"
    "leak,Leak,0.25,risk,CAD,uniform,5,,15,2028,\n";
static const char scenario_a[] = "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                                 "default_correlation,0.25\ndiscount_rate,0.03\nseed,2718\n";

/* ---- helpers for the program's output --------------------------------- */

/* Runs costsim; on an unexpected status prints stderr and fails. */
static void run_ok(const char *const *args, char **out)
{
    char *err = NULL;
    int status = tu_run_costsim(out, &err, args);
    if (status != 0)
        print_error("costsim exited %d:\n%s\n", status, err);
    free(err);
    assert_int_equal(status, 0);
}

/* Reads dir/name; fails when missing. */
static char *read_in(const char *dir, const char *name)
{
    char *p = tu_path(dir, name);
    char *text = tu_read(p, NULL);
    if (!text)
        print_error("missing %s\n", p);
    free(p);
    assert_non_null(text);
    return text;
}

/* Splits a CSV line of plain cells (no quotes) in place; returns the number
 * of cells (at most max). */
static size_t split_cells(char *line, char **cells, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max;) {
        cells[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

/* A CSV file of plain cells as rows of strings: table[r][c]. */
typedef struct {
    char *text;
    char **lines;
    size_t n_lines;
    char *cells[64][32];
    size_t n_cells[64];
} csv_table;

static void csv_parse(csv_table *t, char *text)
{
    memset(t, 0, sizeof *t);
    t->text = text;
    for (char *p = text; *p && t->n_lines < 64;) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends in LF */
        *nl = '\0';
        t->n_cells[t->n_lines] = split_cells(p, t->cells[t->n_lines], 32);
        t->n_lines++;
        p = nl + 1;
    }
}

static size_t csv_column(const csv_table *t, const char *name)
{
    for (size_t c = 0; c < t->n_cells[0]; c++)
        if (!strcmp(t->cells[0][c], name))
            return c;
    print_error("no column '%s'\n", name);
    fail();
    return 0;
}

static double csv_number(const csv_table *t, size_t row, const char *column)
{
    size_t c = csv_column(t, column);
    assert_true(c < t->n_cells[row]);
    char *end;
    double v = strtod(t->cells[row][c], &end);
    assert_int_equal(*end, '\0');
    assert_ptr_not_equal(end, t->cells[row][c]);
    return v;
}

/* Asserts that the two directories hold the same files, byte for byte;
 * returns how many. */
static size_t assert_same_dirs(const char *a, const char *b)
{
    size_t files = 0;
    DIR *d = opendir(a);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *pa = tu_path(a, e->d_name), *pb = tu_path(b, e->d_name);
        struct stat st;
        assert_int_equal(stat(pa, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            files += assert_same_dirs(pa, pb);
        } else {
            size_t na, nb;
            char *ta = tu_read(pa, &na), *tb = tu_read(pb, &nb);
            assert_non_null(ta);
            if (!tb || na != nb || memcmp(ta, tb, na) != 0) {
                print_error("%s and %s differ\n", pa, pb);
                fail();
            }
            free(ta);
            free(tb);
            files++;
        }
        free(pa);
        free(pb);
    }
    closedir(d);
    return files;
}

/* Entries of dir other than those starting with '.' and `except`. */
static size_t count_entries(const char *dir, const char *except)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (except && !strcmp(e->d_name, except))
            continue;
        print_error("left in %s: %s\n", dir, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* ---- 6. compare --------------------------------------------------------- */

/* A scenario compared with itself, through the library: B - A is exactly
 * zero in every trial of every measure. */
static void test_compare_self_library(void **state)
{
    (void)state;
    ef_case c = ef_write(scenario_a, model_elements, model_currencies, model_risks, NULL);
    cs_model *ma = ef_load(c.scenario, NULL, 0), *mb = ef_load(c.scenario, NULL, 0);
    cs_results *a = ef_run(ma, 4000, 2, false), *b = ef_run(mb, 4000, 1, false);
    cs_compare_row rows[CS_N_MEASURES];
    assert_int_equal(cs_compare_rows(a, b, rows, NULL), CS_OK);
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        assert_memory_equal(a->totals[mm], b->totals[mm], 4000 * sizeof(double));
        assert_true(rows[mm].mean_diff == 0);
        assert_true(rows[mm].p10 == 0 && rows[mm].p50 == 0 && rows[mm].p90 == 0);
        assert_true(rows[mm].p_b_gt_a == 0);
        assert_true(rows[mm].ci_low == 0 && rows[mm].ci_high > 0 && rows[mm].ci_high < 0.002);
    }
    cs_results_free(a);
    cs_results_free(b);
    cs_model_free(ma);
    cs_model_free(mb);
    ef_free(&c);
}

/* The same through the program: compare.csv is all zeros and a/ and b/
 * hold identical files. */
static void test_compare_self_program(void **state)
{
    (void)state;
    ef_case c = ef_write(scenario_a, model_elements, model_currencies, model_risks, NULL);
    char *out_dir = tu_path(c.dir, "out");
    const char *args[] = {"compare", c.scenario, c.scenario, "--trials", "3000",
                          "--out", out_dir, "--format", "csv", "--quiet", NULL};
    char *out = NULL;
    run_ok(args, &out);
    char *file = read_in(out_dir, "compare.csv");
    assert_string_equal(out, file);
    /* P(B > A) 0 of 3000 trials: Wilson interval 0 to z^2 / (n + z^2). */
    double lo, hi;
    cs_stats_wilson(0, 3000, &lo, &hi);
    EF_NEAR(hi, 1.96 * 1.96 / (3000 + 1.96 * 1.96), 1e-15);
    char want[512], num[32];
    for (int digits = 15; digits <= 17; digits++) { /* the CSV's shortest exact form */
        snprintf(num, sizeof num, "%.*g", digits, hi);
        if (strtod(num, NULL) == hi)
            break;
    }
    snprintf(want, sizeof want,
             "measure,mean_diff,p10,p50,p90,p_b_gt_a,ci_low,ci_high\n"
             "constant,0,0,0,0,0,0,%s\nnominal,0,0,0,0,0,0,%s\npv,0,0,0,0,0,0,%s\n",
             num, num, num);
    assert_string_equal(file, want);
    char *streams = read_in(out_dir, "streams.csv");
    assert_non_null(strstr(streams, "kind,stream,a_input,b_input\n"));
    assert_non_null(strstr(streams, "\nelement,x,x,x\n"));
    free(streams);
    char *a = tu_path(out_dir, "a"), *b = tu_path(out_dir, "b");
    assert_true(assert_same_dirs(a, b) >= 6);
    free(a);
    free(b);
    free(file);
    free(out);
    free(out_dir);
    ef_free(&c);
}

static double variance(const double *x, size_t n)
{
    double mean, var;
    ef_mean_var(x, n, &mean, &var);
    return var;
}

/* Changing one element's distribution: with common random numbers the
 * per-trial difference varies far less (< 1/10) than the difference of two
 * independent runs (other seed). Scaling that element by 1.1 makes B - A
 * exactly 0.1 x in every trial: B > A in 100% of trials. */
static void test_compare_common_random_numbers(void **state)
{
    (void)state;
    enum { N = 4000 };
    ef_case c = ef_write(scenario_a, model_elements, model_currencies, model_risks, NULL);
    cs_model *ma = ef_load(c.scenario, NULL, 0);
    cs_setting wider = {"element.x.high", "170"};
    cs_model *mb = ef_load(c.scenario, &wider, 1);
    cs_setting seed = {"seed", "31415"};
    cs_model *ma2 = ef_load(c.scenario, &seed, 1);
    cs_results *a = ef_run(ma, N, 2, true), *b = ef_run(mb, N, 2, false),
               *a2 = ef_run(ma2, N, 2, false);
    double *d_crn = malloc(N * sizeof(double)), *d_ind = malloc(N * sizeof(double));
    assert_non_null(d_crn);
    assert_non_null(d_ind);
    for (size_t j = 0; j < N; j++) {
        d_crn[j] = b->totals[CS_NOMINAL][j] - a->totals[CS_NOMINAL][j];
        d_ind[j] = a2->totals[CS_NOMINAL][j] - a->totals[CS_NOMINAL][j];
    }
    double v_crn = variance(d_crn, N), v_ind = variance(d_ind, N);
    print_message("Var(B-A) common numbers %g, independent runs %g\n", v_crn, v_ind);
    assert_true(v_crn > 0);
    assert_true(v_crn < v_ind / 10);
    cs_compare_row rows[CS_N_MEASURES];
    assert_int_equal(cs_compare_rows(a, b, rows, NULL), CS_OK);
    double mean, var;
    ef_mean_var(d_crn, N, &mean, &var);
    EF_NEAR(rows[CS_NOMINAL].mean_diff, mean, 1e-9 * fabs(mean));
    assert_true(rows[CS_NOMINAL].mean_diff > 0);
    free(d_crn);
    free(d_ind);
    cs_results_free(b);
    cs_model_free(mb);

    cs_setting scale = {"element.x.scale", "1.1"};
    mb = ef_load(c.scenario, &scale, 1);
    b = ef_run(mb, N, 1, false);
    assert_int_equal(cs_compare_rows(a, b, rows, NULL), CS_OK);
    double *x = ef_phase_trials(a, ef_phase(ma, "px"));
    double sum = 0;
    for (size_t j = 0; j < N; j++) {
        EF_NEAR(b->totals[CS_NOMINAL][j] - a->totals[CS_NOMINAL][j], 0.1 * x[j], 1e-9);
        sum += 0.1 * x[j];
    }
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        EF_NEAR(rows[mm].p_b_gt_a, 1, 0);
    EF_NEAR(rows[CS_NOMINAL].mean_diff, sum / N, 1e-9);
    free(x);
    cs_results_free(a);
    cs_results_free(b);
    cs_results_free(a2);
    cs_model_free(ma);
    cs_model_free(mb);
    cs_model_free(ma2);
    ef_free(&c);
}

/* compare refuses scenarios with different base years (exit 2). */
static void test_compare_needs_same_base_year(void **state)
{
    (void)state;
    ef_case c = ef_write(scenario_a, model_elements, model_currencies, model_risks, NULL);
    char *other = ef_add_scenario(&c, "later.csv",
                                  "key,value\nmodel,model\nbase_year,2026\n"
                                  "base_currency,CAD\n");
    const char *args[] = {"compare", c.scenario, other, "--trials", "100", "--quiet", NULL};
    char *err = NULL;
    assert_int_equal(tu_run_costsim(NULL, &err, args), 2);
    assert_non_null(strstr(err, "base_year"));
    free(err);
    free(other);
    ef_free(&c);
}

/* ---- 8. sweep ----------------------------------------------------------- */

/* units = 2, 3, 4 with a fixed 11.7 per unit and year over a 4-year
 * service life, plus an uncertain one-off that does not depend on units:
 * constant mean and P50 step by exactly 4 x 11.7 per unit (common random
 * numbers cancel the one-off); stdout carries the same sweep.csv. */
static void test_sweep_units_linear(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "first_delivery,2030\nservice_life,4\ntrials,2000\n",
                         ELEMENT_HEADER "crew,Crew,s,CAD,per_unit_year,fixed,,11.7,,,,,\n"
                                        "design,Design,a,CAD,once,pert,80,100,150,2026,2028,,\n",
                         "currency,rate,inflation.likely\nCAD,,0.02\n", NULL, NULL);
    char *out_dir = tu_path(c.dir, "out");
    const char *args[] = {"sweep", c.scenario, "--vary", "units=2,3,4", "--out", out_dir,
                          "--format", "csv", "--quiet", NULL};
    char *out = NULL;
    run_ok(args, &out);
    char *text = read_in(out_dir, "sweep.csv");
    assert_string_equal(out, text);
    csv_table t;
    csv_parse(&t, text);
    assert_int_equal(t.n_lines, 4);
    assert_string_equal(t.cells[0][0], "units");
    double mean[3], p50[3], nominal[3];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal((int)csv_number(&t, i + 1, "units"), (int)i + 2);
        mean[i] = csv_number(&t, i + 1, "constant_mean");
        p50[i] = csv_number(&t, i + 1, "constant_p50");
        nominal[i] = csv_number(&t, i + 1, "nominal_mean");
    }
    EF_NEAR(mean[1] - mean[0], 4 * 11.7, 1e-9);
    EF_NEAR(mean[2] - mean[1], 4 * 11.7, 1e-9);
    EF_NEAR(p50[1] - p50[0], 4 * 11.7, 1e-9);
    EF_NEAR(p50[2] - p50[1], 4 * 11.7, 1e-9);
    /* Nominal: unit k serves 2030+k-1 ... 2033+k-1 under 2% inflation. */
    double unit4 = 0;
    for (int y = 2033; y <= 2036; y++)
        unit4 += 11.7 * pow(1.02, y - 2025);
    EF_NEAR(nominal[2] - nominal[1], unit4, 1e-9);
    free(text);
    free(out);
    free(out_dir);
    ef_free(&c);
}

/* ---- 9. --precision ----------------------------------------------------- */

static double json_number_at(json_t *array, size_t i)
{
    json_t *v = json_array_get(array, i);
    assert_non_null(v);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

/* The nominal total row of a run object's summary. */
static json_t *json_total_row(json_t *run)
{
    json_t *summary = json_object_get(run, "summary");
    for (size_t i = 0; i < json_array_size(summary); i++) {
        json_t *row = json_array_get(summary, i);
        if (!strcmp(json_string_value(json_object_get(row, "measure")), "nominal") &&
            !strcmp(json_string_value(json_object_get(row, "level")), "total"))
            return row;
    }
    fail();
    return NULL;
}

/* --precision 1% on a low-variance model stops well before the 10^6
 * ceiling, and both reported intervals are within +-1%. A target out of
 * reach runs to the ceiling and says so. */
static void test_precision(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
                         ELEMENT_HEADER "hull,Hull,a,CAD,once,normal,95,,105,2026,2027,,\n"
                                        "fit,Fit,a,CAD,once,fixed,,20,,2028,2028,,\n",
                         NULL, NULL, NULL);
    const char *args[] = {"run", c.scenario, "--trials", "1000000", "--precision", "1%",
                          "--format", "json", "--quiet", NULL};
    char *out = NULL;
    run_ok(args, &out);
    json_error_t jerr;
    json_t *run = json_loads(out, 0, &jerr);
    if (!run)
        print_error("JSON: %s at line %d\n", jerr.text, jerr.line);
    assert_non_null(run);
    json_t *settings = json_object_get(run, "settings");
    json_int_t trials = json_integer_value(json_object_get(settings, "trials"));
    assert_true(trials >= 2 && trials < 1000000);
    assert_int_equal(json_integer_value(json_object_get(settings, "trials_requested")), 1000000);
    json_t *ci = json_object_get(run, "intervals");
    EF_NEAR(json_real_value(json_object_get(ci, "precision")), 0.01, 1e-15);
    assert_true(json_is_true(json_object_get(ci, "precision_met")));
    json_t *total = json_total_row(run);
    double mean = json_number_value(json_object_get(total, "mean"));
    double p80 = json_number_value(json_object_get(total, "p80"));
    double sd = json_number_value(json_object_get(total, "sd"));
    json_t *mean_ci = json_object_get(ci, "nominal_mean");
    json_t *p80_ci = json_object_get(ci, "nominal_p80");
    double lo = json_number_at(mean_ci, 0), hi = json_number_at(mean_ci, 1);
    assert_true(lo <= mean && mean <= hi);
    assert_true(mean - lo <= 0.01 * mean && hi - mean <= 0.01 * mean);
    EF_NEAR(hi - mean, 1.96 * sd / sqrt((double)trials), 1e-9 * mean);
    lo = json_number_at(p80_ci, 0);
    hi = json_number_at(p80_ci, 1);
    assert_true(lo <= p80 && p80 <= hi);
    assert_true(p80 - lo <= 0.01 * p80 && hi - p80 <= 0.01 * p80);
    json_decref(run);
    free(out);

    const char *tight[] = {"run", c.scenario, "--trials", "3000", "--precision", "0.0001",
                           "--format", "json", "--quiet", NULL};
    run_ok(tight, &out);
    run = json_loads(out, 0, &jerr);
    assert_non_null(run);
    settings = json_object_get(run, "settings");
    assert_int_equal(json_integer_value(json_object_get(settings, "trials")), 3000);
    ci = json_object_get(run, "intervals");
    assert_true(json_is_false(json_object_get(ci, "precision_met")));
    json_decref(run);
    free(out);
    ef_free(&c);
}

/* ---- 4. thread invariance through the program --------------------------- */

/* --threads 1 and 2: every file under --out (trials.csv included) and the
 * JSON on stdout are byte-identical. */
static void test_threads_byte_identical(void **state)
{
    (void)state;
    ef_case c = ef_write(scenario_a, model_elements, model_currencies, model_risks, NULL);
    char *d1 = tu_path(c.dir, "t1"), *d2 = tu_path(c.dir, "t2");
    const char *one[] = {"run", c.scenario, "--trials", "5000", "--threads", "1",
                         "--out", d1, "--trials-out", "--format", "json", "--quiet", NULL};
    const char *two[] = {"run", c.scenario, "--trials", "5000", "--threads", "2",
                         "--out", d2, "--trials-out", "--format", "json", "--quiet", NULL};
    char *out1 = NULL, *out2 = NULL;
    run_ok(one, &out1);
    run_ok(two, &out2);
    assert_string_equal(out1, out2);
    assert_true(assert_same_dirs(d1, d2) >= 7);
    free(out1);
    free(out2);
    free(d1);
    free(d2);
    ef_free(&c);
}

/* ---- 10. a run-time error leaves no output ------------------------------ */

/* A once element from first_delivery-3 (2028 without slip) to 2030 with a
 * fixed slip of 3: exit 1, a message naming the element and the trial,
 * and nothing written into --out DIR (an unrelated file there is kept). */
static void test_runtime_error_no_output(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "first_delivery,2031\nslip.dist,fixed\nslip.likely,3\n",
                         ELEMENT_HEADER "early,Early,p,CAD,once,fixed,,10,,first_delivery-3,2030,,\n"
                                        "late,Late,p,CAD,once,pert,1,2,3,2030,2031,,\n",
                         NULL, NULL, NULL);
    /* check accepts it: the range holds without slip. */
    const char *check[] = {"check", c.scenario, NULL};
    assert_int_equal(tu_run_costsim(NULL, NULL, check), 0);

    char *out_dir = tu_path(c.dir, "out");
    const char *args[] = {"run", c.scenario, "--trials", "500", "--out", out_dir,
                          "--trials-out", "--quiet", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(tu_run_costsim(&out, &err, args), 1);
    assert_non_null(strstr(err, "early"));
    assert_non_null(strstr(err, "trial 1"));
    assert_int_equal(count_entries(out_dir, NULL), 0);
    free(out);
    free(err);

    mkdir(out_dir, 0777);
    free(tu_write(out_dir, "keep.txt", "mine\n"));
    assert_int_equal(tu_run_costsim(NULL, NULL, args), 1);
    assert_int_equal(count_entries(out_dir, "keep.txt"), 0);
    char *kept = read_in(out_dir, "keep.txt");
    assert_string_equal(kept, "mine\n");
    free(kept);
    free(out_dir);
    ef_free(&c);
}

/* ---- compare and sweep as core functions -------------------------------- */

/* cs_compare_run gives B the seed and trials of A through the run options:
 * B's own seed and trials are not used, the models are not changed, and
 * B's results equal those of a run of B's model with A's seed. */
static void test_compare_run_core(void **state)
{
    (void)state;
    ef_case c = ef_write(scenario_a, model_elements, model_currencies, model_risks, NULL);
    cs_setting b_own[] = {{"seed", "99"}, {"trials", "77"}, {"element.x.scale", "1.1"}};
    cs_setting a_trials = {"trials", "3000"};
    cs_model *ma = ef_load(c.scenario, &a_trials, 1), *mb = ef_load(c.scenario, b_own, 3);
    cs_run_options opt = {.trials = ma->trials, .seed = ma->seed, .threads = 2};
    cs_diag *d = cs_diag_alloc();
    cs_comparison *cmp = NULL;
    assert_int_equal(cs_compare_run(ma, mb, &opt, NULL, &cmp, d), CS_OK);
    assert_non_null(cmp);
    assert_int_equal(mb->seed, 99);
    assert_int_equal(mb->trials, 77);
    assert_int_equal(cmp->b->trials, 3000);
    assert_int_equal(cmp->b->seed, 2718);
    cs_run_options ob = {.trials = 3000, .seed = 2718, .threads = 1};
    cs_results *rb = NULL;
    assert_int_equal(cs_engine_run(mb, &ob, &rb, d), CS_OK);
    assert_memory_equal(rb->totals[CS_NOMINAL], cmp->b->totals[CS_NOMINAL],
                        3000 * sizeof(double));
    cs_compare_row rows[CS_N_MEASURES];
    assert_int_equal(cs_compare_rows(cmp->a, rb, rows, d), CS_OK);
    assert_memory_equal(rows, cmp->rows, sizeof rows);
    assert_true(cmp->rows[CS_NOMINAL].mean_diff > 0);
    cs_results_free(rb);
    cs_compare_free(cmp);
    cs_compare_free(NULL);

    /* Different base years: refused before anything runs. */
    cs_setting year = {"base_year", "2024"};
    cs_model *mc = ef_load(c.scenario, &year, 1);
    cs_diag_clear(d);
    assert_int_equal(cs_compare_run(ma, mc, &opt, NULL, &cmp, d), CS_E_INPUT);
    assert_null(cmp);
    assert_int_equal(cs_diag_count(d), 1);
    assert_non_null(strstr(cs_diag_get(d, 0)->message, "base_year 2024 differs"));
    cs_model_free(mc);
    cs_diag_free(d);
    cs_model_free(ma);
    cs_model_free(mb);
    ef_free(&c);
}

/* The sweep grid: first key slowest, a key varied twice refused, every
 * combination checked before any runs, and the kept rows equal to the
 * totals of separate runs. */
static void test_sweep_core(void **state)
{
    (void)state;
    ef_case c = ef_write(scenario_a, model_elements, model_currencies, model_risks, NULL);
    const char *const scales[] = {"1", "1.2"}, *const rates[] = {"0.03", "0.05", "0.07"};
    cs_sweep_axis twice[] = {{"discount_rate", rates, 3}, {"discount_rate", scales, 2}};
    cs_diag *d = cs_diag_alloc();
    cs_sweep *sw = NULL;
    assert_int_equal(cs_sweep_plan(twice, 2, &sw, d), CS_E_INPUT);
    assert_null(sw);
    assert_non_null(strstr(cs_diag_get(d, 0)->message, "varied twice"));

    cs_sweep_axis axes[] = {{"element.x.scale", scales, 2}, {"discount_rate", rates, 3}};
    cs_diag_clear(d);
    assert_int_equal(cs_sweep_plan(axes, 2, &sw, d), CS_OK);
    assert_int_equal(sw->n_combinations, 6);
    assert_string_equal(sw->values[1 * 2 + 0], "1");    /* combination 2: 1, 0.05 */
    assert_string_equal(sw->values[1 * 2 + 1], "0.05");
    assert_string_equal(sw->values[3 * 2 + 0], "1.2");  /* combination 4: 1.2, 0.03 */
    assert_string_equal(sw->values[3 * 2 + 1], "0.03");

    /* --trials after the varied keys wins; a --set before them loses. */
    cs_setting before = {"discount_rate", "0.5"}, after = {"trials", "2000"};
    cs_setting *sets;
    size_t n_sets;
    assert_int_equal(cs_sweep_settings(sw, 5, &before, 1, &after, 1, &sets, &n_sets), CS_OK);
    assert_int_equal(n_sets, 4);
    assert_string_equal(sets[0].value, "0.5");
    assert_string_equal(sets[2].key, "discount_rate");
    assert_string_equal(sets[2].value, "0.07");
    assert_string_equal(sets[3].key, "trials");
    free(sets);

    /* ... so validation refuses a --set of a varied key, which no
     * combination would use. */
    cs_run_options opt = {.threads = 2};
    assert_int_equal(cs_sweep_validate(sw, c.scenario, &before, 1, &after, 1, &opt, d),
                     CS_E_INPUT);
    assert_non_null(strstr(cs_diag_get(d, 0)->message, "discount_rate is varied and also set"));
    cs_diag_clear(d);
    assert_int_equal(cs_sweep_validate(sw, c.scenario, NULL, 0, &after, 1, &opt, d), CS_OK);
    assert_int_equal(cs_sweep_run(sw, c.scenario, NULL, 0, &after, 1, &opt, NULL, NULL, d),
                     CS_OK);
    assert_int_equal(sw->n_done, 6);
    for (size_t k = 0; k < 6; k += 5) {
        cs_setting one[] = {{"element.x.scale", sw->values[k * 2]},
                            {"discount_rate", sw->values[k * 2 + 1]}, after};
        cs_model *m = ef_load(c.scenario, one, 3);
        cs_results *r = ef_run(m, 2000, 1, false);
        assert_close(sw->rows[k].stat[CS_PV][CS_SWEEP_MEAN], r->rows[CS_PV][0].mean, 0);
        assert_close(sw->rows[k].stat[CS_NOMINAL][CS_SWEEP_P80], r->rows[CS_NOMINAL][0].p[CS_P80], 0);
        cs_results_free(r);
        cs_model_free(m);
    }
    assert_true(sw->rows[5].stat[CS_PV][CS_SWEEP_MEAN] < sw->rows[3].stat[CS_PV][CS_SWEEP_MEAN]);
    cs_sweep_free(sw);

    /* A bad value in the last combination fails validation, naming it. */
    const char *const bad[] = {"0.03", "x"};
    cs_sweep_axis bad_axis = {"discount_rate", bad, 2};
    assert_int_equal(cs_sweep_plan(&bad_axis, 1, &sw, d), CS_OK);
    cs_diag_clear(d);
    assert_int_equal(cs_sweep_validate(sw, c.scenario, NULL, 0, NULL, 0, NULL, d), CS_E_INPUT);
    const char *last = cs_diag_get(d, cs_diag_count(d) - 1)->message;
    assert_string_equal(last, "combination 2 of 2 is not valid; nothing was simulated");
    cs_sweep_free(sw);
    cs_sweep_free(NULL);
    cs_diag_free(d);
    ef_free(&c);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_self_library),
        cmocka_unit_test(test_compare_self_program),
        cmocka_unit_test(test_compare_common_random_numbers),
        cmocka_unit_test(test_compare_needs_same_base_year),
        cmocka_unit_test(test_sweep_units_linear),
        cmocka_unit_test(test_precision),
        cmocka_unit_test(test_threads_byte_identical),
        cmocka_unit_test(test_runtime_error_no_output),
        cmocka_unit_test(test_compare_run_core),
        cmocka_unit_test(test_sweep_core),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
