/* engine_arm.c - one arm of a run, year by year.
 *
 * Each arm starts from the same population, built from the run's seed, so
 * every arm sees the same people and the same draws (common random
 * numbers): built once and copied to every arm, or built by each arm
 * (run.shared_start, below).  Then the arm runs the years:
 *
 *   year_begin hooks -> census pass -> cohort snapshot -> step pass (+ ageing)
 *   -> year_end hooks -> remove the dead -> append next year's entrants
 */
#include <assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_file.h"
#include "engine_int.h"
#include "engine_memplan.h"
#include "par.h"
#include "psa_posterior.h"

volatile sig_atomic_t os_stop_requested = 0;

#define OS_MAX_MODULES 64

/* The state of one arm while it runs. */
typedef struct arm_ctx {
    os_run *r;
    int arm;
    os_model m;
    os_pop pop;
    void *states[OS_MAX_MODULES];
    os_acc *acc;               /* one per thread */
    os_acc *total;
    os_pass pass;
    uint32_t next_id;          /* id of the next agent created */
    int first_year;
} arm_ctx;

void *os_model_state(const os_model *m, const char *module_name)
{
    for (int i = 0; i < m->nmodules; i++)
        if (strcmp(m->modules[i]->name, module_name) == 0) return m->states[i];
    return NULL;
}

/* ---- module calls ---- */

/* Creates the block of N agents with ids from *next_id and runs every
 * init_agents hook.  MPI: this process creates only its contiguous part of
 * the block (par.h); with one process, all of it. */
static int add_agents(os_model *m, os_pass *p, size_t n, uint32_t *next_id,
                      os_err *err)
{
    uint64_t lo, hi;
    os_par_split(n, os_par_rank(), os_par_size(), &lo, &hi);
    size_t first, mine = (size_t)(hi - lo);
    if (os_pop_append(m->pop, mine, &first, err)) return OS_ERUN;
    if (os_pop_add_block(m->pop, *next_id + (uint32_t)lo, *next_id + (uint32_t)hi, err))
        return OS_ERUN;
    uint32_t *id = os_pop_data(m->pop, OS_COL_ID);
    uint8_t *alive = os_pop_data(m->pop, OS_COL_ALIVE);
    for (size_t i = 0; i < mine; i++) {
        id[first + i] = *next_id + (uint32_t)lo + (uint32_t)i;
        alive[first + i] = 1;
    }
    m->first_new_id = *next_id;
    *next_id += (uint32_t)n;
    n = mine;
    p->begin = first;
    p->end = first + n;
    os_pass_run(p, OS_PASS_INIT);
    return OS_OK;
}

static int entrants_of(os_model *m, int year, size_t *n, os_err *err)
{
    *n = 0;
    for (int i = 0; i < m->nmodules; i++)
        if (m->modules[i]->entrants)
            return m->modules[i]->entrants(m, m->states[i], year, n, err);
    return OS_OK;
}

static int call_serial(os_model *m, int end, os_err *err)
{
    for (int i = 0; i < m->nmodules; i++) {
        const os_module *mod = m->modules[i];
        int (*fn)(os_model *, void *, os_err *) = end ? mod->year_end : mod->year_begin;
        if (fn && fn(m, m->states[i], err)) return err->code ? err->code : OS_ERUN;
    }
    return OS_OK;
}

void os_model_follow_survivors(os_model *m, int max_years)
{
    assert(max_years >= 0);
    m->follow_years = max_years;
}

/* ---- set-up ---- */

static void arm_model(arm_ctx *a, os_run *r, int arm)
{
    const os_settings *s = &r->set;
    os_model *m = &a->m;
    assert(arm >= 0 && arm < r->arms.n && r->phases->n <= OS_MAX_MODULES);
    a->r = r;
    a->arm = arm;
    os_pop_init(&a->pop);
    m->cfg = r->cfg;
    m->pop = &a->pop;
    m->seed = r->seed;
    m->start_year = s->start_year;
    m->end_year = s->end_year;
    m->year = m->start_year;
    m->closed = s->closed;
    m->arm = arm;
    m->arm_name = r->arms.names[arm];
    m->is_reference = arm == r->arms.ref;
    m->programmes = r->arms.programmes[arm];
    m->nprogrammes = r->arms.nprogrammes[arm];
    m->engine = r;
    m->nthreads = s->threads;
    m->chunk_size = s->chunk_size;
    m->event_log = s->event_log;
    m->modules = r->phases->modules;
    m->nmodules = r->phases->n;
    m->states = a->states;
    a->pass = (os_pass){m, NULL, NULL, 0, 0};
}

