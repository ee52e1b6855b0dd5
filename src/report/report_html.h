/* report_html: one self-contained HTML report (inline SVG and CSS, no
 * scripts, no external requests) of a run or a comparison: settings, the
 * S-curves with P50/P80/point/budget marked, a histogram, the funding
 * profile fan chart, the tornado and variance attribution, the summary
 * table. Everything echoed from the input is HTML-escaped. */
#ifndef CS_REPORT_HTML_H
#define CS_REPORT_HTML_H

#include <stdbool.h>
#include <stdio.h>

#include "results.h"

/* Writes the report of one run. Returns 0, or -1 (out of memory). */
int cs_report_html(FILE *f, const cs_results *r);

/* Writes the report of a comparison: both S-curves overlaid, the
 * distribution of the per-trial difference B - A of the nominal total,
 * and each scenario's summary. */
int cs_report_html_compare(FILE *f, const cs_results *a, const cs_results *b);

/* What else the run wrote, for the report's footer, which names only the
 * files that exist. */
typedef struct {
    bool csv_files;       /* the CSV files of --out (summary.csv, ...) */
    const char *workbook; /* the workbook's path, or NULL */
} cs_report_html_outputs;

/* cs_report_html and cs_report_html_compare with the other outputs of
 * the run named in the footer; outputs NULL names none. */
int cs_report_html_with_outputs(FILE *f, const cs_results *r,
                                const cs_report_html_outputs *outputs);
int cs_report_html_compare_with_outputs(FILE *f, const cs_results *a, const cs_results *b,
                                        const cs_report_html_outputs *outputs);

#endif
