/* engine_int.h - shared by the engine's own files (engine_*.c), not by
 * modules or callers of the engine. */
#ifndef OS_ENGINE_INT_H
#define OS_ENGINE_INT_H

#include "engine.h"
#include "engine_settings.h"
#include "h5out.h"
#include "engine_progress.h"

/* One run: the scenario, its settings, and what the arms accumulate. */
typedef struct os_run {
    const os_cfg *cfg;
    const os_phases *phases;
    const os_run_opts *opts;
    os_settings set;
    os_summary *summary;
    os_h5out *out;
    os_progress progress;
    double agent_years;
    size_t peak_agents, row_bytes;
    uint64_t rng_blocks;
    uint64_t seed;         /* this replicate's seed                    */
    int replicate;         /* 0: the run itself (checkpoints, output)  */
    os_arms arms;
    os_carry carry;        /* blocks kept across the arms (per replicate) */
    /* The start population after burn-in, identical in every arm (nothing
     * of an arm's programmes acts before the start year): built by the
     * first arm that needs it, then copied to the others of the replicate
     * (run.shared_start, engine_arm.c). */
    int start_mode;        /* OS_START_* (engine_memplan.h)             */
    os_pop *start;         /* NULL: not built (yet) or not shared       */
    int start_uses;        /* arms still to start from it; freed at 0   */
    size_t start_n0;       /* agents of the start block, all processes  */
    uint32_t start_next_id, start_first_id;
} os_run;

/* ---- engine_sched.c: chunked passes ---- */

typedef struct os_pass {
    os_model *m;
    os_acc *acc;               /* one per thread                */
    os_event_buf *events;      /* one per chunk, or NULL        */
    size_t begin, end;         /* rows of the store to cover    */
} os_pass;

enum { OS_PASS_INIT, OS_PASS_CENSUS, OS_PASS_STEP };

size_t os_pass_chunks(const os_pass *p);
/* Runs the modules' hooks of KIND over the chunks of P in parallel. */
void os_pass_run(os_pass *p, int kind);
/* A burn-in year over the chunks of P: each chunk lives one year one year
 * younger (census and step), then every column but those marked
 * OS_COL_CARRY returns to its value before.  OS_ERUN when out of memory. */
int os_pass_burn_in(os_pass *p, os_err *err);
/* DST += SRC, cell by cell (exact integer sums). */
void os_acc_sum(os_acc *dst, const os_acc *src);
/* OS_ERUN with err set if any of the N chunk logs lost an event. */
int os_events_check(const os_event_buf *evb, size_t n, int year, os_err *err);
/* Frees the N chunk logs and the array. */
void os_events_free(os_event_buf *evb, size_t n);

/* ---- engine_results.c: the summary table ---- */

/* Appends the 22 rows of (m->year, m->arm) from the exact totals TOT. */
int os_summary_add_year(os_summary *s, const os_model *m, const os_acc *tot,
                        os_err *err);

/* ---- engine_arm.c: one arm ---- */

/* Runs arm ARM of R; RESUME: continue it from the run's checkpoint. */
int os_engine_arm(os_run *r, int arm, int resume, os_err *err);

#endif
