#ifndef OS_RES_REPORT_H
#define OS_RES_REPORT_H
#include <stdio.h>
#include "res_types.h"
/* The run summary printed after `osteosim run` (not with --quiet). */
void os_report_run(FILE *out, const os_cfg *cfg, const os_summary *s,
                   const os_run_stats *st, const char *output, int nthreads);
/* The arms against the reference arm (only when the scenario has arms). */
/* The arms against the reference over the rows of S; HORIZON names them
 * (NULL: run.start_year-run.end_year). */
void os_report_arms(FILE *out, const os_cfg *cfg, const os_summary *s, const char *horizon);
#endif
