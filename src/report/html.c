/* report html: the self-contained HTML report of a run or a comparison.
 * 
 * Writes one file of HTML with inline CSS and inline SVG charts: no
 * scripts, no external requests, no web fonts, no dates or host names, so
 * the same results give the same bytes and the file can be mailed or
 * printed (A4 or Letter). The document is also well-formed XML, so tests
 * and tools can check it without a browser. Amounts arrive in millions of
 * the report currency and are shown scaled (million/billion/trillion) with
 * thousands separators; the exact numbers are in the CSV and XLSX outputs.
 * Does not compute statistics beyond what the charts need (bins, sampled
 * S-curve points). This file has the document, its tables and the run
 * report; the charts are in charts.c over the SVG primitives of svg.c, the
 * comparison in html_compare.c, number and text formatting in
 * html_format.c. */
#include "html_internal.h"
#include "report_internal.h"

static const char css[] =
    ":root{--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0;--key:#fff4e5}\n"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Helvetica Neue',"
    "Arial,sans-serif;color:var(--ink);max-width:960px;margin:0 auto;padding:24px 28px;"
    "line-height:1.4;font-size:15px}\n"
    "h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.25em;margin:1.6em 0 .4em;"
    "border-bottom:2px solid var(--rule);padding-bottom:.15em}\n"
    "h3{font-size:1.05em;margin:1.2em 0 .3em}\n"
    ".sub{color:var(--muted);margin:0 0 1em}\n"
    ".headline{display:flex;flex-wrap:wrap;gap:12px;margin:1em 0}\n"
    ".fig{border:1px solid var(--rule);border-radius:6px;padding:8px 12px;min-width:150px;"
    "flex:1 1 150px}\n"
    ".fig .v{font-size:1.7em;font-weight:650;line-height:1.15}\n"
    ".fig .u{display:block;font-size:.85em;font-weight:600}\n"
    ".fig .l{color:var(--muted);font-size:.85em}\n"
    "table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}\n"
    "th,td{padding:3px 8px;border-bottom:1px solid #e6e6e6;vertical-align:top}\n"
    "thead th{border-bottom:2px solid var(--rule);text-align:left;font-weight:600}\n"
    "table.num thead th{text-align:right}table.num thead th:first-child,"
    "table.num thead th.text{text-align:left}\n"
    "tbody th{text-align:left;overflow-wrap:anywhere}\n"
    "tbody th{font-weight:normal}\n"
    "table.num td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.num td.text{text-align:left}\n"
    "caption{text-align:left;font-weight:600;padding:4px 0}\n"
    ".key{background:var(--key)}\n"
    "tr.total th,tr.total td{font-weight:700;border-top:2px solid var(--rule)}\n"
    "tr.phase th,tr.phase td{font-weight:600;background:#f6f6f6}\n"
    "tr.item th{padding-left:22px}\n"
    ".settings th{width:32%;overflow-wrap:normal}.settings td{overflow-wrap:anywhere}\n"
    ".swatch{display:inline-block;width:12px;height:12px;margin-right:6px;"
    "vertical-align:-1px;border-radius:2px}\n"
    ".note{color:var(--muted);font-size:.88em}\n"
    ".wide{overflow-x:auto;max-width:100%}\n"
    "table.sweep{font-size:.82em}table.sweep th,table.sweep td{padding:3px 5px}\n"
    "table.sweep thead th.group{text-align:center}\n"
    ".warn li{color:#8a4b00}\n"
    "figure{margin:1em 0;break-inside:avoid;page-break-inside:avoid}\n"
    "figcaption{color:var(--muted);font-size:.88em;margin-top:.3em}\n"
    "svg.chart{width:100%;height:auto;display:block}\n"
    "svg text{font-size:12px;fill:#222}\n"
    "svg text.axis-title{font-size:13px;fill:#333}\n"
    "svg text.strong{font-weight:600}\n"
    "svg text.halo{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round;"
    "font-weight:600}\n"
    "svg .grid{stroke:#e4e4e4;stroke-width:1}\n"
    "svg .tick{stroke:#666;stroke-width:1}\n"
    "svg .ref{stroke:#888;stroke-width:1;stroke-dasharray:3 3}\n"
    "svg .frame{fill:none;stroke:#888;stroke-width:1}\n"
    "@page{margin:14mm 12mm}\n"
    "@media print{body{max-width:none;padding:0;font-size:10.5pt}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "table,.headline,figure,section.chart{break-inside:avoid;page-break-inside:avoid}"
    "table.summary{break-inside:auto}tr{break-inside:avoid}.wide{overflow:visible}"
    "thead{display:table-header-group}}\n";

