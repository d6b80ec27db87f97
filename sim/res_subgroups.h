/* res_subgroups.h - cost-effectiveness by subgroup: /economics/subgroups,
 * one row per (sex, age band, arm) with the arm's discounted cost and
 * effect, increments against the reference arm in the same subgroup, ICER
 * and net monetary benefit at the scenario's thresholds.  A subgroup is the
 * sex and age band of the /summary rows, i.e. at the year each cost or
 * effect accrued (a person moves between bands as they age).  The bands
 * are economics.subgroup_age_bands (lower bounds; the last is open).
 */
#ifndef OS_RES_SUBGROUPS_H
#define OS_RES_SUBGROUPS_H

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "res_types.h"

/* Declares economics.subgroup_age_bands (before validation). */
int os_subgroups_declare(os_cfg *cfg, os_err *err);

/* Writes /economics/subgroups into FILE (/economics exists). */
int os_subgroups_write(hid_t file, const os_cfg *cfg, const os_summary *s, const os_arms *arms,
                       os_err *err);

#endif
