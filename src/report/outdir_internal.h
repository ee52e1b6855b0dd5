/* outdir_internal: what the output commit's four files share: the set
 * itself (its places and files, freed or discarded by outdir.c), the fault
 * points and wrapped system calls with small path and text helpers
 * (outdir_fs.c), and the removal and replay of staging directories left by
 * dead runs (outdir_journal.c); outdir.c opens the set and adds its files,
 * outdir_commit.c commits or aborts it. The layout on disk and the
 * journal's format are described atop outdir.c. */
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

/* A directory that receives files, with its staging directory. */
typedef struct {
    char *path;     /* as given ("." for a bare file name) */
    char *abs;      /* resolved, for the journal */
    int fd;         /* the directory */
    dev_t dev;
    ino_t ino;
    char *stage;    /* ".costsim-stage-XXXXXX" */
    int stage_fd;   /* flock'ed */
} place;

typedef struct {
    char *label;       /* the final path in messages */
    char *name;        /* relative to its place */
    size_t place;
    char staged[24];   /* name inside the stage */
    char *staged_path; /* cs_outdir_add_path only */
    FILE *f;           /* open stream; NULL once closed */
    int dest_fd;       /* the final name's directory, at the commit */
    int make_dir;      /* its subdirectory is made after the commit point */
    int renamed;
} outfile;

struct cs_outdir {
    char *dir; /* --out as given, or NULL */
    int lock_fd;
    char **managed;
    size_t n_managed;
    place *places;
    size_t n_places;
    outfile *files;
    size_t n_files;
    char **created; /* directories made by the set, outermost first */
    size_t n_created;
    unsigned next_staged;
};

/* Closes every handle of the set (streams, directories, the lock) and
 * frees o and everything it owns; nothing on disk changes (outdir.c). */
void cs_outdir_set_free(cs_outdir *o);
/* Closes the streams, removes every stage and the directories the set made
 * (if empty), then frees o as cs_outdir_set_free (outdir.c). */
void cs_outdir_discard(cs_outdir *o);

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
