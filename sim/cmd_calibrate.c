/* cmd_calibrate.c - `osteosim calibrate` (see cmd_calibrate.h).
 *
 * Each fit parameter is mapped to an unbounded coordinate: with bounds
 * [lo, hi], z = (v - lo) / (hi - lo), or on the log scale when lo > 0 (rates
 * spanning orders of magnitude), and x = logit(z).  The simplex moves x;
 * every evaluation sets the values with os_cfg_set_real and runs the whole
 * scenario with the same seed, so differences between evaluations come
 * from the parameters only (common random numbers).
 *
 * Two methods: the Nelder-Mead simplex on the objective
 * sum(weight * (residual / tolerance)^2), and Levenberg-Marquardt (GSL
 * multifit_nlinear) on the vector of scaled residuals with a forward-
 * difference Jacobian.  A forward step of LM_STEP in x moves a rate by a few
 * per cent, enough events for a smooth difference under common random
 * numbers; many parameters that each drive a few targets (site and sex
 * fracture rates) converge in tens of evaluations per parameter where the
 * simplex needs hundreds.
 */
#include "cmd_calibrate.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_multimin.h>

#include "engine.h"
#include "cmd_cal_abc.h"
#include "cmd_fitted.h"
#include "h5out_path.h"
#include "res_targets.h"

static const char *const usage =
    "usage: osteosim calibrate CONFIG.yaml --targets T1.yaml [T2.yaml ...] [options]\n"
    "\n"
    "Fits the targets files' `fit:` parameters to their targets.  nelder-mead and\n"
    "lm find a point (same seed in every evaluation) and write it as a parameter\n"
    "file; abc-smc samples the joint posterior (docs/calibration.md) and writes a\n"
    "posterior file (HDF5), and parameter files at its mean with --fitted.\n"
    "\n"
    "  --targets FILE.yaml ... targets and fit parameters (required; several files\n"
    "                          are fitted jointly)\n"
    "  -o, --output FILE       nelder-mead, lm: parameter file (default fitted.yaml);\n"
    "                          abc-smc: posterior file (default posterior.h5)\n"
    "  --agents N              agents per evaluation (abc-smc: of the first generation)\n"
    "  --threads T             OpenMP threads (results do not depend on it)\n"
    "  --method M              nelder-mead (default), lm (Levenberg-Marquardt) or abc-smc\n"
    "  --max-iter K            iterations (default 200; 0 evaluates the start only)\n"
    "abc-smc:\n"
    "  --particles N           particles per generation (default 200)\n"
    "  --generations G         at most G generations (default 30)\n"
    "  --agents-max N          agent count the schedule may grow to (default 1000000)\n"
    "  --mc-ratio R            Monte Carlo error aimed at, over eps * sigma (default 0.5)\n"
    "  --scale-level L         a target's tolerance is an interval half-width at level L\n"
    "                          (default 0.95: sigma = tolerance / 1.96)\n"
    "  --prior bounds|dist     uniform between the fit bounds, or the parameters'\n"
    "                          dist: truncated to them (default dist)\n"
    "  --seed S                sampler seed (default run.seed)\n"
    "  --fitted FILE.yaml      also write the posterior mean as a parameter file; once,\n"
    "                          or once per --targets file (its parameters)\n"
    "  --from-posterior FILE   write the --fitted files from FILE, sampling nothing\n"
    "  --set key.path=value    override any configuration key (repeatable)\n"
    "  --help, --version\n";

typedef struct cal {
    const os_phases *ph;  /* the modules to run */
    os_cfg *cfg;
    os_targets tg;
    int nthreads;
    int evals;
    int rc;
    os_err err;
} cal;

static int uses_log(const os_fit_param *f)
{
    return f->min > 0.0;
}

static double to_x(const os_fit_param *f, double v)
{
    assert(f->min < f->max);  /* os_targets_load rejects others */
    double z = uses_log(f) ? (log(v) - log(f->min)) / (log(f->max) - log(f->min))
                           : (v - f->min) / (f->max - f->min);
    /* Keep the start strictly inside the bounds. */
    z = z < 1e-6 ? 1e-6 : (z > 1.0 - 1e-6 ? 1.0 - 1e-6 : z);
    return log(z / (1.0 - z));
}

