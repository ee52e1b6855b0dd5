/* loader_internal: what the parts of the loader (the files of src/input but csvin,
 * num and model) share and nobody else uses: the column layouts of the model
 * tables, the cell and table types, the loader state and the helpers of
 * cells.c. Not part of the library's interface. */
#ifndef CS_LOADER_INTERNAL_H
#define CS_LOADER_INTERNAL_H

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

enum { E_ID, E_NAME, E_PHASE, E_CURRENCY, E_BASIS, E_DIST, E_LOW, E_LIKELY, E_HIGH,
       E_START, E_END, E_PROFILE, E_LEARNING, E_NOTES, E_IF_EMPTY, E_STREAM, E_NCOLS };

enum { R_ID, R_NAME, R_PROBABILITY, R_PHASE, R_CURRENCY, R_DIST, R_LOW, R_LIKELY,
       R_HIGH, R_YEAR, R_SLIP, R_NOTES, R_STREAM, R_NCOLS };

enum { C_CODE, C_RATE, C_FX_MODEL, C_DRIFT, C_VOLATILITY, C_REVERSION, C_HEDGE_RATIO,
       C_HEDGE_RATE, C_INFL_DIST, C_INFL_LOW, C_INFL_LIKELY, C_INFL_HIGH, C_NOTES,
       C_NCOLS };

enum { P_A, P_B, P_RHO, P_NCOLS };

typedef struct {
    const char **keys;
    size_t *values;
    size_t cap, n;
} smap;

typedef struct {
    const char *text;   /* "" = not given */
    const char *path;   /* file, or "--set KEY" */
    int line;           /* 0 for --set */
    const char *column; /* column for messages; NULL for --set */
    const char *name;   /* how messages call it: column name or key */
} cell;

/* The most columns a model table has (elements.csv has all 16): the size
 * of the per-column arrays below and of cs_input_read_table's map. Each
 * column list checks itself against it when compiled (scenario.c). */
#define CS_INPUT_MAX_COLS 16

typedef struct {
    char *path;
    const char *const *cols;
    size_t ncols;
    bool exists;        /* the file is there and was read */
    bool unusable;      /* unreadable or header broken: its rows are not checked */
    bool incomplete;    /* csvin dropped bad rows: an id missing here may be there */
    bool in_header[CS_INPUT_MAX_COLS];
    bool header_required[CS_INPUT_MAX_COLS]; /* a missing one is reported at the header */
    size_t nrows, row_capacity;
    cell *cells;        /* row_capacity x ncols */
    int *lines;
    cs_csv *csv;
} table;

typedef enum { K_PLAIN, K_ELEMENT, K_RISK, K_CURRENCY, K_PHASE } key_kind;

typedef struct {
    char *key, *value;
    char *label;        /* path for messages */
    int line;
    bool from_file;
    bool valid_key;
    bool shadowed;      /* replaced by a later --set of its key (cs_loader_load
                         * still checks its value) */
    size_t set_index;   /* a --set's place among the sets */
    key_kind kind;
    char *id;           /* element/risk id, currency code or phase name */
    int col;            /* column in its table; -1 for scale */
    const char *colname;
} setting;

typedef struct {
    cs_diag *diag;
    size_t errors0;
    bool oom;
    bool scenario_incomplete; /* the reader dropped a bad row of the scenario:
                                 a key "missing" may be on it, already reported */
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
    bool phases_incomplete; /* a row's phase cell failed: a phase may be missing */
} ld;

typedef struct {
    size_t a, b; /* a < b */
    double rho;
    int line;
} pair;

extern const char *const cs_input_element_cols[];

extern const char *const cs_input_risk_cols[];

extern const char *const cs_input_currency_cols[];

int cs_input_col_index(const char *const *cols, const char *name);

bool cs_input_smap_get(const smap *m, const char *key, size_t *value);

/* Adds key unless present. Returns 1 added, 0 already there (*value set to
 * the old one), -1 out of memory. */
int cs_input_smap_put(smap *m, const char *key, size_t *value);

void cs_input_smap_free(smap *m);

static inline cell *row_cells(table *t, size_t row) { return t->cells + row * t->ncols; }

bool cs_input_table_add_row(table *t, int line, const char *path);

