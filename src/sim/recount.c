/* engine recount: exact row percentiles for models whose per-row sketches
 * would not fit in memory (thousands of elements at 1e5 trials: 12 091 rows
 * of 1e5 values is 9.7 GB). Trials are reproducible by index, so instead of
 * keeping every row's values the run looks at them three times:
 *
 *  0. the main pass keeps, per row and block of n_b trials, the middle
 *     order statistic of every run of k = recount_k values (RECOUNT_POINTS
 *     points for a full block, the first run shortened by a different
 *     amount in each block, cs_sim_recount_first_run): a coarse summary
 *     whose rank function is off by at most B = sum over blocks of
 *     ceil((k_b - 1) / 2) (the sketch's proof, stats.c);
 *  1. from it each row gets probe values: every coarse point whose rank
 *     lies within B + 2k of an order statistic a listed percentile needs
 *     (type 7: ranks floor(h) and floor(h) + 1, h = (N - 1) p), and one
 *     more on each side; the second pass counts, per row, the values below,
 *     at and between the probes, which gives every probe's exact rank (and
 *     the count at or below the point estimate, for point_percentile);
 *  2. each needed order statistic is then a probe (its rank range holds
 *     it) or lies in a known gap between two probes, with the gap's exact
 *     count and its position there; the third pass collects the values of
 *     those gaps, and sorting each gives the order statistic.
 *
 * The percentiles are then exactly those of the sorted values, whatever the
 * coarse points were (they only decide how much the third pass collects).
 * The passes evaluate the same blocks as the main pass (run.c); counts are
 * integers and each gap is sorted, so nothing depends on the threads. */
#include "engine_internal.h"

typedef struct {
    double lo, hi;     /* the open interval (lo, hi); infinite at the ends */
    uint64_t before;   /* values below lo (or at it): the gap's first rank */
    uint64_t count;    /* values in (lo, hi) */
    size_t offset;     /* into values */
    atomic_size_t fill;
} recount_gap;

struct recount_plan {
    uint64_t n;
    size_t *start;      /* n_rows + 1: row r's probes are probe[start[r] .. start[r + 1]) */
    double *probe;
    size_t *cell_start; /* n_rows + 1: 2 m + 2 cells a row (m probes; the last: at or below the point) */
    uint32_t *cells;    /* counts of at most N < 2^32 values */
    double *point;      /* 3 x rpm: the point estimates */
    size_t *gap_start;  /* n_rows + 1 */
    recount_gap *gaps;
    size_t n_gaps;
    size_t group_lo, group_hi; /* the gaps being collected: [group_lo, group_hi) */
    double *values;     /* the collected gaps' values */
    double *needed;     /* n_rows x CS_N_SUMMARY_P x 2: the values of the order
                         * statistics (ranks floor(h), floor(h) + 1) each percentile needs */
    double *result;     /* n_rows x CS_N_SUMMARY_P */
    double *point_pct;  /* 3 x rpm */
};

uint64_t cs_sim_recount_sketch_bytes = RECOUNT_SKETCH_BYTES;
uint64_t cs_sim_recount_values_bytes = RECOUNT_VALUES_BYTES;
atomic_size_t cs_sim_recount_collections;
atomic_size_t cs_sim_recount_gaps, cs_sim_recount_gap_values;

uint64_t cs_sim_recount_values_budget(const engine *E, uint64_t trials)
{
    /* A gap holds no coarse point, so each block gives it fewer than
     * recount_k values: no gap is larger than this. */
    uint64_t n_blocks = (trials + E->block - 1) / E->block;
    uint64_t biggest = n_blocks * (uint64_t)E->recount_k * sizeof(double);
    return biggest > cs_sim_recount_values_bytes ? biggest : cs_sim_recount_values_bytes;
}
int cs_sim_recount_fault = 0;

