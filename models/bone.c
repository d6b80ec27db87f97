/* bone.c - femoral-neck BMD trajectory and T-score.
 *
 * Yearly log-change of BMD (all rates in 1/yr, a = max(age - 50, 0)):
 *   base = loss[sex] max(0, 1 + accel[sex] a) (1 + cv z_i) * (1 + sed_mult S)
 *          * exp(infl_k I) * exp(-c_mb z_grip)
 *   loss = base + menopause excess (transition / post windows, women)
 *        + smoke_extra (current) + vitd_extra (low 25(OH)D)
 *        + weeks/52 (disuse_mult - 1) base (1 - recovery)   (bed rest)
 *   bmd *= exp(-loss)
 * z_i is the agent's slope deviation, drawn once at entry and stored
 * quantised (os_slope_encode); z_grip is the start-of-year grip strength relative to a
 * sex-specific reference (mechanostat).  See physiology.h for the
 * symmetric update with muscle.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interventions.h"
#include "iv_riskfactor.h"
#include "physiology.h"

/* Age the bone regressions are centred on: bone.baseline.*_50 and the
 * slopes and accelerations per year of age after it. */
#define BONE_REF_AGE 50

#define BONE_PARAMS(X) \
    X("bone.tscore.national.mean_female", "g/cm2", 0.3, 1.5, ref_china_mean[0], "national young-adult peak FN BMD, women") \
    X("bone.tscore.national.sd_female", "g/cm2", 0.01, 0.5, ref_china_sd[0], "its SD") \
    X("bone.tscore.national.mean_male", "g/cm2", 0.3, 1.5, ref_china_mean[1], "national young-adult peak FN BMD, men") \
    X("bone.tscore.national.sd_male", "g/cm2", 0.01, 0.5, ref_china_sd[1], "its SD") \
    X("bone.tscore.nhanes.mean", "g/cm2", 0.3, 1.5, ref_nhanes_mean, "NHANES III white women 20-29 FN BMD (both sexes)") \
    X("bone.tscore.nhanes.sd", "g/cm2", 0.01, 0.5, ref_nhanes_sd, "its SD") \
    X("bone.baseline.mean_female_50", "g/cm2", 0.3, 1.5, base_mean50[0], "baseline FN BMD mean at 50, women") \
    X("bone.baseline.mean_male_50", "g/cm2", 0.3, 1.5, base_mean50[1], "baseline FN BMD mean at 50, men") \
    X("bone.baseline.slope_female", "g/cm2/yr", -0.05, 0.05, base_slope[0], "cross-sectional change of the mean per year of age, women") \
    X("bone.baseline.slope_male", "g/cm2/yr", -0.05, 0.05, base_slope[1], "same, men") \
    X("bone.baseline.sd_female", "g/cm2", 0.01, 0.5, base_sd[0], "baseline FN BMD SD, women") \
    X("bone.baseline.sd_male", "g/cm2", 0.01, 0.5, base_sd[1], "baseline FN BMD SD, men") \
    X("bone.baseline.rho_muscle", "1", -0.99, 0.99, base_rho, "baseline correlation of the bone and muscle latent factors (copula)") \
    X("bone.loss.female", "1/yr", 0, 0.1, loss[0], "age-related FN loss at 50, women") \
    X("bone.loss.male", "1/yr", 0, 0.1, loss[1], "age-related FN loss at 50, men") \
    X("bone.loss.age_accel_female", "1/yr", -0.1, 0.5, loss_accel[0], "relative change of the ageing loss per year over 50, women") \
    X("bone.loss.age_accel_male", "1/yr", -0.1, 0.5, loss_accel[1], "same, men") \
    X("bone.loss.slope_cv", "1", 0, 3, slope_cv, "individual slope: coefficient of variation of the ageing loss") \
    X("bone.menopause.transition_excess", "1/yr", 0, 0.1, meno_trans_excess, "extra FN loss in the transition window") \
    X("bone.menopause.post_excess", "1/yr", 0, 0.1, meno_post_excess, "extra FN loss after the transition window") \
    X("bone.menopause.transition_start", "yr", -10, 0, meno_trans_start, "transition window start (years from FMP, inclusive)") \
    X("bone.menopause.transition_end", "yr", 0, 10, meno_trans_end, "transition window end = post window start (exclusive)") \
    X("bone.menopause.post_end", "yr", 0, 30, meno_post_end, "post window end (years from FMP, exclusive)") \
    X("bone.sedentary.multiplier", "1", 0, 5, sed_mult, "relative increase of the ageing loss when sedentary") \
    X("bone.inflammation.k", "1", 0, 2, infl_k, "log-multiplier of the ageing loss per unit latent inflammation") \
    X("bone.smoking.extra_loss", "1/yr", 0, 0.05, smoke_extra, "extra FN loss in current smokers") \
    X("bone.vitamin_d.extra_loss", "1/yr", 0, 0.05, vitd_extra, "extra FN loss with low 25(OH)D") \
    X("bone.bedrest.disuse_multiplier", "1", 1, 50, bed_disuse_mult, "bone loss during bed rest / loss of active people") \
    X("bone.bedrest.recovery", "1", 0, 1, bed_recovery, "share of bed-rest bone loss recovered afterwards") \
    X("coupling.muscle_to_bone", "1", 0, 5, c_mb, "mechanostat: log-multiplier of bone loss per SD of grip deficit") \
    X("coupling.grip_ref.female", "kg", 1, 80, grip_ref[0], "grip reference for the mechanostat z, women") \
    X("coupling.grip_ref.male", "kg", 1, 80, grip_ref[1], "grip reference for the mechanostat z, men") \
    X("coupling.grip_ref.sd_female", "kg", 0.1, 30, grip_ref_sd[0], "its SD, women") \
    X("coupling.grip_ref.sd_male", "kg", 0.1, 30, grip_ref_sd[1], "its SD, men")

