/* h5copy.c - checked object-by-object copy between HDF5 files (h5copy.h). */
#include "h5copy.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes per slab of a dataset that is not chunked. */
#define SLAB_BYTES ((size_t)4 << 20)

typedef struct copy_ctx {
    hid_t to;    /* destination group */
    char *path;  /* object being copied, for the message (the caller's) */
    size_t cap;  /* bytes at path */
} copy_ctx;

static int copy_object(hid_t from, const char *name, hid_t to, copy_ctx *c);

static int has_vlen(hid_t type)
{
    return H5Tdetect_class(type, H5T_VLEN) > 0 || H5Tis_variable_str(type) > 0;
}

/* One attribute: read in its native type, written with its file type. */
static herr_t copy_attr(hid_t src, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    hid_t dst = *(hid_t *)data;
    hid_t a = H5Aopen(src, name, H5P_DEFAULT);
    hid_t ft = a < 0 ? -1 : H5Aget_type(a);
    hid_t sp = a < 0 ? -1 : H5Aget_space(a);
    hid_t mt = ft < 0 ? -1 : H5Tget_native_type(ft, H5T_DIR_ASCEND);
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    size_t es = mt < 0 ? 0 : H5Tget_size(mt);
    void *buf = n < 0 || !es ? NULL : calloc((size_t)(n ? n : 1), es);
    int read = buf && H5Aread(a, mt, buf) >= 0;
    hid_t na = read ? H5Acreate2(dst, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t st = na >= 0 && H5Awrite(na, mt, buf) >= 0 ? 0 : -1;
    if (na >= 0 && H5Aclose(na) < 0) st = -1;
    if (read && has_vlen(mt) && H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf) < 0) st = -1;
    free(buf);
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (ft >= 0) H5Tclose(ft);
    if (a >= 0) H5Aclose(a);
    return st;
}

int os_h5copy_attrs(hid_t src, hid_t dst)
{
    hsize_t idx = 0;
    return H5Aiterate2(src, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, copy_attr, &dst) < 0 ? -1 : 0;
}

/* Chunks as stored: the same filtered bytes, no decompression.  SP: the
 * dataspace of D, all selected (1.10 refuses H5S_ALL here). */
static int copy_chunks(hid_t d, hid_t nd, hid_t sp)
{
    hsize_t n = 0, off[H5S_MAX_RANK], size = 0;
    if (H5Sselect_all(sp) < 0 || H5Dget_num_chunks(d, sp, &n) < 0) return -1;
    void *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (hsize_t i = 0; i < n && !rc; i++) {
        unsigned mask = 0;
        haddr_t addr;
        uint32_t filters = 0;
        if (H5Dget_chunk_info(d, sp, i, off, &mask, &addr, &size) < 0) { rc = -1; break; }
        if (size > cap) {
            void *nb = realloc(buf, size);
            if (!nb) { rc = -1; break; }
            buf = nb;
            cap = size;
        }
        if (H5Dread_chunk(d, H5P_DEFAULT, off, &filters, buf) < 0 ||
            H5Dwrite_chunk(nd, H5P_DEFAULT, filters, off, size, buf) < 0)
            rc = -1;
    }
    free(buf);
    return rc;
}

/* One slab of rows [START, START + COUNT) along the first dimension. */
static int copy_slab(hid_t d, hid_t nd, hid_t mt, hid_t fs, int rank, const hsize_t *dims,
                     hsize_t start, hsize_t count, void *buf)
{
    hsize_t s[H5S_MAX_RANK] = {0}, cnt[H5S_MAX_RANK];
    memcpy(cnt, dims, (size_t)rank * sizeof *cnt);
    s[0] = start;
    cnt[0] = count;
    hid_t ms = H5Screate_simple(rank, cnt, NULL);
    int rc = ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, s, NULL, cnt, NULL) < 0 ? -1 : 0;
    int read = !rc && H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf) >= 0;
    if (!read || H5Dwrite(nd, mt, ms, fs, H5P_DEFAULT, buf) < 0) rc = -1;
    if (read && has_vlen(mt) && H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, buf) < 0) rc = -1;
    if (ms >= 0) H5Sclose(ms);
    return rc;
}

