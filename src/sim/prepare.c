/* engine prepare: turns a validated cs_model into the prepared engine:
 * year indexes, element and risk years, the largest slip, per-currency
 * tables and the block layout, all allocated once before any trial runs. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "engine_internal.h"
#include <stdint.h>
#include <sys/mman.h>

void *cs_sim_xcalloc(size_t n, size_t size, bool *failed)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        *failed = true;
    return p;
}

void *cs_sim_big_alloc(size_t n, size_t size, bool *failed)
{
    const size_t huge_page = (size_t)2 << 20;
    if (size && n > SIZE_MAX / size) {
        *failed = true;
        return NULL;
    }
    size_t bytes = n * size;
    void *p = NULL;
    if (posix_memalign(&p, bytes >= huge_page ? huge_page : 64, bytes ? bytes : 1) != 0) {
        *failed = true;
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    if (bytes >= huge_page) /* advice only: a kernel without THP ignores it */
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

/* A calendar year as a year index (year - base_year), kept inside int. */
static int year_index(const cs_model *m, int year)
{
    long long t = (long long)year - m->base_year;
    return t < INT_MIN ? INT_MIN : t > INT_MAX ? INT_MAX : (int)t;
}

/* Years of element e's flows at slip s, as year indices (cs_model_element_years). */
void cs_sim_element_years(const engine *E, size_t e, int s, int *first, int *last)
{
    int a, b;
    cs_model_element_years(E->m, &E->m->elements[e], s, &a, &b);
    *first = year_index(E->m, a);
    *last = year_index(E->m, b);
}

int cs_sim_risk_year(const engine *E, size_t r, int s)
{
    if (E->risk_years && s >= 0 && s <= E->s_max)
        return E->risk_years[(size_t)s * E->nr + r];
    return year_index(E->m, cs_model_risk_year(E->m, &E->m->risks[r], s));
}

static bool yexpr_moves(cs_yexpr y) { return y.marker != CS_MARK_YEAR; }

/* The largest slip a trial can have: the slip distribution's largest
 * representable draw, rounded, plus every risk's slip. */
static int max_slip(const cs_model *m)
{
    double top;
    if (cs_dist_is_fixed(&m->slip))
        top = m->slip.likely;
    else if (m->slip.kind == CS_DIST_NORMAL || m->slip.kind == CS_DIST_LOGNORMAL)
        top = cs_dist_quantile(&m->slip, 1.0 - 0x1p-54);
    else
        top = m->slip.high;
    long long s = top > 1e6 ? 1000000 : (top < 0 ? 0 : round_half_away(top));
    for (size_t r = 0; r < m->n_risks; r++)
        s += m->risks[r].slip;
    return s > 1000000 ? 1000000 : (int)s;
}

void cs_sim_engine_free(engine *E)
{
    if (!E)
        return;
    cs_sim_recount_free(E);
    cs_sim_free_tables(E);
    free(E->element_key);
    free(E->risk_key);
    free(E->inflation_key);
    free(E->fx_key);
    free(E->element_fixed);
    free(E->risk_certain);
    free(E->inflation_point);
    free(E->inflation_fixed);
    free(E->group_of);
    free(E->group_pos);
    if (E->unit_weight)
        for (size_t e = 0; e < E->ne; e++)
            free(E->unit_weight[e]);
    free(E->unit_weight);
    free(E->unit_weight_sum);
    free(E->unit_offset);
    free(E->s_first);
    free(E->s_last);
    free(E->s_bad_element);
    free(E->s_bad_year);
    free(E->discount);
    free(E->hedged);
    free(E->unhedged);
    free(E->const_factor);
    free(E->log_rate);
    free(E->stochastic);
    free(E->fx_pos);
    free(E->phase_members);
    free(E->member_start);
    for (size_t i = 0; i < E->n_inputs; i++)
        free(E->inputs[i].values);
    free(E->inputs);
    free(E->sens_slip);
    free(E->kept_paths);
    free(E->kept_amounts);
    free(E->element_input);
    free(E->risk_input);
    free(E->inflation_input);
    free(E->fx_input);
    free(E);
}

