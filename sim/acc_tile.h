/* acc_tile.h - summary contributions of a tile of agents, for sweeps.
 *
 * os_acc_add rounds each contribution to a fixed-point integer with llrint
 * and adds it to its cell.  A sweep computes a tile's contributions in one
 * pass the compiler can vectorise (os_acc_round, plain arithmetic), then
 * adds them by cell (os_acc_add_tile).  The integers are the ones
 * os_acc_add makes, and integer sums do not depend on the order, so the
 * totals are identical.
 */
#ifndef OS_ACC_TILE_H
#define OS_ACC_TILE_H

#include <stdint.h>
#include <string.h>

#include "model.h"

/* llrint(V * OS_ACC_SCALE) for |V * OS_ACC_SCALE| < 2^51: adding 1.5 * 2^52
 * rounds to an integer in the FPU's mode (nearest-even, as llrint), and
 * the bits of the sum minus those of the constant are that integer.  Sets
 * *WIDE when the value is out of that range (or NaN): the caller then
 * rounds its tile with os_acc_round_libm. */
static inline int64_t os_acc_round(double v, int *wide)
{
    const double magic = 6755399441055744.0;   /* 1.5 * 2^52 */
    double t = v * OS_ACC_SCALE;
    *wide |= !(t > -2251799813685248.0 && t < 2251799813685248.0);   /* +-2^51 */
    double r = t + magic;
    int64_t bits, mbits;
    memcpy(&bits, &r, sizeof bits);
    memcpy(&mbits, &magic, sizeof mbits);
    return bits - mbits;
}

/* The integer os_acc_add adds for V, for any V. */
static inline int64_t os_acc_round_libm(double v)
{
    return (int64_t)__builtin_llrint(v * OS_ACC_SCALE);
}

/* Adds V[i] to column COL of cell CELL[i] (sex * OS_NBANDS + band), i < N. */
static inline void os_acc_add_tile(os_acc *a, int col, const uint8_t *cell, const int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) a->v[cell[i] * OS_MAX_SUMMARY_COLS + col] += v[i];
}

#endif
