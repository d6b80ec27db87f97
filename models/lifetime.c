/* lifetime.c - lifetime (residual) risks, life expectancy and QALE of a
 * closed cohort (run.mode: cohort; inactive otherwise).
 *
 * The start-year population (demography.base_ages) is followed to death
 * with no entrants.  Every agent keeps "ever" bits of each outcome since
 * the start (u16 column lifetime_ever) and its age band at the start (u8
 * lifetime_band).  After each year's step (year_end) one pass over the
 * store sets the bits from the year's fracture flags (OS_FX_THIS_YEAR) and
 * the census diagnosis flags (OS_DX_*, the ones /summary counts) and adds,
 * per (sex, band at the start), persons whose first event it was, the
 * life-years (as economics counts them) and QALYs (economics' per-agent
 * qaly_year).  Sums are the engine's fixed-point accumulators reduced over
 * threads and MPI ranks (os_model_for_chunks), so they are exact for any
 * thread or process count; they live in a carried block, so a checkpoint
 * keeps them.
 *
 * Residual lifetime risk at the start = persons with the event before
 * death / persons at the start.  For prevalence outcomes (osteoporosis,
 * sarcopenia, osteosarcopenia) "ever" includes persons prevalent at the
 * start's census, and "incident" is the risk among those free of it then.
 * Persons alive at the end of the run are counted as they are (truncated);
 * life_expectancy_closed adds their remaining expectancy at the last
 * year's background death rates.  Written as /lifetime (docs/hdf5-schema.md)
 * for the reference arm.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demography.h"
#include "diagnosis.h"
#include "engine.h"
#include "events.h"
#include "h5out.h"  /* the writers shared by write_output hooks */

/* Outcomes: 4 fracture sites, any fracture, then the prevalence outcomes. */
enum { LT_FX_ANY = OS_NFX_SITES, LT_PREV0, LT_NOUT = LT_PREV0 + 5 };
#define LT_NPREV (LT_NOUT - LT_PREV0)
/* lifetime_ever: bit k = outcome k since the start; bit LT_NOUT + j =
 * prevalence outcome LT_PREV0 + j present at the start's census. */
#define LT_BIT(k) ((uint16_t)(1u << (k)))
#define LT_AT_START(j) ((uint16_t)(1u << (LT_NOUT + (j))))

static const uint16_t prev_flag[LT_NPREV] = {
    OS_DX_OSTEOPOROSIS, OS_DX_SARC_EW, OS_DX_SARC_AWGS, OS_DX_OSTEOSARC_EW, OS_DX_OSTEOSARC_AWGS};

static const char *const out_name[LT_NOUT] = {
    "fracture_hip", "fracture_vertebral", "fracture_wrist", "fracture_other", "fracture_any",
    "osteoporosis", "sarcopenia_ewgsop2", "sarcopenia_awgs2019", "osteosarcopenia_ewgsop2",
    "osteosarcopenia_awgs2019"};
static const char *const out_desc[LT_NOUT] = {
    "clinical hip fracture", "clinical vertebral fracture", "wrist/forearm fracture",
    "other major osteoporotic fracture", "any clinical fracture (the four sites)",
    "WHO osteoporosis (T <= -2.5) at a census", "EWGSOP2 confirmed sarcopenia at a census",
    "AWGS 2019 sarcopenia at a census", "EWGSOP2 sarcopenia with osteoporosis at a census",
    "AWGS 2019 sarcopenia with osteoporosis at a census"};

/* Accumulator columns per (sex, band at the start). */
enum {
    A_START = 0,                    /* persons at the start                */
    A_FIRST,                        /* + k: first event of outcome k       */
    A_PREV = A_FIRST + LT_NOUT,     /* + j: prevalent at the start         */
    A_INC = A_PREV + LT_NPREV,      /* + j: first event, free at the start */
    A_LY = A_INC + LT_NPREV, A_LY_D, A_QALY, A_QALY_D,
    A_ALIVE_END,                    /* persons alive after the last year   */
    A_REM_LE, A_REM_QALE,           /* their remaining (Q)ALE, closed      */
    A_NCOL
};
typedef int64_t lt_totals[OS_NCELLS][A_NCOL];