/* The phase of contribution k: element k, or risk k - ne. */
static size_t member_phase(const engine *E, size_t k)
{
    return k < E->ne ? E->m->elements[k].phase : E->m->risks[k - E->ne].phase;
}

/* The phases' member lists (engine.phase_members): a stable counting sort
 * of the elements, then the risks, by phase. member_start[p + 1] counts
 * phase p's members, then (prefix sums) ends its list; the members are
 * placed at member_start[p]++, which leaves each start at the next
 * phase's, and one shift puts the starts back. */
static bool prepare_phase_members(engine *E)
{
    size_t nk = E->ne + E->nr, np = E->np;
    bool failed = false;
    E->phase_members = cs_sim_xcalloc(nk ? nk : 1, sizeof(size_t), &failed);
    E->member_start = cs_sim_xcalloc(np + 1, sizeof(size_t), &failed);
    if (failed)
        return false;
    size_t *start = E->member_start;
    for (size_t k = 0; k < nk; k++)
        start[member_phase(E, k) + 1]++;
    for (size_t p = 0; p < np; p++)
        start[p + 1] += start[p];
    for (size_t k = 0; k < nk; k++)
        E->phase_members[start[member_phase(E, k)]++] = k;
    memmove(start + 1, start, np * sizeof *start);
    start[0] = 0;
    return true;
}

static size_t block_size(size_t n_rows)
{
    size_t b = BLOCK_MAX;
    while (b > 1024 && (uint64_t)b * n_rows * sizeof(double) > BLOCK_BUFFER_BYTES)
        b -= 1024;
    return b;
}

/* Per element and risk: stream keys, fixed draws, learning-curve unit
 * weights, correlation groups and whether the schedule can move; the slip.
 * False when out of memory. */
static bool prepare_elements_risks(engine *E)
{
    const cs_model *m = E->m;
    size_t ne = E->ne, nr = E->nr;
    bool failed = false;
    for (size_t e = 0; e < ne; e++) {
        const cs_element *el = &m->elements[e];
        E->element_key[e] =
            cs_sim_stream_key(E->seed, CS_INPUT_ELEMENT, el->stream ? el->stream : el->id, false);
        E->element_fixed[e] = cs_dist_is_fixed(&el->dist);
        E->group_of[e] = -1;
        E->group_pos[e] = -1;
        if (el->basis == CS_BASIS_PER_UNIT) {
            /* Unit theory: unit k costs T1 k^b, b = log2(learning). */
            E->unit_weight[e] = cs_sim_xcalloc((size_t)m->units, sizeof(double), &failed);
            if (failed)
                return false;
            double b = log2(el->learning), sum = 0;
            for (int k = 1; k <= m->units; k++) {
                E->unit_weight[e][k - 1] = pow((double)k, b);
                sum += E->unit_weight[e][k - 1];
            }
            E->unit_weight_sum[e] = sum;
        }
        if (el->basis == CS_BASIS_PER_UNIT || el->basis == CS_BASIS_PER_UNIT_YEAR ||
            yexpr_moves(el->start) || yexpr_moves(el->end))
            E->uses_schedule = true;
    }
    for (size_t g = 0; g < m->n_corr_groups; g++) {
        const cs_corr_group *grp = &m->corr_groups[g];
        if (grp->n > E->max_group)
            E->max_group = grp->n;
        for (size_t i = 0; i < grp->n; i++) {
            E->group_of[grp->elements[i]] = (int)g;
            E->group_pos[grp->elements[i]] = (int)i;
        }
    }
    for (size_t r = 0; r < nr; r++) {
        const cs_risk *rk = &m->risks[r];
        E->risk_key[r] =
            cs_sim_stream_key(E->seed, CS_INPUT_RISK, rk->stream ? rk->stream : rk->id, false);
        E->risk_certain[r] = rk->probability >= 1 && cs_dist_is_fixed(&rk->impact);
        if (yexpr_moves(rk->year))
            E->uses_schedule = true;
    }
    E->slip_key = cs_sim_stream_key(E->seed, CS_INPUT_SLIP, m->slip_stream, false);
    E->slip_fixed = cs_dist_is_fixed(&m->slip);

    return true;
}

