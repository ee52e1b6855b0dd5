/* report_html: the self-contained HTML report of a run or a comparison.
 *
 * Writes one file of HTML with inline CSS and inline SVG charts: no
 * scripts, no external requests, no web fonts, no dates or host names, so
 * the same results give the same bytes and the file can be mailed or
 * printed (A4 or Letter). The document is also well-formed XML, so tests
 * and tools can check it without a browser. Amounts arrive in millions of
 * the report currency and are shown scaled (million/billion/trillion) with
 * thousands separators; the exact numbers are in the CSV and XLSX outputs.
 * Does not compute statistics beyond what the charts need (bins, sampled
 * S-curve points). */
#include "report_html.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "report.h"
#include "stats.h"

/* Buffer sizes of a formatted number (amounts up to 1e30 with separators
 * fit; anything longer is cut, never overrun), of an amount with its unit
 * and currency, and of a label. */
#define NUM_LEN 48
#define MONEY_LEN (NUM_LEN + 16)
#define LABEL_LEN 256

/* Indices into cs_summary_row.p (order 5 10 20 50 80 90 95, results.h). */

/* Okabe-Ito colours: distinguishable with the common colour-vision
 * deficiencies; each measure also gets its own dash pattern for grey print. */
static const char *const measure_colour[CS_N_MEASURES] = {"#0072B2", "#D55E00", "#009E73"};
static const char *const measure_dash[CS_N_MEASURES] = {"7 4", "", "2 3"};
#define COLOUR_A "#0072B2"
#define COLOUR_B "#D55E00"
#define COLOUR_MARK "#333333"
#define COLOUR_BUDGET "#CC79A7"

/* ------------------------------------------------------------------ text */

/* Writes s escaped for HTML text and attribute values. C0 controls other
 * than tab and LF are not allowed in XML, so they become U+FFFD. */
static void put_esc(FILE *f, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
                fputs("\xef\xbf\xbd", f);
            else
                fputc(*p, f);
        }
    }
}

/* Width of s in user units at font size fs: SVG text cannot be measured
 * here, so estimate generously (Latin ~0.6 em, other scripts ~1 em) and
 * leave gaps. */
static double text_width(const char *s, double fs)
{
    double em = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80)
            em += (*p >= 'A' && *p <= 'Z') ? 0.68 : 0.58;
        else if ((*p & 0xc0) != 0x80) /* first byte of a multi-byte character */
            em += (*p == 0xe2) ? 0.6 : 1.0; /* U+2000..U+2FFF: dashes, minus */
    }
    return em * fs;
}

/* Copies at most max_chars characters of UTF-8 s into buf, ending with an
 * ellipsis when cut, never splitting a character. */
static void truncate_utf8(const char *s, size_t max_chars, char *buf, size_t size)
{
    size_t chars = 0, i = 0, cut = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (chars == max_chars)
                break;
            chars++;
            cut = i;
        }
        i++;
    }
    if (!s[i]) {
        snprintf(buf, size, "%s", s);
        return;
    }
    /* cut is the start of the last character kept; drop it for the "…" */
    if (cut + 4 > size)
        cut = size > 4 ? size - 4 : 0;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(buf, s, cut);
    memcpy(buf + cut, "\xe2\x80\xa6", 4);
}

/* x with thousands separators and `decimals` decimals; a true minus sign;
 * "–" for a value that is not finite. */
static char *fmt_num(char *buf, size_t size, double x, int decimals)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "\xe2\x80\x93");
        return buf;
    }
    char raw[400]; /* %f of any double */
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(x));
    bool negative = x < 0 && strspn(raw, "0.") != strlen(raw); /* no "−0" */
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    if (negative && o + 3 < size) {
        memcpy(buf, "\xe2\x88\x92", 3);
        o = 3;
    }
    for (size_t i = 0; i < int_len && o + 2 < size; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    if (dot)
        for (const char *p = dot; *p && o + 1 < size; p++)
            buf[o++] = *p;
    buf[o] = '\0';
    return buf;
}

/* Amounts are millions; a unit is the power of 1000 they are shown in. */
typedef struct {
    double div;       /* millions per shown unit */
    const char *word; /* "million" ... */
} unit;

static unit unit_for(double max_abs)
{
    if (max_abs >= 1e6)
        return (unit){1e6, "trillion"};
    if (max_abs >= 1e3)
        return (unit){1e3, "billion"};
    return (unit){1, "million"};
}

/* The number of an amount for prose, in the unit its size calls for, with
 * three or more significant digits: "52.3" (and *u = trillion). */
static char *fmt_amount(char *buf, size_t size, double millions, unit *u)
{
    *u = unit_for(fabs(millions));
    double v = millions / u->div;
    return fmt_num(buf, size, v, fabs(v) < 10 ? 2 : fabs(v) < 100 ? 1 : 0);
}

/* "52.3 trillion KRW" */
static char *fmt_money(char *buf, size_t size, double millions, const char *cur)
{
    unit u;
    char num[NUM_LEN];
    fmt_amount(num, sizeof num, millions, &u);
    snprintf(buf, size, "%s %s %s", num, u.word, cur);
    return buf;
}

/* The run's facts every label needs. */
typedef struct {
    const char *cur;   /* report currency code */
    int base_year;
    char basis[CS_N_MEASURES][48];  /* "constant 2026", "then-year", ... */
    char title[CS_N_MEASURES][64];  /* "Constant 2026 prices", ... */
} labels;

static void labels_init(labels *lb, const cs_results *r)
{
    const cs_model *m = r->model;
    lb->cur = m->currencies[m->report_currency].code;
    lb->base_year = m->base_year;
    snprintf(lb->basis[CS_CONSTANT], sizeof lb->basis[0], "constant %d", m->base_year);
    snprintf(lb->basis[CS_NOMINAL], sizeof lb->basis[0], "then-year");
    snprintf(lb->basis[CS_PV], sizeof lb->basis[0], "present value %d", m->base_year);
    snprintf(lb->title[CS_CONSTANT], sizeof lb->title[0], "Constant %d prices", m->base_year);
    snprintf(lb->title[CS_NOMINAL], sizeof lb->title[0], "Nominal (then-year)");
    snprintf(lb->title[CS_PV], sizeof lb->title[0], "Present value %d", m->base_year);
}

/* ---------------------------------------------------------------- charts */

/* 1-2-5 ticks covering [lo, hi] with about `target` intervals. */
typedef struct {
    double lo, hi, step;
} ticks;

static ticks nice_ticks(double lo, double hi, int target)
{
    if (!(hi > lo)) { /* a degenerate range (e.g. a fixed model): widen it */
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.05 : 1;
        lo -= pad;
        hi += pad;
    }
    double raw = (hi - lo) / target;
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    double step = (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
    ticks t = {floor(lo / step + 1e-9) * step, ceil(hi / step - 1e-9) * step, step};
    if (t.hi <= t.lo)
        t.hi = t.lo + step;
    return t;
}

static int tick_count(ticks t) { return (int)floor((t.hi - t.lo) / t.step + 0.5); }

/* Decimals that show a 1-2-5 step exactly in unit u. */
static int tick_decimals(ticks t, unit u)
{
    double s = t.step / u.div;
    return s >= 1 ? 0 : (int)ceil(-log10(s) - 1e-9);
}

typedef struct {
    double x0, y0, x1, y1;
} rect;

#define MAX_PLACED 96

typedef struct {
    FILE *f;
    double w, h;               /* viewBox */
    double left, right, top, bottom; /* plot area in user units */
    double xlo, xhi, ylo, yhi; /* data range of the plot area */
    rect placed[MAX_PLACED];   /* text already drawn, for overlap checks */
    size_t n_placed;
} chart;

#define FS 12.0       /* tick labels and annotations */
#define FS_AXIS 13.0  /* axis titles */

static double px(const chart *c, double x)
{
    return c->left + (x - c->xlo) / (c->xhi - c->xlo) * (c->right - c->left);
}

static double py(const chart *c, double y)
{
    return c->bottom - (y - c->ylo) / (c->yhi - c->ylo) * (c->bottom - c->top);
}

static void chart_begin(chart *c, FILE *f, double w, double h, const char *title)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->w = w;
    c->h = h;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
               "role=\"img\" class=\"chart\"><title>", w, h);
    put_esc(f, title);
    fputs("</title>\n", f);
}

static void chart_end(chart *c) { fputs("</svg>\n", c->f); }

