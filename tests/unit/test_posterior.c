/* test_posterior.c - the posterior file round-trips, is written atomically
 * and a file that is not one is refused; the ABC-SMC sampler and the priors
 * on models whose posterior is known in closed form. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <hdf5.h>

#include "cal_abc.h"
#include "cal_posterior.h"

static const char *tmp_path(const char *name)
{
    static char path[1024];
    mkdir(OS_TMP_DIR, 0777);
    snprintf(path, sizeof path, "%s/%s", OS_TMP_DIR, name);
    return path;
}

static void fill(os_cal_posterior *p)
{
    memset(p, 0, sizeof *p);
    p->n = 5; p->np = 3; p->nt = 2; p->ng = 4;
    os_err err = {0};
    assert_int_equal(os_cal_posterior_alloc(p, &err), 0);
    const char *keys[] = {"fractures.hip.base_rate_female", "falls.base_prob.male", "a.b"};
    for (size_t j = 0; j < p->np; j++) {
        p->params[j] = strdup(keys[j]);
        p->prior_dist[j] = strdup(j ? "uniform in log on [0.01, 0.6]" : "lognormal{meanlog -8, sdlog 0.3} truncated to [1e-06, 0.1]");
        p->lo[j] = 0.01 * (double)(j + 1);
        p->hi[j] = 0.5 + (double)j;
    }
    for (size_t k = 0; k < p->n * p->np; k++) p->samples[k] = 0.1 + 1e-3 * (double)k / 3.0;
    for (size_t k = 0; k < p->n; k++) p->weights[k] = (double)(k + 1) / 15.0;
    for (size_t k = 0; k < p->n * p->nt; k++) { p->achieved[k] = 100.0 / (double)(k + 1); p->mc_se[k] = 0.5 * (double)k; }
    p->tnames[0] = strdup("hip_fracture_f_50_64");
    p->tnames[1] = strdup("fallers_60_69");
    for (size_t i = 0; i < p->nt; i++) {
        p->tvalue[i] = 40.2 + (double)i; p->tscale[i] = 14.1; p->tsigma[i] = 14.1 / 1.959963984540054; p->tweight[i] = 1;
    }
    for (size_t g = 0; g < p->ng; g++) {
        p->g_eps[g] = 10.0 / (double)(g + 1); p->g_accept[g] = 0.9; p->g_ess[g] = 2.5; p->g_mc_ratio[g] = 0.3;
        p->g_evals[g] = 5; p->g_agents[g] = 1000 * (long long)(g + 1); p->g_seed[g] = (1ULL << 52) + g;
    }
    p->method = strdup("abc-smc");
    p->command_line = strdup("calibrate configs/china.yaml --targets a.yaml --method abc-smc");
    p->seed = 18446744073709551557ULL;   /* the full 64-bit range */
    p->agents = 4000; p->particles = 5; p->generations = 4; p->converged = 1;
    p->ess = 2.5; p->ess_frac = 0.5; p->eps_final = 1; p->kernel_scale = 0.7; p->mc_ratio = 0.5; p->scale_level = 0.95;
}

static void same_d(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++) assert_memory_equal(&a[i], &b[i], sizeof *a);   /* bitwise */
}

static void test_round_trip(void **state)
{
    (void)state;
    os_cal_posterior p, q;
    fill(&p);
    os_err err = {0};
    const char *path = tmp_path("posterior_rt.h5");
    remove(path);
    assert_int_equal(os_cal_posterior_write(path, &p, NULL, &err), 0);
    assert_int_equal(os_cal_posterior_read(path, &q, &err), 0);
    assert_int_equal(q.n, p.n); assert_int_equal(q.np, p.np); assert_int_equal(q.nt, p.nt); assert_int_equal(q.ng, p.ng);
    for (size_t j = 0; j < p.np; j++) {
        assert_string_equal(q.params[j], p.params[j]);
        assert_string_equal(q.prior_dist[j], p.prior_dist[j]);
    }
    for (size_t i = 0; i < p.nt; i++) assert_string_equal(q.tnames[i], p.tnames[i]);
    same_d(q.samples, p.samples, p.n * p.np);
    same_d(q.weights, p.weights, p.n);
    same_d(q.achieved, p.achieved, p.n * p.nt);
    same_d(q.mc_se, p.mc_se, p.n * p.nt);
    same_d(q.tvalue, p.tvalue, p.nt); same_d(q.tscale, p.tscale, p.nt);
    same_d(q.tsigma, p.tsigma, p.nt); same_d(q.tweight, p.tweight, p.nt);
    same_d(q.lo, p.lo, p.np); same_d(q.hi, p.hi, p.np);
    same_d(q.g_eps, p.g_eps, p.ng); same_d(q.g_accept, p.g_accept, p.ng);
    same_d(q.g_ess, p.g_ess, p.ng); same_d(q.g_mc_ratio, p.g_mc_ratio, p.ng);
    for (size_t g = 0; g < p.ng; g++) {
        assert_int_equal(q.g_evals[g], p.g_evals[g]);
        assert_int_equal(q.g_agents[g], p.g_agents[g]);
        assert_true(q.g_seed[g] == p.g_seed[g]);
    }
    assert_string_equal(q.method, p.method);
    assert_string_equal(q.command_line, p.command_line);
    assert_true(q.seed == p.seed);
    assert_int_equal(q.agents, p.agents); assert_int_equal(q.particles, p.particles);
    assert_int_equal(q.generations, p.generations); assert_int_equal(q.converged, 1);
    assert_true(q.ess == p.ess && q.kernel_scale == p.kernel_scale && q.scale_level == p.scale_level);
    assert_null(q.config);   /* written without a configuration */
    /* Written atomically: no temporary file is left beside it. */
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(access(tmp, F_OK), -1);
    os_cal_posterior_free(&q);
    os_cal_posterior_free(&p);
}

