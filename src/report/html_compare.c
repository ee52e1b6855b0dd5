/* report html compare: the HTML report of a comparison of two runs: both
 * S-curves on one chart, the distribution of the per-trial difference and
 * the side-by-side table. */
#include "html_internal.h"
#include "report_internal.h"

/* The legend of the compared S-curves: a row naming the four curves, then
 * a row per scenario with its then-year P50 and P80 in its colour and its
 * budget. The values are here and not beside the dots, where
 * one scenario's label would run across the other's curve. names holds
 * the texts. */
static size_t scurves_legend(legend_item *items, char names[][LABEL_LEN],
                             const cs_results *const rs[2], const labels *lb)
{
    static const char *const col[2] = {COLOUR_A, COLOUR_B}, *const who[2] = {"A", "B"};
    static const char *const budget_dash[2] = {"5 3", "10 3 2 3"};
    char cut[2][LABEL_LEN / 2], money[MONEY_LEN];
    size_t n = 0, k = 0;
    for (int s = 0; s < 2; s++)
        cs_report_truncate_utf8(rs[s]->model->name, 24, cut[s], sizeof cut[s]);
    for (int s = 0; s < 2; s++) {
        snprintf(names[k], LABEL_LEN, "%s %s, then-year", who[s], cut[s]);
        items[n++] = (legend_item){names[k++], col[s], "", false, 3};
    }
    for (int s = 0; s < 2; s++) {
        snprintf(names[k], LABEL_LEN, "%s, %s", who[s], lb->basis[CS_CONSTANT]);
        items[n++] = (legend_item){names[k++], col[s], "7 4", false, 1.5};
    }
    for (int s = 0; s < 2; s++) { /* a row of values per scenario */
        const cs_summary_row *t = &rs[s]->rows[CS_NOMINAL][0];
        items[n++] = LEGEND_BREAK;
        snprintf(names[k], LABEL_LEN, "%s P50: %s", who[s],
                 cs_report_fmt_money(money, sizeof money, t->p[CS_P50], lb));
        items[n++] = (legend_item){names[k++], col[s], "", false, LEGEND_DOT};
        snprintf(names[k], LABEL_LEN, "%s P80: %s", who[s],
                 cs_report_fmt_money(money, sizeof money, t->p[CS_P80], lb));
        items[n++] = (legend_item){names[k++], col[s], "", false, LEGEND_DOT};
        if (rs[s]->has_budget && isfinite(rs[s]->budget)) {
            cs_report_budget_legend(names[k], LABEL_LEN, rs[s], lb, who[s]);
            if (rs[s]->model->budget_measure == CS_PV) { /* no present-value curve here */
                size_t len = strlen(names[k]);
                snprintf(names[k] + len, LABEL_LEN - len, "; line only, no pv curve drawn");
                cs_report_utf8_trim_partial(names[k]);
            }
            items[n++] = (legend_item){names[k++], col[s], budget_dash[s], false, 1.5};
        }
    }
    return n;
}

static void compare_scurves(FILE *f, const cs_results *a, const cs_results *b, const labels *lb)
{
    const cs_results *rs[2] = {a, b};
    const char *col[2] = {COLOUR_A, COLOUR_B};
    double lo = INFINITY, hi = -INFINITY;
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < 2; m++) { /* constant and nominal */
            cs_report_widen(&lo, &hi, rs[s]->sorted[m][0]);
            cs_report_widen(&lo, &hi, rs[s]->sorted[m][rs[s]->trials - 1]);
        }
    for (int s = 0; s < 2; s++)
        cs_report_widen_for_budget(&lo, &hi, rs[s]);
    ticks tx = cs_report_nice_ticks(lo, hi, 7);
    unit u = lb->unit; /* one scale per report */
    legend_item items[16];
    char names[10][LABEL_LEN];
    size_t n_items = scurves_legend(items, names, rs, lb);
    /* the plot starts below the legend's last row */
    double top = 56 + LEGEND_ROW * (cs_report_legend_rows(70, 770, items, n_items) - 1);
    chart c;
    cs_report_chart_begin(&c, f, 820, top + 414, "S-curves of scenarios A and B");
    cs_report_chart_frame(&c, 70, 770, top, top + 344);
    cs_report_chart_scale(&c, tx.lo, tx.hi, 0, 100);
    cs_report_legend(&c, 22, items, n_items);
    ticks ty = {0, 100, 10};
    cs_report_y_axis(&c, ty, 1, 0, "%", "Cumulative probability (share of trials \xe2\x89\xa4 total)");
    char title[200];
    snprintf(title, sizeof title, "Total cost, %s %s \xe2\x80\x94 then-year (solid), %s (dashed)",
             u.word, lb->cur, lb->basis[CS_CONSTANT]);
    cs_report_x_axis_amount(&c, tx, u, title);
    cs_report_p50_p80_lines(&c);
    for (int s = 0; s < 2; s++)
        cs_report_scurve_path(&c, rs[s]->sorted[CS_CONSTANT], rs[s]->trials, col[s], "7 4", 1.5);
    for (int s = 0; s < 2; s++)
        cs_report_scurve_path(&c, rs[s]->sorted[CS_NOMINAL], rs[s]->trials, col[s], "", 3);
    /* Each budget in its scenario's colour; the dot where it meets its
     * measure's curve only when that curve is drawn (then-year or constant;
     * a present-value budget gets its line alone). */
    for (int s = 0; s < 2; s++)
        cs_report_budget_marks_in(&c, rs[s], s ? "10 3 2 3" : "5 3", col[s],
                                  rs[s]->model->budget_measure != CS_PV);
    for (int s = 0; s < 2; s++) {
        const cs_summary_row *t = &rs[s]->rows[CS_NOMINAL][0];
        cs_report_dot(&c, cs_report_px(&c, t->p[CS_P50]), cs_report_py(&c, 50), col[s]);
        cs_report_dot(&c, cs_report_px(&c, t->p[CS_P80]), cs_report_py(&c, 80), col[s]);
    }
    cs_report_frame(&c);
    chart_end(&c);
}

