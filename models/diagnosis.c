/* diagnosis.c - WHO osteoporosis, EWGSOP2 and AWGS 2019 sarcopenia and
 * osteosarcopenia at the census (1 July), into the u16 column "dx"
 * (flags in diagnosis.h) and the /summary counts (weighted persons).
 * Cut-point directions follow the definitions exactly:
 *   WHO: osteoporosis T <= -2.5; osteopenia -2.5 < T < -1.
 *   EWGSOP2: low grip <; slow chair stand >; low ASM <, low ASMI <;
 *     slow gait <=.
 *   AWGS 2019: low grip <; low ASMI <; slow gait <; slow chair stand >=.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"
#include "physiology.h"
#include "rng.h"

static const os_param_spec dx_params[] = {
    {"diagnosis.who.osteoporosis_t", OS_P_REAL, "SD", -10, 0, 1, NULL, NULL, "osteoporosis if T <= this (WHO 1994: -2.5)"},
    {"diagnosis.who.normal_t", OS_P_REAL, "SD", -10, 0, 1, NULL, NULL, "normal if T >= this; osteopenia if osteoporosis_t < T < this (WHO 1994: -1)"},
    {"diagnosis.ewgsop2.grip_female", OS_P_REAL, "kg", 0, 100, 1, NULL, NULL, "EWGSOP2 low grip: grip < this, women"},
    {"diagnosis.ewgsop2.grip_male", OS_P_REAL, "kg", 0, 100, 1, NULL, NULL, "EWGSOP2 low grip: grip < this, men"},
    {"diagnosis.ewgsop2.chair_stand", OS_P_REAL, "s", 0, 100, 1, NULL, NULL, "EWGSOP2 low strength: 5 chair stands time > this"},
    {"diagnosis.ewgsop2.asm_female", OS_P_REAL, "kg", 0, 50, 1, NULL, NULL, "EWGSOP2 low muscle quantity: ASM < this, women"},
    {"diagnosis.ewgsop2.asm_male", OS_P_REAL, "kg", 0, 50, 1, NULL, NULL, "EWGSOP2 low muscle quantity: ASM < this, men"},
    {"diagnosis.ewgsop2.asmi_female", OS_P_REAL, "kg/m2", 0, 20, 1, NULL, NULL, "EWGSOP2 low muscle quantity: ASM/height^2 < this, women"},
    {"diagnosis.ewgsop2.asmi_male", OS_P_REAL, "kg/m2", 0, 20, 1, NULL, NULL, "EWGSOP2 low muscle quantity: ASM/height^2 < this, men"},
    {"diagnosis.ewgsop2.gait", OS_P_REAL, "m/s", 0, 3, 1, NULL, NULL, "EWGSOP2 low performance (severe): gait speed <= this"},
    {"diagnosis.awgs2019.grip_female", OS_P_REAL, "kg", 0, 100, 1, NULL, NULL, "AWGS 2019 low grip: grip < this, women"},
    {"diagnosis.awgs2019.grip_male", OS_P_REAL, "kg", 0, 100, 1, NULL, NULL, "AWGS 2019 low grip: grip < this, men"},
    {"diagnosis.awgs2019.asmi_female", OS_P_REAL, "kg/m2", 0, 20, 1, NULL, NULL, "AWGS 2019 low ASMI: ASM/height^2 < this, women"},
    {"diagnosis.awgs2019.asmi_male", OS_P_REAL, "kg/m2", 0, 20, 1, NULL, NULL, "AWGS 2019 low ASMI: ASM/height^2 < this, men"},
    {"diagnosis.awgs2019.gait", OS_P_REAL, "m/s", 0, 3, 1, NULL, NULL, "AWGS 2019 low performance: 6-m gait speed < this"},
    {"diagnosis.awgs2019.chair_stand", OS_P_REAL, "s", 0, 100, 1, NULL, NULL, "AWGS 2019 low performance: 5 chair stands time >= this"},
    {"diagnosis.awgs2019.asmi_dxa_female", OS_P_REAL, "kg/m2", 0, 20, 0, NULL, NULL, "AWGS 2019 low ASMI by DXA: ASM/height^2 < this, women (muscle_mass.measurement dxa)"},
    {"diagnosis.awgs2019.asmi_dxa_male", OS_P_REAL, "kg/m2", 0, 20, 0, NULL, NULL, "AWGS 2019 low ASMI by DXA: ASM/height^2 < this, men (muscle_mass.measurement dxa)"},
    {"diagnosis.muscle_mass.measurement", OS_P_STRING, NULL, 1, 0, 0, "calibrated", "calibrated|dxa|bia",
     "how muscle mass is measured for the sarcopenia definitions: calibrated (the model's ASM against the "
     "configured cut-offs, as the baseline was calibrated), dxa (the model's ASM as the DXA truth, AWGS DXA "
     "cut-offs) or bia (true ASMI plus the BIA bias and a per-person error, AWGS BIA cut-offs)"},
    {"diagnosis.muscle_mass.bia_bias_female", OS_P_REAL, "kg/m2", -5, 5, 0, NULL, NULL, "mean BIA minus DXA ASM/height^2, women"},
    {"diagnosis.muscle_mass.bia_bias_male", OS_P_REAL, "kg/m2", -5, 5, 0, NULL, NULL, "mean BIA minus DXA ASM/height^2, men"},
    {"diagnosis.muscle_mass.bia_sd_female", OS_P_REAL, "kg/m2", 0, 5, 0, NULL, NULL, "SD of BIA minus DXA ASM/height^2 between persons, women"},
    {"diagnosis.muscle_mass.bia_sd_male", OS_P_REAL, "kg/m2", 0, 5, 0, NULL, NULL, "SD of BIA minus DXA ASM/height^2 between persons, men"},
    {"diagnosis.osteoporosis_site", OS_P_STRING, NULL, 1, 0, 0, "fn", "fn|spine|lowest",
     "site of the WHO T-score the osteoporosis and osteopenia diagnoses read: femoral neck (the WHO "
     "reference), lumbar spine, or the lower of the two (clinical practice)"},
    {"diagnosis.spine.correlation", OS_P_REAL, "1", 0, 1, 0, NULL, NULL, "correlation of lumbar-spine and femoral-neck T-scores"},
    {"diagnosis.spine.offset_female", OS_P_REAL, "SD", -5, 5, 0, NULL, NULL, "spine T-score minus correlation x FN T-score up to offset_age, women"},
    {"diagnosis.spine.offset_male", OS_P_REAL, "SD", -5, 5, 0, NULL, NULL, "spine T-score minus correlation x FN T-score up to offset_age, men"},
    {"diagnosis.spine.offset_slope_female", OS_P_REAL, "SD/yr", -1, 1, 0, NULL, NULL, "yearly change of that offset after offset_age, women (net of faster trabecular loss and degenerative changes)"},
    {"diagnosis.spine.offset_slope_male", OS_P_REAL, "SD/yr", -1, 1, 0, NULL, NULL, "yearly change of that offset after offset_age, men"},
    {"diagnosis.spine.offset_age", OS_P_REAL, "year", 0, 120, 0, NULL, NULL, "age from which the offset changes"},
    {"model.sarcopenia_definition", OS_P_STRING, NULL, 1, 0, 0, "awgs2019", "awgs2019|ewgsop2",
     "sarcopenia definition whose diagnosis drives outcomes (hospital stays, excess "
     "mortality, utility); both are always diagnosed and reported"},
};
static const os_field dx_fields[] = {
    OS_FIELD("diagnosis.who.osteoporosis_t", os_dx_par, t_osteoporosis, OS_F_REAL),
    OS_FIELD("diagnosis.who.normal_t", os_dx_par, t_normal, OS_F_REAL),
    OS_FIELD("diagnosis.ewgsop2.grip_female", os_dx_par, ew_grip[0], OS_F_REAL),
    OS_FIELD("diagnosis.ewgsop2.grip_male", os_dx_par, ew_grip[1], OS_F_REAL),
    OS_FIELD("diagnosis.ewgsop2.chair_stand", os_dx_par, ew_chair, OS_F_REAL),
    OS_FIELD("diagnosis.ewgsop2.asm_female", os_dx_par, ew_asm[0], OS_F_REAL),
    OS_FIELD("diagnosis.ewgsop2.asm_male", os_dx_par, ew_asm[1], OS_F_REAL),
    OS_FIELD("diagnosis.ewgsop2.asmi_female", os_dx_par, ew_asmi[0], OS_F_REAL),
    OS_FIELD("diagnosis.ewgsop2.asmi_male", os_dx_par, ew_asmi[1], OS_F_REAL),
    OS_FIELD("diagnosis.ewgsop2.gait", os_dx_par, ew_gait, OS_F_REAL),
    OS_FIELD("diagnosis.awgs2019.grip_female", os_dx_par, aw_grip[0], OS_F_REAL),
    OS_FIELD("diagnosis.awgs2019.grip_male", os_dx_par, aw_grip[1], OS_F_REAL),
    OS_FIELD("diagnosis.awgs2019.asmi_female", os_dx_par, aw_asmi[0], OS_F_REAL),
    OS_FIELD("diagnosis.awgs2019.asmi_male", os_dx_par, aw_asmi[1], OS_F_REAL),
    OS_FIELD("diagnosis.awgs2019.gait", os_dx_par, aw_gait, OS_F_REAL),
    OS_FIELD("diagnosis.awgs2019.chair_stand", os_dx_par, aw_chair, OS_F_REAL),
    OS_FIELD("diagnosis.muscle_mass.measurement", os_dx_par, meas.mass, OS_F_CHOICE),
    OS_FIELD("diagnosis.osteoporosis_site", os_dx_par, meas.site, OS_F_CHOICE),
};
/* Read only for the measurement model that uses them. */
static const os_field dx_dxa_fields[] = {
    OS_FIELD("diagnosis.awgs2019.asmi_dxa_female", os_dx_par, meas.aw_asmi_dxa[0], OS_F_REAL),
    OS_FIELD("diagnosis.awgs2019.asmi_dxa_male", os_dx_par, meas.aw_asmi_dxa[1], OS_F_REAL),
};
static const os_field dx_bia_fields[] = {
    OS_FIELD("diagnosis.muscle_mass.bia_bias_female", os_dx_par, meas.bia_bias[0], OS_F_REAL),
    OS_FIELD("diagnosis.muscle_mass.bia_bias_male", os_dx_par, meas.bia_bias[1], OS_F_REAL),
    OS_FIELD("diagnosis.muscle_mass.bia_sd_female", os_dx_par, meas.bia_sd[0], OS_F_REAL),
    OS_FIELD("diagnosis.muscle_mass.bia_sd_male", os_dx_par, meas.bia_sd[1], OS_F_REAL),
};
static const os_field dx_spine_fields[] = {
    OS_FIELD("diagnosis.spine.correlation", os_dx_par, meas.sp_r, OS_F_REAL),
    OS_FIELD("diagnosis.spine.offset_female", os_dx_par, meas.sp_offset[0], OS_F_REAL),
    OS_FIELD("diagnosis.spine.offset_male", os_dx_par, meas.sp_offset[1], OS_F_REAL),
    OS_FIELD("diagnosis.spine.offset_slope_female", os_dx_par, meas.sp_slope[0], OS_F_REAL),
    OS_FIELD("diagnosis.spine.offset_slope_male", os_dx_par, meas.sp_slope[1], OS_F_REAL),
    OS_FIELD("diagnosis.spine.offset_age", os_dx_par, meas.sp_age0, OS_F_REAL),
};
#define DX_NPARAMS (sizeof dx_params / sizeof dx_params[0])

