/* test_report_html: the HTML report of a run and of a comparison, from
 * hand-made results (report_fixture.h): the document is well-formed XML
 * (checked here, so the test needs no tools; xmllint is used too when
 * installed), makes no requests and runs no scripts, escapes hostile names,
 * labels every amount axis with currency and price basis, places no text
 * on top of other text, and is the same bytes every time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "costsim.h"
#include "compare.h"
#include "report_fixture.h"
#include "html_internal.h"
#include "report_html.h"
#include "report_internal.h"
#include "testutil.h"

#define SCENARIO_NAME "KSS-III \xec\x9e\xa0\xec\x88\x98\xed\x95\xa8 \xe2\x80\x94 Canada's \"12 boats\" & <co>"

/* Reads back what write wrote into a temporary file, checked by xmllint
 * when the machine has it. */
static char *render_file(void (*write)(FILE *f, const void *ctx), const void *ctx)
{
    char *dir = tu_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/report.html", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    write(f, ctx);
    assert_int_equal(fclose(f), 0);
    char *text = tu_read(path, NULL);
    assert_non_null(text);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s' 2>&1", path);
    if (system("command -v xmllint >/dev/null 2>&1") == 0)
        assert_int_equal(system(cmd), 0);
    tu_rmtree(dir);
    free(dir);
    return text;
}

/* Writes the report of a (and b when given) and returns its text. */
static char *render(const cs_results *a, const cs_results *b)
{
    char *dir = tu_mkdtemp();
    char path[4200];
    snprintf(path, sizeof path, "%s/report.html", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    cs_compare_row rows[CS_N_MEASURES];
    bool paired = b && cs_compare_rows(a, b, rows, NULL) == CS_OK;
    int rc = b ? cs_report_html_compare(f, a, b, paired ? rows : NULL, NULL)
               : cs_report_html(f, a, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(fclose(f), 0);
    char *text = tu_read(path, NULL);
    assert_non_null(text);

    /* xmllint as a second opinion when the machine has it */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s' 2>&1", path);
    if (system("command -v xmllint >/dev/null 2>&1") == 0)
        assert_int_equal(system(cmd), 0);
    tu_rmtree(dir);
    free(dir);
    return text;
}

/* ---- a small XML well-formedness checker ---------------------------- */

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == ':' || c == '.';
}

/* An entity reference at s ("&amp;", "&#39;", "&#x2212;"); returns its
 * length or 0. */
static size_t entity(const char *s)
{
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < 5; i++)
        if (strncmp(s, named[i], strlen(named[i])) == 0)
            return strlen(named[i]);
    if (s[1] != '#')
        return 0;
    size_t i = 2;
    bool hex = s[i] == 'x';
    if (hex)
        i++;
    size_t start = i;
    while (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))
        i++;
    return i > start && s[i] == ';' ? i + 1 : 0;
}

/* Checks text between markup: no raw '<' (the caller stops there) and
 * every '&' starts an entity. */
static const char *check_chars(const char *p, const char *end, char stop, char *why)
{
    while (p < end && *p != stop && *p != '<') {
        if (*p == '&') {
            size_t n = entity(p);
            if (!n) {
                sprintf(why, "bare & at \"%.30s\"", p);
                return NULL;
            }
            p += n;
        } else {
            p++;
        }
    }
    return p;
}

/* Returns NULL when [s, end) is well-formed XML content (one or more
 * elements with balanced tags, quoted attributes, escaped text), else a
 * message. Skips the doctype, comments and processing instructions. */
static const char *xml_check(const char *s, const char *end)
{
    static char why[200];
    const char *stack[256];
    size_t lens[256], depth = 0, roots = 0;
    const char *p = s;
    while (p < end) {
        if (*p != '<') {
            p = check_chars(p, end, '<', why);
            if (!p)
                return why;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            const char *q = strstr(p, "-->");
            if (!q || q >= end)
                return "unterminated comment";
            p = q + 3;
            continue;
        }
        if (strncmp(p, "<!DOCTYPE", 9) == 0 || strncmp(p, "<?", 2) == 0) {
            p = strchr(p, '>') + 1;
            continue;
        }
        bool closing = p[1] == '/';
        const char *name = p + (closing ? 2 : 1);
        size_t len = 0;
        while (name_char(name[len]))
            len++;
        if (len == 0) {
            sprintf(why, "raw < at \"%.30s\"", p);
            return why;
        }
        p = name + len;
        if (closing) {
            while (*p == ' ')
                p++;
            if (*p != '>')
                return "junk in an end tag";
            if (depth == 0 || lens[depth - 1] != len || strncmp(stack[depth - 1], name, len)) {
                sprintf(why, "</%.*s> does not close the open element", (int)len, name);
                return why;
            }
            depth--;
            p++;
            continue;
        }
        /* attributes */
        for (;;) {
            while (*p == ' ' || *p == '\n' || *p == '\t')
                p++;
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            size_t an = 0;
            while (name_char(p[an]))
                an++;
            if (an == 0 || p[an] != '=' || (p[an + 1] != '"' && p[an + 1] != '\'')) {
                sprintf(why, "bad attribute at \"%.30s\"", p);
                return why;
            }
            char quote = p[an + 1];
            p = check_chars(p + an + 2, end, quote, why);
            if (!p)
                return why;
            if (*p != quote) {
                sprintf(why, "'<' in an attribute value near \"%.30s\"", p);
                return why;
            }
            p++;
        }
        if (*p == '/') {
            p += 2;
            if (depth == 0)
                roots++;
            continue;
        }
        if (depth == 256)
            return "nesting too deep";
        if (depth == 0)
            roots++;
        stack[depth] = name;
        lens[depth++] = len;
        p++;
    }
    if (depth != 0) {
        sprintf(why, "<%.*s> never closed", (int)lens[depth - 1], stack[depth - 1]);
        return why;
    }
    return roots ? NULL : "no element";
}

