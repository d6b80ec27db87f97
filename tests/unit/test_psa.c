/* test_psa.c - parameter draws of the probabilistic sensitivity analysis
 * (sim/res_psa.c): moments of each distribution, clamping to the valid range,
 * independence of a draw from the other parameters, and the acceptability
 * curve and EVPI on a case computed by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "res_psa.h"

static const os_param_spec specs[] = {
    {"run.seed", OS_P_INT, "1", 0, 1e18, 1, NULL, NULL, ""},
    {"b", OS_P_REAL, "1", 0, 1, 1, NULL, NULL, "beta"},
    {"g", OS_P_REAL, "1", 0, 1e9, 1, NULL, NULL, "gamma"},
    {"l", OS_P_REAL, "1", 0, 100, 1, NULL, NULL, "lognormal"},
    {"n", OS_P_REAL, "1", -1, 1, 1, NULL, NULL, "normal, clamped"},
    {"u", OS_P_REAL, "1", 1.0, 0.0, 1, NULL, NULL, "uniform"},
    {"t", OS_P_REAL, "1", 1.0, 0.0, 1, NULL, NULL, "triangular"},
    {"f", OS_P_REAL, "1", 1.0, 0.0, 1, NULL, NULL, "fixed"},
};

static const char *const text =
    "run: {seed: 99}\n"
    "b: {value: 0.3, dist: {type: beta, a: 2, b: 5}}\n"
    "g: {value: 6, dist: {type: gamma, shape: 3, scale: 2}}\n"
    "l: {value: 1, dist: {type: lognormal, meanlog: 0, sdlog: 0.25}}\n"
    "n: {value: 0.9, dist: {type: normal, mean: 0.9, sd: 0.05}}\n"
    "u: {value: 2, dist: {type: uniform, min: 1, max: 3}}\n"
    "t: {value: 1, dist: {type: triangular, min: 0, mode: 1, max: 4}}\n"
    "f: {value: 5, dist: {type: fixed}}\n";

static os_cfg *load(size_t nspecs)
{
    os_cfg *cfg;
    os_err err = {0};
    if (os_cfg_load_string(&cfg, text, "test", NULL, NULL, 0, &err)) fail_msg("%s", err.msg);
    /* Undeclared keys are reported unknown: drop the ones not wanted. */
    if (os_cfg_declare(cfg, specs, nspecs, &err)) fail_msg("%s", err.msg);
    return cfg;
}

static void check_moment(const char *what, double got, double want, double sd, int n)
{
    double tol = 4.5 * sd / sqrt((double)n);
    if (fabs(got - want) > tol) fail_msg("%s: %.5f, expected %.5f +- %.5f", what, got, want, tol);
}

static void test_moments(void **state)
{
    (void)state;
    os_cfg *cfg = load(sizeof specs / sizeof specs[0]);
    os_err err = {0};
    assert_int_equal(os_cfg_validate(cfg, &err), 0);
    const int n = 4000;
    double sb = 0, sg = 0, sl = 0, su = 0, st = 0, sb2 = 0;
    int low = 0, high = 0;
    for (int k = 1; k <= n; k++) {
        assert_int_equal(os_psa_apply(cfg, k, NULL, NULL, 0, &err), 0);
        double b = os_cfg_real(cfg, "b"), x = os_cfg_real(cfg, "n");
        sb += b;
        sb2 += b * b;
        sg += os_cfg_real(cfg, "g");
        sl += log(os_cfg_real(cfg, "l"));
        su += os_cfg_real(cfg, "u");
        st += os_cfg_real(cfg, "t");
        assert_true(x >= -1 && x <= 1);
        low += x == -1;
        high += x == 1;
        assert_float_equal(os_cfg_real(cfg, "f"), 5, 0);   /* fixed: never drawn */
    }
    check_moment("beta mean", sb / n, 2.0 / 7.0, sqrt(10.0 / (49.0 * 8.0)), n);
    double var = sb2 / n - (sb / n) * (sb / n);
    assert_true(fabs(var - 10.0 / 392.0) < 0.15 * 10.0 / 392.0);
    check_moment("gamma mean", sg / n, 6, sqrt(3.0) * 2, n);
    check_moment("lognormal meanlog", sl / n, 0, 0.25, n);
    check_moment("uniform mean", su / n, 2, 2 / sqrt(12.0), n);
    check_moment("triangular mean", st / n, 5.0 / 3.0, sqrt((0 + 1 + 16 - 0 - 0 - 4) / 18.0), n);
    /* normal(0.9, 0.05) clamped to [-1, 1]: P(x > 1) = 1 - Phi(2) = 0.02275
     * (a larger share outside the range is a configuration error) */
    check_moment("clamped share", (double)high / n, 0.02275, sqrt(0.02275 * 0.97725), n);
    assert_true(low < 10);
    os_cfg_free(cfg);
}

