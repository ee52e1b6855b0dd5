/* test_outdir_faults: the output commit under I/O errors, crashes,
 * signals, planted links, a concurrent run and leftovers of killed runs,
 * the way SQLite tests its I/O: this program is built with outdir's
 * test-only fault points (COSTSIM_FAULT_INJECTION, tests/CMakeLists.txt).
 *
 * Every test compares whole trees (names, kinds and bytes, staging
 * directories included) against the state before the run ("old") and the
 * state a clean run produces ("new"):
 *   - fault_loop: the Nth file-system call fails, N = 1, 2, ... until none
 *     is hit; each time the status is -1, the messages name the error and
 *     say what was written, and the tree is old, or (after the commit
 *     point) says which files are new and becomes new once the next run
 *     completes the journal;
 *   - crash_loop: the process dies (SIGKILL) at the Nth call; after the next
 *     open the tree is old when it died before the journal was in place,
 *     new after;
 *   - the same through the costsim program (costsim_faults,
 *     COSTSIM_FAULT_AT), and SIGTERM at each call of the program
 *     (COSTSIM_FAULT_SIGTERM_AT), and both at once at each partial
 *     commit: its message matches what was written;
 *   - SIGTERM during the commit; links planted at the targets, at a
 *     subdirectory, at the lock, in the staging directory and at a staging
 *     name; a second run while the first holds the lock; leftovers of
 *     killed runs (and not those of live ones). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "outdir.h"
#include "testutil.h"

/* ---- Children ------------------------------------------------------------------ */

/* A forked child ends by a signal, never by exit: a memory checker
 * (valgrind) checks a child at exit, counts what it inherited from the
 * parent as leaks and changes its exit status; a signal keeps it. */
enum { CHILD_OK = SIGUSR1, CHILD_FAILED = SIGUSR2, CHILD_CRASHED = SIGKILL };

static void child_end(int how)
{
    signal(how, SIG_DFL);
    raise(how);
    _exit(127);
}

/* Waits for pid: the signal that ended it, or -1 for an exit. */
static int child_wait(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

/* ---- Trees ------------------------------------------------------------------ */

typedef struct {
    char *text;
    size_t length, capacity;
} strbuf;

static void sb_add(strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->length + n + 1 > b->capacity) {
        b->capacity = (b->length + n + 1) * 2;
        b->text = realloc(b->text, b->capacity);
        assert_non_null(b->text);
    }
    memcpy(b->text + b->length, s, n + 1);
    b->length += n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends "prefix/name=bytes;" per file, "name/" per directory (then its
 * contents), "name@target;" per link, sorted; the lock file is left out
 * (it stays once made). */
static void walk(strbuf *b, const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d) {
        sb_add(b, "(missing)");
        return;
    }
    char *names[512];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            strcmp(e->d_name, ".costsim-lock"))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char *path = tu_path(dir, names[i]);
        char *rel = tu_path(prefix, names[i]);
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        sb_add(b, rel);
        if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t k = readlink(path, target, sizeof target - 1);
            target[k < 0 ? 0 : k] = '\0';
            sb_add(b, "@");
            sb_add(b, target);
            sb_add(b, ";");
        } else if (S_ISDIR(st.st_mode)) {
            sb_add(b, "/{");
            walk(b, path, rel);
            sb_add(b, "}");
        } else {
            char *text = tu_read(path, NULL);
            sb_add(b, "=");
            sb_add(b, text ? text : "(unreadable)");
            sb_add(b, ";");
            free(text);
        }
        free(path);
        free(rel);
        free(names[i]);
    }
}

static char *tree(const char *dir)
{
    strbuf b = {0};
    sb_add(&b, "");
    walk(&b, dir, ".");
    return b.text;
}

/* ---- The world: --out DIR and two single files elsewhere ------------------- */

static const char *const managed[] = {"summary.csv", "by_year.csv", "trials.csv",
                                      "scurve.csv",  "a/summary.csv", "b/summary.csv", NULL};

typedef struct {
    char *root, *dir, *other, *report, *xlsx;
} world;

static void world_init(world *w)
{
    w->root = tu_mkdtemp();
    w->dir = tu_path(w->root, "out");
    w->other = tu_path(w->root, "elsewhere");
    w->report = tu_path(w->other, "report.html");
    w->xlsx = tu_path(w->other, "book.xlsx");
}

/* The previous run's outputs plus a file of the user's. */
static void world_old(world *w)
{
    tu_rmtree(w->dir);
    tu_rmtree(w->other);
    assert_int_equal(mkdir(w->dir, 0777), 0);
    assert_int_equal(mkdir(w->other, 0777), 0);
    free(tu_write(w->dir, "summary.csv", "old summary\n"));
    free(tu_write(w->dir, "by_year.csv", "old by_year\n"));
    free(tu_write(w->dir, "trials.csv", "old trials\n"));
    free(tu_write(w->dir, "notes.txt", "the user's\n"));
    free(tu_write(w->dir, "a/summary.csv", "old a\n"));
    free(tu_write(w->other, "report.html", "old report\n"));
    free(tu_write(w->other, "book.xlsx", "old book\n"));
}

static void world_free(world *w)
{
    tu_rmtree(w->root);
    free(w->root);
    free(w->dir);
    free(w->other);
    free(w->report);
    free(w->xlsx);
}