/* The plot area inside the chart, in SVG units. */
static void chart_frame(chart *c, double left, double right, double top, double bottom)
{
    c->left = left;
    c->right = right;
    c->top = top;
    c->bottom = bottom;
}

/* The data range the plot area shows. */
static void chart_scale(chart *c, double xlo, double xhi, double ylo, double yhi)
{
    c->xlo = xlo;
    c->xhi = xhi;
    c->ylo = ylo;
    c->yhi = yhi;
}

static bool overlaps(const rect *a, const rect *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* The box of text at (x, y) (baseline), anchor 's'tart, 'm'iddle, 'e'nd. */
static rect text_box(double x, double y, const char *s, double fs, char anchor)
{
    double w = text_width(s, fs);
    double x0 = anchor == 's' ? x : anchor == 'm' ? x - w / 2 : x - w;
    return (rect){x0 - 2, y - fs * 0.85, x0 + w + 2, y + fs * 0.3};
}

static bool box_free(const chart *c, rect b)
{
    if (b.x0 < 0 || b.x1 > c->w || b.y0 < 0 || b.y1 > c->h)
        return false;
    for (size_t i = 0; i < c->n_placed; i++)
        if (overlaps(&b, &c->placed[i]))
            return false;
    return true;
}

static void reserve(chart *c, rect b)
{
    if (c->n_placed < MAX_PLACED)
        c->placed[c->n_placed++] = b;
}

/* Draws text and records its box. cls may be NULL; fill may be NULL. */
static void text_at(chart *c, double x, double y, const char *s, double fs, char anchor,
                    const char *cls, const char *fill)
{
    reserve(c, text_box(x, y, s, fs, anchor));
    fprintf(c->f, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
    if (anchor != 's')
        fprintf(c->f, " text-anchor=\"%s\"", anchor == 'm' ? "middle" : "end");
    if (fs != FS)
        fprintf(c->f, " font-size=\"%.0f\"", fs);
    if (cls)
        fprintf(c->f, " class=\"%s\"", cls);
    if (fill) /* a style attribute, since the stylesheet's fill beats an attribute */
        fprintf(c->f, " style=\"fill:%s\"", fill);
    fputc('>', c->f);
    put_esc(c->f, s);
    fputs("</text>\n", c->f);
}

/* A label near a point (x, y) of an S-curve: the first candidate offset
 * whose box is free of earlier labels and inside the chart; the first
 * candidate if none is. An S-curve rises to the right, so below-right and
 * above-left of a point are clear of its own curve; offsets go outwards so
 * that crowded labels stack instead of colliding. */
static void label_near(chart *c, double x, double y, const char *s, const char *fill)
{
    static const struct {
        double dx, dy;
        char anchor;
    } cand[] = {
        {9, 17, 's'},  {-9, -8, 'e'},  {9, 31, 's'},  {-9, -22, 'e'},
        {9, 45, 's'},  {-9, -36, 'e'}, {9, -8, 's'},  {-9, 17, 'e'},
        {9, 59, 's'},  {-9, -50, 'e'}, {9, -22, 's'}, {-9, 31, 'e'},
    };
    size_t n = sizeof cand / sizeof cand[0];
    for (size_t i = 0; i < n; i++) {
        double lx = x + cand[i].dx, ly = y + cand[i].dy;
        if (box_free(c, text_box(lx, ly, s, FS, cand[i].anchor))) {
            text_at(c, lx, ly, s, FS, cand[i].anchor, "halo", fill);
            return;
        }
    }
    text_at(c, x + 9, y + 17, s, FS, 's', "halo", fill);
}

/* A label for a vertical marker at x: in the first free row from the top
 * of the plot, right of the line, or left of it near the right edge. */
static void label_for_vline(chart *c, double x, const char *s, const char *fill)
{
    for (int row = 0; row < 8; row++) {
        double y = c->top + 14 + row * 15.0;
        if (box_free(c, text_box(x + 5, y, s, FS, 's')) &&
            x + 5 + text_width(s, FS) < c->right) {
            text_at(c, x + 5, y, s, FS, 's', "halo", fill);
            return;
        }
        if (box_free(c, text_box(x - 5, y, s, FS, 'e')) && x - 5 - text_width(s, FS) > c->left) {
            text_at(c, x - 5, y, s, FS, 'e', "halo", fill);
            return;
        }
    }
    text_at(c, x + 5, c->top + 14, s, FS, 's', "halo", fill);
}

/* An amount axis along the bottom: grid, ticks, labels in unit u. */
static void x_axis_amount(chart *c, ticks t, unit u, const char *title)
{
    int dec = tick_decimals(t, u);
    for (int i = 0; i <= tick_count(t); i++) {
        double v = t.lo + i * t.step;
        double x = px(c, v);
        char lab[NUM_LEN];
        fmt_num(lab, sizeof lab, fabs(v) < t.step * 1e-6 ? 0 : v / u.div, dec);
        fprintf(c->f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                x, c->top, x, c->bottom);
        text_at(c, x, c->bottom + 17, lab, FS, 'm', NULL, NULL);
    }
    text_at(c, (c->left + c->right) / 2, c->bottom + 38, title, FS_AXIS, 'm', "axis-title",
            NULL);
}

/* A vertical axis on the left: grid, ticks, labels; values shown as
 * v / div with `suffix` (e.g. "%"). */
static void y_axis(chart *c, ticks t, double div, int dec, const char *suffix,
                   const char *title)
{
    for (int i = 0; i <= tick_count(t); i++) {
        double v = t.lo + i * t.step;
        double y = py(c, v);
        char num[NUM_LEN], lab[NUM_LEN + 8];
        fmt_num(num, sizeof num, fabs(v) < t.step * 1e-6 ? 0 : v / div, dec);
        snprintf(lab, sizeof lab, "%s%s", num, suffix);
        fprintf(c->f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                c->left, y, c->right, y);
        text_at(c, c->left - 6, y + 4, lab, FS, 'e', NULL, NULL);
    }
    double x = 16, y = (c->top + c->bottom) / 2;
    fprintf(c->f, "<text class=\"axis-title\" font-size=\"%.0f\" text-anchor=\"middle\" "
                  "transform=\"translate(%.1f %.1f) rotate(-90)\">",
            FS_AXIS, x, y);
    put_esc(c->f, title);
    fputs("</text>\n", c->f);
}

static void frame(chart *c)
{
    fprintf(c->f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
            c->left, c->top, c->right - c->left, c->bottom - c->top);
}

/* One legend entry: a line sample (dash may be "") or a filled box. */
typedef struct {
    const char *text;
    const char *colour;
    const char *dash;
    bool box;     /* a filled box (bars, bands) instead of a line */
    double width; /* stroke width of the line sample; 0: a diamond marker */
} legend_item;

/* Legend in rows above the plot area, starting at y; wraps as needed. */
static void legend(chart *c, double y, const legend_item *items, size_t n)
{
    double x = c->left;
    for (size_t i = 0; i < n; i++) {
        double w = 28 + text_width(items[i].text, FS) + 18;
        if (x + w > c->right && x > c->left) {
            x = c->left;
            y += 17;
        }
        if (items[i].width == 0 && !items[i].box)
            fprintf(c->f, "<path d=\"M%.1f %.1fl6 6l-6 6l-6 -6z\" fill=\"%s\"/>\n", x + 11,
                    y - 10, items[i].colour);
        else if (items[i].box)
            fprintf(c->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"20\" height=\"10\" fill=\"%s\" "
                          "fill-opacity=\"0.35\" stroke=\"%s\"/>\n",
                    x, y - 9, items[i].colour, items[i].colour);
        else
            fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                          "stroke-width=\"%.1f\"%s%s%s/>\n",
                    x, y - 4, x + 22, y - 4, items[i].colour, items[i].width,
                    items[i].dash[0] ? " stroke-dasharray=\"" : "", items[i].dash,
                    items[i].dash[0] ? "\"" : "");
        text_at(c, x + 28, y, items[i].text, FS, 's', NULL, NULL);
        x += w;
    }
}

static void vline(chart *c, double x, const char *colour, const char *dash, double width)
{
    fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                  "stroke-width=\"%.1f\"%s%s%s/>\n",
            x, c->top, x, c->bottom, colour, width, dash[0] ? " stroke-dasharray=\"" : "", dash,
            dash[0] ? "\"" : "");
}

static void dot(chart *c, double x, double y, const char *colour)
{
    fprintf(c->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#fff\" "
                  "stroke-width=\"1.5\"/>\n", x, y, colour);
}

