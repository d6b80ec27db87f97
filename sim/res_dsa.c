/* res_dsa.c - one-way deterministic sensitivity analysis (res_dsa.h). */
#include "res_dsa.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "engine.h"
#include "h5out.h"
#include "model_roles.h"
#include "res_cea.h"

double os_dsa_quantile(os_dist d, double p)
{
    const double *q = d.p;
    switch (d.type) {
    case OS_DIST_NORMAL: return q[0] + gsl_cdf_gaussian_Pinv(p, q[1]);
    case OS_DIST_LOGNORMAL: return gsl_cdf_lognormal_Pinv(p, q[0], q[1]);
    case OS_DIST_GAMMA: return gsl_cdf_gamma_Pinv(p, q[0], q[1]);
    case OS_DIST_BETA: return gsl_cdf_beta_Pinv(p, q[0], q[1]);
    case OS_DIST_UNIFORM: return gsl_cdf_flat_Pinv(p, q[0], q[1]);
    case OS_DIST_TRIANGULAR: {
        double a = q[0], c = q[1], b = q[2], fc = (c - a) / (b - a);
        return p < fc ? a + sqrt(p * (b - a) * (c - a)) : b - sqrt((1 - p) * (b - a) * (b - c));
    }
    default: return NAN;
    }
}

/* ---- choosing the parameters ---- */

typedef struct pick {
    const os_cfg *cfg;
    const char *const *keys;
    int nkeys;
    os_dsa *dsa;
    int *found;   /* [nkeys] */
    int oom;
} pick;

static int uncertain(const os_cfg *cfg, const os_param_spec *spec, int present)
{
    if (!present || spec->type != OS_P_REAL) return 0;
    os_dist d = os_cfg_dist(cfg, spec->key);
    return d.type != OS_DIST_NONE && d.type != OS_DIST_FIXED;
}

static void add(pick *k, const os_param_spec *spec)
{
    os_dsa *d = k->dsa;
    char *key = strdup(spec->key);
    char **kk = realloc(d->key, (size_t)(d->n + 1) * sizeof *kk);
    double *b = realloc(d->base, (size_t)(d->n + 1) * sizeof *b);
    if (kk) d->key = kk;
    if (b) d->base = b;
    double *lo = realloc(d->lo, (size_t)(d->n + 1) * sizeof *lo);
    if (lo) d->lo = lo;
    double *hi = realloc(d->hi, (size_t)(d->n + 1) * sizeof *hi);
    if (hi) d->hi = hi;
    if (!key || !kk || !b || !lo || !hi) {
        free(key);
        k->oom = 1;
        return;
    }
    os_dist dist = os_cfg_dist(k->cfg, spec->key);
    double v[2] = {os_dsa_quantile(dist, 0.025), os_dsa_quantile(dist, 0.975)};
    for (int i = 0; i < 2 && spec->min <= spec->max; i++) v[i] = v[i] < spec->min ? spec->min : (v[i] > spec->max ? spec->max : v[i]);
    d->key[d->n] = key;
    d->base[d->n] = os_cfg_real(k->cfg, spec->key);
    d->lo[d->n] = v[0];
    d->hi[d->n] = v[1];
    d->n++;
}

static void visit(void *ctx, const os_param_spec *spec, int present, int used)
{
    (void)used;
    pick *k = ctx;
    if (k->oom) return;
    if (!k->nkeys) {
        if (uncertain(k->cfg, spec, present)) add(k, spec);
        return;
    }
    for (int i = 0; i < k->nkeys; i++)
        if (strcmp(k->keys[i], spec->key) == 0 && !k->found[i]) {
            k->found[i] = 1 + uncertain(k->cfg, spec, present);
            if (k->found[i] == 2) add(k, spec);
        }
}

