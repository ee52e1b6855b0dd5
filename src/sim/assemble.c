/* engine assemble: turns the per-block results of a run into cs_results:
 * summary rows merged in block order (exact when the totals are kept,
 * from the merged sketches otherwise), the annual and funding profiles,
 * the drivers' tables and the point estimate. */
#include "engine_internal.h"

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

/* The run's uncertain inputs in the engine's order (kind, then file
 * order), for pairing streams across a comparison. False when out of
 * memory. */
static bool uncertain_inputs(const engine *E, cs_results *r)
{
    r->inputs = calloc(E->n_inputs ? E->n_inputs : 1, sizeof *r->inputs);
    if (!r->inputs)
        return false;
    r->n_inputs = E->n_inputs;
    for (size_t i = 0; i < E->n_inputs; i++) {
        const input_store *in = &E->inputs[i];
        r->inputs[i] = (cs_uncertain_input){in->kind, in->index, cs_sim_input_label(E, in)};
    }
    return true;
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
    size_t values = 0, segments = 0;
    for (size_t b = 0; b < n_blocks; b++) {
        size_t g;
        values += cs_stats_sketch_size(st->slots[b].sketch[row], &g);
        segments += g;
    }
    if (cs_stats_sketch_reserve(s, values, segments) != 0) {
        cs_stats_sketch_free(s);
        return NULL;
    }
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
    if (st->E->recount) { /* exact, from the recount's passes */
        for (int k = 0; k < CS_N_SUMMARY_P; k++)
            out->p[k] = cs_sim_recount_percentile(st->E, row, k);
        out->point_percentile = cs_sim_recount_point_percentile(st->E, row);
        return;
    }
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

/* Tornado candidates in swing order; ties by kind, then file order (the
 * candidates' input order). */
typedef struct {
    size_t input;
    double low, high, swing;
} candidate;

/* The tornado across the drivers' stages: the inputs measured on every
 * drivers' trial, their candidates, the passes' held totals. */
typedef struct {
    candidate *cand;
    size_t *list, n_list;
    size_t pass;         /* inputs per pass over every drivers' trial */
    double *pool;        /* the held totals of one pass */
    double *medians;     /* per variation of a pass */
    double p50_run;      /* the run's nominal P50 */
    double p50_here;     /* the P50 of the drivers' trials */
    bool fused;          /* the first pass is held in the attribution's pass */
} tornado_plan;

/* The drivers' state, carried from one stage to the next: the variations
 * of a pass, their outputs (one per trial), the FX inputs' means until the
 * sensitivity reads them, and the tornado's plan. */
typedef struct {
    driver_state d;
    variation *vars;   /* the tornado's variations of one pass */
    double **outs;     /* per variation: its outputs, one per trial held */
    double *fx_mean;   /* per fx currency x trial, until finish_inputs */
    uint64_t n_sens;
    size_t ns;
    tornado_plan tp;
} drivers_work;

/* Moves the run's totals into r with a sorted copy of each, and the
 * per-trial outputs when asked for. False when out of memory. */
static bool take_totals(cs_results *r, run_state *st, uint64_t n, const cs_run_options *opt)
{
    size_t nn = (size_t)n;
    bool failed = false; /* not read: the pointers say it */
    /* one scratch for the three sorts (NULL: each sort allocates its own) */
    uint64_t *keys = cs_sim_big_alloc(2 * nn, sizeof *keys, &failed);
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        r->totals[mm] = st->totals[mm];
        st->totals[mm] = NULL;
        r->sorted[mm] = cs_sim_big_alloc(nn, sizeof(double), &failed);
        if (!r->sorted[mm]) {
            free(keys);
            return false;
        }
        if (mm > 0 && !memcmp(r->totals[mm], r->totals[mm - 1], nn * sizeof(double))) {
            /* the same totals as the previous measure (no inflation, or
             * no discounting): the same sorted copy */
            memcpy(r->sorted[mm], r->sorted[mm - 1], nn * sizeof(double));
            continue;
        }
        memcpy(r->sorted[mm], r->totals[mm], nn * sizeof(double));
        cs_stats_sort_doubles_work(r->sorted[mm], nn, keys);
    }
    free(keys);
    if (opt->trials_out) {
        r->has_trials = true;
        r->trial_slip = st->trial_slip;
        r->trial_phase_nominal = st->trial_phase;
        st->trial_slip = NULL;
        st->trial_phase = NULL;
    }
    return true;
}

/* The rows whose statistics come from the blocks' moments and sketches,
 * filled in parallel (one row or year per item). */
typedef struct {
    const run_state *st;
    size_t n_blocks;
    cs_results *r;
    size_t rpm;
    int ylo;
    atomic_bool oom;
} sketch_job;

