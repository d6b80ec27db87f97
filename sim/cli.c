/* cli.c - the `osteosim` command line.
 *
 *   osteosim run CONFIG.yaml [-o OUT.h5] [--agents N] [--seed S]
 *                [--threads T] [--set key.path=value ...] [--quiet]
 *   osteosim check CONFIG.yaml [--set key.path=value ...]
 *   osteosim info OUT.h5
 *   osteosim calibrate CONFIG.yaml --targets FILE.yaml [-o fitted.yaml] ...
 *
 * Exit codes: 0 success, 1 run failure (I/O, numerical), 2 usage or
 * configuration error, 3 stopped by SIGINT/SIGTERM.
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "calibrate.h"
#include "checkpoint.h"
#include "engine.h"
#include "export.h"
#include "floor.h"
#include "h5io.h"
#include "info.h"
#include "memplan.h"
#include "outpath.h"
#include "par.h"
#include "psa.h"
#include "replicates.h"
#include "report.h"
#include "targets.h"
#include "version.h"

extern volatile sig_atomic_t os_stop_requested;
static const os_phases *phases; /* the modules to run (os_cli_main) */

static const char *const usage_main =
    "usage: osteosim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run CONFIG.yaml        run a scenario and write an HDF5 file\n"
    "  check CONFIG.yaml      validate a scenario and print the resolved configuration\n"
    "  info OUT.h5            summarise an output file\n"
    "  calibrate CONFIG.yaml  fit parameters to calibration targets\n"
    "\n"
    "options: --help, --version (on every command)\n";

static const char *const usage_run =
    "usage: osteosim run CONFIG.yaml [options]\n"
    "\n"
    "  -o, --output OUT.h5     output file (default: output.path, else results/<scenario>.h5)\n"
    "  --agents N              agents representing the start-year population (run.agents)\n"
    "  --seed S                random seed, 0 to 2^64-1 (run.seed)\n"
    "  --replicates R          R Monte Carlo replicates (run.replicates): /summary_quantiles\n"
    "  --from OUT.h5           re-run the scenario stored in an output file\n"
    "  --threads T             OpenMP threads, 0 = all cores (results do not depend on it)\n"
    "  --set key.path=value    override any configuration key (repeatable)\n"
    "  --quiet                 no progress line and no summary\n"
    "  --checkpoint-every Y    write a checkpoint every Y simulated years\n"
    "  --checkpoint PATH       checkpoint file (default: the output path with .ckpt.h5)\n"
    "  --resume CKPT.h5        continue a run from its checkpoint (no CONFIG.yaml)\n"
    "  --psa N                 also run N probabilistic sensitivity draws: /psa\n"
    "  --psa-draw K            run PSA draw K alone (its parameters; /psa of one row)\n"
    "  --help, --version\n"
    "\n"
    "SIGINT/SIGTERM write a checkpoint at the start of the next simulated year\n"
    "and exit with code 3 (after the last year began: the run completes, exit 0).\n"
    "The checkpoint is removed when the run completes.\n";

static const char *const usage_check =
    "usage: osteosim check CONFIG.yaml [--set key.path=value ...]\n"
    "\n"
    "Validates the scenario with its includes and overrides and prints the fully\n"
    "resolved configuration as YAML (exit 0), or one error line (exit 2).\n";

static const char *const usage_info =
    "usage: osteosim info OUT.h5\n"
    "\n"
    "Prints the version, seed, years, agents, arms and datasets of an output file.\n";

/* check and info print their result to stdout: a full disk or a closed
 * stdout must not pass as success. */
static int finish_stdout(int rc, int saved_errno)
{
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int e = errno ? errno : saved_errno;
    bad |= fclose(stdout) != 0;
    if (!e) e = errno;
    if (!bad) return rc;
    fprintf(stderr, "osteosim: standard output: %s\n", strerror(e ? e : EIO));
    return rc ? rc : OS_ERUN;
}

static int print_version(void)
{
    printf("osteosim %s (commit %s)\n", OS_VERSION, OS_GIT_COMMIT);
    return 0;
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    if (os_par_rank() != 0) return OS_ECONFIG;  /* MPI: every rank saw it */
    fprintf(stderr, "osteosim%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'osteosim %s%s--help')\n", cmd ? cmd : "", cmd ? " " : "");
    return OS_ECONFIG;
}

