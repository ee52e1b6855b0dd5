/* outdir_commit: the commit of a set opened by outdir.c, and its abort.
 * Finishes every staged file, checks the destinations, points the other
 * stages at the first, writes the journal (the commit point), renames the
 * files into place, removes the stale managed files and syncs the
 * directories; SIGINT and SIGTERM are blocked meanwhile, and one caught
 * before (cs_outdir_abort_signal) stops the commit before its commit point.
 * It does not open sets, take locks, make places or add files (outdir.c),
 * nor recover the stages of dead runs (outdir_journal.c). The layout on
 * disk and the journal's format are described atop outdir.c. */
#define _XOPEN_SOURCE 700
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
    if (fstatat(f->dest_fd, cs_outdir_base_of(f->name), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        /* A device, a FIFO, a link to one or into /proc (/dev/stdout) is
         * not an output to put a regular file in place of. */
        const char *kind = cs_outdir_unreplaceable(f->dest_fd, cs_outdir_base_of(f->name));
        if (kind) {
            cs_diag_add(diag, f->label, 0, NULL, "cannot write: it is %s", kind);
            return -1;
        }
    } else if (errno != ENOENT) {
        /* e.g. a name too long for the directory (ENAMETOOLONG): the
         * rename after the commit point would fail, and so would every
         * later run's completion of the journal. */
        cs_diag_add(diag, f->label, 0, NULL, "cannot write: %s", strerror(errno));
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
    int rc =
        cs_outdir_write_all(fd, text, n, name) == 0 && cs_outdir_x_fsync(fd, name) == 0 ? 0 : -1;
    int err = errno;
    if (cs_outdir_x_close(fd, name) != 0 && rc == 0)
        return -1;
    errno = err;
    return rc;
}

/* One journal line: the tag and its n (1 or 2) path fields. A NULL path
 * (building it failed) marks the journal failed instead. */
static void journal_line(buffer *j, const char *tag, int n, const char *a, const char *b)
{
    if (!a || (n == 2 && !b)) {
        j->failed = 1;
        return;
    }
    cs_outdir_buf_str(j, tag);
    cs_outdir_buf_field(j, a);
    if (n == 2)
        cs_outdir_buf_field(j, b);
    cs_outdir_buf_str(j, "\n");
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
        journal_line(&b, "S", 1, stage, NULL);
        free(stage);
    }
    for (size_t i = 0; i < o->n_files; i++) {
        const outfile *f = &o->files[i];
        if (!f->make_dir)
            continue;
        char *sub = strndup(f->name, (size_t)(strchr(f->name, '/') - f->name));
        char *path = sub ? cs_outdir_join(o->places[f->place].abs, sub) : NULL;
        journal_line(&b, "M", 1, path, NULL);
        free(sub);
        free(path);
    }
    for (size_t i = 0; i < o->n_files; i++) {
        const outfile *f = &o->files[i];
        const place *p = &o->places[f->place];
        char *stage = cs_outdir_join(p->abs, p->stage);
        char *src = stage ? cs_outdir_join(stage, f->staged) : NULL;
        char *dest = cs_outdir_join(p->abs, f->name);
        journal_line(&b, "R", 2, src, dest);
        free(stage);
        free(src);
        free(dest);
    }
    for (size_t i = 0; i < n_removals; i++) {
        char *dest = cs_outdir_join(o->places[0].abs, removals[i]);
        journal_line(&b, "D", 1, dest, NULL);
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
 * tried. Returns 0, or -1 when something was left undone (messages);
 * *removed is the number of removals done. */
static int apply_commit(cs_outdir *o, char **removals, size_t n_removals, size_t *removed,
                        cs_diag *diag)
{
    *removed = 0;
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
        else
            *removed = i + 1;
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
 * not yet replaced or removed (the stale files from pending on), and where
 * the journal that completes it is. */
static void report_part_way(const cs_outdir *o, char *const *pending, size_t n_pending,
                            cs_diag *diag)
{
    char *new_files = list_files(o, 1), *old_files = list_files(o, 0);
    char *journal = cs_outdir_join(o->places[0].path, o->places[0].stage);
    buffer stale = {0};
    for (size_t i = 0; i < n_pending; i++) {
        char *path = cs_outdir_join(o->dir, pending[i]);
        cs_outdir_buf_str(&stale, i ? ", " : "");
        cs_outdir_buf_str(&stale, path ? path : pending[i]);
        free(path);
    }
    if (!stale.text && !stale.failed)
        cs_outdir_buf_str(&stale, "none");
    cs_diag_add(diag, "costsim", 0, NULL,
                "the commit stopped part-way: new: %s; not yet replaced: %s; not yet removed "
                "(stale): %s; the journal in %s completes it at the next costsim run writing "
                "into %s",
                new_files ? new_files : "?", old_files ? old_files : "?",
                stale.text ? stale.text : "?", journal ? journal : "?", o->places[0].path);
    free(new_files);
    free(old_files);
    free(stale.text);
    free(journal);
}

int cs_outdir_commit(cs_outdir *o, cs_diag *diag)
{
    if (o->n_places == 0) {
        cs_outdir_set_free(o);
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
        cs_outdir_discard(o);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        return -1;
    }
    /* 3. Committed: the renames and removals, then the directories synced. */
    size_t removed;
    int incomplete = apply_commit(o, removals, n_removals, &removed, diag) != 0;
    int unsynced = !incomplete && sync_destinations(o, diag) != 0;
    if (incomplete)
        report_part_way(o, removals + removed, n_removals - removed, diag);
    free(removals);
    if (incomplete) {
        /* The stages stay for the next run; only our handles go. */
        cs_outdir_set_free(o);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        return -1;
    }
    /* 4. Finished: the journal, then the stages (leftovers are removed by
     * the next run if this fails). */
    cs_outdir_x_unlinkat(o->places[0].stage_fd, "journal", 0, "journal");
    for (size_t i = o->n_places; i-- > 0;)
        cs_outdir_remove_stage(o->places[i].fd, o->places[i].stage);
    cs_outdir_set_free(o);
    sigprocmask(SIG_SETMASK, &previous, NULL);
    return unsynced ? -1 : 0;
}

void cs_outdir_abort(cs_outdir *o)
{
    if (o)
        cs_outdir_discard(o);
}
