/* report svg: the SVG primitives of the HTML report's charts: 1-2-5
 * ticks, the chart frame and scales, axes, text labels placed without
 * overlapping, legends and marks (lines, dots, diamonds). */
#include <float.h>
#include "html_internal.h"

ticks cs_report_nice_ticks(double lo, double hi, int target)
{
    /* A degenerate range (e.g. a fixed model), or one whose half is no
     * longer a positive double (totals a few subnormals apart): widen it. */
    if (!(hi > lo) || !(hi / 2 - lo / 2 > 0)) {
        double pad = fabs(lo) > 0 ? fmax(fabs(lo) * 0.05, 0x1p-1000) : 1;
        lo = fmax(lo - pad, -DBL_MAX); /* widened, not past the doubles */
        hi = fmin(hi + pad, DBL_MAX);
    }
    double raw = (hi / 2 - lo / 2) / target * 2; /* halves: a range past DBL_MAX */
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    double step = (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
    ticks t = {floor(lo / step + 1e-9) * step, ceil(hi / step - 1e-9) * step, step};
    if (!isfinite(t.lo)) /* rounded out past DBL_MAX */
        t.lo = lo;
    if (!isfinite(t.hi))
        t.hi = hi;
    if (t.hi <= t.lo)
        t.hi = t.lo + step;
    return t;
}

/* Decimals that show a 1-2-5 step exactly in unit u. */
int cs_report_tick_decimals(ticks t, unit u)
{
    double s = t.step / u.div;
    return s >= 1 ? 0 : (int)ceil(-log10(s) - 1e-9);
}

/* In halves, which is exact and the same ratio, so that a scale that
 * spans more than DBL_MAX (totals of both signs near it) stays finite. */
double cs_report_px(const chart *c, double x)
{
    return c->left + (x / 2 - c->xlo / 2) / (c->xhi / 2 - c->xlo / 2) * (c->right - c->left);
}

double cs_report_py(const chart *c, double y)
{
    return c->bottom - (y / 2 - c->ylo / 2) / (c->yhi / 2 - c->ylo / 2) * (c->bottom - c->top);
}

void cs_report_chart_begin(chart *c, FILE *f, double w, double h, const char *title)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->w = w;
    c->h = h;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
               "role=\"img\" class=\"chart\"><title>", w, h);
    cs_report_put_esc(f, title);
    fputs("</title>\n", f);
}

/* The plot area inside the chart, in SVG units. */
void cs_report_chart_frame(chart *c, double left, double right, double top, double bottom)
{
    c->left = left;
    c->right = right;
    c->top = top;
    c->bottom = bottom;
}

/* The data range the plot area shows. */
void cs_report_chart_scale(chart *c, double xlo, double xhi, double ylo, double yhi)
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
    double w = cs_report_text_width(s, fs);
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

void cs_report_reserve_line(chart *c, double x0, double y0, double x1, double y1)
{
    if (c->n_lines < MAX_LINES)
        c->lines[c->n_lines++] = (rect){fmin(x0, x1) - 1.5, fmin(y0, y1) - 1.5,
                                        fmax(x0, x1) + 1.5, fmax(y0, y1) + 1.5};
}

/* Free of earlier labels and of the recorded lines and curves. */
static bool box_clear(const chart *c, rect b)
{
    if (!box_free(c, b))
        return false;
    for (size_t i = 0; i < c->n_lines; i++)
        if (overlaps(&b, &c->lines[i]))
            return false;
    return true;
}

static void reserve(chart *c, rect b)
{
    if (c->n_placed < MAX_PLACED)
        c->placed[c->n_placed++] = b;
}

/* Draws text and records its box. cls may be NULL; fill may be NULL. */
void cs_report_text_at(chart *c, double x, double y, const char *s, double fs, char anchor,
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
    cs_report_put_esc(c->f, s);
    fputs("</text>\n", c->f);
}

/* A label for a vertical marker at x: in the first free row from the top
 * of the plot, right of the line, or left of it near the right edge; above
 * the plot when every row inside would cross a curve. */
void cs_report_label_for_vline(chart *c, double x, const char *s, const char *fill)
{
    /* First a row that crosses no other marker line and no curve; then the
     * margin above the plot, where no curve runs; failing both, a row clear
     * of other labels only. */
    for (int strict = 1; strict >= 0; strict--) {
        if (!strict && c->top - 6 - FS >= 0) {
            double y = c->top - 6, w = cs_report_text_width(s, FS);
            rect right = text_box(x + 5, y, s, FS, 's'), left = text_box(x - 5, y, s, FS, 'e');
            if (box_free(c, right) && x + 5 + w <= c->w) {
                cs_report_text_at(c, x + 5, y, s, FS, 's', "halo", fill);
                return;
            }
            if (box_free(c, left) && x - 5 - w >= 0) {
                cs_report_text_at(c, x - 5, y, s, FS, 'e', "halo", fill);
                return;
            }
        }
        int rows = (int)((c->bottom - c->top - 14) / 15.0);
        for (int row = 0; row < rows; row++) {
            double y = c->top + 14 + row * 15.0;
            rect right = text_box(x + 5, y, s, FS, 's'), left = text_box(x - 5, y, s, FS, 'e');
            if ((strict ? box_clear(c, right) : box_free(c, right)) &&
                x + 5 + cs_report_text_width(s, FS) < c->right) {
                cs_report_text_at(c, x + 5, y, s, FS, 's', "halo", fill);
                return;
            }
            if ((strict ? box_clear(c, left) : box_free(c, left)) &&
                x - 5 - cs_report_text_width(s, FS) > c->left) {
                cs_report_text_at(c, x - 5, y, s, FS, 'e', "halo", fill);
                return;
            }
        }
    }
    cs_report_text_at(c, x + 5, c->top + 14, s, FS, 's', "halo", fill);
}

