/* corr: Spearman <-> normal-copula conversion, the smallest eigenvalue
 * (PSD check), Higham's nearest correlation matrix and a Cholesky factor
 * that accepts singular matrices (docs/FORMAT.md).
 *
 * Matrices are row-major n x n doubles owned by the caller; GSL workspaces
 * are allocated and freed inside each call (these run once per model, not
 * per trial). Deciding what is an error for the user is the loader's job. */
#include "corr.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* M_PI is not in C11; spelled out to double precision. */
static const double pi = 3.14159265358979323846;

/* Pearson's identity for the normal copula: rho_S = (6/pi) asin(r/2)
 * (Kruskal 1958), hence r = 2 sin(pi rho_S / 6). */
double cs_corr_spearman_to_normal(double rho)
{
    return 2.0 * sin(pi * rho / 6.0);
}

double cs_corr_normal_to_spearman(double r)
{
    double h = 0.5 * r;
    if (h > 1.0)
        h = 1.0;
    if (h < -1.0)
        h = -1.0;
    /* Rounding can put asin(1/2) * 6/pi a hair above 1; keep |rho| <= 1. */
    return fmax(-1.0, fmin(1.0, 6.0 / pi * asin(h)));
}

int cs_corr_min_eigen(const double *R, size_t n, double *lambda_min, double *evec)
{
    if (n == 0)
        return -1;
    int status = -1;
    gsl_matrix *a = gsl_matrix_alloc(n, n);
    gsl_vector *eval = gsl_vector_alloc(n);
    gsl_matrix *vecs = evec ? gsl_matrix_alloc(n, n) : NULL;
    gsl_eigen_symm_workspace *ws = evec ? NULL : gsl_eigen_symm_alloc(n);
    gsl_eigen_symmv_workspace *wsv = evec ? gsl_eigen_symmv_alloc(n) : NULL;
    if (!a || !eval || (evec && (!vecs || !wsv)) || (!evec && !ws))
        goto done;

    /* GSL's solvers destroy their input, and read only the lower triangle. */
    memcpy(a->data, R, n * n * sizeof *R);
    if (evec ? gsl_eigen_symmv(a, eval, vecs, wsv) : gsl_eigen_symm(a, eval, ws))
        goto done;
    size_t k = gsl_vector_min_index(eval);
    *lambda_min = gsl_vector_get(eval, k);
    if (evec) {
        for (size_t i = 0; i < n; i++)
            evec[i] = gsl_matrix_get(vecs, i, k);
    }
    status = 0;
done:
    gsl_eigen_symmv_free(wsv);
    gsl_eigen_symm_free(ws);
    gsl_matrix_free(vecs);
    gsl_vector_free(eval);
    gsl_matrix_free(a);
    return status;
}

/* ---- nearest correlation matrix ---- */

typedef struct {
    size_t n;
    gsl_matrix *work, *evec, *scaled;
    gsl_vector *eval;
    gsl_eigen_symmv_workspace *ws;
} psd_projector;

static void projector_free(psd_projector *p)
{
    gsl_eigen_symmv_free(p->ws);
    gsl_vector_free(p->eval);
    gsl_matrix_free(p->scaled);
    gsl_matrix_free(p->evec);
    gsl_matrix_free(p->work);
}

static int projector_alloc(psd_projector *p, size_t n)
{
    p->n = n;
    p->work = gsl_matrix_alloc(n, n);
    p->evec = gsl_matrix_alloc(n, n);
    p->scaled = gsl_matrix_alloc(n, n);
    p->eval = gsl_vector_alloc(n);
    p->ws = gsl_eigen_symmv_alloc(n);
    if (!p->work || !p->evec || !p->scaled || !p->eval || !p->ws) {
        projector_free(p);
        return -1;
    }
    return 0;
}

/* out = Q max(L, 0) Q^T for in = Q L Q^T: the Frobenius-nearest PSD matrix
 * (Higham 1988). Formed as B B^T with B = Q sqrt(max(L, 0)). */
static int project_psd(psd_projector *p, const double *in, double *out)
{
    const size_t n = p->n;
    memcpy(p->work->data, in, n * n * sizeof *in);
    if (gsl_eigen_symmv(p->work, p->eval, p->evec, p->ws))
        return -1;
    for (size_t k = 0; k < n; k++) {
        const double lambda = gsl_vector_get(p->eval, k);
        const double s = lambda > 0.0 ? sqrt(lambda) : 0.0;
        for (size_t i = 0; i < n; i++)
            gsl_matrix_set(p->scaled, i, k, s * gsl_matrix_get(p->evec, i, k));
    }
    gsl_matrix_view o = gsl_matrix_view_array(out, n, n);
    if (gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, p->scaled, p->scaled, 0.0,
                       &o.matrix))
        return -1;
    /* Rounding leaves B B^T a hair off symmetric. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            out[i * n + j] = out[j * n + i] = 0.5 * (out[i * n + j] + out[j * n + i]);
    return 0;
}

static double frob_diff(const double *a, const double *b, size_t nn)
{
    double s = 0.0;
    for (size_t i = 0; i < nn; i++)
        s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

static double frob(const double *a, size_t nn)
{
    double s = 0.0;
    for (size_t i = 0; i < nn; i++)
        s += a[i] * a[i];
    return sqrt(s);
}

/* Iterations stop when X and Y change by less than NEAREST_TOL relative
 * and differ from each other by less than that (Higham 2002, §3). The
 * method converges linearly, so the cap is generous. */
#define NEAREST_TOL 1e-13
#define NEAREST_MAX_ITER 20000

