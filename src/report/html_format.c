/* report html format: escaping text for HTML/XML, estimating text width,
 * cutting UTF-8 safely, and formatting numbers and amounts (scaled to
 * million/billion/trillion with thousands separators) for the HTML report. */
#include "html_internal.h"
#include "report_internal.h"

#include "csvin.h"

/* The length of the character at p when it must not reach the page raw,
 * else 0: a C0 control other than tab and LF, or DEL (XML does not allow
 * them); a C1 control (U+0080-U+009F: invisible, and some programs take
 * them as line breaks or escapes); a bidirectional formatting character
 * (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which would
 * reorder the text around it ("Trojan Source") or hide where a name
 * ends. p is valid UTF-8. */
static size_t unsafe_len(const unsigned char *p)
{
    if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
        return 1;
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
        return 2;
    if (p[0] == 0xd8 && p[1] == 0x9c)
        return 2;
    if (p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
        return 3;
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
        return 3;
    return 0;
}

/* Writes s escaped for HTML text and attribute values. Controls (C0 other
 * than tab and LF, DEL, C1) and the bidirectional formatting characters
 * become U+FFFD, the sign of a character that cannot be shown: one rule
 * for all of them, visible where they were. */
void cs_report_put_esc(FILE *f, const char *s)
{
    if (!s)
        return;
    /* A path from the command line need not be UTF-8: show U+FFFD for its
     * invalid bytes rather than write an invalid document. */
    char *repaired = NULL;
    if (!cs_csvin_utf8_valid(s, strlen(s))) {
        repaired = cs_csvin_utf8_repair(s, strlen(s));
        if (repaired)
            s = repaired;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n')
            continue; /* a line break saved on Windows is a line break, not a stray CR */
        size_t unsafe = unsafe_len(p);
        if (unsafe) {
            fputs("\xef\xbf\xbd", f);
            p += unsafe - 1;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*p, f);
        }
    }
    free(repaired);
}

/* Width of s in user units at font size fs: SVG text cannot be measured
 * here, so estimate generously (Latin ~0.6 em, other scripts ~1 em) and
 * leave gaps. */
double cs_report_text_width(const char *s, double fs)
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
void cs_report_truncate_utf8(const char *s, size_t max_chars, char *buf, size_t size)
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
 * "–" for a value that is not finite; in scientific notation from 1e18 or
 * when its digits would not fit in size. */
char *cs_report_fmt_num(char *buf, size_t size, double x, int decimals)
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
    size_t need = (negative ? 3 : 0) + int_len + (int_len - 1) / 3 + (dot ? strlen(dot) : 0) + 1;
    if (need > size || fabs(x) >= 1e18) {
        /* More digits than a double holds, or than the cell (amounts of a
         * run over centuries of inflation): four significant digits and an
         * exponent rather than digits of noise or a number cut short. */
        snprintf(buf, size, "%s%.3e", negative ? "\xe2\x88\x92" : "", fabs(x));
        return buf;
    }
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

unit cs_report_unit_for(double max_abs)
{
    if (max_abs >= 1e6)
        return (unit){1e6, "trillion"};
    if (max_abs >= 1e3)
        return (unit){1e3, "billion"};
    return (unit){1, "million"};
}

/* The number of an amount for prose in unit u (the report's scale, never
 * one of its own), with three or more significant digits: "52.3", "0.527". */
char *cs_report_fmt_amount(char *buf, size_t size, double millions, unit u)
{
    double v = millions / u.div, a = fabs(v);
    int decimals = a >= 100 || a == 0 || !isfinite(a) ? 0 : (int)ceil(2 - log10(a) - 1e-9);
    if (decimals > 6) /* a tiny amount beside trillions: 0.000001 shows it is not 0 */
        decimals = 6;
    return cs_report_fmt_num(buf, size, v, decimals);
}

/* "52.3 trillion KRW", in the report's scale and currency. */
char *cs_report_fmt_money(char *buf, size_t size, double millions, const labels *lb)
{
    char num[NUM_LEN];
    cs_report_fmt_amount(num, sizeof num, millions, lb->unit);
    snprintf(buf, size, "%s %s %s", num, lb->unit.word, lb->cur);
    return buf;
}

/* A share 0 ... 1 as a percent number (no "%"): one decimal, but a share
 * that is not 0 or 1 never shows as 0.0 or 100.0 (as the terminal: 1 in
 * 3 000 is "0.033", not "0.0"; 99.97 is "99.970"). */
char *cs_report_fmt_share(char *buf, size_t size, double share)
{
    /* without the terminal's exponent near 0 */
    return cs_report_fmt_num(buf, size, 100 * share, cs_report_share_decimals(share));
}

void cs_report_labels_init(labels *lb, const cs_results *r)
{
    const cs_model *m = r->model;
    lb->cur = m->currencies[m->report_currency].code;
    lb->base_year = m->base_year;
    snprintf(lb->basis[CS_CONSTANT], sizeof lb->basis[0], "constant %d", m->base_year);
    snprintf(lb->basis[CS_NOMINAL], sizeof lb->basis[0], "then-year");
    /* One scale for the whole report, from the largest total shown. */
    double largest = 0;
    for (int ms = 0; r->n_rows > 0 && ms < CS_N_MEASURES; ms++) {
        const cs_summary_row *t = &r->rows[ms][0];
        largest = fmax(largest, fmax(fabs(t->p[CS_P90]), fabs(t->point)));
    }
    lb->unit = cs_report_unit_for(isfinite(largest) ? largest : 0);
    lb->csv_files = false;
    lb->exact_files = "summary.csv";
    lb->workbook = NULL;
    snprintf(lb->basis[CS_PV], sizeof lb->basis[0], "present value %d", m->base_year);
    snprintf(lb->title[CS_CONSTANT], sizeof lb->title[0], "Constant %d prices", m->base_year);
    snprintf(lb->title[CS_NOMINAL], sizeof lb->title[0], "Nominal (then-year)");
    snprintf(lb->title[CS_PV], sizeof lb->title[0], "Present value %d", m->base_year);
}
