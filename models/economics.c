/* economics.c - costs, life-years and QALYs (runs last in the step pass).
 *
 * Per agent and year (all prices in economics.currency at
 * economics.price_year prices):
 *   cost = sum over sites fractured this year of cost.fracture.<site>
 *          (acute episode, inpatient stay included)
 *        + falls * cost.fall (medical attention for a fall)
 *        + hosp_other_days * cost.hospital_day (non-fracture stays)
 *        + cost.adl_dependent * LY when ADL-dependent at home, or
 *          cost.care_home * LY in a care home (adl_state of
 *          models/disability.c after this year's transitions; formal care
 *          paid by the health and long-term care system, informal family
 *          care excluded)
 *   LY   = 1 if alive at the end of the step, life_year_at_death if died
 *   QALY = LY * (u(age, sex) - sarcopenia_decrement [model.sarcopenia_definition])
 *             * F, F = product of fracture multipliers (first year for
 *               sites fractured this year, later_years for earlier ones);
 *               in an ADL state F = min(F, utility.adl_dependent or
 *               utility.care_home): the fracture multipliers already hold
 *               the loss of independence some fractures cause, so the two
 *               are not multiplied
 * Discounted values divide by (1 + discount_rate)^(year - start_year).
 * Also counts hip_fracture_deaths (deaths in the year of a hip fracture,
 * for the 1-year case fatality target) and logs death events.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"
#include "events.h"
#include "interventions.h"

#define COST(k, what) {"economics.cost." k, OS_P_REAL, "$economics.currency", 0, 1e8, 1, NULL, NULL, what}
#define UFX(s) \
    {"economics.utility.fracture." s ".first_year", OS_P_REAL, "1", 0, 1.5, 1, NULL, NULL, \
     "utility multiplier in the year of a " s " fracture"}, \
    {"economics.utility.fracture." s ".later_years", OS_P_REAL, "1", 0, 1.5, 1, NULL, NULL, \
     "utility multiplier in years after a " s " fracture"}

static const os_param_spec economics_params[] = {
    /* Cost units are declared "$economics.currency": they follow it. */
    {"economics.currency", OS_P_STRING, NULL, 1.0, 0.0, 1, NULL, NULL,
     "currency of all costs: an ISO 4217 code (CNY, JPY, EUR, ...); every cost's unit is it"},
    {"economics.price_year", OS_P_INT, "year", 1990, 2100, 1, NULL, NULL, "price year of all costs"},
    {"economics.discount_rate", OS_P_REAL, "1/yr", 0, 0.2, 1, NULL, NULL,
     "annual discount rate of costs and QALYs from run.start_year"},
    {"economics.life_year_at_death", OS_P_REAL, "year", 0, 1, 1, NULL, NULL,
     "life-years counted in the year of death"},
    COST("fracture.hip", "cost of a hip fracture episode"),
    COST("fracture.vertebral", "cost of a clinical vertebral fracture episode"),
    COST("fracture.wrist", "cost of a wrist/forearm fracture episode"),
    COST("fracture.other", "cost of another major osteoporotic fracture episode"),
    COST("fall", "medical cost per fall (fracture treatment excluded)"),
    COST("hospital_day", "cost per non-fracture inpatient day"),
    {"economics.cost.adl_dependent", OS_P_REAL, "$economics.currency/yr", 0, 1e8, 1, NULL, NULL,
     "annual formal-care cost of an ADL-dependent person living at home"},
    {"economics.cost.care_home", OS_P_REAL, "$economics.currency/yr", 0, 1e8, 1, NULL, NULL,
     "annual cost of a care-home place"},
    {"economics.utility.adl_dependent", OS_P_REAL, "1", 0, 1.5, 1, NULL, NULL,
     "utility multiplier of ADL dependence at home"},
    {"economics.utility.care_home", OS_P_REAL, "1", 0, 1.5, 1, NULL, NULL,
     "utility multiplier of care-home residence (ADL-dependent)"},
    {"economics.utility.female.age50", OS_P_REAL, "1", -0.6, 1, 1, NULL, NULL, "population utility, women aged 50"},
    {"economics.utility.female.per_year", OS_P_REAL, "1/yr", -0.1, 0.1, 1, NULL, NULL, "change of utility per year of age, women"},
    {"economics.utility.male.age50", OS_P_REAL, "1", -0.6, 1, 1, NULL, NULL, "population utility, men aged 50"},
    {"economics.utility.male.per_year", OS_P_REAL, "1/yr", -0.1, 0.1, 1, NULL, NULL, "change of utility per year of age, men"},
    {"economics.utility.sarcopenia_decrement", OS_P_REAL, "1", 0, 1, 1, NULL, NULL,
     "utility decrement of sarcopenia (model.sarcopenia_definition)"},
    UFX("hip"), UFX("vertebral"), UFX("wrist"), UFX("other"),
    {"economics.gdp_per_person", OS_P_REAL, "$economics.currency", 0, 1e9, 0, NULL, NULL,
     "GDP per person in the price year, for willingness-to-pay thresholds"},
    {"economics.wtp_multiples", OS_P_REAL_LIST, "1", 0, 1000, 0, "[1, 2, 3]", NULL,
     "willingness-to-pay thresholds per QALY as multiples of economics.gdp_per_person"},
    {"economics.horizon", OS_P_STRING, NULL, 1.0, 0.0, 0, "calendar", "calendar|lifetime",
     "calendar: costs and QALYs of run.start_year..run.end_year (/economics); lifetime: also "
     "follow everyone alive after run.end_year to death (/economics_lifetime)"},
    {"economics.lifetime_max_years", OS_P_INT, "year", 1, 150, 0, "80", NULL,
     "most years after run.end_year a lifetime horizon follows the survivors (it stops earlier "
     "when all have died)"},
};

