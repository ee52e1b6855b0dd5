/* model: the validated, immutable description of one run — a scenario's
 * settings and its model directory's elements, risks, currencies and
 * correlations, with every override applied (docs/FORMAT.md).
 *
 * Built only by the loader (loader.h); the engine and reporters read it
 * through const pointers. Structs here are plain values so that stages can
 * read them directly; ownership stays with the cs_model. */
#ifndef CS_MODEL_H
#define CS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"

/* Limits of docs/LIMITS.md. */
#define CS_MAX_ELEMENTS 10000
#define CS_MAX_RISKS 10000
#define CS_MAX_CURRENCIES 200
#define CS_MAX_AMOUNT 1e15
#define CS_MAX_RATE 1e15
#define CS_MIN_YEAR 1900
#define CS_MAX_YEAR 2300
#define CS_MAX_TRIALS 1000000000LL
#define CS_MAX_UNITS 1000
#define CS_MAX_SLIP 400           /* years, for risk slips and slip params */
#define CS_MAX_CORR_GROUP 2000    /* elements correlated with each other */
/* The largest group correlation_repair repairs: the nearest-matrix search
 * takes an eigendecomposition per step, seconds at 250 elements and hours
 * at 2 000, so a larger group that needs repair is refused instead. */
#define CS_MAX_REPAIR_GROUP 300

typedef enum {
    CS_BASIS_ONCE,
    CS_BASIS_PER_YEAR,
    CS_BASIS_PER_UNIT,
    CS_BASIS_PER_UNIT_YEAR
} cs_basis;

typedef enum { CS_PROFILE_FLAT, CS_PROFILE_FRONT, CS_PROFILE_BACK } cs_profile;

typedef enum {
    CS_MARK_YEAR,           /* an absolute year: value = offset */
    CS_MARK_FIRST_DELIVERY, /* delivery_1 + offset */
    CS_MARK_LAST_DELIVERY,  /* delivery_units + offset */
    CS_MARK_END_OF_SERVICE  /* last_delivery + service_life - 1 + offset */
} cs_marker;

/* A year expression (docs/FORMAT.md, schedule): "2031", "first_delivery-8",
 * "end_of_service". */
typedef struct {
    cs_marker marker;
    int offset;
} cs_yexpr;

typedef struct {
    char *id;
    char *name;          /* "" when not given */
    size_t phase;        /* index into cs_model.phases */
    size_t currency;     /* index into cs_model.currencies */
    cs_basis basis;
    cs_dist dist;        /* base-year amount, unscaled */
    double scale;        /* element.<id>.scale x phase.<name>.scale */
    cs_yexpr start, end; /* once, per_year */
    cs_profile profile;  /* once */
    double learning;     /* per_unit; 1 when not given */
    int line;            /* line in elements.csv, for run-time messages */
    bool if_empty_zero;  /* once, per_year: a range with start > end costs
                          * nothing (if_empty zero) instead of an error */
    char *stream;        /* random stream name: the stream column or
                          * the id (docs/COMMANDS.md) */
} cs_element;

typedef struct {
    char *id;
    char *name;
    size_t phase;
    size_t currency;
    double probability;
    cs_dist impact;      /* base-year amount, unscaled */
    double scale;        /* phase.<name>.scale */
    cs_yexpr year;
    int slip;            /* years added to the schedule slip when it occurs */
    int line;
    char *stream;        /* random stream name: the stream column or the id */
} cs_risk;

typedef enum { CS_FX_FIXED, CS_FX_GBM, CS_FX_OU } cs_fx_model;

typedef struct {
    char code[4];
    bool is_base;
    double rate;         /* base units per 1 unit in base_year; 1 for base */
    cs_fx_model fx_model;
    double drift, volatility, reversion;
    double hedge_ratio, hedge_rate;
    cs_dist inflation;   /* annual escalation, drawn once per trial */
} cs_currency;

/* A set of non-fixed elements correlated with one another (a connected
 * component of the correlation graph; all non-fixed elements when
 * default_correlation != 0). Elements in no group are independent. */
typedef struct {
    size_t n;
    size_t *elements;    /* element indices, ascending */
    double *chol;        /* n x n lower-triangular L, L L^T = copula matrix */
} cs_corr_group;

/* A file as the loader found it (device and inode), so that a writer can
 * tell an input from an output whatever the paths' spelling or the
 * current directory at writing time. */
typedef struct {
    unsigned long long dev, ino;
} cs_file_id;

