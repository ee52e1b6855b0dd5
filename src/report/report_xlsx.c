/* report_xlsx: the Excel workbook of a run or a comparison (libxlsxwriter).
 *
 * One sheet per CSV file of docs/OUTPUTS.md with the same columns and rows, as
 * real numbers with number formats, header rows frozen, native charts of
 * the S-curve and the funding profile, and a Settings sheet saying what the
 * amounts are (currency, millions, base year, constant or then-year).
 * Text cells are string cells, kept exactly (never formulas, so they need
 * no CSV formula guard). The file is deterministic:
 * the creation time is fixed and libxlsxwriter dates the zip entries
 * 1980-01-01. Computes nothing: the compare rows come from the caller. */
#include "report_xlsx.h"
#include "report_xlsx_internal.h"
#include "report_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "csvin.h"

#include "report.h"




void cs_report_xlsx_note_err(book *b, lxw_error e)
{
    if (e != LXW_NO_ERROR && b->err == LXW_NO_ERROR)
        b->err = e;
}

/* A number cell; a non-finite value leaves the cell empty, as in CSV. */
void cs_report_xlsx_num(book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double x,
                lxw_format *fmt)
{
    if (isfinite(x))
        cs_report_xlsx_note_err(b, worksheet_write_number(ws, row, col, x, fmt));
}

/* A text cell, kept exactly: write_string makes a string cell, which no
 * spreadsheet runs as a formula, so the CSV's leading "'" would only show
 * as a stray quote ("'+2 boats option"). */
/* Whether s starts with the form "_xHHHH_" (H a hex digit), which a
 * workbook's reader decodes as an escaped character. */
