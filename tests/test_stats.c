/* test_stats: sorting, type-7 percentiles, moments, point_percentile, ranks,
 * Spearman, the order-statistic interval and the quantile sketch's bound.
 * Expected values were computed independently (Python's statistics module,
 * by hand, or by brute force in the test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "costsim.h"
#include "testutil.h"
#include "results.h"
#include "stats.h"

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *lognormal_values(size_t n, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = gsl_ran_lognormal(r, 4.2, 0.7);
    gsl_rng_free(r);
    return x;
}

static void sort_small_and_signed(void **state)
{
    (void)state;
    double x[] = {3.3, -0.0, -1.07, 2.385, -1e300, 0.0, 2.385, 1e-310, -2.5e-320, 7.0};
    const double want[] = {-1e300, -1.07, -2.5e-320, 0.0, 0.0, 1e-310, 2.385, 2.385, 3.3, 7.0};
    cs_stats_sort_doubles(x, 10);
    for (size_t i = 0; i < 10; i++)
        assert_close(x[i], want[i], 0);
    cs_stats_sort_doubles(x, 0); /* no-op */
    cs_stats_sort_doubles(x, 1);
    assert_close(x[0], -1e300, 0);
}

/* Radix path (n >= 64) against qsort, with negatives and many ties. Speed
 * is the benchmark's business (bench/), not a test's. */
static void sort_large_matches_qsort(void **state)
{
    (void)state;
    const size_t n = 1000000;
    double *x = lognormal_values(n, 20240611);
    for (size_t i = 0; i < n; i += 3)
        x[i] = -x[i];
    for (size_t i = 1; i < n; i += 7)
        x[i] = floor(x[i] / 10) * 10; /* ties */
    double *copy = malloc(n * sizeof *copy);
    memcpy(copy, x, n * sizeof *x);
    qsort(copy, n, sizeof *copy, compare_doubles);
    cs_stats_sort_doubles(x, n);
    assert_memory_equal(x, copy, n * sizeof *x);
    /* Only the low mantissa bytes differ (passes skipped). */
    for (size_t i = 0; i < 500; i++)
        x[i] = 1000.0 + (double)((i * 7919) % 500) * 0x1p-40;
    cs_stats_sort_doubles(x, 500);
    for (size_t i = 0; i < 500; i++)
        assert_close(x[i], 1000.0 + (double)i * 0x1p-40, 0);
    /* Both signs (keys differ in all 64 bits) and clusters of 100 and of
     * 10 values that differ only in their last mantissa bits, below the
     * high bits the radix passes sort on. */
    const size_t m = 5000;
    for (size_t i = 0; i < m; i++) {
        double base = i % 2 ? -1e6 : 3.5;
        if (i % 50 == 0)
            base = 7.25; /* a cluster of 100 */
        else if (i % 500 == 1)
            base = -2.0; /* a cluster of 10 */
        else
            base *= 1.0 + (double)i / (double)m;
        x[i] = base + (double)((i * 7919) % 4096) * 0x1p-50 * fabs(base);
    }
    memcpy(copy, x, m * sizeof *x);
    qsort(copy, m, sizeof *copy, compare_doubles);
    cs_stats_sort_doubles(x, m);
    assert_memory_equal(x, copy, m * sizeof *x);
    /* Runs within runs: both signs again, and a cluster of 3 000 values
     * near 7.25 in 8 groups that differ about 25 bits below the leading
     * bit, each group's values differing only in their last 6 bits, so
     * the sort of the cluster's run leaves runs of over 64 values to a
     * third level. */
    for (size_t i = 0; i < m; i++) {
        if (i % 5 == 0 || i % 5 == 3) {
            x[i] = (i % 2 ? -3.0 : 11.0) * (1.0 + (double)i / (double)m);
            continue;
        }
        double a = (double)(i % 8), b = (double)((i * 7919) % 64);
        x[i] = 7.25 * (1.0 + a * 0x1p-25) + b * 0x1p-50;
    }
    memcpy(copy, x, m * sizeof *x);
    qsort(copy, m, sizeof *copy, compare_doubles);
    cs_stats_sort_doubles(x, m);
    assert_memory_equal(x, copy, m * sizeof *x);
    /* With caller scratch (reused, and left dirty by the previous sort):
     * the same order as qsort, for the radix path, the insertion-sort path
     * (n < 64) and without scratch. */
    uint64_t *work = malloc(2 * m * sizeof *work);
    assert_non_null(work);
    const size_t sizes[] = {m, 63, 64, 2, m};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        size_t k = sizes[t];
        for (size_t i = 0; i < k; i++)
            x[i] = (double)((i * 7919 + t) % 997) * (i % 3 ? 1.0 : -0.5) + (i % 11 ? 0.0 : -0.0);
        memcpy(copy, x, k * sizeof *x);
        qsort(copy, k, sizeof *copy, compare_doubles);
        cs_stats_sort_doubles_work(x, k, t == 4 ? NULL : work);
        for (size_t i = 0; i < k; i++)
            assert_true(x[i] == copy[i]);
        for (size_t i = 1; i < k; i++)
            assert_true(x[i - 1] <= x[i]);
    }
    free(work);
    free(x);
    free(copy);
}

