/* loader: scenario file + model directory -> validated cs_model
 * (SPEC §1-§8, §12). See loader.h and docs/FORMAT.md.
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

static const char *const pair_cols[] = {"a", "b", "rho", NULL};

static const char *const currency_required[] = {"currency", NULL};

static const char *const risk_required[] = {"id", "probability", "dist", "year", NULL};

static const char *const element_required[] = {"id", "phase", "currency", "basis",
                                               "dist", NULL};

cs_model *cs_load_scenario(const char *path, const cs_setting *sets, size_t n_sets,
                           cs_diag *diag)
{
    ld state = {0};
    ld *L = &state;
    L->diag = diag;
    L->errors0 = cs_diag_count(diag);
    L->scenario_path = path;
    L->m = calloc(1, sizeof *L->m);
    if (!L->m) {
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        return NULL;
    }
    if (!read_scenario(L, sets, n_sets))
        goto done;
    read_settings(L);
    if (!L->m->model_dir || L->oom)
        goto done;

    struct stat st;
    if (stat(L->m->model_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        const setting *s = plain(L, "model");
        cell c = value_cell(s);
        ld_err(L, &c, "model directory '%s' (%s) does not exist or is not a directory; "
                      "allowed: a directory relative to the scenario file",
               s->value, L->m->model_dir);
        goto done;
    }
    read_table(L, &L->el, "elements.csv", element_cols, element_required, false);
    read_table(L, &L->ri, "risks.csv", risk_cols, risk_required, true);
    read_table(L, &L->cur, "currencies.csv", currency_cols, currency_required, true);
    read_table(L, &L->corr, "correlations.csv", pair_cols, pair_cols, true);
    read_table(L, &L->fxcorr, "fx_correlations.csv", pair_cols, pair_cols, true);
    if (L->oom)
        goto done;
    apply_overrides(L);
    check_currencies(L);
    check_report_currency(L);
    check_elements(L);
    check_risks(L);
    apply_phase_scales(L);
    build_element_correlation(L);
    build_fx_correlation(L);

done:
    free(L->element_scale);
    smap_free(&L->element_ids);
    smap_free(&L->risk_ids);
    smap_free(&L->currency_rows);
    smap_free(&L->currency_index);
    smap_free(&L->phase_index);
    table_free(&L->el);
    table_free(&L->ri);
    table_free(&L->cur);
    table_free(&L->corr);
    table_free(&L->fxcorr);
    free_settings(L);
    if (nerrors(L) > 0 || L->oom) {
        cs_model_free(L->m);
        return NULL;
    }
    return L->m;
}
