/* loader risks: checks risks.csv row by row (probability, phase, currency,
 * impact distribution, year) into the model's risks. */
#include "loader_internal.h"

void cs_input_check_risks(ld *L)
{
    table *t = &L->ri;
    cs_model *m = L->m;
    size_t errors = nerrors(L);
    if (t->unusable || !t->exists)
        goto out;
    if (t->nrows > CS_MAX_RISKS)
        cs_input_err(L, &row_cells(t, CS_MAX_RISKS)[R_ID], "more than %d risks; allowed: at most %d",
               CS_MAX_RISKS, CS_MAX_RISKS);
    m->risks = calloc(t->nrows + 1, sizeof *m->risks);
    if (!m->risks) {
        cs_input_out_of_memory(L);
        return;
    }
    m->n_risks = t->nrows;
    smap first_line = {0};
    for (size_t r = 0; r < t->nrows && !L->oom; r++) {
        cell *c = row_cells(t, r);
        cs_risk *k = &m->risks[r];
        k->line = t->lines[r];
        k->scale = 1;
        k->id = cs_input_xstrdup(L, c[R_ID].text);
        k->name = cs_input_xstrdup(L, c[R_NAME].text);
        if (cs_input_need(L, t, &c[R_ID], "a unique id") && cs_input_check_id(L, &c[R_ID], "id")) {
            size_t line = (size_t)k->line;
            if (cs_input_smap_put(&first_line, c[R_ID].text, &line) == 0)
                cs_input_err(L, &c[R_ID], "duplicate risk id '%s' (first at line %zu); each id once",
                       c[R_ID].text, line);
        }
        if (cs_input_need(L, t, &c[R_PROBABILITY], "0 < probability <= 1"))
            cs_input_number_in(L, &c[R_PROBABILITY], 0, true, 1, false, "0 < probability <= 1",
                      &k->probability);
        if (!c[R_PHASE].text[0])
            k->phase = cs_input_phase_of(L, "risk");
        else if (cs_input_check_id(L, &c[R_PHASE], "phase"))
            k->phase = cs_input_phase_of(L, c[R_PHASE].text);
        else
            L->phases_incomplete = true;
        if (!c[R_CURRENCY].text[0])
            k->currency = m->base_currency;
        else
            cs_input_currency_ref(L, &c[R_CURRENCY], &k->currency);
        cs_input_read_dist(L, t, &c[R_DIST], &c[R_LOW], true, -CS_MAX_AMOUNT, false, CS_MAX_AMOUNT,
                  false, "amounts in millions, |x| <= 1e15", &k->impact);
        long long slip = 0;
        if (c[R_SLIP].text[0] &&
            cs_input_integer_in(L, &c[R_SLIP], 0, CS_MAX_SLIP, "a whole number 0 to 400 (years)",
                       &slip))
            k->slip = (int)slip;
        if (cs_input_need(L, t, &c[R_YEAR], "a four-digit year or a delivery marker such as "
                                   "last_delivery+2") &&
            cs_input_read_yexpr(L, &c[R_YEAR], &k->year) && L->schedule_ok) {
            int y = cs_model_risk_year(m, k, 0);
            char what[160];
            snprintf(what, sizeof what, "risk %s", k->id);
            cs_input_check_years(L, &c[R_YEAR], &c[R_YEAR], y, y, what);
        }
    }
    cs_input_smap_free(&first_line);
    if (!L->oom)
        cs_input_read_streams(L, t, R_ID, R_STREAM, "risk", &m->risks[0].stream,
                              sizeof(cs_risk));
out:
    L->risks_ok = nerrors(L) == errors && !t->unusable;
}
