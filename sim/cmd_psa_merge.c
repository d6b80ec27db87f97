/* cmd_psa_merge.c - `osteosim psa-merge` (cmd_psa_merge.h): its options, the
 * checks of its inputs and the merged file. */
#include "cmd_psa_merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "h5check.h"
#include "h5check_output.h"
#include "h5copy.h"
#include "h5io.h"
#include "h5out.h"
#include "h5out_path.h"
#include "psa_posterior.h"

static const char *const usage_merge =
    "usage: osteosim psa-merge BASE.h5 DRAW_1.h5 ... DRAW_N.h5 -o PSA.h5\n"
    "\n"
    "Merges the files of a PSA job array into the file `osteosim run --psa N`\n"
    "writes: BASE.h5 is the base case (a run without --psa-draw, array task 0),\n"
    "DRAW_k.h5 the run with --psa-draw k, for every k from 1 to N (any order).\n"
    "The output holds the base case's groups and a /psa of all N draws.\n"
    "  -o, --output PSA.h5     the merged file (a new name: never an input)\n"
    "  --help, --version\n";

/* One input file. */
typedef struct input {
    const char *path;
    int draw;          /* 0: the base case */
    char *config;      /* root attribute config */
    char *scenario;
    uint64_t seed;
    char *post_file, *post_hash; /* the posterior it recorded, or NULL */
} input;

typedef struct merge {
    input *in;
    int n;             /* inputs */
    int base;          /* index of the base case */
    int *order;        /* order[k - 1]: input of draw k */
    int ndraws;
    os_cfg *cfg;       /* the base case's configuration, validated */
    os_psa psa;
    os_posterior post; /* the base case's posterior (psa_posterior.h) */
    int has_post;
} merge;

static void merge_free(merge *m)
{
    for (int i = 0; m->in && i < m->n; i++) {
        free(m->in[i].config);
        free(m->in[i].scenario);
        free(m->in[i].post_file);
        free(m->in[i].post_hash);
    }
    free(m->in);
    free(m->order);
    os_cfg_free(m->cfg);
    os_psa_free(&m->psa);
    os_posterior_free(&m->post);
}

/* The root attributes and draw of input IN. */
static int read_input(input *in, os_err *err)
{
    hid_t f = os_out_open(in->path, err);
    if (f < 0) return err->code ? err->code : OS_ERUN;
    int rc = os_out_check(f, in->path, err);
    if (!rc) rc = os_psamerge_draw_of(f, in->path, &in->draw, err);
    if (!rc && (os_h5c_attr_str(f, "config", &in->config) || !in->config))
        rc = os_fail(err, OS_ECONFIG, "%s: not an osteosim output (no config attribute)", in->path);
    if (!rc) os_h5c_attr_str(f, "scenario", &in->scenario);
    if (!rc) os_h5c_attr_u64(f, "seed", &in->seed);
    if (!rc) rc = os_posterior_recorded(f, in->path, &in->post_file, &in->post_hash, err);
    H5Fclose(f);
    return rc;
}

/* Exactly one base case and draws 1..N, each once. */
static int check_set(merge *m, os_err *err)
{
    m->base = -1;
    int top = 0;
    for (int i = 0; i < m->n; i++) {
        if (m->in[i].draw == 0 && m->base >= 0)
            return os_fail(err, OS_ECONFIG, "%s and %s are both base cases (no --psa-draw): give one",
                           m->in[m->base].path, m->in[i].path);
        if (m->in[i].draw == 0) m->base = i;
        top = m->in[i].draw > top ? m->in[i].draw : top;
    }
    if (m->base < 0)
        return os_fail(err, OS_ECONFIG, "no base-case file among the inputs (the run without --psa-draw, "
                       "array task 0)");
    m->ndraws = top;
    m->order = malloc((size_t)(top ? top : 1) * sizeof *m->order);
    if (!m->order) return os_fail(err, OS_ERUN, "out of memory");
    for (int k = 0; k < top; k++) m->order[k] = -1;
    for (int i = 0; i < m->n; i++) {
        int k = m->in[i].draw;
        if (k == 0) continue;
        if (m->order[k - 1] >= 0)
            return os_fail(err, OS_ECONFIG, "%s and %s both hold draw %d", m->in[m->order[k - 1]].path,
                           m->in[i].path, k);
        m->order[k - 1] = i;
    }
    for (int k = 0; k < top; k++)
        if (m->order[k] < 0)
            return os_fail(err, OS_ECONFIG, "draw %d of 1..%d is missing (the draws must be 1..N, each once)",
                           k + 1, top);
    if (top == 0) return os_fail(err, OS_ECONFIG, "no --psa-draw file among the inputs");
    return OS_OK;
}

static int load_cfg(os_cfg **cfg, const input *in, const os_phases *ph, os_err *err)
{
    *cfg = NULL;
    if (os_cfg_load_string(cfg, in->config, in->path, NULL, NULL, 0, err) ||
        os_engine_validate(*cfg, ph, err)) {
        os_cfg_free(*cfg);
        *cfg = NULL;
        return OS_ECONFIG;
    }
    return OS_OK;
}

