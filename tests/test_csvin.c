/* test_csvin: the CSV rules of docs/FORMAT.md as csvin applies them: BOM, CRLF
 * and lone CR, quoting, comments and blank records, physical line numbers,
 * trimming, short and long rows, header checks with "did you mean", and
 * every error path (unterminated or stray quote, bad UTF-8, NUL, oversize
 * field, empty and missing file, unreadable path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "costsim.h"
#include "csvin.h"
#include "diag.h"
#include "testutil.h"

static cs_csv *parse(const char *text, cs_diag *d)
{
    return cs_csvin_parse("t.csv", text, strlen(text), d);
}

/* Asserts that entry i of d formats exactly as expected. */
static void expect_diag(const cs_diag *d, size_t i, const char *expected)
{
    const cs_diag_entry *e = cs_diag_get(d, i);
    if (!e)
        fail_msg("no entry %zu (have %zu); wanted: %s", i, cs_diag_count(d), expected);
    char *text = cs_diag_format(e);
    assert_non_null(text);
    if (strcmp(text, expected) != 0) {
        fprintf(stderr, "got:    %s\nwanted: %s\n", text, expected);
        free(text);
        fail();
    }
    free(text);
}

static void bom_crlf_and_trimming(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse("\xEF\xBB\xBFid, low ,\thigh\t\r\n"
                      "A1,  2.385 ,\t\"7,5\" \r\n"
                      "B2 ,\" spaced \",  \"\"\r\n",
                      d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 0);
    assert_string_equal(cs_csvin_path(t), "t.csv");
    assert_int_equal(cs_csvin_header_line(t), 1);
    assert_int_equal(cs_csvin_ncols(t), 3);
    assert_string_equal(cs_csvin_colname(t, 0), "id"); /* no BOM glued to it */
    assert_string_equal(cs_csvin_colname(t, 1), "low");
    assert_string_equal(cs_csvin_colname(t, 2), "high");
    assert_string_equal(cs_csvin_colname(t, 3), "");
    assert_int_equal(cs_csvin_col(t, "high"), 2);
    assert_int_equal(cs_csvin_col(t, "High"), -1);
    assert_int_equal(cs_csvin_nrows(t), 2);
    assert_int_equal(cs_csvin_line(t, 0), 2);
    assert_int_equal(cs_csvin_line(t, 1), 3);
    assert_string_equal(cs_csvin_cell(t, 0, 0), "A1");
    assert_string_equal(cs_csvin_cell(t, 0, 1), "2.385");
    assert_string_equal(cs_csvin_cell(t, 0, 2), "7,5");
    assert_string_equal(cs_csvin_get(t, 1, "id"), "B2");
    assert_string_equal(cs_csvin_get(t, 1, "low"), " spaced "); /* quoted: kept */
    assert_string_equal(cs_csvin_get(t, 1, "high"), "");
    /* Out of range and absent columns read as empty. */
    assert_string_equal(cs_csvin_cell(t, 0, -1), "");
    assert_string_equal(cs_csvin_cell(t, 0, 3), "");
    assert_string_equal(cs_csvin_cell(t, 2, 0), "");
    assert_string_equal(cs_csvin_get(t, 0, "likely"), "");
    assert_int_equal(cs_csvin_line(t, 2), 0);
    cs_csvin_free(t);
    cs_diag_free(d);
}

