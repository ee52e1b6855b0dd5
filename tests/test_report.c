/* test_report: the reporters of docs/OUTPUTS.md on results built by hand —
 * exact summary.csv and the other run files, S-curve percentiles against hand
 * arithmetic, compare and sweep rows, JSON read back with jansson, formula
 * neutralisation and quoting of hostile names, and the terminal table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "costsim.h"
#include "compare.h"
#include "sweep.h"
#include "outdir.h"
#include "report.h"
#include "results.h"
#include "testutil.h"

/* ---- a small model: 2 phases, 2 elements, 1 risk, CAD base, KRW report */

static cs_currency currencies[] = {
    {.code = "CAD", .is_base = true, .rate = 1, .fx_model = CS_FX_FIXED},
    {.code = "KRW", .rate = 0.000983, .fx_model = CS_FX_GBM, .volatility = 0.07},
};
static char *phases[] = {"acquisition", "sustainment"};
static cs_element elements[] = {
    {.id = "hull", .name = "=HYPERLINK(\"x\")", .phase = 0, .currency = 1,
     .basis = CS_BASIS_PER_UNIT, .scale = 1, .learning = 0.9},
    {.id = "ops", .name = "@SUM(A1)", .phase = 1, .currency = 0,
     .basis = CS_BASIS_PER_UNIT_YEAR, .scale = 1, .learning = 1},
};
static cs_risk risks[] = {
    {.id = "weld", .name = "-1+2", .phase = 0, .currency = 1, .probability = 0.2, .scale = 1},
};
static char *warnings[] = {NULL};

static cs_model model = {
    .name = "Base, \"quoted\"\nscenario",
    .scenario_path = "scenarios/test.csv",
    .model_dir = "models/test",
    .trials = 5,
    .seed = UINT64_MAX,
    .base_year = 2026,
    .base_currency = 0,
    .report_currency = 1,
    .discount_rate = 0.03,
    .units = 12,
    .has_first_delivery = true,
    .first_delivery = 2032,
    .delivery_interval_milli = 1000,
    .build_years = 5,
    .service_life = 30,
    .slip = {.kind = CS_DIST_FIXED, .has_likely = true, .likely = 0},
    .default_correlation = 0.25,
    .elements = elements,
    .n_elements = 2,
    .risks = risks,
    .n_risks = 1,
    .currencies = currencies,
    .n_currencies = 2,
    .phases = phases,
    .n_phases = 2,
    .warnings = warnings,
    .n_warnings = 0,
    .budget_measure = CS_NOMINAL,
};

/* Trial totals: constant sorts to 1.5 2.25 3 10 11.75. */
static const double constant_totals[5] = {3, 1.5, 11.75, 2.25, 10};
static const double nominal_totals[5] = {1234567.5, 2345678.25, 1500000, 3000000.75, 1000000};
static const double pv_totals[5] = {2.5, 4.5, 6.5, 8.5, 0.5};

static double *copy_of(const double *x, size_t n, int sort)
{
    double *c = malloc(n * sizeof *c);
    memcpy(c, x, n * sizeof *c);
    if (sort) /* insertion sort: five values */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && c[j - 1] > c[j]; j--) {
                double t = c[j];
                c[j] = c[j - 1];
                c[j - 1] = t;
            }
    return c;
}