/* OS_ECONFIG unless configuration GOT (of IN) is the base case's with draw
 * K applied: the same scenario, seed and settings but for the drawn values. */
static int check_same(const merge *m, const input *in, const os_cfg *got, const os_phases *ph, os_err *err)
{
    const input *b = &m->in[m->base];
    if (strcmp(in->scenario ? in->scenario : "", b->scenario ? b->scenario : "") != 0)
        return os_fail(err, OS_ECONFIG, "%s: scenario '%s' differs from %s's '%s'", in->path,
                       in->scenario ? in->scenario : "?", b->path, b->scenario ? b->scenario : "?");
    if (in->seed != b->seed)
        return os_fail(err, OS_ECONFIG, "%s: seed %llu differs from %s's %llu", in->path,
                       (unsigned long long)in->seed, b->path, (unsigned long long)b->seed);
    os_cfg *want;
    if (load_cfg(&want, b, ph, err)) return OS_ECONFIG;
    int rc = os_psa_apply(want, in->draw, m->has_post ? &m->post : NULL, NULL, 0, err);
    char *x = rc ? NULL : os_cfg_dump(want), *y = rc ? NULL : os_cfg_dump(got);
    if (!rc && (!x || !y)) rc = os_fail(err, OS_ERUN, "out of memory");
    if (!rc && strcmp(x, y) != 0) {
        /* Name the first setting that differs. */
        size_t i = 0, line = 0;
        while (x[i] && x[i] == y[i]) i++;
        while (i > 0 && y[i - 1] != '\n') i--;
        line = strcspn(y + i, "\n");
        rc = os_fail(err, OS_ECONFIG, "%s: configuration differs from %s's with draw %d applied, at '%.*s'",
                     in->path, b->path, in->draw, (int)(line > 120 ? 120 : line), y + i);
    }
    free(x);
    free(y);
    os_cfg_free(want);
    return rc;
}

/* Draw K (input IN): its PSA row, from its configuration and /summary. */
static int read_draw(merge *m, int k, const os_summary *cols, const os_phases *ph, os_err *err)
{
    const input *in = &m->in[m->order[k - 1]];
    os_cfg *cfg;
    if (load_cfg(&cfg, in, ph, err)) return OS_ECONFIG;
    int rc = check_same(m, in, cfg, ph, err);
    os_summary s = {0};
    s.ncols = cols->ncols;
    memcpy(s.cols, cols->cols, sizeof s.cols);
    s.wtp = cols->wtp;
    hid_t f = rc ? -1 : os_out_open(in->path, err);
    if (!rc && f < 0) rc = err->code ? err->code : OS_ERUN;
    if (!rc) rc = os_psamerge_summary(f, in->path, &s, err);
    if (f >= 0) H5Fclose(f);
    os_psa one = {0};
    if (!rc) rc = os_psa_single(cfg, k, m->has_post ? &m->post : NULL, &s, &one, err);
    if (!rc) rc = os_psamerge_append(&m->psa, m->ndraws, k - 1, &one, err);
    os_psa_free(&one);
    os_summary_free(&s);
    os_cfg_free(cfg);
    return rc;
}

/* Every draw's row, in draw order. */
static int read_draws(merge *m, const os_phases *ph, os_err *err)
{
    os_cfg *first;
    if (load_cfg(&first, &m->in[m->order[0]], ph, err)) return OS_ECONFIG;
    /* A batch takes its columns and thresholds from its first draw. */
    os_summary cols;
    int rc = os_psamerge_columns(first, ph, &cols, err);
    os_cfg_free(first);
    for (int k = 1; k <= m->ndraws && !rc; k++) rc = read_draw(m, k, &cols, ph, err);
    return rc;
}

/* The base case's root attributes and groups, then /psa, into TMP. */
static int write_tmp(const merge *m, const char *tmp, os_err *err)
{
    const char *bpath = m->in[m->base].path;
    hid_t b = os_out_open(bpath, err);
    if (b < 0) return err->code ? err->code : OS_ERUN;
    hid_t o = os_h5io_create(tmp);
    int rc = o < 0 ? os_fail(err, OS_ERUN, "%s: cannot create: %s", tmp, os_h5io_reason("HDF5 error")) : OS_OK;
    if (!rc && os_psamerge_root_attrs(b, o))
        rc = os_fail(err, OS_ERUN, "%s: cannot copy the root attributes of %s", tmp, bpath);
    char **names = NULL;
    int nl = rc ? 0 : os_h5c_links(b, &names);
    if (nl < 0) rc = os_fail(err, OS_ERUN, "%s: cannot list its groups", bpath);
    for (int i = 0; i < nl && !rc; i++) {
        char where[512];
        if (os_h5copy(b, names[i], o, where, sizeof where))
            rc = os_fail(err, OS_ERUN, "%s: cannot copy %s: %s", tmp, where, os_h5io_reason("HDF5 error"));
    }
    if (nl > 0) os_h5c_links_free(names, nl);
    if (!rc) rc = os_psa_write(o, m->cfg, &m->psa, err);
    if (!rc && m->has_post)
        rc = os_posterior_write_psa(o, &m->post, m->in[m->base].seed, m->psa.draw, m->psa.ndraws, err);
    H5Fclose(b);
    if (o >= 0 && os_h5io_close(o, tmp, rc == OS_OK) && !rc)
        rc = os_fail(err, OS_ERUN, "%s: write failed: %s", tmp, os_h5io_reason("HDF5 error"));
    return rc;
}

