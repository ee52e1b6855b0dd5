/* engine trial: evaluates one trial's draws into the three measures. Per
 * currency it builds the year factors (inflation x hedged/spot conversion /
 * report spot) and their prefix sums, so every element's sum over its years
 * is O(1) (once, per_year) or O(units) (per_unit, per_unit_year); the
 * funding profile adds each flow's base-year amount to its years, per
 * currency (year_amount), so a year holds only its own flows. */
#include "engine_internal.h"

/* The evaluation is specialised by inlining with constant flags (every
 * measure, or the drivers' nominal one); GCC and Clang are told to. */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Years of element e at slip s, from the cache when there is one. */
static inline void element_years(const engine *E, size_t e, int s, int *st, int *en)
{
    if (E->element_years && s >= 0 && s <= E->s_max) {
        const int *y = E->element_years + 2 * ((size_t)s * E->ne + e);
        *st = y[0];
        *en = y[1];
    } else {
        cs_sim_element_years(E, e, s, st, en);
    }
}

/* Whether element e costs nothing at slip s: if_empty zero and an empty
 * range of years. */
static inline bool empty_at(const engine *E, size_t e, int s)
{
    if (!E->m->elements[e].if_empty_zero)
        return false;
    int st, en;
    cs_sim_element_years(E, e, s, &st, &en);
    return en < st;
}

/* Sum of a prefix array over year indices a .. b. */
static inline double span(const double *P, int a, int b) { return P[b + 1] - P[a]; }

/* 1 / the report currency's rate for year indices 0 .. T. */
static void report_inverse(const engine *E, workspace *w, int T)
{
    size_t years = (size_t)E->t_hi + 1;
    const double *report_rate = w->rate + E->m->report_currency * years;
    for (int t = 0; t <= T; t++)
        w->inv_report[t] = 1 / report_rate[t];
}

/* The year factors of every currency for year indices 0 .. T from the
 * inflation and rates in each of the `lanes` workspaces f[l] (docs/METHOD.md):
 * F_c(t) = (1+i_c)^t (h hedge_rate + (1-h) r_c(t)) / r_report(t),
 * G_c(t) = F_c(t) / (1+d)^t, and the prefix sums of F, G, t F and t G (with
 * all false F and its sums only, which is all the nominal measure reads).
 * The t-weighted sums are built only for a currency with a front or back
 * profile, their only user. Several lanes run side by side, independent
 * chains of escalation and prefix sums, each with the same operations in
 * the same order as on its own. Inlined with constant lanes and flags. */
static ALWAYS_INLINE void year_factors(const engine *E, workspace *const f[], int lanes, int T,
                                       bool all)
{
    size_t years = (size_t)E->t_hi + 1;
    for (int l = 0; l < lanes; l++)
        report_inverse(E, f[l], T);
    for (size_t c = 0; c < E->nc; c++) {
        double hedged = E->hedged[c], unhedged = E->unhedged[c];
        bool shaped = E->unit_kinds[c] & CS_UNIT_SHAPED;
        double grow[CS_LANES], escalation[CS_LANES], pf[CS_LANES], pg[CS_LANES];
        double ptf[CS_LANES], ptg[CS_LANES];
        for (int l = 0; l < lanes; l++) {
            workspace *w = f[l];
            grow[l] = 1 + w->inflation[c];
            escalation[l] = 1;
            pf[l] = pg[l] = ptf[l] = ptg[l] = 0;
            w->PF[c * (years + 1)] = w->PG[c * (years + 1)] = 0;
            w->PTF[c * (years + 1)] = w->PTG[c * (years + 1)] = 0;
        }
        for (int t = 0; t <= T; t++)
            for (int l = 0; l < lanes; l++) {
                workspace *w = f[l];
                size_t at = c * years + (size_t)t, next = c * (years + 1) + (size_t)t + 1;
                double v = escalation[l] * (hedged + unhedged * w->rate[at]) * w->inv_report[t];
                w->F[at] = v;
                w->PF[next] = pf[l] += v;
                if (shaped)
                    w->PTF[next] = ptf[l] += t * v;
                if (all) {
                    double g = v * E->discount[t];
                    w->G[at] = g;
                    w->PG[next] = pg[l] += g;
                    if (shaped)
                        w->PTG[next] = ptg[l] += t * g;
                }
                escalation[l] *= grow[l];
            }
    }
}

