/* report_xlsx: the Excel workbook of a run or a comparison (libxlsxwriter).
 *
 * One sheet per CSV file of SPEC §11 with the same columns and rows, as
 * real numbers with number formats, header rows frozen, native charts of
 * the S-curve and the funding profile, and a Settings sheet saying what the
 * amounts are (currency, millions, base year, constant or then-year).
 * Text cells are string cells, kept exactly (never formulas, so they need
 * no CSV formula guard). The file is deterministic:
 * the creation time is fixed and libxlsxwriter dates the zip entries
 * 1980-01-01. Computes nothing but the compare rows (via report.h). */
#include "report_xlsx.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "csvin.h"

/* From report_internal.h, whose other helpers this file has its own
 * copies of. */
void cs_report_utf8_trim_partial(char *s);

#include "report.h"

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

static void note_err(book *b, lxw_error e)
{
    if (e != LXW_NO_ERROR && b->err == LXW_NO_ERROR)
        b->err = e;
}

/* A number cell; a non-finite value leaves the cell empty, as in CSV. */
static void num(book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double x,
                lxw_format *fmt)
{
    if (isfinite(x))
        note_err(b, worksheet_write_number(ws, row, col, x, fmt));
}

/* A text cell, kept exactly: write_string makes a string cell, which no
 * spreadsheet runs as a formula, so the CSV's leading "'" would only show
 * as a stray quote ("'+2 boats option"). */
static void text(book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                 lxw_format *fmt)
{
    if (!s || !s[0])
        return;
    /* A path from the command line need not be UTF-8; a workbook must be. */
    if (!cs_csvin_utf8_valid(s, strlen(s))) {
        char *repaired = cs_csvin_utf8_repair(s, strlen(s));
        if (!repaired) {
            b->oom = true;
            return;
        }
        note_err(b, worksheet_write_string(ws, row, col, repaired, fmt));
        free(repaired);
        return;
    }
    note_err(b, worksheet_write_string(ws, row, col, s, fmt));
}

static void header_row(book *b, lxw_worksheet *ws, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        text(b, ws, 0, (lxw_col_t)i, names[i], b->header);
    worksheet_freeze_panes(ws, 1, 0);
}

static lxw_worksheet *sheet(book *b, const char *prefix, const char *name)
{
    char full[32];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, full);
    if (!ws)
        b->oom = true;
    return ws;
}

static const char *cs_report_level_name(cs_level l)
{
    switch (l) {
    case CS_LEVEL_TOTAL: return "total";
    case CS_LEVEL_PHASE: return "phase";
    case CS_LEVEL_ELEMENT: return "element";
    case CS_LEVEL_RISK: return "risk";
    }
    return "";
}

static const char *cs_report_report_currency(const cs_results *r)
{
    return r->model->currencies[r->model->report_currency].code;
}

static void summary_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = sheet(b, prefix, "Summary");
    if (!ws)
        return;
    const char *head[5 + 3 + CS_N_SUMMARY_P + 1] = {"measure", "level", "id", "name",
                                                   "currency", "point", "mean", "sd"};
    for (int i = 0; i < CS_N_SUMMARY_P; i++)
        head[8 + i] = cs_results_summary_p_names[i];
    head[8 + CS_N_SUMMARY_P] = "point_percentile";
    header_row(b, ws, head, sizeof head / sizeof head[0]);
    worksheet_set_column(ws, 0, 1, 10, NULL);
    worksheet_set_column(ws, 2, 3, 22, NULL);
    worksheet_set_column(ws, 4, 4, 9, NULL);
    worksheet_set_column(ws, 5, 7 + CS_N_SUMMARY_P, 15, NULL);
    worksheet_set_column(ws, 8 + CS_N_SUMMARY_P, 8 + CS_N_SUMMARY_P, 16, NULL);
    lxw_row_t row = 1;
    for (int m = 0; m < CS_N_MEASURES; m++)
        for (size_t i = 0; i < r->n_rows; i++, row++) {
            const cs_summary_row *s = &r->rows[m][i];
            text(b, ws, row, 0, cs_results_measure_name((cs_measure)m), NULL);
            text(b, ws, row, 1, cs_report_level_name(s->level), NULL);
            text(b, ws, row, 2, s->id, NULL);
            text(b, ws, row, 3, s->name, NULL);
            text(b, ws, row, 4, cs_report_report_currency(r), NULL);
            num(b, ws, row, 5, s->point, b->amount);
            num(b, ws, row, 6, s->mean, b->amount);
            num(b, ws, row, 7, s->sd, b->amount);
            for (int k = 0; k < CS_N_SUMMARY_P; k++)
                num(b, ws, row, (lxw_col_t)(8 + k), s->p[k], b->amount);
            num(b, ws, row, 8 + CS_N_SUMMARY_P, s->point_percentile, b->percent);
        }
}

