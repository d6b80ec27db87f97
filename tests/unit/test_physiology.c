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
#include "interventions.h"
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

/* A programme's yearly changes (interventions.h) shift the treated
 * agents' log-changes by exactly their value: BMD and ASM gain, grip and
 * gait gain strength, chair-stand time falls.  Everything else is off, so
 * the untreated do not change at all. */
static void test_programme_changes(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    setup(h, 1000, 1, 60.0f);
    os_err err = {0};
    int cb = os_pop_add_column(&h->pop, OS_IV_BMD, OS_COL_F32, "1/yr", "", 0, &err);
    int cm = os_pop_add_column(&h->pop, OS_IV_MASS, OS_COL_F32, "1/yr", "", 0, &err);
    int cs = os_pop_add_column(&h->pop, OS_IV_STRENGTH, OS_COL_F32, "1/yr", "", 0, &err);
    assert_true(cb > 0 && cm > 0 && cs > 0);
    float *ib = os_pop_data(&h->pop, cb), *im = os_pop_data(&h->pop, cm), *is = os_pop_data(&h->pop, cs);
    for (size_t i = 0; i < h->pop.n; i += 2) {
        ib[i] = 0.02f;
        im[i] = 0.03f;
        is[i] = 0.01f;
    }
    static const char *const names[] = {"bmd", "asm", "grip", "gait", "chair"};
    static const double treated[] = {0.02, 0.03, 0.01, 0.01, -0.01};
    float *before[5];
    for (int k = 0; k < 5; k++) {
        before[k] = malloc(h->pop.n * sizeof *before[k]);
        memcpy(before[k], col(h, names[k]), h->pop.n * sizeof *before[k]);
    }
    run_year(h);
    for (int k = 0; k < 5; k++) {
        const float *after = col(h, names[k]);
        for (size_t i = 0; i < h->pop.n; i++) {
            double gain = log((double)after[i] / before[k][i]);
            double want = i % 2 ? 0.0 : treated[k];
            if (fabs(gain - want) > 2e-6) fail_msg("%s, agent %zu: log-change %.7f, expected %.7f", names[k], i, gain, want);
        }
        free(before[k]);
    }
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

/* ---- isolated drivers: helpers ---- */

static double phi_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

/* Asserts |x - e| < 5 se (a sampling-error tolerance), se > 0. */
static void near5(double x, double e, double se)
{
    if (!(se > 0 && fabs(x - e) < 5 * se))
        fail_msg("%g vs expected %g: %.1f SE (SE %g)", x, e, (x - e) / se, se);
}

/* Copy of f32 column NAME (the start-of-year state). */
static float *snap(harness *h, const char *name)
{
    float *b = malloc(h->pop.n * sizeof *b);
    memcpy(b, col(h, name), h->pop.n * sizeof *b);
    return b;
}

/* Mean and SE of the one-year loss -log(after/before) over the agents
 * whose rf_flags satisfy ((fl & mask) != 0) == want (fl NULL: all). */
static void group_loss(const float *b, const float *a, size_t n,
                       const uint8_t *fl, unsigned mask, int want,
                       double *m, double *se)
{
    double s = 0, s2 = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (fl && ((fl[i] & mask) != 0) != want) continue;
        double d = -log((double)a[i] / b[i]);
        s += d; s2 += d * d; k++;
    }
    assert_true(k > 100);
    *m = s / k;
    *se = sqrt((s2 / k - *m * *m) / k);
}

/* Flagged minus unflagged mean loss of column NAME over one year (flags
 * as used in that year's step), and its SE. */
static void flag_diff(const float *b, const float *a, size_t n,
                      const uint8_t *fl, unsigned mask, double *d, double *se)
{
    double m1, s1, m0, s0;
    group_loss(b, a, n, fl, mask, 1, &m1, &s1);
    group_loss(b, a, n, fl, mask, 0, &m0, &s0);
    *d = m1 - m0;
    *se = sqrt(s1 * s1 + s0 * s0);
}

