/* cal_abc.c - ABC-SMC sampler (method in cal_abc.h). */
#include "cal_abc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* Bisection steps of the tolerance (on log eps): 2^-60 of the bracket. */
#define EPS_BISECT 60
/* Tolerance of generation 0 before it is adapted: large enough that the
 * kernel is flat over the prior (ESS = N). */
#define EPS_START 1e8
/* At the final tolerance the particles are moved until this share of them
 * has moved at least once, or FINAL_MOVES_MAX moves were made. */
#define FINAL_MOVED 0.9
#define FINAL_MOVES_MAX 5
/* The run stops when fewer moves than this share are accepted: the
 * population has stopped mixing (at a tolerance near the simulations' own
 * Monte Carlo error a lucky simulation is rarely beaten), so further
 * generations would only copy particles (Drovandi & Pettitt 2011
 * Biometrics 67:225 stop at an acceptance rate of about 1 %). */
#define MIN_SUPPORT 0.02
/* A generation whose eps is above this share of the last one's has not
 * lowered it: the next one gets four times the agents (half the Monte
 * Carlo error). */
#define STALL_EPS 0.95
/* Agent counts above this are rounded up to a multiple of it. */
#define AGENTS_ROUND 1000

uint64_t os_abc_gen_seed(uint64_t base, int g)
{
    /* splitmix64 of (base, g): distinct generations get unrelated seeds. */
    uint64_t z = base + 0x9e3779b97f4a7c15ULL * (uint64_t)(g + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z & ((1ULL << 53) - 1);
}

typedef struct smc {
    const os_abc_problem *pb;
    const os_abc_settings *s;
    size_t n, np, nt;
    double *u, *x, *se;               /* the particles: coordinates, targets, MC errors */
    double *logb;                     /* log weight before this generation's kernel */
    double *w;                        /* normalised weights (at a trial eps) */
    double *u0, *x0, *se0;            /* scratch of the resampling */
    gsl_matrix *chol;                 /* move kernel, Cholesky factor */
    gsl_rng *rng;
} smc;

/* Log kernel of particle J at tolerance EPS. */
static double log_kernel(const smc *m, size_t j, double eps)
{
    const os_abc_problem *pb = m->pb;
    double lk = 0.0;
    for (size_t i = 0; i < m->nt; i++) {
        double d = m->x[j * m->nt + i] - pb->obs[i], s = eps * pb->sigma[i], e = m->se[j * m->nt + i];
        double v = s * s + e * e;
        lk += pb->weight[i] * (-0.5 * d * d / v - 0.5 * log(v));
    }
    return lk;
}

/* Weights of the generation at EPS in m->w (normalised); returns the ESS. */
static double weigh(smc *m, double eps)
{
    double top = -INFINITY;
    for (size_t j = 0; j < m->n; j++) {
        m->w[j] = m->logb[j] + log_kernel(m, j, eps);
        if (m->w[j] > top) top = m->w[j];
    }
    double sum = 0.0, sum2 = 0.0;
    for (size_t j = 0; j < m->n; j++) {
        m->w[j] = isfinite(m->w[j]) ? exp(m->w[j] - top) : 0.0;
        sum += m->w[j];
    }
    for (size_t j = 0; j < m->n; j++) {
        m->w[j] /= sum;
        sum2 += m->w[j] * m->w[j];
    }
    return sum2 > 0 ? 1.0 / sum2 : 0.0;
}

/* The smallest eps in [eps_final, HI] whose ESS is at least the target
 * (HI itself when none is), leaving its weights in m->w. */
static double choose_eps(smc *m, double hi, double *ess)
{
    double want = m->s->ess_frac * (double)m->n, lo = m->s->eps_final;
    if (hi <= lo) hi = lo;
    if ((*ess = weigh(m, lo)) >= want) return lo;
    if ((*ess = weigh(m, hi)) < want) return hi;
    double a = log(lo), b = log(hi);   /* ess(a) < want <= ess(b) */
    for (int k = 0; k < EPS_BISECT; k++) {
        double c = 0.5 * (a + b);
        if (weigh(m, exp(c)) >= want) b = c;
        else a = c;
    }
    *ess = weigh(m, exp(b));
    return exp(b);
}

/* The random-walk kernel of the moves: KERNEL_SCALE^2 * 2.38^2 / P times
 * the weighted covariance of the population (the scaling of Roberts,
 * Gelman & Gilks 1997 for a normal target), as a Cholesky factor.  A
 * population collapsed in some direction gets a small ridge, scaled to the
 * prior's width. */
static int kernel_from_population(smc *m, os_err *err)
{
    size_t n = m->n, p = m->np;
    double *mean = calloc(p, sizeof *mean);
    if (!mean) return os_fail(err, OS_ERUN, "out of memory");
    for (size_t j = 0; j < n; j++)
        for (size_t a = 0; a < p; a++) mean[a] += m->w[j] * m->u[j * p + a];
    double h2 = m->s->kernel_scale * m->s->kernel_scale * 2.38 * 2.38 / (double)p;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            double c = 0.0;
            for (size_t j = 0; j < n; j++)
                c += m->w[j] * (m->u[j * p + a] - mean[a]) * (m->u[j * p + b] - mean[b]);
            gsl_matrix_set(m->chol, a, b, h2 * c);
            gsl_matrix_set(m->chol, b, a, h2 * c);
        }
    free(mean);
    gsl_matrix *c = gsl_matrix_alloc(p, p);
    if (!c) return os_fail(err, OS_ERUN, "out of memory");
    gsl_matrix_memcpy(c, m->chol);
    /* A failed factorisation is an answer here (add the ridge and retry),
     * not an error: GSL's default handler would abort the program. */
    gsl_error_handler_t *handler = gsl_set_error_handler_off();
    for (double ridge = 1e-12;; ridge *= 100) {
        gsl_matrix_memcpy(m->chol, c);
        if (!gsl_linalg_cholesky_decomp1(m->chol)) break;
        if (ridge > 1) {
            gsl_set_error_handler(handler);
            gsl_matrix_free(c);
            return os_fail(err, OS_ERUN, "abc-smc: the population's covariance is not positive definite");
        }
        for (size_t a = 0; a < p; a++) {
            const os_cal_param *q = &m->pb->par[a];
            double w = os_cal_uhi(q) - os_cal_ulo(q);
            gsl_matrix_set(c, a, a, gsl_matrix_get(c, a, a) + ridge * w * w);
        }
    }
    gsl_set_error_handler(handler);
    gsl_matrix_free(c);
    return OS_OK;
}

