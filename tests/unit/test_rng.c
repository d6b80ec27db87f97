/* Random streams: reproducible per (seed, agent, year, purpose) and
 * statistically independent across purposes and agents. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "rng.h"

enum { NAGENTS = 100000, GRID = 10 };

static void test_same_key_same_stream(void **state)
{
    (void)state;
    uint32_t p = os_rng_purpose("bone.slope");
    os_rng a, b;
    os_rng_init(&a, 42, 7, 2030, p);
    os_rng_init(&b, 42, 7, 2030, p);
    for (int i = 0; i < 1000; i++) assert_int_equal(os_rng_u32(&a), os_rng_u32(&b));
    /* Normals too, including the cached Box-Muller spare. */
    for (int i = 0; i < 101; i++) assert_true(os_rng_normal(&a) == os_rng_normal(&b));
}

static void test_any_key_part_changes_stream(void **state)
{
    (void)state;
    uint32_t p = os_rng_purpose("falls");
    os_rng base, r;
    os_rng_init(&base, 42, 7, 2030, p);
    uint32_t x = os_rng_u32(&base);
    os_rng_init(&r, 43, 7, 2030, p);
    assert_int_not_equal(os_rng_u32(&r), x);
    os_rng_init(&r, 42 + (1ull << 32), 7, 2030, p); /* high seed bits matter */
    assert_int_not_equal(os_rng_u32(&r), x);
    os_rng_init(&r, 42, 8, 2030, p);
    assert_int_not_equal(os_rng_u32(&r), x);
    os_rng_init(&r, 42, 7, 2031, p);
    assert_int_not_equal(os_rng_u32(&r), x);
    os_rng_init(&r, 42, 7, 2030, os_rng_purpose("fractures"));
    assert_int_not_equal(os_rng_u32(&r), x);
}

/* Chi-square on a GRID x GRID table of pairs (u1, u2): independence and
 * uniformity at once; fails at p < 0.001. */
static void assert_pairs_uniform(const double *u1, const double *u2, int n)
{
    double count[GRID][GRID] = {{0}};
    for (int i = 0; i < n; i++) count[(int)(u1[i] * GRID)][(int)(u2[i] * GRID)] += 1;
    double e = (double)n / (GRID * GRID), chi2 = 0;
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) chi2 += (count[i][j] - e) * (count[i][j] - e) / e;
    double crit = gsl_cdf_chisq_Qinv(0.001, GRID * GRID - 1);
    print_message("chi2 = %.1f (critical %.1f)\n", chi2, crit);
    assert_true(chi2 < crit);
}

static double u1[NAGENTS], u2[NAGENTS];

static void test_purposes_independent(void **state)
{
    (void)state;
    uint32_t pa = os_rng_purpose("bone.slope"), pb = os_rng_purpose("muscle.slope");
    for (int i = 0; i < NAGENTS; i++) {
        os_rng a, b;
        os_rng_init(&a, 1, (uint32_t)i, 2025, pa);
        os_rng_init(&b, 1, (uint32_t)i, 2025, pb);
        u1[i] = os_rng_uniform(&a);
        u2[i] = os_rng_uniform(&b);
    }
    assert_pairs_uniform(u1, u2, NAGENTS);
}

static void test_agents_independent(void **state)
{
    (void)state;
    uint32_t p = os_rng_purpose("falls");
    for (int i = 0; i < NAGENTS; i++) {
        os_rng a, b;
        os_rng_init(&a, 1, (uint32_t)(2 * i), 2025, p);
        os_rng_init(&b, 1, (uint32_t)(2 * i + 1), 2025, p);
        u1[i] = os_rng_uniform(&a);
        u2[i] = os_rng_uniform(&b);
    }
    assert_pairs_uniform(u1, u2, NAGENTS);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov on one long stream; critical value at p = 0.001. */
static void test_stream_uniform_ks(void **state)
{
    (void)state;
    os_rng r;
    os_rng_init(&r, 99, 3, 2040, os_rng_purpose("ks"));
    for (int i = 0; i < NAGENTS; i++) u1[i] = os_rng_uniform(&r);
    qsort(u1, NAGENTS, sizeof u1[0], cmp_double);
    double d = 0;
    for (int i = 0; i < NAGENTS; i++) {
        double lo = u1[i] - (double)i / NAGENTS, hi = (double)(i + 1) / NAGENTS - u1[i];
        if (lo > d) d = lo;
        if (hi > d) d = hi;
    }
    assert_true(u1[0] > 0.0 && u1[NAGENTS - 1] < 1.0);
    assert_true(d < 1.95 / sqrt((double)NAGENTS));
}

static void test_normal_moments(void **state)
{
    (void)state;
    double s = 0, s2 = 0;
    for (int i = 0; i < NAGENTS; i++) {
        os_rng r;
        os_rng_init(&r, 5, (uint32_t)i, 2025, os_rng_purpose("normal"));
        double z = os_rng_normal(&r);
        s += z;
        s2 += z * z;
    }
    double mean = s / NAGENTS, var = s2 / NAGENTS - mean * mean;
    /* Standard errors: 1/sqrt(n) for the mean, sqrt(2/n) for the variance. */
    assert_true(fabs(mean) < 5.0 / sqrt((double)NAGENTS));
    assert_true(fabs(var - 1.0) < 5.0 * sqrt(2.0 / NAGENTS));
}

static void test_gsl_adaptor(void **state)
{
    (void)state;
    gsl_rng *g = os_rng_gsl_alloc();
    assert_non_null(g);
    double s = 0;
    const double shape = 2.0, scale = 3.0;
    for (int i = 0; i < 20000; i++) {
        os_rng_gsl_reset(g, 11, (uint32_t)i, 2025, os_rng_purpose("gamma"));
        s += gsl_ran_gamma(g, shape, scale);
    }
    double mean = s / 20000, se = sqrt(shape) * scale / sqrt(20000.0);
    assert_true(fabs(mean - shape * scale) < 5 * se);
    /* Same key, same draw. */
    os_rng_gsl_reset(g, 11, 5, 2025, 1);
    double a = gsl_ran_gamma(g, shape, scale);
    os_rng_gsl_reset(g, 11, 5, 2025, 1);
    assert_true(a == gsl_ran_gamma(g, shape, scale));
    gsl_rng_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_key_same_stream),
        cmocka_unit_test(test_any_key_part_changes_stream),
        cmocka_unit_test(test_purposes_independent),
        cmocka_unit_test(test_agents_independent),
        cmocka_unit_test(test_stream_uniform_ks),
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_gsl_adaptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
