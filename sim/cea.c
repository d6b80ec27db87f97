/* cea.c - cost-effectiveness of the arms of a run (cea.h). */
#include "cea.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out.h"

const char *const os_cea_total_names[OS_CEA_NTOTALS] = {
    "cost", "cost_discounted", "qaly", "qaly_discounted", "life_years", "life_years_discounted",
    "falls", "fractures_hip", "fractures_vertebral", "fractures_wrist", "fractures_other",
    "deaths", "programme_cost", "programme_cost_discounted", "programme_starts",
};

void os_cea_totals(const os_summary *s, int narms, double tot[][OS_CEA_NTOTALS], double *population0)
{
    int col[OS_CEA_NTOTALS];
    for (int k = 0; k < OS_CEA_NTOTALS; k++) col[k] = os_summary_find(s, os_cea_total_names[k]);
    int pop = os_summary_find(s, "population");
    int y0 = s->nrows ? s->year[0] : 0;
    for (size_t r = 0; r < s->nrows; r++) y0 = s->year[r] < y0 ? s->year[r] : y0;
    memset(tot, 0, (size_t)narms * sizeof tot[0]);
    *population0 = 0;
    for (size_t r = 0; r < s->nrows; r++) {
        int a = s->arm[r];
        if (a < 0 || a >= narms) continue;
        const double *v = &s->values[r * (size_t)s->ncols];
        for (int k = 0; k < OS_CEA_NTOTALS; k++)
            if (col[k] >= 0) tot[a][k] += v[col[k]];
        if (a == 0 && pop >= 0 && s->year[r] == y0) *population0 += v[pop];
    }
}

static int cmp_cost(const void *x, const void *y, const os_cea *c)
{
    int a = *(const int *)x, b = *(const int *)y;
    double ca = c->tot[a][OS_CEA_COST_D], cb = c->tot[b][OS_CEA_COST_D];
    if (ca != cb) return ca < cb ? -1 : 1;
    double qa = c->tot[a][OS_CEA_QALY_D], qb = c->tot[b][OS_CEA_QALY_D];
    if (qa != qb) return qa > qb ? -1 : 1;
    return a - b;
}

/* Efficiency frontier: drop strongly dominated arms (another costs no more
 * and gains no fewer QALYs, one of them strictly), then extendedly
 * dominated ones (a higher ICER than the next arm on the frontier). */
static void frontier(os_cea *c)
{
    int order[OS_MAX_ARMS], n = c->narms;
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++)   /* insertion sort: a handful of arms */
        for (int j = i; j > 0 && cmp_cost(&order[j - 1], &order[j], c) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int i = 0; i < n; i++) {
        c->frontier[i] = OS_FRONTIER_ON;
        c->frontier_icer[i] = NAN;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double ci = c->tot[i][OS_CEA_COST_D], qi = c->tot[i][OS_CEA_QALY_D];
            double cj = c->tot[j][OS_CEA_COST_D], qj = c->tot[j][OS_CEA_QALY_D];
            if (i != j && cj <= ci && qj >= qi && (cj < ci || qj > qi)) c->frontier[i] = OS_FRONTIER_STRONG;
        }
    int f[OS_MAX_ARMS], nf = 0;
    for (int i = 0; i < n; i++)
        if (c->frontier[order[i]] == OS_FRONTIER_ON) f[nf++] = order[i];
    for (int changed = 1; changed && nf > 2;) {
        changed = 0;
        for (int i = 1; i + 1 < nf; i++) {
            double icer_in = (c->tot[f[i]][OS_CEA_COST_D] - c->tot[f[i - 1]][OS_CEA_COST_D]) /
                             (c->tot[f[i]][OS_CEA_QALY_D] - c->tot[f[i - 1]][OS_CEA_QALY_D]);
            double icer_out = (c->tot[f[i + 1]][OS_CEA_COST_D] - c->tot[f[i]][OS_CEA_COST_D]) /
                              (c->tot[f[i + 1]][OS_CEA_QALY_D] - c->tot[f[i]][OS_CEA_QALY_D]);
            if (icer_in > icer_out) {
                c->frontier[f[i]] = OS_FRONTIER_EXTENDED;
                memmove(&f[i], &f[i + 1], (size_t)(nf - i - 1) * sizeof f[0]);
                nf--;
                changed = 1;
                break;
            }
        }
    }
    for (int i = 1; i < nf; i++)
        c->frontier_icer[f[i]] = (c->tot[f[i]][OS_CEA_COST_D] - c->tot[f[i - 1]][OS_CEA_COST_D]) /
                                 (c->tot[f[i]][OS_CEA_QALY_D] - c->tot[f[i - 1]][OS_CEA_QALY_D]);
}

