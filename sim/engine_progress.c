#include "engine_progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void os_progress_init(os_progress *p, int wanted, int start_year, int end_year)
{
    p->on = wanted && isatty(STDERR_FILENO);
    p->start_year = start_year;
    p->end_year = end_year;
    p->t0 = now();
}

void os_progress_update(os_progress *p, int year, double agent_years)
{
    if (!p->on) return;
    double el = now() - p->t0;
    int done = year - p->start_year + 1, total = p->end_year - p->start_year + 1;
    double eta = done > 0 ? el * (total - done) / done : 0.0;
    fprintf(stderr, "\r  year %d  %.3g agent-years  %.3g agent-years/s  ETA %.0f s   ",
            year, agent_years, el > 0 ? agent_years / el : 0.0, eta);
    fflush(stderr);
}

void os_progress_done(os_progress *p)
{
    if (!p->on) return;
    fputc('\n', stderr);
    p->on = 0;
}
