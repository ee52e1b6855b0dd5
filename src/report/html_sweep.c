/* report html sweep: the HTML report of a sweep: a chart of the nominal
 * P50 and P80 against the values of the first varied key (one pair of
 * lines per setting of the other keys), and the sweep table. Computes
 * nothing: the rows come from src/core/sweep.c. */
#include "html_internal.h"

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

static void sweep_chart(FILE *f, const char *cur, const char *const *keys, size_t n_keys,
                        const char *const *values, const cs_sweep_row *rows, size_t n)
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
    unit u = cs_report_unit_for(fmax(fabs(ty.lo), fabs(ty.hi)));
    chart c;
    cs_report_chart_begin(&c, f, 820, 470, "Nominal P50 and P80 against the first varied key");
    cs_report_chart_frame(&c, 90, 770, 70, 400);
    cs_report_chart_scale(&c, -0.5, (double)n_x - 0.5, ty.lo, ty.hi);
    char title[200];
    snprintf(title, sizeof title, "Then-year total, %s %s", u.word, cur);
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
    char names[MAX_LEGEND_GROUPS + 2][LABEL_LEN];
    legend_item items[MAX_LEGEND_GROUPS + 2];
    size_t n_items = 0;
    snprintf(names[n_items], LABEL_LEN, "P50 (solid)");
    items[n_items] = (legend_item){names[n_items], COLOUR_MARK, "", false, 2.5};
    n_items++;
    snprintf(names[n_items], LABEL_LEN, "P80 (dashed)");
    items[n_items] = (legend_item){names[n_items], COLOUR_MARK, "7 4", false, 2.5};
    n_items++;
    for (size_t g = 0; n_keys > 1 && g < n_groups && g < MAX_LEGEND_GROUPS; g++) {
        char label[LABEL_LEN * 2];
        group_label(label, sizeof label, keys, n_keys, values, g);
        cs_report_truncate_utf8(label, 40, names[n_items], LABEL_LEN);
        items[n_items] = (legend_item){names[n_items], palette[g % N_PALETTE], "", true, 0};
        n_items++;
    }
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

static void sweep_table(FILE *f, const char *cur, const char *const *keys, size_t n_keys,
                        const char *const *values, const cs_sweep_row *rows, size_t n)
{
    static const char *const stat_names[] = {"Mean", "P50", "P80", "P90"};
    double max = 0;
    for (size_t c = 0; c < n; c++)
        for (int m = 0; m < CS_N_MEASURES; m++)
            for (int s = 0; s < CS_SWEEP_N_STATS; s++)
                if (isfinite(rows[c].stat[m][s]))
                    max = fmax(max, fabs(rows[c].stat[m][s]));
    unit u = cs_report_unit_for(max);
    bool budget = n > 0 && rows[0].has_budget;
    fprintf(f, "<table class=\"num summary\"><caption>Totals per combination, %s %s</caption>"
               "<thead><tr>", u.word, cur);
    for (size_t k = 0; k < n_keys; k++) {
        fputs("<th>", f);
        cs_report_put_esc(f, keys[k]);
        fputs("</th>", f);
    }
    static const char *const measure[] = {"constant", "then-year", "present value"};
    for (int m = 0; m < CS_N_MEASURES; m++)
        for (int s = 0; s < CS_SWEEP_N_STATS; s++)
            fprintf(f, "<th>%s %s</th>", measure[m], stat_names[s]);
    if (budget) {
        /* Named with its measure and amount: the column is not the
         * then-year one unless budget_measure says so. */
        bool same = true;
        for (size_t c = 1; c < n; c++)
            same &= rows[c].budget == rows[0].budget;
        fprintf(f, "<th>Budget confidence (%s total", measure[rows[0].budget_measure]);
        if (same) {
            char num[NUM_LEN];
            cs_report_fmt_num(num, sizeof num, rows[0].budget / u.div, 2);
            fprintf(f, " within %s %s %s", num, u.word, cur);
        }
        fputs(")</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t c = 0; c < n; c++) {
        fputs("<tr>", f);
        for (size_t k = 0; k < n_keys; k++) {
            fputs("<td class=\"text\">", f);
            cs_report_put_esc(f, values[c * n_keys + k]);
            fputs("</td>", f);
        }
        for (int m = 0; m < CS_N_MEASURES; m++)
            for (int s = 0; s < CS_SWEEP_N_STATS; s++) {
                char num[NUM_LEN];
                cs_report_fmt_num(num, sizeof num, rows[c].stat[m][s] / u.div, 2);
                fprintf(f, "<td>%s</td>", num);
            }
        if (budget) {
            char num[NUM_LEN];
            cs_report_fmt_num(num, sizeof num, 100 * rows[c].budget_confidence, 1);
            fprintf(f, "<td>%s %%</td>", num);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

int cs_report_sweep_html(FILE *f, const char *name, const char *cur, const char *const *keys,
                         size_t n_keys, const char *const *values, const cs_sweep_row *rows,
                         size_t n_combinations)
{
    cs_report_doc_begin(f, "Sweep: ", name);
    fputs("<h1>Sweep: ", f);
    cs_report_put_esc(f, name);
    fputs("</h1>\n", f);
    char n[NUM_LEN];
    cs_report_fmt_num(n, sizeof n, (double)n_combinations, 0);
    fprintf(f, "<p class=\"sub\">%s combinations on common random numbers \xc2\xb7 amounts in "
               "%s</p>\n", n, cur);
    if (n_keys > 0 && n_combinations > 0) {
        fputs("<h2>Nominal P50 and P80</h2>\n<figure>\n", f);
        sweep_chart(f, cur, keys, n_keys, values, rows, n_combinations);
        fputs("<figcaption>Then-year totals of each combination against the first varied "
              "key; one colour per setting of the other keys.</figcaption>\n</figure>\n", f);
    }
    fputs("<h2>Combinations</h2>\n", f);
    sweep_table(f, cur, keys, n_keys, values, rows, n_combinations);
    cs_report_doc_end(f, NULL);
    return 0;
}
