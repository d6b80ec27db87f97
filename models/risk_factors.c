/* risk_factors.c - menopause, activity, smoking, vitamin D, protein,
 * sleep, latent inflammation and background bed rest: the shared drivers
 * of the bone and muscle trajectories (see physiology.h). */
#include <math.h>
#include <stdlib.h>

#include "fastmath.h"
#include "physiology.h"
#include "rng_fill.h"

/* Age the risk-factor regressions are centred on (risk.*_50 and the
 * changes per year of age after it). */
#define RF_REF_AGE 50

#define RF_PARAMS(X) \
    X("risk.menopause.fmp_mean", "yr", 30, 65, fmp_mean, "mean age at final menstrual period") \
    X("risk.menopause.fmp_sd", "yr", 0, 15, fmp_sd, "SD of age at final menstrual period") \
    X("risk.menopause.fmp_min", "yr", 20, 65, fmp_min, "lower truncation of age at FMP") \
    X("risk.menopause.fmp_max", "yr", 30, 70, fmp_max, "upper truncation of age at FMP") \
    X("risk.activity.sedentary_logit_50", "1", -10, 10, sed_logit50, "logit of the sedentary share at age 50 (baseline)") \
    X("risk.activity.sedentary_logit_per_year", "1/yr", -1, 1, sed_logit_age, "change of that logit per year of age") \
    X("risk.activity.onset", "1/yr", 0, 1, sed_onset, "yearly probability active -> sedentary") \
    X("risk.activity.recovery", "1/yr", 0, 1, sed_recover, "yearly probability sedentary -> active") \
    X("risk.smoking.prevalence.female", "1", 0, 1, smoke_prev[0], "current smokers, women (baseline)") \
    X("risk.smoking.prevalence.male", "1", 0, 1, smoke_prev[1], "current smokers, men (baseline)") \
    X("risk.smoking.former.female", "1", 0, 1, smoke_former[0], "former smokers, women (baseline)") \
    X("risk.smoking.former.male", "1", 0, 1, smoke_former[1], "former smokers, men (baseline)") \
    X("risk.smoking.quit", "1/yr", 0, 1, smoke_quit, "yearly probability a current smoker quits") \
    X("risk.vitamin_d.logmean.female", "ln(nmol/L)", 0, 6, vitd_logmean[0], "mean log 25(OH)D, women with enough sunlight") \
    X("risk.vitamin_d.logmean.male", "ln(nmol/L)", 0, 6, vitd_logmean[1], "mean log 25(OH)D, men with enough sunlight") \
    X("risk.vitamin_d.logsd", "1", 0, 3, vitd_logsd, "SD of log 25(OH)D") \
    X("risk.vitamin_d.rho", "1", 0, 1, vitd_rho, "year-to-year autocorrelation of log 25(OH)D") \
    X("risk.vitamin_d.lowsun_shift", "1", -3, 0, vitd_lowsun_shift, "shift of log 25(OH)D with sunlight < 15 min/day") \
    X("risk.vitamin_d.lowsun_prevalence", "1", 0, 1, vitd_lowsun_prev, "share with sunlight < 15 min/day") \
    X("risk.vitamin_d.deficiency_cut", "nmol/L", 0, 200, vitd_cut, "low vitamin D: 25(OH)D < cut") \
    X("risk.protein.mean", "g/kg/d", 0, 2.5, prot_mean, "mean protein intake") \
    X("risk.protein.sd", "g/kg/d", 0, 1, prot_sd, "SD of protein intake") \
    X("risk.protein.requirement", "g/kg/d", 0, 2.5, prot_req, "low protein: intake < requirement") \
    X("risk.sleep.prevalence", "1", 0, 1, sleep_prev, "share with sleep/circadian disruption") \
    X("risk.inflammation.sd", "1", 0, 5, infl_sd, "SD of the latent inflammation level at 50 (z units)") \
    X("risk.inflammation.per_year", "1/yr", 0, 1, infl_age, "rise of the latent inflammation level per year of age") \
    X("risk.bedrest.rate_50", "1/yr", 0, 2, bed_rate50, "background bed-rest episode rate at 50") \
    X("risk.bedrest.age_growth", "1/yr", 0, 1, bed_age, "log-linear growth of the episode rate per year of age") \
    X("risk.bedrest.max_weeks", "wk", 1, 52, bed_max_weeks, "episode length uniform on 1..max_weeks weeks")

