/* test_disability.c - the ADL-dependence and care-home transitions of
 * models/disability.c happen at their input rates: each test switches one
 * route on (the others off, or not applicable), steps N agents one year
 * with a fixed seed and compares the share that moved with the route's
 * probability within 4 binomial standard errors (fixture as in
 * test_events.c). */
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

#include "events_fixture.h"

#define N 40000

static double expit(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static double logit(double p)
{
    return log(p / (1.0 - p));
}

/* Share of the N agents in state TO, checked against P within 4 SE. */
static void expect_share(const uint8_t *adl, int to, double p, const char *what)
{
    size_t k = 0;
    for (size_t r = 0; r < N; r++) k += adl[r] == to;
    double share = (double)k / N, se = sqrt(p * (1.0 - p) / N);
    if (fabs(share - p) > 4.0 * se + 1e-12)
        fail_msg("%s: share %.5f, input rate %.5f (4 SE = %.5f)", what, share, p, 4.0 * se);
}

/* N men at ref_age in state FROM, with fracture flags FLAGS and diagnosis
 * DX, stepped once. */
static void run_year(fixture *fix, int from, uint8_t flags, uint16_t dx)
{
    float *age = (float *)os_pop_data(&fix->pop, OS_COL_AGE);
    uint8_t *sex = os_pop_data(&fix->pop, OS_COL_SEX);
    uint8_t *adl = col(fix, "adl_state"), *fxf = col(fix, "fx_flags");
    uint16_t *d = col(fix, "dx");
    float ref = (float)os_cfg_real(fix->cfg, "disability.ref_age");
    for (size_t r = 0; r < N; r++) {
        age[r] = ref;
        sex[r] = 1;
        adl[r] = (uint8_t)from;
        fxf[r] = flags;
        d[r] = dx;
    }
    os_chunk c = chunk(fix);
    os_mod_disability.step(&fix->m, fix->st[FX_DISABILITY], &c);
}

#define P(k) os_cfg_real(f.cfg, "disability." k)

/* Background onset at ref_age, and with sarcopenia (its odds ratio). */
static void test_onset(void **state)
{
    (void)state;
    const char *sets[] = {"disability.onset.prob=0.1", "model.sarcopenia_definition=awgs2019"};
    fixture f;
    setup(&f, sets, 2, N);
    run_year(&f, 0, 0, 0);
    expect_share(col(&f, "adl_state"), 1, P("onset.prob"), "onset");
    f.m.year++;
    run_year(&f, 0, 0, OS_DX_SARC_AWGS);
    expect_share(col(&f, "adl_state"), 1, expit(logit(P("onset.prob")) + log(P("onset.or_sarcopenia"))),
                 "onset with sarcopenia");
    f.m.year++;
    run_year(&f, 0, OS_FX_THIS_YEAR(OS_SITE_VERTEBRAL) | OS_FX_EVER(OS_SITE_VERTEBRAL), 0);
    expect_share(col(&f, "adl_state"), 1, expit(logit(P("onset.prob")) + log(P("onset.or_vertebral"))),
                 "onset after a vertebral fracture");
    teardown(&f);
}

/* A hip fracture this year: new dependence (background off) and
 * care-home admission. */
static void test_hip(void **state)
{
    (void)state;
    const uint8_t hip = OS_FX_THIS_YEAR(OS_SITE_HIP) | OS_FX_EVER(OS_SITE_HIP);
    const char *sets[] = {"disability.onset.prob=0", "disability.care_home.hip=0"};
    fixture f;
    setup(&f, sets, 2, N);
    run_year(&f, 0, hip, 0);
    expect_share(col(&f, "adl_state"), 1, P("onset.hip"), "dependence after a hip fracture");
    teardown(&f);
    const char *sets2[] = {"disability.onset.prob=0", "disability.onset.hip=0", "disability.care_home.hip=0.2"};
    setup(&f, sets2, 3, N);
    run_year(&f, 0, hip, 0);
    expect_share(col(&f, "adl_state"), 2, P("care_home.hip"), "care home after a hip fracture");
    expect_share(col(&f, "adl_state"), 1, 0.0, "no other route");
    teardown(&f);
}

/* Dependent at home: recovery, and admission from dependence; care-home
 * residents stay. */
static void test_dependent(void **state)
{
    (void)state;
    const char *sets[] = {"disability.care_home.prob=0"};
    fixture f;
    setup(&f, sets, 1, N);
    run_year(&f, 1, 0, 0);
    expect_share(col(&f, "adl_state"), 0, P("recovery.prob"), "recovery");
    teardown(&f);
    const char *sets2[] = {"disability.care_home.prob=0.2", "disability.recovery.prob=0"};
    setup(&f, sets2, 2, N);
    run_year(&f, 1, 0, 0);
    expect_share(col(&f, "adl_state"), 2, P("care_home.prob"), "admission from dependence");
    run_year(&f, 2, OS_FX_THIS_YEAR(OS_SITE_HIP), 0);
    expect_share(col(&f, "adl_state"), 2, 1.0, "care home is absorbing");
    teardown(&f);
}

/* The entering population's prevalences (init_agents) and the census
 * counts of /summary. */
static void test_prevalence(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL, 0, N);
    float *age = (float *)os_pop_data(&f.pop, OS_COL_AGE);
    uint8_t *sex = os_pop_data(&f.pop, OS_COL_SEX);
    for (size_t r = 0; r < N; r++) {
        age[r] = (float)P("ref_age") + 10.0f;
        sex[r] = 0;
    }
    os_chunk c = chunk(&f);
    os_mod_disability.init_agents(&f.m, f.st[FX_DISABILITY], &c);
    double pc = expit(logit(P("prevalence.care_home.at_ref_age")) + log(P("prevalence.care_home.or_per_decade")));
    double pd = expit(logit(P("prevalence.dependent.at_ref_age")) + log(P("prevalence.dependent.or_per_decade")) +
                      log(P("prevalence.dependent.or_female")));
    const uint8_t *adl = col(&f, "adl_state");
    expect_share(adl, 2, pc, "care-home prevalence");
    expect_share(adl, 1, (1.0 - pc) * pd, "dependence prevalence at home");
    size_t k = 0, d = 0;
    for (size_t r = 0; r < N; r++) {
        k += adl[r] == 2;
        d += adl[r] != 0;
    }
    /* adl_dependent counts everyone dependent, care_home those of them in a
     * care home. */
    os_mod_disability.census(&f.m, f.st[FX_DISABILITY], &c);
    int64_t s = 0, sd = 0;
    for (int i = 0; i < f.m.nsummary; i++)
        for (int cell = 0; cell < OS_NCELLS; cell++) {
            if (!strcmp(f.m.summary[i].name, "care_home")) s += f.acc.v[cell * OS_MAX_SUMMARY_COLS + i];
            if (!strcmp(f.m.summary[i].name, "adl_dependent")) sd += f.acc.v[cell * OS_MAX_SUMMARY_COLS + i];
        }
    assert_true(k > 0 && s == (int64_t)k * (int64_t)OS_ACC_SCALE);
    assert_true(d > k && sd == (int64_t)d * (int64_t)OS_ACC_SCALE);
    teardown(&f);
}
#undef P

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onset),
        cmocka_unit_test(test_hip),
        cmocka_unit_test(test_dependent),
        cmocka_unit_test(test_prevalence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
