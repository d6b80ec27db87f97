/* rng_fill_sse2.c - the SSE2 kernel of os_rng_fill: 4 agents per vector
 * (rng_fill_kern.h).  SSE2 is part of x86-64, so this one runs on every
 * x86-64 CPU. */
#include "rng_fill_int.h"

#if OS_RNG_X86
#include <emmintrin.h>

typedef uint32_t vu __attribute__((vector_size(16)));

/* pmuludq multiplies the even lanes; the odd ones are shifted down first.
 * SSE2 has no blend: the halves are masked and merged. */
static inline vu kern_mulhilo(vu x, uint32_t m, vu *hi)
{
    const __m128i low = _mm_set1_epi64x(0xffffffff);
    __m128i mm = _mm_set1_epi32((int)m);
    __m128i ev = _mm_mul_epu32((__m128i)x, mm);
    __m128i od = _mm_mul_epu32(_mm_srli_epi64((__m128i)x, 32), mm);
    *hi = (vu)_mm_or_si128(_mm_srli_epi64(ev, 32), _mm_andnot_si128(low, od));
    return (vu)_mm_or_si128(_mm_and_si128(ev, low), _mm_slli_epi64(od, 32));
}

/* A 4 x 4 transpose: u[k] is lane k's 4 words. */
static inline void kern_store(uint32_t *out, size_t stride, vu y0, vu y1, vu y2, vu y3, size_t m)
{
    __m128i t0 = _mm_unpacklo_epi32((__m128i)y0, (__m128i)y1);
    __m128i t1 = _mm_unpackhi_epi32((__m128i)y0, (__m128i)y1);
    __m128i t2 = _mm_unpacklo_epi32((__m128i)y2, (__m128i)y3);
    __m128i t3 = _mm_unpackhi_epi32((__m128i)y2, (__m128i)y3);
    __m128i u[4] = {_mm_unpacklo_epi64(t0, t2), _mm_unpackhi_epi64(t0, t2),
                    _mm_unpacklo_epi64(t1, t3), _mm_unpackhi_epi64(t1, t3)};
    for (size_t j = 0; j < m; j++) _mm_storeu_si128((__m128i *)(out + j * stride), u[j]);
}

#define KERN_NAME os_rng_fill_sse2
#define KERN_LANES 4
#include "rng_fill_kern.h"
#endif