os_dx_outcome os_dx_outcome_flags(const os_cfg *cfg)
{
    const char *d = os_cfg_str(cfg, "model.sarcopenia_definition");
    if (d && strcmp(d, "ewgsop2") == 0)
        return (os_dx_outcome){OS_DX_SARC_EW, OS_DX_OSTEOSARC_EW};
    return (os_dx_outcome){OS_DX_SARC_AWGS, OS_DX_OSTEOSARC_AWGS};
}

/* /summary columns, in the order of os_dx.sum[]. */
static const struct { const char *name; unsigned mask; const char *desc; }
dx_summary[11] = {
    {"osteopenia", OS_DX_OSTEOPENIA, "WHO osteopenia, -2.5 < T < -1 (persons)"},
    {"osteoporosis", OS_DX_OSTEOPOROSIS, "WHO osteoporosis, T <= -2.5 (persons)"},
    {"sarcopenia_probable_ewgsop2", OS_DX_SARC_PROBABLE_EW, "EWGSOP2 probable sarcopenia (persons)"},
    {"sarcopenia_ewgsop2", OS_DX_SARC_EW, "EWGSOP2 confirmed sarcopenia (persons)"},
    {"sarcopenia_severe_ewgsop2", OS_DX_SARC_SEVERE_EW, "EWGSOP2 severe sarcopenia (persons)"},
    {"sarcopenia_awgs2019", OS_DX_SARC_AWGS, "AWGS 2019 sarcopenia (persons)"},
    {"sarcopenia_severe_awgs2019", OS_DX_SARC_SEVERE_AWGS, "AWGS 2019 severe sarcopenia (persons)"},
    {"osteosarcopenia_ewgsop2", OS_DX_OSTEOSARC_EW, "EWGSOP2 sarcopenia with osteoporosis (persons)"},
    {"osteosarcopenia_awgs2019", OS_DX_OSTEOSARC_AWGS, "AWGS 2019 sarcopenia with osteoporosis (persons)"},
    {"osteosarcopenia_broad_ewgsop2", OS_DX_OSTEOSARC_BROAD_EW, "EWGSOP2 sarcopenia with osteopenia or osteoporosis (persons)"},
    {"osteosarcopenia_broad_awgs2019", OS_DX_OSTEOSARC_BROAD_AWGS, "AWGS 2019 sarcopenia with osteopenia or osteoporosis (persons)"},
};

