/* test_events.c - falls, fractures, hospital stays and excess mortality
 * against their parameters, each with everything else held fixed.
 * Statistical checks use fixed seeds and 4.5 standard errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis.h"
#include "engine.h"
#include "events.h"
#include "interventions.h"

#include "events_fixture.h"

static void check_p(double got_count, double n, double p, const char *what)
{
    double se = sqrt(p * (1 - p) / n), got = got_count / n;
    if (fabs(got - p) > 4.5 * se) fail_msg("%s: %.5f, expected %.5f (se %.5f)", what, got, p, se);
}

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

static void test_falls_rate(void **state)
{
    (void)state;
    fixture f;
    const size_t n = 40000;
    setup(&f, NULL, 0, n);
    os_chunk c = chunk(&f);
    float *age = (float *)os_pop_data(&f.pop, OS_COL_AGE);
    uint8_t *falls = col(&f, "falls_n");
    double ref = os_cfg_real(f.cfg, "falls.ref_age"), base = os_cfg_real(f.cfg, "falls.base_prob.female");
    double orp = os_cfg_real(f.cfg, "falls.or.prior_fall"), extra = os_cfg_real(f.cfg, "falls.extra_falls_mean");
    /* Half without, half with a fall last year; all at the reference age. */
    for (size_t r = 0; r < n; r++) {
        age[r] = (float)ref;
        falls[r] = r % 2;
    }
    os_mod_falls.step(&f.m, f.st[0], &c);
    double fall0 = 0, fall1 = 0, nf = 0, tot = 0;
    for (size_t r = 0; r < n; r++) {
        if (!falls[r]) continue;
        if (r % 2) fall1++;
        else fall0++;
        nf++;
        tot += falls[r];
    }
    check_p(fall0, n / 2, base, "fallers, no prior fall");
    double lp = log(base / (1 - base)) + log(orp);
    check_p(fall1, n / 2, logistic(lp), "fallers after a fall");
    /* Falls per faller: 1 + Poisson(extra), variance extra. */
    double mean = tot / nf, se = sqrt(extra / nf);
    if (fabs(mean - (1 + extra)) > 4.5 * se) fail_msg("falls per faller %.4f, expected %.4f", mean, 1 + extra);
    /* The summary columns agree with the agents. */
    int sf = -1;
    for (int i = 0; i < f.m.nsummary; i++)
        if (!strcmp(f.m.summary[i].name, "fallers")) sf = i;
    assert_true(sf >= 0);
    int64_t sum = 0;
    for (int b = 0; b < OS_NBANDS; b++) sum += f.acc.v[b * OS_MAX_SUMMARY_COLS + sf];
    assert_true(sum == (int64_t)(nf * OS_ACC_SCALE));
    teardown(&f);
}

static void test_falls_risk_factors(void **state)
{
    (void)state;
    fixture f;
    const size_t n = 40000;
    setup(&f, NULL, 0, n);
    os_chunk c = chunk(&f);
    float *age = (float *)os_pop_data(&f.pop, OS_COL_AGE);
    float *grip = col(&f, "grip");
    uint16_t *dx = col(&f, "dx");
    uint8_t *falls = col(&f, "falls_n");
    double ref = os_cfg_real(f.cfg, "falls.ref_age");
    double lp = log(os_cfg_real(f.cfg, "falls.base_prob.female") / (1 - os_cfg_real(f.cfg, "falls.base_prob.female")))
              + log(os_cfg_real(f.cfg, "falls.or_per_decade"))
              + log(os_cfg_real(f.cfg, "falls.or.low_grip"));
    for (size_t r = 0; r < n; r++) {
        age[r] = (float)(ref + 10.0);
        grip[r] = (float)os_cfg_real(f.cfg, "falls.low_grip.female") - 1.0f;
        dx[r] = OS_DX_SARC_AWGS;
        falls[r] = 0;
    }
    os_mod_falls.step(&f.m, f.st[0], &c);
    double k = 0;
    for (size_t r = 0; r < n; r++) k += falls[r] > 0;
    /* Sarcopenia acts through its components only: a diagnosis-level odds
     * ratio on top of low grip would count the same weakness twice. */
    check_p(k, n, logistic(lp), "fallers, older with low grip and AWGS sarcopenia");
    teardown(&f);
}