static cs_results *make_results(void)
{
    cs_results *r = calloc(1, sizeof *r);
    r->model = &model;
    r->trials = 5;
    r->trials_requested = model.trials;
    r->seed = model.seed;
    r->sensitivity_trials = 5;
    r->n_rows = 6;
    static const cs_level levels[6] = {CS_LEVEL_TOTAL,   CS_LEVEL_PHASE,   CS_LEVEL_PHASE,
                                       CS_LEVEL_ELEMENT, CS_LEVEL_ELEMENT, CS_LEVEL_RISK};
    const char *ids[6] = {"total", "acquisition", "sustainment", "hull", "ops", "weld"};
    const char *names[6] = {model.name, "acquisition", "sustainment",
                            elements[0].name, elements[1].name, risks[0].name};
    const double *totals[3] = {constant_totals, nominal_totals, pv_totals};
    for (int m = 0; m < CS_N_MEASURES; m++) {
        r->rows[m] = calloc(6, sizeof(cs_summary_row));
        for (int i = 0; i < 6; i++) {
            cs_summary_row *row = &r->rows[m][i];
            double base = 100.0 * m + 10.0 * i + 0.5;
            row->level = levels[i];
            row->id = ids[i];
            row->name = names[i];
            row->point = base;
            row->mean = base + 0.25;
            row->sd = 1.125;
            for (int k = 0; k < CS_N_SUMMARY_P; k++)
                row->p[k] = base - 3 + k;
            row->point_percentile = 10.0 * (i + 1) + 0.5;
        }
        r->totals[m] = copy_of(totals[m], 5, 0);
        r->sorted[m] = copy_of(totals[m], 5, 1);
    }
    /* The nominal total as the engine would have it (hand type-7 values). */
    cs_summary_row *nominal = &r->rows[CS_NOMINAL][0];
    nominal->point = 1400000;
    nominal->mean = 1816049.3;
    nominal->sd = 812345.5;
    const double p[7] = {1046913.5, 1093827, 1187654, 1500000, 2476542.75, 2738271.75, 2869136.25};
    memcpy(nominal->p, p, sizeof p);
    nominal->point_percentile = 40;

    r->mean_ci[0] = 1100000.25;
    r->mean_ci[1] = 2532098.35;
    r->p50_ci[0] = 1000000;
    r->p50_ci[1] = 3000000.75;
    r->p80_ci[0] = 1500000;
    r->p80_ci[1] = 3000000.75;

    r->first_year = 2030;
    r->n_years = 3;
    r->year_mean = copy_of((const double[]){1.5, 0, 2.75}, 3, 0);
    r->year_p10 = copy_of((const double[]){1, 0, 2}, 3, 0);
    r->year_p50 = copy_of((const double[]){1.25, 0, 2.5}, 3, 0);
    r->year_p90 = copy_of((const double[]){2, 0, 3.5}, 3, 0);
    r->year_p80 = copy_of((const double[]){1.75, 0, 3.25}, 3, 0);
    r->year_const_mean = copy_of((const double[]){1.25, 0, 2.5}, 3, 0);
    r->year_const_p10 = copy_of((const double[]){0.75, 0, 1.75}, 3, 0);
    r->year_const_p50 = copy_of((const double[]){1, 0, 2.25}, 3, 0);
    r->year_const_p80 = copy_of((const double[]){1.5, 0, 3}, 3, 0);
    r->year_const_p90 = copy_of((const double[]){1.75, 0, 3.25}, 3, 0);

    r->n_inputs = 2;
    r->inputs = calloc(2, sizeof(cs_uncertain_input));
    r->inputs[0] = (cs_uncertain_input){CS_INPUT_ELEMENT, 0, "hull"};
    r->inputs[1] = (cs_uncertain_input){CS_INPUT_FX, 1, "KRW"};
    r->n_sensitivity = 2;
    r->sensitivity = calloc(2, sizeof(cs_sensitivity));
    r->sensitivity[0] = (cs_sensitivity){CS_INPUT_ELEMENT, 0, "hull", 0.875, 0.75, 0.5, 0.9375};
    r->sensitivity[1] = (cs_sensitivity){CS_INPUT_FX, 1, "KRW", -0.5, 0.25, NAN, NAN};
    r->n_attribution = 2;
    r->attribution = calloc(2, sizeof(cs_attribution));
    r->attribution[0] = (cs_attribution){"element", 0.625, 0.0125, 0.5, 0.25, 0.75, 0.03125};
    r->attribution[1] = (cs_attribution){"fx", 0.375, 0.0125, 0.25, 0.0625, 0.5, 0.125};
    r->n_tornado = 1;
    r->tornado = calloc(1, sizeof(cs_tornado));
    r->tornado[0] =
        (cs_tornado){CS_INPUT_ELEMENT, "hull", 1250000.5, 1750000.25, 1500000, 499999.75};

    r->has_budget = true;
    r->budget = 2000000;
    r->budget_confidence = 0.6;
    r->budget_ci[0] = 0.5;
    r->budget_ci[1] = 0.6875;
    return r;
}

/* Calls write(f, r) into a memory buffer and returns the text. */
static char *capture(void (*write)(FILE *, const cs_results *), const cs_results *r)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    write(f, r);
    assert_int_equal(fclose(f), 0);
    return text;
}

static char *capture_json(const cs_results *r)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    assert_int_equal(cs_report_json(f, r, NULL), 0);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* ------------------------------------------------------------- tests */

static const char expected_summary[] =
    "measure,level,id,name,currency,point,mean,sd,cv,p5,p10,p20,p50,p80,p90,p95,point_percentile\n"
    "constant,total,total,\"Base, \"\"quoted\"\"\nscenario\",KRW,0.5,0.75,1.125,1.5,-2.5,-1.5,-0.5,0.5,1.5,2.5,3.5,10.5\n"
    "constant,phase,acquisition,acquisition,KRW,10.5,10.75,1.125,0.10465116279069768,7.5,8.5,9.5,10.5,11.5,12.5,13.5,20.5\n"
    "constant,phase,sustainment,sustainment,KRW,20.5,20.75,1.125,0.05421686746987952,17.5,18.5,19.5,20.5,21.5,22.5,23.5,30.5\n"
    "constant,element,hull,\"'=HYPERLINK(\"\"x\"\")\",KRW,30.5,30.75,1.125,0.036585365853658534,27.5,28.5,29.5,30.5,31.5,32.5,33.5,40.5\n"
    "constant,element,ops,'@SUM(A1),KRW,40.5,40.75,1.125,0.027607361963190184,37.5,38.5,39.5,40.5,41.5,42.5,43.5,50.5\n"
    "constant,risk,weld,'-1+2,KRW,50.5,50.75,1.125,0.022167487684729065,47.5,48.5,49.5,50.5,51.5,52.5,53.5,60.5\n"
    "nominal,total,total,\"Base, \"\"quoted\"\"\nscenario\",KRW,1400000,1816049.3,812345.5,0.4473146736710286,1046913.5,1093827,1187654,1500000,2476542.75,2738271.75,2869136.25,40\n"
    "nominal,phase,acquisition,acquisition,KRW,110.5,110.75,1.125,0.010158013544018058,107.5,108.5,109.5,110.5,111.5,112.5,113.5,20.5\n"
    "nominal,phase,sustainment,sustainment,KRW,120.5,120.75,1.125,0.009316770186335404,117.5,118.5,119.5,120.5,121.5,122.5,123.5,30.5\n"
    "nominal,element,hull,\"'=HYPERLINK(\"\"x\"\")\",KRW,130.5,130.75,1.125,0.008604206500956023,127.5,128.5,129.5,130.5,131.5,132.5,133.5,40.5\n"
    "nominal,element,ops,'@SUM(A1),KRW,140.5,140.75,1.125,0.007992895204262877,137.5,138.5,139.5,140.5,141.5,142.5,143.5,50.5\n"
    "nominal,risk,weld,'-1+2,KRW,150.5,150.75,1.125,0.007462686567164179,147.5,148.5,149.5,150.5,151.5,152.5,153.5,60.5\n"
    "pv,total,total,\"Base, \"\"quoted\"\"\nscenario\",KRW,200.5,200.75,1.125,0.00560398505603985,197.5,198.5,199.5,200.5,201.5,202.5,203.5,10.5\n"
    "pv,phase,acquisition,acquisition,KRW,210.5,210.75,1.125,0.005338078291814947,207.5,208.5,209.5,210.5,211.5,212.5,213.5,20.5\n"
    "pv,phase,sustainment,sustainment,KRW,220.5,220.75,1.125,0.005096262740656852,217.5,218.5,219.5,220.5,221.5,222.5,223.5,30.5\n"
    "pv,element,hull,\"'=HYPERLINK(\"\"x\"\")\",KRW,230.5,230.75,1.125,0.004875406283856988,227.5,228.5,229.5,230.5,231.5,232.5,233.5,40.5\n"
    "pv,element,ops,'@SUM(A1),KRW,240.5,240.75,1.125,0.004672897196261682,237.5,238.5,239.5,240.5,241.5,242.5,243.5,50.5\n"
    "pv,risk,weld,'-1+2,KRW,250.5,250.75,1.125,0.00448654037886341,247.5,248.5,249.5,250.5,251.5,252.5,253.5,60.5\n";

