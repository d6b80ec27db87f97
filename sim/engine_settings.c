/* engine_settings.c - the engine's settings, read once (engine_settings.h). */
#include "engine_settings.h"

#include <string.h>

#include <omp.h>

void os_settings_read(const os_cfg *cfg, int nthreads, os_settings *s)
{
    /* Read even when --threads overrides it: a key the command line
     * overrode was not "set but never read" (/parameters/unused). */
    long from_cfg = os_cfg_int(cfg, "run.threads");
    s->threads = nthreads > 0 ? nthreads : from_cfg > 0 ? (int)from_cfg : omp_get_max_threads();
    s->ncohort = os_cfg_has(cfg, "output.cohort_years")
               ? (int)os_cfg_int_list(cfg, "output.cohort_years", &s->cohort_years) : -1;
    if (s->ncohort < 0) s->cohort_years = NULL;
    s->start_year = (int)os_cfg_int(cfg, "run.start_year");
    s->end_year = (int)os_cfg_int(cfg, "run.end_year");
    s->seed = (uint64_t)os_cfg_int(cfg, "run.seed");
    s->replicates = (int)os_cfg_int(cfg, "run.replicates");
    s->chunk_size = (size_t)os_cfg_int(cfg, "run.chunk_size");
    s->event_log = os_cfg_bool(cfg, "output.event_log");
    s->burn_in_years = (int)os_cfg_int(cfg, "run.burn_in_years");
    s->closed = os_settings_closed(cfg);
}

int os_settings_cohort_year(const os_settings *s, int year)
{
    if (s->ncohort < 0)  /* default: every 5 years from the start */
        return (year - s->start_year) % 5 == 0;
    for (int i = 0; i < s->ncohort; i++)
        if (s->cohort_years[i] == year) return 1;
    return 0;
}

/* run.mode: an open population projection (the default) or a closed cohort
 * followed to death (the reference-case design of lifetime cost-effectiveness
 * models).  In a closed run the engine asks for no entrants after the start
 * year; which ages the start population holds is the population module's
 * choice. */
int os_settings_closed(const os_cfg *cfg)
{
    return os_cfg_has(cfg, "run.mode") && strcmp(os_cfg_str(cfg, "run.mode"), "cohort") == 0;
}
