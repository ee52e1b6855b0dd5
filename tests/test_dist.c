/* test_dist: the six distributions of docs/FORMAT.md, distributions —
 * validation messages and every error path of cs_dist_prepare, point
 * estimates, quantiles against closed forms and GSL, exact moments, sampled
 * moments (fixed seed, 4 standard errors) and the fast beta inverse against
 * gsl_cdf_beta_Pinv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "costsim.h"
#include "dist.h"
#include "rng.h"
#include "testutil.h"

static cs_dist make(cs_dist_kind kind, const double *low, const double *likely,
                    const double *high)
{
    cs_dist d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    d.has_low = low != NULL;
    d.has_likely = likely != NULL;
    d.has_high = high != NULL;
    d.low = low ? *low : 0.0;
    d.likely = likely ? *likely : 0.0;
    d.high = high ? *high : 0.0;
    return d;
}

/* A prepared distribution; fails the test if prepare refuses it. */
static cs_dist ready(cs_dist_kind kind, const double *low, const double *likely,
                     const double *high)
{
    cs_dist d = make(kind, low, likely, high);
    cs_dist_param param;
    char why[256] = "";
    if (cs_dist_prepare(&d, &param, why, sizeof why) != 0)
        fail_msg("prepare refused a valid %s: %s", cs_dist_kind_name(kind), why);
    return d;
}

/* Expects prepare to refuse, pointing at `param` with a message that
 * contains `part`. */
static void expect_refused(cs_dist d, cs_dist_param param, const char *part)
{
    cs_dist_param got = (cs_dist_param)-1;
    char why[256] = "";
    assert_int_equal(cs_dist_prepare(&d, &got, why, sizeof why), -1);
    assert_int_equal(got, param);
    if (!strstr(why, part))
        fail_msg("message \"%s\" lacks \"%s\"", why, part);
    /* Every message has the form "what is wrong; what is allowed". */
    assert_non_null(strstr(why, "; "));
}

static const double LOW = 2.385, LIKELY = 3.1, HIGH = 7.9;

static void test_kind_names(void **state)
{
    (void)state;
    const char *names[] = {"fixed", "uniform", "triangular", "pert", "normal", "lognormal"};
    for (int i = 0; i < 6; i++) {
        cs_dist_kind k = CS_DIST_FIXED;
        assert_int_equal(cs_dist_parse_kind(names[i], &k), 0);
        assert_int_equal(k, (cs_dist_kind)i);
        assert_string_equal(cs_dist_kind_name(k), names[i]);
        assert_non_null(strstr(cs_dist_kind_list(), names[i]));
    }
    cs_dist_kind k = CS_DIST_NORMAL;
    assert_int_equal(cs_dist_parse_kind("Pert", &k), -1);
    assert_int_equal(cs_dist_parse_kind("beta", &k), -1);
    assert_int_equal(cs_dist_parse_kind("", &k), -1);
    assert_int_equal(cs_dist_parse_kind(" fixed", &k), -1);
    assert_int_equal(cs_dist_parse_kind(NULL, &k), -1);
    assert_int_equal(k, CS_DIST_NORMAL); /* untouched on failure */
    assert_string_equal(cs_dist_kind_name((cs_dist_kind)42), "?");
}

static void test_param_tables(void **state)
{
    (void)state;
    /* required: low likely high, per family (docs/FORMAT.md, distributions) */
    static const bool req[6][3] = {{0, 1, 0}, {1, 0, 1}, {1, 1, 1},
                                   {1, 1, 1}, {1, 0, 1}, {1, 0, 1}};
    static const bool allow[6][3] = {{0, 1, 0}, {1, 1, 1}, {1, 1, 1},
                                     {1, 1, 1}, {1, 1, 1}, {1, 1, 1}};
    for (int k = 0; k < 6; k++)
        for (int p = 0; p < 3; p++) {
            assert_int_equal(cs_dist_param_required((cs_dist_kind)k, (cs_dist_param)p), req[k][p]);
            assert_int_equal(cs_dist_param_allowed((cs_dist_kind)k, (cs_dist_param)p), allow[k][p]);
        }
}

