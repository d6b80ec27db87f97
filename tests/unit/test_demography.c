/* test_demography.c - demography tables, base population, entrants and
 * mortality (models/demography.c, models/mortality.c) on the shipped China
 * tables (configs/countries/china/data), and against the UN source in ../shared/data when
 * it is there. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demography.h"
#include "engine.h"

#define POP_FILE OS_SOURCE_DIR "/configs/countries/china/data/china_population.csv"
#define MX_FILE OS_SOURCE_DIR "/configs/countries/china/data/china_mortality.csv"

static os_demog *make(uint64_t agents, os_demog_split split, os_demog_mxage ma,
                      os_demog_mxtime mt)
{
    os_demog_opts o = {POP_FILE, MX_FILE, "test", 2025, agents, 0, split, ma, mt, 0, NULL,
                       OS_XMORT_AUTO, OS_XENT_AUTO, 0, 0, NULL, NULL, 0, 0};
    os_demog *d;
    os_err err = {0};
    if (os_demog_create(&d, &o, &err)) fail_msg("%s", err.msg);
    return d;
}

static int age_index(const os_demog_table *t, int age)
{
    for (int i = 0; i < t->na; i++)
        if (t->ages[i] == age) return i;
    return -1;
}

/* ---- CSV reader errors: one line naming file and line ---- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void expect_error(const char *text, const char *name, const char *where)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", OS_TMP_DIR, name);
    if (text) write_file(path, text);
    else remove(path);
    os_demog_table t;
    os_err err = {0};
    assert_int_not_equal(os_demog_table_read(&t, path, &err), 0);
    assert_null(strchr(err.msg, '\n'));
    char want[600];
    snprintf(want, sizeof want, "%s%s", path, where);
    if (strncmp(err.msg, want, strlen(want)) != 0)
        fail_msg("error '%s' does not start with '%s'", err.msg, want);
    os_demog_table_free(&t);
}

static void test_reader_errors(void **unused)
{
    (void)unused;
    expect_error("# c\nyear,sex,age,population\n2025,female,50,1\n", "bad_header.csv", ":2:");
    expect_error("year,sex,age,value\n2025,female,50,1\n2025,male,50,abc\n", "bad_value.csv", ":3:");
    expect_error("year,sex,age,value\n2025,woman,50,1\n", "bad_sex.csv", ":2:");
    expect_error("year,sex,age,value\n2025,female,50,1\n2025,female,50,2\n2025,male,50,1\n",
                 "dup.csv", ":3:");
    expect_error(NULL, "missing.csv", ": cannot open");
    /* Comments and CRLF are fine. */
    char path[512];
    snprintf(path, sizeof path, "%s/ok.csv", OS_TMP_DIR);
    write_file(path, "# source\r\nyear,sex,age,value\r\n# x\r\n2025,female,50,1.5\r\n2025,male,50,2\r\n");
    os_demog_table t;
    os_err err = {0};
    if (os_demog_table_read(&t, path, &err)) fail_msg("%s", err.msg);
    assert_int_equal(t.ny, 1);
    assert_int_equal(t.na, 1);
    assert_true(os_demog_table_at(&t, 0, OS_MALE, 0) == 2.0);
    os_demog_table_free(&t);
}

/* ---- base population ---- */

