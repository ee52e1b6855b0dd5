/* report: the text outputs of SPEC §11 from finished results: the CSV
 * files (csv.c, every cell through csvout, so quoting, number format and
 * formula neutralisation are uniform), the JSON object (json.c, jansson)
 * and the terminal table for analysts (table.c); and the compare and sweep
 * outputs.
 * 
 * Computes nothing about the simulation (compare's rows come from
 * src/core/compare.c); holds the small helpers every text output shares.
 * Write errors stay sticky in the FILE and surface at the outdir commit.
 * HTML and XLSX live in html.c and report_xlsx.c. */
#include "report_internal.h"

/* The a/ and b/ files are managed too: a plain run into a directory that
 * once held a comparison removes them, so no stale result survives. */
const char *const cs_report_managed_files[] = {
    RUN_FILES(""), "compare.csv", "sweep.csv", RUN_FILES("a/"), RUN_FILES("b/"), NULL,
};

const char *cs_report_level_name(cs_level level)
{
    switch (level) {
    case CS_LEVEL_TOTAL:
        return "total";
    case CS_LEVEL_PHASE:
        return "phase";
    case CS_LEVEL_ELEMENT:
        return "element";
    case CS_LEVEL_RISK:
        return "risk";
    }
    return "?";
}

const char *cs_report_report_currency(const cs_results *r)
{
    return r->model->currencies[r->model->report_currency].code;
}

const char *cs_report_base_currency(const cs_results *r)
{
    return r->model->currencies[r->model->base_currency].code;
}