/* Parsed options of run / check. */
typedef struct os_cli {
    const char *config;
    const char *output;
    int nthreads;
    int quiet;
    int checkpoint_every;
    const char *checkpoint;
    const char *resume;
    const char **sets;   /* "key=value" overrides, --agents/--seed included */
    int nsets;
    char owned[3][64];   /* storage for --agents / --seed / --replicates */
    const char *from;    /* --from OUT.h5 */
    int psa, psa_draw;   /* --psa N, --psa-draw K */
} os_cli;

static int is_opt(const char *a, const char *s, const char *l)
{
    return (s && strcmp(a, s) == 0) || (l && strcmp(a, l) == 0);
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

/* Returns 0 to proceed, -1 when --help/--version was handled, else an exit code. */
static int parse_common(os_cli *c, const char *cmd, int argc, char **argv,
                        const char *usage, int allow_run_opts)
{
    memset(c, 0, sizeof *c);
    c->sets = calloc((size_t)argc + 2, sizeof *c->sets);
    if (!c->sets) return OS_ERUN;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_opt(a, "-h", "--help")) { fputs(usage, stdout); return -1; }
        if (is_opt(a, NULL, "--version")) { print_version(); return -1; }
        if (is_opt(a, NULL, "--set")) {
            if (!next || !strchr(next, '=')) return usage_error(cmd, "--set needs key.path=value, got '%s'", next ? next : "");
            c->sets[c->nsets++] = next;
            i++;
        } else if (allow_run_opts && is_opt(a, "-o", "--output")) {
            if (!next) return usage_error(cmd, "%s needs a file name", a);
            c->output = next;
            i++;
        } else if (allow_run_opts && is_opt(a, NULL, "--seed")) {
            /* any 64-bit unsigned seed; strtoull alone would wrap "-1" */
            char *end;
            errno = 0;
            unsigned long long v = next && next[0] >= '0' && next[0] <= '9' ? strtoull(next, &end, 10) : 0;
            if (!next || next[0] < '0' || next[0] > '9' || errno || *end)
                return usage_error(cmd, "--seed needs an integer from 0 to 18446744073709551615, got '%s'",
                                   next ? next : "");
            snprintf(c->owned[1], sizeof c->owned[1], "run.seed=%llu", v);
            c->sets[c->nsets++] = c->owned[1];
            i++;
        } else if (allow_run_opts && (is_opt(a, NULL, "--agents") || is_opt(a, NULL, "--replicates"))) {
            static const char *const keys[] = {"run.agents", "run.seed", "run.replicates"};
            long v;
            if (!next || parse_long(next, &v) || v < 0)
                return usage_error(cmd, "%s needs a non-negative integer", a);
            int k = a[2] == 'a' ? 0 : 2;
            snprintf(c->owned[k], sizeof c->owned[k], "%s=%ld", keys[k], v);
            c->sets[c->nsets++] = c->owned[k];
            i++;
        } else if (allow_run_opts && is_opt(a, NULL, "--threads")) {
            long v;
            if (!next || parse_long(next, &v) || v < 0 || v > 4096)
                return usage_error(cmd, "--threads needs an integer from 0 (all cores) to 4096, got '%s'", next ? next : "");
            /* 0 as in run.threads: all cores (OMP_NUM_THREADS if set),
             * overriding a run.threads of the file */
            c->nthreads = v ? (int)v : omp_get_max_threads();
            i++;
        } else if (allow_run_opts && (is_opt(a, NULL, "--psa") || is_opt(a, NULL, "--psa-draw"))) {
            long v;
            if (!next || parse_long(next, &v) || v < 1 || v > 1000000)
                return usage_error(cmd, "%s needs an integer from 1 to 1000000", a);
            if (a[5]) c->psa_draw = (int)v;
            else c->psa = (int)v;
            i++;
        } else if (allow_run_opts && is_opt(a, "-q", "--quiet")) {
            c->quiet = 1;
        } else if (allow_run_opts && is_opt(a, NULL, "--checkpoint-every")) {
            long v;
            if (!next || parse_long(next, &v) || v < 1 || v > 1000)
                return usage_error(cmd, "--checkpoint-every needs a number of years from 1 to 1000, got '%s'", next ? next : "");
            c->checkpoint_every = (int)v;
            i++;
        } else if (allow_run_opts && (is_opt(a, NULL, "--checkpoint") || is_opt(a, NULL, "--resume") ||
                                      is_opt(a, NULL, "--from"))) {
            if (!next) return usage_error(cmd, "%s needs a file name", a);
            if (a[2] == 'c') c->checkpoint = next;
            else if (a[2] == 'r') c->resume = next;
            else c->from = next;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return usage_error(cmd, "unknown option '%s'", a);
        } else if (!c->config) {
            c->config = a;
        } else {
            return usage_error(cmd, "unexpected argument '%s'", a);
        }
    }
    if (c->psa && c->psa_draw) return usage_error(cmd, "%s", "give --psa N or --psa-draw K, not both");
    if ((c->psa || c->psa_draw) && c->resume)
        return usage_error(cmd, "%s", "--resume continues a run as it was started: no --psa or --psa-draw");
    if (c->from) {
        if (c->config || c->resume) return usage_error(cmd, "%s", "--from takes the configuration from the output file: give no CONFIG.yaml or --resume");
        if (!c->output) return usage_error(cmd, "%s", "--from needs -o OUT.h5 (a new file, not the one it reads)");
        return 0;
    }
    if (c->resume) {
        if (c->config) return usage_error(cmd, "%s", "--resume takes its configuration from the checkpoint: give no CONFIG.yaml");
        if (c->nsets) return usage_error(cmd, "%s", "--resume cannot change the configuration (--set, --agents, --seed)");
        return 0;
    }
    if (!c->config) return usage_error(cmd, "%s", "missing CONFIG.yaml");
    return 0;
}