static void percentiles_type7(void **state)
{
    (void)state;
    double x[] = {2.385, 1.07, 9.4, 3.3, 5.21};
    cs_stats_sort_doubles(x, 5);
    /* Python statistics.quantiles(x, n=10, method='inclusive'). */
    assert_float_equal(cs_stats_percentile_sorted(x, 5, 0.1), 1.596, 1e-12);
    assert_float_equal(cs_stats_percentile_sorted(x, 5, 0.2), 2.122, 1e-12);
    assert_float_equal(cs_stats_percentile_sorted(x, 5, 0.7), 4.828, 1e-12);
    assert_float_equal(cs_stats_percentile_sorted(x, 5, 0.8), 6.048, 1e-12);
    assert_float_equal(cs_stats_percentile_sorted(x, 5, 0.9), 7.724, 1e-12);
    assert_close(cs_stats_percentile_sorted(x, 5, 0.5), 3.3, 0); /* h = 2 exactly */
    assert_close(cs_stats_percentile_sorted(x, 5, 0.0), 1.07, 0);
    assert_close(cs_stats_percentile_sorted(x, 5, 1.0), 9.4, 0);
    double one = 4.75;
    assert_close(cs_stats_percentile_sorted(&one, 1, 0.37), 4.75, 0);
    assert_true(isnan(cs_stats_percentile_sorted(x, 0, 0.5)));
    /* Neighbours further apart than DBL_MAX: an exact rank gives the value,
     * not 0 * inf = NaN. */
    double wide[] = {-1.5e308, 1.5e308};
    assert_close(cs_stats_percentile_sorted(wide, 2, 0.0), -1.5e308, 0);
}

/* A whole percent's position is exact: with n = 2000, P90 lies at h =
 * 1999 * 9 / 10 = 1799.1, a tenth of the way from x[1799] = 0 to x[1800]
 * = 10 000, so type 7 gives 1 000 (0.1 * 10 000 rounds to 1 000 exactly).
 * Formed as 1999 * 0.9 in doubles, h is 1799.1000000000001 and the
 * answer 1 000.0000000013642. The sketch keeps every value of a block
 * under 2 000 and must give the same (n = 1 999: h = 1 798.2, x[1798] = 0,
 * x[1799] = 10 000, P90 = 2 000), and the S-curve's P90 is the summary's. */
static void percentiles_at_whole_percents(void **state)
{
    (void)state;
    size_t n = 2000;
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = i < 1800 ? -1.0 / (double)(i + 1) : 10000;
    x[1799] = 0;
    assert_close(cs_stats_percentile_sorted(x, n, 0.9), 1000, 0);
    uint64_t lo;
    double fraction;
    cs_stats_rank(n, 0.9, &lo, &fraction);
    assert_int_equal(lo, 1799);
    assert_close(fraction, 0.1, 0);
    cs_stats_rank(n, 0.29, &lo, &fraction); /* 0.29 * 100 is 28.999999999999996 */
    assert_int_equal(lo, 579);                /* 1999 * 29 / 100 = 579.71 */
    assert_close(fraction, 0.71, 0);
    cs_stats_rank(n, 0.123456, &lo, &fraction); /* not a whole percent: h in doubles */
    assert_int_equal(lo, 246);
    assert_close(fraction, 1999 * 0.123456 - 246, 0);

    double *y = malloc(1999 * sizeof *y);
    assert_non_null(y);
    for (size_t i = 0; i < 1999; i++)
        y[i] = i < 1798 ? -1.0 / (double)(i + 1) : 10000;
    y[1798] = 0;
    cs_sketch *s = cs_stats_sketch_alloc();
    assert_non_null(s);
    assert_int_equal(cs_stats_sketch_add_block(s, y, 1999), 0);
    assert_close(cs_stats_sketch_percentile(s, 0.9), 2000, 0);
    cs_stats_sketch_free(s);

    cs_results r = {0};
    r.trials = n;
    r.sorted[CS_NOMINAL] = x;
    assert_close(cs_results_scurve(&r, CS_NOMINAL, 90), 1000, 0);
    free(x);
    free(y);
}