void os_cea_compare(os_cea *c)
{
    const double *r = c->tot[c->ref];
    for (int a = 0; a < c->narms; a++) {
        c->d_cost[a] = c->tot[a][OS_CEA_COST_D] - r[OS_CEA_COST_D];
        c->d_qaly[a] = c->tot[a][OS_CEA_QALY_D] - r[OS_CEA_QALY_D];
        c->d_ly[a] = c->tot[a][OS_CEA_LY_D] - r[OS_CEA_LY_D];
        c->icer[a] = c->d_qaly[a] != 0 ? c->d_cost[a] / c->d_qaly[a] : NAN;
        for (int w = 0; w < c->nwtp; w++) c->nmb[a][w] = c->wtp[w] * c->d_qaly[a] - c->d_cost[a];
        double dc = c->d_cost[a], dq = c->d_qaly[a];
        c->dominance[a] = a == c->ref ? OS_DOM_REFERENCE
                        : (dc <= 0 && dq >= 0 && (dc < 0 || dq > 0)) ? OS_DOM_DOMINANT
                        : (dc >= 0 && dq <= 0 && (dc > 0 || dq < 0)) ? OS_DOM_DOMINATED
                        : OS_DOM_NONE;
        if (c->dominance[a] != OS_DOM_NONE) c->icer[a] = NAN;
    }
    frontier(c);
}

int os_cea_wtp(const os_cfg *cfg, double *wtp, int max)
{
    if (!os_cfg_has(cfg, "economics.gdp_per_person")) return 0;
    double gdp = os_cfg_real(cfg, "economics.gdp_per_person");
    const double *mult;
    size_t n = os_cfg_real_list(cfg, "economics.wtp_multiples", &mult);
    int k = 0;
    for (size_t i = 0; i < n && k < max; i++) wtp[k++] = gdp * mult[i];
    return k;
}

static int put(hid_t g, const char *name, const double *v, int n, const char *units, const char *desc,
               os_err *err)
{
    return os_h5_write_1d(g, name, H5T_NATIVE_DOUBLE, v, (size_t)n, units, desc, 0, err);
}

