/* engine drivers: the tornado's holds on the drivers' trials (the first
 * CS_SENSITIVITY_TRIALS). cs_sim_hold_trial holds every variation of one
 * trial; the attribution's pass (drivers_shapley.c) calls it for the first
 * pass, on its own draws, and cs_sim_run_drivers runs any other pass over
 * the stored draws (or draws the trials anew, for the screening that comes
 * before they are stored), in chunks over worker threads.
 *
 * A hold is as cheap as what it changes allows: an element or a slip-free
 * risk adjusts the trial's total (an element's cost is linear in its
 * draw); the slip and a risk with a slip use the trial's unit costs at the
 * slip the hold gives (each distinct slip evaluated once per trial); one
 * currency's inflation or exchange rate recomputes that currency's part
 * from the trial's base-year amounts per year; only the report currency's
 * exchange rate re-evaluates the whole trial. */
#include "engine_internal.h"

const char *cs_sim_input_label(const engine *E, const input_store *in)
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

void cs_sim_store_inputs(const engine *E, const workspace *w, uint64_t j)
{
    E->sens_slip[j] = w->slip_draw;
    for (size_t e = 0; e < E->ne && !E->stream_elements; e++)
        if (E->element_input[e] >= 0)
            E->inputs[E->element_input[e]].values[j] = w->x[e];
    for (size_t r = 0; r < E->nr; r++)
        if (E->risk_input[r] >= 0)
            E->inputs[E->risk_input[r]].values[j] = w->occurs[r] ? w->impact[r] : -HUGE_VAL;
    for (size_t c = 0; c < E->nc; c++)
        if (E->inflation_input[c] >= 0)
            E->inputs[E->inflation_input[c]].values[j] = w->inflation[c];
}

uint64_t cs_sim_keep_size(const engine *E, const cs_run_options *opt)
{
    if (opt->no_drivers || opt->trials > CS_SENSITIVITY_TRIALS || E->recount ||
        E->stream_elements)
        return 0;
    return opt->trials <= KEPT_BYTES / (cs_sim_keep_doubles(E) * sizeof(double)) ? opt->trials
                                                                                  : 0;
}

size_t cs_sim_amount_doubles(const engine *E) { return E->nc * ((size_t)E->t_hi + 1); }

size_t cs_sim_keep_doubles(const engine *E)
{
    return cs_sim_path_doubles(E) + cs_sim_amount_doubles(E) + E->ne + E->nr + 2 * E->nc + 1;
}

void cs_sim_keep_trial(const engine *E, const workspace *w, uint64_t j)
{
    cs_sim_store_inputs(E, w, j);
    cs_sim_keep_paths(E, w, j);
    cs_sim_year_amounts(E, w, E->kept_amounts + j * cs_sim_amount_doubles(E));
}

/* Rebuilds the draws of sensitivity trial j from what was stored (all but
 * the FX paths, which cs_sim_fx_paths redraws from the streams). */
void cs_sim_restore_trial(const engine *E, workspace *w, uint64_t j)
{
    const cs_model *m = E->m;
    for (size_t e = 0; e < E->ne; e++)
        w->x[e] = E->element_input[e] >= 0 ? E->inputs[E->element_input[e]].values[j]
                                            : m->elements[e].dist.likely;
    for (size_t r = 0; r < E->nr; r++) {
        if (E->risk_input[r] >= 0) {
            double v = E->inputs[E->risk_input[r]].values[j];
            w->occurs[r] = v != -HUGE_VAL;
            w->impact[r] = w->occurs[r] ? v : 0;
        } else {
            w->occurs[r] = 1; /* certain: p = 1, fixed impact */
            w->impact[r] = m->risks[r].impact.likely;
        }
    }
    w->slip_draw = E->sens_slip[j];
    w->s = cs_sim_trial_slip(E, w->slip_draw, w->occurs);
    for (size_t c = 0; c < E->nc; c++)
        w->inflation[c] = E->inflation_input[c] >= 0 ? E->inputs[E->inflation_input[c]].values[j]
                                                     : E->inflation_point[c];
}

