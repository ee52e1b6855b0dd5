/* test_engine: the Monte Carlo engine (docs/METHOD.md) against values worked
 * out independently: by hand with pow() for fixed models (funding profiles,
 * per_year, learning curves, service years, slip, hedges, reporting in a
 * foreign currency), closed-form means, variances and quantiles for the
 * statistical checks (tolerance: 4 standard errors from the closed-form
 * variance, fixed seed), the point estimate, thread-count invariance,
 * common random numbers, attribution and tornado, and a run-time schedule
 * error.
 *
 * Every case writes its scenario and model into a temporary directory,
 * loads it with cs_loader_load and runs cs_engine_run. Trial counts are
 * small; the 100 000-trial checks live in test_engine_heavy.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>

#include "costsim.h"
#include "engine_fixture.h"
#include "stats.h"

#define ELEMENT_HEADER                                                                    \
    "id,name,phase,currency,basis,dist,low,likely,high,start,end,profile,learning\n"
#define CURRENCY_HEADER                                                                   \
    "currency,rate,fx_model,drift,volatility,reversion,hedge_ratio,hedge_rate,"          \
    "inflation.dist,inflation.low,inflation.likely,inflation.high\n"

/* Relative tolerance for sums that the engine forms in another order. */
#define EXACT 1e-12

/* Checks constant, nominal and pv of one row of a fixed model: point,
 * mean and every percentile equal the hand value, sd is 0. */
static void check_fixed_row(const cs_results *r, cs_level level, const char *id,
                            const double expected[CS_N_MEASURES])
{
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        const cs_summary_row *row = ef_row(r, (cs_measure)mm, level, id);
        EF_REL(row->point, expected[mm], EXACT);
        EF_REL(row->mean, expected[mm], EXACT);
        EF_NEAR(row->sd, 0, 1e-9 * fabs(expected[mm]));
        for (int k = 0; k < CS_N_SUMMARY_P; k++)
            EF_REL(row->p[k], expected[mm], EXACT);
        EF_NEAR(row->point_percentile, 100, 0);
    }
}

/* ---- 1. exact deterministic cases --------------------------------------- */

/* A `once` amount of 123.4 EUR (rate 1.1 CAD per EUR, EUR inflation
 * 2.385%, discount 5%) paid flat and front-loaded over 2026-2029 and
 * back-loaded over 2027-2029, and 7.3 EUR per_year over 2027-2029. */
static void test_once_profiles_and_per_year(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "discount_rate,0.05\ntrials,50\nseed,12345\n",
                         ELEMENT_HEADER
                         "flat,Flat,pflat,EUR,once,fixed,,123.4,,2026,2029,flat,\n"
                         "front,Front,pfront,EUR,once,fixed,,123.4,,2026,2029,front,\n"
                         "back,Back,pback,EUR,once,fixed,,123.4,,2027,2029,back,\n"
                         "yearly,Yearly,pyear,EUR,per_year,fixed,,7.3,,2027,2029,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,,,,\n"
                                         "EUR,1.1,fixed,,,,,,fixed,,0.02385,\n",
                         NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 50, 1, false);

    const double A = 123.4, rate = 1.1, infl = 0.02385, disc = 0.05;
    /* Weights by year index t = year - 2025 (0 where nothing is paid). */
    const double flat[5] = {0, 0.25, 0.25, 0.25, 0.25};
    const double front[5] = {0, 4 / 10.0, 3 / 10.0, 2 / 10.0, 1 / 10.0};
    const double back[5] = {0, 0, 1 / 6.0, 2 / 6.0, 3 / 6.0};
    const double yearly[5] = {0, 0, 7.3, 7.3, 7.3}; /* amounts, not weights */
    const double *weights[3] = {flat, front, back};
    const char *ids[3] = {"flat", "front", "back"};
    double year_total[5] = {0}, total[CS_N_MEASURES] = {0};
    double element_expected[4][CS_N_MEASURES] = {{0}};
    for (int e = 0; e < 4; e++) {
        double *ex = element_expected[e];
        for (int t = 0; t < 5; t++) {
            double base_amount = e < 3 ? A * weights[e][t] : yearly[t];
            double nominal = base_amount * pow(1 + infl, t) * rate;
            ex[CS_CONSTANT] += base_amount * rate;
            ex[CS_NOMINAL] += nominal;
            ex[CS_PV] += nominal / pow(1 + disc, t);
            year_total[t] += nominal;
        }
        check_fixed_row(r, CS_LEVEL_ELEMENT, e < 3 ? ids[e] : "yearly", ex);
        for (int mm = 0; mm < CS_N_MEASURES; mm++)
            total[mm] += ex[mm];
    }
    /* The once amounts are A in constant terms whatever the profile. */
    EF_REL(ef_row(r, CS_CONSTANT, CS_LEVEL_ELEMENT, "back")->mean, A * rate, EXACT);
    EF_REL(ef_row(r, CS_CONSTANT, CS_LEVEL_ELEMENT, "yearly")->mean, 3 * 7.3 * rate, EXACT);
    /* Hand values of the nominal flat and front sums, written out. */
    EF_REL(ef_row(r, CS_NOMINAL, CS_LEVEL_ELEMENT, "flat")->mean,
           A * rate / 4 * (1.02385 + 1.02385 * 1.02385 + pow(1.02385, 3) + pow(1.02385, 4)),
           EXACT);
    EF_REL(ef_row(r, CS_NOMINAL, CS_LEVEL_ELEMENT, "front")->mean,
           A * rate / 10 *
               (4 * 1.02385 + 3 * 1.02385 * 1.02385 + 2 * pow(1.02385, 3) + pow(1.02385, 4)),
           EXACT);
    check_fixed_row(r, CS_LEVEL_TOTAL, "total", total);
    /* Each element is alone in its phase. */
    check_fixed_row(r, CS_LEVEL_PHASE, "pfront", element_expected[1]);
    check_fixed_row(r, CS_LEVEL_PHASE, "pyear", element_expected[3]);

    /* by_year: 2026-2029, the nominal paid in each year. */
    assert_int_equal(r->first_year, 2026);
    assert_int_equal(r->n_years, 4);
    for (size_t y = 0; y < 4; y++) {
        EF_REL(r->year_mean[y], year_total[y + 1], EXACT);
        EF_REL(r->year_p10[y], year_total[y + 1], EXACT);
        EF_REL(r->year_p50[y], year_total[y + 1], EXACT);
        EF_REL(r->year_p90[y], year_total[y + 1], EXACT);
    }
    /* Nothing is uncertain: no drivers, every total percentile the same. */
    assert_int_equal(r->n_sensitivity, 0);
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        assert_memory_equal(&r->sorted[mm][0], &r->sorted[mm][49], sizeof(double));
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* per_unit: T1 = 251.3 with learning 0.9 over 5 units, delivered from 2030
 * every 1.5 years (2030, 2031, 2033, 2034, 2036), each built over the 2
 * years before delivery; CAD (base) inflation 1.75%, discount 5%. */
