/* falls.c - falls during the year.
 *
 * Whether a person falls at least once in year y is a logistic model:
 *     logit p = logit(base[sex]) + ln(or_decade) * (age - ref_age) / 10
 *               + ln(or_grip) [grip below the AWGS cut-off]
 *               + ln(or_gait) [gait below the cut-off]
 *               + ln(or_prior) [fell in the previous year]
 * Sarcopenia enters through its components (low grip, slow gait), never as
 * a diagnosis-level odds ratio on top of them: the published sarcopenia ->
 * falls odds ratio (Yeung 2019) was not adjusted for grip or gait, so adding
 * it would count the same weakness twice.  scripts/cohort_study.py checks
 * the composed model against that published ratio (validation).
 * A faller has 1 + Poisson(extra) falls.  The u8 column "falls_n" holds the
 * falls of the current year after this step (the fracture model reads it)
 * and of the previous year before it (the prior-fall term).
 */
#include <math.h>
#include <stdlib.h>

#include "event_sweep.h"
#include "events.h"
#include "fastmath.h"
#include "interventions.h"
#include "rng_fill.h"

static const os_param_spec falls_params[] = {
    {"falls.ref_age", OS_P_REAL, "year", 50, 100, 1, NULL, NULL,
     "age at which base_prob applies"},
    {"falls.base_prob.female", OS_P_REAL, "1", 0, 1, 1, NULL, NULL,
     "annual probability of >=1 fall at ref_age, women without risk factors"},
    {"falls.base_prob.male", OS_P_REAL, "1", 0, 1, 1, NULL, NULL,
     "annual probability of >=1 fall at ref_age, men without risk factors"},
    {"falls.or_per_decade", OS_P_REAL, "1", 0.1, 10, 1, NULL, NULL,
     "odds ratio of falling per 10 years of age"},
    {"falls.or.low_grip", OS_P_REAL, "1", 0.1, 20, 1, NULL, NULL,
     "odds ratio for grip below falls.low_grip.<sex>"},
    {"falls.or.slow_gait", OS_P_REAL, "1", 0.1, 20, 1, NULL, NULL,
     "odds ratio for gait speed below falls.slow_gait"},
    {"falls.or.prior_fall", OS_P_REAL, "1", 0.1, 20, 1, NULL, NULL,
     "odds ratio for a fall in the previous year"},
    {"falls.low_grip.female", OS_P_REAL, "kg", 0, 100, 1, NULL, NULL,
     "grip cut-off for low strength, women"},
    {"falls.low_grip.male", OS_P_REAL, "kg", 0, 100, 1, NULL, NULL,
     "grip cut-off for low strength, men"},
    {"falls.slow_gait", OS_P_REAL, "m/s", 0, 3, 1, NULL, NULL,
     "gait speed cut-off for slow gait"},
    {"falls.extra_falls_mean", OS_P_REAL, "falls", 0, 20, 1, NULL, NULL,
     "mean number of falls beyond the first per faller (Poisson)"},
};

typedef struct falls_state {
    double ref_age, logit_base[2], ln_or_decade, ln_or_grip, ln_or_gait;
    double ln_or_prior, extra_mean;
    double p_zero_extra;   /* exp(-extra_mean), computed once */
    /* cdf[k] = P(Poisson(extra_mean) <= k) as n_falls sums it, k < 254 */
    double extra_cdf[254];
    float low_grip[2], slow_gait;
    int col_falls, col_grip, col_gait;
    int sum_falls, sum_fallers;
    uint32_t purpose, purpose_init;
} falls_state;

static double logit(double p)
{
    return log(p / (1.0 - p));
}

/* The falls.* keys as written (falls_init derives the state from them). */
typedef struct falls_par {
    double ref_age, base_prob[2], or_decade, or_grip, or_gait, or_prior, low_grip[2], slow_gait;
    double extra_mean;
} falls_par;

#define FP(key, member) OS_FIELD(key, falls_par, member, OS_F_REAL)
static const os_field falls_fields[] = {
    FP("falls.ref_age", ref_age), FP("falls.base_prob.female", base_prob[0]),
    FP("falls.base_prob.male", base_prob[1]), FP("falls.or_per_decade", or_decade),
    FP("falls.or.low_grip", or_grip), FP("falls.or.slow_gait", or_gait),
    FP("falls.or.prior_fall", or_prior), FP("falls.low_grip.female", low_grip[0]),
    FP("falls.low_grip.male", low_grip[1]), FP("falls.slow_gait", slow_gait),
    FP("falls.extra_falls_mean", extra_mean),
};
#undef FP

