/* test_cea.c - increments, ICERs, net monetary benefit, dominance and the
 * efficiency frontier (sim/res_cea.c) on a small case computed by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "res_cea.h"

/* Seven arms (discounted cost, discounted effect), reference A:
 *   A 100 10   reference
 *   B 150 12   ICER 50/2 = 25; on the frontier, 60 per QALY after D
 *   C 300 13   ICER 200/3; on the frontier, 150 per QALY after B
 *   D  90 11   dominant (cheaper, better); cheapest frontier arm
 *   E 200 11.5 strongly dominated by B
 *   F 250 12.2 extendedly dominated: B->F costs 500/QALY, F->C 62.5/QALY
 *   G 120  9   dominated by the reference */
static const double arms[7][2] = {
    {100, 10}, {150, 12}, {300, 13}, {90, 11}, {200, 11.5}, {250, 12.2}, {120, 9}};

static void setup_case(os_cea *c)
{
    memset(c, 0, sizeof *c);
    c->narms = 7;
    c->ref = 0;
    c->nwtp = 2;
    c->wtp[0] = 50;
    c->wtp[1] = 200;
    for (int a = 0; a < 7; a++) {
        c->cost[a] = arms[a][0];
        c->effect[a] = arms[a][1];
    }
    os_cea_compare(c);
}

static void test_increments_icer_nmb(void **state)
{
    (void)state;
    os_cea c;
    setup_case(&c);
    assert_float_equal(c.d_cost[1], 50, 1e-12);
    assert_float_equal(c.d_effect[1], 2, 1e-12);
    assert_float_equal(c.icer[1], 25, 1e-12);
    assert_float_equal(c.icer[2], 200.0 / 3.0, 1e-12);
    assert_true(isnan(c.icer[0]));    /* the reference itself */
    assert_true(isnan(c.icer[3]));    /* dominant: no ICER */
    assert_true(isnan(c.icer[6]));    /* dominated */
    /* NMB = wtp x d_effect - d_cost */
    assert_float_equal(c.nmb[1][0], 50 * 2 - 50, 1e-12);
    assert_float_equal(c.nmb[2][0], 50 * 3 - 200, 1e-12);
    assert_float_equal(c.nmb[2][1], 200 * 3 - 200, 1e-12);
    assert_float_equal(c.nmb[3][0], 50 * 1 + 10, 1e-12);
    assert_float_equal(c.nmb[6][1], -200 - 20, 1e-12);
    assert_float_equal(c.nmb[0][1], 0, 0);
}

static void test_dominance_and_frontier(void **state)
{
    (void)state;
    os_cea c;
    setup_case(&c);
    const int dom[7] = {OS_DOM_REFERENCE, OS_DOM_NONE, OS_DOM_NONE, OS_DOM_DOMINANT,
                        OS_DOM_NONE, OS_DOM_NONE, OS_DOM_DOMINATED};
    const int fr[7] = {OS_FRONTIER_STRONG, OS_FRONTIER_ON, OS_FRONTIER_ON, OS_FRONTIER_ON,
                       OS_FRONTIER_STRONG, OS_FRONTIER_EXTENDED, OS_FRONTIER_STRONG};
    for (int a = 0; a < 7; a++) {
        assert_int_equal(c.dominance[a], dom[a]);
        assert_int_equal(c.frontier[a], fr[a]);
    }
    assert_true(isnan(c.frontier_icer[3]));   /* cheapest on the frontier */
    assert_float_equal(c.frontier_icer[1], 60, 1e-12);
    assert_float_equal(c.frontier_icer[2], 150, 1e-12);
    assert_true(isnan(c.frontier_icer[5]));
}

/* Totals from a summary: sums over years, sexes and bands per arm, and the
 * population of the first year, found by role. */
static void test_totals(void **state)
{
    (void)state;
    os_summary s = {0};
    s.ncols = 2;
    strcpy(s.cols[0].name, "persons");
    s.cols[0].role = OS_ROLE_POPULATION;
    strcpy(s.cols[1].name, "money_discounted");
    s.cols[1].role = OS_ROLE_COST;
    s.cols[1].flags = OS_SUM_DISCOUNTED;
    int32_t year[4] = {2025, 2025, 2026, 2026}, arm[4] = {0, 1, 0, 1};
    double v[8] = {10, 1, 20, 2, 9, 3, 18, 4};
    s.nrows = 4;
    s.year = year;
    s.arm = arm;
    s.values = v;
    double tot[2][OS_MAX_SUMMARY_COLS], pop;
    os_cea_totals(&s, 2, tot, &pop);
    assert_float_equal(tot[0][1], 4, 0);
    assert_float_equal(tot[1][1], 6, 0);
    assert_float_equal(pop, 10, 0);
    os_arms two = {0};
    two.n = 2;
    two.names[0] = "a";
    two.names[1] = "b";
    static os_cea c;
    os_cea_setup(&c, &s, &two);
    assert_float_equal(c.cost[1], 6, 0);
    assert_float_equal(c.d_cost[1], 2, 0);
    assert_float_equal(c.effect[1], 0, 0);   /* no utility column */
    assert_int_equal(c.nwtp, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_increments_icer_nmb),
        cmocka_unit_test(test_dominance_and_frontier),
        cmocka_unit_test(test_totals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
