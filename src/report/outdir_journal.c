/* outdir_journal: staging directories left by runs that died. Removes
 * them, or replays the commit journal they hold (see outdir.c for the
 * journal's format), so that a commit that passed its commit point always
 * completes and nothing of a dead run stays behind. */
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

/* ---- Removing and replaying staging directories --------------------------- */

/* The names in d (all but "." and "..", or those starting with prefix),
 * read before anything is removed: unlinking while reading may skip some.
 * Closes d. Returns a new array of *n new strings (as many as memory
 * allowed; NULL when none). */
static char **read_names(DIR *d, const char *prefix, size_t *n)
{
    char **names = NULL;
    struct dirent *e;
    *n = 0;
    while ((e = readdir(d)) != NULL) {
        if (prefix ? strncmp(e->d_name, prefix, strlen(prefix)) != 0
                   : !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char **grown = realloc(names, (*n + 1) * sizeof *names);
        char *name = strdup(e->d_name);
        if (!grown || !name) {
            free(name);
            if (grown)
                names = grown;
            break;
        }
        names = grown;
        names[(*n)++] = name;
    }
    closedir(d);
    return names;
}

/* Removes the flat staging directory name in dfd: its files, then itself.
 * Best effort (something that is not ours, e.g. a subdirectory, stays). */
void cs_outdir_remove_stage(int dfd, const char *name)
{
    int sfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0)
        return;
    int copy = dup(sfd);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d && copy >= 0)
        close(copy);
    if (d) {
        /* Names first, then unlink: unlinking while reading may skip some. */
        size_t n;
        char **names = read_names(d, NULL, &n);
        for (size_t i = 0; i < n; i++) {
            cs_outdir_x_unlinkat(sfd, names[i], 0, names[i]);
            free(names[i]);
        }
        free(names);
    }
    close(sfd);
    cs_outdir_x_unlinkat(dfd, name, AT_REMOVEDIR, name);
}

/* remove_stage for an absolute path. */
static void remove_stage_path(const char *path)
{
    char *parent = cs_outdir_dir_of(path);
    if (!parent)
        return;
    int dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        cs_outdir_remove_stage(dfd, cs_outdir_base_of(path));
        close(dfd);
    }
    free(parent);
}

/* Reads a whole small file at name in dfd (not following a link). Returns
 * a NUL-terminated string (caller frees) or NULL (errno ENOENT when the
 * file does not exist). */
static char *read_small(int dfd, const char *name, size_t *length)
{
    int fd = cs_outdir_x_openat(dfd, name, O_RDONLY | O_NOFOLLOW, name);
    if (fd < 0)
        return NULL;
    buffer b = {0};
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || b.length + (size_t)n > JOURNAL_MAX) {
            b.failed = 1;
            break;
        }
        if (n == 0)
            break;
        cs_outdir_buf_add(&b, chunk, (size_t)n);
    }
    close(fd);
    if (b.failed) {
        free(b.text);
        errno = EIO;
        return NULL;
    }
    if (!b.text)
        b.text = strdup("");
    if (!b.text)
        errno = ENOMEM;
    if (length)
        *length = b.length;
    return b.text;
}

/* Parses " <n>:<bytes>" at *p (within end); returns a new string or NULL. */
static char *parse_field(const char **p, const char *end)
{
    const char *s = *p;
    if (s >= end || *s != ' ')
        return NULL;
    s++;
    size_t n = 0;
    int digits = 0;
    while (s < end && *s >= '0' && *s <= '9' && digits < 9) {
        n = n * 10 + (size_t)(*s - '0');
        s++;
        digits++;
    }
    if (!digits || s >= end || *s != ':' || (size_t)(end - s - 1) < n)
        return NULL;
    s++;
    char *out = strndup(s, n);
    if (out && strlen(out) != n) { /* a NUL inside: not ours */
        free(out);
        return NULL;
    }
    *p = s + n;
    return out;
}

/* Renames src over dest (both absolute) without following a link at
 * dest's last directory component. ENOENT on src: already done. */
