/* outdir: one all-or-nothing commit of every output file of a run (see
 * outdir.h for the promises).
 *
 * Layout, in each directory that receives a file:
 *   .costsim-lock            (--out DIR only) flock'ed while a set is open
 *   .costsim-stage-XXXXXX/   mkdtemp, 0700, flock'ed by its owner
 *       f1, f2, ...          the staged files (O_CREAT|O_EXCL|O_NOFOLLOW)
 *       master               (not in the first stage) path of the first
 *       journal              (first stage only) the commit record
 * The journal is written to "journal.tmp", fsynced and renamed to
 * "journal": that rename is the commit point. Its text:
 *   costsim-journal 1
 *   S <n>:<stage path>                 every stage of the set, first first
 *   M <n>:<directory>                  a subdirectory of DIR to make
 *   R <n>:<staged path> <n>:<final>    one per file
 *   D <n>:<final path>                 one per stale managed file
 *   E
 * Paths are absolute (resolved when the set was opened) and carried with
 * their byte length, so any byte may appear in them. Replaying a journal
 * renames each staged file that still exists and removes each D path;
 * both are idempotent, so a crash during the replay is replayed again.
 *
 * A staging directory whose flock can be taken belongs to a dead process:
 * with a journal it is replayed, with a "master" naming a stage that has a
 * journal that stage is replayed, else it is removed. A replay that fails
 * makes the open fail, so no new commit overtakes an unfinished one.
 *
 * Every file-system call goes through a wrapper holding a numbered fault
 * point, compiled in only with COSTSIM_FAULT_INJECTION (test builds). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "outdir_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Signals -------------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;

void cs_outdir_abort_signal(void) { stop_requested = 1; }

/* ---- The set ---------------------------------------------------------------- */

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

static int remember_created(cs_outdir *o, const char *path)
{
    char **grown = realloc(o->created, (o->n_created + 1) * sizeof *grown);
    if (!grown)
        return -1;
    o->created = grown;
    char *copy = strdup(path);
    if (!copy)
        return -1;
    o->created[o->n_created++] = copy;
    return 0;
}

/* Removes the directories the set made, innermost first, if empty (the
 * lock file of --out goes with DIR when the set made DIR). */
static void remove_created(cs_outdir *o)
{
    for (size_t i = o->n_created; i-- > 0;) {
        if (o->dir && strcmp(o->created[i], o->dir) == 0) {
            /* DIR holds the lock file (the set still holds the lock). */
            char *lock = cs_outdir_join(o->dir, LOCK_NAME);
            if (lock)
                unlink(lock);
            free(lock);
        }
        rmdir(o->created[i]);
    }
}

static void set_free(cs_outdir *o)
{
    for (size_t i = 0; i < o->n_files; i++) {
        if (o->files[i].f)
            fclose(o->files[i].f);
        if (o->files[i].dest_fd >= 0)
            close(o->files[i].dest_fd);
        free(o->files[i].label);
        free(o->files[i].name);
        free(o->files[i].staged_path);
    }
    free(o->files);
    for (size_t i = 0; i < o->n_places; i++) {
        if (o->places[i].stage_fd >= 0)
            close(o->places[i].stage_fd);
        if (o->places[i].fd >= 0)
            close(o->places[i].fd);
        free(o->places[i].path);
        free(o->places[i].abs);
        free(o->places[i].stage);
    }
    free(o->places);
    if (o->lock_fd >= 0)
        close(o->lock_fd);
    for (size_t i = 0; i < o->n_managed; i++)
        free(o->managed[i]);
    free(o->managed);
    for (size_t i = 0; i < o->n_created; i++)
        free(o->created[i]);
    free(o->created);
    free(o->dir);
    free(o);
}

/* Removes every stage, the directories the set made, and frees o. */
static void discard(cs_outdir *o)
{
    for (size_t i = 0; i < o->n_files; i++) {
        if (o->files[i].f) {
            fclose(o->files[i].f);
            o->files[i].f = NULL;
        }
    }
    for (size_t i = 0; i < o->n_places; i++)
        if (o->places[i].stage)
            cs_outdir_remove_stage(o->places[i].fd, o->places[i].stage);
    remove_created(o);
    set_free(o);
}

