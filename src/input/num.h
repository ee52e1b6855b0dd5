/* num: strict parsing of numbers in input cells (docs/FORMAT.md).
 *
 * Numbers: [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)? and finite; nothing else
 * ("1,000", "12%", "NaN", "inf", "0x10", " 5" are refused: the caller trims).
 * Integers: numbers with an integral value ("5", "5.0", "1e6").
 * Seeds: digits only, 0 ... 2^64-1. Each returns 0 on success, or -1 and
 * leaves *out unchanged. */
#ifndef CS_NUM_H
#define CS_NUM_H

#include <stdbool.h>
#include <stdint.h>

/* A number that underflows (1e-400) reads as the nearest double (0 or a
 * subnormal); one that overflows (1e999) is refused. NULL s is refused. */
int cs_num_parse_number(const char *s, double *out);
/* Whether s is written as a number (the syntax cs_num_parse_number
 * accepts) whose value is beyond the largest double ("1e400"), which
 * cs_num_parse_number refuses. */
bool cs_num_is_too_large(const char *s);
/* An integral number within [min, max]; -1 when not a number, not whole, or
 * out of range. Plain digit strings are converted exactly (no rounding
 * through a double beyond 2^53). */
int cs_num_parse_integer(const char *s, long long min, long long max, long long *out);
int cs_num_parse_seed(const char *s, uint64_t *out);
/* Whether the number written in s (which cs_num_parse_number accepts),
 * times 10^shift, is a whole number as written, digit by digit: so
 * "2.9999999999999999" is not whole although its nearest double is 3.
 * shift 3 asks for a whole number of thousandths. */
int cs_num_text_is_whole(const char *s, int shift);

/* Writes x as the shortest of %.15g, %.16g, %.17g that reads back to the
 * same double (docs/OUTPUTS.md) into buf (at least 32 bytes). Returns buf.
 * Both zeros print "0"; non-finite values print "nan", "inf", "-inf". */
char *cs_num_format_double(double x, char *buf);

#endif
