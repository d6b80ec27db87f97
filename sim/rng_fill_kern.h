/* rng_fill_kern.h - the body of a vectorised os_rng_fill kernel: Philox4x32-10
 * with one agent per 32-bit lane.  Included once per instruction set by
 * rng_fill_{sse2,avx2,avx512}.c, after they define
 *
 *   KERN_NAME                 the kernel's function name
 *   KERN_LANES                lanes (agents) per vector
 *   vu                        a GCC vector of KERN_LANES uint32_t
 *   kern_mulhilo(x, m, &hi)   low words of the 32x32->64 products x[j] * m
 *                             (returns) and their high words (in hi)
 *   kern_store(out, stride, y0, y1, y2, y3, m)
 *                             word w of lane j (j < m) to out[j * stride + w]
 *
 * Only the agent id (key word 0) differs between lanes: the counter
 * (year, purpose, block, seed high bits) and key word 1 (seed low bits) are
 * the same for every lane.  So round 1 is the same for all lanes except for
 * the id XORed into word 0, and round 2's product of word 2 is the same too:
 * both are computed once per block, in scalar code.  The arithmetic is
 * Random123's philox4x32 (Random123/philox.h), step for step.
 */
#include <string.h>

#include <Random123/philox.h>

#define KERN_M0 PHILOX_M4x32_0
#define KERN_M1 PHILOX_M4x32_1
#define KERN_W0 PHILOX_W32_0
#define KERN_W1 PHILOX_W32_1

void KERN_NAME(uint32_t *out, const uint32_t *ids, size_t n, uint64_t seed, uint32_t year,
               uint32_t purpose, uint32_t block, uint32_t nblocks)
{
    const uint32_t klo = (uint32_t)seed, shi = (uint32_t)(seed >> 32);
    const size_t stride = (size_t)nblocks * 4;
    const uint64_t py = (uint64_t)KERN_M0 * year;   /* round 1, word 0 */
    for (uint32_t b = 0; b < nblocks; b++) {
        /* Round 1 on (year, purpose, block + b, shi) with key (id, klo):
         * x0 = c0 ^ id, x1 = c1, x2 = c2, x3 = c3. */
        const uint64_t pc = (uint64_t)KERN_M1 * (uint32_t)(block + b);
        const uint32_t c0 = (uint32_t)(pc >> 32) ^ purpose, c1 = (uint32_t)pc;
        const uint32_t c2 = (uint32_t)(py >> 32) ^ shi ^ klo, c3 = (uint32_t)py;
        /* Round 2 with key (id + W0, klo + W1): y0 = d0 ^ (id + W0), y1 = d1,
         * y2 = hi(M0 x0) ^ d2, y3 = lo(M0 x0). */
        const uint64_t p2 = (uint64_t)KERN_M1 * c2;
        const uint32_t d0 = (uint32_t)(p2 >> 32) ^ c1, d1 = (uint32_t)p2;
        const uint32_t d2 = c3 ^ (klo + KERN_W1);
        for (size_t i = 0; i < n; i += KERN_LANES) {
            size_t m = n - i < KERN_LANES ? n - i : KERN_LANES;
            vu id;
            if (m == KERN_LANES) {
                memcpy(&id, ids + i, sizeof id);
            } else {   /* the last, partial vector: unused lanes compute id 0 */
                uint32_t t[KERN_LANES] = {0};
                memcpy(t, ids + i, m * sizeof *t);
                memcpy(&id, t, sizeof id);
            }
            vu hi, lo = kern_mulhilo(id ^ c0, KERN_M0, &hi);
            vu k0 = id + KERN_W0;
            uint32_t k1 = klo + KERN_W1;
            vu y0 = k0 ^ d0, y1 = (vu){0} + d1, y2 = hi ^ d2, y3 = lo;
            for (int r = 2; r < 10; r++) {   /* rounds 3 to 10 */
                k0 += KERN_W0;
                k1 += KERN_W1;
                vu h0, l0 = kern_mulhilo(y0, KERN_M0, &h0);
                vu h1, l1 = kern_mulhilo(y2, KERN_M1, &h1);
                y0 = h1 ^ y1 ^ k0;
                y1 = l1;
                y2 = h0 ^ y3 ^ k1;
                y3 = l0;
            }
            kern_store(out + i * stride + (size_t)b * 4, stride, y0, y1, y2, y3, m);
        }
    }
}