/* mkdir with "exists as a directory" as success; reports against label. */
static int make_directory(cs_outdir *o, const char *path, const char *label, cs_diag *diag)
{
    if (FAULT("mkdir", path) == 0 && mkdir(path, 0777) == 0) {
        if (remember_created(o, path) == 0)
            return 0;
        cs_diag_add(diag, label, 0, NULL, "out of memory");
        return -1;
    }
    int err = errno;
    struct stat st;
    if (err == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (err == EEXIST)
        cs_diag_add(diag, label, 0, NULL,
                    "cannot create the output directory: %s exists and is not a directory", path);
    else
        cs_diag_add(diag, label, 0, NULL, "cannot create the output directory %s: %s", path,
                    strerror(err));
    return -1;
}

/* mkdir -p: each prefix ending before a '/', then the whole path. */
static int make_directories(cs_outdir *o, const char *dir, cs_diag *diag)
{
    char *path = strdup(dir);
    if (!path) {
        cs_diag_add(diag, dir, 0, NULL, "out of memory");
        return -1;
    }
    int status = 0;
    for (char *p = path + 1; *p && status == 0; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        status = make_directory(o, path, dir, diag);
        *p = '/';
    }
    if (status == 0)
        status = make_directory(o, path, dir, diag);
    free(path);
    return status;
}

/* Takes the lock of --out: DIR/.costsim-lock, flock'ed without waiting;
 * retried if the file was replaced meanwhile. */
static int take_lock(cs_outdir *o, int dfd, cs_diag *diag)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        int fd = cs_outdir_x_openat(dfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW, LOCK_NAME);
        if (fd < 0) {
            cs_diag_add(diag, o->dir, 0, NULL, "cannot create the lock file %s: %s", LOCK_NAME,
                        strerror(errno));
            return -1;
        }
        if (cs_outdir_x_flock(fd, LOCK_NAME) != 0) {
            int err = errno;
            close(fd);
            if (err == EWOULDBLOCK)
                cs_diag_add(diag, o->dir, 0, NULL,
                            "another costsim run is writing into this directory; run again "
                            "when it has finished");
            else
                cs_diag_add(diag, o->dir, 0, NULL, "cannot lock the directory: %s",
                            strerror(err));
            return -1;
        }
        struct stat held, now;
        if (fstat(fd, &held) == 0 && fstatat(dfd, LOCK_NAME, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
            held.st_dev == now.st_dev && held.st_ino == now.st_ino) {
            o->lock_fd = fd;
            return 0;
        }
        close(fd); /* removed or replaced after we opened it: again */
    }
    cs_diag_add(diag, o->dir, 0, NULL, "cannot lock the directory: its lock file keeps changing");
    return -1;
}

/* The place for directory path (added if new): opened, leftovers of dead
 * runs recovered, a staging directory created and locked. Returns its
 * index or -1 with a message against label. */
static long get_place(cs_outdir *o, const char *path, const char *label, cs_diag *diag)
{
    int fd = cs_outdir_x_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        cs_diag_add(diag, label, 0, NULL, "cannot create: %s", strerror(err));
        return -1;
    }
    for (size_t i = 0; i < o->n_places; i++) {
        if (o->places[i].dev == st.st_dev && o->places[i].ino == st.st_ino) {
            close(fd);
            return (long)i;
        }
    }
    if (o->dir == NULL || o->n_places > 0) {
        /* --out DIR was recovered under its lock already. Another run's
         * --out directory is recovered only under its lock; while that run
         * holds it, that run does the recovery. */
        int lock = openat(fd, LOCK_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        int rc = 0;
        if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) == 0)
            rc = cs_outdir_recover_directory(fd, path, diag);
        if (lock >= 0)
            close(lock);
        if (rc != 0) {
            close(fd);
            return -1;
        }
    }
    place *grown = realloc(o->places, (o->n_places + 1) * sizeof *grown);
    if (!grown) {
        close(fd);
        cs_diag_add(diag, label, 0, NULL, "out of memory");
        return -1;
    }
    o->places = grown;
    place *p = &o->places[o->n_places];
    *p = (place){.fd = fd, .dev = st.st_dev, .ino = st.st_ino, .stage_fd = -1};
    o->n_places++;
    p->path = strdup(path);
    p->abs = realpath(path, NULL);
    char *template = cs_outdir_join(path, STAGE_PREFIX "XXXXXX");
    if (!p->path || !p->abs || !template) {
        int err = errno;
        free(template);
        cs_diag_add(diag, label, 0, NULL, "cannot create: %s",
                    p->path && template ? strerror(err) : "out of memory");
        return -1;
    }
    if (!cs_outdir_x_mkdtemp(template)) {
        int err = errno;
        free(template);
        cs_diag_add(diag, label, 0, NULL, "cannot create a temporary directory in %s: %s", path,
                    strerror(err));
        return -1;
    }
    p->stage = strdup(cs_outdir_base_of(template));
    free(template);
    if (!p->stage) {
        cs_diag_add(diag, label, 0, NULL, "out of memory");
        return -1;
    }
    p->stage_fd = cs_outdir_x_openat(fd, p->stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, p->stage);
    if (p->stage_fd < 0 || cs_outdir_x_flock(p->stage_fd, p->stage) != 0) {
        cs_diag_add(diag, label, 0, NULL, "cannot use a temporary directory in %s: %s", path,
                    strerror(errno));
        return -1;
    }
    return (long)(o->n_places - 1);
}

