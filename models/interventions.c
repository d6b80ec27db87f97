/* interventions.c - programmes of an arm: who is reached, found, started,
 * kept on and stopped, and what that does this year (interventions.h).
 *
 * A programme (programmes.<name> in the configuration; docs/programmes.md)
 * reaches a fixed share `coverage` of the people it is meant for: each
 * person draws once, for life, whether the programme reaches them and
 * whether they would start when offered (`uptake`).  The same person draws
 * the same way in every arm, so a larger coverage treats a superset.
 *
 * Each year of the programme (start_year..end_year), a reached person who
 * is not on it and meets the demographic criteria (age, sex) is offered it
 * when the clinical criteria (diagnosis, T-score, prior fracture) are met:
 * as known (finding.method none), or after a positive screen (dxa, ct_ai:
 * screening rounds every finding.interval years, attended with probability
 * finding.attendance, positive with the test's sensitivity / 1 -
 * specificity, or, with finding.accuracy error_model, when the measured
 * T-score is at or below a cut-off: measurement.h).  People on a programme get its effects scaled by
 * `adherence`; they stop with probability `discontinuation` each year, after
 * max_years, or when the programme ends.  Changes of BMD, muscle mass and
 * strength apply while on the programme (in its first effects.change_years
 * years); after stopping they end at once (gains are kept and then lost at
 * the person's own rate), the rate ratios fade linearly to none over
 * after_stop.offset_years, and a rebound BMD change (denosumab) applies for
 * after_stop.rebound_years.  A person who stopped is offered the programme
 * again after after_stop.reoffer_years (once fading and rebound are over;
 * default never), and starts again if still eligible: the per-person
 * draws are for life, so someone who declined once declines again.
 *
 * Effects of several programmes combine: rate changes add, ratios multiply.
 * Costs: per_start once, per_year each year on the programme, finding.cost
 * per screen, adverse-event costs; adverse events also cost QALYs and may
 * kill (case_fatality; iv_adverse.h).
 */
#include "interventions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demography.h"
#include "diagnosis.h"
#include "events.h"
#include "iv_adverse.h"
#include "iv_course.h"
#include "iv_riskfactor.h"
#include "measurement.h"
#include "physiology.h"
#include "res_types.h"
#include "rng_fill.h"

#define MAX_PROG 8      /* bits of iv_found; OS_MAX_ARM_PROGRAMMES */
#define MAX_AE IV_MAX_AE
#define IV_PROB_AGES 151   /* whole years of age 0..150 of the death-probability table */

static const char *const site_key[OS_NFX_SITES] = {"hip", "vertebral", "wrist", "other"};

#define UNB 1.0, 0.0
#define RATE(k, d) {k, OS_P_REAL, "1/yr", -0.5, 0.5, 0, "0", NULL, d}
#define RR(k, d) {k, OS_P_REAL, "1", 0.0, 20.0, 0, "1", NULL, d}
#define FRAC(k, req, d) {k, OS_P_REAL, "1", 0.0, 1.0, req, NULL, NULL, d}

/* Keys of one programme, declared under programmes.<name>. */
static const os_param_spec prog_params[] = {
    {"label", OS_P_STRING, NULL, UNB, 1, NULL, NULL, "name with dose and frequency"},
    {"type", OS_P_STRING, NULL, UNB, 1, NULL, "exercise|nutrition|drug|hormone|tcm|exploratory",
     "kind of programme"},
    {"evidence", OS_P_STRING, NULL, UNB, 1, NULL, "A|B|C|D|preclinical",
     "evidence grade: A RCT meta-analyses with clinical outcomes, B RCTs with surrogate outcomes, "
     "C observational or small trials, D expert opinion, preclinical animal or cell studies only"},
    {"source", OS_P_STRING, NULL, UNB, 1, NULL, NULL, "main references"},
    {"notes", OS_P_STRING, NULL, UNB, 0, "", NULL, "assumptions; effects without evidence"},
    {"start_year", OS_P_INT, "year", 1950, 2200, 1, NULL, NULL, "first year people can start"},
    {"end_year", OS_P_INT, "year", 1950, 2200, 0, NULL, NULL,
     "last year of the programme (default: the run's end); people on it stop then"},
    {"eligibility.age_min", OS_P_REAL, "year", 0, 150, 0, "50", NULL, "youngest age offered"},
    {"eligibility.age_max", OS_P_REAL, "year", 0, 200, 0, "200", NULL, "oldest age offered"},
    {"eligibility.sex", OS_P_STRING, NULL, UNB, 0, "any", "any|female|male", "sex offered"},
    {"eligibility.diagnosis", OS_P_STRING, NULL, UNB, 0, "any",
     "any|osteoporosis|osteopenia_or_worse|not_osteoporosis|sarcopenia|osteosarcopenia",
     "diagnosis required (WHO at the femoral neck; sarcopenia by eligibility.definition)"},
    {"eligibility.definition", OS_P_STRING, NULL, UNB, 0, "awgs2019", "awgs2019|ewgsop2",
     "sarcopenia definition used by eligibility.diagnosis"},
    {"eligibility.tscore_max", OS_P_REAL, "1", -10, 5, 0, NULL, NULL,
     "offered only at a femoral-neck T-score at or below this"},
    {"eligibility.prior_fracture", OS_P_STRING, NULL, UNB, 0, "any", "any|yes|no",
     "prior fragility fracture required (yes) or excluded (no)"},
    {"eligibility.fracture_probability_min", OS_P_REAL, "1", 0, 1, 0, NULL, NULL,
     "offered only at a FRAX-like 10-year fracture probability at or above this (the model's own risk "
     "factors: os_fx_prob10)"},
    {"eligibility.fracture_probability_sites", OS_P_STRING, NULL, UNB, 0, "major", "major|hip",
     "sites of that probability: major (hip, clinical vertebral, wrist, other) or hip"},
    {"eligibility.vitamin_d_max", OS_P_REAL, "nmol/L", 0, 500, 0, NULL, NULL,
     "offered only at a serum 25(OH)D below this (e.g. 50: deficiency)"},
    {"eligibility.sedentary", OS_P_STRING, NULL, UNB, 0, "any", "any|yes|no",
     "sedentary people only (yes) or active people only (no)"},
    {"eligibility.smoking", OS_P_STRING, NULL, UNB, 0, "any", "any|current|not_current",
     "current smokers only, or people who do not smoke now"},
    {"eligibility.protein_max", OS_P_REAL, "g/kg/d", 0, 5, 0, NULL, NULL,
     "offered only at a protein intake below this (e.g. 1.0: below the requirement)"},
    {"finding.method", OS_P_STRING, NULL, UNB, 0, "none", "none|dxa|ct_ai|sarc_f|calf|sarc_calf",
     "how people meeting the clinical criteria are found: as known, DXA or CT screening, or "
     "sarcopenia case-finding by SARC-F, calf circumference or SARC-CalF"},
    {"finding.interval", OS_P_INT, "year", 1, 100, 0, NULL, NULL, "years between screening rounds"},
    FRAC("finding.attendance", 0, "probability that a reached person is screened in a round"),
    FRAC("finding.sensitivity", 0, "probability that a screen finds a person meeting the criteria"),
    FRAC("finding.specificity", 0, "probability that a screen clears a person not meeting them"),
    {"finding.cost", OS_P_REAL, "$economics.currency", 0, 1e7, 0, NULL, NULL, "cost per screen"},
    {"finding.accuracy", OS_P_STRING, NULL, UNB, 0, "sensitivity_specificity", "sensitivity_specificity|error_model",
     "how a DXA or CT screen errs: a fixed sensitivity and specificity against the criteria, or (error_model) "
     "a measured T-score = true femoral-neck T-score + error_bias + error_sd x N(0, 1), positive at or "
     "below error_threshold (measurement.h)"},
    {"finding.error_bias", OS_P_REAL, "SD", -5, 5, 0, NULL, NULL, "mean measured minus true T-score (error_model)"},
    {"finding.error_sd", OS_P_REAL, "SD", 0, 5, 0, NULL, NULL, "SD of measured minus true T-score (error_model)"},
    {"finding.error_threshold", OS_P_REAL, "SD", -10, 5, 0, NULL, NULL,
     "a screen is positive at a measured T-score at or below this (error_model)"},
    {"finding.errors", OS_P_STRING, NULL, UNB, 0, "independent", "independent|per_person",
     "test errors drawn afresh each round (independent), or once for life (per_person: a questionnaire or "
     "measurement gives the same person the same wrong answer again)"},
    FRAC("coverage", 1, "share of the people meant for the programme that it reaches"),
    FRAC("uptake", 1, "share of the reached who start when offered"),
    FRAC("adherence", 1, "share of the full effect achieved while on the programme"),
    {"discontinuation", OS_P_REAL, "1/yr", 0, 1, 1, NULL, NULL, "yearly probability of stopping"},
    {"max_years", OS_P_INT, "year", 1, 100, 0, NULL, NULL, "longest time on the programme"},
    RATE("effects.bmd_change", "added to the yearly log-change of femoral-neck BMD"),
    RATE("effects.muscle_mass_change", "added to the yearly log-change of appendicular muscle mass"),
    RATE("effects.strength_change", "added to the yearly log-change of grip strength and gait speed"),
    {"effects.change_years", OS_P_REAL, "year", 0, 100, 0, NULL, NULL,
     "years on the programme during which the three changes above apply (gains plateau); default all"},
    RR("effects.fall_rr", "rate ratio of falls"),
    RR("effects.fracture_rr.hip", "hip fracture rate ratio beyond the BMD pathway"),
    RR("effects.fracture_rr.vertebral", "vertebral fracture rate ratio beyond the BMD pathway"),
    RR("effects.fracture_rr.wrist", "wrist fracture rate ratio beyond the BMD pathway"),
    RR("effects.fracture_rr.other", "other fracture rate ratio beyond the BMD pathway"),
    RR("effects.mortality_rr", "all-cause mortality rate ratio"),
    {"after_stop.offset_years", OS_P_REAL, "year", 0, 50, 0, "0", NULL,
     "rate ratios fade linearly to none over this time after stopping"},
    RATE("after_stop.rebound_bmd_change", "extra yearly BMD log-change after stopping"),
    {"after_stop.rebound_years", OS_P_REAL, "year", 0, 50, 0, "0", NULL, "duration of the rebound"},
    {"after_stop.reoffer_years", OS_P_REAL, "year", 0, 100, 0, NULL, NULL,
     "years after stopping (and after any fading and rebound) when the programme is offered again; "
     "default never"},
    {"costs.per_year", OS_P_REAL, "$economics.currency/yr", 0, 1e8, 1, NULL, NULL, "cost per person-year on it"},
    {"costs.per_start", OS_P_REAL, "$economics.currency", 0, 1e8, 0, "0", NULL, "one-off cost at the start"},
};
#define NPROG_PARAMS (sizeof prog_params / sizeof prog_params[0])

