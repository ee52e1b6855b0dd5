/* csvin: one input CSV file into a table of trimmed text cells, each data
 * record remembering the physical line where it starts (docs/FORMAT.md).
 * See csvin.h. It does not interpret cells (num.c and the loader do).
 *
 * libcsv (strict mode) does the quoting; it does not count lines. So the
 * input is fed to it one physical line at a time (each piece ends just after
 * a CR or an LF), the line counter advances between pieces, and a record
 * starts on the line of the first piece after the previous record that holds
 * anything but spaces, tabs and line breaks. libcsv only ends a record on a
 * line break, i.e. on the last byte of a piece, so this stays exact with
 * quoted fields that span lines. A physical line whose first visible
 * character is '#' while no record is open is a comment and never reaches
 * libcsv, so quotes in comments (`# in "then-year" dollars`) are harmless. */
#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cs_csv {
    char *path;
    int header_line;
    size_t ncols;
    char **colnames; /* ncols names, as given (may be "") */
    size_t nrows, row_capacity;
    int *lines;   /* nrows physical start lines */
    char **cells; /* nrows * ncols; NULL for a cell the row did not give */
    size_t n_error_comments; /* see cs_csvin_n_error_comments */
    struct error_comment {
        int line;
        const char *value; /* a static string */
    } *error_comments;
};

/* One field of the record being read, as libcsv delivered it. */
typedef struct {
    char *text; /* NUL-terminated copy; may also hold NULs inside */
    size_t size;
} field;

typedef struct {
    const char *label;
    cs_diag *diag;
    cs_csv *table;
    bool have_header;
    bool header_bad;   /* the header row had a problem: no table returned */
    bool out_of_memory;
    bool foreign_separator; /* the header is ';'- or tab-separated */
    int line;          /* physical line of the next byte fed */
    int record_line;   /* where the open record started */
    bool in_record;
    field *fields;
    size_t nfields, field_capacity;
    size_t extra_fields; /* fields past CS_CSV_MAX_FIELDS, counted, not kept */
    bool stop;           /* a limit was passed: the file is refused */
} reader;

static bool is_blank_char(unsigned char c) { return c == ' ' || c == '\t'; }

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0 when it is
 * not one: overlong forms, surrogates and code points above U+10FFFF are
 * refused (RFC 3629). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

