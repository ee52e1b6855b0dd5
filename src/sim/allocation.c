/* engine allocation: the risk-adjusted estimate spread over the breakdown
 * (allocation.csv, docs/METHOD.md; GAO cost guide step 9). For c = 50 and 80
 * and the constant and nominal measures, the K = max(100, ceil(N/100)) trials
 * (all when N <= 100) nearest in rank to the total's P_c are averaged
 * element by element and risk by risk, and the averages are scaled by one
 * factor so that they add up to the total's P_c; a phase is the sum of its
 * rows.
 *
 * Nothing per element and trial is stored during the run: trials are
 * reproducible by index (counter-based streams, rng.h), so once the totals
 * are sorted the selected trials are simply drawn and evaluated again.
 *
 * The rank window: ranks 0 .. N-1 of the totals sorted by value, ties
 * broken by trial index (a stable sort); the K consecutive ranks centred on
 * h = (N-1) c / 100, i.e. from round(h - (K-1)/2), kept inside 0 .. N-K. */
#include "engine_internal.h"

/* The trial indices (ascending) of ranks lo .. lo+K-1 of measure mm. */
static void rank_window(const cs_results *r, int mm, size_t lo, size_t K, uint64_t *out)
{
    size_t n = (size_t)r->trials, hi = lo + K - 1;
    const double *sorted = r->sorted[mm], *x = r->totals[mm];
    double v_lo = sorted[lo], v_hi = sorted[hi];
    /* Among trials equal to v_lo (in index order) the first lo - first_lo
     * have a rank below lo; among those equal to v_hi the first
     * hi - first_hi + 1 have a rank up to hi. */
    size_t first_lo = cs_stats_lower_bound(sorted, n, v_lo);
    size_t first_hi = cs_stats_lower_bound(sorted, n, v_hi);
    size_t seen_lo = 0, seen_hi = 0, k = 0;
    for (size_t j = 0; j < n && k < K; j++) {
        double v = x[j];
        bool take;
        if (v_lo == v_hi) {
            take = v == v_lo && seen_lo >= lo - first_lo && seen_lo <= hi - first_lo;
            seen_lo += v == v_lo;
        } else if (v == v_lo) {
            take = seen_lo++ >= lo - first_lo;
        } else if (v == v_hi) {
            take = seen_hi++ <= hi - first_hi;
        } else {
            take = v > v_lo && v < v_hi;
        }
        if (take)
            out[k++] = j;
    }
}

/* The re-evaluations: for each of the four (measure, percentile) windows
 * its K trials in ALLOC_CHUNKS fixed chunks, each summed in trial order
 * into its own row of partial sums; the chunks are then added in order, so
 * the result does not depend on the threads. */
#define ALLOC_CHUNKS 32

typedef struct {
    const engine *E;
    const uint64_t *pick;  /* 4 x K trial indices */
    size_t K, nk;
    double *partial;       /* 4 x ALLOC_CHUNKS x nk */
    int shift;             /* the sums are of values x 2^-shift (see cs_sim_allocation) */
    workspace **w;         /* per worker */
    trial_error *error;    /* per item; error[i].message[0] when it failed */
} alloc_job;

static const int alloc_measure[4] = {CS_CONSTANT, CS_CONSTANT, CS_NOMINAL, CS_NOMINAL};

static void alloc_chunk(void *ctx, unsigned worker, size_t item)
{
    alloc_job *job = ctx;
    const engine *E = job->E;
    size_t window = item / ALLOC_CHUNKS, chunk = item % ALLOC_CHUNKS, K = job->K, nk = job->nk;
    int mm = alloc_measure[window];
    const uint64_t *pick = job->pick + window * K;
    double *sum = job->partial + item * nk;
    workspace *w = job->w[worker];
    for (size_t i = K * chunk / ALLOC_CHUNKS; i < K * (chunk + 1) / ALLOC_CHUNKS; i++) {
        uint64_t j = pick[i];
        trial_error *err = &job->error[item];
        err->trial = j;
        if (cs_sim_draw_trial(E, w, j, err) != 0 || cs_sim_settle_schedule(E, w, j, err) != 0)
            return;
        cs_sim_fx_paths(E, w, j, w->t_end);
        cs_sim_evaluate(E, w, false);
        const double *v = w->contrib + (size_t)mm * nk;
        for (size_t k = 0; k < nk; k++)
            sum[k] += job->shift ? ldexp(v[k], -job->shift) : v[k];
    }
}