typedef struct lifetime_state {
    int on;
    int col_ever, col_band, col_fx, col_dx, col_qaly;
    double ly_death, rate;
    const void *demog;
} lifetime_state;

static int lifetime_init(os_model *m, void **state, os_err *err)
{
    lifetime_state *s = calloc(1, sizeof *s);
    if (!s) return os_fail(err, OS_ERUN, "lifetime: out of memory");
    *state = s;
    if (!(s->on = m->closed)) return OS_OK;
    static const os_field econ[] = {
        OS_FIELD("economics.life_year_at_death", lifetime_state, ly_death, OS_F_REAL),
        OS_FIELD("economics.discount_rate", lifetime_state, rate, OS_F_REAL),
    };
    if (os_cfg_read(m->cfg, NULL, econ, 2, s, err)) return OS_ECONFIG;
    s->demog = os_model_state(m, "demography");
    if ((s->col_fx = os_model_column(m, "lifetime", "fx_flags", OS_COL_U8, err)) < 0 ||
        (s->col_dx = os_model_column(m, "lifetime", "dx", OS_COL_U16, err)) < 0 ||
        (s->col_qaly = os_model_column(m, "lifetime", "qaly_year", OS_COL_F32, err)) < 0)
        return OS_ERUN;
    if (!s->demog) return os_fail(err, OS_ERUN, "lifetime: needs the demography module");
    s->col_ever = os_model_add_column(m, "lifetime", "lifetime_ever", OS_COL_U16, "1",
                                    "bits 0-9: outcome since the start (hip, vertebral, wrist, other, "
                                    "any fracture, osteoporosis, sarcopenia EWGSOP2, AWGS 2019, "
                                    "osteosarcopenia EWGSOP2, AWGS 2019); bits 10-14: the last five "
                                    "present at the start", 0, err);
    if (s->col_ever < 0) return OS_ERUN;
    s->col_band = os_model_add_column(m, "lifetime", "lifetime_band", OS_COL_U8, "1",
                                    "age band at the start (0 = 50-54, ..., 10 = 100+)", 0, err);
    return s->col_band < 0 ? OS_ERUN : OS_OK;
}

static void lifetime_init_agents(os_model *m, void *state, os_chunk *c)
{
    lifetime_state *s = state;
    if (!s->on) return;
    uint8_t *band = OS_CHUNK_COL(m, c, uint8_t, s->col_band);
    for (size_t i = 0; i < c->n; i++) band[i] = (uint8_t)os_age_band(c->age[i]);
}

/* Remaining life expectancy at exact AGE from TIME at the background death
 * rates (constant within each year of age), to age OS_DEMOG_MAX_AGE + 20. */
static double remaining_le(const lifetime_state *s, int sex, double age, double time)
{
    double surv = 1.0, e = 0.0;
    for (int t = 0; age + t < OS_DEMOG_MAX_AGE + 20 && surv > 1e-12; t++) {
        double mx = os_demog_mx(s->demog, sex, age + t + 0.5, time + t);
        double q = exp(-mx);
        e += surv * (mx > 0 ? (1.0 - q) / mx : 1.0);
        surv *= q;
    }
    return e;
}

/* This year's events of one agent as outcome bits. */
static uint16_t year_bits(uint8_t fx, uint16_t dx)
{
    uint16_t b = 0;
    for (int k = 0; k < OS_NFX_SITES; k++)
        if (fx & OS_FX_THIS_YEAR(k)) b |= LT_BIT(k);
    if (fx & OS_FX_THIS_YEAR_ANY) b |= LT_BIT(LT_FX_ANY);
    for (int j = 0; j < LT_NPREV; j++)
        if (dx & prev_flag[j]) b |= LT_BIT(LT_PREV0 + j);
    return b;
}

