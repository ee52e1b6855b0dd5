/* test_num: the strict number grammar of docs/FORMAT.md, integers, seeds, and
 * the shortest round-trip formatting of docs/OUTPUTS.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "costsim.h"
#include "testutil.h"
#include "num.h"

static void numbers_accepted(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double value;
    } cases[] = {
        {"2.385", 2.385},      {"-17", -17.0},         {"+0.25", 0.25},
        {".5", 0.5},           {"5.", 5.0},            {"-.125", -0.125},
        {"1e6", 1e6},          {"1.5E-3", 1.5e-3},     {"3e+2", 300.0},
        {"007.50", 7.5},       {"0", 0.0},             {"1.7976931348623157e308", 1.7976931348623157e308},
        {"123456.789e-2", 1234.56789},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double x = -999.0;
        assert_int_equal(cs_num_parse_number(cases[i].text, &x), 0);
        assert_close(x, cases[i].value, 0);
    }
    double x = 1.0;
    assert_int_equal(cs_num_parse_number("-0", &x), 0);
    assert_close(x, 0.0, 0);
    assert_true(signbit(x));
    /* An underflow is a tiny number, not an error. */
    assert_int_equal(cs_num_parse_number("1e-400", &x), 0);
    assert_true(x >= 0.0 && x < 1e-300);
}

static void numbers_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", " 5", "5 ", "1,000", "12%", "NaN", "nan", "inf", "-inf", "Infinity",
        "0x10", "1e", "1e+", "e5", ".", "-", "+", "--1", "+-1", "1.2.3", "1e5.5",
        "5d", "1_000", "١", "1e999", "-1e999", "2.5\n", "\t1", "0b1", "1..", ".e1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double x = 42.125;
        if (cs_num_parse_number(bad[i], &x) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_close(x, 42.125, 0); /* left unchanged */
    }
    double x = 3.0;
    assert_int_equal(cs_num_parse_number(NULL, &x), -1);
}