static bool ooxml_escape_at(const char *s)
{
    if (s[0] != '_' || s[1] != 'x')
        return false;
    for (int i = 2; i < 6; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return s[6] == '_';
}

/* s with the '_' of every literal "_xHHHH_" written as "_x005F_", so that a
 * reader shows the text as given instead of decoding it; NULL when s has
 * none (and nothing was allocated) or when memory ran out (*oom set). */
static char *ooxml_literal(const char *s, bool *oom)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += ooxml_escape_at(p);
    if (n == 0)
        return NULL;
    char *out = malloc(strlen(s) + 6 * n + 1), *o = out;
    if (!out) {
        *oom = true;
        return NULL;
    }
    for (const char *p = s; *p; p++) {
        if (ooxml_escape_at(p)) {
            memcpy(o, "_x005F", 6);
            o += 6;
        }
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

void cs_report_xlsx_text(book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                 lxw_format *fmt)
{
    if (!s || !s[0])
        return;
    /* A path from the command line need not be UTF-8; a workbook must be. */
    char *repaired = NULL;
    if (!cs_csvin_utf8_valid(s, strlen(s))) {
        if (!(repaired = cs_csvin_utf8_repair(s, strlen(s)))) {
            b->oom = true;
            return;
        }
        s = repaired;
    }
    char *literal = ooxml_literal(s, &b->oom);
    if (!b->oom)
        cs_report_xlsx_note_err(b, worksheet_write_string(ws, row, col, literal ? literal : s, fmt));
    free(literal);
    free(repaired);
}

/* The document title: the model's name as valid UTF-8, control characters
 * (which XML does not allow there, and the library does not escape in the
 * document properties) shown as '?', as the terminal shows them. */
static void document_title(char *title, size_t size, const char *name)
{
    char *repaired = cs_csvin_utf8_valid(name, strlen(name)) ? NULL
                                                             : cs_csvin_utf8_repair(name, strlen(name));
    snprintf(title, size, "costsim results: %s", repaired ? repaired : name);
    free(repaired);
    cs_report_utf8_trim_partial(title);
    for (unsigned char *p = (unsigned char *)title; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static void header_row(book *b, lxw_worksheet *ws, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cs_report_xlsx_text(b, ws, 0, (lxw_col_t)i, names[i], b->header);
    worksheet_freeze_panes(ws, 1, 0);
}

lxw_worksheet *cs_report_xlsx_sheet(book *b, const char *prefix, const char *name)
{
    char full[32];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, full);
    if (!ws)
        b->oom = true;
    return ws;
}

static void summary_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "Summary");
    if (!ws)
        return;
    /* cv (column I) after sd, as in summary.csv */
    const char *head[5 + 4 + CS_N_SUMMARY_P + 1] = {"measure", "level", "id", "name",
                                                   "currency", "point", "mean", "sd", "cv"};
    for (int i = 0; i < CS_N_SUMMARY_P; i++)
        head[9 + i] = cs_results_summary_p_names[i];
    head[9 + CS_N_SUMMARY_P] = "point_percentile";
    header_row(b, ws, head, sizeof head / sizeof head[0]);
    worksheet_set_column(ws, 0, 1, 10, NULL);
    worksheet_set_column(ws, 2, 3, 22, NULL);
    worksheet_set_column(ws, 4, 4, 9, NULL);
    worksheet_set_column(ws, 5, 8 + CS_N_SUMMARY_P, 15, NULL);
    worksheet_set_column(ws, 9 + CS_N_SUMMARY_P, 9 + CS_N_SUMMARY_P, 16, NULL);
    lxw_row_t row = 1;
    for (int m = 0; m < CS_N_MEASURES; m++)
        for (size_t i = 0; i < r->n_rows; i++, row++) {
            const cs_summary_row *s = &r->rows[m][i];
            cs_report_xlsx_text(b, ws, row, 0, cs_results_measure_name((cs_measure)m), NULL);
            cs_report_xlsx_text(b, ws, row, 1, cs_report_level_name(s->level), NULL);
            cs_report_xlsx_text(b, ws, row, 2, s->id, NULL);
            cs_report_xlsx_text(b, ws, row, 3, s->name, NULL);
            cs_report_xlsx_text(b, ws, row, 4, cs_report_report_currency(r), NULL);
            cs_report_xlsx_num(b, ws, row, 5, s->point, b->amount);
            cs_report_xlsx_num(b, ws, row, 6, s->mean, b->amount);
            cs_report_xlsx_num(b, ws, row, 7, s->sd, b->amount);
            cs_report_xlsx_num(b, ws, row, 8, cs_results_cv(s), b->share);
            for (int k = 0; k < CS_N_SUMMARY_P; k++)
                cs_report_xlsx_num(b, ws, row, (lxw_col_t)(9 + k), s->p[k], b->amount);
            cs_report_xlsx_num(b, ws, row, 9 + CS_N_SUMMARY_P, s->point_percentile, b->percent);
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

/* A line chart of the funding profile in one measure: P10, P50, P80, P90
 * and the mean from the columns first_col .. first_col + 4 (mean, p10,
 * p50, p80, p90) of the ByYear sheet, placed at (row, 12). */
static void by_year_chart(book *b, lxw_worksheet *ws, const char *prefix, const cs_results *r,
                          lxw_col_t first_col, bool constant, double max_abs, lxw_row_t at)
{
    lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_LINE);
    if (!chart) {
        b->oom = true;
        return;
    }
    char sheetname[32], title[160];
    snprintf(sheetname, sizeof sheetname, "%sByYear", prefix);
    const char *word;
    const char *fmt = axis_format(max_abs, &word);
    lxw_color_t main = constant ? 0x0072B2 : 0xD55E00, light = constant ? 0x56B4E9 : 0xE69F00;
    const struct {
        lxw_col_t col;
        const char *name;
        lxw_color_t colour;
        float width;
        uint8_t dash;
    } series[] = {
        {(lxw_col_t)(first_col + 1), "P10", light, 1.25f, LXW_CHART_LINE_DASH_SOLID},
        {(lxw_col_t)(first_col + 2), "P50", main, 2.5f, LXW_CHART_LINE_DASH_SOLID},
        {(lxw_col_t)(first_col + 3), "P80", main, 1.5f, LXW_CHART_LINE_DASH_DASH},
        {(lxw_col_t)(first_col + 4), "P90", light, 1.25f, LXW_CHART_LINE_DASH_SOLID},
        {first_col, "Mean", 0x333333, 1.5f, LXW_CHART_LINE_DASH_ROUND_DOT},
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
    if (constant) {
        snprintf(title, sizeof title, "Funding profile, constant %d (cost per year)",
                 r->model->base_year);
        chart_title_set_name(chart, title);
        snprintf(title, sizeof title, "Cost per year, %s %s, constant %d", word,
                 cs_report_report_currency(r), r->model->base_year);
    } else {
        chart_title_set_name(chart, "Funding profile, then-year (cost per year)");
        snprintf(title, sizeof title, "Cost per year, %s %s, then-year", word,
                 cs_report_report_currency(r));
    }
    chart_axis_set_name(chart->x_axis, "Year (yearly percentiles do not add up to the total's)");
    chart_axis_set_name(chart->y_axis, title);
    chart_axis_set_num_format(chart->y_axis, fmt);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt = {.x_offset = 10, .y_offset = 10, .x_scale = 1.8, .y_scale = 1.5};
    cs_report_xlsx_note_err(b, worksheet_insert_chart_opt(ws, at, 12, chart, &opt));
}

static void by_year_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "ByYear");
    if (!ws)
        return;
    static const char *const head[] = {
        "year",         "constant_mean", "constant_p10", "constant_p50",
        "constant_p80", "constant_p90",  "nominal_mean", "nominal_p10",
        "nominal_p50",  "nominal_p80",   "nominal_p90"};
    header_row(b, ws, head, 11);
    worksheet_set_column(ws, 0, 0, 8, NULL);
    worksheet_set_column(ws, 1, 10, 15, NULL);
    double max_c = 0, max_n = 0;
    for (size_t i = 0; i < r->n_years; i++) {
        lxw_row_t row = (lxw_row_t)(i + 1);
        cs_report_xlsx_num(b, ws, row, 0, r->first_year + (double)i, b->integer);
        const double c[5] = {r->year_const_mean[i], r->year_const_p10[i], r->year_const_p50[i],
                             r->year_const_p80[i], r->year_const_p90[i]};
        const double n[5] = {r->year_mean[i], r->year_p10[i], r->year_p50[i], r->year_p80[i],
                             r->year_p90[i]};
        for (int k = 0; k < 5; k++) {
            cs_report_xlsx_num(b, ws, row, (lxw_col_t)(1 + k), c[k], b->amount);
            cs_report_xlsx_num(b, ws, row, (lxw_col_t)(6 + k), n[k], b->amount);
            max_c = fmax(max_c, fabs(c[k]));
            max_n = fmax(max_n, fabs(n[k]));
        }
    }
    if (r->n_years == 0)
        return;
    by_year_chart(b, ws, prefix, r, 1, true, max_c, 1);
    by_year_chart(b, ws, prefix, r, 6, false, max_n, 25);
}

static void scurve_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "SCurve");
    if (!ws)
        return;
    static const char *const head[] = {"percentile", "constant", "nominal", "pv"};
    header_row(b, ws, head, 4);
    worksheet_set_column(ws, 0, 0, 11, NULL);
    worksheet_set_column(ws, 1, 3, 16, NULL);
    double max_abs = 0;
    for (int pct = 1; pct <= 99; pct++) {
        cs_report_xlsx_num(b, ws, (lxw_row_t)pct, 0, pct, b->integer);
        for (int m = 0; m < CS_N_MEASURES; m++) {
            double v = cs_results_scurve(r, (cs_measure)m, pct);
            cs_report_xlsx_num(b, ws, (lxw_row_t)pct, (lxw_col_t)(1 + m), v, b->amount);
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
    cs_report_xlsx_note_err(b, worksheet_insert_chart_opt(ws, 1, 5, chart, &opt));
}

static void sensitivity_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "Sensitivity");
    if (!ws)
        return;
    static const char *const head[] = {"input",   "kind",    "rank_correlation",
                                       "ci_low",  "ci_high", "rho2_share"};
    header_row(b, ws, head, 6);
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, 1, 10, NULL);
    worksheet_set_column(ws, 2, 5, 17, NULL);
    for (size_t i = 0; i < r->n_sensitivity; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        cs_report_xlsx_text(b, ws, row, 0, s->input, NULL);
        cs_report_xlsx_text(b, ws, row, 1, cs_results_input_kind_name(s->kind), NULL);
        cs_report_xlsx_num(b, ws, row, 2, s->rank_correlation, b->corr);
        cs_report_xlsx_num(b, ws, row, 3, s->ci_low, b->corr);
        cs_report_xlsx_num(b, ws, row, 4, s->ci_high, b->corr);
        cs_report_xlsx_num(b, ws, row, 5, s->rho2_share, b->share);
    }
}