static void test_refused(void **state)
{
    (void)state;
    os_cal_posterior p, q;
    fill(&p);
    os_err err = {0};
    /* A directory that does not exist: an error, and no file. */
    const char *bad = tmp_path("no_such_dir/posterior.h5");
    assert_int_equal(os_cal_posterior_write(bad, &p, NULL, &err), OS_ERUN);
    assert_non_null(strstr(err.msg, "no_such_dir/posterior.h5"));
    assert_int_equal(access(bad, F_OK), -1);
    /* Not HDF5, then HDF5 without /posterior. */
    const char *txt = tmp_path("not_posterior.txt");
    FILE *f = fopen(txt, "w");
    assert_non_null(f);
    fputs("hello\n", f);
    fclose(f);
    assert_int_equal(os_cal_posterior_read(txt, &q, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "cannot open as HDF5"));
    const char *empty = tmp_path("empty.h5");
    hid_t h = H5Fcreate(empty, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(h);
    assert_int_equal(os_cal_posterior_read(empty, &q, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "not a posterior file"));
    os_cal_posterior_free(&p);
}

/* ---- the sampler on a conjugate model ----
 *
 * y_i = theta_i + noise: a "simulator" returning theta plus Monte Carlo
 * noise of sd MC (common to the particles of a generation, like one seed),
 * a normal prior N(0, 1) per parameter and observed values Y with sigma S.
 * The exact posterior for error variance S^2 + MC^2 is normal with
 * variance 1 / (1 + 1 / (S^2 + MC^2)). */
typedef struct toy {
    double mc;
} toy;

static int toy_eval(void *ctx, uint64_t seed, long agents, const double *theta, double *x, double *se, os_err *err)
{
    (void)err;
    (void)agents;
    toy *t = ctx;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, (unsigned long)seed);   /* same seed: same noise in a generation */
    for (int i = 0; i < 2; i++) {
        x[i] = theta[i] + gsl_ran_gaussian(r, t->mc);
        se[i] = t->mc;
    }
    gsl_rng_free(r);
    return 0;
}

static void test_sampler_conjugate(void **state)
{
    (void)state;
    os_err err = {0};
    os_cal_param par[2];
    os_dist d = {OS_DIST_NORMAL, {0.0, 1.0, 0}};
    assert_int_equal(os_cal_param_init(&par[0], "a", -8, 8, d, &err), 0);
    assert_int_equal(os_cal_param_init(&par[1], "b", -8, 8, d, &err), 0);
    double obs[2] = {0.8, -0.5}, sigma[2] = {0.3, 0.3}, w[2] = {1, 1};
    toy t = {0.05};
    os_abc_problem pb = {2, 2, par, obs, sigma, w, toy_eval, &t};
    os_abc_settings s = {.particles = 2000, .max_gens = 20, .ess_frac = 0.5, .eps_final = 1, .kernel_scale = 0.7,
                         .mc_ratio = 0.5, .agents_min = 1, .agents_max = 1, .seed = 7};
    os_abc_result r;
    assert_int_equal(os_abc_run(&pb, &s, &r, &err), 0);
    assert_true(r.converged);
    double v = 0.3 * 0.3 + t.mc * t.mc, post_var = 1.0 / (1.0 + 1.0 / v);
    for (size_t a = 0; a < 2; a++) {
        double m = 0, q = 0, sw = 0, sw2 = 0;
        for (size_t k = 0; k < r.n; k++) {
            m += r.weights[k] * r.samples[k * 2 + a];
            sw += r.weights[k];
            sw2 += r.weights[k] * r.weights[k];
        }
        for (size_t k = 0; k < r.n; k++) q += r.weights[k] * pow(r.samples[k * 2 + a] - m, 2);
        double ess = sw * sw / sw2, post_mean = post_var * obs[a] / v;
        /* Posterior mean within 4 standard errors (ESS draws) plus the
         * shift by one generation's common noise (sd post_var / v * mc,
         * bounded by 4 of those); variance within 20 %. */
        double tol = 4 * sqrt(post_var / ess) + 4 * post_var / v * t.mc;
        assert_true(fabs(m - post_mean) < tol);
        assert_true(fabs(q / post_var - 1) < 0.2);
    }
    os_abc_result_free(&r);
}