/* Accumulators, summary columns and the modules' init hooks. */
static int arm_init(arm_ctx *a, os_err *err)
{
    os_model *m = &a->m;
    os_run *r = a->r;
    a->acc = calloc((size_t)m->nthreads, sizeof *a->acc);
    a->total = calloc(1, sizeof *a->total);
    if (!a->acc || !a->total) return os_fail(err, OS_ERUN, "out of memory");
    a->pass.acc = a->acc;
    os_summary_column_as(m, "population", "persons", "persons represented, living at 1 July of the year",
                         (os_sum_role){.role = OS_ROLE_POPULATION, .flags = OS_SUM_REPORT}, err);
    os_summary_column(m, "agents", "agents", "simulated agents living at 1 July of the year", err);
    int rc;
    for (int i = 0; i < m->nmodules; i++) {
        const os_module *mod = m->modules[i];
        if (mod->init && (rc = mod->init(m, &a->states[i], err))) return rc;
    }
    if ((rc = os_columns_check(m, err))) return rc;
    if (r->summary->ncols == 0) {
        r->summary->ncols = m->nsummary;
        memcpy(r->summary->cols, m->summary, sizeof m->summary);
        r->summary->wtp = m->wtp;
    } else if (m->nsummary != r->summary->ncols) {
        return os_fail(err, OS_ERUN, "arm %s registered a different set of summary columns",
                       m->arm_name);
    }
    if (m->is_reference) r->row_bytes = os_pop_row_bytes(&a->pop);
    return OS_OK;
}

/* Burn-in: the start-year population lives through YEARS years before the
 * start year, one year younger, and everything it did is discarded but the
 * columns marked OS_COL_CARRY (year-to-year memory: last year's bed rest,
 * last year's hazard ratios), so the start year sees that memory in its
 * steady state instead of at zero.  Every burn-in year starts again from
 * the start-year population, so the carried memory converges while ages,
 * bone and muscle keep their start values.  Random streams are those of
 * the years before the start year: no draw of a simulated year is reused. */
static int arm_burn_in(arm_ctx *a, int years, os_err *err)
{
    os_model *m = &a->m;
    int rc = OS_OK;
    m->burn_in = 1;
    for (int y = m->start_year - years; y < m->start_year && !rc; y++) {
        m->year = y;
        if (!(rc = call_serial(m, 0, err))) {
            a->pass.begin = 0;
            a->pass.end = a->pop.n;
            rc = os_pass_burn_in(&a->pass, err);
        }
    }
    m->burn_in = 0;
    m->year = m->start_year;
    return rc;
}

/* ---- the start population shared by the arms (run.shared_start) ----
 *
 * Until the start year every arm computes the same thing: the base
 * population's traits (init_agents) and its burn-in years draw from streams
 * keyed by agent, year and purpose, and no programme acts in a burn-in year
 * (model.h: burn_in), so an arm's programme columns hold their neutral
 * values then (effects 0, ratios 1) and are reset after each burn-in year
 * with every column not carried.  The first arm to build its start keeps a
 * copy, the others start from it; `verify` builds every arm's own and
 * compares.  The serial hooks' state is the same either way: every arm
 * still asks for its start entrants, and each year_begin hook sets its
 * state afresh at the start year. */

/* A copy of the arm's store after burn-in (exactly its rows). */
static int start_keep(arm_ctx *a, size_t n0, os_err *err)
{
    os_run *r = a->r;
    const os_pop *p = &a->pop;
    os_pop *t = calloc(1, sizeof *t);
    if (!t) return os_fail(err, OS_ERUN, "out of memory (shared start population)");
    os_pop_init(t);
    r->start = t;
    size_t first;
    for (int k = OS_COL_NCORE; k < p->ncols; k++) {
        const os_column *c = &p->cols[k];
        if (os_pop_add_column(t, c->name, c->type, c->units, c->description, c->flags, err) < 0)
            return OS_ERUN;
    }
    if (os_pop_append(t, p->n, &first, err)) return OS_ERUN;
    for (int k = 0; k < p->ncols; k++) memcpy(t->cols[k].data, p->cols[k].data, p->n * p->cols[k].elem_size);
    for (size_t b = 0; b < p->nblk; b++)
        if (os_pop_add_block(t, p->blk_lo[b], p->blk_hi[b], err)) return OS_ERUN;
    r->start_n0 = n0;
    r->start_next_id = a->next_id;
    r->start_first_id = a->m.first_new_id;
    return OS_OK;
}

