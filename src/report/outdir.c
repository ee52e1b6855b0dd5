/* outdir: all-or-nothing output files (SPEC §11; see outdir.h).
 *
 * Temporaries are ".NAME.tmp-<pid>-<n>" next to their final file, so the
 * rename is atomic (same filesystem). Their paths also live in a fixed
 * static registry that a signal handler can walk without allocating.
 * Open, create, commit and abort are meant for one thread at a time; the
 * registry tolerates a signal at any point. It does not lock against other
 * processes writing the same directory.
 *
 * Test hook: when the environment variable COSTSIM_TEST_FAIL_WRITE equals
 * an output's name (as given to cs_outdir_create, or the path given to
 * cs_outdir_write_file_atomic), its temporary is still created but the FILE writes
 * to /dev/full, so the commit meets ENOSPC as on a full disk. */
#include "outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Registry of temporaries (read by the signal handler) ---------------- */

#define TEMP_SLOTS 128
#define TEMP_PATH_MAX 4096

enum { SLOT_FREE, SLOT_CLAIMED, SLOT_ACTIVE };

/* The path is written before the slot turns ACTIVE (a sequentially
 * consistent store), so the handler never sees half a path. */
static struct {
    atomic_int state;
    char path[TEMP_PATH_MAX];
} temp_slots[TEMP_SLOTS];

static atomic_ulong temp_counter;

static int slot_claim(void)
{
    for (int i = 0; i < TEMP_SLOTS; i++) {
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&temp_slots[i].state, &expected, SLOT_CLAIMED))
            return i;
    }
    return -1;
}

static void slot_release(int slot) { atomic_store(&temp_slots[slot].state, SLOT_FREE); }

/* Only unlink() and atomic loads: both async-signal-safe. */
void cs_outdir_abort_signal(void)
{
    for (int i = 0; i < TEMP_SLOTS; i++)
        if (atomic_load(&temp_slots[i].state) == SLOT_ACTIVE)
            unlink(temp_slots[i].path);
}

/* ---- Helpers -------------------------------------------------------------- */

static char *cs_input_join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    int slash = n > 0 && dir[n - 1] != '/';
    char *out = malloc(n + (size_t)slash + strlen(name) + 1);
    if (!out)
        return NULL;
    memcpy(out, dir, n);
    if (slash)
        out[n++] = '/';
    strcpy(out + n, name);
    return out;
}

static int is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Opens a new temporary beside final_path and registers it. hook_name is
 * compared with COSTSIM_TEST_FAIL_WRITE. On failure adds a message naming
 * final_path and returns NULL. */
static FILE *open_temp(const char *final_path, const char *hook_name, int *slot_out,
                       cs_diag *diag)
{
    int slot = slot_claim();
    if (slot < 0) {
        cs_diag_add(diag, final_path, 0, NULL,
                    "cannot create: more than %d output files open at once", TEMP_SLOTS);
        return NULL;
    }
    const char *base = strrchr(final_path, '/');
    int dir_length = base ? (int)(base - final_path + 1) : 0;
    base = base ? base + 1 : final_path;
    char *path = temp_slots[slot].path;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        unsigned long n = atomic_fetch_add(&temp_counter, 1) + 1;
        int length = snprintf(path, TEMP_PATH_MAX, "%.*s.%s.tmp-%ld-%lu", dir_length,
                              final_path, base, (long)getpid(), n);
        if (length < 0 || length >= TEMP_PATH_MAX) {
            slot_release(slot);
            cs_diag_add(diag, final_path, 0, NULL, "cannot create: the path is too long");
            return NULL;
        }
        /* Active before the file exists: a signal in between only unlinks
         * a name that does not exist yet. */
        atomic_store(&temp_slots[slot].state, SLOT_ACTIVE);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
        if (fd < 0)
            atomic_store(&temp_slots[slot].state, SLOT_CLAIMED);
    }
    if (fd < 0) {
        int err = errno;
        slot_release(slot);
        cs_diag_add(diag, final_path, 0, NULL, "cannot create: %s", strerror(err));
        return NULL;
    }
    const char *fail = getenv("COSTSIM_TEST_FAIL_WRITE");
    if (fail && strcmp(fail, hook_name) == 0) {
        int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
        if (full >= 0) {
            close(fd);
            fd = full;
        }
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int err = errno;
        close(fd);
        unlink(path);
        slot_release(slot);
        cs_diag_add(diag, final_path, 0, NULL, "cannot create: %s", strerror(err));
        return NULL;
    }
    *slot_out = slot;
    return f;
}

/* Flushes, fsyncs and closes f, reporting the first error against
 * final_path. Returns 0 or -1; f is closed either way. */
