/* test_cfg_robust.c - configuration checks against hostile or inconsistent
 * input: distributions against their parameter's range, overridden values,
 * 64-bit seeds, maps with many keys, input files that are not regular. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg_file.h"
#include "config.h"

#define UNB 1.0, 0.0

static const os_param_spec specs[] = {
    {"p.small", OS_P_REAL, "1/yr", -0.05, 0.05, 0, NULL, NULL, "bounded to +-0.05"},
    {"p.prop", OS_P_REAL, "1", 0, 1, 0, NULL, NULL, "a proportion"},
    {"p.half", OS_P_REAL, "1", 0, 0.5, 0, NULL, NULL, "at most one half"},
    {"p.signed", OS_P_REAL, "1", -1, 10, 0, NULL, NULL, "may be negative"},
    {"p.free", OS_P_REAL, "1", UNB, 0, NULL, NULL, "unbounded"},
    {"p.count", OS_P_INT, "1", 0, 100, 0, NULL, NULL, "an integer"},
    {"run.seed", OS_P_INT, "1", 0, 18446744073709551615.0, 0, "1", NULL, "seed"},
};
#define NSPECS (sizeof specs / sizeof specs[0])

/* Loads and validates TEXT; 0 or the error code, the message in ERR. */
static int check(const char *text, const char *const *sets, int nsets, os_err *err, os_cfg **keep)
{
    os_cfg *cfg = NULL;
    int rc = os_cfg_load_string(&cfg, text, "mem.yaml", NULL, sets, nsets, err);
    if (!rc) rc = os_cfg_declare(cfg, specs, NSPECS, err);
    if (!rc) rc = os_cfg_validate(cfg, err);
    if (keep && !rc) *keep = cfg;
    else os_cfg_free(cfg);
    return rc;
}

static void ok(const char *text)
{
    os_err err = {0};
    if (check(text, NULL, 0, &err, NULL)) fail_msg("%s\n-> %s", text, err.msg);
}

static void bad(const char *text, const char *want)
{
    os_err err = {0};
    if (check(text, NULL, 0, &err, NULL) != OS_ECONFIG) fail_msg("accepted:\n%s", text);
    assert_null(strchr(err.msg, '\n'));
    if (!strstr(err.msg, want)) fail_msg("'%s' not in: %s", want, err.msg);
}

static void test_dist_range(void **state)
{
    (void)state;
    /* the example of the issue: sd 5 on a parameter bounded to +-0.05 */
    bad("p: {small: {value: 0.01, dist: {type: normal, mean: 0.01, sd: 5}}}\n",
        "mem.yaml:1: p.small.dist: normal {mean 0.01, sd 5} lies largely outside");
    bad("p: {small: {value: 0.01, dist: {type: normal, mean: 0.01, sd: 5}}}\n",
        "(P = 0.99 outside [-0.05, 0.05] 1/yr)");
    ok("p: {small: {value: 0.01, dist: {type: normal, mean: 0.01, sd: 0.01}}}\n");
    /* just under and just over 5 % outside (P = 2 * Q(z)) */
    ok("p: {small: {value: 0, dist: {type: normal, mean: 0, sd: 0.0253}}}\n");   /* 0.048 */
    bad("p: {small: {value: 0, dist: {type: normal, mean: 0, sd: 0.0258}}}\n", "P = 0.053");
    /* beta lives on [0, 1]: fine on a proportion, judged by its mass on a
     * narrower range */
    ok("p: {prop: {value: 0.3, dist: {type: beta, a: 2, b: 5}}}\n");
    ok("p: {signed: {value: 0.3, dist: {type: beta, a: 2, b: 5}}}\n");
    bad("p: {half: {value: 0.5, dist: {type: beta, a: 5, b: 5}}}\n", "P = 0.5 outside [0, 0.5]");
    /* lognormal and gamma on a range reaching below 0: only the top counts */
    ok("p: {signed: {value: 1, dist: {type: lognormal, meanlog: 0, sdlog: 0.5}}}\n");
    ok("p: {signed: {value: 2, dist: {type: gamma, shape: 4, scale: 0.5}}}\n");
    bad("p: {signed: {value: 5, dist: {type: gamma, shape: 1, scale: 20}}}\n", "gamma {shape 1, scale 20}");
    bad("p: {prop: {value: 0.9, dist: {type: lognormal, meanlog: 0, sdlog: 1}}}\n", "lies largely outside");
    /* uniform and triangular may not reach outside at all */
    ok("p: {prop: {value: 0.5, dist: {type: uniform, min: 0, max: 1}}}\n");
    bad("p: {prop: {value: 0.5, dist: {type: uniform, min: 0, max: 1.01}}}\n", "reaches outside");
    bad("p: {prop: {value: 0.5, dist: {type: triangular, min: -0.2, mode: 0.5, max: 1}}}\n",
        "triangular {min -0.2, mode 0.5, max 1} reaches outside");
    /* unbounded parameters and fixed distributions are not checked; integers are */
    ok("p: {free: {value: 1e6, dist: {type: normal, mean: 1e6, sd: 1e9}}}\n");
    ok("p: {small: {value: 0.01, dist: {type: fixed}}}\n");
    bad("p: {count: {value: 50, dist: {type: uniform, min: 0, max: 200}}}\n", "P = 0.5 outside [0, 100]");
}

