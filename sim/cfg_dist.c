/* cfg_dist.c - uncertainty distributions of numeric parameters: parsing
 * and the check that a distribution fits its parameter's valid range.
 *
 * PSA clamps every draw to the parameter's bounds, so a distribution with
 * much of its mass outside them would silently turn into a point mass on a
 * bound.  A distribution is rejected when more than DIST_MAX_OUTSIDE of its
 * mass lies outside [min, max] (a beta's mass is on [0, 1], a lognormal's
 * and a gamma's on (0, inf), so a range reaching below 0 costs them
 * nothing), and a uniform or triangular when it reaches outside at all. */
#include "cfg_tree.h"
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#define DIST_MAX_OUTSIDE 0.05

static const struct dist_def {
    const char *name;
    os_dist_type type;
    int n;
    const char *f[3];
} dists[] = {
    {"fixed", OS_DIST_FIXED, 0, {NULL, NULL, NULL}},
    {"normal", OS_DIST_NORMAL, 2, {"mean", "sd", NULL}},
    {"lognormal", OS_DIST_LOGNORMAL, 2, {"meanlog", "sdlog", NULL}},
    {"gamma", OS_DIST_GAMMA, 2, {"shape", "scale", NULL}},
    {"beta", OS_DIST_BETA, 2, {"a", "b", NULL}},
    {"uniform", OS_DIST_UNIFORM, 2, {"min", "max", NULL}},
    {"triangular", OS_DIST_TRIANGULAR, 3, {"min", "mode", "max"}},
};

static void field_list(char *buf, size_t len, const struct dist_def *d)
{
    buf[0] = 0;
    for (int i = 0; i < d->n; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "", d->f[i]);
    if (!d->n) snprintf(buf, len, "no fields");
}

static const char *bad_params(os_dist_type t, const double *p)
{
    switch (t) {
    case OS_DIST_NORMAL: return p[1] > 0 ? NULL : "sd must be > 0";
    case OS_DIST_LOGNORMAL: return p[1] > 0 ? NULL : "sdlog must be > 0";
    case OS_DIST_GAMMA: return p[0] > 0 && p[1] > 0 ? NULL : "shape and scale must be > 0";
    case OS_DIST_BETA: return p[0] > 0 && p[1] > 0 ? NULL : "a and b must be > 0";
    case OS_DIST_UNIFORM: return p[0] < p[1] ? NULL : "min must be < max";
    case OS_DIST_TRIANGULAR:
        return p[0] <= p[1] && p[1] <= p[2] && p[0] < p[2] ? NULL
               : "needs min <= mode <= max and min < max";
    default: return NULL;
    }
}

/* P(X <= x) of a triangular (a, c, b). */
static double tri_cdf(double x, double a, double c, double b)
{
    if (x <= a) return 0;
    if (x >= b) return 1;
    if (x <= c) return (x - a) * (x - a) / ((b - a) * (c - a));
    return 1 - (b - x) * (b - x) / ((b - a) * (b - c));
}

/* Probability that a draw of D falls outside [LO, HI]. */
static double mass_outside(os_dist_type t, const double *p, double lo, double hi)
{
    switch (t) {
    case OS_DIST_NORMAL:
        return gsl_cdf_gaussian_P(lo - p[0], p[1]) + gsl_cdf_gaussian_Q(hi - p[0], p[1]);
    case OS_DIST_LOGNORMAL:
        return (lo > 0 ? gsl_cdf_lognormal_P(lo, p[0], p[1]) : 0) +
               (hi > 0 ? gsl_cdf_lognormal_Q(hi, p[0], p[1]) : 1);
    case OS_DIST_GAMMA:
        return (lo > 0 ? gsl_cdf_gamma_P(lo, p[0], p[1]) : 0) +
               (hi > 0 ? gsl_cdf_gamma_Q(hi, p[0], p[1]) : 1);
    case OS_DIST_BETA:
        return (lo > 0 ? gsl_cdf_beta_P(fmin(lo, 1), p[0], p[1]) : 0) +
               (hi < 1 ? gsl_cdf_beta_Q(fmax(hi, 0), p[0], p[1]) : 0);
    case OS_DIST_UNIFORM:
        return (fmax(0, fmin(lo, p[1]) - p[0]) + fmax(0, p[1] - fmax(hi, p[0]))) / (p[1] - p[0]);
    case OS_DIST_TRIANGULAR:
        return tri_cdf(lo, p[0], p[1], p[2]) + 1 - tri_cdf(hi, p[0], p[1], p[2]);
    default: return 0;
    }
}

