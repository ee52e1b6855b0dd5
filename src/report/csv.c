/* report csv: the CSV files of a run (summary, by_year, scurve,
 * sensitivity, budget, attribution, tornado, trials), writing them all into
 * an output directory, and the compare and sweep CSV files. Every cell goes
 * through csvout. */
#include "report_internal.h"

void cs_report_summary_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {
        "measure", "level", "id",  "name", "currency", "point", "mean", "sd", "cv", "p5",
        "p10",     "p20",   "p50", "p80",  "p90",      "p95",   "point_percentile", NULL,
    };
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    const char *currency = cs_report_report_currency(r);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        for (size_t i = 0; i < r->n_rows; i++) {
            const cs_summary_row *row = &r->rows[m][i];
            cs_csvout_text(&w, cs_results_measure_name((cs_measure)m));
            cs_csvout_text(&w, cs_report_level_name(row->level));
            cs_csvout_text(&w, row->id);
            cs_csvout_text(&w, row->name);
            cs_csvout_text(&w, currency);
            cs_csvout_number(&w, row->point);
            cs_csvout_number(&w, row->mean);
            cs_csvout_number(&w, row->sd);
            cs_csvout_number(&w, cs_results_cv(row));
            for (int k = 0; k < CS_N_SUMMARY_P; k++)
                cs_csvout_number(&w, row->p[k]);
            cs_csvout_number(&w, row->point_percentile);
            cs_csvout_end_row(&w);
        }
    }
}

void cs_report_by_year_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {
        "year",         "constant_mean", "constant_p10", "constant_p50",
        "constant_p80", "constant_p90",  "nominal_mean", "nominal_p10",
        "nominal_p50",  "nominal_p80",   "nominal_p90",  NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t y = 0; y < r->n_years; y++) {
        cs_csvout_int(&w, (long long)r->first_year + (long long)y);
        cs_csvout_number(&w, r->year_const_mean[y]);
        cs_csvout_number(&w, r->year_const_p10[y]);
        cs_csvout_number(&w, r->year_const_p50[y]);
        cs_csvout_number(&w, r->year_const_p80[y]);
        cs_csvout_number(&w, r->year_const_p90[y]);
        cs_csvout_number(&w, r->year_mean[y]);
        cs_csvout_number(&w, r->year_p10[y]);
        cs_csvout_number(&w, r->year_p50[y]);
        cs_csvout_number(&w, r->year_p80[y]);
        cs_csvout_number(&w, r->year_p90[y]);
        cs_csvout_end_row(&w);
    }
}

void cs_report_scurve_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"percentile", "constant", "nominal", "pv", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (int pct = 1; pct <= 99; pct++) {
        cs_csvout_int(&w, pct);
        for (int m = 0; m < CS_N_MEASURES; m++)
            cs_csvout_number(&w, cs_results_scurve(r, (cs_measure)m, pct));
        cs_csvout_end_row(&w);
    }
}

void cs_report_sensitivity_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"input",   "kind",    "rank_correlation",
                                         "ci_low",  "ci_high", "rho2_share", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < r->n_sensitivity; i++) {
        const cs_sensitivity *s = &r->sensitivity[i];
        cs_csvout_text(&w, s->input);
        cs_csvout_text(&w, cs_results_input_kind_name(s->kind));
        cs_csvout_number(&w, s->rank_correlation);
        cs_csvout_number(&w, s->ci_low);
        cs_csvout_number(&w, s->ci_high);
        cs_csvout_number(&w, s->rho2_share);
        cs_csvout_end_row(&w);
    }
}

void cs_report_budget_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"budget", "confidence", "ci_low", "ci_high", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    if (!r->has_budget)
        return;
    cs_csvout_number(&w, r->budget);
    cs_csvout_number(&w, r->budget_confidence);
    cs_csvout_number(&w, r->budget_ci[0]);
    cs_csvout_number(&w, r->budget_ci[1]);
    cs_csvout_end_row(&w);
}