#define RF_SPEC(k, u, lo, hi, f, d) {k, OS_P_REAL, u, lo, hi, 1, NULL, NULL, d},
#define RF_FIELD(k, u, lo, hi, f, d) OS_FIELD(k, os_rf_par, f, OS_F_REAL),
static const os_param_spec rf_params[] = { RF_PARAMS(RF_SPEC) };
static const os_field rf_fields[] = { RF_PARAMS(RF_FIELD) };
#define RF_NPARAMS (sizeof rf_params / sizeof rf_params[0])

int os_rf_read_params(const os_cfg *cfg, os_rf_par *p, os_err *err)
{
    return os_cfg_read(cfg, NULL, rf_fields, RF_NPARAMS, p, err);
}

int os_rf_setup(os_model *m, const os_rf_par *p, void **state, os_err *err)
{
    os_rf *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "risk_factors: out of memory");
    s->p = *p;
    s->col_fmp = os_model_add_column(m, "risk_factors", "fmp_age", OS_COL_U8, "yr",
        "age at final menstrual period (women; 0 for men)", OS_COL_SNAPSHOT, err);
    s->col_flags = os_model_add_column(m, "risk_factors", "rf_flags", OS_COL_U8, "bits",
        "1 postmenopausal, 2 sedentary, 4 sleep/circadian disruption, "
        "8 sunlight <15 min/d, 16 protein below requirement, 32 25(OH)D below cut",
        OS_COL_SNAPSHOT, err);
    s->col_smoke = os_model_add_column(m, "risk_factors", "smoking", OS_COL_U8, "1",
        "0 never, 1 current, 2 former smoker", OS_COL_SNAPSHOT, err);
    s->col_vitd = os_model_add_column(m, "risk_factors", "vitd", OS_COL_U8, "nmol/L",
        "serum 25(OH)D", OS_COL_SNAPSHOT, err);
    s->col_prot = os_model_add_column(m, "risk_factors", "protein", OS_COL_U8, "0.01 g/kg/d",
        "protein intake (hundredths of g per kg per day)", OS_COL_SNAPSHOT, err);
    s->col_infl = os_model_add_column(m, "risk_factors", "inflammation", OS_COL_F32, "z",
        "latent inflammation level (NF-kB/IL-6), shared by bone and muscle", OS_COL_SNAPSHOT, err);
    s->col_bed = os_model_add_column(m, "risk_factors", "bedrest_weeks", OS_COL_U8, "wk",
        "bed-rest weeks this year (risk_factors background + hospital)", OS_COL_SNAPSHOT | OS_COL_CARRY, err);
    if (s->col_fmp < 0 || s->col_flags < 0 || s->col_smoke < 0 ||
        s->col_vitd < 0 || s->col_prot < 0 || s->col_infl < 0 || s->col_bed < 0) {
        free(s);
        return err->code ? err->code : OS_ERUN;
    }
    for (int v = 0; v < 256; v++) s->log_vitd[v] = log((double)(v ? v : 1));
    s->pu_init = os_rng_purpose("risk.init");
    s->pu_step = os_rng_purpose("risk.step");
    *state = s;
    return 0;
}

static int rf_init(os_model *m, void **state, os_err *err)
{
    os_rf_par p;
    if (os_rf_read_params(m->cfg, &p, err)) return OS_ECONFIG;
    return os_rf_setup(m, &p, state, err);
}

static inline uint8_t rf_u8(double v)
{
    return (uint8_t)(v < 0.0 ? 0.0 : (v > 255.0 ? 255.0 : v + 0.5));
}

