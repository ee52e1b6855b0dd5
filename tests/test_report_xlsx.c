/* test_report_xlsx: the Excel workbook, read back with `unzip -p` (the
 * test is skipped when unzip is missing): the Summary, SCurve, Trials and
 * Compare cells hold the results' numbers to 15 significant digits or
 * better, text cells are neutralised and never formulas, the sheets and
 * charts exist, and two writes give the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "costsim.h"
#include "compare.h"
#include "csvout.h"
#include "report_fixture.h"
#include "report_xlsx.h"
#include "testutil.h"

/* Output of `unzip -p xlsx member` as a new string ("" when absent). */
static char *unzip_member(const char *xlsx, const char *member)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' 2>/dev/null", xlsx, member);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    pclose(p);
    return buf;
}

/* The number in cell ref (e.g. "F2") of a sheet's XML; NAN when the cell is
 * missing or is not a number. */
static double cell(const char *sheet_xml, const char *ref)
{
    char key[32];
    snprintf(key, sizeof key, "<c r=\"%s\"", ref);
    const char *c = strstr(sheet_xml, key);
    if (!c)
        return NAN;
    const char *end = strstr(c, "</c>"), *v = strstr(c, "<v>");
    const char *t = strstr(c, " t=\"");
    if (!v || !end || v > end || (t && t < v))
        return NAN;
    return strtod(v + 3, NULL);
}

/* libxlsxwriter writes numbers with %.16G: at least 15 significant digits
 * (docs/OUTPUTS.md), so the value read back is within half a unit in the 16th
 * digit. */
static void assert_cell(double got, double want, const char *where)
{
    tu_assert_close(got, want, 5e-16 * fabs(want) * 1.0000001, where, "the value written",
                    __FILE__, __LINE__);
}

/* Writes the workbook of a (and b, compared) to path. Returns the
 * reporter's result. */
static int write_xlsx(const char *path, const cs_results *a, const cs_results *b,
                      cs_diag *diag)
{
    cs_compare_row rows[CS_N_MEASURES];
    if (b)
        assert_int_equal(cs_compare_rows(a, b, rows, diag), CS_OK);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    int rc = cs_report_xlsx(f, path, a, b, b ? rows : NULL, diag);
    assert_int_equal(fclose(f), 0);
    return rc;
}

static bool have_unzip(void) { return system("command -v unzip >/dev/null 2>&1") == 0; }