static void xml_checker_works(void **state)
{
    (void)state;
    static const char *const good[] = {
        "<a><b x=\"1\" y='2'/>t &amp; &#39; &#x2212;</a>",
        "<svg><text>a &lt; b</text></svg>",
    };
    static const char *const bad[] = {
        "<a><b></a></b>", "<a x=1></a>", "<a>&</a>", "<a>1 < 2</a>", "<a x=\"<\"></a>",
        "<a>", "<a></a></a>",
    };
    for (size_t i = 0; i < 2; i++)
        assert_null(xml_check(good[i], good[i] + strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_non_null(xml_check(bad[i], bad[i] + strlen(bad[i])));
}

/* ---- checks shared by both reports ---------------------------------- */

static void check_document(const char *html)
{
    const char *why = xml_check(html, html + strlen(html));
    if (why)
        fail_msg("document is not well-formed: %s", why);
    /* every <svg> block on its own, so one can be cut out and reused */
    size_t n_svg = 0;
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p + 1, "<svg")) {
        const char *e = strstr(p, "</svg>");
        assert_non_null(e);
        why = xml_check(p, e + 6);
        if (why)
            fail_msg("svg %zu is not well-formed: %s", n_svg, why);
        n_svg++;
    }
    assert_true(n_svg >= 2);

    /* no scripts, no requests: the only URL is the SVG namespace */
    char *lower = strdup(html);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    assert_null(strstr(lower, "<script"));
    assert_null(strstr(lower, "javascript:"));
    assert_null(strstr(lower, "src="));
    assert_null(strstr(lower, "href="));
    assert_null(strstr(lower, "url("));
    assert_null(strstr(lower, "@import"));
    for (const char *p = strstr(lower, " on"); p; p = strstr(p + 1, " on")) {
        size_t n = 3;
        while (islower((unsigned char)p[n]))
            n++;
        if (p[n] == '=' && p[n + 1] == '"')
            fail_msg("event handler attribute: %.40s", p);
    }
    free(lower);
    const char *ns = "xmlns=\"http://www.w3.org/2000/svg\"";
    for (const char *p = strstr(html, "http"); p; p = strstr(p + 1, "http")) {
        bool is_ns = p >= html + 7 && strncmp(p - 7, ns, strlen(ns)) == 0;
        if (!is_ns && (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0))
            fail_msg("URL in the report: %.60s", p);
    }
    assert_null(strstr(html, "//fonts"));

    /* hostile names appear only escaped */
    assert_null(strstr(html, FX_HOSTILE_SCRIPT));
    assert_null(strstr(html, FX_HOSTILE_FORMULA));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(html, "=HYPERLINK(&quot;x&quot;)"));
    assert_non_null(strstr(html, "Canada&#39;s &quot;12 boats&quot; &amp; &lt;co&gt;"));
    assert_non_null(strstr(html, "\xec\x9e\xa0\xec\x88\x98\xed\x95\xa8")); /* UTF-8 kept */

    /* print: page rules and charts kept whole */
    assert_non_null(strstr(html, "@page"));
    assert_non_null(strstr(html, "break-inside:avoid"));
}

/* Concatenated text of all <svg> blocks. */
static char *svg_text(const char *html)
{
    size_t cap = strlen(html) + 1, o = 0;
    char *out = malloc(cap);
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p + 1, "<svg")) {
        const char *e = strstr(p, "</svg>") + 6;
        memcpy(out + o, p, (size_t)(e - p));
        o += (size_t)(e - p);
    }
    out[o] = '\0';
    return out;
}

/* Same width estimate as the reporter: ~0.58 em Latin lower case, 0.68 em
 * capitals, 1 em other scripts (entities count as one character). */
static double est_width(const char *s, const char *end, double fs)
{
    double em = 0;
    for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)end; p++) {
        if (*p == '&') {
            const char *semi = strchr((const char *)p, ';');
            p = (const unsigned char *)semi;
            em += 0.6;
        } else if (*p < 0x80) {
            em += (*p >= 'A' && *p <= 'Z') ? 0.68 : 0.58;
        } else if ((*p & 0xc0) != 0x80) {
            em += *p == 0xe2 ? 0.6 : 1.0;
        }
    }
    return em * fs;
}