static void summary_row(void *ctx, unsigned worker, size_t item)
{
    (void)worker;
    sketch_job *job = ctx;
    size_t mm = item / job->rpm, i = item % job->rpm;
    bool oom = false;
    fill_row_from_sketch(job->st, job->n_blocks, item, &job->r->rows[mm][1 + i], &oom);
    if (oom)
        atomic_store(&job->oom, true);
}

/* Summary rows with the point estimate. */
static int summary_rows(engine *E, run_state *st, uint64_t n, size_t n_blocks, workspace *w,
                        cs_results *r, unsigned threads, cs_diag *diag)
{
    const cs_model *m = E->m;
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
        }
    }
    sketch_job job = {st, n_blocks, r, rpm, 0, false};
    atomic_init(&job.oom, false);
    cs_sim_parallel_for(threads, (size_t)CS_N_MEASURES * rpm, summary_row, &job);
    return atomic_load(&job.oom) ? STAGE_OOM : STAGE_OK;
}

/* Percentile p of a year row: from its merged sketch s, or, in a recount
 * (s NULL), the recounted one (p is one of the summary's listed ones). */
static double year_percentile(const engine *E, cs_sketch *s, size_t row, double p)
{
    if (s)
        return cs_stats_sketch_percentile(s, p);
    for (int k = 0; k < CS_N_SUMMARY_P; k++)
        if (cs_results_summary_p[k] == p)
            return cs_sim_recount_percentile(E, row, k);
    return NAN; /* not reached: P10, P50, P80 and P90 are listed */
}

/* Year y of the funding profile: the nominal mean, P10, P50, P80 and P90
 * and the constant measure's mean and percentiles (the constant rows
 * follow the nominal ones in the block rows). */
static void year_row(void *ctx, unsigned worker, size_t y)
{
    (void)worker;
    sketch_job *job = ctx;
    const engine *E = job->st->E;
    cs_results *r = job->r;
    size_t nominal_row = CS_N_MEASURES * job->rpm + (size_t)(job->ylo - E->t_lo) + y;
    size_t constant_row = nominal_row + E->n_year_rows;
    double sd;
    combine_moments(job->st, job->n_blocks, nominal_row, &r->year_mean[y], &sd);
    combine_moments(job->st, job->n_blocks, constant_row, &r->year_const_mean[y], &sd);
    /* A recount has the percentiles already; otherwise the merged sketches. */
    cs_sketch *nominal = E->recount ? NULL : merged_sketch(job->st, job->n_blocks, nominal_row);
    cs_sketch *constant = E->recount ? NULL : merged_sketch(job->st, job->n_blocks, constant_row);
    if (!E->recount && (!nominal || !constant)) {
        atomic_store(&job->oom, true);
    } else {
        r->year_p10[y] = year_percentile(E, nominal, nominal_row, 0.1);
        r->year_p50[y] = year_percentile(E, nominal, nominal_row, 0.5);
        r->year_p80[y] = year_percentile(E, nominal, nominal_row, 0.8);
        r->year_p90[y] = year_percentile(E, nominal, nominal_row, 0.9);
        r->year_const_p10[y] = year_percentile(E, constant, constant_row, 0.1);
        r->year_const_p50[y] = year_percentile(E, constant, constant_row, 0.5);
        r->year_const_p80[y] = year_percentile(E, constant, constant_row, 0.8);
        r->year_const_p90[y] = year_percentile(E, constant, constant_row, 0.9);
    }
    cs_stats_sketch_free(nominal);
    cs_stats_sketch_free(constant);
}

/* Funding profile: the years with a flow in any trial, in parallel. False
 * when out of memory. */
static bool funding_profile(const engine *E, run_state *st, size_t n_blocks, cs_results *r,
                            unsigned threads)
{
    const cs_model *m = E->m;
    int ylo = INT_MAX, yhi = INT_MIN;
    for (size_t b = 0; b < n_blocks; b++) {
        if (st->slots[b].year_lo < ylo)
            ylo = st->slots[b].year_lo;
        if (st->slots[b].year_hi > yhi)
            yhi = st->slots[b].year_hi;
    }
    if (ylo > yhi) {
        r->first_year = m->base_year;
        return true;
    }
    size_t ny = r->n_years = (size_t)(yhi - ylo + 1);
    r->first_year = m->base_year + ylo;
    double **columns[] = {&r->year_mean, &r->year_p10, &r->year_p50, &r->year_p80,
                          &r->year_p90, &r->year_const_mean, &r->year_const_p10,
                          &r->year_const_p50, &r->year_const_p80, &r->year_const_p90};
    for (size_t k = 0; k < sizeof columns / sizeof *columns; k++)
        if (!(*columns[k] = calloc(ny, sizeof(double))))
            return false;
    sketch_job job = {st, n_blocks, r, E->rows_per_measure, ylo, false};
    atomic_init(&job.oom, false);
    cs_sim_parallel_for(threads, ny, year_row, &job);
    return !atomic_load(&job.oom);
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
            within += r->totals[m->budget_measure][j] <= m->budget;
        r->has_budget = true;
        r->budget = m->budget;
        r->budget_confidence = (double)within / (double)n;
        cs_stats_wilson(within, n, &r->budget_ci[0], &r->budget_ci[1]);
    }
}

