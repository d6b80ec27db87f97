/* excess_mortality.c - hazard ratios of disease and fractures on death.
 *
 * Multiplies the f32 column "mortality_hr" (demography, reset to 1 in each
 * census) by
 *   - hr.sarcopenia for sarcopenia without osteoporosis, or
 *     hr.osteosarcopenia for sarcopenia with WHO osteoporosis, under the
 *     definition of model.sarcopenia_definition (AWGS 2019 or EWGSOP2);
 *   - hr.hip_first_year_<sex> in the year of a hip fracture, hr.hip_later in
 *     every later year; the same for clinical vertebral fractures;
 *   - hr.adl_dependent for ADL dependence at home, hr.care_home in a care
 *     home (the "adl_state" of models/disability.c after this year's
 *     transitions).  The published fracture ratios already include the
 *     deaths that go through the loss of independence, so a dependent
 *     person's fracture and state ratios are not multiplied: the larger of
 *     the fracture product and the state ratio applies.
 * The mortality module then applies q = 1 - exp(-mx * hr * adj), where the
 * demography model's adj keeps all-cause mortality on the life tables (see
 * docs/events.md).  With model.disease_effects false it does nothing.
 */
#include <math.h>
#include <stdlib.h>

#include "diagnosis.h"
#include "events.h"

static const os_param_spec excess_params[] = {
    /* also declared by mortality.c, the other module reading it */
    {"model.disease_effects", OS_P_BOOL, NULL, 1.0, 0.0, 0, "true", NULL,
     "false switches off every disease effect on mortality (demography only)"},
    {"excess_mortality.hr.sarcopenia", OS_P_REAL, "1", 0.2, 20, 1, NULL, NULL,
     "mortality hazard ratio, sarcopenia without osteoporosis"},
    {"excess_mortality.hr.osteosarcopenia", OS_P_REAL, "1", 0.2, 20, 1, NULL, NULL,
     "mortality hazard ratio, sarcopenia with osteoporosis"},
    {"excess_mortality.hr.hip_first_year_female", OS_P_REAL, "1", 0.2, 50, 1, NULL, NULL,
     "mortality hazard ratio in the year of a hip fracture, women"},
    {"excess_mortality.hr.hip_first_year_male", OS_P_REAL, "1", 0.2, 50, 1, NULL, NULL,
     "mortality hazard ratio in the year of a hip fracture, men"},
    {"excess_mortality.hr.hip_later", OS_P_REAL, "1", 0.2, 20, 1, NULL, NULL,
     "mortality hazard ratio in years after the year of a hip fracture"},
    {"excess_mortality.hr.vertebral_first_year", OS_P_REAL, "1", 0.2, 50, 1, NULL, NULL,
     "mortality hazard ratio in the year of a clinical vertebral fracture"},
    {"excess_mortality.hr.vertebral_later", OS_P_REAL, "1", 0.2, 20, 1, NULL, NULL,
     "mortality hazard ratio in years after the year of a clinical vertebral fracture"},
    {"excess_mortality.hr.adl_dependent", OS_P_REAL, "1", 0.2, 20, 1, NULL, NULL,
     "mortality hazard ratio of ADL dependence at home (disability.*)"},
    {"excess_mortality.hr.care_home", OS_P_REAL, "1", 0.2, 20, 1, NULL, NULL,
     "mortality hazard ratio of care-home residence (ADL-dependent)"},
};

typedef struct excess_state {
    int on;
    float hr_sarc, hr_osteosarc, hr_hip1[2], hr_hip_later, hr_vert1, hr_vert_later;
    float hr_state[3];              /* by adl_state; [0] unused */
    int col_hr, col_dx, col_flags, col_state;
    os_dx_outcome dx;               /* flags of the outcome definition */
    float hip[2][256], vert[256];   /* ratios by sex and fx_flags (excess_tables) */
} excess_state;

