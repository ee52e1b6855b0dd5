/* test_cpsp: the shipped CPSP scenarios. Every one passes `costsim check`
 * and runs at a small trial count, and the point estimates of the two base
 * scenarios equal the hand calculation of models/point_estimate.py (an
 * independent Python reading of the model files, shown in each model's
 * README), so an accidental edit of a model is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "costsim.h"
#include "testutil.h"

static char *scenario_path(const char *name)
{
    size_t n = strlen(tu_source_dir()) + strlen(name) + 16;
    char *p = malloc(n);
    snprintf(p, n, "%s/scenarios/%s", tu_source_dir(), name);
    return p;
}

static void test_every_scenario_checks_and_runs(void **state)
{
    (void)state;
    size_t n = strlen(tu_source_dir()) + 16;
    char *dir_path = malloc(n);
    snprintf(dir_path, n, "%s/scenarios", tu_source_dir());
    DIR *dir = opendir(dir_path);
    assert_non_null(dir);
    int seen = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".csv") != 0)
            continue;
        char *path = scenario_path(de->d_name);
        char *out = NULL, *err = NULL;
        const char *check[] = {"check", path, NULL};
        int rc = tu_run_costsim(&out, &err, check);
        if (rc != 0)
            fail_msg("check %s: exit %d\n%s", de->d_name, rc, err);
        assert_non_null(strstr(out, ": ok: "));
        free(out);
        free(err);
        const char *run[] = {"run", path, "--trials", "300", "--format", "csv", "--quiet", NULL};
        rc = tu_run_costsim(&out, &err, run);
        if (rc != 0)
            fail_msg("run %s: exit %d\n%s", de->d_name, rc, err);
        assert_non_null(strstr(out, "measure,level,id,name,currency,point,mean"));
        free(out);
        free(err);
        free(path);
        seen++;
    }
    closedir(dir);
    free(dir_path);
    assert_true(seen >= 12); /* 2 bids x 6+ cases */
}

/* The point column of the total row of each measure, from summary CSV. */
static void point_totals(const char *csv, double point[3])
{
    static const char *const measures[3] = {"constant", "nominal", "pv"};
    for (int m = 0; m < 3; m++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "\n%s,total,total,", measures[m]);
        const char *row = strstr(csv, prefix);
        assert_non_null(row);
        /* Fields: measure,level,id,name,currency,point,... — the name may be
         * quoted but holds no comma in the shipped scenarios. */
        const char *p = row + 1;
        for (int field = 0; field < 5; field++) {
            p = strchr(p, ',');
            assert_non_null(p);
            p++;
        }
        point[m] = strtod(p, NULL);
    }
}

static void check_point(const char *scenario, const double want[3])
{
    char *path = scenario_path(scenario);
    char *out = NULL, *err = NULL;
    const char *run[] = {"run", path, "--trials", "1", "--format", "csv", "--quiet", NULL};
    int rc = tu_run_costsim(&out, &err, run);
    if (rc != 0)
        fail_msg("%s: exit %d\n%s", scenario, rc, err);
    double got[3];
    point_totals(out, got);
    for (int m = 0; m < 3; m++)
        assert_close(got[m], want[m], 1e-9 * fabs(want[m]));
    free(out);
    free(err);
    free(path);
}

/* KRW millions: constant, nominal (then-year), present value at 3 %.
 * From `python3 models/point_estimate.py scenarios/<name>.csv`; see the
 * "Point estimate" tables in models/cpsp-hanwha/README.md and
 * models/cpsp-tkms/README.md. */
static void test_hanwha_base_point_estimate(void **state)
{
    (void)state;
    const double want[3] = {60216850.41129384, 97516645.38385923, 54422205.81381563};
    check_point("cpsp-hanwha-base.csv", want);
}

static void test_tkms_base_point_estimate(void **state)
{
    (void)state;
    const double want[3] = {64804817.80263455, 111003922.18182763, 57606988.75258596};
    check_point("cpsp-tkms-base.csv", want);
}

static void test_hanwha_cad_point_estimate(void **state)
{
    (void)state;
    const double want[3] = {55963.615623879035, 90628.85258722976, 50578.25819127848};
    check_point("cpsp-hanwha-base-cad.csv", want);
}

int main(void)
{
    cs_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_scenario_checks_and_runs),
        cmocka_unit_test(test_hanwha_base_point_estimate),
        cmocka_unit_test(test_tkms_base_point_estimate),
        cmocka_unit_test(test_hanwha_cad_point_estimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
