/* test_engine_heavy: the engine checks that need many trials (labelled
 * `heavy` in CMake; a few seconds natively, long under valgrind):
 *
 * - docs/FORMAT.md, correlations: over 100 000 trials the Spearman correlation
 * of every pair of elements of every family (uniform, triangular, pert, normal,
 *   lognormal) is within +-0.015 of the wanted one (listed pairs 0.6 and
 *   -0.3, default_correlation 0.25 for the rest) and the mean absolute
 *   error is below 0.005. Each element has its own phase, so the per-trial
 *   phase cost (trials.csv's nominal.<phase>) is its draw; Spearman is
 *   computed here, independently of stats.c.
 * - docs/COMMANDS.md: several blocks of trials (blocks hold up to 32 768) give
 *   bit-identical results with 1 and 2 threads, in the library and in every
 *   file the program writes under --out.
 * - the drivers' results do not depend on whether the main pass kept
 *   their trials' draws and FX paths (at 100 000 trials) or they were drawn
 *   again (at 100 001).
 * - --precision over several rounds of blocks: the run stops where the
 *   targets are met, and its results equal a plain run of that many
 *   trials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>


#include "costsim.h"
#include "engine_fixture.h"
#include "stats.h"

#include <stdatomic.h>

/* The recount's thresholds and counters (engine_internal.h). */
extern uint64_t cs_sim_recount_sketch_bytes;
extern atomic_size_t cs_sim_recount_gaps, cs_sim_recount_gap_values;

#define ELEMENT_HEADER                                                                    \
    "id,name,phase,currency,basis,dist,low,likely,high,start,end,profile,learning\n"

/* ---- correlation --------------------------------------------------------- */

enum { N_CORR = 100000, N_FAMILIES = 5 };

static void test_spearman_every_family(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "default_correlation,0.25\nseed,8128\n",
                         ELEMENT_HEADER "u,U,pu,CAD,once,uniform,5,,9,2026,2026,,\n"
                                        "t,T,pt,CAD,once,triangular,10,20,40,2026,2026,,\n"
                                        "f,F,pf,CAD,once,fixed,,12,,2026,2026,,\n"
                                        "p,P,pp,CAD,once,pert,80,100,150,2026,2026,,\n"
                                        "n,N,pn,CAD,once,normal,50,,70,2026,2026,,\n"
                                        "l,L,pl,CAD,once,lognormal,10,,40,2026,2026,,\n",
                         NULL, NULL,
                         "a,b,rho\n"
                         "u,t,0.6\n"
                         "p,n,-0.3\n"
                         "l,t,0.6\n"
                         "u,n,-0.3\n"
                         "f,u,0.9\n"); /* a fixed element: accepted, no effect */
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *r = ef_run(m, N_CORR, 2, true);
    assert_int_equal(r->trials, N_CORR);

    const char *ids[N_FAMILIES] = {"u", "t", "p", "n", "l"};
    const char *phases[N_FAMILIES] = {"pu", "pt", "pp", "pn", "pl"};
    double *rank[N_FAMILIES];
    for (int i = 0; i < N_FAMILIES; i++) {
        double *x = ef_phase_trials(r, ef_phase(m, phases[i]));
        rank[i] = malloc(N_CORR * sizeof(double));
        assert_non_null(rank[i]);
        ef_ranks(x, N_CORR, rank[i]);
        free(x);
    }
    double *fixed = ef_phase_trials(r, ef_phase(m, "pf"));
    for (size_t j = 0; j < N_CORR; j++)
        assert_close(fixed[j], 12, 0);
    free(fixed);

    /* Wanted Spearman correlations (default 0.25 where not listed). */
    double want[N_FAMILIES][N_FAMILIES];
    for (int i = 0; i < N_FAMILIES; i++)
        for (int k = 0; k < N_FAMILIES; k++)
            want[i][k] = i == k ? 1 : 0.25;
    want[0][1] = want[1][0] = 0.6;  /* u, t */
    want[2][3] = want[3][2] = -0.3; /* p, n */
    want[4][1] = want[1][4] = 0.6;  /* l, t */
    want[0][3] = want[3][0] = -0.3; /* u, n */

    double sum_abs = 0, nn = N_CORR;
    int pairs = 0;
    for (int i = 0; i < N_FAMILIES; i++)
        for (int k = i + 1; k < N_FAMILIES; k++) {
            double d2 = 0;
            for (size_t j = 0; j < N_CORR; j++)
                d2 += (rank[i][j] - rank[k][j]) * (rank[i][j] - rank[k][j]);
            double rho = 1 - 6 * d2 / (nn * (nn * nn - 1));
            print_message("spearman %s-%s: %.4f (want %.2f)\n", ids[i], ids[k], rho,
                          want[i][k]);
            EF_NEAR(rho, want[i][k], 0.015);
            sum_abs += fabs(rho - want[i][k]);
            pairs++;
        }
    assert_int_equal(pairs, 10);
    print_message("mean absolute error %.5f\n", sum_abs / pairs);
    assert_true(sum_abs / pairs < 0.005);
    for (int i = 0; i < N_FAMILIES; i++)
        free(rank[i]);
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