/* Per currency: stream keys, inflation point, hedged and unhedged shares,
 * constant factors and FX positions; the delivery offsets of the units. */
static void prepare_currencies(engine *E)
{
    const cs_model *m = E->m;
    size_t nc = E->nc;
    const cs_currency *rep = &m->currencies[m->report_currency];
    for (size_t c = 0; c < nc; c++) {
        const cs_currency *cu = &m->currencies[c];
        E->inflation_key[c] = cs_sim_stream_key(E->seed, CS_INPUT_INFLATION, cu->code, false);
        E->fx_key[c] = cs_sim_stream_key(E->seed, CS_INPUT_FX, cu->code, false);
        E->inflation_fixed[c] = cs_dist_is_fixed(&cu->inflation);
        E->inflation_point[c] = cs_dist_point(&cu->inflation);
        double h = cu->is_base ? 0 : cu->hedge_ratio;
        E->hedged[c] = h * cu->hedge_rate;
        E->unhedged[c] = 1 - h;
        E->const_factor[c] = cu->rate / rep->rate;
        E->log_rate[c] = log(cu->rate);
        E->fx_pos[c] = -1;
    }
    E->n_fx = m->n_fx;
    for (size_t i = 0; i < m->n_fx; i++) {
        E->stochastic[m->fx_currencies[i]] = true;
        E->fx_pos[m->fx_currencies[i]] = (int)i;
    }
    for (int k = 1; k <= m->units; k++)
        E->unit_offset[k - 1] =
            (int)(((long long)(k - 1) * m->delivery_interval_milli) / 1000);

}

/* The slip tables and the discount factors. False when out of memory. */
static bool prepare_slip_tables(engine *E)
{
    const cs_model *m = E->m;
    size_t ne = E->ne, nr = E->nr;
    bool failed = false;
    /* Slip tables: the years each slip puts flows in, and the first
     * element whose range breaks (docs/FORMAT.md, schedule: before base_year,
     * start > end, beyond the last year). */
    int span_limit = CS_MAX_YEAR - m->base_year;
    E->s_max = E->uses_schedule ? max_slip(m) : 0;
    if (E->s_max > span_limit + 1)
        E->s_max = span_limit + 1; /* any larger slip is past the last year */
    size_t ns = (size_t)E->s_max + 1;
    E->s_first = cs_sim_xcalloc(ns, sizeof(int), &failed);
    E->s_last = cs_sim_xcalloc(ns, sizeof(int), &failed);
    E->s_bad_element = cs_sim_xcalloc(ns, sizeof(int), &failed);
    E->s_bad_year = cs_sim_xcalloc(ns, sizeof(int), &failed);
    if (failed)
        return false;
    E->t_lo = INT_MAX;
    E->t_hi = 0;
    for (size_t s = 0; s < ns; s++) {
        int lo = INT_MAX, hi = INT_MIN, bad = -1, bad_year = 0;
        for (size_t e = 0; e < ne; e++) {
            int a, b;
            cs_sim_element_years(E, e, (int)s, &a, &b);
            if (b < a && m->elements[e].if_empty_zero)
                continue; /* if_empty zero: no flow at this slip */
            if (bad < 0 && (a < 0 || b < a || b > span_limit)) {
                bad = (int)e;
                bad_year = a < 0 ? a : b;
            }
            if (a < lo)
                lo = a;
            if (b > hi)
                hi = b;
        }
        E->s_first[s] = lo;
        E->s_last[s] = hi;
        E->s_bad_element[s] = bad;
        E->s_bad_year[s] = bad_year;
        if (bad < 0) {
            if (lo < E->t_lo)
                E->t_lo = lo;
            if (hi > E->t_hi)
                E->t_hi = hi;
        }
        for (size_t r = 0; r < nr; r++) {
            int y = cs_sim_risk_year(E, r, (int)s);
            if (y >= 0 && y <= span_limit) {
                if (y < E->t_lo)
                    E->t_lo = y;
                if (y > E->t_hi)
                    E->t_hi = y;
            }
        }
    }
    if (E->t_lo == INT_MAX)
        E->t_lo = 0;
    if (E->t_lo > E->t_hi)
        E->t_lo = E->t_hi;
    E->discount = cs_sim_xcalloc((size_t)E->t_hi + 1, sizeof(double), &failed);
    if (failed)
        return false;
    for (int t = 0; t <= E->t_hi; t++)
        E->discount[t] = pow(1 + m->discount_rate, -(double)t);

    return true;
}

