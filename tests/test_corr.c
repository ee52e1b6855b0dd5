/* test_corr: Spearman <-> normal conversion, smallest eigenvalues of
 * matrices with known spectra, Higham's nearest correlation matrix (his
 * published example, symmetry, and the optimality condition of a
 * projection onto a convex set) and the singular-tolerant Cholesky. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "costsim.h"
#include "corr.h"
#include "testutil.h"

static void equicorrelation(double *R, size_t n, double rho)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            R[i * n + j] = i == j ? 1.0 : rho;
}

static void test_spearman_normal(void **state)
{
    (void)state;
    assert_close(cs_corr_spearman_to_normal(0.385), 0.40044600804168934, 1e-15);
    assert_close(cs_corr_spearman_to_normal(-0.385), -0.40044600804168934, 1e-15);
    assert_close(cs_corr_spearman_to_normal(0.5), 2.0 * sin(3.14159265358979323846 / 12.0), 1e-15);
    assert_close(cs_corr_spearman_to_normal(1.0), 1.0, 2e-16);
    assert_close(cs_corr_spearman_to_normal(0.0), 0.0, 0);
    assert_close(cs_corr_normal_to_spearman(0.40044600804168934), 0.385, 1e-15);
    /* exactly +-1 at the ends, never beyond */
    assert_close(cs_corr_normal_to_spearman(1.0), 1.0, 0);
    assert_close(cs_corr_normal_to_spearman(-1.0), -1.0, 0);
    /* slightly beyond 1 by rounding: clamped, not NaN */
    assert_close(cs_corr_normal_to_spearman(1.0 + 1e-15), 1.0, 1e-15);
    assert_close(cs_corr_normal_to_spearman(-2.5), -1.0, 1e-15);
    for (int i = -100; i <= 100; i++) {
        double rho = i / 100.0 * 0.9987;
        assert_close(cs_corr_normal_to_spearman(cs_corr_spearman_to_normal(rho)), rho, 2e-15);
        /* the copula correlation is a little larger in magnitude */
        if (i > 0 && i < 100)
            assert_true(cs_corr_spearman_to_normal(rho) > rho);
    }
}

static void test_min_eigen_known(void **state)
{
    (void)state;
    /* equicorrelation rho: eigenvalues 1 + 2 rho, 1 - rho, 1 - rho */
    double R[9], v[3], lambda = 0;
    equicorrelation(R, 3, 0.385);
    assert_int_equal(cs_corr_min_eigen(R, 3, &lambda, v), 0);
    assert_close(lambda, 0.615, 1e-14);
    /* R v = lambda v, |v| = 1, v orthogonal to (1, 1, 1) */
    for (int i = 0; i < 3; i++) {
        double rv = R[i * 3] * v[0] + R[i * 3 + 1] * v[1] + R[i * 3 + 2] * v[2];
        assert_close(rv, lambda * v[i], 1e-14);
    }
    assert_close(v[0] * v[0] + v[1] * v[1] + v[2] * v[2], 1.0, 1e-14);
    assert_close(v[0] + v[1] + v[2], 0.0, 1e-14);

    equicorrelation(R, 3, -0.385);
    assert_int_equal(cs_corr_min_eigen(R, 3, &lambda, v), 0);
    assert_close(lambda, 0.23, 1e-14);
    assert_close(fabs(v[0]), 1.0 / sqrt(3.0), 1e-14);
    assert_close(v[0], v[2], 1e-14);
    /* without the eigenvector */
    assert_int_equal(cs_corr_min_eigen(R, 3, &lambda, NULL), 0);
    assert_close(lambda, 0.23, 1e-14);

    /* the non-PSD example: det < 0 */
    double B[9] = {1, .9, .1, .9, 1, .9, .1, .9, 1};
    assert_int_equal(cs_corr_min_eigen(B, 3, &lambda, NULL), 0);
    /* eigenvalues of this matrix: 0.9 and 1.05 -/+ sqrt(0.0025 + 1.62) */
    assert_close(lambda, 1.05 - sqrt(0.0025 + 1.62), 1e-14);
    /* input untouched */
    assert_close(B[1], 0.9, 0);

    double one = 2.385;
    assert_int_equal(cs_corr_min_eigen(&one, 1, &lambda, v), 0);
    assert_close(lambda, 2.385, 0);
    assert_close(fabs(v[0]), 1.0, 0);
    assert_int_equal(cs_corr_min_eigen(&one, 0, &lambda, NULL), -1);
}

