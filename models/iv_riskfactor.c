/* iv_riskfactor.c - programmes acting on the risk-factor states
 * (iv_riskfactor.h). */
#include "iv_riskfactor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "physiology.h"
#include "rng.h"

const os_param_spec iv_rf_params[] = {
    {"pathway", OS_P_STRING, NULL, 1.0, 0.0, 0, "both", "both|direct|risk_factor",
     "what carries the programme's effect: its effects and its risk_factor block (both), effects only "
     "(direct) or the risk_factor block only (risk_factor)"},
    {"risk_factor.vitamin_d_nmol", OS_P_REAL, "nmol/L", 0, 250, 0, "0", NULL,
     "rise of serum 25(OH)D while on the programme (scaled by adherence)"},
    {"risk_factor.protein_g_per_kg", OS_P_REAL, "g/kg/d", 0, 2, 0, "0", NULL,
     "protein intake added while on the programme (scaled by adherence)"},
    {"risk_factor.sedentary_to_active", OS_P_REAL, "1/yr", 0, 1, 0, "0", NULL,
     "yearly probability that a sedentary person on the programme becomes active for the rest of the "
     "course (scaled by adherence)"},
    {"risk_factor.inflammation_z", OS_P_REAL, "z", -5, 5, 0, "0", NULL,
     "shift of the latent inflammation level while on the programme (scaled by adherence)"},
    {"risk_factor.smoking_quit", OS_P_REAL, "1/yr", 0, 1, 0, "0", NULL,
     "yearly probability that a current smoker on the programme quits, beyond risk.smoking.quit (scaled by "
     "adherence; permanent)"},
};
const size_t iv_rf_nparams = sizeof iv_rf_params / sizeof iv_rf_params[0];

#define RF(key, member, type) OS_FIELD(key, iv_rf, member, type)
static const os_field rf_fields[] = {
    RF("pathway", pathway, OS_F_CHOICE),
    RF("risk_factor.vitamin_d_nmol", vitd, OS_F_REAL),
    RF("risk_factor.protein_g_per_kg", prot, OS_F_REAL),
    RF("risk_factor.sedentary_to_active", active, OS_F_REAL),
    RF("risk_factor.inflammation_z", infl, OS_F_REAL),
    RF("risk_factor.smoking_quit", quit, OS_F_REAL),
};
#undef RF

int iv_rf_read(const os_cfg *cfg, const char *prefix, iv_rf *rf, os_err *err)
{
    memset(rf, 0, sizeof *rf);
    if (os_cfg_read(cfg, prefix, rf_fields, sizeof rf_fields / sizeof rf_fields[0], rf, err))
        return OS_ECONFIG;
    /* pathway direct: the block is documentation only. */
    if (rf->pathway == IV_PATH_DIRECT) rf->vitd = rf->prot = rf->active = rf->infl = rf->quit = 0.0;
    rf->any = rf->vitd != 0.0 || rf->prot != 0.0 || rf->active != 0.0 || rf->infl != 0.0 ||
              rf->quit != 0.0;
    return OS_OK;
}

int iv_rf_init(os_model *m, iv_rf_cols *rc, int on, os_err *err)
{
    memset(rc, 0, sizeof *rc);
    rc->col_clear = rc->col_infl = rc->col_vitd = rc->col_prot = rc->col_prot_in = -1;
    if (!on) return OS_OK;
    const os_rf *rf = os_model_state(m, "risk_factors");
    if (!rf) return os_fail(err, OS_ERUN, "interventions: risk_factor programmes need the risk_factors module");
    rc->on = 1;
    rc->vitd_cut = rf->p.vitd_cut;
    rc->prot_req = rf->p.prot_req;
    rc->col_clear = os_model_add_column(m, "interventions", OS_IV_RF_CLEAR, OS_COL_U8, "bits",
        "rf_flags bits the programmes clear this year (32 25(OH)D low, 16 protein low, 2 sedentary)", 0, err);
    rc->col_infl = os_model_add_column(m, "interventions", OS_IV_INFL, OS_COL_F32, "z",
        "programme shift of the latent inflammation level this year", 0, err);
    rc->col_vitd = os_model_add_column(m, "interventions", "iv_vitd", OS_COL_F32, "nmol/L",
        "programme rise of serum 25(OH)D this year (effective = vitd + iv_vitd)", 0, err);
    rc->col_prot = os_model_add_column(m, "interventions", "iv_protein", OS_COL_F32, "g/kg/d",
        "programme protein intake added this year (effective = protein/100 + iv_protein)", 0, err);
    rc->col_prot_in = os_model_column(m, "interventions", "protein", OS_COL_U8, err);
    if (rc->col_clear < 0 || rc->col_infl < 0 || rc->col_vitd < 0 || rc->col_prot < 0 || rc->col_prot_in < 0)
        return OS_ERUN;
    rc->pu_active = os_rng_purpose("interventions.rf.active");
    rc->pu_quit = os_rng_purpose("interventions.rf.quit");
    return OS_OK;
}

void iv_rf_add(const iv_rf *rf, double adh, int year_on, iv_rf_eff *e)
{
    if (!rf->any) return;
    e->vitd += adh * rf->vitd;
    e->prot += adh * rf->prot;
    e->infl += adh * rf->infl;
    /* Active by year t on it with probability 1 - (1 - a p)^t: one
     * life-long draw against a falling bar, so a person moved active stays
     * active while on it. */
    if (rf->active > 0.0) e->stay_sed *= pow(1.0 - adh * rf->active, year_on);
    if (rf->quit > 0.0) e->stay_smoke *= 1.0 - adh * rf->quit;
}

/* The first uniform of P's stream PURPOSE in YEAR. */
static double rf_uniform(const iv_rf_person *p, uint32_t year, uint32_t purpose)
{
    os_rng r;
    os_rng_init(&r, p->seed, p->id, year, purpose);
    return os_rng_uniform(&r);
}

unsigned iv_rf_clear_bits(const iv_rf_cols *rc, const iv_rf_eff *e, const iv_rf_person *p)
{
    unsigned bits = 0;
    /* The cut-offs as risk_factors.c sets the flags. */
    if ((p->rf & OS_RF_LOWVITD) && e->vitd != 0.0 && !((double)p->vitd + e->vitd < rc->vitd_cut))
        bits |= OS_RF_LOWVITD;
    if ((p->rf & OS_RF_LOWPROT) && e->prot != 0.0 &&
        !((double)p->prot + 100.0 * e->prot < 100.0 * rc->prot_req))
        bits |= OS_RF_LOWPROT;
    /* Year 0: the life-long draw. */
    if ((p->rf & OS_RF_SEDENTARY) && e->stay_sed < 1.0 && !(rf_uniform(p, 0, rc->pu_active) < e->stay_sed))
        bits |= OS_RF_SEDENTARY;
    return bits;
}

int iv_rf_quits(const iv_rf_cols *rc, const iv_rf_eff *e, const iv_rf_person *p)
{
    return e->stay_smoke < 1.0 && rf_uniform(p, p->year, rc->pu_quit) < 1.0 - e->stay_smoke;
}
