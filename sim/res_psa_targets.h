/* res_psa_targets.h - the scenario's calibration targets in every PSA draw.
 *
 * A draw's parameters are plausible only if the model still reproduces the
 * observations it was calibrated to.  Each draw's summary is compared with
 * the targets files of calibration.targets and calibration.targets_extra
 * (res_targets.h) with the rule of the run's targets table: a target is
 * met when |model - value| <= tolerance + OS_TARGET_MC_Z * its Monte Carlo
 * standard error.  /psa/targets holds one row per (draw, target) and
 * /psa/targets_summary one row per target, with the share of draws within
 * tolerance (docs/hdf5-schema.md).  The comparison is the same for a PSA
 * from the priors and one from a calibration posterior (psa_posterior.h),
 * so the two shares can be set side by side.
 */
#ifndef OS_RES_PSA_TARGETS_H
#define OS_RES_PSA_TARGETS_H

#include <stdio.h>

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "res_targets.h"
#include "res_types.h"

typedef struct os_psa_targets {
    int rows, n;          /* draws, targets                              */
    os_target *def;       /* [n] as read from the files                  */
    double *value, *se;   /* [rows x n]: the model's value (NaN when the
                             run cannot compute it) and its MC error     */
} os_psa_targets;

/* The targets of CFG for ROWS draws (*T = NULL when the scenario names no
 * targets file).  Free with os_psa_targets_free. */
int os_psa_targets_alloc(os_psa_targets **t, const os_cfg *cfg, int rows, os_err *err);
void os_psa_targets_free(os_psa_targets *t);

/* Row ROW from the draw's summary S. */
void os_psa_targets_record(os_psa_targets *t, int row, const os_summary *s);

/* Copies row FROM_ROW of FROM into row ROW of T (allocated for the same
 * targets at the first row: *T NULL); psa-merge. */
int os_psa_targets_copy(os_psa_targets **t, int rows, int row, const os_psa_targets *from, int from_row,
                        os_err *err);

/* Sums the rows over MPI ranks (each rank filled its own rows). */
void os_psa_targets_gather(os_psa_targets *t);

/* 1 if draw ROW meets target I. */
int os_psa_target_within(const os_psa_targets *t, int row, int i);

/* Share of draws meeting every fitted (weight > 0) target the run computes. */
double os_psa_targets_share_all(const os_psa_targets *t);

/* /psa/targets and /psa/targets_summary into group PSA; DRAW[rows] are the
 * draw numbers. */
int os_psa_targets_write(hid_t psa, const os_psa_targets *t, const int *draw, os_err *err);

/* The shares, for the run's PSA report. */
void os_psa_targets_report(FILE *out, const os_psa_targets *t);

#endif
