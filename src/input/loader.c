/* loader: scenario file + model directory -> validated cs_model
 * (docs/FORMAT.md, docs/LIMITS.md). See loader.h and docs/FORMAT.md.
 * 
 * The model files are first copied into tables of cells that remember where
 * each text came from (file:line:column, or the scenario line / --set that
 * overrode it), so every later check points at the right place without
 * knowing about overrides. Checks then run table by table, collecting all
 * problems; a check whose inputs already failed is skipped so one mistake
 * gives one message. Parsing of cells is csvin's, numbers num's, the
 * distribution rules dist's and the matrix algebra corr's. Nothing here
 * prints or simulates. This file runs the stages in order; the stages are
 * in scenario.c, currencies.c, elements.c, risks.c and correlations.c, the
 * shared pieces in cells.c and loader_internal.h. */
#include "loader_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <strings.h>

static const char *const pair_cols[] = {"a", "b", "rho", NULL};

static const char *const currency_required[] = {"currency", NULL};

static const char *const risk_required[] = {"id", "probability", "dist", "year", NULL};

static const char *const element_required[] = {"id", "phase", "currency", "basis",
                                               "dist", NULL};

const char *const cs_loader_model_files[] = {
    "elements.csv", "risks.csv", "currencies.csv", "correlations.csv", "fx_correlations.csv", NULL,
};

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool cs_loader_is_csv_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".csv") == 0;
}

/* Adds text (malloc'd, or NULL when that failed: out of memory) to the
 * model's warnings, which takes it. */
static void add_warning(ld *L, char *text)
{
    char **grown = text ? realloc(L->m->warnings, (L->m->n_warnings + 2) * sizeof *grown)
                        : NULL;
    if (!grown) {
        free(text);
        cs_input_out_of_memory(L);
        return;
    }
    L->m->warnings = grown;
    grown[L->m->n_warnings++] = text;
    grown[L->m->n_warnings] = NULL;
}

