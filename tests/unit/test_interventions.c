/* test_interventions.c - the programme state machine of
 * models/interventions.c on hand-set agents: who is reached and starts,
 * the effect columns on the treated, discontinuation, maximum duration,
 * fading and rebound after stopping, screening and costs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis.h"
#include "engine.h"
#include "events.h"
#include "interventions.h"
#include "physiology.h"

extern const os_module os_mod_interventions, os_mod_economics, os_mod_risk_factors;

typedef struct fixture {
    os_cfg *cfg;
    os_pop pop;
    os_model m;
    void *st;
    void *states[2];   /* risk_factors (its cut-offs), interventions */
    os_rf rfs;
    os_acc acc;
    int dx, t, flags, hr, vitd, rf, smoke, prot;
    const char *names[2];
} fixture;

/* A woman aged 70 with osteoporosis, no fracture; programme `p` defined by
 * BASE with SETS applied. */
static const char *const base =
    "programmes:\n"
    "  p:\n"
    "    label: test\n"
    "    type: drug\n"
    "    evidence: A\n"
    "    source: test input\n"
    "    start_year: 2025\n"
    "    eligibility: {age_min: 65, sex: female, diagnosis: osteoporosis}\n"
    "    coverage: 1\n"
    "    uptake: 1\n"
    "    adherence: 1\n"
    "    discontinuation: 0\n"
    "    effects: {bmd_change: 0.02, fall_rr: 0.6, fracture_rr: {hip: 0.5}, mortality_rr: 0.8}\n"
    "    costs: {per_year: 1000, per_start: 300}\n"
    /* q follows p (sequence.after); arms list it second. */
    "  q:\n"
    "    label: follower\n"
    "    type: drug\n"
    "    evidence: A\n"
    "    source: test input\n"
    "    start_year: 2025\n"
    "    eligibility: {age_min: 65, sex: female}\n"
    "    coverage: 1\n"
    "    uptake: 1\n"
    "    adherence: 1\n"
    "    discontinuation: 0\n"
    "    sequence: {after: p}\n"
    "    effects: {bmd_change: 0.01}\n"
    "    costs: {per_year: 100}\n"
    /* r: offered on the risk-factor states, from 2026. */
    "  r:\n"
    "    label: risk-factor target\n"
    "    type: nutrition\n"
    "    evidence: B\n"
    "    source: test input\n"
    "    start_year: 2026\n"
    "    eligibility: {age_min: 65, vitamin_d_max: 50}\n"
    "    coverage: 1\n"
    "    uptake: 1\n"
    "    adherence: 1\n"
    "    discontinuation: 0\n"
    "    costs: {per_year: 10}\n";

/* The fixture with programmes NAMES[0..NPROG) of the arm; 0, or the
 * error code of the interventions module's init with ERR set. */
static int setup_arm(fixture *f, const char *const *sets, int nsets, size_t n,
                     const char *const *names, int nprog, os_err *errp)
{
    memset(f, 0, sizeof *f);
    char text[4096];
    snprintf(text, sizeof text,
             "include:\n  - %s/configs/params/economics.yaml\n"
             "  - %s/configs/countries/china/economics.yaml\n"
             "scenario: {name: t}\nrun: {start_year: 2025, end_year: 2040, agents: 1000, seed: 11}\n%s",
             OS_SOURCE_DIR, OS_SOURCE_DIR, base);
    os_err err = {0};
    if (os_cfg_load_string(&f->cfg, text, "test", NULL, sets, nsets, &err)) fail_msg("%s", err.msg);
    assert_int_equal(os_cfg_declare(f->cfg, os_engine_params, os_engine_nparams, &err), 0);
    assert_int_equal(os_cfg_declare(f->cfg, os_arms_params, os_arms_nparams, &err), 0);
    assert_int_equal(os_cfg_declare(f->cfg, os_mod_economics.params, os_mod_economics.nparams, &err), 0);
    if (os_mod_interventions.declare(f->cfg, &err) || os_cfg_validate(f->cfg, &err)) fail_msg("%s", err.msg);
    os_pop_init(&f->pop);
    f->dx = os_pop_add_column(&f->pop, "dx", OS_COL_U16, "bits", "", 0, &err);
    f->t = os_pop_add_column(&f->pop, "tscore", OS_COL_F32, "SD", "", 0, &err);
    f->flags = os_pop_add_column(&f->pop, "fx_flags", OS_COL_U8, "bits", "", 0, &err);
    f->hr = os_pop_add_column(&f->pop, "mortality_hr", OS_COL_F32, "1", "", 0, &err);
    assert_true(f->hr > 0);
    f->vitd = os_pop_add_column(&f->pop, "vitd", OS_COL_U8, "nmol/L", "", 0, &err);
    f->rf = os_pop_add_column(&f->pop, "rf_flags", OS_COL_U8, "bits", "", 0, &err);
    f->smoke = os_pop_add_column(&f->pop, "smoking", OS_COL_U8, "1", "", 0, &err);
    f->prot = os_pop_add_column(&f->pop, "protein", OS_COL_U8, "0.01 g/kg/d", "", 0, &err);
    assert_true(f->smoke > 0 && f->prot > 0);
    for (int k = 0; k < nprog; k++) f->names[k] = names[k];
    f->m.cfg = f->cfg;
    f->m.pop = &f->pop;
    f->m.seed = 11;
    f->m.start_year = 2025;
    f->m.end_year = 2040;
    f->m.year = 2025;
    f->m.nthreads = 1;
    f->m.chunk_size = n;
    f->m.programmes = f->names;
    f->m.nprogrammes = nprog;
    f->m.arm_name = "test";
    /* Column lookups name the module: it must be in the model's table. */
    /* risk_factors is there for its low-state cut-offs (iv_riskfactor.c). */
    static const os_module *const mods[] = {&os_mod_risk_factors, &os_mod_interventions};
    f->rfs.p.vitd_cut = 50;
    f->rfs.p.prot_req = 1.0;
    f->states[0] = &f->rfs;
    f->m.modules = mods;
    f->m.nmodules = 2;
    f->m.states = f->states;
    int rc = os_mod_interventions.init(&f->m, &f->states[1], &err);
    f->st = f->states[1];
    if (rc) {
        *errp = err;
        return err.code ? err.code : 1;
    }
    size_t first;
    assert_int_equal(os_pop_append(&f->pop, n, &first, &err), 0);
    for (size_t r = 0; r < n; r++) {
        ((uint32_t *)os_pop_data(&f->pop, OS_COL_ID))[r] = (uint32_t)(r + 1);
        ((float *)os_pop_data(&f->pop, OS_COL_AGE))[r] = 70.0f;
        ((uint32_t *)os_pop_data(&f->pop, OS_COL_WEIGHT))[r] = 1;
        ((uint8_t *)os_pop_data(&f->pop, OS_COL_ALIVE))[r] = 1;
        ((uint16_t *)os_pop_data(&f->pop, f->dx))[r] = OS_DX_OSTEOPOROSIS;
        ((float *)os_pop_data(&f->pop, f->t))[r] = -3.0f;
        ((uint8_t *)os_pop_data(&f->pop, f->vitd))[r] = 60;
        ((uint8_t *)os_pop_data(&f->pop, f->prot))[r] = 110;
    }
    if (os_mod_interventions.year_begin(&f->m, f->st, &err)) fail_msg("%s", err.msg);
    return 0;
}

