/* The engine's paths for models too large to keep their rows or their
 * drivers' inputs (src/sim/recount.c, engine.stream_elements), forced on
 * a small model by lowering their thresholds:
 * - the recount's row percentiles are the exact type-7 percentiles of the
 *   values: equal, bit for bit, to the sketch's where the sketch keeps
 *   every value (blocks of 1 024 trials), and to the percentiles of the
 *   run's own per-trial phase totals where it does not;
 * - redrawing the element inputs for the sensitivity gives the same
 *   sensitivity, attribution and tornado as storing them. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "engine_fixture.h"
#include "stats.h"

/* The engine's thresholds (engine_internal.h); the tests lower them. */
extern uint64_t cs_sim_recount_sketch_bytes;
extern uint64_t cs_sim_recount_values_bytes;
extern atomic_size_t cs_sim_recount_collections;
extern uint64_t cs_sim_stream_input_bytes;
extern int cs_sim_recount_fault;

static cs_model *basic_model(void)
{
    return ef_load(COSTSIM_SOURCE_DIR "/tests/data/good/basic/scenario.csv", NULL, 0);
}

static cs_results *run_with(const cs_model *m, uint64_t trials, unsigned threads,
                            uint64_t recount_bytes, uint64_t stream_bytes)
{
    uint64_t saved_r = cs_sim_recount_sketch_bytes, saved_s = cs_sim_stream_input_bytes;
    cs_sim_recount_sketch_bytes = recount_bytes;
    cs_sim_stream_input_bytes = stream_bytes;
    cs_results *r = ef_run(m, trials, threads, true);
    cs_sim_recount_sketch_bytes = saved_r;
    cs_sim_stream_input_bytes = saved_s;
    return r;
}

static void assert_same_double(double a, double b)
{
    if (memcmp(&a, &b, sizeof a) != 0) {
        print_error("%.17g != %.17g\n", a, b);
        fail();
    }
}

/* 10 000 trials: blocks of 1 024, where the sketch keeps every value, so
 * its percentiles are exact: the recount's must be the same bits, for
 * every row, year and point_percentile, on 1 and 2 threads, and with the
 * gaps' values collected in several passes. */
static void test_recount_matches_exact_sketch(void **state)
{
    (void)state;
    cs_model *m = basic_model();
    cs_results *a = run_with(m, 10000, 2, UINT64_MAX, UINT64_MAX);
    /* threads 1 and 2; 3: two threads, the gaps' values collected in
     * several passes (a budget of 128 KiB). */
    for (unsigned run = 1; run <= 3; run++) {
        unsigned threads = run < 3 ? run : 2;
        uint64_t saved_v = cs_sim_recount_values_bytes;
        size_t before = atomic_load(&cs_sim_recount_collections);
        if (run == 3) /* about three passes for this model */
            cs_sim_recount_values_bytes = 128 << 10;
        cs_results *b = run_with(m, 10000, threads, 0, UINT64_MAX);
        cs_sim_recount_values_bytes = saved_v;
        size_t passes = atomic_load(&cs_sim_recount_collections) - before;
        if (run < 3)
            assert_int_equal(passes, 1);
        else
            assert_true(passes > 1);
        assert_int_equal(a->n_rows, b->n_rows);
        for (int mm = 0; mm < CS_N_MEASURES; mm++)
            for (size_t i = 0; i < a->n_rows; i++) {
                for (int k = 0; k < CS_N_SUMMARY_P; k++)
                    assert_same_double(a->rows[mm][i].p[k], b->rows[mm][i].p[k]);
                assert_same_double(a->rows[mm][i].point_percentile,
                                   b->rows[mm][i].point_percentile);
                assert_same_double(a->rows[mm][i].mean, b->rows[mm][i].mean);
            }
        assert_int_equal(a->n_years, b->n_years);
        for (size_t y = 0; y < a->n_years; y++) {
            assert_same_double(a->year_p10[y], b->year_p10[y]);
            assert_same_double(a->year_p50[y], b->year_p50[y]);
            assert_same_double(a->year_p80[y], b->year_p80[y]);
            assert_same_double(a->year_p90[y], b->year_p90[y]);
            assert_same_double(a->year_const_p10[y], b->year_const_p10[y]);
            assert_same_double(a->year_const_p90[y], b->year_const_p90[y]);
        }
        cs_results_free(b);
    }
    cs_results_free(a);
    cs_model_free(m);
}

