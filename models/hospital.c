/* hospital.c - hospital stays after fractures and from other causes.
 *
 * A fracture at site s this year leads to an admission with probability
 * admit[s] and a stay of los[s] days.  Independently, a person is admitted
 * for any other cause with probability
 *     logit p = logit(background.prob) + ln(or_decade) (age - ref_age) / 10
 *               + ln(or_sarcopenia) [sarcopenia, model.sarcopenia_definition]
 * for background.los days.  In-bed days become bed-rest weeks in the u8
 * column "bedrest_weeks" (risk_factors), read by the physiology next year;
 * a hip fracture at or above hip_older_age adds hip_extra_bedrest_weeks of
 * immobility after discharge.  Non-fracture days go in "hosp_other_days"
 * for the economics model (fracture stays are priced per fracture).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "diagnosis.h"
#include "event_sweep.h"
#include "events.h"
#include "fastmath.h"
#include "rng_fill.h"


static const os_param_spec hospital_params[] = {
    {"hospital.admit.hip", OS_P_REAL, "1", 0, 1, 1, NULL, NULL, "admission probability after a hip fracture"},
    {"hospital.admit.vertebral", OS_P_REAL, "1", 0, 1, 1, NULL, NULL, "admission probability after a clinical vertebral fracture"},
    {"hospital.admit.wrist", OS_P_REAL, "1", 0, 1, 1, NULL, NULL, "admission probability after a wrist fracture"},
    {"hospital.admit.other", OS_P_REAL, "1", 0, 1, 1, NULL, NULL, "admission probability after another major fracture"},
    {"hospital.los.hip", OS_P_REAL, "day", 0, 255, 1, NULL, NULL, "length of stay, hip fracture"},
    {"hospital.los.vertebral", OS_P_REAL, "day", 0, 255, 1, NULL, NULL, "length of stay, vertebral fracture"},
    {"hospital.los.wrist", OS_P_REAL, "day", 0, 255, 1, NULL, NULL, "length of stay, wrist fracture"},
    {"hospital.los.other", OS_P_REAL, "day", 0, 255, 1, NULL, NULL, "length of stay, other major fracture"},
    {"hospital.ref_age", OS_P_REAL, "year", 50, 100, 1, NULL, NULL, "age at which background.prob applies"},
    {"hospital.background.prob", OS_P_REAL, "1", 0, 1, 1, NULL, NULL,
     "annual probability of a non-fracture admission at ref_age"},
    {"hospital.background.or_per_decade", OS_P_REAL, "1", 0.1, 10, 1, NULL, NULL,
     "odds ratio of a non-fracture admission per 10 years of age"},
    {"hospital.background.or_sarcopenia", OS_P_REAL, "1", 0.1, 10, 1, NULL, NULL,
     "odds ratio of a non-fracture admission with sarcopenia (model.sarcopenia_definition)"},
    {"hospital.background.los", OS_P_REAL, "day", 0, 255, 1, NULL, NULL, "length of a non-fracture stay"},
    {"hospital.bedrest_share", OS_P_REAL, "1", 0, 1, 1, NULL, NULL,
     "share of inpatient days spent in bed"},
    {"hospital.hip_older_age", OS_P_REAL, "year", 50, 120, 1, NULL, NULL,
     "age from which a hip fracture adds post-discharge immobility"},
    {"hospital.hip_extra_bedrest_weeks", OS_P_REAL, "week", 0, 52, 1, NULL, NULL,
     "post-discharge immobility after a hip fracture in an older person"},
};

typedef struct hospital_state {
    double admit[OS_NFX_SITES], los[OS_NFX_SITES];
    double ref_age, logit_bg, ln_or_decade, ln_or_sarc, bg_los, bed_share;
    double hip_older_age, hip_extra_weeks;
    int col_flags, col_dx, col_bedrest, col_other_days;
    uint16_t sarc;                  /* dx flag of the outcome definition */
    int sum_days;
    uint32_t purpose;
} hospital_state;

/* The hospital.* keys as written (hospital_init derives the state). */
typedef struct hospital_par {
    double admit[OS_NFX_SITES], los[OS_NFX_SITES];
    double prob, ref_age, or_decade, or_sarc, bg_los, bed_share, hip_older_age, hip_extra_weeks;
} hospital_par;