static void test_base_weights_exact(void **unused)
{
    (void)unused;
    os_demog *d = make(100000, OS_SPLIT_STEFFEN, OS_MXAGE_LOGLINEAR, OS_MXTIME_LINEAR);
    const os_demog_table *p = os_demog_population(d);
    assert_int_equal(os_demog_base_agents(d), 100000);
    double wsum[2][32] = {{0}}, asum[2][32] = {{0}};
    uint64_t cnt[2][32] = {{0}};
    for (uint64_t r = 0; r < os_demog_base_agents(d); r++) {
        uint8_t s;
        float a;
        uint32_t w;
        os_demog_base_agent(d, r, &s, &a, &w);
        assert_true(a >= 50.0f && a <= OS_DEMOG_MAX_AGE);
        int g = a >= 100.0f ? 100 : 5 * (int)(a / 5.0f);
        int ai = age_index(p, g);
        assert_true(ai >= 0);
        wsum[s][ai] += w;
        asum[s][ai] += (double)w * a;
        cnt[s][ai]++;
    }
    int y0 = 0;
    assert_int_equal(p->years[y0], 2025);
    for (int s = 0; s < 2; s++)
        for (int ai = age_index(p, 50); ai < p->na; ai++) {
            double want = os_demog_table_at(p, y0, s, ai);
            if (wsum[s][ai] != want)
                fail_msg("sex %d age %d: weights %.0f != table %.0f", s, p->ages[ai], wsum[s][ai], want);
            assert_true(cnt[s][ai] > 0);
            /* Ages are spread in the group, not at its lower bound. */
            double mean = asum[s][ai] / wsum[s][ai];
            assert_true(mean > p->ages[ai] + 1.0);
            if (ai + 1 < p->na) assert_true(mean < p->ages[ai + 1] - 1.0);
        }
    /* Pure function of rank: the same agent from a second call. */
    uint8_t s1, s2;
    float a1, a2;
    uint32_t w1, w2;
    os_demog_base_agent(d, 54321, &s1, &a1, &w1);
    os_demog_base_agent(d, 54321, &s2, &a2, &w2);
    assert_true(s1 == s2 && a1 == a2 && w1 == w2);
    os_demog_free(d);
}

/* demography.base_ages: only the persons of those ages, weights summing to
 * the split population of those single ages (rounded per group), ages
 * inside them; the open group's share follows its stationary density. */
static void test_base_ages(void **unused)
{
    (void)unused;
    static const int lim[][2] = {{50, 50}, {53, 57}, {98, 104}};
    for (size_t k = 0; k < sizeof lim / sizeof lim[0]; k++) {
        os_demog_opts o = {POP_FILE, MX_FILE, "t", 2025, 20000, 0, OS_SPLIT_STEFFEN,
                           OS_MXAGE_LOGLINEAR, OS_MXTIME_LINEAR, 0, NULL,
                           OS_XMORT_AUTO, OS_XENT_AUTO, 0, 0, NULL, NULL, lim[k][0], lim[k][1]};
        os_demog *d;
        os_err err = {0};
        if (os_demog_create(&d, &o, &err)) fail_msg("%s", err.msg);
        assert_int_equal(os_demog_base_agents(d), 20000);
        double wsum[2] = {0};
        for (uint64_t r = 0; r < os_demog_base_agents(d); r++) {
            uint8_t s;
            float a;
            uint32_t w;
            os_demog_base_agent(d, r, &s, &a, &w);
            if (!(a >= (float)lim[k][0] && a < (float)(lim[k][1] + 1)))
                fail_msg("base_ages [%d, %d]: agent %llu aged %g", lim[k][0], lim[k][1],
                         (unsigned long long)r, (double)a);
            wsum[s] += w;
        }
        for (int s = 0; s < 2; s++) {
            double want = os_demog_persons(d, 2025, s, lim[k][0], lim[k][1] + 1);
            if (lim[k][1] < 100 && fabs(wsum[s] - want) > 2.0)
                fail_msg("base_ages [%d, %d], sex %d: weights %.0f, split table %.1f", lim[k][0],
                         lim[k][1], s, wsum[s], want);
            assert_true(wsum[s] > 0);
        }
        os_demog_free(d);
    }
}

