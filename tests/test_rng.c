/* test_rng: the counter-based uniforms — Philox known answers, the
 * documented stream construction, determinism, independence of streams
 * (seed, kind, id, trial, index), the range, and statistical checks at a
 * fixed seed (mean, chi-square, lag-1 correlation, 4 standard errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <Random123/philox.h>

#include "costsim.h"
#include "rng.h"
#include "testutil.h"

static const uint64_t SEED = UINT64_C(9876543210123);

/* Random123's known-answer vector for Philox4x64-10 (kat_vectors). */
static void test_philox_known_answer(void **state)
{
    (void)state;
    philox4x64_ctr_t ctr = {{UINT64_C(0x243f6a8885a308d3), UINT64_C(0x13198a2e03707344),
                             UINT64_C(0xa4093822299f31d0), UINT64_C(0x082efa98ec4e6c89)}};
    philox4x64_key_t key = {{UINT64_C(0x452821e638d01377), UINT64_C(0xbe5466cf34e90c6c)}};
    philox4x64_ctr_t r = philox4x64(ctr, key);
    assert_int_equal(r.v[0], UINT64_C(0xa528f45403e61d95));
    assert_int_equal(r.v[1], UINT64_C(0x38c72dbd566e9788));
    assert_int_equal(r.v[2], UINT64_C(0xa5a1610e72fd18b5));
    assert_int_equal(r.v[3], UINT64_C(0x57bd43b5e52b7fe6));
    philox4x64_ctr_t zero = {{0, 0, 0, 0}};
    philox4x64_key_t zkey = {{0, 0}};
    r = philox4x64(zero, zkey);
    assert_int_equal(r.v[0], UINT64_C(0x16554d9eca36314c));
    assert_int_equal(r.v[3], UINT64_C(0x7e68b68aec7ba23b));
}

/* The construction as documented in rng.h / rng.c, written out again:
 * k1 = splitmix64 finaliser of FNV-1a 64 over kind, 0, id; counter
 * (trial / 4, index, 0, 0), lane trial % 4, u = (k + 0.5) / 2^52 from the
 * top 52 bits. Pins the stream: changing it changes every result. */
static double reference_uniform(uint64_t seed, const char *kind, const char *id,
                                uint64_t trial, uint32_t index)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const char *p = kind; *p; p++)
        h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001b3);
    h = (h ^ 0) * UINT64_C(0x100000001b3);
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001b3);
    h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
    h ^= h >> 31;
    philox4x64_ctr_t ctr = {{trial / 4, index, 0, 0}};
    philox4x64_key_t key = {{seed, h}};
    philox4x64_ctr_t r = philox4x64(ctr, key);
    return ((double)(r.v[trial % 4] >> 12) + 0.5) / 4503599627370496.0;
}

static void test_stream_construction(void **state)
{
    (void)state;
    cs_rng_key key = cs_rng_key_make(SEED, "element", "hull-steel");
    assert_int_equal(key.k0, SEED);
    for (uint32_t i = 0; i < 9; i++) {
        double want = reference_uniform(SEED, "element", "hull-steel", 385, i);
        assert_close(cs_rng_uniform(key, 385, i), want, 0);
    }
    /* a golden value, so a change in either copy above is noticed */
    cs_rng_key k0 = cs_rng_key_make(1, "slip", "");
    double u = cs_rng_uniform(k0, 0, 0);
    assert_close(u, reference_uniform(1, "slip", "", 0, 0), 0);
    assert_close(u, 0x1.b96590937ec08p-4, 0); /* 0.10776287531909656 */
}