/* Does distribution D with parameters P fit the bounds of spec S? */
static int check_range(cfg_node *n, const char *path, const struct dist_def *d, const double *p,
                       const os_param_spec *s, os_err *err)
{
    if (!s || !(s->min <= s->max) || d->type == OS_DIST_FIXED) return 0;
    const char *u = s->unit && strcmp(s->unit, "1") ? s->unit : "";
    char desc[160];
    if (d->n <= 2) snprintf(desc, sizeof desc, "%s {%s %.6g, %s %.6g}", d->name, d->f[0], p[0],
                            d->f[1], p[1]);
    else snprintf(desc, sizeof desc, "%s {%s %.6g, %s %.6g, %s %.6g}", d->name, d->f[0], p[0],
                  d->f[1], p[1], d->f[2], p[2]);
    double out = mass_outside(d->type, p, s->min, s->max);
    int bounded = d->type == OS_DIST_UNIFORM || d->type == OS_DIST_TRIANGULAR;
    if (!(out > (bounded ? 0 : DIST_MAX_OUTSIDE))) return 0;
    return os_fail(err, OS_ECONFIG, "%s: %s.dist: %s %s outside the parameter's valid range, "
                   "where draws would be clamped to a bound (P = %.2g outside [%.10g, %.10g]%s%s)",
                   cfg_origin(n), path, desc, bounded ? "reaches" : "lies largely", out, s->min,
                   s->max, *u ? " " : "", u);
}

int cfg_parse_dist(cfg_node *n, const char *path, const os_param_spec *s, os_dist *out, os_err *err)
{
    memset(out, 0, sizeof *out);
    const char *o = cfg_origin(n);
    if (n->kind != CFG_MAP)
        return os_fail(err, OS_ECONFIG, "%s: %s.dist: expected a map like {type: normal, mean: 0.1, sd: 0.01}",
                       o, path);
    cfg_node *t = cfg_map_get(n, "type");
    if (!t || t->kind != CFG_SCALAR)
        return os_fail(err, OS_ECONFIG, "%s: %s.dist: needs a 'type' (fixed|normal|lognormal|gamma|beta|uniform|triangular)",
                       o, path);
    const struct dist_def *d = NULL;
    for (size_t i = 0; i < sizeof dists / sizeof dists[0]; i++)
        if (!strcmp(dists[i].name, t->text)) d = &dists[i];
    if (!d)
        return os_fail(err, OS_ECONFIG, "%s: %s.dist: unknown type '%.64s' (expected fixed|normal|lognormal|gamma|beta|uniform|triangular)",
                       cfg_origin(t), path, t->text);
    char fl[64];
    field_list(fl, sizeof fl, d);
    for (size_t i = 0; i < n->n; i++) {
        int known = !strcmp(n->keys[i], "type");
        for (int j = 0; j < d->n; j++) known |= !strcmp(n->keys[i], d->f[j]);
        if (!known)
            return os_fail(err, OS_ECONFIG, "%s: %s.dist: unknown field '%.64s' for %s (expected %s)",
                           cfg_origin(n->kids[i]), path, n->keys[i], d->name, fl);
    }
    out->type = d->type;
    for (int j = 0; j < d->n; j++) {
        cfg_node *f = cfg_map_get(n, d->f[j]);
        char fp[512];
        snprintf(fp, sizeof fp, "%s.dist.%s", path, d->f[j]);
        if (!f)
            return os_fail(err, OS_ECONFIG, "%s: %s.dist: %s needs field '%s' (fields: %s)", o, path,
                           d->name, d->f[j], fl);
        int rc = cfg_check_number(f, fp, NULL, 0, &out->p[j], err);
        if (rc) return rc;
    }
    const char *bad = bad_params(d->type, out->p);
    if (bad) return os_fail(err, OS_ECONFIG, "%s: %s.dist: %s: %s", o, path, d->name, bad);
    return check_range(n, path, d, out->p, s, err);
}
