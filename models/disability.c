/* disability.c - dependence in activities of daily living (ADL) and
 * care-home residence.
 *
 * The u8 column "adl_state" is 0 independent, 1 ADL-dependent at home, 2 in
 * a care home (dependent; absorbing until death).  Each year, with the
 * state at the start of the step:
 *   independent -> dependent with
 *       logit p_bg = logit(onset.prob) + ln(onset.or_per_decade)(age - ref_age)/10
 *                  + ln(onset.or_female)[woman] + ln(onset.or_sarcopenia)[sarcopenia,
 *                    model.sarcopenia_definition] + ln(onset.or_vertebral)[clinical
 *                    vertebral fracture this year]
 *     and, after a hip fracture this year, an independent route onset.hip:
 *       p = 1 - (1 - p_bg)(1 - onset.hip);
 *   independent or dependent -> care home with care_home.hip after a hip
 *     fracture this year; otherwise dependent -> care home with
 *     care_home.prob, and dependent -> independent with recovery.prob.
 * One Philox block per agent and year gives the three uniforms (hip
 * admission, onset or recovery, admission), so a draw never depends on
 * another agent or on the thread layout.  The base population and each
 * year's entrants start dependent or in a care home with the logistic
 * prevalences disability.prevalence.* in age (and sex), so the base year is
 * not empty.  The mortality ratios of the states are applied by
 * excess_mortality.c, their costs and utilities by economics.c
 * (docs/events.md).
 */
#include <math.h>
#include <stdlib.h>

#include "diagnosis.h"
#include "events.h"
#include "rng_fill.h"

#define PR(k, d) {"disability." k, OS_P_REAL, "1", 0, 1, 1, NULL, NULL, d}
#define PY(k, d) {"disability." k, OS_P_REAL, "1/yr", 0, 1, 1, NULL, NULL, d}
#define OR(k, d) {"disability." k, OS_P_REAL, "1", 0.05, 50, 1, NULL, NULL, d}
static const os_param_spec disability_params[] = {
    {"disability.ref_age", OS_P_REAL, "year", 50, 100, 1, NULL, NULL,
     "age at which onset.prob and the prevalences at_ref_age apply"},
    PY("onset.prob", "annual probability of ADL dependence of an independent person at ref_age "
                     "(man, no sarcopenia, no fracture this year)"),
    OR("onset.or_per_decade", "odds ratio of ADL dependence onset per 10 years of age"),
    OR("onset.or_female", "odds ratio of ADL dependence onset, women"),
    OR("onset.or_sarcopenia", "odds ratio of ADL dependence onset with sarcopenia (model.sarcopenia_definition)"),
    OR("onset.or_vertebral", "odds ratio of ADL dependence onset in the year of a clinical vertebral fracture"),
    PR("onset.hip", "probability that a previously independent person is ADL-dependent a year after a hip fracture"),
    PY("recovery.prob", "annual probability that an ADL-dependent person at home regains independence"),
    PY("care_home.prob", "annual probability that an ADL-dependent person at home enters a care home"),
    PR("care_home.hip", "probability of care-home admission in the year of a hip fracture (not yet in one)"),
    PR("prevalence.dependent.at_ref_age", "share ADL-dependent at home at ref_age (men) when entering the model"),
    OR("prevalence.dependent.or_per_decade", "odds ratio of prevalent ADL dependence per 10 years of age"),
    OR("prevalence.dependent.or_female", "odds ratio of prevalent ADL dependence, women"),
    PR("prevalence.care_home.at_ref_age", "share in a care home at ref_age when entering the model"),
    OR("prevalence.care_home.or_per_decade", "odds ratio of care-home residence per 10 years of age"),
};
#undef PR
#undef PY
#undef OR

enum { ADL_INDEPENDENT = 0, ADL_DEPENDENT = 1, ADL_CARE_HOME = 2 };
enum { SUM_DEP, SUM_CARE, SUM_ONSET, SUM_ADMIT, SUM_RECOVER, SUM_N };

/* The disability.* keys as written. */
typedef struct disability_par {
    double ref_age, p_onset, or_decade, or_female, or_sarc, or_vert, p_hip;
    double p_recover, p_care, p_care_hip;
    double prev_dep, prev_dep_or_decade, prev_dep_or_female, prev_care, prev_care_or_decade;
} disability_par;

#define DP(key, member) OS_FIELD("disability." key, disability_par, member, OS_F_REAL)
static const os_field disability_fields[] = {
    DP("ref_age", ref_age), DP("onset.prob", p_onset), DP("onset.or_per_decade", or_decade),
    DP("onset.or_female", or_female), DP("onset.or_sarcopenia", or_sarc),
    DP("onset.or_vertebral", or_vert), DP("onset.hip", p_hip), DP("recovery.prob", p_recover),
    DP("care_home.prob", p_care), DP("care_home.hip", p_care_hip),
    DP("prevalence.dependent.at_ref_age", prev_dep),
    DP("prevalence.dependent.or_per_decade", prev_dep_or_decade),
    DP("prevalence.dependent.or_female", prev_dep_or_female),
    DP("prevalence.care_home.at_ref_age", prev_care),
    DP("prevalence.care_home.or_per_decade", prev_care_or_decade),
};
#undef DP

