/* engine drivers shapley: the attribution of docs/METHOD.md, Shapley effects of
 * the sources of uncertainty (element, risk, slip, inflation, fx) with
 * their first-order and total Sobol indices.
 *
 * For a set K of sources, v(K) = Var(E[T | sources in K]) is estimated by
 * pick-freeze: trial j is evaluated on its own draws (A) and re-evaluated
 * with the sources outside K re-drawn from a second, independent stream of
 * every input (B, keys of cs_sim_stream_key(..., second)). The closed index
 * S_K = v(K) / Var T is Janon et al.'s (2014) estimator, which centres both
 * members of each pair on their common mean:
 *   S_K = (mean(Y Y_K) - m^2) / (mean((Y^2 + Y_K^2)/2) - m^2),
 *   m = mean((Y + Y_K)/2).
 * Standard errors are batch means over 20 contiguous batches of trials.
 *
 * The re-evaluations are cheap by construction: in one trial the year
 * factors depend only on the (inflation, fx) variants and the schedule
 * only on the (slip, risk) variants, and an element's cost is linear in its
 * draw. So for each distinct slip of the (slip, risk) variants one pass
 * gives each element's cost per unit of draw under all four (inflation,
 * fx) factor variants at once (cs_sim_unit_costs, in lanes), the risks'
 * cost is added per variant, and each of the 2^n mixed totals is then a
 * dot product. Work is split into fixed chunks whose sums are added
 * in chunk order, so results do not depend on the thread count. */
#include "engine_internal.h"

#define N_BATCHES 20
#define MAX_MASKS (1u << N_SOURCES)

/* One chunk of trials [first, end) inside one batch; its sums are
 * shapley_state.sums[chunk][mask][3]: sum of Y Y_K, of Y + Y_K and of
 * Y^2 + Y_K^2 (centred). */
typedef struct {
    uint64_t first, end;
    size_t batch;
} chunk;

typedef struct {
    const engine *E;
    engine second;          /* E with the keys of the second draws */
    int src[N_SOURCES];     /* present sources in the documented order */
    int n_src;
    unsigned n_masks;
    double shift;           /* centre of the totals, for accuracy */
    double scale;           /* a power of two near 1 / the totals' spread: the
                             * sums of products neither overflow nor underflow
                             * (the indices are ratios, and the scaling is exact) */
    double *fx_mean;        /* see cs_sim_shapley */
    int t_years;
    const driver_state *hold; /* the tornado's variations held in this pass, or NULL */
    size_t n_chunks;
    chunk *chunks;
    double *sums;           /* n_chunks x n_masks x 3, see chunk */
    atomic_size_t next;
    pthread_mutex_t lock;
    atomic_bool failed; /* set under lock; the workers read it without */
    atomic_bool oom;    /* a worker's scratch could not be allocated */
    trial_error error;
} shapley_state;

/* A thread's workspaces: the two draws, the factors of each (inflation,
 * fx) variant pair, the schedule of each (risk, slip) variant pair and
 * the elements' costs per unit of draw. */
typedef struct {
    workspace *draw[2];
    workspace *factors[2][2]; /* [0][0] unused: the own draw carries those */
    workspace *eval;
    hold_scratch *hold;       /* when the pass holds the tornado's variations */
    lane_scratch *lanes;
    double *unit_cost;        /* 4 x CS_LANES x ne: cost per unit of draw, per distinct
                               * slip and factor variant */
    const double *own_unit;   /* into unit_cost: at the trial's own slip and factors */
    int own_s;                /* the trial's own slip */
    double element_sum[2][4][CS_LANES]; /* per element variant, distinct slip, factor variant */
} shapley_ws;

static void ws_free(shapley_ws *t)
{
    for (int a = 0; a < 2; a++) {
        cs_sim_workspace_free(t->draw[a]);
        for (int b = 0; b < 2; b++)
            cs_sim_workspace_free(t->factors[a][b]);
    }
    cs_sim_workspace_free(t->eval);
    cs_sim_hold_scratch_free(t->hold);
    cs_sim_lane_scratch_free(t->lanes);
    free(t->unit_cost);
}

