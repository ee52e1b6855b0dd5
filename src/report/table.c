/* report table: the terminal table of a run and of a comparison, for
 * analysts: amounts with thousands separators and sensible decimals, the
 * headline, confidence, drivers, attribution and warnings blocks. */
#include "report_internal.h"

#include "csvin.h"

/* x rounded to `decimals` places with ',' between groups of three digits
 * (no locale: the output must be the same everywhere). */
static char *format_amount(char *buf, size_t size, double x, int decimals)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "n/a");
        return buf;
    }
    /* Beyond a quintillion, grouped digits are unreadable and would not fit
     * the caller's buffer: scientific notation, never a cut number. */
    if (fabs(x) >= 1e18) {
        snprintf(buf, size, "%.6e", x);
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

/* A share 0 ... 1 as a percent for the terminal: one decimal, but a share
 * that is not 0 or 1 never shows as 0.0% or 100.0% (a Wilson bound of
 * 0.038% stays 0.038%; 0.9995 is 99.950%, 0.999999 is 99.99990%: two
 * significant digits of the distance to 100, as the HTML report). buf
 * needs 24 bytes. */
static const char *percent_text(char *buf, size_t size, double share)
{
    double x = 100.0 * share;
    if (x > 0 && x < 0.05)
        snprintf(buf, size, "%.2g%%", x);
    else
        snprintf(buf, size, "%.*f%%", cs_report_share_decimals(share), x);
    return buf;
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
 * the UTF-8 encoded C1 range) and bidirectional formatting characters
 * replaced by '?', so a name cannot move the cursor, recolour an analyst's
 * terminal or reorder what a line seems to say. */
static void put_clean(FILE *f, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t len = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2, bidi;
        if (len > 1 && (strnlen((const char *)p, len) < len ||
                        !cs_csvin_utf8_valid((const char *)p, len))) {
            fputc('?', f); /* not UTF-8 (a path need not be): never a raw byte */
        } else if (*p < 0x20 || *p == 0x7f) {
            fputc('?', f);
        } else if ((bidi = cs_csvin_bidi_control((const char *)p)) > 0) {
            fputc('?', f); /* would reorder the line around it */
            p += bidi - 1;
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fputc('?', f);
            p++;
        } else if (p[0] == 0xef && p[1] == 0xbf && p[2] == 0xbd) {
            /* U+FFFD: a path's invalid bytes as the loader replaced them
             * (docs/LIMITS.md: '?' in the table, as for the raw bytes) */
            fputc('?', f);
            p += 2;
        } else {
            fwrite(p, 1, len, f);
            p += len - 1;
        }
    }
}

/* The character UTF-8 s starts with, and its length in *len (a byte that
 * does not start a valid character counts as one character of width 1, as
 * put_clean shows it as one '?'). */
static uint32_t utf8_next(const char *s, size_t n, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t want = p[0] < 0x80 ? 1 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
    if (want == 1 || want > n || !cs_csvin_utf8_valid(s, want)) {
        *len = 1;
        return p[0] < 0x80 ? p[0] : '?';
    }
    *len = want;
    uint32_t c = p[0] & (0x7f >> want);
    for (size_t i = 1; i < want; i++)
        c = c << 6 | (p[i] & 0x3f);
    return c;
}

/* Terminal columns of the first n bytes of UTF-8 s. */
static int display_width(const char *s, size_t n)
{
    int width = 0;
    for (size_t i = 0, len; i < n; i += len)
        width += cs_report_char_width(utf8_next(s + i, n - i, &len));
    return width;
}

/* Writes s left-aligned in width terminal columns, cut with "..." when
 * wider, never inside a UTF-8 character. */
