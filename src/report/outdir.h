/* outdir: one all-or-nothing commit of every output file of a run.
 *
 * A set holds the files of `--out DIR` and any single files elsewhere
 * (`--report FILE`, `--xlsx FILE`). Each file is written into a private
 * staging directory created by mkdtemp in the directory of its final name
 * (".costsim-stage-XXXXXX", mode 0700, locked with flock while the set is
 * open), under a name created with O_CREAT|O_EXCL|O_NOFOLLOW, so no planted
 * link is ever followed. cs_outdir_commit flushes and fsyncs every file,
 * then (with SIGINT and SIGTERM blocked) writes a commit journal listing
 * every rename and every stale file to remove, fsyncs it, and only then
 * renames the files into place. Before the journal exists, a failure or a
 * signal leaves every previous output untouched; once it exists, the
 * commit is completed, by this process or, if it died, by the next set
 * opened in the same place ("roll forward", like SQLite's hot journal).
 *
 * `--out DIR` is locked with flock on "DIR/.costsim-lock" for the life of
 * the set: a second set opened on DIR meanwhile is refused at once (no
 * waiting). Opening a set removes the staging directories of dead runs in
 * each directory it writes to (their lock is free), first completing any
 * whose journal says they were committed.
 *
 * Use from one thread at a time. cs_outdir_abort_signal is the only
 * function a signal handler may call. */
#ifndef CS_OUTDIR_H
#define CS_OUTDIR_H

#include <stdio.h>

#include "diag.h"

typedef struct cs_outdir cs_outdir;

/* Opens a set. dir is the --out directory, created with its parents if
 * needed, or NULL for a set of single files only (no lock). `managed` is a
 * NULL-terminated list of names this program owns in dir (may be NULL):
 * those the run does not write are removed by the commit. Locks dir,
 * completes or removes leftovers of dead runs there and creates the
 * staging directory. Returns NULL after adding messages to diag (an empty
 * name, a directory that cannot be created, one locked by another run,
 * a leftover journal that cannot be completed). */
cs_outdir *cs_outdir_open(const char *dir, const char *const *managed, cs_diag *diag);

/* Opens a new staged file for the final name (relative to dir; may
 * contain one subdirectory level such as "a/summary.csv", created at the
 * commit if needed). Returns a FILE* owned by the set (do not fclose it),
 * or NULL with a message. Needs a set opened with a dir. */
FILE *cs_outdir_create(cs_outdir *o, const char *name, cs_diag *diag);

/* Adds a single file outside dir, e.g. --report FILE (its directory must
 * exist; FILE must not be a directory). Returns a staged FILE* owned by
 * the set, or NULL with a message naming path. */
FILE *cs_outdir_add_file(cs_outdir *o, const char *path, cs_diag *diag);

/* Like cs_outdir_add_file, for a writer that creates the file itself by
 * name (libxlsxwriter): returns the staged path to write (owned by the
 * set, in the private staging directory), or NULL with a message. The
 * file must exist by the commit. */
const char *cs_outdir_add_path(cs_outdir *o, const char *path, cs_diag *diag);

/* Commits the set and frees o. Returns 0 when every file is in place and
 * every stale managed name removed. Returns -1 with messages in diag
 * otherwise: either the cause followed by "costsim: no output file was
 * written or changed" (every old output untouched, every staged file
 * removed), or, after the commit point (a rename or removal failed), the
 * cause followed by a message listing the files that are new and those
 * still old and saying that the next run into the same place completes
 * the commit from its journal. A signal noted by cs_outdir_abort_signal
 * before the commit point makes the commit fail the first way. */
int cs_outdir_commit(cs_outdir *o, cs_diag *diag);

/* Removes every staged file, releases the lock and frees o. The previous
 * outputs are untouched. NULL does nothing. */
void cs_outdir_abort(cs_outdir *o);

/* Async-signal-safe: notes that the process was asked to stop, so that no
 * commit passes its commit point from now on (a commit already past it
 * finishes; SIGINT and SIGTERM are blocked during it). The note lasts for
 * the life of the process. */
void cs_outdir_abort_signal(void);

/* Writes one file all-or-nothing outside any --out set: a set holding
 * path only, filled by writer (returns 0 on success). When the writer
 * fails without adding a message to diag (it may reach diag through ctx),
 * a generic one is added. On any failure the old file is untouched.
 * Returns 0 or -1. */
int cs_outdir_write_file_atomic(const char *path, int (*writer)(FILE *f, void *ctx),
                         void *ctx, cs_diag *diag);

/* Why the existing name `path` (relative to dfd, or AT_FDCWD) is not an
 * output to replace by a new regular file, as a phrase ("a FIFO", "a link
 * to a device"), or NULL when it is absent, a regular file or a link to
 * one (that link is replaced; what it points to is never written). Not
 * replaceable: a directory, a device, a FIFO or a socket, a link to one
 * of those, and a link that leads into /proc (/dev/stdout, /dev/stderr,
 * /dev/fd/N): its user means an open file of the process, and as root
 * replacing /dev/stdout would put a regular file in its place for every
 * program on the machine. */
const char *cs_outdir_unreplaceable(int dfd, const char *path);

/* Why the lock file of the --out directory `dir` (see outdir.c) could not
 * be taken, as a phrase ("a directory", "a symbolic link", "a file this
 * user cannot write"), or NULL when it is absent or a writable regular
 * file. The run takes the lock only once its results are ready, so a
 * caller checks this first rather than fail after the trials. */
const char *cs_outdir_lock_unusable(const char *dir);

/* The name of that lock file inside the --out directory. */
extern const char cs_outdir_lock_name[];

#ifdef COSTSIM_FAULT_INJECTION
/* Test builds only (the CMake definition COSTSIM_FAULT_INJECTION; never
 * in the shipped program). Every file-system call outdir makes is a
 * numbered fault point: open, write, fsync, rename, close, mkdir, unlink,
 * lock. After arming, the call numbered fail_at (1-based; 0: none) fails
 * (errno ENOSPC for a write, EIO otherwise); observer, when not NULL, is
 * called before each call with its kind, the path or name it concerns and
 * its number (it may raise a signal or _exit to simulate a crash). In
 * such a build cs_outdir_open also arms from the environment on its first
 * call: COSTSIM_FAULT_AT=N fails call N, COSTSIM_FAULT_SIGTERM_AT=N raises
 * SIGTERM just before call N. */
void cs_outdir_fault_arm(long fail_at,
                         void (*observer)(const char *op, const char *what, long number));
/* Number of fault points passed since the last arm. */
long cs_outdir_fault_count(void);
/* Whether the armed fault has fired. */
int cs_outdir_fault_fired(void);
#endif

#endif
