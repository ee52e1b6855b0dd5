/* test_loader: the scenario loader and the model's schedule arithmetic
 * (docs/FORMAT.md, docs/LIMITS.md): defaults, overrides and their precedence,
 * scales, phases, the delivery schedule, correlation groups and repair, FX
 * shock correlation, and error paths with their exact path:line:column.
 *
 * Every case writes its own scenario and model into a fresh temporary
 * directory. The corpus under tests/data/ (tests/e2e_check.cmake) covers
 * the command line and many more faults. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "costsim.h"
#include "corr.h"
#include "diag.h"
#include "loader.h"
#include "model.h"
#include "testutil.h"

#define PI 3.14159265358979323846

static const char base_elements[] =
    "id,name,phase,currency,basis,dist,low,likely,high,start,end,profile,learning,notes\n"
    "design,Design,acquisition,CAD,once,pert,80,100,150,2026,2029,front,,\n"
    "hull,Hull,acquisition,USD,per_unit,triangular,900,1000,1300,,,,0.95,\n"
    "office,Office,acquisition,CAD,per_year,uniform,10,,14,2026,last_delivery,,,\n"
    "crew,Crew,sustainment,CAD,per_unit_year,normal,20,25,30,,,,,\n"
    "infra,Jetty,infrastructure,CAD,once,fixed,,50,,2027,2028,,,\n";

static const char base_currencies[] =
    "currency,rate,fx_model,drift,volatility,reversion,hedge_ratio,hedge_rate,"
    "inflation.dist,inflation.low,inflation.likely,inflation.high\n"
    "CAD,,,,,,,,,,0.02,\n"
    "USD,1.35,gbm,0.01,0.08,,0.5,1.33,triangular,0.01,0.025,0.04\n"
    "EUR,1.5,ou,,0.07,0.2,,,,,0.02,\n";

static const char base_risks[] =
    "id,name,probability,phase,currency,dist,low,likely,high,year,slip\n"
    "weld,Weld defects,0.2,,,triangular,10,20,50,first_delivery-1,2\n";

static const char base_scenario[] = "key,value\n"
                                    "model,model\n"
                                    "base_year,2025\n"
                                    "base_currency,CAD\n"
                                    "units,4\n"
                                    "first_delivery,2032\n"
                                    "delivery_interval,1.5\n"
                                    "build_years,3\n"
                                    "service_life,20\n";

typedef struct {
    char *dir;
    char *scenario;
    cs_diag *diag;
    cs_model *model;
} fixture;

/* Writes a case (testutil's fixture): any file argument may be NULL to
 * leave it out. */
static void make_case(fixture *f, const char *scenario, const char *elements,
                      const char *currencies, const char *risks, const char *correlations,
                      const char *fx_correlations)
{
    tu_case c = tu_write_case(scenario, elements, currencies, risks, correlations,
                              fx_correlations);
    f->dir = c.dir;
    f->scenario = c.scenario;
    f->diag = cs_diag_alloc();
}

static void load(fixture *f, const cs_setting *sets, size_t n_sets)
{
    cs_model_free(f->model);
    cs_diag_clear(f->diag);
    f->model = cs_loader_load(f->scenario, sets, n_sets, f->diag);
}

static void dump(const fixture *f)
{
    for (size_t i = 0; i < cs_diag_count(f->diag); i++) {
        char *s = cs_diag_format(cs_diag_get(f->diag, i));
        print_message("  diag: %s\n", s);
        free(s);
    }
}

static void finish(fixture *f)
{
    cs_model_free(f->model);
    cs_diag_free(f->diag);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->scenario);
    memset(f, 0, sizeof *f);
}

/* True when some entry's path ends with `path_suffix`, at `line` and
 * `column` (NULL: none), with `text` in its message. */
static bool has_diag(const fixture *f, const char *path_suffix, int line, const char *column,
                     const char *text)
{
    for (size_t i = 0; i < cs_diag_count(f->diag); i++) {
        const cs_diag_entry *e = cs_diag_get(f->diag, i);
        size_t lp = strlen(e->path), ls = strlen(path_suffix);
        if (lp < ls || strcmp(e->path + lp - ls, path_suffix))
            continue;
        if (e->line != line)
            continue;
        if (!column ? e->column != NULL : !e->column || strcmp(e->column, column))
            continue;
        if (strstr(e->message, text))
            return true;
    }
    return false;
}

#define EXPECT_DIAG(f, path, line, column, text)                                       \
    do {                                                                               \
        if (!has_diag(f, path, line, column, text)) {                                  \
            dump(f);                                                                   \
            fail_msg("no diag %s:%d:%s: %s", path, line, column ? column : "", text);  \
        }                                                                              \
    } while (0)

#define EXPECT_OK(f)                                                                   \
    do {                                                                               \
        if (!(f)->model) {                                                             \
            dump(f);                                                                   \
            fail_msg("load failed");                                                   \
        }                                                                              \
    } while (0)

static const cs_element *element(const cs_model *m, const char *id)
{
    for (size_t i = 0; i < m->n_elements; i++)
        if (!strcmp(m->elements[i].id, id))
            return &m->elements[i];
    fail_msg("no element %s", id);
    return NULL;
}

static const cs_currency *currency(const cs_model *m, const char *code)
{
    for (size_t i = 0; i < m->n_currencies; i++)
        if (!strcmp(m->currencies[i].code, code))
            return &m->currencies[i];
    fail_msg("no currency %s", code);
    return NULL;
}

/* ------------------------------------------------------------------ */

