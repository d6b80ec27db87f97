/* cmd_dsa.c - `osteosim dsa` (cmd_dsa.h): the points of a one-way
 * sensitivity analysis first (summaries only), then the base case writes
 * the output file with /dsa, so the file appears only when all is done. */
#include "cmd_dsa.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "engine.h"
#include "res_dsa.h"

static const char *const usage_dsa =
    "usage: osteosim dsa CONFIG.yaml -o OUT.h5 [options]\n"
    "\n"
    "One-way deterministic sensitivity analysis: each uncertain parameter (a\n"
    "dist other than fixed) at the 2.5 % and 97.5 % quantiles of its\n"
    "distribution, the others at the base case, with the same random numbers;\n"
    "writes the base case's output with /dsa/oneway and /dsa/base.\n"
    "\n"
    "  -o, --output OUT.h5     output file (required)\n"
    "  --params k1,k2,...      the parameters to vary (default: every uncertain one)\n"
    "  --agents N              agents representing the start-year population (run.agents)\n"
    "  --seed S                random seed (run.seed)\n"
    "  --threads T             OpenMP threads, 0 = all cores (results do not depend on it)\n"
    "  --set key.path=value    override any configuration key (repeatable)\n"
    "  --top K                 parameters listed per arm in the summary (default 10)\n"
    "  --quiet                 no progress and no summary\n"
    "  --help, --version\n";

typedef struct dsa_cli {
    const char *config, *output;
    char *params;          /* copy of --params, split in place */
    const char **keys;
    int nkeys, nthreads, quiet, top;
    const char **sets;
    int nsets;
    char owned[2][64];
} dsa_cli;

static int bad(os_cmd_err *e, const char *what, const char *arg)
{
    return os_cmd_fail(e, "dsa", OS_ECONFIG, "%s%s (see 'osteosim dsa --help')", what, arg ? arg : "");
}

static int split_params(dsa_cli *c, const char *list)
{
    free(c->params);
    free(c->keys);
    c->params = strdup(list);
    c->keys = calloc(strlen(list) / 2 + 2, sizeof *c->keys);
    if (!c->params || !c->keys) return -1;
    c->nkeys = 0;
    for (char *t = strtok(c->params, ","); t; t = strtok(NULL, ",")) c->keys[c->nkeys++] = t;
    return 0;
}

/* Parses ARGV; returns 0, -1 after --help/--version, or an exit code. */
static int parse(dsa_cli *c, int argc, char **argv, os_cmd_err *e)
{
    c->top = 10;
    c->sets = calloc((size_t)argc + 1, sizeof *c->sets);
    if (!c->sets) return os_cmd_fail(e, NULL, OS_ERUN, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        long v = next ? (errno = 0, strtol(next, &end, 10)) : -1;
        int num = next && end != next && !*end && !errno && v >= 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage_dsa, stdout); return -1; }
        if (!strcmp(a, "--version")) { os_cmd_version(); return -1; }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) { c->quiet = 1; continue; }
        if (a[0] == '-' && a[1] && !next) return bad(e, "option needs a value: ", a);
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) c->output = next;
        else if (!strcmp(a, "--params")) {
            if (split_params(c, next)) return os_cmd_fail(e, NULL, OS_ERUN, "out of memory");
            if (!c->nkeys) return bad(e, "--params needs key.path[,key.path...]", NULL);
        } else if (!strcmp(a, "--agents") || !strcmp(a, "--seed")) {
            if (!num) return bad(e, "needs a non-negative integer: ", a);
            int k = a[2] == 'a' ? 0 : 1;
            snprintf(c->owned[k], sizeof c->owned[k], "%s=%ld", k ? "run.seed" : "run.agents", v);
            c->sets[c->nsets++] = c->owned[k];
        } else if (!strcmp(a, "--threads")) {
            if (!num || v > 4096) return bad(e, "--threads needs an integer from 0 to 4096", NULL);
            c->nthreads = v ? (int)v : omp_get_max_threads();
        } else if (!strcmp(a, "--top")) {
            if (!num || v < 1) return bad(e, "--top needs a positive integer", NULL);
            c->top = (int)v;
        } else if (!strcmp(a, "--set")) {
            if (!strchr(next, '=')) return bad(e, "--set needs key.path=value, got ", next);
            c->sets[c->nsets++] = next;
        } else if (a[0] == '-' && a[1]) {
            return bad(e, "unknown option ", a);
        } else if (!c->config) {
            c->config = a;
            continue;
        } else {
            return bad(e, "unexpected argument ", a);
        }
        i++;
    }
    if (!c->config) return bad(e, "missing CONFIG.yaml", NULL);
    if (!c->output) return bad(e, "missing -o OUT.h5", NULL);
    return 0;
}

typedef struct hook_ctx {
    const os_cfg *cfg;
    os_dsa *dsa;
} hook_ctx;

static int write_dsa(hid_t file, const os_summary *summary, void *ctx, os_err *err)
{
    hook_ctx *h = ctx;
    return os_dsa_write(file, h->cfg, summary, h->dsa, err);
}

static int run(const dsa_cli *c, const os_phases *ph, os_err *err)
{
    os_cfg *cfg = NULL;
    os_dsa dsa = {0};
    if (os_cfg_load(&cfg, c->config, c->sets, c->nsets, err) || os_engine_validate(cfg, ph, err)) {
        os_cfg_free(cfg);
        return OS_ECONFIG;
    }
    int rc = os_dsa_setup(cfg, c->keys, c->nkeys, &dsa, err);
    if (!rc) rc = os_dsa_run(cfg, ph, c->nthreads, !c->quiet, &dsa, err);
    hook_ctx h = {cfg, &dsa};
    os_run_opts opts = {0};
    opts.output = c->output;
    opts.nthreads = c->nthreads;
    opts.progress = !c->quiet;
    opts.quiet = c->quiet;
    opts.write_more = write_dsa;
    opts.write_ctx = &h;
    os_summary s = {0};
    if (!rc) rc = os_engine_run(cfg, ph, &opts, &s, NULL, err);
    if (!rc && !c->quiet) {
        printf("osteosim dsa: wrote %s\n", c->output);
        os_dsa_report(stdout, cfg, &dsa, c->top);
    }
    os_summary_free(&s);
    os_dsa_free(&dsa);
    os_cfg_free(cfg);
    return rc;
}

int os_cmd_dsa(int argc, char **argv, os_cmd_err *e)
{
    dsa_cli c = {0};
    int rc = parse(&c, argc, argv, e);
    if (!rc) {
        rc = run(&c, e->ph, &e->err);
        if (rc && !e->err.code) e->err.code = rc;
    }
    free(c.sets);
    free(c.params);
    free(c.keys);
    return rc < 0 ? 0 : rc;
}