bool cs_sim_recount_needed(const engine *E, uint64_t trials, size_t *k)
{
    uint64_t block = E->block, n_blocks = (trials + block - 1) / block;
    uint64_t kept_per_block = block / 1000 > 1 ? (block + block / 1000 - 1) / (block / 1000) : block;
    long double bytes = (long double)E->n_rows * (long double)n_blocks * (long double)kept_per_block * 8;
    *k = (E->block + RECOUNT_POINTS - 1) / RECOUNT_POINTS;
    return bytes > (long double)cs_sim_recount_sketch_bytes && *k > 1;
}

/* What a listed percentile needs: the ranks (0-based) of the two order
 * statistics of its type-7 value and the fraction between them. */
typedef struct {
    uint64_t rank[2];
    double fraction;
} need;

static need percentile_need(uint64_t n, double p)
{
    need d = {{0, 0}, 0};
    uint64_t lo;
    cs_stats_rank(n, p, &lo, &d.fraction);
    d.rank[0] = lo;
    d.rank[1] = lo + 1 < n ? lo + 1 : lo;
    return d;
}

/* A coarse point: its value and weight (values it stands for). */
typedef struct {
    double value;
    uint64_t weight;
} coarse_point;

static int compare_coarse(const void *a, const void *b)
{
    const coarse_point *p = a, *q = b;
    if (p->value != q->value)
        return p->value < q->value ? -1 : 1;
    return (p->weight > q->weight) - (p->weight < q->weight);
}

/* Row r's probes, computed in parallel into per-row arrays. */
typedef struct {
    const engine *E;
    const run_state *st;
    size_t n_blocks;
    double **probes;
    size_t *count;
    atomic_bool oom;
} probe_job;

static bool row_is_used(const engine *E, size_t row, int ylo, int yhi)
{
    size_t summary = CS_N_MEASURES * E->rows_per_measure;
    if (row < summary)
        return true;
    int t = E->t_lo + (int)((row - summary) % E->n_year_rows);
    return t >= ylo && t <= yhi;
}

static void row_probes(void *ctx, unsigned worker, size_t row)
{
    (void)worker;
    probe_job *job = ctx;
    const engine *E = job->E;
    const run_state *st = job->st;
    size_t k = E->recount_k, m = 0;
    uint64_t n = st->trials, bound = 0;
    coarse_point *pt = malloc(job->n_blocks * RECOUNT_SLOTS * sizeof *pt);
    double *out = malloc((job->n_blocks * RECOUNT_SLOTS + 1) * sizeof *out);
    if (!pt || !out) {
        free(pt);
        free(out);
        atomic_store(&job->oom, true);
        return;
    }
    for (size_t b = 0; b < job->n_blocks; b++) {
        const block_slot *sl = &st->slots[b];
        uint64_t nb = sl->n, start = 0, run = cs_sim_recount_first_run(b, k);
        /* The runs of cs_stats_block_points: first, then k each. */
        for (size_t i = 0; start < nb; i++, start += run, run = k)
            pt[m++] = (coarse_point){sl->coarse[row * RECOUNT_SLOTS + i],
                                     nb - start < run ? nb - start : run};
        bound += k / 2; /* >= ceil((k - 1) / 2), the block's share of the error */
    }
    qsort(pt, m, sizeof *pt, compare_coarse);
    bound += 2 * (uint64_t)k;
    size_t np = 0;
    uint64_t before = 0; /* weight of the points before point i */
    for (size_t i = 0; i < m; i++) {
        /* the ranks point i stands for: before .. before + weight - 1 */
        uint64_t first = before, last = before + pt[i].weight - 1;
        bool take = false;
        for (int q = 0; q < CS_N_SUMMARY_P && !take; q++) {
            need d = percentile_need(n, cs_results_summary_p[q]);
            uint64_t a = d.rank[0] > bound ? d.rank[0] - bound : 0, z = d.rank[1] + bound;
            take = last + 1 >= a && first <= z + 1; /* and one point beyond each side */
        }
        if (take)
            out[np++] = pt[i].value;
        before += pt[i].weight;
    }
    size_t u = 0; /* out is ascending (the points are): drop repeats */
    for (size_t i = 0; i < np; i++)
        if (u == 0 || out[i] != out[u - 1])
            out[u++] = out[i];
    free(pt);
    double *fit = realloc(out, (u ? u : 1) * sizeof *out); /* most rows use a few percent */
    job->probes[row] = fit ? fit : out;
    job->count[row] = u;
}

