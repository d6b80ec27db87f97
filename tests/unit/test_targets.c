/* test_targets.c - targets file loading and model values on a hand-made
 * summary table. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "res_targets.h"

static const char *write_tmp(const char *name, const char *text)
{
    static char path[1024];
    mkdir(OS_TMP_DIR, 0777);
    snprintf(path, sizeof path, "%s/%s", OS_TMP_DIR, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Columns: population, fallers, fractures_hip, deaths_hip.  Two years
 * (2025, 2026) and two arms; cell values are simple functions of the row
 * so sums can be written down. */
static void make_summary(os_summary *s)
{
    memset(s, 0, sizeof *s);
    const char *names[] = {"population", "fallers", "fractures_hip", "deaths_hip"};
    s->ncols = 4;
    for (int i = 0; i < 4; i++) strcpy(s->cols[i].name, names[i]);
    size_t n = 2 * 2 * OS_NCELLS;
    s->year = calloc(n, sizeof *s->year);
    s->arm = calloc(n, sizeof *s->arm);
    s->sex = calloc(n, sizeof *s->sex);
    s->age_lo = calloc(n, sizeof *s->age_lo);
    s->age_hi = calloc(n, sizeof *s->age_hi);
    s->values = calloc(n * 4, sizeof *s->values);
    size_t r = 0;
    for (int arm = 0; arm < 2; arm++)
        for (int y = 2025; y <= 2026; y++)
            for (int sex = 0; sex < 2; sex++)
                for (int b = 0; b < OS_NBANDS; b++, r++) {
                    s->year[r] = y;
                    s->arm[r] = arm;
                    s->sex[r] = sex;
                    s->age_lo[r] = 50 + 5 * b;
                    s->age_hi[r] = b == OS_NBANDS - 1 ? -1 : 54 + 5 * b;
                    double *v = &s->values[r * 4];
                    v[0] = 1000.0 * (b + 1) + (arm ? 7 : 0) + (y - 2025) * 3; /* population */
                    v[1] = 10.0 * (b + 1) + sex;                              /* fallers    */
                    v[2] = 0.5 * (b + 1);                                     /* hip        */
                    v[3] = 0.1 * (b + 1);                                     /* deaths     */
                }
    s->nrows = r;
}

static const char *targets_yaml =
    "targets:\n"
    "  - name: fallers_women_60_70\n"
    "    measure: prevalence\n"
    "    column: fallers\n"
    "    year: 2025\n"
    "    sex: female\n"
    "    age: [60, 70]\n"
    "    value: 0.01\n"
    "    tolerance: 0.001\n"
    "    source: test\n"
    "  - name: hip_both_90plus\n"
    "    measure: incidence\n"
    "    column: fractures_hip\n"
    "    year: 2026\n"
    "    sex: both\n"
    "    age: [90, 200]\n"
    "    value: 50\n"
    "    tolerance: 10\n"
    "    weight: 2\n"
    "  - name: hip_count_men\n"
    "    measure: count\n"
    "    column: fractures_hip\n"
    "    year: 2025\n"
    "    sex: male\n"
    "    age: [50, 100]\n"
    "    value: 27.5\n"
    "    tolerance: 1\n"
    "  - name: case_fatality\n"
    "    measure: ratio\n"
    "    column: deaths_hip\n"
    "    denominator: fractures_hip\n"
    "    year: 2025\n"
    "    sex: both\n"
    "    age: [100, 105]\n"
    "    value: 0.2\n"
    "    tolerance: 0.1\n"
    "fit:\n"
    "  - {key: falls.base_prob.female, min: 0.01, max: 0.5}\n";

