/* psa_posterior.c - PSA draws from a calibration posterior (psa_posterior.h). */
#include "psa_posterior.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "h5check.h"
#include "h5out.h"
#include "rng.h"

static int bad(os_err *err, const char *path, const char *where, const char *msg)
{
    return os_fail(err, OS_ECONFIG, "%s: %s: %s", path, where, msg);
}

/* ---- against the scenario ---- */

/* The present keys of a validated configuration, with their types. */
typedef struct keyset {
    const os_cfg *cfg;
    const os_param_spec **spec;
    size_t n, cap;
    int oom;
} keyset;

static void collect(void *ctx, const os_param_spec *spec, int present, int used)
{
    (void)used;
    keyset *k = ctx;
    if (!present || k->oom) return;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 256;
        const os_param_spec **s = realloc(k->spec, cap * sizeof *s);
        if (!s) {
            k->oom = 1;
            return;
        }
        k->spec = s;
        k->cap = cap;
    }
    k->spec[k->n++] = spec;
}

static const os_param_spec *find(const keyset *k, const char *key)
{
    for (size_t i = 0; i < k->n; i++)
        if (!strcmp(k->spec[i]->key, key)) return k->spec[i];
    return NULL;
}

/* Settings that do not make the model: how it is run and reported. */
static int not_structure(const char *key)
{
    static const char *const skip[] = {"scenario.", "run.", "output.", "calibration.", "psa."};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (!strncmp(key, skip[i], strlen(skip[i]))) return 1;
    return 0;
}

static const char *text_of(const os_cfg *cfg, const os_param_spec *s)
{
    if (s->type == OS_P_BOOL) return os_cfg_bool(cfg, s->key) ? "true" : "false";
    const char *v = os_cfg_str(cfg, s->key);
    return v ? v : "";
}

/* Every parameter a number parameter the scenario sets. */
static int check_params(const os_posterior *p, const keyset *run, os_err *err)
{
    for (size_t i = 0; i < p->p; i++) {
        const os_param_spec *s = find(run, p->params[i]);
        if (s && s->type == OS_P_REAL) continue;
        char msg[400];
        if (s) {
            snprintf(msg, sizeof msg, "'%.200s' is not a real-valued parameter of the scenario", p->params[i]);
        } else {
            const char **cands = malloc((run->n + 1) * sizeof *cands);
            size_t nc = 0;
            for (size_t j = 0; cands && j < run->n; j++)
                if (run->spec[j]->type == OS_P_REAL) cands[nc++] = run->spec[j]->key;
            const char *near = cands ? os_cfg_suggest(p->params[i], cands, nc) : NULL;
            snprintf(msg, sizeof msg, "'%.200s' is not a parameter of the scenario%s%.150s%s", p->params[i],
                     near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            free(cands);
        }
        return bad(err, p->path, "/posterior/parameters", msg);
    }
    return OS_OK;
}

/* The configuration calibrated on against the scenario's. */
static int check_structure(const os_posterior *p, const keyset *cal, const keyset *run, os_err *err)
{
    char msg[600];
    for (size_t i = 0; i < cal->n; i++) {
        const os_param_spec *c = cal->spec[i], *r;
        if (not_structure(c->key)) continue;
        if (!(r = find(run, c->key))) {
            snprintf(msg, sizeof msg, "config differs in structure from the scenario's: it sets '%.200s', "
                     "the scenario does not", c->key);
            return bad(err, p->path, "/provenance", msg);
        }
        if (r->type != c->type) {
            snprintf(msg, sizeof msg, "config differs in structure from the scenario's: '%.200s' has another type",
                     c->key);
            return bad(err, p->path, "/provenance", msg);
        }
        if (c->type != OS_P_STRING && c->type != OS_P_BOOL) continue;
        const char *a = text_of(cal->cfg, c), *b = text_of(run->cfg, r);
        if (strcmp(a, b) != 0) {
            snprintf(msg, sizeof msg, "config differs in structure from the scenario's: '%.200s' is '%.80s' "
                     "there, '%.80s' in the scenario", c->key, a, b);
            return bad(err, p->path, "/provenance", msg);
        }
    }
    return OS_OK;
}

/* A configuration loaded from TEXT and validated (NAME in messages). */
static int load_copy(os_cfg **cfg, const char *text, const char *name, const os_phases *ph, os_err *err)
{
    *cfg = NULL;
    if (os_cfg_load_string(cfg, text, name, NULL, NULL, 0, err) || os_engine_validate(*cfg, ph, err)) {
        os_cfg_free(*cfg);
        *cfg = NULL;
        return OS_ECONFIG;
    }
    return OS_OK;
}

int os_posterior_check(const os_posterior *p, const os_cfg *cfg, const os_phases *ph, os_err *err)
{
    /* Copies of both: reading the values to compare must not mark the
     * scenario's keys used (its /parameters/used is provenance). */
    char *text = os_cfg_dump(cfg);
    if (!text) return os_fail(err, OS_ERUN, "out of memory");
    char name[1200];
    snprintf(name, sizeof name, "%s:/provenance config", p->path);
    os_cfg *mine = NULL, *theirs = NULL;
    int rc = load_copy(&mine, text, "(the scenario)", ph, err);
    free(text);
    if (!rc && load_copy(&theirs, p->config, name, ph, err)) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        rc = os_fail(err, OS_ECONFIG, "%s: /provenance: the configuration calibrated on is not valid here: %s",
                     p->path, why);
    }
    keyset run = {mine, NULL, 0, 0, 0}, cal = {theirs, NULL, 0, 0, 0};
    if (!rc) {
        os_cfg_visit(mine, collect, &run);
        os_cfg_visit(theirs, collect, &cal);
        if (run.oom || cal.oom) rc = os_fail(err, OS_ERUN, "out of memory");
    }
    if (!rc) rc = check_params(p, &run, err);
    if (!rc) rc = check_structure(p, &cal, &run, err);
    free(run.spec);
    free(cal.spec);
    os_cfg_free(mine);
    os_cfg_free(theirs);
    return rc;
}

