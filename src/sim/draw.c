/* engine draw: one trial's random inputs, each from its own counter-based
 * stream (rng.h): element draws through the Gaussian copula, risk
 * occurrences and impacts, the slip, each currency's inflation, and the
 * schedule those imply (settle_schedule). */
#include "engine_internal.h"

/* Slip of the trial from the unrounded draw and the risks that occur. */
int cs_sim_trial_slip(const engine *E, double slip_draw, const unsigned char *occurs)
{
    double s = slip_draw < 0 ? 0 : slip_draw;
    long long total = s > 1e6 ? 1000000 : round_half_away(s);
    for (size_t r = 0; r < E->nr; r++)
        if (occurs[r])
            total += E->m->risks[r].slip;
    return total > 1000000 ? 1000000 : (int)total;
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
                           : b < a ? "a start after its end"
                                   : "a cash flow after the last allowed year";
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

/* Draws every input of trial j except the FX paths. */
int cs_sim_draw_trial(const engine *E, workspace *w, uint64_t j, trial_error *err)
{
    const cs_model *m = E->m;
    for (size_t e = 0; e < E->ne; e++) {
        if (E->element_fixed[e])
            w->u[e] = 0.5;
        else
            w->u[e] = cs_rng_uniform(E->element_key[e], j, 0);
    }
    /* Gaussian copula: z = Phi^-1(u), z' = L z, u' = Phi(z'). */
    for (size_t g = 0; g < m->n_corr_groups; g++) {
        const cs_corr_group *grp = &m->corr_groups[g];
        for (size_t i = 0; i < grp->n; i++)
            w->z[i] = gsl_cdf_ugaussian_Pinv(w->u[grp->elements[i]]);
        for (size_t i = grp->n; i-- > 0;) {
            const double *row = grp->chol + i * grp->n;
            double zi = 0;
            for (size_t k = 0; k <= i; k++)
                zi += row[k] * w->z[k];
            double ui = gsl_cdf_ugaussian_P(zi);
            /* Keep u' inside (0, 1) where Phi rounds to an end. */
            if (ui <= 0)
                ui = 0x1p-60;
            if (ui >= 1)
                ui = 1 - 0x1p-54;
            w->u[grp->elements[i]] = ui;
        }
    }
    for (size_t e = 0; e < E->ne; e++)
        w->x[e] = cs_dist_quantile(&m->elements[e].dist, w->u[e]);

    for (size_t r = 0; r < E->nr; r++) {
        const cs_risk *rk = &m->risks[r];
        double u[2];
        cs_rng_uniforms(E->risk_key[r], j, u, 2);
        w->occurs[r] = u[0] < rk->probability;
        w->impact[r] = w->occurs[r] ? cs_dist_quantile(&rk->impact, u[1]) : 0;
    }
    w->slip_draw = E->slip_fixed ? m->slip.likely
                                 : cs_dist_quantile(&m->slip, cs_rng_uniform(E->slip_key, j, 0));
    w->s = cs_sim_trial_slip(E, w->slip_draw, w->occurs);

    for (size_t c = 0; c < E->nc; c++) {
        if (E->inflation_fixed[c]) {
            w->inflation[c] = E->inflation_point[c];
            continue;
        }
        double i = cs_dist_quantile(&m->currencies[c].inflation,
                                    cs_rng_uniform(E->inflation_key[c], j, 0));
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