static double attr_num(const char *tag, const char *tag_end, const char *name, double dflt)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(tag, key);
    return p && p < tag_end ? strtod(p + strlen(key), NULL) : dflt;
}

/* No two horizontal <text> boxes of one chart overlap (rotated axis titles
 * are left out). Boxes are shrunk a little: the estimate is generous. */
static void check_no_overlap(const char *html)
{
    for (const char *svg = strstr(html, "<svg"); svg; svg = strstr(svg + 1, "<svg")) {
        const char *svg_end = strstr(svg, "</svg>");
        double box[400][4];
        size_t n = 0;
        for (const char *t = strstr(svg, "<text "); t && t < svg_end && n < 400;
             t = strstr(t + 1, "<text ")) {
            const char *gt = strchr(t, '>'), *close = strstr(t, "</text>");
            if (strstr(t, "transform=") && strstr(t, "transform=") < gt)
                continue;
            double x = attr_num(t, gt, "x", 0), y = attr_num(t, gt, "y", 0);
            double fs = attr_num(t, gt, "font-size", 12);
            double w = est_width(gt + 1, close, fs) * 0.9;
            const char *anchor = strstr(t, "text-anchor=\"");
            double x0 = x;
            if (anchor && anchor < gt)
                x0 = anchor[13] == 'm' ? x - w / 2 : x - w;
            double b[4] = {x0, y - fs * 0.7, x0 + w, y + fs * 0.15};
            for (size_t i = 0; i < n; i++)
                if (b[0] < box[i][2] && box[i][0] < b[2] && b[1] < box[i][3] && box[i][1] < b[3])
                    fail_msg("overlapping labels near x=%.0f y=%.0f: \"%.*s\"", x, y,
                             (int)(close - gt - 1), gt + 1);
            memcpy(box[n++], b, sizeof b);
        }
        svg = svg_end;
    }
}

/* ---- labels and curves ---------------------------------------------- */

/* The <svg> block whose <title> starts with title, or NULL. */
static const char *find_svg(const char *html, const char *title)
{
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p + 1, "<svg")) {
        const char *t = strstr(p, "<title>");
        if (t && strncmp(t + 7, title, strlen(title)) == 0)
            return p;
    }
    return NULL;
}

/* The estimated box of the <text> at t (as check_no_overlap), or false
 * for a rotated axis title. */
static bool text_box_at(const char *t, double b[4])
{
    const char *gt = strchr(t, '>'), *close = strstr(t, "</text>");
    if (strstr(t, "transform=") && strstr(t, "transform=") < gt)
        return false;
    double x = attr_num(t, gt, "x", 0), y = attr_num(t, gt, "y", 0);
    double fs = attr_num(t, gt, "font-size", 12);
    double w = est_width(gt + 1, close, fs) * 0.9;
    const char *anchor = strstr(t, "text-anchor=\"");
    double x0 = x;
    if (anchor && anchor < gt)
        x0 = anchor[13] == 'm' ? x - w / 2 : x - w;
    b[0] = x0;
    b[1] = y - fs * 0.7;
    b[2] = x0 + w;
    b[3] = y + fs * 0.15;
    return true;
}

/* Whether the segment (x0, y0)-(x1, y1) passes through box b: sampled
 * every half unit, finer than any stroke. */
static bool segment_hits(double x0, double y0, double x1, double y1, const double b[4])
{
    double len = hypot(x1 - x0, y1 - y0);
    int steps = (int)ceil(len / 0.5) + 1;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps, x = x0 + t * (x1 - x0), y = y0 + t * (y1 - y0);
        if (x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3])
            return true;
    }
    return false;
}

/* No <text> of the chart at svg crosses one of its S-curves (the
 * polylines drawn with stroke-linejoin, as cs_report_scurve_path draws
 * them). Returns the number of curves checked. */
static int check_labels_off_curves(const char *svg)
{
    const char *end = strstr(svg, "</svg>");
    int curves = 0;
    for (const char *pl = strstr(svg, "<polyline fill=\"none\" stroke-linejoin"); pl && pl < end;
         pl = strstr(pl + 1, "<polyline fill=\"none\" stroke-linejoin")) {
        curves++;
        const char *pts = strstr(pl, "points=\"") + 8;
        const char *pts_end = strchr(pts, '"');
        for (const char *t = strstr(svg, "<text "); t && t < end; t = strstr(t + 1, "<text ")) {
            double b[4];
            if (!text_box_at(t, b))
                continue;
            char *q;
            double px = strtod(pts, &q), py = strtod(q + 1, &q);
            while (q < pts_end) {
                double x = strtod(q, &q), y = strtod(q + 1, &q);
                if (segment_hits(px, py, x, y, b)) {
                    const char *gt = strchr(t, '>');
                    fail_msg("a label on an S-curve near (%.0f, %.0f): \"%.*s\"", x, y,
                             (int)(strstr(t, "</text>") - gt - 1), gt + 1);
                }
                px = x;
                py = y;
            }
        }
    }
    return curves;
}