/* Sets up the drivers on the first n_sens trials: room for the inputs'
 * draws, which the attribution's pass stores, and for the FX inputs' path
 * means. */
static int prepare_drivers(engine *E, cs_results *r, uint64_t n, drivers_work *dw)
{
    const cs_model *m = E->m;
    uint64_t n_sens = E->n_sens < n ? E->n_sens : n;
    E->n_sens = n_sens;
    r->sensitivity_trials = n_sens;
    dw->n_sens = n_sens;
    size_t ns = dw->ns = (size_t)n_sens;
    int t_years = r->n_years ? r->first_year + (int)r->n_years - 1 - m->base_year : 0;
    dw->d.E = E;
    dw->d.n_variations = 0;
    dw->d.t_years = t_years < 0 ? 0 : t_years;
    if (!E->sens_slip && cs_sim_alloc_input_values(E) != 0) /* else the main pass's */
        return STAGE_OOM;
    if (E->n_fx && !(dw->fx_mean = malloc(E->n_fx * ns * sizeof(double))))
        return STAGE_OOM;
    return STAGE_OK;
}

/* After the attribution's pass: the slip's and the FX inputs' values where
 * the sensitivity reads them. */
static void finish_inputs(engine *E, drivers_work *dw)
{
    size_t ns = dw->ns;
    for (size_t i = 0; i < E->n_inputs; i++)
        if (E->inputs[i].kind == CS_INPUT_SLIP)
            memcpy(E->inputs[i].values, E->sens_slip, ns * sizeof(double));
    for (size_t i = 0; i < E->n_fx; i++) {
        size_t c = E->m->fx_currencies[i];
        memcpy(E->inputs[E->fx_input[c]].values, dw->fx_mean + i * ns, ns * sizeof(double));
    }
    free(dw->fx_mean);
    dw->fx_mean = NULL;
}

/* One thread's share of the sensitivity: its scratch for ranks, and the
 * inputs' correlations with the total's ranks. */
typedef struct {
    const engine *E;
    size_t ns;
    const double *total_ranks;
    double **ranks;    /* per worker: ns */
    uint64_t **work;   /* per worker: 4 ns */
    double *rho;       /* per input */
} rank_job;

static void input_correlation(void *ctx, unsigned worker, size_t i)
{
    rank_job *job = ctx;
    cs_stats_ranks(job->E->inputs[i].values, job->ns, job->ranks[worker], job->work[worker]);
    double rho = cs_stats_pearson(job->ranks[worker], job->total_ranks, job->ns);
    job->rho[i] = gsl_finite(rho) ? rho : 0;
}

/* The correlations of a list of inputs (indices into E->inputs). */
typedef struct {
    rank_job *job;
    const size_t *list;
} list_job;

static void list_correlation(void *ctx, unsigned worker, size_t item)
{
    list_job *lj = ctx;
    input_correlation(lj->job, worker, lj->list[item]);
}

/* Element inputs redrawn (engine.stream_elements): the columns of a group
 * of element inputs over the drivers' trials, from each trial's own
 * streams, as the main pass drew them (cs_sim_draw_elements: only the
 * group's elements and their correlation groups, so the groups together
 * cost about one draw of every trial). */
#define REDRAW_CHUNK 1024

typedef struct {
    const engine *E;
    const size_t *elements; /* the group's elements */
    size_t n_list, ns;
    double *columns;        /* n_list x ns */
    double **u4, **x;       /* per worker: 4 ne uniforms, 4 n_list draws */
} redraw_job;

static void redraw_chunk(void *ctx, unsigned worker, size_t item)
{
    redraw_job *job = ctx;
    size_t n = job->n_list, end = (item + 1) * REDRAW_CHUNK;
    end = end < job->ns ? end : job->ns;
    double *x = job->x[worker];
    for (size_t j0 = item * REDRAW_CHUNK; j0 < end; j0 += 4) { /* chunks are whole groups of 4 */
        cs_sim_draw_elements(job->E, job->u4[worker], j0 >> 2, job->elements, n, x);
        for (size_t lane = 0; lane < 4 && j0 + lane < end; lane++)
            for (size_t g = 0; g < n; g++)
                job->columns[g * job->ns + j0 + lane] = x[lane * n + g];
    }
}