/* Chart axes show amounts (millions) scaled by the number format: each ","
 * after the digits divides by 1000, so the cells keep their exact values. */
static const char *axis_format(double max_abs, const char **word)
{
    if (max_abs >= 1e6) {
        *word = "trillion";
        return "#,##0.0,,";
    }
    if (max_abs >= 1e3) {
        *word = "billion";
        return "#,##0.0,";
    }
    *word = "million";
    return "#,##0";
}

static void line_style(lxw_chart_series *s, lxw_color_t colour, float width, uint8_t dash)
{
    lxw_chart_line line = {.color = colour, .width = width, .dash_type = dash};
    chart_series_set_line(s, &line);
}

static void by_year_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = sheet(b, prefix, "ByYear");
    if (!ws)
        return;
    static const char *const head[] = {"year", "mean", "p10", "p50", "p90"};
    header_row(b, ws, head, 5);
    worksheet_set_column(ws, 0, 0, 8, NULL);
    worksheet_set_column(ws, 1, 4, 15, NULL);
    double max_abs = 0;
    for (size_t i = 0; i < r->n_years; i++) {
        lxw_row_t row = (lxw_row_t)(i + 1);
        num(b, ws, row, 0, r->first_year + (double)i, b->integer);
        num(b, ws, row, 1, r->year_mean[i], b->amount);
        num(b, ws, row, 2, r->year_p10[i], b->amount);
        num(b, ws, row, 3, r->year_p50[i], b->amount);
        num(b, ws, row, 4, r->year_p90[i], b->amount);
        max_abs = fmax(max_abs, fmax(fabs(r->year_p90[i]), fabs(r->year_p10[i])));
    }
    if (r->n_years == 0)
        return;
    lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_LINE);
    if (!chart) {
        b->oom = true;
        return;
    }
    char sheetname[32], title[128];
    snprintf(sheetname, sizeof sheetname, "%sByYear", prefix);
    const char *word;
    const char *fmt = axis_format(max_abs, &word);
    static const struct {
        lxw_col_t col;
        const char *name;
        lxw_color_t colour;
        float width;
        uint8_t dash;
    } series[] = {
        {2, "P10", 0xE69F00, 1.25f, LXW_CHART_LINE_DASH_SOLID},
        {3, "P50", 0xD55E00, 2.5f, LXW_CHART_LINE_DASH_SOLID},
        {4, "P90", 0xE69F00, 1.25f, LXW_CHART_LINE_DASH_SOLID},
        {1, "Mean", 0x333333, 1.5f, LXW_CHART_LINE_DASH_DASH},
    };
    lxw_row_t last = (lxw_row_t)r->n_years;
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++) {
        lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
        if (!s) {
            b->oom = true;
            return;
        }
        chart_series_set_categories(s, sheetname, 1, 0, last, 0);
        chart_series_set_values(s, sheetname, 1, series[i].col, last, series[i].col);
        chart_series_set_name(s, series[i].name);
        line_style(s, series[i].colour, series[i].width, series[i].dash);
    }
    chart_title_set_name(chart, "Funding profile (nominal cost per year)");
    chart_axis_set_name(chart->x_axis, "Year");
    snprintf(title, sizeof title, "Nominal cost per year, %s %s, then-year", word,
             cs_report_report_currency(r));
    chart_axis_set_name(chart->y_axis, title);
    chart_axis_set_num_format(chart->y_axis, fmt);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt = {.x_offset = 10, .y_offset = 10, .x_scale = 1.8, .y_scale = 1.6};
    note_err(b, worksheet_insert_chart_opt(ws, 1, 6, chart, &opt));
}