void cs_sim_recount_row(const engine *E, int pass, size_t row, const double *v, size_t n,
                        uint32_t *cells)
{
    struct recount_plan *pl = E->recount_plan;
    if (pass == 1) {
        const double *p = pl->probe + pl->start[row];
        size_t m = pl->start[row + 1] - pl->start[row];
        uint32_t *c = cells + pl->cell_start[row];
        bool has_point = row < CS_N_MEASURES * E->rows_per_measure;
        double point = has_point ? pl->point[row] : 0;
        for (size_t i = 0; i < n; i++) {
            size_t idx = cs_stats_lower_bound(p, m, v[i]);
            c[2 * idx + (idx < m && p[idx] == v[i])]++;
            if (has_point)
                c[2 * m + 1] += cs_stats_at_or_below(v[i], point);
        }
        return;
    }
    size_t g0 = pl->gap_start[row] > pl->group_lo ? pl->gap_start[row] : pl->group_lo;
    size_t g1 = pl->gap_start[row + 1] < pl->group_hi ? pl->gap_start[row + 1] : pl->group_hi;
    for (size_t g = g0; g < g1; g++) {
        recount_gap *gap = &pl->gaps[g];
        for (size_t i = 0; i < n; i++)
            if (v[i] > gap->lo && v[i] < gap->hi) {
                size_t at = atomic_fetch_add(&gap->fill, 1);
                if (at < gap->count)
                    pl->values[gap->offset + at] = v[i];
            }
    }
}

size_t cs_sim_recount_cells(const engine *E)
{
    return E->recount_plan->cell_start[E->n_rows];
}

void cs_sim_recount_add_cells(const engine *E, const uint32_t *cells)
{
    struct recount_plan *pl = E->recount_plan;
    for (size_t i = 0; i < pl->cell_start[E->n_rows]; i++)
        pl->cells[i] += cells[i];
}

void cs_sim_recount_free(engine *E)
{
    struct recount_plan *pl = E->recount_plan;
    if (!pl)
        return;
    free(pl->start);
    free(pl->probe);
    free(pl->cell_start);
    free(pl->cells);
    free(pl->point);
    free(pl->gap_start);
    free(pl->gaps);
    free(pl->values);
    free(pl->needed);
    free(pl->result);
    free(pl->point_pct);
    free(pl);
    E->recount_plan = NULL;
}

/* Where order statistic q (0-based) of row r lies after the count: *value
 * when a probe holds it (true), else the gap before probe i (*gap = i: the
 * interval between probes i - 1 and i, i = m past the last) and the
 * values before it. */
static bool locate(const struct recount_plan *pl, size_t row, uint64_t q, double *value,
                   size_t *gap, uint64_t *before)
{
    const double *p = pl->probe + pl->start[row];
    size_t m = pl->start[row + 1] - pl->start[row];
    const uint32_t *c = pl->cells + pl->cell_start[row];
    uint64_t below = 0;
    for (size_t i = 0; i <= m; i++) {
        if (q < below + c[2 * i]) {
            *gap = i;
            *before = below;
            return false;
        }
        below += c[2 * i];
        if (i == m)
            break;
        if (q < below + c[2 * i + 1]) {
            *value = p[i];
            return true;
        }
        below += c[2 * i + 1];
    }
    *gap = m; /* not reached: the cells add up to N */
    *before = below;
    return false;
}

/* The values of the needed order statistics of the gaps [group_lo,
 * group_hi), each gap sorted, into needed. */
