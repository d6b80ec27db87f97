/* cea.h - comparing arms: per-arm totals over the run, increments against
 * the reference arm, ICERs, net monetary benefit, dominance and the
 * efficiency frontier; written as /economics (docs/hdf5-schema.md).
 */
#ifndef OS_CEA_H
#define OS_CEA_H

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "results.h"

/* Totals of one arm over all years, sexes and age bands. */
enum {
    OS_CEA_COST, OS_CEA_COST_D, OS_CEA_QALY, OS_CEA_QALY_D, OS_CEA_LY, OS_CEA_LY_D,
    OS_CEA_FALLS, OS_CEA_FX_HIP, OS_CEA_FX_VERTEBRAL, OS_CEA_FX_WRIST, OS_CEA_FX_OTHER,
    OS_CEA_DEATHS, OS_CEA_PROG_COST, OS_CEA_PROG_COST_D, OS_CEA_PROG_STARTS,
    OS_CEA_NTOTALS
};
extern const char *const os_cea_total_names[OS_CEA_NTOTALS]; /* = summary columns */

enum { OS_DOM_NONE = 0, OS_DOM_DOMINANT, OS_DOM_DOMINATED, OS_DOM_REFERENCE };
enum { OS_FRONTIER_ON = 0, OS_FRONTIER_STRONG, OS_FRONTIER_EXTENDED };

#define OS_CEA_MAX_WTP 16

typedef struct os_cea {
    int narms, ref, nwtp;
    double wtp[OS_CEA_MAX_WTP];             /* per QALY                   */
    double tot[OS_MAX_ARMS][OS_CEA_NTOTALS];
    double population0;                     /* persons at the start year  */
    /* against the reference arm (discounted costs and QALYs) */
    double d_cost[OS_MAX_ARMS], d_qaly[OS_MAX_ARMS], d_ly[OS_MAX_ARMS], icer[OS_MAX_ARMS];
    double nmb[OS_MAX_ARMS][OS_CEA_MAX_WTP];
    int dominance[OS_MAX_ARMS];
    /* efficiency frontier over all arms (cost-ordered) */
    int frontier[OS_MAX_ARMS];
    double frontier_icer[OS_MAX_ARMS];     /* vs the previous frontier arm */
} os_cea;

/* Sums the summary into per-arm totals (missing columns count 0). */
void os_cea_totals(const os_summary *s, int narms, double tot[][OS_CEA_NTOTALS],
                   double *population0);

/* Increments, ICERs, NMB, dominance and frontier from C->tot, C->ref and
 * C->wtp (pure arithmetic, unit-tested). */
void os_cea_compare(os_cea *c);

/* Willingness-to-pay thresholds from economics.gdp_per_person and
 * economics.wtp_multiples; 0 thresholds when gdp_per_person is not set. */
int os_cea_wtp(const os_cfg *cfg, double *wtp, int max);

/* Everything above for a finished run, written as /economics. */
int os_cea_write(hid_t file, const os_cfg *cfg, const os_summary *s, const os_arms *arms,
                 os_cea *out, os_err *err);

#endif