/* Selection gives exactly the sorted percentile, on small, tie-heavy,
 * sorted, reversed and constant inputs, values a few ulps apart, values
 * over the whole range with both signed zeros, and values nested in
 * clusters (several radix passes), at the ends and between ranks. */
static void percentile_select_matches_sorted(void **state)
{
    (void)state;
    const double ps[] = {0, 1e-9, 0.1, 0.25, 0.5, 0.5 + 1e-12, 0.8, 0.9, 0.999, 1};
    const size_t sizes[] = {1, 2, 3, 17, 100, 1001, 65537};
    double *x = malloc(65537 * sizeof *x), *sorted = malloc(65537 * sizeof *sorted);
    double *work = malloc(65537 * sizeof *work);
    assert_non_null(x);
    assert_non_null(sorted);
    assert_non_null(work);
    for (int shape = 0; shape < 8; shape++)
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            size_t n = sizes[si];
            uint64_t state64 = 88172645463325252u + shape;
            for (size_t i = 0; i < n; i++) {
                state64 ^= state64 << 13;
                state64 ^= state64 >> 7;
                state64 ^= state64 << 17;
                double u = (double)(state64 >> 11) * 0x1p-53;
                x[i] = shape == 0   ? u * 1e6 - 3e5
                       : shape == 1 ? (double)(state64 % 7) /* heavy ties */
                       : shape == 2 ? (double)i             /* sorted */
                       : shape == 3 ? -(double)i            /* reversed */
                       : shape == 4 ? 42.0                  /* constant */
                       : shape == 5 ? 1 + (double)(state64 % 1000) * 0x1p-52
                       : shape == 6 ? (state64 % 3 == 0   ? 0.0
                                       : state64 % 3 == 1 ? -0.0
                                                          : (u - 0.5) * 1e300)
                                    : (double)(state64 % 5) * 1e6 +
                                          (double)(state64 >> 40 & 7) * 1e-3 +
                                          (double)(state64 >> 50 & 3) * 1e-9;
            }
            memcpy(sorted, x, n * sizeof *x);
            cs_stats_sort_doubles(sorted, n);
            for (size_t k = 0; k < sizeof ps / sizeof *ps; k++) {
                memcpy(work, x, n * sizeof *x);
                assert_close(cs_stats_percentile_select(work, n, ps[k]),
                             cs_stats_percentile_sorted(sorted, n, ps[k]), 0);
            }
        }
    assert_true(isnan(cs_stats_percentile_select(x, 0, 0.5)));
    free(x);
    free(sorted);
    free(work);
}

static void mean_sd_known_and_stable(void **state)
{
    (void)state;
    double x[] = {2.385, 1.07, 9.4, 3.3, 5.21};
    double mean, sd;
    cs_stats_mean_sd(x, 5, &mean, &sd);
    assert_float_equal(mean, 4.273, 1e-13);
    assert_float_equal(sd, 3.237845734435166, 1e-13); /* statistics.stdev */
    /* A large offset: sum(x^2) - n mean^2 would lose every digit. */
    double offset[] = {1e12 + 4, 1e12 + 7, 1e12 + 13, 1e12 + 16};
    cs_stats_mean_sd(offset, 4, &mean, &sd);
    assert_close(mean, 1e12 + 10, 0);
    assert_float_equal(sd, sqrt(30.0), 1e-12);
    double single = -3.75;
    cs_stats_mean_sd(&single, 1, &mean, &sd);
    assert_close(mean, -3.75, 0);
    assert_close(sd, 0, 0);
    cs_stats_mean_sd(x, 0, &mean, &sd);
    assert_true(isnan(mean) && isnan(sd));
    double same[] = {0.1, 0.1, 0.1};
    cs_stats_mean_sd(same, 3, &mean, &sd);
    assert_close(sd, 0, 0);
}

/* At the limits of double: the same known answers scaled by powers of two
 * (exact), where plain sums overflow (sd of values near 1e160, mean of
 * values near 1e306) or underflow. */
