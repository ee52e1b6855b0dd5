/* engine: Monte Carlo trials of a cs_model and the statistics of them.
 * 
 * A trial is two steps. cs_sim_draw_trial() (draw.c) takes every random input from
 * its own counter-based stream (rng.h) and cs_sim_fx_paths() (fx.c) builds the
 * exchange-rate paths. cs_sim_evaluate() (trial.c) then turns the draws into the
 * three measures. Trials run in blocks (run.c) merged in block order, so the
 * output is byte-identical for any --threads. The drivers (sensitivity,
 * attribution, tornado) are in drivers.c; turning block results into
 * cs_results is assemble.c. This file is the entry point: it prepares the
 * engine (prepare.c), checks memory (memory.c), runs the requested trials
 * (with --precision: 1 000, then each doubling until the criterion is met)
 * and assembles the results.
 * 
 * Not here: loading or validating input (src/input), writing files
 * (src/report), printing. */
#include "engine_internal.h"

/* The point-estimate run (docs/METHOD.md). */
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

/* The --precision criterion (docs/COMMANDS.md): the mean's 95% half-width and
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
    cs_stats_robust_mean_sd(totals, n, &mean, &sd);
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
    if (opt->no_drivers)
        n_sens = 0; /* nothing to measure: store no trial's inputs */
    bool failed = cs_sim_setup_inputs(E, n_sens) != 0;
    E->stream_elements = !failed && cs_sim_stream_elements(E, n_sens);
    uint64_t kept = failed ? 0 : cs_sim_keep_size(E, opt);
    if (kept) {
        /* The main pass stores the drivers' inputs and keeps their paths. */
        size_t paths = cs_sim_path_doubles(E), amounts = cs_sim_amount_doubles(E);
        failed |= cs_sim_alloc_input_values(E) != 0;
        if (paths)
            E->kept_paths = cs_sim_big_alloc((size_t)kept * paths, sizeof(double), &failed);
        if (amounts)
            E->kept_amounts = cs_sim_big_alloc((size_t)kept * amounts, sizeof(double), &failed);
        E->n_kept = failed ? 0 : kept;
    }
    st->slots = calloc(n_blocks, sizeof *st->slots);
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        st->totals[mm] = cs_sim_big_alloc((size_t)opt->trials, sizeof(double), &failed);
    if (opt->trials_out) {
        failed |= !(st->trial_slip = malloc((size_t)opt->trials * sizeof(int)));
        failed |= !(st->trial_phase =
                        malloc((size_t)opt->trials * (E->np ? E->np : 1) * sizeof(double)));
    }
    if (E->m->has_first_delivery)
        failed |= !(st->trial_first = malloc((size_t)opt->trials * sizeof(int)));
    failed |= !st->slots;
    for (size_t b = 0; !failed && b < n_blocks; b++) {
        st->slots[b].sketch = calloc(E->n_rows, sizeof(cs_sketch *));
        st->slots[b].mean = calloc(E->n_rows, sizeof(double));
        st->slots[b].m2 = calloc(E->n_rows, sizeof(double));
        failed |= !st->slots[b].sketch || !st->slots[b].mean || !st->slots[b].m2;
    }
    return !failed;
}

/* One run of opt->trials trials. With check, the --precision criterion on
 * the nominal totals goes to *precise, and unless final or precise the run
 * is dropped: CS_OK with *out NULL. Otherwise as cs_engine_run. */
static cs_status run_trials(const cs_model *m, const cs_run_options *opt, bool check,
                            bool final, bool *precise, cs_results **out, cs_diag *diag)
{
    *out = NULL;
    engine *E = cs_sim_engine_prepare_seeded(m, opt->seed, diag);
    if (!E)
        return CS_E_NOMEM;
    E->cancel = opt->cancel;
    E->block = cs_sim_block_trials(E, opt->trials);
    E->recount = cs_sim_recount_needed(E, opt->trials, &E->recount_k);
    if (cs_sim_prepare_tables(E, cs_sim_thread_count(opt)) != 0) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while preparing the run");
        cs_sim_engine_free(E);
        return CS_E_NOMEM;
    }
    cs_status status = CS_E_NOMEM;
    run_state st = {0};
    st.E = E;
    st.trials = opt->trials;
    /* The lock lives as long as st: the recount's passes (cs_sim_recount)
     * run the workers again after the main pass and merge their counts
     * under it. (Locking a destroyed mutex fails with EINVAL and locks
     * nothing, which once let two threads' merges race.) */
    pthread_mutex_init(&st.lock, NULL);
    size_t n_blocks = (size_t)((opt->trials + E->block - 1) / E->block);
    if (!alloc_state(E, &st, opt, n_blocks)) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory for %llu trials",
                    (unsigned long long)opt->trials);
        goto done;
    }
    atomic_init(&st.next_block, 0);
    atomic_init(&st.trials_done, 0);
    cs_sim_run_blocks(&st, n_blocks, opt, opt->trials);
    if (st.failed) {
        if (st.oom) {
            cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory during the run");
        } else if (st.error.message[0]) {
            cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", st.error.message);
            status = CS_E_RUNTIME;
        } else {
            cs_diag_add(diag, m->scenario_path, 0, NULL, "cancelled");
            status = CS_E_CANCELLED;
        }
        goto done;
    }
    if (check) {
        double *scratch = malloc((size_t)opt->trials * sizeof(double));
        if (!scratch) {
            cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory");
            goto done;
        }
        *precise = precise_enough(st.totals[CS_NOMINAL], (size_t)opt->trials, opt->precision,
                                  scratch);
        free(scratch);
        if (!final && !*precise) {
            status = CS_OK;
            goto done;
        }
    }
    /* A very wide model's rows: two more passes (recount.c), only for the
     * round whose results are kept. */
    if (E->recount && cs_sim_recount(E, &st, n_blocks, opt) != 0) {
        if (st.oom)
            cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory during the run");
        else
            cs_diag_add(diag, m->scenario_path, 0, NULL, "%s",
                        st.error.message[0] ? st.error.message : "cancelled");
        status = st.oom ? CS_E_NOMEM : st.error.message[0] ? CS_E_RUNTIME : CS_E_CANCELLED;
        goto done;
    }
    status = cs_sim_assemble(E, &st, opt->trials, n_blocks, opt, out, diag);
    /* What assemble took into the results is NULL in st; what it did not
     * (it ran out of memory first) is freed below with the rest. */
