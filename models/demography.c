/* demography.c - the population: base population at the start year, the
 * yearly entrants aged 50, and the death-rate tables other modules read.
 *
 * Inputs are two tables `year,sex,age,value` (population at 1 July by
 * 5-year group; central death rates by group and 5-year period), UN WPP
 * 2024 for the default China scenario (configs/countries/china/data/).  Methods, with their
 * reasons, are in docs/demography.md:
 *   - single ages within groups: monotone (Steffen) cubic interpolation of
 *     the cumulative population at the group boundaries (group totals are
 *     kept exactly, the density is never negative); the open group follows
 *     a stationary population, density exp(-mx (x - a)).
 *   - base population: agents allocated to (sex, group) cells of ages 50+
 *     by largest remainder, integer weights summing exactly to each cell.
 *   - entrants: persons aged [50, 51) at 1 July, interpolated along the
 *     cohort (log-linear) between the table before and the table after.
 *   - death rates: log mx linear in age between group midpoints and linear
 *     in time between period midpoints (or step functions).
 *   - a start between table years: each group log-linear between them.
 *   - past the tables: death rates held or moved along each sex and age
 *     group's bounded log-linear trend (Lee-Carter style); entrants stopped
 *     or continued along their log-linear trend.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_interp.h>

#include "demography.h"
#include "model.h"
#include "par.h"

struct os_demog {
    os_demog_opts o;
    char label[256];
    os_demog_table pop, mx;
    os_demog_table mig;        /* net migrants (path empty: none)      */
    int mig_first, mig_ng;     /* mig group of age 50, groups from 50  */
    uint64_t *pending_mig;     /* immigrants of the block [sex*ng + g] */
    uint32_t purpose_migration;
    int y0;                    /* index of the start population: pop.ny */
    double *base_v;            /* start population [sex * na + group]  */
    /* Cumulative population at group boundaries, per (table year, sex),
     * then the start population's (slot pop.ny). */
    gsl_interp **cum;
    double *cum_y;             /* [(yi*2+s)*na]                        */
    double *cum_x;             /* group first ages (pop.na)            */
    /* log mx per (period, sex) at group midpoints. */
    gsl_interp **lmx;
    double *lmx_y, *mx_x, *t_mid;
    /* Base population cells: (sex, group >= 50) in a fixed order. */
    int ncell;
    int *cell_sex, *cell_ai;
    uint64_t *cell_p, *cell_n, *cell_off;
    double *cell_u;            /* demography.base_ages: the ages held, as
                                  fractions [u0, u1) of the group (pairs;
                                  unused without base_ages) */
    uint64_t nagents;
    uint32_t entrant_weight;
    double open_mx[2];         /* open-group mx at the start (age split) */
    /* Past the tables (resolved; docs/demography.md). */
    int last_year;             /* last year within both tables          */
    int x_declared[2];         /* mortality, entrants chosen (not auto) */
    double *slope;             /* d log mx / dt per (sex, mx group)     */
    double t_ext;              /* the trend starts here                 */
    double ent_last[2], ent_slope[2]; /* entrants at the last pop year, trend */
    /* Module state. */
    int hr_col;
    int pending_base;          /* the cohort being initialised is the base */
    uint64_t pending_n[2];
    uint32_t purpose_entrants;
};

/* Net migrants this many times larger than a group's persons are surely
 * not a migration table; whole persons below 2^31 either way. */
#define MIGR_MAX 2147483647.0

/* ---- accessors ---- */

const os_demog_table *os_demog_population(const os_demog *d) { return &d->pop; }
const os_demog_table *os_demog_mortality(const os_demog *d) { return &d->mx; }

/* ---- death rates ---- */

static double lmx_at(const os_demog *d, int pi, int sex, double age)
{
    const os_demog_table *t = &d->mx;
    const double *y = d->lmx_y + ((size_t)pi * 2 + (size_t)sex) * (size_t)t->na;
    if (d->o.mx_age == OS_MXAGE_STEP || t->na < 2) {
        int ai = 0;
        while (ai + 1 < t->na && age >= t->ages[ai + 1]) ai++;
        return y[ai];
    }
    /* Flat outside the first and last midpoints. */
    if (age <= d->mx_x[0]) return y[0];
    if (age >= d->mx_x[t->na - 1]) return y[t->na - 1];
    return gsl_interp_eval(d->lmx[pi * 2 + sex], d->mx_x, y, age, NULL);
}

/* Yearly trend of log mx at AGE, interpolated in age as log mx is. */
static double slope_at(const os_demog *d, int sex, double age)
{
    const os_demog_table *t = &d->mx;
    const double *y = d->slope + (size_t)sex * (size_t)t->na;
    int ai = 0;
    if (d->o.mx_age == OS_MXAGE_STEP || t->na < 2) {
        while (ai + 1 < t->na && age >= t->ages[ai + 1]) ai++;
        return y[ai];
    }
    if (age <= d->mx_x[0]) return y[0];
    if (age >= d->mx_x[t->na - 1]) return y[t->na - 1];
    while (age >= d->mx_x[ai + 1]) ai++;
    double w = (age - d->mx_x[ai]) / (d->mx_x[ai + 1] - d->mx_x[ai]);
    return (1 - w) * y[ai] + w * y[ai + 1];
}

double os_demog_mx(const void *state, int sex, double age, double time)
{
    const os_demog *d = state;
    const os_demog_table *t = &d->mx;
    int n = t->ny;
    /* Lee-Carter-style: the last rates moved along the fitted trend. */
    if (d->slope && time > d->t_ext)
        return exp(lmx_at(d, n - 1, sex, age) + slope_at(d, sex, age) * (time - d->t_ext));
    if (d->o.mx_time == OS_MXTIME_STEP || n == 1) {
        int pi = 0;
        while (pi + 1 < n && time >= t->years[pi + 1]) pi++;
        return exp(lmx_at(d, pi, sex, age));
    }
    if (time <= d->t_mid[0]) return exp(lmx_at(d, 0, sex, age));
    if (time >= d->t_mid[n - 1]) return exp(lmx_at(d, n - 1, sex, age));
    int pi = 0;
    while (time >= d->t_mid[pi + 1]) pi++;
    double w = (time - d->t_mid[pi]) / (d->t_mid[pi + 1] - d->t_mid[pi]);
    return exp((1 - w) * lmx_at(d, pi, sex, age) + w * lmx_at(d, pi + 1, sex, age));
}

/* ---- population by single age ---- */

static int pop_year_index(const os_demog *d, int year)
{
    for (int i = 0; i < d->pop.ny; i++)
        if (d->pop.years[i] == year) return i;
    return -1;
}

/* Cumulative persons of the closed groups below AGE (clamped to the spline). */
static double cum_at(const os_demog *d, int yi, int sex, double age)
{
    int na = d->pop.na;
    const double *y = d->cum_y + ((size_t)yi * 2 + (size_t)sex) * (size_t)na;
    if (age <= d->cum_x[0]) return 0.0;
    if (age >= d->cum_x[na - 1]) return y[na - 1];
    return gsl_interp_eval(d->cum[yi * 2 + sex], d->cum_x, y, age, NULL);
}

