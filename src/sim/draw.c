/* engine draw: one trial's random inputs, each from its own counter-based
 * stream (rng.h): element draws through the Gaussian copula, risk
 * occurrences and impacts, the slip, each currency's inflation, and the
 * schedule those imply (settle_schedule). */
#include "engine_internal.h"

/* Table i of a per-input table array, or NULL when there is none. */
static inline const cs_dist_table *tab(cs_dist_table *const *tables, size_t i)
{
    return tables ? tables[i] : NULL;
}

long long cs_sim_slip_draw_years(double slip_draw)
{
    double s = slip_draw < 0 ? 0 : slip_draw;
    return s > 1e6 ? 1000000 : round_half_away(s);
}

long long cs_sim_risk_slip_years(const engine *E, const unsigned char *occurs)
{
    long long total = 0;
    for (size_t r = 0; r < E->nr; r++)
        if (occurs[r])
            total += E->m->risks[r].slip;
    return total;
}

int cs_sim_slip_of(long long years) { return years > 1000000 ? 1000000 : (int)years; }

/* Slip of the trial from the unrounded draw and the risks that occur. */
int cs_sim_trial_slip(const engine *E, double slip_draw, const unsigned char *occurs)
{
    return cs_sim_slip_of(cs_sim_slip_draw_years(slip_draw) + cs_sim_risk_slip_years(E, occurs));
}

/* Checks the schedule of slip s (and the risk years) and sets w->t_end.
 * Returns 0, or -1 with the error filled. */
int cs_sim_settle_schedule(const engine *E, workspace *w, uint64_t trial, trial_error *err)
{
    const cs_model *m = E->m;
    int s = E->uses_schedule ? w->s : 0;
    if (s > E->s_max) {
        snprintf(err->message, sizeof err->message,
                 "trial %llu: a slip of %d years moves the schedule past %d",
                 (unsigned long long)trial + 1, w->s, CS_MAX_YEAR);
        return -1;
    }
    int bad = E->s_bad_element[s];
    if (bad >= 0) {
        const cs_element *el = &m->elements[bad];
        int a, b;
        cs_sim_element_years(E, (size_t)bad, s, &a, &b);
        const char *what = a < 0 ? "a cash flow before base_year"
                                 : "a cash flow after the last allowed year";
        if (a >= 0 && b < a) /* the range is empty */
            snprintf(err->message, sizeof err->message,
                     "trial %llu: element '%s' has a start after its end (years %d-%d) with a "
                     "slip of %d years; if that should cost nothing in such a trial, give it "
                     "if_empty zero",
                     (unsigned long long)trial + 1, el->id, a + m->base_year,
                     b + m->base_year, w->s);
        else
            snprintf(err->message, sizeof err->message,
                     "trial %llu: element '%s' has %s (years %d-%d) with a slip of %d years; "
                     "allowed are years %d-%d",
                     (unsigned long long)trial + 1, el->id, what, a + m->base_year,
                     b + m->base_year, w->s, m->base_year, CS_MAX_YEAR);
        return -1;
    }
    int lo = E->s_first[s], hi = E->s_last[s];
    if (E->ne == 0) {
        lo = INT_MAX;
        hi = INT_MIN;
    }
    for (size_t r = 0; r < E->nr; r++) {
        if (!w->occurs[r])
            continue;
        int y = cs_sim_risk_year(E, r, s);
        if (y < 0 || y > E->t_hi) {
            snprintf(err->message, sizeof err->message,
                     "trial %llu: risk '%s' pays in %d with a slip of %d years; allowed are "
                     "years %d-%d",
                     (unsigned long long)trial + 1, m->risks[r].id, y + m->base_year, w->s,
                     m->base_year, CS_MAX_YEAR);
            return -1;
        }
        if (y < lo)
            lo = y;
        if (y > hi)
            hi = y;
    }
    if (lo > hi) { /* no flows at all: an empty year range */
        lo = 0;
        hi = -1;
    }
    w->year_lo = lo;
    w->year_hi = hi;
    w->t_end = hi < 0 ? 0 : hi;
    return 0;
}

/* The uniforms of trials 4 q .. 4 q + 3 for every input but FX into
 * w->lanes (see workspace). */
