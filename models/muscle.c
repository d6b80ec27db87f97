/* muscle.c - appendicular skeletal muscle mass (ASM), height, grip
 * strength, gait speed and five-times chair-stand time.
 *
 * Baseline: one muscle factor z_M = rho z_B + sqrt(1 - rho^2) e (z_B is
 * bone's latent factor from the shared stream) gives ASMI; grip, gait and
 * chair-stand time load on z_M; each is lognormal around an age-linear
 * median.  ASM = ASMI * height^2.
 *
 * Yearly (a = max(age - 50, 0), rates in 1/yr on the log scale):
 *   M = (1 + sed_k S)(1 + smoke_k C)(1 + vitd_k D)(1 + prot_k P)
 *       (1 + sleep_k L) exp(infl_k I - c_bm z_bmd)
 *   r = (1 + cv z_i) M,  A_x = max(0, 1 + accel_x a)
 *   ASM   *= exp(-(asm_loss A_asm r + meno_asm W + bed))
 *   grip  *= exp(-(grip_loss A_grip r + meno_grip W + ratio bed))
 *   gait  *= exp(-(gait_loss A_gait r + ratio bed))
 *   chair *= exp(+(chair_gain A_chair r + ratio bed))
 * z_i is drawn once at entry and stored quantised (os_slope_encode).
 * W: menopause transition window (bone's), bed = weeks * week_loss *
 * (1 - recovery).  z_bmd is the start-of-year BMD (from the census T-score)
 * relative to a sex-specific reference (osteokines).
 */
#include <math.h>
#include <stdlib.h>

#include "interventions.h"
#include "iv_riskfactor.h"
#include "physiology.h"

/* Age the muscle regressions are centred on: the *_50 medians, their
 * slopes and the loss accelerations per year of age after it (height loss
 * from it on). */
#define MUSCLE_REF_AGE 50