static void rf_init_agents(os_model *m, void *state, os_chunk *c)
{
    const os_rf *s = state;
    const os_rf_par *p = &s->p;
    uint8_t *fmp = os_chunk_u8(m, c, s->col_fmp);
    uint8_t *fl = os_chunk_u8(m, c, s->col_flags);
    uint8_t *sm = os_chunk_u8(m, c, s->col_smoke);
    uint8_t *vd = os_chunk_u8(m, c, s->col_vitd);
    uint8_t *pr = os_chunk_u8(m, c, s->col_prot);
    float *inf = os_chunk_f32(m, c, s->col_infl);
    uint8_t *bed = os_chunk_u8(m, c, s->col_bed);
    for (size_t i = 0; i < c->n; i++) {
        os_rng r;
        /* year 0: persistent traits do not depend on the entry year */
        os_rng_init(&r, m->seed, c->id[i], 0, s->pu_init);
        int sex = c->sex[i];
        double a = (double)c->age[i] - RF_REF_AGE;
        double f = p->fmp_mean + p->fmp_sd * os_rng_normal(&r);
        f = f < p->fmp_min ? p->fmp_min : (f > p->fmp_max ? p->fmp_max : f);
        fmp[i] = sex == 0 ? rf_u8(f) : 0;
        unsigned flags = 0;
        if (sex == 0 && c->age[i] >= (float)fmp[i]) flags |= OS_RF_POSTMENO;
        double ls = p->sed_logit50 + p->sed_logit_age * a;
        if (os_rng_uniform(&r) < 1.0 / (1.0 + exp(-ls))) flags |= OS_RF_SEDENTARY;
        if (os_rng_uniform(&r) < p->sleep_prev) flags |= OS_RF_SLEEP;
        if (os_rng_uniform(&r) < p->vitd_lowsun_prev) flags |= OS_RF_LOWSUN;
        double u = os_rng_uniform(&r);
        sm[i] = u < p->smoke_prev[sex] ? OS_SMOKE_CURRENT
              : (u < p->smoke_prev[sex] + p->smoke_former[sex] ? OS_SMOKE_FORMER
                                                               : OS_SMOKE_NEVER);
        double mu = p->vitd_logmean[sex] +
                    ((flags & OS_RF_LOWSUN) ? p->vitd_lowsun_shift : 0.0);
        vd[i] = rf_u8(exp(mu + p->vitd_logsd * os_rng_normal(&r)));
        if ((double)vd[i] < p->vitd_cut) flags |= OS_RF_LOWVITD;
        double q = p->prot_mean + p->prot_sd * os_rng_normal(&r);
        pr[i] = rf_u8(100.0 * q);
        if ((double)pr[i] < 100.0 * p->prot_req) flags |= OS_RF_LOWPROT;
        inf[i] = (float)(p->infl_sd * os_rng_normal(&r) +
                         p->infl_age * (a > 0 ? a : 0));
        fl[i] = (uint8_t)flags;
        bed[i] = 0;
    }
}

/* The yearly step draws six words per agent from its "risk.step" stream, in
 * this order: activity, smoking, the two uniforms of the vitamin D normal,
 * bed-rest episode and its length.  They are the first two blocks. */
#define RF_STEP_BLOCKS 2

/* Column sweep state of one tile (rf_step): the words and the passes'
 * results. */
typedef struct rf_tile {
    uint32_t w[OS_RNG_TILE * RF_STEP_BLOCKS * 4];
    double l0[OS_RNG_TILE];      /* vitamin D: conditional mean of log 25(OH)D */
    double vitd[OS_RNG_TILE], vitd_sure[OS_RNG_TILE];
    double bed_ep[OS_RNG_TILE], bed_sure[OS_RNG_TILE], weeks[OS_RNG_TILE];
    uint8_t flags[OS_RNG_TILE], smoke[OS_RNG_TILE];
} rf_tile;

/* os_rng_word_uniform (same value) without the unsigned conversion, which
 * the baseline x86-64 target cannot vectorise: (double)w is computed
 * exactly from the signed word. */
static inline double rf_uniform_v(uint32_t w)
{
    double d = (double)(int32_t)(w ^ 0x80000000u) + 2147483648.0;
    return (d + 0.5) * (1.0 / 4294967296.0);
}

