/* report charts: the chart sections of the HTML report: S-curve (with
 * P50/P80 and budget marks), histogram, fan chart by year, tornado and
 * attribution, each with its table. */
#include "html_internal.h"
#include "report_internal.h"

static const char *const measure_dash[CS_N_MEASURES] = {"7 4", "", "2 3"};

/* Okabe-Ito colours: distinguishable with the common colour-vision
 * deficiencies; each measure also gets its own dash pattern for grey print. */
static const char *const measure_colour[CS_N_MEASURES] = {"#0072B2", "#D55E00", "#009E73"};

void cs_report_widen(double *lo, double *hi, double v)
{
    if (isfinite(v)) {
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
    }
}

void cs_report_widen_for_budget(double *lo, double *hi, const cs_results *r)
{
    if (!r->has_budget || !isfinite(r->budget))
        return;
    cs_report_widen(lo, hi, r->budget);
    /* A budget at an end of the range would be drawn on the frame, where
     * it cannot be seen: leave it some room. */
    double room = 0.04 * (*hi - *lo);
    if (r->budget - *lo < room / 2)
        *lo -= room;
    if (*hi - r->budget < room / 2)
        *hi += room;
}

void cs_report_scurve_path(chart *c, const double *sorted, uint64_t n, const char *colour,
                 const char *dash, double width)
{
    fputs("<polyline fill=\"none\" stroke-linejoin=\"round\" points=\"", c->f);
    double px = 0, py = 0;
    for (int k = 0; k <= SCURVE_POINTS; k++) {
        double p = (double)k / SCURVE_POINTS;
        double v = cs_stats_percentile_sorted(sorted, (size_t)n, p);
        double x = cs_report_px(c, v), y = cs_report_py(c, p * 100);
        fprintf(c->f, "%s%.1f,%.1f", k ? " " : "", x, y);
        if (k > 0) /* marker labels keep off the curve */
            cs_report_reserve_line(c, px, py, x, y);
        px = x;
        py = y;
    }
    fprintf(c->f, "\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s/>\n", colour, width,
            dash[0] ? " stroke-dasharray=\"" : "", dash, dash[0] ? "\"" : "");
}

/* Horizontal reference lines at 50 % and 80 %, labelled at the right. */
void cs_report_p50_p80_lines(chart *c)
{
    static const double lv[2] = {50, 80};
    for (int i = 0; i < 2; i++) {
        double y = cs_report_py(c, lv[i]);
        fprintf(c->f, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                c->left, y, c->right, y);
        cs_report_text_at(c, c->right + 5, y + 4, i ? "P80" : "P50", FS, 's', "strong", NULL);
    }
}

/* The budget on an S-curve chart: a line at the budget over the plot's
 * height and across from where it meets its measure's curve; dash tells
 * A's from B's in a comparison. Named in the legend (budget_legend). */
void cs_report_budget_marks_in(chart *c, const cs_results *r, const char *dash,
                               const char *colour, bool on_curve)
{
    if (!r->has_budget || !isfinite(r->budget))
        return;
    double x = cs_report_px(c, r->budget), y = cs_report_py(c, r->budget_confidence * 100);
    /* The budget over the whole height (visible even when the confidence is
     * near 0 or 100 %), and from where it meets the curve of its measure
     * across to the probability axis. */
    cs_report_vline(c, x, colour, dash, 1.5);
    if (!on_curve)
        return;
    fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                  "stroke-width=\"1.5\" stroke-dasharray=\"%s\"/>\n",
            x, y, c->left, y, colour, dash);
    cs_report_dot(c, x, y, colour);
}

void cs_report_budget_marks(chart *c, const cs_results *r, const char *dash)
{
    cs_report_budget_marks_in(c, r, dash, COLOUR_BUDGET, true);
}

/* The legend text of r's budget: "A budget 60.0 trillion KRW, constant
 * 2026 (24.4 % of trials within)"; who is "A", "B" or "". */