/* Share of agents with MASK set, checked against P within 5 SE. */
static void check_share(harness *h, unsigned mask, double p)
{
    const uint8_t *fl = (const uint8_t *)col(h, "rf_flags");
    double k = 0;
    for (size_t i = 0; i < h->pop.n; i++) k += (fl[i] & mask) != 0;
    double se = sqrt(p * (1 - p) / h->pop.n);
    near5(k / h->pop.n, p, se);
}

/* u8 columns round half up (rf_u8), so "value < cut" holds exactly when
 * the continuous draw is below ceil(cut) - 0.5. */
static double u8_cut(double cut) { return ceil(cut) - 0.5; }

/* P(the u8 age at FMP == k): f = clamp(N(mean, sd), min, max), rounded. */
static double fmp_below(const os_rf_par *p, double x)
{
    if (x <= p->fmp_min) return 0;
    if (x > p->fmp_max) return 1;
    return phi_cdf((x - p->fmp_mean) / p->fmp_sd);
}
static double fmp_pmf(const os_rf_par *p, int k)
{
    return fmp_below(p, k + 0.5) - fmp_below(p, k - 0.5);
}

/* Calibrated vitamin D mechanism (China: configs/countries/china/physiology.yaml). */
static void vitd_params(harness *h)
{
    h->rf.vitd_logmean[0] = 4.1013; h->rf.vitd_logmean[1] = 4.2282;
    h->rf.vitd_logsd = 0.45; h->rf.vitd_rho = 0.6;
    h->rf.vitd_lowsun_shift = -0.4; h->rf.vitd_lowsun_prev = 0.3;
    h->rf.vitd_cut = 50;
}

/* Share with 25(OH)D below the cut: lognormal mixture over sunlight. */
static double vitd_low_share(const os_rf_par *p, int sex)
{
    double x = log(u8_cut(p->vitd_cut)), mu = p->vitd_logmean[sex];
    return (1 - p->vitd_lowsun_prev) * phi_cdf((x - mu) / p->vitd_logsd) +
           p->vitd_lowsun_prev *
               phi_cdf((x - mu - p->vitd_lowsun_shift) / p->vitd_logsd);
}

/* Low 25(OH)D prevalence by sex at entry and after a year of the AR(1)
 * (stationary), plus the low-sunlight share. */
static void test_vitd_prevalence(void **state)
{
    (void)state;
    for (int sex = 0; sex < 2; sex++) {
        harness *h = calloc(1, sizeof *h);
        params_off(h);
        vitd_params(h);
        /* enough agents to resolve the rounding at the cut (1 nmol/L) */
        setup(h, 50000, sex, 60.0f);
        double p = vitd_low_share(&h->rf, sex);
        check_share(h, OS_RF_LOWSUN, h->rf.vitd_lowsun_prev);
        check_share(h, OS_RF_LOWVITD, p);
        run_year(h);
        check_share(h, OS_RF_LOWVITD, p);
        teardown_h(h);
        free(h);
    }
}

/* Low 25(OH)D: bone loss + vitamin_d.extra_loss, muscle loss x (1 + k). */
static void test_vitd_losses(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    vitd_params(h);
    h->bone.loss[0] = 0.005; h->bone.slope_cv = 0.5;
    h->bone.vitd_extra = 0.002;
    h->mu.asm_loss[0] = 0.004; h->mu.slope_cv = 0.5; h->mu.vitd_k = 0.2;
    setup(h, 20000, 0, 60.0f);
    size_t n = h->pop.n;
    float *b0 = snap(h, "bmd"), *m0 = snap(h, "asm");
    run_year(h);
    const uint8_t *fl = (const uint8_t *)col(h, "rf_flags");
    double d, se;
    flag_diff(b0, col(h, "bmd"), n, fl, OS_RF_LOWVITD, &d, &se);
    near5(d, 0.002, se);
    flag_diff(m0, col(h, "asm"), n, fl, OS_RF_LOWVITD, &d, &se);
    near5(d, 0.004 * 0.2, se);
    free(b0); free(m0);
    teardown_h(h);
    free(h);
}