static void diamond(chart *c, double x, double y, const char *colour)
{
    fprintf(c->f, "<path d=\"M%.1f %.1fl6 6l-6 6l-6 -6z\" fill=\"%s\" stroke=\"#fff\" "
                  "stroke-width=\"1.5\"/>\n", x, y - 6, colour);
}

/* ------------------------------------------------------------- sections */

static void widen(double *lo, double *hi, double v)
{
    if (isfinite(v)) {
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
    }
}

/* S-curve points: 201 type-7 percentiles, enough for a smooth line even
 * with millions of trials. */
#define SCURVE_POINTS 200

static void scurve_path(chart *c, const double *sorted, uint64_t n, const char *colour,
                        const char *dash, double width)
{
    fputs("<polyline fill=\"none\" stroke-linejoin=\"round\" points=\"", c->f);
    for (int k = 0; k <= SCURVE_POINTS; k++) {
        double p = (double)k / SCURVE_POINTS;
        double v = cs_percentile_sorted(sorted, (size_t)n, p);
        fprintf(c->f, "%s%.1f,%.1f", k ? " " : "", px(c, v), py(c, p * 100));
    }
    fprintf(c->f, "\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s/>\n", colour, width,
            dash[0] ? " stroke-dasharray=\"" : "", dash, dash[0] ? "\"" : "");
}

/* Horizontal reference lines at 50 % and 80 %, labelled at the right. */
static void p50_p80_lines(chart *c)
{
    static const double lv[2] = {50, 80};
    for (int i = 0; i < 2; i++) {
        double y = py(c, lv[i]);
        fprintf(c->f, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                c->left, y, c->right, y);
        text_at(c, c->right + 5, y + 4, i ? "P80" : "P50", FS, 's', "strong", NULL);
    }
}

static void budget_marks(chart *c, const cs_results *r, const labels *lb, const char *who)
{
    if (!r->has_budget || !isfinite(r->budget))
        return;
    double x = px(c, r->budget), y = py(c, r->budget_confidence);
    fprintf(c->f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                  "stroke-dasharray=\"5 3\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n",
            COLOUR_BUDGET, x, c->bottom, x, y, c->left, y);
    char money[MONEY_LEN], conf[NUM_LEN], lab[LABEL_LEN];
    fmt_money(money, sizeof money, r->budget, lb->cur);
    fmt_num(conf, sizeof conf, r->budget_confidence, 1);
    snprintf(lab, sizeof lab, "%s%s %s: %s %% confidence", who, *who ? " budget" : "Budget",
             money, conf);
    label_for_vline(c, x, lab, COLOUR_BUDGET);
}

static void section_scurve(FILE *f, const cs_results *r, const labels *lb)
{
    uint64_t n = r->trials;
    double lo = INFINITY, hi = -INFINITY;
    for (int m = 0; m < CS_N_MEASURES; m++) {
        widen(&lo, &hi, r->sorted[m][0]);
        widen(&lo, &hi, r->sorted[m][n - 1]);
        widen(&lo, &hi, r->rows[m][0].point);
    }
    if (r->has_budget)
        widen(&lo, &hi, r->budget);
    ticks tx = nice_ticks(lo, hi, 7);
    unit u = unit_for(fmax(fabs(tx.lo), fabs(tx.hi)));

    chart c;
    chart_begin(&c, f, 820, 470, "S-curve: cumulative probability of the total cost");
    chart_frame(&c, 70, 770, 56, 400);
    chart_scale(&c, tx.lo, tx.hi, 0, 100);
    legend_item items[CS_N_MEASURES + 1];
    char names[CS_N_MEASURES][80];
    for (int m = 0; m < CS_N_MEASURES; m++) {
        snprintf(names[m], sizeof names[m], "%s", lb->title[m]);
        items[m] = (legend_item){names[m], measure_colour[m], measure_dash[m], false,
                                 m == CS_NOMINAL ? 3 : 2};
    }
    items[CS_N_MEASURES] = (legend_item){"Point estimate", COLOUR_MARK, "", false, 0};
    legend(&c, 22, items, CS_N_MEASURES + 1);
    ticks ty = {0, 100, 10};
    y_axis(&c, ty, 1, 0, "%", "Cumulative probability (share of trials \xe2\x89\xa4 total)");
    char title[200];
    snprintf(title, sizeof title, "Total cost, %s %s \xe2\x80\x94 %s / %s / %s (see legend)",
             u.word, lb->cur, lb->basis[CS_NOMINAL], lb->basis[CS_CONSTANT], lb->basis[CS_PV]);
    x_axis_amount(&c, tx, u, title);
    p50_p80_lines(&c);
    for (int m = CS_N_MEASURES - 1; m >= 0; m--) /* nominal drawn over constant */
        if (m != CS_NOMINAL)
            scurve_path(&c, r->sorted[m], n, measure_colour[m], measure_dash[m], 2);
    scurve_path(&c, r->sorted[CS_NOMINAL], n, measure_colour[CS_NOMINAL], "", 3);
    budget_marks(&c, r, lb, "");
    for (int m = 0; m < CS_N_MEASURES; m++) {
        const cs_summary_row *t = &r->rows[m][0];
        dot(&c, px(&c, t->p[CS_P50]), py(&c, 50), measure_colour[m]);
        dot(&c, px(&c, t->p[CS_P80]), py(&c, 80), measure_colour[m]);
        diamond(&c, px(&c, t->point), py(&c, t->point_percentile), measure_colour[m]);
    }
    /* Values are labelled for the nominal curve only (what budgets are set
     * in); the table under the chart gives all three measures. */
    const cs_summary_row *t = &r->rows[CS_NOMINAL][0];
    char money[MONEY_LEN], lab[LABEL_LEN], pct[NUM_LEN];
    fmt_money(money, sizeof money, t->p[CS_P50], lb->cur);
    snprintf(lab, sizeof lab, "P50 %s", money);
    label_near(&c, px(&c, t->p[CS_P50]), py(&c, 50), lab, measure_colour[CS_NOMINAL]);
    fmt_money(money, sizeof money, t->p[CS_P80], lb->cur);
    snprintf(lab, sizeof lab, "P80 %s", money);
    label_near(&c, px(&c, t->p[CS_P80]), py(&c, 80), lab, measure_colour[CS_NOMINAL]);
    fmt_money(money, sizeof money, t->point, lb->cur);
    fmt_num(pct, sizeof pct, t->point_percentile, 0);
    snprintf(lab, sizeof lab, "Point estimate %s (P%s)", money, pct);
    label_near(&c, px(&c, t->point), py(&c, t->point_percentile), lab,
               measure_colour[CS_NOMINAL]);
    frame(&c);
    chart_end(&c);
}

/* Key numbers of the S-curve, one row per measure. */
static void scurve_table(FILE *f, const cs_results *r, const labels *lb)
{
    double big = fabs(r->rows[CS_NOMINAL][0].p[CS_P80]);
    unit u = unit_for(big);
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
                measure_colour[m], lb->title[m], fmt_num(a, sizeof a, t->point / u.div, 1),
                fmt_num(b, sizeof b, t->point_percentile, 1),
                fmt_num(c, sizeof c, t->mean / u.div, 1),
                fmt_num(d, sizeof d, t->p[CS_P50] / u.div, 1),
                fmt_num(e, sizeof e, t->p[CS_P80] / u.div, 1));
    }
    fputs("</tbody></table>\n", f);
}

/* Bins of width w aligned on multiples of w (so edges fall on ticks); about
 * 2 n^(1/3) of them (Rice's rule), 8 to 40, so 200 trials do not look like
 * a comb and a million do not look like a block. */
static int bin_target(uint64_t n)
{
    double k = 2 * cbrt((double)n);
    return k < 8 ? 8 : k > 40 ? 40 : (int)k;
}

typedef struct {
    double start, width;
    size_t n;
    uint64_t *count;
} bins;

static int bins_make(bins *b, double lo, double hi, int target)
{
    ticks t = nice_ticks(lo, hi, target);
    b->width = t.step;
    b->start = floor(lo / t.step) * t.step;
    b->n = (size_t)floor((hi - b->start) / t.step) + 1;
    b->count = calloc(b->n, sizeof *b->count);
    return b->count ? 0 : -1;
}

static void bins_add(bins *b, double v)
{
    double k = floor((v - b->start) / b->width);
    size_t i = k < 0 ? 0 : (size_t)k >= b->n ? b->n - 1 : (size_t)k;
    b->count[i]++;
}

/* Bars of a histogram (percent of n trials), coloured by a threshold:
 * bins left of `split` in colour_lo, others colour_hi. */
