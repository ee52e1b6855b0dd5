/* report_fixture: hand-made results for the HTML and XLSX reporter tests
 * (test_report_html.c, test_report_xlsx.c): a model with 2 phases, 3
 * elements, 1 risk, CAD base and KRW report currency, base year 2026, and
 * synthetic trials, by-year series and drivers shaped like a submarine
 * program (~60 trillion KRW). Names include hostile text (HTML and formula
 * injection) and UTF-8. Not a simulation: the numbers only need to be
 * plausible, non-round and consistent with one another. Header-only
 * (static inline) so that each test program compiles it without a change
 * to tests/CMakeLists.txt. */
#ifndef CS_REPORT_FIXTURE_H
#define CS_REPORT_FIXTURE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "stats.h"

#define FX_HOSTILE_SCRIPT "<script>alert(1)</script>"
#define FX_HOSTILE_FORMULA "=HYPERLINK(\"x\")"

typedef struct {
    cs_model model;
    cs_element elements[3];
    cs_risk risks[1];
    cs_currency currencies[2];
    char *phases[2];
    cs_results *r;
} fx_run;

static inline int fx_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fills row from the sorted values of a series (type-7 percentiles). */
static inline void fx_row(cs_summary_row *row, cs_level level, const char *id, const char *name,
                          const double *values, size_t n, double point)
{
    double *s = malloc(n * sizeof *s);
    memcpy(s, values, n * sizeof *s);
    qsort(s, n, sizeof *s, fx_cmp);
    row->level = level;
    row->id = id;
    row->name = name;
    row->point = point;
    cs_stats_mean_sd(values, n, &row->mean, &row->sd);
    for (int k = 0; k < CS_N_SUMMARY_P; k++)
        row->p[k] = cs_stats_percentile_sorted(s, n, cs_results_summary_p[k]);
    row->point_percentile = cs_stats_percent_at_or_below(s, n, point);
    free(s);
}

/* A deterministic, uneven uniform in (0, 1): the fractional part of j times
 * the golden ratio, stirred so that neighbouring trials differ. */
static inline double fx_u(size_t j, double salt)
{
    double x = (double)(j + 1) * 0.6180339887498949 + salt;
    x -= floor(x);
    return 0.01 + 0.98 * x;
}