/* The fixture with programme p alone. */
static void setup(fixture *f, const char *const *sets, int nsets, size_t n)
{
    static const char *const p_only[] = {"p"};
    os_err err = {0};
    if (setup_arm(f, sets, nsets, n, p_only, 1, &err)) fail_msg("%s", err.msg);
}

/* The fixture with p, then q following it. */
static void setup_pq(fixture *f, const char *const *sets, int nsets, size_t n)
{
    static const char *const pq[] = {"p", "q"};
    os_err err = {0};
    if (setup_arm(f, sets, nsets, n, pq, 2, &err)) fail_msg("%s", err.msg);
}

static void teardown(fixture *f)
{
    os_mod_interventions.destroy(f->st);
    os_pop_free(&f->pop);
    os_cfg_free(f->cfg);
}

/* One step of YEAR over all agents (mortality_hr reset to 1 as demography
 * does at the census). */
static void step(fixture *f, int year)
{
    f->m.year = year;
    for (size_t r = 0; r < f->pop.n; r++) ((float *)os_pop_data(&f->pop, f->hr))[r] = 1.0f;
    os_chunk c = {0};
    c.begin = 0;
    c.n = f->pop.n;
    c.id = os_pop_data(&f->pop, OS_COL_ID);
    c.sex = os_pop_data(&f->pop, OS_COL_SEX);
    c.age = os_pop_data(&f->pop, OS_COL_AGE);
    c.weight = os_pop_data(&f->pop, OS_COL_WEIGHT);
    c.alive = os_pop_data(&f->pop, OS_COL_ALIVE);
    c.acc = &f->acc;
    os_mod_interventions.step(&f->m, f->st, &c);
}

static const void *col(fixture *f, const char *name)
{
    int i = os_pop_find_column(&f->pop, name);
    assert_true(i >= 0);
    return os_pop_data(&f->pop, i);
}

static size_t count_state(fixture *f, int state)
{
    const uint8_t *s = col(f, "iv0_state");
    size_t n = 0;
    for (size_t r = 0; r < f->pop.n; r++) n += s[r] == state;
    return n;
}

/* |x - p| within 4 binomial standard errors of a share p of n. */
static void assert_share(double x, double p, size_t n)
{
    double se = sqrt(p * (1 - p) / (double)n);
    if (fabs(x - p) > 4 * se + 1e-12) fail_msg("share %.5f, expected %.5f +- %.5f", x, p, 4 * se);
}

static void test_reach_and_eligibility(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.coverage=0.6", "programmes.p.uptake=0.5"};
    fixture f;
    const size_t n = 20000;
    setup(&f, sets, 2, n);
    /* A quarter are men, a quarter too young, a quarter without osteoporosis. */
    for (size_t r = 0; r < n; r++) {
        if (r % 4 == 1) ((uint8_t *)os_pop_data(&f.pop, OS_COL_SEX))[r] = 1;
        if (r % 4 == 2) ((float *)os_pop_data(&f.pop, OS_COL_AGE))[r] = 60.0f;
        if (r % 4 == 3) ((uint16_t *)os_pop_data(&f.pop, f.dx))[r] = OS_DX_OSTEOPENIA;
    }
    step(&f, 2025);
    const uint8_t *s = col(&f, "iv0_state");
    size_t started = 0;
    for (size_t r = 0; r < n; r++) {
        if (r % 4) assert_int_equal(s[r], 0);   /* ineligible: never started */
        else started += s[r] == 1;
    }
    assert_share((double)started / (n / 4), 0.6 * 0.5, n / 4);
    /* The same people stay unreached: a second year starts nobody new. */
    step(&f, 2026);
    assert_int_equal(count_state(&f, 1), started);
    teardown(&f);
}

