/* floor: the physical floor of a costsim model (see floor.h).
 *
 * Written for the benchmark only, without the project's sources: a small
 * reader for the scenario and model files (enough of the format to know
 * what a trial draws), a Philox stream per trial that uses all four
 * outputs of every block, AS241 for the normal quantile, erfc for the
 * normal CDF, and PERT quantile tables. The kernel draws the same number
 * and kinds of variates per trial as the engine: the slip and the risks
 * decide how many FX years a trial needs, exactly as in the engine. */
#define _DEFAULT_SOURCE /* strdup, strtok_r */

#include "floor.h"

#include <Random123/philox.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64
#define Z90 1.2815515655446004 /* the normal's 90th percentile: low/high are P10/P90 */

enum { D_FIXED, D_UNIFORM, D_TRIANGULAR, D_PERT, D_NORMAL, D_LOGNORMAL };

/* PERT tables: the quantile of Beta(a, b) for u in [2^-53, 1/2] in OCTAVES
 * octaves [2^-o-2, 2^-o-1), each cut into 2^SUB_BITS equal intervals
 * holding the four coefficients of a cubic Hermite interpolant in the
 * position t in [0, 1) of u inside the interval. The upper half uses the
 * lower half of Beta(b, a): x(u) = 1 - x'(1 - u), and 1 - u is exact. */
#define SUB_BITS 6
#define SUB (1 << SUB_BITS)
#define OCTAVES 52

typedef struct {
    int kind;
    double lo, ml, hi;
    double width, mode_cdf, c_lo, c_hi; /* triangular */
    double mu, sigma;                   /* normal, lognormal */
    int table;                          /* PERT: index of its table */
} dist;

typedef struct {
    double *lower, *upper; /* OCTAVES * SUB * 4 coefficients each */
    double a, b;
} pert_table;

typedef struct {
    bool moves; /* a marker, so it moves with the slip */
    int year;   /* at slip 0 */
} yexpr;

typedef struct {
    dist d;
    double probability;
    int slip;
    yexpr year;
} risk;

typedef struct {
    size_t n;
    size_t *members; /* element indices */
    double *chol;    /* n x n lower triangle, row-major */
} group;

struct bf_model {
    size_t ne, nr, nc, ng, nf, nt;
    dist *elements;
    risk *risks;
    group *groups;
    dist slip;
    dist *inflation;    /* per currency */
    int *fx_kind;       /* per stochastic currency: 0 ou, 1 gbm */
    double *fx_log0;    /* log rate */
    double *fx_drift, *fx_vol, *fx_rev;
    double *fx_chol;    /* nf x nf */
    pert_table *tables;
    int base_year;
    int last_fixed;     /* last element year that does not move (INT_MIN if none) */
    int last_moving;    /* last element year that moves, at slip 0 */
    uint64_t seed;
};

/* ---- reading ------------------------------------------------------------ */

static void set_err(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

/* A CSV file without comments: a header and rows of at most MAX_FIELDS
 * fields. Quoted fields may hold commas; "" inside quotes is a quote. */
typedef struct {
    size_t rows, cols;
    char *names[MAX_FIELDS];
    char ***cells; /* rows x cols */
} table;

size_t bf_csv_split(char *line, char **out, size_t max)
{
    size_t n = 0;
    char *w = line, *r = line;
    out[n++] = w;
    bool quoted = false;
    for (; *r && *r != '\n' && *r != '\r'; r++) {
        if (*r == '"') {
            if (quoted && r[1] == '"')
                *w++ = *r++;
            else
                quoted = !quoted;
        } else if (*r == ',' && !quoted) {
            *w++ = 0;
            if (n == max)
                return n;
            out[n++] = w;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return n;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->rows; i++) {
        free(t->cells[i][0]);
        free(t->cells[i]);
    }
    free(t->cells);
    if (t->cols)
        free(t->names[0]);
    memset(t, 0, sizeof *t);
}

/* Reads path; a missing optional file gives an empty table. */
static int table_read(const char *path, bool optional, table *t, char *err, size_t es)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (optional)
            return 0;
        set_err(err, es, "%s: cannot open", path);
        return -1;
    }
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
            continue;
        char *copy = strdup(line);
        char *fields[MAX_FIELDS];
        size_t n = bf_csv_split(copy, fields, MAX_FIELDS);
        if (!t->cols) {
            t->cols = n;
            memcpy(t->names, fields, n * sizeof *fields);
            continue;
        }
        char **row = calloc(t->cols, sizeof *row);
        char ***cells = realloc(t->cells, (t->rows + 1) * sizeof *cells);
        if (!row || !cells) {
            fclose(f);
            set_err(err, es, "out of memory");
            return -1;
        }
        t->cells = cells;
        for (size_t i = 0; i < t->cols; i++)
            row[i] = i < n ? fields[i] : fields[n - 1] + strlen(fields[n - 1]);
        t->cells[t->rows++] = row;
    }
    fclose(f);
    return 0;
}

