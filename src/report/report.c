/* report: the text outputs of SPEC §11 from finished results — the CSV
 * files (every cell through csvout, so quoting, number format and formula
 * neutralisation are uniform), the JSON object (jansson) and the terminal
 * table for analysts; and the compare and sweep outputs.
 *
 * Computes nothing about the simulation except the per-trial differences of
 * compare. Write errors stay sticky in the FILE and surface at the outdir
 * commit. HTML and XLSX live in report_html.c and report_xlsx.c. */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csvout.h"
#include "dist.h"
#include "num.h"

#ifndef COSTSIM_VERSION
#define COSTSIM_VERSION "unknown"
#endif

/* The files of one run, as they appear under DIR, DIR/a/ and DIR/b/. */
#define RUN_FILES(prefix)                                                          \
    prefix "summary.csv", prefix "by_year.csv", prefix "scurve.csv",               \
        prefix "sensitivity.csv", prefix "budget.csv", prefix "attribution.csv",   \
        prefix "tornado.csv", prefix "trials.csv", prefix "report.html",           \
        prefix "results.xlsx"

/* The a/ and b/ files are managed too: a plain run into a directory that
 * once held a comparison removes them, so no stale result survives. */
const char *const cs_report_managed_files[] = {
    RUN_FILES(""), "compare.csv", "sweep.csv", RUN_FILES("a/"), RUN_FILES("b/"), NULL,
};

static const char *level_name(cs_level level)
{
    switch (level) {
    case CS_LEVEL_TOTAL:
        return "total";
    case CS_LEVEL_PHASE:
        return "phase";
    case CS_LEVEL_ELEMENT:
        return "element";
    case CS_LEVEL_RISK:
        return "risk";
    }
    return "?";
}

static const char *report_currency(const cs_results *r)
{
    return r->model->currencies[r->model->report_currency].code;
}

static const char *base_currency(const cs_results *r)
{
    return r->model->currencies[r->model->base_currency].code;
}

/* Type-7 percentile of sorted x at pct/100, h formed in integers exactly as
 * in cs_results_scurve. */
static double percentile_pct(const double *sorted, uint64_t n, int pct)
{
    uint64_t h100 = (n - 1) * (uint64_t)pct;
    uint64_t lo = h100 / 100, rest = h100 % 100;
    if (rest == 0 || lo + 1 >= n)
        return sorted[lo];
    return sorted[lo] + ((double)rest / 100.0) * (sorted[lo + 1] - sorted[lo]);
}

/* ------------------------------------------------------------------ CSV */

void cs_report_summary_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {
        "measure", "level", "id",  "name", "currency", "point", "mean", "sd", "p5",
        "p10",     "p20",   "p50", "p80",  "p90",      "p95",   "point_percentile", NULL,
    };
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    const char *currency = report_currency(r);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        for (size_t i = 0; i < r->n_rows; i++) {
            const cs_summary_row *row = &r->rows[m][i];
            cs_csvout_text(&w, cs_measure_name((cs_measure)m));
            cs_csvout_text(&w, level_name(row->level));
            cs_csvout_text(&w, row->id);
            cs_csvout_text(&w, row->name);
            cs_csvout_text(&w, currency);
            cs_csvout_number(&w, row->point);
            cs_csvout_number(&w, row->mean);
            cs_csvout_number(&w, row->sd);
            for (int k = 0; k < CS_N_SUMMARY_P; k++)
                cs_csvout_number(&w, row->p[k]);
            cs_csvout_number(&w, row->point_percentile);
            cs_csvout_end_row(&w);
        }
    }
}

void cs_report_by_year_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"year", "mean", "p10", "p50", "p90", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t y = 0; y < r->n_years; y++) {
        cs_csvout_int(&w, (long long)r->first_year + (long long)y);
        cs_csvout_number(&w, r->year_mean[y]);
        cs_csvout_number(&w, r->year_p10[y]);
        cs_csvout_number(&w, r->year_p50[y]);
        cs_csvout_number(&w, r->year_p90[y]);
        cs_csvout_end_row(&w);
    }
}

void cs_report_scurve_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"percentile", "constant", "nominal", "pv", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (int pct = 1; pct <= 99; pct++) {
        cs_csvout_int(&w, pct);
        for (int m = 0; m < CS_N_MEASURES; m++)
            cs_csvout_number(&w, cs_results_scurve(r, (cs_measure)m, pct));
        cs_csvout_end_row(&w);
    }
}

void cs_report_sensitivity_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"input", "kind", "rank_correlation",
                                         "variance_share", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < r->n_sensitivity; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        cs_csvout_text(&w, s->input);
        cs_csvout_text(&w, cs_input_kind_name(s->kind));
        cs_csvout_number(&w, s->rank_correlation);
        cs_csvout_number(&w, s->variance_share);
        cs_csvout_end_row(&w);
    }
}

void cs_report_budget_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"budget", "confidence", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    if (!r->has_budget)
        return;
    cs_csvout_number(&w, r->budget);
    cs_csvout_number(&w, r->budget_confidence);
    cs_csvout_end_row(&w);
}

void cs_report_attribution_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"source", "variance_share", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < r->n_attribution; i++) {
        cs_csvout_text(&w, r->attribution[i].source);
        cs_csvout_number(&w, r->attribution[i].variance_share);
        cs_csvout_end_row(&w);
    }
}

