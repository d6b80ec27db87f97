/* engine.c - the yearly scheduler.
 *
 * For each arm the engine builds a fresh population from the same seed, so
 * every arm sees the same people and the same draws (common random numbers),
 * then runs the years:
 *
 *   year_begin hooks -> census pass -> cohort snapshot -> step pass (+ ageing)
 *   -> year_end hooks -> remove the dead -> append next year's entrants
 *
 * Passes run over fixed chunks of the store with OpenMP.  Summary values are
 * fixed-point integers (model.h), so their totals do not depend on which
 * thread added what: results are bitwise identical for any thread count.
 */
#include "engine.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "cea.h"
#include "checkpoint.h"
#include "psa.h"
#include "h5out.h"
#include "memplan.h"
#include "par.h"
#include "progress.h"
#include "provenance.h"
#include "replicates.h"
#include "targets.h"

volatile sig_atomic_t os_stop_requested = 0;

/* ---- summary columns and accumulators ---- */

int os_summary_column(os_model *m, const char *name, const char *units,
                      const char *description, os_err *err)
{
    for (int i = 0; i < m->nsummary; i++)
        if (strcmp(m->summary[i].name, name) == 0) {
            os_fail(err, OS_ERUN, "summary column '%s' registered twice", name);
            return -1;
        }
    if (m->nsummary >= OS_MAX_SUMMARY_COLS ||
        strlen(name) >= sizeof m->summary[0].name) {
        os_fail(err, OS_ERUN, "summary column '%s': too many columns or name too long", name);
        return -1;
    }
    os_summary_col *c = &m->summary[m->nsummary];
    strcpy(c->name, name);
    snprintf(c->units, sizeof c->units, "%s", units ? units : "");
    snprintf(c->description, sizeof c->description, "%s", description ? description : "");
    return m->nsummary++;
}

void *os_model_state(const os_model *m, const char *module_name)
{
    for (int i = 0; i < m->nmodules; i++)
        if (strcmp(m->modules[i]->name, module_name) == 0) return m->states[i];
    return NULL;
}

/* ---- arms and carried blocks ---- */

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

void os_engine_arms(const os_cfg *cfg, os_arms *a)
{
    memset(a, 0, sizeof *a);
    const char *const *names;
    size_t n = os_cfg_keys(cfg, "arms", &names);
    if (n == 0) {
        a->n = 1;
        a->names[0] = "status_quo";
        return;
    }
    char key[160];
    for (size_t i = 0; i < n && i < OS_MAX_ARMS; i++) {
        a->names[i] = names[i];
        snprintf(key, sizeof key, "arms.%s", names[i]);
        a->nprogrammes[i] = (int)os_cfg_str_list(cfg, key, &a->programmes[i]);
    }
    a->n = n < OS_MAX_ARMS ? (int)n : OS_MAX_ARMS;
    const char *ref = os_cfg_has(cfg, "economics.reference_arm") ? os_cfg_str(cfg, "economics.reference_arm") : NULL;
    for (int i = 0; ref && i < a->n; i++)
        if (!strcmp(a->names[i], ref)) a->ref = i;
}

void os_event_log(os_chunk *c, uint32_t id, int year, int type, int site)
{
    os_event_buf *b = c->events;
    if (!b) return;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        os_event *e = realloc(b->ev, cap * sizeof *e);
        if (!e) return; /* checked after the pass via the count mismatch */
        b->ev = e;
        b->cap = cap;
    }
    b->ev[b->n++] = (os_event){id, (int16_t)year, (uint8_t)type, (uint8_t)site};
}

static void acc_sum(os_acc *dst, const os_acc *src)
{
    for (size_t i = 0; i < sizeof dst->v / sizeof dst->v[0]; i++)
        dst->v[i] += src->v[i];
}

/* ---- chunked passes ---- */

typedef struct os_pass {
    os_model *m;
    os_acc *acc;               /* one per thread                */
    os_event_buf *events;      /* one per chunk, or NULL        */
    size_t begin, end;         /* rows of the store to cover    */
} os_pass;

