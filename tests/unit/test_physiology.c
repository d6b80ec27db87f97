/* Physiology drivers, each isolated (others zero), and the emergent
 * bone-muscle association from coupling.  Hooks are driven directly on a
 * hand-filled population with hand-filled parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"
#include "physiology.h"

extern const os_module os_mod_risk_factors, os_mod_bone, os_mod_muscle,
    os_mod_diagnosis;

typedef struct harness {
    os_pop pop;
    os_model m;
    const os_module *mods[4];
    void *states[4];
    os_acc acc;
    os_rf_par rf;
    os_bone_par bone;
    os_muscle_par mu;
    os_dx_par dx;
} harness;

/* Every driver off; baseline centred and narrow enough to be stable. */
static void params_off(harness *h)
{
    memset(&h->rf, 0, sizeof h->rf);
    h->rf.fmp_mean = 48; h->rf.fmp_min = 48; h->rf.fmp_max = 48;
    h->rf.sed_logit50 = -30; h->rf.vitd_logmean[0] = h->rf.vitd_logmean[1] = 4.5;
    h->rf.vitd_cut = 50; h->rf.prot_mean = 1.2; h->rf.prot_req = 1.0;
    h->rf.bed_max_weeks = 1;
    memset(&h->bone, 0, sizeof h->bone);
    h->bone.ref_china_mean[0] = h->bone.ref_china_mean[1] = 0.9;
    h->bone.ref_china_sd[0] = h->bone.ref_china_sd[1] = 0.12;
    h->bone.ref_nhanes_mean = 0.858; h->bone.ref_nhanes_sd = 0.12;
    h->bone.base_mean50[0] = h->bone.base_mean50[1] = 0.75;
    h->bone.base_sd[0] = h->bone.base_sd[1] = 0.12;
    h->bone.meno_trans_start = -1; h->bone.meno_trans_end = 2;
    h->bone.meno_post_end = 7; h->bone.bed_disuse_mult = 1;
    h->bone.grip_ref[0] = 22; h->bone.grip_ref[1] = 36;
    h->bone.grip_ref_sd[0] = 5; h->bone.grip_ref_sd[1] = 7;
    memset(&h->mu, 0, sizeof h->mu);
    for (int s = 0; s < 2; s++) {
        h->mu.asmi_mean50[s] = 6.5; h->mu.height_mean50[s] = 1.6;
        h->mu.grip_mean50[s] = 24; h->mu.gait_mean50[s] = 1.2;
        h->mu.chair_mean50[s] = 10;
        h->mu.bmd_ref[s] = 0.75; h->mu.bmd_ref_sd[s] = 0.12;
    }
    h->mu.asmi_cv = 0.12; h->mu.grip_cv = 0.2;
    h->mu.gait_cv = 0.1; h->mu.chair_cv = 0.1;
    h->dx = (os_dx_par){ .t_osteoporosis = -2.5, .t_normal = -1.0,
        .ew_grip = {16, 27}, .ew_chair = 15, .ew_asm = {15, 20},
        .ew_asmi = {5.5, 7.0}, .ew_gait = 0.8, .aw_grip = {18, 28},
        .aw_asmi = {5.7, 7.0}, .aw_gait = 1.0, .aw_chair = 12 };
}

static void chunk(harness *h, os_chunk *c)
{
    memset(c, 0, sizeof *c);
    c->begin = 0;
    c->n = h->pop.n;
    c->id = os_pop_data(&h->pop, OS_COL_ID);
    c->sex = os_pop_data(&h->pop, OS_COL_SEX);
    c->age = os_pop_data(&h->pop, OS_COL_AGE);
    c->weight = os_pop_data(&h->pop, OS_COL_WEIGHT);
    c->alive = os_pop_data(&h->pop, OS_COL_ALIVE);
    c->acc = &h->acc;
}