/* "DIR tree | elsewhere tree" (caller frees). */
static char *world_state(const world *w)
{
    char *a = tree(w->dir), *b = tree(w->other);
    strbuf s = {0};
    sb_add(&s, a);
    sb_add(&s, " | ");
    sb_add(&s, b);
    free(a);
    free(b);
    return s.text;
}

/* A step before the commit failed: as the program does, abort and say so. */
static int gave_up(cs_outdir *o, cs_diag *d)
{
    cs_outdir_abort(o);
    cs_diag_add(d, "costsim", 0, NULL, "no output file was written or changed");
    return -1;
}

/* One run's outputs: returns the commit's status (-1 also when a step
 * before it fails). */
static int world_run(const world *w, cs_diag *d)
{
    cs_outdir *o = cs_outdir_open(w->dir, managed, d);
    if (!o)
        return gave_up(NULL, d);
    static const char *const names[] = {"summary.csv", "by_year.csv", "a/summary.csv",
                                        "b/summary.csv"};
    static const char *const texts[] = {"new summary\n", "new by_year\n", "new a\n", "new b\n"};
    for (size_t i = 0; i < 4; i++) {
        FILE *f = cs_outdir_create(o, names[i], d);
        if (!f)
            return gave_up(o, d);
        fputs(texts[i], f);
    }
    FILE *f = cs_outdir_add_file(o, w->report, d);
    const char *staged = f ? cs_outdir_add_path(o, w->xlsx, d) : NULL;
    if (!staged)
        return gave_up(o, d);
    fputs("new report\n", f);
    FILE *book = fopen(staged, "wb");
    assert_non_null(book);
    fputs("new book\n", book);
    fclose(book);
    return cs_outdir_commit(o, d);
}

/* Opens and aborts a set on DIR and on the other directory: what the next
 * run does first (completes or removes leftovers). */
static void next_run_recovers(const world *w)
{
    cs_diag *d = cs_diag_alloc();
    cs_outdir *o = cs_outdir_open(w->dir, managed, d);
    if (!o)
        fail_msg("recovery failed: %s", cs_diag_count(d) ? cs_diag_get(d, 0)->message : "?");
    cs_outdir_abort(o);
    o = cs_outdir_open(NULL, NULL, d);
    assert_non_null(cs_outdir_add_file(o, w->report, d));
    cs_outdir_abort(o);
    assert_int_equal(cs_diag_count(d), 0);
    cs_diag_free(d);
}

static char *all_messages(const cs_diag *d)
{
    strbuf s = {0};
    sb_add(&s, "");
    for (size_t i = 0; i < cs_diag_count(d); i++) {
        char *line = cs_diag_format(cs_diag_get(d, i));
        sb_add(&s, line);
        sb_add(&s, "\n");
        free(line);
    }
    return s.text;
}

/* The states of a clean run: before and after. */
static void reference_states(world *w, char **old_state, char **new_state)
{
    world_old(w);
    *old_state = world_state(w);
    cs_diag *d = cs_diag_alloc();
    cs_outdir_fault_arm(0, NULL);
    assert_int_equal(world_run(w, d), 0);
    assert_int_equal(cs_diag_count(d), 0);
    *new_state = world_state(w);
    cs_diag_free(d);
    /* The clean run: every new file, trials.csv (stale) gone, the user's
     * file kept, no staging directory. */
    assert_string_equal(*new_state,
                        "./a/{./a/summary.csv=new a\n;}./b/{./b/summary.csv=new b\n;}"
                        "./by_year.csv=new by_year\n;./notes.txt=the user's\n;"
                        "./summary.csv=new summary\n; | "
                        "./book.xlsx=new book\n;./report.html=new report\n;");
}

/* ---- Fault loop --------------------------------------------------------------- */

