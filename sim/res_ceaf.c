/* res_ceaf.c - CEAF, expected loss and PSA summary (res_ceaf.h). */
#include "res_ceaf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "h5out.h"
#include "model_roles.h"

#define NT OS_MAX_SUMMARY_COLS

static double nmb(const os_voi *v, int r, int a, double wtp)
{
    size_t k = (size_t)r * (size_t)v->narms + (size_t)a;
    return wtp * v->effect[k] - v->cost[k];
}

int os_ceaf_at(const os_voi *v, double wtp, double *prob, double *loss)
{
    double mean[OS_MAX_ARMS] = {0}, l[OS_MAX_ARMS] = {0};
    int wins[OS_MAX_ARMS] = {0}, na = v->narms < OS_MAX_ARMS ? v->narms : OS_MAX_ARMS;
    for (int r = 0; r < v->ndraws; r++) {
        int best = 0;
        for (int a = 0; a < na; a++) {
            mean[a] += nmb(v, r, a, wtp);
            if (nmb(v, r, a, wtp) > nmb(v, r, best, wtp)) best = a;
        }
        wins[best]++;
        for (int a = 0; a < na; a++) l[a] += nmb(v, r, best, wtp) - nmb(v, r, a, wtp);
    }
    int arm = 0;
    for (int a = 1; a < na; a++)
        if (mean[a] > mean[arm]) arm = a;
    *prob = v->ndraws ? (double)wins[arm] / v->ndraws : 0;
    for (int a = 0; loss && a < na; a++) loss[a] = v->ndraws ? l[a] / v->ndraws : 0;
    return arm;
}

static int put(hid_t g, const char *name, const double *x, size_t n, const char *units, const char *desc,
               os_err *err)
{
    return os_h5_write_1d(g, name, H5T_NATIVE_DOUBLE, x, n, units, desc, 0, err);
}

static int put_arm(hid_t g, const int32_t *a, size_t n, const char *desc, const char *labels, os_err *err)
{
    int rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, a, n, "code", desc, 0, err);
    if (!rc) {
        hid_t d = H5Dopen2(g, "arm", H5P_DEFAULT);
        os_h5_attr_str(d, "labels", labels);
        H5Dclose(d);
    }
    return rc;
}

