/* psa_posterior.h - probabilistic sensitivity analysis from a calibration
 * posterior (`osteosim run CONFIG --psa N --posterior POSTERIOR.h5`).
 *
 * A posterior file (written by `osteosim calibrate --method abc-smc`; format
 * in docs/hdf5-schema.md, "Posterior files") holds N weighted particles,
 * each a joint value of the P calibrated parameters.  PSA draw k takes one
 * particle, chosen with probability equal to its weight, and sets all P
 * parameters to it, so the correlations calibration induced between them
 * are kept; every other parameter with a distribution is drawn from it as in
 * a PSA from the priors (res_psa.h), and a parameter of the posterior is
 * never also drawn from its prior.  The particle of draw k depends only on
 * (run.seed, k) through a counter-based stream (rng.h, purpose
 * "psa.posterior"), so draws split over a job array and merged
 * (psa-merge) equal one `--psa N` run.
 *
 * The file is checked before use, each problem one line naming the file
 * and the dataset or key: the datasets and their shapes, finite values,
 * weights non-negative and summing to 1, every parameter a number
 * parameter of the scenario, and the configuration the posterior was
 * calibrated on (/provenance, attribute config) of the same structure as
 * the scenario's (os_posterior_check).  The run records the file (absolute
 * path and FNV-1a 64 hash of its bytes) in /provenance.
 */
#ifndef OS_PSA_POSTERIOR_H
#define OS_PSA_POSTERIOR_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "res_types.h"

typedef struct os_posterior {
    char *path;          /* absolute path                                   */
    char hash[32];       /* "fnv1a64:<16 hex digits>" of the file's bytes   */
    size_t n, p;         /* particles, parameters                           */
    char **params;       /* [p] configuration keys                          */
    double *samples;     /* [n x p] natural units                           */
    double *weights;     /* [n]                                             */
    double *cum;         /* [n] cumulative weights                          */
    double ess;          /* 1 / sum(w^2)                                    */
    char *config;        /* the configuration calibrated on (/provenance)   */
    char *method;        /* /posterior attribute method, or NULL            */
} os_posterior;

/* Reads and checks PATH (not yet against a scenario). */
int os_posterior_load(os_posterior *post, const char *path, os_err *err);
void os_posterior_free(os_posterior *post);

/* Checks POST against the validated scenario CFG: every parameter is a
 * number parameter present in CFG, and the configuration calibrated on
 * has the same structure (every key it sets is set in CFG with the same
 * type, and the same text for string and boolean settings, outside
 * scenario.*, run.*, output.*, calibration.* and psa.*; CFG may add keys,
 * e.g. programmes and arms).  Marks no key of CFG used. */
int os_posterior_check(const os_posterior *post, const os_cfg *cfg, const os_phases *ph, os_err *err);

/* Index of KEY among the posterior's parameters, or -1. */
int os_posterior_find(const os_posterior *post, const char *key);

/* The particle of draw K of a run with seed SEED. */
size_t os_posterior_pick(const os_posterior *post, uint64_t seed, int k);

/* /provenance attributes posterior_file, posterior_hash, posterior_method
 * and dataset posterior_parameters (the group is created if absent). */
int os_posterior_write_provenance(hid_t file, const os_posterior *post, os_err *err);

/* /psa/posterior: draw and particle of each of the N draws DRAW (seed
 * SEED), and /psa attribute parameter_basis. */
int os_posterior_write_psa(hid_t file, const os_posterior *post, uint64_t seed, const int *draw, int n,
                           os_err *err);

/* The posterior recorded in output F (PATH): *FILE and *HASH (caller
 * frees; both NULL when F records none). */
int os_posterior_recorded(hid_t f, const char *path, char **file, char **hash, os_err *err);

/* What `run` writes besides its results (os_run_opts.write_more): the
 * provenance, and /psa/posterior for draws FIRST..FIRST+COUNT-1 (COUNT 0:
 * the base case of a job array, provenance only). */
typedef struct os_posterior_out {
    const os_posterior *post;
    uint64_t seed;
    int first, count;
} os_posterior_out;
int os_posterior_write_more(hid_t file, const os_summary *s, void *ctx, os_err *err);

/* `run --posterior PATH` with --psa NPSA or --psa-draw DRAW (neither: the
 * base case of a job array): loads and checks POST against CFG, fills OUT
 * and sets OPTS to write it. */
struct os_run_opts;
int os_posterior_setup(os_posterior *post, os_posterior_out *out, const char *path, const os_cfg *cfg,
                       const os_phases *ph, int npsa, int draw, struct os_run_opts *opts, os_err *err);

/* One line on the run's report. */
void os_posterior_report(FILE *out, const os_posterior *post, int has_draws);

#endif