static void scurve_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = sheet(b, prefix, "SCurve");
    if (!ws)
        return;
    static const char *const head[] = {"percentile", "constant", "nominal", "pv"};
    header_row(b, ws, head, 4);
    worksheet_set_column(ws, 0, 0, 11, NULL);
    worksheet_set_column(ws, 1, 3, 16, NULL);
    double max_abs = 0;
    for (int pct = 1; pct <= 99; pct++) {
        num(b, ws, (lxw_row_t)pct, 0, pct, b->integer);
        for (int m = 0; m < CS_N_MEASURES; m++) {
            double v = cs_results_scurve(r, (cs_measure)m, pct);
            num(b, ws, (lxw_row_t)pct, (lxw_col_t)(1 + m), v, b->amount);
            if (isfinite(v))
                max_abs = fmax(max_abs, fabs(v));
        }
    }
    lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_SCATTER_STRAIGHT);
    if (!chart) {
        b->oom = true;
        return;
    }
    char sheetname[32], title[160];
    snprintf(sheetname, sizeof sheetname, "%sSCurve", prefix);
    const char *word;
    const char *fmt = axis_format(max_abs, &word);
    static const struct {
        const char *name;
        lxw_color_t colour;
        float width;
        uint8_t dash;
    } style[CS_N_MEASURES] = {
        {"constant", 0x0072B2, 1.75f, LXW_CHART_LINE_DASH_DASH},
        {"nominal (then-year)", 0xD55E00, 2.5f, LXW_CHART_LINE_DASH_SOLID},
        {"present value", 0x009E73, 1.75f, LXW_CHART_LINE_DASH_ROUND_DOT},
    };
    for (int m = 0; m < CS_N_MEASURES; m++) {
        lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
        if (!s) {
            b->oom = true;
            return;
        }
        /* x = the amount, y = the percentile: an S-curve */
        chart_series_set_categories(s, sheetname, 1, (lxw_col_t)(1 + m), 99,
                                    (lxw_col_t)(1 + m));
        chart_series_set_values(s, sheetname, 1, 0, 99, 0);
        char name[64];
        if (m == CS_NOMINAL)
            snprintf(name, sizeof name, "%s", style[m].name);
        else
            snprintf(name, sizeof name, "%s %d", style[m].name, r->model->base_year);
        chart_series_set_name(s, name);
        chart_series_set_marker_type(s, LXW_CHART_MARKER_NONE);
        line_style(s, style[m].colour, style[m].width, style[m].dash);
    }
    chart_title_set_name(chart, "S-curve of the total cost");
    snprintf(title, sizeof title, "Total cost, %s %s (constant %d / then-year / present value %d)",
             word, cs_report_report_currency(r), r->model->base_year, r->model->base_year);
    chart_axis_set_name(chart->x_axis, title);
    chart_axis_set_num_format(chart->x_axis, fmt);
    chart_axis_set_name(chart->y_axis, "Cumulative probability, %");
    chart_axis_set_min(chart->y_axis, 0);
    chart_axis_set_max(chart->y_axis, 100);
    chart_axis_set_major_unit(chart->y_axis, 10);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt = {.x_offset = 10, .y_offset = 10, .x_scale = 1.8, .y_scale = 1.6};
    note_err(b, worksheet_insert_chart_opt(ws, 1, 5, chart, &opt));
}

static void sensitivity_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = sheet(b, prefix, "Sensitivity");
    if (!ws)
        return;
    static const char *const head[] = {"input", "kind", "rank_correlation", "variance_share"};
    header_row(b, ws, head, 4);
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, 1, 10, NULL);
    worksheet_set_column(ws, 2, 3, 17, NULL);
    for (size_t i = 0; i < r->n_sensitivity; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        text(b, ws, row, 0, s->input, NULL);
        text(b, ws, row, 1, cs_results_input_kind_name(s->kind), NULL);
        num(b, ws, row, 2, s->rank_correlation, b->corr);
        num(b, ws, row, 3, s->variance_share, b->share);
    }
}

