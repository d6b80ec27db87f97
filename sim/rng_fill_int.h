/* rng_fill_int.h - the kernels behind os_rng_fill (rng_fill.c chooses one).
 *
 * Every kernel has os_rng_fill's signature and contract (rng_fill.h) and
 * gives the same words; they differ only in how many agents' Philox blocks
 * they compute at once.  The vectorised ones (rng_fill_{sse2,avx2,avx512}.c)
 * exist on x86-64 when the build has OSTEOSIM_SIMD=ON (OS_RNG_SIMD); each is
 * compiled for its own instruction set, so the rest of the program stays
 * generic x86-64 and a kernel runs only where the CPU has its instructions.
 */
#ifndef OS_RNG_FILL_INT_H
#define OS_RNG_FILL_INT_H

#include <stddef.h>
#include <stdint.h>

typedef void os_rng_fill_fn(uint32_t *out, const uint32_t *ids, size_t n, uint64_t seed,
                            uint32_t year, uint32_t purpose, uint32_t block, uint32_t nblocks);

#if defined(OS_RNG_SIMD) && OS_RNG_SIMD && defined(__x86_64__) && defined(__GNUC__)
#define OS_RNG_X86 1
os_rng_fill_fn os_rng_fill_sse2, os_rng_fill_avx2, os_rng_fill_avx512;
#else
#define OS_RNG_X86 0
#endif

#endif