#define MUSCLE_PARAMS(X) \
    X("muscle.baseline.asmi_median_female_50", "kg/m2", 2, 12, asmi_mean50[0], "baseline ASMI median at 50, women") \
    X("muscle.baseline.asmi_median_male_50", "kg/m2", 2, 12, asmi_mean50[1], "baseline ASMI median at 50, men") \
    X("muscle.baseline.asmi_slope_female", "kg/m2/yr", -0.2, 0.2, asmi_slope[0], "cross-sectional change of the ASMI median per year of age, women") \
    X("muscle.baseline.asmi_slope_male", "kg/m2/yr", -0.2, 0.2, asmi_slope[1], "same, men") \
    X("muscle.baseline.asmi_cv", "1", 0, 1, asmi_cv, "SD of log ASMI") \
    X("muscle.baseline.height_mean_female_50", "m", 1, 2.2, height_mean50[0], "height at 50, women") \
    X("muscle.baseline.height_mean_male_50", "m", 1, 2.2, height_mean50[1], "height at 50, men") \
    X("muscle.baseline.height_slope_female", "m/yr", -0.02, 0.02, height_slope[0], "cross-sectional change of height per year of age, women") \
    X("muscle.baseline.height_slope_male", "m/yr", -0.02, 0.02, height_slope[1], "same, men") \
    X("muscle.baseline.height_sd_female", "m", 0, 0.3, height_sd[0], "height SD, women") \
    X("muscle.baseline.height_sd_male", "m", 0, 0.3, height_sd[1], "height SD, men") \
    X("muscle.baseline.grip_median_female_50", "kg", 1, 80, grip_mean50[0], "grip median at 50, women") \
    X("muscle.baseline.grip_median_male_50", "kg", 1, 80, grip_mean50[1], "grip median at 50, men") \
    X("muscle.baseline.grip_slope_female", "kg/yr", -2, 1, grip_slope[0], "cross-sectional change of the grip median per year of age, women") \
    X("muscle.baseline.grip_slope_male", "kg/yr", -2, 1, grip_slope[1], "same, men") \
    X("muscle.baseline.grip_cv", "1", 0, 1, grip_cv, "SD of log grip") \
    X("muscle.baseline.gait_median_female_50", "m/s", 0.2, 2.5, gait_mean50[0], "usual gait speed median at 50, women") \
    X("muscle.baseline.gait_median_male_50", "m/s", 0.2, 2.5, gait_mean50[1], "same, men") \
    X("muscle.baseline.gait_slope_female", "m/s/yr", -0.1, 0.1, gait_slope[0], "cross-sectional change per year of age, women") \
    X("muscle.baseline.gait_slope_male", "m/s/yr", -0.1, 0.1, gait_slope[1], "same, men") \
    X("muscle.baseline.gait_cv", "1", 0, 1, gait_cv, "SD of log gait speed") \
    X("muscle.baseline.chair_median_female_50", "s", 2, 40, chair_mean50[0], "five-times chair-stand time median at 50, women") \
    X("muscle.baseline.chair_median_male_50", "s", 2, 40, chair_mean50[1], "same, men") \
    X("muscle.baseline.chair_slope_female", "s/yr", -1, 1, chair_slope[0], "cross-sectional change per year of age, women") \
    X("muscle.baseline.chair_slope_male", "s/yr", -1, 1, chair_slope[1], "same, men") \
    X("muscle.baseline.chair_cv", "1", 0, 1, chair_cv, "SD of log chair-stand time") \
    X("muscle.baseline.loading_grip", "1", -1, 1, load_grip, "correlation of log grip with the muscle factor") \
    X("muscle.baseline.loading_gait", "1", -1, 1, load_gait, "correlation of log gait speed with the muscle factor") \
    X("muscle.baseline.loading_chair", "1", -1, 1, load_chair, "correlation of -log chair time with the muscle factor") \
    X("muscle.loss.asm_female", "1/yr", 0, 0.1, asm_loss[0], "ASM loss at 50, women") \
    X("muscle.loss.asm_male", "1/yr", 0, 0.1, asm_loss[1], "ASM loss at 50, men") \
    X("muscle.loss.grip_female", "1/yr", 0, 0.1, grip_loss[0], "grip loss at 50, women") \
    X("muscle.loss.grip_male", "1/yr", 0, 0.1, grip_loss[1], "grip loss at 50, men") \
    X("muscle.loss.gait_female", "1/yr", 0, 0.1, gait_loss[0], "gait-speed loss at 50, women") \
    X("muscle.loss.gait_male", "1/yr", 0, 0.1, gait_loss[1], "gait-speed loss at 50, men") \
    X("muscle.loss.chair_female", "1/yr", 0, 0.1, chair_gain[0], "chair-stand time increase at 50, women") \
    X("muscle.loss.chair_male", "1/yr", 0, 0.1, chair_gain[1], "chair-stand time increase at 50, men") \
    X("muscle.loss.height_female", "m/yr", 0, 0.02, height_loss[0], "height loss after 50, women") \
    X("muscle.loss.height_male", "m/yr", 0, 0.02, height_loss[1], "height loss after 50, men") \
    X("muscle.loss.age_accel_asm", "1/yr", -0.1, 0.5, loss_accel[OS_MU_ASM], "relative change of the ASM ageing loss per year over 50") \
    X("muscle.loss.age_accel_grip", "1/yr", -0.1, 0.5, loss_accel[OS_MU_GRIP], "same, grip") \
    X("muscle.loss.age_accel_gait", "1/yr", -0.1, 0.5, loss_accel[OS_MU_GAIT], "same, gait speed") \
    X("muscle.loss.age_accel_chair", "1/yr", -0.1, 0.5, loss_accel[OS_MU_CHAIR], "same, chair-stand time") \
    X("muscle.loss.slope_cv", "1", 0, 3, slope_cv, "individual slope: coefficient of variation of the ageing losses") \
    X("muscle.menopause.asm_excess", "1/yr", 0, 0.1, meno_asm_excess, "extra ASM loss in the menopause transition window") \
    X("muscle.menopause.grip_excess", "1/yr", 0, 0.1, meno_grip_excess, "extra grip loss in the menopause transition window") \
    X("muscle.sedentary.k", "1", 0, 5, sed_k, "relative increase of muscle losses when sedentary") \
    X("muscle.inflammation.k", "1", 0, 2, infl_k, "log-multiplier of muscle losses per unit latent inflammation") \
    X("muscle.smoking.k", "1", 0, 5, smoke_k, "relative increase of muscle losses in current smokers") \
    X("muscle.vitamin_d.k", "1", 0, 5, vitd_k, "relative increase of muscle losses with low 25(OH)D") \
    X("muscle.protein.k", "1", 0, 5, prot_k, "relative increase of muscle losses with protein below requirement") \
    X("muscle.sleep.k", "1", 0, 5, sleep_k, "relative increase of muscle losses with sleep/circadian disruption") \
    X("muscle.bedrest.week_loss", "1/wk", 0, 0.2, bed_week_loss, "muscle mass lost per week of bed rest") \
    X("muscle.bedrest.strength_ratio", "1", 0, 10, bed_strength_ratio, "strength/performance loss per unit mass loss in bed rest") \
    X("muscle.bedrest.recovery", "1", 0, 1, bed_recovery, "share of bed-rest loss recovered afterwards") \
    X("coupling.bone_to_muscle", "1", 0, 5, c_bm, "osteokines: log-multiplier of muscle losses per SD of BMD deficit") \
    X("coupling.bmd_ref.female", "g/cm2", 0.2, 1.5, bmd_ref[0], "BMD reference for the osteokine z, women") \
    X("coupling.bmd_ref.male", "g/cm2", 0.2, 1.5, bmd_ref[1], "BMD reference for the osteokine z, men") \
    X("coupling.bmd_ref.sd_female", "g/cm2", 0.01, 0.5, bmd_ref_sd[0], "its SD, women") \
    X("coupling.bmd_ref.sd_male", "g/cm2", 0.01, 0.5, bmd_ref_sd[1], "its SD, men")

