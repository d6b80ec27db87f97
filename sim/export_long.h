/* export_long.h - an output group's tables as one long (tidy) CSV.
 *
 * Columns of each table split into identifiers (strings, columns with a
 * `labels` attribute, and the key names below: year, arm, sex, age_lo,
 * age_hi, age_band, draw, replicate, wtp, id, agent, group, parameter,
 * bound, and `age` when it holds whole numbers) and values (every other
 * number).  Each value becomes one row:
 * the identifiers (codes as their labels), `variable` (the column name),
 * `value` and `units` (its `units` attribute).  A value column named
 * STEM_mean, STEM_p2_5, STEM_p50 or STEM_p97_5 beside another of
 * the same stem (the quantile tables) gives variable STEM and its suffix in
 * a column `statistic`.  A table of identifiers only is written as it is,
 * labels applied.  Several tables (subgroups) get a leading `table` column.
 */
#ifndef OS_EXPORT_LONG_H
#define OS_EXPORT_LONG_H

#include <stdio.h>

#include "export_tab.h"

/* Writes TS (an os_xp_tables) to OUT: 0 or the errno of the first failed
 * write (os_xp_writer). */
int os_xp_write_long(FILE *out, const void *ts);

#endif