static int replay_rename(const char *src, const char *dest)
{
    struct stat st;
    if (lstat(src, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    char *parent = cs_outdir_dir_of(dest);
    if (!parent)
        return -1;
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    free(parent);
    if (pfd < 0)
        return -1;
    int rc = cs_outdir_x_renameat(AT_FDCWD, src, pfd, cs_outdir_base_of(dest), dest);
    if (rc == 0 && cs_outdir_x_fsync(pfd, dest) != 0)
        rc = -1;
    close(pfd);
    return rc;
}

static int replay_remove(const char *dest)
{
    char *parent = cs_outdir_dir_of(dest);
    if (!parent)
        return -1;
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    free(parent);
    if (pfd < 0)
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : -1;
    int rc = cs_outdir_x_unlinkat(pfd, cs_outdir_base_of(dest), 0, dest);
    if (rc != 0 && (errno == ENOENT || errno == ENOTDIR || errno == EISDIR || errno == EPERM))
        rc = 0;
    close(pfd);
    return rc;
}

typedef struct {
    char kind; /* 'S', 'M', 'R' or 'D' */
    char *a, *b;
} entry;

static void free_entries(entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].a);
        free(e[i].b);
    }
    free(e);
}

/* Parses a journal; returns its entries (count in *n), or NULL with
 * *n = 0 when it is not a complete journal of ours, or NULL with *n = 1
 * on out of memory. */
static entry *parse_journal(const char *text, size_t length, size_t *n)
{
    const char *p = text, *end = text + length;
    static const char head[] = "costsim-journal 1\n";
    *n = 0;
    /* Only a complete journal (ending in "E\n") was ever committed. */
    if (length < sizeof head + 1 || memcmp(p, head, sizeof head - 1) != 0 ||
        memcmp(end - 2, "E\n", 2) != 0)
        return NULL;
    p += sizeof head - 1;
    entry *entries = NULL;
    size_t count = 0;
    while (p < end && *p != 'E') {
        char kind = *p++;
        char *a = parse_field(&p, end), *b = kind == 'R' ? parse_field(&p, end) : NULL;
        entry *grown = realloc(entries, (count + 1) * sizeof *entries);
        if (grown)
            entries = grown;
        if (!a || (kind == 'R' && !b) || p >= end || *p != '\n' || !grown ||
            (kind != 'R' && kind != 'D' && kind != 'S' && kind != 'M')) {
            free(a);
            free(b);
            free_entries(entries, count);
            *n = grown ? 0 : 1;
            return NULL;
        }
        p++;
        entries[count++] = (entry){kind, a, b};
    }
    if (p != end - 2) {
        free_entries(entries, count);
        return NULL;
    }
    *n = count;
    return entries;
}

/* Replays the journal text of the stage `name` in dfd (whose lock the
 * caller holds): every entry is tried, directories first, then renames,
 * then removals. When all succeed, removes every stage it lists. Returns
 * 0, or -1 with the journal left in place for a later run. A journal that
 * is not complete was never committed: the stage is removed. */
static int replay(int dfd, const char *name, int sfd, const char *text, size_t length)
{
    size_t n;
    entry *e = parse_journal(text, length, &n);
    if (!e && n == 1) {
        errno = ENOMEM;
        return -1;
    }
    if (!e) {
        cs_outdir_remove_stage(dfd, name);
        return 0;
    }
    /* The journal's paths are absolute: they must still name this stage
     * (not so if its directory was moved or renamed since). */
    struct stat recorded, here;
    if (n == 0 || e[0].kind != 'S' || stat(e[0].a, &recorded) != 0 || fstat(sfd, &here) != 0 ||
        recorded.st_dev != here.st_dev || recorded.st_ino != here.st_ino) {
        free_entries(e, n);
        return -2;
    }
    int rc = 0, err = 0;
    static const char order[] = "MRD";
    for (const char *kind = order; *kind; kind++) {
        for (size_t i = 0; i < n; i++) {
            if (e[i].kind != *kind)
                continue;
            int failed;
            if (*kind == 'M')
                failed = FAULT("mkdir", e[i].a) || (mkdir(e[i].a, 0777) != 0 && errno != EEXIST);
            else if (*kind == 'R')
                failed = replay_rename(e[i].a, e[i].b) != 0;
            else
                failed = replay_remove(e[i].a) != 0;
            if (failed && rc == 0) {
                err = errno;
                rc = -1;
            }
        }
    }
    if (rc == 0) {
        /* Done: the journal goes first, then every other stage, then ours. */
        cs_outdir_x_unlinkat(sfd, "journal", 0, "journal");
        for (size_t i = 0; i < n; i++)
            if (e[i].kind == 'S' && i > 0)
                remove_stage_path(e[i].a);
        cs_outdir_remove_stage(dfd, name);
    }
    free_entries(e, n);
    errno = err;
    return rc;
}

