/* loader scenario: the scenario file and --set overrides. Parses each
 * key (plain settings, element.ID.COLUMN, risk..., currency..., phase...),
 * reads the plain settings into the model and finds the model directory,
 * then applies the per-row overrides to the model tables. */
#include "loader_internal.h"

static const char *const key_prefixes[] = {"element", "risk", "currency", "phase", NULL};

static const char *const phase_override_cols[] = {"scale", NULL};

static const char *const currency_override_cols[] = {
    "rate", "fx_model", "drift", "volatility", "reversion", "hedge_ratio", "hedge_rate",
    "inflation.dist", "inflation.low", "inflation.likely", "inflation.high", "notes",
    NULL};

const char *const cs_input_currency_cols[] = {
    "currency", "rate", "fx_model", "drift", "volatility", "reversion", "hedge_ratio",
    "hedge_rate", "inflation.dist", "inflation.low", "inflation.likely",
    "inflation.high", "notes", NULL};

static const char *const risk_override_cols[] = {
    "name", "probability", "phase", "currency", "dist", "low", "likely", "high",
    "year", "slip", "notes", "stream", NULL};

const char *const cs_input_risk_cols[] = {
    "id", "name", "probability", "phase", "currency", "dist", "low", "likely", "high",
    "year", "slip", "notes", "stream", NULL};

static const char *const element_override_cols[] = {
    "name", "phase", "currency", "basis", "dist", "low", "likely", "high", "start",
    "end", "profile", "learning", "notes", "scale", "if_empty", "stream", NULL};

const char *const cs_input_element_cols[] = {
    "id", "name", "phase", "currency", "basis", "dist", "low", "likely", "high",
    "start", "end", "profile", "learning", "notes", "if_empty", "stream", NULL};

/* Each table's columns, without the list's NULL, fit the loader's
 * per-column arrays. */
#define FITS(cols) (sizeof(cols) / sizeof *(cols) - 1 <= CS_INPUT_MAX_COLS)
_Static_assert(FITS(cs_input_element_cols), "elements.csv has more columns than CS_INPUT_MAX_COLS");
_Static_assert(FITS(cs_input_risk_cols), "risks.csv has more columns than CS_INPUT_MAX_COLS");
_Static_assert(FITS(cs_input_currency_cols), "currencies.csv has more columns than CS_INPUT_MAX_COLS");
#undef FITS

const char *const cs_scenario_keys[] = {
    "name", "model", "trials", "seed", "base_year", "base_currency", "report_currency",
    "discount_rate", "units", "first_delivery", "delivery_interval", "build_years",
    "service_life", "slip.dist", "slip.low", "slip.likely", "slip.high",
    "default_correlation", "correlation_repair", "budget", "budget_measure",
    "schedule_target", "slip.stream", NULL};

