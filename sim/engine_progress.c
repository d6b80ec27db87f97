/* engine_progress.c - progress of the whole job on stderr (engine_progress.h). */
#include "engine_progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_settings.h"
#include "par.h"
#include "res_types.h"

/* The job spans several engine runs (PSA draws, then the base case), each
 * with its own os_progress: the count lives here, once per process.
 * The file's only mutable state; the engine's passes never touch it (it is
 * updated between years, on one thread). */
static struct job {
    int active, print, tty;
    int ndraws, psa_draw;     /* as given to os_progress_job_begin       */
    int rank, size;           /* MPI: whose draws are counted            */
    int runs, run;            /* runs in the job here; the current, 1.. */
    int narms, nreps, years;  /* of one run                              */
    long units, done;         /* (run, replicate, arm, year) steps       */
    int arm, rep, year, fresh;
    double ay, ay_job;        /* agent-years: this run's, the job's      */
    double t0, last_line, every_pct, every_s;
    double next_pct;
} job;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* "1h02m", "5m20s", "12s". */
static const char *span(double s, char *buf, size_t n)
{
    long t = s > 0 && s < 1e9 ? (long)(s + 0.5) : 0;
    if (t >= 3600) snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, n, "%lds", t);
    return buf;
}

void os_progress_job_begin(int wanted, int ndraws, int psa_draw)
{
    memset(&job, 0, sizeof job);
    job.active = 1;
    job.print = wanted;
    job.tty = isatty(STDERR_FILENO);
    job.ndraws = ndraws;
    job.psa_draw = psa_draw;
    job.rank = os_par_rank();
    job.size = os_par_size();
    /* Draw row r runs on rank r mod size (res_psa.c), then the base case. */
    int mine = ndraws > job.rank ? (ndraws - 1 - job.rank) / job.size + 1 : 0;
    job.runs = mine + 1;
    job.t0 = now();
    job.last_line = job.t0;
}

/* "draw 3 of 10 | " or "base case | " or "". */
static void run_label(char *buf, size_t n)
{
    buf[0] = 0;
    if (job.psa_draw > 0) snprintf(buf, n, "draw %d | ", job.psa_draw);
    else if (job.ndraws > 0 && job.run < job.runs)
        snprintf(buf, n, "draw %d of %d | ", 1 + job.rank + (job.run - 1) * job.size, job.ndraws);
    else if (job.ndraws > 0) snprintf(buf, n, "base case | ");
}

static void print_line(int final)
{
    double el = now() - job.t0, total = (double)job.units * job.runs;
    double f = total > 0 ? (double)job.done / total : 0;
    if (!final && f > 0.999) f = 0.999;  /* years past the estimate */
    if (final) f = 1;
    char what[64], rep[40] = "", eta[24], elapsed[24];
    run_label(what, sizeof what);
    if (job.nreps > 1) snprintf(rep, sizeof rep, "replicate %d of %d | ", job.rep, job.nreps);
    span(f > 0 ? el * (1 - f) / f : 0, eta, sizeof eta);
    span(el, elapsed, sizeof elapsed);
    double rate = el > 0 ? job.ay_job / el : 0;
    if (job.tty && !final) {
        fprintf(stderr, "\r  job %3.0f%% | %s%sarm %d of %d | year %d | %.3g agent-years/s | ETA %s   ",
                100 * f, what, rep, job.arm, job.narms, job.year, rate, eta);
    } else if (job.tty) {
        fprintf(stderr, "\r  job 100%% | %.4g agent-years in %s%*s\n", job.ay_job, elapsed, 40, "");
    } else if (!final) {
        fprintf(stderr, "osteosim: progress %.0f%% | %s%sarm %d of %d | year %d | %.4g agent-years, %.3g/s"
                        " | elapsed %s | ETA %s for the whole job\n",
                100 * f, what, rep, job.arm, job.narms, job.year, job.ay_job, rate, elapsed, eta);
    } else {
        fprintf(stderr, "osteosim: progress 100%% | done: %.4g agent-years in %s\n", job.ay_job, elapsed);
    }
    fflush(stderr);
}

void os_progress_init(os_progress *p, int wanted, const os_cfg *cfg, const struct os_settings *set)
{
    p->implicit = !job.active;
    if (p->implicit) {
        os_progress_job_begin(wanted, 0, 0);
        job.runs = 1;
    }
    os_arms arms;
    os_engine_arms(cfg, &arms);
    job.narms = arms.n;
    job.nreps = set->replicates > 1 ? set->replicates : 1;
    job.years = set->end_year - set->start_year + 1;
    job.units = (long)job.narms * job.nreps * job.years;
    double pct = os_cfg_real(cfg, "run.progress_every_percent");
    double min = os_cfg_real(cfg, "run.progress_every_minutes");
    if (job.run == 0) {
        job.every_pct = pct;
        job.every_s = 60 * min;
        job.next_pct = pct > 0 ? pct : 101;
    }
    job.run++;
    job.fresh = 1;
    job.ay = 0;  /* the engine counts each run's agent-years from 0 */
    p->on = job.print;
}

void os_progress_update(os_progress *p, int year, double agent_years)
{
    (void)p;
    if (!job.active) return;
    /* The engine marks each year once per arm, and the end of each
     * replicate again (the same year and agent-years): a year not after
     * the last one starts the next arm. */
    if (job.fresh) {
        job.fresh = 0;
        job.arm = job.rep = 1;
    } else if (year == job.year && agent_years == job.ay) {
        return;
    } else if (year <= job.year && ++job.arm > job.narms) {
        job.arm = 1;
        job.rep++;
    }
    job.ay_job += agent_years - job.ay;
    job.ay = agent_years;
    job.year = year;
    job.done++;
    if (!job.print) return;
    double t = now(), total = (double)job.units * job.runs;
    double pct = total > 0 ? 100.0 * (double)job.done / total : 0;
    /* The job's last step: its own line (os_progress_job_end). */
    if (!job.tty && job.done >= (long)total) return;
    int due = job.tty || pct >= job.next_pct || (job.every_s > 0 && t - job.last_line >= job.every_s);
    if (!due) return;
    while (job.every_pct > 0 && job.next_pct <= pct) job.next_pct += job.every_pct;
    job.last_line = t;
    print_line(0);
}

void os_progress_done(os_progress *p)
{
    if (!p->implicit) return;
    p->implicit = 0;
    os_progress_job_end(1);
}

void os_progress_job_end(int ok)
{
    if (!job.active) return;
    if (job.print && job.done > 0 && ok) print_line(1);
    else if (job.print && job.done > 0 && job.tty) fputc('\n', stderr);  /* before the error line */
    job.active = 0;
}
