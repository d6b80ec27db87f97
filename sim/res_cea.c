/* res_cea.c - cost-effectiveness of the arms of a run (res_cea.h).  Columns are
 * found by role (model_roles.h): the comparison knows costs, a health
 * effect, life-years and kinds of events, not what a model calls them. */
#include "res_cea.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out.h"
#include "model_roles.h"

void os_cea_totals(const os_summary *s, int narms, double tot[][OS_MAX_SUMMARY_COLS], double *population0)
{
    int pop[OS_MAX_SUMMARY_COLS];
    int npop = os_roles_find(s->cols, s->ncols, OS_ROLE_POPULATION, 0, 0, pop);
    int y0 = s->nrows ? s->year[0] : 0;
    for (size_t r = 0; r < s->nrows; r++) y0 = s->year[r] < y0 ? s->year[r] : y0;
    memset(tot, 0, (size_t)narms * sizeof tot[0]);
    *population0 = 0;
    for (size_t r = 0; r < s->nrows; r++) {
        int a = s->arm[r];
        if (a < 0 || a >= narms) continue;
        const double *v = &s->values[r * (size_t)s->ncols];
        for (int k = 0; k < s->ncols; k++) tot[a][k] += v[k];
        for (int k = 0; a == 0 && k < npop && s->year[r] == y0; k++) *population0 += v[pop[k]];
    }
}

static int cmp_cost(const void *x, const void *y, const os_cea *c)
{
    int a = *(const int *)x, b = *(const int *)y;
    double ca = c->cost[a], cb = c->cost[b];
    if (ca != cb) return ca < cb ? -1 : 1;
    double qa = c->effect[a], qb = c->effect[b];
    if (qa != qb) return qa > qb ? -1 : 1;
    return a - b;
}

/* ICER of arm J against arm I. */
static double icer_of(const os_cea *c, int i, int j)
{
    return (c->cost[j] - c->cost[i]) / (c->effect[j] - c->effect[i]);
}

/* Efficiency frontier: drop strongly dominated arms (another costs no more
 * and gains no less effect, one of them strictly), then extendedly
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
            double ci = c->cost[i], qi = c->effect[i], cj = c->cost[j], qj = c->effect[j];
            if (i != j && cj <= ci && qj >= qi && (cj < ci || qj > qi)) c->frontier[i] = OS_FRONTIER_STRONG;
        }
    int f[OS_MAX_ARMS], nf = 0;
    for (int i = 0; i < n; i++)
        if (c->frontier[order[i]] == OS_FRONTIER_ON) f[nf++] = order[i];
    for (int changed = 1; changed && nf > 2;) {
        changed = 0;
        for (int i = 1; i + 1 < nf; i++) {
            if (icer_of(c, f[i - 1], f[i]) > icer_of(c, f[i], f[i + 1])) {
                c->frontier[f[i]] = OS_FRONTIER_EXTENDED;
                memmove(&f[i], &f[i + 1], (size_t)(nf - i - 1) * sizeof f[0]);
                nf--;
                changed = 1;
                break;
            }
        }
    }
    for (int i = 1; i < nf; i++) c->frontier_icer[f[i]] = icer_of(c, f[i - 1], f[i]);
}

void os_cea_compare(os_cea *c)
{
    int ref = c->ref;
    for (int a = 0; a < c->narms; a++) {
        c->d_cost[a] = c->cost[a] - c->cost[ref];
        c->d_effect[a] = c->effect[a] - c->effect[ref];
        c->d_ly[a] = c->ly[a] - c->ly[ref];
        c->icer[a] = c->d_effect[a] != 0 ? c->d_cost[a] / c->d_effect[a] : NAN;
        for (int w = 0; w < c->nwtp; w++) c->nmb[a][w] = c->wtp[w] * c->d_effect[a] - c->d_cost[a];
        double dc = c->d_cost[a], dq = c->d_effect[a];
        c->dominance[a] = a == ref ? OS_DOM_REFERENCE
                        : (dc <= 0 && dq >= 0 && (dc < 0 || dq > 0)) ? OS_DOM_DOMINANT
                        : (dc >= 0 && dq <= 0 && (dc > 0 || dq < 0)) ? OS_DOM_DOMINATED
                        : OS_DOM_NONE;
        if (c->dominance[a] != OS_DOM_NONE) c->icer[a] = NAN;
    }
    frontier(c);
}

void os_cea_setup(os_cea *c, const os_summary *s, const os_arms *arms)
{
    memset(c, 0, sizeof *c);
    c->narms = arms->n;
    c->ref = arms->ref;
    c->nwtp = s->wtp.n < OS_CEA_MAX_WTP ? s->wtp.n : OS_CEA_MAX_WTP;
    for (int w = 0; w < c->nwtp; w++) c->wtp[w] = s->wtp.value[w];
    os_cea_totals(s, c->narms, c->tot, &c->population0);
    for (int a = 0; a < c->narms; a++) {
        c->cost[a] = os_roles_measure(s->cols, s->ncols, c->tot[a], OS_ROLE_COST);
        c->effect[a] = os_roles_measure(s->cols, s->ncols, c->tot[a], OS_ROLE_UTILITY);
        c->ly[a] = os_roles_measure(s->cols, s->ncols, c->tot[a], OS_ROLE_LIFE_YEARS);
    }
    os_cea_compare(c);
}

/* ---- writing /economics ---- */

