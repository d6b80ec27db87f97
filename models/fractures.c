/* fractures.c - fragility fractures at four sites, and vertebral deformities.
 *
 * For site s (hip, vertebral, wrist/forearm, other osteoporotic) the
 * annual hazard of an agent is
 *     h = base[s][sex] * hr_decade[s][sex]^((age - ref_age) / 10)
 *         * rr_sd[s]^(tscore_ref - Z)          gradient of risk per SD
 *         * RR_prior(years since the last fracture)
 *         * fall_rr[s] if the agent fell this year (falls run first)
 *         * a programme's rate ratio, if any
 * and P(fracture at s this year) = 1 - exp(-h), sites independent.
 *
 * Z is femoral-neck BMD against one fixed fracture-risk reference
 * (fractures.bmd_ref: NHANES III young white women for both sexes, as FRAX),
 * never the diagnostic T-score: bone.tscore.reference changes diagnoses
 * only.  Each relative risk enters in the form its study estimated it
 * (docs/events.md, "Relative risks").
 *
 * At the vertebral site the hazard is that of a new vertebral deformity
 * (morphometric fracture); a share vertebral.clinical_share comes to
 * clinical attention and is the clinical vertebral fracture that counts in
 * fractures_vertebral, hospital stays, costs, utilities and mortality.
 * Every deformity, clinical or not, is a prior fracture for later risk.
 *
 * State: u8 "fx_flags" (this-year and ever bits per site of clinical
 * fractures, events.h), u8 "fx_years" (years since the last fracture of
 * any kind) and u8 "vert_deformities" (prevalent vertebral deformities,
 * clinical or not, saturating at 255).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_sweep.h"
#include "events.h"
#include "fastmath.h"
#include "interventions.h"
#include "rng_fill.h"

static const char *const site_key[OS_NFX_SITES] = {"hip", "vertebral", "wrist", "other"};
static const char *const site_sum[OS_NFX_SITES] = {
    "fractures_hip", "fractures_vertebral", "fractures_wrist", "fractures_other"
};

#define SITE_PARAMS(s, what)                                                               \
    {"fractures." s ".base_rate_female", OS_P_REAL, "1/yr", 0, 1, 1, NULL, NULL,            \
     what " hazard, women at ref_age and tscore_ref, no fall, no prior fracture"},          \
    {"fractures." s ".base_rate_male", OS_P_REAL, "1/yr", 0, 1, 1, NULL, NULL,              \
     what " hazard, men at ref_age and tscore_ref, no fall, no prior fracture"},            \
    {"fractures." s ".hr_per_decade_female", OS_P_REAL, "1", 0.1, 20, 1, NULL, NULL,        \
     what " hazard ratio per 10 years of age at fixed BMD, women"},                          \
    {"fractures." s ".hr_per_decade_male", OS_P_REAL, "1", 0.1, 20, 1, NULL, NULL,          \
     what " hazard ratio per 10 years of age at fixed BMD, men"},                            \
    {"fractures." s ".rr_per_sd", OS_P_REAL, "1", 1, 10, 1, NULL, NULL,                     \
     what " relative risk per SD lower femoral neck BMD (fracture-risk reference)"},         \
    {"fractures." s ".fall_rr", OS_P_REAL, "1", 1, 1000, 1, NULL, NULL,                      \
     what " relative risk in a year with at least one fall"}

static const os_param_spec fractures_params[] = {
    {"fractures.ref_age", OS_P_REAL, "year", 50, 100, 1, NULL, NULL,
     "age at which base rates apply"},
    {"fractures.tscore_ref", OS_P_REAL, "SD", -6, 2, 1, NULL, NULL,
     "T-score on the fracture-risk reference (fractures.bmd_ref) at which base rates apply"},
    {"fractures.bmd_ref.mean", OS_P_REAL, "g/cm2", 0.3, 1.5, 1, NULL, NULL,
     "fracture-risk reference: young-adult femoral neck BMD mean, both sexes"},
    {"fractures.bmd_ref.sd", OS_P_REAL, "g/cm2", 0.01, 0.5, 1, NULL, NULL,
     "fracture-risk reference: its SD"},
    SITE_PARAMS("hip", "hip fracture"),
    SITE_PARAMS("vertebral", "vertebral deformity (morphometric fracture)"),
    SITE_PARAMS("wrist", "wrist/forearm fracture"),
    SITE_PARAMS("other", "other osteoporotic fracture (all non-hip, non-vertebral, non-forearm)"),
    {"fractures.vertebral.clinical_share", OS_P_REAL, "1", 0, 1, 1, NULL, NULL,
     "share of new vertebral deformities that come to clinical attention"},
    {"fractures.prior.rr_year1", OS_P_REAL, "1", 1, 20, 1, NULL, NULL,
     "relative risk of any fracture 1 year after a fracture (imminent risk)"},
    {"fractures.prior.rr_year10", OS_P_REAL, "1", 1, 20, 1, NULL, NULL,
     "relative risk of any fracture 10 or more years after a fracture"},
    {"fractures.history.start_age", OS_P_REAL, "year", 30, 100, 1, NULL, NULL,
     "age from which a new agent's past fractures are simulated with the model's own rates"},
};

typedef struct fractures_state {
    double ref_age, tscore_ref, bmd_mean, bmd_inv_sd, clinical_share;
    double ln_base[OS_NFX_SITES][2], ln_hr_year[OS_NFX_SITES][2], ln_rr_sd[OS_NFX_SITES];
    double ln_fall_rr[OS_NFX_SITES];
    double ln_prior[256];           /* by fx_years */
    double hist_start;
    const void *falls;              /* falls module state (steady fall probability) */
    int col_flags, col_years, col_vdef, col_bmd, col_falls, col_grip, col_gait;
    int sum[OS_NFX_SITES], sum_morph, sum_vdef;
    uint32_t purpose, purpose_hist;
    char iv_name[OS_NFX_SITES][32];  /* programme rate-ratio columns */
} fractures_state;