#undef FRAC
#undef RR
#undef RATE

enum { DX_ANY, DX_OP, DX_OPENIA_PLUS, DX_NOT_OP, DX_SARC, DX_OSTEOSARC };
enum { FIND_NONE, FIND_DXA, FIND_CT, FIND_SARC_F, FIND_CALF, FIND_SARC_CALF };
enum { ACC_SENS_SPEC, ACC_ERROR_MODEL };
/* Case-finding tools screen for sarcopenia (finding.method sarc_f, calf, sarc_calf). */
#define FIND_IS_CASE_FINDING(f) ((f) >= FIND_SARC_F)
enum { ST_NEW = 0, ST_ON, ST_STOPPED, ST_DONE };
enum { S_ON, S_STARTS, S_SCREENS, S_AE, S_COST, S_COST_D, S_N };

typedef struct iv_prog {
    const char *label, *type, *evidence, *source, *notes;   /* documentation only */
    int start, end, max_years;
    double age_min, age_max;
    int sex;              /* -1 any */
    int dx, sarc_ew, prior_fx;  /* prior_fx: -1 any, 0 no, 1 yes */
    int pf_choice;        /* eligibility.prior_fracture as read: any|yes|no */
    double tmax;          /* NAN: no T-score criterion */
    double vitd_max;      /* NAN: no 25(OH)D criterion */
    double prob_min;      /* NAN: no 10-year probability criterion */
    int prob_hip;         /* eligibility.fracture_probability_sites: 0 major, 1 hip */
    int sedentary, smoking;   /* choices: any|yes|no, any|current|not_current */
    double prot_max;      /* NAN: no protein criterion */
    int find, interval, errors_per_person, accuracy;
    double attend, sens, spec, c_screen;
    double e_bias, e_sd, e_cut;   /* finding.accuracy error_model */
    int fatal;            /* an adverse event has a case fatality */
    double reach, uptake, adherence, discont;
    double bmd, mass, strength, change_years, fall_rr, fx_rr[OS_NFX_SITES], mort_rr;
    double offset, rebound, rebound_years, reoffer_years;
    double c_year, c_start;
    int nae;
    iv_ae ae[MAX_AE];
    iv_course course;     /* persistence, sequence, after-stop course (iv_course.h) */
    iv_rf rf;             /* pathway and risk-factor shifts (iv_riskfactor.h) */
    uint32_t purpose_person, purpose_year;
    int col_state, col_years, col_gain;   /* col_gain -1: no gain kept */
} iv_prog;

/* Where each key of a programme goes; defaults are the specs' (prog_params).
 * Absent without a default: end_year the run's end, max_years, change_years
 * and reoffer_years no limit, tscore_max no criterion. */
#define PF(key, member, type) OS_FIELD(key, iv_prog, member, type)
static const os_field prog_fields[] = {
    PF("label", label, OS_F_STR), PF("type", type, OS_F_STR), PF("evidence", evidence, OS_F_STR),
    PF("source", source, OS_F_STR), PF("notes", notes, OS_F_STR),
    PF("start_year", start, OS_F_INT), PF("end_year", end, OS_F_INT),
    PF("max_years", max_years, OS_F_INT),
    PF("eligibility.age_min", age_min, OS_F_REAL), PF("eligibility.age_max", age_max, OS_F_REAL),
    PF("eligibility.sex", sex, OS_F_CHOICE), PF("eligibility.diagnosis", dx, OS_F_CHOICE),
    PF("eligibility.definition", sarc_ew, OS_F_CHOICE),
    PF("eligibility.tscore_max", tmax, OS_F_REAL),
    PF("eligibility.prior_fracture", pf_choice, OS_F_CHOICE),
    PF("eligibility.vitamin_d_max", vitd_max, OS_F_REAL),
    PF("eligibility.fracture_probability_min", prob_min, OS_F_REAL),
    PF("eligibility.fracture_probability_sites", prob_hip, OS_F_CHOICE),
    PF("eligibility.sedentary", sedentary, OS_F_CHOICE), PF("eligibility.smoking", smoking, OS_F_CHOICE),
    PF("eligibility.protein_max", prot_max, OS_F_REAL),
    PF("finding.method", find, OS_F_CHOICE), PF("finding.errors", errors_per_person, OS_F_CHOICE),
    PF("finding.accuracy", accuracy, OS_F_CHOICE),
    PF("coverage", reach, OS_F_REAL), PF("uptake", uptake, OS_F_REAL),
    PF("adherence", adherence, OS_F_REAL), PF("discontinuation", discont, OS_F_REAL),
    PF("effects.bmd_change", bmd, OS_F_REAL), PF("effects.muscle_mass_change", mass, OS_F_REAL),
    PF("effects.strength_change", strength, OS_F_REAL),
    PF("effects.change_years", change_years, OS_F_REAL), PF("effects.fall_rr", fall_rr, OS_F_REAL),
    PF("effects.fracture_rr.hip", fx_rr[0], OS_F_REAL),
    PF("effects.fracture_rr.vertebral", fx_rr[1], OS_F_REAL),
    PF("effects.fracture_rr.wrist", fx_rr[2], OS_F_REAL),
    PF("effects.fracture_rr.other", fx_rr[3], OS_F_REAL),
    PF("effects.mortality_rr", mort_rr, OS_F_REAL),
    PF("after_stop.offset_years", offset, OS_F_REAL),
    PF("after_stop.rebound_bmd_change", rebound, OS_F_REAL),
    PF("after_stop.rebound_years", rebound_years, OS_F_REAL),
    PF("after_stop.reoffer_years", reoffer_years, OS_F_REAL),
    PF("costs.per_year", c_year, OS_F_REAL), PF("costs.per_start", c_start, OS_F_REAL),
};
/* Read only for a screening programme (finding.method other than none). */
static const os_field find_fields[] = {
    PF("finding.interval", interval, OS_F_INT), PF("finding.attendance", attend, OS_F_REAL),
    PF("finding.sensitivity", sens, OS_F_REAL), PF("finding.specificity", spec, OS_F_REAL),
    PF("finding.cost", c_screen, OS_F_REAL), PF("finding.error_bias", e_bias, OS_F_REAL),
    PF("finding.error_sd", e_sd, OS_F_REAL), PF("finding.error_threshold", e_cut, OS_F_REAL),
};
#undef PF
#define NFIELDS(t) (sizeof t / sizeof t[0])

