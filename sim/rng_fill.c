/* rng_fill.c - os_rng_fill: batched Philox4x32-10 (rng_fill.h), and the
 * choice of its kernel.
 *
 * The kernel is chosen once, from the CPU and the environment variable
 * OSTEOSIM_SIMD, and is the same for the whole run.  Every kernel gives the
 * same words (tests/unit/test_rng_fill.c), so the choice changes speed only.
 */
#include "rng_fill.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "rng_fill_int.h"

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

typedef struct kernel {
    const char *name;
    os_rng_fill_fn *fn;
    const char *isa;     /* the instruction set it needs, for messages */
} kernel;

/* Fastest last: "auto" takes the last one the CPU runs. */
static const kernel kernels[] = {
    {"scalar", fill_scalar, ""},
#if OS_RNG_X86
    {"sse2", os_rng_fill_sse2, "SSE2"},
    {"avx2", os_rng_fill_avx2, "AVX2"},
    {"avx512", os_rng_fill_avx512, "AVX-512F"},
#endif
};
enum { NKERNELS = sizeof kernels / sizeof kernels[0] };

static int cpu_runs(const kernel *k)
{
#if OS_RNG_X86
    __builtin_cpu_init();
    if (k->fn == os_rng_fill_avx2) return __builtin_cpu_supports("avx2");
    if (k->fn == os_rng_fill_avx512) return __builtin_cpu_supports("avx512f");
#endif
    (void)k;
    return 1;   /* scalar, and SSE2 (part of x86-64) */
}

/* Set once before the first fill (os_rng_fill_setup, or the first fill
 * itself); atomic because the first fill may come from several threads. */
static _Atomic(const kernel *) active;

/* The kernels this build has and the CPU runs, as "scalar sse2 ...". */
static void list_runnable(char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < NKERNELS && len < n; i++)
        if (cpu_runs(&kernels[i]))
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", kernels[i].name);
}

/* The kernel NAME asks for, or NULL with one line in ERR saying why.  WHAT
 * names where NAME came from. */
static const kernel *find(const char *name, const char *what, os_err *err)
{
    char avail[128];
    list_runnable(avail, sizeof avail);
    if (!name[0] || strcmp(name, "auto") == 0) {
        for (int i = NKERNELS - 1; i > 0; i--)
            if (cpu_runs(&kernels[i])) return &kernels[i];
        return &kernels[0];
    }
    if (strcmp(name, "off") == 0) return &kernels[0];
    for (int i = 0; i < NKERNELS; i++) {
        if (strcmp(name, kernels[i].name) != 0) continue;
        if (cpu_runs(&kernels[i])) return &kernels[i];
        os_fail(err, OS_ECONFIG, "%s=%s: this CPU lacks %s (kernels it runs: %s)", what, name,
                kernels[i].isa, avail);
        return NULL;
    }
    static const char *const known[] = {"sse2", "avx2", "avx512"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i]) == 0) {
            os_fail(err, OS_ECONFIG, "%s=%s: kernel not in this build (built with OSTEOSIM_SIMD=OFF "
                    "or not for x86-64; kernels it has: %s)", what, name, avail);
            return NULL;
        }
    os_fail(err, OS_ECONFIG, "%s=%s: unknown kernel (use auto, off, scalar, sse2, avx2 or avx512)",
            what, name);
    return NULL;
}

int os_rng_fill_use(const char *name, os_err *err)
{
    const kernel *k = find(name, "kernel", err);
    if (!k) return OS_ECONFIG;
    atomic_store(&active, k);
    return OS_OK;
}

int os_rng_fill_setup(os_err *err)
{
    const char *env = getenv("OSTEOSIM_SIMD");
    const kernel *k = find(env ? env : "", "OSTEOSIM_SIMD", err);
    if (!k) return OS_ECONFIG;
    atomic_store(&active, k);
    return OS_OK;
}

int os_rng_fill_available(const char *name)
{
    for (int i = 0; i < NKERNELS; i++)
        if (strcmp(name, kernels[i].name) == 0) return cpu_runs(&kernels[i]);
    return 0;
}

/* The active kernel, chosen now if no one chose before.  A program that
 * did not call os_rng_fill_setup (the command line does, before anything
 * else) learns of a bad OSTEOSIM_SIMD here and cannot go on. */
static const kernel *current(void)
{
    const kernel *k = atomic_load_explicit(&active, memory_order_acquire);
    if (k) return k;
    os_err err = {0};
    if (os_rng_fill_setup(&err)) {
        fprintf(stderr, "osteosim: %s\n", err.msg);
        exit(OS_ECONFIG);
    }
    return atomic_load(&active);
}

void os_rng_fill(uint32_t *out, const uint32_t *ids, size_t n, uint64_t seed, uint32_t year,
                 uint32_t purpose, uint32_t block, uint32_t nblocks)
{
    os_rng_blocks += (uint64_t)n * nblocks;
    current()->fn(out, ids, n, seed, year, purpose, block, nblocks);
}

const char *os_rng_fill_kernel(void)
{
    return current()->name;
}
