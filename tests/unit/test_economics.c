/* test_economics.c - costs, life-years, QALYs and discounting of the
 * economics model on hand-set agents (fixture as in test_events.c). */
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


static double sum_col(fixture *f, const char *name)
{
    for (int i = 0; i < f->m.nsummary; i++)
        if (!strcmp(f->m.summary[i].name, name)) {
            int64_t s = 0;
            for (int cell = 0; cell < OS_NCELLS; cell++) s += f->acc.v[cell * OS_MAX_SUMMARY_COLS + i];
            return (double)s / OS_ACC_SCALE;
        }
    fail_msg("no summary column %s", name);
    return 0;
}

static void test_discount_factor(void **state)
{
    (void)state;
    assert_true(os_discount_factor(0.05, 2025, 2025) == 1.0);
    assert_true(fabs(os_discount_factor(0.05, 2025, 2027) - 1.0 / 1.1025) < 1e-15);
    assert_true(os_discount_factor(0.0, 2025, 2050) == 1.0);
}

/* A constant stream: one healthy woman aged 50 (weight 1000) for T years;
 * discounted QALYs must equal u * (1 - d^T) / (1 - d), d = 1 / (1 + r). */
static void test_discounting_closed_form(void **state)
{
    (void)state;
    const char *sets[] = {"economics.discount_rate=0.05"};
    fixture f;
    setup(&f, sets, 1, 1);
    os_chunk c = chunk(&f);
    ((float *)os_pop_data(&f.pop, OS_COL_AGE))[0] = 50.0f;
    ((uint32_t *)os_pop_data(&f.pop, OS_COL_WEIGHT))[0] = 1000;
    const int T = 26;
    for (int t = 0; t < T; t++) {
        f.m.year = 2025 + t;
        os_mod_economics.step(&f.m, f.st[FX_ECONOMICS], &c);
    }
    double u = os_cfg_real(f.cfg, "economics.utility.female.age50"), d = 1.0 / 1.05;
    double want = 1000.0 * u * (1.0 - pow(d, T)) / (1.0 - d);
    double got = sum_col(&f, "qaly_discounted");
    if (fabs(got - want) > 1e-3) fail_msg("discounted QALYs %.6f, closed form %.6f", got, want);
    assert_true(fabs(sum_col(&f, "qaly") - 1000.0 * u * T) < 1e-3);
    assert_true(fabs(sum_col(&f, "life_years") - 1000.0 * T) < 1e-6);
    assert_true(sum_col(&f, "cost") == 0.0);
    teardown(&f);
}

/* Fracture costs and multipliers, care-home and home-care costs with the
 * lower of the fracture and ADL-state multipliers, hospital days, falls,
 * death in the year of a hip fracture. */
static void test_costs_and_utilities(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL, 0, 4);
    os_chunk c = chunk(&f);
    float *age = (float *)os_pop_data(&f.pop, OS_COL_AGE);
    uint8_t *alive = os_pop_data(&f.pop, OS_COL_ALIVE);
    uint8_t *flags = col(&f, "fx_flags"), *falls = col(&f, "falls_n"), *days = col(&f, "hosp_other_days");
    uint16_t *dx = col(&f, "dx");
    for (int r = 0; r < 4; r++) age[r] = 50.0f;
    /* 0: hip fracture this year and died; 1: hip fracture earlier,
     * sarcopenic, in a care home; 2: two falls and 10 other hospital days;
     * 3: wrist now, ADL-dependent at home. */
    uint8_t *adl = col(&f, "adl_state");
    adl[1] = 2;
    adl[3] = 1;
    flags[0] = OS_FX_THIS_YEAR(OS_SITE_HIP) | OS_FX_EVER(OS_SITE_HIP);
    alive[0] = 0;
    flags[1] = OS_FX_EVER(OS_SITE_HIP);
    dx[1] = OS_DX_SARC_AWGS;
    falls[2] = 2;
    days[2] = 10;
    flags[3] = OS_FX_THIS_YEAR(OS_SITE_WRIST) | OS_FX_EVER(OS_SITE_WRIST);
    os_mod_economics.step(&f.m, f.st[FX_ECONOMICS], &c);
#define P(k) os_cfg_real(f.cfg, "economics." k)
    double u = P("utility.female.age50"), half = P("life_year_at_death");
    double cost = P("cost.fracture.hip") + P("cost.care_home")
                + 2 * P("cost.fall") + 10 * P("cost.hospital_day") + P("cost.fracture.wrist")
                + P("cost.adl_dependent");
    double qaly = half * u * P("utility.fracture.hip.first_year")
                + (u - P("utility.sarcopenia_decrement"))
                      * fmin(P("utility.fracture.hip.later_years"), P("utility.care_home"))
                + u + u * fmin(P("utility.fracture.wrist.first_year"), P("utility.adl_dependent"));
#undef P
    if (fabs(sum_col(&f, "cost") - cost) > 1e-3) fail_msg("cost %.3f, expected %.3f", sum_col(&f, "cost"), cost);
    if (fabs(sum_col(&f, "qaly") - qaly) > 1e-4) fail_msg("qaly %.5f, expected %.5f", sum_col(&f, "qaly"), qaly);
    assert_true(fabs(sum_col(&f, "life_years") - (3 + half)) < 1e-6);
    assert_true(sum_col(&f, "hip_fracture_deaths") == 1.0);
    /* Start year: discounted equals undiscounted. */
    assert_true(sum_col(&f, "cost_discounted") == sum_col(&f, "cost"));
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discount_factor),
        cmocka_unit_test(test_discounting_closed_form),
        cmocka_unit_test(test_costs_and_utilities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
