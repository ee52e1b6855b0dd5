/* test_drivers: the drivers of docs/METHOD.md and the named streams of
 * docs/COMMANDS.md against closed forms, with fixed seeds and tolerances of 4
 * standard errors (the estimator's own batch-means error for the Sobol and
 * Shapley indices, the Fisher-z error for a rank correlation, 1/sqrt(N) for a
 * correlation of independent totals):
 * - an additive model of independent sources: each Shapley share, first-
 *   order and total index equals Var(source) / Var(T);
 * - T = X Y (an element in a gbm currency): first-order, total and Shapley
 *   of X and Y in closed form;
 * - the slip's rank correlation when the slip drives the total;
 * - a tornado whose order by swing differs from its order by |rho|;
 * - common random numbers: a what-if of one model against itself with one
 *   element changed, and two models on disjoint streams;
 * - --precision stops at the first doubling that meets its criterion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>

#include "costsim.h"
#include "engine_fixture.h"
#include "report.h"
#include "stats.h"

#define Z90 1.2815515655446004

static const cs_attribution *source_row(const cs_results *r, const char *source)
{
    for (size_t i = 0; i < r->n_attribution; i++)
        if (!strcmp(r->attribution[i].source, source))
            return &r->attribution[i];
    print_error("no attribution row '%s'\n", source);
    fail();
    return NULL;
}

/* Each estimate within 4 of its standard errors (plus rounding) of the
 * closed form. */
static void check_indices(const cs_attribution *a, double first, double total, double shapley)
{
    EF_NEAR(a->first_order, first, 4 * a->first_order_se + 1e-9);
    EF_NEAR(a->total_effect, total, 4 * a->total_effect_se + 1e-9);
    EF_NEAR(a->shapley_share, shapley, 4 * a->shapley_se + 1e-9);
    assert_true(a->first_order_se > 0 && a->first_order_se < 0.05);
    assert_true(a->shapley_se > 0 && a->shapley_se < 0.05);
}

/* T = element + risk + slip cost, all paid without inflation or FX:
 * element normal with sigma 10 (variance 100); risk p 0.3, impact fixed
 * 50 (variance 2500 x 0.21 = 525); slip uniform -0.5 .. 3.5, so the
 * rounded slip is uniform on 0 .. 3 (variance 1.25), moving the end of a
 * per_year element of 10 (variance 125). Var T = 750. */
static void test_shapley_additive(void **state)
{
    (void)state;
    double h = 10 * Z90;
    char elements[512];
    snprintf(elements, sizeof elements,
             "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
             "x,X,p,CAD,once,normal,%.17g,,%.17g,2026,2026\n"
             "ops,Ops,p,CAD,per_year,fixed,,10,,2026,first_delivery\n",
             100 - h, 100 + h);
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,1\nfirst_delivery,2030\nservice_life,1\n"
                         "slip.dist,uniform\nslip.low,-0.5\nslip.high,3.5\nseed,21\n",
                         elements, NULL,
                         "id,probability,dist,likely,year\n"
                         "r,0.3,fixed,50,2026\n",
                         NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 20000, 2, false);
    assert_int_equal(r->n_attribution, 3);
    assert_string_equal(r->attribution[0].source, "element");
    assert_string_equal(r->attribution[1].source, "risk");
    assert_string_equal(r->attribution[2].source, "slip");
    const double var[3] = {100, 525, 125}, total = 750;
    double sum = 0;
    for (int i = 0; i < 3; i++) {
        double share = var[i] / total;
        check_indices(&r->attribution[i], share, share, share);
        sum += r->attribution[i].shapley_share;
    }
    EF_NEAR(sum, 1, 1e-12);
    /* Scaling every amount changes no share, even where the squares of
     * the totals would underflow (amounts of 1e-288: a unit of the sums
     * must follow the totals' spread). */
    cs_setting tiny[] = {{"phase.p.scale", "1e-290"}, {"phase.risk.scale", "1e-290"}};
    cs_model *mt = ef_load(c.scenario, tiny, 2);
    cs_results *rt = ef_run(mt, 20000, 2, false);
    assert_int_equal(rt->n_attribution, 3);
    for (int i = 0; i < 3; i++) {
        EF_NEAR(rt->attribution[i].first_order, r->attribution[i].first_order, 1e-9);
        EF_NEAR(rt->attribution[i].total_effect, r->attribution[i].total_effect, 1e-9);
        EF_NEAR(rt->attribution[i].shapley_share, r->attribution[i].shapley_share, 1e-9);
        EF_NEAR(rt->attribution[i].shapley_se, r->attribution[i].shapley_se, 1e-9);
    }
    cs_results_free(rt);
    cs_model_free(mt);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* T = X Y: X an element (normal, mean 100, sigma 40) paid in USD in 2026,
 * Y the USD rate of 2026 (gbm from 1.35, drift 0, sigma 0.5, one step:
 * lognormal with mean 1.35 and variance 1.35^2 (e^0.25 - 1)). With
 * V = mx^2 sy^2 + my^2 sx^2 + sx^2 sy^2:
 * first(X) = my^2 sx^2 / V, total(X) = (my^2 sx^2 + sx^2 sy^2) / V,
 * Shapley(X) = (my^2 sx^2 + sx^2 sy^2 / 2) / V, and the same for Y. */