static double log_prior(const smc *m, const double *u)
{
    double lp = 0.0;
    for (size_t a = 0; a < m->np; a++) lp += os_cal_prior_logpdf(&m->pb->par[a], u[a]);
    return lp;
}

/* Systematic resampling of the population by the weights m->w into equal
 * weights (u, x, se copied by ancestor). */
static void resample(smc *m)
{
    size_t n = m->n, p = m->np, t = m->nt;
    double step = 1.0 / (double)n, r = gsl_rng_uniform(m->rng) * step, c = m->w[0];
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        double target = r + (double)j * step;
        while (c < target && k + 1 < n) c += m->w[++k];
        memcpy(m->u0 + j * p, m->u + k * p, p * sizeof *m->u);
        memcpy(m->x0 + j * t, m->x + k * t, t * sizeof *m->x);
        memcpy(m->se0 + j * t, m->se + k * t, t * sizeof *m->se);
    }
    memcpy(m->u, m->u0, n * p * sizeof *m->u);
    memcpy(m->x, m->x0, n * t * sizeof *m->x);
    memcpy(m->se, m->se0, n * t * sizeof *m->se);
    for (size_t j = 0; j < n; j++) m->w[j] = step;
}

/* The agents of the next generation: the Monte Carlo error scales as
 * 1/sqrt(agents); aim at MC_RATIO * (the predicted next eps). */
static long next_agents(const smc *m, long agents, double ratio, double eps_pred)
{
    const os_abc_settings *s = m->s;
    double want = s->mc_ratio * eps_pred;
    double a = ratio > want ? (double)agents * (ratio / want) * (ratio / want) : (double)agents;
    if (a > (double)s->agents_max) a = (double)s->agents_max;
    long n = (long)ceil(a);
    if (n > AGENTS_ROUND) n = (n + AGENTS_ROUND - 1) / AGENTS_ROUND * AGENTS_ROUND;
    if (n > s->agents_max) n = s->agents_max;
    return n < agents ? agents : n;
}

/* RMS over targets of se / sigma, weighted over the particles by W. */
static double mc_ratio(const smc *m, const double *w)
{
    double r = 0.0;
    for (size_t j = 0; j < m->n; j++) {
        double q = 0.0;
        for (size_t i = 0; i < m->nt; i++) {
            double e = m->se[j * m->nt + i] / m->pb->sigma[i];
            q += e * e;
        }
        r += w[j] * q / (double)m->nt;
    }
    return sqrt(r);
}