static double count_site(fixture *f, int site, size_t lo, size_t hi)
{
    const uint8_t *flags = col(f, "fx_flags");
    double k = 0;
    for (size_t r = lo; r < hi; r++) k += (flags[r] & OS_FX_THIS_YEAR(site)) != 0;
    return k;
}

/* A fracture raises the next year's risk by the prior-fracture RR, and one
 * SD lower T-score by rr_per_sd. */
static void test_fracture_prior_rr(void **state)
{
    (void)state;
    /* No vertebral deformities: one without clinical attention is a prior
     * fracture that the flags below do not show. */
    const char *sets[] = {"fractures.hip.base_rate_female=0.3", "fractures.vertebral.base_rate_female=0"};
    fixture f;
    const size_t n = 60000;
    setup(&f, sets, 2, n);
    os_chunk c = chunk(&f);
    double h = 0.3, rr1 = os_cfg_real(f.cfg, "fractures.prior.rr_year1");
    assert_true(fabs(os_prior_fracture_rr(1, rr1, 1.4) - rr1) < 1e-12);
    assert_true(fabs(os_prior_fracture_rr(10, rr1, 1.4) - 1.4) < 1e-12);
    assert_true(fabs(os_prior_fracture_rr(40, rr1, 1.4) - 1.4) < 1e-12);
    os_mod_fractures.step(&f.m, f.st[1], &c);
    check_p(count_site(&f, OS_SITE_HIP, 0, n), n, -expm1(-h), "hip, year 1");
    /* Year 2: compare those who fractured in year 1 with those who did not. */
    uint8_t *flags = col(&f, "fx_flags");
    uint8_t *before = malloc(n);
    for (size_t r = 0; r < n; r++) before[r] = (flags[r] & OS_FX_EVER_ANY) != 0;
    f.m.year = 2026;
    os_mod_fractures.step(&f.m, f.st[1], &c);
    double k1 = 0, n1 = 0, k0 = 0, n0 = 0;
    for (size_t r = 0; r < n; r++) {
        int hip = (flags[r] & OS_FX_THIS_YEAR(OS_SITE_HIP)) != 0;
        if (before[r]) { n1++; k1 += hip; } else { n0++; k0 += hip; }
    }
    assert_true(n1 > 1000);
    check_p(k0, n0, -expm1(-h), "hip, year 2, no prior fracture");
    check_p(k1, n1, -expm1(-h * rr1), "hip, year 2, fracture in year 1");
    free(before);
    teardown(&f);

    /* BMD one SD of the fracture-risk reference below tscore_ref; the
     * diagnostic T-score column is not read (set it to nonsense). */
    setup(&f, sets, 2, n);
    c = chunk(&f);
    float *bmd = col(&f, "bmd"), *t = col(&f, "tscore");
    for (size_t r = 0; r < n; r++) {
        bmd[r] = fixture_bmd_at(&f, os_cfg_real(f.cfg, "fractures.tscore_ref") - 1.0);
        t[r] = 3.0f;
    }
    os_mod_fractures.step(&f.m, f.st[1], &c);
    check_p(count_site(&f, OS_SITE_HIP, 0, n), n,
            -expm1(-h * os_cfg_real(f.cfg, "fractures.hip.rr_per_sd")), "hip, BMD 1 SD below the reference");
    teardown(&f);
}

