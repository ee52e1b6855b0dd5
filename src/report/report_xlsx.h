/* report_xlsx: an Excel workbook of a run (libxlsxwriter): sheets Summary,
 * ByYear, SCurve, Sensitivity, Attribution, Tornado (and Trials when the
 * results have them; Compare for a comparison), real numeric cells with
 * number formats, frozen header rows, native charts for the S-curve and the
 * funding profile. Text cells are neutralised like CSV cells. Numbers are
 * written by libxlsxwriter with 16 significant digits (not always the
 * shortest round trip of CSV; docs/OUTPUTS.md promises 15). The same results
 * give the same bytes: the creation time is fixed. */
#ifndef CS_REPORT_XLSX_H
#define CS_REPORT_XLSX_H

#include <stdio.h>

#include "diag.h"
#include "results.h"

/* Writes the workbook into f (normally a temporary of the output commit,
 * outdir.h: cs_outdir_create or cs_outdir_write_file_atomic). libxlsxwriter
 * can only write to a path, so the workbook is built in a private
 * directory (mode 0700, made with mkdtemp under $TMPDIR or /tmp) and copied
 * into f. name is the user's file name, used in messages. b may be NULL;
 * with b, the workbook holds A's sheets, B's sheets (prefixed "B ") and
 * Compare from rows (the comparison's, cs_compare_rows; required with b).
 * Returns 0, or -1 with a message in diag. */
int cs_report_xlsx(FILE *f, const char *name, const cs_results *a, const cs_results *b,
                   const cs_compare_row *rows, cs_diag *diag);

/* Writes a workbook of a sweep into f: one sheet "Sweep" with the columns
 * and rows of sweep.csv as numbers (the varied values as text), built as
 * cs_report_xlsx does. Returns 0, or -1 with a message in diag. */
int cs_report_sweep_xlsx(FILE *f, const char *name, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_sweep_row *rows,
                         size_t n_combinations, cs_diag *diag);

/* Checks before any simulation that a workbook of a run of model m fits
 * a spreadsheet's limits (the Trials sheet's columns, when with_trials).
 * Returns 0, or -1 with a message about path in diag. */
int cs_report_xlsx_check(const cs_model *m, bool with_trials, const char *path,
                         cs_diag *diag);

#endif