static void draw_lanes(const engine *E, workspace *w, uint64_t q)
{
    double *l = w->lanes;
    for (size_t e = 0; e < E->ne; e++, l += 4)
        if (!E->element_fixed[e])
            cs_rng_lanes(E->element_key[e], q, 0, l);
    for (size_t r = 0; r < E->nr; r++, l += 8) {
        cs_rng_lanes(E->risk_key[r], q, 0, l);
        cs_rng_lanes(E->risk_key[r], q, 1, l + 4);
    }
    if (!E->slip_fixed)
        cs_rng_lanes(E->slip_key, q, 0, l);
    l += 4;
    for (size_t c = 0; c < E->nc; c++, l += 4)
        if (!E->inflation_fixed[c])
            cs_rng_lanes(E->inflation_key[c], q, 0, l);
    w->lanes_group = q;
}

/* u' = Phi(z') of the Gaussian copula, kept inside (0, 1) where Phi
 * rounds to an end. */
static double copula_cdf(double z)
{
    double u = cs_dist_norm_cdf(z);
    if (u <= 0)
        return 0x1p-60;
    if (u >= 1)
        return 1 - 0x1p-54;
    return u;
}

/* Draws every input of trial j except the FX paths. */
int cs_sim_draw_trial(const engine *E, workspace *w, uint64_t j, trial_error *err)
{
    const cs_model *m = E->m;
    if (w->lanes_group != j >> 2)
        draw_lanes(E, w, j >> 2);
    const double *lane = w->lanes + (j & 3);
    const double *risk_lane = lane + 4 * E->ne, *slip_lane = risk_lane + 8 * E->nr;
    const double *inflation_lane = slip_lane + 4;
    for (size_t e = 0; e < E->ne; e++) {
        if (E->element_fixed[e])
            w->u[e] = 0.5;
        else
            w->u[e] = lane[4 * e];
    }
    /* Gaussian copula: z = Phi^-1(u), z' = L z, u' = Phi(z'). */
    for (size_t g = 0; g < m->n_corr_groups; g++) {
        const cs_corr_group *grp = &m->corr_groups[g];
        for (size_t i = 0; i < grp->n; i++)
            w->z[i] = cs_dist_norm_inv(w->u[grp->elements[i]]);
        for (size_t i = grp->n; i-- > 0;) {
            const double *row = grp->chol + i * grp->n;
            double zi = 0;
            for (size_t k = 0; k <= i; k++)
                zi += row[k] * w->z[k];
            w->u[grp->elements[i]] = copula_cdf(zi);
        }
    }
    for (size_t e = 0; e < E->ne; e++)
        w->x[e] = cs_dist_draw(&m->elements[e].dist, tab(E->element_table, e), w->u[e]);

    for (size_t r = 0; r < E->nr; r++) {
        const cs_risk *rk = &m->risks[r];
        const double u[2] = {risk_lane[8 * r], risk_lane[8 * r + 4]};
        w->occurs[r] = u[0] < rk->probability;
        w->impact[r] = w->occurs[r] ? cs_dist_draw(&rk->impact, tab(E->risk_table, r), u[1]) : 0;
    }
    w->slip_draw = E->slip_fixed ? m->slip.likely
                                 : cs_dist_draw(&m->slip, E->slip_table, *slip_lane);
    w->s = cs_sim_trial_slip(E, w->slip_draw, w->occurs);

    for (size_t c = 0; c < E->nc; c++) {
        if (E->inflation_fixed[c]) {
            w->inflation[c] = E->inflation_point[c];
            continue;
        }
        double i = cs_dist_draw(&m->currencies[c].inflation, tab(E->inflation_table, c),
                                inflation_lane[4 * c]);
        if (!(i > -1) || !gsl_finite(i)) {
            snprintf(err->message, sizeof err->message,
                     "trial %llu: inflation of %s drawn as %g; it must stay above -1",
                     (unsigned long long)j + 1, m->currencies[c].code, i);
            return -1;
        }
        w->inflation[c] = i;
    }
    return 0;
}

/* Element e's uniform after the copula in lane i (0 .. 3) of the trial
 * group whose uniforms are in u4 (4 per element, NAN where not drawn), as
 * cs_sim_draw_trial computes it. */
static double copula_uniform(const engine *E, const double *u4, size_t e, int i)
{
    const cs_model *m = E->m;
    double u = E->element_fixed[e] ? 0.5 : u4[4 * e + (size_t)i];
    if (E->group_of[e] < 0)
        return u;
    const cs_corr_group *grp = &m->corr_groups[E->group_of[e]];
    size_t pos = (size_t)E->group_pos[e];
    const double *row = grp->chol + pos * grp->n;
    double zi = 0;
    for (size_t k = 0; k <= pos; k++) {
        size_t f = grp->elements[k];
        zi += row[k] * cs_dist_norm_inv(E->element_fixed[f] ? 0.5 : u4[4 * f + (size_t)i]);
    }
    return copula_cdf(zi);
}

