/* html_internal: what the parts of the HTML report (html.c,
 * html_format.c, svg.c, charts.c, html_compare.c) share and nobody else
 * uses. Not part of the library's interface. */
#ifndef CS_HTML_INTERNAL_H
#define CS_HTML_INTERNAL_H

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

#define COLOUR_A "#0072B2"

#define COLOUR_B "#D55E00"

#define COLOUR_MARK "#333333"

#define COLOUR_BUDGET "#CC79A7"

/* Amounts are millions; a unit is the power of 1000 they are shown in. */
typedef struct {
    double div;       /* millions per shown unit */
    const char *word; /* "million" ... */
} unit;

/* The run's facts every label needs. */
typedef struct {
    const char *cur;   /* report currency code */
    int base_year;
    char basis[CS_N_MEASURES][48];  /* "constant 2026", "then-year", ... */
    char title[CS_N_MEASURES][64];  /* "Constant 2026 prices", ... */
    unit unit;         /* the one display scale of the report's tables and charts */
    bool csv_files;    /* the run's CSV files were written (the footer names them) */
    const char *exact_files; /* what the footer names: "summary.csv" for a run */
    const char *workbook; /* the workbook written with it, or NULL */
} labels;

/* 1-2-5 ticks covering [lo, hi] with about `target` intervals. */
typedef struct {
    double lo, hi, step;
} ticks;

typedef struct {
    double x0, y0, x1, y1;
} rect;

#define MAX_PLACED 96

#define MAX_LINES 1024

typedef struct {
    FILE *f;
    double w, h;               /* viewBox */
    double left, right, top, bottom; /* plot area in user units */
    double xlo, xhi, ylo, yhi; /* data range of the plot area */
    rect placed[MAX_PLACED];   /* text already drawn, for overlap checks */
    size_t n_placed;
    rect lines[MAX_LINES];     /* boxes of marker lines and curve segments,
                                * which labels of vertical markers avoid */
    size_t n_lines;
} chart;

#define FS 12.0       /* tick labels and annotations */

#define FS_AXIS 13.0  /* axis titles */

/* One legend entry: a line sample (dash may be "") or a filled box. An
 * entry with text NULL starts a new row (curves on one row, the values of
 * their markers on the next). */
typedef struct {
    const char *text;
    const char *colour;
    const char *dash;
    bool box;     /* a filled box (bars, bands) instead of a line */
    double width; /* stroke width of the line sample; LEGEND_DIAMOND or
                   * LEGEND_DOT: that marker instead of a line */
} legend_item;

#define LEGEND_DIAMOND 0.0

#define LEGEND_DOT (-1.0)

/* Ends a legend row (see legend_item). */
#define LEGEND_BREAK ((legend_item){NULL, NULL, NULL, false, 0})

/* S-curve points: 201 type-7 percentiles, enough for a smooth line even
 * with millions of trials. */
#define SCURVE_POINTS 200

typedef struct {
    double start, width;
    size_t n;
    uint64_t *count;
} bins;

/* Rows beyond this many elements and risks are left to summary.csv. */
#define MAX_ITEM_ROWS 300

/* Drivers shown beyond the tornado; the rest are in sensitivity.csv. */
#define MAX_SENSITIVITY_ROWS 20

/* Writes s escaped for HTML text and attribute values. Controls (C0 other
 * than tab and LF, DEL, C1) and the bidirectional formatting characters
 * (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) become U+FFFD:
 * XML does not allow C0, and the others would reorder or hide what the
 * page shows. */
void cs_report_put_esc(FILE *f, const char *s);

/* Width of s in user units at font size fs: SVG text cannot be measured
 * here, so estimate generously (Latin ~0.6 em, other scripts ~1 em) and
 * leave gaps. */
double cs_report_text_width(const char *s, double fs);

/* Copies at most max_chars characters of UTF-8 s into buf, ending with an
 * ellipsis when cut, never splitting a character. */
void cs_report_truncate_utf8(const char *s, size_t max_chars, char *buf, size_t size);

/* x with thousands separators and `decimals` decimals; a true minus sign;
 * "–" for a value that is not finite. */
char *cs_report_fmt_num(char *buf, size_t size, double x, int decimals);

/* The unit for amounts up to max_abs millions: the report's one scale. */
unit cs_report_unit_for(double max_abs);

/* Decimals of amounts in the report's tables: three at its scale (0.034
 * trillion is 34 billion), whatever the scale. */
#define TABLE_DECIMALS 3