int os_posterior_find(const os_posterior *p, const char *key)
{
    for (size_t i = 0; p && i < p->p; i++)
        if (!strcmp(p->params[i], key)) return (int)i;
    return -1;
}

/* ---- drawing ---- */

size_t os_posterior_pick(const os_posterior *p, uint64_t seed, int k)
{
    os_rng r;
    os_rng_init(&r, seed, (uint32_t)k, 0, os_rng_purpose("psa.posterior"));
    /* 53 random bits: with 2^32 levels, weights below 2^-32 would be
     * resolved too coarsely. */
    uint64_t hi = os_rng_u32(&r) >> 5, lo = os_rng_u32(&r) >> 6;
    double u = ((double)(hi * 67108864ULL + lo) + 0.5) / 9007199254740992.0;
    double x = u * p->cum[p->n - 1];
    /* the first particle whose cumulative weight exceeds x: a particle
     * of weight 0 is never chosen */
    size_t a = 0, b = p->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (p->cum[m] > x) b = m;
        else a = m + 1;
    }
    if (a < p->n) return a;
    /* x rounded up to the total: the last particle that has weight */
    for (size_t i = p->n; i-- > 0;)
        if (p->weights[i] > 0) return i;
    return 0;
}

/* ---- output ---- */

static hid_t open_or_create(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) > 0) return H5Gopen2(loc, name, H5P_DEFAULT);
    return H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

int os_posterior_write_provenance(hid_t file, const os_posterior *p, os_err *err)
{
    hid_t g = open_or_create(file, "provenance");
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /provenance");
    int bad_attr = os_h5_attr_str(g, "posterior_file", p->path) || os_h5_attr_str(g, "posterior_hash", p->hash) ||
                   os_h5_attr_str(g, "posterior_method", p->method ? p->method : "") ||
                   os_h5_attr_i64(g, "posterior_particles", (long long)p->n) ||
                   os_h5_attr_f64(g, "posterior_ess", p->ess);
    int rc = bad_attr ? os_fail(err, OS_ERUN, "HDF5: cannot write the attributes of /provenance") : OS_OK;
    if (!rc)
        rc = os_h5_write_strings(g, "posterior_parameters", (const char *const *)p->params, p->p,
                                 "parameters drawn jointly from the posterior (posterior_file)", err);
    H5Gclose(g);
    return rc;
}

