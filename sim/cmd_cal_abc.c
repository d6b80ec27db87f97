/* cmd_cal_abc.c - `osteosim calibrate --method abc-smc` (cmd_cal_abc.h). */
#include "cmd_cal_abc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>

#include "cal_posterior.h"
#include "cmd_fitted.h"
#include "engine.h"
#include "version.h"

typedef struct abc_ctx {
    const os_phases *ph;
    os_cfg *cfg;
    const os_targets *tg;
    size_t *tidx;       /* the fitted targets (weight > 0) */
    size_t nt;
    int nthreads;
} abc_ctx;

static int simulate(void *vc, uint64_t seed, long agents, const double *theta, double *x, double *se,
                    os_err *err)
{
    abc_ctx *c = vc;
    if (os_cfg_set_real(c->cfg, "run.seed", (double)seed, err) ||
        os_cfg_set_real(c->cfg, "run.agents", (double)agents, err))
        return OS_ECONFIG;
    for (size_t a = 0; a < c->tg->nfit; a++)
        if (os_cfg_set_real(c->cfg, c->tg->fit[a].key, theta[a], err)) return OS_ECONFIG;
    os_run_opts opts = {.nthreads = c->nthreads, .quiet = 1, .calendar_only = 1};
    os_summary s = {0};
    os_run_stats st;
    int rc = os_engine_run(c->cfg, c->ph, &opts, &s, &st, err);
    for (size_t i = 0; !rc && i < c->nt; i++) {
        const os_target *g = &c->tg->t[c->tidx[i]];
        rc = os_target_model_value(g, &s, &x[i], err);
        double e = rc ? NAN : os_target_mc_se(g, &s);
        se[i] = isfinite(e) ? e : 0.0;
    }
    os_run_stats_free(&st);
    os_summary_free(&s);
    return rc;
}

/* Weighted mean and sd of column J of the particles, of f(v) = log v
 * when LOG. */
static void moments(const os_abc_result *r, size_t j, int log_scale, double *mean, double *sd)
{
    double m = 0.0, q = 0.0;
    for (size_t k = 0; k < r->n; k++) {
        double v = r->samples[k * r->np + j];
        m += r->weights[k] * (log_scale ? log(v) : v);
    }
    for (size_t k = 0; k < r->n; k++) {
        double v = r->samples[k * r->np + j], d = (log_scale ? log(v) : v) - m;
        q += r->weights[k] * d * d;
    }
    *mean = m;
    *sd = sqrt(q);
}

/* Weighted quantile PR of V[0..n) with weights W. */
static double wquantile(const double *v, const double *w, size_t n, size_t stride, double pr, size_t *order,
                        double *tmp)
{
    for (size_t k = 0; k < n; k++) tmp[k] = v[k * stride];
    gsl_sort_index(order, tmp, 1, n);
    double c = 0.0;
    for (size_t k = 0; k < n; k++) {
        c += w[order[k]];
        if (c >= pr) return tmp[order[k]];
    }
    return tmp[order[n - 1]];
}

/* The posterior marginal of parameter J as a distribution of the prior's
 * family, matched to the posterior mean and sd (normal: mean, sd; lognormal:
 * those of log v; gamma and beta: method of moments); a uniform, triangular
 * or absent prior becomes a lognormal (log coordinate) or a normal. */
static os_dist posterior_dist(const os_abc_result *r, const os_cal_param *p, size_t j)
{
    os_dist d = {0};
    double m, s, lm, ls;
    moments(r, j, 0, &m, &s);
    if (p->lo > 0) moments(r, j, 1, &lm, &ls);
    else lm = ls = NAN;
    switch (p->dist.type) {
    case OS_DIST_GAMMA:
        if (m > 0 && s > 0) { d.type = OS_DIST_GAMMA; d.p[0] = m * m / (s * s); d.p[1] = s * s / m; return d; }
        break;
    case OS_DIST_BETA: {
        double k = m > 0 && m < 1 && s > 0 ? m * (1 - m) / (s * s) - 1 : -1;
        if (k > 0) { d.type = OS_DIST_BETA; d.p[0] = m * k; d.p[1] = (1 - m) * k; return d; }
        break;
    }
    case OS_DIST_NORMAL: break;
    default:
        if (p->dist.type == OS_DIST_LOGNORMAL || p->log) {
            if (ls > 0) { d.type = OS_DIST_LOGNORMAL; d.p[0] = lm; d.p[1] = ls; return d; }
        }
        break;
    }
    if (s > 0) { d.type = OS_DIST_NORMAL; d.p[0] = m; d.p[1] = s; }
    else d.type = OS_DIST_FIXED;
    return d;
}

