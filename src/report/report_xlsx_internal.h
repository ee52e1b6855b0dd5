/* report_xlsx_internal: what the run's workbook (report_xlsx.c) and the
 * sweep's (report_xlsx_sweep.c) share: the book being built, its cell
 * helpers, and building a workbook in a private directory (libxlsxwriter
 * writes only to a path) before copying it into the output stream. */
#ifndef CS_REPORT_XLSX_INTERNAL_H
#define CS_REPORT_XLSX_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <xlsxwriter.h>

#include "diag.h"

/* Excel's last row is 1,048,576; one is the header. */
#define XLSX_MAX_DATA_ROWS 1048575u

/* A fixed creation time (2000-01-01T00:00:00Z): libxlsxwriter stamps the
 * current time when this is 0, which would make every file different. */
#define FIXED_CREATED ((time_t)946684800)

typedef struct {
    lxw_workbook *wb;
    lxw_format *header, *amount, *percent, *share, *corr, *integer, *wrap;
    lxw_error err; /* first libxlsxwriter error */
    bool oom;
} book;

void cs_report_xlsx_note_err(book *b, lxw_error e);
void cs_report_xlsx_num(book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double x,
                lxw_format *fmt);
void cs_report_xlsx_text(book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                 lxw_format *fmt);
lxw_worksheet *cs_report_xlsx_sheet(book *b, const char *prefix, const char *name);
lxw_format *cs_report_xlsx_format(book *b, const char *num_format, bool bold);
int cs_report_xlsx_build_into(FILE *f, const char *name, int (*build)(const char *path, void *ctx),
                      void *ctx, cs_diag *diag);

#endif