double os_prior_fracture_rr(int t, double rr1, double rr10)
{
    double x = t < 1 ? 0.0 : (t > 10 ? 1.0 : (t - 1) / 9.0);
    return exp(log(rr1) + x * (log(rr10) - log(rr1)));
}

static int add_summaries(os_model *m, fractures_state *s, os_err *err)
{
    for (int k = 0; k < OS_NFX_SITES; k++)
        if ((s->sum[k] = os_summary_column_as(m, site_sum[k], "fractures",
                                              k == OS_SITE_VERTEBRAL
                                                  ? "incident clinical vertebral fractures during the year"
                                                  : "incident fractures during the year",
                                              (os_sum_role){OS_ROLE_EVENT,
                                                            OS_SUM_REPORT | OS_SUM_MC_ERROR |
                                                                (k == OS_SITE_HIP ? OS_SUM_ARMS : 0u),
                                                            "fractures", site_key[k], "fx"}, err)) < 0)
            return OS_ERUN;
    if ((s->sum_morph = os_summary_column(m, "fractures_vertebral_morphometric", "fractures",
                                          "new vertebral deformities during the year, clinical or not",
                                          err)) < 0 ||
        (s->sum_vdef = os_summary_column(m, "vertebral_deformity", "persons",
                                         "persons living with at least one vertebral deformity (1 July)",
                                         err)) < 0)
        return OS_ERUN;
    return OS_OK;
}

static int add_columns(os_model *m, fractures_state *s, os_err *err)
{
    s->col_flags = os_model_add_column(m, "fractures", "fx_flags", OS_COL_U8, "bits",
                                     "clinical fractures: bit s this year, bit 4+s ever (s: hip, vertebral, wrist, other)",
                                     OS_COL_SNAPSHOT, err);
    if (s->col_flags < 0) return OS_ERUN;
    s->col_years = os_model_add_column(m, "fractures", "fx_years", OS_COL_U8, "year",
                                     "years since the last fracture or vertebral deformity (saturates at 255)",
                                     OS_COL_SNAPSHOT, err);
    if (s->col_years < 0) return OS_ERUN;
    s->col_vdef = os_model_add_column(m, "fractures", "vert_deformities", OS_COL_U8, "deformities",
                                    "prevalent vertebral deformities, clinical or not (saturates at 255)",
                                    OS_COL_SNAPSHOT, err);
    return s->col_vdef < 0 ? OS_ERUN : OS_OK;
}

/* The fractures.* keys as written (fractures_init derives the state). */
typedef struct fractures_par {
    double ref_age, tscore_ref, bmd_mean, bmd_sd, clinical_share;
    double base[OS_NFX_SITES][2], hr_decade[OS_NFX_SITES][2], rr_sd[OS_NFX_SITES];
    double fall_rr[OS_NFX_SITES], rr1, rr10, hist_start;
} fractures_par;

#define FP(key, member) OS_FIELD(key, fractures_par, member, OS_F_REAL)
#define FP_SITE(k, site) \
    FP("fractures." site ".base_rate_female", base[k][0]), \
    FP("fractures." site ".base_rate_male", base[k][1]), \
    FP("fractures." site ".hr_per_decade_female", hr_decade[k][0]), \
    FP("fractures." site ".hr_per_decade_male", hr_decade[k][1]), \
    FP("fractures." site ".rr_per_sd", rr_sd[k]), FP("fractures." site ".fall_rr", fall_rr[k])