static void fault_loop(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    char *old_state, *new_state;
    reference_states(&w, &old_state, &new_state);
    long n;
    int before = 0, after = 0, partial = 0;
    for (n = 1; n < 10000; n++) {
        world_old(&w);
        cs_diag *d = cs_diag_alloc();
        cs_outdir_fault_arm(n, NULL);
        int rc = world_run(&w, d);
        int fired = cs_outdir_fault_fired();
        cs_outdir_fault_arm(0, NULL);
        char *messages = all_messages(d);
        char *now = world_state(&w);
        if (!fired) {
            /* Past the last fault point: a clean run. */
            assert_int_equal(rc, 0);
            assert_string_equal(now, new_state);
            free(messages);
            free(now);
            cs_diag_free(d);
            break;
        }
        if (rc == 0) {
            /* Only a clean-up after the commit may fail unseen: the new
             * files are all in place and the next run removes the rest. */
            assert_string_equal(messages, "");
            next_run_recovers(&w);
            char *later = world_state(&w);
            assert_string_equal(later, new_state);
            free(later);
            after++;
        } else if (strstr(messages, "costsim: the commit stopped part-way: new: ")) {
            /* After the commit point: the message lists exactly what is
             * new (before "not yet replaced") and what is not. */
            const char *list = strstr(messages, "new: ") + 5;
            const char *old_list = strstr(list, "not yet replaced: ");
            assert_non_null(old_list);
            static const char *const in_dir[] = {"summary.csv", "by_year.csv", "a/summary.csv",
                                                 "b/summary.csv"};
            static const char *const in_tree[] = {
                "./summary.csv=new summary", "./by_year.csv=new by_year",
                "./a/summary.csv=new a", "./b/summary.csv=new b"};
            for (size_t i = 0; i < 6; i++) {
                char *label = i < 4 ? tu_path(w.dir, in_dir[i]) : strdup(i == 4 ? w.report
                                                                                 : w.xlsx);
                const char *in_now = i < 4 ? in_tree[i]
                                           : i == 4 ? "report.html=new report"
                                                    : "book.xlsx=new book";
                const char *at = strstr(list, label);
                if (!at)
                    fail_msg("fault %ld: %s is not listed:\n%s", n, label, messages);
                if ((strstr(now, in_now) != NULL) != (at < old_list))
                    fail_msg("fault %ld: %s is listed wrongly:\n%s\n%s", n, label, messages,
                             now);
                free(label);
            }
            /* The stale trials.csv is listed as not yet removed exactly
             * when it is still there. */
            const char *stale_list = strstr(messages, "not yet removed (stale): ");
            assert_non_null(stale_list);
            char *stale = tu_path(w.dir, "trials.csv");
            if ((strstr(stale_list, stale) != NULL) !=
                (strstr(now, "./trials.csv=old trials") != NULL))
                fail_msg("fault %ld: the stale %s is listed wrongly:\n%s\n%s", n, stale,
                         messages, now);
            free(stale);
            assert_non_null(strstr(messages, "completes it at the next costsim run"));
            assert_non_null(strstr(messages, "Input/output error"));
            next_run_recovers(&w);
            char *later = world_state(&w);
            assert_string_equal(later, new_state);
            free(later);
            partial++;
        } else if (strstr(messages, "could not be synced to disk")) {
            assert_int_equal(rc, -1);
            assert_string_equal(now, new_state);
            after++;
        } else {
            /* Before the commit point: nothing changed, and it says so. */
            assert_int_equal(rc, -1);
            if (strcmp(now, old_state) != 0)
                fail_msg("fault %ld: the tree changed:\n%s\nwas\n%s\nmessages:\n%s", n, now,
                         old_state, messages);
            if (!strstr(messages, "Input/output error") &&
                !strstr(messages, "No space left on device"))
                fail_msg("fault %ld: the error is not named:\n%s", n, messages);
            const char *tail = "costsim: no output file was written or changed\n";
            size_t length = strlen(messages);
            if (length < strlen(tail) || strcmp(messages + length - strlen(tail), tail) != 0)
                fail_msg("fault %ld: the last message is not the summary:\n%s", n, messages);
            before++;
        }
        free(messages);
        free(now);
        cs_diag_free(d);
    }
    /* The loop ran through a real commit: many points on each side. */
    print_message("fault loop: %ld fault points; %d before the commit point, %d partial "
                  "commits, %d after\n", n - 1, before, partial, after);
    assert_true(n > 40);
    assert_true(before > 20);
    assert_true(partial >= 6); /* one per rename at least */
    free(old_state);
    free(new_state);
    world_free(&w);
}

/* ---- Crash loop --------------------------------------------------------------- */

static long crash_at, journal_rename;

static void crash_observer(const char *op, const char *what, long number)
{
    if (number == crash_at)
        child_end(CHILD_CRASHED);
    if (!strcmp(op, "rename") && !strcmp(what, "journal"))
        journal_rename = number;
}

static void crash_loop(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    char *old_state, *new_state;
    reference_states(&w, &old_state, &new_state);
    /* Where the commit point is, from a clean run. */
    world_old(&w);
    cs_diag *d = cs_diag_alloc();
    crash_at = 0;
    cs_outdir_fault_arm(0, crash_observer);
    assert_int_equal(world_run(&w, d), 0);
    long total = cs_outdir_fault_count();
    cs_outdir_fault_arm(0, NULL);
    assert_true(journal_rename > 0);
    int olds = 0, news = 0;
    for (long k = 1; k <= total + 1; k++) {
        world_old(&w);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            crash_at = k;
            cs_outdir_fault_arm(0, crash_observer);
            cs_diag *cd = cs_diag_alloc();
            child_end(world_run(&w, cd) == 0 ? CHILD_OK : CHILD_FAILED);
        }
        int how = child_wait(pid);
        if (k > total) {
            assert_int_equal(how, CHILD_OK);
            break;
        }
        assert_int_equal(how, CHILD_CRASHED);
        next_run_recovers(&w);
        char *now = world_state(&w);
        /* The observer runs before the call: at the journal's rename the
         * process dies before it, so that one still leaves the old state. */
        const char *want = k <= journal_rename ? old_state : new_state;
        if (strcmp(now, want) != 0)
            fail_msg("crash at call %ld (journal at %ld):\n%s\nwanted\n%s", k, journal_rename,
                     now, want);
        if (k <= journal_rename)
            olds++;
        else
            news++;
        free(now);
    }
    print_message("crash loop: %ld points, %d leave the old outputs, %d the new\n", total, olds,
                  news);
    assert_true(olds > 20);
    assert_true(news > 6);
    cs_diag_free(d);
    free(old_state);
    free(new_state);
    world_free(&w);
}

/* ---- SIGTERM during the commit ------------------------------------------------ */

static long signal_at;

static void signal_observer(const char *op, const char *what, long number)
{
    (void)op;
    (void)what;
    if (number == signal_at)
        raise(SIGTERM);
}

/* SIGTERM with its default action (the process dies) raised at the Nth
 * call: before the commit's signal block the process dies with the old
 * outputs; inside it, the signal waits and the process dies with the new
 * ones complete. Either way no mix, and no leftover after the next run. */
