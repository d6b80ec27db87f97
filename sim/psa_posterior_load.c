/* psa_posterior_load.c - reading and checking a posterior file
 * (psa_posterior.h): every dataset is checked for its class and shape
 * before anything is allocated from it. */
#include "psa_posterior.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5check.h"

/* Weights must sum to 1 within what the writer's rounding can explain. */
#define WEIGHT_SUM_TOL 1e-6
/* Particles times parameters read at most (a file cannot make us allocate
 * more than its datasets plausibly hold). */
#define MAX_CELLS 100000000ULL

/* ---- reading ---- */

static int bad(os_err *err, const char *path, const char *where, const char *msg)
{
    return os_fail(err, OS_ECONFIG, "%s: %s: %s", path, where, msg);
}

/* Dataset NAME as doubles of rank RANK; DIMS[RANK] its shape. */
static int read_f64(hid_t f, const char *path, const char *name, int rank, size_t *dims, double **out,
                    os_err *err)
{
    *out = NULL;
    if (H5Lexists(f, "posterior", H5P_DEFAULT) <= 0 || H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return bad(err, path, name, "is missing (not a posterior file?)");
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return bad(err, path, name, "is not a dataset");
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    hsize_t hd[2] = {0, 0};
    int nd = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    int rc = OS_OK;
    char msg[96];
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) rc = bad(err, path, name, "is not numeric");
    else if (nd != rank) {
        snprintf(msg, sizeof msg, "has %d dimensions, expected %d", nd, rank);
        rc = bad(err, path, name, msg);
    } else {
        H5Sget_simple_extent_dims(sp, hd, NULL);
        unsigned long long cells = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = (size_t)hd[i];
            cells *= hd[i] ? hd[i] : 1;
        }
        if (cells > MAX_CELLS) rc = bad(err, path, name, "is too large");
        double *v = rc ? NULL : malloc((size_t)cells * sizeof *v);
        if (!rc && !v) rc = os_fail(err, OS_ERUN, "out of memory");
        if (!rc && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
            rc = bad(err, path, name, "cannot be read");
        if (rc) free(v);
        else *out = v;
    }
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

/* 1-D string dataset NAME (variable or fixed length). */
static int read_strings(hid_t f, const char *path, const char *name, char ***out, size_t *n, os_err *err)
{
    *out = NULL;
    *n = 0;
    if (H5Lexists(f, "posterior", H5P_DEFAULT) <= 0 || H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return bad(err, path, name, "is missing (not a posterior file?)");
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return bad(err, path, name, "is not a dataset");
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    int rc = OS_OK;
    if (t < 0 || H5Tget_class(t) != H5T_STRING) rc = bad(err, path, name, "is not a string dataset");
    else if (H5Sget_simple_extent_ndims(sp) != 1) rc = bad(err, path, name, "is not 1-D");
    hsize_t rows = 0;
    if (!rc) H5Sget_simple_extent_dims(sp, &rows, NULL);
    if (!rc && rows > MAX_CELLS) rc = bad(err, path, name, "is too large");
    char **s = rc ? NULL : calloc((size_t)rows + 1, sizeof *s);
    if (!rc && !s) rc = os_fail(err, OS_ERUN, "out of memory");
    if (!rc && H5Tis_variable_str(t) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        char **raw = calloc((size_t)rows + 1, sizeof *raw);
        if (!raw || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0)
            rc = bad(err, path, name, "cannot be read");
        int read = !rc;
        for (hsize_t i = 0; !rc && i < rows; i++)
            if (!(s[i] = strdup(raw[i] ? raw[i] : ""))) rc = os_fail(err, OS_ERUN, "out of memory");
        if (read) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
        free(raw);
        H5Tclose(mt);
    } else if (!rc) {
        size_t w = H5Tget_size(t);
        char *buf = calloc((size_t)rows * w + 1, 1);
        hid_t mt = H5Tcopy(t);
        if (!buf || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            rc = bad(err, path, name, "cannot be read");
        for (hsize_t i = 0; !rc && i < rows; i++)
            if (!(s[i] = strndup(buf + i * w, w))) rc = os_fail(err, OS_ERUN, "out of memory");
        free(buf);
        H5Tclose(mt);
    }
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(d);
    if (rc) {
        for (hsize_t i = 0; s && i < rows; i++) free(s[i]);
        free(s);
        return rc;
    }
    *out = s;
    *n = (size_t)rows;
    return OS_OK;
}

/* The configuration calibrated on: attribute config of /provenance (as a
 * run writes it on its root), or a string dataset /provenance/config. */
static int read_config(hid_t f, const char *path, char **out, os_err *err)
{
    *out = NULL;
    if (!os_h5c_is_group(f, "provenance"))
        return bad(err, path, "/provenance", "is missing (the configuration calibrated on)");
    hid_t g = H5Gopen2(f, "provenance", H5P_DEFAULT);
    int rc = os_h5c_attr_str(g, "config", out);
    H5Gclose(g);
    if (rc == 0 && *out) return OS_OK;
    if (H5Lexists(f, "provenance/config", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(f, "provenance/config", H5P_DEFAULT);
        hid_t t = d >= 0 ? H5Dget_type(d) : -1, sp = d >= 0 ? H5Dget_space(d) : -1;
        if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0 &&
            H5Sget_simple_extent_ndims(sp) == 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            char *raw = NULL;
            if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &raw) >= 0 && raw) {
                *out = strdup(raw);
                H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &raw);
            }
            H5Tclose(mt);
        }
        if (t >= 0) H5Tclose(t);
        if (sp >= 0) H5Sclose(sp);
        if (d >= 0) H5Dclose(d);
    }
    return *out ? OS_OK : bad(err, path, "/provenance", "no config attribute (the configuration calibrated on)");
}

