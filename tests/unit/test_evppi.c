/* test_evppi.c - value of information (sim/res_evppi.c, sim/res_ceaf.c) on
 * cases with known answers: two strategies with NMB_1 = 0 and NMB_2 = theta,
 * theta ~ N(mu, sigma), where EVPPI(theta) = EVPI = E[max(0, theta)] -
 * max(0, mu) = mu Phi(mu/sigma) + sigma phi(mu/sigma) - max(0, mu); a
 * parameter independent of the net benefit (EVPPI ~ 0); a net benefit
 * nonlinear in its parameter (the smoother must find it); and the CEAF and
 * expected loss of three draws worked by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "res_ceaf.h"
#include "res_evppi.h"

#define N 4000
#define MU 0.3
#define SIGMA 1.0

/* X [N x 2]: theta, then an independent z; FE arm 1 = f(theta). */
static double x[N * 2], fe[N * 2], fc[N * 2], fit[N];

static void make(int square)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 20140311);
    for (int r = 0; r < N; r++) {
        double t = MU + gsl_ran_gaussian(g, SIGMA);
        x[2 * r] = t;
        x[2 * r + 1] = gsl_ran_gaussian(g, 1.0);
        fe[2 * r] = fc[2 * r] = fc[2 * r + 1] = 0;
        fe[2 * r + 1] = square ? t * t - 1.2 : t;
    }
    gsl_rng_free(g);
}

/* EVPPI of parameter columns COLS (P of them), at wtp 1. */
static double evppi_of(const int *cols, int p)
{
    double y[N], f[N * 2];
    for (int r = 0; r < N; r++) y[r] = fe[2 * r + 1];
    assert_true(os_evppi_smooth(x, 2, cols, p, N, y, fit) >= 1);
    for (int r = 0; r < N; r++) {
        f[2 * r] = 0;
        f[2 * r + 1] = fit[r];
    }
    return os_evppi_at(N, 2, fc, f, 1.0);
}

static void test_normal_hand_case(void **state)
{
    (void)state;
    make(0);
    double truth = MU * gsl_cdf_ugaussian_P(MU / SIGMA) + SIGMA * gsl_ran_ugaussian_pdf(MU / SIGMA) - MU;
    /* Monte Carlo error of the estimate: sd of max(0, -theta) over sqrt(N)
     * (mu > 0: the loss of choosing arm 2 without information) */
    double m = 0, v = 0;
    for (int r = 0; r < N; r++) m += fmax(0, -x[2 * r]) / N;
    for (int r = 0; r < N; r++) v += (fmax(0, -x[2 * r]) - m) * (fmax(0, -x[2 * r]) - m) / (N - 1);
    double se = sqrt(v / N);
    int theta = 0, z = 1, both[2] = {0, 1};
    double e = evppi_of(&theta, 1), evpi = os_evppi_at(N, 2, fc, fe, 1.0);
    printf("EVPPI(theta) %.5f EVPI %.5f truth %.5f (se %.5f)\n", e, evpi, truth, se);
    assert_true(fabs(e - truth) < 4 * se);
    /* theta determines the net benefit: EVPPI(theta) is the sample EVPI */
    assert_true(fabs(e - evpi) < 1e-9 * (1 + evpi));
    assert_true(fabs(evppi_of(both, 2) - evpi) < 1e-9 * (1 + evpi));
    /* z carries no information: only the estimator's upward bias remains,
     * small against the EVPI */
    double ez = evppi_of(&z, 1);
    printf("EVPPI(z) %.5f\n", ez);
    assert_true(ez >= 0 && ez < 0.05 * evpi);
}

static void test_nonlinear(void **state)
{
    (void)state;
    make(1);
    int theta = 0;
    double e = evppi_of(&theta, 1), evpi = os_evppi_at(N, 2, fc, fe, 1.0);
    printf("nonlinear: EVPPI(theta) %.5f EVPI %.5f\n", e, evpi);
    /* a linear fit would give EVPPI near 0; the cubic basis is exact */
    assert_true(evpi > 0.2);
    assert_true(fabs(e - evpi) < 1e-6 * evpi);
}

/* Three draws, two arms, wtp 10: NMB arm 0 = (0, 0, 0), arm 1 = (5, -1, -7).
 * Mean NMB: arm 0 0, arm 1 -1 -> the CEAF arm is 0, best in draws 2 and 3
 * (probability 2/3); expected loss arm 0 = 5/3, arm 1 = (0 + 1 + 7)/3. */
static void test_ceaf_hand(void **state)
{
    (void)state;
    double cost[6] = {0, -5, 0, 11, 0, 7}, eff[6] = {0, 0, 0, 1, 0, 0};
    os_voi v = {3, 2, 0, 0, NULL, NULL, cost, eff, 1};
    double p, loss[2];
    int arm = os_ceaf_at(&v, 10, &p, loss);
    assert_int_equal(arm, 0);
    assert_true(fabs(p - 2.0 / 3) < 1e-12);
    assert_true(fabs(loss[0] - 5.0 / 3) < 1e-12);
    assert_true(fabs(loss[1] - 8.0 / 3) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_hand_case),
        cmocka_unit_test(test_nonlinear),
        cmocka_unit_test(test_ceaf_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