static void test_per_unit_learning(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "discount_rate,0.05\nunits,5\nfirst_delivery,2030\n"
                         "delivery_interval,1.5\nbuild_years,2\ntrials,20\n",
                         ELEMENT_HEADER "hull,Hull,acquisition,CAD,per_unit,fixed,,251.3,,,,,0.9\n",
                         CURRENCY_HEADER "CAD,,,,,,,,fixed,,0.0175,\n", NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 20, 1, false);

    const int delivery[5] = {2030, 2031, 2033, 2034, 2036};
    const double b = log(0.9) / log(2.0); /* log2(0.9) = -0.152003... */
    double unit_cost[5], sum_k = 0;
    for (int k = 1; k <= 5; k++) {
        unit_cost[k - 1] = 251.3 * pow(k, b);
        sum_k += pow(k, b);
    }
    /* Σ k^b for k = 1..5 by hand: 1 + 0.9 + 0.846206 + 0.81 + 0.782987. */
    EF_NEAR(sum_k, 4.339193, 1e-6);
    /* Years 2028-2035: half of each unit's cost in each build year. */
    double year[8] = {0};
    for (int k = 0; k < 5; k++)
        for (int y = delivery[k] - 2; y <= delivery[k] - 1; y++)
            year[y - 2028] += unit_cost[k] / 2;
    /* Written out: 2029 gets units 1 and 2, 2030 unit 2 alone. */
    EF_REL(year[1], (251.3 + 251.3 * 0.9) / 2, EXACT);
    EF_REL(year[2], 251.3 * 0.9 / 2, EXACT);
    double ex[CS_N_MEASURES] = {251.3 * sum_k, 0, 0};
    for (int i = 0; i < 8; i++) {
        int t = 2028 + i - 2025;
        double nominal = year[i] * pow(1.0175, t);
        ex[CS_NOMINAL] += nominal;
        ex[CS_PV] += nominal / pow(1.05, t);
        year[i] = nominal;
    }
    check_fixed_row(r, CS_LEVEL_ELEMENT, "hull", ex);
    check_fixed_row(r, CS_LEVEL_TOTAL, "total", ex);
    assert_int_equal(r->first_year, 2028);
    assert_int_equal(r->n_years, 8);
    for (int i = 0; i < 8; i++) {
        EF_REL(r->year_mean[i], year[i], EXACT);
        EF_REL(r->year_p50[i], year[i], EXACT);
    }
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* per_unit_year: 11.7 per unit and year, 3 units delivered 2030, 2032,
 * 2034, each in service 4 years; with a fixed slip of 0, 2, 2.5 (rounds to
 * 3) and -1.5 (clamped to 0) the window moves by the rounded slip. */
static void test_per_unit_year_and_slip(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "discount_rate,0.05\nunits,3\nfirst_delivery,2030\n"
                         "delivery_interval,2\nservice_life,4\ntrials,20\n",
                         ELEMENT_HEADER "crew,Crew,sustainment,CAD,per_unit_year,fixed,,11.7,,,,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,fixed,,0.0175,\n", NULL, NULL);
    /* Units in service per year from the first delivery: unit 1 2030-2033,
     * unit 2 2032-2035, unit 3 2034-2037. */
    const int in_service[8] = {1, 1, 2, 2, 2, 2, 1, 1};
    const char *slips[4] = {"0", "2", "2.5", "-1.5"};
    const int rounded[4] = {0, 2, 3, 0};
    for (int i = 0; i < 4; i++) {
        cs_setting set = {"slip.likely", slips[i]};
        cs_model *m = ef_load(c.scenario, &set, 1);
        cs_results *r = ef_run(m, 20, 1, true);
        int s = rounded[i];
        double ex[CS_N_MEASURES] = {3 * 4 * 11.7, 0, 0}, year[8];
        for (int k = 0; k < 8; k++) {
            int t = 2030 + s + k - 2025;
            year[k] = in_service[k] * 11.7 * pow(1.0175, t);
            ex[CS_NOMINAL] += year[k];
            ex[CS_PV] += year[k] / pow(1.05, t);
        }
        check_fixed_row(r, CS_LEVEL_TOTAL, "total", ex);
        assert_int_equal(r->first_year, 2030 + s);
        assert_int_equal(r->n_years, 8);
        for (int k = 0; k < 8; k++)
            EF_REL(r->year_mean[k], year[k], EXACT);
        for (uint64_t j = 0; j < r->trials; j++)
            assert_int_equal(r->trial_slip[j], s);
        cs_results_free(r);
        cs_model_free(m);
    }
    ef_free(&c);
}

/* A range from a fixed year to a marker grows with the slip (docs/FORMAT.md,
 * schedule): 2.5 per year from 2028 to last_delivery (2031 + slip for 2 units
 * from 2030 every 1.5 years: deliveries 2030 and 2031). */
static void test_range_to_marker_grows_with_slip(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,2\nfirst_delivery,2030\ndelivery_interval,1.5\ntrials,10\n",
                         ELEMENT_HEADER "office,Office,p,CAD,per_year,fixed,,2.5,,2028,last_delivery,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,fixed,,0.0175,\n", NULL, NULL);
    for (int s = 0; s <= 3; s += 3) {
        char slip[8];
        snprintf(slip, sizeof slip, "%d", s);
        cs_setting set = {"slip.likely", slip};
        cs_model *m = ef_load(c.scenario, &set, 1);
        cs_results *r = ef_run(m, 10, 1, false);
        double ex[CS_N_MEASURES] = {2.5 * (2031 + s - 2028 + 1), 0, 0};
        for (int y = 2028; y <= 2031 + s; y++)
            ex[CS_NOMINAL] += 2.5 * pow(1.0175, y - 2025);
        ex[CS_PV] = ex[CS_NOMINAL]; /* discount 0 */
        check_fixed_row(r, CS_LEVEL_ELEMENT, "office", ex);
        assert_int_equal(r->first_year, 2028);
        assert_int_equal(r->n_years, 4 + s);
        cs_results_free(r);
        cs_model_free(m);
    }
    ef_free(&c);
}

/* A fully hedged gbm currency: the nominal and pv totals do not move at all
 * (the hedged rate 1.33 replaces the spot), while constant uses the rate
 * 1.35. Half hedged, the same currency does move. */
static void test_full_hedge_removes_fx_risk(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "discount_rate,0.04\ntrials,400\nseed,99\n",
                         ELEMENT_HEADER "boat,Boat,acquisition,USD,once,fixed,,100,,2026,2030,back,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,,,,\n"
                                         "USD,1.35,gbm,0.01,0.15,,1,1.33,,,,\n",
                         NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 400, 2, false);
    double ex[CS_N_MEASURES] = {135, 0, 0};
    for (int t = 1; t <= 5; t++) {
        double nominal = 100 * t / 15.0 * 1.33;
        ex[CS_NOMINAL] += nominal;
        ex[CS_PV] += nominal / pow(1.04, t);
    }
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        const cs_summary_row *row = &r->rows[mm][0];
        EF_REL(row->mean, ex[mm], EXACT);
        EF_REL(row->point, ex[mm], EXACT);
        assert_close(row->sd, 0, 0);
        for (int k = 0; k < CS_N_SUMMARY_P; k++)
            assert_close(row->p[k], row->p[0], 0);
        assert_close(r->sorted[mm][0], r->sorted[mm][r->trials - 1], 0);
    }
    cs_results_free(r);
    cs_model_free(m);

    cs_setting half = {"currency.USD.hedge_ratio", "0.5"};
    m = ef_load(c.scenario, &half, 1);
    r = ef_run(m, 400, 2, false);
    assert_true(r->rows[CS_NOMINAL][0].sd > 1);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* Reporting in EUR: every amount is divided by EUR's rate in its year. EUR
 * is gbm with volatility 0 and drift 3%, so r(t) = 1.1 e^(0.03 t) exactly;
 * 100 CAD paid in 2027 reports as 100 / (1.1 e^0.06) nominal and 100 / 1.1
 * constant, 50 EUR paid in 2028 as 50 in both. */