static int fail(const os_err *err)
{
    int code = err->code ? err->code : OS_ERUN;
    /* MPI: configuration errors and stops are agreed by every rank and
     * reported once; any other failure may be this rank's alone, and the
     * others would wait for it forever, so it ends them all. */
    if (os_par_size() > 1 && code != OS_ECONFIG && code != OS_EINTR) {
        fprintf(stderr, "osteosim: rank %d: %s\n", os_par_rank(), err->msg);
        fflush(stderr);
        os_par_abort(code);
    }
    if (os_par_rank() == 0) fprintf(stderr, "osteosim: %s\n", err->msg);
    return code;
}

static int load_validated(const os_cli *c, os_cfg **cfg, os_err *err)
{
    if (os_cfg_load(cfg, c->config, c->sets, c->nsets, err)) return OS_ECONFIG;
    if (os_engine_validate(*cfg, phases, err)) {
        os_cfg_free(*cfg);
        *cfg = NULL;
        return OS_ECONFIG;
    }
    return OS_OK;
}

static int cmd_check(int argc, char **argv)
{
    os_cli c;
    int rc = parse_common(&c, "check", argc, argv, usage_check, 0);
    if (rc) { free(c.sets); return rc < 0 ? 0 : rc; }
    os_cfg *cfg;
    os_err err = {0};
    rc = load_validated(&c, &cfg, &err);
    free(c.sets);
    if (rc) return fail(&err);
    /* Inputs the modules read (demography tables) and the memory estimate;
     * run.max_memory is enforced here too, the machine's memory only by
     * the run (check may run elsewhere) but it is reported. */
    os_memplan plan;
    double limit = 0;
    char source[96];
    if ((rc = os_memplan_make(cfg, phases, &plan, &err)) ||
        (rc = os_memplan_limit(cfg, &limit, source, sizeof source, &err)) ||
        (strcmp(source, "run.max_memory") == 0 &&
         (rc = os_memplan_fits(cfg, &plan, limit, source, &err)))) {
        os_cfg_free(cfg);
        return fail(&err);
    }
    char *yaml = os_cfg_dump(cfg);
    int e = yaml && fputs(yaml, stdout) == EOF ? errno : 0;
    free(yaml);
    if (yaml) os_memplan_print(stdout, cfg, &plan);
    if (yaml && os_memplan_fits(cfg, &plan, limit, source, &err) && os_par_rank() == 0)
        fprintf(stderr, "osteosim: warning: %s\n", err.msg);
    os_cfg_free(cfg);
    return finish_stdout(yaml ? 0 : OS_ERUN, e);
}

