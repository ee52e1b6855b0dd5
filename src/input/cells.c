/* loader cells: the building blocks every part of the loader shares. A
 * string map (id -> row), tables of cells that remember where each text came
 * from, error reporting at a cell, and the checks of one cell: ids, currency
 * codes, numbers in a range, distributions and year expressions. Reading a
 * model table from its CSV file is here too. */
#include "loader_internal.h"

int cs_input_col_index(const char *const *cols, const char *name)
{
    for (int i = 0; cols[i]; i++)
        if (!strcmp(cols[i], name))
            return i;
    return -1;
}

static size_t hash_text(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

bool cs_input_smap_get(const smap *m, const char *key, size_t *value)
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
int cs_input_smap_put(smap *m, const char *key, size_t *value)
{
    if (cs_input_smap_get(m, key, value))
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

void cs_input_smap_free(smap *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

bool cs_input_table_add_row(table *t, int line, const char *path)
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

void cs_input_table_free(table *t)
{
    free(t->path);
    free(t->cells);
    free(t->lines);
    cs_csvin_free(t->csv);
}

void cs_input_err(ld *L, const cell *c, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cs_diag_add(L->diag, c->path, c->line, c->line > 0 ? c->column : NULL, "%s", msg);
}

void cs_input_err_path(ld *L, const char *path, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cs_diag_add(L->diag, path, 0, NULL, "%s", msg);
}

void cs_input_out_of_memory(ld *L)
{
    if (!L->oom)
        cs_diag_add(L->diag, L->scenario_path, 0, NULL, "out of memory while loading");
    L->oom = true;
}

char *cs_input_xstrdup(ld *L, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        cs_input_out_of_memory(L);
    return d;
}

cell cs_input_value_cell(const setting *s)
{
    return (cell){s->value, s->label, s->line, s->from_file ? "value" : NULL, s->key};
}

cell cs_input_key_cell(const setting *s)
{
    return (cell){s->key, s->label, s->line, s->from_file ? "key" : NULL, s->key};
}

/* The effective setting for a plain key, or NULL; empty values count as
 * not given. */
const setting *cs_input_plain(const ld *L, const char *key)
{
    for (size_t i = 0; i < L->n_settings; i++) {
        const setting *s = &L->settings[i];
        if (s->valid_key && s->kind == K_PLAIN && !strcmp(s->key, key))
            return s->value[0] ? s : NULL;
    }
    return NULL;
}

bool cs_input_is_id(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return true;
}

bool cs_input_is_code(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z';
}

bool cs_input_check_id(ld *L, const cell *c, const char *what)
{
    if (cs_input_is_id(c->text))
        return true;
    cs_input_err(L, c, "%s '%s' is not valid; allowed: a letter or digit, then letters, digits, "
                 "'_' or '-'", what, c->text);
    return false;
}

bool cs_input_check_code(ld *L, const cell *c)
{
    if (cs_input_is_code(c->text))
        return true;
    cs_input_err(L, c, "currency '%s' is not valid; allowed: three uppercase letters (e.g. CAD)",
           c->text);
    return false;
}

/* Whether the cell named `name` (a column, or a key such as
 * currency.KRW.volatility) holds a rate or a share, written as a fraction. */
static bool is_fraction_name(const char *name)
{
    static const char *const fractions[] = {
        "learning", "probability", "hedge_ratio", "drift", "volatility", "reversion",
        "discount_rate", "default_correlation", "rho", "inflation.dist", "inflation.low",
        "inflation.likely", "inflation.high", NULL};
    size_t n = name ? strlen(name) : 0;
    for (size_t i = 0; fractions[i]; i++) {
        size_t k = strlen(fractions[i]);
        if (n >= k && strcmp(name + n - k, fractions[i]) == 0 &&
            (n == k || name[n - k - 1] == '.'))
            return true;
    }
    return false;
}

bool cs_input_number(ld *L, const cell *c, double *out)
{
    if (cs_num_parse_number(c->text, out) == 0)
        return true;
    /* "95%": say how to write it. */
    size_t n = strlen(c->text);
    char digits[64];
    double percent;
    if (n > 1 && n < sizeof digits && c->text[n - 1] == '%') {
        memcpy(digits, c->text, n - 1);
        digits[n - 1] = '\0';
        if (cs_num_parse_number(digits, &percent) == 0) {
            if (is_fraction_name(c->name))
                cs_input_err(L, c, "%s '%s' is not a number; rates and shares are fractions: "
                             "write %.10g, not a percent",
                             c->name, c->text, percent / 100);
            else
                cs_input_err(L, c, "%s '%s' is not a number; allowed: a plain number, "
                             "without %%", c->name, c->text);
            return false;
        }
    }
    if (cs_num_is_too_large(c->text)) { /* "1e400" */
        cs_input_err(L, c, "%s '%s' is too large: numbers must stay within about 1.8e308 in size",
                     c->name, c->text);
        return false;
    }
    cs_input_err(L, c, "%s '%s' is not a number; allowed: digits with an optional sign, decimal "
                 "point and exponent (e.g. 1250.5, -3, 2e6), no separators, %%, NaN or inf",
           c->name, c->text);
    return false;
}

/* A number in a range; `allowed` says the range in words. */
bool cs_input_number_in(ld *L, const cell *c, double lo, bool lo_open, double hi,
               bool hi_open, const char *allowed, double *out)
{
    double x;
    if (!cs_input_number(L, c, &x))
        return false;
    bool below = lo_open ? !(x > lo) : !(x >= lo);
    bool above = hi_open ? !(x < hi) : !(x <= hi);
    if (below || above) {
        cs_input_err(L, c, "%s %s is out of range; allowed: %s", c->name, c->text, allowed);
        return false;
    }
    *out = x;
    return true;
}

bool cs_input_integer_in(ld *L, const cell *c, long long lo, long long hi,
                const char *allowed, long long *out)
{
    double x;
    if (!cs_input_number(L, c, &x))
        return false;
    if (x != floor(x) || !cs_num_text_is_whole(c->text, 0)) {
        cs_input_err(L, c, "%s %s is not a whole number; allowed: %s", c->name, c->text, allowed);
        return false;
    }
    if (x < (double)lo || x > (double)hi) {
        cs_input_err(L, c, "%s %s is out of range; allowed: %s", c->name, c->text, allowed);
        return false;
    }
    *out = (long long)x;
    return true;
}

/* A cell that must be given. Silent when the column, always required, is
 * missing from the header, which was already reported there; a column
 * required only for some rows (a foreign currency's rate, a once
 * element's start) counts as empty when it is missing, so each such row
 * is reported. */
bool cs_input_need(ld *L, const table *t, const cell *c, const char *allowed)
{
    if (c->text[0])
        return true;
    int j = t ? cs_input_col_index(t->cols, c->column ? c->column : "") : -1;
    if (t && j >= 0 && !t->in_header[j] && t->header_required[j] && c->path == t->path)
        return false;
    cs_input_err(L, c, "%s is required; allowed: %s", c->name, allowed);
    return false;
}

bool cs_input_must_be_empty(ld *L, const cell *c, const char *why)
{
    if (!c->text[0])
        return true;
    cs_input_err(L, c, "%s must be empty %s", c->name, why);
    return false;
}

/* dist + low/likely/high (three consecutive cells). With kind_required
 * false an empty dist means fixed, and nothing given at all means fixed 0. */
bool cs_input_read_dist(ld *L, const table *t, const cell *kind, const cell *p,
               bool kind_required, double lo, bool lo_open, double hi,
               bool hi_open, const char *range, cs_dist *d)
{
    memset(d, 0, sizeof *d);
    bool ok = true;
    if (kind->text[0]) {
        if (cs_dist_parse_kind(kind->text, &d->kind) != 0) {
            static const char *const names[] = {"fixed", "uniform", "triangular", "pert",
                                                "normal", "lognormal", NULL};
            const char *hint = cs_csvin_closest(kind->text, names);
            cs_input_err(L, kind, "unknown distribution '%s'%s%s%s; allowed: %s", kind->text,
                   hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "",
                   cs_dist_kind_list());
            ok = false;
        }
    } else if (kind_required) {
        cs_input_need(L, t, kind, cs_dist_kind_list());
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
        if (cs_input_number_in(L, &p[i], lo, lo_open, hi, hi_open, range, val[i]))
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
        /* A bound that two cells break together (high not above low,
         * likely outside them) is reported at the one an override set,
         * when only one was: that is the value that changed. */
        int partner = -1;
        if (bad == CS_PARAM_HIGH && d->has_low)
            partner = CS_PARAM_LOW;
        else if (bad == CS_PARAM_LIKELY && d->has_low && d->likely < d->low)
            partner = CS_PARAM_LOW;
        else if (bad == CS_PARAM_LIKELY && d->has_high && d->likely > d->high)
            partner = CS_PARAM_HIGH;
        if (t && partner >= 0 && at->path == t->path && p[partner].path != t->path)
            at = &p[partner];
        /* A missing or unused parameter is pointed at where it should be
         * (or is); when an override set the distribution, the message also
         * says where, since the file's row shows another one. */
        bool kind_elsewhere = kind->text[0] && kind->path && at->path &&
                              (strcmp(kind->path, at->path) != 0 || kind->line != at->line);
        /* The column's name: "element.hull.dist" and "currency.USD.inflation.dist"
         * name the columns "dist" and "inflation.dist". */
        const char *col = kind->name ? kind->name : "dist";
        if (!strncmp(col, "element.", 8) || !strncmp(col, "risk.", 5) ||
            !strncmp(col, "currency.", 9)) {
            const char *dot = strchr(col, '.');
            dot = dot ? strchr(dot + 1, '.') : NULL;
            col = dot ? dot + 1 : col;
        }
        if (kind_elsewhere && kind->line > 0)
            cs_input_err(L, at, "%s (%s '%s' is set at %s:%d)", why, col, kind->text,
                         kind->path, kind->line);
        else if (kind_elsewhere)
            cs_input_err(L, at, "%s (%s '%s' is set by %s)", why, col, kind->text, kind->path);
        else
            cs_input_err(L, at, "%s", why);
        return false;
    }
    return true;
}

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

bool cs_input_read_yexpr(ld *L, const cell *c, cs_yexpr *y)
{
    if (!parse_yexpr(c->text, y)) {
        cs_input_err(L, c, "%s '%s' is not a year expression; allowed: a four-digit year, or "
                     "first_delivery, last_delivery or end_of_service optionally followed "
                     "by +N or -N (N up to %d), no spaces",
               c->name, c->text, MAX_YEAR_OFFSET);
        return false;
    }
    if (y->marker == CS_MARK_YEAR && (y->offset < CS_MIN_YEAR || y->offset > CS_MAX_YEAR)) {
        cs_input_err(L, c, "%s %d is out of range; allowed: years %d to %d", c->name, y->offset,
               CS_MIN_YEAR, CS_MAX_YEAR);
        return false;
    }
    if (y->marker != CS_MARK_YEAR && !L->m->has_first_delivery) {
        if (!L->first_delivery_bad)
            cs_input_err(L, c, "%s '%s' uses a delivery marker but the scenario sets no "
                         "first_delivery; set first_delivery or use a four-digit year",
                   c->name, c->text);
        return false;
    }
    return true;
}

/* "2031", or "first_delivery+1 (2033 without slip)" for a marker. */
void cs_input_describe_year(cs_yexpr y, int value, char out[96])
{
    char text[48];
    cs_model_yexpr_format(y, text);
    if (y.marker == CS_MARK_YEAR)
        snprintf(out, 96, "%s", text);
    else
        snprintf(out, 96, "%s (%d without slip)", text, value);
}

/* Years of a cash flow at slip 0 against base_year and 1900-2300. */
void cs_input_check_years(ld *L, const cell *first_at, const cell *last_at, int first,
                 int last, const char *what)
{
    if (first < L->m->base_year)
        cs_input_err(L, first_at, "%s starts in %d without slip, before base_year %d; allowed: "
                            "cash flows from base_year on",
               what, first, L->m->base_year);
    else if (first < CS_MIN_YEAR)
        cs_input_err(L, first_at, "%s starts in %d; allowed: years %d to %d", what, first,
               CS_MIN_YEAR, CS_MAX_YEAR);
    if (last > CS_MAX_YEAR)
        cs_input_err(L, last_at, "%s runs to %d without slip; allowed: years %d to %d", what, last,
               CS_MIN_YEAR, CS_MAX_YEAR);
}

/* dir/name, with one slash between them also when dir ends in one
 * ("model/" from a scenario's model,model/). */
char *cs_input_join_path(const char *dir, const char *name)
{
    size_t d = strlen(dir);
    bool slash = d > 0 && dir[d - 1] == '/';
    size_t n = d + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, slash ? "" : "/", name);
    return p;
}

/* Reads dir/name into t. An optional file that does not exist (nor a link
 * of that name) leaves t empty (exists false) without a message. */
void cs_input_read_table(ld *L, table *t, const char *name, const char *const *cols,
                const char *const *required, bool optional)
{
    t->cols = cols;
    for (t->ncols = 0; cols[t->ncols]; t->ncols++)
        ;
    t->path = cs_input_join_path(L->m->model_dir, name);
    if (!t->path) {
        cs_input_out_of_memory(L);
        t->unusable = true;
        return;
    }
    /* A link to nowhere is not an absent file: it is read, and its error
     * reported, as a file that cannot be opened. */
    struct stat st;
    if (optional && stat(t->path, &st) != 0 && errno == ENOENT && lstat(t->path, &st) != 0)
        return;
    size_t problems = cs_diag_count(L->diag);
    t->csv = cs_csvin_read(t->path, L->diag);
    t->incomplete = cs_diag_count(L->diag) != problems;
    cs_input_warn_error_comments(L, t->csv);
    if (!t->csv) {
        t->unusable = true;
        return;
    }
    t->exists = true;
    cs_csvin_check_header(t->csv, cols, required, L->diag);
    int map[CS_INPUT_MAX_COLS];
    for (size_t j = 0; j < t->ncols; j++) {
        map[j] = cs_csvin_col(t->csv, cols[j]);
        t->in_header[j] = map[j] >= 0;
        t->header_required[j] = cs_input_col_index(required, cols[j]) >= 0;
    }
    /* A broken header (unknown or duplicate name) means columns may be
     * misread; checking its rows would mostly repeat the same mistake. */
    for (size_t j = 0; j < cs_csvin_ncols(t->csv); j++)
        if (cs_input_col_index(cols, cs_csvin_colname(t->csv, j)) < 0)
            t->unusable = true;
    for (size_t r = 0; r < cs_csvin_nrows(t->csv); r++) {
        int line = cs_csvin_line(t->csv, r);
        if (!cs_input_table_add_row(t, line, t->path)) {
            cs_input_out_of_memory(L);
            return;
        }
        cell *c = row_cells(t, r);
        for (size_t j = 0; j < t->ncols; j++)
            c[j].text = cs_csvin_cell(t->csv, r, map[j]);
    }
}

const char **cs_input_id_list(ld *L, const table *t, int col)
{
    const char **ids = calloc(t->nrows + 1, sizeof *ids);
    if (!ids) {
        cs_input_out_of_memory(L);
        return NULL;
    }
    for (size_t r = 0; r < t->nrows; r++)
        ids[r] = t->cells[r * t->ncols + (size_t)col].text;
    return ids;
}

/* Maps the first row of each id (duplicates are reported later). */
void cs_input_index_ids(ld *L, table *t, int col, smap *map)
{
    for (size_t r = 0; r < t->nrows; r++) {
        size_t v = r;
        const char *id = row_cells(t, r)[col].text;
        if (id[0] && cs_input_smap_put(map, id, &v) < 0)
            cs_input_out_of_memory(L);
    }
}

/* Whether c was set by an override (--set, or an element./risk. key of the
 * scenario file) rather than read from t's own file. */
static bool overridden(const table *t, const cell *c)
{
    return !t->path || !c->path || strcmp(c->path, t->path) != 0;
}

/* Where a stream cell is, for a message reported at another cell: "line N"
 * in the same file, else the file and line or the --set key. */
static void describe_cell(const table *t, const cell *at, const cell *c, char *buf, size_t n)
{
    if (c->line > 0 && at->path && c->path && !strcmp(at->path, c->path))
        snprintf(buf, n, "line %d", c->line);
    else if (c->line > 0)
        snprintf(buf, n, "%s line %d", c->path, c->line);
    else
        snprintf(buf, n, "%s", c->path ? c->path : t->path);
}

/* The random stream of each row of t (docs/FORMAT.md): the stream column when
 * set (id syntax), else the id; unique within the file. what is "element"
 * or "risk". A clash is reported at the stream cell that comes from an
 * override when one does (the user's change, not the untouched row), else
 * at the later row. */
void cs_input_read_streams(ld *L, table *t, int id_col, int stream_col, const char *what,
                           char **streams, size_t stride)
{
    smap first = {0};
    for (size_t r = 0; r < t->nrows && !L->oom; r++) {
        cell *c = row_cells(t, r);
        const cell *sc = c[stream_col].text[0] ? &c[stream_col] : &c[id_col];
        if (!sc->text[0])
            continue;
        if (sc == &c[stream_col] && !cs_input_check_id(L, sc, "stream"))
            continue;
        char **slot = (char **)((char *)streams + r * stride);
        *slot = cs_input_xstrdup(L, sc->text);
        /* The map keeps 2 x row + 1 when the name came from a stream cell. */
        bool from_cell = sc == &c[stream_col];
        size_t v = 2 * r + from_cell;
        if (cs_input_smap_put(&first, sc->text, &v) != 0)
            continue;
        size_t r0 = v / 2;
        bool first_from_cell = v % 2;
        if (!from_cell && !first_from_cell)
            continue; /* two ids alike are reported as duplicate ids */
        const cell *fc = &row_cells(t, r0)[first_from_cell ? stream_col : id_col];
        char where[1024];
        if (from_cell && (!first_from_cell || !overridden(t, fc) || overridden(t, sc))) {
            describe_cell(t, sc, fc, where, sizeof where);
            if (first_from_cell)
                cs_input_err(L, sc, "duplicate stream '%s' (first used at %s); allowed: a "
                             "stream name used once in the file (an empty stream is the id)",
                             sc->text, where);
            else
                cs_input_err(L, sc, "duplicate stream '%s': %s '%s' at %s has no stream, so "
                             "its stream is its id; allowed: a stream name used once in the "
                             "file", sc->text, what, fc->text, where);
        } else if (from_cell) {
            /* The first one was set by an override: report it there. */
            describe_cell(t, fc, sc, where, sizeof where);
            cs_input_err(L, fc, "duplicate stream '%s' (%s uses it too); allowed: a stream "
                         "name used once in the file (an empty stream is the id)",
                         fc->text, where);
        } else {
            /* This row has no stream, so its id is its stream, which an
             * earlier row's stream cell already names. */
            const cell *at = overridden(t, fc) ? fc : sc;
            describe_cell(t, at, at == fc ? sc : fc, where, sizeof where);
            if (at == fc)
                cs_input_err(L, fc, "duplicate stream '%s': %s '%s' at %s has no stream, so "
                             "its stream is its id; allowed: a stream name used once in the "
                             "file", fc->text, what, sc->text, where);
            else
                cs_input_err(L, sc, "%s '%s' has no stream, so its stream is its id, which "
                             "the stream of %s already uses; allowed: a stream name used "
                             "once in the file", what, sc->text, where);
        }
    }
    cs_input_smap_free(&first);
}