double os_demog_persons(const os_demog *d, int year, int sex, double a0, double a1)
{
    int yi = pop_year_index(d, year);
    if (yi < 0) return -1.0;
    return cum_at(d, yi, sex, a1) - cum_at(d, yi, sex, a0);
}

/* Exact age at which the cumulative population of closed group AI reaches
 * the fraction U of the group: safeguarded Newton on the monotone spline. */
static double group_quantile(const os_demog *d, int yi, int sex, int ai, double u)
{
    int na = d->pop.na;
    const double *y = d->cum_y + ((size_t)yi * 2 + (size_t)sex) * (size_t)na;
    const gsl_interp *g = d->cum[yi * 2 + sex];
    double lo = d->cum_x[ai], hi = d->cum_x[ai + 1];
    double target = y[ai] + u * (y[ai + 1] - y[ai]);
    double x = lo + u * (hi - lo);
    for (int it = 0; it < 60; it++) {
        double f = gsl_interp_eval(g, d->cum_x, y, x, NULL) - target;
        if (f > 0) hi = x; else lo = x;
        if (fabs(f) <= 1e-9 * (y[ai + 1] - y[ai]) || hi - lo < 1e-9) break;
        double dv = gsl_interp_eval_deriv(g, d->cum_x, y, x, NULL);
        double xn = dv > 0 ? x - f / dv : -1.0;
        x = xn > lo && xn < hi ? xn : 0.5 * (lo + hi);
    }
    return x;
}

/* ---- base population ---- */

uint64_t os_demog_base_agents(const os_demog *d) { return d->nagents; }
uint32_t os_demog_entrant_weight(const os_demog *d) { return d->entrant_weight; }

void os_demog_base_agent(const os_demog *d, uint64_t rank, uint8_t *sex,
                         float *age, uint32_t *weight)
{
    int c = 0;
    while (c + 1 < d->ncell && rank >= d->cell_off[c + 1]) c++;
    uint64_t k = rank - d->cell_off[c], n = d->cell_n[c], p = d->cell_p[c];
    int s = d->cell_sex[c], ai = d->cell_ai[c];
    *sex = (uint8_t)s;
    /* floor(P/n) each, +1 for the first P mod n: the cell sums to P. */
    *weight = (uint32_t)(p / n + (k < p % n));
    /* Deterministic stratified placement at the quantile (k + 1/2) / n. */
    double u = ((double)k + 0.5) / (double)n, a;
    if (d->o.base_hi > 0) u = d->cell_u[2 * c] + u * (d->cell_u[2 * c + 1] - d->cell_u[2 * c]);
    if (ai == d->pop.na - 1) {
        a = d->pop.ages[ai] - log1p(-u) / d->open_mx[s];
        if (a > OS_DEMOG_MAX_AGE) a = OS_DEMOG_MAX_AGE;
    } else {
        a = group_quantile(d, d->y0, s, ai, u);
    }
    *age = (float)a;
    /* Never round up into the next group. */
    if (ai + 1 < d->pop.na && *age >= (float)d->pop.ages[ai + 1])
        *age = nextafterf((float)d->pop.ages[ai + 1], 0.0f);
}

typedef struct rem { uint64_t r; int c; } rem;

static int cmp_rem(const void *a, const void *b)
{
    const rem *x = a, *y = b;
    if (x->r != y->r) return x->r > y->r ? -1 : 1;
    return (x->c > y->c) - (x->c < y->c);
}

__extension__ typedef unsigned __int128 u128;

/* Fraction of cell C's group below exact AGE (clamped to the group). */
static double group_share_below(const os_demog *d, int c, double age)
{
    int s = d->cell_sex[c], ai = d->cell_ai[c], na = d->pop.na;
    double lo = d->pop.ages[ai];
    if (age <= lo) return 0.0;
    /* The open group's stationary density (os_demog_base_agent). */
    if (ai == na - 1)
        return -expm1(-os_demog_mx(d, s, OS_DEMOG_MAX_AGE, d->o.start_year + 0.5) * (age - lo));
    double hi = d->pop.ages[ai + 1];
    if (age >= hi) return 1.0;
    const double *y = d->cum_y + ((size_t)d->y0 * 2 + (size_t)s) * (size_t)na;
    return (cum_at(d, d->y0, s, age) - y[ai]) / (y[ai + 1] - y[ai]);
}

/* demography.base_ages: cell C keeps the persons of its group within the
 * ages, rounded to whole persons, and where they lie in the group. */
static void limit_base_ages(os_demog *d, int c)
{
    double u0 = group_share_below(d, c, d->o.base_lo);
    double u1 = group_share_below(d, c, d->o.base_hi + 1.0);
    d->cell_u[2 * c] = u0;
    d->cell_u[2 * c + 1] = u1;
    d->cell_p[c] = (uint64_t)floor((double)d->cell_p[c] * (u1 - u0) + 0.5);
}

static int allocate_base(os_demog *d, os_err *err)
{
    const os_demog_table *t = &d->pop;
    int first = -1;
    for (int ai = 0; ai < t->na; ai++)
        if (t->ages[ai] == OS_DEMOG_ENTRY_AGE) first = ai;
    int ng = t->na - first;
    d->ncell = 2 * ng;
    d->cell_sex = calloc((size_t)d->ncell, sizeof *d->cell_sex);
    d->cell_ai = calloc((size_t)d->ncell, sizeof *d->cell_ai);
    d->cell_p = calloc((size_t)d->ncell, sizeof *d->cell_p);
    d->cell_n = calloc((size_t)d->ncell, sizeof *d->cell_n);
    d->cell_off = calloc((size_t)d->ncell, sizeof *d->cell_off);
    d->cell_u = calloc((size_t)d->ncell * 2, sizeof *d->cell_u);
    rem *rm = calloc((size_t)d->ncell, sizeof *rm);
    if (!d->cell_sex || !d->cell_ai || !d->cell_p || !d->cell_n || !d->cell_off || !d->cell_u || !rm) {
        free(rm);
        return os_fail(err, OS_ERUN, "demography: out of memory");
    }
    uint64_t total = 0;
    int nonempty = 0;
    for (int c = 0; c < d->ncell; c++) {
        d->cell_sex[c] = c / ng;
        d->cell_ai[c] = first + c % ng;
        double v = d->base_v[d->cell_sex[c] * t->na + d->cell_ai[c]];
        if (v != floor(v) || v > 4294967295.0) {
            free(rm);
            return os_fail(err, OS_ECONFIG, "%s: population of year %d, %s, age %d is not a whole "
                           "number of persons below 2^32: %g", t->path, d->o.start_year,
                           d->cell_sex[c] ? "male" : "female", t->ages[d->cell_ai[c]], v);
        }
        d->cell_p[c] = (uint64_t)v;
        if (d->o.base_hi > 0) limit_base_ages(d, c);
        total += d->cell_p[c];
        nonempty += d->cell_p[c] > 0;
    }
    uint64_t n = d->o.scale ? total : d->o.agents;
    if (total == 0 || n < (uint64_t)nonempty || n > 4294967295u) {
        free(rm);
        const char *where = d->o.agents_origin ? d->o.agents_origin : "demography";
        return os_fail(err, OS_ECONFIG, "%s: %s: %llu agents for %llu persons of the base ages in %d: "
                       "need at least one agent per non-empty sex and age group (%d) and fewer than 2^32",
                       where, d->o.scale ? "demography.scale" : "run.agents", (unsigned long long)n,
                       (unsigned long long)total, d->o.start_year, nonempty);
    }
    /* Largest remainder, ties to the earlier cell. */
    uint64_t given = 0;
    for (int c = 0; c < d->ncell; c++) {
        u128 x = (u128)n * d->cell_p[c];
        d->cell_n[c] = (uint64_t)(x / total);
        rm[c].r = (uint64_t)(x % total);
        rm[c].c = c;
        given += d->cell_n[c];
    }
    qsort(rm, (size_t)d->ncell, sizeof *rm, cmp_rem);
    for (int i = 0; given < n; i++, given++) d->cell_n[rm[i].c]++;
    free(rm);
    /* Every non-empty cell gets an agent, so weights can sum to it exactly. */
    for (int c = 0; c < d->ncell; c++) {
        if (d->cell_p[c] == 0 || d->cell_n[c] > 0) continue;
        int big = 0;
        for (int j = 1; j < d->ncell; j++)
            if (d->cell_n[j] > d->cell_n[big]) big = j;
        d->cell_n[big]--;
        d->cell_n[c] = 1;
    }
    uint64_t off = 0;
    for (int c = 0; c < d->ncell; c++) {
        d->cell_off[c] = off;
        off += d->cell_n[c];
        if (d->cell_n[c] && (d->cell_p[c] + d->cell_n[c] - 1) / d->cell_n[c] > 4294967295u)
            return os_fail(err, OS_ECONFIG, "demography: too few agents: a weight exceeds 2^32");
    }
    d->nagents = n;
    double w = floor((double)total / (double)n + 0.5);
    d->entrant_weight = (uint32_t)(w < 1 ? 1 : w);
    return OS_OK;
}

