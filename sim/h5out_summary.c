/* h5out_summary.c - /summary and the run's statistics attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out_int.h"
#include "res_types.h"

void os_h5out_arms(os_h5out *o, const char *const *names, int n)
{
    o->arm_names = names;
    o->narms = n;
}

/* /demography's summary_year_description (a fixed-size string), if any:
 * it names the years past the demography tables. */
static void year_description(hid_t file, char *buf, size_t n)
{
    if (H5Lexists(file, "demography", H5P_DEFAULT) <= 0 ||
        H5Aexists_by_name(file, "demography", "summary_year_description", H5P_DEFAULT) <= 0)
        return;
    hid_t a = H5Aopen_by_name(file, "demography", "summary_year_description", H5P_DEFAULT,
                              H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a);
    char tmp[400];
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) == 0 &&
        H5Tget_size(t) <= sizeof tmp && H5Aread(a, t, tmp) >= 0) {
        tmp[sizeof tmp - 1] = 0;
        snprintf(buf, n, "%s", tmp);
    }
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
}

int os_h5out_summary(os_h5out *o, const os_summary *s, os_err *err)
{
    if (os_h5out_failed(o, err)) return OS_ERUN;
    if (os_h5out_to_serial(o)) return os_fail(err, OS_ERUN, "%s: cannot reopen the output", o->path);
    hid_t g = H5Gcreate2(o->file, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /summary");
    int rc = os_h5_attr_str(g, "description",
                   "one row per (year, arm, sex, age band); stocks at 1 July of the year, "
                   "flows during the year from 1 July to 1 July; weighted persons unless units say otherwise")
             ? os_fail(err, OS_ERUN, "HDF5: cannot write /summary attributes") : OS_OK;
    /* Years past the demography tables are named by /demography. */
    char ydesc[400] = "simulated year";
    if (!rc) year_description(o->file, ydesc, sizeof ydesc);
    if (!rc) rc = os_h5_write_1d(g, "year", H5T_NATIVE_INT32, s->year, s->nrows, "year",
                            ydesc, 0, err);
    if (!rc) rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, s->arm, s->nrows, "1",
                                 "arm index (labels attribute)", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "sex", H5T_NATIVE_INT32, s->sex, s->nrows, "1",
                                 "0 female, 1 male", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "age_lo", H5T_NATIVE_INT32, s->age_lo, s->nrows, "year",
                                 "first age of the band", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "age_hi", H5T_NATIVE_INT32, s->age_hi, s->nrows, "year",
                                 "last age of the band (inclusive); -1 for the open band 100+", 0, err);
    if (!rc) {
        hid_t d = H5Dopen2(g, "sex", H5P_DEFAULT);
        int bad = d < 0 || os_h5_attr_str(d, "labels", "0=female,1=male");
        if (d >= 0) bad |= H5Dclose(d) < 0;
        d = H5Dopen2(g, "arm", H5P_DEFAULT);
        char labels[1024] = "";
        for (int a = 0; a < o->narms; a++) {
            char item[128];
            snprintf(item, sizeof item, "%s%d=%s", a ? "," : "", a, o->arm_names[a]);
            strncat(labels, item, sizeof labels - strlen(labels) - 1);
        }
        bad |= d < 0 || os_h5_attr_str(d, "labels", labels);
        if (d >= 0) bad |= H5Dclose(d) < 0;
        if (bad) rc = os_fail(err, OS_ERUN, "HDF5: cannot write /summary labels");
    }
    double *col = malloc((s->nrows ? s->nrows : 1) * sizeof *col);
    if (!col && !rc) rc = os_fail(err, OS_ERUN, "out of memory (summary)");
    for (int c = 0; c < s->ncols && !rc; c++) {
        for (size_t r = 0; r < s->nrows; r++) col[r] = s->values[r * (size_t)s->ncols + c];
        rc = os_h5_write_1d(g, s->cols[c].name, H5T_NATIVE_DOUBLE, col, s->nrows,
                            s->cols[c].units, s->cols[c].description, 0, err);
    }
    free(col);
    if (H5Gclose(g) < 0 && !rc) rc = os_fail(err, OS_ERUN, "HDF5: cannot write /summary");
    if (!rc && os_h5out_failed(o, err)) rc = OS_ERUN;
    return rc;
}

int os_h5out_run_info(os_h5out *o, size_t bytes_per_agent, double agent_years,
                      double wall_seconds, os_err *err)
{
    if (os_h5out_failed(o, err)) return OS_ERUN;
    if (os_h5out_to_serial(o)) return os_fail(err, OS_ERUN, "%s: cannot reopen the output", o->path);
    int bad = os_h5_attr_i64(o->file, "bytes_per_agent", (long long)bytes_per_agent)
            | os_h5_attr_f64(o->file, "agent_years", agent_years)
            | os_h5_attr_f64(o->file, "wall_seconds", wall_seconds);
    if (bad) return os_fail(err, OS_ERUN, "HDF5: cannot write run attributes");
    return OS_OK;
}
