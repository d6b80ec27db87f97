/* res_psa_targets.c - calibration targets in every PSA draw (res_psa_targets.h). */
#include "res_psa_targets.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "h5out.h"
#include "par.h"

/* The targets of both files, in the order the run's table prints them. */
static const char *const files[] = {"calibration.targets", "calibration.targets_extra"};
#define NFILES (sizeof files / sizeof files[0])

void os_psa_targets_free(os_psa_targets *t)
{
    if (!t) return;
    free(t->def);
    free(t->value);
    free(t->se);
    free(t);
}

static os_psa_targets *alloc_n(int rows, int n)
{
    os_psa_targets *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    size_t cells = (size_t)(rows ? rows : 1) * (size_t)(n ? n : 1);
    t->rows = rows;
    t->n = n;
    t->def = calloc((size_t)(n ? n : 1), sizeof *t->def);
    t->value = calloc(cells, sizeof *t->value);
    t->se = calloc(cells, sizeof *t->se);
    if (!t->def || !t->value || !t->se) {
        os_psa_targets_free(t);
        return NULL;
    }
    return t;
}

int os_psa_targets_alloc(os_psa_targets **out, const os_cfg *cfg, int rows, os_err *err)
{
    *out = NULL;
    os_targets tg[NFILES];
    size_t loaded = 0, n = 0;
    int rc = OS_OK;
    for (size_t k = 0; k < NFILES && !rc; k++) {
        const char *p = os_cfg_has(cfg, files[k]) ? os_cfg_path(cfg, files[k]) : NULL;
        if (!p || !*p) continue;
        rc = os_targets_load(&tg[loaded], p, err);
        if (!rc) n += tg[loaded++].n;
    }
    os_psa_targets *t = rc || !n ? NULL : alloc_n(rows, (int)n);
    if (!rc && n && !t) rc = os_fail(err, OS_ERUN, "out of memory (psa targets)");
    for (size_t k = 0, i = 0; k < loaded; k++) {
        if (t) memcpy(t->def + i, tg[k].t, tg[k].n * sizeof *tg[k].t);
        i += tg[k].n;
        os_targets_free(&tg[k]);
    }
    *out = t;
    return rc;
}

void os_psa_targets_record(os_psa_targets *t, int row, const os_summary *s)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) {
        size_t at = (size_t)row * (size_t)t->n + (size_t)i;
        os_err e = {0};
        double v;
        /* A target of a year the run does not simulate is not computable
         * in any draw (the run's table shows it as n/a). */
        if (os_target_model_value(&t->def[i], s, &v, &e)) {
            t->value[at] = NAN;
            t->se[at] = NAN;
            continue;
        }
        t->value[at] = v;
        t->se[at] = os_target_mc_se(&t->def[i], s);
    }
}

int os_psa_targets_copy(os_psa_targets **t, int rows, int row, const os_psa_targets *from, int from_row,
                        os_err *err)
{
    if (!from) return OS_OK;
    if (!*t) {
        if (!(*t = alloc_n(rows, from->n))) return os_fail(err, OS_ERUN, "out of memory (psa targets)");
        memcpy((*t)->def, from->def, (size_t)from->n * sizeof *from->def);
    }
    if ((*t)->n != from->n) return os_fail(err, OS_ECONFIG, "draws with different calibration targets");
    size_t n = (size_t)from->n, to = (size_t)row * n, src = (size_t)from_row * n;
    memcpy((*t)->value + to, from->value + src, n * sizeof *from->value);
    memcpy((*t)->se + to, from->se + src, n * sizeof *from->se);
    return OS_OK;
}

void os_psa_targets_gather(os_psa_targets *t)
{
    if (!t) return;
    /* Rows of other ranks are zero here; a NaN (not computable) stays NaN. */
    os_par_sum_f64(t->value, (size_t)t->rows * (size_t)t->n);
    os_par_sum_f64(t->se, (size_t)t->rows * (size_t)t->n);
}

