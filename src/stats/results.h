/* results: what a simulation produced, ready for the reporters.
 *
 * Filled by the engine (engine.h); reporters (report_*.c) only read it.
 * All amounts are in millions of the report currency. The fields are
 * public; cs_results_free releases the struct and everything it points to
 * (not the model). */
#ifndef CS_RESULTS_H
#define CS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef enum { CS_CONSTANT = 0, CS_NOMINAL = 1, CS_PV = 2, CS_N_MEASURES = 3 } cs_measure;

/* "constant", "nominal", "pv" */
const char *cs_results_measure_name(cs_measure m);

/* The percentiles of a summary row, in this order: 5 10 20 50 80 90 95. */
#define CS_N_SUMMARY_P 7
extern const double cs_results_summary_p[CS_N_SUMMARY_P]; /* 0.05 ... 0.95 */
extern const char *const cs_results_summary_p_names[CS_N_SUMMARY_P]; /* "p5" ... */
/* Positions in cs_summary_row.p. */
enum { CS_P5, CS_P10, CS_P20, CS_P50, CS_P80, CS_P90, CS_P95 };

typedef enum { CS_LEVEL_TOTAL, CS_LEVEL_PHASE, CS_LEVEL_ELEMENT, CS_LEVEL_RISK } cs_level;

/* One row of summary.csv for one measure. */
typedef struct {
    cs_level level;
    const char *id;   /* "total", the phase name, or the element/risk id */
    const char *name; /* scenario name, phase name, element/risk name */
    double point, mean, sd;
    double p[CS_N_SUMMARY_P];
    double point_percentile; /* percent 0-100 */
} cs_summary_row;

typedef enum {
    CS_INPUT_ELEMENT,
    CS_INPUT_RISK,
    CS_INPUT_SLIP,
    CS_INPUT_INFLATION,
    CS_INPUT_FX
} cs_input_kind;

/* "element", "risk", "slip", "inflation", "fx" */
const char *cs_results_input_kind_name(cs_input_kind k);

/* One uncertain input and its relation to the nominal total. */
typedef struct {
    cs_input_kind kind;
    size_t index;       /* element, risk or currency index; 0 for slip */
    const char *input;  /* id, "slip" or currency code */
    double rank_correlation; /* Spearman vs nominal total */
    double rho2_share;       /* rho^2 / sum rho^2 (a fraction) */
    double ci_low, ci_high;  /* 95% interval of rho (Fieller-Hartley-Pearson);
                                NaN when 3 trials or fewer */
} cs_sensitivity;

/* One uncertain input of the run (streams.csv pairs them across a
 * comparison), whether or not the drivers were measured. */
typedef struct {
    cs_input_kind kind;
    size_t index;       /* element, risk or currency index; 0 for slip */
    const char *input;  /* id, "slip" or currency code */
} cs_uncertain_input;

/* One row of tornado.csv: the nominal P50 with the input held at its low
 * and high value, and swing = |high - low|. */
typedef struct {
    cs_input_kind kind;
    const char *input;
    double low, high, p50;
    double swing;
} cs_tornado;

/* One row of attribution.csv: source "element", "risk", "slip",
 * "inflation" or "fx"; Shapley share, first-order and total Sobol indices
 * (fractions of Var T) and their batch-means standard errors (0 with
 * fewer than 4 trials). */
typedef struct {
    const char *source;
    double shapley_share, shapley_se;
    double first_order, first_order_se;
    double total_effect, total_effect_se;
} cs_attribution;

/* One row of schedule.csv: the delivery year of unit 1 or of the last
 * unit. Without a target (and always on last_delivery) has_target is
 * false and target, confidence and the interval are not set. */
typedef struct {
    const char *marker;      /* "first_delivery" or "last_delivery" */
    double point, mean, p10, p50, p80, p90;
    bool has_target;
    double target;
    double confidence;       /* share 0-1 of trials delivering by target */
    double ci_low, ci_high;  /* its 95% Wilson interval */
} cs_schedule_row;

/* One row of jcl.csv. */
typedef struct {
    int first_delivery_by;
    double budget;           /* the total's P<budget_percentile>, budget_measure */
    int budget_percentile;   /* 5, 10, ..., 95 */
    double joint_confidence; /* share 0-1 */
} cs_jcl_row;

/* One row of allocation.csv. */
typedef struct {
    cs_measure measure;      /* CS_CONSTANT or CS_NOMINAL */
    cs_level level;          /* phase, element or risk */
    const char *id, *name;
    double point, alloc_p50, alloc_p80;
} cs_allocation_row;

/* sd / mean of a summary row; NAN (an empty cell) when the mean is 0. */
double cs_results_cv(const cs_summary_row *row);