typedef struct iv_state {
    int np;
    iv_prog p[MAX_PROG];
    int start_year;
    double rate;          /* economics.discount_rate */
    const char *currency; /* economics.currency: units of the programme costs */
    int col_found, col_bmd, col_mass, col_str, col_fall, col_fx[OS_NFX_SITES], col_cost, col_q;
    int col_dx, col_t, col_flags, col_hr, col_vitd, col_rf, col_smoke, col_prot;
    iv_rf_cols rfc;       /* programmes acting on risk factors (iv_riskfactor.h) */
    /* The 10-year probability criterion (any programme with it): the
     * fracture module, its inputs, and this year's competing death
     * probabilities by sex, whole year of age and year ahead. */
    int need_prob;
    const void *fx;
    int col_bmd_in, col_grip, col_gait, col_fxyears;
    double q_death[OS_NSEX][IV_PROB_AGES][10];
    int sum[S_N];
    int sum_death, col_death;   /* fatal adverse events; -1: none can be */
} iv_state;

/* ---- declaring programmes ---- */

/* A screening programme (finding.method other than none) of PREFIX needs
 * its test described: by sensitivity and specificity, or by the error
 * model's keys. */
static int check_finding_keys(const os_cfg *cfg, const char *prefix, os_err *err)
{
    char key[320], ak[320];
    snprintf(key, sizeof key, "%s.finding.method", prefix);
    snprintf(ak, sizeof ak, "%s.finding.accuracy", prefix);
    const char *method = os_cfg_has(cfg, key) ? os_cfg_str(cfg, key) : NULL;
    if (!method || !strcmp(method, "none")) return OS_OK;
    int em = os_cfg_has(cfg, ak) && os_cfg_str(cfg, ak) && !strcmp(os_cfg_str(cfg, ak), "error_model");
    static const char *const need_ss[] = {"interval", "attendance", "sensitivity", "specificity", "cost"};
    static const char *const need_em[] = {"interval", "attendance", "error_bias", "error_sd", "error_threshold",
                                          "cost"};
    const char *const *need = em ? need_em : need_ss;
    size_t nneed = em ? sizeof need_em / sizeof need_em[0] : sizeof need_ss / sizeof need_ss[0];
    for (size_t k = 0; k < nneed; k++) {
        char nk[400];
        snprintf(nk, sizeof nk, "%s.finding.%s", prefix, need[k]);
        if (!os_cfg_has(cfg, nk))
            return os_fail(err, OS_ECONFIG, "%s: %s: finding.method %s needs finding.%s",
                           os_cfg_origin(cfg, em ? ak : key), nk, method, need[k]);
    }
    return OS_OK;
}

static int iv_declare(os_cfg *cfg, os_err *err)
{
    if (os_cfg_inherit(cfg, "programmes", "like", err)) return OS_ECONFIG;
    const char *const *names;
    size_t n = os_cfg_keys(cfg, "programmes", &names);
    char prefix[256];
    for (size_t i = 0; i < n; i++) {
        snprintf(prefix, sizeof prefix, "programmes.%s", names[i]);
        if (os_cfg_declare_under(cfg, prefix, prog_params, NPROG_PARAMS, err) ||
            os_cfg_declare_under(cfg, prefix, iv_course_params, iv_course_nparams, err) ||
            os_cfg_declare_under(cfg, prefix, iv_rf_params, iv_rf_nparams, err))
            return OS_ECONFIG;
        /* A screening programme needs its test described. */
        char key[320];
        if (check_finding_keys(cfg, prefix, err)) return OS_ECONFIG;
        const char *const *aes;
        snprintf(key, sizeof key, "%s.adverse", prefix);
        size_t na = os_cfg_keys(cfg, key, &aes);
        if (na > MAX_AE)
            return os_fail(err, OS_ECONFIG, "%s: %s: %zu adverse events, at most %d",
                           os_cfg_origin(cfg, key), key, na, MAX_AE);
        for (size_t k = 0; k < na; k++) {
            char ap[400];
            snprintf(ap, sizeof ap, "%s.adverse.%s", prefix, aes[k]);
            if (os_cfg_declare_under(cfg, ap, iv_ae_params, iv_ae_nparams, err))
                return OS_ECONFIG;
        }
    }
    return OS_OK;
}

/* ---- reading one programme ---- */

/* pathway risk_factor: the effects block is documentation only (the
 * effect is carried by the risk-factor shifts, iv_riskfactor.h). */
static void drop_effects(iv_prog *p)
{
    p->bmd = p->mass = p->strength = p->rebound = 0.0;
    p->fall_rr = p->mort_rr = 1.0;
    for (int k = 0; k < OS_NFX_SITES; k++) p->fx_rr[k] = p->course.post_fx_rr[k] = 1.0;
    p->course.gain_share = 0.0;
}

