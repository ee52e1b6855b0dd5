/* engine schedule statistics: what the run says about the delivery
 * schedule (docs/FORMAT.md, docs/METHOD.md): the constant-measure funding
 * profile of one trial (by_year.csv), the statistics of the first and last
 * delivery years (schedule.csv) with the schedule confidence at
 * schedule_target, and the joint cost and schedule confidence (jcl.csv, and at
 * exactly budget x schedule_target).
 *
 * Delivery years are integers, so their statistics come from a count of
 * trials per year: exact type-7 percentiles and means without sorting. The
 * last delivery is the first plus a fixed offset (docs/FORMAT.md, schedule),
 * so it needs no storage of its own. */
#include "engine_internal.h"

void cs_sim_year_constant_rows(const engine *E, const workspace *w, double *rows, size_t B,
                               size_t i)
{
    size_t years = (size_t)E->t_hi + 1;
    for (size_t y = 0; y < E->n_year_rows; y++)
        rows[y * B + i] = 0;
    if (w->year_lo > w->year_hi)
        return;
    /* year_amount holds base-year amounts per currency and year
     * (trial.c); the constant measure converts them at the base-year rate,
     * as for the totals. */
    for (size_t c = 0; c < E->nc; c++) {
        const double *amt = w->year_amount + c * (years + 1);
        double f = E->const_factor[c];
        int t0 = w->year_lo > E->t_lo ? w->year_lo : E->t_lo;
        for (int t = t0; t <= w->year_hi; t++)
            rows[(size_t)(t - E->t_lo) * B + i] += amt[t] * f;
    }
}

/* The k-th smallest (0-based) of the values lo + y counted in count. */
static double order_stat(const uint64_t *count, size_t ny, int lo, uint64_t k)
{
    uint64_t seen = 0;
    for (size_t y = 0; y < ny; y++) {
        seen += count[y];
        if (k < seen)
            return lo + (double)y;
    }
    return lo + (double)(ny - 1);
}

/* The type-7 percentile p of n integer values given as counts per value
 * lo + y (y < ny), as cs_stats_percentile_sorted on the sorted values. */
static double count_percentile(const uint64_t *count, size_t ny, int lo, uint64_t n, double p)
{
    uint64_t k;
    double frac;
    cs_stats_rank(n, p, &k, &frac);
    double a = order_stat(count, ny, lo, k);
    if (frac <= 0 || k + 1 >= n)
        return a;
    return a + frac * (order_stat(count, ny, lo, k + 1) - a);
}

/* The first-delivery years of r: counts per year from *lo over *ny years.
 * NULL when out of memory. */
static uint64_t *count_years(const cs_results *r, int *lo, size_t *ny)
{
    const int *fd = r->trial_first_delivery;
    int a = fd[0], b = fd[0];
    for (uint64_t j = 1; j < r->trials; j++) {
        if (fd[j] < a)
            a = fd[j];
        if (fd[j] > b)
            b = fd[j];
    }
    *lo = a;
    *ny = (size_t)((long long)b - a + 1);
    uint64_t *count = calloc(*ny, sizeof *count);
    if (count)
        for (uint64_t j = 0; j < r->trials; j++)
            count[fd[j] - a]++;
    return count;
}

/* The two rows of schedule.csv and the schedule confidence. */
static void schedule_rows(const engine *E, cs_results *r, const uint64_t *count, size_t ny,
                          int lo, const unsigned char *no_risks)
{
    const cs_model *m = E->m;
    uint64_t n = r->trials, sum = 0;
    for (size_t y = 0; y < ny; y++)
        sum += count[y] * (uint64_t)y;
    /* The point-estimate run: slip at its point value, no risks
     * (docs/METHOD.md). */
    int s_point = cs_sim_trial_slip(E, cs_dist_point(&m->slip), no_risks);
    int offset = cs_model_delivery_year(m, 0, m->units) - cs_model_delivery_year(m, 0, 1);
    cs_schedule_row first = {"first_delivery", 0, 0, 0, 0, 0, 0, false, 0, 0, 0, 0};
    first.point = cs_model_delivery_year(m, s_point, 1);
    first.mean = lo + (double)sum / (double)n;
    first.p10 = count_percentile(count, ny, lo, n, 0.1);
    first.p50 = count_percentile(count, ny, lo, n, 0.5);
    first.p80 = count_percentile(count, ny, lo, n, 0.8);
    first.p90 = count_percentile(count, ny, lo, n, 0.9);
    cs_schedule_row last = first;
    last.marker = "last_delivery";
    last.point += offset;
    last.mean += offset;
    last.p10 += offset;
    last.p50 += offset;
    last.p80 += offset;
    last.p90 += offset;
    if (m->has_schedule_target) {
        uint64_t within = 0;
        for (size_t y = 0; y < ny; y++)
            if (lo + (long long)y <= m->schedule_target)
                within += count[y];
        first.has_target = true;
        first.target = m->schedule_target;
        first.confidence = (double)within / (double)n;
        cs_stats_wilson(within, n, &first.ci_low, &first.ci_high);
    }
    r->schedule[0] = first;
    r->schedule[1] = last;
}