/* Names and units the derived outputs are composed from. */
typedef struct words {
    const char *money, *effect_units, *cost, *effect, *ly, *ly_units;
    char per_effect[112];
} words;

static const char *label_or(const os_summary_col *c, const char *dflt)
{
    return c && c->label[0] ? c->label : dflt;
}

static void words_of(words *w, const os_summary *s)
{
    const os_summary_col *cost = os_roles_main(s->cols, s->ncols, OS_ROLE_COST);
    const os_summary_col *eff = os_roles_main(s->cols, s->ncols, OS_ROLE_UTILITY);
    const os_summary_col *ly = os_roles_main(s->cols, s->ncols, OS_ROLE_LIFE_YEARS);
    w->money = cost ? cost->units : "";
    w->effect_units = eff ? eff->units : "";
    w->ly_units = ly ? ly->units : "";
    w->cost = label_or(cost, "cost");
    w->effect = label_or(eff, "effect");
    w->ly = label_or(ly, "life_years");
    snprintf(w->per_effect, sizeof w->per_effect, "%s/%s", w->money, w->effect_units);
}

static int put(hid_t g, const char *name, const double *v, int n, const char *units, const char *desc,
               os_err *err)
{
    return os_h5_write_1d(g, name, H5T_NATIVE_DOUBLE, v, (size_t)n, units, desc, 0, err);
}

/* One column per summed summary column (costs in the currency). */
static int put_totals(hid_t g, const os_cea *c, const os_summary *s, const words *w, os_err *err)
{
    int idx[OS_MAX_SUMMARY_COLS], nt = os_roles_totals(s->cols, s->ncols, idx), rc = OS_OK;
    double col[OS_MAX_ARMS];
    for (int i = 0; i < nt && !rc; i++) {
        const os_summary_col *sc = &s->cols[idx[i]];
        for (int a = 0; a < c->narms; a++) col[a] = c->tot[a][idx[i]];
        char desc[160];
        snprintf(desc, sizeof desc, "total of /summary/%s over all years, sexes and age bands", sc->name);
        rc = put(g, sc->name, col, c->narms, sc->role == OS_ROLE_COST ? w->money : sc->units, desc, err);
    }
    return rc;
}

/* Per kind of event: <kind>_total over its sites (kinds with sites) and
 * <kind>_averted; kinds with sites first. */