static void chunk_at(const os_pass *p, size_t k, os_chunk *c)
{
    os_pop *pop = p->m->pop;
    c->begin = p->begin + k * p->m->chunk_size;
    size_t stop = c->begin + p->m->chunk_size;
    c->n = (stop < p->end ? stop : p->end) - c->begin;
    c->id = (const uint32_t *)os_pop_data(pop, OS_COL_ID) + c->begin;
    c->sex = (uint8_t *)os_pop_data(pop, OS_COL_SEX) + c->begin;
    c->age = (float *)os_pop_data(pop, OS_COL_AGE) + c->begin;
    c->weight = (uint32_t *)os_pop_data(pop, OS_COL_WEIGHT) + c->begin;
    c->alive = (uint8_t *)os_pop_data(pop, OS_COL_ALIVE) + c->begin;
    c->acc = &p->acc[omp_get_thread_num()];
    c->events = p->events ? &p->events[k] : NULL;
}

static size_t pass_chunks(const os_pass *p)
{
    size_t n = p->end - p->begin;
    return (n + p->m->chunk_size - 1) / p->m->chunk_size;
}

void os_model_for_chunks(os_model *m, os_chunk_fn fn, void *ctx,
                         os_acc *acc_out)
{
    int nt = m->nthreads;
    os_acc *acc = calloc((size_t)nt, sizeof *acc);
    os_pass p = {m, acc, NULL, 0, m->pop->n};
    long nk = (long)pass_chunks(&p);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long k = 0; k < nk; k++) {
        os_chunk c;
        chunk_at(&p, (size_t)k, &c);
        fn(m, ctx, &c);
    }
    if (acc_out) {
        memset(acc_out, 0, sizeof *acc_out);
        for (int t = 0; t < nt; t++) acc_sum(acc_out, &acc[t]);
        /* MPI: every rank gets the exact sum over all agents (par.h). */
        os_par_sum_i64(acc_out->v, sizeof acc_out->v / sizeof acc_out->v[0]);
    }
    free(acc);
}

/* Engine's own census: persons represented and agents, living at 1 July. */
static void census_core(os_chunk *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (!c->alive[i]) continue;
        int band = os_age_band(c->age[i]);
        os_acc_add(c->acc, c->sex[i], band, 0, (double)c->weight[i]);
        os_acc_add(c->acc, c->sex[i], band, 1, 1.0);
    }
}

enum { PASS_INIT, PASS_CENSUS, PASS_STEP };

static void run_pass(os_pass *p, int kind)
{
    os_model *m = p->m;
    long nk = (long)pass_chunks(p);
#pragma omp parallel for schedule(dynamic, 1) num_threads(m->nthreads)
    for (long k = 0; k < nk; k++) {
        os_chunk c;
        chunk_at(p, (size_t)k, &c);
        if (kind == PASS_CENSUS) census_core(&c);
        for (int i = 0; i < m->nmodules; i++) {
            const os_module *mod = m->modules[i];
            void (*fn)(os_model *, void *, os_chunk *) =
                kind == PASS_INIT ? mod->init_agents :
                kind == PASS_CENSUS ? mod->census : mod->step;
            if (fn) fn(m, m->states[i], &c);
        }
        if (kind == PASS_STEP)
            for (size_t r = 0; r < c.n; r++) c.age[r] += 1.0f;
    }
    uint64_t blocks = 0;
#pragma omp parallel num_threads(m->nthreads) reduction(+ : blocks)
    blocks += os_rng_take_blocks();
    m->rng_blocks += blocks;
}

/* ---- summary table ---- */

static int summary_grow(os_summary *s, size_t rows, os_err *err)
{
    size_t n = s->nrows + rows;
    int32_t **ints[] = {&s->year, &s->arm, &s->sex, &s->age_lo, &s->age_hi};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int32_t *q = realloc(*ints[i], n * sizeof **ints[i]);
        if (!q) return os_fail(err, OS_ERUN, "out of memory (summary)");
        *ints[i] = q;
    }
    double *v = realloc(s->values, n * (size_t)s->ncols * sizeof *v);
    if (!v) return os_fail(err, OS_ERUN, "out of memory (summary)");
    s->values = v;
    return OS_OK;
}

