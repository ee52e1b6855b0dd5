/* costsim.h: the public interface of the costsim library.
 *
 * costsim runs Monte Carlo cost and currency simulations of procurement
 * programs. A program that embeds it includes this header only and links
 * the core library (costsim_core). The library never prints and never
 * exits: every function that can fail returns a cs_status and adds
 * messages (errors and warnings, each with a severity) to a cs_diag list
 * that the caller owns. (One exception it cannot stop: when writing a
 * workbook fails, libxlsxwriter, which the library calls, prints its own
 * "[ERROR] ..." lines on stderr; the status and the message in the diag
 * are the library's.)
 *
 * Names: the library is a static archive whose internal functions are
 * also named cs_*: an embedding program should not define names that
 * start with cs_, which this library reserves.
 *
 * What it does to the process: cs_init() turns GSL's error handler off
 * (GSL's default aborts), for the whole process. While a path writer
 * renames its files into place it blocks the termination signals of the
 * calling thread (SIGINT and SIGTERM; restored before it returns),
 * so a commit is never left half done. It leaves an empty hidden
 * `.costsim-lock` in every output directory (the lock of two writers at
 * once), creates its temporary files beside their targets (and builds
 * each workbook in a private directory under $TMPDIR, or /tmp, before
 * copying it there), and each run checks the memory the machine has left
 * before it starts, on its own.
 *
 * Call cs_init() once, before anything else, from one thread.
 *
 * Objects are opaque handles: a scenario (loaded and checked, never changed
 * afterwards), a run (its results), a comparison of two scenarios, and a
 * sweep of one scenario over a grid of settings. Every *_free function
 * accepts NULL and does nothing. A run or comparison refers to the
 * scenarios it was made from: free those last. Handles may be used from
 * several threads only if no two threads use the same handle at once.
 *
 * A minimal program:
 *
 *     cs_init();
 *     cs_diag *d = cs_diag_alloc();
 *     cs_scenario *s = NULL;
 *     cs_run *r = NULL;
 *     double p50;
 *     if (cs_scenario_load("base.csv", NULL, 0, &s, d) == CS_OK &&
 *         cs_scenario_run(s, NULL, &r, d) == CS_OK &&
 *         cs_run_percentile(r, CS_TOTAL_NOMINAL, 0.5, &p50) == CS_OK)
 *         printf("P50 %.1f\n", p50);
 *     for (size_t i = 0; i < cs_diag_count(d); i++)
 *         fprintf(stderr, "%s\n", cs_diag_message(d, i));
 *     cs_run_free(r); cs_scenario_free(s); cs_diag_free(d); */
#ifndef COSTSIM_H
#define COSTSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a library function reports. Only the command line maps these to
 * exit statuses (CS_OK 0, CS_E_INPUT 2, the others 1). A NULL handle,
 * FILE*, path, directory or out pointer passed to a function returning
 * cs_status is CS_E_INPUT with a message naming the function and the
 * argument (constructors set *out to NULL first when out itself is not
 * NULL); the getters return NULL or 0 for a NULL handle. diag, cfg and the
 * *_free functions' arguments may always be NULL. */
typedef enum {
    CS_OK = 0,        /* done */
    CS_E_INPUT,       /* bad input or a usage error: nothing was simulated */
    CS_E_RUNTIME,     /* the input was valid but the run failed (e.g. a draw
                         put a cash flow before the base year, a write failed) */
    CS_E_NOMEM,       /* out of memory */
    CS_E_CANCELLED    /* the run's cancel token was set */
} cs_status;

/* The severity of one diagnostic message. */
typedef enum {
    CS_SEVERITY_ERROR = 0,   /* the operation failed because of it */
    CS_SEVERITY_WARNING      /* the operation went on; the caller may show it */
} cs_severity;

/* Prepares the library: turns off GSL's default error handler (which
 * aborts the process) so that numerical failures come back as statuses.
 * Call once before any other function, from one thread; calling it again
 * does no harm. */
void cs_init(void);

/* The library's version, "MAJOR.MINOR.PATCH", as `costsim --version`
 * prints it. */
const char *cs_version(void);

/* ---- Messages ----------------------------------------------------------- */

