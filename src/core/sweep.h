/* sweep: one scenario over a grid of settings (docs/COMMANDS.md, sweep).
 *
 * The grid is the product of the varied keys' values, the first key
 * varying slowest. Every combination is loaded and checked (scenario
 * rules and limits) before the first is simulated, so a bad value in the
 * last combination costs no simulation. All combinations use the same seed
 * (common random numbers). Of a finished combination only the numbers
 * sweep.csv needs are kept (cs_sweep_row), never its trials, so a sweep
 * needs the memory of one run, not of all. Prints nothing. */
#ifndef CS_SWEEP_H
#define CS_SWEEP_H

#include <stddef.h>

#include "costsim.h"
#include "diag.h"
#include "engine.h"
#include "loader.h"
#include "results.h"

/* At most this many combinations (a usage error above). */
#define CS_SWEEP_MAX_COMBINATIONS 100000

/* One varied key and its values (strings as given, e.g. "8"). */
typedef struct {
    const char *key;
    const char *const *values;
    size_t n_values;
} cs_sweep_axis;

/* The grid and its rows (the public cs_sweep of costsim.h). */
typedef struct cs_sweep {
    size_t n_keys, n_combinations;
    char **keys;          /* n_keys, owned */
    char **values;        /* values[c * n_keys + k]: key k in combination c, owned */
    cs_sweep_row *rows;   /* n_combinations, filled by cs_sweep_run */
    size_t n_done;        /* rows filled so far */
    char *storage;        /* freed with s: copies of the strings values point at,
                             when the creator hands them over (may be NULL) */
    char *name;           /* the first combination's scenario name and report */
    char *currency;       /* currency, for reports (set by cs_sweep_validate) */
    cs_file_id *input_files; /* every combination's scenario and model files, */
    size_t n_input_files;    /* as loaded (no output may replace one) */
    cs_file_id *model_dirs;  /* and their model directories */
    size_t n_model_dirs;
} cs_sweep;

/* Builds the grid; s->values point at the axes' strings, which must
 * outlive s. A key varied twice, an axis without values, or more
 * than CS_SWEEP_MAX_COMBINATIONS combinations is CS_E_INPUT with a message
 * (path "--vary KEY"); CS_E_NOMEM when out of memory. On CS_OK *out is new
 * (cs_sweep_free). */
cs_status cs_sweep_plan(const cs_sweep_axis *axes, size_t n_axes, cs_sweep **out,
                        cs_diag *diag);

/* The settings of combination c: `before` (e.g. --set), then the varied
 * keys, then `after` (e.g. --trials, --seed, --budget), so that a later
 * one wins. *sets is new (free()), pointing into the inputs and s. */
cs_status cs_sweep_settings(const cs_sweep *s, size_t c, const cs_setting *before,
                            size_t n_before, const cs_setting *after, size_t n_after,
                            cs_setting **sets, size_t *n_sets);

/* Loads and checks every combination of the scenario at path (each model
 * is freed again) and keeps the first one's name and report currency.
 * With opt (the run options cs_sweep_run will get), each combination's
 * trials must also fit in the memory available (cs_engine_check_memory).
 * Stops at the first combination with an error: CS_E_INPUT with the
 * loader's (or the memory) message and one naming the combination. */
cs_status cs_sweep_validate(cs_sweep *s, const char *path, const cs_setting *before,
                            size_t n_before, const cs_setting *after, size_t n_after,
                            const cs_run_options *opt, cs_diag *diag);

/* Called before combination c (0-based) of n is simulated (may be NULL). */
typedef void (*cs_sweep_progress)(void *ctx, size_t c, size_t n);

/* Runs every combination in order: loads it, runs its trials with its
 * seed (opt supplies the threads, progress and cancel token; trials and
 * seed come from each combination's model), keeps its row and frees the
 * results. On failure stops and returns the engine's or loader's status;
 * s->n_done rows are filled. */
cs_status cs_sweep_run(cs_sweep *s, const char *path, const cs_setting *before,
                       size_t n_before, const cs_setting *after, size_t n_after,
                       const cs_run_options *opt, cs_sweep_progress progress, void *ctx,
                       cs_diag *diag);

/* The row of one finished run (only the totals' mean, P50, P80, P90 and the
 * budget confidence). */
void cs_sweep_row_of(const cs_results *r, cs_sweep_row *row);

/* Frees s; NULL does nothing. */
void cs_sweep_free(cs_sweep *s);

#endif
