/* res_psa.c - probabilistic sensitivity analysis (res_psa.h). */
#include "res_psa.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "engine.h"
#include "h5out.h"
#include "par.h"
#include "rng.h"
#include "model_roles.h"
#include "psa_posterior.h"
#include "res_ceaf.h"
#include "res_evppi.h"
#include "res_psa_targets.h"

#define NT OS_MAX_SUMMARY_COLS
#define GRID 61

/* ---- drawing parameters ---- */

/* The parameters a draw sets: those with a distribution, and those of the
 * posterior (which may have none), in declaration order. */
typedef struct uncertain {
    const os_cfg *cfg;
    const os_posterior *post;
    const os_param_spec **specs;
    int n, cap;
} uncertain;

static void collect(void *ctx, const os_param_spec *spec, int present, int used)
{
    (void)used;
    uncertain *u = ctx;
    if (!present || spec->type != OS_P_REAL) return;
    os_dist d = os_cfg_dist(u->cfg, spec->key);
    if ((d.type == OS_DIST_NONE || d.type == OS_DIST_FIXED) && os_posterior_find(u->post, spec->key) < 0) return;
    if (u->n == u->cap) {
        int cap = u->cap ? 2 * u->cap : 64;
        const os_param_spec **s = realloc(u->specs, (size_t)cap * sizeof *s);
        if (!s) return;
        u->specs = s;
        u->cap = cap;
    }
    u->specs[u->n++] = spec;
}

static double draw(gsl_rng *g, os_dist d)
{
    const double *p = d.p;
    switch (d.type) {
    case OS_DIST_NORMAL: return p[0] + gsl_ran_gaussian(g, p[1]);
    case OS_DIST_LOGNORMAL: return gsl_ran_lognormal(g, p[0], p[1]);
    case OS_DIST_GAMMA: return gsl_ran_gamma(g, p[0], p[1]);
    case OS_DIST_BETA: return gsl_ran_beta(g, p[0], p[1]);
    case OS_DIST_UNIFORM: return gsl_ran_flat(g, p[0], p[1]);
    case OS_DIST_TRIANGULAR: {
        double u = gsl_rng_uniform(g), a = p[0], c = p[1], b = p[2];
        double fc = (c - a) / (b - a);
        return u < fc ? a + sqrt(u * (b - a) * (c - a)) : b - sqrt((1 - u) * (b - a) * (b - c));
    }
    default: return p[0];
    }
}

int os_psa_apply(os_cfg *cfg, int k, const os_posterior *post, os_psa *psa, int row, os_err *err)
{
    uncertain u = {cfg, post, NULL, 0, 0};
    os_cfg_visit(cfg, collect, &u);
    if (psa && psa->nparams != u.n) {
        free(u.specs);
        return os_fail(err, OS_ERUN, "psa: draws of different parameter sets");
    }
    gsl_rng *g = os_rng_gsl_alloc();
    if (!g) {
        free(u.specs);
        return os_fail(err, OS_ERUN, "out of memory");
    }
    uint64_t seed = (uint64_t)os_cfg_int(cfg, "run.seed");
    uint32_t purpose = os_rng_purpose("psa.draw");
    size_t particle = post ? os_posterior_pick(post, seed, k) : 0;
    int rc = OS_OK;
    for (int i = 0; i < u.n && !rc; i++) {
        const os_param_spec *s = u.specs[i];
        int j = os_posterior_find(post, s->key);
        double v;
        if (j >= 0) {
            /* jointly, from one particle: no clamping (a value outside
             * the valid range is an error of the file) */
            v = post->samples[particle * post->p + (size_t)j];
        } else {
            os_rng_gsl_reset(g, seed, os_rng_purpose(s->key), (uint32_t)k, purpose);
            v = draw(g, os_cfg_dist(cfg, s->key));
            if (s->min <= s->max) v = v < s->min ? s->min : (v > s->max ? s->max : v);
        }
        if (psa) psa->values[(size_t)row * (size_t)u.n + (size_t)i] = v;
        rc = os_cfg_set_real(cfg, s->key, v, err);
        if (rc && j >= 0) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            rc = os_fail(err, OS_ECONFIG, "%s: /posterior/samples: particle %zu: %s", post->path, particle, why);
        }
    }
    gsl_rng_free(g);
    free(u.specs);
    return rc;
}

/* ---- running draws ---- */

