/* test_hostile: hostile input, faults and limits, through the costsim
 * program (fork/exec, so that signals, environment and stdout can be set):
 *
 *   - limits of docs/LIMITS.md that need generated files (more than 10 000
 *     elements or risks, more than 200 currencies, a field of 4 097 bytes);
 *   - SIGINT/SIGTERM during the simulation and while the files are written:
 *     non-zero exit, a message, no temporary or partial file in --out DIR,
 *     old files intact, and a second run succeeds;
 *   - stdout on /dev/full: exit 1 with a message naming what failed (a
 *     full disk and every other I/O error on the output files are
 *     injected by tests/test_outdir_faults.c);
 *   - spreadsheet and HTML safety of names (formula prefixes, quotes,
 *     newlines, markup) in summary.csv, the JSON and the HTML report.
 *
 * Tests named "bug_*" pin down known defects (see docs/LIMITS.md); they do
 * not run by default so that this program stays green while they are open.
 * tests/e2e_hostile.cmake registers each as its own ctest entry
 * ("test_hostile NAME" runs the tests whose name matches NAME). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "costsim.h"
#include "testutil.h"

/* ---- Helpers ------------------------------------------------------------ */

static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(NULL, 0, format, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    va_start(ap, format);
    vsnprintf(s, (size_t)n + 1, format, ap);
    va_end(ap);
    return s;
}

static char *data_path(const char *rel)
{
    return fmt("%s/tests/data/%s", tu_source_dir(), rel);
}

/* A growing string. */
typedef struct {
    char *text;
    size_t len, cap;
} strbuf;

static void sb_add(strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->text = realloc(b->text, b->cap);
        assert_non_null(b->text);
    }
    memcpy(b->text + b->len, s, n + 1);
    b->len += n;
}

/* Runs costsim to completion; stdout and stderr are returned (caller frees). */
static int run_env(char **out, char **err, const char *env_name, const char *env_value,
                   const char *const *args)
{
    char *dir = tu_mkdtemp();
    char *o = fmt("%s/out", dir), *e = fmt("%s/err", dir);
    int status = tu_wait(tu_spawn_costsim(args, o, e, env_name, env_value));
    *out = tu_read(o, NULL);
    *err = tu_read(e, NULL);
    assert_non_null(*out);
    assert_non_null(*err);
    tu_rmtree(dir);
    free(dir);
    free(o);
    free(e);
    return status;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* Number of temporaries in dir: names containing "tmp" or outdir's
 * staging directories (".costsim-stage-XXXXXX"). */
static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)))
        if (strstr(ent->d_name, "tmp") || strstr(ent->d_name, ".costsim-stage-"))
            n++;
    closedir(d);
    return n;
}

static void assert_file_is(const char *dir, const char *name, const char *text)
{
    char *path = fmt("%s/%s", dir, name);
    char *got = tu_read(path, NULL);
    if (!got)
        fail_msg("%s is missing", path);
    assert_string_equal(got, text);
    free(got);
    free(path);
}

/* An --out DIR holding old results and a file of the user's. */
static char *old_out_dir(void)
{
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "summary.csv", "old summary\n"));
    free(tu_write(dir, "trials.csv", "old trials\n"));
    free(tu_write(dir, "notes.txt", "the user's own file\n"));
    return dir;
}

static void assert_old_out_dir(const char *dir)
{
    assert_file_is(dir, "summary.csv", "old summary\n");
    assert_file_is(dir, "trials.csv", "old trials\n");
    assert_file_is(dir, "notes.txt", "the user's own file\n");
    char *by_year = fmt("%s/by_year.csv", dir);
    assert_int_equal(access(by_year, F_OK), -1); /* nothing new appeared */
    free(by_year);
    assert_int_equal(count_temporaries(dir), 0);
}

/* After a failure: a clean run into the same DIR works and leaves the
 * user's file alone. */
