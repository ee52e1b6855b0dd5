/* loader: reads a scenario file and its model directory into a cs_model,
 * applying overrides from the file and from --set (which wins), and checks
 * every rule of docs/FORMAT.md and docs/LIMITS.md that can be checked before
 * simulating.
 *
 * All problems are collected in diag (path:line:column: what; allowed);
 * nothing is simulated, printed or exited here. */
#ifndef CS_LOADER_H
#define CS_LOADER_H

#include <stdbool.h>

#include "diag.h"
#include "model.h"

/* One "key=value" from the command line; key and value are separate. */
typedef struct {
    const char *key;
    const char *value;
} cs_setting;

/* Loads the scenario at path. `sets` (n_sets of them, may be NULL) are
 * --set settings applied over the file's; dedicated options (--trials,
 * --seed, --budget) come in as settings too, after the --set ones, so the
 * last one for a key wins. A problem in a setting is reported with the
 * path "--set KEY" (e.g. "--set trials: not an integer; ...").
 * Returns the model, or NULL when diag has at least one error. Never
 * returns a model while diag holds an error. The model's warnings (e.g. a
 * repaired correlation matrix) are added to diag as CS_SEVERITY_WARNING
 * entries with the scenario's path and no line. */
cs_model *cs_loader_load(const char *path, const cs_setting *sets, size_t n_sets,
                           cs_diag *diag);
/* cs_loader_load, and *oom (when not NULL) says whether a NULL result is
 * memory running out rather than a problem in the files. */
cs_model *cs_loader_load_oom(const char *path, const cs_setting *sets, size_t n_sets,
                             cs_diag *diag, bool *oom);

/* The files a model directory may hold, NULL-terminated: elements.csv,
 * risks.csv, currencies.csv, correlations.csv, fx_correlations.csv. Any
 * other *.csv file there is reported by cs_loader_load: an error when its
 * name is within 2 edits of one of these ("did you mean 'risks.csv'?"),
 * else a warning in the model's warnings. */
extern const char *const cs_loader_model_files[];
/* Whether a file name (or path) ends in ".csv", in any case, after at
 * least one character: what the loader looks at in a model directory. */
bool cs_loader_is_csv_name(const char *name);

/* The list of valid scenario keys that are not overrides, NULL-terminated. */
extern const char *const cs_scenario_keys[];

#endif