static void test_prepare_missing_and_unused(void **state)
{
    (void)state;
    const double lo = LOW, ml = LIKELY, hi = HIGH;
    expect_refused(make(CS_DIST_FIXED, &lo, &ml, NULL), CS_PARAM_LOW,
                   "low is not used by dist fixed; leave it empty");
    expect_refused(make(CS_DIST_FIXED, NULL, &ml, &hi), CS_PARAM_HIGH,
                   "high is not used by dist fixed; leave it empty");
    expect_refused(make(CS_DIST_FIXED, NULL, NULL, NULL), CS_PARAM_LIKELY,
                   "likely is missing; dist fixed needs likely");
    expect_refused(make(CS_DIST_TRIANGULAR, NULL, &ml, &hi), CS_PARAM_LOW,
                   "low is missing; dist triangular needs low <= likely <= high");
    expect_refused(make(CS_DIST_PERT, &lo, NULL, &hi), CS_PARAM_LIKELY,
                   "likely is missing; dist pert");
    expect_refused(make(CS_DIST_PERT, &lo, &ml, NULL), CS_PARAM_HIGH, "high is missing");
    expect_refused(make(CS_DIST_UNIFORM, &lo, NULL, NULL), CS_PARAM_HIGH,
                   "high is missing; dist uniform needs low < high");
    expect_refused(make(CS_DIST_NORMAL, NULL, &ml, &hi), CS_PARAM_LOW,
                   "low is missing; dist normal needs low < high (P10 and P90");
    expect_refused(make(CS_DIST_LOGNORMAL, &lo, NULL, NULL), CS_PARAM_HIGH,
                   "high is missing; dist lognormal needs 0 < low < high");
    cs_dist unknown = make((cs_dist_kind)17, &lo, &ml, &hi);
    expect_refused(unknown, CS_PARAM_LIKELY, "dist is one of fixed");
}

static void test_prepare_ordering(void **state)
{
    (void)state;
    const double lo = LOW, ml = LIKELY, hi = HIGH;
    const double below = 1.75, above = 8.125, zero = 0.0, neg = -0.5;
    const cs_dist_kind bounded[] = {CS_DIST_UNIFORM, CS_DIST_TRIANGULAR, CS_DIST_PERT};
    for (int i = 0; i < 3; i++) {
        cs_dist_kind k = bounded[i];
        expect_refused(make(k, &hi, &ml, &lo), CS_PARAM_HIGH, "high 2.385 is not above low 7.9");
        expect_refused(make(k, &lo, &lo, &lo), CS_PARAM_HIGH, "low < high");
        expect_refused(make(k, &lo, &below, &hi), CS_PARAM_LIKELY,
                       "likely 1.75 is below low 2.385");
        expect_refused(make(k, &lo, &above, &hi), CS_PARAM_LIKELY,
                       "likely 8.125 is above high 7.9");
        /* likely at either end is allowed */
        ready(k, &lo, &lo, &hi);
        ready(k, &lo, &hi, &hi);
    }
    expect_refused(make(CS_DIST_NORMAL, &hi, NULL, &lo), CS_PARAM_HIGH,
                   "high 2.385 is not above low 7.9; dist normal needs low < high");
    expect_refused(make(CS_DIST_NORMAL, &lo, NULL, &lo), CS_PARAM_HIGH, "not above");
    expect_refused(make(CS_DIST_LOGNORMAL, &zero, NULL, &hi), CS_PARAM_LOW,
                   "low 0 is not positive; dist lognormal needs 0 < low < high");
    expect_refused(make(CS_DIST_LOGNORMAL, &neg, NULL, &hi), CS_PARAM_LOW, "low -0.5 is not positive");
    expect_refused(make(CS_DIST_LOGNORMAL, &hi, NULL, &lo), CS_PARAM_HIGH, "not above low");
    expect_refused(make(CS_DIST_LOGNORMAL, &lo, &neg, &hi), CS_PARAM_LIKELY,
                   "likely -0.5 is not positive");
    /* normal and lognormal: likely is only the point estimate, anywhere */
    cs_dist n = ready(CS_DIST_NORMAL, &lo, &above, &hi);
    assert_close(cs_dist_point(&n), above, 0);
    cs_dist ln = ready(CS_DIST_LOGNORMAL, &lo, &below, &hi);
    assert_close(cs_dist_point(&ln), below, 0);
    /* normal allows negative P10 and P90 (credits) */
    const double m1 = -7.9, m2 = -2.385;
    ready(CS_DIST_NORMAL, &m1, NULL, &m2);
}

