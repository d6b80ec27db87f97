/* engine.h - runs a validated scenario: all arms, all years, into memory
 * and (optionally) an HDF5 file.  The CLI, calibration and tests drive the
 * simulator through this interface only.
 */
#ifndef OS_ENGINE_H
#define OS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "model.h"

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
} os_run_opts;

/* In-memory /summary: one row per (year, arm, sex, band), columns in
 * registration order; values already divided by OS_ACC_SCALE. */
typedef struct os_summary {
    int ncols;
    os_summary_col cols[OS_MAX_SUMMARY_COLS];
    size_t nrows;
    int32_t *year, *arm, *sex, *age_lo, *age_hi;
    double *values;         /* nrows x ncols, row-major */
} os_summary;

typedef struct os_run_stats {
    double agent_years;
    double wall_seconds;
    size_t bytes_per_agent; /* population store row size */
    size_t peak_agents;
    uint64_t rng_blocks;    /* Philox blocks (4 x 32 bits) drawn */
    int nreps;              /* replicates run (run.replicates)           */
    double **reps;          /* their summary values (reps[0] = the run's);
                               free with os_run_stats_free               */
    char *unused;           /* warning lines for keys set but never read,
                               or NULL (same list as /parameters/unused) */
} os_run_stats;

void os_run_stats_free(os_run_stats *st);

/* Arms of a scenario: the keys of `arms` in file order (each a list of
 * programme names), or one arm "status_quo" without programmes when the
 * scenario has no `arms`.  The reference arm (economics.reference_arm, by
 * default the first) runs first. */
#define OS_MAX_ARMS 16
#define OS_MAX_ARM_PROGRAMMES 8
typedef struct os_arms {
    int n, ref;
    const char *names[OS_MAX_ARMS];
    const char *const *programmes[OS_MAX_ARMS];
    int nprogrammes[OS_MAX_ARMS];
} os_arms;
void os_engine_arms(const os_cfg *cfg, os_arms *a);

/* Blocks modules keep across the arms of one run (os_model_carry). */
#define OS_MAX_CARRY 8
typedef struct os_carry {
    int n;
    char name[OS_MAX_CARRY][32];
    size_t size[OS_MAX_CARRY];
    void *data[OS_MAX_CARRY];
} os_carry;
void os_carry_free(os_carry *c);

/* Engine settings every scenario may carry (run.*, output.*, demography
 * scale etc. are declared by their owners). */
extern const os_param_spec os_engine_params[];
extern const size_t os_engine_nparams;
extern const os_param_spec os_arms_params[];
extern const size_t os_arms_nparams;

/* Declares the engine's and every module's parameters on CFG and
 * validates it. */
int os_engine_validate(os_cfg *cfg, os_err *err);

/* Runs the scenario.  SUMMARY (may be NULL) receives the summary table;
 * free it with os_summary_free. */
int os_engine_run(os_cfg *cfg, const os_run_opts *opts, os_summary *summary,
                  os_run_stats *stats, os_err *err);

void os_summary_free(os_summary *s);
/* Column index by name, or -1. */
int os_summary_find(const os_summary *s, const char *name);

/* 1 when run.mode is cohort (sim/run_mode.c): the start-year population is
 * followed with no entrants. */
int os_engine_closed(const os_cfg *cfg);

/* The phase table (models/phases.c). */
extern const os_module *const os_phase_table[];
extern const int os_phase_count;

#endif