static void robust_mean_sd_at_the_limits(void **state)
{
    (void)state;
    double x[] = {2.385, 1.07, 9.4, 3.3, 5.21};
    const double known_mean = 4.273, known_sd = 3.237845734435166;
    double mean, sd;
    cs_stats_robust_mean_sd(x, 5, &mean, &sd);
    assert_float_equal(mean, known_mean, 1e-13);
    assert_float_equal(sd, known_sd, 1e-13);
    static const int shifts[] = {530, 1010, -1000, 0};
    for (size_t k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
        double y[5];
        for (int i = 0; i < 5; i++)
            y[i] = ldexp(x[i], shifts[k]);
        cs_stats_robust_mean_sd(y, 5, &mean, &sd);
        assert_true(isfinite(mean) && isfinite(sd));
        assert_float_equal(ldexp(mean, -shifts[k]), known_mean, 1e-13);
        assert_float_equal(ldexp(sd, -shifts[k]), known_sd, 1e-13);
    }
    /* Near the largest double: n values of 1.7e308 have a finite mean. */
    double top[1000];
    for (int i = 0; i < 1000; i++)
        top[i] = 1.7e308 - (double)(i % 2) * 1e307;
    cs_stats_robust_mean_sd(top, 1000, &mean, &sd);
    assert_float_equal(mean / 1.65e308, 1.0, 1e-14);
    /* sd of two alternating values a, b over n: |a-b|/2 sqrt(n/(n-1)) */
    assert_float_equal(sd / (0.5e307 * sqrt(1000.0 / 999.0)), 1.0, 1e-12);
    /* The plain version fails here; the robust one is what the engine uses. */
    double plain_mean, plain_sd;
    cs_stats_mean_sd(top, 1000, &plain_mean, &plain_sd);
    assert_false(isfinite(plain_mean) && plain_sd > 0 && isfinite(plain_sd));
    /* The largest |x| sets the scaling wherever it stands: one huge value
     * (its square would overflow unscaled) at every position of arrays of
     * 1 to 9 values, among ones. */
    for (size_t len = 1; len <= 9; len++)
        for (size_t at = 0; at < len; at++) {
            double v[9];
            for (size_t i = 0; i < len; i++)
                v[i] = 1.0;
            v[at] = -0x1p600;
            cs_stats_robust_mean_sd(v, len, &mean, &sd);
            double want_mean = (-0x1p600 + (double)(len - 1)) / (double)len;
            assert_float_equal(mean / want_mean, 1.0, 1e-14);
            assert_true(isfinite(sd));
            if (len > 1) /* one value of a, len - 1 of b: |a - b| sqrt(1/len) */
                assert_float_equal(sd / (0x1p600 / sqrt((double)len)), 1.0, 1e-12);
        }
    double none;
    cs_stats_robust_mean_sd(&none, 0, &mean, &sd);
    assert_true(isnan(mean) && isnan(sd));
    double zeros[] = {0, 0, 0};
    cs_stats_robust_mean_sd(zeros, 3, &mean, &sd);
    assert_true(mean == 0 && sd == 0);
}

/* The compensation survives the side-by-side sums: +-2^53 and ones at
 * every arrangement of lengths 1 to 23 (each lane and the tail), where a
 * plain sum loses the ones, give the exact mean. */
static void robust_mean_sd_compensated(void **state)
{
    (void)state;
    for (size_t len = 1; len <= 23; len++)
        for (size_t big = 0; big + 1 < len; big++) {
            double v[23];
            for (size_t i = 0; i < len; i++)
                v[i] = 1.0;
            v[big] = 0x1p53;
            v[len - 1] = -0x1p53;
            double mean, sd;
            cs_stats_robust_mean_sd(v, len, &mean, &sd);
            double want = (double)(len - 2) / (double)len;
            assert_float_equal(mean, want, 1e-15);
            /* sd from the known sum of squares: 2^107 + (len - 2) */
            double n = (double)len, ss = 2 * 0x1p106 + (n - 2) - n * want * want;
            assert_float_equal(sd / sqrt(ss / (n - 1)), 1.0, 1e-14);
        }
}

static double brute_percent(const double *x, size_t n, double v)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        double scale = fmax(fabs(x[i]), fabs(v));
        if (x[i] <= v || fabs(x[i] - v) <= 1e-9 * scale)
            count++;
    }
    return 100.0 * (double)count / (double)n;
}