void cs_report_budget_legend(char *buf, size_t size, const cs_results *r, const labels *lb,
                             const char *who)
{
    char money[MONEY_LEN], conf[NUM_LEN];
    cs_report_fmt_money(money, sizeof money, r->budget, lb);
    cs_report_fmt_share(conf, sizeof conf, r->budget_confidence);
    snprintf(buf, size, "%s%s %s, %s (%s %% of trials within)", who,
             *who ? " budget" : "Budget", money, lb->basis[r->model->budget_measure], conf);
    cs_report_utf8_trim_partial(buf);
}

/* The legend of the run's S-curves: a row naming the three curves, then
 * the then-year P50, P80, point estimate and budget with their values.
 * The values are here and not beside the markers, where they would cross
 * a curve whenever the curves run close. names holds the texts. */
static size_t scurve_legend(legend_item *items, char names[][LABEL_LEN], const cs_results *r,
                            const labels *lb)
{
    size_t n = 0;
    for (int m = 0; m < CS_N_MEASURES; m++)
        items[n++] = (legend_item){lb->title[m], measure_colour[m], measure_dash[m], false,
                                   m == CS_NOMINAL ? 3 : 2};
    items[n++] = LEGEND_BREAK;
    const cs_summary_row *t = &r->rows[CS_NOMINAL][0];
    const char *col = measure_colour[CS_NOMINAL];
    char money[MONEY_LEN], pct[NUM_LEN];
    snprintf(names[0], LABEL_LEN, "Then-year P50: %s",
             cs_report_fmt_money(money, sizeof money, t->p[CS_P50], lb));
    items[n++] = (legend_item){names[0], col, "", false, LEGEND_DOT};
    snprintf(names[1], LABEL_LEN, "Then-year P80: %s",
             cs_report_fmt_money(money, sizeof money, t->p[CS_P80], lb));
    items[n++] = (legend_item){names[1], col, "", false, LEGEND_DOT};
    cs_report_point_label(pct, sizeof pct, t->point_percentile);
    snprintf(names[2], LABEL_LEN, "Then-year point estimate: %s, at %s",
             cs_report_fmt_money(money, sizeof money, t->point, lb), pct);
    items[n++] = (legend_item){names[2], col, "", false, LEGEND_DIAMOND};
    if (r->has_budget && isfinite(r->budget)) {
        cs_report_budget_legend(names[3], LABEL_LEN, r, lb, "");
        items[n++] = (legend_item){names[3], COLOUR_BUDGET, "5 3", false, 1.5};
    }
    return n;
}

void cs_report_section_scurve(FILE *f, const cs_results *r, const labels *lb)
{
    uint64_t n = r->trials;
    double lo = INFINITY, hi = -INFINITY;
    for (int m = 0; m < CS_N_MEASURES; m++) {
        cs_report_widen(&lo, &hi, r->sorted[m][0]);
        cs_report_widen(&lo, &hi, r->sorted[m][n - 1]);
        cs_report_widen(&lo, &hi, r->rows[m][0].point);
    }
    cs_report_widen_for_budget(&lo, &hi, r);
    ticks tx = cs_report_nice_ticks(lo, hi, 7);
    unit u = lb->unit; /* one scale per report */

    legend_item items[CS_N_MEASURES + 5];
    char names[4][LABEL_LEN];
    size_t n_items = scurve_legend(items, names, r, lb);
    /* the plot starts below the legend's last row */
    double top = 56 + LEGEND_ROW * (cs_report_legend_rows(70, 770, items, n_items) - 1);
    chart c;
    cs_report_chart_begin(&c, f, 820, top + 414,
                          "S-curve: cumulative probability of the total cost");
    cs_report_chart_frame(&c, 70, 770, top, top + 344);
    cs_report_chart_scale(&c, tx.lo, tx.hi, 0, 100);
    cs_report_legend(&c, 22, items, n_items);
    ticks ty = {0, 100, 10};
    cs_report_y_axis(&c, ty, 1, 0, "%", "Cumulative probability (share of trials \xe2\x89\xa4 total)");
    char title[200];
    snprintf(title, sizeof title, "Total cost, %s %s \xe2\x80\x94 %s / %s / %s (see legend)",
             u.word, lb->cur, lb->basis[CS_NOMINAL], lb->basis[CS_CONSTANT], lb->basis[CS_PV]);
    cs_report_x_axis_amount(&c, tx, u, title);
    cs_report_p50_p80_lines(&c);
    for (int m = CS_N_MEASURES - 1; m >= 0; m--) /* nominal drawn over constant */
        if (m != CS_NOMINAL)
            cs_report_scurve_path(&c, r->sorted[m], n, measure_colour[m], measure_dash[m], 2);
    cs_report_scurve_path(&c, r->sorted[CS_NOMINAL], n, measure_colour[CS_NOMINAL], "", 3);
    cs_report_budget_marks(&c, r, "5 3");
    for (int m = 0; m < CS_N_MEASURES; m++) {
        const cs_summary_row *t = &r->rows[m][0];
        cs_report_dot(&c, cs_report_px(&c, t->p[CS_P50]), cs_report_py(&c, 50), measure_colour[m]);
        cs_report_dot(&c, cs_report_px(&c, t->p[CS_P80]), cs_report_py(&c, 80), measure_colour[m]);
        cs_report_diamond(&c, cs_report_px(&c, t->point), cs_report_py(&c, t->point_percentile), measure_colour[m]);
    }
    cs_report_frame(&c);
    chart_end(&c);
}

