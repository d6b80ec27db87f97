/* body_fat.c - percent body fat and osteosarcopenic obesity.
 *
 * Each person has a percent body fat (f32 column "body_fat", %): at entry
 *     PBF = mean_50[sex] + per_year[sex] (age - 50) + sd[sex] z,
 * z standard normal, drawn once for life from the person's "body_fat.init"
 * stream (so the same person has the same z in every arm), clamped to the
 * physiological range; it then rises by per_year[sex] each year of age.
 * The census counts, under AWGS 2019, obesity by body fat
 * (PBF >= diagnosis.obesity.body_fat_<sex>), sarcopenic obesity (sarcopenia
 * and obesity) and osteosarcopenic obesity (sarcopenia, osteopenia or
 * osteoporosis, and obesity; Ilich 2014) into /summary.
 *
 * Body fat is a state for diagnosis only: it changes no rate of bone or
 * muscle loss, falls, fractures or death, and z is independent of the
 * person's bone and muscle (docs/events.md says why and what that does to
 * the prevalence of osteosarcopenic obesity).
 */
#include <stdlib.h>
#include <string.h>

#include "diagnosis.h"
#include "model.h"

/* Age the body-fat regression is centred on. */
#define BF_REF_AGE 50
/* Clamp of the drawn value (%): the tails of a normal outside what a
 * body can hold. */
#define BF_MIN 3.0
#define BF_MAX 70.0

#define BF_PARAMS(X) \
    X("body_fat.mean_50_female", "%", 0, 80, mean50[0], "mean percent body fat of women aged 50") \
    X("body_fat.mean_50_male", "%", 0, 80, mean50[1], "mean percent body fat of men aged 50") \
    X("body_fat.per_year_female", "%/yr", -2, 2, per_year[0], "change of mean percent body fat per year of age, women") \
    X("body_fat.per_year_male", "%/yr", -2, 2, per_year[1], "change of mean percent body fat per year of age, men") \
    X("body_fat.sd_female", "%", 0, 30, sd[0], "SD of percent body fat at a given age, women") \
    X("body_fat.sd_male", "%", 0, 30, sd[1], "SD of percent body fat at a given age, men") \
    X("diagnosis.obesity.body_fat_female", "%", 0, 80, cut[0], "obesity if percent body fat >= this, women") \
    X("diagnosis.obesity.body_fat_male", "%", 0, 80, cut[1], "obesity if percent body fat >= this, men")

typedef struct bf_par {
    double mean50[2], per_year[2], sd[2], cut[2];
} bf_par;

#define BF_SPEC(k, u, lo, hi, f, d) {k, OS_P_REAL, u, lo, hi, 1, NULL, NULL, d},
#define BF_FIELD(k, u, lo, hi, f, d) OS_FIELD(k, bf_par, f, OS_F_REAL),
static const os_param_spec bf_params[] = { BF_PARAMS(BF_SPEC) };
static const os_field bf_fields[] = { BF_PARAMS(BF_FIELD) };
#define BF_NPARAMS (sizeof bf_params / sizeof bf_params[0])

/* /summary columns, in the order of bf_state.sum[]. */
enum { BF_OBESE, BF_SARC_OBESE, BF_OSTEOSARC_OBESE, BF_NSUM };
static const struct { const char *name, *desc; } bf_summary[BF_NSUM] = {
    {"obesity_body_fat", "obesity by percent body fat (diagnosis.obesity) (persons)"},
    {"sarcopenic_obesity_awgs2019", "AWGS 2019 sarcopenia with obesity by body fat (persons)"},
    {"osteosarcopenic_obesity_awgs2019",
     "AWGS 2019 sarcopenia with osteopenia or osteoporosis and obesity by body fat (persons)"},
};

typedef struct bf_state {
    bf_par p;
    float step[2], cut[2];
    int col_bf, col_dx;
    int sum[BF_NSUM];
    uint32_t purpose;
} bf_state;