/* Reads FIELDS (always: a key given but never read draws a warning) and,
 * when the setting KEY's choice needs them (NEED), checks each is given. */
static int dx_read_needed(const os_cfg *cfg, const char *key, int need, const os_field *f, size_t n,
                          os_dx_par *p, os_err *err)
{
    if (os_cfg_read(cfg, NULL, f, n, p, err)) return OS_ECONFIG;
    for (size_t k = 0; need && k < n; k++)
        if (isnan(*(const double *)((const char *)p + f[k].off)))
            return os_fail(err, OS_ECONFIG, "%s: %s: %s %s needs %s", os_cfg_origin(cfg, key), key, key,
                           os_cfg_str(cfg, key), f[k].key);
    return OS_OK;
}

int os_dx_read_params(const os_cfg *cfg, os_dx_par *p, os_err *err)
{
    memset(&p->meas, 0, sizeof p->meas);
    if (os_cfg_read(cfg, NULL, dx_fields, sizeof dx_fields / sizeof dx_fields[0], p, err)) return OS_ECONFIG;
#define DX_NEED(key, need, f) dx_read_needed(cfg, key, need, f, sizeof f / sizeof f[0], p, err)
    if (DX_NEED("diagnosis.muscle_mass.measurement", p->meas.mass == OS_MEAS_MASS_DXA, dx_dxa_fields) ||
        DX_NEED("diagnosis.muscle_mass.measurement", p->meas.mass == OS_MEAS_MASS_BIA, dx_bia_fields) ||
        DX_NEED("diagnosis.osteoporosis_site", p->meas.site != OS_MEAS_SITE_FN, dx_spine_fields))
        return OS_ECONFIG;
#undef DX_NEED
    return OS_OK;
}