/* Writes the parameter files: all parameters to one file, or one file per
 * targets file (the parameters each declares). */
static int write_fitted(const os_cfg *cfg, const os_targets *tg, const os_abc_result *r, const os_cal_param *par,
                        const os_cal_abc_opts *o, os_err *err)
{
    size_t n = tg->nfit;
    os_fit_param *keys = malloc(n * sizeof *keys);
    double *v = malloc(n * sizeof *v);
    os_dist *d = malloc(n * sizeof *d);
    int rc = keys && v && d ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    char date[32], header[8192], source[512];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
    double ess = r->ngens ? r->gens[r->ngens - 1].ess : 0;
    long agents = r->ngens ? r->gens[r->ngens - 1].agents : 0;
    snprintf(header, sizeof header,
             "# Written by osteosim %s calibrate on %s from the ABC-SMC posterior of\n"
             "#   osteosim %s\n"
             "# (%zu particles, %d generations%s, ESS %.0f, %ld agents in the last generation).\n"
             "# value: the posterior mean; dist: the prior's family matched to the posterior's\n"
             "# marginal mean and sd (the joint posterior, with its correlations, is in the\n"
             "# posterior file: osteosim run --posterior).  Include after the files that hold\n"
             "# these keys' original values.\n",
             OS_VERSION, date, o->command_line, r->n, r->ngens, r->converged ? "" : " (not converged)", ess,
             agents);
    snprintf(source, sizeof source,
             "posterior mean of osteosim calibrate --method abc-smc on %s; dist: matched to the posterior marginal", date);
    for (int f = 0; !rc && f < o->nfitted; f++) {
        size_t m = 0;
        for (size_t j = 0; j < n; j++) {
            if (o->nfitted > 1 && tg->fit[j].origin != f) continue;
            double mean, sd;
            moments(r, j, 0, &mean, &sd);
            keys[m] = tg->fit[j];
            v[m] = mean;
            d[m] = posterior_dist(r, &par[j], j);
            m++;
        }
        rc = os_fitted_write_values(cfg, keys, m, v, d, header, source, o->fitted[f], err);
        if (!rc) printf("wrote %s (%zu parameters)\n", o->fitted[f], m);
    }
    free(keys);
    free(v);
    free(d);
    return rc;
}

/* Fills the posterior file's record from the run. */
static int to_posterior(os_cal_posterior *p, const os_abc_result *r, const os_cal_param *par, const abc_ctx *c,
                        const double *sigma, const os_cal_abc_opts *o, os_err *err)
{
    memset(p, 0, sizeof *p);
    p->n = r->n;
    p->np = r->np;
    p->nt = r->nt;
    p->ng = (size_t)r->ngens;
    if (os_cal_posterior_alloc(p, err)) return OS_ERUN;
    int oom = 0;
    for (size_t j = 0; j < p->np; j++) {
        char t[256];
        os_cal_prior_text(&par[j], t, sizeof t);
        oom |= !(p->params[j] = strdup(par[j].key)) | !(p->prior_dist[j] = strdup(t));
        p->lo[j] = par[j].lo;
        p->hi[j] = par[j].hi;
    }
    for (size_t i = 0; i < p->nt; i++) {
        const os_target *g = &c->tg->t[c->tidx[i]];
        oom |= !(p->tnames[i] = strdup(g->name));
        p->tvalue[i] = g->value;
        p->tscale[i] = g->tolerance;
        p->tsigma[i] = sigma[i];
        p->tweight[i] = g->weight;
    }
    memcpy(p->samples, r->samples, r->n * r->np * sizeof *p->samples);
    memcpy(p->weights, r->weights, r->n * sizeof *p->weights);
    memcpy(p->achieved, r->achieved, r->n * r->nt * sizeof *p->achieved);
    memcpy(p->mc_se, r->se, r->n * r->nt * sizeof *p->mc_se);
    for (size_t g = 0; g < p->ng; g++) {
        const os_abc_gen *ge = &r->gens[g];
        p->g_eps[g] = ge->eps;
        p->g_accept[g] = ge->support;
        p->g_ess[g] = ge->ess;
        p->g_mc_ratio[g] = ge->mc_ratio;
        p->g_evals[g] = ge->evals;
        p->g_agents[g] = ge->agents;
        p->g_seed[g] = ge->seed;
    }
    oom |= !(p->method = strdup("abc-smc")) | !(p->command_line = strdup(o->command_line));
    p->seed = o->abc.seed;
    p->agents = p->ng ? p->g_agents[p->ng - 1] : 0;
    p->particles = (long long)r->n;
    p->generations = (long long)p->ng;
    p->converged = r->converged;
    p->ess = p->ng ? p->g_ess[p->ng - 1] : 0;
    p->ess_frac = o->abc.ess_frac;
    p->eps_final = o->abc.eps_final;
    p->kernel_scale = o->abc.kernel_scale;
    p->mc_ratio = o->abc.mc_ratio;
    p->scale_level = o->scale_level;
    return oom ? os_fail(err, OS_ERUN, "out of memory") : OS_OK;
}

