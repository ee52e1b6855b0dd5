/* testutil: small helpers shared by the cmocka test programs: temporary
 * directories, writing and reading files, a scenario-and-model fixture on
 * disk, the one floating-point assertion (assert_close), running the
 * costsim program. Include after <cmocka.h>. */
#ifndef CS_TESTUTIL_H
#define CS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Creates a fresh temporary directory; returns its path (static storage
 * per call is NOT used: the caller frees). Aborts the test on failure. */
char *tu_mkdtemp(void);
/* Writes text to dir/name (name may contain one subdirectory, created as
 * needed). Returns the full path (caller frees). */
char *tu_write(const char *dir, const char *name, const char *text);
/* Reads a whole file into a new NUL-terminated string (NULL if missing). */
char *tu_read(const char *path, size_t *size);
/* Removes a directory tree (best effort). */
void tu_rmtree(const char *dir);

/* Runs the costsim binary with the given arguments (NULL-terminated),
 * capturing stdout and stderr into new strings (caller frees; may pass
 * NULL to discard). Returns the exit status (or 128+signal). */
int tu_run_costsim(char **out, char **err, const char *const *args);

/* Starts the costsim binary with args (NULL-terminated) without waiting:
 * stdin from /dev/null, stdout to out_path (created; "/dev/full" works),
 * stderr to err_path. env_name, when not NULL, is set to env_value in the
 * child. Returns the pid. */
int tu_spawn_costsim(const char *const *args, const char *out_path, const char *err_path,
                     const char *env_name, const char *env_value);
/* Waits for pid; returns its exit status, or 128+signal. */
int tu_wait(int pid);

/* dir/name in a new string (caller frees). */
char *tu_path(const char *dir, const char *name);

/* Path of the source tree and of the built program (from CMake). */
const char *tu_source_dir(void);
const char *tu_costsim_path(void);

/* ---- Numbers -------------------------------------------------------------- */

/* Fails the test unless |got - want| <= tol (tol 0: exactly equal; equal
 * infinities pass, NaN never does), printing both values to 17 digits.
 * For floating-point values only (a compile-time check): compare integers
 * with assert_int_equal, strings with assert_string_equal. */
#define TU_FLOATING(x) _Generic((x), float: 1, double: 1, long double: 1, default: 0)
#define assert_close(got, want, tol)                                                    \
    do {                                                                                \
        _Static_assert(TU_FLOATING(got) || TU_FLOATING(want),                           \
                       "assert_close compares floating-point values");                  \
        tu_assert_close((got), (want), (tol), #got, #want, __FILE__, __LINE__);         \
    } while (0)
void tu_assert_close(double got, double want, double tol, const char *got_text,
                     const char *want_text, const char *file, int line);

/* ---- A scenario and its model on disk ------------------------------------ */

/* dir/scenario.csv and dir/model/ with the given files. */
typedef struct {
    char *dir;
    char *scenario;
} tu_case;

/* Writes a case into a fresh temporary directory: the scenario text and
 * the model files; any model file may be NULL to leave it out (the model
 * directory exists even when all are). */
tu_case tu_write_case(const char *scenario, const char *elements, const char *currencies,
                      const char *risks, const char *correlations,
                      const char *fx_correlations);
/* Removes the case's directory and frees its strings. */
void tu_case_free(tu_case *c);

#endif
