/* engine_settings.h - the run.* and output.* settings the engine reads,
 * read once at the start of a run and passed down (engine_settings.c). */
#ifndef OS_ENGINE_SETTINGS_H
#define OS_ENGINE_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct os_settings {
    int start_year, end_year; /* run.start_year, run.end_year            */
    uint64_t seed;            /* run.seed                                 */
    int replicates;           /* run.replicates                           */
    int threads;              /* --threads, else run.threads, else OpenMP */
    size_t chunk_size;        /* run.chunk_size                           */
    int event_log;            /* output.event_log                         */
    int burn_in_years;        /* run.burn_in_years                        */
    int closed;               /* run.mode cohort: the start-year population
                                 followed with no entrants                */
    int ncohort;              /* output.cohort_years: count, or -1 when
                                 unset (every 5 years from the start)     */
    const long *cohort_years;
} os_settings;

/* Reads the settings of validated CFG.  NTHREADS > 0 (the command line)
 * wins over run.threads, which is then left unread, so a run.threads
 * overridden on the command line is reported as unused. */
void os_settings_read(const os_cfg *cfg, int nthreads, os_settings *s);

/* 1 when run.mode is cohort (the closed-cohort design). */
int os_settings_closed(const os_cfg *cfg);

/* 1 if YEAR has a per-agent snapshot (/cohort/<year>). */
int os_settings_cohort_year(const os_settings *s, int year);

#endif
