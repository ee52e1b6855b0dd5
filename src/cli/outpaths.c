/* outpaths: output paths checked before any simulation. See outpaths.h.
 *
 * Outputs usually do not exist yet, so they are compared by a canonical
 * spelling: the real path of the longest existing prefix (links resolved)
 * followed by the rest as given. Existing files are also compared by
 * device and inode, which catches hard links. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "outpaths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "loader.h"
#include "outdir.h"
#include "report_xlsx.h"

typedef struct {
    const char *command;
    int problems;
} checker;

static void problem(checker *c, const char *path, const char *what)
{
    fprintf(stderr, "costsim %s: ", c->command);
    cs_cli_print_clean(stderr, path);
    fputs(": ", stderr);
    cs_cli_print_clean(stderr, what); /* may name a directory of path */
    fputc('\n', stderr);
    c->problems++;
}

/* A new string: the directory part of path ("." when it has none). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", dir, name);
    return out;
}

/* Whether dir is append-only (chattr +a): names can be added there but
 * not replaced or removed, so a run could not replace its files, nor the
 * probe below be removed. */
static bool append_only(const char *dir)
{
#ifdef FS_IOC_GETFLAGS
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), flags = 0;
    bool yes = fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_APPEND_FL);
    if (fd >= 0)
        close(fd);
    return yes;
#else
    (void)dir;
    return false;
#endif
}

/* Creates and removes a hidden directory in dir: 0 when that works, else
 * the errno of the failure. In an append-only directory, only whether a
 * directory can be created there (the run's new --out), when the run
 * needs nothing else of it (replace is false); else EPERM. */
static int probe_writable(const char *dir, bool replace)
{
    if (append_only(dir))
        return replace ? EPERM : access(dir, W_OK | X_OK) == 0 ? 0 : errno;
    size_t n = strlen(dir) + 32;
    char *probe = malloc(n);
    if (!probe)
        return ENOMEM;
    snprintf(probe, n, "%s/.costsim-check-XXXXXX", dir);
    int err = 0;
    if (!mkdtemp(probe))
        err = errno;
    else if (rmdir(probe) != 0) /* a run could not remove its staging directory either */
        err = errno;
    free(probe);
    return err;
}

/* Why probe_writable(dir, true) failed with err, in words. */
static const char *why_not(const char *dir, int err)
{
    return append_only(dir) ? "it is append-only (chattr +a): a run could not replace or "
                              "remove its files there"
                            : strerror(err);
}

/* Canonical spelling of path (see the file comment), in a new string. */
static char *canonical(const char *path)
{
    char *prefix = strdup(path);
    if (!prefix)
        return NULL;
    size_t len = strlen(prefix);
    for (;;) {
        char *real = realpath(len ? prefix : ".", NULL);
        if (real) {
            const char *rest = path + len;
            while (*rest == '/')
                rest++;
            size_t n = strlen(real) + strlen(rest) + 2;
            char *out = malloc(n);
            if (out)
                snprintf(out, n, "%s%s%s", real, *rest && strcmp(real, "/") ? "/" : "", rest);
            free(real);
            free(prefix);
            return out;
        }
        /* Drop the last component and try again. */
        while (len > 0 && prefix[len - 1] == '/')
            prefix[--len] = '\0';
        while (len > 0 && prefix[len - 1] != '/')
            prefix[--len] = '\0';
        if (len == 0 && path[0] == '/') {
            free(prefix);
            return strdup(path);
        }
    }
}

/* The writer works with absolute paths (its journal, docs/LIMITS.md): the
 * absolute spelling of path with extra bytes after it (a staging directory
 * and a file name) must fit in PATH_MAX. Reports it and returns false when
 * it does not. */
static bool check_length(checker *c, const char *option, const char *path, size_t extra)
{
    /* Each name in the path, too: a file name longer than a directory
     * entry can hold would fail only at the commit, after the trials. */
    for (const char *name = path; *name;) {
        size_t len = strcspn(name, "/");
        if (len > NAME_MAX) {
            char what[256];
            snprintf(what, sizeof what,
                     "%s: a name in the path is %zu bytes long; at most %d fit in one "
                     "file or directory name",
                     option, len, NAME_MAX);
            problem(c, path, what);
            return false;
        }
        name += len;
        name += strspn(name, "/");
    }
    char *abs = canonical(path);
    size_t n = abs ? strlen(abs) : strlen(path);
    free(abs);
    if (n + extra < PATH_MAX)
        return true;
    char what[256];
    snprintf(what, sizeof what,
             "%s: the path is too long: %zu bytes spelt from '/', at most %zu can be written",
             option, n, (size_t)PATH_MAX - extra - 1);
    problem(c, path, what);
    return false;
}