/* The merged file at OUT, written under a temporary name beside it and
 * renamed into place when complete; never over an input. */
static int write_out(const merge *m, const char *out, os_err *err)
{
    char *target = NULL;
    int rc = os_outpath_resolve(out, "-o", &target, err);
    for (int i = 0; i < m->n && !rc; i++) rc = os_outpath_not_input(target, m->in[i].path, "an input", err);
    if (rc) {
        free(target);
        return rc;
    }
    os_outpath_sweep(target);
    size_t n = strlen(target) + 32;
    char *tmp = malloc(n);
    if (!tmp) rc = os_fail(err, OS_ERUN, "out of memory");
    if (!rc) snprintf(tmp, n, "%s.tmp.%ld", target, (long)getpid());
    if (!rc) rc = write_tmp(m, tmp, err);
    int e = rc ? 0 : os_h5io_sync(tmp);
    if (e) rc = os_fail(err, OS_ERUN, "%s: write failed: %s", out, strerror(e));
    if (!rc && rename(tmp, target) != 0)
        rc = os_fail(err, OS_ERUN, "%s: cannot rename the finished file into place: %s", out, strerror(errno));
    if (rc && tmp) remove(tmp);
    free(tmp);
    free(target);
    return rc;
}

/* The posterior the base case recorded, as it was (its hash), and the
 * same in every draw: draw k is then re-made from it (check_same). */
static int load_posterior(merge *m, const os_phases *ph, os_err *err)
{
    const input *b = &m->in[m->base];
    for (int i = 0; i < m->n; i++) {
        const input *in = &m->in[i];
        const char *h = in->post_hash ? in->post_hash : "", *bh = b->post_hash ? b->post_hash : "";
        if (strcmp(h, bh) != 0)
            return os_fail(err, OS_ECONFIG, "%s: PSA from %s, the base case %s from %s (give the same --posterior "
                           "to every task)", in->path, *h ? in->post_file : "the priors", b->path,
                           *bh ? b->post_file : "the priors");
    }
    if (!b->post_hash) return OS_OK;
    if (os_posterior_load(&m->post, b->post_file, err)) return OS_ECONFIG;
    m->has_post = 1;
    if (strcmp(m->post.hash, b->post_hash) != 0)
        return os_fail(err, OS_ECONFIG, "%s: /provenance: posterior %s has changed since the run (hash %s, "
                       "recorded %s)", b->path, b->post_file, m->post.hash, b->post_hash);
    return os_posterior_check(&m->post, m->cfg, ph, err);
}

static int parse(merge *m, const char **out, int argc, char **argv, os_cmd_err *e)
{
    m->in = calloc((size_t)argc + 1, sizeof *m->in);
    if (!m->in) return os_cmd_fail(e, NULL, OS_ERUN, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage_merge, stdout); return -1; }
        if (!strcmp(a, "--version")) { os_cmd_version(); return -1; }
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return os_cmd_fail(e, "psa-merge", OS_ECONFIG, "%s needs a file name (see 'osteosim psa-merge --help')", a);
            *out = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return os_cmd_fail(e, "psa-merge", OS_ECONFIG, "unknown option '%s' (see 'osteosim psa-merge --help')", a);
        } else {
            m->in[m->n++].path = a;
        }
    }
    if (!*out) return os_cmd_fail(e, "psa-merge", OS_ECONFIG, "missing -o PSA.h5 (see 'osteosim psa-merge --help')");
    if (m->n < 2)
        return os_cmd_fail(e, "psa-merge", OS_ECONFIG, "needs the base case and at least one draw file "
                           "(see 'osteosim psa-merge --help')");
    return OS_OK;
}

int os_cmd_psa_merge(int argc, char **argv, os_cmd_err *e)
{
    merge m = {0};
    const char *out = NULL;
    os_err *err = &e->err;
    int rc = parse(&m, &out, argc, argv, e);
    if (rc) {
        merge_free(&m);
        return rc < 0 ? 0 : rc;
    }
    e->scope = "psa-merge";
    for (int i = 0; i < m.n && !rc; i++) rc = read_input(&m.in[i], err);
    if (!rc) rc = check_set(&m, err);
    if (!rc) rc = load_cfg(&m.cfg, &m.in[m.base], e->ph, err);
    if (!rc) rc = load_posterior(&m, e->ph, err);
    if (!rc) rc = read_draws(&m, e->ph, err);
    if (!rc) rc = write_out(&m, out, err);
    merge_free(&m);
    return rc ? (err->code ? err->code : rc) : OS_OK;
}
