/* cmd_floor.c - `osteosim floor`: the cost of only the random-number and memory
 * work of a run, measured with the same generator, layout and threading.
 *
 *   osteosim floor --agents N --years Y --blocks B --bytes S [--threads T] [--simd]
 *
 * For each agent-year it opens a Philox stream, draws B blocks (fractional B
 * is spread over agents), and reads and writes S bytes of per-agent state in
 * float columns.  With --simd the same blocks come from os_rng_fill in tiles
 * of OS_RNG_TILE agents, as column sweeps draw them (rng_fill.h), with the
 * kernel OSTEOSIM_SIMD chooses.  scripts/bench.sh feeds it the blocks per agent-year and the
 * bytes per agent of a real run, so model time / floor time shows how close
 * the engine is to the limit of its own random-number and memory work.
 */
#include "cmd_floor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "rng.h"
#include "rng_fill.h"

static const char *const usage_floor =
    "usage: osteosim floor --agents N --years Y --blocks B --bytes S [--threads T] [--simd]\n"
    "\n"
    "Times only the random draws (B Philox blocks per agent-year) and the state\n"
    "traffic (S bytes per agent read and written per year) of a run.  --simd draws\n"
    "the blocks in batches (os_rng_fill, tiles of 256 agents) with the kernel that\n"
    "the environment variable OSTEOSIM_SIMD chooses (auto, scalar, sse2, avx2, avx512).\n";

/* The sizes of the floor run. */
typedef struct floor_args {
    double agents, years, blocks, bytes, threads;
    int simd;   /* --simd: batched draws */
} floor_args;

/* Fills A from ARGV: 0 to proceed, -1 when --help/--version was handled,
 * else the exit code of a usage error. */
static int parse_args(floor_args *a, int argc, char **argv, os_cmd_err *e)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_floor, stdout);
            return -1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            os_cmd_version();
            return -1;
        }
        if (strcmp(argv[i], "--simd") == 0) {
            a->simd = 1;
            continue;
        }
        double *dst = strcmp(argv[i], "--agents") == 0 ? &a->agents
                    : strcmp(argv[i], "--years") == 0 ? &a->years
                    : strcmp(argv[i], "--blocks") == 0 ? &a->blocks
                    : strcmp(argv[i], "--bytes") == 0 ? &a->bytes
                    : strcmp(argv[i], "--threads") == 0 ? &a->threads : NULL;
        char *end = NULL;
        if (!dst || i + 1 >= argc || (*dst = strtod(argv[i + 1], &end), *end) || *dst < 0)
            return os_cmd_fail(e, "floor", OS_ECONFIG, "bad or missing value for '%s' (see 'osteosim floor --help')", argv[i]);
        i++;
    }
    if (a->agents < 1 || a->years < 1 || a->bytes < 1)
        return os_cmd_fail(e, "floor", OS_ECONFIG, "--agents, --years and --bytes are required (see 'osteosim floor --help')");
    if (a->blocks > 65536 || a->agents > 4294967296.0)   /* uint32 block and agent ids */
        return os_cmd_fail(e, "floor", OS_ECONFIG, "--blocks at most 65536 and --agents at most 2^32 (see 'osteosim floor --help')");
    return OS_OK;
}

/* The blocks of agents [B, E) in year Y, batched: WHOLE blocks for every
 * agent of a tile, then the fractional block for the agents it goes to;
 * X[i - B] is the XOR of agent i's words.  W holds OS_RNG_TILE * (WHOLE + 1)
 * * 4 words. */
static void draw_batched(uint32_t *x, size_t b, size_t e, uint32_t y, uint32_t purpose, int whole,
                         uint32_t frac, uint32_t *w)
{
    uint32_t ids[OS_RNG_TILE], extra[OS_RNG_TILE];
    for (size_t t = b; t < e; t += OS_RNG_TILE) {
        size_t n = e - t < OS_RNG_TILE ? e - t : OS_RNG_TILE, ne = 0;
        for (size_t i = 0; i < n; i++) {
            ids[i] = (uint32_t)(t + i);
            if ((uint32_t)((t + i) * 2654435761u) < frac) extra[ne++] = (uint32_t)i;
        }
        os_rng_fill(w, ids, n, 1, y, purpose, 0, (uint32_t)whole);
        for (size_t i = 0; i < n; i++) {
            uint32_t v = 0;
            for (size_t k = 0; k < (size_t)whole * 4; k++) v ^= w[i * (size_t)whole * 4 + k];
            x[t - b + i] = v;
        }
        if (!ne) continue;
        for (size_t j = 0; j < ne; j++) ids[j] = (uint32_t)(t + extra[j]);
        os_rng_fill(w, ids, ne, 1, y, purpose, (uint32_t)whole, 1);
        for (size_t j = 0; j < ne; j++)
            x[t - b + extra[j]] ^= w[j * 4] ^ w[j * 4 + 1] ^ w[j * 4 + 2] ^ w[j * 4 + 3];
    }
}