/* The cell of column `name` in row r, "" when the column is absent. */
static const char *cell(const table *t, size_t r, const char *name)
{
    for (size_t c = 0; c < t->cols; c++)
        if (!strcmp(t->names[c], name))
            return t->cells[r][c];
    return "";
}

static double num(const char *s, double dflt)
{
    if (!*s)
        return dflt;
    return strtod(s, NULL);
}

typedef struct {
    int first_delivery, last_delivery, end_of_service;
} markers;

static int parse_year(const char *s, const markers *mk, yexpr *y)
{
    static const char *const names[3] = {"first_delivery", "last_delivery", "end_of_service"};
    const int values[3] = {mk->first_delivery, mk->last_delivery, mk->end_of_service};
    if (isdigit((unsigned char)*s)) {
        y->moves = false;
        y->year = atoi(s);
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(names[i]);
        if (!strncmp(s, names[i], n)) {
            y->moves = true;
            y->year = values[i] + (s[n] ? atoi(s + n) : 0);
            return 0;
        }
    }
    return -1;
}

static int parse_dist(const char *kind, const char *lo, const char *ml, const char *hi, dist *d)
{
    static const char *const names[] = {"fixed", "uniform", "triangular",
                                        "pert",  "normal",  "lognormal"};
    memset(d, 0, sizeof *d);
    d->kind = -1;
    d->table = -1;
    for (int k = 0; k < 6; k++)
        if (!strcmp(kind, names[k]))
            d->kind = k;
    if (!*kind)
        d->kind = D_FIXED;
    if (d->kind < 0)
        return -1;
    d->lo = num(lo, 0);
    d->hi = num(hi, 0);
    d->ml = num(ml, 0.5 * (d->lo + d->hi));
    d->width = d->hi - d->lo;
    switch (d->kind) {
    case D_TRIANGULAR:
        d->mode_cdf = (d->ml - d->lo) / d->width;
        d->c_lo = d->width * (d->ml - d->lo);
        d->c_hi = d->width * (d->hi - d->ml);
        break;
    case D_NORMAL:
        d->mu = 0.5 * (d->lo + d->hi);
        d->sigma = d->width / (2 * Z90);
        break;
    case D_LOGNORMAL:
        d->mu = 0.5 * (log(d->lo) + log(d->hi));
        d->sigma = (log(d->hi) - log(d->lo)) / (2 * Z90);
        break;
    }
    return 0;
}

/* Lower-triangular Cholesky factor of the n x n matrix c, in place;
 * falls back to the identity when c is not positive definite (the engine
 * would repair it; the cost is the same). */
static void cholesky(double *c, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double s = c[j * n + j];
        for (size_t k = 0; k < j; k++)
            s -= c[j * n + k] * c[j * n + k];
        if (!(s > 0)) {
            memset(c, 0, n * n * sizeof *c);
            for (size_t i = 0; i < n; i++)
                c[i * n + i] = 1;
            return;
        }
        c[j * n + j] = sqrt(s);
        for (size_t i = j + 1; i < n; i++) {
            double t = c[i * n + j];
            for (size_t k = 0; k < j; k++)
                t -= c[i * n + k] * c[j * n + k];
            c[i * n + j] = t / c[j * n + j];
        }
        for (size_t k = j + 1; k < n; k++)
            c[j * n + k] = 0;
    }
}

