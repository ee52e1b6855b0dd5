/* engine_internal: what the parts of the engine (src/sim, all but rng,
 * dist and corr) share and nobody else uses: the prepared engine, the
 * per-thread workspace, the run state of blocks and drivers, and the
 * functions each part offers the others. Not part of the library's
 * interface. */
#ifndef CS_ENGINE_INTERNAL_H
#define CS_ENGINE_INTERNAL_H

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

typedef enum { SRC_ELEMENT, SRC_RISK, SRC_SLIP, SRC_INFLATION, SRC_FX } source;

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
    /* The contributions of each phase, as indices into a measure's
     * contributions (e, or ne + r): phase p's are members[member_start[p]
     * .. member_start[p + 1] - 1], its elements then its risks, each in
     * file order (the order the phase's sum adds them in). */
    size_t *phase_members, *member_start;
    size_t rows_per_measure;  /* phases + elements + risks */
    size_t n_year_rows;       /* t_lo .. t_hi */
    size_t n_rows;            /* 3 * rows_per_measure + n_year_rows */
    size_t block;             /* trials per block */
    /* The recount (recount.c): when every row's sketch would take more
     * than RECOUNT_SKETCH_BYTES, the main pass keeps RECOUNT_POINTS
     * coarse points per row and block (every recount_k-th order
     * statistic), and two more passes over the same trials give the
     * rows' percentiles exactly. recount_plan is its state. */
    bool recount;
    size_t recount_k;
    struct recount_plan *recount_plan;
    /* When storing every element input of the drivers' trials would take
     * more than STREAM_INPUT_BYTES, the element inputs are not stored: the
     * drivers' passes draw their trials again, and the sensitivity redraws
     * the element inputs a group at a time (assemble.c). */
    bool stream_elements;
    /* drivers */
    uint64_t n_sens;          /* trials whose draws are stored */
    size_t n_inputs;
    input_store *inputs;
    double *sens_slip;        /* slip draw per sensitivity trial (always) */
    /* Trials 0 .. n_kept-1 (every trial a drivers' trial, see
     * cs_sim_keep_size) had their inputs stored and their FX paths kept by
     * the main pass (kept_paths: per trial and FX currency, the rates of
     * years 1 .. t_hi, then the running sums of ln(r_y / rate)), so that
     * the attribution's pass restores them instead of drawing them again,
     * and kept_amounts, their evaluation's base-year amounts per currency
     * and year, which the tornado's currency holds weigh. */
    uint64_t n_kept;
    double *kept_paths;
    double *kept_amounts; /* cs_sim_amount_doubles per kept trial */
    int *element_input, *risk_input, *inflation_input, *fx_input; /* -1 if none */
    bool has_source[N_SOURCES];
    uint64_t seed;            /* of every stream (cs_run_options.seed) */
    cs_cancel *cancel;        /* the run's token, may be NULL */
    /* Quantile tables for drawing (draw.c, cs_sim_prepare_tables): per
     * element, risk impact and currency inflation, and the slip; NULL
     * where the exact quantile is used. tables owns the distinct ones. */
    cs_dist_table **element_table, **risk_table, **inflation_table, *slip_table;
    cs_dist_table **tables;
    size_t n_tables;
    /* Element years per slip (cs_sim_prepare_tables): first and last year
     * index of element e at slip s at [2 (s ne + e)], or NULL. */
    int *element_years;
    /* Risk years per slip, the same way: year index of risk r at slip s at
     * [s nr + r], or NULL (cs_sim_risk_year reads it). */
    int *risk_years;
    /* Per currency (cs_sim_prepare_tables): CS_UNIT_BUILD when it has a
     * per_unit element, CS_UNIT_SERVICE when it has a per_unit_year one
     * (only those years are summed, and they lie within the tables), and
     * CS_UNIT_SHAPED when it has a front or back profile, the only use of
     * the t-weighted factor sums. */
    unsigned char *unit_kinds;
} engine;

enum { CS_UNIT_BUILD = 1, CS_UNIT_SERVICE = 2, CS_UNIT_SHAPED = 4 };

