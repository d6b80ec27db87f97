/* demography.h - population and death-rate tables (UN WPP format) and the
 * functions other modules use: death rates by sex, exact age and time, the
 * base population and the yearly entrants.  See docs/demography.md.
 *
 * Everything here is a plain function of the tables and a few options, so
 * it can be used (and tested) without the configuration layer; the module
 * hooks in demography.c only read parameters and call these.
 */
#ifndef OS_DEMOGRAPHY_H
#define OS_DEMOGRAPHY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Sex codes of the core column `sex`. */
enum { OS_FEMALE = 0, OS_MALE = 1 };

/* Oldest single age for which rates are tabulated; older ages use it. */
#define OS_DEMOG_MAX_AGE 130
/* Age at which agents enter the model. */
#define OS_DEMOG_ENTRY_AGE 50

/* A table `year,sex,age,value` (docs/demography.md): complete over the
 * years x 2 sexes x age groups it names; age = first age of the group, the
 * last group is open. */
typedef struct os_demog_table {
    char path[512];
    int ny, na;
    int *years;     /* ascending */
    int *ages;      /* ascending first ages of the groups */
    double *v;      /* value of (year yi, sex s, group ai) at [(yi*2+s)*na+ai] */
    int *line;      /* source line of each value, same index            */
} os_demog_table;

/* Reads PATH (models/demog_table.c): a complete grid with evenly spaced
 * years and age groups; errors are one line "PATH:LINE: column X: ...". */
int os_demog_table_read(os_demog_table *t, const char *path, os_err *err);
/* The same for a table whose values may be negative (net migrants). */
int os_demog_table_read_signed(os_demog_table *t, const char *path, os_err *err);
void os_demog_table_free(os_demog_table *t);

typedef enum { OS_TABLE_POPULATION, OS_TABLE_MORTALITY } os_demog_kind;
/* Values sane for KIND: whole persons below 2^32, or death rates in (0, 5]. */
int os_demog_table_check(const os_demog_table *t, os_demog_kind kind, os_err *err);
/* The table covers the run years START..END: the population table's years
 * enclose START and, unless EXTRAP, reach END (entrants); the death rates'
 * periods start at or before START, reach START from age 50 and, unless
 * EXTRAP, END. */
int os_demog_table_covers(const os_demog_table *t, os_demog_kind kind, int start, int end,
                          int extrap, os_err *err);
/* Last year the table covers: the last population year, or the last year
 * of the last death-rate period. */
int os_demog_table_last(const os_demog_table *t, os_demog_kind kind);
/* Population of every (sex, group) at YEAR within the table's years, log-
 * linear between the table years around it (linear where one is 0),
 * rounded to whole persons, into OUT[sex * na + group]. */
void os_demog_table_interp(const os_demog_table *t, int year, double *out);

static inline double os_demog_table_at(const os_demog_table *t, int yi,
                                       int sex, int ai)
{
    return t->v[((size_t)yi * 2 + (size_t)sex) * (size_t)t->na + (size_t)ai];
}

typedef enum { OS_SPLIT_STEFFEN, OS_SPLIT_UNIFORM } os_demog_split;
typedef enum { OS_MXAGE_LOGLINEAR, OS_MXAGE_STEP } os_demog_mxage;
typedef enum { OS_MXTIME_LINEAR, OS_MXTIME_STEP } os_demog_mxtime;
/* Past the tables (docs/demography.md, "Horizons past the tables"); AUTO
 * resolves to the documented default when the run passes the tables. */
typedef enum { OS_XMORT_AUTO, OS_XMORT_HOLD, OS_XMORT_LOGLINEAR } os_demog_xmort;
typedef enum { OS_XENT_AUTO, OS_XENT_STOP, OS_XENT_TREND } os_demog_xent;

typedef struct os_demog_opts {
    const char *population_file;
    const char *mortality_file;
    const char *label;
    int start_year;
    uint64_t agents;        /* run.agents; ignored when scale is 1      */
    int scale;              /* 1: one agent per person                   */
    os_demog_split split;   /* ages within 5-year groups                 */
    os_demog_mxage mx_age;  /* death rates between age-group midpoints  */
    os_demog_mxtime mx_time;/* death rates between period midpoints     */
    int end_year;           /* > 0: the tables must cover the run to it  */
    const char *agents_origin; /* "file:line" of run.agents, for errors */
    /* Extrapolation past the tables (zero: auto, defaults below). */
    os_demog_xmort x_mort;
    os_demog_xent x_ent;
    int trend_years;        /* fit window, years (0: 20)                 */
    double max_improvement; /* bound on |d log mx / dt|, 1/yr (0: 0.03)  */
    const char *x_mort_origin, *x_ent_origin; /* "file:line" of the keys, or NULL (default) */
    /* Ages of the base population, [base_lo, base_hi + 1) in years (both 0:
     * every age from 50 the tables hold). */
    int base_lo, base_hi;
} os_demog_opts;

