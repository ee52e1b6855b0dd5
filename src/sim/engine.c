/* engine: Monte Carlo trials of a cs_model and the statistics of them.
 *
 * A trial is two steps. draw_trial() takes every random input from its own
 * counter-based stream (rng.h) — element draws through a Gaussian copula,
 * risk occurrences and impacts, the slip, each currency's inflation — and
 * fx_paths() builds the exchange-rate paths. evaluate() then turns the draws
 * into the three measures: per currency it builds the year factors
 * (inflation x hedged/spot conversion / report spot, SPEC §9) and their
 * prefix sums, so that every element's sum over its years is O(1) (once,
 * per_year) or O(units) (per_unit, per_unit_year). The funding profile uses
 * difference arrays of base-year amounts per currency.
 *
 * Trials run in blocks of a fixed size that does not depend on the thread
 * count; each block keeps exact totals (one slot per trial), per-row moments
 * and a compacted quantile sketch (stats.h), merged in block order, so the
 * output is byte-identical for any --threads. The drivers (sensitivity,
 * attribution, tornado) are measured on the first CS_SENSITIVITY_TRIALS
 * trials from stored draws, re-evaluated with inputs frozen or held.
 *
 * Not here: loading or validating input (loader.c), writing files
 * (report*.c), printing. */
#include "engine.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>

#include "rng.h"
#include "stats.h"

#define BLOCK_MAX 32768
#define BLOCK_BUFFER_BYTES (64u << 20)
#define N_SOURCES 5
#define TORNADO_MAX 10

static volatile sig_atomic_t cancel_requested;

void cs_engine_cancel(void) { cancel_requested = 1; }

/* ---- The prepared engine ----------------------------------------------- */

typedef enum { SRC_ELEMENT, SRC_RISK, SRC_SLIP, SRC_INFLATION, SRC_FX } source;
static const char *const source_names[N_SOURCES] = {"element", "risk", "slip", "inflation",
                                                     "fx"};

/* An uncertain input whose draws are stored for the drivers. */
typedef struct {
    cs_input_kind kind;
    size_t index; /* element, risk or currency index */
    double *values; /* one per sensitivity trial */
} input_store;

typedef struct {
    const cs_model *m;
    size_t ne, nr, nc, np;
    cs_rng_key *element_key, *risk_key, *inflation_key, *fx_key, slip_key;
    bool *element_fixed, *risk_certain;
    bool slip_fixed;
    double *inflation_point;  /* per currency */
    bool *inflation_fixed;
    int *group_of, *group_pos; /* per element: corr group and position, -1 */
    size_t max_group;
    double **unit_weight;     /* per_unit elements: k^log2(learning), k = 1..units */
    double *unit_weight_sum;
    int *unit_offset;         /* floor((k-1) m / 1000), k = 1..units */
    bool uses_schedule;       /* any year depends on the slip */
    int s_max;                /* largest slip the tables cover */
    int *s_first, *s_last;    /* per slip: year index range of element flows */
    int *s_bad_element;       /* per slip: first element with a bad range, -1 */
    int *s_bad_year;
    int t_lo, t_hi;           /* year index bounds of any trial */
    double *discount;         /* (1+d)^-t, t = 0 .. t_hi */
    double *hedged, *unhedged, *const_factor, *log_rate;
    bool *stochastic;
    int *fx_pos;              /* per currency: position in the fx group, -1 */
    size_t n_fx;
    size_t rows_per_measure;  /* phases + elements + risks */
    size_t n_year_rows;       /* t_lo .. t_hi */
    size_t n_rows;            /* 3 * rows_per_measure + n_year_rows */
    size_t block;             /* trials per block */
    /* drivers */
    uint64_t n_sens;          /* trials whose draws are stored */
    size_t n_inputs;
    input_store *inputs;
    double *sens_slip;        /* slip draw per sensitivity trial (always) */
    int *element_input, *risk_input, *inflation_input, *fx_input; /* -1 if none */
    bool has_source[N_SOURCES];
} engine;

/* A thread's scratch space: everything one trial touches. */
typedef struct {
    double *u, *x, *z;
    unsigned char *occurs;
    double *impact;
    double slip_draw;
    int s;
    double *inflation;
    double *rate;        /* nc x (t_hi + 1) */
    double *fx_u, *fx_z; /* n_fx x (t_hi + 1), n_fx */
    int t_end;           /* last year index of this trial */
    double *F, *G;       /* nc x (t_hi + 1) nominal / pv factors */
    double *PF, *PG, *PTF, *PTG; /* nc x (t_hi + 2) prefix sums */
    double *level, *slope;       /* nc x (t_hi + 2) difference arrays */
    double *year_nominal;        /* t_hi + 1 */
    double *contrib;     /* 3 x (ne + nr) */
    double *phase;       /* 3 x np */
    double total[CS_N_MEASURES];
    int year_lo, year_hi; /* year indices with a flow in this trial */
} workspace;

static int round_half_away(double x) { return (int)round(x); }

static void *xcalloc(size_t n, size_t size, bool *failed)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        *failed = true;
    return p;
}

/* A calendar year as a year index (year - base_year), kept inside int. */
static int year_index(const cs_model *m, int year)
{
    long long t = (long long)year - m->base_year;
    return t < INT_MIN ? INT_MIN : t > INT_MAX ? INT_MAX : (int)t;
}

/* Years of element e's flows at slip s, as year indices (cs_element_years). */
static void element_years(const engine *E, size_t e, int s, int *first, int *last)
{
    int a, b;
    cs_element_years(E->m, &E->m->elements[e], s, &a, &b);
    *first = year_index(E->m, a);
    *last = year_index(E->m, b);
}