/* A thread's scratch space: everything one trial touches. */
typedef struct {
    double *u, *x, *z;
    unsigned char *occurs;
    double *impact;
    double slip_draw;
    int s;
    double *inflation;
    double *rate;        /* nc x (t_hi + 1) */
    double *fx_u, *fx_z; /* n_fx x (t_hi + 1): the shocks' uniforms, their Phi^-1 */
    double *fx_log;      /* n_fx x (t_hi + 1): the log rates whose exp is in rate */
    int t_end;           /* last year index of this trial */
    double *F, *G;       /* nc x (t_hi + 1) nominal / pv factors */
    double *PF, *PG, *PTF, *PTG; /* nc x (t_hi + 2) prefix sums */
    double *year_amount;         /* nc x (t_hi + 2): base-year amounts per year (trial.c) */
    int *in_service;             /* t_hi + 2: units in service, a difference array */
    double *year_nominal;        /* t_hi + 1 */
    double *contrib;     /* 3 x (ne + nr) */
    double *phase;       /* 3 x np */
    double total[CS_N_MEASURES];
    int year_lo, year_hi; /* year indices with a flow in this trial */
    /* Shared by every per_unit / per_unit_year element of a currency in
     * one evaluation (trial.c): per currency and unit the nominal and pv
     * sums over the unit's build years, per currency the sums over every
     * unit's service years, and their amounts for the funding profile. */
    double *unit_n, *unit_p, *unit_amount; /* nc x units */
    double *service_n, *service_p, *service_amount; /* nc */
    unsigned char *unit_ready;            /* nc: unit sums computed */
    double *inv_report;                   /* t_hi + 1: 1 / report rate */
    /* Uniforms of the four trials 4 group .. 4 group + 3 (draw.c, fx.c):
     * one Philox call serves four trials (rng.h). lanes: per element, two
     * per risk, the slip, per currency's inflation, 4 lanes each;
     * fx_lanes: per FX currency and year, 4 lanes, fx_filled years of
     * them drawn. UINT64_MAX: nothing cached. */
    uint64_t lanes_group, fx_group;
    double *lanes, *fx_lanes;
    int *fx_filled;
} workspace;

/* A run-time error of one trial. */
typedef struct {
    uint64_t trial;
    char message[512];
} trial_error;

typedef struct {
    cs_sketch **sketch; /* n_rows; NULL in a recount (coarse instead) */
    double *coarse;     /* recount: n_rows x RECOUNT_SLOTS coarse points */
    double *mean, *m2;  /* n_rows; m2 holds the square root of the block's sum of
                         * squared deviations, which cannot overflow */
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
    int *trial_first;         /* first delivery year per trial (schedule) */
    int pass;                 /* 0 the main pass; a recount's 1 (count), 2 (collect) */
} run_state;

typedef struct {
    run_state *st;
    bool main_thread;
    const cs_run_options *opt;
    uint64_t progress_total;
    uint64_t reported; /* the main thread's last progress report */
} worker_arg;

/* A change to one trial's draws before evaluating it: the tornado's hold
 * of one input at a quantile. */
typedef struct {
    int hold_input;      /* an input (index into inputs) held, or -1 */
    double hold_quantile; /* 0.1 or 0.9 */
} variation;

typedef struct {
    const engine *E;
    const variation *variations;
    size_t n_variations;
    double **out;         /* per variation: nominal total per sensitivity trial */
    int t_years;          /* T = Y - base_year for the FX input and holds */
    atomic_uint_fast64_t next;
    pthread_mutex_t lock;
    atomic_bool failed; /* set under lock; the workers read it without */
    trial_error error;
    /* per variation: the held value (set by cs_sim_run_drivers), so no
     * quantile is computed per trial; for a held currency also its rate
     * path, years 0 .. t_hi, the same in every trial (else NULL) */
    double *held;
    double **held_path;
    /* evaluate trials 0 .. limit-1 only (0: all n_sens) */
    uint64_t limit;
    /* draw each trial from its streams instead of restoring its stored
     * inputs (a pass before the inputs are stored) */
    bool draw;
} driver_state;

/* At most this many bytes of tornado outputs (one double per variation and
 * sensitivity trial) per pass; at least 2 x TORNADO_MAX variations. 128 MiB
 * holds 83 inputs on 100 000 trials, so a model of a few dozen inputs is
 * held in the attribution's pass without a screening pass before it. */