/* An amount axis along the bottom: grid, ticks, labels in unit u. */
void cs_report_x_axis_amount(chart *c, ticks t, unit u, const char *title)
{
    int dec = cs_report_tick_decimals(t, u);
    for (int i = 0; i <= tick_count(t); i++) {
        double v = t.lo + i * t.step;
        double x = cs_report_px(c, v);
        char lab[NUM_LEN];
        cs_report_fmt_num(lab, sizeof lab, fabs(v) < t.step * 1e-6 ? 0 : v / u.div, dec);
        fprintf(c->f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                x, c->top, x, c->bottom);
        cs_report_text_at(c, x, c->bottom + 17, lab, FS, 'm', NULL, NULL);
    }
    cs_report_text_at(c, (c->left + c->right) / 2, c->bottom + 38, title, FS_AXIS, 'm', "axis-title",
            NULL);
}

/* A vertical axis on the left: grid, ticks, labels; values shown as
 * v / div with `suffix` (e.g. "%"). */
void cs_report_y_axis(chart *c, ticks t, double div, int dec, const char *suffix,
            const char *title)
{
    for (int i = 0; i <= tick_count(t); i++) {
        double v = t.lo + i * t.step;
        double y = cs_report_py(c, v);
        char num[NUM_LEN], lab[NUM_LEN + 8];
        cs_report_fmt_num(num, sizeof num, fabs(v) < t.step * 1e-6 ? 0 : v / div, dec);
        snprintf(lab, sizeof lab, "%s%s", num, suffix);
        fprintf(c->f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                c->left, y, c->right, y);
        cs_report_text_at(c, c->left - 6, y + 4, lab, FS, 'e', NULL, NULL);
    }
    double x = 16, y = (c->top + c->bottom) / 2;
    fprintf(c->f, "<text class=\"axis-title\" font-size=\"%.0f\" text-anchor=\"middle\" "
                  "transform=\"translate(%.1f %.1f) rotate(-90)\">",
            FS_AXIS, x, y);
    cs_report_put_esc(c->f, title);
    fputs("</text>\n", c->f);
}

void cs_report_frame(chart *c)
{
    fprintf(c->f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
            c->left, c->top, c->right - c->left, c->bottom - c->top);
}

/* The width a legend entry takes: its sample, its text and a gap. */
static double legend_width(const legend_item *it)
{
    return 28 + cs_report_text_width(it->text, FS) + 18;
}

/* The sample of one legend entry at (x, y): a line, a box, a diamond or a
 * dot, as the chart draws the thing it names. */
static void legend_sample(chart *c, double x, double y, const legend_item *it)
{
    if (it->box)
        fprintf(c->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"20\" height=\"10\" fill=\"%s\" "
                      "fill-opacity=\"0.35\" stroke=\"%s\"/>\n",
                x, y - 9, it->colour, it->colour);
    else if (it->width == LEGEND_DIAMOND)
        fprintf(c->f, "<path d=\"M%.1f %.1fl6 6l-6 6l-6 -6z\" fill=\"%s\"/>\n", x + 11, y - 10,
                it->colour);
    else if (it->width == LEGEND_DOT)
        cs_report_dot(c, x + 11, y - 4, it->colour);
    else
        fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                      "stroke-width=\"%.1f\"%s%s%s/>\n",
                x, y - 4, x + 22, y - 4, it->colour, it->width,
                it->dash[0] ? " stroke-dasharray=\"" : "", it->dash, it->dash[0] ? "\"" : "");
}

/* Lays out the legend from left to right, wrapping before an entry that
 * would pass right and at each break; draws it when c is not NULL.
 * Returns the number of rows. */
static int legend_layout(chart *c, double left, double right, double y,
                         const legend_item *items, size_t n)
{
    double x = left;
    int rows = 1;
    for (size_t i = 0; i < n; i++) {
        if (!items[i].text || (x + legend_width(&items[i]) > right && x > left)) {
            if (x > left) { /* no empty row for a break at the start of one */
                x = left;
                y += LEGEND_ROW;
                rows++;
            }
            if (!items[i].text)
                continue;
        }
        if (c) {
            legend_sample(c, x, y, &items[i]);
            cs_report_text_at(c, x + 28, y, items[i].text, FS, 's', NULL, NULL);
        }
        x += legend_width(&items[i]);
    }
    return rows;
}

/* Legend in rows above the plot area, starting at y; wraps as needed. */
void cs_report_legend(chart *c, double y, const legend_item *items, size_t n)
{
    legend_layout(c, c->left, c->right, y, items, n);
}

/* The rows the legend takes between x = left and right, so that a chart
 * can leave room for it above its plot. */
int cs_report_legend_rows(double left, double right, const legend_item *items, size_t n)
{
    return legend_layout(NULL, left, right, 0, items, n);
}

void cs_report_vline(chart *c, double x, const char *colour, const char *dash, double width)
{
    cs_report_reserve_line(c, x, c->top, x, c->bottom);
    fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                  "stroke-width=\"%.1f\"%s%s%s/>\n",
            x, c->top, x, c->bottom, colour, width, dash[0] ? " stroke-dasharray=\"" : "", dash,
            dash[0] ? "\"" : "");
}

void cs_report_dot(chart *c, double x, double y, const char *colour)
{
    fprintf(c->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#fff\" "
                  "stroke-width=\"1.5\"/>\n", x, y, colour);
}

void cs_report_diamond(chart *c, double x, double y, const char *colour)
{
    fprintf(c->f, "<path d=\"M%.1f %.1fl6 6l-6 6l-6 -6z\" fill=\"%s\" stroke=\"#fff\" "
                  "stroke-width=\"1.5\"/>\n", x, y - 6, colour);
}