static void percent_at_or_below(void **state)
{
    (void)state;
    const double x[] = {-4.5, 1.25, 2.5, 2.5, 2.5 * (1 + 8e-10), 3.75, 9.0};
    assert_close(cs_stats_percent_at_or_below(x, 7, -5.0), 0.0, 0);
    assert_close(cs_stats_percent_at_or_below(x, 7, 9.0), 100.0, 0);
    assert_close(cs_stats_percent_at_or_below(x, 7, 100.0), 100.0, 0);
    assert_float_equal(cs_stats_percent_at_or_below(x, 7, 1.25), 200.0 / 7, 1e-12);
    /* 2.5 counts the near-equal 2.5(1+8e-10) too: 5 of 7. */
    assert_float_equal(cs_stats_percent_at_or_below(x, 7, 2.5), 500.0 / 7, 1e-12);
    /* Just below 2.5 within 1e-9 relative: the 2.5s count, 2.5(1+8e-10)
     * is 1.3e-9 away: not. */
    assert_float_equal(cs_stats_percent_at_or_below(x, 7, 2.5 * (1 - 5e-10)), 400.0 / 7, 1e-12);
    assert_float_equal(cs_stats_percent_at_or_below(x, 7, 2.5 * (1 - 3e-9)), 200.0 / 7, 1e-12);
    /* Zero is equal only to zero. */
    const double z[] = {-1e-300, 0.0, 1e-300};
    assert_float_equal(cs_stats_percent_at_or_below(z, 3, 0.0), 200.0 / 3, 1e-12);
    assert_true(isnan(cs_stats_percent_at_or_below(x, 0, 1.0)));

    /* Against brute force on a large tied array at values near its entries. */
    const size_t n = 20011;
    double *big = lognormal_values(n, 77);
    for (size_t i = 0; i < n; i++)
        big[i] = floor(big[i] * 4) / 4;
    cs_stats_sort_doubles(big, n);
    for (size_t i = 0; i < n; i += 97) {
        const double factors[] = {1.0, 1 + 9e-10, 1 - 9e-10, 1 + 2e-9, 1 - 2e-9};
        for (size_t f = 0; f < 5; f++) {
            double v = big[i] * factors[f];
            assert_close(cs_stats_percent_at_or_below(big, n, v), brute_percent(big, n, v), 0);
        }
    }
    free(big);
}

/* Each rank equals (#less) + (#equal + 1) / 2, counted directly. */
static void assert_counted_ranks(const double *v, const double *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t less = 0, equal = 0;
        for (size_t j = 0; j < n; j++) {
            less += v[j] < v[i];
            equal += v[j] == v[i];
        }
        assert_close(r[i], (double)less + ((double)equal + 1) / 2, 0);
    }
}

static void ranks_with_ties(void **state)
{
    (void)state;
    const double x[] = {3.3, 1.07, 3.3, 9.4, 1.07, 3.3, -2.5};
    const double want[] = {5, 2.5, 5, 7, 2.5, 5, 1};
    double ranks[7];
    uint64_t work[4 * 7];
    cs_stats_ranks(x, 7, ranks, work);
    for (size_t i = 0; i < 7; i++)
        assert_close(ranks[i], want[i], 0);

    /* Large, tie-heavy input through every radix pass: every
     * rank equals (#less) + (#equal + 1) / 2, counted directly. */
    const size_t n = 3001;
    double *v = malloc(n * sizeof *v), *r = malloc(n * sizeof *r);
    uint64_t *w = malloc(4 * n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)((i * 2654435761u) % 37) * 1.5 - 27;
    /* Signed zeros are equal; -HUGE_VAL (a risk that did not occur) ranks
     * lowest. */
    for (size_t i = 0; i < n; i += 7)
        v[i] = i % 2 ? -0.0 : 0.0;
    for (size_t i = 3; i < n; i += 101)
        v[i] = -HUGE_VAL;
    cs_stats_ranks(v, n, r, w);
    assert_counted_ranks(v, r, n);
    /* Already sorted and reversed inputs. */
    for (size_t i = 0; i < n; i++)
        v[i] = (double)(n - i) * 0.25;
    cs_stats_ranks(v, n, r, w);
    for (size_t i = 0; i < n; i++)
        assert_close(r[i], (double)(n - i), 0);
    /* Both signs (keys differ in all 64 bits), and clusters of 200 and of
     * 20 values that differ only in their last mantissa bits, below the
     * high bits the radix passes sort on, with ties inside them. */
    for (size_t i = 0; i < n; i++) {
        double base = i % 2 ? -1e6 * (1.0 + (double)i / (double)n) : 3.5 + (double)i;
        if (i % 15 == 0)
            base = 7.25; /* a cluster of about 200 */
        else if (i % 150 == 1)
            base = -2.0; /* a cluster of about 20 */
        v[i] = base + (double)((i * 7919) % 64) * 0x1p-50 * fabs(base);
    }
    cs_stats_ranks(v, n, r, w);
    assert_counted_ranks(v, r, n);
    free(v);
    free(r);
    free(w);
}

