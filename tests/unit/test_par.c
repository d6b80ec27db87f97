/* Splitting id blocks over ranks and placing each rank's rows in the
 * single-process order (par.h, h5par.h), checked by simulating K ranks in
 * one process: the placements must tile [0, total) in id order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "h5par.h"
#include "par.h"

static void test_split_is_contiguous_and_balanced(void **state)
{
    (void)state;
    static const uint64_t ns[] = {0, 1, 2, 7, 100, 20001, 600000000000ull};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (int k = 1; k <= 7; k++) {
            uint64_t prev = 0, small = UINT64_MAX, big = 0;
            for (int r = 0; r < k; r++) {
                uint64_t lo, hi;
                os_par_split(ns[i], r, k, &lo, &hi);
                assert_true(lo == prev);
                assert_true(hi >= lo);
                if (hi - lo < small) small = hi - lo;
                if (hi - lo > big) big = hi - lo;
                prev = hi;
            }
            assert_true(prev == ns[i]);
            assert_true(big - small <= 1);
        }
}

static void test_count_by_block(void **state)
{
    (void)state;
    os_pop p;
    os_pop_init(&p);
    os_err err = {0};
    /* This rank's parts: [0,3), an empty part [10,10), [20,25). */
    assert_int_equal(os_pop_add_block(&p, 0, 3, &err), 0);
    assert_int_equal(os_pop_add_block(&p, 10, 10, &err), 0);
    assert_int_equal(os_pop_add_block(&p, 20, 25, &err), 0);
    const uint32_t ids[] = {0, 2, 20, 21, 24};  /* survivors, in id order */
    uint64_t cnt[3];
    os_h5par_count(&p, ids, 5, cnt);
    assert_int_equal(cnt[0], 2);
    assert_int_equal(cnt[1], 0);
    assert_int_equal(cnt[2], 3);
    os_pop_free(&p);
}

/* The placement rule of os_h5par_place for K simulated ranks: every
 * (rank, block) part lands right after the previous one in id order. */
static void test_place_tiles_in_id_order(void **state)
{
    (void)state;
    uint64_t cnt[1] = {5}, off[1], total;
    /* One process: rows go where they are. */
    assert_int_equal(os_h5par_place(cnt, 1, off, &total), 0);
    assert_true(off[0] == 0 && total == 5);

    /* K ranks, blocks of sizes n_b split by os_par_split: the id of a
     * rank's first row of block b must equal the number of ids before it. */
    enum { K = 3, NB = 4 };
    static const uint64_t n[NB] = {10, 0, 4, 7};
    uint64_t first = 0, pos = 0;
    for (int b = 0; b < NB; b++) {
        for (int r = 0; r < K; r++) {
            uint64_t lo, hi;
            os_par_split(n[b], r, K, &lo, &hi);
            assert_true(first + lo == pos);  /* all ids alive: position = id */
            pos += hi - lo;
        }
        first += n[b];
    }
    assert_true(pos == first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_is_contiguous_and_balanced),
        cmocka_unit_test(test_count_by_block),
        cmocka_unit_test(test_place_tiles_in_id_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
