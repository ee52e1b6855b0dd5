/* sweep: the grid of a sweep, its validation before any simulation, and
 * the runs that keep one summary row per combination (see sweep.h). */
#include "sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void cs_sweep_free(cs_sweep *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->n_keys; k++)
        free(s->keys[k]);
    free(s->keys);
    /* values point at the caller's strings (see cs_sweep_plan) */
    free(s->values);
    free(s->rows);
    free(s->storage);
    free(s->name);
    free(s->currency);
    free(s->input_files);
    free(s->model_dirs);
    free(s);
}

/* Adds id to list (of n) unless it is there. -1 when out of memory. */
static int add_file_id(cs_file_id **list, size_t *n, cs_file_id id)
{
    for (size_t i = 0; i < *n; i++)
        if (cs_file_id_same((*list)[i], id))
            return 0;
    cs_file_id *grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    grown[(*n)++] = id;
    *list = grown;
    return 0;
}

/* Records the input files of a combination's model in s. */
static int note_inputs(cs_sweep *s, const cs_model *m)
{
    for (size_t i = 0; i < m->n_input_files; i++)
        if (add_file_id(&s->input_files, &s->n_input_files, m->input_files[i]) != 0)
            return -1;
    if (m->has_model_dir_id && add_file_id(&s->model_dirs, &s->n_model_dirs, m->model_dir_id) != 0)
        return -1;
    return 0;
}

cs_status cs_sweep_plan(const cs_sweep_axis *axes, size_t n_axes, cs_sweep **out,
                        cs_diag *diag)
{
    *out = NULL;
    size_t n = 1;
    for (size_t k = 0; k < n_axes; k++) {
        for (size_t j = 0; j < k; j++)
            if (!strcmp(axes[j].key, axes[k].key)) {
                cs_diag_add(diag, "--vary", 0, NULL,
                            "'%s' is varied twice; give each key once, with all its "
                            "values: --vary %s=V1,V2,...",
                            axes[k].key, axes[k].key);
                return CS_E_INPUT;
            }
        if (axes[k].n_values == 0) {
            cs_diag_add(diag, "--vary", 0, NULL, "'%s' has no values", axes[k].key);
            return CS_E_INPUT;
        }
        if (n > CS_SWEEP_MAX_COMBINATIONS / axes[k].n_values) {
            cs_diag_add(diag, "--vary", 0, NULL,
                        "more than %d combinations; vary fewer keys or values",
                        CS_SWEEP_MAX_COMBINATIONS);
            return CS_E_INPUT;
        }
        n *= axes[k].n_values;
    }
    cs_sweep *s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->n_keys = n_axes;
    s->n_combinations = n;
    s->keys = calloc(n_axes ? n_axes : 1, sizeof *s->keys);
    s->values = calloc(n * (n_axes ? n_axes : 1), sizeof *s->values);
    s->rows = calloc(n, sizeof *s->rows);
    if (!s->keys || !s->values || !s->rows)
        goto oom;
    for (size_t k = 0; k < n_axes; k++)
        if (!(s->keys[k] = strdup(axes[k].key)))
            goto oom;
    /* Combination c: the first key varies slowest. The values point at the
     * caller's strings, which must outlive s. */
    for (size_t c = 0; c < n; c++) {
        size_t rest = c;
        for (size_t k = n_axes; k-- > 0;) {
            s->values[c * n_axes + k] = (char *)axes[k].values[rest % axes[k].n_values];
            rest /= axes[k].n_values;
        }
    }
    *out = s;
    return CS_OK;
oom:
    cs_sweep_free(s);
    cs_diag_add(diag, "--vary", 0, NULL, "out of memory");
    return CS_E_NOMEM;
}

cs_status cs_sweep_settings(const cs_sweep *s, size_t c, const cs_setting *before,
                            size_t n_before, const cs_setting *after, size_t n_after,
                            cs_setting **sets, size_t *n_sets)
{
    size_t n = n_before + s->n_keys + n_after;
    cs_setting *out = malloc((n ? n : 1) * sizeof *out);
    if (!out)
        return CS_E_NOMEM;
    size_t i = 0;
    for (size_t j = 0; j < n_before; j++)
        out[i++] = before[j];
    for (size_t k = 0; k < s->n_keys; k++)
        out[i++] = (cs_setting){s->keys[k], s->values[c * s->n_keys + k]};
    for (size_t j = 0; j < n_after; j++)
        out[i++] = after[j];
    *sets = out;
    *n_sets = n;
    return CS_OK;
}