static void test_report_currency(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "report_currency,EUR\ndiscount_rate,0.05\ntrials,30\n",
                         ELEMENT_HEADER "home,Home,p,CAD,once,fixed,,100,,2027,2027,,\n"
                                        "away,Away,p,EUR,once,fixed,,50,,2028,2028,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,,,,\n"
                                         "EUR,1.1,gbm,0.03,0,,,,,,,\n",
                         NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 30, 1, false);
    double home[CS_N_MEASURES] = {100 / 1.1, 100 / (1.1 * exp(0.06)),
                                  100 / (1.1 * exp(0.06)) / (1.05 * 1.05)};
    double away[CS_N_MEASURES] = {50, 50, 50 / pow(1.05, 3)};
    check_fixed_row(r, CS_LEVEL_ELEMENT, "home", home);
    check_fixed_row(r, CS_LEVEL_ELEMENT, "away", away);
    double total[CS_N_MEASURES];
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        total[mm] = home[mm] + away[mm];
    check_fixed_row(r, CS_LEVEL_TOTAL, "total", total);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* ---- 2 and 3. statistics against closed forms; the point estimate ------- */

/* One phase per input so that trials.csv's nominal.<phase> is the draw
 * (base currency, no inflation, discount 0): pert, triangular, uniform,
 * normal, lognormal, a gbm currency paid in 2029, and a risk. */
static const char stats_elements[] =
    ELEMENT_HEADER "pe,Pert,ppert,CAD,once,pert,80,100,150,2026,2026,,\n"
                   "tr,Triangular,ptri,CAD,once,triangular,10,20,40,2026,2026,,\n"
                   "un,Uniform,punif,CAD,once,uniform,5,,9,2026,2026,,\n"
                   "no,Normal,pnorm,CAD,once,normal,50,,70,2026,2026,,\n"
                   "ln,Lognormal,plogn,CAD,once,lognormal,10,,40,2026,2026,,\n"
                   "fx,Dollar buy,pfx,USD,once,fixed,,100,,2029,2029,,\n"
                   "eu,Euro buy,peur,EUR,once,fixed,,100,,2030,2030,,\n"
                   "gb,Pound buy,pgbp,GBP,once,fixed,,100,,2028,2028,,\n";
/* USD gbm; EUR ou, its shocks correlated 0.7 with USD's; GBP fixed rate
 * with triangular inflation. */
static const char stats_currencies[] =
    CURRENCY_HEADER "CAD,,,,,,,,,,,\n"
                    "USD,1.35,gbm,0.02,0.1,,,,,,,\n"
                    "EUR,1.5,ou,,0.1,0.3,,,,,,\n"
                    "GBP,1.7,fixed,,,,,,triangular,0.01,0.02,0.04\n";
static const char stats_fx_correlations[] = "a,b,rho\nEUR,USD,0.7\n";
static const char stats_risks[] =
    "id,name,probability,phase,currency,dist,low,likely,high,year,slip\n"
    "leak,Leak,0.3,prisk,CAD,fixed,,40,,2027,\n";

#define STATS_TRIALS 20000

/* |mean - expected| <= 4 sd / sqrt(n) with the closed-form variance. */
static void check_mean(const double *x, size_t n, double mean, double variance)
{
    double m, v;
    ef_mean_var(x, n, &m, &v);
    EF_NEAR(m, mean, 4 * sqrt(variance / (double)n));
}

/* A sample p-quantile within 4 standard errors sqrt(p(1-p)/n) / f(x_p). */
static void check_quantile(const double *x, size_t n, double p, double expected,
                           double density)
{
    double *copy = malloc(n * sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, x, n * sizeof *copy);
    double q = ef_percentile(copy, n, p);
    free(copy);
    EF_NEAR(q, expected, 4 * sqrt(p * (1 - p) / (double)n) / density);
}