static int alloc_rows(os_psa *p, const os_cfg *cfg, const os_posterior *post, int rows, os_err *err)
{
    os_arms arms;
    os_engine_arms(cfg, &arms);
    memset(p, 0, sizeof *p);
    p->ndraws = rows;
    p->narms = arms.n;
    uncertain u = {cfg, post, NULL, 0, 0};
    os_cfg_visit(cfg, collect, &u);
    free(u.specs);
    p->draw = calloc((size_t)rows, sizeof *p->draw);
    p->values = calloc((size_t)rows * (size_t)(u.n + 1), sizeof *p->values);
    p->tot = calloc((size_t)rows * (size_t)arms.n * NT, sizeof *p->tot);
    p->cost = calloc((size_t)rows * (size_t)arms.n, sizeof *p->cost);
    p->effect = calloc((size_t)rows * (size_t)arms.n, sizeof *p->effect);
    p->population0 = calloc((size_t)rows, sizeof *p->population0);
    if (!p->draw || !p->values || !p->tot || !p->cost || !p->effect || !p->population0) {
        os_psa_free(p);
        return os_fail(err, OS_ERUN, "out of memory (psa)");
    }
    if (os_psa_targets_alloc(&p->targets, cfg, rows, err)) {
        os_psa_free(p);
        return err->code ? err->code : OS_ERUN;
    }
    return OS_OK;
}

/* The names of the parameters drawn (those of CFG). */
static int alloc_names(os_psa *p, const os_cfg *cfg, const os_posterior *post, os_err *err)
{
    uncertain u = {cfg, post, NULL, 0, 0};
    os_cfg_visit(cfg, collect, &u);
    p->nparams = u.n;
    p->names = calloc((size_t)u.n + 1, sizeof *p->names);
    for (int i = 0; p->names && i < u.n; i++) p->names[i] = strdup(u.specs[i]->key);
    free(u.specs);
    return p->names ? OS_OK : os_fail(err, OS_ERUN, "out of memory (psa)");
}

static void record(os_psa *p, int row, int k, const os_summary *s)
{
    p->draw[row] = k;
    size_t at = (size_t)row * (size_t)p->narms;
    os_cea_totals(s, p->narms, (double (*)[NT])(p->tot + at * NT), &p->population0[row]);
    for (int a = 0; a < p->narms; a++) {
        const double *t = p->tot + (at + (size_t)a) * NT;
        p->cost[at + (size_t)a] = os_roles_measure(s->cols, s->ncols, t, OS_ROLE_COST);
        p->effect[at + (size_t)a] = os_roles_measure(s->cols, s->ncols, t, OS_ROLE_UTILITY);
    }
    os_psa_targets_record(p->targets, row, s);
    if (p->ncols == 0) {
        p->ncols = s->ncols;
        memcpy(p->cols, s->cols, sizeof p->cols);
        p->wtp = s->wtp;
    }
}

int os_psa_run(const os_cfg *cfg, const os_phases *ph, const os_posterior *post, int first, int count,
               int nthreads, os_psa *psa, os_err *err)
{
    if (alloc_rows(psa, cfg, post, count, err)) return err->code ? err->code : OS_ERUN;
    char *text = os_cfg_dump(cfg);
    if (!text) return os_fail(err, OS_ERUN, "out of memory");
    /* Under MPI each rank runs whole draws (row r on rank r mod K), alone;
     * the rows are then gathered, so every rank holds the same table. */
    int rc = OS_OK, rank = os_par_rank(), size = os_par_size();
    if (alloc_names(psa, cfg, post, err)) rc = OS_ERUN;
    for (int row = 0; row < count && !rc; row++) {
        if (row % size != rank) continue;
        os_cfg *ck = NULL;
        os_summary s = {0};
        os_run_opts opts = {0};
        opts.nthreads = nthreads;
        opts.quiet = 1;
        opts.calendar_only = 1;  /* /psa compares the calendar horizon */
        rc = os_cfg_load_string(&ck, text, "(psa draw)", NULL, NULL, 0, err);
        if (!rc) rc = os_engine_validate(ck, ph, err);
        if (!rc) rc = os_psa_apply(ck, first + row, post, psa, row, err);
        os_par_local_begin();
        if (!rc) rc = os_engine_run(ck, ph, &opts, &s, NULL, err);
        os_par_local_end();
        if (!rc) record(psa, row, first + row, &s);
        os_summary_free(&s);
        os_cfg_free(ck);
    }
    free(text);
    if (os_par_max_int(rc != OS_OK) && !rc) rc = os_fail(err, OS_ERUN, "psa: a draw failed on another process");
    if (!rc) {
        for (int row = 0; row < count; row++) psa->draw[row] = first + row;
        os_par_sum_f64(psa->values, (size_t)count * (size_t)psa->nparams);
        os_par_sum_f64(psa->tot, (size_t)count * (size_t)psa->narms * NT);
        os_par_sum_f64(psa->cost, (size_t)count * (size_t)psa->narms);
        os_par_sum_f64(psa->effect, (size_t)count * (size_t)psa->narms);
        os_par_sum_f64(psa->population0, (size_t)count);
        os_psa_targets_gather(psa->targets);
        /* Row 0 ran on rank 0: its columns and thresholds, for the writers
         * every rank runs (sim/h5out.c). */
        os_par_bcast(&psa->ncols, sizeof psa->ncols, 0);
        os_par_bcast(psa->cols, sizeof psa->cols, 0);
        os_par_bcast(&psa->wtp, sizeof psa->wtp, 0);
    }
    if (rc) os_psa_free(psa);
    return rc;
}

