/* Summary accumulators are exact: the total does not depend on the order
 * (threads, chunks) in which contributions are added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "model.h"

static os_acc a, b, parts[7];

static void test_order_independent(void **state)
{
    (void)state;
    enum { N = 200000 };
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(parts, 0, sizeof parts);
    os_rng r;
    os_rng_init(&r, 3, 0, 2025, os_rng_purpose("acc"));
    static double v[N];
    static int sex[N], band[N];
    for (int i = 0; i < N; i++) {
        v[i] = 1e4 * os_rng_uniform(&r);           /* e.g. costs, fractional */
        sex[i] = (int)(os_rng_u32(&r) % OS_NSEX);
        band[i] = (int)(os_rng_u32(&r) % OS_NBANDS);
    }
    for (int i = 0; i < N; i++) os_acc_add(&a, sex[i], band[i], 3, v[i]);
    for (int i = N - 1; i >= 0; i--) os_acc_add(&b, sex[i], band[i], 3, v[i]);
    /* Seven "threads" taking interleaved items, then summed. */
    for (int i = 0; i < N; i++) os_acc_add(&parts[i % 7], sex[i], band[i], 3, v[i]);
    for (int t = 1; t < 7; t++)
        for (size_t k = 0; k < sizeof a.v / sizeof a.v[0]; k++) parts[0].v[k] += parts[t].v[k];
    assert_memory_equal(a.v, b.v, sizeof a.v);
    assert_memory_equal(a.v, parts[0].v, sizeof a.v);
    /* And the total is the double sum to within the fixed-point rounding. */
    double exact = 0, got = 0;
    for (int i = 0; i < N; i++) exact += v[i];
    for (size_t k = 0; k < sizeof a.v / sizeof a.v[0]; k++) got += (double)a.v[k] / OS_ACC_SCALE;
    assert_true(fabs(got - exact) <= N * 0.5 / OS_ACC_SCALE + 1e-9 * exact);
}

static void test_bands(void **state)
{
    (void)state;
    assert_int_equal(os_age_band(50.0f), 0);
    assert_int_equal(os_age_band(54.99f), 0);
    assert_int_equal(os_age_band(55.0f), 1);
    assert_int_equal(os_age_band(99.9f), 9);
    assert_int_equal(os_age_band(100.0f), 10);
    assert_int_equal(os_age_band(117.0f), 10);
    assert_int_equal(os_age_band(49.0f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_independent),
        cmocka_unit_test(test_bands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