static void test_determinism(void **state)
{
    (void)state;
    cs_rng_key a = cs_rng_key_make(SEED, "risk", "R-17");
    cs_rng_key b = cs_rng_key_make(SEED, "risk", "R-17");
    assert_int_equal(a.k0, b.k0);
    assert_int_equal(a.k1, b.k1);
    for (uint64_t j = 0; j < 50; j++)
        assert_close(cs_rng_uniform(a, j, 7), cs_rng_uniform(b, j, 7), 0);
    /* NULL id is the empty id (the slip) */
    cs_rng_key s1 = cs_rng_key_make(SEED, "slip", NULL), s2 = cs_rng_key_make(SEED, "slip", "");
    assert_int_equal(s1.k1, s2.k1);
}

static void test_streams_differ(void **state)
{
    (void)state;
    const uint64_t seeds[] = {SEED, SEED + 1, SEED + (UINT64_C(1) << 32), 0};
    cs_rng_key keys[] = {
        cs_rng_key_make(seeds[0], "element", "hull"),
        cs_rng_key_make(seeds[1], "element", "hull"),
        cs_rng_key_make(seeds[2], "element", "hull"), /* s + 2^32 */
        cs_rng_key_make(seeds[3], "element", "hull"),
        cs_rng_key_make(seeds[0], "risk", "hull"),
        cs_rng_key_make(seeds[0], "element", "hulL"),
        cs_rng_key_make(seeds[0], "elementh", "ull"), /* the 0 separator */
        cs_rng_key_make(seeds[0], "inflation", "GBP"),
        cs_rng_key_make(seeds[0], "fx", "GBP"),
    };
    const size_t nk = sizeof keys / sizeof keys[0];
    double u[sizeof keys / sizeof keys[0]][8];
    for (size_t k = 0; k < nk; k++)
        cs_rng_uniforms(keys[k], 12, u[k], 8);
    for (size_t k = 0; k < nk; k++)
        for (size_t l = k + 1; l < nk; l++)
            for (int i = 0; i < 8; i++)
                if (u[k][i] == u[l][i])
                    fail_msg("streams %zu and %zu share uniform %d", k, l, i);
    /* different trials, and different indexes within a trial */
    assert_true(cs_rng_uniform(keys[0], 12, 0) != cs_rng_uniform(keys[0], 13, 0));
    for (int i = 1; i < 8; i++)
        assert_true(u[0][i] != u[0][i - 1]);
}

static void test_uniforms_match_uniform(void **state)
{
    (void)state;
    cs_rng_key key = cs_rng_key_make(SEED, "fx", "AUD");
    double out[23];
    for (size_t n = 0; n <= 23; n++) {
        /* sentinels past n must be left alone */
        for (size_t i = 0; i < 23; i++)
            out[i] = -1.0;
        cs_rng_uniforms(key, 99, out, n);
        for (size_t i = 0; i < 23; i++) {
            if (i < n)
                assert_close(out[i], cs_rng_uniform(key, 99, (uint32_t)i), 0);
            else
                assert_close(out[i], -1.0, 0);
        }
    }
    /* large trial numbers and indexes are fine */
    double big[6];
    cs_rng_uniforms(key, UINT64_C(999999999), big, 6);
    assert_close(big[5], cs_rng_uniform(key, UINT64_C(999999999), 5), 0);
    double u = cs_rng_uniform(key, UINT64_MAX, UINT32_MAX);
    assert_true(u > 0.0 && u < 1.0);
    /* cs_rng_lanes: number i of four consecutive trials from one call */
    for (uint64_t q = 0; q < 40; q += 13)
        for (uint32_t i = 0; i < 70; i += 23) {
            double l[4];
            cs_rng_lanes(key, q, i, l);
            for (int lane = 0; lane < 4; lane++)
                assert_true(l[lane] == cs_rng_uniform(key, 4 * q + (uint64_t)lane, i));
            assert_true(l[0] != l[1] && l[1] != l[2] && l[2] != l[3]);
        }
}

/* N uniforms spread over trials and indexes (8 per trial). */
enum { N = 200000, PER_TRIAL = 8 };
static double sample[N];

