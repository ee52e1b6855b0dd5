/* engine assemble: turns the per-block results of a run into cs_results:
 * summary rows merged in block order (exact when the totals are kept,
 * from the merged sketches otherwise), the annual and funding profiles,
 * the drivers' tables and the point estimate. */
#include "engine_internal.h"

static const char *const source_names[N_SOURCES] = {"element", "risk", "slip", "inflation",
                                                     "fx"};

static double variance_of(const double *x, size_t n)
{
    double mean, sd;
    cs_stats_robust_mean_sd(x, n, &mean, &sd);
    return sd * sd;
}

static int compare_desc_abs(const void *a, const void *b)
{
    const cs_sensitivity *p = a, *q = b;
    double x = fabs(p->rank_correlation), y = fabs(q->rank_correlation);
    if (x != y)
        return x > y ? -1 : 1;
    if (p->kind != q->kind)
        return p->kind < q->kind ? -1 : 1;
    return (p->index > q->index) - (p->index < q->index);
}

static const char *input_label(const engine *E, const input_store *in)
{
    switch (in->kind) {
    case CS_INPUT_ELEMENT:
        return E->m->elements[in->index].id;
    case CS_INPUT_RISK:
        return E->m->risks[in->index].id;
    case CS_INPUT_SLIP:
        return "slip";
    default:
        return E->m->currencies[in->index].code;
    }
}

/* Moments of blocks combined in block order (Chan et al.), on means and
 * roots of squared deviations scaled by one power of two so that nothing
 * overflows for amounts of any finite size. */
static void combine_moments(const run_state *st, size_t n_blocks, size_t row, double *mean,
                            double *sd)
{
    double largest = 0;
    for (size_t b = 0; b < n_blocks; b++)
        largest = fmax(largest, fmax(fabs(st->slots[b].mean[row]), st->slots[b].m2[row]));
    int exponent = 0;
    if (largest > 0 && isfinite(largest))
        frexp(largest, &exponent);
    int shift = exponent - 1;
    double n = 0, mu = 0, m2 = 0;
    for (size_t b = 0; b < n_blocks; b++) {
        const block_slot *sl = &st->slots[b];
        double root = ldexp(sl->m2[row], -shift);
        double nb = (double)sl->n, delta = ldexp(sl->mean[row], -shift) - mu, total = n + nb;
        mu += delta * nb / total;
        m2 += root * root + delta * delta * n * nb / total;
        n = total;
    }
    *mean = ldexp(mu, shift);
    *sd = n > 1 ? ldexp(sqrt(m2 / (n - 1)), shift) : 0;
}

static cs_sketch *merged_sketch(const run_state *st, size_t n_blocks, size_t row)
{
    cs_sketch *s = cs_stats_sketch_alloc();
    if (!s)
        return NULL;
    for (size_t b = 0; b < n_blocks; b++)
        if (cs_stats_sketch_merge(s, st->slots[b].sketch[row]) != 0) {
            cs_stats_sketch_free(s);
            return NULL;
        }
    return s;
}

static void fill_row_from_sketch(const run_state *st, size_t n_blocks, size_t row,
                                 cs_summary_row *out, bool *oom)
{
    combine_moments(st, n_blocks, row, &out->mean, &out->sd);
    cs_sketch *s = merged_sketch(st, n_blocks, row);
    if (!s) {
        *oom = true;
        return;
    }
    for (int k = 0; k < CS_N_SUMMARY_P; k++)
        out->p[k] = cs_stats_sketch_percentile(s, cs_results_summary_p[k]);
    out->point_percentile = cs_stats_sketch_percent_at_or_below(s, out->point);
    cs_stats_sketch_free(s);
}

static void fill_row_exact(const double *x, const double *sorted, size_t n, cs_summary_row *out)
{
    cs_stats_robust_mean_sd(x, n, &out->mean, &out->sd);
    for (int k = 0; k < CS_N_SUMMARY_P; k++)
        out->p[k] = cs_stats_percentile_sorted(sorted, n, cs_results_summary_p[k]);
    out->point_percentile = cs_stats_percent_at_or_below(sorted, n, out->point);
}