/* Every <td class="key"> that holds a number (the P50 and P80 columns of
 * the S-curve, summary, allocation and comparison tables) has `decimals`
 * decimals: the tables' promise at the report's scale. Returns how many. */
static int check_key_decimals(const char *html, int decimals)
{
    int n = 0;
    for (const char *p = strstr(html, "<td class=\"key\">"); p;
         p = strstr(p + 1, "<td class=\"key\">")) {
        const char *v = p + 16, *e = strstr(v, "</td>");
        if (memchr(v, '%', (size_t)(e - v)))
            continue; /* a share, not an amount */
        const char *dot = memchr(v, '.', (size_t)(e - v));
        int got = dot ? (int)(e - dot - 1) : 0;
        if (got != decimals)
            fail_msg("%d decimals, not %d: \"%.*s\"", got, decimals, (int)(e - v), v);
        n++;
    }
    return n;
}

/* How often word occurs in text. */
static int count(const char *text, const char *word)
{
    int n = 0;
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
        n++;
    return n;
}

/* Multiplies every amount of the fixture's results by k (a smaller
 * program on the same shapes). */
static void scale_amounts(fx_run *x, double k)
{
    cs_results *r = x->r;
    for (int m = 0; m < CS_N_MEASURES; m++) {
        for (size_t i = 0; i < r->n_rows; i++) {
            cs_summary_row *row = &r->rows[m][i];
            row->point *= k;
            row->mean *= k;
            row->sd *= k;
            for (int q = 0; q < CS_N_SUMMARY_P; q++)
                row->p[q] *= k;
        }
        for (uint64_t j = 0; j < r->trials; j++) {
            r->totals[m][j] *= k;
            r->sorted[m][j] *= k;
        }
    }
    double *years[] = {r->year_mean, r->year_p10, r->year_p50, r->year_p80, r->year_p90,
                       r->year_const_mean, r->year_const_p10, r->year_const_p50,
                       r->year_const_p80, r->year_const_p90};
    for (size_t s = 0; s < sizeof years / sizeof years[0]; s++)
        for (size_t i = 0; i < r->n_years; i++)
            years[s][i] *= k;
    for (size_t i = 0; i < r->n_tornado; i++) {
        r->tornado[i].low *= k;
        r->tornado[i].high *= k;
        r->tornado[i].p50 *= k;
        r->tornado[i].swing *= k;
    }
    for (size_t i = 0; i < r->n_allocation; i++) {
        r->allocation[i].point *= k;
        r->allocation[i].alloc_p50 *= k;
        r->allocation[i].alloc_p80 *= k;
    }
    for (size_t i = 0; i < r->n_jcl; i++)
        r->jcl[i].budget *= k;
    for (int i = 0; i < 2; i++) {
        r->mean_ci[i] *= k;
        r->p50_ci[i] *= k;
        r->p80_ci[i] *= k;
    }
    r->budget *= k;
    x->model.budget *= k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- the tests ------------------------------------------------------ */

static void run_report(void **state)
{
    (void)state;
    fx_run *x = fx_make(200, 0, SCENARIO_NAME);
    char *html = render(x->r, NULL);
    check_document(html);
    check_no_overlap(html);

    char *svg = svg_text(html);
    assert_non_null(strstr(svg, "KRW"));
    assert_non_null(strstr(svg, "constant 2026"));
    assert_non_null(strstr(svg, "then-year"));
    assert_non_null(strstr(svg, "present value 2026"));
    assert_non_null(strstr(svg, "trillion KRW")); /* 60 trillion, not 60,000,000 million */
    assert_non_null(strstr(svg, "P50 "));
    assert_non_null(strstr(svg, "P80 "));
    assert_non_null(strstr(svg, "Point estimate"));
    assert_non_null(strstr(svg, "Budget 60.0 trillion KRW"));
    assert_non_null(strstr(svg, "50.1 % \xc2\xb1 0.4")); /* a Shapley share and its SE */
    free(svg);
    /* one display scale for the whole report: the tables in trillions too,
     * with three decimals; never billions beside trillions */
    assert_non_null(strstr(html, "<td>60.251</td>") ? strstr(html, "<td>60.251</td>")
                                                    : strstr(html, ">60.251<"));
    assert_null(strstr(html, "billion"));
    /* the footer names no file that this render did not write */
    assert_null(strstr(html, "results.xlsx"));
    assert_null(strstr(html, "summary.csv and"));
    /* ... nor does its body point at CSV files that were not written */
    assert_null(strstr(html, "allocation.csv"));
    assert_null(strstr(html, "jcl.csv"));
    assert_null(strstr(html, "sensitivity.csv"));
    assert_non_null(strstr(html, "use the allocation below.</p>"));
    assert_non_null(strstr(html, "Base year"));
    assert_non_null(strstr(html, "12345678901234567890"));
    /* the schedule, the joint confidence, both funding profiles and the
     * allocation, with the note that yearly percentiles do not add up */
    assert_non_null(strstr(html, "<h2>Schedule</h2>"));
    assert_non_null(strstr(html, "<h2>Joint cost and schedule confidence</h2>"));
    assert_non_null(strstr(html, "Yearly percentiles do not add up"));
    assert_non_null(strstr(html, "Funding profile: cost per year, constant 2026"));
    assert_non_null(strstr(html, "Funding profile: cost per year, then-year"));
    assert_non_null(strstr(html, "<h2>Risk-adjusted allocation</h2>"));
    assert_non_null(strstr(html, "Spread (cv)"));
    assert_non_null(strstr(html, "Schedule confidence"));
    assert_non_null(strstr(html, "Target: unit 1 by 2036"));

    /* same bytes twice */
    char *again = render(x->r, NULL);
    assert_string_equal(html, again);
    free(again);
    free(html);
    fx_free(x);
}

static void compare_report(void **state)
{
    (void)state;
    fx_run *a = fx_make(200, 0, SCENARIO_NAME);
    fx_run *b = fx_make(200, 0.06, "Late & dear");
    char *html = render(a->r, b->r);
    check_document(html);
    check_no_overlap(html);
    char *svg = svg_text(html);
    assert_non_null(strstr(svg, "B \xe2\x88\x92 A nominal total"));
    assert_non_null(strstr(svg, "P(B &gt; A) = 100.0 %"));
    assert_non_null(strstr(svg, "constant 2026"));
    assert_non_null(strstr(svg, "then-year"));
    free(svg);
    assert_non_null(strstr(html, "Late &amp; dear"));
    free(html);
    /* A present-value budget: the compare chart draws no pv curve, so
     * the budget gets its line alone, in its scenario's colour, and the
     * legend says so. */
    a->model.budget_measure = CS_PV;
    char *pv = render(a->r, b->r);
    char *pv_svg = svg_text(pv);
    assert_non_null(strstr(pv_svg, "present value 2026"));
    assert_non_null(strstr(pv_svg, "line only, no pv curve drawn"));
    free(pv_svg);
    free(pv);
    fx_free(a);
    fx_free(b);
}

/* One trial, no years, no drivers, no budget: degenerate ranges must still
 * give a valid document. */
static void degenerate_run(void **state)
{
    (void)state;
    fx_run *x = fx_make(1, 0, "one");
    cs_results *r = x->r;
    r->n_years = 0;
    r->n_tornado = 0;
    r->n_sensitivity = 0;
    r->n_attribution = 0;
    r->has_budget = false;
    char *html = render(r, NULL);
    const char *why = xml_check(html, html + strlen(html));
    if (why)
        fail_msg("%s", why);
    assert_non_null(strstr(html, "No trial had a cash flow"));
    /* One value: the histogram's one bar is a narrow bar at it, on an axis
     * around it (not a bar across the whole plot), under a share axis that
     * stops at 100 %. */
    const char *svg = find_svg(html, "Histogram");
    assert_non_null(svg);
    const char *end = strstr(svg, "</svg>");
    const char *bar = strstr(svg, "fill-opacity=\"0.55\"");
    assert_true(bar && bar < end);
    while (bar > svg && strncmp(bar, "<rect", 5) != 0)
        bar--;
    double width = attr_num(bar, strchr(bar, '>'), "width", -1);
    assert_true(width > 0 && width < 100);
    char *text = strndup(svg, (size_t)(end - svg));
    assert_non_null(strstr(text, ">100%<"));
    assert_null(strstr(text, ">120%<"));
    assert_null(strstr(text, ">140%<"));
    free(text);
    free(html);
    fx_free(x);
}

/* The values of the S-curves' markers never sit on a curve: in the run
 * (three measures) and in the comparison, where A's and B's curves run
 * close and a label beside one dot would cross the other curve. */
static void scurve_labels_off_curves(void **state)
{
    (void)state;
    fx_run *a = fx_make(200, 0, SCENARIO_NAME);
    fx_run *b = fx_make(200, 0.06, "Late & dear");
    char *run = render(a->r, NULL);
    const char *svg = find_svg(run, "S-curve: cumulative");
    assert_non_null(svg);
    assert_int_equal(check_labels_off_curves(svg), 3);
    /* the then-year values are named in the legend, in the report's scale */
    assert_non_null(strstr(svg, "Then-year P50: "));
    assert_non_null(strstr(svg, "Then-year P80: "));
    assert_non_null(strstr(svg, "Then-year point estimate: "));
    char *cmp = render(a->r, b->r);
    svg = find_svg(cmp, "S-curves of scenarios A and B");
    assert_non_null(svg);
    assert_int_equal(check_labels_off_curves(svg), 4);
    assert_non_null(strstr(svg, ">A P50: "));
    assert_non_null(strstr(svg, ">B P80: "));
    free(run);
    free(cmp);
    fx_free(a);
    fx_free(b);
}

/* One scale for the whole report: a program of about 600 billion with one
 * trial at 2 trillion is in billions everywhere, the scatter included
 * (whose own range would call for trillions), and so is a budget of 400
 * million ("0.400 billion", not "400 million"). The tables show three
 * decimals in it. */
static void one_scale(void **state)
{
    (void)state;
    fx_run *x = fx_make(200, 0, SCENARIO_NAME);
    scale_amounts(x, 0.01);
    cs_results *r = x->r;
    r->budget = x->model.budget = 400;
    r->totals[CS_NOMINAL][7] = 2e6;
    memcpy(r->sorted[CS_NOMINAL], r->totals[CS_NOMINAL], r->trials * sizeof(double));
    qsort(r->sorted[CS_NOMINAL], r->trials, sizeof(double), cmp_double);
    char *html = render(r, NULL);
    check_document(html);
    assert_int_equal(count(html, "trillion"), 0);
    assert_int_equal(count(html, "million KRW"), 0);
    assert_true(count(html, "billion KRW") >= 10);
    assert_non_null(strstr(html, "Total cost, billion KRW, then-year")); /* the scatter */
    assert_non_null(strstr(html, "Budget 0.400 billion KRW"));
    assert_true(check_key_decimals(html, 3) >= 10);
    free(html);

    /* the same program in millions: still three decimals in every table */
    scale_amounts(x, 0.001);
    html = render(r, NULL);
    assert_non_null(strstr(html, "million KRW"));
    assert_int_equal(count(html, "billion"), 0);
    assert_true(check_key_decimals(html, 3) >= 10);
    free(html);
    fx_free(x);
}

/* C1 controls and bidirectional formatting characters in a name never
 * reach the page: they show as U+FFFD, as C0 controls do. */
static void controls_and_bidi_escaped(void **state)
{
    (void)state;
    static const char *const unsafe[] = {
        "\xc2\x85", "\xc2\x9b", "\xe2\x80\xae", "\xe2\x80\xab", "\xe2\x81\xa6",
        "\xe2\x81\xa9", "\xe2\x80\x8f", "\xd8\x9c", "\x1b",
    };
    fx_run *x = fx_make(50, 0, "Bid\xc2\x85 \xe2\x80\xae" "cba\xe2\x81\xa6 \x1b[1m \xc2\x9b "
                               "\xe2\x80\xab\xe2\x81\xa9\xe2\x80\x8f\xd8\x9c \xd8\xb9\xec\x9e\xa0");
    for (int m = 0; m < CS_N_MEASURES; m++) /* an element's name */
        x->r->rows[m][5].name = "Jetty\xe2\x80\xae";
    char *html = render(x->r, NULL);
    for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++)
        if (strstr(html, unsafe[i]))
            fail_msg("character %zu of the list reached the page raw", i);
    assert_non_null(strstr(html, "<h1>Bid\xef\xbf\xbd \xef\xbf\xbd" "cba\xef\xbf\xbd"));
    /* other characters are kept: an Arabic letter and a Hangul syllable */
    assert_non_null(strstr(html, "\xef\xbf\xbd \xd8\xb9\xec\x9e\xa0</h1>"));
    assert_non_null(strstr(html, "Jetty\xef\xbf\xbd"));
    free(html);
    /* A line break saved on Windows (CR LF, kept in a quoted name) is a
     * line break on the page; a lone CR is still unsafe. */
    for (int m = 0; m < CS_N_MEASURES; m++)
        x->r->rows[m][5].name = "Hull\r\nblock\rB";
    html = render(x->r, NULL);
    assert_non_null(strstr(html, "Hull\nblock\xef\xbf\xbd" "B"));
    assert_null(strstr(html, "\r"));
    free(html);
    fx_free(x);
}

