/* measurement.c - measurement models of diagnosis and screening
 * (measurement.h): per-person errors and the CT reader's test. */
#include "measurement.h"

#include <gsl/gsl_cdf.h>

#include "rng_fill.h"

void os_meas_person_normals(double *z, const uint32_t *ids, size_t n, uint64_t seed,
                            uint32_t purpose)
{
    uint32_t w[OS_RNG_TILE * 4];
    for (size_t t0 = 0; t0 < n; t0 += OS_RNG_TILE) {
        size_t nt = n - t0 < OS_RNG_TILE ? n - t0 : OS_RNG_TILE;
        os_rng_fill(w, ids + t0, nt, seed, 0, purpose, 0, 1);
        for (size_t i = 0; i < nt; i++)
            z[t0 + i] = os_rng_box_muller(os_rng_word_uniform(w[4 * i]), os_rng_word_uniform(w[4 * i + 1]));
    }
}

/* Z = Phi^-1(U) <= (CUT - T - BIAS) / SD, compared on the uniform scale
 * (no inverse CDF per screen). */
int os_meas_ct_positive(double t, double bias, double sd, double cut, double u)
{
    return u < os_meas_ct_prob_positive(t, bias, sd, cut);
}

double os_meas_ct_prob_positive(double t, double bias, double sd, double cut)
{
    if (!(sd > 0.0)) return t + bias <= cut;
    return gsl_cdf_ugaussian_P((cut - t - bias) / sd);
}