/* Every input's correlation when the element inputs are not stored: the
 * others as stored, the elements a group at a time (at most
 * cs_sim_stream_input_bytes of columns), each group's columns redrawn. */
static bool streamed_correlations(const engine *E, rank_job *job, unsigned threads)
{
    size_t n_in = E->n_inputs, ns = job->ns, n_other = 0, n_el = 0;
    size_t *other = malloc((n_in ? n_in : 1) * sizeof *other);
    size_t *el = malloc((n_in ? n_in : 1) * sizeof *el);
    size_t group = (size_t)(cs_sim_stream_input_bytes / ((ns ? ns : 1) * sizeof(double)));
    group = group < 1 ? 1 : group;
    bool failed = !other || !el;
    for (size_t i = 0; !failed && i < n_in; i++) {
        if (E->inputs[i].kind == CS_INPUT_ELEMENT)
            el[n_el++] = i;
        else
            other[n_other++] = i;
    }
    group = group < n_el ? group : n_el;
    double *columns = failed || !n_el ? NULL : cs_sim_big_alloc(group * ns, sizeof(double), &failed);
    size_t *elements = malloc((n_el ? n_el : 1) * sizeof *elements);
    double **u4 = calloc(threads, sizeof *u4), **x = calloc(threads, sizeof *x);
    failed |= !elements || !u4 || !x;
    for (unsigned t = 0; !failed && t < threads; t++)
        failed = !(u4[t] = malloc(4 * (E->ne ? E->ne : 1) * sizeof(double))) ||
                 !(x[t] = malloc(4 * (group ? group : 1) * sizeof(double)));
    for (size_t i = 0; !failed && i < n_el; i++)
        elements[i] = E->inputs[el[i]].index;
    if (!failed) {
        list_job lj = {job, other};
        cs_sim_parallel_for(threads, n_other, list_correlation, &lj);
        for (size_t first = 0; first < n_el; first += group) {
            size_t count = n_el - first < group ? n_el - first : group;
            redraw_job rj = {E, elements + first, count, ns, columns, u4, x};
            cs_sim_parallel_for(threads, (ns + REDRAW_CHUNK - 1) / REDRAW_CHUNK, redraw_chunk, &rj);
            for (size_t g = 0; g < count; g++)
                E->inputs[el[first + g]].values = columns + g * ns;
            lj.list = el + first;
            cs_sim_parallel_for(threads, count, list_correlation, &lj);
            for (size_t g = 0; g < count; g++)
                E->inputs[el[first + g]].values = NULL;
        }
    }
    for (unsigned t = 0; t < threads; t++) {
        free(u4 ? u4[t] : NULL);
        free(x ? x[t] : NULL);
    }
    free(u4);
    free(x);
    free(elements);
    free(columns);
    free(other);
    free(el);
    return !failed;
}

/* Sensitivity: Spearman of each input with the nominal total and its
 * interval, sorted by |rho|. The inputs are ranked in parallel. False when
 * out of memory. */
static bool sensitivity(const engine *E, cs_results *r, drivers_work *dw,
                        const cs_run_options *opt)
{
    size_t ns = dw->ns, n_in = E->n_inputs;
    unsigned threads = cs_sim_thread_count(opt);
    r->n_sensitivity = n_in;
    r->sensitivity = calloc(n_in ? n_in : 1, sizeof(cs_sensitivity));
    double *total_ranks = malloc((ns ? ns : 1) * sizeof(double));
    double *rho = malloc((n_in ? n_in : 1) * sizeof(double));
    rank_job job = {E, ns, total_ranks, calloc(threads, sizeof(double *)),
                    calloc(threads, sizeof(uint64_t *)), rho};
    bool ok = r->sensitivity && total_ranks && rho && job.ranks && job.work;
    for (unsigned t = 0; ok && t < threads; t++) {
        job.ranks[t] = malloc((ns ? ns : 1) * sizeof(double));
        job.work[t] = malloc((ns ? 4 * ns : 1) * sizeof(uint64_t));
        ok = job.ranks[t] && job.work[t];
    }
    if (ok) {
        /* Spearman = Pearson of average ranks; the total's ranks once. */
        cs_stats_ranks(r->totals[CS_NOMINAL], ns, total_ranks, job.work[0]);
        if (E->stream_elements)
            ok = streamed_correlations(E, &job, threads);
        else
            cs_sim_parallel_for(threads, n_in, input_correlation, &job);
    }
    for (unsigned t = 0; t < threads && job.ranks && job.work; t++) {
        free(job.ranks[t]);
        free(job.work[t]);
    }
    free(job.ranks);
    free(job.work);
    free(total_ranks);
    if (!ok) {
        free(rho);
        return false;
    }
    double sum_sq = 0;
    for (size_t i = 0; i < n_in; i++) {
        /* index holds the input's position (kind, then file order) while
         * sorting, so ties in |rho| keep that order; it becomes the
         * element/risk/currency index afterwards. */
        cs_sensitivity *sv = &r->sensitivity[i];
        const input_store *in = &E->inputs[i];
        *sv = (cs_sensitivity){in->kind, i, cs_sim_input_label(E, in), rho[i], 0, 0, 0};
        cs_stats_spearman_ci(rho[i], dw->n_sens, &sv->ci_low, &sv->ci_high);
        sum_sq += rho[i] * rho[i];
    }
    free(rho);
    for (size_t i = 0; i < n_in; i++) {
        double v = r->sensitivity[i].rank_correlation;
        r->sensitivity[i].rho2_share = sum_sq > 0 ? v * v / sum_sq : 0;
    }
    qsort(r->sensitivity, n_in, sizeof(cs_sensitivity), compare_desc_abs);
    for (size_t i = 0; i < n_in; i++)
        r->sensitivity[i].index = E->inputs[r->sensitivity[i].index].index;
    return true;
}