static int risk_year(const engine *E, size_t r, int s)
{
    return year_index(E->m, cs_risk_year(E->m, &E->m->risks[r], s));
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

static void engine_free(engine *E)
{
    if (!E)
        return;
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
    for (size_t i = 0; i < E->n_inputs; i++)
        free(E->inputs[i].values);
    free(E->inputs);
    free(E->sens_slip);
    free(E->element_input);
    free(E->risk_input);
    free(E->inflation_input);
    free(E->fx_input);
    free(E);
}

static size_t block_size(size_t n_rows)
{
    size_t b = BLOCK_MAX;
    while (b > 1024 && (uint64_t)b * n_rows * sizeof(double) > BLOCK_BUFFER_BYTES)
        b -= 1024;
    return b;
}

/* Builds the tables of one run. Returns NULL with a message on failure. */
static engine *engine_prepare(const cs_model *m, cs_diag *diag)
{
    bool failed = false;
    engine *E = calloc(1, sizeof *E);
    if (!E)
        goto oom;
    E->m = m;
    E->ne = m->n_elements;
    E->nr = m->n_risks;
    E->nc = m->n_currencies;
    E->np = m->n_phases;
    size_t ne = E->ne, nr = E->nr, nc = E->nc;

    E->element_key = xcalloc(ne, sizeof(cs_rng_key), &failed);
    E->element_fixed = xcalloc(ne, sizeof(bool), &failed);
    E->group_of = xcalloc(ne, sizeof(int), &failed);
    E->group_pos = xcalloc(ne, sizeof(int), &failed);
    E->unit_weight = xcalloc(ne, sizeof(double *), &failed);
    E->unit_weight_sum = xcalloc(ne, sizeof(double), &failed);
    E->risk_key = xcalloc(nr, sizeof(cs_rng_key), &failed);
    E->risk_certain = xcalloc(nr, sizeof(bool), &failed);
    E->inflation_key = xcalloc(nc, sizeof(cs_rng_key), &failed);
    E->fx_key = xcalloc(nc, sizeof(cs_rng_key), &failed);
    E->inflation_point = xcalloc(nc, sizeof(double), &failed);
    E->inflation_fixed = xcalloc(nc, sizeof(bool), &failed);
    E->hedged = xcalloc(nc, sizeof(double), &failed);
    E->unhedged = xcalloc(nc, sizeof(double), &failed);
    E->const_factor = xcalloc(nc, sizeof(double), &failed);
    E->log_rate = xcalloc(nc, sizeof(double), &failed);
    E->stochastic = xcalloc(nc, sizeof(bool), &failed);
    E->fx_pos = xcalloc(nc, sizeof(int), &failed);
    E->unit_offset = xcalloc((size_t)m->units, sizeof(int), &failed);
    if (failed)
        goto oom;

    for (size_t e = 0; e < ne; e++) {
        const cs_element *el = &m->elements[e];
        E->element_key[e] = cs_rng_key_make(m->seed, "element", el->id);
        E->element_fixed[e] = cs_dist_is_fixed(&el->dist);
        E->group_of[e] = -1;
        E->group_pos[e] = -1;
        if (el->basis == CS_BASIS_PER_UNIT) {
            /* Unit theory: unit k costs T1 k^b, b = log2(learning). */
            E->unit_weight[e] = xcalloc((size_t)m->units, sizeof(double), &failed);
            if (failed)
                goto oom;
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
        E->risk_key[r] = cs_rng_key_make(m->seed, "risk", rk->id);
        E->risk_certain[r] = rk->probability >= 1 && cs_dist_is_fixed(&rk->impact);
        if (yexpr_moves(rk->year))
            E->uses_schedule = true;
    }
    E->slip_key = cs_rng_key_make(m->seed, "slip", "");
    E->slip_fixed = cs_dist_is_fixed(&m->slip);

    const cs_currency *rep = &m->currencies[m->report_currency];
    for (size_t c = 0; c < nc; c++) {
        const cs_currency *cu = &m->currencies[c];
        E->inflation_key[c] = cs_rng_key_make(m->seed, "inflation", cu->code);
        E->fx_key[c] = cs_rng_key_make(m->seed, "fx", cu->code);
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

    /* Slip tables: the years each slip puts flows in, and the first
     * element whose range breaks (SPEC §3: before base_year, start > end,
     * beyond the last year). */
    int span_limit = CS_MAX_YEAR - m->base_year;
    E->s_max = E->uses_schedule ? max_slip(m) : 0;
    if (E->s_max > span_limit + 1)
        E->s_max = span_limit + 1; /* any larger slip is past the last year */
    size_t ns = (size_t)E->s_max + 1;
    E->s_first = xcalloc(ns, sizeof(int), &failed);
    E->s_last = xcalloc(ns, sizeof(int), &failed);
    E->s_bad_element = xcalloc(ns, sizeof(int), &failed);
    E->s_bad_year = xcalloc(ns, sizeof(int), &failed);
    if (failed)
        goto oom;
    E->t_lo = INT_MAX;
    E->t_hi = 0;
    for (size_t s = 0; s < ns; s++) {
        int lo = INT_MAX, hi = INT_MIN, bad = -1, bad_year = 0;
        for (size_t e = 0; e < ne; e++) {
            int a, b;
            element_years(E, e, (int)s, &a, &b);
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
            int y = risk_year(E, r, (int)s);
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
    E->discount = xcalloc((size_t)E->t_hi + 1, sizeof(double), &failed);
    if (failed)
        goto oom;
    for (int t = 0; t <= E->t_hi; t++)
        E->discount[t] = pow(1 + m->discount_rate, -(double)t);

    E->rows_per_measure = E->np + ne + nr;
    E->n_year_rows = (size_t)(E->t_hi - E->t_lo + 1);
    E->n_rows = CS_N_MEASURES * E->rows_per_measure + E->n_year_rows;
    E->block = block_size(E->n_rows);
    return E;
oom:
    cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while preparing the run");
    engine_free(E);
    return NULL;
}

/* ---- Drawing ------------------------------------------------------------- */

static void workspace_free(workspace *w)
{
    if (!w)
        return;
    free(w->u);
    free(w->x);
    free(w->z);
    free(w->occurs);
    free(w->impact);
    free(w->inflation);
    free(w->rate);
    free(w->fx_u);
    free(w->fx_z);
    free(w->F);
    free(w->G);
    free(w->PF);
    free(w->PG);
    free(w->PTF);
    free(w->PTG);
    free(w->level);
    free(w->slope);
    free(w->year_nominal);
    free(w->contrib);
    free(w->phase);
    free(w);
}

static workspace *workspace_alloc(const engine *E)
{
    bool failed = false;
    workspace *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    size_t years = (size_t)E->t_hi + 1, nc = E->nc;
    w->u = xcalloc(E->ne, sizeof(double), &failed);
    w->x = xcalloc(E->ne, sizeof(double), &failed);
    w->z = xcalloc(E->max_group, sizeof(double), &failed);
    w->occurs = xcalloc(E->nr, 1, &failed);
    w->impact = xcalloc(E->nr, sizeof(double), &failed);
    w->inflation = xcalloc(nc, sizeof(double), &failed);
    w->rate = xcalloc(nc * years, sizeof(double), &failed);
    w->fx_u = xcalloc(E->n_fx * years, sizeof(double), &failed);
    w->fx_z = xcalloc(E->n_fx, sizeof(double), &failed);
    w->F = xcalloc(nc * years, sizeof(double), &failed);
    w->G = xcalloc(nc * years, sizeof(double), &failed);
    w->PF = xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->PG = xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->PTF = xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->PTG = xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->level = xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->slope = xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->year_nominal = xcalloc(years, sizeof(double), &failed);
    w->contrib = xcalloc(CS_N_MEASURES * (E->ne + E->nr), sizeof(double), &failed);
    w->phase = xcalloc(CS_N_MEASURES * E->np, sizeof(double), &failed);
    if (failed) {
        workspace_free(w);
        return NULL;
    }
    return w;
}

/* A run-time error of one trial. */
typedef struct {
    uint64_t trial;
    char message[512];
} trial_error;

/* Slip of the trial from the unrounded draw and the risks that occur. */
static int trial_slip(const engine *E, double slip_draw, const unsigned char *occurs)
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
static int settle_schedule(const engine *E, workspace *w, uint64_t trial, trial_error *err)
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
        element_years(E, (size_t)bad, s, &a, &b);
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
        int y = risk_year(E, r, s);
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
static int draw_trial(const engine *E, workspace *w, uint64_t j, trial_error *err)
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
    w->s = trial_slip(E, w->slip_draw, w->occurs);

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

/* One step of a currency's log rate (SPEC §7). */
static double fx_step(const cs_currency *cu, double log_rate0, double prev, double eps)
{
    if (cu->fx_model == CS_FX_GBM)
        return prev + cu->drift - cu->volatility * cu->volatility / 2 + cu->volatility * eps;
    return prev + cu->reversion * (log_rate0 - prev) + cu->volatility * eps;
}

/* Exchange-rate paths of trial j for years 0 .. t_end (rate per year in
 * w->rate). Shocks: eps_t = L z_t, z from each currency's own stream. */
static void fx_paths(const engine *E, workspace *w, uint64_t j, int t_end)
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
    size_t nf = E->n_fx;
    if (nf == 0 || t_end < 1) {
        for (size_t i = 0; i < nf; i++)
            w->rate[m->fx_currencies[i] * years] = m->currencies[m->fx_currencies[i]].rate;
        return;
    }
    for (size_t i = 0; i < nf; i++)
        cs_rng_uniforms(E->fx_key[m->fx_currencies[i]], j, w->fx_u + i * years,
                        (size_t)t_end);
    double prev[CS_MAX_CURRENCIES];
    for (size_t i = 0; i < nf; i++) {
        size_t c = m->fx_currencies[i];
        prev[i] = E->log_rate[c];
        w->rate[c * years] = m->currencies[c].rate;
    }
    for (int t = 1; t <= t_end; t++) {
        for (size_t i = 0; i < nf; i++)
            w->fx_z[i] = gsl_cdf_ugaussian_Pinv(w->fx_u[i * years + (size_t)t - 1]);
        for (size_t i = 0; i < nf; i++) {
            const double *row = m->fx_chol + i * nf;
            double eps = 0;
            for (size_t k = 0; k <= i; k++)
                eps += row[k] * w->fx_z[k];
            size_t c = m->fx_currencies[i];
            prev[i] = fx_step(&m->currencies[c], E->log_rate[c], prev[i], eps);
            w->rate[c * years + (size_t)t] = exp(prev[i]);
        }
    }
}

/* The point-estimate FX path (SPEC §9): rate e^(drift t) for gbm, rate
 * for ou and fixed. */
static void fx_point_path(const engine *E, workspace *w, size_t c, int t_end)
{
    const cs_currency *cu = &E->m->currencies[c];
    double *r = w->rate + c * ((size_t)E->t_hi + 1);
    for (int t = 0; t <= t_end; t++)
        r[t] = cu->fx_model == CS_FX_GBM ? cu->rate * exp(cu->drift * t) : cu->rate;
}

/* ---- Evaluating ---------------------------------------------------------- */

/* Sum of a prefix array over year indices a .. b. */
static inline double span(const double *P, int a, int b) { return P[b + 1] - P[a]; }

/* The year factors of every currency for year indices 0 .. T from the
 * inflation and rates in w (SPEC §9): F_c(t) = (1+i_c)^t (h hedge_rate +
 * (1-h) r_c(t)) / r_report(t), G_c(t) = F_c(t) / (1+d)^t, and the prefix
 * sums of F, G, t F and t G. The t-weighted sums are only needed for
 * front/back profiles but cost little. */
static void build_factors(const engine *E, workspace *w, int T)
{
    size_t years = (size_t)E->t_hi + 1;
    const double *report_rate = w->rate + E->m->report_currency * years;
    for (size_t c = 0; c < E->nc; c++) {
        const double *r = w->rate + c * years;
        double *F = w->F + c * years, *G = w->G + c * years;
        double *PF = w->PF + c * (years + 1), *PG = w->PG + c * (years + 1);
        double *PTF = w->PTF + c * (years + 1), *PTG = w->PTG + c * (years + 1);
        double grow = 1 + w->inflation[c], escalation = 1;
        double hedged = E->hedged[c], unhedged = E->unhedged[c];
        double pf = 0, pg = 0, ptf = 0, ptg = 0;
        PF[0] = PG[0] = PTF[0] = PTG[0] = 0;
        for (int t = 0; t <= T; t++) {
            double f = escalation * (hedged + unhedged * r[t]) / report_rate[t];
            double g = f * E->discount[t];
            F[t] = f;
            G[t] = g;
            PF[t + 1] = pf += f;
            PG[t + 1] = pg += g;
            PTF[t + 1] = ptf += t * f;
            PTG[t + 1] = ptg += t * g;
            escalation *= grow;
        }
    }
}

static void sum_flows(const engine *E, workspace *w, const workspace *f, bool detail);

/* Turns the draws in w into the three totals; with detail also the phase,
 * element, risk and per-year amounts. */
static void evaluate(const engine *E, workspace *w, bool detail)
{
    build_factors(E, w, w->t_end);
    sum_flows(E, w, w, detail);
}

/* The sums of evaluate() with the year factors taken from f (w itself, or
 * a trial whose inflation and rates w shares). */
static void sum_flows(const engine *E, workspace *w, const workspace *f, bool detail)
{
    const cs_model *m = E->m;
    size_t years = (size_t)E->t_hi + 1, nc = E->nc, ne = E->ne, nr = E->nr;
    int T = w->t_end;
    int s = E->uses_schedule ? w->s : 0;
    if (detail)
        for (size_t c = 0; c < nc; c++) {
            memset(w->level + c * (years + 1), 0, sizeof(double) * ((size_t)T + 2));
            memset(w->slope + c * (years + 1), 0, sizeof(double) * ((size_t)T + 2));
        }

    double *con = w->contrib, *nom = w->contrib + (ne + nr), *pv = w->contrib + 2 * (ne + nr);
    int d0 = m->has_first_delivery ? cs_delivery_year(m, s, 1) - m->base_year : 0;
    for (size_t e = 0; e < ne; e++) {
        const cs_element *el = &m->elements[e];
        size_t c = el->currency;
        const double *PF = f->PF + c * (years + 1), *PG = f->PG + c * (years + 1);
        double *lev = w->level + c * (years + 1), *slo = w->slope + c * (years + 1);
        double a = w->x[e] * el->scale, n_sum = 0, p_sum = 0, base_sum = 0;
        switch (el->basis) {
        case CS_BASIS_ONCE: {
            int st, en;
            element_years(E, e, s, &st, &en);
            double n = en - st + 1;
            if (el->profile == CS_PROFILE_FLAT) {
                n_sum = a * span(PF, st, en) / n;
                p_sum = a * span(PG, st, en) / n;
                if (detail) {
                    lev[st] += a / n;
                    lev[en + 1] -= a / n;
                }
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
                p_sum = a / S * (k0 * span(PG, st, en) + k1 * span(PTG, st, en));
                if (detail) {
                    lev[st] += a * k0 / S;
                    lev[en + 1] -= a * k0 / S;
                    slo[st] += a * k1 / S;
                    slo[en + 1] -= a * k1 / S;
                }
            }
            base_sum = a;
            break;
        }
        case CS_BASIS_PER_YEAR: {
            int st, en;
            element_years(E, e, s, &st, &en);
            n_sum = a * span(PF, st, en);
            p_sum = a * span(PG, st, en);
            base_sum = a * (en - st + 1);
            if (detail) {
                lev[st] += a;
                lev[en + 1] -= a;
            }
            break;
        }
        case CS_BASIS_PER_UNIT: {
            int B = m->build_years;
            const double *wk = E->unit_weight[e];
            for (int k = 0; k < m->units; k++) {
                int d = d0 + E->unit_offset[k];
                double share = a * wk[k] / B;
                n_sum += share * span(PF, d - B, d - 1);
                p_sum += share * span(PG, d - B, d - 1);
                if (detail) {
                    lev[d - B] += share;
                    lev[d] -= share;
                }
            }
            base_sum = a * E->unit_weight_sum[e];
            break;
        }
        case CS_BASIS_PER_UNIT_YEAR:
        default: {
            int L = m->service_life;
            for (int k = 0; k < m->units; k++) {
                int d = d0 + E->unit_offset[k];
                n_sum += a * span(PF, d, d + L - 1);
                p_sum += a * span(PG, d, d + L - 1);
                if (detail) {
                    lev[d] += a;
                    lev[d + L] -= a;
                }
            }
            base_sum = a * (double)m->units * L;
            break;
        }
        }
        con[e] = base_sum * E->const_factor[c];
        nom[e] = n_sum;
        pv[e] = p_sum;
    }
    for (size_t r = 0; r < nr; r++) {
        size_t k = ne + r;
        if (!w->occurs[r]) {
            con[k] = nom[k] = pv[k] = 0;
            continue;
        }
        const cs_risk *rk = &m->risks[r];
        size_t c = rk->currency;
        int t = risk_year(E, r, s);
        double a = w->impact[r] * rk->scale;
        con[k] = a * E->const_factor[c];
        nom[k] = a * f->F[c * years + (size_t)t];
        pv[k] = a * f->G[c * years + (size_t)t];
        if (detail) {
            w->level[c * (years + 1) + (size_t)t] += a;
            w->level[c * (years + 1) + (size_t)t + 1] -= a;
        }
    }
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        const double *v = w->contrib + (size_t)mm * (ne + nr);
        double total = 0;
        if (detail) {
            double *ph = w->phase + (size_t)mm * E->np;
            memset(ph, 0, sizeof(double) * E->np);
            for (size_t e = 0; e < ne; e++)
                ph[m->elements[e].phase] += v[e];
            for (size_t r = 0; r < nr; r++)
                ph[m->risks[r].phase] += v[ne + r];
        }
        for (size_t k = 0; k < ne + nr; k++)
            total += v[k];
        w->total[mm] = total;
    }
    if (detail) {
        memset(w->year_nominal, 0, sizeof(double) * ((size_t)T + 1));
        for (size_t c = 0; c < nc; c++) {
            const double *lev = w->level + c * (years + 1), *slo = w->slope + c * (years + 1);
            const double *F = f->F + c * years;
            double L = 0, M = 0;
            for (int t = 0; t <= T; t++) {
                L += lev[t];
                M += slo[t];
                w->year_nominal[t] += (L + M * t) * F[t];
            }
        }
    }
}

/* ---- Blocks and threads -------------------------------------------------- */

typedef struct {
    cs_sketch **sketch; /* n_rows */
    double *mean, *m2;  /* n_rows */
    uint64_t n;
    int year_lo, year_hi;
    bool done;
} block_slot;

typedef struct {
    const engine *E;
    uint64_t trials;         /* trials in the run (this round's end) */
    size_t n_blocks, next_block_end;
    atomic_size_t next_block;
    atomic_uint_fast64_t trials_done;
    block_slot *slots;
    double *totals[CS_N_MEASURES];
    int *trial_slip;
    double *trial_phase;
    pthread_mutex_t lock;
    bool failed;              /* error, out of memory or cancel */
    size_t error_block;
    trial_error error;
    bool oom;
} run_state;

static void record_error(run_state *st, size_t block, const trial_error *err)
{
    pthread_mutex_lock(&st->lock);
    if (!st->failed || block < st->error_block ||
        (block == st->error_block && err->trial < st->error.trial)) {
        st->failed = true;
        st->error_block = block;
        st->error = *err;
    }
    pthread_mutex_unlock(&st->lock);
}

static bool should_skip(run_state *st, size_t block)
{
    pthread_mutex_lock(&st->lock);
    bool skip = st->failed && block > st->error_block;
    pthread_mutex_unlock(&st->lock);
    return skip;
}

/* Runs one block: trials [b B, min((b+1) B, trials)). */
static int run_block(run_state *st, workspace *w, double *buffer, size_t b)
{
    const engine *E = st->E;
    uint64_t first = (uint64_t)b * E->block;
    uint64_t end = first + E->block < st->trials ? first + E->block : st->trials;
    size_t n = (size_t)(end - first), B = E->block;
    size_t rpm = E->rows_per_measure, ne = E->ne, nr = E->nr, np = E->np;
    int ylo = INT_MAX, yhi = INT_MIN;
    trial_error err = {0};

    for (uint64_t j = first; j < end; j++) {
        size_t i = (size_t)(j - first);
        err.trial = j;
        if (draw_trial(E, w, j, &err) != 0 || settle_schedule(E, w, j, &err) != 0) {
            record_error(st, b, &err);
            return -1;
        }
        fx_paths(E, w, j, w->t_end);
        evaluate(E, w, true);
        if (!gsl_finite(w->total[CS_CONSTANT]) || !gsl_finite(w->total[CS_NOMINAL]) ||
            !gsl_finite(w->total[CS_PV])) {
            snprintf(err.message, sizeof err.message,
                     "trial %llu: the total is not a finite number; check for extreme "
                     "distributions, rates or inflation",
                     (unsigned long long)j + 1);
            record_error(st, b, &err);
            return -1;
        }
        for (int mm = 0; mm < CS_N_MEASURES; mm++) {
            st->totals[mm][j] = w->total[mm];
            double *rows = buffer + (size_t)mm * rpm * B;
            const double *ph = w->phase + (size_t)mm * np;
            const double *v = w->contrib + (size_t)mm * (ne + nr);
            for (size_t p = 0; p < np; p++)
                rows[p * B + i] = ph[p];
            for (size_t k = 0; k < ne + nr; k++)
                rows[(np + k) * B + i] = v[k];
        }
        double *yrows = buffer + CS_N_MEASURES * rpm * B;
        for (size_t y = 0; y < E->n_year_rows; y++) {
            int t = E->t_lo + (int)y;
            yrows[y * B + i] = t >= w->year_lo && t <= w->year_hi ? w->year_nominal[t] : 0;
        }
        if (w->year_lo <= w->year_hi) {
            if (w->year_lo < ylo)
                ylo = w->year_lo;
            if (w->year_hi > yhi)
                yhi = w->year_hi;
        }
        if (st->trial_slip) {
            st->trial_slip[j] = w->s;
            memcpy(st->trial_phase + j * np, w->phase + CS_NOMINAL * np, sizeof(double) * np);
        }
        if (j < E->n_sens) {
            E->sens_slip[j] = w->slip_draw;
            for (size_t e = 0; e < ne; e++)
                if (E->element_input[e] >= 0)
                    E->inputs[E->element_input[e]].values[j] = w->x[e];
            for (size_t r = 0; r < nr; r++)
                if (E->risk_input[r] >= 0)
                    E->inputs[E->risk_input[r]].values[j] =
                        w->occurs[r] ? w->impact[r] : -HUGE_VAL;
            for (size_t c = 0; c < E->nc; c++)
                if (E->inflation_input[c] >= 0)
                    E->inputs[E->inflation_input[c]].values[j] = w->inflation[c];
        }
    }

    /* Moments and sketch of every row of the block. */
    block_slot *slot = &st->slots[b];
    for (size_t row = 0; row < E->n_rows; row++) {
        double *v = buffer + row * B;
        double mean, sd;
        cs_mean_sd(v, n, &mean, &sd);
        slot->mean[row] = mean;
        slot->m2[row] = n > 1 ? sd * sd * (double)(n - 1) : 0;
        slot->sketch[row] = cs_sketch_alloc();
        if (!slot->sketch[row] || cs_sketch_add_block(slot->sketch[row], v, n) != 0) {
            pthread_mutex_lock(&st->lock);
            st->oom = true;
            st->failed = true;
            pthread_mutex_unlock(&st->lock);
            return -1;
        }
    }
    slot->n = n;
    slot->year_lo = ylo;
    slot->year_hi = yhi;
    slot->done = true;
    return 0;
}

typedef struct {
    run_state *st;
    bool main_thread;
    const cs_run_options *opt;
    uint64_t progress_total;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *a = p;
    run_state *st = a->st;
    const engine *E = st->E;
    workspace *w = workspace_alloc(E);
    double *buffer = malloc(E->n_rows * E->block * sizeof(double));
    if (!w || !buffer) {
        pthread_mutex_lock(&st->lock);
        st->oom = true;
        st->failed = true;
        pthread_mutex_unlock(&st->lock);
    } else {
        for (;;) {
            size_t b = atomic_fetch_add(&st->next_block, 1);
            if (b >= st->next_block_end)
                break;
            if (cancel_requested) {
                pthread_mutex_lock(&st->lock);
                st->failed = true;
                pthread_mutex_unlock(&st->lock);
                break;
            }
            if (should_skip(st, b))
                continue;
            if (run_block(st, w, buffer, b) != 0)
                continue;
            uint64_t first = (uint64_t)b * E->block;
            uint64_t n = st->trials - first < E->block ? st->trials - first : E->block;
            uint64_t done = atomic_fetch_add(&st->trials_done, n) + n;
            if (a->main_thread && a->opt->progress)
                a->opt->progress(a->opt->progress_ctx, done, a->progress_total);
        }
    }
    workspace_free(w);
    free(buffer);
    return NULL;
}

static unsigned thread_count(const cs_run_options *opt)
{
    if (opt->threads > 0)
        return opt->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Runs blocks [next_block, block_end) on the threads. */
static void run_blocks(run_state *st, size_t block_end, const cs_run_options *opt,
                       uint64_t progress_total)
{
    unsigned n_threads = thread_count(opt);
    size_t pending = block_end - atomic_load(&st->next_block);
    if (n_threads > pending)
        n_threads = pending ? (unsigned)pending : 1;
    st->next_block_end = block_end;
    pthread_t *threads = calloc(n_threads, sizeof *threads);
    worker_arg *args = calloc(n_threads, sizeof *args);
    unsigned started = 1;
    if (threads && args) {
        for (unsigned i = 1; i < n_threads; i++) {
            args[i] = (worker_arg){st, false, opt, progress_total};
            if (pthread_create(&threads[i], NULL, worker, &args[i]) != 0)
                break;
            started++;
        }
    }
    worker_arg self = {st, true, opt, progress_total};
    worker(&self);
    for (unsigned i = 1; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    free(args);
    /* Each worker claims one index past block_end before it stops, so
     * next_block overshoots by up to the thread count. Without this reset
     * the next --precision round would skip those blocks (their totals
     * left unset, the output depending on --threads). */
    atomic_store(&st->next_block, block_end);
}

/* ---- Drivers: sensitivity, attribution, tornado -------------------------- */

/* Rebuilds the draws of sensitivity trial j from what was stored. */
static void restore_trial(const engine *E, workspace *w, uint64_t j)
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
    w->s = trial_slip(E, w->slip_draw, w->occurs);
    for (size_t c = 0; c < E->nc; c++)
        w->inflation[c] = E->inflation_input[c] >= 0 ? E->inputs[E->inflation_input[c]].values[j]
                                                     : E->inflation_point[c];
}

/* A change to one trial's draws before evaluating it. */
typedef struct {
    int freeze;          /* a source frozen at its point estimate, or -1 */
    int hold_input;      /* an input (index into inputs) held, or -1 */
    double hold_quantile; /* 0.1 or 0.9 */
} variation;

typedef struct {
    const engine *E;
    const variation *variations;
    size_t n_variations;
    double **out;         /* per variation: nominal total per sensitivity trial */
    double *fx_mean;      /* per fx currency x trial, or NULL */
    int t_years;          /* T = Y - base_year for the FX input and holds */
    atomic_uint_fast64_t next;
    pthread_mutex_t lock;
    bool failed;
    trial_error error;
} driver_state;

#define DRIVER_CHUNK 1024

/* Applies variation v to the freshly restored trial in w (FX paths already
 * built up to t_path). t_years is T of SPEC §11: the FX hold spreads the
 * quantile over that many shocks. */
static void apply_variation(const engine *E, workspace *w, const variation *v, int t_path,
                            int t_years)
{
    const cs_model *m = E->m;
    if (v->freeze >= 0) {
        switch ((source)v->freeze) {
        case SRC_ELEMENT:
            for (size_t e = 0; e < E->ne; e++)
                w->x[e] = cs_dist_point(&m->elements[e].dist);
            break;
        case SRC_RISK:
            memset(w->occurs, 0, E->nr);
            break;
        case SRC_SLIP:
            w->slip_draw = cs_dist_point(&m->slip);
            break;
        case SRC_INFLATION:
            memcpy(w->inflation, E->inflation_point, sizeof(double) * E->nc);
            break;
        case SRC_FX:
            for (size_t c = 0; c < E->nc; c++)
                if (E->stochastic[c])
                    fx_point_path(E, w, c, t_path);
            break;
        }
    }
    if (v->hold_input >= 0) {
        const input_store *in = &E->inputs[v->hold_input];
        double q = v->hold_quantile;
        switch (in->kind) {
        case CS_INPUT_ELEMENT:
            w->x[in->index] = cs_dist_quantile(&m->elements[in->index].dist, q);
            break;
        case CS_INPUT_RISK:
            /* low: absent; high: occurring with its impact at the P90. */
            w->occurs[in->index] = q > 0.5;
            w->impact[in->index] = q > 0.5 ? cs_dist_quantile(&m->risks[in->index].impact, q) : 0;
            break;
        case CS_INPUT_SLIP:
            w->slip_draw = cs_dist_quantile(&m->slip, q);
            break;
        case CS_INPUT_INFLATION:
            w->inflation[in->index] = cs_dist_quantile(&m->currencies[in->index].inflation, q);
            break;
        case CS_INPUT_FX: {
            /* Every shock at z_q / sqrt(T), which puts the final log rate at
             * its q-quantile (SPEC §11). */
            size_t c = in->index;
            const cs_currency *cu = &m->currencies[c];
            double eps = gsl_cdf_ugaussian_Pinv(q) / sqrt(t_years > 0 ? (double)t_years : 1);
            double *r = w->rate + c * ((size_t)E->t_hi + 1), prev = E->log_rate[c];
            r[0] = cu->rate;
            for (int t = 1; t <= t_path; t++) {
                prev = fx_step(cu, E->log_rate[c], prev, eps);
                r[t] = exp(prev);
            }
            break;
        }
        }
    }
    w->s = trial_slip(E, w->slip_draw, w->occurs);
}

/* Whether a variation changes the year factors (inflation or FX). */
static bool changes_factors(const engine *E, const variation *v)
{
    if (v->freeze == SRC_INFLATION || v->freeze == SRC_FX)
        return true;
    if (v->hold_input >= 0) {
        cs_input_kind k = E->inputs[v->hold_input].kind;
        return k == CS_INPUT_INFLATION || k == CS_INPUT_FX;
    }
    return false;
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

static void driver_fail(driver_state *d, const trial_error *err)
{
    pthread_mutex_lock(&d->lock);
    if (!d->failed || err->trial < d->error.trial) {
        d->failed = true;
        d->error = *err;
    }
    pthread_mutex_unlock(&d->lock);
}

/* Evaluates every variation on every sensitivity trial (and the FX input
 * means when asked). Trials are independent; results go to fixed slots. */
static void *driver_worker(void *p)
{
    driver_state *d = p;
    const engine *E = d->E;
    workspace *w = workspace_alloc(E), *base = workspace_alloc(E);
    if (!w || !base) {
        trial_error err = {0, "out of memory in the drivers"};
        driver_fail(d, &err);
        workspace_free(w);
        workspace_free(base);
        return NULL;
    }
    size_t years = (size_t)E->t_hi + 1;
    int t_path = E->t_hi;
    for (;;) {
        uint64_t first = atomic_fetch_add(&d->next, DRIVER_CHUNK);
        if (first >= E->n_sens || d->failed || cancel_requested)
            break;
        uint64_t end = first + DRIVER_CHUNK < E->n_sens ? first + DRIVER_CHUNK : E->n_sens;
        for (uint64_t j = first; j < end; j++) {
            restore_trial(E, base, j);
            fx_paths(E, base, j, t_path);
            if (d->fx_mean) {
                for (size_t i = 0; i < E->n_fx; i++) {
                    size_t c = E->m->fx_currencies[i];
                    double sum = 0;
                    for (int t = 1; t <= d->t_years; t++)
                        sum += log(base->rate[c * years + (size_t)t]) - E->log_rate[c];
                    d->fx_mean[i * E->n_sens + j] = d->t_years > 0 ? sum / d->t_years : 0;
                }
            }
            /* Factors over every year a variation can reach, built once
             * and shared by the variations that leave inflation and FX
             * alone (most of them). */
            build_factors(E, base, t_path);
            for (size_t k = 0; k < d->n_variations; k++) {
                const variation *v = &d->variations[k];
                copy_draws(E, w, base);
                apply_variation(E, w, v, t_path, d->t_years);
                trial_error err = {j, ""};
                if (settle_schedule(E, w, j, &err) != 0) {
                    driver_fail(d, &err);
                    break;
                }
                if (changes_factors(E, v))
                    evaluate(E, w, false);
                else
                    sum_flows(E, w, base, false);
                d->out[k][j] = w->total[CS_NOMINAL];
            }
        }
    }
    workspace_free(w);
    workspace_free(base);
    return NULL;
}

static int run_drivers(driver_state *d, const cs_run_options *opt)
{
    unsigned n = thread_count(opt);
    pthread_mutex_init(&d->lock, NULL);
    atomic_init(&d->next, 0);
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
    pthread_mutex_destroy(&d->lock);
    return d->failed ? -1 : 0;
}

/* ---- Putting the run together -------------------------------------------- */

static uint64_t available_memory(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                fclose(f);
                return (uint64_t)kb * 1024;
            }
        fclose(f);
    }
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : UINT64_MAX;
}

/* Bytes a prepared run needs at most: exact totals and their sorted copy,
 * the per-block sketches (N/k points of 16 bytes per series), the block
 * buffers of every thread, --trials-out rows and the drivers' stored
 * draws and outputs; tables and workspaces are small next to these. */
static uint64_t memory_for(const engine *E, const cs_run_options *opt, unsigned threads)
{
    long double n = (long double)opt->trials;
    long double rows = (long double)E->n_rows, block = (long double)E->block;
    long double k = E->block / 1000 > 1 ? (long double)(E->block / 1000) : 1;
    long double n_blocks = ceill(n / block);
    long double n_sens = n < CS_SENSITIVITY_TRIALS ? n : CS_SENSITIVITY_TRIALS;
    long double bytes = 0;
    bytes += n * CS_N_MEASURES * 8 * 2;                 /* totals, sorted */
    if (opt->precision > 0)
        bytes += n * 8;                                  /* precision scratch */
    bytes += rows * (n / k + n_blocks) * 16;             /* sketches */
    bytes += (n / k + n_blocks) * 16;                    /* one merged series */
    bytes += (long double)threads * rows * block * 8;    /* block buffers */
    if (opt->trials_out)
        bytes += n * (4 + 8 * (long double)E->np);
    long double inputs = (long double)(E->ne + E->nr + 2 * E->nc + 1);
    bytes += n_sens * (inputs + 1 + 2 * TORNADO_MAX + 1) * 8;
    bytes += 32 << 20;                                   /* tables, slack */
    return bytes > (long double)UINT64_MAX ? UINT64_MAX : (uint64_t)bytes;
}

uint64_t cs_engine_memory_needed(const cs_model *m, const cs_run_options *opt)
{
    cs_diag *d = cs_diag_alloc();
    engine *E = engine_prepare(m, d);
    cs_diag_free(d);
    if (!E)
        return UINT64_MAX;
    uint64_t bytes = memory_for(E, opt, thread_count(opt));
    engine_free(E);
    return bytes;
}

static double variance_of(const double *x, size_t n)
{
    double mean, sd;
    cs_mean_sd(x, n, &mean, &sd);
    return sd * sd;
}

static int compare_desc_abs(const void *a, const void *b)
{
    const cs_sensitivity *p = a, *q = b;
    double x = fabs(p->rank_correlation), y = fabs(q->rank_correlation);
    if (x != y)
        return x > y ? -1 : 1;
    if (p->kind != q->kind)
        return p->kind < q->kind ? -1 : 1;
    return (p->index > q->index) - (p->index < q->index);
}

static const char *input_label(const engine *E, const input_store *in)
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

/* Sets up the inputs whose draws are stored for the drivers. */
static int setup_inputs(engine *E, uint64_t n_sens)
{
    bool failed = false;
    E->n_sens = n_sens;
    E->element_input = xcalloc(E->ne, sizeof(int), &failed);
    E->risk_input = xcalloc(E->nr, sizeof(int), &failed);
    E->inflation_input = xcalloc(E->nc, sizeof(int), &failed);
    E->fx_input = xcalloc(E->nc, sizeof(int), &failed);
    E->inputs = xcalloc(E->ne + E->nr + 2 * E->nc + 1, sizeof(input_store), &failed);
    E->sens_slip = xcalloc((size_t)n_sens, sizeof(double), &failed);
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
        E->has_source[SRC_RISK] = true;
        if (!E->risk_certain[r]) {
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
    for (size_t i = 0; i < n; i++) {
        E->inputs[i].values = xcalloc((size_t)n_sens, sizeof(double), &failed);
        if (failed)
            return -1;
    }
    return 0;
}

/* Moments of blocks combined in block order (Chan et al.). */
static void combine_moments(const run_state *st, size_t n_blocks, size_t row, double *mean,
                            double *sd)
{
    double n = 0, mu = 0, m2 = 0;
    for (size_t b = 0; b < n_blocks; b++) {
        const block_slot *sl = &st->slots[b];
        double nb = (double)sl->n, delta = sl->mean[row] - mu, total = n + nb;
        mu += delta * nb / total;
        m2 += sl->m2[row] + delta * delta * n * nb / total;
        n = total;
    }
    *mean = mu;
    *sd = n > 1 ? sqrt(m2 / (n - 1)) : 0;
}

static cs_sketch *merged_sketch(const run_state *st, size_t n_blocks, size_t row)
{
    cs_sketch *s = cs_sketch_alloc();
    if (!s)
        return NULL;
    for (size_t b = 0; b < n_blocks; b++)
        if (cs_sketch_merge(s, st->slots[b].sketch[row]) != 0) {
            cs_sketch_free(s);
            return NULL;
        }
    return s;
}

static void fill_row_from_sketch(const run_state *st, size_t n_blocks, size_t row,
                                 cs_summary_row *out, bool *oom)
{
    combine_moments(st, n_blocks, row, &out->mean, &out->sd);
    cs_sketch *s = merged_sketch(st, n_blocks, row);
    if (!s) {
        *oom = true;
        return;
    }
    for (int k = 0; k < CS_N_SUMMARY_P; k++)
        out->p[k] = cs_sketch_percentile(s, cs_summary_p[k]);
    out->point_percentile = cs_sketch_percent_at_or_below(s, out->point);
    cs_sketch_free(s);
}

static void fill_row_exact(const double *x, const double *sorted, size_t n, cs_summary_row *out)
{
    cs_mean_sd(x, n, &out->mean, &out->sd);
    for (int k = 0; k < CS_N_SUMMARY_P; k++)
        out->p[k] = cs_percentile_sorted(sorted, n, cs_summary_p[k]);
    out->point_percentile = cs_percent_at_or_below(sorted, n, out->point);
}

/* The point-estimate run (SPEC §9). */
static int point_run(const engine *E, workspace *w, trial_error *err)
{
    const cs_model *m = E->m;
    for (size_t e = 0; e < E->ne; e++)
        w->x[e] = cs_dist_point(&m->elements[e].dist);
    memset(w->occurs, 0, E->nr);
    w->slip_draw = cs_dist_point(&m->slip);
    w->s = trial_slip(E, w->slip_draw, w->occurs);
    memcpy(w->inflation, E->inflation_point, sizeof(double) * E->nc);
    if (settle_schedule(E, w, 0, err) != 0) {
        /* Reword "trial 1" as the point estimate. */
        char *colon = strchr(err->message, ':');
        char tail[480];
        snprintf(tail, sizeof tail, "%.479s", colon ? colon + 1 : err->message);
        snprintf(err->message, sizeof err->message, "point estimate:%s", tail);
        return -1;
    }
    for (size_t c = 0; c < E->nc; c++)
        fx_point_path(E, w, c, w->t_end);
    evaluate(E, w, true);
    return 0;
}

static void free_state(run_state *st, size_t n_blocks, size_t n_rows)
{
    if (st->slots) {
        for (size_t b = 0; b < n_blocks; b++) {
            if (st->slots[b].sketch)
                for (size_t r = 0; r < n_rows; r++)
                    cs_sketch_free(st->slots[b].sketch[r]);
            free(st->slots[b].sketch);
            free(st->slots[b].mean);
            free(st->slots[b].m2);
        }
        free(st->slots);
    }
}

/* The --precision criterion (SPEC §10): the mean's 95% half-width and
 * both sides of the P80's order-statistic interval within P of the value. */
static bool within_precision(double mean, double half, double p80, double p80_lo,
                             double p80_hi, double precision)
{
    return half <= precision * fabs(mean) && p80 - p80_lo <= precision * fabs(p80) &&
           p80_hi - p80 <= precision * fabs(p80);
}

/* The criterion on the first n nominal totals (sorted into scratch). */
static bool precise_enough(const double *totals, size_t n, double precision, double *scratch)
{
    double mean, sd, lo, hi;
    if (n < 2)
        return false;
    cs_mean_sd(totals, n, &mean, &sd);
    memcpy(scratch, totals, n * sizeof(double));
    cs_sort_doubles(scratch, n);
    double p80 = cs_percentile_sorted(scratch, n, 0.8);
    cs_quantile_ci(scratch, n, 0.8, &lo, &hi);
    return within_precision(mean, 1.96 * sd / sqrt((double)n), p80, lo, hi, precision);
}

static cs_results *assemble(engine *E, run_state *st, uint64_t n, size_t n_blocks,
                            const cs_run_options *opt, cs_diag *diag, int *status);

cs_results *cs_engine_run(const cs_model *m, const cs_run_options *opt, cs_diag *diag,
                          int *status)
{
    *status = 1;
    cancel_requested = 0;
    if (opt->trials < 1) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "trials must be at least 1");
        *status = 2;
        return NULL;
    }
    uint64_t need = cs_engine_memory_needed(m, opt), have = available_memory();
    if (need > have) {
        cs_diag_add(diag, m->scenario_path, 0, NULL,
                    "%llu trials need about %llu MiB of memory and %llu MiB are available; "
                    "run fewer trials",
                    (unsigned long long)opt->trials, (unsigned long long)(need >> 20),
                    (unsigned long long)(have >> 20));
        *status = 2;
        return NULL;
    }
    engine *E = engine_prepare(m, diag);
    if (!E)
        return NULL;
    uint64_t n_sens = opt->trials < CS_SENSITIVITY_TRIALS ? opt->trials : CS_SENSITIVITY_TRIALS;
    run_state st = {0};
    st.E = E;
    st.trials = opt->trials;
    size_t n_blocks = (size_t)((opt->trials + E->block - 1) / E->block);
    bool failed = setup_inputs(E, n_sens) != 0;
    st.slots = calloc(n_blocks, sizeof *st.slots);
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        failed |= !(st.totals[mm] = malloc((size_t)opt->trials * sizeof(double)));
    if (opt->trials_out) {
        failed |= !(st.trial_slip = malloc((size_t)opt->trials * sizeof(int)));
        failed |= !(st.trial_phase =
                        malloc((size_t)opt->trials * (E->np ? E->np : 1) * sizeof(double)));
    }
    failed |= !st.slots;
    for (size_t b = 0; !failed && b < n_blocks; b++) {
        st.slots[b].sketch = calloc(E->n_rows, sizeof(cs_sketch *));
        st.slots[b].mean = calloc(E->n_rows, sizeof(double));
        st.slots[b].m2 = calloc(E->n_rows, sizeof(double));
        failed |= !st.slots[b].sketch || !st.slots[b].mean || !st.slots[b].m2;
    }
    if (failed) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory for %llu trials",
                    (unsigned long long)opt->trials);
        goto fail;
    }
    pthread_mutex_init(&st.lock, NULL);
    atomic_init(&st.next_block, 0);
    atomic_init(&st.trials_done, 0);

    size_t blocks_run = n_blocks;
    if (opt->precision > 0) {
        /* Rounds of 4 blocks (a fixed number, so the stopping point does
         * not depend on the threads) until both intervals are narrow. */
        double *scratch = malloc((size_t)opt->trials * sizeof(double));
        if (!scratch) {
            cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory");
            pthread_mutex_destroy(&st.lock);
            goto fail;
        }
        blocks_run = 0;
        while (blocks_run < n_blocks && !st.failed) {
            blocks_run = blocks_run + 4 < n_blocks ? blocks_run + 4 : n_blocks;
            run_blocks(&st, blocks_run, opt, opt->trials);
            uint64_t done = (uint64_t)blocks_run * E->block;
            if (done > opt->trials)
                done = opt->trials;
            if (!st.failed && precise_enough(st.totals[CS_NOMINAL], (size_t)done,
                                             opt->precision, scratch))
                break;
        }
        free(scratch);
    } else {
        run_blocks(&st, n_blocks, opt, opt->trials);
    }
    pthread_mutex_destroy(&st.lock);
    if (st.failed) {
        if (st.oom)
            cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory during the run");
        else if (st.error.message[0])
            cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", st.error.message);
        else
            cs_diag_add(diag, m->scenario_path, 0, NULL, "cancelled");
        goto fail;
    }
    uint64_t n = (uint64_t)blocks_run * E->block;
    if (n > opt->trials)
        n = opt->trials;
    cs_results *r = assemble(E, &st, n, blocks_run, opt, diag, status);
    free_state(&st, n_blocks, E->n_rows);
    engine_free(E);
    return r;
fail:
    for (int mm = 0; mm < CS_N_MEASURES; mm++)
        free(st.totals[mm]);
    free(st.trial_slip);
    free(st.trial_phase);
    free_state(&st, n_blocks, E->n_rows);
    engine_free(E);
    return NULL;
}