#define TORNADO_BUFFER_BYTES (128u << 20)
/* Above this, the drivers' element inputs are not stored but redrawn
 * (engine.stream_elements); the sensitivity's redrawn groups take at most
 * as much. */
#ifndef STREAM_INPUT_BYTES
#define STREAM_INPUT_BYTES ((uint64_t)256 << 20)
#endif
extern uint64_t cs_sim_stream_input_bytes; /* STREAM_INPUT_BYTES; tests lower it */
/* The most the main pass's kept trials may take (cs_sim_keep_size). */
#define KEPT_BYTES (64u << 20)

/* With more tornado inputs than one pass holds, they are screened on at
 * most this many trials (at least 1 000) before the exact measurement. */
#define TORNADO_SCREEN_TRIALS 10000

#define DRIVER_CHUNK 1024

static inline int round_half_away(double x) { return (int)round(x); }

void *cs_sim_xcalloc(size_t n, size_t size, bool *failed);
/* n x size bytes, not cleared, 64-byte aligned, for a large array the
 * run fills (freed with free()). From 2 MiB on it is aligned to 2 MiB and
 * the kernel is asked to back it with transparent huge pages: filling it
 * then takes one page fault per 2 MiB instead of one per 4 KiB, which on
 * this kind of VM was a fifth of the drivers' CPU time (bench/README.md).
 * It may hold up to one huge page more than it uses (BIG_ALLOC_SLACK in
 * the memory estimate). NULL (and *failed set) when out of memory or when
 * n x size overflows. */
void *cs_sim_big_alloc(size_t n, size_t size, bool *failed);
#define BIG_ALLOC_SLACK ((size_t)2 << 20)

/* Years of element e's flows at slip s, as year indices (cs_model_element_years). */
void cs_sim_element_years(const engine *E, size_t e, int s, int *first, int *last);

int cs_sim_risk_year(const engine *E, size_t r, int s);

void cs_sim_engine_free(engine *E);

/* Builds the tables of one run with the model's seed. Returns NULL with a
 * message on failure. */
engine *cs_sim_engine_prepare(const cs_model *m, cs_diag *diag);

/* The same with the streams keyed by seed (cs_run_options.seed). */
engine *cs_sim_engine_prepare_seeded(const cs_model *m, uint64_t seed, cs_diag *diag);

void cs_sim_workspace_free(workspace *w);

workspace *cs_sim_workspace_alloc(const engine *E);

uint64_t cs_sim_available_memory(void);

void cs_sim_free_state(run_state *st, size_t n_blocks, size_t n_rows);

/* ---- The recount (recount.c) ---------------------------------------------
 * For models whose per-row sketches would not fit (thousands of elements
 * at 1e5 trials): the main pass keeps RECOUNT_POINTS coarse points per
 * row and block; from them each row gets probe values around its listed
 * percentiles; a second pass over the same trials (reproducible by index)
 * counts each row's values between its probes, which gives the probes'
 * exact ranks; a third collects the values of the gaps that hold a listed
 * order statistic. The rows' percentiles are then exact (type 7), as are
 * their point_percentiles. */
#ifndef RECOUNT_SKETCH_BYTES
#define RECOUNT_SKETCH_BYTES ((uint64_t)1 << 30)
#endif
/* The threshold in force (RECOUNT_SKETCH_BYTES; the tests lower it to make
 * small runs recount). */
extern uint64_t cs_sim_recount_sketch_bytes;
/* The values the collecting pass holds at once, at most (RECOUNT_VALUES_BYTES;
 * the tests lower it to make the collection take several passes). */
#ifndef RECOUNT_VALUES_BYTES
#define RECOUNT_VALUES_BYTES ((uint64_t)256 << 20)
#endif
extern uint64_t cs_sim_recount_values_bytes;
/* Collecting passes made by recounts so far, the gaps they collected and
 * the values in those gaps (for the tests). */
extern atomic_size_t cs_sim_recount_collections, cs_sim_recount_gaps, cs_sim_recount_gap_values;
/* The bytes of gap values a run of `trials` collects at once, at most:
 * cs_sim_recount_values_bytes, or the largest gap there can be. */
