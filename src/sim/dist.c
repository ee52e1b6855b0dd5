/* dist: validation, point estimates, quantiles and moments of the six input
 * distributions of docs/FORMAT.md, distributions.
 *
 * Sampling is by inverse CDF only; this file draws no random numbers and
 * holds no state. The beta-PERT quantile uses its own inverse of the
 * regularised incomplete beta (cs_dist_beta_inv), about 4x faster than
 * gsl_cdf_beta_Pinv at the same accuracy; it is only meant for the
 * alpha, beta >= 1 that PERT produces. */
#include "dist.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

static const char *const kind_names[] = {
    "fixed", "uniform", "triangular", "pert", "normal", "lognormal"};
#define KIND_COUNT (sizeof kind_names / sizeof kind_names[0])

static const char *const param_names[] = {"low", "likely", "high"};

int cs_dist_parse_kind(const char *name, cs_dist_kind *kind)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < KIND_COUNT; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (cs_dist_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *cs_dist_kind_name(cs_dist_kind kind)
{
    if ((size_t)kind >= KIND_COUNT)
        return "?";
    return kind_names[kind];
}

const char *cs_dist_kind_list(void)
{
    return "fixed, uniform, triangular, pert, normal, lognormal";
}

bool cs_dist_param_required(cs_dist_kind kind, cs_dist_param p)
{
    switch (kind) {
    case CS_DIST_FIXED:
        return p == CS_PARAM_LIKELY;
    case CS_DIST_TRIANGULAR:
    case CS_DIST_PERT:
        return true;
    case CS_DIST_UNIFORM:
    case CS_DIST_NORMAL:
    case CS_DIST_LOGNORMAL:
        return p != CS_PARAM_LIKELY;
    }
    return false;
}

bool cs_dist_param_allowed(cs_dist_kind kind, cs_dist_param p)
{
    /* uniform, normal and lognormal may give likely as the point estimate
     * (docs/FORMAT.md, distributions); fixed uses likely alone. */
    if (kind == CS_DIST_FIXED)
        return p == CS_PARAM_LIKELY;
    return true;
}

/* What a family needs, for "what is allowed" in messages. */
static const char *needs_text(cs_dist_kind kind)
{
    switch (kind) {
    case CS_DIST_FIXED:
        return "dist fixed needs likely only";
    case CS_DIST_UNIFORM:
        return "dist uniform needs low < high (likely optional)";
    case CS_DIST_TRIANGULAR:
        return "dist triangular needs low <= likely <= high and low < high";
    case CS_DIST_PERT:
        return "dist pert needs low <= likely <= high and low < high";
    case CS_DIST_NORMAL:
        return "dist normal needs low < high (P10 and P90; likely optional)";
    case CS_DIST_LOGNORMAL:
        return "dist lognormal needs 0 < low < high (P10 and P90; likely optional)";
    }
    return "";
}

/* Points *param at `which` and writes "<what is wrong>; <needs>" to why. */
static int fail(cs_dist_param *param, cs_dist_param which, char *why,
                size_t why_size, const char *needs, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int fail(cs_dist_param *param, cs_dist_param which, char *why,
                size_t why_size, const char *needs, const char *fmt, ...)
{
    if (param)
        *param = which;
    if (why && why_size > 0) {
        char head[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(head, sizeof head, fmt, ap);
        va_end(ap);
        snprintf(why, why_size, "%s; %s", head, needs);
    }
    return -1;
}

int cs_dist_prepare(cs_dist *d, cs_dist_param *param, char *why, size_t why_size)
{
    const bool given[3] = {d->has_low, d->has_likely, d->has_high};
    const char *kname = cs_dist_kind_name(d->kind);

    d->mu = d->sigma = 0.0;
    d->alpha = d->beta = 0.0;
    d->mode_cdf = 0.0;
    d->log_beta_fn = 0.0;

    if ((size_t)d->kind >= KIND_COUNT)
        return fail(param, CS_PARAM_LIKELY, why, why_size,
                    "dist is one of fixed, uniform, triangular, pert, normal, lognormal",
                    "unknown distribution %d", (int)d->kind);

    for (int p = 0; p < 3; p++) {
        if (given[p] && !cs_dist_param_allowed(d->kind, (cs_dist_param)p)) {
            if (param)
                *param = (cs_dist_param)p;
            if (why && why_size > 0)
                snprintf(why, why_size, "%s is not used by dist %s; leave it empty",
                         param_names[p], kname);
            return -1;
        }
    }
    for (int p = 0; p < 3; p++) {
        if (!given[p] && cs_dist_param_required(d->kind, (cs_dist_param)p)) {
            if (param)
                *param = (cs_dist_param)p;
            if (why && why_size > 0)
                snprintf(why, why_size, "%s is missing; %s", param_names[p],
                         needs_text(d->kind));
            return -1;
        }
    }

    const double lo = d->low, ml = d->likely, hi = d->high;
    const char *needs = needs_text(d->kind);
    switch (d->kind) {
    case CS_DIST_FIXED:
        return 0;
    case CS_DIST_LOGNORMAL:
        if (!(lo > 0))
            return fail(param, CS_PARAM_LOW, why, why_size, needs,
                        "low %.15g is not positive", lo);
        if (!(hi > lo))
            return fail(param, CS_PARAM_HIGH, why, why_size, needs,
                        "high %.15g is not above low %.15g", hi, lo);
        if (d->has_likely && !(ml > 0))
            return fail(param, CS_PARAM_LIKELY, why, why_size, needs,
                        "likely %.15g is not positive", ml);
        d->mu = 0.5 * (log(lo) + log(hi));
        d->sigma = (log(hi) - log(lo)) / (2.0 * CS_Z90);
        return 0;
    case CS_DIST_NORMAL:
        if (!(hi > lo))
            return fail(param, CS_PARAM_HIGH, why, why_size, needs,
                        "high %.15g is not above low %.15g", hi, lo);
        d->mu = 0.5 * (lo + hi);
        d->sigma = (hi - lo) / (2.0 * CS_Z90);
        return 0;
    case CS_DIST_UNIFORM:
    case CS_DIST_TRIANGULAR:
    case CS_DIST_PERT:
        if (!(hi > lo))
            return fail(param, CS_PARAM_HIGH, why, why_size, needs,
                        "high %.15g is not above low %.15g", hi, lo);
        if (d->has_likely && !(ml >= lo))
            return fail(param, CS_PARAM_LIKELY, why, why_size, needs,
                        "likely %.15g is below low %.15g", ml, lo);
        if (d->has_likely && !(ml <= hi))
            return fail(param, CS_PARAM_LIKELY, why, why_size, needs,
                        "likely %.15g is above high %.15g", ml, hi);
        break;
    }

    if (d->kind == CS_DIST_TRIANGULAR) {
        d->mode_cdf = (ml - lo) / (hi - lo);
    } else if (d->kind == CS_DIST_PERT) {
        /* beta-PERT with lambda = 4 (docs/FORMAT.md, distributions). */
        d->alpha = 1.0 + 4.0 * (ml - lo) / (hi - lo);
        d->beta = 1.0 + 4.0 * (hi - ml) / (hi - lo);
        d->log_beta_fn = gsl_sf_lnbeta(d->alpha, d->beta);
    }
    return 0;
}

bool cs_dist_is_fixed(const cs_dist *d)
{
    return d->kind == CS_DIST_FIXED;
}

double cs_dist_point(const cs_dist *d)
{
    if (d->has_likely)
        return d->likely;
    switch (d->kind) {
    case CS_DIST_UNIFORM:
        return 0.5 * (d->low + d->high);
    case CS_DIST_NORMAL:
        return d->mu;
    case CS_DIST_LOGNORMAL:
        return exp(d->mu);
    default:
        return d->likely; /* unreachable after a successful prepare */
    }
}

/* ---- inverse of the regularised incomplete beta I_x(a, b), a, b >= 1 ---- */

/* Continued fraction for I_x(a, b) (Numerical Recipes 3rd ed. §6.4, modified
 * Lentz); converges quickly for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-15) /* ample for 1e-12 in x */
            break;
    }
    return h;
}

/* I_x(a, b) and the density at x, for 0 < x < 1. lnb = ln B(a, b). */
static double beta_cdf_pdf(double x, double a, double b, double lnb, double *pdf)
{
    const double lx = log(x), l1x = log1p(-x);
    /* x^a (1-x)^b / B(a, b): shared by the series and the density. */
    const double front = exp(a * lx + b * l1x - lnb);
    *pdf = front / (x * (1.0 - x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * beta_cf(a, b, x) / a;
    return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

#ifndef HALLEY_STOP
#define HALLEY_STOP 1e-5
#endif

/* Solves I_x(a, b) = p for p <= 0.5 (the lower half, where I is computed
 * without cancellation). */
static double beta_inv_lower(double p, double a, double b, double lnb)
{
    /* Closed forms: I_x(1, b) = 1 - (1-x)^b and I_x(a, 1) = x^a. */
    if (a == 1.0)
        return -expm1(log1p(-p) / b);
    if (b == 1.0)
        return exp(log(p) / a);

    /* Start: normal approximation of Abramowitz & Stegun 26.5.22 as in
     * Numerical Recipes 3rd ed. §6.14 (invbetai, a, b >= 1). */
    const double t = sqrt(-2.0 * log(p));
    /* z ~ the upper p-quantile of N(0, 1); a larger w means a smaller x. */
    const double z = t - (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481));
    const double al = (z * z - 3.0) / 6.0;
    const double h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0));
    const double w = z * sqrt(al + h) / h -
                     (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) *
                         (al + 5.0 / 6.0 - 2.0 / (3.0 * h));
    double x = a / (a + b * exp(2.0 * w));
    /* I_x <= x^a / (a B) for b >= 1, so its solution is a lower bound of
     * the root, and close to it in the lower tail. */
    const double tail = exp((log(p) + log(a) + lnb) / a);
    if (tail > x)
        x = tail;
    if (!(x > 0.0))
        x = DBL_MIN;
    if (!(x < 1.0))
        x = 0.5;

    /* Halley's method, safeguarded by a bracket [lo, hi] that always holds
     * the root: a step leaving it is replaced by bisection. */
    double lo = 0.0, hi = 1.0;
    for (int it = 0; it < 200; it++) {
        double pdf;
        const double err = beta_cdf_pdf(x, a, b, lnb, &pdf) - p;
        if (err == 0.0)
            return x;
        if (err < 0.0)
            lo = x;
        else
            hi = x;
        double xn = -1.0;
        bool halley = false;
        if (pdf > 0.0 && isfinite(pdf)) {
            const double step = err / pdf;
            /* f'/f of the beta density = (a-1)/x - (b-1)/(1-x). */
            double c = step * ((a - 1.0) / x - (b - 1.0) / (1.0 - x));
            halley = c < 1.0;
            if (c > 1.0)
                c = 1.0;
            xn = x - step / (1.0 - 0.5 * c);
        }
        if (xn == x)
            return x; /* the correction is below rounding */
        if (!(xn > lo && xn < hi)) {
            halley = false;
            xn = lo > 0.0 ? 0.5 * (lo + hi) : 0.5 * hi;
            if (xn == lo || xn == hi)
                return x; /* bracket exhausted */
        }
        const double dx = fabs(xn - x);
        x = xn;
        /* Halley converges cubically: once a step is below HALLEY_STOP
         * relative, the error left after taking it is of order
         * HALLEY_STOP^3, far below rounding, so no further evaluation is
         * needed. */
        if (halley && dx <= HALLEY_STOP * x)
            break;
    }
    return x;
}

double cs_dist_beta_inv(double u, double a, double b)
{
    return cs_dist_beta_inv_lnb(u, a, b, gsl_sf_lnbeta(a, b));
}

double cs_dist_beta_inv_lnb(double u, double a, double b, double lnb)
{
    if (!(u > 0.0))
        return 0.0;
    if (!(u < 1.0))
        return 1.0;
    /* The upper half is the lower half of the mirrored beta; 1 - u is exact
     * for u >= 0.5, so no accuracy is lost. */
    if (u > 0.5)
        return 1.0 - beta_inv_lower(1.0 - u, b, a, lnb);
    return beta_inv_lower(u, a, b, lnb);
}

/* ---- quantiles and moments ---- */

/* c ? a : b by masking the bits, which compilers do not turn into a branch. */
static inline double select_double(bool c, double a, double b)
{
    uint64_t x, y, mask = -(uint64_t)c;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    x = (x & mask) | (y & ~mask);
    memcpy(&a, &x, sizeof a);
    return a;
}

double cs_dist_quantile(const cs_dist *d, double u)
{
    if (d->kind == CS_DIST_FIXED)
        return d->likely;
    /* Clamp to the open interval: the smallest and largest u the RNG can
     * return (rng.c), so tails stay finite. */
    const double u_min = 0x1p-53, u_max = 1.0 - 0x1p-53;
    if (!(u >= u_min))
        u = u_min;
    if (u > u_max)
        u = u_max;

    const double lo = d->low, hi = d->high, width = d->high - d->low;
    switch (d->kind) {
    case CS_DIST_UNIFORM:
        return lo + width * u;
    case CS_DIST_TRIANGULAR: {
        /* Inverse of the triangular CDF, split at F(likely): both sides'
         * arguments, then one square root, so the side (random for each
         * draw) is a selection, not a branch the CPU must guess. */
        bool left = u < d->mode_cdf;
        double below = u * width * (d->likely - lo), above = (1.0 - u) * width * (hi - d->likely);
        double r = sqrt(select_double(left, below, above));
        return select_double(left, lo + r, hi - r);
    }
    case CS_DIST_PERT:
        return lo + width * cs_dist_beta_inv_lnb(u, d->alpha, d->beta, d->log_beta_fn);
    case CS_DIST_NORMAL:
        return d->mu + d->sigma * cs_dist_norm_inv(u);
    case CS_DIST_LOGNORMAL:
        return exp(d->mu + d->sigma * cs_dist_norm_inv(u));
    case CS_DIST_FIXED:
        break;
    }
    return d->likely;
}

double cs_dist_hold_value(const cs_dist *d, double u)
{
    if (d->kind == CS_DIST_NORMAL || d->kind == CS_DIST_LOGNORMAL) {
        if (u == 0.1)
            return d->low;
        if (u == 0.9)
            return d->high;
    }
    return cs_dist_quantile(d, u);
}

double cs_dist_mean(const cs_dist *d)
{
    const double lo = d->low, ml = d->likely, hi = d->high;
    switch (d->kind) {
    case CS_DIST_FIXED:
        return ml;
    case CS_DIST_UNIFORM:
        return 0.5 * (lo + hi);
    case CS_DIST_TRIANGULAR:
        return (lo + ml + hi) / 3.0;
    case CS_DIST_PERT:
        /* lambda = 4: alpha + beta = 6, so E = low + (high-low) alpha/6. */
        return (lo + 4.0 * ml + hi) / 6.0;
    case CS_DIST_NORMAL:
        return d->mu;
    case CS_DIST_LOGNORMAL:
        return exp(d->mu + 0.5 * d->sigma * d->sigma);
    }
    return ml;
}

double cs_dist_variance(const cs_dist *d)
{
    const double lo = d->low, ml = d->likely, hi = d->high, w = hi - lo;
    switch (d->kind) {
    case CS_DIST_FIXED:
        return 0.0;
    case CS_DIST_UNIFORM:
        return w * w / 12.0;
    case CS_DIST_TRIANGULAR:
        return (lo * lo + ml * ml + hi * hi - lo * ml - lo * hi - ml * hi) / 18.0;
    case CS_DIST_PERT: {
        /* Var Beta(a, b) = ab / ((a+b)^2 (a+b+1)), scaled by w^2. */
        const double a = d->alpha, b = d->beta, s = a + b;
        return w * w * a * b / (s * s * (s + 1.0));
    }
    case CS_DIST_NORMAL:
        return d->sigma * d->sigma;
    case CS_DIST_LOGNORMAL: {
        const double s2 = d->sigma * d->sigma;
        return expm1(s2) * exp(2.0 * d->mu + s2);
    }
    }
    return 0.0;
}

/* ---- the standard normal ---- */

/* The central region of AS 241 (|p - 0.5| <= 0.425), q = p - 0.5. */
static inline double norm_inv_central(double q)
{
    const double r = 0.180625 - q * q;
    return q *
           (((((((2509.0809287301226727 * r + 33430.575583588128105) * r +
                 67265.770927008700853) * r + 45921.953931549871457) * r +
               13731.693765509461125) * r + 1971.5909503065514427) * r +
             133.14166789178437745) * r + 3.387132872796366608) /
           (((((((5226.495278852545925 * r + 28729.085735721942674) * r +
                 39307.89580009271061) * r + 21213.794301586595867) * r +
               5394.1960214247511077) * r + 687.1870074920579083) * r +
             42.313330701600911252) * r + 1.0);
}

double cs_dist_norm_inv(double p)
{
    /* Wichura, Algorithm AS 241 (Applied Statistics 37, 1988), PPND16. */
    if (!(p > 0.0 && p < 1.0)) {
        if (p == 0.0)
            return -HUGE_VAL;
        if (p == 1.0)
            return HUGE_VAL;
        return NAN;
    }
    const double q = p - 0.5;
    if (fabs(q) <= 0.425)
        return norm_inv_central(q);
    double r = q < 0.0 ? p : 1.0 - p;
    r = sqrt(-log(r));
    double x;
    if (r <= 5.0) {
        r -= 1.6;
        x = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r +
                  0.24178072517745061177) * r + 1.27045825245236838258) * r +
                3.64784832476320460504) * r + 5.7694972214606914055) * r +
              4.6303378461565452959) * r + 1.42343711074968357734) /
            (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r +
                  0.0151986665636164571966) * r + 0.14810397642748007459) * r +
                0.68976733498510000455) * r + 1.6763848301838038494) * r +
              2.05319162663775882187) * r + 1.0);
    } else {
        r -= 5.0;
        x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                  0.0012426609473880784386) * r + 0.026532189526576123093) * r +
                0.29656057182850489123) * r + 1.7848265399172913358) * r +
              5.4637849111641143699) * r + 6.6579046435011037772) /
            (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r +
                  1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
                0.0148753612908506148525) * r + 0.13692988092273580531) * r +
              0.59983220655588793769) * r + 1.0);
    }
    return q < 0.0 ? -x : x;
}