static bool parse_key(ld *L, setting *s)
{
    cell kc = cs_input_key_cell(s);
    if (cs_input_col_index(cs_scenario_keys, s->key) >= 0) {
        s->kind = K_PLAIN;
        return true;
    }
    const char *dot = strchr(s->key, '.');
    size_t plen = dot ? (size_t)(dot - s->key) : strlen(s->key);
    static const key_kind kinds[] = {K_ELEMENT, K_RISK, K_CURRENCY, K_PHASE};
    int prefix = -1;
    for (int i = 0; key_prefixes[i]; i++)
        if (strlen(key_prefixes[i]) == plen && !strncmp(s->key, key_prefixes[i], plen))
            prefix = i;
    if (prefix < 0 || !dot) {
        const char *hint = cs_csvin_closest(s->key, cs_scenario_keys);
        char buf[64];
        if (!hint && dot) {
            char first[64];
            snprintf(first, sizeof first, "%.*s", (int)(plen < 63 ? plen : 63), s->key);
            const char *p = cs_csvin_closest(first, key_prefixes);
            if (p) {
                snprintf(buf, sizeof buf, "%s%s", p, dot);
                hint = buf;
            }
        }
        if (hint)
            cs_input_err(L, &kc, "unknown key '%s'; did you mean '%s'? (keys: see docs/FORMAT.md)",
                   s->key, hint);
        else
            cs_input_err(L, &kc, "unknown key '%s'; allowed: name, model, trials, seed, base_year, "
                           "base_currency, report_currency, discount_rate, units, "
                           "first_delivery, delivery_interval, build_years, service_life, "
                           "slip.dist/low/likely/high, slip.stream, default_correlation, "
                           "correlation_repair, budget, budget_measure, schedule_target, "
                           "element.<id>.<column>, "
                           "risk.<id>.<column>, currency.<code>.<column>, "
                           "element.<id>.scale, phase.<name>.scale",
                   s->key);
        return false;
    }
    s->kind = kinds[prefix];
    const char *id = dot + 1;
    const char *dot2 = strchr(id, '.');
    static const char *const forms[] = {"element.<id>.<column>", "risk.<id>.<column>",
                                        "currency.<code>.<column>", "phase.<name>.scale"};
    if (!dot2 || dot2 == id || !dot2[1]) {
        cs_input_err(L, &kc, "key '%s' is incomplete; allowed: %s", s->key, forms[prefix]);
        return false;
    }
    s->id = strndup(id, (size_t)(dot2 - id));
    if (!s->id) {
        cs_input_out_of_memory(L);
        return false;
    }
    bool id_ok = s->kind == K_CURRENCY ? cs_input_is_code(s->id) : cs_input_is_id(s->id);
    if (!id_ok) {
        cs_input_err(L, &kc, "'%s' in key '%s' is not a valid %s; allowed: %s", s->id, s->key,
               s->kind == K_CURRENCY ? "currency code" : "name",
               s->kind == K_CURRENCY ? "three uppercase letters"
                                     : "a letter or digit, then letters, digits, '_' or '-'");
        return false;
    }
    const char *colname = dot2 + 1;
    const char *const *allowed = s->kind == K_ELEMENT    ? element_override_cols
                                 : s->kind == K_RISK     ? risk_override_cols
                                 : s->kind == K_CURRENCY ? currency_override_cols
                                                         : phase_override_cols;
    int k = cs_input_col_index(allowed, colname);
    if (k < 0) {
        const char *hint = cs_csvin_closest(colname, allowed);
        if (hint)
            cs_input_err(L, &kc, "unknown column '%s' in key '%s'; did you mean '%s.%s.%s'?",
                   colname, s->key, key_prefixes[prefix], s->id, hint);
        else
            cs_input_err(L, &kc, "unknown column '%s' in key '%s'; allowed: %s", colname, s->key,
                   forms[prefix]);
        return false;
    }
    s->colname = allowed[k];
    const char *const *cols = s->kind == K_ELEMENT    ? cs_input_element_cols
                              : s->kind == K_RISK     ? cs_input_risk_cols
                              : s->kind == K_CURRENCY ? cs_input_currency_cols
                                                      : NULL;
    s->col = cols ? cs_input_col_index(cols, colname) : -1;
    return true;
}

static setting *add_setting(ld *L)
{
    setting *grown = realloc(L->settings, (L->n_settings + 1) * sizeof *grown);
    if (!grown) {
        cs_input_out_of_memory(L);
        return NULL;
    }
    L->settings = grown;
    setting *s = &L->settings[L->n_settings++];
    memset(s, 0, sizeof *s);
    s->col = -1;
    return s;
}

void cs_input_free_settings(ld *L)
{
    for (size_t i = 0; i < L->n_settings; i++) {
        free(L->settings[i].key);
        free(L->settings[i].value);
        free(L->settings[i].label);
        free(L->settings[i].id);
    }
    free(L->settings);
}