/* ---- entrants ---- */

int os_demog_expected_entrants(const os_demog *d, int year, int sex,
                               double *persons, os_err *err)
{
    const os_demog_table *t = &d->pop;
    int last = t->years[t->ny - 1];
    if (year > last && d->o.x_ent != OS_XENT_AUTO) {
        *persons = d->o.x_ent == OS_XENT_STOP ? 0.0
                   : d->ent_last[sex] * exp(d->ent_slope[sex] * (year - last));
        return OS_OK;
    }
    int i = -1;
    for (int j = 0; j + 1 < t->ny; j++)
        if (t->years[j] < year && year <= t->years[j + 1]) i = j;
    if (i < 0)
        return os_fail(err, OS_ECONFIG, "%s: no population tables around %d for its entrants "
                       "(tables cover %d..%d)", t->path, year, t->years[0], t->years[t->ny - 1]);
    /* The persons aged [50, 51) in YEAR were K years younger at table I and
     * H - K years older at table I + 1: interpolate log-linearly along the
     * cohort (mortality and migration act between the tables). */
    double h = t->years[i + 1] - t->years[i], k = year - t->years[i];
    double a = cum_at(d, i, sex, OS_DEMOG_ENTRY_AGE + 1 - k) - cum_at(d, i, sex, OS_DEMOG_ENTRY_AGE - k);
    double b = cum_at(d, i + 1, sex, OS_DEMOG_ENTRY_AGE + 1 + h - k) -
               cum_at(d, i + 1, sex, OS_DEMOG_ENTRY_AGE + h - k);
    *persons = a > 0 && b > 0 ? a * pow(b / a, k / h) : a + (b - a) * k / h;
    return OS_OK;
}

int os_demog_peak_agents(const os_demog *d, int end_year, uint64_t *peak, uint64_t *rounding,
                         os_err *err)
{
    double n = (double)d->nagents;
    *rounding = 0;
    for (int year = d->o.start_year + 1; year <= end_year; year++)
        for (int s = 0; s < 2; s++) {
            double e;
            if (os_demog_expected_entrants(d, year, s, &e, err)) return OS_ECONFIG;
            /* At most ceil(e / w) of them (stochastic rounding). */
            double x = ceil(e / d->entrant_weight);
            if (!isfinite(x) || x < 0)
                return os_fail(err, OS_ECONFIG, "%s: entrants of %d are not a number of persons",
                               d->pop.path, year);
            n += x;
            *rounding += 1;
        }
    /* Immigrants: at most ceil(flow / w) per group and year. */
    for (int year = d->o.start_year + 1; year <= end_year; year++)
        for (int s = 0; s < 2; s++)
            for (int g = 0; g < d->mig_ng; g++) {
                double f = os_demog_migr_flow(d, year - 1, s, g);
                if (f > 0) n += ceil(f / d->entrant_weight), *rounding += 1;
            }
    /* Ids are 32 bits and never reused within an arm. */
    if (n > 4294967295.0)
        return os_fail(err, OS_ECONFIG, "demography: %.0f agents over the run (base population and "
                       "entrants to %d) exceed the 2^32 agent ids", n, end_year);
    *peak = (uint64_t)n;
    return OS_OK;
}

int os_demog_entrant_counts(const os_demog *d, uint64_t seed, int year,
                            uint64_t n[2], os_err *err)
{
    os_rng r;
    /* One stream per year for the whole cohort: a fixed pseudo-agent id. */
    os_rng_init(&r, seed, UINT32_MAX, (uint32_t)year, d->purpose_entrants);
    for (int s = 0; s < 2; s++) {
        double e;
        if (os_demog_expected_entrants(d, year, s, &e, err)) return OS_ECONFIG;
        double x = e / d->entrant_weight, f = floor(x);
        n[s] = (uint64_t)f + (uint64_t)os_rng_bernoulli(&r, x - f);
    }
    return OS_OK;
}

/* ---- net migration ---- */

int os_demog_migr_groups(const os_demog *d) { return d->mig_ng; }

int os_demog_migr_group(const os_demog *d, double age)
{
    const int *a = d->mig.ages + d->mig_first;
    if (d->mig_ng == 0 || age < a[0]) return -1;
    int g = 0;
    while (g + 1 < d->mig_ng && age >= a[g + 1]) g++;
    return g;
}

void os_demog_migr_ages(const os_demog *d, int g, double *a0, double *width)
{
    const os_demog_table *t = &d->mig;
    int ai = d->mig_first + g;
    *a0 = t->ages[ai];
    *width = ai + 1 < t->na ? t->ages[ai + 1] - t->ages[ai] : t->ages[ai] - t->ages[ai - 1];
}

double os_demog_migr_flow(const os_demog *d, int year, int sex, int g)
{
    const os_demog_table *t = &d->mig;
    if (d->mig_ng == 0 || year < t->years[0]) return 0.0;
    int pi = 0;
    while (pi + 1 < t->ny && t->years[pi + 1] <= year) pi++;
    /* Period length; the last as long as the one before (one period: 5). */
    int len = pi + 1 < t->ny ? t->years[pi + 1] - t->years[pi]
              : t->ny > 1 ? t->years[pi] - t->years[pi - 1] : 5;
    return os_demog_table_at(t, pi, sex, d->mig_first + g) / len;
}

