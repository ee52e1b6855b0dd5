/* test_outdir: all-or-nothing output sets: commit, abort, removal of
 * stale managed files, nested names, every refusal, a signal noted before
 * the commit, many open files, and cs_outdir_write_file_atomic. Each test checks
 * the directory listing, so a leftover staging directory fails it. The
 * I/O faults, links, the lock, leftovers of killed runs and the journal
 * are tested by test_outdir_faults.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "costsim.h"
#include "diag.h"
#include "outdir.h"
#include "testutil.h"

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, comma-separated names in dir (hidden ones included), "" when
 * empty, "(missing)" when dir does not exist. Caller frees. */
static char *listing(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return strdup("(missing)");
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);
    char *out = calloc(1, 256 * 300);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, names[i]);
        free(names[i]);
    }
    return out;
}

static void expect_listing(const char *dir, const char *want)
{
    char *got = listing(dir);
    assert_string_equal(got, want);
    free(got);
}

static void expect_file(const char *dir, const char *name, const char *want)
{
    char *p = tu_path(dir, name);
    char *got = tu_read(p, NULL);
    if (!got)
        fail_msg("%s is missing", p);
    assert_string_equal(got, want);
    free(got);
    free(p);
}

/* The only message in diag, formatted, equals want (then cleared). */
static void expect_message(cs_diag *d, const char *want)
{
    assert_int_equal(cs_diag_count(d), 1);
    char *text = cs_diag_format(cs_diag_get(d, 0));
    assert_string_equal(text, want);
    free(text);
    cs_diag_clear(d);
}

static void expect_message_containing(cs_diag *d, const char *part)
{
    assert_int_equal(cs_diag_count(d), 1);
    char *text = cs_diag_format(cs_diag_get(d, 0));
    if (!strstr(text, part))
        fail_msg("\"%s\" lacks \"%s\"", text, part);
    free(text);
    cs_diag_clear(d);
}

static const char *const managed[] = {"summary.csv", "by_year.csv", "trials.csv", "budget.csv",
                                      "a/summary.csv", "a/trials.csv", NULL};

static void commit_writes_every_file(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *dir = tu_path(root, "runs/2024/out"); /* parents created too */
    cs_diag *d = cs_diag_alloc();
    cs_outdir *o = cs_outdir_open(dir, managed, d);
    assert_non_null(o);
    assert_int_equal(cs_diag_count(d), 0);
    FILE *summary = cs_outdir_create(o, "summary.csv", d);
    FILE *nested = cs_outdir_create(o, "a/summary.csv", d);
    FILE *by_year = cs_outdir_create(o, "by_year.csv", d);
    assert_non_null(summary);
    assert_non_null(nested);
    assert_non_null(by_year);
    fputs("measure,mean\nnominal,2.385\n", summary);
    fputs("nested\n", nested);
    /* by_year.csv stays empty: an empty file is still written. */

    /* Before the commit only the lock and one staging directory exist
     * ("a" is made at the commit). */
    char *before = listing(dir);
    assert_true(strncmp(before, ".costsim-lock,.costsim-stage-", 29) == 0);
    assert_int_equal(strlen(before), strlen(".costsim-lock,.costsim-stage-XXXXXX"));
    free(before);
    char *sub = tu_path(dir, "a");

    assert_int_equal(cs_outdir_commit(o, d), 0);
    assert_int_equal(cs_diag_count(d), 0);
    expect_listing(dir, ".costsim-lock,a,by_year.csv,summary.csv");
    expect_listing(sub, "summary.csv");
    expect_file(dir, "summary.csv", "measure,mean\nnominal,2.385\n");
    expect_file(dir, "a/summary.csv", "nested\n");
    expect_file(dir, "by_year.csv", "");

    /* A second run replaces the contents. */
    o = cs_outdir_open(dir, managed, d);
    assert_non_null(o);
    fputs("second\n", cs_outdir_create(o, "summary.csv", d));
    assert_int_equal(cs_outdir_commit(o, d), 0);
    expect_file(dir, "summary.csv", "second\n");
    expect_listing(dir, ".costsim-lock,a,summary.csv"); /* by_year.csv was stale */
    expect_listing(sub, "");              /* so was a/summary.csv */

    cs_diag_free(d);
    free(sub);
    free(dir);
    tu_rmtree(root);
    free(root);
}

