/* events_fixture.h - the shared fixture of the event and economics unit
 * tests: the project's event and economics parameters, the columns other
 * modules own, and the event modules initialised on hand-set agents.
 * Included by one test file each (it defines static functions). */
#ifndef OS_EVENTS_FIXTURE_H
#define OS_EVENTS_FIXTURE_H

extern const os_module os_mod_falls, os_mod_fractures, os_mod_hospital, os_mod_disability,
    os_mod_excess_mortality, os_mod_economics, os_mod_diagnosis;
static const os_module *const mods[] = {
    &os_mod_falls, &os_mod_fractures, &os_mod_hospital, &os_mod_disability, &os_mod_excess_mortality,
    &os_mod_economics
};
#define NMODS 6
/* Index of each module's state in fixture.st. */
enum { FX_FALLS, FX_FRACTURES, FX_HOSPITAL, FX_DISABILITY, FX_EXCESS, FX_ECONOMICS };

typedef struct fixture {
    os_cfg *cfg;
    os_pop pop;
    os_model m;
    void *st[NMODS];
    os_acc acc;
    int dx, grip, gait, tscore, bmd, hr, bedrest;
} fixture;

/* Femoral-neck BMD with T-score T on the fracture-risk reference. */
static float fixture_bmd_at(const fixture *f, double t)
{
    return (float)(os_cfg_real(f->cfg, "fractures.bmd_ref.mean") + t * os_cfg_real(f->cfg, "fractures.bmd_ref.sd"));
}

/* Loads the project's event and economics parameters with SETS applied,
 * registers the columns other modules own, then inits the event modules. */
static void setup(fixture *f, const char *const *sets, int nsets, size_t n)
{
    memset(f, 0, sizeof *f);
    char text[2048];
    /* Generic effect sizes, then China's base rates and costs (starting
     * values: the pack's fitted.yaml is not included). */
    snprintf(text, sizeof text,
             "include:\n  - %s/configs/params/events.yaml\n  - %s/configs/params/economics.yaml\n"
             "  - %s/configs/countries/china/events.yaml\n"
             "  - %s/configs/countries/china/economics.yaml\n"
             "scenario: {name: t}\nrun: {start_year: 2025, end_year: 2030, agents: 1000, seed: 7}\n",
             OS_SOURCE_DIR, OS_SOURCE_DIR, OS_SOURCE_DIR, OS_SOURCE_DIR);
    os_err err = {0};
    if (os_cfg_load_string(&f->cfg, text, "test", NULL, sets, nsets, &err)) fail_msg("%s", err.msg);
    assert_int_equal(os_cfg_declare(f->cfg, os_engine_params, os_engine_nparams, &err), 0);
    assert_int_equal(os_cfg_declare(f->cfg, os_arms_params, os_arms_nparams, &err), 0);
    for (int i = 0; i < NMODS; i++)
        assert_int_equal(os_cfg_declare(f->cfg, mods[i]->params, mods[i]->nparams, &err), 0);
    /* The diagnosis module owns model.sarcopenia_definition. */
    for (size_t i = 0; i < os_mod_diagnosis.nparams; i++)
        if (!strcmp(os_mod_diagnosis.params[i].key, "model.sarcopenia_definition"))
            assert_int_equal(os_cfg_declare(f->cfg, &os_mod_diagnosis.params[i], 1, &err), 0);
    if (os_cfg_validate(f->cfg, &err)) fail_msg("%s", err.msg);
    os_pop_init(&f->pop);
    f->dx = os_pop_add_column(&f->pop, "dx", OS_COL_U16, "bits", "", 0, &err);
    f->grip = os_pop_add_column(&f->pop, "grip", OS_COL_F32, "kg", "", 0, &err);
    f->gait = os_pop_add_column(&f->pop, "gait", OS_COL_F32, "m/s", "", 0, &err);
    f->tscore = os_pop_add_column(&f->pop, "tscore", OS_COL_F32, "SD", "", 0, &err);
    f->bmd = os_pop_add_column(&f->pop, "bmd", OS_COL_F32, "g/cm2", "", 0, &err);
    f->hr = os_pop_add_column(&f->pop, "mortality_hr", OS_COL_F32, "1", "", 0, &err);
    f->bedrest = os_pop_add_column(&f->pop, "bedrest_weeks", OS_COL_U8, "week", "", 0, &err);
    assert_true(f->bedrest > 0);
    f->m.cfg = f->cfg;
    f->m.pop = &f->pop;
    f->m.seed = 7;
    f->m.start_year = 2025;
    f->m.end_year = 2030;
    f->m.year = 2025;
    f->m.nthreads = 1;
    f->m.chunk_size = n;
    f->m.modules = mods;
    f->m.nmodules = NMODS;
    f->m.states = f->st;
    for (int i = 0; i < NMODS; i++)
        if (mods[i]->init(&f->m, &f->st[i], &err)) fail_msg("%s", err.msg);
    size_t first;
    assert_int_equal(os_pop_append(&f->pop, n, &first, &err), 0);
    /* Default agent: woman aged 70, strong, fast, BMD at the fracture
     * model's reference T-score (fixture_bmd_at), no diagnosis, no falls,
     * no fractures. */
    for (size_t r = 0; r < n; r++) {
        ((uint32_t *)os_pop_data(&f->pop, OS_COL_ID))[r] = (uint32_t)(r + 1);
        ((float *)os_pop_data(&f->pop, OS_COL_AGE))[r] = 70.0f;
        ((uint32_t *)os_pop_data(&f->pop, OS_COL_WEIGHT))[r] = 1;
        ((uint8_t *)os_pop_data(&f->pop, OS_COL_ALIVE))[r] = 1;
        ((float *)os_pop_data(&f->pop, f->grip))[r] = 40.0f;
        ((float *)os_pop_data(&f->pop, f->gait))[r] = 1.5f;
        ((float *)os_pop_data(&f->pop, f->tscore))[r] = -2.5f;
        ((float *)os_pop_data(&f->pop, f->bmd))[r] = fixture_bmd_at(f, os_cfg_real(f->cfg, "fractures.tscore_ref"));
        ((float *)os_pop_data(&f->pop, f->hr))[r] = 1.0f;
    }
}

static void teardown(fixture *f)
{
    for (int i = 0; i < NMODS; i++) mods[i]->destroy(f->st[i]);
    os_pop_free(&f->pop);
    os_cfg_free(f->cfg);
}

static os_chunk chunk(fixture *f)
{
    os_pop *p = &f->pop;
    os_chunk c = {0, p->n, os_pop_data(p, OS_COL_ID), os_pop_data(p, OS_COL_SEX),
                  os_pop_data(p, OS_COL_AGE), os_pop_data(p, OS_COL_WEIGHT),
                  os_pop_data(p, OS_COL_ALIVE), &f->acc, NULL};
    return c;
}

static void *col(fixture *f, const char *name)
{
    int c = os_pop_find_column(&f->pop, name);
    assert_true(c >= 0);
    return os_pop_data(&f->pop, c);
}

#endif