#define BONE_SPEC(k, u, lo, hi, f, d) {k, OS_P_REAL, u, lo, hi, 1, NULL, NULL, d},
#define BONE_FIELD(k, u, lo, hi, f, d) OS_FIELD(k, os_bone_par, f, OS_F_REAL),
static const os_param_spec bone_params[] = {
    BONE_PARAMS(BONE_SPEC)
    {"bone.tscore.reference", OS_P_STRING, NULL, 1, 0, 1, NULL, "national|nhanes|china",
     "T-score reference: national = the country pack's same-sex young-adult "
     "peak (bone.tscore.national), nhanes = NHANES III young white women for "
     "both sexes (WHO/FRAX practice); china is the earlier name of national"},
};
static const os_field bone_fields[] = {
    BONE_PARAMS(BONE_FIELD)
    OS_FIELD("bone.tscore.reference", os_bone_par, use_nhanes, OS_F_CHOICE), /* national|nhanes|china */
};
#define BONE_NPARAMS (sizeof bone_params / sizeof bone_params[0])

int os_bone_read_params(const os_cfg *cfg, os_bone_par *p, os_err *err)
{
    int rc = os_cfg_read(cfg, NULL, bone_fields, sizeof bone_fields / sizeof bone_fields[0], p, err);
    p->use_nhanes = p->use_nhanes == 1; /* index 2, china, is national's earlier name */
    return rc;
}

int os_bone_setup(os_model *m, const os_bone_par *p, void **state,
                  os_err *err)
{
    os_bone *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "bone: out of memory");
    s->p = *p;
    s->col_bmd = os_model_add_column(m, "bone", "bmd", OS_COL_F32, "g/cm2",
        "femoral-neck areal BMD (DXA)", OS_COL_SNAPSHOT, err);
    s->col_t = os_model_add_column(m, "bone", "tscore", OS_COL_F32, "SD",
        p->use_nhanes
            ? "femoral-neck T-score at 1 July, reference NHANES III young white women (both sexes)"
            : "femoral-neck T-score at 1 July, reference national young-adult peak of the same sex",
        OS_COL_SNAPSHOT, err);
    s->col_slope = os_model_add_column(m, "bone", "bone_slope", OS_COL_U8, "1/32",
        "individual bone-loss slope deviation z, 128 + 32 z", 0, err);
    s->col_fmp = os_model_column(m, "bone", "fmp_age", OS_COL_U8, err);
    s->col_flags = os_model_column(m, "bone", "rf_flags", OS_COL_U8, err);
    s->col_smoke = os_model_column(m, "bone", "smoking", OS_COL_U8, err);
    s->col_infl = os_model_column(m, "bone", "inflammation", OS_COL_F32, err);
    s->col_bed = os_model_column(m, "bone", "bedrest_weeks", OS_COL_U8, err);
    if (s->col_bmd < 0 || s->col_t < 0 || s->col_slope < 0) {
        free(s);
        return err->code ? err->code : OS_ERUN;
    }
    if (s->col_fmp < 0 || s->col_flags < 0 || s->col_smoke < 0 ||
        s->col_infl < 0 || s->col_bed < 0) {
        free(s);
        return err->code ? err->code : OS_ERUN;
    }
    s->pu_latent = os_rng_purpose("physiology.latent");
    s->pu_slope = os_rng_purpose("bone.slope");
    *state = s;
    return 0;
}