void cs_sim_draw_elements(const engine *E, double *u4, uint64_t q, const size_t *elements,
                          size_t n, double *x)
{
    const cs_model *m = E->m;
    for (size_t i = 0; i < n; i++) { /* the uniforms each needs: its own, its group's */
        size_t e = elements[i];
        if (E->group_of[e] < 0) {
            if (!E->element_fixed[e])
                cs_rng_lanes(E->element_key[e], q, 0, u4 + 4 * e);
            continue;
        }
        const cs_corr_group *grp = &m->corr_groups[E->group_of[e]];
        for (size_t k = 0; k <= (size_t)E->group_pos[e]; k++) {
            size_t f = grp->elements[k];
            if (!E->element_fixed[f])
                cs_rng_lanes(E->element_key[f], q, 0, u4 + 4 * f);
        }
    }
    for (int lane = 0; lane < 4; lane++)
        for (size_t i = 0; i < n; i++) {
            size_t e = elements[i];
            x[(size_t)lane * n + i] = cs_dist_draw(&m->elements[e].dist, tab(E->element_table, e),
                                                   copula_uniform(E, u4, e, lane));
        }
}

/* The index in E->tables of d's shape, a new slot (its table built later)
 * when no earlier distribution has it; SIZE_MAX when d is not PERT. The
 * shapes are kept in shape[2 i], shape[2 i + 1]. */
static size_t shape_for(engine *E, double *shape, const cs_dist *d)
{
    if (d->kind != CS_DIST_PERT)
        return SIZE_MAX;
    for (size_t i = 0; i < E->n_tables; i++)
        if (shape[2 * i] == d->alpha && shape[2 * i + 1] == d->beta)
            return i;
    shape[2 * E->n_tables] = d->alpha;
    shape[2 * E->n_tables + 1] = d->beta;
    return E->n_tables++;
}

typedef struct {
    engine *E;
    const double *shape;
} table_job;

static void make_table(void *ctx, unsigned worker, size_t i)
{
    (void)worker;
    table_job *job = ctx;
    job->E->tables[i] = cs_dist_table_make(job->shape[2 * i], job->shape[2 * i + 1]);
}

