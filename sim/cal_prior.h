/* cal_prior.h - the prior of one calibrated parameter: its configured
 * uncertainty distribution (`dist:`, sim/cfg_dist.c) truncated to the
 * search bounds of the targets file's `fit:` entry, or, when the parameter
 * has none (or a fixed one), uniform between the bounds in the search
 * coordinate.
 *
 * The search coordinate u is log(v) when the lower bound is positive (rates
 * spanning orders of magnitude, as the simplex and LM fits use) and v
 * otherwise.  Densities are densities of u, so that a kernel in u and the
 * prior are measured on the same scale: p_u(u) = p_v(v) * dv/du.
 */
#ifndef OS_CAL_PRIOR_H
#define OS_CAL_PRIOR_H

#include <gsl/gsl_rng.h>

#include "config.h"
#include "err.h"

typedef struct os_cal_param {
    char key[128];
    double lo, hi;      /* bounds, natural units */
    os_dist dist;       /* OS_DIST_NONE (or FIXED): uniform in u */
    int log;            /* u = log(v) */
} os_cal_param;

/* Sets up P for KEY with bounds [LO, HI] and distribution D; fails when the
 * distribution puts (almost) no mass between the bounds. */
int os_cal_param_init(os_cal_param *p, const char *key, double lo, double hi, os_dist d,
                      os_err *err);

double os_cal_to_u(const os_cal_param *p, double v);
double os_cal_from_u(const os_cal_param *p, double u);
/* Bounds in u. */
double os_cal_ulo(const os_cal_param *p);
double os_cal_uhi(const os_cal_param *p);

/* Log prior density of u, up to a constant (-INFINITY outside the bounds). */
double os_cal_prior_logpdf(const os_cal_param *p, double u);

/* A draw of u from the truncated prior (rejection; os_cal_param_init made
 * sure enough mass lies inside). */
double os_cal_prior_draw(const os_cal_param *p, gsl_rng *r);

/* The prior as text, e.g. "lognormal{meanlog -8.1, sdlog 0.3} on [1e-06, 0.1]". */
void os_cal_prior_text(const os_cal_param *p, char *buf, size_t n);

#endif
