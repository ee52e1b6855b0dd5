/* loader correlations: reads the pairwise correlation tables (elements and
 * currencies), groups correlated members, builds each group's matrix,
 * repairs or rejects matrices that are not positive semi-definite (with
 * warnings naming the largest pairs) and stores the factors in the model. */
#include "loader_internal.h"

static int pair_cmp(const void *x, const void *y)
{
    const pair *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return (p->line > q->line) - (p->line < q->line);
}

/* Reads a,b,rho rows; names are looked up in `ids`. Reports unknown names,
 * self pairs, repeats and bad rho. Returns the valid pairs (caller frees). */
static pair *read_pairs(ld *L, table *t, const smap *ids, const char *const *names,
                        bool names_complete, const char *what, size_t *n_pairs, bool *ok)
{
    *n_pairs = 0;
    *ok = !t->unusable;
    if (t->unusable || !t->exists)
        return NULL;
    size_t errors = nerrors(L);
    pair *pairs = calloc(t->nrows + 1, sizeof *pairs);
    if (!pairs) {
        cs_input_out_of_memory(L);
        *ok = false;
        return NULL;
    }
    bool codes = !strcmp(what, "currency");
    for (size_t r = 0; r < t->nrows; r++) {
        cell *c = row_cells(t, r);
        size_t idx[2];
        bool good = true;
        for (int k = 0; k < 2; k++) {
            cell *x = &c[P_A + k];
            if (!cs_input_need(L, t, x, codes ? "a currency code" : "an element id")) {
                good = false;
            } else if (!cs_input_smap_get(ids, x->text, &idx[k])) {
                good = false;
                if (!names_complete)
                    continue; /* its row may be one csvin could not read */
                size_t unused;
                if (!codes && cs_input_smap_get(&L->risk_ids, x->text, &unused)) {
                    cs_input_err(L, x, "'%s' is a risk; allowed: an id in elements.csv (risks "
                                 "are independent events and are not correlated)",
                                 x->text);
                    continue;
                }
                const char *hint = cs_csvin_closest(x->text, names);
                cs_input_err(L, x, "unknown %s '%s'%s%s%s; allowed: %s", what, x->text,
                       hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "",
                       codes ? "a currency of the model" : "an id in elements.csv");
            }
        }
        if (good && idx[0] == idx[1]) {
            cs_input_err(L, &c[P_B], "self pair %s-%s; allowed: two different %s", c[P_A].text,
                   c[P_B].text, codes ? "currencies" : "elements");
            good = false;
        }
        double rho = 0;
        if (cs_input_need(L, t, &c[P_RHO], "-1 <= rho <= 1"))
            good &= cs_input_number_in(L, &c[P_RHO], -1, false, 1, false, "-1 <= rho <= 1", &rho);
        else
            good = false;
        if (good) {
            size_t a = idx[0] < idx[1] ? idx[0] : idx[1], b = idx[0] ^ idx[1] ^ a;
            pairs[(*n_pairs)++] = (pair){a, b, rho, t->lines[r]};
        }
    }
    qsort(pairs, *n_pairs, sizeof *pairs, pair_cmp);
    /* first: where the run of equal pairs that i is in starts (kept as i
     * goes, so many repeats of one pair stay linear) */
    for (size_t i = 1, first = 0; i < *n_pairs; i++) {
        if (pairs[i].a != pairs[i - 1].a || pairs[i].b != pairs[i - 1].b)
            first = i;
        if (first < i) {
            cell at = {"", t->path, pairs[i].line, "a", "a"};
            cs_input_err(L, &at, "pair %s-%s is listed twice (first at line %d); allowed: each pair "
                           "once, in either order",
                   names[pairs[i].a], names[pairs[i].b], pairs[first].line);
        }
    }
    *ok = nerrors(L) == errors;
    return pairs;
}

/* "a-b (rho 0.9), c-d (rho -0.4)" for the pairs that push the smallest
 * eigenvalue down most: lambda = sum_ij v_i v_j R_ij, so the largest
 * |v_i v_j R_ij| off-diagonal terms are the pairs to look at. */
