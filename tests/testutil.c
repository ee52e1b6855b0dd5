/* testutil: see testutil.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <math.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef COSTSIM_SOURCE_DIR
#define COSTSIM_SOURCE_DIR "."
#endif
#ifndef COSTSIM_BINARY
#define COSTSIM_BINARY "build/costsim"
#endif

const char *tu_source_dir(void) { return COSTSIM_SOURCE_DIR; }
const char *tu_costsim_path(void) { return COSTSIM_BINARY; }

static void die(const char *what)
{
    perror(what);
    exit(99);
}

char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/costsim-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl))
        die("mkdtemp");
    return strdup(tmpl);
}

char *tu_write(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    char *slash = strrchr(path, '/');
    if (slash && slash > path + strlen(dir)) {
        *slash = '\0';
        mkdir(path, 0777);
        *slash = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path);
    fwrite(text, 1, strlen(text), f);
    if (fclose(f) != 0)
        die(path);
    return path;
}

char *tu_read(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (size)
        *size = n;
    return buf;
}

void tu_rmtree(const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    int status;
    if (pid > 0)
        waitpid(pid, &status, 0);
}

static char *slurp_fd(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + n, cap - n - 1)) > 0) {
        n += (size_t)got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[n] = '\0';
    return buf;
}

int tu_spawn_costsim(const char *const *args, const char *out_path, const char *err_path,
                     const char *env_name, const char *env_value)
{
    size_t argc = 0;
    while (args[argc])
        argc++;
    char **argv = calloc(argc + 2, sizeof *argv);
    if (!argv)
        die("calloc");
    argv[0] = (char *)tu_costsim_path();
    for (size_t i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int in = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || in < 0)
            _exit(126);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        if (env_name)
            setenv(env_name, env_value, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    free(argv);
    return (int)pid;
}

int tu_wait(int pid)
{
    int status = 0;
    while (waitpid((pid_t)pid, &status, 0) < 0)
        if (errno != EINTR)
            die("waitpid");
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

char *tu_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        die("malloc");
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int tu_run_costsim(char **out, char **err, const char *const *args)
{
    char *dir = tu_mkdtemp();
    char *out_path = tu_path(dir, "out"), *err_path = tu_path(dir, "err");
    int status = tu_wait(tu_spawn_costsim(args, out_path, err_path, NULL, NULL));
    int o = open(out_path, O_RDONLY), e = open(err_path, O_RDONLY);
    char *o_text = o >= 0 ? slurp_fd(o) : strdup("");
    char *e_text = e >= 0 ? slurp_fd(e) : strdup("");
    if (o >= 0)
        close(o);
    if (e >= 0)
        close(e);
    if (out)
        *out = o_text;
    else
        free(o_text);
    if (err)
        *err = e_text;
    else
        free(e_text);
    tu_rmtree(dir);
    free(dir);
    free(out_path);
    free(err_path);
    return status;
}

void tu_assert_close(double got, double want, double tol, const char *got_text,
                     const char *want_text, const char *file, int line)
{
    if (got == want || fabs(got - want) <= tol)
        return;
    print_error("%s = %.17g, expected %s = %.17g (tolerance %.3g, off by %.3g)\n", got_text,
                got, want_text, want, tol, got - want);
    _fail(file, line);
}

tu_case tu_write_case(const char *scenario, const char *elements, const char *currencies,
                      const char *risks, const char *correlations,
                      const char *fx_correlations)
{
    tu_case c;
    c.dir = tu_mkdtemp();
    c.scenario = tu_write(c.dir, "scenario.csv", scenario);
    free(tu_write(c.dir, "model/.keep", ""));
    const char *names[] = {"model/elements.csv", "model/currencies.csv", "model/risks.csv",
                           "model/correlations.csv", "model/fx_correlations.csv"};
    const char *texts[] = {elements, currencies, risks, correlations, fx_correlations};
    for (int i = 0; i < 5; i++)
        if (texts[i])
            free(tu_write(c.dir, names[i], texts[i]));
    return c;
}

void tu_case_free(tu_case *c)
{
    tu_rmtree(c->dir);
    free(c->dir);
    free(c->scenario);
    c->dir = c->scenario = NULL;
}
