#include "res_replicates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "h5out.h"
#include "model_roles.h"

uint64_t os_replicate_seed(uint64_t base, int r)
{
    if (r == 0) return base;
    /* splitmix64 of (base, r): well-spread seeds with no overlap in
     * practice; kept below 2^63 so it fits the run.seed key. */
    uint64_t z = base + 0x9E3779B97F4A7C15ull * (uint64_t)r;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) >> 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile P of sorted V[0..n) with numpy's default (linear) method. */
static double quantile(const double *v, int n, double p)
{
    double h = (n - 1) * p;
    int lo = (int)floor(h);
    if (lo >= n - 1) return v[n - 1];
    double t = h - lo;
    return v[lo] + (v[lo + 1] - v[lo]) * t;
}

int os_replicates_write(hid_t file, const os_summary *s, double *const *reps,
                        int nreps, const uint64_t *seeds, os_err *err)
{
    static const char *const suffix[] = {"mean", "p2_5", "p50", "p97_5"};
    static const double prob[] = {0, 0.025, 0.5, 0.975};
    hid_t g = H5Gcreate2(file, "summary_quantiles", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /summary_quantiles");
    os_h5_attr_i64(g, "replicates", nreps);
    os_h5_attr_str(g, "description",
                   "per /summary row and outcome column: mean and 2.5/50/97.5 % quantiles over the "
                   "replicates (linear interpolation, as numpy's default); attribute seeds lists "
                   "each replicate's seed");
    hsize_t dim = (hsize_t)nreps;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t a = H5Acreate2(g, "seeds", H5T_NATIVE_UINT64, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
        H5Awrite(a, H5T_NATIVE_UINT64, seeds);
        H5Aclose(a);
    }
    H5Sclose(sp);

    int rc = os_h5_write_1d(g, "year", H5T_NATIVE_INT32, s->year, s->nrows, "year", "simulated year", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, s->arm, s->nrows, "1", "arm index", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "sex", H5T_NATIVE_INT32, s->sex, s->nrows, "1", "0 female, 1 male", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "age_lo", H5T_NATIVE_INT32, s->age_lo, s->nrows, "year", "first age of the band", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "age_hi", H5T_NATIVE_INT32, s->age_hi, s->nrows, "year",
                                 "last age of the band (inclusive); -1 for 100+", 0, err);
    size_t n = s->nrows ? s->nrows : 1;
    double *out[4];
    double *v = malloc((size_t)nreps * sizeof *v);
    for (int k = 0; k < 4; k++) out[k] = malloc(n * sizeof *out[k]);
    if (!v || !out[0] || !out[1] || !out[2] || !out[3])
        rc = rc ? rc : os_fail(err, OS_ERUN, "out of memory (quantiles)");
    for (int c = 0; c < s->ncols && !rc; c++) {
        for (size_t r = 0; r < s->nrows; r++) {
            double sum = 0;
            for (int k = 0; k < nreps; k++) {
                v[k] = reps[k][r * (size_t)s->ncols + c];
                sum += v[k];
            }
            qsort(v, (size_t)nreps, sizeof *v, cmp_double);
            out[0][r] = sum / nreps;
            for (int q = 1; q < 4; q++) out[q][r] = quantile(v, nreps, prob[q]);
        }
        for (int q = 0; q < 4 && !rc; q++) {
            char name[96], desc[sizeof s->cols[c].description + 64];
            snprintf(name, sizeof name, "%s_%s", s->cols[c].name, suffix[q]);
            snprintf(desc, sizeof desc, "%s over %d replicates of: %s",
                     q == 0 ? "mean" : suffix[q], nreps, s->cols[c].description);
            rc = os_h5_write_1d(g, name, H5T_NATIVE_DOUBLE, out[q], s->nrows, s->cols[c].units, desc, 0, err);
        }
    }
    free(v);
    for (int k = 0; k < 4; k++) free(out[k]);
    H5Gclose(g);
    return rc;
}

/* Total over the last year's rows of the first arm of the columns IDX[0..n). */
static double last_year_total(const os_summary *s, const double *vals, const int *idx, int n)
{
    int last = 0;
    for (size_t r = 0; r < s->nrows; r++)
        if (s->year[r] > last) last = s->year[r];
    double t = 0;
    for (int k = 0; k < n; k++)
        for (size_t r = 0; r < s->nrows; r++)
            if (s->year[r] == last && s->arm[r] == s->arm[0]) t += vals[r * (size_t)s->ncols + idx[k]];
    return t;
}

/* The outcomes of the Monte Carlo error report: columns flagged
 * OS_SUM_MC_ERROR in registration order; an event with a site stands for
 * its kind's total over sites, under the kind's label, once. */
static int mc_outcome(const os_summary *s, int c, int *idx, const char **label)
{
    const os_summary_col *col = &s->cols[c];
    if (!(col->flags & OS_SUM_MC_ERROR)) return 0;
    *label = col->name;
    idx[0] = c;
    if (col->role != OS_ROLE_EVENT || !col->site[0]) return 1;
    for (int k = 0; k < c; k++)
        if ((s->cols[k].flags & OS_SUM_MC_ERROR) && s->cols[k].role == OS_ROLE_EVENT && s->cols[k].site[0] &&
            !strcmp(s->cols[k].label, col->label))
            return 0;   /* the kind was reported at its first column */
    *label = col->label;
    return os_roles_kind_cols(s->cols, s->ncols, c, idx, NULL);
}

void os_replicates_report(FILE *out, const os_summary *s, double *const *reps,
                          int nreps, double agents)
{
    int last = 0;
    for (size_t r = 0; r < s->nrows; r++)
        if (s->year[r] > last) last = s->year[r];
    fprintf(out, "\nMonte Carlo error over %d replicates of %.0f agents (totals of %d, reference arm)\n",
            nreps, agents, last);
    fprintf(out, "  %-26s %16s %12s %14s %20s\n", "outcome", "mean", "rel. SD", "rel. SE mean",
            "agents for 1% rel. SD");
    for (int c = 0; c < s->ncols; c++) {
        int idx[OS_MAX_SUMMARY_COLS], n;
        const char *label;
        if (!(n = mc_outcome(s, c, idx, &label))) continue;
        double sum = 0, sum2 = 0;
        for (int k = 0; k < nreps; k++) {
            double x = last_year_total(s, reps[k], idx, n);
            sum += x;
            sum2 += x * x;
        }
        double mean = sum / nreps;
        if (!isfinite(mean)) continue;
        double var = nreps > 1 ? (sum2 - nreps * mean * mean) / (nreps - 1) : 0;
        double rel = mean != 0 && var > 0 ? sqrt(var) / fabs(mean) : 0;
        /* The SD of a total falls as 1/sqrt(agents). */
        double need = agents * (rel / 0.01) * (rel / 0.01);
        fprintf(out, "  %-26s %16.6g %11.3f%% %13.3f%% %20.0f\n", label, mean, 100 * rel,
                100 * rel / sqrt((double)nreps), need);
    }
}
