/* test_csvout: RFC 4180 quoting, formula neutralising, number formatting
 * and row structure of the output CSV (docs/OUTPUTS.md). Expected text is
 * written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "costsim.h"
#include "csvout.h"

typedef struct {
    FILE *f;
    char *text;
    size_t size;
    cs_csvout w;
} memout;

static void mem_open(memout *m)
{
    m->text = NULL;
    m->size = 0;
    m->f = open_memstream(&m->text, &m->size);
    assert_non_null(m->f);
    cs_csvout_init(&m->w, m->f);
}

/* Closes the stream, checks the text and frees it. */
static void mem_expect(memout *m, const char *want)
{
    assert_int_equal(fclose(m->f), 0);
    assert_string_equal(m->text, want);
    free(m->text);
}

static void header_and_rows(void **state)
{
    (void)state;
    memout m;
    mem_open(&m);
    static const char *const names[] = {"measure", "level", "id", "p50", NULL};
    cs_csvout_header(&m.w, names);
    assert_int_equal(m.w.fields, 0);
    cs_csvout_text(&m.w, "nominal");
    cs_csvout_text(&m.w, "total");
    cs_csvout_text(&m.w, NULL);
    assert_int_equal(m.w.fields, 3);
    cs_csvout_number(&m.w, 2.385);
    cs_csvout_end_row(&m.w);
    cs_csvout_int(&m.w, -42);
    cs_csvout_int(&m.w, LLONG_MAX);
    cs_csvout_text(&m.w, "");
    cs_csvout_end_row(&m.w);
    mem_expect(&m, "measure,level,id,p50\n"
                   "nominal,total,,2.385\n"
                   "-42,9223372036854775807,\n");
}

static void quoting(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"plain text", "plain text"},
        {"Hull, steel", "\"Hull, steel\""},
        {"the \"Type 26\"", "\"the \"\"Type 26\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        {" leading", "\" leading\""},
        {"trailing ", "\"trailing \""},
        {"trailing\t", "\"trailing\t\""},
        {"in side", "in side"},
        {"caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac"}, /* UTF-8 untouched */
        {"'quoted'", "'quoted'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memout m;
        mem_open(&m);
        cs_csvout_text(&m.w, cases[i].text);
        mem_expect(&m, cases[i].want);
    }
}

static void neutralising(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"=SUM(A1:A9)", "'=SUM(A1:A9)"},
        {"+44 20", "'+44 20"},
        {"-5.25", "'-5.25"},
        {"@cmd", "'@cmd"},
        {"\tx", "\"'\tx\""},   /* tab: neutralised, and quoted as it starts blank */
        {"\rx", "\"'\rx\""},   /* CR: neutralised, and quoted as it holds a CR */
        {"=1,2", "\"'=1,2\""}, /* both */
        {"=\"x\"", "\"'=\"\"x\"\"\""},
        {"a=b", "a=b"},
        {" =x", "\" =x\""}, /* not at the start */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memout m;
        mem_open(&m);
        cs_csvout_text(&m.w, cases[i].text);
        mem_expect(&m, cases[i].want);
    }
    char *s = cs_csvout_neutralise("-risk");
    assert_string_equal(s, "'-risk");
    free(s);
    s = cs_csvout_neutralise("Hull, \"steel\"");
    assert_string_equal(s, "Hull, \"steel\""); /* no quoting here */
    free(s);
    s = cs_csvout_neutralise("");
    assert_string_equal(s, "");
    free(s);
    s = cs_csvout_neutralise(NULL);
    assert_string_equal(s, "");
    free(s);
}

static void numbers(void **state)
{
    (void)state;
    memout m;
    mem_open(&m);
    cs_csvout_number(&m.w, 0.1);          /* %.15g round-trips */
    cs_csvout_number(&m.w, 1.0 / 3.0);    /* 16 digits suffice */
    cs_csvout_number(&m.w, -1234.5678);   /* numbers are never neutralised */
    cs_csvout_number(&m.w, 1e15);
    cs_csvout_number(&m.w, NAN);
    cs_csvout_number(&m.w, INFINITY);
    cs_csvout_number(&m.w, -INFINITY);
    cs_csvout_number(&m.w, 0.30000000000000004); /* 0.1 + 0.2: 17 digits */
    cs_csvout_end_row(&m.w);
    mem_expect(&m, "0.1,0.3333333333333333,-1234.5678,1e+15,,,,0.30000000000000004\n");
}

/* Errors stay in the FILE: a full device is seen at fclose. */
static void errors_are_sticky(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_text(&w, "x");
    cs_csvout_number(&w, 2.5);
    cs_csvout_end_row(&w);
    errno = 0;
    assert_int_equal(fclose(f), EOF);
    assert_int_equal(errno, ENOSPC);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_and_rows),
        cmocka_unit_test(quoting),
        cmocka_unit_test(neutralising),
        cmocka_unit_test(numbers),
        cmocka_unit_test(errors_are_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