static void test_prepare_null_outputs(void **state)
{
    (void)state;
    const double lo = LOW, hi = HIGH;
    cs_dist d = make(CS_DIST_UNIFORM, &hi, NULL, &lo);
    assert_int_equal(cs_dist_prepare(&d, NULL, NULL, 0), -1);
    /* a short buffer is truncated but terminated */
    char why[12];
    memset(why, 'x', sizeof why);
    cs_dist_param p;
    assert_int_equal(cs_dist_prepare(&d, &p, why, sizeof why), -1);
    assert_int_equal(strlen(why), sizeof why - 1);
    d = make(CS_DIST_FIXED, &lo, NULL, NULL);
    assert_int_equal(cs_dist_prepare(&d, NULL, why, sizeof why), -1);
}

static void test_derived_and_point(void **state)
{
    (void)state;
    const double lo = LOW, ml = LIKELY, hi = HIGH, nlo = -2.385;
    cs_dist f = ready(CS_DIST_FIXED, NULL, &ml, NULL);
    assert_true(cs_dist_is_fixed(&f));
    assert_close(cs_dist_point(&f), 3.1, 0);

    cs_dist u = ready(CS_DIST_UNIFORM, &lo, NULL, &hi);
    assert_false(cs_dist_is_fixed(&u));
    assert_close(cs_dist_point(&u), 5.1425, 1e-15);
    cs_dist u2 = ready(CS_DIST_UNIFORM, &lo, &ml, &hi);
    assert_close(cs_dist_point(&u2), 3.1, 0);

    cs_dist t = ready(CS_DIST_TRIANGULAR, &lo, &ml, &hi);
    assert_close(t.mode_cdf, 0.715 / 5.515, 1e-15);
    assert_close(cs_dist_point(&t), 3.1, 0);

    cs_dist p = ready(CS_DIST_PERT, &lo, &ml, &hi);
    assert_close(p.alpha, 1.5185856754306437, 1e-14);
    assert_close(p.beta, 4.481414324569356, 1e-14);
    assert_close(p.alpha + p.beta, 6.0, 1e-14); /* lambda = 4 */

    cs_dist n = ready(CS_DIST_NORMAL, &nlo, NULL, &hi);
    assert_close(n.mu, 2.7575, 1e-15);
    assert_close(n.sigma, 4.01271407117721, 1e-13);
    assert_close(cs_dist_point(&n), 2.7575, 1e-15);

    /* lognormal: e^mu is the geometric mean of P10 and P90 */
    cs_dist ln = ready(CS_DIST_LOGNORMAL, &lo, NULL, &hi);
    assert_close(cs_dist_point(&ln), 4.340679670282063, 1e-14);
    assert_close(ln.sigma * 2.0 * CS_Z90, log(7.9 / 2.385), 1e-15);
}

/* Triangular CDF, written independently of the quantile. */
static double tri_cdf(double a, double c, double b, double x)
{
    if (x <= c)
        return (x - a) * (x - a) / ((b - a) * (c - a));
    return 1.0 - (b - x) * (b - x) / ((b - a) * (b - c));
}

