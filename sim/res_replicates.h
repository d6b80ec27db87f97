/* res_replicates.h - Monte Carlo replicates of a scenario (run.replicates).
 *
 * Replicate 0 is the run itself (seed run.seed) and keeps all its detail;
 * replicate r > 0 uses the seed os_replicate_seed(run.seed, r) and keeps
 * only its /summary values.  From the R summaries this module computes
 * /summary_quantiles (per row and outcome column: mean and the 2.5 %, 50 %
 * and 97.5 % quantiles, numpy's default linear interpolation),
 * /summary_totals (per replicate, arm, year and sex, 2 = both: the columns
 * summed over the age bands, i.e. national totals) with their quantiles
 * over the replicates in /summary_totals/quantiles, and the Monte
 * Carlo relative error of the headline outcomes in the last year.
 */
#ifndef OS_RES_REPLICATES_H
#define OS_RES_REPLICATES_H

#include <stdint.h>
#include <stdio.h>

#include <hdf5.h>

#include "res_types.h"

uint64_t os_replicate_seed(uint64_t base, int r);

/* REPS[r] holds replicate r's summary values (nrows x ncols, same layout as
 * S->values; REPS[0] = S->values).  Writes /summary_quantiles and
 * /summary_totals. */
int os_replicates_write(hid_t file, const os_summary *s, double *const *reps,
                        int nreps, const uint64_t *seeds, os_err *err);

/* Prints the Monte Carlo relative error of the headline outcomes (totals of
 * the last year, arm 0) and the agents that would bring it under 1 %. */
void os_replicates_report(FILE *out, const os_summary *s, double *const *reps,
                          int nreps, double agents);

#endif