static void line_numbers_with_quotes_comments_blanks(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse("# cost elements, in \"then-year\" dollars\n" /* 1 */
                      "\n"                                          /* 2 */
                      "  # indented comment\n"                      /* 3 */
                      "id,name,notes\n"                             /* 4 */
                      "a1,\"multi\n"                                /* 5 */
                      "line, with comma\",x\n"                      /* 6 */
                      "   \t \n"                                    /* 7 */
                      ",,\n"                                        /* 8 */
                      " , \" \" ,\n"                                /* 9 */
                      "b2,\"say \"\"hi\"\"\",  \"  padded  \"  \n"  /* 10 */
                      "# odd \"quote in a comment\n"                /* 11 */
                      "\"# quoted comment\",\"spans\n"              /* 12 */
                      "two lines\"\n"                               /* 13 */
                      "c3,short\n"                                  /* 14 */
                      "d4\n"                                        /* 15 */
                      "\"e\"\"5\",\"\",last",                       /* 16, no final LF */
                      d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 0);
    assert_int_equal(cs_csvin_header_line(t), 4);
    assert_int_equal(cs_csvin_nrows(t), 5);
    assert_int_equal(cs_csvin_line(t, 0), 5);
    assert_string_equal(cs_csvin_cell(t, 0, 1), "multi\nline, with comma");
    assert_string_equal(cs_csvin_cell(t, 0, 2), "x");
    assert_int_equal(cs_csvin_line(t, 1), 10);
    assert_string_equal(cs_csvin_cell(t, 1, 1), "say \"hi\"");
    assert_string_equal(cs_csvin_cell(t, 1, 2), "  padded  ");
    assert_int_equal(cs_csvin_line(t, 2), 14);
    assert_string_equal(cs_csvin_get(t, 2, "name"), "short");
    assert_string_equal(cs_csvin_get(t, 2, "notes"), ""); /* short row */
    assert_int_equal(cs_csvin_line(t, 3), 15);
    assert_string_equal(cs_csvin_get(t, 3, "id"), "d4");
    assert_string_equal(cs_csvin_get(t, 3, "name"), "");
    assert_int_equal(cs_csvin_line(t, 4), 16);
    assert_string_equal(cs_csvin_get(t, 4, "id"), "e\"5");
    assert_string_equal(cs_csvin_get(t, 4, "notes"), "last");
    cs_csvin_free(t);
    cs_diag_free(d);
}

static void line_breaks_crlf_and_lone_cr(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    /* CRLF inside quotes is one line break and is kept in the value. */
    cs_csv *t = parse("id,x\r\n\"a\r\nb\",1\r\n\r\nc,2\r\n", d);
    assert_non_null(t);
    assert_int_equal(cs_csvin_nrows(t), 2);
    assert_int_equal(cs_csvin_line(t, 0), 2);
    assert_string_equal(cs_csvin_cell(t, 0, 0), "a\r\nb");
    assert_int_equal(cs_csvin_line(t, 1), 5);
    cs_csvin_free(t);

    /* Classic Mac line ends: each lone CR is a line break. */
    t = parse("id,x\ra,1\r\r# note\rb,2", d);
    assert_non_null(t);
    assert_int_equal(cs_csvin_nrows(t), 2);
    assert_int_equal(cs_csvin_line(t, 0), 2);
    assert_int_equal(cs_csvin_line(t, 1), 5);
    assert_string_equal(cs_csvin_cell(t, 1, 1), "2");
    cs_csvin_free(t);

    /* LF CR is two line breaks, not one, every time: the LF after the
     * next row is not the second half of that CR. */
    t = parse("id\n\rz\n\ry\n", d);
    assert_non_null(t);
    assert_int_equal(cs_csvin_line(t, 0), 3);
    assert_int_equal(cs_csvin_line(t, 1), 5);
    cs_csvin_free(t);

    /* A lone CR inside a quoted cell of an LF file is a line break too
     * (the LF that ends that row is a line break of its own). */
    t = parse("id,x\n\"a\rb\",1\nc,2\n", d);
    assert_non_null(t);
    assert_int_equal(cs_csvin_line(t, 0), 2);
    assert_string_equal(cs_csvin_cell(t, 0, 0), "a\rb");
    assert_int_equal(cs_csvin_line(t, 1), 4);
    cs_csvin_free(t);
    assert_int_equal(cs_diag_count(d), 0);
    cs_diag_free(d);
}

static void long_row_is_dropped_with_field_number(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse("id,low,high\n"
                      "a,1,2\n"
                      "b,1,000,3,4\n"
                      "c,5,6,\n"
                      "e,9\n",
                      d);
    assert_non_null(t); /* row problems do not lose the table */
    assert_int_equal(cs_diag_count(d), 2);
    expect_diag(d, 0, "t.csv:3:4: row has 5 fields but the header has 3; remove the "
                      "extra field or quote a value that contains a comma");
    /* Even an empty extra field (a trailing comma) makes the row too long. */
    expect_diag(d, 1, "t.csv:4:4: row has 4 fields but the header has 3; remove the "
                      "extra field or quote a value that contains a comma");
    assert_int_equal(cs_csvin_nrows(t), 2);
    assert_string_equal(cs_csvin_cell(t, 0, 0), "a");
    assert_string_equal(cs_csvin_cell(t, 1, 0), "e");
    assert_int_equal(cs_csvin_line(t, 1), 5);
    assert_string_equal(cs_csvin_get(t, 1, "high"), "");
    cs_csvin_free(t);
    cs_diag_free(d);
}

