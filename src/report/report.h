/* report: the text outputs of docs/OUTPUTS.md — the terminal table, the CSV
 * files and the JSON object — written from finished results. Knows nothing of
 * how the numbers were made; never simulates. Write errors show up through
 * ferror() of the FILE (checked by the outdir commit). */
#ifndef CS_REPORT_H
#define CS_REPORT_H

#include <stdio.h>

#include "diag.h"
#include "outdir.h"
#include "results.h"

/* The file names a run manages in --out DIR (NULL-terminated): the files of
 * docs/OUTPUTS.md plus report.html and results.xlsx. Files of this list that a
 * run does not write are removed from DIR. */
extern const char *const cs_report_run_files[];
extern const char *const cs_report_compare_files[];

/* One file each (docs/OUTPUTS.md columns and row order). */
void cs_report_summary_csv(FILE *f, const cs_results *r);
void cs_report_by_year_csv(FILE *f, const cs_results *r);
void cs_report_scurve_csv(FILE *f, const cs_results *r);
void cs_report_sensitivity_csv(FILE *f, const cs_results *r);
void cs_report_budget_csv(FILE *f, const cs_results *r);
void cs_report_attribution_csv(FILE *f, const cs_results *r);
void cs_report_tornado_csv(FILE *f, const cs_results *r);
void cs_report_trials_csv(FILE *f, const cs_results *r);
/* schedule.csv (header only without a schedule), jcl.csv, allocation.csv. */
void cs_report_schedule_csv(FILE *f, const cs_results *r);
void cs_report_jcl_csv(FILE *f, const cs_results *r);
void cs_report_allocation_csv(FILE *f, const cs_results *r);

/* Creates every file of one run in o under prefix ("" or "a/"): summary,
 * by_year, scurve, sensitivity, attribution and tornado (unless
 * r->no_drivers), allocation, budget (when a budget is set), schedule and
 * jcl (when the model has a schedule) and trials (when r->has_trials). Returns 0, or -1 with a message
 * in diag. */
int cs_report_write_run_files(cs_outdir *o, const char *prefix, const cs_results *r,
                              cs_diag *diag);

/* The terminal table (docs/OUTPUTS.md, Terminal). */
/* With --precision, whether the target was met, as one line ("precision
 * target +/-0.5% NOT met within the ceiling of 8,000 trials"), after
 * prefix; nothing without --precision. For a run whose table is not
 * printed (--format csv or json), on stderr. */
void cs_report_precision_status(FILE *f, const cs_results *r, const char *prefix);
void cs_report_table(FILE *f, const cs_results *r);

/* The JSON object of one run (docs/OUTPUTS.md), pretty-printed with jansson,
 * ending with a newline. Returns 0, or -1 with a message in diag (out of
 * memory) or with f in error (a write error: ferror(f)). */
int cs_report_json(FILE *f, const cs_results *r, cs_diag *diag);

/* ---- compare ---- */

/* The rows (cs_compare_row, results.h) are computed once by
 * cs_compare_rows (src/core/compare.h) and passed to every writer. */
void cs_report_compare_csv(FILE *f, const cs_compare_row rows[CS_N_MEASURES]);
void cs_report_compare_table(FILE *f, const cs_results *a, const cs_results *b,
                             const cs_compare_row rows[CS_N_MEASURES]);
/* {"a": <run object>, "b": <run object>, "compare": [...], "streams": [...]}.
 * Returns 0, or
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

/* The last message a failed cs_report_write_*outputs adds when nothing on
 * disk was changed. */
extern const char cs_report_nothing_written[];

/* Every output file of a run (b NULL) or a comparison (b and its rows) in
 * one all-or-nothing commit: the --out DIR files (dir may be NULL; for a
 * comparison compare.csv, a/ and b/) with report.html, the HTML report at
 * report and the workbook at xlsx (each may be NULL). Returns 0 when every
 * file is in place, or -1 with messages in diag: before the commit point
 * nothing changed and the last message is cs_report_nothing_written; a
 * commit that stopped part-way says which files are new. */
int cs_report_write_outputs(const char *dir, const char *report, const char *xlsx,
                            const cs_results *a, const cs_results *b,
                            const cs_compare_row *rows, cs_diag *diag);

/* cs_report_write_outputs with only the directory, only the report or only
 * the workbook. */
int cs_report_write_out_dir(const char *dir, const cs_results *a, const cs_results *b,
                            const cs_compare_row *rows, cs_diag *diag);
int cs_report_write_html_file(const char *path, const cs_results *a, const cs_results *b,
                              const cs_compare_row *rows, cs_diag *diag);
int cs_report_write_xlsx_file(const char *path, const cs_results *a, const cs_results *b,
                              const cs_compare_row *rows, cs_diag *diag);

/* A sweep's outputs in one commit: sweep.csv in dir, the sweep's HTML
 * report at report and its workbook at xlsx (each may be NULL; name and
 * currency label the report). Returns as cs_report_write_outputs. */
int cs_report_write_sweep_outputs(const char *dir, const char *report, const char *xlsx,
                                  const char *name, const char *currency,
                                  const char *const *keys, size_t n_keys,
                                  const char *const *values, const cs_sweep_row *rows,
                                  size_t n_combinations, cs_diag *diag);

/* cs_report_write_sweep_outputs with only sweep.csv in dir, or only the
 * report (xlsx false) or workbook (xlsx true) at path. */
int cs_report_write_sweep_dir(const char *dir, const char *const *keys, size_t n_keys,
                              const char *const *values, const cs_sweep_row *rows,
                              size_t n_combinations, cs_diag *diag);
int cs_report_write_sweep_file(const char *path, bool xlsx, const char *name,
                               const char *currency, const char *const *keys, size_t n_keys,
                               const char *const *values, const cs_sweep_row *rows,
                               size_t n_combinations, cs_diag *diag);

/* ---- compare: random streams (docs/COMMANDS.md, docs/OUTPUTS.md) ---- */

/* One row of streams.csv: a random stream an uncertain input of A or B
 * draws from, and the input of each scenario on it (NULL when none). */
typedef struct {
    cs_input_kind kind;
    const char *stream;
    const char *a_input, *b_input;
} cs_stream_row;

/* The rows of streams.csv for results a and b: by kind (element, risk,
 * slip, inflation, fx), then A's inputs in file order, then the streams
 * only B uses in B's file order. Returns a malloc'ed array (free it) with
 * its length in *n, or NULL when out of memory (n = 0 gives a non-NULL
 * array). */
cs_stream_row *cs_report_streams_compute(const cs_results *a, const cs_results *b, size_t *n);

/* How many streams of kind k both scenarios use, and how many there are. */
void cs_report_streams_shared(const cs_stream_row *rows, size_t n, cs_input_kind k,
                              size_t *shared, size_t *total);

/* streams.csv: kind,stream,a_input,b_input. Returns 0 or -1 (out of memory). */
int cs_report_streams_csv(FILE *f, const cs_results *a, const cs_results *b);

/* The same rows as an aligned terminal table (--format table): one block
 * per measure, a column per varied key, then the total's mean, P50, P80
 * and P90 rounded as in the run's table, and the budget confidence as a
 * percent in the nominal block when a budget is set. Names are printed
 * without control characters. */
void cs_report_sweep_table(FILE *f, const char *name, const char *currency,
                           const char *const *keys, size_t n_keys, const char *const *values,
                           const cs_sweep_row *rows, size_t n_combinations);

#endif