static void test_effects_on_the_treated(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.adherence=0.5", "programmes.p.coverage=0.5"};
    fixture f;
    setup(&f, sets, 2, 4000);
    step(&f, 2025);
    const uint8_t *s = col(&f, "iv0_state");
    const float *bmd = col(&f, OS_IV_BMD), *fall = col(&f, OS_IV_FALL_RR);
    const float *hip = col(&f, OS_IV_FX_RR_PREFIX "hip"), *vert = col(&f, OS_IV_FX_RR_PREFIX "vertebral");
    const float *hr = col(&f, "mortality_hr"), *cost = col(&f, OS_IV_COST);
    size_t on = 0;
    for (size_t r = 0; r < f.pop.n; r++) {
        if (s[r] == 1) {
            on++;
            /* Adherence 0.5 gives half of each effect. */
            assert_float_equal(bmd[r], 0.5 * 0.02, 1e-7);
            assert_float_equal(fall[r], 1 - 0.5 * 0.4, 1e-7);
            assert_float_equal(hip[r], 1 - 0.5 * 0.5, 1e-7);
            assert_float_equal(vert[r], 1.0, 0);
            assert_float_equal(hr[r], 1 - 0.5 * 0.2, 1e-7);
            assert_float_equal(cost[r], 300 + 1000, 1e-3);
        } else {
            assert_float_equal(bmd[r], 0, 0);
            assert_float_equal(fall[r], 1, 0);
            assert_float_equal(hr[r], 1, 0);
            assert_float_equal(cost[r], 0, 0);
        }
    }
    assert_share((double)on / f.pop.n, 0.5, f.pop.n);
    /* Second year: no start cost. */
    step(&f, 2026);
    for (size_t r = 0; r < f.pop.n; r++)
        if (s[r] == 1) assert_float_equal(cost[r], 1000, 1e-3);
    teardown(&f);
}

static void test_discontinuation_and_max_years(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.discontinuation=0.3"};
    fixture f;
    setup(&f, sets, 1, 20000);
    step(&f, 2025);
    assert_share((double)count_state(&f, 1) / f.pop.n, 0.7, f.pop.n);
    teardown(&f);

    const char *sets2[] = {"programmes.p.max_years=3"};
    setup(&f, sets2, 1, 100);
    for (int y = 2025; y < 2028; y++) {
        assert_int_equal(count_state(&f, 2), 0);
        step(&f, y);
    }
    /* On for exactly three steps, stopped after the third. */
    assert_int_equal(count_state(&f, 2), 100);
    step(&f, 2028);
    const float *bmd = col(&f, OS_IV_BMD), *fall = col(&f, OS_IV_FALL_RR);
    for (size_t r = 0; r < f.pop.n; r++) {
        assert_float_equal(bmd[r], 0, 0);
        assert_float_equal(fall[r], 1, 0);   /* no offset: effects end at once */
    }
    teardown(&f);
}

/* Stopping after one year: ratios fade over offset_years, BMD change ends
 * at once and the rebound applies for rebound_years (denosumab). */
static void test_fade_and_rebound(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.discontinuation=1", "programmes.p.after_stop.offset_years=4",
                          "programmes.p.after_stop.rebound_bmd_change=-0.05",
                          "programmes.p.after_stop.rebound_years=2"};
    fixture f;
    setup(&f, sets, 4, 10);
    step(&f, 2025);
    const float *bmd = col(&f, OS_IV_BMD), *fall = col(&f, OS_IV_FALL_RR);
    assert_float_equal(bmd[0], 0.02, 1e-7);
    const double want_fall[] = {1 - 0.75 * 0.4, 1 - 0.5 * 0.4, 1 - 0.25 * 0.4, 1, 1};
    const double want_bmd[] = {-0.05, -0.05, 0, 0, 0};
    for (int k = 0; k < 5; k++) {
        step(&f, 2026 + k);
        for (size_t r = 0; r < f.pop.n; r++) {
            assert_float_equal(fall[r], want_fall[k], 1e-6);
            assert_float_equal(bmd[r], want_bmd[k], 1e-7);
        }
    }
    assert_int_equal(count_state(&f, 3), f.pop.n);   /* done: never restarts */
    teardown(&f);
}

/* Stopping every year (discontinuation 1), offered again 2 years after
 * stopping: on in 2025, off in 2026, on again in 2027 (with a new start). */
static void test_reoffer(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.discontinuation=1", "programmes.p.after_stop.reoffer_years=2"};
    fixture f;
    setup(&f, sets, 2, 10);
    const float *cost = col(&f, OS_IV_COST);
    const float want[] = {1300, 0, 1300, 0, 1300};
    const int state_after[] = {2, 3, 2, 3, 2};
    for (int k = 0; k < 5; k++) {
        step(&f, 2025 + k);
        assert_float_equal(cost[0], want[k], 1e-3);
        assert_int_equal(count_state(&f, state_after[k]), 10);
    }
    teardown(&f);

    /* Without reoffer_years a stopped person never starts again. */
    const char *once[] = {"programmes.p.discontinuation=1"};
    setup(&f, once, 1, 10);
    for (int k = 0; k < 5; k++) step(&f, 2025 + k);
    assert_int_equal(count_state(&f, 3), 10);
    assert_float_equal(((const float *)col(&f, OS_IV_COST))[0], 0, 0);
    teardown(&f);
}

