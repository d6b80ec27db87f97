/* cal_posterior.h - the posterior file of `osteosim calibrate --method
 * abc-smc` (HDF5; layout in docs/hdf5-schema.md, "Posterior file"):
 *
 *   /posterior/parameters        string [P]  configuration keys
 *   /posterior/samples           f64 [N, P]  particles, natural units
 *   /posterior/weights           f64 [N]     normalised weights (sum 1)
 *   /posterior/achieved          f64 [N, T]  each particle's simulated targets
 *   /posterior/mc_se             f64 [N, T]  their Monte Carlo standard errors
 *   /posterior/targets/{names, value, scale, sigma, weight}   [T]
 *   /posterior/prior/{lo, hi, dist}                           [P]
 *   /posterior/generations/{epsilon, acceptance, ess, evaluations,
 *                           agents, seed, mc_ratio}           [G]
 *   /posterior attributes: method, seed, agents, particles, generations,
 *       ess, converged, command_line and the sampler's settings
 *   /provenance: attributes osteosim_version, git_commit, created, config
 *       (the resolved configuration, as a run's root attribute) and the
 *       /provenance/parameters/{used, unused} tables of a run.
 *
 * Written under a temporary name and renamed when complete.
 */
#ifndef OS_CAL_POSTERIOR_H
#define OS_CAL_POSTERIOR_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

typedef struct os_cal_posterior {
    size_t n, np, nt, ng;
    char **params;        /* [np] */
    char **prior_dist;    /* [np] */
    double *lo, *hi;      /* [np] */
    double *samples;      /* [n][np] */
    double *weights;      /* [n] */
    double *achieved;     /* [n][nt] */
    double *mc_se;        /* [n][nt] */
    char **tnames;        /* [nt] */
    double *tvalue, *tscale, *tsigma, *tweight;   /* [nt] */
    /* per generation [ng] */
    double *g_eps, *g_accept, *g_ess, *g_mc_ratio;
    long long *g_evals, *g_agents;
    uint64_t *g_seed;
    /* attributes */
    char *method, *command_line;
    uint64_t seed;
    long long agents, particles, generations, converged;
    double ess, ess_frac, eps_final, kernel_scale, mc_ratio, scale_level;
    char *config;         /* read back: /provenance attribute config */
} os_cal_posterior;

/* Allocates the arrays of P for the sizes in it (strings NULL). */
int os_cal_posterior_alloc(os_cal_posterior *p, os_err *err);
void os_cal_posterior_free(os_cal_posterior *p);

/* Writes P to PATH; CFG (may be NULL) is the configuration of /provenance. */
int os_cal_posterior_write(const char *path, const os_cal_posterior *p, const os_cfg *cfg, os_err *err);

/* Reads PATH into P (zeroed first); errors name the file and the dataset. */
int os_cal_posterior_read(const char *path, os_cal_posterior *p, os_err *err);

#endif