void cs_report_tornado_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"input", "kind", "low", "high", "p50", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < r->n_tornado; i++) {
        const cs_tornado *t = &r->tornado[i];
        cs_csvout_text(&w, t->input);
        cs_csvout_text(&w, cs_input_kind_name(t->kind));
        cs_csvout_number(&w, t->low);
        cs_csvout_number(&w, t->high);
        cs_csvout_number(&w, t->p50);
        cs_csvout_end_row(&w);
    }
}

void cs_report_trials_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"trial", "constant", "nominal", "pv", "slip", NULL};
    const cs_model *model = r->model;
    cs_csvout w;
    cs_csvout_init(&w, f);
    for (size_t k = 0; header[k]; k++)
        cs_csvout_text(&w, header[k]);
    /* Phase names are ids of at most 4 096 bytes (SPEC §12). */
    char column[4096 + 16];
    for (size_t p = 0; p < model->n_phases; p++) {
        snprintf(column, sizeof column, "nominal.%s", model->phases[p]);
        cs_csvout_text(&w, column);
    }
    cs_csvout_end_row(&w);
    if (!r->has_trials || !r->trial_slip || !r->trial_phase_nominal)
        return;
    for (uint64_t j = 0; j < r->trials; j++) {
        cs_csvout_int(&w, (long long)(j + 1));
        for (int m = 0; m < CS_N_MEASURES; m++)
            cs_csvout_number(&w, r->totals[m][j]);
        cs_csvout_int(&w, r->trial_slip[j]);
        const double *phase = r->trial_phase_nominal + j * model->n_phases;
        for (size_t p = 0; p < model->n_phases; p++)
            cs_csvout_number(&w, phase[p]);
        cs_csvout_end_row(&w);
    }
}

typedef void (*run_file_writer)(FILE *f, const cs_results *r);

int cs_report_write_run_files(cs_outdir *o, const char *prefix, const cs_results *r,
                              cs_diag *diag)
{
    static const struct {
        const char *name;
        run_file_writer write;
    } files[] = {
        {"summary.csv", cs_report_summary_csv},         {"by_year.csv", cs_report_by_year_csv},
        {"scurve.csv", cs_report_scurve_csv},           {"sensitivity.csv", cs_report_sensitivity_csv},
        {"attribution.csv", cs_report_attribution_csv}, {"tornado.csv", cs_report_tornado_csv},
        {"budget.csv", cs_report_budget_csv},           {"trials.csv", cs_report_trials_csv},
    };
    if (!prefix)
        prefix = "";
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i].write == cs_report_budget_csv && !r->has_budget)
            continue;
        if (files[i].write == cs_report_trials_csv && !r->has_trials)
            continue;
        size_t size = strlen(prefix) + strlen(files[i].name) + 1;
        char *name = malloc(size);
        if (!name) {
            cs_diag_add(diag, files[i].name, 0, NULL, "out of memory");
            return -1;
        }
        snprintf(name, size, "%s%s", prefix, files[i].name);
        FILE *f = cs_outdir_create(o, name, diag);
        free(name);
        if (!f)
            return -1;
        files[i].write(f, r);
    }
    return 0;
}

/* ---------------------------------------------------------------- table */

/* x rounded to `decimals` places with ',' between groups of three digits
 * (no locale: the output must be the same everywhere). */
static char *format_amount(char *buf, size_t size, double x, int decimals)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "n/a");
        return buf;
    }
    char digits[512];
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(x));
    bool zero = strspn(digits, "0.") == strlen(digits); /* no "-0" */
    const char *dot = strchr(digits, '.');
    size_t int_len = dot ? (size_t)(dot - digits) : strlen(digits);
    char out[700];
    size_t o = 0;
    if (x < 0 && !zero)
        out[o++] = '-';
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    if (dot) {
        size_t rest = strlen(dot);
        memcpy(out + o, dot, rest);
        o += rest;
    }
    out[o] = '\0';
    snprintf(buf, size, "%s", out);
    return buf;
}

/* Places to show for amounts of this size: whole millions once amounts
 * reach ten thousand, more places for small programs. */
static int decimals_for(double max_abs)
{
    if (max_abs >= 10000)
        return 0;
    if (max_abs >= 100)
        return 1;
    if (max_abs >= 1)
        return 2;
    return 3;
}

/* Fewest places (up to 6) that show x exactly enough, for amounts the user
 * typed (a budget): 60000000 -> "60,000,000", 1234.5 -> "1,234.5". */
static int decimals_of(double x)
{
    for (int d = 0; d < 6; d++) {
        double scaled = x * pow(10, d);
        if (fabs(scaled - nearbyint(scaled)) <= 1e-9 * fmax(1.0, fabs(scaled)))
            return d;
    }
    return 6;
}

/* Writes text echoed from the input with control characters (C0, DEL and
 * the UTF-8 encoded C1 range) replaced by '?', so a name cannot move the
 * cursor or recolour an analyst's terminal. */
static void put_clean(FILE *f, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            fputc('?', f);
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fputc('?', f);
            p++;
        } else {
            fputc(*p, f);
        }
    }
}

/* Writes s left-aligned in width columns, cut with "..." when longer.
 * Used for ids and phase names, which are ASCII (SPEC §1). */