static void bars(chart *c, const bins *b, uint64_t n, double split, const char *colour_lo,
                 const char *colour_hi)
{
    for (size_t i = 0; i < b->n; i++) {
        if (!b->count[i])
            continue;
        double x0 = b->start + i * b->width, x1 = x0 + b->width;
        double pct = 100.0 * (double)b->count[i] / (double)n;
        double X0 = px(c, x0), X1 = px(c, x1), Y = py(c, pct);
        const char *col = (x0 + x1) / 2 < split ? colour_lo : colour_hi;
        fprintf(c->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                      "fill-opacity=\"0.55\" stroke=\"%s\" stroke-width=\"0.6\"/>\n",
                X0, Y, fmax(X1 - X0, 0.5), c->bottom - Y, col, col);
    }
}

static double bins_max_pct(const bins *b, uint64_t n)
{
    uint64_t mx = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->count[i] > mx)
            mx = b->count[i];
    return 100.0 * (double)mx / (double)n;
}

static int section_histogram(FILE *f, const cs_results *r, const labels *lb)
{
    const double *s = r->sorted[CS_NOMINAL];
    uint64_t n = r->trials;
    const cs_summary_row *t = &r->rows[CS_NOMINAL][0];
    double lo = s[0], hi = s[n - 1];
    bins b;
    if (bins_make(&b, lo, hi, bin_target(n)) != 0)
        return -1;
    for (uint64_t j = 0; j < n; j++)
        bins_add(&b, s[j]);
    double xlo = b.start, xhi = b.start + b.n * b.width;
    widen(&xlo, &xhi, t->point);
    if (r->has_budget)
        widen(&xlo, &xhi, r->budget);
    ticks tx = nice_ticks(xlo, xhi, 7);
    unit u = unit_for(fmax(fabs(tx.lo), fabs(tx.hi)));
    ticks ty = nice_ticks(0, bins_max_pct(&b, n) * 1.25, 5);

    chart c;
    chart_begin(&c, f, 820, 380, "Histogram of the nominal total");
    chart_frame(&c, 70, 780, 20, 310);
    chart_scale(&c, tx.lo, tx.hi, 0, ty.hi);
    y_axis(&c, ty, 1, tick_decimals(ty, (unit){1, ""}), "%", "Share of trials");
    char title[160];
    snprintf(title, sizeof title, "Nominal total, %s %s, %s", u.word, lb->cur,
             lb->basis[CS_NOMINAL]);
    x_axis_amount(&c, tx, u, title);
    bars(&c, &b, n, -INFINITY, measure_colour[CS_NOMINAL], measure_colour[CS_NOMINAL]);
    free(b.count);

    char money[MONEY_LEN], lab[LABEL_LEN], pct[NUM_LEN];
    vline(&c, px(&c, t->p[CS_P50]), COLOUR_MARK, "", 1.5);
    vline(&c, px(&c, t->p[CS_P80]), COLOUR_MARK, "6 3", 1.5);
    vline(&c, px(&c, t->point), COLOUR_MARK, "2 2", 1.5);
    snprintf(lab, sizeof lab, "P50 %s", fmt_money(money, sizeof money, t->p[CS_P50], lb->cur));
    label_for_vline(&c, px(&c, t->p[CS_P50]), lab, COLOUR_MARK);
    snprintf(lab, sizeof lab, "P80 %s", fmt_money(money, sizeof money, t->p[CS_P80], lb->cur));
    label_for_vline(&c, px(&c, t->p[CS_P80]), lab, COLOUR_MARK);
    fmt_num(pct, sizeof pct, t->point_percentile, 0);
    snprintf(lab, sizeof lab, "Point estimate %s (P%s)",
             fmt_money(money, sizeof money, t->point, lb->cur), pct);
    label_for_vline(&c, px(&c, t->point), lab, COLOUR_MARK);
    if (r->has_budget) {
        vline(&c, px(&c, r->budget), COLOUR_BUDGET, "5 3", 1.5);
        fmt_num(pct, sizeof pct, r->budget_confidence, 1);
        snprintf(lab, sizeof lab, "Budget %s (%s %%)",
                 fmt_money(money, sizeof money, r->budget, lb->cur), pct);
        label_for_vline(&c, px(&c, r->budget), lab, COLOUR_BUDGET);
    }
    frame(&c);
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

static void section_fan(FILE *f, const cs_results *r, const labels *lb)
{
    size_t ny = r->n_years;
    if (ny == 0) {
        fputs("<p class=\"note\">No trial had a cash flow.</p>\n", f);
        return;
    }
    double lo = 0, hi = 0;
    for (size_t i = 0; i < ny; i++) {
        widen(&lo, &hi, r->year_p10[i]);
        widen(&lo, &hi, r->year_p90[i]);
        widen(&lo, &hi, r->year_mean[i]);
    }
    ticks ty = nice_ticks(lo, hi * 1.05, 6);
    unit u = unit_for(fmax(fabs(ty.lo), fabs(ty.hi)));

    chart c;
    chart_begin(&c, f, 820, 420, "Funding profile: nominal cost per year");
    chart_frame(&c, 80, 790, 44, 360);
    /* half a year of margin so the first and last years are not on the frame */
    chart_scale(&c, r->first_year - 0.5, r->first_year + (double)ny - 0.5, ty.lo, ty.hi);
    legend_item items[] = {
        {"P10\xe2\x80\x93P90 (80 % of trials)", measure_colour[CS_NOMINAL], "", true, 0},
        {"P50", measure_colour[CS_NOMINAL], "", false, 2.5},
        {"Mean", COLOUR_MARK, "6 4", false, 1.5},
    };
    legend(&c, 22, items, sizeof items / sizeof items[0]);
    char title[160];
    snprintf(title, sizeof title, "Nominal cost per year, %s %s, %s", u.word, lb->cur,
             lb->basis[CS_NOMINAL]);
    y_axis(&c, ty, u.div, tick_decimals(ty, u), "", title);
    int step = year_step(ny, c.right - c.left);
    for (size_t i = 0; i < ny; i++) {
        int year = r->first_year + (int)i;
        double x = px(&c, year);
        fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                c.bottom, x, c.bottom + (year % step == 0 ? 5 : 2.5));
        if (year % step == 0) {
            char lab[16];
            snprintf(lab, sizeof lab, "%d", year);
            text_at(&c, x, c.bottom + 18, lab, FS, 'm', NULL, NULL);
        }
    }
    text_at(&c, (c.left + c.right) / 2, c.bottom + 40, "Year (then-year amounts)", FS_AXIS, 'm',
            "axis-title", NULL);
    fputs("<polygon fill-opacity=\"0.25\" stroke=\"none\" fill=\"", f);
    fputs(measure_colour[CS_NOMINAL], f);
    fputs("\" points=\"", f);
    for (size_t i = 0; i < ny; i++)
        fprintf(f, "%s%.1f,%.1f", i ? " " : "", px(&c, r->first_year + (double)i),
                py(&c, r->year_p90[i]));
    for (size_t i = ny; i-- > 0;)
        fprintf(f, " %.1f,%.1f", px(&c, r->first_year + (double)i), py(&c, r->year_p10[i]));
    fputs("\"/>\n", f);
    const double *series[2] = {r->year_p50, r->year_mean};
    for (int s = 0; s < 2; s++) {
        fputs("<polyline fill=\"none\" stroke-linejoin=\"round\" points=\"", f);
        for (size_t i = 0; i < ny; i++)
            fprintf(f, "%s%.1f,%.1f", i ? " " : "", px(&c, r->first_year + (double)i),
                    py(&c, series[s][i]));
        fprintf(f, "\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
                s ? COLOUR_MARK : measure_colour[CS_NOMINAL], s ? "1.5" : "2.5",
                s ? " stroke-dasharray=\"6 4\"" : "");
    }
    if (ny == 1) /* a single year has no line to draw */
        dot(&c, px(&c, r->first_year), py(&c, r->year_p50[0]), measure_colour[CS_NOMINAL]);
    frame(&c);
    chart_end(&c);
}

static const char *kind_word(cs_input_kind k)
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
    truncate_utf8(input ? input : "", 28, cut, sizeof cut);
    if (kind == CS_INPUT_SLIP)
        snprintf(buf, size, "Schedule slip");
    else if (kind == CS_INPUT_INFLATION || kind == CS_INPUT_FX)
        snprintf(buf, size, "%s %s", cut, kind_word(kind));
    else
        snprintf(buf, size, "%s (%s)", cut, kind_word(kind));
}