/* Appends the 22 rows of (year, arm) from the exact integer totals. */
static int summary_add_year(os_summary *s, const os_model *m,
                            const os_acc *tot, os_err *err)
{
    if (summary_grow(s, OS_NCELLS, err)) return OS_ERUN;
    for (int sex = 0; sex < OS_NSEX; sex++)
        for (int b = 0; b < OS_NBANDS; b++) {
            size_t r = s->nrows++;
            s->year[r] = m->year;
            s->arm[r] = m->arm;
            s->sex[r] = sex;
            s->age_lo[r] = OS_AGE_MIN + b * OS_BAND_WIDTH;
            /* The open band 100+ is marked by age_hi = -1. */
            s->age_hi[r] = b == OS_NBANDS - 1 ? -1 : s->age_lo[r] + OS_BAND_WIDTH - 1;
            const int64_t *cell = &tot->v[(sex * OS_NBANDS + b) * OS_MAX_SUMMARY_COLS];
            for (int col = 0; col < s->ncols; col++)
                s->values[r * (size_t)s->ncols + col] = (double)cell[col] / OS_ACC_SCALE;
        }
    return OS_OK;
}

void os_summary_free(os_summary *s)
{
    free(s->year); free(s->arm); free(s->sex); free(s->age_lo); free(s->age_hi);
    free(s->values);
    memset(s, 0, sizeof *s);
}

int os_summary_find(const os_summary *s, const char *name)
{
    for (int i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0) return i;
    return -1;
}

/* ---- validation ---- */