static void test_quantiles_known(void **state)
{
    (void)state;
    const double lo = LOW, ml = LIKELY, hi = HIGH, nlo = -2.385;

    cs_dist f = ready(CS_DIST_FIXED, NULL, &ml, NULL);
    assert_close(cs_dist_quantile(&f, 0.0), 3.1, 0);
    assert_close(cs_dist_quantile(&f, 0.73), 3.1, 0);
    assert_close(cs_dist_quantile(&f, 1.5), 3.1, 0);

    cs_dist u = ready(CS_DIST_UNIFORM, &lo, NULL, &hi);
    assert_close(cs_dist_quantile(&u, 0.3), 4.0395, 1e-14);

    cs_dist t = ready(CS_DIST_TRIANGULAR, &lo, &ml, &hi);
    assert_close(cs_dist_quantile(&t, t.mode_cdf), 3.1, 1e-14);
    for (int i = 1; i < 200; i++) {
        double p = i / 200.0 - 0.00137;
        assert_close(tri_cdf(lo, ml, hi, cs_dist_quantile(&t, p)), p, 1e-14);
    }

    /* normal and lognormal: P10 and P90 come back (docs/FORMAT.md,
     * distributions) */
    cs_dist n = ready(CS_DIST_NORMAL, &nlo, NULL, &hi);
    assert_close(cs_dist_quantile(&n, 0.1), -2.385, 1e-12);
    assert_close(cs_dist_quantile(&n, 0.9), 7.9, 1e-12);
    assert_close(cs_dist_quantile(&n, 0.5), 2.7575, 1e-12);
    cs_dist ln = ready(CS_DIST_LOGNORMAL, &lo, NULL, &hi);
    assert_close(cs_dist_quantile(&ln, 0.1), 2.385, 1e-12);
    assert_close(cs_dist_quantile(&ln, 0.9), 7.9, 1e-12);
    assert_close(cs_dist_quantile(&ln, 0.5), 4.340679670282063, 1e-12);

    /* pert is low + (high - low) Beta(alpha, beta) */
    cs_dist p = ready(CS_DIST_PERT, &lo, &ml, &hi);
    for (int i = 1; i < 50; i++) {
        double q = i / 50.0 + 0.00385;
        double want = lo + (hi - lo) * gsl_cdf_beta_Pinv(q, p.alpha, p.beta);
        assert_close(cs_dist_quantile(&p, q), want, 1e-12 * want);
    }
    /* likely at low: Beta(1, 5), x = 1 - (1 - u)^(1/5) */
    cs_dist p1 = ready(CS_DIST_PERT, &lo, &lo, &hi);
    assert_close(cs_dist_quantile(&p1, 0.385),
                 lo + (hi - lo) * (1.0 - pow(1.0 - 0.385, 0.2)), 1e-14);
}

static void test_quantile_clamp_and_order(void **state)
{
    (void)state;
    const double lo = LOW, ml = LIKELY, hi = HIGH;
    cs_dist all[5];
    all[0] = ready(CS_DIST_UNIFORM, &lo, NULL, &hi);
    all[1] = ready(CS_DIST_TRIANGULAR, &lo, &ml, &hi);
    all[2] = ready(CS_DIST_PERT, &lo, &ml, &hi);
    all[3] = ready(CS_DIST_NORMAL, &lo, NULL, &hi);
    all[4] = ready(CS_DIST_LOGNORMAL, &lo, NULL, &hi);
    for (int k = 0; k < 5; k++) {
        const cs_dist *d = &all[k];
        double q0 = cs_dist_quantile(d, 0.0), q1 = cs_dist_quantile(d, 1.0);
        assert_true(isfinite(q0) && isfinite(q1));
        assert_close(cs_dist_quantile(d, -3.0), q0, 0);
        assert_close(cs_dist_quantile(d, 2.0), q1, 0);
        assert_close(cs_dist_quantile(d, 0x1p-53), q0, 0);
        assert_close(cs_dist_quantile(d, NAN), q0, 0);
        assert_true(q0 < cs_dist_quantile(d, 1e-9));
        assert_true(q1 > cs_dist_quantile(d, 1 - 1e-9));
        if (k < 3) { /* bounded families stay inside [low, high] */
            assert_true(q0 >= lo && q1 <= hi);
        }
        double prev = q0;
        for (int i = 1; i < 1000; i++) {
            double x = cs_dist_quantile(d, i / 1000.0);
            assert_true(x >= prev);
            prev = x;
        }
    }
    /* the normal tail at the clamp: z(2^-53) is about -8.21 */
    assert_true(cs_dist_quantile(&all[3], 0.0) < all[3].mu - 8.2 * all[3].sigma);
}