static void section_tornado(FILE *f, const cs_results *r, const labels *lb)
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
        name_w = fmax(name_w, text_width(names[i], FS));
        widen(&lo, &hi, r->tornado[i].low);
        widen(&lo, &hi, r->tornado[i].high);
    }
    double left = fmin(fmax(name_w + 16, 110), 330);
    double right = 790, plot_w = right - left;
    /* room for the value labels (~70 units) beside the longest bars */
    double span = hi > lo ? hi - lo : fabs(hi) * 0.1 + 1;
    double pad = span * 70 / (plot_w - 140);
    ticks tx = nice_ticks(lo - pad, hi + pad, 6);
    unit u = unit_for(fmax(fabs(tx.lo), fabs(tx.hi)));
    int dec = fabs(hi) / u.div < 100 ? 2 : 1;

    double row_h = 30;
    chart c;
    chart_begin(&c, f, 820, 84 + 56 + row_h * shown, "Tornado: top drivers of the nominal P50");
    chart_frame(&c, left, right, 56, 56 + row_h * shown + 6);
    chart_scale(&c, tx.lo, tx.hi, 0, 0);
    legend_item items[] = {
        {"Input at its P10 (risk absent)", COLOUR_A, "", true, 0},
        {"Input at its P90 (risk at P90 impact)", COLOUR_B, "", true, 0},
    };
    legend(&c, 22, items, 2);
    char title[160];
    snprintf(title, sizeof title, "Nominal total P50, %s %s, %s", u.word, lb->cur,
             lb->basis[CS_NOMINAL]);
    x_axis_amount(&c, tx, u, title);
    double p50 = r->tornado[0].p50;
    for (size_t i = 0; i < shown; i++) {
        const cs_tornado *t = &r->tornado[i];
        double yc = c.top + 6 + row_h * (i + 0.5);
        text_at(&c, c.left - 8, yc + 4, names[i], FS, 'e', NULL, NULL);
        double xp = px(&c, p50);
        const double v[2] = {t->low, t->high};
        const char *col[2] = {COLOUR_A, COLOUR_B};
        for (int s = 0; s < 2; s++) {
            double xv = px(&c, v[s]);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                       "fill-opacity=\"0.75\"/>\n",
                    fmin(xp, xv), yc - row_h * 0.32, fmax(fabs(xv - xp), 0.8), row_h * 0.64,
                    col[s]);
        }
        /* value labels outside the bar ends: the smaller value left */
        char a[NUM_LEN], b[NUM_LEN];
        double vmin = fmin(t->low, t->high), vmax = fmax(t->low, t->high);
        fmt_num(a, sizeof a, vmin / u.div, dec);
        fmt_num(b, sizeof b, vmax / u.div, dec);
        text_at(&c, fmin(px(&c, vmin), xp) - 4, yc + 4, a, FS, 'e', NULL, NULL);
        text_at(&c, fmax(px(&c, vmax), xp) + 4, yc + 4, b, FS, 's', NULL, NULL);
    }
    vline(&c, px(&c, p50), COLOUR_MARK, "", 1.2);
    char money[MONEY_LEN], lab[LABEL_LEN];
    snprintf(lab, sizeof lab, "P50 %s", fmt_money(money, sizeof money, p50, lb->cur));
    text_at(&c, px(&c, p50), c.top - 4, lab, FS, 'm', "strong", NULL);
    frame(&c);
    chart_end(&c);
}

static void section_attribution(FILE *f, const cs_results *r)
{
    size_t n = r->n_attribution;
    if (n == 0)
        return;
    double lo = 0, hi = 0, name_w = 0;
    for (size_t i = 0; i < n; i++) {
        widen(&lo, &hi, r->attribution[i].variance_share * 100);
        name_w = fmax(name_w, text_width(r->attribution[i].source, FS));
    }
    double left = fmax(name_w + 16, 100), right = 760;
    double span = hi - lo > 0 ? hi - lo : 1;
    double pad = span * 50 / (right - left - 100);
    ticks tx = nice_ticks(lo < 0 ? lo - pad : 0, hi + pad, 6);
    double row_h = 26;
    chart c;
    chart_begin(&c, f, 820, 80 + row_h * n + 10, "Variance attribution by source");
    chart_frame(&c, left, right, 14, 14 + row_h * n + 6);
    chart_scale(&c, tx.lo, tx.hi, 0, 0);
    for (int i = 0; i <= tick_count(tx); i++) {
        double v = tx.lo + i * tx.step, x = px(&c, v);
        char lab[NUM_LEN + 8], num[NUM_LEN];
        fmt_num(num, sizeof num, fabs(v) < tx.step * 1e-6 ? 0 : v, tick_decimals(tx, (unit){1, ""}));
        snprintf(lab, sizeof lab, "%s%%", num);
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                c.top, x, c.bottom);
        text_at(&c, x, c.bottom + 17, lab, FS, 'm', NULL, NULL);
    }
    text_at(&c, (c.left + c.right) / 2, c.bottom + 38,
            "Share of the variance of the nominal (then-year) total", FS_AXIS, 'm',
            "axis-title", NULL);
    double x0 = px(&c, 0);
    for (size_t i = 0; i < n; i++) {
        const cs_attribution *a = &r->attribution[i];
        double v = a->variance_share * 100, yc = c.top + 6 + row_h * (i + 0.5);
        bool interaction = strcmp(a->source, "interaction") == 0;
        const char *col = interaction ? "#999999" : COLOUR_A;
        double xv = px(&c, v);
        text_at(&c, c.left - 8, yc + 4, a->source, FS, 'e', NULL, NULL);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                   "fill-opacity=\"0.8\"%s/>\n",
                fmin(x0, xv), yc - row_h * 0.3, fmax(fabs(xv - x0), 0.8), row_h * 0.6, col,
                interaction ? " stroke=\"#555\" stroke-dasharray=\"3 2\"" : "");
        char num[NUM_LEN], lab[NUM_LEN + 8];
        fmt_num(num, sizeof num, v, 1);
        snprintf(lab, sizeof lab, "%s %%", num);
        if (v >= 0)
            text_at(&c, fmax(xv, x0) + 4, yc + 4, lab, FS, 's', NULL, NULL);
        else
            text_at(&c, xv - 4, yc + 4, lab, FS, 'e', NULL, NULL);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x0,
            c.top, x0, c.bottom);
    frame(&c);
    chart_end(&c);
}

/* ---------------------------------------------------------------- tables */