/* Applies variation v to the freshly restored trial in w (FX paths already
 * built up to t_hi). held is the variation's value and held_path a held
 * currency's rate path, the same in every trial (cs_sim_run_drivers works
 * them out once): the element's, risk impact's, slip draw's or inflation's
 * quantile, or the path whose every shock is z_q / sqrt(T), which puts the
 * currency's final log rate at the quantile (docs/METHOD.md). */
static void apply_variation(const engine *E, workspace *w, const variation *v, double held,
                            const double *held_path)
{
    if (v->hold_input >= 0) {
        const input_store *in = &E->inputs[v->hold_input];
        switch (in->kind) {
        case CS_INPUT_ELEMENT:
            w->x[in->index] = held;
            break;
        case CS_INPUT_RISK:
            /* low: absent; high: occurring with its impact at the P90. */
            w->occurs[in->index] = v->hold_quantile > 0.5;
            w->impact[in->index] = v->hold_quantile > 0.5 ? held : 0;
            break;
        case CS_INPUT_SLIP:
            w->slip_draw = held;
            break;
        case CS_INPUT_INFLATION:
            w->inflation[in->index] = held;
            break;
        case CS_INPUT_FX: {
            size_t years = (size_t)E->t_hi + 1;
            memcpy(w->rate + in->index * years, held_path, years * sizeof(double));
            break;
        }
        }
    }
    w->s = cs_sim_trial_slip(E, w->slip_draw, w->occurs);
}

/* Whether a variation changes the year factors (inflation or FX). */
static bool changes_factors(const engine *E, const variation *v)
{
    if (v->hold_input >= 0) {
        cs_input_kind k = E->inputs[v->hold_input].kind;
        return k == CS_INPUT_INFLATION || k == CS_INPUT_FX;
    }
    return false;
}

/* Whether a variation changes the year factors of one currency only: its
 * inflation, or the exchange rate of a currency other than the report
 * currency (whose rate divides every currency's factors). */
static bool one_currency(const engine *E, const variation *v)
{
    if (v->hold_input < 0)
        return false;
    const input_store *in = &E->inputs[v->hold_input];
    return in->kind == CS_INPUT_INFLATION ||
           (in->kind == CS_INPUT_FX && in->index != E->m->report_currency);
}

/* A trial's base-year amounts per currency and year (its elements' and
 * risks' flows before inflation and exchange), for the holds of one
 * currency's inflation or exchange rate: under the held factors F' the
 * currency's nominal part is the sum over years of amount x F', so such a
 * hold costs one pass over the years instead of a re-evaluation. Built
 * once per trial, when the first such hold needs it. */
typedef struct {
    bool ready;
    double *amount; /* nc x years */
    double *part;   /* nc: the currency's nominal part with the trial's factors */
} currency_profile;

static void profile_build(const engine *E, workspace *base, currency_profile *cp, uint64_t j)
{
    size_t years = (size_t)E->t_hi + 1;
    int T = base->t_end;
    if (j < E->n_kept) { /* the main pass kept the amounts of its evaluation */
        memcpy(cp->amount, E->kept_amounts + j * cs_sim_amount_doubles(E),
               cs_sim_amount_doubles(E) * sizeof(double));
    } else {
        cs_sim_sum_nominal_flows(E, base, base); /* the year amounts of every currency */
        cs_sim_year_amounts(E, base, cp->amount);
    }
    for (size_t c = 0; c < E->nc; c++) {
        const double *F = base->F + c * years, *a = cp->amount + c * years;
        double part = 0;
        for (int t = 0; t <= T; t++)
            part += a[t] * F[t];
        cp->part[c] = part;
    }
    cp->ready = true;
}

/* Currency c's nominal part with its inflation i and its rate path r
 * (either the trial's or the held one), the other factors as in the
 * trial. */
static double profile_part(const engine *E, const workspace *base, const currency_profile *cp,
                           size_t c, double i, const double *r)
{
    size_t years = (size_t)E->t_hi + 1;
    const double *a = cp->amount + c * years, *inv = base->inv_report;
    double grow = 1 + i, escalation = 1, hedged = E->hedged[c], unhedged = E->unhedged[c];
    double part = 0;
    for (int t = 0; t <= base->t_end; t++) {
        part += a[t] * (escalation * (hedged + unhedged * r[t]) * inv[t]);
        escalation *= grow;
    }
    return part;
}