static void attribution_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "Attribution");
    if (!ws)
        return;
    static const char *const head[] = {"source",         "shapley_share", "shapley_se",
                                       "first_order",    "first_order_se", "total_effect",
                                       "total_effect_se"};
    header_row(b, ws, head, 7);
    worksheet_set_column(ws, 0, 6, 16, NULL);
    for (size_t i = 0; i < r->n_attribution; i++) {
        const cs_attribution *a = &r->attribution[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        cs_report_xlsx_text(b, ws, row, 0, a->source, NULL);
        cs_report_xlsx_num(b, ws, row, 1, a->shapley_share, b->share);
        cs_report_xlsx_num(b, ws, row, 2, a->shapley_se, b->share);
        cs_report_xlsx_num(b, ws, row, 3, a->first_order, b->share);
        cs_report_xlsx_num(b, ws, row, 4, a->first_order_se, b->share);
        cs_report_xlsx_num(b, ws, row, 5, a->total_effect, b->share);
        cs_report_xlsx_num(b, ws, row, 6, a->total_effect_se, b->share);
    }
}

static void tornado_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "Tornado");
    if (!ws)
        return;
    static const char *const head[] = {"input", "kind", "low", "high", "p50", "swing"};
    header_row(b, ws, head, 6);
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, 1, 10, NULL);
    worksheet_set_column(ws, 2, 5, 16, NULL);
    for (size_t i = 0; i < r->n_tornado; i++) {
        const cs_tornado *t = &r->tornado[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        cs_report_xlsx_text(b, ws, row, 0, t->input, NULL);
        cs_report_xlsx_text(b, ws, row, 1, cs_results_input_kind_name(t->kind), NULL);
        cs_report_xlsx_num(b, ws, row, 2, t->low, b->amount);
        cs_report_xlsx_num(b, ws, row, 3, t->high, b->amount);
        cs_report_xlsx_num(b, ws, row, 4, t->p50, b->amount);
        cs_report_xlsx_num(b, ws, row, 5, t->swing, b->amount);
    }
}