/* How a stage of assemble ends: done, failed with its message in diag, or
 * out of memory (assemble adds the message). */
enum { STAGE_OK = 0, STAGE_FAILED = 1, STAGE_OOM = -1 };

/* The drivers' measurements on the first n_sens trials, carried from one
 * stage to the next: the variations run, their outputs (one per trial) and
 * the inputs in sensitivity order for the tornado. */
typedef struct {
    driver_state d;
    variation vars[N_SOURCES + 2 * TORNADO_MAX];
    double *outs[N_SOURCES + 2 * TORNADO_MAX];
    int var_source[N_SOURCES];
    size_t n_attr;
    uint64_t n_sens;
    size_t ns;
    size_t *position; /* sensitivity order -> input, until the tornado */
} drivers_work;

/* Moves the run's totals into r with a sorted copy of each, and the
 * per-trial outputs when asked for. False when out of memory. */
static bool take_totals(cs_results *r, run_state *st, uint64_t n, const cs_run_options *opt)
{
    size_t nn = (size_t)n;
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        r->totals[mm] = st->totals[mm];
        st->totals[mm] = NULL;
        r->sorted[mm] = malloc(nn * sizeof(double));
        if (!r->sorted[mm])
            return false;
        memcpy(r->sorted[mm], r->totals[mm], nn * sizeof(double));
        cs_stats_sort_doubles(r->sorted[mm], nn);
    }
    if (opt->trials_out) {
        r->has_trials = true;
        r->trial_slip = st->trial_slip;
        r->trial_phase_nominal = st->trial_phase;
        st->trial_slip = NULL;
        st->trial_phase = NULL;
    }
    return true;
}

/* Summary rows with the point estimate. */
static int summary_rows(engine *E, run_state *st, uint64_t n, size_t n_blocks, workspace *w,
                        cs_results *r, cs_diag *diag)
{
    const cs_model *m = E->m;
    bool oom = false;
    size_t nn = (size_t)n;
    trial_error err = {0};
    if (cs_sim_point_run(E, w, &err) != 0) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", err.message);
        return STAGE_FAILED;
    }
    size_t rpm = E->rows_per_measure, ne = E->ne, nr = E->nr, np = E->np;
    r->n_rows = 1 + rpm;
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        cs_summary_row *rows = calloc(r->n_rows, sizeof *rows);
        if (!(r->rows[mm] = rows))
            return STAGE_OOM;
        rows[0] = (cs_summary_row){CS_LEVEL_TOTAL, "total", m->name, w->total[mm], 0, 0, {0}, 0};
        fill_row_exact(r->totals[mm], r->sorted[mm], nn, &rows[0]);
        for (size_t i = 0; i < rpm; i++) {
            cs_summary_row *row = &rows[1 + i];
            const double *v = w->contrib + (size_t)mm * (ne + nr);
            if (i < np) {
                *row = (cs_summary_row){CS_LEVEL_PHASE, m->phases[i], m->phases[i],
                                        w->phase[(size_t)mm * np + i], 0, 0, {0}, 0};
            } else if (i < np + ne) {
                const cs_element *el = &m->elements[i - np];
                *row = (cs_summary_row){CS_LEVEL_ELEMENT, el->id, el->name, v[i - np], 0, 0, {0}, 0};
            } else {
                const cs_risk *rk = &m->risks[i - np - ne];
                *row = (cs_summary_row){CS_LEVEL_RISK, rk->id, rk->name, 0, 0, 0, {0}, 0};
            }
            fill_row_from_sketch(st, n_blocks, (size_t)mm * rpm + i, row, &oom);
        }
    }
    return oom ? STAGE_OOM : STAGE_OK;
}

/* Funding profile: the years with a flow in any trial. False when out of
 * memory. */
