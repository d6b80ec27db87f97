/* checkup.c - the worked example of docs/developing.md: a phase that
 * declares one parameter and one column.
 *
 * Each living agent has a health check-up in the year with probability
 * checkup.probability.  The u8 column "checkup" holds 1 in a year with one
 * (owned here, written in /cohort/<year>/), and the summary column
 * "checkups" counts them by sex and age band (role: events of kind
 * "checkups", so /economics/checkups_averted compares arms).
 */
#include <stdlib.h>

#include "model.h"

static const os_param_spec checkup_params[] = {
    {"checkup.probability", OS_P_REAL, "1/yr", 0, 1, 1, NULL, NULL,
     "probability of a health check-up in a year"},
};

typedef struct checkup_par {
    double probability;
} checkup_par;

static const os_field checkup_fields[] = {
    OS_FIELD("checkup.probability", checkup_par, probability, OS_F_REAL),
};

typedef struct checkup_state {
    checkup_par p;
    int col, sum;
    uint32_t purpose;
} checkup_state;

static int checkup_init(os_model *m, void **state, os_err *err)
{
    checkup_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "checkup: out of memory");
    *state = s;
    if (os_cfg_read(m->cfg, NULL, checkup_fields, 1, &s->p, err)) return OS_ECONFIG;
    s->col = os_model_add_column(m, "checkup", "checkup", OS_COL_U8, "1",
                                 "1 in a year with a health check-up", OS_COL_SNAPSHOT, err);
    if (s->col < 0) return OS_ERUN;
    s->sum = os_summary_column_as(m, "checkups", "persons", "persons with a check-up during the year",
                                  (os_sum_role){OS_ROLE_EVENT, 0, "checkups", NULL, NULL}, err);
    if (s->sum < 0) return OS_ERUN;
    s->purpose = os_rng_purpose("checkup.visit");
    return OS_OK;
}

static void checkup_step(os_model *m, void *state, os_chunk *c)
{
    const checkup_state *s = state;
    uint8_t *had = os_chunk_u8(m, c, s->col);
    for (size_t i = 0; i < c->n; i++) {
        had[i] = 0;
        if (!c->alive[i]) continue;
        os_rng r;
        os_rng_init(&r, m->seed, c->id[i], (uint32_t)m->year, s->purpose);
        if (!os_rng_bernoulli(&r, s->p.probability)) continue;
        had[i] = 1;
        os_acc_add(c->acc, c->sex[i], os_age_band(c->age[i]), s->sum, (double)c->weight[i]);
    }
}

static void checkup_destroy(void *state) { free(state); }

const os_module os_mod_checkup = {
    .name = "checkup",
    .params = checkup_params,
    .nparams = sizeof checkup_params / sizeof checkup_params[0],
    .init = checkup_init,
    .step = checkup_step,
    .destroy = checkup_destroy,
};