/* "/.costsim-stage-XXXXXX/", "a/" or "b/" (compare) and the longest name a
 * run gives a file of --out. */
#define OUT_DIR_EXTRA 64
/* "/.costsim-stage-XXXXXX/" in front of a --report or --xlsx file's name. */
#define FILE_EXTRA 24

/* The directory that will hold a new --out DIR: DIR itself when it exists,
 * else its nearest existing ancestor (outdir creates the rest). */
static void check_out_dir(checker *c, const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode) && stat(dir, &st) != 0) {
        problem(c, dir, "--out is a symbolic link to something that does not exist; give "
                        "a directory (it is created if needed) or fix the link");
        return;
    }
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            problem(c, dir, "--out names a file that is not a directory; give a directory "
                            "(it is created if needed)");
            return;
        }
        int err = probe_writable(dir, true);
        if (err) {
            char what[256];
            snprintf(what, sizeof what, "--out directory is not writable (%s)",
                     why_not(dir, err));
            problem(c, dir, what);
        }
        return;
    }
    char *ancestor = strdup(dir);
    if (!ancestor)
        return;
    for (;;) {
        char *up = dir_of(ancestor);
        free(ancestor);
        ancestor = up;
        if (!ancestor)
            return;
        if (stat(ancestor, &st) == 0)
            break;
        if (!strcmp(ancestor, ".") || !strcmp(ancestor, "/"))
            break;
    }
    char what[512];
    if (stat(ancestor, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(what, sizeof what, "--out directory cannot be created: '%s' is not a "
                 "directory", ancestor);
        problem(c, dir, what);
    } else {
        int err = probe_writable(ancestor, false);
        if (err) {
            snprintf(what, sizeof what, "--out directory cannot be created in '%s' (%s)",
                     ancestor, strerror(err));
            problem(c, dir, what);
        }
    }
    free(ancestor);
}

/* Whether dir and out_dir (may be NULL) are the same directory, spelt
 * either way; neither needs to exist. */
static bool is_out_dir(const char *dir, const char *out_dir)
{
    if (!out_dir)
        return false;
    char *a = canonical(dir), *b = canonical(out_dir);
    bool same = a && b && !strcmp(a, b);
    free(a);
    free(b);
    return same;
}

/* The run writes its files into --out DIR: a name it may write there that
 * is already a directory or a special file (a FIFO, a device), or a link
 * to one or into /proc, would stop it only after the trials, and so would
 * a lock file it cannot take; for a comparison, DIR/a and DIR/b are the
 * directories it writes into, so they must be directories (not links)
 * if they exist, and neither may be a model directory. */
static void check_out_entries(checker *c, const char *dir, const char *const *managed,
                              const cs_model *const *models, int n_models)
{
    char what[512];
    struct stat st;
    for (size_t f = 0; managed && managed[f]; f++) {
        char *path = join(dir, managed[f]);
        const char *kind = path ? cs_outdir_unreplaceable(AT_FDCWD, path) : NULL;
        if (kind) {
            snprintf(what, sizeof what,
                     "this is %s, but the run writes its %s here; move it out of the --out "
                     "directory",
                     kind, managed[f]);
            problem(c, path, what);
        }
        free(path);
    }
    const char *lock = cs_outdir_lock_unusable(dir);
    if (lock) {
        char *path = join(dir, cs_outdir_lock_name);
        snprintf(what, sizeof what,
                 "this is %s, but the run locks the --out directory through a regular file "
                 "of this name; remove it",
                 lock);
        if (path)
            problem(c, path, what);
        free(path);
    }
    for (int side = 0; n_models == 2 && side < 2; side++) {
        char *sub = join(dir, side ? "b" : "a");
        if (!sub)
            return;
        if (lstat(sub, &st) == 0 && !S_ISDIR(st.st_mode)) {
            snprintf(what, sizeof what,
                     "this is not a directory, but compare writes scenario %c's files into "
                     "it; move it out of the --out directory",
                     side ? 'B' : 'A');
            problem(c, sub, what);
        } else {
            char *into = canonical(sub);
            bool named = false; /* once, when both scenarios use that model */
            for (int k = 0; into && k < n_models && !named; k++) {
                char *model_dir = models[k]->model_dir ? canonical(models[k]->model_dir) : NULL;
                if (model_dir && !strcmp(model_dir, into)) {
                    snprintf(what, sizeof what,
                             "this is the model directory of scenario %c, but compare writes "
                             "scenario %c's files into it; write them elsewhere",
                             k ? 'B' : 'A', side ? 'B' : 'A');
                    problem(c, sub, what);
                    named = true;
                }
                free(model_dir);
            }
            free(into);
        }
        free(sub);
    }
}