static void trials_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "Trials");
    if (!ws)
        return;
    static const char *const head[] = {"trial", "constant", "nominal", "pv", "slip",
                                       "first_delivery"};
    header_row(b, ws, head, 6);
    const cs_model *m = r->model;
    for (size_t p = 0; p < m->n_phases; p++) {
        size_t len = strlen(m->phases[p]) + 9;
        char *name = malloc(len);
        if (!name) {
            b->oom = true;
            return;
        }
        snprintf(name, len, "nominal.%s", m->phases[p]);
        cs_report_xlsx_text(b, ws, 0, (lxw_col_t)(6 + p), name, b->header);
        free(name);
    }
    worksheet_set_column(ws, 0, 0, 9, NULL);
    worksheet_set_column(ws, 1, 3, 16, NULL);
    worksheet_set_column(ws, 4, 5, 8, NULL);
    if (m->n_phases)
        worksheet_set_column(ws, 6, (lxw_col_t)(5 + m->n_phases), 18, NULL);
    uint64_t n = r->trials < XLSX_MAX_DATA_ROWS ? r->trials : XLSX_MAX_DATA_ROWS;
    for (uint64_t j = 0; j < n; j++) {
        lxw_row_t row = (lxw_row_t)(j + 1);
        cs_report_xlsx_num(b, ws, row, 0, (double)(j + 1), b->integer);
        for (int ms = 0; ms < CS_N_MEASURES; ms++)
            cs_report_xlsx_num(b, ws, row, (lxw_col_t)(1 + ms), r->totals[ms][j], b->amount);
        if (r->trial_slip)
            cs_report_xlsx_num(b, ws, row, 4, r->trial_slip[j], b->integer);
        if (r->trial_first_delivery)
            cs_report_xlsx_num(b, ws, row, 5, r->trial_first_delivery[j], b->integer);
        if (r->trial_phase_nominal)
            for (size_t p = 0; p < m->n_phases; p++)
                cs_report_xlsx_num(b, ws, row, (lxw_col_t)(6 + p), r->trial_phase_nominal[j * m->n_phases + p],
                    b->amount);
        if (b->err != LXW_NO_ERROR || b->oom)
            return;
    }
}

/* streams.csv of a comparison: the random streams of A and B. */
static void streams_sheet(book *b, const cs_results *ra, const cs_results *rb)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, "", "Streams");
    if (!ws)
        return;
    size_t n;
    cs_stream_row *rows = cs_report_streams_compute(ra, rb, &n);
    if (!rows) {
        b->oom = true;
        return;
    }
    static const char *const head[] = {"kind", "stream", "a_input", "b_input"};
    header_row(b, ws, head, 4);
    worksheet_set_column(ws, 0, 0, 10, NULL);
    worksheet_set_column(ws, 1, 3, 24, NULL);
    for (size_t i = 0; i < n; i++) {
        lxw_row_t row = (lxw_row_t)(i + 1);
        cs_report_xlsx_text(b, ws, row, 0, cs_results_input_kind_name(rows[i].kind), NULL);
        cs_report_xlsx_text(b, ws, row, 1, rows[i].stream, NULL);
        cs_report_xlsx_text(b, ws, row, 2, rows[i].a_input ? rows[i].a_input : "", NULL);
        cs_report_xlsx_text(b, ws, row, 3, rows[i].b_input ? rows[i].b_input : "", NULL);
    }
    free(rows);
}