static size_t find(size_t *parent, size_t i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

/* ---- PERT tables -------------------------------------------------------- */

/* Continued fraction of the incomplete beta (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 500; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16)
            break;
    }
    return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double beta_cdf(double x, double a, double b, double lnb)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double front = exp(a * log(x) + b * log1p(-x) - lnb);
    if (x < (a + 1) / (a + b + 2))
        return front * beta_cf(a, b, x) / a;
    return 1 - front * beta_cf(b, a, 1 - x) / b;
}

static double beta_pdf(double x, double a, double b, double lnb)
{
    return exp((a - 1) * log(x) + (b - 1) * log1p(-x) - lnb);
}

/* x with I_x(a, b) = u, for u <= 1/2: Newton steps inside a bisection
 * bracket, to a relative 1e-15. */
static double beta_inv(double u, double a, double b, double lnb)
{
    double lo = 0, hi = 1;
    double x = exp((log(u) + log(a) + lnb) / a); /* small-u asymptote */
    if (!(x > 0 && x < 1))
        x = 0.5;
    for (int i = 0; i < 200; i++) {
        double f = beta_cdf(x, a, b, lnb) - u;
        if (f == 0)
            return x;
        if (f < 0)
            lo = x;
        else
            hi = x;
        double step = f / beta_pdf(x, a, b, lnb);
        double nx = x - step;
        if (!(nx > lo && nx < hi))
            nx = 0.5 * (lo + hi);
        if (fabs(nx - x) <= 1e-15 * x || hi - lo <= 1e-16 * x)
            return nx;
        x = nx;
    }
    return x;
}

/* Coefficients of the lower half of Beta(a, b). */
static double *build_half(double a, double b)
{
    double *c = malloc((size_t)OCTAVES * SUB * 4 * sizeof *c);
    if (!c)
        return NULL;
    double lnb = lgamma(a) + lgamma(b) - lgamma(a + b);
    for (int o = 0; o < OCTAVES; o++) {
        double base = ldexp(1.0, -o - 2), h = base / SUB;
        double x0 = beta_inv(base, a, b, lnb);
        double d0 = 1 / beta_pdf(x0, a, b, lnb);
        for (int k = 0; k < SUB; k++) {
            double u1 = base + (k + 1) * h;
            double x1 = beta_inv(u1, a, b, lnb);
            double d1 = 1 / beta_pdf(x1, a, b, lnb);
            double *p = c + ((size_t)o * SUB + (size_t)k) * 4;
            p[0] = x0;
            p[1] = h * d0;
            p[2] = 3 * (x1 - x0) - h * (2 * d0 + d1);
            p[3] = 2 * (x0 - x1) + h * (d0 + d1);
            x0 = x1;
            d0 = d1;
        }
    }
    return c;
}

/* The table value at v in [2^-53, 1/2]. */
static inline double half_lookup(const double *c, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int o = 1021 - (int)(bits >> 52);
    uint64_t mant = bits & ((UINT64_C(1) << 52) - 1);
    if (o < 0) /* v = 1/2: the end of octave 0 */
        return c[(SUB - 1) * 4] + c[(SUB - 1) * 4 + 1] + c[(SUB - 1) * 4 + 2] +
               c[(SUB - 1) * 4 + 3];
    if (o >= OCTAVES) {
        o = OCTAVES - 1;
        mant = 0;
    }
    unsigned k = (unsigned)(mant >> (52 - SUB_BITS));
    double t = (double)(mant & ((UINT64_C(1) << (52 - SUB_BITS)) - 1)) * 0x1p-46;
    const double *p = c + ((size_t)o * SUB + k) * 4;
    return p[0] + t * (p[1] + t * (p[2] + t * p[3]));
}

/* The PERT quantile in [0, 1] at u. */
static inline double pert_unit(const pert_table *t, double u)
{
    if (u <= 0.5)
        return half_lookup(t->lower, u);
    return 1 - half_lookup(t->upper, 1 - u);
}

/* ---- normal quantile and CDF ------------------------------------------- */

/* Wichura, Algorithm AS 241 (PPND16), Applied Statistics 37 (1988): about
 * 1e-16 relative over (0, 1); only a rational function for
 * |p - 1/2| <= 0.425, a log and a square root beyond. */
static inline double norm_inv_central(double q)
{
    double r = 0.180625 - q * q;
    return q *
           (((((((2509.0809287301226727 * r + 33430.575583588128105) * r +
                 67265.770927008700853) * r + 45921.953931549871457) * r +
               13731.693765509461125) * r + 1971.5909503065514427) * r +
             133.14166789178437745) * r + 3.3871328727963666080) /
           (((((((5226.4952788528545610 * r + 28729.085735721942674) * r +
                 39307.895800092710610) * r + 21213.794301586595867) * r +
               5394.1960214247511077) * r + 687.18700749205790830) * r +
             42.313330701600911252) * r + 1.0);
}

static inline double norm_inv(double p)
{
    double q = p - 0.5;
    if (fabs(q) <= 0.425)
        return norm_inv_central(q);
    double r = sqrt(-log(q < 0 ? p : 1 - p)), x;
    if (r <= 5) {
        r -= 1.6;
        x = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                  2.41780725177450611770e-1) * r + 1.27045825245236838258) * r +
                3.64784832476320460504) * r + 5.76949722146069140550) * r +
              4.63033784615654529590) * r + 1.42343711074968357734) /
            (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                  1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
                6.89767334985100004550e-1) * r + 1.67638483018380384940) * r +
              2.05319162663775882187) * r + 1.0);
    } else {
        r -= 5;
        x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                  1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
                2.96560571828504891230e-1) * r + 1.78482653991729133580) * r +
              5.46378491116411436990) * r + 6.65790464350110377720) /
            (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                  1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
                1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
              5.99832206555887937690e-1) * r + 1.0);
    }
    return q < 0 ? -x : x;
}

static inline double norm_cdf(double z) { return 0.5 * erfc(-z * 0.70710678118654752440); }

/* ---- loading ------------------------------------------------------------ */