/* Attribution: Shapley effects with first-order and total indices
 * (drivers_shapley.c), in the pass over the drivers' trials that also
 * stores their inputs and holds the tornado's first pass. */
static int attribution(const engine *E, cs_results *r, const cs_run_options *opt,
                       cs_diag *diag, drivers_work *dw)
{
    r->attribution = calloc(N_SOURCES, sizeof(cs_attribution));
    if (!r->attribution)
        return STAGE_OOM;
    /* The centre and spread of the totals, without overflow near the
     * largest double: the attribution's sums are taken in units of the
     * spread, so that neither huge nor tiny totals lose them. */
    double centre = 0, mean = 0, spread = 0;
    for (size_t j = 0; j < dw->ns; j++)
        centre += r->totals[CS_NOMINAL][j];
    centre = dw->ns ? centre / (double)dw->ns : 0;
    if (dw->ns)
        cs_stats_robust_mean_sd(r->totals[CS_NOMINAL], dw->ns, &mean, &spread);
    if (!isfinite(centre)) /* the plain sum overflowed */
        centre = isfinite(mean) ? mean : 0;
    trial_error err = {0, ""};
    int rc = cs_sim_shapley(E, dw->n_sens, centre, spread, opt, dw->fx_mean, dw->d.t_years,
                            dw->tp.fused ? &dw->d : NULL, r->attribution, &r->n_attribution,
                            &err);
    if (dw->tp.fused) {
        cs_sim_drivers_end(&dw->d);
        dw->tp.fused = false;
        if (rc == 0 && dw->d.failed) { /* cancelled */
            err = dw->d.error;
            rc = -1;
        }
    }
    if (rc == -1) {
        cs_diag_add(diag, E->m->scenario_path, 0, NULL, "%s", err.message);
        return STAGE_FAILED;
    }
    return rc == 0 ? STAGE_OK : STAGE_OOM;
}

static int compare_swing(const void *a, const void *b)
{
    const candidate *p = a, *q = b;
    if (p->swing != q->swing)
        return p->swing > q->swing ? -1 : 1;
    return (p->input > q->input) - (p->input < q->input);
}

/* Inputs per pass when every held total of a pass over ns trials must fit
 * in TORNADO_BUFFER_BYTES: at least min_pass, at most n_in. */
static size_t inputs_per_pass(size_t n_in, size_t ns, size_t min_pass)
{
    size_t fit = TORNADO_BUFFER_BYTES / (2 * sizeof(double) * (ns ? ns : 1));
    size_t k = fit > min_pass ? fit : min_pass;
    k = k < n_in ? k : n_in;
    return k ? k : 1;
}

/* The P50 of each held variation's totals, in parallel (a selection, not
 * a sort; it reorders the totals, which are not used again). */
typedef struct {
    double **outs;
    size_t ns;
    double *medians;
} median_job;

static void variation_median(void *ctx, unsigned worker, size_t k)
{
    (void)worker;
    median_job *job = ctx;
    for (size_t j = 0; j < job->ns; j++)
        if (isnan(job->outs[k][j])) { /* a held trial left the calendar */
            job->medians[k] = NAN;
            return;
        }
    job->medians[k] = cs_stats_percentile_select(job->outs[k], job->ns, 0.5);
}

/* Sets up d to hold the inputs list[0 .. count-1] at their P10 and P90
 * on the first ns trials, each input's two variations next to each other
 * (outputs in the pool). */