/* Copies the draws and FX paths of a trial (what variations change). */
static void copy_draws(const engine *E, workspace *dst, const workspace *src)
{
    memcpy(dst->x, src->x, sizeof(double) * E->ne);
    memcpy(dst->occurs, src->occurs, E->nr);
    memcpy(dst->impact, src->impact, sizeof(double) * E->nr);
    memcpy(dst->inflation, src->inflation, sizeof(double) * E->nc);
    memcpy(dst->rate, src->rate, sizeof(double) * E->nc * ((size_t)E->t_hi + 1));
    dst->slip_draw = src->slip_draw;
    dst->s = src->s;
}

/* An element held at a quantile changes one term of the trial's total
 * (its cost is linear in its draw): *out is the total with that term
 * replaced (unit: each element's cost per unit of draw in this trial).
 * False for any other variation. */
static bool held_element(const engine *E, const workspace *base, const variation *v, double held,
                         const double *unit, double total, double *out)
{
    if (v->hold_input < 0 || E->inputs[v->hold_input].kind != CS_INPUT_ELEMENT)
        return false;
    size_t i = E->inputs[v->hold_input].index;
    *out = total + (held - base->x[i]) * unit[i];
    return true;
}

/* The unit costs (each element's cost per unit of draw and each risk's
 * cost, the trial's own risk draws) and the total of one trial at other
 * slips than its own, for the holds that move the schedule: a trial's slip
 * and slip-risk holds land on a few slips, each evaluated once. */
#define SLIP_CACHE 8

typedef struct {
    int n;
    int s[SLIP_CACHE];
    double *unit[SLIP_CACHE]; /* ne + nr each, one allocation */
    double total[SLIP_CACHE];
    workspace *eval;          /* the schedule at a slip, checked */
    lane_scratch *lanes;      /* for cs_sim_unit_costs */
    long long draw_years;     /* the trial's slip, in its two parts */
    long long risk_years;     /* (cs_sim_slip_draw_years, cs_sim_risk_slip_years) */
} slip_cache;

static bool slip_cache_alloc(const engine *E, slip_cache *c)
{
    memset(c, 0, sizeof *c);
    size_t per = E->ne + E->nr ? E->ne + E->nr : 1;
    c->unit[0] = malloc(SLIP_CACHE * per * sizeof(double));
    c->eval = cs_sim_workspace_alloc(E);
    c->lanes = cs_sim_lane_scratch_alloc(E);
    for (int i = 1; c->unit[0] && i < SLIP_CACHE; i++)
        c->unit[i] = c->unit[0] + (size_t)i * per;
    return c->unit[0] && c->eval && c->lanes;
}

static void slip_cache_free(slip_cache *c)
{
    free(c->unit[0]);
    cs_sim_workspace_free(c->eval);
    cs_sim_lane_scratch_free(c->lanes);
}

/* Completes the cache's next entry as slip s's, its elements' costs per
 * unit of draw in place: the risks' costs with base's draws, as
 * cs_sim_sum_nominal adds them, and the total. */
static void cache_entry(const engine *E, const workspace *base, slip_cache *c, int s)
{
    size_t years = (size_t)E->t_hi + 1;
    int risk_s = E->uses_schedule ? s : 0;
    double *u = c->unit[c->n], t = 0;
    for (size_t r = 0; r < E->nr; r++) {
        const cs_risk *rk = &E->m->risks[r];
        u[E->ne + r] = base->occurs[r] ? base->impact[r] * rk->scale *
                                             base->F[rk->currency * years +
                                                     (size_t)cs_sim_risk_year(E, r, risk_s)]
                                       : 0;
    }
    for (size_t e = 0; e < E->ne; e++)
        t += base->x[e] * u[e];
    for (size_t r = 0; r < E->nr; r++)
        t += u[E->ne + r];
    c->s[c->n] = s;
    c->total[c->n] = t;
    c->n++;
}

/* Seeds the cache (empty) with slip s's entry from the elements' unit
 * costs there. */