void cs_sim_build_factors(const engine *E, workspace *w, int T)
{
    year_factors(E, &w, 1, T, true);
}

void cs_sim_build_nominal_factors(const engine *E, workspace *w, int T)
{
    year_factors(E, &w, 1, T, false);
}

void cs_sim_build_nominal_factors_lanes(const engine *E, workspace *const f[], int lanes, int T)
{
    if (lanes == 4)
        year_factors(E, f, 4, T, false);
    else if (lanes == 2)
        year_factors(E, f, 2, T, false);
    else
        year_factors(E, f, 1, T, false);
}

/* Turns the draws in w into the three totals; with detail also the phase,
 * element, risk and per-year amounts. */
void cs_sim_evaluate(const engine *E, workspace *w, bool detail)
{
    cs_sim_build_factors(E, w, w->t_end);
    cs_sim_sum_flows(E, w, w, detail);
}

/* The last two year amounts an evaluation added to,
 * held in registers: consecutive elements often add to the same year (W1:
 * every element to one), and a load, add and store of memory per element
 * would chain them. Each slot is in the cache or in memory, never both, and
 * gets the same additions in the same order either way, so the sums are
 * the same bits. */
typedef struct {
    double *slot[2];
    double value[2];
    int next; /* the one to give up next */
} slot_cache;

static ALWAYS_INLINE void slot_add(slot_cache *sc, double *slot, double v)
{
    if (slot == sc->slot[0]) {
        sc->value[0] += v;
    } else if (slot == sc->slot[1]) {
        sc->value[1] += v;
    } else {
        int i = sc->next;
        if (sc->slot[i])
            *sc->slot[i] = sc->value[i];
        sc->slot[i] = slot;
        sc->value[i] = *slot + v;
        sc->next = 1 - i;
    }
}

static ALWAYS_INLINE void slot_flush(slot_cache *sc)
{
    for (int i = 0; i < 2; i++)
        if (sc->slot[i])
            *sc->slot[i] = sc->value[i];
    sc->slot[0] = sc->slot[1] = NULL;
}

/* Adds v to each of the year amounts amt[st .. en]: one year through the
 * cache, more in memory once the cache has given its slots back (a slot is
 * in the cache or in memory, never both). */
static ALWAYS_INLINE void years_add(slot_cache *sc, double *amt, int st, int en, double v)
{
    if (st == en) {
        slot_add(sc, &amt[st], v);
        return;
    }
    slot_flush(sc);
    for (int t = st; t <= en; t++)
        amt[t] += v;
}

/* One element's nominal and present-value sums over its years and its
 * base-year amount (sums[0..2]; with all false only the nominal sum);
 * with detail also its base-year amount in each of its years, added to its
 * currency's year_amount (per_unit and per_unit_year: through the unit
 * amounts, unit_flows). Inlined with constant flags, so the nominal-only
 * evaluation of the drivers does none of the rest. */