static void test_values(void **state)
{
    (void)state;
    os_targets t;
    os_err err = {0};
    int rc = os_targets_load(&t, write_tmp("t1.yaml", targets_yaml), &err);
    assert_int_equal(rc, 0);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.nfit, 1);
    assert_string_equal(t.fit[0].key, "falls.base_prob.female");
    assert_true(t.fit[0].max == 0.5);
    os_summary s;
    make_summary(&s);
    double v;
    /* Women 60-64, 65-69 (bands 2, 3): fallers 30 + 40, population 3000 + 4000. */
    assert_int_equal(os_target_model_value(&t.t[0], &s, &v, &err), 0);
    assert_true(fabs(v - 70.0 / 7000.0) < 1e-12);
    /* 2026, both sexes, bands 8, 9, 10 (90-94, 95-99, 100+): hip 2 * (4.5 + 5 + 5.5),
     * population 2 * (9003 + 10003 + 11003), arm 0 only. */
    assert_int_equal(os_target_model_value(&t.t[1], &s, &v, &err), 0);
    assert_true(fabs(v - 30.0 / 60018.0 * 1e5) < 1e-9);
    /* Men 50-99: hip 0.5 * (1 + ... + 10) = 27.5. */
    assert_int_equal(os_target_model_value(&t.t[2], &s, &v, &err), 0);
    assert_true(fabs(v - 27.5) < 1e-12);
    /* 100+ only: deaths / hip = 0.1 * 11 / (0.5 * 11). */
    assert_int_equal(os_target_model_value(&t.t[3], &s, &v, &err), 0);
    assert_true(fabs(v - 0.2) < 1e-12);

    double obj;
    FILE *out = fopen("/dev/null", "w");
    assert_int_equal(os_targets_print(&t, &s, out, &obj, &err), 0);
    fclose(out);
    double r0 = (70.0 / 7000.0 - 0.01) / 0.001, r1 = (30.0 / 60018.0 * 1e5 - 50) / 10;
    assert_true(fabs(obj - (r0 * r0 + 2 * r1 * r1)) < 1e-9);

    /* A year the run did not simulate is an error naming the target. */
    t.t[0].year = 2030;
    assert_int_not_equal(os_target_model_value(&t.t[0], &s, &v, &err), 0);
    assert_non_null(strstr(err.msg, "fallers_women_60_70"));
    os_targets_free(&t);
    os_summary_free(&s);
}

static void expect_error(const char *text, const char *want_line, const char *want_key)
{
    os_targets t;
    os_err err = {0};
    const char *path = write_tmp("bad.yaml", text);
    assert_int_equal(os_targets_load(&t, path, &err), OS_ECONFIG);
    assert_null(strchr(err.msg, '\n'));
    assert_non_null(strstr(err.msg, path));
    if (!strstr(err.msg, want_line) || !strstr(err.msg, want_key))
        fail_msg("error '%s' lacks '%s' or '%s'", err.msg, want_line, want_key);
}

static void test_errors(void **state)
{
    (void)state;
    const char *head = "targets:\n  - name: a\n    measure: prevalence\n    column: c\n"
                       "    year: 2025\n    sex: both\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%s    age: [50, 200]\n    value: x\n    tolerance: 1\n", head);
    expect_error(buf, ":8:", "targets[0].value");
    snprintf(buf, sizeof buf, "%s    age: [52, 200]\n    value: 1\n    tolerance: 1\n", head);
    expect_error(buf, ":7:", "targets[0].age");
    snprintf(buf, sizeof buf, "%s    age: [50, 200]\n    value: 1\n", head);
    expect_error(buf, ":2:", "targets[0].tolerance");
    snprintf(buf, sizeof buf, "%s    age: [50, 200]\n    value: 1\n    tolerance: 1\n    colour: red\n", head);
    expect_error(buf, ":10:", "targets[0].colour");
    expect_error("targets:\n  - name: a\n    measure: rate\n", ":3:", "targets[0].measure");
    expect_error("fit:\n  - {key: a.b, min: 2, max: 1}\n", ":2:", "fit[0]");
    expect_error("targets: [\n", ":", "");
}

/* Targets are checked like scenario keys: the type, an unknown key with
 * the nearest valid one, a missing required key, each with file:line. */
static void test_checked_like_scenario(void **state)
{
    (void)state;
    const char *head = "targets:\n  - name: a\n    measure: prevalence\n    column: c\n"
                       "    year: 2025\n    sex: both\n    age: [50, 200]\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%s    value: [1, 2]\n    tolerance: 1\n", head);
    expect_error(buf, "bad.yaml:8: targets[0].value:", "expected a number, got a list");
    snprintf(buf, sizeof buf, "%s    value: 1\n    tolerance: 1\n    year: true\n", head);
    expect_error(buf, "bad.yaml:", "duplicate key");
    snprintf(buf, sizeof buf, "%s    value: 1\n    tolerance: 1\n    sex: all\n", head);
    expect_error(buf, "bad.yaml:", "targets[0].sex");
    snprintf(buf, sizeof buf, "%s    value: 1\n    tolerance: 1\n    wieght: 2\n", head);
    expect_error(buf, "bad.yaml:10: targets[0].wieght:", "(did you mean 'targets[0].weight'?)");
    snprintf(buf, sizeof buf, "%s    value: 1\n    tolerance: 1\n    weight: heavy\n", head);
    expect_error(buf, "bad.yaml:10: targets[0].weight:", "expected a number, got 'heavy'");
    snprintf(buf, sizeof buf, "%s    tolerance: 1\n", head);
    expect_error(buf, "bad.yaml:2: targets[0].value:", "required key 'targets[0].value' is missing");
    expect_error("fit:\n  - {key: a.b, min: 0}\n", "bad.yaml:2: fit[0].max:", "is missing");
    expect_error("fit:\n  - {key: a.b, min: 0, max: 1, step: 2}\n", "bad.yaml:2: fit[0].step:", "unknown key");
    expect_error("fits:\n  - {key: a.b, min: 0, max: 1}\n", "bad.yaml:1: fits:", "(did you mean 'fit'?)");
    expect_error("targets:\n  - name: a\n    year: 20.5\n", "bad.yaml:3: targets[0].year:",
                 "expected an integer");
    /* a quoted number is still a number in a targets file */
    snprintf(buf, sizeof buf, "%s    value: \"0.5\"\n    tolerance: 1\n", head);
    os_targets t;
    os_err err = {0};
    assert_int_equal(os_targets_load(&t, write_tmp("quoted.yaml", buf), &err), 0);
    assert_true(t.t[0].value == 0.5 && t.t[0].weight == 1.0);
    os_targets_free(&t);
}