uint64_t cs_sim_recount_values_budget(const engine *E, uint64_t trials);
/* Tests only: 1 loses one count after the counting pass, 2 one value after
 * the collecting pass, so that the passes' cross-checks must stop the run. */
extern int cs_sim_recount_fault;
#define RECOUNT_POINTS 32
/* A block's coarse points take RECOUNT_POINTS runs of k values, the first
 * run shortened to cs_sim_recount_first_run(block index, k) values, so
 * RECOUNT_POINTS + 1 of them at most. The first runs differ from block to
 * block (golden-ratio steps through 1 ... k): every block's points would
 * otherwise sit near the same 32 quantiles, and the gaps between those
 * clusters, which the recount collects, would hold about N/64 values
 * each instead of about k. */
#define RECOUNT_SLOTS (RECOUNT_POINTS + 1)
static inline size_t cs_sim_recount_first_run(size_t b, size_t k)
{
    return k ? 1 + (size_t)(((uint64_t)b * 0x9E3779B97F4A7C15ull) >> 40) % k : 1;
}
/* Whether a run of `trials` recounts, and its k (engine.c sets E->recount,
 * E->recount_k from it before the run). */
bool cs_sim_recount_needed(const engine *E, uint64_t trials, size_t *k);
/* Passes 1 and 2 after the main pass; 0, or -1 with st->failed (and
 * st->oom or st->error) set. */
int cs_sim_recount(engine *E, run_state *st, size_t n_blocks, const cs_run_options *opt);
/* The recounted percentile k (cs_results_summary_p[k]) and the share (0-100) at
 * or below the point estimate of a summary row (index among the 3 x rpm). */
double cs_sim_recount_percentile(const engine *E, size_t row, int k);
double cs_sim_recount_point_percentile(const engine *E, size_t row);
void cs_sim_recount_free(engine *E);
/* Per block in a recount's passes (run.c): count or collect the gathered
 * values v (n) of row `row` into the thread's cells (pass 1) or the plan
 * (pass 2). */
void cs_sim_recount_row(const engine *E, int pass, size_t row, const double *v, size_t n,
                        uint32_t *cells);
size_t cs_sim_recount_cells(const engine *E); /* cells per thread in pass 1 */
void cs_sim_recount_add_cells(const engine *E, const uint32_t *cells);

/* Slip of the trial from the unrounded draw and the risks that occur. */
int cs_sim_trial_slip(const engine *E, double slip_draw, const unsigned char *occurs);
/* The two parts cs_sim_trial_slip adds, for holds that change one of
 * them: the slip draw's years (rounded, at least 0, at most 1e6) and the
 * occurring risks' slips; cs_sim_slip_of(sum) is the trial's slip. */
long long cs_sim_slip_draw_years(double slip_draw);
long long cs_sim_risk_slip_years(const engine *E, const unsigned char *occurs);
int cs_sim_slip_of(long long years);

/* Checks the schedule of slip s (and the risk years) and sets w->t_end.
 * Returns 0, or -1 with the error filled. */
int cs_sim_settle_schedule(const engine *E, workspace *w, uint64_t trial, trial_error *err);

/* The draws of the listed elements (n of them) in trials 4 q .. 4 q + 3,
 * exactly as cs_sim_draw_trial draws them (their correlation groups'
 * copula included), into x[lane n + i]; u4 is scratch of 4 ne. For the
 * sensitivity's redrawn element inputs (engine.stream_elements). */
void cs_sim_draw_elements(const engine *E, double *u4, uint64_t q, const size_t *elements,
                          size_t n, double *x);

/* Draws every input of trial j except the FX paths. */
int cs_sim_draw_trial(const engine *E, workspace *w, uint64_t j, trial_error *err);

/* Builds E's quantile tables: one per distinct beta-PERT shape among the
 * elements, risk impacts, inflations and the slip. Returns 0, or -1 when
 * out of memory. Without tables (never built) E draws with the exact
 * quantiles. The tables are built on up to `threads` threads. */
int cs_sim_prepare_tables(engine *E, unsigned threads);

