/* rng_fill_avx2.c - the AVX2 kernel of os_rng_fill: 8 agents per vector
 * (rng_fill_kern.h).  Compiled for AVX2 alone; rng_fill.c calls it only
 * when the CPU has AVX2. */
#include "rng_fill_int.h"

#if OS_RNG_X86
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2")

typedef uint32_t vu __attribute__((vector_size(32)));

/* vpmuludq multiplies the even lanes; the odd ones are moved down first.
 * Shuffles rather than shifts: measured faster (they use other ports). */
static inline vu kern_mulhilo(vu x, uint32_t m, vu *hi)
{
    __m256i mm = _mm256_set1_epi32((int)m);
    __m256i ev = _mm256_mul_epu32((__m256i)x, mm);
    __m256i od = _mm256_mul_epu32(_mm256_shuffle_epi32((__m256i)x, 0xf5), mm);
    *hi = (vu)_mm256_blend_epi32(_mm256_shuffle_epi32(ev, 0xf5), od, 0xaa);
    return (vu)_mm256_blend_epi32(ev, _mm256_shuffle_epi32(od, 0xa0), 0xaa);
}

/* A 4 x 8 transpose: after the unpacks, u[k] holds lanes k (low half) and
 * k + 4 (high half), each as its 4 words. */
static inline void kern_store(uint32_t *out, size_t stride, vu y0, vu y1, vu y2, vu y3, size_t m)
{
    __m256i t0 = _mm256_unpacklo_epi32((__m256i)y0, (__m256i)y1);
    __m256i t1 = _mm256_unpackhi_epi32((__m256i)y0, (__m256i)y1);
    __m256i t2 = _mm256_unpacklo_epi32((__m256i)y2, (__m256i)y3);
    __m256i t3 = _mm256_unpackhi_epi32((__m256i)y2, (__m256i)y3);
    __m256i u[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
                    _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3)};
    if (m == 8 && stride == 4) {   /* one block per agent: 8 agents contiguous */
        _mm256_storeu_si256((__m256i *)out, _mm256_permute2x128_si256(u[0], u[1], 0x20));
        _mm256_storeu_si256((__m256i *)(out + 8), _mm256_permute2x128_si256(u[2], u[3], 0x20));
        _mm256_storeu_si256((__m256i *)(out + 16), _mm256_permute2x128_si256(u[0], u[1], 0x31));
        _mm256_storeu_si256((__m256i *)(out + 24), _mm256_permute2x128_si256(u[2], u[3], 0x31));
        return;
    }
    for (size_t j = 0; j < m; j++) {
        __m128i w = j < 4 ? _mm256_castsi256_si128(u[j]) : _mm256_extracti128_si256(u[j - 4], 1);
        _mm_storeu_si128((__m128i *)(out + j * stride), w);
    }
}

#define KERN_NAME os_rng_fill_avx2
#define KERN_LANES 8
#include "rng_fill_kern.h"

#pragma GCC pop_options
#endif
