/* csvout: CSV cells and rows for the output files (docs/OUTPUTS.md; see
 * csvout.h).
 *
 * Writes straight into the FILE without allocating; it neither opens nor
 * closes files, and write errors stay sticky in the FILE for the caller
 * (cs_outdir_commit) to report. */
#include "csvout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvin.h"
#include "num.h"

void cs_csvout_init(cs_csvout *w, FILE *f)
{
    w->f = f;
    w->fields = 0;
    w->terminal = f && isatty(fileno(f));
}

static void begin_cell(cs_csvout *w)
{
    if (w->fields++ > 0)
        fputc(',', w->f);
}

/* Formula injection (OWASP "CSV Injection"): spreadsheets evaluate a cell
 * starting with = + - @, and some strip a leading tab or CR first. */
static int needs_neutralising(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t'
           || s[0] == '\r';
}

/* RFC 4180 requires quotes for , " CR LF. Leading or trailing blanks are
 * quoted too, because readers (ours included, docs/FORMAT.md) trim unquoted
 * cells. The prefix "'" never changes the answer: a neutralised cell
 * starts with "'", and its end is the text's end. */
static int needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

void cs_csvout_text(cs_csvout *w, const char *s)
{
    begin_cell(w);
    if (!s || !*s)
        return;
    int quoted = needs_quotes(s);
    if (quoted)
        fputc('"', w->f);
    if (needs_neutralising(s))
        fputc('\'', w->f);
    for (const char *c = s; *c; c++) {
        unsigned char b = (unsigned char)*c;
        if (w->terminal && ((b < 0x20 && b != '\t' && b != '\n') || b == 0x7f)) {
            fputc('?', w->f);
            continue;
        }
        if (w->terminal && b == 0xc2 && (unsigned char)c[1] >= 0x80 &&
            (unsigned char)c[1] <= 0x9f) { /* U+0080 .. U+009F */
            fputc('?', w->f);
            c++;
            continue;
        }
        size_t bidi = w->terminal ? cs_csvin_bidi_control(c) : 0;
        if (bidi) { /* U+202E and kin: would reorder the terminal's line */
            fputc('?', w->f);
            c += bidi - 1;
            continue;
        }
        if (*c == '"')
            fputc('"', w->f);
        fputc(*c, w->f);
    }
    if (quoted)
        fputc('"', w->f);
}

void cs_csvout_number(cs_csvout *w, double x)
{
    begin_cell(w);
    if (!isfinite(x))
        return;
    char buf[32];
    fputs(cs_num_format_double(x, buf), w->f);
}

void cs_csvout_int(cs_csvout *w, long long x)
{
    begin_cell(w);
    fprintf(w->f, "%lld", x);
}

void cs_csvout_end_row(cs_csvout *w)
{
    fputc('\n', w->f);
    w->fields = 0;
}

void cs_csvout_header(cs_csvout *w, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        cs_csvout_text(w, names[i]);
    cs_csvout_end_row(w);
}

char *cs_csvout_neutralise(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s), prefix = needs_neutralising(s) ? 1 : 0;
    char *out = malloc(n + prefix + 1);
    if (!out)
        return NULL;
    out[0] = '\'';
    memcpy(out + prefix, s, n + 1);
    return out;
}