static void test_distributions_against_closed_forms(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "seed,20240917\n",
                         stats_elements, stats_currencies, stats_risks, NULL);
    free(tu_write(c.dir, "model/fx_correlations.csv", stats_fx_correlations));
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, STATS_TRIALS, 2, true);
    size_t n = STATS_TRIALS;
    assert_int_equal(r->trials, n);

    /* beta-PERT(80, 100, 150): alpha = 1 + 4*20/70, beta = 1 + 4*50/70,
     * mean (low + 4 likely + high)/6 = 105, variance
     * (high-low)^2 alpha beta / ((alpha+beta)^2 (alpha+beta+1)). */
    double a = 1 + 80 / 70.0, b = 1 + 200 / 70.0;
    double *x = ef_phase_trials(r, ef_phase(m, "ppert"));
    check_mean(x, n, (80 + 4 * 100 + 150) / 6.0, 70.0 * 70 * a * b / (36 * 7));
    free(x);

    /* Triangular(10, 20, 40): mean 70/3, variance (a²+b²+c²-ab-ac-bc)/18. */
    x = ef_phase_trials(r, ef_phase(m, "ptri"));
    check_mean(x, n, 70 / 3.0, (100 + 400 + 1600 - 200 - 400 - 800) / 18.0);
    /* P10 = 10 + sqrt(0.1 * 30 * 10) (below the mode's F = 1/3), density
     * 2 (x - 10) / (30 * 10) there. */
    double t10 = 10 + sqrt(30.0);
    check_quantile(x, n, 0.1, t10, 2 * (t10 - 10) / 300);
    free(x);

    /* Uniform(5, 9): mean 7, variance 16/12. */
    x = ef_phase_trials(r, ef_phase(m, "punif"));
    check_mean(x, n, 7, 16 / 12.0);
    check_quantile(x, n, 0.9, 8.6, 0.25);
    free(x);

    /* Normal with P10 50 and P90 70: mu 60, sigma 10 / z90. */
    double sigma = 10 / CS_Z90, dens = exp(-CS_Z90 * CS_Z90 / 2) / sqrt(2 * M_PI) / sigma;
    x = ef_phase_trials(r, ef_phase(m, "pnorm"));
    check_mean(x, n, 60, sigma * sigma);
    check_quantile(x, n, 0.1, 50, dens);
    check_quantile(x, n, 0.9, 70, dens);
    free(x);

    /* Lognormal with P10 10 and P90 40: mu = ln 20, s = ln 2 / z90; mean
     * e^(mu + s²/2), variance (e^(s²) - 1) e^(2 mu + s²). */
    double s = log(2.0) / CS_Z90, mu = log(20.0);
    x = ef_phase_trials(r, ef_phase(m, "plogn"));
    check_mean(x, n, exp(mu + s * s / 2), (exp(s * s) - 1) * exp(2 * mu + s * s));
    double phi90 = exp(-CS_Z90 * CS_Z90 / 2) / sqrt(2 * M_PI);
    check_quantile(x, n, 0.1, 10, phi90 / (10 * s));
    check_quantile(x, n, 0.9, 40, phi90 / (40 * s));
    free(x);

    /* GBM: 100 USD paid in 2029 (t = 4): E = 100 * 1.35 e^(0.02*4),
     * Var = E² (e^(0.1² * 4) - 1). */
    double e_fx = 135 * exp(0.08);
    x = ef_phase_trials(r, ef_phase(m, "pfx"));
    check_mean(x, n, e_fx, e_fx * e_fx * (exp(0.04) - 1));
    free(x);

    /* OU: x_t = ln(r_t / rate) is AR(1), x_t = 0.7 x_(t-1) + 0.1 eps_t:
     * mean 0, Var x_5 = 0.01 Σ_(i<5) 0.49^i. 100 EUR paid in 2030. */
    double v_ou = 0;
    for (int i = 0; i < 5; i++)
        v_ou += 0.01 * pow(0.49, i);
    double *eur = ef_phase_trials(r, ef_phase(m, "peur"));
    double *usd = ef_phase_trials(r, ef_phase(m, "pfx"));
    for (size_t j = 0; j < n; j++) {
        eur[j] = log(eur[j] / 150);
        usd[j] = log(usd[j] / 135);
    }
    check_mean(eur, n, 0, v_ou);
    {
        /* The sample variance of normal data has sd Var sqrt(2/(n-1)). */
        double mean, var;
        ef_mean_var(eur, n, &mean, &var);
        EF_NEAR(var, v_ou, 4 * v_ou * sqrt(2.0 / (double)(n - 1)));
    }
    /* Shocks correlated 0.7 each year: ln r_USD,4 = 0.1 Σ_(t<=4) e_t + c,
     * ln r_EUR,5 = 0.1 Σ_(t<=5) 0.7^(5-t) f_t, so their correlation is
     * 0.7 Σ_(t<=4) 0.7^(5-t) / (2 sqrt(Σ_(t<=5) 0.49^(5-t))). */
    {
        double cov = 0, ve = 0;
        for (int t = 1; t <= 5; t++) {
            if (t <= 4)
                cov += pow(0.7, 5 - t);
            ve += pow(0.49, 5 - t);
        }
        double rho = 0.7 * cov / (2 * sqrt(ve));
        double mu_e, v_e, mu_u, v_u, sxy = 0;
        ef_mean_var(eur, n, &mu_e, &v_e);
        ef_mean_var(usd, n, &mu_u, &v_u);
        for (size_t j = 0; j < n; j++)
            sxy += (eur[j] - mu_e) * (usd[j] - mu_u);
        double pearson = sxy / (double)(n - 1) / sqrt(v_e * v_u);
        EF_NEAR(pearson, rho, 4 * (1 - rho * rho) / sqrt((double)n));
    }
    free(eur);
    free(usd);

    /* Inflation drawn once per trial: 100 GBP in 2028 is 170 (1 + i)^3,
     * i triangular(0.01, 0.02, 0.04). */
    x = ef_phase_trials(r, ef_phase(m, "pgbp"));
    for (size_t j = 0; j < n; j++)
        x[j] = cbrt(x[j] / 170) - 1;
    check_mean(x, n, 0.07 / 3,
               (1e-4 + 4e-4 + 16e-4 - 2e-4 - 4e-4 - 8e-4) / 18);
    for (size_t j = 0; j < n; j++)
        assert_true(x[j] > 0.01 - 1e-12 && x[j] < 0.04 + 1e-12);
    free(x);

    /* Risk p = 0.3, fixed impact 40: mean p * 40, variance p(1-p) 40². */
    x = ef_phase_trials(r, ef_phase(m, "prisk"));
    check_mean(x, n, 12, 0.3 * 0.7 * 1600);
    for (size_t j = 0; j < n; j++)
        assert_true(x[j] == 0 || x[j] == 40);
    free(x);

    /* The summary rows' moments agree with the trials (exact moments). */
    double sum_mean = 0;
    const char *phases[] = {"ppert", "ptri", "punif", "pnorm", "plogn",
                            "pfx",   "prisk", "peur", "pgbp"};
    for (size_t p = 0; p < 9; p++) {
        x = ef_phase_trials(r, ef_phase(m, phases[p]));
        double mean, var;
        ef_mean_var(x, n, &mean, &var);
        const cs_summary_row *row = ef_row(r, CS_NOMINAL, CS_LEVEL_PHASE, phases[p]);
        EF_REL(row->mean, mean, 1e-9);
        EF_REL(row->sd, sqrt(var), 1e-9);
        sum_mean += mean;
        free(x);
    }
    EF_REL(r->rows[CS_NOMINAL][0].mean, sum_mean, 1e-9);
    EF_REL(ef_row(r, CS_NOMINAL, CS_LEVEL_RISK, "leak")->mean,
           ef_row(r, CS_NOMINAL, CS_LEVEL_PHASE, "prisk")->mean, 1e-12);

    /* 3. Point estimate: likely (pert, triangular), the midpoint (uniform),
     * mu (normal), e^mu (lognormal), gbm at rate e^(drift t), no risk,
     * ou at its rate, GBP at its likely inflation. */
    double points[9] = {100, 20, 7, 60, 20, e_fx, 0, 150, 170 * pow(1.02, 3)};
    double point_total = 0;
    for (size_t p = 0; p < 9; p++) {
        EF_REL(ef_row(r, CS_NOMINAL, CS_LEVEL_PHASE, phases[p])->point, points[p], 1e-12);
        point_total += points[p];
    }
    EF_REL(r->rows[CS_NOMINAL][0].point, point_total, 1e-12);
    EF_REL(r->rows[CS_CONSTANT][0].point, point_total - e_fx + 135 - points[8] + 170, 1e-12);
    EF_REL(r->rows[CS_PV][0].point, point_total, 1e-12); /* discount 0 */
    /* Constant terms: base-year rates, no inflation, in every trial. */
    EF_NEAR(ef_row(r, CS_CONSTANT, CS_LEVEL_PHASE, "peur")->sd, 0, 1e-9);
    EF_REL(ef_row(r, CS_CONSTANT, CS_LEVEL_PHASE, "pgbp")->mean, 170, 1e-12);
    EF_NEAR(ef_row(r, CS_NOMINAL, CS_LEVEL_RISK, "leak")->point, 0, 0);

    /* point_percentile: the percent of trials at or below the point, 4
     * standard errors of a proportion plus the sketch's 0.1 points. */
    double pp_tol = 4 * 100 * sqrt(0.25 / (double)n) + 0.1;
    double pert_mode_cdf = gsl_cdf_beta_P(20 / 70.0, a, b);
    double expected_pp[9] = {100 * pert_mode_cdf,
                             100 * 10 / 30.0,      /* F(mode) of the triangle */
                             50, 50, 50,           /* medians */
                             100 * gsl_cdf_ugaussian_P(0.1 * 2 / 2), /* Phi(s sqrt(t)/2) */
                             70,                   /* P(no risk) = 0.7 */
                             50,                   /* ln r symmetric about ln rate */
                             100 / 3.0};           /* F(0.02) of the inflation */
    for (size_t p = 0; p < 9; p++)
        EF_NEAR(ef_row(r, CS_NOMINAL, CS_LEVEL_PHASE, phases[p])->point_percentile,
                expected_pp[p], pp_tol);
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        const cs_summary_row *tot = &r->rows[mm][0];
        double below = 0;
        for (size_t j = 0; j < n; j++)
            below += r->totals[mm][j] <= tot->point * (1 + 1e-9);
        EF_NEAR(tot->point_percentile, 100 * below / (double)n, 1e-9);
        assert_true(tot->point_percentile > 5 && tot->point_percentile < 95);
    }
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* The point estimate with a slip: pert slip (0, 1.4, 5) has point 1.4,
 * rounded to 1, so the per_unit_year window starts in 2031. */