static void summary_csv_exact(void **state)
{
    (void)state;
    cs_results *r = make_results();
    char *text = capture(cs_report_summary_csv, r);
    assert_string_equal(text, expected_summary);
    free(text);
    cs_results_free(r);
}

static void small_files_exact(void **state)
{
    (void)state;
    cs_results *r = make_results();
    char *text = capture(cs_report_by_year_csv, r);
    assert_string_equal(text, "year,constant_mean,constant_p10,constant_p50,constant_p80,"
                              "constant_p90,nominal_mean,nominal_p10,nominal_p50,nominal_p80,"
                              "nominal_p90\n"
                              "2030,1.25,0.75,1,1.5,1.75,1.5,1,1.25,1.75,2\n"
                              "2031,0,0,0,0,0,0,0,0,0,0\n"
                              "2032,2.5,1.75,2.25,3,3.25,2.75,2,2.5,3.25,3.5\n");
    free(text);
    text = capture(cs_report_sensitivity_csv, r);
    assert_string_equal(text, "input,kind,rank_correlation,ci_low,ci_high,rho2_share\n"
                              "hull,element,0.875,0.5,0.9375,0.75\n"
                              "KRW,fx,-0.5,,,0.25\n");
    free(text);
    text = capture(cs_report_budget_csv, r);
    assert_string_equal(text, "budget,confidence,ci_low,ci_high\n2000000,0.6,0.5,0.6875\n");
    free(text);
    text = capture(cs_report_attribution_csv, r);
    assert_string_equal(text, "source,shapley_share,shapley_se,first_order,first_order_se,"
                              "total_effect,total_effect_se\n"
                              "element,0.625,0.0125,0.5,0.25,0.75,0.03125\n"
                              "fx,0.375,0.0125,0.25,0.0625,0.5,0.125\n");
    free(text);
    text = capture(cs_report_tornado_csv, r);
    assert_string_equal(text, "input,kind,low,high,p50,swing\n"
                              "hull,element,1250000.5,1750000.25,1500000,499999.75\n");
    free(text);

    /* Without --trials-out only the header is written. */
    text = capture(cs_report_trials_csv, r);
    assert_string_equal(text, "trial,constant,nominal,pv,slip,first_delivery,nominal.acquisition,"
                              "nominal.sustainment\n");
    free(text);
    r->has_trials = true;
    r->trial_slip = calloc(5, sizeof(int));
    r->trial_slip[2] = 3;
    r->trial_phase_nominal = calloc(10, sizeof(double));
    for (int j = 0; j < 5; j++) {
        r->trial_phase_nominal[2 * j] = nominal_totals[j] - 0.5;
        r->trial_phase_nominal[2 * j + 1] = 0.5;
    }
    text = capture(cs_report_trials_csv, r);
    assert_string_equal(text, "trial,constant,nominal,pv,slip,first_delivery,nominal.acquisition,"
                              "nominal.sustainment\n"
                              "1,3,1234567.5,2.5,0,,1234567,0.5\n"
                              "2,1.5,2345678.25,4.5,0,,2345677.75,0.5\n"
                              "3,11.75,1500000,6.5,3,,1499999.5,0.5\n"
                              "4,2.25,3000000.75,8.5,0,,3000000.25,0.5\n"
                              "5,10,1000000,0.5,0,,999999.5,0.5\n");
    free(text);
    cs_results_free(r);
}

