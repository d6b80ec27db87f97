/* res_evppi.c - EVPPI by nonparametric regression (res_evppi.h). */
#include "res_evppi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit.h>

#include "h5out.h"

#define UNBOUNDED 1.0, 0.0
#define MAX_KNOTS 4
/* Each degree of freedom counts 1.4 times in GCV (Wood 2006, Generalized
 * Additive Models, sec. 4.5): plain GCV overfits chance associations,
 * which the maximum over arms turns into a positive EVPPI. */
#define GCV_GAMMA 1.4
#define OS_EVPPI_MAX_ARMS 64

static const os_param_spec evppi_params[] = {
    {"psa.evppi_split", OS_P_STR_LIST, NULL, UNBOUNDED, 0, "[economics, programmes]", NULL,
     "first key components whose default EVPPI groups go one level deeper (economics.cost, "
     "programmes.<name>); the others group by their first component"},
};

/* psa.evppi_groups.<name>: [key prefixes], replacing the default groups. */
int os_evppi_declare(os_cfg *cfg, os_err *err)
{
    if (os_cfg_declare(cfg, evppi_params, sizeof evppi_params / sizeof evppi_params[0], err))
        return OS_ECONFIG;
    const char *const *names;
    size_t n = os_cfg_keys(cfg, "psa.evppi_groups", &names);
    for (size_t i = 0; i < n; i++) {
        os_param_spec g = {names[i], OS_P_STR_LIST, NULL, UNBOUNDED, 1, NULL, NULL,
                           "key prefixes of the parameters of this EVPPI group"};
        if (os_cfg_declare_under(cfg, "psa.evppi_groups", &g, 1, err)) return OS_ECONFIG;
    }
    return OS_OK;
}

/* ---- the smoother ---- */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Standardised columns Z [p x n] of the non-constant parameters, and each
 * sorted (SORTED, for the knots: quantiles k/(knots+1)). */
typedef struct design {
    int n, p;
    double *z, *sorted;
} design;

static int design_make(design *d, const double *x, size_t ld, const int *cols, int p, int n)
{
    d->n = n;
    d->p = 0;
    d->z = malloc((size_t)n * (size_t)(p ? p : 1) * sizeof *d->z);
    d->sorted = malloc((size_t)n * (size_t)(p ? p : 1) * sizeof *d->sorted);
    if (!d->z || !d->sorted) return -1;
    for (int j = 0; j < p; j++) {
        double m = 0, s = 0;
        for (int r = 0; r < n; r++) m += x[(size_t)r * ld + (size_t)cols[j]] / n;
        for (int r = 0; r < n; r++) {
            double e = x[(size_t)r * ld + (size_t)cols[j]] - m;
            s += e * e;
        }
        s = sqrt(s / (n > 1 ? n - 1 : 1));
        if (!(s > 1e-300 * (fabs(m) + 1))) continue;   /* constant: carries no information */
        double *zc = d->z + (size_t)d->p * (size_t)n, *sc = d->sorted + (size_t)d->p * (size_t)n;
        for (int r = 0; r < n; r++) zc[r] = sc[r] = (x[(size_t)r * ld + (size_t)cols[j]] - m) / s;
        qsort(sc, (size_t)n, sizeof *sc, cmp_dbl);
        d->p++;
    }
    return 0;
}

/* Columns of basis (DEG, KNOTS): 1 + p * (deg + knots). */
static int basis_cols(const design *d, int deg, int knots)
{
    return 1 + d->p * (deg + knots);
}

static void basis_fill(const design *d, int deg, int knots, gsl_matrix *X)
{
    for (int r = 0; r < d->n; r++) {
        size_t c = 0;
        gsl_matrix_set(X, (size_t)r, c++, 1.0);
        for (int j = 0; j < d->p; j++) {
            double z = d->z[(size_t)j * (size_t)d->n + (size_t)r], pw = 1;
            for (int e = 1; e <= deg; e++) gsl_matrix_set(X, (size_t)r, c++, pw *= z);
            const double *s = d->sorted + (size_t)j * (size_t)d->n;
            for (int k = 1; k <= knots; k++) {
                double q = s[(size_t)((double)k / (knots + 1) * (d->n - 1))], t = z > q ? z - q : 0;
                gsl_matrix_set(X, (size_t)r, c++, t * t * t);
            }
        }
    }
}