static int put_events(hid_t g, const os_cea *c, const os_summary *s, os_err *err)
{
    int first[OS_MAX_SUMMARY_COLS], nk = os_roles_kinds(s->cols, s->ncols, first), rc = OS_OK;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nk && !rc; i++) {
            int idx[OS_MAX_SUMMARY_COLS], sites, n = os_roles_kind_cols(s->cols, s->ncols, first[i], idx, &sites);
            if (sites != (pass == 0)) continue;
            const os_summary_col *k = &s->cols[first[i]];
            double t[OS_MAX_ARMS], av[OS_MAX_ARMS];
            for (int a = 0; a < c->narms; a++) {
                t[a] = 0;
                for (int j = 0; j < n; j++) t[a] += c->tot[a][idx[j]];
            }
            for (int a = 0; a < c->narms; a++) av[a] = t[c->ref] - t[a];
            char name[64], desc[160];
            snprintf(desc, sizeof desc, "reference minus this arm");
            if (sites) {
                snprintf(name, sizeof name, "%s_total", k->label);
                snprintf(desc, sizeof desc, "%s at all sites", k->label);
                rc = put(g, name, t, c->narms, k->units, desc, err);
                snprintf(desc, sizeof desc, "%s in the reference arm minus %s in this arm", k->label, k->label);
            }
            snprintf(name, sizeof name, "%s_averted", k->label);
            if (!rc) rc = put(g, name, av, c->narms, k->units, desc, err);
        }
    return rc;
}

static int put_increments(hid_t g, const os_cea *c, const words *w, os_err *err)
{
    char name[64], desc[240];
    snprintf(name, sizeof name, "incremental_%s", w->cost);
    int rc = put(g, name, c->d_cost, c->narms, w->money, "discounted cost minus the reference arm's", err);
    snprintf(name, sizeof name, "incremental_%s", w->effect);
    snprintf(desc, sizeof desc, "discounted %ss minus the reference arm's", w->effect_units);
    if (!rc) rc = put(g, name, c->d_effect, c->narms, w->effect_units, desc, err);
    snprintf(name, sizeof name, "incremental_%s", w->ly);
    if (!rc) rc = put(g, name, c->d_ly, c->narms, w->ly_units, "discounted life-years minus the reference arm's",
                      err);
    snprintf(desc, sizeof desc,
             "incremental cost per %s gained against the reference arm; NaN when one arm dominates the other "
             "(see dominance) and for the reference itself", w->effect_units);
    if (!rc) rc = put(g, "icer", c->icer, c->narms, w->per_effect, desc, err);
    return rc;
}

/* Net monetary benefit: one column per threshold (every dataset of the
 * group has one row per arm), the thresholds in a subgroup. */
