/* mortality.c - deaths during the year from 1 July y to 1 July y+1.
 *
 * An agent of exact age a at 1 July y dies during the step with
 *     q = 1 - exp(-mx * hr * adj)
 * where mx is the demography tables' central death rate for its sex at age
 * a + 1/2 and time y + 1 (the middle of the step: 1 January y+1), looked up
 * in a grid of OS_MORT_STEPS ages per year made at year_begin,
 * hr the agent's `mortality_hr` (product of the excess-hazard ratios the
 * earlier modules set this year; ignored when model.disease_effects is
 * false) and adj = 1 / (mean hr by sex and 5-year band last year), so that
 * adding excess hazards keeps all-cause mortality on the life table
 * (mortality.adjust_background).  In arms other than the reference, adj is
 * the reference arm's of the same year.  See docs/demography.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "demography.h"
#include "interventions.h"
#include "model.h"
#include "rng_fill.h"

/* Rates are tabulated at 1/10 year of age: a 1-year grid would shift the
 * exposure by up to half a year (about 4% of mx at old ages). */
#define OS_MORT_STEPS 10
#define NAGE ((OS_DEMOG_MAX_AGE - OS_AGE_MIN + 1) * OS_MORT_STEPS)

typedef struct mort_state {
    const void *demog;
    int hr_col, deaths_col;
    int ae_col;                 /* iv_ae_death, or -1 (no fatal adverse events) */
    int effects, adjust;
    uint32_t purpose;
    float mx[OS_NSEX][NAGE];    /* this year's rate by 1/10 year of age */
    float q[OS_NSEX][NAGE];     /* 1 - exp(-mx), for hr * adj = 1 */
    float adj[OS_NSEX][OS_NBANDS];
} mort_state;

static const os_param_spec params[] = {
    {"model.disease_effects", OS_P_BOOL, NULL, 1.0, 0.0, 0, "true", NULL,
     "false switches off every disease effect on mortality (demography only)"},
    {"mortality.adjust_background", OS_P_BOOL, NULL, 1.0, 0.0, 1, NULL, NULL,
     "divide each agent's hazard ratio by last year's mean ratio of its sex and age band, "
     "so that all-cause mortality stays on the life table"},
};

static int mort_init(os_model *m, void **state, os_err *err)
{
    mort_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "mortality: out of memory");
    s->demog = os_model_state(m, "demography");
    s->hr_col = os_model_column(m, "mortality", "mortality_hr", OS_COL_F32, err);
    if (!s->demog || s->hr_col < 0) {
        free(s);
        return os_fail(err, OS_ERUN, "mortality: needs the demography module before it");
    }
    static const os_field fields[] = {
        OS_FIELD("model.disease_effects", mort_state, effects, OS_F_BOOL),
        OS_FIELD("mortality.adjust_background", mort_state, adjust, OS_F_BOOL),
    };
    if (os_cfg_read(m->cfg, NULL, fields, sizeof fields / sizeof fields[0], s, err)) {
        free(s);
        return OS_ECONFIG;
    }
    s->purpose = os_rng_purpose("mortality.death");
    s->ae_col = os_model_column_opt(m, "mortality", OS_IV_AE_DEATH, OS_COL_U8, err);
    if (s->ae_col < -1) {
        free(s);
        return OS_ERUN;
    }
    s->deaths_col = os_summary_column_as(m, "deaths", "persons",
                                         "persons dying from 1 July of the year to 1 July of the next, "
                                         "by sex and age band at 1 July of the year",
                                         (os_sum_role){OS_ROLE_EVENT, OS_SUM_REPORT | OS_SUM_ARMS, "deaths",
                                                       NULL, NULL}, err);
    if (s->deaths_col < 0) {
        free(s);
        return OS_ERUN;
    }
    *state = s;
    return OS_OK;
}

static inline int age_index(float age)
{
    int a = (int)((age - (float)OS_AGE_MIN) * (float)OS_MORT_STEPS);
    return a < 0 ? 0 : (a >= NAGE ? NAGE - 1 : a);
}

/* Sums weight * hr (col 0) and weight (col 1) of the agents living now who
 * lived last year, by their sex and band last year. */
static void hr_sums(os_model *m, void *ctx, os_chunk *c)
{
    const mort_state *s = ctx;
    const float *hr = os_chunk_f32(m, c, s->hr_col);
    for (size_t i = 0; i < c->n; i++) {
        float last = c->age[i] - 1.0f;
        if (!c->alive[i] || last < (float)OS_AGE_MIN) continue; /* entrants */
        int b = os_age_band(last);
        os_acc_add(c->acc, c->sex[i], b, 0, (double)c->weight[i] * hr[i]);
        os_acc_add(c->acc, c->sex[i], b, 1, (double)c->weight[i]);
    }
}

