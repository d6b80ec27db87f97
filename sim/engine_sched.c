/* engine_sched.c - chunked parallel passes over the population store.
 *
 * Passes run over fixed chunks of the store with OpenMP.  Summary values are
 * fixed-point integers (model.h), so their totals do not depend on which
 * thread added what: results are bitwise identical for any thread count.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "engine_int.h"
#include "par.h"

/* ---- event log ---- */

void os_event_log(os_chunk *c, uint32_t id, int year, int type, int site)
{
    os_event_buf *b = c->events;
    if (!b) return;
    if (b->n == b->cap) {
        /* A buffer that cannot grow keeps what it has and counts the
         * rest; the engine fails the run after the pass (os_events_check). */
        if (b->cap > SIZE_MAX / 2 / sizeof *b->ev) { b->lost++; return; }
        size_t cap = b->cap ? 2 * b->cap : 256;
        os_event *e = realloc(b->ev, cap * sizeof *e);
        if (!e) { b->lost++; return; }
        b->ev = e;
        b->cap = cap;
    }
    b->ev[b->n++] = (os_event){id, (int16_t)year, (uint8_t)type, (uint8_t)site};
}

int os_events_check(const os_event_buf *evb, size_t n, int year, os_err *err)
{
    size_t lost = 0;
    for (size_t k = 0; k < n; k++) lost += evb[k].lost;
    if (lost)
        return os_fail(err, OS_ERUN, "out of memory (event log): %zu events of %d could not be stored",
                       lost, year);
    return OS_OK;
}

void os_events_free(os_event_buf *evb, size_t n)
{
    for (size_t k = 0; evb && k < n; k++) free(evb[k].ev);
    free(evb);
}

/* ---- accumulators and chunks ---- */

void os_acc_sum(os_acc *dst, const os_acc *src)
{
    for (size_t i = 0; i < sizeof dst->v / sizeof dst->v[0]; i++)
        dst->v[i] += src->v[i];
}

static void chunk_at(const os_pass *p, size_t k, os_chunk *c)
{
    os_pop *pop = p->m->pop;
    c->begin = p->begin + k * p->m->chunk_size;
    assert(c->begin < p->end && p->end <= pop->n);
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

size_t os_pass_chunks(const os_pass *p)
{
    assert(p->m->chunk_size > 0 && p->begin <= p->end);
    size_t n = p->end - p->begin;
    return (n + p->m->chunk_size - 1) / p->m->chunk_size;
}

void os_model_for_chunks(os_model *m, os_chunk_fn fn, void *ctx,
                         os_acc *acc_out)
{
    int nt = m->nthreads;
    os_acc *acc = calloc((size_t)nt, sizeof *acc);
    os_pass p = {m, acc, NULL, 0, m->pop->n};
    long nk = (long)os_pass_chunks(&p);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long k = 0; k < nk; k++) {
        os_chunk c;
        chunk_at(&p, (size_t)k, &c);
        fn(m, ctx, &c);
    }
    if (acc_out) {
        memset(acc_out, 0, sizeof *acc_out);
        for (int t = 0; t < nt; t++) os_acc_sum(acc_out, &acc[t]);
        /* MPI: every rank gets the exact sum over all agents (par.h). */
        os_par_sum_i64(acc_out->v, sizeof acc_out->v / sizeof acc_out->v[0]);
    }
    free(acc);
}

/* ---- the passes of a year ---- */

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

void os_pass_run(os_pass *p, int kind)
{
    os_model *m = p->m;
    long nk = (long)os_pass_chunks(p);
#pragma omp parallel for schedule(dynamic, 1) num_threads(m->nthreads)
    for (long k = 0; k < nk; k++) {
        os_chunk c;
        chunk_at(p, (size_t)k, &c);
        if (kind == OS_PASS_CENSUS) census_core(&c);
        for (int i = 0; i < m->nmodules; i++) {
            const os_module *mod = m->modules[i];
            void (*fn)(os_model *, void *, os_chunk *) =
                kind == OS_PASS_INIT ? mod->init_agents :
                kind == OS_PASS_CENSUS ? mod->census : mod->step;
            if (fn) fn(m, m->states[i], &c);
        }
        if (kind == OS_PASS_STEP)
            for (size_t r = 0; r < c.n; r++) c.age[r] += 1.0f;
    }
    uint64_t blocks = 0;
#pragma omp parallel num_threads(m->nthreads) reduction(+ : blocks)
    blocks += os_rng_take_blocks();
    m->rng_blocks += blocks;
}

/* ---- burn-in ---- */

/* Chunk C's rows of every column not carried, saved into (or, RESTORE,
 * copied back from) SAVED; returns the bytes a chunk of N rows needs. */
static size_t chunk_save(os_pop *pop, const os_chunk *c, unsigned char *saved, int restore)
{
    size_t off = 0;
    for (int k = 0; k < pop->ncols; k++) {
        const os_column *col = &pop->cols[k];
        if (col->flags & OS_COL_CARRY) continue;
        size_t bytes = c->n * col->elem_size;
        unsigned char *rows = (unsigned char *)col->data + c->begin * col->elem_size;
        if (saved) {
            if (restore) memcpy(rows, saved + off, bytes);
            else memcpy(saved + off, rows, bytes);
        }
        off += bytes;
    }
    return off;
}

/* Chunk by chunk, so the copy is one chunk per thread, not the store:
 * a chunk's hooks touch only its rows (model.h). */
int os_pass_burn_in(os_pass *p, os_err *err)
{
    os_model *m = p->m;
    long nk = (long)os_pass_chunks(p);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(m->nthreads) reduction(| : failed)
    for (long k = 0; k < nk; k++) {
        os_chunk c;
        chunk_at(p, (size_t)k, &c);
        unsigned char *saved = malloc(chunk_save(m->pop, &c, NULL, 0) + 1);
        if (!saved) { failed = 1; continue; }
        chunk_save(m->pop, &c, saved, 0);
        for (size_t r = 0; r < c.n; r++) c.age[r] -= 1.0f;
        for (int i = 0; i < m->nmodules; i++)
            if (m->modules[i]->census) m->modules[i]->census(m, m->states[i], &c);
        for (int i = 0; i < m->nmodules; i++)
            if (m->modules[i]->step) m->modules[i]->step(m, m->states[i], &c);
        chunk_save(m->pop, &c, saved, 1);
        free(saved);
    }
    uint64_t blocks = 0;
#pragma omp parallel num_threads(m->nthreads) reduction(+ : blocks)
    blocks += os_rng_take_blocks();
    m->rng_blocks += blocks;
    return failed ? os_fail(err, OS_ERUN, "out of memory (burn-in)") : OS_OK;
}
