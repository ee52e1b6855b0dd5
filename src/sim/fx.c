/* engine fx: one trial's exchange-rate paths per currency (random walk or
 * mean-reverting in log space, docs/METHOD.md), and the flat path of the point
 * estimate. */
#include "engine_internal.h"

/* One step of a currency's log rate (docs/FORMAT.md, currencies). */
double cs_sim_fx_step(const cs_currency *cu, double log_rate0, double prev, double eps)
{
    if (cu->fx_model == CS_FX_GBM)
        return prev + cu->drift - cu->volatility * cu->volatility / 2 + cu->volatility * eps;
    return prev + cu->reversion * (log_rate0 - prev) + cu->volatility * eps;
}

/* Exchange-rate paths of trial j for years 0 .. t_end (rate per year in
 * w->rate). Shocks: eps_t = L z_t, z from each currency's own stream. */
/* The rates of the currencies without an FX path of their own, years
 * 0 .. t_end. */
static void fixed_rates(const engine *E, workspace *w, int t_end)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1;
    for (size_t c = 0; c < E->nc; c++) {
        double *r = w->rate + c * years;
        const cs_currency *cu = &m->currencies[c];
        if (E->stochastic[c])
            continue;
        if (cu->fx_model == CS_FX_GBM && cu->drift != 0) {
            /* sigma = 0: the deterministic drift path. */
            for (int t = 0; t <= t_end; t++)
                r[t] = cu->rate * exp(cu->drift * t);
        } else {
            for (int t = 0; t <= t_end; t++)
                r[t] = cu->rate;
        }
    }
}

void cs_sim_fx_paths(const engine *E, workspace *w, uint64_t j, int t_end)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1;
    fixed_rates(E, w, t_end);
    size_t nf = E->n_fx;
    if (nf == 0 || t_end < 1) {
        for (size_t i = 0; i < nf; i++)
            w->rate[m->fx_currencies[i] * years] = m->currencies[m->fx_currencies[i]].rate;
        return;
    }
    /* Shocks of years 1 .. t_end are uniforms 0 .. t_end - 1, drawn four
     * trials at a time (see workspace) as far as any of them needs. */
    if (w->fx_group != j >> 2) {
        memset(w->fx_filled, 0, nf * sizeof(int));
        w->fx_group = j >> 2;
    }
    for (size_t i = 0; i < nf; i++) {
        cs_rng_key key = E->fx_key[m->fx_currencies[i]];
        double *lanes = w->fx_lanes + 4 * i * years;
        for (int t = w->fx_filled[i]; t < t_end; t++)
            cs_rng_lanes(key, j >> 2, (uint64_t)t, lanes + 4 * (size_t)t);
        if (w->fx_filled[i] < t_end)
            w->fx_filled[i] = t_end;
        for (int t = 0; t < t_end; t++)
            w->fx_u[i * years + (size_t)t] = lanes[4 * (size_t)t + (j & 3)];
    }
    /* Every shock's normal quantile at once (one array per currency). */
    for (size_t i = 0; i < nf; i++)
        cs_dist_norm_inv_array(w->fx_u + i * years, w->fx_z + i * years, (size_t)t_end);
    /* One currency at a time: its correlated shocks eps_t (into fx_u, whose
     * uniforms are spent), then its log-rate recursion and the rates. The
     * same operations, in the same order, as cs_sim_fx_step. */
    for (size_t i = 0; i < nf; i++) {
        const double *row = m->fx_chol + i * nf;
        double *eps = w->fx_u + i * years;
        for (int t = 0; t < t_end; t++)
            eps[t] = 0;
        for (size_t k = 0; k <= i; k++) {
            const double *z = w->fx_z + k * years;
            double r = row[k];
            for (int t = 0; t < t_end; t++)
                eps[t] += r * z[t];
        }
        size_t c = m->fx_currencies[i];
        const cs_currency *cu = &m->currencies[c];
        double *lg = w->fx_log + i * years, *rate = w->rate + c * years;
        double p = E->log_rate[c], vol = cu->volatility;
        rate[0] = cu->rate;
        if (cu->fx_model == CS_FX_GBM) {
            double drift = cu->drift, half = vol * vol / 2;
            for (int t = 1; t <= t_end; t++)
                lg[t] = p = p + drift - half + vol * eps[t - 1];
        } else {
            double rev = cu->reversion, lr0 = E->log_rate[c];
            for (int t = 1; t <= t_end; t++)
                lg[t] = p = p + rev * (lr0 - p) + vol * eps[t - 1];
        }
        for (int t = 1; t <= t_end; t++)
            rate[t] = exp(lg[t]);
    }
}

size_t cs_sim_path_doubles(const engine *E) { return 2 * E->n_fx * (size_t)E->t_hi; }

void cs_sim_keep_paths(const engine *E, const workspace *w, uint64_t j)
{
    size_t years = (size_t)E->t_hi + 1, T = (size_t)E->t_hi;
    if (cs_sim_path_doubles(E) == 0) /* nothing kept (and no array) */
        return;
    double *kept = E->kept_paths + j * cs_sim_path_doubles(E);
    for (size_t i = 0; i < E->n_fx; i++, kept += 2 * T) {
        size_t c = E->m->fx_currencies[i];
        memcpy(kept, w->rate + c * years + 1, T * sizeof(double));
        double sum = 0;
        for (size_t y = 1; y <= T; y++)
            kept[T + y - 1] = sum += w->fx_log[i * years + y] - E->log_rate[c];
    }
}

void cs_sim_restore_paths(const engine *E, workspace *w, uint64_t j, int t_years, double *fx_mean,
                          size_t stride)
{
    size_t years = (size_t)E->t_hi + 1, T = (size_t)E->t_hi, per = cs_sim_path_doubles(E);
    fixed_rates(E, w, E->t_hi);
    for (size_t i = 0; i < E->n_fx; i++) {
        size_t c = E->m->fx_currencies[i];
        w->rate[c * years] = E->m->currencies[c].rate;
        if (per == 0) { /* t_hi 0: no year with a shock, and no mean */
            if (fx_mean)
                fx_mean[i * stride] = 0;
            continue;
        }
        const double *kept = E->kept_paths + j * per + i * 2 * T;
        memcpy(w->rate + c * years + 1, kept, T * sizeof(double));
        if (fx_mean)
            fx_mean[i * stride] = t_years > 0 ? kept[T + (size_t)t_years - 1] / t_years : 0;
    }
}

/* The point-estimate FX path (docs/METHOD.md): rate e^(drift t) for gbm, rate
 * for ou and fixed. */
void cs_sim_fx_point_path(const engine *E, workspace *w, size_t c, int t_end)
{
    const cs_currency *cu = &E->m->currencies[c];
    double *r = w->rate + c * ((size_t)E->t_hi + 1);
    for (int t = 0; t <= t_end; t++)
        r[t] = cu->fx_model == CS_FX_GBM ? cu->rate * exp(cu->drift * t) : cu->rate;
}