static void smc_free(smc *m)
{
    free(m->u); free(m->logb); free(m->x); free(m->se); free(m->u0); free(m->x0); free(m->se0); free(m->w);
    if (m->chol) gsl_matrix_free(m->chol);
    if (m->rng) gsl_rng_free(m->rng);
}

void os_abc_result_free(os_abc_result *r)
{
    free(r->samples); free(r->weights); free(r->achieved); free(r->se); free(r->gens);
    memset(r, 0, sizeof *r);
}

static int keep_result(const smc *m, os_abc_result *r, os_err *err)
{
    size_t n = m->n, p = m->np, t = m->nt;
    free(r->samples); free(r->weights); free(r->achieved); free(r->se);
    r->n = n; r->np = p; r->nt = t;
    r->samples = malloc(n * p * sizeof *r->samples);
    r->weights = malloc(n * sizeof *r->weights);
    r->achieved = malloc(n * t * sizeof *r->achieved);
    r->se = malloc(n * t * sizeof *r->se);
    if (!r->samples || !r->weights || !r->achieved || !r->se) return os_fail(err, OS_ERUN, "out of memory");
    for (size_t j = 0; j < n; j++)
        for (size_t a = 0; a < p; a++) r->samples[j * p + a] = os_cal_from_u(&m->pb->par[a], m->u[j * p + a]);
    memcpy(r->weights, m->w, n * sizeof *r->weights);
    memcpy(r->achieved, m->x, n * t * sizeof *r->achieved);
    memcpy(r->se, m->se, n * t * sizeof *r->se);
    return OS_OK;
}

/* One Metropolis-Hastings move of every particle at tolerance EPS: a
 * random-walk proposal, simulated with the generation's SEED and AGENTS
 * (common random numbers), accepted with probability
 * prior(u') K(x') / (prior(u) K(x)).  The particle keeps the simulation it
 * was accepted with (pseudo-marginal MCMC: Andrieu & Roberts 2009), so the
 * move leaves the generation's target invariant.  *ACCEPTED counts the
 * moves, *EVALS the simulations (proposals outside the bounds are refused
 * without one). */
static int move(smc *m, double eps, uint64_t seed, long agents, long *accepted, long *evals, gsl_vector *z,
                double *u1, double *x1, double *se1, double *theta, unsigned char *moved, os_err *err)
{
    const os_abc_problem *pb = m->pb;
    size_t p = m->np, t = m->nt;
    for (size_t j = 0; j < m->n; j++) {
        for (size_t a = 0; a < p; a++) gsl_vector_set(z, a, gsl_ran_ugaussian(m->rng));
        gsl_blas_dtrmv(CblasLower, CblasNoTrans, CblasNonUnit, m->chol, z);
        for (size_t a = 0; a < p; a++) u1[a] = m->u[j * p + a] + gsl_vector_get(z, a);
        double lp1 = log_prior(m, u1), lr = log(gsl_rng_uniform_pos(m->rng));
        if (!isfinite(lp1)) continue;
        for (size_t a = 0; a < p; a++) theta[a] = os_cal_from_u(&pb->par[a], u1[a]);
        int rc = pb->eval(pb->ctx, seed, agents, theta, x1, se1, err);
        (*evals)++;
        for (size_t i = 0; !rc && i < t; i++) {
            if (!isfinite(x1[i])) rc = os_fail(err, OS_ERUN, "abc-smc: target %zu not finite in a simulation", i);
            if (!(se1[i] >= 0)) se1[i] = 0.0;
        }
        if (rc) return rc;
        /* log K of the proposal through the particle slot's formula */
        double lk0 = log_kernel(m, j, eps), lp0 = log_prior(m, m->u + j * p);
        memcpy(m->u0, m->u + j * p, p * sizeof *u1);   /* keep the current one */
        memcpy(m->x0, m->x + j * t, t * sizeof *x1);
        memcpy(m->se0, m->se + j * t, t * sizeof *se1);
        memcpy(m->x + j * t, x1, t * sizeof *x1);
        memcpy(m->se + j * t, se1, t * sizeof *se1);
        double lk1 = log_kernel(m, j, eps);
        if (lr < lp1 + lk1 - lp0 - lk0) {
            memcpy(m->u + j * p, u1, p * sizeof *u1);
            (*accepted)++;
            moved[j] = 1;
        } else {
            memcpy(m->x + j * t, m->x0, t * sizeof *x1);
            memcpy(m->se + j * t, m->se0, t * sizeof *se1);
        }
    }
    return OS_OK;
}