static const os_field fractures_fields[] = {
    FP("fractures.ref_age", ref_age), FP("fractures.tscore_ref", tscore_ref),
    FP("fractures.bmd_ref.mean", bmd_mean), FP("fractures.bmd_ref.sd", bmd_sd),
    FP("fractures.vertebral.clinical_share", clinical_share),
    FP_SITE(0, "hip"), FP_SITE(1, "vertebral"), FP_SITE(2, "wrist"), FP_SITE(3, "other"),
    FP("fractures.prior.rr_year1", rr1), FP("fractures.prior.rr_year10", rr10),
    FP("fractures.history.start_age", hist_start),
};
#undef FP_SITE
#undef FP

static int fractures_init(os_model *m, void **state, os_err *err)
{
    fractures_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "fractures: out of memory");
    *state = s;
    const os_cfg *c = m->cfg;
    fractures_par p;
    if (os_cfg_read(c, NULL, fractures_fields, sizeof fractures_fields / sizeof fractures_fields[0], &p,
                    err))
        return OS_ECONFIG;
    s->ref_age = p.ref_age;
    s->tscore_ref = p.tscore_ref;
    s->bmd_mean = p.bmd_mean;
    s->bmd_inv_sd = 1.0 / p.bmd_sd;
    s->clinical_share = p.clinical_share;
    for (int k = 0; k < OS_NFX_SITES; k++) {
        snprintf(s->iv_name[k], sizeof s->iv_name[k], OS_IV_FX_RR_PREFIX "%s", site_key[k]);
        s->ln_base[k][0] = log(p.base[k][0]);
        s->ln_base[k][1] = log(p.base[k][1]);
        s->ln_hr_year[k][0] = log(p.hr_decade[k][0]) / 10.0;
        s->ln_hr_year[k][1] = log(p.hr_decade[k][1]) / 10.0;
        s->ln_rr_sd[k] = log(p.rr_sd[k]);
        s->ln_fall_rr[k] = log(p.fall_rr[k]);
    }
    for (int t = 0; t < 256; t++) s->ln_prior[t] = log(os_prior_fracture_rr(t, p.rr1, p.rr10));
    s->hist_start = p.hist_start;
    if (add_summaries(m, s, err)) return OS_ERUN;
    if ((s->col_bmd = os_model_column(m, "fractures", "bmd", OS_COL_F32, err)) < 0 ||
        (s->col_falls = os_model_column(m, "fractures", "falls_n", OS_COL_U8, err)) < 0 ||
        (s->col_grip = os_model_column(m, "fractures", "grip", OS_COL_F32, err)) < 0 ||
        (s->col_gait = os_model_column(m, "fractures", "gait", OS_COL_F32, err)) < 0)
        return OS_ERUN;
    if (!(s->falls = os_model_state(m, "falls")))
        return os_fail(err, OS_ERUN, "fractures: needs the falls module before it in the phase table");
    if (add_columns(m, s, err)) return OS_ERUN;
    s->purpose = os_rng_purpose("fractures.fracture");
    s->purpose_hist = os_rng_purpose("fractures.history");
    return OS_OK;
}

/* fx_years value marking a new agent whose history is still to be drawn
 * (an agent with no fracture and no deformity otherwise has fx_years 0). */
#define HISTORY_PENDING 255

static void fractures_init_agents(os_model *m, void *state, os_chunk *c)
{
    fractures_state *s = state;
    uint8_t *flags = os_chunk_u8(m, c, s->col_flags);
    uint8_t *years = os_chunk_u8(m, c, s->col_years);
    uint8_t *vdef = os_chunk_u8(m, c, s->col_vdef);
    for (size_t r = 0; r < c->n; r++) {
        flags[r] = 0;
        vdef[r] = 0;
        years[r] = HISTORY_PENDING;
    }
}

/* BMD deficit, in SD of the fracture-risk reference, below tscore_ref. */
static inline double bmd_deficit(const fractures_state *s, float bmd)
{
    return s->tscore_ref - ((double)bmd - s->bmd_mean) * s->bmd_inv_sd;
}

/* Log-hazard at site K without a fall: the one formula of the header
 * comment, shared by the yearly step and the entry history.  AGE is years
 * from ref_age, DT the BMD deficit, COMMON the log of the prior-fracture
 * relative risk. */
static inline double site_log_hazard(const fractures_state *s, int k, int sex, double age,
                                     double dt, double common)
{
    return s->ln_base[k][sex] + s->ln_hr_year[k][sex] * age + s->ln_rr_sd[k] * dt + common;
}

/* Probability of a fracture at each site in a year with log-hazard LH
 * without a fall, when the agent falls with probability Q. */
static double site_prob(const fractures_state *s, int k, double lh, double q)
{
    return (1.0 - q) * -expm1(-exp(lh)) + q * -expm1(-exp(lh + s->ln_fall_rr[k]));
}

