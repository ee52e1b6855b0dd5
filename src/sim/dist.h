/* dist: the six input distributions of SPEC §4 (fixed, uniform, triangular,
 * beta-PERT with lambda = 4, normal and lognormal given by P10/P90).
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

/* Which of low/likely/high the family requires / allows (SPEC §4). */
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

/* The quantile of Beta(a, b) for a, b >= 1: x with I_x(a, b) = u, accurate
 * to about 1e-13 relative in x (and in 1 - x) over the whole (0, 1).
 * u <= 0 gives 0, u >= 1 gives 1. A faster stand-in for gsl_cdf_beta_Pinv;
 * the _lnb form takes ln B(a, b) precomputed. Not for a or b below 1. */
double cs_dist_beta_inv(double u, double a, double b);
double cs_dist_beta_inv_lnb(double u, double a, double b, double lnb);

/* The exact mean and variance of the distribution (for tests and docs). */
double cs_dist_mean(const cs_dist *d);
double cs_dist_variance(const cs_dist *d);

#endif
