/* loader: scenario file + model directory -> validated cs_model
 * (SPEC §1-§8, §12). See loader.h and docs/FORMAT.md.
 *
 * The model files are first copied into tables of cells that remember where
 * each text came from (file:line:column, or the scenario line / --set that
 * overrode it), so every later check points at the right place without
 * knowing about overrides. Checks then run table by table, collecting all
 * problems; a check whose inputs already failed is skipped so one mistake
 * gives one message. Parsing of cells is csvin's, numbers num's, the
 * distribution rules dist's and the matrix algebra corr's. Nothing here
 * prints or simulates. */
#include "loader.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corr.h"
#include "csvin.h"
#include "num.h"

#define PSD_TOLERANCE 1e-10
#define MAX_YEAR_OFFSET 400   /* |N| in marker+N; beyond it no year fits 1900-2300 */
#define MAX_SPAN_YEARS 400    /* build_years, service_life */

const char *const cs_scenario_keys[] = {
    "name", "model", "trials", "seed", "base_year", "base_currency", "report_currency",
    "discount_rate", "units", "first_delivery", "delivery_interval", "build_years",
    "service_life", "slip.dist", "slip.low", "slip.likely", "slip.high",
    "default_correlation", "correlation_repair", "budget", NULL};

/* ------------------------------------------------------------------ */
/* Columns of the model files                                          */

enum { E_ID, E_NAME, E_PHASE, E_CURRENCY, E_BASIS, E_DIST, E_LOW, E_LIKELY, E_HIGH,
       E_START, E_END, E_PROFILE, E_LEARNING, E_NOTES, E_NCOLS };
static const char *const element_cols[] = {
    "id", "name", "phase", "currency", "basis", "dist", "low", "likely", "high",
    "start", "end", "profile", "learning", "notes", NULL};
static const char *const element_required[] = {"id", "phase", "currency", "basis",
                                               "dist", NULL};
static const char *const element_override_cols[] = {
    "name", "phase", "currency", "basis", "dist", "low", "likely", "high", "start",
    "end", "profile", "learning", "notes", "scale", NULL};

enum { R_ID, R_NAME, R_PROBABILITY, R_PHASE, R_CURRENCY, R_DIST, R_LOW, R_LIKELY,
       R_HIGH, R_YEAR, R_SLIP, R_NOTES, R_NCOLS };
static const char *const risk_cols[] = {
    "id", "name", "probability", "phase", "currency", "dist", "low", "likely", "high",
    "year", "slip", "notes", NULL};
static const char *const risk_required[] = {"id", "probability", "dist", "year", NULL};
static const char *const risk_override_cols[] = {
    "name", "probability", "phase", "currency", "dist", "low", "likely", "high",
    "year", "slip", "notes", NULL};

enum { C_CODE, C_RATE, C_FX_MODEL, C_DRIFT, C_VOLATILITY, C_REVERSION, C_HEDGE_RATIO,
       C_HEDGE_RATE, C_INFL_DIST, C_INFL_LOW, C_INFL_LIKELY, C_INFL_HIGH, C_NOTES,
       C_NCOLS };
static const char *const currency_cols[] = {
    "currency", "rate", "fx_model", "drift", "volatility", "reversion", "hedge_ratio",
    "hedge_rate", "inflation.dist", "inflation.low", "inflation.likely",
    "inflation.high", "notes", NULL};
static const char *const currency_required[] = {"currency", NULL};
static const char *const currency_override_cols[] = {
    "rate", "fx_model", "drift", "volatility", "reversion", "hedge_ratio", "hedge_rate",
    "inflation.dist", "inflation.low", "inflation.likely", "inflation.high", "notes",
    NULL};

enum { P_A, P_B, P_RHO, P_NCOLS };
static const char *const pair_cols[] = {"a", "b", "rho", NULL};

static const char *const phase_override_cols[] = {"scale", NULL};
static const char *const key_prefixes[] = {"element", "risk", "currency", "phase", NULL};

static int col_index(const char *const *cols, const char *name)
{
    for (int i = 0; cols[i]; i++)
        if (!strcmp(cols[i], name))
            return i;
    return -1;
}

/* ------------------------------------------------------------------ */
/* A string -> index map (open addressing); keys are borrowed.          */

typedef struct {
    const char **keys;
    size_t *values;
    size_t cap, n;
} smap;