/* arms.<name>: a list of programme names, one key per user-named arm. */
static int declare_arms(os_cfg *cfg, os_err *err)
{
    const char *const *names;
    size_t n = os_cfg_keys(cfg, "arms", &names);
    char key[160];
    if (n > OS_MAX_ARMS)
        return os_fail(err, OS_ECONFIG, "%s: arms: %zu arms, at most %d", os_cfg_origin(cfg, "arms"), n,
                       OS_MAX_ARMS);
    for (size_t i = 0; i < n; i++) {
        const char *c = names[i];
        int ok = *c && strlen(c) < 64;
        for (; *c && ok; c++) ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                                   (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
        snprintf(key, sizeof key, "arms.%s", names[i]);
        if (!ok)
            return os_fail(err, OS_ECONFIG, "%s: %s: arm names use letters, digits, _ and - (at most 63)",
                           os_cfg_origin(cfg, key), key);
        os_param_spec arm = {names[i], OS_P_STR_LIST, NULL, 1.0, 0.0, 1, NULL, NULL,
                             "programmes of this arm (names under programmes)"};
        if (os_cfg_declare_under(cfg, "arms", &arm, 1, err)) return OS_ECONFIG;
    }
    return OS_OK;
}

/* Every programme an arm lists exists; the reference arm exists. */
static int check_arms(const os_cfg *cfg, os_err *err)
{
    os_arms a;
    os_engine_arms(cfg, &a);
    const char *const *progs;
    size_t np = os_cfg_keys(cfg, "programmes", &progs);
    char key[160];
    for (int i = 0; i < a.n; i++) {
        snprintf(key, sizeof key, "arms.%s", a.names[i]);
        if (a.nprogrammes[i] > OS_MAX_ARM_PROGRAMMES)
            return os_fail(err, OS_ECONFIG, "%s: %s: %d programmes, at most %d", os_cfg_origin(cfg, key),
                           key, a.nprogrammes[i], OS_MAX_ARM_PROGRAMMES);
        for (int k = 0; k < a.nprogrammes[i]; k++) {
            const char *p = a.programmes[i][k];
            size_t j = 0;
            while (j < np && strcmp(progs[j], p)) j++;
            if (j < np) continue;
            const char *best = os_cfg_suggest(p, progs, np);
            return os_fail(err, OS_ECONFIG, "%s: %s[%d]: no programme '%s' under programmes%s%s%s",
                           os_cfg_origin(cfg, key), key, k, p, best ? " (did you mean '" : "",
                           best ? best : "", best ? "'?)" : "");
        }
        for (int k = 0; k < i; k++)
            if (!strcmp(a.names[k], a.names[i]))
                return os_fail(err, OS_ECONFIG, "%s: %s: arm named twice", os_cfg_origin(cfg, key), key);
    }
    if (os_cfg_has(cfg, "economics.reference_arm")) {
        const char *ref = os_cfg_str(cfg, "economics.reference_arm");
        int found = 0;
        for (int i = 0; i < a.n; i++) found |= !strcmp(a.names[i], ref);
        if (!found)
            return os_fail(err, OS_ECONFIG, "%s: economics.reference_arm: no arm '%s'",
                           os_cfg_origin(cfg, "economics.reference_arm"), ref);
    }
    return OS_OK;
}

int os_engine_validate(os_cfg *cfg, os_err *err)
{
    if (os_cfg_declare(cfg, os_engine_params, os_engine_nparams, err)) return OS_ECONFIG;
    if (os_cfg_declare(cfg, os_targets_params, os_targets_nparams, err)) return OS_ECONFIG;
    if (os_cfg_declare(cfg, os_arms_params, os_arms_nparams, err)) return OS_ECONFIG;
    for (int i = 0; i < os_phase_count; i++) {
        const os_module *mod = os_phase_table[i];
        if (mod->nparams && os_cfg_declare(cfg, mod->params, mod->nparams, err))
            return OS_ECONFIG;
        if (mod->declare && mod->declare(cfg, err)) return OS_ECONFIG;
    }
    if (declare_arms(cfg, err)) return OS_ECONFIG;
    if (os_cfg_validate(cfg, err)) return OS_ECONFIG;
    if (check_arms(cfg, err)) return OS_ECONFIG;
    /* Calibration target files are read now, so a broken one is a
     * configuration error before the run rather than after it. */
    static const char *const tkeys[] = {"calibration.targets", "calibration.targets_extra"};
    for (size_t k = 0; k < sizeof tkeys / sizeof tkeys[0]; k++) {
        if (!os_cfg_has(cfg, tkeys[k])) continue;
        os_targets t;
        if (os_targets_load(&t, os_cfg_path(cfg, tkeys[k]), err)) return OS_ECONFIG;
        os_targets_free(&t);
    }
    long y0 = os_cfg_int(cfg, "run.start_year"), y1 = os_cfg_int(cfg, "run.end_year");
    if (y1 < y0)
        return os_fail(err, OS_ECONFIG, "%s: run.end_year: %ld is before run.start_year %ld",
                       os_cfg_origin(cfg, "run.end_year"), y1, y0);
    const long *cy;
    size_t ncy = os_cfg_int_list(cfg, "output.cohort_years", &cy);
    for (size_t i = 0; i < ncy; i++)
        if (cy[i] < y0 || cy[i] > y1)
            return os_fail(err, OS_ECONFIG,
                           "%s: output.cohort_years: %ld is outside run.start_year..run.end_year (%ld..%ld)",
                           os_cfg_origin(cfg, "output.cohort_years"), cy[i], y0, y1);
    return OS_OK;
}

/* ---- the run ---- */

typedef struct os_run {
    const os_cfg *cfg;
    const os_run_opts *opts;
    os_summary *summary;
    os_h5out *out;
    int nthreads;
    int ncohort;
    const long *cohort_years;
    os_progress progress;
    double agent_years;
    size_t peak_agents, row_bytes;
    uint64_t rng_blocks;
    uint64_t seed;         /* this replicate's seed                    */
    int replicate;         /* 0: the run itself (checkpoints, output)  */
    os_arms arms;
    os_carry carry;        /* blocks kept across the arms (per replicate) */
} os_run;

void *os_model_carry(os_model *m, const char *name, size_t size)
{
    os_run *r = m->engine;
    int i = carry_slot(&r->carry, name, size);
    return i < 0 ? NULL : r->carry.data[i];
}

static int is_cohort_year(const os_run *r, int year)
{
    if (r->ncohort < 0)  /* default: every 5 years from the start */
        return (year - (int)os_cfg_int(r->cfg, "run.start_year")) % 5 == 0;
    for (int i = 0; i < r->ncohort; i++)
        if (r->cohort_years[i] == year) return 1;
    return 0;
}

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
    run_pass(p, PASS_INIT);
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

/* Runs arm ARM; RESUME: continue it from the run's checkpoint. */
static int run_arm(os_run *r, int arm, int resume, os_err *err)
{
    const char *arm_name = r->arms.names[arm];
    const os_cfg *cfg = r->cfg;
    os_pop pop;
    os_pop_init(&pop);
    os_model m = {0};
    m.cfg = cfg;
    m.pop = &pop;
    m.seed = r->seed;
    m.start_year = (int)os_cfg_int(cfg, "run.start_year");
    m.end_year = (int)os_cfg_int(cfg, "run.end_year");
    m.year = m.start_year;
    m.closed = os_engine_closed(cfg);
    m.arm = arm;
    m.arm_name = arm_name;
    m.is_reference = arm == r->arms.ref;
    m.programmes = r->arms.programmes[arm];
    m.nprogrammes = r->arms.nprogrammes[arm];
    m.engine = r;
    m.nthreads = r->nthreads;
    m.chunk_size = (size_t)os_cfg_int(cfg, "run.chunk_size");
    m.event_log = os_cfg_bool(cfg, "output.event_log");
    m.modules = os_phase_table;
    m.nmodules = os_phase_count;
    void *states[64] = {0};
    m.states = states;

    int rc = OS_OK;
    os_acc *acc = calloc((size_t)r->nthreads, sizeof *acc);
    os_acc *total = calloc(1, sizeof *total);
    os_event_buf *evb = NULL;
    size_t nevb = 0;
    if (!acc || !total) { rc = os_fail(err, OS_ERUN, "out of memory"); goto done; }

    os_summary_column(&m, "population", "persons",
                      "persons represented, living at 1 July of the year", err);
    os_summary_column(&m, "agents", "agents", "simulated agents living at 1 July of the year", err);
    for (int i = 0; i < m.nmodules; i++) {
        const os_module *mod = m.modules[i];
        if (mod->init && (rc = mod->init(&m, &states[i], err))) goto done;
    }
    if (r->summary->ncols == 0) {
        r->summary->ncols = m.nsummary;
        memcpy(r->summary->cols, m.summary, sizeof m.summary);
    } else if (m.nsummary != r->summary->ncols) {
        rc = os_fail(err, OS_ERUN, "arm %s registered a different set of summary columns", arm_name);
        goto done;
    }
    if (m.is_reference) r->row_bytes = os_pop_row_bytes(&pop);

    os_pass pass = {&m, acc, NULL, 0, 0};
    uint32_t next_id = 0;
    int first_year = m.start_year;
    if (resume) {
        os_ckpt_state ck;
        if ((rc = os_ckpt_read(r->opts->resume, &ck, &pop, r->summary, r->out, &r->carry, err)))
            goto done;
        next_id = ck.next_id;
        first_year = ck.next_year;
    } else {
        size_t n0;
        if ((rc = entrants_of(&m, m.start_year, &n0, err))) goto done;
        if ((rc = add_agents(&m, &pass, n0, &next_id, err))) goto done;
    }

    for (int year = first_year; year <= m.end_year; year++) {
        m.year = year;
        /* The state at the start of a year is the whole state of the run:
         * checkpoint here, every N years and when asked to stop. */
        /* MPI: a signal seen by any rank stops all of them here. */
        os_stop_requested = os_par_max_int(os_stop_requested);
        int due = r->opts->checkpoint_every > 0 && year > first_year &&
                  (year - m.start_year) % r->opts->checkpoint_every == 0;
        if (r->opts->checkpoint && r->replicate == 0 && (due || os_stop_requested)) {
            os_ckpt_state ck = {year, next_id, arm};
            if ((rc = os_ckpt_write(r->opts->checkpoint, r->cfg, r->opts->output, &ck, &pop,
                                    r->summary, r->out, &r->carry, err)))
                goto done;
        }
        if (os_stop_requested) {
            rc = os_fail(err, OS_EINTR, "stopped by a signal at the start of %d%s%s", year,
                         r->opts->checkpoint ? "; checkpoint written to " : "",
                         r->opts->checkpoint ? r->opts->checkpoint : "");
            goto done;
        }
        memset(acc, 0, (size_t)r->nthreads * sizeof *acc);
        if ((rc = call_serial(&m, 0, err))) goto done;

        pass.begin = 0;
        pass.end = pop.n;
        run_pass(&pass, PASS_CENSUS);
        /* Per-agent snapshots are of the reference arm only. */
        if (m.is_reference && r->out && is_cohort_year(r, year) &&
            (rc = os_h5out_cohort(r->out, &pop, year, err)))
            goto done;

        if (m.event_log) {
            nevb = pass_chunks(&pass);
            evb = calloc(nevb ? nevb : 1, sizeof *evb);
            if (!evb) { rc = os_fail(err, OS_ERUN, "out of memory (event log)"); goto done; }
            pass.events = evb;
        }
        run_pass(&pass, PASS_STEP);
        pass.events = NULL;
        /* MPI: counts and totals over all ranks (exact integer sums). */
        size_t nall = (size_t)os_par_sum_u64(pop.n);
        r->agent_years += (double)nall;
        if (nall > r->peak_agents) r->peak_agents = nall;

        memset(total, 0, sizeof *total);
        for (int t = 0; t < r->nthreads; t++) acc_sum(total, &acc[t]);
        os_par_sum_i64(total->v, sizeof total->v / sizeof total->v[0]);
        if ((rc = summary_add_year(r->summary, &m, total, err))) goto done;
        if (evb) {
            /* The year's log, chunks in store order; the writer orders it
             * by agent id, which no thread or process count changes. */
            if (r->out && (rc = os_h5out_events(r->out, arm, evb, nevb, &pop, err))) goto done;
            for (size_t k = 0; k < nevb; k++) {
                free(evb[k].ev);
                evb[k].ev = NULL;
            }
            free(evb);
            evb = NULL;
        }

        if ((rc = call_serial(&m, 1, err))) goto done;
        os_pop_compact(&pop);
        if (year < m.end_year && !m.closed) {
            size_t ne;
            if ((rc = entrants_of(&m, year + 1, &ne, err))) goto done;
            if ((rc = add_agents(&m, &pass, ne, &next_id, err))) goto done;
        }
        os_progress_update(&r->progress, year, r->agent_years);
    }

    if (m.is_reference && r->out)
        for (int i = 0; i < m.nmodules; i++) {
            const os_module *mod = m.modules[i];
            if (mod->event_types || mod->event_sites)
                os_h5out_event_labels(r->out, mod->event_types, mod->event_sites);
            if (mod->write_output &&
                (rc = mod->write_output(&m, states[i], os_h5out_file(r->out), err)))
                goto done;
        }

done:
    r->rng_blocks += m.rng_blocks;
    if (evb) {
        for (size_t k = 0; k < nevb; k++) free(evb[k].ev);
        free(evb);
    }
    for (int i = m.nmodules - 1; i >= 0; i--)
        if (states[i] && m.modules[i]->destroy) m.modules[i]->destroy(states[i]);
    free(acc);
    free(total);
    os_pop_free(&pop);
    return rc;
}

/* Runs every arm, the reference arm first, each from the same seed: every
 * arm sees the same people and the same draws for the same purpose. */
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
    for (int k = first; k < n && !rc; k++) rc = run_arm(r, order[k], resume && k == first, err);
    os_carry_free(&r->carry);
    return rc;
}

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

