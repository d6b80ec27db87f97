/* migration.c - net migration at ages 50+: the leavers, and the summary
 * columns migrants_in and migrants_out (docs/demography.md, "Migration").
 *
 * The table (demography.migration_file) belongs to demography, which
 * validates it with the other tables and appends the immigrants with each
 * year's 50-year-olds (models/demography.c).  This module runs last in the
 * step, after deaths and the year's costs: an agent alive then leaves
 * with probability p = L / S for its sex and age group, L the yearly net
 * emigrants of the group, S the group's expected survivors of the year
 * (weights times the life-table survival, summed in year_begin), so that
 * about L leave among the survivors.
 *
 * Why removal by a draw per agent rather than smaller weights: each
 * agent's draw comes from its own counter-based stream (seed, id, year,
 * purpose), and S is an exact fixed-point sum over all agents (any thread
 * count, chunking or MPI rank count gives the same integers), so who
 * leaves depends on nothing but the agent and the year; a resumed run
 * recomputes S from the checkpointed population.  Smaller weights would
 * need fractional weights (they are whole persons) or a rounding rule that
 * depends on the order agents are visited.  The price is sampling error
 * (binomial around L), as for deaths.
 *
 * Without a migration table the module registers nothing and draws
 * nothing: results are bitwise those of a run without it.
 */
#include <math.h>
#include <stdlib.h>

#include "demography.h"
#include "model.h"
#include "par.h"

typedef struct migr_state {
    const os_demog *d;
    int ng, active;            /* groups; migration this year        */
    int col_in, col_out;       /* summary columns                    */
    uint32_t purpose;
    double p[2][OS_MAX_SUMMARY_COLS];       /* leaving probability    */
    uint64_t arrive[2 * OS_MAX_SUMMARY_COLS]; /* immigrants at 1 July y+1 */
} migr_state;

static int migr_init(os_model *m, void **state, os_err *err)
{
    *state = NULL;
    const os_demog *d = os_model_state(m, "demography");
    if (!d || os_demog_migr_groups(d) == 0) return OS_OK;
    migr_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "migration: out of memory");
    s->d = d;
    s->ng = os_demog_migr_groups(d);
    s->purpose = os_rng_purpose("demography.emigration");
    s->col_in = os_summary_column(m, "migrants_in", "persons",
                                  "net immigrants arriving from 1 July of the year to 1 July of the "
                                  "next (in the population from then), by sex and age band on arrival", err);
    s->col_out = s->col_in < 0 ? -1
        : os_summary_column(m, "migrants_out", "persons",
                            "net emigrants leaving from 1 July of the year to 1 July of the next, by "
                            "sex and age band at 1 July of the year", err);
    if (s->col_out < 0) {
        free(s);
        return OS_ERUN;
    }
    *state = s;
    return OS_OK;
}

/* Expected survivors of the year by sex and group (column = group). */
static void survivors(os_model *m, void *ctx, os_chunk *c)
{
    const migr_state *s = ctx;
    for (size_t i = 0; i < c->n; i++) {
        int g = os_demog_migr_group(s->d, c->age[i]);
        if (!c->alive[i] || g < 0) continue;
        /* Mortality's exposure: mx at age + 1/2 and 1 January of y + 1. */
        double mx = os_demog_mx(s->d, c->sex[i], (double)c->age[i] + 0.5, m->year + 1.0);
        os_acc_add(c->acc, c->sex[i], 0, g, (double)c->weight[i] * exp(-mx));
    }
}

static int migr_year_begin(os_model *m, void *state, os_err *err)
{
    (void)err;
    migr_state *s = state;
    if (!s) return OS_OK;
    /* Flows of years the run follows to the next census only: none in
     * burn-in, in the last year, after it, or in a closed cohort. */
    s->active = !m->burn_in && !m->tail && !m->closed && m->year < m->end_year;
    if (!s->active) return OS_OK;
    int need = 0;
    for (int x = 0; x < 2; x++)
        for (int g = 0; g < s->ng; g++) {
            s->p[x][g] = 0.0;
            need |= os_demog_migr_flow(s->d, m->year, x, g) < 0;
        }
    if (need) {
        os_acc *tot = malloc(sizeof *tot);
        if (!tot) return os_fail(err, OS_ERUN, "migration: out of memory");
        os_model_for_chunks(m, survivors, s, tot);
        for (int x = 0; x < 2; x++)
            for (int g = 0; g < s->ng; g++) {
                double l = -os_demog_migr_flow(s->d, m->year, x, g);
                double sv = (double)tot->v[(x * OS_NBANDS) * OS_MAX_SUMMARY_COLS + g] / OS_ACC_SCALE;
                /* More leavers than people: everyone of the group leaves. */
                s->p[x][g] = l <= 0 ? 0.0 : sv > l ? l / sv : 1.0;
            }
        free(tot);
    }
    os_demog_migrant_counts(s->d, m->seed, m->year + 1, s->arrive);
    return OS_OK;
}

/* Arrivals are a count, not agents of this year: added once, by the first
 * chunk of rank 0 (exact fixed-point sums: where they are added does not
 * matter). */
static void add_arrivals(const migr_state *s, os_chunk *c)
{
    uint32_t w = os_demog_entrant_weight(s->d);
    for (int k = 0; k < 2 * s->ng; k++) {
        double a0, width;
        if (!s->arrive[k]) continue;
        os_demog_migr_ages(s->d, k % s->ng, &a0, &width);
        os_acc_add(c->acc, k / s->ng, os_age_band((float)a0), s->col_in,
                   (double)s->arrive[k] * (double)w);
    }
}

static void migr_step(os_model *m, void *state, os_chunk *c)
{
    const migr_state *s = state;
    if (!s || !s->active) return;
    if (c->begin == 0 && os_par_rank() == 0) add_arrivals(s, c);
    for (size_t i = 0; i < c->n; i++) {
        int g = os_demog_migr_group(s->d, c->age[i]);
        if (!c->alive[i] || g < 0 || s->p[c->sex[i]][g] <= 0.0) continue;
        os_rng r;
        os_rng_init(&r, m->seed, c->id[i], (uint32_t)m->year, s->purpose);
        if (os_rng_uniform(&r) >= s->p[c->sex[i]][g]) continue;
        c->alive[i] = 0;   /* removed with the dead after the year */
        os_acc_add(c->acc, c->sex[i], os_age_band(c->age[i]), s->col_out, (double)c->weight[i]);
    }
}

static void migr_destroy(void *state) { free(state); }

const os_module os_mod_migration = {
    .name = "migration",
    .init = migr_init,
    .year_begin = migr_year_begin,
    .step = migr_step,
    .destroy = migr_destroy,
};