/* How many tables cs_sim_prepare_tables builds (for the memory estimate). */
size_t cs_sim_table_count(const engine *E);

/* Frees E's quantile tables (safe when none were built). */
void cs_sim_free_tables(engine *E);

/* One step of a currency's log rate (docs/FORMAT.md, currencies). */
double cs_sim_fx_step(const cs_currency *cu, double log_rate0, double prev, double eps);

/* Exchange-rate paths of trial j for years 0 .. t_end (rate per year in
 * w->rate). Shocks: eps_t = L z_t, z from each currency's own stream. */
void cs_sim_fx_paths(const engine *E, workspace *w, uint64_t j, int t_end);
/* Doubles kept per trial by cs_sim_keep_paths. */
size_t cs_sim_path_doubles(const engine *E);
/* Keeps trial j's FX paths (built by cs_sim_fx_paths up to t_hi). */
void cs_sim_keep_paths(const engine *E, const workspace *w, uint64_t j);
/* Trial j's rates of every currency for years 0 .. t_hi as
 * cs_sim_fx_paths(E, w, j, t_hi) builds them, from what was kept; with
 * fx_mean, also each FX currency i's mean of ln(r_y / rate) over years
 * 1 .. t_years into fx_mean[i * stride] (0 when t_years is 0), the same
 * bits as summing from the path. */
void cs_sim_restore_paths(const engine *E, workspace *w, uint64_t j, int t_years, double *fx_mean,
                          size_t stride);

/* The point-estimate FX path (docs/METHOD.md): rate e^(drift t) for gbm, rate
 * for ou and fixed. */
void cs_sim_fx_point_path(const engine *E, workspace *w, size_t c, int t_end);

/* The year factors of every currency for year indices 0 .. T from the
 * inflation and rates in w (docs/METHOD.md): F_c(t) = (1+i_c)^t (h hedge_rate +
 * (1-h) r_c(t)) / r_report(t), G_c(t) = F_c(t) / (1+d)^t, and the prefix
 * sums of F, G, t F and t G (the t-weighted ones only for a currency with
 * a front or back profile). */
void cs_sim_build_factors(const engine *E, workspace *w, int T);
/* The same, F and its prefix sums only: all cs_sim_sum_nominal reads. */
void cs_sim_build_nominal_factors(const engine *E, workspace *w, int T);

/* Turns the draws in w into the three totals; with detail also the phase,
 * element, risk and per-year amounts. */
void cs_sim_evaluate(const engine *E, workspace *w, bool detail);

void cs_sim_sum_flows(const engine *E, workspace *w, const workspace *f, bool detail);
/* cs_sim_sum_flows() for the nominal measure alone (no detail): sets the
 * nominal contributions and w->total[CS_NOMINAL], nothing else. What the
 * drivers need, at about half the work. */
void cs_sim_sum_nominal(const engine *E, workspace *w, const workspace *f);
/* cs_sim_sum_nominal() with detail: also the nominal phases, the
 * per-currency year amounts and the funding profile. */
void cs_sim_sum_nominal_flows(const engine *E, workspace *w, const workspace *f);
/* The base-year amount of every currency and year index 0 .. t_hi (0 past
 * w->t_end) from the year amounts of an evaluation with detail:
 * amount[c * (t_hi + 1) + t]. */
void cs_sim_year_amounts(const engine *E, const workspace *w, double *amount);

/* Each element's nominal cost per unit of its draw at slip s under each of
 * `lanes` (1, 2 or CS_LANES = 4) factor sets f[l] (risks left out):
 * out[l * ne + e]. Lane l gets the same operations, in the same order, as
 * cs_sim_sum_nominal with f[l] and every element draw at 1, so the same
 * bits; the lanes share the element's years, weights and branches. The
 * attribution's mixed totals need up to four factor sets at every slip. */
#define CS_LANES 4
typedef struct cs_lane_scratch lane_scratch;
lane_scratch *cs_sim_lane_scratch_alloc(const engine *E);
void cs_sim_lane_scratch_free(lane_scratch *ls);
void cs_sim_unit_costs(const engine *E, int s, const workspace *const f[], int lanes,
                       lane_scratch *ls, double *out);