static void top_pairs(const double *R, const double *v, size_t n, const size_t *members,
                      const char *const *names, bool spearman, char *out, size_t size)
{
    size_t best[3][2] = {{0}};
    double score[3] = {-1, -1, -1};
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double s = fabs(v[i] * v[j] * R[i * n + j]);
            for (int k = 0; k < 3; k++) {
                if (s > score[k]) {
                    for (int q = 2; q > k; q--) {
                        score[q] = score[q - 1];
                        best[q][0] = best[q - 1][0];
                        best[q][1] = best[q - 1][1];
                    }
                    score[k] = s;
                    best[k][0] = i;
                    best[k][1] = j;
                    break;
                }
            }
        }
    out[0] = '\0';
    for (int k = 0; k < 3 && score[k] > 0; k++) {
        size_t i = best[k][0], j = best[k][1];
        double r = R[i * n + j];
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s-%s (rho %.4g)", k ? ", " : "",
                 names[members[i]], names[members[j]],
                 spearman ? cs_corr_normal_to_spearman(r) : r);
    }
}

static bool add_warning(ld *L, const char *text)
{
    char **grown = realloc(L->m->warnings, (L->m->n_warnings + 2) * sizeof *grown);
    if (!grown)
        return false;
    L->m->warnings = grown;
    grown[L->m->n_warnings] = strdup(text);
    if (!grown[L->m->n_warnings])
        return false;
    grown[++L->m->n_warnings] = NULL;
    return true;
}

/* Builds, checks (and maybe repairs) and factors the copula matrix of one
 * group. R is filled by the caller. Returns false after an error. */
