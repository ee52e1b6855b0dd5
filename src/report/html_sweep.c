/* report html sweep: the HTML report of a sweep: a chart of the nominal
 * P50 and P80 against the values of the first varied key (one pair of
 * lines per setting of the other keys), and the sweep table, in one scale.
 * When the combinations are in different report currencies, the table
 * names each row's and the chart is left out: their totals are not
 * amounts of one thing. Computes nothing: the rows come from
 * src/core/sweep.c. */
#include "html_internal.h"
#include "report_internal.h"

/* Line colours of the settings of the other keys (Okabe-Ito, cycled). */
static const char *const palette[] = {COLOUR_A, COLOUR_B, "#009E73", "#E69F00",
                                      "#56B4E9", "#CC79A7", "#F0E442", "#000000"};
#define N_PALETTE (sizeof palette / sizeof palette[0])
#define MAX_LEGEND_GROUPS 8

/* "k2=v, k3=v" of the other keys in combination c. */
static void group_label(char *buf, size_t size, const char *const *keys, size_t n_keys,
                        const char *const *values, size_t c)
{
    buf[0] = '\0';
    for (size_t k = 1; k < n_keys; k++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s=%s", k > 1 ? ", " : "", keys[k],
                 values[c * n_keys + k]);
    }
}

/* What the rows share: the one scale of the report, and the report
 * currency of each combination. */
typedef struct {
    unit unit;
    const char *cur; /* the first combination's report currency */
    bool mixed;      /* the combinations differ in report currency */
} sweep_labels;

/* Each row knows its report currency: varying report_currency, or the
 * base currency it defaults to, or the model, may change it from row to
 * row. */
static sweep_labels sweep_labels_of(const char *cur, const cs_sweep_row *rows, size_t n)
{
    sweep_labels sl = {{1, "million"}, n > 0 && rows[0].currency[0] ? rows[0].currency
                                       : cur                        ? cur
                                                                    : "",
                       false};
    for (size_t c = 1; c < n; c++)
        sl.mixed |= strcmp(rows[c].currency, rows[0].currency) != 0;
    double max = 0;
    for (size_t c = 0; c < n; c++)
        for (int m = 0; m < CS_N_MEASURES; m++)
            for (int s = 0; s < CS_SWEEP_N_STATS; s++)
                if (isfinite(rows[c].stat[m][s]))
                    max = fmax(max, fabs(rows[c].stat[m][s]));
    sl.unit = cs_report_unit_for(max);
    return sl;
}

/* The chart's legend: the line styles of P50 and P80, then a colour per
 * setting of the other keys (the first MAX_LEGEND_GROUPS). names holds
 * the texts. */
static size_t sweep_legend(legend_item *items, char names[][LABEL_LEN], const char *const *keys,
                           size_t n_keys, const char *const *values, size_t n_groups)
{
    size_t n = 0;
    items[n++] = (legend_item){"P50 (solid)", COLOUR_MARK, "", false, 2.5};
    items[n++] = (legend_item){"P80 (dashed)", COLOUR_MARK, "7 4", false, 2.5};
    for (size_t g = 0; n_keys > 1 && g < n_groups && g < MAX_LEGEND_GROUPS; g++) {
        char label[LABEL_LEN * 2];
        group_label(label, sizeof label, keys, n_keys, values, g);
        cs_report_truncate_utf8(label, 64, names[g], LABEL_LEN);
        items[n++] = (legend_item){names[g], palette[g % N_PALETTE], "", true, 0};
    }
    return n;
}