static void tally_chunk(os_model *m, void *ctx, os_chunk *c)
{
    const lifetime_state *s = ctx;
    uint16_t *ever = OS_CHUNK_COL(m, c, uint16_t, s->col_ever);
    const uint8_t *band = OS_CHUNK_COL(m, c, uint8_t, s->col_band);
    const uint8_t *fx = OS_CHUNK_COL(m, c, uint8_t, s->col_fx);
    const uint16_t *dx = OS_CHUNK_COL(m, c, uint16_t, s->col_dx);
    const float *qaly = OS_CHUNK_COL(m, c, float, s->col_qaly);
    int first = m->year == m->start_year, last = m->year == m->end_year;
    double disc = os_discount_factor(s->rate, m->start_year, m->year);
    for (size_t r = 0; r < c->n; r++) {
        int sex = c->sex[r], b = band[r];
        double w = c->weight[r];
        uint16_t now = year_bits(fx[r], dx[r]), e = ever[r];
        if (first) {
            os_acc_add(c->acc, sex, b, A_START, w);
            for (int j = 0; j < LT_NPREV; j++)
                if (now & LT_BIT(LT_PREV0 + j)) {
                    e |= LT_AT_START(j);
                    os_acc_add(c->acc, sex, b, A_PREV + j, w);
                }
        }
        for (int k = 0; k < LT_NOUT; k++) {
            if (!(now & LT_BIT(k)) || (e & LT_BIT(k))) continue;
            os_acc_add(c->acc, sex, b, A_FIRST + k, w);
            if (k >= LT_PREV0 && !(e & LT_AT_START(k - LT_PREV0)))
                os_acc_add(c->acc, sex, b, A_INC + (k - LT_PREV0), w);
        }
        ever[r] = (uint16_t)(e | now);
        double ly = c->alive[r] ? 1.0 : s->ly_death;
        os_acc_add(c->acc, sex, b, A_LY, w * ly);
        os_acc_add(c->acc, sex, b, A_LY_D, w * ly * disc);
        os_acc_add(c->acc, sex, b, A_QALY, w * qaly[r]);
        os_acc_add(c->acc, sex, b, A_QALY_D, w * qaly[r] * disc);
        if (last && c->alive[r]) {
            /* Ages were advanced by the step: the age at 1 July next year. */
            double le = remaining_le(s, sex, c->age[r], m->year + 1.5);
            os_acc_add(c->acc, sex, b, A_ALIVE_END, w);
            os_acc_add(c->acc, sex, b, A_REM_LE, w * le);
            os_acc_add(c->acc, sex, b, A_REM_QALE, w * le * qaly[r]);
        }
    }
}

/* The arm's totals, kept across arms and in checkpoints. */
static lt_totals *arm_totals(os_model *m)
{
    lt_totals *t = os_model_carry(m, "lifetime", OS_MAX_ARMS * sizeof(lt_totals));
    return t ? &t[m->arm] : NULL;
}

static int lifetime_year_end(os_model *m, void *state, os_err *err)
{
    lifetime_state *s = state;
    if (!s->on) return OS_OK;
    lt_totals *t = arm_totals(m);
    os_acc *acc = calloc(1, sizeof *acc);
    if (!t || !acc) {
        free(acc);
        return os_fail(err, OS_ERUN, "lifetime: out of memory");
    }
    os_model_for_chunks(m, tally_chunk, s, acc);
    for (int cell = 0; cell < OS_NCELLS; cell++)
        for (int k = 0; k < A_NCOL; k++) (*t)[cell][k] += acc->v[cell * OS_MAX_SUMMARY_COLS + k];
    free(acc);
    return OS_OK;
}

static int write_lifetime(hid_t file, const os_model *m, const int64_t (*tot)[A_NCOL], os_err *err);