static bool factor_group(ld *L, cs_corr_group *g, double *R, const char *const *names,
                         size_t n_nonfixed, const setting *dflt)
{
    cs_model *m = L->m;
    size_t n = g->n;
    double lambda;
    double *v = malloc(n * sizeof *v);
    /* The eigenvalues alone first (a consistent group, the common case,
     * needs no eigenvector: about three times faster for large groups);
     * the eigenvector that names the pairs only when the check fails. */
    if (!v || cs_corr_min_eigen(R, n, &lambda, NULL) != 0 ||
        (lambda < -PSD_TOLERANCE && cs_corr_min_eigen(R, n, &lambda, v) != 0)) {
        free(v);
        cs_input_out_of_memory(L);
        return false;
    }
    const char *path = L->corr.path;
    if (lambda < -PSD_TOLERANCE) {
        char pairs[512];
        top_pairs(R, v, n, g->elements, names, true, pairs, sizeof pairs);
        double d = m->default_correlation;
        bool default_alone = d != 0 && n_nonfixed > 1 &&
                             cs_corr_spearman_to_normal(d) < -1.0 / (double)(n_nonfixed - 1);
        if (m->correlation_repair && n > CS_MAX_REPAIR_GROUP) {
            free(v);
            cs_input_err_path(L, path, "correlation matrix of a group of %zu elements is not "
                              "positive semi-definite (smallest eigenvalue %.6g; pairs "
                              "contributing most: %s) and correlation_repair repairs groups of at "
                              "most %d elements (it would take hours); make the pairs "
                              "consistent, or split the group",
                              n, lambda, pairs, CS_MAX_REPAIR_GROUP);
            return false;
        }
        if (m->correlation_repair) {
            double *fixed = malloc(n * n * sizeof *fixed);
            if (!fixed || cs_corr_nearest(R, n, fixed) != 0) {
                free(fixed);
                free(v);
                cs_input_err_path(L, path, "correlation matrix is not positive semi-definite "
                                  "(smallest eigenvalue %.6g) and its repair failed",
                         lambda);
                return false;
            }
            double worst = 0;
            size_t wi = 0, wj = 1;
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                    double change = fabs(cs_corr_normal_to_spearman(fixed[i * n + j]) -
                                         cs_corr_normal_to_spearman(R[i * n + j]));
                    if (change > worst) {
                        worst = change;
                        wi = i;
                        wj = j;
                    }
                }
            memcpy(R, fixed, n * n * sizeof *R);
            free(fixed);
            m->corr_repaired = true;
            if (worst > m->corr_repair_max_change)
                m->corr_repair_max_change = worst;
            /* Named where the correlations come from: the scenario's
             * default_correlation when it alone made the matrix invalid
             * (correlations.csv may not even exist). */
            char where[600];
            if (default_alone && dflt && dflt->line > 0)
                snprintf(where, sizeof where, "%s:%d:value: with default_correlation %s, the",
                         dflt->label, dflt->line, dflt->value);
            else if (default_alone && dflt)
                snprintf(where, sizeof where, "%s: with default_correlation %s, the", dflt->label,
                         dflt->value);
            else
                snprintf(where, sizeof where, "%s:", path ? path : "correlations");
            char text[1600];
            snprintf(text, sizeof text,
                     "%s correlation matrix was not positive semi-definite (smallest "
                     "eigenvalue %.6g; pairs contributing most: %s); replaced by the "
                     "nearest valid one, largest change %.4g in rank correlation (%s-%s)",
                     where, lambda, pairs, worst, names[g->elements[wi]],
                     names[g->elements[wj]]);
            if (!add_warning(L, text))
                cs_input_out_of_memory(L);
        } else if (default_alone && dflt) {
            cell c = cs_input_value_cell(dflt);
            double limit = cs_corr_normal_to_spearman(-1.0 / (double)(n_nonfixed - 1));
            cs_input_err(L, &c, "default_correlation %s alone makes the matrix of the %zu non-fixed "
                          "elements not positive semi-definite (smallest eigenvalue %.6g; "
                          "2 sin(pi d/6) < -1/(n-1)); allowed: default_correlation >= %.6g "
                          "for %zu elements, or correlation_repair,yes",
                   dflt->value, n_nonfixed, lambda, limit, n_nonfixed);
            free(v);
            return false;
        } else {
            cs_input_err_path(L, path ? path : L->scenario_path,
                     "correlation matrix is not positive semi-definite: smallest "
                     "eigenvalue %.6g (allowed: >= -1e-10); pairs contributing most: %s; "
                     "make these correlations consistent or set correlation_repair,yes",
                     lambda, pairs);
            free(v);
            return false;
        }
    }
    free(v);
    g->chol = malloc(n * n * sizeof *g->chol);
    if (!g->chol) {
        cs_input_out_of_memory(L);
        return false;
    }
    if (cs_corr_cholesky(R, n, g->chol) != 0) {
        cs_input_err_path(L, path ? path : L->scenario_path,
                 "correlation matrix could not be factored; allowed: a positive "
                 "semi-definite matrix");
        return false;
    }
    return true;
}

static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

/* The message for a connected group of count elements, more than a
 * correlation group may hold. */
static void group_too_big(ld *L, const table *t, bool everything, const setting *dflt,
                          size_t count)
{
    if (everything && dflt) {
        cell c = cs_input_value_cell(dflt);
        cs_input_err(L, &c, "default_correlation %s would correlate all %zu non-fixed "
                      "elements in one group; allowed: at most %d correlated "
                      "elements (use 0 and list pairs in correlations.csv)",
               dflt->value, count, CS_MAX_CORR_GROUP);
    } else {
        cs_input_err_path(L, t->path, "%zu elements are correlated with one another; "
                             "allowed: at most %d in one connected group",
                 count, CS_MAX_CORR_GROUP);
    }
}

/* Adds the correlation group of the non-fixed elements from i on that are
 * in root's component (all of them when everything): its members and its
 * matrix (default_correlation, then the listed pairs) factored by
 * factor_group. False when out of memory. */