void os_demog_migrant_counts(const os_demog *d, uint64_t seed, int year, uint64_t *n)
{
    os_rng r;
    /* One stream per year, apart from the 50-year-olds' (its own purpose). */
    os_rng_init(&r, seed, UINT32_MAX, (uint32_t)year, d->purpose_migration);
    for (int s = 0; s < 2; s++)
        for (int g = 0; g < d->mig_ng; g++) {
            double f = os_demog_migr_flow(d, year - 1, s, g);
            double x = f > 0 ? f / d->entrant_weight : 0.0, k = floor(x);
            n[s * d->mig_ng + g] = (uint64_t)k + (uint64_t)os_rng_bernoulli(&r, x - k);
        }
}

/* The migration table: whole persons, the population table's age groups
 * from 50 (ages below are in the entrants already: the population table
 * holds them), periods from run.start_year or before. */
static int check_migration(os_demog *d, os_err *err)
{
    const os_demog_table *t = &d->mig, *p = &d->pop;
    size_t cells = (size_t)t->ny * 2 * (size_t)t->na;
    for (size_t k = 0; k < cells; k++)
        if (t->v[k] != floor(t->v[k]) || fabs(t->v[k]) > MIGR_MAX)
            return os_fail(err, OS_ECONFIG, "%s:%d: column value: %.10g is not a whole number of "
                           "net migrants below 2^31", t->path, t->line[k], t->v[k]);
    int f = 0, pf = 0;
    while (f < t->na && t->ages[f] < OS_DEMOG_ENTRY_AGE) f++;
    while (pf < p->na && p->ages[pf] < OS_DEMOG_ENTRY_AGE) pf++;
    int same = t->na - f == p->na - pf;
    for (int i = 0; same && f + i < t->na; i++) same = t->ages[f + i] == p->ages[pf + i];
    if (!same || t->na - f < 2)
        return os_fail(err, OS_ECONFIG, "%s: column age: the age groups from %d must be the population "
                       "table's (%d groups, %d to %d+; %s), got %d (%d to %d+)", t->path,
                       OS_DEMOG_ENTRY_AGE, p->na - pf, p->ages[pf], p->ages[p->na - 1], p->path,
                       t->na - f, f < t->na ? t->ages[f] : t->ages[t->na - 1], t->ages[t->na - 1]);
    if (t->na - f > OS_MAX_SUMMARY_COLS)
        return os_fail(err, OS_ECONFIG, "%s: column age: %d age groups from %d, at most %d",
                       t->path, t->na - f, OS_DEMOG_ENTRY_AGE, OS_MAX_SUMMARY_COLS);
    if (t->years[0] > d->o.start_year)
        return os_fail(err, OS_ECONFIG, "%s: column year: the migration periods start in %d, after "
                       "run.start_year %d", t->path, t->years[0], d->o.start_year);
    d->mig_first = f;
    d->mig_ng = t->na - f;
    d->pending_mig = calloc((size_t)d->mig_ng * 2, sizeof *d->pending_mig);
    return d->pending_mig ? OS_OK : os_fail(err, OS_ERUN, "demography: out of memory");
}

int os_demog_load_migration(os_demog *d, const char *path, os_err *err)
{
    if (!path) return OS_OK;
    int rc = os_demog_table_read_signed(&d->mig, path, err);
    return rc ? rc : check_migration(d, err);
}

/* ---- construction ---- */

void os_demog_free(os_demog *d)
{
    if (!d) return;
    for (int i = 0; d->cum && i < (d->pop.ny + 1) * 2; i++) gsl_interp_free(d->cum[i]);
    for (int i = 0; d->lmx && i < d->mx.ny * 2; i++) gsl_interp_free(d->lmx[i]);
    free(d->cum); free(d->cum_y); free(d->cum_x);
    free(d->lmx); free(d->lmx_y); free(d->mx_x); free(d->t_mid);
    free(d->base_v); free(d->slope);
    free(d->cell_sex); free(d->cell_ai); free(d->cell_p); free(d->cell_n); free(d->cell_off);
    free(d->cell_u); free(d->pending_mig);
    os_demog_table_free(&d->mig);
    os_demog_table_free(&d->pop);
    os_demog_table_free(&d->mx);
    free(d);
}

static int check_population(os_demog *d, os_err *err)
{
    const os_demog_table *t = &d->pop;
    int has50 = 0;
    for (int ai = 0; ai < t->na; ai++) has50 |= t->ages[ai] == OS_DEMOG_ENTRY_AGE;
    if (!has50 || t->ages[0] >= OS_DEMOG_ENTRY_AGE || t->na < 3)
        return os_fail(err, OS_ECONFIG, "%s: age groups must include one starting at %d and one "
                       "below it (to split groups into single ages)", t->path, OS_DEMOG_ENTRY_AGE);
    int rc = os_demog_table_covers(t, OS_TABLE_POPULATION, d->o.start_year, d->o.start_year, 0, err);
    if (rc) return rc;
    /* The start population: the table's year, or interpolated between two. */
    d->y0 = t->ny;
    if (!(d->base_v = calloc((size_t)t->na * 2, sizeof *d->base_v)))
        return os_fail(err, OS_ERUN, "demography: out of memory");
    os_demog_table_interp(t, d->o.start_year, d->base_v);
    for (int i = 0; i + 1 < t->ny; i++)
        if (t->years[i + 1] - t->years[i] > OS_DEMOG_ENTRY_AGE - t->ages[0])
            return os_fail(err, OS_ECONFIG, "%s: tables %d and %d are more than %d years apart "
                           "(the youngest group starts at %d)", t->path, t->years[i],
                           t->years[i + 1], OS_DEMOG_ENTRY_AGE - t->ages[0], t->ages[0]);
    return OS_OK;
}