int os_posterior_write_psa(hid_t file, const os_posterior *p, uint64_t seed, const int *draw, int n,
                           os_err *err)
{
    hid_t psa = H5Gopen2(file, "psa", H5P_DEFAULT);
    if (psa < 0) return os_fail(err, OS_ERUN, "HDF5: no /psa to describe");
    char basis[1400];
    snprintf(basis, sizeof basis, "posterior: %zu parameters drawn jointly from the %zu particles of %s "
             "(%s; effective sample size %.1f), the others from their distributions", p->p, p->n, p->path,
             p->hash, p->ess);
    int rc = os_h5_attr_str(psa, "parameter_basis", basis) ? os_fail(err, OS_ERUN, "HDF5: cannot write /psa")
                                                             : OS_OK;
    hid_t g = rc ? -1 : H5Gcreate2(psa, "posterior", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!rc && g < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /psa/posterior");
    int32_t *col = rc ? NULL : malloc((size_t)(n ? 2 * n : 1) * sizeof *col);
    if (!rc && !col) rc = os_fail(err, OS_ERUN, "out of memory");
    for (int i = 0; !rc && i < n; i++) {
        col[i] = draw[i];
        col[n + i] = (int32_t)os_posterior_pick(p, seed, draw[i]);
    }
    if (!rc) rc = os_h5_write_1d(g, "draw", H5T_NATIVE_INT32, col, (size_t)n, "1", "draw number k", 0, err);
    if (!rc)
        rc = os_h5_write_1d(g, "particle", H5T_NATIVE_INT32, col + n, (size_t)n, "1",
                            "row of /posterior/samples the draw's calibrated parameters come from", 0, err);
    free(col);
    if (g >= 0) H5Gclose(g);
    H5Gclose(psa);
    return rc;
}

int os_posterior_recorded(hid_t f, const char *path, char **file, char **hash, os_err *err)
{
    *file = *hash = NULL;
    if (!os_h5c_is_group(f, "provenance")) return OS_OK;
    hid_t g = H5Gopen2(f, "provenance", H5P_DEFAULT);
    if (g < 0) return OS_OK;
    int a = os_h5c_attr_str(g, "posterior_file", file), b = os_h5c_attr_str(g, "posterior_hash", hash);
    H5Gclose(g);
    if (a == OS_H5C_ABSENT && b == OS_H5C_ABSENT) return OS_OK;
    if (a || b) {
        free(*file);
        free(*hash);
        *file = *hash = NULL;
        return os_fail(err, OS_ECONFIG, "%s: corrupt output: /provenance posterior_file or posterior_hash", path);
    }
    return OS_OK;
}

int os_posterior_write_more(hid_t file, const os_summary *s, void *ctx, os_err *err)
{
    (void)s;
    const os_posterior_out *o = ctx;
    int rc = os_posterior_write_provenance(file, o->post, err);
    if (rc || o->count <= 0) return rc;
    int *draw = malloc((size_t)o->count * sizeof *draw);
    if (!draw) return os_fail(err, OS_ERUN, "out of memory");
    for (int i = 0; i < o->count; i++) draw[i] = o->first + i;
    rc = os_posterior_write_psa(file, o->post, o->seed, draw, o->count, err);
    free(draw);
    return rc;
}

int os_posterior_setup(os_posterior *post, os_posterior_out *out, const char *path, const os_cfg *cfg,
                       const os_phases *ph, int npsa, int draw, struct os_run_opts *opts, os_err *err)
{
    if (os_posterior_load(post, path, err)) return OS_ECONFIG;
    if (os_posterior_check(post, cfg, ph, err)) return err->code ? err->code : OS_ECONFIG;
    out->post = post;
    out->seed = (uint64_t)os_cfg_int(cfg, "run.seed");
    out->first = draw ? draw : 1;
    out->count = draw ? 1 : npsa;
    opts->posterior = post;
    opts->write_more = os_posterior_write_more;
    opts->write_ctx = out;
    return OS_OK;
}

void os_posterior_report(FILE *out, const os_posterior *p, int has_draws)
{
    if (has_draws)
        fprintf(out, "\nPSA from the calibration posterior %s (%s): %zu parameters drawn jointly from %zu "
                "particles (effective sample size %.1f), the others from their distributions\n",
                p->path, p->hash, p->p, p->n, p->ess);
    else
        fprintf(out, "\nposterior %s recorded in /provenance (the base case of a posterior PSA: no draws here)\n",
                p->path);
}