static int compare_difference(FILE *f, const cs_results *a, const cs_results *b,
                              const labels *lb, const cs_compare_row *row)
{
    uint64_t n = a->trials;
    const double *ta = a->totals[CS_NOMINAL], *tb = b->totals[CS_NOMINAL];
    double lo = INFINITY, hi = -INFINITY;
    for (uint64_t j = 0; j < n; j++)
        cs_report_widen(&lo, &hi, tb[j] - ta[j]);
    bins bn;
    if (cs_report_bins_make(&bn, lo, hi, cs_report_bin_target(n)) != 0)
        return -1;
    for (uint64_t j = 0; j < n; j++)
        cs_report_bins_add(&bn, tb[j] - ta[j]);
    double xlo, xhi;
    cs_report_bins_range(&bn, lo, hi, &xlo, &xhi);
    cs_report_widen(&xlo, &xhi, 0);
    ticks tx = cs_report_nice_ticks(xlo, xhi, 7);
    unit u = lb->unit; /* one scale per report */
    ticks ty = cs_report_nice_ticks(0, cs_report_bins_top(&bn, n, 1.3), 5);
    /* The marker lines are named in the legend, as on the run's
     * histogram: labels at the lines would cross each other's line when
     * the P50 of the difference is near 0. */
    char money[MONEY_LEN], pct[NUM_LEN], names[2][LABEL_LEN];
    cs_report_fmt_share(pct, sizeof pct, row->p_b_gt_a);
    snprintf(names[0], sizeof names[0], "B = A; P(B > A) = %s %%", pct);
    snprintf(names[1], sizeof names[1], "P50 of difference: %s",
             cs_report_fmt_money(money, sizeof money, row->p50, lb));
    legend_item items[] = {
        {"Trials where B costs less", COLOUR_A, "", true, 0},
        {"Trials where B costs more", COLOUR_B, "", true, 0},
        LEGEND_BREAK,
        {names[0], "#000", "", false, 1.5},
        {names[1], COLOUR_MARK, "6 3", false, 1.2},
    };
    size_t n_items = sizeof items / sizeof items[0];
    double top = 44 + LEGEND_ROW * (cs_report_legend_rows(70, 780, items, n_items) - 1);
    chart c;
    cs_report_chart_begin(&c, f, 820, top + 356,
                          "Difference B minus A of the nominal total, per trial");
    cs_report_chart_frame(&c, 70, 780, top, top + 286);
    cs_report_chart_scale(&c, tx.lo, tx.hi, 0, ty.hi);
    cs_report_legend(&c, 22, items, n_items);
    cs_report_y_axis(&c, ty, 1, cs_report_tick_decimals(ty, (unit){1, ""}), "%", "Share of trials");
    char title[160];
    snprintf(title, sizeof title, "B \xe2\x88\x92 A nominal total, %s %s, then-year", u.word,
             lb->cur);
    cs_report_x_axis_amount(&c, tx, u, title);
    cs_report_bars(&c, &bn, n, 0, COLOUR_A, COLOUR_B);
    free(bn.count);
    cs_report_vline(&c, cs_report_px(&c, 0), "#000", "", 1.5);
    cs_report_vline(&c, cs_report_px(&c, row->p50), COLOUR_MARK, "6 3", 1.2);
    cs_report_frame(&c);
    chart_end(&c);
    return 0;
}

