/* compare: two scenarios on common random numbers (docs/COMMANDS.md, compare).
 *
 * The domain rules of a comparison live here, not in the command line:
 * A and B must share base_year and report_currency; A's trials and seed
 * apply to both, carried in the run options (the models are never
 * changed); with --precision, A decides the trial count and B runs exactly
 * as many, so every trial has its pair. The compare rows (compare.csv) are
 * computed once here and handed to every writer (CSV, JSON, table, HTML,
 * XLSX). Prints nothing. */
#ifndef CS_COMPARE_H
#define CS_COMPARE_H

#include "costsim.h"
#include "diag.h"
#include "engine.h"
#include "model.h"
#include "results.h"

/* A finished comparison: both runs and the rows of their difference (the
 * public cs_comparison of costsim.h). */
typedef struct cs_comparison {
    cs_results *a, *b;                    /* owned */
    cs_compare_row rows[CS_N_MEASURES];  /* constant, nominal, pv */
} cs_comparison;

/* Checks that a and b can be compared (same base_year and
 * report_currency). Returns CS_OK, or CS_E_INPUT with a message naming
 * b's scenario file. */
cs_status cs_compare_check(const cs_model *a, const cs_model *b, cs_diag *diag);

/* The rows of B - A, per trial. a and b must have the same number of
 * trials (CS_E_INPUT otherwise); CS_E_NOMEM when out of memory. */
cs_status cs_compare_rows(const cs_results *a, const cs_results *b,
                          cs_compare_row rows[CS_N_MEASURES], cs_diag *diag);

/* Checks a and b, runs A with opt (whose trials and seed are A's, or the
 * command line's) and then B with the same seed and exactly A's trial
 * count and no precision target, and computes the rows. progress_ctx_b
 * replaces opt->progress_ctx for B's run (NULL: the same). On CS_OK *out
 * is a new comparison (cs_compare_free); otherwise NULL and diag says why. */
cs_status cs_compare_run(const cs_model *a, const cs_model *b, const cs_run_options *opt,
                         void *progress_ctx_b, cs_comparison **out, cs_diag *diag);

/* Frees c and both results; NULL does nothing. */
void cs_compare_free(cs_comparison *c);

#endif