/* Words per thread of the batched draws: a chunk's XORs and a tile's words. */
static size_t scratch_words(const floor_args *a)
{
    return 8192 + (size_t)OS_RNG_TILE * 4 * ((size_t)a->blocks + 1);
}

/* Years of draws and state traffic over the N agents' NCOLS columns COL,
 * on NT threads (SCRATCH: scratch_words per thread, for --simd); returns
 * the wall time in seconds. */
static double time_floor(float **col, size_t n, size_t ncols, const floor_args *a, int nt,
                         uint32_t *scratch)
{
    const size_t per_thread = scratch_words(a);
    int whole = (int)a->blocks;
    uint32_t frac = (uint32_t)((a->blocks - whole) * 4294967296.0);
    uint32_t purpose = os_rng_purpose("floor");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int y = 0; y < (int)a->years; y++) {
        long nk = (long)((n + 8191) / 8192);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
        for (long k = 0; k < nk; k++) {
            size_t b = (size_t)k * 8192, e = b + 8192 < n ? b + 8192 : n;
            if (a->simd) {
                uint32_t *x = scratch + (size_t)omp_get_thread_num() * per_thread, *w = x + 8192;
                draw_batched(x, b, e, (uint32_t)y, purpose, whole, frac, w);
                for (size_t c = 0; c < ncols; c++)
                    for (size_t i = b; i < e; i++) col[c][i] = col[c][i] * 0.999f + (float)(x[i - b] & 1u);
                continue;
            }
            for (size_t i = b; i < e; i++) {
                os_rng r;
                os_rng_init(&r, 1, (uint32_t)i, (uint32_t)y, purpose);
                uint32_t x = 0;
                /* The fractional block goes to a pseudo-random share of agents. */
                int nb = whole + ((uint32_t)(i * 2654435761u) < frac);
                for (int j = 0; j < nb; j++) {
                    os_rng_refill(&r);
                    x ^= r.buf[0] ^ r.buf[1] ^ r.buf[2] ^ r.buf[3];
                }
                for (size_t c = 0; c < ncols; c++)
                    col[c][i] = col[c][i] * 0.999f + (float)(x & 1u);
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
}

int os_cmd_floor(int argc, char **argv, os_cmd_err *e)
{
    floor_args a = {0};
    int rc = parse_args(&a, argc, argv, e);
    if (rc) return rc < 0 ? OS_OK : rc;
    size_t n = (size_t)a.agents, ncols = ((size_t)a.bytes + 3) / 4;
    int nt = a.threads >= 1 ? (int)a.threads : omp_get_max_threads();
    float **col = calloc(ncols, sizeof *col);
    int short_of_memory = !col;
    for (size_t c = 0; col && c < ncols && !short_of_memory; c++)
        short_of_memory = !(col[c] = malloc(n * sizeof **col));
    uint32_t *scratch = a.simd ? malloc((size_t)nt * scratch_words(&a) * sizeof *scratch) : NULL;
    short_of_memory |= a.simd && !scratch;
    if (short_of_memory) {
        for (size_t c = 0; col && c < ncols; c++) free(col[c]);
        free(col);
        free(scratch);
        return os_cmd_fail(e, "floor", OS_ERUN, "out of memory");
    }
    for (size_t c = 0; c < ncols; c++)
        for (size_t i = 0; i < n; i++) col[c][i] = 1.0f;
    double wall = time_floor(col, n, ncols, &a, nt, scratch);
    double check = 0;
    for (size_t c = 0; c < ncols; c++)   /* every agent's state: depends on every draw */
        for (size_t i = 0; i < n; i++) check += col[c][i];
    /* The checksum is the same with and without --simd: the same words. */
    printf("floor: %.4g agent-years in %.3f s: %.4g agent-years/s (%d threads; %.2f blocks and %zu bytes per agent-year; checksum %.3f; %s)\n",
           a.agents * a.years, wall, a.agents * a.years / wall, nt, a.blocks, ncols * 4, check,
           a.simd ? "batched" : "scalar streams");
    if (a.simd) printf("floor: kernel %s\n", os_rng_fill_kernel());
    for (size_t c = 0; c < ncols; c++) free(col[c]);
    free(col);
    free(scratch);
    return OS_OK;
}