static void abort_keeps_old_files(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "summary.csv", "old summary\n"));
    free(tu_write(dir, "trials.csv", "old trials\n"));
    cs_diag *d = cs_diag_alloc();
    cs_outdir *o = cs_outdir_open(dir, managed, d);
    assert_non_null(o);
    fputs("new summary\n", cs_outdir_create(o, "summary.csv", d));
    fputs("new nested\n", cs_outdir_create(o, "a/trials.csv", d));
    cs_outdir_abort(o);
    expect_listing(dir, ".costsim-lock,summary.csv,trials.csv"); /* no "a" */
    expect_file(dir, "summary.csv", "old summary\n");
    expect_file(dir, "trials.csv", "old trials\n");
    assert_int_equal(cs_diag_count(d), 0);
    cs_outdir_abort(NULL);

    /* A directory created by open goes too when nothing was committed. */
    char *fresh = tu_path(dir, "fresh/deeper");
    o = cs_outdir_open(fresh, NULL, d);
    assert_non_null(o);
    fputs("x", cs_outdir_create(o, "summary.csv", d));
    cs_outdir_abort(o);
    expect_listing(dir, ".costsim-lock,summary.csv,trials.csv");
    free(fresh);

    cs_diag_free(d);
    tu_rmtree(dir);
    free(dir);
}

static void stale_managed_removed_others_kept(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "summary.csv", "old\n"));
    free(tu_write(dir, "trials.csv", "stale trials\n"));
    free(tu_write(dir, "a/trials.csv", "stale nested\n"));
    free(tu_write(dir, "notes.txt", "mine\n"));
    free(tu_write(dir, "scurve.csv", "not in the managed list\n"));
    cs_diag *d = cs_diag_alloc();
    cs_outdir *o = cs_outdir_open(dir, managed, d);
    assert_non_null(o);
    fputs("fresh\n", cs_outdir_create(o, "summary.csv", d));
    /* budget.csv and a/summary.csv do not exist: ignored. */
    assert_int_equal(cs_outdir_commit(o, d), 0);
    assert_int_equal(cs_diag_count(d), 0);
    expect_listing(dir, ".costsim-lock,a,notes.txt,scurve.csv,summary.csv");
    char *sub = tu_path(dir, "a");
    expect_listing(sub, "");
    free(sub);
    expect_file(dir, "summary.csv", "fresh\n");
    expect_file(dir, "notes.txt", "mine\n");

    /* A managed name whose directory is a plain file: nothing to remove. */
    char *b_dir = tu_path(dir, "b");
    free(tu_write(dir, "b", "a file, not a directory\n"));
    static const char *const b_managed[] = {"b/summary.csv", NULL};
    o = cs_outdir_open(dir, b_managed, d);
    assert_int_equal(cs_outdir_commit(o, d), 0);
    expect_file(dir, "b", "a file, not a directory\n");
    free(b_dir);

    cs_diag_free(d);
    tu_rmtree(dir);
    free(dir);
}

static void final_name_is_a_directory(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "by_year.csv", "old\n"));
    char *blocker = tu_path(dir, "summary.csv");
    assert_int_equal(mkdir(blocker, 0777), 0);
    cs_diag *d = cs_diag_alloc();
    cs_outdir *o = cs_outdir_open(dir, managed, d);
    fputs("new\n", cs_outdir_create(o, "by_year.csv", d));
    fputs("new\n", cs_outdir_create(o, "summary.csv", d));
    assert_int_equal(cs_outdir_commit(o, d), -1);
    char want[4200];
    snprintf(want, sizeof want, "%s: cannot write: it is a directory", blocker);
    assert_int_equal(cs_diag_count(d), 2);
    char *text = cs_diag_format(cs_diag_get(d, 0));
    assert_string_equal(text, want);
    free(text);
    text = cs_diag_format(cs_diag_get(d, 1));
    assert_string_equal(text, "costsim: no output file was written or changed");
    free(text);
    cs_diag_clear(d);
    expect_listing(dir, ".costsim-lock,by_year.csv,summary.csv");
    expect_file(dir, "by_year.csv", "old\n"); /* not renamed either */
    cs_diag_free(d);
    free(blocker);
    tu_rmtree(dir);
    free(dir);
}