/* --report FILE or --xlsx FILE: its directory exists and is writable (or
 * is the --out directory, checked and created as such), and FILE is not a
 * directory. */
static void check_file(checker *c, const char *option, const char *path, const char *out_dir)
{
    char what[512];
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(what, sizeof what, "%s names a directory; give a file name", option);
        problem(c, path, what);
        return;
    }
    const char *kind = cs_outdir_unreplaceable(AT_FDCWD, path);
    if (kind) {
        /* The file would be replaced by a new one: a device or a FIFO
         * (/dev/null, /dev/full), or a link to one or into /proc
         * (/dev/stdout), is not an output to replace. */
        snprintf(what, sizeof what, "%s names %s, not a regular file; give a file name",
                 option, kind);
        problem(c, path, what);
        return;
    }
    char *dir = dir_of(path);
    if (!dir)
        return;
    if (is_out_dir(dir, out_dir)) {
        /* e.g. --out results --report results/report-2026.html */
    } else if (stat(dir, &st) != 0) {
        snprintf(what, sizeof what, "%s: directory '%s' does not exist; create it first",
                 option, dir);
        problem(c, path, what);
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(what, sizeof what, "%s: '%s' is not a directory", option, dir);
        problem(c, path, what);
    } else {
        int err = probe_writable(dir, true);
        if (err) {
            snprintf(what, sizeof what, "%s: directory '%s' is not writable (%s)", option, dir,
                     why_not(dir, err));
            problem(c, path, what);
        }
    }
    free(dir);
}

/* A --report or --xlsx file named *.csv in a model directory would be read
 * by the model's next load, as a model file (--xlsx model/risks.csv when
 * there is no risks.csv yet) or as a stray one: refused. */
static void check_not_model_csv(checker *c, const char *option, const char *path,
                                const cs_model *const *models, int n_models)
{
    if (!cs_loader_is_csv_name(path))
        return;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    for (size_t k = 0; cs_loader_model_files[k]; k++)
        if (!strcmp(base, cs_loader_model_files[k]) && access(path, F_OK) == 0)
            return; /* an input: "would overwrite a model file" says it */
    char *dir = dir_of(path), *in = dir ? canonical(dir) : NULL;
    bool named = false;
    for (int k = 0; in && k < n_models && !named; k++) {
        char *model_dir = models[k]->model_dir ? canonical(models[k]->model_dir) : NULL;
        if (model_dir && !strcmp(model_dir, in)) {
            char what[256];
            snprintf(what, sizeof what,
                     "%s names a .csv file in the model directory, which the model's next "
                     "load would read; write it elsewhere",
                     option);
            problem(c, path, what);
            named = true;
        }
        free(model_dir);
    }
    free(in);
    free(dir);
}

/* One output or input, as given and canonically spelt. */
typedef struct {
    char *path;      /* as the user would recognise it */
    char *canonical;
    const char *what; /* "--report", "--out", "scenario", "model file" */
} named_path;

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static bool collide(const named_path *a, const named_path *b)
{
    return (a->canonical && b->canonical && !strcmp(a->canonical, b->canonical)) ||
           same_file(a->path, b->path);
}