static int bone_init(os_model *m, void **state, os_err *err)
{
    os_bone_par p;
    if (os_bone_read_params(m->cfg, &p, err)) return OS_ECONFIG;
    return os_bone_setup(m, &p, state, err);
}

static void bone_init_agents(os_model *m, void *state, os_chunk *c)
{
    const os_bone *s = state;
    const os_bone_par *p = &s->p;
    float *bmd = os_chunk_f32(m, c, s->col_bmd);
    float *t = os_chunk_f32(m, c, s->col_t);
    uint8_t *sl = os_chunk_u8(m, c, s->col_slope);
    for (size_t i = 0; i < c->n; i++) {
        os_rng r;
        os_rng_init(&r, m->seed, c->id[i], 0, s->pu_slope);
        sl[i] = os_slope_encode(os_rng_normal(&r));
        /* First normal of the shared latent stream is the bone factor;
         * muscle reads the same stream (Gaussian copula). */
        os_rng_init(&r, m->seed, c->id[i], 0, s->pu_latent);
        double zb = os_rng_normal(&r);
        int sex = c->sex[i];
        double a = (double)c->age[i] - BONE_REF_AGE;
        double v = p->base_mean50[sex] + p->base_slope[sex] * a +
                   p->base_sd[sex] * zb;
        bmd[i] = (float)v;
        t[i] = os_bone_tscore(p, sex, bmd[i]);
    }
}

static void bone_census(os_model *m, void *state, os_chunk *c)
{
    const os_bone *s = state;
    const float *bmd = os_chunk_f32(m, c, s->col_bmd);
    float *t = os_chunk_f32(m, c, s->col_t);
    for (size_t i = 0; i < c->n; i++)
        t[i] = os_bone_tscore(&s->p, c->sex[i], bmd[i]);
}

/* The step in tiles of passes over the columns: the branch-free passes
 * (which the compiler vectorises) compute every agent, dead ones too,
 * which costs less than branching; libm's expf is applied in scalar
 * passes to the living only.  The expressions and their order are those of
 * the per-agent loop, so results are unchanged. */
#define BONE_TILE 256