/* Reads row r of the scenario file into a new setting and parses its key;
 * seen maps each key read so far to its line, so a repeat is reported.
 * Returns false when reading must stop (out of memory). */
static bool read_file_row(ld *L, const cs_csv *csv, size_t r, smap *seen)
{
    setting *s = add_setting(L);
    if (!s)
        return false;
    s->key = cs_input_xstrdup(L, cs_csvin_get(csv, r, "key"));
    s->value = cs_input_xstrdup(L, cs_csvin_get(csv, r, "value"));
    s->label = cs_input_xstrdup(L, L->scenario_path);
    s->line = cs_csvin_line(csv, r);
    s->from_file = true;
    if (L->oom)
        return false;
    cell kc = cs_input_key_cell(s);
    if (!s->key[0]) {
        cs_input_err(L, &kc, "empty key; allowed: a scenario key such as trials or model");
        return true;
    }
    size_t first = (size_t)s->line;
    int put = cs_input_smap_put(seen, s->key, &first);
    if (put == 0) {
        cs_input_err(L, &kc, "duplicate key '%s' (first at line %zu); each key may appear once",
               s->key, first);
        return true;
    }
    if (put < 0) {
        cs_input_out_of_memory(L);
        return false;
    }
    s->valid_key = parse_key(L, s);
    int value_col = cs_csvin_col(csv, "value");
    if (s->valid_key && value_col >= 0 && !cs_csvin_given(csv, r, value_col)) {
        /* "seed" alone on its line: its value was most likely deleted by
         * mistake; as an empty value, it leaves the key not given. */
        cs_input_warnf(L, "%s:%d: %s has no value (the row has no comma), so it is not given "
                       "and its default applies; give a value, or delete the row",
                       L->scenario_path, s->line, s->key);
    }
    return true;
}

/* The command line bypasses the CSV reader: applies its text rules (at
 * most CS_CSV_MAX_FIELD bytes, valid UTF-8) to --set setting s and its
 * key, so no raw bytes reach the reports. Returns whether both pass; if
 * not, reports the first that fails and marks s invalid. */
static bool set_text_ok(ld *L, setting *s, const char *key)
{
    size_t value_size = strlen(s->value);
    if (value_size > CS_CSV_MAX_FIELD || !cs_csvin_utf8_valid(s->value, value_size)) {
        cell vc = cs_input_value_cell(s);
        if (value_size > CS_CSV_MAX_FIELD)
            cs_input_err(L, &vc, "value is %zu bytes long; at most %d bytes are allowed",
                   value_size, CS_CSV_MAX_FIELD);
        else
            cs_input_err(L, &vc, "value is not valid UTF-8; values must be UTF-8 text");
        s->valid_key = false;
        return false;
    }
    if (strlen(key) > CS_CSV_MAX_FIELD || !cs_csvin_utf8_valid(key, strlen(key))) {
        cell kc = cs_input_key_cell(s);
        cs_input_err(L, &kc, "key is not valid UTF-8 or longer than 4096 bytes; allowed: a "
                       "scenario key");
        s->valid_key = false;
        return false;
    }
    return true;
}

/* A copy of s without the spaces and tabs around it, as an unquoted cell
 * of the scenario file is read. */
static char *trimmed_copy(ld *L, const char *s)
{
    s += strspn(s, " \t");
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *out = strndup(s, n);
    if (!out)
        cs_input_out_of_memory(L);
    return out;
}

/* Adds the --set override set as a setting labelled "--set KEY" and parses
 * its key (both trimmed), after dropping any earlier setting of that key.
 * Returns false when reading must stop (out of memory). */