static void header_unknown_duplicate_missing_empty(void **state)
{
    (void)state;
    static const char *const known[] = {"id", "dist", "low", "likely", "high", "notes", NULL};
    static const char *const required[] = {"id", "dist", NULL};
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse("# elements\nid,hihg,low,Likely,zzzz,low,,notes\na,1,2,3,4,5,6,7\n", d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 0);
    assert_int_equal(cs_csvin_check_header(t, known, required, d), 6);
    assert_int_equal(cs_diag_count(d), 6);
    expect_diag(d, 0, "t.csv:2:hihg: unknown column 'hihg'; did you mean 'high'? known "
                      "columns: id, dist, low, likely, high, notes");
    expect_diag(d, 1, "t.csv:2:Likely: unknown column 'Likely'; did you mean 'likely'? "
                      "known columns: id, dist, low, likely, high, notes");
    expect_diag(d, 2, "t.csv:2:zzzz: unknown column 'zzzz'; known columns: id, dist, "
                      "low, likely, high, notes");
    expect_diag(d, 3, "t.csv:2:low: duplicate column 'low' (field 6); each column may "
                      "appear once");
    expect_diag(d, 4, "t.csv:2:7: empty column name; every header cell needs a name, "
                      "one of: id, dist, low, likely, high, notes");
    expect_diag(d, 5, "t.csv:2:dist: missing required column 'dist'; add it to the header");
    /* cs_csvin_col finds the first of duplicates. */
    assert_int_equal(cs_csvin_col(t, "low"), 2);
    cs_csvin_free(t);

    /* A clean header has no problems; known and required may be NULL. */
    cs_diag_clear(d);
    t = parse("dist,id\n", d);
    assert_non_null(t);
    assert_int_equal(cs_csvin_nrows(t), 0);
    assert_int_equal(cs_csvin_check_header(t, known, required, d), 0);
    assert_int_equal(cs_csvin_check_header(t, known, NULL, d), 0);
    assert_int_equal(cs_csvin_check_header(t, NULL, NULL, d), 0);
    assert_int_equal(cs_diag_count(d), 0);
    cs_csvin_free(t);

    /* Without a known list, only duplicates, empty names and missing ones. */
    t = parse("a,b,a,\n", d);
    assert_int_equal(cs_csvin_check_header(t, NULL, required, d), 4);
    expect_diag(d, 0, "t.csv:1:a: duplicate column 'a' (field 3); each column may appear once");
    /* empty cells at the end of the header: one message for all */
    expect_diag(d, 1, "t.csv:1:4: the header ends in 1 empty cell after 'a' (as a spreadsheet "
                      "writes when columns right of the table were once used); delete that "
                      "column");
    expect_diag(d, 2, "t.csv:1:id: missing required column 'id'; add it to the header");
    cs_csvin_free(t);
    cs_diag_clear(d);
    t = parse("id,dist,,,\na,b\n", d);
    assert_int_equal(cs_csvin_check_header(t, known, required, d), 1);
    expect_diag(d, 0, "t.csv:1:3: the header ends in 3 empty cells after 'dist' (as a "
                      "spreadsheet writes when columns right of the table were once used); "
                      "delete those columns");
    cs_csvin_free(t);
    cs_diag_free(d);
}

static void closest(void **state)
{
    (void)state;
    static const char *const known[] = {"id",   "low",   "likely",     "high",
                                        "dist", "basis", "probability", NULL};
    assert_string_equal(cs_csvin_closest("hihg", known), "high");  /* transposition: 1 */
    assert_string_equal(cs_csvin_closest("hgh", known), "high");
    assert_string_equal(cs_csvin_closest("LOW", known), "low");    /* case ignored */
    assert_string_equal(cs_csvin_closest("likley", known), "likely");
    assert_string_equal(cs_csvin_closest("probabilty", known), "probability");
    assert_string_equal(cs_csvin_closest("prbabilit", known), "probability"); /* 2 edits */
    assert_string_equal(cs_csvin_closest("basi", known), "basis");
    assert_null(cs_csvin_closest("zzzz", known));
    assert_null(cs_csvin_closest("x", known));   /* 2 from "id", but that is a rewrite */
    assert_null(cs_csvin_closest("", known));
    assert_null(cs_csvin_closest("currency", known));
    assert_null(cs_csvin_closest("high", NULL));
    assert_null(cs_csvin_closest(NULL, known));
    /* Ties go to the first known name. */
    static const char *const pair[] = {"ab", "ba", NULL};
    assert_string_equal(cs_csvin_closest("aa", pair), "ab");
}

