/* report: the text outputs of SPEC §11 — the terminal table, the CSV files
 * and the JSON object — written from finished results. Knows nothing of how
 * the numbers were made; never simulates. Write errors show up through
 * ferror() of the FILE (checked by the outdir commit). */
#ifndef CS_REPORT_H
#define CS_REPORT_H

#include <stdio.h>

#include "diag.h"
#include "outdir.h"
#include "results.h"

/* The file names a run manages in --out DIR (NULL-terminated): the SPEC §11
 * table plus report.html and results.xlsx. Files of this list that a run
 * does not write are removed from DIR. */
extern const char *const cs_report_managed_files[];

/* One file each (SPEC §11 columns and row order). */
void cs_report_summary_csv(FILE *f, const cs_results *r);
void cs_report_by_year_csv(FILE *f, const cs_results *r);
void cs_report_scurve_csv(FILE *f, const cs_results *r);
void cs_report_sensitivity_csv(FILE *f, const cs_results *r);
void cs_report_budget_csv(FILE *f, const cs_results *r);
void cs_report_attribution_csv(FILE *f, const cs_results *r);
void cs_report_tornado_csv(FILE *f, const cs_results *r);
void cs_report_trials_csv(FILE *f, const cs_results *r);

/* Creates every file of one run in o under prefix ("" or "a/"): summary,
 * by_year, scurve, sensitivity, attribution, tornado, budget (when a budget
 * is set) and trials (when r->has_trials). Returns 0, or -1 with a message
 * in diag. */
int cs_report_write_run_files(cs_outdir *o, const char *prefix, const cs_results *r,
                              cs_diag *diag);

/* The terminal table (SPEC §11 "Terminal"). */
void cs_report_table(FILE *f, const cs_results *r);

/* The JSON object of one run (SPEC §11), pretty-printed with jansson,
 * ending with a newline. Returns 0 or -1 (out of memory). */
int cs_report_json(FILE *f, const cs_results *r);

/* ---- compare ---- */

/* Per measure: the mean of B - A per trial, that difference's P10, P50,
 * P90, and the percent of trials with B > A. Both results must have the
 * same number of trials. */
typedef struct {
    double mean_diff, p10, p50, p90, p_b_gt_a;
} cs_compare_row;

/* Computes the three rows (constant, nominal, pv). Returns 0 or -1 (OOM). */
int cs_report_compare_compute(const cs_results *a, const cs_results *b,
                       cs_compare_row rows[CS_N_MEASURES]);
void cs_report_compare_csv(FILE *f, const cs_compare_row rows[CS_N_MEASURES]);
void cs_report_compare_table(FILE *f, const cs_results *a, const cs_results *b,
                             const cs_compare_row rows[CS_N_MEASURES]);
/* {"a": <run object>, "b": <run object>, "compare": [...]} */
int cs_report_compare_json(FILE *f, const cs_results *a, const cs_results *b,
                           const cs_compare_row rows[CS_N_MEASURES]);

/* ---- sweep ---- */

/* sweep.csv: one row per combination: the values of the varied keys
 * (columns named by the keys), then constant_mean, constant_p50,
 * constant_p80, constant_p90, the same for nominal and pv, and
 * budget_confidence when results[0]->has_budget. values[c * n_keys + k] is
 * the value of key k in combination c. */
void cs_report_sweep_csv(FILE *f, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_results *const *results,
                         size_t n_combinations);

/* The same rows as one JSON object {"sweep": [{"settings": {KEY: VALUE},
 * "constant_mean": ..., ...}]}. Returns 0 or -1 (out of memory). */
int cs_report_sweep_json(FILE *f, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_results *const *results,
                         size_t n_combinations);

/* The same rows as an aligned terminal table (--format table): one block
 * per measure, a column per varied key, then the total's mean, P50, P80
 * and P90 rounded as in the run's table, and the budget confidence as a
 * percent in the nominal block when a budget is set. Names are printed
 * without control characters. */
void cs_report_sweep_table(FILE *f, const char *const *keys, size_t n_keys,
                           const char *const *values, const cs_results *const *results,
                           size_t n_combinations);

#endif
