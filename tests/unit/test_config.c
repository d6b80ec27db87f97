/* Configuration layer: includes, overrides, --set, validation messages,
 * accessors, provenance and the dump round trip (sim/cfg_*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

#define UNB 1.0, 0.0
#define UNIT_DIR OS_SOURCE_DIR "/tests/configs/unit"

static const os_param_spec specs[] = {
    {"t.name", OS_P_STRING, NULL, UNB, 1, NULL, NULL, "name"},
    {"t.rate", OS_P_REAL, "1/yr", 0, 1, 1, NULL, NULL, "a rate"},
    {"t.beta", OS_P_REAL, "1", 0, 1, 0, NULL, NULL, "a probability"},
    {"t.count", OS_P_INT, "agents", 0, 100, 1, NULL, NULL, "a count"},
    {"t.grid", OS_P_REAL_LIST, "1", 0, 10, 0, NULL, NULL, "list"},
    {"t.years", OS_P_INT_LIST, "year", 1950, 2200, 0, NULL, NULL, "years"},
    {"t.flag", OS_P_BOOL, NULL, UNB, 0, "true", NULL, "flag"},
    {"t.mode", OS_P_STRING, NULL, UNB, 0, "fast", "fast|slow", "choice"},
    {"t.table", OS_P_PATH, NULL, UNB, 0, NULL, NULL, "a file"},
    {"t.arms", OS_P_ANY, NULL, UNB, 0, NULL, NULL, "subtree"},
    {"t.note", OS_P_STRING, NULL, UNB, 0, "", NULL, "empty default"},
    {"t.opt", OS_P_REAL, "1", UNB, 0, NULL, NULL, "optional, no default"},
};
#define NSPECS (sizeof specs / sizeof specs[0])

static const char *const minimal = "t:\n  name: x\n  rate: 0.5\n  count: 2\n";

static os_cfg *load_ok(const char *text, const char *const *sets, int nsets)
{
    os_cfg *cfg = NULL;
    os_err err = {0};
    if (os_cfg_load_string(&cfg, text, "mem.yaml", UNIT_DIR, sets, nsets, &err))
        fail_msg("load: %s", err.msg);
    if (os_cfg_declare(cfg, specs, NSPECS, &err) || os_cfg_validate(cfg, &err))
        fail_msg("validate: %s", err.msg);
    return cfg;
}

/* Loads TEXT (with SETS), expects a config error containing every NULL-
 * terminated string that follows, and a one-line message. */
static void expect_err(const char *text, const char *const *sets, int nsets, ...)
{
    os_cfg *cfg = NULL;
    os_err err = {0};
    int rc = os_cfg_load_string(&cfg, text, "bad.yaml", UNIT_DIR, sets, nsets, &err);
    if (!rc) {
        rc = os_cfg_declare(cfg, specs, NSPECS, &err);
        if (!rc) rc = os_cfg_validate(cfg, &err);
        os_cfg_free(cfg);
    } else {
        assert_null(cfg);
    }
    if (rc != OS_ECONFIG) fail_msg("expected an error for:\n%s", text);
    assert_int_equal(err.code, OS_ECONFIG);
    assert_null(strchr(err.msg, '\n'));
    va_list ap;
    va_start(ap, nsets);
    for (const char *s; (s = va_arg(ap, const char *));)
        if (!strstr(err.msg, s)) fail_msg("'%s' not in: %s", s, err.msg);
    va_end(ap);
}

static void test_includes_and_override_order(void **state)
{
    (void)state;
    os_cfg *cfg = NULL;
    os_err err = {0};
    if (os_cfg_load(&cfg, UNIT_DIR "/scenario.yaml", NULL, 0, &err)) fail_msg("%s", err.msg);
    assert_int_equal(os_cfg_declare(cfg, specs, NSPECS, &err), 0);
    if (os_cfg_validate(cfg, &err)) fail_msg("%s", err.msg);
    assert_string_equal(os_cfg_str(cfg, "t.name"), "scenario");   /* own key last */
    assert_int_equal(os_cfg_int(cfg, "t.count"), 4);               /* mid over base */
    assert_true(os_cfg_real(cfg, "t.rate") == 0.01);               /* base kept */
    assert_true(os_cfg_real(cfg, "t.beta") == 0.3);                /* nested include */
    /* paths resolve against the file that set them (sub/nested.yaml) */
    const char *p = os_cfg_path(cfg, "t.table");
    assert_non_null(p);
    assert_int_equal(p[0], '/');
    assert_non_null(strstr(p, "/tests/configs/unit/sub/nested.csv"));
    assert_non_null(strstr(os_cfg_origin(cfg, "t.count"), "mid.yaml:4"));
    assert_non_null(strstr(os_cfg_origin(cfg, "t.rate"), "base.yaml:5"));
    const long *y;
    assert_int_equal(os_cfg_int_list(cfg, "t.years", &y), 2);
    assert_int_equal(y[1], 2030);
    os_cfg_free(cfg);
}

