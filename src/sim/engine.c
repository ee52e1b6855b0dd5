/* engine: Monte Carlo trials of a cs_model and the statistics of them.
 * 
 * A trial is two steps. cs_sim_draw_trial() (draw.c) takes every random input from
 * its own counter-based stream (rng.h) and cs_sim_fx_paths() (fx.c) builds the
 * exchange-rate paths. cs_sim_evaluate() (trial.c) then turns the draws into the
 * three measures. Trials run in blocks (run.c) merged in block order, so the
 * output is byte-identical for any --threads. The drivers (sensitivity,
 * attribution, tornado) are in drivers.c; turning block results into
 * cs_results is assemble.c. This file is the entry point: it prepares the
 * engine (prepare.c), checks memory (memory.c), runs blocks until the
 * requested trials or precision, and assembles the results.
 * 
 * Not here: loading or validating input (src/input), writing files
 * (src/report), printing. */
#include "engine_internal.h"

/* The point-estimate run (SPEC §9). */
int cs_sim_point_run(const engine *E, workspace *w, trial_error *err)
{
    const cs_model *m = E->m;
    for (size_t e = 0; e < E->ne; e++)
        w->x[e] = cs_dist_point(&m->elements[e].dist);
    memset(w->occurs, 0, E->nr);
    w->slip_draw = cs_dist_point(&m->slip);
    w->s = cs_sim_trial_slip(E, w->slip_draw, w->occurs);
    memcpy(w->inflation, E->inflation_point, sizeof(double) * E->nc);
    if (cs_sim_settle_schedule(E, w, 0, err) != 0) {
        /* Reword "trial 1" as the point estimate. */
        char *colon = strchr(err->message, ':');
        char tail[480];
        snprintf(tail, sizeof tail, "%.479s", colon ? colon + 1 : err->message);
        snprintf(err->message, sizeof err->message, "point estimate:%s", tail);
        return -1;
    }
    for (size_t c = 0; c < E->nc; c++)
        cs_sim_fx_point_path(E, w, c, w->t_end);
    cs_sim_evaluate(E, w, true);
    return 0;
}

/* The --precision criterion (SPEC §10): the mean's 95% half-width and
 * both sides of the P80's order-statistic interval within P of the value. */
bool cs_sim_within_precision(double mean, double half, double p80, double p80_lo,
                      double p80_hi, double precision)
{
    return half <= precision * fabs(mean) && p80 - p80_lo <= precision * fabs(p80) &&
           p80_hi - p80 <= precision * fabs(p80);
}

/* The criterion on the first n nominal totals (sorted into scratch). */
static bool precise_enough(const double *totals, size_t n, double precision, double *scratch)
{
    double mean, sd, lo, hi;
    if (n < 2)
        return false;
    cs_stats_mean_sd(totals, n, &mean, &sd);
    memcpy(scratch, totals, n * sizeof(double));
    cs_stats_sort_doubles(scratch, n);
    double p80 = cs_stats_percentile_sorted(scratch, n, 0.8);
    cs_stats_quantile_ci(scratch, n, 0.8, &lo, &hi);
    return cs_sim_within_precision(mean, 1.96 * sd / sqrt((double)n), p80, lo, hi, precision);
}

/* Allocates the run state of n_blocks blocks and the stored inputs of the
 * drivers. False when out of memory; what was allocated stays in st. */
static bool alloc_state(engine *E, run_state *st, const cs_run_options *opt, size_t n_blocks)
{
    uint64_t n_sens = opt->trials < CS_SENSITIVITY_TRIALS ? opt->trials : CS_SENSITIVITY_TRIALS;
    bool failed = cs_sim_setup_inputs(E, n_sens) != 0;
    st->slots = calloc(n_blocks, sizeof *st->slots);
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        failed |= !(st->totals[mm] = malloc((size_t)opt->trials * sizeof(double)));
    if (opt->trials_out) {
        failed |= !(st->trial_slip = malloc((size_t)opt->trials * sizeof(int)));
        failed |= !(st->trial_phase =
                        malloc((size_t)opt->trials * (E->np ? E->np : 1) * sizeof(double)));
    }
    failed |= !st->slots;
    for (size_t b = 0; !failed && b < n_blocks; b++) {
        st->slots[b].sketch = calloc(E->n_rows, sizeof(cs_sketch *));
        st->slots[b].mean = calloc(E->n_rows, sizeof(double));
        st->slots[b].m2 = calloc(E->n_rows, sizeof(double));
        failed |= !st->slots[b].sketch || !st->slots[b].mean || !st->slots[b].m2;
    }
    return !failed;
}

/* Runs blocks in rounds of 4 (a fixed number, so the stopping point does
 * not depend on the threads) until both intervals are narrow or all
 * n_blocks ran. Returns the number of blocks run, 0 when out of memory. */
static size_t run_precise(run_state *st, size_t n_blocks, const cs_run_options *opt)
{
    const engine *E = st->E;
    double *scratch = malloc((size_t)opt->trials * sizeof(double));
    if (!scratch)
        return 0;
    size_t blocks_run = 0;
    while (blocks_run < n_blocks && !st->failed) {
        blocks_run = blocks_run + 4 < n_blocks ? blocks_run + 4 : n_blocks;
        cs_sim_run_blocks(st, blocks_run, opt, opt->trials);
        uint64_t done = (uint64_t)blocks_run * E->block;
        if (done > opt->trials)
            done = opt->trials;
        if (!st->failed && precise_enough(st->totals[CS_NOMINAL], (size_t)done,
                                          opt->precision, scratch))
            break;
    }
    free(scratch);
    return blocks_run;
}