static void kv_row(FILE *f, const char *key, const char *value)
{
    fputs("<tr><th>", f);
    put_esc(f, key);
    fputs("</th><td>", f);
    put_esc(f, value);
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

static void settings_rows(FILE *f, const cs_results *r, const labels *lb)
{
    const cs_model *m = r->model;
    char v[LABEL_LEN * 2], a[MONEY_LEN], b[MONEY_LEN];
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
    fmt_num(a, sizeof a, (double)r->trials, 0);
    if (m->trials != r->trials) {
        fmt_num(b, sizeof b, (double)m->trials, 0);
        snprintf(v, sizeof v, "%s (ceiling %s)", a, b);
    } else {
        snprintf(v, sizeof v, "%s", a);
    }
    kv_row(f, "Trials", v);
    if (r->sensitivity_trials && r->sensitivity_trials != r->trials) {
        fmt_num(a, sizeof a, (double)r->sensitivity_trials, 0);
        snprintf(v, sizeof v, "drivers measured on the first %s trials", a);
        kv_row(f, "Sensitivity", v);
    }
    snprintf(v, sizeof v, "%" PRIu64, m->seed);
    kv_row(f, "Seed", v);
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
    fmt_num(a, sizeof a, m->discount_rate * 100, 2);
    snprintf(v, sizeof v, "%s %% a year (nominal), to %d", a, m->base_year);
    kv_row(f, "Discount rate", v);
    snprintf(v, sizeof v, "%.3g between elements not listed in correlations.csv%s",
             m->default_correlation,
             m->corr_repaired ? "; matrix repaired to the nearest valid one" : "");
    kv_row(f, "Default correlation", v);
    if (r->has_budget) {
        fmt_money(a, sizeof a, r->budget, lb->cur);
        fmt_num(b, sizeof b, r->budget_confidence, 1);
        snprintf(v, sizeof v, "%s then-year; %s %% of trials within it", a, b);
        kv_row(f, "Budget", v);
    } else {
        kv_row(f, "Budget", "none set");
    }
    char c1[MONEY_LEN], c2[MONEY_LEN];
    fmt_money(c1, sizeof c1, r->mean_ci[0], lb->cur);
    fmt_money(c2, sizeof c2, r->mean_ci[1], lb->cur);
    snprintf(v, sizeof v, "mean %s \xe2\x80\x93 %s", c1, c2);
    fmt_money(c1, sizeof c1, r->p80_ci[0], lb->cur);
    fmt_money(c2, sizeof c2, r->p80_ci[1], lb->cur);
    size_t o = strlen(v);
    snprintf(v + o, sizeof v - o, "; P80 %s \xe2\x80\x93 %s", c1, c2);
    kv_row(f, "95 % confidence of the nominal estimates (Monte Carlo error)", v);
    if (r->precision > 0) {
        fmt_num(a, sizeof a, r->precision * 100, 2);
        snprintf(v, sizeof v, "\xc2\xb1%s %%: %s", a,
                 r->precision_met ? "reached" : "NOT reached within the trials ceiling");
        kv_row(f, "Precision target", v);
    }
}

static void currency_table(FILE *f, const cs_model *m)
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
        put_esc(f, c->code);
        fprintf(f, "%s%s</th><td>%.10g</td><td>%s</td>", c->is_base ? " (base)" : "",
                i == m->report_currency ? " (report)" : "", c->rate,
                fxn[c->fx_model <= CS_FX_OU ? c->fx_model : 0]);
        if (c->fx_model == CS_FX_FIXED)
            fputs("<td></td><td></td><td></td>", f);
        else
            fprintf(f, "<td>%.4g</td><td>%.4g</td><td>%.4g</td>", c->drift, c->volatility,
                    c->reversion);
        if (c->hedge_ratio > 0)
            fprintf(f, "<td>%.4g %% at %.10g</td>", c->hedge_ratio * 100, c->hedge_rate);
        else
            fputs("<td>no</td>", f);
        fputs("<td>", f);
        put_esc(f, infl);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void warnings_list(FILE *f, const cs_model *m)
{
    if (!m->warnings || !m->warnings[0])
        return;
    fputs("<ul class=\"warn\">\n", f);
    for (char **w = m->warnings; *w; w++) {
        fputs("<li>", f);
        put_esc(f, *w);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

static void summary_row(FILE *f, const cs_summary_row *row, const char *label, const char *cls,
                        unit u)
{
    char v[7][NUM_LEN];
    fmt_num(v[0], sizeof v[0], row->point / u.div, 1);
    fmt_num(v[1], sizeof v[1], row->mean / u.div, 1);
    fmt_num(v[2], sizeof v[2], row->p[CS_P10] / u.div, 1);
    fmt_num(v[3], sizeof v[3], row->p[CS_P50] / u.div, 1);
    fmt_num(v[4], sizeof v[4], row->p[CS_P80] / u.div, 1);
    fmt_num(v[5], sizeof v[5], row->p[CS_P90] / u.div, 1);
    fmt_num(v[6], sizeof v[6], row->point_percentile, 1);
    fprintf(f, "<tr class=\"%s\"><th>", cls);
    put_esc(f, label);
    fprintf(f, "</th><td>%s</td><td>%s</td><td>%s</td><td class=\"key\">%s</td>"
               "<td class=\"key\">%s</td><td>%s</td><td>%s</td></tr>\n",
            v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
}

/* Rows beyond this many elements and risks are left to summary.csv. */
#define MAX_ITEM_ROWS 300

/* The summary of one measure: total, each phase with its elements and
 * risks indented under it. */
static void summary_table(FILE *f, const cs_results *r, const labels *lb, cs_measure ms)
{
    const cs_model *m = r->model;
    const cs_summary_row *rows = r->rows[ms];
    unit u = unit_for(fabs(rows[0].p[CS_P90]) >= fabs(rows[0].point) ? fabs(rows[0].p[CS_P90])
                                                                  : fabs(rows[0].point));
    /* one unit smaller than the headline, so elements keep their digits */
    if (u.div > 1)
        u = unit_for(u.div / 1000);
    fputs("<table class=\"num summary\"><caption>", f);
    put_esc(f, lb->title[ms]);
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
                snprintf(label, sizeof label, "%s \xe2\x80\x94 %s%s", row->id, name,
                         is_el ? "" : " (risk)");
            else
                snprintf(label, sizeof label, "%s%s", row->id, is_el ? "" : " (risk)");
            summary_row(f, row, label, "item", u);
        }
    }
    fputs("</tbody></table>\n", f);
    if (items > MAX_ITEM_ROWS)
        fprintf(f, "<p class=\"note\">%zu more elements and risks are in summary.csv.</p>\n",
                items - MAX_ITEM_ROWS);
}

/* Drivers shown beyond the tornado; the rest are in sensitivity.csv. */
#define MAX_SENSITIVITY_ROWS 20

static void sensitivity_table(FILE *f, const cs_results *r)
{
    if (r->n_sensitivity == 0)
        return;
    fputs("<table class=\"num compact\"><thead><tr><th>Input</th><th class=\"text\">Kind</th>"
          "<th>Rank correlation with the nominal total</th><th>Share of \xcf\x81\xc2\xb2</th>"
          "</tr></thead><tbody>\n", f);
    size_t n = r->n_sensitivity < MAX_SENSITIVITY_ROWS ? r->n_sensitivity : MAX_SENSITIVITY_ROWS;
    for (size_t i = 0; i < n; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        char rho[NUM_LEN], share[NUM_LEN];
        fmt_num(rho, sizeof rho, s->rank_correlation, 3);
        fmt_num(share, sizeof share, s->variance_share * 100, 1);
        fputs("<tr><th>", f);
        put_esc(f, s->input);
        fprintf(f, "</th><td class=\"text\">%s</td><td>%s</td><td>%s %%</td></tr>\n",
                kind_word(s->kind), rho, share);
    }
    fputs("</tbody></table>\n", f);
    if (r->n_sensitivity > n)
        fprintf(f, "<p class=\"note\">%zu more inputs are in sensitivity.csv.</p>\n",
                r->n_sensitivity - n);
}

/* ------------------------------------------------------------- document */

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
    "tbody th{text-align:left}\n"
    "tbody th{font-weight:normal}\n"
    "table.num td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.num td.text{text-align:left}\n"
    "caption{text-align:left;font-weight:600;padding:4px 0}\n"
    ".key{background:var(--key)}\n"
    "tr.total th,tr.total td{font-weight:700;border-top:2px solid var(--rule)}\n"
    "tr.phase th,tr.phase td{font-weight:600;background:#f6f6f6}\n"
    "tr.item th{padding-left:22px}\n"
    ".settings th{width:32%}\n"
    ".swatch{display:inline-block;width:12px;height:12px;margin-right:6px;"
    "vertical-align:-1px;border-radius:2px}\n"
    ".note{color:var(--muted);font-size:.88em}\n"
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
    "table.summary{break-inside:auto}tr{break-inside:avoid}"
    "thead{display:table-header-group}}\n";

static void doc_begin(FILE *f, const char *title_prefix, const char *name)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<meta name=\"generator\" content=\"costsim\"/>\n<title>",
          f);
    put_esc(f, title_prefix);
    put_esc(f, name);
    fputs("</title>\n<style>\n", f);
    fputs(css, f);
    fputs("</style>\n</head>\n<body>\n", f);
}

static void doc_end(FILE *f)
{
    fputs("<p class=\"note\">Produced by costsim. Amounts are Monte Carlo estimates in the "
          "report currency, scaled for reading; the exact values are in summary.csv and "
          "results.xlsx.</p>\n</body>\n</html>\n", f);
}

/* One key figure: a label, the value in large type, its unit on a line of
 * its own (so "63.9 / trillion KRW, then-year" fits a narrow box), a
 * remark. */
static void headline_fig(FILE *f, const char *label, const char *value, const char *value_unit,
                         const char *sub)
{
    fputs("<div class=\"fig\"><div class=\"l\">", f);
    put_esc(f, label);
    fputs("</div><div><span class=\"v\">", f);
    put_esc(f, value);
    fputs("</span> <span class=\"u\">", f);
    put_esc(f, value_unit);
    fputs("</span></div><div class=\"l\">", f);
    put_esc(f, sub);
    fputs("</div></div>\n", f);
}

static void headline_money(FILE *f, const char *label, double millions, const char *cur,
                           const char *basis, const char *sub)
{
    unit u;
    char v[NUM_LEN], word[96];
    fmt_amount(v, sizeof v, millions, &u);
    snprintf(word, sizeof word, "%s %s, %s", u.word, cur, basis);
    headline_fig(f, label, v, word, sub);
}

