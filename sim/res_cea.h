/* res_cea.h - comparing arms: per-arm totals over the run, increments against
 * the reference arm, ICERs, net monetary benefit, dominance and the
 * efficiency frontier; written as /economics (docs/hdf5-schema.md).
 */
#ifndef OS_RES_CEA_H
#define OS_RES_CEA_H

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "res_types.h"

/* Per-arm totals are kept for every /summary column (index = column);
 * which are listed and which the arms are compared on follows from the
 * columns' roles (model_roles.h). */
enum { OS_DOM_NONE = 0, OS_DOM_DOMINANT, OS_DOM_DOMINATED, OS_DOM_REFERENCE };
enum { OS_FRONTIER_ON = 0, OS_FRONTIER_STRONG, OS_FRONTIER_EXTENDED };

#define OS_CEA_MAX_WTP OS_MAX_WTP

typedef struct os_cea {
    int narms, ref, nwtp;
    double wtp[OS_CEA_MAX_WTP];             /* per unit of effect         */
    double tot[OS_MAX_ARMS][OS_MAX_SUMMARY_COLS];
    double population0;                     /* persons at the start year  */
    /* what arms are compared on: the discounted main cost, utility and
     * life-year columns (os_roles_measure) */
    double cost[OS_MAX_ARMS], effect[OS_MAX_ARMS], ly[OS_MAX_ARMS];
    /* against the reference arm */
    double d_cost[OS_MAX_ARMS], d_effect[OS_MAX_ARMS], d_ly[OS_MAX_ARMS], icer[OS_MAX_ARMS];
    double nmb[OS_MAX_ARMS][OS_CEA_MAX_WTP];
    int dominance[OS_MAX_ARMS];
    /* efficiency frontier over all arms (cost-ordered) */
    int frontier[OS_MAX_ARMS];
    double frontier_icer[OS_MAX_ARMS];     /* vs the previous frontier arm */
} os_cea;

/* Sums every summary column into per-arm totals, and the population
 * (OS_ROLE_POPULATION) of the first year of arm 0. */
void os_cea_totals(const os_summary *s, int narms, double tot[][OS_MAX_SUMMARY_COLS],
                   double *population0);

/* Increments, ICERs, NMB, dominance and frontier from C->cost, C->effect,
 * C->ly, C->ref and C->wtp (pure arithmetic, unit-tested). */
void os_cea_compare(os_cea *c);

/* All of C for summary S of a run with ARMS: totals, measures by role, the
 * thresholds the modules set (S->wtp), then os_cea_compare. */
void os_cea_setup(os_cea *c, const os_summary *s, const os_arms *arms);

/* Everything above for a finished run, written as /economics. */
int os_cea_write(hid_t file, const os_summary *s, const os_arms *arms, os_cea *out, os_err *err);
/* The same as group NAME, its `horizon` attribute HORIZON (os_cea_write:
 * /economics, "calendar: every simulated year"). */
int os_cea_write_group(hid_t file, const char *name, const char *horizon, const os_summary *s,
                       const os_arms *arms, os_cea *out, os_err *err);

#endif