/* A share that is not 0 is never "0.0 %" (1 in 3 000 is 0.033 %, as the
 * terminal shows it); the currency table leaves empty what the FX model
 * does not take; the footer says the files are in millions only when
 * there are files. */
static void small_things(void **state)
{
    (void)state;
    /* Where the point falls: never P100 while a trial costs more, nor P0
     * while one costs less. */
    char at[16];
    assert_string_equal(cs_report_point_label(at, sizeof at, 7.4), "P7");
    assert_string_equal(cs_report_point_label(at, sizeof at, 99.97), ">P99");
    assert_string_equal(cs_report_point_label(at, sizeof at, 100), "P100");
    assert_string_equal(cs_report_point_label(at, sizeof at, 0.03), "<P1");
    assert_string_equal(cs_report_point_label(at, sizeof at, 0), "P0");
    assert_string_equal(cs_report_point_label(at, sizeof at, 99.4), "P99");
    assert_string_equal(cs_report_point_label(at, sizeof at, NAN), "n/a");
    /* Numbers: separators and decimals; one too long for its cell (a run
     * over centuries of inflation) in scientific notation, never cut. */
    char num[NUM_LEN];
    assert_string_equal(cs_report_fmt_num(num, sizeof num, -1234.5, 3), "\xe2\x88\x92" "1,234.500");
    assert_string_equal(cs_report_fmt_num(num, sizeof num, 2.005e29, 3), "2.005e+29");
    assert_string_equal(cs_report_fmt_num(num, sizeof num, -3.8317e282, 3), "\xe2\x88\x92" "3.832e+282");
    fx_run *x = fx_make(200, 0, SCENARIO_NAME);
    x->r->schedule[0].confidence = 1.0 / 3000;
    x->r->sensitivity[0].rho2_share = 0.000184; /* a share of rho^2: not "0.0 %" either */
    x->currencies[1].fx_model = CS_FX_OU;
    x->currencies[1].reversion = 0.15;
    char *html = render(x->r, NULL);
    assert_non_null(strstr(html, ">0.033 %<"));
    assert_non_null(strstr(html, "<td>0.018 %</td>"));
    assert_null(strstr(html, ">0.0 %<"));
    assert_non_null(strstr(html, "<td>ou</td><td></td><td>0.07</td><td>0.15</td>"));
    assert_null(strstr(html, "millions"));
    free(html);
    x->currencies[1].fx_model = CS_FX_GBM;
    x->currencies[1].drift = 0.01;
    html = render(x->r, NULL);
    assert_non_null(strstr(html, "<td>gbm</td><td>0.01</td><td>0.07</td><td></td>"));
    free(html);
    fx_free(x);
}