static ALWAYS_INLINE void element_flows(const engine *E, workspace *w, const workspace *f, size_t e,
                                 int s, bool detail, bool all, double sums[3], slot_cache *sc)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1;
    const cs_element *el = &m->elements[e];
    size_t c = el->currency;
    const double *PF = f->PF + c * (years + 1), *PG = f->PG + c * (years + 1);
    double *amt = w->year_amount + c * (years + 1);
    double a = w->x[e] * el->scale, n_sum = 0, p_sum = 0, base_sum = 0;
    if (empty_at(E, e, s)) {
        sums[0] = sums[1] = sums[2] = 0;
        return;
    }
    switch (el->basis) {
    case CS_BASIS_ONCE: {
        int st, en;
        element_years(E, e, s, &st, &en);
        double n = en - st + 1;
        if (el->profile == CS_PROFILE_FLAT) {
            /* Over one year (n = 1, the common case) the divisions are
             * exact and skipped: the same bits, without their latency. */
            bool one = st == en;
            n_sum = a * span(PF, st, en);
            if (!one)
                n_sum /= n;
            if (all) {
                p_sum = a * span(PG, st, en);
                if (!one)
                    p_sum /= n;
            }
            if (detail)
                years_add(sc, amt, st, en, one ? a : a / n);
        } else {
            /* Weights over n years: front n, n-1, ..., 1; back 1, ..., n;
             * normalised by n(n+1)/2. Weight at year index t is
             * (n + st - t)/S (front) or (t - st + 1)/S (back). */
            const double *PTF = f->PTF + c * (years + 1), *PTG = f->PTG + c * (years + 1);
            double S = n * (n + 1) / 2, k0, k1; /* weight = (k0 + k1 t)/S */
            if (el->profile == CS_PROFILE_FRONT) {
                k0 = n + st;
                k1 = -1;
            } else {
                k0 = 1 - st;
                k1 = 1;
            }
            n_sum = a / S * (k0 * span(PF, st, en) + k1 * span(PTF, st, en));
            if (all)
                p_sum = a / S * (k0 * span(PG, st, en) + k1 * span(PTG, st, en));
            if (detail) { /* year t's weight k0 + k1 t is a whole number */
                slot_flush(sc);
                for (int t = st; t <= en; t++)
                    amt[t] += a * (k0 + k1 * t) / S;
            }
        }
        base_sum = a;
        break;
    }
    case CS_BASIS_PER_YEAR: {
        int st, en;
        element_years(E, e, s, &st, &en);
        n_sum = a * span(PF, st, en);
        if (all) {
            p_sum = a * span(PG, st, en);
            base_sum = a * (en - st + 1);
        }
        if (detail)
            years_add(sc, amt, st, en, a);
        break;
    }
    case CS_BASIS_PER_UNIT: {
        const double *wk = E->unit_weight[e];
        const double *un = w->unit_n + c * (size_t)m->units, *up = w->unit_p + c * (size_t)m->units;
        double *amount = w->unit_amount + c * (size_t)m->units;
        double scale = a / m->build_years;
        for (int k = 0; k < m->units; k++) {
            double share = scale * wk[k];
            n_sum += share * un[k];
            if (all)
                p_sum += share * up[k];
            if (detail)
                amount[k] += share;
        }
        if (all)
            base_sum = a * E->unit_weight_sum[e];
        break;
    }
    case CS_BASIS_PER_UNIT_YEAR:
    default: {
        n_sum = a * w->service_n[c];
        if (all) {
            p_sum = a * w->service_p[c];
            base_sum = a * (double)m->units * m->service_life;
        }
        if (detail)
            w->service_amount[c] += a;
        break;
    }
    }
    /* Nothing paid has no present value, even where the discount factor
     * has overflowed (a rate near -1 over centuries): 0 x inf would be a
     * NaN that stops the run. */
    if (a == 0 && isnan(p_sum))
        p_sum = 0;
    sums[0] = n_sum;
    sums[1] = p_sum;
    sums[2] = base_sum;
}

/* The sums every per_unit and per_unit_year element of currency c shares
 * in this evaluation: per unit k (delivered in year index d_k = d0 +
 * offset_k) the nominal and pv factor sums over its build years d_k - B ..
 * d_k - 1, and over all units the sums over the service years d_k ..
 * d_k + L - 1 (with all false the nominal ones only). Clears the
 * currency's amounts for the funding profile. */
static ALWAYS_INLINE void unit_sums(const engine *E, workspace *w, const workspace *f, size_t c,
                                     int d0, bool all)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1, U = (size_t)m->units;
    const double *PF = f->PF + c * (years + 1), *PG = f->PG + c * (years + 1);
    int B = m->build_years, L = m->service_life;
    /* Only the years the currency's elements pay in: the others may lie
     * outside the tables (e.g. service years of a model without
     * per_unit_year elements). */
    bool build = E->unit_kinds[c] & CS_UNIT_BUILD, service = E->unit_kinds[c] & CS_UNIT_SERVICE;
    double sn = 0, sp = 0;
    for (size_t k = 0; k < U; k++) {
        int d = d0 + E->unit_offset[k];
        w->unit_n[c * U + k] = build ? span(PF, d - B, d - 1) : 0;
        if (all)
            w->unit_p[c * U + k] = build ? span(PG, d - B, d - 1) : 0;
        w->unit_amount[c * U + k] = 0;
        if (service) {
            sn += span(PF, d, d + L - 1);
            if (all)
                sp += span(PG, d, d + L - 1);
        }
    }
    w->service_n[c] = sn;
    w->service_p[c] = sp;
    w->service_amount[c] = 0;
}

/* The per_unit and per_unit_year amounts of each currency into its
 * year_amount: unit k's share in each of its build years, and the yearly
 * amount times the number of units in service in each year (counted
 * exactly, so a year after the last unit's service gets exactly 0). */
