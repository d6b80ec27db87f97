#include "ckpt_valid.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5check.h"
#include "model.h"
#include "par.h"

/* One process: an input error (exit 2).  Under MPI a fault in one rank's
 * part is that rank's alone; a run failure ends every rank (cmd_run.c). */
static int bad_code(void)
{
    return os_par_size() > 1 ? OS_ERUN : OS_ECONFIG;
}

int os_ckpt_corrupt(os_err *err, const char *path, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return os_fail(err, bad_code(), "%s: corrupt checkpoint: %s", path, msg);
}

static hid_t not_ours(const char *path, os_err *err, const char *why)
{
    os_fail(err, OS_ECONFIG, "%s: not an osteosim checkpoint: %s", path, why);
    return -1;
}

hid_t os_ckpt_open(const char *path, os_err *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, R_OK) != 0) return not_ours(path, err, "cannot read the file (missing?)");
    if (H5Fis_hdf5(path) <= 0) return not_ours(path, err, "not an HDF5 file");
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return not_ours(path, err, "HDF5 cannot open it");
    char *fmt = NULL;
    long long v = 0;
    const char *why = NULL;
    if (os_h5c_attr_str(f, "format", &fmt) || strncmp(fmt, OS_CKPT_FORMAT, strlen(OS_CKPT_FORMAT)) != 0)
        why = "no format attribute \"" OS_CKPT_FORMAT "\"";
    else if (strcmp(fmt, OS_CKPT_FORMAT "-1") == 0)
        v = 1;  /* before versions were numbered; no checksums */
    else if (strcmp(fmt, OS_CKPT_FORMAT) != 0 || os_h5c_attr_int(f, "format_version", &v))
        why = "no integer format_version attribute";
    free(fmt);
    char msg[160];
    if (!why && v != OS_CKPT_VERSION) {
        snprintf(msg, sizeof msg, "format version %lld, but this osteosim reads version %d only",
                 v, OS_CKPT_VERSION);
        why = msg;
    }
    if (why) {
        H5Fclose(f);
        return not_ours(path, err, why);
    }
    return f;
}

int os_ckpt_attr(hid_t f, const char *name, long long lo, long long hi, long long *v,
                 const char *path, os_err *err)
{
    int rc = os_h5c_attr_int(f, name, v);
    if (rc == OS_H5C_ABSENT) return os_ckpt_corrupt(err, path, "attribute %s is missing", name);
    if (rc) return os_ckpt_corrupt(err, path, "attribute %s is not a scalar integer", name);
    if (*v < lo || *v > hi)
        return os_ckpt_corrupt(err, path, "attribute %s is %lld, expected %lld to %lld", name, *v, lo, hi);
    return OS_OK;
}

int os_ckpt_shape(hid_t loc, const char *group, const char *name, hid_t type,
                  size_t want, const char *what, size_t *rows, const char *path, os_err *err)
{
    os_h5c_dset d;
    const char *why;
    if (os_h5c_dataset(loc, name, &d, &why))
        return os_ckpt_corrupt(err, path, "dataset /%s/%s %s", group, name, why);
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    int sgn = cls == H5T_INTEGER && H5Tget_sign(type) != H5T_SGN_NONE;
    if (d.cls != cls || d.size != size || d.is_signed != sgn) {
        char have[32], exp[32];
        return os_ckpt_corrupt(err, path, "dataset /%s/%s is %s, expected %s", group, name,
                               os_h5c_type_name(d.cls, d.size, d.is_signed, have, sizeof have),
                               os_h5c_type_name(cls, size, sgn, exp, sizeof exp));
    }
    if (want != SIZE_MAX && d.rows != want)
        return os_ckpt_corrupt(err, path, "dataset /%s/%s has %zu rows, expected %zu%s%s%s", group,
                               name, d.rows, want, what ? " (" : "", what ? what : "", what ? ")" : "");
    *rows = d.rows;
    return OS_OK;
}

int os_ckpt_put_sum(hid_t loc, const char *name, const void *data, size_t bytes)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    int rc = os_h5c_attr_put_u64(d, OS_CKPT_SUM, os_fnv1a64(OS_FNV_INIT, data, bytes));
    if (H5Dclose(d) < 0) rc = -1;
    return rc;
}

int os_ckpt_verify_sum(hid_t loc, const char *group, const char *name, const void *data,
                       size_t bytes, const char *path, os_err *err)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    uint64_t want = 0;
    int rc = d < 0 ? OS_H5C_ABSENT : os_h5c_attr_u64(d, OS_CKPT_SUM, &want);
    if (d >= 0) H5Dclose(d);
    if (rc)
        return os_ckpt_corrupt(err, path, "dataset /%s/%s has no valid %s checksum", group, name,
                               OS_CKPT_SUM);
    if (os_fnv1a64(OS_FNV_INIT, data, bytes) != want)
        return os_ckpt_corrupt(err, path, "dataset /%s/%s does not match its checksum", group, name);
    return OS_OK;
}

