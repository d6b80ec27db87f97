/* res_evppi.h - expected value of partial perfect information (EVPPI) by
 * the regression method of Strong, Oakley & Brennan 2014 (Med Decis Making
 * 34:311).
 *
 * For a group of parameters theta_G, each arm's incremental net benefit
 * over the draws is regressed on theta_G with a smoother; the fitted values
 * g_a(theta_G) estimate E[INB_a | theta_G], and
 *     EVPPI = mean_draws max_a g_a - max_a mean_draws g_a.
 * The smoother is an additive model with the same basis for every
 * parameter of the group (standardised): linear, linear + quadratic, or a
 * cubic regression spline (truncated power basis, 0-4 knots at quantiles),
 * fitted by least squares (SVD) and chosen by generalised cross-validation
 * (GCV = n RSS / (n - 1.4 df)^2, Wood's inflation against overfitting)
 * among the bases with at most n/3 columns, or the mean alone.
 * Net benefit is linear in the threshold, so the incremental costs and
 * effects are fitted once and combined at every threshold.  The estimate
 * is capped at the EVPI (of the same draws), its upper bound, which it can
 * exceed from few draws.
 *
 * Groups: psa.evppi_groups.<name>: [key prefixes] when given; otherwise by
 * the first component of the dotted key, or the first two for the first
 * components listed in psa.evppi_split.  Each drawn parameter is also its
 * own group in /psa/evppi_parameters (a ranking).
 */
#ifndef OS_RES_EVPPI_H
#define OS_RES_EVPPI_H

#include <stddef.h>

#include <hdf5.h>

#include "config.h"
#include "err.h"

/* The draws of a PSA as the analyses of value of information see them. */
typedef struct os_voi {
    int ndraws, narms, nparams, ref;
    char *const *names;          /* [nparams] drawn keys                  */
    const double *values;        /* [ndraws x nparams]                    */
    const double *cost, *effect; /* [ndraws x narms] discounted, by role  */
    double population;           /* persons, for per-person figures       */
} os_voi;

/* Declares psa.evppi_split and the user-named psa.evppi_groups.<name>
 * (before validation). */
int os_evppi_declare(os_cfg *cfg, os_err *err);

/* Fits Y (N values) on columns COLS[0..P-1] of X (N rows, row stride LD)
 * with the smoother above; FIT receives the N fitted values.  Returns the
 * number of model columns (1 = the mean alone), or -1 out of memory. */
int os_evppi_smooth(const double *x, size_t ld, const int *cols, int p, int n, const double *y,
                    double *fit);

/* EVPPI at threshold WTP from fitted incremental costs FC and effects FE
 * ([N x NARMS], the reference arm's column zero). */
double os_evppi_at(int n, int narms, const double *fc, const double *fe, double wtp);

/* Writes /psa/evppi (one row per group and threshold of GRID),
 * /psa/evppi_groups and /psa/evppi_parameters (each parameter alone at the
 * scenario's thresholds WTP) into the open group G. */
int os_evppi_write(hid_t g, const os_cfg *cfg, const os_voi *v, const double *grid, int ngrid,
                   const double *wtp, int nwtp, const char *money, const char *per_effect, os_err *err);

#endif
