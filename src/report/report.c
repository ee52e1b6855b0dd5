/* report: the text outputs of SPEC §11 from finished results: the CSV
 * files (csv.c, every cell through csvout, so quoting, number format and
 * formula neutralisation are uniform), the JSON object (json.c, jansson)
 * and the terminal table for analysts (table.c); and the compare and sweep
 * outputs.
 * 
 * Computes nothing about the simulation except the per-trial differences of
 * compare, which are here with the small helpers every text output shares.
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

/* Type-7 percentile of sorted x at pct/100, h formed in integers exactly as
 * in cs_results_scurve. */
static double percentile_pct(const double *sorted, uint64_t n, int pct)
{
    uint64_t h100 = (n - 1) * (uint64_t)pct;
    uint64_t lo = h100 / 100, rest = h100 % 100;
    if (rest == 0 || lo + 1 >= n)
        return sorted[lo];
    return sorted[lo] + ((double)rest / 100.0) * (sorted[lo + 1] - sorted[lo]);
}

static int compare_doubles(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int cs_report_compare_compute(const cs_results *a, const cs_results *b,
                       cs_compare_row rows[CS_N_MEASURES])
{
    if (a->trials != b->trials || a->trials == 0)
        return -1;
    uint64_t n = a->trials;
    double *diff = malloc((size_t)n * sizeof *diff);
    if (!diff)
        return -1;
    for (int m = 0; m < CS_N_MEASURES; m++) {
        const double *ta = a->totals[m], *tb = b->totals[m];
        /* Neumaier-compensated sum: a million differences of large, nearly
         * equal totals would otherwise lose digits of the mean. */
        double sum = 0, carry = 0;
        uint64_t b_greater = 0;
        for (uint64_t j = 0; j < n; j++) {
            double d = tb[j] - ta[j];
            diff[j] = d;
            double t = sum + d;
            carry += fabs(sum) >= fabs(d) ? (sum - t) + d : (d - t) + sum;
            sum = t;
            b_greater += tb[j] > ta[j];
        }
        qsort(diff, (size_t)n, sizeof *diff, compare_doubles);
        rows[m].mean_diff = (sum + carry) / (double)n;
        rows[m].p10 = percentile_pct(diff, n, 10);
        rows[m].p50 = percentile_pct(diff, n, 50);
        rows[m].p90 = percentile_pct(diff, n, 90);
        rows[m].p_b_gt_a = 100.0 * (double)b_greater / (double)n;
    }
    free(diff);
    return 0;
}

void cs_report_utf8_trim_partial(char *s)
{
    size_t n = strlen(s);
    /* Step back over continuation bytes to the last lead byte. */
    size_t lead = n;
    while (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    unsigned char c = (unsigned char)s[lead - 1];
    size_t want = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (n - (lead - 1) < want)
        s[lead - 1] = '\0';
}