int os_dsa_setup(const os_cfg *cfg, const char *const *keys, int nkeys, os_dsa *dsa, os_err *err)
{
    memset(dsa, 0, sizeof *dsa);
    os_arms arms;
    os_engine_arms(cfg, &arms);
    dsa->narms = arms.n;
    pick k = {cfg, keys, nkeys, dsa, calloc((size_t)nkeys + 1, sizeof(int)), 0};
    int rc = k.found ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    if (!rc) os_cfg_visit(cfg, visit, &k);
    if (!rc && k.oom) rc = os_fail(err, OS_ERUN, "out of memory (dsa)");
    for (int i = 0; !rc && i < nkeys; i++)
        if (k.found[i] != 2)
            rc = os_fail(err, OS_ECONFIG, "dsa: --params: %s: %s", keys[i],
                         k.found[i] ? "has no uncertainty distribution (dist fixed or absent)"
                                    : "not a numeric parameter of this scenario");
    if (!rc && dsa->n == 0) rc = os_fail(err, OS_ECONFIG, "dsa: the scenario has no uncertain parameter");
    if (!rc && !(dsa->pt = calloc(2 * (size_t)dsa->n, sizeof *dsa->pt))) rc = os_fail(err, OS_ERUN, "out of memory");
    free(k.found);
    if (rc) os_dsa_free(dsa);
    return rc;
}

void os_dsa_free(os_dsa *d)
{
    for (int i = 0; d->key && i < d->n; i++) free(d->key[i]);
    free(d->key);
    free(d->base);
    free(d->lo);
    free(d->hi);
    free(d->pt);
    memset(d, 0, sizeof *d);
}

/* ---- running the points ---- */

void os_dsa_compare(const os_summary *s, const os_arms *arms, os_dsa_point *pt, double *wtp)
{
    os_cea *c = malloc(sizeof *c);
    memset(pt, 0, sizeof *pt);
    if (!c) return;
    os_cea_setup(c, s, arms);
    for (int a = 0; a < c->narms; a++) {
        pt->d_cost[a] = c->d_cost[a];
        pt->d_effect[a] = c->d_effect[a];
        pt->icer[a] = c->icer[a];
        pt->nmb[a] = c->nwtp ? c->nmb[a][0] : NAN;
    }
    if (wtp) *wtp = c->nwtp ? c->wtp[0] : NAN;
    free(c);
}

int os_dsa_run(const os_cfg *cfg, const os_phases *ph, int nthreads, int progress, os_dsa *dsa, os_err *err)
{
    char *text = os_cfg_dump(cfg);
    if (!text) return os_fail(err, OS_ERUN, "out of memory");
    os_arms arms;
    int rc = OS_OK;
    for (int i = 0; i < 2 * dsa->n && !rc; i++) {
        int p = i / 2;
        double v = i % 2 ? dsa->hi[p] : dsa->lo[p];
        if (progress) fprintf(stderr, "osteosim dsa: %d of %d: %s = %g (%s)\n", i + 1, 2 * dsa->n, dsa->key[p], v,
                              i % 2 ? "high" : "low");
        os_cfg *ck = NULL;
        os_summary s = {0};
        os_run_opts opts = {0};
        opts.nthreads = nthreads;
        opts.quiet = 1;
        opts.calendar_only = 1;   /* compared on the calendar horizon, as /psa */
        rc = os_cfg_load_string(&ck, text, "(dsa point)", NULL, NULL, 0, err);
        if (!rc) rc = os_engine_validate(ck, ph, err);
        if (!rc) rc = os_cfg_set_real(ck, dsa->key[p], v, err);
        if (!rc) rc = os_engine_run(ck, ph, &opts, &s, NULL, err);
        if (!rc) {
            os_engine_arms(ck, &arms);
            os_dsa_compare(&s, &arms, &dsa->pt[i], &dsa->wtp);
        }
        os_summary_free(&s);
        os_cfg_free(ck);
    }
    free(text);
    return rc;
}

/* ---- /dsa ---- */

static int put(hid_t g, const char *name, const double *v, size_t n, const char *units, const char *desc,
               os_err *err)
{
    return os_h5_write_1d(g, name, H5T_NATIVE_DOUBLE, v, n, units, desc, 0, err);
}

typedef struct words {
    const char *money, *eu;
    char per[112], cost[80], effect[80];
} words;