static void test_change_years(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.effects.change_years=2"};
    fixture f;
    setup(&f, sets, 1, 10);
    const float *bmd = col(&f, OS_IV_BMD), *fall = col(&f, OS_IV_FALL_RR);
    const double want[] = {0.02, 0.02, 0, 0};
    for (int k = 0; k < 4; k++) {
        step(&f, 2025 + k);
        assert_float_equal(bmd[0], want[k], 1e-7);
        assert_float_equal(fall[0], 0.6, 1e-7);   /* ratios last while on it */
    }
    teardown(&f);
}

/* Screening every 2 years, attended by half: a perfect test (DXA) finds
 * only people with osteoporosis; an imperfect one (CT with a deep-learning
 * reader) finds sensitivity of them and 1 - specificity of the others. */
static void test_screening(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.finding.method=ct_ai", "programmes.p.finding.interval=2",
                          "programmes.p.finding.attendance=0.5", "programmes.p.finding.sensitivity=0.8",
                          "programmes.p.finding.specificity=0.9", "programmes.p.finding.cost=100",
                          "programmes.p.eligibility.diagnosis=osteoporosis"};
    fixture f;
    const size_t n = 40000;
    setup(&f, sets, 7, n);
    for (size_t r = 1; r < n; r += 2) ((uint16_t *)os_pop_data(&f.pop, f.dx))[r] = 0;
    step(&f, 2025);
    const uint8_t *s = col(&f, "iv0_state");
    size_t tp = 0, fp = 0;
    for (size_t r = 0; r < n; r++) *(r % 2 ? &fp : &tp) += s[r] == 1;
    assert_share((double)tp / (n / 2), 0.5 * 0.8, n / 2);
    assert_share((double)fp / (n / 2), 0.5 * 0.1, n / 2);
    double screens = 0;
    for (int i = 0; i < f.m.nsummary; i++)
        if (!strcmp(f.m.summary[i].name, "programme_screens"))
            for (int cell = 0; cell < OS_NCELLS; cell++)
                screens += (double)f.acc.v[cell * OS_MAX_SUMMARY_COLS + i] / OS_ACC_SCALE;
    assert_share(screens / n, 0.5, n);
    /* 2026 is not a screening year: nobody new starts. */
    size_t on = count_state(&f, 1);
    step(&f, 2026);
    assert_int_equal(count_state(&f, 1), on);
    teardown(&f);
}

static size_t count_state_of(fixture *f, const char *column, int state)
{
    const uint8_t *s = col(f, column);
    size_t n = 0;
    for (size_t r = 0; r < f->pop.n; r++) n += s[r] == state;
    return n;
}

/* A persistence curve: the share still on after t years follows the
 * table (0.6, 0.45, 0.40), then the yearly discontinuation (0.1). */
static void test_persistence_curve(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.persistence.year_1=0.6", "programmes.p.persistence.year_2=0.45",
                          "programmes.p.persistence.year_3=0.4", "programmes.p.discontinuation=0.1"};
    fixture f;
    const size_t n = 40000;
    setup(&f, sets, 4, n);
    const double want[] = {0.6, 0.45, 0.4, 0.4 * 0.9, 0.4 * 0.9 * 0.9};
    for (int k = 0; k < 5; k++) {
        step(&f, 2025 + k);
        assert_share((double)count_state(&f, 1) / n, want[k], n);
    }
    teardown(&f);
}

/* q follows p when p stops: p for one year (max_years 1, romosozumab
 * style), q from the year after, and q prevents the given share of p's
 * rebound while on it. */
static void test_sequence_after_stop(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.max_years=1", "programmes.p.after_stop.rebound_bmd_change=-0.04",
                          "programmes.p.after_stop.rebound_years=1",
                          "programmes.q.sequence.rebound_prevented=0.75"};
    fixture f;
    setup_pq(&f, sets, 4, 50);
    const float *bmd = col(&f, OS_IV_BMD);
    step(&f, 2025);
    assert_int_equal(count_state_of(&f, "iv0_state", 2), 50);   /* p: stopped after its year */
    assert_int_equal(count_state_of(&f, "iv1_state", 0), 50);   /* q: not yet */
    assert_float_equal(bmd[0], 0.02, 1e-7);
    step(&f, 2026);
    assert_int_equal(count_state_of(&f, "iv1_state", 1), 50);   /* q starts the year after */
    /* q's own change plus the quarter of p's rebound it does not prevent. */
    assert_float_equal(bmd[0], 0.01 - 0.25 * 0.04, 1e-7);
    step(&f, 2027);
    assert_float_equal(bmd[0], 0.01, 1e-7);                     /* rebound over */
    teardown(&f);

    /* Without a predecessor that stops, q never starts. */
    setup_pq(&f, NULL, 0, 20);
    for (int k = 0; k < 4; k++) step(&f, 2025 + k);
    assert_int_equal(count_state_of(&f, "iv1_state", 0), 20);
    teardown(&f);
}

/* Sarcopenia case-finding by SARC-F feeding a second programme: among
 * screened people q reaches sensitivity of the sarcopenic and
 * 1 - specificity of the others, whatever p's own uptake. */