static bool read_set(ld *L, const cs_setting *set, size_t index)
{
    /* "--set 'units = 8'" means what "units , 8" means in the file. */
    char *key = trimmed_copy(L, set->key ? set->key : "");
    char *value = trimmed_copy(L, set->value ? set->value : "");
    size_t n = key ? strlen(key) + 8 : 0;
    char *label = key && value ? malloc(n) : NULL;
    if (!label) {
        free(key);
        free(value);
        cs_input_out_of_memory(L);
        return false;
    }
    snprintf(label, n, "--set %s", key);
    /* The last one for a key wins: drop earlier ones, file's included. */
    for (size_t j = 0; j < L->n_settings; j++)
        if (L->settings[j].valid_key && !strcmp(L->settings[j].key, key)) {
            L->settings[j].valid_key = false;
            L->settings[j].shadowed = true;
        }
    setting *s = add_setting(L);
    if (!s) {
        free(label);
        free(key);
        free(value);
        return false;
    }
    s->key = key;
    s->value = value;
    s->label = label;
    s->set_index = index;
    if (!key[0]) {
        cell kc = cs_input_key_cell(s);
        cs_input_err(L, &kc, "empty key; allowed: KEY=VALUE with a scenario key");
        return true;
    }
    if (!set_text_ok(L, s, key))
        return true;
    s->valid_key = parse_key(L, s);
    return true;
}

/* A model directory or a model file given where a scenario belongs (the
 * common first mistake) gets one error that says what a scenario is,
 * instead of "Is a directory" or a list of unknown columns. */
static const char what_a_scenario_is[] =
    "give a scenario (a key,value CSV whose 'model' key names the model directory, such as "
    "those under scenarios/)";

/* Whether the scenario path is a directory, or "-" for standard input
 * (reported): neither can be read as a scenario. */