static void sigterm_during_commit(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    char *old_state, *new_state;
    reference_states(&w, &old_state, &new_state);
    int olds = 0, news = 0;
    for (long k = 1; k < 1000; k++) {
        world_old(&w);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            signal_at = k;
            cs_outdir_fault_arm(0, signal_observer);
            cs_diag *cd = cs_diag_alloc();
            child_end(world_run(&w, cd) == 0 ? CHILD_OK : CHILD_FAILED);
        }
        int how = child_wait(pid);
        if (how == CHILD_OK)
            break; /* no signal: past the end */
        assert_int_equal(how, SIGTERM);
        next_run_recovers(&w);
        char *now = world_state(&w);
        if (!strcmp(now, old_state))
            olds++;
        else if (!strcmp(now, new_state))
            news++;
        else
            fail_msg("SIGTERM at call %ld left a mix:\n%s", k, now);
        free(now);
    }
    assert_true(olds > 10);
    assert_true(news > 6); /* the blocked signal waited for the renames */
    free(old_state);
    free(new_state);
    world_free(&w);
}

/* ---- Links ------------------------------------------------------------------------ */

static void links_are_never_followed(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *victim = tu_write(root, "victim/passwd", "precious\n");
    char *victim_dir = tu_path(root, "victim");
    char *dir = tu_path(root, "out");
    char *other = tu_path(root, "elsewhere");
    assert_int_equal(mkdir(dir, 0777), 0);
    assert_int_equal(mkdir(other, 0777), 0);
    free(tu_write(dir, "notes.txt", "x\n"));
    free(tu_write(other, "notes.txt", "x\n"));
    cs_diag *d = cs_diag_alloc();

    /* A link at a final name (in DIR, and at --report) is replaced by the
     * new file; what it points to is untouched. */
    char *target = tu_path(dir, "summary.csv");
    char *report = tu_path(other, "report.html");
    assert_int_equal(symlink(victim, target), 0);
    assert_int_equal(symlink(victim, report), 0);
    cs_outdir *o = cs_outdir_open(dir, managed, d);
    fputs("new\n", cs_outdir_create(o, "summary.csv", d));
    fputs("<p>new</p>\n", cs_outdir_add_file(o, report, d));
    assert_int_equal(cs_outdir_commit(o, d), 0);
    struct stat st;
    assert_int_equal(lstat(target, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(lstat(report, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    char *text = tu_read(victim, NULL);
    assert_string_equal(text, "precious\n");
    free(text);

    /* A link at a stale managed name is removed itself. */
    char *trials = tu_path(dir, "trials.csv");
    assert_int_equal(symlink(victim, trials), 0);
    o = cs_outdir_open(dir, managed, d);
    fputs("new\n", cs_outdir_create(o, "summary.csv", d));
    assert_int_equal(cs_outdir_commit(o, d), 0);
    assert_int_equal(lstat(trials, &st), -1);
    text = tu_read(victim, NULL);
    assert_string_equal(text, "precious\n");
    free(text);

    /* A link in place of the subdirectory "a": refused, nothing written
     * there or anywhere. */
    char *sub = tu_path(dir, "a");
    assert_int_equal(symlink(victim_dir, sub), 0);
    o = cs_outdir_open(dir, managed, d);
    fputs("newer\n", cs_outdir_create(o, "summary.csv", d));
    FILE *f = cs_outdir_create(o, "a/summary.csv", d);
    if (f) {
        fputs("into the link\n", f);
        assert_int_equal(cs_outdir_commit(o, d), -1);
    } else {
        cs_outdir_abort(o);
    }
    char *messages = all_messages(d);
    assert_non_null(strstr(messages, "exists and is not a directory"));
    free(messages);
    cs_diag_clear(d);
    char *victim_tree = tree(victim_dir);
    assert_string_equal(victim_tree, "./passwd=precious\n;");
    free(victim_tree);
    text = tu_read(target, NULL);
    assert_string_equal(text, "new\n");
    free(text);
    unlink(sub);

    /* A link planted in the staging directory at the next staged name: the
     * exclusive create refuses it; nothing is written through it. */
    o = cs_outdir_open(dir, managed, d);
    assert_non_null(cs_outdir_create(o, "summary.csv", d));
    DIR *listing = opendir(dir);
    struct dirent *e;
    char *stage = NULL;
    while ((e = readdir(listing)) != NULL)
        if (!strncmp(e->d_name, ".costsim-stage-", 15))
            stage = tu_path(dir, e->d_name);
    closedir(listing);
    assert_non_null(stage);
    struct stat stage_st;
    assert_int_equal(stat(stage, &stage_st), 0);
    assert_int_equal(stage_st.st_mode & 0777, 0700);
    char *planted = tu_path(stage, "f2");
    assert_int_equal(symlink(victim, planted), 0);
    assert_null(cs_outdir_create(o, "by_year.csv", d));
    messages = all_messages(d);
    assert_non_null(strstr(messages, "by_year.csv: cannot create: File exists"));
    free(messages);
    cs_diag_clear(d);
    cs_outdir_abort(o);
    text = tu_read(victim, NULL);
    assert_string_equal(text, "precious\n");
    free(text);
    free(planted);
    free(stage);

    /* A link at the lock file: refused (not followed, not created). */
    char *lock = tu_path(dir, ".costsim-lock");
    unlink(lock);
    char *elsewhere_lock = tu_path(root, "victim/lock");
    assert_int_equal(symlink(elsewhere_lock, lock), 0);
    assert_null(cs_outdir_open(dir, managed, d));
    messages = all_messages(d);
    assert_non_null(strstr(messages, "cannot create the lock file"));
    free(messages);
    cs_diag_clear(d);
    assert_int_equal(access(elsewhere_lock, F_OK), -1);
    unlink(lock);

    /* A link with a staging directory's name, to a directory of files: the
     * clean-up of leftovers does not follow it. */
    char *fake = tu_path(dir, ".costsim-stage-AAAAAA");
    assert_int_equal(symlink(victim_dir, fake), 0);
    o = cs_outdir_open(dir, managed, d);
    assert_non_null(o);
    cs_outdir_abort(o);
    victim_tree = tree(victim_dir);
    assert_string_equal(victim_tree, "./passwd=precious\n;");
    free(victim_tree);

    cs_diag_free(d);
    free(fake);
    free(lock);
    free(elsewhere_lock);
    free(sub);
    free(trials);
    free(target);
    free(report);
    free(victim);
    free(victim_dir);
    free(dir);
    free(other);
    tu_rmtree(root);
    free(root);
}

/* ---- The lock ------------------------------------------------------------------ */

static void second_run_is_refused(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "summary.csv", "old\n"));
    int to_parent[2], to_child[2];
    assert_int_equal(pipe(to_parent), 0);
    assert_int_equal(pipe(to_child), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The first run: holds DIR until told to commit. */
        cs_diag *d = cs_diag_alloc();
        cs_outdir *o = cs_outdir_open(dir, managed, d);
        fputs("first\n", cs_outdir_create(o, "summary.csv", d));
        char c = 'r';
        if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
            child_end(CHILD_FAILED);
        child_end(cs_outdir_commit(o, d) == 0 ? CHILD_OK : CHILD_FAILED);
    }
    char c;
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    cs_diag *d = cs_diag_alloc();
    assert_null(cs_outdir_open(dir, managed, d));
    char want[4200];
    snprintf(want, sizeof want,
             "%s: another costsim run is writing into this directory; run again when it "
             "has finished",
             dir);
    char *messages = all_messages(d);
    assert_string_equal(messages, strcat(want, "\n"));
    free(messages);
    cs_diag_clear(d);
    assert_int_equal(write(to_child[1], "g", 1), 1);
    assert_int_equal(child_wait(pid), CHILD_OK);
    char *summary = tu_path(dir, "summary.csv");
    char *text = tu_read(summary, NULL);
    assert_string_equal(text, "first\n");
    free(text);
    free(summary);
    /* Once the first has finished, the second goes ahead. */
    cs_outdir *o = cs_outdir_open(dir, managed, d);
    assert_non_null(o);
    fputs("second\n", cs_outdir_create(o, "summary.csv", d));
    assert_int_equal(cs_outdir_commit(o, d), 0);
    char *all = tree(dir);
    assert_string_equal(all, "./summary.csv=second\n;");
    free(all);
    cs_diag_free(d);
    close(to_parent[0]);
    close(to_parent[1]);
    close(to_child[0]);
    close(to_child[1]);
    tu_rmtree(dir);
    free(dir);
}

/* ---- Leftovers --------------------------------------------------------------------- */

static void leftovers_of_killed_runs_are_removed(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *other = tu_mkdtemp();
    char *report = tu_path(other, "report.html");
    free(tu_write(dir, "summary.csv", "old\n"));
    for (int i = 0; i < 3; i++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            cs_diag *d = cs_diag_alloc();
            cs_outdir *o = cs_outdir_open(dir, managed, d);
            FILE *f = cs_outdir_create(o, "summary.csv", d);
            for (int k = 0; k < 100000; k++)
                fputs("a big trials file\n", f);
            fflush(f);
            cs_outdir *single = cs_outdir_open(NULL, NULL, d);
            fputs("half a report", cs_outdir_add_file(single, report, d));
            fflush(NULL);
            child_end(CHILD_CRASHED);
        }
        assert_int_equal(child_wait(pid), CHILD_CRASHED);
    }
    /* Each killed run left its staging directory (the first one's only:
     * the next ones removed the previous leftovers when they opened). */
    char *left = tree(dir);
    assert_non_null(strstr(left, ".costsim-stage-"));
    assert_non_null(strstr(left, "a big trials file"));
    free(left);
    left = tree(other);
    assert_non_null(strstr(left, ".costsim-stage-"));
    free(left);

    /* A live run's staging directory is not touched by another run. */
    cs_diag *d = cs_diag_alloc();
    cs_outdir *live = cs_outdir_open(NULL, NULL, d);
    FILE *live_file = cs_outdir_add_file(live, report, d);
    fputs("live\n", live_file);

    /* The next run into each place removes the dead ones. */
    cs_outdir *o = cs_outdir_open(dir, managed, d);
    fputs("new\n", cs_outdir_create(o, "summary.csv", d));
    assert_int_equal(cs_outdir_commit(o, d), 0);
    char *now = tree(dir);
    assert_string_equal(now, "./summary.csv=new\n;");
    free(now);
    char *other_file = tu_path(other, "other.html");
    cs_outdir *second = cs_outdir_open(NULL, NULL, d);
    fputs("other\n", cs_outdir_add_file(second, other_file, d));
    assert_int_equal(cs_outdir_commit(second, d), 0);
    assert_int_equal(cs_outdir_commit(live, d), 0);
    assert_int_equal(cs_diag_count(d), 0);
    now = tree(other);
    assert_string_equal(now, "./other.html=other\n;./report.html=live\n;");
    free(now);
    cs_diag_free(d);
    free(other_file);
    free(report);
    tu_rmtree(dir);
    tu_rmtree(other);
    free(dir);
    free(other);
}

/* The state a run killed after the journal and its first rename leaves. */
static void crashed_mid_commit(world *w, long journal)
{
    world_old(w);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        crash_at = journal + 3; /* after the journal's fsync and one rename */
        cs_outdir_fault_arm(0, crash_observer);
        cs_diag *cd = cs_diag_alloc();
        child_end(world_run(w, cd) == 0 ? CHILD_OK : CHILD_FAILED);
    }
    assert_int_equal(child_wait(pid), CHILD_CRASHED);
}

