/* report_xlsx: an Excel workbook of a run (libxlsxwriter): sheets Summary,
 * ByYear, SCurve, Sensitivity, Attribution, Tornado (and Trials when the
 * results have them; Compare for a comparison), real numeric cells with
 * number formats, frozen header rows, native charts for the S-curve and the
 * funding profile. Text cells are neutralised like CSV cells. Numbers are
 * written by libxlsxwriter with 16 significant digits (not always the
 * shortest round trip of CSV; SPEC §11 asks for 15). The same results give
 * the same bytes: the creation time is fixed. */
#ifndef CS_REPORT_XLSX_H
#define CS_REPORT_XLSX_H

#include "diag.h"
#include "results.h"

/* Writes the workbook to path (libxlsxwriter writes the file itself; the
 * caller passes a temporary path and renames it). b may be NULL; with b,
 * the workbook holds A's sheets, B's sheets (prefixed "B ") and Compare.
 * Returns 0, or -1 with a message in diag. */
int cs_report_xlsx(const char *path, const cs_results *a, const cs_results *b,
                   cs_diag *diag);

/* Checks before any simulation that a workbook of a run of model m fits
 * a spreadsheet's limits (the Trials sheet's columns, when with_trials).
 * Returns 0, or -1 with a message about path in diag. */
int cs_report_xlsx_check(const cs_model *m, bool with_trials, const char *path,
                         cs_diag *diag);

#endif