int cs_sim_allocation(const engine *E, cs_results *r, unsigned threads, trial_error *err)
{
    const cs_model *m = E->m;
    size_t n = (size_t)r->trials, ne = E->ne, nr = E->nr, np = E->np, nk = ne + nr;
    if (n == 0)
        return 0;
    size_t K = n <= 100 ? n : (n + 99) / 100 > 100 ? (n + 99) / 100 : 100;
    size_t rows_per = r->n_rows - 1; /* phases, elements, risks */
    size_t items = 4 * ALLOC_CHUNKS;
    r->allocation = calloc(rows_per ? 2 * rows_per : 1, sizeof *r->allocation);
    uint64_t *pick = malloc(4 * K * sizeof *pick);
    double *partial = calloc(items * (nk ? nk : 1), sizeof *partial);
    trial_error *error = calloc(items, sizeof *error);
    workspace **w = calloc(threads, sizeof *w);
    bool ok = r->allocation && pick && partial && error && w;
    for (unsigned t = 0; ok && t < threads; t++)
        ok = (w[t] = cs_sim_workspace_alloc(E)) != NULL;
    int rc = -1;
    if (!ok)
        goto done;
    r->n_allocation = 2 * rows_per;
    static const int pcts[2] = {50, 80};
    for (size_t window = 0; window < 4; window++) {
        double h = (double)(n - 1) * pcts[window % 2] / 100.0;
        double start = floor(h - (double)(K - 1) / 2 + 0.5);
        size_t lo = start < 0 ? 0 : (size_t)start;
        if (lo > n - K)
            lo = n - K;
        rank_window(r, alloc_measure[window], lo, K, pick + window * K);
    }
    /* Amounts near the largest double (a report currency of rate 1e-292)
     * would overflow the sums of K trials: then they are summed scaled by a
     * power of two, which changes no bit of what does not overflow. */
    double largest = 0;
    for (size_t window = 0; window < 4; window++) {
        const double *sorted = r->sorted[alloc_measure[window]];
        largest = fmax(largest, fmax(fabs(sorted[0]), fabs(sorted[n - 1])));
    }
    int exponent = 0;
    if (isfinite(largest))
        frexp(largest, &exponent);
    int shift = exponent > 960 ? exponent - 900 : 0;
    alloc_job job = {E, pick, K, nk, partial, shift, w, error};
    cs_sim_parallel_for(threads, items, alloc_chunk, &job);
    for (size_t i = 0; i < items; i++)
        if (error[i].message[0]) { /* the first window and chunk that failed */
            *err = error[i];
            rc = 1;
            goto done;
        }
    for (size_t window = 0; window < 4; window++) {
        int mm = alloc_measure[window], c = (int)(window % 2);
        cs_allocation_row *rows = r->allocation + (window / 2) * rows_per;
        if (c == 0)
            for (size_t i = 0; i < rows_per; i++) {
                const cs_summary_row *s = &r->rows[mm][1 + i];
                rows[i] = (cs_allocation_row){(cs_measure)mm, s->level, s->id, s->name, s->point,
                                              0, 0};
            }
        double *mean = partial + window * ALLOC_CHUNKS * nk; /* chunk 0's row */
        for (size_t chunk = 1; chunk < ALLOC_CHUNKS; chunk++)
            for (size_t k = 0; k < nk; k++)
                mean[k] += partial[(window * ALLOC_CHUNKS + chunk) * nk + k];
        double sum = 0;
        for (size_t k = 0; k < nk; k++) {
            mean[k] /= (double)K;
            sum += mean[k];
        }
        double target = r->rows[mm][0].p[c ? CS_P80 : CS_P50];
        /* One factor for every row; when the means sum to 0 they cannot
         * be scaled and are reported as they are. */
        double factor = sum != 0 ? ldexp(target, -shift) / sum : 1;
        for (size_t k = 0; k < nk; k++) {
            double v = sum != 0 ? ldexp(mean[k] * factor, shift) : ldexp(mean[k], shift);
            size_t p = k < ne ? m->elements[k].phase : m->risks[k - ne].phase;
            double *el = c ? &rows[np + k].alloc_p80 : &rows[np + k].alloc_p50;
            double *ph = c ? &rows[p].alloc_p80 : &rows[p].alloc_p50;
            *el = v;
            *ph += v;
        }
    }
    rc = 0;
done:
    for (unsigned t = 0; w && t < threads; t++)
        cs_sim_workspace_free(w[t]);
    free(w);
    free(pick);
    free(partial);
    free(error);
    return rc;
}
