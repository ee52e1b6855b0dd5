/* engine: the Monte Carlo simulation of docs/METHOD.md and the statistics
 * drawn from it.
 *
 * Trials run in fixed blocks on a pool of threads. Every random number is
 * tied to (seed, input identity, trial) through rng.h, so results are
 * byte-identical for any thread count and an input's draws do not depend on
 * which other inputs exist (common random numbers across scenarios).
 * Cash flows are never materialised per element and year: each element's
 * contribution is summed with prefix sums of the per-currency year factors,
 * so a trial costs O(elements x units + currencies x years), plus the
 * years of each flow when the funding profile is needed. Does not print or write files. */
#ifndef CS_ENGINE_H
#define CS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cancel.h"
#include "diag.h"
#include "model.h"
#include "results.h"

/* Above this many trials, sensitivity, attribution and tornado are measured
 * on the first CS_SENSITIVITY_TRIALS trials (docs/METHOD.md). */
#define CS_SENSITIVITY_TRIALS 100000

/* With --precision the criterion is first checked after this many trials,
 * then at every doubling (docs/COMMANDS.md). */
#define CS_PRECISION_FIRST_CHECK 1000

/* The --precision trials ceiling when --trials is not given. */
#define CS_PRECISION_CEILING 10000000

typedef struct {
    uint64_t trials;     /* trials to run; the ceiling with precision */
    unsigned threads;    /* 0: every online processor */
    double precision;    /* --precision as a fraction; 0: off */
    bool trials_out;     /* keep per-trial slip and phase costs */
    bool no_drivers;     /* skip sensitivity, attribution and tornado: no
                            per-trial inputs are stored (--no-drivers) */
    /* Called from the calling thread between blocks (may be NULL). */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* The seed of every random stream (normally the model's seed; compare
     * gives B the seed of A). The model itself is never changed. */
    uint64_t seed;
    /* Set it to stop the run (may be NULL): see cancel.h. */
    cs_cancel *cancel;
    /* A model that runs the same trials right after this one, while these
     * results are kept (compare's B; may be NULL): the memory refusal and
     * --precision's last check that fits count its memory too. */
    const cs_model *memory_partner;
} cs_run_options;

/* Runs opt->trials trials of the model with opt->seed. On CS_OK *out is
 * new results (free with cs_results_free); otherwise *out is NULL and diag
 * holds the reason: CS_E_INPUT (fewer than 1 trial, or the run would need
 * more memory than the machine has: refused before it starts),
 * CS_E_RUNTIME (a cash flow before the base year in some trial, a draw out
 * of range), CS_E_NOMEM, CS_E_CANCELLED (opt->cancel was set). */
cs_status cs_engine_run(const cs_model *m, const cs_run_options *opt, cs_results **out,
                        cs_diag *diag);

/* Bytes the run would need at most (for the refusal of docs/LIMITS.md). */
uint64_t cs_engine_memory_needed(const cs_model *m, const cs_run_options *opt);

/* The refusal cs_engine_run makes before it starts, on its own: CS_OK when
 * the run's trials (with --precision, the first check's) fit in the memory
 * available, else CS_E_INPUT with the message in diag. Lets sweep and
 * compare refuse before they simulate anything. */
cs_status cs_engine_check_memory(const cs_model *m, const cs_run_options *opt, cs_diag *diag);

#endif
