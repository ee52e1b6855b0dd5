/* report json: the JSON object of a run (settings, summary, confidence,
 * by-year, drivers, attribution, tornado), of a comparison and of a sweep,
 * built with jansson and written with %.17g numbers. */
#include "report_internal.h"

#include <unistd.h>

static void jset(json_build *b, json_t *object, const char *key, json_t *value)
{
    if (!object) {
        json_decref(value);
        b->failed = true;
    } else if (json_object_set_new(object, key, value) != 0) { /* also value NULL */
        b->failed = true;
    }
}

static void jappend(json_build *b, json_t *array, json_t *value)
{
    if (!array) {
        json_decref(value);
        b->failed = true;
    } else if (json_array_append_new(array, value) != 0) {
        b->failed = true;
    }
}

/* The outputs promise no NaN or infinity; should one slip through it is written
 * as null rather than making the output invalid JSON. */
/* A number as the CSV files write it: both zeros are 0 (x + 0.0 turns -0.0
 * into +0.0 and leaves every other value as it is). */
static json_t *jreal(double x) { return isfinite(x) ? json_real(x + 0.0) : json_null(); }

/* Model text is validated UTF-8, but paths come from the command line:
 * bytes that are not UTF-8 become U+FFFD so the JSON stays valid. */
static json_t *jstring(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    size_t n = strlen(s);
    char *clean = malloc(3 * n + 1);
    if (!clean)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3
                                                            : (p[i] & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && len > 1) {
            /* Overlong forms and surrogates are invalid too. */
            uint32_t cp = p[i] & (0x7f >> len);
            for (size_t k = 1; k < len; k++)
                cp = (cp << 6) | (p[i + k] & 0x3f);
            static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= min_cp[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
        }
        if (ok) {
            memcpy(clean + o, p + i, len);
            o += len;
            i += len;
        } else {
            memcpy(clean + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    clean[o] = '\0';
    j = json_string(clean);
    free(clean);
    return j;
}

static json_t *jpair(double lo, double hi)
{
    json_t *a = json_array();
    if (a && (json_array_append_new(a, jreal(lo)) || json_array_append_new(a, jreal(hi)))) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *json_dist(json_build *b, const cs_dist *d)
{
    json_t *o = json_object();
    jset(b, o, "dist", json_string(cs_dist_kind_name(d->kind)));
    jset(b, o, "low", d->has_low ? jreal(d->low) : json_null());
    jset(b, o, "likely", d->has_likely ? jreal(d->likely) : json_null());
    jset(b, o, "high", d->has_high ? jreal(d->high) : json_null());
    return o;
}

/* What the loader read: counts of rows of each model file. */
static json_t *json_loaded(json_build *b, const cs_model *m)
{
    json_t *o = json_object();
    jset(b, o, "elements", json_integer((json_int_t)m->n_elements));
    jset(b, o, "risks", json_integer((json_int_t)m->n_risks));
    jset(b, o, "currencies", json_integer((json_int_t)m->n_currencies));
    jset(b, o, "correlations", json_integer((json_int_t)m->n_correlation_pairs));
    jset(b, o, "fx_correlations", json_integer((json_int_t)m->n_fx_correlation_pairs));
    return o;
}

static json_t *json_settings(json_build *b, const cs_results *r)
{
    const cs_model *m = r->model;
    json_t *s = json_object();
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, r->seed);
    jset(b, s, "name", jstring(m->name));
    jset(b, s, "model", jstring(m->model_value ? m->model_value : m->model_dir));
    jset(b, s, "trials", json_integer((json_int_t)r->trials));
    /* With --precision: the ceiling the checks could grow to. */
    jset(b, s, "trials_requested", json_integer((json_int_t)r->trials_requested));
    jset(b, s, "seed", json_string(seed));
    jset(b, s, "base_year", json_integer(m->base_year));
    jset(b, s, "base_currency", json_string(cs_report_base_currency(r)));
    jset(b, s, "report_currency", json_string(cs_report_report_currency(r)));
    jset(b, s, "discount_rate", jreal(m->discount_rate));
    jset(b, s, "units", json_integer(m->units));
    jset(b, s, "first_delivery",
         m->has_first_delivery ? json_integer(m->first_delivery) : json_null());
    jset(b, s, "delivery_interval", jreal(m->delivery_interval_milli / 1000.0));
    jset(b, s, "build_years", json_integer(m->build_years));
    jset(b, s, "service_life", json_integer(m->service_life));
    json_t *slip = json_dist(b, &m->slip);
    jset(b, slip, "stream", jstring(m->slip_stream ? m->slip_stream : "slip"));
    jset(b, s, "slip", slip);
    jset(b, s, "default_correlation", jreal(m->default_correlation));
    jset(b, s, "correlation_repair", json_boolean(m->correlation_repair));
    jset(b, s, "budget", m->has_budget ? jreal(m->budget) : json_null());
    jset(b, s, "budget_measure",
         json_string(cs_results_measure_name((cs_measure)m->budget_measure)));
    jset(b, s, "schedule_target",
         m->has_schedule_target ? json_integer(m->schedule_target) : json_null());
    jset(b, s, "sensitivity_trials", json_integer((json_int_t)r->sensitivity_trials));
    json_t *overrides = json_object();
    for (size_t i = 0; i < m->n_overrides; i++)
        jset(b, overrides, m->override_keys[i],
             m->override_values[i] ? jstring(m->override_values[i]) : json_null());
    jset(b, s, "overrides", overrides);
    jset(b, s, "loaded", json_loaded(b, m));
    return s;
}

static json_t *json_summary(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    const char *currency = cs_report_report_currency(r);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        for (size_t i = 0; i < r->n_rows; i++) {
            const cs_summary_row *row = &r->rows[m][i];
            json_t *o = json_object();
            jset(b, o, "measure", json_string(cs_results_measure_name((cs_measure)m)));
            jset(b, o, "level", json_string(cs_report_level_name(row->level)));
            jset(b, o, "id", jstring(row->id));
            jset(b, o, "name", jstring(row->name));
            jset(b, o, "currency", json_string(currency));
            jset(b, o, "point", jreal(row->point));
            jset(b, o, "mean", jreal(row->mean));
            jset(b, o, "sd", jreal(row->sd));
            jset(b, o, "cv", jreal(cs_results_cv(row)));
            for (int k = 0; k < CS_N_SUMMARY_P; k++)
                jset(b, o, cs_results_summary_p_names[k], jreal(row->p[k]));
            jset(b, o, "point_percentile", jreal(row->point_percentile));
            jappend(b, a, o);
        }
    }
    return a;
}

static json_t *json_confidence(json_build *b, const cs_results *r)
{
    json_t *o = json_object();
    jset(b, o, "nominal_mean", jpair(r->mean_ci[0], r->mean_ci[1]));
    jset(b, o, "nominal_p50", jpair(r->p50_ci[0], r->p50_ci[1]));
    jset(b, o, "nominal_p80", jpair(r->p80_ci[0], r->p80_ci[1]));
    jset(b, o, "precision", r->precision > 0 ? jreal(r->precision) : json_null());
    /* without a target there is nothing to meet: null, not false */
    jset(b, o, "precision_met", r->precision > 0 ? json_boolean(r->precision_met) : json_null());
    jset(b, o, "budget_confidence",
         r->has_budget ? jpair(r->budget_ci[0], r->budget_ci[1]) : json_null());
    const cs_schedule_row *first = &r->schedule[0];
    jset(b, o, "schedule_confidence", r->has_schedule && first->has_target
                                          ? jpair(first->ci_low, first->ci_high)
                                          : json_null());
    jset(b, o, "joint_confidence", cs_report_joint_json(r, &b->failed));
    return o;
}

static json_t *json_by_year(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (size_t y = 0; y < r->n_years; y++) {
        json_t *o = json_object();
        jset(b, o, "year", json_integer((json_int_t)r->first_year + (json_int_t)y));
        jset(b, o, "constant_mean", jreal(r->year_const_mean[y]));
        jset(b, o, "constant_p10", jreal(r->year_const_p10[y]));
        jset(b, o, "constant_p50", jreal(r->year_const_p50[y]));
        jset(b, o, "constant_p80", jreal(r->year_const_p80[y]));
        jset(b, o, "constant_p90", jreal(r->year_const_p90[y]));
        jset(b, o, "nominal_mean", jreal(r->year_mean[y]));
        jset(b, o, "nominal_p10", jreal(r->year_p10[y]));
        jset(b, o, "nominal_p50", jreal(r->year_p50[y]));
        jset(b, o, "nominal_p80", jreal(r->year_p80[y]));
        jset(b, o, "nominal_p90", jreal(r->year_p90[y]));
        jappend(b, a, o);
    }
    return a;
}

static json_t *json_drivers(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_sensitivity; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        json_t *o = json_object();
        jset(b, o, "input", jstring(s->input));
        jset(b, o, "kind", json_string(cs_results_input_kind_name(s->kind)));
        jset(b, o, "rank_correlation", jreal(s->rank_correlation));
        jset(b, o, "ci_low", jreal(s->ci_low));
        jset(b, o, "ci_high", jreal(s->ci_high));
        jset(b, o, "rho2_share", jreal(s->rho2_share));
        jappend(b, a, o);
    }
    return a;
}

static json_t *json_attribution(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_attribution; i++) {
        const cs_attribution *t = &r->attribution[i];
        json_t *o = json_object();
        jset(b, o, "source", jstring(t->source));
        jset(b, o, "shapley_share", jreal(t->shapley_share));
        jset(b, o, "shapley_se", jreal(t->shapley_se));
        jset(b, o, "first_order", jreal(t->first_order));
        jset(b, o, "first_order_se", jreal(t->first_order_se));
        jset(b, o, "total_effect", jreal(t->total_effect));
        jset(b, o, "total_effect_se", jreal(t->total_effect_se));
        jappend(b, a, o);
    }
    return a;
}

