/* test_h5copy.c - the checked group copy (sim/h5copy.h): every kind of
 * object the copy meets comes out as H5Ocopy would write it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "h5copy.h"

static void path_of(char *buf, size_t n, const char *name)
{
    mkdir(OS_TMP_DIR, 0777);
    snprintf(buf, n, "%s/%s", OS_TMP_DIR, name);
}

static void put_str_attr(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Awrite(a, t, &value) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

/* g/ with: a chunked, filtered, extensible 1-D dataset (several chunks,
 * the last partial), a contiguous 2-D dataset larger than one slab, a
 * scalar, an empty dataset, a nested group, a soft link, attributes. */
static void make_source(hid_t f)
{
    hid_t g = H5Gcreate2(f, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    put_str_attr(g, "description", "a group");
    int32_t ai[3] = {1, -2, 3};
    hsize_t three = 3;
    hid_t sp3 = H5Screate_simple(1, &three, NULL);
    hid_t a = H5Acreate2(g, "ints", H5T_STD_I32LE, sp3, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT32, ai);
    H5Aclose(a);
    H5Sclose(sp3);

    hsize_t n = 100000, max = H5S_UNLIMITED, ch = 16384;
    uint32_t *v = malloc(n * sizeof *v);
    for (hsize_t i = 0; i < n; i++) v[i] = (uint32_t)(i * 2654435761u);
    hid_t sp = H5Screate_simple(1, &n, &max);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &ch);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
    hid_t d = H5Dcreate2(g, "chunked", H5T_NATIVE_UINT32, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    put_str_attr(d, "units", "1");
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    free(v);

    hsize_t dims[2] = {300000, 3};
    double *m = malloc(dims[0] * dims[1] * sizeof *m);
    for (hsize_t i = 0; i < dims[0] * dims[1]; i++) m[i] = (double)i / 7.0;
    sp = H5Screate_simple(2, dims, NULL);
    hid_t sub = H5Gcreate2(g, "sub", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    d = H5Dcreate2(sub, "matrix", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m);
    H5Dclose(d);
    H5Sclose(sp);
    free(m);

    int16_t s = -7;
    sp = H5Screate(H5S_SCALAR);
    d = H5Dcreate2(sub, "scalar", H5T_STD_I16LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s);
    H5Dclose(d);
    H5Sclose(sp);
    H5Gclose(sub);

    hsize_t zero = 0;
    sp = H5Screate_simple(1, &zero, &max);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &ch);
    d = H5Dcreate2(g, "empty", H5T_NATIVE_UINT8, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Lcreate_soft("/g/chunked", g, "alias", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
}

/* Bytes of dataset NAME of F (in its native type), and its storage size. */
static void *read_all(hid_t f, const char *name, size_t *bytes, hsize_t *stored)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t t = H5Dget_type(d), mt = H5Tget_native_type(t, H5T_DIR_ASCEND), sp = H5Dget_space(d);
    *bytes = (size_t)H5Sget_simple_extent_npoints(sp) * H5Tget_size(mt);
    void *buf = malloc(*bytes ? *bytes : 1);
    if (*bytes) assert_true(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    *stored = H5Dget_storage_size(d);
    H5Sclose(sp);
    H5Tclose(mt);
    H5Tclose(t);
    H5Dclose(d);
    return buf;
}

static void test_copy_matches_source(void **state)
{
    (void)state;
    char src[1024], dst[1024];
    path_of(src, sizeof src, "h5copy_src.h5");
    path_of(dst, sizeof dst, "h5copy_dst.h5");
    hid_t f = H5Fcreate(src, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    make_source(f);
    hid_t t = H5Fcreate(dst, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t into = H5Gcreate2(t, "output", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    char what[1024];
    assert_int_equal(os_h5copy(f, "g", into, what, sizeof what), 0);
    H5Gclose(into);
    static const char *const names[] = {"g/chunked", "g/sub/matrix", "g/sub/scalar", "g/empty"};
    for (size_t i = 0; i < 4; i++) {
        char other[64];
        snprintf(other, sizeof other, "output/%s", names[i]);
        size_t na, nb;
        hsize_t sa, sb;
        void *a = read_all(f, names[i], &na, &sa), *b = read_all(t, other, &nb, &sb);
        assert_int_equal(na, nb);
        if (na) assert_memory_equal(a, b, na);
        assert_int_equal(sa, sb);  /* chunks copied as stored */
        free(a);
        free(b);
    }
    /* Still extensible, with the source's filters. */
    hid_t d = H5Dopen2(t, "output/g/chunked", H5P_DEFAULT);
    hid_t sp = H5Dget_space(d), dcpl = H5Dget_create_plist(d);
    hsize_t dim, max;
    H5Sget_simple_extent_dims(sp, &dim, &max);
    assert_true(max == H5S_UNLIMITED);
    assert_int_equal(H5Pget_nfilters(dcpl), 2);
    assert_true(H5Aexists(d, "units") > 0);
    hsize_t more = dim + 10;
    assert_true(H5Dset_extent(d, &more) >= 0);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Dclose(d);
    hid_t g = H5Gopen2(t, "output/g", H5P_DEFAULT);
    assert_true(H5Aexists(g, "description") > 0 && H5Aexists(g, "ints") > 0);
    H5L_info_t li;
    assert_true(H5Lget_info(g, "alias", &li, H5P_DEFAULT) >= 0);
    assert_int_equal(li.type, H5L_TYPE_SOFT);
    H5Gclose(g);
    H5Fclose(t);
    H5Fclose(f);
}

/* A failed call ends the copy with nothing left open, and names where. */
static void test_failure_names_object(void **state)
{
    (void)state;
    char src[1024], dst[1024];
    path_of(src, sizeof src, "h5copy_src2.h5");
    path_of(dst, sizeof dst, "h5copy_dst2.h5");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(src, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    make_source(f);
    hid_t t = H5Fcreate(dst, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    /* An object of that name already exists in the destination. */
    hid_t g = H5Gcreate2(t, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    char what[1024];
    assert_int_equal(os_h5copy(f, "g", t, what, sizeof what), -1);
    assert_string_equal(what, "/g");
    assert_int_equal(H5Fget_obj_count(t, H5F_OBJ_ALL), 1);  /* the file alone */
    assert_int_equal(H5Fget_obj_count(f, H5F_OBJ_ALL), 1);
    assert_int_equal(os_h5copy(f, "missing", t, what, sizeof what), -1);
    assert_string_equal(what, "/missing");
    H5Fclose(t);
    H5Fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_matches_source),
        cmocka_unit_test(test_failure_names_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