static bool add_element_group(ld *L, size_t i, size_t root, size_t count, bool everything,
                              size_t *parent, size_t *pos, const pair *pairs, size_t n_pairs,
                              const char **names, size_t n_nonfixed, const setting *dflt)
{
    cs_model *m = L->m;
    size_t n_el = m->n_elements;
    cs_corr_group *grown = realloc(m->corr_groups,
                                   (m->n_corr_groups + 1) * sizeof *grown);
    if (!grown) {
        cs_input_out_of_memory(L);
        return false;
    }
    m->corr_groups = grown;
    cs_corr_group *g = &m->corr_groups[m->n_corr_groups++];
    memset(g, 0, sizeof *g);
    g->elements = malloc(count * sizeof *g->elements);
    double *R = malloc(count * count * sizeof *R);
    if (!g->elements || !R) {
        free(R);
        cs_input_out_of_memory(L);
        return false;
    }
    for (size_t j = i; j < n_el; j++)
        if (!cs_dist_is_fixed(&m->elements[j].dist) &&
            (everything || uf_find(parent, j) == root)) {
            pos[j] = g->n;
            g->elements[g->n++] = j;
        }
    double r0 = cs_corr_spearman_to_normal(m->default_correlation);
    for (size_t a = 0; a < count; a++)
        for (size_t b = 0; b < count; b++)
            R[a * count + b] = a == b ? 1.0 : r0;
    for (size_t p = 0; p < n_pairs; p++) {
        size_t a = pairs[p].a, b = pairs[p].b;
        if (cs_dist_is_fixed(&m->elements[a].dist) ||
            cs_dist_is_fixed(&m->elements[b].dist))
            continue;
        if (!everything && uf_find(parent, a) != root)
            continue;
        double r = cs_corr_spearman_to_normal(pairs[p].rho);
        R[pos[a] * count + pos[b]] = R[pos[b] * count + pos[a]] = r;
    }
    factor_group(L, g, R, names, n_nonfixed, dflt);
    free(R);
    return true;
}

void cs_input_build_element_correlation(ld *L)
{
    cs_model *m = L->m;
    table *t = &L->corr;
    size_t n_el = m->n_elements;
    const char **names = NULL;
    size_t n_pairs = 0;
    bool pairs_ok = true;
    pair *pairs = NULL;
    if (!L->el.unusable && n_el > 0) {
        names = calloc(n_el + 1, sizeof *names);
        if (!names) {
            cs_input_out_of_memory(L);
            return;
        }
        for (size_t i = 0; i < n_el; i++)
            names[i] = m->elements[i].id;
        pairs = read_pairs(L, t, &L->element_ids, names, !L->el.incomplete, "element",
                           &n_pairs, &pairs_ok);
        m->n_correlation_pairs = n_pairs;
    }
    if (!pairs_ok || !L->elements_ok || !L->default_correlation_ok || L->oom || n_el == 0) {
        free(pairs);
        free(names);
        return;
    }

    size_t *parent = malloc(n_el * sizeof *parent);
    size_t *pos = malloc(n_el * sizeof *pos);
    if (!parent || !pos) {
        cs_input_out_of_memory(L);
        goto done;
    }
    size_t n_nonfixed = 0;
    for (size_t i = 0; i < n_el; i++) {
        parent[i] = i;
        if (!cs_dist_is_fixed(&m->elements[i].dist))
            n_nonfixed++;
    }
    bool everything = m->default_correlation != 0;
    for (size_t p = 0; p < n_pairs; p++) {
        if (cs_dist_is_fixed(&m->elements[pairs[p].a].dist) ||
            cs_dist_is_fixed(&m->elements[pairs[p].b].dist))
            continue;
        size_t ra = uf_find(parent, pairs[p].a), rb = uf_find(parent, pairs[p].b);
        if (ra != rb)
            parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
    }
    /* Groups in order of their smallest element, members ascending. The
     * union above always keeps the smaller index as root, so a component's
     * root is its first element. */
    const setting *dflt = cs_input_plain(L, "default_correlation");
    bool everything_done = false;
    for (size_t i = 0; i < n_el && !L->oom; i++) {
        if (cs_dist_is_fixed(&m->elements[i].dist))
            continue;
        size_t root = uf_find(parent, i);
        if (everything ? everything_done : root != i)
            continue;
        everything_done = true;
        size_t count = 0;
        for (size_t j = i; j < n_el; j++)
            if (!cs_dist_is_fixed(&m->elements[j].dist) &&
                (everything || uf_find(parent, j) == root))
                count++;
        if (count < 2)
            continue;
        if (count > CS_MAX_CORR_GROUP) {
            group_too_big(L, t, everything, dflt, count);
            continue;
        }
        if (!add_element_group(L, i, root, count, everything, parent, pos, pairs, n_pairs,
                               names, n_nonfixed, dflt))
            break;
    }
done:
    free(parent);
    free(pos);
    free(pairs);
    free(names);
}