static size_t hash_text(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static bool smap_get(const smap *m, const char *key, size_t *value)
{
    if (!m->cap)
        return false;
    for (size_t i = hash_text(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return false;
        if (!strcmp(m->keys[i], key)) {
            if (value)
                *value = m->values[i];
            return true;
        }
    }
}

/* Adds key unless present. Returns 1 added, 0 already there (*value set to
 * the old one), -1 out of memory. */
static int smap_put(smap *m, const char *key, size_t *value)
{
    if (smap_get(m, key, value))
        return 0;
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        const char **keys = calloc(cap, sizeof *keys);
        size_t *values = calloc(cap, sizeof *values);
        if (!keys || !values) {
            free(keys);
            free(values);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = hash_text(m->keys[i]) & (cap - 1);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            values[j] = m->values[i];
        }
        free(m->keys);
        free(m->values);
        m->keys = keys;
        m->values = values;
        m->cap = cap;
    }
    size_t i = hash_text(key) & (m->cap - 1);
    while (m->keys[i])
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = key;
    m->values[i] = *value;
    m->n++;
    return 1;
}

static void smap_free(smap *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ */
/* Cells that remember where their text came from                      */

typedef struct {
    const char *text;   /* "" = not given */
    const char *path;   /* file, or "--set KEY" */
    int line;           /* 0 for --set */
    const char *column; /* column for messages; NULL for --set */
    const char *name;   /* how messages call it: column name or key */
} cell;

typedef struct {
    char *path;
    const char *const *cols;
    size_t ncols;
    bool exists;        /* the file is there and was read */
    bool unusable;      /* unreadable or header broken: its rows are not checked */
    bool incomplete;    /* csvin dropped bad rows: an id missing here may be there */
    bool in_header[16];
    size_t nrows, row_capacity;
    cell *cells;        /* row_capacity x ncols */
    int *lines;
    cs_csv *csv;
} table;

static cell *row_cells(table *t, size_t row) { return t->cells + row * t->ncols; }

static bool table_add_row(table *t, int line, const char *path)
{
    if (t->nrows == t->row_capacity) {
        /* Geometric growth: row-by-row realloc is quadratic under ASan. */
        size_t capacity = t->row_capacity ? 2 * t->row_capacity : 64;
        cell *cells = realloc(t->cells, capacity * (t->ncols ? t->ncols : 1) * sizeof *cells);
        if (!cells)
            return false;
        t->cells = cells;
        int *lines = realloc(t->lines, capacity * sizeof *lines);
        if (!lines)
            return false;
        t->lines = lines;
        t->row_capacity = capacity;
    }
    cell *c = row_cells(t, t->nrows);
    for (size_t j = 0; j < t->ncols; j++)
        c[j] = (cell){"", path, line, t->cols[j], t->cols[j]};
    t->lines[t->nrows++] = line;
    return true;
}

static void table_free(table *t)
{
    free(t->path);
    free(t->cells);
    free(t->lines);
    cs_csv_free(t->csv);
}

/* ------------------------------------------------------------------ */
/* Settings (scenario rows and --set)                                  */

typedef enum { K_PLAIN, K_ELEMENT, K_RISK, K_CURRENCY, K_PHASE } key_kind;

typedef struct {
    char *key, *value;
    char *label;        /* path for messages */
    int line;
    bool from_file;
    bool valid_key;
    key_kind kind;
    char *id;           /* element/risk id, currency code or phase name */
    int col;            /* column in its table; -1 for scale */
    const char *colname;
} setting;

typedef struct {
    cs_diag *diag;
    size_t errors0;
    bool oom;
    const char *scenario_path;
    cs_model *m;

    setting *settings;
    size_t n_settings;

    /* what is known to be usable, so dependent checks can be skipped */
    bool base_year_ok, base_currency_ok, schedule_ok, first_delivery_bad;
    bool default_correlation_ok;
    char base_code[4];

    table el, ri, cur, corr, fxcorr;
    cell *element_scale;     /* per element row; text "" when not set */
    smap element_ids, risk_ids, currency_rows, currency_index, phase_index;
    bool currency_refs_checkable;
    bool need_currencies_reported;
    bool elements_ok, risks_ok, currencies_ok;
} ld;

static size_t nerrors(const ld *L) { return cs_diag_count(L->diag) - L->errors0; }

static void err(ld *L, const cell *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err(ld *L, const cell *c, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cs_diag_add(L->diag, c->path, c->line, c->line > 0 ? c->column : NULL, "%s", msg);
}

static void err_path(ld *L, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_path(ld *L, const char *path, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cs_diag_add(L->diag, path, 0, NULL, "%s", msg);
}

static void out_of_memory(ld *L)
{
    if (!L->oom)
        cs_diag_add(L->diag, L->scenario_path, 0, NULL, "out of memory while loading");
    L->oom = true;
}

static char *xstrdup(ld *L, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        out_of_memory(L);
    return d;
}

static cell value_cell(const setting *s)
{
    return (cell){s->value, s->label, s->line, s->from_file ? "value" : NULL, s->key};
}

static cell key_cell(const setting *s)
{
    return (cell){s->key, s->label, s->line, s->from_file ? "key" : NULL, s->key};
}

/* The effective setting for a plain key, or NULL; empty values count as
 * not given. */
static const setting *plain(const ld *L, const char *key)
{
    for (size_t i = 0; i < L->n_settings; i++) {
        const setting *s = &L->settings[i];
        if (s->valid_key && s->kind == K_PLAIN && !strcmp(s->key, key))
            return s->value[0] ? s : NULL;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Grammar and number checks on one cell                               */

static bool is_id(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return true;
}

static bool is_code(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z';
}

static bool check_id(ld *L, const cell *c, const char *what)
{
    if (is_id(c->text))
        return true;
    err(L, c, "%s '%s' is not valid; allowed: a letter or digit, then letters, digits, "
              "'_' or '-'", what, c->text);
    return false;
}

static bool check_code(ld *L, const cell *c)
{
    if (is_code(c->text))
        return true;
    err(L, c, "currency '%s' is not valid; allowed: three uppercase letters (e.g. CAD)",
        c->text);
    return false;
}

static bool number(ld *L, const cell *c, double *out)
{
    if (cs_parse_number(c->text, out) == 0)
        return true;
    err(L, c, "%s '%s' is not a number; allowed: digits with an optional sign, decimal "
              "point and exponent (e.g. 1250.5, -3, 2e6), no separators, %%, NaN or inf",
        c->name, c->text);
    return false;
}

/* A number in a range; `allowed` says the range in words. */
static bool number_in(ld *L, const cell *c, double lo, bool lo_open, double hi,
                      bool hi_open, const char *allowed, double *out)
{
    double x;
    if (!number(L, c, &x))
        return false;
    bool below = lo_open ? !(x > lo) : !(x >= lo);
    bool above = hi_open ? !(x < hi) : !(x <= hi);
    if (below || above) {
        err(L, c, "%s %s is out of range; allowed: %s", c->name, c->text, allowed);
        return false;
    }
    *out = x;
    return true;
}

static bool integer_in(ld *L, const cell *c, long long lo, long long hi,
                       const char *allowed, long long *out)
{
    double x;
    if (!number(L, c, &x))
        return false;
    if (x != floor(x)) {
        err(L, c, "%s %s is not a whole number; allowed: %s", c->name, c->text, allowed);
        return false;
    }
    if (x < (double)lo || x > (double)hi) {
        err(L, c, "%s %s is out of range; allowed: %s", c->name, c->text, allowed);
        return false;
    }
    *out = (long long)x;
    return true;
}

/* A cell that must be given. Silent when the column is missing from the
 * header, which was already reported there. */
static bool need(ld *L, const table *t, const cell *c, const char *allowed)
{
    if (c->text[0])
        return true;
    int j = t ? col_index(t->cols, c->column ? c->column : "") : -1;
    if (t && j >= 0 && !t->in_header[j] && c->path == t->path)
        return false;
    err(L, c, "%s is required; allowed: %s", c->name, allowed);
    return false;
}

static bool must_be_empty(ld *L, const cell *c, const char *why)
{
    if (!c->text[0])
        return true;
    err(L, c, "%s must be empty %s", c->name, why);
    return false;
}

/* dist + low/likely/high (three consecutive cells). With kind_required
 * false an empty dist means fixed, and nothing given at all means fixed 0. */
static bool read_dist(ld *L, const table *t, const cell *kind, const cell *p,
                      bool kind_required, double lo, bool lo_open, double hi,
                      bool hi_open, const char *range, cs_dist *d)
{
    memset(d, 0, sizeof *d);
    bool ok = true;
    if (kind->text[0]) {
        if (cs_dist_parse_kind(kind->text, &d->kind) != 0) {
            static const char *const names[] = {"fixed", "uniform", "triangular", "pert",
                                                "normal", "lognormal", NULL};
            const char *hint = cs_closest(kind->text, names);
            err(L, kind, "unknown distribution '%s'%s%s%s; allowed: %s", kind->text,
                hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "",
                cs_dist_kind_list());
            ok = false;
        }
    } else if (kind_required) {
        need(L, t, kind, cs_dist_kind_list());
        ok = false;
    } else {
        d->kind = CS_DIST_FIXED;
        if (!p[0].text[0] && !p[1].text[0] && !p[2].text[0]) {
            d->has_likely = true;
            d->likely = 0;
        }
    }
    bool *has[3] = {&d->has_low, &d->has_likely, &d->has_high};
    double *val[3] = {&d->low, &d->likely, &d->high};
    for (int i = 0; i < 3; i++) {
        if (!p[i].text[0])
            continue;
        if (number_in(L, &p[i], lo, lo_open, hi, hi_open, range, val[i]))
            *has[i] = true;
        else
            ok = false;
    }
    if (!ok)
        return false;
    cs_dist_param bad = CS_PARAM_LIKELY;
    char why[512];
    if (cs_dist_prepare(d, &bad, why, sizeof why) != 0) {
        const cell *at = &p[bad];
        /* A missing parameter is best pointed at where it should be; an
         * override that changed dist is the better place when the
         * parameter cell has no origin of its own. */
        err(L, at, "%s", why);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Year expressions (SPEC §3)                                          */

static bool parse_yexpr(const char *s, cs_yexpr *y)
{
    if (strlen(s) == 4 && strspn(s, "0123456789") == 4) {
        *y = (cs_yexpr){CS_MARK_YEAR, atoi(s)};
        return true;
    }
    static const struct { const char *name; cs_marker marker; } markers[] = {
        {"first_delivery", CS_MARK_FIRST_DELIVERY},
        {"last_delivery", CS_MARK_LAST_DELIVERY},
        {"end_of_service", CS_MARK_END_OF_SERVICE}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(markers[i].name);
        if (strncmp(s, markers[i].name, n))
            continue;
        const char *rest = s + n;
        if (!*rest) {
            *y = (cs_yexpr){markers[i].marker, 0};
            return true;
        }
        if ((*rest != '+' && *rest != '-') || !rest[1])
            return false;
        size_t digits = strspn(rest + 1, "0123456789");
        if (rest[1 + digits] || digits > 3)
            return false;
        int off = atoi(rest + 1);
        if (off > MAX_YEAR_OFFSET)
            return false;
        *y = (cs_yexpr){markers[i].marker, *rest == '-' ? -off : off};
        return true;
    }
    return false;
}

static bool read_yexpr(ld *L, const cell *c, cs_yexpr *y)
{
    if (!parse_yexpr(c->text, y)) {
        err(L, c, "%s '%s' is not a year expression; allowed: a four-digit year, or "
                  "first_delivery, last_delivery or end_of_service optionally followed "
                  "by +N or -N (N up to %d), no spaces",
            c->name, c->text, MAX_YEAR_OFFSET);
        return false;
    }
    if (y->marker == CS_MARK_YEAR && (y->offset < CS_MIN_YEAR || y->offset > CS_MAX_YEAR)) {
        err(L, c, "%s %d is out of range; allowed: years %d to %d", c->name, y->offset,
            CS_MIN_YEAR, CS_MAX_YEAR);
        return false;
    }
    if (y->marker != CS_MARK_YEAR && !L->m->has_first_delivery) {
        if (!L->first_delivery_bad)
            err(L, c, "%s '%s' uses a delivery marker but the scenario sets no "
                      "first_delivery; set first_delivery or use a four-digit year",
                c->name, c->text);
        return false;
    }
    return true;
}

/* "2031", or "first_delivery+1 (2033 without slip)" for a marker. */
static void describe_year(cs_yexpr y, int value, char out[96])
{
    char text[48];
    cs_yexpr_format(y, text);
    if (y.marker == CS_MARK_YEAR)
        snprintf(out, 96, "%s", text);
    else
        snprintf(out, 96, "%s (%d without slip)", text, value);
}

/* Years of a cash flow at slip 0 against base_year and 1900-2300. */
static void check_years(ld *L, const cell *first_at, const cell *last_at, int first,
                        int last, const char *what)
{
    if (first < L->m->base_year)
        err(L, first_at, "%s starts in %d without slip, before base_year %d; allowed: "
                         "cash flows from base_year on",
            what, first, L->m->base_year);
    else if (first < CS_MIN_YEAR)
        err(L, first_at, "%s starts in %d; allowed: years %d to %d", what, first,
            CS_MIN_YEAR, CS_MAX_YEAR);
    if (last > CS_MAX_YEAR)
        err(L, last_at, "%s runs to %d without slip; allowed: years %d to %d", what, last,
            CS_MIN_YEAR, CS_MAX_YEAR);
}

/* ------------------------------------------------------------------ */
/* Scenario file and --set                                             */

static bool parse_key(ld *L, setting *s)
{
    cell kc = key_cell(s);
    if (col_index(cs_scenario_keys, s->key) >= 0) {
        s->kind = K_PLAIN;
        return true;
    }
    const char *dot = strchr(s->key, '.');
    size_t plen = dot ? (size_t)(dot - s->key) : strlen(s->key);
    static const key_kind kinds[] = {K_ELEMENT, K_RISK, K_CURRENCY, K_PHASE};
    int prefix = -1;
    for (int i = 0; key_prefixes[i]; i++)
        if (strlen(key_prefixes[i]) == plen && !strncmp(s->key, key_prefixes[i], plen))
            prefix = i;
    if (prefix < 0 || !dot) {
        const char *hint = cs_closest(s->key, cs_scenario_keys);
        char buf[64];
        if (!hint && dot) {
            char first[64];
            snprintf(first, sizeof first, "%.*s", (int)(plen < 63 ? plen : 63), s->key);
            const char *p = cs_closest(first, key_prefixes);
            if (p) {
                snprintf(buf, sizeof buf, "%s%s", p, dot);
                hint = buf;
            }
        }
        if (hint)
            err(L, &kc, "unknown key '%s'; did you mean '%s'? (keys: see docs/FORMAT.md)",
                s->key, hint);
        else
            err(L, &kc, "unknown key '%s'; allowed: name, model, trials, seed, base_year, "
                        "base_currency, report_currency, discount_rate, units, "
                        "first_delivery, delivery_interval, build_years, service_life, "
                        "slip.dist/low/likely/high, default_correlation, "
                        "correlation_repair, budget, element.<id>.<column>, "
                        "risk.<id>.<column>, currency.<code>.<column>, "
                        "element.<id>.scale, phase.<name>.scale",
                s->key);
        return false;
    }
    s->kind = kinds[prefix];
    const char *id = dot + 1;
    const char *dot2 = strchr(id, '.');
    static const char *const forms[] = {"element.<id>.<column>", "risk.<id>.<column>",
                                        "currency.<code>.<column>", "phase.<name>.scale"};
    if (!dot2 || dot2 == id || !dot2[1]) {
        err(L, &kc, "key '%s' is incomplete; allowed: %s", s->key, forms[prefix]);
        return false;
    }
    s->id = strndup(id, (size_t)(dot2 - id));
    if (!s->id) {
        out_of_memory(L);
        return false;
    }
    bool id_ok = s->kind == K_CURRENCY ? is_code(s->id) : is_id(s->id);
    if (!id_ok) {
        err(L, &kc, "'%s' in key '%s' is not a valid %s; allowed: %s", s->id, s->key,
            s->kind == K_CURRENCY ? "currency code" : "name",
            s->kind == K_CURRENCY ? "three uppercase letters"
                                  : "a letter or digit, then letters, digits, '_' or '-'");
        return false;
    }
    const char *colname = dot2 + 1;
    const char *const *allowed = s->kind == K_ELEMENT    ? element_override_cols
                                 : s->kind == K_RISK     ? risk_override_cols
                                 : s->kind == K_CURRENCY ? currency_override_cols
                                                         : phase_override_cols;
    int k = col_index(allowed, colname);
    if (k < 0) {
        const char *hint = cs_closest(colname, allowed);
        if (hint)
            err(L, &kc, "unknown column '%s' in key '%s'; did you mean '%s.%s.%s'?",
                colname, s->key, key_prefixes[prefix], s->id, hint);
        else
            err(L, &kc, "unknown column '%s' in key '%s'; allowed: %s", colname, s->key,
                forms[prefix]);
        return false;
    }
    s->colname = allowed[k];
    const char *const *cols = s->kind == K_ELEMENT    ? element_cols
                              : s->kind == K_RISK     ? risk_cols
                              : s->kind == K_CURRENCY ? currency_cols
                                                      : NULL;
    s->col = cols ? col_index(cols, colname) : -1;
    return true;
}

static setting *add_setting(ld *L)
{
    setting *grown = realloc(L->settings, (L->n_settings + 1) * sizeof *grown);
    if (!grown) {
        out_of_memory(L);
        return NULL;
    }
    L->settings = grown;
    setting *s = &L->settings[L->n_settings++];
    memset(s, 0, sizeof *s);
    s->col = -1;
    return s;
}

static void free_settings(ld *L)
{
    for (size_t i = 0; i < L->n_settings; i++) {
        free(L->settings[i].key);
        free(L->settings[i].value);
        free(L->settings[i].label);
        free(L->settings[i].id);
    }
    free(L->settings);
}

/* Reads the scenario file into settings; --set ones replace the file's. */
static bool read_scenario(ld *L, const cs_setting *sets, size_t n_sets)
{
    cs_csv *csv = cs_csv_read(L->scenario_path, L->diag);
    if (!csv)
        return false;
    static const char *const cols[] = {"key", "value", NULL};
    if (cs_csv_check_header(csv, cols, cols, L->diag) > 0) {
        cs_csv_free(csv);
        return false;
    }
    smap seen = {0};
    for (size_t r = 0; r < cs_csv_nrows(csv); r++) {
        setting *s = add_setting(L);
        if (!s)
            break;
        s->key = xstrdup(L, cs_csv_get(csv, r, "key"));
        s->value = xstrdup(L, cs_csv_get(csv, r, "value"));
        s->label = xstrdup(L, L->scenario_path);
        s->line = cs_csv_line(csv, r);
        s->from_file = true;
        if (L->oom)
            break;
        cell kc = key_cell(s);
        if (!s->key[0]) {
            err(L, &kc, "empty key; allowed: a scenario key such as trials or model");
            continue;
        }
        size_t first = (size_t)s->line;
        int put = smap_put(&seen, s->key, &first);
        if (put == 0) {
            err(L, &kc, "duplicate key '%s' (first at line %zu); each key may appear once",
                s->key, first);
            continue;
        }
        if (put < 0) {
            out_of_memory(L);
            break;
        }
        s->valid_key = parse_key(L, s);
    }
    smap_free(&seen);
    cs_csv_free(csv);

    for (size_t i = 0; i < n_sets && !L->oom; i++) {
        const char *key = sets[i].key ? sets[i].key : "";
        size_t n = strlen(key) + 8;
        char *label = malloc(n);
        if (!label) {
            out_of_memory(L);
            break;
        }
        snprintf(label, n, "--set %s", key);
        /* The last one for a key wins: drop earlier ones, file's included. */
        for (size_t j = 0; j < L->n_settings; j++)
            if (L->settings[j].valid_key && !strcmp(L->settings[j].key, key))
                L->settings[j].valid_key = false;
        setting *s = add_setting(L);
        if (!s) {
            free(label);
            break;
        }
        s->key = xstrdup(L, key);
        s->value = xstrdup(L, sets[i].value);
        s->label = label;
        if (L->oom)
            break;
        if (!key[0]) {
            cell kc = key_cell(s);
            err(L, &kc, "empty key; allowed: KEY=VALUE with a scenario key");
            continue;
        }
        /* The command line bypasses the CSV reader: apply its text rules
         * here, so no raw bytes reach the reports. */
        size_t value_size = strlen(s->value);
        if (value_size > CS_CSV_MAX_FIELD || !cs_utf8_valid(s->value, value_size)) {
            cell vc = value_cell(s);
            if (value_size > CS_CSV_MAX_FIELD)
                err(L, &vc, "value is %zu bytes long; at most %d bytes are allowed",
                    value_size, CS_CSV_MAX_FIELD);
            else
                err(L, &vc, "value is not valid UTF-8; values must be UTF-8 text");
            s->valid_key = false;
            continue;
        }
        if (strlen(key) > CS_CSV_MAX_FIELD || !cs_utf8_valid(key, strlen(key))) {
            cell kc = key_cell(s);
            err(L, &kc, "key is not valid UTF-8 or longer than 4096 bytes; allowed: a "
                        "scenario key");
            s->valid_key = false;
            continue;
        }
        s->valid_key = parse_key(L, s);
    }
    return !L->oom;
}

static char *file_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return strndup(base, n);
}

static char *model_dir_path(const char *scenario, const char *model)
{
    const char *slash = strrchr(scenario, '/');
    size_t dirlen = model[0] == '/' || !slash ? 0 : (size_t)(slash - scenario) + 1;
    size_t n = dirlen + strlen(model) + 1;
    char *out = malloc(n);
    if (!out)
        return NULL;
    memcpy(out, scenario, dirlen);
    strcpy(out + dirlen, model);
    /* Trailing slashes would double in "dir//elements.csv". */
    size_t len = strlen(out);
    while (len > 1 && out[len - 1] == '/')
        out[--len] = '\0';
    return out;
}

static void read_settings(ld *L)
{
    cs_model *m = L->m;
    const setting *s;
    cell c;

    s = plain(L, "name");
    m->name = s ? xstrdup(L, s->value) : file_stem(L->scenario_path);
    m->scenario_path = xstrdup(L, L->scenario_path);

    if ((s = plain(L, "model"))) {
        m->model_dir = model_dir_path(L->scenario_path, s->value);
        if (!m->model_dir)
            out_of_memory(L);
    } else {
        err_path(L, L->scenario_path, "missing key 'model'; allowed: the model directory, "
                                      "relative to the scenario file");
    }

    long long v;
    m->trials = 10000;
    if ((s = plain(L, "trials"))) {
        c = value_cell(s);
        if (integer_in(L, &c, 1, CS_MAX_TRIALS, "a whole number 1 to 1000000000", &v))
            m->trials = (uint64_t)v;
    }

    m->seed = 1;
    if ((s = plain(L, "seed"))) {
        c = value_cell(s);
        if (cs_parse_seed(s->value, &m->seed) != 0)
            err(L, &c, "seed '%s' is not valid; allowed: digits only, 0 to "
                       "18446744073709551615",
                s->value);
    }

    if ((s = plain(L, "base_year"))) {
        c = value_cell(s);
        if (integer_in(L, &c, CS_MIN_YEAR, CS_MAX_YEAR, "a year 1900 to 2300", &v)) {
            m->base_year = (int)v;
            L->base_year_ok = true;
        }
    } else {
        err_path(L, L->scenario_path, "missing key 'base_year'; allowed: the year whose "
                                      "prices and exchange rates the amounts are in");
    }

    if ((s = plain(L, "base_currency"))) {
        c = value_cell(s);
        if (check_code(L, &c)) {
            memcpy(L->base_code, s->value, 4);
            L->base_currency_ok = true;
        }
    } else {
        err_path(L, L->scenario_path, "missing key 'base_currency'; allowed: a "
                                      "three-letter code such as CAD");
    }
    if ((s = plain(L, "report_currency"))) {
        c = value_cell(s);
        check_code(L, &c); /* known or not: checked with the currencies */
    }

    if ((s = plain(L, "discount_rate"))) {
        c = value_cell(s);
        number_in(L, &c, -1, true, 1, false, "-1 < discount_rate <= 1", &m->discount_rate);
    }

    bool schedule_ok = true;
    m->units = 1;
    if ((s = plain(L, "units"))) {
        c = value_cell(s);
        if (integer_in(L, &c, 1, CS_MAX_UNITS,
                       "a whole number 1 to 1000 (costsim's limit on units)", &v))
            m->units = (int)v;
        else
            schedule_ok = false;
    }
    if ((s = plain(L, "first_delivery"))) {
        c = value_cell(s);
        if (integer_in(L, &c, CS_MIN_YEAR, CS_MAX_YEAR, "a year 1900 to 2300", &v)) {
            m->first_delivery = (int)v;
            m->has_first_delivery = true;
        } else {
            L->first_delivery_bad = true;
            schedule_ok = false;
        }
    }
    m->delivery_interval_milli = 1000;
    if ((s = plain(L, "delivery_interval"))) {
        c = value_cell(s);
        double x;
        if (number_in(L, &c, 0, false, 100, false, "0 to 100 years", &x)) {
            double milli = x * 1000.0;
            /* Exact thousandths keep delivery years integer arithmetic
             * (SPEC §3); the tolerance only absorbs decimal-to-binary error. */
            if (fabs(milli - nearbyint(milli)) > 1e-9) {
                err(L, &c, "delivery_interval %s is not a whole number of thousandths; "
                           "allowed: at most three decimals, e.g. 0.75 or 1.125",
                    s->value);
                schedule_ok = false;
            } else {
                m->delivery_interval_milli = (int)nearbyint(milli);
            }
        } else {
            schedule_ok = false;
        }
    }
    m->build_years = 1;
    if ((s = plain(L, "build_years"))) {
        c = value_cell(s);
        if (integer_in(L, &c, 1, MAX_SPAN_YEARS, "a whole number 1 to 400", &v))
            m->build_years = (int)v;
        else
            schedule_ok = false;
    }
    m->service_life = 1;
    if ((s = plain(L, "service_life"))) {
        c = value_cell(s);
        if (integer_in(L, &c, 1, MAX_SPAN_YEARS, "a whole number 1 to 400", &v))
            m->service_life = (int)v;
        else
            schedule_ok = false;
    }
    L->schedule_ok = schedule_ok && L->base_year_ok;

    /* slip: four keys read as one distribution */
    static const char *const slip_keys[] = {"slip.dist", "slip.low", "slip.likely",
                                            "slip.high"};
    cell sc[4];
    const setting *slip_dist = plain(L, "slip.dist");
    for (int i = 0; i < 4; i++) {
        s = plain(L, slip_keys[i]);
        /* A parameter that is missing is pointed at the slip.dist row. */
        sc[i] = s ? value_cell(s)
            : slip_dist ? value_cell(slip_dist)
                        : (cell){"", L->scenario_path, 0, NULL, slip_keys[i]};
        sc[i].text = s ? s->value : "";
        sc[i].name = slip_keys[i];
    }
    read_dist(L, NULL, &sc[0], &sc[1], false, -CS_MAX_SLIP, false, CS_MAX_SLIP, false,
              "-400 to 400 years", &m->slip);

    L->default_correlation_ok = true;
    if ((s = plain(L, "default_correlation"))) {
        c = value_cell(s);
        L->default_correlation_ok = number_in(L, &c, -1, false, 1, false,
                                              "-1 <= default_correlation <= 1",
                                              &m->default_correlation);
    }
    if ((s = plain(L, "correlation_repair"))) {
        c = value_cell(s);
        if (!strcmp(s->value, "yes"))
            m->correlation_repair = true;
        else if (strcmp(s->value, "no"))
            err(L, &c, "correlation_repair '%s' is not valid; allowed: yes or no", s->value);
    }
    if ((s = plain(L, "budget"))) {
        c = value_cell(s);
        if (number_in(L, &c, -CS_MAX_AMOUNT, false, CS_MAX_AMOUNT, false,
                      "a nominal amount in millions, |budget| <= 1e15", &m->budget))
            m->has_budget = true;
    }
}

/* ------------------------------------------------------------------ */
/* Model files                                                         */

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Reads dir/name into t. An optional file that does not exist leaves t
 * empty (exists false) without a message. */
static void read_table(ld *L, table *t, const char *name, const char *const *cols,
                       const char *const *required, bool optional)
{
    t->cols = cols;
    for (t->ncols = 0; cols[t->ncols]; t->ncols++)
        ;
    t->path = join_path(L->m->model_dir, name);
    if (!t->path) {
        out_of_memory(L);
        t->unusable = true;
        return;
    }
    struct stat st;
    if (optional && stat(t->path, &st) != 0 && errno == ENOENT)
        return;
    size_t problems = cs_diag_count(L->diag);
    t->csv = cs_csv_read(t->path, L->diag);
    t->incomplete = cs_diag_count(L->diag) != problems;
    if (!t->csv) {
        t->unusable = true;
        return;
    }
    t->exists = true;
    cs_csv_check_header(t->csv, cols, required, L->diag);
    int map[16];
    for (size_t j = 0; j < t->ncols; j++) {
        map[j] = cs_csv_col(t->csv, cols[j]);
        t->in_header[j] = map[j] >= 0;
    }
    /* A broken header (unknown or duplicate name) means columns may be
     * misread; checking its rows would mostly repeat the same mistake. */
    for (size_t j = 0; j < cs_csv_ncols(t->csv); j++)
        if (col_index(cols, cs_csv_colname(t->csv, j)) < 0)
            t->unusable = true;
    for (size_t r = 0; r < cs_csv_nrows(t->csv); r++) {
        int line = cs_csv_line(t->csv, r);
        if (!table_add_row(t, line, t->path)) {
            out_of_memory(L);
            return;
        }
        cell *c = row_cells(t, r);
        for (size_t j = 0; j < t->ncols; j++)
            c[j].text = cs_csv_cell(t->csv, r, map[j]);
    }
}

static const char **id_list(ld *L, const table *t, int col)
{
    const char **ids = calloc(t->nrows + 1, sizeof *ids);
    if (!ids) {
        out_of_memory(L);
        return NULL;
    }
    for (size_t r = 0; r < t->nrows; r++)
        ids[r] = t->cells[r * t->ncols + (size_t)col].text;
    return ids;
}

/* Maps the first row of each id (duplicates are reported later). */
static void index_ids(ld *L, table *t, int col, smap *map)
{
    for (size_t r = 0; r < t->nrows; r++) {
        size_t v = r;
        const char *id = row_cells(t, r)[col].text;
        if (id[0] && smap_put(map, id, &v) < 0)
            out_of_memory(L);
    }
}

static void apply_overrides(ld *L)
{
    index_ids(L, &L->el, E_ID, &L->element_ids);
    index_ids(L, &L->ri, R_ID, &L->risk_ids);
    index_ids(L, &L->cur, C_CODE, &L->currency_rows);
    L->element_scale = calloc(L->el.nrows + 1, sizeof *L->element_scale);
    if (!L->element_scale) {
        out_of_memory(L);
        return;
    }
    for (size_t i = 0; i < L->n_settings; i++) {
        setting *s = &L->settings[i];
        if (!s->valid_key || s->kind == K_PLAIN || s->kind == K_PHASE)
            continue;
        cell kc = key_cell(s);
        table *t = s->kind == K_ELEMENT ? &L->el : s->kind == K_RISK ? &L->ri : &L->cur;
        smap *ids = s->kind == K_ELEMENT ? &L->element_ids
                    : s->kind == K_RISK  ? &L->risk_ids
                                         : &L->currency_rows;
        if (t->unusable)
            continue;
        size_t row;
        if (!smap_get(ids, s->id, &row)) {
            if (t->incomplete)
                continue;
            if (s->kind == K_CURRENCY && L->base_currency_ok && !strcmp(s->id, L->base_code)) {
                /* The base currency may be absent from currencies.csv; an
                 * override creates its row (e.g. for its inflation). */
                if (!t->path)
                    t->path = join_path(L->m->model_dir, "currencies.csv");
                if (!t->cols) {
                    t->cols = currency_cols;
                    t->ncols = C_NCOLS;
                }
                if (!t->path || !table_add_row(t, 0, t->path)) {
                    out_of_memory(L);
                    return;
                }
                row = t->nrows - 1;
                cell *c = row_cells(t, row);
                for (size_t j = 0; j < t->ncols; j++)
                    c[j] = (cell){"", s->label, s->line, s->from_file ? "value" : NULL,
                                  s->key};
                c[C_CODE].text = L->base_code;
                size_t v = row;
                if (smap_put(ids, c[C_CODE].text, &v) < 0)
                    out_of_memory(L);
            } else {
                const char **known = id_list(L, t, s->kind == K_CURRENCY ? C_CODE : 0);
                const char *hint = known ? cs_closest(s->id, known) : NULL;
                const char *what = s->kind == K_ELEMENT ? "element"
                                   : s->kind == K_RISK  ? "risk"
                                                        : "currency";
                const char *file = s->kind == K_ELEMENT ? "elements.csv"
                                   : s->kind == K_RISK  ? "risks.csv"
                                                        : "currencies.csv";
                if (hint)
                    err(L, &kc, "unknown %s '%s' in key '%s'; did you mean '%s'?", what,
                        s->id, s->key, hint);
                else
                    err(L, &kc, "unknown %s '%s' in key '%s'; allowed: a%s %s in %s%s",
                        what, s->id, s->key, s->kind == K_ELEMENT ? "n" : "",
                        s->kind == K_CURRENCY ? "code" : "id", file,
                        s->kind == K_CURRENCY ? " or the base currency" : "");
                free(known);
                continue;
            }
        }
        if (s->col < 0) { /* element.<id>.scale */
            L->element_scale[row] = value_cell(s);
            continue;
        }
        cell *c = &row_cells(t, row)[s->col];
        *c = value_cell(s);
    }
}

/* ------------------------------------------------------------------ */
/* Currencies (SPEC §7)                                                 */

static void check_currency_row(ld *L, cell *c, cs_currency *cur)
{
    table *t = &L->cur;
    bool base = cur->is_base;
    cur->fx_model = CS_FX_FIXED;
    cur->rate = 1;
    if (base) {
        double r;
        if (c[C_RATE].text[0] && number(L, &c[C_RATE], &r) && r != 1)
            err(L, &c[C_RATE], "rate %s of the base currency %s is not 1; allowed: empty "
                               "or 1 (rates are quoted in the base currency)",
                c[C_RATE].text, cur->code);
    } else if (need(L, t, &c[C_RATE], "a rate in base-currency units per unit, > 0")) {
        number_in(L, &c[C_RATE], 0, true, CS_MAX_RATE, false, "0 < rate <= 1e15",
                  &cur->rate);
    }

    const char *fx = c[C_FX_MODEL].text;
    bool fx_ok = true;
    if (!fx[0] || !strcmp(fx, "fixed"))
        cur->fx_model = CS_FX_FIXED;
    else if (!strcmp(fx, "gbm"))
        cur->fx_model = CS_FX_GBM;
    else if (!strcmp(fx, "ou"))
        cur->fx_model = CS_FX_OU;
    else {
        static const char *const models[] = {"fixed", "gbm", "ou", NULL};
        const char *hint = cs_closest(fx, models);
        err(L, &c[C_FX_MODEL], "unknown fx_model '%s'%s%s%s; allowed: fixed, gbm or ou", fx,
            hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
        fx_ok = false;
    }
    if (base && cur->fx_model != CS_FX_FIXED) {
        err(L, &c[C_FX_MODEL], "the base currency %s is always fixed at 1; allowed: "
                               "fx_model empty or fixed",
            cur->code);
        fx_ok = false;
    }
    if (fx_ok) {
        if (cur->fx_model == CS_FX_FIXED) {
            /* Ignored with fixed (so one override switches FX risk off), but
             * still numbers, so a typo is not silently kept. */
            double ignored;
            for (int j = C_DRIFT; j <= C_REVERSION; j++)
                if (c[j].text[0])
                    number(L, &c[j], &ignored);
        } else {
            if (cur->fx_model == CS_FX_GBM) {
                if (c[C_DRIFT].text[0])
                    number_in(L, &c[C_DRIFT], -1, true, 1, false, "-1 < drift <= 1",
                              &cur->drift);
                must_be_empty(L, &c[C_REVERSION], "for fx_model gbm; reversion is for ou");
            } else {
                must_be_empty(L, &c[C_DRIFT], "for fx_model ou; drift is for gbm");
                if (c[C_REVERSION].text[0])
                    number_in(L, &c[C_REVERSION], 0, false, 1, false,
                              "0 <= reversion <= 1", &cur->reversion);
            }
            if (c[C_VOLATILITY].text[0])
                number_in(L, &c[C_VOLATILITY], 0, false, 2, false, "0 <= volatility <= 2",
                          &cur->volatility);
        }
    }

    if (c[C_HEDGE_RATIO].text[0] &&
        number_in(L, &c[C_HEDGE_RATIO], 0, false, 1, false, "0 <= hedge_ratio <= 1",
                  &cur->hedge_ratio) &&
        base && cur->hedge_ratio != 0)
        err(L, &c[C_HEDGE_RATIO], "the base currency %s cannot be hedged; allowed: "
                                  "hedge_ratio empty or 0",
            cur->code);
    cur->hedge_rate = cur->rate;
    if (c[C_HEDGE_RATE].text[0]) {
        if (base)
            err(L, &c[C_HEDGE_RATE], "the base currency %s cannot be hedged; allowed: "
                                     "hedge_rate empty",
                cur->code);
        else
            number_in(L, &c[C_HEDGE_RATE], 0, true, CS_MAX_RATE, false,
                      "0 < hedge_rate <= 1e15", &cur->hedge_rate);
    }
    read_dist(L, t, &c[C_INFL_DIST], &c[C_INFL_LOW], false, -1, true, 1, false,
              "-1 < inflation <= 1", &cur->inflation);
}

static void check_currencies(ld *L)
{
    cs_model *m = L->m;
    table *t = &L->cur;
    size_t errors = nerrors(L);
    size_t base_row;
    bool base_in_file = L->base_currency_ok && smap_get(&L->currency_rows, L->base_code,
                                                        &base_row);
    m->currencies = calloc(t->nrows + 1, sizeof *m->currencies);
    if (!m->currencies) {
        out_of_memory(L);
        return;
    }
    if (L->base_currency_ok && !base_in_file) {
        cs_currency *cur = &m->currencies[m->n_currencies++];
        memcpy(cur->code, L->base_code, 4);
        cur->is_base = true;
        cur->rate = cur->hedge_rate = 1;
        cur->inflation.kind = CS_DIST_FIXED;
        cur->inflation.has_likely = true;
        size_t v = 0;
        if (smap_put(&L->currency_index, cur->code, &v) < 0)
            out_of_memory(L);
    }
    if (!t->unusable) {
        smap first_line = {0};
        for (size_t r = 0; r < t->nrows; r++) {
            cell *c = row_cells(t, r);
            if (!need(L, t, &c[C_CODE], "three uppercase letters (e.g. USD)") ||
                !check_code(L, &c[C_CODE]))
                continue;
            size_t line = (size_t)t->lines[r];
            int put = smap_put(&first_line, c[C_CODE].text, &line);
            if (put == 0) {
                err(L, &c[C_CODE], "duplicate currency %s (first at line %zu); each "
                                   "currency once",
                    c[C_CODE].text, line);
                continue;
            }
            size_t idx = m->n_currencies;
            cs_currency *cur = &m->currencies[m->n_currencies++];
            memcpy(cur->code, c[C_CODE].text, 4);
            cur->is_base = L->base_currency_ok && !strcmp(cur->code, L->base_code);
            if (smap_put(&L->currency_index, cur->code, &idx) < 0)
                out_of_memory(L);
            if (m->n_currencies == CS_MAX_CURRENCIES + 1)
                err(L, &c[C_CODE], "more than %d currencies; allowed: at most %d",
                    CS_MAX_CURRENCIES, CS_MAX_CURRENCIES);
            check_currency_row(L, c, cur);
        }
        smap_free(&first_line);
    }
    for (size_t i = 0; i < m->n_currencies; i++)
        if (m->currencies[i].is_base)
            m->base_currency = i;
    L->currencies_ok = nerrors(L) == errors && !t->unusable;
    /* Unknown codes can be named only when the list is complete. */
    L->currency_refs_checkable = L->base_currency_ok && !t->unusable && !t->incomplete;
}

/* Resolves a currency cell to an index. Reports an unknown code, or a
 * missing currencies.csv once. */
static bool currency_ref(ld *L, const cell *c, size_t *idx)
{
    if (!check_code(L, c) || !L->base_currency_ok)
        return false;
    if (smap_get(&L->currency_index, c->text, idx))
        return true;
    if (!L->cur.exists && !L->cur.unusable) {
        if (!L->need_currencies_reported) {
            char where[64] = "";
            if (c->line > 0)
                snprintf(where, sizeof where, ":%d", c->line);
            err_path(L, L->cur.path,
                     "missing; currencies.csv is required because currency %s is used "
                     "(%s%s), and only the base currency %s needs none",
                     c->text, c->path, where, L->base_code);
        }
        L->need_currencies_reported = true;
        return false;
    }
    if (!L->currency_refs_checkable)
        return false;
    const char **codes = calloc(L->m->n_currencies + 1, sizeof *codes);
    if (!codes) {
        out_of_memory(L);
        return false;
    }
    for (size_t i = 0; i < L->m->n_currencies; i++)
        codes[i] = L->m->currencies[i].code;
    const char *hint = cs_closest(c->text, codes);
    err(L, c, "unknown currency %s%s%s%s; allowed: the base currency %s or one in "
              "currencies.csv",
        c->text, hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "",
        L->base_code);
    free(codes);
    return false;
}

/* ------------------------------------------------------------------ */
/* Elements and risks (SPEC §5, §6)                                    */

static size_t phase_of(ld *L, const char *name)
{
    size_t idx = L->m->n_phases;
    int put = smap_put(&L->phase_index, name, &idx);
    if (put == 1) {
        /* Kept NULL-terminated so it can serve as a did-you-mean list. */
        char **grown = realloc(L->m->phases, (L->m->n_phases + 2) * sizeof *grown);
        char *copy = strdup(name);
        if (!grown || !copy) {
            free(copy);
            if (grown)
                L->m->phases = grown;
            out_of_memory(L);
            return 0;
        }
        L->m->phases = grown;
        L->m->phases[L->m->n_phases++] = copy;
        L->m->phases[L->m->n_phases] = NULL;
    } else if (put < 0) {
        out_of_memory(L);
    }
    return idx;
}

static bool read_basis(ld *L, const cell *c, cs_basis *b)
{
    static const char *const names[] = {"once", "per_year", "per_unit", "per_unit_year",
                                        NULL};
    int k = col_index(names, c->text);
    if (k >= 0) {
        *b = (cs_basis)k;
        return true;
    }
    const char *hint = cs_closest(c->text, names);
    err(L, c, "unknown basis '%s'%s%s%s; allowed: once, per_year, per_unit or "
              "per_unit_year",
        c->text, hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
    return false;
}

static void check_element_row(ld *L, size_t r, smap *first_line)
{
    table *t = &L->el;
    cell *c = row_cells(t, r);
    cs_model *m = L->m;
    cs_element *e = &m->elements[r];
    e->line = t->lines[r];
    e->scale = 1;
    e->learning = 1;
    e->id = xstrdup(L, c[E_ID].text);
    e->name = xstrdup(L, c[E_NAME].text);

    if (need(L, t, &c[E_ID], "a unique id") && check_id(L, &c[E_ID], "id")) {
        size_t line = (size_t)e->line;
        if (smap_put(first_line, c[E_ID].text, &line) == 0)
            err(L, &c[E_ID], "duplicate element id '%s' (first at line %zu); each id once",
                c[E_ID].text, line);
    }
    if (need(L, t, &c[E_PHASE], "a phase name such as acquisition") &&
        check_id(L, &c[E_PHASE], "phase"))
        e->phase = phase_of(L, c[E_PHASE].text);
    if (need(L, t, &c[E_CURRENCY], "the base currency or one in currencies.csv"))
        currency_ref(L, &c[E_CURRENCY], &e->currency);
    bool basis_ok = need(L, t, &c[E_BASIS], "once, per_year, per_unit or per_unit_year") &&
                    read_basis(L, &c[E_BASIS], &e->basis);
    read_dist(L, t, &c[E_DIST], &c[E_LOW], true, -CS_MAX_AMOUNT, false, CS_MAX_AMOUNT,
              false, "amounts in millions, |x| <= 1e15", &e->dist);

    if (c[E_ID].text[0] && L->element_scale && L->element_scale[r].text) {
        cell *sc = &L->element_scale[r];
        if (sc->text[0])
            number_in(L, sc, 0, false, CS_MAX_AMOUNT, false, "0 <= scale <= 1e15",
                      &e->scale);
    }
    if (!basis_ok)
        return;

    bool dated = e->basis == CS_BASIS_ONCE || e->basis == CS_BASIS_PER_YEAR;
    bool years_ok = true;
    if (dated) {
        const char *allowed = "a four-digit year or a delivery marker such as "
                              "first_delivery-8";
        bool s_ok = need(L, t, &c[E_START], allowed) && read_yexpr(L, &c[E_START], &e->start);
        bool e_ok = need(L, t, &c[E_END], allowed) && read_yexpr(L, &c[E_END], &e->end);
        years_ok = s_ok && e_ok;
    } else {
        years_ok &= must_be_empty(L, &c[E_START], "for basis per_unit or per_unit_year; "
                                                  "start and end are for once and per_year");
        years_ok &= must_be_empty(L, &c[E_END], "for basis per_unit or per_unit_year; start "
                                                "and end are for once and per_year");
        if (!m->has_first_delivery) {
            if (!L->first_delivery_bad)
                err(L, &c[E_BASIS], "basis %s needs the scenario key first_delivery; set "
                                    "first_delivery (year unit 1 is delivered)",
                    c[E_BASIS].text);
            years_ok = false;
        }
    }
    if (e->basis == CS_BASIS_ONCE) {
        const char *p = c[E_PROFILE].text;
        if (!p[0] || !strcmp(p, "flat"))
            e->profile = CS_PROFILE_FLAT;
        else if (!strcmp(p, "front"))
            e->profile = CS_PROFILE_FRONT;
        else if (!strcmp(p, "back"))
            e->profile = CS_PROFILE_BACK;
        else
            err(L, &c[E_PROFILE], "unknown profile '%s'; allowed: flat, front or back", p);
    } else {
        must_be_empty(L, &c[E_PROFILE], "unless basis is once");
    }
    if (e->basis == CS_BASIS_PER_UNIT) {
        if (c[E_LEARNING].text[0])
            number_in(L, &c[E_LEARNING], 0, true, 1, false, "0 < learning <= 1",
                      &e->learning);
    } else {
        must_be_empty(L, &c[E_LEARNING], "unless basis is per_unit");
    }

    if (years_ok && L->schedule_ok) {
        int first, last;
        cs_element_years(m, e, 0, &first, &last);
        if (dated && first > last) {
            char a[96], b[96];
            describe_year(e->start, first, a);
            describe_year(e->end, last, b);
            err(L, &c[E_END], "end %s is before start %s; allowed: start <= end", b, a);
        } else {
            char what[160];
            snprintf(what, sizeof what, "element %s", e->id);
            check_years(L, dated ? &c[E_START] : &c[E_BASIS], dated ? &c[E_END] : &c[E_BASIS],
                        first, last, what);
        }
    }
}

static void check_elements(ld *L)
{
    table *t = &L->el;
    cs_model *m = L->m;
    size_t errors = nerrors(L);
    if (t->unusable)
        return;
    if (t->nrows == 0) {
        err_path(L, t->path, "no elements; allowed: a header and at least one row");
        return;
    }
    if (t->nrows > CS_MAX_ELEMENTS)
        err(L, &row_cells(t, CS_MAX_ELEMENTS)[E_ID], "more than %d elements; allowed: at "
                                                     "most %d",
            CS_MAX_ELEMENTS, CS_MAX_ELEMENTS);
    m->elements = calloc(t->nrows, sizeof *m->elements);
    if (!m->elements) {
        out_of_memory(L);
        return;
    }
    m->n_elements = t->nrows;
    smap first_line = {0};
    for (size_t r = 0; r < t->nrows && !L->oom; r++)
        check_element_row(L, r, &first_line);
    smap_free(&first_line);
    L->elements_ok = nerrors(L) == errors;
}

static void check_risks(ld *L)
{
    table *t = &L->ri;
    cs_model *m = L->m;
    size_t errors = nerrors(L);
    if (t->unusable || !t->exists)
        goto out;
    if (t->nrows > CS_MAX_RISKS)
        err(L, &row_cells(t, CS_MAX_RISKS)[R_ID], "more than %d risks; allowed: at most %d",
            CS_MAX_RISKS, CS_MAX_RISKS);
    m->risks = calloc(t->nrows + 1, sizeof *m->risks);
    if (!m->risks) {
        out_of_memory(L);
        return;
    }
    m->n_risks = t->nrows;
    smap first_line = {0};
    for (size_t r = 0; r < t->nrows && !L->oom; r++) {
        cell *c = row_cells(t, r);
        cs_risk *k = &m->risks[r];
        k->line = t->lines[r];
        k->scale = 1;
        k->id = xstrdup(L, c[R_ID].text);
        k->name = xstrdup(L, c[R_NAME].text);
        if (need(L, t, &c[R_ID], "a unique id") && check_id(L, &c[R_ID], "id")) {
            size_t line = (size_t)k->line;
            if (smap_put(&first_line, c[R_ID].text, &line) == 0)
                err(L, &c[R_ID], "duplicate risk id '%s' (first at line %zu); each id once",
                    c[R_ID].text, line);
        }
        if (need(L, t, &c[R_PROBABILITY], "0 < probability <= 1"))
            number_in(L, &c[R_PROBABILITY], 0, true, 1, false, "0 < probability <= 1",
                      &k->probability);
        if (!c[R_PHASE].text[0])
            k->phase = phase_of(L, "risk");
        else if (check_id(L, &c[R_PHASE], "phase"))
            k->phase = phase_of(L, c[R_PHASE].text);
        if (!c[R_CURRENCY].text[0])
            k->currency = m->base_currency;
        else
            currency_ref(L, &c[R_CURRENCY], &k->currency);
        read_dist(L, t, &c[R_DIST], &c[R_LOW], true, -CS_MAX_AMOUNT, false, CS_MAX_AMOUNT,
                  false, "amounts in millions, |x| <= 1e15", &k->impact);
        long long slip = 0;
        if (c[R_SLIP].text[0] &&
            integer_in(L, &c[R_SLIP], 0, CS_MAX_SLIP, "a whole number 0 to 400 (years)",
                       &slip))
            k->slip = (int)slip;
        if (need(L, t, &c[R_YEAR], "a four-digit year or a delivery marker such as "
                                   "last_delivery+2") &&
            read_yexpr(L, &c[R_YEAR], &k->year) && L->schedule_ok) {
            int y = cs_risk_year(m, k, 0);
            char what[160];
            snprintf(what, sizeof what, "risk %s", k->id);
            check_years(L, &c[R_YEAR], &c[R_YEAR], y, y, what);
        }
    }
    smap_free(&first_line);
out:
    L->risks_ok = nerrors(L) == errors && !t->unusable;
}

/* phase.<name>.scale, once all phases are known. */
static void apply_phase_scales(ld *L)
{
    cs_model *m = L->m;
    for (size_t i = 0; i < L->n_settings; i++) {
        setting *s = &L->settings[i];
        if (!s->valid_key || s->kind != K_PHASE)
            continue;
        size_t p;
        if (!smap_get(&L->phase_index, s->id, &p)) {
            if (L->el.unusable || !L->elements_ok || L->ri.unusable)
                continue; /* a phase cell failed: the list is incomplete */
            cell kc = key_cell(s);
            const char *hint =
                m->phases ? cs_closest(s->id, (const char *const *)m->phases) : NULL;
            err(L, &kc, "unknown phase '%s' in key '%s'%s%s%s; allowed: a phase used in "
                        "elements.csv or risks.csv",
                s->id, s->key, hint ? "; did you mean '" : "", hint ? hint : "",
                hint ? "'?" : "");
            continue;
        }
        if (!s->value[0])
            continue;
        cell vc = value_cell(s);
        double f;
        if (!number_in(L, &vc, 0, false, CS_MAX_AMOUNT, false, "0 <= scale <= 1e15", &f))
            continue;
        for (size_t e = 0; e < m->n_elements; e++)
            if (m->elements[e].phase == p)
                m->elements[e].scale *= f;
        for (size_t r = 0; r < m->n_risks; r++)
            if (m->risks[r].phase == p)
                m->risks[r].scale *= f;
    }
}

/* ------------------------------------------------------------------ */
/* Correlations (SPEC §7, §8)                                          */

typedef struct {
    size_t a, b; /* a < b */
    double rho;
    int line;
} pair;

static int pair_cmp(const void *x, const void *y)
{
    const pair *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return (p->line > q->line) - (p->line < q->line);
}

/* Reads a,b,rho rows; names are looked up in `ids`. Reports unknown names,
 * self pairs, repeats and bad rho. Returns the valid pairs (caller frees). */
static pair *read_pairs(ld *L, table *t, const smap *ids, const char *const *names,
                        bool names_complete, const char *what, size_t *n_pairs, bool *ok)
{
    *n_pairs = 0;
    *ok = !t->unusable;
    if (t->unusable || !t->exists)
        return NULL;
    size_t errors = nerrors(L);
    pair *pairs = calloc(t->nrows + 1, sizeof *pairs);
    if (!pairs) {
        out_of_memory(L);
        *ok = false;
        return NULL;
    }
    bool codes = !strcmp(what, "currency");
    for (size_t r = 0; r < t->nrows; r++) {
        cell *c = row_cells(t, r);
        size_t idx[2];
        bool good = true;
        for (int k = 0; k < 2; k++) {
            cell *x = &c[P_A + k];
            if (!need(L, t, x, codes ? "a currency code" : "an element id")) {
                good = false;
            } else if (!smap_get(ids, x->text, &idx[k])) {
                good = false;
                if (!names_complete)
                    continue; /* its row may be one csvin could not read */
                const char *hint = cs_closest(x->text, names);
                err(L, x, "unknown %s '%s'%s%s%s; allowed: %s", what, x->text,
                    hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "",
                    codes ? "a currency of the model" : "an id in elements.csv");
            }
        }
        if (good && idx[0] == idx[1]) {
            err(L, &c[P_B], "self pair %s-%s; allowed: two different %ss", c[P_A].text,
                c[P_B].text, what);
            good = false;
        }
        double rho = 0;
        if (need(L, t, &c[P_RHO], "-1 <= rho <= 1"))
            good &= number_in(L, &c[P_RHO], -1, false, 1, false, "-1 <= rho <= 1", &rho);
        else
            good = false;
        if (good) {
            size_t a = idx[0] < idx[1] ? idx[0] : idx[1], b = idx[0] ^ idx[1] ^ a;
            pairs[(*n_pairs)++] = (pair){a, b, rho, t->lines[r]};
        }
    }
    qsort(pairs, *n_pairs, sizeof *pairs, pair_cmp);
    for (size_t i = 1; i < *n_pairs; i++) {
        if (pairs[i].a == pairs[i - 1].a && pairs[i].b == pairs[i - 1].b) {
            size_t first = i - 1;
            while (first > 0 && pairs[first - 1].a == pairs[i].a &&
                   pairs[first - 1].b == pairs[i].b)
                first--;
            cell at = {"", t->path, pairs[i].line, "a", "a"};
            err(L, &at, "pair %s-%s is listed twice (first at line %d); allowed: each pair "
                        "once, in either order",
                names[pairs[i].a], names[pairs[i].b], pairs[first].line);
        }
    }
    *ok = nerrors(L) == errors;
    return pairs;
}

/* "a-b (rho 0.9), c-d (rho -0.4)" for the pairs that push the smallest
 * eigenvalue down most: lambda = sum_ij v_i v_j R_ij, so the largest
 * |v_i v_j R_ij| off-diagonal terms are the pairs to look at. */
static void top_pairs(const double *R, const double *v, size_t n, const size_t *members,
                      const char *const *names, bool spearman, char *out, size_t size)
{
    size_t best[3][2] = {{0}};
    double score[3] = {-1, -1, -1};
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double s = fabs(v[i] * v[j] * R[i * n + j]);
            for (int k = 0; k < 3; k++) {
                if (s > score[k]) {
                    for (int q = 2; q > k; q--) {
                        score[q] = score[q - 1];
                        best[q][0] = best[q - 1][0];
                        best[q][1] = best[q - 1][1];
                    }
                    score[k] = s;
                    best[k][0] = i;
                    best[k][1] = j;
                    break;
                }
            }
        }
    out[0] = '\0';
    for (int k = 0; k < 3 && score[k] > 0; k++) {
        size_t i = best[k][0], j = best[k][1];
        double r = R[i * n + j];
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s-%s (rho %.4g)", k ? ", " : "",
                 names[members[i]], names[members[j]],
                 spearman ? cs_corr_normal_to_spearman(r) : r);
    }
}

static bool add_warning(ld *L, const char *text)
{
    char **grown = realloc(L->m->warnings, (L->m->n_warnings + 2) * sizeof *grown);
    if (!grown)
        return false;
    L->m->warnings = grown;
    grown[L->m->n_warnings] = strdup(text);
    if (!grown[L->m->n_warnings])
        return false;
    grown[++L->m->n_warnings] = NULL;
    return true;
}

/* Builds, checks (and maybe repairs) and factors the copula matrix of one
 * group. R is filled by the caller. Returns false after an error. */
static bool factor_group(ld *L, cs_corr_group *g, double *R, const char *const *names,
                         size_t n_nonfixed, const setting *dflt)
{
    cs_model *m = L->m;
    size_t n = g->n;
    double lambda;
    double *v = malloc(n * sizeof *v);
    if (!v || cs_corr_min_eigen(R, n, &lambda, v) != 0) {
        free(v);
        out_of_memory(L);
        return false;
    }
    const char *path = L->corr.path;
    if (lambda < -PSD_TOLERANCE) {
        char pairs[512];
        top_pairs(R, v, n, g->elements, names, true, pairs, sizeof pairs);
        double d = m->default_correlation;
        bool default_alone = d != 0 && n_nonfixed > 1 &&
                             cs_corr_spearman_to_normal(d) < -1.0 / (double)(n_nonfixed - 1);
        if (m->correlation_repair) {
            double *fixed = malloc(n * n * sizeof *fixed);
            if (!fixed || cs_corr_nearest(R, n, fixed) != 0) {
                free(fixed);
                free(v);
                err_path(L, path, "correlation matrix is not positive semi-definite "
                                  "(smallest eigenvalue %.6g) and its repair failed",
                         lambda);
                return false;
            }
            double worst = 0;
            size_t wi = 0, wj = 1;
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                    double change = fabs(cs_corr_normal_to_spearman(fixed[i * n + j]) -
                                         cs_corr_normal_to_spearman(R[i * n + j]));
                    if (change > worst) {
                        worst = change;
                        wi = i;
                        wj = j;
                    }
                }
            memcpy(R, fixed, n * n * sizeof *R);
            free(fixed);
            m->corr_repaired = true;
            if (worst > m->corr_repair_max_change)
                m->corr_repair_max_change = worst;
            char text[1024];
            snprintf(text, sizeof text,
                     "%s: correlation matrix was not positive semi-definite (smallest "
                     "eigenvalue %.6g; pairs contributing most: %s); replaced by the "
                     "nearest valid one, largest change %.4g in rank correlation (%s-%s)",
                     path ? path : "correlations", lambda, pairs, worst,
                     names[g->elements[wi]], names[g->elements[wj]]);
            if (!add_warning(L, text))
                out_of_memory(L);
        } else if (default_alone && dflt) {
            cell c = value_cell(dflt);
            double limit = cs_corr_normal_to_spearman(-1.0 / (double)(n_nonfixed - 1));
            err(L, &c, "default_correlation %s alone makes the matrix of the %zu non-fixed "
                       "elements not positive semi-definite (smallest eigenvalue %.6g; "
                       "2 sin(pi d/6) < -1/(n-1)); allowed: default_correlation >= %.6g "
                       "for %zu elements, or correlation_repair,yes",
                dflt->value, n_nonfixed, lambda, limit, n_nonfixed);
            free(v);
            return false;
        } else {
            err_path(L, path ? path : L->scenario_path,
                     "correlation matrix is not positive semi-definite: smallest "
                     "eigenvalue %.6g (allowed: >= -1e-10); pairs contributing most: %s; "
                     "make these correlations consistent or set correlation_repair,yes",
                     lambda, pairs);
            free(v);
            return false;
        }
    }
    free(v);
    g->chol = malloc(n * n * sizeof *g->chol);
    if (!g->chol) {
        out_of_memory(L);
        return false;
    }
    if (cs_corr_cholesky(R, n, g->chol) != 0) {
        err_path(L, path ? path : L->scenario_path,
                 "correlation matrix could not be factored; allowed: a positive "
                 "semi-definite matrix");
        return false;
    }
    return true;
}

static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

static void build_element_correlation(ld *L)
{
    cs_model *m = L->m;
    table *t = &L->corr;
    size_t n_el = m->n_elements;
    const char **names = NULL;
    size_t n_pairs = 0;
    bool pairs_ok = true;
    pair *pairs = NULL;
    if (!L->el.unusable && n_el > 0) {
        names = calloc(n_el + 1, sizeof *names);
        if (!names) {
            out_of_memory(L);
            return;
        }
        for (size_t i = 0; i < n_el; i++)
            names[i] = m->elements[i].id;
        pairs = read_pairs(L, t, &L->element_ids, names, !L->el.incomplete, "element",
                           &n_pairs, &pairs_ok);
    }
    if (!pairs_ok || !L->elements_ok || !L->default_correlation_ok || L->oom || n_el == 0) {
        free(pairs);
        free(names);
        return;
    }

    size_t *parent = malloc(n_el * sizeof *parent);
    size_t *pos = malloc(n_el * sizeof *pos);
    if (!parent || !pos) {
        out_of_memory(L);
        goto done;
    }
    size_t n_nonfixed = 0;
    for (size_t i = 0; i < n_el; i++) {
        parent[i] = i;
        if (!cs_dist_is_fixed(&m->elements[i].dist))
            n_nonfixed++;
    }
    bool everything = m->default_correlation != 0;
    for (size_t p = 0; p < n_pairs; p++) {
        if (cs_dist_is_fixed(&m->elements[pairs[p].a].dist) ||
            cs_dist_is_fixed(&m->elements[pairs[p].b].dist))
            continue;
        size_t ra = uf_find(parent, pairs[p].a), rb = uf_find(parent, pairs[p].b);
        if (ra != rb)
            parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
    }
    /* Groups in order of their smallest element, members ascending. The
     * union above always keeps the smaller index as root, so a component's
     * root is its first element. */
    const setting *dflt = plain(L, "default_correlation");
    bool everything_done = false;
    for (size_t i = 0; i < n_el && !L->oom; i++) {
        if (cs_dist_is_fixed(&m->elements[i].dist))
            continue;
        size_t root = uf_find(parent, i);
        if (everything ? everything_done : root != i)
            continue;
        everything_done = true;
        size_t count = 0;
        for (size_t j = i; j < n_el; j++)
            if (!cs_dist_is_fixed(&m->elements[j].dist) &&
                (everything || uf_find(parent, j) == root))
                count++;
        if (count < 2)
            continue;
        if (count > CS_MAX_CORR_GROUP) {
            if (everything && dflt) {
                cell c = value_cell(dflt);
                err(L, &c, "default_correlation %s would correlate all %zu non-fixed "
                           "elements in one group; allowed: at most %d correlated "
                           "elements (use 0 and list pairs in correlations.csv)",
                    dflt->value, count, CS_MAX_CORR_GROUP);
            } else {
                err_path(L, t->path, "%zu elements are correlated with one another; "
                                     "allowed: at most %d in one connected group",
                         count, CS_MAX_CORR_GROUP);
            }
            continue;
        }
        cs_corr_group *grown = realloc(m->corr_groups,
                                       (m->n_corr_groups + 1) * sizeof *grown);
        if (!grown) {
            out_of_memory(L);
            break;
        }
        m->corr_groups = grown;
        cs_corr_group *g = &m->corr_groups[m->n_corr_groups++];
        memset(g, 0, sizeof *g);
        g->elements = malloc(count * sizeof *g->elements);
        double *R = malloc(count * count * sizeof *R);
        if (!g->elements || !R) {
            free(R);
            out_of_memory(L);
            break;
        }
        for (size_t j = i; j < n_el; j++)
            if (!cs_dist_is_fixed(&m->elements[j].dist) &&
                (everything || uf_find(parent, j) == root)) {
                pos[j] = g->n;
                g->elements[g->n++] = j;
            }
        double r0 = cs_corr_spearman_to_normal(m->default_correlation);
        for (size_t a = 0; a < count; a++)
            for (size_t b = 0; b < count; b++)
                R[a * count + b] = a == b ? 1.0 : r0;
        for (size_t p = 0; p < n_pairs; p++) {
            size_t a = pairs[p].a, b = pairs[p].b;
            if (cs_dist_is_fixed(&m->elements[a].dist) ||
                cs_dist_is_fixed(&m->elements[b].dist))
                continue;
            if (!everything && uf_find(parent, a) != root)
                continue;
            double r = cs_corr_spearman_to_normal(pairs[p].rho);
            R[pos[a] * count + pos[b]] = R[pos[b] * count + pos[a]] = r;
        }
        factor_group(L, g, R, names, n_nonfixed, dflt);
        free(R);
    }
done:
    free(parent);
    free(pos);
    free(pairs);
    free(names);
}

static void build_fx_correlation(ld *L)
{
    cs_model *m = L->m;
    table *t = &L->fxcorr;
    if (!L->base_currency_ok || L->cur.unusable)
        return;
    const char **names = calloc(m->n_currencies + 1, sizeof *names);
    if (!names) {
        out_of_memory(L);
        return;
    }
    for (size_t i = 0; i < m->n_currencies; i++)
        names[i] = m->currencies[i].code;
    size_t n_pairs = 0;
    bool pairs_ok = true;
    pair *pairs = read_pairs(L, t, &L->currency_index, names, !L->cur.incomplete,
                             "currency", &n_pairs, &pairs_ok);
    if (!pairs_ok || !L->currencies_ok || L->oom) {
        free(pairs);
        free(names);
        return;
    }
    size_t n = 0;
    size_t *pos = malloc((m->n_currencies + 1) * sizeof *pos);
    m->fx_currencies = malloc((m->n_currencies + 1) * sizeof *m->fx_currencies);
    if (!pos || !m->fx_currencies) {
        out_of_memory(L);
        goto done;
    }
    for (size_t i = 0; i < m->n_currencies; i++) {
        const cs_currency *c = &m->currencies[i];
        pos[i] = SIZE_MAX;
        if (c->fx_model != CS_FX_FIXED && c->volatility > 0) {
            pos[i] = n;
            m->fx_currencies[n++] = i;
        }
    }
    m->n_fx = n;
    if (n == 0)
        goto done;
    double *R = calloc(n * n, sizeof *R);
    m->fx_chol = malloc(n * n * sizeof *m->fx_chol);
    double *v = malloc(n * sizeof *v);
    if (!R || !m->fx_chol || !v) {
        free(R);
        free(v);
        out_of_memory(L);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        R[i * n + i] = 1;
    for (size_t p = 0; p < n_pairs; p++) {
        size_t a = pos[pairs[p].a], b = pos[pairs[p].b];
        if (a == SIZE_MAX || b == SIZE_MAX)
            continue; /* a non-stochastic currency has no shocks to correlate */
        R[a * n + b] = R[b * n + a] = pairs[p].rho;
    }
    double lambda;
    if (cs_corr_min_eigen(R, n, &lambda, v) != 0) {
        out_of_memory(L);
    } else if (lambda < -PSD_TOLERANCE) {
        char top[512];
        top_pairs(R, v, n, m->fx_currencies, names, false, top, sizeof top);
        err_path(L, t->path, "FX shock correlation matrix is not positive semi-definite: "
                             "smallest eigenvalue %.6g (allowed: >= -1e-10); pairs "
                             "contributing most: %s; make these correlations consistent",
                 lambda, top);
    } else if (cs_corr_cholesky(R, n, m->fx_chol) != 0) {
        err_path(L, t->path, "FX shock correlation matrix could not be factored; allowed: "
                             "a positive semi-definite matrix");
    }
    free(R);
    free(v);
done:
    free(pos);
    free(pairs);
    free(names);
}

/* ------------------------------------------------------------------ */

static void check_report_currency(ld *L)
{
    cs_model *m = L->m;
    m->report_currency = m->base_currency;
    const setting *s = plain(L, "report_currency");
    if (!s || !is_code(s->value) || !L->base_currency_ok)
        return;
    cell c = value_cell(s);
    currency_ref(L, &c, &m->report_currency);
}

cs_model *cs_load_scenario(const char *path, const cs_setting *sets, size_t n_sets,
                           cs_diag *diag)
{
    ld state = {0};
    ld *L = &state;
    L->diag = diag;
    L->errors0 = cs_diag_count(diag);
    L->scenario_path = path;
    L->m = calloc(1, sizeof *L->m);
    if (!L->m) {
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        return NULL;
    }
    if (!read_scenario(L, sets, n_sets))
        goto done;
    read_settings(L);
    if (!L->m->model_dir || L->oom)
        goto done;

    struct stat st;
    if (stat(L->m->model_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        const setting *s = plain(L, "model");
        cell c = value_cell(s);
        err(L, &c, "model directory '%s' (%s) does not exist or is not a directory; "
                   "allowed: a directory relative to the scenario file",
            s->value, L->m->model_dir);
        goto done;
    }
    read_table(L, &L->el, "elements.csv", element_cols, element_required, false);
    read_table(L, &L->ri, "risks.csv", risk_cols, risk_required, true);
    read_table(L, &L->cur, "currencies.csv", currency_cols, currency_required, true);
    read_table(L, &L->corr, "correlations.csv", pair_cols, pair_cols, true);
    read_table(L, &L->fxcorr, "fx_correlations.csv", pair_cols, pair_cols, true);
    if (L->oom)
        goto done;
    apply_overrides(L);
    check_currencies(L);
    check_report_currency(L);
    check_elements(L);
    check_risks(L);
    apply_phase_scales(L);
    build_element_correlation(L);
    build_fx_correlation(L);

done:
    free(L->element_scale);
    smap_free(&L->element_ids);
    smap_free(&L->risk_ids);
    smap_free(&L->currency_rows);
    smap_free(&L->currency_index);
    smap_free(&L->phase_index);
    table_free(&L->el);
    table_free(&L->ri);
    table_free(&L->cur);
    table_free(&L->corr);
    table_free(&L->fxcorr);
    free_settings(L);
    if (nerrors(L) > 0 || L->oom) {
        cs_model_free(L->m);
        return NULL;
    }
    return L->m;
}