static void test_case_finding_feeds_sequence(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.finding.method=sarc_f", "programmes.p.finding.interval=1",
                          "programmes.p.finding.attendance=0.5", "programmes.p.finding.sensitivity=0.3",
                          "programmes.p.finding.specificity=0.9", "programmes.p.finding.cost=10",
                          "programmes.p.eligibility.diagnosis=sarcopenia", "programmes.p.uptake=0.5",
                          "programmes.q.sequence.when=found"};
    fixture f;
    const size_t n = 40000;
    setup_pq(&f, sets, 9, n);
    for (size_t r = 0; r < n; r++)
        ((uint16_t *)os_pop_data(&f.pop, f.dx))[r] = r % 2 ? 0 : OS_DX_SARC_AWGS;
    step(&f, 2025);
    const uint8_t *sq = col(&f, "iv1_state"), *sp = col(&f, "iv0_state");
    size_t tp = 0, fp = 0, p_on = 0;
    for (size_t r = 0; r < n; r++) {
        *(r % 2 ? &fp : &tp) += sq[r] == 1;
        p_on += sp[r] == 1;
    }
    assert_share((double)tp / (n / 2), 0.5 * 0.3, n / 2);
    assert_share((double)fp / (n / 2), 0.5 * 0.1, n / 2);
    /* p itself starts only half of those it finds (attendance 0.5). */
    assert_share((double)p_on / n, 0.5 * 0.5 * (0.5 * 0.3 + 0.5 * 0.1), n);
    teardown(&f);
}

/* Repeated yearly screening of people without the condition: with
 * independent errors the false positives add up (1 - 0.9^5 after five
 * rounds); with per-person errors the same 10 % are flagged every round. */
static void test_case_finding_errors_per_person(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.finding.method=calf", "programmes.p.finding.interval=1",
                          "programmes.p.finding.attendance=1", "programmes.p.finding.sensitivity=0.8",
                          "programmes.p.finding.specificity=0.9", "programmes.p.finding.cost=1",
                          "programmes.p.eligibility.diagnosis=sarcopenia", "programmes.p.finding.errors=x"};
    const char *kinds[] = {"independent", "per_person"};
    const double want[] = {1 - 0.9 * 0.9 * 0.9 * 0.9 * 0.9, 0.1};
    const size_t n = 20000;
    for (int k = 0; k < 2; k++) {
        char errors[64];
        snprintf(errors, sizeof errors, "programmes.p.finding.errors=%s", kinds[k]);
        sets[7] = errors;
        fixture f;
        setup(&f, sets, 8, n);
        for (size_t r = 0; r < n; r++) ((uint16_t *)os_pop_data(&f.pop, f.dx))[r] = 0;
        for (int y = 0; y < 5; y++) step(&f, 2025 + y);
        assert_share((double)(n - count_state(&f, 0)) / n, want[k], n);
        teardown(&f);
    }
}

/* Rebound scaled to the gain: 3 years at +0.02 then a 2-year rebound
 * taking back all of it (0.06 / 2 a year) on top of the fixed -0.01, with
 * the after-stop vertebral rate ratio over the same window. */
static void test_rebound_scaled_to_gain(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.max_years=3", "programmes.p.after_stop.rebound_bmd_change=-0.01",
                          "programmes.p.after_stop.rebound_years=2",
                          "programmes.p.after_stop.rebound_gain_share=1",
                          "programmes.p.after_stop.fracture_rr.vertebral=1.5"};
    fixture f;
    setup(&f, sets, 5, 10);
    const float *bmd = col(&f, OS_IV_BMD), *vert = col(&f, OS_IV_FX_RR_PREFIX "vertebral");
    const double want_bmd[] = {0.02, 0.02, 0.02, -0.01 - 0.03, -0.01 - 0.03, 0};
    const double want_vert[] = {1, 1, 1, 1.5, 1.5, 1};
    for (int k = 0; k < 6; k++) {
        step(&f, 2025 + k);
        assert_float_equal(bmd[0], want_bmd[k], 1e-6);
        assert_float_equal(vert[0], want_vert[k], 1e-6);
    }
    teardown(&f);

    /* A one-year course has less to lose. */
    const char *one[] = {"programmes.p.max_years=1", "programmes.p.after_stop.rebound_bmd_change=-0.01",
                         "programmes.p.after_stop.rebound_years=1", "programmes.p.after_stop.rebound_gain_share=1"};
    setup(&f, one, 4, 10);
    step(&f, 2025);
    step(&f, 2026);
    assert_float_equal(((const float *)col(&f, OS_IV_BMD))[0], -0.01 - 0.02, 1e-6);
    teardown(&f);
}

/* Eligibility on risk factors: 25(OH)D below 50 nmol/L, sedentary,
 * current smokers. */
static void test_risk_factor_eligibility(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.eligibility.vitamin_d_max=50", "programmes.p.eligibility.sedentary=yes",
                          "programmes.p.eligibility.smoking=current"};
    fixture f;
    setup(&f, sets, 3, 64);
    uint8_t *vd = os_pop_data(&f.pop, f.vitd), *rf = os_pop_data(&f.pop, f.rf), *sm = os_pop_data(&f.pop, f.smoke);
    for (size_t r = 0; r < f.pop.n; r++) {
        vd[r] = r & 1 ? 70 : 30;
        rf[r] = r & 2 ? OS_RF_SEDENTARY : 0;
        sm[r] = r & 4 ? OS_SMOKE_CURRENT : OS_SMOKE_FORMER;
    }
    step(&f, 2025);
    const uint8_t *s = col(&f, "iv0_state");
    for (size_t r = 0; r < f.pop.n; r++) assert_int_equal(s[r], (r & 7) == 6 ? 1 : 0);
    teardown(&f);
}

/* ---- programmes acting on risk factors (iv_riskfactor.h) ---- */

/* The shifts apply, scaled by adherence, in every year on the programme
 * and end the year after stopping; the natural columns are never written,
 * so nothing compounds (risk_factors' AR(1) reads only them). */
