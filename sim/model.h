/* model.h - what a model module sees of the engine.
 *
 * A module is one file under models/ that exports one `const os_module` and
 * is listed once in the phase table (models/phases.c).  The engine calls its
 * hooks in table order:
 *
 *   declare       (optional) before validation: declare parameters whose
 *                 keys depend on user-chosen names (os_cfg_keys,
 *                 os_cfg_declare_under), e.g. programmes.<name>.*.
 *   init          once per arm: read parameters (os_cfg_*), add population
 *                 columns (os_model_add_column; the columns of others it
 *                 reads are declared in `reads`, model.h) and summary columns
 *                 (os_summary_column, os_summary_column_as with a
 *                 role), allocate private state.
 *   init_agents   for every chunk of newly created agents (the base
 *                 population at the start year, then each year's entrants),
 *                 after the engine has set id; modules earlier in the
 *                 table have already initialised theirs.
 *   year_begin    serial, before the year's passes (may run its own
 *                 parallel pass with os_model_for_chunks).
 *   census        parallel over chunks: the stock at 1 July of the year
 *                 (diagnoses, prevalence counts).  Cohort snapshots are
 *                 written after this pass.
 *   step          parallel over chunks: the year's transitions (risk
 *                 factors, physiology, events, deaths, costs, ageing).
 *   year_end      serial, after the step pass, before dead agents are
 *                 removed and entrants appended.
 *   entrants      (one module, demography) how many agents enter at the
 *                 start of YEAR; for the start year, the base population.
 *   write_output  optional extra HDF5 groups (e.g. /demography).
 *   check         (optional) after init, before any agent exists, in a
 *                 trial set-up of each arm by `osteosim check` and by a
 *                 run before it allocates (sim/engine_memplan.c): inputs init
 *                 did not validate, and what the run will hold (os_plan).
 *   destroy       frees the private state.
 *   validate      (optional) once, after the configuration is validated:
 *                 checks across keys (e.g. that an arm's programmes exist).
 *
 * Chunks are fixed ranges of the store; the engine decides them and threads
 * take them in any order, so a hook must only touch its chunk's rows and its
 * chunk's accumulator.  Random draws come from os_rng streams keyed by
 * agent id, year and purpose, never from shared generators.
 */
#ifndef OS_MODEL_H
#define OS_MODEL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "pop.h"
#include "rng.h"

/* The column registry: who creates and who reads each
 * population column.
 *
 * The population store (pop.h) is a bus that every module reads.  To keep
 * its wiring explicit, each column has ONE owner, the module that creates
 * it with os_model_add_column (the engine owns the core columns), and
 * each module declares the columns of others it reads in os_module.reads.
 * Modules look those up only through os_model_column and friends, which
 * refuse a column the module did not declare, so the lists stay true.
 *
 * After every module's init the engine calls os_columns_check: each
 * declared read must name a column an EARLIER module (or the engine)
 * creates, with the declared type.  A module that reads a column of a
 * later one (say, its start-of-year value, before the later module's step
 * updates it) marks the read OS_READ_LATE and looks it up after init, in
 * year_begin or a pass.
 * (Implemented in model_columns.c.)
 */
struct os_model;
struct os_chunk;

enum {
    OS_READ_LATE = 1u << 0,     /* created by a later module            */
    OS_READ_OPTIONAL = 1u << 1, /* may be absent in an arm (programme
                                   effects exist only in arms with
                                   programmes)                          */
    OS_READ_WRITES = 1u << 2,   /* the reader also changes it           */
};

/* One declared read; a module's list ends with {NULL}. */
typedef struct os_colread {
    const char *name;
    os_coltype type;
    unsigned flags;
} os_colread;

/* Adds population column NAME owned by MODULE (the module's name in the
 * phase table); otherwise as os_pop_add_column. */
int os_model_add_column(struct os_model *m, const char *module, const char *name,
                        os_coltype type, const char *units, const char *description,
                        unsigned flags, os_err *err);

/* Index of column NAME of TYPE that MODULE reads (or owns), or -1 with err
 * set: not declared in MODULE's reads, declared or created with another
 * type, or absent. */
int os_model_column(struct os_model *m, const char *module, const char *name,
                    os_coltype type, os_err *err);

