/* engine.h - runs a validated scenario: all arms, all years, into memory
 * and (optionally) an HDF5 file.  The CLI, calibration and tests drive the
 * simulator through this interface only.  The modules to run come from the
 * caller (os_phases, model.h): the program passes models/phases.c's table.
 *
 * Layers: res_types.h (summary, arms, stats) is below the engine, so the
 * writers of results (cea, psa, replicates, targets, report, checkpoint)
 * do not depend on it.  Engine files: engine_validate.c (declaration and
 * validation), engine_run.c (replicates, arms, output), engine_arm.c (one
 * arm's years), engine_sched.c (chunked passes), engine_results.c (the
 * summary table), engine_settings.c (run.* and output.* read once).
 */
#ifndef OS_ENGINE_H
#define OS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "res_types.h"

struct os_psa;
struct os_posterior;

typedef struct os_run_opts {
    const char *output;     /* HDF5 path, or NULL for no file           */
    int nthreads;           /* 0 = OpenMP default                        */
    int progress;           /* 1: progress line on stderr                */
    int quiet;              /* 1: no summary on stdout                   */
    const char *checkpoint; /* checkpoint path (NULL: none)              */
    int checkpoint_every;   /* years between checkpoints (0: only on a
                               stop signal, when checkpoint is set)      */
    const char *resume;     /* checkpoint to continue from, or NULL      */
    const struct os_psa *psa; /* PSA draws to write as /psa, or NULL     */
    int psa_draw;           /* > 0: this run is PSA draw k; /psa of it   */
    const struct os_posterior *posterior; /* the draw's calibration
                               posterior, or NULL (psa_posterior.h)      */
    int calendar_only;      /* 1: no survivors' years even when a module
                               asks for a lifetime horizon (the caller reads
                               the calendar summary only: PSA draws,
                               calibration)                              */
    /* More results written into the output file before it is closed
     * (osteosim dsa: /dsa), or NULL; CTX is passed through. */
    int (*write_more)(hid_t file, const os_summary *summary, void *ctx, os_err *err);
    void *write_ctx;
} os_run_opts;

/* Engine settings every scenario may carry (run.*, output.*, demography
 * scale etc. are declared by their owners). */
extern const os_param_spec os_engine_params[];
extern const size_t os_engine_nparams;
extern const os_param_spec os_arms_params[];
extern const size_t os_arms_nparams;

/* Declares the engine's and every module's parameters on CFG and
 * validates it. */
int os_engine_validate(os_cfg *cfg, const os_phases *ph, os_err *err);

/* Runs the scenario with the modules PH.  SUMMARY (may be NULL) receives
 * the summary table; free it with os_summary_free. */
int os_engine_run(os_cfg *cfg, const os_phases *ph, const os_run_opts *opts,
                  os_summary *summary, os_run_stats *stats, os_err *err);

#endif