static void test_rf_shift_on_and_off(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.risk_factor.vitamin_d_nmol=25", "programmes.p.risk_factor.protein_g_per_kg=0.3",
                          "programmes.p.risk_factor.inflammation_z=-0.5", "programmes.p.adherence=0.8",
                          "programmes.p.max_years=3"};
    fixture f;
    setup(&f, sets, 5, 40);
    uint8_t *vd = os_pop_data(&f.pop, f.vitd), *rf = os_pop_data(&f.pop, f.rf), *pr = os_pop_data(&f.pop, f.prot);
    for (size_t r = 0; r < f.pop.n; r++) {
        vd[r] = r & 1 ? 40 : 20;          /* +20: 60 clears the cut of 50, 40 does not */
        pr[r] = r & 2 ? 80 : 60;          /* +0.24: 1.04 clears the requirement, 0.84 does not */
        rf[r] = OS_RF_LOWVITD | OS_RF_LOWPROT;
    }
    for (int year = 2025; year <= 2029; year++) {
        step(&f, year);
        const float *sv = col(&f, "iv_vitd"), *sp = col(&f, "iv_protein"), *si = col(&f, "iv_infl");
        const uint8_t *clr = col(&f, "iv_rf_clear");
        int on = year <= 2027;   /* max_years 3 */
        for (size_t r = 0; r < f.pop.n; r++) {
            assert_int_equal(vd[r], r & 1 ? 40 : 20);   /* natural state untouched */
            assert_int_equal(pr[r], r & 2 ? 80 : 60);
            assert_float_equal(sv[r], on ? 20.0 : 0.0, 1e-5);   /* the same each year: no compounding */
            assert_float_equal(sp[r], on ? 0.24 : 0.0, 1e-6);
            assert_float_equal(si[r], on ? -0.4 : 0.0, 1e-6);
            unsigned want = on ? ((r & 1) ? OS_RF_LOWVITD : 0u) | ((r & 2) ? OS_RF_LOWPROT : 0u) : 0u;
            assert_int_equal(clr[r], want);
        }
    }
    teardown(&f);
}

/* pathway risk_factor: the effects block is not applied; pathway direct:
 * the risk_factor block is not (no shift columns at all). */
static void test_rf_pathway(void **state)
{
    (void)state;
    const char *rfp[] = {"programmes.p.risk_factor.vitamin_d_nmol=25", "programmes.p.pathway=risk_factor"};
    fixture f;
    setup(&f, rfp, 2, 10);
    step(&f, 2025);
    const float *bmd = col(&f, OS_IV_BMD), *fall = col(&f, OS_IV_FALL_RR), *fx = col(&f, OS_IV_FX_RR_PREFIX "hip");
    const float *sv = col(&f, "iv_vitd"), *hr = os_pop_data(&f.pop, f.hr);
    for (size_t r = 0; r < f.pop.n; r++) {
        assert_float_equal(bmd[r], 0.0, 0.0);
        assert_float_equal(fall[r], 1.0, 0.0);
        assert_float_equal(fx[r], 1.0, 0.0);
        assert_float_equal(hr[r], 1.0, 0.0);
        assert_float_equal(sv[r], 25.0, 1e-6);
    }
    assert_int_equal(count_state(&f, 1), f.pop.n);
    teardown(&f);
    const char *direct[] = {"programmes.p.risk_factor.vitamin_d_nmol=25", "programmes.p.pathway=direct"};
    setup(&f, direct, 2, 10);
    step(&f, 2025);
    assert_true(os_pop_find_column(&f.pop, "iv_vitd") < 0);
    const float *bmd2 = col(&f, OS_IV_BMD);
    for (size_t r = 0; r < f.pop.n; r++) assert_float_equal(bmd2[r], 0.02, 1e-7);
    teardown(&f);
}

/* Programme r is offered on the effective state: people on p, which
 * moves SET's state across r's criterion, are not offered r. */
static void rf_eligibility_case(const char *const *sets, int nsets)
{
    static const char *const pr[] = {"p", "r"};
    fixture f;
    os_err err = {0};
    if (setup_arm(&f, sets, nsets, 400, pr, 2, &err)) fail_msg("%s", err.msg);
    uint8_t *vd = os_pop_data(&f.pop, f.vitd), *rf = os_pop_data(&f.pop, f.rf), *pt = os_pop_data(&f.pop, f.prot);
    for (size_t r = 0; r < f.pop.n; r++) {
        vd[r] = 30;
        pt[r] = 80;
        rf[r] = OS_RF_LOWVITD | OS_RF_LOWPROT | OS_RF_SEDENTARY;
    }
    step(&f, 2025);   /* p starts for about half; r starts in 2026 */
    step(&f, 2026);
    const uint8_t *sp = col(&f, "iv0_state"), *sr = col(&f, "iv1_state");
    size_t on_p = 0;
    for (size_t r = 0; r < f.pop.n; r++) {
        on_p += sp[r] == 1;
        assert_int_equal(sr[r] == 1, sp[r] != 1);
    }
    assert_true(on_p > 100 && on_p < 300);
    teardown(&f);
}

static void test_rf_eligibility_effective(void **state)
{
    (void)state;
    const char *vitd[] = {"programmes.p.coverage=0.5", "programmes.p.risk_factor.vitamin_d_nmol=30"};
    rf_eligibility_case(vitd, 2);
    const char *sed[] = {"programmes.p.coverage=0.5", "programmes.p.risk_factor.sedentary_to_active=1",
                         "programmes.r.eligibility.sedentary=yes"};
    rf_eligibility_case(sed, 3);
    const char *prot[] = {"programmes.p.coverage=0.5", "programmes.p.risk_factor.protein_g_per_kg=0.5",
                          "programmes.r.eligibility.protein_max=1.0"};
    rf_eligibility_case(prot, 3);
}