/* Too few agents for one per non-empty cell is a config error. */
static void test_too_few_agents(void **unused)
{
    (void)unused;
    os_demog_opts o = {POP_FILE, MX_FILE, "t", 2025, 5, 0, OS_SPLIT_STEFFEN,
                       OS_MXAGE_LOGLINEAR, OS_MXTIME_LINEAR, 0, NULL,
                       OS_XMORT_AUTO, OS_XENT_AUTO, 0, 0, NULL, NULL, 0, 0};
    os_demog *d;
    os_err err = {0};
    assert_int_equal(os_demog_create(&d, &o, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "agent"));
    o.start_year = 2020;    /* before the first table: nothing to interpolate */
    o.agents = 1000;
    assert_int_equal(os_demog_create(&d, &o, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "2020"));
}

/* ---- interpolation at table points ---- */

static void test_interp_table_points(void **unused)
{
    (void)unused;
    os_demog *d = make(1000, OS_SPLIT_STEFFEN, OS_MXAGE_LOGLINEAR, OS_MXTIME_LINEAR);
    const os_demog_table *mx = os_demog_mortality(d), *p = os_demog_population(d);
    /* Group midpoints x period midpoints give the table's mx. */
    for (int yi = 0; yi + 1 < mx->ny; yi++)
        for (int s = 0; s < 2; s++)
            for (int ai = 0; ai + 1 < mx->na; ai++) {
                double want = os_demog_table_at(mx, yi, s, ai);
                double got = os_demog_mx(d, s, mx->ages[ai] + 2.5, mx->years[yi] + 2.5);
                assert_float_equal(got, want, 1e-12 * want);
            }
    /* The spline keeps every group total. */
    for (int yi = 0; yi < p->ny; yi++)
        for (int s = 0; s < 2; s++)
            for (int ai = 0; ai + 1 < p->na; ai++) {
                double want = os_demog_table_at(p, yi, s, ai);
                double got = os_demog_persons(d, p->years[yi], s, p->ages[ai], p->ages[ai + 1]);
                assert_float_equal(got, want, 1e-6 * want + 1e-6);
            }
    /* Between midpoints the rate lies between its neighbours. */
    double lo = os_demog_mx(d, OS_FEMALE, 72.5, 2027.5), hi = os_demog_mx(d, OS_FEMALE, 77.5, 2027.5);
    double mid = os_demog_mx(d, OS_FEMALE, 75.0, 2027.5);
    assert_true(mid > lo && mid < hi);
    assert_float_equal(mid, sqrt(lo * hi), 1e-12 * mid);
    os_demog_free(d);
    /* Step functions: the table value anywhere in the group and period. */
    d = make(1000, OS_SPLIT_UNIFORM, OS_MXAGE_STEP, OS_MXTIME_STEP);
    mx = os_demog_mortality(d);
    int a70 = age_index(mx, 70);
    assert_float_equal(os_demog_mx(d, OS_MALE, 70.0, 2025.0), os_demog_table_at(mx, 0, OS_MALE, a70), 1e-15);
    assert_float_equal(os_demog_mx(d, OS_MALE, 74.99, 2029.99), os_demog_table_at(mx, 0, OS_MALE, a70), 1e-15);
    assert_float_equal(os_demog_mx(d, OS_MALE, 74.99, 2030.0), os_demog_table_at(mx, 1, OS_MALE, a70), 1e-15);
    /* Uniform split: a single age is a fifth of its group. */
    p = os_demog_population(d);
    assert_float_equal(os_demog_persons(d, 2030, OS_FEMALE, 60, 61),
                       os_demog_table_at(p, 1, OS_FEMALE, age_index(p, 60)) / 5, 1e-3);
    os_demog_free(d);
}

/* ---- entrants ---- */

