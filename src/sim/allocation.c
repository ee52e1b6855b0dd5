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

/* First position in sorted[0 .. n) whose value is >= v. */
static size_t lower_bound(const double *sorted, size_t n, double v)
{
    size_t a = 0, b = n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (sorted[mid] < v)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

/* The trial indices (ascending) of ranks lo .. lo+K-1 of measure mm. */
static void rank_window(const cs_results *r, int mm, size_t lo, size_t K, uint64_t *out)
{
    size_t n = (size_t)r->trials, hi = lo + K - 1;
    const double *sorted = r->sorted[mm], *x = r->totals[mm];
    double v_lo = sorted[lo], v_hi = sorted[hi];
    /* Among trials equal to v_lo (in index order) the first lo - first_lo
     * have a rank below lo; among those equal to v_hi the first
     * hi - first_hi + 1 have a rank up to hi. */
    size_t first_lo = lower_bound(sorted, n, v_lo), first_hi = lower_bound(sorted, n, v_hi);
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

int cs_sim_allocation(const engine *E, cs_results *r, trial_error *err)
{
    const cs_model *m = E->m;
    size_t n = (size_t)r->trials, ne = E->ne, nr = E->nr, np = E->np, nk = ne + nr;
    if (n == 0)
        return 0;
    size_t K = n <= 100 ? n : (n + 99) / 100 > 100 ? (n + 99) / 100 : 100;
    size_t rows_per = r->n_rows - 1; /* phases, elements, risks */
    r->allocation = calloc(rows_per ? 2 * rows_per : 1, sizeof *r->allocation);
    uint64_t *pick = malloc(K * sizeof *pick);
    double *mean = calloc(nk ? nk : 1, sizeof *mean);
    workspace *w = cs_sim_workspace_alloc(E);
    int rc = -1;
    if (!r->allocation || !pick || !mean || !w)
        goto done;
    r->n_allocation = 2 * rows_per;
    static const int measures[2] = {CS_CONSTANT, CS_NOMINAL};
    static const int pcts[2] = {50, 80};
    for (int a = 0; a < 2; a++) {
        int mm = measures[a];
        cs_allocation_row *rows = r->allocation + (size_t)a * rows_per;
        for (size_t i = 0; i < rows_per; i++) {
            const cs_summary_row *s = &r->rows[mm][1 + i];
            rows[i] = (cs_allocation_row){(cs_measure)mm, s->level, s->id, s->name, s->point,
                                          0, 0};
        }
        for (int c = 0; c < 2; c++) {
            double h = (double)(n - 1) * pcts[c] / 100.0;
            double start = floor(h - (double)(K - 1) / 2 + 0.5);
            size_t lo = start < 0 ? 0 : (size_t)start;
            if (lo > n - K)
                lo = n - K;
            rank_window(r, mm, lo, K, pick);
            memset(mean, 0, nk * sizeof *mean);
            for (size_t i = 0; i < K; i++) {
                uint64_t j = pick[i];
                err->trial = j;
                if (cs_sim_draw_trial(E, w, j, err) != 0 ||
                    cs_sim_settle_schedule(E, w, j, err) != 0) {
                    rc = 1;
                    goto done;
                }
                cs_sim_fx_paths(E, w, j, w->t_end);
                cs_sim_evaluate(E, w, false);
                const double *v = w->contrib + (size_t)mm * nk;
                for (size_t k = 0; k < nk; k++)
                    mean[k] += v[k];
            }
            double sum = 0;
            for (size_t k = 0; k < nk; k++) {
                mean[k] /= (double)K;
                sum += mean[k];
            }
            double target = r->rows[mm][0].p[c ? CS_P80 : CS_P50];
            /* One factor for every row; when the means sum to 0 they
             * cannot be scaled and are reported as they are. */
            double factor = sum != 0 ? target / sum : 1;
            for (size_t k = 0; k < nk; k++) {
                double v = mean[k] * factor;
                size_t p = k < ne ? m->elements[k].phase : m->risks[k - ne].phase;
                double *el = c ? &rows[np + k].alloc_p80 : &rows[np + k].alloc_p50;
                double *ph = c ? &rows[p].alloc_p80 : &rows[p].alloc_p50;
                *el = v;
                *ph += v;
            }
        }
    }
    rc = 0;
done:
    free(pick);
    free(mean);
    cs_sim_workspace_free(w);
    return rc;
}