int os_dx_setup(os_model *m, const os_dx_par *p, void **state, os_err *err)
{
    os_dx *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "diagnosis: out of memory");
    s->p = *p;
    s->pu_bia = os_rng_purpose("diagnosis.bia_error");
    s->pu_spine = os_rng_purpose("diagnosis.spine_residual");
    s->col_dx = os_model_add_column(m, "diagnosis", "dx", OS_COL_U16, "bits",
        "diagnosis flags at 1 July (models/diagnosis.h): 1 osteopenia, "
        "2 osteoporosis, 4 EWGSOP2 probable, 8 EWGSOP2, 16 EWGSOP2 severe, "
        "32 AWGS 2019, 64 AWGS 2019 severe, 128/256 osteosarcopenia "
        "EWGSOP2/AWGS, 512/1024 broad", OS_COL_SNAPSHOT, err);
    s->col_t = os_model_column(m, "diagnosis", "tscore", OS_COL_F32, err);
    s->col_asm = os_model_column(m, "diagnosis", "asm", OS_COL_F32, err);
    s->col_h = os_model_column(m, "diagnosis", "height", OS_COL_F32, err);
    s->col_grip = os_model_column(m, "diagnosis", "grip", OS_COL_F32, err);
    s->col_gait = os_model_column(m, "diagnosis", "gait", OS_COL_F32, err);
    s->col_chair = os_model_column(m, "diagnosis", "chair", OS_COL_F32, err);
    if (s->col_dx < 0) {
        free(s);
        return err->code ? err->code : OS_ERUN;
    }
    if (s->col_t < 0 || s->col_asm < 0 || s->col_h < 0 || s->col_grip < 0 ||
        s->col_gait < 0 || s->col_chair < 0) {
        free(s);
        return err->code ? err->code : OS_ERUN;
    }
    /* osteoporosis, the confirmed sarcopenias and osteosarcopenias head the reports */
    enum { H = OS_SUM_REPORT | OS_SUM_MC_ERROR };
    static const unsigned head[11] = {0, H, 0, H, 0, H, 0, H, H, 0, 0};
    for (int k = 0; k < 11; k++) {
        s->sum[k] = os_summary_column_as(m, dx_summary[k].name, "persons", dx_summary[k].desc,
                                         (os_sum_role){OS_ROLE_PREVALENCE, head[k], NULL, NULL, NULL}, err);
        if (s->sum[k] < 0) {
            free(s);
            return err->code ? err->code : OS_ERUN;
        }
    }
    *state = s;
    return 0;
}

