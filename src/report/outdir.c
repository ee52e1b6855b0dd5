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
 * point, compiled in only with COSTSIM_FAULT_INJECTION (test builds).
 *
 * This file opens the set (the directory made, locked and recovered),
 * finds the places and stages and adds the files; the commit itself, its
 * journal and the abort are in outdir_commit.c. */
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

/* ---- The set ---------------------------------------------------------------- */

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

/* Closes every handle of the set and frees o; nothing on disk changes. */
void cs_outdir_set_free(cs_outdir *o)
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
void cs_outdir_discard(cs_outdir *o)
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
    cs_outdir_set_free(o);
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
        cs_outdir_set_free(o);
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
        cs_outdir_set_free(o);
        return NULL;
    }
    int rc = take_lock(o, dfd, diag);
    if (rc == 0)
        rc = cs_outdir_recover_directory(dfd, dir, diag);
    close(dfd);
    if (rc == 0 && get_place(o, dir, dir, diag) < 0)
        rc = -1;
    if (rc != 0) {
        cs_outdir_discard(o);
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
    /* A directory, a device, a FIFO, a link to one or into /proc. */
    const char *kind = cs_outdir_unreplaceable(AT_FDCWD, path);
    if (kind) {
        cs_diag_add(diag, path, 0, NULL, "cannot write: it is %s", kind);
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