/* Key numbers of the S-curve, one row per measure, with the tables'
 * decimals. */
void cs_report_scurve_table(FILE *f, const cs_results *r, const labels *lb)
{
    unit u = lb->unit; /* one scale per report */
    fprintf(f, "<table class=\"num compact\"><thead><tr><th>Measure (%s %s)</th>"
               "<th>Point estimate</th><th>Point percentile</th><th>Mean</th>"
               "<th class=\"key\">P50</th><th class=\"key\">P80</th></tr></thead><tbody>\n",
            u.word, lb->cur);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        const cs_summary_row *t = &r->rows[m][0];
        char a[NUM_LEN], b[NUM_LEN], c[NUM_LEN], d[NUM_LEN], e[NUM_LEN];
        fprintf(f, "<tr><th><span class=\"swatch\" style=\"background:%s\"></span>%s</th>"
                   "<td>%s</td><td>%s %%</td><td>%s</td><td class=\"key\">%s</td>"
                   "<td class=\"key\">%s</td></tr>\n",
                measure_colour[m], lb->title[m],
                cs_report_fmt_num(a, sizeof a, t->point / u.div, TABLE_DECIMALS),
                cs_report_fmt_share(b, sizeof b, t->point_percentile / 100),
                cs_report_fmt_num(c, sizeof c, t->mean / u.div, TABLE_DECIMALS),
                cs_report_fmt_num(d, sizeof d, t->p[CS_P50] / u.div, TABLE_DECIMALS),
                cs_report_fmt_num(e, sizeof e, t->p[CS_P80] / u.div, TABLE_DECIMALS));
    }
    fputs("</tbody></table>\n", f);
}

/* Bins of width w aligned on multiples of w (so edges fall on ticks); about
 * 2 n^(1/3) of them (Rice's rule), 8 to 40, so 200 trials do not look like
 * a comb and a million do not look like a block. */
int cs_report_bin_target(uint64_t n)
{
    double k = 2 * cbrt((double)n);
    return k < 8 ? 8 : k > 40 ? 40 : (int)k;
}

int cs_report_bins_make(bins *b, double lo, double hi, int target)
{
    ticks t = cs_report_nice_ticks(lo, hi, target);
    b->width = t.step;
    b->start = floor(lo / t.step) * t.step;
    double n = floor((hi / 2 - b->start / 2) / t.step * 2) + 1; /* halves: past DBL_MAX */
    b->n = isfinite(n) && n >= 1 && n < 1e6 ? (size_t)n : 1;
    b->count = calloc(b->n, sizeof *b->count);
    return b->count ? 0 : -1;
}