static bool ws_alloc(const shapley_state *st, shapley_ws *t)
{
    const engine *E = st->E;
    memset(t, 0, sizeof *t);
    bool ok = true;
    for (int a = 0; a < 2; a++) {
        ok &= (t->draw[a] = cs_sim_workspace_alloc(E)) != NULL;
        for (int b = 0; b < 2; b++)
            if (a || b)
                ok &= (t->factors[a][b] = cs_sim_workspace_alloc(E)) != NULL;
    }
    ok &= (t->eval = cs_sim_workspace_alloc(E)) != NULL;
    if (st->hold)
        ok &= (t->hold = cs_sim_hold_scratch_alloc(E)) != NULL;
    ok &= (t->lanes = cs_sim_lane_scratch_alloc(E)) != NULL;
    ok &= (t->unit_cost = malloc(4 * CS_LANES * (E->ne ? E->ne : 1) * sizeof(double))) != NULL;
    return ok;
}

static void shapley_fail(shapley_state *st, const trial_error *err)
{
    pthread_mutex_lock(&st->lock);
    if (!st->failed || err->trial < st->error.trial) {
        st->failed = true;
        st->error = *err;
    }
    pthread_mutex_unlock(&st->lock);
}

/* The second, independent draws of trial j (B); inputs that do not vary
 * keep their own values. Returns 0 or -1 with err filled. */
static int second_draws(const shapley_state *st, workspace *b, const workspace *a, uint64_t j,
                        trial_error *err)
{
    const engine *E = st->E;
    if (cs_sim_draw_trial(&st->second, b, j, err) != 0)
        return -1;
    for (size_t e = 0; e < E->ne; e++)
        if (E->element_input[e] < 0)
            b->x[e] = a->x[e];
    for (size_t r = 0; r < E->nr; r++)
        if (E->risk_input[r] < 0) {
            b->occurs[r] = a->occurs[r];
            b->impact[r] = a->impact[r];
        }
    if (E->slip_fixed)
        b->slip_draw = a->slip_draw;
    cs_sim_fx_paths(&st->second, b, j, E->t_hi);
    return 0;
}

/* Trial j's own draws (the same streams as the main pass's), whose inputs
 * and FX means the sensitivity gets, and its second draws. Returns 0 or -1
 * with err filled. */
static int both_draws(shapley_state *st, shapley_ws *t, uint64_t j, trial_error *err)
{
    const engine *E = st->E;
    size_t years = (size_t)E->t_hi + 1;
    workspace *a = t->draw[0];
    if (j < E->n_kept) { /* the main pass stored and kept them */
        cs_sim_restore_trial(E, a, j);
        cs_sim_restore_paths(E, a, j, st->t_years, st->fx_mean ? st->fx_mean + j : NULL,
                             (size_t)E->n_sens);
        return second_draws(st, t->draw[1], a, j, err);
    }
    if (cs_sim_draw_trial(E, a, j, err) != 0)
        return -1;
    cs_sim_store_inputs(E, a, j);
    cs_sim_fx_paths(E, a, j, E->t_hi);
    if (st->fx_mean)
        for (size_t i = 0; i < E->n_fx; i++) {
            size_t c = E->m->fx_currencies[i];
            double sum = 0;
            /* ln(r_y / rate) from the log rate the path exponentiated,
             * not the log of the rate it gave. */
            for (int y = 1; y <= st->t_years; y++)
                sum += a->fx_log[i * years + (size_t)y] - E->log_rate[c];
            st->fx_mean[i * E->n_sens + j] = st->t_years > 0 ? sum / st->t_years : 0;
        }
    return second_draws(st, t->draw[1], a, j, err);
}

/* The year factors of each (inflation, fx) variant pair into fac. The
 * trial's own are built on its own draw, where the tornado's holds find
 * them (cs_sim_hold_trial). */
static void variant_factors(const shapley_state *st, shapley_ws *t, const int nv[N_SOURCES],
                            workspace *fac[2][2])
{
    const engine *E = st->E;
    size_t years = (size_t)E->t_hi + 1;
    fac[0][0] = t->draw[0];
    fac[0][1] = t->factors[0][1];
    fac[1][0] = t->factors[1][0];
    fac[1][1] = t->factors[1][1];
    workspace *lanes[CS_LANES];
    int n = 0;
    for (int vi = 0; vi < nv[SRC_INFLATION]; vi++)
        for (int vf = 0; vf < nv[SRC_FX]; vf++) {
            workspace *f = lanes[n++] = fac[vi][vf];
            if (f != t->draw[0]) {
                memcpy(f->inflation, t->draw[vi]->inflation, sizeof(double) * E->nc);
                memcpy(f->rate, t->draw[vf]->rate, sizeof(double) * E->nc * years);
            }
        }
    cs_sim_build_nominal_factors_lanes(E, lanes, n, E->t_hi);
}

