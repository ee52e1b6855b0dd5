/* report html_schedule: the HTML report's sections for the schedule and
 * the funding outputs (docs/OUTPUTS.md): the funding profile in constant and
 * nominal money, the schedule S-curve of the first and last delivery with
 * the target, the joint cost and schedule scatter with the budget and
 * target lines and the share of trials in each quadrant, the allocation
 * table, and the headline figures (cv, schedule and joint confidence).
 * Computes nothing from the trials but counts for the scatter's
 * quadrants. */
#include "html_internal.h"

static const char *const colour_constant = "#0072B2", *const colour_nominal = "#D55E00";
static const char *const colour_target = "#009E73";

/* Year labels every 1, 2, 5, 10... years, at least ~48 units apart. */
static int years_step(double n_years, double width)
{
    static const int steps[] = {1, 2, 5, 10, 20, 50, 100};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (width * steps[i] / (n_years > 1 ? n_years - 1 : 1) >= 48)
            return steps[i];
    return 100;
}

/* A year axis along the bottom from year lo to hi (whole years). */
static void year_axis(chart *c, int lo, int hi, const char *title)
{
    int step = years_step(hi - lo + 1, c->right - c->left);
    for (int year = lo; year <= hi; year++) {
        double x = cs_report_px(c, year);
        fprintf(c->f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                x, c->bottom, x, c->bottom + (year % step == 0 ? 5 : 2.5));
        if (year % step == 0) {
            char lab[16];
            snprintf(lab, sizeof lab, "%d", year);
            cs_report_text_at(c, x, c->bottom + 18, lab, FS, 'm', NULL, NULL);
        }
    }
    cs_report_text_at(c, (c->left + c->right) / 2, c->bottom + 40, title, FS_AXIS, 'm',
                      "axis-title", NULL);
}

static void polyline(chart *c, int first_year, const double *v, size_t n, const char *colour,
                     const char *width, const char *dash)
{
    fputs("<polyline fill=\"none\" stroke-linejoin=\"round\" points=\"", c->f);
    for (size_t i = 0; i < n; i++)
        fprintf(c->f, "%s%.1f,%.1f", i ? " " : "", cs_report_px(c, first_year + (double)i),
                cs_report_py(c, v[i]));
    fprintf(c->f, "\" stroke=\"%s\" stroke-width=\"%s\"%s%s%s/>\n", colour, width,
            dash[0] ? " stroke-dasharray=\"" : "", dash, dash[0] ? "\"" : "");
}

/* One fan chart of the funding profile in measure ms: the P10-P90 band,
 * P50, P80 and the mean. */