static bool funding_profile(const engine *E, run_state *st, size_t n_blocks, cs_results *r)
{
    const cs_model *m = E->m;
    size_t rpm = E->rows_per_measure;
    int ylo = INT_MAX, yhi = INT_MIN;
    for (size_t b = 0; b < n_blocks; b++) {
        if (st->slots[b].year_lo < ylo)
            ylo = st->slots[b].year_lo;
        if (st->slots[b].year_hi > yhi)
            yhi = st->slots[b].year_hi;
    }
    if (ylo <= yhi) {
        r->first_year = m->base_year + ylo;
        r->n_years = (size_t)(yhi - ylo + 1);
        r->year_mean = calloc(r->n_years, sizeof(double));
        r->year_p10 = calloc(r->n_years, sizeof(double));
        r->year_p50 = calloc(r->n_years, sizeof(double));
        r->year_p90 = calloc(r->n_years, sizeof(double));
        if (!r->year_mean || !r->year_p10 || !r->year_p50 || !r->year_p90)
            return false;
        for (size_t y = 0; y < r->n_years; y++) {
            size_t row = CS_N_MEASURES * rpm + (size_t)(ylo - E->t_lo) + y;
            double sd;
            combine_moments(st, n_blocks, row, &r->year_mean[y], &sd);
            cs_sketch *s = merged_sketch(st, n_blocks, row);
            if (!s)
                return false;
            r->year_p10[y] = cs_stats_sketch_percentile(s, 0.1);
            r->year_p50[y] = cs_stats_sketch_percentile(s, 0.5);
            r->year_p90[y] = cs_stats_sketch_percentile(s, 0.9);
            cs_stats_sketch_free(s);
        }
    } else {
        r->first_year = m->base_year;
    }
    return true;
}

/* Confidence intervals and budget. */
static void confidence_and_budget(cs_results *r, uint64_t n, const cs_run_options *opt)
{
    const cs_model *m = r->model;
    size_t nn = (size_t)n;
    const cs_summary_row *tot = &r->rows[CS_NOMINAL][0];
    double half = 1.96 * tot->sd / sqrt((double)n);
    r->mean_ci[0] = tot->mean - half;
    r->mean_ci[1] = tot->mean + half;
    cs_stats_quantile_ci(r->sorted[CS_NOMINAL], nn, 0.5, &r->p50_ci[0], &r->p50_ci[1]);
    cs_stats_quantile_ci(r->sorted[CS_NOMINAL], nn, 0.8, &r->p80_ci[0], &r->p80_ci[1]);
    if (opt->precision > 0) {
        double p80 = tot->p[CS_P80];
        r->precision_met = cs_sim_within_precision(tot->mean, half, p80, r->p80_ci[0],
                                            r->p80_ci[1], opt->precision);
    }
    if (m->has_budget) {
        uint64_t within = 0;
        for (size_t j = 0; j < nn; j++)
            within += r->totals[CS_NOMINAL][j] <= m->budget;
        r->has_budget = true;
        r->budget = m->budget;
        r->budget_confidence = 100.0 * (double)within / (double)n;
    }
}

/* Drivers on the first n_sens trials: each source frozen in turn (for the
 * attribution), and the FX inputs' path means stored for the sensitivity. */
static int source_drivers(engine *E, cs_results *r, uint64_t n, const cs_run_options *opt,
                          cs_diag *diag, drivers_work *dw)
{
    const cs_model *m = E->m;
    uint64_t n_sens = E->n_sens < n ? E->n_sens : n;
    E->n_sens = n_sens;
    r->sensitivity_trials = n_sens;
    dw->n_sens = n_sens;
    size_t ns = dw->ns = (size_t)n_sens;
    int t_years = r->n_years ? r->first_year + (int)r->n_years - 1 - m->base_year : 0;
    if (t_years < 0)
        t_years = 0;
    size_t n_vars = 0;
    for (int src = 0; src < N_SOURCES; src++)
        if (E->has_source[src]) {
            dw->var_source[n_vars] = src;
            dw->vars[n_vars++] = (variation){src, -1, 0};
        }
    dw->n_attr = n_vars;
    driver_state *d = &dw->d;
    d->E = E;
    d->variations = dw->vars;
    d->n_variations = n_vars;
    d->out = dw->outs;
    d->t_years = t_years;
    for (size_t k = 0; k < n_vars; k++)
        if (!(dw->outs[k] = malloc(ns * sizeof(double))))
            return STAGE_OOM;
    if (E->n_fx && !(d->fx_mean = malloc(E->n_fx * ns * sizeof(double))))
        return STAGE_OOM;
    if (cs_sim_run_drivers(d, opt) != 0) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", d->error.message);
        return STAGE_FAILED;
    }
    for (size_t i = 0; i < E->n_fx; i++) {
        size_t c = m->fx_currencies[i];
        memcpy(E->inputs[E->fx_input[c]].values, d->fx_mean + i * ns, ns * sizeof(double));
    }
    free(d->fx_mean);
    d->fx_mean = NULL;
    return STAGE_OK;
}