static double from_x(const os_fit_param *f, double x)
{
    double z = 1.0 / (1.0 + exp(-x));
    return uses_log(f) ? exp(log(f->min) + z * (log(f->max) - log(f->min)))
                       : f->min + z * (f->max - f->min);
}

static int apply(cal *c, const gsl_vector *x)
{
    assert(x->size == c->tg.nfit);
    for (size_t i = 0; i < c->tg.nfit; i++)
        if (os_cfg_set_real(c->cfg, c->tg.fit[i].key, from_x(&c->tg.fit[i], gsl_vector_get(x, i)), &c->err))
            return OS_ECONFIG;
    return OS_OK;
}

/* Runs the scenario at X and prints the table to OUT. */
static int evaluate(cal *c, const gsl_vector *x, FILE *out, double *obj)
{
    if (apply(c, x)) return OS_ECONFIG;
    os_run_opts opts = {.nthreads = c->nthreads, .quiet = 1, .calendar_only = 1};
    os_summary s = {0};
    os_run_stats st;
    int rc = os_engine_run(c->cfg, c->ph, &opts, &s, &st, &c->err);
    if (!rc) rc = os_targets_print(&c->tg, &s, out, obj, &c->err);
    os_run_stats_free(&st);
    os_summary_free(&s);
    c->evals++;
    return rc;
}

static double objective(const gsl_vector *x, void *params)
{
    cal *c = params;
    if (c->rc) return GSL_NAN;
    double obj = GSL_NAN;
    FILE *sink = fopen("/dev/null", "w");
    c->rc = sink ? evaluate(c, x, sink, &obj) : os_fail(&c->err, OS_ERUN, "cannot open /dev/null");
    if (sink) fclose(sink);
    return c->rc ? GSL_NAN : obj;
}

/* ---- Levenberg-Marquardt ---- */

/* Forward-difference step in the unbounded coordinate x. */
#define LM_STEP 0.02

/* Runs the scenario at X and fills F with sqrt(weight) * residual /
 * tolerance of every fitted target (weight > 0). */
static int residuals(const gsl_vector *x, void *params, gsl_vector *f)
{
    cal *c = params;
    if (c->rc) return GSL_EBADFUNC;
    if ((c->rc = apply(c, x))) return GSL_EBADFUNC;
    os_run_opts opts = {.nthreads = c->nthreads, .quiet = 1, .calendar_only = 1};
    os_summary s = {0};
    os_run_stats st;
    c->rc = os_engine_run(c->cfg, c->ph, &opts, &s, &st, &c->err);
    size_t k = 0;
    for (size_t i = 0; !c->rc && i < c->tg.n; i++) {
        const os_target *g = &c->tg.t[i];
        double v;
        if (g->weight == 0.0) continue;
        if ((c->rc = os_target_model_value(g, &s, &v, &c->err))) break;
        gsl_vector_set(f, k++, sqrt(g->weight) * (v - g->value) / g->tolerance);
    }
    assert(c->rc || k == f->size);  /* fit_lm counted the fitted targets */
    os_run_stats_free(&st);
    os_summary_free(&s);
    c->evals++;
    return c->rc ? GSL_EBADFUNC : GSL_SUCCESS;
}

/* Forward-difference Jacobian; the residuals at X are those of the last
 * call, which the trust-region method always makes at X first. */
static int jacobian(const gsl_vector *x, void *params, gsl_matrix *J)
{
    cal *c = params;
    size_t n = J->size1, p = J->size2;
    gsl_vector *f0 = gsl_vector_alloc(n), *f1 = gsl_vector_alloc(n), *xp = gsl_vector_alloc(p);
    int rc = residuals(x, c, f0);
    for (size_t j = 0; !rc && j < p; j++) {
        gsl_vector_memcpy(xp, x);
        gsl_vector_set(xp, j, gsl_vector_get(x, j) + LM_STEP);
        if ((rc = residuals(xp, c, f1))) break;
        for (size_t i = 0; i < n; i++)
            gsl_matrix_set(J, i, j, (gsl_vector_get(f1, i) - gsl_vector_get(f0, i)) / LM_STEP);
    }
    gsl_vector_free(f0);
    gsl_vector_free(f1);
    gsl_vector_free(xp);
    return rc;
}