/* Sets up the four modules and N agents of SEX aged AGE. */
static void setup(harness *h, size_t n, int sex, float age)
{
    os_err err = {0};
    os_pop_init(&h->pop);
    memset(&h->m, 0, sizeof h->m);
    h->m.pop = &h->pop;
    h->m.seed = 12345;
    h->m.year = 2025;
    h->mods[0] = &os_mod_risk_factors; h->mods[1] = &os_mod_bone;
    h->mods[2] = &os_mod_muscle; h->mods[3] = &os_mod_diagnosis;
    h->m.modules = h->mods;
    h->m.states = h->states;
    h->m.nmodules = 4;
    assert_int_equal(os_rf_setup(&h->m, &h->rf, &h->states[0], &err), 0);
    assert_int_equal(os_bone_setup(&h->m, &h->bone, &h->states[1], &err), 0);
    assert_int_equal(os_muscle_setup(&h->m, &h->mu, &h->states[2], &err), 0);
    assert_int_equal(os_dx_setup(&h->m, &h->dx, &h->states[3], &err), 0);
    size_t first;
    assert_int_equal(os_pop_append(&h->pop, n, &first, &err), 0);
    uint32_t *id = os_pop_data(&h->pop, OS_COL_ID);
    uint8_t *sx = os_pop_data(&h->pop, OS_COL_SEX);
    float *ag = os_pop_data(&h->pop, OS_COL_AGE);
    uint32_t *w = os_pop_data(&h->pop, OS_COL_WEIGHT);
    uint8_t *al = os_pop_data(&h->pop, OS_COL_ALIVE);
    for (size_t i = 0; i < n; i++) {
        id[i] = (uint32_t)i; sx[i] = (uint8_t)sex; ag[i] = age;
        w[i] = 1; al[i] = 1;
    }
    os_chunk c;
    chunk(h, &c);
    for (int k = 0; k < 4; k++)
        if (h->mods[k]->init_agents) h->mods[k]->init_agents(&h->m, h->states[k], &c);
}

static void run_year(harness *h)
{
    os_chunk c;
    chunk(h, &c);
    for (int k = 0; k < 4; k++)
        if (h->mods[k]->census) h->mods[k]->census(&h->m, h->states[k], &c);
    for (int k = 0; k < 4; k++)
        if (h->mods[k]->step) h->mods[k]->step(&h->m, h->states[k], &c);
    float *ag = os_pop_data(&h->pop, OS_COL_AGE);
    for (size_t i = 0; i < h->pop.n; i++) ag[i] += 1.0f;
    h->m.year++;
}

static void teardown_h(harness *h)
{
    for (int k = 0; k < 4; k++) free(h->states[k]);
    os_pop_free(&h->pop);
}

static float *col(harness *h, const char *name)
{
    int c = os_pop_find_column(&h->pop, name);
    assert_true(c >= 0);
    return os_pop_data(&h->pop, c);
}

/* Mean and SE of -log(after/before) of column NAME over one year, for the
 * agents selected by SEL (NULL = all). */
static void one_year_loss(harness *h, const char *name, const uint8_t *sel,
                          double *mean, double *se)
{
    size_t n = h->pop.n;
    float *before = malloc(n * sizeof *before);
    memcpy(before, col(h, name), n * sizeof *before);
    run_year(h);
    float *after = col(h, name);
    double s = 0, s2 = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sel && !sel[i]) continue;
        double d = -log((double)after[i] / before[i]);
        s += d; s2 += d * d; k++;
    }
    free(before);
    *mean = s / k;
    *se = sqrt((s2 / k - *mean * *mean) / k);
}

static void test_ageing_bone(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->bone.loss[1] = 0.004; h->bone.loss_accel[1] = 0.03; h->bone.slope_cv = 0.5;
    setup(h, 20000, 1, 70.0f);
    double m, se;
    one_year_loss(h, "bmd", NULL, &m, &se);
    double expect = 0.004 * (1 + 0.03 * 20);
    assert_true(se > 0 && fabs(m - expect) < 5 * se);
    assert_true(fabs(m - expect) < 0.1 * expect);
    teardown_h(h);
    free(h);
}

static void test_ageing_muscle(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->mu.asm_loss[0] = 0.004; h->mu.loss_accel[OS_MU_ASM] = 0.025; h->mu.slope_cv = 0.5;
    setup(h, 20000, 0, 60.0f);
    double m, se;
    one_year_loss(h, "asm", NULL, &m, &se);
    double expect = 0.004 * (1 + 0.025 * 10);
    assert_true(fabs(m - expect) < 5 * se);
    teardown_h(h);
    free(h);
}