static void assert_second_run_succeeds(const char *scenario, const char *dir)
{
    char *out, *err;
    const char *args[] = {"run", scenario, "--trials", "500", "--out", dir, "--quiet", NULL};
    int status = run_env(&out, &err, NULL, NULL, args);
    if (status != 0)
        fail_msg("second run: exit %d: %s", status, err);
    char *summary = fmt("%s/summary.csv", dir);
    char *text = tu_read(summary, NULL);
    assert_non_null(text);
    assert_memory_equal(text, "measure,level,id,", 17);
    assert_file_is(dir, "notes.txt", "the user's own file\n");
    char *trials = fmt("%s/trials.csv", dir);
    assert_int_equal(access(trials, F_OK), -1); /* stale result removed */
    assert_int_equal(count_temporaries(dir), 0);
    free(trials);
    free(text);
    free(summary);
    free(out);
    free(err);
}

/* A scenario and model in a new directory: `elements` is the whole body
 * of elements.csv after its header. */
static char *write_model(const char *elements_header, const char *elements)
{
    char *dir = tu_mkdtemp();
    free(tu_write(dir, "scenario.csv",
                  "key,value\nmodel,model\ntrials,1000\nseed,3\nbase_year,2025\n"
                  "base_currency,CAD\n"));
    strbuf b = {0};
    sb_add(&b, elements_header);
    sb_add(&b, elements);
    free(tu_write(dir, "model/elements.csv", b.text));
    free(b.text);
    return dir;
}

static const char element_header[] = "id,phase,currency,basis,dist,low,likely,high,start,end\n";

/* n once elements, e0 ... e(n-1). */
static char *many_elements(size_t n)
{
    strbuf b = {0};
    char row[128];
    for (size_t i = 0; i < n; i++) {
        snprintf(row, sizeof row, "e%zu,build,CAD,once,fixed,,1.5,,2026,2027\n", i);
        sb_add(&b, row);
    }
    return b.text;
}

static int check_dir(const char *dir, char **out, char **err)
{
    char *scenario = fmt("%s/scenario.csv", dir);
    const char *args[] = {"check", scenario, NULL};
    int status = run_env(out, err, NULL, NULL, args);
    free(scenario);
    return status;
}

/* ---- Limits of docs/LIMITS.md
 * ------------------------------------------------- */

static void elements_at_limit_are_accepted(void **state)
{
    (void)state;
    char *rows = many_elements(10000);
    char *dir = write_model(element_header, rows);
    char *out, *err;
    int status = check_dir(dir, &out, &err);
    if (status != 0)
        fail_msg("10 000 elements: exit %d: %.500s", status, err);
    assert_non_null(strstr(out, "10000 elements"));
    free(out);
    free(err);
    free(rows);
    tu_rmtree(dir);
    free(dir);
}

static void too_many_elements_are_refused(void **state)
{
    (void)state;
    char *rows = many_elements(10001);
    char *dir = write_model(element_header, rows);
    char *out, *err;
    assert_int_equal(check_dir(dir, &out, &err), 2);
    /* path:line:column: what; allowed — the 10 001st row is on line 10 002 */
    assert_non_null(strstr(err, "model/elements.csv:10002:"));
    assert_non_null(strstr(err, "10000"));
    free(out);
    free(err);
    free(rows);
    tu_rmtree(dir);
    free(dir);
}

static void too_many_risks_are_refused(void **state)
{
    (void)state;
    char *dir = write_model(element_header, "hull,build,CAD,once,fixed,,10,,2026,2027\n");
    strbuf b = {0};
    sb_add(&b, "id,probability,dist,likely,year\n");
    char row[96];
    for (int i = 0; i < 10001; i++) {
        snprintf(row, sizeof row, "r%d,0.25,fixed,1.5,2030\n", i);
        sb_add(&b, row);
    }
    free(tu_write(dir, "model/risks.csv", b.text));
    char *out, *err;
    assert_int_equal(check_dir(dir, &out, &err), 2);
    assert_non_null(strstr(err, "model/risks.csv:10002:"));
    assert_non_null(strstr(err, "10000"));
    free(b.text);
    free(out);
    free(err);
    tu_rmtree(dir);
    free(dir);
}