static void attribution_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = sheet(b, prefix, "Attribution");
    if (!ws)
        return;
    static const char *const head[] = {"source", "variance_share"};
    header_row(b, ws, head, 2);
    worksheet_set_column(ws, 0, 1, 16, NULL);
    for (size_t i = 0; i < r->n_attribution; i++) {
        lxw_row_t row = (lxw_row_t)(i + 1);
        text(b, ws, row, 0, r->attribution[i].source, NULL);
        num(b, ws, row, 1, r->attribution[i].variance_share, b->share);
    }
}

static void tornado_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = sheet(b, prefix, "Tornado");
    if (!ws)
        return;
    static const char *const head[] = {"input", "kind", "low", "high", "p50"};
    header_row(b, ws, head, 5);
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, 1, 10, NULL);
    worksheet_set_column(ws, 2, 4, 16, NULL);
    for (size_t i = 0; i < r->n_tornado; i++) {
        const cs_tornado *t = &r->tornado[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        text(b, ws, row, 0, t->input, NULL);
        text(b, ws, row, 1, cs_results_input_kind_name(t->kind), NULL);
        num(b, ws, row, 2, t->low, b->amount);
        num(b, ws, row, 3, t->high, b->amount);
        num(b, ws, row, 4, t->p50, b->amount);
    }
}

static void trials_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = sheet(b, prefix, "Trials");
    if (!ws)
        return;
    static const char *const head[] = {"trial", "constant", "nominal", "pv", "slip"};
    header_row(b, ws, head, 5);
    const cs_model *m = r->model;
    for (size_t p = 0; p < m->n_phases; p++) {
        size_t len = strlen(m->phases[p]) + 9;
        char *name = malloc(len);
        if (!name) {
            b->oom = true;
            return;
        }
        snprintf(name, len, "nominal.%s", m->phases[p]);
        text(b, ws, 0, (lxw_col_t)(5 + p), name, b->header);
        free(name);
    }
    worksheet_set_column(ws, 0, 0, 9, NULL);
    worksheet_set_column(ws, 1, 3, 16, NULL);
    worksheet_set_column(ws, 4, 4, 6, NULL);
    if (m->n_phases)
        worksheet_set_column(ws, 5, (lxw_col_t)(4 + m->n_phases), 18, NULL);
    uint64_t n = r->trials < XLSX_MAX_DATA_ROWS ? r->trials : XLSX_MAX_DATA_ROWS;
    for (uint64_t j = 0; j < n; j++) {
        lxw_row_t row = (lxw_row_t)(j + 1);
        num(b, ws, row, 0, (double)(j + 1), b->integer);
        for (int ms = 0; ms < CS_N_MEASURES; ms++)
            num(b, ws, row, (lxw_col_t)(1 + ms), r->totals[ms][j], b->amount);
        if (r->trial_slip)
            num(b, ws, row, 4, r->trial_slip[j], b->integer);
        if (r->trial_phase_nominal)
            for (size_t p = 0; p < m->n_phases; p++)
                num(b, ws, row, (lxw_col_t)(5 + p), r->trial_phase_nominal[j * m->n_phases + p],
                    b->amount);
        if (b->err != LXW_NO_ERROR || b->oom)
            return;
    }
}

static void compare_sheet(book *b, const cs_compare_row rows[CS_N_MEASURES])
{
    lxw_worksheet *ws = sheet(b, "", "Compare");
    if (!ws)
        return;
    static const char *const head[] = {"measure", "mean_diff", "p10", "p50", "p90", "p_b_gt_a"};
    header_row(b, ws, head, 6);
    worksheet_set_column(ws, 0, 0, 10, NULL);
    worksheet_set_column(ws, 1, 4, 16, NULL);
    worksheet_set_column(ws, 5, 5, 10, NULL);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        lxw_row_t row = (lxw_row_t)(m + 1);
        text(b, ws, row, 0, cs_results_measure_name((cs_measure)m), NULL);
        num(b, ws, row, 1, rows[m].mean_diff, b->amount);
        num(b, ws, row, 2, rows[m].p10, b->amount);
        num(b, ws, row, 3, rows[m].p50, b->amount);
        num(b, ws, row, 4, rows[m].p90, b->amount);
        num(b, ws, row, 5, rows[m].p_b_gt_a, b->percent);
    }
}