/* Type 7, h = (n-1) p, on the five sorted totals, worked by hand. */
static void scurve_percentiles(void **state)
{
    (void)state;
    cs_results *r = make_results();
    static const struct {
        int pct;
        double constant, nominal, pv;
    } hand[] = {
        {1, 1.53, 1009382.7, 0.58},       /* h = 0.04 */
        {25, 2.25, 1234567.5, 2.5},       /* h = 1 exactly */
        {29, 2.37, 1277036.7, 2.82},      /* h = 1.16 */
        {30, 2.4, 1287654, 2.9},          /* h = 1.2: 2.25 + 0.2 * 0.75 */
        {50, 3, 1500000, 4.5},            /* h = 2 */
        {75, 10, 2345678.25, 6.5},        /* h = 3 */
        {80, 10.35, 2476542.75, 6.9},     /* h = 3.2 */
        {99, 11.68, 2973827.85, 8.42},    /* h = 3.96 */
    };
    for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++) {
        double got[3] = {cs_results_scurve(r, CS_CONSTANT, hand[i].pct),
                         cs_results_scurve(r, CS_NOMINAL, hand[i].pct),
                         cs_results_scurve(r, CS_PV, hand[i].pct)};
        double want[3] = {hand[i].constant, hand[i].nominal, hand[i].pv};
        for (int m = 0; m < 3; m++)
            if (fabs(got[m] - want[m]) > 1e-13 * fmax(1, fabs(want[m])))
                fail_msg("pct %d measure %d: got %.17g, want %.17g", hand[i].pct, m, got[m],
                         want[m]);
    }
    /* Whole ranks give the order statistic itself, bit for bit. */
    assert_close(cs_results_scurve(r, CS_CONSTANT, 25), 2.25, 0);
    assert_close(cs_results_scurve(r, CS_NOMINAL, 75), 2345678.25, 0);

    char *text = capture(cs_report_scurve_csv, r);
    assert_memory_equal(text, "percentile,constant,nominal,pv\n1,", 33);
    assert_non_null(strstr(text, "\n25,2.25,1234567.5,2.5\n"));
    assert_non_null(strstr(text, "\n50,3,1500000,4.5\n"));
    assert_non_null(strstr(text, "\n75,10,2345678.25,6.5\n"));
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 100);
    /* Every row reads back to the same doubles cs_results_scurve gives. */
    const char *line = text;
    for (int pct = 1; pct <= 99; pct++) {
        line = strchr(line, '\n') + 1;
        char *end;
        assert_int_equal(strtol(line, &end, 10), pct);
        for (int m = 0; m < 3; m++) {
            assert_int_equal(*end, ',');
            double x = strtod(end + 1, &end);
            assert_close(x, cs_results_scurve(r, (cs_measure)m, pct), 0);
        }
    }
    free(text);

    /* One trial: every percentile is that trial. */
    r->trials = 1;
    assert_close(cs_results_scurve(r, CS_PV, 1), 0.5, 0);
    assert_close(cs_results_scurve(r, CS_PV, 99), 0.5, 0);
    cs_results_free(r);
}

static void compare_rows(void **state)
{
    (void)state;
    cs_results *a = make_results(), *b = make_results();
    /* B - A: constant -1 0.5 2 0 3.25 (sorted -1 0 0.5 2 3.25); nominal 0;
     * pv +1 in every trial. */
    const double constant_diff[5] = {-1, 0.5, 2, 0, 3.25};
    for (int j = 0; j < 5; j++) {
        b->totals[CS_CONSTANT][j] += constant_diff[j];
        b->totals[CS_PV][j] += 1;
    }
    cs_compare_row rows[CS_N_MEASURES];
    assert_int_equal(cs_compare_rows(a, b, rows, NULL), CS_OK);
    assert_true(fabs(rows[CS_CONSTANT].mean_diff - 0.95) < 1e-15);
    assert_true(fabs(rows[CS_CONSTANT].p10 - -0.6) < 1e-15);   /* h = 0.4 */
    assert_close(rows[CS_CONSTANT].p50, 0.5, 0);                 /* h = 2 */
    assert_true(fabs(rows[CS_CONSTANT].p90 - 2.75) < 1e-15);   /* h = 3.6 */
    assert_true(rows[CS_CONSTANT].p_b_gt_a == 0.6);            /* equal is not greater */
    assert_true(rows[CS_NOMINAL].mean_diff == 0 && rows[CS_NOMINAL].p_b_gt_a == 0);
    assert_true(rows[CS_PV].mean_diff == 1 && rows[CS_PV].p_b_gt_a == 1);
    /* Wilson 95% interval of 3 in 5, by hand: (0.6 + z^2/10 -/+ z sqrt(0.048 +
     * z^2/100)) / (1 + z^2/5). */
    double z = 1.96, den = 1 + z * z / 5, mid = (0.6 + z * z / 10) / den;
    double half = z * sqrt(0.6 * 0.4 / 5 + z * z / 100) / den;
    assert_true(fabs(rows[CS_CONSTANT].ci_low - (mid - half)) < 1e-15);
    assert_true(fabs(rows[CS_CONSTANT].ci_high - (mid + half)) < 1e-15);
    assert_true(rows[CS_PV].ci_high == 1 && rows[CS_NOMINAL].ci_low == 0);

    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    rows[CS_CONSTANT].ci_low = 0.25;
    rows[CS_CONSTANT].ci_high = 0.875;
    rows[CS_NOMINAL].ci_high = 0.5;
    rows[CS_PV].ci_low = 0.5;
    cs_report_compare_csv(f, rows);
    fclose(f);
    assert_string_equal(text, "measure,mean_diff,p10,p50,p90,p_b_gt_a,ci_low,ci_high\n"
                              "constant,0.95,-0.6,0.5,2.75,0.6,0.25,0.875\n"
                              "nominal,0,0,0,0,0,0,0.5\n"
                              "pv,1,1,1,1,1,0.5,1\n");
    free(text);

    f = open_memstream(&text, &size);
    cs_report_compare_table(f, a, b, rows);
    fclose(f);
    assert_non_null(strstr(text, "Difference B - A"));
    assert_non_null(strstr(text, "60.0%"));
    assert_non_null(strstr(text, "1,500,000")); /* the nominal P50s */
    free(text);

    f = open_memstream(&text, &size);
    assert_int_equal(cs_report_compare_json(f, a, b, rows, NULL), 0);
    fclose(f);
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    assert_non_null(root);
    json_t *settings_a = json_object_get(json_object_get(root, "a"), "settings");
    assert_string_equal(json_string_value(json_object_get(settings_a, "seed")),
                        "18446744073709551615");
    assert_non_null(json_object_get(json_object_get(root, "b"), "summary"));
    json_t *constant = json_array_get(json_object_get(root, "compare"), 0);
    assert_string_equal(json_string_value(json_object_get(constant, "measure")), "constant");
    assert_true(json_real_value(json_object_get(constant, "p_b_gt_a")) == 0.6);
    assert_true(json_real_value(json_object_get(constant, "ci_high")) == 0.875);
    assert_non_null(json_object_get(root, "streams"));
    assert_true(json_real_value(json_object_get(constant, "mean_diff")) == rows[0].mean_diff);
    json_decref(root);
    free(text);

    /* Different trial counts cannot be paired. */
    b->trials = 4;
    cs_diag *d = cs_diag_alloc();
    assert_int_equal(cs_compare_rows(a, b, rows, d), CS_E_INPUT);
    assert_int_equal(cs_diag_count(d), 1);
    assert_non_null(strstr(cs_diag_get(d, 0)->message, "same number"));
    cs_diag_free(d);
    cs_results_free(a);
    cs_results_free(b);
}