static void too_many_currencies_are_refused(void **state)
{
    (void)state;
    char *dir = write_model(element_header, "hull,build,CAD,once,fixed,,10,,2026,2027\n");
    strbuf b = {0};
    sb_add(&b, "currency,rate\nCAD,\n");
    char row[32];
    /* 201 currencies: CAD and AAA ... (three uppercase letters) */
    for (int i = 0; i < 200; i++) {
        snprintf(row, sizeof row, "%c%c%c,1.25\n", 'A' + i / 26 % 26, 'A' + i % 26, 'Q');
        sb_add(&b, row);
    }
    free(tu_write(dir, "model/currencies.csv", b.text));
    char *out, *err;
    assert_int_equal(check_dir(dir, &out, &err), 2);
    assert_non_null(strstr(err, "model/currencies.csv:"));
    assert_non_null(strstr(err, "200"));
    free(b.text);
    free(out);
    free(err);
    tu_rmtree(dir);
    free(dir);
}

/* A name of exactly 4 096 bytes is fine, 4 097 is not. */
static void field_limit_is_4096_bytes(void **state)
{
    (void)state;
    for (size_t len = 4096; len <= 4097; len++) {
        char *name = malloc(len + 1);
        memset(name, 'n', len);
        name[len] = '\0';
        char *rows = fmt("hull,%s,build,CAD,once,fixed,,10,,2026,2027\n", name);
        char *dir = write_model("id,name,phase,currency,basis,dist,low,likely,high,start,end\n",
                                rows);
        char *out, *err;
        int status = check_dir(dir, &out, &err);
        if (len == 4096) {
            if (status != 0)
                fail_msg("4096-byte name: exit %d: %.300s", status, err);
        } else {
            assert_int_equal(status, 2);
            assert_non_null(strstr(err, "model/elements.csv:2:name: "));
            assert_non_null(strstr(err, "4096"));
        }
        free(out);
        free(err);
        free(rows);
        free(name);
        tu_rmtree(dir);
        free(dir);
    }
}

/* --trials 1e9 needs far more memory than a test machine has: refused
 * before anything starts (no --out DIR created), saying how much. */
static void trials_beyond_memory_are_refused_first(void **state)
{
    (void)state;
    char *scenario = data_path("good/basic/scenario.csv");
    char *parent = tu_mkdtemp();
    char *dir = fmt("%s/out", parent);
    const char *args[] = {"run", scenario, "--trials", "1000000000", "--out", dir,
                          "--quiet", NULL};
    char *out, *err;
    time_t t0 = time(NULL);
    int status = run_env(&out, &err, NULL, NULL, args);
    assert_int_equal(status, 2);
    assert_true(time(NULL) - t0 < 30);
    assert_non_null(strstr(err, "1000000000 trials need about "));
    assert_non_null(strstr(err, " MiB"));
    assert_int_equal(access(dir, F_OK), -1);
    free(out);
    free(err);
    tu_rmtree(parent);
    free(parent);
    free(dir);
    free(scenario);
}

/* ---- Signals ------------------------------------------------------------ */

/* A model slow enough that a run lasts many seconds: 200 per_year
 * elements over 50 years. */
static char *slow_model(void)
{
    strbuf b = {0};
    char row[96];
    for (int i = 0; i < 200; i++) {
        snprintf(row, sizeof row, "e%d,p%d,CAD,per_year,uniform,1.25,,2.5,2026,2075\n", i,
                 i % 5);
        sb_add(&b, row);
    }
    char *dir = write_model(element_header, b.text);
    free(b.text);
    return dir;
}

static void interrupted_during_simulation(int sig)
{
    char *model = slow_model();
    char *scenario = fmt("%s/scenario.csv", model);
    char *dir = old_out_dir();
    char *o = fmt("%s/stdout", model), *e = fmt("%s/stderr", model);
    const char *args[] = {"run", scenario, "--trials", "1000000", "--out", dir,
                          "--trials-out", "--quiet", NULL};
    pid_t pid = tu_spawn_costsim(args, o, e, NULL, NULL);
    sleep_ms(300);
    int early = waitpid(pid, NULL, WNOHANG);
    if (early != 0)
        fail_msg("the run ended before the signal; make slow_model slower");
    assert_int_equal(kill(pid, sig), 0);
    int status = tu_wait(pid);
    char *err = tu_read(e, NULL);
    if (status == 0)
        fail_msg("exit 0 after signal %d", sig);
    assert_true(strlen(err) > 0); /* says what happened */
    assert_old_out_dir(dir);
    assert_second_run_succeeds(scenario, dir);
    free(err);
    free(o);
    free(e);
    tu_rmtree(dir);
    free(dir);
    tu_rmtree(model);
    free(model);
    free(scenario);
}