static void test_defaults(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
              "id,phase,currency,basis,dist,likely,start,end\n"
              "a,build,CAD,once,fixed,12.5,2025,2027\n",
              NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    const cs_model *m = f.model;
    assert_string_equal(m->name, "scenario");
    assert_int_equal(m->trials, 10000);
    assert_int_equal(m->seed, 1);
    assert_int_equal(m->units, 1);
    assert_int_equal(m->delivery_interval_milli, 1000);
    assert_int_equal(m->build_years, 1);
    assert_int_equal(m->service_life, 1);
    assert_false(m->has_first_delivery);
    assert_false(m->has_budget);
    assert_false(m->correlation_repair);
    assert_close(m->discount_rate, 0, 0);
    assert_close(m->default_correlation, 0, 0);
    assert_int_equal(m->slip.kind, CS_DIST_FIXED);
    assert_close(m->slip.likely, 0, 0);
    assert_int_equal(m->n_currencies, 1);
    assert_true(m->currencies[0].is_base);
    assert_string_equal(m->currencies[0].code, "CAD");
    assert_close(m->currencies[0].rate, 1, 0);
    assert_close(m->currencies[0].hedge_ratio, 0, 0);
    assert_int_equal(m->currencies[0].inflation.kind, CS_DIST_FIXED);
    assert_close(m->currencies[0].inflation.likely, 0, 0);
    assert_int_equal(m->report_currency, m->base_currency);
    assert_int_equal(m->n_risks, 0);
    assert_int_equal(m->n_corr_groups, 0);
    assert_int_equal(m->n_fx, 0);
    assert_int_equal(m->n_warnings, 0);
    assert_close(m->elements[0].scale, 1, 0);
    assert_close(m->elements[0].learning, 1, 0);
    assert_int_equal(m->elements[0].profile, CS_PROFILE_FLAT);
    assert_int_equal(m->elements[0].line, 2);
    int first, last;
    cs_model_year_span(m, 0, &first, &last);
    assert_int_equal(first, 2025);
    assert_int_equal(last, 2027);
    finish(&f);
}

static void test_base_model(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, base_scenario, base_elements, base_currencies, base_risks, NULL, NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    const cs_model *m = f.model;
    assert_int_equal(m->n_elements, 5);
    assert_int_equal(m->delivery_interval_milli, 1500);
    const cs_element *hull = element(m, "hull");
    assert_int_equal(hull->basis, CS_BASIS_PER_UNIT);
    assert_true(fabs(hull->learning - 0.95) < 1e-15);
    assert_string_equal(m->currencies[hull->currency].code, "USD");
    assert_int_equal(element(m, "design")->profile, CS_PROFILE_FRONT);
    const cs_element *office = element(m, "office");
    assert_int_equal(office->end.marker, CS_MARK_LAST_DELIVERY);
    const cs_currency *usd = currency(m, "USD");
    assert_int_equal(usd->fx_model, CS_FX_GBM);
    assert_close(usd->rate, 1.35, 0);
    assert_close(usd->hedge_rate, 1.33, 0);
    assert_close(usd->hedge_ratio, 0.5, 0);
    assert_close(usd->drift, 0.01, 0);
    assert_close(usd->volatility, 0.08, 0);
    assert_int_equal(usd->inflation.kind, CS_DIST_TRIANGULAR);
    const cs_currency *eur = currency(m, "EUR");
    assert_int_equal(eur->fx_model, CS_FX_OU);
    assert_close(eur->hedge_rate, 1.5, 0);
    assert_close(eur->reversion, 0.2, 0);
    assert_close(currency(m, "CAD")->inflation.likely, 0.02, 0);
    /* risk defaults: phase risk, base currency */
    assert_int_equal(m->n_risks, 1);
    assert_string_equal(m->phases[m->risks[0].phase], "risk");
    assert_int_equal(m->risks[0].currency, m->base_currency);
    assert_int_equal(m->risks[0].slip, 2);
    assert_close(m->risks[0].probability, 0.2, 0);
    /* FX: both stochastic currencies, independent without fx_correlations */
    assert_int_equal(m->n_fx, 2);
    assert_string_equal(m->currencies[m->fx_currencies[0]].code, "USD");
    assert_string_equal(m->currencies[m->fx_currencies[1]].code, "EUR");
    assert_close(m->fx_chol[0], 1, 0);
    assert_close(m->fx_chol[2], 0, 0);
    assert_close(m->fx_chol[3], 1, 0);
    /* years without slip: design 2026, crew to delivery_4 + 19 = 2036 + 19 */
    int first, last;
    cs_model_year_span(m, 0, &first, &last);
    assert_int_equal(first, 2026);
    assert_int_equal(last, 2055);
    cs_model_element_years(m, hull, 0, &first, &last);
    assert_int_equal(first, 2029);
    assert_int_equal(last, 2035);
    cs_model_element_years(m, hull, 3, &first, &last);
    assert_int_equal(first, 2032);
    assert_int_equal(last, 2038);
    assert_int_equal(cs_model_risk_year(m, &m->risks[0], 2), 2033);
    finish(&f);
}

static void test_delivery_schedule(void **state)
{
    (void)state;
    cs_model m = {0};
    m.first_delivery = 2030;
    m.units = 6;
    m.service_life = 25;
    m.delivery_interval_milli = 750;
    /* floor((k-1) * 0.75): 0, 0, 1, 2, 3, 3 */
    const int want[] = {2030, 2030, 2031, 2032, 2033, 2033};
    for (int k = 1; k <= 6; k++)
        assert_int_equal(cs_model_delivery_year(&m, 0, k), want[k - 1]);
    assert_int_equal(cs_model_delivery_year(&m, 3, 6), 2036);
    m.delivery_interval_milli = 0;
    assert_int_equal(cs_model_delivery_year(&m, 1, 6), 2031);
    m.delivery_interval_milli = 1333;
    assert_int_equal(cs_model_delivery_year(&m, 0, 4), 2033); /* floor(3.999) */
    m.delivery_interval_milli = 100000;
    assert_int_equal(cs_model_delivery_year(&m, 0, 1000), 2030 + 99900);
    /* saturates instead of overflowing */
    assert_int_equal(cs_model_delivery_year(&m, 2147483000, 1000), 2147483647);

    cs_yexpr y = {CS_MARK_END_OF_SERVICE, -2};
    assert_int_equal(cs_model_yexpr_eval(&m, y, 2030, 2033), 2033 + 25 - 1 - 2);
    y = (cs_yexpr){CS_MARK_FIRST_DELIVERY, -8};
    assert_int_equal(cs_model_yexpr_eval(&m, y, 2030, 2033), 2022);
    y = (cs_yexpr){CS_MARK_LAST_DELIVERY, 3};
    assert_int_equal(cs_model_yexpr_eval(&m, y, 2030, 2033), 2036);
    y = (cs_yexpr){CS_MARK_YEAR, 2041};
    assert_int_equal(cs_model_yexpr_eval(&m, y, 2030, 2033), 2041);

    char buf[48];
    assert_string_equal(cs_model_yexpr_format((cs_yexpr){CS_MARK_YEAR, 2031}, buf), "2031");
    assert_string_equal(cs_model_yexpr_format((cs_yexpr){CS_MARK_FIRST_DELIVERY, -8}, buf),
                        "first_delivery-8");
    assert_string_equal(cs_model_yexpr_format((cs_yexpr){CS_MARK_LAST_DELIVERY, 2}, buf),
                        "last_delivery+2");
    assert_string_equal(cs_model_yexpr_format((cs_yexpr){CS_MARK_END_OF_SERVICE, 0}, buf),
                        "end_of_service");
}