/* Iterations without a relative improvement of the objective above
 * LM_STALL_GAIN after which the fit stops: with common random numbers the
 * objective is flat at the scale of single events, so once the steps only
 * trade events the trust region shrinks without end. */
#define LM_STALL_ITERS 3
#define LM_STALL_GAIN 1e-3

static double lm_objective(const gsl_multifit_nlinear_workspace *w)
{
    double r = gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w));
    return r * r;
}

/* Fits X in place by Levenberg-Marquardt; a failed evaluation is left in
 * c->rc for the caller. */
static void fit_lm(cal *c, gsl_vector *x, long max_iter)
{
    size_t nres = 0, p = x->size;
    for (size_t i = 0; i < c->tg.n; i++) nres += c->tg.t[i].weight > 0.0;
    if (nres < p) {
        c->rc = os_fail(&c->err, OS_ECONFIG, "%s: lm needs at least as many fitted targets (%zu) as parameters (%zu)",
                        c->tg.path, nres, p);
        return;
    }
    gsl_multifit_nlinear_fdf fdf = {.f = residuals, .df = jacobian, .n = nres, .p = p, .params = c};
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, nres, p);
    if (!gsl_multifit_nlinear_init(x, &fdf, w)) {
        double best = lm_objective(w);
        int stall = 0, status = GSL_CONTINUE, info = 0;
        fprintf(stderr, "calibrate: start, objective %.6g (%d evaluations)\n", best, c->evals);
        for (long it = 1; !c->rc && it <= max_iter && status == GSL_CONTINUE; it++) {
            if (gsl_multifit_nlinear_iterate(w)) break;   /* no further progress */
            status = gsl_multifit_nlinear_test(1e-4, 1e-6, 1e-6, &info, w);
            double obj = lm_objective(w);
            fprintf(stderr, "calibrate: iteration %ld, objective %.6g (%d evaluations)\n", it, obj,
                    c->evals);
            if (obj < best * (1.0 - LM_STALL_GAIN)) {
                best = obj;
                stall = 0;
            } else if (++stall >= LM_STALL_ITERS) {
                break;
            }
        }
    }
    gsl_vector_memcpy(x, gsl_multifit_nlinear_position(w));
    gsl_multifit_nlinear_free(w);
}

/* Fits X in place by the Nelder-Mead simplex. */
static void fit_simplex(cal *c, gsl_vector *x, long max_iter)
{
    size_t n = x->size;
    gsl_vector *step = gsl_vector_alloc(n);
    gsl_vector_set_all(step, 0.5);
    gsl_multimin_function fn = {objective, n, c};
    gsl_multimin_fminimizer *m = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n);
    gsl_multimin_fminimizer_set(m, &fn, x, step);
    int status = GSL_CONTINUE;
    for (long it = 1; !c->rc && it <= max_iter && status == GSL_CONTINUE; it++) {
        if (gsl_multimin_fminimizer_iterate(m)) break;
        double size = gsl_multimin_fminimizer_size(m);
        status = gsl_multimin_test_size(size, 1e-3);
        fprintf(stderr, "calibrate: iteration %ld, objective %.6g, simplex size %.3g\n", it,
                m->fval, size);
    }
    gsl_vector_memcpy(x, m->x);
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(step);
}

/* ---- command ---- */

/* The command line of calibrate. */
typedef struct cal_args {
    const char *config, *output, *method;
    const char **targets;  /* --targets files */
    int ntargets;
    const char **fitted;   /* --fitted files (abc-smc) */
    const char *from;      /* --from-posterior */
    int nfitted;
    long agents, threads, max_iter, particles, generations, agents_max;
    double mc_ratio, scale_level;
    int prior_bounds, seed_set;
    unsigned long long seed;
    const char **sets;  /* --set overrides, --agents included */
    int nsets;
    char agents_set[64];
} cal_args;