typedef struct disability_state {
    disability_par p;
    /* log odds: intercepts at ref_age and ln(OR) terms */
    double lo_onset, ln_decade, ln_female, ln_sarc, ln_vert;
    double lo_dep, ln_dep_decade, ln_dep_female, lo_care, ln_care_decade;
    int col_state, col_flags, col_dx;
    uint16_t sarc;
    int sum[SUM_N];
    uint32_t purpose, purpose_init;
} disability_state;

/* log(p / (1 - p)), with the bounds 0 and 1 kept as +-inf so that a
 * switched-off route (p = 0) never fires and p = 1 always does. */
static double adl_logit(double p)
{
    return p <= 0.0 ? -INFINITY : p >= 1.0 ? INFINITY : log(p / (1.0 - p));
}

static double adl_expit(double lo)
{
    return 1.0 / (1.0 + exp(-lo));
}

static int disability_summaries(os_model *m, disability_state *s, os_err *err)
{
    static const char *const names[SUM_N] = {
        "adl_dependent", "care_home", "adl_onsets", "care_home_admissions", "adl_recoveries"};
    static const char *const desc[SUM_N] = {
        "persons ADL-dependent, at home or in a care home (1 July)",
        "persons living in a care home (1 July; part of adl_dependent)",
        "new ADL dependence during the year (independent -> dependent at home or care home)",
        "care-home admissions during the year (from home, dependent or not)",
        "ADL-dependent persons at home regaining independence during the year"};
    const os_sum_role roles[SUM_N] = {
        {OS_ROLE_PREVALENCE, OS_SUM_REPORT, NULL, NULL, NULL},
        {OS_ROLE_PREVALENCE, OS_SUM_REPORT, NULL, NULL, NULL},
        {OS_ROLE_EVENT, 0, "adl_onsets", NULL, NULL},
        {OS_ROLE_EVENT, 0, "care_home_admissions", NULL, NULL},
        {OS_ROLE_OTHER, 0, NULL, NULL, NULL}};
    for (int k = 0; k < SUM_N; k++)
        if ((s->sum[k] = os_summary_column_as(m, names[k], "persons", desc[k], roles[k], err)) < 0)
            return OS_ERUN;
    return OS_OK;
}

static int disability_init(os_model *m, void **state, os_err *err)
{
    disability_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "disability: out of memory");
    *state = s;
    disability_par *p = &s->p;
    if (os_cfg_read(m->cfg, NULL, disability_fields, sizeof disability_fields / sizeof disability_fields[0],
                    p, err))
        return OS_ECONFIG;
    s->lo_onset = adl_logit(p->p_onset);
    s->ln_decade = log(p->or_decade);
    s->ln_female = log(p->or_female);
    s->ln_sarc = log(p->or_sarc);
    s->ln_vert = log(p->or_vert);
    s->lo_dep = adl_logit(p->prev_dep);
    s->ln_dep_decade = log(p->prev_dep_or_decade);
    s->ln_dep_female = log(p->prev_dep_or_female);
    s->lo_care = adl_logit(p->prev_care);
    s->ln_care_decade = log(p->prev_care_or_decade);
    s->sarc = os_dx_outcome_flags(m->cfg).sarc;
    if ((s->col_flags = os_model_column(m, "disability", "fx_flags", OS_COL_U8, err)) < 0 ||
        (s->col_dx = os_model_column(m, "disability", "dx", OS_COL_U16, err)) < 0)
        return OS_ERUN;
    s->col_state = os_model_add_column(m, "disability", "adl_state", OS_COL_U8, "code",
                                       "ADL state: 0 independent, 1 ADL-dependent at home, 2 in a care home",
                                       OS_COL_SNAPSHOT, err);
    if (s->col_state < 0) return OS_ERUN;
    s->purpose = os_rng_purpose("disability.transition");
    s->purpose_init = os_rng_purpose("disability.initial");
    return disability_summaries(m, s, err);
}

/* Entering agents: in a care home with the care-home prevalence of their
 * age, else dependent at home with the dependence prevalence (first and
 * second word of the stream's first block). */
static void disability_init_agents(os_model *m, void *state, os_chunk *c)
{
    disability_state *s = state;
    uint8_t *st = os_chunk_u8(m, c, s->col_state);
    uint32_t w[OS_RNG_TILE * 4];
    for (size_t t0 = 0; t0 < c->n; t0 += OS_RNG_TILE) {
        size_t n = c->n - t0 < OS_RNG_TILE ? c->n - t0 : OS_RNG_TILE;
        os_rng_fill(w, c->id + t0, n, m->seed, (uint32_t)m->year, s->purpose_init, 0, 1);
        for (size_t i = 0; i < n; i++) {
            size_t r = t0 + i;
            double x = ((double)c->age[r] - s->p.ref_age) / 10.0;
            double p_care = adl_expit(s->lo_care + s->ln_care_decade * x);
            double p_dep = adl_expit(s->lo_dep + s->ln_dep_decade * x +
                                     (c->sex[r] == 0 ? s->ln_dep_female : 0.0));
            st[r] = os_rng_word_uniform(w[i * 4]) < p_care ? ADL_CARE_HOME
                  : os_rng_word_uniform(w[i * 4 + 1]) < p_dep ? ADL_DEPENDENT : ADL_INDEPENDENT;
        }
    }
}

