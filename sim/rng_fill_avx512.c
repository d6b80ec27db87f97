/* rng_fill_avx512.c - the AVX-512 kernel of os_rng_fill: 16 agents per
 * vector (rng_fill_kern.h).  Needs AVX-512F only; compiled for it alone,
 * and rng_fill.c calls it only when the CPU has it. */
#include "rng_fill_int.h"

#if OS_RNG_X86
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512f")

typedef uint32_t vu __attribute__((vector_size(64)));

/* vpmuludq multiplies the even lanes; the odd ones are moved down first.
 * Shuffles rather than shifts: measured faster (they use other ports). */
static inline vu kern_mulhilo(vu x, uint32_t m, vu *hi)
{
    __m512i mm = _mm512_set1_epi32((int)m);
    __m512i ev = _mm512_mul_epu32((__m512i)x, mm);
    __m512i od = _mm512_mul_epu32(_mm512_shuffle_epi32((__m512i)x, 0xf5), mm);
    *hi = (vu)_mm512_mask_shuffle_epi32(od, 0x5555, ev, 0xf5);
    return (vu)_mm512_mask_shuffle_epi32(ev, 0xaaaa, od, 0xa0);
}

/* A 4 x 16 transpose: after the unpacks, 128-bit part q of u[k] holds
 * lane 4q + k as its 4 words. */
static inline void kern_store(uint32_t *out, size_t stride, vu y0, vu y1, vu y2, vu y3, size_t m)
{
    __m512i t0 = _mm512_unpacklo_epi32((__m512i)y0, (__m512i)y1);
    __m512i t1 = _mm512_unpackhi_epi32((__m512i)y0, (__m512i)y1);
    __m512i t2 = _mm512_unpacklo_epi32((__m512i)y2, (__m512i)y3);
    __m512i t3 = _mm512_unpackhi_epi32((__m512i)y2, (__m512i)y3);
    __m512i u[4] = {_mm512_unpacklo_epi64(t0, t2), _mm512_unpackhi_epi64(t0, t2),
                    _mm512_unpacklo_epi64(t1, t3), _mm512_unpackhi_epi64(t1, t3)};
    if (m == 16 && stride == 4) {   /* one block per agent: 16 agents contiguous */
        /* v0 = lanes 0 4 1 5, v1 = 2 6 3 7, v2 = 8 12 9 13, v3 = 10 14 11 15 */
        __m512i v0 = _mm512_shuffle_i32x4(u[0], u[1], _MM_SHUFFLE(1, 0, 1, 0));
        __m512i v1 = _mm512_shuffle_i32x4(u[2], u[3], _MM_SHUFFLE(1, 0, 1, 0));
        __m512i v2 = _mm512_shuffle_i32x4(u[0], u[1], _MM_SHUFFLE(3, 2, 3, 2));
        __m512i v3 = _mm512_shuffle_i32x4(u[2], u[3], _MM_SHUFFLE(3, 2, 3, 2));
        _mm512_storeu_si512(out, _mm512_shuffle_i32x4(v0, v1, _MM_SHUFFLE(2, 0, 2, 0)));
        _mm512_storeu_si512(out + 16, _mm512_shuffle_i32x4(v0, v1, _MM_SHUFFLE(3, 1, 3, 1)));
        _mm512_storeu_si512(out + 32, _mm512_shuffle_i32x4(v2, v3, _MM_SHUFFLE(2, 0, 2, 0)));
        _mm512_storeu_si512(out + 48, _mm512_shuffle_i32x4(v2, v3, _MM_SHUFFLE(3, 1, 3, 1)));
        return;
    }
    for (size_t j = 0; j < m; j++) {
        __m128i w;
        switch (j >> 2) {   /* the part index must be a constant */
        case 0: w = _mm512_extracti32x4_epi32(u[j & 3], 0); break;
        case 1: w = _mm512_extracti32x4_epi32(u[j & 3], 1); break;
        case 2: w = _mm512_extracti32x4_epi32(u[j & 3], 2); break;
        default: w = _mm512_extracti32x4_epi32(u[j & 3], 3); break;
        }
        _mm_storeu_si128((__m128i *)(out + j * stride), w);
    }
}

#define KERN_NAME os_rng_fill_avx512
#define KERN_LANES 16
#include "rng_fill_kern.h"

#pragma GCC pop_options
#endif