static int dx_init(os_model *m, void **state, os_err *err)
{
    os_dx_par p;
    if (os_dx_read_params(m->cfg, &p, err)) return OS_ECONFIG;
    return os_dx_setup(m, &p, state, err);
}

/* The cut-points as the floats the comparisons use, [sex] where they
 * differ by sex. */
typedef struct dx_cut {
    float t_op, t_normal, ew_chair, ew_gait, aw_gait, aw_chair;
    float ew_grip[2], ew_asm[2], ew_asmi[2], aw_grip[2], aw_asmi[2];
} dx_cut;

static dx_cut dx_cuts(const os_dx_par *p)
{
    dx_cut k = {(float)p->t_osteoporosis, (float)p->t_normal, (float)p->ew_chair,
                (float)p->ew_gait, (float)p->aw_gait, (float)p->aw_chair,
                {0}, {0}, {0}, {0}, {0}};
    for (int s = 0; s < 2; s++) {
        k.ew_grip[s] = (float)p->ew_grip[s];
        k.ew_asm[s] = (float)p->ew_asm[s];
        k.ew_asmi[s] = (float)p->ew_asmi[s];
        k.aw_grip[s] = (float)p->aw_grip[s];
        k.aw_asmi[s] = (float)(p->meas.mass == OS_MEAS_MASS_DXA ? p->meas.aw_asmi_dxa[s] : p->aw_asmi[s]);
    }
    return k;
}