static json_t *json_tornado(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_tornado; i++) {
        const cs_tornado *t = &r->tornado[i];
        json_t *o = json_object();
        jset(b, o, "input", jstring(t->input));
        jset(b, o, "kind", json_string(cs_results_input_kind_name(t->kind)));
        jset(b, o, "low", jreal(t->low));
        jset(b, o, "high", jreal(t->high));
        jset(b, o, "p50", jreal(t->p50));
        jset(b, o, "swing", jreal(t->swing));
        jappend(b, a, o);
    }
    return a;
}

static json_t *json_budget(json_build *b, const cs_results *r)
{
    json_t *a = json_array(), *o = json_object();
    jset(b, o, "budget", jreal(r->budget));
    jset(b, o, "confidence", jreal(r->budget_confidence));
    jset(b, o, "ci_low", jreal(r->budget_ci[0]));
    jset(b, o, "ci_high", jreal(r->budget_ci[1]));
    jappend(b, a, o);
    return a;
}

/* scurve.csv's rows: percentiles 1 ... 99 of the three totals. */
static json_t *json_scurve(json_build *b, const cs_results *r)
{
    json_t *a = json_array();
    for (int pct = 1; pct <= 99; pct++) {
        json_t *o = json_object();
        jset(b, o, "percentile", json_integer(pct));
        for (int m = 0; m < CS_N_MEASURES; m++)
            jset(b, o, cs_results_measure_name((cs_measure)m),
                 jreal(cs_results_scurve(r, (cs_measure)m, pct)));
        jappend(b, a, o);
    }
    return a;
}