#define MU_SPEC(k, u, lo, hi, f, d) {k, OS_P_REAL, u, lo, hi, 1, NULL, NULL, d},
#define MU_FIELD(k, u, lo, hi, f, d) OS_FIELD(k, os_muscle_par, f, OS_F_REAL),
static const os_param_spec muscle_params[] = { MUSCLE_PARAMS(MU_SPEC) };
static const os_field muscle_fields[] = { MUSCLE_PARAMS(MU_FIELD) };
#define MU_NPARAMS (sizeof muscle_params / sizeof muscle_params[0])

int os_muscle_read_params(const os_cfg *cfg, os_muscle_par *p, os_err *err)
{
    return os_cfg_read(cfg, NULL, muscle_fields, MU_NPARAMS, p, err);
}

int os_muscle_setup(os_model *m, const os_muscle_par *p, void **state,
                    os_err *err)
{
    const os_bone *bone = os_model_state(m, "bone");
    if (!bone) return os_fail(err, OS_ERUN, "muscle: needs the bone module");
    os_muscle *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "muscle: out of memory");
    s->p = *p;
    s->bone = bone;
    s->col_asm = os_model_add_column(m, "muscle", "asm", OS_COL_F32, "kg",
        "appendicular skeletal muscle mass", OS_COL_SNAPSHOT, err);
    s->col_h = os_model_add_column(m, "muscle", "height", OS_COL_F32, "m", "height",
        OS_COL_SNAPSHOT, err);
    s->col_grip = os_model_add_column(m, "muscle", "grip", OS_COL_F32, "kg",
        "handgrip strength (dominant hand, max)", OS_COL_SNAPSHOT, err);
    s->col_gait = os_model_add_column(m, "muscle", "gait", OS_COL_F32, "m/s",
        "usual gait speed", OS_COL_SNAPSHOT, err);
    s->col_chair = os_model_add_column(m, "muscle", "chair", OS_COL_F32, "s",
        "five-times chair-stand time", OS_COL_SNAPSHOT, err);
    if (s->col_asm < 0 || s->col_h < 0 || s->col_grip < 0 ||
        s->col_gait < 0 || s->col_chair < 0) {
        free(s);
        return err->code ? err->code : OS_ERUN;
    }
    s->col_slope = os_model_add_column(m, "muscle", "muscle_slope", OS_COL_U8, "1/32",
        "individual muscle-loss slope deviation z, 128 + 32 z", 0, err);
    if (s->col_slope < 0) {
        free(s);
        return err->code ? err->code : OS_ERUN;
    }
    if ((s->col_t = os_model_column(m, "muscle", "tscore", OS_COL_F32, err)) < 0 ||
        (s->col_fmp = os_model_column(m, "muscle", "fmp_age", OS_COL_U8, err)) < 0 ||
        (s->col_flags = os_model_column(m, "muscle", "rf_flags", OS_COL_U8, err)) < 0 ||
        (s->col_smoke = os_model_column(m, "muscle", "smoking", OS_COL_U8, err)) < 0 ||
        (s->col_infl = os_model_column(m, "muscle", "inflammation", OS_COL_F32, err)) < 0 ||
        (s->col_bed = os_model_column(m, "muscle", "bedrest_weeks", OS_COL_U8, err)) < 0) {
        free(s);
        return OS_ERUN;
    }
    s->pu_latent = os_rng_purpose("physiology.latent");
    s->pu_slope = os_rng_purpose("muscle.slope");
    *state = s;
    return 0;
}