#define EX(key, member, type) OS_FIELD(key, excess_state, member, type)
static const os_field excess_fields[] = {
    EX("model.disease_effects", on, OS_F_BOOL),
    EX("excess_mortality.hr.sarcopenia", hr_sarc, OS_F_FLOAT),
    EX("excess_mortality.hr.osteosarcopenia", hr_osteosarc, OS_F_FLOAT),
    EX("excess_mortality.hr.hip_first_year_female", hr_hip1[0], OS_F_FLOAT),
    EX("excess_mortality.hr.hip_first_year_male", hr_hip1[1], OS_F_FLOAT),
    EX("excess_mortality.hr.hip_later", hr_hip_later, OS_F_FLOAT),
    EX("excess_mortality.hr.vertebral_first_year", hr_vert1, OS_F_FLOAT),
    EX("excess_mortality.hr.vertebral_later", hr_vert_later, OS_F_FLOAT),
    EX("excess_mortality.hr.adl_dependent", hr_state[1], OS_F_FLOAT),
    EX("excess_mortality.hr.care_home", hr_state[2], OS_F_FLOAT),
};
#undef EX

/* The hip and vertebral ratios of each fx_flags byte: first year, later
 * years, or 1. */
static void excess_tables(excess_state *s)
{
    for (int f = 0; f < 256; f++) {
        for (int x = 0; x < 2; x++)
            s->hip[x][f] = (f & OS_FX_THIS_YEAR(OS_SITE_HIP)) ? s->hr_hip1[x]
                         : (f & OS_FX_EVER(OS_SITE_HIP)) ? s->hr_hip_later : 1.0f;
        s->vert[f] = (f & OS_FX_THIS_YEAR(OS_SITE_VERTEBRAL)) ? s->hr_vert1
                   : (f & OS_FX_EVER(OS_SITE_VERTEBRAL)) ? s->hr_vert_later : 1.0f;
    }
}

static int excess_init(os_model *m, void **state, os_err *err)
{
    excess_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "excess_mortality: out of memory");
    *state = s;
    const os_cfg *c = m->cfg;
    if (os_cfg_read(c, NULL, excess_fields, sizeof excess_fields / sizeof excess_fields[0], s, err))
        return OS_ECONFIG;
    s->dx = os_dx_outcome_flags(c);
    excess_tables(s);
    if (!s->on) return OS_OK;
    if ((s->col_hr = os_model_column(m, "excess_mortality", "mortality_hr", OS_COL_F32, err)) < 0 ||
        (s->col_dx = os_model_column(m, "excess_mortality", "dx", OS_COL_U16, err)) < 0 ||
        (s->col_flags = os_model_column(m, "excess_mortality", "fx_flags", OS_COL_U8, err)) < 0 ||
        (s->col_state = os_model_column(m, "excess_mortality", "adl_state", OS_COL_U8, err)) < 0)
        return OS_ERUN;
    return OS_OK;
}

/* The fracture ratios by fx_flags byte (excess_tables), a factor 1 where a
 * ratio does not apply, so h is the product the tests per condition give;
 * in an ADL state, the larger of that product and the state's ratio. */
static void excess_step(os_model *m, void *state, os_chunk *c)
{
    excess_state *s = state;
    if (!s->on) return;
    float *hr = os_chunk_f32(m, c, s->col_hr);
    const uint16_t *dx = os_chunk_u16(m, c, s->col_dx);
    const uint8_t *flags = os_chunk_u8(m, c, s->col_flags);
    const uint8_t *adl = os_chunk_u8(m, c, s->col_state);
    for (size_t r = 0; r < c->n; r++) {
        unsigned d = dx[r];
        float h = (d & s->dx.sarc) ? ((d & s->dx.osteosarc) ? s->hr_osteosarc : s->hr_sarc) : 1.0f;
        uint8_t f = flags[r];
        float fx = s->hip[c->sex[r] != 0][f] * s->vert[f];
        unsigned a = adl[r] < 3 ? adl[r] : 0;
        if (a && s->hr_state[a] > fx) fx = s->hr_state[a];
        hr[r] *= h * fx;
    }
}

static void excess_destroy(void *state)
{
    free(state);
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread excess_mortality_reads[] = {
    {"mortality_hr", OS_COL_F32, OS_READ_WRITES},
    {"dx", OS_COL_U16, 0},
    {"fx_flags", OS_COL_U8, 0},
    {"adl_state", OS_COL_U8, 0},
    {NULL, 0, 0},
};

const os_module os_mod_excess_mortality = {
    .name = "excess_mortality",
    .params = excess_params,
    .nparams = sizeof excess_params / sizeof excess_params[0],
    .init = excess_init,
    .step = excess_step,
    .destroy = excess_destroy,
    .reads = excess_mortality_reads,
};