static inline bool cs_file_id_same(cs_file_id a, cs_file_id b)
{
    return a.dev == b.dev && a.ino == b.ino;
}

/* The scenario file and the model directory's files. */
#define CS_MAX_INPUT_FILES 7

typedef struct {
    /* Scenario settings (docs/FORMAT.md, scenario keys) */
    char *name;
    char *scenario_path;
    char *model_dir;   /* the model directory as opened (relative to the scenario's) */
    char *model_value; /* the scenario's `model` as written (JSON settings) */
    cs_file_id input_files[CS_MAX_INPUT_FILES]; /* the scenario and model files read */
    size_t n_input_files;
    cs_file_id model_dir_id; /* valid when has_model_dir_id */
    bool has_model_dir_id;
    uint64_t trials;
    uint64_t seed;
    int base_year;
    size_t base_currency;   /* index into currencies (always present) */
    size_t report_currency; /* index into currencies */
    double discount_rate;
    int units;
    bool has_first_delivery;
    int first_delivery;
    int delivery_interval_milli; /* delivery_interval x 1000, exact */
    int build_years;
    int service_life;
    cs_dist slip;           /* years; fixed 0 by default */
    double default_correlation;
    bool correlation_repair;
    bool has_budget;
    double budget;          /* nominal, report currency */

    /* Model */
    cs_element *elements;
    size_t n_elements;
    cs_risk *risks;
    size_t n_risks;
    cs_currency *currencies; /* base currency always included */
    size_t n_currencies;
    char **phases;          /* first appearance: elements, then risks */
    size_t n_phases;

    /* Element correlation (docs/FORMAT.md, correlations) */
    cs_corr_group *corr_groups;
    size_t n_corr_groups;
    bool corr_repaired;
    double corr_repair_max_change; /* Spearman terms; 0 when not repaired */

    /* FX shock correlation among stochastic currencies (gbm/ou with
     * volatility > 0), in currency order */
    size_t n_fx;
    size_t *fx_currencies;  /* currency indices */
    double *fx_chol;        /* n_fx x n_fx lower-triangular */

    /* Warnings to print (e.g. correlation repair), NULL-terminated */
    char **warnings;
    size_t n_warnings;

    /* Schedule and budget settings (docs/FORMAT.md, scenario keys) */
    int budget_measure;      /* the measure budget is in and compared with:
                              * 0 constant, 1 nominal (default), 2 pv, as
                              * cs_measure in results.h */
    bool has_schedule_target;
    int schedule_target;     /* a year: P(first delivery <= target) */
    /* The slip's random stream name (scenario key slip.stream, default
     * "slip"; docs/COMMANDS.md). */
    char *slip_stream;
    /* What was loaded, for the "loaded ..." line of check and run: the
     * rows of correlations.csv and fx_correlations.csv (0 without them). */
    size_t n_correlation_pairs;
    size_t n_fx_correlation_pairs;
    /* The overrides in effect (element.*, risk.*, currency.*, phase.*
     * keys of the scenario file and --set, the last of a key winning):
     * n_overrides keys and their values, NULL for a cleared cell. */
    char **override_keys, **override_values;
    size_t n_overrides;
} cs_model;

/* Frees a model and all it owns; NULL does nothing. */
void cs_model_free(cs_model *m);

/* Year of a marker-free expression or of one resolved against a schedule:
 * delivery_1 and delivery_units are given (slip already included). */
int cs_model_yexpr_eval(const cs_model *m, cs_yexpr y, int first_delivery, int last_delivery);

/* Delivery year of unit k (1-based) for slip s (docs/FORMAT.md, schedule). */
int cs_model_delivery_year(const cs_model *m, int slip, int k);

/* Writes a year expression as text ("2031", "first_delivery-8"). buf >= 48. */
char *cs_model_yexpr_format(cs_yexpr y, char *buf);

/* First and last year in which element e pays anything when the schedule
 * slips by `slip` years (docs/FORMAT.md, elements: once/per_year
 * start…end, per_unit the build years of units 1…units, per_unit_year the
 * service years). */
void cs_model_element_years(const cs_model *m, const cs_element *e, int slip, int *first,
                      int *last);
/* Year in which risk r's impact is paid for a total slip `slip`. */
int cs_model_risk_year(const cs_model *m, const cs_risk *r, int slip);
/* Earliest and latest cash-flow year over all elements and risks at that
 * slip (risks counted as if they occur; an if_empty zero element whose
 * range is empty at that slip is left out). */
void cs_model_year_span(const cs_model *m, int slip, int *first, int *last);

#endif