/* Reference age of the utility regression (economics.utility.*.age50 and
 * per_year are defined against it). */
#define ECON_UTILITY_REF_AGE 50

enum { S_COST, S_COST_D, S_LY, S_LY_D, S_QALY, S_QALY_D, S_HIPDEATHS, S_N };

typedef struct economics_state {
    int start_year;
    double rate, ly_death;
    double c_fx[OS_NFX_SITES], c_fall, c_day, c_state[3];
    double u50[2], uslope[2], u_sarc, mult1[OS_NFX_SITES], mult2[OS_NFX_SITES], u_state[3];
    int col_falls, col_flags, col_days, col_dx, col_adl;
    int col_qaly;                   /* run.mode cohort: this year's QALY */
    uint16_t sarc;                  /* dx flag of the outcome definition */
    int col_iv_cost, col_iv_qloss;  /* the arm's programmes, or -1 */
    int sum[S_N];
} economics_state;

double os_discount_factor(double rate, int start_year, int year)
{
    return pow(1.0 + rate, -(double)(year - start_year));
}

/* The economics.* keys as written (economics_init derives the state). */
typedef struct economics_par {
    double rate, ly_death, c_fx[OS_NFX_SITES], mult1[OS_NFX_SITES], mult2[OS_NFX_SITES];
    double c_fall, c_day, c_dep, c_care, u_dep, u_care, u50[2], uslope[2], u_sarc;
    const char *currency;
    int price_year;
    int horizon, lifetime_max_years;   /* horizon: 0 calendar, 1 lifetime */
} economics_par;

#define EP(key, member, type) OS_FIELD("economics." key, economics_par, member, type)
#define EP_SITE(k, site) \
    EP("cost.fracture." site, c_fx[k], OS_F_REAL), \
    EP("utility.fracture." site ".first_year", mult1[k], OS_F_REAL), \
    EP("utility.fracture." site ".later_years", mult2[k], OS_F_REAL)
