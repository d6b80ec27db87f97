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

static int write_totals(hid_t file, const os_summary *s, double *const *reps, int nreps, os_err *err);

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
    return rc ? rc : write_totals(file, s, reps, nreps, err);
}

/* /summary_totals: a national total is the sum over the age bands of a
 * (arm, year, sex) and, as sex code 2, over both sexes.  Key K of row r is
 * 3 * (index of its (arm, year) pair) + sex. */
typedef struct totals {
    size_t nkeys;
    int32_t *arm, *year, *sex;  /* per key */
    size_t *key;                /* per /summary row: its key (sex 0/1) */
} totals;

static int totals_keys(const os_summary *s, totals *t)
{
    size_t n = s->nrows ? s->nrows : 1;
    t->arm = malloc(3 * n * sizeof *t->arm);
    t->year = malloc(3 * n * sizeof *t->year);
    t->sex = malloc(3 * n * sizeof *t->sex);
    t->key = malloc(n * sizeof *t->key);
    if (!t->arm || !t->year || !t->sex || !t->key) return -1;
    t->nkeys = 0;
    for (size_t r = 0; r < s->nrows; r++) {
        size_t g = 0;
        while (g < t->nkeys && !(t->arm[g] == s->arm[r] && t->year[g] == s->year[r])) g += 3;
        if (g == t->nkeys) {
            for (int x = 0; x < 3; x++) {
                t->arm[g + (size_t)x] = s->arm[r];
                t->year[g + (size_t)x] = s->year[r];
                t->sex[g + (size_t)x] = x;
            }
            t->nkeys += 3;
        }
        t->key[r] = g + (s->sex[r] == 1);
    }
    return 0;
}

static int write_keys(hid_t g, const totals *t, size_t reps, const int32_t *rep, os_err *err)
{
    size_t n = t->nkeys * reps;
    int32_t *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return os_fail(err, OS_ERUN, "out of memory (totals)");
    const int32_t *src[3] = {t->arm, t->year, t->sex};
    static const char *const names[3] = {"arm", "year", "sex"}, *const units[3] = {"1", "year", "1"};
    static const char *const desc[3] = {"arm index (labels attribute)", "simulated year",
                                        "0 female, 1 male, 2 both (labels attribute)"};
    int rc = rep ? os_h5_write_1d(g, "replicate", H5T_NATIVE_INT32, rep, n, "1",
                                  "replicate (0 = the run itself; seeds: /summary_quantiles)", 0, err) : 0;
    for (int c = 0; c < 3 && !rc; c++) {
        for (size_t k = 0; k < n; k++) v[k] = src[c][k % t->nkeys];
        rc = os_h5_write_1d(g, names[c], H5T_NATIVE_INT32, v, n, units[c], desc[c], 0, err);
    }
    free(v);
    if (!rc) {
        hid_t d = H5Dopen2(g, "sex", H5P_DEFAULT);
        if (d < 0 || os_h5_attr_str(d, "labels", "0=female,1=male,2=both"))
            rc = os_fail(err, OS_ERUN, "HDF5: cannot label /summary_totals sex");
        if (d >= 0) H5Dclose(d);
    }
    return rc;
}

/* TOT[r * nkeys + k]: column C's total of key k in replicate r. */
static void sum_totals(const os_summary *s, const totals *t, double *const *reps, int nreps, int c,
                       double *tot)
{
    for (size_t k = 0; k < (size_t)nreps * t->nkeys; k++) tot[k] = 0;
    for (int q = 0; q < nreps; q++)
        for (size_t r = 0; r < s->nrows; r++) {
            double x = reps[q][r * (size_t)s->ncols + (size_t)c];
            double *row = tot + (size_t)q * t->nkeys;
            row[t->key[r]] += x;
            row[t->key[r] - t->key[r] % 3 + 2] += x;
        }
}