static int muscle_init(os_model *m, void **state, os_err *err)
{
    os_muscle_par p;
    if (os_muscle_read_params(m->cfg, &p, err)) return OS_ECONFIG;
    return os_muscle_setup(m, &p, state, err);
}

/* Lognormal value with median MED, log-SD CV, standard normal Z. */
static inline float mu_logn(double med, double cv, double z)
{
    return (float)(med * exp(cv * z));
}

static void muscle_init_agents(os_model *m, void *state, os_chunk *c)
{
    const os_muscle *s = state;
    const os_muscle_par *p = &s->p;
    const double rho = s->bone->p.base_rho;
    float *asmv = os_chunk_f32(m, c, s->col_asm);
    float *h = os_chunk_f32(m, c, s->col_h);
    float *grip = os_chunk_f32(m, c, s->col_grip);
    float *gait = os_chunk_f32(m, c, s->col_gait);
    float *chair = os_chunk_f32(m, c, s->col_chair);
    uint8_t *sl = os_chunk_u8(m, c, s->col_slope);
    for (size_t i = 0; i < c->n; i++) {
        os_rng r;
        os_rng_init(&r, m->seed, c->id[i], 0, s->pu_slope);
        sl[i] = os_slope_encode(os_rng_normal(&r));
        os_rng_init(&r, m->seed, c->id[i], 0, s->pu_latent);
        double zb = os_rng_normal(&r);        /* bone's factor */
        double zm = rho * zb + sqrt(1.0 - rho * rho) * os_rng_normal(&r);
        double e1 = os_rng_normal(&r), e2 = os_rng_normal(&r);
        double e3 = os_rng_normal(&r), e4 = os_rng_normal(&r);
        int sex = c->sex[i];
        double a = (double)c->age[i] - MUSCLE_REF_AGE;
        double ht = p->height_mean50[sex] + p->height_slope[sex] * a +
                    p->height_sd[sex] * e4;
        double asmi = mu_logn(p->asmi_mean50[sex] + p->asmi_slope[sex] * a,
                              p->asmi_cv, zm);
        h[i] = (float)ht;
        asmv[i] = (float)(asmi * ht * ht);
        double lg = p->load_grip, lw = p->load_gait, lc = p->load_chair;
        grip[i] = mu_logn(p->grip_mean50[sex] + p->grip_slope[sex] * a,
                          p->grip_cv, lg * zm + sqrt(1.0 - lg * lg) * e1);
        gait[i] = mu_logn(p->gait_mean50[sex] + p->gait_slope[sex] * a,
                          p->gait_cv, lw * zm + sqrt(1.0 - lw * lw) * e2);
        chair[i] = mu_logn(p->chair_mean50[sex] + p->chair_slope[sex] * a,
                           p->chair_cv, -(lc * zm + sqrt(1.0 - lc * lc) * e3));
    }
}

/* The step in tiles of passes over the columns, as bone's: branch-free
 * passes (vectorised) compute every agent, dead ones too; libm's expf is
 * applied in scalar passes to the living only.  The expressions and their
 * order are those of the per-agent loop, so results are unchanged. */
#define MU_TILE 256

/* The exponential part of a tile's loss multiplier, inflammation and the
 * osteokines (start-of-year BMD from the T-score, os_bone_bmd_from_t):
 * X[i] = exp(infl_k I - c_bm z_bmd) for the living, 0 for the dead (tile
 * [T0, T0 + N) of the chunk); I with the programmes' shift IVINF
 * (iv_riskfactor.h; NULL none).  FE: the effective rf_flags, FL without
 * the bits the programmes clear (IVCLR; NULL none). */
