/* cmd_run.c - `osteosim run` and `osteosim check` (cmd_run.h): their options, and
 * the run from loading the scenario to its summary.  Errors go back to the
 * front door (cmd.h), which prints them.
 */
#include "cmd_run.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "ckpt_file.h"
#include "ckpt_valid.h"
#include "engine.h"
#include "h5io.h"
#include "cmd_info.h"
#include "engine_memplan.h"
#include "engine_progress.h"
#include "h5out_path.h"
#include "par.h"
#include "psa_posterior.h"
#include "res_psa.h"
#include "res_replicates.h"
#include "res_report.h"
#include "res_targets.h"

extern volatile sig_atomic_t os_stop_requested;

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
    "  --posterior POST.h5     PSA draws take the calibrated parameters jointly from this\n"
    "                          posterior (osteosim calibrate --method abc-smc)\n"
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

/* Usage error ("unknown option 'x'") of command CMD: FMT has one %s, ARG. */
static int usage_error(os_cmd_err *e, const char *cmd, const char *fmt, const char *arg)
{
    char line[900];
    snprintf(line, sizeof line, fmt, arg);
    return os_cmd_fail(e, cmd, OS_ECONFIG, "%s (see 'osteosim %s --help')", line, cmd);
}

/* The exit code of a failure ERR describes. */
static int failed(const os_err *err)
{
    return err->code ? err->code : OS_ERUN;
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
    const char *posterior; /* --posterior POST.h5 */
    const os_phases *ph; /* the modules to run (from the front door) */
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

/* Argument A, when it is an option of run only (NEXT: the argument after
 * it, or NULL): *USED is the number of arguments it took, 0 if A is none.
 * Returns 0 or the exit code of a usage error. */
static int run_opt(os_cli *c, const char *a, const char *next, int *used, os_cmd_err *e)
{
    long v;
    *used = 2;
    if (is_opt(a, "-o", "--output")) {
        if (!next) return usage_error(e, "run", "%s needs a file name", a);
        c->output = next;
    } else if (is_opt(a, NULL, "--seed")) {
        /* any 64-bit unsigned seed; strtoull alone would wrap "-1" */
        char *end;
        errno = 0;
        unsigned long long u = next && next[0] >= '0' && next[0] <= '9' ? strtoull(next, &end, 10) : 0;
        if (!next || next[0] < '0' || next[0] > '9' || errno || *end)
            return usage_error(e, "run", "--seed needs an integer from 0 to 18446744073709551615, got '%s'",
                               next ? next : "");
        snprintf(c->owned[1], sizeof c->owned[1], "run.seed=%llu", u);
        c->sets[c->nsets++] = c->owned[1];
    } else if (is_opt(a, NULL, "--agents") || is_opt(a, NULL, "--replicates")) {
        static const char *const keys[] = {"run.agents", "run.seed", "run.replicates"};
        if (!next || parse_long(next, &v) || v < 0)
            return usage_error(e, "run", "%s needs a non-negative integer", a);
        int k = a[2] == 'a' ? 0 : 2;
        snprintf(c->owned[k], sizeof c->owned[k], "%s=%ld", keys[k], v);
        c->sets[c->nsets++] = c->owned[k];
    } else if (is_opt(a, NULL, "--threads")) {
        if (!next || parse_long(next, &v) || v < 0 || v > 4096)
            return usage_error(e, "run", "--threads needs an integer from 0 (all cores) to 4096, got '%s'", next ? next : "");
        /* 0 as in run.threads: all cores (OMP_NUM_THREADS if set),
         * overriding a run.threads of the file */
        c->nthreads = v ? (int)v : omp_get_max_threads();
    } else if (is_opt(a, NULL, "--psa") || is_opt(a, NULL, "--psa-draw")) {
        if (!next || parse_long(next, &v) || v < 1 || v > 1000000)
            return usage_error(e, "run", "%s needs an integer from 1 to 1000000", a);
        if (a[5]) c->psa_draw = (int)v;
        else c->psa = (int)v;
    } else if (is_opt(a, "-q", "--quiet")) {
        c->quiet = 1;
        *used = 1;
    } else if (is_opt(a, NULL, "--checkpoint-every")) {
        if (!next || parse_long(next, &v) || v < 1 || v > 1000)
            return usage_error(e, "run", "--checkpoint-every needs a number of years from 1 to 1000, got '%s'", next ? next : "");
        c->checkpoint_every = (int)v;
    } else if (is_opt(a, NULL, "--posterior")) {
        if (!next) return usage_error(e, "run", "%s needs a file name", a);
        c->posterior = next;
    } else if (is_opt(a, NULL, "--checkpoint") || is_opt(a, NULL, "--resume") || is_opt(a, NULL, "--from")) {
        if (!next) return usage_error(e, "run", "%s needs a file name", a);
        if (a[2] == 'c') c->checkpoint = next;
        else if (a[2] == 'r') c->resume = next;
        else c->from = next;
    } else {
        *used = 0;
    }
    return OS_OK;
}

/* Options that cannot go together, and the CONFIG.yaml the others need. */
static int check_combination(const os_cli *c, const char *cmd, os_cmd_err *e)
{
    const char *bad = NULL;
    if (c->psa && c->psa_draw) bad = "give --psa N or --psa-draw K, not both";
    else if ((c->psa || c->psa_draw || c->posterior) && c->resume)
        bad = "--resume continues a run as it was started: no --psa, --psa-draw or --posterior";
    else if (c->from && (c->config || c->resume))
        bad = "--from takes the configuration from the output file: give no CONFIG.yaml or --resume";
    else if (c->from && !c->output) bad = "--from needs -o OUT.h5 (a new file, not the one it reads)";
    else if (c->from) bad = NULL;
    else if (c->resume && c->config)
        bad = "--resume takes its configuration from the checkpoint: give no CONFIG.yaml";
    else if (c->resume && c->nsets)
        bad = "--resume cannot change the configuration (--set, --agents, --seed)";
    else if (!c->resume && !c->config) bad = "missing CONFIG.yaml";
    return bad ? usage_error(e, cmd, "%s", bad) : OS_OK;
}

/* Returns 0 to proceed, -1 when --help/--version was handled, else an exit code. */
static int parse_common(os_cli *c, const char *cmd, int argc, char **argv,
                        const char *usage, int allow_run_opts, os_cmd_err *e)
{
    memset(c, 0, sizeof *c);
    c->ph = e->ph;
    c->sets = calloc((size_t)argc + 2, sizeof *c->sets);
    if (!c->sets) return os_cmd_fail(e, NULL, OS_ERUN, "out of memory");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 0, rc;
        if (is_opt(a, "-h", "--help")) { fputs(usage, stdout); return -1; }
        if (is_opt(a, NULL, "--version")) { os_cmd_version(); return -1; }
        if (allow_run_opts && (rc = run_opt(c, a, next, &used, e))) return rc;
        assert(used >= 0 && used <= 2 && c->nsets <= argc);
        if (used) {
            i += used - 1;
        } else if (is_opt(a, NULL, "--set")) {
            if (!next || !strchr(next, '=')) return usage_error(e, cmd, "--set needs key.path=value, got '%s'", next ? next : "");
            c->sets[c->nsets++] = next;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return usage_error(e, cmd, "unknown option '%s'", a);
        } else if (!c->config) {
            c->config = a;
        } else {
            return usage_error(e, cmd, "unexpected argument '%s'", a);
        }
    }
    return check_combination(c, cmd, e);
}