/* The number of an amount for prose in unit u (the report's scale, never
 * one of its own), with three or more significant digits: "52.3", "0.527". */
char *cs_report_fmt_amount(char *buf, size_t size, double millions, unit u);

/* "52.3 trillion KRW", in the report's scale and currency. */
char *cs_report_fmt_money(char *buf, size_t size, double millions, const labels *lb);

/* A share 0 ... 1 as a percent number (no "%"): one decimal, but a share
 * that is not 0 or 1 never shows as 0.0 or 100.0 (as the terminal: 1 in
 * 3 000 is "0.033", not "0.0"). */
char *cs_report_fmt_share(char *buf, size_t size, double share);

void cs_report_labels_init(labels *lb, const cs_results *r);

ticks cs_report_nice_ticks(double lo, double hi, int target);

/* The number of steps from t.lo to t.hi, in halves (a range of totals of
 * both signs near DBL_MAX is not itself a double), bounded, so that the
 * conversion to int is always defined, and short of any tick t.lo + i *
 * t.step that would round past the largest double. */
static inline int tick_count(ticks t)
{
    double n = floor((t.hi / 2 - t.lo / 2) / t.step * 2 + 0.5);
    int k = n >= 0 && n <= 1000 ? (int)n : n > 1000 ? 1000 : 0;
    while (k > 0 && !isfinite(t.lo + k * t.step))
        k--;
    return k;
}

/* Decimals that show a 1-2-5 step exactly in unit u. */
int cs_report_tick_decimals(ticks t, unit u);

double cs_report_px(const chart *c, double x);

double cs_report_py(const chart *c, double y);

void cs_report_chart_begin(chart *c, FILE *f, double w, double h, const char *title);

static inline void chart_end(chart *c) { fputs("</svg>\n", c->f); }

/* The plot area inside the chart, in SVG units. */
void cs_report_chart_frame(chart *c, double left, double right, double top, double bottom);

/* The data range the plot area shows. */
void cs_report_chart_scale(chart *c, double xlo, double xhi, double ylo, double yhi);

/* Draws text and records its box. cls may be NULL; fill may be NULL. */
void cs_report_text_at(chart *c, double x, double y, const char *s, double fs, char anchor,
             const char *cls, const char *fill);

/* A label for a vertical marker at x: in the first free row from the top
 * of the plot, right of the line, or left of it near the right edge. */
void cs_report_label_for_vline(chart *c, double x, const char *s, const char *fill);

/* Records the box of a drawn line (a marker or a curve segment) so that
 * labels of vertical markers do not cross it. */
void cs_report_reserve_line(chart *c, double x0, double y0, double x1, double y1);

/* An amount axis along the bottom: grid, ticks, labels in unit u. */
void cs_report_x_axis_amount(chart *c, ticks t, unit u, const char *title);

/* A vertical axis on the left: grid, ticks, labels; values shown as
 * v / div with `suffix` (e.g. "%"). */
void cs_report_y_axis(chart *c, ticks t, double div, int dec, const char *suffix,
            const char *title);

void cs_report_frame(chart *c);

/* Legend in rows above the plot area, starting at y; wraps as needed. */
void cs_report_legend(chart *c, double y, const legend_item *items, size_t n);

/* The rows the legend takes between x = left and right, so that a chart
 * can leave room for it above its plot. */
int cs_report_legend_rows(double left, double right, const legend_item *items, size_t n);

/* The vertical gap between legend rows. */
#define LEGEND_ROW 17.0

void cs_report_vline(chart *c, double x, const char *colour, const char *dash, double width);

void cs_report_dot(chart *c, double x, double y, const char *colour);

void cs_report_diamond(chart *c, double x, double y, const char *colour);

void cs_report_widen(double *lo, double *hi, double v);
/* Widens [lo, hi] to r's budget (when it has one) with room to see it. */
void cs_report_widen_for_budget(double *lo, double *hi, const cs_results *r);

void cs_report_scurve_path(chart *c, const double *sorted, uint64_t n, const char *colour,
                 const char *dash, double width);

/* Horizontal reference lines at 50 % and 80 %, labelled at the right. */
void cs_report_p50_p80_lines(chart *c);

/* The budget on an S-curve chart: a line at the budget over the plot's
 * height and across from where it meets its measure's curve; dash tells
 * A's from B's in a comparison. Named in the legend (budget_legend). */
void cs_report_budget_marks(chart *c, const cs_results *r, const char *dash);
/* The same in a colour of its own; with on_curve false the budget's line
 * alone (its measure's curve is not in the chart). */
