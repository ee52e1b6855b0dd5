/* results: names of measures and input kinds, the summary percentiles, the
 * exact S-curve of the totals, and freeing what the engine allocated.
 *
 * Computes no statistics beyond the S-curve lookup; the engine fills the
 * struct (engine.h) and the reporters read it. */
#include "results.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double cs_results_summary_p[CS_N_SUMMARY_P] = {0.05, 0.10, 0.20, 0.50, 0.80, 0.90, 0.95};
const char *const cs_results_summary_p_names[CS_N_SUMMARY_P] = {"p5",  "p10", "p20", "p50",
                                                        "p80", "p90", "p95"};

const char *cs_results_measure_name(cs_measure m)
{
    switch (m) {
    case CS_CONSTANT:
        return "constant";
    case CS_NOMINAL:
        return "nominal";
    case CS_PV:
        return "pv";
    case CS_N_MEASURES:
        break;
    }
    return "?";
}

const char *cs_results_input_kind_name(cs_input_kind k)
{
    switch (k) {
    case CS_INPUT_ELEMENT:
        return "element";
    case CS_INPUT_RISK:
        return "risk";
    case CS_INPUT_SLIP:
        return "slip";
    case CS_INPUT_INFLATION:
        return "inflation";
    case CS_INPUT_FX:
        return "fx";
    }
    return "?";
}

/* Strings (ids, names, sources) point into the model or at literals and
 * are not freed. */
void cs_results_free(cs_results *r)
{
    if (!r)
        return;
    for (int m = 0; m < CS_N_MEASURES; m++) {
        free(r->rows[m]);
        free(r->totals[m]);
        free(r->sorted[m]);
    }
    free(r->year_mean);
    free(r->year_p10);
    free(r->year_p50);
    free(r->year_p90);
    free(r->inputs);
    free(r->sensitivity);
    free(r->attribution);
    free(r->tornado);
    free(r->trial_slip);
    free(r->trial_phase_nominal);
    free(r->trial_first_delivery);
    free(r->jcl);
    free(r->allocation);
    free(r->year_p80);
    free(r->year_const_mean);
    free(r->year_const_p10);
    free(r->year_const_p50);
    free(r->year_const_p80);
    free(r->year_const_p90);
    free(r);
}

double cs_results_scurve(const cs_results *r, cs_measure m, int pct)
{
    if (!r || (unsigned)m >= (unsigned)CS_N_MEASURES || !r->sorted[m] || r->trials == 0)
        return NAN;
    if (pct < 0)
        pct = 0;
    if (pct > 100)
        pct = 100;
    /* R type 7 at p = pct/100, h formed in integers (cs_stats_rank), as
     * summary.csv's percentiles are. */
    return cs_stats_percentile_sorted(r->sorted[m], (size_t)r->trials, pct / 100.0);
}

double cs_results_cv(const cs_summary_row *row)
{
    if (row->mean == 0)
        return NAN;
    return row->sd / row->mean;
}