/* A list of messages (errors and warnings) the caller owns. */
typedef struct cs_diag cs_diag;

/* A new empty list; NULL when out of memory. */
cs_diag *cs_diag_alloc(void);
/* Frees the list; NULL does nothing. */
void cs_diag_free(cs_diag *d);
/* Number of messages (errors and warnings); 0 for NULL. */
size_t cs_diag_count(const cs_diag *d);
/* Number of errors among them; 0 for NULL. */
size_t cs_diag_errors(const cs_diag *d);
/* Message i as "path:line:column: what is wrong; what is allowed" (parts
 * that do not apply are left out). The text belongs to d and stays valid
 * until d is cleared or freed; NULL when i >= count or out of memory. */
const char *cs_diag_message(cs_diag *d, size_t i);
/* Severity of message i; CS_SEVERITY_ERROR when i >= count. */
cs_severity cs_diag_severity(const cs_diag *d, size_t i);
/* Removes every message. */
void cs_diag_clear(cs_diag *d);

/* ---- Cancelling --------------------------------------------------------- */

/* A cancel token: the caller owns it and hands it to runs through
 * cs_run_config.cancel; setting it stops those runs between blocks of
 * trials with CS_E_CANCELLED. */
typedef struct cs_cancel cs_cancel;

/* A new token, not set; NULL when out of memory. */
cs_cancel *cs_cancel_alloc(void);
/* Frees the token; NULL does nothing. No run may still use it. */
void cs_cancel_free(cs_cancel *c);
/* Sets the token. Async-signal-safe (one lock-free atomic store) and
 * thread-safe; NULL does nothing. */
void cs_cancel_request(cs_cancel *c);
/* True once the token was set; false for NULL. */
bool cs_cancel_requested(const cs_cancel *c);
/* Clears the token for another run. */
void cs_cancel_reset(cs_cancel *c);

/* ---- Scenarios ---------------------------------------------------------- */

/* A scenario file with its model directory, loaded and checked. */
typedef struct cs_scenario cs_scenario;

/* Loads and checks the scenario at path (a scenario CSV naming its model
 * directory). overrides are n_overrides strings "KEY=VALUE" applied over
 * the file's keys as `costsim --set` does, the last one for a key winning
 * (may be NULL when n_overrides is 0; a NULL list with a count, or a NULL
 * entry, is CS_E_INPUT). On CS_OK *out is a new scenario;
 * otherwise *out is NULL and diag lists every problem (CS_E_INPUT: the
 * files or an override are invalid; CS_E_NOMEM). Warnings (e.g. a repaired
 * correlation matrix) are added to diag with CS_SEVERITY_WARNING. */
cs_status cs_scenario_load(const char *path, const char *const *overrides,
                           size_t n_overrides, cs_scenario **out, cs_diag *diag);
/* Frees the scenario; NULL does nothing. Runs and comparisons made from it
 * must be freed first. */
void cs_scenario_free(cs_scenario *s);
/* The scenario's name (its `name` key, else the file name). */
const char *cs_scenario_name(const cs_scenario *s);
/* The trials and seed the scenario asks for (its keys or the defaults). */
uint64_t cs_scenario_trials(const cs_scenario *s);
uint64_t cs_scenario_seed(const cs_scenario *s);

/* ---- Running ------------------------------------------------------------ */

/* How to run. All-zero (or a NULL pointer) means: the scenario's trials and
 * seed, every processor, no precision target. Results do not depend on
 * threads. */
typedef struct {
    uint64_t trials;   /* 0: the scenario's (with a precision target:
                          10 000 000, as `--precision` without `--trials`) */
    int has_seed;      /* nonzero: use seed instead of the scenario's */
    uint64_t seed;
    unsigned threads;  /* 0: every online processor; at most 1024 (more is
                          CS_E_INPUT) */
    double precision;  /* > 0: add trials, up to `trials`, until the 95 % intervals
                          of the nominal mean and P80 are within this fraction;
                          0: no target; anything but 0 or a fraction in (0, 1)
                          (negative, 1 or more, NaN) is CS_E_INPUT */
    int trials_out;    /* nonzero: keep per-trial rows (trials.csv) */
    int no_drivers;    /* nonzero: do not measure sensitivity, attribution and
                          tornado (faster, less memory; their files are not
                          written and their JSON arrays are empty); every
                          other result is the same */
    cs_cancel *cancel; /* may be NULL */
    /* Called from the calling thread between blocks (may be NULL). */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
} cs_run_config;