#define HP(key, member) OS_FIELD(key, hospital_par, member, OS_F_REAL)
static const os_field hospital_fields[] = {
    HP("hospital.admit.hip", admit[0]), HP("hospital.los.hip", los[0]),
    HP("hospital.admit.vertebral", admit[1]), HP("hospital.los.vertebral", los[1]),
    HP("hospital.admit.wrist", admit[2]), HP("hospital.los.wrist", los[2]),
    HP("hospital.admit.other", admit[3]), HP("hospital.los.other", los[3]),
    HP("hospital.background.prob", prob), HP("hospital.ref_age", ref_age),
    HP("hospital.background.or_per_decade", or_decade),
    HP("hospital.background.or_sarcopenia", or_sarc), HP("hospital.background.los", bg_los),
    HP("hospital.bedrest_share", bed_share), HP("hospital.hip_older_age", hip_older_age),
    HP("hospital.hip_extra_bedrest_weeks", hip_extra_weeks),
};
#undef HP

static int hospital_init(os_model *m, void **state, os_err *err)
{
    hospital_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "hospital: out of memory");
    *state = s;
    const os_cfg *c = m->cfg;
    hospital_par p;
    if (os_cfg_read(c, NULL, hospital_fields, sizeof hospital_fields / sizeof hospital_fields[0], &p, err))
        return OS_ECONFIG;
    for (int k = 0; k < OS_NFX_SITES; k++) {
        s->admit[k] = p.admit[k];
        s->los[k] = p.los[k];
    }
    s->ref_age = p.ref_age;
    s->logit_bg = log(p.prob / (1.0 - p.prob));
    s->ln_or_decade = log(p.or_decade);
    s->ln_or_sarc = log(p.or_sarc);
    s->sarc = os_dx_outcome_flags(c).sarc;
    s->bg_los = p.bg_los;
    s->bed_share = p.bed_share;
    s->hip_older_age = p.hip_older_age;
    s->hip_extra_weeks = p.hip_extra_weeks;
    if ((s->col_flags = os_model_column(m, "hospital", "fx_flags", OS_COL_U8, err)) < 0 ||
        (s->col_dx = os_model_column(m, "hospital", "dx", OS_COL_U16, err)) < 0 ||
        (s->col_bedrest = os_model_column(m, "hospital", "bedrest_weeks", OS_COL_U8, err)) < 0)
        return OS_ERUN;
    s->col_other_days = os_model_add_column(m, "hospital", "hosp_other_days", OS_COL_U8, "day",
                                          "inpatient days this year not caused by a fracture (saturates at 255)",
                                          0, err);
    if (s->col_other_days < 0) return OS_ERUN;
    if ((s->sum_days = os_summary_column(m, "hospital_days", "days",
                                         "inpatient days during the year (fractures and other causes)", err)) < 0)
        return OS_ERUN;
    s->purpose = os_rng_purpose("hospital.stay");
    return OS_OK;
}

/* The site uniforms fill whole Philox blocks (block 0 of the stream); the
 * background uniform is the first word after them. */
_Static_assert(OS_NFX_SITES % 4 == 0, "site uniforms must fill whole blocks");
#define BG_BLOCK (OS_NFX_SITES / 4)

/* The year's stays of agent R, whose background uniform is U_BG, as the
 * row-by-row loop recorded them: the stays after this year's fractures,
 * then a background stay, then days and bed rest. */