/* Exact decision filter (fastmath.h): 1 - exp(-exp(lh)) <= exp(lh), so a
 * uniform U above an approximate exp(lh) by the margin draws no fracture
 * whatever libm's rounding; only the rest (about the fracture probability)
 * needs the libm value.  Keeps results bitwise identical. */
static inline int surely_above(double u, double lh)
{
    return u >= os_fast_exp(lh) * (1.0 + OS_FAST_MARGIN);
}

/* The site uniforms of one agent-year, drawn before any decision so that
 * each site keeps its own number whatever the other sites do (common random
 * numbers across arms); the clinical-attention draw of a vertebral
 * deformity, when needed, comes after them. */
static inline void site_uniforms(os_rng *g, double u[OS_NFX_SITES])
{
    for (int k = 0; k < OS_NFX_SITES; k++) u[k] = os_rng_uniform(g);
}

static inline uint8_t saturating_inc(uint8_t v)
{
    return v < 255 ? (uint8_t)(v + 1) : v;
}

/* A new agent's past fractures, from hist_start to its present age, drawn
 * with the model's own site hazards, prior-fracture risk and steady-state
 * fall probability, so that the entering population carries the history
 * the model would have given it (a flat survey prevalence made incidence
 * climb for decades).  Runs at the agent's first census, when bone has set
 * its BMD.  Approximation: the current BMD, grip and gait stand for the
 * past ones (which were better), so the history is an upper bound. */
static void draw_history(const os_model *m, const fractures_state *s, os_chunk *c, size_t r,
                         uint8_t *flags, uint8_t *years, uint8_t *vdef, const float *bmd,
                         const float *grip, const float *gait)
{
    int sex = c->sex[r];
    int n = (int)((double)c->age[r] - s->hist_start);
    double dt = bmd_deficit(s, bmd[r]);
    os_rng g;
    os_rng_init(&g, m->seed, c->id[r], (uint32_t)m->year, s->purpose_hist);
    uint8_t ever = 0, deformities = 0;
    int t = 0;
    for (int j = n; j >= 1; j--) {
        double x = (double)c->age[r] - j;
        int prior = ever || deformities;
        if (prior && t < 254) t++;
        double q = -1.0;   /* steady fall probability, computed when needed */
        double common = prior ? s->ln_prior[t] : 0.0;
        double u[OS_NFX_SITES];
        site_uniforms(&g, u);
        int any = 0, vert = 0;
        for (int k = 0; k < OS_NFX_SITES; k++) {
            double lh = site_log_hazard(s, k, sex, x - s->ref_age, dt, common);
            /* site_prob <= max(exp(lh), exp(lh + ln_fall_rr)) (fastmath.h). */
            double top = s->ln_fall_rr[k] > 0.0 ? lh + s->ln_fall_rr[k] : lh;
            if (surely_above(u[k], top)) continue;
            if (q < 0.0) q = os_falls_steady_prob(s->falls, sex, x, grip[r], gait[r]);
            if (u[k] >= site_prob(s, k, lh, q)) continue;
            any = 1;
            if (k == OS_SITE_VERTEBRAL) vert = 1;
            else ever |= OS_FX_EVER(k);
        }
        if (vert) {
            deformities = saturating_inc(deformities);
            if (os_rng_uniform(&g) < s->clinical_share) ever |= OS_FX_EVER(OS_SITE_VERTEBRAL);
        }
        if (any) t = 0;
    }
    flags[r] = ever;
    vdef[r] = deformities;
    years[r] = (uint8_t)(ever || deformities ? t : 0);
}

/* The history of many new agents at once.  The stream of an agent draws
 * 4 site words a year and 1 more after each vertebral deformity, so while
 * no deformity has shifted it, year m (counted from the oldest, j = n - m)
 * reads block m.  The blocks of a group of agents come from os_rng_fill,
 * block by block across the agents that still need it (sorted by years
 * of history, those are a prefix), into one buffer per agent; blocks past
 * them, after shifts, on demand (hist_need).  Then per agent a filter
 * pass over all its remaining years at once (vectorised) finds the first
 * year where a site could fracture: every year before it is surely
 * without fracture (the bound below), so only the prior-fracture clock
 * moves; that year is computed exactly as draw_history computes it, and
 * the pass resumes after it.  The same words, the same decisions: the
 * same history.  Agents with more than HIST_MAX years take draw_history. */
enum { HIST_MAX = 64, HIST_GROUP = 32 };

typedef struct hist_words {
    uint32_t id;
    int n;                  /* years of history */
    size_t r;               /* row in the chunk */
    int nblocks;            /* blocks in w */
    uint32_t w[4 * ((5 * HIST_MAX + 1) / 4 + 1)];   /* <= 5 words a year */
} hist_words;