static void compare_sheet(book *b, const cs_compare_row rows[CS_N_MEASURES])
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, "", "Compare");
    if (!ws)
        return;
    static const char *const head[] = {"measure", "mean_diff", "p10",    "p50",
                                       "p90",     "p_b_gt_a",  "ci_low", "ci_high"};
    header_row(b, ws, head, 8);
    worksheet_set_column(ws, 0, 0, 10, NULL);
    worksheet_set_column(ws, 1, 4, 16, NULL);
    worksheet_set_column(ws, 5, 7, 10, NULL);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        lxw_row_t row = (lxw_row_t)(m + 1);
        cs_report_xlsx_text(b, ws, row, 0, cs_results_measure_name((cs_measure)m), NULL);
        cs_report_xlsx_num(b, ws, row, 1, rows[m].mean_diff, b->amount);
        cs_report_xlsx_num(b, ws, row, 2, rows[m].p10, b->amount);
        cs_report_xlsx_num(b, ws, row, 3, rows[m].p50, b->amount);
        cs_report_xlsx_num(b, ws, row, 4, rows[m].p90, b->amount);
        cs_report_xlsx_num(b, ws, row, 5, rows[m].p_b_gt_a, b->share);
        cs_report_xlsx_num(b, ws, row, 6, rows[m].ci_low, b->share);
        cs_report_xlsx_num(b, ws, row, 7, rows[m].ci_high, b->share);
    }
}

/* key, value rows; the value is text or a number. */
static lxw_row_t kv_text(book *b, lxw_worksheet *ws, lxw_row_t row, const char *key,
                         const char *value)
{
    cs_report_xlsx_text(b, ws, row, 0, key, NULL);
    cs_report_xlsx_text(b, ws, row, 1, value, b->wrap);
    return row + 1;
}

static lxw_row_t kv_num(book *b, lxw_worksheet *ws, lxw_row_t row, const char *key, double v,
                        lxw_format *fmt)
{
    cs_report_xlsx_text(b, ws, row, 0, key, NULL);
    cs_report_xlsx_num(b, ws, row, 1, v, fmt);
    return row + 1;
}

/* What the numbers are: the GAO guide asks every estimate to state its base
 * year and whether amounts are constant or then-year. */