/* The moves of generation GE: one; at the final tolerance more, until most
 * particles have left their resampled copies (the population's duplicates
 * would otherwise understate its spread).  Sets its simulations and the
 * share of moves accepted. */
static int move_generation(smc *m, os_abc_gen *ge, long agents, gsl_vector *z, double *u1, double *x1,
                           double *se1, double *theta, unsigned char *moved, os_err *err)
{
    size_t n = m->n;
    long accepted = 0, evals = 0, nmoves = 0;
    memset(moved, 0, n);
    int last = ge->eps <= m->s->eps_final, rc;
    for (;;) {
        if ((rc = move(m, ge->eps, ge->seed, agents, &accepted, &evals, z, u1, x1, se1, theta, moved, err)))
            return rc;
        nmoves++;
        size_t nm = 0;
        for (size_t j = 0; j < n; j++) nm += moved[j];
        if (!last || (double)nm >= FINAL_MOVED * (double)n || nmoves >= FINAL_MOVES_MAX) break;
    }
    ge->evals += evals;
    ge->support = (double)accepted / (double)(n * (size_t)nmoves);
    return OS_OK;
}

static void report(int g, const os_abc_gen *ge, size_t n)
{
    fprintf(stderr, "abc-smc: generation %d: eps %.4g, ESS %.1f of %zu, %ld agents, MC error %.3g of sigma, "
                    "%ld simulations, %.0f %% of moves accepted\n",
            g, ge->eps, ge->ess, n, ge->agents, ge->mc_ratio, ge->evals, 100.0 * ge->support);
}

/* Particle J's simulation at SEED and AGENTS into m->x, m->se. */
static int simulate(smc *m, size_t j, uint64_t seed, long agents, double *theta, os_err *err)
{
    const os_abc_problem *pb = m->pb;
    size_t p = m->np, t = m->nt;
    for (size_t a = 0; a < p; a++) theta[a] = os_cal_from_u(&pb->par[a], m->u[j * p + a]);
    int rc = pb->eval(pb->ctx, seed, agents, theta, m->x + j * t, m->se + j * t, err);
    for (size_t i = 0; !rc && i < t; i++) {
        if (!isfinite(m->x[j * t + i])) rc = os_fail(err, OS_ERUN, "abc-smc: target %zu not finite in a simulation", i);
        if (!(m->se[j * t + i] >= 0)) m->se[j * t + i] = 0.0;
    }
    return rc;
}

/* Every particle simulated afresh with the generation's SEED and AGENTS,
 * before the generation is weighted.  Its weight then carries
 * K_eps(x_new) / K_eps_prev(x_old) (m->logb holds the denominator): an
 * importance weight of the new simulation (Del Moral, Doucet & Jasra 2006,
 * with the old simulation's law as backward kernel), valid when AGENTS
 * grew.  Without it a particle keeps a lucky simulation from fewer agents
 * or another seed that no proposal of this generation, simulated with its
 * seed, can beat: the moves stop being accepted near the Monte Carlo
 * error.  With it a particle and its proposals share their random numbers. */
static int refresh(smc *m, uint64_t seed, long agents, double *theta, long *evals, os_err *err)
{
    int rc = OS_OK;
    for (size_t j = 0; !rc && j < m->n; j++) {
        rc = simulate(m, j, seed, agents, theta, err);
        (*evals)++;
    }
    return rc;
}

/* Generation 0: N particles from the prior, simulated with its seed. */
static int from_prior(smc *m, os_abc_gen *ge, long agents, double *theta, os_err *err)
{
    const os_abc_problem *pb = m->pb;
    size_t p = m->np;
    int rc = OS_OK;
    ge->agents = agents;
    ge->seed = os_abc_gen_seed(m->s->seed, 0);
    for (size_t j = 0; !rc && j < m->n; j++) {
        for (size_t a = 0; a < p; a++) m->u[j * p + a] = os_cal_prior_draw(&pb->par[a], m->rng);
        rc = simulate(m, j, ge->seed, agents, theta, err);
        ge->evals++;
        m->logb[j] = 0.0;
    }
    return rc;
}