/* Makes the first NEED words of the stream available. */
static void hist_need(const os_model *m, const fractures_state *s, hist_words *h, int need)
{
    while (h->nblocks * 4 < need) {
        os_rng_fill(h->w + 4 * h->nblocks, &h->id, 1, m->seed, (uint32_t)m->year, s->purpose_hist,
                    (uint32_t)h->nblocks, 1);
        h->nblocks++;
    }
}

/* Year J of the history (the loop body of draw_history) reading words
 * from *OFF on. */
static void hist_year(const os_model *m, const fractures_state *s, hist_words *h, int sex, double age,
                      double dt, float grip, float gait, int j, int *off, int *t, uint8_t *ever,
                      uint8_t *deformities)
{
    double x = age - j;
    int prior = *ever || *deformities;
    if (prior && *t < 254) (*t)++;
    double q = -1.0;
    double common = prior ? s->ln_prior[*t] : 0.0;
    int any = 0, vert = 0;
    for (int k = 0; k < OS_NFX_SITES; k++) {
        double u = os_rng_word_uniform(h->w[*off + k]);
        double lh = site_log_hazard(s, k, sex, x - s->ref_age, dt, common);
        double top = s->ln_fall_rr[k] > 0.0 ? lh + s->ln_fall_rr[k] : lh;
        if (surely_above(u, top)) continue;
        if (q < 0.0) q = os_falls_steady_prob(s->falls, sex, x, grip, gait);
        if (u >= site_prob(s, k, lh, q)) continue;
        any = 1;
        if (k == OS_SITE_VERTEBRAL) vert = 1;
        else *ever |= OS_FX_EVER(k);
    }
    *off += OS_NFX_SITES;
    if (vert) {
        *deformities = saturating_inc(*deformities);
        hist_need(m, s, h, *off + 1);
        if (os_rng_word_uniform(h->w[*off]) < s->clinical_share) *ever |= OS_FX_EVER(OS_SITE_VERTEBRAL);
        (*off)++;
    }
    if (any) *t = 0;
}

/* The history of the agent of H (see above). */
OS_EV_SWEEP static void hist_agent(const os_model *m, const fractures_state *s, os_chunk *c, hist_words *h,
                       uint8_t *flags, uint8_t *years, uint8_t *vdef, const float *bmd,
                       const float *grip, const float *gait)
{
    size_t r = h->r;
    int n = h->n, sex = c->sex[r];
    double age = (double)c->age[r], dt = bmd_deficit(s, bmd[r]);
    uint8_t ever = 0, deformities = 0;
    int t = 0, off = 0;
    double xa[HIST_MAX], common[HIST_MAX], cand[HIST_MAX];
    for (int m0 = 0; m0 < n;) {
        int len = n - m0, prior = ever || deformities;
        hist_need(m, s, h, off + 4 * len);
        for (int y = 0; y < len; y++) {
            int ty = t + y + 1 < 254 ? t + y + 1 : 254;
            xa[y] = (age - (double)(n - m0 - y)) - s->ref_age;
            common[y] = prior ? s->ln_prior[ty] : 0.0;
            cand[y] = 0.0;
        }
        const uint32_t *w = h->w + off;
        for (int k = 0; k < OS_NFX_SITES; k++) {
            /* draw_history's bound: the hazard with a fall if falls raise it. */
            const double b = s->ln_base[k][sex], hr = s->ln_hr_year[k][sex], g = s->ln_rr_sd[k];
            const double up = s->ln_fall_rr[k] > 0.0 ? s->ln_fall_rr[k] : 0.0;
            for (int y = 0; y < len; y++) {
                double lh = ((b + hr * xa[y]) + g * dt) + common[y];
                double u = os_ev_word_uniform(w[4 * y + k]);
                cand[y] += u >= os_ev_exp_upper(lh + up) ? 0.0 : 1.0;
            }
        }
        int y = 0;
        while (y < len && cand[y] == 0.0) y++;
        if (prior) t = t + y < 254 ? t + y : 254;
        off += 4 * y;
        if (y == len) break;
        hist_year(m, s, h, sex, age, dt, grip[r], gait[r], n - (m0 + y), &off, &t, &ever, &deformities);
        m0 += y + 1;
    }
    flags[r] = ever;
    vdef[r] = deformities;
    years[r] = (uint8_t)(ever || deformities ? t : 0);
}

/* The histories of the NG agents of H: their first blocks by os_rng_fill,
 * then each agent. */