void cs_input_build_fx_correlation(ld *L)
{
    cs_model *m = L->m;
    table *t = &L->fxcorr;
    if (!L->base_currency_ok || L->cur.unusable)
        return;
    const char **names = calloc(m->n_currencies + 1, sizeof *names);
    if (!names) {
        cs_input_out_of_memory(L);
        return;
    }
    for (size_t i = 0; i < m->n_currencies; i++)
        names[i] = m->currencies[i].code;
    size_t n_pairs = 0;
    bool pairs_ok = true;
    pair *pairs = read_pairs(L, t, &L->currency_index, names, !L->cur.incomplete,
                             "currency", &n_pairs, &pairs_ok);
    m->n_fx_correlation_pairs = n_pairs;
    if (!pairs_ok || !L->currencies_ok || L->oom) {
        free(pairs);
        free(names);
        return;
    }
    size_t n = 0;
    size_t *pos = malloc((m->n_currencies + 1) * sizeof *pos);
    m->fx_currencies = malloc((m->n_currencies + 1) * sizeof *m->fx_currencies);
    if (!pos || !m->fx_currencies) {
        cs_input_out_of_memory(L);
        goto done;
    }
    for (size_t i = 0; i < m->n_currencies; i++) {
        const cs_currency *c = &m->currencies[i];
        pos[i] = SIZE_MAX;
        if (c->fx_model != CS_FX_FIXED && c->volatility > 0) {
            pos[i] = n;
            m->fx_currencies[n++] = i;
        }
    }
    m->n_fx = n;
    if (n == 0)
        goto done;
    double *R = calloc(n * n, sizeof *R);
    m->fx_chol = malloc(n * n * sizeof *m->fx_chol);
    double *v = malloc(n * sizeof *v);
    if (!R || !m->fx_chol || !v) {
        free(R);
        free(v);
        cs_input_out_of_memory(L);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        R[i * n + i] = 1;
    for (size_t p = 0; p < n_pairs; p++) {
        size_t a = pos[pairs[p].a], b = pos[pairs[p].b];
        if (a == SIZE_MAX || b == SIZE_MAX)
            continue; /* a non-stochastic currency has no shocks to correlate */
        R[a * n + b] = R[b * n + a] = pairs[p].rho;
    }
    double lambda;
    if (cs_corr_min_eigen(R, n, &lambda, v) != 0) {
        cs_input_out_of_memory(L);
    } else if (lambda < -PSD_TOLERANCE) {
        char top[512];
        top_pairs(R, v, n, m->fx_currencies, names, false, top, sizeof top);
        cs_input_err_path(L, t->path, "FX shock correlation matrix is not positive semi-definite: "
                             "smallest eigenvalue %.6g (allowed: >= -1e-10); pairs "
                             "contributing most: %s; make these correlations consistent",
                 lambda, top);
    } else if (cs_corr_cholesky(R, n, m->fx_chol) != 0) {
        cs_input_err_path(L, t->path, "FX shock correlation matrix could not be factored; allowed: "
                             "a positive semi-definite matrix");
    }
    free(R);
    free(v);
done:
    free(pos);
    free(pairs);
    free(names);
}
