/* test_schedule: the schedule outputs of the engine (docs/FORMAT.md,
 * docs/OUTPUTS.md) against closed forms: an if_empty zero element's expected
 * cost under a known slip distribution, the schedule confidence of a uniform
 * integer slip, the joint cost and schedule confidence of two independent
 * inputs as a product, and the risk-adjusted allocation (rows add up to the
 * total's percentile; with independent normal elements each allocation
 * matches E[X_i | T = t] = mu_i + sigma_i^2 / sigma_T^2 (t - mu_T)).
 *
 * Statistical checks use fixed seeds and tolerances of 4 standard errors
 * derived from the closed-form variances. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>

#include <jansson.h>

#include "costsim.h"
#include "engine_fixture.h"
#include "report.h"
#include "stats.h"

#define ELEMENT_HEADER_IF_EMPTY                                                           \
    "id,name,phase,currency,basis,dist,low,likely,high,start,end,if_empty\n"

/* Old boats kept in service at 5 a year from 2035 until the year before
 * the first delivery (2034 + s): cost 5 max(0, s - 1). The slip is uniform
 * on [0, 4], rounded half away from zero: s = 0 and 4 with probability
 * 1/8, 1, 2, 3 with 1/4 each, so E = 5 (1/4 + 2/4 + 3/8) = 5.625 and
 * E[X^2] = 25 (1/4 + 4/4 + 9/8). With likely 0 the point estimate has no
 * slip and the element costs nothing there. */
