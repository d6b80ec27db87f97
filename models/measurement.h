/* measurement.h - what a diagnostic test reports, against the model's
 * true values (docs/programmes.md#measurement-models).
 *
 * The model's muscle mass and femoral-neck T-score are the truth.  A
 * diagnosis may instead read
 *   - muscle mass by BIA: measured ASM/height^2 = true + bias + sd * z,
 *     z drawn once per person (the device's error is mostly the person's
 *     body composition, so it repeats), with the AWGS 2019 BIA cut-offs;
 *   - the lumbar-spine T-score, derived from the femoral-neck one:
 *     T_spine = offset(sex) + slope(sex) * (age - age0)+ + r * T_fn
 *               + sqrt(1 - r^2) * z, z once per person;
 *   - CT-derived T-scores (opportunistic CT with a deep-learning reader):
 *     measured T = true T + bias + sd * z, positive at or below a cut-off.
 * Per-person normals come from the counter-based stream of the agent's id
 * with year 0 and a purpose of their own, so every census redraws the
 * same value for the same person in any arm, thread or process layout.
 */
#ifndef OS_MEASUREMENT_H
#define OS_MEASUREMENT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

enum { OS_MEAS_MASS_CALIBRATED = 0, OS_MEAS_MASS_DXA, OS_MEAS_MASS_BIA };
enum { OS_MEAS_SITE_FN = 0, OS_MEAS_SITE_SPINE, OS_MEAS_SITE_LOWEST };

typedef struct os_meas_par {
    int mass;                    /* OS_MEAS_MASS_*                         */
    double bia_bias[2], bia_sd[2];  /* kg/m2, [sex]                         */
    double aw_asmi_dxa[2];       /* AWGS 2019 DXA cut-offs, kg/m2           */
    int site;                    /* OS_MEAS_SITE_*                         */
    double sp_r, sp_offset[2], sp_slope[2], sp_age0;
} os_meas_par;

/* Standard normals, one per agent of IDS[0..N), from the stream (SEED,
 * id, year 0, PURPOSE): the same numbers at every call. */
void os_meas_person_normals(double *z, const uint32_t *ids, size_t n, uint64_t seed,
                            uint32_t purpose);

/* Measured ASM/height^2 by BIA of a person of SEX with true ASMI and
 * per-person normal Z. */
static inline double os_meas_bia_asmi(const os_meas_par *p, int sex, double asmi, double z)
{
    return asmi + p->bia_bias[sex] + p->bia_sd[sex] * z;
}

/* Lumbar-spine T-score of a person of SEX and AGE with femoral-neck
 * T-score TFN and per-person normal Z. */
static inline double os_meas_spine_t(const os_meas_par *p, int sex, double age, double tfn,
                                     double z)
{
    double over = age > p->sp_age0 ? age - p->sp_age0 : 0.0;
    double r = p->sp_r;
    return p->sp_offset[sex] + p->sp_slope[sex] * over + r * tfn + sqrt(1.0 - r * r) * z;
}

/* Whether a CT-derived T-score, true T plus BIAS plus SD times a standard
 * normal, is at or below CUT; U is the uniform the normal is the inverse
 * CDF of (so P(positive) = Phi((CUT - T - BIAS) / SD) exactly). */
int os_meas_ct_positive(double t, double bias, double sd, double cut, double u);

/* The closed form of that probability, for documentation and tests. */
double os_meas_ct_prob_positive(double t, double bias, double sd, double cut);

#endif