/* The finished results of one scenario. */
typedef struct cs_run cs_run;

/* Runs the scenario's Monte Carlo trials. On CS_OK *out is a new run
 * (refers to s: free the run first); otherwise *out is NULL and diag says
 * why: CS_E_INPUT (refused before starting, e.g. more trials than memory
 * allows), CS_E_RUNTIME (a trial broke a rule, e.g. a cash flow before the
 * base year), CS_E_NOMEM, CS_E_CANCELLED. */
cs_status cs_scenario_run(const cs_scenario *s, const cs_run_config *cfg, cs_run **out,
                          cs_diag *diag);
/* Frees the run; NULL does nothing. */
void cs_run_free(cs_run *r);

/* The three totals of a trial. */
typedef enum {
    CS_TOTAL_CONSTANT = 0, /* constant base-year prices and exchange rates */
    CS_TOTAL_NOMINAL = 1,  /* then-year (nominal) */
    CS_TOTAL_PV = 2        /* present value in the base year */
} cs_total;

/* Trials the run did (with a precision target, those it needed). */
uint64_t cs_run_trials(const cs_run *r);
/* The q-quantile (0 <= q <= 1; 0.5 is the P50) of a total over the run's
 * trials, in millions of the report currency, as in summary.csv (type 7,
 * exact). CS_E_INPUT when q or which is out of range. */
cs_status cs_run_percentile(const cs_run *r, cs_total which, double q, double *out);
/* The mean of a total over the run's trials (as summary.csv). CS_E_INPUT
 * when which is out of range. */
cs_status cs_run_mean(const cs_run *r, cs_total which, double *out);

/* Writers. Those that take a FILE* write to it and leave it open; a write
 * error shows in ferror(f) and as CS_E_RUNTIME. Those that take a path
 * replace the file all or nothing (a temporary in the same directory,
 * renamed when complete): on failure the old file is untouched. A file's
 * directory must exist (CS_E_RUNTIME, "cannot create", when it does not),
 * as for `--report` and `--xlsx`; the *_write_dir functions create
 * missing parents of their directory, as `--out` does. An empty path is
 * CS_E_INPUT, as a NULL one. Every path writer
 * of a run, comparison or sweep refuses (CS_E_INPUT, nothing written) to
 * replace or remove an input: a path that is the scenario file or a model
 * file, a directory holding one under an output's name (a scenario saved
 * as summary.csv), a model directory itself, or a new *.csv file in a
 * model directory (which its next load would read), as the command line
 * refuses them. Inputs are known by the files the load read (device and
 * inode), so another spelling, a link or a chdir since loading changes
 * nothing. */

/* Every CSV file of the run (summary, by_year, scurve, sensitivity,
 * attribution and tornado unless no_drivers, budget when set, trials with
 * trials_out) and report.html into dir, all or nothing, as `costsim run
 * --out DIR`. */
cs_status cs_run_write_dir(const cs_run *r, const char *dir, cs_diag *diag);
/* The JSON object of `costsim run --format json`. */
cs_status cs_run_write_json(const cs_run *r, FILE *f, cs_diag *diag);
/* summary.csv, as `--format csv`. */
cs_status cs_run_write_csv(const cs_run *r, FILE *f, cs_diag *diag);
/* The terminal table of `costsim run`. */
cs_status cs_run_write_table(const cs_run *r, FILE *f, cs_diag *diag);
/* The HTML report (`--report`) to path. */
cs_status cs_run_write_html(const cs_run *r, const char *path, cs_diag *diag);
/* The Excel workbook (`--xlsx`) to path. */
cs_status cs_run_write_xlsx(const cs_run *r, const char *path, cs_diag *diag);

/* ---- Comparing ---------------------------------------------------------- */

/* Two scenarios run on common random numbers, and their difference. */
typedef struct cs_comparison cs_comparison;