static void kv_row(FILE *f, const char *key, const char *value)
{
    fputs("<tr><th>", f);
    cs_report_put_esc(f, key);
    fputs("</th><td>", f);
    cs_report_put_esc(f, value);
    fputs("</td></tr>\n", f);
}

static void dist_text(const cs_dist *d, const char *suffix, char *buf, size_t size)
{
    if (d->kind == CS_DIST_FIXED) {
        snprintf(buf, size, "%.10g%s (fixed)", d->likely, suffix);
        return;
    }
    size_t o = (size_t)snprintf(buf, size, "%s:", cs_dist_kind_name(d->kind));
    const char *sep = " ";
    const char *pname_lo = d->kind == CS_DIST_NORMAL || d->kind == CS_DIST_LOGNORMAL ? "P10" : "low";
    const char *pname_hi = d->kind == CS_DIST_NORMAL || d->kind == CS_DIST_LOGNORMAL ? "P90" : "high";
    if (d->has_low && o < size)
        o += (size_t)snprintf(buf + o, size - o, "%s%s %.10g", sep, pname_lo, d->low), sep = ", ";
    if (d->has_likely && o < size)
        o += (size_t)snprintf(buf + o, size - o, "%slikely %.10g", sep, d->likely), sep = ", ";
    if (d->has_high && o < size)
        o += (size_t)snprintf(buf + o, size - o, "%s%s %.10g", sep, pname_hi, d->high);
    if (o < size)
        snprintf(buf + o, size - o, "%s", suffix);
}

/* "lo \u2013 hi unit CUR" for a confidence interval in the report's scale,
 * rounded outwards with enough decimals that its width shows (about two
 * significant digits of it), so the printed range always contains the
 * true one. */
static void interval_text(char *buf, size_t size, double lo, double hi, const labels *lb)
{
    unit u = lb->unit;
    double a = lo / u.div, b = hi / u.div, scale = 1;
    int decimals = 0;
    while (decimals < 6 && (b - a) * scale < 10) {
        decimals++;
        scale *= 10;
    }
    char x[NUM_LEN], y[NUM_LEN];
    cs_report_fmt_num(x, sizeof x, floor(a * scale) / scale, decimals);
    cs_report_fmt_num(y, sizeof y, ceil(b * scale) / scale, decimals);
    snprintf(buf, size, "%s \xe2\x80\x93 %s %s %s", x, y, u.word, lb->cur);
}

/* The settings rows on what was run: the scenario and its model, what the
 * model holds, and the year and currencies the amounts are in. */
static void model_rows(FILE *f, const cs_model *m, const labels *lb)
{
    char v[LABEL_LEN * 2];
    kv_row(f, "Scenario", m->name);
    if (m->scenario_path)
        kv_row(f, "Scenario file", m->scenario_path);
    kv_row(f, "Model", m->model_dir);
    snprintf(v, sizeof v, "%zu element%s, %zu risk%s, %zu phase%s, %zu currenc%s",
             m->n_elements, m->n_elements == 1 ? "" : "s", m->n_risks,
             m->n_risks == 1 ? "" : "s", m->n_phases, m->n_phases == 1 ? "" : "s",
             m->n_currencies, m->n_currencies == 1 ? "y" : "ies");
    kv_row(f, "Model content", v);
    snprintf(v, sizeof v, "%d (constant amounts are in %d prices and exchange rates)",
             m->base_year, m->base_year);
    kv_row(f, "Base year", v);
    kv_row(f, "Base currency", m->currencies[m->base_currency].code);
    snprintf(v, sizeof v, "%s (every amount in this report)", lb->cur);
    kv_row(f, "Report currency", v);
}

/* The settings rows on the trials: how many ran (with the ceiling when a
 * precision target decided the count), on how many the drivers were
 * measured when not all, and the seed that repeats them. */