static void put_cell_left(FILE *f, const char *s, int width)
{
    int len = (int)strlen(s);
    if (len <= width) {
        put_clean(f, s);
        fprintf(f, "%*s", width - len, "");
        return;
    }
    char cut[256];
    int keep = width - 3 < (int)sizeof cut - 1 ? width - 3 : (int)sizeof cut - 1;
    if (keep < 0)
        keep = 0;
    memcpy(cut, s, (size_t)keep);
    cut[keep] = '\0';
    put_clean(f, cut);
    fputs("...", f);
}

static void format_rate_percent(char *buf, size_t size, double rate)
{
    snprintf(buf, size, "%.6g%%", rate * 100.0);
}

static void measure_title(char *buf, size_t size, const cs_results *r, cs_measure m)
{
    const cs_model *model = r->model;
    char rate[64];
    switch (m) {
    case CS_CONSTANT:
        snprintf(buf, size, "Constant %d %s millions", model->base_year, report_currency(r));
        return;
    case CS_NOMINAL:
        snprintf(buf, size, "Nominal (then-year) %s millions", report_currency(r));
        return;
    case CS_PV:
        format_rate_percent(rate, sizeof rate, model->discount_rate);
        snprintf(buf, size, "Present value (discounted at %s, %d) %s millions", rate,
                 model->base_year, report_currency(r));
        return;
    case CS_N_MEASURES:
        break;
    }
    snprintf(buf, size, "?");
}

enum { TABLE_WIDTH = 100, LABEL_MAX = 20, N_AMOUNT_COLUMNS = 6 };

static void amount_columns(const cs_summary_row *row, double v[N_AMOUNT_COLUMNS])
{
    v[0] = row->point;
    v[1] = row->mean;
    v[2] = row->p[CS_P10];
    v[3] = row->p[CS_P50];
    v[4] = row->p[CS_P80];
    v[5] = row->p[CS_P90];
}

static bool shown_in_table(const cs_summary_row *row)
{
    return row->level == CS_LEVEL_TOTAL || row->level == CS_LEVEL_PHASE;
}

/* The decimals used for a measure's block, also for the lines about it. */
static int measure_decimals(const cs_results *r, cs_measure m)
{
    double max_abs = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        if (!shown_in_table(&r->rows[m][i]))
            continue;
        double v[N_AMOUNT_COLUMNS];
        amount_columns(&r->rows[m][i], v);
        for (int c = 0; c < N_AMOUNT_COLUMNS; c++)
            if (isfinite(v[c]))
                max_abs = fmax(max_abs, fabs(v[c]));
    }
    return decimals_for(max_abs);
}

static void point_percentile_text(char *buf, size_t size, double pct)
{
    if (!isfinite(pct))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "P%.0f", pct);
}

/* One block: a title, a header row and the total and phases of measure m,
 * right-aligned, narrowing the gaps when the widest numbers would pass
 * TABLE_WIDTH columns. */
static void table_block(FILE *f, const cs_results *r, cs_measure m)
{
    static const char *const heads[N_AMOUNT_COLUMNS] = {"Point", "Mean", "P10",
                                                         "P50",   "P80",  "P90"};
    static const char pct_head[] = "Point at";
    int decimals = measure_decimals(r, m);
    int label_w = 5; /* "Total" */
    int col_w = 5;
    char num[128];
    for (size_t i = 0; i < r->n_rows; i++) {
        const cs_summary_row *row = &r->rows[m][i];
        if (!shown_in_table(row))
            continue;
        if (row->level == CS_LEVEL_PHASE) {
            int len = 2 + (int)strlen(row->id);
            label_w = len > label_w ? len : label_w;
        }
        double v[N_AMOUNT_COLUMNS];
        amount_columns(row, v);
        for (int c = 0; c < N_AMOUNT_COLUMNS; c++) {
            int len = (int)strlen(format_amount(num, sizeof num, v[c], decimals));
            col_w = len > col_w ? len : col_w;
        }
    }
    if (label_w > LABEL_MAX)
        label_w = LABEL_MAX;
    int pct_w = (int)sizeof pct_head - 1;
    int gap = 2;
    if (label_w + N_AMOUNT_COLUMNS * (col_w + gap) + gap + pct_w > TABLE_WIDTH)
        gap = 1;

    char title[256];
    measure_title(title, sizeof title, r, m);
    fprintf(f, "\n%s\n", title);
    fprintf(f, "%*s", label_w, "");
    for (int c = 0; c < N_AMOUNT_COLUMNS; c++)
        fprintf(f, "%*s%*s", gap, "", col_w, heads[c]);
    fprintf(f, "%*s%*s\n", gap, "", pct_w, pct_head);

    for (size_t i = 0; i < r->n_rows; i++) {
        const cs_summary_row *row = &r->rows[m][i];
        if (!shown_in_table(row))
            continue;
        if (row->level == CS_LEVEL_TOTAL) {
            put_cell_left(f, "Total", label_w);
        } else {
            fputs("  ", f);
            put_cell_left(f, row->id, label_w - 2);
        }
        double v[N_AMOUNT_COLUMNS];
        amount_columns(row, v);
        for (int c = 0; c < N_AMOUNT_COLUMNS; c++)
            fprintf(f, "%*s%*s", gap, "", col_w, format_amount(num, sizeof num, v[c], decimals));
        point_percentile_text(num, sizeof num, row->point_percentile);
        fprintf(f, "%*s%*s\n", gap, "", pct_w, num);
    }
}