/* Loads combination c into *m. */
static cs_status load(cs_sweep *s, size_t c, const char *path, const cs_setting *before,
                      size_t n_before, const cs_setting *after, size_t n_after, cs_model **m,
                      cs_diag *diag)
{
    cs_setting *sets;
    size_t n_sets;
    *m = NULL;
    if (cs_sweep_settings(s, c, before, n_before, after, n_after, &sets, &n_sets) != CS_OK) {
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    *m = cs_loader_load(path, sets, n_sets, diag);
    free(sets);
    if (*m && note_inputs(s, *m) != 0) {
        cs_model_free(*m);
        *m = NULL;
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    return *m ? CS_OK : CS_E_INPUT;
}

/* The setting of key among set[0 .. n-1], or NULL. */
static const cs_setting *find_setting(const cs_setting *set, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(set[i].key, key))
            return &set[i];
    return NULL;
}

cs_status cs_sweep_validate(cs_sweep *s, const char *path, const cs_setting *before,
                            size_t n_before, const cs_setting *after, size_t n_after,
                            const cs_run_options *opt, cs_diag *diag)
{
    /* A varied key that --trials, --seed or --budget also sets would be
     * replaced in every combination: the rows would differ only in name.
     * One given with --set would be replaced by every combination: the
     * --set would be dropped without a word. */
    for (size_t k = 0; k < s->n_keys; k++) {
        const cs_setting *a = find_setting(after, n_after, s->keys[k]);
        const cs_setting *b = find_setting(before, n_before, s->keys[k]);
        if (a)
            cs_diag_add(diag, "--vary", 0, NULL,
                        "%s is varied and also set by --%s, which would win in every "
                        "combination; vary it or set it, not both",
                        s->keys[k], a->key);
        else if (b)
            cs_diag_add(diag, "--vary", 0, NULL,
                        "%s is varied and also set by --set %s=%s, which every "
                        "combination would replace; vary it or set it, not both",
                        s->keys[k], b->key, b->value);
        if (a || b)
            return CS_E_INPUT;
    }
    /* The first combination too big for the memory, and the refusal's
     * message (in its own diag), reported once every combination's input
     * is known to be valid (a typo first). */
    size_t too_big = SIZE_MAX;
    cs_diag *refusal = opt ? cs_diag_alloc() : NULL;
    if (opt && !refusal) {
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        return CS_E_NOMEM;
    }
    for (size_t c = 0; c < s->n_combinations; c++) {
        cs_model *m;
        size_t warnings = cs_diag_count(diag);
        cs_status st = load(s, c, path, before, n_before, after, n_after, &m, diag);
        if (st == CS_OK && opt && too_big == SIZE_MAX) { /* as cs_sweep_run will run it */
            cs_run_options o = *opt;
            o.trials = m->trials;
            o.seed = m->seed;
            if (cs_engine_check_memory(m, &o, refusal) != CS_OK)
                too_big = c;
        }
        if (st == CS_OK && c == 0) {
            free(s->name);
            free(s->currency);
            s->name = strdup(m->name);
            s->currency = strdup(m->currencies[m->report_currency].code);
            if (!s->name || !s->currency) {
                cs_diag_add(diag, path, 0, NULL, "out of memory");
                st = CS_E_NOMEM;
            }
        }
        cs_model_free(m);
        if (st != CS_OK && st != CS_E_NOMEM)
            cs_diag_add(diag, path, 0, NULL,
                        "combination %zu of %zu is not valid; nothing was simulated", c + 1,
                        s->n_combinations);
        if (st != CS_OK) {
            cs_diag_free(refusal);
            return st;
        }
        /* Warnings are reported once, when the combination runs. */
        cs_diag_truncate(diag, warnings);
    }
    if (too_big != SIZE_MAX) {
        for (size_t i = 0; i < cs_diag_count(refusal); i++) {
            const cs_diag_entry *e = cs_diag_get(refusal, i);
            cs_diag_add(diag, e->path, e->line, e->column, "%s", e->message);
        }
        cs_diag_add(diag, path, 0, NULL,
                    "combination %zu of %zu needs more memory than is available; nothing was "
                    "simulated",
                    too_big + 1, s->n_combinations);
    }
    cs_diag_free(refusal);
    return too_big != SIZE_MAX ? CS_E_INPUT : CS_OK;
}

void cs_sweep_row_of(const cs_results *r, cs_sweep_row *row)
{
    for (int m = 0; m < CS_N_MEASURES; m++) {
        const cs_summary_row *total = r->n_rows > 0 ? &r->rows[m][0] : NULL;
        row->stat[m][CS_SWEEP_MEAN] = total ? total->mean : NAN;
        row->stat[m][CS_SWEEP_P50] = total ? total->p[CS_P50] : NAN;
        row->stat[m][CS_SWEEP_P80] = total ? total->p[CS_P80] : NAN;
        row->stat[m][CS_SWEEP_P90] = total ? total->p[CS_P90] : NAN;
    }
    row->has_budget = r->has_budget;
    row->budget_confidence = r->has_budget ? r->budget_confidence : NAN;
    row->budget = r->has_budget ? r->budget : NAN;
    row->budget_measure = r->model ? r->model->budget_measure : CS_NOMINAL;
    memset(row->currency, 0, sizeof row->currency);
    if (r->model)
        memcpy(row->currency, r->model->currencies[r->model->report_currency].code,
               sizeof row->currency - 1);
}

static bool same_entry(const cs_diag_entry *a, const cs_diag_entry *b)
{
    return a->severity == b->severity && a->line == b->line && !strcmp(a->path, b->path) &&
           !strcmp(a->message, b->message) &&
           (a->column ? b->column && !strcmp(a->column, b->column) : !b->column);
}

/* Moves the entries of from into diag, leaving out a warning diag already
 * has: a warning about the scenario file comes with every combination's
 * load, and is said once. Errors all move. */
static void add_new_entries(cs_diag *diag, const cs_diag *from)
{
    size_t had = cs_diag_count(diag);
    for (size_t i = 0; i < cs_diag_count(from); i++) {
        const cs_diag_entry *e = cs_diag_get(from, i);
        bool repeated = false;
        for (size_t j = 0; j < had && !repeated && e->severity == CS_SEVERITY_WARNING; j++)
            repeated = same_entry(e, cs_diag_get(diag, j));
        if (!repeated)
            (e->severity == CS_SEVERITY_WARNING ? cs_diag_warn : cs_diag_add)(
                diag, e->path, e->line, e->column, "%s", e->message);
    }
}

cs_status cs_sweep_run(cs_sweep *s, const char *path, const cs_setting *before,
                       size_t n_before, const cs_setting *after, size_t n_after,
                       const cs_run_options *opt, cs_sweep_progress progress, void *ctx,
                       cs_diag *diag)
{
    s->n_done = 0;
    for (size_t c = 0; c < s->n_combinations; c++) {
        cs_model *m = NULL;
        cs_diag *loaded = cs_diag_alloc();
        cs_status st = loaded ? load(s, c, path, before, n_before, after, n_after, &m, loaded)
                              : CS_E_NOMEM;
        if (loaded)
            add_new_entries(diag, loaded);
        else
            cs_diag_add(diag, path, 0, NULL, "out of memory");
        cs_diag_free(loaded);
        if (st != CS_OK)
            return st;
        if (progress)
            progress(ctx, c, s->n_combinations);
        cs_run_options o = *opt;
        o.trials = m->trials;
        o.seed = m->seed;
        cs_results *r = NULL;
        st = cs_engine_run(m, &o, &r, diag);
        if (st == CS_OK)
            cs_sweep_row_of(r, &s->rows[c]);
        cs_results_free(r);
        cs_model_free(m);
        if (st != CS_OK)
            return st;
        s->n_done = c + 1;
    }
    return CS_OK;
}