/* A simulator whose Monte Carlo noise is fresh in every evaluation (it
 * ignores the generation's seed) and large against the targets' sigma.
 * Were the particles not simulated afresh in each generation, a lucky
 * simulation would keep its particle and the moves would stop being
 * accepted as eps fell towards the noise (the population filling with
 * copies, its covariance singular).  With the refresh every generation
 * keeps moving. */
static int toy_fresh_eval(void *ctx, uint64_t seed, long agents, const double *theta, double *x, double *se,
                          os_err *err)
{
    (void)err;
    (void)agents;
    (void)seed;
    static gsl_rng *r;
    toy *t = ctx;
    if (!r) {
        r = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(r, 11);
    }
    for (int i = 0; i < 2; i++) {
        x[i] = theta[i] + gsl_ran_gaussian(r, t->mc);
        se[i] = 0.0;   /* the noise unreported, so eps can fall below it */
    }
    return 0;
}

/* A simulator that gets worse with every call: a proposal, simulated after
 * the particles it would replace, is never accepted, and the run must stop
 * marked stalled (not converged) instead of copying particles. */
static int toy_worsening_eval(void *ctx, uint64_t seed, long agents, const double *theta, double *x, double *se,
                              os_err *err)
{
    (void)ctx;
    (void)err;
    (void)agents;
    (void)seed;
    static long calls;
    calls++;
    for (int i = 0; i < 2; i++) {
        x[i] = theta[i] + 0.01 * (double)calls;
        se[i] = 0.0;
    }
    return 0;
}

static void test_sampler_mixing(void **state)
{
    (void)state;
    os_err err = {0};
    os_cal_param par[2];
    os_dist d = {OS_DIST_NORMAL, {0.0, 1.0, 0}};
    assert_int_equal(os_cal_param_init(&par[0], "a", -8, 8, d, &err), 0);
    assert_int_equal(os_cal_param_init(&par[1], "b", -8, 8, d, &err), 0);
    double obs[2] = {0.8, -0.5}, sigma[2] = {0.05, 0.05}, w[2] = {1, 1};
    toy t = {1.0};
    os_abc_problem pb = {2, 2, par, obs, sigma, w, toy_fresh_eval, &t};
    os_abc_settings s = {.particles = 200, .max_gens = 12, .ess_frac = 0.5, .eps_final = 0.01, .kernel_scale = 0.7,
                         .mc_ratio = 0.5, .agents_min = 1, .agents_max = 1, .seed = 5};
    os_abc_result r;
    assert_int_equal(os_abc_run(&pb, &s, &r, &err), 0);
    assert_false(r.stalled);
    assert_int_equal(r.ngens, 12);
    for (int g = 0; g < r.ngens; g++) assert_true(r.gens[g].support >= 0.02);
    os_abc_result_free(&r);
    pb.eval = toy_worsening_eval;
    assert_int_equal(os_abc_run(&pb, &s, &r, &err), 0);
    assert_false(r.converged);
    assert_true(r.stalled);
    assert_true(r.gens[r.ngens - 1].support < 0.02);
    os_abc_result_free(&r);
}

/* Priors: truncated draws stay in bounds and follow the density; a prior
 * with no mass between the bounds is refused. */
static void test_prior(void **state)
{
    (void)state;
    os_err err = {0};
    os_cal_param p;
    os_dist d = {OS_DIST_LOGNORMAL, {log(0.01), 0.3, 0}};
    assert_int_equal(os_cal_param_init(&p, "k", 0.008, 0.1, d, &err), 0);
    assert_true(p.log);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    /* P(v < 0.01 | v > 0.008): lognormal truncated below at 0.008. */
    double below = 0, n = 20000, pl = gsl_cdf_lognormal_P(0.008, log(0.01), 0.3);
    double want = (0.5 - pl) / (1 - pl - gsl_cdf_lognormal_Q(0.1, log(0.01), 0.3));
    for (int k = 0; k < n; k++) {
        double u = os_cal_prior_draw(&p, r), v = os_cal_from_u(&p, u);
        assert_true(v >= 0.008 && v <= 0.1);
        assert_true(isfinite(os_cal_prior_logpdf(&p, u)));
        below += v < 0.01;
    }
    assert_true(fabs(below / n - want) < 4 * sqrt(want * (1 - want) / n));
    assert_true(isinf(os_cal_prior_logpdf(&p, log(0.2))));
    os_dist far = {OS_DIST_NORMAL, {10.0, 0.1, 0}};
    assert_int_equal(os_cal_param_init(&p, "far", 0, 1, far, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "far: the prior"));
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_sampler_conjugate),
        cmocka_unit_test(test_sampler_mixing),
        cmocka_unit_test(test_prior),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