/* Builds the run. shift > 0 makes scenario B dearer (for compare). */
static inline fx_run *fx_make(size_t trials, double shift, const char *name)
{
    fx_run *x = calloc(1, sizeof *x);
    cs_model *m = &x->model;
    m->name = (char *)name;
    m->scenario_path = (char *)"scenarios/kss-iii-test.csv";
    m->model_dir = (char *)"models/kss-iii";
    m->trials = trials;
    m->seed = 12345678901234567890u;
    m->base_year = 2026;
    m->base_currency = 0;
    m->report_currency = 1;
    m->discount_rate = 0.035;
    m->units = 12;
    m->has_first_delivery = true;
    m->first_delivery = 2035;
    m->delivery_interval_milli = 1500;
    m->build_years = 6;
    m->service_life = 30;
    m->slip = (cs_dist){.kind = CS_DIST_PERT, .has_low = true, .has_likely = true,
                        .has_high = true, .low = 0, .likely = 1, .high = 4};
    m->default_correlation = 0.25;
    m->has_budget = true;
    m->budget = 60e6;
    m->budget_measure = CS_NOMINAL;

    x->phases[0] = (char *)"acquisition";
    x->phases[1] = (char *)"sustainment";
    m->phases = x->phases;
    m->n_phases = 2;
    x->currencies[0] = (cs_currency){.code = "CAD", .is_base = true, .rate = 1,
                                     .inflation = {.kind = CS_DIST_NORMAL, .has_low = true,
                                                   .has_high = true, .low = 0.018,
                                                   .high = 0.034}};
    x->currencies[1] = (cs_currency){.code = "KRW", .rate = 1.0 / 1017, .fx_model = CS_FX_GBM,
                                     .volatility = 0.07,
                                     .inflation = {.kind = CS_DIST_FIXED, .has_likely = true,
                                                   .likely = 0.021}};
    m->currencies = x->currencies;
    m->n_currencies = 2;
    x->elements[0] = (cs_element){.id = (char *)"HULL", .name = (char *)FX_HOSTILE_SCRIPT,
                                  .phase = 0, .currency = 1, .basis = CS_BASIS_PER_UNIT};
    x->elements[1] = (cs_element){.id = (char *)"OPS", .name = (char *)FX_HOSTILE_FORMULA,
                                  .phase = 1, .currency = 0, .basis = CS_BASIS_PER_UNIT_YEAR};
    x->elements[2] = (cs_element){.id = (char *)"INFRA", .name = (char *)"Jetty & shore power",
                                  .phase = 0, .currency = 0, .basis = CS_BASIS_ONCE};
    m->elements = x->elements;
    m->n_elements = 3;
    x->risks[0] = (cs_risk){.id = (char *)"WELD", .name = (char *)"Weld rework",
                            .phase = 0, .currency = 1, .probability = 0.3};
    m->risks = x->risks;
    m->n_risks = 1;

    cs_results *r = calloc(1, sizeof *r);
    x->r = r;
    r->model = m;
    r->trials = trials;
    r->trials_requested = m->trials;
    r->seed = m->seed;
    r->sensitivity_trials = trials;
    size_t n = trials;
    /* per trial: element and risk amounts (nominal), then measures */
    double *hull = malloc(n * sizeof *hull), *ops = malloc(n * sizeof *ops);
    double *infra = malloc(n * sizeof *infra), *weld = malloc(n * sizeof *weld);
    for (int k = 0; k < CS_N_MEASURES; k++) {
        r->totals[k] = malloc(n * sizeof(double));
        r->sorted[k] = malloc(n * sizeof(double));
    }
    r->has_trials = true;
    r->trial_slip = malloc(n * sizeof *r->trial_slip);
    r->trial_phase_nominal = malloc(n * 2 * sizeof(double));
    for (size_t j = 0; j < n; j++) {
        double u1 = fx_u(j, 0.1), u2 = fx_u(j * 7 + 3, 0.37), u3 = fx_u(j * 13 + 1, 0.71);
        hull[j] = (31.4159e6 + 9.87654321e6 * (u1 + 0.5 * u2 * u2)) * (1 + shift);
        ops[j] = 17.2839e6 + 4.1234567e6 * u2 - 1.1e6 * u1;
        infra[j] = 2.71828e6 + 0.61803e6 * u3;
        weld[j] = u3 > 0.7 ? 1.23456789e6 * (1 + 2 * u1) : 0;
        double nominal = hull[j] + ops[j] + infra[j] + weld[j];
        r->totals[CS_NOMINAL][j] = nominal;
        r->totals[CS_CONSTANT][j] = nominal * 0.80123 - 0.9e6 * u2;
        r->totals[CS_PV][j] = nominal * 0.551 + 0.3e6 * u1;
        r->trial_slip[j] = (int)floor(4 * u2 * u2);
        r->trial_phase_nominal[j * 2] = hull[j] + infra[j] + weld[j];
        r->trial_phase_nominal[j * 2 + 1] = ops[j];
    }
    for (int k = 0; k < CS_N_MEASURES; k++) {
        memcpy(r->sorted[k], r->totals[k], n * sizeof(double));
        qsort(r->sorted[k], n, sizeof(double), fx_cmp);
    }

    /* summary rows: total, 2 phases, 3 elements, 1 risk, per measure */
    r->n_rows = 7;
    static const double factor[CS_N_MEASURES] = {0.80123, 1, 0.551};
    double *acq = malloc(n * sizeof *acq), *tmp[4] = {hull, ops, infra, weld};
    for (size_t j = 0; j < n; j++)
        acq[j] = hull[j] + infra[j] + weld[j];
    for (int k = 0; k < CS_N_MEASURES; k++) {
        cs_summary_row *rows = calloc(7, sizeof *rows);
        r->rows[k] = rows;
        double *scaled = malloc(n * sizeof *scaled);
        double point_nominal = (31.4159e6 + 9.87654321e6 * 0.6) * (1 + shift) + 19.0e6 + 3.0e6;
        fx_row(&rows[0], CS_LEVEL_TOTAL, "total", name, r->totals[k], n,
               point_nominal * factor[k]);
        for (size_t j = 0; j < n; j++)
            scaled[j] = acq[j] * factor[k];
        fx_row(&rows[1], CS_LEVEL_PHASE, "acquisition", "acquisition", scaled, n,
               (point_nominal - 19.0e6) * factor[k]);
        for (size_t j = 0; j < n; j++)
            scaled[j] = ops[j] * factor[k];
        fx_row(&rows[2], CS_LEVEL_PHASE, "sustainment", "sustainment", scaled, n,
               19.0e6 * factor[k]);
        static const char *const ids[4] = {"HULL", "OPS", "INFRA", "WELD"};
        const char *names[4] = {FX_HOSTILE_SCRIPT, FX_HOSTILE_FORMULA, "Jetty & shore power",
                                "Weld rework"};
        static const double points[4] = {37.34e6, 19.0e6, 3.0e6, 0};
        for (int e = 0; e < 4; e++) {
            for (size_t j = 0; j < n; j++)
                scaled[j] = tmp[e][j] * factor[k];
            fx_row(&rows[3 + e], e < 3 ? CS_LEVEL_ELEMENT : CS_LEVEL_RISK, ids[e], names[e],
                   scaled, n, points[e] * factor[k] * (e == 0 ? 1 + shift : 1));
        }
        free(scaled);
    }
    free(acq);
    free(hull);
    free(ops);
    free(infra);
    free(weld);

    double *s = r->sorted[CS_NOMINAL];
    cs_stats_quantile_ci(s, n, 0.5, &r->p50_ci[0], &r->p50_ci[1]);
    cs_stats_quantile_ci(s, n, 0.8, &r->p80_ci[0], &r->p80_ci[1]);
    double mean = r->rows[CS_NOMINAL][0].mean, sd = r->rows[CS_NOMINAL][0].sd;
    r->mean_ci[0] = mean - 1.96 * sd / sqrt((double)n);
    r->mean_ci[1] = mean + 1.96 * sd / sqrt((double)n);
    r->has_budget = true;
    r->budget = m->budget;
    r->budget_confidence = cs_stats_percent_at_or_below(s, n, m->budget) / 100;
    cs_stats_wilson((uint64_t)llround(r->budget_confidence * (double)n), (uint64_t)n,
                    &r->budget_ci[0], &r->budget_ci[1]);

    /* by year 2026..2070: build-up, a plateau of boat deliveries, sustainment */
    r->first_year = 2026;
    r->n_years = 45;
    r->year_mean = malloc(45 * sizeof(double));
    r->year_p10 = malloc(45 * sizeof(double));
    r->year_p50 = malloc(45 * sizeof(double));
    r->year_p90 = malloc(45 * sizeof(double));
    double sum = 0, shape[45];
    for (int i = 0; i < 45; i++) {
        double t = i;
        shape[i] = exp(-pow((t - 14.5) / 7.3, 2)) * 2.2 + (t > 9 ? 0.55 : 0.05 * t);
        sum += shape[i];
    }
    for (int i = 0; i < 45; i++) {
        double v = mean * shape[i] / sum;
        r->year_mean[i] = v;
        r->year_p50[i] = v * 0.968;
        r->year_p10[i] = v * 0.71;
        r->year_p90[i] = v * (1.31 + 0.004 * i);
    }

    /* drivers */
    static const struct {
        cs_input_kind kind;
        const char *input;
        double rho;
    } drv[] = {
        {CS_INPUT_ELEMENT, "HULL", 0.8123},  {CS_INPUT_FX, "KRW", 0.4117},
        {CS_INPUT_SLIP, "slip", 0.3301},     {CS_INPUT_RISK, "WELD", 0.2109},
        {CS_INPUT_INFLATION, "CAD", 0.1802}, {CS_INPUT_ELEMENT, "OPS", -0.1234},
        {CS_INPUT_ELEMENT, "INFRA", 0.0456},
    };
    size_t nd = sizeof drv / sizeof drv[0];
    double sum_sq = 0;
    for (size_t i = 0; i < nd; i++)
        sum_sq += drv[i].rho * drv[i].rho;
    r->n_sensitivity = nd;
    r->sensitivity = calloc(nd, sizeof *r->sensitivity);
    r->n_tornado = nd;
    r->tornado = calloc(nd, sizeof *r->tornado);
    r->n_inputs = nd;
    r->inputs = calloc(nd, sizeof *r->inputs);
    double p50 = r->rows[CS_NOMINAL][0].p[3];
    for (size_t i = 0; i < nd; i++) {
        r->sensitivity[i] = (cs_sensitivity){drv[i].kind, 0, drv[i].input, drv[i].rho,
                                             drv[i].rho * drv[i].rho / sum_sq,
                                             drv[i].rho - 0.02, drv[i].rho + 0.02};
        r->inputs[i] = (cs_uncertain_input){drv[i].kind, 0, drv[i].input};
        double swing = drv[i].rho * 6.1e6;
        r->tornado[i] = (cs_tornado){drv[i].kind, drv[i].input, p50 - swing * 0.83,
                                     p50 + swing * 1.17, p50, fabs(swing) * 2};
    }
    static const cs_attribution attr[] = {
        {"element", 0.5012, 0.004, 0.49, 0.005, 0.52, 0.006},
        {"risk", 0.0633, 0.002, 0.06, 0.003, 0.07, 0.003},
        {"slip", 0.1401, 0.003, 0.13, 0.004, 0.15, 0.004},
        {"inflation", 0.0767, 0.002, 0.07, 0.003, 0.08, 0.003},
        {"fx", 0.2187, 0.003, 0.21, 0.004, 0.23, 0.004},
    };
    r->n_attribution = 5;
    r->attribution = malloc(sizeof attr);
    memcpy(r->attribution, attr, sizeof attr);

    /* Funding profile in constant money and the P80; the schedule (unit 1
     * in 2035 plus the slip, the last 16 years later), the joint
     * confidence and the allocation, as the engine would give them. */
    double **cons[6] = {&r->year_const_mean, &r->year_const_p10, &r->year_const_p50,
                        &r->year_const_p80, &r->year_const_p90, &r->year_p80};
    for (int k = 0; k < 6; k++)
        *cons[k] = malloc(45 * sizeof(double));
    for (int i = 0; i < 45; i++) {
        r->year_const_mean[i] = r->year_mean[i] * 0.8;
        r->year_const_p10[i] = r->year_p10[i] * 0.8;
        r->year_const_p50[i] = r->year_p50[i] * 0.8;
        r->year_const_p80[i] = r->year_mean[i] * 0.8 * 1.2;
        r->year_const_p90[i] = r->year_p90[i] * 0.8;
        r->year_p80[i] = r->year_mean[i] * 1.2;
    }
    m->has_schedule_target = true;
    m->schedule_target = 2036;
    r->has_schedule = true;
    r->trial_first_delivery = malloc(n * sizeof(int));
    uint64_t by_target = 0, joint = 0;
    for (size_t j = 0; j < n; j++) {
        r->trial_first_delivery[j] = 2035 + r->trial_slip[j];
        by_target += r->trial_first_delivery[j] <= 2036;
        joint += r->trial_first_delivery[j] <= 2036 && r->totals[CS_NOMINAL][j] <= m->budget;
    }
    r->schedule[0] = (cs_schedule_row){"first_delivery", 2036, 2036.4, 2035, 2036, 2037, 2038,
                                       true, 2036, (double)by_target / (double)n, 0, 0};
    cs_stats_wilson(by_target, n, &r->schedule[0].ci_low, &r->schedule[0].ci_high);
    r->schedule[1] = (cs_schedule_row){"last_delivery", 2052, 2052.4, 2051, 2052, 2053, 2054,
                                       false, 0, 0, 0, 0};
    r->has_joint = true;
    r->joint_confidence = (double)joint / (double)n;
    cs_stats_wilson(joint, n, &r->joint_ci[0], &r->joint_ci[1]);
    r->n_jcl = 19;
    r->jcl = calloc(19, sizeof *r->jcl);
    for (int k = 0; k < 19; k++)
        r->jcl[k] = (cs_jcl_row){2035, cs_results_scurve(r, CS_NOMINAL, 5 * (k + 1)),
                                 5 * (k + 1), 0.01 * (k + 1)};
    r->n_allocation = 2 * (r->n_rows - 1);
    r->allocation = calloc(r->n_allocation, sizeof *r->allocation);
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i + 1 < r->n_rows; i++) {
            const cs_summary_row *row = &r->rows[a][1 + i];
            r->allocation[a * (r->n_rows - 1) + i] = (cs_allocation_row){
                (cs_measure)a, row->level, row->id, row->name, row->point, row->mean,
                row->p[4]};
        }
    return x;
}

static inline void fx_free(fx_run *x)
{
    if (!x)
        return;
    cs_results_free(x->r);
    free(x);
}

#endif