/* A targets file may include others (relative to itself); names stay unique
 * across them and an include cycle is an error, not a hang. */
static void test_include(void **state)
{
    (void)state;
    const char *one = "    measure: prevalence\n    column: fallers\n    year: 2025\n"
                      "    sex: both\n    age: [50, 200]\n    value: 0.1\n    tolerance: 0.01\n";
    char child[512], parent[512];
    snprintf(child, sizeof child, "targets:\n  - name: b\n%sfit:\n  - {key: x.y, min: 0, max: 1}\n", one);
    snprintf(parent, sizeof parent, "include:\n  - inc_child.yaml\ntargets:\n  - name: a\n%s", one);
    write_tmp("inc_child.yaml", child);
    os_targets t;
    os_err err = {0};
    assert_int_equal(os_targets_load(&t, write_tmp("inc_parent.yaml", parent), &err), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.nfit, 1);
    assert_string_equal(t.t[0].name, "b");
    assert_string_equal(t.t[1].name, "a");
    os_targets_free(&t);
    snprintf(parent, sizeof parent, "include:\n  - inc_child.yaml\ntargets:\n  - name: b\n%s", one);
    expect_error(parent, ":", "'b' used twice");
    expect_error("include:\n  - bad.yaml\n", ":2:", "nested too deeply");
    expect_error("include:\n  - no_such_file.yaml\n", "no_such_file.yaml", "cannot open");
}

/* The Monte Carlo standard error of a target follows from the agents
 * behind it: every row 1,000 persons from 100 agents (weight 10), 20 hip
 * fractures and 300 fallers. */
static void test_mc_se(void **state)
{
    (void)state;
    os_summary s;
    memset(&s, 0, sizeof s);
    const char *names[] = {"population", "agents", "fractures_hip", "fallers"};
    s.ncols = 4;
    for (int i = 0; i < 4; i++) strcpy(s.cols[i].name, names[i]);
    size_t n = OS_NCELLS;
    s.nrows = n;
    s.year = calloc(n, sizeof *s.year);
    s.arm = calloc(n, sizeof *s.arm);
    s.sex = calloc(n, sizeof *s.sex);
    s.age_lo = calloc(n, sizeof *s.age_lo);
    s.age_hi = calloc(n, sizeof *s.age_hi);
    s.values = calloc(n * 4, sizeof *s.values);
    for (size_t r = 0; r < n; r++) {
        int b = (int)(r % OS_NBANDS);
        s.year[r] = 2025;
        s.sex[r] = (int)(r / OS_NBANDS);
        s.age_lo[r] = 50 + 5 * b;
        s.age_hi[r] = b == OS_NBANDS - 1 ? -1 : 54 + 5 * b;
        double *v = &s.values[r * 4];
        v[0] = 1000;
        v[1] = 100;
        v[2] = 20;
        v[3] = 300;
    }
    os_target t = {.measure = OS_M_INCIDENCE, .year = 2025, .sex = 0, .age_lo = 50, .age_hi = 200};
    strcpy(t.column, "fractures_hip");
    /* 11 bands: 220 fractures from 22 agents' events, Poisson: sqrt(220 * 10). */
    assert_true(fabs(os_target_mc_se(&t, &s) - sqrt(2200.0) / 11000.0 * 1e5) < 1e-9);
    t.measure = OS_M_PREVALENCE;
    strcpy(t.column, "fallers");
    assert_true(fabs(os_target_mc_se(&t, &s) - sqrt(0.3 * 0.7 / 1100.0)) < 1e-12);
    t.measure = OS_M_COUNT;
    assert_true(fabs(os_target_mc_se(&t, &s) - sqrt(3300.0 * 10.0)) < 1e-9);
    strcpy(t.column, "no_such_column");
    assert_true(isnan(os_target_mc_se(&t, &s)));
    os_summary_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_checked_like_scenario),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_mc_se),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