static void sweep_rows(void **state)
{
    (void)state;
    cs_results *r1 = make_results(), *r2 = make_results();
    r2->rows[CS_NOMINAL][0].mean = 2000000.5;
    r2->budget_confidence = 0.2;
    const char *const keys[] = {"element.hull.scale", "discount_rate", "correlation_repair"};
    const char *const values[] = {"0.85", "0", "no", "0.950", "-0.01", "=cmd"};
    cs_sweep_row results[2];
    cs_sweep_row_of(r1, &results[0]);
    cs_sweep_row_of(r2, &results[1]);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    cs_report_sweep_csv(f, keys, 3, values, results, 2);
    fclose(f);
    assert_string_equal(
        text,
        "element.hull.scale,discount_rate,correlation_repair,constant_mean,constant_p50,"
        "constant_p80,constant_p90,nominal_mean,nominal_p50,nominal_p80,nominal_p90,pv_mean,"
        "pv_p50,pv_p80,pv_p90,budget_confidence\n"
        "0.85,0,no,0.75,0.5,1.5,2.5,1816049.3,1500000,2476542.75,2738271.75,200.75,200.5,201.5,"
        "202.5,0.6\n"
        "0.95,-0.01,'=cmd,0.75,0.5,1.5,2.5,2000000.5,1500000,2476542.75,2738271.75,200.75,200.5,"
        "201.5,202.5,0.2\n");
    free(text);

    /* No budget: no budget_confidence column. */
    r1->has_budget = r2->has_budget = false;
    cs_sweep_row_of(r1, &results[0]);
    cs_sweep_row_of(r2, &results[1]);
    f = open_memstream(&text, &size);
    cs_report_sweep_csv(f, keys, 1, (const char *const[]){"18446744073709551615", "1e3"},
                        results, 2);
    fclose(f);
    /* numbers of a key that takes numbers in their shortest form */
    assert_non_null(strstr(text, "pv_p90\n1.8446744073709552e+19,"));
    assert_non_null(strstr(text, ",202.5\n1000,"));
    free(text);
    cs_results_free(r1);
    cs_results_free(r2);
}

/* Terminal columns of the UTF-8 text [s, end) for the characters
 * sweep_table_wide_text uses: U+1F6A2 and Hangul syllables take two, a
 * combining acute accent none, ASCII one. */
static int test_columns(const char *s, const char *end)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)end;) {
        if (p[0] == 0xf0 || p[0] == 0xed || p[0] == 0xea) { /* 🚢, 한, 글 */
            w += 2;
            p += p[0] == 0xf0 ? 4 : 3;
        } else if (p[0] == 0xcc) { /* U+0301 */
            p += 2;
        } else {
            w++;
            p++;
        }
    }
    return w;
}

/* The sweep table counts terminal columns, not bytes or characters:
 * an emoji (U+1F6A2, East Asian wide) takes two, Hangul two, a combining
 * accent none, so every row's numbers start in the same column; a value
 * wider than the 47-column limit is cut with "..." on a character. */
static void sweep_table_wide_text(void **state)
{
    (void)state;
    cs_results *r = make_results();
    cs_sweep_row rows[4];
    for (int i = 0; i < 4; i++)
        cs_sweep_row_of(r, &rows[i]);
    char ships[4 * 30 + 1] = "";
    for (int i = 0; i < 30; i++)
        strcat(ships, "\xf0\x9f\x9a\xa2"); /* 60 columns */
    const char *const keys[] = {"name"};
    const char *const values[] = {"\xf0\x9f\x9a\xa2\xf0\x9f\x9a\xa2xy", /* 6 columns */
                                  "\xed\x95\x9c\xea\xb8\x80" "ab",         /* 6 columns */
                                  "e\xcc\x81" "abcde",                      /* 6 columns */
                                  ships};
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    cs_report_sweep_table(f, "s", "KRW", keys, 1, values, rows, 4);
    fclose(f);
    /* The constant block: the header and four rows, every mean (0.75) in
     * the header's "Mean" column, ending at the same terminal column. */
    const char *head = strstr(text, "\nname");
    assert_non_null(head);
    head++;
    const char *mean = strstr(head, "Mean");
    int end_col = test_columns(head, mean) + 4;
    const char *line = strchr(head, '\n') + 1;
    for (int i = 0; i < 4; i++) {
        const char *at = strstr(line, "0.75");
        assert_non_null(at);
        assert_true(at < strchr(line, '\n'));
        assert_int_equal(test_columns(line, at) + 4, end_col);
        line = strchr(line, '\n') + 1;
    }
    /* the long value: 22 ships (44 columns) and "...", 47 columns */
    char cut[4 * 22 + 8] = "\n";
    for (int i = 0; i < 22; i++)
        strcat(cut, "\xf0\x9f\x9a\xa2");
    strcat(cut, "...  ");
    assert_non_null(strstr(text, cut));
    free(text);
    cs_results_free(r);
}

