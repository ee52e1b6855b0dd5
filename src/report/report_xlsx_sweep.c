/* report_xlsx_sweep: the sweep's workbook (one sheet, the rows of
 * sweep.csv), and the plumbing both workbooks share: libxlsxwriter writes
 * only to a path, so a workbook is built in a private directory and copied
 * into the output stream that the output commit staged. */
#include "report_xlsx.h"
#include "report_xlsx_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_internal.h"
#include "results.h"

/* Copies the file at path into f. Returns 0 or -1 (errno set). */
static int copy_into(const char *path, FILE *f)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return -1;
    char buf[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, f) != n)
            rc = -1;
    if (ferror(in))
        rc = -1;
    fclose(in);
    return rc;
}

/* Builds a workbook with build(path, ctx) in a private directory under
 * $TMPDIR (libxlsxwriter writes only to a path) and copies it into f. */
int cs_report_xlsx_build_into(FILE *f, const char *name, int (*build)(const char *path, void *ctx),
                      void *ctx, cs_diag *diag)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    size_t n = strlen(tmp) + 32;
    char *dir = malloc(n), *path = malloc(n + 16);
    if (!dir || !path) {
        free(dir);
        free(path);
        cs_diag_add(diag, name, 0, NULL, "out of memory while building the workbook");
        return -1;
    }
    snprintf(dir, n, "%s/costsim-xlsx-XXXXXX", tmp);
    int rc = -1;
    if (!mkdtemp(dir)) {
        cs_diag_add(diag, name, 0, NULL,
                    "cannot make a private directory for the workbook in %s: %s", tmp,
                    strerror(errno));
    } else {
        snprintf(path, n + 16, "%s/book.xlsx", dir);
        rc = build(path, ctx);
        if (rc == 0 && copy_into(path, f) != 0) {
            cs_diag_add(diag, name, 0, NULL, "cannot write the workbook: %s", strerror(errno));
            rc = -1;
        }
        unlink(path);
        rmdir(dir);
    }
    free(dir);
    free(path);
    return rc;
}

typedef struct {
    const char *name;
    const char *const *keys;
    size_t n_keys;
    const char *const *values;
    const cs_sweep_row *rows;
    size_t n;
    cs_diag *diag;
} sweep_book;

static int build_sweep(const char *path, void *ctx)
{
    sweep_book *w = ctx;
    lxw_workbook_options opts = {.constant_memory = LXW_FALSE, .tmpdir = NULL,
                                 .use_zip64 = LXW_FALSE};
    book b = {0};
    b.wb = workbook_new_opt(path, &opts);
    if (!b.wb) {
        cs_diag_add(w->diag, w->name, 0, NULL, "cannot create the workbook");
        return -1;
    }
    lxw_doc_properties props = {.title = "costsim sweep",
                                .comments = "Amounts in millions of the report currency.",
                                .created = FIXED_CREATED};
    cs_report_xlsx_note_err(&b, workbook_set_properties(b.wb, &props));
    b.header = cs_report_xlsx_format(&b, NULL, true);
    b.amount = cs_report_xlsx_format(&b, "#,##0", false);
    b.share = cs_report_xlsx_format(&b, "0.0%", false); /* budget_confidence is a fraction */
    lxw_worksheet *ws = b.oom ? NULL : cs_report_xlsx_sheet(&b, "", "Sweep");
    if (ws) {
        static const char *const stats[] = {"mean", "p50", "p80", "p90"};
        bool budget = cs_report_sweep_first_budget(w->rows, w->n) != NULL;
        lxw_col_t col = 0;
        for (size_t k = 0; k < w->n_keys; k++)
            cs_report_xlsx_text(&b, ws, 0, col++, w->keys[k], b.header);
        char head[64];
        for (int m = 0; m < CS_N_MEASURES; m++)
            for (int s = 0; s < CS_SWEEP_N_STATS; s++) {
                snprintf(head, sizeof head, "%s_%s", cs_results_measure_name((cs_measure)m),
                         stats[s]);
                cs_report_xlsx_text(&b, ws, 0, col++, head, b.header);
            }
        if (budget)
            cs_report_xlsx_text(&b, ws, 0, col++, "budget_confidence", b.header);
        worksheet_freeze_panes(ws, 1, 0);
        for (size_t c = 0; c < w->n && !b.oom; c++) {
            lxw_row_t row = (lxw_row_t)(c + 1);
            col = 0;
            for (size_t k = 0; k < w->n_keys; k++) { /* as sweep.csv: a number where it is one */
                const char *v = w->values[c * w->n_keys + k];
                double x;
                if (cs_report_sweep_number(w->keys[k], v, &x))
                    cs_report_xlsx_num(&b, ws, row, col++, x, NULL);
                else if (v && *v)
                    cs_report_xlsx_text(&b, ws, row, col++, v, NULL);
                else /* the key not given: an empty cell */
                    col++;
            }
            for (int m = 0; m < CS_N_MEASURES; m++)
                for (int s = 0; s < CS_SWEEP_N_STATS; s++)
                    cs_report_xlsx_num(&b, ws, row, col++, w->rows[c].stat[m][s], b.amount);
            if (budget && w->rows[c].has_budget)
                cs_report_xlsx_num(&b, ws, row, col, w->rows[c].budget_confidence, b.share);
            col += budget; /* a row without a budget leaves its cell empty */
        }
    }
    lxw_error closed = workbook_close(b.wb);
    if (b.oom) {
        cs_diag_add(w->diag, w->name, 0, NULL, "out of memory while building the workbook");
        return -1;
    }
    if (b.err != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
        cs_diag_add(w->diag, w->name, 0, NULL, "cannot write the workbook: %s",
                    lxw_strerror(b.err != LXW_NO_ERROR ? b.err : closed));
        return -1;
    }
    return 0;
}

int cs_report_sweep_xlsx(FILE *f, const char *name, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_sweep_row *rows,
                         size_t n_combinations, cs_diag *diag)
{
    if (n_combinations + 1 > XLSX_MAX_DATA_ROWS) {
        cs_diag_add(diag, name, 0, NULL, "%zu combinations do not fit a worksheet",
                    n_combinations);
        return -1;
    }
    sweep_book w = {name, keys, n_keys, values, rows, n_combinations, diag};
    return cs_report_xlsx_build_into(f, name, build_sweep, &w, diag);
}