static void bone_step(os_model *m, void *state, os_chunk *c)
{
    const os_bone *s = state;
    const os_bone_par *p = &s->p;
    float *bmd = os_chunk_f32(m, c, s->col_bmd);
    const uint8_t *fmp = os_chunk_u8(m, c, s->col_fmp);
    const uint8_t *fl = os_chunk_u8(m, c, s->col_flags);
    const uint8_t *sm = os_chunk_u8(m, c, s->col_smoke);
    const float *inf = os_chunk_f32(m, c, s->col_infl);
    const uint8_t *bed = os_chunk_u8(m, c, s->col_bed);
    const uint8_t *sl = os_chunk_u8(m, c, s->col_slope);
    const float cv = (float)p->slope_cv;
    /* Grip is registered by muscle, after bone: look it up here. */
    const float *grip = os_chunk_find_f32(m, c, "bone", "grip");
    const float cmb = grip ? (float)p->c_mb : 0.0f;
    const float *iv = os_chunk_find_f32(m, c, "bone", OS_IV_BMD);
    /* Programmes acting on risk factors (iv_riskfactor.h): the effective
     * state is the natural one with their shifts. */
    const uint8_t *ivclr = os_chunk_find_u8(m, c, "bone", OS_IV_RF_CLEAR);
    const float *ivinf = os_chunk_find_f32(m, c, "bone", OS_IV_INFL);
    /* Per-sex parameters as the floats the expressions use. */
    const float inv_gsd[2] = {(float)(1.0 / p->grip_ref_sd[0]),
                              (float)(1.0 / p->grip_ref_sd[1])};
    const float gref[2] = {(float)p->grip_ref[0], (float)p->grip_ref[1]};
    const float loss0[2] = {(float)p->loss[0], (float)p->loss[1]};
    const float ik = (float)p->infl_k, sedm = (float)p->sed_mult;
    const float mte = (float)p->meno_trans_excess, mpe = (float)p->meno_post_excess;
    const float bedk = (float)((p->bed_disuse_mult - 1.0) * (1.0 - p->bed_recovery));
    const float smx = (float)p->smoke_extra, vdx = (float)p->vitd_extra;
    const double acc0 = p->loss_accel[0], acc1 = p->loss_accel[1];
    const float w0 = os_float_ceil(p->meno_trans_start), w1 = os_float_ceil(p->meno_trans_end),
                w2 = os_float_ceil(p->meno_post_end);
    /* Absent optional columns read as zeros, so that the passes have no
     * conditional loads (x - 0 is x). */
    static const float zeros[BONE_TILE];
    static const uint8_t zeros8[BONE_TILE];
    const int have_grip = grip != NULL;
    float x[BONE_TILE];
    for (size_t t0 = 0; t0 < c->n; t0 += BONE_TILE) {
        size_t n = c->n - t0 < BONE_TILE ? c->n - t0 : BONE_TILE;
        const uint8_t *alive = c->alive + t0, *sex = c->sex + t0;
        const float *age = c->age + t0;
        const float *gt = grip ? grip + t0 : zeros, *ivt = iv ? iv + t0 : zeros;
        const float *ift = ivinf ? ivinf + t0 : zeros;
        const uint8_t *clt = ivclr ? ivclr + t0 : zeros8;
        /* Exponent of the multiplier: inflammation and the mechanostat. */
        for (size_t i = 0; i < n; i++) {
            int male = sex[i] != 0;
            float zg = (gt[i] - (male ? gref[1] : gref[0])) * (male ? inv_gsd[1] : inv_gsd[0]);
            zg = have_grip ? zg : 0.0f;
            x[i] = ik * (inf[t0 + i] + ift[i]) - cmb * zg;
        }
        for (size_t i = 0; i < n; i++) x[i] = alive[i] ? expf(x[i]) : 0.0f;
        /* The yearly log-change, as the exponent of the BMD factor. */
        for (size_t i = 0; i < n; i++) {
            size_t j = t0 + i;
            int male = sex[i] != 0;
            float a = age[i] - (float)BONE_REF_AGE;
            a = a > 0.0f ? a : 0.0f;
            float slope = 1.0f + cv * os_slope_decode(sl[j]);
            unsigned f = fl[j] & ~(unsigned)clt[i];
            float mult = (1.0f + sedm * (float)((f & OS_RF_SEDENTARY) != 0)) * x[i];
            float age_rate = (male ? loss0[1] : loss0[0]) *
                             os_age_factor(male ? acc1 : acc0, a);
            float base = age_rate * slope * mult;
            float ty = age[i] - (float)fmp[j];
            float meno = mte * os_phys_window_f(ty, w0, w1) + mpe * os_phys_window_f(ty, w1, w2);
            meno = male ? 0.0f : meno;
            /* Bed rest: 'disuse_mult' times the loss of active people. */
            float bedl = (float)bed[j] * (1.0f / 52.0f) * bedk * age_rate * slope;
            float loss = base + meno + smx * (float)(sm[j] == OS_SMOKE_CURRENT) +
                         vdx * (float)((f & OS_RF_LOWVITD) != 0) + bedl;
            x[i] = -(loss - ivt[i]);
        }
        for (size_t i = 0; i < n; i++)
            if (alive[i]) bmd[t0 + i] *= expf(x[i]);
    }
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread bone_reads[] = {
    {"fmp_age", OS_COL_U8, 0},
    {"rf_flags", OS_COL_U8, 0},
    {"smoking", OS_COL_U8, 0},
    {"inflammation", OS_COL_F32, 0},
    {"bedrest_weeks", OS_COL_U8, 0},
    {"grip", OS_COL_F32, OS_READ_LATE},  /* start-of-year strength (physiology.h) */
    {OS_IV_BMD, OS_COL_F32, OS_READ_OPTIONAL},
    {OS_IV_RF_CLEAR, OS_COL_U8, OS_READ_OPTIONAL},
    {OS_IV_INFL, OS_COL_F32, OS_READ_OPTIONAL},
    {NULL, 0, 0},
};

const os_module os_mod_bone = {
    .name = "bone",
    .params = bone_params,
    .nparams = BONE_NPARAMS,
    .init = bone_init,
    .init_agents = bone_init_agents,
    .census = bone_census,
    .step = bone_step,
    .destroy = free,
    .reads = bone_reads,
};
