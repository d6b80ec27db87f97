/* Measurement models (models/measurement.h): BIA error, the derived
 * lumbar-spine T-score, the CT reader's error model, and the diagnoses
 * they change.  Statistical checks use fixed seeds and 4 standard errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diagnosis.h"
#include "measurement.h"
#include "physiology.h"
#include "rng.h"
#include "rng_fill.h"

#define N 40000

static uint32_t ids[N];
static double z1[N], z2[N];

static void draw(uint32_t purpose, double *z)
{
    for (uint32_t i = 0; i < N; i++) ids[i] = i + 1;
    os_meas_person_normals(z, ids, N, 7, purpose);
}

static void assert_near(double x, double want, double se, const char *what)
{
    if (fabs(x - want) > 4 * se) fail_msg("%s %.5f, expected %.5f +- %.5f", what, x, want, 4 * se);
}

static os_meas_par meas(void)
{
    os_meas_par p = {0};
    p.bia_bias[0] = 0.75, p.bia_bias[1] = 0.77, p.bia_sd[0] = 0.43, p.bia_sd[1] = 0.34;
    p.aw_asmi_dxa[0] = 5.4, p.aw_asmi_dxa[1] = 7.0;
    p.sp_r = 0.65, p.sp_offset[0] = -0.85, p.sp_offset[1] = -0.2;
    p.sp_slope[0] = -0.02, p.sp_slope[1] = -0.011, p.sp_age0 = 50;
    return p;
}

/* Measured minus true ASMI: mean the bias, SD the error SD; the same
 * person draws the same error at every call. */
static void test_bia_error(void **state)
{
    (void)state;
    os_meas_par p = meas();
    draw(os_rng_purpose("diagnosis.bia_error"), z1);
    draw(os_rng_purpose("diagnosis.bia_error"), z2);
    for (int sex = 0; sex < 2; sex++) {
        double s = 0, ss = 0;
        for (size_t i = 0; i < N; i++) {
            assert_true(z1[i] == z2[i]);
            double d = os_meas_bia_asmi(&p, sex, 6.0, z1[i]) - 6.0;
            s += d;
            ss += d * d;
        }
        double mean = s / N, sd = sqrt(ss / N - mean * mean);
        assert_near(mean, p.bia_bias[sex], p.bia_sd[sex] / sqrt(N), "mean error");
        assert_near(sd, p.bia_sd[sex], p.bia_sd[sex] / sqrt(2.0 * N), "error SD");
    }
}

/* Women with ASMI ~ N(6.3, 0.7) and low grip: AWGS 2019 sarcopenia by BIA
 * (bias 0.75 above the 0.3 higher cut-off) is rarer than by DXA, and each
 * prevalence is the normal-CDF value. */
static void test_bia_vs_dxa_prevalence(void **state)
{
    (void)state;
    os_dx_par d = {.t_osteoporosis = -2.5, .t_normal = -1, .ew_grip = {16, 27}, .ew_chair = 15,
                   .ew_asm = {15, 20}, .ew_asmi = {5.5, 7.0}, .ew_gait = 0.8, .aw_grip = {18, 28},
                   .aw_asmi = {5.7, 7.0}, .aw_gait = 1.0, .aw_chair = 12};
    d.meas = meas();
    draw(os_rng_purpose("test.asmi"), z1);
    draw(os_rng_purpose("diagnosis.bia_error"), z2);
    size_t n_dxa = 0, n_bia = 0;
    for (size_t i = 0; i < N; i++) {
        double asmi = 6.3 + 0.7 * z1[i];
        d.meas.mass = OS_MEAS_MASS_DXA;
        n_dxa += (os_dx_classify(&d, 0, 0.0f, (float)asmi, 1.0f, 10.0f, 1.2f, 8.0f) & OS_DX_SARC_AWGS) != 0;
        d.meas.mass = OS_MEAS_MASS_BIA;
        double m = os_meas_bia_asmi(&d.meas, 0, asmi, z2[i]);
        n_bia += (os_dx_classify(&d, 0, 0.0f, (float)m, 1.0f, 10.0f, 1.2f, 8.0f) & OS_DX_SARC_AWGS) != 0;
    }
    double p_dxa = 0.5 * erfc(-(5.4 - 6.3) / 0.7 / sqrt(2.0));
    double p_bia = 0.5 * erfc(-(5.7 - 6.3 - 0.75) / sqrt(0.49 + 0.43 * 0.43) / sqrt(2.0));
    assert_true(n_bia < n_dxa);
    assert_near((double)n_dxa / N, p_dxa, sqrt(p_dxa * (1 - p_dxa) / N), "DXA prevalence");
    assert_near((double)n_bia / N, p_bia, sqrt(p_bia * (1 - p_bia) / N), "BIA prevalence");
}