static int add_table(bf_model *m, dist *d)
{
    double a = 1 + 4 * (d->ml - d->lo) / d->width, b = 1 + 4 * (d->hi - d->ml) / d->width;
    pert_table *t = realloc(m->tables, (m->nt + 1) * sizeof *t);
    if (!t)
        return -1;
    m->tables = t;
    t += m->nt;
    t->a = a;
    t->b = b;
    t->lower = build_half(a, b);
    t->upper = build_half(b, a);
    if (!t->lower || !t->upper)
        return -1;
    d->table = (int)m->nt++;
    return 0;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

bf_model *bf_load(const char *scenario_path, char *err, size_t es)
{
    bf_model *m = calloc(1, sizeof *m);
    table sc, el, rk, cu, co, fc;
    memset(&sc, 0, sizeof sc);
    memset(&el, 0, sizeof el);
    memset(&rk, 0, sizeof rk);
    memset(&cu, 0, sizeof cu);
    memset(&co, 0, sizeof co);
    memset(&fc, 0, sizeof fc);
    char *dir = NULL, *files[5] = {0};
    int rc = -1;
    if (!m || table_read(scenario_path, false, &sc, err, es) != 0)
        goto done;

    /* The scenario: key,value (the header is the first row read). */
    const char *model = "model", *slip_kind = "", *slip_lo = "", *slip_ml = "", *slip_hi = "";
    double units = 1, first = 0, interval = 1, life = 0, dcorr = 0;
    m->seed = 0;
    for (size_t r = 0; r < sc.rows; r++) {
        const char *k = sc.cells[r][0], *v = sc.cols > 1 ? sc.cells[r][1] : "";
        if (!strcmp(k, "model"))
            model = v;
        else if (!strcmp(k, "seed"))
            m->seed = strtoull(v, NULL, 10);
        else if (!strcmp(k, "base_year"))
            m->base_year = atoi(v);
        else if (!strcmp(k, "units"))
            units = num(v, 1);
        else if (!strcmp(k, "first_delivery"))
            first = num(v, 0);
        else if (!strcmp(k, "delivery_interval"))
            interval = num(v, 1);
        else if (!strcmp(k, "service_life"))
            life = num(v, 0);
        else if (!strcmp(k, "default_correlation"))
            dcorr = num(v, 0);
        else if (!strcmp(k, "slip.dist"))
            slip_kind = v;
        else if (!strcmp(k, "slip.low"))
            slip_lo = v;
        else if (!strcmp(k, "slip.likely"))
            slip_ml = v;
        else if (!strcmp(k, "slip.high"))
            slip_hi = v;
    }
    const char *slash = strrchr(scenario_path, '/');
    char *sdir = slash ? strndup(scenario_path, (size_t)(slash - scenario_path)) : strdup(".");
    dir = model[0] == '/' ? strdup(model) : join(sdir, model);
    free(sdir);
    static const char *const names[5] = {"elements.csv", "risks.csv", "currencies.csv",
                                         "correlations.csv", "fx_correlations.csv"};
    for (int i = 0; i < 5; i++)
        files[i] = join(dir, names[i]);
    if (table_read(files[0], false, &el, err, es) || table_read(files[1], true, &rk, err, es) ||
        table_read(files[2], false, &cu, err, es) || table_read(files[3], true, &co, err, es) ||
        table_read(files[4], true, &fc, err, es))
        goto done;

    long milli = lround(interval * 1000);
    markers mk;
    mk.first_delivery = (int)first;
    mk.last_delivery = (int)first + (int)(((long)units - 1) * milli / 1000);
    mk.end_of_service = mk.last_delivery + (int)life - 1;

    if (parse_dist(slip_kind, slip_lo, slip_ml, slip_hi, &m->slip) != 0) {
        set_err(err, es, "%s: unknown slip.dist '%s'", scenario_path, slip_kind);
        goto done;
    }

    /* Elements and their last years. */
    m->ne = el.rows;
    m->elements = calloc(m->ne ? m->ne : 1, sizeof *m->elements);
    m->last_fixed = m->last_moving = -1000000;
    for (size_t e = 0; e < m->ne; e++) {
        dist *d = &m->elements[e];
        if (parse_dist(cell(&el, e, "dist"), cell(&el, e, "low"), cell(&el, e, "likely"),
                       cell(&el, e, "high"), d) != 0) {
            set_err(err, es, "%s: row %zu: unknown dist '%s'", files[0], e + 1,
                    cell(&el, e, "dist"));
            goto done;
        }
        const char *basis = cell(&el, e, "basis");
        yexpr y;
        if (!strcmp(basis, "per_unit")) {
            y.moves = true;
            y.year = mk.last_delivery - 1;
        } else if (!strcmp(basis, "per_unit_year")) {
            y.moves = true;
            y.year = mk.end_of_service;
        } else {
            const char *end = cell(&el, e, "end");
            if (!*end)
                end = cell(&el, e, "start");
            if (parse_year(end, &mk, &y) != 0) {
                set_err(err, es, "%s: row %zu: year '%s' not understood", files[0], e + 1, end);
                goto done;
            }
        }
        int *last = y.moves ? &m->last_moving : &m->last_fixed;
        if (y.year > *last)
            *last = y.year;
    }

    /* Risks. */
    m->nr = rk.rows;
    m->risks = calloc(m->nr ? m->nr : 1, sizeof *m->risks);
    for (size_t r = 0; r < m->nr; r++) {
        risk *k = &m->risks[r];
        if (parse_dist(cell(&rk, r, "dist"), cell(&rk, r, "low"), cell(&rk, r, "likely"),
                       cell(&rk, r, "high"), &k->d) != 0 ||
            parse_year(cell(&rk, r, "year"), &mk, &k->year) != 0) {
            set_err(err, es, "%s: row %zu: dist or year not understood", files[1], r + 1);
            goto done;
        }
        k->probability = num(cell(&rk, r, "probability"), 1);
        k->slip = atoi(cell(&rk, r, "slip"));
    }

    /* Currencies: inflation and stochastic FX (ou or gbm with a volatility). */
    m->nc = cu.rows;
    m->inflation = calloc(m->nc ? m->nc : 1, sizeof *m->inflation);
    m->fx_kind = calloc(m->nc ? m->nc : 1, sizeof *m->fx_kind);
    m->fx_log0 = calloc(m->nc ? m->nc : 1, sizeof(double));
    m->fx_drift = calloc(m->nc ? m->nc : 1, sizeof(double));
    m->fx_vol = calloc(m->nc ? m->nc : 1, sizeof(double));
    m->fx_rev = calloc(m->nc ? m->nc : 1, sizeof(double));
    size_t fx_row[64];
    for (size_t c = 0; c < m->nc; c++) {
        if (parse_dist(cell(&cu, c, "inflation.dist"), cell(&cu, c, "inflation.low"),
                       cell(&cu, c, "inflation.likely"), cell(&cu, c, "inflation.high"),
                       &m->inflation[c]) != 0) {
            set_err(err, es, "%s: row %zu: inflation.dist not understood", files[2], c + 1);
            goto done;
        }
        const char *fx = cell(&cu, c, "fx_model");
        double vol = num(cell(&cu, c, "volatility"), 0);
        if ((!strcmp(fx, "ou") || !strcmp(fx, "gbm")) && vol > 0 && m->nf < 64) {
            size_t i = m->nf++;
            fx_row[i] = c;
            m->fx_kind[i] = !strcmp(fx, "gbm");
            m->fx_log0[i] = log(num(cell(&cu, c, "rate"), 1));
            m->fx_drift[i] = num(cell(&cu, c, "drift"), 0);
            m->fx_vol[i] = vol;
            m->fx_rev[i] = num(cell(&cu, c, "reversion"), 0);
        }
    }
    m->fx_chol = calloc(m->nf * m->nf + 1, sizeof(double));
    for (size_t i = 0; i < m->nf; i++)
        m->fx_chol[i * m->nf + i] = 1;
    for (size_t r = 0; r < fc.rows; r++) {
        int a = -1, b = -1;
        for (size_t i = 0; i < m->nf; i++) {
            const char *code = cell(&cu, fx_row[i], "currency");
            if (!strcmp(code, cell(&fc, r, "a")))
                a = (int)i;
            if (!strcmp(code, cell(&fc, r, "b")))
                b = (int)i;
        }
        if (a >= 0 && b >= 0 && a != b)
            m->fx_chol[a * (int)m->nf + b] = m->fx_chol[b * (int)m->nf + a] =
                num(cell(&fc, r, "rho"), 0);
    }
    cholesky(m->fx_chol, m->nf);

    /* Correlation groups of the uncertain elements. */
    size_t *parent = malloc((m->ne + 1) * sizeof *parent);
    double *rho = calloc(m->ne * m->ne + 1, sizeof *rho);
    for (size_t e = 0; e < m->ne; e++) {
        parent[e] = e;
        for (size_t f = 0; f < m->ne; f++)
            rho[e * m->ne + f] = e == f ? 1 : dcorr;
    }
    for (size_t r = 0; r < co.rows; r++) {
        size_t a = m->ne, b = m->ne;
        for (size_t e = 0; e < m->ne; e++) {
            if (!strcmp(cell(&el, e, "id"), cell(&co, r, "a")))
                a = e;
            if (!strcmp(cell(&el, e, "id"), cell(&co, r, "b")))
                b = e;
        }
        if (a < m->ne && b < m->ne)
            rho[a * m->ne + b] = rho[b * m->ne + a] = num(cell(&co, r, "rho"), 0);
    }
    for (size_t a = 0; a < m->ne; a++)
        for (size_t b = a + 1; b < m->ne; b++)
            if (rho[a * m->ne + b] != 0 && m->elements[a].kind != D_FIXED &&
                m->elements[b].kind != D_FIXED)
                parent[find(parent, a)] = find(parent, b);
    m->groups = calloc(m->ne + 1, sizeof *m->groups);
    for (size_t root = 0; root < m->ne; root++) {
        size_t n = 0;
        for (size_t e = 0; e < m->ne; e++)
            if (m->elements[e].kind != D_FIXED && find(parent, e) == root)
                n++;
        if (n < 2)
            continue;
        group *g = &m->groups[m->ng++];
        g->n = n;
        g->members = malloc(n * sizeof *g->members);
        g->chol = malloc(n * n * sizeof *g->chol);
        n = 0;
        for (size_t e = 0; e < m->ne; e++)
            if (m->elements[e].kind != D_FIXED && find(parent, e) == root)
                g->members[n++] = e;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < n; k++)
                g->chol[i * n + k] = rho[g->members[i] * m->ne + g->members[k]];
        cholesky(g->chol, n);
    }
    free(parent);
    free(rho);

    /* PERT tables, one per PERT distribution. */
    for (size_t e = 0; e < m->ne; e++)
        if (m->elements[e].kind == D_PERT && add_table(m, &m->elements[e]) != 0)
            goto oom;
    for (size_t r = 0; r < m->nr; r++)
        if (m->risks[r].d.kind == D_PERT && add_table(m, &m->risks[r].d) != 0)
            goto oom;
    for (size_t c = 0; c < m->nc; c++)
        if (m->inflation[c].kind == D_PERT && add_table(m, &m->inflation[c]) != 0)
            goto oom;
    if (m->slip.kind == D_PERT && add_table(m, &m->slip) != 0)
        goto oom;
    rc = 0;
    goto done;
oom:
    set_err(err, es, "out of memory");
done:
    table_free(&sc);
    table_free(&el);
    table_free(&rk);
    table_free(&cu);
    table_free(&co);
    table_free(&fc);
    free(dir);
    for (int i = 0; i < 5; i++)
        free(files[i]);
    if (rc != 0) {
        bf_free(m);
        return NULL;
    }
    return m;
}