static void fill_sample(const char *id)
{
    cs_rng_key key = cs_rng_key_make(SEED, "element", id);
    for (size_t j = 0; j < N / PER_TRIAL; j++)
        cs_rng_uniforms(key, j, sample + j * PER_TRIAL, PER_TRIAL);
}

static void test_range_and_mean(void **state)
{
    (void)state;
    fill_sample("range");
    double s = 0.0, lo = 1.0, hi = 0.0;
    for (size_t i = 0; i < N; i++) {
        double u = sample[i];
        s += u;
        lo = fmin(lo, u);
        hi = fmax(hi, u);
        /* on the grid (k + 0.5) / 2^52, so strictly inside (0, 1) */
        double k = u * 4503599627370496.0 - 0.5;
        assert_close(k, floor(k), 0);
    }
    assert_true(lo > 0.0 && hi < 1.0);
    assert_true(lo < 1e-4 && hi > 1 - 1e-4);
    double se = sqrt(1.0 / 12.0 / N);
    assert_true(fabs(s / N - 0.5) < 4.0 * se);
}

static void test_chi_square(void **state)
{
    (void)state;
    fill_sample("chi");
    enum { BINS = 100 };
    double count[BINS] = {0};
    for (size_t i = 0; i < N; i++)
        count[(int)(sample[i] * BINS)] += 1.0;
    double e = (double)N / BINS, chi2 = 0.0;
    for (int b = 0; b < BINS; b++)
        chi2 += (count[b] - e) * (count[b] - e) / e;
    /* chi-square with 99 degrees of freedom: mean 99, sd sqrt(198) */
    double sd = sqrt(2.0 * (BINS - 1));
    assert_true(chi2 < (BINS - 1) + 4.0 * sd);
    assert_true(chi2 > (BINS - 1) - 4.0 * sd); /* not suspiciously even */
}

static double correlation(const double *x, const double *y, size_t n)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        syy += y[i] * y[i];
        sxy += x[i] * y[i];
    }
    double cxy = sxy - sx * sy / n, cxx = sxx - sx * sx / n, cyy = syy - sy * sy / n;
    return cxy / sqrt(cxx * cyy);
}

static void test_lag_and_cross_correlation(void **state)
{
    (void)state;
    const double bound = 4.0 / sqrt((double)N);
    /* lag 1 along the sequence (within and across trials) */
    fill_sample("lag");
    assert_true(fabs(correlation(sample, sample + 1, N - 1)) < bound);
    /* the same index in consecutive trials */
    static double by_trial[N / PER_TRIAL];
    for (size_t j = 0; j < N / PER_TRIAL; j++)
        by_trial[j] = sample[j * PER_TRIAL + 3];
    assert_true(fabs(correlation(by_trial, by_trial + 1, N / PER_TRIAL - 1)) <
                4.0 / sqrt((double)(N / PER_TRIAL)));
    /* two ids, same trial and index: independent inputs */
    static double other[N];
    memcpy(other, sample, sizeof other);
    fill_sample("lah");
    assert_true(fabs(correlation(sample, other, N)) < bound);
    /* seeds s and s + 2^32 */
    cs_rng_key a = cs_rng_key_make(7, "element", "x");
    cs_rng_key b = cs_rng_key_make(7 + (UINT64_C(1) << 32), "element", "x");
    for (size_t j = 0; j < N / PER_TRIAL; j++) {
        cs_rng_uniforms(a, j, sample + j * PER_TRIAL, PER_TRIAL);
        cs_rng_uniforms(b, j, other + j * PER_TRIAL, PER_TRIAL);
    }
    assert_true(fabs(correlation(sample, other, N)) < bound);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_known_answer),
        cmocka_unit_test(test_stream_construction),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_streams_differ),
        cmocka_unit_test(test_uniforms_match_uniform),
        cmocka_unit_test(test_range_and_mean),
        cmocka_unit_test(test_chi_square),
        cmocka_unit_test(test_lag_and_cross_correlation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