static void test_set_overrides(void **state)
{
    (void)state;
    const char *sets[] = {"t.count=7", "t.grid=[1,2,3]", "t.rate=0.25", "t.mode=slow",
                          "t.beta=0.5"};
    os_cfg *cfg = NULL;
    os_err err = {0};
    if (os_cfg_load(&cfg, UNIT_DIR "/scenario.yaml", sets, 5, &err)) fail_msg("%s", err.msg);
    assert_int_equal(os_cfg_declare(cfg, specs, NSPECS, &err), 0);
    if (os_cfg_validate(cfg, &err)) fail_msg("%s", err.msg);
    assert_int_equal(os_cfg_int(cfg, "t.count"), 7);
    const double *g;
    assert_int_equal(os_cfg_real_list(cfg, "t.grid", &g), 3);
    assert_true(g[0] == 1 && g[2] == 3);
    /* long form: only the value changes, provenance stays */
    assert_true(os_cfg_real(cfg, "t.rate") == 0.25);
    assert_string_equal(os_cfg_unit(cfg, "t.rate"), "1/yr");
    assert_string_equal(os_cfg_source(cfg, "t.rate"), "Base 2000");
    assert_int_equal(os_cfg_dist(cfg, "t.rate").type, OS_DIST_NORMAL);
    assert_string_equal(os_cfg_origin(cfg, "t.rate"), "--set");
    assert_string_equal(os_cfg_str(cfg, "t.mode"), "slow");   /* declared, absent in file */
    os_cfg_free(cfg);
}

static void test_defaults_and_accessors(void **state)
{
    (void)state;
    os_cfg *cfg = load_ok(minimal, NULL, 0);
    assert_string_equal(os_cfg_str(cfg, "t.name"), "x");
    assert_true(os_cfg_real(cfg, "t.rate") == 0.5);
    assert_int_equal(os_cfg_int(cfg, "t.count"), 2);
    assert_int_equal(os_cfg_bool(cfg, "t.flag"), 1);          /* default */
    assert_string_equal(os_cfg_str(cfg, "t.mode"), "fast");  /* default */
    assert_string_equal(os_cfg_str(cfg, "t.note"), "");
    assert_string_equal(os_cfg_origin(cfg, "t.flag"), "(default)");
    assert_true(os_cfg_has(cfg, "t.flag"));
    assert_false(os_cfg_has(cfg, "t.opt"));
    assert_true(os_cfg_real(cfg, "t.opt") == 0.0);
    assert_null(os_cfg_path(cfg, "t.table"));
    const double *g = (const double *)1;
    assert_int_equal(os_cfg_real_list(cfg, "t.grid", &g), 0);
    assert_null(g);
    /* short form: unit from the spec, no source, no dist */
    assert_string_equal(os_cfg_unit(cfg, "t.rate"), "1/yr");
    assert_null(os_cfg_source(cfg, "t.rate"));
    assert_int_equal(os_cfg_dist(cfg, "t.rate").type, OS_DIST_NONE);
    assert_string_equal(os_cfg_origin(cfg, "t.count"), "mem.yaml:4");
    os_err err = {0};
    assert_int_equal(os_cfg_set_real(cfg, "t.rate", 0.125, &err), 0);
    assert_true(os_cfg_real(cfg, "t.rate") == 0.125);
    assert_int_equal(os_cfg_set_real(cfg, "t.rate", 2.0, &err), OS_ECONFIG); /* out of range */
    assert_non_null(strstr(err.msg, "out of range"));
    assert_int_equal(os_cfg_set_real(cfg, "t.count", 2.5, &err), OS_ECONFIG); /* not integer */
    char *d = os_cfg_dump(cfg);
    assert_non_null(strstr(d, "rate: 0.125\n"));
    free(d);
    os_cfg_free(cfg);
}