static void test_shapley_product(void **state)
{
    (void)state;
    double h = 40 * Z90;
    char elements[512];
    snprintf(elements, sizeof elements,
             "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
             "x,X,p,USD,once,normal,%.17g,,%.17g,2026,2026\n",
             100 - h, 100 + h);
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,5\n",
                         elements,
                         "currency,rate,fx_model,drift,volatility\n"
                         "USD,1.35,gbm,0,0.5\n",
                         NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 40000, 2, false);
    assert_int_equal(r->n_attribution, 2);
    double mx = 100, sx2 = 1600, my = 1.35, sy2 = 1.35 * 1.35 * (exp(0.25) - 1);
    double V = mx * mx * sy2 + my * my * sx2 + sx2 * sy2;
    check_indices(source_row(r, "element"), my * my * sx2 / V, (my * my * sx2 + sx2 * sy2) / V,
                  (my * my * sx2 + sx2 * sy2 / 2) / V);
    check_indices(source_row(r, "fx"), mx * mx * sy2 / V, (mx * mx * sy2 + sx2 * sy2) / V,
                  (mx * mx * sy2 + sx2 * sy2 / 2) / V);
    /* The interaction is real here: first-order < Shapley < total. */
    const cs_attribution *x = source_row(r, "element");
    assert_true(x->first_order < x->shapley_share && x->shapley_share < x->total_effect);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* The slip drives the total: slip uniform -0.5 .. 3.5 moves the end of a
 * per_year element, so the total is an increasing function of the rounded
 * slip k = round(U) and nothing else. Spearman's rho between U and k (average ranks) is
 * corr(U, k) = sqrt(Var k / Var U) = sqrt(1.25 / (4/3)). */