/* Protein below the requirement: prevalence and muscle loss x (1 + k). */
static void test_protein(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->rf.prot_mean = 1.0; h->rf.prot_sd = 0.3; h->rf.prot_req = 1.0;
    h->mu.asm_loss[1] = 0.004; h->mu.grip_loss[1] = 0.006;
    h->mu.slope_cv = 0.5; h->mu.prot_k = 0.25;
    setup(h, 50000, 1, 65.0f);
    /* intake stored in hundredths of g/kg/d */
    double x = u8_cut(100 * h->rf.prot_req) / 100;
    check_share(h, OS_RF_LOWPROT, phi_cdf((x - 1.0) / 0.3));
    size_t n = h->pop.n;
    float *m0 = snap(h, "asm"), *g0 = snap(h, "grip");
    run_year(h);
    const uint8_t *fl = (const uint8_t *)col(h, "rf_flags");
    double d, se;
    flag_diff(m0, col(h, "asm"), n, fl, OS_RF_LOWPROT, &d, &se);
    near5(d, 0.004 * 0.25, se);
    flag_diff(g0, col(h, "grip"), n, fl, OS_RF_LOWPROT, &d, &se);
    near5(d, 0.006 * 0.25, se);
    free(m0); free(g0);
    teardown_h(h);
    free(h);
}

/* Sleep / circadian disruption: prevalence and muscle loss x (1 + k). */
static void test_sleep(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->rf.sleep_prev = 0.3;
    h->mu.asm_loss[0] = 0.004; h->mu.slope_cv = 0.5; h->mu.sleep_k = 0.25;
    setup(h, 20000, 0, 65.0f);
    check_share(h, OS_RF_SLEEP, 0.3);
    size_t n = h->pop.n;
    float *m0 = snap(h, "asm");
    run_year(h);
    const uint8_t *fl = (const uint8_t *)col(h, "rf_flags");
    double d, se;
    flag_diff(m0, col(h, "asm"), n, fl, OS_RF_SLEEP, &d, &se);
    near5(d, 0.004 * 0.25, se);
    free(m0);
    teardown_h(h);
    free(h);
}

/* Latent inflammation I ~ N(per_year (age - 50), sd), +per_year each year
 * (before bone and muscle use it); both losses are x exp(k I), so the
 * population mean loss is rate exp(k mu + k^2 sd^2 / 2). */
static void test_inflammation(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    const double sd = 1.0, up = 0.05, kb = 0.2, km = 0.3;
    h->rf.infl_sd = sd; h->rf.infl_age = up;
    h->bone.loss[0] = 0.005; h->bone.infl_k = kb;
    h->mu.asm_loss[0] = 0.004; h->mu.infl_k = km;
    setup(h, 20000, 0, 70.0f);
    size_t n = h->pop.n;
    float *b0 = snap(h, "bmd"), *m0 = snap(h, "asm");
    run_year(h);
    const float *inf = col(h, "inflammation");
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) { s += inf[i]; s2 += (double)inf[i] * inf[i]; }
    double mu = s / n, var = s2 / n - mu * mu;
    near5(mu, up * 21, sd / sqrt((double)n));
    near5(sqrt(var), sd, sd / sqrt(2.0 * n));
    double m, se;
    group_loss(b0, col(h, "bmd"), n, NULL, 0, 0, &m, &se);
    double eb = 0.005 * exp(kb * up * 21 + kb * kb * sd * sd / 2);
    near5(m, eb, se);
    group_loss(m0, col(h, "asm"), n, NULL, 0, 0, &m, &se);
    double em = 0.004 * exp(km * up * 21 + km * km * sd * sd / 2);
    near5(m, em, se);
    free(b0); free(m0);
    teardown_h(h);
    free(h);
}

/* Physical activity: baseline sedentary share is logistic in age, the
 * yearly transitions are the Markov onset / recovery probabilities, and
 * sedentary agents lose bone x (1 + multiplier) and muscle x (1 + k). */