static void test_interval_and_markers_loaded(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f,
              "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nunits,6\n"
              "first_delivery,2030\ndelivery_interval,0.75\nservice_life,25\n",
              "id,phase,currency,basis,dist,likely,start,end\n"
              "a,x,CAD,per_year,fixed,1,first_delivery-5,end_of_service-2\n",
              NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    assert_int_equal(f.model->delivery_interval_milli, 750);
    const cs_element *a = &f.model->elements[0];
    assert_int_equal(a->start.marker, CS_MARK_FIRST_DELIVERY);
    assert_int_equal(a->start.offset, -5);
    assert_int_equal(a->end.marker, CS_MARK_END_OF_SERVICE);
    assert_int_equal(a->end.offset, -2);
    int first, last;
    cs_model_element_years(f.model, a, 0, &first, &last);
    assert_int_equal(first, 2025);
    assert_int_equal(last, 2033 + 24 - 2);
    /* 1.125 is 1125 thousandths; 1e-3 is 1 */
    cs_setting set = {"delivery_interval", "1.125"};
    load(&f, &set, 1);
    EXPECT_OK(&f);
    assert_int_equal(f.model->delivery_interval_milli, 1125);
    set.value = "1e-3";
    load(&f, &set, 1);
    EXPECT_OK(&f);
    assert_int_equal(f.model->delivery_interval_milli, 1);
    set.value = "0.0005";
    load(&f, &set, 1);
    assert_null(f.model);
    EXPECT_DIAG(&f, "--set delivery_interval", 0, NULL, "not a whole number of thousandths");
    set.value = "100.001";
    load(&f, &set, 1);
    EXPECT_DIAG(&f, "--set delivery_interval", 0, NULL, "out of range; allowed: 0 to 100");
    finish(&f);
}

