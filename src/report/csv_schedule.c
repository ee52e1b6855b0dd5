/* report csv_schedule: the CSV files of the schedule and allocation
 * outputs (docs/OUTPUTS.md): schedule.csv, jcl.csv and allocation.csv, and
 * their JSON arrays with the same column names and rows (numbers as JSON
 * numbers, empty cells null). */
#include "report_internal.h"

void cs_report_schedule_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"marker", "point",  "mean",       "p10",
                                         "p50",    "p80",    "p90",        "target",
                                         "confidence", "ci_low", "ci_high", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    if (!r->has_schedule)
        return;
    for (int i = 0; i < 2; i++) {
        const cs_schedule_row *s = &r->schedule[i];
        cs_csvout_text(&w, s->marker);
        const double v[] = {s->point, s->mean, s->p10, s->p50, s->p80, s->p90};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            cs_csvout_number(&w, v[k]);
        cs_csvout_number(&w, s->has_target ? s->target : NAN);
        cs_csvout_number(&w, s->has_target ? s->confidence : NAN);
        cs_csvout_number(&w, s->has_target ? s->ci_low : NAN);
        cs_csvout_number(&w, s->has_target ? s->ci_high : NAN);
        cs_csvout_end_row(&w);
    }
}

void cs_report_jcl_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"first_delivery_by", "budget", "budget_percentile",
                                         "joint_confidence", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < r->n_jcl; i++) {
        const cs_jcl_row *j = &r->jcl[i];
        cs_csvout_int(&w, j->first_delivery_by);
        cs_csvout_number(&w, j->budget);
        cs_csvout_int(&w, j->budget_percentile);
        cs_csvout_number(&w, j->joint_confidence);
        cs_csvout_end_row(&w);
    }
}

void cs_report_allocation_csv(FILE *f, const cs_results *r)
{
    static const char *const header[] = {"measure", "level", "id", "name", "point",
                                         "alloc_p50", "alloc_p80", NULL};
    cs_csvout w;
    cs_csvout_init(&w, f);
    cs_csvout_header(&w, header);
    for (size_t i = 0; i < r->n_allocation; i++) {
        const cs_allocation_row *a = &r->allocation[i];
        cs_csvout_text(&w, cs_results_measure_name(a->measure));
        cs_csvout_text(&w, cs_report_level_name(a->level));
        cs_csvout_text(&w, a->id);
        cs_csvout_text(&w, a->name);
        cs_csvout_number(&w, a->point);
        cs_csvout_number(&w, a->alloc_p50);
        cs_csvout_number(&w, a->alloc_p80);
        cs_csvout_end_row(&w);
    }
}

/* ---- JSON ---- */

/* Both zeros are 0, as in the CSV files (json.c's jreal). */
static json_t *jnum(double x) { return isfinite(x) ? json_real(x + 0.0) : json_null(); }

/* Sets key to value; a NULL value or object (out of memory) marks *failed. */
/* Sets or appends value, which is released on any failure (jansson's
 * *_new functions release it themselves, but not when o or a is NULL). */
static void put(bool *failed, json_t *o, const char *key, json_t *value)
{
    if (!o) {
        json_decref(value);
        *failed = true;
    } else if (json_object_set_new(o, key, value) != 0) {
        *failed = true;
    }
}

static void add(bool *failed, json_t *a, json_t *value)
{
    if (!a) {
        json_decref(value);
        *failed = true;
    } else if (json_array_append_new(a, value) != 0) {
        *failed = true;
    }
}

json_t *cs_report_schedule_json(const cs_results *r, bool *failed)
{
    json_t *a = json_array();
    for (int i = 0; r->has_schedule && i < 2; i++) {
        const cs_schedule_row *s = &r->schedule[i];
        json_t *o = json_object();
        put(failed, o, "marker", json_string(s->marker));
        put(failed, o, "point", jnum(s->point));
        put(failed, o, "mean", jnum(s->mean));
        put(failed, o, "p10", jnum(s->p10));
        put(failed, o, "p50", jnum(s->p50));
        put(failed, o, "p80", jnum(s->p80));
        put(failed, o, "p90", jnum(s->p90));
        put(failed, o, "target", s->has_target ? jnum(s->target) : json_null());
        put(failed, o, "confidence", s->has_target ? jnum(s->confidence) : json_null());
        put(failed, o, "ci_low", s->has_target ? jnum(s->ci_low) : json_null());
        put(failed, o, "ci_high", s->has_target ? jnum(s->ci_high) : json_null());
        add(failed, a, o);
    }
    return a;
}

json_t *cs_report_jcl_json(const cs_results *r, bool *failed)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_jcl; i++) {
        const cs_jcl_row *j = &r->jcl[i];
        json_t *o = json_object();
        put(failed, o, "first_delivery_by", json_integer(j->first_delivery_by));
        put(failed, o, "budget", jnum(j->budget));
        put(failed, o, "budget_percentile", json_integer(j->budget_percentile));
        put(failed, o, "joint_confidence", jnum(j->joint_confidence));
        add(failed, a, o);
    }
    return a;
}

json_t *cs_report_allocation_json(const cs_results *r, bool *failed)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_allocation; i++) {
        const cs_allocation_row *al = &r->allocation[i];
        json_t *o = json_object();
        put(failed, o, "measure", json_string(cs_results_measure_name(al->measure)));
        put(failed, o, "level", json_string(cs_report_level_name(al->level)));
        put(failed, o, "id", json_string(al->id));
        put(failed, o, "name", json_string(al->name));
        put(failed, o, "point", jnum(al->point));
        put(failed, o, "alloc_p50", jnum(al->alloc_p50));
        put(failed, o, "alloc_p80", jnum(al->alloc_p80));
        add(failed, a, o);
    }
    return a;
}

json_t *cs_report_joint_json(const cs_results *r, bool *failed)
{
    if (!r->has_joint)
        return json_null();
    const cs_model *m = r->model;
    json_t *o = json_object();
    put(failed, o, "budget", jnum(m->budget));
    put(failed, o, "budget_measure",
        json_string(cs_results_measure_name((cs_measure)m->budget_measure)));
    put(failed, o, "schedule_target", json_integer(m->schedule_target));
    put(failed, o, "confidence", jnum(r->joint_confidence));
    put(failed, o, "ci_low", jnum(r->joint_ci[0]));
    put(failed, o, "ci_high", jnum(r->joint_ci[1]));
    return o;
}