typedef struct {
    const cs_results *r;
    cs_report_html_outputs outputs;
} with_outputs;

static void write_with_outputs(FILE *f, const void *ctx)
{
    const with_outputs *w = ctx;
    assert_int_equal(cs_report_html_with_outputs(f, w->r, &w->outputs, NULL), 0);
}

static void footer_names_files(void **state)
{
    (void)state;
    fx_run *x = fx_make(50, 0, SCENARIO_NAME);
    with_outputs w = {x->r, {true, "out/results.xlsx"}};
    char *html = render_file(write_with_outputs, &w);
    assert_non_null(strstr(html, "the exact values are in summary.csv and results.xlsx, in "
                                 "millions."));
    /* with the CSV files written, the body points at them */
    assert_non_null(strstr(html, "use the allocation below or allocation.csv.</p>"));
    assert_non_null(strstr(html, "; jcl.csv gives it for every year and budget level."));
    free(html);
    fx_free(x);
}

/* ---- sweep ---------------------------------------------------------- */

typedef struct {
    const char *const *keys;
    size_t n_keys;
    const char *const *values;
    const cs_sweep_row *rows;
    size_t n;
} sweep_case;

static void write_sweep(FILE *f, const void *ctx)
{
    const sweep_case *s = ctx;
    assert_int_equal(cs_report_sweep_html(f, "Sweep & <test>", "KRW", s->keys, s->n_keys,
                                          s->values, s->rows, s->n),
                     0);
}