/* os_cfg_read fills a struct from a table: spec defaults apply, an absent
 * key without a default reads as NAN / 0 / NULL / -1, a choice reads as its
 * index, and a key nobody declared is an error. */
typedef struct read_par {
    const char *name, *note;
    double rate, opt;
    float beta;
    int count, flag, mode;
    long count_l;
} read_par;

static void test_read_table(void **state)
{
    (void)state;
    os_cfg *cfg = load_ok("t:\n  name: x\n  rate: 0.5\n  count: 2\n  mode: slow\n", NULL, 0);
    static const os_field f[] = {
        OS_FIELD("name", read_par, name, OS_F_STR), OS_FIELD("note", read_par, note, OS_F_STR),
        OS_FIELD("rate", read_par, rate, OS_F_REAL), OS_FIELD("opt", read_par, opt, OS_F_REAL),
        OS_FIELD("beta", read_par, beta, OS_F_FLOAT), OS_FIELD("count", read_par, count, OS_F_INT),
        OS_FIELD("flag", read_par, flag, OS_F_BOOL), OS_FIELD("mode", read_par, mode, OS_F_CHOICE),
        OS_FIELD("count", read_par, count_l, OS_F_LONG),
    };
    read_par p;
    memset(&p, 0xff, sizeof p);
    os_err err = {0};
    assert_int_equal(os_cfg_read(cfg, "t", f, sizeof f / sizeof f[0], &p, &err), 0);
    assert_string_equal(p.name, "x");
    assert_string_equal(p.note, "");        /* spec default "" */
    assert_true(p.rate == 0.5);
    assert_true(isnan(p.opt) && isnan(p.beta));
    assert_int_equal(p.count, 2);
    assert_int_equal(p.count_l, 2);
    assert_int_equal(p.flag, 1);             /* spec default true */
    assert_int_equal(p.mode, 1);             /* fast|slow */
    static const os_field bad[] = {OS_FIELD("t.nope", read_par, rate, OS_F_REAL)};
    assert_int_equal(os_cfg_read(cfg, NULL, bad, 1, &p, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "t.nope: read but not declared"));
    os_cfg_free(cfg);
}

typedef struct visit_ctx {
    int n, present, used;
    const char *first;
} visit_ctx;

static void visit(void *ctx, const os_param_spec *s, int present, int used)
{
    visit_ctx *v = ctx;
    if (!v->n++) v->first = s->key;
    v->present += present;
    v->used += used;
}

static void test_visit_marks_used(void **state)
{
    (void)state;
    os_cfg *cfg = load_ok(minimal, NULL, 0);
    os_cfg_real(cfg, "t.rate");
    os_cfg_int(cfg, "t.count");
    visit_ctx v = {0, 0, 0, NULL};
    os_cfg_visit(cfg, visit, &v);
    assert_int_equal(v.n, (int)NSPECS);
    assert_string_equal(v.first, "t.name");
    assert_int_equal(v.used, 2);
    assert_int_equal(v.present, 3 + 3);   /* 3 written + flag, mode, note defaults */
    os_cfg_free(cfg);
}

static void test_provenance_long_form(void **state)
{
    (void)state;
    os_cfg *cfg = load_ok("t:\n  name: x\n  count: 1\n  rate:\n    value: 0.2\n"
                          "    unit: 1/yr\n    dist: {type: triangular, min: 0.1, mode: 0.2, max: 0.4}\n"
                          "    source: \"Src 1999: table 2\"\n", NULL, 0);
    assert_true(os_cfg_real(cfg, "t.rate") == 0.2);
    os_dist d = os_cfg_dist(cfg, "t.rate");
    assert_int_equal(d.type, OS_DIST_TRIANGULAR);
    assert_true(d.p[0] == 0.1 && d.p[1] == 0.2 && d.p[2] == 0.4);
    assert_string_equal(os_cfg_source(cfg, "t.rate"), "Src 1999: table 2");
    assert_string_equal(os_cfg_origin(cfg, "t.rate"), "mem.yaml:5");
    os_cfg_free(cfg);
}