static void start_used(os_run *r)
{
    if (--r->start_uses > 0) return;
    os_pop_free(r->start);
    free(r->start);
    r->start = NULL;
}

/* The arm's columns from the copy, by name; a column of the arm that the
 * copy lacks (a programme of this arm only) keeps its zeros, as it would
 * after this arm's own burn-in. */
static int start_copy(arm_ctx *a, os_err *err)
{
    os_run *r = a->r;
    const os_pop *t = r->start;
    size_t first;
    if (os_pop_append(&a->pop, t->n, &first, err)) return OS_ERUN;
    for (int k = 0; k < a->pop.ncols; k++) {
        os_column *c = &a->pop.cols[k];
        int j = os_pop_find_column(t, c->name);
        if (j < 0) continue;
        if (t->cols[j].type != c->type)
            return os_fail(err, OS_ERUN, "arm %s: population column %s has another type than in "
                           "the shared start population (run.shared_start off avoids it)",
                           a->m.arm_name, c->name);
        memcpy(c->data, t->cols[j].data, t->n * c->elem_size);
    }
    for (size_t b = 0; b < t->nblk; b++)
        if (os_pop_add_block(&a->pop, t->blk_lo[b], t->blk_hi[b], err)) return OS_ERUN;
    a->next_id = r->start_next_id;
    a->m.first_new_id = r->start_first_id;
    start_used(r);
    return OS_OK;
}

/* run.shared_start verify: the arm's own start equals the copy. */
static int start_verify(arm_ctx *a, os_err *err)
{
    os_run *r = a->r;
    const os_pop *t = r->start, *p = &a->pop;
    const char *arm = a->m.arm_name;
    int rc = OS_OK;
    if (p->n != t->n || p->nblk != t->nblk || a->next_id != r->start_next_id ||
        (p->nblk && (memcmp(p->blk_lo, t->blk_lo, p->nblk * sizeof *p->blk_lo) ||
                     memcmp(p->blk_hi, t->blk_hi, p->nblk * sizeof *p->blk_hi))))
        rc = os_fail(err, OS_ERUN, "run.shared_start verify: arm %s starts with %zu agents, the "
                     "shared start population has %zu (or other ids)", arm, p->n, t->n);
    for (int k = 0; k < p->ncols && !rc; k++) {
        const os_column *c = &p->cols[k];
        int j = os_pop_find_column(t, c->name);
        const unsigned char *mine = c->data, *copy = j >= 0 ? t->cols[j].data : NULL;
        size_t es = c->elem_size, row = p->n;
        if (j >= 0 && t->cols[j].type != c->type) row = 0;
        for (size_t i = 0; j >= 0 && row == p->n && i < p->n; i++)
            if (memcmp(mine + i * es, copy + i * es, es)) row = i;
        static const unsigned char zero[8];
        for (size_t i = 0; j < 0 && i < p->n; i++)
            if (memcmp(mine + i * es, zero, es)) { row = i; break; }
        if (row < p->n)
            rc = os_fail(err, OS_ERUN, "run.shared_start verify: arm %s: population column %s at "
                         "row %zu (agent %u) differs from the shared start population%s", arm,
                         c->name, row, ((const uint32_t *)p->cols[OS_COL_ID].data)[row],
                         j < 0 ? " (where the column is absent: zero)" : "");
    }
    start_used(r);
    return rc;
}

/* The population at the first year to run: the base population, or the
 * checkpoint's when resuming, or the replicate's shared start. */
