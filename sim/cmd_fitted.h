/* cmd_fitted.h - the parameter file `osteosim calibrate` writes.
 *
 * The fitted keys as nested YAML, in key order, each with its value, unit,
 * source and its prior's distribution moved to centre on the fitted value
 * (PSA draws then spread around the fit).  Include it after the files that
 * hold the keys' original values.
 */
#ifndef OS_CMD_FITTED_H
#define OS_CMD_FITTED_H

#include "config.h"
#include "err.h"
#include "res_targets.h"

/* Writes the values in CFG of TG's fit parameters to OUT (under a temporary
 * name, renamed when complete), noting TARGETS_PATH, the objective OBJ and
 * the number of evaluations EVALS.  0 or OS_ERUN with ERR set. */
int os_fitted_write(const os_cfg *cfg, const os_targets *tg, int evals, double obj,
                    const char *out, const char *targets_path, os_err *err);

/* Writes keys PARAMS[0..N) with VALUES and DISTS (OS_DIST_NONE: no dist
 * line) to OUT, after the comment lines HEADER, each with source SOURCE. */
int os_fitted_write_values(const os_cfg *cfg, const os_fit_param *params, size_t n, const double *values,
                           const os_dist *dists, const char *header, const char *source, const char *out,
                           os_err *err);

#endif