static void trial_rows(FILE *f, const cs_results *r)
{
    char v[LABEL_LEN * 2], a[MONEY_LEN], b[MONEY_LEN];
    cs_report_fmt_num(a, sizeof a, (double)r->trials, 0);
    if (r->precision > 0) {
        cs_report_fmt_num(b, sizeof b, (double)r->trials_requested, 0);
        snprintf(v, sizeof v, "%s (ceiling %s)", a, b);
    } else {
        snprintf(v, sizeof v, "%s", a);
    }
    kv_row(f, "Trials", v);
    if (r->no_drivers) {
        kv_row(f, "Sensitivity", "drivers not measured (--no-drivers)");
    } else if (r->sensitivity_trials && r->sensitivity_trials != r->trials) {
        cs_report_fmt_num(a, sizeof a, (double)r->sensitivity_trials, 0);
        snprintf(v, sizeof v, "drivers measured on the first %s trials", a);
        kv_row(f, "Sensitivity", v);
    }
    snprintf(v, sizeof v, "%" PRIu64, r->seed);
    kv_row(f, "Seed", v);
}

/* The settings rows on the units and when they are built and delivered,
 * and on the schedule slip ("none" when fixed at 0). */
static void schedule_rows(FILE *f, const cs_model *m)
{
    char v[LABEL_LEN * 2];
    snprintf(v, sizeof v, "%d", m->units);
    kv_row(f, "Units", v);
    if (m->has_first_delivery) {
        double interval = m->delivery_interval_milli / 1000.0;
        snprintf(v, sizeof v,
                 "first delivery %d, then one every %.3g year%s; %d build year%s per unit; "
                 "service life %d year%s",
                 m->first_delivery, interval, interval == 1 ? "" : "s", m->build_years,
                 m->build_years == 1 ? "" : "s", m->service_life,
                 m->service_life == 1 ? "" : "s");
        kv_row(f, "Schedule", v);
    }
    if (cs_dist_is_fixed(&m->slip) && m->slip.likely == 0) {
        kv_row(f, "Schedule slip", "none");
    } else {
        dist_text(&m->slip, " years", v, sizeof v);
        kv_row(f, "Schedule slip", v);
    }
}

/* The settings rows on the targets: the budget with the share of trials
 * within it, and the schedule target when there is one. */
static void target_rows(FILE *f, const cs_results *r, const labels *lb)
{
    const cs_model *m = r->model;
    char v[LABEL_LEN * 2], a[MONEY_LEN], b[MONEY_LEN];
    if (r->has_budget) {
        cs_report_fmt_money(a, sizeof a, r->budget, lb);
        cs_report_fmt_share(b, sizeof b, r->budget_confidence);
        char lo[NUM_LEN], hi[NUM_LEN];
        cs_report_fmt_share(lo, sizeof lo, r->budget_ci[0]);
        cs_report_fmt_share(hi, sizeof hi, r->budget_ci[1]);
        snprintf(v, sizeof v, "%s %s; %s %% of trials within it (95 %% interval %s "
                 "to %s %%)", a, lb->basis[m->budget_measure], b, lo, hi);
        kv_row(f, "Budget", v);
    } else {
        kv_row(f, "Budget", "none set");
    }
    if (m->has_schedule_target) {
        snprintf(v, sizeof v, "first delivery in or before %d", m->schedule_target);
        kv_row(f, "Schedule target", v);
    }
}

/* The settings rows on Monte Carlo error: the 95 % intervals of the
 * nominal mean and P80, and whether a precision target was reached. */
static void precision_rows(FILE *f, const cs_results *r, const labels *lb)
{
    char v[LABEL_LEN * 2], a[MONEY_LEN];
    char c1[2 * MONEY_LEN], c2[2 * MONEY_LEN];
    interval_text(c1, sizeof c1, r->mean_ci[0], r->mean_ci[1], lb);
    interval_text(c2, sizeof c2, r->p80_ci[0], r->p80_ci[1], lb);
    snprintf(v, sizeof v, "mean %s; P80 %s", c1, c2);
    kv_row(f, "95 % confidence of the nominal estimates (Monte Carlo error)", v);
    if (r->precision > 0) {
        cs_report_fmt_num(a, sizeof a, r->precision * 100, 2);
        char ceiling[NUM_LEN];
        cs_report_fmt_num(ceiling, sizeof ceiling, (double)r->precision_ceiling, 0);
        snprintf(v, sizeof v, "\xc2\xb1%s %%: %s (%s %s%s)", a,
                 r->precision_met ? "reached"
                 : r->precision_memory_stop ? "NOT reached; more trials would not fit in memory"
                                            : "NOT reached within the trials ceiling",
                 r->precision_ceiling < 1000 ? "checked once, at the ceiling of"
                                             : "checked at 1,000 trials and each doubling up to",
                 ceiling, r->precision_ceiling < 1000 ? " trials" : "");
        kv_row(f, "Precision target", v);
    }
}