static void test_point_estimate_with_slip(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,2\nfirst_delivery,2030\nservice_life,2\nslip.dist,pert\n"
                         "slip.low,0\nslip.likely,1.4\nslip.high,5\ntrials,500\n",
                         ELEMENT_HEADER "ops,Ops,s,CAD,per_unit_year,fixed,,10,,,,,\n"
                                        "buy,Buy,s,CAD,once,normal,8,11,12,2026,2026,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,fixed,,0.02,\n", NULL, NULL);
    /* normal with likely 11: the point is 11, not mu = 10. */
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 500, 1, false);
    /* Units in service 2031-2032 and 2032-2033. */
    double ops = 10 * (pow(1.02, 6) + 2 * pow(1.02, 7) + pow(1.02, 8));
    EF_REL(ef_row(r, CS_NOMINAL, CS_LEVEL_ELEMENT, "ops")->point, ops, EXACT);
    EF_REL(ef_row(r, CS_NOMINAL, CS_LEVEL_ELEMENT, "buy")->point, 11 * 1.02, EXACT);
    EF_REL(r->rows[CS_NOMINAL][0].point, ops + 11 * 1.02, EXACT);
    EF_REL(r->rows[CS_CONSTANT][0].point, 40 + 11, EXACT);
    /* buy's point 11 is its 73.9th percentile: Phi(1 / sigma), sigma =
     * 2 / z90 (4 standard errors of a proportion over 500 trials, plus the
     * sketch's 0.1 points). */
    EF_NEAR(ef_row(r, CS_NOMINAL, CS_LEVEL_ELEMENT, "buy")->point_percentile,
            100 * gsl_cdf_ugaussian_P(CS_Z90 / 2), 4 * 100 * sqrt(0.25 / 500) + 0.1);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* ---- 4. determinism and common random numbers --------------------------- */

static void assert_same_rows(const cs_results *a, const cs_results *b)
{
    assert_int_equal(a->n_rows, b->n_rows);
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        for (size_t i = 0; i < a->n_rows; i++) {
            const cs_summary_row *x = &a->rows[mm][i], *y = &b->rows[mm][i];
            assert_string_equal(x->id, y->id);
            assert_int_equal(x->level, y->level);
            assert_memory_equal(&x->point, &y->point, sizeof x->point);
            assert_memory_equal(&x->mean, &y->mean, sizeof x->mean);
            assert_memory_equal(&x->sd, &y->sd, sizeof x->sd);
            assert_memory_equal(x->p, y->p, sizeof x->p);
            assert_memory_equal(&x->point_percentile, &y->point_percentile,
                                sizeof x->point_percentile);
        }
}

/* Same scenario with 1 and 2 threads: bit-identical totals, summary rows,
 * funding profile and drivers (the drivers run in chunks of 1024 trials on
 * every thread). Multi-block runs are in test_engine_heavy.c. */
static void test_threads_identical(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "default_correlation,0.3\nseed,4242\n",
                         stats_elements, stats_currencies, stats_risks, NULL);
    free(tu_write(c.dir, "model/fx_correlations.csv", stats_fx_correlations));
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *one = ef_run(m, 5000, 1, true), *two = ef_run(m, 5000, 2, true);
    assert_int_equal(one->trials, two->trials);
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        assert_memory_equal(one->totals[mm], two->totals[mm], 5000 * sizeof(double));
        assert_memory_equal(one->sorted[mm], two->sorted[mm], 5000 * sizeof(double));
    }
    assert_same_rows(one, two);
    assert_int_equal(one->n_years, two->n_years);
    assert_memory_equal(one->year_mean, two->year_mean, one->n_years * sizeof(double));
    assert_memory_equal(one->year_p90, two->year_p90, one->n_years * sizeof(double));
    assert_int_equal(one->n_sensitivity, two->n_sensitivity);
    for (size_t i = 0; i < one->n_sensitivity; i++) {
        assert_string_equal(one->sensitivity[i].input, two->sensitivity[i].input);
        assert_memory_equal(&one->sensitivity[i].rank_correlation,
                            &two->sensitivity[i].rank_correlation, sizeof(double));
    }
    assert_int_equal(one->n_attribution, two->n_attribution);
    for (size_t i = 0; i < one->n_attribution; i++) {
        const cs_attribution *a = &one->attribution[i], *b = &two->attribution[i];
        assert_string_equal(a->source, b->source);
        assert_memory_equal(&a->shapley_share, &b->shapley_share, 6 * sizeof(double));
    }
    assert_int_equal(one->n_tornado, two->n_tornado);
    for (size_t i = 0; i < one->n_tornado; i++) {
        assert_memory_equal(&one->tornado[i].low, &two->tornado[i].low, sizeof(double));
        assert_memory_equal(&one->tornado[i].high, &two->tornado[i].high, sizeof(double));
    }
    size_t np = m->n_phases;
    assert_memory_equal(one->trial_phase_nominal, two->trial_phase_nominal,
                        5000 * np * sizeof(double));
    cs_results_free(one);
    cs_results_free(two);
    cs_model_free(m);
    ef_free(&c);
}

/* docs/COMMANDS.md: an element's draws depend only on (seed, its id, trial).
 * Removing an element, adding one before it, reordering the currencies and
 * changing units leave element x's per-trial cost bit-identical; a seed
 * 2^32 higher changes it. */