void cs_report_bins_add(bins *b, double v)
{
    double k = floor((v / 2 - b->start / 2) / b->width * 2);
    size_t i = k < 0 ? 0 : (size_t)k >= b->n ? b->n - 1 : (size_t)k;
    b->count[i]++;
}

/* Bars of a histogram (percent of n trials), coloured by a threshold:
 * bins left of `split` in colour_lo, others colour_hi. */
void cs_report_bars(chart *c, const bins *b, uint64_t n, double split, const char *colour_lo,
          const char *colour_hi)
{
    for (size_t i = 0; i < b->n; i++) {
        if (!b->count[i])
            continue;
        double x0 = b->start + i * b->width, x1 = x0 + b->width;
        double pct = 100.0 * (double)b->count[i] / (double)n;
        double X0 = cs_report_px(c, x0), X1 = cs_report_px(c, x1), Y = cs_report_py(c, pct);
        const char *col = (x0 + x1) / 2 < split ? colour_lo : colour_hi;
        fprintf(c->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                      "fill-opacity=\"0.55\" stroke=\"%s\" stroke-width=\"0.6\"/>\n",
                X0, Y, fmax(X1 - X0, 0.5), c->bottom - Y, col, col);
    }
}

double cs_report_bins_max_pct(const bins *b, uint64_t n)
{
    uint64_t mx = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->count[i] > mx)
            mx = b->count[i];
    return 100.0 * (double)mx / (double)n;
}

void cs_report_bins_range(const bins *b, double lo, double hi, double *xlo, double *xhi)
{
    *xlo = b->start;
    *xhi = b->start + (double)b->n * b->width;
    if (!(hi > lo)) {
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.05 : 1;
        cs_report_widen(xlo, xhi, lo - pad);
        cs_report_widen(xlo, xhi, hi + pad);
    }
}

double cs_report_bins_top(const bins *b, uint64_t n, double headroom)
{
    return fmin(cs_report_bins_max_pct(b, n) * headroom, 100);
}

