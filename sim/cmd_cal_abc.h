/* cmd_cal_abc.h - `osteosim calibrate --method abc-smc`: the joint
 * posterior of the targets files' fit parameters (sim/cal_abc.h) written
 * as a posterior file (sim/cal_posterior.h) and, optionally, as parameter
 * files at the posterior mean (sim/cmd_fitted.h). */
#ifndef OS_CMD_CAL_ABC_H
#define OS_CMD_CAL_ABC_H

#include "cal_abc.h"
#include "config.h"
#include "err.h"
#include "model.h"
#include "res_targets.h"

typedef struct os_cal_abc_opts {
    os_abc_settings abc;
    double scale_level;          /* a target's scale is a CI half-width at this level */
    int prior_bounds;            /* 1: uniform between the bounds, ignoring dist: */
    int nthreads;
    const char *output;          /* posterior file (checked) */
    const char *const *fitted;   /* parameter files to write, or none */
    int nfitted;
    int ntargets_files;
    const char *command_line;
    const char *from;            /* posterior file to write --fitted from, or NULL */
} os_cal_abc_opts;

/* With O->from: reads that posterior file (its parameters must be TG's fit
 * keys, in order) and writes the --fitted files from it, sampling nothing;
 * the headers then name the posterior file's command line. */
/* Runs the sampler on CFG (validated) and TG, prints the posterior summary
 * to stdout and writes the files.  0, OS_ECONFIG or OS_ERUN with ERR set. */
int os_cal_abc(const os_phases *ph, os_cfg *cfg, const os_targets *tg, const os_cal_abc_opts *o,
               os_err *err);

#endif