static void test_dump_round_trip(void **state)
{
    (void)state;
    const char *sets[] = {"t.note='a \"quoted\" # note: with\ttab'", "t.arms=[yes, '007', ~]"};
    os_cfg *cfg = NULL;
    os_err err = {0};
    if (os_cfg_load(&cfg, UNIT_DIR "/scenario.yaml", sets, 2, &err)) fail_msg("%s", err.msg);
    assert_int_equal(os_cfg_declare(cfg, specs, NSPECS, &err), 0);
    if (os_cfg_validate(cfg, &err)) fail_msg("%s", err.msg);
    char *d1 = os_cfg_dump(cfg);
    assert_non_null(d1);
    assert_null(strstr(d1, "include"));
    assert_non_null(strstr(d1, "source: \"Base 2000\""));
    assert_non_null(strstr(d1, "dist: {type: beta, a: 3, b: 7}"));
    assert_non_null(strstr(d1, "/tests/configs/unit/sub/nested.csv"));  /* absolute path */
    os_cfg *c2 = NULL;
    if (os_cfg_load_string(&c2, d1, "dump", "/", NULL, 0, &err)) fail_msg("%s\n%s", err.msg, d1);
    assert_int_equal(os_cfg_declare(c2, specs, NSPECS, &err), 0);
    if (os_cfg_validate(c2, &err)) fail_msg("%s\n%s", err.msg, d1);
    char *d2 = os_cfg_dump(c2);
    assert_string_equal(d1, d2);
    assert_string_equal(os_cfg_str(c2, "t.note"), "a \"quoted\" # note: with\ttab");
    assert_string_equal(os_cfg_path(c2, "t.table"), os_cfg_path(cfg, "t.table"));
    assert_string_equal(os_cfg_source(c2, "t.beta"), "Nested 2010");
    free(d1);
    free(d2);
    os_cfg_free(c2);
    os_cfg_free(cfg);
}

static void test_suggestions(void **state)
{
    (void)state;
    expect_err("t:\n  name: x\n  rate: 0.5\n  count: 2\n  cuont: 3\n", NULL, 0,
               "bad.yaml:5: t.cuont: unknown key 't.cuont' (did you mean 't.count'?)", NULL);
    expect_err("t:\n  name: x\n  rate: 0.5\n  count: 2\nflag: true\n", NULL, 0,
               "unknown key 'flag' (did you mean 't.flag'?)", NULL);
    expect_err("tt:\n  rate: 0.5\n", NULL, 0, "unknown key 'tt.rate' (did you mean 't.rate'?)",
               NULL);
    expect_err("zzz: 1\n", NULL, 0, "unknown key 'zzz'", NULL);
    const char *sets[] = {"t.rtae=0.1"};
    expect_err(minimal, sets, 1, "--set: t.rtae: unknown key 't.rtae' (did you mean 't.rate'?)",
               NULL);
}