static void directory_refusals(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *file = tu_write(dir, "plain", "x\n");
    cs_diag *d = cs_diag_alloc();
    /* DIR is a file. */
    assert_null(cs_outdir_open(file, managed, d));
    char want[4200];
    snprintf(want, sizeof want,
             "%s: cannot create the output directory: %s exists and is not a directory", file,
             file);
    expect_message(d, want);
    /* A parent is a file. */
    char *below = tu_path(file, "out");
    assert_null(cs_outdir_open(below, managed, d));
    snprintf(want, sizeof want,
             "%s: cannot create the output directory: %s exists and is not a directory", below,
             file);
    expect_message(d, want);
    free(below);
    /* An existing directory, given with a trailing slash. */
    char *slashed = tu_path(dir, "");
    cs_outdir *o = cs_outdir_open(slashed, NULL, d);
    assert_non_null(o);
    FILE *f = cs_outdir_create(o, "x.csv", d);
    assert_non_null(f);
    fputs("ok\n", f);
    assert_int_equal(cs_outdir_commit(o, d), 0);
    expect_file(dir, "x.csv", "ok\n");
    free(slashed);
    expect_listing(dir, ".costsim-lock,plain,x.csv");

    /* An empty name (an unset shell variable) is refused. */
    assert_null(cs_outdir_open("", managed, d));
    expect_message(d, "costsim: the output directory name is empty; give a directory");

    cs_diag_free(d);
    free(file);
    tu_rmtree(dir);
    free(dir);
}

static void name_refusals(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "sub", "a file\n"));
    cs_diag *d = cs_diag_alloc();
    cs_outdir *o = cs_outdir_open(dir, managed, d);
    static const char *const bad[] = {"", "/etc/passwd", "../escape.csv", "a/b/c.csv", "a//b.csv",
                                      "./x.csv", "a/", "a/..", "..", "."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(cs_outdir_create(o, bad[i], d));
        expect_message_containing(d, "invalid output name");
    }
    assert_non_null(cs_outdir_create(o, "summary.csv", d));
    assert_null(cs_outdir_create(o, "summary.csv", d));
    expect_message_containing(d, "summary.csv: written twice in one run");
    /* The subdirectory's name is taken by a file. */
    assert_null(cs_outdir_create(o, "sub/summary.csv", d));
    expect_message_containing(d, "sub exists and is not a directory");
    /* costsim's own names are reserved. */
    assert_null(cs_outdir_create(o, ".costsim-lock", d));
    expect_message_containing(d, "invalid output name");
    assert_null(cs_outdir_create(o, ".costsim-stage-abcdef", d));
    expect_message_containing(d, "invalid output name");
    cs_outdir_abort(o);
    expect_listing(dir, ".costsim-lock,sub");
    cs_diag_free(d);
    tu_rmtree(dir);
    free(dir);
}

/* Many files open at once (compare writes dozens): no fixed limit. */
static void many_open_files(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    cs_diag *d = cs_diag_alloc();
    cs_outdir *o = cs_outdir_open(dir, NULL, d);
    char name[32];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "f%03d.csv", i);
        FILE *f = cs_outdir_create(o, name, d);
        assert_non_null(f);
        fprintf(f, "%d\n", i);
    }
    assert_int_equal(cs_outdir_commit(o, d), 0);
    assert_int_equal(cs_diag_count(d), 0);
    expect_file(dir, "f000.csv", "0\n");
    expect_file(dir, "f199.csv", "199\n");
    char *all = listing(dir);
    assert_true(strncmp(all, ".costsim-lock,f000.csv,", 23) == 0);
    assert_null(strstr(all, "stage"));
    free(all);
    cs_diag_free(d);
    tu_rmtree(dir);
    free(dir);
}