static void hist_group(const os_model *m, const fractures_state *s, os_chunk *c, hist_words *h,
                       int ng, uint8_t *flags, uint8_t *years, uint8_t *vdef, const float *bmd,
                       const float *grip, const float *gait)
{
    /* By years of history, most first (insertion sort of a few rows). */
    int order[HIST_GROUP];
    for (int a = 0; a < ng; a++) {
        int b = a;
        while (b > 0 && h[order[b - 1]].n < h[a].n) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = a;
    }
    uint32_t ids[HIST_GROUP], tmp[HIST_GROUP * 4];
    for (int a = 0; a < ng; a++) ids[a] = h[order[a]].id;
    int cnt = ng;
    for (int b = 0; cnt > 0; b++) {
        while (cnt > 0 && h[order[cnt - 1]].n <= b) cnt--;
        if (!cnt) break;
        os_rng_fill(tmp, ids, (size_t)cnt, m->seed, (uint32_t)m->year, s->purpose_hist, (uint32_t)b, 1);
        for (int a = 0; a < cnt; a++) memcpy(h[order[a]].w + 4 * b, tmp + 4 * a, 4 * sizeof tmp[0]);
    }
    for (int a = 0; a < ng; a++) {
        h[a].nblocks = h[a].n;
        hist_agent(m, s, c, &h[a], flags, years, vdef, bmd, grip, gait);
    }
}

static void fractures_census(os_model *m, void *state, os_chunk *c)
{
    fractures_state *s = state;
    uint8_t *flags = os_chunk_u8(m, c, s->col_flags);
    uint8_t *years = os_chunk_u8(m, c, s->col_years);
    uint8_t *vdef = os_chunk_u8(m, c, s->col_vdef);
    const float *bmd = os_chunk_f32(m, c, s->col_bmd);
    const float *grip = os_chunk_f32(m, c, s->col_grip);
    const float *gait = os_chunk_f32(m, c, s->col_gait);
    hist_words h[HIST_GROUP];
    int ng = 0;
    for (size_t r = 0; r < c->n; r++) {
        if (!(flags[r] == 0 && vdef[r] == 0 && years[r] == HISTORY_PENDING)) continue;
        int n = (int)((double)c->age[r] - s->hist_start);
        if (n <= 0) {   /* no past year to draw */
            years[r] = 0;
            continue;
        }
        if (n > HIST_MAX) {
            draw_history(m, s, c, r, flags, years, vdef, bmd, grip, gait);
            continue;
        }
        h[ng].id = c->id[r];
        h[ng].n = n;
        h[ng].r = r;
        if (++ng == HIST_GROUP) {
            hist_group(m, s, c, h, ng, flags, years, vdef, bmd, grip, gait);
            ng = 0;
        }
    }
    if (ng) hist_group(m, s, c, h, ng, flags, years, vdef, bmd, grip, gait);
    /* The stock at 1 July (accumulators sum exactly in any order). */
    for (size_t r = 0; r < c->n; r++)
        if (c->alive[r] && vdef[r])
            os_acc_add(c->acc, c->sex[r], os_age_band(c->age[r]), s->sum_vdef, (double)c->weight[r]);
}

/* Records a clinical fracture at site K of agent R. */
static inline void clinical_fracture(const os_model *m, const fractures_state *s, os_chunk *c,
                                     size_t r, int k, uint8_t *f)
{
    *f |= OS_FX_THIS_YEAR(k) | OS_FX_EVER(k);
    os_acc_add(c->acc, c->sex[r], os_age_band(c->age[r]), s->sum[k], (double)c->weight[r]);
    os_event_log(c, c->id[r], m->year, OS_EV_FRACTURE, k);
}

/* Records a new vertebral deformity of agent R: clinical with probability
 * clinical_share (a draw after the site uniforms), else morphometric only. */
static void vertebral_deformity(const os_model *m, const fractures_state *s, os_chunk *c,
                                size_t r, os_rng *g, uint8_t *vdef, uint8_t *f)
{
    vdef[r] = saturating_inc(vdef[r]);
    os_acc_add(c->acc, c->sex[r], os_age_band(c->age[r]), s->sum_morph, (double)c->weight[r]);
    if (os_rng_uniform(g) < s->clinical_share)
        clinical_fracture(m, s, c, r, OS_SITE_VERTEBRAL, f);
    else
        os_event_log(c, c->id[r], m->year, OS_EV_VERT_DEFORMITY, OS_SITE_VERTEBRAL);
}

/* The fractures of agent R in a year, as the row-by-row loop recorded
 * them, for the sites whose bit is set in CAND (the others the filter of
 * fractures_step excluded); W holds the site words (block 0 of the
 * stream).  FLAGS[R] holds the ever bits, YEARS[R] the updated count. */