/* cs_sim_build_nominal_factors on `lanes` (1, 2 or CS_LANES) distinct
 * workspaces at once, each with its own inflation and rates: independent
 * chains side by side, the same bits in each. */
void cs_sim_build_nominal_factors_lanes(const engine *E, workspace *const f[], int lanes, int T);

unsigned cs_sim_thread_count(const cs_run_options *opt);
/* Calls fn(ctx, worker, i) once for every i in [0, n) on up to `threads`
 * threads (worker < threads names the calling thread's scratch). fn must
 * write only item i's results and its worker's scratch. */
void cs_sim_parallel_for(unsigned threads, size_t n,
                         void (*fn)(void *ctx, unsigned worker, size_t i), void *ctx);

/* Trials per block for a run of `trials` (at most E->block as prepared):
 * a function of the model and the trials only, never of the threads. */
size_t cs_sim_block_trials(const engine *E, uint64_t trials);

/* Runs blocks [next_block, block_end) on the threads. */
void cs_sim_run_blocks(run_state *st, size_t block_end, const cs_run_options *opt,
                uint64_t progress_total);

/* Runs d's variations on its trials over the threads (begin, the workers,
 * end). -1 with d->error on failure. */
int cs_sim_run_drivers(driver_state *d, const cs_run_options *opt);
/* The held values of d's variations, worked out once (and d's lock and
 * counter); -1 when out of memory. Every begin needs its end, which frees
 * them and turns a cancel into d's error. */
int cs_sim_drivers_begin(driver_state *d);
void cs_sim_drivers_end(driver_state *d);

/* A thread's scratch for cs_sim_hold_trial. */
typedef struct cs_hold_scratch hold_scratch;
hold_scratch *cs_sim_hold_scratch_alloc(const engine *E);
void cs_sim_hold_scratch_free(hold_scratch *h);
/* The held totals of trial j for every variation of d (between
 * cs_sim_drivers_begin and end) into d->out[k][j]. base holds the trial's
 * draws, its FX paths and its factors over years 0 .. t_hi; its schedule
 * and evaluation results are overwritten, its draws kept. own_unit, when
 * not NULL, is each element's nominal cost per unit of draw at slip own_s
 * under base's factors (as cs_sim_sum_nominal gives it), which the trial
 * then need not evaluate at its own slip if that is own_s. Returns 0, or
 * -1 with err filled. */
int cs_sim_hold_trial(const driver_state *d, workspace *base, hold_scratch *h, uint64_t j,
                      const double *own_unit, int own_s, trial_error *err);

/* Rebuilds the draws of sensitivity trial j from what the run stored (all
 * but the FX paths). */
void cs_sim_restore_trial(const engine *E, workspace *w, uint64_t j);
/* The name of an input in the outputs: the element's or risk's id,
 * "slip", or the currency code (inflation and exchange rate alike). */
const char *cs_sim_input_label(const engine *E, const input_store *in);
/* Stores the draws in w as sensitivity trial j's (the attribution's pass,
 * which draws each trial again, unless the main pass kept it). */
void cs_sim_store_inputs(const engine *E, const workspace *w, uint64_t j);

/* How many trials of a run the main pass keeps for the drivers: all of
 * them when every trial is a drivers' trial (no --no-drivers, trials <=
 * CS_SENSITIVITY_TRIALS) and what is kept (cs_sim_keep_trial, at most
 * cs_sim_keep_doubles a trial) takes at most KEPT_BYTES; else none. */
uint64_t cs_sim_keep_size(const engine *E, const cs_run_options *opt);
/* Doubles a kept trial takes: its paths, its amounts and, at most, its
 * stored draws (every element, risk, inflation and currency, and the
 * slip). */
size_t cs_sim_amount_doubles(const engine *E);
size_t cs_sim_keep_doubles(const engine *E);
/* Keeps trial j of the main pass, evaluated with detail and its FX paths
 * built up to t_hi: its draws (cs_sim_store_inputs), its paths and its
 * base-year amounts per currency and year (cs_sim_year_amounts, which the
 * tornado's inflation and exchange-rate holds weigh). */
void cs_sim_keep_trial(const engine *E, const workspace *w, uint64_t j);