static const os_field economics_fields[] = {
    EP("discount_rate", rate, OS_F_REAL), EP("life_year_at_death", ly_death, OS_F_REAL),
    EP_SITE(0, "hip"), EP_SITE(1, "vertebral"), EP_SITE(2, "wrist"), EP_SITE(3, "other"),
    EP("cost.fall", c_fall, OS_F_REAL), EP("cost.hospital_day", c_day, OS_F_REAL),
    EP("cost.adl_dependent", c_dep, OS_F_REAL), EP("cost.care_home", c_care, OS_F_REAL),
    EP("utility.adl_dependent", u_dep, OS_F_REAL), EP("utility.care_home", u_care, OS_F_REAL),
    EP("utility.female.age50", u50[0], OS_F_REAL), EP("utility.female.per_year", uslope[0], OS_F_REAL),
    EP("utility.male.age50", u50[1], OS_F_REAL), EP("utility.male.per_year", uslope[1], OS_F_REAL),
    EP("utility.sarcopenia_decrement", u_sarc, OS_F_REAL),
    EP("currency", currency, OS_F_STR), EP("price_year", price_year, OS_F_INT),
    EP("horizon", horizon, OS_F_CHOICE), EP("lifetime_max_years", lifetime_max_years, OS_F_INT),
};
#undef EP_SITE
#undef EP

/* Arms are compared at economics.wtp_multiples x economics.gdp_per_person
 * per QALY (none without gdp_per_person). */
static int economics_thresholds(os_model *m, os_err *err)
{
    const double *mult;
    size_t n = os_cfg_real_list(m->cfg, "economics.wtp_multiples", &mult);
    int has = os_cfg_has(m->cfg, "economics.gdp_per_person");
    double gdp = has ? os_cfg_real(m->cfg, "economics.gdp_per_person") : 0;
    int k = !has ? 0 : n < OS_MAX_WTP ? (int)n : OS_MAX_WTP;
    return os_model_set_wtp(m, gdp, mult, k, "economics.gdp_per_person", "economics.wtp_multiples", err);
}

/* economics.currency is an ISO 4217 code: three capital letters. */
static int economics_validate(const os_cfg *cfg, os_err *err)
{
    const char *c = os_cfg_str(cfg, "economics.currency");
    int ok = strlen(c) == 3;
    for (int i = 0; ok && i < 3; i++) ok = c[i] >= 'A' && c[i] <= 'Z';
    if (!ok)
        return os_fail(err, OS_ECONFIG, "%s: economics.currency: '%s' is not an ISO 4217 code "
                       "(three capital letters, e.g. CNY, JPY, EUR)",
                       os_cfg_origin(cfg, "economics.currency"), c);
    return OS_OK;
}

/* The state's copies of the keys as written. */
static void economics_set(economics_state *s, const economics_par *pp)
{
    const economics_par p = *pp;
    s->rate = p.rate;
    s->ly_death = p.ly_death;
    for (int k = 0; k < OS_NFX_SITES; k++) {
        s->c_fx[k] = p.c_fx[k];
        s->mult1[k] = p.mult1[k];
        s->mult2[k] = p.mult2[k];
    }
    s->c_fall = p.c_fall;
    s->c_day = p.c_day;
    /* by adl_state (models/disability.c): 0 independent, 1 dependent, 2 care home */
    s->c_state[1] = p.c_dep;
    s->c_state[2] = p.c_care;
    s->u_state[1] = p.u_dep;
    s->u_state[2] = p.u_care;
    s->u50[0] = p.u50[0];
    s->uslope[0] = p.uslope[0];
    s->u50[1] = p.u50[1];
    s->uslope[1] = p.uslope[1];
    s->u_sarc = p.u_sarc;
}