static hid_t sub_group(hid_t g, const char *name, const char *desc, os_err *err)
{
    hid_t s = H5Gcreate2(g, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (s < 0) os_fail(err, OS_ERUN, "HDF5: cannot create /psa/%s", name);
    else os_h5_attr_str(s, "description", desc);
    return s;
}

static int write_ceaf(hid_t g, const os_voi *v, const double *grid, int ngrid, const char *money,
                      const char *per_effect, const char *labels, os_err *err)
{
    size_t na = (size_t)v->narms, nl = (size_t)ngrid * na;
    double *prob = malloc((size_t)ngrid * sizeof *prob), *loss = malloc(nl * sizeof *loss);
    double *lw = malloc(nl * sizeof *lw);
    int32_t *arm = malloc((size_t)ngrid * sizeof *arm), *la = malloc(nl * sizeof *la);
    int rc = prob && loss && lw && arm && la ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    for (int i = 0; !rc && i < ngrid; i++) {
        arm[i] = os_ceaf_at(v, grid[i], &prob[i], &loss[(size_t)i * na]);
        for (size_t a = 0; a < na; a++) {
            lw[(size_t)i * na + a] = grid[i];
            la[(size_t)i * na + a] = (int32_t)a;
        }
    }
    hid_t s = rc ? -1 : sub_group(g, "ceaf", "cost-effectiveness acceptability frontier: one row per "
                                  "threshold, the arm with the highest expected net monetary benefit", err);
    if (!rc && s < 0) rc = OS_ERUN;
    if (!rc) rc = put(s, "wtp", grid, (size_t)ngrid, per_effect, "willingness-to-pay threshold", err);
    if (!rc) rc = put_arm(s, arm, (size_t)ngrid, "arm with the highest mean net monetary benefit", labels, err);
    if (!rc) rc = put(s, "probability", prob, (size_t)ngrid, "1",
                      "share of draws in which that arm has the highest net monetary benefit", err);
    if (s >= 0) H5Gclose(s);
    s = rc ? -1 : sub_group(g, "expected_loss", "expected loss curves: one row per (threshold, arm)", err);
    if (!rc && s < 0) rc = OS_ERUN;
    if (!rc) rc = put(s, "wtp", lw, nl, per_effect, "willingness-to-pay threshold", err);
    if (!rc) rc = put_arm(s, la, nl, "arm index", labels, err);
    if (!rc) rc = put(s, "expected_loss", loss, nl, money,
                      "mean over draws of the best arm's net monetary benefit minus this arm's (whole "
                      "population over the run); the minimum over arms at a threshold is the EVPI", err);
    if (s >= 0) H5Gclose(s);
    free(prob);
    free(loss);
    free(lw);
    free(arm);
    free(la);
    return rc;
}

/* ---- the PSA summary ---- */

/* Mean and 2.5 % / 97.5 % quantiles of X (N, sorted here) into OUT[3]. */
static void describe(double *x, size_t n, double *out)
{
    gsl_sort(x, 1, n);
    out[0] = n ? gsl_stats_mean(x, 1, n) : NAN;
    out[1] = n ? gsl_stats_quantile_from_sorted_data(x, 1, n, 0.025) : NAN;
    out[2] = n ? gsl_stats_quantile_from_sorted_data(x, 1, n, 0.975) : NAN;
}

typedef struct measure {
    char name[64], units[48], desc[160];
    int kind;      /* 0 increment of cost, 1 of effect, 2 cost, 3 effect, 4 averted events */
    int idx[OS_MAX_SUMMARY_COLS], nidx;
} measure;

static int measures_of(const os_summary_col *cols, int ncols, measure *m)
{
    const os_summary_col *mc = os_roles_main(cols, ncols, OS_ROLE_COST);
    const os_summary_col *me = os_roles_main(cols, ncols, OS_ROLE_UTILITY);
    const char *money = os_roles_units(cols, ncols, OS_ROLE_COST);
    const char *eu = os_roles_units(cols, ncols, OS_ROLE_UTILITY);
    int n = 0;
    memset(m, 0, 4 * sizeof *m);
    snprintf(m[n].name, sizeof m[n].name, "incremental_%s", mc && mc->label[0] ? mc->label : "cost");
    snprintf(m[n].units, sizeof m[n].units, "%s", money);
    snprintf(m[n++].desc, sizeof m[0].desc, "discounted cost minus the reference arm's, same draw");
    snprintf(m[n].name, sizeof m[n].name, "incremental_%s", me && me->label[0] ? me->label : "effect");
    snprintf(m[n].units, sizeof m[n].units, "%s", eu);
    snprintf(m[n++].desc, sizeof m[0].desc, "discounted %ss minus the reference arm's, same draw", eu);
    snprintf(m[n].name, sizeof m[n].name, "%s", mc ? mc->name : "cost");
    snprintf(m[n].units, sizeof m[n].units, "%s", money);
    snprintf(m[n++].desc, sizeof m[0].desc, "discounted cost of the arm");
    snprintf(m[n].name, sizeof m[n].name, "%s", me ? me->name : "effect");
    snprintf(m[n].units, sizeof m[n].units, "%s", eu);
    snprintf(m[n++].desc, sizeof m[0].desc, "discounted %ss of the arm", eu);
    for (int i = 0; i < 4; i++) m[i].kind = i;
    int first[OS_MAX_SUMMARY_COLS], nk = os_roles_kinds(cols, ncols, first);
    for (int k = 0; k < nk && n < 4 + OS_MAX_SUMMARY_COLS; k++, n++) {
        memset(&m[n], 0, sizeof m[n]);
        m[n].kind = 4;
        m[n].nidx = os_roles_kind_cols(cols, ncols, first[k], m[n].idx, NULL);
        snprintf(m[n].name, sizeof m[n].name, "%s_averted", cols[first[k]].label);
        snprintf(m[n].units, sizeof m[n].units, "%s", cols[first[k]].units);
        snprintf(m[n].desc, sizeof m[n].desc, "%s in the reference arm minus this arm, same draw",
                 cols[first[k]].label);
    }
    return n;
}

static double value_of(const os_voi *v, const double *tot, const measure *m, int r, int a)
{
    size_t k = (size_t)r * (size_t)v->narms, at = k + (size_t)a, ref = k + (size_t)v->ref;
    switch (m->kind) {
    case 0: return v->cost[at] - v->cost[ref];
    case 1: return v->effect[at] - v->effect[ref];
    case 2: return v->cost[at];
    case 3: return v->effect[at];
    default: {
        double s = 0;
        for (int j = 0; j < m->nidx; j++) s += tot[ref * NT + (size_t)m->idx[j]] - tot[at * NT + (size_t)m->idx[j]];
        return s;
    }
    }
}

static int write_summary(hid_t g, const os_voi *v, const double *tot, const os_summary_col *cols, int ncols,
                         const char *labels, os_err *err)
{
    measure m[4 + OS_MAX_SUMMARY_COLS];
    int nm = measures_of(cols, ncols, m);
    size_t na = (size_t)v->narms, n = (size_t)v->ndraws;
    double *x = malloc((n + 1) * sizeof *x), *col = malloc(3 * na * sizeof *col);
    int32_t arm[OS_MAX_ARMS];
    for (size_t a = 0; a < na; a++) arm[a] = (int32_t)a;
    int rc = x && col ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    hid_t s = rc ? -1 : sub_group(g, "summary", "PSA summary: one row per arm, mean and 95 % interval "
                                  "(2.5 % and 97.5 % quantiles) over the draws", err);
    if (!rc && s < 0) rc = OS_ERUN;
    if (!rc) rc = put_arm(s, arm, na, "arm index", labels, err);
    static const char *const sfx[3] = {"mean", "p2_5", "p97_5"};
    static const char *const what[3] = {"mean over draws", "2.5 % quantile over draws", "97.5 % quantile over draws"};
    for (int i = 0; !rc && i < nm; i++) {
        for (size_t a = 0; a < na; a++) {
            for (size_t r = 0; r < n; r++) x[r] = value_of(v, tot, &m[i], (int)r, (int)a);
            double d[3];
            describe(x, n, d);
            for (int q = 0; q < 3; q++) col[(size_t)q * na + a] = d[q];
        }
        for (int q = 0; !rc && q < 3; q++) {
            char name[96], desc[240];
            snprintf(name, sizeof name, "%.63s_%s", m[i].name, sfx[q]);
            snprintf(desc, sizeof desc, "%.150s: %s", m[i].desc, what[q]);
            rc = put(s, name, col + (size_t)q * na, na, m[i].units, desc, err);
        }
    }
    if (s >= 0) H5Gclose(s);
    free(x);
    free(col);
    return rc;
}

int os_ceaf_write(hid_t g, const os_voi *v, const double *grid, int ngrid, const double *tot,
                  const os_summary_col *cols, int ncols, const char *labels, os_err *err)
{
    const char *money = os_roles_units(cols, ncols, OS_ROLE_COST);
    char per_effect[112];
    snprintf(per_effect, sizeof per_effect, "%s/%s", money, os_roles_units(cols, ncols, OS_ROLE_UTILITY));
    int rc = write_ceaf(g, v, grid, ngrid, money, per_effect, labels, err);
    if (!rc) rc = write_summary(g, v, tot, cols, ncols, labels, err);
    return rc;
}