static int write_text(FILE *f, void *ctx)
{
    fputs((const char *)ctx, f);
    return 0;
}

/* A journal from a run killed mid-commit is completed by the next run
 * into the other place too (a single file's directory), and a new commit
 * never overtakes it. */
static void journal_completed_from_a_single_file_place(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    char *old_state, *new_state;
    reference_states(&w, &old_state, &new_state);
    world_old(&w);
    /* Die right after the first rename of the commit. */
    crash_at = 0;
    journal_rename = 0;
    cs_diag *d = cs_diag_alloc();
    cs_outdir_fault_arm(0, crash_observer);
    assert_int_equal(world_run(&w, d), 0);
    cs_outdir_fault_arm(0, NULL);
    crashed_mid_commit(&w, journal_rename);
    char *mixed = world_state(&w);
    assert_non_null(strstr(mixed, "new summary")); /* the first rename */
    assert_non_null(strstr(mixed, "old report"));
    free(mixed);
    /* The next run writes only a file beside the report: it completes the
     * whole commit first (DIR included). */
    char *beside = tu_path(w.other, "beside.txt");
    assert_int_equal(cs_outdir_write_file_atomic(beside, write_text, "b\n", d), 0);
    assert_int_equal(cs_diag_count(d), 0);
    free(beside);
    char *now = world_state(&w);
    /* The new state, with beside.txt first in "elsewhere". */
    char *sep = strstr(new_state, " | ");
    size_t size = strlen(new_state) + 32;
    char *want = malloc(size);
    snprintf(want, size, "%.*s | ./beside.txt=b\n;%s", (int)(sep - new_state), new_state,
             sep + 3);
    assert_string_equal(now, want);
    free(want);
    free(now);
    cs_diag_free(d);
    free(old_state);
    free(new_state);
    world_free(&w);
}

