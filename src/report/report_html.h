/* report_html: one self-contained HTML report (inline SVG and CSS, no
 * scripts, no external requests) of a run or a comparison: settings, the
 * S-curves with P50/P80/point/budget marked, a histogram, the funding
 * profile fan chart, the tornado and variance attribution, the summary
 * table. Everything echoed from the input is HTML-escaped. */
#ifndef CS_REPORT_HTML_H
#define CS_REPORT_HTML_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "results.h"

/* Writes the report of one run. Returns 0, or -1 with a message in diag
 * (out of memory). Write errors stay in f (ferror). */
int cs_report_html(FILE *f, const cs_results *r, cs_diag *diag);

/* Writes the report of a comparison: both S-curves overlaid, the
 * distribution of the per-trial difference B - A of the nominal total,
 * and each scenario's summary. rows are the comparison's
 * (cs_compare_rows); NULL when the runs cannot be paired (then the
 * difference is left out and the report says why). Returns as
 * cs_report_html. */
int cs_report_html_compare(FILE *f, const cs_results *a, const cs_results *b,
                           const cs_compare_row *rows, cs_diag *diag);

/* Writes the report of a sweep (html_sweep.c): a chart of the nominal P50
 * and P80 against the first varied key, one pair of lines per setting of
 * the other keys, and the table of every combination. name is the
 * scenario's, cur the first combination's report currency (the others'
 * may differ when report_currency or base_currency is varied: then the
 * page says so and draws no chart); keys, values and rows as
 * cs_report_sweep_csv. Returns 0. */
int cs_report_sweep_html(FILE *f, const char *name, const char *cur, const char *const *keys,
                         size_t n_keys, const char *const *values, const cs_sweep_row *rows,
                         size_t n_combinations);

/* What else the run wrote, for the report's footer, which names only the
 * files that exist. */
typedef struct {
    bool csv_files;       /* the CSV files of --out (summary.csv, ...) */
    const char *workbook; /* the workbook's path, or NULL */
} cs_report_html_outputs;

/* cs_report_html and cs_report_html_compare with the other outputs of
 * the run named in the footer; outputs NULL names none. */
int cs_report_html_with_outputs(FILE *f, const cs_results *r,
                                const cs_report_html_outputs *outputs, cs_diag *diag);
int cs_report_html_compare_with_outputs(FILE *f, const cs_results *a, const cs_results *b,
                                        const cs_compare_row *rows,
                                        const cs_report_html_outputs *outputs, cs_diag *diag);

#endif