/* Weighted total of summary column NAME over all bands (both sexes). */
static double summary_total(const fixture *f, const char *name)
{
    int col = -1;
    for (int i = 0; i < f->m.nsummary; i++)
        if (!strcmp(f->m.summary[i].name, name)) col = i;
    assert_true(col >= 0);
    int64_t sum = 0;
    for (int b = 0; b < 2 * OS_NBANDS; b++) sum += f->acc.v[b * OS_MAX_SUMMARY_COLS + col];
    return (double)sum / OS_ACC_SCALE;
}

/* The vertebral hazard is that of a new deformity; clinical_share of them
 * come to clinical attention (fractures_vertebral, the clinical flags), the
 * rest are counted as deformities only, and every deformity is a prior
 * fracture for the next year's risk at every site. */
static void test_vertebral_deformities(void **state)
{
    (void)state;
    const char *sets[] = {
        "fractures.vertebral.base_rate_female=0.2", "fractures.hip.base_rate_female=0",
        "fractures.wrist.base_rate_female=0", "fractures.other.base_rate_female=0",
        "fractures.prior.rr_year1=3", "fractures.prior.rr_year10=3"};
    fixture f;
    const size_t n = 60000;
    setup(&f, sets, 6, n);
    os_chunk c = chunk(&f);
    os_mod_fractures.step(&f.m, f.st[1], &c);
    const uint8_t *flags = col(&f, "fx_flags"), *vdef = col(&f, "vert_deformities");
    double k = 0, clinical = 0;
    for (size_t r = 0; r < n; r++) {
        k += vdef[r] > 0;
        clinical += (flags[r] & OS_FX_THIS_YEAR(OS_SITE_VERTEBRAL)) != 0;
        assert_true(vdef[r] > 0 || !(flags[r] & OS_FX_EVER(OS_SITE_VERTEBRAL)));
    }
    check_p(k, n, -expm1(-0.2), "new vertebral deformities");
    check_p(clinical, k, os_cfg_real(f.cfg, "fractures.vertebral.clinical_share"),
            "share of deformities that are clinical");
    assert_true(summary_total(&f, "fractures_vertebral_morphometric") == k);
    assert_true(summary_total(&f, "fractures_vertebral") == clinical);
    /* Year 2: the deformities that stayed silent raise the hazard by the
     * prior-fracture ratio like the clinical ones. */
    uint8_t *silent = malloc(n), *clin = malloc(n);
    for (size_t r = 0; r < n; r++) {
        silent[r] = vdef[r] > 0 && !(flags[r] & OS_FX_EVER_ANY);
        clin[r] = (flags[r] & OS_FX_EVER_ANY) != 0;
    }
    f.m.year = 2026;
    os_mod_fractures.step(&f.m, f.st[1], &c);
    double ns = 0, ks = 0, nc = 0, kc = 0;
    for (size_t r = 0; r < n; r++) {
        int again = (flags[r] & OS_FX_THIS_YEAR(OS_SITE_VERTEBRAL)) != 0;
        if (silent[r]) { ns++; ks += again; }
        if (clin[r]) { nc++; kc += again; }
    }
    double p3 = -expm1(-0.2 * 3) * os_cfg_real(f.cfg, "fractures.vertebral.clinical_share");
    check_p(ks, ns, p3, "clinical vertebral fracture after a silent deformity");
    check_p(kc, nc, p3, "clinical vertebral fracture after a clinical one");
    /* The census counts the people living with a deformity. */
    memset(f.acc.v, 0, sizeof f.acc.v);
    os_mod_fractures.census(&f.m, f.st[1], &c);
    double living = 0;
    for (size_t r = 0; r < n; r++) living += vdef[r] > 0;
    assert_true(summary_total(&f, "vertebral_deformity") == living);
    free(silent);
    free(clin);
    teardown(&f);
}

/* New agents get their past fractures from the model's own rates: with a
 * constant hip hazard h, no other site, no prior-fracture or fall effect,
 * an agent aged a has fractured with probability 1 - exp(-h (a - start)). */