/* The stock at 1 July: every dependent person, and care-home residents
 * (dependent by definition) again on their own. */
static void disability_census(os_model *m, void *state, os_chunk *c)
{
    disability_state *s = state;
    const uint8_t *st = os_chunk_u8(m, c, s->col_state);
    for (size_t r = 0; r < c->n; r++) {
        if (!c->alive[r] || st[r] == ADL_INDEPENDENT) continue;
        int band = os_age_band(c->age[r]);
        os_acc_add(c->acc, c->sex[r], band, s->sum[SUM_DEP], (double)c->weight[r]);
        if (st[r] == ADL_CARE_HOME)
            os_acc_add(c->acc, c->sex[r], band, s->sum[SUM_CARE], (double)c->weight[r]);
    }
}

/* The year's transition of one agent from state ST with uniforms U[0..2];
 * returns the new state. */
static int adl_next(const disability_state *s, int st, const double *u, double age, int female,
                    uint16_t dx, uint8_t f)
{
    int hip = (f & OS_FX_THIS_YEAR(OS_SITE_HIP)) != 0;
    if (st == ADL_CARE_HOME) return st;
    if (hip && u[0] < s->p.p_care_hip) return ADL_CARE_HOME;
    if (st == ADL_DEPENDENT) {
        if (u[2] < s->p.p_care) return ADL_CARE_HOME;
        return u[1] < s->p.p_recover ? ADL_INDEPENDENT : ADL_DEPENDENT;
    }
    double lo = s->lo_onset + s->ln_decade * (age - s->p.ref_age) / 10.0;
    if (female) lo += s->ln_female;
    if (dx & s->sarc) lo += s->ln_sarc;
    if (f & OS_FX_THIS_YEAR(OS_SITE_VERTEBRAL)) lo += s->ln_vert;
    double p = adl_expit(lo);
    if (hip) p = 1.0 - (1.0 - p) * (1.0 - s->p.p_hip);
    return u[1] < p ? ADL_DEPENDENT : ADL_INDEPENDENT;
}

static void disability_step(os_model *m, void *state, os_chunk *c)
{
    disability_state *s = state;
    uint8_t *st = os_chunk_u8(m, c, s->col_state);
    const uint8_t *flags = os_chunk_u8(m, c, s->col_flags);
    const uint16_t *dx = os_chunk_u16(m, c, s->col_dx);
    uint32_t w[OS_RNG_TILE * 4];
    for (size_t t0 = 0; t0 < c->n; t0 += OS_RNG_TILE) {
        size_t n = c->n - t0 < OS_RNG_TILE ? c->n - t0 : OS_RNG_TILE;
        os_rng_fill(w, c->id + t0, n, m->seed, (uint32_t)m->year, s->purpose, 0, 1);
        for (size_t i = 0; i < n; i++) {
            size_t r = t0 + i;
            if (!c->alive[r] || st[r] == ADL_CARE_HOME) continue;
            double u[3] = {os_rng_word_uniform(w[i * 4]), os_rng_word_uniform(w[i * 4 + 1]),
                           os_rng_word_uniform(w[i * 4 + 2])};
            int from = st[r];
            int to = adl_next(s, from, u, (double)c->age[r], c->sex[r] == 0, dx[r], flags[r]);
            if (to == from) continue;
            st[r] = (uint8_t)to;
            int band = os_age_band(c->age[r]), k = to == ADL_CARE_HOME ? SUM_ADMIT
                                                  : to == ADL_DEPENDENT ? SUM_ONSET : SUM_RECOVER;
            double wt = (double)c->weight[r];
            os_acc_add(c->acc, c->sex[r], band, s->sum[k], wt);
            if (from == ADL_INDEPENDENT && to == ADL_CARE_HOME)
                os_acc_add(c->acc, c->sex[r], band, s->sum[SUM_ONSET], wt);
        }
    }
}

static void disability_destroy(void *state)
{
    free(state);
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread disability_reads[] = {
    {"fx_flags", OS_COL_U8, 0},
    {"dx", OS_COL_U16, 0},
    {NULL, 0, 0},
};

const os_module os_mod_disability = {
    .name = "disability",
    .params = disability_params,
    .nparams = sizeof disability_params / sizeof disability_params[0],
    .init = disability_init,
    .init_agents = disability_init_agents,
    .census = disability_census,
    .step = disability_step,
    .destroy = disability_destroy,
    .reads = disability_reads,
};
