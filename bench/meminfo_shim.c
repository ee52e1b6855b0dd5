/* meminfo_shim: an LD_PRELOAD library for costsim_bench that makes a child
 * see a chosen amount of available memory.
 *
 * The costsim engine compares its own memory estimate with MemAvailable
 * from /proc/meminfo and refuses a run that would not fit, naming the
 * estimate in its message. It has no other way to show the estimate. When
 * COSTSIM_BENCH_MEMAVAILABLE_KB is set, this library answers an fopen of
 * /proc/meminfo with that value, so the bench can (1) read the estimate of
 * any run by offering 0 kB and parsing the refusal, and (2) cap a real run
 * at a budget the engine itself checks. Every other fopen goes through. */
#define _GNU_SOURCE /* RTLD_NEXT */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef FILE *(*fopen_fn)(const char *, const char *);

static FILE *fake_meminfo(void)
{
    const char *kb = getenv("COSTSIM_BENCH_MEMAVAILABLE_KB");
    if (!kb)
        return NULL;
    static char text[256];
    int n = snprintf(text, sizeof text, "MemTotal:       %s kB\nMemAvailable:   %s kB\n", kb, kb);
    if (n < 0 || (size_t)n >= sizeof text)
        return NULL;
    return fmemopen(text, (size_t)n, "r");
}

static FILE *open_with(const char *name, const char *path, const char *mode)
{
    if (path && !strcmp(path, "/proc/meminfo")) {
        FILE *f = fake_meminfo();
        if (f)
            return f;
    }
    fopen_fn real = (fopen_fn)dlsym(RTLD_NEXT, name);
    return real ? real(path, mode) : NULL;
}

FILE *fopen(const char *path, const char *mode) { return open_with("fopen", path, mode); }
FILE *fopen64(const char *path, const char *mode) { return open_with("fopen64", path, mode); }
