/* fastmath.h - inline approximations of exp, log and cos for exact
 * decision filters in the hot loops.
 *
 * They are NOT a replacement for libm: results of the model are computed
 * with libm exactly as before.  A module uses them to decide cheaply the
 * cases where libm's value cannot matter, e.g. a Bernoulli draw
 * "u < 1 - exp(-exp(lh))" is certainly false when u is above an upper bound
 * of exp(lh) by a margin far larger than the approximation error; only draws
 * near the threshold (a tiny share) pay for the libm calls.  So results stay
 * bitwise identical while most libm calls disappear.
 *
 * They are short (table and low-degree polynomials) because a long
 * polynomial costs more latency than libm's own table-driven functions.
 * Accuracy, checked by tests/unit/test_fastmath.c against libm: relative
 * error below 2e-12 for os_fast_exp on [-700, 700]; below 2e-12 relative
 * (or absolute, for |log x| < 1) for os_fast_log; absolute error below
 * 2e-10 for os_fast_cos2pi.  Callers' margins are at least 1e-8
 * (OS_FAST_MARGIN), more where errors propagate.
 */
#ifndef OS_FASTMATH_H
#define OS_FASTMATH_H

#include <stdint.h>
#include <string.h>

/* Margin, relative or absolute as the caller documents, that covers the
 * approximation error of these functions and libm's own (a few ulp) with
 * a wide safety factor. */
#define OS_FAST_MARGIN 1e-8

/* 2^(j/32), j = 0..31. */
static const double os_fast_exp2_tab[32] = {
    1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237,
    1.0905077326652577, 1.1143867425958924, 1.1387886347566916, 1.1637248587775775,
    1.189207115002721, 1.215247359980469, 1.241857812073484, 1.2690509571917332,
    1.2968395546510096, 1.3252366431597413, 1.3542555469368927, 1.383909881963832,
    1.4142135623730951, 1.4451808069770467, 1.4768261459394993, 1.5091644275934228,
    1.5422108254079407, 1.5759808451078865, 1.6104903319492543, 1.645755478153965,
    1.681792830507429, 1.718619298122478, 1.7562521603732995, 1.7947090750031072,
    1.8340080864093424, 1.8741676341103, 1.9152065613971474, 1.9571441241754002,
};

/* exp(x): x = (n/32) ln2 + r with |r| <= ln2/64, exp(r) by its Taylor
 * polynomial of degree 4 (truncation error < 1.3e-12 relative). */
static inline double os_fast_exp(double x)
{
    x = x < -700.0 ? -700.0 : (x > 700.0 ? 700.0 : x);
    double t = x * 46.16624130844683;             /* 32 / ln2 */
    int n = (int)(t + (t >= 0.0 ? 0.5 : -0.5));
    double r = x - n * 0.02166084938653512 - n * 5.9631716539705866e-12;   /* ln2/32, hi + lo */
    double r2 = r * r;
    double p = (1.0 + r) + r2 * ((0.5 + r * (1.0 / 6.0)) + r2 * (1.0 / 24.0));
    int m = n + 32768;                            /* > 0 for x >= -700 */
    uint64_t b = (uint64_t)((m >> 5) - 1024 + 1023) << 52;
    double s;
    memcpy(&s, &b, sizeof s);
    return p * os_fast_exp2_tab[m & 31] * s;
}

/* log(x) for normal positive x: x = 2^e m with m in [sqrt(1/2), sqrt(2)),
 * log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, odd series to
 * s^13 (truncation error < 1e-12 relative). */
static inline double os_fast_log(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    int e = (int)((b >> 52) & 0x7ff) - 1023;
    b = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;   /* m in [1, 2) */
    double m;
    memcpy(&m, &b, sizeof m);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e++;
    }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s, s4 = s2 * s2;
    double p = (1.0 + s2 * (1.0 / 3.0)) + s4 * ((1.0 / 5.0 + s2 * (1.0 / 7.0)) +
               s4 * ((1.0 / 9.0 + s2 * (1.0 / 11.0)) + s4 * (1.0 / 13.0)));
    return 2.0 * s * p + e * 0.6931471805599453;
}

/* cos(2 pi u) for u >= 0: reduced to v = |u - round(u)| in [0, 1/2], folded
 * to [0, 1/4] (sign flip) and evaluated as cos x or sin(pi/2 - x) with
 * x <= pi/4 by Taylor polynomials to x^10 and x^11. */
static inline double os_fast_cos2pi(double u)
{
    double v = u - (double)(int)(u + 0.5);
    v = v < 0.0 ? -v : v;
    double sign = 1.0;
    if (v > 0.25) {                           /* cos(2pi v) = -cos(2pi (1/2 - v)) */
        v = 0.5 - v;
        sign = -1.0;
    }
    double x = 6.283185307179586 * v;         /* in [0, pi/2] */
    double r;
    if (x <= 0.7853981633974483) {
        double x2 = x * x, x4 = x2 * x2;
        r = (1.0 - 0.5 * x2) + x4 * ((1.0 / 24.0 - x2 * (1.0 / 720.0)) +
            x4 * ((1.0 / 40320.0 - x2 * (1.0 / 3628800.0))));
    } else {
        double y = 1.5707963267948966 - x, y2 = y * y, y4 = y2 * y2;
        r = y * ((1.0 - y2 * (1.0 / 6.0)) + y4 * ((1.0 / 120.0 - y2 * (1.0 / 5040.0)) +
            y4 * ((1.0 / 362880.0 - y2 * (1.0 / 39916800.0)))));
    }
    return sign * r;
}

