/* iv_riskfactor.h - programmes that act on the model's own risk-factor
 * states (models/iv_riskfactor.c; docs/programmes.md "Through the risk
 * factors").
 *
 * The keys, under programmes.<name>:
 *   pathway                          direct (effects only), risk_factor
 *                                    (risk_factor only) or both (default)
 *   risk_factor.vitamin_d_nmol       rise of serum 25(OH)D while on it
 *   risk_factor.protein_g_per_kg     protein intake added while on it
 *   risk_factor.sedentary_to_active  yearly probability that a sedentary
 *                                    person on it is active (for the rest
 *                                    of the course)
 *   risk_factor.inflammation_z       shift of the latent inflammation level
 *   risk_factor.smoking_quit         yearly probability that a current
 *                                    smoker on it quits (for good)
 *
 * The natural states stay risk_factors.c's: its AR(1) of 25(OH)D and its
 * activity chain never see a programme, so a shift cannot compound from
 * year to year.  Each year, interventions.c (before bone and muscle) writes
 * the shifts of the programmes a person is on into columns it owns; bone
 * and muscle read the effective state, natural with the shift:
 *   iv_rf_clear   u8   rf_flags bits the programmes clear this year
 *                      (OS_RF_LOWVITD, OS_RF_LOWPROT, OS_RF_SEDENTARY)
 *   iv_infl       f32  added to the latent inflammation level
 *   iv_vitd       f32  nmol/L added to 25(OH)D (eligibility, output)
 *   iv_protein    f32  g/kg/d added to protein intake (eligibility, output)
 * Stopping ends the shifts the next year.  Quitting smoking is the one
 * permanent change: the smoking column itself goes to former.
 */
#ifndef OS_IV_RISKFACTOR_H
#define OS_IV_RISKFACTOR_H

#include "model.h"

#define OS_IV_RF_CLEAR "iv_rf_clear"
#define OS_IV_INFL "iv_infl"

enum { IV_PATH_BOTH = 0, IV_PATH_DIRECT, IV_PATH_RF };

/* A programme's risk-factor block (zeros: no action). */
typedef struct iv_rf {
    int pathway;                      /* IV_PATH_* */
    double vitd, prot, active, infl, quit;
    int any;                          /* any of them non-zero */
} iv_rf;

/* The combined shifts of one person's programmes this year. */
typedef struct iv_rf_eff {
    double vitd, prot, infl;
    double stay_sed;    /* probability of staying sedentary on them */
    double stay_smoke;  /* probability of not quitting this year */
} iv_rf_eff;

/* The columns and cut-offs of an arm whose programmes act on risk factors. */
typedef struct iv_rf_cols {
    int on;                               /* some programme has a block */
    int col_clear, col_infl, col_vitd, col_prot;
    int col_prot_in;                      /* natural intake (risk_factors) */
    double vitd_cut, prot_req;            /* risk_factors' low-state cut-offs */
    uint32_t pu_active, pu_quit;
} iv_rf_cols;

/* One person's draws and states for iv_rf_apply. */
typedef struct iv_rf_person {
    uint64_t seed;
    uint32_t id, year;
    uint8_t vitd, prot, rf;   /* natural 25(OH)D, intake (0.01 g/kg/d), flags */
} iv_rf_person;

extern const os_param_spec iv_rf_params[];
extern const size_t iv_rf_nparams;

/* Reads the pathway and risk_factor keys under PREFIX. */
int iv_rf_read(const os_cfg *cfg, const char *prefix, iv_rf *rf, os_err *err);

/* Creates the columns (when ON) and reads the cut-offs. */
int iv_rf_init(os_model *m, iv_rf_cols *rc, int on, os_err *err);

static inline void iv_rf_eff_reset(iv_rf_eff *e)
{
    e->vitd = e->prot = e->infl = 0.0;
    e->stay_sed = e->stay_smoke = 1.0;
}

/* Adds programme RF at adherence ADH in year YEAR_ON (1, 2, ...) on it. */
void iv_rf_add(const iv_rf *rf, double adh, int year_on, iv_rf_eff *e);

/* Person P's bits cleared by shifts E, and the "moved active" draw. */
unsigned iv_rf_clear_bits(const iv_rf_cols *rc, const iv_rf_eff *e, const iv_rf_person *p);

/* Whether the smoker P quits this year on shifts E. */
int iv_rf_quits(const iv_rf_cols *rc, const iv_rf_eff *e, const iv_rf_person *p);

#endif