static void pick_needed(void *ctx, unsigned worker, size_t row)
{
    (void)worker;
    struct recount_plan *pl = ctx;
    if (pl->gap_start[row] == pl->gap_start[row + 1])
        return;
    for (int k = 0; k < CS_N_SUMMARY_P; k++) {
        need d = percentile_need(pl->n, cs_results_summary_p[k]);
        for (int j = 0; j < 2; j++) {
            double v;
            size_t i;
            uint64_t before, q = d.rank[j];
            if (locate(pl, row, q, &v, &i, &before))
                continue;
            for (size_t g = pl->gap_start[row]; g < pl->gap_start[row + 1]; g++)
                if (g >= pl->group_lo && g < pl->group_hi && pl->gaps[g].before == before)
                    pl->needed[(row * CS_N_SUMMARY_P + (size_t)k) * 2 + (size_t)j] =
                        pl->values[pl->gaps[g].offset + (q - before)];
        }
    }
}

/* Sorts gap group_lo + g of the group being collected. */
static void sort_gap(void *ctx, unsigned worker, size_t g)
{
    (void)worker;
    struct recount_plan *pl = ctx;
    const recount_gap *gap = &pl->gaps[pl->group_lo + g];
    cs_stats_sort_doubles(pl->values + gap->offset, gap->count);
}

typedef struct {
    const engine *E;
    int ylo, yhi;
} result_job;

static void row_results(void *ctx, unsigned worker, size_t row)
{
    (void)worker;
    const result_job *job = ctx;
    const engine *E = job->E;
    struct recount_plan *pl = E->recount_plan;
    double *out = pl->result + row * CS_N_SUMMARY_P;
    if (!row_is_used(E, row, job->ylo, job->yhi)) {
        for (int k = 0; k < CS_N_SUMMARY_P; k++)
            out[k] = 0;
        return;
    }
    for (int k = 0; k < CS_N_SUMMARY_P; k++) {
        need d = percentile_need(pl->n, cs_results_summary_p[k]);
        const double *v = pl->needed + (row * CS_N_SUMMARY_P + (size_t)k) * 2;
        out[k] = cs_stats_interpolate(v[0], d.fraction > 0 ? v[1] : v[0], d.fraction);
    }
    if (row < CS_N_MEASURES * E->rows_per_measure) {
        size_t m = pl->start[row + 1] - pl->start[row];
        pl->point_pct[row] =
            100.0 * (double)pl->cells[pl->cell_start[row] + 2 * m + 1] / (double)pl->n;
    }
}

/* The point estimate of every summary row (as summary_rows sets them). */
static int point_values(engine *E, double *point)
{
    workspace *w = cs_sim_workspace_alloc(E);
    if (!w)
        return -1;
    trial_error err = {0};
    int rc = cs_sim_point_run(E, w, &err);
    size_t rpm = E->rows_per_measure, ne = E->ne, nr = E->nr, np = E->np;
    for (int mm = 0; rc == 0 && mm < CS_N_MEASURES; mm++)
        for (size_t i = 0; i < rpm; i++) {
            const double *v = w->contrib + (size_t)mm * (ne + nr);
            point[(size_t)mm * rpm + i] = i < np        ? w->phase[(size_t)mm * np + i]
                                          : i < np + ne ? v[i - np]
                                                        : 0;
        }
    cs_sim_workspace_free(w);
    return rc;
}

static int fail_oom(run_state *st)
{
    st->failed = true;
    st->oom = true;
    return -1;
}

/* Runs one of the recount's passes over every block. */
static int run_pass(run_state *st, size_t n_blocks, const cs_run_options *opt, int pass)
{
    cs_run_options quiet = *opt;
    quiet.progress = NULL;
    st->pass = pass;
    atomic_store(&st->next_block, 0);
    cs_sim_run_blocks(st, n_blocks, &quiet, st->trials);
    st->pass = 0;
    return st->failed ? -1 : 0;
}