static void test_pert_mirror(void **state)
{
    (void)state;
    /* Mirroring (low, likely, high) -> (-high, -likely, -low) mirrors the
     * quantile: Q'(u) = -Q(1 - u). Exercises both halves of the inverse. */
    const double lo = LOW, ml = LIKELY, hi = HIGH;
    const double mlo = -hi, mml = -ml, mhi = -lo;
    cs_dist p = ready(CS_DIST_PERT, &lo, &ml, &hi);
    cs_dist m = ready(CS_DIST_PERT, &mlo, &mml, &mhi);
    const double us[] = {1e-12, 3.7e-7, 0.0137, 0.385, 0.5, 0.7316, 0.99};
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
        /* u such that 1 - u is exact, as the RNG's uniforms are */
        double u = 1.0 - (1.0 - us[i]);
        double a = cs_dist_quantile(&p, u), b = cs_dist_quantile(&m, 1.0 - u);
        assert_close(a, -b, 1e-13 * fabs(a));
    }
}

static void test_exact_moments(void **state)
{
    (void)state;
    const double lo = LOW, ml = LIKELY, hi = HIGH, nlo = -2.385, one = 1.0;
    cs_dist f = ready(CS_DIST_FIXED, NULL, &ml, NULL);
    assert_close(cs_dist_mean(&f), 3.1, 0);
    assert_close(cs_dist_variance(&f), 0, 0);
    cs_dist u = ready(CS_DIST_UNIFORM, &lo, &ml, &hi);
    assert_close(cs_dist_mean(&u), 5.1425, 1e-14); /* likely is not used */
    assert_close(cs_dist_variance(&u), 2.534602083333334, 1e-14);
    cs_dist t = ready(CS_DIST_TRIANGULAR, &one, &lo, &hi);
    assert_close(cs_dist_mean(&t), 3.7616666666666667, 1e-14);
    assert_close(cs_dist_variance(&t), 2.2206513888888884, 1e-14);
    cs_dist p = ready(CS_DIST_PERT, &lo, &ml, &hi);
    assert_close(cs_dist_mean(&p), 3.7808333333333337, 1e-14);
    assert_close(cs_dist_variance(&p), 0.8213814484126987, 1e-14);
    cs_dist n = ready(CS_DIST_NORMAL, &nlo, NULL, &hi);
    assert_close(cs_dist_mean(&n), 2.7575, 1e-14);
    assert_close(cs_dist_variance(&n), 4.01271407117721 * 4.01271407117721, 1e-12);
    cs_dist ln = ready(CS_DIST_LOGNORMAL, &lo, NULL, &hi);
    assert_close(cs_dist_mean(&ln), 4.841390690893412, 1e-13);
    assert_close(cs_dist_variance(&ln), 5.719427425943499, 1e-12);

    /* For the bounded families the mean is also the integral of the
     * quantile over (0, 1). Midpoint rule; the pert quantile grows like
     * u^(1/alpha) at 0, so the error is O(h^(1 + 1/alpha)), about 1e-6
     * here, not O(h^2). */
    const cs_dist *bounded[] = {&u, &t, &p};
    for (int k = 0; k < 3; k++) {
        const int m = 20000;
        double s = 0.0, s2 = 0.0;
        for (int i = 0; i < m; i++) {
            double x = cs_dist_quantile(bounded[k], (i + 0.5) / m);
            s += x;
            s2 += x * x;
        }
        double mean = s / m;
        assert_close(mean, cs_dist_mean(bounded[k]), 5e-6);
        assert_close(s2 / m - mean * mean, cs_dist_variance(bounded[k]), 2e-5);
    }
}