static void test_overrides(void **state)
{
    (void)state;
    fixture f = {0};
    char scenario[2048];
    snprintf(scenario, sizeof scenario,
             "%strials,500\nelement.hull.high,1400\n"
             "element.design.dist,fixed\nelement.design.low,\nelement.design.high,\n"
             "risk.weld.probability,0.35\ncurrency.USD.fx_model,fixed\n"
             "element.hull.scale,0.5\nphase.acquisition.scale,2\nphase.risk.scale,3\n",
             base_scenario);
    make_case(&f, scenario, base_elements, base_currencies, base_risks, NULL, NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    const cs_model *m = f.model;
    assert_int_equal(m->trials, 500);
    assert_close(element(m, "hull")->dist.high, 1400, 0);
    const cs_element *design = element(m, "design");
    assert_int_equal(design->dist.kind, CS_DIST_FIXED);
    assert_close(design->dist.likely, 100, 0);
    assert_false(design->dist.has_low || design->dist.has_high);
    assert_close(m->risks[0].probability, 0.35, 0);
    /* fixed ignores drift and volatility: USD is no longer stochastic */
    assert_int_equal(currency(m, "USD")->fx_model, CS_FX_FIXED);
    assert_int_equal(m->n_fx, 1);
    /* element scale x phase scale; other phases untouched */
    assert_close(element(m, "hull")->scale, 1.0, 0);
    assert_close(element(m, "office")->scale, 2.0, 0);
    assert_close(element(m, "crew")->scale, 1.0, 0);
    assert_close(m->risks[0].scale, 3.0, 0);

    /* --set beats the file; the last --set for a key wins */
    cs_setting sets[] = {{"trials", "700"}, {"element.hull.high", "1500"},
                         {"trials", "800"}, {"element.design.likely", "90"}};
    load(&f, sets, 4);
    EXPECT_OK(&f);
    assert_int_equal(f.model->trials, 800);
    assert_close(element(f.model, "hull")->dist.high, 1500, 0);
    assert_close(element(f.model, "design")->dist.likely, 90, 0);

    /* an empty --set for a plain key means "not given": default again */
    cs_setting clear = {"trials", ""};
    load(&f, &clear, 1);
    EXPECT_OK(&f);
    assert_int_equal(f.model->trials, 10000);
    finish(&f);
}

static void test_base_currency_row_created(void **state)
{
    (void)state;
    fixture f = {0};
    char scenario[1024];
    snprintf(scenario, sizeof scenario, "%scurrency.CAD.inflation.likely,0.031\n",
             base_scenario);
    make_case(&f, scenario, base_elements,
              "currency,rate,fx_model,volatility\nUSD,1.35,gbm,0.1\n", NULL, NULL, NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    const cs_currency *cad = currency(f.model, "CAD");
    assert_true(cad->is_base);
    assert_close(cad->rate, 1, 0);
    assert_true(fabs(cad->inflation.likely - 0.031) < 1e-15);
    assert_string_equal(f.model->currencies[f.model->base_currency].code, "CAD");
    assert_int_equal(f.model->n_currencies, 2);

    /* without currencies.csv at all, only the base currency is allowed... */
    finish(&f);
    make_case(&f, scenario,
              "id,phase,currency,basis,dist,likely,start,end\n"
              "a,x,CAD,once,fixed,1,2026,2026\n",
              NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    assert_true(fabs(currency(f.model, "CAD")->inflation.likely - 0.031) < 1e-15);
    /* ...and another code needs the file */
    cs_setting set = {"report_currency", "USD"};
    load(&f, &set, 1);
    assert_null(f.model);
    EXPECT_DIAG(&f, "model/currencies.csv", 0, NULL,
                "missing; currencies.csv is required because currency USD is used "
                "(--set report_currency)");
    cs_setting other = {"currency.USD.rate", "1.3"};
    load(&f, &other, 1);
    EXPECT_DIAG(&f, "--set currency.USD.rate", 0, NULL, "unknown currency 'USD'");
    finish(&f);
}

static void test_phases_order(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
              "id,phase,currency,basis,dist,likely,start,end\n"
              "a,sustain,CAD,once,fixed,1,2026,2026\n"
              "b,acquire,CAD,once,fixed,1,2026,2026\n"
              "c,sustain,CAD,once,fixed,1,2026,2026\n",
              NULL,
              "id,probability,phase,dist,likely,year\n"
              "r1,0.5,,fixed,1,2027\nr2,0.5,late,fixed,1,2030\nr3,0.5,acquire,fixed,0,2027\n",
              NULL, NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    const cs_model *m = f.model;
    assert_int_equal(m->n_phases, 4);
    assert_string_equal(m->phases[0], "sustain");
    assert_string_equal(m->phases[1], "acquire");
    assert_string_equal(m->phases[2], "risk");
    assert_string_equal(m->phases[3], "late");
    assert_int_equal(m->elements[2].phase, 0);
    assert_int_equal(m->risks[2].phase, 1);
    int first, last;
    cs_model_year_span(m, 0, &first, &last);
    assert_int_equal(first, 2026);
    assert_int_equal(last, 2030); /* risks count */
    finish(&f);
}

/* L L^T must give back the copula matrix entries. */
static double llt(const cs_corr_group *g, size_t i, size_t j)
{
    double s = 0;
    for (size_t k = 0; k < g->n; k++)
        s += g->chol[i * g->n + k] * g->chol[j * g->n + k];
    return s;
}

static const char corr_elements[] =
    "id,phase,currency,basis,dist,low,likely,high,start,end\n"
    "a,x,CAD,once,normal,1,,2,2026,2026\n"
    "b,x,CAD,once,uniform,1,,2,2026,2026\n"
    "c,x,CAD,once,pert,1,1.5,2,2026,2026\n"
    "d,x,CAD,once,lognormal,1,,2,2026,2026\n"
    "e,x,CAD,once,fixed,,5,,2026,2026\n"
    "g,x,CAD,once,triangular,1,1.2,2,2026,2026\n";

static void test_correlation_groups(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
              corr_elements, NULL, NULL,
              "a,b,rho\nc,a,0.5\nb,d,-0.3\ne,a,0.9\n", NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    const cs_model *m = f.model;
    /* {a, c} and {b, d}; e is fixed (pair ignored), g unlisted */
    assert_int_equal(m->n_corr_groups, 2);
    const cs_corr_group *g0 = &m->corr_groups[0], *g1 = &m->corr_groups[1];
    assert_int_equal(g0->n, 2);
    assert_int_equal(g0->elements[0], 0);
    assert_int_equal(g0->elements[1], 2);
    assert_int_equal(g1->n, 2);
    assert_int_equal(g1->elements[0], 1);
    assert_int_equal(g1->elements[1], 3);
    assert_true(fabs(llt(g0, 0, 1) - 2 * sin(PI * 0.5 / 6)) < 1e-12);
    assert_true(fabs(llt(g1, 0, 1) - 2 * sin(PI * -0.3 / 6)) < 1e-12);
    assert_true(fabs(llt(g0, 1, 1) - 1) < 1e-12);
    assert_close(g0->chol[0 * 2 + 1], 0, 0); /* lower triangular */

    /* default_correlation: one group of all five non-fixed elements */
    cs_setting set = {"default_correlation", "0.2"};
    load(&f, &set, 1);
    EXPECT_OK(&f);
    m = f.model;
    assert_int_equal(m->n_corr_groups, 1);
    const cs_corr_group *all = &m->corr_groups[0];
    assert_int_equal(all->n, 5);
    const size_t want[] = {0, 1, 2, 3, 5};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(all->elements[i], want[i]);
    assert_true(fabs(llt(all, 0, 2) - 2 * sin(PI * 0.5 / 6)) < 1e-12);
    assert_true(fabs(llt(all, 0, 4) - 2 * sin(PI * 0.2 / 6)) < 1e-12);
    assert_true(fabs(llt(all, 1, 3) - 2 * sin(PI * -0.3 / 6)) < 1e-12);
    assert_false(m->corr_repaired);

    /* rho = 1 is singular but valid */
    finish(&f);
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
              corr_elements, NULL, NULL, "a,b,rho\na,b,1\nb,c,1\na,c,1\n", NULL);
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    assert_int_equal(f.model->n_corr_groups, 1);
    assert_true(fabs(llt(&f.model->corr_groups[0], 0, 2) - 1) < 1e-9);
    finish(&f);
}

static void test_correlation_errors_and_repair(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
              corr_elements, NULL, NULL, "a,b,rho\na,b,0.9\nb,c,0.9\na,c,-0.9\n", NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    EXPECT_DIAG(&f, "model/correlations.csv", 0, NULL,
                "not positive semi-definite: smallest eigenvalue -");
    EXPECT_DIAG(&f, "model/correlations.csv", 0, NULL, "a-c (rho -0.9)");

    cs_setting set = {"correlation_repair", "yes"};
    load(&f, &set, 1);
    EXPECT_OK(&f);
    const cs_model *m = f.model;
    assert_true(m->corr_repaired);
    assert_true(m->corr_repair_max_change > 0.05 && m->corr_repair_max_change < 1);
    assert_int_equal(m->n_warnings, 1);
    assert_null(m->warnings[1]);
    assert_non_null(strstr(m->warnings[0], "nearest valid one"));
    /* The caller learns of the warning through diag, with its severity. */
    assert_int_equal(cs_diag_count(f.diag), 1);
    assert_int_equal(cs_diag_errors(f.diag), 0);
    assert_int_equal(cs_diag_severity(f.diag, 0), CS_SEVERITY_WARNING);
    assert_string_equal(cs_diag_get(f.diag, 0)->message, m->warnings[0]);
    assert_non_null(strstr(cs_diag_message(f.diag, 0), "nearest valid one"));
    const cs_corr_group *g = &m->corr_groups[0];
    double worst = 0;
    const double rho[3][3] = {{1, 0.9, -0.9}, {0.9, 1, 0.9}, {-0.9, 0.9, 1}};
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            double change = fabs(cs_corr_normal_to_spearman(llt(g, i, j)) - rho[i][j]);
            if (change > worst)
                worst = change;
        }
    assert_true(fabs(worst - m->corr_repair_max_change) < 1e-6);

    /* default_correlation alone: 5 non-fixed, -0.5 < limit */
    cs_setting d = {"default_correlation", "-0.5"};
    finish(&f);
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
              corr_elements, NULL, NULL, NULL, NULL);
    load(&f, &d, 1);
    assert_null(f.model);
    EXPECT_DIAG(&f, "--set default_correlation", 0, NULL,
                "alone makes the matrix of the 5 non-fixed elements not positive");
    finish(&f);

    /* row-level problems, each at its line and column */
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
              corr_elements, NULL, NULL,
              "a,b,rho\n"
              "a,zz,0.1\n"       /* 2: unknown b */
              "c,c,0.1\n"        /* 3: self */
              "a,b,1.5\n"        /* 4: rho */
              "a,d,0.2\n"        /* 5 */
              "d,a,0.2\n"        /* 6: repeat, reversed */
              "a,b,12%\n"        /* 7: number */
              "a,d,0.3\n"        /* 8: a third time: still first at line 5 */
              "b,c,0.1\n"        /* 9 */
              "c,b,0.1\n",       /* 10: another pair's repeat: its own first */
              NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    EXPECT_DIAG(&f, "model/correlations.csv", 2, "b", "unknown element 'zz'");
    EXPECT_DIAG(&f, "model/correlations.csv", 3, "b", "self pair c-c");
    EXPECT_DIAG(&f, "model/correlations.csv", 4, "rho", "rho 1.5 is out of range");
    EXPECT_DIAG(&f, "model/correlations.csv", 6, "a",
                "pair a-d is listed twice (first at line 5)");
    EXPECT_DIAG(&f, "model/correlations.csv", 7, "rho", "'12%' is not a number");
    EXPECT_DIAG(&f, "model/correlations.csv", 8, "a",
                "pair a-d is listed twice (first at line 5)");
    EXPECT_DIAG(&f, "model/correlations.csv", 10, "a",
                "pair b-c is listed twice (first at line 9)");
    assert_int_equal(cs_diag_count(f.diag), 7);
    finish(&f);
}