static int check_ids(const os_pop *pop, uint32_t next_id, const char *path, os_err *err)
{
    const uint32_t *id = os_pop_data(pop, OS_COL_ID);
    size_t b = 0;
    for (size_t i = 0; i < pop->nblk; i++)
        if (pop->blk_lo[i] > pop->blk_hi[i] || pop->blk_hi[i] > next_id ||
            (i && pop->blk_lo[i] < pop->blk_hi[i - 1]))
            return os_ckpt_corrupt(err, path, "/blocks row %zu [%u, %u) is not an id block in order "
                                   "below next_id %u", i, pop->blk_lo[i], pop->blk_hi[i], next_id);
    for (size_t r = 0; r < pop->n; r++) {
        if (r && id[r] <= id[r - 1])
            return os_ckpt_corrupt(err, path, "/pop/id row %zu is %u, not above the previous id %u",
                                   r, id[r], id[r - 1]);
        while (b < pop->nblk && id[r] >= pop->blk_hi[b]) b++;
        if (b == pop->nblk || id[r] < pop->blk_lo[b])
            return os_ckpt_corrupt(err, path, "/pop/id row %zu is %u, outside the id blocks (next_id %u)",
                                   r, id[r], next_id);
    }
    return OS_OK;
}

static int check_core(const os_pop *pop, const char *path, os_err *err)
{
    const uint8_t *sex = os_pop_data(pop, OS_COL_SEX), *alive = os_pop_data(pop, OS_COL_ALIVE);
    const float *age = os_pop_data(pop, OS_COL_AGE);
    const uint32_t *w = os_pop_data(pop, OS_COL_WEIGHT);
    for (size_t r = 0; r < pop->n; r++) {
        if (sex[r] > 1)
            return os_ckpt_corrupt(err, path, "/pop/sex row %zu is %u, expected 0 or 1", r, sex[r]);
        if (alive[r] > 1)
            return os_ckpt_corrupt(err, path, "/pop/alive row %zu is %u, expected 0 or 1", r, alive[r]);
        if (!(age[r] >= (float)OS_AGE_MIN && age[r] <= OS_CKPT_AGE_MAX))
            return os_ckpt_corrupt(err, path, "/pop/age row %zu is %g, expected %d to %g", r,
                                   (double)age[r], OS_AGE_MIN, (double)OS_CKPT_AGE_MAX);
        if (w[r] < 1 || w[r] > OS_CKPT_WEIGHT_MAX)
            return os_ckpt_corrupt(err, path, "/pop/weight row %zu is %u, expected 1 to %u", r, w[r],
                                   OS_CKPT_WEIGHT_MAX);
    }
    return OS_OK;
}

int os_ckpt_check_pop(const os_pop *pop, uint32_t next_id, const char *path, os_err *err)
{
    int rc = check_core(pop, path, err);
    if (!rc) rc = check_ids(pop, next_id, path, err);
    /* Model columns: the engine knows no ranges, but a NaN or Inf where a
     * model never writes one would spread silently. */
    for (int c = OS_COL_NCORE; c < pop->ncols && !rc; c++) {
        if (pop->cols[c].type != OS_COL_F32) continue;
        const float *v = pop->cols[c].data;
        for (size_t r = 0; r < pop->n; r++)
            if (!isfinite(v[r])) {
                rc = os_ckpt_corrupt(err, path, "/pop/%s row %zu is %g, expected a finite number",
                                     pop->cols[c].name, r, (double)v[r]);
                break;
            }
    }
    return rc;
}

int os_ckpt_check_summary(const int32_t *sex, const double *values, size_t rows, int ncols,
                          const char *path, os_err *err)
{
    for (size_t r = 0; r < rows; r++) {
        if (sex[r] != 0 && sex[r] != 1)
            return os_ckpt_corrupt(err, path, "/summary/sex row %zu is %d, expected 0 or 1", r, sex[r]);
        for (int c = 0; c < ncols; c++)
            if (!isfinite(values[r * (size_t)ncols + (size_t)c]))
                return os_ckpt_corrupt(err, path, "/summary/values element %zu is not finite",
                                       r * (size_t)ncols + (size_t)c);
    }
    return OS_OK;
}

