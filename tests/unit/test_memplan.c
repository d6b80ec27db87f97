/* test_memplan.c - run.max_memory sizes and the memory verdict
 * (sim/engine_memplan.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine_memplan.h"

static void test_parse_size(void **unused)
{
    (void)unused;
    static const struct { const char *s; double v; } ok[] = {
        {"1048576", 1048576}, {"1MiB", 1048576}, {"1 MiB", 1048576}, {"8 GiB", 8589934592.0},
        {"8G", 8589934592.0}, {"512MB", 512e6}, {"1.5 KiB", 1536}, {"2 TB", 2e12},
        {"1e9", 1e9}, {"100 B", 100}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = 0;
        if (os_memplan_parse_size(ok[i].s, &v) || v != ok[i].v)
            fail_msg("'%s' -> %.0f, expected %.0f", ok[i].s, v, ok[i].v);
    }
    static const char *const bad[] = {"", "lots", "-1 GiB", "0", "8 gigs", "nan", "inf",
                                      "1 GiBx", "0.1 B", "GiB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v;
        if (os_memplan_parse_size(bad[i], &v) == 0) fail_msg("'%s' accepted as %.0f", bad[i], v);
    }
}

/* The refusal says how many agents fit, and a plan that fits passes. */
static void test_fits(void **unused)
{
    (void)unused;
    os_memplan p = {0};
    p.mod.start_agents = 1000000;
    p.mod.peak_agents = 2000050;
    p.mod.peak_fixed = 50;
    snprintf(p.mod.agents_hint, sizeof p.mod.agents_hint, "run.agents");
    p.row_bytes = 64;
    snprintf(p.row_arm, sizeof p.row_arm, "a");
    p.nranks = 1;
    p.rows = p.mod.peak_agents;
    p.per_agent = 100;
    p.bytes = 32.0 * 1048576 + 100.0 * (double)p.rows;
    os_err err = {0};
    assert_int_equal(os_memplan_fits(NULL, &p, 1e12, "MemAvailable", &err), OS_OK);
    assert_int_equal(os_memplan_fits(NULL, &p, 0, "MemAvailable", &err), OS_OK); /* unknown */
    /* 100 MB above the fixed part: 1e6 agents stored, run.agents about 0.5e6. */
    double limit = 32.0 * 1048576 + 1e8;
    assert_int_equal(os_memplan_fits(NULL, &p, limit, "MemAvailable", &err), OS_ECONFIG);
    assert_null(strchr(err.msg, '\n'));
    assert_non_null(strstr(err.msg, "about 1000000 agents would fit (run.agents 499475)"));
    assert_non_null(strstr(err.msg, "MemAvailable"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