cs_outdir *cs_outdir_open(const char *dir, const char *const *managed, cs_diag *diag)
{
    cs_outdir_fault_from_environment();
    if (dir && !*dir) {
        cs_diag_add(diag, "costsim", 0, NULL,
                    "the output directory name is empty; give a directory");
        return NULL;
    }
    cs_outdir *o = calloc(1, sizeof *o);
    if (!o) {
        cs_diag_add(diag, dir ? dir : "costsim", 0, NULL, "out of memory");
        return NULL;
    }
    o->lock_fd = -1;
    size_t n = 0;
    while (managed && managed[n])
        n++;
    o->managed = calloc(n + 1, sizeof *o->managed);
    for (size_t i = 0; o->managed && i < n; i++, o->n_managed++)
        if (!(o->managed[i] = strdup(managed[i])))
            break;
    if (!o->managed || o->n_managed < n || (dir && !(o->dir = strdup(dir)))) {
        set_free(o);
        cs_diag_add(diag, dir ? dir : "costsim", 0, NULL, "out of memory");
        return NULL;
    }
    if (!dir)
        return o;
    int dfd = -1;
    if (make_directories(o, dir, diag) != 0 ||
        (dfd = cs_outdir_x_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY, dir)) < 0) {
        if (dfd < 0 && cs_diag_count(diag) == 0)
            cs_diag_add(diag, dir, 0, NULL, "cannot open the output directory: %s",
                        strerror(errno));
        remove_created(o);
        set_free(o);
        return NULL;
    }
    int rc = take_lock(o, dfd, diag);
    if (rc == 0)
        rc = cs_outdir_recover_directory(dfd, dir, diag);
    close(dfd);
    if (rc == 0 && get_place(o, dir, dir, diag) < 0)
        rc = -1;
    if (rc != 0) {
        discard(o);
        return NULL;
    }
    return o;
}

/* A relative name of one or two non-empty components, none "." or "..". */
static int valid_name(const char *name)
{
    if (!*name || name[0] == '/')
        return 0;
    int slashes = 0;
    for (const char *start = name;;) {
        const char *end = strchr(start, '/');
        size_t length = end ? (size_t)(end - start) : strlen(start);
        if (length == 0 || (length == 1 && start[0] == '.') ||
            (length == 2 && start[0] == '.' && start[1] == '.'))
            return 0;
        if (!end)
            return !cs_outdir_reserved_name(start);
        if (++slashes > 1)
            return 0;
        start = end + 1;
    }
}

/* Adds a file to place p with name (relative to it) and label; creates
 * its staged file. Returns the new entry or NULL with a message. */
static outfile *add(cs_outdir *o, size_t p, const char *name, const char *label, int stream,
                    cs_diag *diag)
{
    for (size_t i = 0; i < o->n_files; i++) {
        if (o->files[i].place == p && strcmp(o->files[i].name, name) == 0) {
            cs_diag_add(diag, label, 0, NULL, "written twice in one run");
            return NULL;
        }
    }
    outfile *grown = realloc(o->files, (o->n_files + 1) * sizeof *grown);
    if (!grown) {
        cs_diag_add(diag, label, 0, NULL, "out of memory");
        return NULL;
    }
    o->files = grown;
    outfile *f = &o->files[o->n_files];
    *f = (outfile){.place = p, .dest_fd = -1};
    snprintf(f->staged, sizeof f->staged, "f%u", ++o->next_staged);
    f->label = strdup(label);
    f->name = strdup(name);
    place *pl = &o->places[p];
    if (!stream) {
        char *stage = f->label && f->name ? cs_outdir_join(pl->path, pl->stage) : NULL;
        f->staged_path = stage ? cs_outdir_join(stage, f->staged) : NULL;
        free(stage);
    }
    if (!f->label || !f->name || (!stream && !f->staged_path)) {
        free(f->label);
        free(f->name);
        free(f->staged_path);
        cs_diag_add(diag, label, 0, NULL, "out of memory");
        return NULL;
    }
    o->n_files++;
    if (!stream)
        return f;
    int fd = cs_outdir_x_openat(pl->stage_fd, f->staged, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
                      f->staged);
    if (fd < 0 || !(f->f = fdopen(fd, "wb"))) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        cs_diag_add(diag, label, 0, NULL, "cannot create: %s", strerror(err));
        o->n_files--;
        free(f->label);
        free(f->name);
        return NULL;
    }
    return f;
}