static void seed_cache(const engine *E, const workspace *base, slip_cache *c, int s,
                       const double *unit)
{
    memcpy(c->unit[0], unit, E->ne * sizeof(double));
    cache_entry(E, base, c, s);
}

/* The unit costs and total of trial base at slip s (base's factors cover
 * every year a slip can reach), into *unit and *total; false when the
 * cache is full or the schedule at s is not valid with base's risks (err
 * says why; for a hold, the full re-evaluation then decides). */
static bool at_slip(const engine *E, const workspace *base, slip_cache *c, int s, uint64_t j,
                    const double **unit, double *total, trial_error *err)
{
    for (int i = 0; i < c->n; i++)
        if (c->s[i] == s) {
            *unit = c->unit[i];
            *total = c->total[i];
            return true;
        }
    if (c->n == SLIP_CACHE)
        return false;
    workspace *ev = c->eval;
    memcpy(ev->occurs, base->occurs, E->nr);
    ev->s = s;
    if (cs_sim_settle_schedule(E, ev, j, err) != 0)
        return false;
    const workspace *f = base;
    cs_sim_unit_costs(E, s, &f, 1, c->lanes, c->unit[c->n]);
    cache_entry(E, base, c, s);
    *unit = c->unit[c->n - 1];
    *total = c->total[c->n - 1];
    return true;
}

/* A hold of the slip or of a risk, from the trial's unit costs at the
 * slip the hold gives (the trial's own when it does not move the
 * schedule: a risk without a slip, or a model whose schedule cannot move):
 * the slip changes nothing else, a risk only its own term. False when it
 * needs the full re-evaluation. */
static bool held_risk_or_slip(const engine *E, const workspace *base, const variation *v,
                              double held, slip_cache *c, uint64_t j, double *out)
{
    if (v->hold_input < 0)
        return false;
    const input_store *in = &E->inputs[v->hold_input];
    int s = base->s;
    if (in->kind == CS_INPUT_SLIP) {
        if (E->uses_schedule)
            s = cs_sim_slip_of(cs_sim_slip_draw_years(held) + c->risk_years);
    } else if (in->kind == CS_INPUT_RISK) {
        if (E->uses_schedule) { /* the trial's risk slips with this one's replaced */
            long long own = E->m->risks[in->index].slip;
            long long risks = c->risk_years - (base->occurs[in->index] ? own : 0) +
                              (v->hold_quantile > 0.5 ? own : 0);
            s = cs_sim_slip_of(c->draw_years + risks);
        }
    } else {
        return false;
    }
    const double *unit;
    double total;
    trial_error err; /* only a failed schedule writes it; not cleared (512 bytes) per hold */
    err.trial = j;
    err.message[0] = '\0';
    if (!at_slip(E, base, c, s, j, &unit, &total, &err))
        return false;
    if (in->kind == CS_INPUT_SLIP) {
        *out = total;
        return true;
    }
    size_t i = in->index;
    double without = total - unit[E->ne + i];
    if (v->hold_quantile <= 0.5) {
        *out = without;
        return true;
    }
    const cs_risk *rk = &E->m->risks[i];
    int t = cs_sim_risk_year(E, i, E->uses_schedule ? s : 0);
    if (t < 0 || t > E->t_hi)
        return false; /* the re-evaluation reports the year */
    *out = without + held * rk->scale * base->F[rk->currency * ((size_t)E->t_hi + 1) + (size_t)t];
    return true;
}

static void driver_fail(driver_state *d, const trial_error *err)
{
    pthread_mutex_lock(&d->lock);
    if (!d->failed || err->trial < d->error.trial) {
        d->failed = true;
        d->error = *err;
    }
    pthread_mutex_unlock(&d->lock);
}

struct cs_hold_scratch {
    workspace *w;
    slip_cache cache;
    currency_profile profile;
};

hold_scratch *cs_sim_hold_scratch_alloc(const engine *E)
{
    hold_scratch *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    size_t years = (size_t)E->t_hi + 1;
    h->w = cs_sim_workspace_alloc(E);
    bool have_cache = slip_cache_alloc(E, &h->cache);
    h->profile.amount = malloc(E->nc * years * sizeof(double));
    h->profile.part = malloc(E->nc * sizeof(double));
    if (!h->w || !have_cache || !h->profile.amount || !h->profile.part) {
        cs_sim_hold_scratch_free(h);
        return NULL;
    }
    return h;
}