static void test_fx_correlation(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, base_scenario, base_elements,
              "currency,rate,fx_model,volatility\n"
              "USD,1.35,gbm,0.1\nEUR,1.5,ou,0.07\nGBP,1.7,gbm,0\nJPY,0.009,fixed,0.3\n",
              NULL, NULL, "a,b,rho\nEUR,USD,0.4\nGBP,USD,0.9\nJPY,EUR,-0.5\n");
    load(&f, NULL, 0);
    EXPECT_OK(&f);
    const cs_model *m = f.model;
    /* GBP has no volatility and JPY is fixed: their pairs are ignored */
    assert_int_equal(m->n_fx, 2);
    assert_string_equal(m->currencies[m->fx_currencies[0]].code, "USD");
    assert_string_equal(m->currencies[m->fx_currencies[1]].code, "EUR");
    const double *L = m->fx_chol;
    assert_true(fabs(L[2 * 1 + 0] - 0.4) < 1e-12);
    assert_true(fabs(L[2 * 1 + 0] * L[2 * 1 + 0] + L[2 * 1 + 1] * L[2 * 1 + 1] - 1) < 1e-12);
    finish(&f);

    make_case(&f, base_scenario, base_elements,
              "currency,rate,fx_model,volatility\nUSD,1.35,gbm,0.1\n", NULL, NULL,
              "a,b,rho\nUSD,USD,0.4\nUSD,XYZ,0.1\nCAD,USD,0.2\nUSD,CAD,0.3\n");
    load(&f, NULL, 0);
    assert_null(f.model);
    EXPECT_DIAG(&f, "model/fx_correlations.csv", 2, "b", "self pair USD-USD");
    EXPECT_DIAG(&f, "model/fx_correlations.csv", 3, "b", "unknown currency 'XYZ'");
    EXPECT_DIAG(&f, "model/fx_correlations.csv", 5, "a", "listed twice (first at line 4)");
    finish(&f);
}