static void headline(FILE *f, const cs_results *r, const labels *lb)
{
    const cs_summary_row *t = &r->rows[CS_NOMINAL][0], *k = &r->rows[CS_CONSTANT][0];
    char v[NUM_LEN], s[LABEL_LEN], n1[MONEY_LEN];
    fputs("<div class=\"headline\">\n", f);
    headline_money(f, "P50 total", t->p[CS_P50], lb->cur, lb->basis[CS_NOMINAL],
                   "half of the trials cost no more");
    headline_money(f, "P80 total", t->p[CS_P80], lb->cur, lb->basis[CS_NOMINAL],
                   "80 % of the trials cost no more");
    fmt_num(n1, sizeof n1, t->point_percentile, 0);
    snprintf(s, sizeof s, "falls at P%s", n1);
    headline_money(f, "Point estimate", t->point, lb->cur, lb->basis[CS_NOMINAL], s);
    fmt_money(n1, sizeof n1, k->p[CS_P80], lb->cur);
    snprintf(s, sizeof s, "P80 %s", n1);
    headline_money(f, "P50 total", k->p[CS_P50], lb->cur, lb->basis[CS_CONSTANT], s);
    if (r->has_budget) {
        char pct[NUM_LEN + 4];
        fmt_num(v, sizeof v, r->budget_confidence, 1);
        snprintf(pct, sizeof pct, "%s %%", v);
        fmt_money(n1, sizeof n1, r->budget, lb->cur);
        snprintf(s, sizeof s, "budget %s, then-year", n1);
        headline_fig(f, "Budget confidence", pct, "of trials within budget", s);
    }
    fputs("</div>\n", f);
}

static int run_body(FILE *f, const cs_results *r, const labels *lb, const char *h)
{
    const cs_model *m = r->model;
    fprintf(f, "<h2>%sSettings and assumptions</h2>\n<table class=\"settings\"><tbody>\n", h);
    settings_rows(f, r, lb);
    fputs("</tbody></table>\n", f);
    currency_table(f, m);
    warnings_list(f, m);
    fputs("<p class=\"note\">Constant: base-year prices and exchange rates, no hedging. "
          "Nominal (then-year): escalated by each currency&#39;s inflation and converted at "
          "the simulated exchange rates. Present value: the then-year cash flows discounted "
          "to the base year.</p>\n", f);

    fprintf(f, "<h2>%sS-curve</h2>\n<figure>\n", h);
    section_scurve(f, r, lb);
    fputs("<figcaption>Cumulative probability that the total cost is at or below each "
          "amount. Dots: P50 and P80; diamonds: the point estimate (every input at its most "
          "likely value, no risks) and where it falls.</figcaption>\n", f);
    scurve_table(f, r, lb);
    fputs("</figure>\n", f);

    fprintf(f, "<h2>%sDistribution of the nominal total</h2>\n<figure>\n", h);
    if (section_histogram(f, r, lb) != 0)
        return -1;
    fputs("<figcaption>Share of trials per bin of the then-year total.</figcaption>\n"
          "</figure>\n", f);

    fprintf(f, "<h2>%sFunding profile</h2>\n<figure>\n", h);
    section_fan(f, r, lb);
    fputs("<figcaption>Nominal (then-year) cost per year: the band holds the middle 80 % of "
          "trials in each year. Yearly percentiles do not add up to percentiles of the "
          "total.</figcaption>\n</figure>\n", f);

    fprintf(f, "<h2>%sTop drivers</h2>\n<figure>\n", h);
    section_tornado(f, r, lb);
    fputs("<figcaption>Nominal P50 with one input held at its P10 or P90 and every other "
          "input on the same random numbers.</figcaption>\n</figure>\n", f);
    sensitivity_table(f, r);
    if (r->n_attribution) {
        fprintf(f, "<h3>%sVariance attribution by source</h3>\n<figure>\n", h);
        section_attribution(f, r);
        fputs("<figcaption>Share of the nominal total&#39;s variance removed by freezing one "
              "source at its point estimate. Interaction is what the single-source shares do "
              "not add up to; a negative value means freezing sources one at a time removes "
              "more variance in total than there is (their effects overlap).</figcaption>\n"
              "</figure>\n", f);
    }

    fprintf(f, "<h2>%sSummary by phase and element</h2>\n", h);
    for (int ms = 0; ms < CS_N_MEASURES; ms++)
        summary_table(f, r, lb, (cs_measure)ms);
    return 0;
}

int cs_report_html(FILE *f, const cs_results *r)
{
    labels lb;
    labels_init(&lb, r);
    doc_begin(f, "Cost estimate: ", r->model->name);
    fputs("<h1>", f);
    put_esc(f, r->model->name);
    fputs("</h1>\n<p class=\"sub\">Monte Carlo cost estimate \xc2\xb7 ", f);
    char n[NUM_LEN];
    fmt_num(n, sizeof n, (double)r->trials, 0);
    fprintf(f, "%s trials \xc2\xb7 base year %d \xc2\xb7 amounts in %s (then-year unless "
               "marked constant %d or present value)</p>\n",
            n, lb.base_year, lb.cur, lb.base_year);
    headline(f, r, &lb);
    int rc = run_body(f, r, &lb, "");
    doc_end(f);
    return rc;
}

/* ---------------------------------------------------------------- compare */

static void compare_scurves(FILE *f, const cs_results *a, const cs_results *b, const labels *lb)
{
    const cs_results *rs[2] = {a, b};
    const char *col[2] = {COLOUR_A, COLOUR_B};
    double lo = INFINITY, hi = -INFINITY;
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < 2; m++) { /* constant and nominal */
            widen(&lo, &hi, rs[s]->sorted[m][0]);
            widen(&lo, &hi, rs[s]->sorted[m][rs[s]->trials - 1]);
        }
    for (int s = 0; s < 2; s++)
        if (rs[s]->has_budget)
            widen(&lo, &hi, rs[s]->budget);
    ticks tx = nice_ticks(lo, hi, 7);
    unit u = unit_for(fmax(fabs(tx.lo), fabs(tx.hi)));
    chart c;
    chart_begin(&c, f, 820, 470, "S-curves of scenarios A and B");
    chart_frame(&c, 70, 770, 56, 400);
    chart_scale(&c, tx.lo, tx.hi, 0, 100);
    char names[4][LABEL_LEN], cut[2][LABEL_LEN / 2];
    for (int s = 0; s < 2; s++)
        truncate_utf8(rs[s]->model->name, 24, cut[s], sizeof cut[s]);
    snprintf(names[0], sizeof names[0], "A %s, then-year", cut[0]);
    snprintf(names[1], sizeof names[1], "B %s, then-year", cut[1]);
    snprintf(names[2], sizeof names[2], "A, %s", lb->basis[CS_CONSTANT]);
    snprintf(names[3], sizeof names[3], "B, %s", lb->basis[CS_CONSTANT]);
    legend_item items[4] = {
        {names[0], COLOUR_A, "", false, 3},
        {names[1], COLOUR_B, "", false, 3},
        {names[2], COLOUR_A, "7 4", false, 1.5},
        {names[3], COLOUR_B, "7 4", false, 1.5},
    };
    legend(&c, 22, items, 4);
    ticks ty = {0, 100, 10};
    y_axis(&c, ty, 1, 0, "%", "Cumulative probability (share of trials \xe2\x89\xa4 total)");
    char title[200];
    snprintf(title, sizeof title, "Total cost, %s %s \xe2\x80\x94 then-year (solid), %s (dashed)",
             u.word, lb->cur, lb->basis[CS_CONSTANT]);
    x_axis_amount(&c, tx, u, title);
    p50_p80_lines(&c);
    for (int s = 0; s < 2; s++)
        scurve_path(&c, rs[s]->sorted[CS_CONSTANT], rs[s]->trials, col[s], "7 4", 1.5);
    for (int s = 0; s < 2; s++)
        scurve_path(&c, rs[s]->sorted[CS_NOMINAL], rs[s]->trials, col[s], "", 3);
    for (int s = 0; s < 2; s++)
        budget_marks(&c, rs[s], lb, s ? "B" : "A");
    for (int s = 0; s < 2; s++) {
        const cs_summary_row *t = &rs[s]->rows[CS_NOMINAL][0];
        char money[MONEY_LEN], lab[LABEL_LEN];
        dot(&c, px(&c, t->p[CS_P50]), py(&c, 50), col[s]);
        dot(&c, px(&c, t->p[CS_P80]), py(&c, 80), col[s]);
        snprintf(lab, sizeof lab, "%s P50 %s", s ? "B" : "A",
                 fmt_money(money, sizeof money, t->p[CS_P50], lb->cur));
        label_near(&c, px(&c, t->p[CS_P50]), py(&c, 50), lab, col[s]);
        snprintf(lab, sizeof lab, "%s P80 %s", s ? "B" : "A",
                 fmt_money(money, sizeof money, t->p[CS_P80], lb->cur));
        label_near(&c, px(&c, t->p[CS_P80]), py(&c, 80), lab, col[s]);
    }
    frame(&c);
    chart_end(&c);
}