void cs_dist_norm_inv_array(const double *p, double *z, size_t n)
{
    /* Every value through the central formula first, a loop without
     * branches that the compiler vectorises, then the tails (about 15 %)
     * and any p outside (0, 1) again one by one: the same operations on
     * each value as cs_dist_norm_inv, so the same bits. */
    for (size_t i = 0; i < n; i++)
        z[i] = norm_inv_central(p[i] - 0.5);
    for (size_t i = 0; i < n; i++)
        if (!(fabs(p[i] - 0.5) <= 0.425))
            z[i] = cs_dist_norm_inv(p[i]);
}

double cs_dist_norm_cdf(double z)
{
    return 0.5 * erfc(-z * 0.70710678118654752440);
}

/* ---- quantile tables of Beta(a, b) ---- */

#define TABLE_OCTAVES 52

struct cs_dist_table {
    double a, b;
    /* [half][octave][interval][c0 .. c5]: x(t) = sum c_k t^k, t in [0, 1]
     * across the interval. Half 0 is Beta(a, b) at p = u, half 1 is
     * Beta(b, a) at p = 1 - u. */
    double coef[2][TABLE_OCTAVES][CS_DIST_TABLE_STEPS][6];
};

/* The quantile x of Beta(a, b) at p <= 1/2 and its first two derivatives
 * in p: x' = 1/f(x), x'' = -(f'/f)(x) / f(x)^2. */