static void spearman_known(void **state)
{
    (void)state;
    double ranks[16];
    uint64_t work[4 * 8];
    /* No ties: 1 - 6 sum d^2 / (n (n^2 - 1)) = 1 - 12/120. */
    const double x[] = {1.2, 2.5, 3.1, 4.8, 5.0}, y[] = {2.0, 1.5, 3.9, 4.1, 6.2};
    assert_float_equal(cs_stats_spearman(x, y, 5, ranks, work), 0.9, 1e-14);
    /* Ties: Pearson of (1, 2.5, 2.5, 4) and (1, 3, 2, 4) = 4.5 / sqrt(22.5). */
    const double a[] = {1, 2, 2, 3}, b[] = {10.5, 30.25, 20.0, 40.75};
    assert_float_equal(cs_stats_spearman(a, b, 4, ranks, work), 0.9486832980505138, 1e-14);
    /* Monotone decreasing transform: -1. */
    const double c[] = {0.3, 0.1, 0.9, 0.5}, d[] = {-exp(0.3), -exp(0.1), -exp(0.9), -exp(0.5)};
    assert_float_equal(cs_stats_spearman(c, d, 4, ranks, work), -1.0, 1e-14);
    /* Constant side: 0. */
    const double k[] = {7.5, 7.5, 7.5, 7.5};
    assert_close(cs_stats_spearman(a, k, 4, ranks, work), 0.0, 0);
    assert_close(cs_stats_spearman(x, y, 1, ranks, work), 0.0, 0);
    assert_close(cs_stats_pearson(x, y, 0), 0.0, 0);
    /* Pearson itself: x = (1, 2, 3), y = (2, 4, 7): r = 5 / sqrt(2 * 12.666..). */
    const double px[] = {1, 2, 3}, py[] = {2, 4, 7};
    assert_float_equal(cs_stats_pearson(px, py, 3), 5.0 / sqrt(2.0 * 38.0 / 3.0), 1e-14);
}