static void on_signal(int sig)
{
    (void)sig;
    cs_outdir_abort_signal();
}

/* A signal noted by the handler before the commit (in a child, since the
 * note lasts for the process): the commit refuses, old files intact, no
 * staging directory left, and the messages say so. */
static void signal_before_commit_refuses_it(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "summary.csv", "old\n"));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cs_diag *d = cs_diag_alloc();
        cs_outdir *o = cs_outdir_open(dir, managed, d);
        fputs("new\n", cs_outdir_create(o, "summary.csv", d));
        fputs("new\n", cs_outdir_create(o, "a/trials.csv", d));
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGUSR1, &action, NULL);
        raise(SIGUSR1);
        int rc = cs_outdir_commit(o, d);
        int ok = rc == -1 && cs_diag_count(d) == 2;
        char *first = ok ? cs_diag_format(cs_diag_get(d, 0)) : NULL;
        char *second = ok ? cs_diag_format(cs_diag_get(d, 1)) : NULL;
        ok = ok && !strcmp(first, "costsim: interrupted by a signal before the commit") &&
             !strcmp(second, "costsim: no output file was written or changed");
        /* Ends by a signal: a memory checker would count what the child
         * inherited as leaks at exit and change its status. */
        int how = ok ? SIGUSR1 : SIGUSR2;
        signal(how, SIG_DFL);
        raise(how);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGUSR1);
    expect_listing(dir, ".costsim-lock,summary.csv");
    expect_file(dir, "summary.csv", "old\n");
    tu_rmtree(dir);
    free(dir);
}

static int write_report(FILE *f, void *ctx)
{
    fputs((const char *)ctx, f);
    return 0;
}

static int fail_report(FILE *f, void *ctx)
{
    fputs("half a rep", f);
    (void)ctx;
    return -1;
}

static int fail_report_with_reason(FILE *f, void *ctx)
{
    (void)f;
    cs_diag_add((cs_diag *)ctx, "model/elements.csv", 3, "low", "not a number");
    return -1;
}

static void single_file_atomic(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *report = tu_path(dir, "report.html");
    cs_diag *d = cs_diag_alloc();
    assert_int_equal(cs_outdir_write_file_atomic(report, write_report, "<p>first</p>\n", d), 0);
    expect_file(dir, "report.html", "<p>first</p>\n");
    assert_int_equal(cs_outdir_write_file_atomic(report, write_report, "<p>second</p>\n", d), 0);
    expect_file(dir, "report.html", "<p>second</p>\n");
    assert_int_equal(cs_diag_count(d), 0);

    /* The writer fails: old file kept, a message, no temporary. */
    assert_int_equal(cs_outdir_write_file_atomic(report, fail_report, NULL, d), -1);
    char want[4200];
    snprintf(want, sizeof want, "%s: cannot write: the output could not be produced", report);
    expect_message(d, want);
    /* ... with its own reason: that one only. */
    assert_int_equal(cs_outdir_write_file_atomic(report, fail_report_with_reason, d, d), -1);
    expect_message(d, "model/elements.csv:3:low: not a number");
    expect_file(dir, "report.html", "<p>second</p>\n");
    expect_listing(dir, "report.html");

    /* No such directory. */
    char *missing = tu_path(dir, "nowhere/report.html");
    assert_int_equal(cs_outdir_write_file_atomic(missing, write_report, "x", d), -1);
    snprintf(want, sizeof want, "%s: cannot create: No such file or directory", missing);
    expect_message(d, want);
    free(missing);

    /* The path is a directory. */
    char *sub = tu_path(dir, "sub");
    assert_int_equal(mkdir(sub, 0777), 0);
    assert_int_equal(cs_outdir_write_file_atomic(sub, write_report, "x", d), -1);
    snprintf(want, sizeof want, "%s: cannot write: it is a directory", sub);
    expect_message(d, want);
    expect_listing(dir, "report.html,sub");
    expect_listing(sub, "");
    free(sub);

    /* A bare file name goes to the working directory. */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(cs_outdir_write_file_atomic("bare.csv", write_report, "b\n", d), 0);
    assert_int_equal(chdir(cwd), 0);
    expect_file(dir, "bare.csv", "b\n");
    expect_listing(dir, "bare.csv,report.html,sub");

    cs_diag_free(d);
    free(report);
    tu_rmtree(dir);
    free(dir);
}