/* Flags of one person (see diagnosis.h).  Comparisons combine with & and |
 * (no short-circuit) so that the census loop has no branches and
 * vectorises; the sex-specific cut-points are selected, not indexed. */
static inline unsigned dx_flags(const dx_cut *k, int sex, float t, float asmv, float h,
                                float grip, float gait, float chair)
{
    float asmi = asmv / (h * h);
    float ew_grip = sex ? k->ew_grip[1] : k->ew_grip[0];
    float ew_asm = sex ? k->ew_asm[1] : k->ew_asm[0];
    float ew_asmi = sex ? k->ew_asmi[1] : k->ew_asmi[0];
    float aw_grip = sex ? k->aw_grip[1] : k->aw_grip[0];
    float aw_asmi = sex ? k->aw_asmi[1] : k->aw_asmi[0];
    unsigned op = t <= k->t_op;
    unsigned open = (op ^ 1u) & (t < k->t_normal);
    unsigned ew_str = (grip < ew_grip) | (chair > k->ew_chair);
    unsigned ew_mass = (asmv < ew_asm) | (asmi < ew_asmi);
    unsigned ew = ew_str & ew_mass;
    unsigned aw_mass = asmi < aw_asmi;
    unsigned aw_grip_lo = grip < aw_grip;
    unsigned aw_perf = (gait < k->aw_gait) | (chair >= k->aw_chair);
    unsigned aw = aw_mass & (aw_grip_lo | aw_perf);
    unsigned any_bone = op | open;
    return open * OS_DX_OSTEOPENIA | op * OS_DX_OSTEOPOROSIS |
           ew_str * OS_DX_SARC_PROBABLE_EW | ew * OS_DX_SARC_EW |
           (ew & (gait <= k->ew_gait)) * OS_DX_SARC_SEVERE_EW |
           aw * OS_DX_SARC_AWGS | (aw_mass & aw_grip_lo & aw_perf) * OS_DX_SARC_SEVERE_AWGS |
           (ew & op) * OS_DX_OSTEOSARC_EW | (aw & op) * OS_DX_OSTEOSARC_AWGS |
           (ew & any_bone) * OS_DX_OSTEOSARC_BROAD_EW |
           (aw & any_bone) * OS_DX_OSTEOSARC_BROAD_AWGS;
}

unsigned os_dx_classify(const os_dx_par *p, int sex, float t, float asmv,
                            float h, float grip, float gait, float chair)
{
    dx_cut k = dx_cuts(p);
    return dx_flags(&k, sex, t, asmv, h, grip, gait, chair);
}

/* The census in tiles: one branch-free pass classifies every agent (dead
 * ones keep their flags), a second adds the weights of the flagged living
 * agents to integer totals per cell and summary column, which go into the
 * accumulator once per chunk.  os_acc_add would add llrint(w * 2^16) per
 * agent, which is exactly w * 2^16 for an integer weight below 2^32, so
 * adding the integer totals times 2^16 gives the same sums. */
#define DX_TILE 256

/* The measured T-score and ASM of the tile's N agents from row T0 into T
 * and A (measurement.h): the diagnostic site's T-score, and BIA's ASM. */
static void dx_measure(const os_model *m, const os_dx *s, const os_chunk *c, size_t t0, size_t n,
                       const float *tfn, const float *asmv, const float *h, float *t, float *a)
{
    const os_meas_par *p = &s->p.meas;
    double z[DX_TILE];
    const uint8_t *sex = c->sex + t0;
    if (p->site != OS_MEAS_SITE_FN) {
        os_meas_person_normals(z, c->id + t0, n, m->seed, s->pu_spine);
        for (size_t i = 0; i < n; i++) {
            float sp = (float)os_meas_spine_t(p, sex[i], c->age[t0 + i], tfn[i], z[i]);
            t[i] = p->site == OS_MEAS_SITE_SPINE ? sp : fminf(sp, tfn[i]);
        }
    } else {
        memcpy(t, tfn, n * sizeof *t);
    }
    if (p->mass == OS_MEAS_MASS_BIA) {
        os_meas_person_normals(z, c->id + t0, n, m->seed, s->pu_bia);
        for (size_t i = 0; i < n; i++) {
            double h2 = (double)h[i] * h[i];
            a[i] = (float)(os_meas_bia_asmi(p, sex[i], asmv[i] / h2, z[i]) * h2);
        }
    } else {
        memcpy(a, asmv, n * sizeof *a);
    }
}