FILE *cs_outdir_create(cs_outdir *o, const char *name, cs_diag *diag)
{
    if (!o->dir || o->n_places == 0) {
        cs_diag_add(diag, name, 0, NULL, "cannot create: no output directory was given");
        return NULL;
    }
    char *label = cs_outdir_join(o->dir, name);
    if (!label) {
        cs_diag_add(diag, o->dir, 0, NULL, "out of memory");
        return NULL;
    }
    outfile *f = NULL;
    if (!valid_name(name)) {
        cs_diag_add(diag, label, 0, NULL,
                    "invalid output name; allowed: NAME or SUBDIR/NAME inside the directory");
    } else {
        const char *slash = strchr(name, '/');
        struct stat st;
        char *sub = slash ? strndup(name, (size_t)(slash - name)) : NULL;
        if (slash && !sub) {
            cs_diag_add(diag, label, 0, NULL, "out of memory");
        } else if (sub && fstatat(o->places[0].fd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                   !S_ISDIR(st.st_mode)) {
            char *sub_path = cs_outdir_join(o->dir, sub);
            cs_diag_add(diag, label, 0, NULL,
                        "cannot create the output directory: %s exists and is not a directory",
                        sub_path ? sub_path : sub);
            free(sub_path);
        } else {
            f = add(o, 0, name, label, 1, diag);
        }
        free(sub);
    }
    free(label);
    return f ? f->f : NULL;
}

/* The place and checks of a single file; returns the place or -1. */
static long single_place(cs_outdir *o, const char *path, cs_diag *diag)
{
    const char *base = cs_outdir_base_of(path);
    if (!*path || !*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        cs_diag_add(diag, *path ? path : "costsim", 0, NULL,
                    "cannot write: not a file name");
        return -1;
    }
    if (cs_outdir_reserved_name(base)) {
        cs_diag_add(diag, path, 0, NULL, "cannot write: the name is reserved for costsim");
        return -1;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        cs_diag_add(diag, path, 0, NULL, "cannot write: it is a directory");
        return -1;
    }
    char *dir = cs_outdir_dir_of(path);
    if (!dir) {
        cs_diag_add(diag, path, 0, NULL, "out of memory");
        return -1;
    }
    long p = get_place(o, dir, path, diag);
    free(dir);
    return p;
}

FILE *cs_outdir_add_file(cs_outdir *o, const char *path, cs_diag *diag)
{
    long p = single_place(o, path, diag);
    outfile *f = p < 0 ? NULL : add(o, (size_t)p, cs_outdir_base_of(path), path, 1, diag);
    return f ? f->f : NULL;
}

const char *cs_outdir_add_path(cs_outdir *o, const char *path, cs_diag *diag)
{
    long p = single_place(o, path, diag);
    outfile *f = p < 0 ? NULL : add(o, (size_t)p, cs_outdir_base_of(path), path, 0, diag);
    return f ? f->staged_path : NULL;
}

/* ---- The commit ------------------------------------------------------------- */

/* Flushes, fsyncs and closes file i's stream (or checks and fsyncs the
 * file a writer made by name). Returns 0, or -1 with a message. */
static int finish_file(cs_outdir *o, outfile *f, cs_diag *diag)
{
    int err = 0;
    if (f->f) {
        errno = 0;
        if (fflush(f->f) != 0 || ferror(f->f))
            err = errno ? errno : EIO;
        if (!err && FAULT("write", f->staged))
            err = errno;
        if (!err && cs_outdir_x_fsync(fileno(f->f), f->staged) != 0)
            err = errno;
        errno = 0;
        if (fclose(f->f) != 0 && !err)
            err = errno ? errno : EIO;
        f->f = NULL;
        if (FAULT("close", f->staged) && !err)
            err = errno;
    } else {
        int fd = cs_outdir_x_openat(o->places[f->place].stage_fd, f->staged, O_RDONLY | O_NOFOLLOW,
                          f->staged);
        struct stat st;
        if (fd < 0)
            err = errno == ENOENT ? -1 : errno;
        else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
            err = -1;
        else if (cs_outdir_x_fsync(fd, f->staged) != 0)
            err = errno;
        if (fd >= 0 && cs_outdir_x_close(fd, f->staged) != 0 && !err)
            err = errno;
    }
    if (err == -1) {
        cs_diag_add(diag, f->label, 0, NULL, "cannot write: the file was not produced");
        return -1;
    }
    if (err) {
        cs_diag_add(diag, f->label, 0, NULL, "cannot write: %s", strerror(err));
        return -1;
    }
    return 0;
}

/* Opens the directory of file f's final name and checks that the name is
 * not a directory. A missing subdirectory ("a/") is only noted: it is made
 * after the commit point (make_destination), so that nothing in DIR
 * changes before it. Returns 0 or -1 with a message. */
static int prepare_destination(cs_outdir *o, outfile *f, cs_diag *diag)
{
    place *p = &o->places[f->place];
    const char *slash = strchr(f->name, '/');
    if (!slash) {
        f->dest_fd = dup(p->fd);
        if (f->dest_fd < 0) {
            cs_diag_add(diag, f->label, 0, NULL, "cannot write: %s", strerror(errno));
            return -1;
        }
    } else {
        char *sub = strndup(f->name, (size_t)(slash - f->name));
        char *sub_path = sub ? cs_outdir_join(p->path, sub) : NULL;
        if (!sub || !sub_path) {
            free(sub);
            free(sub_path);
            cs_diag_add(diag, f->label, 0, NULL, "out of memory");
            return -1;
        }
        f->dest_fd = cs_outdir_x_openat(p->fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, sub_path);
        int err = errno;
        if (f->dest_fd < 0 && err == ENOENT)
            f->make_dir = 1;
        else if (f->dest_fd < 0 && (err == ENOTDIR || err == ELOOP))
            cs_diag_add(diag, f->label, 0, NULL,
                        "cannot create the output directory: %s exists and is not a directory",
                        sub_path);
        else if (f->dest_fd < 0)
            cs_diag_add(diag, f->label, 0, NULL, "cannot create the output directory %s: %s",
                        sub_path, strerror(err));
        free(sub);
        free(sub_path);
        if (f->make_dir)
            return 0;
        if (f->dest_fd < 0)
            return -1;
    }
    struct stat st;
    if (fstatat(f->dest_fd, cs_outdir_base_of(f->name), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode)) {
        cs_diag_add(diag, f->label, 0, NULL, "cannot write: it is a directory");
        return -1;
    }
    return 0;
}

/* After the commit point: makes the missing subdirectory of f (another
 * file may have made it already) and opens it. Returns 0 or -1 (errno). */
static int make_destination(cs_outdir *o, outfile *f)
{
    place *p = &o->places[f->place];
    char *sub = strndup(f->name, (size_t)(strchr(f->name, '/') - f->name));
    if (!sub) {
        errno = ENOMEM;
        return -1;
    }
    int rc = cs_outdir_x_mkdirat(p->fd, sub, sub);
    if (rc == 0)
        rc = cs_outdir_x_fsync(p->fd, p->path);
    else if (errno == EEXIST)
        rc = 0;
    if (rc == 0) {
        f->dest_fd = cs_outdir_x_openat(p->fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, sub);
        rc = f->dest_fd < 0 ? -1 : 0;
    }
    free(sub);
    return rc;
}

static int written(const cs_outdir *o, const char *name)
{
    for (size_t i = 0; i < o->n_files; i++)
        if (o->files[i].place == 0 && strcmp(o->files[i].name, name) == 0)
            return 1;
    return 0;
}

/* Whether managed name exists in DIR as something to remove (not a
 * directory; a link is removed itself, never followed). */
static int stale(const cs_outdir *o, const char *name)
{
    const char *slash = strchr(name, '/');
    struct stat st;
    if (!slash)
        return fstatat(o->places[0].fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
               !S_ISDIR(st.st_mode);
    char *sub = strndup(name, (size_t)(slash - name));
    int fd = sub ? openat(o->places[0].fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                 : -1;
    free(sub);
    int found = fd >= 0 && fstatat(fd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                !S_ISDIR(st.st_mode);
    if (fd >= 0)
        close(fd);
    return found;
}

/* Writes a small file `name` in stage sfd: O_EXCL, written, fsynced. */
static int write_stage_file(int sfd, const char *name, const char *text, size_t n)
{
    int fd = cs_outdir_x_openat(sfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, name);
    if (fd < 0)
        return -1;
    int rc = cs_outdir_write_all(fd, text, n, name) == 0 && cs_outdir_x_fsync(fd, name) == 0 ? 0 : -1;
    int err = errno;
    if (cs_outdir_x_close(fd, name) != 0 && rc == 0)
        return -1;
    errno = err;
    return rc;
}

/* Writes the journal into the first stage and renames it into place: the
 * commit point. Returns 0 when committed, else -1 (errno set) with no
 * journal left. */
static int write_journal(cs_outdir *o, char **removals, size_t n_removals)
{
    buffer b = {0};
    cs_outdir_buf_str(&b, "costsim-journal 1\n");
    for (size_t i = 0; i < o->n_places; i++) {
        char *stage = cs_outdir_join(o->places[i].abs, o->places[i].stage);
        if (!stage)
            b.failed = 1;
        else {
            cs_outdir_buf_str(&b, "S");
            cs_outdir_buf_field(&b, stage);
            cs_outdir_buf_str(&b, "\n");
        }
        free(stage);
    }
    for (size_t i = 0; i < o->n_files; i++) {
        const outfile *f = &o->files[i];
        if (!f->make_dir)
            continue;
        char *sub = strndup(f->name, (size_t)(strchr(f->name, '/') - f->name));
        char *path = sub ? cs_outdir_join(o->places[f->place].abs, sub) : NULL;
        if (!path)
            b.failed = 1;
        else {
            cs_outdir_buf_str(&b, "M");
            cs_outdir_buf_field(&b, path);
            cs_outdir_buf_str(&b, "\n");
        }
        free(sub);
        free(path);
    }
    for (size_t i = 0; i < o->n_files; i++) {
        const outfile *f = &o->files[i];
        const place *p = &o->places[f->place];
        char *stage = cs_outdir_join(p->abs, p->stage);
        char *src = stage ? cs_outdir_join(stage, f->staged) : NULL;
        char *dest = cs_outdir_join(p->abs, f->name);
        if (!src || !dest)
            b.failed = 1;
        else {
            cs_outdir_buf_str(&b, "R");
            cs_outdir_buf_field(&b, src);
            cs_outdir_buf_field(&b, dest);
            cs_outdir_buf_str(&b, "\n");
        }
        free(stage);
        free(src);
        free(dest);
    }
    for (size_t i = 0; i < n_removals; i++) {
        char *dest = cs_outdir_join(o->places[0].abs, removals[i]);
        if (!dest)
            b.failed = 1;
        else {
            cs_outdir_buf_str(&b, "D");
            cs_outdir_buf_field(&b, dest);
            cs_outdir_buf_str(&b, "\n");
        }
        free(dest);
    }
    cs_outdir_buf_str(&b, "E\n");
    if (b.failed) {
        free(b.text);
        errno = ENOMEM;
        return -1;
    }
    int sfd = o->places[0].stage_fd;
    int rc = write_stage_file(sfd, "journal.tmp", b.text, b.length);
    free(b.text);
    if (rc == 0 && cs_outdir_x_renameat(sfd, "journal.tmp", sfd, "journal", "journal") != 0)
        rc = -1;
    if (rc == 0 && cs_outdir_x_fsync(sfd, "journal") != 0) {
        /* Not known to be durable: undo, so that nothing is committed. */
        int err = errno;
        if (cs_outdir_x_unlinkat(sfd, "journal", 0, "journal") == 0) {
            errno = err;
            rc = -1;
        }
    }
    return rc;
}

/* "a, b, c" of the labels of files with renamed == want. */
static char *list_files(const cs_outdir *o, int want)
{
    buffer b = {0};
    for (size_t i = 0; i < o->n_files; i++) {
        if (o->files[i].renamed != want)
            continue;
        if (b.length)
            cs_outdir_buf_str(&b, ", ");
        cs_outdir_buf_str(&b, o->files[i].label);
    }
    if (!b.text && !b.failed)
        cs_outdir_buf_str(&b, "none");
    return b.text;
}

static void add_nothing_written(cs_diag *diag)
{
    cs_diag_add(diag, "costsim", 0, NULL, "no output file was written or changed");
}

/* The stale managed files of DIR that this set does not write, into a
 * new NULL-terminated list (names point into o). Returns 0 or -1 (OOM). */
static int list_removals(const cs_outdir *o, char ***removals, size_t *n, cs_diag *diag)
{
    *removals = NULL;
    *n = 0;
    if (!o->dir)
        return 0;
    *removals = calloc(o->n_managed + 1, sizeof **removals);
    if (!*removals) {
        cs_diag_add(diag, o->dir, 0, NULL, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < o->n_managed; i++)
        if (!written(o, o->managed[i]) && stale(o, o->managed[i]))
            (*removals)[(*n)++] = o->managed[i];
    return 0;
}

/* Steps 1-3 of the commit, up to and including its commit point: every
 * staged file complete and on disk, the destinations checked, the other
 * stages pointing at the first, and the journal written. Signals must be
 * blocked. Returns 0 once committed, or -1 with messages in diag (then
 * nothing changed). */
static int reach_commit_point(cs_outdir *o, char **removals, size_t n_removals, cs_diag *diag)
{
    int failed = 0;
    for (size_t i = 0; i < o->n_places && !failed; i++) {
        if (cs_outdir_x_fsync(o->places[i].stage_fd, o->places[i].stage) != 0) {
            cs_diag_add(diag, o->places[i].path, 0, NULL, "cannot write: %s", strerror(errno));
            failed = 1;
        }
    }
    for (size_t i = 0; i < o->n_files && !failed; i++)
        if (prepare_destination(o, &o->files[i], diag) != 0)
            failed = 1;
    /* The other stages point at the first, whose journal decides. */
    for (size_t i = 1; i < o->n_places && !failed; i++) {
        char *master = cs_outdir_join(o->places[0].abs, o->places[0].stage);
        if (!master || write_stage_file(o->places[i].stage_fd, "master", master,
                                        strlen(master)) != 0 ||
            cs_outdir_x_fsync(o->places[i].stage_fd, "master") != 0) {
            cs_diag_add(diag, o->places[i].path, 0, NULL, "cannot write: %s",
                        master ? strerror(errno) : "out of memory");
            failed = 1;
        }
        free(master);
    }
    if (!failed && stop_requested) {
        cs_diag_add(diag, "costsim", 0, NULL, "interrupted by a signal before the commit");
        failed = 1;
    }
    if (!failed && write_journal(o, removals, n_removals) != 0) {
        cs_diag_add(diag, o->places[0].path, 0, NULL, "cannot write the commit journal: %s",
                    strerror(errno));
        failed = 1;
    }
    return failed ? -1 : 0;
}

/* Removes the stale file name (relative to DIR, at most one subdirectory
 * deep). Returns 0, or -1 with a message. */
static int remove_stale(cs_outdir *o, const char *stale_name, cs_diag *diag)
{
    int fd = o->places[0].fd, sub = -1, rc = 0;
    const char *name = stale_name, *slash = strchr(name, '/');
    if (slash) {
        char *part = strndup(name, (size_t)(slash - name));
        sub = part ? openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        free(part);
        fd = sub;
        name = slash + 1;
    }
    if (fd < 0 || (cs_outdir_x_unlinkat(fd, name, 0, stale_name) != 0 && errno != ENOENT)) {
        char *path = cs_outdir_join(o->dir, stale_name);
        cs_diag_add(diag, path ? path : o->dir, 0, NULL, "cannot remove the stale output: %s",
                    strerror(errno));
        free(path);
        rc = -1;
    }
    if (sub >= 0)
        close(sub);
    return rc;
}

/* Step 4, after the commit point: every rename, then every removal, is
 * tried. Returns 0, or -1 when something was left undone (messages). */
static int apply_commit(cs_outdir *o, char **removals, size_t n_removals, cs_diag *diag)
{
    int incomplete = 0;
    for (size_t i = 0; i < o->n_files; i++) {
        outfile *f = &o->files[i];
        if ((f->make_dir && make_destination(o, f) != 0) ||
            cs_outdir_x_renameat(o->places[f->place].stage_fd, f->staged, f->dest_fd,
                                 cs_outdir_base_of(f->name), f->label) != 0) {
            cs_diag_add(diag, f->label, 0, NULL, "cannot rename into place: %s",
                        strerror(errno));
            incomplete = 1;
        } else {
            f->renamed = 1;
        }
    }
    for (size_t i = 0; i < n_removals && !incomplete; i++)
        if (remove_stale(o, removals[i], diag) != 0)
            incomplete = 1;
    return incomplete ? -1 : 0;
}

/* Step 5: the renames on disk, each destination directory synced once.
 * Returns 0, or -1 with a message per directory that failed. */
static int sync_destinations(cs_outdir *o, cs_diag *diag)
{
    int unsynced = 0;
    for (size_t i = 0; i < o->n_files; i++) {
        struct stat st, other;
        if (fstat(o->files[i].dest_fd, &st) != 0)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = fstat(o->files[j].dest_fd, &other) == 0 && other.st_dev == st.st_dev &&
                   other.st_ino == st.st_ino;
        if (!seen && cs_outdir_x_fsync(o->files[i].dest_fd, o->files[i].label) != 0) {
            cs_diag_add(diag, o->files[i].label, 0, NULL,
                        "written, but its directory could not be synced to disk: %s",
                        strerror(errno));
            unsynced = 1;
        }
    }
    return unsynced ? -1 : 0;
}

/* The message of a commit that stopped part-way: what is new, what is
 * not yet replaced, and where the journal that completes it is. */
static void report_part_way(const cs_outdir *o, cs_diag *diag)
{
    char *new_files = list_files(o, 1), *old_files = list_files(o, 0);
    char *journal = cs_outdir_join(o->places[0].path, o->places[0].stage);
    cs_diag_add(diag, "costsim", 0, NULL,
                "the commit stopped part-way: new: %s; not yet replaced: %s; the journal "
                "in %s completes it at the next costsim run writing into %s",
                new_files ? new_files : "?", old_files ? old_files : "?",
                journal ? journal : "?", o->places[0].path);
    free(new_files);
    free(old_files);
    free(journal);
}

int cs_outdir_commit(cs_outdir *o, cs_diag *diag)
{
    if (o->n_places == 0) {
        set_free(o);
        return 0;
    }
    /* 1. Every staged file complete and on disk; each failing one named. */
    int failed = 0;
    for (size_t i = 0; i < o->n_files; i++)
        if (finish_file(o, &o->files[i], diag) != 0)
            failed = 1;
    /* 2. From here on SIGINT and SIGTERM wait until the commit is over. */
    sigset_t block, previous;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &previous);
    char **removals = NULL;
    size_t n_removals = 0;
    if (failed || list_removals(o, &removals, &n_removals, diag) != 0 ||
        reach_commit_point(o, removals, n_removals, diag) != 0) {
        add_nothing_written(diag);
        free(removals);
        discard(o);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        return -1;
    }
    /* 3. Committed: the renames and removals, then the directories synced. */
    int incomplete = apply_commit(o, removals, n_removals, diag) != 0;
    free(removals);
    int unsynced = !incomplete && sync_destinations(o, diag) != 0;
    if (incomplete) {
        report_part_way(o, diag);
        /* The stages stay for the next run; only our handles go. */
        set_free(o);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        return -1;
    }
    /* 4. Finished: the journal, then the stages (leftovers are removed by
     * the next run if this fails). */
    cs_outdir_x_unlinkat(o->places[0].stage_fd, "journal", 0, "journal");
    for (size_t i = o->n_places; i-- > 0;)
        cs_outdir_remove_stage(o->places[i].fd, o->places[i].stage);
    set_free(o);
    sigprocmask(SIG_SETMASK, &previous, NULL);
    return unsynced ? -1 : 0;
}

void cs_outdir_abort(cs_outdir *o)
{
    if (o)
        discard(o);
}

/* ---- Single files ------------------------------------------------------------ */

int cs_outdir_write_file_atomic(const char *path, int (*writer)(FILE *f, void *ctx), void *ctx,
                         cs_diag *diag)
{
    cs_outdir *o = cs_outdir_open(NULL, NULL, diag);
    FILE *f = o ? cs_outdir_add_file(o, path, diag) : NULL;
    if (!f) {
        cs_outdir_abort(o);
        return -1;
    }
    size_t messages = cs_diag_count(diag);
    if (writer(f, ctx) != 0) {
        if (cs_diag_count(diag) == messages)
            cs_diag_add(diag, path, 0, NULL, "cannot write: the output could not be produced");
        cs_outdir_abort(o);
        return -1;
    }
    return cs_outdir_commit(o, diag);
}