/* The Poisson CDF the inversion of n_falls walks, summed in the same
 * order (P0 = exp(-mean), then p *= mean / k): the same doubles as the
 * walk computed draw by draw, so the table changes no result. */
static void extra_cdf_table(double cdf[254], double mean, double p0)
{
    double p = p0, sum = p;
    cdf[0] = sum;
    for (unsigned k = 1; k < 254; k++) {
        p *= mean / k;
        sum += p;
        cdf[k] = sum;
    }
}

static int falls_init(os_model *m, void **state, os_err *err)
{
    falls_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "falls: out of memory");
    *state = s;
    const os_cfg *c = m->cfg;
    falls_par p;
    if (os_cfg_read(c, NULL, falls_fields, sizeof falls_fields / sizeof falls_fields[0], &p, err))
        return OS_ECONFIG;
    s->ref_age = p.ref_age;
    s->logit_base[0] = logit(p.base_prob[0]);
    s->logit_base[1] = logit(p.base_prob[1]);
    s->ln_or_decade = log(p.or_decade);
    s->ln_or_grip = log(p.or_grip);
    s->ln_or_gait = log(p.or_gait);
    s->ln_or_prior = log(p.or_prior);
    s->low_grip[0] = (float)p.low_grip[0];
    s->low_grip[1] = (float)p.low_grip[1];
    s->slow_gait = (float)p.slow_gait;
    s->extra_mean = p.extra_mean;
    s->p_zero_extra = exp(-s->extra_mean);
    extra_cdf_table(s->extra_cdf, s->extra_mean, s->p_zero_extra);
    if ((s->col_grip = os_model_column(m, "falls", "grip", OS_COL_F32, err)) < 0 ||
        (s->col_gait = os_model_column(m, "falls", "gait", OS_COL_F32, err)) < 0)
        return OS_ERUN;
    s->col_falls = os_model_add_column(m, "falls", "falls_n", OS_COL_U8, "falls",
                                     "falls during the year (before the step: previous year)",
                                     OS_COL_SNAPSHOT, err);
    if (s->col_falls < 0) return OS_ERUN;
    if ((s->sum_falls = os_summary_column_as(m, "falls", "falls", "falls during the year",
                                             (os_sum_role){OS_ROLE_EVENT, OS_SUM_REPORT, "falls", NULL, NULL},
                                             err)) < 0 ||
        (s->sum_fallers = os_summary_column(m, "fallers", "persons",
                                            "persons falling at least once during the year", err)) < 0)
        return OS_ERUN;
    s->purpose = os_rng_purpose("falls.fall");
    s->purpose_init = os_rng_purpose("falls.history");
    return OS_OK;
}

/* Falls of a faller with uniform U: 1 + Poisson(extra_mean) by inversion,
 * capped at 255. */
static unsigned n_falls(const falls_state *s, double u)
{
    unsigned k = 0;
    while (k < 254 && u > s->extra_cdf[k]) k++;
    return 1 + k;
}

double os_falls_steady_prob(const void *state, int sex, double age,
                            float grip, float gait)
{
    const falls_state *s = state;
    double lp = s->logit_base[sex] + s->ln_or_decade * (age - s->ref_age) / 10.0;
    if (grip < s->low_grip[sex]) lp += s->ln_or_grip;
    if (gait < s->slow_gait) lp += s->ln_or_gait;
    double p0 = 1.0 / (1.0 + exp(-lp)), p1 = 1.0 / (1.0 + exp(-(lp + s->ln_or_prior)));
    return p0 / (1.0 - p1 + p0);
}

/* Exact decision filters of the sweeps below (fastmath.h): a logistic
 * probability from os_ev_exp (relative error < 1e-12, so the probability is
 * off by < 1e-12) decides every draw whose uniform lies further than the
 * margin from it; the draws within it are decided with libm as before. */

/* 1 / (1 + exp(-lp)) from os_ev_exp. */
static inline double logistic_approx(double lp)
{
    return 1.0 / (1.0 + os_ev_exp(-lp));
}