/* A contiguous or compact dataset: read and written in slabs of rows. */
static int copy_rows(hid_t d, hid_t nd, hid_t ft, hid_t sp)
{
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[H5S_MAX_RANK];
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    hid_t mt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
    size_t es = mt < 0 ? 0 : H5Tget_size(mt);
    if (rank < 0 || n < 0 || !es || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        if (mt >= 0) H5Tclose(mt);
        return -1;
    }
    int rc = 0;
    if (rank == 0 || n == 0) {  /* a scalar, or nothing to copy */
        void *buf = n ? calloc(1, es) : NULL;
        int read = buf && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
        if (n && (!read || H5Dwrite(nd, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)) rc = -1;
        if (read && has_vlen(mt) && H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf) < 0) rc = -1;
        free(buf);
    } else {
        size_t row = es * (size_t)(n / (hssize_t)dims[0]);
        hsize_t step = row < SLAB_BYTES ? SLAB_BYTES / row : 1;
        if (step > dims[0]) step = dims[0];
        void *buf = calloc(step, row);
        hid_t fs = buf ? H5Dget_space(nd) : -1;
        if (fs < 0) rc = -1;
        for (hsize_t r = 0; r < dims[0] && !rc; r += step)
            rc = copy_slab(d, nd, mt, fs, rank, dims, r, dims[0] - r < step ? dims[0] - r : step, buf);
        if (fs >= 0) H5Sclose(fs);
        free(buf);
    }
    H5Tclose(mt);
    return rc;
}

/* A dataset with its type, shape (maximum too), creation properties and
 * attributes. */
static int copy_dataset(hid_t d, const char *name, hid_t to)
{
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d), dcpl = H5Dget_create_plist(d);
    hid_t nd = ft < 0 || sp < 0 || dcpl < 0 ? -1
               : H5Dcreate2(to, name, ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int rc = nd < 0 ? -1 : 0;
    if (!rc) rc = H5Pget_layout(dcpl) == H5D_CHUNKED ? copy_chunks(d, nd, sp) : copy_rows(d, nd, ft, sp);
    if (!rc) rc = os_h5copy_attrs(d, nd);
    if (nd >= 0 && H5Dclose(nd) < 0) rc = -1;
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    if (ft >= 0) H5Tclose(ft);
    return rc;
}

static herr_t copy_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    copy_ctx *c = data;
    if (info->type == H5L_TYPE_HARD) return copy_object(g, name, c->to, c) ? -1 : 0;
    if (info->type != H5L_TYPE_SOFT) return -1;  /* external links: none are written */
    char target[1024];
    if (info->u.val_size > sizeof target || H5Lget_val(g, name, target, sizeof target, H5P_DEFAULT) < 0)
        return -1;
    return H5Lcreate_soft(target, c->to, name, H5P_DEFAULT, H5P_DEFAULT) < 0 ? -1 : 0;
}

static int copy_group(hid_t g, const char *name, hid_t to, copy_ctx *c)
{
    hid_t ng = H5Gcreate2(to, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = ng < 0 || os_h5copy_attrs(g, ng) ? -1 : 0;
    if (!rc) {
        copy_ctx sub = *c;
        sub.to = ng;
        rc = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, copy_link, &sub) < 0 ? -1 : 0;
    }
    if (ng >= 0 && H5Gclose(ng) < 0) rc = -1;
    return rc;
}

static int copy_object(hid_t from, const char *name, hid_t to, copy_ctx *c)
{
    size_t len = strlen(c->path);
    assert(len < c->cap);
    snprintf(c->path + len, c->cap - len, "/%s", name);
    hid_t o = H5Oopen(from, name, H5P_DEFAULT);
    H5I_type_t t = o < 0 ? H5I_BADID : H5Iget_type(o);
    int rc = t == H5I_GROUP ? copy_group(o, name, to, c)
             : t == H5I_DATASET ? copy_dataset(o, name, to) : -1;
    if (o >= 0) H5Oclose(o);
    if (!rc) c->path[len] = 0;  /* on failure the path names the object */
    return rc;
}

int os_h5copy(hid_t from, const char *name, hid_t to, char *path, size_t n)
{
    assert(path && n > 0);
    copy_ctx c = {to, path, n};
    path[0] = 0;
    return copy_object(from, name, to, &c);
}