/* <A - X, Z - X> for the Frobenius inner product. */
static double inner(const double *A, const double *X, const double *Z, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n * n; i++)
        s += (A[i] - X[i]) * (Z[i] - X[i]);
    return s;
}

/* A random correlation matrix: the normalised Gram matrix of n random
 * vectors in dimension k (rank k: singular when k < n). */
static void random_correlation(gsl_rng *g, double *Z, size_t n, size_t k)
{
    double v[8][8];
    for (size_t i = 0; i < n; i++) {
        double norm = 0.0;
        for (size_t d = 0; d < k; d++) {
            v[i][d] = gsl_rng_uniform(g) - 0.5;
            norm += v[i][d] * v[i][d];
        }
        for (size_t d = 0; d < k; d++)
            v[i][d] /= sqrt(norm);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t d = 0; d < k; d++)
                s += v[i][d] * v[j][d];
            Z[i * n + j] = i == j ? 1.0 : s;
        }
}

/* X is the projection of A onto the convex set of correlation matrices
 * iff <A - X, Z - X> <= 0 for every correlation matrix Z. */
static void check_nearest(const double *A, const double *X, size_t n)
{
    double lambda;
    for (size_t i = 0; i < n; i++) {
        assert_close(X[i * n + i], 1.0, 0);
        for (size_t j = 0; j < n; j++)
            assert_close(X[i * n + j], X[j * n + i], 0);
    }
    assert_int_equal(cs_corr_min_eigen(X, n, &lambda, NULL), 0);
    assert_true(lambda >= -1e-10);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 2385);
    double Z[64];
    double fx = 0.0;
    for (size_t i = 0; i < n * n; i++)
        fx += (A[i] - X[i]) * (A[i] - X[i]);
    for (int t = 0; t < 300; t++) {
        random_correlation(g, Z, n, 1 + (size_t)t % n);
        assert_true(inner(A, X, Z, n) <= 1e-9);
        /* and no Z is nearer */
        double fz = 0.0;
        for (size_t i = 0; i < n * n; i++)
            fz += (A[i] - Z[i]) * (A[i] - Z[i]);
        assert_true(fz >= fx - 1e-12);
    }
    gsl_rng_free(g);
}

static void test_nearest_3x3(void **state)
{
    (void)state;
    const double A[9] = {1, .9, .1, .9, 1, .9, .1, .9, 1};
    double X[9];
    assert_int_equal(cs_corr_nearest(A, 3, X), 0);
    check_nearest(A, X, 3);
    /* A is symmetric under reversing the order; so is its projection */
    assert_close(X[1], X[5], 1e-12);
    assert_true(X[1] < 0.9 && X[2] > 0.1);
    /* regression values (this code, 30+ iterations; optimality checked
     * above, which is what makes them right) */
    assert_close(X[1], 0.769639345086573, 1e-9);
    assert_close(X[2], 0.184689443012763, 1e-9);
    /* the result is singular (on the boundary of the PSD cone) */
    double lambda;
    cs_corr_min_eigen(X, 3, &lambda, NULL);
    assert_true(lambda < 1e-9);
    /* a valid matrix is its own nearest: projecting X again changes little */
    double X2[9];
    assert_int_equal(cs_corr_nearest(X, 3, X2), 0);
    for (int i = 0; i < 9; i++)
        assert_close(X2[i], X[i], 1e-10);
}

static void test_nearest_higham_example(void **state)
{
    (void)state;
    /* Higham (2002), IMA J. Numer. Anal. 22, §5: A = tridiag(-1, 2, -1),
     * nearest correlation matrix (4 digits as published). */
    const double A[16] = {2, -1, 0, 0, -1, 2, -1, 0, 0, -1, 2, -1, 0, 0, -1, 2};
    double X[16];
    assert_int_equal(cs_corr_nearest(A, 4, X), 0);
    assert_close(X[0 * 4 + 1], -0.8084, 5e-5);
    assert_close(X[0 * 4 + 2], 0.1916, 5e-5);
    assert_close(X[0 * 4 + 3], 0.1068, 5e-5);
    assert_close(X[1 * 4 + 2], -0.6562, 5e-5);
    assert_close(X[1 * 4 + 3], 0.1916, 5e-5);
    assert_close(X[2 * 4 + 3], -0.8084, 5e-5);
    check_nearest(A, X, 4);
}