static int read_prog(const os_model *m, const char *name, iv_prog *p, os_err *err)
{
    const os_cfg *c = m->cfg;
    char pre[256], key[400];
    snprintf(pre, sizeof pre, "programmes.%s", name);
    memset(p, 0, sizeof *p);
    if (os_cfg_read(c, pre, prog_fields, NFIELDS(prog_fields), p, err)) return OS_ECONFIG;
    if (!p->end) p->end = m->end_year;
    if (!p->max_years) p->max_years = UINT8_MAX;   /* the years column saturates there */
    if (isnan(p->change_years)) p->change_years = INFINITY;
    if (isnan(p->reoffer_years)) p->reoffer_years = INFINITY;
    p->sex -= 1;   /* any|female|male -> -1 any, 0 female, 1 male */
    static const int pf_of[] = {-1, 1, 0};   /* any|yes|no */
    p->prior_fx = p->pf_choice >= 0 ? pf_of[p->pf_choice] : -1;
    if (iv_course_read(c, pre, &p->course, err) || iv_rf_read(c, pre, &p->rf, err)) return OS_ECONFIG;
    if (p->rf.pathway == IV_PATH_RF) drop_effects(p);
    if (FIND_IS_CASE_FINDING(p->find) && p->dx != DX_SARC && p->dx != DX_OSTEOSARC) {
        snprintf(key, sizeof key, "%s.finding.method", pre);
        return os_fail(err, OS_ECONFIG,
                       "%s: %s: sarcopenia case-finding needs eligibility.diagnosis sarcopenia or osteosarcopenia "
                       "(the condition it screens for)", os_cfg_origin(c, key), key);
    }
    if (p->accuracy == ACC_ERROR_MODEL && p->find != FIND_DXA && p->find != FIND_CT) {
        snprintf(key, sizeof key, "%s.finding.accuracy", pre);
        return os_fail(err, OS_ECONFIG, "%s: %s: error_model measures a T-score: finding.method dxa or ct_ai",
                       os_cfg_origin(c, key), key);
    }
    if (p->find != FIND_NONE) {
        if (os_cfg_read(c, pre, find_fields, NFIELDS(find_fields), p, err)) return OS_ECONFIG;
        if (p->interval < 1) {
            snprintf(key, sizeof key, "%s.finding.interval", pre);
            return os_fail(err, OS_ECONFIG, "%s: %s.finding: a screening programme needs finding.interval",
                           os_cfg_origin(c, key), pre);
        }
    }
    const char *const *aes;
    snprintf(key, sizeof key, "%s.adverse", pre);
    p->nae = (int)os_cfg_keys(c, key, &aes);
    for (int k = 0; k < p->nae; k++) {
        char ap[700];
        snprintf(ap, sizeof ap, "%s.adverse.%s", pre, aes[k]);
        if (os_cfg_read(c, ap, iv_ae_fields, iv_ae_nfields, &p->ae[k], err)) return OS_ECONFIG;
        if (p->ae[k].case_fatality > 0.0) p->fatal = 1;
    }
    /* Draws are named after the programme, so the same programme in two
     * arms draws the same numbers for the same person. */
    snprintf(key, sizeof key, "interventions.%s.person", name);
    p->purpose_person = os_rng_purpose(key);
    snprintf(key, sizeof key, "interventions.%s.year", name);
    p->purpose_year = os_rng_purpose(key);
    return OS_OK;
}

/* ---- init ---- */

static int add_f32(os_model *m, const char *name, const char *units, const char *desc, os_err *err)
{
    return os_model_add_column(m, "interventions", name, OS_COL_F32, units, desc, 0, err);
}

/* Programme K of the arm: its settings, state columns and sequence. */
static int init_prog(os_model *m, iv_state *s, int k, os_err *err)
{
    iv_prog *p = &s->p[k];
    if (read_prog(m, m->programmes[k], p, err)) return OS_ECONFIG;
    if (!isnan(p->prob_min)) s->need_prob = 1;
    /* Column descriptions are static text: the store keeps pointers. */
    char name[64];
    snprintf(name, sizeof name, "iv%d_state", k);
    p->col_state = os_model_add_column(m, "interventions", name, OS_COL_U8, "code",
                                     "programme k of the arm (/arms attribute programmes): 0 not started, "
                                     "1 on, 2 stopped (effects fading), 3 done",
                                     0, err);
    snprintf(name, sizeof name, "iv%d_years", k);
    p->col_years = os_model_add_column(m, "interventions", name, OS_COL_U8, "year",
                                     "programme k: years on it (state 1) or since stopping (state 2)", 0, err);
    if (p->col_state < 0 || p->col_years < 0) return OS_ERUN;
    if (iv_course_link(m->cfg, m->programmes, k, &p->course, err)) return OS_ECONFIG;
    if (p->course.prev >= 0 && p->course.when == IV_SEQ_FOUND && s->p[p->course.prev].find == FIND_NONE) {
        char key[320];
        snprintf(key, sizeof key, "programmes.%s.sequence.when", m->programmes[k]);
        return os_fail(err, OS_ECONFIG, "%s: %s: found, but '%s' finds no one (its finding.method is none)",
                       os_cfg_origin(m->cfg, key), key, p->course.after);
    }
    /* The gain a rebound takes back, kept only where the key is set. */
    p->col_gain = -1;
    char gkey[320];
    snprintf(gkey, sizeof gkey, "programmes.%s.after_stop.rebound_gain_share", m->programmes[k]);
    if (os_cfg_has(m->cfg, gkey)) {
        snprintf(name, sizeof name, "iv%d_gain", k);
        p->col_gain = os_model_add_column(m, "interventions", name, OS_COL_F32, "1",
                                          "programme k: BMD log-gain made on it, taken back by its rebound",
                                          0, err);
        if (p->col_gain < 0) return OS_ERUN;
    }
    return OS_OK;
}

/* Whether a programme some arm lists (or this arm's, which is one of
 * them) has an adverse event that can kill. */
static int arms_fatal(const os_model *m)
{
    const os_cfg *cfg = m->cfg;
    for (int k = 0; k < m->nprogrammes; k++) {
        char pre[300];
        snprintf(pre, sizeof pre, "programmes.%s", m->programmes[k]);
        if (iv_adverse_any_fatal(cfg, pre)) return 1;
    }
    os_arms a;
    os_engine_arms(cfg, &a);
    for (int i = 0; i < a.n; i++)
        for (int k = 0; k < a.nprogrammes[i]; k++) {
            char pre[300];
            snprintf(pre, sizeof pre, "programmes.%s", a.programmes[i][k]);
            if (iv_adverse_any_fatal(cfg, pre)) return 1;
        }
    return 0;
}

static int iv_init(os_model *m, void **state, os_err *err)
{
    int rc;
    iv_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "interventions: out of memory");
    *state = s;
    s->start_year = m->start_year;
    static const os_field econ[] = {
        OS_FIELD("economics.discount_rate", iv_state, rate, OS_F_REAL),
        OS_FIELD("economics.currency", iv_state, currency, OS_F_STR),
    };
    if (os_cfg_read(m->cfg, NULL, econ, 2, s, err)) return OS_ECONFIG;
    /* Every arm registers the same summary columns (zero without programmes). */
    static const char *const names[S_N] = {"programme_persons", "programme_starts", "programme_screens",
                                           "adverse_events", "programme_cost",
                                           "programme_cost_discounted"};
    const char *const units[S_N] = {"persons", "persons", "screens", "events", s->currency, s->currency};
    static const char *const desc[S_N] = {
        "persons on at least one programme of the arm during the year",
        "persons starting a programme",
        "screens done (DXA or CT) to find people for programmes",
        "adverse events of programmes",
        "programme costs (start, yearly, screening, adverse events); part of cost",
        "programme_cost discounted to run.start_year"};
    /* starts are summed per arm; the programme costs are part of the cost */
    static const os_sum_role roles[S_N] = {
        {0}, {OS_ROLE_OTHER, OS_SUM_TOTAL, NULL, NULL, NULL}, {0}, {0},
        {OS_ROLE_COST, OS_SUM_PART, "programme_cost", NULL, NULL},
        {OS_ROLE_COST, OS_SUM_PART | OS_SUM_DISCOUNTED, "programme_cost", NULL, NULL}};
    for (int i = 0; i < S_N; i++)
        if ((s->sum[i] = os_summary_column_as(m, names[i], units[i], desc[i], roles[i], err)) < 0) return OS_ERUN;
    /* Only where some programme's adverse event can kill (the same in every arm). */
    s->sum_death = s->col_death = -1;
    if (arms_fatal(m) &&
        (s->sum_death = os_summary_column_as(m, "adverse_event_deaths", "persons",
                                             "persons dying of a fatal adverse event of a programme; part of deaths",
                                             (os_sum_role){OS_ROLE_OTHER, OS_SUM_TOTAL, NULL, NULL, NULL}, err)) < 0)
        return OS_ERUN;
    if (m->is_reference) {
        /* Check every defined programme once, used by an arm or not: a
         * library entry is part of the configuration. */
        const char *const *all;
        size_t n = os_cfg_keys(m->cfg, "programmes", &all);
        for (size_t k = 0; k < n; k++)
            if (read_prog(m, all[k], &s->p[0], err)) return OS_ECONFIG;
    }
    s->np = m->nprogrammes;
    if (s->np == 0) return OS_OK;
    if (s->np > MAX_PROG) return os_fail(err, OS_ECONFIG, "arm %s: more than %d programmes", m->arm_name, MAX_PROG);
    int fatal = 0, any_rf = 0;
    for (int k = 0; k < s->np; k++) {
        if ((rc = init_prog(m, s, k, err))) return rc;
        fatal |= s->p[k].fatal;
        any_rf |= s->p[k].rf.any;
    }
    if ((rc = iv_rf_init(m, &s->rfc, any_rf, err))) return rc;
    if (fatal && (s->col_death = os_model_add_column(m, "interventions", OS_IV_AE_DEATH, OS_COL_U8, "1",
                                                     "1: dies of a fatal adverse event this year (mortality.c "
                                                     "ends the life)", 0, err)) < 0)
        return OS_ERUN;
    s->col_found = os_model_add_column(m, "interventions", "iv_found", OS_COL_U8, "bits",
                                     "bit k: found by programme k's screening", 0, err);
    s->col_bmd = add_f32(m, OS_IV_BMD, "1/yr", "programme effect on the yearly BMD log-change", err);
    s->col_mass = add_f32(m, OS_IV_MASS, "1/yr", "programme effect on the yearly ASM log-change", err);
    s->col_str = add_f32(m, OS_IV_STRENGTH, "1/yr", "programme effect on the yearly strength log-change", err);
    s->col_fall = add_f32(m, OS_IV_FALL_RR, "1", "programme rate ratio of falls", err);
    for (int k = 0; k < OS_NFX_SITES; k++) {
        char name[48];
        snprintf(name, sizeof name, OS_IV_FX_RR_PREFIX "%s", site_key[k]);
        if ((s->col_fx[k] = add_f32(m, name, "1", "programme fracture rate ratio", err)) < 0) return OS_ERUN;
    }
    s->col_cost = add_f32(m, OS_IV_COST, s->currency, "programme costs this year", err);
    s->col_q = add_f32(m, OS_IV_QALY_LOSS, "QALY", "QALYs lost to adverse events this year", err);
    if (s->col_found < 0 || s->col_bmd < 0 || s->col_mass < 0 || s->col_str < 0 || s->col_fall < 0 ||
        s->col_cost < 0 || s->col_q < 0)
        return OS_ERUN;
    return OS_OK;
}