/* The next run completes a journal under faults too: each fault point of
 * the replay in turn; whatever the faulty run did, a later clean one ends
 * with the new state, and a faulty one that could not finish refused to
 * open (no new commit overtakes the journal) with a message saying why. */
static void recovery_fault_loop(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    char *old_state, *new_state;
    reference_states(&w, &old_state, &new_state);
    world_old(&w);
    crash_at = 0;
    journal_rename = 0;
    cs_diag *d = cs_diag_alloc();
    cs_outdir_fault_arm(0, crash_observer);
    assert_int_equal(world_run(&w, d), 0);
    long journal = journal_rename;
    int refused = 0;
    long n;
    for (n = 1; n < 1000; n++) {
        crashed_mid_commit(&w, journal);
        cs_outdir_fault_arm(n, NULL);
        cs_outdir *o = cs_outdir_open(w.dir, managed, d);
        int fired = cs_outdir_fault_fired();
        cs_outdir_fault_arm(0, NULL);
        if (!o) {
            char *messages = all_messages(d);
            if (!strstr(messages, "journal cannot be completed") &&
                !strstr(messages, "Input/output error"))
                fail_msg("fault %ld: %s", n, messages);
            free(messages);
            refused++;
        }
        cs_diag_clear(d);
        cs_outdir_abort(o);
        next_run_recovers(&w);
        char *now = world_state(&w);
        if (strcmp(now, new_state) != 0)
            fail_msg("fault %ld in the replay: %s", n, now);
        free(now);
        if (!fired)
            break;
    }
    print_message("replay: %ld fault points, %d refused\n", n - 1, refused);
    assert_true(n > 10);
    assert_true(refused > 5);
    cs_diag_free(d);
    free(old_state);
    free(new_state);
    world_free(&w);
}

/* A journal that is not complete (no end mark, or garbled) was never
 * committed: its stage is removed and nothing is renamed from it. */
static void incomplete_journal_is_not_a_commit(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "summary.csv", "old\n"));
    char *real = realpath(dir, NULL);
    char text[8192];
    static const char *const bodies[] = {
        "costsim-journal 1\nS %zu:%s/.costsim-stage-AAAAAA\nR %zu:%s/.costsim-stage-AAAAAA/f1 "
        "%zu:%s/summary.csv\n",
        "costsim-journal 1\nR 9999:%s/.costsim-stage-AAAAAA/f1 %zu:%s/summary.csv\nE\n",
    };
    for (size_t i = 0; i < 2; i++) {
        size_t stage_length = strlen(real) + strlen("/.costsim-stage-AAAAAA");
        size_t staged_length = stage_length + 3, final_length = strlen(real) + 12;
        if (i == 0)
            snprintf(text, sizeof text, bodies[0], stage_length, real, staged_length, real,
                     final_length, real);
        else
            snprintf(text, sizeof text, bodies[1], real, final_length, real);
        free(tu_write(dir, ".costsim-stage-AAAAAA/f1", "never committed\n"));
        free(tu_write(dir, ".costsim-stage-AAAAAA/journal", text));
        cs_diag *d = cs_diag_alloc();
        cs_outdir *o = cs_outdir_open(dir, managed, d);
        assert_non_null(o);
        cs_outdir_abort(o);
        cs_diag_free(d);
        char *now = tree(dir);
        assert_string_equal(now, "./summary.csv=old\n;");
        free(now);
    }
    free(real);
    tu_rmtree(dir);
    free(dir);
}