static void quantile_interval(void **state)
{
    (void)state;
    const size_t n = 1000;
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.5 * (double)i + 0.25; /* rank r (1-based) holds 0.5 r - 0.25 */
    double lo, hi;
    /* 800 -/+ 1.96 sqrt(160) = 800 -/+ 24.79: ranks 775 and 825. */
    cs_stats_quantile_ci(x, n, 0.8, &lo, &hi);
    assert_close(lo, 0.5 * 775 - 0.25, 0);
    assert_close(hi, 0.5 * 825 - 0.25, 0);
    /* 500 -/+ 1.96 sqrt(250) = 500 -/+ 30.99: ranks 469 and 531. */
    cs_stats_quantile_ci(x, n, 0.5, &lo, &hi);
    assert_close(lo, 0.5 * 469 - 0.25, 0);
    assert_close(hi, 0.5 * 531 - 0.25, 0);
    /* 300 -/+ 1.96 sqrt(210) = 300 -/+ 28.40: outwards 271 and 329 (not the
     * nearest, 272 and 328). */
    cs_stats_quantile_ci(x, n, 0.3, &lo, &hi);
    assert_close(lo, 0.5 * 271 - 0.25, 0);
    assert_close(hi, 0.5 * 329 - 0.25, 0);
    /* Clamped: n = 5, p = 0.8: 4 -/+ 1.75 -> ranks 2 and 6 -> 5. */
    cs_stats_quantile_ci(x, 5, 0.8, &lo, &hi);
    assert_close(lo, x[1], 0);
    assert_close(hi, x[4], 0);
    /* n = 1: both ends are the one value. */
    cs_stats_quantile_ci(x, 1, 0.5, &lo, &hi);
    assert_close(lo, x[0], 0);
    assert_close(hi, x[0], 0);
    /* p outside [0, 1] is clamped: the extreme order statistics. */
    cs_stats_quantile_ci(x, n, -0.25, &lo, &hi);
    assert_close(lo, x[0], 0);
    assert_close(hi, x[0], 0);
    cs_stats_quantile_ci(x, n, 1.5, &lo, &hi);
    assert_close(lo, x[n - 1], 0);
    assert_close(hi, x[n - 1], 0);
    cs_stats_quantile_ci(x, 0, 0.5, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
    free(x);
}

/* ---- sketch ---- */

static cs_sketch *sketch_of(const double *x, size_t n, size_t block)
{
    cs_sketch *s = cs_stats_sketch_alloc();
    assert_non_null(s);
    double *copy = malloc(block * sizeof *copy);
    for (size_t start = 0; start < n; start += block) {
        size_t m = n - start < block ? n - start : block;
        memcpy(copy, x + start, m * sizeof *copy);
        assert_int_equal(cs_stats_sketch_add_block(s, copy, m), 0);
    }
    free(copy);
    assert_int_equal(cs_stats_sketch_count(s), n);
    return s;
}

/* The bound proven in stats.c: between the exact order statistics at
 * 0-based ranks floor(h - N/1000) and ceil(h + N/1000), for P1 ... P99. */
static void check_rank_bound(const double *sorted, size_t n, cs_sketch *s)
{
    double slack = (double)n / 1000;
    for (int pct = 1; pct <= 99; pct++) {
        double p = pct / 100.0;
        double h = (double)(n - 1) * p;
        double lo_rank = fmax(0, floor(h - slack));
        double hi_rank = fmin((double)(n - 1), ceil(h + slack));
        double q = cs_stats_sketch_percentile(s, p);
        if (!(q >= sorted[(size_t)lo_rank] && q <= sorted[(size_t)hi_rank]))
            fail_msg("P%d: %.17g outside [%.17g, %.17g]", pct, q, sorted[(size_t)lo_rank],
                     sorted[(size_t)hi_rank]);
    }
}

static void sketch_exact_for_small_blocks(void **state)
{
    (void)state;
    /* Blocks under 2000 values have k = 1: every value is kept, and the
     * answer must be the type-7 percentile bit for bit. */
    const size_t sizes[] = {1000, 1999, 7, 1};
    for (size_t t = 0; t < 4; t++) {
        const size_t n = 12345;
        double *x = lognormal_values(n, 1000 + t);
        cs_sketch *s = sketch_of(x, n, sizes[t]);
        cs_stats_sort_doubles(x, n);
        for (int pct = 0; pct <= 100; pct++) {
            double p = pct / 100.0;
            assert_close(cs_stats_sketch_percentile(s, p), cs_stats_percentile_sorted(x, n, p), 0);
        }
        assert_close(cs_stats_sketch_percentile(s, 0.123456), cs_stats_percentile_sorted(x, n, 0.123456), 0);
        cs_stats_sketch_free(s);
        free(x);
    }
    /* A single value. */
    double one = 2.385;
    cs_sketch *s = cs_stats_sketch_alloc();
    assert_int_equal(cs_stats_sketch_add_block(s, &one, 1), 0);
    assert_close(cs_stats_sketch_percentile(s, 0.8), 2.385, 0);
    cs_stats_sketch_free(s);
}

static void sketch_rank_error_bound(void **state)
{
    (void)state;
    const size_t n = 200000;
    double *x = lognormal_values(n, 424242);
    double *sorted = malloc(n * sizeof *sorted);
    memcpy(sorted, x, n * sizeof *x);
    cs_stats_sort_doubles(sorted, n);
    /* 32768: k = 32 (tail block of 3392: k = 3); 50000: k = 50; 1000: k = 1;
     * 199999: one big block (k = 199) and a block of one. */
    const size_t blocks[] = {32768, 50000, 1000, 199999, 4096};
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        cs_sketch *s = sketch_of(x, n, blocks[b]);
        check_rank_bound(sorted, n, s);
        cs_stats_sketch_free(s);
    }
    /* Identical blocks: every block's rank error points the same way, the
     * worst case of the bound (random blocks mostly cancel). */
    const size_t block = 25000; /* k = 25 */
    double *repeated = malloc(n * sizeof *repeated), *repeated_sorted = malloc(n * sizeof *repeated);
    for (size_t i = 0; i < n; i++)
        repeated[i] = x[i % block];
    memcpy(repeated_sorted, repeated, n * sizeof *repeated);
    cs_stats_sort_doubles(repeated_sorted, n);
    cs_sketch *same = sketch_of(repeated, n, block);
    check_rank_bound(repeated_sorted, n, same);
    cs_stats_sketch_free(same);
    free(repeated);
    free(repeated_sorted);
    /* With k = 32 the answer is approximate but must be close: the
     * interpolated P50 differs from the exact one (so the test above is
     * not comparing exact answers), and by little. */
    cs_sketch *s = sketch_of(x, n, 32768);
    double exact = cs_stats_percentile_sorted(sorted, n, 0.5), approx = cs_stats_sketch_percentile(s, 0.5);
    assert_true(approx != exact);
    assert_true(fabs(approx - exact) < 0.01 * exact);
    /* Deterministic: the same blocks give the same bits. */
    cs_sketch *again = sketch_of(x, n, 32768);
    for (int pct = 1; pct <= 99; pct++)
        assert_close(cs_stats_sketch_percentile(s, pct / 100.0), cs_stats_sketch_percentile(again, pct / 100.0), 0);
    cs_stats_sketch_free(again);
    cs_stats_sketch_free(s);
    free(x);
    free(sorted);
}