/* key, value rows; the value is text or a number. */
static lxw_row_t kv_text(book *b, lxw_worksheet *ws, lxw_row_t row, const char *key,
                         const char *value)
{
    text(b, ws, row, 0, key, NULL);
    text(b, ws, row, 1, value, b->wrap);
    return row + 1;
}

static lxw_row_t kv_num(book *b, lxw_worksheet *ws, lxw_row_t row, const char *key, double v,
                        lxw_format *fmt)
{
    text(b, ws, row, 0, key, NULL);
    num(b, ws, row, 1, v, fmt);
    return row + 1;
}

/* What the numbers are: the GAO guide asks every estimate to state its base
 * year and whether amounts are constant or then-year. */
static void settings_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = sheet(b, prefix, "Settings");
    if (!ws)
        return;
    const cs_model *m = r->model;
    static const char *const head[] = {"setting", "value"};
    header_row(b, ws, head, 2);
    worksheet_set_column(ws, 0, 0, 30, NULL);
    worksheet_set_column(ws, 1, 1, 90, NULL);
    char v[256];
    lxw_row_t row = 1;
    row = kv_text(b, ws, row, "scenario", m->name);
    row = kv_text(b, ws, row, "model", m->model_dir);
    row = kv_num(b, ws, row, "base_year", m->base_year, b->integer);
    row = kv_text(b, ws, row, "base_currency", m->currencies[m->base_currency].code);
    row = kv_text(b, ws, row, "report_currency", cs_report_report_currency(r));
    snprintf(v, sizeof v,
             "millions of %s; constant = %d prices and exchange rates; nominal = then-year; "
             "pv = present value in %d",
             cs_report_report_currency(r), m->base_year, m->base_year);
    row = kv_text(b, ws, row, "amounts", v);
    row = kv_num(b, ws, row, "trials", (double)r->trials, b->integer);
    snprintf(v, sizeof v, "%" PRIu64, m->seed); /* text: 2^64 does not fit a double */
    row = kv_text(b, ws, row, "seed", v);
    row = kv_num(b, ws, row, "units", m->units, b->integer);
    row = kv_num(b, ws, row, "discount_rate", m->discount_rate, NULL);
    row = kv_num(b, ws, row, "default_correlation", m->default_correlation, NULL);
    if (r->has_budget) {
        row = kv_num(b, ws, row, "budget", r->budget, b->amount);
        row = kv_num(b, ws, row, "budget_confidence", r->budget_confidence, b->percent);
    }
    row = kv_num(b, ws, row, "nominal_mean_ci_low", r->mean_ci[0], b->amount);
    row = kv_num(b, ws, row, "nominal_mean_ci_high", r->mean_ci[1], b->amount);
    row = kv_num(b, ws, row, "nominal_p50_ci_low", r->p50_ci[0], b->amount);
    row = kv_num(b, ws, row, "nominal_p50_ci_high", r->p50_ci[1], b->amount);
    row = kv_num(b, ws, row, "nominal_p80_ci_low", r->p80_ci[0], b->amount);
    row = kv_num(b, ws, row, "nominal_p80_ci_high", r->p80_ci[1], b->amount);
    if (r->has_trials && r->trials > XLSX_MAX_DATA_ROWS) {
        snprintf(v, sizeof v, "Trials sheet holds the first %u of %" PRIu64
                 " trials (the Excel row limit); trials.csv has them all",
                 XLSX_MAX_DATA_ROWS, r->trials);
        row = kv_text(b, ws, row, "note", v);
    }
    if (m->corr_repaired)
        kv_num(b, ws, row, "correlation_repair_max_change", m->corr_repair_max_change, b->corr);
}

static void run_sheets(book *b, const char *prefix, const cs_results *r)
{
    summary_sheet(b, prefix, r);
    by_year_sheet(b, prefix, r);
    scurve_sheet(b, prefix, r);
    sensitivity_sheet(b, prefix, r);
    attribution_sheet(b, prefix, r);
    tornado_sheet(b, prefix, r);
    if (r->has_trials)
        trials_sheet(b, prefix, r);
    settings_sheet(b, prefix, r);
}

static lxw_format *format(book *b, const char *num_format, bool bold)
{
    lxw_format *f = workbook_add_format(b->wb);
    if (!f) {
        b->oom = true;
        return NULL;
    }
    if (num_format)
        format_set_num_format(f, num_format);
    if (bold)
        format_set_bold(f);
    return f;
}