/* ---- Versions for loops over columns ----
 *
 * A loop vectorises only if it has no branches, no table look-ups (the
 * gathers are not vectorised for the baseline x86-64 target) and no
 * conversion of a double comparison to an integer (a 64-bit lane mask
 * cannot become a 32-bit one there).  These versions use only
 * floating-point selects, exact integer tricks and 64-bit bit operations.
 * os_fast_log_v and os_fast_cos2pi_v return bitwise the values of
 * os_fast_log and os_fast_cos2pi (the same operations);
 * os_fast_exp_v has os_fast_exp's error bound, without its table.  All
 * are tested in tests/unit/test_fastmath.c.
 */

/* The bits of a double and back. */
static inline uint64_t os_fast_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static inline double os_fast_from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* 2^52 + 2^51: adding it to |y| < 2^51 rounds y to an integer (to nearest,
 * ties to even) held in the low bits of the sum. */
#define OS_FAST_SHIFT 6755399441055744.0

/* exp(x) on [-700, 700] (clamped outside): x = n ln2 + r, |r| <= ln2/2 (n
 * rounded with OS_FAST_SHIFT; ln2 split hi + lo as fdlibm's), exp(r) by
 * its Taylor polynomial of degree 12 (truncation error below 1e-15
 * relative), 2^n from its exponent bits (n in [-1010, 1010]: normal).
 * Relative error below 2e-12, as os_fast_exp. */
static inline double os_fast_exp_v(double x)
{
    x = x < -700.0 ? -700.0 : x;
    x = x > 700.0 ? 700.0 : x;
    double k = x * 1.4426950408889634 + OS_FAST_SHIFT;       /* 1 / ln2 */
    uint64_t kb = os_fast_bits(k);
    double n = k - OS_FAST_SHIFT;
    double r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double p = ((1.0 + r) + r2 * (1.0 / 2 + r * (1.0 / 6))) +
               r4 * ((1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720 + r * (1.0 / 5040))) +
               r8 * ((1.0 / 40320 + r * (1.0 / 362880)) +
                     r2 * (1.0 / 3628800 + r * (1.0 / 39916800)) + r4 * (1.0 / 479001600));
    /* The low bits of kb are n (two's complement): n + 1023 in [13, 2033]
     * fills the exponent field exactly. */
    return p * os_fast_from_bits((kb + 1023) << 52);
}

/* os_fast_log (same value) for normal positive x. */
static inline double os_fast_log_v(double x)
{
    uint64_t b = os_fast_bits(x);
    /* The biased exponent E as a double: 2^52 + E minus 2^52. */
    double e = os_fast_from_bits((b >> 52) | 0x4330000000000000ull) - 4503599627370496.0 - 1023.0;
    double m = os_fast_from_bits((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
    double mh = m * 0.5, e1 = e + 1.0;
    int big = m > 1.4142135623730951;
    m = big ? mh : m;
    e = big ? e1 : e;
    double s = (m - 1.0) / (m + 1.0), s2 = s * s, s4 = s2 * s2;
    double p = (1.0 + s2 * (1.0 / 3.0)) + s4 * ((1.0 / 5.0 + s2 * (1.0 / 7.0)) +
               s4 * ((1.0 / 9.0 + s2 * (1.0 / 11.0)) + s4 * (1.0 / 13.0)));
    return 2.0 * s * p + e * 0.6931471805599453;
}

/* os_fast_cos2pi (same value) for 0 <= u < 2^31 - 1: both polynomials
 * evaluated, one selected. */
static inline double os_fast_cos2pi_v(double u)
{
    double v = u - (double)(int)(u + 0.5);
    v = v < 0.0 ? -v : v;
    double vf = 0.5 - v;
    int fold = v > 0.25;                      /* cos(2pi v) = -cos(2pi (1/2 - v)) */
    v = fold ? vf : v;
    double sign = fold ? -1.0 : 1.0;
    double x = 6.283185307179586 * v;         /* in [0, pi/2] */
    double x2 = x * x, x4 = x2 * x2;
    double rc = (1.0 - 0.5 * x2) + x4 * ((1.0 / 24.0 - x2 * (1.0 / 720.0)) +
                x4 * ((1.0 / 40320.0 - x2 * (1.0 / 3628800.0))));
    double y = 1.5707963267948966 - x, y2 = y * y, y4 = y2 * y2;
    double rs = y * ((1.0 - y2 * (1.0 / 6.0)) + y4 * ((1.0 / 120.0 - y2 * (1.0 / 5040.0)) +
                y4 * ((1.0 / 362880.0 - y2 * (1.0 / 39916800.0)))));
    double r = x <= 0.7853981633974483 ? rc : rs;
    return sign * r;
}

#endif
