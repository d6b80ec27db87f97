/* physiology.h - state shared by risk_factors, bone, muscle and diagnosis.
 *
 * Each of these modules reads its parameters into a plain struct
 * (os_X_read_params) and then sets itself up from that struct
 * (os_X_setup), so unit tests can drive the hooks with hand-filled
 * parameters and no configuration file.
 *
 * Symmetric bone-muscle update: the step pass runs bone before muscle.
 * Bone reads the muscle columns, which still hold the start-of-year state.
 * Muscle must not read the updated BMD, so it reads the T-score column,
 * which is refreshed only in bone's census hook (1 July) and therefore is
 * the start-of-year bone state during the step pass.  With both coupling
 * strengths at zero the two tissues then move independently given the
 * shared drivers.
 *
 * bedrest_weeks: registered by risk_factors, which adds background
 * illness episodes in its step; hospital adds the weeks of fracture and
 * hospital stays in its (later) step.  Bone and muscle read it in the next
 * year's step, and muscle (the last reader) zeroes it after use.
 */
#ifndef OS_PHYSIOLOGY_H
#define OS_PHYSIOLOGY_H

#include <math.h>
#include <stddef.h>

#include "model.h"
#include "measurement.h"

/* Bits of the u8 column "rf_flags". */
enum {
    OS_RF_POSTMENO  = 1u << 0,  /* age >= age at final menstrual period */
    OS_RF_SEDENTARY = 1u << 1,  /* physically inactive this year        */
    OS_RF_SLEEP     = 1u << 2,  /* sleep / circadian disruption          */
    OS_RF_LOWSUN    = 1u << 3,  /* sunlight exposure < ~15 min/day       */
    OS_RF_LOWPROT   = 1u << 4,  /* protein intake below the requirement  */
    OS_RF_LOWVITD   = 1u << 5,  /* 25(OH)D below the deficiency cut-off  */
};

/* Smoking status values of the u8 column "smoking". */
enum { OS_SMOKE_NEVER = 0, OS_SMOKE_CURRENT = 1, OS_SMOKE_FORMER = 2 };

/* ---- risk factors ---- */
typedef struct os_rf_par {
    double fmp_mean, fmp_sd, fmp_min, fmp_max;          /* years */
    double sed_logit50, sed_logit_age;                  /* baseline */
    double sed_onset, sed_recover;                     /* 1/yr */
    double smoke_prev[2], smoke_former[2], smoke_quit;  /* [sex] */
    double vitd_logmean[2], vitd_logsd, vitd_rho, vitd_lowsun_shift;
    double vitd_lowsun_prev, vitd_cut;
    double prot_mean, prot_sd, prot_req;
    double sleep_prev;
    double infl_sd, infl_age;
    double bed_rate50, bed_age, bed_max_weeks;
} os_rf_par;

typedef struct os_rf {
    os_rf_par p;
    int col_fmp, col_flags, col_smoke, col_vitd, col_prot, col_infl,
        col_bed;
    uint32_t pu_init, pu_step;
    double log_vitd[256];   /* log(max(v, 1)) of each stored 25(OH)D value */
} os_rf;

/* ---- bone ---- */
typedef struct os_bone_par {
    /* T-score references: [0] female, [1] male. */
    double ref_china_mean[2], ref_china_sd[2];
    double ref_nhanes_mean, ref_nhanes_sd;     /* white women, both sexes */
    int use_nhanes;
    /* Baseline BMD ~ normal(mean50 + slope (age-50), sd). */
    double base_mean50[2], base_slope[2], base_sd[2];
    /* Ageing loss and its modifiers. */
    double loss[2], loss_accel[2], slope_cv;   /* accel per sex */
    double meno_trans_excess, meno_post_excess;
    double meno_trans_start, meno_trans_end, meno_post_end;   /* yr vs FMP */
    double sed_mult, infl_k, smoke_extra, vitd_extra;
    double bed_disuse_mult, bed_recovery;
    /* Crosstalk muscle -> bone: rate multiplied by exp(-c * z_grip). */
    double c_mb, grip_ref[2], grip_ref_sd[2];
    /* Baseline bone-muscle latent correlation (Gaussian copula). */
    double base_rho;
} os_bone_par;

typedef struct os_bone {
    os_bone_par p;
    int col_bmd, col_t, col_fmp, col_flags, col_smoke, col_infl, col_bed,
        col_grip, col_slope;
    uint32_t pu_latent, pu_slope;
} os_bone;

/* ---- muscle ---- */
enum { OS_MU_ASM = 0, OS_MU_GRIP, OS_MU_GAIT, OS_MU_CHAIR };
typedef struct os_muscle_par {
    /* Baseline (lognormal around age-linear means), [sex]. */
    double asmi_mean50[2], asmi_slope[2], asmi_cv;
    double height_mean50[2], height_slope[2], height_sd[2];
    double grip_mean50[2], grip_slope[2], grip_cv;
    double gait_mean50[2], gait_slope[2], gait_cv;
    double chair_mean50[2], chair_slope[2], chair_cv;
    double load_grip, load_gait, load_chair;   /* on the muscle factor */
    /* Ageing rates (fraction/yr at 50; height m/yr). */
    double asm_loss[2], grip_loss[2], gait_loss[2], chair_gain[2];
    double height_loss[2], slope_cv;
    double loss_accel[4];   /* per measure, OS_MU_ASM..OS_MU_CHAIR */
    double meno_asm_excess, meno_grip_excess;
    double sed_k, infl_k, smoke_k, vitd_k, prot_k, sleep_k;
    double bed_week_loss, bed_strength_ratio, bed_recovery;
    /* Crosstalk bone -> muscle: rate multiplied by exp(-c * z_bmd). */
    double c_bm, bmd_ref[2], bmd_ref_sd[2];
} os_muscle_par;