/* The 10-year probability criterion's inputs for this year: columns of
 * later modules, the fracture module, and the competing probability of
 * death t years ahead at each whole year of age (all-cause rates of the
 * demography's life tables, as FRAX uses population mortality). */
static int prob_year_begin(os_model *m, iv_state *s, os_err *err)
{
    const void *demog = os_model_state(m, "demography");
    if (!(s->fx = os_model_state(m, "fractures")) || !demog)
        return os_fail(err, OS_ERUN, "interventions: eligibility.fracture_probability_min needs the fractures "
                                     "and demography modules");
    if ((s->col_bmd_in = os_model_column(m, "interventions", "bmd", OS_COL_F32, err)) < 0 ||
        (s->col_grip = os_model_column(m, "interventions", "grip", OS_COL_F32, err)) < 0 ||
        (s->col_gait = os_model_column(m, "interventions", "gait", OS_COL_F32, err)) < 0 ||
        (s->col_fxyears = os_model_column(m, "interventions", "fx_years", OS_COL_U8, err)) < 0)
        return OS_ERUN;
    for (int sex = 0; sex < OS_NSEX; sex++)
        for (int a = 0; a < IV_PROB_AGES; a++)
            for (int t = 0; t < 10; t++)
                s->q_death[sex][a][t] = -expm1(-os_demog_mx(demog, sex, a + t + 0.5, m->year + t + 0.5));
    return OS_OK;
}

/* Columns of later modules exist once every module's init has run. */
static int iv_year_begin(os_model *m, void *state, os_err *err)
{
    iv_state *s = state;
    if (s->np == 0) return OS_OK;
    if ((s->col_dx = os_model_column(m, "interventions", "dx", OS_COL_U16, err)) < 0 ||
        (s->col_t = os_model_column(m, "interventions", "tscore", OS_COL_F32, err)) < 0 ||
        (s->col_flags = os_model_column(m, "interventions", "fx_flags", OS_COL_U8, err)) < 0 ||
        (s->col_hr = os_model_column(m, "interventions", "mortality_hr", OS_COL_F32, err)) < 0 ||
        (s->col_vitd = os_model_column(m, "interventions", "vitd", OS_COL_U8, err)) < 0 ||
        (s->col_rf = os_model_column(m, "interventions", "rf_flags", OS_COL_U8, err)) < 0 ||
        (s->col_smoke = os_model_column(m, "interventions", "smoking", OS_COL_U8, err)) < 0 ||
        (s->col_prot = os_model_column(m, "interventions", "protein", OS_COL_U8, err)) < 0)
        return OS_ERUN;
    return s->need_prob ? prob_year_begin(m, s, err) : OS_OK;
}

/* ---- the yearly step ---- */

/* Columns a programme year reads (and iv_found, which it sets). */
typedef struct iv_in {
    const uint16_t *dx;
    const float *t;
    const uint8_t *flags;
    uint8_t *found;
    const uint8_t *vitd, *rf, *smoke;   /* risk factors (risk_factors.c) */
    /* This year's programme shifts (iv_riskfactor.h), NULL without them. */
    const uint8_t *rf_clear, *prot;
    const float *rf_vitd, *rf_prot;
    /* The 10-year probability criterion (NULL without it). */
    const struct iv_state *s;
    const float *age, *bmd, *grip, *gait;
    const uint8_t *sex, *fxyears;
} iv_in;

/* The risk-factor criteria of P for person I: 25(OH)D, protein, activity,
 * smoking, on the effective states (natural with the shifts of the
 * programmes the person is on, iv_riskfactor.h). */
static int meets_risk_criteria(const iv_prog *p, const iv_in *in, size_t i)
{
    double vd = (double)in->vitd[i] + (in->rf_vitd ? in->rf_vitd[i] : 0.0);
    if (!isnan(p->vitd_max) && !(vd < p->vitd_max)) return 0;
    double pr = (double)in->prot[i] / 100.0 + (in->rf_prot ? (double)in->rf_prot[i] : 0.0);
    if (!isnan(p->prot_max) && !(pr < p->prot_max)) return 0;
    unsigned rf = in->rf[i] & ~(unsigned)(in->rf_clear ? in->rf_clear[i] : 0);
    int sed = (rf & OS_RF_SEDENTARY) != 0;
    if (p->sedentary > 0 && sed != (p->sedentary == 1)) return 0;      /* 1 yes, 2 no */
    int cur = in->smoke[i] == OS_SMOKE_CURRENT;
    if (p->smoking > 0 && cur != (p->smoking == 1)) return 0;          /* 1 current, 2 not_current */
    return 1;
}

static int meets_probability(const iv_prog *p, const iv_in *in, size_t i);

static int meets_criteria(const iv_prog *p, unsigned dx, float t, unsigned flags)
{
    unsigned sarc = p->sarc_ew ? OS_DX_SARC_EW : OS_DX_SARC_AWGS;
    int ok;
    switch (p->dx) {
    case DX_OP: ok = (dx & OS_DX_OSTEOPOROSIS) != 0; break;
    case DX_OPENIA_PLUS: ok = (dx & (OS_DX_OSTEOPOROSIS | OS_DX_OSTEOPENIA)) != 0; break;
    case DX_NOT_OP: ok = !(dx & OS_DX_OSTEOPOROSIS); break;
    case DX_SARC: ok = (dx & sarc) != 0; break;
    case DX_OSTEOSARC: ok = (dx & sarc) && (dx & OS_DX_OSTEOPOROSIS); break;
    default: ok = 1;
    }
    if (!isnan(p->tmax) && !(t <= p->tmax)) ok = 0;
    int prior = (flags & OS_FX_EVER_ANY) != 0;
    if (p->prior_fx >= 0 && prior != p->prior_fx) ok = 0;
    return ok;
}