static void test_entrants(void **unused)
{
    (void)unused;
    os_demog *d = make(200000, OS_SPLIT_STEFFEN, OS_MXAGE_LOGLINEAR, OS_MXTIME_LINEAR);
    const os_demog_table *p = os_demog_population(d);
    double w = os_demog_entrant_weight(d);
    assert_true(w > 1);
    os_err err = {0};
    for (int s = 0; s < 2; s++) {
        double sum = 0, rounding = 0;
        for (int y = 2026; y <= 2050; y++) {
            double e;
            uint64_t n[2];
            if (os_demog_expected_entrants(d, y, s, &e, &err)) fail_msg("%s", err.msg);
            if (os_demog_entrant_counts(d, 99, y, n, &err)) fail_msg("%s", err.msg);
            /* Stochastic rounding: within one agent's weight each year. */
            assert_true(fabs((double)n[s] * w - e) < w);
            rounding += (double)n[s] * w - e;
            /* At a table year: the spline's persons aged [50, 51). */
            if (y % 5 == 0)
                assert_float_equal(e, os_demog_persons(d, y, s, 50, 51), 1e-6 * e);
            sum += e;
            /* The persons entering over five years are about the next
             * table's 50-54 (plus deaths before it, less the error of
             * splitting groups into single ages: 1.5% at most here). */
            if (y % 5 == 0) {
                double g = os_demog_table_at(p, (y - 2025) / 5, s, age_index(p, 50));
                if (fabs(sum / g - 1) > 0.025) fail_msg("%d: entrants %.0f vs 50-54 %.0f", y, sum, g);
                sum = 0;
            }
        }
        /* Unbiased: the sum of rounding errors is within 5 SE of 0. */
        assert_true(fabs(rounding) < 5 * w * sqrt(25 * 0.25));
    }
    /* Reproducible, and beyond the last table is an error. */
    uint64_t a[2], b[2];
    assert_int_equal(os_demog_entrant_counts(d, 5, 2033, a, &err), 0);
    assert_int_equal(os_demog_entrant_counts(d, 5, 2033, b, &err), 0);
    assert_true(a[0] == b[0] && a[1] == b[1]);
    assert_int_not_equal(os_demog_entrant_counts(d, 5, 2051, a, &err), 0);
    assert_non_null(strstr(err.msg, "2051"));
    os_demog_free(d);
}

/* ---- mortality hooks on a closed cohort ---- */

extern const os_module os_mod_demography, os_mod_mortality;
static const os_module *const mods[] = {&os_mod_demography, &os_mod_mortality};

typedef struct fixture {
    os_cfg *cfg;
    os_pop pop;
    os_model m;
    void *st[2];
} fixture;

