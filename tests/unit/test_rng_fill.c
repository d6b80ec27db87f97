/* Batched streams (rng_fill.h): every kernel the CPU runs gives exactly the
 * words of the scalar streams (os_rng_init + os_rng_seek_block +
 * os_rng_u32), for any count of agents, blocks, starting block, seed and
 * id; kernels the CPU cannot run are reported as skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rng_fill.h"

enum { CANARY = 8 };
static const uint32_t SENTINEL = 0xdeadbeefu;

/* The words of the scalar streams, as rng_fill.h defines them. */
static void reference(uint32_t *out, const uint32_t *ids, size_t n, uint64_t seed, uint32_t year,
                      uint32_t purpose, uint32_t block, uint32_t nblocks)
{
    for (size_t i = 0; i < n; i++) {
        os_rng r;
        os_rng_init_at(&r, seed, ids[i], year, purpose, block);
        for (size_t w = 0; w < (size_t)nblocks * 4; w++) out[i * nblocks * 4 + w] = os_rng_u32(&r);
    }
}

/* Makes kernel NAME the active one, or skips the test saying why. */
static void use_or_skip(const char *name)
{
    os_err err = {0};
    if (!os_rng_fill_available(name)) {
        assert_int_equal(os_rng_fill_use(name, &err), OS_ECONFIG);   /* for the reason */
        print_message("kernel %s skipped: %s\n", name, err.msg);
        skip();
    }
    assert_int_equal(os_rng_fill_use(name, &err), OS_OK);
    assert_string_equal(os_rng_fill_kernel(), name);
}

/* One case: the batch at an odd word offset (unaligned), with sentinels
 * before and after it that no kernel may overwrite. */
static void check_case(const uint32_t *ids, size_t n, uint64_t seed, uint32_t year,
                       uint32_t purpose, uint32_t block, uint32_t nblocks)
{
    size_t nw = n * nblocks * 4;
    uint32_t *want = malloc((nw + 1) * sizeof *want), *buf = malloc((nw + 2 * CANARY + 1) * sizeof *buf);
    assert_non_null(want);
    assert_non_null(buf);
    for (size_t w = 0; w < nw + 2 * CANARY + 1; w++) buf[w] = SENTINEL;
    uint32_t *got = buf + CANARY + 1;
    reference(want, ids, n, seed, year, purpose, block, nblocks);
    os_rng_fill(got, ids, n, seed, year, purpose, block, nblocks);
    for (size_t w = 0; w < nw; w++) {
        if (got[w] == want[w]) continue;
        fail_msg("%s: n %zu, seed %#llx, block %u, nblocks %u: agent %zu (id %u), block %zu, word %zu: %#x, scalar %#x",
                 os_rng_fill_kernel(), n, (unsigned long long)seed, block, nblocks,
                 w / (nblocks * 4), ids[w / (nblocks * 4)], w / 4 % nblocks, w % 4, got[w], want[w]);
    }
    for (size_t w = 0; w < CANARY + 1; w++) assert_int_equal(buf[w], SENTINEL);
    for (size_t w = 0; w < CANARY; w++) assert_int_equal(got[nw + w], SENTINEL);
    free(want);
    free(buf);
}

static void check_kernel(const char *name)
{
    use_or_skip(name);
    static const size_t ns[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 255, 256, 1000};
    static const uint32_t nbs[] = {1, 2, 3, 5, 8};
    static const uint32_t blocks[] = {0, 1, 7, 0xfffffffeu};   /* the last wraps */
    static const uint64_t seeds[] = {1, 42, 0x9e3779b97f4a7c15ull, 0xffffffff00000000ull, UINT64_MAX};
    uint32_t *ids = malloc(1000 * sizeof *ids);
    assert_non_null(ids);
    uint32_t purpose = os_rng_purpose("test.fill");
    for (int kind = 0; kind < 3; kind++) {
        /* consecutive ids, ids up to 2^32 - 1, scattered ids */
        for (uint32_t i = 0; i < 1000; i++)
            ids[i] = kind == 0 ? 1000 + i : kind == 1 ? UINT32_MAX - 999 + i : i * 2654435761u;
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            for (size_t b = 0; b < sizeof nbs / sizeof nbs[0]; b++)
                for (size_t c = 0; c < sizeof blocks / sizeof blocks[0]; c++) {
                    uint64_t seed = seeds[(a + b + c + (size_t)kind) % (sizeof seeds / sizeof seeds[0])];
                    uint32_t year = 2025 + (uint32_t)(a % 7);
                    check_case(ids, ns[a], seed, year, purpose ^ (uint32_t)c, blocks[c], nbs[b]);
                }
    }
    /* Every seed with every count that leaves a partial vector. */
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            check_case(ids, ns[a], seeds[s], 2030, purpose, 3, 1);
    /* n = 0 writes nothing. */
    check_case(ids, 0, 42, 2030, purpose, 0, 1);
    free(ids);
}