/* The random streams of A and B (streams.csv) and how many they share. */
static int compare_streams(FILE *f, const cs_results *a, const cs_results *b)
{
    size_t n;
    cs_stream_row *rows = cs_report_streams_compute(a, b, &n);
    if (!rows)
        return -1;
    fputs("<h3>Shared random streams</h3>\n<p>Inputs on the same stream get the same random "
          "numbers in A and B, which ties the two totals together: ", f);
    bool any = false;
    for (int k = CS_INPUT_ELEMENT; k <= CS_INPUT_FX; k++) {
        size_t shared, total;
        cs_report_streams_shared(rows, n, (cs_input_kind)k, &shared, &total);
        if (total)
            fprintf(f, "%s%s %zu of %zu", any ? ", " : "",
                    cs_report_kind_word((cs_input_kind)k), shared, total);
        any |= total > 0;
    }
    fputs(any ? " streams shared.</p>\n" : "no uncertain inputs.</p>\n", f);
    fputs("<table class=\"compact\"><thead><tr><th class=\"text\">Kind</th>"
          "<th class=\"text\">Stream</th><th class=\"text\">Input in A</th>"
          "<th class=\"text\">Input in B</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr><td class=\"text\">%s</td><td class=\"text\">",
                cs_report_kind_word(rows[i].kind));
        cs_report_put_esc(f, rows[i].stream);
        fputs("</td><td class=\"text\">", f);
        cs_report_put_esc(f, rows[i].a_input ? rows[i].a_input : "");
        fputs("</td><td class=\"text\">", f);
        cs_report_put_esc(f, rows[i].b_input ? rows[i].b_input : "");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    free(rows);
    return 0;
}

static void compare_table(FILE *f, const cs_compare_row rows[CS_N_MEASURES], const labels *lb)
{
    unit u = lb->unit; /* one scale per report */
    fprintf(f, "<table class=\"num compact\"><caption>B \xe2\x88\x92 A per trial, %s %s"
               "</caption><thead><tr><th>Measure</th><th>Mean difference</th><th>P10</th>"
               "<th class=\"key\">P50</th><th>P90</th><th class=\"key\">Trials with B &gt; A"
               "</th><th>95 %% interval</th></tr></thead><tbody>\n",
            u.word, lb->cur);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        char v[7][NUM_LEN];
        cs_report_fmt_num(v[0], sizeof v[0], rows[m].mean_diff / u.div, TABLE_DECIMALS);
        cs_report_fmt_num(v[1], sizeof v[1], rows[m].p10 / u.div, TABLE_DECIMALS);
        cs_report_fmt_num(v[2], sizeof v[2], rows[m].p50 / u.div, TABLE_DECIMALS);
        cs_report_fmt_num(v[3], sizeof v[3], rows[m].p90 / u.div, TABLE_DECIMALS);
        cs_report_fmt_share(v[4], sizeof v[4], rows[m].p_b_gt_a);
        cs_report_fmt_share(v[5], sizeof v[5], rows[m].ci_low);
        cs_report_fmt_share(v[6], sizeof v[6], rows[m].ci_high);
        fprintf(f, "<tr><th>%s</th><td>%s</td><td>%s</td><td class=\"key\">%s</td>"
                   "<td>%s</td><td class=\"key\">%s %%</td><td>%s to %s %%</td></tr>\n",
                lb->title[m], v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }
    fputs("</tbody></table>\n", f);
}