void bf_free(bf_model *m)
{
    if (!m)
        return;
    for (size_t g = 0; g < m->ng; g++) {
        free(m->groups[g].members);
        free(m->groups[g].chol);
    }
    for (size_t t = 0; t < m->nt; t++) {
        free(m->tables[t].lower);
        free(m->tables[t].upper);
    }
    free(m->tables);
    free(m->groups);
    free(m->elements);
    free(m->risks);
    free(m->inflation);
    free(m->fx_kind);
    free(m->fx_log0);
    free(m->fx_drift);
    free(m->fx_vol);
    free(m->fx_rev);
    free(m->fx_chol);
    free(m);
}

/* ---- the kernel --------------------------------------------------------- */

/* Blocks b0 .. b1-1 of trial j's uniforms into u[4 b0 ...]: Philox4x64-10
 * on counter (trial, block), all four outputs used, each mapped to the
 * midpoint of one of 2^52 cells of (0, 1) as the engine does. The blocks
 * are independent, so the loop keeps the multipliers busy. */
static inline void philox_fill(philox4x64_key_t key, uint64_t j, uint64_t b0, uint64_t b1,
                               double *u)
{
    for (uint64_t b = b0; b < b1; b++) {
        philox4x64_ctr_t ctr = {{j, b, 0, 0}};
        philox4x64_ctr_t r = philox4x64(ctr, key);
        for (int l = 0; l < 4; l++)
            u[4 * b + (uint64_t)l] = ((double)(r.v[l] >> 12) + 0.5) * 0x1p-52;
    }
}