/* A crash mid-commit, then DIR is moved: the next run there cannot trust
 * the journal's paths and refuses, naming the staging directory; once it
 * is removed by hand, runs go on. */
static void moved_directory_after_a_crash(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    char *old_state, *new_state;
    reference_states(&w, &old_state, &new_state);
    world_old(&w);
    crash_at = 0;
    journal_rename = 0;
    cs_diag *d = cs_diag_alloc();
    cs_outdir_fault_arm(0, crash_observer);
    assert_int_equal(world_run(&w, d), 0);
    cs_outdir_fault_arm(0, NULL);
    crashed_mid_commit(&w, journal_rename);
    char *moved = tu_path(w.root, "moved");
    assert_int_equal(rename(w.dir, moved), 0);
    assert_null(cs_outdir_open(moved, managed, d));
    char *messages = all_messages(d);
    assert_non_null(strstr(messages, "journal names another place (was the directory moved?)"));
    const char *stage = strstr(messages, ".costsim-stage-");
    assert_non_null(stage);
    char name[32];
    snprintf(name, sizeof name, "%.21s", stage);
    free(messages);
    cs_diag_clear(d);
    char *stage_path = tu_path(moved, name);
    tu_rmtree(stage_path);
    cs_outdir *o = cs_outdir_open(moved, managed, d);
    assert_non_null(o);
    cs_outdir_abort(o);
    free(stage_path);
    free(moved);
    cs_diag_free(d);
    free(old_state);
    free(new_state);
    world_free(&w);
}

/* ---- The program ------------------------------------------------------------------ */

/* Runs costsim_faults with the environment variable env set to n;
 * stderr into *err. */