static void dx_census(os_model *m, void *state, os_chunk *c)
{
    const os_dx *s = state;
    const dx_cut k = dx_cuts(&s->p);
    uint16_t *dx = os_chunk_u16(m, c, s->col_dx);
    const float *t = os_chunk_f32(m, c, s->col_t);
    const float *asmv = os_chunk_f32(m, c, s->col_asm);
    const float *h = os_chunk_f32(m, c, s->col_h);
    const float *grip = os_chunk_f32(m, c, s->col_grip);
    const float *gait = os_chunk_f32(m, c, s->col_gait);
    const float *chair = os_chunk_f32(m, c, s->col_chair);
    uint64_t tot[OS_NCELLS][11];
    memset(tot, 0, sizeof tot);
    uint16_t d[DX_TILE];
    float tm[DX_TILE], am[DX_TILE];
    int measured = s->p.meas.site != OS_MEAS_SITE_FN || s->p.meas.mass == OS_MEAS_MASS_BIA;
    for (size_t t0 = 0; t0 < c->n; t0 += DX_TILE) {
        size_t n = c->n - t0 < DX_TILE ? c->n - t0 : DX_TILE;
        const uint8_t *alive = c->alive + t0, *sex = c->sex + t0;
        uint16_t *dxt = dx + t0;
        const float *tt = t + t0, *at = asmv + t0;
        if (measured) {
            dx_measure(m, s, c, t0, n, tt, at, h + t0, tm, am);
            tt = tm;
            at = am;
        }
        for (size_t i = 0; i < n; i++) {
            size_t j = t0 + i;
            unsigned v = dx_flags(&k, sex[i], tt[i], at[i], h[j], grip[j], gait[j], chair[j]);
            /* A mask, not a branch: the compiler may not speculate the
             * division above into a conditional. */
            unsigned live = 0u - (unsigned)(alive[i] != 0);
            v &= live;
            d[i] = (uint16_t)v;
            dxt[i] = (uint16_t)(v | (dxt[i] & ~live));
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t *cell = tot[sex[i] * OS_NBANDS + os_age_band(c->age[t0 + i])];
            uint64_t w = c->weight[t0 + i];
            unsigned v = d[i];
            for (int q = 0; q < 11; q++)
                cell[q] += w & (0 - (uint64_t)((v & dx_summary[q].mask) != 0));
        }
    }
    for (int cell = 0; cell < OS_NCELLS; cell++)
        for (int q = 0; q < 11; q++)
            if (tot[cell][q])
                c->acc->v[cell * OS_MAX_SUMMARY_COLS + s->sum[q]] +=
                    (int64_t)tot[cell][q] * (int64_t)OS_ACC_SCALE;
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread diagnosis_reads[] = {
    {"tscore", OS_COL_F32, 0},
    {"asm", OS_COL_F32, 0},
    {"height", OS_COL_F32, 0},
    {"grip", OS_COL_F32, 0},
    {"gait", OS_COL_F32, 0},
    {"chair", OS_COL_F32, 0},
    {NULL, 0, 0},
};

const os_module os_mod_diagnosis = {
    .name = "diagnosis",
    .params = dx_params,
    .nparams = DX_NPARAMS,
    .init = dx_init,
    .census = dx_census,
    .destroy = free,
    .reads = diagnosis_reads,
};
