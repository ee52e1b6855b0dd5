/* fuzz_loader: a libFuzzer target over the whole loader (cs_loader_load);
 * built with FUZZ_ENGINE it is fuzz_engine, which also runs what loads.
 *
 * The input is a small archive: sections, each introduced by a marker line
 *
 *     ##costsim-file NAME
 *
 * where NAME is one of the names in `files` below (the scenario, the five
 * model files, or "set", whose lines are --set KEY=VALUE settings). The
 * bytes up to the next marker line (or the end) are the file's content, as
 * is; text before the first marker goes to scenario.csv. A section that is
 * absent means the file is absent. Unknown names are ignored, so the
 * fuzzer cannot write outside its directory.
 *
 * Each process writes into one private directory (mkdtemp under /dev/shm,
 * else /tmp), reused for every input and removed at exit. Nothing here
 * checks results: the sanitizers (address, undefined, leaks) are the
 * oracle. tests/fuzz/make_corpus.sh builds seeds in this format. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "costsim.h"
#include "diag.h"
#include "loader.h"
#include "model.h"

#define MARKER "##costsim-file "
#define MAX_SETS 64

static const char *const files[] = {
    "scenario.csv",          "model/elements.csv",    "model/currencies.csv",
    "model/risks.csv",       "model/correlations.csv", "model/fx_correlations.csv",
    "set",
};
enum { N_FILES = sizeof files / sizeof files[0], SET_SECTION = N_FILES - 1 };

static char work_dir[256];
static int verbose; /* FUZZ_LOADER_VERBOSE=1: print the messages (to replay a crash) */
static char paths[N_FILES][512];

#ifdef FUZZ_ENGINE
static void remove_outputs(const char *dir);
#endif

static void remove_work_dir(void)
{
    for (size_t i = 0; i < N_FILES; i++)
        unlink(paths[i]);
    char model[512];
    snprintf(model, sizeof model, "%s/model", work_dir);
    rmdir(model);
#ifdef FUZZ_ENGINE
    char out[512];
    snprintf(out, sizeof out, "%s/out", work_dir);
    remove_outputs(out);
#endif
    rmdir(work_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cs_init();
    verbose = getenv("FUZZ_LOADER_VERBOSE") != NULL;
    const char *bases[] = {"/dev/shm", getenv("TMPDIR"), "/tmp"};
    for (size_t i = 0; i < 3 && !work_dir[0]; i++) {
        if (!bases[i] || !*bases[i])
            continue;
        snprintf(work_dir, sizeof work_dir, "%s/costsim-fuzz-XXXXXX", bases[i]);
        if (!mkdtemp(work_dir))
            work_dir[0] = '\0';
    }
    if (!work_dir[0]) {
        perror("fuzz_loader: mkdtemp");
        exit(1);
    }
    char model[512];
    snprintf(model, sizeof model, "%s/model", work_dir);
    if (mkdir(model, 0700) != 0) {
        perror("fuzz_loader: mkdir");
        exit(1);
    }
    for (size_t i = 0; i < N_FILES; i++)
        snprintf(paths[i], sizeof paths[i], "%s/%s", work_dir, files[i]);
    atexit(remove_work_dir);
    return 0;
}

/* Index in `files` of the marker line at line[0 .. n), or -1. */
static int section_of(const uint8_t *line, size_t n)
{
    size_t m = strlen(MARKER);
    if (n < m || memcmp(line, MARKER, m) != 0)
        return -1;
    size_t len = n - m;
    if (len > 0 && line[m + len - 1] == '\r')
        len--;
    for (size_t i = 0; i < N_FILES; i++)
        if (strlen(files[i]) == len && memcmp(line + m, files[i], len) == 0)
            return (int)i;
    return -2; /* a marker with an unknown name: its section is dropped */
}

static void write_file(const char *path, const uint8_t *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    if (n && fwrite(data, 1, n, f) != n) {
        perror(path);
        abort();
    }
    fclose(f);
}

/* Splits the "set" section into KEY=VALUE settings (copies in *storage). */
static size_t parse_sets(const uint8_t *data, size_t n, cs_setting *sets, char **storage)
{
    *storage = malloc(n + 1);
    memcpy(*storage, data, n);
    (*storage)[n] = '\0';
    size_t count = 0;
    char *line = *storage;
    while (line && count < MAX_SETS) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            sets[count++] = (cs_setting){line, eq + 1};
        }
        line = next;
    }
    return count;
}

#ifdef FUZZ_ENGINE
/* fuzz_engine: a model that loads is also run through the library (a few
 * trials, one thread, every output written), so engine and writers see
 * every model the fuzzer finds, and compared with the same files without
 * the --set lines. A run may fail with CS_E_RUNTIME (a draw broke a rule)
 * or be refused; it must never crash. */
static void remove_outputs(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue; /* the run's lock file is a dot file */
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            remove_outputs(path); /* a comparison's a/ and b/ */
    }
    closedir(d);
    rmdir(dir);
}

