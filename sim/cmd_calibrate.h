/* cmd_calibrate.h - `osteosim calibrate`: fit parameters to targets.
 *
 *   osteosim calibrate CONFIG.yaml --targets T1.yaml [T2.yaml ...] [-o OUT]
 *       [--method nelder-mead|lm|abc-smc] [--agents N] [--threads T]
 *       [--max-iter K] [--set key=value ...]
 *
 * nelder-mead and lm move the targets files' `fit:` parameters within their
 * bounds to minimise sum(weight * ((model - target) / tolerance)^2) (GSL's
 * simplex or Levenberg-Marquardt), using the same seed in every evaluation
 * (common random numbers), and write the fitted values as a parameter file.
 * abc-smc samples their joint posterior (cmd_cal_abc.h, cal_abc.h) and
 * writes a posterior file.  This file parses the command and dispatches.
 */
#ifndef OS_CMD_CALIBRATE_H
#define OS_CMD_CALIBRATE_H

#include "cmd_ctx.h"

/* A command of the front door (cmd.h): ARGV[0] is "calibrate".  Returns
 * the exit code (0, 1 run failure, 2 usage or configuration error). */
int os_cmd_calibrate(int argc, char **argv, os_cmd_err *e);

#endif