typedef struct {
    const cs_model *model;   /* not owned */
    uint64_t trials;         /* trials actually run */
    uint64_t sensitivity_trials; /* trials the drivers were measured on */
    /* --no-drivers: sensitivity, attribution and tornado were not measured
     * (sensitivity_trials 0, none of their rows); their files are not
     * written and the reports say so. */
    bool no_drivers;

    /* summary.csv: rows[m][i] for measure m, i < n_rows; order: total,
     * phases (model order), elements (file order), risks (file order). */
    size_t n_rows;
    cs_summary_row *rows[CS_N_MEASURES];

    /* Totals of every trial in trial order, and the same sorted. */
    double *totals[CS_N_MEASURES];
    double *sorted[CS_N_MEASURES];

    /* 95% confidence intervals of the nominal mean, P50, P80
     * (docs/METHOD.md). */
    double mean_ci[2], p50_ci[2], p80_ci[2];
    /* --precision: the target (fraction, 0 when not asked) and whether the
     * intervals reached it within the trials ceiling. */
    double precision;
    bool precision_met;

    /* by_year.csv: nominal cost per year, first_year ... last_year (0 years
     * when no trial had a cash flow). */
    int first_year;
    size_t n_years;
    double *year_mean, *year_p10, *year_p50, *year_p90;

    /* The uncertain inputs by kind (element, risk, slip, inflation, fx),
     * then file order. */
    size_t n_inputs;
    cs_uncertain_input *inputs;

    /* sensitivity.csv, ordered by |rank_correlation| descending, ties by
     * kind then file order. */
    size_t n_sensitivity;
    cs_sensitivity *sensitivity;

    /* attribution.csv (the uncertain sources, in the order of
     * docs/OUTPUTS.md). */
    size_t n_attribution;
    cs_attribution *attribution;

    /* tornado.csv: up to 10 rows, by swing descending. */
    size_t n_tornado;
    cs_tornado *tornado;

    /* budget.csv */
    bool has_budget;
    double budget;
    double budget_confidence; /* fraction of trials with nominal total <= budget */

    /* trials.csv (only with --trials-out): slip[j], and the nominal cost of
     * phase p in trial j at phase_nominal[j * model->n_phases + p]. */
    bool has_trials;
    int *trial_slip;
    double *trial_phase_nominal;

    /* schedule.csv and jcl.csv, when the model has a schedule (the
     * scenario sets first_delivery): the first delivery year of every
     * trial (kept for trials.csv and the HTML scatter), the two schedule
     * rows and the JCL grid, rows by year then budget level. */
    bool has_schedule;
    int *trial_first_delivery;
    cs_schedule_row schedule[2];
    size_t n_jcl;
    cs_jcl_row *jcl;
    /* With budget and schedule_target: the joint confidence at exactly
     * those values (share 0-1) and its 95% Wilson interval. */
    bool has_joint;
    double joint_confidence, joint_ci[2];

    /* allocation.csv: constant then nominal; within a measure the rows of
     * summary.csv after the total (phases, elements, risks). */
    size_t n_allocation;
    cs_allocation_row *allocation;

    /* by_year.csv: the nominal P80 and the constant measure per year
     * (same years as year_mean). */
    double *year_p80;
    double *year_const_mean, *year_const_p10, *year_const_p50, *year_const_p80,
        *year_const_p90;
    /* The run's settings as it ran them (cs_run_options): the seed of
     * every stream and the trials asked for (the ceiling with precision). */
    uint64_t seed;
    uint64_t trials_requested;
    /* budget.csv: the Wilson 95% interval of budget_confidence. */
    double budget_ci[2];

    /* --precision: the trials ceiling, and whether growth stopped because
     * the next check would not fit in memory (precision then not met). */
    uint64_t precision_ceiling;
    bool precision_memory_stop;
} cs_results;

/* Frees r (allocated with malloc/calloc, as cs_engine_run returns it) and
 * every array it points to; not the model, nor the strings (they point into
 * the model or at literals). NULL does nothing. */
void cs_results_free(cs_results *r);

/* The scurve.csv value of measure m at percentile pct (1..99): the exact
 * type-7 percentile of the sorted totals. */
double cs_results_scurve(const cs_results *r, cs_measure m, int pct);

/* ---- compare and sweep (computed in src/core, written by src/report) ---- */

/* compare.csv, one row per measure: the mean of B - A per trial, that
 * difference's P10, P50, P90, and the fraction of trials with B > A with
 * its Wilson 95% interval (ci_low, ci_high). */
typedef struct {
    double mean_diff, p10, p50, p90, p_b_gt_a;
    double ci_low, ci_high;
} cs_compare_row;

/* The statistics of a sweep combination's total that sweep.csv shows. */
enum { CS_SWEEP_MEAN, CS_SWEEP_P50, CS_SWEEP_P80, CS_SWEEP_P90, CS_SWEEP_N_STATS };

/* One combination of a sweep: only the numbers sweep.csv needs, so a sweep
 * keeps no trials of a finished combination. */
typedef struct {
    double stat[CS_N_MEASURES][CS_SWEEP_N_STATS]; /* NAN when absent */
    bool has_budget;
    double budget_confidence;
    double budget;      /* the budget, in the report currency */
    int budget_measure; /* the measure (cs_measure) it is compared with */
    char currency[4];   /* the report currency's code: a sweep may vary it */
} cs_sweep_row;

#endif
