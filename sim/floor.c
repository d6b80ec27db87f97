/* floor.c - `osteosim floor`: the cost of only the random-number and memory
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
#include "floor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "err.h"
#include "rng.h"
#include "version.h"

static const char *const usage_floor =
    "usage: osteosim floor --agents N --years Y --blocks B --bytes S [--threads T]\n"
    "\n"
    "Times only the random draws (B Philox blocks per agent-year) and the state\n"
    "traffic (S bytes per agent read and written per year) of a run.\n";

int os_cmd_floor(int argc, char **argv)
{
    double agents = 0, years = 0, blocks = 0, bytes = 0, threads = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_floor, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("osteosim %s (commit %s)\n", OS_VERSION, OS_GIT_COMMIT);
            return 0;
        }
        double *dst = strcmp(argv[i], "--agents") == 0 ? &agents
                    : strcmp(argv[i], "--years") == 0 ? &years
                    : strcmp(argv[i], "--blocks") == 0 ? &blocks
                    : strcmp(argv[i], "--bytes") == 0 ? &bytes
                    : strcmp(argv[i], "--threads") == 0 ? &threads : NULL;
        char *end = NULL;
        if (!dst || i + 1 >= argc || (*dst = strtod(argv[i + 1], &end), *end) || *dst < 0) {
            fprintf(stderr, "osteosim floor: bad or missing value for '%s' (see 'osteosim floor --help')\n", argv[i]);
            return OS_ECONFIG;
        }
        i++;
    }
    if (agents < 1 || years < 1 || bytes < 1) {
        fprintf(stderr, "osteosim floor: --agents, --years and --bytes are required (see 'osteosim floor --help')\n");
        return OS_ECONFIG;
    }
    size_t n = (size_t)agents, ncols = ((size_t)bytes + 3) / 4;
    int nt = threads >= 1 ? (int)threads : omp_get_max_threads();
    float **col = calloc(ncols, sizeof *col);
    for (size_t c = 0; col && c < ncols; c++)
        if (!(col[c] = malloc(n * sizeof **col))) {
            fprintf(stderr, "osteosim floor: out of memory\n");
            return OS_ERUN;
        }
    for (size_t c = 0; c < ncols; c++)
        for (size_t i = 0; i < n; i++) col[c][i] = 1.0f;

    int whole = (int)blocks;
    uint32_t frac = (uint32_t)((blocks - whole) * 4294967296.0);
    uint32_t purpose = os_rng_purpose("floor");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int y = 0; y < (int)years; y++) {
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
    double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    double check = 0;
    for (size_t c = 0; c < ncols; c++) check += col[c][n / 2];
    printf("floor: %.4g agent-years in %.3f s: %.4g agent-years/s (%d threads; %.2f blocks and %zu bytes per agent-year; checksum %.3f)\n",
           agents * years, wall, agents * years / wall, nt, blocks, ncols * 4, check);
    for (size_t c = 0; c < ncols; c++) free(col[c]);
    free(col);
    return 0;
}