/* The same for a read declared OS_READ_OPTIONAL: -1 without error when
 * this arm has no such column, -2 with err set on the failures above. */
int os_model_column_opt(struct os_model *m, const char *module, const char *name,
                        os_coltype type, os_err *err);

/* For a pass (no error path): the chunk's rows of optional or late f32
 * column NAME that MODULE declares, or NULL when absent.  A lookup the
 * declarations do not allow is a bug in the module: it aborts. */
float *os_chunk_find_f32(struct os_model *m, const struct os_chunk *c, const char *module,
                         const char *name);

/* The same for a u8 column. */
uint8_t *os_chunk_find_u8(struct os_model *m, const struct os_chunk *c, const char *module,
                          const char *name);

/* The start-up check, after every module's init (see the top). */
int os_columns_check(const struct os_model *m, os_err *err);

/* The registry as a Markdown table (docs/columns.md). */
void os_columns_print(const struct os_model *m, FILE *out);

const char *os_coltype_name(os_coltype t);

/* /summary rows: (year, arm, sex, age band); bands 50-54, ..., 95-99, 100+. */
#define OS_AGE_MIN 50
#define OS_BAND_WIDTH 5
#define OS_NBANDS 11
#define OS_NSEX 2
#define OS_NCELLS (OS_NSEX * OS_NBANDS)
#define OS_MAX_SUMMARY_COLS 64

/* Summary values are accumulated as fixed-point integers (value * 2^16,
 * rounded per contribution), so totals are exact and identical whatever the
 * order of addition: any thread count, chunking or process count. */
#define OS_ACC_SCALE 65536.0

typedef struct os_acc {
    int ncols;
    int64_t v[OS_NCELLS * OS_MAX_SUMMARY_COLS];
} os_acc;

static inline int os_age_band(float age)
{
    int b = (int)((age - (float)OS_AGE_MIN) / (float)OS_BAND_WIDTH);
    return b < 0 ? 0 : (b >= OS_NBANDS ? OS_NBANDS - 1 : b);
}

/* Adds VALUE (e.g. weight * indicator) to column COL of cell (sex, band). */
static inline void os_acc_add(os_acc *a, int sex, int band, int col,
                              double value)
{
    a->v[(sex * OS_NBANDS + band) * OS_MAX_SUMMARY_COLS + col] +=
        (int64_t)__builtin_llrint(value * OS_ACC_SCALE);
}

/* Per-event log record (output.event_log: true). */
typedef struct os_event {
    uint32_t id;
    int16_t year;
    uint8_t type;      /* module-defined, labelled in the output */
    uint8_t site;
} os_event;

typedef struct os_event_buf {
    os_event *ev;
    size_t n, cap;
    size_t lost;       /* events not stored: the buffer could not grow */
} os_event_buf;

struct os_model;

/* One contiguous range of agents [begin, begin + n) of the store. */
typedef struct os_chunk {
    size_t begin, n;
    /* Core columns, already offset to `begin`. */
    const uint32_t *id;
    uint8_t *sex;
    float *age;
    uint32_t *weight;
    uint8_t *alive;
    os_acc *acc;          /* this chunk's thread accumulator */
    os_event_buf *events; /* this chunk's event log (may be NULL) */
} os_chunk;

/* Pointer to column COL for the chunk's first row. */
#define OS_CHUNK_COL(m, c, type, col) \
    ((type *)os_pop_data((m)->pop, (col)) + (c)->begin)

/* What a run will hold, filled by the modules' check hooks. */
typedef struct os_plan {
    uint64_t start_agents;  /* agents created at the start year (all processes) */
    uint64_t peak_agents;   /* most agents stored at once, an upper bound      */
    uint64_t peak_fixed;    /* part of it that does not scale with the count   */
    char agents_hint[64];   /* the setting that changes the count ("run.agents") */
} os_plan;