static void beta_node(double p, double a, double b, double lnb, double out[3])
{
    double x = cs_dist_beta_inv_lnb(p, a, b, lnb);
    double f = exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - lnb);
    double dlogf = (a - 1.0) / x - (b - 1.0) / (1.0 - x);
    out[0] = x;
    out[1] = 1.0 / f;
    out[2] = -dlogf / (f * f);
}

cs_dist_table *cs_dist_table_make(double a, double b)
{
    if (!(a >= 1.0 && b >= 1.0))
        return NULL;
    cs_dist_table *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    t->a = a;
    t->b = b;
    const double lnb = gsl_sf_lnbeta(a, b);
    for (int half = 0; half < 2; half++) {
        const double ha = half ? b : a, hb = half ? a : b;
        for (int o = 0; o < TABLE_OCTAVES; o++) {
            const double p0 = ldexp(1.0, -o - 2), h = p0 / CS_DIST_TABLE_STEPS;
            double n0[3], n1[3];
            beta_node(p0, ha, hb, lnb, n0);
            for (int i = 0; i < CS_DIST_TABLE_STEPS; i++) {
                beta_node(p0 + (i + 1) * h, ha, hb, lnb, n1);
                /* Derivatives in t = (p - p_i) / h. */
                const double y0 = n0[0], v0 = n0[1] * h, w0 = n0[2] * h * h;
                const double y1 = n1[0], v1 = n1[1] * h, w1 = n1[2] * h * h;
                const double dy = y1 - y0;
                double *c = t->coef[half][o][i];
                c[0] = y0;
                c[1] = v0;
                c[2] = 0.5 * w0;
                c[3] = 10.0 * dy - 6.0 * v0 - 4.0 * v1 - 1.5 * w0 + 0.5 * w1;
                c[4] = -15.0 * dy + 8.0 * v0 + 7.0 * v1 + 1.5 * w0 - w1;
                c[5] = 6.0 * dy - 3.0 * v0 - 3.0 * v1 - 0.5 * w0 + 0.5 * w1;
                memcpy(n0, n1, sizeof n0);
            }
        }
    }
    return t;
}