static bool push(named_path **list, size_t *n, char *path, const char *what)
{
    named_path *grown = path ? realloc(*list, (*n + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(path);
        return false;
    }
    *list = grown;
    grown[*n] = (named_path){path, canonical(path), what};
    (*n)++;
    return true;
}

int cs_cli_check_outputs(const char *command, const cs_cli_outputs *out,
                         const cs_model *const *models, int n_models)
{
    checker c = {command, 0};
    if (out->out_dir && check_length(&c, "--out", out->out_dir, OUT_DIR_EXTRA)) {
        check_out_dir(&c, out->out_dir);
        check_out_entries(&c, out->out_dir, out->managed, models, n_models);
    }
    if (out->report && check_length(&c, "--report", out->report, FILE_EXTRA)) {
        check_file(&c, "--report", out->report, out->out_dir);
        check_not_model_csv(&c, "--report", out->report, models, n_models);
    }
    if (out->xlsx && check_length(&c, "--xlsx", out->xlsx, FILE_EXTRA)) {
        check_file(&c, "--xlsx", out->xlsx, out->out_dir);
        check_not_model_csv(&c, "--xlsx", out->xlsx, models, n_models);
    }

    /* Every input and every output file, to compare in pairs. */
    named_path *inputs = NULL, *outputs = NULL;
    size_t n_inputs = 0, n_outputs = 0;
    bool ok = true;
    for (int k = 0; k < n_models && ok; k++) {
        const cs_model *m = models[k];
        ok = push(&inputs, &n_inputs, strdup(m->scenario_path), "the scenario file");
        for (size_t f = 0; ok && m->model_dir && cs_loader_model_files[f]; f++) {
            char *path = join(m->model_dir, cs_loader_model_files[f]);
            if (path && access(path, F_OK) != 0) {
                free(path);
                continue;
            }
            ok = push(&inputs, &n_inputs, path, "a model file");
        }
    }
    if (ok && out->out_dir)
        ok = push(&outputs, &n_outputs, strdup(out->out_dir), "--out");
    if (ok && out->report)
        ok = push(&outputs, &n_outputs, strdup(out->report), "--report");
    if (ok && out->xlsx)
        ok = push(&outputs, &n_outputs, strdup(out->xlsx), "--xlsx");
    for (size_t f = 0; ok && out->out_dir && out->managed && out->managed[f]; f++)
        ok = push(&outputs, &n_outputs, join(out->out_dir, out->managed[f]), "--out");
    /* --out into a model directory would mix the run's CSV files with the
     * model's (and every later run would warn about them). */
    for (int k = 0; ok && out->out_dir && k < n_models; k++) {
        if (models[k]->model_dir && n_outputs > 0) {
            char *model_dir = canonical(models[k]->model_dir);
            if (model_dir && outputs[0].canonical && !strcmp(model_dir, outputs[0].canonical))
                problem(&c, out->out_dir, "--out is the model directory; the run's CSV files "
                                          "would mix with the model's; write them elsewhere");
            free(model_dir);
        }
    }
    if (!ok) {
        fprintf(stderr, "costsim %s: out of memory\n", command);
        c.problems++;
    }
    char what[512];
    for (size_t i = 0; ok && i < n_outputs; i++) {
        /* The --out directory itself (first when given) only meets the
         * other outputs; its files meet the inputs. */
        bool is_dir = out->out_dir && i == 0;
        for (size_t j = 0; j < n_inputs && !is_dir; j++) {
            if (collide(&outputs[i], &inputs[j])) {
                snprintf(what, sizeof what, "%s would overwrite %s ('%s'); write the outputs "
                         "elsewhere", outputs[i].what, inputs[j].what, inputs[j].path);
                problem(&c, outputs[i].path, what);
                break;
            }
        }
        for (size_t j = 0; j < i; j++) {
            if (collide(&outputs[i], &outputs[j])) {
                snprintf(what, sizeof what, "%s and %s name the same file; give each output "
                         "its own name", outputs[j].what, outputs[i].what);
                problem(&c, outputs[i].path, what);
                break;
            }
        }
    }
    for (size_t i = 0; i < n_inputs; i++) {
        free(inputs[i].path);
        free(inputs[i].canonical);
    }
    for (size_t i = 0; i < n_outputs; i++) {
        free(outputs[i].path);
        free(outputs[i].canonical);
    }
    free(inputs);
    free(outputs);

    if (out->xlsx) {
        cs_diag *d = cs_diag_alloc();
        for (int k = 0; d && k < n_models; k++)
            if (cs_report_xlsx_check(models[k], out->trials_out, out->xlsx, d) != 0)
                break;
        if (d && cs_diag_count(d) > 0) {
            fprintf(stderr, "costsim %s: ", command);
            cs_cli_print_diag(d, "costsim: warning: ");
            c.problems++;
        }
        cs_diag_free(d);
    }
    if (c.problems)
        fprintf(stderr, "costsim %s: nothing was simulated or written\n", command);
    return c.problems ? 2 : 0;
}