static int arm_start(arm_ctx *a, int resume, os_err *err)
{
    os_run *r = a->r;
    a->first_year = a->m.start_year;
    if (resume) {
        os_ckpt_state ck;
        int rc = os_ckpt_read(r->opts->resume, &ck, &a->pop, r->summary, r->out, &r->carry, err);
        if (rc) return rc;
        a->next_id = ck.next_id;
        a->first_year = ck.next_year;
        return OS_OK;
    }
    size_t n0;
    int rc = entrants_of(&a->m, a->m.start_year, &n0, err);
    if (rc) return rc;
    if (r->start && r->start_mode == OS_START_SHARED) {
        if (n0 != r->start_n0)
            return os_fail(err, OS_ERUN, "arm %s: %zu agents at the start, the shared start "
                           "population has %zu", a->m.arm_name, n0, r->start_n0);
        return start_copy(a, err);
    }
    rc = add_agents(&a->m, &a->pass, n0, &a->next_id, err);
    if (!rc) rc = arm_burn_in(a, r->set.burn_in_years, err);
    if (rc) return rc;
    if (r->start) return start_verify(a, err);
    return r->start_uses > 0 ? start_keep(a, n0, err) : OS_OK;
}

/* ---- the years ---- */

/* The state at the start of a year is the whole state of the run:
 * checkpoint here, every N years and when asked to stop. */
static int arm_checkpoint(arm_ctx *a, int year, os_err *err)
{
    os_run *r = a->r;
    const os_run_opts *o = r->opts;
    /* MPI: a signal seen by any rank stops all of them here. */
    os_stop_requested = os_par_max_int(os_stop_requested);
    /* A run that follows its survivors is not checkpointed (the survivors'
     * rows of finished arms are not in a checkpoint): a stop ends it. */
    if (a->m.follow_years > 0)
        return os_stop_requested
            ? os_fail(err, OS_EINTR, "stopped by a signal at the start of %d; a run with a "
                      "lifetime horizon is not checkpointed: run it again", year)
            : OS_OK;
    int due = o->checkpoint_every > 0 && year > a->first_year &&
              (year - a->m.start_year) % o->checkpoint_every == 0;
    if (o->checkpoint && r->replicate == 0 && (due || os_stop_requested)) {
        os_ckpt_state ck = {year, a->next_id, a->arm, o->psa_draw, o->posterior ? o->posterior->path : NULL,
                            o->posterior ? o->posterior->hash : NULL};
        int rc = os_ckpt_write(o->checkpoint, r->cfg, o->output, &ck, &a->pop, r->summary, r->out,
                               &r->carry, err);
        if (rc) return rc;
    }
    if (os_stop_requested)
        return os_fail(err, OS_EINTR, "stopped by a signal at the start of %d%s%s", year,
                       o->checkpoint ? "; checkpoint written to " : "",
                       o->checkpoint ? o->checkpoint : "");
    return OS_OK;
}

/* The step pass with the year's event log (one buffer per chunk), then
 * the year's totals into the summary and the log into the file. */
static int arm_step(arm_ctx *a, os_err *err)
{
    os_run *r = a->r;
    os_model *m = &a->m;
    os_event_buf *evb = NULL;
    size_t nevb = 0;
    if (m->event_log) {
        nevb = os_pass_chunks(&a->pass);
        evb = calloc(nevb ? nevb : 1, sizeof *evb);
        if (!evb) return os_fail(err, OS_ERUN, "out of memory (event log)");
        a->pass.events = evb;
    }
    os_pass_run(&a->pass, OS_PASS_STEP);
    a->pass.events = NULL;
    int rc = evb ? os_events_check(evb, nevb, m->year, err) : OS_OK;
    /* MPI: counts and totals over all ranks (exact integer sums). */
    size_t nall = (size_t)os_par_sum_u64(a->pop.n);
    r->agent_years += (double)nall;
    if (nall > r->peak_agents) r->peak_agents = nall;

    memset(a->total, 0, sizeof *a->total);
    for (int t = 0; t < m->nthreads; t++) os_acc_sum(a->total, &a->acc[t]);
    os_par_sum_i64(a->total->v, sizeof a->total->v / sizeof a->total->v[0]);
    if (!rc) rc = os_summary_add_year(m->tail ? r->summary->survivors : r->summary, m, a->total, err);
    /* The year's log, chunks in store order; the writer orders it by agent
     * id, which no thread or process count changes. */
    if (!rc && evb && r->out) rc = os_h5out_events(r->out, a->arm, evb, nevb, &a->pop, err);
    os_events_free(evb, nevb);
    return rc;
}