static void print_summary(const os_abc_result *r, const os_cal_param *par, const abc_ctx *c)
{
    size_t n = r->n, *order = malloc(n * sizeof *order);
    double *tmp = malloc(n * sizeof *tmp);
    if (!order || !tmp) { free(order); free(tmp); return; }
    printf("\nposterior (%zu particles, ESS %.1f, %d generations, %ld simulations%s):\n", n,
           r->gens[r->ngens - 1].ess, r->ngens, r->evals, r->converged ? ""
           : r->stalled ? "; NOT CONVERGED: the moves stopped mixing above the final eps (raise --agents-max)"
                        : "; NOT CONVERGED: eps above its final value");
    printf("  %-44s %12s %12s %12s %12s\n", "parameter", "mean", "sd", "5 %", "95 %");
    for (size_t j = 0; j < r->np; j++) {
        double m, s;
        moments(r, j, 0, &m, &s);
        printf("  %-44s %12.6g %12.4g %12.6g %12.6g\n", par[j].key, m, s,
               wquantile(r->samples + j, r->weights, n, r->np, 0.05, order, tmp),
               wquantile(r->samples + j, r->weights, n, r->np, 0.95, order, tmp));
    }
    printf("\n  %-36s %12s %12s %12s %12s\n", "target", "observed", "scale", "model 5 %", "model 95 %");
    for (size_t i = 0; i < r->nt; i++) {
        const os_target *g = &c->tg->t[c->tidx[i]];
        printf("  %-36s %12.6g %12.4g %12.6g %12.6g\n", g->name, g->value, g->tolerance,
               wquantile(r->achieved + i, r->weights, n, r->nt, 0.05, order, tmp),
               wquantile(r->achieved + i, r->weights, n, r->nt, 0.95, order, tmp));
    }
    free(order);
    free(tmp);
}

/* What writing the posterior file needs, after any generation. */
typedef struct writer {
    os_cfg *cfg;
    const os_targets *tg;
    const os_cal_param *par;
    const abc_ctx *c;
    const double *sigma, *orig;
    double seed0, agents0;
    const os_cal_abc_opts *o;
} writer;

/* Writes the posterior file of R.  The configuration of /provenance is the
 * scenario as given (the fit parameters, seed and agents put back), after
 * runs, so that its /parameters/used lists what a run reads. */
static int write_posterior(void *vw, const os_abc_result *r, os_err *err)
{
    const writer *w = vw;
    int rc = OS_OK;
    for (size_t j = 0; !rc && j < w->tg->nfit; j++) rc = os_cfg_set_real(w->cfg, w->tg->fit[j].key, w->orig[j], err);
    if (!rc) rc = os_cfg_set_real(w->cfg, "run.seed", w->seed0, err);
    if (!rc) rc = os_cfg_set_real(w->cfg, "run.agents", w->agents0, err);
    os_cal_posterior post = {0};
    if (!rc) rc = to_posterior(&post, r, w->par, w->c, w->sigma, w->o, err);
    if (!rc) rc = os_cal_posterior_write(w->o->output, &post, w->cfg, err);
    os_cal_posterior_free(&post);
    return rc;
}

