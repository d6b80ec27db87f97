/* h5out_write.c - small writers shared by the output's groups and the
 * modules' write_output hooks: attributes and 1-D datasets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5io.h"
#include "h5out_int.h"

int os_h5_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, t, &value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return st < 0 ? -1 : 0;
}

char *os_h5_attr_read_str(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    char *s = NULL;
    if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
        char *v = NULL;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5T_CSET_UTF8);
        if (H5Aread(a, mt, &v) >= 0 && v) {
            s = strdup(v);
            H5free_memory(v);
        }
        H5Tclose(mt);
    }
    H5Tclose(t);
    H5Aclose(a);
    return s;
}

static int attr_scalar(hid_t obj, const char *name, hid_t type, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, type, v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return st < 0 ? -1 : 0;
}

int os_h5_attr_i64(hid_t obj, const char *name, long long value)
{
    return attr_scalar(obj, name, H5T_NATIVE_LLONG, &value);
}

int os_h5_attr_f64(hid_t obj, const char *name, double value)
{
    return attr_scalar(obj, name, H5T_NATIVE_DOUBLE, &value);
}

int os_h5_write_1d(hid_t loc, const char *name, hid_t type, const void *data,
                   size_t n, const char *units, const char *description,
                   int level, os_err *err)
{
    os_h5_pipe p = {OS_CODEC_DEFLATE, level};
    return os_h5_write_col(loc, name, type, data, n, units, description, p, 1, err);
}

int os_h5_write_col(hid_t loc, const char *name, hid_t type, const void *data, size_t n,
                    const char *units, const char *description, os_h5_pipe p, int threaded,
                    os_err *err)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int chunked = p.level > 0 && n > 0;
    os_h5_pipe_set(dcpl, p, n);
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    herr_t st;
    if (d < 0) st = -1;
    else if (n == 0) st = 0;
    else if (chunked && n > OS_H5_CHUNK_ROWS)
        st = os_h5_write_chunks(d, data, n, H5Tget_size(type), p, threaded);
    else
        st = H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (d >= 0) {
        /* Writes cached by HDF5 may fail only now, at the close. */
        if (units && os_h5_attr_str(d, "units", units)) st = -1;
        if (description && os_h5_attr_str(d, "description", description)) st = -1;
        if (H5Dclose(d) < 0) st = -1;
    }
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (st < 0)
        return os_fail(err, OS_ERUN, "HDF5: cannot write dataset '%s': %s", name,
                       os_h5io_reason("HDF5 error"));
    return OS_OK;
}

hid_t os_h5_coltype(os_coltype t)
{
    switch (t) {
    case OS_COL_F32: return H5T_NATIVE_FLOAT;
    case OS_COL_U8: return H5T_NATIVE_UINT8;
    case OS_COL_U16: return H5T_NATIVE_UINT16;
    case OS_COL_U32: return H5T_NATIVE_UINT32;
    case OS_COL_I16: return H5T_NATIVE_INT16;
    }
    return H5T_NATIVE_UINT8;
}

int os_h5_write_strings(hid_t loc, const char *name, const char *const *v, size_t n,
                        const char *description, os_err *err)
{
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(loc, name, st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d < 0 || (n && H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
                 ? os_fail(err, OS_ERUN, "HDF5: cannot write dataset %s", name) : OS_OK;
    if (d >= 0) {
        int bad = description && os_h5_attr_str(d, "description", description);
        if ((H5Dclose(d) < 0 || bad) && !rc)
            rc = os_fail(err, OS_ERUN, "HDF5: cannot write dataset %s: %s", name,
                         os_h5io_reason("HDF5 error"));
    }
    H5Sclose(sp);
    H5Tclose(st);
    return rc;
}
