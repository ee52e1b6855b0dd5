/* num: strict parsing of numbers in input cells and shortest round-trip
 * formatting of doubles (docs/FORMAT.md, docs/OUTPUTS.md). See num.h.
 *
 * The grammar is checked by hand before strtod sees the text, so strtod's
 * generosity (hex, "inf", "nan", leading spaces) never leaks through.
 * Assumes the C locale for strtod and printf (costsim never calls
 * setlocale), which the end-pointer check would catch anyway. */
#include "num.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Length of the longest prefix of s matching
 * [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?, and 0 when none does. *simple is set
 * when the match is a plain integer ([+-]?d+), which can be converted
 * exactly without going through a double. */
static size_t match_number(const char *s, bool *simple)
{
    size_t i = 0, int_digits = 0, frac_digits = 0;
    bool has_point = false, has_exponent = false;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (is_digit(s[i])) {
        i++;
        int_digits++;
    }
    if (s[i] == '.') {
        has_point = true;
        i++;
        while (is_digit(s[i])) {
            i++;
            frac_digits++;
        }
    }
    if (int_digits == 0 && frac_digits == 0)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1, exp_digits = 0;
        if (s[j] == '+' || s[j] == '-')
            j++;
        while (is_digit(s[j])) {
            j++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return 0; /* "1e" or "1e+" is a typo, not the number 1 */
        has_exponent = true;
        i = j;
    }
    *simple = !has_point && !has_exponent;
    return i;
}

int cs_num_parse_number(const char *s, double *out)
{
    bool simple;
    if (!s)
        return -1;
    size_t n = match_number(s, &simple);
    if (n == 0 || s[n] != '\0')
        return -1;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end != s + n || !isfinite(x))
        return -1; /* 1e999 overflows to inf; an underflow to 0 is kept */
    *out = x;
    return 0;
}

bool cs_num_is_too_large(const char *s)
{
    bool simple;
    size_t n = s ? match_number(s, &simple) : 0;
    return n > 0 && s[n] == '\0' && isinf(strtod(s, NULL));
}

int cs_num_text_is_whole(const char *s, int shift)
{
    bool simple;
    size_t n = s ? match_number(s, &simple) : 0;
    if (n == 0)
        return 0;
    /* The digits d_1 ... d_k (integer and fraction parts) and the power
     * of ten of the last one: the value is whole when every digit below
     * 10^0 is a zero. */
    const char *digits[2] = {NULL, NULL};
    size_t lengths[2] = {0, 0};
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    digits[0] = s + i;
    while (is_digit(s[i]))
        i++, lengths[0]++;
    if (s[i] == '.') {
        digits[1] = s + ++i;
        while (is_digit(s[i]))
            i++, lengths[1]++;
    }
    long long exponent = shift;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        bool negative = s[i] == '-';
        if (s[i] == '+' || s[i] == '-')
            i++;
        long long e = 0;
        for (; is_digit(s[i]); i++)
            if (e < 1000000) /* far beyond any digit count that fits a cell */
                e = e * 10 + (s[i] - '0');
        exponent += negative ? -e : e;
    }
    /* Digit j (0-based over both parts, k in all) stands for
     * 10^(exponent + lengths[0] - 1 - j); those below 10^0 must be 0. */
    long long k = (long long)(lengths[0] + lengths[1]);
    for (long long j = 0; j < k; j++) {
        if (exponent + (long long)lengths[0] - 1 - j >= 0)
            continue;
        char d = j < (long long)lengths[0] ? digits[0][j] : digits[1][j - (long long)lengths[0]];
        if (d != '0')
            return 0;
    }
    return 1;
}

int cs_num_parse_integer(const char *s, long long min, long long max, long long *out)
{
    bool simple;
    if (!s)
        return -1;
    size_t n = match_number(s, &simple);
    if (n == 0 || s[n] != '\0')
        return -1;
    long long value;
    if (simple) {
        /* Plain digits: exact, even beyond 2^53 where a double rounds. */
        char *end;
        errno = 0;
        value = strtoll(s, &end, 10);
        if (errno == ERANGE || end != s + n)
            return -1;
    } else {
        double x;
        if (cs_num_parse_number(s, &x) != 0 || floor(x) != x || !cs_num_text_is_whole(s, 0))
            return -1;
        /* (double)LLONG_MAX rounds up to 2^63, so test against 2^63 itself
         * before the conversion, which would be undefined beyond it. */
        if (x < -9223372036854775808.0 || x >= 9223372036854775808.0)
            return -1;
        value = (long long)x;
    }
    if (value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

int cs_num_parse_seed(const char *s, uint64_t *out)
{
    if (!s || *s == '\0')
        return -1;
    uint64_t value = 0;
    for (const char *p = s; *p; p++) {
        if (!is_digit(*p))
            return -1;
        uint64_t digit = (uint64_t)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    *out = value;
    return 0;
}

char *cs_num_format_double(double x, char *buf)
{
    /* Both zeros print as "0": a "-0" in a report only confuses. */
    if (x == 0) {
        strcpy(buf, "0");
        return buf;
    }
    if (!isfinite(x)) {
        strcpy(buf, isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
        return buf;
    }
    /* %.17g always reads back exactly (IEEE 754 binary64); the shorter ones
     * are tried first so that 0.1 prints as 0.1. */
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(buf, 32, "%.*g", precision, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}