/* Spine T-score from FN T ~ N(-2, 1): correlation r, mean offset +
 * slope x (age - 50) + r x mean FN T. */
static void test_spine_correlation(void **state)
{
    (void)state;
    os_meas_par p = meas();
    draw(os_rng_purpose("test.tfn"), z1);
    draw(os_rng_purpose("diagnosis.spine_residual"), z2);
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < N; i++) {
        double x = -2.0 + z1[i], y = os_meas_spine_t(&p, 0, 70.0, x, z2[i]);
        sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
    double mx = sx / N, my = sy / N;
    double r = (sxy / N - mx * my) / sqrt((sxx / N - mx * mx) * (syy / N - my * my));
    assert_near(r, p.sp_r, (1 - p.sp_r * p.sp_r) / sqrt(N), "correlation");
    assert_near(my, -0.85 - 0.02 * 20 + 0.65 * -2.0, 1.0 / sqrt(N), "mean spine T");
    /* Before offset_age the offset does not change. */
    assert_float_equal(os_meas_spine_t(&p, 1, 45.0, 0.0, 0.0), -0.2, 1e-12);
}

/* The CT reader's positives at fixed true T-scores: the normal-CDF share
 * Phi((cut - T - bias) / sd); with sd 0 the reader is exact. */
static void test_ct_error_model(void **state)
{
    (void)state;
    const double bias = 0.1, sd = 0.6, cut = -2.5;
    const double ts[] = {-3.5, -2.8, -2.5, -2.2, -1.0};
    os_rng r;
    for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
        os_rng_init(&r, 3, (uint32_t)k, 0, os_rng_purpose("test.ct"));
        size_t pos = 0;
        for (size_t i = 0; i < N; i++) pos += os_meas_ct_positive(ts[k], bias, sd, cut, os_rng_uniform(&r));
        double want = 0.5 * erfc(-((cut - ts[k] - bias) / sd) / sqrt(2.0));
        assert_float_equal(os_meas_ct_prob_positive(ts[k], bias, sd, cut), want, 1e-12);
        assert_near((double)pos / N, want, sqrt(want * (1 - want) / N) + 1e-9, "CT positive share");
    }
    assert_int_equal(os_meas_ct_positive(-2.5, 0, 0, -2.5, 0.999), 1);
    assert_int_equal(os_meas_ct_positive(-2.4, 0, 0, -2.5, 0.001), 0);
}

/* A measurement model without its parameters is a configuration error
 * naming the setting and the missing key. */
static void test_missing_parameters(void **state)
{
    (void)state;
    extern const os_module os_mod_diagnosis;
    static const char *const text[] = {
        "diagnosis: {muscle_mass: {measurement: bia}}\n",
        "diagnosis: {osteoporosis_site: lowest, spine: {correlation: 0.6}}\n",
        "diagnosis: {muscle_mass: {measurement: dxa}}\n"};
    static const char *const want[] = {"muscle_mass.bia_bias_female", "spine.offset_female",
                                       "awgs2019.asmi_dxa_female"};
    for (int k = 0; k < 3; k++) {
        os_cfg *cfg;
        os_err err = {0};
        if (os_cfg_load_string(&cfg, text[k], "test", NULL, NULL, 0, &err)) fail_msg("%s", err.msg);
        assert_int_equal(os_cfg_declare(cfg, os_mod_diagnosis.params, os_mod_diagnosis.nparams, &err), 0);
        os_dx_par p;
        assert_int_not_equal(os_dx_read_params(cfg, &p, &err), 0);
        assert_non_null(strstr(err.msg, want[k]));
        os_cfg_free(cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bia_error),
        cmocka_unit_test(test_bia_vs_dxa_prevalence),
        cmocka_unit_test(test_spine_correlation),
        cmocka_unit_test(test_ct_error_model),
        cmocka_unit_test(test_missing_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
