/* model_roles.h - finding /summary columns by what they measure (the
 * os_sum_role a module declared with os_summary_column_as), so that the
 * comparison of arms and the reports never name a model's column.
 */
#ifndef OS_MODEL_ROLES_H
#define OS_MODEL_ROLES_H

#include "model.h"

/* Columns of role ROLE whose flags masked by MASK equal WANT, in
 * registration order, into IDX (room for OS_MAX_SUMMARY_COLS); returns
 * their number. */
int os_roles_find(const os_summary_col *cols, int ncols, int role, unsigned mask,
                  unsigned want, int *idx);

/* The columns summed per arm (cost, utility, life-years, events, and any
 * with OS_SUM_TOTAL) in the order /economics and /psa list them: the main
 * cost, utility and life-year columns, events, parts, other totals; each
 * group in registration order.  Returns their number. */
int os_roles_totals(const os_summary_col *cols, int ncols, int *idx);

/* The first main column (discounted, not a part) of ROLE, or NULL: its
 * label and units name the derived outputs (incremental_<label>). */
const os_summary_col *os_roles_main(const os_summary_col *cols, int ncols, int role);

/* Sum of TOT (per-column totals) over ROLE's main columns: what arms are
 * compared on (discounted cost, utility, life-years); 0 without any. */
double os_roles_measure(const os_summary_col *cols, int ncols, const double *tot, int role);

/* Units of the main column of ROLE, or "" (the currency for OS_ROLE_COST). */
const char *os_roles_units(const os_summary_col *cols, int ncols, int role);

/* Event kinds: the first column of each distinct event label, in
 * registration order, into FIRST; returns their number. */
int os_roles_kinds(const os_summary_col *cols, int ncols, int *first);

/* The event columns of the kind of column K (same label), into IDX;
 * returns their number.  *SITES (may be NULL) is 1 when any has a site. */
int os_roles_kind_cols(const os_summary_col *cols, int ncols, int k, int *idx, int *sites);

#endif