/* The rows of the report's settings table, one <tr> each: what was run,
 * on how many trials, the schedule, the rates, the targets and the
 * Monte Carlo error. */
void cs_report_settings_rows(FILE *f, const cs_results *r, const labels *lb)
{
    const cs_model *m = r->model;
    char v[LABEL_LEN * 2], a[MONEY_LEN];
    model_rows(f, m, lb);
    trial_rows(f, r);
    schedule_rows(f, m);
    cs_report_fmt_num(a, sizeof a, m->discount_rate * 100, 2);
    snprintf(v, sizeof v, "%s %% a year (nominal), to %d", a, m->base_year);
    kv_row(f, "Discount rate", v);
    snprintf(v, sizeof v, "%.3g between elements not listed in correlations.csv%s",
             m->default_correlation,
             m->corr_repaired ? "; matrix repaired to the nearest valid one" : "");
    kv_row(f, "Default correlation", v);
    target_rows(f, r, lb);
    precision_rows(f, r, lb);
}

/* The drift, volatility and reversion cells of a currency: only those its
 * FX model takes (drift with gbm, reversion with ou; FORMAT.md requires
 * the others empty), so an empty cell in the model is not shown as 0. */
static void fx_parameters(FILE *f, const cs_currency *c)
{
    bool gbm = c->fx_model == CS_FX_GBM, ou = c->fx_model == CS_FX_OU;
    const double v[3] = {c->drift, c->volatility, c->reversion};
    const bool used[3] = {gbm, gbm || ou, ou};
    for (int k = 0; k < 3; k++)
        if (used[k])
            fprintf(f, "<td>%.4g</td>", v[k]);
        else
            fputs("<td></td>", f);
}

