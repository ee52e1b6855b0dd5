/* dist: the six input distributions of docs/FORMAT.md, distributions (fixed,
 * uniform, triangular, beta-PERT with lambda = 4, normal and lognormal given
 * by P10/P90).
 *
 * Parameters are validated here (so the loader and tests share the rules);
 * sampling is by inverse CDF, so one uniform drives one draw and a Gaussian
 * copula can correlate any mix of families. Does not read files or print. */
#ifndef CS_DIST_H
#define CS_DIST_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CS_DIST_FIXED,
    CS_DIST_UNIFORM,
    CS_DIST_TRIANGULAR,
    CS_DIST_PERT,
    CS_DIST_NORMAL,
    CS_DIST_LOGNORMAL
} cs_dist_kind;

/* z of the standard normal at 0.9: P10/P90 are mu -/+ Z90 * sigma. */
#define CS_Z90 1.2815515655446004

typedef struct {
    cs_dist_kind kind;
    bool has_low, has_likely, has_high; /* which cells were given */
    double low, likely, high;
    /* Derived by cs_dist_prepare: */
    double mu, sigma;    /* normal, lognormal (of ln x) */
    double alpha, beta;  /* pert */
    double mode_cdf;     /* triangular: F(likely) */
    double log_beta_fn;  /* pert: ln B(alpha, beta), cached for the quantile */
} cs_dist;

/* Parses "fixed", "uniform", ... (exact, lowercase). Returns 0, or -1 when
 * the name is unknown. */
int cs_dist_parse_kind(const char *name, cs_dist_kind *kind);
const char *cs_dist_kind_name(cs_dist_kind kind);
/* "fixed, uniform, triangular, pert, normal, lognormal": for messages. */
const char *cs_dist_kind_list(void);

/* Which of low/likely/high the family requires / allows (docs/FORMAT.md,
 * distributions). */
typedef enum { CS_PARAM_LOW = 0, CS_PARAM_LIKELY = 1, CS_PARAM_HIGH = 2 } cs_dist_param;
bool cs_dist_param_required(cs_dist_kind kind, cs_dist_param p);
bool cs_dist_param_allowed(cs_dist_kind kind, cs_dist_param p);

/* Checks the parameters and fills the derived fields.
 * Returns 0 when valid. Otherwise returns -1, sets *param to the parameter
 * the problem is best pointed at, and writes "what is wrong; what is
 * allowed" into why (e.g. "high 3 is below low 5; need low <= likely <= high
 * and low < high"). Problems checked: a required parameter missing, an
 * unused one given, ordering, P10 < P90, lognormal low > 0. Finite values
 * and magnitudes are the caller's business. */
int cs_dist_prepare(cs_dist *d, cs_dist_param *param, char *why, size_t why_size);

/* True when every draw is the same value (fixed). */
bool cs_dist_is_fixed(const cs_dist *d);

/* The point estimate: likely where given; else the midpoint (uniform),
 * mu (normal), exp(mu) (lognormal). */
double cs_dist_point(const cs_dist *d);

/* The quantile function F^-1(u) for u in (0, 1); u outside is clamped to
 * the open interval. fixed returns likely for any u. */
double cs_dist_quantile(const cs_dist *d, double u);

/* The value a tornado holds d at, for u = 0.1 or 0.9 (its P10 or P90):
 * exactly low or high where those are the P10 and P90 by definition
 * (normal, lognormal), so that a slip held at a P10 of 0.5 rounds to 1 as
 * the 0.5 it is written; otherwise cs_dist_quantile(d, u). */
double cs_dist_hold_value(const cs_dist *d, double u);

/* The quantile of Beta(a, b) for a, b >= 1: x with I_x(a, b) = u, accurate
 * to about 1e-13 relative in x (and in 1 - x) over the whole (0, 1).
 * u <= 0 gives 0, u >= 1 gives 1. A faster stand-in for gsl_cdf_beta_Pinv;
 * the _lnb form takes ln B(a, b) precomputed. Not for a or b below 1. */
double cs_dist_beta_inv(double u, double a, double b);
double cs_dist_beta_inv_lnb(double u, double a, double b, double lnb);

/* The exact mean and variance of the distribution (for tests and docs). */
double cs_dist_mean(const cs_dist *d);
double cs_dist_variance(const cs_dist *d);

/* The standard normal quantile Phi^-1(p) for p in (0, 1): Wichura's AS241
 * (PPND16), about 1e-16 relative over the whole interval; -inf at 0, +inf
 * at 1, NaN outside. A faster stand-in for gsl_cdf_ugaussian_Pinv. */
double cs_dist_norm_inv(double p);

/* z[i] = cs_dist_norm_inv(p[i]) for i < n, bit for bit, faster on arrays
 * (p and z must not overlap). */
void cs_dist_norm_inv_array(const double *p, double *z, size_t n);

/* The standard normal CDF Phi(z) = erfc(-z / sqrt 2) / 2. */
double cs_dist_norm_cdf(double z);

/* ---- Quantile tables ---------------------------------------------------
 * A table of the quantile function of Beta(a, b), a, b >= 1 (the shape of
 * every beta-PERT), for drawing many values fast. Each half of (0, 1) (the
 * upper half through the lower half of Beta(b, a), since 1 - u is exact
 * for the RNG's u) is cut into 52 octaves [2^-o-2, 2^-o-1), o = 0 .. 51,
 * of CS_DIST_TABLE_STEPS equal intervals, indexed straight from the bits
 * of u; each interval holds the quintic Hermite interpolant of the exact
 * quantile (cs_dist_beta_inv) and its first two derivatives at both ends.
 * Error: below 1e-12 of the range for every (a, b) of PERT (tested). About
 * 80 KB and 1 800 exact inversions (under 1 ms) per table. Immutable once
 * made, so threads share it freely. */
#define CS_DIST_TABLE_STEPS 16
typedef struct cs_dist_table cs_dist_table;

/* Builds the table of Beta(a, b). NULL when out of memory or when a or b
 * is below 1. */
cs_dist_table *cs_dist_table_make(double a, double b);
void cs_dist_table_free(cs_dist_table *t);
/* The shape the table was made for. */
void cs_dist_table_shape(const cs_dist_table *t, double *a, double *b);
/* The table's value of the Beta(a, b) quantile at u, u clamped to
 * [2^-53, 1 - 2^-53] like cs_dist_quantile. */
double cs_dist_table_beta(const cs_dist_table *t, double u);

/* cs_dist_quantile(d, u) for drawing: the same value, except that PERT
 * reads table t (made for d's alpha and beta; exact inverse when t is
 * NULL) and normal and lognormal use cs_dist_norm_inv. */
double cs_dist_draw(const cs_dist *d, const cs_dist_table *t, double u);

#endif