/* Least squares on basis (DEG, KNOTS): the fit into FIT, returns GCV (or
 * HUGE_VAL when the basis does not fit N). */
static double basis_fit(const design *d, int deg, int knots, const double *y, double *fit)
{
    int n = d->n, k = basis_cols(d, deg, knots);
    if (3 * k > n) return HUGE_VAL;
    gsl_matrix *X = gsl_matrix_alloc((size_t)n, (size_t)k), *cov = gsl_matrix_alloc((size_t)k, (size_t)k);
    gsl_vector *c = gsl_vector_alloc((size_t)k), *f = gsl_vector_alloc((size_t)n);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc((size_t)n, (size_t)k);
    double gcv = HUGE_VAL;
    if (X && cov && c && f && w) {
        basis_fill(d, deg, knots, X);
        gsl_vector_const_view yv = gsl_vector_const_view_array(y, (size_t)n);
        double chisq;
        size_t rank;
        if (gsl_multifit_linear_tsvd(X, &yv.vector, 1e-10, c, cov, &chisq, &rank, w) == 0) {
            gsl_blas_dgemv(CblasNoTrans, 1.0, X, c, 0.0, f);
            for (int r = 0; r < n; r++) fit[r] = gsl_vector_get(f, (size_t)r);
            double rss = 0;
            for (int r = 0; r < n; r++) rss += (y[r] - fit[r]) * (y[r] - fit[r]);
            double dof = (double)n - GCV_GAMMA * (double)rank;
            gcv = dof > 0 ? (double)n * rss / (dof * dof) : HUGE_VAL;
        }
    }
    gsl_multifit_linear_free(w);
    gsl_vector_free(f);
    gsl_vector_free(c);
    gsl_matrix_free(cov);
    gsl_matrix_free(X);
    return gcv;
}

int os_evppi_smooth(const double *x, size_t ld, const int *cols, int p, int n, const double *y, double *fit)
{
    double mean = 0;
    for (int r = 0; r < n; r++) mean += y[r] / n;
    for (int r = 0; r < n; r++) fit[r] = mean;
    design d = {0};
    double *tmp = malloc((size_t)(n ? n : 1) * sizeof *tmp);
    if (!tmp || design_make(&d, x, ld, cols, p, n)) {
        free(tmp);
        free(d.z);
        free(d.sorted);
        return -1;
    }
    /* GCV of the mean alone: n RSS / (n - gamma)^2 */
    double best = 0;
    for (int r = 0; r < n; r++) best += (y[r] - mean) * (y[r] - mean);
    double dof = (double)n - GCV_GAMMA;
    best = dof > 0 ? (double)n * best / (dof * dof) : HUGE_VAL;
    int used = 1;
    static const int bases[][2] = {{1, 0}, {2, 0}, {3, 0}, {3, 1}, {3, 2}, {3, 3}, {3, MAX_KNOTS}};
    for (size_t b = 0; d.p && b < sizeof bases / sizeof bases[0]; b++) {
        double g = basis_fit(&d, bases[b][0], bases[b][1], y, tmp);
        if (g < best) {
            best = g;
            used = basis_cols(&d, bases[b][0], bases[b][1]);
            memcpy(fit, tmp, (size_t)n * sizeof *fit);
        }
    }
    free(tmp);
    free(d.z);
    free(d.sorted);
    return used;
}