static void unterminated_quote(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse("id,notes\na,1\n\nb,\"open\nmore\n\nstill open\n", d);
    assert_null(t);
    assert_int_equal(cs_diag_count(d), 1);
    expect_diag(d, 0, "t.csv:4:notes: quoted field is not closed before the end of the file; "
                      "end it with a quote, and write a quote inside it as two quotes (\"\")");
    cs_diag_free(d);
}

/* A UTF-16 file (either byte order) gets one message, not one per field. */
static void utf16_file(void **state)
{
    (void)state;
    static const char le[] = "\xFF\xFEi\0d\0,\0x\0\n\0a\0,\0" "1\0\n\0";
    static const char be[] = "\xFE\xFF\0i\0d\0,\0x\0\n\0a\0,\0" "1\0\n";
    const char *texts[] = {le, be};
    size_t sizes[] = {sizeof le - 1, sizeof be - 1};
    for (int k = 0; k < 2; k++) {
        cs_diag *d = cs_diag_alloc();
        assert_null(cs_csvin_parse("t.csv", texts[k], sizes[k], d));
        assert_int_equal(cs_diag_count(d), 1);
        expect_diag(d, 0, "t.csv:1: this file is UTF-16 text (Excel's \"Unicode text\"); save "
                          "it as CSV UTF-8");
        cs_diag_free(d);
    }
}

/* Without a byte order mark, UTF-16 is known by its NUL bytes beside the
 * characters; a workbook saved (or renamed) as .csv by its signature.
 * Each gets one message naming what the file is. */
static void spreadsheet_formats_named(void **state)
{
    (void)state;
    static const char le[] = "i\0d\0,\0x\0\n\0a\0,\0" "1\0\n\0";
    static const char be[] = "\0i\0d\0,\0x\0\n\0a\0,\0" "1\0\n";
    static const char xlsx[] = "PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0\"q";
    static const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";
    const char *texts[] = {le, be, xlsx, xls};
    size_t sizes[] = {sizeof le - 1, sizeof be - 1, sizeof xlsx - 1, sizeof xls - 1};
    const char *want[] = {
        "t.csv:1: this file is UTF-16 text (a NUL byte beside every character); save it as "
        "CSV UTF-8",
        "t.csv:1: this file is UTF-16 text (a NUL byte beside every character); save it as "
        "CSV UTF-8",
        "t.csv:1: this is a zip file, such as an Excel workbook (.xlsx), not CSV text; save "
        "the sheet as CSV UTF-8 (comma delimited)",
        "t.csv:1: this is an old Excel workbook (.xls), not CSV text; save the sheet as CSV "
        "UTF-8 (comma delimited)"};
    for (int k = 0; k < 4; k++) {
        cs_diag *d = cs_diag_alloc();
        assert_null(cs_csvin_parse("t.csv", texts[k], sizes[k], d));
        assert_int_equal(cs_diag_count(d), 1);
        expect_diag(d, 0, want[k]);
        cs_diag_free(d);
    }
}

/* Excel's "sep=," line before the header: one message saying what it is,
 * not one per row about field counts and missing columns. */
static void separator_hint_line(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    assert_null(parse("sep=,\nid,x\na,1\nb,2\n", d));
    assert_int_equal(cs_diag_count(d), 1);
    expect_diag(d, 0, "t.csv:1: 'sep=,' is a spreadsheet's separator hint, not the header; "
                      "delete this line, so that the header comes first");
    cs_diag_free(d);
}

/* A row whose first cell is a spreadsheet's error value (a failed
 * formula) is a comment, as the rules say, but it is noted, quoted or not,
 * so the loader can warn; a comment that merely starts with '#', or one
 * before the header, is not noted. */
static void error_value_comments_noted(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse("# #N/A before the header\n"           /* 1 */
                      "id,x\n"                              /* 2 */
                      "a,1\n"                               /* 3 */
                      "#N/A,2\n"                            /* 4 */
                      "  \"#REF!\" ,3\n"                    /* 5 */
                      "#N/A note\n"                         /* 6 */
                      "#DIV/0!\n"                           /* 7 */
                      "#NAME?\t,x\n"                         /* 8 */
                      "b,5\n",                              /* 9 */
                      d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 0);
    assert_int_equal(cs_csvin_nrows(t), 2);
    assert_int_equal(cs_csvin_line(t, 1), 9);
    assert_int_equal(cs_csvin_n_error_comments(t), 4);
    static const int lines[] = {4, 5, 7, 8};
    static const char *const values[] = {"#N/A", "#REF!", "#DIV/0!", "#NAME?"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cs_csvin_error_comment_line(t, i), lines[i]);
        assert_string_equal(cs_csvin_error_comment_value(t, i), values[i]);
    }
    cs_csvin_free(t);
    cs_diag_free(d);
}

