/* engine: the Monte Carlo simulation of SPEC §3-§9 and the statistics of
 * §11 drawn from it.
 *
 * Trials run in fixed blocks on a pool of threads. Every random number is
 * tied to (seed, input identity, trial) through rng.h, so results are
 * byte-identical for any thread count and an input's draws do not depend on
 * which other inputs exist (common random numbers across scenarios).
 * Cash flows are never materialised per element and year: each element's
 * contribution is summed with prefix sums of the per-currency year factors,
 * and the funding profile with difference arrays, so a trial costs
 * O(elements x units + currencies x years). Does not print or write files. */
#ifndef CS_ENGINE_H
#define CS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"
#include "results.h"

/* Above this many trials, sensitivity, attribution and tornado are measured
 * on the first CS_SENSITIVITY_TRIALS trials (SPEC §11). */
#define CS_SENSITIVITY_TRIALS 100000

/* With --precision the criterion is first checked after this many trials,
 * then at every doubling (SPEC §10). */
#define CS_PRECISION_FIRST_CHECK 1000

/* The --precision trials ceiling when --trials is not given. */
#define CS_PRECISION_CEILING 10000000

typedef struct {
    uint64_t trials;     /* trials to run; the ceiling with precision */
    unsigned threads;    /* 0: every online processor */
    double precision;    /* --precision as a fraction; 0: off */
    bool trials_out;     /* keep per-trial slip and phase costs */
    /* Called from the calling thread between blocks (may be NULL). */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
} cs_run_options;

/* Runs the model. Returns new results (free with cs_results_free) or NULL
 * with a message in diag and *status set to 2 (refused: not enough memory)
 * or 1 (a run-time error: a cash flow before the base year in some trial,
 * a draw out of range, cancelled, out of memory). */
cs_results *cs_engine_run(const cs_model *m, const cs_run_options *opt, cs_diag *diag,
                          int *status);

/* Bytes the run would need at most (for the refusal of SPEC §12). */
uint64_t cs_engine_memory_needed(const cs_model *m, const cs_run_options *opt);

/* Asks a running cs_engine_run to stop after the blocks in progress
 * (async-signal-safe). The run then fails with "cancelled". */
void cs_engine_cancel(void);

/* The benchmark floor: draws exactly the random variates the model consumes
 * in opt->trials trials, through the same sampling routines and threads,
 * and does nothing else. Returns a checksum of the draws (so the work is
 * not optimised away). */
double cs_engine_floor(const cs_model *m, const cs_run_options *opt);

#endif