static void test_draws_tied_to_inputs(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,1\nfirst_delivery,2030\nseed,77\n",
                         ELEMENT_HEADER "x,X,px,CAD,once,pert,80,100,150,2026,2027,front,\n"
                                        "y,Y,py,EUR,once,normal,50,,70,2026,2026,,\n"
                                        "z,Z,pz,CAD,per_unit,triangular,1,2,4,,,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,,,,\n"
                                         "EUR,1.5,gbm,,0.1,,,,,,,\n",
                         "id,name,probability,phase,currency,dist,low,likely,high,year,slip\n"
                         "r1,R1,0.5,pr,CAD,uniform,1,,2,2027,\n",
                         NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 3000, 2, true);
    double *x = ef_phase_trials(r, ef_phase(m, "px"));
    cs_results_free(r);
    cs_model_free(m);

    /* Another model directory: w before x, no y, z kept, currencies
     * reordered, 4 units. */
    free(tu_write(c.dir, "model2/elements.csv",
                  ELEMENT_HEADER "w,W,pw,CAD,once,uniform,1,,3,2026,2026,,\n"
                                 "z,Z,pz,CAD,per_unit,triangular,1,2,4,,,,\n"
                                 "x,X,px,CAD,once,pert,80,100,150,2026,2027,front,\n"));
    free(tu_write(c.dir, "model2/currencies.csv",
                  CURRENCY_HEADER "EUR,1.5,gbm,,0.1,,,,,,,\nCAD,,,,,,,,,,,\n"));
    char *s2 = ef_add_scenario(&c, "other.csv",
                               "key,value\nmodel,model2\nbase_year,2025\nbase_currency,CAD\n"
                               "units,4\nfirst_delivery,2030\nseed,77\n");
    m = ef_load(s2, NULL, 0);
    r = ef_run(m, 3000, 1, true);
    double *x2 = ef_phase_trials(r, ef_phase(m, "px"));
    assert_memory_equal(x, x2, 3000 * sizeof(double));
    cs_results_free(r);
    cs_model_free(m);
    free(x2);

    cs_setting seed = {"seed", "4294967373"}; /* 77 + 2^32 */
    m = ef_load(s2, &seed, 1);
    r = ef_run(m, 3000, 1, true);
    x2 = ef_phase_trials(r, ef_phase(m, "px"));
    size_t same = 0;
    for (size_t j = 0; j < 3000; j++)
        same += x[j] == x2[j];
    assert_true(same < 10);
    cs_results_free(r);
    cs_model_free(m);
    free(x2);
    free(x);
    free(s2);
    ef_free(&c);
}

/* ---- 7. attribution and tornado ----------------------------------------- */

static double attribution_share(const cs_results *r, const char *source)
{
    for (size_t i = 0; i < r->n_attribution; i++)
        if (!strcmp(r->attribution[i].source, source))
            return r->attribution[i].shapley_share;
    print_error("no attribution row '%s'\n", source);
    fail();
    return NAN;
}

/* One uncertain element (triangular 10, 20, 40 paid in 2026, CAD inflation
 * 2.385%) next to a fixed one: attribution is all element; the tornado's
 * low and high are the totals with the element at its P10 and P90. */
static void test_attribution_and_tornado_one_element(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "seed,3\n",
                         ELEMENT_HEADER "tri,Tri,p,CAD,once,triangular,10,20,40,2026,2026,,\n"
                                        "fix,Fix,p,CAD,once,fixed,,100,,2027,2028,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,fixed,,0.02385,\n", NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 4000, 2, false);
    assert_int_equal(r->n_attribution, 1);
    assert_string_equal(r->attribution[0].source, "element");
    EF_NEAR(attribution_share(r, "element"), 1, 1e-12);
    EF_NEAR(r->attribution[0].first_order, 1, 1e-12);
    EF_NEAR(r->attribution[0].total_effect, 1, 1e-12);

    double fixed = 50 * (pow(1.02385, 2) + pow(1.02385, 3));
    double p10 = 10 + sqrt(0.1 * 30 * 10), p90 = 40 - sqrt(0.1 * 30 * 20);
    assert_int_equal(r->n_tornado, 1);
    assert_string_equal(r->tornado[0].input, "tri");
    assert_int_equal(r->tornado[0].kind, CS_INPUT_ELEMENT);
    EF_REL(r->tornado[0].low, p10 * 1.02385 + fixed, 1e-12);
    EF_REL(r->tornado[0].high, p90 * 1.02385 + fixed, 1e-12);
    assert_memory_equal(&r->tornado[0].p50, &r->rows[CS_NOMINAL][0].p[3], sizeof(double));
    /* The only input: rank correlation 1, all the variance. */
    assert_int_equal(r->n_sensitivity, 1);
    EF_NEAR(r->sensitivity[0].rank_correlation, 1, 1e-12);
    EF_NEAR(r->sensitivity[0].rho2_share, 1, 1e-12);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* Only the slip is uncertain (triangular 0, 1, 4 years, moving a
 * per_unit_year element under 1.75% inflation): attribution is all slip. */
static void test_attribution_slip_only(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,3\nfirst_delivery,2030\ndelivery_interval,2\nservice_life,4\n"
                         "slip.dist,triangular\nslip.low,0\nslip.likely,1\nslip.high,4\n"
                         "seed,5\n",
                         ELEMENT_HEADER "crew,Crew,s,CAD,per_unit_year,fixed,,11.7,,,,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,fixed,,0.0175,\n", NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 3000, 2, true);
    assert_int_equal(r->n_attribution, 1);
    EF_NEAR(attribution_share(r, "slip"), 1, 1e-12);
    /* Each trial's cost is the hand value for its rounded slip. */
    const int in_service[8] = {1, 1, 2, 2, 2, 2, 1, 1};
    for (uint64_t j = 0; j < r->trials; j++) {
        int s = r->trial_slip[j];
        assert_true(s >= 0 && s <= 4);
        double nominal = 0;
        for (int k = 0; k < 8; k++)
            nominal += in_service[k] * 11.7 * pow(1.0175, 2030 + s + k - 2025);
        EF_REL(r->totals[CS_NOMINAL][j], nominal, EXACT);
    }
    /* Tornado: slip at its P10 (sqrt(0.4) = 0.63 -> 1) and P90
     * (4 - sqrt(1.2) = 2.90 -> 3). */
    assert_int_equal(r->n_tornado, 1);
    assert_int_equal(r->tornado[0].kind, CS_INPUT_SLIP);
    double at[2] = {0, 0};
    for (int h = 0; h < 2; h++)
        for (int k = 0; k < 8; k++)
            at[h] += in_service[k] * 11.7 * pow(1.0175, 2030 + (h ? 3 : 1) + k - 2025);
    EF_REL(r->tornado[0].low, at[0], EXACT);
    EF_REL(r->tornado[0].high, at[1], EXACT);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* Risks: a pure schedule risk (p 0.4, fixed impact 0, slip 2) and a cost
 * risk (p 0.25, 7.5 paid in first_delivery-1, which moves with the slip).
 * Every trial's total is the hand value for its slip plus the cost risk
 * when it occurs; the occurrence rates are p within 4 standard errors;
 * attribution is all risk; the budget confidence is the share of trials
 * within the budget. */