#define MISPLACED_QUOTE                                                                     \
    "misplaced quote; a field that contains a quote must be quoted as a whole, with the quote " \
    "inside written as two quotes (\"\")"

/* A quote error names the column, as every other error in a cell does
 * (the field number only past the header's last column). */
static void stray_quotes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expected;
    } cases[] = {
        {"id,x\na,b\"c\n", "t.csv:2:x: " MISPLACED_QUOTE},
        {"id,x,y\n\n\"a\nb\",\"q\" z,1\n", "t.csv:3:x: " MISPLACED_QUOTE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_diag *d = cs_diag_alloc();
        cs_csv *t = parse(cases[i].text, d); /* the row is dropped, the file still read */
        assert_non_null(t);
        assert_int_equal(cs_csvin_nrows(t), 0);
        assert_int_equal(cs_diag_count(d), 1);
        expect_diag(d, 0, cases[i].expected);
        cs_csvin_free(t);
        cs_diag_free(d);
    }
    /* Reading goes on after a quote error, so every bad row is listed
     * and the good ones kept; a quote error in the header ends the file. */
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse("id,x\na,b\"c\nb,ok\nc,d\"e\nf,\"g\"\n", d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 2);
    expect_diag(d, 0, "t.csv:2:x: " MISPLACED_QUOTE);
    expect_diag(d, 1, "t.csv:4:x: " MISPLACED_QUOTE);
    assert_int_equal(cs_csvin_nrows(t), 2);
    assert_string_equal(cs_csvin_get(t, 0, "x"), "ok");
    assert_string_equal(cs_csvin_get(t, 1, "x"), "g");
    assert_int_equal(cs_csvin_line(t, 1), 5);
    cs_csvin_free(t);
    cs_diag_clear(d);
    assert_null(parse("id,x\"y\na,b\n", d));
    assert_int_equal(cs_diag_count(d), 1);
    cs_diag_free(d);
}

static void invalid_utf8_and_nul(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    static const char text[] = "id,name\n"
                               "a,caf\xE9\n"                    /* Latin-1 */
                               "b,Qu\xC3\xA9" "bec \xE2\x82\xAC \xF0\x9D\x84\x9E\n" /* ok */
                               "c,\xC0\xAF\n"                   /* overlong '/' */
                               "d,\xED\xA0\x80\n"               /* surrogate */
                               "e,\xF4\x90\x80\x80\n"           /* above U+10FFFF */
                               "f,\xE2\x82\n"                   /* truncated */
                               "\xFF,g\n"                       /* bad id too */
                               "h,a\0b\n"                       /* NUL */
                               "i,\xE0\x9F\xBF\n"               /* overlong 3-byte */
                               "j,\xF0\x8F\xBF\xBF\n";          /* overlong 4-byte */
    cs_csv *t = cs_csvin_parse("t.csv", text, sizeof text - 1, d);
    assert_non_null(t);
    assert_int_equal(cs_csvin_nrows(t), 1);
    assert_string_equal(cs_csvin_get(t, 0, "id"), "b");
    assert_string_equal(cs_csvin_get(t, 0, "name"), "Qu\xC3\xA9" "bec \xE2\x82\xAC \xF0\x9D\x84\x9E");
    assert_int_equal(cs_diag_count(d), 9);
    expect_diag(d, 0, "t.csv:2:name: not valid UTF-8; files must be UTF-8");
    expect_diag(d, 1, "t.csv:4:name: not valid UTF-8; files must be UTF-8");
    expect_diag(d, 2, "t.csv:5:name: not valid UTF-8; files must be UTF-8");
    expect_diag(d, 3, "t.csv:6:name: not valid UTF-8; files must be UTF-8");
    expect_diag(d, 4, "t.csv:7:name: not valid UTF-8; files must be UTF-8");
    expect_diag(d, 5, "t.csv:8:id: not valid UTF-8; files must be UTF-8");
    expect_diag(d, 6, "t.csv:9:name: contains a NUL byte; files must be UTF-8 text");
    expect_diag(d, 7, "t.csv:10:name: not valid UTF-8; files must be UTF-8");
    expect_diag(d, 8, "t.csv:11:name: not valid UTF-8; files must be UTF-8");
    cs_csvin_free(t);
    cs_diag_free(d);
}

