/* cal_prior.c - priors of calibrated parameters (cal_prior.h). */
#include "cal_prior.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

/* A prior is refused when less than this share of its mass lies between the
 * bounds: rejection sampling would take too long, and the bounds, not the
 * distribution, would then be the prior. */
#define PRIOR_MIN_INSIDE 1e-3

static int is_uniform(const os_cal_param *p)
{
    return p->dist.type == OS_DIST_NONE || p->dist.type == OS_DIST_FIXED;
}

double os_cal_to_u(const os_cal_param *p, double v)
{
    return p->log ? log(v) : v;
}

double os_cal_from_u(const os_cal_param *p, double u)
{
    return p->log ? exp(u) : u;
}

double os_cal_ulo(const os_cal_param *p) { return os_cal_to_u(p, p->lo); }
double os_cal_uhi(const os_cal_param *p) { return os_cal_to_u(p, p->hi); }

/* P(X <= x) of the distribution. */
static double cdf(const os_dist *d, double x)
{
    const double *q = d->p;
    switch (d->type) {
    case OS_DIST_NORMAL: return gsl_cdf_gaussian_P(x - q[0], q[1]);
    case OS_DIST_LOGNORMAL: return x <= 0 ? 0 : gsl_cdf_lognormal_P(x, q[0], q[1]);
    case OS_DIST_GAMMA: return x <= 0 ? 0 : gsl_cdf_gamma_P(x, q[0], q[1]);
    case OS_DIST_BETA: return x <= 0 ? 0 : x >= 1 ? 1 : gsl_cdf_beta_P(x, q[0], q[1]);
    case OS_DIST_UNIFORM: return x <= q[0] ? 0 : x >= q[1] ? 1 : (x - q[0]) / (q[1] - q[0]);
    case OS_DIST_TRIANGULAR:
        if (x <= q[0]) return 0;
        if (x >= q[2]) return 1;
        if (x <= q[1]) return (x - q[0]) * (x - q[0]) / ((q[2] - q[0]) * (q[1] - q[0]));
        return 1 - (q[2] - x) * (q[2] - x) / ((q[2] - q[0]) * (q[2] - q[1]));
    default: return 0;
    }
}

/* Density of the distribution at x (natural units). */
static double pdf(const os_dist *d, double x)
{
    const double *q = d->p;
    switch (d->type) {
    case OS_DIST_NORMAL: return gsl_ran_gaussian_pdf(x - q[0], q[1]);
    case OS_DIST_LOGNORMAL: return x <= 0 ? 0 : gsl_ran_lognormal_pdf(x, q[0], q[1]);
    case OS_DIST_GAMMA: return x <= 0 ? 0 : gsl_ran_gamma_pdf(x, q[0], q[1]);
    case OS_DIST_BETA: return x <= 0 || x >= 1 ? 0 : gsl_ran_beta_pdf(x, q[0], q[1]);
    case OS_DIST_UNIFORM: return x < q[0] || x > q[1] ? 0 : 1.0 / (q[1] - q[0]);
    case OS_DIST_TRIANGULAR:
        if (x < q[0] || x > q[2]) return 0;
        if (x <= q[1]) return q[1] > q[0] ? 2 * (x - q[0]) / ((q[2] - q[0]) * (q[1] - q[0])) : 2 / (q[2] - q[0]);
        return q[2] > q[1] ? 2 * (q[2] - x) / ((q[2] - q[0]) * (q[2] - q[1])) : 2 / (q[2] - q[0]);
    default: return 0;
    }
}

static double draw(const os_dist *d, gsl_rng *r)
{
    const double *q = d->p;
    switch (d->type) {
    case OS_DIST_NORMAL: return q[0] + gsl_ran_gaussian(r, q[1]);
    case OS_DIST_LOGNORMAL: return gsl_ran_lognormal(r, q[0], q[1]);
    case OS_DIST_GAMMA: return gsl_ran_gamma(r, q[0], q[1]);
    case OS_DIST_BETA: return gsl_ran_beta(r, q[0], q[1]);
    case OS_DIST_UNIFORM: return gsl_ran_flat(r, q[0], q[1]);
    case OS_DIST_TRIANGULAR: {
        double a = q[0], c = q[1], b = q[2], z = gsl_rng_uniform(r), f = (c - a) / (b - a);
        return z < f ? a + sqrt(z * (b - a) * (c - a)) : b - sqrt((1 - z) * (b - a) * (b - c));
    }
    default: return NAN;
    }
}

int os_cal_param_init(os_cal_param *p, const char *key, double lo, double hi, os_dist d, os_err *err)
{
    memset(p, 0, sizeof *p);
    snprintf(p->key, sizeof p->key, "%s", key);
    p->lo = lo;
    p->hi = hi;
    p->dist = d;
    p->log = lo > 0.0;
    if (!(lo < hi)) return os_fail(err, OS_ECONFIG, "%s: prior bounds [%g, %g] are empty", key, lo, hi);
    if (is_uniform(p)) return OS_OK;
    double inside = cdf(&d, hi) - cdf(&d, lo);
    if (!(inside >= PRIOR_MIN_INSIDE)) {
        char t[160];
        os_cal_prior_text(p, t, sizeof t);
        return os_fail(err, OS_ECONFIG, "%s: the prior %s has almost no mass (P = %.2g) between the fit bounds",
                       key, t, inside);
    }
    return OS_OK;
}

double os_cal_prior_logpdf(const os_cal_param *p, double u)
{
    if (!(u >= os_cal_ulo(p) && u <= os_cal_uhi(p))) return -INFINITY;
    if (is_uniform(p)) return 0.0;
    double v = os_cal_from_u(p, u), f = pdf(&p->dist, v);
    if (!(f > 0)) return -INFINITY;
    return log(f) + (p->log ? u : 0.0);   /* + log(dv/du) = log(v) */
}

double os_cal_prior_draw(const os_cal_param *p, gsl_rng *r)
{
    if (is_uniform(p)) return gsl_ran_flat(r, os_cal_ulo(p), os_cal_uhi(p));
    for (;;) {  /* terminates: at least PRIOR_MIN_INSIDE of the mass is inside */
        double v = draw(&p->dist, r);
        if (v >= p->lo && v <= p->hi) return os_cal_to_u(p, v);
    }
}

void os_cal_prior_text(const os_cal_param *p, char *buf, size_t n)
{
    static const char *const names[] = {"", "fixed", "normal", "lognormal", "gamma", "beta", "uniform", "triangular"};
    static const char *const fields[][3] = {
        {0}, {0}, {"mean", "sd"}, {"meanlog", "sdlog"}, {"shape", "scale"}, {"a", "b"},
        {"min", "max"}, {"min", "mode", "max"}};
    if (is_uniform(p)) {
        snprintf(buf, n, "uniform%s on [%.10g, %.10g]", p->log ? " in log" : "", p->lo, p->hi);
        return;
    }
    size_t len = (size_t)snprintf(buf, n, "%s{", names[p->dist.type]);
    for (int i = 0; i < 3 && fields[p->dist.type][i] && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s %.10g", i ? ", " : "", fields[p->dist.type][i],
                                p->dist.p[i]);
    if (len < n) snprintf(buf + len, n - len, "} truncated to [%.10g, %.10g]", p->lo, p->hi);
}