static void test_error_messages(void **state)
{
    (void)state;
    expect_err("t:\n  name: x\n  rate: [0.5\n", NULL, 0, "bad.yaml:", "syntax error", NULL);
    expect_err("t:\n\tname: x\n", NULL, 0, "tabs are not allowed", NULL);
    expect_err("", NULL, 0, "bad.yaml:1: file is empty", NULL);
    expect_err("# only\n# comments\n", NULL, 0, "file is empty", NULL);
    expect_err("- a\n- b\n", NULL, 0, "top level must be a map", NULL);
    expect_err("t:\n  name: \xff\xfe\n", NULL, 0, "not valid UTF-8", NULL);
    expect_err("t:\n  name: x\n  name: y\n", NULL, 0, "bad.yaml:3: t.name: duplicate key", NULL);
    expect_err("t:\n  name: x\n  rate: fast\n  count: 2\n", NULL, 0,
               "bad.yaml:3: t.rate: expected a number, got 'fast'", NULL);
    expect_err("t:\n  name: x\n  rate: 0.5\n  count: 2.5\n", NULL, 0,
               "t.count: expected an integer", NULL);
    expect_err("t:\n  name: x\n  rate: 1.5\n  count: 2\n", NULL, 0,
               "t.rate: 1.5 is out of range [0, 1] 1/yr", NULL);
    expect_err("t:\n  name: x\n  rate: 0.5\n  count: 2\n  flag: maybe\n", NULL, 0,
               "t.flag: expected true or false, got 'maybe'", NULL);
    expect_err("t:\n  name: [x]\n  rate: 0.5\n  count: 2\n", NULL, 0,
               "t.name: expected a string, got a list", NULL);
    expect_err("t:\n  name: x\n  rate: 0.5\n  count: 2\n  mode: medium\n", NULL, 0,
               "t.mode: 'medium' is not one of fast|slow", NULL);
    expect_err("t:\n  name: x\n  rate: 0.5\n  count: 2\n  years: [2025, 1800]\n", NULL, 0,
               "bad.yaml:5: t.years[1]: 1800 is out of range [1950, 2200] year", NULL);
    expect_err("t:\n  name: x\n  rate: 0.5\n", NULL, 0, "bad.yaml:1: t.count: required key 't.count' is missing", NULL);
    expect_err("t:\n  name: x\n  count: 2\n  rate:\n    value: 0.5\n    unit: 1/day\n", NULL, 0,
               "bad.yaml:6: t.rate.unit: unit '1/day' does not match the declared unit '1/yr'", NULL);
    expect_err("t:\n  name: x\n  count: 2\n  rate:\n    value: 0.5\n    cite: me\n", NULL, 0,
               "t.rate.cite: unknown field 'cite' in long-form parameter", NULL);
    static const char *const bad_dists[][2] = {
        {"{type: poisson}", "unknown type 'poisson'"},
        {"{type: normal, mean: 1}", "normal needs field 'sd'"},
        {"{type: normal, mean: 1, sd: -1}", "sd must be > 0"},
        {"{type: lognormal, meanlog: 1, sdlog: 0}", "sdlog must be > 0"},
        {"{type: gamma, shape: 0, scale: 1}", "shape and scale must be > 0"},
        {"{type: beta, a: 1, b: 0}", "a and b must be > 0"},
        {"{type: uniform, min: 1, max: 1}", "min must be < max"},
        {"{type: triangular, min: 0, mode: 2, max: 1}", "min <= mode <= max"},
        {"{type: fixed, value: 1}", "unknown field 'value' for fixed"},
        {"{type: normal, mean: x, sd: 1}", "t.rate.dist.mean: expected a number"},
        {"normal", "t.rate.dist: expected a map"},
    };
    for (size_t i = 0; i < sizeof bad_dists / sizeof bad_dists[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "t:\n  name: x\n  count: 2\n  rate:\n    value: 0.5\n    dist: %s\n",
                 bad_dists[i][0]);
        expect_err(text, NULL, 0, "bad.yaml:6: t.rate.dist", bad_dists[i][1], NULL);
    }
    expect_err("include: missing.yaml\n", NULL, 0, "bad.yaml:1: include: cannot open", "missing.yaml",
               NULL);
    expect_err("t: &a\n  name: x\n", NULL, 0, "anchors", NULL);
    /* --set errors */
    const char *s1[] = {"t.count"}, *s2[] = {"t.count=[1"}, *s3[] = {"t.name.x=1"},
               *s4[] = {"t.count=abc"};
    expect_err(minimal, s1, 1, "--set: 't.count' is not of the form key.path=value", NULL);
    expect_err(minimal, s2, 1, "--set: t.count: cannot parse value", NULL);
    expect_err(minimal, s3, 1, "--set: t.name.x: t.name is a value", NULL);
    expect_err(minimal, s4, 1, "--set: t.count: expected a number, got 'abc'", NULL);
}

/* Files that include each other, written at run time. */
static void test_include_cycle(void **state)
{
    (void)state;
    char a[512], b[512];
    mkdir(OS_TMP_DIR, 0777);
    snprintf(a, sizeof a, "%s/cfg_cycle_a.yaml", OS_TMP_DIR);
    snprintf(b, sizeof b, "%s/cfg_cycle_b.yaml", OS_TMP_DIR);
    FILE *f = fopen(a, "w");
    assert_non_null(f);
    fputs("include: cfg_cycle_b.yaml\nt:\n  name: a\n", f);
    fclose(f);
    f = fopen(b, "w");
    assert_non_null(f);
    fputs("include: [cfg_cycle_a.yaml]\n", f);
    fclose(f);
    os_cfg *cfg = NULL;
    os_err err = {0};
    assert_int_equal(os_cfg_load(&cfg, a, NULL, 0, &err), OS_ECONFIG);
    assert_null(cfg);
    assert_non_null(strstr(err.msg, "cfg_cycle_b.yaml:1: include: include cycle"));
    assert_non_null(strstr(err.msg, "cfg_cycle_a.yaml -> "));
    remove(a);
    remove(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_includes_and_override_order),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_defaults_and_accessors),
        cmocka_unit_test(test_read_table),
        cmocka_unit_test(test_visit_marks_used),
        cmocka_unit_test(test_provenance_long_form),
        cmocka_unit_test(test_dump_round_trip),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_include_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