static void pass_variations(drivers_work *dw, const size_t *list, size_t count, size_t ns)
{
    driver_state *d = &dw->d;
    size_t n_vars = 0;
    for (size_t i = 0; i < count; i++) {
        dw->outs[n_vars] = dw->tp.pool + n_vars * ns;
        dw->vars[n_vars++] = (variation){(int)list[i], 0.1};
        dw->outs[n_vars] = dw->tp.pool + n_vars * ns;
        dw->vars[n_vars++] = (variation){(int)list[i], 0.9};
    }
    d->n_variations = n_vars;
    d->limit = ns;
    d->failed = false;
}

/* The candidates list[0 .. count-1] from a pass's held totals on ns
 * trials: low and high are the P50 of those trials, or with shift the
 * run's P50 moved by the change the hold makes there. */
static void pass_candidates(drivers_work *dw, const size_t *list, size_t count, size_t ns,
                            bool shift, double p50_here, unsigned threads, candidate *cand)
{
    tornado_plan *tp = &dw->tp;
    median_job job = {dw->outs, ns, tp->medians};
    cs_sim_parallel_for(threads, 2 * count, variation_median, &job);
    for (size_t i = 0; i < count; i++) {
        double held[2];
        for (int h = 0; h < 2; h++) {
            double p = tp->medians[2 * i + (size_t)h];
            held[h] = shift ? tp->p50_run + (p - p50_here) : p;
        }
        /* An input whose hold left the calendar in some trial has no
         * swing: it sorts last and is left out (tornado_finish). */
        bool none = isnan(held[0]) || isnan(held[1]);
        cand[i] = (candidate){list[i], held[0], held[1], none ? -1 : fabs(held[1] - held[0])};
    }
}

/* The warning for an input left out of the tornado: held, it moved some
 * trial's schedule outside the calendar (it has no swing). */
static void warn_left_out(const engine *E, cs_diag *diag, size_t input)
{
    const input_store *in = &E->inputs[input];
    cs_diag_warn(diag, E->m->scenario_path, 0, NULL,
                 "tornado: %s (%s) left out: held at its P10 or P90 it moves the schedule "
                 "outside the years allowed (1900-2300) in some trial",
                 cs_sim_input_label(E, in), cs_results_input_kind_name(in->kind));
}

/* The P50 of the first ns nominal totals. -1 when out of memory. */
static int p50_of_first(const double *totals, size_t ns, double *p50)
{
    double *copy = malloc((ns ? ns : 1) * sizeof(double));
    if (!copy)
        return -1;
    memcpy(copy, totals, ns * sizeof(double));
    *p50 = cs_stats_percentile_select(copy, ns, 0.5);
    free(copy);
    return 0;
}

/* The screening: every input held on the first ns_screen trials (drawn
 * from their streams, as the inputs are not stored yet), pass_screen
 * inputs a pass; tp->list becomes the 30 largest screened swings, in input
 * order. */
static int tornado_screen(const engine *E, cs_results *r, const cs_run_options *opt,
                          cs_diag *diag, drivers_work *dw, size_t ns_screen, size_t pass_screen)
{
    tornado_plan *tp = &dw->tp;
    size_t n_in = tp->n_list, n_short = 3 * TORNADO_MAX;
    double p50_screen;
    if (p50_of_first(r->totals[CS_NOMINAL], ns_screen, &p50_screen) != 0)
        return STAGE_OOM;
    dw->d.draw = true;
    for (size_t first = 0; first < n_in; first += pass_screen) {
        size_t count = n_in - first < pass_screen ? n_in - first : pass_screen;
        pass_variations(dw, tp->list + first, count, ns_screen);
        if (cs_sim_run_drivers(&dw->d, opt) != 0) {
            cs_diag_add(diag, E->m->scenario_path, 0, NULL, "%s", dw->d.error.message);
            return STAGE_FAILED;
        }
        pass_candidates(dw, tp->list + first, count, ns_screen, true, p50_screen,
                        cs_sim_thread_count(opt), tp->cand + first);
    }
    dw->d.draw = false;
    qsort(tp->cand, n_in, sizeof(candidate), compare_swing);
    /* Left the calendar on the screening's trials, so on every drivers'
     * trial too (they come first): left out here, with the warning the
     * shortlist's inputs get at the end, last input first as there. */
    for (size_t i = n_in; i > n_short && tp->cand[i - 1].swing < 0; i--)
        warn_left_out(E, diag, tp->cand[i - 1].input);
    for (size_t i = 0; i < n_short; i++)
        tp->list[i] = tp->cand[i].input;
    /* back to input order: ties stay in kind, then file order */
    for (size_t i = 1; i < n_short; i++)
        for (size_t j = i; j > 0 && tp->list[j - 1] > tp->list[j]; j--) {
            size_t t = tp->list[j - 1];
            tp->list[j - 1] = tp->list[j];
            tp->list[j] = t;
        }
    tp->n_list = n_short;
    return STAGE_OK;
}