double os_evppi_at(int n, int narms, const double *fc, const double *fe, double wtp)
{
    if (n <= 0) return 0;
    double mean_best = 0, mean[OS_EVPPI_MAX_ARMS] = {0};
    int na = narms < OS_EVPPI_MAX_ARMS ? narms : OS_EVPPI_MAX_ARMS;
    for (int r = 0; r < n; r++) {
        double best = -HUGE_VAL;
        for (int a = 0; a < na; a++) {
            size_t k = (size_t)r * (size_t)narms + (size_t)a;
            double v = wtp * fe[k] - fc[k];
            mean[a] += v / n;
            best = v > best ? v : best;
        }
        mean_best += best / n;
    }
    double best_mean = -HUGE_VAL;
    for (int a = 0; a < na; a++) best_mean = mean[a] > best_mean ? mean[a] : best_mean;
    double e = mean_best - best_mean;
    return e > 0 ? e : 0;   /* max of means <= mean of maxima; rounding only */
}

/* ---- groups ---- */

typedef struct group {
    char name[160];
    int *idx, n;
} group;

typedef struct groups {
    group *g;
    int n, cap;
} groups;

static group *group_get(groups *gs, const char *name)
{
    for (int i = 0; i < gs->n; i++)
        if (strcmp(gs->g[i].name, name) == 0) return &gs->g[i];
    if (gs->n == gs->cap) {
        int cap = gs->cap ? 2 * gs->cap : 32;
        group *g = realloc(gs->g, (size_t)cap * sizeof *g);
        if (!g) return NULL;
        gs->g = g;
        gs->cap = cap;
    }
    group *g = &gs->g[gs->n++];
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    return g;
}

static int group_add(group *g, int i, int cap)
{
    if (!g->idx && !(g->idx = malloc((size_t)cap * sizeof *g->idx))) return -1;
    g->idx[g->n++] = i;
    return 0;
}

static void groups_free(groups *gs)
{
    for (int i = 0; i < gs->n; i++) free(gs->g[i].idx);
    free(gs->g);
}

static int has_prefix(const char *key, const char *pre)
{
    size_t n = strlen(pre);
    return strncmp(key, pre, n) == 0 && (key[n] == 0 || key[n] == '.' || (n && pre[n - 1] == '.'));
}

/* The default groups, or those of psa.evppi_groups. */
static int groups_make(groups *gs, const os_cfg *cfg, const os_voi *v)
{
    const char *const *names;
    size_t ng = os_cfg_keys(cfg, "psa.evppi_groups", &names);
    for (size_t k = 0; k < ng; k++) {
        char key[200];
        snprintf(key, sizeof key, "psa.evppi_groups.%s", names[k]);
        const char *const *pre;
        size_t np = os_cfg_str_list(cfg, key, &pre);
        group *g = group_get(gs, names[k]);
        if (!g) return -1;
        for (int i = 0; i < v->nparams; i++)
            for (size_t j = 0; j < np; j++)
                if (has_prefix(v->names[i], pre[j])) {
                    if (group_add(g, i, v->nparams)) return -1;
                    break;
                }
    }
    if (ng) return 0;
    const char *const *split;
    size_t ns = os_cfg_str_list(cfg, "psa.evppi_split", &split);
    for (int i = 0; i < v->nparams; i++) {
        char name[160];
        snprintf(name, sizeof name, "%s", v->names[i]);
        char *dot = strchr(name, '.');
        if (dot) *dot = 0;
        for (size_t j = 0; dot && j < ns; j++)
            if (strcmp(name, split[j]) == 0) {
                *dot = '.';
                char *next = strchr(dot + 1, '.');
                if (next) *next = 0;
                break;
            }
        group *g = group_get(gs, name);
        if (!g || group_add(g, i, v->nparams)) return -1;
    }
    return 0;
}

/* ---- EVPPI of one set of parameters ---- */