static void test_nearest_more(void **state)
{
    (void)state;
    /* equicorrelation below -1/(n-1): by symmetry the nearest is the
     * equicorrelation -1/(n-1) (singular) */
    double R[49], X[49];
    equicorrelation(R, 7, -0.385);
    assert_int_equal(cs_corr_nearest(R, 7, X), 0);
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++)
            assert_close(X[i * 7 + j], i == j ? 1.0 : -1.0 / 6.0, 1e-10);
    check_nearest(R, X, 7);

    /* a valid matrix comes back (nearly) unchanged, in place */
    equicorrelation(R, 4, 0.385);
    R[1] = R[4] = -0.2175;
    double copy[16];
    memcpy(copy, R, sizeof copy);
    assert_int_equal(cs_corr_nearest(R, 4, R), 0);
    for (int i = 0; i < 16; i++)
        assert_close(R[i], copy[i], 1e-11);

    /* a non-symmetric input is symmetrised first; off-range entries */
    double S[9] = {1, 1.3, -0.4, 0.7, 1, 0.2, -0.4, 0.2, 1};
    double want_input[9] = {1, 1.0, -0.4, 1.0, 1, 0.2, -0.4, 0.2, 1};
    assert_int_equal(cs_corr_nearest(S, 3, X), 0);
    check_nearest(want_input, X, 3);

    double d = 2.385;
    assert_int_equal(cs_corr_nearest(&d, 1, &d), 0);
    assert_close(d, 1.0, 0);
    assert_int_equal(cs_corr_nearest(NULL, 0, NULL), 0);
}

static void check_factor(const double *R, const double *L, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (j > i)
                assert_close(L[i * n + j], 0.0, 0);
            double s = 0.0;
            for (size_t k = 0; k < n; k++)
                s += L[i * n + k] * L[j * n + k];
            assert_close(s, R[i * n + j], tol);
        }
}

static void test_cholesky(void **state)
{
    (void)state;
    /* positive definite: known factor */
    const double R[9] = {1, 0.385, -0.2175, 0.385, 1, 0.6, -0.2175, 0.6, 1};
    double L[9];
    assert_int_equal(cs_corr_cholesky(R, 3, L), 0);
    assert_close(L[0], 1.0, 0);
    assert_close(L[3], 0.385, 1e-16);
    assert_close(L[4], sqrt(1 - 0.385 * 0.385), 1e-15);
    check_factor(R, L, 3, 1e-15);

    /* a Spearman 1 pair: singular, accepted, column 2 zero */
    double r1 = cs_corr_spearman_to_normal(1.0);
    double c = cs_corr_spearman_to_normal(0.385);
    const double S[9] = {1, r1, c, r1, 1, c, c, c, 1};
    assert_int_equal(cs_corr_cholesky(S, 3, L), 0);
    assert_close(L[4], 0.0, 0);
    assert_close(L[7], 0.0, 0);
    check_factor(S, L, 3, 1e-12);

    /* the nearest correlation matrix (singular) factors */
    const double A[9] = {1, .9, .1, .9, 1, .9, .1, .9, 1};
    double X[9];
    assert_int_equal(cs_corr_nearest(A, 3, X), 0);
    assert_int_equal(cs_corr_cholesky(X, 3, L), 0);
    check_factor(X, L, 3, 1e-8);

    /* not PSD */
    assert_int_equal(cs_corr_cholesky(A, 3, L), -1);
    /* a correlation 1 pair whose partners disagree: the zero pivot's column
     * is not zero, and the last pivot alone would look fine */
    const double bad[9] = {1, 1, 0.5, 1, 1, 0, 0.5, 0, 1};
    assert_int_equal(cs_corr_cholesky(bad, 3, L), -1);
    const double negdiag[4] = {-0.385, 0, 0, 1};
    assert_int_equal(cs_corr_cholesky(negdiag, 2, L), -1);
    const double nan_m[4] = {1, NAN, NAN, 1};
    assert_int_equal(cs_corr_cholesky(nan_m, 2, L), -1);

    /* equicorrelation -1/2 - e: lambda_min = -2e; within 1e-10 accepted,
     * beyond refused */
    double E[9];
    equicorrelation(E, 3, -0.5 - 1e-13);
    assert_int_equal(cs_corr_cholesky(E, 3, L), 0);
    check_factor(E, L, 3, 1e-12);
    equicorrelation(E, 3, -0.5 - 1e-9);
    assert_int_equal(cs_corr_cholesky(E, 3, L), -1);

    assert_int_equal(cs_corr_cholesky(NULL, 0, NULL), 0);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spearman_normal),
        cmocka_unit_test(test_min_eigen_known),
        cmocka_unit_test(test_nearest_3x3),
        cmocka_unit_test(test_nearest_higham_example),
        cmocka_unit_test(test_nearest_more),
        cmocka_unit_test(test_cholesky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