/* One column's quantiles over replicates of TOT into OUT[4][nkeys]. */
static void totals_stats(const double *tot, size_t nkeys, int nreps, double *v, double *const *out)
{
    static const double prob[] = {0, 0.025, 0.5, 0.975};
    for (size_t k = 0; k < nkeys; k++) {
        double sum = 0;
        for (int q = 0; q < nreps; q++) sum += v[q] = tot[(size_t)q * nkeys + k];
        qsort(v, (size_t)nreps, sizeof *v, cmp_double);
        out[0][k] = sum / nreps;
        for (int q = 1; q < 4; q++) out[q][k] = quantile(v, nreps, prob[q]);
    }
}

static int totals_columns(hid_t g, hid_t gq, const os_summary *s, const totals *t, double *const *reps,
                          int nreps, os_err *err)
{
    static const char *const suffix[] = {"mean", "p2_5", "p50", "p97_5"};
    size_t nk = t->nkeys, n = (size_t)nreps * nk;
    double *tot = malloc((n ? n : 1) * sizeof *tot), *v = malloc((size_t)nreps * sizeof *v), *out[4];
    for (int q = 0; q < 4; q++) out[q] = malloc((nk ? nk : 1) * sizeof *out[q]);
    int rc = tot && v && out[0] && out[1] && out[2] && out[3] ? 0 : os_fail(err, OS_ERUN, "out of memory");
    for (int c = 0; c < s->ncols && !rc; c++) {
        const os_summary_col *col = &s->cols[c];
        char name[96], desc[sizeof col->description + 96];
        sum_totals(s, t, reps, nreps, c, tot);
        snprintf(desc, sizeof desc, "national total (sum over age bands) of: %s", col->description);
        rc = os_h5_write_1d(g, col->name, H5T_NATIVE_DOUBLE, tot, n, col->units, desc, 0, err);
        totals_stats(tot, nk, nreps, v, out);
        for (int q = 0; q < 4 && !rc; q++) {
            snprintf(name, sizeof name, "%s_%s", col->name, suffix[q]);
            snprintf(desc, sizeof desc, "%s over %d replicates of the national total of %s",
                     q == 0 ? "mean" : suffix[q], nreps, col->name);
            rc = os_h5_write_1d(gq, name, H5T_NATIVE_DOUBLE, out[q], nk, col->units, desc, 0, err);
        }
    }
    free(tot);
    free(v);
    for (int q = 0; q < 4; q++) free(out[q]);
    return rc;
}

/* /summary_totals (one row per replicate, arm, year, sex) and its
 * /summary_totals/quantiles (one row per arm, year, sex). */
static int write_totals(hid_t file, const os_summary *s, double *const *reps, int nreps, os_err *err)
{
    totals t = {0};
    int32_t *rep = NULL;
    hid_t g = H5Gcreate2(file, "summary_totals", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t gq = g < 0 ? -1 : H5Gcreate2(g, "quantiles", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = gq < 0 ? os_fail(err, OS_ERUN, "HDF5: cannot create /summary_totals") : 0;
    if (!rc && totals_keys(s, &t)) rc = os_fail(err, OS_ERUN, "out of memory (totals)");
    size_t n = t.nkeys * (size_t)nreps;
    if (!rc && !(rep = malloc((n ? n : 1) * sizeof *rep))) rc = os_fail(err, OS_ERUN, "out of memory");
    for (size_t k = 0; !rc && k < n; k++) rep[k] = (int32_t)(k / t.nkeys);
    if (!rc) {
        os_h5_attr_i64(g, "replicates", nreps);
        os_h5_attr_str(g, "description", "per replicate, arm, year and sex (2 = both): each /summary column "
                       "summed over the age bands; /summary_totals/quantiles: their mean and 2.5/50/97.5 % "
                       "quantiles over the replicates (linear interpolation, as numpy's default)");
        rc = write_keys(g, &t, (size_t)nreps, rep, err);
    }
    if (!rc) rc = write_keys(gq, &t, 1, NULL, err);
    if (!rc) rc = totals_columns(g, gq, s, &t, reps, nreps, err);
    free(rep); free(t.arm); free(t.year); free(t.sex); free(t.key);
    if (gq >= 0) H5Gclose(gq);
    if (g >= 0) H5Gclose(g);
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
