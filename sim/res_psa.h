/* res_psa.h - probabilistic sensitivity analysis.
 *
 * Draw k (k = 1, 2, ...) sets every real parameter that declares an
 * uncertainty distribution (dist other than fixed) to a value drawn from
 * that distribution, with a Philox stream keyed by (parameter name, run
 * seed, k): a parameter's draw does not depend on which other parameters
 * exist, and draw k is the same whether it runs alone (--psa-draw k) or in
 * a batch (--psa N).  Draws run every arm with the run's own seed (common
 * random numbers across draws: draws differ only in parameters).  Values
 * outside a parameter's valid range are clamped to it.
 *
 * /psa (docs/hdf5-schema.md) holds the draws, each draw's per-arm totals,
 * the cost-effectiveness acceptability curve and the expected value of
 * perfect information per person and for the population, and the
 * scenario's calibration targets in each draw (res_psa_targets.h).
 */
#ifndef OS_RES_PSA_H
#define OS_RES_PSA_H

#include <stdio.h>

#include <hdf5.h>

#include "res_cea.h"
#include "config.h"
#include "res_types.h"

typedef struct os_psa {
    int ndraws, narms, nparams;
    int *draw;            /* [ndraws] draw numbers k                      */
    char **names;         /* [nparams] parameter keys                     */
    double *values;       /* [ndraws x nparams]                           */
    double *tot;          /* [ndraws x narms x OS_MAX_SUMMARY_COLS] totals
                             of every summary column                     */
    double *cost, *effect; /* [ndraws x narms] discounted, by role        */
    double *population0;  /* [ndraws] persons at the start year          */
    /* the summary's columns and thresholds (from the first draw run here) */
    int ncols;
    os_summary_col cols[OS_MAX_SUMMARY_COLS];
    os_wtp wtp;
    struct os_psa_targets *targets; /* the calibration targets in each draw,
                                       or NULL (res_psa_targets.h)      */
} os_psa;

struct os_posterior;

/* Applies draw K to CFG (validated).  With a posterior POST (NULL: none;
 * psa_posterior.h), its parameters take the values of draw K's particle
 * and are not drawn from their distributions.  If PSA is non-NULL, stores
 * the values as row ROW. */
int os_psa_apply(os_cfg *cfg, int k, const struct os_posterior *post, os_psa *psa, int row, os_err *err);

/* Runs draws FIRST..FIRST+COUNT-1 of the validated scenario CFG without
 * output files, into PSA (allocated here; free with os_psa_free). */
int os_psa_run(const os_cfg *cfg, const os_phases *ph, const struct os_posterior *post,
               int first, int count, int nthreads, os_psa *psa, os_err *err);

/* A one-draw PSA record of a finished run of draw K (--psa-draw). */
int os_psa_single(const os_cfg *cfg, int k, const struct os_posterior *post, const os_summary *s,
                  os_psa *psa, os_err *err);

void os_psa_free(os_psa *psa);

/* Writes /psa: draws, outcomes, CEAC and EVPI over a WTP grid. */
int os_psa_write(hid_t file, const os_cfg *cfg, const os_psa *psa,
                 os_err *err);

/* Prints the CEAC at the scenario's thresholds and the EVPI. */
void os_psa_report(FILE *out, const os_cfg *cfg, const os_psa *psa);

/* CEAC and EVPI at threshold WTP (per unit of effect): PROB[a] = share of draws in
 * which arm a has the highest net monetary benefit (ties to the lowest
 * index); returns the population EVPI = mean over draws of the best NMB
 * minus the best mean NMB. */
double os_psa_ceac(const os_psa *psa, double wtp, double *prob);

#endif
