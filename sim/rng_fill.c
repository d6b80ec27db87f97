/* rng_fill.c - os_rng_fill: batched Philox4x32-10 (rng_fill.h). */
#include "rng_fill.h"

#include <Random123/philox.h>

/* The portable kernel: one Philox call per block, as os_rng_refill. */
static void fill_scalar(uint32_t *out, const uint32_t *ids, size_t n, uint64_t seed,
                        uint32_t year, uint32_t purpose, uint32_t block, uint32_t nblocks)
{
    for (size_t i = 0; i < n; i++) {
        philox4x32_key_t k = {{ids[i], (uint32_t)seed}};
        for (uint32_t b = 0; b < nblocks; b++) {
            philox4x32_ctr_t c = {{year, purpose, block + b, (uint32_t)(seed >> 32)}};
            philox4x32_ctr_t o = philox4x32(c, k);
            uint32_t *w = out + (i * nblocks + b) * 4;
            for (int j = 0; j < 4; j++) w[j] = o.v[j];
        }
    }
}

void os_rng_fill(uint32_t *out, const uint32_t *ids, size_t n, uint64_t seed, uint32_t year,
                 uint32_t purpose, uint32_t block, uint32_t nblocks)
{
    os_rng_blocks += (uint64_t)n * nblocks;
    fill_scalar(out, ids, n, seed, year, purpose, block, nblocks);
}

const char *os_rng_fill_kernel(void)
{
    return "scalar";
}