typedef struct os_muscle {
    os_muscle_par p;
    const os_bone *bone;  /* T-score reference, baseline rho, menopause */
    int col_asm, col_h, col_grip, col_gait, col_chair, col_t, col_fmp,
        col_flags, col_smoke, col_infl, col_bed, col_slope;
    uint32_t pu_latent, pu_slope;
} os_muscle;

/* ---- diagnosis ---- */
typedef struct os_dx_par {
    double t_osteoporosis, t_normal;          /* T <= -2.5; T >= -1 normal */
    double ew_grip[2], ew_chair, ew_asm[2], ew_asmi[2], ew_gait;
    double aw_grip[2], aw_asmi[2], aw_gait, aw_chair;
    os_meas_par meas;   /* measurement models (measurement.h); zero: none */
} os_dx_par;

typedef struct os_dx {
    os_dx_par p;
    int col_dx, col_t, col_asm, col_h, col_grip, col_gait, col_chair;
    int sum[11];   /* /summary column indices, order of os_dx_summary */
    uint32_t pu_bia, pu_spine;   /* per-person measurement errors */
} os_dx;

/* Setup from filled parameter structs (also used by tests). */
int os_rf_setup(os_model *m, const os_rf_par *p, void **state, os_err *err);
int os_bone_setup(os_model *m, const os_bone_par *p, void **state,
                  os_err *err);
int os_muscle_setup(os_model *m, const os_muscle_par *p, void **state,
                    os_err *err);
int os_dx_setup(os_model *m, const os_dx_par *p, void **state, os_err *err);

int os_rf_read_params(const os_cfg *cfg, os_rf_par *p, os_err *err);
int os_bone_read_params(const os_cfg *cfg, os_bone_par *p, os_err *err);
int os_muscle_read_params(const os_cfg *cfg, os_muscle_par *p, os_err *err);
int os_dx_read_params(const os_cfg *cfg, os_dx_par *p, os_err *err);

/* Diagnosis flags (diagnosis.h) of one person; sex 0 female, 1 male. */
unsigned os_dx_classify(const os_dx_par *p, int sex, float t, float asmv,
                        float h, float grip, float gait, float chair);

/* Start-of-year BMD from the census T-score (see the header comment). */
static inline float os_bone_bmd_from_t(const os_bone_par *p, int sex,
                                       float t)
{
    double mu = p->use_nhanes ? p->ref_nhanes_mean : p->ref_china_mean[sex];
    double sd = p->use_nhanes ? p->ref_nhanes_sd : p->ref_china_sd[sex];
    return (float)(mu + sd * (double)t);
}

static inline float os_bone_tscore(const os_bone_par *p, int sex, float bmd)
{
    double mu = p->use_nhanes ? p->ref_nhanes_mean : p->ref_china_mean[sex];
    double sd = p->use_nhanes ? p->ref_nhanes_sd : p->ref_china_sd[sex];
    return (float)(((double)bmd - mu) / sd);
}

/* Individual slope deviations z ~ N(0,1) are drawn once at entry and
 * stored quantised in a u8 column (steps of 1/OS_SLOPE_Q, |z| < 4), so the
 * yearly step needs no random draw for them. */
#define OS_SLOPE_Q 32.0
static inline uint8_t os_slope_encode(double z)
{
    double q = 128.0 + z * OS_SLOPE_Q;
    q = q < 0.0 ? 0.0 : (q > 255.0 ? 255.0 : q);
    return (uint8_t)(q + 0.5);   /* truncation: 255.5 -> 255 */
}
static inline float os_slope_decode(uint8_t q)
{
    return (float)(((double)q - 128.0) * (1.0 / OS_SLOPE_Q));
}

/* Age factor of an ageing rate, floored at zero (accel may be negative). */
static inline float os_age_factor(double accel, float a)
{
    float f = 1.0f + (float)accel * a;
    return f > 0.0f ? f : 0.0f;
}

/* Years-since-FMP window indicator (menopause transition / after). */
static inline float os_phys_window(float t, double lo, double hi)
{
    return (float)((double)t >= lo && (double)t < hi);
}

/* The smallest float >= D (D finite, within the float range).  For a
 * float T, (double)T >= D is T >= os_float_ceil(D) and (double)T < D is
 * T < os_float_ceil(D), so window tests can compare floats: loops over
 * columns then vectorise without mixing float and double lanes. */
static inline float os_float_ceil(double d)
{
    float f = (float)d;
    return (double)f < d ? nextafterf(f, INFINITY) : f;
}

/* os_phys_window(t, lo, hi) with LO = os_float_ceil(lo), HI =
 * os_float_ceil(hi): the same value. */
static inline float os_phys_window_f(float t, float lo, float hi)
{
    return (float)((t >= lo) & (t < hi));
}

#endif