static void fan(FILE *f, const cs_results *r, const labels *lb, cs_measure ms)
{
    size_t ny = r->n_years;
    const double *mean = ms == CS_CONSTANT ? r->year_const_mean : r->year_mean;
    const double *p10 = ms == CS_CONSTANT ? r->year_const_p10 : r->year_p10;
    const double *p50 = ms == CS_CONSTANT ? r->year_const_p50 : r->year_p50;
    const double *p80 = ms == CS_CONSTANT ? r->year_const_p80 : r->year_p80;
    const double *p90 = ms == CS_CONSTANT ? r->year_const_p90 : r->year_p90;
    if (!mean || !p10 || !p50 || !p80 || !p90)
        return;
    const char *colour = ms == CS_CONSTANT ? colour_constant : colour_nominal;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < ny; i++) {
        cs_report_widen(&lo, &hi, p10[i]);
        cs_report_widen(&lo, &hi, p90[i]);
        cs_report_widen(&lo, &hi, mean[i]);
    }
    ticks ty = cs_report_nice_ticks(lo, hi * 1.05 + (hi == lo), 6);
    unit u = lb->unit; /* one scale per report, even where a year's cost is small */
    chart c;
    char title[200];
    snprintf(title, sizeof title, "Funding profile: cost per year, %s", lb->basis[ms]);
    cs_report_chart_begin(&c, f, 820, 400, title);
    cs_report_chart_frame(&c, 80, 790, 44, 340);
    cs_report_chart_scale(&c, r->first_year - 0.5, r->first_year + (double)ny - 0.5, ty.lo,
                          ty.hi);
    legend_item items[] = {
        {"P10\xe2\x80\x93P90 (80 % of trials)", colour, "", true, 0},
        {"P50", colour, "", false, 2.5},
        {"P80", colour, "4 3", false, 1.5},
        {"Mean", COLOUR_MARK, "6 4", false, 1.5},
    };
    cs_report_legend(&c, 22, items, sizeof items / sizeof items[0]);
    snprintf(title, sizeof title, "Cost per year, %s %s, %s", u.word, lb->cur, lb->basis[ms]);
    cs_report_y_axis(&c, ty, u.div, cs_report_tick_decimals(ty, u), "", title);
    year_axis(&c, r->first_year, r->first_year + (int)ny - 1, "Year");
    fputs("<polygon fill-opacity=\"0.25\" stroke=\"none\" fill=\"", f);
    fputs(colour, f);
    fputs("\" points=\"", f);
    for (size_t i = 0; i < ny; i++)
        fprintf(f, "%s%.1f,%.1f", i ? " " : "", cs_report_px(&c, r->first_year + (double)i),
                cs_report_py(&c, p90[i]));
    for (size_t i = ny; i-- > 0;)
        fprintf(f, " %.1f,%.1f", cs_report_px(&c, r->first_year + (double)i),
                cs_report_py(&c, p10[i]));
    fputs("\"/>\n", f);
    polyline(&c, r->first_year, p50, ny, colour, "2.5", "");
    polyline(&c, r->first_year, p80, ny, colour, "1.5", "4 3");
    polyline(&c, r->first_year, mean, ny, COLOUR_MARK, "1.5", "6 4");
    if (ny == 1)
        cs_report_dot(&c, cs_report_px(&c, r->first_year), cs_report_py(&c, p50[0]), colour);
    cs_report_frame(&c);
    chart_end(&c);
}

void cs_report_section_funding(FILE *f, const cs_results *r, const labels *lb, const char *h)
{
    fprintf(f, "<h2>%sFunding profile</h2>\n", h);
    if (r->n_years == 0) {
        fputs("<p class=\"note\">No trial had a cash flow.</p>\n", f);
        return;
    }
    fputs("<p class=\"note\">The cost paid in each year, in constant and in then-year money. "
          "Yearly percentiles do not add up to the total&#39;s percentiles: a year&#39;s P80 "
          "is reached in other trials than another year&#39;s, so the yearly P80s summed are "
          "not the total&#39;s P80, nor the yearly P50s summed the total&#39;s P50. Only the "
          "yearly means add up to the mean total. To phase a P50 or P80 "
          "budget, use the allocation below",
          f);
    fputs(lb->csv_files ? " or allocation.csv.</p>\n" : ".</p>\n", f);
    static const cs_measure order[2] = {CS_CONSTANT, CS_NOMINAL};
    for (int k = 0; k < 2; k++) {
        fputs("<figure>\n", f);
        fan(f, r, lb, order[k]);
        fprintf(f, "<figcaption>%s cost per year: the band holds the middle 80 %% of trials "
                   "in each year.</figcaption>\n</figure>\n",
                order[k] == CS_CONSTANT ? "Constant" : "Nominal (then-year)");
    }
}

/* ---- schedule S-curve ---- */

/* Share (percent) of trials whose first delivery plus offset is <= each
 * year lo .. hi. */
static void cumulative_share(const cs_results *r, int offset, int lo, int hi, double *out)
{
    size_t ny = (size_t)(hi - lo + 1);
    for (size_t y = 0; y < ny; y++)
        out[y] = 0;
    for (uint64_t j = 0; j < r->trials; j++) {
        long long y = (long long)r->trial_first_delivery[j] + offset - lo;
        if (y < 0)
            y = 0;
        if (y < (long long)ny)
            out[y] += 1;
    }
    double cum = 0;
    for (size_t y = 0; y < ny; y++) {
        cum += out[y];
        out[y] = 100.0 * cum / (double)r->trials;
    }
}