/* Draw k of a parameter is the same whatever else is declared, and
 * differs between draws. */
static void test_draw_is_per_parameter(void **state)
{
    (void)state;
    os_err err = {0};
    os_cfg *all = load(sizeof specs / sizeof specs[0]);
    assert_int_equal(os_cfg_validate(all, &err), 0);
    assert_int_equal(os_psa_apply(all, 7, NULL, NULL, 0, &err), 0);
    double g7 = os_cfg_real(all, "g");
    assert_int_equal(os_psa_apply(all, 8, NULL, NULL, 0, &err), 0);
    assert_true(os_cfg_real(all, "g") != g7);
    os_cfg_free(all);
    /* only run.seed and g declared (the others must then be absent) */
    os_cfg *one;
    if (os_cfg_load_string(&one, "run: {seed: 99}\ng: {value: 6, dist: {type: gamma, shape: 3, scale: 2}}\n",
                           "test", NULL, NULL, 0, &err))
        fail_msg("%s", err.msg);
    const os_param_spec two[] = {specs[0], specs[2]};
    assert_int_equal(os_cfg_declare(one, two, 2, &err), 0);
    assert_int_equal(os_cfg_validate(one, &err), 0);
    assert_int_equal(os_psa_apply(one, 7, NULL, NULL, 0, &err), 0);
    assert_true(os_cfg_real(one, "g") == g7);
    os_cfg_free(one);
}

/* Two arms, four draws (discounted cost, effect):
 *   draw 1: A (0, 10)  B (100, 12)
 *   draw 2: A (0, 10)  B (300, 11)
 *   draw 3: A (0, 10)  B (50, 10.5)
 *   draw 4: A (0, 10)  B (200, 13)
 * At wtp 100: NMB B-A = 100, -200, 0, 100: B best in draws 1 and 4 (a tie
 * goes to the lower index, A): P(B) = 0.5.  EVPI = mean of max(0, dNMB) -
 * max(0, mean dNMB) = (100 + 0 + 0 + 100) / 4 - max(0, 0) = 50. */
static void test_ceac_evpi(void **state)
{
    (void)state;
    os_psa p = {0};
    p.ndraws = 4;
    p.narms = 2;
    double cost[4 * 2] = {0}, effect[4 * 2] = {0};
    const double b[4][2] = {{100, 12}, {300, 11}, {50, 10.5}, {200, 13}};
    for (int r = 0; r < 4; r++) {
        effect[r * 2 + 0] = 10;
        cost[r * 2 + 1] = b[r][0];
        effect[r * 2 + 1] = b[r][1];
    }
    p.cost = cost;
    p.effect = effect;
    double prob[2];
    double evpi = os_psa_ceac(&p, 100, prob);
    assert_float_equal(prob[0], 0.5, 1e-12);
    assert_float_equal(prob[1], 0.5, 1e-12);
    assert_float_equal(evpi, 50, 1e-9);
    /* wtp 0: A (cost 0) always best; EVPI 0 */
    evpi = os_psa_ceac(&p, 0, prob);
    assert_float_equal(prob[0], 1, 0);
    assert_float_equal(evpi, 0, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_draw_is_per_parameter),
        cmocka_unit_test(test_ceac_evpi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