static int economics_init(os_model *m, void **state, os_err *err)
{
    economics_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "economics: out of memory");
    *state = s;
    const os_cfg *c = m->cfg;
    economics_par p;
    if (os_cfg_read(c, NULL, economics_fields, sizeof economics_fields / sizeof economics_fields[0], &p,
                    err))
        return OS_ECONFIG;
    /* The lifetime horizon: the engine follows the survivors to death. */
    if (p.horizon == 1) os_model_follow_survivors(m, p.lifetime_max_years);
    s->start_year = m->start_year;
    economics_set(s, &p);
    s->sarc = os_dx_outcome_flags(c).sarc;
    if ((s->col_falls = os_model_column(m, "economics", "falls_n", OS_COL_U8, err)) < 0 ||
        (s->col_flags = os_model_column(m, "economics", "fx_flags", OS_COL_U8, err)) < 0 ||
        (s->col_days = os_model_column(m, "economics", "hosp_other_days", OS_COL_U8, err)) < 0 ||
        (s->col_dx = os_model_column(m, "economics", "dx", OS_COL_U16, err)) < 0 ||
        (s->col_adl = os_model_column(m, "economics", "adl_state", OS_COL_U8, err)) < 0)
        return OS_ERUN;
    if ((s->col_iv_cost = os_model_column_opt(m, "economics", OS_IV_COST, OS_COL_F32, err)) < -1 ||
        (s->col_iv_qloss = os_model_column_opt(m, "economics", OS_IV_QALY_LOSS, OS_COL_F32, err)) < -1)
        return OS_ERUN;
    if ((s->col_iv_cost < 0) != (s->col_iv_qloss < 0))
        return os_fail(err, OS_ERUN, "economics: the programme columns %s and %s exist only together",
                       OS_IV_COST, OS_IV_QALY_LOSS);
    /* Closed cohorts sum each person's QALYs to death (models/lifetime.c). */
    s->col_qaly = -1;
    if (m->closed &&
        (s->col_qaly = os_model_add_column(m, "economics", "qaly_year", OS_COL_F32, "QALY",
                                         "quality-adjusted life-years lived this year (undiscounted)",
                                         0, err)) < 0)
        return OS_ERUN;
    static const char *const names[S_N] = {
        "cost", "cost_discounted", "life_years", "life_years_discounted", "qaly", "qaly_discounted",
        "hip_fracture_deaths"};
    /* Costs are in the configured currency at the configured price year. */
    char money[48], cost_desc[160], costd_desc[160];
    snprintf(money, sizeof money, "%s", p.currency);
    long price_year = p.price_year;
    snprintf(cost_desc, sizeof cost_desc,
             "costs of fractures, falls, hospital days, home care, care homes and programmes, %s at %ld prices",
             money, price_year);
    snprintf(costd_desc, sizeof costd_desc,
             "cost (%s at %ld prices) discounted to run.start_year at economics.discount_rate", money, price_year);
    const char *const units[S_N] = {money, money, "years", "years", "QALY", "QALY", "persons"};
    const char *const desc[S_N] = {
        cost_desc,
        costd_desc,
        "life-years lived during the year",
        "life-years discounted to run.start_year at economics.discount_rate",
        "quality-adjusted life-years during the year",
        "QALYs discounted to run.start_year at economics.discount_rate",
        "deaths in the year of a hip fracture"};
    const os_sum_role roles[S_N] = {
        {OS_ROLE_COST, OS_SUM_REPORT | OS_SUM_MC_ERROR, "cost", NULL, NULL},
        {OS_ROLE_COST, OS_SUM_DISCOUNTED, "cost", NULL, NULL},
        {OS_ROLE_LIFE_YEARS, 0, "life_years", NULL, NULL},
        {OS_ROLE_LIFE_YEARS, OS_SUM_DISCOUNTED, "life_years", NULL, NULL},
        {OS_ROLE_UTILITY, OS_SUM_REPORT | OS_SUM_MC_ERROR, "qaly", NULL, NULL},
        {OS_ROLE_UTILITY, OS_SUM_DISCOUNTED, "qaly", NULL, NULL},
        {OS_ROLE_OTHER, 0, NULL, NULL, NULL}};   /* part of the deaths: not an event kind of its own */
    for (int i = 0; i < S_N; i++)
        if ((s->sum[i] = os_summary_column_as(m, names[i], units[i], desc[i], roles[i], err)) < 0) return OS_ERUN;
    return economics_thresholds(m, err);
}

/* One agent's cost of the year and its utility per life-year. */
static double econ_agent(const economics_state *s, int sex, double age, uint8_t f, unsigned falls,
                         unsigned days, uint16_t dx, unsigned adl, double ly, double *util)
{
    double cost = falls * s->c_fall + days * s->c_day;
    double u = s->u50[sex] + s->uslope[sex] * (age - ECON_UTILITY_REF_AGE);
    if (dx & s->sarc) u -= s->u_sarc;
    double fm = 1.0;
    for (int k = 0; k < OS_NFX_SITES; k++) {
        if (f & OS_FX_THIS_YEAR(k)) {
            cost += s->c_fx[k];
            fm *= s->mult1[k];
        } else if (f & OS_FX_EVER(k)) {
            fm *= s->mult2[k];
        }
    }
    if (adl == 1 || adl == 2) {
        cost += s->c_state[adl] * ly;
        if (s->u_state[adl] < fm) fm = s->u_state[adl];
    }
    *util = u * fm;
    return cost;
}

