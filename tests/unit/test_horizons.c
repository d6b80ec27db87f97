/* test_horizons.c - runs past the demography tables and starts between
 * table years (models/demography.c, models/demog_table.c) on the shipped
 * China tables (population 2025, 2030, ..., 2050; death rates for the
 * periods starting then). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "demography.h"

#define POP_FILE OS_SOURCE_DIR "/configs/countries/china/data/china_population.csv"
#define MX_FILE OS_SOURCE_DIR "/configs/countries/china/data/china_mortality.csv"

static os_demog_opts opts(int start, int end, os_demog_xmort xm, os_demog_xent xe)
{
    os_demog_opts o = {POP_FILE, MX_FILE, "t", start, 10000, 0, OS_SPLIT_STEFFEN,
                       OS_MXAGE_STEP, OS_MXTIME_LINEAR, end, NULL, xm, xe, 0, 0, NULL, NULL, 0, 0};
    return o;
}

static os_demog *make(int start, int end, os_demog_xmort xm, os_demog_xent xe)
{
    os_demog_opts o = opts(start, end, xm, xe);
    os_demog *d;
    os_err err = {0};
    if (os_demog_create(&d, &o, &err)) fail_msg("%s", err.msg);
    return d;
}

/* Within the tables nothing changes: the rates of a run to 2050 are the
 * same whatever the extrapolation, up to the last step (time 2051). */
static void test_within_tables_unchanged(void **unused)
{
    (void)unused;
    os_demog *a = make(2025, 2050, OS_XMORT_AUTO, OS_XENT_AUTO);
    os_demog *b = make(2025, 2070, OS_XMORT_LOGLINEAR, OS_XENT_TREND);
    assert_false(os_demog_extrapolates(a));
    assert_true(os_demog_extrapolates(b));
    assert_int_equal(os_demog_last_table_year(b), 2050);
    for (double t = 2025.5; t <= 2051.0; t += 0.5)
        for (int s = 0; s < 2; s++)
            for (double age = 50; age < 110; age += 1.3)
                assert_true(os_demog_mx(a, s, age, t) == os_demog_mx(b, s, age, t));
    for (int y = 2026; y <= 2050; y++) {
        double x, z;
        os_err err = {0};
        assert_int_equal(os_demog_expected_entrants(a, y, OS_FEMALE, &x, &err), 0);
        assert_int_equal(os_demog_expected_entrants(b, y, OS_FEMALE, &z, &err), 0);
        assert_true(x == z);
    }
    os_demog_free(a);
    os_demog_free(b);
}

/* Loglinear: rates decline past the tables, by at most 3% a year, and are
 * continuous where the trend starts; hold keeps the last period's. */
static void test_mortality_extrapolation(void **unused)
{
    (void)unused;
    os_demog *h = make(2025, 2080, OS_XMORT_HOLD, OS_XENT_STOP);
    os_demog *l = make(2025, 2080, OS_XMORT_LOGLINEAR, OS_XENT_STOP);
    for (int s = 0; s < 2; s++)
        for (double age = 50.5; age < 105; age += 5) {
            double h0 = os_demog_mx(h, s, age, 2052.5), h1 = os_demog_mx(h, s, age, 2080);
            double l0 = os_demog_mx(l, s, age, 2052.5), l1 = os_demog_mx(l, s, age, 2080);
            assert_true(h0 == h1);
            assert_true(fabs(l0 / h0 - 1) < 1e-12);
            assert_true(l1 <= l0);
            assert_true(l1 >= l0 * exp(-0.03 * 27.5) * (1 - 1e-12));
            double e = 1e-6;
            assert_true(fabs(os_demog_mx(l, s, age, 2052.5 + e) / l0 - 1) < 1e-6);
        }
    os_demog_free(h);
    os_demog_free(l);
}

/* Entrants: none after 2050 with stop; with trend, the last year's moved
 * along a bounded log-linear trend. */
