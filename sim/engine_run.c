/* engine_run.c - the run driver: the arms of the run, its replicates, and
 * the results written after them (summary, cost-effectiveness, PSA,
 * replicate quantiles, provenance). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "res_cea.h"
#include "ckpt_file.h"
#include "engine_int.h"
#include "engine_memplan.h"
#include "par.h"
#include "h5out_provenance.h"
#include "res_psa.h"
#include "res_subgroups.h"
#include "res_replicates.h"

/* ---- blocks carried across arms ---- */

static int carry_slot(os_carry *c, const char *name, size_t size)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->name[i], name)) return c->size[i] == size ? i : -1;
    if (c->n == OS_MAX_CARRY || strlen(name) >= sizeof c->name[0]) return -1;
    void *d = calloc(1, size ? size : 1);
    if (!d) return -1;
    strcpy(c->name[c->n], name);
    c->size[c->n] = size;
    c->data[c->n] = d;
    return c->n++;
}

void os_carry_free(os_carry *c)
{
    for (int i = 0; i < c->n; i++) free(c->data[i]);
    memset(c, 0, sizeof *c);
}

void *os_model_carry(os_model *m, const char *name, size_t size)
{
    os_run *r = m->engine;
    int i = carry_slot(&r->carry, name, size);
    return i < 0 ? NULL : r->carry.data[i];
}

/* ---- arms and replicates ---- */

/* Runs every arm, the reference arm first, each from the same seed and the
 * same start population: every arm sees the same people and the same draws
 * for the same purpose. */
static int run_arms(os_run *r, os_err *err)
{
    int order[OS_MAX_ARMS], n = 0, first = 0, rc = OS_OK;
    order[n++] = r->arms.ref;
    for (int a = 0; a < r->arms.n; a++)
        if (a != r->arms.ref) order[n++] = a;
    int resume = r->opts->resume && r->replicate == 0;
    if (resume) {
        int arm = 0;
        if ((rc = os_ckpt_peek_arm(r->opts->resume, &arm, err))) return rc;
        while (first < n && order[first] != arm) first++;
        if (first == n)
            return os_fail(err, OS_ECONFIG, "%s: checkpoint of arm %d, which this scenario lacks",
                           r->opts->resume, arm);
    }
    /* The start population is shared by the arms that build it (a resumed
     * arm reads its own): kept by the first, used by the others. */
    int builders = n - first - (resume ? 1 : 0);
    r->start = NULL;
    r->start_uses = r->start_mode == OS_START_SEPARATE || builders < 2 ? 0 : builders - 1;
    for (int k = first; k < n && !rc; k++) rc = os_engine_arm(r, order[k], resume && k == first, err);
    if (r->start) os_pop_free(r->start);
    free(r->start);
    r->start = NULL;
    os_carry_free(&r->carry);
    return rc;
}

/* Replicates 1..R-1: the same scenario with derived seeds, summary only.
 * *REPS receives every replicate's summary values (reps[0] = the run's). */
static int run_replicates(os_run *r, double ***reps_out, os_err *err)
{
    int nreps = r->set.replicates, rc = OS_OK;
    os_summary *s = r->summary;
    double **reps = calloc((size_t)nreps, sizeof *reps);
    uint64_t *seeds = calloc((size_t)nreps, sizeof *seeds);
    *reps_out = reps;
    if (!reps || !seeds) {
        free(seeds);
        return os_fail(err, OS_ERUN, "out of memory (replicates)");
    }
    reps[0] = s->values;
    seeds[0] = r->seed;
    for (int k = 1; k < nreps && !rc; k++) {
        os_run rk = *r;
        os_summary sk = {0};
        rk.out = NULL;
        rk.summary = &sk;
        rk.replicate = k;
        rk.seed = seeds[k] = os_replicate_seed(r->seed, k);
        rk.progress.on = 0;
        rc = run_arms(&rk, err);
        r->agent_years = rk.agent_years;  /* rk started from r's totals */
        r->rng_blocks = rk.rng_blocks;
        if (!rc && (sk.nrows != s->nrows || sk.ncols != s->ncols))
            rc = os_fail(err, OS_ERUN, "replicate %d produced a summary of another shape", k);
        reps[k] = sk.values;
        sk.values = NULL;
        os_summary_free(&sk);
        os_progress_update(&r->progress, r->set.end_year, r->agent_years);
    }
    if (!rc && r->out && nreps > 1)
        rc = os_replicates_write(os_h5out_file(r->out), s, reps, nreps, seeds, err);
    free(seeds);
    return rc;
}

static void free_reps(double **reps, int nreps)
{
    for (int k = 1; reps && k < nreps; k++) free(reps[k]);
    free(reps);
}

/* ---- results ---- */

/* Keys set in the configuration that nothing read: a likely mistake (a key
 * of a switched-off model, an engine setting overridden on the command
 * line).  Collected before the provenance writer reads every value. */
typedef struct unused_buf {
    const os_cfg *cfg;
    char *text;
    size_t len;
} unused_buf;

static void collect_unused(void *ctx, const os_param_spec *spec, int present, int used)
{
    unused_buf *b = ctx;
    const char *origin = os_cfg_origin(b->cfg, spec->key);
    if (!present || used || !origin || strcmp(origin, "(default)") == 0) return;
    char line[512];
    int n = snprintf(line, sizeof line, "osteosim: warning: %s: %s: set but not used by this run\n",
                     origin, spec->key);
    if (n <= 0) return;
    char *t = realloc(b->text, b->len + (size_t)n + 1);
    if (!t) return;
    memcpy(t + b->len, line, (size_t)n + 1);
    b->text = t;
    b->len += (size_t)n;
}