static void unit_flows(const engine *E, workspace *w, int d0)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1, U = (size_t)m->units;
    int B = m->build_years, L = m->service_life;
    /* Units in service per year (the same for every currency), counted
     * once when some currency pays per unit and year: [lo, hi). */
    int lo = 0, hi = 0;
    for (size_t c = 0; c < E->nc && hi == 0; c++)
        if (w->unit_ready[c] && (E->unit_kinds[c] & CS_UNIT_SERVICE)) {
            memset(w->in_service, 0, sizeof(int) * (years + 1));
            lo = INT_MAX;
            for (size_t k = 0; k < U; k++) {
                int d = d0 + E->unit_offset[k];
                w->in_service[d]++;
                w->in_service[d + L]--;
                lo = d < lo ? d : lo;
                hi = d + L > hi ? d + L : hi;
            }
        }
    for (size_t c = 0; c < E->nc; c++) {
        if (!w->unit_ready[c])
            continue;
        double *amt = w->year_amount + c * (years + 1), yearly = w->service_amount[c];
        if (E->unit_kinds[c] & CS_UNIT_BUILD)
            for (size_t k = 0; k < U; k++) {
                int d = d0 + E->unit_offset[k];
                double share = w->unit_amount[c * U + k];
                for (int t = d - B; t < d; t++)
                    amt[t] += share;
            }
        if (E->unit_kinds[c] & CS_UNIT_SERVICE)
            for (int t = lo, n = 0; t < hi; t++) {
                n += w->in_service[t];
                if (n)
                    amt[t] += yearly * n;
            }
    }
}

/* The nominal amount of each year (the funding profile) from the
 * currencies' year amounts. */
static void year_profile(const engine *E, workspace *w, const workspace *f, int T)
{
    size_t years = (size_t)E->t_hi + 1, nc = E->nc;
    memset(w->year_nominal, 0, sizeof(double) * ((size_t)T + 1));
    for (size_t c = 0; c < nc; c++) {
        const double *amt = w->year_amount + c * (years + 1);
        const double *F = f->F + c * years;
        for (int t = 0; t <= T; t++)
            w->year_nominal[t] += amt[t] * F[t];
    }
}

/* The sums of cs_sim_evaluate() with the year factors taken from f (w
 * itself, or a trial whose inflation and rates w shares): every measure
 * (all), or the nominal one only (all false: then only F and its sums are
 * read, and with detail only the nominal phases are set). Inlined into its
 * callers with constant flags. */
static ALWAYS_INLINE void sum_flows(const engine *E, workspace *w, const workspace *f, bool detail,
                             bool all)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1, nc = E->nc, ne = E->ne, nr = E->nr;
    int T = w->t_end;
    int s = E->uses_schedule ? w->s : 0;
    if (detail)
        for (size_t c = 0; c < nc; c++)
            memset(w->year_amount + c * (years + 1), 0, sizeof(double) * ((size_t)T + 2));

    double *con = w->contrib, *nom = w->contrib + (ne + nr), *pv = w->contrib + 2 * (ne + nr);
    double tc = 0, tn = 0, tp = 0;
    int d0 = m->has_first_delivery ? cs_model_delivery_year(m, s, 1) - m->base_year : 0;
    memset(w->unit_ready, 0, nc);
    slot_cache sc = {{NULL, NULL}, {0, 0}, 0};
    for (size_t e = 0; e < ne; e++) {
        double sums[3];
        size_t ce = m->elements[e].currency;
        if (!w->unit_ready[ce] && (m->elements[e].basis == CS_BASIS_PER_UNIT ||
                                   m->elements[e].basis == CS_BASIS_PER_UNIT_YEAR)) {
            unit_sums(E, w, f, ce, d0, all);
            w->unit_ready[ce] = 1;
        }
        element_flows(E, w, f, e, s, detail, all, sums, &sc);
        nom[e] = sums[0];
        /* The totals add contributions in index order, three independent
         * chains (the same sums as adding each measure's array in order). */
        tn += nom[e];
        if (all) {
            con[e] = sums[2] * E->const_factor[ce];
            pv[e] = sums[1];
            tc += con[e];
            tp += pv[e];
        }
    }
    slot_flush(&sc);
    for (size_t r = 0; r < nr; r++) {
        size_t k = ne + r;
        if (!w->occurs[r]) {
            con[k] = nom[k] = pv[k] = 0;
            tc += 0.0; /* as the in-order sum does (turns -0 into +0) */
            tn += 0.0;
            tp += 0.0;
            continue;
        }
        const cs_risk *rk = &m->risks[r];
        size_t c = rk->currency;
        int t = cs_sim_risk_year(E, r, s);
        double a = w->impact[r] * rk->scale;
        nom[k] = a * f->F[c * years + (size_t)t];
        tn += nom[k];
        if (all) {
            con[k] = a * E->const_factor[c];
            double g = f->G[c * years + (size_t)t];
            pv[k] = a == 0 && !isfinite(g) ? 0 : a * g; /* as for elements */
            tc += con[k];
            tp += pv[k];
        }
        if (detail)
            w->year_amount[c * (years + 1) + (size_t)t] += a;
    }
    w->total[CS_NOMINAL] = tn;
    if (all) {
        w->total[CS_CONSTANT] = tc;
        w->total[CS_PV] = tp;
    }
    if (detail) {
        /* Each phase's sum in registers, its members in the order of
         * adding every element's, then every risk's, contribution to it:
         * three chains, not a load and store of the phase per member. */
        double *phc = w->phase + CS_CONSTANT * E->np, *phn = w->phase + CS_NOMINAL * E->np;
        double *php = w->phase + CS_PV * E->np;
        for (size_t p = 0; p < E->np; p++) {
            double sum_con = 0, sum_nom = 0, sum_pv = 0;
            for (size_t q = E->member_start[p]; q < E->member_start[p + 1]; q++) {
                size_t k = E->phase_members[q];
                sum_nom += nom[k];
                if (all) {
                    sum_con += con[k];
                    sum_pv += pv[k];
                }
            }
            phn[p] = sum_nom;
            if (all) {
                phc[p] = sum_con;
                php[p] = sum_pv;
            }
        }
        unit_flows(E, w, d0);
        year_profile(E, w, f, T);
    }
}

