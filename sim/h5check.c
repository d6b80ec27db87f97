#include "h5check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opens attribute NAME if it holds exactly one value of class CLS. */
static hid_t open_scalar(hid_t obj, const char *name, H5T_class_t cls, hid_t *type, int *rc)
{
    *type = -1;
    if (H5Aexists(obj, name) <= 0) {
        *rc = OS_H5C_ABSENT;
        return -1;
    }
    *rc = OS_H5C_BAD;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t sp = H5Aget_space(a);
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    if (sp >= 0) H5Sclose(sp);
    *type = H5Aget_type(a);
    if (n != 1 || *type < 0 || H5Tget_class(*type) != cls) {
        if (*type >= 0) H5Tclose(*type);
        *type = -1;
        H5Aclose(a);
        return -1;
    }
    *rc = 0;
    return a;
}

int os_h5c_attr_int(hid_t obj, const char *name, long long *v)
{
    hid_t t;
    int rc;
    hid_t a = open_scalar(obj, name, H5T_INTEGER, &t, &rc);
    if (a < 0) return rc;
    /* An unsigned 64-bit value past LLONG_MAX does not fit. */
    if (H5Tget_size(t) > sizeof *v || (H5Tget_size(t) == sizeof *v && H5Tget_sign(t) == H5T_SGN_NONE))
        rc = OS_H5C_BAD;
    if (!rc && H5Aread(a, H5T_NATIVE_LLONG, v) < 0) rc = OS_H5C_BAD;
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

int os_h5c_attr_u64(hid_t obj, const char *name, uint64_t *v)
{
    hid_t t;
    int rc;
    hid_t a = open_scalar(obj, name, H5T_INTEGER, &t, &rc);
    if (a < 0) return rc;
    if (H5Tget_sign(t) != H5T_SGN_NONE || H5Tget_size(t) > sizeof *v) rc = OS_H5C_BAD;
    if (!rc && H5Aread(a, H5T_NATIVE_UINT64, v) < 0) rc = OS_H5C_BAD;
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

int os_h5c_attr_num(hid_t obj, const char *name, double *v)
{
    hid_t t;
    int rc;
    hid_t a = open_scalar(obj, name, H5T_INTEGER, &t, &rc);
    if (a < 0 && rc == OS_H5C_BAD) a = open_scalar(obj, name, H5T_FLOAT, &t, &rc);
    if (a < 0) return rc;
    if (H5Aread(a, H5T_NATIVE_DOUBLE, v) < 0) rc = OS_H5C_BAD;
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

int os_h5c_attr_str(hid_t obj, const char *name, char **s)
{
    *s = NULL;
    hid_t t;
    int rc;
    hid_t a = open_scalar(obj, name, H5T_STRING, &t, &rc);
    if (a < 0) return rc;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(t));
    if (H5Tis_variable_str(t) > 0) {
        char *v = NULL;
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Aread(a, mt, &v) >= 0) *s = strdup(v ? v : "");
        if (v) H5free_memory(v);
    } else {
        size_t n = H5Tget_size(t);
        char *buf = calloc(1, n + 1);
        H5Tset_size(mt, n);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        if (buf && H5Aread(a, mt, buf) >= 0) *s = buf;
        else free(buf);
    }
    H5Tclose(mt);
    H5Tclose(t);
    H5Aclose(a);
    return *s ? 0 : OS_H5C_BAD;
}

int os_h5c_attr_put_u64(hid_t obj, const char *name, uint64_t v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_UINT64, &v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return st < 0 ? -1 : 0;
}

int os_h5c_is_group(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return 0;
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0) return 0;
    int is = H5Iget_type(o) == H5I_GROUP;
    H5Oclose(o);
    return is;
}

/* Deflate, the only filter osteosim writes, compresses at most ~1032:1;
 * stored bytes times this bound a dataset's real size. */
#define OS_H5C_MAX_RATIO 1100u

static const char *check_storage(hid_t d, const os_h5c_dset *ds)
{
    uint64_t stored = H5Dget_storage_size(d);
    hid_t f = H5Iget_file_id(d);
    hsize_t fsize = 0;
    if (f < 0 || H5Fget_filesize(f, &fsize) < 0) fsize = 0;
    if (f >= 0) H5Fclose(f);
    if (stored > fsize) return "claims more bytes than the file holds";
    if (ds->size && ds->rows > UINT64_MAX / ds->size / OS_H5C_MAX_RATIO) return "declares too many rows";
    uint64_t declared = (uint64_t)ds->rows * ds->size;
    if (declared > stored * OS_H5C_MAX_RATIO + 4096) return "declares more rows than it stores";
    return NULL;
}

int os_h5c_dataset(hid_t loc, const char *name, os_h5c_dset *ds, const char **why)
{
    memset(ds, 0, sizeof *ds);
    *why = "is missing";
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0) return -1;
    *why = "is not a dataset";
    if (H5Iget_type(o) != H5I_DATASET) {
        H5Oclose(o);
        return -1;
    }
    hid_t sp = H5Dget_space(o), t = H5Dget_type(o);
    *why = "is not a 1-D dataset";
    int ok = sp >= 0 && t >= 0 && H5Sget_simple_extent_ndims(sp) == 1;
    if (ok) {
        ds->rows = (size_t)H5Sget_simple_extent_npoints(sp);
        ds->cls = H5Tget_class(t);
        ds->size = H5Tget_size(t);
        ds->is_signed = ds->cls == H5T_INTEGER && H5Tget_sign(t) != H5T_SGN_NONE;
        const char *bad = check_storage(o, ds);
        if (bad) {
            *why = bad;
            ok = 0;
        }
    }
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    H5Oclose(o);
    return ok ? 0 : -1;
}

const char *os_h5c_type_name(H5T_class_t cls, size_t size, int is_signed, char *buf, size_t n)
{
    if (cls == H5T_INTEGER) snprintf(buf, n, "%sint%zu", is_signed ? "" : "u", 8 * size);
    else if (cls == H5T_FLOAT) snprintf(buf, n, "float%zu", 8 * size);
    else snprintf(buf, n, "%s", cls == H5T_STRING ? "string" : "a non-numeric type");
    return buf;
}

typedef struct link_list {
    char **v;
    int n, cap, bad;
} link_list;

static herr_t add_link(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
    (void)g;
    (void)info;
    link_list *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) { l->bad = 1; return -1; }
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(name))) { l->bad = 1; return -1; }
    l->n++;
    return 0;
}

int os_h5c_links(hid_t g, char ***names)
{
    link_list l = {0};
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, add_link, &l) < 0 || l.bad) {
        os_h5c_links_free(l.v, l.n);
        *names = NULL;
        return -1;
    }
    *names = l.v;
    return l.n;
}

void os_h5c_links_free(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

uint64_t os_fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
