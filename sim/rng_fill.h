/* rng_fill.h - many agents' streams at once, for column sweeps.
 *
 * A model loop that draws the same purpose for every agent of a chunk asks
 * for the first blocks of all their streams in one call, then computes from
 * the words.  The words are exactly those os_rng_u32 returns after
 * os_rng_init(r, seed, ids[i], year, purpose) and os_rng_seek_block(r,
 * block): batching changes where they are computed, never what they are.
 * A draw beyond the batched blocks continues the scalar stream with
 * os_rng_init_at(..., block + nblocks).
 *
 * Sweeps work in tiles of OS_RNG_TILE agents so that the words (16 bytes
 * per block and agent) stay in the first-level cache beside the columns.
 * The kernel is vectorised where the CPU allows (sim/rng_fill.c chooses it
 * at run time); every kernel gives the same words.
 */
#ifndef OS_RNG_FILL_H
#define OS_RNG_FILL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rng.h"

#define OS_RNG_TILE 256

/* Words of blocks [BLOCK, BLOCK + NBLOCKS) of the streams (SEED, IDS[i],
 * YEAR, PURPOSE) for i < N: word w of block b of agent i is
 * OUT[(i * NBLOCKS + b) * 4 + w].  OUT holds N * NBLOCKS * 4 words. */
void os_rng_fill(uint32_t *out, const uint32_t *ids, size_t n, uint64_t seed, uint32_t year,
                 uint32_t purpose, uint32_t block, uint32_t nblocks);

/* The uniform on (0, 1) that os_rng_uniform makes of word W. */
static inline double os_rng_word_uniform(uint32_t w)
{
    return ((double)w + 0.5) * (1.0 / 4294967296.0);
}

/* A scalar stream positioned at the start of block BLOCK: the draws after
 * the ones a batch already gave. */
static inline void os_rng_init_at(os_rng *r, uint64_t seed, uint32_t agent, uint32_t year,
                                  uint32_t purpose, uint32_t block)
{
    os_rng_init(r, seed, agent, year, purpose);
    os_rng_seek_block(r, block);
}

/* The name of the kernel os_rng_fill uses ("scalar", "sse2", "avx2",
 * "avx512"), for the run's provenance and the benchmark. */
const char *os_rng_fill_kernel(void);

/* Chooses the kernel once, before the first fill: the fastest one the
 * build has and the CPU runs, unless the environment variable
 * OSTEOSIM_SIMD names one (auto, off or scalar: the portable kernel, sse2,
 * avx2, avx512).  An unknown name, or a kernel the build lacks or the CPU
 * cannot run, is OS_ECONFIG with one line in ERR (never a silent
 * fallback).  The command line calls it first thing; a program that does
 * not has it called by its first fill, which ends the program (exit 2)
 * with that line on stderr. */
int os_rng_fill_setup(os_err *err);

/* Makes kernel NAME (as OSTEOSIM_SIMD) the one os_rng_fill uses, for tests
 * and benchmarks that compare kernels; not while another thread fills.
 * OS_ECONFIG with one line in ERR if NAME cannot be used. */
int os_rng_fill_use(const char *name, os_err *err);

/* 1 if kernel NAME ("scalar", "sse2", "avx2", "avx512") is in this build
 * and the CPU runs it, else 0. */
int os_rng_fill_available(const char *name);

#endif