static void agent_fractures(const os_model *m, const fractures_state *s, os_chunk *c, size_t r,
                            unsigned cand, const uint32_t *w, const float *const *iv,
                            uint8_t *flags, uint8_t *years, uint8_t *vdef, const float *bmd,
                            const uint8_t *falls)
{
    uint8_t f = flags[r];
    int prior = f || vdef[r];
    int sex = c->sex[r];
    double age = (double)c->age[r] - s->ref_age;
    double dt = bmd_deficit(s, bmd[r]);
    double common = prior ? s->ln_prior[years[r]] : 0.0;
    int any = 0, vert = 0;
    for (int k = 0; k < OS_NFX_SITES; k++) {
        if (!(cand & (1u << k))) continue;
        double u = os_rng_word_uniform(w[k]);
        double lh = site_log_hazard(s, k, sex, age, dt, common);
        if (falls[r]) lh += s->ln_fall_rr[k];
        if (iv[k]) lh += log((double)iv[k][r]);   /* a programme's rate ratio */
        if (surely_above(u, lh) || u >= -expm1(-exp(lh))) continue;
        any = 1;
        if (k == OS_SITE_VERTEBRAL) vert = 1;
        else clinical_fracture(m, s, c, r, k, &f);
    }
    if (vert) {
        /* The clinical-attention draw follows the site uniforms. */
        os_rng g;
        os_rng_init_at(&g, m->seed, c->id[r], (uint32_t)m->year, s->purpose, OS_NFX_SITES / 4);
        vertebral_deformity(m, s, c, r, &g, vdef, &f);
    }
    if (any) years[r] = 0;
    flags[r] = f;
}

/* The site words fill whole Philox blocks (block 0 of the stream). */
_Static_assert(OS_NFX_SITES % 4 == 0, "site uniforms must fill whole blocks");

/* Per-tile columns of the filter passes of fractures_step. */
typedef struct fx_tile {
    double sex[OS_RNG_TILE], age[OS_RNG_TILE], dt[OS_RNG_TILE];
    double common[OS_RNG_TILE], fell[OS_RNG_TILE];
    double cand[OS_RNG_TILE];       /* sum of 2^k over the sites left to libm */
} fx_tile;

/* The filter of site K over a tile (branch-free, vectorised): the
 * log-hazard as site_log_hazard sums it, with the fall term, and an upper
 * bound of its exp; a uniform at or above it is surely no fracture, since
 * 1 - exp(-exp(lh)) <= exp(lh).  A programme's rate ratio RR multiplies
 * the bound (exp(lh + log rr) = exp(lh) rr up to a few ulp, far inside the
 * bound's margin), so the filter needs no log; a negative or NaN ratio,
 * whose log is NaN, is left to libm like any NaN hazard. */
static void site_filter(const fractures_state *s, int k, fx_tile *t, const uint32_t *w, size_t n,
                        const float *rr)
{
    const double b0 = s->ln_base[k][0], b1 = s->ln_base[k][1];
    const double h0 = s->ln_hr_year[k][0], h1 = s->ln_hr_year[k][1];
    const double g = s->ln_rr_sd[k], fr = s->ln_fall_rr[k], bit = (double)(1u << k);
    if (!rr)
        for (size_t i = 0; i < n; i++) {
            double male = t->sex[i];
            double lh = (male != 0.0 ? b1 : b0) + (male != 0.0 ? h1 : h0) * t->age[i];
            lh = lh + g * t->dt[i] + t->common[i];
            lh += t->fell[i] != 0.0 ? fr : 0.0;
            double u = os_ev_word_uniform(w[i * 4 + k]);
            t->cand[i] += u >= os_ev_exp_upper(lh) ? 0.0 : bit;
        }
    else
        for (size_t i = 0; i < n; i++) {
            double male = t->sex[i];
            double lh = (male != 0.0 ? b1 : b0) + (male != 0.0 ? h1 : h0) * t->age[i];
            lh = lh + g * t->dt[i] + t->common[i];
            lh += t->fell[i] != 0.0 ? fr : 0.0;
            double u = os_ev_word_uniform(w[i * 4 + k]), ratio = rr[i];
            t->cand[i] += (u >= os_ev_exp_upper(lh) * ratio && ratio >= 0.0) ? 0.0 : bit;
        }
}

/* A sweep in tiles: the site words of the tile in one call; a pass that
 * ages the prior-fracture clock of every agent (dead ones too, as before)
 * and gathers its relative risk; the site filters; then the exact
 * computation for the agents a filter left (about the fracture
 * probability, a few per cent), in agent order, so that accumulators and
 * the event log see the same events in the same order. */