int cs_report_section_histogram(FILE *f, const cs_results *r, const labels *lb)
{
    const double *s = r->sorted[CS_NOMINAL];
    uint64_t n = r->trials;
    const cs_summary_row *t = &r->rows[CS_NOMINAL][0];
    double lo = s[0], hi = s[n - 1];
    bins b;
    if (cs_report_bins_make(&b, lo, hi, cs_report_bin_target(n)) != 0)
        return -1;
    for (uint64_t j = 0; j < n; j++)
        cs_report_bins_add(&b, s[j]);
    double xlo, xhi;
    cs_report_bins_range(&b, lo, hi, &xlo, &xhi);
    cs_report_widen(&xlo, &xhi, t->point);
    /* The budget is marked here only when it is a then-year one: a constant
     * or present-value budget on this axis would be compared with the
     * wrong total (the S-curve shows it on its own measure's curve). */
    bool budget_here = r->has_budget && r->model->budget_measure == CS_NOMINAL;
    if (budget_here)
        cs_report_widen_for_budget(&xlo, &xhi, r);
    ticks tx = cs_report_nice_ticks(xlo, xhi, 7);
    unit u = lb->unit; /* one scale per report */
    ticks ty = cs_report_nice_ticks(0, cs_report_bins_top(&b, n, 1.25), 5);

    chart c;
    cs_report_chart_begin(&c, f, 820, 420, "Histogram of the nominal total");
    cs_report_chart_frame(&c, 70, 780, 60, 350);
    cs_report_chart_scale(&c, tx.lo, tx.hi, 0, ty.hi);
    cs_report_y_axis(&c, ty, 1, cs_report_tick_decimals(ty, (unit){1, ""}), "%", "Share of trials");
    char title[160];
    snprintf(title, sizeof title, "Nominal total, %s %s, %s", u.word, lb->cur,
             lb->basis[CS_NOMINAL]);
    cs_report_x_axis_amount(&c, tx, u, title);
    cs_report_bars(&c, &b, n, -INFINITY, measure_colour[CS_NOMINAL], measure_colour[CS_NOMINAL]);
    free(b.count);

    /* The marker lines are named in a legend above the plot: their labels
     * at the lines would cross each other's lines when the values are
     * close (P50, budget and P80 often are). */
    char money[MONEY_LEN], pct[NUM_LEN], names[4][LABEL_LEN];
    legend_item items[4];
    size_t n_items = 0;
    cs_report_vline(&c, cs_report_px(&c, t->p[CS_P50]), COLOUR_MARK, "", 1.5);
    cs_report_vline(&c, cs_report_px(&c, t->p[CS_P80]), COLOUR_MARK, "6 3", 1.5);
    cs_report_vline(&c, cs_report_px(&c, t->point), COLOUR_MARK, "2 2", 1.5);
    snprintf(names[0], sizeof names[0], "P50 %s",
             cs_report_fmt_money(money, sizeof money, t->p[CS_P50], lb));
    items[n_items++] = (legend_item){names[0], COLOUR_MARK, "", false, 1.5};
    snprintf(names[1], sizeof names[1], "P80 %s",
             cs_report_fmt_money(money, sizeof money, t->p[CS_P80], lb));
    items[n_items++] = (legend_item){names[1], COLOUR_MARK, "6 3", false, 1.5};
    cs_report_point_label(pct, sizeof pct, t->point_percentile);
    snprintf(names[2], sizeof names[2], "Point estimate %s (%s)",
             cs_report_fmt_money(money, sizeof money, t->point, lb), pct);
    items[n_items++] = (legend_item){names[2], COLOUR_MARK, "2 2", false, 1.5};
    if (budget_here) {
        cs_report_vline(&c, cs_report_px(&c, r->budget), COLOUR_BUDGET, "5 3", 1.5);
        cs_report_fmt_share(pct, sizeof pct, r->budget_confidence);
        snprintf(names[3], sizeof names[3], "Budget %s (%s %% confidence)",
                 cs_report_fmt_money(money, sizeof money, r->budget, lb), pct);
        items[n_items++] = (legend_item){names[3], COLOUR_BUDGET, "5 3", false, 1.5};
    }
    cs_report_legend(&c, 22, items, n_items);
    cs_report_frame(&c);
    chart_end(&c);
    return 0;
}

/* Year labels every 1, 2, 5, 10... years, at least ~48 units apart. */
static int year_step(size_t n_years, double width)
{
    static const int steps[] = {1, 2, 5, 10, 20, 50, 100};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (width * steps[i] / (double)(n_years > 1 ? n_years - 1 : 1) >= 48)
            return steps[i];
    return 100;
}