int os_psa_single(const os_cfg *cfg, int k, const struct os_posterior *post, const os_summary *s, os_psa *psa,
                  os_err *err)
{
    if (alloc_rows(psa, cfg, post, 1, err)) return err->code ? err->code : OS_ERUN;
    /* The values drawn are those now in CFG (os_psa_apply ran before the
     * run): read them back in the same order. */
    if (alloc_names(psa, cfg, post, err)) {
        os_psa_free(psa);
        return OS_ERUN;
    }
    for (int i = 0; i < psa->nparams; i++) psa->values[i] = os_cfg_real(cfg, psa->names[i]);
    record(psa, 0, k, s);
    return OS_OK;
}

void os_psa_free(os_psa *p)
{
    for (int i = 0; p->names && i < p->nparams; i++) free(p->names[i]);
    free(p->names);
    free(p->draw);
    free(p->values);
    free(p->tot);
    free(p->cost);
    free(p->effect);
    free(p->population0);
    os_psa_targets_free(p->targets);
    memset(p, 0, sizeof *p);
}

/* ---- acceptability and value of information ---- */

static double nmb(const os_psa *p, int row, int arm, double wtp)
{
    size_t k = (size_t)row * (size_t)p->narms + (size_t)arm;
    return wtp * p->effect[k] - p->cost[k];
}

double os_psa_ceac(const os_psa *p, double wtp, double *prob)
{
    double mean[OS_MAX_ARMS] = {0}, best_sum = 0;
    for (int a = 0; a < p->narms; a++) prob[a] = 0;
    for (int r = 0; r < p->ndraws; r++) {
        int best = 0;
        for (int a = 0; a < p->narms; a++) {
            double v = nmb(p, r, a, wtp);
            mean[a] += v;
            if (v > nmb(p, r, best, wtp)) best = a;
        }
        prob[best] += 1.0;
        best_sum += nmb(p, r, best, wtp);
    }
    if (p->ndraws == 0) return 0;
    double best_mean = mean[0];
    for (int a = 0; a < p->narms; a++) {
        prob[a] /= p->ndraws;
        if (mean[a] > best_mean) best_mean = mean[a];
    }
    return best_sum / p->ndraws - best_mean / p->ndraws;
}

static void grid_of(const os_wtp *w, double *grid)
{
    double top = 0;
    for (int i = 0; i < w->n; i++) top = w->value[i] > top ? w->value[i] : top;
    if (top <= 0) top = 300000;   /* no GDP given: a grid in currency units */
    for (int i = 0; i < GRID; i++) grid[i] = 2.0 * top * i / (GRID - 1);
}

static int put(hid_t g, const char *name, const double *v, size_t n, const char *units, const char *desc,
               os_err *err)
{
    return os_h5_write_1d(g, name, H5T_NATIVE_DOUBLE, v, n, units, desc, 0, err);
}

/* Every group holds 1-D columns of one length (a table, as `osteosim
 * export` reads them): /psa one row per (draw, arm); /psa/parameters one
 * per draw; /psa/ceac one per (threshold, arm); /psa/evpi one per threshold. */

/* Currency, effect units and their ratio (the thresholds' units). */
typedef struct words {
    const char *money, *effect_units;
    char per_effect[112];
} words;

