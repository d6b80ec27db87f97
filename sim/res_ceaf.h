/* res_ceaf.h - decision tables of a PSA over a grid of thresholds: the
 * cost-effectiveness acceptability frontier (/psa/ceaf), the expected loss
 * of each arm (/psa/expected_loss), and the PSA summary of each arm's
 * outcomes (/psa/summary: mean and 2.5 % / 97.5 % quantiles over draws,
 * quantiles by linear interpolation between order statistics, type 7).
 * Net monetary benefit of arm a in draw r at threshold w:
 * NMB = w * effect - cost (discounted, by role).
 */
#ifndef OS_RES_CEAF_H
#define OS_RES_CEAF_H

#include <hdf5.h>

#include "err.h"
#include "res_evppi.h"
#include "res_types.h"

/* The CEAF at threshold WTP: the arm with the highest mean NMB (ties to the
 * lowest index), with *PROB the share of draws in which it has the highest
 * NMB; LOSS[a] (NARMS, may be NULL) the expected loss of each arm, mean
 * over draws of max_j NMB_j - NMB_a. */
int os_ceaf_at(const os_voi *v, double wtp, double *prob, double *loss);

/* Writes /psa/ceaf, /psa/expected_loss (thresholds GRID) and /psa/summary
 * into group G.  TOT: [ndraws x narms x OS_MAX_SUMMARY_COLS] totals of
 * the summary columns COLS; LABELS the arms attribute ("0=a,1=b"). */
int os_ceaf_write(hid_t g, const os_voi *v, const double *grid, int ngrid, const double *tot,
                  const os_summary_col *cols, int ncols, const char *labels, os_err *err);

#endif