static int usage_error(os_cmd_err *e, const char *msg, const char *arg)
{
    e->usage = usage;
    return os_cmd_fail(e, "calibrate", OS_ECONFIG, "%s%s%s", msg, arg ? " " : "", arg ? arg : "");
}

/* The failure C->err describes, with exit code CODE. */
static int cal_failed(os_cmd_err *e, const cal *c, int code)
{
    return os_cmd_fail(e, NULL, code, "%s", c->err.msg);
}

/* A number strictly above LO and at most HI. */
static int parse_real(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* Fills A from ARGV: 0 to proceed, -1 when --help/--version was handled,
 * else the exit code of a usage error. */
static int parse_args(cal_args *a, int argc, char **argv, os_cmd_err *e)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) { fputs(usage, stdout); return -1; }
        else if (!strcmp(s, "--version")) { os_cmd_version(); return -1; }
        else if (!strcmp(s, "--targets") && more) {
            /* every following argument up to the next option */
            while (i + 1 < argc && argv[i + 1][0] != '-') a->targets[a->ntargets++] = argv[++i];
            if (!a->ntargets) return usage_error(e, "--targets needs a file", NULL);
        }
        else if (!strcmp(s, "--method") && more) {
            a->method = argv[++i];
            if (strcmp(a->method, "nelder-mead") && strcmp(a->method, "lm") && strcmp(a->method, "abc-smc"))
                return usage_error(e, "bad --method (nelder-mead, lm or abc-smc):", a->method);
        }
        else if (!strcmp(s, "--fitted") && more) a->fitted[a->nfitted++] = argv[++i];
        else if (!strcmp(s, "--from-posterior") && more) a->from = argv[++i];
        else if (!strcmp(s, "--particles") && more) {
            if (parse_long(argv[++i], 2, 1000000, &a->particles)) return usage_error(e, "bad --particles", argv[i]);
        } else if (!strcmp(s, "--generations") && more) {
            if (parse_long(argv[++i], 1, 10000, &a->generations)) return usage_error(e, "bad --generations", argv[i]);
        } else if (!strcmp(s, "--agents-max") && more) {
            if (parse_long(argv[++i], 1, 4000000000L, &a->agents_max)) return usage_error(e, "bad --agents-max", argv[i]);
        } else if (!strcmp(s, "--mc-ratio") && more) {
            if (parse_real(argv[++i], 0, 10, &a->mc_ratio)) return usage_error(e, "bad --mc-ratio", argv[i]);
        } else if (!strcmp(s, "--scale-level") && more) {
            if (parse_real(argv[++i], 0, 1, &a->scale_level)) return usage_error(e, "bad --scale-level", argv[i]);
        } else if (!strcmp(s, "--prior") && more) {
            const char *v = argv[++i];
            if (strcmp(v, "bounds") && strcmp(v, "dist")) return usage_error(e, "bad --prior (bounds or dist):", v);
            a->prior_bounds = !strcmp(v, "bounds");
        } else if (!strcmp(s, "--seed") && more) {
            char *end;
            a->seed = strtoull(argv[++i], &end, 10);
            if (end == argv[i] || *end || argv[i][0] == '-') return usage_error(e, "bad --seed", argv[i]);
            a->seed_set = 1;
        }
        else if ((!strcmp(s, "-o") || !strcmp(s, "--output")) && more) a->output = argv[++i];
        else if (!strcmp(s, "--agents") && more) {
            if (parse_long(argv[++i], 1, 4000000000L, &a->agents)) return usage_error(e, "bad --agents", argv[i]);
        } else if (!strcmp(s, "--threads") && more) {
            if (parse_long(argv[++i], 0, 4096, &a->threads)) return usage_error(e, "bad --threads", argv[i]);
        } else if (!strcmp(s, "--max-iter") && more) {
            if (parse_long(argv[++i], 0, 1000000, &a->max_iter)) return usage_error(e, "bad --max-iter", argv[i]);
        } else if (!strcmp(s, "--set") && more) a->sets[a->nsets++] = argv[++i];
        else if (s[0] == '-') return usage_error(e, "unknown option or missing value:", s);
        else if (!a->config) a->config = s;
        else return usage_error(e, "unexpected argument", s);
    }
    if (!a->config) return usage_error(e, "missing CONFIG.yaml", NULL);
    if (!a->ntargets) return usage_error(e, "missing --targets FILE.yaml", NULL);
    int abc = !strcmp(a->method, "abc-smc");
    if (!abc && (a->nfitted || a->from))
        return usage_error(e, "--fitted and --from-posterior are options of --method abc-smc", NULL);
    if (a->from && !a->nfitted) return usage_error(e, "--from-posterior needs --fitted", NULL);
    if (!a->output) a->output = abc ? "posterior.h5" : "fitted.yaml";
    if (a->agents > 0 && !abc) {
        snprintf(a->agents_set, sizeof a->agents_set, "run.agents=%ld", a->agents);
        a->sets[a->nsets++] = a->agents_set;
    }
    return OS_OK;
}