typedef struct {
    uint64_t norm_inv, norm_cdf, pert, exps;
} tally;

static inline double quantile(const bf_model *m, const dist *d, double u, tally *c)
{
    switch (d->kind) {
    case D_UNIFORM:
        return d->lo + d->width * u;
    case D_TRIANGULAR:
        return u < d->mode_cdf ? d->lo + sqrt(u * d->c_lo) : d->hi - sqrt((1 - u) * d->c_hi);
    case D_PERT:
        c->pert++;
        return d->lo + d->width * pert_unit(&m->tables[d->table], u);
    case D_NORMAL:
        c->norm_inv++;
        return d->mu + d->sigma * norm_inv(u);
    case D_LOGNORMAL:
        c->norm_inv++;
        c->exps++;
        return exp(d->mu + d->sigma * norm_inv(u));
    default:
        return d->ml;
    }
}

typedef struct {
    const bf_model *m;
    uint64_t trials;
    atomic_uint_fast64_t next;
} shared;

typedef struct {
    shared *sh;
    double sum;
    tally c;
    uint64_t n_philox, n_uniform;
} worker_arg;

#define CHUNK 4096

static void *worker(void *p)
{
    worker_arg *w = p;
    const bf_model *m = w->sh->m;
    size_t ne = m->ne, nr = m->nr, nf = m->nf;
    /* Uniforms that every trial draws: elements, risks, slip, inflation. */
    size_t n_fixed = 2 * nr + (m->slip.kind != D_FIXED);
    for (size_t e = 0; e < ne; e++)
        n_fixed += m->elements[e].kind != D_FIXED;
    for (size_t c = 0; c < m->nc; c++)
        n_fixed += m->inflation[c].kind != D_FIXED;
    size_t max_years = 1000; /* CS_MAX_YEAR - base_year at most */
    double *ub = malloc((n_fixed + nf * max_years + 8) * sizeof *ub);
    double *zb = malloc((nf * max_years + 1) * sizeof *zb);
    double *u = malloc((ne + 1) * sizeof *u);
    double z[64];
    if (!ub || !zb || !u || nf > 64) {
        free(ub);
        free(zb);
        free(u);
        return NULL;
    }
    const uint64_t fixed_blocks = (n_fixed + 3) / 4;
    philox4x64_key_t key = {{m->seed, UINT64_C(0x9e3779b97f4a7c15)}};
    tally c = {0};
    uint64_t n_philox = 0, n_uniform = 0;
    double sum = 0;
    for (;;) {
        uint64_t first = atomic_fetch_add(&w->sh->next, CHUNK);
        if (first >= w->sh->trials)
            break;
        uint64_t end = first + CHUNK < w->sh->trials ? first + CHUNK : w->sh->trials;
        for (uint64_t j = first; j < end; j++) {
            philox_fill(key, j, 0, fixed_blocks, ub);
            const double *next = ub;
            for (size_t e = 0; e < ne; e++)
                u[e] = m->elements[e].kind == D_FIXED ? 0.5 : *next++;
            /* Gaussian copula per correlation group. */
            for (size_t g = 0; g < m->ng; g++) {
                const group *gr = &m->groups[g];
                size_t n = gr->n < 64 ? gr->n : 64;
                for (size_t i = 0; i < n; i++)
                    z[i] = norm_inv(u[gr->members[i]]);
                for (size_t i = 0; i < n; i++) {
                    const double *row = gr->chol + i * gr->n;
                    double zi = 0;
                    for (size_t k = 0; k <= i; k++)
                        zi += row[k] * z[k];
                    double ui = norm_cdf(zi);
                    ui = ui <= 0 ? 0x1p-60 : ui >= 1 ? 1 - 0x1p-54 : ui;
                    u[gr->members[i]] = ui;
                }
                c.norm_inv += n;
                c.norm_cdf += n;
            }
            for (size_t e = 0; e < ne; e++)
                sum += quantile(m, &m->elements[e], u[e], &c);
            /* Risks decide part of the slip and the last year. */
            int slip_risk = 0, last_fixed = m->last_fixed, last_moving = m->last_moving;
            for (size_t r = 0; r < nr; r++) {
                const risk *k = &m->risks[r];
                double u0 = next[0], u1 = next[1];
                next += 2;
                if (u0 < k->probability) {
                    sum += quantile(m, &k->d, u1, &c);
                    slip_risk += k->slip;
                    int *last = k->year.moves ? &last_moving : &last_fixed;
                    if (k->year.year > *last)
                        *last = k->year.year;
                }
            }
            double slip_draw = m->slip.kind == D_FIXED ? m->slip.ml
                                                       : quantile(m, &m->slip, *next++, &c);
            int slip = (int)round(slip_draw < 0 ? 0 : slip_draw) + slip_risk;
            sum += slip_draw;
            for (size_t k = 0; k < m->nc; k++)
                if (m->inflation[k].kind != D_FIXED)
                    sum += quantile(m, &m->inflation[k], *next++, &c);
            /* FX paths for years 1 .. t_end: the rest of the uniforms. */
            int last = last_moving + slip > last_fixed ? last_moving + slip : last_fixed;
            int t_end = last - m->base_year;
            if (t_end < 0)
                t_end = 0;
            if ((size_t)t_end > max_years)
                t_end = (int)max_years;
            size_t n_fx = nf * (size_t)t_end, n_all = n_fixed + n_fx;
            uint64_t blocks = (n_all + 3) / 4;
            philox_fill(key, j, fixed_blocks, blocks, ub);
            n_philox += blocks;
            n_uniform += n_all;
            /* The shocks' normal quantiles: the central formula over all
             * of them (a loop without branches, vectorised), then the
             * tails (about 15 %) again; the central-or-tail branch is
             * taken at random for uniforms. */
            const double *uf = ub + n_fixed;
            for (size_t k = 0; k < n_fx; k++)
                zb[k] = norm_inv_central(uf[k] - 0.5);
            for (size_t k = 0; k < n_fx; k++)
                if (fabs(uf[k] - 0.5) > 0.425)
                    zb[k] = norm_inv(uf[k]);
            double prev[64];
            for (size_t i = 0; i < nf; i++)
                prev[i] = m->fx_log0[i];
            for (int t = 0; t < t_end; t++) {
                const double *zt = zb + (size_t)t * nf;
                for (size_t i = 0; i < nf; i++) {
                    const double *row = m->fx_chol + i * nf;
                    double eps = 0;
                    for (size_t k = 0; k <= i; k++)
                        eps += row[k] * zt[k];
                    double v = m->fx_vol[i];
                    prev[i] += m->fx_kind[i] ? m->fx_drift[i] - 0.5 * v * v + v * eps
                                             : m->fx_rev[i] * (m->fx_log0[i] - prev[i]) + v * eps;
                    sum += exp(prev[i]);
                }
            }
            c.norm_inv += n_fx;
            c.exps += n_fx;
        }
    }
    free(ub);
    free(zb);
    free(u);
    w->sum = sum;
    w->c = c;
    w->n_philox = n_philox;
    w->n_uniform = n_uniform;
    return NULL;
}