static int put_nmb(hid_t g, const os_cea *c, const os_wtp *wtp, const words *w, os_err *err)
{
    int rc = OS_OK;
    for (int k = 0; k < c->nwtp && !rc; k++) {
        double v[OS_MAX_ARMS];
        for (int a = 0; a < c->narms; a++) v[a] = c->nmb[a][k];
        char name[32], desc[320];
        snprintf(name, sizeof name, "nmb_%d", k + 1);
        snprintf(desc, sizeof desc,
                 "incremental net monetary benefit at threshold %d (%.0f %s; /economics/thresholds): "
                 "wtp x incremental_%s - incremental_%s", k + 1, c->wtp[k], w->per_effect, w->effect, w->cost);
        rc = put(g, name, v, c->narms, w->money, desc, err);
        if (!rc) {
            hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
            os_h5_attr_f64(d, "wtp", c->wtp[k]);
            H5Dclose(d);
        }
    }
    if (rc) return rc;
    hid_t t = H5Gcreate2(g, "thresholds", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (t < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /economics/thresholds");
    char desc[200];
    snprintf(desc, sizeof desc, "willingness-to-pay threshold k (column nmb_k): gdp_multiple x %s", wtp->base_key);
    rc = put(t, "wtp", c->wtp, c->nwtp, w->per_effect, desc, err);
    if (!rc) rc = put(t, "gdp_multiple", wtp->multiple, c->nwtp, "1", wtp->multiple_key, err);
    H5Gclose(t);
    return rc;
}

static int put_codes(hid_t g, const char *name, const int *v, int n, const char *desc, const char *labels,
                     os_err *err)
{
    int32_t x[OS_MAX_ARMS];
    for (int a = 0; a < n; a++) x[a] = v[a];
    int rc = os_h5_write_1d(g, name, H5T_NATIVE_INT32, x, (size_t)n, "code", desc, 0, err);
    if (!rc) {
        hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
        os_h5_attr_str(d, "labels", labels);
        H5Dclose(d);
    }
    return rc;
}

static int put_frontier(hid_t g, const os_cea *c, const words *w, os_err *err)
{
    int rc = put_codes(g, "dominance", c->dominance, c->narms, "against the reference arm",
                       "0=none,1=dominant (costs less, gains more),2=dominated,3=reference", err);
    if (!rc) rc = put_codes(g, "frontier", c->frontier, c->narms, "efficiency frontier over all arms",
                            "0=on the frontier,1=strongly dominated,2=extendedly dominated", err);
    if (!rc) rc = put(g, "frontier_icer", c->frontier_icer, c->narms, w->per_effect,
                      "ICER against the previous arm on the frontier (cost order); NaN off the frontier and for "
                      "its cheapest arm", err);
    return rc;
}

static int put_head(hid_t g, const os_cea *c, const os_arms *arms, const words *w, os_err *err)
{
    int32_t idx[OS_MAX_ARMS];
    for (int a = 0; a < c->narms; a++) idx[a] = a;
    char arm_labels[2048] = "", desc[200];
    for (int a = 0; a < c->narms; a++)
        snprintf(arm_labels + strlen(arm_labels), sizeof arm_labels - strlen(arm_labels), "%s%d=%s",
                 a ? "," : "", a, arms->names[a]);
    snprintf(desc, sizeof desc,
             "per-arm totals over all simulated years, and increments against the reference arm "
             "(discounted costs and %ss); row a is arm a", w->effect_units);
    os_h5_attr_str(g, "description", desc);
    os_h5_attr_str(g, "arms", arm_labels);
    os_h5_attr_str(g, "reference_arm", arms->names[c->ref]);
    os_h5_attr_i64(g, "reference", c->ref);
    os_h5_attr_str(g, "currency", w->money);
    int rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, idx, (size_t)c->narms, "1", "arm index", 0, err);
    if (!rc) rc = os_h5_write_strings(g, "arm_name", arms->names, (size_t)c->narms, "arm name", err);
    return rc;
}

int os_cea_write(hid_t file, const os_summary *s, const os_arms *arms, os_cea *out, os_err *err)
{
    return os_cea_write_group(file, "economics", "calendar: every simulated year", s, arms, out, err);
}

int os_cea_write_group(hid_t file, const char *name, const char *horizon, const os_summary *s,
                       const os_arms *arms, os_cea *out, os_err *err)
{
    os_cea *c = malloc(sizeof *c);
    if (!c) return os_fail(err, OS_ERUN, "out of memory (economics)");
    os_cea_setup(c, s, arms);
    words w;
    words_of(&w, s);
    hid_t g = H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        free(c);
        return os_fail(err, OS_ERUN, "HDF5: cannot create /%s", name);
    }
    os_h5_attr_str(g, "horizon", horizon);
    int rc = put_head(g, c, arms, &w, err);
    if (!rc) rc = put_totals(g, c, s, &w, err);
    if (!rc) rc = put_events(g, c, s, err);
    if (!rc) rc = put_increments(g, c, &w, err);
    if (!rc) rc = put_nmb(g, c, &s->wtp, &w, err);
    if (!rc) rc = put_frontier(g, c, &w, err);
    H5Gclose(g);
    if (out) *out = *c;
    free(c);
    return rc;
}