static void json_round_trip(void **state)
{
    (void)state;
    cs_results *r = make_results();
    /* A zero that came out negative (an amount scaled to 0 with a negative
     * draw) is 0 in JSON, as in the CSV files, not -0.0. */
    r->rows[CS_CONSTANT][1].point = -0.0;
    char *text = capture_json(r);
    assert_null(strstr(text, "-0.0"));
    assert_int_equal(text[strlen(text) - 1], '\n');
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    if (!root)
        fail_msg("JSON does not parse: %s at line %d", error.text, error.line);

    assert_string_equal(json_string_value(json_object_get(root, "scenario")), model.name);
    assert_string_equal(json_string_value(json_object_get(root, "model")), "models/test");
    json_t *settings = json_object_get(root, "settings");
    assert_true(json_is_string(json_object_get(settings, "seed")));
    assert_string_equal(json_string_value(json_object_get(settings, "seed")), "18446744073709551615");
    assert_int_equal(json_integer_value(json_object_get(settings, "trials")), 5);
    assert_int_equal(json_integer_value(json_object_get(settings, "base_year")), 2026);
    assert_string_equal(json_string_value(json_object_get(settings, "report_currency")), "KRW");
    assert_string_equal(json_string_value(json_object_get(settings, "base_currency")), "CAD");
    assert_close(json_real_value(json_object_get(settings, "discount_rate")), 0.03, 0);
    assert_int_equal(json_integer_value(json_object_get(settings, "sensitivity_trials")), 5);

    json_t *summary = json_object_get(root, "summary");
    assert_int_equal(json_array_size(summary), 18);
    for (size_t k = 0; k < 18; k++) {
        json_t *row = json_array_get(summary, k);
        const cs_summary_row *want = &r->rows[k / 6][k % 6];
        assert_string_equal(json_string_value(json_object_get(row, "measure")),
                            cs_results_measure_name((cs_measure)(k / 6)));
        assert_string_equal(json_string_value(json_object_get(row, "id")), want->id);
        assert_string_equal(json_string_value(json_object_get(row, "name")), want->name);
        assert_string_equal(json_string_value(json_object_get(row, "currency")), "KRW");
        assert_close(json_number_value(json_object_get(row, "point")), want->point, 0);
        assert_close(json_number_value(json_object_get(row, "mean")), want->mean, 0);
        assert_close(json_number_value(json_object_get(row, "sd")), want->sd, 0);
        for (int p = 0; p < CS_N_SUMMARY_P; p++)
            assert_close(json_number_value(json_object_get(row, cs_results_summary_p_names[p])),
                         want->p[p], 0);
        assert_close(json_number_value(json_object_get(row, "point_percentile")),
                     want->point_percentile, 0);
    }
    json_t *ci = json_object_get(root, "intervals");
    assert_close(json_real_value(json_array_get(json_object_get(ci, "nominal_mean"), 1)), 2532098.35, 0);
    assert_true(json_is_null(json_object_get(ci, "precision")));
    assert_true(json_is_null(json_object_get(ci, "precision_met"))); /* no target */
    assert_int_equal(json_array_size(json_object_get(root, "by_year")), 3);
    json_t *driver = json_array_get(json_object_get(root, "sensitivity"), 1);
    assert_string_equal(json_string_value(json_object_get(driver, "kind")), "fx");
    assert_true(json_real_value(json_object_get(driver, "rank_correlation")) == -0.5);
    assert_true(json_is_null(json_object_get(driver, "ci_low")));
    driver = json_array_get(json_object_get(root, "sensitivity"), 0);
    assert_true(json_real_value(json_object_get(driver, "ci_high")) == 0.9375);
    assert_true(json_real_value(json_object_get(driver, "rho2_share")) == 0.75);
    json_t *attr = json_object_get(root, "attribution");
    assert_int_equal(json_array_size(attr), 2);
    assert_true(json_real_value(json_object_get(json_array_get(attr, 0), "total_effect_se")) ==
                0.03125);
    json_t *torn = json_object_get(root, "tornado");
    assert_int_equal(json_array_size(torn), 1);
    assert_true(json_real_value(json_object_get(json_array_get(torn, 0), "swing")) == 499999.75);
    json_t *budgets = json_object_get(root, "budget");
    assert_int_equal(json_array_size(budgets), 1);
    json_t *budget = json_array_get(budgets, 0);
    assert_true(json_real_value(json_object_get(budget, "budget")) == 2000000);
    assert_true(json_real_value(json_object_get(budget, "confidence")) == 0.6);
    assert_true(json_real_value(json_object_get(budget, "ci_low")) == 0.5);
    assert_true(json_real_value(json_object_get(budget, "ci_high")) == 0.6875);
    assert_null(json_object_get(root, "correlation_repair_max_change"));
    json_decref(root);
    free(text);

    /* Without a budget: no budget key; with a repaired matrix: its largest change. */
    r->has_budget = false;
    model.corr_repaired = true;
    model.corr_repair_max_change = 0.0123;
    text = capture_json(r);
    model.corr_repaired = false;
    root = json_loads(text, 0, &error);
    assert_non_null(root);
    assert_null(json_object_get(root, "budget"));
    assert_true(json_real_value(json_object_get(root, "correlation_repair_max_change")) == 0.0123);
    json_decref(root);
    free(text);

    /* A path from the command line that is not UTF-8 still gives valid
     * JSON, the bad byte shown as U+FFFD. */
    char *path = model.scenario_path;
    model.scenario_path = "scen\xff" "arios/t\xc3" ".csv";
    text = capture_json(r);
    model.scenario_path = path;
    root = json_loads(text, 0, &error);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "scenario_path")),
                        "scen\xef\xbf\xbd" "arios/t\xef\xbf\xbd" ".csv");
    json_decref(root);
    free(text);
    cs_results_free(r);
}

