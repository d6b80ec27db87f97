/* engine_progress.h - progress of the whole job on stderr.
 *
 * A job is what one command does: `run --psa N` is N draws and the base
 * case, each every arm (and replicate) through every year.  The counter
 * covers the job, not one run: its share done and ETA are of everything
 * this process will simulate.
 *
 *   - stderr a terminal: one self-overwriting line, labelled
 *     ("job 42% | draw 3 of 10 | arm 2 of 4 | year 2031 | ETA 1m05s");
 *   - otherwise (a batch log): one full line each time the job passes a
 *     multiple of run.progress_every_percent, or run.progress_every_minutes
 *     after the previous line, and a last line when the job ends.
 *
 * Not wanted (--quiet, MPI ranks other than 0): nothing is printed.  The
 * engine marks years (os_progress_update); a new arm, replicate or run is
 * seen when the year goes back.  Under MPI the PSA draws of rank 0 are
 * counted (each rank runs its share, about as long).  Years a lifetime
 * horizon adds after run.end_year are not in the estimate: the share
 * stays below 100 % until the job ends.
 */
#ifndef OS_ENGINE_PROGRESS_H
#define OS_ENGINE_PROGRESS_H

#include "config.h"

struct os_settings;

typedef struct os_progress {
    int on;      /* this run is part of a printing job */
    int implicit; /* no os_progress_job_begin: the run is the job */
} os_progress;

/* What the command runs (before any of it): WANTED to print; NDRAWS > 0
 * for `--psa N` (N draws, then the base case); PSA_DRAW > 0 for
 * `--psa-draw K` alone. */
void os_progress_job_begin(int wanted, int ndraws, int psa_draw);
/* The job's last line when OK (the job completed), and the terminal's
 * newline. */
void os_progress_job_end(int ok);

/* A run of the validated CFG starts (WANTED: the run's own progress,
 * used when no job was begun). */
void os_progress_init(os_progress *p, int wanted, const os_cfg *cfg, const struct os_settings *set);
/* Year YEAR of the current arm is done; AGENT_YEARS so far in this run. */
void os_progress_update(os_progress *p, int year, double agent_years);
void os_progress_done(os_progress *p);

#endif