/* Steps of a cumulative share over whole years: flat until each year. */
static void steps(chart *c, int lo, const double *share, size_t ny, const char *colour,
                  const char *dash)
{
    fputs("<polyline fill=\"none\" points=\"", c->f);
    double prev = 0;
    for (size_t y = 0; y < ny; y++) {
        double x = cs_report_px(c, lo + (double)y);
        double next = y + 1 < ny ? cs_report_px(c, lo + (double)y + 1) : c->right;
        fprintf(c->f, "%s%.1f,%.1f %.1f,%.1f", y ? " " : "", x, cs_report_py(c, prev), x,
                cs_report_py(c, share[y]));
        /* The step's rise and its flat part, which the target's label avoids. */
        cs_report_reserve_line(c, x, cs_report_py(c, prev), x, cs_report_py(c, share[y]));
        cs_report_reserve_line(c, x, cs_report_py(c, share[y]), next, cs_report_py(c, share[y]));
        prev = share[y];
    }
    fprintf(c->f, " %.1f,%.1f\" stroke=\"%s\" stroke-width=\"2.5\"%s%s%s/>\n", c->right,
            cs_report_py(c, prev), colour, dash[0] ? " stroke-dasharray=\"" : "", dash,
            dash[0] ? "\"" : "");
}

static int schedule_chart(FILE *f, const cs_results *r)
{
    const cs_schedule_row *first = &r->schedule[0], *last = &r->schedule[1];
    int fmin = r->trial_first_delivery[0], fmax_ = fmin;
    for (uint64_t j = 1; j < r->trials; j++) {
        if (r->trial_first_delivery[j] < fmin)
            fmin = r->trial_first_delivery[j];
        if (r->trial_first_delivery[j] > fmax_)
            fmax_ = r->trial_first_delivery[j];
    }
    int offset = (int)(last->point - first->point);
    int lo = fmin - 1, hi = fmax_ + offset + 1;
    if (first->has_target) {
        if (first->target < lo)
            lo = (int)first->target - 1;
        if (first->target > hi)
            hi = (int)first->target + 1;
    }
    size_t ny = (size_t)(hi - lo + 1);
    double *a = malloc(ny * sizeof *a), *b = malloc(ny * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    cumulative_share(r, 0, lo, hi, a);
    cumulative_share(r, offset, lo, hi, b);
    chart c;
    cs_report_chart_begin(&c, f, 820, 400, "Schedule S-curve: share of trials delivering by "
                                           "each year");
    cs_report_chart_frame(&c, 70, 770, 56, 330);
    cs_report_chart_scale(&c, lo - 0.5, hi + 0.5, 0, 100);
    legend_item items[] = {
        {"First delivery (unit 1)", colour_nominal, "", false, 2.5},
        {"Last delivery", colour_constant, "6 4", false, 2.5},
        {"Schedule target", colour_target, "5 3", false, 1.5},
    };
    cs_report_legend(&c, 22, items, first->has_target ? 3 : 2);
    ticks ty = {0, 100, 10};
    cs_report_y_axis(&c, ty, 1, 0, "%", "Share of trials delivered by the year");
    year_axis(&c, lo, hi, "Delivery year (every slip included)");
    cs_report_p50_p80_lines(&c);
    steps(&c, lo, a, ny, colour_nominal, "");
    steps(&c, lo, b, ny, colour_constant, "6 4");
    if (first->has_target) {
        double x = cs_report_px(&c, first->target);
        cs_report_vline(&c, x, colour_target, "5 3", 1.5);
        char pct[NUM_LEN], lab[LABEL_LEN];
        cs_report_fmt_share(pct, sizeof pct, first->confidence);
        snprintf(lab, sizeof lab, "Target %.0f: %s %% of trials deliver unit 1 by then",
                 first->target, pct);
        cs_report_label_for_vline(&c, x, lab, colour_target);
    }
    cs_report_frame(&c);
    chart_end(&c);
    free(a);
    free(b);
    return 0;
}

static void schedule_table(FILE *f, const cs_results *r)
{
    fputs("<table class=\"num\"><thead><tr><th>Delivery</th><th class=\"num\">Point</th>"
          "<th class=\"num\">Mean</th><th class=\"num\">P10</th><th class=\"num\">P50</th>"
          "<th class=\"num\">P80</th><th class=\"num\">P90</th>"
          "<th class=\"num\">Confidence at target</th></tr></thead><tbody>\n",
          f);
    for (int i = 0; i < 2; i++) {
        const cs_schedule_row *s = &r->schedule[i];
        char v[NUM_LEN];
        fprintf(f, "<tr><td class=\"text\">%s</td>", i ? "Last unit" : "Unit 1");
        const double x[6] = {s->point, s->mean, s->p10, s->p50, s->p80, s->p90};
        for (int k = 0; k < 6; k++) /* years: no thousands separator */
            fprintf(f, "<td class=\"num\">%.*f</td>", k == 1 || fmod(x[k], 1) ? 1 : 0, x[k]);
        if (s->has_target) {
            char lo[NUM_LEN], hi[NUM_LEN];
            cs_report_fmt_share(v, sizeof v, s->confidence);
            cs_report_fmt_share(lo, sizeof lo, s->ci_low);
            cs_report_fmt_share(hi, sizeof hi, s->ci_high);
            fprintf(f, "<td class=\"num\">%s %% by %.0f (95 %% interval %s\xe2\x80\x93%s %%)</td>",
                    v, s->target, lo, hi);
        } else {
            fputs("<td class=\"num\">\xe2\x80\x94</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* ---- joint cost and schedule scatter ---- */

#define SCATTER_MAX 5000

/* A jitter in [-0.35, 0.35] years fixed by the trial index (splitmix64),
 * so the picture is the same in every run of the same trials. */
static double jitter(uint64_t j)
{
    uint64_t z = j + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return ((double)(z >> 11) / 9007199254740992.0 - 0.5) * 0.7;
}

static int jcl_chart(FILE *f, const cs_results *r, const labels *lb)
{
    const cs_model *m = r->model;
    /* The budget is in budget_measure; the scatter shows the total in that
     * measure so the budget line means what it says (nominal by default). */
    cs_measure ms = m->has_budget ? (cs_measure)m->budget_measure : CS_NOMINAL;
    const double *total = r->totals[ms];
    uint64_t n = r->trials, shown = n < SCATTER_MAX ? n : SCATTER_MAX;
    int ylo = r->trial_first_delivery[0], yhi = ylo;
    double lo = total[0], hi = total[0];
    for (uint64_t j = 0; j < n; j++) {
        if (r->trial_first_delivery[j] < ylo)
            ylo = r->trial_first_delivery[j];
        if (r->trial_first_delivery[j] > yhi)
            yhi = r->trial_first_delivery[j];
        cs_report_widen(&lo, &hi, total[j]);
    }
    if (m->has_budget)
        cs_report_widen(&lo, &hi, m->budget);
    if (m->has_schedule_target) {
        if (m->schedule_target < ylo)
            ylo = m->schedule_target;
        if (m->schedule_target > yhi)
            yhi = m->schedule_target;
    }
    ticks ty = cs_report_nice_ticks(lo, hi + (hi == lo), 6);
    unit u = lb->unit; /* one scale per report, though trials reach past the P90 */
    chart c;
    cs_report_chart_begin(&c, f, 820, 460, "Joint cost and schedule: total against first "
                                           "delivery year");
    cs_report_chart_frame(&c, 80, 790, 44, 390);
    cs_report_chart_scale(&c, ylo - 0.5, yhi + 0.5, ty.lo, ty.hi);
    char title[200];
    snprintf(title, sizeof title, "Total cost, %s %s, %s", u.word, lb->cur, lb->basis[ms]);
    cs_report_y_axis(&c, ty, u.div, cs_report_tick_decimals(ty, u), "", title);
    year_axis(&c, ylo, yhi, "First delivery year (points spread within their year)");
    fprintf(f, "<g fill=\"%s\" fill-opacity=\"0.35\">\n", colour_nominal);
    for (uint64_t j = 0; j < shown; j++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>\n",
                cs_report_px(&c, r->trial_first_delivery[j] + jitter(j)),
                cs_report_py(&c, total[j]));
    fputs("</g>\n", f);
    if (m->has_schedule_target) {
        double x = cs_report_px(&c, m->schedule_target + 0.5);
        cs_report_vline(&c, x, colour_target, "5 3", 1.5);
        char lab[LABEL_LEN];
        snprintf(lab, sizeof lab, "Target: unit 1 by %d", m->schedule_target);
        cs_report_label_for_vline(&c, x, lab, colour_target);
    }
    if (m->has_budget) {
        double y = cs_report_py(&c, m->budget);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n",
                c.left, y, c.right, y, COLOUR_BUDGET);
        char money[MONEY_LEN], lab[LABEL_LEN];
        cs_report_fmt_money(money, sizeof money, m->budget, lb);
        snprintf(lab, sizeof lab, "Budget %s", money);
        cs_report_text_at(&c, c.left + 6, y - 5, lab, FS, 's', "halo", COLOUR_BUDGET);
    }
    cs_report_frame(&c);
    chart_end(&c);
    return 0;
}

/* Shares of all trials on each side of the budget and the target. */
static void quadrant_table(FILE *f, const cs_results *r)
{
    const cs_model *m = r->model;
    if (!m->has_budget && !m->has_schedule_target)
        return;
    const double *total = r->totals[m->budget_measure];
    uint64_t q[2][2] = {{0, 0}, {0, 0}}; /* [late][over] */
    for (uint64_t j = 0; j < r->trials; j++) {
        int late = m->has_schedule_target && r->trial_first_delivery[j] > m->schedule_target;
        int over = m->has_budget && total[j] > m->budget;
        q[late][over]++;
    }
    double n = (double)r->trials;
    char a[NUM_LEN], b[NUM_LEN], c[NUM_LEN], d[NUM_LEN];
    cs_report_fmt_share(a, sizeof a, q[0][0] / n);
    cs_report_fmt_share(b, sizeof b, q[0][1] / n);
    cs_report_fmt_share(c, sizeof c, q[1][0] / n);
    cs_report_fmt_share(d, sizeof d, q[1][1] / n);
    fputs("<table class=\"num\"><thead><tr><th>Share of trials</th>", f);
    if (m->has_budget)
        fputs("<th class=\"num\">Within budget</th><th class=\"num\">Over budget</th>", f);
    else
        fputs("<th class=\"num\">All costs</th>", f);
    fputs("</tr></thead><tbody>\n", f);
    if (m->has_schedule_target) {
        fprintf(f, "<tr><td class=\"text\">Unit 1 by %d</td><td class=\"num\">%s %%</td>", m->schedule_target,
                a);
        if (m->has_budget)
            fprintf(f, "<td class=\"num\">%s %%</td>", b);
        fprintf(f, "</tr>\n<tr><td class=\"text\">Unit 1 later</td><td class=\"num\">%s %%</td>", c);
        if (m->has_budget)
            fprintf(f, "<td class=\"num\">%s %%</td>", d);
        fputs("</tr>\n", f);
    } else {
        fprintf(f, "<tr><td class=\"text\">Any delivery year</td><td class=\"num\">%s %%</td>"
                   "<td class=\"num\">%s %%</td></tr>\n",
                a, b);
    }
    fputs("</tbody></table>\n", f);
}

int cs_report_section_schedule(FILE *f, const cs_results *r, const labels *lb, const char *h)
{
    if (!r->has_schedule || !r->trial_first_delivery || r->trials == 0)
        return 0;
    fprintf(f, "<h2>%sSchedule</h2>\n<figure>\n", h);
    if (schedule_chart(f, r) != 0)
        return -1;
    fputs("<figcaption>Share of trials in which unit 1 (solid) and the last unit (dashed) "
          "are delivered by each year, every slip included.</figcaption>\n",
          f);
    schedule_table(f, r);
    fputs("</figure>\n", f);

    fprintf(f, "<h2>%sJoint cost and schedule confidence</h2>\n<figure>\n", h);
    if (jcl_chart(f, r, lb) != 0)
        return -1;
    uint64_t shown = r->trials < SCATTER_MAX ? r->trials : SCATTER_MAX;
    char n1[NUM_LEN], n2[NUM_LEN];
    cs_report_fmt_num(n1, sizeof n1, (double)shown, 0);
    cs_report_fmt_num(n2, sizeof n2, (double)r->trials, 0);
    fprintf(f, "<figcaption>One dot per trial (the first %s of %s), spread within its "
               "delivery year so that the dots do not overlap. The joint confidence is the "
               "share of trials left of the target and below the budget%s</figcaption>\n",
            n1, n2,
            lb->csv_files ? "; jcl.csv gives it for every year and budget level." : ".");
    quadrant_table(f, r);
    if (r->has_joint) {
        char v[NUM_LEN], lo[NUM_LEN], hi[NUM_LEN];
        cs_report_fmt_share(v, sizeof v, r->joint_confidence);
        cs_report_fmt_share(lo, sizeof lo, r->joint_ci[0]);
        cs_report_fmt_share(hi, sizeof hi, r->joint_ci[1]);
        fprintf(f, "<p>Joint confidence: <strong>%s %%</strong> of trials deliver unit 1 by "
                   "%d and cost no more than the budget (95 %% interval %s\xe2\x80\x93%s %%).</p>\n",
                v, r->model->schedule_target, lo, hi);
    }
    fputs("</figure>\n", f);
    return 0;
}

/* ---- allocation ---- */

static void allocation_row(FILE *f, const char *label, const char *cls, double point,
                           double p50, double p80, unit u)
{
    char v[3][NUM_LEN];
    cs_report_fmt_num(v[0], sizeof v[0], point / u.div, 3);
    cs_report_fmt_num(v[1], sizeof v[1], p50 / u.div, 3);
    cs_report_fmt_num(v[2], sizeof v[2], p80 / u.div, 3);
    fprintf(f, "<tr class=\"%s\"><th>", cls);
    cs_report_put_esc(f, label);
    fprintf(f, "</th><td>%s</td><td class=\"key\">%s</td><td class=\"key\">%s</td></tr>\n",
            v[0], v[1], v[2]);
}

/* One measure's allocation, laid out like the summary table: the total,
 * each phase with its elements and risks under it, in the same unit. */
static void allocation_measure(FILE *f, const cs_results *r, const labels *lb,
                               const cs_allocation_row *rows, size_t per)
{
    const cs_model *m = r->model;
    cs_measure ms = rows[0].measure;
    const cs_summary_row *total = &r->rows[ms][0];
    unit u = lb->unit; /* the report's one scale, as the summary */
    fputs("<table class=\"num summary\"><caption>", f);
    cs_report_put_esc(f, lb->title[ms]);
    fprintf(f, " \xe2\x80\x94 %s %s</caption>\n", u.word, lb->cur);
    fputs("<thead><tr><th></th><th>Point estimate</th><th class=\"key\">P50 allocation</th>"
          "<th class=\"key\">P80 allocation</th></tr></thead><tbody>\n",
          f);
    allocation_row(f, "Total", "total", total->point, total->p[CS_P50], total->p[CS_P80], u);
    size_t np = m->n_phases, ne = m->n_elements, nr = m->n_risks, items = 0;
    bool structured = per == np + ne + nr;
    for (size_t p = 0; p < np && structured; p++) {
        allocation_row(f, rows[p].id, "phase", rows[p].point, rows[p].alloc_p50,
                       rows[p].alloc_p80, u);
        for (size_t k = 0; k < ne + nr; k++) {
            bool is_el = k < ne;
            size_t phase = is_el ? m->elements[k].phase : m->risks[k - ne].phase;
            if (phase != p || ++items > MAX_ITEM_ROWS)
                continue;
            const cs_allocation_row *row = &rows[np + k];
            char label[400];
            const char *name = row->name && row->name[0] ? row->name : NULL;
            if (name && strcmp(name, row->id) != 0)
                snprintf(label, sizeof label, "%s \xe2\x80\x94 %s%s", row->id, name,
                         is_el ? "" : " (risk)");
            else
                snprintf(label, sizeof label, "%s%s", row->id, is_el ? "" : " (risk)");
            allocation_row(f, label, "item", row->point, row->alloc_p50, row->alloc_p80, u);
        }
    }
    fputs("</tbody></table>\n", f);
    if (items > MAX_ITEM_ROWS)
        cs_report_more_note(f, lb, items - MAX_ITEM_ROWS, "elements and risks", "allocation.csv");
}

void cs_report_allocation_table(FILE *f, const cs_results *r, const labels *lb, const char *h)
{
    if (r->n_allocation == 0)
        return;
    fprintf(f, "<h2>%sRisk-adjusted allocation</h2>\n", h);
    fputs("<p class=\"note\">The total&#39;s P50 and P80 spread over the phases, elements and "
          "risks: each line is its average in the trials whose total is nearest the "
          "total&#39;s P50 or P80, scaled so that the lines add up exactly to it (line-item "
          "P80s would not). Use these to phase a P50 or P80 budget line by line.</p>\n",
          f);
    size_t per = r->n_allocation / 2;
    for (size_t a = 0; a < 2; a++)
        allocation_measure(f, r, lb, r->allocation + a * per, per);
}

/* ---- headline ---- */

void cs_report_headline_schedule(FILE *f, const cs_results *r)
{
    char v[NUM_LEN + 4], s[LABEL_LEN], n1[NUM_LEN];
    double cv = cs_results_cv(&r->rows[CS_NOMINAL][0]);
    if (isfinite(cv)) {
        cs_report_fmt_num(n1, sizeof n1, 100 * cv, 1);
        snprintf(v, sizeof v, "%s %%", n1);
        double cvc = cs_results_cv(&r->rows[CS_CONSTANT][0]);
        if (isfinite(cvc)) {
            char n2[NUM_LEN];
            cs_report_fmt_num(n2, sizeof n2, 100 * cvc, 1);
            snprintf(s, sizeof s, "sd / mean of the total; constant %s %%", n2);
        } else {
            snprintf(s, sizeof s, "sd / mean of the total");
        }
        cs_report_headline_fig(f, "Spread (cv)", v, "then-year", s);
    }
    if (r->has_schedule && r->schedule[0].has_target) {
        const cs_schedule_row *first = &r->schedule[0];
        cs_report_fmt_share(n1, sizeof n1, first->confidence);
        snprintf(v, sizeof v, "%s %%", n1);
        snprintf(s, sizeof s, "first delivery by %.0f", first->target);
        cs_report_headline_fig(f, "Schedule confidence", v, "of trials", s);
    }
    if (r->has_joint) {
        cs_report_fmt_share(n1, sizeof n1, r->joint_confidence);
        snprintf(v, sizeof v, "%s %%", n1);
        snprintf(s, sizeof s, "within budget and unit 1 by %d", r->model->schedule_target);
        cs_report_headline_fig(f, "Joint confidence", v, "of trials", s);
    }
}