static void sweep_chart(FILE *f, const sweep_labels *sl, const char *const *keys,
                        size_t n_keys, const char *const *values, const cs_sweep_row *rows,
                        size_t n)
{
    /* The first key varies slowest: n_x values, each followed by the
     * n_groups settings of the other keys. */
    size_t n_groups = 1;
    while (n_groups < n && !strcmp(values[n_groups * n_keys], values[0]))
        n_groups++;
    size_t n_x = n / n_groups;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t c = 0; c < n; c++) {
        for (int s = CS_SWEEP_P50; s <= CS_SWEEP_P80; s++)
            if (isfinite(rows[c].stat[CS_NOMINAL][s]))
                cs_report_widen(&lo, &hi, rows[c].stat[CS_NOMINAL][s]);
    }
    if (!(lo <= hi))
        return;
    if (lo == hi) {
        lo -= fabs(lo) * 0.05 + 1;
        hi += fabs(hi) * 0.05 + 1;
    }
    ticks ty = cs_report_nice_ticks(lo, hi, 6);
    unit u = sl->unit; /* the table's scale */
    char names[MAX_LEGEND_GROUPS][LABEL_LEN];
    legend_item items[MAX_LEGEND_GROUPS + 2];
    size_t n_items = sweep_legend(items, names, keys, n_keys, values, n_groups);
    /* the plot starts below the legend's last row */
    double top = 70 + LEGEND_ROW * (cs_report_legend_rows(90, 770, items, n_items) - 1);
    chart c;
    cs_report_chart_begin(&c, f, 820, top + 400,
                          "Nominal P50 and P80 against the first varied key");
    cs_report_chart_frame(&c, 90, 770, top, top + 330);
    cs_report_chart_scale(&c, -0.5, (double)n_x - 0.5, ty.lo, ty.hi);
    char title[200];
    snprintf(title, sizeof title, "Then-year total, %s %s", u.word, sl->cur);
    cs_report_y_axis(&c, ty, u.div, cs_report_tick_decimals(ty, u), "", title);
    for (size_t i = 0; i < n_x; i++) {
        char cut[LABEL_LEN];
        cs_report_truncate_utf8(values[i * n_groups * n_keys], 16, cut, sizeof cut);
        cs_report_text_at(&c, cs_report_px(&c, (double)i), c.bottom + 18, cut, FS, 'm', NULL,
                          NULL);
    }
    char xtitle[LABEL_LEN];
    cs_report_truncate_utf8(keys[0], 60, xtitle, sizeof xtitle);
    cs_report_text_at(&c, (c.left + c.right) / 2, c.bottom + 40, xtitle, FS_AXIS, 'm',
                      "axis-title", NULL);
    cs_report_legend(&c, 22, items, n_items);
    for (size_t g = 0; g < n_groups; g++) {
        const char *colour = n_keys > 1 ? palette[g % N_PALETTE] : COLOUR_A;
        for (int s = CS_SWEEP_P50; s <= CS_SWEEP_P80; s++) {
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s points=\"",
                    colour, s == CS_SWEEP_P80 ? " stroke-dasharray=\"7 4\"" : "");
            for (size_t i = 0; i < n_x; i++) {
                double v = rows[i * n_groups + g].stat[CS_NOMINAL][s];
                if (isfinite(v))
                    fprintf(f, "%.1f,%.1f ", cs_report_px(&c, (double)i), cs_report_py(&c, v));
            }
            fputs("\"/>\n", f);
            for (size_t i = 0; i < n_x; i++) {
                double v = rows[i * n_groups + g].stat[CS_NOMINAL][s];
                if (isfinite(v))
                    cs_report_dot(&c, cs_report_px(&c, (double)i), cs_report_py(&c, v), colour);
            }
        }
    }
    cs_report_frame(&c);
    chart_end(&c);
}

static const char *const measure_word[CS_N_MEASURES] = {"constant", "then-year",
                                                       "present value"};

/* The budget columns: the share of trials within the budget, and the
 * measure and amount of the budget when they differ from row to row (or
 * the currency does); what the rows share is said in the group's title. */
typedef struct {
    bool any, measure_column, amount_column;
    const cs_sweep_row *first; /* the first row with a budget */
} budget_columns;

static budget_columns budget_columns_of(const sweep_labels *sl, const cs_sweep_row *rows,
                                        size_t n)
{
    const cs_sweep_row *first = cs_report_sweep_first_budget(rows, n);
    budget_columns b = {first != NULL, false, first && sl->mixed, first};
    for (size_t c = 0; c < n && b.any; c++) {
        if (!rows[c].has_budget)
            continue;
        b.measure_column |= rows[c].budget_measure != first->budget_measure;
        b.amount_column |= rows[c].budget != first->budget;
    }
    return b;
}

/* The two header rows: the varied keys over both, a group of Mean, P50,
 * P80, P90 per measure, and the budget group. */
static void sweep_header(FILE *f, const sweep_labels *sl, const budget_columns *bc,
                         const char *const *keys, size_t n_keys)
{
    static const char *const stat_names[] = {"Mean", "P50", "P80", "P90"};
    fputs("<thead><tr>", f);
    for (size_t k = 0; k < n_keys; k++) {
        fputs("<th rowspan=\"2\" class=\"text\">", f);
        cs_report_put_esc(f, keys[k]);
        fputs("</th>", f);
    }
    if (sl->mixed)
        fputs("<th rowspan=\"2\" class=\"text\">Currency</th>", f);
    static const char *const measure_title[CS_N_MEASURES] = {"Constant", "Then-year",
                                                             "Present value"};
    for (int m = 0; m < CS_N_MEASURES; m++)
        fprintf(f, "<th colspan=\"%d\" class=\"group\">%s</th>", CS_SWEEP_N_STATS,
                measure_title[m]);
    if (bc->any) {
        int span = 1 + bc->measure_column + bc->amount_column;
        fprintf(f, "<th colspan=\"%d\" class=\"group\">Budget", span);
        /* Named with its measure and amount when every row shares them:
         * the column is not the then-year one unless budget_measure says so. */
        if (!bc->measure_column)
            fprintf(f, " (%s total", measure_word[bc->first->budget_measure]);
        if (!bc->amount_column) {
            char num[NUM_LEN];
            cs_report_fmt_num(num, sizeof num, bc->first->budget / sl->unit.div, TABLE_DECIMALS);
            fprintf(f, "%s %s %s %s", bc->measure_column ? " (within" : " within", num,
                    sl->unit.word, sl->cur);
        }
        fputs(bc->measure_column && bc->amount_column ? "</th>" : ")</th>", f);
    }
    fputs("</tr>\n<tr>", f);
    for (int m = 0; m < CS_N_MEASURES; m++)
        for (int s = 0; s < CS_SWEEP_N_STATS; s++)
            fprintf(f, "<th>%s</th>", stat_names[s]);
    if (bc->measure_column)
        fputs("<th class=\"text\">Measure</th>", f);
    if (bc->amount_column)
        fputs("<th>Amount</th>", f);
    if (bc->any)
        fputs("<th>Trials within</th>", f);
    fputs("</tr></thead>\n", f);
}