static void test_slip_rank_correlation(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,1\nfirst_delivery,2030\nservice_life,1\n"
                         "slip.dist,uniform\nslip.low,-0.5\nslip.high,3.5\nseed,9\n",
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
                         "ops,Ops,p,CAD,per_year,fixed,,10,,2026,first_delivery\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 5000, 2, false);
    assert_int_equal(r->n_sensitivity, 1);
    const cs_sensitivity *s = &r->sensitivity[0];
    assert_int_equal(s->kind, CS_INPUT_SLIP);
    assert_string_equal(s->input, "slip");
    double rho = sqrt(1.25 / (4.0 / 3.0));
    EF_NEAR(atanh(s->rank_correlation), atanh(rho), 4 * sqrt(1.06 / (5000 - 3)));
    /* Its interval is the Fieller-Hartley-Pearson one. */
    double half = 1.96 * sqrt(1.06 / (5000 - 3));
    EF_NEAR(s->ci_low, tanh(atanh(s->rank_correlation) - half), 1e-12);
    EF_NEAR(s->ci_high, tanh(atanh(s->rank_correlation) + half), 1e-12);
    /* The slip is in the tornado: held at P10 (-0.1 -> 0) and P90 (3.1 -> 3). */
    assert_int_equal(r->tornado[0].kind, CS_INPUT_SLIP);
    EF_NEAR(r->tornado[0].swing, 30, 1e-9); /* 3 more years of 10 */
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* A rare large risk (p 0.05, impact 100) next to an element uniform on
 * 0 .. 10: the element has the larger |rho|, the risk the larger swing.
 * Held at P10 / P90 the element moves the P50 by exactly 8 (the risk is
 * absent at the P50); the risk absent / occurring moves it by exactly 100. */
static void test_tornado_by_swing(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,4\n",
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
                         "a,A,p,CAD,once,uniform,0,,10,2026,2026\n",
                         NULL,
                         "id,probability,dist,likely,year\n"
                         "big,0.05,fixed,100,2026\n",
                         NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 4000, 2, false);
    assert_int_equal(r->n_sensitivity, 2);
    assert_string_equal(r->sensitivity[0].input, "a");
    assert_true(fabs(r->sensitivity[0].rank_correlation) >
                fabs(r->sensitivity[1].rank_correlation));
    assert_int_equal(r->n_tornado, 2);
    assert_string_equal(r->tornado[0].input, "big");
    assert_int_equal(r->tornado[0].kind, CS_INPUT_RISK);
    assert_string_equal(r->tornado[1].input, "a");
    EF_NEAR(r->tornado[0].swing, 100, 1e-9);
    EF_NEAR(r->tornado[0].high - r->tornado[0].low, 100, 1e-9);
    EF_NEAR(r->tornado[1].low, 1, 1e-9);
    EF_NEAR(r->tornado[1].high, 9, 1e-9);
    EF_NEAR(r->tornado[1].swing, 8, 1e-9);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* An inflation hold (only CAD's inflation is uncertain, triangular 1 %,
 * 2 %, 4 %): 100 CAD paid in 2030 plus 50 USD (rate 1.35, inflation 3 %)
 * paid in 2030; held at P10 / P90 the total is exactly
 * 100 (1 + q)^5 + 50 x 1.35 x 1.03^5. */
static void test_tornado_inflation_hold(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,2\n",
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
                         "a,A,p,CAD,once,fixed,,100,,2030,2030\n"
                         "b,B,p,USD,once,fixed,,50,,2030,2030\n",
                         "currency,rate,inflation.dist,inflation.low,inflation.likely,"
                         "inflation.high\n"
                         "CAD,,triangular,0.01,0.02,0.04\n"
                         "USD,1.35,fixed,,0.03,\n",
                         NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 1000, 2, false);
    assert_int_equal(r->n_tornado, 1);
    assert_int_equal(r->tornado[0].kind, CS_INPUT_INFLATION);
    double q10 = 0.01 + sqrt(0.1 * 0.03 * 0.01), q90 = 0.04 - sqrt(0.1 * 0.03 * 0.02);
    double usd = 50 * 1.35 * pow(1.03, 5);
    EF_REL(r->tornado[0].low, 100 * pow(1 + q10, 5) + usd, 1e-12);
    EF_REL(r->tornado[0].high, 100 * pow(1 + q90, 5) + usd, 1e-12);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* A risk with a slip (p 0.3, 50 in 2026, 2 years late) over 10 a year to
 * the first delivery (2026 .. 2030): absent the total is exactly 50,
 * occurring 10 x 7 + 50 = 120. Held absent and occurring, the tornado's
 * P50s are those two numbers in every trial, whether the risk occurred in
 * the trial or not (the hold moves the schedule both ways). */
static void test_tornado_risk_slip_hold(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "units,1\nfirst_delivery,2030\nservice_life,1\nseed,12\n",
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
                         "ops,Ops,p,CAD,per_year,fixed,,10,,2026,first_delivery\n",
                         NULL,
                         "id,probability,dist,likely,year,slip\n"
                         "late,0.3,fixed,50,2026,2\n",
                         NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 2000, 2, false);
    assert_int_equal(r->n_tornado, 1);
    assert_int_equal(r->tornado[0].kind, CS_INPUT_RISK);
    EF_NEAR(r->tornado[0].low, 50, 1e-9);
    EF_NEAR(r->tornado[0].high, 120, 1e-9);
    EF_NEAR(r->tornado[0].swing, 70, 1e-9);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* An exchange-rate hold: 1 000 KRW paid in 2030, KRW gbm from 0.001 CAD
 * with drift 0 and volatility 0.2, nothing else uncertain. Held at its P10
 * and P90 every one of the T = 5 shocks is z / sqrt(5), so the 2030 rate is
 * 0.001 exp(-5 x 0.02 +/- 0.2 sqrt(5) z90) in every trial. */
static void test_tornado_fx_hold(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,3\n",
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
                         "k,K,p,KRW,once,fixed,,1000,,2030,2030\n",
                         "currency,rate,fx_model,drift,volatility\n"
                         "KRW,0.001,gbm,0,0.2\n",
                         NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 1000, 2, false);
    assert_int_equal(r->n_tornado, 1);
    assert_int_equal(r->tornado[0].kind, CS_INPUT_FX);
    EF_REL(r->tornado[0].low, exp(-0.1 - 0.2 * sqrt(5) * Z90), 1e-12);
    EF_REL(r->tornado[0].high, exp(-0.1 + 0.2 * sqrt(5) * Z90), 1e-12);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

static double correlation(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

#define CRN_ELEMENTS                                                                       \
    "id,name,phase,currency,basis,dist,low,likely,high,start,end,stream\n"                 \
    "hull,Hull,p,CAD,once,pert,80,100,%s,2026,2028,%s\n"                                   \
    "crew,Crew,p,CAD,per_year,triangular,5,6,9,2026,2035,%s\n"

/* Common random numbers: B is A with hull's high raised 150 -> 160, so every
 * input keeps its stream and the per-trial difference is far less spread
 * than the totals; C puts every input on its own stream (stream column and
 * slip.stream), so its totals are uncorrelated with A's. */
static void test_common_random_numbers(void **state)
{
    (void)state;
    enum { N = 4000 };
    const char *scen = "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,77\n"
                       "units,1\nfirst_delivery,2030\nservice_life,1\n"
                       "slip.dist,triangular\nslip.low,0\nslip.likely,1\nslip.high,3\n"
                       "%s";
    const char *risks = "id,probability,dist,low,likely,high,year,stream\n"
                        "late,0.4,triangular,5,10,30,first_delivery,%s\n";
    char sa[512], sc[512], ea[512], eb[512], ec[512], ra[256], rc[256];
    snprintf(sa, sizeof sa, scen, "");
    snprintf(sc, sizeof sc, scen, "slip.stream,c-slip\n");
    snprintf(ea, sizeof ea, CRN_ELEMENTS, "150", "", "");
    snprintf(eb, sizeof eb, CRN_ELEMENTS, "160", "", "");
    snprintf(ec, sizeof ec, CRN_ELEMENTS, "150", "c-hull", "c-crew");
    snprintf(ra, sizeof ra, risks, "");
    snprintf(rc, sizeof rc, risks, "c-late");
    ef_case a = ef_write(sa, ea, NULL, ra, NULL);
    ef_case b = ef_write(sa, eb, NULL, ra, NULL);
    ef_case c = ef_write(sc, ec, NULL, rc, NULL);
    cs_model *ma = ef_load(a.scenario, NULL, 0), *mb = ef_load(b.scenario, NULL, 0),
             *mc = ef_load(c.scenario, NULL, 0);
    cs_results *ra_ = ef_run(ma, N, 2, false), *rb_ = ef_run(mb, N, 1, false),
               *rc_ = ef_run(mc, N, 2, false);
    const double *ta = ra_->totals[CS_NOMINAL], *tb = rb_->totals[CS_NOMINAL],
                 *tc = rc_->totals[CS_NOMINAL];
    double *diff = malloc(N * sizeof(double));
    assert_non_null(diff);
    for (size_t j = 0; j < N; j++)
        diff[j] = tb[j] - ta[j];
    double md, sd_diff, mt, sd_total;
    cs_stats_mean_sd(diff, N, &md, &sd_diff);
    cs_stats_mean_sd(ta, N, &mt, &sd_total);
    /* Only hull's draw changed, on the same random numbers: the difference
     * is hull's own change (independent draws would give sqrt(2) sd). */
    assert_true(md > 0);
    assert_true(sd_diff < 0.2 * sd_total);
    assert_true(correlation(ta, tb, N) > 0.95);
    /* Disjoint streams: correlation 0 within 4 standard errors. */
    EF_NEAR(correlation(ta, tc, N), 0, 4 / sqrt((double)N));
    free(diff);
    cs_results_free(ra_);
    cs_results_free(rb_);
    cs_results_free(rc_);
    cs_model_free(ma);
    cs_model_free(mb);
    cs_model_free(mc);
    ef_free(&a);
    ef_free(&b);
    ef_free(&c);
}

/* An input's random numbers depend on its stream, not its id: renaming an
 * element while keeping its stream keeps its draws bit for bit. */
static void test_stream_not_id(void **state)
{
    (void)state;
    const char *scen = "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,3\n";
    ef_case a = ef_write(scen,
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
                         "hull,Hull,p,CAD,once,pert,80,100,150,2026,2028\n",
                         NULL, NULL, NULL);
    ef_case b = ef_write(scen,
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end,stream\n"
                         "boat,Boat,p,CAD,once,pert,80,100,150,2026,2028,hull\n",
                         NULL, NULL, NULL);
    cs_model *ma = ef_load(a.scenario, NULL, 0), *mb = ef_load(b.scenario, NULL, 0);
    cs_results *ra = ef_run(ma, 500, 2, false), *rb = ef_run(mb, 500, 2, false);
    assert_memory_equal(ra->totals[CS_NOMINAL], rb->totals[CS_NOMINAL], 500 * sizeof(double));
    cs_results_free(ra);
    cs_results_free(rb);
    cs_model_free(ma);
    cs_model_free(mb);
    ef_free(&a);
    ef_free(&b);
}

/* streams.csv: by kind, A's inputs in file order (with B's input on the
 * same stream), then the streams only B uses; fixed inputs draw nothing
 * and are not listed. */
static void test_streams_rows(void **state)
{
    (void)state;
    const char *scen = "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                       "units,1\nfirst_delivery,2030\nservice_life,1\n"
                       "slip.dist,uniform\nslip.low,0\nslip.high,2\n%s";
    char sa[512], sb[512];
    snprintf(sa, sizeof sa, scen, "");
    snprintf(sb, sizeof sb, scen, "slip.stream,b-slip\n");
    ef_case a = ef_write(sa,
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end,stream\n"
                         "hull,H,p,CAD,once,pert,1,2,3,2026,2026,a-hull\n"
                         "crew,C,p,CAD,once,pert,1,2,3,2026,2026,\n"
                         "fix,F,p,CAD,once,fixed,,2,,2026,2026,\n",
                         NULL, "id,probability,dist,likely,year\nlate,0.5,fixed,3,2027\n", NULL);
    ef_case b = ef_write(sb,
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end,stream\n"
                         "boat,B,p,CAD,once,pert,1,2,3,2026,2026,b-hull\n"
                         "staff,S,p,CAD,once,pert,1,2,3,2026,2026,crew\n",
                         NULL, NULL, NULL);
    cs_model *ma = ef_load(a.scenario, NULL, 0), *mb = ef_load(b.scenario, NULL, 0);
    cs_results *ra = ef_run(ma, 50, 1, false), *rb = ef_run(mb, 50, 1, false);
    size_t n;
    cs_stream_row *rows = cs_report_streams_compute(ra, rb, &n);
    assert_non_null(rows);
    static const struct {
        cs_input_kind kind;
        const char *stream, *a, *b;
    } want[] = {
        {CS_INPUT_ELEMENT, "a-hull", "hull", NULL}, {CS_INPUT_ELEMENT, "crew", "crew", "staff"},
        {CS_INPUT_ELEMENT, "b-hull", NULL, "boat"}, {CS_INPUT_RISK, "late", "late", NULL},
        {CS_INPUT_SLIP, "slip", "slip", NULL},      {CS_INPUT_SLIP, "b-slip", NULL, "slip"},
    };
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rows[i].kind, want[i].kind);
        assert_string_equal(rows[i].stream, want[i].stream);
        if (want[i].a)
            assert_string_equal(rows[i].a_input, want[i].a);
        else
            assert_null(rows[i].a_input);
        if (want[i].b)
            assert_string_equal(rows[i].b_input, want[i].b);
        else
            assert_null(rows[i].b_input);
    }
    size_t shared, total;
    cs_report_streams_shared(rows, n, CS_INPUT_ELEMENT, &shared, &total);
    assert_true(shared == 1 && total == 3);
    free(rows);
    cs_results_free(ra);
    cs_results_free(rb);
    cs_model_free(ma);
    cs_model_free(mb);
    ef_free(&a);
    ef_free(&b);
}