static void test_entrant_extrapolation(void **unused)
{
    (void)unused;
    os_demog *st = make(2025, 2070, OS_XMORT_HOLD, OS_XENT_STOP);
    os_demog *tr = make(2025, 2070, OS_XMORT_HOLD, OS_XENT_TREND);
    os_err err = {0};
    for (int s = 0; s < 2; s++) {
        double e50, e51, e70, z;
        assert_int_equal(os_demog_expected_entrants(tr, 2050, s, &e50, &err), 0);
        assert_int_equal(os_demog_expected_entrants(tr, 2051, s, &e51, &err), 0);
        assert_int_equal(os_demog_expected_entrants(tr, 2070, s, &e70, &err), 0);
        assert_int_equal(os_demog_expected_entrants(st, 2051, s, &z, &err), 0);
        assert_true(z == 0.0);
        assert_true(e51 > 0 && fabs(log(e51 / e50)) <= 0.05 + 1e-12);
        assert_true(fabs(log(e70 / e50) - 20 * log(e51 / e50)) < 1e-9);
    }
    uint64_t peak, r;
    assert_int_equal(os_demog_peak_agents(st, 2070, &peak, &r, &err), 0);
    os_demog_free(st);
    os_demog_free(tr);
}

/* A start between table years: every group log-linear between 2025 and
 * 2030, whole persons; 2025 and 2030 themselves are the tables. */
static void test_start_between_tables(void **unused)
{
    (void)unused;
    os_demog *d = make(2027, 2040, OS_XMORT_AUTO, OS_XENT_AUTO);
    const os_demog_table *p = os_demog_population(d);
    double v[64];
    assert_true(p->na * 2 <= 64);
    os_demog_table_interp(p, 2027, v);
    for (int s = 0; s < 2; s++)
        for (int ai = 0; ai < p->na; ai++) {
            double a = os_demog_table_at(p, 0, s, ai), b = os_demog_table_at(p, 1, s, ai);
            double want = floor(exp(0.6 * log(a) + 0.4 * log(b)) + 0.5);
            assert_true(v[s * p->na + ai] == want);
            assert_true(want >= fmin(a, b) && want <= fmax(a, b));
        }
    os_demog_table_interp(p, 2030, v);
    assert_true(v[0] == os_demog_table_at(p, 1, 0, 0));
    /* The base population's weights sum to the interpolated 50+. */
    uint64_t total = 0, want = 0;
    for (uint64_t k = 0; k < os_demog_base_agents(d); k++) {
        uint8_t s;
        float age;
        uint32_t w;
        os_demog_base_agent(d, k, &s, &age, &w);
        total += w;
    }
    os_demog_table_interp(p, 2027, v);
    for (int s = 0; s < 2; s++)
        for (int ai = 0; ai < p->na; ai++)
            if (p->ages[ai] >= 50) want += (uint64_t)v[s * p->na + ai];
    assert_true(total == want);
    os_demog_free(d);
}

/* One-line errors: a start outside the tables, a trend window with one
 * period. */
static void test_errors(void **unused)
{
    (void)unused;
    os_demog *d;
    os_err err = {0};
    os_demog_opts o = opts(2020, 2040, OS_XMORT_AUTO, OS_XENT_AUTO);
    assert_int_equal(os_demog_create(&d, &o, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "run.start_year 2020"));
    assert_null(strchr(err.msg, '\n'));
    o = opts(2051, 2060, OS_XMORT_AUTO, OS_XENT_AUTO);
    assert_int_equal(os_demog_create(&d, &o, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "run.start_year 2051"));
    o = opts(2025, 2070, OS_XMORT_LOGLINEAR, OS_XENT_TREND);
    o.trend_years = 2;
    o.x_mort_origin = "x.yaml:3";
    assert_int_equal(os_demog_create(&d, &o, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "x.yaml:3: demography.extrapolation.mortality"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_tables_unchanged),
        cmocka_unit_test(test_mortality_extrapolation),
        cmocka_unit_test(test_entrant_extrapolation),
        cmocka_unit_test(test_start_between_tables),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