static void test_fracture_history(void **state)
{
    (void)state;
    const char *sets[] = {
        "fractures.hip.base_rate_female=0.02", "fractures.hip.hr_per_decade_female=1",
        "fractures.hip.fall_rr=1", "fractures.prior.rr_year1=1", "fractures.prior.rr_year10=1",
        "fractures.vertebral.base_rate_female=0", "fractures.wrist.base_rate_female=0",
        "fractures.other.base_rate_female=0", "fractures.history.start_age=50"};
    fixture f;
    const size_t n = 40000;
    setup(&f, sets, 9, n);
    os_chunk c = chunk(&f);
    os_mod_fractures.init_agents(&f.m, f.st[1], &c);
    uint8_t *flags = col(&f, "fx_flags"), *years = col(&f, "fx_years");
    for (size_t r = 0; r < n; r++) assert_int_equal(flags[r], 0);
    os_mod_fractures.census(&f.m, f.st[1], &c);
    double k = 0;
    for (size_t r = 0; r < n; r++) {
        int ever = (flags[r] & OS_FX_EVER(OS_SITE_HIP)) != 0;
        k += ever;
        assert_int_equal(flags[r] & ~OS_FX_EVER(OS_SITE_HIP), 0);
        assert_true(ever ? years[r] < 20 : years[r] == 0);
    }
    check_p(k, n, -expm1(-0.02 * 20), "hip fracture history of agents aged 70");
    /* The history is drawn once: a second census changes nothing. */
    uint8_t *copy = malloc(n);
    memcpy(copy, flags, n);
    os_mod_fractures.census(&f.m, f.st[1], &c);
    assert_memory_equal(copy, flags, n);
    free(copy);
    teardown(&f);
}

/* A fall multiplies the hazard by fall_rr (wrist: mostly after falls). */
static void test_fracture_after_fall(void **state)
{
    (void)state;
    const char *sets[] = {"fractures.wrist.base_rate_female=0.002"};
    fixture f;
    const size_t n = 40000;
    setup(&f, sets, 1, n);
    os_chunk c = chunk(&f);
    uint8_t *falls = col(&f, "falls_n");
    float *age = (float *)os_pop_data(&f.pop, OS_COL_AGE);
    for (size_t r = 0; r < n; r++) {
        falls[r] = r % 2;
        age[r] = (float)os_cfg_real(f.cfg, "fractures.ref_age");
    }
    os_mod_fractures.step(&f.m, f.st[1], &c);
    const uint8_t *flags = col(&f, "fx_flags");
    double k0 = 0, k1 = 0;
    for (size_t r = 0; r < n; r++) {
        int w = (flags[r] & OS_FX_THIS_YEAR(OS_SITE_WRIST)) != 0;
        if (r % 2) k1 += w;
        else k0 += w;
    }
    double h = 0.002, rr = os_cfg_real(f.cfg, "fractures.wrist.fall_rr");
    check_p(k0, n / 2, -expm1(-h), "wrist, no fall");
    check_p(k1, n / 2, -expm1(-h * rr), "wrist, after a fall");
    teardown(&f);
}

/* A programme's rate ratios (interventions.h) act on the treated only:
 * half the agents carry a fall rate ratio of 0.6 and a wrist fracture rate
 * ratio of 0.5, the others none. */