static cs_results *assemble(engine *E, run_state *st, uint64_t n, size_t n_blocks,
                            const cs_run_options *opt, cs_diag *diag, int *status)
{
    const cs_model *m = E->m;
    bool oom = false;
    cs_results *r = calloc(1, sizeof *r);
    workspace *w = workspace_alloc(E);
    if (!r || !w)
        goto oom;
    r->model = m;
    r->trials = n;
    r->precision = opt->precision;
    size_t nn = (size_t)n;
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        r->totals[mm] = st->totals[mm];
        st->totals[mm] = NULL;
        r->sorted[mm] = malloc(nn * sizeof(double));
        if (!r->sorted[mm])
            goto oom;
        memcpy(r->sorted[mm], r->totals[mm], nn * sizeof(double));
        cs_sort_doubles(r->sorted[mm], nn);
    }
    if (opt->trials_out) {
        r->has_trials = true;
        r->trial_slip = st->trial_slip;
        r->trial_phase_nominal = st->trial_phase;
        st->trial_slip = NULL;
        st->trial_phase = NULL;
    }

    /* Summary rows with the point estimate. */
    trial_error err = {0};
    if (point_run(E, w, &err) != 0) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", err.message);
        goto fail;
    }
    size_t rpm = E->rows_per_measure, ne = E->ne, nr = E->nr, np = E->np;
    r->n_rows = 1 + rpm;
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        cs_summary_row *rows = calloc(r->n_rows, sizeof *rows);
        if (!(r->rows[mm] = rows))
            goto oom;
        rows[0] = (cs_summary_row){CS_LEVEL_TOTAL, "total", m->name, w->total[mm], 0, 0, {0}, 0};
        fill_row_exact(r->totals[mm], r->sorted[mm], nn, &rows[0]);
        for (size_t i = 0; i < rpm; i++) {
            cs_summary_row *row = &rows[1 + i];
            const double *v = w->contrib + (size_t)mm * (ne + nr);
            if (i < np) {
                *row = (cs_summary_row){CS_LEVEL_PHASE, m->phases[i], m->phases[i],
                                        w->phase[(size_t)mm * np + i], 0, 0, {0}, 0};
            } else if (i < np + ne) {
                const cs_element *el = &m->elements[i - np];
                *row = (cs_summary_row){CS_LEVEL_ELEMENT, el->id, el->name, v[i - np], 0, 0, {0}, 0};
            } else {
                const cs_risk *rk = &m->risks[i - np - ne];
                *row = (cs_summary_row){CS_LEVEL_RISK, rk->id, rk->name, 0, 0, 0, {0}, 0};
            }
            fill_row_from_sketch(st, n_blocks, (size_t)mm * rpm + i, row, &oom);
        }
    }
    if (oom)
        goto oom;

    /* Funding profile: the years with a flow in any trial. */
    int ylo = INT_MAX, yhi = INT_MIN;
    for (size_t b = 0; b < n_blocks; b++) {
        if (st->slots[b].year_lo < ylo)
            ylo = st->slots[b].year_lo;
        if (st->slots[b].year_hi > yhi)
            yhi = st->slots[b].year_hi;
    }
    if (ylo <= yhi) {
        r->first_year = m->base_year + ylo;
        r->n_years = (size_t)(yhi - ylo + 1);
        r->year_mean = calloc(r->n_years, sizeof(double));
        r->year_p10 = calloc(r->n_years, sizeof(double));
        r->year_p50 = calloc(r->n_years, sizeof(double));
        r->year_p90 = calloc(r->n_years, sizeof(double));
        if (!r->year_mean || !r->year_p10 || !r->year_p50 || !r->year_p90)
            goto oom;
        for (size_t y = 0; y < r->n_years; y++) {
            size_t row = CS_N_MEASURES * rpm + (size_t)(ylo - E->t_lo) + y;
            double sd;
            combine_moments(st, n_blocks, row, &r->year_mean[y], &sd);
            cs_sketch *s = merged_sketch(st, n_blocks, row);
            if (!s)
                goto oom;
            r->year_p10[y] = cs_sketch_percentile(s, 0.1);
            r->year_p50[y] = cs_sketch_percentile(s, 0.5);
            r->year_p90[y] = cs_sketch_percentile(s, 0.9);
            cs_sketch_free(s);
        }
    } else {
        r->first_year = m->base_year;
    }

    /* Confidence intervals and budget. */
    {
        const cs_summary_row *tot = &r->rows[CS_NOMINAL][0];
        double half = 1.96 * tot->sd / sqrt((double)n);
        r->mean_ci[0] = tot->mean - half;
        r->mean_ci[1] = tot->mean + half;
        cs_quantile_ci(r->sorted[CS_NOMINAL], nn, 0.5, &r->p50_ci[0], &r->p50_ci[1]);
        cs_quantile_ci(r->sorted[CS_NOMINAL], nn, 0.8, &r->p80_ci[0], &r->p80_ci[1]);
        if (opt->precision > 0) {
            double p80 = tot->p[CS_P80];
            r->precision_met = within_precision(tot->mean, half, p80, r->p80_ci[0],
                                                r->p80_ci[1], opt->precision);
        }
        if (m->has_budget) {
            uint64_t within = 0;
            for (size_t j = 0; j < nn; j++)
                within += r->totals[CS_NOMINAL][j] <= m->budget;
            r->has_budget = true;
            r->budget = m->budget;
            r->budget_confidence = 100.0 * (double)within / (double)n;
        }
    }

    /* Drivers on the first n_sens trials. */
    uint64_t n_sens = E->n_sens < n ? E->n_sens : n;
    E->n_sens = n_sens;
    r->sensitivity_trials = n_sens;
    size_t ns = (size_t)n_sens;
    int t_years = r->n_years ? r->first_year + (int)r->n_years - 1 - m->base_year : 0;
    if (t_years < 0)
        t_years = 0;
    variation vars[N_SOURCES + 2 * TORNADO_MAX];
    double *outs[N_SOURCES + 2 * TORNADO_MAX] = {0};
    size_t n_vars = 0;
    int var_source[N_SOURCES];
    for (int src = 0; src < N_SOURCES; src++)
        if (E->has_source[src]) {
            var_source[n_vars] = src;
            vars[n_vars++] = (variation){src, -1, 0};
        }
    size_t n_attr = n_vars;
    driver_state d = {0};
    d.E = E;
    d.variations = vars;
    d.n_variations = n_vars;
    d.out = outs;
    d.t_years = t_years;
    for (size_t k = 0; k < n_vars; k++)
        if (!(outs[k] = malloc(ns * sizeof(double))))
            goto oom;
    if (E->n_fx && !(d.fx_mean = malloc(E->n_fx * ns * sizeof(double))))
        goto oom;
    if (run_drivers(&d, opt) != 0) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", d.error.message);
        goto fail_drivers;
    }
    for (size_t i = 0; i < E->n_fx; i++) {
        size_t c = m->fx_currencies[i];
        memcpy(E->inputs[E->fx_input[c]].values, d.fx_mean + i * ns, ns * sizeof(double));
    }
    free(d.fx_mean);
    d.fx_mean = NULL;

    /* Sensitivity: Spearman of each input with the nominal total. */
    r->n_sensitivity = E->n_inputs;
    r->sensitivity = calloc(E->n_inputs ? E->n_inputs : 1, sizeof(cs_sensitivity));
    double *ranks = malloc(2 * ns * sizeof(double));
    size_t *work = malloc(ns * sizeof(size_t));
    if (!r->sensitivity || !ranks || !work) {
        free(ranks);
        free(work);
        goto oom_drivers;
    }
    /* Spearman = Pearson of average ranks; the total's ranks once. */
    double *total_ranks = ranks + ns;
    cs_ranks(r->totals[CS_NOMINAL], ns, total_ranks, work);
    double sum_sq = 0;
    for (size_t i = 0; i < E->n_inputs; i++) {
        const input_store *in = &E->inputs[i];
        cs_ranks(in->values, ns, ranks, work);
        double rho = cs_pearson(ranks, total_ranks, ns);
        /* index holds the input's position (kind, then file order) while
         * sorting, so ties in |rho| keep that order; it becomes the
         * element/risk/currency index afterwards. */
        r->sensitivity[i] = (cs_sensitivity){in->kind, i, input_label(E, in), rho, 0};
        sum_sq += rho * rho;
    }
    free(ranks);
    free(work);
    for (size_t i = 0; i < E->n_inputs; i++) {
        double rho = r->sensitivity[i].rank_correlation;
        r->sensitivity[i].variance_share = sum_sq > 0 ? rho * rho / sum_sq : 0;
    }
    size_t *position = malloc((E->n_inputs ? E->n_inputs : 1) * sizeof(size_t));
    if (!position)
        goto oom_drivers;
    qsort(r->sensitivity, E->n_inputs, sizeof(cs_sensitivity), compare_desc_abs);
    for (size_t i = 0; i < E->n_inputs; i++) {
        position[i] = r->sensitivity[i].index;
        r->sensitivity[i].index = E->inputs[position[i]].index;
    }

    /* Attribution: 1 - Var(frozen) / Var(total) per source. */
    double var_total = variance_of(r->totals[CS_NOMINAL], ns);
    r->attribution = calloc(n_attr + 1, sizeof(cs_attribution));
    if (!r->attribution) {
        free(position);
        goto oom_drivers;
    }
    double share_sum = 0;
    for (size_t k = 0; k < n_attr; k++) {
        double share = var_total > 0 ? 1 - variance_of(outs[k], ns) / var_total : 0;
        r->attribution[k] = (cs_attribution){source_names[var_source[k]], share};
        share_sum += share;
    }
    r->attribution[n_attr] =
        (cs_attribution){"interaction", var_total > 0 ? 1 - share_sum : 0};
    r->n_attribution = n_attr + 1;
    for (size_t k = 0; k < n_attr; k++) {
        free(outs[k]);
        outs[k] = NULL;
    }

    /* Tornado: P50 with each top input held at its P10 and P90. */
    size_t n_top = E->n_inputs < TORNADO_MAX ? E->n_inputs : TORNADO_MAX;
    n_vars = 0;
    for (size_t i = 0; i < n_top; i++) {
        vars[n_vars++] = (variation){-1, (int)position[i], 0.1};
        vars[n_vars++] = (variation){-1, (int)position[i], 0.9};
    }
    free(position);
    for (size_t k = 0; k < n_vars; k++)
        if (!(outs[k] = malloc(ns * sizeof(double))))
            goto oom_drivers;
    d.n_variations = n_vars;
    atomic_init(&d.next, 0);
    d.failed = false;
    if (n_vars && run_drivers(&d, opt) != 0) {
        cs_diag_add(diag, m->scenario_path, 0, NULL, "%s", d.error.message);
        goto fail_drivers;
    }
    r->tornado = calloc(n_top ? n_top : 1, sizeof(cs_tornado));
    if (!r->tornado)
        goto oom_drivers;
    r->n_tornado = n_top;
    {
        double p50_run = r->rows[CS_NOMINAL][0].p[CS_P50];
        double *sorted_sens = malloc(ns * sizeof(double));
        if (!sorted_sens)
            goto oom_drivers;
        memcpy(sorted_sens, r->totals[CS_NOMINAL], ns * sizeof(double));
        cs_sort_doubles(sorted_sens, ns);
        double p50_sens = cs_percentile_sorted(sorted_sens, ns, 0.5);
        free(sorted_sens);
        for (size_t i = 0; i < n_top; i++) {
            double held[2];
            for (int h = 0; h < 2; h++) {
                double *x = outs[2 * i + (size_t)h];
                cs_sort_doubles(x, ns);
                double p = cs_percentile_sorted(x, ns, 0.5);
                /* Measured on the first n_sens trials: move the run's P50 by
                 * the change seen there (exact when n_sens = n). */
                held[h] = n_sens == n ? p : p50_run + (p - p50_sens);
            }
            r->tornado[i] = (cs_tornado){r->sensitivity[i].kind, r->sensitivity[i].input,
                                         held[0], held[1], p50_run};
        }
    }
    for (size_t k = 0; k < n_vars; k++)
        free(outs[k]);
    workspace_free(w);
    *status = 0;
    return r;