int cs_sim_recount(engine *E, run_state *st, size_t n_blocks, const cs_run_options *opt)
{
    size_t R = E->n_rows, summary = CS_N_MEASURES * E->rows_per_measure;
    unsigned threads = cs_sim_thread_count(opt);
    struct recount_plan *pl = E->recount_plan = calloc(1, sizeof *pl);
    if (!pl)
        return fail_oom(st);
    pl->n = st->trials;
    int ylo = INT_MAX, yhi = INT_MIN;
    for (size_t b = 0; b < n_blocks; b++) {
        ylo = st->slots[b].year_lo < ylo ? st->slots[b].year_lo : ylo;
        yhi = st->slots[b].year_hi > yhi ? st->slots[b].year_hi : yhi;
    }

    /* Probes from the coarse points, which are then freed. */
    probe_job job = {E, st, n_blocks, calloc(R ? R : 1, sizeof(double *)),
                     calloc(R ? R : 1, sizeof(size_t)), false};
    atomic_init(&job.oom, false);
    pl->start = calloc(R + 1, sizeof *pl->start);
    pl->cell_start = calloc(R + 1, sizeof *pl->cell_start);
    pl->point = calloc(summary ? summary : 1, sizeof *pl->point);
    if (!job.probes || !job.count || !pl->start || !pl->cell_start || !pl->point) {
        free(job.probes);
        free(job.count);
        return fail_oom(st);
    }
    cs_sim_parallel_for(threads, R, row_probes, &job);
    for (size_t b = 0; b < n_blocks; b++) {
        free(st->slots[b].coarse);
        st->slots[b].coarse = NULL;
    }
    bool oom = atomic_load(&job.oom);
    for (size_t r = 0; r < R; r++) {
        size_t m = job.probes[r] && row_is_used(E, r, ylo, yhi) ? job.count[r] : 0;
        pl->start[r + 1] = pl->start[r] + m;
        pl->cell_start[r + 1] = pl->cell_start[r] + 2 * m + 2;
    }
    pl->probe = malloc((pl->start[R] ? pl->start[R] : 1) * sizeof *pl->probe);
    pl->cells = calloc(pl->cell_start[R] ? pl->cell_start[R] : 1, sizeof *pl->cells);
    for (size_t r = 0; pl->probe && r < R; r++)
        if (pl->start[r + 1] > pl->start[r])
            memcpy(pl->probe + pl->start[r], job.probes[r],
                   (pl->start[r + 1] - pl->start[r]) * sizeof *pl->probe);
    for (size_t r = 0; r < R; r++)
        free(job.probes[r]);
    free(job.probes);
    free(job.count);
    if (oom || !pl->probe || !pl->cells || point_values(E, pl->point) != 0)
        return fail_oom(st);

    /* Pass 1: the probes' exact ranks. */
    if (run_pass(st, n_blocks, opt, 1) != 0)
        return -1;
    for (size_t c = 0; cs_sim_recount_fault == 1 && c < pl->cell_start[R]; c++)
        if (pl->cells[c]) { /* a test's lost count */
            pl->cells[c]--;
            break;
        }
    /* Invariant: every used row's cells count every trial once. */
    for (size_t r = 0; r < R; r++) {
        size_t m = pl->start[r + 1] - pl->start[r];
        uint64_t sum = 0;
        for (size_t c = 0; c < 2 * m + 1; c++)
            sum += pl->cells[pl->cell_start[r] + c];
        if (sum != pl->n) {
            snprintf(st->error.message, sizeof st->error.message,
                     "internal error: the recount counted %llu values of row %zu, not %llu",
                     (unsigned long long)sum, r, (unsigned long long)pl->n);
            st->failed = true;
            return -1;
        }
    }

    /* The gaps that hold a needed order statistic. */
    pl->gap_start = calloc(R + 1, sizeof *pl->gap_start);
    size_t cap = R * CS_N_SUMMARY_P * 2;
    pl->gaps = calloc(cap ? cap : 1, sizeof *pl->gaps);
    pl->needed = calloc(cap + 1, sizeof *pl->needed);
    if (!pl->gap_start || !pl->gaps || !pl->needed)
        return fail_oom(st);
    for (size_t r = 0; r < R; r++) {
        pl->gap_start[r] = pl->n_gaps;
        if (!row_is_used(E, r, ylo, yhi))
            continue;
        const double *p = pl->probe + pl->start[r];
        size_t m = pl->start[r + 1] - pl->start[r];
        for (int k = 0; k < CS_N_SUMMARY_P; k++) {
            need d = percentile_need(pl->n, cs_results_summary_p[k]);
            for (int j = 0; j < 2; j++) {
                double v;
                size_t i;
                uint64_t before;
                if (locate(pl, r, d.rank[j], &v, &i, &before)) { /* a probe: known now */
                    pl->needed[(r * CS_N_SUMMARY_P + (size_t)k) * 2 + (size_t)j] = v;
                    continue;
                }
                bool known = false;
                for (size_t g = pl->gap_start[r]; g < pl->n_gaps && !known; g++)
                    known = pl->gaps[g].before == before;
                if (known)
                    continue;
                recount_gap *gap = &pl->gaps[pl->n_gaps++];
                gap->lo = i > 0 ? p[i - 1] : -HUGE_VAL;
                gap->hi = i < m ? p[i] : HUGE_VAL;
                gap->before = before;
                gap->count = pl->cells[pl->cell_start[r] + 2 * i];
                gap->offset = 0; /* set per group */
                atomic_init(&gap->fill, 0);
            }
        }
    }
    pl->gap_start[R] = pl->n_gaps;

    /* Pass 2: their values, each gap sorted, in groups of gaps whose values
     * fit the budget (one group, one pass, unless the gaps are large: then
     * a pass per group, so the run stays within its memory estimate). */
    uint64_t budget = cs_sim_recount_values_budget(E, pl->n) / sizeof(double);
    for (size_t lo = 0; lo < pl->n_gaps;) {
        size_t hi = lo, group = 0;
        while (hi < pl->n_gaps && (hi == lo || group + pl->gaps[hi].count <= budget)) {
            pl->gaps[hi].offset = group;
            group += pl->gaps[hi++].count;
        }
        free(pl->values);
        pl->values = malloc((group ? group : 1) * sizeof *pl->values);
        if (!pl->values)
            return fail_oom(st);
        pl->group_lo = lo;
        pl->group_hi = hi;
        if (run_pass(st, n_blocks, opt, 2) != 0)
            return -1;
        for (size_t g = lo; cs_sim_recount_fault == 2 && g < hi; g++)
            if (atomic_load(&pl->gaps[g].fill)) { /* a test's lost value */
                atomic_fetch_sub(&pl->gaps[g].fill, 1);
                break;
            }
        for (size_t g = lo; g < hi; g++) /* invariant: each gap filled exactly */
            if (atomic_load(&pl->gaps[g].fill) != pl->gaps[g].count) {
                snprintf(st->error.message, sizeof st->error.message,
                         "internal error: the recount collected %zu values of a gap, not %llu",
                         (size_t)atomic_load(&pl->gaps[g].fill),
                         (unsigned long long)pl->gaps[g].count);
                st->failed = true;
                return -1;
            }
        cs_sim_parallel_for(threads, hi - lo, sort_gap, pl);
        cs_sim_parallel_for(threads, R, pick_needed, pl);
        atomic_fetch_add(&cs_sim_recount_collections, 1);
        atomic_fetch_add(&cs_sim_recount_gaps, hi - lo);
        atomic_fetch_add(&cs_sim_recount_gap_values, group);
        lo = hi;
    }
    pl->result = calloc(R * CS_N_SUMMARY_P + 1, sizeof *pl->result);
    pl->point_pct = calloc(summary + 1, sizeof *pl->point_pct);
    if (!pl->result || !pl->point_pct)
        return fail_oom(st);
    result_job rj = {E, ylo, yhi};
    cs_sim_parallel_for(threads, R, row_results, &rj);
    /* Only the results stay (the drivers come next and need the room). */
    free(pl->probe);
    free(pl->cells);
    free(pl->gaps);
    free(pl->values);
    free(pl->needed);
    pl->probe = NULL;
    pl->cells = NULL;
    pl->gaps = NULL;
    pl->values = NULL;
    pl->needed = NULL;
    return 0;
}

double cs_sim_recount_percentile(const engine *E, size_t row, int k)
{
    return E->recount_plan->result[row * CS_N_SUMMARY_P + (size_t)k];
}

double cs_sim_recount_point_percentile(const engine *E, size_t row)
{
    return E->recount_plan->point_pct[row];
}