void cs_report_section_fan(FILE *f, const cs_results *r, const labels *lb)
{
    size_t ny = r->n_years;
    if (ny == 0) {
        fputs("<p class=\"note\">No trial had a cash flow.</p>\n", f);
        return;
    }
    double lo = 0, hi = 0;
    for (size_t i = 0; i < ny; i++) {
        cs_report_widen(&lo, &hi, r->year_p10[i]);
        cs_report_widen(&lo, &hi, r->year_p90[i]);
        cs_report_widen(&lo, &hi, r->year_mean[i]);
    }
    ticks ty = cs_report_nice_ticks(lo, hi * 1.05, 6);
    unit u = lb->unit; /* one scale per report */

    chart c;
    cs_report_chart_begin(&c, f, 820, 420, "Funding profile: nominal cost per year");
    cs_report_chart_frame(&c, 80, 790, 44, 360);
    /* half a year of margin so the first and last years are not on the frame */
    cs_report_chart_scale(&c, r->first_year - 0.5, r->first_year + (double)ny - 0.5, ty.lo, ty.hi);
    legend_item items[] = {
        {"P10\xe2\x80\x93P90 (80 % of trials)", measure_colour[CS_NOMINAL], "", true, 0},
        {"P50", measure_colour[CS_NOMINAL], "", false, 2.5},
        {"Mean", COLOUR_MARK, "6 4", false, 1.5},
    };
    cs_report_legend(&c, 22, items, sizeof items / sizeof items[0]);
    char title[160];
    snprintf(title, sizeof title, "Nominal cost per year, %s %s, %s", u.word, lb->cur,
             lb->basis[CS_NOMINAL]);
    cs_report_y_axis(&c, ty, u.div, cs_report_tick_decimals(ty, u), "", title);
    int step = year_step(ny, c.right - c.left);
    for (size_t i = 0; i < ny; i++) {
        int year = r->first_year + (int)i;
        double x = cs_report_px(&c, year);
        fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                c.bottom, x, c.bottom + (year % step == 0 ? 5 : 2.5));
        if (year % step == 0) {
            char lab[16];
            snprintf(lab, sizeof lab, "%d", year);
            cs_report_text_at(&c, x, c.bottom + 18, lab, FS, 'm', NULL, NULL);
        }
    }
    cs_report_text_at(&c, (c.left + c.right) / 2, c.bottom + 40, "Year (then-year amounts)", FS_AXIS, 'm',
            "axis-title", NULL);
    fputs("<polygon fill-opacity=\"0.25\" stroke=\"none\" fill=\"", f);
    fputs(measure_colour[CS_NOMINAL], f);
    fputs("\" points=\"", f);
    for (size_t i = 0; i < ny; i++)
        fprintf(f, "%s%.1f,%.1f", i ? " " : "", cs_report_px(&c, r->first_year + (double)i),
                cs_report_py(&c, r->year_p90[i]));
    for (size_t i = ny; i-- > 0;)
        fprintf(f, " %.1f,%.1f", cs_report_px(&c, r->first_year + (double)i), cs_report_py(&c, r->year_p10[i]));
    fputs("\"/>\n", f);
    const double *series[2] = {r->year_p50, r->year_mean};
    for (int s = 0; s < 2; s++) {
        fputs("<polyline fill=\"none\" stroke-linejoin=\"round\" points=\"", f);
        for (size_t i = 0; i < ny; i++)
            fprintf(f, "%s%.1f,%.1f", i ? " " : "", cs_report_px(&c, r->first_year + (double)i),
                    cs_report_py(&c, series[s][i]));
        fprintf(f, "\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
                s ? COLOUR_MARK : measure_colour[CS_NOMINAL], s ? "1.5" : "2.5",
                s ? " stroke-dasharray=\"6 4\"" : "");
    }
    if (ny == 1) /* a single year has no line to draw */
        cs_report_dot(&c, cs_report_px(&c, r->first_year), cs_report_py(&c, r->year_p50[0]), measure_colour[CS_NOMINAL]);
    cs_report_frame(&c);
    chart_end(&c);
}

const char *cs_report_kind_word(cs_input_kind k)
{
    switch (k) {
    case CS_INPUT_ELEMENT: return "element";
    case CS_INPUT_RISK: return "risk";
    case CS_INPUT_SLIP: return "schedule slip";
    case CS_INPUT_INFLATION: return "inflation";
    case CS_INPUT_FX: return "exchange rate";
    }
    return "";
}

/* The label of an input on the tornado: "id (kind)" or "CAD inflation". */
static void input_label(const cs_results *r, cs_input_kind kind, const char *input, char *buf,
                        size_t size)
{
    (void)r;
    char cut[160];
    cs_report_truncate_utf8(input ? input : "", 28, cut, sizeof cut);
    if (kind == CS_INPUT_SLIP)
        snprintf(buf, size, "Schedule slip");
    else if (kind == CS_INPUT_INFLATION || kind == CS_INPUT_FX)
        snprintf(buf, size, "%s %s", cut, cs_report_kind_word(kind));
    else
        snprintf(buf, size, "%s (%s)", cut, cs_report_kind_word(kind));
}