static int recover_stage(int dfd, const char *name, int depth);

/* A stage without a journal but with a "master": replay the master if it
 * was committed. When the master lives in a --out DIR (it has a lock
 * file), that lock is taken first; if another run holds it, that run
 * completes the master itself. */
static int recover_master(const char *master)
{
    char *parent = cs_outdir_dir_of(master);
    if (!parent)
        return -1;
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(parent);
    if (pfd < 0)
        return 0; /* gone: nothing to complete */
    int lock = openat(pfd, LOCK_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    int rc = 0;
    if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) == 0)
        rc = recover_stage(pfd, cs_outdir_base_of(master), 1);
    if (lock >= 0)
        close(lock);
    close(pfd);
    return rc;
}

/* Completes or removes the stage `name` in dfd if its owner is dead (its
 * lock is free). Returns 0, or -1 (errno set) when a committed journal
 * could not be replayed, -2 when its paths no longer lead to it. */
static int recover_stage(int dfd, const char *name, int depth)
{
    int sfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0)
        return 0; /* gone, or not a directory: not ours */
    if (flock(sfd, LOCK_EX | LOCK_NB) != 0) {
        close(sfd);
        return 0; /* its run is alive */
    }
    int rc = 0;
    size_t length = 0;
    errno = 0;
    char *journal = read_small(sfd, "journal", &length);
    if (journal) {
        rc = replay(dfd, name, sfd, journal, length);
        free(journal);
    } else if (errno != ENOENT) {
        rc = -1; /* a journal we cannot read may be a commit: keep it */
    } else {
        errno = 0;
        char *master = depth == 0 ? read_small(sfd, "master", NULL) : NULL;
        if (master && master[0] == '/')
            rc = recover_master(master);
        else if (!master && depth == 0 && errno != ENOENT)
            rc = -1;
        free(master);
        if (rc == 0)
            cs_outdir_remove_stage(dfd, name);
    }
    close(sfd);
    return rc;
}

/* Recovers every stage in the directory dfd; adds a message naming path
 * and returns -1 when a committed one cannot be completed. */
int cs_outdir_recover_directory(int dfd, const char *path, cs_diag *diag)
{
    int copy = dup(dfd);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    if (!d) {
        if (copy >= 0)
            close(copy);
        return 0;
    }
    size_t n;
    char **names = read_names(d, STAGE_PREFIX, &n);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int status = recover_stage(dfd, names[i], 0);
        if (status != 0 && rc == 0) {
            char *stage = cs_outdir_join(path, names[i]);
            if (status == -2)
                cs_diag_add(diag, stage ? stage : path, 0, NULL,
                            "an earlier run was killed while committing its outputs, and its "
                            "journal names another place (was the directory moved?); remove "
                            "this directory by hand to go on: some of its files may be new and "
                            "others old");
            else
                cs_diag_add(diag, stage ? stage : path, 0, NULL,
                            "an earlier run stopped while committing its outputs and its "
                            "journal cannot be completed: %s; nothing new is written until it "
                            "is (fix the cause and run again, or remove this directory by hand "
                            "to give that run up: some of its files may be new and others old)",
                            strerror(errno));
            free(stage);
            rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}