/* A value replaced by a later layer is validated too, and the message says
 * where it was overridden. */
static void test_overridden_values(void **state)
{
    (void)state;
    char dir[] = OS_TMP_DIR "/cfg_robust_XXXXXX";
    mkdir(OS_TMP_DIR, 0777);
    assert_non_null(mkdtemp(dir));
    char base[300], path[300];
    snprintf(base, sizeof base, "%s/base.yaml", dir);
    FILE *f = fopen(base, "w");
    assert_non_null(f);
    fputs("p:\n  prop: 7\n", f);
    fclose(f);
    char text[400];
    snprintf(text, sizeof text, "include: %s\np:\n  prop: 0.5\n", base);
    os_err err = {0};
    assert_int_equal(check(text, NULL, 0, &err, NULL), OS_ECONFIG);
    if (!strstr(err.msg, "base.yaml:2: p.prop: 7 is out of range [0, 1]") ||
        !strstr(err.msg, "(overridden at mem.yaml:3)"))
        fail_msg("%s", err.msg);
    /* the value of a long-form parameter keeps its dist: replacing the value
     * alone does not hide a bad distribution */
    snprintf(text, sizeof text, "include: %s\np:\n  prop: 0.5\n  half: 0.3\n", base);
    f = fopen(base, "w");
    fputs("p:\n  prop: 0.1\n  half: {value: 0.2, dist: {type: normal, mean: 0.2, sd: 10}}\n", f);
    fclose(f);
    assert_int_equal(check(text, NULL, 0, &err, NULL), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "p.half.dist"));
    /* a dist is replaced whole, and the replaced one is checked too */
    f = fopen(base, "w");
    fputs("p:\n  prop: {value: 0.3, dist: {type: beta, a: 2, b: 5}}\n"
          "  half: {value: 0.2, dist: {type: normal, mean: 0.2, sd: 10}}\n", f);
    fclose(f);
    snprintf(text, sizeof text, "include: %s\np:\n  prop:\n    dist: {type: uniform, min: 0, max: 1}\n",
             base);
    os_cfg *cfg = NULL;
    const char *fix[] = {"p.half=0.25"};
    assert_int_equal(check(text, NULL, 0, &err, NULL), OS_ECONFIG);   /* half's dist is in force */
    snprintf(text, sizeof text, "include: %s\np:\n  prop:\n    dist: {type: uniform, min: 0, max: 1}\n"
             "  half:\n    dist: {type: fixed}\n", base);
    assert_int_equal(check(text, NULL, 0, &err, NULL), OS_ECONFIG);
    if (!strstr(err.msg, "base.yaml:3: p.half.dist: normal") || !strstr(err.msg, "overridden at"))
        fail_msg("%s", err.msg);
    f = fopen(base, "w");
    fputs("p:\n  prop: {value: 0.3, dist: {type: beta, a: 2, b: 5}}\n", f);
    fclose(f);
    snprintf(text, sizeof text, "include: %s\np:\n  prop:\n    dist: {type: uniform, min: 0, max: 1}\n",
             base);
    assert_int_equal(check(text, fix, 1, &err, &cfg), 0);
    assert_int_equal(os_cfg_dist(cfg, "p.prop").type, OS_DIST_UNIFORM);
    os_cfg_free(cfg);
    /* --set overrides are layers like the others */
    const char *sets[] = {"p.prop=0.25"};
    assert_int_equal(check("p: {prop: -3}\n", sets, 1, &err, NULL), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "mem.yaml:1: p.prop: -3 is out of range"));
    assert_non_null(strstr(err.msg, "(overridden at --set)"));
    cfg = NULL;
    assert_int_equal(check("p: {prop: 0.75}\n", sets, 1, &err, &cfg), 0);
    assert_true(os_cfg_real(cfg, "p.prop") == 0.25);
    os_cfg_free(cfg);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
}