/* FNV-1a 64 of the file's bytes: the posterior a run used, as it was. */
static int hash_file(const char *path, char *out, size_t n, os_err *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return os_fail(err, OS_ERUN, "%s: cannot read", path);
    static _Thread_local unsigned char buf[1 << 16];
    uint64_t h = OS_FNV_INIT;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0) h = os_fnv1a64(h, buf, got);
    int e = ferror(fp);
    fclose(fp);
    if (e) return os_fail(err, OS_ERUN, "%s: read error", path);
    snprintf(out, n, "fnv1a64:%016llx", (unsigned long long)h);
    return OS_OK;
}

static int check_values(os_posterior *p, const char *path, os_err *err)
{
    char msg[320];
    for (size_t i = 0; i < p->p; i++) {
        if (!p->params[i][0]) {
            snprintf(msg, sizeof msg, "entry %zu is empty", i);
            return bad(err, path, "/posterior/parameters", msg);
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p->params[i], p->params[j])) {
                snprintf(msg, sizeof msg, "'%.100s' appears twice", p->params[i]);
                return bad(err, path, "/posterior/parameters", msg);
            }
    }
    for (size_t k = 0; k < p->n * p->p; k++)
        if (!isfinite(p->samples[k])) {
            snprintf(msg, sizeof msg, "particle %zu, parameter '%.100s': not a finite number", k / p->p,
                     p->params[k % p->p]);
            return bad(err, path, "/posterior/samples", msg);
        }
    double sum = 0, sq = 0;
    for (size_t i = 0; i < p->n; i++) {
        double w = p->weights[i];
        if (!isfinite(w) || w < 0) {
            snprintf(msg, sizeof msg, "weight %zu is %g: weights must be finite and not negative", i, w);
            return bad(err, path, "/posterior/weights", msg);
        }
        sum += w;
        sq += w * w;
        p->cum[i] = sum;
    }
    if (!(fabs(sum - 1.0) <= WEIGHT_SUM_TOL)) {
        snprintf(msg, sizeof msg, "the weights sum to %.9g, not 1 (normalised importance weights)", sum);
        return bad(err, path, "/posterior/weights", msg);
    }
    p->ess = sum * sum / sq;
    return OS_OK;
}

int os_posterior_load(os_posterior *p, const char *path, os_err *err)
{
    memset(p, 0, sizeof *p);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0) {
        FILE *fp = fopen(path, "rb");
        if (!fp) return os_fail(err, OS_ECONFIG, "%s: cannot read the posterior file (missing?)", path);
        fclose(fp);
        return os_fail(err, OS_ECONFIG, "%s: not an HDF5 file (a posterior of osteosim calibrate)", path);
    }
    p->path = realpath(path, NULL);
    if (!p->path) return os_fail(err, OS_ECONFIG, "%s: cannot resolve the posterior's path", path);
    int rc = hash_file(path, p->hash, sizeof p->hash, err);
    hid_t f = rc ? -1 : H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (!rc && f < 0) rc = os_fail(err, OS_ECONFIG, "%s: HDF5 cannot open it", path);
    size_t ds[2] = {0, 0}, dw[1] = {0};
    if (!rc) rc = read_strings(f, path, "posterior/parameters", &p->params, &p->p, err);
    if (!rc && p->p == 0) rc = bad(err, path, "/posterior/parameters", "is empty");
    if (!rc) rc = read_f64(f, path, "posterior/samples", 2, ds, &p->samples, err);
    if (!rc && (ds[0] == 0 || ds[1] != p->p)) {
        char msg[160];
        snprintf(msg, sizeof msg, "has shape [%zu, %zu], expected [particles >= 1, %zu parameters]", ds[0],
                 ds[1], p->p);
        rc = bad(err, path, "/posterior/samples", msg);
    }
    p->n = ds[0];
    if (!rc) rc = read_f64(f, path, "posterior/weights", 1, dw, &p->weights, err);
    if (!rc && dw[0] != p->n) {
        char msg[160];
        snprintf(msg, sizeof msg, "has %zu rows, /posterior/samples %zu particles", dw[0], p->n);
        rc = bad(err, path, "/posterior/weights", msg);
    }
    if (!rc && !(p->cum = malloc(p->n * sizeof *p->cum))) rc = os_fail(err, OS_ERUN, "out of memory");
    if (!rc) rc = check_values(p, path, err);
    if (!rc) rc = read_config(f, path, &p->config, err);
    if (!rc) {
        hid_t g = H5Gopen2(f, "posterior", H5P_DEFAULT);
        if (g >= 0 && os_h5c_attr_str(g, "method", &p->method)) p->method = NULL;
        if (g >= 0) H5Gclose(g);
    }
    if (f >= 0) H5Fclose(f);
    if (rc) os_posterior_free(p);
    return rc;
}

void os_posterior_free(os_posterior *p)
{
    for (size_t i = 0; p->params && i < p->p; i++) free(p->params[i]);
    free(p->params);
    free(p->samples);
    free(p->weights);
    free(p->cum);
    free(p->config);
    free(p->method);
    free(p->path);
    memset(p, 0, sizeof *p);
}