void cs_sim_sum_flows(const engine *E, workspace *w, const workspace *f, bool detail)
{
    if (detail)
        sum_flows(E, w, f, true, true);
    else
        sum_flows(E, w, f, false, true);
}

void cs_sim_sum_nominal(const engine *E, workspace *w, const workspace *f)
{
    sum_flows(E, w, f, false, false);
}

void cs_sim_sum_nominal_flows(const engine *E, workspace *w, const workspace *f)
{
    sum_flows(E, w, f, true, false);
}

void cs_sim_year_amounts(const engine *E, const workspace *w, double *amount)
{
    size_t years = (size_t)E->t_hi + 1;
    for (size_t c = 0; c < E->nc; c++) {
        const double *amt = w->year_amount + c * (years + 1);
        double *a = amount + c * years;
        memcpy(a, amt, sizeof(double) * ((size_t)w->t_end + 1));
        for (size_t t = (size_t)w->t_end + 1; t < years; t++)
            a[t] = 0; /* past the trial's last year: never read */
    }
}

/* ---- Element costs under several factor sets at once ---- */

struct cs_lane_scratch {
    double *unit_n;    /* CS_LANES x nc x units: unit k's build-year sum */
    double *service_n; /* CS_LANES x nc: the service-year sums of all units */
    unsigned char *ready; /* nc: the currency's unit sums are set */
};

lane_scratch *cs_sim_lane_scratch_alloc(const engine *E)
{
    bool failed = false;
    lane_scratch *ls = calloc(1, sizeof *ls);
    if (!ls)
        return NULL;
    size_t units = E->m->units > 0 ? (size_t)E->m->units : 1, nc = E->nc ? E->nc : 1;
    ls->unit_n = cs_sim_xcalloc(CS_LANES * nc * units, sizeof(double), &failed);
    ls->service_n = cs_sim_xcalloc(CS_LANES * nc, sizeof(double), &failed);
    ls->ready = cs_sim_xcalloc(nc, 1, &failed);
    if (failed) {
        cs_sim_lane_scratch_free(ls);
        return NULL;
    }
    return ls;
}

void cs_sim_lane_scratch_free(lane_scratch *ls)
{
    if (!ls)
        return;
    free(ls->unit_n);
    free(ls->service_n);
    free(ls->ready);
    free(ls);
}