/* rf_u8(exp(L0 + SD z)), z the Box-Muller normal of U1, U2 (the stream's
 * os_rng_normal).  Exact decision filter (fastmath.h): with approximate
 * log, cos and exp the value is rounded to the same integer as libm's
 * unless it lies within the margin of a rounding boundary; then *SURE is
 * 0 and the caller computes vitd_exact.  The value and *SURE are doubles
 * (integer-valued, 0/1) so that the pass vectorises. */
static inline double vitd_fast(double l0, double sd, double u1, double u2, double *sure)
{
    double z = sqrt(-2.0 * os_fast_log_v(u1)) * os_fast_cos2pi_v(u2);
    double v = os_fast_exp_v(l0 + sd * z);
    /* The approximate normal's error (about 1e-9) grows by SD <= 3 in the
     * exponent: margin 1e-6 relative. */
    double t = v + 0.5, marg = 1e-6 * (v + 1.0);
    t = t < 300.0 ? t : 300.0;       /* the conversion stays defined; above 256 anyway */
    double k = (double)(int)t;
    double clear = t - k > marg ? 1.0 : 0.0;
    clear = k + 1.0 - t > marg ? clear : 0.0;
    *sure = v > 255.0 + 1.0 ? 1.0 : clear;
    return k > 255.0 ? 255.0 : k;
}

static double vitd_exact(double l0, double sd, double u1, double u2)
{
    return rf_u8(exp(l0 + sd * os_rng_box_muller(u1, u2)));
}

/* Background bed-rest episode this year: U < 1 - exp(-rate(a)), with the
 * same exact decision filter (libm only near the threshold; *SURE 0 then).
 * First the bound 1 - exp(-rate) <= rate (plus the rounding of
 * 1 - exp(-rate) near 1, below 1e-15), which decides most agents; then the
 * approximation of 1 - exp(-rate).  Both are evaluated (no branch). */
static inline double bed_fast(const os_rf_par *p, double a, double u, double *sure)
{
    double x = p->bed_age * (a > 0 ? a : 0);
    double ra = p->bed_rate50 * os_fast_exp_v(x);
    double q = 1.0 - os_fast_exp_v(-ra);
    double no = u >= ra * (1.0 + OS_FAST_MARGIN) + 1e-15 ? 1.0 : 0.0;
    *sure = fabs(u - q) > OS_FAST_MARGIN ? 1.0 : no;
    double yes = u < q ? 1.0 : 0.0;
    return no > 0.0 ? 0.0 : yes;
}

static double bed_exact(const os_rf_par *p, double a, double u)
{
    double rate = p->bed_rate50 * exp(p->bed_age * (a > 0 ? a : 0));
    return u < 1.0 - exp(-rate);
}

/* One tile of agents [0, N) (columns already offset to the tile), living
 * and dead: the passes compute every agent and the last one keeps dead
 * agents' values, which is cheaper than branching on them. */