int os_cea_write(hid_t file, const os_cfg *cfg, const os_summary *s, const os_arms *arms, os_cea *out,
                 os_err *err)
{
    os_cea *c = calloc(1, sizeof *c);
    if (!c) return os_fail(err, OS_ERUN, "out of memory (economics)");
    c->narms = arms->n;
    c->ref = arms->ref;
    c->nwtp = os_cea_wtp(cfg, c->wtp, OS_CEA_MAX_WTP);
    os_cea_totals(s, c->narms, c->tot, &c->population0);
    os_cea_compare(c);

    const char *money = os_cfg_has(cfg, "economics.currency") ? os_cfg_str(cfg, "economics.currency") : "";
    hid_t g = H5Gcreate2(file, "economics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        free(c);
        return os_fail(err, OS_ERUN, "HDF5: cannot create /economics");
    }
    int32_t idx[OS_MAX_ARMS];
    for (int a = 0; a < c->narms; a++) idx[a] = a;
    char arm_labels[2048] = "";
    for (int a = 0; a < c->narms; a++)
        snprintf(arm_labels + strlen(arm_labels), sizeof arm_labels - strlen(arm_labels), "%s%d=%s",
                 a ? "," : "", a, arms->names[a]);
    os_h5_attr_str(g, "description",
                   "per-arm totals over all simulated years, and increments against the reference arm "
                   "(discounted costs and QALYs); row a is arm a");
    os_h5_attr_str(g, "arms", arm_labels);
    os_h5_attr_str(g, "reference_arm", arms->names[c->ref]);
    os_h5_attr_i64(g, "reference", c->ref);
    os_h5_attr_str(g, "currency", money);
    int rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, idx, (size_t)c->narms, "1", "arm index", 0, err);
    if (!rc) rc = os_h5_write_strings(g, "arm_name", arms->names, (size_t)c->narms, "arm name", err);
    double col[OS_MAX_ARMS];
    static const char *const units_of[OS_CEA_NTOTALS] = {
        "$", "$", "QALY", "QALY", "years", "years", "falls", "fractures", "fractures", "fractures",
        "fractures", "persons", "$", "$", "persons"};
    for (int k = 0; k < OS_CEA_NTOTALS && !rc; k++) {
        for (int a = 0; a < c->narms; a++) col[a] = c->tot[a][k];
        const char *u = units_of[k][0] == '$' ? money : units_of[k];
        char desc[160];
        snprintf(desc, sizeof desc, "total of /summary/%s over all years, sexes and age bands",
                 os_cea_total_names[k]);
        rc = put(g, os_cea_total_names[k], col, c->narms, u, desc, err);
    }
    double fx[OS_MAX_ARMS], fx_av[OS_MAX_ARMS], falls_av[OS_MAX_ARMS], deaths_av[OS_MAX_ARMS];
    for (int a = 0; a < c->narms; a++) {
        fx[a] = c->tot[a][OS_CEA_FX_HIP] + c->tot[a][OS_CEA_FX_VERTEBRAL] + c->tot[a][OS_CEA_FX_WRIST] +
                c->tot[a][OS_CEA_FX_OTHER];
        falls_av[a] = c->tot[c->ref][OS_CEA_FALLS] - c->tot[a][OS_CEA_FALLS];
        deaths_av[a] = c->tot[c->ref][OS_CEA_DEATHS] - c->tot[a][OS_CEA_DEATHS];
    }
    for (int a = 0; a < c->narms; a++) fx_av[a] = fx[c->ref] - fx[a];
    if (!rc) rc = put(g, "fractures_total", fx, c->narms, "fractures", "fractures at all sites", err);
    if (!rc) rc = put(g, "fractures_averted", fx_av, c->narms, "fractures",
                      "fractures in the reference arm minus fractures in this arm", err);
    if (!rc) rc = put(g, "falls_averted", falls_av, c->narms, "falls", "reference minus this arm", err);
    if (!rc) rc = put(g, "deaths_averted", deaths_av, c->narms, "persons", "reference minus this arm", err);
    if (!rc) rc = put(g, "incremental_cost", c->d_cost, c->narms, money,
                      "discounted cost minus the reference arm's", err);
    if (!rc) rc = put(g, "incremental_qaly", c->d_qaly, c->narms, "QALY",
                      "discounted QALYs minus the reference arm's", err);
    if (!rc) rc = put(g, "incremental_life_years", c->d_ly, c->narms, "years",
                      "discounted life-years minus the reference arm's", err);
    char per_qaly[64];
    snprintf(per_qaly, sizeof per_qaly, "%s/QALY", money);
    if (!rc) rc = put(g, "icer", c->icer, c->narms, per_qaly,
                      "incremental cost per QALY gained against the reference arm; NaN when one arm "
                      "dominates the other (see dominance) and for the reference itself", err);
    /* Net monetary benefit: one column per threshold (every dataset of the
     * group has one row per arm), the thresholds in a subgroup. */
    for (int w = 0; w < c->nwtp && !rc; w++) {
        double v[OS_MAX_ARMS];
        for (int a = 0; a < c->narms; a++) v[a] = c->nmb[a][w];
        char name[32], desc[200];
        snprintf(name, sizeof name, "nmb_%d", w + 1);
        snprintf(desc, sizeof desc,
                 "incremental net monetary benefit at threshold %d (%.0f %s/QALY; /economics/thresholds): "
                 "wtp x incremental_qaly - incremental_cost", w + 1, c->wtp[w], money);
        rc = put(g, name, v, c->narms, money, desc, err);
        if (!rc) {
            hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
            os_h5_attr_f64(d, "wtp", c->wtp[w]);
            H5Dclose(d);
        }
    }
    if (!rc) {
        hid_t t = H5Gcreate2(g, "thresholds", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const double *mult;
        size_t nm = os_cfg_real_list(cfg, "economics.wtp_multiples", &mult);
        double m[OS_CEA_MAX_WTP];
        for (int w = 0; w < c->nwtp; w++) m[w] = (size_t)w < nm ? mult[w] : NAN;
        rc = t < 0 ? os_fail(err, OS_ERUN, "HDF5: cannot create /economics/thresholds")
                   : put(t, "wtp", c->wtp, c->nwtp, per_qaly,
                         "willingness-to-pay threshold k (column nmb_k): gdp_multiple x economics.gdp_per_person",
                         err);
        if (!rc) rc = put(t, "gdp_multiple", m, c->nwtp, "1", "economics.wtp_multiples", err);
        if (t >= 0) H5Gclose(t);
    }
    int32_t dom[OS_MAX_ARMS], fr[OS_MAX_ARMS];
    for (int a = 0; a < c->narms; a++) {
        dom[a] = c->dominance[a];
        fr[a] = c->frontier[a];
    }
    if (!rc) rc = os_h5_write_1d(g, "dominance", H5T_NATIVE_INT32, dom, (size_t)c->narms, "code",
                                 "against the reference arm", 0, err);
    if (!rc) {
        hid_t d = H5Dopen2(g, "dominance", H5P_DEFAULT);
        os_h5_attr_str(d, "labels", "0=none,1=dominant (costs less, gains more),2=dominated,3=reference");
        H5Dclose(d);
        rc = os_h5_write_1d(g, "frontier", H5T_NATIVE_INT32, fr, (size_t)c->narms, "code",
                            "efficiency frontier over all arms", 0, err);
    }
    if (!rc) {
        hid_t d = H5Dopen2(g, "frontier", H5P_DEFAULT);
        os_h5_attr_str(d, "labels", "0=on the frontier,1=strongly dominated,2=extendedly dominated");
        H5Dclose(d);
        rc = put(g, "frontier_icer", c->frontier_icer, c->narms, per_qaly,
                 "ICER against the previous arm on the frontier (cost order); NaN off the frontier and for "
                 "its cheapest arm", err);
    }
    H5Gclose(g);
    if (out) *out = *c;
    free(c);
    return rc;
}