/* ---- many blocks, any thread count -------------------------------------- */

static const char small_elements[] =
    ELEMENT_HEADER "x,X,px,CAD,once,pert,80,100,150,2026,2027,front,\n"
                   "y,Y,py,USD,per_unit,triangular,10,20,40,,,,0.95\n"
                   "z,Z,pz,CAD,per_unit_year,normal,5,,7,,,,\n";
static const char small_currencies[] =
    "currency,rate,fx_model,drift,volatility,inflation.dist,inflation.low,inflation.likely,"
    "inflation.high\n"
    "CAD,,,,,triangular,0.01,0.02,0.04\n"
    "USD,1.35,gbm,0.01,0.08,,,0.02,\n";
static const char small_risks[] =
    "id,name,probability,phase,currency,dist,low,likely,high,year,slip\n"
    "leak,Leak,0.2,,CAD,uniform,5,,15,first_delivery-1,1\n";
static const char small_scenario[] =
    "key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\nunits,3\n"
    "first_delivery,2030\nbuild_years,2\nservice_life,5\nslip.dist,triangular\n"
    "slip.low,0\nslip.likely,0.5\nslip.high,3\ndefault_correlation,0.2\n"
    "discount_rate,0.03\nseed,65537\n";

enum { N_BLOCKS_TRIALS = 70000 };

static void assert_same_results(const cs_results *a, const cs_results *b)
{
    assert_int_equal(a->trials, b->trials);
    size_t n = (size_t)a->trials;
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        assert_memory_equal(a->totals[mm], b->totals[mm], n * sizeof(double));
        assert_memory_equal(a->sorted[mm], b->sorted[mm], n * sizeof(double));
    }
    assert_int_equal(a->n_rows, b->n_rows);
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        for (size_t i = 0; i < a->n_rows; i++) {
            const cs_summary_row *x = &a->rows[mm][i], *y = &b->rows[mm][i];
            assert_string_equal(x->id, y->id);
            assert_memory_equal(&x->point, &y->point, sizeof(double));
            assert_memory_equal(&x->mean, &y->mean, sizeof(double));
            assert_memory_equal(&x->sd, &y->sd, sizeof(double));
            assert_memory_equal(x->p, y->p, sizeof x->p);
            assert_memory_equal(&x->point_percentile, &y->point_percentile, sizeof(double));
        }
    assert_int_equal(a->first_year, b->first_year);
    assert_int_equal(a->n_years, b->n_years);
    assert_memory_equal(a->year_mean, b->year_mean, a->n_years * sizeof(double));
    assert_memory_equal(a->year_p10, b->year_p10, a->n_years * sizeof(double));
    assert_memory_equal(a->year_p50, b->year_p50, a->n_years * sizeof(double));
    assert_memory_equal(a->year_p90, b->year_p90, a->n_years * sizeof(double));
    assert_int_equal(a->n_sensitivity, b->n_sensitivity);
    for (size_t i = 0; i < a->n_sensitivity; i++) {
        assert_string_equal(a->sensitivity[i].input, b->sensitivity[i].input);
        assert_memory_equal(&a->sensitivity[i].rank_correlation,
                            &b->sensitivity[i].rank_correlation, sizeof(double));
    }
    assert_int_equal(a->n_attribution, b->n_attribution);
    for (size_t i = 0; i < a->n_attribution; i++)
        assert_memory_equal(&a->attribution[i].shapley_share,
                            &b->attribution[i].shapley_share, 6 * sizeof(double));
    assert_int_equal(a->n_tornado, b->n_tornado);
    for (size_t i = 0; i < a->n_tornado; i++) {
        assert_memory_equal(&a->tornado[i].low, &b->tornado[i].low, sizeof(double));
        assert_memory_equal(&a->tornado[i].high, &b->tornado[i].high, sizeof(double));
        assert_memory_equal(&a->tornado[i].p50, &b->tornado[i].p50, sizeof(double));
    }
    assert_memory_equal(a->mean_ci, b->mean_ci, sizeof a->mean_ci);
    assert_memory_equal(a->p80_ci, b->p80_ci, sizeof a->p80_ci);
}