/* The run object of docs/OUTPUTS.md, or NULL (out of memory). */
static json_t *json_run(const cs_results *r)
{
    json_build b = {false};
    const cs_model *m = r->model;
    json_t *o = json_object();
    jset(&b, o, "costsim_version", json_string(COSTSIM_VERSION));
    jset(&b, o, "scenario", jstring(m->name));
    jset(&b, o, "scenario_path", jstring(m->scenario_path));
    jset(&b, o, "model", jstring(m->model_dir));
    jset(&b, o, "settings", json_settings(&b, r));
    jset(&b, o, "summary", json_summary(&b, r));
    jset(&b, o, "intervals", json_confidence(&b, r));
    jset(&b, o, "by_year", json_by_year(&b, r));
    jset(&b, o, "scurve", json_scurve(&b, r));
    jset(&b, o, "sensitivity", json_drivers(&b, r));
    jset(&b, o, "attribution", json_attribution(&b, r));
    jset(&b, o, "tornado", json_tornado(&b, r));
    if (r->has_budget) /* budget.csv's one row; no key without a budget */
        jset(&b, o, "budget", json_budget(&b, r));
    jset(&b, o, "allocation", cs_report_allocation_json(r, &b.failed));
    if (r->has_schedule) {
        jset(&b, o, "schedule", cs_report_schedule_json(r, &b.failed));
        jset(&b, o, "jcl", cs_report_jcl_json(r, &b.failed));
    }
    if (m->corr_repaired)
        jset(&b, o, "correlation_repair_max_change", jreal(m->corr_repair_max_change));
    if (m->n_warnings > 0) { /* as printed on stderr, e.g. a stray model file */
        json_t *warnings = json_array();
        for (size_t i = 0; i < m->n_warnings; i++)
            jappend(&b, warnings, jstring(m->warnings[i]));
        jset(&b, o, "warnings", warnings);
    }
    if (b.failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int dump_json(FILE *f, json_t *o)
{
    if (!o)
        return -1;
    /* On a terminal every non-ASCII character is written as \\uXXXX (the
     * same JSON), so no C1 control reaches the screen; jansson escapes the
     * C0 ones always. */
    int rc = json_dumpf(o, f, JSON_FLAGS | (isatty(fileno(f)) ? JSON_ENSURE_ASCII : 0));
    json_decref(o);
    if (rc != 0)
        return -1;
    fputc('\n', f);
    return 0;
}

/* A failed JSON writer says why unless the stream is in error (the caller
 * reports a write error with the stream's name). Returns rc. */
static int json_failed(FILE *f, int rc, cs_diag *diag)
{
    if (rc != 0 && !ferror(f))
        cs_diag_add(diag, NULL, 0, NULL, "out of memory while writing JSON");
    return rc;
}

int cs_report_json(FILE *f, const cs_results *r, cs_diag *diag)
{
    return json_failed(f, dump_json(f, json_run(r)), diag);
}

/* The rows of streams.csv; NULL when out of memory. */
static json_t *json_streams(json_build *b, const cs_results *ra, const cs_results *rb)
{
    size_t n;
    cs_stream_row *rows = cs_report_streams_compute(ra, rb, &n);
    if (!rows)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        jset(b, o, "kind", json_string(cs_results_input_kind_name(rows[i].kind)));
        jset(b, o, "stream", jstring(rows[i].stream));
        jset(b, o, "a_input", jstring(rows[i].a_input));
        jset(b, o, "b_input", jstring(rows[i].b_input));
        jappend(b, a, o);
    }
    free(rows);
    return a;
}

int cs_report_compare_json(FILE *f, const cs_results *a, const cs_results *b,
                           const cs_compare_row rows[CS_N_MEASURES], cs_diag *diag)
{
    json_build build = {false};
    json_t *o = json_object();
    jset(&build, o, "costsim_version", json_string(COSTSIM_VERSION));
    jset(&build, o, "a", json_run(a));
    jset(&build, o, "b", json_run(b));
    json_t *list = json_array();
    for (int m = 0; m < CS_N_MEASURES; m++) {
        json_t *row = json_object();
        jset(&build, row, "measure", json_string(cs_results_measure_name((cs_measure)m)));
        jset(&build, row, "mean_diff", jreal(rows[m].mean_diff));
        jset(&build, row, "p10", jreal(rows[m].p10));
        jset(&build, row, "p50", jreal(rows[m].p50));
        jset(&build, row, "p90", jreal(rows[m].p90));
        jset(&build, row, "p_b_gt_a", jreal(rows[m].p_b_gt_a));
        jset(&build, row, "ci_low", jreal(rows[m].ci_low));
        jset(&build, row, "ci_high", jreal(rows[m].ci_high));
        jappend(&build, list, row);
    }
    jset(&build, o, "compare", list);
    jset(&build, o, "streams", json_streams(&build, a, b));
    if (build.failed) {
        json_decref(o);
        return json_failed(f, -1, diag);
    }
    return json_failed(f, dump_json(f, o), diag);
}

int cs_report_sweep_json(FILE *f, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_sweep_row *results,
                         size_t n_combinations, cs_diag *diag)
{
    static const int stat_p[] = {CS_SWEEP_P50, CS_SWEEP_P80, CS_SWEEP_P90};
    static const char *const stat_names[] = {"p50", "p80", "p90"};
    bool any_budget = cs_report_sweep_first_budget(results, n_combinations) != NULL;
    json_t *rows = json_array();
    if (!rows)
        return json_failed(f, -1, diag);
    int rc = 0;
    for (size_t c = 0; c < n_combinations && rc == 0; c++) {
        const cs_sweep_row *r = &results[c];
        json_t *row = json_object();
        if (!row) {
            rc = -1;
            break;
        }
        /* One key per varied key, as sweep.csv's columns: a number where
         * the key takes one and the value is one (a seed stays a string,
         * keeping every digit), null where it is empty (the key not
         * given), else the text as given. */
        for (size_t k = 0; k < n_keys; k++) {
            const char *v = values[c * n_keys + k];
            double x = 0;
            bool numeric = cs_report_sweep_number(keys[k], v, &x);
            bool whole = numeric && x == floor(x) && fabs(x) < 9007199254740992.0;
            json_t *value = !v || !*v ? json_null() /* the key not given */
                            : !numeric    ? jstring(v)
                            : whole       ? json_integer((json_int_t)x)
                                          : json_real(x + 0.0);
            json_object_set_new(row, keys[k], value);
        }
        char name[64];
        for (int m = 0; m < CS_N_MEASURES; m++) {
            const double *total = r->stat[m];
            snprintf(name, sizeof name, "%s_mean", cs_results_measure_name((cs_measure)m));
            json_object_set_new(row, name, jreal(total[CS_SWEEP_MEAN]));
            for (int s = 0; s < 3; s++) {
                snprintf(name, sizeof name, "%s_%s", cs_results_measure_name((cs_measure)m),
                         stat_names[s]);
                json_object_set_new(row, name, jreal(total[stat_p[s]]));
            }
        }
        if (any_budget) /* null where this row has no budget, as the CSV's empty cell */
            json_object_set_new(row, "budget_confidence",
                                r->has_budget ? jreal(r->budget_confidence) : json_null());
        json_array_append_new(rows, row);
    }
    if (rc == 0) {
        json_t *varied = json_array();
        for (size_t k = 0; varied && k < n_keys; k++)
            json_array_append_new(varied, json_string(keys[k]));
        json_t *doc = varied ? json_pack("{s:s, s:o, s:o}", "costsim_version", COSTSIM_VERSION,
                                         "varied", varied, "sweep", rows)
                             : NULL;
        rows = NULL;
        if (!doc || json_dumpf(doc, f,
                               JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                   (isatty(fileno(f)) ? JSON_ENSURE_ASCII : 0)) != 0)
            rc = -1;
        else
            fputc('\n', f);
        json_decref(doc);
    }
    json_decref(rows);
    return json_failed(f, rc, diag);
}