int os_psa_target_within(const os_psa_targets *t, int row, int i)
{
    size_t at = (size_t)row * (size_t)t->n + (size_t)i;
    double v = t->value[at], se = t->se[at], res = fabs(v - t->def[i].value);
    if (!isfinite(v)) return 0;
    /* the rule of the run's targets table (res_targets.c, verdict) */
    return res <= t->def[i].tolerance || (isfinite(se) && res <= t->def[i].tolerance + OS_TARGET_MC_Z * se);
}

/* 1 if target I is fitted and the run computes it (in some draw: a ratio
 * whose denominator is zero in one draw is a miss of that draw). */
static int counted(const os_psa_targets *t, int i)
{
    if (t->def[i].weight <= 0.0) return 0;
    for (int r = 0; r < t->rows; r++)
        if (isfinite(t->value[(size_t)r * (size_t)t->n + (size_t)i])) return 1;
    return 0;
}

double os_psa_targets_share_all(const os_psa_targets *t)
{
    if (!t || t->rows == 0) return NAN;
    int ok = 0;
    for (int r = 0; r < t->rows; r++) {
        int all = 1;
        for (int i = 0; i < t->n && all; i++)
            if (counted(t, i)) all = os_psa_target_within(t, r, i);
        ok += all;
    }
    return (double)ok / t->rows;
}

static double share_of(const os_psa_targets *t, int i)
{
    int ok = 0;
    for (int r = 0; r < t->rows; r++) ok += os_psa_target_within(t, r, i);
    return t->rows ? (double)ok / t->rows : NAN;
}

static int nfitted(const os_psa_targets *t)
{
    int n = 0;
    for (int i = 0; i < t->n; i++) n += counted(t, i);
    return n;
}

/* One row per (draw, target). */
static int put_rows(hid_t g, const os_psa_targets *t, const int *draw, os_err *err)
{
    size_t rows = (size_t)t->rows * (size_t)t->n;
    int32_t *d = malloc((rows ? rows : 1) * sizeof *d);
    uint8_t *w = malloc((rows ? rows : 1) * sizeof *w);
    const char **names = malloc((rows ? rows : 1) * sizeof *names);
    double *obs = malloc((rows ? rows : 1) * sizeof *obs), *tol = malloc((rows ? rows : 1) * sizeof *tol);
    int rc = d && w && names && obs && tol ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    for (size_t k = 0; !rc && k < rows; k++) {
        int r = (int)(k / (size_t)t->n), i = (int)(k % (size_t)t->n);
        d[k] = draw[r];
        w[k] = (uint8_t)os_psa_target_within(t, r, i);
        names[k] = t->def[i].name;
        obs[k] = t->def[i].value;
        tol[k] = t->def[i].tolerance;
    }
    if (!rc) rc = os_h5_write_1d(g, "draw", H5T_NATIVE_INT32, d, rows, "1", "draw number k", 0, err);
    if (!rc) rc = os_h5_write_strings(g, "target", names, rows, "target name (the targets files)", err);
    if (!rc) rc = os_h5_write_1d(g, "value", H5T_NATIVE_DOUBLE, t->value, rows, "",
                                 "the model's value in this draw (NaN: not computable in this run)", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "observed", H5T_NATIVE_DOUBLE, obs, rows, "", "the target's value", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "tolerance", H5T_NATIVE_DOUBLE, tol, rows, "", "the target's tolerance", 0,
                                 err);
    if (!rc) rc = os_h5_write_1d(g, "mc_se", H5T_NATIVE_DOUBLE, t->se, rows, "",
                                 "Monte Carlo standard error of value", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "within", H5T_NATIVE_UINT8, w, rows, "1",
                                 "1: |value - observed| <= tolerance + 2 mc_se (the run's targets table)", 0, err);
    free(d);
    free(w);
    free(names);
    free(obs);
    free(tol);
    return rc;
}