static int load_validated(const os_cli *c, os_cfg **cfg, os_err *err)
{
    if (os_cfg_load(cfg, c->config, c->sets, c->nsets, err)) return OS_ECONFIG;
    if (os_engine_validate(*cfg, c->ph, err)) {
        os_cfg_free(*cfg);
        *cfg = NULL;
        return OS_ECONFIG;
    }
    return OS_OK;
}

int os_cmd_check(int argc, char **argv, os_cmd_err *e)
{
    os_cli c;
    os_err *err = &e->err;
    int rc = parse_common(&c, "check", argc - 1, argv + 1, usage_check, 0, e);
    if (rc) { free(c.sets); return rc < 0 ? 0 : rc; }
    os_cfg *cfg;
    rc = load_validated(&c, &cfg, err);
    free(c.sets);
    if (rc) return failed(err);
    /* Inputs the modules read (demography tables) and the memory estimate;
     * run.max_memory is enforced here too, the machine's memory only by
     * the run (check may run elsewhere) but it is reported. */
    os_memplan plan;
    double limit = 0;
    char source[96];
    if ((rc = os_memplan_make(cfg, c.ph, &plan, err)) ||
        (rc = os_memplan_limit(cfg, &limit, source, sizeof source, err)) ||
        (strcmp(source, "run.max_memory") == 0 &&
         (rc = os_memplan_fits(cfg, &plan, limit, source, err)))) {
        os_cfg_free(cfg);
        return failed(err);
    }
    char *yaml = os_cfg_dump(cfg);
    int dumped = yaml != NULL;
    int saved = dumped && fputs(yaml, stdout) == EOF ? errno : 0;
    free(yaml);
    if (dumped) os_memplan_print(stdout, cfg, &plan, os_memplan_start_mode(cfg, &plan, limit));
    os_err warn = {0};
    if (dumped && os_memplan_fits(cfg, &plan, limit, source, &warn) && os_par_rank() == 0)
        fprintf(stderr, "osteosim: warning: %s\n", warn.msg);
    os_cfg_free(cfg);
    rc = os_cmd_stdout(e, saved);
    return rc || dumped ? rc : os_cmd_fail(e, NULL, OS_ERUN, "out of memory");
}