/* The parameters of the log odds of a fall in locals, so that the passes
 * below select them lane by lane (filters only: the exact values are
 * recomputed by the scalar formulas). */
typedef struct odds_coef {
    double base0, base1, slope, ref_age, or_grip, or_gait, or_prior;
    float grip0, grip1, gait;
} odds_coef;

static odds_coef odds_coefs(const falls_state *s)
{
    return (odds_coef){s->logit_base[0], s->logit_base[1], s->ln_or_decade * 0.1, s->ref_age,
                       s->ln_or_grip, s->ln_or_gait, s->ln_or_prior,
                       s->low_grip[0], s->low_grip[1], s->slow_gait};
}

/* The log odds of a fall without the prior-fall term, for the filters. */
static inline double log_odds_approx(const odds_coef *k, int sex, double age, float grip,
                                     float gait)
{
    double lp = (sex ? k->base1 : k->base0) + k->slope * (age - k->ref_age);
    lp += grip < (sex ? k->grip1 : k->grip0) ? k->or_grip : 0.0;
    lp += gait < k->gait ? k->or_gait : 0.0;
    return lp;
}

/* New agents have no recorded history.  Falls follow a two-state chain
 * (fell last year or not) with P(fall) = p0 without and p1 with a prior
 * fall, so an agent entering at the chain's steady state fell last year
 * with probability p0 / (1 - p1 + p0) (os_falls_steady_prob).  Drawing from
 * the steady state, not from p0 alone, keeps fall rates from jumping in the
 * first simulated years.  Grip and gait are set by the muscle module before
 * this hook.
 *
 * A sweep in tiles: the first block of each agent's stream (its two
 * uniforms), the steady probability from os_ev_exp with 1 - p1 formed
 * without cancellation (relative error < 1e-11), then the rare draws near
 * it with libm. */
OS_EV_SWEEP static void falls_init_agents(os_model *m, void *state, os_chunk *c)
{
    falls_state *s = state;
    uint8_t *falls = os_chunk_u8(m, c, s->col_falls);
    const float *grip = os_chunk_f32(m, c, s->col_grip);
    const float *gait = os_chunk_f32(m, c, s->col_gait);
    const odds_coef oc = odds_coefs(s);
    uint32_t w[OS_RNG_TILE * 4];
    double steady[OS_RNG_TILE], near[OS_RNG_TILE];
    for (size_t t0 = 0; t0 < c->n; t0 += OS_RNG_TILE) {
        size_t n = c->n - t0 < OS_RNG_TILE ? c->n - t0 : OS_RNG_TILE;
        os_rng_fill(w, c->id + t0, n, m->seed, (uint32_t)m->year, s->purpose_init, 0, 1);
        const uint8_t *sex = c->sex + t0;
        const float *age = c->age + t0, *gr = grip + t0, *ga = gait + t0;
        for (size_t i = 0; i < n; i++) {
            double lp = log_odds_approx(&oc, sex[i], (double)age[i] - 1.0, gr[i], ga[i]);
            double e1 = os_ev_exp(-(lp + oc.or_prior));
            double p0 = logistic_approx(lp), q1 = e1 / (1.0 + e1);
            steady[i] = p0 / (q1 + p0);
            /* libm's 1 - p1 + p0 is exact up to the rounding of p1 and the
             * sum (a few 1e-16), so its quotient may differ by that over the
             * denominator: the margin scales with it. */
            near[i] = fabs(os_ev_word_uniform(w[i * 4]) - steady[i]) <= OS_FAST_MARGIN / (q1 + p0)
                          ? 1.0 : 0.0;
        }
        for (size_t i = 0; i < n; i++) {
            size_t r = t0 + i;
            if (near[i] != 0.0)
                steady[i] = os_falls_steady_prob(s, c->sex[r], (double)c->age[r] - 1.0, grip[r], gait[r]);
            falls[r] = os_rng_word_uniform(w[i * 4]) < steady[i]
                           ? (uint8_t)n_falls(s, os_rng_word_uniform(w[i * 4 + 1]))
                           : 0;
        }
    }
}

/* The year's falls of the agents of a tile: pass 1 decides who falls from
 * the filter (branch-free, vectorised), pass 2 settles the draws near the
 * threshold with libm and records the fallers (a quarter of agents or
 * fewer: their counts from the second uniform, accumulators and events in
 * agent order, as a row-by-row loop records them). */