static void test_if_empty_zero_expected_cost(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "first_delivery,2034\nslip.dist,uniform\nslip.low,0\nslip.likely,0\n"
                         "slip.high,4\nseed,7\n",
                         ELEMENT_HEADER_IF_EMPTY
                         "old,Old boats,s,CAD,per_year,fixed,,5,,2035,first_delivery-1,zero\n"
                         "build,Build,a,CAD,once,fixed,,100,,2030,2031,\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    const uint64_t n = 20000;
    cs_results *r = ef_run(m, n, 2, true);
    const cs_summary_row *old = ef_row(r, CS_CONSTANT, CS_LEVEL_ELEMENT, "old");
    double mean = 5 * 1.125, second = 25 * (0.25 + 1 + 9.0 / 8), var = second - mean * mean;
    EF_NEAR(old->mean, mean, 4 * sqrt(var / (double)n));
    EF_NEAR(old->point, 0, 0);
    /* Each trial: exactly 5 max(0, s - 1) on top of the 100. */
    for (uint64_t j = 0; j < n; j++) {
        int s = r->trial_slip[j];
        EF_NEAR(r->totals[CS_CONSTANT][j], 100 + 5.0 * (s > 1 ? s - 1 : 0), 1e-9);
    }
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

#define ELEMENT_HEADER "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"

/* The slip is uniform on [-0.5, 4.5]: clamped at 0 and rounded, s = 0 ... 4
 * each with probability 1/5, so P(first delivery <= 2030 + 2) = 3/5
 * exactly. Every trial's first delivery is 2030 + s and its last 2030 + s +
 * 3 (four units a year apart); the P50 of s is 2, the P10 0, the P90 4. */
static void test_schedule_confidence_uniform_slip(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,4\nfirst_delivery,2030\nslip.dist,uniform\nslip.low,-0.5\n"
                         "slip.high,4.5\nschedule_target,2032\nseed,11\n",
                         ELEMENT_HEADER "hull,Hull,a,CAD,per_unit,fixed,,10,,,\n", NULL, NULL,
                         NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    const uint64_t n = 20000;
    cs_results *r = ef_run(m, n, 2, true);
    assert_true(r->has_schedule);
    const cs_schedule_row *first = &r->schedule[0], *last = &r->schedule[1];
    assert_string_equal(first->marker, "first_delivery");
    assert_string_equal(last->marker, "last_delivery");
    double p = 0.6;
    EF_NEAR(first->confidence, p, 4 * sqrt(p * (1 - p) / (double)n));
    assert_true(first->has_target);
    EF_NEAR(first->target, 2032, 0);
    assert_true(first->ci_low < first->confidence && first->confidence < first->ci_high);
    assert_false(last->has_target);
    EF_NEAR(first->mean, 2032, 4 * sqrt(2.0 / (double)n)); /* Var s = 2 */
    EF_NEAR(first->p10, 2030, 0);
    EF_NEAR(first->p50, 2032, 0);
    EF_NEAR(first->p90, 2034, 0);
    EF_NEAR(first->point, 2032, 0); /* point slip: the midpoint 2 */
    EF_NEAR(last->point, first->point + 3, 0);
    EF_NEAR(last->mean, first->mean + 3, 1e-9);
    EF_NEAR(last->p50, first->p50 + 3, 0);
    uint64_t within = 0;
    for (uint64_t j = 0; j < n; j++) {
        assert_int_equal(r->trial_first_delivery[j], 2030 + r->trial_slip[j]);
        within += r->trial_first_delivery[j] <= 2032;
    }
    EF_NEAR(first->confidence, (double)within / (double)n, 0);
    /* The statistics from counts per year equal those of the sorted years
     * (type 7, as summary.csv). */
    double *years = malloc(n * sizeof *years), sum = 0;
    for (uint64_t j = 0; j < n; j++) {
        years[j] = r->trial_first_delivery[j];
        sum += years[j];
    }
    qsort(years, n, sizeof *years, ef_cmp_double);
    EF_REL(first->mean, sum / (double)n, 1e-12);
    const double ps[4] = {0.1, 0.5, 0.8, 0.9};
    const double got[4] = {first->p10, first->p50, first->p80, first->p90};
    for (int k = 0; k < 4; k++)
        EF_NEAR(got[k], cs_stats_percentile_sorted(years, n, ps[k]), 0);
    free(years);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* Cost and schedule independent: the cost is one normal element that does
 * not move with the slip, the schedule the uniform slip above. The joint
 * confidence at budget (the cost's median, 100) and target (P = 3/5) is
 * the product 0.3, and every cell of the JCL grid is the product of its
 * marginal shares within its sampling error. */
static void test_joint_confidence_is_product(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "first_delivery,2030\nslip.dist,uniform\nslip.low,-0.5\n"
                         "slip.high,4.5\nschedule_target,2032\nbudget,100\nseed,5\n",
                         ELEMENT_HEADER "ship,Ship,a,CAD,once,normal,80,,120,2026,2027\n", NULL,
                         NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    const uint64_t n = 20000;
    cs_results *r = ef_run(m, n, 2, false);
    assert_true(r->has_joint);
    double p = 0.3;
    EF_NEAR(r->joint_confidence, p, 4 * sqrt(p * (1 - p) / (double)n));
    assert_true(r->joint_ci[0] < r->joint_confidence && r->joint_confidence < r->joint_ci[1]);
    /* Grid: years 2030 ... 2034, 19 budget levels each. */
    assert_int_equal(r->n_jcl, 5 * 19);
    for (size_t i = 0; i < r->n_jcl; i++) {
        const cs_jcl_row *row = &r->jcl[i];
        assert_int_equal(row->first_delivery_by, 2030 + (int)(i / 19));
        assert_int_equal(row->budget_percentile, 5 * (int)(i % 19 + 1));
        EF_NEAR(row->budget,
                cs_stats_percentile_sorted(r->sorted[CS_NOMINAL], n,
                                           row->budget_percentile / 100.0),
                0);
        if (row->budget_percentile == 80) /* the same number as summary.csv's P80 */
            EF_NEAR(row->budget, r->rows[CS_NOMINAL][0].p[CS_P80], 0);
        double q = (row->first_delivery_by - 2030 + 1) / 5.0 * row->budget_percentile / 100.0;
        /* The marginal budget share is fixed by construction, so the error
         * is at most that of the schedule share times it. */
        EF_NEAR(row->joint_confidence, q, 4 * sqrt(q * (1 - q) / (double)n) + 1.0 / (double)n);
    }
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* Allocation with independent normal elements: T = sum X_i is normal and
 * E[X_i | T = t] = mu_i + sigma_i^2 / sigma_T^2 (t - mu_T) exactly, so at
 * t = the total's P80 each row matches within the standard error of a mean
 * of K trials given T: sqrt(sigma_i^2 (1 - sigma_i^2 / sigma_T^2) / K). The
 * rows of each measure sum to the total's P50 and P80 (1e-9 relative), and
 * each phase is the sum of its rows. */
static void test_allocation_conditional_means(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "seed,3\n",
                         ELEMENT_HEADER "a,A,p1,CAD,once,normal,90,,110,2026,2026\n"
                                        "b,B,p1,CAD,once,normal,160,,240,2026,2027\n"
                                        "c,C,p2,CAD,once,normal,250,,350,2027,2027\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    const uint64_t n = 20000;
    const double K = 200; /* max(100, n / 100) */
    cs_results *r = ef_run(m, n, 2, false);
    const double z90 = 1.2815515655446004;
    const double mu[3] = {100, 200, 300};
    const double sd[3] = {10 / z90, 40 / z90, 50 / z90};
    double var_t = sd[0] * sd[0] + sd[1] * sd[1] + sd[2] * sd[2];
    assert_int_equal(r->n_allocation, 2 * 5); /* 2 phases + 3 elements, twice */
    for (int a = 0; a < 2; a++) {
        const cs_allocation_row *rows = r->allocation + 5 * a;
        cs_measure mm = a ? CS_NOMINAL : CS_CONSTANT;
        const cs_summary_row *total = &r->rows[mm][0];
        double t80 = total->p[CS_P80], s50 = 0, s80 = 0;
        for (int i = 0; i < 3; i++) {
            const cs_allocation_row *row = &rows[2 + i];
            assert_int_equal(row->measure, mm);
            assert_int_equal(row->level, CS_LEVEL_ELEMENT);
            double beta = sd[i] * sd[i] / var_t;
            double expect = mu[i] + beta * (t80 - total->mean);
            double se = sqrt(sd[i] * sd[i] * (1 - beta) / K);
            EF_NEAR(row->alloc_p80, expect, 4 * se);
            EF_NEAR(row->point, mu[i], 1e-9);
            s50 += row->alloc_p50;
            s80 += row->alloc_p80;
        }
        EF_REL(s80, t80, 1e-9);
        EF_REL(s50, total->p[CS_P50], 1e-9);
        assert_string_equal(rows[0].id, "p1");
        EF_REL(rows[0].alloc_p80, rows[2].alloc_p80 + rows[3].alloc_p80, 1e-12);
        EF_REL(rows[1].alloc_p80, rows[4].alloc_p80, 1e-12);
    }
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* Rows that sum with risks and a slip, and outputs that do not depend on
 * the thread count. */
static void test_schedule_outputs_thread_invariant(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,3\nfirst_delivery,2031\nslip.dist,triangular\nslip.low,0\n"
                         "slip.likely,1\nslip.high,4\nschedule_target,2032\nbudget,400\n"
                         "budget_measure,constant\n",
                         ELEMENT_HEADER "hull,Hull,a,CAD,per_unit,pert,80,100,150,,\n"
                                        "office,Office,a,CAD,per_year,uniform,5,,8,2026,"
                                        "last_delivery\n",
                         "currency,rate,inflation.dist,inflation.low,inflation.likely,"
                         "inflation.high\nCAD,,triangular,0.01,0.02,0.04\n",
                         "id,probability,dist,likely,year,slip\n"
                         "late,0.3,fixed,20,first_delivery,2\n",
                         NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r1 = ef_run(m, 3000, 1, true), *r2 = ef_run(m, 3000, 2, true);
    assert_int_equal(r1->n_jcl, r2->n_jcl);
    for (size_t i = 0; i < r1->n_jcl; i++) {
        assert_int_equal(r1->jcl[i].first_delivery_by, r2->jcl[i].first_delivery_by);
        EF_NEAR(r1->jcl[i].budget, r2->jcl[i].budget, 0);
        EF_NEAR(r1->jcl[i].joint_confidence, r2->jcl[i].joint_confidence, 0);
    }
    for (int i = 0; i < 2; i++) {
        const cs_schedule_row *a = &r1->schedule[i], *b = &r2->schedule[i];
        const double va[] = {a->point, a->mean, a->p10, a->p50, a->p80, a->p90, a->confidence};
        const double vb[] = {b->point, b->mean, b->p10, b->p50, b->p80, b->p90, b->confidence};
        for (int k = 0; k < 7; k++)
            EF_NEAR(va[k], vb[k], 0);
    }
    assert_int_equal(r1->n_allocation, r2->n_allocation);
    for (size_t i = 0; i < r1->n_allocation; i++) {
        EF_NEAR(r1->allocation[i].alloc_p50, r2->allocation[i].alloc_p50, 0);
        EF_NEAR(r1->allocation[i].alloc_p80, r2->allocation[i].alloc_p80, 0);
    }
    assert_int_equal(r1->n_years, r2->n_years);
    assert_memory_equal(r1->year_const_mean, r2->year_const_mean, r1->n_years * sizeof(double));
    assert_memory_equal(r1->year_const_p80, r2->year_const_p80, r1->n_years * sizeof(double));
    assert_memory_equal(r1->year_p80, r2->year_p80, r1->n_years * sizeof(double));
    assert_memory_equal(r1->trial_first_delivery, r2->trial_first_delivery,
                        3000 * sizeof(int));
    /* The budget is compared in the constant measure. */
    uint64_t within = 0;
    for (uint64_t j = 0; j < 3000; j++)
        within += r1->totals[CS_CONSTANT][j] <= 400;
    EF_NEAR(r1->budget_confidence, (double)within / 3000, 1e-9);
    /* The constant funding profile's means add up to the constant mean. */
    double sum = 0;
    for (size_t y = 0; y < r1->n_years; y++)
        sum += r1->year_const_mean[y];
    EF_REL(sum, r1->rows[CS_CONSTANT][0].mean, 1e-9);
    /* Allocation rows with a risk sum to the totals' P80. */
    size_t per = r1->n_allocation / 2;
    for (int a = 0; a < 2; a++) {
        double s = 0;
        for (size_t i = 0; i < per; i++)
            if (r1->allocation[a * per + i].level != CS_LEVEL_PHASE)
                s += r1->allocation[a * per + i].alloc_p80;
        EF_REL(s, r1->rows[a ? CS_NOMINAL : CS_CONSTANT][0].p[CS_P80], 1e-9);
    }
    cs_results_free(r1);
    cs_results_free(r2);
    cs_model_free(m);
    ef_free(&c);
}

/* Writes one CSV file of r into a string (caller frees). */
static char *csv_text(void (*write)(FILE *, const cs_results *), const cs_results *r)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    write(f, r);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* The JSON array `key` has the CSV's rows, in order, with its column names
 * as keys: numbers equal (both are written to read back exactly), empty
 * cells null, text equal. The CSV has no quoted cells here. */
static void assert_mirrors(const char *csv, json_t *root, const char *key)
{
    json_t *a = json_object_get(root, key);
    if (!json_is_array(a))
        fail_msg("JSON has no array '%s'", key);
    char *copy = strdup(csv), *save = NULL;
    char *line = strtok_r(copy, "\n", &save);
    char *names[32];
    size_t nc = 0;
    for (char *p = line, *q; p; p = q) {
        q = strchr(p, ',');
        if (q)
            *q++ = 0;
        names[nc++] = p;
    }
    size_t row = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        json_t *o = json_array_get(a, row++);
        assert_non_null(o);
        assert_int_equal(json_object_size(o), nc);
        size_t k = 0;
        for (char *p = line, *q; k < nc; p = q, k++) {
            q = strchr(p, ',');
            if (q)
                *q++ = 0;
            json_t *v = json_object_get(o, names[k]);
            if (!v)
                fail_msg("%s row %zu: no key %s", key, row, names[k]);
            if (!*p)
                assert_true(json_is_null(v));
            else if (json_is_number(v))
                EF_NEAR(json_number_value(v), strtod(p, NULL), 0);
            else
                assert_string_equal(json_string_value(v), p);
            if (!q)
                q = p + strlen(p);
        }
    }
    assert_int_equal(row, json_array_size(a));
    free(copy);
}

/* JSON keys schedule, jcl, allocation, by_year and summary mirror their
 * CSV files exactly; intervals carry the schedule and joint confidence;
 * settings the two new keys. */
static void test_json_mirrors_csv(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,3\nfirst_delivery,2031\nslip.dist,triangular\nslip.low,0\n"
                         "slip.likely,1\nslip.high,3\nschedule_target,2032\nbudget,400\n",
                         ELEMENT_HEADER "hull,Hull,a,CAD,per_unit,pert,80,100,150,,\n"
                                        "office,Office,b,CAD,per_year,uniform,5,,8,2026,"
                                        "last_delivery\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 500, 2, false);
    char *json = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&json, &size);
    cs_diag *jd = cs_diag_alloc();
    assert_int_equal(cs_report_json(f, r, jd), 0);
    cs_diag_free(jd);
    assert_int_equal(fclose(f), 0);
    json_error_t err;
    json_t *root = json_loads(json, 0, &err);
    assert_non_null(root);
    static const struct {
        const char *key;
        void (*write)(FILE *, const cs_results *);
    } files[] = {{"schedule", cs_report_schedule_csv}, {"jcl", cs_report_jcl_csv},
                 {"allocation", cs_report_allocation_csv}, {"by_year", cs_report_by_year_csv},
                 {"summary", cs_report_summary_csv}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *csv = csv_text(files[i].write, r);
        assert_mirrors(csv, root, files[i].key);
        free(csv);
    }
    json_t *settings = json_object_get(root, "settings");
    assert_string_equal(json_string_value(json_object_get(settings, "budget_measure")),
                        "nominal");
    assert_int_equal(json_integer_value(json_object_get(settings, "schedule_target")), 2032);
    json_t *iv = json_object_get(root, "intervals");
    json_t *sc = json_object_get(iv, "schedule_confidence");
    assert_true(json_is_array(sc));
    EF_NEAR(json_number_value(json_array_get(sc, 0)), r->schedule[0].ci_low, 0);
    json_t *joint = json_object_get(iv, "joint_confidence");
    EF_NEAR(json_number_value(json_object_get(joint, "confidence")), r->joint_confidence, 0);
    assert_int_equal(json_integer_value(json_object_get(joint, "schedule_target")), 2032);
    json_decref(root);
    free(json);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* Ties and small runs: with every total equal (a fixed model) the rank
 * window is a run of equal totals and each line's allocation is its fixed
 * amount; with N <= 100 every trial is in the window. A risk that always
 * occurs with a fixed impact gets exactly that impact. */
static void test_allocation_ties_and_small_runs(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
                         ELEMENT_HEADER "a,A,p1,CAD,once,fixed,,10,,2026,2026\n"
                                        "b,B,p2,CAD,per_year,fixed,,2.5,,2026,2029\n",
                         NULL, "id,probability,dist,likely,year\nr,1,fixed,7,2027\n", NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    const uint64_t sizes[3] = {1, 60, 1500};
    for (int t = 0; t < 3; t++) {
        cs_results *r = ef_run(m, sizes[t], 2, false);
        assert_int_equal(r->n_allocation, 2 * 6);
        /* phases p1, p2, risk; elements a, b; risk r */
        const double want[6] = {10, 10, 7, 10, 10, 7};
        for (int a = 0; a < 2; a++)
            for (int i = 0; i < 6; i++) {
                EF_REL(r->allocation[a * 6 + i].alloc_p50, want[i], 1e-12);
                EF_REL(r->allocation[a * 6 + i].alloc_p80, want[i], 1e-12);
            }
        cs_results_free(r);
    }
    cs_model_free(m);
    ef_free(&c);

    /* Two values only: 20, or 27 when the risk (probability 1/2) occurs.
     * The P50 window (ranks 450 ... 549 of 1000) straddles the step; the
     * share f of its trials with the risk is known from the count of
     * trials at 20, so the risk's allocation is 7 f P50 / (20 + 7 f). */
    c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,9\n",
                 ELEMENT_HEADER "a,A,p1,CAD,once,fixed,,20,,2026,2026\n", NULL,
                 "id,probability,dist,likely,year\nr,0.5,fixed,7,2027\n", NULL);
    m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 1000, 2, false);
    size_t n0 = 0;
    for (size_t j = 0; j < 1000; j++)
        n0 += r->totals[CS_CONSTANT][j] == 20;
    assert_true(n0 > 450 && n0 < 549); /* the step is inside the window */
    double f = (549.0 - (double)n0 + 1) / 100, p50 = r->rows[CS_CONSTANT][0].p[CS_P50];
    const cs_allocation_row *risk = &r->allocation[3], *el = &r->allocation[2];
    assert_string_equal(risk->id, "r");
    EF_REL(risk->alloc_p50, 7 * f * p50 / (20 + 7 * f), 1e-12);
    EF_REL(el->alloc_p50, 20 * p50 / (20 + 7 * f), 1e-12);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_if_empty_zero_expected_cost),
        cmocka_unit_test(test_schedule_confidence_uniform_slip),
        cmocka_unit_test(test_joint_confidence_is_product),
        cmocka_unit_test(test_allocation_conditional_means),
        cmocka_unit_test(test_schedule_outputs_thread_invariant),
        cmocka_unit_test(test_json_mirrors_csv),
        cmocka_unit_test(test_allocation_ties_and_small_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