static int bf_init(os_model *m, void **state, os_err *err)
{
    bf_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "body_fat: out of memory");
    *state = s;
    if (os_cfg_read(m->cfg, NULL, bf_fields, BF_NPARAMS, &s->p, err)) return OS_ECONFIG;
    for (int x = 0; x < 2; x++) {
        s->step[x] = (float)s->p.per_year[x];
        s->cut[x] = (float)s->p.cut[x];
    }
    s->purpose = os_rng_purpose("body_fat.init");
    s->col_bf = os_model_add_column(m, "body_fat", "body_fat", OS_COL_F32, "%",
                                    "percent body fat", OS_COL_SNAPSHOT, err);
    if (s->col_bf < 0 ||
        (s->col_dx = os_model_column(m, "body_fat", "dx", OS_COL_U16, err)) < 0)
        return err->code ? err->code : OS_ERUN;
    for (int k = 0; k < BF_NSUM; k++)
        if ((s->sum[k] = os_summary_column_as(m, bf_summary[k].name, "persons", bf_summary[k].desc,
                                              (os_sum_role){OS_ROLE_PREVALENCE, 0, NULL, NULL, NULL},
                                              err)) < 0)
            return err->code ? err->code : OS_ERUN;
    return OS_OK;
}

static void bf_init_agents(os_model *m, void *state, os_chunk *c)
{
    const bf_state *s = state;
    const bf_par *p = &s->p;
    float *bf = os_chunk_f32(m, c, s->col_bf);
    for (size_t i = 0; i < c->n; i++) {
        os_rng r;
        /* year 0: a trait of the person, not of the entry year */
        os_rng_init(&r, m->seed, c->id[i], 0, s->purpose);
        int x = c->sex[i] != 0;
        double v = p->mean50[x] + p->per_year[x] * ((double)c->age[i] - BF_REF_AGE) +
                   p->sd[x] * os_rng_normal(&r);
        bf[i] = (float)(v < BF_MIN ? BF_MIN : (v > BF_MAX ? BF_MAX : v));
    }
}

/* A year of age: the person's body fat follows the mean's age trend. */
static void bf_step(os_model *m, void *state, os_chunk *c)
{
    const bf_state *s = state;
    float *bf = os_chunk_f32(m, c, s->col_bf);
    for (size_t i = 0; i < c->n; i++) {
        float v = bf[i] + s->step[c->sex[i] != 0];
        bf[i] = v < (float)BF_MIN ? (float)BF_MIN : (v > (float)BF_MAX ? (float)BF_MAX : v);
    }
}

/* Runs after the diagnosis census (phase order), so "dx" is this year's. */
static void bf_census(os_model *m, void *state, os_chunk *c)
{
    const bf_state *s = state;
    const float *bf = os_chunk_f32(m, c, s->col_bf);
    const uint16_t *dx = os_chunk_u16(m, c, s->col_dx);
    uint64_t tot[OS_NCELLS][BF_NSUM];
    memset(tot, 0, sizeof tot);
    for (size_t i = 0; i < c->n; i++) {
        if (!c->alive[i]) continue;
        int x = c->sex[i] != 0;
        if (bf[i] < s->cut[x]) continue;
        uint64_t *cell = tot[x * OS_NBANDS + os_age_band(c->age[i])];
        uint64_t w = c->weight[i];
        unsigned d = dx[i];
        cell[BF_OBESE] += w;
        if (d & OS_DX_SARC_AWGS) cell[BF_SARC_OBESE] += w;
        if (d & OS_DX_OSTEOSARC_BROAD_AWGS) cell[BF_OSTEOSARC_OBESE] += w;
    }
    /* Integer weights summed exactly, then scaled once (as diagnosis.c). */
    for (int cell = 0; cell < OS_NCELLS; cell++)
        for (int q = 0; q < BF_NSUM; q++)
            if (tot[cell][q])
                c->acc->v[cell * OS_MAX_SUMMARY_COLS + s->sum[q]] +=
                    (int64_t)tot[cell][q] * (int64_t)OS_ACC_SCALE;
}

static const os_colread body_fat_reads[] = {
    {"dx", OS_COL_U16, 0},
    {NULL, 0, 0},
};

const os_module os_mod_body_fat = {
    .name = "body_fat",
    .params = bf_params,
    .nparams = BF_NPARAMS,
    .init = bf_init,
    .init_agents = bf_init_agents,
    .census = bf_census,
    .step = bf_step,
    .destroy = free,
    .reads = body_fat_reads,
};