/* Compares the run's scenario (with the --set lines) against the files
 * alone, and writes every output of the comparison into out. */
static void compare_with_file(const cs_scenario *a, const cs_run_config *cfg, const char *out)
{
    cs_diag *diag = cs_diag_alloc();
    cs_scenario *b = NULL;
    if (!diag)
        abort();
    if (cs_scenario_load(paths[0], NULL, 0, &b, diag) == CS_OK) {
        cs_comparison *c = NULL;
        cs_status st = cs_scenario_compare(a, b, cfg, &c, diag);
        if (st == CS_OK) {
            if (mkdir(out, 0700) == 0)
                cs_comparison_write_dir(c, out, diag);
            FILE *sink = fopen("/dev/null", "w");
            if (sink) {
                cs_comparison_write_json(c, sink, diag);
                cs_comparison_write_table(c, sink, diag);
                fclose(sink);
            }
            remove_outputs(out);
        } else if (st != CS_E_RUNTIME && st != CS_E_INPUT) {
            abort();
        }
        cs_comparison_free(c);
    }
    cs_scenario_free(b);
    cs_diag_free(diag);
}

static void run_engine(const cs_setting *sets, size_t n_sets)
{
    const char *overrides[MAX_SETS];
    char text[MAX_SETS][512];
    for (size_t i = 0; i < n_sets; i++) {
        snprintf(text[i], sizeof text[i], "%s=%s", sets[i].key, sets[i].value);
        overrides[i] = text[i];
    }
    cs_diag *diag = cs_diag_alloc();
    cs_scenario *sc = NULL;
    if (!diag)
        abort();
    if (cs_scenario_load(paths[0], overrides, n_sets, &sc, diag) == CS_OK) {
        uint64_t trials = cs_scenario_trials(sc);
        cs_run_config cfg = {.trials = trials < 40 ? trials : 40, .threads = 1};
        cs_run *run = NULL;
        cs_status st = cs_scenario_run(sc, &cfg, &run, diag);
        if (st == CS_OK) {
            char out[512];
            snprintf(out, sizeof out, "%s/out", work_dir);
            remove_outputs(out);
            if (mkdir(out, 0700) == 0)
                cs_run_write_dir(run, out, diag);
            FILE *sink = fopen("/dev/null", "w");
            if (sink) {
                cs_run_write_json(run, sink, diag);
                cs_run_write_table(run, sink, diag);
                fclose(sink);
            }
            remove_outputs(out);
            compare_with_file(sc, &cfg, out);
        } else if (st != CS_E_RUNTIME && st != CS_E_INPUT) {
            abort();
        }
        if (verbose)
            for (size_t i = 0; i < cs_diag_count(diag); i++)
                fprintf(stderr, "run: %s\n", cs_diag_message(diag, i));
        cs_run_free(run);
    }
    cs_scenario_free(sc);
    cs_diag_free(diag);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *start[N_FILES] = {0};
    size_t length[N_FILES] = {0};
    int current = 0; /* text before any marker is the scenario */
    const uint8_t *section = data;
    size_t pos = 0;
    for (size_t i = 0; i < N_FILES; i++)
        unlink(paths[i]);
    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - data) : size;
        int next = section_of(data + pos, end - pos);
        if (next != -1) {
            /* An empty preamble before the first marker is not a file. */
            bool empty_preamble = section == data && pos == 0;
            if (current >= 0 && !start[current] && !empty_preamble) {
                start[current] = section;
                length[current] = (size_t)(data + pos - section);
            }
            current = next;
            section = data + (end < size ? end + 1 : size);
        }
        pos = end + 1;
    }
    if (current >= 0 && !start[current]) {
        start[current] = section;
        length[current] = (size_t)(data + size - section);
    }
    for (size_t i = 0; i < SET_SECTION; i++)
        if (start[i])
            write_file(paths[i], start[i], length[i]);

    cs_setting sets[MAX_SETS];
    char *storage = NULL;
    size_t n_sets = start[SET_SECTION]
                        ? parse_sets(start[SET_SECTION], length[SET_SECTION], sets, &storage)
                        : 0;
    cs_diag *diag = cs_diag_alloc();
    if (!diag)
        abort();
    cs_model *m = cs_loader_load(paths[0], sets, n_sets, diag);
    /* The loader's contract: a model, or at least one error, never both
     * (a model may come with warnings). */
    if ((m != NULL) == (cs_diag_errors(diag) > 0))
        abort();
#ifdef FUZZ_ENGINE
    if (m)
        run_engine(sets, n_sets);
#endif
    for (size_t i = 0; i < cs_diag_count(diag); i++) {
        char *text = cs_diag_format(cs_diag_get(diag, i));
        if (verbose)
            fprintf(stderr, "%s\n", text);
        free(text);
    }
    if (verbose && m)
        fprintf(stderr, "loaded: %zu elements, %zu risks, %zu currencies\n", m->n_elements,
                m->n_risks, m->n_currencies);
    cs_model_free(m);
    cs_diag_free(diag);
    free(storage);
    return 0;
}