static void table_header(FILE *f, const cs_results *r)
{
    const cs_model *model = r->model;
    char num[128];
    fputs("Scenario:       ", f);
    put_clean(f, model->name);
    fputs("\nScenario file:  ", f);
    put_clean(f, model->scenario_path);
    fputs("\nModel:          ", f);
    put_clean(f, model->model_dir);
    fprintf(f, "\nBase year:      %d (constant amounts in %d prices and exchange rates)\n",
            model->base_year, model->base_year);
    fprintf(f, "Currency:       base %s; amounts in millions of %s\n", base_currency(r),
            report_currency(r));
    fprintf(f, "Trials:         %s", format_amount(num, sizeof num, (double)r->trials, 0));
    if (r->sensitivity_trials > 0 && r->sensitivity_trials < r->trials)
        fprintf(f, " (drivers measured on the first %s)",
                format_amount(num, sizeof num, (double)r->sensitivity_trials, 0));
    fprintf(f, "\nSeed:           %" PRIu64 "\n", model->seed);
    fprintf(f, "Units:          %d", model->units);
    if (model->has_first_delivery)
        fprintf(f, " (first delivery %d before slip)", model->first_delivery);
    fputc('\n', f);
}

/* The P50 and P80 of the totals up front: the levels budgets are set at
 * (the PBO's minimum and its prudent level). */
static void table_headline(FILE *f, const cs_results *r)
{
    if (r->n_rows == 0)
        return;
    static const cs_measure order[] = {CS_NOMINAL, CS_CONSTANT};
    char p50[128], p80[128], title[256];
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        const cs_summary_row *total = &r->rows[order[k]][0];
        int decimals = measure_decimals(r, order[k]);
        measure_title(title, sizeof title, r, order[k]);
        fprintf(f, "Total, %s: P50 %s, P80 %s\n", title,
                format_amount(p50, sizeof p50, total->p[CS_P50], decimals),
                format_amount(p80, sizeof p80, total->p[CS_P80], decimals));
    }
}