void cs_report_budget_marks_in(chart *c, const cs_results *r, const char *dash,
                               const char *colour, bool on_curve);

/* The legend text of r's budget: "A budget 60.0 trillion KRW, constant
 * 2026 (24.4 % of trials within)"; who is "A", "B" or "". */
void cs_report_budget_legend(char *buf, size_t size, const cs_results *r, const labels *lb,
                             const char *who);

void cs_report_section_scurve(FILE *f, const cs_results *r, const labels *lb);

/* Key numbers of the S-curve, one row per measure. */
void cs_report_scurve_table(FILE *f, const cs_results *r, const labels *lb);

/* Bins of width w aligned on multiples of w (so edges fall on ticks); about
 * 2 n^(1/3) of them (Rice's rule), 8 to 40, so 200 trials do not look like
 * a comb and a million do not look like a block. */
int cs_report_bin_target(uint64_t n);

int cs_report_bins_make(bins *b, double lo, double hi, int target);

void cs_report_bins_add(bins *b, double v);

/* Bars of a histogram (percent of n trials), coloured by a threshold:
 * bins left of `split` in colour_lo, others colour_hi. */
void cs_report_bars(chart *c, const bins *b, uint64_t n, double split, const char *colour_lo,
          const char *colour_hi);

double cs_report_bins_max_pct(const bins *b, uint64_t n);
/* The x range of a histogram of values lo .. hi in bins b; when every
 * value is the same, a range around it (as cs_report_nice_ticks pads), so
 * that the one bar is a narrow bar at the value, not the whole plot. */
void cs_report_bins_range(const bins *b, double lo, double hi, double *xlo, double *xhi);
/* The top of a histogram's share axis: `headroom` above the tallest bar,
 * but never above 100 %. */
double cs_report_bins_top(const bins *b, uint64_t n, double headroom);

int cs_report_section_histogram(FILE *f, const cs_results *r, const labels *lb);

void cs_report_section_fan(FILE *f, const cs_results *r, const labels *lb);

const char *cs_report_kind_word(cs_input_kind k);

void cs_report_section_tornado(FILE *f, const cs_results *r, const labels *lb);

void cs_report_section_attribution(FILE *f, const cs_results *r);

void cs_report_settings_rows(FILE *f, const cs_results *r, const labels *lb);

void cs_report_currency_table(FILE *f, const cs_model *m);

void cs_report_warnings_list(FILE *f, const cs_model *m);

/* The summary of one measure: total, each phase with its elements and
 * risks indented under it. */
void cs_report_summary_table(FILE *f, const cs_results *r, const labels *lb, cs_measure ms);

void cs_report_doc_begin(FILE *f, const char *title_prefix, const char *name);

void cs_report_doc_end(FILE *f, const labels *lb);
/* The note under a table that shows only its first rows: where the other
 * `more` (WHAT, e.g. "inputs") are, naming `csv` only when the run wrote
 * its CSV files. */
void cs_report_more_note(FILE *f, const labels *lb, size_t more, const char *what,
                         const char *csv);

/* One key figure: a label, the value in large type, its unit on a line of
 * its own (so "63.9 / trillion KRW, then-year" fits a narrow box), a
 * remark. */
void cs_report_headline_fig(FILE *f, const char *label, const char *value, const char *value_unit,
                  const char *sub);

void cs_report_headline_money(FILE *f, const char *label, double millions, const labels *lb,
                              const char *basis, const char *sub);

void cs_report_headline(FILE *f, const cs_results *r, const labels *lb);

/* html_schedule.c: the funding profile in constant and nominal money with
 * the note that yearly percentiles do not add up; the schedule S-curve and
 * the joint cost-schedule scatter (when the model has a schedule; -1 out
 * of memory); the allocation tables; the headline figures for cv and the
 * schedule and joint confidence. h is the heading prefix. */
void cs_report_section_funding(FILE *f, const cs_results *r, const labels *lb, const char *h);
int cs_report_section_schedule(FILE *f, const cs_results *r, const labels *lb, const char *h);
void cs_report_allocation_table(FILE *f, const cs_results *r, const labels *lb, const char *h);
void cs_report_headline_schedule(FILE *f, const cs_results *r);

/* Opens and closes a box that scrolls sideways when a wide table does not
 * fit the page column, rather than run past the window's edge. */
#define WIDE_BEGIN "<div class=\"wide\">\n"
#define WIDE_END "</div>\n"

#endif