/* The slip of each (risk, slip) variant pair, checked as the run checks
 * it, and its index among the distinct ones. Returns the number of
 * distinct slips, or -1 with err filled. */
static int variant_slips(const shapley_state *st, shapley_ws *t, uint64_t j,
                         const int nv[N_SOURCES], int slip[2][2], int distinct[4],
                         int which[2][2], trial_error *err)
{
    const engine *E = st->E;
    workspace *ev = t->eval;
    int n_distinct = 0;
    for (int vr = 0; vr < nv[SRC_RISK]; vr++)
        for (int vs = 0; vs < nv[SRC_SLIP]; vs++) {
            memcpy(ev->occurs, t->draw[vr]->occurs, E->nr);
            ev->s = cs_sim_trial_slip(E, t->draw[vs]->slip_draw, ev->occurs);
            if (cs_sim_settle_schedule(E, ev, j, err) != 0)
                return -1;
            int s = slip[vr][vs] = ev->s, q = 0;
            while (q < n_distinct && distinct[q] != s)
                q++;
            if (q == n_distinct)
                distinct[n_distinct++] = s;
            which[vr][vs] = q;
        }
    return n_distinct;
}

/* The risks' cost with the risk draws rd at slip s under factors f. */
static double risk_cost(const engine *E, const workspace *rd, int s, const workspace *f)
{
    size_t years = (size_t)E->t_hi + 1;
    double sum = 0;
    for (size_t r = 0; r < E->nr; r++) {
        if (!rd->occurs[r]) {
            sum += 0.0; /* as sum_flows adds the absent risk's 0 */
            continue;
        }
        const cs_risk *rk = &E->m->risks[r];
        double a = rd->impact[r] * rk->scale;
        int y = cs_sim_risk_year(E, r, s);
        sum += a * f->F[rk->currency * years + (size_t)y];
    }
    return sum;
}

/* Evaluates the 2^5 totals D[element][risk][slip][inflation][fx] (variant
 * 0: own draw, 1: second draw; absent sources only variant 0) of trial j.
 * The element costs depend only on the slip and the factors, so each
 * distinct slip is evaluated once for all factor variants (risks left
 * out, per unit of draw) and the risks' costs are added per pair. */
static int trial_totals(shapley_state *st, shapley_ws *t, uint64_t j, double D[MAX_MASKS])
{
    const engine *E = st->E;
    size_t ne = E->ne;
    trial_error err = {j, ""};
    if (both_draws(st, t, j, &err) != 0) {
        shapley_fail(st, &err);
        return -1;
    }
    int nv[N_SOURCES];
    for (int s = 0; s < N_SOURCES; s++)
        nv[s] = E->has_source[s] ? 2 : 1;
    workspace *fac[2][2];
    variant_factors(st, t, nv, fac);
    int slip[2][2], distinct[4], which[2][2];
    int n_distinct = variant_slips(st, t, j, nv, slip, distinct, which, &err);
    if (n_distinct < 0) {
        shapley_fail(st, &err);
        return -1;
    }
    t->own_s = slip[0][0]; /* its holds start from its own slip's costs */
    /* Lane vi * nv[fx] + vf holds factor variant (vi, vf). */
    int lanes = nv[SRC_INFLATION] * nv[SRC_FX];
    const workspace *lane_f[CS_LANES];
    for (int l = 0; l < lanes; l++)
        lane_f[l] = fac[l / nv[SRC_FX]][l % nv[SRC_FX]];
    for (int q = 0; q < n_distinct; q++) {
        double *unit = t->unit_cost + (size_t)q * CS_LANES * ne;
        cs_sim_unit_costs(E, distinct[q], lane_f, lanes, t->lanes, unit);
        for (int l = 0; l < lanes; l++) {
            const double *nom = unit + (size_t)l * ne;
            for (int ve = 0; ve < nv[SRC_ELEMENT]; ve++) {
                const double *x = t->draw[ve]->x;
                double sum = 0;
                for (size_t e = 0; e < ne; e++)
                    sum += x[e] * nom[e];
                t->element_sum[ve][q][l] = sum;
            }
        }
    }
    t->own_unit = t->unit_cost + (size_t)which[0][0] * CS_LANES * ne; /* lane 0: own factors */
    for (int vi = 0; vi < nv[SRC_INFLATION]; vi++)
        for (int vf = 0; vf < nv[SRC_FX]; vf++) {
            const workspace *f = fac[vi][vf];
            for (int vr = 0; vr < nv[SRC_RISK]; vr++)
                for (int vs = 0; vs < nv[SRC_SLIP]; vs++) {
                    int s = E->uses_schedule ? slip[vr][vs] : 0;
                    double risk_sum = risk_cost(E, t->draw[vr], s, f);
                    for (int ve = 0; ve < nv[SRC_ELEMENT]; ve++)
                        D[ve << 4 | vr << 3 | vs << 2 | vi << 1 | vf] =
                            t->element_sum[ve][which[vr][vs]][vi * nv[SRC_FX] + vf] + risk_sum;
                }
        }
    return 0;
}

