/* costsim_bench: how fast and how lean a whole `costsim run` is, measured
 * against the floor of the engine (SPEC §12 performance targets).
 *
 * The floor is cs_engine_floor(): the same generator and threads drawing
 * exactly the samples the model consumes, and nothing else. The full run is
 * the real costsim program run as a child process on bench/bench.csv with
 * --out (so loading, statistics, drivers and writing every output count),
 * timed with CLOCK_MONOTONIC; its peak memory is the child's ru_maxrss from
 * wait4(). The 1- and 2-thread runs give the scaling ratio, and their
 * output directories are compared byte for byte (SPEC §10).
 *
 * This is a program, not a test: it prints numbers and PASS/MISS per
 * target and exits 0 when everything could be measured (1 when not, 2 on
 * a usage error), whatever the verdicts. */
#define _DEFAULT_SOURCE /* wait4 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "costsim.h"
#include "diag.h"
#include "engine.h"
#include "loader.h"
#include "model.h"

#ifndef COSTSIM_BENCH_PROGRAM
#error "COSTSIM_BENCH_PROGRAM (path of the costsim program) must be defined"
#endif
#ifndef COSTSIM_BENCH_SCENARIO
#error "COSTSIM_BENCH_SCENARIO (path of bench/bench.csv) must be defined"
#endif

/* Targets. */
#define TARGET_FULL_OVER_FLOOR 2.0 /* full run at most 2x the floor's time */
#define TARGET_SPEEDUP_2 1.8       /* 2 threads at least 1.8x one thread */
#define MIB (1024.0 * 1024.0)
#define TARGET_RSS_1E6 (512.0 * MIB) /* peak RSS below this up to 1e6 trials */
#define TARGET_RSS_1E7 (2048.0 * MIB) /* ... and this up to 1e7 */

typedef struct {
    uint64_t trials;
    unsigned threads;
    const char *out_dir;
} bench_options;

/* A whole run of the costsim program. */
typedef struct {
    double seconds;
    double cpu_seconds; /* user + system time of the child */
    double peak_rss_bytes;
    int exit_status; /* the child's exit status, -1 if it did not exit */
} run_measure;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double timeval_seconds(struct timeval tv) { return (double)tv.tv_sec + tv.tv_usec * 1e-6; }

static void usage(FILE *f)
{
    fprintf(f, "usage: costsim_bench [--trials N] [--threads T] [--out DIR]\n"
               "  --trials N   trials of every run (default 1000000; 1e6 is accepted)\n"
               "  --threads T  threads of the floor and the full run (default: all\n"
               "               online processors)\n"
               "  --out DIR    where the runs write their outputs (default: a new\n"
               "               directory under /tmp); the T-thread run writes to DIR,\n"
               "               the scaling runs to DIR/threads-1 and DIR/threads-2\n"
               "Scenario: %s\nProgram:  %s\n",
            COSTSIM_BENCH_SCENARIO, COSTSIM_BENCH_PROGRAM);
}

/* A positive integer, also written as 1e6 or 1000000.0. */
static int parse_count(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 1) || v > (double)max || v != floor(v))
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, bench_options *o)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->trials = 1000000;
    o->threads = cpus > 0 ? (unsigned)cpus : 1;
    o->out_dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "costsim_bench: %s needs a value or is unknown\n", a);
            return -1;
        }
        const char *v = argv[++i];
        uint64_t n;
        if (!strcmp(a, "--trials")) {
            if (parse_count(v, 1000000000, &o->trials) != 0) {
                fprintf(stderr, "costsim_bench: --trials %s: need an integer 1 ... 1e9\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--threads")) {
            if (parse_count(v, 256, &n) != 0) {
                fprintf(stderr, "costsim_bench: --threads %s: need an integer 1 ... 256\n", v);
                return -1;
            }
            o->threads = (unsigned)n;
        } else if (!strcmp(a, "--out")) {
            o->out_dir = v;
        } else {
            fprintf(stderr, "costsim_bench: unknown option %s\n", a);
            return -1;
        }
    }
    return 0;
}

/* Runs `costsim run SCENARIO --trials N --threads T --out DIR --quiet` as a
 * child with stdout on /dev/null, and measures its wall time and peak RSS.
 * Returns 0 when the child ran and exited 0. */