static void economics_step(os_model *m, void *state, os_chunk *c)
{
    economics_state *s = state;
    const uint8_t *falls = os_chunk_u8(m, c, s->col_falls);
    const uint8_t *flags = os_chunk_u8(m, c, s->col_flags);
    const uint8_t *days = os_chunk_u8(m, c, s->col_days);
    const uint16_t *dx = os_chunk_u16(m, c, s->col_dx);
    const uint8_t *adl = os_chunk_u8(m, c, s->col_adl);
    double disc = os_discount_factor(s->rate, s->start_year, m->year);
    /* (looked up at init: a lookup by name per chunk was a visible cost) */
    const float *iv_cost = s->col_iv_cost >= 0 ? os_chunk_f32(m, c, s->col_iv_cost) : NULL;
    const float *iv_qloss = s->col_iv_qloss >= 0 ? os_chunk_f32(m, c, s->col_iv_qloss) : NULL;
    float *qaly_year = s->col_qaly >= 0 ? OS_CHUNK_COL(m, c, float, s->col_qaly) : NULL;
    for (size_t r = 0; r < c->n; r++) {
        int sex = c->sex[r], band = os_age_band(c->age[r]);
        double w = c->weight[r];
        double ly = c->alive[r] ? 1.0 : s->ly_death;
        uint8_t f = flags[r];
        double u;
        double cost = econ_agent(s, sex, (double)c->age[r], f, falls[r], days[r], dx[r], adl[r], ly, &u);
        double q = ly * u;
        if (iv_cost) {   /* the arm's programmes (interventions.h) */
            cost += iv_cost[r];
            q -= iv_qloss[r];
        }
        if (qaly_year) qaly_year[r] = (float)q;
        os_acc *a = c->acc;
        os_acc_add(a, sex, band, s->sum[S_COST], w * cost);
        os_acc_add(a, sex, band, s->sum[S_COST_D], w * cost * disc);
        os_acc_add(a, sex, band, s->sum[S_LY], w * ly);
        os_acc_add(a, sex, band, s->sum[S_LY_D], w * ly * disc);
        os_acc_add(a, sex, band, s->sum[S_QALY], w * q);
        os_acc_add(a, sex, band, s->sum[S_QALY_D], w * q * disc);
        if (!c->alive[r]) {
            int hip = (f & OS_FX_THIS_YEAR(OS_SITE_HIP)) != 0;
            if (hip) os_acc_add(a, sex, band, s->sum[S_HIPDEATHS], w);
            int site = hip ? OS_SITE_HIP
                     : (f & OS_FX_THIS_YEAR(OS_SITE_VERTEBRAL)) ? OS_SITE_VERTEBRAL : OS_SITE_NONE;
            os_event_log(c, c->id[r], m->year, OS_EV_DEATH, site);
        }
    }
}

static void economics_destroy(void *state)
{
    free(state);
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread economics_reads[] = {
    {"falls_n", OS_COL_U8, 0},
    {"fx_flags", OS_COL_U8, 0},
    {"hosp_other_days", OS_COL_U8, 0},
    {"dx", OS_COL_U16, 0},
    {"adl_state", OS_COL_U8, 0},
    {OS_IV_COST, OS_COL_F32, OS_READ_OPTIONAL},
    {OS_IV_QALY_LOSS, OS_COL_F32, OS_READ_OPTIONAL},
    {NULL, 0, 0},
};

const os_module os_mod_economics = {
    .name = "economics",
    /* The labels of every module's events (falls, fractures, hospital,
     * deaths) share one code table, models/events.h. */
    .event_types = OS_EVENT_TYPE_LABELS,
    .event_sites = OS_EVENT_SITE_LABELS,
    .params = economics_params,
    .nparams = sizeof economics_params / sizeof economics_params[0],
    .init = economics_init,
    .step = economics_step,
    .validate = economics_validate,
    .destroy = economics_destroy,
    .reads = economics_reads,
};