static int close_checked(FILE *f, const char *final_path, cs_diag *diag)
{
    int err = 0;
    errno = 0;
    if (fflush(f) != 0 || ferror(f))
        err = errno ? errno : EIO;
    /* EINVAL: the file does not support syncing (not a regular file). */
    if (!err && fsync(fileno(f)) != 0 && errno != EINVAL)
        err = errno;
    errno = 0;
    if (fclose(f) != 0 && !err)
        err = errno ? errno : EIO;
    if (err) {
        cs_diag_add(diag, final_path, 0, NULL, "cannot write: %s", strerror(err));
        return -1;
    }
    return 0;
}

/* Length of the directory part of path (0 when it has none). */
static size_t parent_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) : 0;
}

/* Makes the renames durable; best effort (some filesystems refuse). */
static void sync_directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : parent_length(path)) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Renames the temporary in slot over final_path, refusing to replace a
 * directory. Releases the slot on success. */
static int install(int slot, const char *final_path, cs_diag *diag)
{
    if (is_directory(final_path)) {
        cs_diag_add(diag, final_path, 0, NULL, "cannot write: it is a directory");
        return -1;
    }
    if (rename(temp_slots[slot].path, final_path) != 0) {
        cs_diag_add(diag, final_path, 0, NULL, "cannot write: %s", strerror(errno));
        return -1;
    }
    slot_release(slot);
    return 0;
}

static void discard(int slot)
{
    unlink(temp_slots[slot].path);
    slot_release(slot);
}

/* ---- Output directories --------------------------------------------------- */

typedef struct {
    char *name;       /* as given, relative to dir */
    char *final_path; /* dir/name */
    FILE *f;          /* NULL once closed */
    int slot;         /* registry slot of the temporary; -1 once gone */
} outfile;

struct cs_outdir {
    char *dir;
    char **managed;
    size_t n_managed;
    outfile *files;
    size_t n_files, capacity;
    char **created; /* directories this outdir made, outermost first */
    size_t n_created, created_capacity;
};