/* The scenario and the targets, checked before any evaluation; *OUT_PATH
 * is the checked output (h5out_path.h). */
static int cal_load(cal *c, const cal_args *a, char **out_path, os_cmd_err *e)
{
    c->nthreads = (int)a->threads;
    if (os_cfg_load(&c->cfg, a->config, a->sets, a->nsets, &c->err) ||
        os_engine_validate(c->cfg, c->ph, &c->err) ||
        os_targets_load_many(&c->tg, a->targets, (size_t)a->ntargets, &c->err))
        return cal_failed(e, c, OS_ECONFIG);
    /* Before any evaluation: the files may be written, and are no inputs. */
    if (os_outpath_calibrate(a->output, "-o", c->cfg, c->tg.files, c->tg.nfiles, out_path, &c->err))
        return cal_failed(e, c, c->err.code == OS_ERUN ? OS_ERUN : OS_ECONFIG);
    for (int k = 0; k < a->nfitted; k++) {
        char *p = NULL;
        int bad = os_outpath_calibrate(a->fitted[k], "--fitted", c->cfg, c->tg.files, c->tg.nfiles, &p, &c->err);
        bad = bad || os_outpath_not_input(p, *out_path, "the -o file", &c->err);
        free(p);
        if (bad) return cal_failed(e, c, c->err.code == OS_ERUN ? OS_ERUN : OS_ECONFIG);
    }
    if (!c->tg.nfit || !c->tg.n)
        return os_cmd_fail(e, NULL, OS_ECONFIG, "%s: needs at least one target and one `fit:` parameter",
                           c->tg.path);
    for (size_t i = 0; i < c->tg.nfit; i++) {
        const os_fit_param *f = &c->tg.fit[i];
        if (!os_cfg_has(c->cfg, f->key))
            return os_cmd_fail(e, NULL, OS_ECONFIG, "%s:%d: fit[%zu].key: '%s' is not set in the scenario",
                               a->targets[f->origin], f->line, i, f->key);
    }
    return OS_OK;
}

/* Fits from the scenario's values, prints the fit and writes OUT_PATH. */
static int cal_fit(cal *c, const cal_args *a, const char *out_path, os_cmd_err *e)
{
    size_t n = c->tg.nfit;
    gsl_vector *x = gsl_vector_alloc(n);
    if (!x) return os_cmd_fail(e, NULL, OS_ERUN, "out of memory");
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(x, i, to_x(&c->tg.fit[i], os_cfg_real(c->cfg, c->tg.fit[i].key)));
    double obj = GSL_NAN;
    int rc = OS_OK;
    if (a->max_iter > 0) {
        gsl_set_error_handler_off();
        if (!strcmp(a->method, "lm")) fit_lm(c, x, a->max_iter);
        else fit_simplex(c, x, a->max_iter);
        if (c->rc) rc = cal_failed(e, c, c->rc == OS_ECONFIG ? OS_ECONFIG : OS_ERUN);
    }
    if (!rc) {
        printf("osteosim calibrate: %s to %s (%zu parameters, %zu targets, %s)\n", a->config, c->tg.path,
               n, c->tg.n, a->method);
        if ((rc = evaluate(c, x, stdout, &obj))) cal_failed(e, c, rc);
    }
    gsl_vector_free(x);
    if (rc) return rc;
    printf("\nfitted parameters (%d evaluations):\n", c->evals);
    for (size_t i = 0; i < n; i++)
        printf("  %-44s %.6g   [%g, %g]\n", c->tg.fit[i].key, os_cfg_real(c->cfg, c->tg.fit[i].key),
               c->tg.fit[i].min, c->tg.fit[i].max);
    if ((rc = os_fitted_write(c->cfg, &c->tg, c->evals, obj, out_path, c->tg.path, &c->err))) return cal_failed(e, c, rc);
    printf("wrote %s\n", a->output);
    return OS_OK;
}