/* The --fitted files from the posterior file O->from (cmd_cal_abc.h). */
static int fitted_from_file(const os_cfg *cfg, const os_targets *tg, const os_cal_param *par,
                            const os_cal_abc_opts *o, os_err *err)
{
    os_cal_posterior pf;
    if (os_cal_posterior_read(o->from, &pf, err)) return OS_ECONFIG;
    int rc = pf.np == tg->nfit ? OS_OK
             : os_fail(err, OS_ECONFIG, "%s: %zu parameters, the targets files fit %zu", o->from, pf.np, tg->nfit);
    for (size_t j = 0; !rc && j < pf.np; j++)
        if (strcmp(pf.params[j], tg->fit[j].key))
            rc = os_fail(err, OS_ECONFIG, "%s: parameter %zu is %s, the targets files' is %s", o->from, j,
                         pf.params[j], tg->fit[j].key);
    int ng = pf.generations > 0 ? (int)pf.generations : 1;
    os_abc_gen *gens = calloc((size_t)ng, sizeof *gens);   /* the last one is read */
    if (!rc && !gens) rc = os_fail(err, OS_ERUN, "out of memory");
    if (gens) gens[ng - 1] = (os_abc_gen){.ess = pf.ess, .agents = (long)pf.agents};
    os_abc_result r = {.n = pf.n, .np = pf.np, .nt = pf.nt, .samples = pf.samples, .weights = pf.weights,
                       .achieved = pf.achieved, .se = pf.mc_se, .gens = gens, .ngens = ng,
                       .converged = (int)pf.converged};
    os_cal_abc_opts o2 = *o;
    char line[8192];
    snprintf(line, sizeof line, "%s  (fitted files: %s)", pf.command_line, o->command_line);
    o2.command_line = line;
    if (!rc) rc = write_fitted(cfg, tg, &r, par, &o2, err);
    free(gens);
    os_cal_posterior_free(&pf);
    return rc;
}

int os_cal_abc(const os_phases *ph, os_cfg *cfg, const os_targets *tg, const os_cal_abc_opts *o, os_err *err)
{
    if (o->nfitted > 1 && o->nfitted != o->ntargets_files)
        return os_fail(err, OS_ECONFIG, "--fitted: give one file, or one per --targets file (%d)", o->ntargets_files);
    abc_ctx c = {.ph = ph, .cfg = cfg, .tg = tg, .nthreads = o->nthreads};
    size_t np = tg->nfit;
    c.tidx = malloc((tg->n ? tg->n : 1) * sizeof *c.tidx);
    os_cal_param *par = calloc(np, sizeof *par);
    double *orig = malloc(np * sizeof *orig);
    double *obs = malloc((tg->n ? tg->n : 1) * sizeof *obs), *sigma = malloc((tg->n ? tg->n : 1) * sizeof *sigma);
    double *w = malloc((tg->n ? tg->n : 1) * sizeof *w);
    int rc = c.tidx && par && orig && obs && sigma && w ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    /* A target's scale is the half-width of an interval at SCALE_LEVEL: its
     * standard error is the scale over the normal quantile. */
    double z = gsl_cdf_ugaussian_Pinv(0.5 + 0.5 * o->scale_level);
    for (size_t i = 0; !rc && i < tg->n; i++) {
        if (tg->t[i].weight <= 0.0) continue;   /* validation only */
        c.tidx[c.nt] = i;
        obs[c.nt] = tg->t[i].value;
        sigma[c.nt] = tg->t[i].tolerance / z;
        w[c.nt] = tg->t[i].weight;
        c.nt++;
    }
    if (!rc && !c.nt) rc = os_fail(err, OS_ECONFIG, "%s: no fitted target (weight > 0)", tg->path);
    for (size_t j = 0; !rc && j < np; j++) {
        const os_fit_param *f = &tg->fit[j];
        os_dist d = o->prior_bounds ? (os_dist){0} : os_cfg_dist(cfg, f->key);
        orig[j] = os_cfg_real(cfg, f->key);
        rc = os_cal_param_init(&par[j], f->key, f->min, f->max, d, err);
    }
    if (!rc && o->from) {
        rc = fitted_from_file(cfg, tg, par, o, err);
        free(c.tidx); free(par); free(orig); free(obs); free(sigma); free(w);
        return rc;
    }
    double seed0 = rc ? 0 : (double)os_cfg_int(cfg, "run.seed"), agents0 = rc ? 0 : (double)os_cfg_int(cfg, "run.agents");
    os_abc_problem pb = {.np = np, .nt = c.nt, .par = par, .obs = obs, .sigma = sigma, .weight = w,
                         .eval = simulate, .ctx = &c};
    os_abc_result r = {0};
    writer wr = {cfg, tg, par, &c, sigma, orig, seed0, agents0, o};
    os_abc_settings s = o->abc;
    s.on_gen = write_posterior;   /* after every generation */
    s.on_gen_ctx = &wr;
    if (!rc) {
        printf("osteosim calibrate: abc-smc, %zu parameters, %zu fitted targets, %d particles\n", np, c.nt,
               o->abc.particles);
        fflush(stdout);
        rc = os_abc_run(&pb, &s, &r, err);
    }
    if (!rc) print_summary(&r, par, &c);
    if (!rc) printf("wrote %s\n", o->output);
    if (!rc && o->nfitted) rc = write_fitted(cfg, tg, &r, par, o, err);
    os_abc_result_free(&r);
    free(c.tidx); free(par); free(orig); free(obs); free(sigma); free(w);
    return rc;
}
