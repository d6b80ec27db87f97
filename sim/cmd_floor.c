/* cmd_floor.c - `osteosim floor`: the cost of only the random-number and memory
 * work of a run, measured with the same generator, layout and threading.
 *
 *   osteosim floor --agents N --years Y --blocks B --bytes S [--threads T]
 *
 * For each agent-year it opens a Philox stream, draws B blocks (fractional B
 * is spread over agents), and reads and writes S bytes of per-agent state in
 * float columns.  scripts/bench.sh feeds it the blocks per agent-year and the
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

static const char *const usage_floor =
    "usage: osteosim floor --agents N --years Y --blocks B --bytes S [--threads T]\n"
    "\n"
    "Times only the random draws (B Philox blocks per agent-year) and the state\n"
    "traffic (S bytes per agent read and written per year) of a run.\n";

/* The sizes of the floor run. */
typedef struct floor_args {
    double agents, years, blocks, bytes, threads;
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
    return OS_OK;
}

/* Years of draws and state traffic over the N agents' NCOLS columns COL,
 * on NT threads; returns the wall time in seconds. */
static double time_floor(float **col, size_t n, size_t ncols, const floor_args *a, int nt)
{
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
    if (short_of_memory) {
        for (size_t c = 0; col && c < ncols; c++) free(col[c]);
        free(col);
        return os_cmd_fail(e, "floor", OS_ERUN, "out of memory");
    }
    for (size_t c = 0; c < ncols; c++)
        for (size_t i = 0; i < n; i++) col[c][i] = 1.0f;
    double wall = time_floor(col, n, ncols, &a, nt);
    double check = 0;
    for (size_t c = 0; c < ncols; c++) check += col[c][n / 2];
    printf("floor: %.4g agent-years in %.3f s: %.4g agent-years/s (%d threads; %.2f blocks and %zu bytes per agent-year; checksum %.3f)\n",
           a.agents * a.years, wall, a.agents * a.years / wall, nt, a.blocks, ncols * 4, check);
    for (size_t c = 0; c < ncols; c++) free(col[c]);
    free(col);
    return OS_OK;
}