/* Compares b with a: both must have the same base_year and report_currency
 * (CS_E_INPUT otherwise). a's trials and seed (or cfg's) apply to both;
 * with a precision target a decides the trial count and b runs as many.
 * The scenarios are not changed. On CS_OK *out is new (refers to a and b:
 * free it first); otherwise NULL, with statuses as cs_scenario_run. */
cs_status cs_scenario_compare(const cs_scenario *a, const cs_scenario *b,
                              const cs_run_config *cfg, cs_comparison **out, cs_diag *diag);
/* Frees the comparison; NULL does nothing. */
void cs_comparison_free(cs_comparison *c);
/* The mean per trial of B - A of a total and the share (a fraction 0 ... 1,
 * not a percent) of trials with B > A (compare.csv's mean_diff and
 * p_b_gt_a). Either pointer may be
 * NULL. CS_E_INPUT when which is out of range. */
cs_status cs_comparison_difference(const cs_comparison *c, cs_total which,
                                   double *mean_diff, double *p_b_gt_a);
/* compare.csv, a/ and b/ with each run's files, and report.html into dir,
 * all or nothing, as `costsim compare --out DIR`. */
cs_status cs_comparison_write_dir(const cs_comparison *c, const char *dir, cs_diag *diag);
/* The JSON object of `costsim compare --format json`. */
cs_status cs_comparison_write_json(const cs_comparison *c, FILE *f, cs_diag *diag);
/* compare.csv. */
cs_status cs_comparison_write_csv(const cs_comparison *c, FILE *f, cs_diag *diag);
/* The terminal table of `costsim compare`. */
cs_status cs_comparison_write_table(const cs_comparison *c, FILE *f, cs_diag *diag);
/* The HTML report of the comparison to path. */
cs_status cs_comparison_write_html(const cs_comparison *c, const char *path, cs_diag *diag);
/* The workbook of the comparison to path. */
cs_status cs_comparison_write_xlsx(const cs_comparison *c, const char *path, cs_diag *diag);

/* ---- Sweeping ----------------------------------------------------------- */

/* One scenario over a grid of settings, one summary row per combination. */
typedef struct cs_sweep cs_sweep;

/* Runs the scenario at path for every combination of the varied keys.
 * vary holds n_vary strings "KEY=V1,V2,..." (the first key varies
 * slowest; a key given twice is CS_E_INPUT); overrides are applied before
 * them, as cs_scenario_load's, and an override of a varied key is
 * CS_E_INPUT (every combination would replace it). Every combination is loaded and checked
 * before the first is simulated (CS_E_INPUT, nothing run). cfg's trials
 * and seed, when set, apply to every combination; a precision target is
 * CS_E_INPUT (every combination runs the same trials, as `costsim sweep`
 * refuses `--precision`); each combination keeps
 * only its summary numbers. On CS_OK *out is new; otherwise NULL, with
 * statuses as cs_scenario_run. */
cs_status cs_sweep_scenario(const char *path, const char *const *overrides,
                            size_t n_overrides, const char *const *vary, size_t n_vary,
                            const cs_run_config *cfg, cs_sweep **out, cs_diag *diag);
/* Frees the sweep; NULL does nothing. */
void cs_sweep_free(cs_sweep *s);
/* Number of combinations. */
size_t cs_sweep_count(const cs_sweep *s);
/* sweep.csv (`costsim sweep --format csv`). */
cs_status cs_sweep_write_csv(const cs_sweep *s, FILE *f, cs_diag *diag);
/* The JSON object of `costsim sweep --format json`. */
cs_status cs_sweep_write_json(const cs_sweep *s, FILE *f, cs_diag *diag);
/* sweep.csv into dir, all or nothing, as `costsim sweep --out DIR`. */
cs_status cs_sweep_write_dir(const cs_sweep *s, const char *dir, cs_diag *diag);
/* The sweep's HTML report (a chart of the nominal P50 and P80 against the
 * first varied key, and the table) to path, as `sweep --report`. */
cs_status cs_sweep_write_html(const cs_sweep *s, const char *path, cs_diag *diag);
/* The sweep's workbook (sheet Sweep: sweep.csv's columns) to path. */
cs_status cs_sweep_write_xlsx(const cs_sweep *s, const char *path, cs_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