static void multiplier_tile(const os_muscle_par *p, const os_bone_par *bp, const os_chunk *c, size_t t0,
                            size_t n, const float *t, const float *inf, const float *ivinf, const uint8_t *fl,
                            const uint8_t *ivclr, float *x, uint8_t *fe)
{
    const uint8_t *sex = c->sex + t0, *alive = c->alive + t0;
    t += t0, inf += t0, fl += t0;
    const float inv_bsd[2] = {(float)(1.0 / p->bmd_ref_sd[0]),
                              (float)(1.0 / p->bmd_ref_sd[1])};
    const double ref_mu0 = bp->use_nhanes ? bp->ref_nhanes_mean : bp->ref_china_mean[0];
    const double ref_mu1 = bp->use_nhanes ? bp->ref_nhanes_mean : bp->ref_china_mean[1];
    const double ref_sd0 = bp->use_nhanes ? bp->ref_nhanes_sd : bp->ref_china_sd[0];
    const double ref_sd1 = bp->use_nhanes ? bp->ref_nhanes_sd : bp->ref_china_sd[1];
    const float bref[2] = {(float)p->bmd_ref[0], (float)p->bmd_ref[1]};
    const float ik = (float)p->infl_k, cbm = (float)p->c_bm;
    for (size_t i = 0; i < n; i++) {
        int male = sex[i] != 0;
        float bmd0 = (float)((male ? ref_mu1 : ref_mu0) + (male ? ref_sd1 : ref_sd0) * (double)t[i]);
        float zb = (bmd0 - (male ? bref[1] : bref[0])) * (male ? inv_bsd[1] : inv_bsd[0]);
        x[i] = ik * (inf[i] + (ivinf ? ivinf[t0 + i] : 0.0f)) - cbm * zb;
    }
    for (size_t i = 0; i < n; i++) x[i] = alive[i] ? expf(x[i]) : 0.0f;
    for (size_t i = 0; i < n; i++) fe[i] = (uint8_t)(fl[i] & ~(unsigned)(ivclr ? ivclr[t0 + i] : 0));
}