/* A name whose replacement would not do what it stands for: a link into
 * /proc (as /dev/stdout is), a link to a FIFO or a device, a FIFO. Refused
 * when the file is added, and at the commit when it appears after that
 * (the commit's own check), with the link and its target left alone. */
static void unreplaceable_names(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *fifo = tu_path(dir, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct {
        const char *name, *target, *kind;
    } links[] = {
        {"stdout.html", "/proc/self/fd/1", "a link into /proc"},
        {"chain.html", "stdout.html", "a link into /proc"},
        {"tofifo.html", "fifo", "a link to a FIFO"},
        {"null.html", "/dev/null", "a link to a device"},
    };
    cs_diag *d = cs_diag_alloc();
    char want[4200];
    for (size_t k = 0; k < sizeof links / sizeof *links; k++) {
        char *path = tu_path(dir, links[k].name);
        assert_int_equal(symlink(links[k].target, path), 0);
        assert_int_equal(cs_outdir_write_file_atomic(path, write_report, "x", d), -1);
        snprintf(want, sizeof want, "%s: cannot write: it is %s", path, links[k].kind);
        expect_message_containing(d, want);
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        free(path);
    }
    assert_int_equal(cs_outdir_write_file_atomic(fifo, write_report, "x", d), -1);
    snprintf(want, sizeof want, "%s: cannot write: it is a FIFO", fifo);
    expect_message(d, want);
    /* A link to a regular file is still replaced, its target untouched. */
    free(tu_write(dir, "victim", "keep\n"));
    char *plain = tu_path(dir, "plain.html");
    assert_int_equal(symlink("victim", plain), 0);
    assert_int_equal(cs_outdir_write_file_atomic(plain, write_report, "new\n", d), 0);
    expect_file(dir, "plain.html", "new\n");
    expect_file(dir, "victim", "keep\n");

    /* In a set: summary.csv becomes a link to standard output after it
     * was created; the commit refuses and changes nothing. */
    char *out = tu_path(dir, "out");
    assert_int_equal(mkdir(out, 0777), 0);
    free(tu_write(out, "by_year.csv", "old\n"));
    cs_outdir *o = cs_outdir_open(out, managed, d);
    assert_non_null(o);
    fputs("new\n", cs_outdir_create(o, "by_year.csv", d));
    fputs("new\n", cs_outdir_create(o, "summary.csv", d));
    char *summary = tu_path(out, "summary.csv");
    assert_int_equal(symlink("/proc/self/fd/1", summary), 0);
    assert_int_equal(cs_outdir_commit(o, d), -1);
    assert_int_equal(cs_diag_count(d), 2);
    char *text = cs_diag_format(cs_diag_get(d, 0));
    snprintf(want, sizeof want, "%s: cannot write: it is a link into /proc", summary);
    if (strncmp(text, want, strlen(want)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", text, want);
    free(text);
    cs_diag_clear(d);
    expect_listing(out, ".costsim-lock,by_year.csv,summary.csv");
    expect_file(out, "by_year.csv", "old\n");
    struct stat st;
    assert_int_equal(lstat(summary, &st), 0);
    assert_true(S_ISLNK(st.st_mode));

    cs_diag_free(d);
    free(summary);
    free(out);
    free(plain);
    free(fifo);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commit_writes_every_file),
        cmocka_unit_test(abort_keeps_old_files),
        cmocka_unit_test(stale_managed_removed_others_kept),
        cmocka_unit_test(final_name_is_a_directory),
        cmocka_unit_test(directory_refusals),
        cmocka_unit_test(name_refusals),
        cmocka_unit_test(many_open_files),
        cmocka_unit_test(signal_before_commit_refuses_it),
        cmocka_unit_test(single_file_atomic),
        cmocka_unit_test(unreplaceable_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
