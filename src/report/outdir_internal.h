/* outdir_internal: what the output commit's three files share: the fault
 * points and wrapped system calls with small path and text helpers
 * (outdir_fs.c), and the removal and replay of staging directories left by
 * dead runs (outdir_journal.c); outdir.c holds the set and its commit. The
 * layout on disk and the journal's format are described atop outdir.c. */
#ifndef CS_OUTDIR_INTERNAL_H
#define CS_OUTDIR_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "outdir.h"

#define STAGE_PREFIX ".costsim-stage-"
#define LOCK_NAME ".costsim-lock"
#define JOURNAL_MAX (16 * 1024 * 1024)

/* A numbered fault point (test builds only): nonzero when this call must
 * fail (errno set). */
#ifdef COSTSIM_FAULT_INJECTION
#define FAULT(op, what) cs_outdir_fault(op, what)
#else
#define FAULT(op, what) ((void)(what), 0)
#endif

/* A growing text buffer; on out of memory `failed` is set. */
typedef struct {
    char *text;
    size_t length, capacity;
    int failed;
} buffer;

int cs_outdir_fault(const char *op, const char *what);
void cs_outdir_fault_from_environment(void);
int cs_outdir_x_openat(int dfd, const char *name, int flags, const char *what);
int cs_outdir_x_close(int fd, const char *what);
int cs_outdir_x_fsync(int fd, const char *what);
int cs_outdir_x_renameat(int from_dfd, const char *from, int to_dfd, const char *to,
                      const char *what);
int cs_outdir_x_unlinkat(int dfd, const char *name, int flags, const char *what);
int cs_outdir_x_mkdirat(int dfd, const char *name, const char *what);
char *cs_outdir_x_mkdtemp(char *template);
int cs_outdir_x_flock(int fd, const char *what);
int cs_outdir_write_all(int fd, const char *buf, size_t n, const char *what);
char *cs_outdir_join(const char *dir, const char *name);
char *cs_outdir_dir_of(const char *path);
const char *cs_outdir_base_of(const char *path);
int cs_outdir_reserved_name(const char *base);
void cs_outdir_buf_add(buffer *b, const char *s, size_t n);
void cs_outdir_buf_str(buffer *b, const char *s);
void cs_outdir_buf_field(buffer *b, const char *s);
void cs_outdir_remove_stage(int dfd, const char *name);
int cs_outdir_recover_directory(int dfd, const char *path, cs_diag *diag);

#endif