static void test_menopause_bone(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->bone.meno_trans_excess = 0.014;
    /* FMP fixed at 48; age 48.5 is inside [-1, 2) */
    setup(h, 5000, 0, 48.5f);
    double m, se;
    one_year_loss(h, "bmd", NULL, &m, &se);
    assert_true(fabs(m - 0.014) < 1e-5);
    teardown_h(h);
    free(h);
}

static void test_smoking_bone(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->rf.smoke_prev[1] = 0.5; h->bone.smoke_extra = 0.0075;
    setup(h, 20000, 1, 60.0f);
    const uint8_t *sm = (const uint8_t *)col(h, "smoking");
    uint8_t *sel = malloc(h->pop.n);
    size_t ns = 0;
    for (size_t i = 0; i < h->pop.n; i++) ns += (sel[i] = sm[i] == OS_SMOKE_CURRENT);
    double p = (double)ns / h->pop.n, sep = sqrt(0.25 / h->pop.n);
    assert_true(fabs(p - 0.5) < 5 * sep);
    double m, se;
    one_year_loss(h, "bmd", sel, &m, &se);
    assert_true(fabs(m - 0.0075) < 1e-5);
    free(sel);
    teardown_h(h);
    free(h);
}

static void test_bedrest_muscle(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->rf.bed_rate50 = 0.3; h->rf.bed_max_weeks = 4;
    h->mu.bed_week_loss = 0.015; h->mu.bed_recovery = 0.5;
    setup(h, 20000, 0, 50.0f);
    double m, se;
    one_year_loss(h, "asm", NULL, &m, &se);
    /* P(episode) = 1 - e^-0.3, mean weeks 2.5 */
    double expect = (1 - exp(-0.3)) * 2.5 * 0.015 * 0.5;
    assert_true(se > 0 && fabs(m - expect) < 5 * se);
    const uint8_t *bed = (const uint8_t *)col(h, "bedrest_weeks");
    for (size_t i = 0; i < h->pop.n; i++) assert_int_equal(bed[i], 0);
    teardown_h(h);
    free(h);
}

/* Log odds ratio (and SE) of osteoporosis x AWGS sarcopenia at the census. */
static void odds_ratio(harness *h, double *lor, double *se)
{
    os_chunk c;
    chunk(h, &c);
    h->mods[1]->census(&h->m, h->states[1], &c);
    h->mods[3]->census(&h->m, h->states[3], &c);
    const uint16_t *dx = (const uint16_t *)col(h, "dx");
    double n[2][2] = {{0.5, 0.5}, {0.5, 0.5}};
    for (size_t i = 0; i < h->pop.n; i++)
        n[(dx[i] & OS_DX_OSTEOPOROSIS) != 0][(dx[i] & OS_DX_SARC_AWGS) != 0]++;
    *lor = log(n[1][1] * n[0][0] / (n[1][0] * n[0][1]));
    *se = sqrt(1 / n[0][0] + 1 / n[0][1] + 1 / n[1][0] + 1 / n[1][1]);
}

static double coupled_lor(double c, double *se)
{
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->bone.loss[0] = 0.01; h->mu.asm_loss[0] = 0.01;
    h->mu.grip_loss[0] = 0.01; h->mu.gait_loss[0] = 0.01;
    h->bone.c_mb = c; h->mu.c_bm = c;
    setup(h, 20000, 0, 65.0f);
    for (int y = 0; y < 15; y++) run_year(h);
    double lor;
    odds_ratio(h, &lor, se);
    teardown_h(h);
    free(h);
    return lor;
}

static void test_coupling(void **state)
{
    (void)state;
    double se0, se1;
    double l0 = coupled_lor(0.0, &se0);
    assert_true(fabs(l0) < 4 * se0);          /* independent: OR ~ 1 */
    double l1 = coupled_lor(0.8, &se1);
    assert_true(l1 > 4 * se1);                /* coupling raises the OR */
}