/* /output/events: the five extensible columns the writer appends to. */
static int check_events(hid_t f, const char *path, os_err *err)
{
    static const char *const names[] = {"agent", "year", "type", "site", "arm"};
    hid_t types[] = {H5T_NATIVE_UINT32, H5T_NATIVE_INT16, H5T_NATIVE_UINT8, H5T_NATIVE_UINT8,
                     H5T_NATIVE_UINT8};
    if (!os_h5c_is_group(f, "output/events"))
        return os_ckpt_corrupt(err, path, "/output/events is not a group");
    hid_t g = H5Gopen2(f, "output/events", H5P_DEFAULT);
    size_t rows = 0;
    int rc = OS_OK;
    for (int k = 0; k < 5 && !rc; k++) {
        rc = os_ckpt_shape(g, "output/events", names[k], types[k], k ? rows : SIZE_MAX,
                           "as /output/events/agent", &rows, path, err);
        hid_t d = rc ? -1 : H5Dopen2(g, names[k], H5P_DEFAULT);
        hid_t sp = d < 0 ? -1 : H5Dget_space(d);
        hsize_t dim = 0, max = 0;
        if (!rc && (sp < 0 || H5Sget_simple_extent_dims(sp, &dim, &max) != 1 || max != H5S_UNLIMITED))
            rc = os_ckpt_corrupt(err, path, "dataset /output/events/%s is not extensible", names[k]);
        if (sp >= 0) H5Sclose(sp);
        if (d >= 0) H5Dclose(d);
    }
    H5Gclose(g);
    return rc;
}

/* /output/cohort/<year>: groups of 1-D columns of one length each. */
static int check_cohort(hid_t f, const char *path, os_err *err)
{
    if (!os_h5c_is_group(f, "output/cohort"))
        return os_ckpt_corrupt(err, path, "/output/cohort is not a group");
    hid_t g = H5Gopen2(f, "output/cohort", H5P_DEFAULT);
    char **years, **cols;
    int ny = os_h5c_links(g, &years), rc = OS_OK;
    if (ny < 0) rc = os_ckpt_corrupt(err, path, "/output/cohort cannot be listed");
    for (int y = 0; y < ny && !rc; y++) {
        hid_t yg = os_h5c_is_group(g, years[y]) ? H5Gopen2(g, years[y], H5P_DEFAULT) : -1;
        int nc = yg < 0 ? -1 : os_h5c_links(yg, &cols);
        if (nc < 0) rc = os_ckpt_corrupt(err, path, "/output/cohort/%.16s is not a group", years[y]);
        size_t rows = SIZE_MAX;
        for (int c = 0; c < nc && !rc; c++) {
            os_h5c_dset d;
            const char *why;
            if (os_h5c_dataset(yg, cols[c], &d, &why))
                rc = os_ckpt_corrupt(err, path, "dataset /output/cohort/%.16s/%.48s %s", years[y],
                                     cols[c], why);
            else if (rows != SIZE_MAX && d.rows != rows)
                rc = os_ckpt_corrupt(err, path, "dataset /output/cohort/%.16s/%.48s has %zu rows, "
                                     "expected %zu", years[y], cols[c], d.rows, rows);
            rows = d.rows;
        }
        if (nc > 0) os_h5c_links_free(cols, nc);
        if (yg >= 0) H5Gclose(yg);
    }
    if (ny > 0) os_h5c_links_free(years, ny);
    H5Gclose(g);
    return rc;
}

int os_ckpt_check_output(hid_t f, const char *path, os_err *err)
{
    if (!os_h5c_is_group(f, "output")) return os_ckpt_corrupt(err, path, "/output is not a group");
    int rc = OS_OK;
    if (H5Lexists(f, "output/events", H5P_DEFAULT) > 0) rc = check_events(f, path, err);
    if (!rc && H5Lexists(f, "output/cohort", H5P_DEFAULT) > 0) rc = check_cohort(f, path, err);
    return rc;
}

/* Before the run starts: the checkpoint's years and process count fit the
 * run it would continue (its own stored configuration). */
int os_ckpt_check(const char *path, const os_cfg *cfg, os_err *err)
{
    hid_t f = os_ckpt_open(path, err);
    if (f < 0) return OS_ECONFIG;
    long long y0 = os_cfg_int(cfg, "run.start_year"), y1 = os_cfg_int(cfg, "run.end_year");
    long long ny, ranks, nid, n;
    int rc = os_ckpt_attr(f, "next_year", y0, y1 + 1, &ny, path, err);
    if (!rc) rc = os_ckpt_attr(f, "ranks", 1, 1 << 20, &ranks, path, err);
    if (!rc) rc = os_ckpt_attr(f, "next_id", 0, UINT32_MAX, &nid, path, err);
    if (!rc) rc = os_ckpt_attr(f, "agents", 0, nid, &n, path, err);
    H5Fclose(f);
    if (rc) {
        /* Every rank reads this same file: an agreed input error. */
        if (err) err->code = OS_ECONFIG;
        return OS_ECONFIG;
    }
    if (ranks != os_par_size())
        return os_fail(err, OS_ECONFIG, "%s: checkpoint written by %lld process%s; resume it with "
                       "the same number (mpirun -np %lld)", path, ranks, ranks == 1 ? "" : "es", ranks);
    return OS_OK;
}
