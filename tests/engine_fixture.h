/* engine_fixture: helpers shared by the engine tests (test_engine.c,
 * test_engine_heavy.c, test_compare.c): write a scenario and its model into
 * a fresh temporary directory (testutil's tu_write_case), load it, run the
 * engine, find summary rows, compare numbers (testutil's assert_close), and
 * a Spearman correlation written independently of stats.c. Header-only (static inline) so that
 * each test program compiles it without a change to tests/CMakeLists.txt.
 * Include after <cmocka.h>. */
#ifndef CS_ENGINE_FIXTURE_H
#define CS_ENGINE_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "engine.h"
#include "loader.h"
#include "model.h"
#include "results.h"
#include "testutil.h"

/* One case on disk (testutil's fixture). */
typedef tu_case ef_case;

/* Writes a case; currencies, risks and correlations may be NULL. A second
 * scenario file can be added with ef_add_scenario. */
static inline ef_case ef_write(const char *scenario, const char *elements,
                               const char *currencies, const char *risks,
                               const char *correlations)
{
    return tu_write_case(scenario, elements, currencies, risks, correlations, NULL);
}

/* Another scenario file in the case's directory (same model). */
static inline char *ef_add_scenario(const ef_case *c, const char *name, const char *text)
{
    return tu_write(c->dir, name, text);
}

static inline void ef_free(ef_case *c) { tu_case_free(c); }

static inline void ef_print_diag(const cs_diag *d)
{
    for (size_t i = 0; i < cs_diag_count(d); i++) {
        char *s = cs_diag_format(cs_diag_get(d, i));
        print_error("  %s\n", s);
        free(s);
    }
}

/* Loads a scenario with optional settings ("key", "value" pairs, n of
 * them); fails the test when it does not load. */
static inline cs_model *ef_load(const char *path, const cs_setting *sets, size_t n_sets)
{
    cs_diag *d = cs_diag_alloc();
    assert_non_null(d);
    cs_model *m = cs_loader_load(path, sets, n_sets, d);
    if (!m) {
        print_error("cannot load %s:\n", path);
        ef_print_diag(d);
    }
    cs_diag_free(d);
    assert_non_null(m);
    return m;
}

/* Runs the engine; fails the test when the run fails. */
static inline cs_results *ef_run(const cs_model *m, uint64_t trials, unsigned threads,
                                  bool trials_out)
{
    cs_run_options opt = {.trials = trials, .threads = threads, .trials_out = trials_out,
                          .seed = m->seed};
    cs_diag *d = cs_diag_alloc();
    cs_results *r = NULL;
    cs_status status = cs_engine_run(m, &opt, &r, d);
    if (status != CS_OK) {
        print_error("run failed with status %d:\n", (int)status);
        ef_print_diag(d);
    }
    cs_diag_free(d);
    assert_int_equal(status, CS_OK);
    assert_non_null(r);
    return r;
}

/* The summary row of measure mm with that id ("total", a phase, an element
 * or risk id) at that level. */
static inline const cs_summary_row *ef_row(const cs_results *r, cs_measure mm, cs_level level,
                                           const char *id)
{
    for (size_t i = 0; i < r->n_rows; i++)
        if (r->rows[mm][i].level == level && !strcmp(r->rows[mm][i].id, id))
            return &r->rows[mm][i];
    print_error("no %s row '%s'\n", cs_results_measure_name(mm), id);
    fail();
    return NULL;
}

static inline size_t ef_phase(const cs_model *m, const char *name)
{
    for (size_t p = 0; p < m->n_phases; p++)
        if (!strcmp(m->phases[p], name))
            return p;
    print_error("no phase '%s'\n", name);
    fail();
    return 0;
}

/* The nominal cost of phase p in every trial, copied out (caller frees). */
static inline double *ef_phase_trials(const cs_results *r, size_t p)
{
    assert_true(r->has_trials);
    size_t np = r->model->n_phases;
    double *x = malloc(r->trials * sizeof *x);
    assert_non_null(x);
    for (uint64_t j = 0; j < r->trials; j++)
        x[j] = r->trial_phase_nominal[j * np + p];
    return x;
}

/* |actual - expected| <= tol (an absolute tolerance): testutil's assert_close. */
#define EF_NEAR(actual, expected, tol) assert_close(actual, expected, tol)

/* Equal within rel relative to |expected| (exact when expected is 0). */
#define EF_REL(actual, expected, rel) assert_close(actual, expected, (rel) * fabs((double)(expected)))

/* ---- Spearman, independent of stats.c (no ties in continuous draws) ---- */

static const double *ef_sort_key_;
static inline int ef_by_key(const void *a, const void *b)
{
    double x = ef_sort_key_[*(const size_t *)a], y = ef_sort_key_[*(const size_t *)b];
    return (x > y) - (x < y);
}

/* Ranks 1..n of x (ties broken by position: only for continuous data). */
static inline void ef_ranks(const double *x, size_t n, double *rank)
{
    size_t *idx = malloc(n * sizeof *idx);
    assert_non_null(idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    ef_sort_key_ = x;
    qsort(idx, n, sizeof *idx, ef_by_key);
    for (size_t i = 0; i < n; i++)
        rank[idx[i]] = (double)(i + 1);
    free(idx);
}

/* Spearman's rho = 1 - 6 sum d^2 / (n (n^2 - 1)) for untied data. */
static inline double ef_spearman(const double *x, const double *y, size_t n)
{
    double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
    assert_non_null(rx);
    assert_non_null(ry);
    ef_ranks(x, n, rx);
    ef_ranks(y, n, ry);
    double sum = 0, nn = (double)n;
    for (size_t i = 0; i < n; i++)
        sum += (rx[i] - ry[i]) * (rx[i] - ry[i]);
    free(rx);
    free(ry);
    return 1 - 6 * sum / (nn * (nn * nn - 1));
}

/* Mean and sample variance (two-pass). */
static inline void ef_mean_var(const double *x, size_t n, double *mean, double *var)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double mu = s / (double)n, q = 0;
    for (size_t i = 0; i < n; i++)
        q += (x[i] - mu) * (x[i] - mu);
    *mean = mu;
    *var = n > 1 ? q / (double)(n - 1) : 0;
}

static inline int ef_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 percentile of x (sorted in place). */
static inline double ef_percentile(double *x, size_t n, double p)
{
    qsort(x, n, sizeof *x, ef_cmp_double);
    double h = (double)(n - 1) * p, f = floor(h);
    size_t i = (size_t)f;
    return i + 1 < n ? x[i] + (h - f) * (x[i + 1] - x[i]) : x[i];
}

#endif