int cs_report_xlsx(const char *path, const cs_results *a, const cs_results *b_results,
                   cs_diag *diag)
{
    cs_compare_row rows[CS_N_MEASURES];
    if (b_results && cs_report_compare_compute(a, b_results, rows) != 0) {
        cs_diag_add(diag, path, 0, NULL,
                    "cannot compare the scenarios trial by trial; both need the same "
                    "number of trials (and memory for one more copy of the totals)");
        return -1;
    }
    /* libxlsxwriter reports a file it cannot create on stderr, and library
     * code must not print: find out first. */
    FILE *probe = fopen(path, "wb");
    if (!probe) {
        cs_diag_add(diag, path, 0, NULL, "cannot create the workbook: %s", strerror(errno));
        return -1;
    }
    fclose(probe);
    bool big = (a->has_trials && a->trials > 100000) ||
               (b_results && b_results->has_trials && b_results->trials > 100000);
    lxw_workbook_options opts = {.constant_memory = LXW_FALSE, .tmpdir = NULL,
                                 .use_zip64 = big ? LXW_TRUE : LXW_FALSE};
    book b = {0};
    b.wb = workbook_new_opt(path, &opts);
    if (!b.wb) {
        cs_diag_add(diag, path, 0, NULL, "cannot create the workbook");
        return -1;
    }
    char title[256];
    snprintf(title, sizeof title, "costsim results: %s", a->model->name);
    cs_report_utf8_trim_partial(title);
    lxw_doc_properties props = {.title = title, .comments = "Amounts in millions of the "
                                "report currency (see the Settings sheet).",
                                .created = FIXED_CREATED};
    note_err(&b, workbook_set_properties(b.wb, &props));
    b.header = format(&b, NULL, true);
    /* The unit on every amount cell, as a number format: the cell stays a
     * number, and reads "60,216,850 KRW M" (millions of the report
     * currency). The code is three uppercase letters, safe in a format. */
    char amount_format[64];
    snprintf(amount_format, sizeof amount_format, "#,##0\" %s M\"",
             a->model->currencies[a->model->report_currency].code);
    b.amount = format(&b, amount_format, false);
    b.percent = format(&b, "0.0", false);
    b.share = format(&b, "0.0%", false);
    b.corr = format(&b, "0.000", false);
    b.integer = format(&b, "0", false);
    b.wrap = workbook_add_format(b.wb);
    if (b.wrap)
        format_set_text_wrap(b.wrap);
    if (!b.oom) {
        run_sheets(&b, "", a);
        if (b_results) {
            run_sheets(&b, "B ", b_results);
            compare_sheet(&b, rows);
        }
    }
    /* workbook_close writes the file and frees the workbook even after an
     * earlier error, so it is always called. */
    lxw_error closed = workbook_close(b.wb);
    if (b.oom) {
        cs_diag_add(diag, path, 0, NULL, "out of memory while building the workbook");
        return -1;
    }
    if (b.err != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
        cs_diag_add(diag, path, 0, NULL, "cannot write the workbook: %s",
                    lxw_strerror(b.err != LXW_NO_ERROR ? b.err : closed));
        return -1;
    }
    return 0;
}

int cs_report_xlsx_check(const cs_model *m, bool with_trials, const char *path, cs_diag *diag)
{
    /* The Trials sheet: trial, constant, nominal, pv, slip, one column
     * kept free for per-trial schedule data, then a column per phase. */
    enum { TRIALS_FIXED_COLUMNS = 6, SHEET_COLUMNS = 16384 };
    if (with_trials && m->n_phases > SHEET_COLUMNS - TRIALS_FIXED_COLUMNS) {
        cs_diag_add(diag, path, 0, NULL,
                    "the workbook cannot hold this run: its Trials sheet needs a column per "
                    "phase and the model has %zu phases; a sheet has at most %d columns "
                    "(at most %d phases with --trials-out; leave out --xlsx or --trials-out)",
                    m->n_phases, SHEET_COLUMNS, SHEET_COLUMNS - TRIALS_FIXED_COLUMNS);
        return -1;
    }
    return 0;
}