done:
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        free(st.totals[mm]);
    free(st.trial_slip);
    free(st.trial_phase);
    free(st.trial_first);
    cs_sim_free_state(&st, n_blocks, E->n_rows);
    pthread_mutex_destroy(&st.lock);
    cs_sim_engine_free(E);
    return status;
}

/* The run's memory, and its partner's for as many trials (compare's B runs
 * A's trials, without --precision). */
static uint64_t with_partner(const cs_model *m, const cs_run_options *o)
{
    uint64_t need = cs_engine_memory_needed(m, o);
    if (o->memory_partner) {
        cs_run_options p = *o;
        p.precision = 0;
        p.memory_partner = NULL;
        need += cs_engine_memory_needed(o->memory_partner, &p);
    }
    return need;
}

/* --precision (docs/COMMANDS.md): the criterion is checked at 1 000 trials and
 * at every doubling, up to the ceiling opt->trials. Each check is a run of
 * that many trials from trial 1 (the same streams), so a run that stops at
 * N trials has exactly the results of a run of N trials; the work is at
 * most twice that of the last check. Growth stops where the next check
 * would not fit in memory. */
static cs_status run_with_precision(const cs_model *m, const cs_run_options *opt,
                                    uint64_t have, cs_results **out, cs_diag *diag)
{
    cs_run_options o = *opt;
    uint64_t ceiling = opt->trials;
    o.trials = ceiling < CS_PRECISION_FIRST_CHECK ? ceiling : CS_PRECISION_FIRST_CHECK;
    for (;;) {
        uint64_t next = o.trials >= ceiling ? 0
                        : o.trials > ceiling / 2 ? ceiling
                                                 : 2 * o.trials;
        cs_run_options on = o;
        on.trials = next;
        bool next_fits = next && with_partner(m, &on) <= have;
        bool precise = false;
        cs_status status = run_trials(m, &o, true, !next_fits, &precise, out, diag);
        if (status != CS_OK)
            return status;
        if (*out) {
            (*out)->precision_met = precise;
            (*out)->precision_ceiling = ceiling;
            (*out)->precision_memory_stop = !precise && next && !next_fits;
            (*out)->trials_requested = ceiling;
            return CS_OK;
        }
        o.trials = next;
    }
}

cs_status cs_engine_check_memory(const cs_model *m, const cs_run_options *opt, cs_diag *diag)
{
    /* With --precision the refusal is about the first check's trials. */
    cs_run_options first = *opt;
    if (opt->precision > 0 && first.trials > CS_PRECISION_FIRST_CHECK)
        first.trials = CS_PRECISION_FIRST_CHECK;
    uint64_t need = with_partner(m, &first), have = cs_sim_available_memory();
    if (need > have) {
        cs_diag_add(diag, m->scenario_path, 0, NULL,
                    "%llu trials need about %llu MiB of memory%s and %llu MiB are available; "
                    "run fewer trials",
                    (unsigned long long)first.trials, (unsigned long long)(need >> 20),
                    opt->memory_partner ? " (both scenarios)" : "",
                    (unsigned long long)(have >> 20));
        return CS_E_INPUT;
    }
    return CS_OK;
}

cs_status cs_engine_run(const cs_model *m, const cs_run_options *opt, cs_results **out,
                        cs_diag *diag)
{
    *out = NULL;
    if (opt->trials < 1) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "trials must be at least 1");
        return CS_E_INPUT;
    }
    uint64_t have = cs_sim_available_memory();
    if (cs_engine_check_memory(m, opt, diag) != CS_OK)
        return CS_E_INPUT;
    bool unused;
    cs_status status = opt->precision > 0
                           ? run_with_precision(m, opt, have, out, diag)
                           : run_trials(m, opt, false, true, &unused, out, diag);
    /* The drivers stop early when cancelled: such results are incomplete. */
    if (cs_cancel_requested(opt->cancel)) {
        cs_results_free(*out);
        *out = NULL;
        if (status == CS_OK || status == CS_E_RUNTIME) {
            /* The drivers may have said so already. */
            size_t n = cs_diag_count(diag);
            const cs_diag_entry *last = n ? cs_diag_get(diag, n - 1) : NULL;
            if (!last || !last->message || strcmp(last->message, "cancelled") != 0)
                cs_diag_add(diag, m->scenario_path, 0, NULL, "cancelled");
            status = CS_E_CANCELLED;
        }
    }
    return status;
}