/* The comparison report; returns 0 or -1 (out of memory). */
static int html_compare(FILE *f, const cs_results *a, const cs_results *b,
                        const cs_compare_row *rows, const cs_report_html_outputs *outputs)
{
    labels lb;
    cs_report_labels_init(&lb, a);
    lb.csv_files = outputs && outputs->csv_files;
    lb.exact_files = "compare.csv, a/summary.csv and b/summary.csv";
    lb.workbook = outputs ? outputs->workbook : NULL;
    /* One scale for both scenarios: the larger one's. */
    labels lb_b;
    cs_report_labels_init(&lb_b, b);
    if (lb_b.unit.div > lb.unit.div)
        lb.unit = lb_b.unit;
    cs_report_doc_begin(f, "Comparison: ", a->model->name);
    fputs("<h1>Comparison: ", f);
    cs_report_put_esc(f, a->model->name);
    fputs(" (A) and ", f);
    cs_report_put_esc(f, b->model->name);
    fputs(" (B)</h1>\n", f);
    char n[NUM_LEN];
    cs_report_fmt_num(n, sizeof n, (double)a->trials, 0);
    fprintf(f, "<p class=\"sub\">%s trials each, on common random numbers \xc2\xb7 base year %d "
               "\xc2\xb7 amounts in %s</p>\n", n, lb.base_year, lb.cur);
    bool paired = rows != NULL;
    if (paired) {
        char v[NUM_LEN], s[LABEL_LEN];
        fputs("<div class=\"headline\">\n", f);
        char pct[NUM_LEN + 4];
        cs_report_fmt_share(v, sizeof v, rows[CS_NOMINAL].p_b_gt_a);
        snprintf(pct, sizeof pct, "%s %%", v);
        char lo[NUM_LEN], hi[NUM_LEN], sub[2 * NUM_LEN + 48];
        cs_report_fmt_share(lo, sizeof lo, rows[CS_NOMINAL].ci_low);
        cs_report_fmt_share(hi, sizeof hi, rows[CS_NOMINAL].ci_high);
        snprintf(sub, sizeof sub, "of trials (95 %% interval %s to %s %%)", lo, hi);
        cs_report_headline_fig(f, "P(B > A)", pct, sub, "B costs more than A");
        cs_report_headline_money(f, "Mean of B \xe2\x88\x92 A", rows[CS_NOMINAL].mean_diff, &lb,
                                 "then-year", "per trial");
        char p10[MONEY_LEN], p90[MONEY_LEN];
        cs_report_fmt_money(p10, sizeof p10, rows[CS_NOMINAL].p10, &lb);
        cs_report_fmt_money(p90, sizeof p90, rows[CS_NOMINAL].p90, &lb);
        snprintf(s, sizeof s, "P10 %s, P90 %s", p10, p90);
        cs_report_headline_money(f, "P50 of B \xe2\x88\x92 A", rows[CS_NOMINAL].p50, &lb,
                                 "then-year", s);
        fputs("</div>\n", f);
    }

    fputs("<h2>S-curves</h2>\n<figure>\n", f);
    compare_scurves(f, a, b, &lb);
    fputs("<figcaption>Solid: then-year totals; dashed: constant-price totals. Dots: the "
          "then-year P50 and P80, with their values in the legend.</figcaption>\n</figure>\n", f);
    fputs("<h2>Difference B \xe2\x88\x92 A</h2>\n", f);
    if (paired) {
        fputs("<figure>\n", f);
        if (compare_difference(f, a, b, &lb, &rows[CS_NOMINAL]) != 0)
            return -1;
        fputs("<figcaption>Per trial, on the same random numbers for the inputs both "
              "scenarios share.</figcaption>\n</figure>\n", f);
        compare_table(f, rows, &lb);
        if (compare_streams(f, a, b) != 0)
            return -1;
    } else {
        fputs("<p class=\"note\">The scenarios ran different numbers of trials, so they "
              "cannot be compared trial by trial.</p>\n", f);
    }

    const cs_results *rs[2] = {a, b};
    for (int s = 0; s < 2; s++) {
        labels l;
        cs_report_labels_init(&l, rs[s]);
        l.unit = lb.unit; /* one scale for the whole page */
        fprintf(f, "<h2>Scenario %s: ", s ? "B" : "A");
        cs_report_put_esc(f, rs[s]->model->name);
        fputs("</h2>\n", f);
        cs_report_headline(f, rs[s], &l);
        fputs("<table class=\"settings\"><tbody>\n", f);
        cs_report_settings_rows(f, rs[s], &l);
        fputs("</tbody></table>\n", f);
        cs_report_currency_table(f, rs[s]->model);
        cs_report_warnings_list(f, rs[s]->model);
        for (int ms = 0; ms < CS_N_MEASURES; ms++)
            cs_report_summary_table(f, rs[s], &l, (cs_measure)ms);
    }
    cs_report_doc_end(f, &lb);
    return 0;
}

int cs_report_html_compare_with_outputs(FILE *f, const cs_results *a, const cs_results *b,
                                        const cs_compare_row *rows,
                                        const cs_report_html_outputs *outputs, cs_diag *diag)
{
    int rc = html_compare(f, a, b, rows, outputs);
    if (rc != 0)
        cs_diag_add(diag, b->model->scenario_path, 0, NULL,
                    "out of memory while writing the HTML report");
    return rc;
}

int cs_report_html_compare(FILE *f, const cs_results *a, const cs_results *b,
                           const cs_compare_row *rows, cs_diag *diag)
{
    return cs_report_html_compare_with_outputs(f, a, b, rows, NULL, diag);
}