static int build_splines(os_demog *d, os_err *err)
{
    const os_demog_table *p = &d->pop, *m = &d->mx;
    size_t np = (size_t)p->na, nm = (size_t)m->na;
    d->cum = calloc((size_t)(p->ny + 1) * 2, sizeof *d->cum);
    d->cum_y = calloc((size_t)(p->ny + 1) * 2 * np, sizeof *d->cum_y);
    d->cum_x = calloc(np, sizeof *d->cum_x);
    d->lmx = calloc((size_t)m->ny * 2, sizeof *d->lmx);
    d->lmx_y = calloc((size_t)m->ny * 2 * nm, sizeof *d->lmx_y);
    d->mx_x = calloc(nm, sizeof *d->mx_x);
    d->t_mid = calloc((size_t)m->ny, sizeof *d->t_mid);
    if (!d->cum || !d->cum_y || !d->cum_x || !d->lmx || !d->lmx_y || !d->mx_x || !d->t_mid)
        return os_fail(err, OS_ERUN, "demography: out of memory");
    const gsl_interp_type *ct = d->o.split == OS_SPLIT_UNIFORM ? gsl_interp_linear : gsl_interp_steffen;
    for (size_t a = 0; a < np; a++) d->cum_x[a] = p->ages[a];
    for (int yi = 0; yi <= p->ny; yi++)
        for (int s = 0; s < 2; s++) {
            double *y = d->cum_y + ((size_t)yi * 2 + (size_t)s) * np;
            for (size_t a = 1; a < np; a++)
                y[a] = y[a - 1] + (yi < p->ny ? os_demog_table_at(p, yi, s, (int)a - 1)
                                              : d->base_v[(size_t)s * np + a - 1]);
            if (!(d->cum[yi * 2 + s] = gsl_interp_alloc(ct, np)) ||
                gsl_interp_init(d->cum[yi * 2 + s], d->cum_x, y, np))
                return os_fail(err, OS_ERUN, "%s: cannot interpolate the population", p->path);
        }
    /* Midpoints of the groups; the open group as if as wide as the one before. */
    for (size_t a = 0; a < nm; a++) {
        double w = a + 1 < nm ? m->ages[a + 1] - m->ages[a] : (nm > 1 ? m->ages[a] - m->ages[a - 1] : 5);
        d->mx_x[a] = m->ages[a] + 0.5 * w;
    }
    for (int i = 0; i < m->ny; i++) {
        double w = i + 1 < m->ny ? m->years[i + 1] - m->years[i] : (m->ny > 1 ? m->years[i] - m->years[i - 1] : 5);
        d->t_mid[i] = m->years[i] + 0.5 * w;
        for (int s = 0; s < 2; s++) {
            double *y = d->lmx_y + ((size_t)i * 2 + (size_t)s) * nm;
            for (size_t a = 0; a < nm; a++) {
                double v = os_demog_table_at(m, i, s, (int)a);
                if (!(v > 0))
                    return os_fail(err, OS_ECONFIG, "%s: death rate of year %d, %s, age %d must be > 0",
                                   m->path, m->years[i], s ? "male" : "female", m->ages[a]);
                y[a] = log(v);
            }
            if (nm >= 2 && (!(d->lmx[i * 2 + s] = gsl_interp_alloc(gsl_interp_linear, nm)) ||
                            gsl_interp_init(d->lmx[i * 2 + s], d->mx_x, y, nm)))
                return os_fail(err, OS_ERUN, "%s: cannot interpolate the death rates", m->path);
        }
    }
    return OS_OK;
}

/* ---- past the tables ---- */

/* Bound on the entrants' yearly log-linear trend. */
#define ENT_MAX_TREND 0.05

/* Least-squares slope of Y on X over N points. */
static double ols_slope(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) mx += x[i] / n, my += y[i] / n;
    for (int i = 0; i < n; i++) sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
    return sxx > 0 ? sxy / sxx : 0.0;
}

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The last year within both tables; AUTO becomes the default past it. */
static void resolve_extrapolation(os_demog *d)
{
    int pop_last = d->pop.years[d->pop.ny - 1];
    int mx_last = os_demog_table_last(&d->mx, OS_TABLE_MORTALITY);
    d->last_year = pop_last < mx_last ? pop_last : mx_last;
    if (d->o.trend_years <= 0) d->o.trend_years = 20;
    if (!(d->o.max_improvement > 0)) d->o.max_improvement = 0.03;
    if (!os_demog_extrapolates(d)) return;
    if (d->o.x_mort == OS_XMORT_AUTO) d->o.x_mort = OS_XMORT_LOGLINEAR;
    if (d->o.x_ent == OS_XENT_AUTO) d->o.x_ent = OS_XENT_TREND;
}

/* log mx per (sex, group): slope over the periods whose midpoints lie in
 * the last trend_years, bounded to [-max_improvement, 0] per year. */
static int fit_mx_trend(os_demog *d, os_err *err)
{
    const os_demog_table *m = &d->mx;
    int n = m->ny, k = 0;
    if (d->o.x_mort != OS_XMORT_LOGLINEAR) return OS_OK;
    double t_last = d->t_mid[n - 1], x[64], y[64];
    for (int i = 0; i < n; i++) k += d->t_mid[i] >= t_last - d->o.trend_years - 1e-9;
    if (k < 2 || k > 64)
        return os_fail(err, OS_ECONFIG, "%s%sdemography.extrapolation.mortality: loglinear%s needs the "
                       "death rates of 2 to 64 periods within the last %d years "
                       "(demography.extrapolation.trend_years); %s has %d",
                       d->o.x_mort_origin ? d->o.x_mort_origin : "", d->o.x_mort_origin ? ": " : "",
                       d->o.x_mort_origin ? "" : " (the default past the tables)", d->o.trend_years,
                       m->path, k);
    if (!(d->slope = calloc((size_t)m->na * 2, sizeof *d->slope)))
        return os_fail(err, OS_ERUN, "demography: out of memory");
    d->t_ext = d->o.mx_time == OS_MXTIME_LINEAR ? t_last
               : m->years[n - 1] + 2 * (t_last - m->years[n - 1]);
    for (int s = 0; s < 2; s++)
        for (int a = 0; a < m->na; a++) {
            for (int j = 0; j < k; j++) {
                int i = n - k + j;
                x[j] = d->t_mid[i];
                y[j] = d->lmx_y[((size_t)i * 2 + (size_t)s) * (size_t)m->na + (size_t)a];
            }
            d->slope[s * m->na + a] = clamp(ols_slope(x, y, k), -d->o.max_improvement, 0.0);
        }
    return OS_OK;
}

/* Entrants past the last population year: log-linear from the last year's
 * along the fitted trend of the last trend_years years' entrants. */
static int fit_entrant_trend(os_demog *d, os_err *err)
{
    const os_demog_table *t = &d->pop;
    if (d->o.x_ent != OS_XENT_TREND) return OS_OK;
    int last = t->years[t->ny - 1], y0 = last - d->o.trend_years + 1;
    if (y0 <= t->years[0]) y0 = t->years[0] + 1;
    if (last - y0 + 1 < 2 || last - y0 + 1 > 400)
        return os_fail(err, OS_ECONFIG, "%s%sdemography.extrapolation.entrants: trend%s needs "
                       "population tables spanning at least 2 years (%s covers %d..%d)",
                       d->o.x_ent_origin ? d->o.x_ent_origin : "", d->o.x_ent_origin ? ": " : "",
                       d->o.x_ent_origin ? "" : " (the default past the tables)", t->path,
                       t->years[0], last);
    double x[400], y[400];
    for (int s = 0; s < 2; s++) {
        int n = 0, pos = 1;
        for (int yr = y0; yr <= last; yr++, n++) {
            double e;
            if (os_demog_expected_entrants(d, yr, s, &e, err)) return OS_ECONFIG;
            x[n] = yr;
            pos &= e > 0;
            y[n] = e > 0 ? log(e) : 0.0;
            if (yr == last) d->ent_last[s] = e;
        }
        d->ent_slope[s] = pos ? clamp(ols_slope(x, y, n), -ENT_MAX_TREND, ENT_MAX_TREND) : 0.0;
    }
    return OS_OK;
}

int os_demog_last_table_year(const os_demog *d) { return d->last_year; }

int os_demog_extrapolates(const os_demog *d)
{
    return d->o.end_year > d->last_year;
}