int cs_sim_prepare_tables(engine *E, unsigned threads)
{
    const cs_model *m = E->m;
    bool failed = false;
    if (E->tables)
        return 0;
    size_t n_dists = E->ne + E->nr + E->nc + 1;
    E->tables = cs_sim_xcalloc(n_dists, sizeof *E->tables, &failed);
    E->element_table = cs_sim_xcalloc(E->ne, sizeof *E->element_table, &failed);
    E->risk_table = cs_sim_xcalloc(E->nr, sizeof *E->risk_table, &failed);
    E->inflation_table = cs_sim_xcalloc(E->nc, sizeof *E->inflation_table, &failed);
    double *shape = cs_sim_xcalloc(2 * n_dists, sizeof(double), &failed);
    size_t *which = cs_sim_xcalloc(n_dists, sizeof(size_t), &failed);
    if (failed) {
        free(shape);
        free(which);
        cs_sim_free_tables(E);
        return -1;
    }
    /* Distinct shapes first, then their tables (in parallel: each takes a
     * few milliseconds), then each distribution's table. */
    size_t k = 0;
    for (size_t e = 0; e < E->ne; e++)
        which[k++] = E->element_fixed[e] ? SIZE_MAX : shape_for(E, shape, &m->elements[e].dist);
    for (size_t r = 0; r < E->nr; r++)
        which[k++] = m->risks[r].probability > 0 ? shape_for(E, shape, &m->risks[r].impact)
                                                 : SIZE_MAX;
    for (size_t c = 0; c < E->nc; c++)
        which[k++] = E->inflation_fixed[c] ? SIZE_MAX
                                           : shape_for(E, shape, &m->currencies[c].inflation);
    which[k++] = E->slip_fixed ? SIZE_MAX : shape_for(E, shape, &m->slip);
    table_job job = {E, shape};
    cs_sim_parallel_for(threads, E->n_tables, make_table, &job);
    for (size_t i = 0; i < E->n_tables; i++)
        failed |= E->tables[i] == NULL;
    k = 0;
    for (size_t e = 0; e < E->ne; e++, k++)
        E->element_table[e] = which[k] == SIZE_MAX ? NULL : E->tables[which[k]];
    for (size_t r = 0; r < E->nr; r++, k++)
        E->risk_table[r] = which[k] == SIZE_MAX ? NULL : E->tables[which[k]];
    for (size_t c = 0; c < E->nc; c++, k++)
        E->inflation_table[c] = which[k] == SIZE_MAX ? NULL : E->tables[which[k]];
    E->slip_table = which[k] == SIZE_MAX ? NULL : E->tables[which[k]];
    free(shape);
    free(which);
    E->unit_kinds = cs_sim_xcalloc(E->nc + 1, 1, &failed);
    for (size_t e = 0; E->unit_kinds && e < E->ne; e++) {
        const cs_element *el = &m->elements[e];
        if (el->basis == CS_BASIS_PER_UNIT)
            E->unit_kinds[el->currency] |= CS_UNIT_BUILD;
        else if (el->basis == CS_BASIS_PER_UNIT_YEAR)
            E->unit_kinds[el->currency] |= CS_UNIT_SERVICE;
        else if (el->basis == CS_BASIS_ONCE && el->profile != CS_PROFILE_FLAT)
            E->unit_kinds[el->currency] |= CS_UNIT_SHAPED;
    }
    /* Element years per slip, when that is at most 4 Mi entries. */
    size_t slips = E->s_max >= 0 ? (size_t)E->s_max + 1 : 0;
    if (!failed && E->ne > 0 && slips > 0 && slips <= (4u << 20) / E->ne) {
        E->element_years = malloc(2 * slips * E->ne * sizeof(int));
        if (!E->element_years)
            failed = true;
        for (size_t s = 0; !failed && s < slips; s++)
            for (size_t e = 0; e < E->ne; e++) {
                int *y = E->element_years + 2 * (s * E->ne + e);
                cs_sim_element_years(E, e, (int)s, &y[0], &y[1]);
            }
    }
    /* Risk years per slip, the same way. */
    if (!failed && E->nr > 0 && slips > 0 && slips <= (4u << 20) / E->nr) {
        int *years = malloc(slips * E->nr * sizeof(int));
        if (!years)
            failed = true;
        for (size_t s = 0; !failed && s < slips; s++)
            for (size_t r = 0; r < E->nr; r++)
                years[s * E->nr + r] = cs_sim_risk_year(E, r, (int)s);
        E->risk_years = years; /* set last: cs_sim_risk_year reads it */
    }
    return failed ? -1 : 0;
}

void cs_sim_free_tables(engine *E)
{
    for (size_t i = 0; i < E->n_tables; i++)
        cs_dist_table_free(E->tables[i]);
    free(E->tables);
    free(E->element_table);
    free(E->risk_table);
    free(E->inflation_table);
    E->tables = E->element_table = E->risk_table = E->inflation_table = NULL;
    E->slip_table = NULL;
    E->n_tables = 0;
    free(E->element_years);
    free(E->risk_years);
    free(E->unit_kinds);
    E->unit_kinds = NULL;
    E->element_years = NULL;
    E->risk_years = NULL;
}

/* The number of tables cs_sim_prepare_tables builds: distinct PERT shapes
 * among the inputs it covers. */
size_t cs_sim_table_count(const engine *E)
{
    const cs_model *m = E->m;
    size_t n = E->ne + E->nr + E->nc + 1, distinct = 0;
    const cs_dist **seen = malloc(n * sizeof *seen);
    if (!seen)
        return n; /* an upper bound */
    for (size_t i = 0; i < n; i++) {
        const cs_dist *d = i < E->ne              ? &m->elements[i].dist
                           : i < E->ne + E->nr     ? &m->risks[i - E->ne].impact
                           : i < E->ne + E->nr + E->nc ? &m->currencies[i - E->ne - E->nr].inflation
                                                   : &m->slip;
        if (d->kind != CS_DIST_PERT)
            continue;
        bool found = false;
        for (size_t j = 0; j < distinct && !found; j++)
            found = seen[j]->alpha == d->alpha && seen[j]->beta == d->beta;
        if (!found)
            seen[distinct++] = d;
    }
    free(seen);
    return distinct;
}