static cs_sweep_row sweep_row(double scale, int measure, double confidence)
{
    cs_sweep_row row = {.has_budget = true, .budget = 60e6, .budget_measure = measure,
                        .budget_confidence = confidence};
    static const double f[CS_N_MEASURES] = {0.55, 1, 0.5};
    for (int m = 0; m < CS_N_MEASURES; m++)
        for (int s = 0; s < CS_SWEEP_N_STATS; s++)
            row.stat[m][s] = scale * f[m] * (60e6 + 7.654321e6 * s);
    return row;
}

/* The table row of combination c (0-based) in the sweep page. */
static char *sweep_table_row(const char *html, size_t c)
{
    const char *p = strstr(html, "<tbody>");
    assert_non_null(p);
    for (size_t i = 0; i <= c; i++) {
        p = strstr(p + 1, "<tr>");
        assert_non_null(p);
    }
    size_t len = (size_t)(strstr(p, "</tr>") - p);
    char *row = malloc(len + 1);
    memcpy(row, p, len);
    row[len] = '\0';
    return row;
}

/* Each row's budget confidence is named with that row's measure when
 * budget_measure varies; the table scrolls sideways rather than run past
 * the window, and shows three decimals in one scale. */
static void sweep_budget_measure(void **state)
{
    (void)state;
    static const char *const keys[] = {"budget_measure"};
    static const char *const values[] = {"constant", "nominal", "pv"};
    cs_sweep_row rows[3] = {sweep_row(1, CS_CONSTANT, 0.244), sweep_row(1, CS_NOMINAL, 0),
                            sweep_row(1, CS_PV, 0.36)};
    sweep_case sc = {keys, 1, values, rows, 3};
    char *html = render_file(write_sweep, &sc);
    const char *why = xml_check(html, html + strlen(html));
    if (why)
        fail_msg("sweep page is not well-formed: %s", why);
    assert_null(strstr(html, "constant total")); /* not one measure for all */
    static const char *const words[] = {">constant<", ">then-year<", ">present value<"};
    static const char *const shares[] = {">24.4 %<", ">0.0 %<", ">36.0 %<"};
    for (size_t c = 0; c < 3; c++) {
        char *row = sweep_table_row(html, c);
        /* the value of the key, then the measure the budget is in */
        const char *measure = strstr(row, words[c]);
        assert_non_null(measure);
        assert_non_null(strstr(measure, shares[c]));
        free(row);
    }
    assert_non_null(strstr(html, "within 60.000 trillion KRW"));
    const char *wide = strstr(html, "<div class=\"wide\">");
    assert_non_null(wide);
    assert_true(wide < strstr(html, "<table"));
    assert_non_null(strstr(html, "<td>33.000</td>")); /* constant mean: 0.55 x 60 */
    assert_non_null(strstr(html, "Then-year total, trillion KRW")); /* the chart */
    free(html);
}