static void sigint_during_simulation(void **state)
{
    (void)state;
    interrupted_during_simulation(SIGINT);
}

static void sigterm_during_simulation(void **state)
{
    (void)state;
    interrupted_during_simulation(SIGTERM);
}

/* The signal arrives while the temporaries are being written (seen in DIR):
 * still nothing is renamed and every temporary is removed. */
static void sigterm_while_writing(void **state)
{
    (void)state;
    char *scenario = data_path("good/basic/scenario.csv");
    char *dir = old_out_dir();
    char *logs = tu_mkdtemp();
    char *o = fmt("%s/stdout", logs), *e = fmt("%s/stderr", logs);
    const char *args[] = {"run", scenario, "--trials", "400000", "--out", dir,
                          "--trials-out", "--quiet", NULL};
    pid_t pid = tu_spawn_costsim(args, o, e, NULL, NULL);
    bool seen = false;
    for (int i = 0; i < 12000 && !seen; i++) { /* up to 2 minutes */
        if (count_temporaries(dir) > 0)
            seen = true;
        else if (waitpid(pid, NULL, WNOHANG) != 0)
            break;
        else
            sleep_ms(10);
    }
    if (!seen) {
        kill(pid, SIGKILL);
        tu_wait(pid);
        fail_msg("never saw a temporary in %s", dir);
    }
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status = tu_wait(pid);
    char *err = tu_read(e, NULL);
    if (status == 0) {
        /* The signal came after the last rename: then all files are new. */
        assert_int_equal(count_temporaries(dir), 0);
        char *text = fmt("%s/summary.csv", dir);
        char *summary = tu_read(text, NULL);
        assert_memory_equal(summary, "measure,", 8);
        free(summary);
        free(text);
    } else {
        assert_true(strlen(err) > 0);
        assert_old_out_dir(dir);
    }
    assert_second_run_succeeds(scenario, dir);
    free(err);
    free(o);
    free(e);
    tu_rmtree(logs);
    free(logs);
    tu_rmtree(dir);
    free(dir);
    free(scenario);
}

/* ---- Full disk and unwritable stdout ------------------------------------ */

/* stdout on /dev/full: exit 1 and a message on stderr. */
static void stdout_full(const char *command, const char *format)
{
    char *scenario = data_path("good/basic/scenario.csv");
    char *logs = tu_mkdtemp();
    char *e = fmt("%s/stderr", logs);
    const char *run_args[] = {command, scenario, "--trials", "500", "--format", format,
                              "--quiet", NULL};
    const char *check_args[] = {command, scenario, NULL};
    const char *const *args = strcmp(command, "check") == 0 ? check_args : run_args;
    int status = tu_wait(tu_spawn_costsim(args, "/dev/full", e, NULL, NULL));
    char *err = tu_read(e, NULL);
    if (status != 1 || !strstr(err, "No space left on device"))
        fail_msg("costsim %s --format %s > /dev/full: exit %d, stderr '%s'", command, format,
                 status, err);
    free(err);
    /* ... and the same command to a file works. */
    char *o = fmt("%s/stdout", logs);
    assert_int_equal(tu_wait(tu_spawn_costsim(args, o, e, NULL, NULL)), 0);
    free(o);
    free(e);
    tu_rmtree(logs);
    free(logs);
    free(scenario);
}

static void stdout_full_csv(void **state)
{
    (void)state;
    stdout_full("run", "csv");
}

static void stdout_full_table(void **state)
{
    (void)state;
    stdout_full("run", "table");
}

/* Known defect: cmd_run.c write_outputs returns 1 on a failed
 * cs_report_json without printing anything. */
static void bug_stdout_full_json(void **state)
{
    (void)state;
    stdout_full("run", "json");
}

/* Known defect: cmd_check.c ignores the result of fflush(stdout): exit 0. */
static void bug_check_stdout_full(void **state)
{
    (void)state;
    stdout_full("check", "");
}

/* ---- Spreadsheet and HTML safety ---------------------------------------- */

/* Parses one RFC 4180 record at *p (advanced past its LF) into fields
 * (up to max; count returned). Fails the test on malformed quoting. */