static void settings_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "Settings");
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
    snprintf(v, sizeof v, "%" PRIu64, r->seed); /* text: 2^64 does not fit a double */
    row = kv_text(b, ws, row, "seed", v);
    if (r->no_drivers)
        row = kv_text(b, ws, row, "drivers", "not measured (--no-drivers)");
    row = kv_num(b, ws, row, "units", m->units, b->integer);
    row = kv_num(b, ws, row, "discount_rate", m->discount_rate, NULL);
    row = kv_num(b, ws, row, "default_correlation", m->default_correlation, NULL);
    if (r->has_budget) {
        row = kv_num(b, ws, row, "budget", r->budget, b->amount);
        row = kv_num(b, ws, row, "budget_confidence", r->budget_confidence, b->share);
        row = kv_num(b, ws, row, "budget_ci_low", r->budget_ci[0], b->share);
        row = kv_num(b, ws, row, "budget_ci_high", r->budget_ci[1], b->share);
    }
    row = kv_text(b, ws, row, "budget_measure",
                  cs_results_measure_name((cs_measure)m->budget_measure));
    if (m->has_schedule_target)
        row = kv_num(b, ws, row, "schedule_target", m->schedule_target, b->integer);
    if (r->has_joint) {
        row = kv_num(b, ws, row, "joint_confidence", r->joint_confidence, b->share);
        row = kv_num(b, ws, row, "joint_confidence_ci_low", r->joint_ci[0], b->share);
        row = kv_num(b, ws, row, "joint_confidence_ci_high", r->joint_ci[1], b->share);
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

/* The Schedule sheet's header and its two marker rows (first and last
 * delivery) as in schedule.csv, the target columns filled only when the
 * scenario sets one. */
static void schedule_marker_rows(book *b, lxw_worksheet *ws, const cs_results *r)
{
    static const char *const head[] = {"marker", "point", "mean",       "p10",    "p50",
                                       "p80",    "p90",   "target",     "confidence",
                                       "ci_low", "ci_high"};
    header_row(b, ws, head, 11);
    worksheet_set_column(ws, 0, 0, 16, NULL);
    worksheet_set_column(ws, 1, 10, 11, NULL);
    for (int i = 0; i < 2; i++) {
        const cs_schedule_row *s = &r->schedule[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        cs_report_xlsx_text(b, ws, row, 0, s->marker, NULL);
        const double v[6] = {s->point, s->mean, s->p10, s->p50, s->p80, s->p90};
        for (int k = 0; k < 6; k++)
            cs_report_xlsx_num(b, ws, row, (lxw_col_t)(1 + k), v[k], NULL);
        if (s->has_target) {
            cs_report_xlsx_num(b, ws, row, 7, s->target, b->integer);
            cs_report_xlsx_num(b, ws, row, 8, s->confidence, b->share);
            cs_report_xlsx_num(b, ws, row, 9, s->ci_low, b->share);
            cs_report_xlsx_num(b, ws, row, 10, s->ci_high, b->share);
        }
    }
}

/* How many trials deliver unit 1 (first) and the last unit (last) in each
 * of the ny years from lo to hi; the caller frees first and last. */
typedef struct {
    int lo, hi;
    size_t ny;
    double *first, *last;
} delivery_years;

/* Counts each trial's deliveries into d, from the year before the earliest
 * first delivery, so the S-curve starts at 0, to the latest last delivery
 * the fixed first-to-last offset allows. Needs at least one trial's first
 * delivery; false, with nothing to free, when memory runs out. */
static bool count_deliveries(const cs_results *r, delivery_years *d)
{
    const int *fd = r->trial_first_delivery;
    int offset = (int)(r->schedule[1].point - r->schedule[0].point);
    int lo = fd[0], hi = fd[0];
    for (uint64_t j = 1; j < r->trials; j++) {
        lo = fd[j] < lo ? fd[j] : lo;
        hi = fd[j] > hi ? fd[j] : hi;
    }
    lo -= 1;
    hi += offset;
    size_t ny = (size_t)(hi - lo + 1);
    double *first = calloc(ny, sizeof *first), *last = calloc(ny, sizeof *last);
    if (!first || !last) {
        free(first);
        free(last);
        return false;
    }
    for (uint64_t j = 0; j < r->trials; j++) {
        first[fd[j] - lo] += 1;
        if (fd[j] + offset <= hi)
            last[fd[j] + offset - lo] += 1;
    }
    *d = (delivery_years){lo, hi, ny, first, last};
    return true;
}

/* The S-curve table from row top: its header, then per year the share of
 * trials that have delivered unit 1 and the last unit by then. */
static void delivery_share_rows(book *b, lxw_worksheet *ws, lxw_row_t top, const cs_results *r,
                                const delivery_years *d)
{
    static const char *const head2[] = {"year", "first_delivery_share", "last_delivery_share"};
    for (int k = 0; k < 3; k++)
        cs_report_xlsx_text(b, ws, top, (lxw_col_t)k, head2[k], b->header);
    double cf = 0, cl = 0;
    for (size_t y = 0; y < d->ny; y++) {
        cf += d->first[y];
        cl += d->last[y];
        lxw_row_t row = (lxw_row_t)(top + 1 + y);
        cs_report_xlsx_num(b, ws, row, 0, d->lo + (double)y, b->integer);
        cs_report_xlsx_num(b, ws, row, 1, cf / (double)r->trials, b->share);
        cs_report_xlsx_num(b, ws, row, 2, cl / (double)r->trials, b->share);
    }
}

/* The native chart of the S-curve table written from row top, placed
 * beside it; reads only d's span, as its counts are freed by then. A
 * failed allocation sets b->oom and leaves the chart out. */
static void delivery_chart(book *b, lxw_worksheet *ws, const char *prefix, lxw_row_t top,
                           const delivery_years *d)
{
    lxw_chart *chart = workbook_add_chart(b->wb, LXW_CHART_SCATTER_STRAIGHT);
    if (!chart) {
        b->oom = true;
        return;
    }
    char sheetname[32];
    snprintf(sheetname, sizeof sheetname, "%sScheduleCurve", prefix);
    static const struct {
        const char *name;
        lxw_color_t colour;
        uint8_t dash;
    } style[2] = {{"First delivery (unit 1)", 0xD55E00, LXW_CHART_LINE_DASH_SOLID},
                  {"Last delivery", 0x0072B2, LXW_CHART_LINE_DASH_DASH}};
    for (int k = 0; k < 2; k++) {
        lxw_chart_series *s = chart_add_series(chart, NULL, NULL);
        if (!s) {
            b->oom = true;
            return;
        }
        chart_series_set_categories(s, sheetname, top + 1, 0, (lxw_row_t)(top + d->ny), 0);
        chart_series_set_values(s, sheetname, top + 1, (lxw_col_t)(1 + k),
                                (lxw_row_t)(top + d->ny), (lxw_col_t)(1 + k));
        chart_series_set_name(s, style[k].name);
        chart_series_set_marker_type(s, LXW_CHART_MARKER_NONE);
        line_style(s, style[k].colour, 2.25f, style[k].dash);
    }
    chart_title_set_name(chart, "Schedule S-curve: share of trials delivered by each year");
    chart_axis_set_name(chart->x_axis, "Delivery year (every slip included)");
    chart_axis_set_name(chart->y_axis, "Share of trials");
    chart_axis_set_num_format(chart->y_axis, "0%");
    chart_axis_set_min(chart->y_axis, 0);
    chart_axis_set_max(chart->y_axis, 1);
    chart_axis_set_min(chart->x_axis, d->lo);
    chart_axis_set_max(chart->x_axis, d->hi);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt = {.x_offset = 10, .y_offset = 10, .x_scale = 1.6, .y_scale = 1.5};
    cs_report_xlsx_note_err(b, worksheet_insert_chart_opt(ws, top, 5, chart, &opt));
}

/* schedule.csv as a sheet, nothing more: a script reads it as the file. */
static void schedule_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "Schedule");
    if (ws)
        schedule_marker_rows(b, ws, r);
}