typedef struct iv_eff {
    double bmd, mass, str, fall, fx[OS_NFX_SITES], mort, cost, qloss;
    int dies;       /* a fatal adverse event this year */
    iv_rf_eff rf;   /* risk-factor shifts (iv_riskfactor.h) */
} iv_eff;

/* Adds programme P's changes of BMD, muscle mass and strength at strength
 * F (0..1): while on it, in its first change_years years. */
static void add_changes(iv_eff *e, const iv_prog *p, double f)
{
    e->bmd += f * p->bmd;
    e->mass += f * p->mass;
    e->str += f * p->strength;
}

/* Multiplies in programme P's rate ratios at strength F (0..1): while on
 * it, and fading after stopping. */
static void add_ratios(iv_eff *e, const iv_prog *p, double f)
{
    e->fall *= 1.0 - f * (1.0 - p->fall_rr);
    for (int k = 0; k < OS_NFX_SITES; k++) e->fx[k] *= 1.0 - f * (1.0 - p->fx_rr[k]);
    e->mort *= 1.0 - f * (1.0 - p->mort_rr);
}

/* A person's counts of the year. */
typedef struct iv_count {
    int on_any, starts, screens, aes, ae_deaths;
} iv_count;

/* A person's draws of the year for one programme (its purpose_year
 * stream): the first block's words from the tile's batch when W is not
 * NULL, then the scalar stream, started only when a draw needs it. */
typedef struct iv_draws {
    const uint32_t *w;
    int pos, started;
    os_rng r;
    uint64_t seed;
    uint32_t id, year, purpose;
} iv_draws;

static double iv_uniform(iv_draws *d)
{
    if (d->w && d->pos < 4) return os_rng_word_uniform(d->w[d->pos++]);
    if (!d->started) {
        os_rng_init_at(&d->r, d->seed, d->id, d->year, d->purpose, d->w ? 1 : 0);
        d->started = 1;
    }
    return os_rng_uniform(&d->r);
}

/* Offers programme K (P) to person I, eligible by age and sex, when the
 * programme reaches them and they meet its criteria or a screen finds
 * them; PW: the first block of their life-long stream (the draws reached
 * and would start), G: their draws of this year. */
/* Whether person I's FRAX-like 10-year probability (os_fx_prob10) at P's
 * sites reaches eligibility.fracture_probability_min. */
static int meets_probability(const iv_prog *p, const iv_in *in, size_t i)
{
    if (isnan(p->prob_min)) return 1;
    const iv_state *s = in->s;
    unsigned sites = p->prob_hip ? 1u << OS_SITE_HIP : (1u << OS_NFX_SITES) - 1u;
    int a = (int)in->age[i];
    a = a < 0 ? 0 : (a >= IV_PROB_AGES ? IV_PROB_AGES - 1 : a);
    int sex = in->sex[i];
    int prior = (in->flags[i] & OS_FX_EVER_ANY) ? (in->fxyears[i] ? in->fxyears[i] : 1) : 0;
    double p10 = os_fx_prob10(s->fx, sites, sex, (double)in->age[i], in->bmd[i], in->grip[i], in->gait[i], prior,
                              s->q_death[sex][a]);
    return p10 >= p->prob_min;
}

/* The criteria a T-score screen does not measure: prior fracture and the
 * risk factors, known without it. */
static int known_criteria(const iv_prog *p, const iv_in *in, size_t i)
{
    int prior = (in->flags[i] & OS_FX_EVER_ANY) != 0;
    return (p->prior_fx < 0 || prior == p->prior_fx) && meets_risk_criteria(p, in, i);
}

static void offer(const os_model *m, const iv_prog *p, int k, size_t i, const iv_in *in,
                  const uint32_t *pw, iv_draws *g, uint8_t *st, uint8_t *yrs, iv_eff *e,
                  iv_count *n)
{
    double u_reach = os_rng_word_uniform(pw[0]), u_start = os_rng_word_uniform(pw[1]);
    if (!(u_reach < p->reach)) return;
    int crit = meets_criteria(p, in->dx[i], in->t[i], in->flags[i]) && meets_risk_criteria(p, in, i) &&
               meets_probability(p, in, i);
    int ok = crit;
    unsigned bit = 1u << k;
    if (p->find != FIND_NONE && !(in->found[i] & bit)) {
        ok = 0;
        if ((m->year - p->start) % p->interval == 0 && iv_uniform(g) < p->attend) {
            n->screens++;
            e->cost += p->c_screen;
            /* per_person: the third word of the life-long block. */
            double u = p->errors_per_person == 1 ? os_rng_word_uniform(pw[2]) : iv_uniform(g);
            if (p->accuracy == ACC_ERROR_MODEL)
                ok = os_meas_ct_positive(in->t[i], p->e_bias, p->e_sd, p->e_cut, u) && known_criteria(p, in, i);
            else
                ok = crit ? u < p->sens : u >= p->spec;
            if (ok) in->found[i] |= (uint8_t)bit;
        }
    }
    if (ok && u_start < p->uptake) {
        *st = ST_ON;
        *yrs = 0;
        n->starts++;
        e->cost += p->c_start;
    }
}

/* A year on programme P (state ST_ON): effects, costs, adverse events and
 * stopping (on its persistence curve, iv_course.h).  GAIN, when kept,
 * adds up the BMD change the programme made. */
static void on_year(const os_model *m, const iv_prog *p, iv_draws *g, uint8_t *st, uint8_t *yrs,
                    float *gain, iv_eff *e, iv_count *n)
{
    n->on_any = 1;
    if (*yrs < p->change_years) {
        add_changes(e, p, p->adherence);
        if (gain) *gain += (float)(p->adherence * p->bmd);
    }
    add_ratios(e, p, p->adherence);
    iv_rf_add(&p->rf, p->adherence, *yrs + 1, &e->rf);
    e->cost += p->c_year;
    int stop_ae = 0;
    for (int a = 0; a < p->nae; a++)
        if (iv_uniform(g) < p->ae[a].rate) {
            n->aes++;
            e->cost += p->ae[a].cost;
            e->qloss += p->ae[a].disutility;
            e->mort *= p->ae[a].mortality_hr;
            stop_ae |= p->ae[a].stops;
            /* Drawn only for events that can kill: other streams unchanged. */
            if (p->ae[a].case_fatality > 0.0 && iv_uniform(g) < p->ae[a].case_fatality) {
                e->dies = 1;
                n->ae_deaths++;
            }
        }
    if (*yrs < 255) (*yrs)++;
    /* Stopping takes effect from next year. */
    if (stop_ae || *yrs >= p->max_years || m->year >= p->end ||
        iv_uniform(g) < iv_course_stop_prob(&p->course, p->discont, *yrs)) {
        *st = ST_STOPPED;
        *yrs = 0;
    }
}

/* Agents of a tile: the sweeps below work on OS_RNG_TILE at a time. */
#define IV_TILE OS_RNG_TILE

/* Whether person R may be offered P now by its sequence (iv_course.h):
 * the programme it follows, processed before it this year, is stopped,
 * on, or has found the person. */
static int sequence_allows(const os_model *m, const iv_state *s, const iv_prog *p, const os_chunk *c,
                           size_t r, const iv_in *in)
{
    int j = p->course.prev;
    if (j < 0) return 1;
    uint8_t stj = OS_CHUNK_COL(m, c, uint8_t, s->p[j].col_state)[r];
    switch (p->course.when) {
    case IV_SEQ_ON: return stj == ST_ON;
    case IV_SEQ_FOUND: return (in->found[r] >> j) & 1u;
    default:   /* stopped in an earlier year: a stop takes effect the year after */
        return (stj == ST_STOPPED && OS_CHUNK_COL(m, c, uint8_t, s->p[j].col_years)[r] >= 1) ||
               stj == ST_DONE;
    }
}

/* The after-stop course of P in year YEARS off it (state ST_STOPPED): the
 * rebound BMD change and the after-stop fracture rate ratios, both over
 * after_stop.rebound_years. */
