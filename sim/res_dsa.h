/* res_dsa.h - one-way deterministic sensitivity analysis.
 *
 * Each chosen parameter (by default every real parameter with an
 * uncertainty distribution other than fixed) is set in turn to the 2.5 %
 * and the 97.5 % quantile of its distribution (clamped to its valid range,
 * as PSA draws are), everything else at the base case, and the scenario
 * runs again with the run's own seed: common random numbers, so a
 * parameter that changes nothing gives the base case exactly.  Each point
 * compares the arms on the calendar horizon (as /psa does); /dsa
 * (docs/hdf5-schema.md) holds the points and the base case.
 */
#ifndef OS_RES_DSA_H
#define OS_RES_DSA_H

#include <stdio.h>

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "res_types.h"

/* Results of one run compared by arm. */
typedef struct os_dsa_point {
    double d_cost[OS_MAX_ARMS], d_effect[OS_MAX_ARMS], nmb[OS_MAX_ARMS], icer[OS_MAX_ARMS];
} os_dsa_point;

typedef struct os_dsa {
    int n, narms;
    char **key;              /* [n] parameter keys                    */
    double *base, *lo, *hi;  /* [n] base value and the two bounds     */
    os_dsa_point *pt;        /* [2n]: parameter i low at 2i, high 2i+1 */
    double wtp;              /* the first threshold, NMB's            */
    os_dsa_point at_base;    /* the base case (os_dsa_compare)         */
} os_dsa;

/* The arms of a run's summary S compared at the first threshold. */
void os_dsa_compare(const os_summary *s, const os_arms *arms, os_dsa_point *pt, double *wtp);

/* The Pth quantile of distribution D (normal, lognormal, gamma, beta,
 * uniform, triangular; NAN for none or fixed). */
double os_dsa_quantile(os_dist d, double p);

/* The parameters of CFG (validated) to vary: KEYS[0..NKEYS-1], or all
 * uncertain ones when NKEYS is 0; an unknown key or one without a
 * distribution is a configuration error. */
int os_dsa_setup(const os_cfg *cfg, const char *const *keys, int nkeys, os_dsa *dsa, os_err *err);

/* Runs the 2n points with NTHREADS threads (quiet: no output files). */
int os_dsa_run(const os_cfg *cfg, const os_phases *ph, int nthreads, int progress, os_dsa *dsa,
               os_err *err);

void os_dsa_free(os_dsa *dsa);

/* Writes /dsa/oneway and /dsa/base (BASE: the base case's summary, whose
 * comparison goes into DSA->base). */
int os_dsa_write(hid_t file, const os_cfg *cfg, const os_summary *base, os_dsa *dsa, os_err *err);

/* The parameters with the widest NMB range for each arm (at most TOP). */
void os_dsa_report(FILE *out, const os_cfg *cfg, const os_dsa *dsa, int top);

#endif