void cs_report_attribution_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"source",      "shapley_share",  "shapley_se",
                                         "first_order", "first_order_se", "total_effect",
                                         "total_effect_se", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < r->n_attribution; i++) {
        const cs_attribution *a = &r->attribution[i];
        cs_csvout_text(&w, a->source);
        cs_csvout_number(&w, a->shapley_share);
        cs_csvout_number(&w, a->shapley_se);
        cs_csvout_number(&w, a->first_order);
        cs_csvout_number(&w, a->first_order_se);
        cs_csvout_number(&w, a->total_effect);
        cs_csvout_number(&w, a->total_effect_se);
        cs_csvout_end_row(&w);
    }
}

void cs_report_tornado_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"input", "kind", "low", "high", "p50", "swing", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < r->n_tornado; i++) {
        const cs_tornado *t = &r->tornado[i];
        cs_csvout_text(&w, t->input);
        cs_csvout_text(&w, cs_results_input_kind_name(t->kind));
        cs_csvout_number(&w, t->low);
        cs_csvout_number(&w, t->high);
        cs_csvout_number(&w, t->p50);
        cs_csvout_number(&w, t->swing);
        cs_csvout_end_row(&w);
    }
}

void cs_report_trials_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"trial", "constant", "nominal", "pv", "slip",
                                         "first_delivery", NULL};
    const cs_model *model = r->model;
    cs_csvout w;
    cs_csvout_init(&w, f);
    for (size_t k = 0; header[k]; k++)
        cs_csvout_text(&w, header[k]);
    /* Phase names are ids of at most 4 096 bytes (docs/LIMITS.md). */
    char column[4096 + 16];
    for (size_t p = 0; p < model->n_phases; p++) {
        snprintf(column, sizeof column, "nominal.%s", model->phases[p]);
        cs_csvout_text(&w, column);
    }
    cs_csvout_end_row(&w);
    if (!r->has_trials || !r->trial_slip || !r->trial_phase_nominal)
        return;
    for (uint64_t j = 0; j < r->trials; j++) {
        cs_csvout_int(&w, (long long)(j + 1));
        for (int m = 0; m < CS_N_MEASURES; m++)
            cs_csvout_number(&w, r->totals[m][j]);
        cs_csvout_int(&w, r->trial_slip[j]);
        if (r->trial_first_delivery)
            cs_csvout_int(&w, r->trial_first_delivery[j]);
        else
            cs_csvout_text(&w, NULL);
        const double *phase = r->trial_phase_nominal + j * model->n_phases;
        for (size_t p = 0; p < model->n_phases; p++)
            cs_csvout_number(&w, phase[p]);
        cs_csvout_end_row(&w);
    }
}

/* The files of the drivers: not written when they were not measured, so
 * that a previous run's ones are removed rather than left as if current. */
static bool is_driver_file(run_file_writer write)
{
    return write == cs_report_sensitivity_csv || write == cs_report_attribution_csv ||
           write == cs_report_tornado_csv;
}

int cs_report_write_run_files(cs_outdir *o, const char *prefix, const cs_results *r,
                              cs_diag *diag)
{
    static const struct {
        const char *name;
        run_file_writer write;
    } files[] = {
        {"summary.csv", cs_report_summary_csv},         {"by_year.csv", cs_report_by_year_csv},
        {"scurve.csv", cs_report_scurve_csv},           {"sensitivity.csv", cs_report_sensitivity_csv},
        {"attribution.csv", cs_report_attribution_csv}, {"tornado.csv", cs_report_tornado_csv},
        {"budget.csv", cs_report_budget_csv},           {"trials.csv", cs_report_trials_csv},
        {"schedule.csv", cs_report_schedule_csv},       {"jcl.csv", cs_report_jcl_csv},
        {"allocation.csv", cs_report_allocation_csv},
    };
    if (!prefix)
        prefix = "";
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i].write == cs_report_budget_csv && !r->has_budget)
            continue;
        if (files[i].write == cs_report_trials_csv && !r->has_trials)
            continue;
        if ((files[i].write == cs_report_schedule_csv || files[i].write == cs_report_jcl_csv) &&
            !r->has_schedule)
            continue;
        if (r->no_drivers && is_driver_file(files[i].write))
            continue;
        size_t size = strlen(prefix) + strlen(files[i].name) + 1;
        char *name = malloc(size);
        if (!name) {
            cs_diag_add(diag, files[i].name, 0, NULL, "out of memory");
            return -1;
        }
        snprintf(name, size, "%s%s", prefix, files[i].name);
        FILE *f = cs_outdir_create(o, name, diag);
        free(name);
        if (!f)
            return -1;
        files[i].write(f, r);
    }
    return 0;
}