/* Tornado, first part (docs/METHOD.md): every uncertain input is held at
 * its P10 and P90 on the drivers' trials, in passes whose held totals fit
 * in TORNADO_BUFFER_BYTES. With more than 3 x 10 inputs that would need
 * several passes, the inputs are first screened on the first
 * TORNADO_SCREEN_TRIALS trials (fewer when one pass cannot hold them all,
 * but at least 1 000; drawn from their streams, as the inputs are not
 * stored yet) and the 30 largest screened swings are measured on every
 * trial. Then the first full pass is set up to run inside the
 * attribution's pass, on the same draws, FX paths and factors. */
static int tornado_plan_passes(const engine *E, cs_results *r, const cs_run_options *opt,
                               cs_diag *diag, drivers_work *dw)
{
    tornado_plan *tp = &dw->tp;
    size_t ns = dw->ns, n_in = E->n_inputs, n_short = 3 * TORNADO_MAX;
    size_t pass_full = inputs_per_pass(n_in, ns, TORNADO_MAX);
    bool screen = pass_full < n_in && n_in > n_short;
    size_t ns_screen = ns, pass_screen = pass_full;
    if (screen) {
        ns_screen = TORNADO_BUFFER_BYTES / (2 * sizeof(double) * n_in);
        if (ns_screen > TORNADO_SCREEN_TRIALS)
            ns_screen = TORNADO_SCREEN_TRIALS;
        if (ns_screen < 1000)
            ns_screen = 1000;
        if (ns_screen > ns)
            ns_screen = ns;
        pass_screen = inputs_per_pass(n_in, ns_screen, 1);
        pass_full = inputs_per_pass(n_short, ns, TORNADO_MAX);
    }
    size_t pool_n = 2 * pass_full * ns;
    if (2 * pass_screen * ns_screen > pool_n)
        pool_n = 2 * pass_screen * ns_screen;
    size_t max_pass = pass_full > pass_screen ? pass_full : pass_screen;
    tp->cand = calloc(n_in ? n_in : 1, sizeof(candidate));
    tp->list = malloc((n_in ? n_in : 1) * sizeof(size_t));
    bool failed = false;
    tp->pool = cs_sim_big_alloc(pool_n, sizeof(double), &failed);
    tp->medians = malloc(2 * max_pass * sizeof(double));
    dw->vars = calloc(2 * max_pass, sizeof(variation));
    dw->outs = calloc(2 * max_pass, sizeof(double *));
    if (!tp->cand || !tp->list || !tp->pool || !tp->medians || !dw->vars || !dw->outs)
        return STAGE_OOM;
    dw->d.variations = dw->vars;
    dw->d.out = dw->outs;
    tp->p50_run = r->rows[CS_NOMINAL][0].p[CS_P50];
    tp->pass = pass_full;
    for (size_t i = 0; i < n_in; i++)
        tp->list[i] = i;
    tp->n_list = n_in;
    if (screen) {
        int rc = tornado_screen(E, r, opt, diag, dw, ns_screen, pass_screen);
        if (rc != STAGE_OK)
            return rc;
    }
    if (p50_of_first(r->totals[CS_NOMINAL], ns, &tp->p50_here) != 0)
        return STAGE_OOM;
    if (tp->n_list == 0)
        return STAGE_OK;
    pass_variations(dw, tp->list, tp->n_list < tp->pass ? tp->n_list : tp->pass, ns);
    if (cs_sim_drivers_begin(&dw->d) != 0) {
        cs_sim_drivers_end(&dw->d);
        return STAGE_OOM;
    }
    tp->fused = true;
    return STAGE_OK;
}

/* Tornado, second part: the first full pass's candidates (held in the
 * attribution's pass), any further passes, and the 10 largest swings. */