void cs_dist_table_free(cs_dist_table *t)
{
    free(t);
}

void cs_dist_table_shape(const cs_dist_table *t, double *a, double *b)
{
    *a = t->a;
    *b = t->b;
}

double cs_dist_table_beta(const cs_dist_table *t, double u)
{
    const double u_min = 0x1p-53, u_max = 1.0 - 0x1p-53;
    if (!(u >= u_min))
        u = u_min;
    if (u > u_max)
        u = u_max;
    const int half = u > 0.5;
    const double p = half ? 1.0 - u : u;
    const double *c;
    double s;
    if (p >= 0.5) {
        c = t->coef[half][0][CS_DIST_TABLE_STEPS - 1];
        s = 1.0;
    } else {
        uint64_t bits;
        memcpy(&bits, &p, sizeof bits);
        /* p in [2^-53, 2^-1): biased exponent 970 .. 1021, octave 51 .. 0. */
        const int o = 1021 - (int)(bits >> 52);
        const unsigned shift = 52 - 4; /* log2(CS_DIST_TABLE_STEPS) = 4 */
        const unsigned i = (unsigned)(bits >> shift) & (CS_DIST_TABLE_STEPS - 1);
        s = (double)(bits & ((UINT64_C(1) << shift) - 1)) * 0x1p-48;
        c = t->coef[half][o][i];
    }
    const double x = c[0] + s * (c[1] + s * (c[2] + s * (c[3] + s * (c[4] + s * c[5]))));
    return half ? 1.0 - x : x;
}

double cs_dist_draw(const cs_dist *d, const cs_dist_table *t, double u)
{
    if (d->kind == CS_DIST_PERT && t)
        return d->low + (d->high - d->low) * cs_dist_table_beta(t, u);
    return cs_dist_quantile(d, u);
}