typedef struct os_module {
    const char *name;
    /* Labels of the event type and site codes this module logs, as
     * "0=fall,1=fracture,..." (written as /events/type and /events/site
     * `labels` attributes); NULL if it logs none. */
    const char *event_types, *event_sites;
    const os_param_spec *params;
    size_t nparams;
    int (*declare)(os_cfg *cfg, os_err *err);
    int (*init)(struct os_model *m, void **state, os_err *err);
    void (*init_agents)(struct os_model *m, void *state, os_chunk *c);
    int (*year_begin)(struct os_model *m, void *state, os_err *err);
    void (*census)(struct os_model *m, void *state, os_chunk *c);
    void (*step)(struct os_model *m, void *state, os_chunk *c);
    int (*year_end)(struct os_model *m, void *state, os_err *err);
    int (*entrants)(struct os_model *m, void *state, int year, size_t *n,
                    os_err *err);
    int (*write_output)(struct os_model *m, void *state, hid_t file,
                        os_err *err);
    int (*check)(struct os_model *m, void *state, os_plan *plan, os_err *err);
    void (*destroy)(void *state);
    /* (optional) after the configuration is validated and the engine has
     * checked the arms: cross-key checks of the module's own settings. */
    int (*validate)(const os_cfg *cfg, os_err *err);
    /* Columns of other modules it reads, ending with {NULL} (model.h);
     * NULL if none. */
    const os_colread *reads;
} os_module;

/* The modules of a run in phase order.  The program passes its table
 * (models/phases.c); the engine knows no module by name. */
typedef struct os_phases {
    const os_module *const *modules;
    int n;
} os_phases;
/* What a summary column measures (its role), so that the comparison of
 * arms (sim/res_cea.c, res_psa.c) and the reports find columns by role, never by
 * name (sim/model_roles.c). */
enum {
    OS_ROLE_OTHER = 0,   /* none below; not summed per arm unless OS_SUM_TOTAL */
    OS_ROLE_POPULATION,  /* persons represented                              */
    OS_ROLE_PREVALENCE,  /* persons with a condition at 1 July               */
    OS_ROLE_COST,        /* money; the main cost column's units name the currency */
    OS_ROLE_UTILITY,     /* the health effect arms are compared on (units per
                            willingness-to-pay threshold)                    */
    OS_ROLE_LIFE_YEARS,
    OS_ROLE_EVENT,       /* events during the year, of a kind (and site)     */
};
#define OS_SUM_DISCOUNTED 1u  /* discounted to run.start_year                 */
#define OS_SUM_PART       2u  /* part of another column of its role: shown, not added */
#define OS_SUM_TOTAL      4u  /* summed per arm (implied for cost, utility,
                                 life-years and events)                      */
#define OS_SUM_REPORT     8u  /* in the run report's headline table          */
#define OS_SUM_MC_ERROR  16u  /* in the Monte Carlo error report; an event
                                 with a site is reported as its kind's total  */
