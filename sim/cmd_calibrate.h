/* cmd_calibrate.h - `osteosim calibrate`: fit parameters to targets.
 *
 *   osteosim calibrate CONFIG.yaml --targets FILE.yaml [-o fitted.yaml]
 *       [--agents N] [--threads T] [--max-iter K] [--set key=value ...]
 *
 * Moves the targets file's `fit:` parameters within their bounds to
 * minimise sum(weight * ((model - target) / tolerance)^2) with GSL's
 * Nelder-Mead simplex, using the same seed in every evaluation (common
 * random numbers), and writes the fitted values as a parameter file.
 */
#ifndef OS_CMD_CALIBRATE_H
#define OS_CMD_CALIBRATE_H

#include "cmd_ctx.h"

/* A command of the front door (cmd.h): ARGV[0] is "calibrate".  Returns
 * the exit code (0, 1 run failure, 2 usage or configuration error). */
int os_cmd_calibrate(int argc, char **argv, os_cmd_err *e);

#endif
