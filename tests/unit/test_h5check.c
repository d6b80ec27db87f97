/* Readers of untrusted HDF5 files: checksums, attributes only as scalars of
 * their class, datasets only as 1-D with their declared size stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt_valid.h"
#include "h5check.h"

static void test_fnv1a64_vectors(void **state)
{
    (void)state;
    /* Published FNV-1a 64 test vectors. */
    assert_true(os_fnv1a64(OS_FNV_INIT, "", 0) == 0xcbf29ce484222325ULL);
    assert_true(os_fnv1a64(OS_FNV_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(os_fnv1a64(OS_FNV_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
    /* Continuing a hash equals hashing the concatenation. */
    assert_true(os_fnv1a64(os_fnv1a64(OS_FNV_INIT, "foo", 3), "bar", 3) ==
                os_fnv1a64(OS_FNV_INIT, "foobar", 6));
}

static hid_t make_file(const char *name, char *path, size_t n)
{
    mkdir(OS_TMP_DIR, 0777);
    snprintf(path, n, "%s/%s", OS_TMP_DIR, name);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
}

static void put_attr(hid_t f, const char *name, hid_t type, hsize_t n, const void *v)
{
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, v);
    H5Aclose(a);
    H5Sclose(sp);
}

static void test_attributes_only_as_scalars(void **state)
{
    (void)state;
    char path[512];
    hid_t f = make_file("h5check_attrs.h5", path, sizeof path);
    assert_true(f >= 0);
    long long one = 7, many[3] = {1, 2, 3};
    double x = 2.5;
    put_attr(f, "one", H5T_NATIVE_LLONG, 0, &one);
    put_attr(f, "many", H5T_NATIVE_LLONG, 3, many);
    put_attr(f, "x", H5T_NATIVE_DOUBLE, 0, &x);
    assert_int_equal(os_h5c_attr_put_u64(f, "sum", 0xfedcba9876543210ULL), 0);

    long long v = 0;
    uint64_t u = 0;
    double d = 0;
    char *s = NULL;
    assert_int_equal(os_h5c_attr_int(f, "one", &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(os_h5c_attr_int(f, "many", &v), OS_H5C_BAD);   /* would overrun v */
    assert_int_equal(os_h5c_attr_int(f, "x", &v), OS_H5C_BAD);
    assert_int_equal(os_h5c_attr_int(f, "absent", &v), OS_H5C_ABSENT);
    assert_int_equal(os_h5c_attr_int(f, "sum", &v), OS_H5C_BAD);    /* past LLONG_MAX */
    assert_int_equal(os_h5c_attr_u64(f, "sum", &u), 0);
    assert_true(u == 0xfedcba9876543210ULL);
    assert_int_equal(os_h5c_attr_u64(f, "one", &u), OS_H5C_BAD);    /* signed */
    assert_int_equal(os_h5c_attr_num(f, "x", &d), 0);
    assert_true(d == 2.5);
    assert_int_equal(os_h5c_attr_num(f, "one", &d), 0);
    assert_true(d == 7);
    assert_int_equal(os_h5c_attr_str(f, "one", &s), OS_H5C_BAD);
    assert_null(s);
    H5Fclose(f);
    remove(path);
}

static void test_dataset_sizes_must_be_stored(void **state)
{
    (void)state;
    char path[512];
    hid_t f = make_file("h5check_dsets.h5", path, sizeof path);
    assert_true(f >= 0);
    float v[100] = {0};
    hsize_t n = 100, huge = 1000000000000ULL, chunk = 1024, two[2] = {10, 10};
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, "ok", H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(sp);
    /* A trillion rows declared, none written: a few hundred bytes of file. */
    sp = H5Screate_simple(1, &huge, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    d = H5Dcreate2(f, "unstored", H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    sp = H5Screate_simple(2, two, NULL);
    d = H5Dcreate2(f, "square", H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(sp);
    H5Gclose(H5Gcreate2(f, "group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));

    os_h5c_dset ds;
    const char *why = NULL;
    assert_int_equal(os_h5c_dataset(f, "ok", &ds, &why), 0);
    assert_int_equal(ds.rows, 100);
    assert_int_equal(ds.cls, H5T_FLOAT);
    assert_int_equal(ds.size, 4);
    assert_int_equal(os_h5c_dataset(f, "unstored", &ds, &why), -1);
    assert_string_equal(why, "declares more rows than it stores");
    assert_int_equal(os_h5c_dataset(f, "square", &ds, &why), -1);
    assert_string_equal(why, "is not a 1-D dataset");
    assert_int_equal(os_h5c_dataset(f, "group", &ds, &why), -1);
    assert_string_equal(why, "is not a dataset");
    assert_int_equal(os_h5c_dataset(f, "absent", &ds, &why), -1);
    assert_string_equal(why, "is missing");

    /* Checksums: written beside the data, verified against it. */
    assert_int_equal(os_ckpt_put_sum(f, "ok", v, sizeof v), 0);
    os_err err = {0};
    assert_int_equal(os_ckpt_verify_sum(f, "pop", "ok", v, sizeof v, "x.h5", &err), 0);
    v[3] = 1.0f;
    assert_int_equal(os_ckpt_verify_sum(f, "pop", "ok", v, sizeof v, "x.h5", &err), OS_ECONFIG);
    assert_string_equal(err.msg, "x.h5: corrupt checkpoint: dataset /pop/ok does not match its checksum");
    H5Fclose(f);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv1a64_vectors),
        cmocka_unit_test(test_attributes_only_as_scalars),
        cmocka_unit_test(test_dataset_sizes_must_be_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
