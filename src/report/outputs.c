/* outputs: the output files of a run, comparison or sweep as ONE
 * all-or-nothing commit (outdir.h): the --out DIR set, the HTML report and
 * the workbook are staged together and replace the previous files only
 * when every one is complete. Shared by the command line and the public
 * API so that both write the same files the same way. */
#include "report.h"

#include "report_html.h"
#include "report_xlsx.h"

/* The last message of a failed set when nothing was changed. */
const char cs_report_nothing_written[] = "no output file was written or changed";

/* Adds the single file path (a report or workbook) to the set and writes
 * it with writer. Returns 0 or -1 (message in diag). */
static int add_single(cs_outdir *od, const char *path, int (*writer)(FILE *, void *),
                      void *ctx, cs_diag *diag)
{
    size_t messages = cs_diag_count(diag);
    FILE *f = cs_outdir_add_file(od, path, diag);
    if (f && writer(f, ctx) == 0)
        return 0;
    if (cs_diag_count(diag) == messages)
        cs_diag_add(diag, path, 0, NULL, "cannot write: the output could not be produced");
    return -1;
}

/* Commits od when rc is 0, else aborts it; on any failure before the
 * commit point the last message says that nothing changed. */
static int finish(cs_outdir *od, int rc, cs_diag *diag)
{
    if (od && rc == 0)
        return cs_outdir_commit(od, diag);
    cs_outdir_abort(od);
    cs_diag_add(diag, "costsim", 0, NULL, "%s", cs_report_nothing_written);
    return -1;
}

typedef struct {
    const cs_results *a, *b;
    const cs_compare_row *rows;
    const char *path;
    cs_report_html_outputs outputs; /* what the HTML footer names */
    cs_diag *diag;
} single_ctx;

static int html_writer(FILE *f, void *ctx)
{
    const single_ctx *w = ctx;
    return w->b ? cs_report_html_compare_with_outputs(f, w->a, w->b, w->rows, &w->outputs,
                                                      w->diag)
                : cs_report_html_with_outputs(f, w->a, &w->outputs, w->diag);
}

static int xlsx_writer(FILE *f, void *ctx)
{
    const single_ctx *w = ctx;
    return cs_report_xlsx(f, w->path, w->a, w->b, w->rows, w->diag);
}

/* The files of --out DIR for a run (b NULL) or a comparison. */
static int write_dir_files(cs_outdir *od, const single_ctx *w, cs_diag *diag)
{
    int rc = 0;
    if (w->b) {
        FILE *f = cs_outdir_create(od, "compare.csv", diag);
        if (!f)
            return -1;
        cs_report_compare_csv(f, w->rows);
        FILE *g = cs_outdir_create(od, "streams.csv", diag);
        if (!g)
            return -1;
        if (cs_report_streams_csv(g, w->a, w->b) != 0) {
            cs_diag_add(diag, "streams.csv", 0, NULL, "out of memory");
            return -1;
        }
        rc = cs_report_write_run_files(od, "a/", w->a, diag);
        if (rc == 0)
            rc = cs_report_write_run_files(od, "b/", w->b, diag);
    } else {
        rc = cs_report_write_run_files(od, "", w->a, diag);
    }
    if (rc != 0)
        return -1;
    FILE *f = cs_outdir_create(od, "report.html", diag);
    return f ? html_writer(f, (void *)w) : -1;
}

int cs_report_write_outputs(const char *dir, const char *report, const char *xlsx,
                            const cs_results *a, const cs_results *b,
                            const cs_compare_row *rows, cs_diag *diag)
{
    if (!dir && !report && !xlsx)
        return 0;
    cs_outdir *od = cs_outdir_open(dir, b ? cs_report_compare_files : cs_report_run_files, diag);
    int rc = od ? 0 : -1;
    single_ctx w = {a, b, rows, NULL, {.csv_files = dir != NULL, .workbook = xlsx}, diag};
    if (rc == 0 && dir)
        rc = write_dir_files(od, &w, diag);
    if (rc == 0 && report) {
        w.path = report;
        rc = add_single(od, report, html_writer, &w, diag);
    }
    if (rc == 0 && xlsx) {
        w.path = xlsx;
        rc = add_single(od, xlsx, xlsx_writer, &w, diag);
    }
    return finish(od, rc, diag);
}

int cs_report_write_out_dir(const char *dir, const cs_results *a, const cs_results *b,
                            const cs_compare_row *rows, cs_diag *diag)
{
    return cs_report_write_outputs(dir, NULL, NULL, a, b, rows, diag);
}

int cs_report_write_html_file(const char *path, const cs_results *a, const cs_results *b,
                              const cs_compare_row *rows, cs_diag *diag)
{
    return cs_report_write_outputs(NULL, path, NULL, a, b, rows, diag);
}

int cs_report_write_xlsx_file(const char *path, const cs_results *a, const cs_results *b,
                              const cs_compare_row *rows, cs_diag *diag)
{
    return cs_report_write_outputs(NULL, NULL, path, a, b, rows, diag);
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

int cs_report_write_sweep_outputs(const char *dir, const char *report, const char *xlsx,
                                  const char *name, const char *currency,
                                  const char *const *keys, size_t n_keys,
                                  const char *const *values, const cs_sweep_row *rows,
                                  size_t n_combinations, cs_diag *diag)
{
    if (!dir && !report && !xlsx)
        return 0;
    cs_outdir *od = cs_outdir_open(dir, NULL, diag);
    int rc = od ? 0 : -1;
    sweep_ctx w = {NULL, name, currency, keys, n_keys, values, rows, n_combinations, diag};
    if (rc == 0 && dir) {
        FILE *f = cs_outdir_create(od, "sweep.csv", diag);
        if (f)
            cs_report_sweep_csv(f, keys, n_keys, values, rows, n_combinations);
        else
            rc = -1;
    }
    if (rc == 0 && report) {
        w.path = report;
        rc = add_single(od, report, sweep_html_writer, &w, diag);
    }
    if (rc == 0 && xlsx) {
        w.path = xlsx;
        rc = add_single(od, xlsx, sweep_xlsx_writer, &w, diag);
    }
    return finish(od, rc, diag);
}

int cs_report_write_sweep_dir(const char *dir, const char *const *keys, size_t n_keys,
                              const char *const *values, const cs_sweep_row *rows,
                              size_t n_combinations, cs_diag *diag)
{
    return cs_report_write_sweep_outputs(dir, NULL, NULL, NULL, NULL, keys, n_keys, values, rows,
                                         n_combinations, diag);
}

int cs_report_write_sweep_file(const char *path, bool xlsx, const char *name,
                               const char *currency, const char *const *keys, size_t n_keys,
                               const char *const *values, const cs_sweep_row *rows,
                               size_t n_combinations, cs_diag *diag)
{
    return cs_report_write_sweep_outputs(NULL, xlsx ? NULL : path, xlsx ? path : NULL, name,
                                         currency, keys, n_keys, values, rows, n_combinations,
                                         diag);
}
