/* event_sweep.h - table-free exp bounds and approximations for the event
 * modules' column sweeps (falls.c, fractures.c, hospital.c).
 *
 * The sweeps decide each Bernoulli draw of a tile of agents in a pass the
 * compiler vectorises, with an exact decision filter as in fastmath.h: an
 * approximation decides the draws whose uniform lies clearly on one side
 * of the threshold, and the few near it are recomputed with libm exactly as
 * before, so results stay bitwise identical.  os_fast_exp reads a table
 * (a gather per lane); these functions use only arithmetic and integer
 * shifts, which SSE2 and wider units do lane by lane.
 *
 * Accuracy (checked by tests/unit/test_event_sweep.c against libm on
 * [-700, 700]): os_ev_exp has relative error below 1e-12; os_ev_exp_upper
 * is an upper bound, exp(x) (1 + OS_FAST_MARGIN) <= os_ev_exp_upper(x) <=
 * 1.001 exp(x), so "u >= os_ev_exp_upper(lh)" proves u >= 1 - exp(-exp(lh))
 * at the cost of a 0.1 % wider band of draws sent to libm.  Both keep NaN.
 */
#ifndef OS_EVENT_SWEEP_H
#define OS_EVENT_SWEEP_H

#include <stdint.h>
#include <string.h>

#include "fastmath.h"

/* The sweeps' passes are compiled twice where the toolchain can choose at
 * load time (GCC's target_clones, an ifunc): for AVX2 (4 doubles a vector;
 * no FMA, so every operation rounds as in the default build) and for the
 * baseline SSE2.  Results cannot depend on the choice: vector code runs
 * only in the filters, whose margins are exact either way, and the scalar
 * code rounds the same in both. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(OS_EV_NO_CLONES)
#define OS_EV_SWEEP __attribute__((target_clones("avx2", "default")))
#else
#define OS_EV_SWEEP
#endif

/* 1.5 * 2^52: t + OS_EV_ROUND has t rounded to an integer k in its low
 * mantissa bits (|t| < 2^51), and subtracting it back gives k exactly. */
#define OS_EV_ROUND 6755399441055744.0
#define OS_EV_LOG2E 1.4426950408889634
#define OS_EV_LN2_HI 0.6931471803691238   /* ln 2, high bits (exact products with k) */
#define OS_EV_LN2_LO 1.9082149292705877e-10

/* Clamps X to [-700, 700]; NaN stays NaN (a false comparison keeps X). */
static inline double os_ev_clamp700(double x)
{
    x = x < -700.0 ? -700.0 : x;
    return x > 700.0 ? 700.0 : x;
}

/* 2^k for Z = k + OS_EV_ROUND, |k| <= 1022: k sits in the low bits of Z,
 * so adding the exponent bias and shifting it into the exponent field
 * drops Z's own exponent bits off the top. */
static inline double os_ev_pow2_of_rounded(double z)
{
    uint64_t b;
    memcpy(&b, &z, sizeof b);
    b = (b + 1023u) << 52;
    double s;
    memcpy(&s, &b, sizeof s);
    return s;
}

/* exp(x): x = k ln2 + r with |r| <= ln2/2 (plus rounding), exp(r) by its
 * Taylor polynomial of degree 11 (truncation error < 6e-15 relative). */
static inline double os_ev_exp(double x)
{
    x = os_ev_clamp700(x);
    double z = x * OS_EV_LOG2E + OS_EV_ROUND;
    double k = z - OS_EV_ROUND;
    double r = (x - k * OS_EV_LN2_HI) - k * OS_EV_LN2_LO;
    double p = 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    return p * os_ev_pow2_of_rounded(z);
}

/* An upper bound of exp(x) (1 + OS_FAST_MARGIN), cheaper than os_ev_exp:
 * exp(r) for |r| <= ln2/2 by its Taylor polynomial of degree 3, which lies
 * below exp(r) by a remainder of at most r^4/24 e^|r| < 8.51e-4 of it; the
 * factor 1.00086 (1 + 3 OS_FAST_MARGIN) lifts it above, at most 0.1 %. */
static inline double os_ev_exp_upper(double x)
{
    x = os_ev_clamp700(x);
    double z = x * OS_EV_LOG2E + OS_EV_ROUND;
    double k = z - OS_EV_ROUND;
    double r = (x - k * OS_EV_LN2_HI) - k * OS_EV_LN2_LO;
    double p = ((r * (1.0 / 6.0) + 0.5) * r + 1.0) * r + 1.0;
    return p * os_ev_pow2_of_rounded(z) * (1.00086 * (1.0 + 3.0 * OS_FAST_MARGIN));
}

/* The uniform os_rng_word_uniform makes of W, through a signed conversion
 * (which SSE2 has for vectors; an unsigned one it lacks): w - 2^31 is
 * exact as int32, and adding 2^31 + 1/2 back is exact in a double. */
static inline double os_ev_word_uniform(uint32_t w)
{
    return ((double)(int32_t)(w ^ 0x80000000u) + 2147483648.5) * (1.0 / 4294967296.0);
}

#endif