static void agent_stays(const os_model *m, const hospital_state *s, os_chunk *c, size_t r,
                        double u_bg, const uint8_t *flags, const uint16_t *dx, uint8_t *bedrest,
                        uint8_t *other_days)
{
    double days = 0.0, weeks = 0.0;
    /* The stream's first block holds one uniform per site (common random
     * numbers: the same position whatever fractured); without a fracture
     * this year none is used, and the block is never generated. */
    if (flags[r] & OS_FX_THIS_YEAR_ANY) {
        os_rng g;
        os_rng_init(&g, m->seed, c->id[r], (uint32_t)m->year, s->purpose);
        for (int k = 0; k < OS_NFX_SITES; k++) {
            double u = os_rng_uniform(&g);
            if (!(flags[r] & OS_FX_THIS_YEAR(k)) || u >= s->admit[k]) continue;
            days += s->los[k];
            os_event_log(c, c->id[r], m->year, OS_EV_HOSPITAL, k);
        }
    }
    if ((flags[r] & OS_FX_THIS_YEAR(OS_SITE_HIP)) && c->age[r] >= s->hip_older_age)
        weeks += s->hip_extra_weeks;
    double lp = s->logit_bg + s->ln_or_decade * ((double)c->age[r] - s->ref_age) / 10.0;
    if (dx[r] & s->sarc) lp += s->ln_or_sarc;
    /* Exact decision filter (fastmath.h): libm only near the threshold. */
    double p = 1.0 / (1.0 + os_fast_exp(-lp));
    if (fabs(u_bg - p) <= OS_FAST_MARGIN) p = 1.0 / (1.0 + exp(-lp));
    if (u_bg < p) {
        days += s->bg_los;
        other_days[r] = (uint8_t)fmin(255.0, s->bg_los);
        os_event_log(c, c->id[r], m->year, OS_EV_HOSPITAL, OS_SITE_OTHER_CAUSE);
    }
    if (days <= 0.0 && weeks <= 0.0) return;
    os_acc_add(c->acc, c->sex[r], os_age_band(c->age[r]), s->sum_days, (double)c->weight[r] * days);
    weeks += days * s->bed_share / 7.0;
    double b = bedrest[r] + floor(weeks + 0.5);
    bedrest[r] = (uint8_t)(b > 255.0 ? 255.0 : b);
}

/* A sweep in tiles: the background uniforms of the tile in one call, a
 * pass that flags (branch-free, vectorised) the agents with something to
 * record - a fracture this year, or a background admission or a draw near
 * its threshold by the filter below - and the full computation for those
 * only (a tenth of agents or fewer), in agent order.
 *
 * The filter: the probability from os_ev_exp is off by < 1e-12, so a
 * uniform further than OS_FAST_MARGIN above it is surely no admission. */
OS_EV_SWEEP static void hospital_step(os_model *m, void *state, os_chunk *c)
{
    hospital_state *s = state;
    const uint8_t *flags = os_chunk_u8(m, c, s->col_flags);
    const uint16_t *dx = os_chunk_u16(m, c, s->col_dx);
    uint8_t *bedrest = os_chunk_u8(m, c, s->col_bedrest);
    uint8_t *other_days = os_chunk_u8(m, c, s->col_other_days);
    const double base = s->logit_bg, slope = s->ln_or_decade * 0.1, ref = s->ref_age;
    const double or_sarc = s->ln_or_sarc;
    const uint16_t sarc = s->sarc;
    uint32_t w[OS_RNG_TILE * 4];
    double busy[OS_RNG_TILE];
    for (size_t t0 = 0; t0 < c->n; t0 += OS_RNG_TILE) {
        size_t n = c->n - t0 < OS_RNG_TILE ? c->n - t0 : OS_RNG_TILE;
        os_rng_fill(w, c->id + t0, n, m->seed, (uint32_t)m->year, s->purpose, BG_BLOCK, 1);
        const float *age = c->age + t0;
        const uint16_t *d = dx + t0;
        const uint8_t *f = flags + t0;
        for (size_t i = 0; i < n; i++) {
            double lp = base + slope * ((double)age[i] - ref) + ((d[i] & sarc) ? or_sarc : 0.0);
            double p = 1.0 / (1.0 + os_ev_exp(-lp)), u = os_ev_word_uniform(w[i * 4]);
            busy[i] = (u < p + OS_FAST_MARGIN ? 1.0 : 0.0) + ((f[i] & OS_FX_THIS_YEAR_ANY) ? 1.0 : 0.0);
        }
        for (size_t i = 0; i < n; i++) {
            size_t r = t0 + i;
            other_days[r] = 0;
            if (busy[i] != 0.0 && c->alive[r])
                agent_stays(m, s, c, r, os_rng_word_uniform(w[i * 4]), flags, dx, bedrest, other_days);
        }
    }
}

static void hospital_destroy(void *state)
{
    free(state);
}

/* Columns of other modules this one reads (sim/model.h). */
static const os_colread hospital_reads[] = {
    {"fx_flags", OS_COL_U8, 0},
    {"dx", OS_COL_U16, 0},
    {"bedrest_weeks", OS_COL_U8, OS_READ_WRITES},
    {NULL, 0, 0},
};

const os_module os_mod_hospital = {
    .name = "hospital",
    .params = hospital_params,
    .nparams = sizeof hospital_params / sizeof hospital_params[0],
    .init = hospital_init,
    .step = hospital_step,
    .destroy = hospital_destroy,
    .reads = hospital_reads,
};