/* Draws through the RNG (fixed seed): sample mean within 4 standard errors
 * of the closed form, sample variance within 4 standard errors too (the
 * variance's standard error from the sample fourth central moment). */
static void test_sampled_moments(void **state)
{
    (void)state;
    const double lo = LOW, ml = LIKELY, hi = HIGH, nlo = -2.385, one = 1.0;
    cs_dist ds[5];
    ds[0] = ready(CS_DIST_UNIFORM, &lo, NULL, &hi);
    ds[1] = ready(CS_DIST_TRIANGULAR, &one, &lo, &hi);
    ds[2] = ready(CS_DIST_PERT, &lo, &ml, &hi);
    ds[3] = ready(CS_DIST_NORMAL, &nlo, NULL, &hi);
    ds[4] = ready(CS_DIST_LOGNORMAL, &lo, NULL, &hi);
    enum { N = 40000 };
    static double x[N];
    for (int k = 0; k < 5; k++) {
        cs_rng_key key = cs_rng_key_make(20240607, "element", cs_dist_kind_name(ds[k].kind));
        double s = 0.0;
        for (uint64_t j = 0; j < N; j++) {
            x[j] = cs_dist_quantile(&ds[k], cs_rng_uniform(key, j, 0));
            s += x[j];
        }
        double mean = s / N, m2 = 0.0, m4 = 0.0;
        for (int j = 0; j < N; j++) {
            double d = x[j] - mean;
            m2 += d * d;
            m4 += d * d * d * d;
        }
        m2 /= N;
        m4 /= N;
        double var = cs_dist_variance(&ds[k]);
        assert_close(mean, cs_dist_mean(&ds[k]), 4.0 * sqrt(var / N));
        assert_close(m2, var, 4.0 * sqrt((m4 - m2 * m2) / N));
    }
}

/* cs_dist_beta_inv against GSL on a grid that includes the far tails and the
 * power-law cases a = 1 or b = 1 (PERT with likely at an end). */
static void test_beta_inv_grid(void **state)
{
    (void)state;
    static const double ab[][2] = {{1, 5},       {5, 1},     {5, 5},     {1, 1},
                                   {2.385, 3.615}, {1.0001, 4.9999}, {3, 3},
                                   {4.8, 1.2},   {1.5185856754306437, 4.481414324569356}};
    static const double us[] = {1e-12, 3.7e-10, 1e-6, 0.001, 0.0137, 0.1, 0.385,
                                0.5, 0.6, 0.75, 0.9, 0.999, 1 - 1e-6, 1 - 3.7e-10,
                                1 - 1e-12};
    for (size_t i = 0; i < sizeof ab / sizeof ab[0]; i++) {
        for (size_t j = 0; j < sizeof us / sizeof us[0]; j++) {
            double a = ab[i][0], b = ab[i][1], u = us[j];
            double want = gsl_cdf_beta_Pinv(u, a, b);
            double got = cs_dist_beta_inv(u, a, b);
            /* 1e-12 relative in x and in 1 - x, plus rounding of 1 - y */
            double tol = 1e-12 * fmin(want, 1.0 - want) + 4.0 * DBL_EPSILON * want;
            if (!(fabs(got - want) <= tol))
                fail_msg("beta_inv(%.17g, %g, %g) = %.17g, GSL %.17g", u, a, b, got, want);
        }
    }
    /* closed forms at the power-law ends */
    assert_close(cs_dist_beta_inv(1e-12, 1.0, 5.0), -expm1(log1p(-1e-12) / 5.0), 1e-27);
    assert_close(cs_dist_beta_inv(0.385, 4.0, 1.0), pow(0.385, 0.25), 1e-15);
    assert_close(cs_dist_beta_inv(0.385, 1.0, 1.0), 0.385, 1e-16);
    /* outside (0, 1) */
    assert_close(cs_dist_beta_inv(0.0, 2.385, 3.615), 0.0, 0);
    assert_close(cs_dist_beta_inv(-1.0, 2.385, 3.615), 0.0, 0);
    assert_close(cs_dist_beta_inv(1.0, 2.385, 3.615), 1.0, 0);
    /* round trip in the lower tail: I_x = u to near machine precision */
    double x = cs_dist_beta_inv(2.385e-11, 3.6, 2.4);
    assert_close(gsl_cdf_beta_P(x, 3.6, 2.4), 2.385e-11, 1e-24);
}