/* Random123's known answers for Philox4x32-10 (kat_vectors), through the
 * mapping key = (id, seed low), counter = (year, purpose, block, seed high):
 * anchors the kernels to the published generator, not only to each other. */
static void check_known_answers(const char *name)
{
    use_or_skip(name);
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t k = 0; k < sizeof kat / sizeof kat[0]; k++) {
        /* The same agent in every lane of two full vectors and a partial one. */
        enum { N = 37 };
        uint32_t ids[N], out[N * 4];
        for (int i = 0; i < N; i++) ids[i] = kat[k].key[0];
        uint64_t seed = (uint64_t)kat[k].ctr[3] << 32 | kat[k].key[1];
        os_rng_fill(out, ids, N, seed, kat[k].ctr[0], kat[k].ctr[1], kat[k].ctr[2], 1);
        for (int i = 0; i < N; i++)
            for (int w = 0; w < 4; w++) assert_int_equal(out[i * 4 + w], kat[k].out[w]);
    }
}

static void test_scalar(void **state) { (void)state; check_kernel("scalar"); }
static void test_sse2(void **state) { (void)state; check_kernel("sse2"); }
static void test_avx2(void **state) { (void)state; check_kernel("avx2"); }
static void test_avx512(void **state) { (void)state; check_kernel("avx512"); }
static void test_kat_scalar(void **state) { (void)state; check_known_answers("scalar"); }
static void test_kat_sse2(void **state) { (void)state; check_known_answers("sse2"); }
static void test_kat_avx2(void **state) { (void)state; check_known_answers("avx2"); }
static void test_kat_avx512(void **state) { (void)state; check_known_answers("avx512"); }

/* Choosing a kernel by name: aliases, and one line for a bad name. */
static void test_choice(void **state)
{
    (void)state;
    os_err err = {0};
    assert_int_equal(os_rng_fill_use("off", &err), OS_OK);
    assert_string_equal(os_rng_fill_kernel(), "scalar");
    assert_int_equal(os_rng_fill_use("auto", &err), OS_OK);
    const char *best = os_rng_fill_kernel();
    assert_true(os_rng_fill_available(best));
    print_message("auto chooses %s\n", best);
    assert_int_equal(os_rng_fill_use("avx9", &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "avx9"));
    assert_null(strchr(err.msg, '\n'));
    /* A failed choice keeps the kernel in use. */
    assert_string_equal(os_rng_fill_kernel(), best);
    assert_int_equal(os_rng_fill_available("avx9"), 0);
    for (const char *const *k = (const char *const[]){"sse2", "avx2", "avx512", NULL}; *k; k++) {
        err.msg[0] = 0;
        int rc = os_rng_fill_use(*k, &err);
        assert_int_equal(rc, os_rng_fill_available(*k) ? OS_OK : OS_ECONFIG);
        if (rc) print_message("%s refused: %s\n", *k, err.msg);
    }
}

/* The environment variable, as the command line reads it. */
static void test_setup_env(void **state)
{
    (void)state;
    os_err err = {0};
    setenv("OSTEOSIM_SIMD", "scalar", 1);
    assert_int_equal(os_rng_fill_setup(&err), OS_OK);
    assert_string_equal(os_rng_fill_kernel(), "scalar");
    setenv("OSTEOSIM_SIMD", "bogus", 1);
    assert_int_equal(os_rng_fill_setup(&err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "OSTEOSIM_SIMD=bogus"));
    unsetenv("OSTEOSIM_SIMD");
    assert_int_equal(os_rng_fill_setup(&err), OS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar),     cmocka_unit_test(test_sse2),
        cmocka_unit_test(test_avx2),       cmocka_unit_test(test_avx512),
        cmocka_unit_test(test_kat_scalar), cmocka_unit_test(test_kat_sse2),
        cmocka_unit_test(test_kat_avx2),   cmocka_unit_test(test_kat_avx512),
        cmocka_unit_test(test_choice),     cmocka_unit_test(test_setup_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