size_t cs_csvin_bidi_control(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    if (p[0] == 0xd8 && p[1] == 0x9c) /* U+061C */
        return 2;
    if (p[0] != 0xe2 || !p[1] || !p[2])
        return 0;
    if (p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
        return 3; /* U+200E, U+200F, U+202A-U+202E */
    if (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
        return 3; /* U+2066-U+2069 */
    return 0;
}

bool cs_csvin_utf8_valid(const char *text, size_t size)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < size;) {
        size_t len = utf8_sequence(s + i, size - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

/* The spreadsheet error value (Excel's, which LibreOffice also writes) that
 * the comment record at text[0 .. n-1] starts with, as its whole first
 * cell; NULL when it starts with none. */
static const char *error_value(const char *text, size_t n)
{
    static const char *const values[] = {
        "#N/A",    "#REF!",   "#VALUE!",   "#DIV/0!", "#NAME?",   "#NUM!",   "#NULL!",
        "#SPILL!", "#CALC!",  "#FIELD!",   "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
        "#GETTING_DATA", NULL};
    for (size_t k = 0; values[k]; k++) {
        size_t len = strlen(values[k]);
        if (n < len || memcmp(text, values[k], len) != 0)
            continue;
        size_t at = len;
        while (at < n && is_blank_char((unsigned char)text[at]))
            at++;
        if (at == n || text[at] == ',' || text[at] == '\n' || text[at] == '\r')
            return values[k];
    }
    return NULL;
}

/* Notes the comment record at text[0 .. n-1] (from its first field on),
 * starting at line, if it is after the header and its first cell is a
 * spreadsheet error value. Sets *out_of_memory when it cannot. */
static void note_error_comment(cs_csv *t, bool after_header, int line, const char *text, size_t n,
                               bool *out_of_memory)
{
    while (n > 0 && is_blank_char((unsigned char)*text)) {
        text++;
        n--;
    }
    const char *value = after_header ? error_value(text, n) : NULL;
    if (!value)
        return;
    struct error_comment *grown =
        realloc(t->error_comments, (t->n_error_comments + 1) * sizeof *grown);
    if (!grown) {
        *out_of_memory = true;
        return;
    }
    t->error_comments = grown;
    grown[t->n_error_comments++] = (struct error_comment){line, value};
}

/* True when the field, with spaces and tabs removed from its left, starts
 * with '#': the record is a comment. */
static bool starts_with_hash(const field *f)
{
    size_t i = 0;
    while (i < f->size && is_blank_char((unsigned char)f->text[i]))
        i++;
    return i < f->size && f->text[i] == '#';
}

static bool is_blank_field(const field *f)
{
    for (size_t i = 0; i < f->size; i++)
        if (!is_blank_char((unsigned char)f->text[i]))
            return false;
    return true;
}

static void clear_fields(reader *r)
{
    for (size_t i = 0; i < r->nfields; i++)
        free(r->fields[i].text);
    r->nfields = 0;
}

static void on_field(void *data, size_t size, void *context)
{
    reader *r = context;
    if (r->out_of_memory || r->stop)
        return;
    if (r->nfields == CS_CSV_MAX_FIELDS) {
        r->extra_fields++;
        return;
    }
    if (r->nfields == r->field_capacity) {
        size_t cap = r->field_capacity ? r->field_capacity * 2 : 16;
        field *grown = realloc(r->fields, cap * sizeof *grown);
        if (!grown) {
            r->out_of_memory = true;
            return;
        }
        r->fields = grown;
        r->field_capacity = cap;
    }
    char *text = malloc(size + 1);
    if (!text) {
        r->out_of_memory = true;
        return;
    }
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    r->fields[r->nfields].text = text;
    r->fields[r->nfields].size = size;
    r->nfields++;
}

/* The label of field i (0-based) in messages: the column's name where the
 * header gives one, else the 1-based field number (in buf). */
static const char *field_label(const reader *r, size_t i, char buf[24])
{
    if (r->have_header && i < r->table->ncols && r->table->colnames[i][0] != '\0')
        return r->table->colnames[i];
    snprintf(buf, 24, "%zu", i + 1);
    return buf;
}

/* Reports every oversize or non-UTF-8 field of the record; returns how many. */
static int check_fields(reader *r)
{
    int problems = 0;
    char buf[24];
    for (size_t i = 0; i < r->nfields; i++) {
        const field *f = &r->fields[i];
        if (f->size > CS_CSV_MAX_FIELD) {
            cs_diag_add(r->diag, r->label, r->record_line, field_label(r, i, buf),
                        "field is %zu bytes long; at most %d bytes are allowed",
                        f->size, CS_CSV_MAX_FIELD);
            problems++;
        } else if (memchr(f->text, '\0', f->size)) {
            cs_diag_add(r->diag, r->label, r->record_line, field_label(r, i, buf),
                        "contains a NUL byte; files must be UTF-8 text");
            problems++;
        } else if (!cs_csvin_utf8_valid(f->text, f->size)) {
            cs_diag_add(r->diag, r->label, r->record_line, field_label(r, i, buf),
                        "not valid UTF-8; files must be UTF-8");
            problems++;
        }
    }
    return problems;
}

/* A header written by a spreadsheet with another list separator (a
 * European Excel's ';', or tabs) reaches us as one field, or as fields that
 * hold more of that separator than there are commas: returns ';' or '\t'
 * then, else 0. */
static char foreign_separator(const reader *r)
{
    static const char candidates[] = {';', '\t'};
    for (size_t c = 0; c < sizeof candidates; c++) {
        size_t count = 0;
        for (size_t i = 0; i < r->nfields; i++) {
            const field *f = &r->fields[i];
            for (size_t k = 0; k < f->size; k++)
                count += f->text[k] == candidates[c];
        }
        if (count > 0 && count >= r->nfields)
            return candidates[c];
    }
    return 0;
}

static bool take_header(reader *r)
{
    cs_csv *t = r->table;
    t->colnames = calloc(r->nfields, sizeof *t->colnames);
    if (!t->colnames)
        return false;
    for (size_t i = 0; i < r->nfields; i++) {
        t->colnames[i] = r->fields[i].text; /* ownership moves to the table */
        r->fields[i].text = NULL;
    }
    t->ncols = r->nfields;
    t->header_line = r->record_line;
    return true;
}

static bool take_row(reader *r)
{
    cs_csv *t = r->table;
    if (t->nrows == t->row_capacity) {
        size_t cap = t->row_capacity ? t->row_capacity * 2 : 64;
        if (cap > SIZE_MAX / sizeof(char *) / t->ncols) /* ncols >= 1 */
            return false;
        int *lines = realloc(t->lines, cap * sizeof *lines);
        if (!lines)
            return false;
        t->lines = lines;
        char **cells = realloc(t->cells, cap * t->ncols * sizeof *cells);
        if (!cells)
            return false;
        t->cells = cells;
        t->row_capacity = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = i < r->nfields ? r->fields[i].text : NULL;
        if (i < r->nfields)
            r->fields[i].text = NULL;
    }
    t->lines[t->nrows++] = r->record_line;
    return true;
}

/* A record passed CS_CSV_MAX_FIELDS: the file is refused here, whether
 * the record has ended or (a line of commas without end) not. */
static void too_many_fields(reader *r)
{
    if (r->stop)
        return;
    cs_diag_add(r->diag, r->label, r->record_line, NULL,
                "record has more than %d fields; at most %d are allowed (reading stopped "
                "here)", CS_CSV_MAX_FIELDS, CS_CSV_MAX_FIELDS);
    r->stop = true;
}

static void on_record(int terminator, void *context)
{
    (void)terminator;
    reader *r = context;
    r->in_record = false;
    if (r->out_of_memory || r->stop || r->nfields == 0)
        goto done;
    if (r->extra_fields > 0) {
        too_many_fields(r);
        goto done;
    }
    /* A quoted first field starting with '#' reaches here; unquoted ones
     * were dropped as comment lines before libcsv saw them. */
    if (starts_with_hash(&r->fields[0])) {
        note_error_comment(r->table, r->have_header, r->record_line, r->fields[0].text,
                           r->fields[0].size, &r->out_of_memory);
        goto done;
    }
    bool blank = true;
    for (size_t i = 0; i < r->nfields && blank; i++)
        blank = is_blank_field(&r->fields[i]);
    if (blank)
        goto done;

    if (!r->have_header) {
        char separator = foreign_separator(r);
        if (r->nfields == 2 && r->fields[0].size == 4 && !memcmp(r->fields[0].text, "sep=", 4) &&
            is_blank_field(&r->fields[1])) {
            /* Excel's separator hint (sep=,) in front of the header: one
             * message, and no "row has N fields" for every row after it. */
            cs_diag_add(r->diag, r->label, r->record_line, NULL,
                        "'sep=,' is a spreadsheet's separator hint, not the header; delete "
                        "this line, so that the header comes first");
            r->header_bad = true;
            r->foreign_separator = true;
        } else if (separator) {
            /* One message instead of an unknown column and a missing
             * required column per name, and no row errors after it. */
            cs_diag_add(r->diag, r->label, r->record_line, NULL,
                        "this file separates fields with %s; save it as CSV (comma "
                        "delimited)", separator == ';' ? "';'" : "tabs");
            r->header_bad = true;
            r->foreign_separator = true;
        } else if (check_fields(r) > 0) {
            r->header_bad = true;
        }
        if (!take_header(r))
            r->out_of_memory = true;
        r->have_header = true;
        goto done;
    }
    if (r->foreign_separator)
        goto done;
    int problems = 0;
    size_t ncols = r->table->ncols;
    if (r->nfields > ncols) {
        char label[24];
        snprintf(label, sizeof label, "%zu", ncols + 1);
        cs_diag_add(r->diag, r->label, r->record_line, label,
                    "row has %zu fields but the header has %zu; remove the extra "
                    "field or quote a value that contains a comma",
                    r->nfields, ncols);
        problems++;
    }
    problems += check_fields(r);
    if (problems == 0 && r->table->nrows == CS_CSV_MAX_ROWS) {
        cs_diag_add(r->diag, r->label, r->record_line, NULL,
                    "more than %d rows; at most %d are allowed (reading stopped here)",
                    CS_CSV_MAX_ROWS, CS_CSV_MAX_ROWS);
        r->stop = true;
    } else if (problems == 0 && !take_row(r)) {
        r->out_of_memory = true;
    }
done:
    r->extra_fields = 0;
    clear_fields(r);
}

static void reader_free(reader *r)
{
    clear_fields(r);
    free(r->fields);
}

void cs_csvin_free(cs_csv *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->colnames[i]);
    free(t->colnames);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->lines);
    free(t->error_comments);
    free(t->path);
    free(t);
}

size_t cs_csvin_n_error_comments(const cs_csv *t) { return t ? t->n_error_comments : 0; }

int cs_csvin_error_comment_line(const cs_csv *t, size_t i)
{
    return t && i < t->n_error_comments ? t->error_comments[i].line : 0;
}

const char *cs_csvin_error_comment_value(const cs_csv *t, size_t i)
{
    return t && i < t->n_error_comments ? t->error_comments[i].value : "";
}

/* Reports a libcsv failure; syntax errors point at the record's start line
 * and the field being read. */
static void report_parse_error(reader *r, int error, bool at_end)
{
    /* A file refused for its separator (or a sep= line) has said so once;
     * its quotes, read with the wrong separator, are no news. */
    if (r->foreign_separator && error == CSV_EPARSE)
        return;
    if (error == CSV_ENOMEM || error == CSV_ETOOBIG || r->out_of_memory) {
        cs_diag_add(r->diag, r->label, 0, NULL, "out of memory while reading; "
                    "the file must fit in memory");
        return;
    }
    char buf[24];
    const char *label = field_label(r, r->nfields, buf); /* the column's name where known */
    if (at_end)
        cs_diag_add(r->diag, r->label, r->record_line, label,
                    "quoted field is not closed before the end of the file; end it "
                    "with a quote, and write a quote inside it as two quotes (\"\")");
    else
        cs_diag_add(r->diag, r->label, r->record_line, label,
                    "misplaced quote; a field that contains a quote must be quoted "
                    "as a whole, with the quote inside written as two quotes (\"\")");
}

/* The reading of one file as a stream of chunks: memory stays bounded by
 * the longest field allowed (plus the cells kept), whatever the file's
 * size, and each byte is looked at a fixed number of times. */
typedef struct {
    reader r;
    struct csv_parser parser;
    cs_csv *table;
    size_t total;         /* bytes fed so far */
    bool failed;
    bool previous_was_cr;
    bool in_comment;      /* skipping a comment line that spans chunks */
} stream;

static const char out_of_memory_text[] = "out of memory while reading; the file must fit "
                                         "in memory";

static bool stream_init(stream *st, const char *label, cs_diag *diag)
{
    memset(st, 0, sizeof *st);
    cs_csv *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(label))) {
        free(t);
        cs_diag_add(diag, label, 0, NULL, "%s", out_of_memory_text);
        return false;
    }
    st->table = t;
    st->r = (reader){.label = label, .diag = diag, .table = t, .line = 1};
    if (csv_init(&st->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        cs_diag_add(diag, label, 0, NULL, "%s", out_of_memory_text);
        cs_csvin_free(t);
        return false;
    }
    csv_set_blk_size(&st->parser, 1024);
    return true;
}