static void test_programme_rate_ratios(void **state)
{
    (void)state;
    const char *sets[] = {"fractures.wrist.base_rate_female=0.002"};
    fixture f;
    const size_t n = 40000;
    setup(&f, sets, 1, n);
    os_err err = {0};
    int cf = os_pop_add_column(&f.pop, OS_IV_FALL_RR, OS_COL_F32, "1", "", 0, &err);
    int cw = os_pop_add_column(&f.pop, OS_IV_FX_RR_PREFIX "wrist", OS_COL_F32, "1", "", 0, &err);
    assert_true(cf > 0 && cw > 0);
    float *fall_rr = os_pop_data(&f.pop, cf), *wrist_rr = os_pop_data(&f.pop, cw);
    float *age = (float *)os_pop_data(&f.pop, OS_COL_AGE);
    for (size_t r = 0; r < n; r++) {
        fall_rr[r] = r % 2 ? 0.6f : 1.0f;
        wrist_rr[r] = r % 2 ? 0.5f : 1.0f;
        age[r] = (float)os_cfg_real(f.cfg, "falls.ref_age");
    }
    os_chunk c = chunk(&f);
    os_mod_falls.step(&f.m, f.st[0], &c);
    uint8_t *falls = col(&f, "falls_n");
    double k0 = 0, k1 = 0, base = os_cfg_real(f.cfg, "falls.base_prob.female");
    for (size_t r = 0; r < n; r++) *(r % 2 ? &k1 : &k0) += falls[r] > 0;
    check_p(k0, n / 2, base, "fallers, untreated");
    check_p(k1, n / 2, 0.6 * base, "fallers, fall rate ratio 0.6");
    /* Wrist fractures at the fracture model's reference age, no falls. */
    for (size_t r = 0; r < n; r++) {
        falls[r] = 0;
        age[r] = (float)os_cfg_real(f.cfg, "fractures.ref_age");
    }
    os_mod_fractures.step(&f.m, f.st[1], &c);
    const uint8_t *flags = col(&f, "fx_flags");
    k0 = k1 = 0;
    for (size_t r = 0; r < n; r++) *(r % 2 ? &k1 : &k0) += (flags[r] & OS_FX_THIS_YEAR(OS_SITE_WRIST)) != 0;
    check_p(k0, n / 2, -expm1(-0.002), "wrist, untreated");
    check_p(k1, n / 2, -expm1(-0.002 * 0.5), "wrist, rate ratio 0.5");
    teardown(&f);
}

/* Non-fracture admissions at the reference age, without and with
 * sarcopenia. */
static void test_hospital_background(void **state)
{
    (void)state;
    fixture f;
    const size_t n = 40000;
    setup(&f, NULL, 0, n);
    os_chunk c = chunk(&f);
    float *age = (float *)os_pop_data(&f.pop, OS_COL_AGE);
    uint16_t *dx = col(&f, "dx");
    for (size_t r = 0; r < n; r++) {
        age[r] = (float)os_cfg_real(f.cfg, "hospital.ref_age");
        dx[r] = r % 2 ? OS_DX_SARC_AWGS : 0;
    }
    os_mod_hospital.step(&f.m, f.st[2], &c);
    const uint8_t *days = col(&f, "hosp_other_days");
    double k0 = 0, k1 = 0;
    for (size_t r = 0; r < n; r++) {
        if (!days[r]) continue;
        assert_int_equal(days[r], (int)os_cfg_real(f.cfg, "hospital.background.los"));
        if (r % 2) k1++;
        else k0++;
    }
    double p = os_cfg_real(f.cfg, "hospital.background.prob");
    check_p(k0, n / 2, p, "admissions, no sarcopenia");
    double lp = log(p / (1 - p)) + log(os_cfg_real(f.cfg, "hospital.background.or_sarcopenia"));
    check_p(k1, n / 2, logistic(lp), "admissions, sarcopenia");
    teardown(&f);
}