static void rf_step_tile(const os_rf *s, rf_tile *T, size_t n, const uint8_t *alive,
                         const uint8_t *sex, const float *age, const uint8_t *fmp, uint8_t *fl,
                         uint8_t *sm, uint8_t *vd, float *inf, uint8_t *bed)
{
    const os_rf_par *p = &s->p;
    const double sd = sqrt(1.0 - p->vitd_rho * p->vitd_rho) * p->vitd_logsd;
    enum { NW = RF_STEP_BLOCKS * 4 };
    const uint32_t *W = T->w;
    /* Menopause, activity (two-state Markov chain), smoking (no initiation
     * after 50; quitting) and the vitamin D AR(1) mean on the log scale
     * around the individual mean. */
    for (size_t i = 0; i < n; i++) {
        unsigned flags = fl[i];
        if (sex[i] == 0 && age[i] >= (float)fmp[i]) flags |= OS_RF_POSTMENO;
        double u = os_rng_word_uniform(W[i * NW + 0]);
        if (flags & OS_RF_SEDENTARY) {
            if (u < p->sed_recover) flags &= ~(unsigned)OS_RF_SEDENTARY;
        } else if (u < p->sed_onset) {
            flags |= OS_RF_SEDENTARY;
        }
        T->smoke[i] = sm[i] == OS_SMOKE_CURRENT && os_rng_word_uniform(W[i * NW + 1]) < p->smoke_quit
                    ? OS_SMOKE_FORMER : sm[i];
        double mu = p->vitd_logmean[sex[i]] +
                    ((flags & OS_RF_LOWSUN) ? p->vitd_lowsun_shift : 0.0);
        T->l0[i] = mu + p->vitd_rho * (s->log_vitd[vd[i]] - mu);
        T->flags[i] = (uint8_t)flags;
    }
    for (size_t i = 0; i < n; i++)
        T->vitd[i] = vitd_fast(T->l0[i], sd, rf_uniform_v(W[i * NW + 2]),
                               rf_uniform_v(W[i * NW + 3]), &T->vitd_sure[i]);
    for (size_t i = 0; i < n; i++) {
        T->bed_ep[i] = bed_fast(p, (double)age[i] - RF_REF_AGE, rf_uniform_v(W[i * NW + 4]),
                                &T->bed_sure[i]);
        /* Episode length uniform on 1..max weeks: the product is positive,
         * so truncation is floor. */
        T->weeks[i] = 1.0 + (double)(int)(rf_uniform_v(W[i * NW + 5]) * p->bed_max_weeks);
    }
    const float dinf = (float)p->infl_age;
    for (size_t i = 0; i < n; i++) {
        if (!alive[i]) continue;
        /* The few agents near a threshold: libm. */
        double v = T->vitd_sure[i] > 0.0 ? T->vitd[i]
                 : vitd_exact(T->l0[i], sd, os_rng_word_uniform(W[i * NW + 2]),
                              os_rng_word_uniform(W[i * NW + 3]));
        double ep = T->bed_sure[i] > 0.0 ? T->bed_ep[i]
                  : bed_exact(p, (double)age[i] - RF_REF_AGE, os_rng_word_uniform(W[i * NW + 4]));
        vd[i] = (uint8_t)(int)v;
        unsigned flags = T->flags[i];
        fl[i] = (uint8_t)((double)vd[i] < p->vitd_cut ? flags | OS_RF_LOWVITD
                                                      : flags & ~(unsigned)OS_RF_LOWVITD);
        sm[i] = T->smoke[i];
        /* Inflammation rises with age. */
        inf[i] += dinf;
        if (ep > 0.0) {
            unsigned tot = bed[i] + (unsigned)(int)T->weeks[i];
            bed[i] = (uint8_t)(tot > 52 ? 52 : tot);  /* weeks in a year */
        }
    }
}

static void rf_step(os_model *m, void *state, os_chunk *c)
{
    const os_rf *s = state;
    const uint8_t *fmp = os_chunk_u8(m, c, s->col_fmp);
    uint8_t *fl = os_chunk_u8(m, c, s->col_flags);
    uint8_t *sm = os_chunk_u8(m, c, s->col_smoke);
    uint8_t *vd = os_chunk_u8(m, c, s->col_vitd);
    float *inf = os_chunk_f32(m, c, s->col_infl);
    uint8_t *bed = os_chunk_u8(m, c, s->col_bed);
    rf_tile T;   /* about 20 KB: the first-level cache beside the columns */
    for (size_t t0 = 0; t0 < c->n; t0 += OS_RNG_TILE) {
        size_t n = c->n - t0 < OS_RNG_TILE ? c->n - t0 : OS_RNG_TILE;
        os_rng_fill(T.w, c->id + t0, n, m->seed, (uint32_t)m->year, s->pu_step, 0,
                    RF_STEP_BLOCKS);
        rf_step_tile(s, &T, n, c->alive + t0, c->sex + t0, c->age + t0, fmp + t0, fl + t0,
                     sm + t0, vd + t0, inf + t0, bed + t0);
    }
}

const os_module os_mod_risk_factors = {
    .name = "risk_factors",
    .params = rf_params,
    .nparams = RF_NPARAMS,
    .init = rf_init,
    .init_agents = rf_init_agents,
    .step = rf_step,
    .destroy = free,
};