/* Sensitivity: Spearman of each input with the nominal total, sorted by
 * |rho|; dw->position keeps each row's input for the tornado. False when
 * out of memory. */
static bool sensitivity(const engine *E, cs_results *r, drivers_work *dw)
{
    size_t ns = dw->ns;
    r->n_sensitivity = E->n_inputs;
    r->sensitivity = calloc(E->n_inputs ? E->n_inputs : 1, sizeof(cs_sensitivity));
    double *ranks = malloc(2 * ns * sizeof(double));
    size_t *work = malloc(ns * sizeof(size_t));
    if (!r->sensitivity || !ranks || !work) {
        free(ranks);
        free(work);
        return false;
    }
    /* Spearman = Pearson of average ranks; the total's ranks once. */
    double *total_ranks = ranks + ns;
    cs_stats_ranks(r->totals[CS_NOMINAL], ns, total_ranks, work);
    double sum_sq = 0;
    for (size_t i = 0; i < E->n_inputs; i++) {
        const input_store *in = &E->inputs[i];
        cs_stats_ranks(in->values, ns, ranks, work);
        double rho = cs_stats_pearson(ranks, total_ranks, ns);
        /* index holds the input's position (kind, then file order) while
         * sorting, so ties in |rho| keep that order; it becomes the
         * element/risk/currency index afterwards. */
        r->sensitivity[i] = (cs_sensitivity){in->kind, i, input_label(E, in), rho, 0};
        sum_sq += rho * rho;
    }
    free(ranks);
    free(work);
    for (size_t i = 0; i < E->n_inputs; i++) {
        double rho = r->sensitivity[i].rank_correlation;
        r->sensitivity[i].variance_share = sum_sq > 0 ? rho * rho / sum_sq : 0;
    }
    size_t *position = dw->position = malloc((E->n_inputs ? E->n_inputs : 1) * sizeof(size_t));
    if (!position)
        return false;
    qsort(r->sensitivity, E->n_inputs, sizeof(cs_sensitivity), compare_desc_abs);
    for (size_t i = 0; i < E->n_inputs; i++) {
        position[i] = r->sensitivity[i].index;
        r->sensitivity[i].index = E->inputs[position[i]].index;
    }
    return true;
}

/* Attribution: 1 - Var(frozen) / Var(total) per source. False when out of
 * memory. */
static bool attribution(cs_results *r, drivers_work *dw)
{
    size_t ns = dw->ns, n_attr = dw->n_attr;
    double var_total = variance_of(r->totals[CS_NOMINAL], ns);
    r->attribution = calloc(n_attr + 1, sizeof(cs_attribution));
    if (!r->attribution)
        return false;
    double share_sum = 0;
    for (size_t k = 0; k < n_attr; k++) {
        double share = var_total > 0 ? 1 - variance_of(dw->outs[k], ns) / var_total : 0;
        r->attribution[k] = (cs_attribution){source_names[dw->var_source[k]], share};
        share_sum += share;
    }
    r->attribution[n_attr] =
        (cs_attribution){"interaction", var_total > 0 ? 1 - share_sum : 0};
    r->n_attribution = n_attr + 1;
    for (size_t k = 0; k < n_attr; k++) {
        free(dw->outs[k]);
        dw->outs[k] = NULL;
    }
    return true;
}