static int mort_year_begin(os_model *m, void *state, os_err *err)
{
    mort_state *s = state;
    double t = m->year + 1.0;
    for (int sex = 0; sex < OS_NSEX; sex++)
        for (int a = 0; a < NAGE; a++) {
            /* Cell a holds ages [50 + a/10, 50 + (a+1)/10): the step's
             * middle is half a year after the cell's middle. */
            double age = OS_AGE_MIN + (a + 0.5) / OS_MORT_STEPS + 0.5;
            double mx = os_demog_mx(s->demog, sex, age, t);
            s->mx[sex][a] = (float)mx;
            s->q[sex][a] = (float)-expm1(-mx);
        }
    for (int sex = 0; sex < OS_NSEX; sex++)
        for (int b = 0; b < OS_NBANDS; b++) s->adj[sex][b] = 1.0f;
    if (!s->effects || !s->adjust) return OS_OK;
    /* The adjustment is the reference arm's: in other arms a programme's
     * effect on hazards must change mortality, not be divided out again. */
    size_t nyears = (size_t)(m->end_year + m->follow_years - m->start_year + 1);
    /* (Unit tests drive the hooks without an engine, and burn-in years
     * come before the run's years: no carried block.) */
    int carried = m->engine && !m->burn_in;
    float (*ref)[OS_NSEX][OS_NBANDS] =
        carried ? os_model_carry(m, "mortality.adj", nyears * sizeof *ref) : NULL;
    if (carried && !ref) return os_fail(err, OS_ERUN, "mortality: out of memory");
    size_t y = (size_t)(m->year - m->start_year);
    if (ref && !m->is_reference) {
        memcpy(s->adj, ref[y], sizeof s->adj);
        return OS_OK;
    }
    /* The hr column still holds last year's ratios: demography resets it in
     * the census pass, after this hook.  At the start year it is all 1. */
    os_acc acc;
    os_model_for_chunks(m, hr_sums, s, &acc);
    for (int sex = 0; sex < OS_NSEX; sex++)
        for (int b = 0; b < OS_NBANDS; b++) {
            const int64_t *cell = &acc.v[(sex * OS_NBANDS + b) * OS_MAX_SUMMARY_COLS];
            if (cell[0] > 0 && cell[1] > 0) s->adj[sex][b] = (float)((double)cell[1] / (double)cell[0]);
        }
    if (ref) memcpy(ref[y], s->adj, sizeof s->adj);
    return OS_OK;
}

/* Deaths of fatal adverse events of programmes (iv_adverse.h) among the
 * NT agents from row T0 still alive: part of the year's deaths. */
static void ae_deaths(os_model *m, const mort_state *s, os_chunk *c, size_t t0, size_t nt)
{
    const uint8_t *f = os_chunk_u8(m, c, s->ae_col);
    for (size_t r = t0; r < t0 + nt; r++) {
        if (!c->alive[r] || !f[r]) continue;
        c->alive[r] = 0;
        os_acc_add(c->acc, c->sex[r], os_age_band(c->age[r]), s->deaths_col, (double)c->weight[r]);
    }
}

/* The step is a sweep over the chunk in tiles of OS_RNG_TILE agents: the
 * tile's words come from os_rng_fill (the same words as one os_rng stream
 * per agent), a branch-free pass finds the few agents who may die, and
 * only those are decided exactly and counted. */
static void mort_step(os_model *m, void *state, os_chunk *c)
{
    const mort_state *s = state;
    const float *hr = os_chunk_f32(m, c, s->hr_col);
    uint32_t w[OS_RNG_TILE * 4];
    uint16_t cand[OS_RNG_TILE];
    double xs[OS_RNG_TILE];
    for (size_t t0 = 0; t0 < c->n; t0 += OS_RNG_TILE) {
        size_t nt = c->n - t0 < OS_RNG_TILE ? c->n - t0 : OS_RNG_TILE;
        os_rng_fill(w, c->id + t0, nt, m->seed, (uint32_t)m->year, s->purpose, 0, 1);
        const uint8_t *sx = c->sex + t0, *alive = c->alive + t0;
        const float *age = c->age + t0;
        size_t nc = 0;
        for (size_t i = 0; i < nt; i++) {
            int sex = sx[i], a = age_index(age[i]), b = os_age_band(age[i]);
            double u = os_rng_word_uniform(w[4 * i]);
            float h = s->effects ? hr[t0 + i] * s->adj[sex][b] : 1.0f;
            /* h = 1: q decides.  Otherwise q = 1 - exp(-x) <= x: a uniform
             * above x by a margin wider than the rounding of q to float
             * survives without the expm1 call (results unchanged; see
             * sim/fastmath.h). */
            double x = (double)s->mx[sex][a] * h;
            xs[i] = h == 1.0f ? -1.0 : x;
            int maybe = h == 1.0f ? u < s->q[sex][a] : u < x * (1.0 + 1e-6);
            cand[nc] = (uint16_t)i;
            nc += (size_t)(maybe & (alive[i] != 0));
        }
        for (size_t j = 0; j < nc; j++) {
            size_t i = cand[j];
            double x = xs[i];
            if (x >= 0.0 && !(os_rng_word_uniform(w[4 * i]) < (float)-expm1(-x))) continue;
            size_t r = t0 + i;
            c->alive[r] = 0;
            os_acc_add(c->acc, c->sex[r], os_age_band(c->age[r]), s->deaths_col, (double)c->weight[r]);
        }
        if (s->effects && s->ae_col >= 0) ae_deaths(m, s, c, t0, nt);
    }
}

static void mort_destroy(void *state) { free(state); }

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread mortality_reads[] = {
    {"mortality_hr", OS_COL_F32, 0},
    {OS_IV_AE_DEATH, OS_COL_U8, OS_READ_OPTIONAL},   /* arms with a fatal adverse event */
    {NULL, 0, 0},
};

const os_module os_mod_mortality = {
    .name = "mortality",
    .params = params,
    .nparams = sizeof params / sizeof params[0],
    .init = mort_init,
    .year_begin = mort_year_begin,
    .step = mort_step,
    .destroy = mort_destroy,
    .reads = mortality_reads,
};