static void test_scenario_errors(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f,
              "key,value\n"
              "model,model\n"            /* 2 */
              "base_year,2025\n"         /* 3 */
              "base_currency,CAD\n"      /* 4 */
              "trails,5\n"               /* 5 */
              "seed,0x10\n"              /* 6 */
              "seed,5\n"                 /* 7 */
              "units,0\n"                /* 8 */
              "budget,1e16\n"            /* 9 */
              "element.a.hihg,3\n"       /* 10 */
              "element.zz.low,3\n"       /* 11 */
              "element.a.likely,abc\n"   /* 12 */
              "slip.dist,pert\n"         /* 13 */
              "slip.low,1\n"             /* 14 */
              "slip.high,3\n"            /* 15 */
              "element.a\n"              /* 16 */
              "currency.usd.rate,2\n"    /* 17 */
              "correlation_repair,si\n"  /* 18 */
              "name,\n"                  /* 19: empty = not given */
              "discount_rate,1.5\n",     /* 20 */
              "id,phase,currency,basis,dist,likely,start,end\n"
              "a,x,CAD,once,fixed,1,2026,2026\n",
              NULL, NULL, NULL, NULL);
    cs_setting sets[] = {{"trials", "1.5"}, {"colour", "red"}};
    load(&f, sets, 2);
    assert_null(f.model);
    const char *s = "scenario.csv";
    EXPECT_DIAG(&f, s, 5, "key", "unknown key 'trails'; did you mean 'trials'?");
    EXPECT_DIAG(&f, s, 6, "value", "seed '0x10' is not valid");
    EXPECT_DIAG(&f, s, 7, "key", "duplicate key 'seed' (first at line 6)");
    EXPECT_DIAG(&f, s, 8, "value", "units 0 is out of range");
    EXPECT_DIAG(&f, s, 9, "value", "budget 1e16 is out of range");
    EXPECT_DIAG(&f, s, 10, "key", "did you mean 'element.a.high'?");
    EXPECT_DIAG(&f, s, 11, "key", "unknown element 'zz' in key 'element.zz.low'");
    EXPECT_DIAG(&f, s, 12, "value", "element.a.likely 'abc' is not a number");
    EXPECT_DIAG(&f, s, 13, "value", "likely is missing");
    EXPECT_DIAG(&f, s, 16, "key", "key 'element.a' is incomplete");
    EXPECT_DIAG(&f, s, 17, "key", "'usd' in key 'currency.usd.rate' is not a valid currency");
    EXPECT_DIAG(&f, s, 18, "value", "correlation_repair 'si' is not valid; allowed: yes or no");
    EXPECT_DIAG(&f, s, 20, "value", "discount_rate 1.5 is out of range");
    EXPECT_DIAG(&f, "--set trials", 0, NULL, "trials 1.5 is not a whole number");
    EXPECT_DIAG(&f, "--set colour", 0, NULL, "unknown key 'colour'");
    assert_int_equal(cs_diag_count(f.diag), 15);
    finish(&f);

    /* missing required keys: the path alone */
    make_case(&f, "key,value\nname,x\n", NULL, NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    EXPECT_DIAG(&f, "scenario.csv", 0, NULL, "missing key 'model'");
    EXPECT_DIAG(&f, "scenario.csv", 0, NULL, "missing key 'base_year'");
    EXPECT_DIAG(&f, "scenario.csv", 0, NULL, "missing key 'base_currency'");
    assert_int_equal(cs_diag_count(f.diag), 3);
    finish(&f);

    /* a wrong header stops at the header */
    make_case(&f, "key,val\nmodel,model\n", NULL, NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    EXPECT_DIAG(&f, "scenario.csv", 1, "val", "unknown column 'val'; did you mean 'value'?");
    EXPECT_DIAG(&f, "scenario.csv", 1, "value", "missing required column 'value'");
    finish(&f);

    /* missing elements.csv and missing scenario */
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n", NULL,
              NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    EXPECT_DIAG(&f, "model/elements.csv", 0, NULL, "cannot open: ");
    cs_diag_clear(f.diag);
    assert_null(cs_loader_load("/nonexistent/s.csv", NULL, 0, f.diag));
    EXPECT_DIAG(&f, "/nonexistent/s.csv", 0, NULL, "cannot open");
    finish(&f);
}

static void test_element_errors(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, base_scenario,
              "id,name,phase,currency,basis,dist,low,likely,high,start,end,profile,learning\n"
              "a,A,x,CAD,once,pert,5,4,9,2026,2027,,\n"              /* 2: likely < low */
              "a,Again,x,CAD,once,fixed,,1,,2027,2026,,\n"           /* 3: dup, start>end */
              "b-1,B,x,GBP,per_unit,fixed,,1,,,,,1.5\n"              /* 4: currency, learning */
              "\"c\",C,x,CAD,per_year,uniform,1,,2,first_delivery+1,2024,,\n" /* 5: end<start */
              "d,D,x y,CAD,per_unit_year,normal,1,,1,,,front,\n"     /* 6: phase, high, profile */
              "e,E,x,CAD,once,lognormal,-1,,2,1899,2026,,\n"         /* 7: low, start range */
              "f,F,x,CAD,once,fixed,,2e15,,2026,2026,,\n"            /* 8: amount */
              "_g,G,x,CAD,once,fixed,,1,,2026,2026,,\n"              /* 9: id grammar */
              "h,H,x,CAD,per_unit,fixed,,1,,,2030,,\n"               /* 10: end on per_unit */
              "i,I,x,CAD,once,fixed,,1,,2025,end_of_service+300,,\n", /* 11: beyond 2300 */
              "currency,rate\nUSD,1.3\n", NULL, NULL, NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    const char *e = "model/elements.csv";
    EXPECT_DIAG(&f, e, 2, "likely", "likely 4 is below low 5");
    EXPECT_DIAG(&f, e, 3, "id", "duplicate element id 'a' (first at line 2)");
    EXPECT_DIAG(&f, e, 3, "end", "is before start 2027");
    EXPECT_DIAG(&f, e, 4, "currency", "unknown currency GBP");
    EXPECT_DIAG(&f, e, 4, "learning", "learning 1.5 is out of range");
    EXPECT_DIAG(&f, e, 5, "end", "end 2024 is before start first_delivery+1 (2033 without slip)");
    EXPECT_DIAG(&f, e, 6, "phase", "phase 'x y' is not valid");
    EXPECT_DIAG(&f, e, 6, "high", "high 1 is not above low 1");
    EXPECT_DIAG(&f, e, 6, "profile", "profile must be empty unless basis is once");
    EXPECT_DIAG(&f, e, 7, "low", "low -1 is not positive");
    EXPECT_DIAG(&f, e, 7, "start", "start 1899 is out of range");
    EXPECT_DIAG(&f, e, 8, "likely", "likely 2e15 is out of range");
    EXPECT_DIAG(&f, e, 9, "id", "id '_g' is not valid");
    EXPECT_DIAG(&f, e, 10, "end", "end must be empty for basis per_unit");
    EXPECT_DIAG(&f, e, 11, "end", "runs to 2355 without slip");
    assert_int_equal(cs_diag_count(f.diag), 15);
    finish(&f);
}

static void test_risk_and_currency_errors(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, base_scenario, base_elements,
              "currency,rate,fx_model,drift,volatility,reversion,hedge_ratio,hedge_rate,"
              "inflation.dist,inflation.low,inflation.likely,inflation.high\n"
              "CAD,1,,,,,,,,,,\n"                          /* 2: fine */
              "USD,,gbm,-1,0.1,0.3,,,,,,\n"                /* 3: rate, drift, reversion */
              "EUR,1.5,brownian,,,,,,,,,\n"                /* 4: fx_model */
              "GBP,1.7,fixed,x,,,,0,normal,0.02,,0.01\n",  /* 5: drift number, hedge, infl */
              "id,probability,currency,dist,low,likely,high,year,slip\n"
              "r1,0,,fixed,,0,,2030,\n"                    /* 2: probability */
              "r2,0.5,EUR,fixed,,1,,2020,0.5\n"            /* 3: year, slip */
              "r3,0.5,,fixed,,1,,last_delivery+1,\n",      /* 4: fine */
              NULL, NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    const char *c = "model/currencies.csv", *r = "model/risks.csv";
    EXPECT_DIAG(&f, c, 3, "rate", "rate is required");
    EXPECT_DIAG(&f, c, 3, "drift", "drift -1 is out of range; allowed: -1 < drift <= 1");
    EXPECT_DIAG(&f, c, 3, "reversion", "reversion must be empty for fx_model gbm");
    EXPECT_DIAG(&f, c, 4, "fx_model", "unknown fx_model 'brownian'");
    EXPECT_DIAG(&f, c, 5, "drift", "drift 'x' is not a number");
    EXPECT_DIAG(&f, c, 5, "hedge_rate", "hedge_rate 0 is out of range");
    EXPECT_DIAG(&f, c, 5, "inflation.high", "high 0.01 is not above low 0.02");
    EXPECT_DIAG(&f, r, 2, "probability", "probability 0 is out of range");
    EXPECT_DIAG(&f, r, 3, "year", "risk r2 starts in 2020 without slip, before base_year 2025");
    EXPECT_DIAG(&f, r, 3, "slip", "slip 0.5 is not a whole number");
    assert_int_equal(cs_diag_count(f.diag), 10);
    finish(&f);
}

/* Overrides are checked where they are used but reported where they
 * were written. */
static void test_override_locations(void **state)
{
    (void)state;
    fixture f = {0};
    char scenario[1024];
    snprintf(scenario, sizeof scenario,
             "%selement.hull.basis,once\nrisk.weld.probability,2\ncurrency.USD.hedge_ratio,-1\n",
             base_scenario);
    make_case(&f, scenario, base_elements, base_currencies, base_risks, NULL, NULL);
    cs_setting set = {"element.design.start", "2030"};
    load(&f, &set, 1);
    assert_null(f.model);
    /* hull is now `once` without start/end, and still has learning */
    EXPECT_DIAG(&f, "model/elements.csv", 3, "start", "start is required");
    EXPECT_DIAG(&f, "model/elements.csv", 3, "learning", "learning must be empty unless");
    EXPECT_DIAG(&f, "scenario.csv", 11, "value", "risk.weld.probability 2 is out of range");
    EXPECT_DIAG(&f, "scenario.csv", 12, "value", "currency.USD.hedge_ratio -1 is out of range");
    EXPECT_DIAG(&f, "model/elements.csv", 2, "end",
                "end 2029 is before start 2030; allowed: start <= end");
    finish(&f);
}

static void test_quoted_lines_and_limits(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, "\xEF\xBB\xBFkey,value\r\n# comment\r\nmodel,model\r\nbase_year,2025\r\n"
                  "base_currency,CAD\r\nunits,1001\r\n",
              "# leading comment\n"
              "id,phase,currency,basis,dist,likely,start,end,notes\n"
              "a,x,CAD,once,fixed,1,2026,2026,\"two\nlines\"\n"
              "\n"
              "b,x,CAD,once,fixed,abc,2026,2026,\n",
              NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    EXPECT_DIAG(&f, "scenario.csv", 6, "value", "units 1001 is out of range; allowed: a whole "
                                                "number 1 to 1000");
    EXPECT_DIAG(&f, "model/elements.csv", 6, "likely", "likely 'abc' is not a number");
    assert_int_equal(cs_diag_count(f.diag), 2);
    finish(&f);
}

/* if_empty (docs/FORMAT.md, elements): error or zero, once and per_year only;
 * a range empty without slip is an error only for error. budget_measure and
 * schedule_target (docs/FORMAT.md, scenario keys): their values, defaults and
 * errors. */
static void test_if_empty_and_schedule_keys(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f,
              "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
              "first_delivery,2034\nbudget_measure,nominal\n",
              "id,name,phase,currency,basis,dist,low,likely,high,start,end,if_empty\n"
              "old,Old boats,s,CAD,per_year,fixed,,5,,2035,first_delivery-1,zero\n" /* 2 */
              "empty,E,s,CAD,once,fixed,,5,,2030,2029,error\n"       /* 3: empty, error */
              "odd,O,s,CAD,per_year,fixed,,5,,2026,2027,maybe\n"     /* 4: bad value */
              "unit,U,s,CAD,per_unit,fixed,,5,,,,zero\n"             /* 5: wrong basis */
              "dflt,D,s,CAD,per_year,fixed,,5,,2031,2030,\n",        /* 6: empty, default */
              NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    assert_null(f.model);
    const char *e = "model/elements.csv";
    EXPECT_DIAG(&f, e, 3, "end", "end 2029 is before start 2030");
    EXPECT_DIAG(&f, e, 4, "if_empty", "unknown if_empty 'maybe'; allowed: error or zero");
    EXPECT_DIAG(&f, e, 5, "if_empty", "if_empty must be empty unless basis is once or "
                                      "per_year");
    EXPECT_DIAG(&f, e, 6, "end", "end 2030 is before start 2031");
    assert_int_equal(cs_diag_count(f.diag), 4);
    /* An override sets the cell like any other: dflt becomes zero, the
     * other faults remain. */
    cs_setting zero = {"element.dflt.if_empty", "zero"};
    load(&f, &zero, 1);
    assert_null(f.model);
    assert_int_equal(cs_diag_count(f.diag), 3);
    assert_false(has_diag(&f, e, 6, "end", "is before start"));
    finish(&f);

    make_case(&f,
              "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
              "first_delivery,2034\nbudget_measure,constant\nschedule_target,2035\n",
              "id,name,phase,currency,basis,dist,low,likely,high,start,end,if_empty\n"
              "old,Old boats,s,CAD,per_year,fixed,,5,,2035,first_delivery-1,zero\n"
              "build,B,s,CAD,once,fixed,,5,,2030,2031,\n",
              NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    assert_non_null(f.model);
    assert_true(f.model->elements[0].if_empty_zero);
    assert_false(f.model->elements[1].if_empty_zero);
    assert_int_equal(f.model->budget_measure, 0);
    assert_true(f.model->has_schedule_target);
    assert_int_equal(f.model->schedule_target, 2035);
    cs_setting pv = {"budget_measure", "pv"};
    load(&f, &pv, 1);
    assert_non_null(f.model);
    assert_int_equal(f.model->budget_measure, 2);
    cs_setting bad[2] = {{"budget_measure", "real"}, {"schedule_target", "20350"}};
    load(&f, bad, 2);
    assert_null(f.model);
    EXPECT_DIAG(&f, "--set budget_measure", 0, NULL, "budget_measure 'real' is not valid");
    EXPECT_DIAG(&f, "--set schedule_target", 0, NULL, "allowed: a four-digit year 1900 to 2300");
    cs_setting early = {"schedule_target", "1899"};
    load(&f, &early, 1);
    assert_null(f.model);
    EXPECT_DIAG(&f, "--set schedule_target", 0, NULL, "schedule_target '1899' is not a year");
    finish(&f);

    /* Defaults: nominal and no target. */
    make_case(&f, "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
              "id,phase,currency,basis,dist,likely,start,end\nx,s,CAD,once,fixed,1,2026,2026\n",
              NULL, NULL, NULL, NULL);
    load(&f, NULL, 0);
    assert_non_null(f.model);
    assert_int_equal(f.model->budget_measure, 1);
    assert_false(f.model->has_schedule_target);
    finish(&f);
}

/* Named streams (docs/FORMAT.md, docs/COMMANDS.md): the stream column (default
 * the id), element.<id>.stream and slip.stream, and their errors. */
static void test_streams(void **state)
{
    (void)state;
    fixture f = {0};
    make_case(&f, base_scenario,
              "id,name,phase,currency,basis,dist,low,likely,high,start,end,stream\n"
              "a,A,x,CAD,once,pert,1,2,3,2026,2027,shared-a\n"
              "b,B,x,CAD,once,pert,1,2,3,2026,2027,\n",
              NULL,
              "id,probability,dist,likely,year,stream\n"
              "r1,0.5,fixed,3,2027,\n"
              "r2,0.5,fixed,3,2027,r-two\n",
              NULL, NULL);
    load(&f, NULL, 0);
    assert_non_null(f.model);
    assert_string_equal(f.model->elements[0].stream, "shared-a");
    assert_string_equal(f.model->elements[1].stream, "b");
    assert_string_equal(f.model->risks[0].stream, "r1");
    assert_string_equal(f.model->risks[1].stream, "r-two");
    assert_string_equal(f.model->slip_stream, "slip");
    cs_setting sets[] = {{"element.b.stream", "bee"}, {"slip.stream", "hanwha-slip"}};
    load(&f, sets, 2);
    assert_non_null(f.model);
    assert_string_equal(f.model->elements[1].stream, "bee");
    assert_string_equal(f.model->slip_stream, "hanwha-slip");
    finish(&f);

    make_case(&f, base_scenario,
              "id,name,phase,currency,basis,dist,low,likely,high,start,end,stream\n"
              "a,A,x,CAD,once,pert,1,2,3,2026,2027,b\n"
              "b,B,x,CAD,once,pert,1,2,3,2026,2027,\n"
              "c,C,x,CAD,once,pert,1,2,3,2026,2027,b\n"
              "d,D,x,CAD,once,pert,1,2,3,2026,2027,no way\n",
              NULL, NULL, NULL, NULL);
    cs_setting bad[] = {{"slip.stream", "_x"}};
    load(&f, bad, 1);
    assert_null(f.model);
    const char *e = "model/elements.csv";
    EXPECT_DIAG(&f, e, 3, "id", "element 'b' has no stream, so its stream is its id, which the "
                                "stream of line 2 already uses");
    EXPECT_DIAG(&f, e, 4, "stream", "duplicate stream 'b' (first used at line 2)");
    EXPECT_DIAG(&f, e, 5, "stream", "stream 'no way' is not valid");
    assert_int_equal(cs_diag_count(f.diag), 4);
    finish(&f);

    /* A clash made by an override is reported at the override, whether the
     * overridden row comes first or second, never at the untouched row. */
    make_case(&f, base_scenario,
              "id,name,phase,currency,basis,dist,low,likely,high,start,end,stream\n"
              "a,A,x,CAD,once,pert,1,2,3,2026,2027,sa\n"
              "b,B,x,CAD,once,pert,1,2,3,2026,2027,sb\n"
              "c,C,x,CAD,once,pert,1,2,3,2026,2027,\n",
              NULL, NULL, NULL, NULL);
    cs_setting first[] = {{"element.a.stream", "sb"}};
    load(&f, first, 1);
    assert_null(f.model);
    EXPECT_DIAG(&f, "--set element.a.stream", 0, NULL, "duplicate stream 'sb' (");
    EXPECT_DIAG(&f, "--set element.a.stream", 0, NULL, "model/elements.csv line 3 uses it too)");
    assert_int_equal(cs_diag_count(f.diag), 1);
    cs_setting second[] = {{"element.b.stream", "sa"}};
    load(&f, second, 1);
    assert_null(f.model);
    EXPECT_DIAG(&f, "--set element.b.stream", 0, NULL,
                "duplicate stream 'sa' (first used at ");
    EXPECT_DIAG(&f, "--set element.b.stream", 0, NULL, "elements.csv line 2)");
    assert_int_equal(cs_diag_count(f.diag), 1);
    /* c has no stream, so its stream is its id, which a's override takes. */
    cs_setting id[] = {{"element.a.stream", "c"}};
    load(&f, id, 1);
    assert_null(f.model);
    EXPECT_DIAG(&f, "--set element.a.stream", 0, NULL, "duplicate stream 'c': element 'c' at ");
    EXPECT_DIAG(&f, "--set element.a.stream", 0, NULL,
                "model/elements.csv line 4 has no stream, so its stream is its id");
    assert_int_equal(cs_diag_count(f.diag), 1);
    finish(&f);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_base_model),
        cmocka_unit_test(test_delivery_schedule),
        cmocka_unit_test(test_interval_and_markers_loaded),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_base_currency_row_created),
        cmocka_unit_test(test_phases_order),
        cmocka_unit_test(test_correlation_groups),
        cmocka_unit_test(test_correlation_errors_and_repair),
        cmocka_unit_test(test_fx_correlation),
        cmocka_unit_test(test_scenario_errors),
        cmocka_unit_test(test_element_errors),
        cmocka_unit_test(test_risk_and_currency_errors),
        cmocka_unit_test(test_override_locations),
        cmocka_unit_test(test_quoted_lines_and_limits),
        cmocka_unit_test(test_if_empty_and_schedule_keys),
        cmocka_unit_test(test_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