cs_results *cs_engine_run(const cs_model *m, const cs_run_options *opt, cs_diag *diag,
                          int *status)
{
    *status = 1;
    cs_sim_cancel_requested = 0;
    if (opt->trials < 1) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "trials must be at least 1");
        *status = 2;
        return NULL;
    }
    uint64_t need = cs_engine_memory_needed(m, opt), have = cs_sim_available_memory();
    if (need > have) {
        cs_diag_add(diag, m->scenario_path, 0, NULL,
                    "%llu trials need about %llu MiB of memory and %llu MiB are available; "
                    "run fewer trials",
                    (unsigned long long)opt->trials, (unsigned long long)(need >> 20),
                    (unsigned long long)(have >> 20));
        *status = 2;
        return NULL;
    }
    engine *E = cs_sim_engine_prepare(m, diag);
    if (!E)
        return NULL;
    E->block = cs_sim_block_trials(E, opt->trials);
    if (cs_sim_prepare_tables(E) != 0) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while preparing the run");
        cs_sim_engine_free(E);
        return NULL;
    }
    run_state st = {0};
    st.E = E;
    st.trials = opt->trials;
    size_t n_blocks = (size_t)((opt->trials + E->block - 1) / E->block);
    if (!alloc_state(E, &st, opt, n_blocks)) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory for %llu trials",
                    (unsigned long long)opt->trials);
        goto fail;
    }
    pthread_mutex_init(&st.lock, NULL);
    atomic_init(&st.next_block, 0);
    atomic_init(&st.trials_done, 0);

    size_t blocks_run = n_blocks;
    if (opt->precision > 0) {
        blocks_run = run_precise(&st, n_blocks, opt);
        if (blocks_run == 0) {
            cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory");
            pthread_mutex_destroy(&st.lock);
            goto fail;
        }
    } else {
        cs_sim_run_blocks(&st, n_blocks, opt, opt->trials);
    }
    pthread_mutex_destroy(&st.lock);
    if (st.failed) {
        if (st.oom)
            cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory during the run");
        else if (st.error.message[0])
            cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", st.error.message);
        else
            cs_diag_add(diag, m->scenario_path, 0, NULL, "cancelled");
        goto fail;
    }
    uint64_t n = (uint64_t)blocks_run * E->block;
    if (n > opt->trials)
        n = opt->trials;
    cs_results *r = cs_sim_assemble(E, &st, n, blocks_run, opt, diag, status);
    cs_sim_free_state(&st, n_blocks, E->n_rows);
    cs_sim_engine_free(E);
    return r;
fail:
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        free(st.totals[mm]);
    free(st.trial_slip);
    free(st.trial_phase);
    cs_sim_free_state(&st, n_blocks, E->n_rows);
    cs_sim_engine_free(E);
    return NULL;
}

static void *floor_worker(void *p)
{
    floor_state *f = p;
    const engine *E = f->E;
    unsigned me = atomic_fetch_add(&f->slot, 1) % 256;
    workspace *w = cs_sim_workspace_alloc(E);
    double sum = 0;
    if (!w)
        return NULL;
    for (;;) {
        uint64_t first = atomic_fetch_add(&f->next, E->block);
        if (first >= f->trials)
            break;
        uint64_t end = first + E->block < f->trials ? first + E->block : f->trials;
        for (uint64_t j = first; j < end; j++) {
            trial_error err;
            if (cs_sim_draw_trial(E, w, j, &err) != 0 || cs_sim_settle_schedule(E, w, j, &err) != 0)
                continue;
            cs_sim_fx_paths(E, w, j, w->t_end);
            for (size_t e = 0; e < E->ne; e++)
                sum += w->x[e];
            for (size_t r = 0; r < E->nr; r++)
                sum += w->impact[r];
            sum += w->slip_draw + w->rate[w->t_end];
        }
    }
    f->sum[me] = sum;
    cs_sim_workspace_free(w);
    return NULL;
}

double cs_engine_floor(const cs_model *m, const cs_run_options *opt)
{
    cs_diag *d = cs_diag_alloc();
    engine *E = cs_sim_engine_prepare(m, d);
    cs_diag_free(d);
    if (!E)
        return NAN;
    E->block = cs_sim_block_trials(E, opt->trials);
    if (cs_sim_prepare_tables(E) != 0) {
        cs_sim_engine_free(E);
        return NAN;
    }
    floor_state f = {0};
    f.E = E;
    f.trials = opt->trials;
    atomic_init(&f.next, 0);
    atomic_init(&f.slot, 0);
    unsigned n = cs_sim_thread_count(opt);
    if (n > 256)
        n = 256;
    pthread_t threads[256];
    unsigned started = 1;
    for (unsigned i = 1; i < n; i++) {
        if (pthread_create(&threads[i], NULL, floor_worker, &f) != 0)
            break;
        started++;
    }
    floor_worker(&f);
    for (unsigned i = 1; i < started; i++)
        pthread_join(threads[i], NULL);
    double total = 0;
    for (int i = 0; i < 256; i++)
        total += f.sum[i];
    cs_sim_engine_free(E);
    return total;
}
