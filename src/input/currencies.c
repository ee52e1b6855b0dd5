/* loader currencies: checks currencies.csv row by row (rate, FX model and
 * its parameters, hedging), resolves currency references from the other
 * tables and checks the report currency. */
#include "loader_internal.h"

static void check_currency_row(ld *L, cell *c, cs_currency *cur)
{
    table *t = &L->cur;
    bool base = cur->is_base;
    cur->fx_model = CS_FX_FIXED;
    cur->rate = 1;
    if (base) {
        double r;
        if (c[C_RATE].text[0] && cs_input_number(L, &c[C_RATE], &r) && r != 1)
            cs_input_err(L, &c[C_RATE], "rate %s of the base currency %s is not 1; allowed: empty "
                                  "or 1 (rates are quoted in the base currency)",
                   c[C_RATE].text, cur->code);
    } else if (!L->base_currency_ok && !c[C_RATE].text[0]) {
        /* base_currency itself is wrong (reported there), so this empty
         * rate may well be the base currency's: no second message. */
    } else if (cs_input_need(L, t, &c[C_RATE], "a rate in base-currency units per unit, > 0")) {
        cs_input_number_in(L, &c[C_RATE], 0, true, CS_MAX_RATE, false, "0 < rate <= 1e15",
                  &cur->rate);
    }

    const char *fx = c[C_FX_MODEL].text;
    bool fx_ok = true;
    if (!fx[0] || !strcmp(fx, "fixed"))
        cur->fx_model = CS_FX_FIXED;
    else if (!strcmp(fx, "gbm"))
        cur->fx_model = CS_FX_GBM;
    else if (!strcmp(fx, "ou"))
        cur->fx_model = CS_FX_OU;
    else {
        static const char *const models[] = {"fixed", "gbm", "ou", NULL};
        const char *hint = cs_csvin_closest(fx, models);
        cs_input_err(L, &c[C_FX_MODEL], "unknown fx_model '%s'%s%s%s; allowed: fixed, gbm or ou", fx,
               hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
        fx_ok = false;
    }
    if (base && cur->fx_model != CS_FX_FIXED) {
        cs_input_err(L, &c[C_FX_MODEL], "the base currency %s is always fixed at 1; allowed: "
                                  "fx_model empty or fixed",
               cur->code);
        fx_ok = false;
    }
    if (fx_ok) {
        if (cur->fx_model == CS_FX_FIXED) {
            /* Ignored with fixed (so one override switches FX risk off), but
             * still checked against their limits, so neither a typo nor an
             * impossible value is silently kept. */
            double ignored;
            if (c[C_DRIFT].text[0])
                cs_input_number_in(L, &c[C_DRIFT], -1, true, 1, false, "-1 < drift <= 1",
                                   &ignored);
            if (c[C_VOLATILITY].text[0])
                cs_input_number_in(L, &c[C_VOLATILITY], 0, false, 2, false,
                                   "0 <= volatility <= 2", &ignored);
            if (c[C_REVERSION].text[0])
                cs_input_number_in(L, &c[C_REVERSION], 0, false, 1, false, "0 <= reversion <= 1",
                                   &ignored);
        } else {
            if (cur->fx_model == CS_FX_GBM) {
                if (c[C_DRIFT].text[0])
                    cs_input_number_in(L, &c[C_DRIFT], -1, true, 1, false, "-1 < drift <= 1",
                              &cur->drift);
                cs_input_must_be_empty(L, &c[C_REVERSION], "for fx_model gbm; reversion is for ou");
            } else {
                cs_input_must_be_empty(L, &c[C_DRIFT], "for fx_model ou; drift is for gbm");
                if (c[C_REVERSION].text[0])
                    cs_input_number_in(L, &c[C_REVERSION], 0, false, 1, false,
                              "0 <= reversion <= 1", &cur->reversion);
            }
            if (c[C_VOLATILITY].text[0])
                cs_input_number_in(L, &c[C_VOLATILITY], 0, false, 2, false, "0 <= volatility <= 2",
                          &cur->volatility);
        }
    }

    if (c[C_HEDGE_RATIO].text[0] &&
        cs_input_number_in(L, &c[C_HEDGE_RATIO], 0, false, 1, false, "0 <= hedge_ratio <= 1",
                  &cur->hedge_ratio) &&
        base && cur->hedge_ratio != 0)
        cs_input_err(L, &c[C_HEDGE_RATIO], "the base currency %s cannot be hedged; allowed: "
                                     "hedge_ratio empty or 0",
               cur->code);
    cur->hedge_rate = cur->rate;
    if (c[C_HEDGE_RATE].text[0]) {
        if (base)
            cs_input_err(L, &c[C_HEDGE_RATE], "the base currency %s cannot be hedged; allowed: "
                                        "hedge_rate empty",
                   cur->code);
        else
            cs_input_number_in(L, &c[C_HEDGE_RATE], 0, true, CS_MAX_RATE, false,
                      "0 < hedge_rate <= 1e15", &cur->hedge_rate);
    }
    cs_input_read_dist(L, t, &c[C_INFL_DIST], &c[C_INFL_LOW], false, -1, true, 1, false,
              "-1 < inflation <= 1", &cur->inflation);
}

void cs_input_check_currencies(ld *L)
{
    cs_model *m = L->m;
    table *t = &L->cur;
    size_t errors = nerrors(L);
    size_t base_row;
    bool base_in_file = L->base_currency_ok && cs_input_smap_get(&L->currency_rows, L->base_code,
                                                        &base_row);
    m->currencies = calloc(t->nrows + 1, sizeof *m->currencies);
    if (!m->currencies) {
        cs_input_out_of_memory(L);
        return;
    }
    if (L->base_currency_ok && !base_in_file) {
        cs_currency *cur = &m->currencies[m->n_currencies++];
        memcpy(cur->code, L->base_code, 4);
        cur->is_base = true;
        cur->rate = cur->hedge_rate = 1;
        cur->inflation.kind = CS_DIST_FIXED;
        cur->inflation.has_likely = true;
        size_t v = 0;
        if (cs_input_smap_put(&L->currency_index, cur->code, &v) < 0)
            cs_input_out_of_memory(L);
    }
    if (!t->unusable) {
        smap first_line = {0};
        for (size_t r = 0; r < t->nrows; r++) {
            cell *c = row_cells(t, r);
            if (!cs_input_need(L, t, &c[C_CODE], "three uppercase letters (e.g. USD)") ||
                !cs_input_check_code(L, &c[C_CODE]))
                continue;
            size_t line = (size_t)t->lines[r];
            int put = cs_input_smap_put(&first_line, c[C_CODE].text, &line);
            if (put == 0) {
                cs_input_err(L, &c[C_CODE], "duplicate currency %s (first at line %zu); each "
                                      "currency once",
                       c[C_CODE].text, line);
                continue;
            }
            size_t idx = m->n_currencies;
            cs_currency *cur = &m->currencies[m->n_currencies++];
            memcpy(cur->code, c[C_CODE].text, 4);
            cur->is_base = L->base_currency_ok && !strcmp(cur->code, L->base_code);
            if (cs_input_smap_put(&L->currency_index, cur->code, &idx) < 0)
                cs_input_out_of_memory(L);
            if (m->n_currencies == CS_MAX_CURRENCIES + 1)
                cs_input_err(L, &c[C_CODE], "more than %d currencies; allowed: at most %d",
                       CS_MAX_CURRENCIES, CS_MAX_CURRENCIES);
            check_currency_row(L, c, cur);
        }
        cs_input_smap_free(&first_line);
    }
    for (size_t i = 0; i < m->n_currencies; i++)
        if (m->currencies[i].is_base)
            m->base_currency = i;
    L->currencies_ok = nerrors(L) == errors && !t->unusable;
    /* Unknown codes can be named only when the list is complete. */
    L->currency_refs_checkable = L->base_currency_ok && !t->unusable && !t->incomplete;
}

/* Resolves a currency cell to an index. Reports an unknown code, or a
 * missing currencies.csv once. */
bool cs_input_currency_ref(ld *L, const cell *c, size_t *idx)
{
    if (!cs_input_check_code(L, c) || !L->base_currency_ok)
        return false;
    if (cs_input_smap_get(&L->currency_index, c->text, idx))
        return true;
    if (!L->cur.exists && !L->cur.unusable) {
        if (!L->need_currencies_reported) {
            char where[64] = "";
            if (c->line > 0)
                snprintf(where, sizeof where, ":%d", c->line);
            cs_input_err_path(L, L->cur.path,
                     "missing; currencies.csv is required because currency %s is used "
                     "(%s%s), and only the base currency %s needs none",
                     c->text, c->path, where, L->base_code);
        }
        L->need_currencies_reported = true;
        return false;
    }
    if (!L->currency_refs_checkable)
        return false;
    const char **codes = calloc(L->m->n_currencies + 1, sizeof *codes);
    if (!codes) {
        cs_input_out_of_memory(L);
        return false;
    }
    for (size_t i = 0; i < L->m->n_currencies; i++)
        codes[i] = L->m->currencies[i].code;
    const char *hint = cs_csvin_closest(c->text, codes);
    cs_input_err(L, c, "unknown currency %s%s%s%s; allowed: the base currency %s or one in "
                 "currencies.csv",
           c->text, hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "",
           L->base_code);
    free(codes);
    return false;
}

void cs_input_check_report_currency(ld *L)
{
    cs_model *m = L->m;
    m->report_currency = m->base_currency;
    const setting *s = cs_input_plain(L, "report_currency");
    if (!s || !cs_input_is_code(s->value) || !L->base_currency_ok)
        return;
    cell c = cs_input_value_cell(s);
    cs_input_currency_ref(L, &c, &m->report_currency);
}