static void test_hospital_bedrest(void **state)
{
    (void)state;
    const char *sets[] = {"hospital.admit.hip=1", "hospital.background.prob=0"};
    fixture f;
    setup(&f, sets, 2, 4);
    os_chunk c = chunk(&f);
    uint8_t *flags = col(&f, "fx_flags"), *bed = col(&f, "bedrest_weeks");
    float *age = (float *)os_pop_data(&f.pop, OS_COL_AGE);
    flags[0] = OS_FX_THIS_YEAR(OS_SITE_HIP) | OS_FX_EVER(OS_SITE_HIP);
    age[0] = 80.0f;
    flags[1] = flags[0];
    age[1] = 60.0f;
    flags[2] = flags[0];
    age[2] = 80.0f;
    bed[2] = 250;
    os_mod_hospital.step(&f.m, f.st[2], &c);
    double los = os_cfg_real(f.cfg, "hospital.los.hip"), share = os_cfg_real(f.cfg, "hospital.bedrest_share");
    double extra = os_cfg_real(f.cfg, "hospital.hip_extra_bedrest_weeks");
    assert_int_equal(bed[0], (int)floor(extra + los * share / 7.0 + 0.5));
    assert_int_equal(bed[1], (int)floor(los * share / 7.0 + 0.5));
    assert_int_equal(bed[2], 255);     /* saturates */
    assert_int_equal(bed[3], 0);
    teardown(&f);
}

/* Hazard ratios of disease, fractures and ADL states (the larger of the
 * fracture product and the state's ratio); sarcopenia counts under the
 * definition of model.sarcopenia_definition only. */
static void test_excess_mortality(void **state)
{
    (void)state;
    for (int on = 0; on < 3; on++) {
        const char *sets[] = {on ? "model.disease_effects=true" : "model.disease_effects=false",
                              on == 2 ? "model.sarcopenia_definition=ewgsop2"
                                      : "model.sarcopenia_definition=awgs2019"};
        fixture f;
        setup(&f, sets, 2, 4);
        os_chunk c = chunk(&f);
        uint16_t *dx = col(&f, "dx");
        uint8_t *flags = col(&f, "fx_flags");
        float *hr = col(&f, "mortality_hr");
        dx[0] = OS_DX_SARC_AWGS;
        dx[1] = OS_DX_SARC_AWGS | OS_DX_OSTEOPOROSIS | OS_DX_OSTEOSARC_AWGS;
        dx[3] = OS_DX_SARC_EW | OS_DX_OSTEOPOROSIS | OS_DX_OSTEOSARC_EW;
        flags[1] = OS_FX_THIS_YEAR(OS_SITE_HIP) | OS_FX_EVER(OS_SITE_HIP);
        flags[2] = OS_FX_EVER(OS_SITE_HIP);
        /* 2: dependent after a hip fracture (the larger ratio, not both);
         * 3: in a care home */
        uint8_t *adl = col(&f, "adl_state");
        adl[2] = 1;
        adl[3] = 2;
        os_mod_excess_mortality.step(&f.m, f.st[FX_EXCESS], &c);
        double sarc = os_cfg_real(f.cfg, "excess_mortality.hr.sarcopenia");
        double osteo = os_cfg_real(f.cfg, "excess_mortality.hr.osteosarcopenia");
        double hip1 = os_cfg_real(f.cfg, "excess_mortality.hr.hip_first_year_female");
        double later = os_cfg_real(f.cfg, "excess_mortality.hr.hip_later");
        double dep = os_cfg_real(f.cfg, "excess_mortality.hr.adl_dependent");
        double care = os_cfg_real(f.cfg, "excess_mortality.hr.care_home");
        if (!on) {
            for (int r = 0; r < 4; r++) assert_true(hr[r] == 1.0f);
        } else if (on == 1) {
            assert_true(fabs(hr[0] - sarc) < 1e-6);
            assert_true(fabs(hr[1] - osteo * hip1) < 1e-5);
            assert_true(fabs(hr[2] - fmax(later, dep)) < 1e-6);
            assert_true(fabs(hr[3] - care) < 1e-6);   /* EWGSOP2 only: not the outcome definition */
        } else {
            assert_true(hr[0] == 1.0f);
            assert_true(fabs(hr[1] - hip1) < 1e-5);
            assert_true(fabs(hr[3] - osteo * care) < 1e-5);
        }
        teardown(&f);
    }
}