/* Fitted incremental costs and effects FC, FE [n x narms] on parameters IDX. */
static int fit_arms(const os_voi *v, const int *idx, int p, double *fc, double *fe, double *y, double *fit)
{
    int n = v->ndraws, na = v->narms;
    for (int a = 0; a < na; a++) {
        for (int k = 0; k < 2; k++) {
            const double *src = k ? v->effect : v->cost;
            double *dst = k ? fe : fc;
            if (a == v->ref) {
                for (int r = 0; r < n; r++) dst[(size_t)r * (size_t)na + (size_t)a] = 0;
                continue;
            }
            for (int r = 0; r < n; r++)
                y[r] = src[(size_t)r * (size_t)na + (size_t)a] - src[(size_t)r * (size_t)na + (size_t)v->ref];
            if (os_evppi_smooth(v->values, (size_t)v->nparams, idx, p, n, y, fit) < 0) return -1;
            for (int r = 0; r < n; r++) dst[(size_t)r * (size_t)na + (size_t)a] = fit[r];
        }
    }
    return 0;
}

/* The EVPI at WTP from the draws themselves. */
static double evpi_of(const os_voi *v, double wtp)
{
    double mean_best = 0, mean[OS_EVPPI_MAX_ARMS] = {0};
    int na = v->narms < OS_EVPPI_MAX_ARMS ? v->narms : OS_EVPPI_MAX_ARMS;
    for (int r = 0; r < v->ndraws; r++) {
        double best = -HUGE_VAL;
        for (int a = 0; a < na; a++) {
            size_t k = (size_t)r * (size_t)v->narms + (size_t)a;
            double x = wtp * v->effect[k] - v->cost[k];
            mean[a] += x / v->ndraws;
            best = x > best ? x : best;
        }
        mean_best += best / v->ndraws;
    }
    double best_mean = -HUGE_VAL;
    for (int a = 0; a < na; a++) best_mean = mean[a] > best_mean ? mean[a] : best_mean;
    return v->ndraws ? mean_best - best_mean : 0;
}

typedef struct rows {
    const char **name;
    double *wtp, *pop, *pp;
    size_t n;
} rows;

static int evppi_rows(const os_voi *v, const int *idx, int p, const char *name, const double *w, int nw,
                      rows *out)
{
    size_t n = (size_t)v->ndraws, na = (size_t)v->narms;
    double *fc = malloc(n * na * sizeof *fc + 1), *fe = malloc(n * na * sizeof *fe + 1);
    double *y = malloc(n * sizeof *y + 1), *fit = malloc(n * sizeof *fit + 1);
    int rc = fc && fe && y && fit ? fit_arms(v, idx, p, fc, fe, y, fit) : -1;
    for (int i = 0; !rc && i < nw; i++, out->n++) {
        /* EVPPI <= EVPI; a regression estimate from few draws can exceed
         * it (each arm's fit errs on its own): capped */
        double e = os_evppi_at(v->ndraws, v->narms, fc, fe, w[i]), top = evpi_of(v, w[i]);
        e = e < top ? e : top;
        out->name[out->n] = name;
        out->wtp[out->n] = w[i];
        out->pop[out->n] = e;
        out->pp[out->n] = v->population > 0 ? e / v->population : 0;
    }
    free(fc);
    free(fe);
    free(y);
    free(fit);
    return rc;
}

static int rows_alloc(rows *r, size_t n)
{
    r->n = 0;
    r->name = malloc((n + 1) * sizeof *r->name);
    r->wtp = malloc((n + 1) * sizeof *r->wtp);
    r->pop = malloc((n + 1) * sizeof *r->pop);
    r->pp = malloc((n + 1) * sizeof *r->pp);
    return r->name && r->wtp && r->pop && r->pp ? 0 : -1;
}

static void rows_free(rows *r)
{
    free(r->name);
    free(r->wtp);
    free(r->pop);
    free(r->pp);
}