static int compare_difference(FILE *f, const cs_results *a, const cs_results *b,
                              const labels *lb, const cs_compare_row *row)
{
    uint64_t n = a->trials;
    const double *ta = a->totals[CS_NOMINAL], *tb = b->totals[CS_NOMINAL];
    double lo = INFINITY, hi = -INFINITY;
    for (uint64_t j = 0; j < n; j++)
        widen(&lo, &hi, tb[j] - ta[j]);
    bins bn;
    if (bins_make(&bn, lo, hi, bin_target(n)) != 0)
        return -1;
    for (uint64_t j = 0; j < n; j++)
        bins_add(&bn, tb[j] - ta[j]);
    double xlo = fmin(bn.start, 0), xhi = fmax(bn.start + bn.n * bn.width, 0);
    ticks tx = nice_ticks(xlo, xhi, 7);
    unit u = unit_for(fmax(fabs(tx.lo), fabs(tx.hi)));
    ticks ty = nice_ticks(0, bins_max_pct(&bn, n) * 1.3, 5);
    chart c;
    chart_begin(&c, f, 820, 400, "Difference B minus A of the nominal total, per trial");
    chart_frame(&c, 70, 780, 44, 330);
    chart_scale(&c, tx.lo, tx.hi, 0, ty.hi);
    legend_item items[] = {
        {"Trials where B costs less", COLOUR_A, "", true, 0},
        {"Trials where B costs more", COLOUR_B, "", true, 0},
    };
    legend(&c, 22, items, 2);
    y_axis(&c, ty, 1, tick_decimals(ty, (unit){1, ""}), "%", "Share of trials");
    char title[160];
    snprintf(title, sizeof title, "B \xe2\x88\x92 A nominal total, %s %s, then-year", u.word,
             lb->cur);
    x_axis_amount(&c, tx, u, title);
    bars(&c, &bn, n, 0, COLOUR_A, COLOUR_B);
    free(bn.count);
    vline(&c, px(&c, 0), "#000", "", 1.5);
    char money[MONEY_LEN], lab[LABEL_LEN], pct[NUM_LEN];
    fmt_num(pct, sizeof pct, row->p_b_gt_a, 1);
    snprintf(lab, sizeof lab, "P(B > A) = %s %%", pct);
    label_for_vline(&c, px(&c, 0), lab, "#000");
    vline(&c, px(&c, row->p50), COLOUR_MARK, "6 3", 1.2);
    snprintf(lab, sizeof lab, "P50 of difference %s",
             fmt_money(money, sizeof money, row->p50, lb->cur));
    label_for_vline(&c, px(&c, row->p50), lab, COLOUR_MARK);
    frame(&c);
    chart_end(&c);
    return 0;
}

static void compare_table(FILE *f, const cs_compare_row rows[CS_N_MEASURES], const labels *lb)
{
    unit u = unit_for(fmax(fabs(rows[CS_NOMINAL].p10), fabs(rows[CS_NOMINAL].p90)));
    fprintf(f, "<table class=\"num compact\"><caption>B \xe2\x88\x92 A per trial, %s %s"
               "</caption><thead><tr><th>Measure</th><th>Mean difference</th><th>P10</th>"
               "<th class=\"key\">P50</th><th>P90</th><th class=\"key\">Trials with B &gt; A"
               "</th></tr></thead><tbody>\n",
            u.word, lb->cur);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        char v[5][NUM_LEN];
        fmt_num(v[0], sizeof v[0], rows[m].mean_diff / u.div, 2);
        fmt_num(v[1], sizeof v[1], rows[m].p10 / u.div, 2);
        fmt_num(v[2], sizeof v[2], rows[m].p50 / u.div, 2);
        fmt_num(v[3], sizeof v[3], rows[m].p90 / u.div, 2);
        fmt_num(v[4], sizeof v[4], rows[m].p_b_gt_a, 1);
        fprintf(f, "<tr><th>%s</th><td>%s</td><td>%s</td><td class=\"key\">%s</td>"
                   "<td>%s</td><td class=\"key\">%s %%</td></tr>\n",
                lb->title[m], v[0], v[1], v[2], v[3], v[4]);
    }
    fputs("</tbody></table>\n", f);
}

int cs_report_html_compare(FILE *f, const cs_results *a, const cs_results *b)
{
    labels lb;
    labels_init(&lb, a);
    doc_begin(f, "Comparison: ", a->model->name);
    fputs("<h1>Comparison: ", f);
    put_esc(f, a->model->name);
    fputs(" (A) and ", f);
    put_esc(f, b->model->name);
    fputs(" (B)</h1>\n", f);
    char n[NUM_LEN];
    fmt_num(n, sizeof n, (double)a->trials, 0);
    fprintf(f, "<p class=\"sub\">%s trials each, on common random numbers \xc2\xb7 base year %d "
               "\xc2\xb7 amounts in %s</p>\n", n, lb.base_year, lb.cur);
    bool paired = a->trials == b->trials;
    cs_compare_row rows[CS_N_MEASURES];
    if (paired && cs_compare_compute(a, b, rows) != 0)
        return -1;
    if (paired) {
        char v[NUM_LEN], s[LABEL_LEN];
        fputs("<div class=\"headline\">\n", f);
        char pct[NUM_LEN + 4];
        fmt_num(v, sizeof v, rows[CS_NOMINAL].p_b_gt_a, 1);
        snprintf(pct, sizeof pct, "%s %%", v);
        headline_fig(f, "P(B > A)", pct, "of trials, then-year totals", "B costs more than A");
        headline_money(f, "Mean of B \xe2\x88\x92 A", rows[CS_NOMINAL].mean_diff, lb.cur,
                       "then-year", "per trial");
        char p10[MONEY_LEN], p90[MONEY_LEN];
        fmt_money(p10, sizeof p10, rows[CS_NOMINAL].p10, lb.cur);
        fmt_money(p90, sizeof p90, rows[CS_NOMINAL].p90, lb.cur);
        snprintf(s, sizeof s, "P10 %s, P90 %s", p10, p90);
        headline_money(f, "P50 of B \xe2\x88\x92 A", rows[CS_NOMINAL].p50, lb.cur, "then-year", s);
        fputs("</div>\n", f);
    }

    fputs("<h2>S-curves</h2>\n<figure>\n", f);
    compare_scurves(f, a, b, &lb);
    fputs("<figcaption>Solid: then-year totals; dashed: constant-price totals. Dots: P50 and "
          "P80.</figcaption>\n</figure>\n", f);
    fputs("<h2>Difference B \xe2\x88\x92 A</h2>\n", f);
    if (paired) {
        fputs("<figure>\n", f);
        if (compare_difference(f, a, b, &lb, &rows[CS_NOMINAL]) != 0)
            return -1;
        fputs("<figcaption>Per trial, on the same random numbers for the inputs both "
              "scenarios share.</figcaption>\n</figure>\n", f);
        compare_table(f, rows, &lb);
    } else {
        fputs("<p class=\"note\">The scenarios ran different numbers of trials, so they "
              "cannot be compared trial by trial.</p>\n", f);
    }

    const cs_results *rs[2] = {a, b};
    for (int s = 0; s < 2; s++) {
        labels l;
        labels_init(&l, rs[s]);
        fprintf(f, "<h2>Scenario %s: ", s ? "B" : "A");
        put_esc(f, rs[s]->model->name);
        fputs("</h2>\n", f);
        headline(f, rs[s], &l);
        fputs("<table class=\"settings\"><tbody>\n", f);
        settings_rows(f, rs[s], &l);
        fputs("</tbody></table>\n", f);
        currency_table(f, rs[s]->model);
        warnings_list(f, rs[s]->model);
        for (int ms = 0; ms < CS_N_MEASURES; ms++)
            summary_table(f, rs[s], &l, (cs_measure)ms);
    }
    doc_end(f);
    return 0;
}