/* /psa rows: draw, arm, the totals by role and the increments compared on. */
static int put_rows(hid_t g, const os_psa *p, int ref, const words *w, os_err *err)
{
    size_t n = (size_t)p->ndraws, na = (size_t)p->narms, rows = n * na;
    int32_t *ri = malloc((rows ? rows : 1) * 2 * sizeof *ri);
    double *col = malloc((rows + 1) * sizeof *col);
    int rc = ri && col ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    for (size_t r = 0; !rc && r < rows; r++) {
        ri[r] = p->draw[r / na];
        ri[rows + r] = (int32_t)(r % na);
    }
    if (!rc) rc = os_h5_write_1d(g, "draw", H5T_NATIVE_INT32, ri, rows, "1", "draw number k", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, ri + rows, rows, "1", "arm index (arms attribute)",
                                 0, err);
    int idx[OS_MAX_SUMMARY_COLS], nt = os_roles_totals(p->cols, p->ncols, idx);
    for (int i = 0; i < nt && !rc; i++) {
        for (size_t r = 0; r < rows; r++) col[r] = p->tot[r * NT + (size_t)idx[i]];
        char desc[160];
        snprintf(desc, sizeof desc, "total of /summary/%s over all years, this draw and arm", p->cols[idx[i]].name);
        rc = put(g, p->cols[idx[i]].name, col, rows, "", desc, err);
    }
    const double *inc[2] = {p->cost, p->effect};
    const os_summary_col *main[2] = {os_roles_main(p->cols, p->ncols, OS_ROLE_COST),
                                     os_roles_main(p->cols, p->ncols, OS_ROLE_UTILITY)};
    static const char *const dflt[2] = {"cost", "effect"};
    for (int k = 0; k < 2 && !rc; k++) {
        for (size_t r = 0; r < rows; r++) col[r] = inc[k][r] - inc[k][(r / na) * na + (size_t)ref];
        char name[64];
        snprintf(name, sizeof name, "incremental_%s", main[k] && main[k]->label[0] ? main[k]->label : dflt[k]);
        rc = put(g, name, col, rows, k ? w->effect_units : w->money,
                 "discounted, against the reference arm of the same draw", err);
    }
    free(col);
    free(ri);
    return rc;
}