/* Many inputs on many trials (100 elements, 100 000 trials: more held
 * totals than one pass holds (83 inputs), so the tornado screens on 10 000 trials,
 * then measures the 30 largest on all): element e is uniform on 0 .. e+1,
 * independent and additive, so holding it at its P10 / P90 puts the P50 at
 * exactly 0.1 (e+1) / 0.9 (e+1) plus the P50 of the others: swing
 * 0.8 (e+1). The 10 widest are listed, widest first. */
static void test_tornado_many_inputs(void **state)
{
    (void)state;
    char *elements = malloc(64 * 1024);
    assert_non_null(elements);
    size_t len = (size_t)snprintf(elements, 256,
                                  "id,name,phase,currency,basis,dist,low,likely,high,start,end\n");
    for (int e = 0; e < 100; e++)
        len += (size_t)snprintf(elements + len, 256, "e%d,E,p,CAD,once,uniform,0,,%d,2026,2026\n",
                                e, e + 1);
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,6\n",
                         elements, NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, 100000, 2, false);
    assert_int_equal(r->n_tornado, 10);
    for (int i = 0; i < 10; i++) {
        char id[8];
        snprintf(id, sizeof id, "e%d", 99 - i);
        assert_string_equal(r->tornado[i].input, id);
        EF_NEAR(r->tornado[i].swing, 0.8 * (100 - i), 1e-9);
    }
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
    free(elements);
}