static void words_of(words *w, const os_summary *s)
{
    const os_summary_col *mc = os_roles_main(s->cols, s->ncols, OS_ROLE_COST);
    const os_summary_col *me = os_roles_main(s->cols, s->ncols, OS_ROLE_UTILITY);
    w->money = os_roles_units(s->cols, s->ncols, OS_ROLE_COST);
    w->eu = os_roles_units(s->cols, s->ncols, OS_ROLE_UTILITY);
    snprintf(w->per, sizeof w->per, "%s/%s", w->money, w->eu);
    snprintf(w->cost, sizeof w->cost, "incremental_%s", mc && mc->label[0] ? mc->label : "cost");
    snprintf(w->effect, sizeof w->effect, "incremental_%s", me && me->label[0] ? me->label : "effect");
}

/* The four compared columns of N rows PTS[r] for arm ARM[r]. */
static int put_compared(hid_t g, const os_dsa_point *const *pts, const int32_t *arm, size_t n, double wtp,
                        const words *w, os_err *err)
{
    double *col = malloc((n + 1) * sizeof *col);
    if (!col) return os_fail(err, OS_ERUN, "out of memory");
    int rc = OS_OK;
    for (int k = 0; k < 4 && !rc; k++) {
        for (size_t r = 0; r < n; r++) {
            const os_dsa_point *p = pts[r];
            col[r] = k == 0 ? p->d_cost[arm[r]] : k == 1 ? p->d_effect[arm[r]] : k == 2 ? p->nmb[arm[r]]
                                                                                      : p->icer[arm[r]];
        }
        char desc[200];
        snprintf(desc, sizeof desc, "incremental net monetary benefit against the reference arm at %.0f %s",
                 wtp, w->per);
        rc = k == 0 ? put(g, w->cost, col, n, w->money, "discounted cost minus the reference arm's", err)
           : k == 1 ? put(g, w->effect, col, n, w->eu, "discounted effect minus the reference arm's", err)
           : k == 2 ? put(g, "nmb", col, n, w->money, desc, err)
                    : put(g, "icer", col, n, w->per, "incremental cost per unit of effect; NaN when one arm "
                          "dominates and for the reference arm", err);
        if (!rc && k == 2) {
            hid_t d = H5Dopen2(g, "nmb", H5P_DEFAULT);
            os_h5_attr_f64(d, "wtp", wtp);
            H5Dclose(d);
        }
    }
    free(col);
    return rc;
}

static int put_arm(hid_t g, const int32_t *arm, size_t n, const char *labels, os_err *err)
{
    int rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, arm, n, "code", "arm index", 0, err);
    if (!rc) {
        hid_t d = H5Dopen2(g, "arm", H5P_DEFAULT);
        os_h5_attr_str(d, "labels", labels);
        H5Dclose(d);
    }
    return rc;
}

