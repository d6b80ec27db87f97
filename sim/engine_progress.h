/* engine_progress.h - one self-overwriting progress line on stderr when it is a
 * terminal: year, agent-years done, agent-years per second, ETA. */
#ifndef OS_ENGINE_PROGRESS_H
#define OS_ENGINE_PROGRESS_H

typedef struct os_progress {
    int on;
    int start_year, end_year;
    double t0;
} os_progress;

void os_progress_init(os_progress *p, int wanted, int start_year, int end_year);
void os_progress_update(os_progress *p, int year, double agent_years);
void os_progress_done(os_progress *p);

#endif
