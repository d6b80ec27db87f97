/* test_h5lz4.c - the LZ4 filter of per-agent datasets (sim/h5out_lz4.c):
 * data round-trip through HDF5's pipeline and through the chunk writer
 * (os_h5_write_chunks), whose chunks are byte for byte those of the
 * pipeline; incompressible blocks (stored), several blocks per chunk (as
 * other writers of filter 32004 may make them) and damaged chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "h5out_int.h"

#define N (3 * OS_H5_CHUNK_ROWS + 1234)

static void path_of(char *buf, size_t n, const char *name)
{
    mkdir(OS_TMP_DIR, 0777);
    snprintf(buf, n, "%s/%s", OS_TMP_DIR, name);
}

/* Values that compress well in the first half, random bytes (which LZ4
 * cannot shrink: stored blocks) in the second. */
static uint32_t *values(void)
{
    uint32_t *v = malloc(N * sizeof *v);
    assert_non_null(v);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v[i] = i < N / 2 ? (uint32_t)(i / 100) : (uint32_t)x;
    }
    return v;
}

static hid_t dataset(hid_t f, const char *name, const unsigned *cd, size_t ncd)
{
    hsize_t dim = N, ch = OS_H5_CHUNK_ROWS;
    hid_t sp = H5Screate_simple(1, &dim, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &ch);
    H5Pset_shuffle(dcpl);
    assert_true(H5Pset_filter(dcpl, OS_H5Z_LZ4, H5Z_FLAG_MANDATORY, ncd, cd) >= 0);
    hid_t d = H5Dcreate2(f, name, H5T_NATIVE_UINT32, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(d >= 0);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return d;
}

static void read_equal(hid_t f, const char *name, const uint32_t *v)
{
    uint32_t *r = calloc(N, sizeof *r);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    assert_true(d >= 0);
    assert_true(H5Dread(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, r) >= 0);
    assert_memory_equal(r, v, N * sizeof *v);
    H5Dclose(d);
    free(r);
}

static unsigned char *chunk_of(hid_t d, hsize_t off, hsize_t *len)
{
    uint32_t mask = 1;
    assert_true(H5Dget_chunk_storage_size(d, &off, len) >= 0);
    unsigned char *c = malloc(*len);
    assert_true(H5Dread_chunk(d, H5P_DEFAULT, &off, &mask, c) >= 0);
    assert_int_equal(mask, 0);
    return c;
}

static void test_roundtrip_and_same_chunks(void **state)
{
    (void)state;
    if (os_h5_lz4_register()) skip();
    char path[512];
    path_of(path, sizeof path, "lz4.h5");
    uint32_t *v = values();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t a = dataset(f, "pipeline", NULL, 0);
    assert_true(H5Dwrite(a, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    os_h5_pipe p = {OS_CODEC_LZ4, 1};
    for (int threaded = 0; threaded < 2; threaded++) {
        const char *name = threaded ? "threaded" : "serial";
        hid_t b = dataset(f, name, NULL, 0);
        assert_true(os_h5_write_chunks(b, v, N, 4, p, threaded) >= 0);
        for (hsize_t off = 0; off < N; off += OS_H5_CHUNK_ROWS) {
            hsize_t la, lb;
            unsigned char *ca = chunk_of(a, off, &la), *cb = chunk_of(b, off, &lb);
            assert_int_equal(la, lb);
            assert_memory_equal(ca, cb, la);
            free(ca);
            free(cb);
        }
        H5Dclose(b);
    }
    /* The random half is stored: its chunks are larger than the data. */
    hsize_t off = 2 * OS_H5_CHUNK_ROWS, len;
    unsigned char *c = chunk_of(a, off, &len);
    assert_int_equal(len, 12 + 4 + OS_H5_CHUNK_ROWS * 4);
    free(c);
    H5Dclose(a);
    /* Several blocks per chunk, as the plugin writes with a block size. */
    unsigned block = 10000;
    hid_t m = dataset(f, "blocks", &block, 1);
    assert_true(H5Dwrite(m, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(m);
    H5Fclose(f);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    read_equal(f, "pipeline", v);
    read_equal(f, "serial", v);
    read_equal(f, "threaded", v);
    read_equal(f, "blocks", v);
    H5Fclose(f);
    free(v);
}

static void test_damaged_chunk_fails(void **state)
{
    (void)state;
    if (os_h5_lz4_register()) skip();
    char path[512];
    path_of(path, sizeof path, "lz4_bad.h5");
    uint32_t *v = values();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t d = dataset(f, "bad", NULL, 0);
    os_h5_pipe p = {OS_CODEC_LZ4, 1};
    assert_true(os_h5_write_chunks(d, v, N, 4, p, 0) >= 0);
    hsize_t off = 0, len;
    unsigned char *c = chunk_of(d, off, &len);
    /* A compressed block cut short, then one whose size runs past the end. */
    assert_true(H5Dwrite_chunk(d, H5P_DEFAULT, 0, &off, len - 7, c) >= 0);
    c[15] ^= 0x40;
    off = OS_H5_CHUNK_ROWS;
    assert_true(H5Dwrite_chunk(d, H5P_DEFAULT, 0, &off, len, c) >= 0);
    free(c);
    H5Dclose(d);
    H5Fclose(f);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(f, "bad", H5P_DEFAULT);
    uint32_t *r = malloc(OS_H5_CHUNK_ROWS * sizeof *r);
    H5E_BEGIN_TRY {
        for (hsize_t k = 0; k < 2; k++) {
            hsize_t start = k * OS_H5_CHUNK_ROWS, count = OS_H5_CHUNK_ROWS;
            hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &count, NULL);
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
            assert_true(H5Dread(d, H5T_NATIVE_UINT32, ms, fs, H5P_DEFAULT, r) < 0);
            H5Sclose(ms);
            H5Sclose(fs);
        }
    } H5E_END_TRY;
    free(r);
    H5Dclose(d);
    H5Fclose(f);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_and_same_chunks),
        cmocka_unit_test(test_damaged_chunk_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