void cs_sim_hold_scratch_free(hold_scratch *h)
{
    if (!h)
        return;
    cs_sim_workspace_free(h->w);
    slip_cache_free(&h->cache);
    free(h->profile.amount);
    free(h->profile.part);
    free(h);
}

int cs_sim_hold_trial(const driver_state *d, workspace *base, hold_scratch *h, uint64_t j,
                      const double *own_unit, int own_s, trial_error *err)
{
    const engine *E = d->E;
    workspace *w = h->w;
    slip_cache *cache = &h->cache;
    currency_profile *profile = &h->profile;
    size_t years = (size_t)E->t_hi + 1;
    /* The trial as run, costed with every element draw at 1 (the slip
     * cache's first entry): each element's cost per unit of draw (linear in
     * its draw) and each risk's cost, so element and risk holds are
     * adjustments of the total, not re-evaluations. */
    err->trial = j;
    cache->draw_years = cs_sim_slip_draw_years(base->slip_draw);
    cache->risk_years = cs_sim_risk_slip_years(E, base->occurs);
    base->s = cs_sim_slip_of(cache->draw_years + cache->risk_years);
    if (cs_sim_settle_schedule(E, base, j, err) != 0)
        return -1;
    cache->n = 0;
    profile->ready = false;
    if (own_unit && own_s == base->s)
        seed_cache(E, base, cache, base->s, own_unit);
    const double *unit;
    double total;
    if (!at_slip(E, base, cache, base->s, j, &unit, &total, err))
        return -1;
    for (size_t k = 0; k < d->n_variations; k++) {
        const variation *v = &d->variations[k];
        double *out = &d->out[k][j];
        if (held_element(E, base, v, d->held[k], unit, total, out) ||
            held_risk_or_slip(E, base, v, d->held[k], cache, j, out))
            continue;
        if (one_currency(E, v)) {
            /* Only this currency's factors change (not the schedule):
             * replace its part of the total. */
            const input_store *in = &E->inputs[v->hold_input];
            size_t c = in->index;
            if (!profile->ready)
                profile_build(E, base, profile, j);
            double part = in->kind == CS_INPUT_INFLATION
                              ? profile_part(E, base, profile, c, d->held[k],
                                             base->rate + c * years)
                              : profile_part(E, base, profile, c, base->inflation[c],
                                             d->held_path[k]);
            *out = total - profile->part[c] + part;
            continue;
        }
        copy_draws(E, w, base);
        apply_variation(E, w, v, d->held[k], d->held_path[k]);
        if (cs_sim_settle_schedule(E, w, j, err) != 0) {
            /* The hold itself leaves the calendar (a slip or a risk's slip
             * past 2300): this input has no held total here, and is left
             * out of the tornado (assemble.c), not the run stopped. */
            *out = NAN;
            err->message[0] = '\0';
            continue;
        }
        if (changes_factors(E, v)) {
            cs_sim_build_nominal_factors(E, w, w->t_end);
            cs_sim_sum_nominal(E, w, w);
        } else {
            cs_sim_sum_nominal(E, w, base);
        }
        *out = w->total[CS_NOMINAL];
    }
    return 0;
}

/* Holds every variation on the trials, in chunks: each trial restored from
 * the stored inputs (or drawn again from its streams, d->draw), its FX
 * paths (kept by the main pass, or drawn again) and factors built over
 * every year a variation can reach, then cs_sim_hold_trial. Trials are
 * independent; results go to fixed slots. */