/* The share of trials delivering unit 1 and the last unit by each year,
 * with a native chart of that schedule S-curve: a sheet of its own, as no
 * CSV file holds these rows. */
static void schedule_curve_sheet(book *b, const char *prefix, const cs_results *r)
{
    if (!r->trial_first_delivery || r->trials == 0)
        return;
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "ScheduleCurve");
    if (!ws)
        return;
    delivery_years d;
    if (!count_deliveries(r, &d)) {
        b->oom = true;
        return;
    }
    delivery_share_rows(b, ws, 0, r, &d);
    worksheet_freeze_panes(ws, 1, 0);
    free(d.first);
    free(d.last);
    delivery_chart(b, ws, prefix, 0, &d);
}

static void jcl_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "JCL");
    if (!ws)
        return;
    static const char *const head[] = {"first_delivery_by", "budget", "budget_percentile",
                                       "joint_confidence"};
    header_row(b, ws, head, 4);
    worksheet_set_column(ws, 0, 0, 17, NULL);
    worksheet_set_column(ws, 1, 1, 16, NULL);
    worksheet_set_column(ws, 2, 3, 17, NULL);
    for (size_t i = 0; i < r->n_jcl && i < XLSX_MAX_DATA_ROWS; i++) {
        const cs_jcl_row *j = &r->jcl[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        cs_report_xlsx_num(b, ws, row, 0, j->first_delivery_by, b->integer);
        cs_report_xlsx_num(b, ws, row, 1, j->budget, b->amount);
        cs_report_xlsx_num(b, ws, row, 2, j->budget_percentile, b->integer);
        cs_report_xlsx_num(b, ws, row, 3, j->joint_confidence, b->share);
    }
}