/* Sets up the inputs whose draws are stored for the drivers. */
int cs_sim_setup_inputs(engine *E, uint64_t n_sens);
/* Allocates the stored draws of the inputs set up by cs_sim_setup_inputs
 * (after the main pass, unless it keeps its trials). -1 when out of
 * memory. */
int cs_sim_alloc_input_values(engine *E);
/* The drivers' element inputs: one per element that is not fixed. */
size_t cs_sim_element_inputs(const engine *E);
/* Whether the drivers' element inputs are redrawn rather than stored
 * (sets nothing; engine.c sets E->stream_elements from it). */
bool cs_sim_stream_elements(const engine *E, uint64_t n_sens);

/* Turns the n trials of st (in n_blocks blocks) into results: summary rows
 * with the point estimate, the funding profile, confidence intervals and
 * budget, then the drivers (sensitivity, attribution, tornado). On CS_OK
 * sets *out; otherwise adds a message to diag and returns CS_E_NOMEM or
 * CS_E_RUNTIME. Takes st's totals and per-trial outputs. */
cs_status cs_sim_assemble(engine *E, run_state *st, uint64_t n, size_t n_blocks,
                          const cs_run_options *opt, cs_results **out, cs_diag *diag);

/* The point-estimate run (docs/METHOD.md). */
int cs_sim_point_run(const engine *E, workspace *w, trial_error *err);

/* The --precision criterion (docs/COMMANDS.md): the mean's 95% half-width and
 * both sides of the P80's order-statistic interval within P of the value. */
bool cs_sim_within_precision(double mean, double half, double p80, double p80_lo,
                      double p80_hi, double precision);

/* ---- schedule_stats.c and allocation.c ---- */

/* The constant-measure amount of each year of the trial just evaluated
 * (with detail) into column i of the block buffer rows (stride B), one
 * row per year index t_lo .. t_hi; 0 outside the trial's flow years. */
void cs_sim_year_constant_rows(const engine *E, const workspace *w, double *rows, size_t B,
                               size_t i);

/* schedule.csv, jcl.csv and the joint confidence from the run's first
 * delivery years (r->trial_first_delivery) and totals. Does nothing when
 * the model has no schedule. False when out of memory. */
bool cs_sim_schedule_stats(const engine *E, cs_results *r);

/* allocation.csv (docs/METHOD.md): re-evaluates the trials nearest in rank to
 * the totals' P50 and P80 in the constant and nominal measures, on up to
 * `threads` threads. Returns 0, 1 with err filled (a trial failed on
 * re-evaluation), -1 out of memory. */
int cs_sim_allocation(const engine *E, cs_results *r, unsigned threads, trial_error *err);

/* The key of the random stream `stream` of an input of kind `kind`
 * (docs/COMMANDS.md): a function of (seed, kind, stream) only. With second, the
 * key of an independent second draw of the same input (the re-drawn
 * sources of the attribution's pick-freeze estimate). The slip's default
 * stream "slip" (or NULL) keeps the key of earlier versions. */
cs_rng_key cs_sim_stream_key(uint64_t seed, cs_input_kind kind, const char *stream, bool second);

/* The attribution of docs/METHOD.md on sensitivity trials 0 .. n-1 (their draws
 * stored in E): one row per uncertain source into out (room for
 * N_SOURCES), their count in *n_out. centre is a value near the mean total
 * (for accuracy). Returns 0; -1 with err filled on a run-time error of a
 * re-evaluated trial; -2 when out of memory. */
/* The attribution on the first n trials (drivers_shapley.c). Its pass
 * draws every trial again, stores the inputs (cs_sim_store_inputs), when
 * fx_mean is not NULL the mean log change of each FX input's rate over
 * years 1 .. t_years (per fx currency x trial), and when hold is not NULL
 * (between cs_sim_drivers_begin and end, on all n trials) the tornado's
 * held totals of each trial, from the same draws, FX paths and factors. */
int cs_sim_shapley(const engine *E, uint64_t n, double centre, double spread,
                   const cs_run_options *opt, double *fx_mean, int t_years,
                   const driver_state *hold, cs_attribution *out, size_t *n_out,
                   trial_error *err);

#endif