/* The slope deviation is drawn once, stored quantised, and used as is:
 * each agent's loss is loss (1 + cv z_i) with z_i from its column. */
static void test_stored_slope(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->bone.loss[1] = 0.004; h->bone.slope_cv = 0.5;
    h->mu.asm_loss[1] = 0.005; h->mu.slope_cv = 0.5;
    setup(h, 20000, 1, 70.0f);
    size_t n = h->pop.n;
    const uint8_t *bq = (const uint8_t *)col(h, "bone_slope");
    const uint8_t *mq = (const uint8_t *)col(h, "muscle_slope");
    double s = 0, s2 = 0, cross = 0;
    for (size_t i = 0; i < n; i++) {
        double z = os_slope_decode(bq[i]), zm = os_slope_decode(mq[i]);
        s += z; s2 += z * z; cross += z * zm;
    }
    double mean = s / n, sd = sqrt(s2 / n - mean * mean);
    assert_true(fabs(mean) < 5 / sqrt((double)n));
    assert_true(fabs(sd - 1) < 5 * sqrt(0.5 / n) + 0.01);   /* + quantisation */
    assert_true(fabs(cross / n) < 5 / sqrt((double)n));     /* own streams */
    float *b0 = malloc(n * sizeof *b0), *m0 = malloc(n * sizeof *m0);
    memcpy(b0, col(h, "bmd"), n * sizeof *b0);
    memcpy(m0, col(h, "asm"), n * sizeof *m0);
    run_year(h);
    const float *b1 = col(h, "bmd"), *m1 = col(h, "asm");
    for (size_t i = 0; i < n; i++) {
        double eb = 0.004 * (1 + 0.5 * os_slope_decode(bq[i]));
        double em = 0.005 * (1 + 0.5 * os_slope_decode(mq[i]));
        assert_true(fabs(-log((double)b1[i] / b0[i]) - eb) < 1e-5);
        assert_true(fabs(-log((double)m1[i] / m0[i]) - em) < 1e-5);
    }
    free(b0); free(m0);
    teardown_h(h);
    free(h);
}

/* A negative age acceleration floors the ageing rate at zero. */
static void test_accel_floor(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->bone.loss[0] = 0.01; h->bone.loss_accel[0] = -0.05;
    h->mu.grip_loss[0] = 0.01; h->mu.loss_accel[OS_MU_GRIP] = -0.02;
    setup(h, 2000, 0, 80.0f);   /* 1 - 0.05*30 < 0; 1 - 0.02*30 = 0.4 */
    size_t n = h->pop.n;
    float *g0 = malloc(n * sizeof *g0);
    memcpy(g0, col(h, "grip"), n * sizeof *g0);
    double m, se;
    one_year_loss(h, "bmd", NULL, &m, &se);
    assert_true(fabs(m) < 1e-7);
    const float *g1 = col(h, "grip");
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(-log((double)g1[i] / g0[i]) - 0.004) < 1e-5);
    free(g0);
    teardown_h(h);
    free(h);
}

/* Baseline copula: corr(BMD, log ASMI) equals bone.baseline.rho_muscle
 * (BMD normal, ASMI lognormal on the muscle factor; at one age). */
static void test_baseline_rho(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->bone.base_rho = 0.3;
    setup(h, 20000, 0, 65.0f);
    size_t n = h->pop.n;
    const float *b = col(h, "bmd"), *a = col(h, "asm"), *ht = col(h, "height");
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double x = b[i], y = log((double)a[i] / ((double)ht[i] * ht[i]));
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
    }
    double cxy = sxy / n - sx / n * sy / n;
    double r = cxy / sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
    double se = (1 - 0.09) / sqrt((double)n);
    assert_true(fabs(r - 0.3) < 5 * se);
    teardown_h(h);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ageing_bone),
        cmocka_unit_test(test_ageing_muscle),
        cmocka_unit_test(test_menopause_bone),
        cmocka_unit_test(test_smoking_bone),
        cmocka_unit_test(test_bedrest_muscle),
        cmocka_unit_test(test_coupling),
        cmocka_unit_test(test_stored_slope),
        cmocka_unit_test(test_accel_floor),
        cmocka_unit_test(test_baseline_rho),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