static void bad_header_gives_no_table(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    assert_null(parse("\n# c\nid,n\xE9me\na,b,c\n", d));
    assert_int_equal(cs_diag_count(d), 2);
    expect_diag(d, 0, "t.csv:3:2: not valid UTF-8; files must be UTF-8");
    /* Data rows are still checked, so all problems are listed at once. */
    expect_diag(d, 1, "t.csv:4:3: row has 3 fields but the header has 2; remove the "
                      "extra field or quote a value that contains a comma");
    cs_diag_free(d);
}

static void field_length_limit(void **state)
{
    (void)state;
    size_t n = 3 * CS_CSV_MAX_FIELD + 200;
    char *text = malloc(n);
    assert_non_null(text);
    /* Exactly the limit passes (quoted, with a comma inside), one more fails. */
    int len = snprintf(text, n, "id,notes\nok,\"%0*d\"\nlong,%0*d\nend,x\n",
                       CS_CSV_MAX_FIELD - 2, 7, CS_CSV_MAX_FIELD + 1, 3);
    assert_true(len > 0 && (size_t)len < n);
    text[14] = ','; /* inside the first quoted value */
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse(text, d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 1);
    expect_diag(d, 0, "t.csv:3:notes: field is 4097 bytes long; at most 4096 bytes are allowed");
    assert_int_equal(cs_csvin_nrows(t), 2);
    assert_int_equal(strlen(cs_csvin_get(t, 0, "notes")), CS_CSV_MAX_FIELD - 2);
    assert_int_equal(cs_csvin_get(t, 0, "notes")[1], ',');
    assert_string_equal(cs_csvin_get(t, 1, "id"), "end");
    assert_int_equal(cs_csvin_line(t, 1), 4);
    cs_csvin_free(t);

    /* A field is measured after trimming; exactly 4096 unquoted passes. */
    cs_diag_clear(d);
    snprintf(text, n, "id\n   %0*d   \n", CS_CSV_MAX_FIELD, 1);
    t = parse(text, d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 0);
    assert_int_equal(strlen(cs_csvin_cell(t, 0, 0)), CS_CSV_MAX_FIELD);
    cs_csvin_free(t);

    /* In the header, and beyond the header's columns: field numbers. */
    snprintf(text, n, "id,%0*d\n", CS_CSV_MAX_FIELD + 5, 9);
    assert_null(parse(text, d));
    expect_diag(d, 0, "t.csv:1:2: field is 4101 bytes long; at most 4096 bytes are allowed");
    cs_diag_clear(d);
    free(text);
    cs_diag_free(d);
}

static void empty_inputs(void **state)
{
    (void)state;
    static const char *const empties[] = {
        "", "\xEF\xBB\xBF", "\n\n  \t\r\n", "# only\n# comments\n", ",,,\n , \n", "\"\"\n",
    };
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        cs_diag *d = cs_diag_alloc();
        assert_null(parse(empties[i], d));
        assert_int_equal(cs_diag_count(d), 1);
        assert_int_equal(cs_diag_get(d, 0)->line, 0);
        expect_diag(d, 0, "t.csv: empty file; a header row is needed");
        cs_diag_free(d);
    }
    /* Without a diag the result alone tells. */
    assert_null(parse("", NULL));
    assert_null(parse("id\n\"x", NULL));
    cs_csv *quiet = parse("id\na,b\nc\n", NULL);
    assert_non_null(quiet);
    assert_int_equal(cs_csvin_nrows(quiet), 1);
    cs_csvin_free(quiet);
    cs_csvin_free(NULL);

    /* A header alone is a table with no rows, not an empty file. */
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = parse("key,value", d);
    assert_non_null(t);
    assert_int_equal(cs_csvin_nrows(t), 0);
    assert_int_equal(cs_csvin_ncols(t), 2);
    cs_csvin_free(t);
    cs_diag_free(d);
}