static int lifetime_write_output(os_model *m, void *state, hid_t file, os_err *err)
{
    lifetime_state *s = state;
    if (!s->on) return OS_OK;
    lt_totals *t = arm_totals(m);
    if (!t) return os_fail(err, OS_ERUN, "lifetime: out of memory");
    return write_lifetime(file, m, (const int64_t (*)[A_NCOL])*t, err);
}

static void lifetime_destroy(void *state) { free(state); }

/* ---- /lifetime ---- */

/* A dataset of N values (N = 0: sex x band) with units and description. */
static int dset(hid_t g, const char *name, hid_t mem, hid_t ftype, hsize_t n, const void *data,
                const char *units, const char *desc)
{
    hsize_t dims[2] = {OS_NSEX, OS_NBANDS};
    if (n) dims[0] = n;
    hid_t sp = H5Screate_simple(n ? 1 : 2, dims, NULL);
    hid_t ds = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = ds < 0 || H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ||
              os_h5_attr_str(ds, "units", units) || os_h5_attr_str(ds, "description", desc);
    if (ds >= 0) H5Dclose(ds);
    H5Sclose(sp);
    return bad;
}

/* NUM[k] / DEN[k] per cell (NaN where nobody started), from the totals. */
static int ratio(hid_t g, const char *name, const int64_t (*tot)[A_NCOL], int num, int add,
                 int den, const char *units, const char *desc)
{
    double v[OS_NCELLS];
    for (int c = 0; c < OS_NCELLS; c++) {
        double d = (double)tot[c][den];
        double n = (double)tot[c][num] + (add >= 0 ? (double)tot[c][add] : 0.0);
        v[c] = d > 0 ? n / d : NAN;
    }
    return dset(g, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, v, units, desc);
}

/* Risk among the persons free of prevalence outcome J at the start. */
static int incident(hid_t g, const char *name, const int64_t (*tot)[A_NCOL], int j,
                    const char *desc)
{
    double v[OS_NCELLS];
    for (int c = 0; c < OS_NCELLS; c++) {
        double d = (double)(tot[c][A_START] - tot[c][A_PREV + j]);
        v[c] = d > 0 ? (double)tot[c][A_INC + j] / d : NAN;
    }
    return dset(g, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, v, "1", desc);
}

static int write_risks(hid_t g, const int64_t (*tot)[A_NCOL])
{
    char name[80], desc[320];
    int bad = 0;
    for (int k = 0; k < LT_NOUT && !bad; k++) {
        snprintf(name, sizeof name, "risk_%s", out_name[k]);
        snprintf(desc, sizeof desc, "residual lifetime risk: share of the persons at the start who "
                 "have %s before death (or the end of the run)%s", out_desc[k],
                 k >= LT_PREV0 ? ", persons with it at the start included" : "");
        bad = ratio(g, name, tot, A_FIRST + k, -1, A_START, "1", desc);
        if (bad || k < LT_PREV0) continue;
        int j = k - LT_PREV0;
        snprintf(name, sizeof name, "prevalence_at_start_%s", out_name[k]);
        snprintf(desc, sizeof desc, "share of the persons at the start with %s at the start", out_desc[k]);
        bad = ratio(g, name, tot, A_PREV + j, -1, A_START, "1", desc);
        snprintf(name, sizeof name, "risk_incident_%s", out_name[k]);
        snprintf(desc, sizeof desc, "residual lifetime risk of developing %s among the persons free "
                 "of it at the start", out_desc[k]);
        bad = bad || incident(g, name, tot, j, desc);
    }
    return bad;
}