/* The field libcsv is collecting passed the limit: refuse the file now,
 * before an endless field (a link to /dev/zero) fills the memory. */
static void field_too_long(stream *st)
{
    reader *r = &st->r;
    char buf[24];
    cs_diag_add(r->diag, r->label, r->in_record ? r->record_line : r->line,
                field_label(r, r->nfields, buf),
                "field is longer than %d bytes; at most %d bytes are allowed (reading "
                "stopped here)", CS_CSV_MAX_FIELD, CS_CSV_MAX_FIELD);
    st->failed = true;
}

/* A fresh parser after a syntax error, the record being read dropped.
 * False when it cannot be made (out of memory). */
static bool restart(stream *st)
{
    csv_free(&st->parser);
    if (csv_init(&st->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        st->r.out_of_memory = true;
        return false;
    }
    csv_set_blk_size(&st->parser, 1024);
    clear_fields(&st->r);
    st->r.extra_fields = 0;
    st->r.in_record = false;
    return true;
}

/* What the first bytes of a file say it is, when that is something a
 * spreadsheet writes instead of CSV: the message, or NULL. */
static const char *foreign_format(const char *data, size_t size)
{
    const unsigned char *u = (const unsigned char *)data;
    if (size >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return "this file is UTF-16 text (Excel's \"Unicode text\"); save it as CSV UTF-8";
    /* Without a byte order mark: ASCII text in UTF-16 has a NUL byte
     * beside every character. */
    if (size >= 4 && ((u[0] && !u[1] && u[2] && !u[3]) || (!u[0] && u[1] && !u[2] && u[3])))
        return "this file is UTF-16 text (a NUL byte beside every character); save it as "
               "CSV UTF-8";
    if (size >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
        return "this is a zip file, such as an Excel workbook (.xlsx), not CSV text; save "
               "the sheet as CSV UTF-8 (comma delimited)";
    if (size >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
        return "this is an old Excel workbook (.xls), not CSV text; save the sheet as CSV "
               "UTF-8 (comma delimited)";
    return NULL;
}

/* Feeds data[0 .. size-1], the next bytes of the file. */
static void stream_feed(stream *st, const char *data, size_t size)
{
    reader *r = &st->r;
    size_t pos = 0;
    if (st->total == 0 && size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* UTF-8 byte order mark, as Excel writes it */
    const char *not_csv = st->total == 0 ? foreign_format(data, size) : NULL;
    if (not_csv) {
        /* One message, not one "not valid UTF-8" or "NUL byte" per field. */
        cs_diag_add(r->diag, r->label, 1, NULL, "%s", not_csv);
        st->failed = true;
        return;
    }
    if (size > (size_t)INT_MAX - st->total) {
        /* Line numbers are ints; no cost model comes near 2 GB of CSV. */
        cs_diag_add(r->diag, r->label, 0, NULL, "file is too large; at most %d bytes are "
                    "allowed", INT_MAX);
        st->failed = true;
        return;
    }
    st->total += size;
    while (pos < size && !st->failed) {
        /* A piece ends just after a line break, or at the end of the chunk
         * (the line then goes on in the next chunk). */
        size_t end = pos;
        while (end < size && data[end] != '\n' && data[end] != '\r')
            end++;
        bool line_ends = end < size;
        if (line_ends)
            end++;

        bool skip = st->in_comment;
        if (!r->in_record && !skip) {
            size_t first = pos;
            while (first < end && (is_blank_char((unsigned char)data[first])
                                   || data[first] == '\n' || data[first] == '\r'))
                first++;
            if (first < end) {
                skip = data[first] == '#';
                r->in_record = !skip;
                r->record_line = r->line;
                if (skip)
                    note_error_comment(r->table, r->have_header, r->line, data + first,
                                       end - first, &r->out_of_memory);
            }
        }
        st->in_comment = skip && !line_ends;
        if (!skip && csv_parse(&st->parser, data + pos, end - pos, on_field, on_record, r)
                         != end - pos) {
            report_parse_error(r, csv_error(&st->parser), false);
            /* A quote error in a data row drops that row, as any other bad
             * row, and reading goes on at the next line, so that check
             * lists the file's other problems too; in the header it ends
             * the file. */
            if (!r->have_header || csv_error(&st->parser) != CSV_EPARSE || !restart(st))
                st->failed = true;
            else
                st->in_comment = !line_ends; /* the rest of this line goes with the row */
        } else if (r->out_of_memory) {
            report_parse_error(r, CSV_ENOMEM, false);
            st->failed = true;
        } else if (st->parser.entry_pos > CS_CSV_MAX_FIELD) {
            field_too_long(st);
        } else if (r->stop || r->extra_fields > 0) {
            too_many_fields(r); /* nothing when the stop was for another limit */
            st->failed = true;
        }

        /* CRLF is one line break, a lone CR or LF one each: an LF is the
         * second half of a CRLF only when it comes right after the CR (the
         * piece is that LF alone, as a piece ends at a CR). */
        char last = data[end - 1];
        if (line_ends) {
            bool crlf = last == '\n' && end - pos == 1 && st->previous_was_cr;
            if (!crlf)
                r->line++;
            st->previous_was_cr = last == '\r';
        } else {
            st->previous_was_cr = false;
        }
        pos = end;
    }
}

/* Ends the stream: the table, or NULL with the messages in diag. */
static cs_csv *stream_finish(stream *st)
{
    reader *r = &st->r;
    if (!st->failed && csv_fini(&st->parser, on_field, on_record, r) != 0) {
        report_parse_error(r, csv_error(&st->parser), true);
        st->failed = true;
    }
    if (!st->failed && r->out_of_memory) {
        report_parse_error(r, CSV_ENOMEM, true);
        st->failed = true;
    }
    if (r->stop) /* the last record passed a limit */
        st->failed = true;
    csv_free(&st->parser);
    reader_free(r);
    if (!st->failed && !r->have_header)
        cs_diag_add(r->diag, r->label, 0, NULL, "empty file; a header row is needed");
    if (st->failed || !r->have_header || r->header_bad) {
        cs_csvin_free(st->table);
        return NULL;
    }
    return st->table;
}

cs_csv *cs_csvin_parse(const char *label, const char *data, size_t size, cs_diag *diag)
{
    if (!label)
        label = "";
    stream st;
    if (!stream_init(&st, label, diag))
        return NULL;
    /* In chunks, as a file is read, so the limits act the same way. */
    enum { CHUNK = 65536 };
    for (size_t pos = 0; pos < size && !st.failed; pos += CHUNK)
        stream_feed(&st, data + pos, size - pos < CHUNK ? size - pos : CHUNK);
    return stream_finish(&st);
}

/* Opens path for reading without waiting: a FIFO with no writer would
 * block open() for ever (reading it then gives what a writer sends, or
 * end of file). NULL with errno set on failure. */
static FILE *open_input(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    int flags = fcntl(fd, F_GETFL);
    FILE *f = flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ? NULL : fdopen(fd, "rb");
    if (!f) {
        int err = errno;
        close(fd);
        errno = err;
    }
    return f;
}

cs_csv *cs_csvin_read(const char *path, cs_diag *diag)
{
    if (!path[0]) { /* e.g. an unset shell variable */
        cs_diag_add(diag, path, 0, NULL, "empty file name; give the path of a CSV file");
        return NULL;
    }
    FILE *f = open_input(path);
    if (!f) {
        cs_diag_add(diag, path, 0, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    enum { CHUNK = 65536 };
    char *buffer = malloc(CHUNK);
    stream st;
    if (!buffer) {
        cs_diag_add(diag, path, 0, NULL, "%s", out_of_memory_text);
        fclose(f);
        return NULL;
    }
    if (!stream_init(&st, path, diag)) {
        free(buffer);
        fclose(f);
        return NULL;
    }
    int read_error = 0;
    while (!st.failed) {
        errno = 0;
        size_t got = fread(buffer, 1, CHUNK, f);
        if (got > 0)
            stream_feed(&st, buffer, got);
        if (got < CHUNK) {
            if (ferror(f)) /* e.g. EISDIR: fopen opens a directory, fread fails */
                read_error = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    free(buffer);
    if (read_error && !st.failed) {
        cs_diag_add(diag, path, 0, NULL, "cannot read: %s", strerror(read_error));
        st.failed = true;
    }
    return stream_finish(&st);
}

const char *cs_csvin_path(const cs_csv *t) { return t->path; }
int cs_csvin_header_line(const cs_csv *t) { return t->header_line; }
size_t cs_csvin_ncols(const cs_csv *t) { return t->ncols; }

const char *cs_csvin_colname(const cs_csv *t, size_t col)
{
    return col < t->ncols ? t->colnames[col] : "";
}

int cs_csvin_col(const cs_csv *t, const char *name)
{
    for (size_t i = 0; i < t->ncols && i < INT_MAX; i++)
        if (strcmp(t->colnames[i], name) == 0)
            return (int)i;
    return -1;
}

size_t cs_csvin_nrows(const cs_csv *t) { return t->nrows; }

int cs_csvin_line(const cs_csv *t, size_t row)
{
    return row < t->nrows ? t->lines[row] : 0;
}

bool cs_csvin_given(const cs_csv *t, size_t row, int col)
{
    return row < t->nrows && col >= 0 && (size_t)col < t->ncols &&
           t->cells[row * t->ncols + (size_t)col] != NULL;
}

const char *cs_csvin_cell(const cs_csv *t, size_t row, int col)
{
    if (row >= t->nrows || col < 0 || (size_t)col >= t->ncols)
        return "";
    const char *cell = t->cells[row * t->ncols + (size_t)col];
    return cell ? cell : "";
}

const char *cs_csvin_get(const cs_csv *t, size_t row, const char *name)
{
    return cs_csvin_cell(t, row, cs_csvin_col(t, name));
}

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, so "hihg" is 1 from "high"), ignoring ASCII case so that
 * "High" is 0 from "high". Returns SIZE_MAX on out of memory. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    size_t *rows = malloc(3 * (m + 1) * sizeof *rows);
    if (!rows)
        return SIZE_MAX;
    size_t *before = rows, *previous = rows + (m + 1), *current = rows + 2 * (m + 1);
    for (size_t j = 0; j <= m; j++)
        previous[j] = j;
    for (size_t i = 1; i <= n; i++) {
        current[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = ascii_lower(a[i - 1]) != ascii_lower(b[j - 1]);
            size_t best = previous[j - 1] + cost;
            if (previous[j] + 1 < best)
                best = previous[j] + 1;
            if (current[j - 1] + 1 < best)
                best = current[j - 1] + 1;
            if (i > 1 && j > 1 && ascii_lower(a[i - 1]) == ascii_lower(b[j - 2])
                && ascii_lower(a[i - 2]) == ascii_lower(b[j - 1]) && before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            current[j] = best;
        }
        size_t *oldest = before;
        before = previous;
        previous = current;
        current = oldest;
    }
    size_t distance = previous[m];
    free(rows);
    return distance;
}

const char *cs_csvin_closest(const char *word, const char *const *known)
{
    if (!word || !known || *word == '\0')
        return NULL;
    size_t word_length = strlen(word);
    /* Within a third of the word (at least 2) is a plausible typo; a
     * distance as large as both names is a rewrite, not a typo. */
    size_t limit = word_length / 3 > 2 ? word_length / 3 : 2;
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t k = 0; known[k]; k++) {
        size_t d = edit_distance(word, known[k]);
        size_t longer = strlen(known[k]) > word_length ? strlen(known[k]) : word_length;
        if (d <= limit && d < longer && d < best_distance) {
            best = known[k];
            best_distance = d;
        }
    }
    if (best || word_length < 3)
        return best;
    /* No near spelling: a word that starts exactly one known name is taken
     * as that name cut short ('learn' for learning, 'acq' for acquisition). */
    for (size_t k = 0; known[k]; k++)
        if (strncmp(known[k], word, word_length) == 0) {
            if (best)
                return NULL; /* two names start so: no guess */
            best = known[k];
        }
    return best;
}

static bool name_in(const char *name, const char *const *list)
{
    for (size_t k = 0; list && list[k]; k++)
        if (strcmp(name, list[k]) == 0)
            return true;
    return false;
}

/* "a, b, c" for messages, in a new string (NULL on out of memory). */
static char *join_names(const char *const *names)
{
    size_t n = 1;
    for (size_t k = 0; names[k]; k++)
        n += strlen(names[k]) + 2;
    char *out = malloc(n);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t k = 0; names[k]; k++) {
        if (k > 0)
            strcat(out, ", ");
        strcat(out, names[k]);
    }
    return out;
}

/* qsort has no context argument; one per thread, so that two threads may
 * load scenarios at once (the library promises handles, not calls, are
 * what threads must not share). */
static _Thread_local const cs_csv *sort_table;

static int compare_columns(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(sort_table->colnames[i], sort_table->colnames[j]);
    return c ? c : (i > j) - (i < j);
}

/* flags[i] is true when column i repeats an earlier column's name. Sorting
 * keeps a header of 400 000 columns fast (n log n, not n^2). NULL on out of
 * memory (duplicates then go unreported; the caller is about to fail). */
static bool *mark_duplicates(const cs_csv *t)
{
    size_t n = t->ncols;
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    bool *flags = calloc(n ? n : 1, sizeof *flags);
    if (!order || !flags) {
        free(order);
        free(flags);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_table = t;
    qsort(order, n, sizeof *order, compare_columns);
    sort_table = NULL;
    for (size_t k = 1; k < n; k++)
        if (strcmp(t->colnames[order[k]], t->colnames[order[k - 1]]) == 0)
            flags[order[k]] = true; /* order[k-1] comes first in the file */
    free(order);
    return flags;
}

int cs_csvin_check_header(const cs_csv *t, const char *const *known,
                        const char *const *required, cs_diag *diag)
{
    int problems = 0;
    char *known_list = known ? join_names(known) : NULL;
    bool *duplicate = mark_duplicates(t);
    const char *allowed = known_list ? known_list : "(list unavailable)";
    /* Empty header cells at the end only (",,,," after the last name, as
     * a spreadsheet writes when columns right of the table were once
     * used): one message for all of them. */
    size_t named = t->ncols;
    while (named > 0 && t->colnames[named - 1][0] == '\0')
        named--;
    bool trailing_only = named > 0 && named < t->ncols;
    for (size_t i = 0; i < named && trailing_only; i++)
        trailing_only = t->colnames[i][0] != '\0';
    for (size_t i = 0; i < (trailing_only ? named : t->ncols); i++) {
        const char *name = t->colnames[i];
        if (name[0] == '\0') {
            char label[24];
            snprintf(label, sizeof label, "%zu", i + 1);
            cs_diag_add(diag, t->path, t->header_line, label,
                        "empty column name; every header cell needs a name%s%s",
                        known ? ", one of: " : "", known ? allowed : "");
            problems++;
            continue;
        }
        if (duplicate && duplicate[i]) {
            cs_diag_add(diag, t->path, t->header_line, name,
                        "duplicate column '%s' (field %zu); each column may appear once",
                        name, i + 1);
            problems++;
            continue;
        }
        if (known && !name_in(name, known)) {
            const char *hint = cs_csvin_closest(name, known);
            if (hint)
                cs_diag_add(diag, t->path, t->header_line, name,
                            "unknown column '%s'; did you mean '%s'? known columns: %s",
                            name, hint, allowed);
            else
                cs_diag_add(diag, t->path, t->header_line, name,
                            "unknown column '%s'; known columns: %s", name, allowed);
            problems++;
        }
    }
    if (trailing_only) {
        char label[24];
        snprintf(label, sizeof label, "%zu", named + 1);
        size_t extra = t->ncols - named;
        cs_diag_add(diag, t->path, t->header_line, label,
                    "the header ends in %zu empty cell%s after '%s' (as a spreadsheet writes "
                    "when columns right of the table were once used); delete %s column%s",
                    extra, extra == 1 ? "" : "s", t->colnames[named - 1],
                    extra == 1 ? "that" : "those", extra == 1 ? "" : "s");
        problems++;
    }
    for (size_t k = 0; required && required[k]; k++) {
        if (cs_csvin_col(t, required[k]) < 0) {
            cs_diag_add(diag, t->path, t->header_line, required[k],
                        "missing required column '%s'; add it to the header",
                        required[k]);
            problems++;
        }
    }
    free(known_list);
    free(duplicate);
    return problems;
}

size_t cs_csvin_edit_distance(const char *a, const char *b)
{
    return edit_distance(a, b);
}

char *cs_csvin_utf8_repair(const char *text, size_t size)
{
    /* Each invalid byte becomes U+FFFD (3 bytes). */
    if (size > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(3 * size + 1);
    if (!out)
        return NULL;
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0;
    for (size_t i = 0; i < size;) {
        size_t len = s[i] ? utf8_sequence(s + i, size - i) : 0;
        if (len == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        }
    }
    out[o] = '\0';
    return out;
}