void cs_report_compare_csv(FILE *f, const cs_compare_row rows[CS_N_MEASURES])
{
    static const char *const header[] = {"measure",  "mean_diff", "p10",     "p50", "p90",
                                         "p_b_gt_a", "ci_low",    "ci_high", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (int m = 0; m < CS_N_MEASURES; m++) {
        cs_csvout_text(&w, cs_results_measure_name((cs_measure)m));
        cs_csvout_number(&w, rows[m].mean_diff);
        cs_csvout_number(&w, rows[m].p10);
        cs_csvout_number(&w, rows[m].p50);
        cs_csvout_number(&w, rows[m].p90);
        cs_csvout_number(&w, rows[m].p_b_gt_a);
        cs_csvout_number(&w, rows[m].ci_low);
        cs_csvout_number(&w, rows[m].ci_high);
        cs_csvout_end_row(&w);
    }
}

int cs_report_streams_csv(FILE *f, const cs_results *a, const cs_results *b)
{
    static const char *const header[] = {"kind", "stream", "a_input", "b_input", NULL};
    size_t n;
    cs_stream_row *rows = cs_report_streams_compute(a, b, &n);
    if (!rows)
        return -1;
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < n; i++) {
        cs_csvout_text(&w, cs_results_input_kind_name(rows[i].kind));
        cs_csvout_text(&w, rows[i].stream);
        cs_csvout_text(&w, rows[i].a_input ? rows[i].a_input : "");
        cs_csvout_text(&w, rows[i].b_input ? rows[i].b_input : "");
        cs_csvout_end_row(&w);
    }
    free(rows);
    return 0;
}

/* A varied value: a number as every number of the file (so "+3" is 3,
 * "1e3" 1000 and "-0.01" is not taken for a formula), anything else ("pert",
 * a name, a seed's digits) as text, neutralised like all text. */
static void sweep_value_cell(cs_csvout *w, const char *key, const char *value)
{
    double x;
    if (cs_report_sweep_number(key, value, &x))
        cs_csvout_number(w, x);
    else
        cs_csvout_text(w, value);
}

void cs_report_sweep_csv(FILE *f, const char *const *keys, size_t n_keys,
                         const char *const *values, const cs_sweep_row *results,
                         size_t n_combinations)
{
    static const int stat_p[] = {CS_SWEEP_P50, CS_SWEEP_P80, CS_SWEEP_P90};
    static const char *const stat_names[] = {"p50", "p80", "p90"};
    bool budget = cs_report_sweep_first_budget(results, n_combinations) != NULL;
    cs_csvout w;
    cs_csvout_init(&w, f);
    for (size_t k = 0; k < n_keys; k++)
        cs_csvout_text(&w, keys[k]);
    char column[64];
    for (int m = 0; m < CS_N_MEASURES; m++) {
        snprintf(column, sizeof column, "%s_mean", cs_results_measure_name((cs_measure)m));
        cs_csvout_text(&w, column);
        for (int s = 0; s < 3; s++) {
            snprintf(column, sizeof column, "%s_%s", cs_results_measure_name((cs_measure)m),
                     stat_names[s]);
            cs_csvout_text(&w, column);
        }
    }
    if (budget)
        cs_csvout_text(&w, "budget_confidence");
    cs_csvout_end_row(&w);

    for (size_t c = 0; c < n_combinations; c++) {
        const cs_sweep_row *r = &results[c];
        for (size_t k = 0; k < n_keys; k++)
            sweep_value_cell(&w, keys[k], values[c * n_keys + k]);
        for (int m = 0; m < CS_N_MEASURES; m++) {
            cs_csvout_number(&w, r->stat[m][CS_SWEEP_MEAN]);
            for (int s = 0; s < 3; s++)
                cs_csvout_number(&w, r->stat[m][stat_p[s]]);
        }
        if (budget)
            cs_csvout_number(&w, r->has_budget ? r->budget_confidence : NAN);
        cs_csvout_end_row(&w);
    }
}