/* Index into D of the total in which the sources of mask K (bit i: the
 * i-th present source) keep their own draws and the others are re-drawn. */
static unsigned mixed_index(const shapley_state *st, unsigned K)
{
    unsigned idx = 0;
    for (int i = 0; i < st->n_src; i++)
        if (!(K >> i & 1))
            idx |= 1u << (4 - st->src[i]);
    return idx;
}

static void *shapley_worker(void *p)
{
    shapley_state *st = p;
    const engine *E = st->E;
    shapley_ws t;
    if (!ws_alloc(st, &t)) {
        trial_error err = {0, "out of memory in the attribution"};
        st->oom = true; /* reported as memory running out, not as a failed run */
        shapley_fail(st, &err);
        ws_free(&t);
        return NULL;
    }
    unsigned idx[MAX_MASKS];
    for (unsigned K = 0; K < st->n_masks; K++)
        idx[K] = mixed_index(st, K);
    double D[MAX_MASKS];
    for (;;) {
        size_t c = atomic_fetch_add(&st->next, 1);
        if (c >= st->n_chunks || st->failed || cs_cancel_requested(E->cancel))
            break;
        double *sums = st->sums + c * st->n_masks * 3;
        for (uint64_t j = st->chunks[c].first; j < st->chunks[c].end; j++) {
            if (trial_totals(st, &t, j, D) != 0)
                break;
            trial_error err = {j, ""};
            if (st->hold && cs_sim_hold_trial(st->hold, t.draw[0], t.hold, j, t.own_unit,
                                              t.own_s, &err) != 0) {
                shapley_fail(st, &err);
                break;
            }
            double y = (D[0] - st->shift) * st->scale;
            for (unsigned K = 0; K < st->n_masks; K++) {
                double yk = (D[idx[K]] - st->shift) * st->scale;
                sums[3 * K] += y * yk;
                sums[3 * K + 1] += y + yk;
                sums[3 * K + 2] += y * y + yk * yk;
            }
        }
    }
    ws_free(&t);
    return NULL;
}

/* The closed indices S_K of one sample (sums over n trials, per mask);
 * S of the empty set is 0 and of all sources 1 by definition. */
static void closed_indices(const shapley_state *st, const double *sums, double n, double *S,
                           bool *degenerate)
{
    unsigned full = st->n_masks - 1;
    const double *a = sums + 3 * full;
    double mean = a[1] / (2 * n), var = a[0] / n - mean * mean;
    *degenerate = !(var > 0);
    for (unsigned K = 0; K < st->n_masks; K++) {
        const double *s = sums + 3 * K;
        double m = s[1] / (2 * n), num = s[0] / n - m * m, den = s[2] / (2 * n) - m * m;
        S[K] = den > 0 ? num / den : 0;
    }
    S[0] = 0;
    S[full] = 1;
}

/* first_order, total_effect and Shapley share of each present source from
 * the closed indices (docs/METHOD.md). */
static void indices(const shapley_state *st, const double *S, double *first, double *total,
                    double *shapley)
{
    int n = st->n_src;
    unsigned full = st->n_masks - 1;
    double fact[N_SOURCES + 1];
    fact[0] = 1;
    for (int k = 1; k <= N_SOURCES; k++)
        fact[k] = fact[k - 1] * k;
    for (int i = 0; i < n; i++) {
        unsigned bit = 1u << i;
        first[i] = S[bit];
        total[i] = 1 - S[full & ~bit];
        double sh = 0;
        for (unsigned K = 0; K < st->n_masks; K++) {
            if (K & bit)
                continue;
            int k = 0;
            for (unsigned b = K; b; b >>= 1)
                k += (int)(b & 1);
            sh += fact[k] * fact[n - k - 1] / fact[n] * (S[K | bit] - S[K]);
        }
        shapley[i] = sh;
    }
}