int os_engine_run(os_cfg *cfg, const os_run_opts *opts, os_summary *summary,
                  os_run_stats *stats, os_err *err)
{
    os_summary local = {0};
    os_summary *s = summary ? summary : &local;
    if (stats) memset(stats, 0, sizeof *stats);
    memset(s, 0, sizeof *s);
    os_run r = {0};
    r.cfg = cfg;
    r.opts = opts;
    r.summary = s;
    r.nthreads = opts->nthreads > 0 ? opts->nthreads
               : os_cfg_int(cfg, "run.threads") > 0 ? (int)os_cfg_int(cfg, "run.threads")
               : omp_get_max_threads();
    r.ncohort = os_cfg_has(cfg, "output.cohort_years")
              ? (int)os_cfg_int_list(cfg, "output.cohort_years", &r.cohort_years) : -1;
    int start = (int)os_cfg_int(cfg, "run.start_year"), end = (int)os_cfg_int(cfg, "run.end_year");
    os_progress_init(&r.progress, opts->progress && !opts->quiet, start, end);
    /* Parallel regions outside the engine's passes (compaction, output
     * compression) use the run's thread count too, so --threads N means N
     * cores; the caller's setting is restored at the end. */
    int caller_threads = omp_get_max_threads();
    omp_set_num_threads(r.nthreads);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Inputs and memory before anything is allocated or created. */
    int rc = os_memplan_check_run(cfg, err);
    if (rc) goto done;
    if (opts->output && (rc = os_h5out_open(&r.out, opts->output, cfg, err)))
        goto done;
    os_engine_arms(cfg, &r.arms);
    r.seed = (uint64_t)os_cfg_int(cfg, "run.seed");
    if ((rc = run_arms(&r, err))) goto done;

    /* Replicates 1..R-1: the same scenario with derived seeds, summary only. */
    int nreps = (int)os_cfg_int(cfg, "run.replicates");
    double **reps = calloc((size_t)nreps, sizeof *reps);
    uint64_t *seeds = calloc((size_t)nreps, sizeof *seeds);
    if (!reps || !seeds) {
        free(reps);
        free(seeds);
        rc = os_fail(err, OS_ERUN, "out of memory (replicates)");
        goto done;
    }
    reps[0] = s->values;
    seeds[0] = r.seed;
    for (int k = 1; k < nreps && !rc; k++) {
        os_run rk = r;
        os_summary sk = {0};
        rk.out = NULL;
        rk.summary = &sk;
        rk.replicate = k;
        rk.seed = seeds[k] = os_replicate_seed(r.seed, k);
        rk.progress.on = 0;
        rc = run_arms(&rk, err);
        r.agent_years = rk.agent_years;  /* rk started from r's totals */
        r.rng_blocks = rk.rng_blocks;
        if (!rc && (sk.nrows != s->nrows || sk.ncols != s->ncols))
            rc = os_fail(err, OS_ERUN, "replicate %d produced a summary of another shape", k);
        reps[k] = sk.values;
        sk.values = NULL;
        os_summary_free(&sk);
        os_progress_update(&r.progress, end, r.agent_years);
    }
    if (!rc && r.out && nreps > 1)
        rc = os_replicates_write(os_h5out_file(r.out), s, reps, nreps, seeds, err);
    free(seeds);
    if (rc || !stats) {
        for (int k = 1; k < nreps; k++) free(reps[k]);
        free(reps);
        reps = NULL;
        if (rc) goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    wall = os_par_max_double(wall);                  /* MPI: the slowest rank */
    r.rng_blocks = os_par_sum_u64(r.rng_blocks);     /* MPI: all ranks' draws */
    os_progress_done(&r.progress);
    if (stats) {
        stats->agent_years = r.agent_years;
        stats->wall_seconds = wall;
        stats->bytes_per_agent = r.row_bytes;
        stats->peak_agents = r.peak_agents;
        stats->rng_blocks = r.rng_blocks;
        stats->nreps = nreps;
        stats->reps = reps;
    }
    if (r.out) {
        os_h5out_arms(r.out, r.arms.names, r.arms.n);
        if ((rc = os_h5out_summary(r.out, s, err))) goto done;
        if ((rc = os_cea_write(os_h5out_file(r.out), cfg, s, &r.arms, NULL, err))) goto done;
        if (opts->psa && (rc = os_psa_write(os_h5out_file(r.out), cfg, opts->psa, err))) goto done;
        if (opts->psa_draw > 0) {
            os_psa one;
            if ((rc = os_psa_single(cfg, opts->psa_draw, s, &one, err))) goto done;
            rc = os_psa_write(os_h5out_file(r.out), cfg, &one, err);
            os_psa_free(&one);
            if (rc) goto done;
        }
    } else {
        double wtp[OS_CEA_MAX_WTP];   /* read by the arms report */
        os_cea_wtp(cfg, wtp, OS_CEA_MAX_WTP);
    }
    if (stats) {
        unused_buf ub = {cfg, NULL, 0};
        os_cfg_visit(cfg, collect_unused, &ub);
        stats->unused = ub.text;
    }
    if (r.out) {
        if ((rc = os_h5out_run_info(r.out, r.row_bytes, r.agent_years, wall, err))) goto done;
        if ((rc = os_provenance_write(os_h5out_file(r.out), cfg, err))) goto done;
        rc = os_h5out_close(r.out, 1, err);
        r.out = NULL;
    }
done:
    if (r.out) os_h5out_close(r.out, 0, NULL); /* discards the temporary file */
    omp_set_num_threads(caller_threads);
    os_progress_done(&r.progress);
    if (rc && stats) os_run_stats_free(stats);
    if (!summary) os_summary_free(&local);
    else if (rc) os_summary_free(s);
    return rc;
}

void os_run_stats_free(os_run_stats *st)
{
    free(st->unused);
    st->unused = NULL;
    /* reps[0] is the summary's own values array, freed with the summary. */
    for (int k = 1; st->reps && k < st->nreps; k++) free(st->reps[k]);
    free(st->reps);
    st->reps = NULL;
    st->nreps = 0;
}