static int run_program_env2(const char *env, long n, const char *env2, long n2,
                            const char *const *args, char **err)
{
    char *logs = tu_mkdtemp();
    char *e = tu_path(logs, "stderr");
    size_t argc = 0;
    while (args[argc])
        argc++;
    char **argv = calloc(argc + 2, sizeof *argv);
    argv[0] = (char *)COSTSIM_FAULTS_BINARY;
    for (size_t i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(fd, 2);
        char at[32];
        snprintf(at, sizeof at, "%ld", n);
        setenv(env, at, 1);
        if (env2) {
            snprintf(at, sizeof at, "%ld", n2);
            setenv(env2, at, 1);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    free(argv);
    int status = tu_wait(pid);
    *err = tu_read(e, NULL);
    tu_rmtree(logs);
    free(logs);
    free(e);
    return status;
}

static int run_program_env(const char *env, long n, const char *const *args, char **err)
{
    return run_program_env2(env, n, NULL, 0, args, err);
}

static int run_program(long n, const char *const *args, char **err)
{
    return run_program_env("COSTSIM_FAULT_AT", n, args, err);
}

/* The whole program, every fault point in turn: exit 1, the error named,
 * "no output file was written or changed" and every old file intact, or
 * (after the commit point) the list of what is new, completed by the next
 * run; exit 0 once no fault is hit. */
static void program_fault_loop(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *dir = tu_path(root, "out");
    char *report = tu_path(root, "report.html");
    char *book = tu_path(root, "book.xlsx");
    char *scenario = tu_path(tu_source_dir(), "tests/data/good/basic/scenario.csv");
    const char *args[] = {"run", scenario, "--trials", "200", "--quiet", "--out", dir,
                          "--report", report, "--xlsx", book, NULL};
    int before = 0, partial = 0, after = 0;
    long n;
    for (n = 1; n < 2000; n++) {
        tu_rmtree(dir);
        assert_int_equal(mkdir(dir, 0777), 0);
        free(tu_write(dir, "summary.csv", "old summary\n"));
        free(tu_write(dir, "trials.csv", "old trials\n"));
        free(tu_write(root, "report.html", "old report\n"));
        free(tu_write(root, "book.xlsx", "old book\n"));
        char *old_state = tree(root);
        char *err;
        int status = run_program(n, args, &err);
        /* Messages name the user's files, never a staged one (only the
         * journal's place after a partial commit). */
        if (strstr(err, ".costsim-stage-") && !strstr(err, "the commit stopped part-way"))
            fail_msg("fault %ld: a staged name in the message:\n%s", n, err);
        char *now = tree(root);
        if (status == 0) {
            assert_null(strstr(now, "old summary"));
            assert_null(strstr(now, "old trials"));
            assert_null(strstr(now, "old report"));
            assert_null(strstr(now, "old book"));
            assert_null(strstr(now, "stage"));
            free(err);
            free(now);
            free(old_state);
            break;
        }
        if (status != 1)
            fail_msg("fault %ld: exit %d: %s", n, status, err);
        if (strstr(err, "could not be synced to disk")) {
            /* After the renames: every file is new, and it says so. */
            assert_null(strstr(now, "old "));
            after++;
        } else if (strstr(err, "the commit stopped part-way")) {
            partial++;
            /* The next run (its own outputs elsewhere) completes it. */
            char *elsewhere = tu_path(root, "next.html");
            const char *args_next[] = {"run", scenario, "--trials", "200", "--quiet",
                                       "--report", elsewhere, NULL};
            char *err2;
            assert_int_equal(run_program(0, args_next, &err2), 0);
            free(err2);
            char *then = tree(root);
            if (strstr(then, "old ") || strstr(then, "stage"))
                fail_msg("fault %ld: not completed by the next run:\n%.3000s", n, then);
            free(then);
            /* The same failure with SIGTERM arriving during the commit:
             * the signal does not turn the message into "nothing written". */
            tu_rmtree(dir);
            assert_int_equal(mkdir(dir, 0777), 0);
            free(tu_write(dir, "summary.csv", "old summary\n"));
            free(tu_write(dir, "trials.csv", "old trials\n"));
            free(tu_write(root, "report.html", "old report\n"));
            free(tu_write(root, "book.xlsx", "old book\n"));
            char *err3;
            assert_int_equal(run_program_env2("COSTSIM_FAULT_AT", n, "COSTSIM_FAULT_SIGTERM_AT",
                                              n, args, &err3),
                             1);
            const char *tail = "costsim: interrupted by SIGTERM; the output files are as said "
                               "above\n";
            if (!strstr(err3, "the commit stopped part-way") ||
                strcmp(err3 + strlen(err3) - strlen(tail), tail) != 0 ||
                strstr(err3, "no output file was written"))
                fail_msg("fault %ld with SIGTERM:\n%s", n, err3);
            free(err3);
            assert_int_equal(run_program(0, args_next, &err3), 0);
            free(err3);
            unlink(elsewhere);
            free(elsewhere);
        } else {
            before++;
            if (!strstr(err, "costsim: no output file was written or changed\n"))
                fail_msg("fault %ld: stderr lacks the summary:\n%s", n, err);
            if (!strstr(err, "Input/output error") && !strstr(err, "No space left on device"))
                fail_msg("fault %ld: the error is not named:\n%s", n, err);
            if (strcmp(now, old_state) != 0)
                fail_msg("fault %ld: the tree changed:\n%.2000s\n%s", n, now, err);
        }
        free(err);
        free(now);
        free(old_state);
    }
    print_message("program: %ld fault points, %d before the commit point, %d partial, %d "
                  "after\n", n - 1, before, partial, after);
    assert_true(before > 20);
    assert_true(partial > 5);
    free(scenario);
    free(report);
    free(book);
    free(dir);
    tu_rmtree(root);
    free(root);
}

/* The whole program with SIGTERM (its handler: the program's own) at
 * every fault point in turn: exit 1 and either "no output file was
 * written or changed" with every old file intact, or (inside the commit,
 * where the signal waits) "after the output files were written" with
 * every file new. */
static void program_sigterm_loop(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *dir = tu_path(root, "out");
    char *report = tu_path(root, "report.html");
    char *scenario = tu_path(tu_source_dir(), "tests/data/good/basic/scenario.csv");
    const char *args[] = {"run", scenario, "--trials", "200", "--quiet", "--out", dir,
                          "--report", report, NULL};
    int olds = 0, news = 0;
    long n;
    for (n = 1; n < 2000; n++) {
        tu_rmtree(dir);
        assert_int_equal(mkdir(dir, 0777), 0);
        free(tu_write(dir, "summary.csv", "old summary\n"));
        free(tu_write(dir, "trials.csv", "old trials\n"));
        free(tu_write(root, "report.html", "old report\n"));
        char *old_state = tree(root);
        char *err;
        int status = run_program_env("COSTSIM_FAULT_SIGTERM_AT", n, args, &err);
        char *now = tree(root);
        if (status == 0) {
            assert_string_equal(err, "");
            free(err);
            free(now);
            free(old_state);
            break;
        }
        if (status != 1)
            fail_msg("SIGTERM at %ld: exit %d: %s", n, status, err);
        if (strstr(err, "after the output files were written (complete): ")) {
            char *want = malloc(strlen(dir) + strlen(report) + 200);
            sprintf(want, "costsim: interrupted by SIGTERM after the output files were written "
                          "(complete): %s/, %s\n", dir, report);
            assert_string_equal(err, want);
            free(want);
            assert_null(strstr(now, "old "));
            assert_null(strstr(now, "stage"));
            news++;
        } else {
            assert_string_equal(err, "costsim: interrupted by SIGTERM; no output file was "
                                     "written or changed\n");
            if (strcmp(now, old_state) != 0)
                fail_msg("SIGTERM at %ld: the tree changed:\n%.2000s", n, now);
            olds++;
        }
        free(err);
        free(now);
        free(old_state);
    }
    print_message("program: SIGTERM at %ld points, %d leave the old files, %d the new\n", n - 1,
                  olds, news);
    assert_true(olds > 20);
    assert_true(news > 5);
    free(scenario);
    free(report);
    free(dir);
    tu_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fault_loop),
        cmocka_unit_test(crash_loop),
        cmocka_unit_test(sigterm_during_commit),
        cmocka_unit_test(links_are_never_followed),
        cmocka_unit_test(second_run_is_refused),
        cmocka_unit_test(leftovers_of_killed_runs_are_removed),
        cmocka_unit_test(journal_completed_from_a_single_file_place),
        cmocka_unit_test(recovery_fault_loop),
        cmocka_unit_test(incomplete_journal_is_not_a_commit),
        cmocka_unit_test(moved_directory_after_a_crash),
        cmocka_unit_test(program_fault_loop),
        cmocka_unit_test(program_sigterm_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