/* The FRAX-like 10-year probability (os_fx_prob10) against closed forms:
 * a hip-only, age-flat hazard without a fall effect has the yearly
 * probability p = 1 - exp(-h), so with no competing death the 10-year
 * probability is 1 - (1 - p)^10, and with a yearly death probability d it
 * is sum_t ((1 - p)(1 - d))^t p; a prior fracture, a lower BMD and the
 * major sites (here the hip plus a vertebral hazard) raise it.  Tolerance
 * 1e-6: the BMD at the reference T-score is a float (relative rounding
 * about 6e-8, times the gradient and the hazard's derivative). */
static void test_ten_year_probability(void **state)
{
    (void)state;
    const char *sets[] = {"fractures.hip.base_rate_female=0.02", "fractures.hip.hr_per_decade_female=1",
                          "fractures.hip.fall_rr=1", "fractures.vertebral.base_rate_female=0",
                          "fractures.wrist.base_rate_female=0", "fractures.other.base_rate_female=0"};
    fixture f;
    setup(&f, sets, 6, 1);
    const void *fx = f.st[1];
    float bmd = fixture_bmd_at(&f, os_cfg_real(f.cfg, "fractures.tscore_ref"));
    double none[10] = {0}, d[10], p = -expm1(-0.02);
    for (int t = 0; t < 10; t++) d[t] = 0.05;
    unsigned hip = 1u << OS_SITE_HIP, major = 0xFu;
    double p10 = os_fx_prob10(fx, hip, 0, 70.0, bmd, 40.0f, 1.5f, 0, none);
    assert_true(fabs(p10 - (1.0 - pow(1.0 - p, 10))) < 1e-6);
    double want = 0, a = 1;
    for (int t = 0; t < 10; t++) {
        want += a * p;
        a *= (1.0 - p) * 0.95;
    }
    assert_true(fabs(os_fx_prob10(fx, hip, 0, 70.0, bmd, 40.0f, 1.5f, 0, d) - want) < 1e-6);
    /* Age-flat: the same at 80. */
    assert_true(fabs(os_fx_prob10(fx, hip, 0, 80.0, bmd, 40.0f, 1.5f, 0, none) - p10) < 1e-6);
    assert_true(os_fx_prob10(fx, hip, 0, 70.0, bmd, 40.0f, 1.5f, 1, none) > p10);
    assert_true(os_fx_prob10(fx, hip, 0, 70.0, fixture_bmd_at(&f, -3.5), 40.0f, 1.5f, 0, none) > p10);
    /* Sites without hazard add nothing to major. */
    assert_true(fabs(os_fx_prob10(fx, major, 0, 70.0, bmd, 40.0f, 1.5f, 0, none) - p10) < 1e-6);
    teardown(&f);

    const char *vert[] = {"fractures.hip.base_rate_female=0.02", "fractures.hip.hr_per_decade_female=1",
                          "fractures.hip.fall_rr=1", "fractures.vertebral.base_rate_female=0.01"};
    setup(&f, vert, 4, 1);
    bmd = fixture_bmd_at(&f, os_cfg_real(f.cfg, "fractures.tscore_ref"));
    assert_true(os_fx_prob10(f.st[1], major, 0, 70.0, bmd, 40.0f, 1.5f, 0, none) >
                os_fx_prob10(f.st[1], hip, 0, 70.0, bmd, 40.0f, 1.5f, 0, none));
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_falls_rate),
        cmocka_unit_test(test_falls_risk_factors),
        cmocka_unit_test(test_fracture_prior_rr),
        cmocka_unit_test(test_fracture_after_fall),
        cmocka_unit_test(test_programme_rate_ratios),
        cmocka_unit_test(test_fracture_history),
        cmocka_unit_test(test_vertebral_deformities),
        cmocka_unit_test(test_hospital_background),
        cmocka_unit_test(test_hospital_bedrest),
        cmocka_unit_test(test_excess_mortality),
        cmocka_unit_test(test_ten_year_probability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