/* A current smoker on the programme quits with the yearly probability
 * smoking_quit x adherence, for good; nobody quits after stopping. */
static void test_rf_smoking_quit(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.risk_factor.smoking_quit=0.3", "programmes.p.adherence=0.5",
                          "programmes.p.max_years=2"};
    fixture f;
    const size_t n = 20000;
    setup(&f, sets, 3, n);
    uint8_t *sm = os_pop_data(&f.pop, f.smoke);
    for (size_t r = 0; r < n; r++) sm[r] = OS_SMOKE_CURRENT;
    size_t current = n;
    for (int year = 2025; year <= 2028; year++) {
        step(&f, year);
        size_t now = 0;
        for (size_t r = 0; r < n; r++) now += sm[r] == OS_SMOKE_CURRENT;
        if (year <= 2026)
            assert_share((double)(current - now) / (double)current, 0.15, current);
        else
            assert_int_equal(now, current);   /* off the programme */
        current = now;
    }
    teardown(&f);
}

/* sedentary_to_active: active by year t on it with probability
 * 1 - (1 - p)^t, and once active, active for the rest of the course. */
static void test_rf_sedentary_to_active(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.risk_factor.sedentary_to_active=0.4", "programmes.p.max_years=2"};
    fixture f;
    const size_t n = 20000;
    setup(&f, sets, 2, n);
    uint8_t *rf = os_pop_data(&f.pop, f.rf);
    for (size_t r = 0; r < n; r++) rf[r] = r & 1 ? OS_RF_SEDENTARY : 0;
    uint8_t *was = calloc(n, 1);
    assert_non_null(was);
    for (int year = 2025; year <= 2027; year++) {
        step(&f, year);
        const uint8_t *clr = col(&f, "iv_rf_clear");
        size_t active = 0;
        for (size_t r = 0; r < n; r++) {
            if (!(r & 1)) assert_int_equal(clr[r], 0);   /* active people: nothing to clear */
            int a = (clr[r] & OS_RF_SEDENTARY) != 0;
            if (year == 2026 && was[r]) assert_true(a);
            active += a;
            was[r] = (uint8_t)a;
        }
        if (year == 2027)
            assert_int_equal(active, 0);   /* stopped */
        else
            assert_share((double)active / (double)(n / 2), 1.0 - pow(0.6, year - 2024), n / 2);
    }
    free(was);
    teardown(&f);
}

/* Inputs the schema refuses, each naming its key. */
static void test_schema_errors(void **state)
{
    (void)state;
    static const char *const qp[] = {"q", "p"};
    fixture f;
    os_err err = {0};
    assert_int_not_equal(setup_arm(&f, NULL, 0, 10, qp, 2, &err), 0);
    assert_non_null(strstr(err.msg, "programmes.q.sequence.after"));
    teardown(&f);

    const char *cf[] = {"programmes.p.finding.method=calf", "programmes.p.finding.interval=1",
                        "programmes.p.finding.attendance=1", "programmes.p.finding.sensitivity=0.8",
                        "programmes.p.finding.specificity=0.8", "programmes.p.finding.cost=1"};
    static const char *const p_only[] = {"p"};
    memset(&err, 0, sizeof err);
    assert_int_not_equal(setup_arm(&f, cf, 6, 10, p_only, 1, &err), 0);
    assert_non_null(strstr(err.msg, "programmes.p.finding.method"));
    teardown(&f);

    const char *gap[] = {"programmes.p.persistence.year_1=0.6", "programmes.p.persistence.year_3=0.4"};
    memset(&err, 0, sizeof err);
    assert_int_not_equal(setup_arm(&f, gap, 2, 10, p_only, 1, &err), 0);
    assert_non_null(strstr(err.msg, "persistence"));
    teardown(&f);
}

static void test_adverse_events(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.adverse.flu.rate=0.25", "programmes.p.adverse.flu.cost=400",
                          "programmes.p.adverse.flu.disutility=0.02"};
    fixture f;
    setup(&f, sets, 3, 20000);
    step(&f, 2025);
    const float *cost = col(&f, OS_IV_COST), *q = col(&f, OS_IV_QALY_LOSS);
    size_t ae = 0;
    for (size_t r = 0; r < f.pop.n; r++) {
        int had = q[r] > 0;
        ae += had;
        assert_float_equal(cost[r], 1300 + (had ? 400 : 0), 1e-3);
        assert_float_equal(q[r], had ? 0.02 : 0, 1e-7);
    }
    assert_share((double)ae / f.pop.n, 0.25, f.pop.n);
    teardown(&f);

    /* An event that kills (hazard ratio in its year) and stops the
     * programme: the people it struck are off it the next year. */
    const char *severe[] = {"programmes.p.adverse.liver.rate=0.25", "programmes.p.adverse.liver.cost=1",
                            "programmes.p.adverse.liver.disutility=0.1",
                            "programmes.p.adverse.liver.mortality_hr=3",
                            "programmes.p.adverse.liver.stops=true"};
    setup(&f, severe, 5, 20000);
    step(&f, 2025);
    const float *hr = col(&f, "mortality_hr"), *q2 = col(&f, OS_IV_QALY_LOSS);
    const uint8_t *st = col(&f, "iv0_state");
    size_t struck = 0;
    for (size_t r = 0; r < f.pop.n; r++) {
        int had = q2[r] > 0;
        struck += had;
        assert_float_equal(hr[r], had ? 3 * 0.8 : 0.8, 1e-6);   /* with the programme's mortality_rr */
        assert_int_equal(st[r], had ? 2 : 1);
    }
    assert_share((double)struck / f.pop.n, 0.25, f.pop.n);
    teardown(&f);
}