typedef struct os_demog os_demog;

/* Loads both tables and allocates the base population to cells. */
int os_demog_create(os_demog **out, const os_demog_opts *o, os_err *err);
void os_demog_free(os_demog *d);

const os_demog_table *os_demog_population(const os_demog *d);
const os_demog_table *os_demog_mortality(const os_demog *d);

/* Central death rate (per person-year) at exact AGE for SEX at calendar
 * TIME (decimal years: 2025.5 is 1 July 2025).  STATE is the demography
 * module's state (os_model_state(m, "demography")). */
double os_demog_mx(const void *state, int sex, double age, double time);

/* Persons of SEX aged [A0, A1) at 1 July of table year YEAR implied by the
 * group-splitting method (a0, a1 within the closed groups); -1 if YEAR is
 * not a table year. */
double os_demog_persons(const os_demog *d, int year, int sex, double a0,
                        double a1);

/* Base population: number of agents, and agent RANK's sex, exact age at
 * 1 July of the start year and weight.  A pure function of RANK (cells in a
 * fixed order by rank), so any range of ranks can be set up on its own. */
uint64_t os_demog_base_agents(const os_demog *d);
void os_demog_base_agent(const os_demog *d, uint64_t rank, uint8_t *sex,
                         float *age, uint32_t *weight);
/* Weight of every entrant: the base population's mean weight, rounded. */
uint32_t os_demog_entrant_weight(const os_demog *d);

/* Projected persons of SEX aged [50, 51) at 1 July of YEAR (start < YEAR),
 * by cohort interpolation between tables; past the last population table
 * year by the entrants extrapolation (0 for stop). */
int os_demog_expected_entrants(const os_demog *d, int year, int sex,
                               double *persons, os_err *err);

/* Upper bound on the agents a run to END_YEAR ever stores at once: the
 * base population plus every entrant (nobody dying), without drawing;
 * ROUNDING of them come from rounding up and do not scale with run.agents. */
int os_demog_peak_agents(const os_demog *d, int end_year, uint64_t *peak, uint64_t *rounding,
                         os_err *err);

/* Entrant agents of YEAR by sex (stochastic rounding of expected persons /
 * entrant weight with a stream keyed by SEED and YEAR). */
int os_demog_entrant_counts(const os_demog *d, uint64_t seed, int year,
                            uint64_t n[2], os_err *err);

/* Net migration (docs/demography.md, "Migration") from the optional table
 * demography.migration_file: net migrants of each period by sex and age
 * group.  Groups from age 50 (the population table's); 0 without a table. */
int os_demog_migr_groups(const os_demog *d);
/* Reads and checks the table PATH (errors "PATH:LINE: column X: ..."). */
int os_demog_load_migration(os_demog *d, const char *path, os_err *err);
/* Group of exact AGE (0: the one starting at 50), or -1 below 50. */
int os_demog_migr_group(const os_demog *d, double age);
/* First age and width of group G (the open group: as wide as the one before). */
void os_demog_migr_ages(const os_demog *d, int g, double *a0, double *width);
/* Net migrants of SEX in group G per year over YEAR (1 July YEAR to 1 July
 * YEAR + 1): the total of the period holding YEAR over its length; 0 before
 * the table, the last period's past it. */
double os_demog_migr_flow(const os_demog *d, int year, int sex, int g);
/* Immigrant agents entering at 1 July of YEAR (the positive flows of
 * YEAR - 1) into N[sex * groups + g]: flow / entrant weight rounded
 * stochastically with one stream keyed by SEED and YEAR. */
void os_demog_migrant_counts(const os_demog *d, uint64_t seed, int year, uint64_t *n);

/* Last year within the tables (the earlier of the population's last year
 * and the death rates' last period end), and whether the run passes it. */
int os_demog_last_table_year(const os_demog *d);
int os_demog_extrapolates(const os_demog *d);
/* The extrapolation in words, e.g. "mortality: loglinear over 20 years;
 * entrants: trend", into BUF. */
const char *os_demog_extrapolation(const os_demog *d, char *buf, size_t n);

#endif
