/* cmd.c - the front door of the `osteosim` command (cmd.h). */
#include "cmd.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd_calibrate.h"
#include "cmd_dsa.h"
#include "cmd_export.h"
#include "cmd_floor.h"
#include "cmd_info.h"
#include "cmd_psa_merge.h"
#include "cmd_run.h"
#include "h5io.h"
#include "par.h"
#include "rng_fill.h"

static const char *const usage_main =
    "usage: osteosim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run CONFIG.yaml [-o OUT.h5]       run a scenario and write an HDF5 file\n"
    "                                    (--psa N, --psa-draw K, --replicates R, --resume ...)\n"
    "  check CONFIG.yaml                 validate a scenario, print the resolved configuration\n"
    "                                    and the memory estimate\n"
    "  info OUT.h5 [--verbose]           summarise an output file (--verbose: every dataset)\n"
    "  export OUT.h5 [--table T] [--csv F]  one group of an output file as CSV\n"
    "  calibrate CONFIG.yaml --targets T.yaml [-o FITTED.yaml]\n"
    "                                    fit parameters to calibration targets; writes\n"
    "                                    the fitted parameter file\n"
    "  dsa SCENARIO -o DSA.h5 [--params k1,k2]  one-way deterministic sensitivity analysis\n"
    "  psa-merge BASE.h5 DRAW_*.h5 -o PSA.h5\n"
    "                                    merge a PSA job array's files (docs/hpc.md)\n"
    "  floor --agents N --years Y --blocks B --bytes S\n"
    "                                    time the random draws and memory traffic alone\n"
    "\n"
    "options: --help, --version (on every command: 'osteosim COMMAND --help')\n"
    "exit codes: 0 ok, 1 run or I/O failure, 2 usage or configuration error,\n"
    "3 stopped by SIGINT/SIGTERM (a checkpoint was written)\n";

/* One row per command (name, function), in the order of the help above. */
static const struct {
    const char *name;
    os_cmd_fn *fn;
} commands[] = {
    {"run", os_cmd_run},
    {"check", os_cmd_check},
    {"info", os_cmd_info},
    {"export", os_cmd_export},
    {"calibrate", os_cmd_calibrate},
    {"dsa", os_cmd_dsa},
    {"psa-merge", os_cmd_psa_merge},
    {"floor", os_cmd_floor},
};

/* After a failed write HDF5 may hold a file it cannot close, and its exit
 * handler crashes on it (h5io.h): once reported (the temporary file is
 * already removed), end without running it. */
static int end_stuck(int code)
{
    if (!os_h5io_stuck()) return code;
    fflush(stdout);
    fflush(stderr);
    if (os_par_active()) os_par_abort(code);
    _exit(code);
}

/* The one place an error is printed.  Configuration errors and stops are
 * agreed by every rank (the same inputs, the same decision) and reported
 * once, by rank 0; any other failure may be this rank's alone, and the
 * others would wait for it forever in their next collective call, so it
 * names its rank and ends them all. */
static int report(const os_cmd_err *e, int code)
{
    const char *sp = e->scope ? " " : "", *scope = e->scope ? e->scope : "";
    if (os_par_size() > 1 && code != OS_ECONFIG && code != OS_EINTR) {
        fprintf(stderr, "osteosim%s%s: rank %d: %s\n", sp, scope, os_par_rank(), e->err.msg);
        fflush(stderr);
        os_par_abort(code);
    }
    if (os_par_rank() == 0 && e->err.msg[0]) {
        fprintf(stderr, "osteosim%s%s: %s\n", sp, scope, e->err.msg);
        if (e->usage) fputs(e->usage, stderr);
    }
    return end_stuck(code);
}

int os_cmd_main(int argc, char **argv, const struct os_phases *ph)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return OS_ECONFIG;
    }
    const char *cmd = argv[1];
    os_cmd_err e = {.ph = ph};
    int rc;
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) return os_cmd_version();
    size_t k = 0, n = sizeof commands / sizeof commands[0];
    while (k < n && strcmp(cmd, commands[k].name) != 0) k++;
    /* The random-number kernel first (OSTEOSIM_SIMD, rng_fill.h): a bad
     * value ends every command before it starts any work. */
    if (k < n)
        rc = os_rng_fill_setup(&e.err) ? OS_ECONFIG : commands[k].fn(argc - 1, argv + 1, &e);
    else
        rc = os_cmd_fail(&e, NULL, OS_ECONFIG, "unknown command '%s' (see 'osteosim --help')", cmd);
    /* A failure always says why; success leaves nothing to print. */
    assert(rc == OS_OK || e.err.msg[0]);
    return rc ? report(&e, rc) : 0;
}
