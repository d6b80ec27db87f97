/* res_types.h - what a run produces and what the writers of its results need:
 * the in-memory /summary table, the arms of a scenario, the blocks carried
 * across arms and the run's statistics.  Below the engine: cea, psa,
 * replicates, targets, report and checkpoint use these types without
 * depending on the engine that fills them (engine.h).
 */
#ifndef OS_RES_TYPES_H
#define OS_RES_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "model.h"

/* In-memory /summary: one row per (year, arm, sex, band), columns in
 * registration order; values already divided by OS_ACC_SCALE. */
typedef struct os_summary {
    int ncols;
    os_summary_col cols[OS_MAX_SUMMARY_COLS];
    os_wtp wtp;             /* the thresholds the modules set */
    size_t nrows;
    int32_t *year, *arm, *sex, *age_lo, *age_hi;
    double *values;         /* nrows x ncols, row-major */
    /* The years after run.end_year a lifetime horizon follows the
     * survivors through (same columns), or NULL (os_model_follow_survivors). */
    struct os_summary *survivors;
} os_summary;

void os_summary_free(os_summary *s);
/* DST (empty) = the rows of A followed by those of B (same columns). */
int os_summary_concat(os_summary *dst, const os_summary *a, const os_summary *b, os_err *err);
/* Column index by name, or -1. */
int os_summary_find(const os_summary *s, const char *name);

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

#endif