oom_drivers:
    cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while measuring the drivers");
fail_drivers:
    for (size_t k = 0; k < N_SOURCES + 2 * TORNADO_MAX; k++)
        free(outs[k]);
    free(d.fx_mean);
    goto fail;
oom:
    cs_diag_add(diag, m->scenario_path, 0, NULL, "out of memory while summarising the run");
fail:
    workspace_free(w);
    cs_results_free(r);
    *status = 1;
    return NULL;
}

/* ---- Benchmark floor ----------------------------------------------------- */

typedef struct {
    const engine *E;
    uint64_t trials;
    atomic_uint_fast64_t next;
    atomic_uint slot;
    double sum[256];
} floor_state;

static void *floor_worker(void *p)
{
    floor_state *f = p;
    const engine *E = f->E;
    unsigned me = atomic_fetch_add(&f->slot, 1) % 256;
    workspace *w = workspace_alloc(E);
    double sum = 0;
    if (!w)
        return NULL;
    for (;;) {
        uint64_t first = atomic_fetch_add(&f->next, E->block);
        if (first >= f->trials)
            break;
        uint64_t end = first + E->block < f->trials ? first + E->block : f->trials;
        for (uint64_t j = first; j < end; j++) {
            trial_error err;
            if (draw_trial(E, w, j, &err) != 0 || settle_schedule(E, w, j, &err) != 0)
                continue;
            fx_paths(E, w, j, w->t_end);
            for (size_t e = 0; e < E->ne; e++)
                sum += w->x[e];
            for (size_t r = 0; r < E->nr; r++)
                sum += w->impact[r];
            sum += w->slip_draw + w->rate[w->t_end];
        }
    }
    f->sum[me] = sum;
    workspace_free(w);
    return NULL;
}

double cs_engine_floor(const cs_model *m, const cs_run_options *opt)
{
    cs_diag *d = cs_diag_alloc();
    engine *E = engine_prepare(m, d);
    cs_diag_free(d);
    if (!E)
        return NAN;
    floor_state f = {0};
    f.E = E;
    f.trials = opt->trials;
    atomic_init(&f.next, 0);
    atomic_init(&f.slot, 0);
    unsigned n = thread_count(opt);
    if (n > 256)
        n = 256;
    pthread_t threads[256];
    unsigned started = 1;
    for (unsigned i = 1; i < n; i++) {
        if (pthread_create(&threads[i], NULL, floor_worker, &f) != 0)
            break;
        started++;
    }
    floor_worker(&f);
    for (unsigned i = 1; i < started; i++)
        pthread_join(threads[i], NULL);
    double total = 0;
    for (int i = 0; i < 256; i++)
        total += f.sum[i];
    engine_free(E);
    return total;
}