static int tornado_finish(const engine *E, cs_results *r, uint64_t n, const cs_run_options *opt,
                          cs_diag *diag, drivers_work *dw)
{
    tornado_plan *tp = &dw->tp;
    size_t ns = dw->ns;
    unsigned threads = cs_sim_thread_count(opt);
    bool shift = ns != n;
    for (size_t first = 0; first < tp->n_list; first += tp->pass) {
        size_t count = tp->n_list - first < tp->pass ? tp->n_list - first : tp->pass;
        if (first > 0) { /* the first pass ran inside the attribution's */
            pass_variations(dw, tp->list + first, count, ns);
            if (cs_sim_run_drivers(&dw->d, opt) != 0) {
                cs_diag_add(diag, E->m->scenario_path, 0, NULL, "%s", dw->d.error.message);
                return STAGE_FAILED;
            }
        }
        pass_candidates(dw, tp->list + first, count, ns, shift, tp->p50_here, threads,
                        tp->cand + first);
    }
    size_t n_in = tp->n_list;
    qsort(tp->cand, n_in, sizeof(candidate), compare_swing);
    while (n_in > 0 && tp->cand[n_in - 1].swing < 0) /* left out, with a warning */
        warn_left_out(E, diag, tp->cand[--n_in].input);
    size_t n_top = n_in < TORNADO_MAX ? n_in : TORNADO_MAX;
    r->tornado = calloc(n_top ? n_top : 1, sizeof(cs_tornado));
    if (!r->tornado)
        return STAGE_OOM;
    r->n_tornado = n_top;
    for (size_t i = 0; i < n_top; i++) {
        const input_store *in = &E->inputs[tp->cand[i].input];
        r->tornado[i] = (cs_tornado){in->kind, cs_sim_input_label(E, in), tp->cand[i].low,
                                     tp->cand[i].high, tp->p50_run, tp->cand[i].swing};
    }
    return STAGE_OK;
}

cs_status cs_sim_assemble(engine *E, run_state *st, uint64_t n, size_t n_blocks,
                          const cs_run_options *opt, cs_results **out, cs_diag *diag)
{
    const cs_model *m = E->m;
    drivers_work dw = {0};
    bool in_drivers = false;
    unsigned threads = cs_sim_thread_count(opt);
    int rc = STAGE_OOM;
    cs_results *r = calloc(1, sizeof *r);
    workspace *w = cs_sim_workspace_alloc(E);
    if (r && w) {
        r->model = m;
        r->trials = n;
        r->seed = E->seed;
        r->trials_requested = opt->trials;
        r->precision = opt->precision;
        rc = take_totals(r, st, n, opt) ? STAGE_OK : STAGE_OOM;
        if (rc == STAGE_OK)
            rc = summary_rows(E, st, n, n_blocks, w, r, threads, diag);
        if (rc == STAGE_OK)
            rc = funding_profile(E, st, n_blocks, r, threads) ? STAGE_OK : STAGE_OOM;
        /* The blocks' sketches are read; the drivers need their memory. */
        cs_sim_free_state(st, n_blocks, E->n_rows);
        if (rc == STAGE_OK) {
            r->trial_first_delivery = st->trial_first;
            st->trial_first = NULL;
            r->has_schedule = m->has_first_delivery;
            rc = cs_sim_schedule_stats(E, r) ? STAGE_OK : STAGE_OOM;
        }
        if (rc == STAGE_OK) {
            trial_error err = {0};
            int a = cs_sim_allocation(E, r, threads, &err);
            if (a > 0)
                cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", err.message);
            rc = a == 0 ? STAGE_OK : a > 0 ? STAGE_FAILED : STAGE_OOM;
        }
        if (rc == STAGE_OK) {
            confidence_and_budget(r, n, opt);
            rc = uncertain_inputs(E, r) ? STAGE_OK : STAGE_OOM;
        }
        /* --no-drivers: the results stop here, with no driver rows. */
        r->no_drivers = opt->no_drivers;
        if (rc == STAGE_OK && !opt->no_drivers) {
            in_drivers = true;
            rc = prepare_drivers(E, r, n, &dw);
        }
        if (rc == STAGE_OK && !opt->no_drivers)
            rc = tornado_plan_passes(E, r, opt, diag, &dw);
        if (dw.tp.fused && rc != STAGE_OK) {
            cs_sim_drivers_end(&dw.d);
            dw.tp.fused = false;
        }
        if (rc == STAGE_OK && !opt->no_drivers)
            rc = attribution(E, r, opt, diag, &dw);
        if (rc == STAGE_OK && !opt->no_drivers) {
            finish_inputs(E, &dw);
            rc = sensitivity(E, r, &dw, opt) ? STAGE_OK : STAGE_OOM;
        }
        if (rc == STAGE_OK && !opt->no_drivers)
            rc = tornado_finish(E, r, n, opt, diag, &dw);
    }
    free(dw.outs); /* the outputs themselves are the tornado's pool */
    free(dw.vars);
    free(dw.fx_mean);
    free(dw.tp.cand);
    free(dw.tp.list);
    free(dw.tp.pool);
    free(dw.tp.medians);
    cs_sim_workspace_free(w);
    if (rc == STAGE_OK) {
        *out = r;
        return CS_OK;
    }
    if (rc == STAGE_OOM && in_drivers)
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while measuring the drivers");
    else if (rc == STAGE_OOM)
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while summarising the run");
    cs_results_free(r);
    *out = NULL;
    return rc == STAGE_OOM ? CS_E_NOMEM : CS_E_RUNTIME;
}