static void table_confidence(FILE *f, const cs_results *r)
{
    int decimals = measure_decimals(r, CS_NOMINAL) + 1;
    char lo[128], hi[128];
    fprintf(f, "\n95%% confidence intervals of the simulation (sampling error of %s trials):\n",
            format_amount(lo, sizeof lo, (double)r->trials, 0));
    const struct {
        const char *label;
        const double *ci;
    } lines[] = {
        {"nominal mean", r->mean_ci},
        {"nominal P50 ", r->p50_ci},
        {"nominal P80 ", r->p80_ci},
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        fprintf(f, "  %s  %s to %s\n", lines[i].label,
                format_amount(lo, sizeof lo, lines[i].ci[0], decimals),
                format_amount(hi, sizeof hi, lines[i].ci[1], decimals));
    if (r->precision > 0) {
        char target[64];
        format_rate_percent(target, sizeof target, r->precision);
        if (r->precision_met)
            fprintf(f, "  precision target +/-%s met\n", target);
        else
            fprintf(f, "  precision target +/-%s NOT met within the trials ceiling\n", target);
    }
}

static void table_drivers(FILE *f, const cs_results *r)
{
    enum { TOP = 5, INPUT_W = 32 };
    if (r->n_sensitivity == 0)
        return;
    fprintf(f, "\nTop drivers of the nominal total\n");
    fprintf(f, "  %-*s  %-9s  %9s  %6s\n", INPUT_W, "Input", "Kind", "Rank corr", "Share");
    for (size_t i = 0; i < r->n_sensitivity && i < TOP; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        fputs("  ", f);
        put_cell_left(f, s->input ? s->input : "", INPUT_W);
        fprintf(f, "  %-9s  %9.3f  %5.1f%%\n", cs_input_kind_name(s->kind),
                s->rank_correlation, s->variance_share * 100.0);
    }
}

static void table_attribution(FILE *f, const cs_results *r)
{
    if (r->n_attribution == 0)
        return;
    fprintf(f, "\nShare of the nominal total's variance by source\n");
    for (size_t i = 0; i < r->n_attribution; i++) {
        fputs("  ", f);
        put_cell_left(f, r->attribution[i].source, 12);
        fprintf(f, "  %6.1f%%\n", r->attribution[i].variance_share * 100.0);
    }
}

/* side is "A" or "B" in a comparison, NULL for a single run. */
static void table_warnings(FILE *f, const cs_results *r, const char *side)
{
    const cs_model *model = r->model;
    char lead[32];
    if (side)
        snprintf(lead, sizeof lead, "Warning (%s): ", side);
    else
        snprintf(lead, sizeof lead, "Warning: ");
    for (size_t i = 0; i < model->n_warnings; i++) {
        fputs(lead, f);
        put_clean(f, model->warnings[i]);
        fputc('\n', f);
    }
    /* The loader normally words the repair warning itself; say it here only
     * when it did not, so the table never hides a repaired matrix. */
    if (model->corr_repaired && model->n_warnings == 0)
        fprintf(f, "%sthe element correlation matrix was not positive semi-definite "
                   "and was\n  replaced by the nearest valid one (largest change %.4g in rank "
                   "correlation)\n",
                lead, model->corr_repair_max_change);
}

static bool has_warnings(const cs_results *r)
{
    return r->model->n_warnings > 0 || r->model->corr_repaired;
}

void cs_report_table(FILE *f, const cs_results *r)
{
    table_header(f, r);
    fputc('\n', f);
    table_headline(f, r);
    for (int m = 0; m < CS_N_MEASURES; m++)
        table_block(f, r, (cs_measure)m);

    fputc('\n', f);
    if (r->n_rows > 0) {
        char pct[64];
        point_percentile_text(pct, sizeof pct, r->rows[CS_NOMINAL][0].point_percentile);
        fprintf(f, "Point estimate is at the %s of the nominal total (%.1f%% of trials cost no more)\n",
                pct, r->rows[CS_NOMINAL][0].point_percentile);
    }
    if (r->has_budget) {
        char budget[128];
        fprintf(f, "Budget %s: confidence %.1f%% (nominal total \xe2\x89\xa4 budget)\n",
                format_amount(budget, sizeof budget, r->budget, decimals_of(r->budget)),
                r->budget_confidence);
    }
    table_confidence(f, r);
    table_drivers(f, r);
    table_attribution(f, r);
    if (has_warnings(r))
        fputc('\n', f);
    table_warnings(f, r, NULL);
}

/* ----------------------------------------------------------------- JSON */

/* Builds a JSON value; a NULL from jansson (out of memory, or text that is
 * not UTF-8) marks the whole object as failed. */
typedef struct {
    bool failed;
} json_build;

static void jset(json_build *b, json_t *object, const char *key, json_t *value)
{
    if (!object) {
        json_decref(value);
        b->failed = true;
    } else if (json_object_set_new(object, key, value) != 0) { /* also value NULL */
        b->failed = true;
    }
}

static void jappend(json_build *b, json_t *array, json_t *value)
{
    if (!array) {
        json_decref(value);
        b->failed = true;
    } else if (json_array_append_new(array, value) != 0) {
        b->failed = true;
    }
}

/* SPEC promises no NaN or infinity; should one slip through it is written
 * as null rather than making the output invalid JSON. */
static json_t *jreal(double x) { return isfinite(x) ? json_real(x) : json_null(); }

/* Model text is validated UTF-8, but paths come from the command line:
 * bytes that are not UTF-8 become U+FFFD so the JSON stays valid. */
static json_t *jstring(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *clean = malloc(3 * n + 1);
    if (!clean)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3
                                                            : (p[i] & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && len > 1) {
            /* Overlong forms and surrogates are invalid too. */
            uint32_t cp = p[i] & (0x7f >> len);
            for (size_t k = 1; k < len; k++)
                cp = (cp << 6) | (p[i + k] & 0x3f);
            static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= min_cp[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
        }
        if (ok) {
            memcpy(clean + o, p + i, len);
            o += len;
            i += len;
        } else {
            memcpy(clean + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    clean[o] = '\0';
    j = json_string(clean);
    free(clean);
    return j;
}

static json_t *jpair(double lo, double hi)
{
    json_t *a = json_array();
    if (a && (json_array_append_new(a, jreal(lo)) || json_array_append_new(a, jreal(hi)))) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *json_dist(json_build *b, const cs_dist *d)
{
    json_t *o = json_object();
    jset(b, o, "dist", json_string(cs_dist_kind_name(d->kind)));
    jset(b, o, "low", d->has_low ? jreal(d->low) : json_null());
    jset(b, o, "likely", d->has_likely ? jreal(d->likely) : json_null());
    jset(b, o, "high", d->has_high ? jreal(d->high) : json_null());
    return o;
}

static json_t *json_settings(json_build *b, const cs_results *r)
{
    const cs_model *m = r->model;
    json_t *s = json_object();
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, m->seed);
    jset(b, s, "trials", json_integer((json_int_t)r->trials));
    jset(b, s, "trials_requested", json_integer((json_int_t)m->trials));
    jset(b, s, "seed", json_string(seed));
    jset(b, s, "base_year", json_integer(m->base_year));
    jset(b, s, "base_currency", json_string(base_currency(r)));
    jset(b, s, "report_currency", json_string(report_currency(r)));
    jset(b, s, "discount_rate", jreal(m->discount_rate));
    jset(b, s, "units", json_integer(m->units));
    jset(b, s, "first_delivery",
         m->has_first_delivery ? json_integer(m->first_delivery) : json_null());
    jset(b, s, "delivery_interval", jreal(m->delivery_interval_milli / 1000.0));
    jset(b, s, "build_years", json_integer(m->build_years));
    jset(b, s, "service_life", json_integer(m->service_life));
    jset(b, s, "slip", json_dist(b, &m->slip));
    jset(b, s, "default_correlation", jreal(m->default_correlation));
    jset(b, s, "correlation_repair", json_boolean(m->correlation_repair));
    jset(b, s, "budget", m->has_budget ? jreal(m->budget) : json_null());
    jset(b, s, "sensitivity_trials", json_integer((json_int_t)r->sensitivity_trials));
    return s;
}

static json_t *json_summary(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    const char *currency = report_currency(r);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        for (size_t i = 0; i < r->n_rows; i++) {
            const cs_summary_row *row = &r->rows[m][i];
            json_t *o = json_object();
            jset(b, o, "measure", json_string(cs_measure_name((cs_measure)m)));
            jset(b, o, "level", json_string(level_name(row->level)));
            jset(b, o, "id", jstring(row->id));
            jset(b, o, "name", jstring(row->name));
            jset(b, o, "currency", json_string(currency));
            jset(b, o, "point", jreal(row->point));
            jset(b, o, "mean", jreal(row->mean));
            jset(b, o, "sd", jreal(row->sd));
            for (int k = 0; k < CS_N_SUMMARY_P; k++)
                jset(b, o, cs_summary_p_names[k], jreal(row->p[k]));
            jset(b, o, "point_percentile", jreal(row->point_percentile));
            jappend(b, a, o);
        }
    }
    return a;
}

static json_t *json_confidence(json_build *b, const cs_results *r)
{
    json_t *o = json_object();
    jset(b, o, "nominal_mean", jpair(r->mean_ci[0], r->mean_ci[1]));
    jset(b, o, "nominal_p50", jpair(r->p50_ci[0], r->p50_ci[1]));
    jset(b, o, "nominal_p80", jpair(r->p80_ci[0], r->p80_ci[1]));
    jset(b, o, "precision", r->precision > 0 ? jreal(r->precision) : json_null());
    jset(b, o, "precision_met", json_boolean(r->precision_met));
    return o;
}

static json_t *json_by_year(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (size_t y = 0; y < r->n_years; y++) {
        json_t *o = json_object();
        jset(b, o, "year", json_integer((json_int_t)r->first_year + (json_int_t)y));
        jset(b, o, "mean", jreal(r->year_mean[y]));
        jset(b, o, "p10", jreal(r->year_p10[y]));
        jset(b, o, "p50", jreal(r->year_p50[y]));
        jset(b, o, "p90", jreal(r->year_p90[y]));
        jappend(b, a, o);
    }
    return a;
}

static json_t *json_drivers(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_sensitivity; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        json_t *o = json_object();
        jset(b, o, "input", jstring(s->input));
        jset(b, o, "kind", json_string(cs_input_kind_name(s->kind)));
        jset(b, o, "rank_correlation", jreal(s->rank_correlation));
        jset(b, o, "variance_share", jreal(s->variance_share));
        jappend(b, a, o);
    }
    return a;
}

static json_t *json_attribution(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_attribution; i++) {
        json_t *o = json_object();
        jset(b, o, "source", jstring(r->attribution[i].source));
        jset(b, o, "variance_share", jreal(r->attribution[i].variance_share));
        jappend(b, a, o);
    }
    return a;
}

static json_t *json_tornado(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_tornado; i++) {
        const cs_tornado *t = &r->tornado[i];
        json_t *o = json_object();
        jset(b, o, "input", jstring(t->input));
        jset(b, o, "kind", json_string(cs_input_kind_name(t->kind)));
        jset(b, o, "low", jreal(t->low));
        jset(b, o, "high", jreal(t->high));
        jset(b, o, "p50", jreal(t->p50));
        jappend(b, a, o);
    }
    return a;
}

