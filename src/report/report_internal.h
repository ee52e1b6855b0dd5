/* report_internal: what the text outputs (report.c, csv.c, table.c,
 * json.c) share and nobody else uses. Not part of the library's interface. */
#ifndef CS_REPORT_INTERNAL_H
#define CS_REPORT_INTERNAL_H

#include "report.h"
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "csvout.h"
#include "dist.h"
#include "num.h"

#ifndef COSTSIM_VERSION
#define COSTSIM_VERSION "unknown"
#endif

/* The JSON arrays of schedule.csv, jcl.csv and allocation.csv (same
 * columns and rows; csv_schedule.c), and the intervals' joint_confidence
 * object (null without both a budget and a schedule target). A value that
 * cannot be built sets *failed. */
json_t *cs_report_schedule_json(const cs_results *r, bool *failed);
json_t *cs_report_jcl_json(const cs_results *r, bool *failed);
json_t *cs_report_allocation_json(const cs_results *r, bool *failed);
json_t *cs_report_joint_json(const cs_results *r, bool *failed);

/* Decimals of a share shown as a percent: one, but two significant digits
 * of its distance from 0 or 100 when that is below 0.05 points, so a share
 * that is not 0 or 1 never shows as 0.0 or 100.0 (at most 12). */
int cs_report_share_decimals(double share);

/* Terminal columns a character takes: 0 for combining marks and
 * zero-width characters, 2 for East Asian wide and fullwidth characters
 * and emoji, 1 otherwise (charwidth.c). */
int cs_report_char_width(uint32_t c);

/* The files of one run, as they appear under DIR, DIR/a/ and DIR/b/. */
#define RUN_FILES(prefix)                                                          \
    prefix "summary.csv", prefix "by_year.csv", prefix "scurve.csv",               \
        prefix "sensitivity.csv", prefix "budget.csv", prefix "attribution.csv",   \
        prefix "tornado.csv", prefix "trials.csv", prefix "report.html",           \
        prefix "results.xlsx", prefix "schedule.csv", prefix "jcl.csv",            \
        prefix "allocation.csv"

typedef void (*run_file_writer)(FILE *f, const cs_results *r);

enum { TABLE_WIDTH = 100, LABEL_MAX = 20, N_AMOUNT_COLUMNS = 6 };

/* Builds a JSON value; a NULL from jansson (out of memory, or text that is
 * not UTF-8) marks the whole object as failed. */
typedef struct {
    bool failed;
} json_build;

/* %.17g reads back to the same double; jansson's own default. */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))

const char *cs_report_level_name(cs_level level);

/* Where the point estimate falls, as the tables and charts say it: "P7"
 * for 7.4 % of trials at or below it; "<P1" and ">P99" for a share that
 * rounds to 0 or 100 without being it (P100 would say that no trial costs
 * more); "n/a" when not finite. Returns buf. */
char *cs_report_point_label(char *buf, size_t size, double percent);

/* The first of a sweep's n rows that has a budget, or NULL: a sweep may
 * vary the budget between none and an amount, and every output of it
 * has its budget columns when any row has a budget (empty where a row has
 * none). */
const cs_sweep_row *cs_report_sweep_first_budget(const cs_sweep_row *rows, size_t n);

const char *cs_report_report_currency(const cs_results *r);

const char *cs_report_base_currency(const cs_results *r);

/* The JSON arrays of schedule.csv, jcl.csv and allocation.csv (same
 * columns and rows; csv_schedule.c), and the intervals' joint_confidence
 * object (null without both a budget and a schedule target). A value that
 * cannot be built sets *failed. */
json_t *cs_report_schedule_json(const cs_results *r, bool *failed);
json_t *cs_report_jcl_json(const cs_results *r, bool *failed);
json_t *cs_report_allocation_json(const cs_results *r, bool *failed);
json_t *cs_report_joint_json(const cs_results *r, bool *failed);
/* Removes an incomplete UTF-8 character from the end of s, as snprintf
 * leaves when it cuts a name to its buffer, so that a cut text is still
 * valid UTF-8 (a workbook with a split character is corrupt). */
void cs_report_utf8_trim_partial(char *s);
/* Whether a sweep's varied value is a number (into *x): it reads as one
 * by the input files' rules (docs/FORMAT.md), the key takes numbers (not a
 * name, dist, currency, ... whatever the value looks like) and is not the
 * seed, whose digits a double would not keep. sweep.csv then writes it as
 * every number (shortest round-trip form), JSON and the workbook as a
 * number; anything else is text in all three (guarded in sweep.csv), and
 * an empty value (the key not given) is an empty cell, or null in JSON. */
bool cs_report_sweep_number(const char *key, const char *value, double *x);

#endif