void cs_report_section_tornado(FILE *f, const cs_results *r, const labels *lb)
{
    size_t n = r->n_tornado;
    if (n == 0) {
        fputs("<p class=\"note\">No uncertain inputs.</p>\n", f);
        return;
    }
    char names[10][200];
    double name_w = 0;
    double lo = r->tornado[0].p50, hi = lo;
    size_t shown = n < 10 ? n : 10;
    for (size_t i = 0; i < shown; i++) {
        input_label(r, r->tornado[i].kind, r->tornado[i].input, names[i], sizeof names[i]);
        name_w = fmax(name_w, cs_report_text_width(names[i], FS));
        cs_report_widen(&lo, &hi, r->tornado[i].low);
        cs_report_widen(&lo, &hi, r->tornado[i].high);
    }
    double left = fmin(fmax(name_w + 16, 110), 330);
    double right = 790, plot_w = right - left;
    /* room for the value labels (~70 units) beside the longest bars */
    double half_span = hi > lo ? hi / 2 - lo / 2 : fabs(hi) * 0.05 + 0.5; /* no overflow */
    double pad = half_span / (plot_w - 140) * 140;
    ticks tx = cs_report_nice_ticks(lo - pad, hi + pad, 6);
    unit u = lb->unit; /* one scale per report */
    int dec = fabs(hi) / u.div < 100 ? 2 : 1;

    double row_h = 30;
    chart c;
    cs_report_chart_begin(&c, f, 820, 84 + 56 + row_h * shown,
                          "Tornado: the inputs that swing the nominal P50 most");
    cs_report_chart_frame(&c, left, right, 56, 56 + row_h * shown + 6);
    cs_report_chart_scale(&c, tx.lo, tx.hi, 0, 0);
    legend_item items[] = {
        {"Input at its P10 (risk absent)", COLOUR_A, "", true, 0},
        {"Input at its P90 (risk at P90 impact)", COLOUR_B, "", true, 0},
    };
    cs_report_legend(&c, 22, items, 2);
    char title[160];
    snprintf(title, sizeof title, "Nominal total P50, %s %s, %s", u.word, lb->cur,
             lb->basis[CS_NOMINAL]);
    cs_report_x_axis_amount(&c, tx, u, title);
    double p50 = r->tornado[0].p50;
    for (size_t i = 0; i < shown; i++) {
        const cs_tornado *t = &r->tornado[i];
        double yc = c.top + 6 + row_h * (i + 0.5);
        cs_report_text_at(&c, c.left - 8, yc + 4, names[i], FS, 'e', NULL, NULL);
        double xp = cs_report_px(&c, p50);
        const double v[2] = {t->low, t->high};
        const char *col[2] = {COLOUR_A, COLOUR_B};
        for (int s = 0; s < 2; s++) {
            double xv = cs_report_px(&c, v[s]);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                       "fill-opacity=\"0.75\"/>\n",
                    fmin(xp, xv), yc - row_h * 0.32, fmax(fabs(xv - xp), 0.8), row_h * 0.64,
                    col[s]);
        }
        /* value labels outside the bar ends: the smaller value left */
        char a[NUM_LEN], b[NUM_LEN];
        double vmin = fmin(t->low, t->high), vmax = fmax(t->low, t->high);
        cs_report_fmt_num(a, sizeof a, vmin / u.div, dec);
        cs_report_fmt_num(b, sizeof b, vmax / u.div, dec);
        cs_report_text_at(&c, fmin(cs_report_px(&c, vmin), xp) - 4, yc + 4, a, FS, 'e', NULL, NULL);
        cs_report_text_at(&c, fmax(cs_report_px(&c, vmax), xp) + 4, yc + 4, b, FS, 's', NULL, NULL);
    }
    cs_report_vline(&c, cs_report_px(&c, p50), COLOUR_MARK, "", 1.2);
    char money[MONEY_LEN], lab[LABEL_LEN];
    snprintf(lab, sizeof lab, "P50 %s", cs_report_fmt_money(money, sizeof money, p50, lb));
    cs_report_text_at(&c, cs_report_px(&c, p50), c.top - 4, lab, FS, 'm', "strong", NULL);
    cs_report_frame(&c);
    chart_end(&c);
}