static void table_for_analysts(void **state)
{
    (void)state;
    cs_results *r = make_results();
    char *text = capture(cs_report_table, r);
    /* P50 and P80 of the nominal total, with thousands separators. */
    assert_non_null(strstr(text, "1,500,000"));
    assert_non_null(strstr(text, "2,476,543"));
    assert_non_null(strstr(text, "Total, Nominal (then-year) KRW millions: P50 1,500,000, P80 2,476,543"));
    assert_non_null(strstr(text, "\nNominal (then-year) KRW millions\n"));
    assert_non_null(strstr(text, "\nConstant 2026 KRW millions\n"));
    assert_non_null(strstr(text, "\nPresent value (discounted at 3%, 2026) KRW millions\n"));
    assert_non_null(strstr(text, "Point estimate is at the P40 of the nominal total"));
    assert_non_null(strstr(text, "Budget 2,000,000 KRW millions, nominal: confidence 60.0% "
                                 "(95% interval 50.0% to 68.8%)"));
    /* Tornado by swing, Shapley shares with their standard errors. */
    assert_non_null(strstr(text, "Tornado: nominal P50 with one input at its low / high"));
    assert_non_null(strstr(text, "         500,000\n")); /* the swing 499,999.75, rounded as the table */
    assert_non_null(strstr(text, "62.5% \xc2\xb1 1.2"));
    assert_non_null(strstr(text, "[0.500, 0.938]"));
    assert_non_null(strstr(text, "Seed:           18446744073709551615"));
    /* cv = sd / mean of each total: 1.125 / 0.75, 812345.5 / 1816049.3,
     * 1.125 / 200.75 */
    assert_non_null(strstr(text, "Spread of the total (cv = sd / mean): constant 150.0%, "
                                 "nominal 44.7%, pv 0.6%\n"));
    assert_null(strstr(text, "First delivery:")); /* no schedule in this run */
    assert_non_null(strstr(text, "hull"));
    /* The scenario name's newline cannot break the layout. */
    assert_non_null(strstr(text, "Scenario:       Base, \"quoted\"?scenario\n"));
    /* Readable at 100 columns. */
    size_t width = 0;
    for (const char *c = text; *c; c++) {
        if (*c == '\n') {
            if (width > 100)
                fail_msg("line of %zu columns in:\n%s", width, text);
            width = 0;
        } else if (((unsigned char)*c & 0xc0) != 0x80) {
            width++;
        }
    }
    /* The numbers right-aligned: the Total row ends with its percentile. */
    assert_non_null(strstr(text, "2,738,272       P40\n"));
    free(text);
    cs_results_free(r);
}

/* The simulation's intervals are rounded outwards at every scale, to the
 * second significant digit of their half-width: by hand, [6.98573, 7.01906]
 * has half-width 0.0167, so thousandths: 6.985 to 7.020 (to nearest would
 * give 6.986 to 7.019, narrower than the interval). Ends already on the
 * step stay put; a wide interval rounds to tens of thousands. */
static void table_intervals_outwards(void **state)
{
    (void)state;
    cs_results *r = make_results();
    r->mean_ci[0] = 6.9857323255864054;
    r->mean_ci[1] = 7.01906439085825;
    r->p50_ci[0] = 6.985; /* half-width 0.0175: on the step already */
    r->p50_ci[1] = 7.02;
    r->p80_ci[0] = 116992404.9; /* half-width 400,590: tens of thousands */
    r->p80_ci[1] = 117793585.7;
    char *text = capture(cs_report_table, r);
    assert_non_null(strstr(text, "  nominal mean  6.985 to 7.020\n"));
    assert_non_null(strstr(text, "  nominal P50   6.985 to 7.020\n"));
    assert_non_null(strstr(text, "  nominal P80   116,990,000 to 117,800,000\n"));
    free(text);
    r->mean_ci[0] = 547.489; /* half-width 3.27: tenths */
    r->mean_ci[1] = 554.02;
    text = capture(cs_report_table, r);
    assert_non_null(strstr(text, "  nominal mean  547.4 to 554.1\n"));
    free(text);
    cs_results_free(r);
}

/* A share that is not 0 or 1 never prints as 0.0% or 100.0% on the
 * terminal: it gets two significant digits of its distance to 0 or 100
 * (0.9995 is 99.950%, 0.999999 is 99.99990%, 6.8e-6 is 0.00068%); one
 * decimal otherwise. */
static void table_shares_never_at_the_ends(void **state)
{
    (void)state;
    cs_results *r = make_results();
    r->budget_confidence = 0.9995;
    r->budget_ci[0] = 0.997;
    r->budget_ci[1] = 0.999912;
    r->attribution[0] = (cs_attribution){"element", 0.999999, 0.0125, 0.0000068, 0, 1, 0};
    r->sensitivity[0].rho2_share = 0.99951;
    char *text = capture(cs_report_table, r);
    assert_non_null(strstr(text, "confidence 99.950% (95% interval 99.7% to 99.9912%)"));
    assert_non_null(strstr(text, "99.99990% \xc2\xb1 1.2"));
    assert_non_null(strstr(text, "0.00068%"));
    assert_non_null(strstr(text, "100.0%\n")); /* exactly 1 */
    assert_non_null(strstr(text, "99.951%\n"));
    assert_null(strstr(text, "100.0% \xc2\xb1"));
    free(text);
    cs_results_free(r);
}