/* The command line as one string, for the posterior file and the headers
 * of the parameter files (caller frees). */
static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s) return NULL;
    for (int i = 0; i < argc; i++) p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
    *p = 0;
    return s;
}

/* Samples the posterior (cmd_cal_abc.h). */
static int cal_abc(cal *c, const cal_args *a, const char *out_path, int argc, char **argv, os_cmd_err *e)
{
    char *line = join_args(argc, argv);
    if (!line) return os_cmd_fail(e, NULL, OS_ERUN, "out of memory");
    long agents = a->agents > 0 ? a->agents : os_cfg_int(c->cfg, "run.agents");
    os_cal_abc_opts o = {
        .abc = {.particles = (int)a->particles, .max_gens = (int)a->generations, .ess_frac = OS_ABC_ESS_FRAC,
                .eps_final = 1.0, .kernel_scale = OS_ABC_KERNEL_SCALE, .mc_ratio = a->mc_ratio,
                .agents_min = agents, .agents_max = a->agents_max > agents ? a->agents_max : agents,
                .seed = a->seed_set ? a->seed : (unsigned long long)os_cfg_int(c->cfg, "run.seed"), .verbose = 1},
        .scale_level = a->scale_level, .prior_bounds = a->prior_bounds, .nthreads = (int)a->threads,
        .output = out_path, .fitted = a->fitted, .nfitted = a->nfitted, .ntargets_files = a->ntargets,
        .command_line = line, .from = a->from};
    int rc = os_cal_abc(c->ph, c->cfg, &c->tg, &o, &c->err);
    free(line);
    return rc ? cal_failed(e, c, rc == OS_ECONFIG ? OS_ECONFIG : OS_ERUN) : OS_OK;
}

int os_cmd_calibrate(int argc, char **argv, os_cmd_err *e)
{
    cal_args a = {.method = "nelder-mead", .agents = -1, .max_iter = 200, .particles = OS_ABC_PARTICLES,
                  .generations = OS_ABC_MAX_GENS, .agents_max = 1000000, .mc_ratio = OS_ABC_MC_RATIO,
                  .scale_level = 0.95};
    a.sets = calloc((size_t)argc + 2, sizeof *a.sets);
    a.targets = calloc((size_t)argc + 1, sizeof *a.targets);
    a.fitted = calloc((size_t)argc + 1, sizeof *a.fitted);
    if (!a.sets || !a.targets || !a.fitted) free(a.sets), free(a.targets), free(a.fitted);
    if (!a.sets || !a.targets || !a.fitted) return os_cmd_fail(e, NULL, OS_ERUN, "out of memory");
    int rc = parse_args(&a, argc, argv, e);
    if (rc) free(a.sets), free(a.targets), free(a.fitted);
    if (rc) return rc < 0 ? OS_OK : rc;
    cal c = {.ph = e->ph};
    char *out_path = NULL;  /* a.output checked (h5out_path.h) */
    rc = cal_load(&c, &a, &out_path, e);
    if (!rc && !strcmp(a.method, "abc-smc")) rc = cal_abc(&c, &a, out_path, argc, argv, e);
    else if (!rc) rc = cal_fit(&c, &a, out_path, e);
    os_targets_free(&c.tg);
    os_cfg_free(c.cfg);
    free(out_path);
    free(a.sets);
    free(a.targets);
    free(a.fitted);
    return rc;
}
