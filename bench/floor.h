/* floor: the physical floor of a costsim model, written without the
 * project's sampling code.
 *
 * bf_load() reads the shape of a scenario and its model directory (the
 * distributions, risks, correlation groups, currencies and the year range
 * that sets how many FX years a trial draws). bf_run() then draws, per
 * trial, exactly the variates the engine consumes for that model (one
 * uniform per uncertain element, two per risk, one for the slip, one per
 * uncertain inflation, one per stochastic currency and FX year), in the
 * fastest way we know: Philox4x64-10 from Random123 with all four 64-bit
 * outputs used, Wichura's AS241 for the normal quantile, erfc for the
 * normal CDF of the copula, per-distribution PERT quantile tables with
 * cubic Hermite interpolation (accurate to 1e-9 of the range), libm's exp,
 * log and sqrt. The results are summed into a checksum so that nothing is
 * optimised away, and nothing else is done: no statistics, no storage, no
 * output. This file links only against Random123 (headers), pthreads and
 * libm. */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct bf_model bf_model;

/* Per-trial counts of the work done, averaged over the trials of a run. */
typedef struct {
    double uniforms;  /* uniforms consumed */
    double philox;    /* Philox4x64-10 blocks computed (four uniforms each) */
    double norm_inv;  /* normal quantiles */
    double norm_cdf;  /* normal CDFs (copula) */
    double pert;      /* PERT quantiles (table look-ups) */
    double exps;      /* exp calls (lognormal draws, FX rates) */
} bf_counts;

/* Reads the scenario at scenario_path and the model directory its `model`
 * key names. Returns NULL with a message in err (size err_size) when a
 * file cannot be read or holds something this reader does not know.
 * Builds the PERT tables (a few tenths of a second). Free with bf_free. */
bf_model *bf_load(const char *scenario_path, char *err, size_t err_size);

void bf_free(bf_model *m);

/* Draws `trials` trials on `threads` threads (each thread takes chunks of
 * trials from a shared counter) and returns the checksum: the sum of every
 * drawn amount, rate and slip. counts, when not NULL, receives the average
 * work per trial. */
double bf_run(const bf_model *m, uint64_t trials, unsigned threads, bf_counts *counts);

/* Largest error, as a fraction of the range, of the PERT tables of m
 * against a bisection of the regularized incomplete beta function, over
 * `probes` quantiles per table (the table nodes' midpoints and random
 * points, including both tails). */
double bf_pert_table_error(const bf_model *m, unsigned probes);

/* Largest |Phi(x) - p| / min(p, 1 - p) of the normal quantile used here,
 * over `probes` points spread over (2^-53, 1 - 2^-53) on a log scale. */
double bf_norm_inv_error(unsigned probes);

/* Splits one CSV line (RFC 4180 quotes, no embedded line breaks) in place
 * into at most max fields; returns how many. */
size_t bf_csv_split(char *line, char **out, size_t max);

#endif