static int run_costsim(uint64_t trials, unsigned threads, const char *out_dir, run_measure *m)
{
    char trials_arg[32], threads_arg[16];
    snprintf(trials_arg, sizeof trials_arg, "%" PRIu64, trials);
    snprintf(threads_arg, sizeof threads_arg, "%u", threads);
    char *const args[] = {(char *)COSTSIM_BENCH_PROGRAM, "run", (char *)COSTSIM_BENCH_SCENARIO,
                          "--trials", trials_arg, "--threads", threads_arg, "--out",
                          (char *)out_dir, "--quiet", NULL};
    fflush(NULL);
    double start = now_seconds();
    pid_t pid = fork();
    if (pid < 0) {
        perror("costsim_bench: fork");
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execv(COSTSIM_BENCH_PROGRAM, args);
        perror("costsim_bench: exec " COSTSIM_BENCH_PROGRAM);
        _exit(127);
    }
    int status;
    struct rusage ru;
    pid_t got;
    while ((got = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
        ;
    m->seconds = now_seconds() - start;
    if (got < 0) {
        perror("costsim_bench: wait4");
        return -1;
    }
    m->peak_rss_bytes = (double)ru.ru_maxrss * 1024.0; /* Linux: KiB */
    m->cpu_seconds = timeval_seconds(ru.ru_utime) + timeval_seconds(ru.ru_stime);
    m->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (m->exit_status != 0) {
        fprintf(stderr, "costsim_bench: %s run %s ... --threads %u exited with %d\n",
                COSTSIM_BENCH_PROGRAM, COSTSIM_BENCH_SCENARIO, threads, m->exit_status);
        return -1;
    }
    return 0;
}

/* Whether two files have the same bytes. */
static bool same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    while (same) {
        char ba[65536], bb[65536];
        size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
        if (na != nb || memcmp(ba, bb, na) != 0)
            same = false;
        if (na < sizeof ba)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* Compares every regular file of directory a with its namesake in b and
 * the other way round. Returns the number of files that differ or exist in
 * one only (names printed), or -1 when a directory cannot be read. */
static int compare_dirs(const char *a, const char *b)
{
    int differ = 0;
    const char *dirs[2] = {a, b};
    for (int side = 0; side < 2; side++) {
        DIR *d = opendir(dirs[side]);
        if (!d)
            return -1;
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL) {
            char pa[4096], pb[4096];
            struct stat sa, sb;
            snprintf(pa, sizeof pa, "%s/%s", dirs[side], ent->d_name);
            snprintf(pb, sizeof pb, "%s/%s", dirs[1 - side], ent->d_name);
            if (stat(pa, &sa) != 0 || !S_ISREG(sa.st_mode))
                continue;
            bool other = stat(pb, &sb) == 0 && S_ISREG(sb.st_mode);
            if (!other || (side == 0 && !same_file(pa, pb))) {
                printf("    differs: %s\n", ent->d_name);
                differ++;
            }
        }
        closedir(d);
    }
    return differ;
}

/* The machine's own parallelism: how much faster two threads do twice
 * the work of one, on a loop that touches no memory. About 2 on two idle
 * cores; lower when other processes hold a core (then the speed-up target
 * cannot be judged). */
static void *spin(void *arg)
{
    volatile double x = 1;
    for (long i = 0; i < 150000000L; i++)
        x = x * 1.0000001 + 1e-9;
    (void)arg;
    return NULL;
}

static double machine_parallelism(void)
{
    double start = now_seconds();
    spin(NULL);
    double one = now_seconds() - start;
    pthread_t other;
    start = now_seconds();
    if (pthread_create(&other, NULL, spin, NULL) != 0)
        return NAN;
    spin(NULL);
    pthread_join(other, NULL);
    double two = now_seconds() - start;
    return 2 * one / two;
}

static const char *verdict(bool pass) { return pass ? "PASS" : "MISS"; }

int main(int argc, char **argv)
{
    bench_options o;
    if (parse_args(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    cs_init();

    char tmp_dir[] = "/tmp/costsim_bench.XXXXXX";
    if (!o.out_dir) {
        if (!mkdtemp(tmp_dir)) {
            perror("costsim_bench: mkdtemp");
            return 1;
        }
        o.out_dir = tmp_dir;
    } else if (mkdir(o.out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "costsim_bench: cannot create %s: %s\n", o.out_dir, strerror(errno));
        return 1;
    }
    char dir1[4096], dir2[4096];
    snprintf(dir1, sizeof dir1, "%s/threads-1", o.out_dir);
    snprintf(dir2, sizeof dir2, "%s/threads-2", o.out_dir);

    cs_diag *diag = cs_diag_alloc();
    if (!diag)
        return 1;
    cs_model *model = cs_loader_load(COSTSIM_BENCH_SCENARIO, NULL, 0, diag);
    if (!model) {
        for (size_t i = 0; i < cs_diag_count(diag); i++) {
            char *line = cs_diag_format(cs_diag_get(diag, i));
            fprintf(stderr, "%s\n", line ? line : "out of memory");
            free(line);
        }
        cs_diag_free(diag);
        return 1;
    }
    cs_diag_free(diag);

    cs_run_options run_opt = {.trials = o.trials, .threads = o.threads};
    double estimate = (double)cs_engine_memory_needed(model, &run_opt);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("costsim_bench: %s\n", COSTSIM_BENCH_SCENARIO);
    printf("  %zu elements, %zu risks, %zu currencies, %d units; %" PRIu64
           " trials, %u threads, %ld online processors\n",
           model->n_elements, model->n_risks, model->n_currencies, model->units, o.trials,
           o.threads, cpus);
    printf("  outputs in %s\n\n", o.out_dir);

    /* (b) and (c) first, so the forked child starts from a small parent. */
    run_measure full, one, two;
    printf("full run, %u threads ...\n", o.threads);
    if (run_costsim(o.trials, o.threads, o.out_dir, &full) != 0)
        goto fail;
    printf("full run, 1 thread ...\n");
    if (run_costsim(o.trials, 1, dir1, &one) != 0)
        goto fail;
    printf("full run, 2 threads ...\n");
    if (run_costsim(o.trials, 2, dir2, &two) != 0)
        goto fail;

    /* (a) the floor, in this process. */
    printf("floor, %u threads ...\n", o.threads);
    double start = now_seconds(), cpu_start = cpu_seconds();
    double checksum = cs_engine_floor(model, &run_opt);
    double floor_seconds = now_seconds() - start, floor_cpu = cpu_seconds() - cpu_start;
    if (isnan(checksum)) {
        fprintf(stderr, "costsim_bench: cs_engine_floor failed\n");
        goto fail;
    }

    double parallelism = machine_parallelism();

    double n = (double)o.trials, T = (double)o.threads;
    double floor_rate = n / floor_seconds / T, full_rate = n / full.seconds / T;
    double ratio = full.seconds / floor_seconds;
    double speedup = one.seconds / two.seconds;
    printf("\n%-30s %4s %10s %10s %14s\n", "", "thr", "wall s", "cpu s", "trials/s/core");
    printf("%-30s %4u %10.3f %10.3f %14.0f\n", "floor (cs_engine_floor)", o.threads,
           floor_seconds, floor_cpu, floor_rate);
    printf("%-30s %4u %10.3f %10.3f %14.0f\n", "full run (costsim run --out)", o.threads,
           full.seconds, full.cpu_seconds, full_rate);
    printf("%-30s %4u %10.3f %10.3f %14.0f\n", "full run", 1, one.seconds, one.cpu_seconds,
           n / one.seconds);
    printf("%-30s %4u %10.3f %10.3f %14.0f\n", "full run", 2, two.seconds, two.cpu_seconds,
           n / two.seconds / 2);
    printf("\n(trials/s/core = trials / wall s / threads. cpu s is user + system time;\n"
           " full/floor by cpu time %.2f, a check when other load skews wall time)\n",
           full.cpu_seconds / floor_cpu);
    printf("\npeak RSS of the full run: %.1f MiB (1 thread %.1f, 2 threads %.1f); "
           "engine estimate %.1f MiB\n",
           full.peak_rss_bytes / MIB, one.peak_rss_bytes / MIB, two.peak_rss_bytes / MIB,
           estimate / MIB);
    printf("floor checksum %.17g\n\n", checksum);

    printf("targets\n");
    printf("  full / floor time       %6.2f   <= %.1f   %s\n", ratio, TARGET_FULL_OVER_FLOOR,
           verdict(ratio <= TARGET_FULL_OVER_FLOOR));
    printf("  2-thread speed-up       %6.2f   >= %.1f   %s\n", speedup, TARGET_SPEEDUP_2,
           verdict(speedup >= TARGET_SPEEDUP_2));
    printf("    (machine check: two spinning threads run %.2fx as fast as one%s)\n", parallelism,
           parallelism < TARGET_SPEEDUP_2 ? "; the machine is busy or has fewer than 2 free "
                                            "cores, so this speed-up says little"
                                          : "");
    double peak = full.peak_rss_bytes;
    if (one.peak_rss_bytes > peak)
        peak = one.peak_rss_bytes;
    if (two.peak_rss_bytes > peak)
        peak = two.peak_rss_bytes;
    if (o.trials <= 1000000)
        printf("  peak RSS (MiB)      %10.1f   <  %.0f   %s\n", peak / MIB, TARGET_RSS_1E6 / MIB,
               verdict(peak < TARGET_RSS_1E6));
    else if (o.trials <= 10000000)
        printf("  peak RSS (MiB)      %10.1f   <  %.0f  %s\n", peak / MIB, TARGET_RSS_1E7 / MIB,
               verdict(peak < TARGET_RSS_1E7));
    else
        printf("  peak RSS (MiB)      %10.1f   (no target above 1e7 trials)\n", peak / MIB);

    printf("\ndeterminism: %s vs %s\n", dir1, dir2);
    int differ = compare_dirs(dir1, dir2);
    if (differ < 0)
        printf("  cannot read the output directories\n");
    else
        printf("  %s\n", differ == 0 ? "byte-identical" : "DIFFERENT");
    cs_model_free(model);
    return differ < 0 ? 1 : 0;
fail:
    cs_model_free(model);
    return 1;
}
