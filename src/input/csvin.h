/* csvin: reads one input CSV file by the rules of docs/FORMAT.md into a table
 * of text cells, remembering the physical line where each record starts.
 *
 * Built on libcsv (strict mode). Handles a UTF-8 BOM, LF and CRLF, quoted
 * fields with commas, doubled quotes and newlines, comment records (first
 * field, trimmed, starts with '#', also before the header) and blank
 * records (skipped), trimming of unquoted cells (spaces and tabs) and of
 * spaces around quoted cells (quoted content kept as is), short rows
 * (missing cells are empty) and long rows (an error naming the 1-based field
 * number), fields over CS_CSV_MAX_FIELD bytes and invalid UTF-8 (errors).
 * It knows nothing of what the columns mean. */
#ifndef CS_CSVIN_H
#define CS_CSVIN_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define CS_CSV_MAX_FIELD 4096
/* Fields of one record and data records of one file: past them the file is
 * refused as it is read (an endless stream of short rows or of commas must
 * not fill the memory before a count is checked). The rows allow a full
 * correlation matrix of the largest group (2 000 elements: 1 999 000
 * pairs). */
#define CS_CSV_MAX_FIELDS 256
#define CS_CSV_MAX_ROWS 2000000

typedef struct cs_csv cs_csv;

/* Reads and parses the file at path (path is also the label used in
 * messages). Returns a table the caller frees with cs_csvin_free, or NULL
 * after adding at least one entry to diag (missing file: "path: cannot open:
 * <strerror>"; unreadable, e.g. a directory: "path: cannot read: ..."; no
 * header: "path: empty file; a header row is needed"; a quote left open at
 * the end of the file or a syntax error in the header: path:line:column,
 * line where the record starts; a header cell too long or not UTF-8). Data
 * rows with problems (a misplaced quote, too many fields, a field too long,
 * bad UTF-8 or a NUL byte) are reported and dropped, reading going on at
 * the next line; the table is still returned. A physical line whose
 * first visible character is '#' outside a record is a comment even if it
 * holds quotes. diag may be NULL (problems are then only signalled by the
 * result). */
cs_csv *cs_csvin_read(const char *path, cs_diag *diag);

/* The same from memory (label names it in messages). */
cs_csv *cs_csvin_parse(const char *label, const char *data, size_t size, cs_diag *diag);

void cs_csvin_free(cs_csv *t);

const char *cs_csvin_path(const cs_csv *t);
int cs_csvin_header_line(const cs_csv *t);
size_t cs_csvin_ncols(const cs_csv *t);
/* Header cell `col` as written (may be ""); "" when col >= ncols. The
 * strings returned by these accessors belong to t. */
const char *cs_csvin_colname(const cs_csv *t, size_t col);
/* Index of the (first) column named exactly `name`, or -1. */
int cs_csvin_col(const cs_csv *t, const char *name);

size_t cs_csvin_nrows(const cs_csv *t); /* data records, comments/blank excluded */
int cs_csvin_line(const cs_csv *t, size_t row); /* physical line where it starts; 0 if no row */
/* Comment records after the header whose first cell is a spreadsheet's
 * error value (#N/A, #REF!, #VALUE!, ...): a formula that failed in a data
 * row makes that row a comment, which the loader warns about. i-th such
 * record's line and error value (owned by t). */
size_t cs_csvin_n_error_comments(const cs_csv *t);
int cs_csvin_error_comment_line(const cs_csv *t, size_t i);
const char *cs_csvin_error_comment_value(const cs_csv *t, size_t i);
/* Whether row `row` has a field for column col (a row shorter than the
 * header has none for its last columns; an empty field is given). */
bool cs_csvin_given(const cs_csv *t, size_t row, int col);
/* Cell text, trimmed as the rules say; "" for a missing cell or col < 0. */
const char *cs_csvin_cell(const cs_csv *t, size_t row, int col);
/* The same by column name ("" when the column is absent). */
const char *cs_csvin_get(const cs_csv *t, size_t row, const char *name);

/* Checks the header against the known column names (NULL-terminated list;
 * NULL accepts any name): an unknown name is an error at the header line,
 * column = that name, naming the closest known one when there is one
 * ("unknown column 'hihg'; did you mean 'high'? known columns: id, high"),
 * a duplicate name and an empty header cell (column = its field number) are
 * errors, and each name in `required` (NULL-terminated, may be NULL) that
 * is absent is an error at the header line, column = that name
 * ("missing required column 'dist'; add it to the header").
 * Returns the number of problems added to diag. */
int cs_csvin_check_header(const cs_csv *t, const char *const *known,
                        const char *const *required, cs_diag *diag);

/* The known name closest to `word` by edit distance (adjacent
 * transpositions count 1, ASCII case is ignored; ties go to the earlier
 * name), or NULL when none is within max(2, strlen(word)/3) edits, when the
 * distance is as large as the longer of the two names, or when word is
 * empty or NULL or known is NULL. The result points into known. */
const char *cs_csvin_closest(const char *word, const char *const *known);

/* The edit distance closest() uses (adjacent transpositions count 1,
 * ASCII case ignored); SIZE_MAX on out of memory. */
size_t cs_csvin_edit_distance(const char *a, const char *b);

/* True when text[0 .. size-1] is valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool cs_csvin_utf8_valid(const char *text, size_t size);

/* The length in bytes of the bidirectional formatting character UTF-8 text
 * starts with (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), or
 * 0. They reorder what a terminal shows around them, so a name holding one
 * could make text read differently from what it is; the terminal shows
 * them as it shows control characters. text must be NUL-terminated. */
size_t cs_csvin_bidi_control(const char *text);

/* A new NUL-terminated copy of text[0 .. size-1] in which every byte that
 * is not part of a valid UTF-8 sequence (and every NUL) is replaced by
 * U+FFFD, the replacement character, so that a file name that is not UTF-8
 * can be shown in outputs. NULL on out of memory. The caller frees it. */
char *cs_csvin_utf8_repair(const char *text, size_t size);

#endif