const char *os_demog_extrapolation(const os_demog *d, char *buf, size_t n)
{
    char m[96], e[64];
    if (d->o.x_mort == OS_XMORT_LOGLINEAR)
        snprintf(m, sizeof m, "loglinear over %d years, at most %g%%/yr", d->o.trend_years,
                 100 * d->o.max_improvement);
    else
        snprintf(m, sizeof m, "%s", d->o.x_mort == OS_XMORT_HOLD ? "hold" : "auto");
    if (d->o.x_ent == OS_XENT_TREND)
        snprintf(e, sizeof e, "trend over %d years", d->o.trend_years);
    else
        snprintf(e, sizeof e, "%s", d->o.x_ent == OS_XENT_STOP ? "stop" : "auto");
    snprintf(buf, n, "mortality: %s; entrants: %s", m, e);
    return buf;
}

int os_demog_create(os_demog **out, const os_demog_opts *o, os_err *err)
{
    *out = NULL;
    os_demog *d = calloc(1, sizeof *d);
    if (!d) return os_fail(err, OS_ERUN, "demography: out of memory");
    d->o = *o;
    snprintf(d->label, sizeof d->label, "%s", o->label ? o->label : "");
    d->o.label = d->label;
    d->o.population_file = d->o.mortality_file = NULL; /* paths kept in the tables */
    d->hr_col = -1;
    d->purpose_entrants = os_rng_purpose("demography.entrants");
    d->purpose_migration = os_rng_purpose("demography.migration");
    int rc;
    int end = o->end_year;
    d->x_declared[0] = o->x_mort != OS_XMORT_AUTO;
    d->x_declared[1] = o->x_ent != OS_XENT_AUTO;
    if ((rc = os_demog_table_read(&d->pop, o->population_file, err)) ||
        (rc = os_demog_table_check(&d->pop, OS_TABLE_POPULATION, err)) ||
        (rc = os_demog_table_read(&d->mx, o->mortality_file, err)) ||
        (rc = os_demog_table_check(&d->mx, OS_TABLE_MORTALITY, err)) ||
        (resolve_extrapolation(d), 0) ||
        (rc = check_population(d, err)) ||
        (end > 0 && (rc = os_demog_table_covers(&d->pop, OS_TABLE_POPULATION, o->start_year, end,
                                                d->o.x_ent != OS_XENT_AUTO, err))) ||
        (end > 0 && (rc = os_demog_table_covers(&d->mx, OS_TABLE_MORTALITY, o->start_year, end,
                                                d->o.x_mort != OS_XMORT_AUTO, err))) ||
        (rc = build_splines(d, err)) || (rc = fit_mx_trend(d, err)) ||
        (rc = fit_entrant_trend(d, err)) || (rc = allocate_base(d, err))) {
        os_demog_free(d);
        return rc;
    }
    for (int s = 0; s < 2; s++)
        d->open_mx[s] = os_demog_mx(d, s, OS_DEMOG_MAX_AGE, o->start_year + 0.5);
    *out = d;
    return OS_OK;
}

/* ---- module hooks ---- */

#define UNBOUNDED 1.0, 0.0

static const os_param_spec params[] = {
    {"demography.label", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, NULL,
     "population and source, for reports (e.g. China, UN WPP 2024 medium variant)"},
    {"demography.population_file", OS_P_PATH, NULL, UNBOUNDED, 1, NULL, NULL,
     "persons at 1 July by year, sex and age group (CSV year,sex,age,value; docs/demography.md)"},
    {"demography.mortality_file", OS_P_PATH, NULL, UNBOUNDED, 1, NULL, NULL,
     "central death rates by period start year, sex and age group (CSV year,sex,age,value)"},
    {"demography.migration_file", OS_P_PATH, NULL, UNBOUNDED, 0, NULL, NULL,
     "optional: net migrants by period start year, sex and age group over each period (CSV "
     "year,sex,age,value; negative: net emigration); none: no migration at ages 50+"},
    {"demography.scale", OS_P_INT, "1", 0, 1, 0, "0", NULL,
     "0: run.agents agents represent the population; 1: one agent per person"},
    {"demography.age_split", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, "steffen|uniform",
     "single ages within 5-year groups: monotone spline of the cumulative population, or uniform"},
    {"demography.mortality_age", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, "loglinear|step",
     "death rate between age-group midpoints: log-linear, or constant within each group"},
    {"demography.mortality_time", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, "linear|step",
     "death rate between period midpoints: log-linear in time, or constant within each period"},
    {"demography.extrapolation.mortality", OS_P_STRING, NULL, UNBOUNDED, 0, "auto",
     "auto|hold|loglinear",
     "death rates past the tables: hold the last period's, or continue each sex and age group's "
     "log-linear trend (Lee-Carter style); auto: loglinear when run.end_year passes the tables"},
    {"demography.extrapolation.entrants", OS_P_STRING, NULL, UNBOUNDED, 0, "auto", "auto|stop|trend",
     "new 50-year-olds after the last population table year: none, or the last year's continued "
     "along the log-linear trend of the last trend_years years; auto: trend past the tables"},
    {"demography.extrapolation.trend_years", OS_P_INT, "year", 2, 100, 0, "20", NULL,
     "years before the end of the tables the mortality and entrant trends are fitted over"},
    {"demography.base_ages", OS_P_INT_LIST, "year", OS_DEMOG_ENTRY_AGE, OS_DEMOG_MAX_AGE, 0, NULL, NULL,
     "[first, last] years of age (inclusive) of the start-year population; default every age from 50 "
     "the tables hold (e.g. [50, 50] with run.mode cohort: the persons aged 50 followed to death)"},
    {"demography.extrapolation.max_improvement", OS_P_REAL, "1/yr", 0.0001, 0.2, 0, "0.03", NULL,
     "largest yearly decline of log mx past the tables (a rising trend is held)"},
};

/* Where KEY was declared, or NULL when its default applies. */
static const char *declared(const os_cfg *cfg, const char *key)
{
    const char *o = os_cfg_has(cfg, key) ? os_cfg_origin(cfg, key) : NULL;
    return o && strcmp(o, "(default)") != 0 ? o : NULL;
}

/* The keys as written; the choices are in the order of the os_demog_*
 * enums (demography.h). */
typedef struct demog_par {
    const char *population_file, *mortality_file, *migration_file, *label;
    long agents;
    int scale, split, mx_age, mx_time, x_mort, x_ent, trend_years;
    double max_improvement;
} demog_par;

#define DP(key, member, type) OS_FIELD(key, demog_par, member, type)
static const os_field demog_fields[] = {
    DP("demography.population_file", population_file, OS_F_PATH),
    DP("demography.mortality_file", mortality_file, OS_F_PATH),
    DP("demography.migration_file", migration_file, OS_F_PATH),
    DP("demography.label", label, OS_F_STR), DP("run.agents", agents, OS_F_LONG),
    DP("demography.scale", scale, OS_F_INT), DP("demography.age_split", split, OS_F_CHOICE),
    DP("demography.mortality_age", mx_age, OS_F_CHOICE),
    DP("demography.mortality_time", mx_time, OS_F_CHOICE),
    DP("demography.extrapolation.mortality", x_mort, OS_F_CHOICE),
    DP("demography.extrapolation.entrants", x_ent, OS_F_CHOICE),
    DP("demography.extrapolation.trend_years", trend_years, OS_F_INT),
    DP("demography.extrapolation.max_improvement", max_improvement, OS_F_REAL),
};
#undef DP