int cs_corr_nearest(const double *R, size_t n, double *out)
{
    if (n == 0)
        return 0;
    const size_t nn = n * n;
    int status = -1;
    psd_projector proj = {0};
    double *buf = malloc(5 * nn * sizeof *buf);
    if (!buf || projector_alloc(&proj, n)) {
        free(buf);
        return -1;
    }
    double *y = buf, *x = buf + nn, *x_prev = buf + 2 * nn, *r = buf + 3 * nn,
           *ds = buf + 4 * nn;

    /* Higham 2002, Algorithm 3.3 with W = I: alternate the projections onto
     * the PSD cone (S) and the unit-diagonal matrices (U); Dykstra's
     * correction ds, applied before the non-affine projection onto S, makes
     * the limit the nearest point of S ∩ U rather than just some point. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            y[i * n + j] = 0.5 * (R[i * n + j] + R[j * n + i]);
    memset(ds, 0, nn * sizeof *ds);
    memset(x, 0, nn * sizeof *x);
    bool converged = false;
    for (int it = 0; it < NEAREST_MAX_ITER && !converged; it++) {
        memcpy(x_prev, x, nn * sizeof *x);
        for (size_t i = 0; i < nn; i++)
            r[i] = y[i] - ds[i];
        if (project_psd(&proj, r, x))
            goto done;
        for (size_t i = 0; i < nn; i++)
            ds[i] = x[i] - r[i];
        double y_change = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                const double v = i == j ? 1.0 : x[i * n + j];
                const double d = v - y[i * n + j];
                y_change += d * d;
                y[i * n + j] = v;
            }
        const double y_norm = frob(y, nn);
        const double x_norm = frob(x, nn);
        /* ||Y - X|| after the unit-diagonal projection is the diagonal gap. */
        double gap = 0.0;
        for (size_t i = 0; i < n; i++)
            gap += (1.0 - x[i * n + i]) * (1.0 - x[i * n + i]);
        converged = it > 0 && frob_diff(x, x_prev, nn) <= NEAREST_TOL * x_norm &&
                    sqrt(y_change) <= NEAREST_TOL * y_norm &&
                    sqrt(gap) <= NEAREST_TOL * y_norm;
    }
    if (!converged)
        goto done;

    /* Finish on the PSD iterate, rescaled to unit diagonal: D^-1/2 X D^-1/2
     * is a congruence, so it stays PSD, and the diagonal becomes exactly 1. */
    for (size_t i = 0; i < n; i++)
        if (!(x[i * n + i] > 0.5))
            goto done; /* cannot happen at convergence; be safe */
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            const double v = x[i * n + j] / sqrt(x[i * n + i] * x[j * n + j]);
            y[i * n + j] = i == j ? 1.0 : v;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            y[i * n + j] = y[j * n + i] = 0.5 * (y[i * n + j] + y[j * n + i]);

    /* Rounding can leave a tiny negative eigenvalue on a singular result.
     * Then shrink towards the identity, (1-t) Y + t I, which lifts every
     * eigenvalue lam to (1-t) lam + t, just enough to reach 1e-12; the
     * diagonal stays 1 and off-diagonals move by a relative t ~ 1e-12. */
    double lambda_min;
    if (cs_corr_min_eigen(y, n, &lambda_min, NULL))
        goto done;
    if (lambda_min < 0.0) {
        const double t = (1e-12 - lambda_min) / (1.0 - lambda_min);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (i != j)
                    y[i * n + j] *= 1.0 - t;
        if (cs_corr_min_eigen(y, n, &lambda_min, NULL) || lambda_min < -1e-10)
            goto done;
    }
    memcpy(out, y, nn * sizeof *out);
    status = 0;
done:
    projector_free(&proj);
    free(buf);
    return status;
}

/* ---- Cholesky for PSD, possibly singular, matrices ---- */

int cs_corr_cholesky(const double *R, size_t n, double *L)
{
    const double zero_pivot = 1e-12, negative_pivot = -1e-10;
    /* A zeroed column drops the remaining Schur complement entries s_ij of
     * that column. For a PSD matrix they obey s_ij^2 <= s_jj s_ii
     * (Cauchy-Schwarz); with the tolerance 1e-10 on eigenvalues allowed for
     * both factors, anything larger means R is not PSD (e.g. a correlation
     * 1 pair whose partners disagree). */
    const double slack = 1e-9;
    if (n == 0)
        return 0;
    memset(L, 0, n * n * sizeof *L);
    for (size_t j = 0; j < n; j++) {
        double pivot = R[j * n + j];
        for (size_t k = 0; k < j; k++)
            pivot -= L[j * n + k] * L[j * n + k];
        if (!(pivot >= negative_pivot))
            return -1; /* also catches NaN */
        if (pivot < zero_pivot) {
            /* Column j stays zero: variable j is a combination of earlier
             * ones. Check the rest of its column is (nearly) zero too. */
            for (size_t i = j + 1; i < n; i++) {
                double s = R[i * n + j], s_ii = R[i * n + i];
                for (size_t k = 0; k < j; k++) {
                    s -= L[i * n + k] * L[j * n + k];
                    s_ii -= L[i * n + k] * L[i * n + k];
                }
                if (s * s > (fmax(pivot, 0.0) + slack) * (fmax(s_ii, 0.0) + slack))
                    return -1;
            }
            continue;
        }
        const double d = sqrt(pivot);
        L[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = R[i * n + j];
            for (size_t k = 0; k < j; k++)
                s -= L[i * n + k] * L[j * n + k];
            L[i * n + j] = s / d;
        }
    }
    return 0;
}