static void after_stop(const iv_prog *p, int years_off, double gain, iv_eff *e)
{
    if (!(years_off <= p->rebound_years)) return;
    e->bmd += iv_course_rebound(&p->course, p->rebound, p->rebound_years, years_off, gain);
    for (int k = 0; k < OS_NFX_SITES; k++)
        if (p->course.post_fx_rr[k] != 1.0) e->fx[k] *= p->course.post_fx_rr[k];
}

/* Person R is on P, which follows another programme with
 * sequence.rebound_prevented: takes back that share of the other's
 * after-stop course this year. */
static void prevent_rebound(const os_model *m, const iv_state *s, const iv_prog *p, const os_chunk *c,
                            size_t r, iv_eff *e)
{
    const iv_prog *q = &s->p[p->course.prev];
    int years_off = OS_CHUNK_COL(m, c, uint8_t, q->col_years)[r];
    uint8_t stq = OS_CHUNK_COL(m, c, uint8_t, q->col_state)[r];
    /* Done this year, after its last rebound year, counts too. */
    if ((stq != ST_STOPPED && stq != ST_DONE) || !(years_off <= q->rebound_years)) return;
    double gain = q->col_gain >= 0 ? OS_CHUNK_COL(m, c, float, q->col_gain)[r] : 0.0;
    double f = p->course.prevented;
    e->bmd -= f * iv_course_rebound(&q->course, q->rebound, q->rebound_years, years_off, gain);
    for (int k = 0; k < OS_NFX_SITES; k++) {
        double rr = q->course.post_fx_rr[k];
        if (rr != 1.0 && rr > 0.0) e->fx[k] *= (1.0 + (rr - 1.0) * (1.0 - f)) / rr;
    }
}

/* Programme K's year for the living people of the tile [T0, T0 + NT) of
 * the chunk, one programme at a time (a person's programmes touch
 * separate columns and bits, and E and N add in programme order as
 * before).  The draws every offer makes (the life-long block) and those
 * of people already on the programme (this year's first block) come in
 * two batches (sim/rng_fill.h); the rest from scalar streams. */
static void prog_tile(const os_model *m, const iv_state *s, int k, const os_chunk *c, size_t t0,
                      size_t nt, const iv_in *in, iv_eff *e, iv_count *n)
{
    const iv_prog *p = &s->p[k];
    uint8_t *st = OS_CHUNK_COL(m, c, uint8_t, p->col_state) + t0;
    uint8_t *yrs = OS_CHUNK_COL(m, c, uint8_t, p->col_years) + t0;
    float *gain = p->col_gain >= 0 ? OS_CHUNK_COL(m, c, float, p->col_gain) + t0 : NULL;
    int running = !m->burn_in && m->year >= p->start && m->year <= p->end;
    uint32_t ids_o[IV_TILE], ids_on[IV_TILE], wo[IV_TILE * 4], won[IV_TILE * 4];
    int16_t slot[IV_TILE];   /* index in the offer (>= 0) or on (< -1) batch; -1 none */
    size_t no = 0, non = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t r = t0 + i;
        slot[i] = -1;
        if (!c->alive[r]) continue;
        if (st[i] == ST_DONE) {
            /* Offered again after reoffer_years off the programme. */
            if (yrs[i] < 255) yrs[i]++;
            if (yrs[i] < p->reoffer_years) continue;
            st[i] = ST_NEW;
        }
        if (st[i] == ST_NEW && running && c->age[r] >= p->age_min && c->age[r] <= p->age_max &&
            (p->sex < 0 || c->sex[r] == p->sex) && sequence_allows(m, s, p, c, r, in)) {
            slot[i] = (int16_t)no;
            ids_o[no++] = c->id[r];
        } else if (st[i] == ST_ON) {
            slot[i] = (int16_t)(-2 - (int)non);
            ids_on[non++] = c->id[r];
        }
    }
    if (no) os_rng_fill(wo, ids_o, no, m->seed, 0, p->purpose_person, 0, 1);
    if (non) os_rng_fill(won, ids_on, non, m->seed, (uint32_t)m->year, p->purpose_year, 0, 1);
    for (size_t i = 0; i < nt; i++) {
        size_t r = t0 + i;
        if (!c->alive[r] || st[i] == ST_DONE) continue;
        /* Field by field: zeroing the stream state of every person and
         * programme (a string store) cost more than the draws. */
        iv_draws g;
        g.w = slot[i] < -1 ? won + (size_t)(-2 - slot[i]) * 4 : NULL;
        g.pos = g.started = 0;
        g.seed = m->seed;
        g.id = c->id[r];
        g.year = (uint32_t)m->year;
        g.purpose = p->purpose_year;
        if (slot[i] >= 0) {
            offer(m, p, k, r, in, wo + (size_t)slot[i] * 4, &g, &st[i], &yrs[i], &e[i], &n[i]);
            if (gain && st[i] == ST_ON) gain[i] = 0.0f;   /* a new course */
        }
        if (st[i] == ST_ON) {
            on_year(m, p, &g, &st[i], &yrs[i], gain ? &gain[i] : NULL, &e[i], &n[i]);
            if (p->course.prev >= 0 && p->course.prevented > 0.0) prevent_rebound(m, s, p, c, r, &e[i]);
        } else if (st[i] == ST_STOPPED) {
            if (yrs[i] < 255) yrs[i]++;
            double f = p->offset > 0 ? 1.0 - (double)yrs[i] / p->offset : 0.0;
            if (f > 0) add_ratios(&e[i], p, p->adherence * f);
            after_stop(p, yrs[i], gain ? gain[i] : 0.0, &e[i]);
            if (f <= 0 && yrs[i] >= p->rebound_years) st[i] = ST_DONE;
        }
    }
}

/* Person R's risk-factor shifts E into this year's columns
 * (iv_riskfactor.h); with QUIT, a current smoker's quit draw. */
static void rf_write(const os_model *m, const iv_state *s, const os_chunk *c, size_t r, const iv_rf_eff *e,
                     int quit)
{
    const iv_rf_cols *rc = &s->rfc;
    uint8_t *sm = OS_CHUNK_COL(m, c, uint8_t, s->col_smoke);
    iv_rf_person p = {m->seed, c->id[r], (uint32_t)m->year, OS_CHUNK_COL(m, c, uint8_t, s->col_vitd)[r],
                      OS_CHUNK_COL(m, c, uint8_t, s->col_prot)[r], OS_CHUNK_COL(m, c, uint8_t, s->col_rf)[r]};
    OS_CHUNK_COL(m, c, uint8_t, rc->col_clear)[r] = (uint8_t)iv_rf_clear_bits(rc, e, &p);
    OS_CHUNK_COL(m, c, float, rc->col_infl)[r] = (float)e->infl;
    OS_CHUNK_COL(m, c, float, rc->col_vitd)[r] = (float)e->vitd;
    OS_CHUNK_COL(m, c, float, rc->col_prot)[r] = (float)e->prot;
    if (quit && sm[r] == OS_SMOKE_CURRENT && iv_rf_quits(rc, e, &p)) sm[r] = OS_SMOKE_FORMER;
}

/* Before the programmes' year, for eligibility: the shifts of the
 * programmes each person of the tile [T0, T0 + NT) is on since last year. */
static void rf_start_tile(const os_model *m, const iv_state *s, const os_chunk *c, size_t t0, size_t nt)
{
    for (size_t r = t0; r < t0 + nt; r++) {
        iv_rf_eff e;
        iv_rf_eff_reset(&e);
        for (int k = 0; k < s->np && c->alive[r]; k++) {
            const iv_prog *p = &s->p[k];
            if (p->rf.any && OS_CHUNK_COL(m, c, uint8_t, p->col_state)[r] == ST_ON)
                iv_rf_add(&p->rf, p->adherence, OS_CHUNK_COL(m, c, uint8_t, p->col_years)[r] + 1, &e);
        }
        rf_write(m, s, c, r, &e, 0);
    }
}

