/* corr: correlation matrices for the Gaussian copula (docs/FORMAT.md,
 * correlations) and the FX shocks (docs/FORMAT.md, currencies). Row-major n x
 * n arrays of doubles; n may be 1. Uses GSL's symmetric eigensolver. Does not
 * read files or print. */
#ifndef CS_CORR_H
#define CS_CORR_H

#include <stddef.h>

/* Spearman rho -> Pearson correlation of the normal copula: 2 sin(pi rho/6). */
double cs_corr_spearman_to_normal(double rho);
/* The inverse: (6/pi) asin(r/2). */
double cs_corr_normal_to_spearman(double r);

/* Smallest eigenvalue of symmetric R; the eigenvector for it is written to
 * evec (length n) when evec is not NULL. Returns 0, or -1 on failure
 * (out of memory). */
int cs_corr_min_eigen(const double *R, size_t n, double *lambda_min, double *evec);

/* Nearest correlation matrix to symmetric R in the Frobenius norm (Higham
 * 2002, alternating projections with Dykstra's correction, unit diagonal),
 * written to out (may equal R). Result has lambda_min >= -1e-10.
 * Returns 0, or -1 if it did not converge or memory ran out. */
int cs_corr_nearest(const double *R, size_t n, double *out);

/* Lower-triangular L with L L^T = R for a positive semi-definite R
 * (singular allowed, e.g. a pair with correlation 1): a Cholesky that
 * treats pivots below 1e-12 as zero and zeroes their column. Upper part of
 * L is zero. Returns 0, or -1 if R is not PSD within tolerance 1e-10. */
int cs_corr_cholesky(const double *R, size_t n, double *L);

#endif
