#include "h5check_output.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "h5check.h"

static int bad(os_err *err, const char *path, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bad(os_err *err, const char *path, const char *kind, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return os_fail(err, OS_ECONFIG, "%s: %s: %s", path, kind, msg);
}

#define NOT_OURS "not an osteosim output"
#define CORRUPT "corrupt output"

hid_t os_out_open(const char *path, os_err *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, R_OK) != 0) {
        os_fail(err, OS_ERUN, "%s: cannot read (missing?)", path);
        return -1;
    }
    if (H5Fis_hdf5(path) <= 0) {
        bad(err, path, NOT_OURS, "not an HDF5 file");
        return -1;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) bad(err, path, NOT_OURS, "HDF5 cannot open it");
    return f;
}

int os_out_claims(hid_t f)
{
    return H5Aexists(f, "osteosim_version") > 0;
}

static int check_root(hid_t f, const char *path, long long *y0, long long *y1, os_err *err)
{
    static const char *const strs[] = {"osteosim_version", "config"};
    for (int k = 0; k < 2; k++) {
        char *s = NULL;
        int rc = os_h5c_attr_str(f, strs[k], &s);
        free(s);
        if (rc) return bad(err, path, NOT_OURS, "no string attribute %s", strs[k]);
    }
    if (os_h5c_attr_int(f, "start_year", y0) || os_h5c_attr_int(f, "end_year", y1))
        return bad(err, path, NOT_OURS, "no integer attributes start_year and end_year");
    if (*y0 > *y1) return bad(err, path, CORRUPT, "start_year %lld is after end_year %lld", *y0, *y1);
    return OS_OK;
}

/* Every dataset of group NAME is 1-D with WANT rows (SIZE_MAX: those of
 * the first; AS names them for the message); subgroups are skipped. */
static int check_rows(hid_t f, const char *name, size_t want, const char *as, const char *path,
                      os_err *err)
{
    if (!os_h5c_is_group(f, name)) return bad(err, path, CORRUPT, "/%s is not a group", name);
    hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
    char **links;
    int n = g < 0 ? -1 : os_h5c_links(g, &links), rc = OS_OK;
    if (n < 0) rc = bad(err, path, CORRUPT, "group /%s cannot be listed", name);
    char first[64] = "";
    for (int i = 0; i < n && !rc; i++) {
        if (os_h5c_is_group(g, links[i])) continue;
        os_h5c_dset d;
        const char *why;
        if (os_h5c_dataset(g, links[i], &d, &why)) {
            rc = bad(err, path, CORRUPT, "/%s/%s %s", name, links[i], why);
        } else if (want == SIZE_MAX) {
            want = d.rows;
            snprintf(first, sizeof first, "as /%s/%.40s", name, links[i]);
            as = first;
        } else if (d.rows != want) {
            rc = bad(err, path, CORRUPT, "dataset /%s/%s has %zu rows, expected %zu (%s)", name,
                     links[i], d.rows, want, as);
        }
    }
    if (n > 0) os_h5c_links_free(links, n);
    if (g >= 0) H5Gclose(g);
    return rc;
}

/* Reads integer column NAME of G (shape checked) and checks it lies in
 * [LO, HI]; *MAX gets its largest value. */
static int check_keys(hid_t g, const char *name, size_t rows, long long lo, long long hi,
                      long long *max, const char *path, os_err *err)
{
    long long *v = malloc((rows ? rows : 1) * sizeof *v);
    if (!v) return os_fail(err, OS_ERUN, "out of memory");
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    int rc = d < 0 || (rows && H5Dread(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
           ? bad(err, path, CORRUPT, "dataset /summary/%s cannot be read", name) : OS_OK;
    if (d >= 0) H5Dclose(d);
    *max = lo;
    for (size_t r = 0; r < rows && !rc; r++) {
        if (v[r] < lo || v[r] > hi)
            rc = bad(err, path, CORRUPT, "/summary/%s row %zu is %lld, expected %lld to %lld", name, r,
                     v[r], lo, hi);
        if (v[r] > *max) *max = v[r];
    }
    free(v);
    return rc;
}

static int check_summary(hid_t f, const char *path, long long y0, long long y1, size_t *rows,
                         int *narms, os_err *err)
{
    if (!os_h5c_is_group(f, "summary")) return bad(err, path, NOT_OURS, "no /summary group");
    static const char *const cols[] = {"year", "arm", "sex", "age_lo", "age_hi", "population", "agents"};
    hid_t g = H5Gopen2(f, "summary", H5P_DEFAULT);
    int rc = g < 0 ? bad(err, path, CORRUPT, "/summary cannot be opened") : OS_OK;
    for (int k = 0; k < 7 && !rc; k++) {
        os_h5c_dset d;
        const char *why;
        H5T_class_t want = k < 5 ? H5T_INTEGER : H5T_FLOAT;
        char have[32];
        if (os_h5c_dataset(g, cols[k], &d, &why))
            rc = bad(err, path, CORRUPT, "dataset /summary/%s %s", cols[k], why);
        else if (d.cls != want)
            rc = bad(err, path, CORRUPT, "dataset /summary/%s is %s, expected %s", cols[k],
                     os_h5c_type_name(d.cls, d.size, d.is_signed, have, sizeof have),
                     k < 5 ? "integers" : "floating point");
        else if (k == 0)
            *rows = d.rows;
    }
    if (!rc) rc = check_rows(f, "summary", *rows, "as /summary/year", path, err);
    long long max;
    if (!rc) rc = check_keys(g, "year", *rows, y0, y1, &max, path, err);
    if (!rc) rc = check_keys(g, "sex", *rows, 0, 1, &max, path, err);
    if (!rc) rc = check_keys(g, "arm", *rows, 0, OS_MAX_ARMS - 1, &max, path, err);
    *narms = *rows ? (int)max + 1 : 0;
    if (g >= 0) H5Gclose(g);
    return rc;
}

int os_out_check(hid_t f, const char *path, os_err *err)
{
    long long y0, y1;
    size_t rows = 0;
    int narms = 0;
    int rc = check_root(f, path, &y0, &y1, err);
    if (!rc) rc = check_summary(f, path, y0, y1, &rows, &narms, err);
    if (!rc && H5Lexists(f, "summary_quantiles", H5P_DEFAULT) > 0)
        rc = check_rows(f, "summary_quantiles", rows, "as /summary", path, err);
    if (!rc && H5Lexists(f, "economics", H5P_DEFAULT) > 0)
        rc = check_rows(f, "economics", (size_t)narms, "one per arm of /summary", path, err);
    return rc;
}