static void test_sedentary(void **state)
{
    (void)state;
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->rf.sed_logit50 = -1.5; h->rf.sed_logit_age = 0.04;
    h->rf.sed_onset = 0.05; h->rf.sed_recover = 0.15;
    h->bone.loss[1] = 0.004; h->bone.slope_cv = 0.5; h->bone.sed_mult = 0.3;
    h->mu.asm_loss[1] = 0.004; h->mu.slope_cv = 0.5; h->mu.sed_k = 0.5;
    setup(h, 30000, 1, 70.0f);
    check_share(h, OS_RF_SEDENTARY, 1 / (1 + exp(1.5 - 0.04 * 20)));
    size_t n = h->pop.n;
    uint8_t *was = malloc(n);
    const uint8_t *fl = (const uint8_t *)col(h, "rf_flags");
    for (size_t i = 0; i < n; i++) was[i] = fl[i] & OS_RF_SEDENTARY;
    float *b0 = snap(h, "bmd"), *m0 = snap(h, "asm");
    run_year(h);
    fl = (const uint8_t *)col(h, "rf_flags");
    double k[2] = {0, 0}, moved[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        int s = was[i] != 0;
        k[s]++;
        moved[s] += (fl[i] & OS_RF_SEDENTARY) ? !s : s;
    }
    double pr[2] = {0.05, 0.15};
    for (int s = 0; s < 2; s++) {
        double se = sqrt(pr[s] * (1 - pr[s]) / k[s]);
        near5(moved[s] / k[s], pr[s], se);
    }
    double d, se;
    flag_diff(b0, col(h, "bmd"), n, fl, OS_RF_SEDENTARY, &d, &se);
    near5(d, 0.004 * 0.3, se);
    flag_diff(m0, col(h, "asm"), n, fl, OS_RF_SEDENTARY, &d, &se);
    near5(d, 0.004 * 0.5, se);
    free(was); free(b0); free(m0);
    teardown_h(h);
    free(h);
}

/* Bed rest and bone: a week of bed rest loses disuse_multiplier weeks of
 * ageing loss, of which the share 'recovery' comes back:
 * mean loss = rate (1 + E[weeks]/52 (mult - 1)(1 - recovery)). */
static void bedrest_bone_case(double recovery)
{
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->rf.bed_rate50 = 0.3; h->rf.bed_max_weeks = 4;
    /* no slope spread: the SE then comes from the weeks alone */
    h->bone.loss[0] = 0.005;
    h->bone.bed_disuse_mult = 4; h->bone.bed_recovery = recovery;
    setup(h, 20000, 0, 50.0f);
    double m, se;
    one_year_loss(h, "bmd", NULL, &m, &se);
    double weeks = (1 - exp(-0.3)) * 2.5;
    double expect = 0.005 * (1 + weeks / 52 * 3 * (1 - recovery));
    near5(m, expect, se);
    teardown_h(h);
    free(h);
}

static void test_bedrest_bone(void **state)
{
    (void)state;
    bedrest_bone_case(0.0);
    bedrest_bone_case(0.5);
}

/* Age at FMP: clamp(N(mean, sd), min, max) rounded to whole years; its
 * sample mean and SD match that distribution (wide and narrow clamps). */
static void fmp_case(double lo, double hi)
{
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->rf.fmp_mean = 48.7; h->rf.fmp_sd = 4.3;
    h->rf.fmp_min = lo; h->rf.fmp_max = hi;
    setup(h, 50000, 0, 50.0f);
    double e1 = 0, e2 = 0;
    for (int k = 0; k < 256; k++) {
        double p = fmp_pmf(&h->rf, k);
        e1 += p * k; e2 += p * k * k;
    }
    double esd = sqrt(e2 - e1 * e1);
    const uint8_t *f = (const uint8_t *)col(h, "fmp_age");
    size_t n = h->pop.n;
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) { s += f[i]; s2 += (double)f[i] * f[i]; }
    double m = s / n, sd = sqrt(s2 / n - m * m);
    near5(m, e1, esd / sqrt((double)n));
    near5(sd, esd, esd / sqrt(2.0 * n));
    check_share(h, OS_RF_POSTMENO, fmp_below(&h->rf, 50.5));
    teardown_h(h);
    free(h);
}