/* Whether a run's reported intervals meet the --precision criterion. */
static bool meets(const cs_results *r, double p)
{
    const cs_summary_row *t = &r->rows[CS_NOMINAL][0];
    double p80 = t->p[CS_P80];
    return r->mean_ci[1] - t->mean <= p * fabs(t->mean) && p80 - r->p80_ci[0] <= p * fabs(p80) &&
           r->p80_ci[1] - p80 <= p * fabs(p80);
}

/* --precision (docs/COMMANDS.md) checks at 1 000 trials and each doubling: the
 * run stops at the first check that meets the criterion (the one before does
 * not), equals a plain run of that many trials, and with a ceiling that
 * is not a doubling its last check is the ceiling. */
static void test_precision_first_doubling(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nseed,12\n",
                         "id,name,phase,currency,basis,dist,low,likely,high,start,end\n"
                         "hull,Hull,a,CAD,once,normal,95,,105,2026,2027\n"
                         "fit,Fit,a,CAD,once,fixed,,20,,2028,2028\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_run_options opt = {.trials = 10000000, .threads = 2, .precision = 0.001,
                          .seed = m->seed};
    cs_diag *d = cs_diag_alloc();
    cs_results *r = NULL;
    assert_int_equal(cs_engine_run(m, &opt, &r, d), CS_OK);
    assert_non_null(r);
    uint64_t n = r->trials;
    assert_true(n % 1000 == 0 && n >= 2000);
    assert_true(((n / 1000) & (n / 1000 - 1)) == 0); /* 1000 x 2^k */
    assert_true(r->precision_met && meets(r, 0.001));
    assert_true(r->precision_ceiling == 10000000 && !r->precision_memory_stop);
    cs_results *half = ef_run(m, n / 2, 1, false), *plain = ef_run(m, n, 1, false);
    assert_false(meets(half, 0.001));
    assert_memory_equal(r->totals[CS_NOMINAL], plain->totals[CS_NOMINAL], n * sizeof(double));
    cs_results_free(half);
    cs_results_free(plain);
    cs_results_free(r);

    /* Ceiling 3000: checks at 1000, 2000 and 3000, not met. */
    opt.trials = 3000;
    opt.precision = 0.00001;
    assert_int_equal(cs_engine_run(m, &opt, &r, d), CS_OK);
    assert_non_null(r);
    assert_int_equal(r->trials, 3000);
    assert_false(r->precision_met);
    assert_int_equal(r->precision_ceiling, 3000);
    cs_results_free(r);
    cs_diag_free(d);
    cs_model_free(m);
    ef_free(&c);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapley_additive),
        cmocka_unit_test(test_shapley_product),
        cmocka_unit_test(test_slip_rank_correlation),
        cmocka_unit_test(test_tornado_by_swing),
        cmocka_unit_test(test_tornado_inflation_hold),
        cmocka_unit_test(test_tornado_risk_slip_hold),
        cmocka_unit_test(test_tornado_fx_hold),
        cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_stream_not_id),
        cmocka_unit_test(test_precision_first_doubling),
        cmocka_unit_test(test_streams_rows),
        cmocka_unit_test(test_tornado_many_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