/* 70 000 trials of a small model are three blocks: identical with 1 and 2
 * threads, and each trial's total is the same as in a shorter run (a
 * trial's numbers depend on nothing but the seed and its index). */
static void test_blocks_threads_library(void **state)
{
    (void)state;
    ef_case c = ef_write(small_scenario, small_elements, small_currencies, small_risks, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *one = ef_run(m, N_BLOCKS_TRIALS, 1, true);
    cs_results *two = ef_run(m, N_BLOCKS_TRIALS, 2, true);
    assert_same_results(one, two);
    assert_memory_equal(one->trial_slip, two->trial_slip, N_BLOCKS_TRIALS * sizeof(int));
    assert_memory_equal(one->trial_phase_nominal, two->trial_phase_nominal,
                        N_BLOCKS_TRIALS * m->n_phases * sizeof(double));
    cs_results *part = ef_run(m, 40000, 2, false);
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        assert_memory_equal(part->totals[mm], one->totals[mm], 40000 * sizeof(double));
    cs_results_free(part);
    cs_results_free(one);
    cs_results_free(two);
    cs_model_free(m);
    ef_free(&c);
}

/* The drivers' trials' draws and FX paths are kept by the main pass when
 * every trial is a drivers' trial (100 000 trials of this model), and drawn
 * again by the drivers otherwise (100 001 trials: the drivers still run on
 * the first 100 000). Either way the same: the sensitivity and the
 * attribution bit for bit, and the tornado's P50s once the larger run's
 * shift to its own P50 is taken back. */
static void test_kept_paths_same_drivers(void **state)
{
    (void)state;
    ef_case c = ef_write(small_scenario, small_elements, small_currencies, small_risks, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *kept = ef_run(m, 100000, 2, false);
    cs_results *drawn = ef_run(m, 100001, 2, false);
    assert_int_equal(kept->sensitivity_trials, 100000);
    assert_int_equal(drawn->sensitivity_trials, 100000);
    assert_int_equal(kept->n_sensitivity, drawn->n_sensitivity);
    for (size_t i = 0; i < kept->n_sensitivity; i++) {
        assert_string_equal(kept->sensitivity[i].input, drawn->sensitivity[i].input);
        assert_memory_equal(&kept->sensitivity[i].rank_correlation,
                            &drawn->sensitivity[i].rank_correlation, sizeof(double));
    }
    assert_int_equal(kept->n_attribution, 5);
    assert_int_equal(drawn->n_attribution, 5);
    for (size_t i = 0; i < kept->n_attribution; i++)
        assert_memory_equal(&kept->attribution[i].shapley_share,
                            &drawn->attribution[i].shapley_share, 6 * sizeof(double));
    /* The larger run reports p50_run + (P50 held - P50 of the first 100 000). */
    double *first = malloc(100000 * sizeof(double));
    assert_non_null(first);
    memcpy(first, drawn->totals[CS_NOMINAL], 100000 * sizeof(double));
    double here = cs_stats_percentile_select(first, 100000, 0.5);
    free(first);
    double run = drawn->rows[CS_NOMINAL][0].p[CS_P50];
    assert_int_equal(kept->n_tornado, drawn->n_tornado);
    assert_true(kept->n_tornado >= 5);
    for (size_t i = 0; i < kept->n_tornado; i++) {
        assert_string_equal(kept->tornado[i].input, drawn->tornado[i].input);
        EF_NEAR(drawn->tornado[i].low - run + here, kept->tornado[i].low, 1e-9 * fabs(run));
        EF_NEAR(drawn->tornado[i].high - run + here, kept->tornado[i].high, 1e-9 * fabs(run));
    }
    cs_results_free(kept);
    cs_results_free(drawn);
    cs_model_free(m);
    ef_free(&c);
}

/* The same through the program: every file under --out (trials.csv too)
 * and the csv on stdout are byte-identical for --threads 1 and 2. */
static void test_blocks_threads_program(void **state)
{
    (void)state;
    ef_case c = ef_write(small_scenario, small_elements, small_currencies, small_risks, NULL);
    char *d[2] = {tu_path(c.dir, "t1"), tu_path(c.dir, "t2")};
    char *out[2] = {NULL, NULL};
    const char *threads[2] = {"1", "2"};
    for (int i = 0; i < 2; i++) {
        const char *args[] = {"run", c.scenario, "--trials", "70000", "--threads", threads[i],
                              "--out", d[i], "--trials-out", "--format", "csv", "--quiet",
                              NULL};
        char *err = NULL;
        int status = tu_run_costsim(&out[i], &err, args);
        if (status != 0)
            print_error("costsim exited %d: %s\n", status, err);
        free(err);
        assert_int_equal(status, 0);
    }
    assert_string_equal(out[0], out[1]);
    const char *files[] = {"summary.csv", "by_year.csv", "scurve.csv", "sensitivity.csv",
                           "attribution.csv", "tornado.csv", "trials.csv", "report.html"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *pa = tu_path(d[0], files[f]), *pb = tu_path(d[1], files[f]);
        size_t na = 0, nb = 0;
        char *a = tu_read(pa, &na), *b = tu_read(pb, &nb);
        if (!a || !b || na != nb || memcmp(a, b, na) != 0) {
            print_error("%s differs between --threads 1 and 2\n", files[f]);
            fail();
        }
        if (!strcmp(files[f], "trials.csv")) {
            size_t lines = 0;
            for (size_t k = 0; k < na; k++)
                lines += a[k] == '\n';
            assert_int_equal(lines, 70001);
        }
        free(a);
        free(b);
        free(pa);
        free(pb);
    }
    for (int i = 0; i < 2; i++) {
        free(out[i]);
        free(d[i]);
    }
    ef_free(&c);
}

/* ---- --precision over several rounds ------------------------------------ */

/* A target of 0.02% needs about 200 000 trials here: more than one round
 * of four blocks. The run must equal a plain run of the trials it stopped
 * at, for any thread count (before the fix in sim/run.c's run_blocks, the
 * second round skipped blocks and left their totals unset). */
static void test_precision_rounds(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n",
                         ELEMENT_HEADER "hull,Hull,a,CAD,once,normal,95,,105,2026,2027,,\n"
                                        "fit,Fit,a,CAD,once,fixed,,20,,2028,2028,,\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    cs_results *prec[2];
    for (unsigned t = 1; t <= 2; t++) {
        cs_run_options opt = {.trials = 1000000, .threads = t, .precision = 0.0002,
                              .seed = m->seed};
        cs_diag *d = cs_diag_alloc();
        prec[t - 1] = NULL;
        assert_int_equal(cs_engine_run(m, &opt, &prec[t - 1], d), CS_OK);
        cs_diag_free(d);
        assert_non_null(prec[t - 1]);
        assert_true(prec[t - 1]->precision_met);
    }
    uint64_t n = prec[0]->trials;
    print_message("precision 0.02%% stopped at %llu trials\n", (unsigned long long)n);
    assert_true(n > 4 * 32768 && n < 1000000);
    assert_same_results(prec[0], prec[1]);
    /* A plain run of the same n trials draws the same trials, so the
     * totals are the same; its blocks follow its own trial count (not the
     * precision run's ceiling), so sketched row percentiles may differ
     * within the sketch's accuracy and are not compared here. */
    cs_results *plain = ef_run(m, n, 2, false);
    assert_int_equal(plain->trials, n);
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        assert_memory_equal(prec[0]->totals[mm], plain->totals[mm], (size_t)n * sizeof(double));
        assert_memory_equal(prec[0]->sorted[mm], plain->sorted[mm], (size_t)n * sizeof(double));
    }
    /* No trial is left at 0: the cheapest possible trial costs > 100. */
    assert_true(prec[0]->sorted[CS_NOMINAL][0] > 100);
    /* The reported intervals meet the target. */
    const cs_summary_row *tot = &prec[0]->rows[CS_NOMINAL][0];
    assert_true(prec[0]->mean_ci[1] - tot->mean <= 0.0002 * tot->mean);
    assert_true(tot->p[4] - prec[0]->p80_ci[0] <= 0.0002 * tot->p[4]);
    assert_true(prec[0]->p80_ci[1] - tot->p[4] <= 0.0002 * tot->p[4]);
    cs_results_free(plain);
    cs_results_free(prec[0]);
    cs_results_free(prec[1]);
    cs_model_free(m);
    ef_free(&c);
}

/* A recount of 600 000 trials (forced: blocks of 32 768, k = 1 024): the
 * blocks' coarse points are spread (cs_sim_recount_first_run), so a
 * collected gap holds about k values (2k on average: a needed rank falls
 * in a long gap more often). Points every block took at the same ranks
 * sat near the same 32 quantiles, and a gap between those clusters held
 * about N / 64 = 9 375 values. */
static void test_recount_gaps_small(void **state)
{
    (void)state;
    cs_model *m = ef_load(COSTSIM_SOURCE_DIR "/tests/data/good/basic/scenario.csv", NULL, 0);
    uint64_t saved = cs_sim_recount_sketch_bytes;
    size_t gaps = atomic_load(&cs_sim_recount_gaps);
    size_t values = atomic_load(&cs_sim_recount_gap_values);
    cs_sim_recount_sketch_bytes = 0;
    cs_run_options opt = {.trials = 600000, .threads = 2, .seed = m->seed, .no_drivers = true};
    cs_diag *d = cs_diag_alloc();
    cs_results *r = NULL;
    assert_int_equal(cs_engine_run(m, &opt, &r, d), CS_OK);
    cs_sim_recount_sketch_bytes = saved;
    gaps = atomic_load(&cs_sim_recount_gaps) - gaps;
    values = atomic_load(&cs_sim_recount_gap_values) - values;
    assert_true(gaps > 0);
    print_message("recount: %zu values in %zu gaps, %.0f a gap\n", values, gaps,
                  (double)values / (double)gaps);
    if (values > 4 * 1024 * gaps)
        fail_msg("%zu values in %zu gaps: %.0f a gap", values, gaps, (double)values / gaps);
    cs_results_free(r);
    cs_diag_free(d);
    cs_model_free(m);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spearman_every_family),
        cmocka_unit_test(test_blocks_threads_library),
        cmocka_unit_test(test_blocks_threads_program),
        cmocka_unit_test(test_kept_paths_same_drivers),
        cmocka_unit_test(test_precision_rounds),
        cmocka_unit_test(test_recount_gaps_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