/* When report_currency varies, no amount is presented as one currency's:
 * no caption or axis claims KRW, and the chart, which would put the three
 * currencies on one axis, is left out. */
static void sweep_report_currency(void **state)
{
    (void)state;
    static const char *const keys[] = {"report_currency", "units"};
    static const char *const values[] = {"KRW", "8", "KRW", "12", "CAD", "8",
                                         "CAD", "12", "USD", "8", "USD", "12"};
    cs_sweep_row rows[6];
    for (size_t c = 0; c < 6; c++) {
        rows[c] = sweep_row(c < 2 ? 1 : c < 4 ? 1e-3 : 7e-4, CS_NOMINAL, 0.5);
        memcpy(rows[c].currency, values[2 * c], 4);
    }
    sweep_case sc = {keys, 2, values, rows, 6};
    char *html = render_file(write_sweep, &sc);
    const char *why = xml_check(html, html + strlen(html));
    if (why)
        fail_msg("sweep page is not well-formed: %s", why);
    assert_null(strstr(html, "<svg"));
    assert_null(strstr(html, "trillion KRW"));
    assert_null(strstr(html, "amounts in KRW"));
    assert_non_null(strstr(html, "each row&#39;s report currency (column Currency)"));
    /* the budget, 60,000,000 of each row's currency, is given per row */
    char *row = sweep_table_row(html, 2);
    assert_non_null(strstr(row, ">CAD<"));
    assert_non_null(strstr(row, "<td>60.000</td><td>50.0 %</td>"));
    free(row);

    /* the same currency in every row is one currency: chart and caption */
    static const char *const same[] = {"KRW", "8", "KRW", "12"};
    sc = (sweep_case){keys, 2, same, rows, 2};
    char *one = render_file(write_sweep, &sc);
    assert_non_null(strstr(one, "<svg"));
    assert_non_null(strstr(one, "Totals per combination, trillion KRW"));
    free(one);
    free(html);
}

/* Axis ticks stay finite and few for any range of totals: ordinary,
 * degenerate, a few subnormals wide, and past DBL_MAX (totals of both
 * signs near it, where hi - lo is not a double). */
static void axis_ticks_any_range(void **state)
{
    (void)state;
    static const double ranges[][2] = {
        {0, 170000},          {52.3, 52.3},      {0, 0},
        {0, 5e-324},          {5e-324, 5e-324},  {-1e-320, 1e-320},
        {-1.7e308, 1.7e308},  {1.7e308, 1.7e308}, {-1.79e308, -1.79e308},
        {0x1p-1000, 0x1p-999}, {-1e15, 1e15},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        double lo = ranges[i][0], hi = ranges[i][1];
        ticks t = cs_report_nice_ticks(lo, hi, 7);
        assert_true(isfinite(t.lo) && isfinite(t.hi) && isfinite(t.step));
        assert_true(t.step > 0);
        assert_true(t.lo <= lo && t.hi >= hi);
        int n = tick_count(t);
        assert_true(n >= 1 && n <= 20);
        assert_true(cs_report_tick_decimals(t, (unit){1, ""}) >= 0);
    }
    /* An ordinary range gets 1-2-5 steps on round numbers. */
    ticks t = cs_report_nice_ticks(0, 170000, 7);
    assert_true(t.step == 20000);
    assert_true(t.lo == 0);
    assert_true(t.hi == 180000);
    assert_int_equal(tick_count(t), 9);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xml_checker_works),
        cmocka_unit_test(run_report),
        cmocka_unit_test(compare_report),
        cmocka_unit_test(degenerate_run),
        cmocka_unit_test(scurve_labels_off_curves),
        cmocka_unit_test(one_scale),
        cmocka_unit_test(controls_and_bidi_escaped),
        cmocka_unit_test(small_things),
        cmocka_unit_test(footer_names_files),
        cmocka_unit_test(sweep_budget_measure),
        cmocka_unit_test(sweep_report_currency),
        cmocka_unit_test(axis_ticks_any_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