static void put_cell_left(FILE *f, const char *s, int width)
{
    size_t bytes = strlen(s);
    int len = display_width(s, bytes);
    if (len <= width) {
        put_clean(f, s);
        fprintf(f, "%*s", width - len, "");
        return;
    }
    char cut[1024];
    int room = width - 3 > 0 ? width - 3 : 0, used = 0;
    size_t keep = 0, step;
    while (keep < bytes) {
        int w = cs_report_char_width(utf8_next(s + keep, bytes - keep, &step));
        if (used + w > room || keep + step > sizeof cut - 1)
            break;
        used += w;
        keep += step;
    }
    memcpy(cut, s, keep);
    cut[keep] = '\0';
    put_clean(f, cut);
    fputs("...", f);
    fprintf(f, "%*s", width - 3 - used, "");
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
        snprintf(buf, size, "Constant %d %s millions", model->base_year, cs_report_report_currency(r));
        return;
    case CS_NOMINAL:
        snprintf(buf, size, "Nominal (then-year) %s millions", cs_report_report_currency(r));
        return;
    case CS_PV:
        format_rate_percent(rate, sizeof rate, model->discount_rate);
        snprintf(buf, size, "Present value (discounted at %s, %d) %s millions", rate,
                 model->base_year, cs_report_report_currency(r));
        return;
    case CS_N_MEASURES:
        break;
    }
    snprintf(buf, size, "?");
}

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
    cs_report_point_label(buf, size, pct);
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
    /* The widths of all three blocks, so that their columns line up. */
    for (int mm = 0; mm < CS_N_MEASURES; mm++) {
        int block_decimals = measure_decimals(r, (cs_measure)mm);
        for (size_t i = 0; i < r->n_rows; i++) {
            const cs_summary_row *row = &r->rows[mm][i];
            if (!shown_in_table(row))
                continue;
            if (row->level == CS_LEVEL_PHASE) {
                int len = 2 + display_width(row->id, strlen(row->id));
                label_w = len > label_w ? len : label_w;
            }
            double v[N_AMOUNT_COLUMNS];
            amount_columns(row, v);
            for (int c = 0; c < N_AMOUNT_COLUMNS; c++) {
                int len = (int)strlen(format_amount(num, sizeof num, v[c], block_decimals));
                col_w = len > col_w ? len : col_w;
            }
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

/* What the loader read (docs/FORMAT.md): a misnamed optional file shows here as
 * a count of 0. */
static void table_loaded(FILE *f, const cs_model *m)
{
    fprintf(f, "Loaded:         %zu element%s, %zu risk%s, %zu currenc%s, %zu correlation "
               "pair%s, %zu FX correlation pair%s\n",
            m->n_elements, m->n_elements == 1 ? "" : "s", m->n_risks, m->n_risks == 1 ? "" : "s",
            m->n_currencies, m->n_currencies == 1 ? "y" : "ies", m->n_correlation_pairs,
            m->n_correlation_pairs == 1 ? "" : "s", m->n_fx_correlation_pairs,
            m->n_fx_correlation_pairs == 1 ? "" : "s");
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
    fprintf(f, "Currency:       base %s; amounts in millions of %s\n", cs_report_base_currency(r),
            cs_report_report_currency(r));
    table_loaded(f, model);
    fprintf(f, "Trials:         %s", format_amount(num, sizeof num, (double)r->trials, 0));
    if (!r->no_drivers && r->sensitivity_trials > 0 && r->sensitivity_trials < r->trials)
        fprintf(f, " (drivers measured on the first %s)",
                format_amount(num, sizeof num, (double)r->sensitivity_trials, 0));
    fprintf(f, "\nSeed:           %" PRIu64 "\n", r->seed);
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

/* x rounded down (up = false) or up to a multiple of quantum. A quotient
 * within 1e-9 of a whole number is that number: 6.985 / 0.001 can come out
 * 6984.999999999999, which must not turn into 6.984. */
static double round_to_quantum(double x, double quantum, bool up)
{
    double q = x / quantum, whole = nearbyint(q);
    if (fabs(q - whole) <= 1e-9 * fmax(1, fabs(q)))
        q = whole;
    return (up ? ceil(q) : floor(q)) * quantum;
}

/* An interval's ends rounded outwards to the digits its width supports:
 * its half-width to two significant digits (116,992,404.9 to 117,793,585.7
 * becomes 116,990,000 to 117,800,000; 6.98573 to 7.01906 becomes 6.985 to
 * 7.020; 0.00014970 to 0.00015090 for amounts far below the table's own
 * decimals). Outwards at every scale, so the printed range always holds
 * the computed one. */
static void format_interval(char *lo_buf, char *hi_buf, size_t size, const double ci[2],
                            int table_decimals)
{
    double half = (ci[1] - ci[0]) / 2;
    int decimals = table_decimals;
    double quantum = 0;
    if (isfinite(half) && half > 0) {
        int place = (int)floor(log10(half)) - 1; /* 10^place: 2nd significant digit */
        if (place > 0) {
            decimals = 0;
            quantum = pow(10, place);
        } else if (-place <= 12) {
            decimals = -place;
            quantum = pow(10, place);
        }
    }
    double lo = ci[0], hi = ci[1];
    if (quantum > 0 && fabs(lo) < 1e18 && fabs(hi) < 1e18) {
        lo = round_to_quantum(lo, quantum, false);
        hi = round_to_quantum(hi, quantum, true);
    }
    format_amount(lo_buf, size, lo, decimals);
    format_amount(hi_buf, size, hi, decimals);
}

static void precision_lines(FILE *f, const cs_results *r);

static void table_confidence(FILE *f, const cs_results *r)
{
    int decimals = measure_decimals(r, CS_NOMINAL) + 1;
    char lo[128], hi[128];
    fprintf(f, "\n95%% confidence intervals of the simulation (sampling error of %s trials; "
               "nominal %s millions):\n",
            format_amount(lo, sizeof lo, (double)r->trials, 0), cs_report_report_currency(r));
    const struct {
        const char *label;
        const double *ci;
    } lines[] = {
        {"nominal mean", r->mean_ci},
        {"nominal P50 ", r->p50_ci},
        {"nominal P80 ", r->p80_ci},
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        format_interval(lo, hi, sizeof lo, lines[i].ci, decimals);
        fprintf(f, "  %s  %s to %s\n", lines[i].label, lo, hi);
    }
    precision_lines(f, r);
}

void cs_report_precision_status(FILE *f, const cs_results *r, const char *prefix)
{
    if (!(r->precision > 0))
        return;
    char target[64], ceiling[64];
    format_rate_percent(target, sizeof target, r->precision);
    format_amount(ceiling, sizeof ceiling, (double)r->precision_ceiling, 0);
    if (r->precision_met)
        fprintf(f, "%sprecision target +/-%s met\n", prefix, target);
    else if (r->precision_memory_stop)
        fprintf(f, "%sprecision target +/-%s NOT met: more trials would not fit in memory\n",
                prefix, target);
    else
        fprintf(f, "%sprecision target +/-%s NOT met within the ceiling of %s trials\n",
                prefix, target, ceiling);
}

/* With --precision: whether the target was met, and how the trials were
 * chosen. */
static void precision_lines(FILE *f, const cs_results *r)
{
    if (!(r->precision > 0))
        return;
    cs_report_precision_status(f, r, "  ");
    char ceiling[64];
    format_amount(ceiling, sizeof ceiling, (double)r->precision_ceiling, 0);
    if (r->precision_ceiling < 1000) /* below the first check: one run at the ceiling */
        fprintf(f, "  (checked once, at the ceiling of %s trials, below the first check at "
                   "1,000; with\n   --precision the scenario's trials is not used, --trials "
                   "sets the ceiling)\n", ceiling);
    else
        fprintf(f, "  (checked at 1,000 trials and at every doubling up to %s; with "
                   "--precision the\n   scenario's trials is not used, --trials sets the "
                   "ceiling)\n", ceiling);
}

/* The spread (cv) of the totals, the schedule and the joint confidence,
 * one line each. */
static void table_schedule(FILE *f, const cs_results *r)
{
    if (r->n_rows > 0) {
        fputs("Spread of the total (cv = sd / mean):", f);
        for (int m = 0; m < CS_N_MEASURES; m++) {
            double cv = cs_results_cv(&r->rows[m][0]);
            if (isfinite(cv))
                fprintf(f, "%s %s %.1f%%", m ? "," : "", cs_results_measure_name((cs_measure)m),
                        100 * cv);
            else
                fprintf(f, "%s %s -", m ? "," : "", cs_results_measure_name((cs_measure)m));
        }
        fputc('\n', f);
    }
    if (!r->has_schedule)
        return;
    const cs_schedule_row *s = &r->schedule[0];
    fprintf(f, "First delivery: point %.0f, P50 %.6g, P80 %.6g, P90 %.6g", s->point, s->p50,
            s->p80, s->p90);
    if (s->has_target) {
        char v[3][24];
        fprintf(f, "; by %.0f: %s of trials (95%% interval %s to %s)", s->target,
                percent_text(v[0], sizeof v[0], s->confidence),
                percent_text(v[1], sizeof v[1], s->ci_low),
                percent_text(v[2], sizeof v[2], s->ci_high));
    }
    fputc('\n', f);
    if (r->has_joint) {
        char budget[128], v[3][24];
        fprintf(f, "Joint confidence (%s total \xe2\x89\xa4 %s and first delivery by %d): "
                   "%s (95%% interval %s to %s)\n",
                cs_results_measure_name((cs_measure)r->model->budget_measure),
                format_amount(budget, sizeof budget, r->model->budget,
                              decimals_of(r->model->budget)),
                r->model->schedule_target, percent_text(v[0], sizeof v[0], r->joint_confidence),
                percent_text(v[1], sizeof v[1], r->joint_ci[0]),
                percent_text(v[2], sizeof v[2], r->joint_ci[1]));
    }
}

static void table_drivers(FILE *f, const cs_results *r)
{
    enum { TOP = 5, INPUT_W = 32 };
    if (r->n_sensitivity == 0)
        return;
    fprintf(f, "\nTop drivers of the nominal total (rank correlation, 95%% interval)\n");
    fprintf(f, "  %-*s  %-9s  %9s  %-17s  %8s\n", INPUT_W, "Input", "Kind", "Rank corr",
            "95% interval", "rho2 shr");
    for (size_t i = 0; i < r->n_sensitivity && i < TOP; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        char ci[48] = "";
        if (isfinite(s->ci_low) && isfinite(s->ci_high))
            snprintf(ci, sizeof ci, "[%.3f, %.3f]", s->ci_low, s->ci_high);
        fputs("  ", f);
        put_cell_left(f, s->input ? s->input : "", INPUT_W);
        char share[24];
        fprintf(f, "  %-9s  %9.3f  %-17s  %8s\n", cs_results_input_kind_name(s->kind),
                s->rank_correlation, ci, percent_text(share, sizeof share, s->rho2_share));
    }
}

/* The tornado by swing: the nominal P50 with one input at its P10 / P90. */
static void table_tornado(FILE *f, const cs_results *r)
{
    enum { INPUT_W = 32 };
    if (r->n_tornado == 0)
        return;
    fprintf(f, "\nTornado: nominal P50 with one input at its low / high (largest swing first)\n");
    fprintf(f, "  %-*s  %-9s  %16s  %16s  %16s\n", INPUT_W, "Input", "Kind", "Low", "High",
            "Swing");
    /* One rounding for the table, from its largest amount, as the summary. */
    double largest = 0;
    for (size_t i = 0; i < r->n_tornado; i++)
        largest = fmax(largest, fmax(fabs(r->tornado[i].low), fabs(r->tornado[i].high)));
    int decimals = decimals_for(largest);
    for (size_t i = 0; i < r->n_tornado; i++) {
        const cs_tornado *t = &r->tornado[i];
        char lo[64], hi[64], sw[64];
        fputs("  ", f);
        put_cell_left(f, t->input ? t->input : "", INPUT_W);
        fprintf(f, "  %-9s  %16s  %16s  %16s\n", cs_results_input_kind_name(t->kind),
                format_amount(lo, sizeof lo, t->low, decimals),
                format_amount(hi, sizeof hi, t->high, decimals),
                format_amount(sw, sizeof sw, t->swing, decimals));
    }
}

static void table_attribution(FILE *f, const cs_results *r)
{
    if (r->n_attribution == 0)
        return;
    fprintf(f, "\nVariance of the nominal total by source (Shapley share \xc2\xb1 standard "
               "error, Sobol indices)\n");
    fprintf(f, "  %-12s  %16s  %12s  %12s\n", "Source", "Shapley", "First-order", "Total");
    for (size_t i = 0; i < r->n_attribution; i++) {
        const cs_attribution *a = &r->attribution[i];
        char sh[64], share[24], first[24], total[24];
        percent_text(share, sizeof share, a->shapley_share);
        if (isfinite(a->shapley_se))
            snprintf(sh, sizeof sh, "%s \xc2\xb1 %.1f", share, a->shapley_se * 100.0);
        else /* no standard error (CSV: an empty cell) */
            snprintf(sh, sizeof sh, "%s      ", share);
        fputs("  ", f);
        put_cell_left(f, a->source, 12);
        /* the \xc2\xb1 sign is two bytes wide in bytes, one on the terminal */
        fprintf(f, isfinite(a->shapley_se) ? "  %17s" : "  %16s", sh);
        fprintf(f, "  %12s  %12s\n", percent_text(first, sizeof first, a->first_order),
                percent_text(total, sizeof total, a->total_effect));
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
        char budget[128], v[3][24];
        fprintf(f, "Budget %s %s millions, %s: confidence %s (95%% interval %s to %s)\n",
                format_amount(budget, sizeof budget, r->budget, decimals_of(r->budget)),
                cs_report_report_currency(r),
                cs_results_measure_name((cs_measure)r->model->budget_measure),
                percent_text(v[0], sizeof v[0], r->budget_confidence),
                percent_text(v[1], sizeof v[1], r->budget_ci[0]),
                percent_text(v[2], sizeof v[2], r->budget_ci[1]));
    }
    table_schedule(f, r);
    table_confidence(f, r);
    if (r->no_drivers) {
        fputs("\nDrivers:        not measured (--no-drivers)\n", f);
    } else {
        table_drivers(f, r);
        table_tornado(f, r);
        table_attribution(f, r);
    }
    if (has_warnings(r))
        fputc('\n', f);
    table_warnings(f, r, NULL);
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

/* How many random streams A and B share, per kind (docs/OUTPUTS.md). */
static void table_shared_streams(FILE *f, const cs_results *a, const cs_results *b)
{
    size_t n;
    cs_stream_row *rows = cs_report_streams_compute(a, b, &n);
    if (!rows)
        return;
    fputs("\nShared random streams (same random numbers in A and B): ", f);
    bool any = false;
    for (int k = CS_INPUT_ELEMENT; k <= CS_INPUT_FX; k++) {
        size_t shared, total;
        cs_report_streams_shared(rows, n, (cs_input_kind)k, &shared, &total);
        if (total == 0)
            continue;
        fprintf(f, "%s%s %zu of %zu", any ? ", " : "", cs_results_input_kind_name((cs_input_kind)k),
                shared, total);
        any = true;
    }
    fputs(any ? "\n" : "none (no uncertain inputs)\n", f);
    free(rows);
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
            ma->base_year, cs_report_report_currency(a), format_amount(num, sizeof num, (double)a->trials, 0),
            a->seed);
    if (a->precision > 0) { /* B ran A's trials */
        fputs("Trials chosen by --precision on A:\n", f);
        precision_lines(f, a);
    }
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

    fprintf(f, "\n%-*s  %*s  %*s  %*s  %*s  %8s  %s\n", LABEL_W, "Difference B - A", col_w,
            "Mean", col_w, "P10", col_w, "P50", col_w, "P90", "P(B > A)", "95% interval");
    for (int m = 0; m < CS_N_MEASURES; m++) {
        double v[4] = {rows[m].mean_diff, rows[m].p10, rows[m].p50, rows[m].p90};
        fprintf(f, "%-*s", LABEL_W, labels[m]);
        for (int c = 0; c < 4; c++)
            fprintf(f, "  %*s", col_w, format_amount(num, sizeof num, v[c], decimals[m]));
        char p[3][24];
        fprintf(f, "  %8s  %s to %s\n", percent_text(p[0], sizeof p[0], rows[m].p_b_gt_a),
                percent_text(p[1], sizeof p[1], rows[m].ci_low),
                percent_text(p[2], sizeof p[2], rows[m].ci_high));
    }
    table_shared_streams(f, a, b);
    if (has_warnings(a) || has_warnings(b))
        fputc('\n', f);
    table_warnings(f, a, "A");
    table_warnings(f, b, "B");
}

/* ---- sweep ---- */

/* Text of width w: the longest of the key and its values, up to
 * SWEEP_KEY_MAX. A key is shown whole up to that width: keys such as
 * element.maintenance.low and element.maintenance.high differ only at
 * their end. */
enum { SWEEP_KEY_MAX = 48 };

static int sweep_key_width(const char *key, const char *const *values, size_t n_keys,
                           size_t k, size_t n_combinations)
{
    int w = display_width(key, strlen(key));
    for (size_t c = 0; c < n_combinations; c++) {
        const char *v = values[c * n_keys + k];
        int len = display_width(v, strlen(v));
        w = len > w ? len : w;
    }
    return w > SWEEP_KEY_MAX ? SWEEP_KEY_MAX : w;
}

void cs_report_sweep_table(FILE *f, const char *name, const char *currency,
                           const char *const *keys, size_t n_keys, const char *const *values,
                           const cs_sweep_row *rows, size_t n_combinations)
{
    static const char *const heads[] = {"Mean", "P50", "P80", "P90"};
    static const char *const titles[CS_N_MEASURES] = {"Constant", "Nominal (then-year)",
                                                       "Present value"};
    if (n_combinations == 0)
        return;
    bool budget = cs_report_sweep_first_budget(rows, n_combinations) != NULL;
    char num[128];
    fputs("Sweep of ", f);
    put_clean(f, name ? name : "");
    fprintf(f, ": %zu combination%s on common random numbers\n", n_combinations,
            n_combinations == 1 ? "" : "s");
    /* A sweep may vary the report currency (or the model's base, which it
     * defaults to): then no block title can name one currency, and each
     * row says its own. */
    bool one_currency = true;
    for (size_t c = 1; c < n_combinations; c++)
        one_currency &= strcmp(rows[c].currency, rows[0].currency) == 0;
    if (one_currency && rows[0].currency[0])
        currency = rows[0].currency;
    int key_w[64];
    size_t shown_keys = n_keys < 64 ? n_keys : 64;
    for (size_t k = 0; k < shown_keys; k++)
        key_w[k] = sweep_key_width(keys[k], values, n_keys, k, n_combinations);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        /* One rounding for the whole block, from its largest amount. */
        double max_abs = 0;
        for (size_t c = 0; c < n_combinations; c++)
            for (int i = 0; i < CS_SWEEP_N_STATS; i++)
                if (isfinite(rows[c].stat[m][i]))
                    max_abs = fmax(max_abs, fabs(rows[c].stat[m][i]));
        int decimals = decimals_for(max_abs);
        int col_w = 4;
        for (size_t c = 0; c < n_combinations; c++)
            for (int i = 0; i < CS_SWEEP_N_STATS; i++) {
                int len = (int)strlen(format_amount(num, sizeof num, rows[c].stat[m][i],
                                                    decimals));
                col_w = len > col_w ? len : col_w;
            }
        /* A row's confidence goes with the measure its budget is in (a
         * sweep may vary budget_measure): shown in that block only. */
        size_t first = n_combinations;
        bool same = true;
        for (size_t c = 0; c < n_combinations; c++)
            if (budget && rows[c].has_budget && rows[c].budget_measure == m) {
                if (first == n_combinations)
                    first = c;
                same &= rows[c].budget == rows[first].budget;
            }
        bool with_budget = first < n_combinations;
        if (one_currency)
            fprintf(f, "\n%s, %s millions\n", titles[m], currency ? currency : "");
        else
            fprintf(f, "\n%s, millions of each row's report currency\n", titles[m]);
        if (with_budget) {
            fputs("Budget confidence: the share of trials whose total in this measure is at "
                  "most the budget",
                  f);
            if (same)
                fprintf(f, " (%s)", format_amount(num, sizeof num, rows[first].budget,
                                                  decimals_of(rows[first].budget)));
            fputs(same ? "" : " of its row", f);
            fputs("\n", f);
        }
        for (size_t k = 0; k < shown_keys; k++) {
            if (k > 0)
                fputs("  ", f);
            put_cell_left(f, keys[k], key_w[k]);
        }
        if (!one_currency)
            fputs("  Currency", f);
        for (int i = 0; i < CS_SWEEP_N_STATS; i++)
            fprintf(f, "  %*s", col_w, heads[i]);
        if (with_budget)
            fprintf(f, "  %17s", "Budget confidence");
        fputc('\n', f);
        for (size_t c = 0; c < n_combinations; c++) {
            for (size_t k = 0; k < shown_keys; k++) {
                if (k > 0)
                    fputs("  ", f);
                put_cell_left(f, values[c * n_keys + k], key_w[k]);
            }
            if (!one_currency)
                fprintf(f, "  %-8s", rows[c].currency);
            for (int i = 0; i < CS_SWEEP_N_STATS; i++)
                fprintf(f, "  %*s", col_w,
                        format_amount(num, sizeof num, rows[c].stat[m][i], decimals));
            if (with_budget && rows[c].has_budget && rows[c].budget_measure == m)
                fprintf(f, "  %17s", percent_text(num, sizeof num, rows[c].budget_confidence));
            else if (with_budget) /* this row's budget is in another measure */
                fprintf(f, "  %17s", "-");
            fputc('\n', f);
        }
    }
}