void cs_input_table_free(table *t);

static inline size_t nerrors(const ld *L) { return cs_diag_count(L->diag) - L->errors0; }

void cs_input_err(ld *L, const cell *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void cs_input_err_path(ld *L, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void cs_input_out_of_memory(ld *L);

char *cs_input_xstrdup(ld *L, const char *s);
/* Adds the text printf would write to the model's warnings. */
void cs_input_warnf(ld *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning for each comment record of csv that starts with a
 * spreadsheet's error value (cs_csvin_n_error_comments). */
void cs_input_warn_error_comments(ld *L, const cs_csv *csv);

cell cs_input_value_cell(const setting *s);

cell cs_input_key_cell(const setting *s);

/* The effective setting for a plain key, or NULL; empty values count as
 * not given. */
const setting *cs_input_plain(const ld *L, const char *key);

bool cs_input_is_id(const char *s);

bool cs_input_is_code(const char *s);

bool cs_input_check_id(ld *L, const cell *c, const char *what);

bool cs_input_check_code(ld *L, const cell *c);

bool cs_input_number(ld *L, const cell *c, double *out);

/* A number in a range; `allowed` says the range in words. */
bool cs_input_number_in(ld *L, const cell *c, double lo, bool lo_open, double hi,
               bool hi_open, const char *allowed, double *out);

bool cs_input_integer_in(ld *L, const cell *c, long long lo, long long hi,
                const char *allowed, long long *out);

/* A cell that must be given. Silent when the column is missing from the
 * header, which was already reported there. */
bool cs_input_need(ld *L, const table *t, const cell *c, const char *allowed);

bool cs_input_must_be_empty(ld *L, const cell *c, const char *why);

/* dist + low/likely/high (three consecutive cells). With kind_required
 * false an empty dist means fixed, and nothing given at all means fixed 0. */
bool cs_input_read_dist(ld *L, const table *t, const cell *kind, const cell *p,
               bool kind_required, double lo, bool lo_open, double hi,
               bool hi_open, const char *range, cs_dist *d);

bool cs_input_read_yexpr(ld *L, const cell *c, cs_yexpr *y);

/* "2031", or "first_delivery+1 (2033 without slip)" for a marker. */
void cs_input_describe_year(cs_yexpr y, int value, char out[96]);

/* Years of a cash flow at slip 0 against base_year and 1900-2300. */
void cs_input_check_years(ld *L, const cell *first_at, const cell *last_at, int first,
                 int last, const char *what);

char *cs_input_join_path(const char *dir, const char *name);

/* Reads dir/name into t. An optional file that does not exist leaves t
 * empty (exists false) without a message. */
void cs_input_read_table(ld *L, table *t, const char *name, const char *const *cols,
                const char *const *required, bool optional);

const char **cs_input_id_list(ld *L, const table *t, int col);

/* Maps the first row of each id (duplicates are reported later). */
void cs_input_index_ids(ld *L, table *t, int col, smap *map);

/* Reads the stream column of every row of t into streams[r] (a char *
 * field of an array of structs, `stride` bytes apart): the stream cell when
 * set (id syntax) or the id; an error for a name used twice in the file. */
void cs_input_read_streams(ld *L, table *t, int id_col, int stream_col, const char *what,
                           char **streams, size_t stride);

void cs_input_free_settings(ld *L);

/* Reads the scenario file into settings; --set ones replace the file's. */
bool cs_input_read_scenario(ld *L, const cs_setting *sets, size_t n_sets);

void cs_input_read_settings(ld *L);

void cs_input_apply_overrides(ld *L);

void cs_input_check_currencies(ld *L);

/* Resolves a currency cell to an index. Reports an unknown code, or a
 * missing currencies.csv once. */
bool cs_input_currency_ref(ld *L, const cell *c, size_t *idx);

void cs_input_check_report_currency(ld *L);

size_t cs_input_phase_of(ld *L, const char *name);

void cs_input_check_elements(ld *L);

/* phase.<name>.scale, once all phases are known. */
void cs_input_apply_phase_scales(ld *L);

void cs_input_check_risks(ld *L);

void cs_input_build_element_correlation(ld *L);

void cs_input_build_fx_correlation(ld *L);

#endif