void cs_report_currency_table(FILE *f, const cs_model *m)
{
    fputs("<table class=\"compact\"><thead><tr><th>Currency</th><th>Rate (base per unit)</th>"
          "<th>FX model</th><th>Drift</th><th>Volatility</th><th>Reversion</th>"
          "<th>Hedged</th><th>Inflation a year</th></tr></thead><tbody>\n", f);
    static const char *const fxn[] = {"fixed", "gbm", "ou"};
    for (size_t i = 0; i < m->n_currencies; i++) {
        const cs_currency *c = &m->currencies[i];
        char infl[200];
        dist_text(&c->inflation, "", infl, sizeof infl);
        fputs("<tr><th>", f);
        cs_report_put_esc(f, c->code);
        fprintf(f, "%s%s</th><td>%.10g</td><td>%s</td>", c->is_base ? " (base)" : "",
                i == m->report_currency ? " (report)" : "", c->rate,
                fxn[c->fx_model <= CS_FX_OU ? c->fx_model : 0]);
        fx_parameters(f, c);
        if (c->hedge_ratio > 0)
            fprintf(f, "<td>%.4g %% at %.10g</td>", c->hedge_ratio * 100, c->hedge_rate);
        else
            fputs("<td>no</td>", f);
        fputs("<td>", f);
        cs_report_put_esc(f, infl);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

void cs_report_warnings_list(FILE *f, const cs_model *m)
{
    if (!m->warnings || !m->warnings[0])
        return;
    fputs("<ul class=\"warn\">\n", f);
    for (char **w = m->warnings; *w; w++) {
        fputs("<li>", f);
        cs_report_put_esc(f, *w);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

static void summary_row(FILE *f, const cs_summary_row *row, const char *label, const char *cls,
                        unit u)
{
    char v[7][NUM_LEN];
    int dec = TABLE_DECIMALS;
    cs_report_fmt_num(v[0], sizeof v[0], row->point / u.div, dec);
    cs_report_fmt_num(v[1], sizeof v[1], row->mean / u.div, dec);
    cs_report_fmt_num(v[2], sizeof v[2], row->p[CS_P10] / u.div, dec);
    cs_report_fmt_num(v[3], sizeof v[3], row->p[CS_P50] / u.div, dec);
    cs_report_fmt_num(v[4], sizeof v[4], row->p[CS_P80] / u.div, dec);
    cs_report_fmt_num(v[5], sizeof v[5], row->p[CS_P90] / u.div, dec);
    cs_report_fmt_share(v[6], sizeof v[6], row->point_percentile / 100);
    fprintf(f, "<tr class=\"%s\"><th>", cls);
    cs_report_put_esc(f, label);
    fprintf(f, "</th><td>%s</td><td>%s</td><td>%s</td><td class=\"key\">%s</td>"
               "<td class=\"key\">%s</td><td>%s</td><td>%s</td></tr>\n",
            v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
}

/* The summary of one measure: total, each phase with its elements and
 * risks indented under it. */
void cs_report_summary_table(FILE *f, const cs_results *r, const labels *lb, cs_measure ms)
{
    const cs_model *m = r->model;
    const cs_summary_row *rows = r->rows[ms];
    /* The report's one scale; three decimals keep an element's digits
     * (0.034 trillion is 34 billion). */
    unit u = lb->unit;
    fputs("<table class=\"num summary\"><caption>", f);
    cs_report_put_esc(f, lb->title[ms]);
    fprintf(f, " \xe2\x80\x94 %s %s</caption>\n", u.word, lb->cur);
    fputs("<thead><tr><th></th><th>Point estimate</th><th>Mean</th><th>P10</th>"
          "<th class=\"key\">P50</th><th class=\"key\">P80</th><th>P90</th>"
          "<th>Point percentile</th></tr></thead><tbody>\n", f);
    summary_row(f, &rows[0], "Total", "total", u);
    bool structured = r->n_rows == 1 + m->n_phases + m->n_elements + m->n_risks;
    if (!structured) {
        for (size_t i = 1; i < r->n_rows; i++)
            summary_row(f, &rows[i], rows[i].name && rows[i].name[0] ? rows[i].name : rows[i].id,
                        rows[i].level == CS_LEVEL_PHASE ? "phase" : "item", u);
        fputs("</tbody></table>\n", f);
        return;
    }
    size_t first_el = 1 + m->n_phases, first_risk = first_el + m->n_elements;
    size_t items = 0;
    for (size_t p = 0; p < m->n_phases; p++) {
        summary_row(f, &rows[1 + p], m->phases[p], "phase", u);
        for (size_t k = 0; k < m->n_elements + m->n_risks; k++) {
            bool is_el = k < m->n_elements;
            size_t phase = is_el ? m->elements[k].phase : m->risks[k - m->n_elements].phase;
            if (phase != p)
                continue;
            if (++items > MAX_ITEM_ROWS)
                continue;
            const cs_summary_row *row = &rows[is_el ? first_el + k : first_risk + k - m->n_elements];
            char label[400];
            const char *name = row->name && row->name[0] ? row->name : NULL;
            if (name && strcmp(name, row->id) != 0)
            {
                char cut[300];
                cs_report_truncate_utf8(name, 80, cut, sizeof cut);
                snprintf(label, sizeof label, "%s \xe2\x80\x94 %s%s", row->id, cut,
                         is_el ? "" : " (risk)");
            }
            else
                snprintf(label, sizeof label, "%s%s", row->id, is_el ? "" : " (risk)");
            summary_row(f, row, label, "item", u);
        }
    }
    fputs("</tbody></table>\n", f);
    if (items > MAX_ITEM_ROWS)
        cs_report_more_note(f, lb, items - MAX_ITEM_ROWS, "elements and risks", "summary.csv");
}

/* attribution.csv as a table: Shapley share, first-order and total Sobol
 * indices, each with its standard error, as percents. */
static void attribution_table(FILE *f, const cs_results *r)
{
    fputs("<table class=\"num compact\"><thead><tr><th>Source</th><th>Shapley share</th>"
          "<th>First-order index</th><th>Total index</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < r->n_attribution; i++) {
        const cs_attribution *a = &r->attribution[i];
        const double v[6] = {a->shapley_share, a->shapley_se, a->first_order,
                             a->first_order_se, a->total_effect, a->total_effect_se};
        char t[6][NUM_LEN];
        for (int k = 0; k < 6; k++) /* shares as shares (never 0.0 % unless 0) */
            if (k % 2 == 0)
                cs_report_fmt_share(t[k], sizeof t[k], v[k]);
            else
                cs_report_fmt_num(t[k], sizeof t[k], v[k] * 100, 1);
        fputs("<tr><th>", f);
        cs_report_put_esc(f, a->source);
        fprintf(f, "</th><td>%s %% \xc2\xb1 %s</td><td>%s %% \xc2\xb1 %s</td>"
                   "<td>%s %% \xc2\xb1 %s</td></tr>\n",
                t[0], t[1], t[2], t[3], t[4], t[5]);
    }
    fputs("</tbody></table>\n", f);
}

static void sensitivity_table(FILE *f, const cs_results *r, const labels *lb)
{
    if (r->n_sensitivity == 0)
        return;
    fputs("<table class=\"num compact\"><thead><tr><th>Input</th><th class=\"text\">Kind</th>"
          "<th>Rank correlation with the nominal total</th><th>95 % interval</th>"
          "<th>Share of \xcf\x81\xc2\xb2</th>"
          "</tr></thead><tbody>\n", f);
    size_t n = r->n_sensitivity < MAX_SENSITIVITY_ROWS ? r->n_sensitivity : MAX_SENSITIVITY_ROWS;
    for (size_t i = 0; i < n; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        char rho[NUM_LEN], share[NUM_LEN], lo[NUM_LEN], hi[NUM_LEN], ci[3 * NUM_LEN] = "";
        cs_report_fmt_num(rho, sizeof rho, s->rank_correlation, 3);
        cs_report_fmt_share(share, sizeof share, s->rho2_share);
        if (isfinite(s->ci_low) && isfinite(s->ci_high)) {
            cs_report_fmt_num(lo, sizeof lo, s->ci_low, 3);
            cs_report_fmt_num(hi, sizeof hi, s->ci_high, 3);
            snprintf(ci, sizeof ci, "%s to %s", lo, hi);
        }
        fputs("<tr><th>", f);
        cs_report_put_esc(f, s->input);
        fprintf(f, "</th><td class=\"text\">%s</td><td>%s</td><td>%s</td><td>%s %%</td></tr>\n",
                cs_report_kind_word(s->kind), rho, ci, share);
    }
    fputs("</tbody></table>\n", f);
    if (r->n_sensitivity > n)
        cs_report_more_note(f, lb, r->n_sensitivity - n, "inputs", "sensitivity.csv");
}

void cs_report_doc_begin(FILE *f, const char *title_prefix, const char *name)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<meta name=\"generator\" content=\"costsim\"/>\n<title>",
          f);
    cs_report_put_esc(f, title_prefix);
    cs_report_put_esc(f, name);
    fputs("</title>\n<style>\n", f);
    fputs(css, f);
    fputs("</style>\n</head>\n<body>\n", f);
}

void cs_report_more_note(FILE *f, const labels *lb, size_t more, const char *what,
                         const char *csv)
{
    if (lb && lb->csv_files)
        fprintf(f, "<p class=\"note\">%zu more %s are in %s.</p>\n", more, what, csv);
    else if (lb && lb->workbook)
        fprintf(f, "<p class=\"note\">%zu more %s are in the workbook.</p>\n", more, what);
    else
        fprintf(f, "<p class=\"note\">%zu more %s are not shown here.</p>\n", more, what);
}

void cs_report_doc_end(FILE *f, const labels *lb)
{
    if (!lb) {
        fputs("<p class=\"note\">Produced by costsim.</p>\n</body>\n</html>\n", f);
        return;
    }
    fprintf(f, "<p class=\"note\">Produced by costsim. Amounts are Monte Carlo estimates in "
               "%s %s", lb->unit.word, lb->cur);
    /* The files' unit only when there are files to look in. */
    if (lb->csv_files || lb->workbook) {
        fputs("; the exact values are in ", f);
        if (lb->csv_files)
            fputs(lb->exact_files, f);
        if (lb->csv_files && lb->workbook)
            fputs(" and ", f);
        if (lb->workbook) {
            const char *slash = strrchr(lb->workbook, '/');
            cs_report_put_esc(f, slash ? slash + 1 : lb->workbook);
        }
        fputs(", in millions", f);
    }
    fputs(".</p>\n</body>\n</html>\n", f);
}

/* One key figure: a label, the value in large type, its unit on a line of
 * its own (so "63.9 / trillion KRW, then-year" fits a narrow box), a
 * remark. */
void cs_report_headline_fig(FILE *f, const char *label, const char *value, const char *value_unit,
                  const char *sub)
{
    fputs("<div class=\"fig\"><div class=\"l\">", f);
    cs_report_put_esc(f, label);
    fputs("</div><div><span class=\"v\">", f);
    cs_report_put_esc(f, value);
    fputs("</span> <span class=\"u\">", f);
    cs_report_put_esc(f, value_unit);
    fputs("</span></div><div class=\"l\">", f);
    cs_report_put_esc(f, sub);
    fputs("</div></div>\n", f);
}

void cs_report_headline_money(FILE *f, const char *label, double millions, const labels *lb,
                              const char *basis, const char *sub)
{
    char v[NUM_LEN], word[96];
    cs_report_fmt_amount(v, sizeof v, millions, lb->unit);
    snprintf(word, sizeof word, "%s %s, %s", lb->unit.word, lb->cur, basis);
    cs_report_headline_fig(f, label, v, word, sub);
}

void cs_report_headline(FILE *f, const cs_results *r, const labels *lb)
{
    const cs_summary_row *t = &r->rows[CS_NOMINAL][0], *k = &r->rows[CS_CONSTANT][0];
    char v[NUM_LEN], s[LABEL_LEN], n1[MONEY_LEN];
    fputs("<div class=\"headline\">\n", f);
    cs_report_headline_money(f, "P50 total", t->p[CS_P50], lb, lb->basis[CS_NOMINAL],
                             "half of the trials cost no more");
    cs_report_headline_money(f, "P80 total", t->p[CS_P80], lb, lb->basis[CS_NOMINAL],
                             "80 % of the trials cost no more");
    char at[16];
    snprintf(s, sizeof s, "falls at %s",
             cs_report_point_label(at, sizeof at, t->point_percentile));
    cs_report_headline_money(f, "Point estimate", t->point, lb, lb->basis[CS_NOMINAL], s);
    cs_report_fmt_money(n1, sizeof n1, k->p[CS_P80], lb);
    snprintf(s, sizeof s, "P80 %s", n1);
    cs_report_headline_money(f, "P50 total", k->p[CS_P50], lb, lb->basis[CS_CONSTANT], s);
    if (r->has_budget) {
        char pct[NUM_LEN + 4];
        cs_report_fmt_share(v, sizeof v, r->budget_confidence);
        snprintf(pct, sizeof pct, "%s %%", v);
        cs_report_fmt_money(n1, sizeof n1, r->budget, lb);
        snprintf(s, sizeof s, "budget %s, %s", n1, lb->basis[r->model->budget_measure]);
        char lo[NUM_LEN], hi[NUM_LEN], sub[2 * NUM_LEN + 48];
        cs_report_fmt_share(lo, sizeof lo, r->budget_ci[0]);
        cs_report_fmt_share(hi, sizeof hi, r->budget_ci[1]);
        snprintf(sub, sizeof sub, "of trials within budget (95 %% interval %s to %s %%)", lo, hi);
        cs_report_headline_fig(f, "Budget confidence", pct, sub, s);
    }
    cs_report_headline_schedule(f, r);
    fputs("</div>\n", f);
}

/* The tornado, the sensitivity table and the variance attribution, under
 * the "Top drivers" heading. */
static void drivers_sections(FILE *f, const cs_results *r, const labels *lb, const char *h)
{
    fputs("<figure>\n", f);
    cs_report_section_tornado(f, r, lb);
    fputs("<figcaption>Nominal P50 with one input held at its P10 or P90 and every other "
          "input on the same random numbers; the 10 inputs with the largest swing (|high "
          "\xe2\x88\x92 low|), largest first.</figcaption>\n</figure>\n", f);
    sensitivity_table(f, r, lb);
    if (r->n_attribution) {
        fprintf(f, "<h3>%sVariance attribution by source</h3>\n<figure>\n", h);
        cs_report_section_attribution(f, r);
        fputs("<figcaption>Shapley shares of the nominal total&#39;s variance: they add up to "
              "100 %, each interaction between sources split fairly between them. Labels: share "
              "\xc2\xb1 one standard error; error bars: 95 % (1.96 standard errors)."
              "</figcaption>\n</figure>\n", f);
        attribution_table(f, r);
    }
}

static int run_body(FILE *f, const cs_results *r, const labels *lb, const char *h)
{
    const cs_model *m = r->model;
    fprintf(f, "<h2>%sSettings and assumptions</h2>\n<table class=\"settings\"><tbody>\n", h);
    cs_report_settings_rows(f, r, lb);
    fputs("</tbody></table>\n", f);
    cs_report_currency_table(f, m);
    cs_report_warnings_list(f, m);
    fputs("<p class=\"note\">Constant: base-year prices and exchange rates, no hedging. "
          "Nominal (then-year): escalated by each currency&#39;s inflation and converted at "
          "the simulated exchange rates. Present value: the then-year cash flows discounted "
          "to the base year.</p>\n", f);

    fprintf(f, "<h2>%sS-curve</h2>\n<figure>\n", h);
    cs_report_section_scurve(f, r, lb);
    fputs("<figcaption>Cumulative probability that the total cost is at or below each "
          "amount. Dots: P50 and P80; diamonds: the point estimate (every input at its most "
          "likely value, no risks) and where it falls. The legend gives the then-year values; "
          "the table below gives every measure&#39;s.</figcaption>\n", f);
    cs_report_scurve_table(f, r, lb);
    fputs("</figure>\n", f);

    fprintf(f, "<h2>%sDistribution of the nominal total</h2>\n<figure>\n", h);
    if (cs_report_section_histogram(f, r, lb) != 0)
        return -1;
    fputs("<figcaption>Share of trials per bin of the then-year total.</figcaption>\n"
          "</figure>\n", f);

    cs_report_section_funding(f, r, lb, h);
    if (cs_report_section_schedule(f, r, lb, h) != 0)
        return -1;

    fprintf(f, "<h2>%sTop drivers</h2>\n", h);
    if (r->no_drivers)
        fputs("<p class=\"note\">Not measured (--no-drivers): no tornado, sensitivity or "
              "attribution.</p>\n", f);
    else
        drivers_sections(f, r, lb, h);

    fprintf(f, "<h2>%sSummary by phase and element</h2>\n", h);
    for (int ms = 0; ms < CS_N_MEASURES; ms++)
        cs_report_summary_table(f, r, lb, (cs_measure)ms);
    cs_report_allocation_table(f, r, lb, h);
    return 0;
}

int cs_report_html(FILE *f, const cs_results *r, cs_diag *diag)
{
    return cs_report_html_with_outputs(f, r, NULL, diag);
}

int cs_report_html_with_outputs(FILE *f, const cs_results *r,
                                const cs_report_html_outputs *outputs, cs_diag *diag)
{
    labels lb;
    cs_report_labels_init(&lb, r);
    lb.csv_files = outputs && outputs->csv_files;
    lb.workbook = outputs ? outputs->workbook : NULL;
    cs_report_doc_begin(f, "Cost estimate: ", r->model->name);
    fputs("<h1>", f);
    cs_report_put_esc(f, r->model->name);
    fputs("</h1>\n<p class=\"sub\">Monte Carlo cost estimate \xc2\xb7 ", f);
    char n[NUM_LEN];
    cs_report_fmt_num(n, sizeof n, (double)r->trials, 0);
    fprintf(f, "%s trials \xc2\xb7 base year %d \xc2\xb7 amounts in %s (then-year unless "
               "marked constant %d or present value)</p>\n",
            n, lb.base_year, lb.cur, lb.base_year);
    cs_report_headline(f, r, &lb);
    int rc = run_body(f, r, &lb, "");
    cs_report_doc_end(f, &lb);
    if (rc != 0)
        cs_diag_add(diag, r->model->scenario_path, 0, NULL,
                    "out of memory while writing the HTML report");
    return rc;
}