OS_EV_SWEEP static void falls_step(os_model *m, void *state, os_chunk *c)
{
    falls_state *s = state;
    uint8_t *falls = os_chunk_u8(m, c, s->col_falls);
    const float *grip = os_chunk_f32(m, c, s->col_grip);
    const float *gait = os_chunk_f32(m, c, s->col_gait);
    const float *iv = os_chunk_find_f32(m, c, "falls", OS_IV_FALL_RR);
    const odds_coef oc = odds_coefs(s);
    uint32_t w[OS_RNG_TILE * 4];
    double fell[OS_RNG_TILE], near[OS_RNG_TILE];
    for (size_t t0 = 0; t0 < c->n; t0 += OS_RNG_TILE) {
        size_t n = c->n - t0 < OS_RNG_TILE ? c->n - t0 : OS_RNG_TILE;
        os_rng_fill(w, c->id + t0, n, m->seed, (uint32_t)m->year, s->purpose, 0, 1);
        const uint8_t *sex = c->sex + t0, *prev = falls + t0;
        const float *age = c->age + t0, *gr = grip + t0, *ga = gait + t0;
        for (size_t i = 0; i < n; i++) {
            double lp = log_odds_approx(&oc, sex[i], (double)age[i], gr[i], ga[i]);
            lp += prev[i] ? oc.or_prior : 0.0;
            double p = logistic_approx(lp), u = os_ev_word_uniform(w[i * 4]);
            fell[i] = u < p ? 1.0 : 0.0;
            near[i] = fabs(u - p) <= OS_FAST_MARGIN ? 1.0 : 0.0;
        }
        if (iv) {
            /* A programme's rate ratio: p rr is off by < 1e-12 rr, so the
             * margin scales with rr. */
            const float *rr = iv + t0;
            for (size_t i = 0; i < n; i++) {
                double lp = log_odds_approx(&oc, sex[i], (double)age[i], gr[i], ga[i]);
                lp += prev[i] ? oc.or_prior : 0.0;
                double p = logistic_approx(lp) * rr[i], u = os_ev_word_uniform(w[i * 4]);
                fell[i] = u < p ? 1.0 : 0.0;
                near[i] = fabs(u - p) <= OS_FAST_MARGIN * (1.0 + fabs((double)rr[i])) ? 1.0 : 0.0;
            }
        }
        for (size_t i = 0; i < n; i++) {
            size_t r = t0 + i;
            if (!c->alive[r]) continue;
            if (near[i] != 0.0) {
                int sx = c->sex[r];
                double lp = s->logit_base[sx] + s->ln_or_decade * ((double)c->age[r] - s->ref_age) / 10.0;
                if (grip[r] < s->low_grip[sx]) lp += s->ln_or_grip;
                if (gait[r] < s->slow_gait) lp += s->ln_or_gait;
                if (falls[r]) lp += s->ln_or_prior;
                double p = 1.0 / (1.0 + exp(-lp));
                if (iv) p *= iv[r];
                fell[i] = os_rng_word_uniform(w[i * 4]) < p;
            }
            if (fell[i] == 0.0) {
                falls[r] = 0;
                continue;
            }
            unsigned nf = n_falls(s, os_rng_word_uniform(w[i * 4 + 1]));
            falls[r] = (uint8_t)nf;
            int band = os_age_band(c->age[r]);
            double wt = c->weight[r];
            os_acc_add(c->acc, c->sex[r], band, s->sum_falls, wt * nf);
            os_acc_add(c->acc, c->sex[r], band, s->sum_fallers, wt);
            for (unsigned k = 0; k < nf; k++)
                os_event_log(c, c->id[r], m->year, OS_EV_FALL, OS_SITE_NONE);
        }
    }
}

static void falls_destroy(void *state)
{
    free(state);
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread falls_reads[] = {
    {"grip", OS_COL_F32, 0},
    {"gait", OS_COL_F32, 0},
    {OS_IV_FALL_RR, OS_COL_F32, OS_READ_OPTIONAL},
    {NULL, 0, 0},
};

const os_module os_mod_falls = {
    .name = "falls",
    .params = falls_params,
    .nparams = sizeof falls_params / sizeof falls_params[0],
    .init = falls_init,
    .init_agents = falls_init_agents,
    .step = falls_step,
    .destroy = falls_destroy,
    .reads = falls_reads,
};