#define OS_SUM_ARMS      32u  /* events: averted counts in the arms report
                                 (the kind's total, then this site)          */

typedef struct os_sum_role {
    int role;              /* OS_ROLE_* */
    unsigned flags;        /* OS_SUM_*  */
    /* Short name derived outputs are composed from: a quantity ("cost" ->
     * incremental_cost) or an event kind, plural ("falls" -> falls_averted;
     * with sites, also <kind>_total). */
    const char *label;
    const char *site;      /* event site within its kind, or NULL        */
    const char *abbrev;    /* heading of the kind in the arms report, or NULL (label) */
} os_sum_role;

typedef struct os_summary_col {
    char name[48];
    char units[48];        /* copied: callers may pass temporary text */
    char description[256];
    int role;              /* os_sum_role, copied */
    unsigned flags;
    char label[32], site[32], abbrev[16];
} os_summary_col;

/* Willingness-to-pay thresholds per unit of the utility column, for the net
 * monetary benefit of arms: threshold k = base x multiple[k].  The keys
 * name the settings they came from, for the output's descriptions. */
#define OS_MAX_WTP 16
typedef struct os_wtp {
    int n;
    double base, value[OS_MAX_WTP], multiple[OS_MAX_WTP];
    char base_key[64], multiple_key[64];
} os_wtp;

typedef struct os_model {
    const os_cfg *cfg;
    os_pop *pop;
    uint64_t seed;
    int start_year, end_year;
    int year;              /* the simulated year now running */
    int closed;            /* run.mode cohort: no entrants after the start
                              year (os_settings_closed) */
    int arm;               /* index of the arm being simulated */
    const char *arm_name;
    int is_reference;      /* 1 in the reference arm (run first)      */
    int follow_years;      /* years after end_year the run follows the
                              survivors to death (os_model_follow_survivors);
                              the last year is end_year + follow_years */
    int tail;              /* 1 in a year after end_year (survivors only:
                              no entrants, no snapshots, summary rows kept
                              apart from /summary)                    */
    int burn_in;           /* 1 in a burn-in year before start_year (its
                              results are discarded; programmes are off) */
    const char *const *programmes; /* the arm's programme names        */
    int nprogrammes;
    void *engine;          /* engine-private (os_model_carry)          */
    int nthreads;
    size_t chunk_size;
    int event_log;         /* output.event_log */
    uint64_t rng_blocks;   /* Philox blocks drawn by the engine's passes */
    uint32_t first_new_id; /* init_agents: first id of the block being created
                              (under MPI a rank holds only part of it)   */
    /* Summary columns registered so far (engine's first). */
    int nsummary;
    os_summary_col summary[OS_MAX_SUMMARY_COLS];
    os_wtp wtp;            /* os_model_set_wtp (none: n = 0) */
    /* Module table and private states, in phase order. */
    const os_module *const *modules;
    int nmodules;
    void **states;
} os_model;

/* Pointer to column COL of the chunk's first row, typed: os_chunk_f32(m,
 * c, col), os_chunk_u8, ...; replaces OS_CHUNK_COL casts.  Debug builds
 * check the column's type. */
#define OS_CHUNK_TYPED(fn, T, coltype)                                           \
    static inline T *fn(const os_model *m, const os_chunk *c, int col)           \
    {                                                                            \
        assert(col >= 0 && col < m->pop->ncols && m->pop->cols[col].type == coltype); \
        return (T *)os_pop_data(m->pop, col) + c->begin;                         \
    }
OS_CHUNK_TYPED(os_chunk_f32, float, OS_COL_F32)
OS_CHUNK_TYPED(os_chunk_u8, uint8_t, OS_COL_U8)
OS_CHUNK_TYPED(os_chunk_u16, uint16_t, OS_COL_U16)
OS_CHUNK_TYPED(os_chunk_u32, uint32_t, OS_COL_U32)
OS_CHUNK_TYPED(os_chunk_i16, int16_t, OS_COL_I16)

/* Registers a /summary column; returns its index or -1 with err set. */
int os_summary_column(os_model *m, const char *name, const char *units,
                      const char *description, os_err *err);

/* os_summary_column with the column's role (os_sum_role above). */
int os_summary_column_as(os_model *m, const char *name, const char *units,
                         const char *description, os_sum_role role, os_err *err);

/* Sets the willingness-to-pay thresholds (os_wtp above): N of them, BASE x
 * MULTIPLE[k]; N = 0 for none.  The module that owns them calls it at init. */
int os_model_set_wtp(os_model *m, double base, const double *multiple, int n,
                     const char *base_key, const char *multiple_key, os_err *err);

/* Private state of another module by name (NULL if absent), for modules
 * that use another's public API (e.g. mortality rates from demography). */
void *os_model_state(const os_model *m, const char *module_name);

/* Runs FN over every chunk of the store in parallel (for year_begin hooks
 * that need a reduction pass); ACC_OUT, if non-NULL, receives the exact
 * sum of the chunks' accumulators. */
typedef void (*os_chunk_fn)(os_model *m, void *ctx, os_chunk *c);
void os_model_for_chunks(os_model *m, os_chunk_fn fn, void *ctx,
                         os_acc *acc_out);

/* A zero-filled block of SIZE bytes that module NAME keeps for the whole
 * run (all arms of one replicate or PSA draw), for values the reference arm
 * computes and the other arms reuse (e.g. the background mortality
 * adjustment, so a programme's benefit is not calibrated away).  Saved in
 * checkpoints.  NULL when out of memory or SIZE differs from a previous
 * call. */
void *os_model_carry(os_model *m, const char *name, size_t size);

/* Asks the engine, at init, to follow everyone alive at the end of
 * end_year until death, for at most MAX_YEARS more years, so that costs
 * and outcomes have a lifetime horizon (/economics_lifetime).  Those years
 * add no entrants, and their summary rows are kept apart from /summary
 * (os_summary.survivors). */
void os_model_follow_survivors(os_model *m, int max_years);

/* Appends an event to the chunk's log when the event log is on. */
void os_event_log(os_chunk *c, uint32_t id, int year, int type, int site);

#endif