static int remember_created(cs_outdir *o, const char *path)
{
    if (o->n_created == o->created_capacity) {
        size_t capacity = o->created_capacity ? 2 * o->created_capacity : 8;
        char **grown = realloc(o->created, capacity * sizeof *grown);
        if (!grown)
            return -1;
        o->created = grown;
        o->created_capacity = capacity;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    o->created[o->n_created++] = copy;
    return 0;
}

/* mkdir with "exists as a directory" as success. Reports against label. */
static int make_directory(cs_outdir *o, const char *path, const char *label, cs_diag *diag)
{
    if (mkdir(path, 0777) == 0) {
        if (remember_created(o, path) == 0)
            return 0;
        cs_diag_add(diag, label, 0, NULL, "out of memory");
        return -1;
    }
    int err = errno;
    if (is_directory(path))
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

/* Removes the directories this outdir created, innermost first, if they
 * are empty (rmdir refuses otherwise). */
static void remove_created(cs_outdir *o)
{
    for (size_t i = o->n_created; i-- > 0;)
        rmdir(o->created[i]);
}

static void outdir_free(cs_outdir *o)
{
    free(o->dir);
    for (size_t i = 0; i < o->n_managed; i++)
        free(o->managed[i]);
    free(o->managed);
    for (size_t i = 0; i < o->n_files; i++) {
        free(o->files[i].name);
        free(o->files[i].final_path);
    }
    free(o->files);
    for (size_t i = 0; i < o->n_created; i++)
        free(o->created[i]);
    free(o->created);
    free(o);
}

cs_outdir *cs_outdir_open(const char *dir, const char *const *managed, cs_diag *diag)
{
    cs_outdir *o = calloc(1, sizeof *o);
    if (!o || !(o->dir = strdup(dir))) {
        free(o);
        cs_diag_add(diag, dir, 0, NULL, "out of memory");
        return NULL;
    }
    size_t n = 0;
    while (managed && managed[n])
        n++;
    o->managed = calloc(n + 1, sizeof *o->managed);
    for (size_t i = 0; o->managed && i < n; i++, o->n_managed++)
        if (!(o->managed[i] = strdup(managed[i])))
            break;
    if (!o->managed || o->n_managed < n) {
        outdir_free(o);
        cs_diag_add(diag, dir, 0, NULL, "out of memory");
        return NULL;
    }
    if (make_directories(o, dir, diag) != 0) {
        remove_created(o);
        outdir_free(o);
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
    for (const char *start = name;; ) {
        const char *end = strchr(start, '/');
        size_t length = end ? (size_t)(end - start) : strlen(start);
        if (length == 0 || (length == 1 && start[0] == '.')
            || (length == 2 && start[0] == '.' && start[1] == '.'))
            return 0;
        if (!end)
            return 1;
        if (++slashes > 1)
            return 0;
        start = end + 1;
    }
}

FILE *cs_outdir_create(cs_outdir *o, const char *name, cs_diag *diag)
{
    char *final_path = cs_input_join_path(o->dir, name);
    if (!final_path) {
        cs_diag_add(diag, o->dir, 0, NULL, "out of memory");
        return NULL;
    }
    if (!valid_name(name)) {
        cs_diag_add(diag, final_path, 0, NULL,
                    "invalid output name; allowed: NAME or SUBDIR/NAME inside the directory");
        free(final_path);
        return NULL;
    }
    for (size_t i = 0; i < o->n_files; i++) {
        if (strcmp(o->files[i].name, name) == 0) {
            cs_diag_add(diag, final_path, 0, NULL, "written twice in one run");
            free(final_path);
            return NULL;
        }
    }
    if (o->n_files == o->capacity) {
        size_t capacity = o->capacity ? 2 * o->capacity : 16;
        outfile *grown = realloc(o->files, capacity * sizeof *grown);
        if (!grown) {
            cs_diag_add(diag, final_path, 0, NULL, "out of memory");
            free(final_path);
            return NULL;
        }
        o->files = grown;
        o->capacity = capacity;
    }
    char *name_copy = strdup(name);
    if (!name_copy) {
        cs_diag_add(diag, final_path, 0, NULL, "out of memory");
        free(final_path);
        return NULL;
    }
    const char *slash = strchr(name, '/');
    if (slash) {
        char *subdir = strndup(final_path, strlen(final_path) - strlen(slash));
        int status = subdir ? make_directory(o, subdir, final_path, diag) : -1;
        if (!subdir)
            cs_diag_add(diag, final_path, 0, NULL, "out of memory");
        free(subdir);
        if (status != 0) {
            free(name_copy);
            free(final_path);
            return NULL;
        }
    }
    int slot;
    FILE *f = open_temp(final_path, name, &slot, diag);
    if (!f) {
        free(name_copy);
        free(final_path);
        return NULL;
    }
    o->files[o->n_files++] = (outfile){name_copy, final_path, f, slot};
    return f;
}

static int written_this_run(const cs_outdir *o, const char *name)
{
    for (size_t i = 0; i < o->n_files; i++)
        if (strcmp(o->files[i].name, name) == 0)
            return 1;
    return 0;
}

int cs_outdir_commit(cs_outdir *o, cs_diag *diag)
{
    int failed = 0;
    /* Every file is closed and checked, so each failing one is named. */
    for (size_t i = 0; i < o->n_files; i++) {
        if (close_checked(o->files[i].f, o->files[i].final_path, diag) != 0)
            failed = 1;
        o->files[i].f = NULL;
    }
    /* Refuse before renaming anything if one rename is bound to fail. */
    for (size_t i = 0; i < o->n_files && !failed; i++) {
        if (is_directory(o->files[i].final_path)) {
            cs_diag_add(diag, o->files[i].final_path, 0, NULL, "cannot write: it is a directory");
            failed = 1;
        }
    }
    for (size_t i = 0; i < o->n_files && !failed; i++) {
        if (install(o->files[i].slot, o->files[i].final_path, diag) != 0)
            failed = 1;
        else
            o->files[i].slot = -1;
    }
    if (!failed) {
        for (size_t i = 0; i < o->n_files; i++) {
            const char *path = o->files[i].final_path;
            size_t length = parent_length(path);
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = parent_length(o->files[j].final_path) == length
                       && strncmp(o->files[j].final_path, path, length) == 0;
            if (!seen)
                sync_directory_of(path);
        }
        /* SPEC §11: no stale result survives. */
        for (size_t i = 0; i < o->n_managed; i++) {
            if (written_this_run(o, o->managed[i]))
                continue;
            char *path = cs_input_join_path(o->dir, o->managed[i]);
            if (!path) {
                cs_diag_add(diag, o->dir, 0, NULL, "out of memory");
                failed = 1;
            } else if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR) {
                cs_diag_add(diag, path, 0, NULL, "cannot remove the stale output: %s",
                            strerror(errno));
                failed = 1;
            }
            free(path);
        }
    }
    for (size_t i = 0; i < o->n_files; i++)
        if (o->files[i].slot >= 0)
            discard(o->files[i].slot);
    if (failed)
        remove_created(o);
    outdir_free(o);
    return failed ? -1 : 0;
}

void cs_outdir_abort(cs_outdir *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n_files; i++) {
        if (o->files[i].f)
            fclose(o->files[i].f);
        if (o->files[i].slot >= 0)
            discard(o->files[i].slot);
    }
    remove_created(o);
    outdir_free(o);
}

/* ---- Single files --------------------------------------------------------- */

int cs_outdir_write_file_atomic(const char *path, int (*writer)(FILE *f, void *ctx), void *ctx,
                         cs_diag *diag)
{
    int slot;
    FILE *f = open_temp(path, path, &slot, diag);
    if (!f)
        return -1;
    size_t messages = cs_diag_count(diag);
    int status = writer(f, ctx);
    if (status != 0 && cs_diag_count(diag) == messages)
        cs_diag_add(diag, path, 0, NULL, "cannot write: the output could not be produced");
    if (close_checked(f, path, diag) != 0)
        status = -1;
    if (status == 0 && install(slot, path, diag) == 0) {
        sync_directory_of(path);
        return 0;
    }
    discard(slot);
    return -1;
}