static void allocation_sheet(book *b, const char *prefix, const cs_results *r)
{
    lxw_worksheet *ws = cs_report_xlsx_sheet(b, prefix, "Allocation");
    if (!ws)
        return;
    static const char *const head[] = {"measure", "level", "id", "name", "point", "alloc_p50",
                                       "alloc_p80"};
    header_row(b, ws, head, 7);
    worksheet_set_column(ws, 0, 1, 10, NULL);
    worksheet_set_column(ws, 2, 3, 22, NULL);
    worksheet_set_column(ws, 4, 6, 16, NULL);
    for (size_t i = 0; i < r->n_allocation; i++) {
        const cs_allocation_row *a = &r->allocation[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        cs_report_xlsx_text(b, ws, row, 0, cs_results_measure_name(a->measure), NULL);
        cs_report_xlsx_text(b, ws, row, 1, cs_report_level_name(a->level), NULL);
        cs_report_xlsx_text(b, ws, row, 2, a->id, NULL);
        cs_report_xlsx_text(b, ws, row, 3, a->name, NULL);
        cs_report_xlsx_num(b, ws, row, 4, a->point, b->amount);
        cs_report_xlsx_num(b, ws, row, 5, a->alloc_p50, b->amount);
        cs_report_xlsx_num(b, ws, row, 6, a->alloc_p80, b->amount);
    }
}

static void run_sheets(book *b, const char *prefix, const cs_results *r)
{
    summary_sheet(b, prefix, r);
    by_year_sheet(b, prefix, r);
    scurve_sheet(b, prefix, r);
    if (!r->no_drivers) { /* as their CSV files, no sheets for drivers not measured */
        sensitivity_sheet(b, prefix, r);
        attribution_sheet(b, prefix, r);
        tornado_sheet(b, prefix, r);
    }
    if (r->has_trials)
        trials_sheet(b, prefix, r);
    settings_sheet(b, prefix, r);
    allocation_sheet(b, prefix, r);
    if (r->has_schedule) {
        schedule_sheet(b, prefix, r);
        schedule_curve_sheet(b, prefix, r);
        jcl_sheet(b, prefix, r);
    }
}

lxw_format *cs_report_xlsx_format(book *b, const char *num_format, bool bold)
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

/* Builds the workbook at path (a file in a private directory); messages
 * name the user's file. */
static int write_book(const char *path, const char *name, const cs_results *a,
                      const cs_results *b_results, const cs_compare_row *rows,
                      cs_diag *diag)
{
    bool big = (a->has_trials && a->trials > 100000) ||
               (b_results && b_results->has_trials && b_results->trials > 100000);
    lxw_workbook_options opts = {.constant_memory = LXW_FALSE, .tmpdir = NULL,
                                 .use_zip64 = big ? LXW_TRUE : LXW_FALSE};
    book b = {0};
    b.wb = workbook_new_opt(path, &opts);
    if (!b.wb) {
        cs_diag_add(diag, name, 0, NULL, "cannot create the workbook");
        return -1;
    }
    char title[256];
    document_title(title, sizeof title, a->model->name);
    lxw_doc_properties props = {.title = title, .comments = "Amounts in millions of the "
                                "report currency (see the Settings sheet).",
                                .created = FIXED_CREATED};
    cs_report_xlsx_note_err(&b, workbook_set_properties(b.wb, &props));
    b.header = cs_report_xlsx_format(&b, NULL, true);
    /* The unit on every amount cell, as a number format: the cell stays a
     * number, and reads "60,216,850 KRW M" (millions of the report
     * currency). The code is three uppercase letters, safe in a format. */
    char amount_format[64];
    snprintf(amount_format, sizeof amount_format, "#,##0\" %s M\"",
             a->model->currencies[a->model->report_currency].code);
    b.amount = cs_report_xlsx_format(&b, amount_format, false);
    b.percent = cs_report_xlsx_format(&b, "0.0", false);
    b.share = cs_report_xlsx_format(&b, "0.0%", false);
    b.corr = cs_report_xlsx_format(&b, "0.000", false);
    b.integer = cs_report_xlsx_format(&b, "0", false);
    b.wrap = workbook_add_format(b.wb);
    if (b.wrap)
        format_set_text_wrap(b.wrap);
    if (!b.oom) {
        run_sheets(&b, "", a);
        if (b_results) {
            run_sheets(&b, "B ", b_results);
            if (rows) {
                compare_sheet(&b, rows);
                streams_sheet(&b, a, b_results);
            }
        }
    }
    /* workbook_close writes the file and frees the workbook even after an
     * earlier error, so it is always called. */
    lxw_error closed = workbook_close(b.wb);
    if (b.oom) {
        cs_diag_add(diag, name, 0, NULL, "out of memory while building the workbook");
        return -1;
    }
    if (b.err != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
        cs_diag_add(diag, name, 0, NULL, "cannot write the workbook: %s",
                    lxw_strerror(b.err != LXW_NO_ERROR ? b.err : closed));
        return -1;
    }
    return 0;
}

typedef struct {
    const char *name;
    const cs_results *a, *b;
    const cs_compare_row *rows;
    cs_diag *diag;
} run_book;

static int build_run(const char *path, void *ctx)
{
    run_book *w = ctx;
    return write_book(path, w->name, w->a, w->b, w->rows, w->diag);
}

int cs_report_xlsx(FILE *f, const char *name, const cs_results *a, const cs_results *b,
                   const cs_compare_row *rows, cs_diag *diag)
{
    run_book w = {name, a, b, rows, diag};
    return cs_report_xlsx_build_into(f, name, build_run, &w, diag);
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