static int put_oneway(hid_t g, const os_cfg *cfg, const os_dsa *dsa, const char *labels, const words *w,
                      os_err *err)
{
    size_t na = (size_t)dsa->narms, n = 2 * (size_t)dsa->n * na;
    const char **key = malloc((n + 1) * sizeof *key), **bound = malloc((n + 1) * sizeof *bound);
    const char **unit = malloc((n + 1) * sizeof *unit);
    const os_dsa_point **pts = malloc((n + 1) * sizeof *pts);
    double *val = malloc((n + 1) * sizeof *val), *base = malloc((n + 1) * sizeof *base);
    int32_t *arm = malloc((n + 1) * sizeof *arm);
    int rc = key && bound && unit && pts && val && base && arm ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    for (size_t r = 0; !rc && r < n; r++) {
        size_t i = r / na, p = i / 2;
        key[r] = dsa->key[p];
        bound[r] = i % 2 ? "high" : "low";
        unit[r] = os_cfg_unit(cfg, dsa->key[p]);
        if (!unit[r]) unit[r] = "";
        val[r] = i % 2 ? dsa->hi[p] : dsa->lo[p];
        base[r] = dsa->base[p];
        arm[r] = (int32_t)(r % na);
        pts[r] = &dsa->pt[i];
    }
    hid_t s = rc ? -1 : H5Gcreate2(g, "oneway", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!rc && s < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /dsa/oneway");
    if (!rc) rc = os_h5_write_strings(s, "parameter", key, n, "dotted key of the parameter varied", err);
    if (!rc) rc = os_h5_write_strings(s, "bound", bound, n, "low: 2.5 % quantile of its distribution; "
                                      "high: 97.5 % (clamped to the valid range)", err);
    if (!rc) rc = put(s, "value", val, n, "", "value of the parameter at this bound (units: column unit)", err);
    if (!rc) rc = put(s, "base_value", base, n, "", "value of the parameter in the base case", err);
    if (!rc) rc = os_h5_write_strings(s, "unit", unit, n, "units of value and base_value", err);
    if (!rc) rc = put_arm(s, arm, n, labels, err);
    if (!rc) rc = put_compared(s, pts, arm, n, dsa->wtp, w, err);
    if (s >= 0) H5Gclose(s);
    free(key);
    free(bound);
    free(unit);
    free(pts);
    free(val);
    free(base);
    free(arm);
    return rc;
}

int os_dsa_write(hid_t file, const os_cfg *cfg, const os_summary *base, os_dsa *dsa, os_err *err)
{
    os_arms arms;
    os_engine_arms(cfg, &arms);
    os_dsa_compare(base, &arms, &dsa->at_base, &dsa->wtp);
    words w;
    words_of(&w, base);
    char labels[2048] = "";
    for (int a = 0; a < arms.n; a++)
        snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%s%d=%s", a ? "," : "", a,
                 arms.names[a]);
    hid_t g = H5Gcreate2(file, "dsa", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /dsa");
    os_h5_attr_str(g, "description", "one-way deterministic sensitivity analysis: each parameter at the 2.5 % "
                   "and 97.5 % quantiles of its distribution, the others at the base case, the same random "
                   "numbers (run.seed); arms compared on the calendar horizon");
    os_h5_attr_str(g, "arms", labels);
    os_h5_attr_i64(g, "reference", arms.ref);
    os_h5_attr_f64(g, "wtp", dsa->wtp);
    int rc = put_oneway(g, cfg, dsa, labels, &w, err);
    hid_t s = rc ? -1 : H5Gcreate2(g, "base", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!rc && s < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /dsa/base");
    int32_t arm[OS_MAX_ARMS];
    const os_dsa_point *pts[OS_MAX_ARMS];
    for (int a = 0; a < arms.n; a++) {
        arm[a] = a;
        pts[a] = &dsa->at_base;
    }
    if (!rc) rc = put_arm(s, arm, (size_t)arms.n, labels, err);
    if (!rc) rc = put_compared(s, pts, arm, (size_t)arms.n, dsa->wtp, &w, err);
    if (s >= 0) H5Gclose(s);
    H5Gclose(g);
    return rc;
}

void os_dsa_report(FILE *out, const os_cfg *cfg, const os_dsa *dsa, int top)
{
    os_arms arms;
    os_engine_arms(cfg, &arms);
    fprintf(out, "\none-way sensitivity: %d parameters at their 2.5 %% and 97.5 %% quantiles; "
            "incremental NMB at %.0f per unit of effect\n", dsa->n, dsa->wtp);
    int *order = malloc((size_t)(dsa->n ? dsa->n : 1) * sizeof *order);
    if (!order) return;
    for (int a = 0; a < arms.n; a++) {
        if (a == arms.ref) continue;
        fprintf(out, "  %s (base %.4g):\n", arms.names[a], dsa->at_base.nmb[a]);
        for (int i = 0; i < dsa->n; i++) order[i] = i;
        for (int i = 1; i < dsa->n; i++)   /* insertion sort by range, widest first */
            for (int j = i; j > 0; j--) {
                int x = order[j - 1], y = order[j];
                double rx = fabs(dsa->pt[2 * x + 1].nmb[a] - dsa->pt[2 * x].nmb[a]);
                double ry = fabs(dsa->pt[2 * y + 1].nmb[a] - dsa->pt[2 * y].nmb[a]);
                if (ry <= rx) break;
                order[j - 1] = y;
                order[j] = x;
            }
        for (int i = 0; i < dsa->n && i < top; i++) {
            int p = order[i];
            fprintf(out, "    %-60s %.4g .. %.4g\n", dsa->key[p], dsa->pt[2 * p].nmb[a], dsa->pt[2 * p + 1].nmb[a]);
        }
    }
    free(order);
}