static void test_seed_range(void **state)
{
    (void)state;
    os_cfg *cfg = NULL;
    os_err err = {0};
    assert_int_equal(check("run: {seed: 18446744073709551615}\n", NULL, 0, &err, &cfg), 0);
    assert_true((uint64_t)os_cfg_int(cfg, "run.seed") == UINT64_MAX);
    os_cfg_free(cfg);
    cfg = NULL;
    assert_int_equal(check("run: {seed: 9223372036854775808}\n", NULL, 0, &err, &cfg), 0);
    assert_true((uint64_t)os_cfg_int(cfg, "run.seed") == (uint64_t)1 << 63);
    os_cfg_free(cfg);
    bad("run: {seed: 18446744073709551616}\n", "does not fit a 64-bit integer");
    bad("run: {seed: -1}\n", "out of range");
    /* other integers stay within int64 */
    bad("p: {count: 9223372036854775808}\n", "does not fit a 64-bit integer");
}

/* Many keys in one map: duplicate detection stays fast and exact. */
static void test_many_keys(void **state)
{
    (void)state;
    const int n = 200000;
    char *text = malloc((size_t)n * 24 + 64), *p = text;
    assert_non_null(text);
    p += sprintf(p, "x:\n");
    for (int i = 0; i < n; i++) p += sprintf(p, "  k%d: 1\n", i);
    sprintf(p, "  k%d: 2\n", n / 2);
    os_err err = {0};
    os_cfg *cfg = NULL;
    clock_t t0 = clock();
    assert_int_equal(os_cfg_load_string(&cfg, text, "wide.yaml", NULL, NULL, 0, &err), OS_ECONFIG);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    char want[80];
    snprintf(want, sizeof want, "wide.yaml:%d: x.k%d: duplicate key (first set at line %d)", n + 2,
             n / 2, n / 2 + 2);
    if (!strstr(err.msg, want)) fail_msg("%s", err.msg);
    if (secs > 5) fail_msg("%.1f s for %d keys", secs, n);   /* seconds, not minutes */
    free(text);
}

static void test_non_regular_files(void **state)
{
    (void)state;
    char dir[] = OS_TMP_DIR "/cfg_fifo_XXXXXX", fifo[300], why[128];
    mkdir(OS_TMP_DIR, 0777);
    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *text;
    size_t len;
    assert_int_equal(os_cfg_file_read(fifo, &text, &len, why, sizeof why), -1);
    assert_non_null(strstr(why, "FIFO"));
    assert_int_equal(os_cfg_file_read(dir, &text, &len, why, sizeof why), -1);
    assert_non_null(strstr(why, "directory"));
    /* a device is only named, refused before it is opened */
    assert_int_equal(os_cfg_file_read("/dev/zero", &text, &len, why, sizeof why), -1);
    assert_non_null(strstr(why, "device"));
    char inc[400];
    snprintf(inc, sizeof inc, "include:\n  - %s\n", fifo);
    os_err err = {0};
    assert_int_equal(check(inc, NULL, 0, &err, NULL), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "mem.yaml:2: include: cannot read"));
    unlink(fifo);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_range),
        cmocka_unit_test(test_overridden_values),
        cmocka_unit_test(test_seed_range),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_non_regular_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
