/* The event log: a chunk's buffer grows as events are logged, and an event
 * it cannot store is counted and fails the run after the pass, rather than
 * being lost silently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine_int.h"

static void test_grows(void **state)
{
    (void)state;
    os_event_buf b = {0};
    os_chunk c = {0};
    c.events = &b;
    for (uint32_t i = 0; i < 1000; i++) os_event_log(&c, i, 2030, 1, (int)(i % 3));
    assert_int_equal(b.n, 1000);
    assert_int_equal(b.lost, 0);
    assert_true(b.cap >= b.n);
    assert_int_equal(b.ev[999].id, 999);
    assert_int_equal(b.ev[999].year, 2030);
    assert_int_equal(b.ev[998].site, 998 % 3);
    os_err err = {0};
    assert_int_equal(os_events_check(&b, 1, 2030, &err), OS_OK);
    free(b.ev);
}

static void test_no_log(void **state)
{
    (void)state;
    os_chunk c = {0};  /* output.event_log off: no buffer */
    os_event_log(&c, 1, 2030, 1, 0);
    assert_null(c.events);
}

/* A full buffer whose doubled size does not fit in size_t cannot grow. */
static void test_lost_fails_run(void **state)
{
    (void)state;
    os_event_buf b[2] = {{0}, {0}};
    b[1].cap = b[1].n = SIZE_MAX / 2 / sizeof(os_event) + 1;
    os_chunk c = {0};
    c.events = &b[1];
    os_event_log(&c, 7, 2031, 2, 0);
    os_event_log(&c, 8, 2031, 2, 0);
    assert_int_equal(b[1].lost, 2);
    assert_null(b[1].ev);
    os_err err = {0};
    assert_int_equal(os_events_check(b, 2, 2031, &err), OS_ERUN);
    assert_int_equal(err.code, OS_ERUN);
    assert_non_null(strstr(err.msg, "event log"));
    assert_non_null(strstr(err.msg, "2 events of 2031"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows),
        cmocka_unit_test(test_no_log),
        cmocka_unit_test(test_lost_fails_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