static void muscle_step(os_model *m, void *state, os_chunk *c)
{
    const os_muscle *s = state;
    const os_muscle_par *p = &s->p;
    const os_bone_par *bp = &s->bone->p;
    float *asmv = os_chunk_f32(m, c, s->col_asm);
    float *h = os_chunk_f32(m, c, s->col_h);
    float *grip = os_chunk_f32(m, c, s->col_grip);
    float *gait = os_chunk_f32(m, c, s->col_gait);
    float *chair = os_chunk_f32(m, c, s->col_chair);
    const float *t = os_chunk_f32(m, c, s->col_t);
    const uint8_t *fmp = os_chunk_u8(m, c, s->col_fmp);
    const uint8_t *fl = os_chunk_u8(m, c, s->col_flags);
    const uint8_t *sm = os_chunk_u8(m, c, s->col_smoke);
    const float *inf = os_chunk_f32(m, c, s->col_infl);
    uint8_t *bed = os_chunk_u8(m, c, s->col_bed);
    const uint8_t *sl = os_chunk_u8(m, c, s->col_slope);
    const float cv = (float)p->slope_cv;
    const float bedk = (float)(p->bed_week_loss * (1.0 - p->bed_recovery));
    const float *iv_mass = os_chunk_find_f32(m, c, "muscle", OS_IV_MASS);
    const float *iv_str = os_chunk_find_f32(m, c, "muscle", OS_IV_STRENGTH);
    const uint8_t *ivclr = os_chunk_find_u8(m, c, "muscle", OS_IV_RF_CLEAR);   /* iv_riskfactor.h */
    const float *ivinf = os_chunk_find_f32(m, c, "muscle", OS_IV_INFL);
    /* Parameters as the floats (and doubles) the expressions use, per sex
     * selected rather than indexed: no gathers in the vectorised passes. */
    const float sedk = (float)p->sed_k, smk = (float)p->smoke_k, vdk = (float)p->vitd_k,
                prk = (float)p->prot_k, slk = (float)p->sleep_k, bsr = (float)p->bed_strength_ratio;
    const float w0 = os_float_ceil(bp->meno_trans_start), w1 = os_float_ceil(bp->meno_trans_end);
    const float mae = (float)p->meno_asm_excess, mge = (float)p->meno_grip_excess;
    const float al[2] = {(float)p->asm_loss[0], (float)p->asm_loss[1]};
    const float gl[2] = {(float)p->grip_loss[0], (float)p->grip_loss[1]};
    const float gtl[2] = {(float)p->gait_loss[0], (float)p->gait_loss[1]};
    const float cg[2] = {(float)p->chair_gain[0], (float)p->chair_gain[1]};
    const float hl[2] = {(float)p->height_loss[0], (float)p->height_loss[1]};
    const double ac_asm = p->loss_accel[OS_MU_ASM], ac_grip = p->loss_accel[OS_MU_GRIP],
                 ac_gait = p->loss_accel[OS_MU_GAIT], ac_chair = p->loss_accel[OS_MU_CHAIR];
    static const float zeros[MU_TILE];   /* absent programme columns: +0 or -0 leaves values unchanged */
    uint8_t fe[MU_TILE];
    float x[MU_TILE], xa[MU_TILE], xg[MU_TILE], xw[MU_TILE], xc[MU_TILE], xh[MU_TILE];
    for (size_t t0 = 0; t0 < c->n; t0 += MU_TILE) {
        size_t n = c->n - t0 < MU_TILE ? c->n - t0 : MU_TILE;
        const uint8_t *alive = c->alive + t0, *sex = c->sex + t0;
        const float *age = c->age + t0, *gmt = iv_mass ? iv_mass + t0 : zeros, *gst = iv_str ? iv_str + t0 : zeros;
        multiplier_tile(p, bp, c, t0, n, t, inf, ivinf, fl, ivclr, x, fe);
        /* The four yearly log-changes and the height loss. */
        for (size_t i = 0; i < n; i++) {
            size_t j = t0 + i;
            int male = sex[i] != 0;
            float a = age[i] - (float)MUSCLE_REF_AGE;
            a = a > 0.0f ? a : 0.0f;
            float slope = 1.0f + cv * os_slope_decode(sl[j]);
            const unsigned f = fe[i];   /* effective flags; gmt, gst programme gains (interventions.h) */
            float mult = (1.0f + sedk * (float)((f & OS_RF_SEDENTARY) != 0)) *
                         (1.0f + smk * (float)(sm[j] == OS_SMOKE_CURRENT)) *
                         (1.0f + vdk * (float)((f & OS_RF_LOWVITD) != 0)) *
                         (1.0f + prk * (float)((f & OS_RF_LOWPROT) != 0)) *
                         (1.0f + slk * (float)((f & OS_RF_SLEEP) != 0)) * x[i];
            float rr = slope * mult;
            float w = os_phys_window_f(age[i] - (float)fmp[j], w0, w1);
            w *= (float)!male;   /* women only; w >= 0, so men get +0 exactly */
            float bl = (float)bed[j] * bedk;
            float bs = bl * bsr;
            xa[i] = -((male ? al[1] : al[0]) * os_age_factor(ac_asm, a) * rr + mae * w + bl) + gmt[i];
            xg[i] = -((male ? gl[1] : gl[0]) * os_age_factor(ac_grip, a) * rr + mge * w + bs) + gst[i];
            xw[i] = -((male ? gtl[1] : gtl[0]) * os_age_factor(ac_gait, a) * rr + bs) + gst[i];
            xc[i] = (male ? cg[1] : cg[0]) * os_age_factor(ac_chair, a) * rr + bs - gst[i];
            xh[i] = age[i] >= (float)MUSCLE_REF_AGE ? (male ? hl[1] : hl[0]) : 0.0f;
        }
        for (size_t i = 0; i < n; i++) {
            if (!alive[i]) continue;
            size_t j = t0 + i;
            asmv[j] *= expf(xa[i]);
            grip[j] *= expf(xg[i]);
            gait[j] *= expf(xw[i]);
            chair[j] *= expf(xc[i]);
            h[j] -= xh[i];
            bed[j] = 0;   /* used: hospital adds this year's weeks next */
        }
    }
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread muscle_reads[] = {
    {"tscore", OS_COL_F32, 0},  /* start-of-year bone state (physiology.h) */
    {"fmp_age", OS_COL_U8, 0},
    {"rf_flags", OS_COL_U8, 0},
    {"smoking", OS_COL_U8, 0},
    {"inflammation", OS_COL_F32, 0},
    {"bedrest_weeks", OS_COL_U8, OS_READ_WRITES},  /* zeroed after use */
    {OS_IV_MASS, OS_COL_F32, OS_READ_OPTIONAL},
    {OS_IV_STRENGTH, OS_COL_F32, OS_READ_OPTIONAL},
    {OS_IV_RF_CLEAR, OS_COL_U8, OS_READ_OPTIONAL},
    {OS_IV_INFL, OS_COL_F32, OS_READ_OPTIONAL},
    {NULL, 0, 0},
};

const os_module os_mod_muscle = {
    .name = "muscle",
    .params = muscle_params,
    .nparams = MU_NPARAMS,
    .init = muscle_init,
    .init_agents = muscle_init_agents,
    .step = muscle_step,
    .destroy = free,
    .reads = muscle_reads,
};