int os_abc_run(const os_abc_problem *pb, const os_abc_settings *s, os_abc_result *res, os_err *err)
{
    memset(res, 0, sizeof *res);
    if (s->particles < 2 || s->max_gens < 1 || !(s->ess_frac > 0 && s->ess_frac < 1) ||
        !(s->eps_final > 0) || !(s->kernel_scale > 0) || !(s->mc_ratio > 0) || s->agents_min < 1 ||
        s->agents_max < s->agents_min)
        return os_fail(err, OS_ECONFIG, "abc-smc: invalid settings");
    smc m = {.pb = pb, .s = s, .n = (size_t)s->particles, .np = pb->np, .nt = pb->nt};
    size_t n = m.n, p = m.np, t = m.nt;
    m.u = malloc(n * p * sizeof *m.u);
    m.u0 = malloc(n * p * sizeof *m.u0);
    m.logb = malloc(n * sizeof *m.logb);
    m.w = malloc(n * sizeof *m.w);
    m.x = malloc(n * t * sizeof *m.x);
    m.x0 = malloc(n * t * sizeof *m.x0);
    m.se = malloc(n * t * sizeof *m.se);
    m.se0 = malloc(n * t * sizeof *m.se0);
    m.chol = gsl_matrix_alloc(p, p);
    m.rng = gsl_rng_alloc(gsl_rng_mt19937);
    res->gens = calloc((size_t)s->max_gens, sizeof *res->gens);
    gsl_vector *z = gsl_vector_alloc(p);
    double *theta = malloc(p * sizeof *theta), *u1 = malloc(p * sizeof *u1);
    double *x1 = malloc(t * sizeof *x1), *se1 = malloc(t * sizeof *se1);
    unsigned char *moved = malloc(n);   /* of the moves at the final eps */
    int rc = m.u && m.u0 && m.logb && m.w && m.x && m.x0 && m.se && m.se0 && m.chol && m.rng && res->gens && z &&
             theta && u1 && x1 && se1 && moved ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    if (!rc) gsl_rng_set(m.rng, (unsigned long)os_abc_gen_seed(s->seed, -1));
    long agents = s->agents_min;
    /* Generation 0: the prior, simulated with its seed; every later one
     * lowers eps, resamples and moves. */
    if (!rc) rc = from_prior(&m, res->gens, agents, theta, err);
    double eps_prev = EPS_START, eps_prev2 = EPS_START;
    for (int g = 0; !rc && g < s->max_gens; g++) {
        os_abc_gen *ge = &res->gens[g];
        if (g > 0) {
            ge->agents = agents;
            ge->seed = os_abc_gen_seed(s->seed, g);
        }
        /* Reweight: the kernel at the new eps over the one at the last,
         * the new one of a fresh simulation (refresh). */
        for (size_t j = 0; j < n; j++) m.logb[j] = g ? -log_kernel(&m, j, eps_prev) : 0.0;
        if (g > 0 && (rc = refresh(&m, ge->seed, agents, theta, &ge->evals, err))) break;
        ge->eps = choose_eps(&m, eps_prev, &ge->ess);
        ge->mc_ratio = mc_ratio(&m, m.w);
        if ((rc = kernel_from_population(&m, err))) break;
        resample(&m);
        if ((rc = move_generation(&m, ge, agents, z, u1, x1, se1, theta, moved, err))) break;
        res->evals += ge->evals;
        res->ngens = g + 1;
        if (s->verbose) report(g, ge, n);
        for (size_t j = 0; j < n; j++) m.w[j] = 1.0 / (double)n;
        if ((rc = keep_result(&m, res, err))) break;
        res->converged = ge->eps <= s->eps_final;
        res->stalled = !res->converged && ge->support < MIN_SUPPORT;
        if (s->on_gen && (rc = s->on_gen(s->on_gen_ctx, res, err))) break;
        if (res->converged || res->stalled) break;
        /* The next tolerance, predicted by continuing the last ratio. */
        double pred = eps_prev2 < EPS_START ? ge->eps * (ge->eps / eps_prev) : 0.5 * ge->eps;
        if (pred < s->eps_final) pred = s->eps_final;
        agents = next_agents(&m, agents, ge->mc_ratio, pred);
        /* eps held (within STALL_EPS): the generation's Monte Carlo noise,
         * which the fresh simulations carry into the weights, took the ESS
         * the fall would have needed: four times the agents halve it. */
        if (g > 0 && ge->eps > STALL_EPS * eps_prev && agents < 4 * ge->agents)
            agents = ge->agents * 4 > s->agents_max ? s->agents_max : ge->agents * 4;
        eps_prev2 = eps_prev;
        eps_prev = ge->eps;
    }
    gsl_vector_free(z);
    free(theta), free(u1), free(x1), free(se1), free(moved), smc_free(&m);
    if (rc) os_abc_result_free(res);
    return rc;
}