static void integers(void **state)
{
    (void)state;
    long long v = 0;
    assert_int_equal(cs_num_parse_integer("5", 1, 10, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(cs_num_parse_integer("5.0", 1, 10, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(cs_num_parse_integer("1e6", 1, 1000000000, &v), 0);
    assert_int_equal(v, 1000000);
    assert_int_equal(cs_num_parse_integer("-3", -5, 5, &v), 0);
    assert_int_equal(v, -3);
    assert_int_equal(cs_num_parse_integer("2.038e3", 1900, 2300, &v), 0);
    assert_int_equal(v, 2038);
    assert_int_equal(cs_num_parse_integer("+2031", 1900, 2300, &v), 0);
    assert_int_equal(v, 2031);
    /* Plain digits beyond 2^53 stay exact. */
    assert_int_equal(cs_num_parse_integer("9007199254740993", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 9007199254740993LL);
    assert_int_equal(cs_num_parse_integer("9223372036854775807", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, LLONG_MAX);
    assert_int_equal(cs_num_parse_integer("-9223372036854775808", LLONG_MIN, 0, &v), 0);
    assert_int_equal(v, LLONG_MIN);
    /* Range ends are inclusive. */
    assert_int_equal(cs_num_parse_integer("1900", 1900, 2300, &v), 0);
    assert_int_equal(cs_num_parse_integer("2300", 1900, 2300, &v), 0);
    assert_int_equal(v, 2300);

    static const struct {
        const char *text;
        long long min, max;
    } bad[] = {
        {"5.5", 0, 10},     {"2.385", 0, 10},   {"1e-1", 0, 10},    {"11", 0, 10},
        {"2.0385e3", 1900, 2300},
        {"-1", 0, 10},      {"1899", 1900, 2300}, {"2301", 1900, 2300}, {"", 0, 10},
        {"five", 0, 10},    {" 5", 0, 10},      {"1e999", 0, 10},
        {"9223372036854775808", 0, LLONG_MAX},   {"9.3e18", 0, LLONG_MAX},
        {"-9.3e18", LLONG_MIN, 0},               {"1e19", 0, LLONG_MAX},
        {"9223372036854775808.0", 0, LLONG_MAX}, {"0x5", 0, 10},
        /* whole as a double, not as written */
        {"2.9999999999999999", 0, 10},           {"2031.9999999999999999", 1900, 2300},
        {"300.00000000000001", 0, 1000},         {"1e-400", 0, 10},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 77;
        if (cs_num_parse_integer(bad[i].text, bad[i].min, bad[i].max, &v) != -1)
            fail_msg("accepted \"%s\"", bad[i].text);
        assert_int_equal(v, 77);
    }
    assert_int_equal(cs_num_parse_integer(NULL, 0, 10, &v), -1);
}

/* Whole as written, digit by digit, at a power of ten. */
static void whole_as_written(void **state)
{
    (void)state;
    static const char *const whole[] = {"5", "5.", "5.000", "+5", "-5", "1e6", "2.026e3",
                                        "2030.50e1", "0", "0.0", ".0", "0e-400", "1200e-2",
                                        "000.000"};
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        if (!cs_num_text_is_whole(whole[i], 0))
            fail_msg("\"%s\" not whole", whole[i]);
    static const char *const fractional[] = {"5.5", ".5", "2.9999999999999999", "1e-1",
                                             "1e-400", "2.0385e3", "1201e-2",
                                             "3000000000000000000000.0000000001"};
    for (size_t i = 0; i < sizeof fractional / sizeof fractional[0]; i++)
        if (cs_num_text_is_whole(fractional[i], 0))
            fail_msg("\"%s\" whole", fractional[i]);
    /* Thousandths: delivery_interval. */
    assert_true(cs_num_text_is_whole("1.125", 3));
    assert_true(cs_num_text_is_whole("0.0010", 3));
    assert_true(cs_num_text_is_whole("1.5e-2", 3));
    assert_false(cs_num_text_is_whole("0.0010000000000000001", 3));
    assert_false(cs_num_text_is_whole("0.0005", 3));
    assert_false(cs_num_text_is_whole("abc", 0));
    assert_false(cs_num_text_is_whole(NULL, 0));
}

static void seeds(void **state)
{
    (void)state;
    uint64_t s = 0;
    assert_int_equal(cs_num_parse_seed("0", &s), 0);
    assert_int_equal(s, 0);
    assert_int_equal(cs_num_parse_seed("4294967297", &s), 0);
    assert_int_equal(s, 4294967297ULL);
    assert_int_equal(cs_num_parse_seed("0042", &s), 0);
    assert_int_equal(s, 42);
    assert_int_equal(cs_num_parse_seed("18446744073709551615", &s), 0);
    assert_int_equal(s, UINT64_MAX);
    assert_int_equal(cs_num_parse_seed("18446744073709551614", &s), 0);
    assert_int_equal(s, UINT64_MAX - 1);

    static const char *const bad[] = {
        "18446744073709551616", "18446744073709551620", "99999999999999999999",
        "184467440737095516150", "", "-1", "+1", "1e3", "1.0", " 1", "1 ", "0x1", "12a",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = 9;
        if (cs_num_parse_seed(bad[i], &s) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(s, 9);
    }
    assert_int_equal(cs_num_parse_seed(NULL, &s), -1);
}

static void formatting(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(cs_num_format_double(0.1, buf), "0.1");
    assert_string_equal(cs_num_format_double(1.0 / 3.0, buf), "0.3333333333333333");
    assert_string_equal(cs_num_format_double(2.385, buf), "2.385");
    assert_string_equal(cs_num_format_double(0.1 + 0.2, buf), "0.30000000000000004");
    assert_string_equal(cs_num_format_double(-0.0, buf), "0");
    assert_string_equal(cs_num_format_double(0.0, buf), "0");
    assert_string_equal(cs_num_format_double(-1234.5678, buf), "-1234.5678");
    assert_string_equal(cs_num_format_double(1e21, buf), "1e+21");
    assert_string_equal(cs_num_format_double(2.0 / 3.0, buf), "0.6666666666666666");
    assert_string_equal(cs_num_format_double(123456789012.345, buf), "123456789012.345");
    assert_string_equal(cs_num_format_double(5e-324, buf), "4.94065645841247e-324");
    assert_string_equal(cs_num_format_double(-1.7976931348623157e308, buf),
                        "-1.7976931348623157e+308");
    assert_ptr_equal(cs_num_format_double(7.25, buf), buf);

    /* Every output reads back to the same double through our own parser. */
    double x = 0.7071067811865476;
    for (int i = 0; i < 2000; i++) {
        double back = 0;
        cs_num_format_double(x, buf);
        assert_int_equal(cs_num_parse_number(buf, &back), 0);
        assert_close(back, x, 0);
        assert_true(strlen(buf) < 32);
        x = x * -3.718281828459045 + 1e-7 * i;
        if (fabs(x) > 1e300)
            x = 1.0 / x;
    }
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_accepted), cmocka_unit_test(numbers_refused),
        cmocka_unit_test(integers),         cmocka_unit_test(whole_as_written),
        cmocka_unit_test(seeds),
        cmocka_unit_test(formatting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