static bool scenario_is_directory(ld *L)
{
    struct stat st;
    if (!strcmp(L->scenario_path, "-") && stat("-", &st) != 0) {
        /* A scenario names its model relative to its own place on disk,
         * which standard input has not. */
        cs_input_err_path(L, L->scenario_path, "standard input ('-') cannot be the scenario; "
                          "give the scenario file's path (its model is found relative to it)");
        return true;
    }
    if (stat(L->scenario_path, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    cs_input_err_path(L, L->scenario_path, "is a directory, not a scenario file; %s",
                      what_a_scenario_is);
    return true;
}

/* Whether csv, read as the scenario, is a model file: named as one, or
 * without key and value but with the columns of one (reported). */
static bool scenario_is_model_file(ld *L, const cs_csv *csv)
{
    const char *path = L->scenario_path;
    if (cs_csvin_col(csv, "key") >= 0 || cs_csvin_col(csv, "value") >= 0)
        return false;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    bool model_file = false;
    for (size_t k = 0; cs_loader_model_files[k]; k++)
        model_file |= strcmp(base, cs_loader_model_files[k]) == 0;
    /* or the columns of one: elements or risks, currencies, correlations */
    model_file |= (cs_csvin_col(csv, "id") >= 0 && cs_csvin_col(csv, "dist") >= 0) ||
                  (cs_csvin_col(csv, "currency") >= 0 && cs_csvin_col(csv, "rate") >= 0) ||
                  (cs_csvin_col(csv, "a") >= 0 && cs_csvin_col(csv, "rho") >= 0);
    if (model_file)
        cs_diag_add(L->diag, path, cs_csvin_header_line(csv), NULL,
                    "this is a model file, not a scenario; %s", what_a_scenario_is);
    return model_file;
}

/* Reads the scenario file into settings; --set ones replace the file's. */
bool cs_input_read_scenario(ld *L, const cs_setting *sets, size_t n_sets)
{
    size_t problems = cs_diag_count(L->diag);
    if (scenario_is_directory(L)) {
        L->scenario_incomplete = true;
        return false;
    }
    cs_csv *csv = cs_csvin_read(L->scenario_path, L->diag);
    L->scenario_incomplete = cs_diag_errors(L->diag) > 0 && cs_diag_count(L->diag) != problems;
    if (!csv)
        return false;
    cs_input_warn_error_comments(L, csv);
    static const char *const cols[] = {"key", "value", NULL};
    if (scenario_is_model_file(L, csv) || cs_csvin_check_header(csv, cols, cols, L->diag) > 0) {
        cs_csvin_free(csv);
        return false;
    }
    smap seen = {0};
    for (size_t r = 0; r < cs_csvin_nrows(csv); r++)
        if (!read_file_row(L, csv, r, &seen))
            break;
    cs_input_smap_free(&seen);
    cs_csvin_free(csv);

    for (size_t i = 0; i < n_sets && !L->oom; i++)
        if (!read_set(L, &sets[i], i))
            break;
    return !L->oom;
}

static char *file_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return cs_csvin_utf8_repair(base, n); /* file names need not be UTF-8 */
}

static char *model_dir_path(const char *scenario, const char *model)
{
    const char *slash = strrchr(scenario, '/');
    size_t dirlen = model[0] == '/' || !slash ? 0 : (size_t)(slash - scenario) + 1;
    size_t n = dirlen + strlen(model) + 1;
    char *out = malloc(n);
    if (!out)
        return NULL;
    memcpy(out, scenario, dirlen);
    strcpy(out + dirlen, model);
    /* Trailing slashes would double in "dir//elements.csv". */
    size_t len = strlen(out);
    while (len > 1 && out[len - 1] == '/')
        out[--len] = '\0';
    return out;
}

/* The run's identity and money settings: name, model, trials, seed,
 * base_year, base_currency, report_currency, discount_rate. */
static void read_run_settings(ld *L)
{
    cs_model *m = L->m;
    const setting *s;
    cell c;

    s = cs_input_plain(L, "name");
    m->name = s ? cs_input_xstrdup(L, s->value) : file_stem(L->scenario_path);
    /* Shown in every output; the name the file was opened by stays in L. */
    m->scenario_path = cs_csvin_utf8_repair(L->scenario_path, strlen(L->scenario_path));
    if (!m->scenario_path)
        cs_input_out_of_memory(L);

    if ((s = cs_input_plain(L, "model"))) {
        m->model_dir = model_dir_path(L->scenario_path, s->value);
        m->model_value = cs_input_xstrdup(L, s->value);
        if (!m->model_dir)
            cs_input_out_of_memory(L);
    } else if (!L->scenario_incomplete) {
        cs_input_err_path(L, L->scenario_path, "missing key 'model'; allowed: the model directory, "
                                      "relative to the scenario file");
    }

    long long v;
    m->trials = 10000;
    if ((s = cs_input_plain(L, "trials"))) {
        c = cs_input_value_cell(s);
        if (cs_input_integer_in(L, &c, 1, CS_MAX_TRIALS, "a whole number 1 to 1000000000", &v))
            m->trials = (uint64_t)v;
    }

    m->seed = 1;
    if ((s = cs_input_plain(L, "seed"))) {
        c = cs_input_value_cell(s);
        if (cs_num_parse_seed(s->value, &m->seed) != 0)
            cs_input_err(L, &c, "seed '%s' is not valid; allowed: digits only, 0 to "
                          "18446744073709551615",
                   s->value);
    }

    if ((s = cs_input_plain(L, "base_year"))) {
        c = cs_input_value_cell(s);
        if (cs_input_integer_in(L, &c, CS_MIN_YEAR, CS_MAX_YEAR, "a year 1900 to 2300", &v)) {
            m->base_year = (int)v;
            L->base_year_ok = true;
        }
    } else if (!L->scenario_incomplete) {
        cs_input_err_path(L, L->scenario_path, "missing key 'base_year'; allowed: the year whose "
                                      "prices and exchange rates the amounts are in");
    }

    if ((s = cs_input_plain(L, "base_currency"))) {
        c = cs_input_value_cell(s);
        if (cs_input_check_code(L, &c)) {
            memcpy(L->base_code, s->value, 4);
            L->base_currency_ok = true;
        }
    } else if (!L->scenario_incomplete) {
        cs_input_err_path(L, L->scenario_path, "missing key 'base_currency'; allowed: a "
                                      "three-letter code such as CAD");
    }
    if ((s = cs_input_plain(L, "report_currency"))) {
        c = cs_input_value_cell(s);
        cs_input_check_code(L, &c); /* known or not: checked with the currencies */
    }

    if ((s = cs_input_plain(L, "discount_rate"))) {
        c = cs_input_value_cell(s);
        cs_input_number_in(L, &c, -1, true, 1, false, "-1 < discount_rate <= 1", &m->discount_rate);
    }
}

/* The delivery schedule: units, first_delivery, delivery_interval,
 * build_years, service_life. */
static void read_schedule_settings(ld *L)
{
    cs_model *m = L->m;
    const setting *s;
    cell c;
    long long v;
    bool schedule_ok = true;
    m->units = 1;
    if ((s = cs_input_plain(L, "units"))) {
        c = cs_input_value_cell(s);
        if (cs_input_integer_in(L, &c, 1, CS_MAX_UNITS,
                       "a whole number 1 to 1000 (costsim's limit on units)", &v))
            m->units = (int)v;
        else
            schedule_ok = false;
    }
    if ((s = cs_input_plain(L, "first_delivery"))) {
        c = cs_input_value_cell(s);
        if (cs_input_integer_in(L, &c, CS_MIN_YEAR, CS_MAX_YEAR, "a year 1900 to 2300", &v)) {
            m->first_delivery = (int)v;
            m->has_first_delivery = true;
        } else {
            L->first_delivery_bad = true;
            schedule_ok = false;
        }
    }
    m->delivery_interval_milli = 1000;
    if ((s = cs_input_plain(L, "delivery_interval"))) {
        c = cs_input_value_cell(s);
        double x;
        if (cs_input_number_in(L, &c, 0, false, 100, false, "0 to 100 years", &x)) {
            double milli = x * 1000.0;
            /* Exact thousandths keep delivery years integer arithmetic
             * (docs/FORMAT.md, schedule); the tolerance only absorbs
             * decimal-to-binary error. */
            if (fabs(milli - nearbyint(milli)) > 1e-9 || !cs_num_text_is_whole(s->value, 3)) {
                cs_input_err(L, &c, "delivery_interval %s is not a whole number of thousandths; "
                              "allowed: at most three decimals, e.g. 0.75 or 1.125",
                       s->value);
                schedule_ok = false;
            } else {
                m->delivery_interval_milli = (int)nearbyint(milli);
            }
        } else {
            schedule_ok = false;
        }
    }
    m->build_years = 1;
    if ((s = cs_input_plain(L, "build_years"))) {
        c = cs_input_value_cell(s);
        if (cs_input_integer_in(L, &c, 1, MAX_SPAN_YEARS, "a whole number 1 to 400", &v))
            m->build_years = (int)v;
        else
            schedule_ok = false;
    }
    m->service_life = 1;
    if ((s = cs_input_plain(L, "service_life"))) {
        c = cs_input_value_cell(s);
        if (cs_input_integer_in(L, &c, 1, MAX_SPAN_YEARS, "a whole number 1 to 400", &v))
            m->service_life = (int)v;
        else
            schedule_ok = false;
    }
    L->schedule_ok = schedule_ok && L->base_year_ok;
}

/* budget_measure (constant, nominal or pv; default nominal) and
 * schedule_target (a four-digit year within 1900-2300), docs/FORMAT.md,
 * scenario keys. */
static void read_budget_measure_and_target(ld *L)
{
    cs_model *m = L->m;
    const setting *s;
    cell c;
    m->budget_measure = 1; /* nominal */
    if ((s = cs_input_plain(L, "budget_measure"))) {
        static const char *const names[] = {"constant", "nominal", "pv", NULL};
        c = cs_input_value_cell(s);
        int k = cs_input_col_index(names, s->value);
        if (k >= 0) {
            m->budget_measure = k;
        } else {
            const char *hint = cs_csvin_closest(s->value, names);
            cs_input_err(L, &c, "budget_measure '%s' is not valid%s%s%s; allowed: constant, "
                               "nominal or pv",
                         s->value, hint ? "; did you mean '" : "", hint ? hint : "",
                         hint ? "'?" : "");
        }
    }
    if ((s = cs_input_plain(L, "schedule_target"))) {
        c = cs_input_value_cell(s);
        const char *v = s->value;
        bool four = strlen(v) == 4;
        for (int i = 0; four && i < 4; i++)
            four = v[i] >= '0' && v[i] <= '9';
        int year = four ? atoi(v) : 0;
        if (!four || year < CS_MIN_YEAR || year > CS_MAX_YEAR) {
            cs_input_err(L, &c, "schedule_target '%s' is not a year; allowed: a four-digit "
                               "year %d to %d",
                         v, CS_MIN_YEAR, CS_MAX_YEAR);
        } else {
            m->schedule_target = year;
            m->has_schedule_target = true;
            if (!m->has_first_delivery) {
                /* Nothing to compare it with: say so, not drop it quietly. */
                static const char what[] = "schedule_target is set, but the scenario has no "
                                           "first_delivery, so there is no schedule to compare "
                                           "it with; it is not used";
                if (s->from_file)
                    cs_input_warnf(L, "%s:%d: %s", s->label, s->line, what);
                else
                    cs_input_warnf(L, "%s: %s", s->label, what);
            }
        }
    }
}

/* The slip distribution, correlation defaults and the budget. */
static void read_other_settings(ld *L)
{
    cs_model *m = L->m;
    const setting *s;
    cell c;
    /* slip: four keys read as one distribution */
    static const char *const slip_keys[] = {"slip.dist", "slip.low", "slip.likely",
                                            "slip.high"};
    cell sc[4];
    const setting *slip_dist = cs_input_plain(L, "slip.dist");
    for (int i = 0; i < 4; i++) {
        s = cs_input_plain(L, slip_keys[i]);
        /* A parameter that is missing is pointed at the slip.dist row. */
        sc[i] = s ? cs_input_value_cell(s)
            : slip_dist ? cs_input_value_cell(slip_dist)
                        : (cell){"", L->scenario_path, 0, NULL, slip_keys[i]};
        sc[i].text = s ? s->value : "";
        sc[i].name = slip_keys[i];
    }
    cs_input_read_dist(L, NULL, &sc[0], &sc[1], false, -CS_MAX_SLIP, false, CS_MAX_SLIP, false,
              "-400 to 400 years", &m->slip);
    /* The slip's random stream (default "slip"), same syntax as an id. */
    s = cs_input_plain(L, "slip.stream");
    if (s) {
        c = cs_input_value_cell(s);
        if (cs_input_check_id(L, &c, "slip.stream"))
            m->slip_stream = cs_input_xstrdup(L, s->value);
    } else {
        m->slip_stream = cs_input_xstrdup(L, "slip");
    }

    L->default_correlation_ok = true;
    if ((s = cs_input_plain(L, "default_correlation"))) {
        c = cs_input_value_cell(s);
        L->default_correlation_ok = cs_input_number_in(L, &c, -1, false, 1, false,
                                              "-1 <= default_correlation <= 1",
                                              &m->default_correlation);
    }
    if ((s = cs_input_plain(L, "correlation_repair"))) {
        c = cs_input_value_cell(s);
        if (!strcmp(s->value, "yes"))
            m->correlation_repair = true;
        else if (strcmp(s->value, "no"))
            cs_input_err(L, &c, "correlation_repair '%s' is not valid; allowed: yes or no", s->value);
    }
    if ((s = cs_input_plain(L, "budget"))) {
        c = cs_input_value_cell(s);
        if (cs_input_number_in(L, &c, -CS_MAX_AMOUNT, false, CS_MAX_AMOUNT, false,
                      "an amount in millions in budget_measure, |budget| <= 1e15", &m->budget))
            m->has_budget = true;
    }
    read_budget_measure_and_target(L);
}

void cs_input_read_settings(ld *L)
{
    read_run_settings(L);
    read_schedule_settings(L);
    read_other_settings(L);
}

void cs_input_apply_overrides(ld *L)
{
    cs_input_index_ids(L, &L->el, E_ID, &L->element_ids);
    cs_input_index_ids(L, &L->ri, R_ID, &L->risk_ids);
    cs_input_index_ids(L, &L->cur, C_CODE, &L->currency_rows);
    L->element_scale = calloc(L->el.nrows + 1, sizeof *L->element_scale);
    if (!L->element_scale) {
        cs_input_out_of_memory(L);
        return;
    }
    for (size_t i = 0; i < L->n_settings; i++) {
        setting *s = &L->settings[i];
        if (!s->valid_key || s->kind == K_PLAIN || s->kind == K_PHASE)
            continue;
        cell kc = cs_input_key_cell(s);
        table *t = s->kind == K_ELEMENT ? &L->el : s->kind == K_RISK ? &L->ri : &L->cur;
        smap *ids = s->kind == K_ELEMENT ? &L->element_ids
                    : s->kind == K_RISK  ? &L->risk_ids
                                         : &L->currency_rows;
        if (t->unusable)
            continue;
        size_t row;
        if (!cs_input_smap_get(ids, s->id, &row)) {
            if (t->incomplete)
                continue;
            if (s->kind == K_CURRENCY && L->base_currency_ok && !strcmp(s->id, L->base_code)) {
                /* The base currency may be absent from currencies.csv; an
                 * override creates its row (e.g. for its inflation). */
                if (!t->path)
                    t->path = cs_input_join_path(L->m->model_dir, "currencies.csv");
                if (!t->cols) {
                    t->cols = cs_input_currency_cols;
                    t->ncols = C_NCOLS;
                }
                if (!t->path || !cs_input_table_add_row(t, 0, t->path)) {
                    cs_input_out_of_memory(L);
                    return;
                }
                row = t->nrows - 1;
                cell *c = row_cells(t, row);
                for (size_t j = 0; j < t->ncols; j++)
                    c[j] = (cell){"", s->label, s->line, s->from_file ? "value" : NULL,
                                  s->key};
                c[C_CODE].text = L->base_code;
                size_t v = row;
                if (cs_input_smap_put(ids, c[C_CODE].text, &v) < 0)
                    cs_input_out_of_memory(L);
            } else {
                const char **known = cs_input_id_list(L, t, s->kind == K_CURRENCY ? C_CODE : 0);
                const char *hint = known ? cs_csvin_closest(s->id, known) : NULL;
                const char *what = s->kind == K_ELEMENT ? "element"
                                   : s->kind == K_RISK  ? "risk"
                                                        : "currency";
                const char *file = s->kind == K_ELEMENT ? "elements.csv"
                                   : s->kind == K_RISK  ? "risks.csv"
                                                        : "currencies.csv";
                if (hint)
                    cs_input_err(L, &kc, "unknown %s '%s' in key '%s'; did you mean '%s'?", what,
                           s->id, s->key, hint);
                else
                    cs_input_err(L, &kc, "unknown %s '%s' in key '%s'; allowed: %s in %s%s",
                           what, s->id, s->key, s->kind == K_CURRENCY ? "a code" : "an id",
                           file, s->kind == K_CURRENCY ? " or the base currency" : "");
                free(known);
                continue;
            }
        }
        if (s->col < 0) { /* element.<id>.scale */
            L->element_scale[row] = cs_input_value_cell(s);
            continue;
        }
        cell *c = &row_cells(t, row)[s->col];
        *c = cs_input_value_cell(s);
    }
}