/* Once the run has completed and said so, a later stop can only be noted:
 * the handler writes the prepared line itself (write(2) is async-signal-
 * safe), so a stop at any moment gives exit 3 or a note, never silence.
 * File-scope because a signal handler can reach nothing else: with
 * os_stop_requested (engine.c), the only mutable state of this file. */
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
    /* Read even when -o overrides it: not "set but never read". */
    const char *p = os_cfg_str(cfg, "output.path");
    if (c->output) return c->output;
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
        if (!rc && (rc = os_engine_validate(*cfg, c->ph, err))) os_cfg_free(*cfg);
        return rc ? OS_ECONFIG : OS_OK;
    }
    if (!c->resume) return load_validated(c, cfg, err);
    char *text;
    if (os_ckpt_peek(c->resume, &text, saved_output, err)) return OS_ECONFIG;
    int rc = os_cfg_load_string(cfg, text, c->resume, NULL, NULL, 0, err);
    free(text);
    if (!rc && (rc = os_engine_validate(*cfg, c->ph, err))) os_cfg_free(*cfg);
    /* Before the output file exists: years and sizes fit this run. */
    if (!rc && (rc = os_ckpt_check(c->resume, *cfg, err))) os_cfg_free(*cfg);
    if (rc) {
        free(*saved_output);
        *saved_output = NULL;
    }
    return rc ? OS_ECONFIG : OS_OK;
}

/* A run from its options to its summary: what it holds until the end. */
typedef struct run_job {
    os_cli c;
    os_cfg *cfg;
    char *saved_output;  /* --resume: the checkpoint's output path */
    char *out_path, *ck_path;
    os_run_opts opts;
    os_psa psa;
    os_posterior post;      /* --posterior */
    os_posterior_out post_out;
    char *ck_post, *ck_hash; /* --resume: the checkpoint's posterior */
} run_job;

static void job_free(run_job *j)
{
    os_psa_free(&j->psa);
    os_posterior_free(&j->post);
    free(j->ck_post);
    free(j->ck_hash);
    os_cfg_free(j->cfg);
    free(j->saved_output);
    free(j->out_path);
    free(j->ck_path);
}

/* A resumed `--psa-draw K` run is draw K again, from the same posterior
 * (its values are in the checkpoint's configuration already). */
static int resume_psa(run_job *j, os_err *err)
{
    if (os_ckpt_peek_psa(j->c.resume, &j->c.psa_draw, &j->ck_post, &j->ck_hash, err)) return failed(err);
    j->c.posterior = j->ck_post;
    return OS_OK;
}

/* The output and checkpoint paths, the run's options, and the PSA draws
 * that go before the base case. */
static int run_setup(run_job *j, os_err *err)
{
    if (j->c.resume && resume_psa(j, err)) return failed(err);
    const os_cli *c = &j->c;
    char buf[4096];
    if (os_outpath_run(output_path(c, j->cfg, buf, sizeof buf), c->output ? "-o" : "output",
                       c->checkpoint, c->from, c->resume, j->cfg, &j->out_path, &j->ck_path, err))
        return failed(err);
    j->opts.output = j->out_path;
    j->opts.nthreads = c->nthreads;
    j->opts.progress = !c->quiet && os_par_rank() == 0;
    j->opts.quiet = c->quiet;
    j->opts.checkpoint = j->ck_path;
    j->opts.checkpoint_every = c->checkpoint_every;
    j->opts.resume = c->resume;
    const os_posterior *post = c->posterior ? &j->post : NULL;
    if (post && os_posterior_setup(&j->post, &j->post_out, c->posterior, j->cfg, c->ph, c->psa, c->psa_draw,
                                   &j->opts, err))
        return failed(err);
    if (post && j->ck_hash && strcmp(j->ck_hash, j->post.hash) != 0)
        return os_fail(err, OS_ECONFIG, "%s: posterior %s has changed since the checkpoint (hash %s, recorded %s)",
                       c->resume, j->post.path, j->post.hash, j->ck_hash);
    /* One progress counter for the draws and the base case together. */
    os_progress_job_begin(j->opts.progress, c->psa, c->psa_draw);
    if (c->psa_draw) {
        j->opts.psa_draw = c->psa_draw;
        if (!c->resume && os_psa_apply(j->cfg, c->psa_draw, post, NULL, 0, err)) return failed(err);
    } else if (c->psa) {
        /* The draws first (summaries only), then the base case writes the
         * file with /psa: the output appears only when all of it is done. */
        j->opts.psa = &j->psa;
        if (os_psa_run(j->cfg, c->ph, post, 1, c->psa, c->nthreads, &j->psa, err)) {
            os_progress_job_end(0);
            return failed(err);
        }
    }
    return OS_OK;
}