double bf_run(const bf_model *m, uint64_t trials, unsigned threads, bf_counts *counts)
{
    if (threads < 1)
        threads = 1;
    if (threads > 256)
        threads = 256;
    shared sh = {.m = m, .trials = trials};
    atomic_init(&sh.next, 0);
    worker_arg args[256];
    pthread_t tid[256];
    unsigned started = 1;
    for (unsigned i = 0; i < threads; i++)
        args[i] = (worker_arg){.sh = &sh};
    for (unsigned i = 1; i < threads; i++) {
        if (pthread_create(&tid[i], NULL, worker, &args[i]) != 0)
            break;
        started++;
    }
    worker(&args[0]);
    for (unsigned i = 1; i < started; i++)
        pthread_join(tid[i], NULL);
    double sum = 0;
    bf_counts k = {0};
    for (unsigned i = 0; i < started; i++) {
        sum += args[i].sum;
        k.uniforms += (double)args[i].n_uniform;
        k.philox += (double)args[i].n_philox;
        k.norm_inv += (double)args[i].c.norm_inv;
        k.norm_cdf += (double)args[i].c.norm_cdf;
        k.pert += (double)args[i].c.pert;
        k.exps += (double)args[i].c.exps;
    }
    if (counts && trials > 0) {
        double n = (double)trials;
        counts->uniforms = k.uniforms / n;
        counts->philox = k.philox / n;
        counts->norm_inv = k.norm_inv / n;
        counts->norm_cdf = k.norm_cdf / n;
        counts->pert = k.pert / n;
        counts->exps = k.exps / n;
    }
    return sum;
}

