/* model: freeing a cs_model and the schedule arithmetic every stage shares
 * (year expressions, delivery years; docs/FORMAT.md, schedule).
 *
 * Does not build or validate models (that is loader.c) and does not
 * simulate. Year arithmetic is done in long long and saturated to int, so
 * absurd slips from a caller cannot overflow. */
#include "model.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void cs_model_free(cs_model *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->scenario_path);
    free(m->model_dir);
    free(m->model_value);
    for (size_t i = 0; i < m->n_elements; i++) {
        free(m->elements[i].id);
        free(m->elements[i].name);
        free(m->elements[i].stream);
    }
    free(m->elements);
    for (size_t i = 0; i < m->n_risks; i++) {
        free(m->risks[i].id);
        free(m->risks[i].name);
        free(m->risks[i].stream);
    }
    free(m->risks);
    free(m->currencies);
    free_strings(m->phases, m->n_phases);
    for (size_t i = 0; i < m->n_corr_groups; i++) {
        free(m->corr_groups[i].elements);
        free(m->corr_groups[i].chol);
    }
    free(m->corr_groups);
    free(m->fx_currencies);
    free(m->fx_chol);
    free(m->slip_stream);
    free_strings(m->warnings, m->n_warnings);
    for (size_t i = 0; i < m->n_overrides; i++) {
        free(m->override_keys[i]);
        free(m->override_values[i]);
    }
    free(m->override_keys);
    free(m->override_values);
    free(m);
}

static int saturate(long long y)
{
    if (y > INT_MAX)
        return INT_MAX;
    if (y < INT_MIN)
        return INT_MIN;
    return (int)y;
}

int cs_model_yexpr_eval(const cs_model *m, cs_yexpr y, int first_delivery, int last_delivery)
{
    long long v;
    switch (y.marker) {
    case CS_MARK_FIRST_DELIVERY:
        v = (long long)first_delivery + y.offset;
        break;
    case CS_MARK_LAST_DELIVERY:
        v = (long long)last_delivery + y.offset;
        break;
    case CS_MARK_END_OF_SERVICE:
        v = (long long)last_delivery + m->service_life - 1 + y.offset;
        break;
    case CS_MARK_YEAR:
    default:
        v = y.offset;
        break;
    }
    return saturate(v);
}

int cs_model_delivery_year(const cs_model *m, int slip, int k)
{
    /* delivery_k = first_delivery + s + floor((k-1) m / 1000): integer
     * division floors because k >= 1 and m >= 0, so 0.75-year intervals
     * give 0, 0, 1, 2, 3, 3, ... exactly, with no floating-point drift. */
    long long steps = k > 1 ? (long long)(k - 1) * m->delivery_interval_milli / 1000 : 0;
    return saturate((long long)m->first_delivery + slip + steps);
}

char *cs_model_yexpr_format(cs_yexpr y, char *buf)
{
    static const char *const names[] = {"", "first_delivery", "last_delivery",
                                        "end_of_service"};
    if (y.marker == CS_MARK_YEAR)
        snprintf(buf, 48, "%d", y.offset);
    else if (y.offset == 0)
        snprintf(buf, 48, "%s", names[y.marker]);
    else
        snprintf(buf, 48, "%s%+d", names[y.marker], y.offset);
    return buf;
}

void cs_model_element_years(const cs_model *m, const cs_element *e, int slip, int *first,
                      int *last)
{
    int d1 = cs_model_delivery_year(m, slip, 1);
    int dn = cs_model_delivery_year(m, slip, m->units);
    switch (e->basis) {
    case CS_BASIS_PER_UNIT:
        *first = saturate((long long)d1 - m->build_years);
        *last = saturate((long long)dn - 1);
        break;
    case CS_BASIS_PER_UNIT_YEAR:
        *first = d1;
        *last = saturate((long long)dn + m->service_life - 1);
        break;
    case CS_BASIS_ONCE:
    case CS_BASIS_PER_YEAR:
    default:
        *first = cs_model_yexpr_eval(m, e->start, d1, dn);
        *last = cs_model_yexpr_eval(m, e->end, d1, dn);
        break;
    }
}

int cs_model_risk_year(const cs_model *m, const cs_risk *r, int slip)
{
    return cs_model_yexpr_eval(m, r->year, cs_model_delivery_year(m, slip, 1),
                         cs_model_delivery_year(m, slip, m->units));
}

void cs_model_year_span(const cs_model *m, int slip, int *first, int *last)
{
    int lo = INT_MAX, hi = INT_MIN;
    for (size_t i = 0; i < m->n_elements; i++) {
        int a, b;
        cs_model_element_years(m, &m->elements[i], slip, &a, &b);
        if (b < a && m->elements[i].if_empty_zero)
            continue; /* no flow at this slip */
        if (a < lo)
            lo = a;
        if (b > hi)
            hi = b;
    }
    for (size_t i = 0; i < m->n_risks; i++) {
        int y = cs_model_risk_year(m, &m->risks[i], slip);
        if (y < lo)
            lo = y;
        if (y > hi)
            hi = y;
    }
    *first = lo;
    *last = hi;
}