static void *driver_worker(void *p)
{
    driver_state *d = p;
    const engine *E = d->E;
    workspace *base = cs_sim_workspace_alloc(E);
    hold_scratch *h = cs_sim_hold_scratch_alloc(E);
    if (!base || !h) {
        trial_error err = {0, "out of memory in the drivers"};
        driver_fail(d, &err);
        cs_sim_workspace_free(base);
        cs_sim_hold_scratch_free(h);
        return NULL;
    }
    for (;;) {
        uint64_t first = atomic_fetch_add(&d->next, DRIVER_CHUNK);
        uint64_t n = d->limit && d->limit < E->n_sens ? d->limit : E->n_sens;
        if (first >= n || d->failed || cs_cancel_requested(E->cancel))
            break;
        uint64_t end = first + DRIVER_CHUNK < n ? first + DRIVER_CHUNK : n;
        for (uint64_t j = first; j < end; j++) {
            trial_error err = {j, ""};
            if (j < E->n_kept) { /* stored and kept by the main pass */
                cs_sim_restore_trial(E, base, j);
                cs_sim_restore_paths(E, base, j, 0, NULL, 0);
            } else if (d->draw || E->stream_elements) { /* not stored */
                if (cs_sim_draw_trial(E, base, j, &err) != 0) {
                    driver_fail(d, &err);
                    break;
                }
                cs_sim_fx_paths(E, base, j, E->t_hi);
            } else {
                cs_sim_restore_trial(E, base, j);
                cs_sim_fx_paths(E, base, j, E->t_hi);
            }
            cs_sim_build_nominal_factors(E, base, E->t_hi);
            if (cs_sim_hold_trial(d, base, h, j, NULL, 0, &err) != 0) {
                driver_fail(d, &err);
                break;
            }
        }
    }
    cs_sim_workspace_free(base);
    cs_sim_hold_scratch_free(h);
    return NULL;
}

int cs_sim_drivers_begin(driver_state *d)
{
    pthread_mutex_init(&d->lock, NULL);
    atomic_init(&d->next, 0);
    d->held = calloc(d->n_variations ? d->n_variations : 1, sizeof(double));
    d->held_path = calloc(d->n_variations ? d->n_variations : 1, sizeof(double *));
    if (!d->held || !d->held_path) {
        free(d->held);
        free(d->held_path);
        d->held = NULL;
        d->held_path = NULL;
        d->failed = true;
        d->error = (trial_error){0, "out of memory in the drivers"};
        return -1;
    }
    const cs_model *m = d->E->m;
    for (size_t k = 0; k < d->n_variations; k++) {
        const variation *v = &d->variations[k];
        d->held[k] = 0;
        if (v->hold_input < 0)
            continue;
        const input_store *in = &d->E->inputs[v->hold_input];
        double q = v->hold_quantile;
        switch (in->kind) {
        case CS_INPUT_ELEMENT:
            d->held[k] = cs_dist_hold_value(&m->elements[in->index].dist, q);
            break;
        case CS_INPUT_RISK:
            d->held[k] = cs_dist_hold_value(&m->risks[in->index].impact, q);
            break;
        case CS_INPUT_SLIP:
            d->held[k] = cs_dist_hold_value(&m->slip, q);
            break;
        case CS_INPUT_INFLATION:
            d->held[k] = cs_dist_hold_value(&m->currencies[in->index].inflation, q);
            break;
        case CS_INPUT_FX: {
            size_t c = in->index;
            const cs_currency *cu = &m->currencies[c];
            double eps = gsl_cdf_ugaussian_Pinv(q) / sqrt(d->t_years > 0 ? (double)d->t_years : 1);
            double *r = d->held_path[k] = malloc(((size_t)d->E->t_hi + 1) * sizeof(double));
            if (!r)
                break;
            double prev = d->E->log_rate[c];
            r[0] = cu->rate;
            for (int t = 1; t <= d->E->t_hi; t++) {
                prev = cs_sim_fx_step(cu, d->E->log_rate[c], prev, eps);
                r[t] = exp(prev);
            }
            break;
        }
        }
        if (in->kind == CS_INPUT_FX && !d->held_path[k]) {
            d->failed = true;
            d->error = (trial_error){0, "out of memory in the drivers"};
        }
    }
    return d->failed ? -1 : 0;
}

void cs_sim_drivers_end(driver_state *d)
{
    pthread_mutex_destroy(&d->lock);
    for (size_t k = 0; d->held_path && k < d->n_variations; k++)
        free(d->held_path[k]);
    free(d->held_path);
    free(d->held);
    d->held = NULL;
    d->held_path = NULL;
    if (cs_cancel_requested(d->E->cancel) && !d->failed) { /* the workers stopped early */
        d->failed = true;
        d->error = (trial_error){0, "cancelled"};
    }
}