static int run_threads(shapley_state *st, const cs_run_options *opt)
{
    unsigned n = cs_sim_thread_count(opt);
    pthread_t *threads = calloc(n, sizeof *threads);
    unsigned started = 1;
    if (threads)
        for (unsigned i = 1; i < n; i++) {
            if (pthread_create(&threads[i], NULL, shapley_worker, st) != 0)
                break;
            started++;
        }
    shapley_worker(st);
    for (unsigned i = 1; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    if (cs_cancel_requested(st->E->cancel) && !st->failed) { /* the workers stopped early */
        st->failed = true;
        st->error = (trial_error){0, "cancelled"};
    }
    return st->failed ? -1 : 0;
}

/* Splits trials 0 .. n-1 into the batches and chunks of at most
 * DRIVER_CHUNK trials that never cross a batch. */
static bool make_chunks(shapley_state *st, uint64_t n, size_t n_batches)
{
    size_t cap = (size_t)(n / DRIVER_CHUNK) + n_batches + 1;
    st->chunks = malloc(cap * sizeof(chunk));
    if (!st->chunks)
        return false;
    st->n_chunks = 0;
    for (size_t b = 0; b < n_batches; b++) {
        uint64_t lo = n * b / n_batches, hi = n * (b + 1) / n_batches;
        for (uint64_t j = lo; j < hi; j += DRIVER_CHUNK)
            st->chunks[st->n_chunks++] =
                (chunk){j, j + DRIVER_CHUNK < hi ? j + DRIVER_CHUNK : hi, b};
    }
    return true;
}

int cs_sim_shapley(const engine *E, uint64_t n, double centre, double spread,
                   const cs_run_options *opt, double *fx_mean, int t_years,
                   const driver_state *hold, cs_attribution *out, size_t *n_out,
                   trial_error *err)
{
    static const char *const names[N_SOURCES] = {"element", "risk", "slip", "inflation",
                                                 "fx"};
    shapley_state st = {0};
    st.E = E;
    st.second = *E;
    st.shift = centre;
    st.scale = 1;
    if (spread > 0 && isfinite(spread)) {
        int e;
        frexp(spread, &e); /* spread < 2^e */
        if (e > -1000 && e < 1000)
            st.scale = ldexp(1.0, -e);
    }
    st.fx_mean = fx_mean;
    st.t_years = t_years;
    st.hold = hold;
    for (int s = 0; s < N_SOURCES; s++)
        if (E->has_source[s])
            st.src[st.n_src++] = s;
    *n_out = (size_t)st.n_src;
    if (st.n_src == 0)
        return 0;
    st.n_masks = 1u << st.n_src;
    size_t n_batches = n >= 2 * N_BATCHES ? N_BATCHES : (size_t)(n / 2);
    if (n_batches < 1)
        n_batches = 1;
    int rc = -2;
    const cs_model *m = E->m;
    bool failed = false;
    st.second.element_key = cs_sim_xcalloc(E->ne, sizeof(cs_rng_key), &failed);
    st.second.risk_key = cs_sim_xcalloc(E->nr, sizeof(cs_rng_key), &failed);
    st.second.inflation_key = cs_sim_xcalloc(E->nc, sizeof(cs_rng_key), &failed);
    st.second.fx_key = cs_sim_xcalloc(E->nc, sizeof(cs_rng_key), &failed);
    double *batch_sums = NULL, *S = NULL, *est = NULL;
    if (failed || !make_chunks(&st, n, n_batches))
        goto done;
    for (size_t e = 0; e < E->ne; e++) {
        const cs_element *el = &m->elements[e];
        st.second.element_key[e] =
            cs_sim_stream_key(E->seed, CS_INPUT_ELEMENT, el->stream ? el->stream : el->id, true);
    }
    for (size_t r = 0; r < E->nr; r++) {
        const cs_risk *rk = &m->risks[r];
        st.second.risk_key[r] =
            cs_sim_stream_key(E->seed, CS_INPUT_RISK, rk->stream ? rk->stream : rk->id, true);
    }
    for (size_t c = 0; c < E->nc; c++) {
        st.second.inflation_key[c] =
            cs_sim_stream_key(E->seed, CS_INPUT_INFLATION, m->currencies[c].code, true);
        st.second.fx_key[c] = cs_sim_stream_key(E->seed, CS_INPUT_FX, m->currencies[c].code, true);
    }
    st.second.slip_key = cs_sim_stream_key(E->seed, CS_INPUT_SLIP, m->slip_stream, true);
    size_t per = (size_t)st.n_masks * 3;
    st.sums = calloc(st.n_chunks * per, sizeof(double));
    batch_sums = calloc((n_batches + 1) * per, sizeof(double));
    S = malloc(st.n_masks * sizeof(double));
    est = calloc((n_batches + 1) * 3 * N_SOURCES, sizeof(double));
    if (!st.sums || !batch_sums || !S || !est)
        goto done;
    pthread_mutex_init(&st.lock, NULL);
    atomic_init(&st.next, 0);
    atomic_init(&st.oom, false);
    rc = run_threads(&st, opt);
    pthread_mutex_destroy(&st.lock);
    if (rc != 0) {
        *err = st.error;
        rc = st.oom ? -2 : -1;
        goto done;
    }
    /* Chunk sums into batch sums, batch sums into the whole (fixed order). */
    double *whole = batch_sums + n_batches * per;
    for (size_t c = 0; c < st.n_chunks; c++)
        for (size_t k = 0; k < per; k++)
            batch_sums[st.chunks[c].batch * per + k] += st.sums[c * per + k];
    for (size_t b = 0; b < n_batches; b++)
        for (size_t k = 0; k < per; k++)
            whole[k] += batch_sums[b * per + k];
    bool degenerate;
    for (size_t b = 0; b <= n_batches; b++) {
        double nb = b == n_batches ? (double)n
                                   : (double)(n * (b + 1) / n_batches - n * b / n_batches);
        closed_indices(&st, batch_sums + b * per, nb, S, &degenerate);
        double *e3 = est + b * 3 * N_SOURCES;
        indices(&st, S, e3, e3 + N_SOURCES, e3 + 2 * N_SOURCES);
    }
    closed_indices(&st, whole, (double)n, S, &degenerate);
    double v_all[N_SOURCES][3], se_all[N_SOURCES][3];
    for (int i = 0; i < st.n_src; i++) {
        double *v = v_all[i], *se = se_all[i];
        for (int q = 0; q < 3; q++) {
            v[q] = est[n_batches * 3 * N_SOURCES + (size_t)q * N_SOURCES + (size_t)i];
            double mu = 0, ss = 0;
            for (size_t b = 0; b < n_batches; b++)
                mu += est[b * 3 * N_SOURCES + (size_t)q * N_SOURCES + (size_t)i];
            mu /= (double)n_batches;
            for (size_t b = 0; b < n_batches; b++) {
                double d = est[b * 3 * N_SOURCES + (size_t)q * N_SOURCES + (size_t)i] - mu;
                ss += d * d;
            }
            /* fewer than 4 trials: nothing to estimate an error from */
            se[q] = n_batches >= 2 ? sqrt(ss / (double)(n_batches - 1) / (double)n_batches) : 0;
            if (degenerate)
                v[q] = se[q] = 0;
        }
    }
    /* The estimates are unbiased but noisy: a source that explains almost
     * nothing can come out a little below 0 (or one that explains almost
     * everything above 1). Indices and shares are fractions 0 ... 1
     * (docs/METHOD.md): the Sobol indices are clamped to that range, the
     * Shapley shares below 0 set to 0 and all of them rescaled to sum to 1
     * again. Standard errors stay those of the unclamped estimates. */
    double share_sum = 0;
    for (int i = 0; i < st.n_src; i++) {
        for (int q = 0; q < 2; q++)
            v_all[i][q] = fmin(1, fmax(0, v_all[i][q]));
        v_all[i][2] = fmax(0, v_all[i][2]);
        share_sum += v_all[i][2];
    }
    for (int i = 0; i < st.n_src; i++) {
        if (share_sum > 0)
            v_all[i][2] /= share_sum;
        const double *v = v_all[i], *se = se_all[i];
        out[i] = (cs_attribution){names[st.src[i]], v[2], se[2], v[0], se[0], v[1], se[1]};
    }
    rc = 0;
done:
    free(st.second.element_key);
    free(st.second.risk_key);
    free(st.second.inflation_key);
    free(st.second.fx_key);
    free(st.chunks);
    free(st.sums);
    free(batch_sums);
    free(S);
    free(est);
    return rc;
}