static int write_expectancy(hid_t g, const int64_t (*tot)[A_NCOL])
{
    double persons[OS_NCELLS];
    for (int c = 0; c < OS_NCELLS; c++) persons[c] = (double)tot[c][A_START] / OS_ACC_SCALE;
    return dset(g, "persons_at_start", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, persons, "persons",
                "persons represented at the start (census of 1 July of run.start_year)") ||
           ratio(g, "life_expectancy", tot, A_LY, -1, A_START, "years",
                 "life-years from 1 July of the start year per person at the start, to death or the end "
                 "of the run (truncated); the year of death counts economics.life_year_at_death") ||
           ratio(g, "life_expectancy_closed", tot, A_LY, A_REM_LE, A_START, "years",
                 "life_expectancy plus the remaining expectancy of the persons alive at the end at the "
                 "background death rates (demography) from the year after run.end_year") ||
           ratio(g, "life_expectancy_discounted", tot, A_LY_D, -1, A_START, "years",
                 "life_expectancy discounted to run.start_year at economics.discount_rate (truncated)") ||
           ratio(g, "qale", tot, A_QALY, -1, A_START, "QALY",
                 "quality-adjusted life expectancy: QALYs (economics) per person at the start, to death "
                 "or the end of the run (truncated)") ||
           ratio(g, "qale_closed", tot, A_QALY, A_REM_QALE, A_START, "QALY",
                 "qale plus the survivors' remaining expectancy at their last year's utility") ||
           ratio(g, "qale_discounted", tot, A_QALY_D, -1, A_START, "QALY",
                 "qale discounted to run.start_year at economics.discount_rate (truncated)") ||
           ratio(g, "alive_at_end", tot, A_ALIVE_END, -1, A_START, "1",
                 "share of the persons at the start still alive at the end of run.end_year");
}

static int write_lifetime(hid_t file, const os_model *m, const int64_t (*tot)[A_NCOL], os_err *err)
{
    int32_t sex[OS_NSEX] = {0, 1}, lo[OS_NBANDS], hi[OS_NBANDS];
    for (int b = 0; b < OS_NBANDS; b++) {
        lo[b] = OS_AGE_MIN + b * OS_BAND_WIDTH;
        hi[b] = b == OS_NBANDS - 1 ? -1 : lo[b] + OS_BAND_WIDTH - 1;
    }
    hid_t g = H5Gcreate2(file, "lifetime", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "cannot create /lifetime");
    int bad = os_h5_attr_str(g, "description", "closed cohort (run.mode cohort) of the reference arm: "
                       "lifetime risks, life expectancy and QALE from 1 July of run.start_year by sex "
                       "and age band at the start; docs/events.md") ||
              os_h5_attr_str(g, "arm", m->arm_name) || os_h5_attr_i64(g, "start_year", m->start_year) ||
              os_h5_attr_i64(g, "end_year", m->end_year) ||
              dset(g, "sex", H5T_NATIVE_INT32, H5T_STD_I32LE, OS_NSEX, sex, "1", "0 = female, 1 = male") ||
              dset(g, "age_lo", H5T_NATIVE_INT32, H5T_STD_I32LE, OS_NBANDS, lo, "year",
                   "first age of the band at the start") ||
              dset(g, "age_hi", H5T_NATIVE_INT32, H5T_STD_I32LE, OS_NBANDS, hi, "year",
                   "last age of the band at the start; -1 for the open band 100+") ||
              write_expectancy(g, tot) || write_risks(g, tot);
    H5Gclose(g);
    return bad ? os_fail(err, OS_ERUN, "cannot write /lifetime") : OS_OK;
}

/* Columns of other modules this one reads (sim/model.h); qaly_year
 * exists in closed cohorts only. */
static const os_colread lifetime_reads[] = {
    {"fx_flags", OS_COL_U8, 0},
    {"dx", OS_COL_U16, 0},
    {"qaly_year", OS_COL_F32, OS_READ_OPTIONAL},
    {NULL, 0, 0},
};

const os_module os_mod_lifetime = {
    .name = "lifetime",
    .reads = lifetime_reads,
    .init = lifetime_init,
    .init_agents = lifetime_init_agents,
    .year_end = lifetime_year_end,
    .write_output = lifetime_write_output,
    .destroy = lifetime_destroy,
};