int cs_sim_run_drivers(driver_state *d, const cs_run_options *opt)
{
    if (cs_sim_drivers_begin(d) != 0) {
        cs_sim_drivers_end(d);
        return -1;
    }
    unsigned n = cs_sim_thread_count(opt);
    pthread_t *threads = calloc(n, sizeof *threads);
    unsigned started = 1;
    if (threads)
        for (unsigned i = 1; i < n; i++) {
            if (pthread_create(&threads[i], NULL, driver_worker, d) != 0)
                break;
            started++;
        }
    driver_worker(d);
    for (unsigned i = 1; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    cs_sim_drivers_end(d);
    return d->failed ? -1 : 0;
}

/* Sets up the inputs whose draws are stored for the drivers. */
int cs_sim_setup_inputs(engine *E, uint64_t n_sens)
{
    bool failed = false;
    E->n_sens = n_sens;
    E->element_input = cs_sim_xcalloc(E->ne, sizeof(int), &failed);
    E->risk_input = cs_sim_xcalloc(E->nr, sizeof(int), &failed);
    E->inflation_input = cs_sim_xcalloc(E->nc, sizeof(int), &failed);
    E->fx_input = cs_sim_xcalloc(E->nc, sizeof(int), &failed);
    E->inputs = cs_sim_xcalloc(E->ne + E->nr + 2 * E->nc + 1, sizeof(input_store), &failed);
    if (failed)
        return -1;
    size_t n = 0;
    for (size_t e = 0; e < E->ne; e++) {
        E->element_input[e] = -1;
        if (!E->element_fixed[e]) {
            E->element_input[e] = (int)n;
            E->inputs[n++] = (input_store){CS_INPUT_ELEMENT, e, NULL};
            E->has_source[SRC_ELEMENT] = true;
        }
    }
    for (size_t r = 0; r < E->nr; r++) {
        E->risk_input[r] = -1;
        if (!E->risk_certain[r]) {
            E->has_source[SRC_RISK] = true;
            E->risk_input[r] = (int)n;
            E->inputs[n++] = (input_store){CS_INPUT_RISK, r, NULL};
        }
    }
    if (!E->slip_fixed) {
        E->inputs[n++] = (input_store){CS_INPUT_SLIP, 0, NULL};
        E->has_source[SRC_SLIP] = true;
    }
    for (size_t c = 0; c < E->nc; c++) {
        E->inflation_input[c] = -1;
        if (!E->inflation_fixed[c]) {
            E->inflation_input[c] = (int)n;
            E->inputs[n++] = (input_store){CS_INPUT_INFLATION, c, NULL};
            E->has_source[SRC_INFLATION] = true;
        }
    }
    for (size_t c = 0; c < E->nc; c++) {
        E->fx_input[c] = -1;
        if (E->stochastic[c]) {
            E->fx_input[c] = (int)n;
            E->inputs[n++] = (input_store){CS_INPUT_FX, c, NULL};
            E->has_source[SRC_FX] = true;
        }
    }
    E->n_inputs = n;
    return 0;
}

uint64_t cs_sim_stream_input_bytes = STREAM_INPUT_BYTES;

size_t cs_sim_element_inputs(const engine *E)
{
    size_t n = 0;
    for (size_t e = 0; e < E->ne; e++)
        n += !E->element_fixed[e];
    return n;
}

bool cs_sim_stream_elements(const engine *E, uint64_t n_sens)
{
    return (long double)cs_sim_element_inputs(E) * (long double)n_sens * 8 >
           (long double)cs_sim_stream_input_bytes;
}

int cs_sim_alloc_input_values(engine *E)
{
    bool failed = false;
    E->sens_slip = cs_sim_xcalloc((size_t)E->n_sens, sizeof(double), &failed);
    for (size_t i = 0; !failed && i < E->n_inputs; i++)
        if (!(E->stream_elements && E->inputs[i].kind == CS_INPUT_ELEMENT))
            E->inputs[i].values = cs_sim_xcalloc((size_t)E->n_sens, sizeof(double), &failed);
    return failed ? -1 : 0;
}