/* demography.base_ages into O (both 0 when not set). */
static int read_base_ages(const os_cfg *cfg, os_demog_opts *o, os_err *err)
{
    const long *v;
    if (!os_cfg_has(cfg, "demography.base_ages")) return OS_OK;
    size_t n = os_cfg_int_list(cfg, "demography.base_ages", &v);
    if (n != 2 || v[0] > v[1])
        return os_fail(err, OS_ECONFIG, "%s: demography.base_ages: give [first, last] years of age "
                       "with first <= last", os_cfg_origin(cfg, "demography.base_ages"));
    o->base_lo = (int)v[0];
    o->base_hi = (int)v[1];
    return OS_OK;
}

static int demog_init(os_model *m, void **state, os_err *err)
{
    const os_cfg *cfg = m->cfg;
    demog_par p;
    if (os_cfg_read(cfg, NULL, demog_fields, sizeof demog_fields / sizeof demog_fields[0], &p, err))
        return OS_ECONFIG;
    os_demog_opts o = {
        .population_file = p.population_file,
        .mortality_file = p.mortality_file,
        .label = p.label,
        .start_year = m->start_year,
        .agents = (uint64_t)p.agents,
        .agents_origin = os_cfg_origin(cfg, "run.agents"),
        .scale = p.scale,
        .split = (os_demog_split)p.split,
        .mx_age = (os_demog_mxage)p.mx_age,
        .mx_time = (os_demog_mxtime)p.mx_time,
        .end_year = m->end_year,
        .x_mort = (os_demog_xmort)p.x_mort,
        .x_ent = (os_demog_xent)p.x_ent,
        .trend_years = p.trend_years,
        .max_improvement = p.max_improvement,
        .x_mort_origin = declared(cfg, "demography.extrapolation.mortality"),
        .x_ent_origin = declared(cfg, "demography.extrapolation.entrants"),
    };
    /* A closed cohort never takes entrants: no table need reach the end
     * for them. */
    if (m->closed && o.x_ent == OS_XENT_AUTO) o.x_ent = OS_XENT_STOP;
    os_demog *d;
    int rc = read_base_ages(cfg, &o, err);
    if (!rc) rc = os_demog_create(&d, &o, err);
    if (rc) return rc;
    if ((rc = os_demog_load_migration(d, p.migration_file, err))) {
        os_demog_free(d);
        return rc;
    }
    d->hr_col = os_model_add_column(m, "demography", "mortality_hr", OS_COL_F32, "1",
                                  "hazard ratio on the background death rate this year "
                                  "(product of the modules' ratios; reset at each census)",
                                  OS_COL_CARRY, err);
    if (d->hr_col < 0) {
        os_demog_free(d);
        return OS_ERUN;
    }
    *state = d;
    return OS_OK;
}

static int demog_entrants(os_model *m, void *state, int year, size_t *n, os_err *err)
{
    os_demog *d = state;
    d->pending_base = year == m->start_year;
    if (d->pending_base) {
        *n = (size_t)d->nagents;
        return OS_OK;
    }
    if (os_demog_entrant_counts(d, m->seed, year, d->pending_n, err)) return OS_ECONFIG;
    *n = (size_t)(d->pending_n[0] + d->pending_n[1]);
    /* Immigrants after the 50-year-olds, so that without a migration table
     * every id is as it was. */
    if (d->mig_ng) os_demog_migrant_counts(d, m->seed, year, d->pending_mig);
    for (int k = 0; k < 2 * d->mig_ng; k++) *n += (size_t)d->pending_mig[k];
    return OS_OK;
}

/* Immigrant RANK of the block (after the 50-year-olds): cells in the order
 * (sex, group), each stratified over the ages of its group, which is what
 * the census after their arrival finds them in.  Every other module then
 * draws their traits, bone, muscle and fracture history as for anyone of
 * that age (init_agents, fractures' entry history). */
static void immigrant(const os_demog *d, uint64_t rank, uint8_t *sex, float *age)
{
    int k = 0;
    while (k + 1 < 2 * d->mig_ng && rank >= d->pending_mig[k]) rank -= d->pending_mig[k++];
    double a0, w;
    os_demog_migr_ages(d, k % d->mig_ng, &a0, &w);
    *sex = (uint8_t)(k / d->mig_ng);
    *age = (float)(a0 + w * ((double)rank + 0.5) / (double)d->pending_mig[k]);
    if (*age >= (float)(a0 + w)) *age = nextafterf((float)(a0 + w), 0.0f);
}

/* Rank within the cohort = id - the cohort's first id, whichever part of
 * the cohort this process holds. */
static void demog_init_agents(os_model *m, void *state, os_chunk *c)
{
    os_demog *d = state;
    uint32_t first_id = m->first_new_id;
    float *hr = os_chunk_f32(m, c, d->hr_col);
    for (size_t i = 0; i < c->n; i++) {
        uint64_t rank = (uint32_t)(c->id[i] - first_id);
        if (d->pending_base) {
            os_demog_base_agent(d, rank, &c->sex[i], &c->age[i], &c->weight[i]);
        } else if (rank >= d->pending_n[0] + d->pending_n[1]) {
            immigrant(d, rank - d->pending_n[0] - d->pending_n[1], &c->sex[i], &c->age[i]);
            c->weight[i] = d->entrant_weight;
        } else {
            int s = rank >= d->pending_n[0];
            uint64_t k = s ? rank - d->pending_n[0] : rank;
            c->sex[i] = (uint8_t)s;
            /* Stratified within the year of age [50, 51). */
            c->age[i] = (float)(OS_DEMOG_ENTRY_AGE + ((double)k + 0.5) / (double)d->pending_n[s]);
            c->weight[i] = d->entrant_weight;
        }
        hr[i] = 1.0f;
    }
}

static void demog_census(os_model *m, void *state, os_chunk *c)
{
    os_demog *d = state;
    float *hr = os_chunk_f32(m, c, d->hr_col);
    for (size_t i = 0; i < c->n; i++) hr[i] = 1.0f;
}

/* ---- /demography output ---- */

static int attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(t, strlen(value) + 1);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int bad = a < 0 || H5Awrite(a, t, value) < 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return bad;
}

static int dset(hid_t g, const char *name, hid_t mem, hid_t file_t, size_t n,
                const void *data, const char *units, const char *desc)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t ds = H5Dcreate2(g, name, file_t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = ds < 0 || H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ||
              attr_str(ds, "units", units) || attr_str(ds, "description", desc);
    if (ds >= 0) H5Dclose(ds);
    H5Sclose(sp);
    return bad;
}