/* The quantile table against the exact inverse: within 1e-9 of the range
 * (the stated accuracy is 1e-12) at every interval's midpoint and end in
 * every octave of both halves, for PERT shapes from symmetric to the
 * extremes (likely at low or high), and exactly the same as the exact
 * inverse's symmetry (u -> 1 - u) would give for a mirrored shape. */
static void test_quantile_table(void **state_)
{
    (void)state_;
    const double shapes[][2] = {{1.0, 5.0}, {5.0, 1.0}, {3.0, 3.0}, {1.0, 1.0},
                                {2.385, 3.615}, {1.0001, 4.9999}, {4.2, 1.8}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const double a = shapes[s][0], b = shapes[s][1];
        cs_dist_table *t = cs_dist_table_make(a, b);
        assert_non_null(t);
        double ta, tb;
        cs_dist_table_shape(t, &ta, &tb);
        assert_true(ta == a && tb == b);
        double worst = 0;
        for (int o = 0; o < 52; o++)
            for (int i = 0; i <= 2 * CS_DIST_TABLE_STEPS; i++) {
                double p = ldexp(1.0 + i / (2.0 * CS_DIST_TABLE_STEPS), -o - 2);
                for (int side = 0; side < 2; side++) {
                    double u = side ? 1.0 - p : p;
                    double err = fabs(cs_dist_table_beta(t, u) - cs_dist_beta_inv(u, a, b));
                    if (err > worst)
                        worst = err;
                }
            }
        uint64_t state = 2385;
        for (int k = 0; k < 20000; k++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            double u = ((double)(state >> 12) + 0.5) * 0x1p-52;
            double err = fabs(cs_dist_table_beta(t, u) - cs_dist_beta_inv(u, a, b));
            if (err > worst)
                worst = err;
        }
        if (!(worst <= 1e-9))
            fail_msg("table of Beta(%g, %g): error %.3g of the range", a, b, worst);
        /* clamped like cs_dist_quantile at the ends */
        assert_close(cs_dist_table_beta(t, 0.0), cs_dist_beta_inv(0x1p-53, a, b), 1e-9);
        assert_close(cs_dist_table_beta(t, 1.0), cs_dist_beta_inv(1 - 0x1p-53, a, b), 1e-9);
        cs_dist_table_free(t);
    }
    assert_null(cs_dist_table_make(0.5, 2.0));
    /* cs_dist_draw: the table for PERT, the exact quantile otherwise */
    double lo = 2.0, ml = 3.1, hi = 9.0;
    cs_dist d = ready(CS_DIST_PERT, &lo, &ml, &hi);
    cs_dist_table *t = cs_dist_table_make(d.alpha, d.beta);
    assert_non_null(t);
    for (double u = 0.001; u < 1; u += 0.0137)
        assert_close(cs_dist_draw(&d, t, u), cs_dist_quantile(&d, u), 1e-9 * (hi - lo));
    assert_close(cs_dist_draw(&d, NULL, 0.3), cs_dist_quantile(&d, 0.3), 0);
    cs_dist tr = ready(CS_DIST_TRIANGULAR, &lo, &ml, &hi);
    assert_close(cs_dist_draw(&tr, t, 0.3), cs_dist_quantile(&tr, 0.3), 0);
    cs_dist_table_free(t);
}