static void run_files_in_outdir(void **state)
{
    (void)state;
    cs_results *r = make_results();
    char *dir = tu_mkdtemp();
    /* an earlier comparison's and sweep's files, and the user's own */
    free(tu_write(dir, "compare.csv", "earlier\n"));
    free(tu_write(dir, "sweep.csv", "earlier\n"));
    free(tu_write(dir, "notes.txt", "mine\n"));
    char *sub = tu_path(dir, "a");
    assert_int_equal(mkdir(sub, 0755), 0);
    free(tu_write(sub, "summary.csv", "earlier\n"));
    cs_diag *diag = cs_diag_alloc();
    cs_outdir *o = cs_outdir_open(dir, cs_report_run_files, diag);
    assert_non_null(o);
    assert_int_equal(cs_report_write_run_files(o, "", r, diag), 0);
    assert_int_equal(cs_outdir_commit(o, diag), 0);

    char path[4096];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    char *text = tu_read(path, NULL);
    assert_non_null(text);
    assert_string_equal(text, expected_summary);
    free(text);
    /* a run's files are written; every other file is left alone */
    static const char *const written[] = {"by_year.csv", "scurve.csv", "sensitivity.csv",
                                          "attribution.csv", "tornado.csv", "budget.csv",
                                          "notes.txt", "compare.csv", "sweep.csv",
                                          "a/summary.csv"};
    for (size_t i = 0; i < sizeof written / sizeof written[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, written[i]);
        text = tu_read(path, NULL);
        if (!text)
            fail_msg("%s missing", written[i]);
        free(text);
    }
    snprintf(path, sizeof path, "%s/trials.csv", dir);
    assert_null(tu_read(path, NULL));

    /* A second run without a budget removes budget.csv. */
    r->has_budget = false;
    o = cs_outdir_open(dir, cs_report_run_files, diag);
    assert_non_null(o);
    assert_int_equal(cs_report_write_run_files(o, "", r, diag), 0);
    assert_int_equal(cs_outdir_commit(o, diag), 0);
    snprintf(path, sizeof path, "%s/budget.csv", dir);
    assert_null(tu_read(path, NULL));

    /* A comparison writes under a/ (and b/); the run files in DIR itself
     * are stale beside it and go, as does an earlier compare.csv it does
     * not write; sweep.csv stays. */
    o = cs_outdir_open(dir, cs_report_compare_files, diag);
    assert_non_null(o);
    assert_int_equal(cs_report_write_run_files(o, "a/", r, diag), 0);
    assert_int_equal(cs_outdir_commit(o, diag), 0);
    snprintf(path, sizeof path, "%s/a/summary.csv", dir);
    text = tu_read(path, NULL);
    assert_non_null(text);
    free(text);
    static const char *const gone[] = {"summary.csv", "compare.csv"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, gone[i]);
        text = tu_read(path, NULL);
        if (text)
            fail_msg("%s should not be there", gone[i]);
    }
    snprintf(path, sizeof path, "%s/sweep.csv", dir);
    text = tu_read(path, NULL);
    assert_non_null(text);
    free(text);

    assert_int_equal(cs_diag_count(diag), 0);
    cs_diag_free(diag);
    free(sub);
    tu_rmtree(dir);
    free(dir);
    cs_results_free(r);
}

static void managed_list_complete(void **state)
{
    (void)state;
    static const char *const want[] = {
        "summary.csv",   "by_year.csv",     "scurve.csv",  "sensitivity.csv", "budget.csv",
        "attribution.csv", "tornado.csv",   "trials.csv",  "compare.csv",     "streams.csv",
        "report.html",   "results.xlsx",    "a/summary.csv", "b/trials.csv",  "a/report.html",
        "b/results.xlsx",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool found = false;
        for (size_t k = 0; cs_report_compare_files[k]; k++)
            found = found || strcmp(cs_report_compare_files[k], want[i]) == 0;
        if (!found)
            fail_msg("%s not managed", want[i]);
    }
    /* a run leaves a comparison's and a sweep's files alone */
    for (size_t k = 0; cs_report_run_files[k]; k++)
        assert_true(strcmp(cs_report_run_files[k], "compare.csv") &&
                    strcmp(cs_report_run_files[k], "sweep.csv") &&
                    strncmp(cs_report_run_files[k], "a/", 2));
    assert_string_equal(cs_results_measure_name(CS_PV), "pv");
    assert_string_equal(cs_results_input_kind_name(CS_INPUT_INFLATION), "inflation");
    assert_string_equal(cs_results_summary_p_names[6], "p95");
    assert_close(cs_results_summary_p[4], 0.8, 0);
    cs_results_free(NULL);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_csv_exact),   cmocka_unit_test(small_files_exact),
        cmocka_unit_test(scurve_percentiles),  cmocka_unit_test(compare_rows),
        cmocka_unit_test(sweep_rows),          cmocka_unit_test(sweep_table_wide_text),
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(table_for_analysts),  cmocka_unit_test(table_intervals_outwards),
        cmocka_unit_test(table_shares_never_at_the_ends),
        cmocka_unit_test(run_files_in_outdir), cmocka_unit_test(managed_list_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
