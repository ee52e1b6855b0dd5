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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "costsim.h"
#include "compare.h"
#include "report_fixture.h"
#include "report_html.h"
#include "testutil.h"

#define SCENARIO_NAME "KSS-III \xec\x9e\xa0\xec\x88\x98\xed\x95\xa8 \xe2\x80\x94 Canada's \"12 boats\" & <co>"

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
    free(html);
    fx_free(x);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xml_checker_works),
        cmocka_unit_test(run_report),
        cmocka_unit_test(compare_report),
        cmocka_unit_test(degenerate_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