static void real_files(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *path = tu_write(dir, "model/elements.csv",
                          "\xEF\xBB\xBF# CPSP test\r\nid,low\r\nhull,\"1,234.5\"\r\n\r\nsonar,2.385\r\n");
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = cs_csvin_read(path, d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 0);
    assert_string_equal(cs_csvin_path(t), path);
    assert_int_equal(cs_csvin_header_line(t), 2);
    assert_int_equal(cs_csvin_nrows(t), 2);
    assert_int_equal(cs_csvin_line(t, 1), 5);
    assert_string_equal(cs_csvin_get(t, 0, "low"), "1,234.5");
    assert_string_equal(cs_csvin_get(t, 1, "id"), "sonar");
    cs_csvin_free(t);

    /* A file with an error is labelled with the path as opened. */
    char *bad = tu_write(dir, "bad.csv", "id\n\"x\n");
    assert_null(cs_csvin_read(bad, d));
    size_t expected_size = strlen(bad) + 200;
    char *expected = malloc(expected_size);
    snprintf(expected, expected_size, "%s:2:id: quoted field is not closed before the end "
             "of the file; end it with a quote, and write a quote inside it as two "
             "quotes (\"\")", bad);
    expect_diag(d, 0, expected);
    cs_diag_clear(d);

    char *missing = tu_write(dir, "x", "");
    strcpy(strrchr(missing, '/') + 1, "y"); /* same directory, no such file */
    assert_null(cs_csvin_read(missing, d));
    snprintf(expected, expected_size, "%s: cannot open: No such file or directory", missing);
    expect_diag(d, 0, expected);
    assert_int_equal(cs_diag_get(d, 0)->line, 0);
    cs_diag_clear(d);

    assert_null(cs_csvin_read(dir, d)); /* a directory opens but cannot be read */
    snprintf(expected, expected_size, "%s: cannot read: Is a directory", dir);
    expect_diag(d, 0, expected);
    cs_diag_clear(d);

    char *empty = tu_write(dir, "empty.csv", "");
    assert_null(cs_csvin_read(empty, d));
    snprintf(expected, expected_size, "%s: empty file; a header row is needed", empty);
    expect_diag(d, 0, expected);

    free(expected);
    free(empty);
    free(missing);
    free(bad);
    free(path);
    tu_rmtree(dir);
    free(dir);
    cs_diag_free(d);
}

/* A field that never ends (no line break, e.g. /dev/zero) is refused as
 * soon as the reader passes the limit, not after buffering it. */
static void endless_field_refused_early(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *text = malloc(n + 1);
    assert_non_null(text);
    memcpy(text, "id,notes\nx,", 11);
    memset(text + 11, 'a', n - 11);
    text[n] = '\0';
    cs_diag *d = cs_diag_alloc();
    assert_null(cs_csvin_parse("t.csv", text, n, d));
    assert_int_equal(cs_diag_count(d), 1);
    expect_diag(d, 0, "t.csv:2:notes: field is longer than 4096 bytes; at most 4096 bytes "
                      "are allowed (reading stopped here)");
    cs_diag_clear(d);
    /* The same through a file that is endless. */
    assert_null(cs_csvin_read("/dev/zero", d));
    assert_int_equal(cs_diag_count(d), 1);
    expect_diag(d, 0, "/dev/zero:1:1: field is longer than 4096 bytes; at most 4096 bytes "
                      "are allowed (reading stopped here)");
    free(text);
    cs_diag_free(d);
}

/* Lines longer than the reader's chunks: a comment, and a CRLF whose CR
 * ends one chunk and whose LF starts the next, keep the line numbers. */
static void chunk_boundaries(void **state)
{
    (void)state;
    size_t chunk = 65536;
    size_t n = 3 * chunk;
    char *text = malloc(n + 1);
    assert_non_null(text);
    size_t pos = 0;
    text[pos++] = '#';
    while (pos < chunk + 100)
        text[pos++] = 'c';
    pos += (size_t)sprintf(text + pos, "\nid,v\n");
    while (pos < 2 * chunk - 4)
        text[pos++] = '\n';
    /* "a,1\r" ends chunk 2, "\n" starts chunk 3 */
    memcpy(text + pos, "a,1\r", 4);
    pos += 4;
    assert_int_equal(pos, 2 * chunk);
    memcpy(text + pos, "\nb,2\r\nc,3\n", 10);
    pos += 10;
    cs_diag *d = cs_diag_alloc();
    cs_csv *t = cs_csvin_parse("t.csv", text, pos, d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 0);
    assert_int_equal(cs_csvin_header_line(t), 2);
    assert_int_equal(cs_csvin_nrows(t), 3);
    int first = cs_csvin_line(t, 0);
    assert_int_equal(cs_csvin_line(t, 1), first + 1);
    assert_int_equal(cs_csvin_line(t, 2), first + 2);
    assert_string_equal(cs_csvin_get(t, 1, "v"), "2");
    cs_csvin_free(t);
    free(text);
    cs_diag_free(d);
}