/* Once the run has completed and said so, a later stop can only be noted:
 * the handler writes the prepared line itself (write(2) is async-signal-
 * safe), so a stop at any moment gives exit 3 or a note, never silence. */
static char late_note[1200];
static volatile sig_atomic_t late_note_len = 0;

static void on_signal(int sig)
{
    (void)sig;
    if (late_note_len > 0 && !os_stop_requested) {
        ssize_t w = write(STDERR_FILENO, late_note, (size_t)late_note_len);
        (void)w;
    }
    os_stop_requested = 1;
}

/* Default output: output.path, else results/<scenario>.h5 (results/ made). */
static const char *output_path(const os_cli *c, const os_cfg *cfg, char *buf, size_t n)
{
    if (c->output) return c->output;
    const char *p = os_cfg_str(cfg, "output.path");
    if (p && *p) return p;
    mkdir("results", 0777);
    snprintf(buf, n, "results/%s.h5", os_cfg_str(cfg, "scenario.name"));
    return buf;
}

/* Loads the scenario from CONFIG.yaml, or from the checkpoint with --resume
 * (whose saved output path is the default output). */
static int load_for_run(os_cli *c, os_cfg **cfg, char **saved_output, os_err *err)
{
    *saved_output = NULL;
    if (c->from) {
        char *text = os_info_config(c->from, err);
        if (!text) return OS_ECONFIG;
        int rc = os_cfg_load_string(cfg, text, c->from, NULL, c->sets, c->nsets, err);
        free(text);
        if (!rc && (rc = os_engine_validate(*cfg, phases, err))) os_cfg_free(*cfg);
        return rc ? OS_ECONFIG : OS_OK;
    }
    if (!c->resume) return load_validated(c, cfg, err);
    char *text;
    if (os_ckpt_peek(c->resume, &text, saved_output, err)) return OS_ECONFIG;
    int rc = os_cfg_load_string(cfg, text, c->resume, NULL, NULL, 0, err);
    free(text);
    if (!rc && (rc = os_engine_validate(*cfg, phases, err))) os_cfg_free(*cfg);
    /* Before the output file exists: years and sizes fit this run. */
    if (!rc && (rc = os_ckpt_check(c->resume, *cfg, err))) os_cfg_free(*cfg);
    if (rc) {
        free(*saved_output);
        *saved_output = NULL;
    }
    return rc ? OS_ECONFIG : OS_OK;
}

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