/* Phi^-1 against GSL's and through Phi: 1e-15 relative in the body, and
 * Phi(Phi^-1(p)) = p to 1e-12 relative (erfc's own error) down to 1e-300. */
static void test_norm_inv(void **state_)
{
    (void)state_;
    for (int k = 1; k < 2000; k++) {
        double p = k / 2000.0;
        double want = gsl_cdf_ugaussian_Pinv(p);
        assert_close(cs_dist_norm_inv(p), want, 2e-15 * fmax(1.0, fabs(want)));
    }
    for (double p = 1e-300; p < 0.4; p *= 7.3) {
        double z = cs_dist_norm_inv(p);
        assert_close(cs_dist_norm_cdf(z), p, 1e-12 * p);
        if (p > 1e-14) /* 1 - p is p's mirror to about 1e-16 / p relative */
            assert_close(cs_dist_norm_inv(1.0 - p), -z, 1e-15 / p * fabs(z) + 1e-15);
    }
    assert_true(cs_dist_norm_inv(0.0) == -HUGE_VAL);
    assert_true(cs_dist_norm_inv(1.0) == HUGE_VAL);
    assert_true(isnan(cs_dist_norm_inv(1.5)));
    assert_close(cs_dist_norm_inv(0.9), CS_Z90, 1e-15);
    assert_close(cs_dist_norm_cdf(0.0), 0.5, 0);
}

/* The array form gives cs_dist_norm_inv's bits for every p: the central
 * region, both tails, the boundary 0.5 +- 0.425, the ends and values
 * outside (0, 1), at every position of arrays of every length up to 40
 * (the compiler's vector loop and its remainder). */
static void test_norm_inv_array(void **state_)
{
    (void)state_;
    double p[200], z[200];
    size_t n = 0;
    for (int i = 1; i < 150; i++)
        p[n++] = i / 150.0;
    const double special[] = {0.075, 0.925, nextafter(0.075, 0), nextafter(0.925, 1), 1e-300,
                              1 - 1e-16, 5e-324, 0.0, 1.0, -0.5, 1.5, NAN, 0.5, 1e-10, 0.999999};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        p[n++] = special[i];
    for (size_t len = 0; len <= 40; len++)
        for (size_t start = 0; start + len <= n; start += 7) {
            memset(z, 0, sizeof z);
            cs_dist_norm_inv_array(p + start, z, len);
            for (size_t i = 0; i < len; i++) {
                double want = cs_dist_norm_inv(p[start + i]);
                if (isnan(want))
                    assert_true(isnan(z[i]));
                else
                    assert_memory_equal(&z[i], &want, sizeof want);
            }
        }
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_param_tables),
        cmocka_unit_test(test_prepare_missing_and_unused),
        cmocka_unit_test(test_prepare_ordering),
        cmocka_unit_test(test_prepare_null_outputs),
        cmocka_unit_test(test_derived_and_point),
        cmocka_unit_test(test_quantiles_known),
        cmocka_unit_test(test_quantile_clamp_and_order),
        cmocka_unit_test(test_pert_mirror),
        cmocka_unit_test(test_exact_moments),
        cmocka_unit_test(test_sampled_moments),
        cmocka_unit_test(test_beta_inv_grid),
        cmocka_unit_test(test_quantile_table),
        cmocka_unit_test(test_norm_inv),
        cmocka_unit_test(test_norm_inv_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