static void sketch_heavy_ties(void **state)
{
    (void)state;
    /* Mostly a handful of values (a risk that rarely occurs: 0 most of the
     * time, then a few impacts), plus a continuous part. */
    const size_t n = 150000;
    double *x = lognormal_values(n, 99);
    for (size_t i = 0; i < n; i++) {
        if (i % 10 < 7)
            x[i] = 0.0;
        else if (i % 10 < 9)
            x[i] = 12.5 + (double)(i % 3);
    }
    double *sorted = malloc(n * sizeof *sorted);
    memcpy(sorted, x, n * sizeof *x);
    cs_stats_sort_doubles(sorted, n);
    const size_t blocks[] = {32768, 1000, 7777};
    for (size_t b = 0; b < 3; b++) {
        cs_sketch *s = sketch_of(x, n, blocks[b]);
        check_rank_bound(sorted, n, s);
        assert_close(cs_stats_sketch_percentile(s, 0.5), 0.0, 0);
        cs_stats_sketch_free(s);
    }
    /* All equal. */
    for (size_t i = 0; i < n; i++)
        x[i] = 3.75;
    cs_sketch *s = sketch_of(x, n, 32768);
    for (int pct = 0; pct <= 100; pct += 5)
        assert_close(cs_stats_sketch_percentile(s, pct / 100.0), 3.75, 0);
    cs_stats_sketch_free(s);
    free(x);
    free(sorted);
}

static void sketch_edges(void **state)
{
    (void)state;
    cs_sketch *s = cs_stats_sketch_alloc();
    assert_true(isnan(cs_stats_sketch_percentile(s, 0.5)));
    assert_int_equal(cs_stats_sketch_add_block(s, NULL, 0), 0);
    assert_int_equal(cs_stats_sketch_count(s), 0);
    /* A block added after a percentile was read still counts. */
    double a[] = {4.0, 1.5, 2.25};
    assert_int_equal(cs_stats_sketch_add_block(s, a, 3), 0);
    assert_close(cs_stats_sketch_percentile(s, 0.5), 2.25, 0);
    double b[] = {10.0, 0.5};
    assert_int_equal(cs_stats_sketch_add_block(s, b, 2), 0);
    assert_int_equal(cs_stats_sketch_count(s), 5);
    /* 0.5, 1.5, 2.25, 4, 10: P75 at h = 3 -> 4; P90 at h = 3.6 -> 7.6. */
    assert_close(cs_stats_sketch_percentile(s, 0.75), 4.0, 0);
    assert_float_equal(cs_stats_sketch_percentile(s, 0.9), 7.6, 1e-12);
    assert_close(cs_stats_sketch_percentile(s, 0.0), 0.5, 0);
    assert_close(cs_stats_sketch_percentile(s, 1.0), 10.0, 0);
    cs_stats_sketch_free(s);
    cs_stats_sketch_free(NULL);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Rows of mostly exact zeros (risks that do not occur) with negatives, -0.0
 * and positives: the radix sort sets the zeros aside and must still give
 * exactly qsort's order, bit for bit (-0.0 before +0.0 is the only
 * freedom qsort leaves, so compare values, and count the signed zeros). */
static void test_sort_many_zeros(void **state)
{
    (void)state;
    enum { N = 5000 };
    static double x[N], y[N];
    uint64_t st = 385;
    for (int variant = 0; variant < 4; variant++) {
        for (size_t i = 0; i < N; i++) {
            st = st * 6364136223846793005u + 1442695040888963407u;
            unsigned r = (unsigned)(st >> 33) % 10;
            double v = (double)(st >> 40) / 1e3;
            x[i] = variant == 3 ? 0.0 : r < 7 ? 0.0 : r == 7 ? -v : r == 8 && variant ? -0.0 : v;
        }
        memcpy(y, x, sizeof x);
        cs_stats_sort_doubles(x, N);
        qsort(y, N, sizeof *y, cmp_double);
        for (size_t i = 0; i < N; i++) {
            assert_true(x[i] == y[i]);
            if (i > 0)
                assert_true(x[i - 1] <= x[i]);
            if (i > 0 && x[i] == 0 && x[i - 1] == 0)
                assert_false(signbit(x[i]) && !signbit(x[i - 1])); /* -0 before +0 */
        }
    }
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_many_zeros),
        cmocka_unit_test(sort_small_and_signed),
        cmocka_unit_test(sort_large_matches_qsort),
        cmocka_unit_test(percentiles_type7),
        cmocka_unit_test(percentiles_at_whole_percents),
        cmocka_unit_test(percentile_select_matches_sorted),
        cmocka_unit_test(mean_sd_known_and_stable),
        cmocka_unit_test(robust_mean_sd_at_the_limits),
        cmocka_unit_test(robust_mean_sd_compensated),
        cmocka_unit_test(percent_at_or_below),
        cmocka_unit_test(ranks_with_ties),
        cmocka_unit_test(spearman_known),
        cmocka_unit_test(quantile_interval),
        cmocka_unit_test(sketch_exact_for_small_blocks),
        cmocka_unit_test(sketch_rank_error_bound),
        cmocka_unit_test(sketch_heavy_ties),
        cmocka_unit_test(sketch_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
