/* compare: the rules of a comparison and the per-trial difference B - A
 * (see compare.h). */
#include "compare.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

cs_status cs_compare_check(const cs_model *a, const cs_model *b, cs_diag *diag)
{
    if (a->base_year != b->base_year) {
        cs_diag_add(diag, b->scenario_path, 0, NULL,
                    "base_year %d differs from %s's %d; compare needs the same base_year "
                    "(--set base_year=%d applies to both scenarios)",
                    b->base_year, a->scenario_path, a->base_year, a->base_year);
        return CS_E_INPUT;
    }
    const char *ca = a->currencies[a->report_currency].code;
    const char *cb = b->currencies[b->report_currency].code;
    if (strcmp(ca, cb) != 0) {
        cs_diag_add(diag, b->scenario_path, 0, NULL,
                    "report_currency %s differs from %s's %s; compare needs the same "
                    "report_currency (--set report_currency=%s applies to both scenarios, "
                    "if both models have that currency)",
                    cb, a->scenario_path, ca, ca);
        return CS_E_INPUT;
    }
    return CS_OK;
}

static int compare_doubles(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

cs_status cs_compare_rows(const cs_results *a, const cs_results *b,
                          cs_compare_row rows[CS_N_MEASURES], cs_diag *diag)
{
    if (a->trials != b->trials || a->trials == 0) {
        cs_diag_add(diag, b->model->scenario_path, 0, NULL,
                    "%llu trials against %llu of %s: a comparison pairs the trials of A "
                    "and B, so both need the same number",
                    (unsigned long long)b->trials, (unsigned long long)a->trials,
                    a->model->scenario_path);
        return CS_E_INPUT;
    }
    uint64_t n = a->trials;
    double *diff = malloc((size_t)n * sizeof *diff);
    if (!diff) {
        cs_diag_add(diag, b->model->scenario_path, 0, NULL,
                    "out of memory while comparing the trials");
        return CS_E_NOMEM;
    }
    for (int m = 0; m < CS_N_MEASURES; m++) {
        const double *ta = a->totals[m], *tb = b->totals[m];
        /* Neumaier-compensated sum: a million differences of large, nearly
         * equal totals would otherwise lose digits of the mean. */
        double sum = 0, carry = 0;
        uint64_t b_greater = 0;
        for (uint64_t j = 0; j < n; j++) {
            double d = tb[j] - ta[j];
            diff[j] = d;
            double t = sum + d;
            carry += fabs(sum) >= fabs(d) ? (sum - t) + d : (d - t) + sum;
            sum = t;
            b_greater += tb[j] > ta[j];
        }
        qsort(diff, (size_t)n, sizeof *diff, compare_doubles);
        rows[m].mean_diff = (sum + carry) / (double)n;
        rows[m].p10 = cs_stats_percentile_sorted(diff, (size_t)n, 0.1);
        rows[m].p50 = cs_stats_percentile_sorted(diff, (size_t)n, 0.5);
        rows[m].p90 = cs_stats_percentile_sorted(diff, (size_t)n, 0.9);
        rows[m].p_b_gt_a = (double)b_greater / (double)n;
        cs_stats_wilson(b_greater, n, &rows[m].ci_low, &rows[m].ci_high);
    }
    free(diff);
    return CS_OK;
}

cs_status cs_compare_run(const cs_model *a, const cs_model *b, const cs_run_options *opt,
                         void *progress_ctx_b, cs_comparison **out, cs_diag *diag)
{
    *out = NULL;
    cs_status st = cs_compare_check(a, b, diag);
    if (st != CS_OK)
        return st;
    cs_comparison *c = calloc(1, sizeof *c);
    if (!c) {
        cs_diag_add(diag, a->scenario_path, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    /* B's memory is counted before A runs (and in A's --precision
     * doublings), so that a B too big is refused before anything runs. */
    cs_run_options oa = *opt;
    oa.memory_partner = b;
    st = cs_engine_run(a, &oa, &c->a, diag);
    if (st == CS_OK) {
        cs_run_options ob = *opt;
        ob.trials = c->a->trials;
        ob.precision = 0;
        ob.memory_partner = NULL;
        if (progress_ctx_b)
            ob.progress_ctx = progress_ctx_b;
        st = cs_engine_run(b, &ob, &c->b, diag);
    }
    if (st == CS_OK)
        st = cs_compare_rows(c->a, c->b, c->rows, diag);
    if (st != CS_OK) {
        cs_compare_free(c);
        return st;
    }
    *out = c;
    return CS_OK;
}

void cs_compare_free(cs_comparison *c)
{
    if (!c)
        return;
    cs_results_free(c->a);
    cs_results_free(c->b);
    free(c);
}