/* /economics_lifetime: the calendar years and the survivors' years after. */
static int write_lifetime(hid_t f, const os_run *r, os_err *err)
{
    const os_summary *tail = r->summary->survivors;
    int last = r->set.end_year;
    for (size_t i = 0; i < tail->nrows; i++) last = tail->year[i] > last ? tail->year[i] : last;
    char horizon[160];
    snprintf(horizon, sizeof horizon, "lifetime: %d-%d, then everyone alive after %d followed "
             "until all had died (%d)", r->set.start_year, r->set.end_year, r->set.end_year, last);
    os_summary all;
    int rc = os_summary_concat(&all, r->summary, tail, err);
    if (!rc) rc = os_cea_write_group(f, "economics_lifetime", horizon, &all, &r->arms, NULL, err);
    os_summary_free(&all);
    return rc;
}

/* /arms, /summary, /cea and /psa of a finished run. */
static int write_results(os_run *r, os_err *err)
{
    const os_cfg *cfg = r->cfg;
    const os_run_opts *opts = r->opts;
    if (!r->out) return OS_OK;
    hid_t f = os_h5out_file(r->out);
    os_h5out_arms(r->out, r->arms.names, r->arms.n);
    int rc = os_h5out_summary(r->out, r->summary, err);
    if (!rc) rc = os_cea_write(f, r->summary, &r->arms, NULL, err);
    if (!rc) rc = os_subgroups_write(f, cfg, r->summary, &r->arms, err);
    if (!rc && r->summary->survivors) rc = write_lifetime(f, r, err);
    if (!rc && opts->psa) rc = os_psa_write(f, cfg, opts->psa, err);
    if (!rc && opts->psa_draw > 0) {
        os_psa one;
        if ((rc = os_psa_single(cfg, opts->psa_draw, opts->posterior, r->summary, &one, err))) return rc;
        rc = os_psa_write(f, cfg, &one, err);
        os_psa_free(&one);
    }
    if (!rc && opts->write_more) rc = opts->write_more(f, r->summary, opts->write_ctx, err);
    return rc;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

/* Statistics, results, provenance and the file's final name. */
static int finish(os_run *r, double **reps, double wall, os_run_stats *stats, os_err *err)
{
    wall = os_par_max_double(wall);                  /* MPI: the slowest rank */
    r->rng_blocks = os_par_sum_u64(r->rng_blocks);   /* MPI: all ranks' draws */
    os_progress_done(&r->progress);
    if (stats) {
        stats->agent_years = r->agent_years;
        stats->wall_seconds = wall;
        stats->bytes_per_agent = r->row_bytes;
        stats->peak_agents = r->peak_agents;
        stats->rng_blocks = r->rng_blocks;
        stats->nreps = r->set.replicates;
        stats->reps = reps;
    }
    int rc = write_results(r, err);
    if (rc) return rc;
    if (stats) {
        unused_buf ub = {r->cfg, NULL, 0};
        os_cfg_visit(r->cfg, collect_unused, &ub);
        stats->unused = ub.text;
    }
    if (!r->out) return OS_OK;
    if ((rc = os_h5out_run_info(r->out, r->row_bytes, r->agent_years, wall, err))) return rc;
    if ((rc = os_provenance_write(os_h5out_file(r->out), r->cfg, err))) return rc;
    rc = os_h5out_close(r->out, 1, err);
    r->out = NULL;
    return rc;
}

int os_engine_run(os_cfg *cfg, const os_phases *ph, const os_run_opts *opts,
                  os_summary *summary, os_run_stats *stats, os_err *err)
{
    os_summary local = {0};
    os_summary *s = summary ? summary : &local;
    if (stats) memset(stats, 0, sizeof *stats);
    memset(s, 0, sizeof *s);
    os_run r = {0};
    r.cfg = cfg;
    r.phases = ph;
    r.opts = opts;
    r.summary = s;
    os_settings_read(cfg, opts->nthreads, &r.set);
    os_progress_init(&r.progress, opts->progress && !opts->quiet, cfg, &r.set);
    /* Parallel regions outside the engine's passes (compaction, output
     * compression) use the run's thread count too, so --threads N means N
     * cores; the caller's setting is restored at the end. */
    int caller_threads = omp_get_max_threads();
    omp_set_num_threads(r.set.threads);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double **reps = NULL;
    /* Inputs and memory before anything is allocated or created. */
    int rc = os_memplan_check_run(cfg, ph, &r.start_mode, err);
    if (!rc && opts->output) rc = os_h5out_open(&r.out, opts->output, cfg, err);
    if (!rc) {
        os_engine_arms(cfg, &r.arms);
        r.seed = r.set.seed;
        rc = run_arms(&r, err);
    }
    if (!rc) rc = run_replicates(&r, &reps, err);
    if (rc || !stats) {
        free_reps(reps, r.set.replicates);
        reps = NULL;
    }
    if (!rc) rc = finish(&r, reps, seconds_since(&t0), stats, err);

    if (r.out) os_h5out_close(r.out, 0, NULL); /* discards the temporary file */
    omp_set_num_threads(caller_threads);
    os_progress_done(&r.progress);
    if (rc && stats) os_run_stats_free(stats);
    if (!summary) os_summary_free(&local);
    else if (rc) os_summary_free(s);
    return rc;
}