/* Attribution: each source's Shapley share of the nominal total's variance
 * as a bar with its 95 % error bar (1.96 standard errors). */
void cs_report_section_attribution(FILE *f, const cs_results *r)
{
    size_t n = r->n_attribution;
    if (n == 0)
        return;
    double lo = 0, hi = 0, name_w = 0;
    for (size_t i = 0; i < n; i++) {
        const cs_attribution *a = &r->attribution[i];
        double e = isfinite(a->shapley_se) ? 1.96 * a->shapley_se : 0;
        cs_report_widen(&lo, &hi, (a->shapley_share - e) * 100);
        cs_report_widen(&lo, &hi, (a->shapley_share + e) * 100);
        name_w = fmax(name_w, cs_report_text_width(a->source, FS));
    }
    double left = fmax(name_w + 16, 100), right = 760;
    double span = hi - lo > 0 ? hi - lo : 1;
    double pad = span * 50 / (right - left - 100);
    ticks tx = cs_report_nice_ticks(lo < 0 ? lo - pad : 0, hi + pad, 6);
    double row_h = 26;
    chart c;
    cs_report_chart_begin(&c, f, 820, 80 + row_h * n + 10,
                          "Variance attribution by source (Shapley shares)");
    cs_report_chart_frame(&c, left, right, 14, 14 + row_h * n + 6);
    cs_report_chart_scale(&c, tx.lo, tx.hi, 0, 0);
    for (int i = 0; i <= tick_count(tx); i++) {
        double v = tx.lo + i * tx.step, x = cs_report_px(&c, v);
        char lab[NUM_LEN + 8], num[NUM_LEN];
        cs_report_fmt_num(num, sizeof num, fabs(v) < tx.step * 1e-6 ? 0 : v, cs_report_tick_decimals(tx, (unit){1, ""}));
        snprintf(lab, sizeof lab, "%s%%", num);
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                c.top, x, c.bottom);
        cs_report_text_at(&c, x, c.bottom + 17, lab, FS, 'm', NULL, NULL);
    }
    cs_report_text_at(&c, (c.left + c.right) / 2, c.bottom + 38,
            "Shapley share of the variance of the nominal (then-year) total, with 95 % error bars",
            FS_AXIS, 'm', "axis-title", NULL);
    double x0 = cs_report_px(&c, 0);
    for (size_t i = 0; i < n; i++) {
        const cs_attribution *a = &r->attribution[i];
        double v = a->shapley_share * 100, yc = c.top + 6 + row_h * (i + 0.5);
        double e = isfinite(a->shapley_se) ? 1.96 * a->shapley_se * 100 : 0;
        double xv = cs_report_px(&c, v);
        cs_report_text_at(&c, c.left - 8, yc + 4, a->source, FS, 'e', NULL, NULL);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                   "fill-opacity=\"0.8\"/>\n",
                fmin(x0, xv), yc - row_h * 0.3, fmax(fabs(xv - x0), 0.8), row_h * 0.6, COLOUR_A);
        double xl = cs_report_px(&c, v - e), xh = cs_report_px(&c, v + e);
        fprintf(f, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fV%.1f\" stroke=\"#333\" "
                   "fill=\"none\"/>\n",
                xl, yc - 5, yc + 5, xl, yc, xh, xh, yc - 5, yc + 5);
        char num[NUM_LEN], se[NUM_LEN], lab[2 * NUM_LEN + 16];
        cs_report_fmt_share(num, sizeof num, a->shapley_share);
        cs_report_fmt_num(se, sizeof se, isfinite(a->shapley_se) ? a->shapley_se * 100 : 0, 1);
        snprintf(lab, sizeof lab, "%s %% \xc2\xb1 %s", num, se);
        cs_report_text_at(&c, fmax(fmax(xv, x0), xh) + 4, yc + 4, lab, FS, 's', NULL, NULL);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x0,
            c.top, x0, c.bottom);
    cs_report_frame(&c);
    chart_end(&c);
}
