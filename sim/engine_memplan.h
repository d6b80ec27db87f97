/* engine_memplan.h - the memory a run will need, known before it allocates, and
 * the limit it must fit in.
 *
 * A run far too large for the machine (e.g. demography.scale 1: one agent
 * per person) used to be killed by the kernel without a word, taking a
 * shared node into out-of-memory.  Now `osteosim check` prints the estimate
 * and a run refuses to start, with one line saying how many agents would
 * fit, when the estimate exceeds run.max_memory or, by default, the memory
 * this process may use (MemAvailable, the cgroup's limit, ulimit -v; shared
 * by the MPI ranks of a node).
 *
 * The estimate comes from a trial set-up of every arm without agents: the
 * modules' init hooks add their columns (bytes per agent) and their check
 * hooks validate inputs and bound the agents stored at once (os_plan).
 */
#ifndef OS_ENGINE_MEMPLAN_H
#define OS_ENGINE_MEMPLAN_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "res_types.h"

typedef struct os_memplan {
    os_plan mod;            /* from the check hooks, arm with most agents   */
    size_t row_bytes;       /* largest population row over the arms        */
    char row_arm[64];       /* its arm                                      */
    int nranks;             /* processes sharing the agents                 */
    uint64_t rows;          /* most agents one process stores               */
    double per_agent;       /* bytes per stored agent with buffers, slack  */
    double bytes;           /* estimated peak bytes of one process          */
    double start_bytes;     /* the shared start population's copy (one
                               process): in BYTES when run.shared_start is
                               on or verify, weighed by auto             */
} os_memplan;

/* How the arms of a run get their start population (run.shared_start):
 * built by each arm; built once and copied to every arm; or built by each
 * arm and compared with the copy.  0 is "not decided yet". */
enum { OS_START_SEPARATE = 1, OS_START_SHARED, OS_START_VERIFY };

/* At most this many modules in an agent-less trial (the engine's limit,
 * engine_arm.c). */
#define OS_TRIAL_MAX_MODULES 64

/* Sets M up for ARM as the engine sets up an arm (engine_arm.c), with the
 * empty store POP and STATES (ph->n entries, zeroed) and no agents: for
 * running the modules' init and check hooks before a run (the memory
 * estimate) or after one (psa-merge's columns).  The caller frees POP. */
void os_model_trial(os_model *m, os_pop *pop, void **states, const os_cfg *cfg,
                    const os_phases *ph, const os_arms *arms, int arm);

/* Trial set-up of every arm of the validated CFG with the modules PH:
 * fills P or fails with the first input error (e.g. a demography table). */
int os_memplan_make(const os_cfg *cfg, const os_phases *ph, os_memplan *p, os_err *err);

/* The limit of one process in bytes and where it comes from (for
 * messages); *LIMIT is 0 when nothing is known (no check). */
int os_memplan_limit(const os_cfg *cfg, double *limit, char *source, size_t n,
                     os_err *err);

/* OS_ECONFIG with one line (how many agents would fit) when P does not fit
 * in LIMIT.  Under MPI every rank must call it (the verdict is shared). */
int os_memplan_fits(const os_cfg *cfg, const os_memplan *p, double limit,
                    const char *source, os_err *err);

/* run.shared_start of CFG with the estimate P and the limit: auto is
 * OS_START_SHARED when P's bytes with the copy fit LIMIT (0: unknown, fits),
 * else OS_START_SEPARATE. */
int os_memplan_start_mode(const os_cfg *cfg, const os_memplan *p, double limit);

/* Make, limit, fits: the check a run does before it allocates; *START_MODE
 * receives os_memplan_start_mode. */
int os_memplan_check_run(const os_cfg *cfg, const os_phases *ph, int *start_mode, os_err *err);

/* The estimate as YAML comment lines (for `osteosim check`), with the
 * run.shared_start decision START_MODE (os_memplan_start_mode). */
void os_memplan_print(FILE *f, const os_cfg *cfg, const os_memplan *p, int start_mode);

/* "8 GiB", "512MB", "1e9", "1048576": bytes (> 0) into *OUT; -1 if not. */
int os_memplan_parse_size(const char *s, double *out);

#endif
