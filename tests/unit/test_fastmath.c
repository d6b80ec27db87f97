/* Inline approximations used by exact decision filters (fastmath.h): their
 * error must stay far below the filters' margin OS_FAST_MARGIN over the
 * ranges the modules use. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fastmath.h"

enum { N = 2000000 };

static void test_exp_relative_error(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 0; i <= N; i++) {
        double x = -700.0 + 1400.0 * i / N;
        double e = fabs(os_fast_exp(x) / exp(x) - 1.0);
        if (e > worst) worst = e;
    }
    /* The range where the hazards and logits live, finely. */
    for (int i = 0; i <= N; i++) {
        double x = -40.0 + 80.0 * i / N;
        double e = fabs(os_fast_exp(x) / exp(x) - 1.0);
        if (e > worst) worst = e;
    }
    assert_true(worst < 2e-12);
    assert_true(worst < OS_FAST_MARGIN * 1e-3);
}

static void test_log_absolute_error(void **state)
{
    (void)state;
    double worst = 0.0;
    /* The uniforms os_rng_uniform returns, (k + 0.5) / 2^32, up to the
     * largest: relative error (what Box-Muller needs near u = 1). */
    for (int i = 0; i < N; i++) {
        uint32_t k = (uint32_t)((uint64_t)i * 2147u + (uint64_t)i * i * 7u);
        double u = ((double)k + 0.5) * (1.0 / 4294967296.0);
        if (i < 1000) u = 1.0 - ((double)i + 0.5) * (1.0 / 4294967296.0);
        double e = fabs(os_fast_log(u) - log(u)) / fabs(log(u));
        if (e > worst) worst = e;
    }
    for (int i = 1; i <= N; i++) {
        double x = 1e-3 * i;   /* (0, 2000]: vitamin D levels and more */
        double e = fabs(os_fast_log(x) - log(x)) / fmax(1.0, fabs(log(x)));
        if (e > worst) worst = e;
    }
    assert_true(worst < 2e-12);
}

static void test_cos2pi_absolute_error(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 0; i <= N; i++) {
        double u = (double)i / N;
        double e = fabs(os_fast_cos2pi(u) - cos(2.0 * M_PI * u));
        if (e > worst) worst = e;
    }
    assert_true(worst < 2e-10);
}

/* The versions for column sweeps: os_fast_exp_v within the same bound,
 * os_fast_log_v and os_fast_cos2pi_v bitwise equal to the scalar ones. */
static void test_exp_v_relative_error(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 0; i <= N; i++) {
        double x = -700.0 + 1400.0 * i / N;
        double e = fabs(os_fast_exp_v(x) / exp(x) - 1.0);
        if (e > worst) worst = e;
    }
    for (int i = 0; i <= N; i++) {
        double x = -40.0 + 80.0 * i / N;
        double e = fabs(os_fast_exp_v(x) / exp(x) - 1.0);
        if (e > worst) worst = e;
    }
    /* Clamped outside [-700, 700], as os_fast_exp. */
    assert_true(os_fast_exp_v(-1e300) == os_fast_exp_v(-700.0));
    assert_true(os_fast_exp_v(1e300) == os_fast_exp_v(700.0));
    assert_true(os_fast_exp_v(0.0) == 1.0);
    assert_true(worst < 2e-12);
    assert_true(worst < OS_FAST_MARGIN * 1e-3);
}

static void test_log_cos_v_identical(void **state)
{
    (void)state;
    long differ = 0;
    for (int i = 0; i < N; i++) {
        uint32_t k = (uint32_t)((uint64_t)i * 2147u + (uint64_t)i * i * 7u);
        double u = ((double)k + 0.5) * (1.0 / 4294967296.0);
        if (i < 1000) u = 1.0 - ((double)i + 0.5) * (1.0 / 4294967296.0);
        differ += os_fast_log_v(u) != os_fast_log(u);
        differ += os_fast_cos2pi_v(u) != os_fast_cos2pi(u);
        double x = 1e-3 * (i + 1);
        differ += os_fast_log_v(x) != os_fast_log(x);
        differ += os_fast_cos2pi_v(x) != os_fast_cos2pi(x);
    }
    /* Both sides of the folds and of the polynomial switch. */
    const double edge[] = {0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 2.5};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        for (int d = -2; d <= 2; d++) {
            double u = edge[i] + d * 1e-15;
            if (u < 0.0) continue;
            differ += os_fast_cos2pi_v(u) != os_fast_cos2pi(u);
        }
    differ += os_fast_log_v(1.4142135623730951) != os_fast_log(1.4142135623730951);
    differ += os_fast_log_v(1.4142135623730954) != os_fast_log(1.4142135623730954);
    assert_int_equal(differ, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp_relative_error),
        cmocka_unit_test(test_log_absolute_error),
        cmocka_unit_test(test_cos2pi_absolute_error),
        cmocka_unit_test(test_exp_v_relative_error),
        cmocka_unit_test(test_log_cos_v_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