/* unit_sums() of currency c, nominal sums only, for each of the lanes. */
static ALWAYS_INLINE void lane_unit_sums(const engine *E, const workspace *const f[], int lanes,
                                         size_t c, int d0, lane_scratch *ls)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1, U = (size_t)m->units, nc = E->nc;
    int B = m->build_years, L = m->service_life;
    bool build = E->unit_kinds[c] & CS_UNIT_BUILD, service = E->unit_kinds[c] & CS_UNIT_SERVICE;
    for (int l = 0; l < lanes; l++) {
        const double *PF = f[l]->PF + c * (years + 1);
        double *un = ls->unit_n + ((size_t)l * nc + c) * U, sn = 0;
        for (size_t k = 0; k < U; k++) {
            int d = d0 + E->unit_offset[k];
            un[k] = build ? span(PF, d - B, d - 1) : 0;
            if (service)
                sn += span(PF, d, d + L - 1);
        }
        ls->service_n[(size_t)l * nc + c] = sn;
    }
}

/* cs_sim_unit_costs with a constant number of lanes once inlined. */
static ALWAYS_INLINE void unit_costs(const engine *E, int s_trial, const workspace *const f[],
                                     int lanes, lane_scratch *ls, double *out)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1, ne = E->ne, nc = E->nc, U = (size_t)m->units;
    int s = E->uses_schedule ? s_trial : 0;
    int d0 = m->has_first_delivery ? cs_model_delivery_year(m, s, 1) - m->base_year : 0;
    memset(ls->ready, 0, nc);
    for (size_t e = 0; e < ne; e++) {
        const cs_element *el = &m->elements[e];
        size_t c = el->currency;
        double a = el->scale, v[CS_LANES];
        const double *PF[CS_LANES];
        for (int l = 0; l < lanes; l++)
            PF[l] = f[l]->PF + c * (years + 1);
        if (empty_at(E, e, s)) {
            for (int l = 0; l < lanes; l++)
                out[(size_t)l * ne + e] = 0;
            continue;
        }
        switch (el->basis) {
        case CS_BASIS_ONCE: {
            int st, en;
            element_years(E, e, s, &st, &en);
            double n = en - st + 1;
            if (el->profile == CS_PROFILE_FLAT) {
                for (int l = 0; l < lanes; l++)
                    v[l] = a * span(PF[l], st, en);
                if (st != en)
                    for (int l = 0; l < lanes; l++)
                        v[l] /= n;
            } else {
                double S = n * (n + 1) / 2, k0 = el->profile == CS_PROFILE_FRONT ? n + st : 1 - st;
                double k1 = el->profile == CS_PROFILE_FRONT ? -1 : 1;
                for (int l = 0; l < lanes; l++) {
                    const double *PTF = f[l]->PTF + c * (years + 1);
                    v[l] = a / S * (k0 * span(PF[l], st, en) + k1 * span(PTF, st, en));
                }
            }
            break;
        }
        case CS_BASIS_PER_YEAR: {
            int st, en;
            element_years(E, e, s, &st, &en);
            for (int l = 0; l < lanes; l++)
                v[l] = a * span(PF[l], st, en);
            break;
        }
        case CS_BASIS_PER_UNIT: {
            if (!ls->ready[c]) {
                lane_unit_sums(E, f, lanes, c, d0, ls);
                ls->ready[c] = 1;
            }
            const double *wk = E->unit_weight[e];
            double scale = a / m->build_years;
            for (int l = 0; l < lanes; l++)
                v[l] = 0;
            for (size_t k = 0; k < U; k++) {
                double share = scale * wk[k];
                for (int l = 0; l < lanes; l++)
                    v[l] += share * ls->unit_n[((size_t)l * nc + c) * U + k];
            }
            break;
        }
        case CS_BASIS_PER_UNIT_YEAR:
        default:
            if (!ls->ready[c]) {
                lane_unit_sums(E, f, lanes, c, d0, ls);
                ls->ready[c] = 1;
            }
            for (int l = 0; l < lanes; l++)
                v[l] = a * ls->service_n[(size_t)l * nc + c];
            break;
        }
        for (int l = 0; l < lanes; l++)
            out[(size_t)l * ne + e] = v[l];
    }
}

void cs_sim_unit_costs(const engine *E, int s, const workspace *const f[], int lanes,
                       lane_scratch *ls, double *out)
{
    if (lanes == 4)
        unit_costs(E, s, f, 4, ls, out);
    else if (lanes == 2)
        unit_costs(E, s, f, 2, ls, out);
    else
        unit_costs(E, s, f, 1, ls, out);
}
