/* report: the text outputs of docs/OUTPUTS.md from finished results: the CSV
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
#include "stats.h"

/* The files a run may write into DIR: those it does not write this time
 * are removed, so no stale result survives; every other file, a
 * comparison's or a sweep's included, is left alone (docs/OUTPUTS.md). */
const char *const cs_report_run_files[] = {RUN_FILES(""), NULL};
/* A comparison's: its own files, each scenario's under a/ and b/, and the
 * run files in DIR itself, which it never writes there (an earlier run's
 * are stale beside a comparison). */
const char *const cs_report_compare_files[] = {
    RUN_FILES(""), "compare.csv", RUN_FILES("a/"), RUN_FILES("b/"), "streams.csv", NULL,
};

const cs_sweep_row *cs_report_sweep_first_budget(const cs_sweep_row *rows, size_t n)
{
    for (size_t c = 0; c < n; c++)
        if (rows[c].has_budget)
            return &rows[c];
    return NULL;
}

char *cs_report_point_label(char *buf, size_t size, double percent)
{
    if (!isfinite(percent))
        snprintf(buf, size, "n/a");
    else if (percent > 0 && percent < 0.5)
        snprintf(buf, size, "<P1");
    else if (percent < 100 && percent >= 99.5)
        snprintf(buf, size, ">P99");
    else
        snprintf(buf, size, "P%.0f", percent);
    return buf;
}

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

/* The stream of an uncertain input of r. */
static const char *input_stream(const cs_results *r, const cs_uncertain_input *s)
{
    const cs_model *m = r->model;
    switch (s->kind) {
    case CS_INPUT_ELEMENT:
        return m->elements[s->index].stream ? m->elements[s->index].stream
                                            : m->elements[s->index].id;
    case CS_INPUT_RISK:
        return m->risks[s->index].stream ? m->risks[s->index].stream : m->risks[s->index].id;
    case CS_INPUT_SLIP:
        return m->slip_stream ? m->slip_stream : "slip";
    default:
        return m->currencies[s->index].code;
    }
}

/* r's uncertain inputs of kind k, in file order (as r->inputs holds them). */
static size_t inputs_of_kind(const cs_results *r, cs_input_kind k,
                             const cs_uncertain_input **out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_inputs; i++)
        if (r->inputs[i].kind == k)
            out[n++] = &r->inputs[i];
    return n;
}

/* The uncertain inputs come from r->inputs, not the sensitivity rows, so
 * that a comparison run with --no-drivers pairs its streams all the same. */
cs_stream_row *cs_report_streams_compute(const cs_results *a, const cs_results *b, size_t *n)
{
    size_t cap = a->n_inputs + b->n_inputs;
    cs_stream_row *rows = malloc((cap ? cap : 1) * sizeof *rows);
    const cs_uncertain_input **la = malloc((a->n_inputs + 1) * sizeof *la);
    const cs_uncertain_input **lb = malloc((b->n_inputs + 1) * sizeof *lb);
    bool *used = malloc((b->n_inputs + 1) * sizeof *used);
    *n = 0;
    if (!rows || !la || !lb || !used) {
        free(rows);
        rows = NULL;
        goto done;
    }
    for (int k = CS_INPUT_ELEMENT; k <= CS_INPUT_FX; k++) {
        size_t na = inputs_of_kind(a, (cs_input_kind)k, la);
        size_t nb = inputs_of_kind(b, (cs_input_kind)k, lb);
        memset(used, 0, (nb + 1) * sizeof *used);
        for (size_t i = 0; i < na; i++) {
            const char *s = input_stream(a, la[i]);
            cs_stream_row row = {(cs_input_kind)k, s, la[i]->input, NULL};
            for (size_t j = 0; j < nb; j++)
                if (!used[j] && !strcmp(input_stream(b, lb[j]), s)) {
                    used[j] = true;
                    row.b_input = lb[j]->input;
                    break;
                }
            rows[(*n)++] = row;
        }
        for (size_t j = 0; j < nb; j++)
            if (!used[j])
                rows[(*n)++] = (cs_stream_row){(cs_input_kind)k, input_stream(b, lb[j]), NULL,
                                               lb[j]->input};
    }
done:
    free(la);
    free(lb);
    free(used);
    return rows;
}

void cs_report_streams_shared(const cs_stream_row *rows, size_t n, cs_input_kind k,
                              size_t *shared, size_t *total)
{
    *shared = *total = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].kind == k) {
            ++*total;
            *shared += rows[i].a_input && rows[i].b_input;
        }
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

/* Whether a scenario key or override takes text, whatever its value looks
 * like (a name of "-5" or "1e3" is still a name): by the key's last part,
 * as `element.hull.name` or `currency.USD.inflation.dist`. */
static bool sweep_text_key(const char *key)
{
    static const char *const text[] = {
        "name",   "model",   "base_currency", "report_currency", "budget_measure",
        "correlation_repair", "phase", "currency", "basis", "dist", "profile",
        "notes",  "if_empty", "stream", "fx_model", NULL};
    const char *last = strrchr(key, '.');
    last = last ? last + 1 : key;
    for (size_t i = 0; text[i]; i++)
        if (strcmp(last, text[i]) == 0)
            return true;
    return false;
}

int cs_report_share_decimals(double share)
{
    double x = 100 * share, gap = fmin(x, 100 - x);
    int decimals = gap > 0 && gap < 0.05 ? (int)ceil(1 - log10(gap) - 1e-9) : 1;
    return decimals > 12 ? 12 : decimals;
}

bool cs_report_sweep_number(const char *key, const char *value, double *x)
{
    return value && *value && strcmp(key, "seed") != 0 && !sweep_text_key(key) &&
           cs_num_parse_number(value, x) == 0;
}