/* Adds person I's counts and costs of the year to the summary. */
static void tally(const iv_state *s, const os_chunk *c, size_t i, const iv_count *n, double cost,
                  double disc)
{
    int sex = c->sex[i], band = os_age_band(c->age[i]);
    double w = c->weight[i];
    os_acc *a = c->acc;
    if (n->on_any) os_acc_add(a, sex, band, s->sum[S_ON], w);
    if (n->starts) os_acc_add(a, sex, band, s->sum[S_STARTS], w * n->starts);
    if (n->screens) os_acc_add(a, sex, band, s->sum[S_SCREENS], w * n->screens);
    if (n->aes) os_acc_add(a, sex, band, s->sum[S_AE], w * n->aes);
    if (n->ae_deaths && s->sum_death >= 0) os_acc_add(a, sex, band, s->sum_death, w);
    if (cost > 0) {
        os_acc_add(a, sex, band, s->sum[S_COST], w * cost);
        os_acc_add(a, sex, band, s->sum[S_COST_D], w * cost * disc);
    }
}

static void iv_step(os_model *m, void *state, os_chunk *c)
{
    iv_state *s = state;
    if (s->np == 0) return;
    iv_in in = {OS_CHUNK_COL(m, c, uint16_t, s->col_dx), OS_CHUNK_COL(m, c, float, s->col_t),
                OS_CHUNK_COL(m, c, uint8_t, s->col_flags), OS_CHUNK_COL(m, c, uint8_t, s->col_found),
                OS_CHUNK_COL(m, c, uint8_t, s->col_vitd), OS_CHUNK_COL(m, c, uint8_t, s->col_rf),
                OS_CHUNK_COL(m, c, uint8_t, s->col_smoke), NULL, OS_CHUNK_COL(m, c, uint8_t, s->col_prot),
                NULL, NULL, s, c->age, NULL, NULL, NULL, c->sex, NULL};
    if (s->rfc.on) {
        in.rf_clear = OS_CHUNK_COL(m, c, uint8_t, s->rfc.col_clear);
        in.rf_vitd = OS_CHUNK_COL(m, c, float, s->rfc.col_vitd);
        in.rf_prot = OS_CHUNK_COL(m, c, float, s->rfc.col_prot);
    }
    if (s->need_prob) {
        in.bmd = OS_CHUNK_COL(m, c, float, s->col_bmd_in);
        in.grip = OS_CHUNK_COL(m, c, float, s->col_grip);
        in.gait = OS_CHUNK_COL(m, c, float, s->col_gait);
        in.fxyears = OS_CHUNK_COL(m, c, uint8_t, s->col_fxyears);
    }
    float *hr = OS_CHUNK_COL(m, c, float, s->col_hr);
    float *o_bmd = OS_CHUNK_COL(m, c, float, s->col_bmd), *o_mass = OS_CHUNK_COL(m, c, float, s->col_mass);
    float *o_str = OS_CHUNK_COL(m, c, float, s->col_str), *o_fall = OS_CHUNK_COL(m, c, float, s->col_fall);
    float *o_cost = OS_CHUNK_COL(m, c, float, s->col_cost), *o_q = OS_CHUNK_COL(m, c, float, s->col_q);
    float *o_fx[OS_NFX_SITES];
    for (int k = 0; k < OS_NFX_SITES; k++) o_fx[k] = OS_CHUNK_COL(m, c, float, s->col_fx[k]);
    uint8_t *o_death = s->col_death >= 0 ? OS_CHUNK_COL(m, c, uint8_t, s->col_death) : NULL;
    double disc = pow(1.0 + s->rate, -(double)(m->year - s->start_year));
    iv_eff e[IV_TILE];
    iv_count n[IV_TILE];
    for (size_t t0 = 0; t0 < c->n; t0 += IV_TILE) {
        size_t nt = c->n - t0 < IV_TILE ? c->n - t0 : IV_TILE;
        for (size_t i = 0; i < nt; i++) {
            e[i] = (iv_eff){0, 0, 0, 1, {1, 1, 1, 1}, 1, 0, 0, 0, {0, 0, 0, 1, 1}};
            n[i] = (iv_count){0, 0, 0, 0, 0};
        }
        if (s->rfc.on) rf_start_tile(m, s, c, t0, nt);
        for (int k = 0; k < s->np; k++) prog_tile(m, s, k, c, t0, nt, &in, e, n);
        for (size_t j = 0; j < nt; j++) {
            size_t i = t0 + j;
            o_bmd[i] = (float)e[j].bmd;
            o_mass[i] = (float)e[j].mass;
            o_str[i] = (float)e[j].str;
            o_fall[i] = (float)e[j].fall;
            for (int k = 0; k < OS_NFX_SITES; k++) o_fx[k][i] = (float)e[j].fx[k];
            o_cost[i] = (float)e[j].cost;
            o_q[i] = (float)e[j].qloss;
            if (o_death) o_death[i] = (uint8_t)e[j].dies;
            if (s->rfc.on) rf_write(m, s, c, i, &e[j].rf, c->alive[i]);
            if (!c->alive[i]) continue;
            hr[i] *= (float)e[j].mort;
            tally(s, c, i, &n[j], e[j].cost, disc);
        }
    }
}

static void iv_destroy(void *state)
{
    free(state);
}

static int iv_validate(const os_cfg *cfg, os_err *err);
/* Columns of other modules this one reads (sim/model.h). */
static const os_colread interventions_reads[] = {
    {"dx", OS_COL_U16, OS_READ_LATE},
    {"tscore", OS_COL_F32, OS_READ_LATE},
    {"fx_flags", OS_COL_U8, OS_READ_LATE},
    {"mortality_hr", OS_COL_F32, OS_READ_WRITES},
    {"vitd", OS_COL_U8, 0},        /* eligibility on risk factors */
    {"rf_flags", OS_COL_U8, 0},
    {"smoking", OS_COL_U8, OS_READ_WRITES},   /* smoking_quit: current -> former */
    {"protein", OS_COL_U8, 0},
    /* the 10-year probability criterion (start-of-year values) */
    {"bmd", OS_COL_F32, OS_READ_LATE},
    {"grip", OS_COL_F32, OS_READ_LATE},
    {"gait", OS_COL_F32, OS_READ_LATE},
    {"fx_years", OS_COL_U8, OS_READ_LATE},
    {NULL, 0, 0},
};

const os_module os_mod_interventions = {
    .name = "interventions",
    .declare = iv_declare,
    .init = iv_init,
    .year_begin = iv_year_begin,
    .step = iv_step,
    .destroy = iv_destroy,
    .validate = iv_validate,
    .reads = interventions_reads,
};

/* ---- validation ---- */

/* Every programme an arm lists exists under `programmes`. */
static int iv_validate(const os_cfg *cfg, os_err *err)
{
    os_arms a;
    os_engine_arms(cfg, &a);
    const char *const *progs;
    size_t np = os_cfg_keys(cfg, "programmes", &progs);
    char key[160];
    for (int i = 0; i < a.n; i++) {
        snprintf(key, sizeof key, "arms.%s", a.names[i]);
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
        /* A sequence follows a programme listed before it in the arm. */
        for (int k = 0; k < a.nprogrammes[i]; k++) {
            char pre[320];
            snprintf(pre, sizeof pre, "programmes.%s", a.programmes[i][k]);
            iv_course c;
            if (iv_course_read(cfg, pre, &c, err) ||
                iv_course_link(cfg, a.programmes[i], k, &c, err))
                return OS_ECONFIG;
        }
    }
    for (size_t j = 0; j < np; j++) {
        char pre[320];
        snprintf(pre, sizeof pre, "programmes.%s", progs[j]);
        if (iv_course_check(cfg, pre, err)) return OS_ECONFIG;
    }
    return OS_OK;
}
