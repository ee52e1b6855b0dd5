/* outputs: the output files of a run or comparison as one operation each,
 * through the output commit (outdir.h): the --out DIR set all or nothing,
 * and the single files (HTML report, workbook) by temporary and rename.
 * Shared by the command line and the public API so that both write the
 * same files the same way. */
#include "report.h"

#include "report_html.h"
#include "report_xlsx.h"

int cs_report_write_out_dir(const char *dir, const cs_results *a, const cs_results *b,
                            const cs_compare_row *rows, cs_diag *diag)
{
    cs_outdir *od = cs_outdir_open(dir, cs_report_managed_files, diag);
    if (!od)
        return -1;
    int rc = 0;
    if (b) {
        FILE *f = cs_outdir_create(od, "compare.csv", diag);
        if (!f)
            rc = -1;
        else
            cs_report_compare_csv(f, rows);
        if (rc == 0)
            rc = cs_report_write_run_files(od, "a/", a, diag);
        if (rc == 0)
            rc = cs_report_write_run_files(od, "b/", b, diag);
    } else {
        rc = cs_report_write_run_files(od, "", a, diag);
    }
    if (rc == 0) {
        FILE *f = cs_outdir_create(od, "report.html", diag);
        if (!f || (b ? cs_report_html_compare(f, a, b, rows, diag)
                     : cs_report_html(f, a, diag)) != 0)
            rc = -1;
    }
    if (rc == 0)
        return cs_outdir_commit(od, diag);
    cs_outdir_abort(od);
    return -1;
}

typedef struct {
    const cs_results *a, *b;
    const cs_compare_row *rows;
    const char *path;
    cs_diag *diag;
} single_ctx;

static int html_writer(FILE *f, void *ctx)
{
    const single_ctx *w = ctx;
    return w->b ? cs_report_html_compare(f, w->a, w->b, w->rows, w->diag)
                : cs_report_html(f, w->a, w->diag);
}

static int xlsx_writer(FILE *f, void *ctx)
{
    const single_ctx *w = ctx;
    return cs_report_xlsx(f, w->path, w->a, w->b, w->rows, w->diag);
}

int cs_report_write_html_file(const char *path, const cs_results *a, const cs_results *b,
                              const cs_compare_row *rows, cs_diag *diag)
{
    single_ctx w = {a, b, rows, path, diag};
    return cs_outdir_write_file_atomic(path, html_writer, &w, diag);
}

int cs_report_write_xlsx_file(const char *path, const cs_results *a, const cs_results *b,
                              const cs_compare_row *rows, cs_diag *diag)
{
    single_ctx w = {a, b, rows, path, diag};
    return cs_outdir_write_file_atomic(path, xlsx_writer, &w, diag);
}

int cs_report_write_sweep_dir(const char *dir, const char *const *keys, size_t n_keys,
                              const char *const *values, const cs_sweep_row *rows,
                              size_t n_combinations, cs_diag *diag)
{
    cs_outdir *od = cs_outdir_open(dir, NULL, diag);
    FILE *f = od ? cs_outdir_create(od, "sweep.csv", diag) : NULL;
    if (!f) {
        cs_outdir_abort(od);
        return -1;
    }
    cs_report_sweep_csv(f, keys, n_keys, values, rows, n_combinations);
    return cs_outdir_commit(od, diag);
}

typedef struct {
    const char *path, *name, *currency;
    const char *const *keys;
    size_t n_keys;
    const char *const *values;
    const cs_sweep_row *rows;
    size_t n;
    cs_diag *diag;
} sweep_ctx;

static int sweep_html_writer(FILE *f, void *ctx)
{
    const sweep_ctx *w = ctx;
    return cs_report_sweep_html(f, w->name, w->currency, w->keys, w->n_keys, w->values,
                                w->rows, w->n);
}

static int sweep_xlsx_writer(FILE *f, void *ctx)
{
    const sweep_ctx *w = ctx;
    return cs_report_sweep_xlsx(f, w->path, w->keys, w->n_keys, w->values, w->rows, w->n,
                                w->diag);
}

int cs_report_write_sweep_file(const char *path, bool xlsx, const char *name,
                               const char *currency, const char *const *keys, size_t n_keys,
                               const char *const *values, const cs_sweep_row *rows,
                               size_t n_combinations, cs_diag *diag)
{
    sweep_ctx w = {path, name, currency, keys, n_keys, values, rows, n_combinations, diag};
    return cs_outdir_write_file_atomic(path, xlsx ? sweep_xlsx_writer : sweep_html_writer, &w,
                                       diag);
}
