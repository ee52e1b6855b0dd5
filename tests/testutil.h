/* testutil: small helpers shared by the cmocka test programs: temporary
 * directories, writing and reading files, running the costsim program. */
#ifndef CS_TESTUTIL_H
#define CS_TESTUTIL_H

#include <stddef.h>

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

#endif