void cs_input_warnf(ld *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (text) {
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    add_warning(L, text);
}

void cs_input_warn_error_comments(ld *L, const cs_csv *csv)
{
    for (size_t i = 0; i < cs_csvin_n_error_comments(csv); i++)
        cs_input_warnf(L, "%s:%d: '%s': this row starts with a spreadsheet's error value, so "
                       "it is read as a comment and skipped; if it is data, fix the formula "
                       "or the cell",
                       cs_csvin_path(csv), cs_csvin_error_comment_line(csv, i),
                       cs_csvin_error_comment_value(csv, i));
}

/* Every other *.csv file of the model directory (docs/FORMAT.md): a near miss
 * of a model file's name is an error, anything else a warning, so a misnamed
 * risks file cannot silently drop the risks. Hidden files are left alone.
 * Names are sorted so messages do not depend on the directory's order. */
static void check_stray_files(ld *L)
{
    DIR *dir = opendir(L->m->model_dir);
    if (!dir) {
        /* Its files are reported as they are read; a directory that can
         * be entered but not listed (mode 711) hides a misnamed file. */
        if (errno == EACCES)
            cs_input_warnf(L, "%s: the model directory cannot be listed (permission denied), "
                           "so a misnamed model file (e.g. risk.csv) would not be noticed",
                           L->m->model_dir);
        return;
    }
    /* A scenario kept in its model's directory (model ".") is not a stray
     * model file. */
    struct stat scenario;
    bool have_scenario = L->scenario_path && stat(L->scenario_path, &scenario) == 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        /* Hidden files, and the owner files Office leaves beside a file
         * it has open (~$elements.csv), are not the model's. */
        if (e->d_name[0] == '.' || !strncmp(e->d_name, "~$", 2) ||
            !cs_loader_is_csv_name(e->d_name) ||
            cs_input_col_index(cs_loader_model_files, e->d_name) >= 0)
            continue;
        struct stat st;
        if (have_scenario && fstatat(dirfd(dir), e->d_name, &st, 0) == 0 &&
            st.st_dev == scenario.st_dev && st.st_ino == scenario.st_ino)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(dir);
    if (n > 1)
        qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        char *path = cs_input_join_path(L->m->model_dir, names[i]);
        const char *hint = NULL;
        size_t best = 3;
        for (size_t k = 0; cs_loader_model_files[k]; k++) {
            size_t d = cs_csvin_edit_distance(names[i], cs_loader_model_files[k]);
            if (d < best) {
                best = d;
                hint = cs_loader_model_files[k];
            }
        }
        if (!path) {
            cs_input_out_of_memory(L);
        } else if (hint) {
            cs_diag_add(L->diag, path, 0, NULL,
                        "unknown model file '%s'; did you mean '%s'? a model directory "
                        "holds elements.csv, risks.csv, currencies.csv, correlations.csv "
                        "and fx_correlations.csv", names[i], hint);
        } else {
            cs_input_warnf(L, "%s: not a model file, ignored; a model directory holds "
                           "elements.csv, risks.csv, currencies.csv, correlations.csv and "
                           "fx_correlations.csv",
                           path);
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

/* Keeps the overrides in effect (element.*, risk.*, currency.*, phase.*
 * keys of the file and of --set, the last one of a key winning) in the
 * model, for the JSON settings. An empty value (a cleared cell) is kept as
 * NULL. */
static void record_overrides(ld *L)
{
    cs_model *m = L->m;
    m->override_keys = calloc(L->n_settings + 1, sizeof *m->override_keys);
    m->override_values = calloc(L->n_settings + 1, sizeof *m->override_values);
    if (!m->override_keys || !m->override_values) {
        cs_input_out_of_memory(L);
        return;
    }
    for (size_t i = 0; i < L->n_settings; i++) {
        const setting *s = &L->settings[i];
        if (!s->valid_key || s->kind == K_PLAIN)
            continue;
        size_t k = 0;
        while (k < m->n_overrides && strcmp(m->override_keys[k], s->key) != 0)
            k++;
        if (k == m->n_overrides) {
            if (!(m->override_keys[k] = strdup(s->key))) {
                cs_input_out_of_memory(L);
                return;
            }
            m->n_overrides++;
        }
        free(m->override_values[k]);
        m->override_values[k] = NULL;
        if (s->value && *s->value && !(m->override_values[k] = strdup(s->value))) {
            cs_input_out_of_memory(L);
            return;
        }
    }
}

/* A value that a later --set (or --trials, --seed, --budget) replaced is
 * not used (the later one wins, docs/COMMANDS.md), but an invalid one
 * should not pass unseen: each replaced value is checked by loading the
 * scenario with it in effect (the file alone, or the sets up to and
 * including it), and that load's errors about it become warnings. At
 * most MAX_REPLACED_LOADS such loads, one per place in the sets. */
enum { MAX_REPLACED_LOADS = 16 };

/* Set while check_replaced loads: those loads check nothing replaced
 * themselves (each would load again, without end for a pile of --set). */
static _Thread_local bool checking_replaced;

/* How many of the sets are in effect when setting s is the last of its
 * key: none for the file's (the file alone), else up to and including s. */
static size_t sets_in_effect(const setting *s) { return s->from_file ? 0 : s->set_index + 1; }

static void check_replaced(ld *L, const char *path, const cs_setting *sets)
{
    if (checking_replaced)
        return;
    checking_replaced = true;
    size_t loaded[MAX_REPLACED_LOADS], n_loaded = 0; /* one load per sets_in_effect */
    for (size_t i = 0; i < L->n_settings && !L->oom && n_loaded < MAX_REPLACED_LOADS; i++) {
        if (!L->settings[i].shadowed)
            continue;
        size_t n_sets = sets_in_effect(&L->settings[i]), q = 0;
        while (q < n_loaded && loaded[q] != n_sets)
            q++;
        if (q < n_loaded)
            continue;
        cs_diag *alone = cs_diag_alloc();
        if (!alone) {
            cs_input_out_of_memory(L);
            break;
        }
        loaded[n_loaded++] = n_sets;
        cs_model_free(cs_loader_load(path, sets, n_sets, alone));
        for (size_t k = 0; k < cs_diag_count(alone); k++) {
            const cs_diag_entry *e = cs_diag_get(alone, k);
            for (size_t j = 0; j < L->n_settings; j++) {
                const setting *r = &L->settings[j];
                if (r->shadowed && sets_in_effect(r) == n_sets &&
                    e->severity == CS_SEVERITY_ERROR && e->path && !strcmp(e->path, r->label) &&
                    e->line == r->line) {
                    char *where = cs_diag_format(e);
                    if (where)
                        cs_input_warnf(L, "%s (not used: a later setting replaces it)", where);
                    else
                        cs_input_out_of_memory(L);
                    free(where);
                    break;
                }
            }
        }
        cs_diag_free(alone);
    }
    checking_replaced = false;
}

static cs_file_id file_id(const struct stat *st)
{
    return (cs_file_id){(unsigned long long)st->st_dev, (unsigned long long)st->st_ino};
}

/* The identities of the files this load reads (dir is the model
 * directory's stat): kept in the model for the writers' check that no
 * output replaces an input (docs/ARCHITECTURE.md). */
static void record_input_files(ld *L, const struct stat *dir)
{
    cs_model *m = L->m;
    struct stat st;
    m->model_dir_id = file_id(dir);
    m->has_model_dir_id = true;
    if (stat(L->scenario_path, &st) == 0)
        m->input_files[m->n_input_files++] = file_id(&st);
    for (size_t k = 0; cs_loader_model_files[k]; k++) {
        char *path = cs_input_join_path(m->model_dir, cs_loader_model_files[k]);
        if (!path) {
            cs_input_out_of_memory(L);
            return;
        }
        if (stat(path, &st) == 0 && m->n_input_files < CS_MAX_INPUT_FILES)
            m->input_files[m->n_input_files++] = file_id(&st);
        free(path);
    }
}

cs_model *cs_loader_load(const char *path, const cs_setting *sets, size_t n_sets,
                           cs_diag *diag)
{
    return cs_loader_load_oom(path, sets, n_sets, diag, NULL);
}

cs_model *cs_loader_load_oom(const char *path, const cs_setting *sets, size_t n_sets,
                             cs_diag *diag, bool *oom)
{
    ld state = {0};
    ld *L = &state;
    L->diag = diag;
    L->errors0 = cs_diag_count(diag);
    L->scenario_path = path;
    if (oom)
        *oom = false;
    L->m = calloc(1, sizeof *L->m);
    if (!L->m) {
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        if (oom)
            *oom = true;
        return NULL;
    }
    if (!cs_input_read_scenario(L, sets, n_sets))
        goto done;
    cs_input_read_settings(L);
    if (!L->m->model_dir || L->oom)
        goto done;

    struct stat st;
    if (stat(L->m->model_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        const setting *s = cs_input_plain(L, "model");
        cell c = cs_input_value_cell(s);
        cs_input_err(L, &c, "model directory '%s' (%s) does not exist or is not a directory; "
                      "allowed: a directory relative to the scenario file",
               s->value, L->m->model_dir);
        goto done;
    }
    record_input_files(L, &st);
    cs_input_read_table(L, &L->el, "elements.csv", cs_input_element_cols, element_required, false);
    cs_input_read_table(L, &L->ri, "risks.csv", cs_input_risk_cols, risk_required, true);
    cs_input_read_table(L, &L->cur, "currencies.csv", cs_input_currency_cols, currency_required, true);
    cs_input_read_table(L, &L->corr, "correlations.csv", pair_cols, pair_cols, true);
    cs_input_read_table(L, &L->fxcorr, "fx_correlations.csv", pair_cols, pair_cols, true);
    check_stray_files(L);
    if (L->oom)
        goto done;
    cs_input_apply_overrides(L);
    cs_input_check_currencies(L);
    cs_input_check_report_currency(L);
    cs_input_check_elements(L);
    cs_input_check_risks(L);
    cs_input_apply_phase_scales(L);
    cs_input_build_element_correlation(L);
    cs_input_build_fx_correlation(L);
    record_overrides(L);
    check_replaced(L, path, sets);

done:
    free(L->element_scale);
    cs_input_smap_free(&L->element_ids);
    cs_input_smap_free(&L->risk_ids);
    cs_input_smap_free(&L->currency_rows);
    cs_input_smap_free(&L->currency_index);
    cs_input_smap_free(&L->phase_index);
    cs_input_table_free(&L->el);
    cs_input_table_free(&L->ri);
    cs_input_table_free(&L->cur);
    cs_input_table_free(&L->corr);
    cs_input_table_free(&L->fxcorr);
    cs_input_free_settings(L);
    /* The model keeps its warnings (the reports show them); the caller
     * learns of them through diag like of any other message, also when
     * the load fails (a skipped #N/A row may be what explains an error).
     * Each text already starts with the file or setting it is about, so
     * the entry has no path of its own (which would name the scenario
     * before it). */
    bool failed = nerrors(L) > 0 || L->oom; /* counted before the warnings join */
    for (size_t i = 0; L->m && i < L->m->n_warnings; i++)
        cs_diag_warn(diag, "", 0, NULL, "%s", L->m->warnings[i]);
    if (failed) {
        if (oom)
            *oom = L->oom;
        cs_model_free(L->m);
        return NULL;
    }
    return L->m;
}