static void setup(fixture *f, const char *const *sets, int nsets, size_t n)
{
    memset(f, 0, sizeof *f);
    char text[1024];
    snprintf(text, sizeof text,
             "include:\n  - %s/configs/countries/china/demography.yaml\n"
             "scenario: {name: t}\nrun: {start_year: 2025, end_year: 2030, agents: 1000, seed: 11}\n",
             OS_SOURCE_DIR);
    os_err err = {0};
    if (os_cfg_load_string(&f->cfg, text, "test", NULL, sets, nsets, &err)) fail_msg("%s", err.msg);
    assert_int_equal(os_cfg_declare(f->cfg, os_engine_params, os_engine_nparams, &err), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(os_cfg_declare(f->cfg, mods[i]->params, mods[i]->nparams, &err), 0);
    if (os_cfg_validate(f->cfg, &err)) fail_msg("%s", err.msg);
    os_pop_init(&f->pop);
    f->m.cfg = f->cfg;
    f->m.pop = &f->pop;
    f->m.seed = 11;
    f->m.start_year = 2025;
    f->m.end_year = 2030;
    f->m.year = 2025;
    f->m.nthreads = 1;
    f->m.chunk_size = n;
    f->m.modules = mods;
    f->m.nmodules = 2;
    f->m.states = f->st;
    for (int i = 0; i < 2; i++)
        if (mods[i]->init(&f->m, &f->st[i], &err)) fail_msg("%s", err.msg);
    size_t first;
    assert_int_equal(os_pop_append(&f->pop, n, &first, &err), 0);
    for (size_t r = 0; r < n; r++) {
        ((uint32_t *)os_pop_data(&f->pop, OS_COL_ID))[r] = (uint32_t)r;
        ((uint8_t *)os_pop_data(&f->pop, OS_COL_SEX))[r] = OS_FEMALE;
        ((float *)os_pop_data(&f->pop, OS_COL_AGE))[r] = 70.0f;
        ((uint32_t *)os_pop_data(&f->pop, OS_COL_WEIGHT))[r] = 1;
        ((uint8_t *)os_pop_data(&f->pop, OS_COL_ALIVE))[r] = 1;
    }
}

static void teardown(fixture *f)
{
    for (int i = 1; i >= 0; i--) mods[i]->destroy(f->st[i]);
    os_pop_free(&f->pop);
    os_cfg_free(f->cfg);
}

static os_chunk whole(fixture *f, os_acc *acc)
{
    os_pop *p = &f->pop;
    memset(acc, 0, sizeof *acc);
    return (os_chunk){0, p->n, os_pop_data(p, OS_COL_ID), os_pop_data(p, OS_COL_SEX),
                      os_pop_data(p, OS_COL_AGE), os_pop_data(p, OS_COL_WEIGHT),
                      os_pop_data(p, OS_COL_ALIVE), acc, NULL};
}

/* Runs YEARS years of year_begin, census, (hr set to HR), step and ageing;
 * returns the surviving fraction and checks the deaths column. */
static double run_cohort(fixture *f, int years, float hr_value)
{
    static os_acc acc;
    os_err err = {0};
    int hr = os_pop_find_column(&f->pop, "mortality_hr"), deaths = -1;
    for (int i = 0; i < f->m.nsummary; i++)
        if (strcmp(f->m.summary[i].name, "deaths") == 0) deaths = i;
    assert_true(hr >= 0 && deaths >= 0);
    size_t n = f->pop.n;
    double died = 0;
    for (int y = 0; y < years; y++) {
        f->m.year = 2025 + y;
        assert_int_equal(os_mod_mortality.year_begin(&f->m, f->st[1], &err), 0);
        os_chunk c = whole(f, &acc);
        os_mod_demography.census(&f->m, f->st[0], &c);
        for (size_t r = 0; r < n; r++) assert_true(((float *)os_pop_data(&f->pop, hr))[r] == 1.0f);
        for (size_t r = 0; r < n; r++) ((float *)os_pop_data(&f->pop, hr))[r] = hr_value;
        os_mod_mortality.step(&f->m, f->st[1], &c);
        for (size_t r = 0; r < n; r++) c.age[r] += 1.0f;
        died += (double)acc.v[(OS_FEMALE * OS_NBANDS + os_age_band(70.0f + (float)y)) *
                              OS_MAX_SUMMARY_COLS + deaths] / OS_ACC_SCALE;
    }
    size_t alive = 0;
    for (size_t r = 0; r < n; r++) alive += ((uint8_t *)os_pop_data(&f->pop, OS_COL_ALIVE))[r];
    /* Dead agents stay in this fixture (no compaction), so count each once. */
    assert_float_equal(died, (double)(n - alive), 0.5);
    return (double)alive / (double)n;
}

static void check_survival(double got, double want, size_t n)
{
    double se = sqrt(want * (1 - want) / (double)n);
    if (fabs(got - want) > 4.5 * se)
        fail_msg("survival %.5f, life table %.5f (SE %.5f)", got, want, se);
}

static void test_cohort_survival(void **unused)
{
    (void)unused;
    const size_t n = 200000;
    /* Disease effects off: the hazard ratio (here 3) is ignored.  Step
     * rates so that the expectation comes straight from the table: the
     * steps of 2025..2028 (middle 1 Jan 2026..2029) use the 2025-2029 rate
     * of 70-74, the step of 2029 (middle 1 Jan 2030) the 2030-2034 rate. */
    const char *sets[] = {"model.disease_effects=false", "demography.mortality_age=step",
                          "demography.mortality_time=step"};
    fixture f;
    setup(&f, sets, 3, n);
    const os_demog_table *mx = os_demog_mortality(f.st[0]);
    int a70 = age_index(mx, 70);
    double want = exp(-4 * os_demog_table_at(mx, 0, OS_FEMALE, a70) -
                      os_demog_table_at(mx, 1, OS_FEMALE, a70));
    check_survival(run_cohort(&f, 5, 3.0f), want, n);
    teardown(&f);

    /* Effects on without adjustment: hr 2 doubles the hazard. */
    const char *sets2[] = {"mortality.adjust_background=false", "demography.mortality_age=step",
                           "demography.mortality_time=step"};
    setup(&f, sets2, 3, n);
    check_survival(run_cohort(&f, 5, 2.0f), want * want, n);
    teardown(&f);

    /* With the adjustment, the first year has adj = 1 (no history) and
     * later years divide hr 2 by last year's mean 2: back on the table. */
    const char *sets3[] = {"mortality.adjust_background=true", "demography.mortality_age=step",
                           "demography.mortality_time=step"};
    setup(&f, sets3, 3, n);
    const os_demog_table *mx3 = os_demog_mortality(f.st[0]);
    double q1 = os_demog_table_at(mx3, 0, OS_FEMALE, age_index(mx3, 70));
    double want3 = exp(-2 * q1 - 3 * q1 - os_demog_table_at(mx3, 1, OS_FEMALE, age_index(mx3, 70)));
    check_survival(run_cohort(&f, 5, 2.0f), want3, n);
    teardown(&f);
}

/* ---- the shipped tables are the UN source (needs ../shared/data) ---- */

static void test_matches_source(void **unused)
{
    (void)unused;
    if (!OS_SHARED_DIR[0]) {
        printf("SKIP: ../shared/data is absent: shipped tables not compared with the UN source\n");
        skip();
    }
    os_demog *d = make(1000, OS_SPLIT_STEFFEN, OS_MXAGE_LOGLINEAR, OS_MXTIME_LINEAR);
    const os_demog_table *p = os_demog_population(d), *mx = os_demog_mortality(d);
    const char *files[2] = {"china_population_2025_2050.csv", "china_mortality_2025_2050.csv"};
    for (int k = 0; k < 2; k++) {
        char path[600], line[512];
        snprintf(path, sizeof path, "%s/data/%s", OS_SHARED_DIR, files[k]);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        int checked = 0;
        assert_non_null(fgets(line, sizeof line, f));
        while (fgets(line, sizeof line, f)) {
            int year, age;
            char sex[16], group[16], period[16];
            double v;
            int ok = k == 0 ? sscanf(line, "%d,%15[^,],%d,%15[^,],%lf", &year, sex, &age, group, &v) == 5
                            : sscanf(line, "%d,%15[^,],%15[^,],%d,%15[^,],%lf", &year, period, sex, &age,
                                     group, &v) == 6;
            assert_true(ok);
            if (age < 45) continue;
            const os_demog_table *t = k == 0 ? p : mx;
            int yi = -1, ai = age_index(t, age), s = strcmp(sex, "male") == 0;
            for (int i = 0; i < t->ny; i++)
                if (t->years[i] == year) yi = i;
            assert_true(yi >= 0 && ai >= 0);
            assert_float_equal(os_demog_table_at(t, yi, s, ai), v, 1e-9 * v);
            checked++;
        }
        fclose(f);
        const os_demog_table *t = k == 0 ? p : mx;
        assert_int_equal(checked, t->ny * 2 * t->na);
    }
    os_demog_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_base_weights_exact),
        cmocka_unit_test(test_base_ages),
        cmocka_unit_test(test_too_few_agents),
        cmocka_unit_test(test_interp_table_points),
        cmocka_unit_test(test_entrants),
        cmocka_unit_test(test_cohort_survival),
        cmocka_unit_test(test_matches_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