static void test_risk_slip_and_budget(void **state)
{
    (void)state;
    enum { N = 4000 };
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,2\nfirst_delivery,2030\nservice_life,3\nbudget,80\nseed,11\n",
                         ELEMENT_HEADER "crew,Crew,s,CAD,per_unit_year,fixed,,11.7,,,,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,fixed,,0.0175,\n",
                         "id,name,probability,phase,currency,dist,low,likely,high,year,slip\n"
                         "late,Late,0.4,,,fixed,,0,,first_delivery,2\n"
                         "fix,Fix,0.25,,,fixed,,7.5,,first_delivery-1,\n",
                         NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, N, 2, true);
    double *risk = ef_phase_trials(r, ef_phase(m, "risk"));
    size_t slipped = 0, fixed_paid = 0, within = 0;
    for (size_t j = 0; j < N; j++) {
        int s = r->trial_slip[j];
        assert_true(s == 0 || s == 2);
        slipped += s == 2;
        /* Units in service 2030+s ... 2032+s and 2031+s ... 2033+s. */
        double crew = 0;
        for (int y = 2030 + s; y <= 2033 + s; y++)
            crew += (y == 2030 + s || y == 2033 + s ? 1 : 2) * 11.7 * pow(1.0175, y - 2025);
        double fix = 7.5 * pow(1.0175, 2029 + s - 2025);
        if (risk[j] != 0) {
            EF_REL(risk[j], fix, EXACT);
            fixed_paid++;
        }
        EF_REL(r->totals[CS_NOMINAL][j], crew + risk[j], EXACT);
        EF_REL(r->totals[CS_CONSTANT][j], 6 * 11.7 + (risk[j] != 0 ? 7.5 : 0), EXACT);
        within += r->totals[CS_NOMINAL][j] <= 80;
    }
    EF_NEAR(slipped / (double)N, 0.4, 4 * sqrt(0.4 * 0.6 / N));
    EF_NEAR(fixed_paid / (double)N, 0.25, 4 * sqrt(0.25 * 0.75 / N));
    assert_true(r->has_budget);
    EF_NEAR(r->budget_confidence, (double)within / N, 1e-12);
    double lo, hi;
    cs_stats_wilson(within, N, &lo, &hi);
    assert_memory_equal(&r->budget_ci[0], &lo, sizeof lo);
    assert_memory_equal(&r->budget_ci[1], &hi, sizeof hi);
    assert_true(lo < r->budget_confidence && r->budget_confidence < hi);
    assert_true(within > 0 && within < N);
    /* Years: 2029 (the cost risk without slip) to 2035. */
    assert_int_equal(r->first_year, 2029);
    assert_int_equal(r->n_years, 7);
    assert_int_equal(r->n_attribution, 1);
    EF_NEAR(attribution_share(r, "risk"), 1, 1e-12);
    /* The point estimate has no risks and so no risk slip. */
    double crew0 = 0;
    for (int y = 2030; y <= 2033; y++)
        crew0 += (y == 2030 || y == 2033 ? 1 : 2) * 11.7 * pow(1.0175, y - 2025);
    EF_REL(r->rows[CS_NOMINAL][0].point, crew0, EXACT);
    free(risk);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* The tornado of a gbm currency (the only uncertainty; 100 USD paid in
 * 2029, T = 4): every shock at z_q / sqrt(T) puts ln r_4 at
 * ln 1.35 + 4 (drift - sigma²/2) + sigma sqrt(4) z_q. */
static void test_fx_tornado(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "seed,8\n",
                         ELEMENT_HEADER "buy,Buy,p,USD,once,fixed,,100,,2029,2029,,\n",
                         CURRENCY_HEADER "CAD,,,,,,,,,,,\n"
                                         "USD,1.35,gbm,0.02,0.1,,,,,,,\n",
                         NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 2000, 2, false);
    assert_int_equal(r->n_tornado, 1);
    assert_int_equal(r->tornado[0].kind, CS_INPUT_FX);
    assert_string_equal(r->tornado[0].input, "USD");
    double drift = 4 * (0.02 - 0.005);
    EF_REL(r->tornado[0].low, 135 * exp(drift - 0.2 * CS_Z90), 1e-12);
    EF_REL(r->tornado[0].high, 135 * exp(drift + 0.2 * CS_Z90), 1e-12);
    assert_int_equal(r->n_attribution, 1);
    EF_NEAR(attribution_share(r, "fx"), 1, 1e-12);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* ---- 10. a run-time schedule error -------------------------------------- */

/* start first_delivery-3 (2028 without slip) ... end 2030 is valid when
 * loaded, but a fixed slip of 3 puts the start in 2031, after the end:
 * the run fails with status 1 naming the element and the trial. */
static void test_slip_breaks_range(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "first_delivery,2031\nslip.likely,3\n",
                         ELEMENT_HEADER "early,Early,p,CAD,once,fixed,,10,,first_delivery-3,2030,,\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_run_options opt = {.trials = 100, .threads = 2, .seed = m->seed};
    cs_diag *d = cs_diag_alloc();
    cs_results *r = NULL;
    assert_int_equal(cs_engine_run(m, &opt, &r, d), CS_E_RUNTIME);
    assert_null(r);
    assert_int_equal(cs_diag_count(d), 1);
    const char *msg = cs_diag_get(d, 0)->message;
    assert_non_null(strstr(msg, "'early'"));
    assert_non_null(strstr(msg, "trial 1"));
    assert_non_null(strstr(msg, "start after its end"));
    assert_non_null(strstr(msg, "give it if_empty zero")); /* the way out */
    cs_diag_free(d);
    cs_model_free(m);
    ef_free(&c);
}

/* A run whose cancel token is set stops with CS_E_CANCELLED and no
 * results; the same token, cleared, lets the next run finish; a token of
 * another run does not touch this one (no process-wide flag). */
/* by_year is each year's own flows: an amount that ended in an earlier
 * year leaves nothing behind. 1e15 a year in 2030-31 next to 0.3 a year in
 * 2031-32 and 1 in 2040 (no inflation): 2032 is exactly 0.3, 2033 and
 * 2037-39 exactly 0 and 2040 exactly 1, in both measures. (Difference
 * arrays summed year by year gave 0.25, -0.05 and 0.95.) A one-year flow
 * inside a longer one adds to it (d and e). A unit's service years are
 * counted, not summed, so the year after the last one is exactly 0. */