static size_t csv_record(const char **p, char **fields, size_t max, bool *quoted)
{
    size_t n = 0;
    const char *s = *p;
    for (;;) {
        strbuf b = {0};
        sb_add(&b, "");
        bool q = *s == '"';
        if (q) {
            s++;
            for (;;) {
                if (!*s)
                    fail_msg("unterminated quoted field");
                if (*s == '"' && s[1] == '"') {
                    sb_add(&b, "\"");
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    char c[2] = {*s++, 0};
                    sb_add(&b, c);
                }
            }
            if (*s != ',' && *s != '\n')
                fail_msg("text after a closing quote");
        } else {
            while (*s && *s != ',' && *s != '\n') {
                if (*s == '"' || *s == '\r')
                    fail_msg("quote or CR in an unquoted field");
                char c[2] = {*s++, 0};
                sb_add(&b, c);
            }
        }
        assert_true(n < max);
        quoted[n] = q;
        fields[n++] = b.text;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\n')
            s++;
        break;
    }
    *p = s;
    return n;
}

/* What a hostile name must look like in a CSV cell (docs/OUTPUTS.md). */
static char *csv_safe(const char *name)
{
    return strchr("=+-@\t\r", name[0]) && name[0] ? fmt("'%s", name) : strdup(name);
}

static const char scenario_name[] = "=cmd|' /C calc'!A0";

static const struct {
    const char *id, *name;
} hostile_names[] = {
    {"hyperlink", "=HYPERLINK(\"http://x\",\"y\")"},
    {"at", "@SUM(1)"},
    {"plus", "+1"},
    {"minus", "-1"},
    {"quotes", "say \"hi\", then, leave"},
    {"newline", "two\nlines"},
    {"script", "<script>alert(1)</script>"},
    {"tab", "\t=1+2"},
    {"amp", "a & b < c > d 'e'"},
    {"r1", "=1+1"},
    {"r2", "<b onmouseover=alert(3)>risk</b>"},
};
enum { N_HOSTILE = sizeof hostile_names / sizeof hostile_names[0] };

static void hostile_names_are_neutralised(void **state)
{
    (void)state;
    char *scenario = data_path("hostile/formula_names/scenario.csv");
    char *dir = tu_mkdtemp();
    char *out_dir = fmt("%s/out", dir), *report = fmt("%s/r.html", dir);
    char *set = fmt("name=%s", scenario_name);
    const char *args[] = {"run", scenario, "--set", set, "--out", out_dir, "--report", report,
                          "--format", "json", "--quiet", NULL};
    char *out, *err;
    int status = run_env(&out, &err, NULL, NULL, args);
    if (status != 0)
        fail_msg("exit %d: %s", status, err);

    /* summary.csv: every name cell is the name, with a ' before a formula
     * character, RFC 4180 quoted where it holds a comma, quote or newline. */
    char *path = fmt("%s/summary.csv", out_dir);
    char *csv = tu_read(path, NULL);
    assert_non_null(csv);
    assert_null(strchr(csv, '\r'));
    const char *p = csv;
    char *f[32];
    bool quoted[32];
    size_t n = csv_record(&p, f, 32, quoted);
    assert_int_equal(n, 17); /* summary.csv columns, cv included */
    assert_string_equal(f[3], "name");
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    int rows = 0, seen[N_HOSTILE] = {0};
    while (*p) {
        n = csv_record(&p, f, 32, quoted);
        assert_int_equal(n, 17); /* summary.csv columns, cv included */
        const char *level = f[1], *id = f[2], *name = f[3];
        if (strcmp(level, "total") == 0) {
            char *want = csv_safe(scenario_name);
            assert_string_equal(name, want);
            free(want);
        }
        for (size_t k = 0; k < N_HOSTILE; k++)
            if (strcmp(id, hostile_names[k].id) == 0) {
                char *want = csv_safe(hostile_names[k].name);
                assert_string_equal(name, want);
                free(want);
                seen[k]++;
            }
        /* A cell that holds a separator, quote or line break is quoted. */
        if (strpbrk(name, ",\"\n"))
            assert_true(quoted[3]);
        /* No text cell may start a formula. */
        for (size_t i = 0; i < 5; i++)
            assert_null(strchr("=+-@\t\r", f[i][0]) && f[i][0] ? f[i] : NULL);
        for (size_t i = 0; i < n; i++)
            free(f[i]);
        rows++;
    }
    assert_int_equal(rows, 3 * (1 + 3 + N_HOSTILE)); /* total, 3 phases, 9+2 rows */
    for (size_t k = 0; k < N_HOSTILE; k++)
        assert_int_equal(seen[k], 3);

    /* JSON: valid, and carries the names exactly (no prefix needed). */
    json_error_t jerr;
    json_t *root = json_loads(out, 0, &jerr);
    if (!root)
        fail_msg("stdout is not JSON: %s at line %d", jerr.text, jerr.line);
    json_t *name = json_object_get(root, "scenario");
    assert_true(json_is_string(name));
    assert_string_equal(json_string_value(name), scenario_name);
    char *dump = json_dumps(root, 0);
    assert_non_null(strstr(dump, "<script>alert(1)</script>"));
    assert_non_null(strstr(dump, "two\\nlines"));
    free(dump);
    json_decref(root);

    /* HTML (--report and DIR/report.html): no markup from the input. */
    const char *htmls[] = {report, NULL};
    char *in_dir = fmt("%s/report.html", out_dir);
    htmls[1] = in_dir;
    for (size_t i = 0; i < 2; i++) {
        char *html = tu_read(htmls[i], NULL);
        assert_non_null(html);
        assert_null(strstr(html, "<script>alert"));
        assert_null(strstr(html, "<b onmouseover"));
        assert_null(strstr(html, "<img"));
        assert_null(strstr(html, "onerror"));
        assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
        free(html);
    }
    free(in_dir);
    free(csv);
    free(path);
    free(out);
    free(err);
    free(set);
    free(report);
    free(out_dir);
    tu_rmtree(dir);
    free(dir);
    free(scenario);
}

