/* loader elements: checks elements.csv row by row (phase, currency, basis,
 * distribution, years) into the model's elements and applies the per-phase
 * scale overrides. */
#include "loader_internal.h"

size_t cs_input_phase_of(ld *L, const char *name)
{
    size_t idx = L->m->n_phases;
    int put = cs_input_smap_put(&L->phase_index, name, &idx);
    if (put == 1) {
        /* Kept NULL-terminated so it can serve as a did-you-mean list. */
        char **grown = realloc(L->m->phases, (L->m->n_phases + 2) * sizeof *grown);
        char *copy = strdup(name);
        if (!grown || !copy) {
            free(copy);
            if (grown)
                L->m->phases = grown;
            cs_input_out_of_memory(L);
            return 0;
        }
        L->m->phases = grown;
        L->m->phases[L->m->n_phases++] = copy;
        L->m->phases[L->m->n_phases] = NULL;
    } else if (put < 0) {
        cs_input_out_of_memory(L);
    }
    return idx;
}

static bool read_basis(ld *L, const cell *c, cs_basis *b)
{
    static const char *const names[] = {"once", "per_year", "per_unit", "per_unit_year",
                                        NULL};
    int k = cs_input_col_index(names, c->text);
    if (k >= 0) {
        *b = (cs_basis)k;
        return true;
    }
    const char *hint = cs_csvin_closest(c->text, names);
    cs_input_err(L, c, "unknown basis '%s'%s%s%s; allowed: once, per_year, per_unit or "
                 "per_unit_year",
           c->text, hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
    return false;
}

/* if_empty (docs/FORMAT.md, elements): "error" (default) or "zero", for once
 * and per_year only. */
static void read_if_empty(ld *L, const cell *c, bool dated, cs_element *e)
{
    if (!dated) {
        cs_input_must_be_empty(L, c, "unless basis is once or per_year");
        return;
    }
    if (!c->text[0] || !strcmp(c->text, "error"))
        e->if_empty_zero = false;
    else if (!strcmp(c->text, "zero"))
        e->if_empty_zero = true;
    else
        cs_input_err(L, c, "unknown if_empty '%s'; allowed: error or zero", c->text);
}

/* Fills row r's element with its defaults, id and name, then checks the
 * cells every basis reads (id, phase, currency, basis, the distribution)
 * and the element.ID.scale override. Returns whether the basis was read:
 * the other columns' rules depend on it. */
static bool check_common_cells(ld *L, size_t r, smap *first_line)
{
    table *t = &L->el;
    cell *c = row_cells(t, r);
    cs_model *m = L->m;
    cs_element *e = &m->elements[r];
    e->line = t->lines[r];
    e->scale = 1;
    e->learning = 1;
    e->id = cs_input_xstrdup(L, c[E_ID].text);
    e->name = cs_input_xstrdup(L, c[E_NAME].text);

    if (cs_input_need(L, t, &c[E_ID], "a unique id") && cs_input_check_id(L, &c[E_ID], "id")) {
        size_t line = (size_t)e->line;
        if (cs_input_smap_put(first_line, c[E_ID].text, &line) == 0)
            cs_input_err(L, &c[E_ID], "duplicate element id '%s' (first at line %zu); each id once",
                   c[E_ID].text, line);
    }
    if (cs_input_need(L, t, &c[E_PHASE], "a phase name such as acquisition") &&
        cs_input_check_id(L, &c[E_PHASE], "phase"))
        e->phase = cs_input_phase_of(L, c[E_PHASE].text);
    else
        L->phases_incomplete = true;
    if (cs_input_need(L, t, &c[E_CURRENCY], "the base currency or one in currencies.csv"))
        cs_input_currency_ref(L, &c[E_CURRENCY], &e->currency);
    bool basis_ok = cs_input_need(L, t, &c[E_BASIS], "once, per_year, per_unit or per_unit_year") &&
                    read_basis(L, &c[E_BASIS], &e->basis);
    cs_input_read_dist(L, t, &c[E_DIST], &c[E_LOW], true, -CS_MAX_AMOUNT, false, CS_MAX_AMOUNT,
              false, "amounts in millions, |x| <= 1e15", &e->dist);

    if (c[E_ID].text[0] && L->element_scale && L->element_scale[r].text) {
        cell *sc = &L->element_scale[r];
        if (sc->text[0])
            cs_input_number_in(L, sc, 0, false, CS_MAX_AMOUNT, false, "0 <= scale <= 1e15",
                      &e->scale);
    }
    return basis_ok;
}

/* start and end: year expressions for a dated basis (once, per_year),
 * empty for a per-unit one, which takes its years from first_delivery
 * instead. Returns whether the element's years can be worked out. */
static bool read_element_years(ld *L, const cell *c, cs_element *e, bool dated)
{
    table *t = &L->el;
    bool years_ok = true;
    if (dated) {
        const char *allowed = "a four-digit year or a delivery marker such as "
                              "first_delivery-8";
        bool s_ok = cs_input_need(L, t, &c[E_START], allowed) &&
                    cs_input_read_yexpr(L, &c[E_START], &e->start);
        bool e_ok = cs_input_need(L, t, &c[E_END], allowed) &&
                    cs_input_read_yexpr(L, &c[E_END], &e->end);
        years_ok = s_ok && e_ok;
    } else {
        years_ok &= cs_input_must_be_empty(L, &c[E_START], "for basis per_unit or per_unit_year; "
                                                  "start and end are for once and per_year");
        years_ok &= cs_input_must_be_empty(L, &c[E_END], "for basis per_unit or per_unit_year; "
                                                "start and end are for once and per_year");
        if (!L->m->has_first_delivery) {
            if (!L->first_delivery_bad)
                cs_input_err(L, &c[E_BASIS], "basis %s needs the scenario key first_delivery; set "
                                       "first_delivery (year unit 1 is delivered)",
                       c[E_BASIS].text);
            years_ok = false;
        }
    }
    return years_ok;
}

/* profile, for basis once only: how the amount spreads over its years
 * (flat when empty). */
static void read_profile(ld *L, const cell *c, cs_element *e)
{
    if (e->basis == CS_BASIS_ONCE) {
        const char *p = c->text;
        if (!p[0] || !strcmp(p, "flat"))
            e->profile = CS_PROFILE_FLAT;
        else if (!strcmp(p, "front"))
            e->profile = CS_PROFILE_FRONT;
        else if (!strcmp(p, "back"))
            e->profile = CS_PROFILE_BACK;
        else
            cs_input_err(L, c, "unknown profile '%s'; allowed: flat, front or back", p);
    } else {
        cs_input_must_be_empty(L, c, "unless basis is once");
    }
}

/* learning, for basis per_unit only: the unit learning rate (1, no
 * learning, when empty). */
static void read_learning(ld *L, const cell *c, cs_element *e)
{
    if (e->basis == CS_BASIS_PER_UNIT) {
        if (c->text[0])
            cs_input_number_in(L, c, 0, true, 1, false, "0 < learning <= 1", &e->learning);
    } else {
        cs_input_must_be_empty(L, c, "unless basis is per_unit");
    }
}

/* The element's cash-flow years at slip 0, once its years and the
 * schedule are known good: an end before the start is an error unless
 * if_empty is zero, else they are checked against base_year and
 * 1900-2300. A per-unit basis has no start or end cell, so its errors
 * point at basis. */
static void check_element_span(ld *L, const cell *c, const cs_element *e, bool dated)
{
    int first, last;
    cs_model_element_years(L->m, e, 0, &first, &last);
    if (dated && first > last && e->if_empty_zero) {
        /* Empty without slip and if_empty zero: no cash flow to check. */
    } else if (dated && first > last) {
        char a[96], b[96];
        cs_input_describe_year(e->start, first, a);
        cs_input_describe_year(e->end, last, b);
        cs_input_err(L, &c[E_END], "end %s is before start %s; allowed: start <= end", b, a);
    } else {
        char what[160];
        snprintf(what, sizeof what, "element %s", e->id);
        cs_input_check_years(L, dated ? &c[E_START] : &c[E_BASIS], dated ? &c[E_END] : &c[E_BASIS],
                    first, last, what);
    }
}

/* Checks elements.csv row r into the model's element r; the columns after
 * basis are checked only once the basis is known. first_line maps each id
 * seen to its line, for the duplicate check. */
static void check_element_row(ld *L, size_t r, smap *first_line)
{
    cell *c = row_cells(&L->el, r);
    cs_element *e = &L->m->elements[r];
    if (!check_common_cells(L, r, first_line))
        return;

    bool dated = e->basis == CS_BASIS_ONCE || e->basis == CS_BASIS_PER_YEAR;
    bool years_ok = read_element_years(L, c, e, dated);
    read_profile(L, &c[E_PROFILE], e);
    read_learning(L, &c[E_LEARNING], e);

    read_if_empty(L, &c[E_IF_EMPTY], dated, e);

    if (years_ok && L->schedule_ok)
        check_element_span(L, c, e, dated);
}

void cs_input_check_elements(ld *L)
{
    table *t = &L->el;
    cs_model *m = L->m;
    size_t errors = nerrors(L);
    if (t->unusable)
        return;
    if (t->nrows == 0) {
        /* Rows dropped for their own errors (reported) are not missing. */
        if (!t->incomplete)
            cs_input_err_path(L, t->path, "no elements; allowed: a header and at least one row");
        return;
    }
    if (t->nrows > CS_MAX_ELEMENTS)
        cs_input_err(L, &row_cells(t, CS_MAX_ELEMENTS)[E_ID], "more than %d elements; allowed: at "
                                                        "most %d",
               CS_MAX_ELEMENTS, CS_MAX_ELEMENTS);
    m->elements = calloc(t->nrows, sizeof *m->elements);
    if (!m->elements) {
        cs_input_out_of_memory(L);
        return;
    }
    m->n_elements = t->nrows;
    smap first_line = {0};
    for (size_t r = 0; r < t->nrows && !L->oom; r++)
        check_element_row(L, r, &first_line);
    cs_input_smap_free(&first_line);
    if (!L->oom)
        cs_input_read_streams(L, t, E_ID, E_STREAM, "element", &m->elements[0].stream,
                              sizeof(cs_element));
    L->elements_ok = nerrors(L) == errors;
}

/* phase.<name>.scale, once all phases are known. */
void cs_input_apply_phase_scales(ld *L)
{
    cs_model *m = L->m;
    for (size_t i = 0; i < L->n_settings; i++) {
        setting *s = &L->settings[i];
        if (!s->valid_key || s->kind != K_PHASE)
            continue;
        size_t p;
        if (!cs_input_smap_get(&L->phase_index, s->id, &p)) {
            /* A phase cell failed or a row was dropped: the list may lack
             * the phase, so "unknown" could be wrong. Other errors in the
             * rows do not stop this check (check lists every error). */
            if (L->el.unusable || L->ri.unusable || L->el.incomplete || L->ri.incomplete ||
                L->phases_incomplete)
                continue;
            cell kc = cs_input_key_cell(s);
            const char *hint =
                m->phases ? cs_csvin_closest(s->id, (const char *const *)m->phases) : NULL;
            cs_input_err(L, &kc, "unknown phase '%s' in key '%s'%s%s%s; allowed: a phase used in "
                           "elements.csv or risks.csv",
                   s->id, s->key, hint ? "; did you mean '" : "", hint ? hint : "",
                   hint ? "'?" : "");
            continue;
        }
        if (!s->value[0])
            continue;
        cell vc = cs_input_value_cell(s);
        double f;
        if (!cs_input_number_in(L, &vc, 0, false, CS_MAX_AMOUNT, false, "0 <= scale <= 1e15", &f))
            continue;
        for (size_t e = 0; e < m->n_elements; e++)
            if (m->elements[e].phase == p)
                m->elements[e].scale *= f;
        for (size_t r = 0; r < m->n_risks; r++)
            if (m->risks[r].phase == p)
                m->risks[r].scale *= f;
    }
}