engine *cs_sim_engine_prepare(const cs_model *m, cs_diag *diag)
{
    return cs_sim_engine_prepare_seeded(m, m->seed, diag);
}

engine *cs_sim_engine_prepare_seeded(const cs_model *m, uint64_t seed, cs_diag *diag)
{
    bool failed = false;
    engine *E = calloc(1, sizeof *E);
    if (!E)
        goto oom;
    E->m = m;
    E->seed = seed;
    E->ne = m->n_elements;
    E->nr = m->n_risks;
    E->nc = m->n_currencies;
    E->np = m->n_phases;
    size_t ne = E->ne, nr = E->nr, nc = E->nc;
    E->element_key = cs_sim_xcalloc(ne, sizeof(cs_rng_key), &failed);
    E->element_fixed = cs_sim_xcalloc(ne, sizeof(bool), &failed);
    E->group_of = cs_sim_xcalloc(ne, sizeof(int), &failed);
    E->group_pos = cs_sim_xcalloc(ne, sizeof(int), &failed);
    E->unit_weight = cs_sim_xcalloc(ne, sizeof(double *), &failed);
    E->unit_weight_sum = cs_sim_xcalloc(ne, sizeof(double), &failed);
    E->risk_key = cs_sim_xcalloc(nr, sizeof(cs_rng_key), &failed);
    E->risk_certain = cs_sim_xcalloc(nr, sizeof(bool), &failed);
    E->inflation_key = cs_sim_xcalloc(nc, sizeof(cs_rng_key), &failed);
    E->fx_key = cs_sim_xcalloc(nc, sizeof(cs_rng_key), &failed);
    E->inflation_point = cs_sim_xcalloc(nc, sizeof(double), &failed);
    E->inflation_fixed = cs_sim_xcalloc(nc, sizeof(bool), &failed);
    E->hedged = cs_sim_xcalloc(nc, sizeof(double), &failed);
    E->unhedged = cs_sim_xcalloc(nc, sizeof(double), &failed);
    E->const_factor = cs_sim_xcalloc(nc, sizeof(double), &failed);
    E->log_rate = cs_sim_xcalloc(nc, sizeof(double), &failed);
    E->stochastic = cs_sim_xcalloc(nc, sizeof(bool), &failed);
    E->fx_pos = cs_sim_xcalloc(nc, sizeof(int), &failed);
    E->unit_offset = cs_sim_xcalloc((size_t)m->units, sizeof(int), &failed);
    if (failed)
        goto oom;

    if (!prepare_elements_risks(E))
        goto oom;
    prepare_currencies(E);
    if (!prepare_slip_tables(E) || !prepare_phase_members(E))
        goto oom;
    E->rows_per_measure = E->np + ne + nr;
    E->n_year_rows = (size_t)(E->t_hi - E->t_lo + 1);
    /* Year rows: nominal, then constant (by_year.csv). */
    E->n_rows = CS_N_MEASURES * E->rows_per_measure + 2 * E->n_year_rows;
    E->block = block_size(E->n_rows);
    return E;
oom:
    cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while preparing the run");
    cs_sim_engine_free(E);
    return NULL;
}