/* Known defect: --set values skip the checks that file cells get (valid
 * UTF-8, at most 4 096 bytes): the scenario name below is accepted and its
 * byte 0xFF is written into summary.csv and into the JSON. */
static void bug_set_value_not_utf8(void **state)
{
    (void)state;
    char *scenario = data_path("good/basic/scenario.csv");
    const char *args[] = {"check", scenario, "--set", "name=caf\xe9 \xff", NULL};
    char *out, *err;
    int status = run_env(&out, &err, NULL, NULL, args);
    if (status != 2 || !strstr(err, "--set name: "))
        fail_msg("--set name=<not UTF-8>: exit %d, stderr '%s'", status, err);
    free(out);
    free(err);
    free(scenario);
}

static void bug_set_value_too_long(void **state)
{
    (void)state;
    char *scenario = data_path("good/basic/scenario.csv");
    char *set = malloc(5 + 5000 + 1);
    memcpy(set, "name=", 5);
    memset(set + 5, 'x', 5000);
    set[5005] = '\0';
    const char *args[] = {"check", scenario, "--set", set, NULL};
    char *out, *err;
    int status = run_env(&out, &err, NULL, NULL, args);
    if (status != 2 || !strstr(err, "--set name: "))
        fail_msg("--set name=<5000 bytes>: exit %d, stderr '%.200s'", status, err);
    free(out);
    free(err);
    free(set);
    free(scenario);
}

int main(int argc, char **argv)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(elements_at_limit_are_accepted),
        cmocka_unit_test(too_many_elements_are_refused),
        cmocka_unit_test(too_many_risks_are_refused),
        cmocka_unit_test(too_many_currencies_are_refused),
        cmocka_unit_test(field_limit_is_4096_bytes),
        cmocka_unit_test(trials_beyond_memory_are_refused_first),
        cmocka_unit_test(sigint_during_simulation),
        cmocka_unit_test(sigterm_during_simulation),
        cmocka_unit_test(sigterm_while_writing),
        cmocka_unit_test(stdout_full_csv),
        cmocka_unit_test(stdout_full_table),
        cmocka_unit_test(hostile_names_are_neutralised),
        cmocka_unit_test(bug_stdout_full_json),
        cmocka_unit_test(bug_check_stdout_full),
        cmocka_unit_test(bug_set_value_not_utf8),
        cmocka_unit_test(bug_set_value_too_long),
    };
    signal(SIGPIPE, SIG_IGN);
    if (argc > 1) {
        /* One test (or a pattern) by name, from any group. */
        cmocka_set_test_filter(argv[1]);
        return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
    }
    return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}