static void test_by_year_no_carry(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2026\nbase_currency,CAD\n"
                         "units,3\nfirst_delivery,2050\ndelivery_interval,1\n"
                         "service_life,2\nbuild_years,1\ntrials,7\n",
                         ELEMENT_HEADER
                         "a,A,acq,CAD,per_year,fixed,,1e15,,2030,2031,,\n"
                         "b,B,acq,CAD,per_year,fixed,,0.3,,2031,2032,,\n"
                         "c,C,acq,CAD,once,fixed,,1,,2040,2040,,\n"
                         "d,D,acq,CAD,per_year,fixed,,5,,2035,2035,,\n"
                         "e,E,acq,CAD,once,fixed,,3,,2034,2036,,\n"
                         "big,Big,sus,CAD,per_unit_year,fixed,,3e14,,,,,\n"
                         "small,Small,sus,CAD,per_year,fixed,,0.7,,2052,2056,,\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 7, 1, false);
    assert_int_equal(r->first_year, 2030);
    assert_int_equal(r->n_years, 2056 - 2030 + 1);
    for (size_t y = 0; y < r->n_years; y++) {
        int year = 2030 + (int)y;
        double want;
        if (year == 2031)
            want = 1e15 + 0.3;
        else if (year == 2030)
            want = 1e15;
        else if (year == 2032)
            want = 0.3;
        else if (year == 2040)
            want = 1;
        else if (year >= 2034 && year <= 2036) /* d's one year inside e's three */
            want = year == 2035 ? 5 + 1 : 1;
        else if (year == 2050 || year == 2052) /* units 1 and 2, units 2 and 3 */
            want = year == 2050 ? 3e14 : 2 * 3e14 + 0.7;
        else if (year == 2051)
            want = 2 * 3e14;
        else if (year == 2053)
            want = 3e14 + 0.7;
        else if (year >= 2054)
            want = 0.7;
        else
            want = 0;
        const double *v[] = {r->year_mean, r->year_p10, r->year_p50, r->year_p90,
                             r->year_const_mean, r->year_const_p50, r->year_const_p90};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            if (v[k][y] != want) {
                print_error("year %d, column %zu: %.17g, want %.17g\n", year, k, v[k][y], want);
                fail();
            }
    }
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* by_year's years are those of the flows the model schedules, whatever
 * their amount (docs/OUTPUTS.md): a fixed 0 in 2035 and a phase scaled by 0
 * in 2040 keep their years, as exact zeros, while a risk that occurs in no
 * trial (probability 1e-12, 7 trials) adds no year 2045. */
static void test_by_year_zero_flows(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2026\nbase_currency,CAD\n"
                         "phase.crew.scale,0\ntrials,7\n",
                         ELEMENT_HEADER "a,A,acq,CAD,once,triangular,1,2,3,2027,2028,,\n"
                                        "z,Z,acq,CAD,once,fixed,,0,,2035,2035,,\n"
                                        "s,S,crew,CAD,per_year,fixed,,5,,2039,2040,,\n",
                         NULL,
                         "id,name,probability,phase,currency,dist,low,likely,high,year,slip\n"
                         "r,R,1e-12,,,fixed,,7,,2045,\n",
                         NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 7, 1, false);
    assert_int_equal(r->first_year, 2027);
    assert_int_equal(r->n_years, 2040 - 2027 + 1);
    for (size_t y = 2029 - 2027; y < r->n_years; y++) {
        assert_true(r->year_mean[y] == 0 && r->year_p90[y] == 0);
        assert_true(r->year_const_mean[y] == 0 && r->year_const_p90[y] == 0);
    }
    assert_true(r->year_mean[0] > 0 && r->year_mean[1] > 0);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

static void test_cancel_token(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
                         ELEMENT_HEADER "hull,Hull,a,CAD,once,normal,95,,105,2026,2027,,\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_cancel *token = cs_cancel_alloc(), *other = cs_cancel_alloc();
    assert_non_null(token);
    assert_non_null(other);
    cs_cancel_request(token);
    cs_run_options opt = {.trials = 20000, .threads = 2, .seed = m->seed, .cancel = token};
    cs_diag *d = cs_diag_alloc();
    cs_results *r = NULL;
    assert_int_equal(cs_engine_run(m, &opt, &r, d), CS_E_CANCELLED);
    assert_null(r);
    assert_string_equal(cs_diag_get(d, 0)->message, "cancelled");
    cs_cancel_reset(token);
    cs_cancel_request(other);
    cs_diag_clear(d);
    assert_int_equal(cs_engine_run(m, &opt, &r, d), CS_OK);
    assert_non_null(r);
    assert_int_equal(cs_diag_count(d), 0);
    cs_results_free(r);
    cs_diag_free(d);
    cs_cancel_free(token);
    cs_cancel_free(other);
    cs_cancel_free(NULL);
    cs_model_free(m);
    ef_free(&c);
}

/* no_drivers: the same totals and summary as with the drivers, no driver
 * rows but the same uncertain inputs, and a smaller memory estimate. */
static void test_no_drivers(void **state)
{
    (void)state;
    char *path = tu_path(tu_source_dir(), "scenarios/cpsp-hanwha-base.csv");
    cs_model *m = ef_load(path, NULL, 0);
    cs_results *with = ef_run(m, 3000, 2, false);
    cs_run_options opt = {.trials = 3000, .threads = 2, .seed = m->seed, .no_drivers = true};
    cs_diag *d = cs_diag_alloc();
    cs_results *without = NULL;
    assert_int_equal(cs_engine_run(m, &opt, &without, d), CS_OK);
    assert_true(without->no_drivers);
    assert_false(with->no_drivers);
    assert_int_equal(without->sensitivity_trials, 0);
    assert_int_equal(without->n_sensitivity, 0);
    assert_int_equal(without->n_attribution, 0);
    assert_int_equal(without->n_tornado, 0);
    assert_true(with->n_sensitivity > 0);
    assert_int_equal(without->n_inputs, with->n_inputs);
    assert_int_equal(with->n_inputs, with->n_sensitivity);
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        assert_memory_equal(without->totals[mm], with->totals[mm], 3000 * sizeof(double));
        for (size_t i = 0; i < with->n_rows; i++) {
            const cs_summary_row *a = &with->rows[mm][i], *b = &without->rows[mm][i];
            assert_memory_equal(&b->mean, &a->mean, sizeof a->mean);
            assert_memory_equal(&b->sd, &a->sd, sizeof a->sd);
            assert_memory_equal(b->p, a->p, sizeof a->p);
        }
    }
    cs_run_options big = {.trials = 1000000, .threads = 2, .seed = m->seed};
    uint64_t need_with = cs_engine_memory_needed(m, &big);
    big.no_drivers = true;
    /* The drivers' stage comes after the trials' sketches and buffers are
     * freed: skipping it never raises the estimate, and lowers it when it
     * is the largest stage (here at 1e5 trials, whose sketches are small
     * next to the tornado's buffer). */
    assert_true(cs_engine_memory_needed(m, &big) <= need_with);
    big.trials = 100000;
    uint64_t small_without = cs_engine_memory_needed(m, &big);
    big.no_drivers = false;
    assert_true(small_without < cs_engine_memory_needed(m, &big));
    cs_results_free(with);
    cs_results_free(without);
    cs_diag_free(d);
    cs_model_free(m);
    free(path);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once_profiles_and_per_year),
        cmocka_unit_test(test_by_year_no_carry),
        cmocka_unit_test(test_by_year_zero_flows),
        cmocka_unit_test(test_cancel_token),
        cmocka_unit_test(test_no_drivers),
        cmocka_unit_test(test_per_unit_learning),
        cmocka_unit_test(test_per_unit_year_and_slip),
        cmocka_unit_test(test_range_to_marker_grows_with_slip),
        cmocka_unit_test(test_full_hedge_removes_fx_risk),
        cmocka_unit_test(test_report_currency),
        cmocka_unit_test(test_distributions_against_closed_forms),
        cmocka_unit_test(test_point_estimate_with_slip),
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_draws_tied_to_inputs),
        cmocka_unit_test(test_attribution_and_tornado_one_element),
        cmocka_unit_test(test_attribution_slip_only),
        cmocka_unit_test(test_risk_slip_and_budget),
        cmocka_unit_test(test_fx_tornado),
        cmocka_unit_test(test_slip_breaks_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
