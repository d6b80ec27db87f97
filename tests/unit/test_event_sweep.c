/* The event sweeps' exp approximation and bound (models/event_sweep.h):
 * the approximation's error and the bound's direction are what keep their
 * decision filters exact. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "event_sweep.h"
#include "rng_fill.h"

enum { N = 2000000 };

/* x over [-700, 700] coarsely, then [-40, 40] (hazards and logits) finely. */
static double grid(int i)
{
    return i <= N ? -700.0 + 1400.0 * i / N : -40.0 + 80.0 * (i - N) / N;
}

static void test_exp_relative_error(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 0; i <= 2 * N; i++) {
        double x = grid(i);
        double e = fabs(os_ev_exp(x) / exp(x) - 1.0);
        if (e > worst) worst = e;
    }
    assert_true(worst < 1e-12);
}

static void test_exp_upper_bounds(void **state)
{
    (void)state;
    double lo = INFINITY, hi = 0.0;
    for (int i = 0; i <= 2 * N; i++) {
        double x = grid(i);
        double ratio = os_ev_exp_upper(x) / exp(x);
        lo = fmin(lo, ratio);
        hi = fmax(hi, ratio);
    }
    /* Also where rounding puts r at the ends of [-ln2/2, ln2/2]: x = (k + 1/2) ln 2. */
    for (int k = -1000; k <= 1000; k++)
        for (int d = -4; d <= 4; d++) {
            double x = (k + 0.5) * M_LN2 + d * 1e-13;
            if (fabs(x) > 700.0) continue;
            double ratio = os_ev_exp_upper(x) / exp(x);
            lo = fmin(lo, ratio);
            hi = fmax(hi, ratio);
        }
    assert_true(lo >= 1.0 + OS_FAST_MARGIN);
    assert_true(hi <= 1.001);
}

static void test_nan_stays_nan(void **state)
{
    (void)state;
    assert_true(isnan(os_ev_exp(NAN)));
    assert_true(isnan(os_ev_exp_upper(NAN)));
    /* Clamped, not wrapped, far outside the range. */
    assert_true(os_ev_exp_upper(-1e6) >= 0.0 && os_ev_exp_upper(-1e6) < 1e-300);
    assert_true(os_ev_exp(1e6) > 1e300);
}

static void test_word_uniform_matches(void **state)
{
    (void)state;
    const uint32_t edge[] = {0u, 1u, 0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        assert_true(os_ev_word_uniform(edge[i]) == os_rng_word_uniform(edge[i]));
    uint32_t w = 12345u;
    for (int i = 0; i < N; i++) {
        w = w * 1664525u + 1013904223u;
        assert_true(os_ev_word_uniform(w) == os_rng_word_uniform(w));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp_relative_error),
        cmocka_unit_test(test_exp_upper_bounds),
        cmocka_unit_test(test_nan_stays_nan),
        cmocka_unit_test(test_word_uniform_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