/* One row per target: the share within and the spread of the model's value. */
static int put_summary(hid_t g, const os_psa_targets *t, os_err *err)
{
    size_t n = (size_t)t->n, nr = (size_t)t->rows;
    const char **names = malloc((n ? n : 1) * sizeof *names);
    double *col = malloc((n ? n : 1) * 7 * sizeof *col), *sorted = malloc((nr ? nr : 1) * sizeof *sorted);
    int rc = names && col && sorted ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    double *obs = col, *tol = col + n, *wt = col + 2 * n, *share = col + 3 * n, *mean = col + 4 * n,
           *lo = col + 5 * n, *hi = col + 6 * n;
    for (size_t i = 0; !rc && i < n; i++) {
        names[i] = t->def[i].name;
        obs[i] = t->def[i].value;
        tol[i] = t->def[i].tolerance;
        wt[i] = t->def[i].weight;
        share[i] = share_of(t, (int)i);
        /* over the draws that compute it (NaN would not sort) */
        size_t nf = 0;
        for (size_t r = 0; r < nr; r++)
            if (isfinite(t->value[r * n + i])) sorted[nf++] = t->value[r * n + i];
        gsl_sort(sorted, 1, nf);
        mean[i] = nf ? gsl_stats_mean(sorted, 1, nf) : NAN;
        lo[i] = nf ? gsl_stats_quantile_from_sorted_data(sorted, 1, nf, 0.025) : NAN;
        hi[i] = nf ? gsl_stats_quantile_from_sorted_data(sorted, 1, nf, 0.975) : NAN;
    }
    static const char *const cols[7] = {"observed", "tolerance", "weight", "share_within", "mean", "q025", "q975"};
    static const char *const desc[7] = {
        "the target's value", "the target's tolerance", "weight in the calibration objective (0: validation only)",
        "share of draws within tolerance (or its Monte Carlo error)", "mean of the model's value over the draws that compute it",
        "2.5 % quantile of the model's value over those draws", "97.5 % quantile of the model's value over those draws"};
    if (!rc) rc = os_h5_write_strings(g, "target", names, n, "target name (the targets files)", err);
    for (int c = 0; c < 7 && !rc; c++)
        rc = os_h5_write_1d(g, cols[c], H5T_NATIVE_DOUBLE, col + (size_t)c * n, n, c == 2 || c == 3 ? "1" : "",
                            desc[c], 0, err);
    free(names);
    free(col);
    free(sorted);
    return rc;
}

int os_psa_targets_write(hid_t psa, const os_psa_targets *t, const int *draw, os_err *err)
{
    if (!t) return OS_OK;
    hid_t g = H5Gcreate2(psa, "targets", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /psa/targets");
    os_h5_attr_str(g, "description", "the scenario's calibration targets in every draw: one row per (draw, target)");
    int rc = put_rows(g, t, draw, err);
    H5Gclose(g);
    g = rc ? -1 : H5Gcreate2(psa, "targets_summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!rc && g < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /psa/targets_summary");
    if (!rc) {
        os_h5_attr_str(g, "description", "the calibration targets over the draws: one row per target");
        os_h5_attr_f64(g, "share_all_within", os_psa_targets_share_all(t));
        os_h5_attr_i64(g, "fitted_targets", nfitted(t));
        rc = put_summary(g, t, err);
    }
    if (g >= 0) H5Gclose(g);
    return rc;
}

void os_psa_targets_report(FILE *out, const os_psa_targets *t)
{
    if (!t || t->rows == 0) return;
    int nf = nfitted(t);
    fprintf(out, "  calibration targets: %.1f %% of draws meet all %d fitted targets "
            "(within tolerance or its Monte Carlo error)\n", 100.0 * os_psa_targets_share_all(t), nf);
    /* The fitted targets most often missed, to say where draws fail. */
    int shown = 0;
    for (int pass = 0; pass < 2 && shown < 5; pass++)
        for (int i = 0; i < t->n && shown < 5; i++) {
            if (!counted(t, i)) continue;
            double s = share_of(t, i);
            if ((pass == 0) != (s < 0.5) || s >= 0.95) continue;
            fprintf(out, "    %-36s within in %5.1f %% of draws\n", t->def[i].name, 100.0 * s);
            shown++;
        }
}