static int arm_year(arm_ctx *a, int year, os_err *err)
{
    os_run *r = a->r;
    os_model *m = &a->m;
    m->year = year;
    int rc = arm_checkpoint(a, year, err);
    if (rc) return rc;
    memset(a->acc, 0, (size_t)m->nthreads * sizeof *a->acc);
    if ((rc = call_serial(m, 0, err))) return rc;

    a->pass.begin = 0;
    a->pass.end = a->pop.n;
    os_pass_run(&a->pass, OS_PASS_CENSUS);
    /* Per-agent snapshots are of the reference arm only. */
    if (m->is_reference && r->out && !m->tail && os_settings_cohort_year(&r->set, year) &&
        (rc = os_h5out_cohort(r->out, &a->pop, year, err)))
        return rc;
    if ((rc = arm_step(a, err))) return rc;

    if ((rc = call_serial(m, 1, err))) return rc;
    os_pop_compact(&a->pop);
    if (year < m->end_year && !m->closed) {
        size_t ne;
        if ((rc = entrants_of(m, year + 1, &ne, err))) return rc;
        if ((rc = add_agents(m, &a->pass, ne, &a->next_id, err))) return rc;
    }
    os_progress_update(&r->progress, year, r->agent_years);
    return OS_OK;
}

/* The modules' own groups and event labels, from the reference arm. */
static int arm_output(arm_ctx *a, os_err *err)
{
    os_run *r = a->r;
    os_model *m = &a->m;
    if (!m->is_reference || !r->out) return OS_OK;
    /* The last snapshot's background writer (output.async) ends here, its
     * failure reported as such; the hooks below call HDF5 themselves. */
    int rc0 = os_h5out_wait(r->out, err);
    if (rc0) return rc0;
    for (int i = 0; i < m->nmodules; i++) {
        const os_module *mod = m->modules[i];
        if (mod->event_types || mod->event_sites)
            os_h5out_event_labels(r->out, mod->event_types, mod->event_sites);
        int rc;
        if (mod->write_output &&
            (rc = mod->write_output(m, a->states[i], os_h5out_file(r->out), err)))
            return rc;
    }
    return OS_OK;
}

/* A lifetime horizon (os_model_follow_survivors): everyone alive after
 * end_year lives on, without entrants or programmes starting, until all
 * have died or end_year + follow_years; the years' rows go to summary->survivors. */
static int arm_follow(arm_ctx *a, os_err *err)
{
    os_model *m = &a->m;
    os_summary *s = a->r->summary;
    /* Replicates > 0, PSA draws and calibration read the calendar rows only. */
    if (m->follow_years <= 0 || a->r->replicate > 0 || a->r->opts->calendar_only) return OS_OK;
    if (!s->survivors) {
        if (!(s->survivors = calloc(1, sizeof *s->survivors)))
            return os_fail(err, OS_ERUN, "out of memory (survivors)");
        s->survivors->ncols = s->ncols;
        memcpy(s->survivors->cols, s->cols, sizeof s->cols);
        s->survivors->wtp = s->wtp;
    }
    m->tail = m->closed = 1;
    m->event_log = 0;
    int rc = OS_OK;
    for (int year = m->end_year + 1; !rc && year <= m->end_year + m->follow_years; year++) {
        /* MPI: every rank sees the same count and stops together. */
        if (os_par_sum_u64(a->pop.n) == 0) break;
        rc = arm_year(a, year, err);
    }
    return rc;
}

int os_engine_arm(os_run *r, int arm, int resume, os_err *err)
{
    arm_ctx *a = calloc(1, sizeof *a);
    if (!a) return os_fail(err, OS_ERUN, "out of memory");
    arm_model(a, r, arm);
    int rc = arm_init(a, err);
    if (!rc) rc = arm_start(a, resume, err);
    for (int year = a->first_year; !rc && year <= a->m.end_year; year++)
        rc = arm_year(a, year, err);
    if (!rc) rc = arm_follow(a, err);
    if (!rc) rc = arm_output(a, err);

    r->rng_blocks += a->m.rng_blocks;
    for (int i = a->m.nmodules - 1; i >= 0; i--)
        if (a->states[i] && a->m.modules[i]->destroy) a->m.modules[i]->destroy(a->states[i]);
    free(a->acc);
    free(a->total);
    os_pop_free(&a->pop);
    free(a);
    return rc;
}
