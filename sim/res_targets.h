/* res_targets.h - calibration targets: load a targets file, compute the model's
 * value of each target from a summary table, print the comparison.
 *
 * File format (configs/targets/NAME.yaml):
 *   targets:
 *     - name: condition_women_50plus
 *       measure: prevalence   # prevalence | incidence | count | ratio
 *       column: condition     # a /summary column
 *       denominator: pop_col  # ratio only
 *       year: 2025
 *       sex: female           # female | male | both
 *       age: [50, 200]        # [lower inclusive, upper exclusive]
 *       value: 0.321
 *       tolerance: 0.02       # absolute, unit of value
 *       weight: 1.0           # optional, default 1
 *       source: "..."
 *   include: [other.yaml]     # optional: more targets files (relative to this one)
 *   fit:                      # optional: parameters `osteosim calibrate` moves
 *     - {key: module.some_rate, min: 0.0001, max: 0.01}
 *
 * The file is read by the scenario reader (config.h, files of records):
 * wrong types, unknown keys (with the nearest valid one) and missing
 * required keys are one-line errors "FILE:LINE: targets[I].KEY: problem".
 *
 * prevalence = sum(column) / sum(population); incidence = the same * 1e5;
 * count = sum(column); ratio = sum(column) / sum(denominator).  Sums run
 * over the summary rows of arm 0 for that year, sex and the 5-year bands
 * inside the age range (bounds must fall on band limits).
 */
#ifndef OS_RES_TARGETS_H
#define OS_RES_TARGETS_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "res_types.h"

typedef enum os_measure {
    OS_M_PREVALENCE, OS_M_INCIDENCE, OS_M_COUNT, OS_M_RATIO
} os_measure;

typedef struct os_target {
    char name[64];
    os_measure measure;
    char column[48];
    char denominator[48];
    int year;
    int sex;                 /* 0 female, 1 male, 2 both */
    int age_lo, age_hi;      /* [lo, hi) */
    double value, tolerance, weight;
    char source[256];
    int line;
} os_target;

typedef struct os_fit_param {
    char key[128];
    double min, max;
    int line;
    int origin;              /* which file of os_targets_load_many (0 first) */
} os_fit_param;

typedef struct os_targets {
    char path[1024];
    size_t n, nfit;
    os_target *t;
    os_fit_param *fit;
    char **files;            /* the file and its includes, as opened */
    size_t nfiles;
} os_targets;

/* Loads PATH (and its includes); errors are one line "PATH:LINE: key: problem". */
int os_targets_load(os_targets *t, const char *path, os_err *err);
void os_targets_free(os_targets *t);
/* Loads the N files PATHS into one set of targets and fit parameters (each
 * fit parameter remembers its file in `origin`); a target name or a fit key
 * may appear only once over all of them. */
int os_targets_load_many(os_targets *t, const char *const *paths, size_t n, os_err *err);

/* The model's value of target T in summary S (arm 0). */
int os_target_model_value(const os_target *t, const os_summary *s,
                          double *value, os_err *err);

/* Monte Carlo standard error of the model's value of T in S, from the
 * agents behind it (Poisson for counts and incidence, binomial for
 * prevalence and proportions; equal weights assumed); NaN if unknown. */
double os_target_mc_se(const os_target *t, const os_summary *s);
/* A fitted target counts as met when |model - value| <= tolerance +
 * OS_TARGET_MC_Z * its Monte Carlo standard error. */
#define OS_TARGET_MC_Z 2.0

/* Prints the comparison table of every target; *OBJECTIVE (may be NULL)
 * receives sum(weight * (residual / tolerance)^2).  Fails if a target
 * cannot be computed. */
int os_targets_print(const os_targets *t, const os_summary *s, FILE *out,
                     double *objective, os_err *err);

/* Scenario keys calibration.targets and calibration.targets_extra. */
extern const os_param_spec os_targets_params[];
extern const size_t os_targets_nparams;

/* After a run: prints the table for the scenario's target files, if any
 * (rows the run cannot compute, e.g. another year, are shown as n/a). */
int os_targets_report(const os_cfg *cfg, const os_summary *s, FILE *out,
                      os_err *err);

#endif