/* The summary on standard output: rank 0 reports, and not with --quiet. */
static int run_report(const run_job *j, const os_summary *summary, const os_run_stats *stats,
                      os_err *err)
{
    const os_cli *c = &j->c;
    if (c->quiet || os_par_rank() != 0) return OS_OK;
    os_report_run(stdout, j->cfg, summary, stats, j->opts.output, c->nthreads);
    os_report_arms(stdout, j->cfg, summary, NULL);
    if (summary->survivors) {
        os_summary all;
        if (os_summary_concat(&all, summary, summary->survivors, err)) return failed(err);
        os_report_arms(stdout, j->cfg, &all, "lifetime horizon: the survivors followed to death");
        os_summary_free(&all);
    }
    if (c->posterior) os_posterior_report(stdout, &j->post, c->psa || c->psa_draw);
    if (c->psa) os_psa_report(stdout, j->cfg, &j->psa);
    if (stats->nreps > 1)
        os_replicates_report(stdout, summary, stats->reps, stats->nreps,
                             (double)os_cfg_int(j->cfg, "run.agents"));
    int rc = os_targets_report(j->cfg, summary, stdout, err) ? failed(err) : OS_OK;
    if (stats->unused) fputs(stats->unused, stderr);
    return rc;
}

/* A stop asked for after the last simulated year began is too late to
 * checkpoint: the run has completed (docs/user-guide.md).  One asked for
 * from now on is noted by the handler, with the line prepared here. */
static void note_late_stop(const char *output)
{
    if (os_par_rank() != 0) return;
    if (os_stop_requested) {
        fprintf(stderr, "osteosim: %s: stop requested after the last simulated year began: "
                        "the run completed and the file is complete (exit 0)\n", output);
        return;
    }
    int n = snprintf(late_note, sizeof late_note, "osteosim: %s: stop requested after the "
                     "run completed: the file is complete (exit 0)\n", output);
    late_note_len = n > 0 && (size_t)n < sizeof late_note ? n : 0;
}

/* Runs the scenario of J and reports it. */
static int run_job_run(run_job *j, os_err *err)
{
    os_summary summary;
    os_run_stats stats;
    int rc = os_engine_run(j->cfg, j->c.ph, &j->opts, &summary, &stats, err);
    os_progress_job_end(rc == OS_OK);
    if (rc) {
        /* Whichever writer noticed first: name the file and the OS error. */
        char name[4200];
        const char *target = rc == OS_ERUN ? os_h5io_target(name, sizeof name) : NULL;
        if (target && !strstr(err->msg, target))
            os_fail(err, OS_ERUN, "%s: cannot write: %s", target, os_h5io_reason(""));
        return failed(err);
    }
    /* A finished run needs no checkpoint. */
    os_ckpt_remove(j->opts.checkpoint);
    rc = run_report(j, &summary, &stats, err);
    note_late_stop(j->opts.output);
    os_run_stats_free(&stats);
    os_summary_free(&summary);
    return rc;
}

int os_cmd_run(int argc, char **argv, os_cmd_err *e)
{
    run_job j = {0};
    os_err *err = &e->err;
    int rc = parse_common(&j.c, "run", argc - 1, argv + 1, usage_run, 1, e);
    if (rc) { free(j.c.sets); return rc < 0 ? 0 : rc; }
    /* From the start: a stop asked for while loading is seen at the first
     * year (checkpoint, exit 3), never the default action. */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = load_for_run(&j.c, &j.cfg, &j.saved_output, err);
    free(j.c.sets);
    if (rc) return failed(err);  /* nothing is held */
    if (!j.c.output && j.saved_output && *j.saved_output) j.c.output = j.saved_output;
    rc = run_setup(&j, err);
    if (!rc) rc = run_job_run(&j, err);
    job_free(&j);
    return rc;
}