/* One table as columns year, sex, age, value. */
static int write_table(hid_t parent, const char *name, const os_demog_table *t,
                       const char *units, const char *desc)
{
    size_t n = (size_t)t->ny * 2 * (size_t)t->na, k = 0;
    int32_t *y = malloc(n * sizeof *y), *s = malloc(n * sizeof *s), *a = malloc(n * sizeof *a);
    hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = !y || !s || !a || g < 0;
    for (int yi = 0; !bad && yi < t->ny; yi++)
        for (int sx = 0; sx < 2; sx++)
            for (int ai = 0; ai < t->na; ai++, k++) {
                y[k] = t->years[yi];
                s[k] = sx;
                a[k] = t->ages[ai];
            }
    bad = bad || attr_str(g, "source_file", t->path) || attr_str(g, "description", desc) ||
          dset(g, "year", H5T_NATIVE_INT32, H5T_STD_I32LE, n, y, "year", "table year") ||
          dset(g, "sex", H5T_NATIVE_INT32, H5T_STD_I32LE, n, s, "1", "0 = female, 1 = male") ||
          dset(g, "age", H5T_NATIVE_INT32, H5T_STD_I32LE, n, a, "year",
               "first age of the group; the last group is open") ||
          dset(g, "value", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, t->v, units, desc);
    if (g >= 0) H5Gclose(g);
    free(y); free(s); free(a);
    return bad;
}

static int attr_int(hid_t obj, const char *name, int value)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int bad = a < 0 || H5Awrite(a, H5T_NATIVE_INT, &value) < 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return bad;
}

/* The horizon: last table year, the extrapolation and where it was chosen,
 * and the description of /summary/year (sim/h5out.c reads it). */
static int write_extrapolation(const os_demog *d, hid_t g)
{
    char how[192], src[96], year[400];
    os_demog_extrapolation(d, how, sizeof how);
    if (!os_demog_extrapolates(d)) snprintf(how, sizeof how, "none: the run ends within the tables");
    /* Declared (not auto) or not, not where: a resumed run reads its
     * configuration from the checkpoint (/parameters has the origins). */
    snprintf(src, sizeof src, "mortality: %s; entrants: %s",
             d->x_declared[0] ? "declared" : "default", d->x_declared[1] ? "declared" : "default");
    if (os_demog_extrapolates(d))
        snprintf(year, sizeof year, "simulated year; years after %d are extrapolated (%s)",
                 d->last_year, how);
    else
        snprintf(year, sizeof year, "simulated year");
    const char *xm = d->o.x_mort == OS_XMORT_LOGLINEAR ? "loglinear"
                     : d->o.x_mort == OS_XMORT_HOLD ? "hold" : "none (the run ends within the tables)";
    const char *xe = d->o.x_ent == OS_XENT_TREND ? "trend"
                     : d->o.x_ent == OS_XENT_STOP ? "stop" : "none (the run ends within the tables)";
    return attr_int(g, "last_table_year", d->last_year) ||
           attr_str(g, "extrapolation_mortality", xm) || attr_str(g, "extrapolation_entrants", xe) ||
           attr_str(g, "extrapolation", how) || attr_str(g, "extrapolation_source", src) ||
           attr_int(g, "extrapolation_trend_years", d->o.trend_years) ||
           attr_str(g, "summary_year_description", year);
}

static int demog_write_output(os_model *m, void *state, hid_t file, os_err *err)
{
    (void)m;
    os_demog *d = state;
    const os_demog_table *p = &d->pop;
    hid_t g = H5Gcreate2(file, "demography", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "cannot create /demography");
    size_t n = (size_t)p->ny * 2;
    int32_t *y = malloc(n * sizeof *y), *s = malloc(n * sizeof *s);
    double *v = calloc(n, sizeof *v);
    int bad = !y || !s || !v;
    for (int yi = 0; !bad && yi < p->ny; yi++)
        for (int sx = 0; sx < 2; sx++) {
            size_t k = (size_t)yi * 2 + (size_t)sx;
            y[k] = p->years[yi];
            s[k] = sx;
            for (int ai = 0; ai < p->na; ai++)
                if (p->ages[ai] >= OS_DEMOG_ENTRY_AGE) v[k] += os_demog_table_at(p, yi, sx, ai);
        }
    hid_t tg = bad ? -1 : H5Gcreate2(g, "projected", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    char w[32];
    snprintf(w, sizeof w, "%u", d->entrant_weight);
    bad = bad || tg < 0 || attr_str(g, "label", d->label) || attr_str(g, "entrant_weight", w) ||
          attr_str(g, "methods", "single ages: Steffen spline of cumulative population (or uniform); "
                   "open group: density exp(-mx (x - a)); entrants: log-linear cohort interpolation; "
                   "mx: see demography.mortality_age and demography.mortality_time; docs/demography.md") ||
          write_extrapolation(d, g) ||
          write_table(g, "population", p, "persons", "population at 1 July of year by sex and age group") ||
          write_table(g, "mortality", &d->mx, "1/yr",
                      "central death rate mx for the period starting in year, by sex and age group") ||
          (d->mig_ng && write_table(g, "migration", &d->mig, "persons",
                                    "net migrants over the period starting in year, by sex and age "
                                    "group (negative: net emigration)")) ||
          attr_str(tg, "description", "projected persons aged 50+ at 1 July from the population table") ||
          dset(tg, "year", H5T_NATIVE_INT32, H5T_STD_I32LE, n, y, "year", "table year") ||
          dset(tg, "sex", H5T_NATIVE_INT32, H5T_STD_I32LE, n, s, "1", "0 = female, 1 = male") ||
          dset(tg, "population_50plus", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, v, "persons",
               "projected persons aged 50+ at 1 July (table)");
    if (tg >= 0) H5Gclose(tg);
    H5Gclose(g);
    free(y); free(s); free(v);
    return bad ? os_fail(err, OS_ERUN, "cannot write /demography") : OS_OK;
}

/* What the run will hold, for the memory check before any agent exists. */
static int demog_check(os_model *m, void *state, os_plan *plan, os_err *err)
{
    os_demog *d = state;
    if (m->is_reference && os_demog_extrapolates(d) && os_par_rank() == 0) {
        char how[192];
        fprintf(stderr, "osteosim: note: run.end_year %d passes the last table year %d: years after "
                "it are extrapolated (%s)%s\n", m->end_year, d->last_year,
                os_demog_extrapolation(d, how, sizeof how),
                d->x_declared[0] && d->x_declared[1] ? ""
                : "; defaults for what demography.extrapolation.* does not declare");
    }
    plan->start_agents = d->nagents;
    if (d->o.scale)
        snprintf(plan->agents_hint, sizeof plan->agents_hint, "demography.scale 0 and run.agents");
    return os_demog_peak_agents(d, m->closed ? m->start_year : m->end_year, &plan->peak_agents,
                                &plan->peak_fixed, err);
}

static void demog_destroy(void *state) { os_demog_free(state); }

const os_module os_mod_demography = {
    .name = "demography",
    .params = params,
    .nparams = sizeof params / sizeof params[0],
    .init = demog_init,
    .init_agents = demog_init_agents,
    .census = demog_census,
    .entrants = demog_entrants,
    .write_output = demog_write_output,
    .check = demog_check,
    .destroy = demog_destroy,
};
