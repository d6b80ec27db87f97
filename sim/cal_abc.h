/* cal_abc.h - approximate Bayesian computation by sequential Monte Carlo
 * (ABC-SMC): the posterior of parameters given targets, each target with
 * its own uncertainty, for a simulator with Monte Carlo error.
 *
 * Target of generation t: prior(theta) * K_eps(x), x the simulated targets,
 *
 *     log K_eps = sum_i weight_i * (-(x_i - y_i)^2 / (2 v_i) - log(v_i) / 2),
 *     v_i = (eps * sigma_i)^2 + se_i^2,
 *
 * with y_i the observed target, sigma_i its standard error (its scale, a
 * confidence-interval half-width or tolerance, over the normal quantile of
 * the interval's level) and se_i the Monte Carlo standard error of x_i.  At
 * eps = 1 this is the likelihood of the targets under normal measurement
 * error (Wilkinson 2013: ABC with a Gaussian kernel is exact for a model
 * with that error), so the last generation is the posterior itself, not an
 * approximation that improves as a tolerance shrinks to zero.
 *
 * Sampler: the adaptive ABC-SMC of Del Moral, Doucet & Jasra 2012.  Each
 * generation lowers eps to the smallest value (down to EPS_FINAL) at which
 * the particles, reweighted by K_eps / K_eps_before, keep an effective
 * sample size of ESS_FRAC * N; resamples (systematic); and moves every
 * particle by one Metropolis-Hastings step (a Gaussian random walk with
 * 2.38^2 / P * KERNEL_SCALE^2 times the population's covariance), each
 * proposal simulated once (pseudo-marginal MCMC).  At EPS_FINAL the
 * particles are moved until most have moved (cal_abc.c).  Moves, not the
 * importance weights of a population Monte Carlo sampler (Toni et al. 2009,
 * Beaumont et al. 2009), because with tens of parameters prior / proposal
 * ratios degenerate: tried on the 27 China parameters, the effective
 * sample size of such weights fell to 1-2 of 200 in the second generation.
 *
 * Monte Carlo error: every simulation of a generation uses that
 * generation's seed (common random numbers: within a generation,
 * differences between particles come from their parameters) and agent
 * count, which grows as eps shrinks so that the Monte Carlo error stays at
 * most MC_RATIO * eps * sigma (RMS over the targets), up to AGENTS_MAX.
 * Within a generation the Monte Carlo error is common to the particles: an
 * offset, not averaged out by the population, so it is added to the
 * kernel's variance (v_i above) rather than removed from it: intervals are
 * honest, wider by sqrt(1 + (se / sigma)^2) than with infinitely many
 * agents.
 *
 * Cost: about N simulations per generation (a proposal outside the bounds
 * is refused without one), a few N at EPS_FINAL; the run stops after the
 * generation at EPS_FINAL, or after MAX_GENS, or when under 2 % of a
 * generation's moves are accepted (then not converged: the posterior is
 * that of errors eps * sigma, wider than the targets state).
 */
#ifndef OS_CAL_ABC_H
#define OS_CAL_ABC_H

#include <stddef.h>
#include <stdint.h>

#include "cal_prior.h"
#include "err.h"

/* Simulates parameter values THETA (natural units, P of them) with SEED and
 * AGENTS; fills the T simulated target values and their Monte Carlo
 * standard errors (0 when unknown). */
typedef int (*os_abc_eval_fn)(void *ctx, uint64_t seed, long agents, const double *theta,
                              double *achieved, double *se, os_err *err);

typedef struct os_abc_problem {
    size_t np, nt;
    const os_cal_param *par;   /* [np] */
    const double *obs;         /* [nt] observed values */
    const double *sigma;       /* [nt] standard errors */
    const double *weight;      /* [nt] > 0 */
    os_abc_eval_fn eval;
    void *ctx;
} os_abc_problem;

struct os_abc_result;

typedef struct os_abc_settings {
    int particles;       /* N */
    int max_gens;
    double ess_frac;     /* share of N kept as effective sample size */
    double eps_final;    /* 1: the targets' own uncertainty */
    double kernel_scale; /* move kernel sd / (2.38 / sqrt(P) population sd) */
    double mc_ratio;     /* Monte Carlo error / (eps * sigma) aimed for */
    long agents_min, agents_max;
    uint64_t seed;       /* of the sampler and the generations' run seeds */
    int verbose;         /* a line per generation on stderr */
    /* Called after each generation with the result so far (may be NULL):
     * a long run can be stopped and still leave its last generation. */
    int (*on_gen)(void *ctx, const struct os_abc_result *r, os_err *err);
    void *on_gen_ctx;
} os_abc_settings;

/* Defaults of the settings (osteosim calibrate --method abc-smc). */
#define OS_ABC_PARTICLES 200
#define OS_ABC_MAX_GENS 30
#define OS_ABC_ESS_FRAC 0.5
#define OS_ABC_KERNEL_SCALE 1.0
#define OS_ABC_MC_RATIO 0.5

typedef struct os_abc_gen {
    double eps, ess, mc_ratio;
    double support;      /* share of the moves accepted */
    long evals, agents;
    uint64_t seed;
} os_abc_gen;

typedef struct os_abc_result {
    size_t n, np, nt;
    double *samples;     /* [n][np], natural units */
    double *weights;     /* [n], sum 1 */
    double *achieved;    /* [n][nt] */
    double *se;          /* [n][nt] */
    os_abc_gen *gens;
    int ngens;
    int converged;       /* the last generation reached eps_final */
    int stalled;         /* stopped before: its moves were almost never
                            accepted (more agents per simulation lower
                            the Monte Carlo error that causes it) */
    long evals;
} os_abc_result;

/* Runs the sampler.  The result is that of the last generation. */
int os_abc_run(const os_abc_problem *pb, const os_abc_settings *s, os_abc_result *res,
               os_err *err);
void os_abc_result_free(os_abc_result *r);

/* The run seed of generation G from the base seed (below 2^53, so that it is
 * exact as a configuration number). */
uint64_t os_abc_gen_seed(uint64_t base, int g);

#endif