/* The run object of SPEC §11, or NULL (out of memory). */
static json_t *json_run(const cs_results *r)
{
    json_build b = {false};
    const cs_model *m = r->model;
    json_t *o = json_object();
    jset(&b, o, "costsim_version", json_string(COSTSIM_VERSION));
    jset(&b, o, "scenario", jstring(m->name));
    jset(&b, o, "scenario_path", jstring(m->scenario_path));
    jset(&b, o, "model", jstring(m->model_dir));
    jset(&b, o, "settings", json_settings(&b, r));
    jset(&b, o, "summary", json_summary(&b, r));
    jset(&b, o, "confidence_intervals", json_confidence(&b, r));
    jset(&b, o, "by_year", json_by_year(&b, r));
    jset(&b, o, "sensitivity", json_drivers(&b, r));
    jset(&b, o, "attribution", json_attribution(&b, r));
    jset(&b, o, "tornado", json_tornado(&b, r));
    if (r->has_budget) {
        json_t *budget = json_object();
        jset(&b, budget, "budget", jreal(r->budget));
        jset(&b, budget, "confidence", jreal(r->budget_confidence));
        jset(&b, o, "budget", budget);
    } else {
        jset(&b, o, "budget", json_null());
    }
    if (m->corr_repaired)
        jset(&b, o, "correlation_repair_max_change", jreal(m->corr_repair_max_change));
    if (b.failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* %.17g reads back to the same double; jansson's own default. */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))

static int dump_json(FILE *f, json_t *o)
{
    if (!o)
        return -1;
    int rc = json_dumpf(o, f, JSON_FLAGS);
    json_decref(o);
    if (rc != 0)
        return -1;
    fputc('\n', f);
    return 0;
}

int cs_report_json(FILE *f, const cs_results *r) { return dump_json(f, json_run(r)); }

/* -------------------------------------------------------------- compare */

static int compare_doubles(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int cs_compare_compute(const cs_results *a, const cs_results *b,
                       cs_compare_row rows[CS_N_MEASURES])
{
    if (a->trials != b->trials || a->trials == 0)
        return -1;
    uint64_t n = a->trials;
    double *diff = malloc((size_t)n * sizeof *diff);
    if (!diff)
        return -1;
    for (int m = 0; m < CS_N_MEASURES; m++) {
        const double *ta = a->totals[m], *tb = b->totals[m];
        /* Neumaier-compensated sum: a million differences of large, nearly
         * equal totals would otherwise lose digits of the mean. */
        double sum = 0, carry = 0;
        uint64_t b_greater = 0;
        for (uint64_t j = 0; j < n; j++) {
            double d = tb[j] - ta[j];
            diff[j] = d;
            double t = sum + d;
            carry += fabs(sum) >= fabs(d) ? (sum - t) + d : (d - t) + sum;
            sum = t;
            b_greater += tb[j] > ta[j];
        }
        qsort(diff, (size_t)n, sizeof *diff, compare_doubles);
        rows[m].mean_diff = (sum + carry) / (double)n;
        rows[m].p10 = percentile_pct(diff, n, 10);
        rows[m].p50 = percentile_pct(diff, n, 50);
        rows[m].p90 = percentile_pct(diff, n, 90);
        rows[m].p_b_gt_a = 100.0 * (double)b_greater / (double)n;
    }
    free(diff);
    return 0;
}

void cs_report_compare_csv(FILE *f, const cs_compare_row rows[CS_N_MEASURES])
{
    static const char *const header[] = {"measure", "mean_diff", "p10", "p50",
                                         "p90",     "p_b_gt_a",  NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        cs_csvout_text(&w, cs_measure_name((cs_measure)m));
        cs_csvout_number(&w, rows[m].mean_diff);
        cs_csvout_number(&w, rows[m].p10);
        cs_csvout_number(&w, rows[m].p50);
        cs_csvout_number(&w, rows[m].p90);
        cs_csvout_number(&w, rows[m].p_b_gt_a);
        cs_csvout_end_row(&w);
    }
}

static void compare_side(FILE *f, const char *label, const cs_results *r)
{
    fprintf(f, "%s: ", label);
    put_clean(f, r->model->name);
    fputs(" (", f);
    put_clean(f, r->model->scenario_path);
    fputs("; model ", f);
    put_clean(f, r->model->model_dir);
    fputs(")\n", f);
}

void cs_report_compare_table(FILE *f, const cs_results *a, const cs_results *b,
                             const cs_compare_row rows[CS_N_MEASURES])
{
    static const char *const labels[CS_N_MEASURES] = {"Constant", "Nominal (then-year)",
                                                      "Present value"};
    enum { LABEL_W = 20 };
    const cs_model *ma = a->model, *mb = b->model;
    char num[128];
    fputs("Comparison B - A on common random numbers\n", f);
    compare_side(f, "A", a);
    compare_side(f, "B", b);
    fprintf(f, "Base year %d; amounts in millions of %s; %s trials; seed %" PRIu64 "\n",
            ma->base_year, report_currency(a), format_amount(num, sizeof num, (double)a->trials, 0),
            ma->seed);
    char rate_a[64], rate_b[64];
    format_rate_percent(rate_a, sizeof rate_a, ma->discount_rate);
    format_rate_percent(rate_b, sizeof rate_b, mb->discount_rate);
    if (strcmp(rate_a, rate_b) == 0)
        fprintf(f, "Present value discounted at %s to %d\n", rate_a, ma->base_year);
    else
        fprintf(f, "Present value discounted to %d at %s (A) and %s (B)\n", ma->base_year,
                rate_a, rate_b);

    /* Each measure's amounts share the decimals of the larger scenario. */
    int decimals[CS_N_MEASURES];
    for (int m = 0; m < CS_N_MEASURES; m++) {
        int da = measure_decimals(a, (cs_measure)m), db = measure_decimals(b, (cs_measure)m);
        decimals[m] = da < db ? da : db;
    }

    /* Column width from the widest number shown. */
    int col_w = 9;
    for (int m = 0; m < CS_N_MEASURES; m++) {
        double v[8] = {rows[m].mean_diff, rows[m].p10, rows[m].p50, rows[m].p90, 0, 0, 0, 0};
        if (a->n_rows > 0 && b->n_rows > 0) {
            v[4] = a->rows[m][0].p[CS_P50];
            v[5] = a->rows[m][0].p[CS_P80];
            v[6] = b->rows[m][0].p[CS_P50];
            v[7] = b->rows[m][0].p[CS_P80];
        }
        for (int c = 0; c < 8; c++) {
            int len = (int)strlen(format_amount(num, sizeof num, v[c], decimals[m]));
            col_w = len > col_w ? len : col_w;
        }
    }

    if (a->n_rows > 0 && b->n_rows > 0) {
        fprintf(f, "\n%-*s  %*s  %*s  %*s  %*s\n", LABEL_W, "Totals", col_w, "A P50", col_w,
                "A P80", col_w, "B P50", col_w, "B P80");
        for (int m = 0; m < CS_N_MEASURES; m++) {
            double v[4] = {a->rows[m][0].p[CS_P50], a->rows[m][0].p[CS_P80],
                           b->rows[m][0].p[CS_P50], b->rows[m][0].p[CS_P80]};
            fprintf(f, "%-*s", LABEL_W, labels[m]);
            for (int c = 0; c < 4; c++)
                fprintf(f, "  %*s", col_w, format_amount(num, sizeof num, v[c], decimals[m]));
            fputc('\n', f);
        }
    }

    fprintf(f, "\n%-*s  %*s  %*s  %*s  %*s  %8s\n", LABEL_W, "Difference B - A", col_w, "Mean",
            col_w, "P10", col_w, "P50", col_w, "P90", "P(B > A)");
    for (int m = 0; m < CS_N_MEASURES; m++) {
        double v[4] = {rows[m].mean_diff, rows[m].p10, rows[m].p50, rows[m].p90};
        fprintf(f, "%-*s", LABEL_W, labels[m]);
        for (int c = 0; c < 4; c++)
            fprintf(f, "  %*s", col_w, format_amount(num, sizeof num, v[c], decimals[m]));
        fprintf(f, "  %7.1f%%\n", rows[m].p_b_gt_a);
    }
    if (has_warnings(a) || has_warnings(b))
        fputc('\n', f);
    table_warnings(f, a, "A");
    table_warnings(f, b, "B");
}

int cs_report_compare_json(FILE *f, const cs_results *a, const cs_results *b,
                           const cs_compare_row rows[CS_N_MEASURES])
{
    json_build build = {false};
    json_t *o = json_object();
    jset(&build, o, "a", json_run(a));
    jset(&build, o, "b", json_run(b));
    json_t *list = json_array();
    for (int m = 0; m < CS_N_MEASURES; m++) {
        json_t *row = json_object();
        jset(&build, row, "measure", json_string(cs_measure_name((cs_measure)m)));
        jset(&build, row, "mean_diff", jreal(rows[m].mean_diff));
        jset(&build, row, "p10", jreal(rows[m].p10));
        jset(&build, row, "p50", jreal(rows[m].p50));
        jset(&build, row, "p90", jreal(rows[m].p90));
        jset(&build, row, "p_b_gt_a", jreal(rows[m].p_b_gt_a));
        jappend(&build, list, row);
    }
    jset(&build, o, "compare", list);
    if (build.failed) {
        json_decref(o);
        return -1;
    }
    return dump_json(f, o);
}

/* ---------------------------------------------------------------- sweep */

/* A varied value as the user typed it: a number becomes a numeric cell (so
 * "-0.01" is not taken for a formula and neutralised), digits-only text
 * stays text so a seed above 2^53 keeps every digit, anything else is text
 * ("yes", "pert") and neutralised like all text. */
static void sweep_value_cell(cs_csvout *w, const char *value)
{
    double x;
    if (value && *value && strspn(value, "0123456789") == strlen(value))
        cs_csvout_text(w, value);
    else if (value && cs_parse_number(value, &x) == 0)
        cs_csvout_number(w, x);
    else
        cs_csvout_text(w, value);
}

void cs_report_sweep_csv(FILE *f, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_results *const *results,
                         size_t n_combinations)
{
    static const int stat_p[] = {CS_P50, CS_P80, CS_P90};
    static const char *const stat_names[] = {"p50", "p80", "p90"};
    bool budget = n_combinations > 0 && results[0]->has_budget;
    cs_csvout w;
    cs_csvout_init(&w, f);
    for (size_t k = 0; k < n_keys; k++)
        cs_csvout_text(&w, keys[k]);
    char column[64];
    for (int m = 0; m < CS_N_MEASURES; m++) {
        snprintf(column, sizeof column, "%s_mean", cs_measure_name((cs_measure)m));
        cs_csvout_text(&w, column);
        for (int s = 0; s < 3; s++) {
            snprintf(column, sizeof column, "%s_%s", cs_measure_name((cs_measure)m),
                     stat_names[s]);
            cs_csvout_text(&w, column);
        }
    }
    if (budget)
        cs_csvout_text(&w, "budget_confidence");
    cs_csvout_end_row(&w);

    for (size_t c = 0; c < n_combinations; c++) {
        const cs_results *r = results[c];
        for (size_t k = 0; k < n_keys; k++)
            sweep_value_cell(&w, values[c * n_keys + k]);
        for (int m = 0; m < CS_N_MEASURES; m++) {
            const cs_summary_row *total = r->n_rows > 0 ? &r->rows[m][0] : NULL;
            cs_csvout_number(&w, total ? total->mean : NAN);
            for (int s = 0; s < 3; s++)
                cs_csvout_number(&w, total ? total->p[stat_p[s]] : NAN);
        }
        if (budget)
            cs_csvout_number(&w, r->has_budget ? r->budget_confidence : NAN);
        cs_csvout_end_row(&w);
    }
}

int cs_report_sweep_json(FILE *f, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_results *const *results,
                         size_t n_combinations)
{
    static const int stat_p[] = {CS_P50, CS_P80, CS_P90};
    static const char *const stat_names[] = {"p50", "p80", "p90"};
    json_t *rows = json_array();
    if (!rows)
        return -1;
    int rc = 0;
    for (size_t c = 0; c < n_combinations && rc == 0; c++) {
        const cs_results *r = results[c];
        json_t *row = json_object(), *settings = json_object();
        if (!row || !settings) {
            json_decref(row);
            json_decref(settings);
            rc = -1;
            break;
        }
        /* Values as given on the command line (strings), so a seed keeps
         * every digit. */
        for (size_t k = 0; k < n_keys; k++)
            json_object_set_new(settings, keys[k], json_string(values[c * n_keys + k]));
        json_object_set_new(row, "settings", settings);
        char name[64];
        for (int m = 0; m < CS_N_MEASURES; m++) {
            const cs_summary_row *total = &r->rows[m][0];
            snprintf(name, sizeof name, "%s_mean", cs_measure_name((cs_measure)m));
            json_object_set_new(row, name, jreal(total->mean));
            for (int s = 0; s < 3; s++) {
                snprintf(name, sizeof name, "%s_%s", cs_measure_name((cs_measure)m),
                         stat_names[s]);
                json_object_set_new(row, name, jreal(total->p[stat_p[s]]));
            }
        }
        if (r->has_budget)
            json_object_set_new(row, "budget_confidence", jreal(r->budget_confidence));
        json_array_append_new(rows, row);
    }
    if (rc == 0) {
        json_t *doc = json_pack("{s:o}", "sweep", rows);
        rows = NULL;
        if (!doc || json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
            rc = -1;
        else
            fputc('\n', f);
        json_decref(doc);
    }
    json_decref(rows);
    return rc;
}