/* The widest header allowed, 256 columns, is read and checked (a
 * duplicate in the last one found); 400 000 columns are refused with one
 * message as they are read, not stored field by field. */
static void wide_header(void **state)
{
    (void)state;
    size_t sizes[] = {CS_CSV_MAX_FIELDS, 400000};
    for (int k = 0; k < 2; k++) {
        size_t cols = sizes[k];
        char *text = malloc(cols * 12 + 16);
        assert_non_null(text);
        size_t pos = 0;
        for (size_t i = 0; i < cols; i++)
            pos += (size_t)sprintf(text + pos, "%sc%zu", i ? "," : "", i == cols - 1 ? 7 : i);
        text[pos++] = '\n';
        cs_diag *d = cs_diag_alloc();
        cs_csv *t = cs_csvin_parse("t.csv", text, pos, d);
        if (k == 0) {
            assert_non_null(t);
            assert_int_equal(cs_csvin_ncols(t), cols);
            assert_int_equal(cs_csvin_check_header(t, NULL, NULL, d), 1);
            expect_diag(d, 0, "t.csv:1:c7: duplicate column 'c7' (field 256); each column may "
                              "appear once");
        } else {
            assert_null(t);
            assert_int_equal(cs_diag_count(d), 1);
            expect_diag(d, 0, "t.csv:1: record has more than 256 fields; at most 256 are "
                              "allowed (reading stopped here)");
        }
        cs_csvin_free(t);
        free(text);
        cs_diag_free(d);
    }
}

/* A European Excel file (';') or a tab-separated one: one message. */
static void foreign_separators(void **state)
{
    (void)state;
    cs_diag *d = cs_diag_alloc();
    assert_null(parse("id;name;low\nhull;Hull;1,5\nx;y;2,5\n", d));
    assert_int_equal(cs_diag_count(d), 1);
    expect_diag(d, 0, "t.csv:1: this file separates fields with ';'; save it as CSV (comma "
                      "delimited)");
    cs_diag_clear(d);
    /* quoted cells, which read with ',' are misplaced quotes: no news */
    assert_null(parse("id;name;low\nhull;\"Hull, first\";1,5\nx;\"y \"\"z\"\"\";2\n", d));
    assert_int_equal(cs_diag_count(d), 1);
    expect_diag(d, 0, "t.csv:1: this file separates fields with ';'; save it as CSV (comma "
                      "delimited)");
    cs_diag_clear(d);
    assert_null(parse("# comment\nid\tname\nhull\tHull\n", d));
    assert_int_equal(cs_diag_count(d), 1);
    expect_diag(d, 0, "t.csv:2: this file separates fields with tabs; save it as CSV (comma "
                      "delimited)");
    cs_diag_clear(d);
    /* A semicolon inside a comma-separated file is just text. */
    cs_csv *t = parse("id,notes\nhull,\"a; b\"\n", d);
    assert_non_null(t);
    assert_int_equal(cs_diag_count(d), 0);
    cs_csvin_free(t);
    cs_diag_free(d);
}

static void utf8_repair(void **state)
{
    (void)state;
    char *r = cs_csvin_utf8_repair("a\xff" "b\xc3\xa9\xe2\x82", 7);
    assert_non_null(r);
    assert_string_equal(r, "a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
    assert_true(cs_csvin_utf8_valid(r, strlen(r)));
    free(r);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bom_crlf_and_trimming),
        cmocka_unit_test(line_numbers_with_quotes_comments_blanks),
        cmocka_unit_test(line_breaks_crlf_and_lone_cr),
        cmocka_unit_test(long_row_is_dropped_with_field_number),
        cmocka_unit_test(header_unknown_duplicate_missing_empty),
        cmocka_unit_test(closest),
        cmocka_unit_test(unterminated_quote),
        cmocka_unit_test(stray_quotes),
        cmocka_unit_test(utf16_file),
        cmocka_unit_test(spreadsheet_formats_named),
        cmocka_unit_test(error_value_comments_noted),
        cmocka_unit_test(separator_hint_line),
        cmocka_unit_test(invalid_utf8_and_nul),
        cmocka_unit_test(bad_header_gives_no_table),
        cmocka_unit_test(field_length_limit),
        cmocka_unit_test(empty_inputs),
        cmocka_unit_test(real_files),
        cmocka_unit_test(endless_field_refused_early),
        cmocka_unit_test(chunk_boundaries),
        cmocka_unit_test(wide_header),
        cmocka_unit_test(foreign_separators),
        cmocka_unit_test(utf8_repair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