static void test_fmp_age(void **state)
{
    (void)state;
    fmp_case(35, 60);
    fmp_case(45, 52);
    /* men carry no FMP */
    harness *h = calloc(1, sizeof *h);
    params_off(h);
    h->rf.fmp_mean = 48.7; h->rf.fmp_sd = 4.3;
    h->rf.fmp_min = 35; h->rf.fmp_max = 60;
    setup(h, 1000, 1, 60.0f);
    const uint8_t *f = (const uint8_t *)col(h, "fmp_age");
    const uint8_t *fl = (const uint8_t *)col(h, "rf_flags");
    for (size_t i = 0; i < h->pop.n; i++) {
        assert_int_equal(f[i], 0);
        assert_int_equal(fl[i] & OS_RF_POSTMENO, 0);
    }
    teardown_h(h);
    free(h);
}

/* Menopause and muscle: women in the transition window (drawn FMP) lose
 * muscle.menopause.asm_excess of ASM and grip_excess of grip; men none.
 * At age 50 the window [-1, 2) years from FMP means FMP in 49..51. */
static void test_menopause_muscle(void **state)
{
    (void)state;
    for (int sex = 0; sex < 2; sex++) {
        harness *h = calloc(1, sizeof *h);
        params_off(h);
        h->rf.fmp_mean = 48.7; h->rf.fmp_sd = 4.3;
        h->rf.fmp_min = 35; h->rf.fmp_max = 60;
        h->mu.meno_asm_excess = 0.0067; h->mu.meno_grip_excess = 0.005;
        setup(h, 20000, sex, 50.0f);
        double p = 0;
        for (int k = 0; k < 256; k++)
            p += fmp_pmf(&h->rf, k) *
                 os_phys_window(50.0f - (float)k, h->bone.meno_trans_start,
                                h->bone.meno_trans_end);
        size_t n = h->pop.n;
        float *m0 = snap(h, "asm"), *g0 = snap(h, "grip");
        run_year(h);
        double m, se;
        group_loss(m0, col(h, "asm"), n, NULL, 0, 0, &m, &se);
        if (sex == 1) {
            assert_true(fabs(m) < 1e-9);
        } else {
            double sp = 0.0067 * sqrt(p * (1 - p) / n);
            near5(m, 0.0067 * p, sp);
        }
        group_loss(g0, col(h, "grip"), n, NULL, 0, 0, &m, &se);
        if (sex == 1) {
            assert_true(fabs(m) < 1e-9);
        } else {
            double sp = 0.005 * sqrt(p * (1 - p) / n);
            near5(m, 0.005 * p, sp);
        }
        free(m0); free(g0);
        teardown_h(h);
        free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ageing_bone),
        cmocka_unit_test(test_ageing_muscle),
        cmocka_unit_test(test_menopause_bone),
        cmocka_unit_test(test_smoking_bone),
        cmocka_unit_test(test_programme_changes),
        cmocka_unit_test(test_bedrest_muscle),
        cmocka_unit_test(test_coupling),
        cmocka_unit_test(test_stored_slope),
        cmocka_unit_test(test_accel_floor),
        cmocka_unit_test(test_baseline_rho),
        cmocka_unit_test(test_vitd_prevalence),
        cmocka_unit_test(test_vitd_losses),
        cmocka_unit_test(test_protein),
        cmocka_unit_test(test_sleep),
        cmocka_unit_test(test_inflammation),
        cmocka_unit_test(test_sedentary),
        cmocka_unit_test(test_bedrest_bone),
        cmocka_unit_test(test_fmp_age),
        cmocka_unit_test(test_menopause_muscle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