OS_EV_SWEEP static void fractures_step(os_model *m, void *state, os_chunk *c)
{
    fractures_state *s = state;
    uint8_t *flags = os_chunk_u8(m, c, s->col_flags);
    uint8_t *years = os_chunk_u8(m, c, s->col_years);
    uint8_t *vdef = os_chunk_u8(m, c, s->col_vdef);
    const float *bmd = os_chunk_f32(m, c, s->col_bmd);
    const uint8_t *falls = os_chunk_u8(m, c, s->col_falls);
    const float *iv[OS_NFX_SITES] = {NULL};
    for (int k = 0; k < OS_NFX_SITES; k++) iv[k] = os_chunk_find_f32(m, c, "fractures", s->iv_name[k]);
    const double ref_age = s->ref_age, tref = s->tscore_ref, mean = s->bmd_mean, inv_sd = s->bmd_inv_sd;
    uint32_t w[OS_RNG_TILE * 4];
    fx_tile t;
    for (size_t t0 = 0; t0 < c->n; t0 += OS_RNG_TILE) {
        size_t n = c->n - t0 < OS_RNG_TILE ? c->n - t0 : OS_RNG_TILE;
        os_rng_fill(w, c->id + t0, n, m->seed, (uint32_t)m->year, s->purpose, 0, 1);
        uint8_t *fl = flags + t0, *yr = years + t0;
        const uint8_t *vd = vdef + t0;
        for (size_t i = 0; i < n; i++) {
            uint8_t f = fl[i] & OS_FX_EVER_ANY;
            int prior = f || vd[i];
            if (prior) yr[i] = saturating_inc(yr[i]);
            fl[i] = f;
            t.common[i] = prior ? s->ln_prior[yr[i]] : 0.0;
        }
        const uint8_t *sx = c->sex + t0, *fa = falls + t0;
        const float *ag = c->age + t0, *bm = bmd + t0;
        for (size_t i = 0; i < n; i++) {
            t.sex[i] = sx[i] ? 1.0 : 0.0;
            t.age[i] = (double)ag[i] - ref_age;
            t.dt[i] = tref - ((double)bm[i] - mean) * inv_sd;
            t.fell[i] = fa[i] ? 1.0 : 0.0;
            t.cand[i] = 0.0;
        }
        for (int k = 0; k < OS_NFX_SITES; k++)
            site_filter(s, k, &t, w, n, iv[k] ? iv[k] + t0 : NULL);
        for (size_t i = 0; i < n; i++) {
            size_t r = t0 + i;
            if (t.cand[i] != 0.0 && c->alive[r])
                agent_fractures(m, s, c, r, (unsigned)t.cand[i], w + i * 4, iv, flags, years, vdef,
                                bmd, falls);
        }
    }
}

static void fractures_destroy(void *state)
{
    free(state);
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread fractures_reads[] = {
    {"bmd", OS_COL_F32, 0},
    {"falls_n", OS_COL_U8, 0},
    {"grip", OS_COL_F32, 0},
    {"gait", OS_COL_F32, 0},
    /* programme rate ratios by site (interventions.h) */
    {OS_IV_FX_RR_PREFIX "hip", OS_COL_F32, OS_READ_OPTIONAL},
    {OS_IV_FX_RR_PREFIX "vertebral", OS_COL_F32, OS_READ_OPTIONAL},
    {OS_IV_FX_RR_PREFIX "wrist", OS_COL_F32, OS_READ_OPTIONAL},
    {OS_IV_FX_RR_PREFIX "other", OS_COL_F32, OS_READ_OPTIONAL},
    {NULL, 0, 0},
};

const os_module os_mod_fractures = {
    .name = "fractures",
    .params = fractures_params,
    .nparams = sizeof fractures_params / sizeof fractures_params[0],
    .init = fractures_init,
    .init_agents = fractures_init_agents,
    .census = fractures_census,
    .step = fractures_step,
    .destroy = fractures_destroy,
    .reads = fractures_reads,
};

/* ---- FRAX-like 10-year probability (events.h) ---- */

double os_fx_prob10(const void *fractures, unsigned sites, int sex, double age, float bmd, float grip,
                    float gait, int prior_years, const double q_death[10])
{
    const fractures_state *s = fractures;
    double dt = bmd_deficit(s, bmd), alive = 1.0, p10 = 0.0;
    for (int t = 0; t < 10; t++) {
        double x = age + t;
        int since = prior_years > 0 ? (prior_years + t < 255 ? prior_years + t : 255) : 0;
        double common = since ? s->ln_prior[since] : 0.0;
        double q = os_falls_steady_prob(s->falls, sex, x, grip, gait);
        double none = 1.0;
        for (int k = 0; k < OS_NFX_SITES; k++) {
            if (!(sites & (1u << k))) continue;
            double p = site_prob(s, k, site_log_hazard(s, k, sex, x - s->ref_age, dt, common), q);
            if (k == OS_SITE_VERTEBRAL) p *= s->clinical_share;   /* clinical fractures, as FRAX */
            none *= 1.0 - p;
        }
        p10 += alive * (1.0 - none);
        alive *= none * (1.0 - q_death[t]);
    }
    return p10;
}