/* Tornado: P50 with each top input held at its P10 and P90. */
static int tornado(const engine *E, cs_results *r, uint64_t n, const cs_run_options *opt,
                   cs_diag *diag, drivers_work *dw)
{
    const cs_model *m = E->m;
    size_t ns = dw->ns;
    uint64_t n_sens = dw->n_sens;
    size_t n_top = E->n_inputs < TORNADO_MAX ? E->n_inputs : TORNADO_MAX;
    size_t n_vars = 0;
    for (size_t i = 0; i < n_top; i++) {
        dw->vars[n_vars++] = (variation){-1, (int)dw->position[i], 0.1};
        dw->vars[n_vars++] = (variation){-1, (int)dw->position[i], 0.9};
    }
    free(dw->position);
    dw->position = NULL;
    for (size_t k = 0; k < n_vars; k++)
        if (!(dw->outs[k] = malloc(ns * sizeof(double))))
            return STAGE_OOM;
    driver_state *d = &dw->d;
    d->n_variations = n_vars;
    atomic_init(&d->next, 0);
    d->failed = false;
    if (n_vars && cs_sim_run_drivers(d, opt) != 0) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", d->error.message);
        return STAGE_FAILED;
    }
    r->tornado = calloc(n_top ? n_top : 1, sizeof(cs_tornado));
    if (!r->tornado)
        return STAGE_OOM;
    r->n_tornado = n_top;
    double p50_run = r->rows[CS_NOMINAL][0].p[CS_P50];
    double *sorted_sens = malloc(ns * sizeof(double));
    if (!sorted_sens)
        return STAGE_OOM;
    memcpy(sorted_sens, r->totals[CS_NOMINAL], ns * sizeof(double));
    cs_stats_sort_doubles(sorted_sens, ns);
    double p50_sens = cs_stats_percentile_sorted(sorted_sens, ns, 0.5);
    free(sorted_sens);
    for (size_t i = 0; i < n_top; i++) {
        double held[2];
        for (int h = 0; h < 2; h++) {
            double *x = dw->outs[2 * i + (size_t)h];
            cs_stats_sort_doubles(x, ns);
            double p = cs_stats_percentile_sorted(x, ns, 0.5);
            /* Measured on the first n_sens trials: move the run's P50 by
             * the change seen there (exact when n_sens = n). */
            held[h] = n_sens == n ? p : p50_run + (p - p50_sens);
        }
        r->tornado[i] = (cs_tornado){r->sensitivity[i].kind, r->sensitivity[i].input,
                                     held[0], held[1], p50_run};
    }
    return STAGE_OK;
}

cs_results *cs_sim_assemble(engine *E, run_state *st, uint64_t n, size_t n_blocks,
                     const cs_run_options *opt, cs_diag *diag, int *status)
{
    const cs_model *m = E->m;
    drivers_work dw = {0};
    bool in_drivers = false;
    int rc = STAGE_OOM;
    cs_results *r = calloc(1, sizeof *r);
    workspace *w = cs_sim_workspace_alloc(E);
    if (r && w) {
        r->model = m;
        r->trials = n;
        r->precision = opt->precision;
        rc = take_totals(r, st, n, opt) ? STAGE_OK : STAGE_OOM;
        if (rc == STAGE_OK)
            rc = summary_rows(E, st, n, n_blocks, w, r, diag);
        if (rc == STAGE_OK)
            rc = funding_profile(E, st, n_blocks, r) ? STAGE_OK : STAGE_OOM;
        if (rc == STAGE_OK) {
            confidence_and_budget(r, n, opt);
            in_drivers = true;
            rc = source_drivers(E, r, n, opt, diag, &dw);
        }
        if (rc == STAGE_OK)
            rc = sensitivity(E, r, &dw) ? STAGE_OK : STAGE_OOM;
        if (rc == STAGE_OK)
            rc = attribution(r, &dw) ? STAGE_OK : STAGE_OOM;
        if (rc == STAGE_OK)
            rc = tornado(E, r, n, opt, diag, &dw);
    }
    for (size_t k = 0; k < N_SOURCES + 2 * TORNADO_MAX; k++)
        free(dw.outs[k]);
    free(dw.d.fx_mean);
    free(dw.position);
    cs_sim_workspace_free(w);
    if (rc == STAGE_OK) {
        *status = 0;
        return r;
    }
    if (rc == STAGE_OOM && in_drivers)
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while measuring the drivers");
    else if (rc == STAGE_OOM)
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while summarising the run");
    cs_results_free(r);
    *status = 1;
    return NULL;
}