/* ---- accuracy checks ---------------------------------------------------- */

static double half_error(const double *c, double a, double b, unsigned probes, uint64_t *state)
{
    double lnb = lgamma(a) + lgamma(b) - lgamma(a + b), worst = 0;
    for (int o = 0; o < OCTAVES; o++) {
        double base = ldexp(1.0, -o - 2), h = base / SUB;
        for (int k = 0; k < SUB; k++) {
            double v = base + (k + 0.5) * h;
            double e = fabs(half_lookup(c, v) - beta_inv(v, a, b, lnb));
            if (e > worst)
                worst = e;
        }
    }
    for (unsigned i = 0; i < probes; i++) {
        /* xorshift64*: a random octave and position */
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        uint64_t r = *state * UINT64_C(2685821657736338717);
        double v = ldexp(1.0 + (double)(r >> 11) * 0x1p-53, -2 - (int)(r % OCTAVES));
        double e = fabs(half_lookup(c, v) - beta_inv(v, a, b, lnb));
        if (e > worst)
            worst = e;
    }
    return worst;
}

double bf_pert_table_error(const bf_model *m, unsigned probes)
{
    uint64_t state = UINT64_C(0x2545f4914f6cdd1d);
    double worst = 0;
    for (size_t t = 0; t < m->nt; t++) {
        double e1 = half_error(m->tables[t].lower, m->tables[t].a, m->tables[t].b, probes, &state);
        double e2 = half_error(m->tables[t].upper, m->tables[t].b, m->tables[t].a, probes, &state);
        if (e1 > worst)
            worst = e1;
        if (e2 > worst)
            worst = e2;
    }
    return worst;
}

double bf_norm_inv_error(unsigned probes)
{
    double worst = 0;
    for (unsigned i = 0; i <= probes; i++) {
        /* p from 2^-53 to 1/2 on a log scale, and its mirror */
        double p = exp2(-53.0 + 52.0 * i / probes);
        for (int side = 0; side < 2; side++) {
            double pp = side ? 1 - p : p;
            double x = norm_inv(pp);
            double back = side ? 0.5 * erfc(x * 0.70710678118654752440) : norm_cdf(x);
            double want = side ? 1 - pp : pp; /* 1 - pp is exact for pp >= 1/2 */
            double e = fabs(back - want) / want;
            if (e > worst)
                worst = e;
        }
    }
    return worst;
}