static int rows_write(hid_t g, const char *table, const char *key, const char *keydesc, const rows *r,
                      const char *money, const char *per_effect, os_err *err)
{
    hid_t sub = H5Gcreate2(g, table, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (sub < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /psa/%s", table);
    os_h5_attr_str(sub, "method",
                   "Strong & Oakley 2014 regression (Strong, Oakley & Brennan, Med Decis Making 34:311): "
                   "incremental costs and effects of each arm regressed on the group's parameters with an "
                   "additive smoother (linear, quadratic or cubic regression spline with 0-4 knots per "
                   "parameter, chosen by GCV with gamma 1.4, at most n/3 columns); EVPPI = mean of the best fitted net "
                   "benefit - best mean, capped at the EVPI (its upper bound)");
    int rc = os_h5_write_strings(sub, key, r->name, r->n, keydesc, err);
    if (!rc) rc = os_h5_write_1d(sub, "wtp", H5T_NATIVE_DOUBLE, r->wtp, r->n, per_effect,
                                 "willingness-to-pay threshold", 0, err);
    if (!rc) rc = os_h5_write_1d(sub, "evppi_population", H5T_NATIVE_DOUBLE, r->pop, r->n, money,
                                 "expected value of partial perfect information, whole population over the "
                                 "run", 0, err);
    if (!rc) rc = os_h5_write_1d(sub, "evppi_per_person", H5T_NATIVE_DOUBLE, r->pp, r->n, money,
                                 "evppi_population per person aged 50+ at the start year", 0, err);
    H5Gclose(sub);
    return rc;
}

static int write_members(hid_t g, const groups *gs, const os_voi *v, os_err *err)
{
    size_t n = 0;
    for (int i = 0; i < gs->n; i++) n += (size_t)gs->g[i].n;
    const char **gn = malloc((n + 1) * sizeof *gn), **pn = malloc((n + 1) * sizeof *pn);
    int rc = gn && pn ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    for (int i = 0, k = 0; !rc && i < gs->n; i++)
        for (int j = 0; j < gs->g[i].n; j++, k++) {
            gn[k] = gs->g[i].name;
            pn[k] = v->names[gs->g[i].idx[j]];
        }
    hid_t sub = rc ? -1 : H5Gcreate2(g, "evppi_groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!rc && sub < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /psa/evppi_groups");
    if (!rc) rc = os_h5_write_strings(sub, "group", gn, n, "EVPPI parameter group (/psa/evppi)", err);
    if (!rc) rc = os_h5_write_strings(sub, "parameter", pn, n, "drawn parameter in the group", err);
    if (sub >= 0) H5Gclose(sub);
    free(gn);
    free(pn);
    return rc;
}

int os_evppi_write(hid_t g, const os_cfg *cfg, const os_voi *v, const double *grid, int ngrid,
                   const double *wtp, int nwtp, const char *money, const char *per_effect, os_err *err)
{
    groups gs = {0};
    rows r = {0};
    int rc = groups_make(&gs, cfg, v) ? os_fail(err, OS_ERUN, "out of memory (evppi)") : OS_OK;
    if (!rc && rows_alloc(&r, (size_t)gs.n * (size_t)ngrid)) rc = os_fail(err, OS_ERUN, "out of memory");
    for (int i = 0; !rc && i < gs.n; i++)
        if (evppi_rows(v, gs.g[i].idx, gs.g[i].n, gs.g[i].name, grid, ngrid, &r))
            rc = os_fail(err, OS_ERUN, "out of memory (evppi)");
    if (!rc) rc = rows_write(g, "evppi", "group", "parameter group (/psa/evppi_groups)", &r, money, per_effect,
                             err);
    if (!rc) rc = write_members(g, &gs, v, err);
    rows_free(&r);
    if (!rc && rows_alloc(&r, (size_t)v->nparams * (size_t)nwtp)) rc = os_fail(err, OS_ERUN, "out of memory");
    for (int i = 0; !rc && i < v->nparams; i++)
        if (evppi_rows(v, &i, 1, v->names[i], wtp, nwtp, &r)) rc = os_fail(err, OS_ERUN, "out of memory (evppi)");
    if (!rc) rc = rows_write(g, "evppi_parameters", "parameter", "drawn parameter, alone", &r, money,
                             per_effect, err);
    rows_free(&r);
    groups_free(&gs);
    return rc;
}