static int put_parameters(hid_t g, const os_cfg *cfg, const os_psa *p, os_err *err)
{
    size_t n = (size_t)p->ndraws;
    hid_t sub = H5Gcreate2(g, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (sub < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /psa/parameters");
    double *col = malloc((n + 1) * sizeof *col);
    int rc = col ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    if (!rc) rc = os_h5_write_1d(sub, "draw", H5T_NATIVE_INT32, p->draw, n, "1", "draw number k", 0, err);
    for (int i = 0; i < p->nparams && !rc; i++) {
        for (size_t r = 0; r < n; r++) col[r] = p->values[r * (size_t)p->nparams + (size_t)i];
        rc = put(sub, p->names[i], col, n, os_cfg_unit(cfg, p->names[i]), "drawn value", err);
    }
    free(col);
    H5Gclose(sub);
    return rc;
}

/* /psa/ceac and /psa/evpi over a grid of thresholds. */
static int put_ceac(hid_t g, const os_psa *p, const words *w, os_err *err)
{
    size_t n = (size_t)p->ndraws, na = (size_t)p->narms;
    double grid[GRID], ceac[GRID * OS_MAX_ARMS], gw[GRID * OS_MAX_ARMS], evpi[GRID], evpi_pp[GRID], pop = 0;
    int32_t ga[GRID * OS_MAX_ARMS];
    for (size_t r = 0; r < n; r++) pop += p->population0[r] / (double)n;
    grid_of(&p->wtp, grid);
    for (int i = 0; i < GRID; i++) {
        evpi[i] = os_psa_ceac(p, grid[i], &ceac[i * (int)na]);
        evpi_pp[i] = pop > 0 ? evpi[i] / pop : 0;
        for (size_t a = 0; a < na; a++) {
            gw[(size_t)i * na + a] = grid[i];
            ga[(size_t)i * na + a] = (int32_t)a;
        }
    }
    hid_t sub = H5Gcreate2(g, "ceac", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (sub < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /psa/ceac");
    int rc = put(sub, "wtp", gw, GRID * na, w->per_effect, "willingness-to-pay threshold", err);
    if (!rc) rc = os_h5_write_1d(sub, "arm", H5T_NATIVE_INT32, ga, GRID * na, "1", "arm index", 0, err);
    if (!rc) rc = put(sub, "probability", ceac, GRID * na, "1",
                      "share of draws in which the arm has the highest net monetary benefit", err);
    H5Gclose(sub);
    sub = rc ? -1 : H5Gcreate2(g, "evpi", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!rc && sub < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /psa/evpi");
    if (!rc) rc = put(sub, "wtp", grid, GRID, w->per_effect, "willingness-to-pay threshold", err);
    if (!rc) rc = put(sub, "evpi_population", evpi, GRID, w->money,
                      "expected value of perfect information, whole population over the run", err);
    if (!rc) rc = put(sub, "evpi_per_person", evpi_pp, GRID, w->money,
                      "evpi_population per person aged 50+ at the start year", err);
    if (sub >= 0) H5Gclose(sub);
    return rc;
}

/* /psa/ceaf, /psa/expected_loss, /psa/summary (res_ceaf.h) and EVPPI
 * (res_evppi.h) over the grid of /psa/ceac. */
static int put_decisions(hid_t g, const os_cfg *cfg, const os_psa *p, int ref, const char *labels,
                         const words *w, os_err *err)
{
    double grid[GRID], pop = 0;
    grid_of(&p->wtp, grid);
    for (int r = 0; r < p->ndraws; r++) pop += p->population0[r] / p->ndraws;
    os_voi v = {p->ndraws, p->narms, p->nparams, ref, p->names, p->values, p->cost, p->effect, pop};
    int rc = os_ceaf_write(g, &v, grid, GRID, p->tot, p->cols, p->ncols, labels, err);
    if (!rc) rc = os_evppi_write(g, cfg, &v, grid, GRID, p->wtp.value, p->wtp.n, w->money, w->per_effect, err);
    return rc;
}

int os_psa_write(hid_t file, const os_cfg *cfg, const os_psa *p, os_err *err)
{
    os_arms arms;
    os_engine_arms(cfg, &arms);
    hid_t g = H5Gcreate2(file, "psa", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /psa");
    words w;
    w.money = os_roles_units(p->cols, p->ncols, OS_ROLE_COST);
    w.effect_units = os_roles_units(p->cols, p->ncols, OS_ROLE_UTILITY);
    snprintf(w.per_effect, sizeof w.per_effect, "%s/%s", w.money, w.effect_units);
    char labels[2048] = "";
    for (int a = 0; a < arms.n; a++)
        snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%s%d=%s", a ? "," : "", a,
                 arms.names[a]);
    os_h5_attr_str(g, "description",
                   "probabilistic sensitivity analysis: one row per (draw, arm) with the arm's totals over all "
                   "years; the draws' parameter values in /psa/parameters");
    os_h5_attr_str(g, "arms", labels);
    os_h5_attr_i64(g, "reference", arms.ref);
    int rc = put_rows(g, p, arms.ref, &w, err);
    if (!rc) rc = put_parameters(g, cfg, p, err);
    if (!rc) rc = put_ceac(g, p, &w, err);
    if (!rc) rc = put_decisions(g, cfg, p, arms.ref, labels, &w, err);
    if (!rc) rc = os_psa_targets_write(g, p->targets, p->draw, err);
    H5Gclose(g);
    return rc;
}

void os_psa_report(FILE *out, const os_cfg *cfg, const os_psa *p)
{
    os_arms arms;
    os_engine_arms(cfg, &arms);
    double prob[OS_MAX_ARMS], pop = 0;
    for (int r = 0; r < p->ndraws; r++) pop += p->population0[r] / p->ndraws;
    const char *money = os_roles_units(p->cols, p->ncols, OS_ROLE_COST);
    const char *effect = os_roles_units(p->cols, p->ncols, OS_ROLE_UTILITY);
    fprintf(out, "\nprobabilistic sensitivity analysis: %d draws of %d parameters\n", p->ndraws, p->nparams);
    for (int w = 0; w < p->wtp.n; w++) {
        double evpi = os_psa_ceac(p, p->wtp.value[w], prob);
        fprintf(out, "  at %.0f %s/%s: P(cost-effective)", p->wtp.value[w], money, effect);
        for (int a = 0; a < p->narms; a++) fprintf(out, " %s %.2f;", arms.names[a], prob[a]);
        fprintf(out, " EVPI %.4g %s (%.4g per person)\n", evpi, money, pop > 0 ? evpi / pop : 0.0);
    }
    os_psa_targets_report(out, p->targets);
}
