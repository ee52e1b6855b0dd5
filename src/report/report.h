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
 * ending with a newline. Returns 0, or -1 with a message in diag (out of
 * memory) or with f in error (a write error: ferror(f)). */
int cs_report_json(FILE *f, const cs_results *r, cs_diag *diag);

/* ---- compare ---- */

/* The rows (cs_compare_row, results.h) are computed once by
 * cs_compare_rows (src/core/compare.h) and passed to every writer. */
void cs_report_compare_csv(FILE *f, const cs_compare_row rows[CS_N_MEASURES]);
void cs_report_compare_table(FILE *f, const cs_results *a, const cs_results *b,
                             const cs_compare_row rows[CS_N_MEASURES]);
/* {"a": <run object>, "b": <run object>, "compare": [...]}. Returns 0, or
 * -1 with a message in diag (out of memory) or with f in error. */
int cs_report_compare_json(FILE *f, const cs_results *a, const cs_results *b,
                           const cs_compare_row rows[CS_N_MEASURES], cs_diag *diag);

/* ---- sweep ---- */

/* sweep.csv: one row per combination: the values of the varied keys
 * (columns named by the keys), then constant_mean, constant_p50,
 * constant_p80, constant_p90, the same for nominal and pv, and
 * budget_confidence when rows[0].has_budget. values[c * n_keys + k] is
 * the value of key k in combination c. */
void cs_report_sweep_csv(FILE *f, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_sweep_row *rows,
                         size_t n_combinations);

/* The same rows as one JSON object {"sweep": [{"settings": {KEY: VALUE},
 * "constant_mean": ..., ...}]}. Returns 0, or -1 with a message in diag
 * (out of memory) or with f in error. */
int cs_report_sweep_json(FILE *f, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_sweep_row *rows,
                         size_t n_combinations, cs_diag *diag);

/* ---- whole outputs (outputs.c) ---- */

/* The --out DIR files of a run (b NULL) or a comparison (b and its rows:
 * compare.csv, a/ and b/), with report.html, all or nothing through the
 * output commit. Returns 0, or -1 with a message in diag. */
int cs_report_write_out_dir(const char *dir, const cs_results *a, const cs_results *b,
                            const cs_compare_row *rows, cs_diag *diag);

/* The HTML report (--report) or workbook (--xlsx) of a run or comparison
 * to path by temporary and rename (cs_outdir_write_file_atomic). Returns 0,
 * or -1 with a message in diag; on failure the old file is untouched. */
int cs_report_write_html_file(const char *path, const cs_results *a, const cs_results *b,
                              const cs_compare_row *rows, cs_diag *diag);
int cs_report_write_xlsx_file(const char *path, const cs_results *a, const cs_results *b,
                              const cs_compare_row *rows, cs_diag *diag);

/* sweep.csv in dir through the output commit. Returns 0 or -1 (diag). */
int cs_report_write_sweep_dir(const char *dir, const char *const *keys, size_t n_keys,
                              const char *const *values, const cs_sweep_row *rows,
                              size_t n_combinations, cs_diag *diag);

/* The HTML report (xlsx false) or the workbook (xlsx true) of a sweep to
 * path by temporary and rename. name and currency label the report.
 * Returns 0 or -1 (diag). */
int cs_report_write_sweep_file(const char *path, bool xlsx, const char *name,
                               const char *currency, const char *const *keys, size_t n_keys,
                               const char *const *values, const cs_sweep_row *rows,
                               size_t n_combinations, cs_diag *diag);

#endif