/* The budget cells of combination c: its measure and amount when they
 * vary, and the share of trials within it. */
static void budget_cells(FILE *f, const sweep_labels *sl, const budget_columns *bc,
                         const cs_sweep_row *row)
{
    char num[NUM_LEN];
    if (!row->has_budget) { /* a combination without a budget */
        for (int k = 0; k < 1 + bc->measure_column + bc->amount_column; k++)
            fputs("<td></td>", f);
        return;
    }
    if (bc->measure_column)
        fprintf(f, "<td class=\"text\">%s</td>", measure_word[row->budget_measure]);
    if (bc->amount_column) {
        cs_report_fmt_num(num, sizeof num, row->budget / sl->unit.div, TABLE_DECIMALS);
        fprintf(f, "<td>%s</td>", num);
    }
    cs_report_fmt_share(num, sizeof num, row->budget_confidence);
    fprintf(f, "<td>%s %%</td>", num);
}

static void sweep_table(FILE *f, const sweep_labels *sl, const char *const *keys,
                        size_t n_keys, const char *const *values, const cs_sweep_row *rows,
                        size_t n)
{
    budget_columns bc = budget_columns_of(sl, rows, n);
    fputs(WIDE_BEGIN, f);
    if (sl->mixed) /* each row's currency in a column of its own */
        fprintf(f, "<table class=\"num summary sweep\"><caption>Totals per combination, %s of "
                   "each row&#39;s report currency (column Currency)</caption>", sl->unit.word);
    else
        fprintf(f, "<table class=\"num summary sweep\"><caption>Totals per combination, %s %s"
                   "</caption>", sl->unit.word, sl->cur);
    sweep_header(f, sl, &bc, keys, n_keys);
    fputs("<tbody>\n", f);
    for (size_t c = 0; c < n; c++) {
        fputs("<tr>", f);
        for (size_t k = 0; k < n_keys; k++) {
            fputs("<td class=\"text\">", f);
            cs_report_put_esc(f, values[c * n_keys + k]);
            fputs("</td>", f);
        }
        if (sl->mixed) {
            fputs("<td class=\"text\">", f);
            cs_report_put_esc(f, rows[c].currency);
            fputs("</td>", f);
        }
        for (int m = 0; m < CS_N_MEASURES; m++)
            for (int s = 0; s < CS_SWEEP_N_STATS; s++) {
                char num[NUM_LEN];
                cs_report_fmt_num(num, sizeof num, rows[c].stat[m][s] / sl->unit.div,
                                  TABLE_DECIMALS);
                fprintf(f, "<td>%s</td>", num);
            }
        if (bc.any)
            budget_cells(f, sl, &bc, &rows[c]);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n" WIDE_END, f);
}

int cs_report_sweep_html(FILE *f, const char *name, const char *cur, const char *const *keys,
                         size_t n_keys, const char *const *values, const cs_sweep_row *rows,
                         size_t n_combinations)
{
    sweep_labels sl = sweep_labels_of(cur, rows, n_combinations);
    cs_report_doc_begin(f, "Sweep: ", name);
    fputs("<h1>Sweep: ", f);
    cs_report_put_esc(f, name);
    fputs("</h1>\n", f);
    char n[NUM_LEN];
    cs_report_fmt_num(n, sizeof n, (double)n_combinations, 0);
    fprintf(f, "<p class=\"sub\">%s combinations on common random numbers \xc2\xb7 amounts in ",
            n);
    if (sl.mixed)
        fputs("each combination&#39;s report currency</p>\n", f);
    else
        fprintf(f, "%s %s</p>\n", sl.unit.word, sl.cur);
    if (n_keys > 0 && n_combinations > 0) {
        fputs("<h2>Nominal P50 and P80</h2>\n", f);
        if (sl.mixed) {
            fputs("<p class=\"note\">No chart: the combinations are in different report "
                  "currencies, so their totals cannot share one axis. The table names each "
                  "row&#39;s currency.</p>\n", f);
        } else {
            fputs("<figure>\n", f);
            sweep_chart(f, &sl, keys, n_keys, values, rows, n_combinations);
            fputs("<figcaption>Then-year totals of each combination against the first varied "
                  "key; one colour per setting of the other keys.</figcaption>\n</figure>\n", f);
        }
    }
    fputs("<h2>Combinations</h2>\n", f);
    sweep_table(f, &sl, keys, n_keys, values, rows, n_combinations);
    cs_report_doc_end(f, NULL);
    return 0;
}