/* The error model of a CT reader: a screen is positive when true T +
 * bias + sd x N(0, 1) is at or below the threshold, so the realised
 * sensitivity and 1 - specificity are the normal-CDF values at the true
 * T-scores of the two halves (-3 and -2). */
static void test_screening_error_model(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.finding.method=ct_ai", "programmes.p.finding.interval=1",
                          "programmes.p.finding.attendance=1", "programmes.p.finding.accuracy=error_model",
                          "programmes.p.finding.error_bias=0.2", "programmes.p.finding.error_sd=0.5",
                          "programmes.p.finding.error_threshold=-2.5", "programmes.p.finding.cost=10",
                          "programmes.p.eligibility.diagnosis=osteoporosis"};
    fixture f;
    const size_t n = 40000;
    setup(&f, sets, 9, n);
    for (size_t r = 1; r < n; r += 2) {
        ((uint16_t *)os_pop_data(&f.pop, f.dx))[r] = OS_DX_OSTEOPENIA;
        ((float *)os_pop_data(&f.pop, f.t))[r] = -2.0f;
    }
    step(&f, 2025);
    const uint8_t *s = col(&f, "iv0_state");
    size_t tp = 0, fp = 0;
    for (size_t r = 0; r < n; r++) *(r % 2 ? &fp : &tp) += s[r] == 1;
    double sens = 0.5 * erfc(-((-2.5 + 3.0 - 0.2) / 0.5) / sqrt(2.0));
    double fpr = 0.5 * erfc(-((-2.5 + 2.0 - 0.2) / 0.5) / sqrt(2.0));
    assert_share((double)tp / (n / 2), sens, n / 2);
    assert_share((double)fp / (n / 2), fpr, n / 2);
    teardown(&f);
}

/* Sum of summary column NAME over the cells (persons). */
static double summary_total(fixture *f, const char *name)
{
    double x = 0;
    for (int i = 0; i < f->m.nsummary; i++)
        if (!strcmp(f->m.summary[i].name, name))
            for (int cell = 0; cell < OS_NCELLS; cell++)
                x += (double)f->acc.v[cell * OS_MAX_SUMMARY_COLS + i] / OS_ACC_SCALE;
    return x;
}

/* A fatal adverse event: of the people it strikes, case_fatality are
 * flagged to die this year (iv_ae_death, read by mortality.c) and counted
 * in adverse_event_deaths; without a case fatality neither exists. */
static void test_fatal_adverse_events(void **state)
{
    (void)state;
    const char *sets[] = {"programmes.p.adverse.mi.rate=0.25", "programmes.p.adverse.mi.cost=1",
                          "programmes.p.adverse.mi.disutility=0.1", "programmes.p.adverse.mi.case_fatality=0.4"};
    fixture f;
    const size_t n = 40000;
    setup(&f, sets, 4, n);
    step(&f, 2025);
    const uint8_t *dies = col(&f, OS_IV_AE_DEATH);
    const float *q = col(&f, OS_IV_QALY_LOSS);
    size_t nd = 0;
    for (size_t r = 0; r < n; r++) {
        if (dies[r]) assert_true(q[r] > 0);   /* only the struck die of it */
        nd += dies[r];
    }
    assert_share((double)nd / n, 0.25 * 0.4, n);
    assert_float_equal(summary_total(&f, "adverse_event_deaths"), (double)nd, 1e-6);
    teardown(&f);

    const char *plain[] = {"programmes.p.adverse.flu.rate=0.25", "programmes.p.adverse.flu.cost=1",
                           "programmes.p.adverse.flu.disutility=0.1"};
    setup(&f, plain, 3, 100);
    assert_true(os_pop_find_column(&f.pop, OS_IV_AE_DEATH) < 0);
    for (int i = 0; i < f.m.nsummary; i++) assert_string_not_equal(f.m.summary[i].name, "adverse_event_deaths");
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reach_and_eligibility),
        cmocka_unit_test(test_effects_on_the_treated),
        cmocka_unit_test(test_discontinuation_and_max_years),
        cmocka_unit_test(test_fade_and_rebound),
        cmocka_unit_test(test_reoffer),
        cmocka_unit_test(test_change_years),
        cmocka_unit_test(test_screening),
        cmocka_unit_test(test_adverse_events),
        cmocka_unit_test(test_persistence_curve),
        cmocka_unit_test(test_sequence_after_stop),
        cmocka_unit_test(test_case_finding_feeds_sequence),
        cmocka_unit_test(test_case_finding_errors_per_person),
        cmocka_unit_test(test_rebound_scaled_to_gain),
        cmocka_unit_test(test_risk_factor_eligibility),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_screening_error_model),
        cmocka_unit_test(test_fatal_adverse_events),
        cmocka_unit_test(test_rf_shift_on_and_off),
        cmocka_unit_test(test_rf_pathway),
        cmocka_unit_test(test_rf_eligibility_effective),
        cmocka_unit_test(test_rf_smoking_quit),
        cmocka_unit_test(test_rf_sedentary_to_active),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