/* 30 001 trials (blocks of 2 048, where the sketch keeps every second
 * value): each nominal phase row's percentiles and point_percentile are
 * those of the run's own per-trial nominal phase totals, sorted here. */
static void test_recount_phases_exact(void **state)
{
    (void)state;
    cs_model *m = basic_model();
    const size_t n = 30001;
    cs_results *r = run_with(m, n, 2, 0, UINT64_MAX);
    double *v = malloc(n * sizeof *v);
    assert_non_null(v);
    size_t np = m->n_phases;
    assert_true(np > 1);
    for (size_t p = 0; p < np; p++) {
        for (size_t j = 0; j < n; j++)
            v[j] = r->trial_phase_nominal[j * np + p];
        cs_stats_sort_doubles(v, n);
        const cs_summary_row *row = ef_row(r, CS_NOMINAL, CS_LEVEL_PHASE, m->phases[p]);
        for (int k = 0; k < CS_N_SUMMARY_P; k++)
            assert_same_double(row->p[k], cs_stats_percentile_sorted(v, n, cs_results_summary_p[k]));
        assert_same_double(row->point_percentile, cs_stats_percent_at_or_below(v, n, row->point));
    }
    free(v);
    cs_results_free(r);
    cs_model_free(m);
}

/* Element inputs redrawn for the sensitivity (one input a group), the
 * drivers' trials drawn again: the same drivers, bit for bit. */
static void test_streamed_inputs_same_drivers(void **state)
{
    (void)state;
    cs_model *m = basic_model();
    cs_results *a = run_with(m, 5000, 2, UINT64_MAX, UINT64_MAX);
    cs_results *b = run_with(m, 5000, 2, UINT64_MAX, 0);
    assert_int_equal(a->n_sensitivity, b->n_sensitivity);
    assert_true(a->n_sensitivity > 2);
    for (size_t i = 0; i < a->n_sensitivity; i++) {
        assert_string_equal(a->sensitivity[i].input, b->sensitivity[i].input);
        assert_same_double(a->sensitivity[i].rank_correlation, b->sensitivity[i].rank_correlation);
    }
    assert_int_equal(a->n_attribution, b->n_attribution);
    for (size_t i = 0; i < a->n_attribution; i++)
        assert_same_double(a->attribution[i].shapley_share, b->attribution[i].shapley_share);
    assert_int_equal(a->n_tornado, b->n_tornado);
    for (size_t i = 0; i < a->n_tornado; i++) {
        assert_same_double(a->tornado[i].low, b->tornado[i].low);
        assert_same_double(a->tornado[i].high, b->tornado[i].high);
    }
    cs_results_free(a);
    cs_results_free(b);
    cs_model_free(m);
}

/* The passes check each other: a count lost in the counting pass, or a
 * value lost in the collecting pass (as when two threads' counts raced),
 * stops the run with an internal error instead of giving percentiles. */
static void test_recount_checks_stop_the_run(void **state)
{
    (void)state;
    cs_model *m = basic_model();
    const char *want[] = {"", "the recount counted", "the recount collected"};
    for (int fault = 1; fault <= 2; fault++) {
        uint64_t saved = cs_sim_recount_sketch_bytes;
        cs_sim_recount_sketch_bytes = 0;
        cs_sim_recount_fault = fault;
        cs_run_options opt = {.trials = 5000, .threads = 2, .seed = m->seed};
        cs_diag *d = cs_diag_alloc();
        assert_non_null(d);
        cs_results *r = NULL;
        cs_status status = cs_engine_run(m, &opt, &r, d);
        cs_sim_recount_fault = 0;
        cs_sim_recount_sketch_bytes = saved;
        assert_int_equal(status, CS_E_RUNTIME);
        assert_null(r);
        assert_true(cs_diag_count(d) == 1);
        assert_non_null(strstr(cs_diag_get(d, 0)->message, "internal error"));
        assert_non_null(strstr(cs_diag_get(d, 0)->message, want[fault]));
        cs_diag_free(d);
    }
    cs_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recount_matches_exact_sketch),
        cmocka_unit_test(test_recount_phases_exact),
        cmocka_unit_test(test_streamed_inputs_same_drivers),
        cmocka_unit_test(test_recount_checks_stop_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