static void workbook_numbers(void **state)
{
    (void)state;
    if (!have_unzip())
        skip();
    fx_run *a = fx_make(200, 0, "Canada's subs & <co>");
    fx_run *b = fx_make(200, 0.06, "B");
    cs_results *r = a->r;
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "results.xlsx");
    cs_diag *diag = cs_diag_alloc();
    assert_int_equal(write_xlsx(path, r, b->r, diag), 0);
    assert_int_equal(cs_diag_count(diag), 0);

    /* sheets in order: A's, B's (prefixed), Compare, Streams */
    char *wbxml = unzip_member(path, "xl/workbook.xml");
    static const char *const names[] = {
        "\"Summary\"",   "\"ByYear\"",   "\"SCurve\"",      "\"Sensitivity\"",
        "\"Attribution\"", "\"Tornado\"", "\"Trials\"",     "\"Settings\"",
        "\"Allocation\"", "\"Schedule\"", "\"ScheduleCurve\"", "\"JCL\"",
        "\"B Summary\"", "\"B Trials\"", "\"Compare\"", "\"Streams\"",
    };
    const char *prev = wbxml;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *p = strstr(prev, names[i]);
        if (!p)
            fail_msg("sheet %s missing or out of order", names[i]);
        prev = p;
    }
    free(wbxml);

    /* Summary (sheet1): columns F point, G mean, H sd, I cv, J p5 ... P95,
     * R point_percentile */
    char *summary = unzip_member(path, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(summary, "<pane ySplit=\"1\"")); /* frozen header */
    for (int m = 0; m < CS_N_MEASURES; m++)
        for (size_t i = 0; i < r->n_rows; i++) {
            const cs_summary_row *row = &r->rows[m][i];
            double want[12] = {row->point, row->mean, row->sd, row->sd / row->mean};
            for (int k = 0; k < CS_N_SUMMARY_P; k++)
                want[4 + k] = row->p[k];
            want[11] = row->point_percentile;
            size_t excel_row = 2 + (size_t)m * r->n_rows + i;
            for (int col = 0; col < 12; col++) {
                char ref[16];
                snprintf(ref, sizeof ref, "%c%zu", 'F' + col, excel_row);
                assert_cell(cell(summary, ref), want[col], ref);
            }
        }
    assert_null(strstr(summary, "<f>")); /* no formulas anywhere */
    free(summary);

    /* SCurve (sheet3): B..D = constant, nominal, pv at percentiles 1..99 */
    char *scurve = unzip_member(path, "xl/worksheets/sheet3.xml");
    for (int pct = 1; pct <= 99; pct += 7)
        for (int m = 0; m < CS_N_MEASURES; m++) {
            char ref[16];
            snprintf(ref, sizeof ref, "%c%d", 'B' + m, pct + 1);
            assert_cell(cell(scurve, ref), cs_results_scurve(r, (cs_measure)m, pct), ref);
        }
    free(scurve);

    /* Trials (sheet7): trial, constant, nominal, pv, slip, nominal.<phase> */
    char *trials = unzip_member(path, "xl/worksheets/sheet7.xml");
    for (size_t j = 0; j < r->trials; j += 13) {
        char ref[16];
        snprintf(ref, sizeof ref, "C%zu", j + 2);
        assert_cell(cell(trials, ref), r->totals[CS_NOMINAL][j], ref);
        snprintf(ref, sizeof ref, "E%zu", j + 2);
        assert_cell(cell(trials, ref), r->trial_slip[j], ref);
        snprintf(ref, sizeof ref, "F%zu", j + 2);
        assert_cell(cell(trials, ref), r->trial_first_delivery[j], ref);
        snprintf(ref, sizeof ref, "H%zu", j + 2);
        assert_cell(cell(trials, ref), r->trial_phase_nominal[j * 2 + 1], ref);
    }
    free(trials);

    /* Compare (last sheet): recomputed here from the totals */
    char member[64];
    snprintf(member, sizeof member, "xl/worksheets/sheet%d.xml", 12 + 12 + 1);
    char *cmp = unzip_member(path, member);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        size_t n = r->trials;
        double *d = malloc(n * sizeof *d), sum = 0;
        size_t greater = 0;
        for (size_t j = 0; j < n; j++) {
            d[j] = b->r->totals[m][j] - r->totals[m][j];
            sum += d[j];
            greater += d[j] > 0;
        }
        qsort(d, n, sizeof *d, fx_cmp);
        double want[7] = {sum / (double)n, cs_stats_percentile_sorted(d, n, 0.1),
                          cs_stats_percentile_sorted(d, n, 0.5), cs_stats_percentile_sorted(d, n, 0.9),
                          (double)greater / (double)n, 0, 0};
        cs_stats_wilson(greater, n, &want[5], &want[6]);
        for (int col = 0; col < 7; col++) {
            char ref[16];
            snprintf(ref, sizeof ref, "%c%d", 'B' + col, m + 2);
            double got = cell(cmp, ref);
            /* the mean may differ in the last bits (compensated sum) */
            if (col == 0)
                assert_true(fabs(got - want[0]) <= 1e-9 * fabs(want[0]) + 1e-6);
            else
                assert_cell(got, want[col], ref);
        }
        free(d);
    }
    free(cmp);

    /* text: the hostile names kept exactly as string cells (no CSV "'"
     * guard: a string cell is never a formula), XML-escaped */
    char *shared = unzip_member(path, "xl/sharedStrings.xml");
    assert_non_null(strstr(shared, "<t>=HYPERLINK(&quot;x&quot;)</t>") ?
                    strstr(shared, "<t>=HYPERLINK(&quot;x&quot;)</t>") :
                    strstr(shared, "<t>=HYPERLINK(\"x\")</t>"));
    assert_null(strstr(shared, "'=HYPERLINK"));
    assert_non_null(strstr(shared, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(shared, "Canada's subs &amp; &lt;co&gt;"));
    /* and no cell of any sheet is a formula */
    char *sheet1 = unzip_member(path, "xl/worksheets/sheet1.xml");
    assert_null(strstr(sheet1, "<f>"));
    free(sheet1);
    free(shared);

    /* the unit on every amount cell, as its number format */
    char *styles = unzip_member(path, "xl/styles.xml");
    assert_non_null(strstr(styles, "formatCode=\"#,##0&quot; KRW M&quot;\""));
    free(styles);

    /* native charts: the funding profile in constant and then-year money
     * (lines), the S-curve (scatter) and the schedule S-curve (scatter) */
    char *chart1 = unzip_member(path, "xl/charts/chart1.xml");
    char *chart2 = unzip_member(path, "xl/charts/chart2.xml");
    char *chart3 = unzip_member(path, "xl/charts/chart3.xml");
    char *chart4 = unzip_member(path, "xl/charts/chart4.xml");
    assert_non_null(strstr(chart1, "<c:lineChart>"));
    assert_non_null(strstr(chart1, "constant 2026"));
    assert_non_null(strstr(chart2, "<c:lineChart>"));
    assert_non_null(strstr(chart2, "then-year"));
    assert_non_null(strstr(chart3, "<c:scatterChart>"));
    assert_non_null(strstr(chart3, "KRW"));
    assert_non_null(strstr(chart4, "<c:scatterChart>"));
    assert_non_null(strstr(chart4, "Schedule S-curve"));
    free(chart1);
    free(chart2);
    free(chart3);
    free(chart4);

    /* deterministic: a second write, a second later, gives the same bytes */
    char *again = tu_path(dir, "again.xlsx");
    struct timespec pause = {1, 100000000};
    nanosleep(&pause, NULL);
    assert_int_equal(write_xlsx(again, r, b->r, diag), 0);
    size_t n1, n2;
    char *x1 = tu_read(path, &n1), *x2 = tu_read(again, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(x1, x2, n1);
    free(x1);
    free(x2);
    char *core = unzip_member(path, "docProps/core.xml");
    assert_non_null(strstr(core, "2000-01-01T00:00:00Z"));
    free(core);

    free(again);
    cs_diag_free(diag);
    free(path);
    tu_rmtree(dir);
    free(dir);
    fx_free(a);
    fx_free(b);
}

/* A control character in the model's name would make the document title
 * (docProps/core.xml, which the library does not escape) malformed XML:
 * it shows as '?'. Text that looks like a workbook escape ("_x0041_") is
 * kept as given (its '_' escaped, so a reader does not decode it). The
 * Schedule sheet holds schedule.csv's rows only; the schedule S-curve's
 * rows are on a sheet of their own. */
static void workbook_text_and_schedule(void **state)
{
    (void)state;
    if (!have_unzip())
        skip();
    fx_run *a = fx_make(50, 0, "Bid\a A\x1b[1m _x0041_ literal");
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "results.xlsx");
    cs_diag *diag = cs_diag_alloc();
    assert_int_equal(write_xlsx(path, a->r, NULL, diag), 0);
    char *core = unzip_member(path, "docProps/core.xml");
    assert_non_null(strstr(core, "costsim results: Bid? A?[1m _x0041_ literal"));
    for (const char *p = core; *p; p++)
        assert_true((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\r' || *p == '\t');
    free(core);
    char *shared = unzip_member(path, "xl/sharedStrings.xml");
    assert_non_null(strstr(shared, "_x005F_x0041_ literal"));
    assert_null(strstr(shared, ">_x0041_") );
    free(shared);
    /* sheet 10 is Schedule: its header and two rows (first, last), no
     * fourth row; sheet 11, ScheduleCurve, starts with its own header */
    char *schedule = unzip_member(path, "xl/worksheets/sheet10.xml");
    assert_non_null(strstr(schedule, "<row r=\"3\""));
    assert_null(strstr(schedule, "<row r=\"4\""));
    free(schedule);
    char *wbxml = unzip_member(path, "xl/workbook.xml");
    const char *s10 = strstr(wbxml, "\"Schedule\""), *s11 = strstr(wbxml, "\"ScheduleCurve\"");
    assert_non_null(s10);
    assert_non_null(s11);
    assert_true(s10 < s11);
    free(wbxml);
    char *curve = unzip_member(path, "xl/worksheets/sheet11.xml");
    assert_non_null(strstr(curve, "<row r=\"2\""));
    assert_non_null(strstr(curve, "<drawing"));
    free(curve);
    cs_diag_free(diag);
    free(path);
    tu_rmtree(dir);
    free(dir);
    fx_free(a);
}

static void unwritable_path(void **state)
{
    (void)state;
    fx_run *a = fx_make(20, 0, "x");
    cs_diag *diag = cs_diag_alloc();
    /* The workbook is built in a private directory under $TMPDIR: when
     * that cannot be made, the message names the user's file. */
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", "/nonexistent-dir/x", 1);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(cs_report_xlsx(f, "out/results.xlsx", a->r, NULL, NULL, diag), -1);
    fclose(f);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    assert_int_equal(cs_diag_count(diag), 1);
    assert_string_equal(cs_diag_get(diag, 0)->path, "out/results.xlsx");
    assert_non_null(strstr(cs_diag_get(diag, 0)->message, "workbook"));
    cs_diag_free(diag);
    fx_free(a);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workbook_numbers),
        cmocka_unit_test(workbook_text_and_schedule),
        cmocka_unit_test(unwritable_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