static int cmd_run(int argc, char **argv)
{
    os_cli c;
    int rc = parse_common(&c, "run", argc, argv, usage_run, 1);
    if (rc) { free(c.sets); return rc < 0 ? 0 : rc; }
    /* From the start: a stop asked for while loading is seen at the first
     * year (checkpoint, exit 3), never the default action. */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    os_cfg *cfg;
    os_err err = {0};
    char *saved_output;
    rc = load_for_run(&c, &cfg, &saved_output, &err);
    free(c.sets);
    if (rc) return fail(&err);
    if (!c.output && saved_output && *saved_output) c.output = saved_output;

    char buf[4096], *out_path = NULL, *ck_path = NULL;
    os_run_opts opts = {0};
    if (os_outpath_run(output_path(&c, cfg, buf, sizeof buf), c.output ? "-o" : "output",
                       c.checkpoint, c.from, c.resume, cfg, &out_path, &ck_path, &err)) {
        free(out_path);
        free(ck_path);
        os_cfg_free(cfg);
        free(saved_output);
        return fail(&err);
    }
    opts.output = out_path;
    opts.nthreads = c.nthreads;
    opts.progress = !c.quiet && os_par_rank() == 0;
    opts.quiet = c.quiet;
    opts.checkpoint = ck_path;
    opts.checkpoint_every = c.checkpoint_every;
    opts.resume = c.resume;
    os_psa psa = {0};
    if (c.psa_draw) {
        if (os_psa_apply(cfg, c.psa_draw, NULL, 0, &err)) rc = fail(&err);
        opts.psa_draw = c.psa_draw;
    } else if (c.psa) {
        /* The draws first (summaries only), then the base case writes the
         * file with /psa: the output appears only when all of it is done. */
        if (os_psa_run(cfg, phases, 1, c.psa, c.nthreads, &psa, &err)) rc = fail(&err);
        opts.psa = &psa;
    }
    os_summary summary;
    os_run_stats stats;
    if (rc) {
        os_cfg_free(cfg);
        free(saved_output);
        free(out_path);
        free(ck_path);
        return rc;
    }
    rc = os_engine_run(cfg, phases, &opts, &summary, &stats, &err);
    if (rc) {
        /* Whichever writer noticed first: name the file and the OS error. */
        char failed[4200];
        const char *target = rc == OS_ERUN ? os_h5io_target(failed, sizeof failed) : NULL;
        if (target && !strstr(err.msg, target))
            os_fail(&err, OS_ERUN, "%s: cannot write: %s", target, os_h5io_reason(""));
        os_psa_free(&psa);
        os_cfg_free(cfg);
        free(saved_output);
        free(out_path);
        free(ck_path);
        return end_stuck(fail(&err));
    }
    /* A finished run needs no checkpoint. */
    os_ckpt_remove(opts.checkpoint);
    if (os_par_rank() != 0) c.quiet = 1;  /* MPI: rank 0 reports */
    if (!c.quiet) {
        os_report_run(stdout, cfg, &summary, &stats, opts.output, c.nthreads);
        os_report_arms(stdout, cfg, &summary);
        if (c.psa) os_psa_report(stdout, cfg, &psa);
        if (stats.nreps > 1)
            os_replicates_report(stdout, &summary, stats.reps, stats.nreps,
                                 (double)os_cfg_int(cfg, "run.agents"));
        if (os_targets_report(cfg, &summary, stdout, &err)) rc = fail(&err);
    }
    if (!c.quiet && stats.unused) fputs(stats.unused, stderr);
    /* A stop asked for after the last simulated year began is too late to
     * checkpoint: the run has completed (docs/user-guide.md). */
    if (os_stop_requested && os_par_rank() == 0)
        fprintf(stderr, "osteosim: %s: stop requested after the last simulated year began: "
                        "the run completed and the file is complete (exit 0)\n", opts.output);
    else if (os_par_rank() == 0) {
        int n = snprintf(late_note, sizeof late_note, "osteosim: %s: stop requested after the "
                         "run completed: the file is complete (exit 0)\n", opts.output);
        late_note_len = n > 0 && (size_t)n < sizeof late_note ? n : 0;
    }
    os_run_stats_free(&stats);
    os_summary_free(&summary);
    os_psa_free(&psa);
    os_cfg_free(cfg);
    free(saved_output);
    free(out_path);
    free(ck_path);
    return rc;
}

static int cmd_info(int argc, char **argv)
{
    const char *file = NULL;
    for (int i = 0; i < argc; i++) {
        if (is_opt(argv[i], "-h", "--help")) { fputs(usage_info, stdout); return 0; }
        if (is_opt(argv[i], NULL, "--version")) return print_version();
        if (argv[i][0] == '-') return usage_error("info", "unknown option '%s'", argv[i]);
        if (file) return usage_error("info", "unexpected argument '%s'", argv[i]);
        file = argv[i];
    }
    if (!file) return usage_error("info", "%s", "missing OUT.h5");
    os_err err = {0};
    if (os_info_print(file, stdout, &err)) return fail(&err);
    return finish_stdout(0, 0);
}

int os_cli_main(int argc, char **argv, const os_phases *ph)
{
    phases = ph;
    if (argc < 2) {
        fputs(usage_main, stderr);
        return OS_ECONFIG;
    }
    const char *cmd = argv[1];
    if (is_opt(cmd, "-h", "--help")) { fputs(usage_main, stdout); return 0; }
    if (is_opt(cmd, NULL, "--version")) return print_version();
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "check") == 0) return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "info") == 0) return cmd_info(argc - 2, argv + 2);
    if (strcmp(cmd, "calibrate") == 0) return os_cmd_calibrate(argc - 1, argv + 1, ph);
    if (strcmp(cmd, "floor") == 0) return os_cmd_floor(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0) return os_cmd_export(argc - 1, argv + 1);
    return usage_error(NULL, "unknown command '%s'", cmd);
}