#define JCL_LEVELS 19 /* P5, P10, ..., P95 */

/* jcl.csv: a count of trials per (first delivery year, smallest budget
 * level the total is within), summed cumulatively over both. False when
 * out of memory. */
static bool jcl_grid(const engine *E, cs_results *r, size_t ny, int lo)
{
    const cs_model *m = E->m;
    uint64_t n = r->trials;
    const double *total = r->totals[m->budget_measure];
    double budget[JCL_LEVELS];
    /* As summary.csv computes its P5 ... P95 (k/20 is the same double as
     * 0.05, 0.1, ...), so the levels agree with it to the last digit. */
    for (int k = 0; k < JCL_LEVELS; k++)
        budget[k] = cs_stats_percentile_sorted(r->sorted[m->budget_measure], (size_t)n,
                                               (k + 1) / 20.0);
    uint64_t *grid = calloc(ny * (JCL_LEVELS + 1), sizeof *grid);
    r->jcl = calloc(ny * JCL_LEVELS, sizeof *r->jcl);
    if (!grid || !r->jcl) {
        free(grid);
        return false;
    }
    for (uint64_t j = 0; j < n; j++) {
        /* Smallest level with total <= budget; JCL_LEVELS when above all. */
        int a = 0, b = JCL_LEVELS;
        while (a < b) {
            int mid = (a + b) / 2;
            if (total[j] <= budget[mid])
                b = mid;
            else
                a = mid + 1;
        }
        grid[(size_t)(r->trial_first_delivery[j] - lo) * (JCL_LEVELS + 1) + (size_t)a]++;
    }
    /* Cumulative over levels within a year, then over years. */
    for (size_t y = 0; y < ny; y++) {
        uint64_t *row = grid + y * (JCL_LEVELS + 1);
        for (int k = 1; k <= JCL_LEVELS; k++)
            row[k] += row[k - 1];
        if (y > 0)
            for (int k = 0; k <= JCL_LEVELS; k++)
                row[k] += grid[(y - 1) * (JCL_LEVELS + 1) + (size_t)k];
    }
    for (size_t y = 0; y < ny; y++)
        for (int k = 0; k < JCL_LEVELS; k++)
            r->jcl[y * JCL_LEVELS + (size_t)k] =
                (cs_jcl_row){lo + (int)y, budget[k], 5 * (k + 1),
                             (double)grid[y * (JCL_LEVELS + 1) + (size_t)k] / (double)n};
    r->n_jcl = ny * JCL_LEVELS;
    free(grid);
    return true;
}

bool cs_sim_schedule_stats(const engine *E, cs_results *r)
{
    const cs_model *m = E->m;
    if (!r->has_schedule || !r->trial_first_delivery || r->trials == 0)
        return true;
    int lo;
    size_t ny;
    uint64_t *count = count_years(r, &lo, &ny);
    unsigned char *no_risks = calloc(E->nr ? E->nr : 1, 1);
    if (!count || !no_risks) {
        free(count);
        free(no_risks);
        return false;
    }
    schedule_rows(E, r, count, ny, lo, no_risks);
    free(no_risks);
    free(count);
    if (!jcl_grid(E, r, ny, lo))
        return false;
    if (m->has_budget && m->has_schedule_target) {
        uint64_t within = 0;
        const double *total = r->totals[m->budget_measure];
        for (uint64_t j = 0; j < r->trials; j++)
            within += r->trial_first_delivery[j] <= m->schedule_target && total[j] <= m->budget;
        r->has_joint = true;
        r->joint_confidence = (double)within / (double)r->trials;
        cs_stats_wilson(within, r->trials, &r->joint_ci[0], &r->joint_ci[1]);
    }
    return true;
}
