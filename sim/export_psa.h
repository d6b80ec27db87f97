/* export_psa.h - the draws of /psa in the layout of R's dampack
 * (make_psa_obj) and BCEA (bcea): PREFIX_cost.csv and
 * PREFIX_effectiveness.csv hold one row per draw (in draw order) and one
 * column per arm (header: the arm names), the discounted cost and the
 * discounted effect (the /psa columns cost_discounted and E_discounted,
 * E the effect of the column incremental_E beside incremental_cost);
 * PREFIX_parameters.csv one row per draw and one column
 * per drawn parameter (/psa/parameters without `draw`).
 */
#ifndef OS_EXPORT_PSA_H
#define OS_EXPORT_PSA_H

#include "err.h"

/* Writes the three files (each atomically) for the output FILE.  0 or an
 * OS_E* code with ERR set. */
int os_xp_write_dampack(const char *file, const char *prefix, os_err *err);

#endif
