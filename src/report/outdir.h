/* outdir: all-or-nothing output files (SPEC §11, --out DIR).
 *
 * Each output is written to a hidden temporary file in the destination
 * directory; cs_outdir_commit fsyncs them and renames them over the final
 * names only when every one is complete, then removes the files of the
 * `managed` list that this run did not write (so no stale result survives).
 * cs_outdir_abort (or a failed commit) removes the temporaries and leaves
 * the old files untouched. A signal handler may call cs_outdir_abort_signal
 * to unlink the temporaries of every open set (async-signal-safe).
 *
 * Temporaries are named ".NAME.tmp-<pid>-<n>" beside the final file; at
 * most 128 may be open at once in the process. Directories that an outdir
 * created are removed again (if empty) when it is aborted or fails.
 * Test hook: COSTSIM_TEST_FAIL_WRITE=NAME makes the output NAME (or the
 * path of cs_outdir_write_file_atomic) fail to write with ENOSPC, as on a full
 * disk. Use from one thread at a time. */
#ifndef CS_OUTDIR_H
#define CS_OUTDIR_H

#include <stdio.h>

#include "diag.h"

typedef struct cs_outdir cs_outdir;

/* Creates dir (and parents) if needed. Returns NULL after adding a message
 * to diag when it cannot. `managed` is a NULL-terminated list of file names
 * this program owns in dir (may be NULL). */
cs_outdir *cs_outdir_open(const char *dir, const char *const *managed, cs_diag *diag);

/* Opens a temporary for the final name (relative to dir; may contain one
 * subdirectory level such as "a/summary.csv", created if needed). Returns a
 * FILE* owned by the outdir (do not fclose it), or NULL with a message. */
FILE *cs_outdir_create(cs_outdir *o, const char *name, cs_diag *diag);

/* Closes and checks every temporary (a write error such as a full disk is
 * reported as "DIR/NAME: cannot write: No space left on device"), then
 * renames all; on any failure nothing is renamed and all temporaries are
 * removed. Then removes the managed names not written (absent ones are
 * ignored; another failure to remove is reported and returns -1). Frees o.
 * Returns 0 or -1. */
int cs_outdir_commit(cs_outdir *o, cs_diag *diag);

/* Removes all temporaries and frees o. NULL does nothing. */
void cs_outdir_abort(cs_outdir *o);

/* Async-signal-safe: unlinks the temporaries of all open outdirs. */
void cs_outdir_abort_signal(void);

/* Writes one file atomically (temporary + rename) outside any outdir, e.g.
 * --report FILE: the writer callback fills f and returns 0 on success.
 * The file's directory must exist. When the writer fails without adding a
 * message to diag (it may reach diag through ctx), a generic one is added.
 * On any failure the old file is untouched. Returns 0 or -1. */
int cs_outdir_write_file_atomic(const char *path, int (*writer)(FILE *f, void *ctx),
                         void *ctx, cs_diag *diag);

#endif
