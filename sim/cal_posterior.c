/* cal_posterior.c - writing and reading the posterior file (cal_posterior.h). */
#include "cal_posterior.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5io.h"
#include "h5out.h"
#include "h5out_provenance.h"
#include "version.h"

int os_cal_posterior_alloc(os_cal_posterior *p, os_err *err)
{
    size_t n = p->n, np = p->np, nt = p->nt, ng = p->ng ? p->ng : 1;
    p->params = calloc(np, sizeof *p->params);
    p->prior_dist = calloc(np, sizeof *p->prior_dist);
    p->tnames = calloc(nt, sizeof *p->tnames);
    p->lo = calloc(np, sizeof *p->lo);
    p->hi = calloc(np, sizeof *p->hi);
    p->samples = calloc(n * np, sizeof *p->samples);
    p->weights = calloc(n, sizeof *p->weights);
    p->achieved = calloc(n * nt, sizeof *p->achieved);
    p->mc_se = calloc(n * nt, sizeof *p->mc_se);
    p->tvalue = calloc(nt, sizeof *p->tvalue);
    p->tscale = calloc(nt, sizeof *p->tscale);
    p->tsigma = calloc(nt, sizeof *p->tsigma);
    p->tweight = calloc(nt, sizeof *p->tweight);
    p->g_eps = calloc(ng, sizeof *p->g_eps);
    p->g_accept = calloc(ng, sizeof *p->g_accept);
    p->g_ess = calloc(ng, sizeof *p->g_ess);
    p->g_mc_ratio = calloc(ng, sizeof *p->g_mc_ratio);
    p->g_evals = calloc(ng, sizeof *p->g_evals);
    p->g_agents = calloc(ng, sizeof *p->g_agents);
    p->g_seed = calloc(ng, sizeof *p->g_seed);
    if (!p->params || !p->prior_dist || !p->tnames || !p->lo || !p->hi || !p->samples || !p->weights ||
        !p->achieved || !p->mc_se || !p->tvalue || !p->tscale || !p->tsigma || !p->tweight || !p->g_eps ||
        !p->g_accept || !p->g_ess || !p->g_mc_ratio || !p->g_evals || !p->g_agents || !p->g_seed)
        return os_fail(err, OS_ERUN, "out of memory");
    return OS_OK;
}

static void free_strs(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) free(s[i]);
    free(s);
}

void os_cal_posterior_free(os_cal_posterior *p)
{
    free_strs(p->params, p->np);
    free_strs(p->prior_dist, p->np);
    free_strs(p->tnames, p->nt);
    free(p->lo); free(p->hi); free(p->samples); free(p->weights); free(p->achieved); free(p->mc_se);
    free(p->tvalue); free(p->tscale); free(p->tsigma); free(p->tweight);
    free(p->g_eps); free(p->g_accept); free(p->g_ess); free(p->g_mc_ratio);
    free(p->g_evals); free(p->g_agents); free(p->g_seed);
    free(p->method); free(p->command_line); free(p->config);
    memset(p, 0, sizeof *p);
}

/* ---- writing ---- */

static int write_2d(hid_t loc, const char *name, const double *v, size_t rows, size_t cols,
                    const char *units, const char *desc, os_err *err)
{
    hsize_t dims[2] = {rows, cols};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = d < 0 || (rows * cols > 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0);
    if (d >= 0) {
        bad |= os_h5_attr_str(d, "units", units) | os_h5_attr_str(d, "description", desc);
        bad |= H5Dclose(d) < 0;
    }
    H5Sclose(sp);
    return bad ? os_fail(err, OS_ERUN, "HDF5: cannot write dataset %s: %s", name, os_h5io_reason("HDF5 error"))
               : OS_OK;
}

static int write_f64(hid_t loc, const char *name, const double *v, size_t n, const char *units,
                     const char *desc, os_err *err)
{
    return os_h5_write_1d(loc, name, H5T_NATIVE_DOUBLE, v, n, units, desc, 0, err);
}

static hid_t group(hid_t loc, const char *name)
{
    return H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

static int write_body(hid_t f, const os_cal_posterior *p, const os_cfg *cfg, os_err *err)
{
    hid_t g = group(f, "posterior");
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /posterior");
    hid_t tg = group(g, "targets"), pg = group(g, "prior"), gg = group(g, "generations");
    int rc = tg < 0 || pg < 0 || gg < 0 ? os_fail(err, OS_ERUN, "HDF5: cannot create the groups of /posterior")
                                        : OS_OK;
    const char *const *params = (const char *const *)p->params;
    if (!rc) rc = os_h5_write_strings(g, "parameters", params, p->np, "configuration keys of the calibrated parameters", err);
    if (!rc) rc = write_2d(g, "samples", p->samples, p->n, p->np, "natural units of each parameter (configuration)",
                           "particles of the last generation: row k is particle k, column j parameter j", err);
    if (!rc) rc = write_f64(g, "weights", p->weights, p->n, "1", "normalised importance weights (sum 1)", err);
    if (!rc) rc = write_2d(g, "achieved", p->achieved, p->n, p->nt, "unit of each target",
                           "each particle's simulated value of each target", err);
    if (!rc) rc = write_2d(g, "mc_se", p->mc_se, p->n, p->nt, "unit of each target",
                           "Monte Carlo standard error of each simulated target value", err);
    if (!rc) rc = os_h5_write_strings(tg, "names", (const char *const *)p->tnames, p->nt, "target names", err);
    if (!rc) rc = write_f64(tg, "value", p->tvalue, p->nt, "unit of each target", "observed values", err);
    if (!rc) rc = write_f64(tg, "scale", p->tscale, p->nt, "unit of each target",
                            "distance scale: the target's tolerance (a confidence-interval half-width)", err);
    if (!rc) rc = write_f64(tg, "sigma", p->tsigma, p->nt, "unit of each target",
                            "standard error of the target: scale over the normal quantile of attribute scale_level", err);
    if (!rc) rc = write_f64(tg, "weight", p->tweight, p->nt, "1", "weight of the target in the distance", err);
    if (!rc) rc = write_f64(pg, "lo", p->lo, p->np, "natural units", "lower bounds of the prior", err);
    if (!rc) rc = write_f64(pg, "hi", p->hi, p->np, "natural units", "upper bounds of the prior", err);
    if (!rc) rc = os_h5_write_strings(pg, "dist", (const char *const *)p->prior_dist, p->np, "the prior as text", err);
    if (!rc) rc = write_f64(gg, "epsilon", p->g_eps, p->ng, "1", "tolerance: kernel sd over the targets' sigma", err);
    if (!rc) rc = write_f64(gg, "acceptance", p->g_accept, p->ng, "1",
                            "share of the Metropolis-Hastings moves accepted", err);
    if (!rc) rc = write_f64(gg, "ess", p->g_ess, p->ng, "particles", "effective sample size of the weights", err);
    if (!rc) rc = write_f64(gg, "mc_ratio", p->g_mc_ratio, p->ng, "1",
                            "RMS over targets of Monte Carlo standard error over sigma", err);
    if (!rc) rc = os_h5_write_1d(gg, "evaluations", H5T_NATIVE_LLONG, p->g_evals, p->ng, "runs", "simulations", 0, err);
    if (!rc) rc = os_h5_write_1d(gg, "agents", H5T_NATIVE_LLONG, p->g_agents, p->ng, "agents", "agents per simulation", 0, err);
    if (!rc) rc = os_h5_write_1d(gg, "seed", H5T_NATIVE_UINT64, p->g_seed, p->ng, "1",
                                 "run.seed of every simulation of the generation (common random numbers)", 0, err);
    if (!rc) {
        uint64_t seed = p->seed;
        hid_t sp = H5Screate(H5S_SCALAR);
        hid_t a = H5Acreate2(g, "seed", H5T_NATIVE_UINT64, sp, H5P_DEFAULT, H5P_DEFAULT);
        int bad = a < 0 || H5Awrite(a, H5T_NATIVE_UINT64, &seed) < 0;
        if (a >= 0) H5Aclose(a);
        H5Sclose(sp);
        bad |= os_h5_attr_str(g, "method", p->method ? p->method : "") |
               os_h5_attr_str(g, "command_line", p->command_line ? p->command_line : "") |
               os_h5_attr_i64(g, "agents", p->agents) | os_h5_attr_i64(g, "particles", p->particles) |
               os_h5_attr_i64(g, "generations", p->generations) | os_h5_attr_i64(g, "converged", p->converged) |
               os_h5_attr_f64(g, "ess", p->ess) | os_h5_attr_f64(g, "ess_frac", p->ess_frac) |
               os_h5_attr_f64(g, "eps_final", p->eps_final) | os_h5_attr_f64(g, "kernel_scale", p->kernel_scale) |
               os_h5_attr_f64(g, "mc_ratio", p->mc_ratio) | os_h5_attr_f64(g, "scale_level", p->scale_level);
        if (bad) rc = os_fail(err, OS_ERUN, "HDF5: cannot write the attributes of /posterior");
    }
    if (tg >= 0) H5Gclose(tg);
    if (pg >= 0) H5Gclose(pg);
    if (gg >= 0) H5Gclose(gg);
    H5Gclose(g);
    if (rc || !cfg) return rc;
    hid_t pv = group(f, "provenance");
    if (pv < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /provenance");
    char created[32];
    time_t now = time(NULL);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char *yaml = os_cfg_dump(cfg);
    int bad = !yaml || os_h5_attr_str(pv, "osteosim_version", OS_VERSION) |
                       os_h5_attr_str(pv, "git_commit", OS_GIT_COMMIT) | os_h5_attr_str(pv, "created", created) |
                       os_h5_attr_str(pv, "config", yaml);
    free(yaml);
    rc = bad ? os_fail(err, OS_ERUN, "HDF5: cannot write the attributes of /provenance") : OS_OK;
    if (!rc) rc = os_provenance_write(pv, cfg, err);
    H5Gclose(pv);
    return rc;
}

int os_cal_posterior_write(const char *path, const os_cal_posterior *p, const os_cfg *cfg, os_err *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    hid_t f = os_h5io_create(tmp);
    if (f < 0) {
        remove(tmp);
        return os_fail(err, OS_ERUN, "%s: cannot create: %s", path, os_h5io_reason("HDF5 error (does its directory exist?)"));
    }
    int rc = write_body(f, p, cfg, err);
    if (os_h5io_close(f, tmp, rc == OS_OK) && !rc)
        rc = os_fail(err, OS_ERUN, "%s: cannot write: %s", path, os_h5io_reason("HDF5 error closing the file"));
    int e = rc ? 0 : os_h5io_sync(tmp);
    if (e) rc = os_fail(err, OS_ERUN, "%s: cannot write: %s", path, strerror(e));
    if (!rc && rename(tmp, path) != 0)
        rc = os_fail(err, OS_ERUN, "%s: cannot rename the finished file into place: %s", path, strerror(errno));
    if (rc) remove(tmp);
    return rc;
}

/* ---- reading ---- */

typedef struct rd {
    hid_t f;
    const char *path;
    os_err *err;
} rd;

/* Dataset NAME's dimensions; fails unless it has RANK of them. */
static hid_t open_ds(const rd *r, const char *name, int rank, hsize_t *dims)
{
    if (H5Lexists(r->f, name, H5P_DEFAULT) <= 0) {
        os_fail(r->err, OS_ECONFIG, "%s: not a posterior file: no %s", r->path, name);
        return -1;
    }
    hid_t d = H5Dopen2(r->f, name, H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    int ok = sp >= 0 && H5Sget_simple_extent_ndims(sp) == rank;
    if (ok) H5Sget_simple_extent_dims(sp, dims, NULL);
    if (sp >= 0) H5Sclose(sp);
    if (!ok) {
        if (d >= 0) H5Dclose(d);
        os_fail(r->err, OS_ECONFIG, "%s: %s: expected %d dimension%s", r->path, name, rank, rank > 1 ? "s" : "");
        return -1;
    }
    return d;
}

static int read_num(const rd *r, const char *name, hid_t type, void *out, size_t rows, size_t cols)
{
    hsize_t dims[2] = {0, 0};
    int rank = cols ? 2 : 1;
    hid_t d = open_ds(r, name, rank, dims);
    if (d < 0) return OS_ECONFIG;
    int rc = OS_OK;
    if (dims[0] != rows || (cols && dims[1] != cols))
        rc = os_fail(r->err, OS_ECONFIG, "%s: %s: has %llu rows, expected %zu", r->path, name,
                     (unsigned long long)dims[0], rows);
    else if (rows && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
        rc = os_fail(r->err, OS_ECONFIG, "%s: %s: cannot read", r->path, name);
    H5Dclose(d);
    return rc;
}

static int read_strs(const rd *r, const char *name, char **out, size_t n)
{
    hsize_t dims[1] = {0};
    hid_t d = open_ds(r, name, 1, dims);
    if (d < 0) return OS_ECONFIG;
    int rc = OS_OK;
    char **v = calloc(n ? n : 1, sizeof *v);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    if (!v) rc = os_fail(r->err, OS_ERUN, "out of memory");
    else if (dims[0] != n)
        rc = os_fail(r->err, OS_ECONFIG, "%s: %s: has %llu entries, expected %zu", r->path, name,
                     (unsigned long long)dims[0], n);
    else if (n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        rc = os_fail(r->err, OS_ECONFIG, "%s: %s: cannot read strings", r->path, name);
    for (size_t i = 0; !rc && i < n; i++)
        if (!(out[i] = strdup(v[i] ? v[i] : ""))) rc = os_fail(r->err, OS_ERUN, "out of memory");
    if (v && !rc) {
        hid_t sp = H5Dget_space(d);
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
        H5Sclose(sp);
    }
    free(v);
    H5Tclose(mt);
    H5Dclose(d);
    return rc;
}

static size_t length_of(const rd *r, const char *name, int rank, int dim, int *rc)
{
    hsize_t dims[2] = {0, 0};
    hid_t d = *rc ? -1 : open_ds(r, name, rank, dims);
    if (d < 0) {
        *rc = OS_ECONFIG;
        return 0;
    }
    H5Dclose(d);
    return (size_t)dims[dim];
}

static int attr_num(const rd *r, hid_t g, const char *name, hid_t type, void *out)
{
    if (H5Aexists(g, name) <= 0)
        return os_fail(r->err, OS_ECONFIG, "%s: /posterior: no attribute %s", r->path, name);
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    int bad = a < 0 || H5Aread(a, type, out) < 0;
    if (a >= 0) H5Aclose(a);
    return bad ? os_fail(r->err, OS_ECONFIG, "%s: /posterior: cannot read attribute %s", r->path, name) : OS_OK;
}

int os_cal_posterior_read(const char *path, os_cal_posterior *p, os_err *err)
{
    memset(p, 0, sizeof *p);
    hid_t f;
    H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); } H5E_END_TRY;
    if (f < 0) return os_fail(err, OS_ECONFIG, "%s: cannot open as HDF5", path);
    rd r = {f, path, err};
    int rc = OS_OK;
    H5E_BEGIN_TRY {
        p->n = length_of(&r, "/posterior/samples", 2, 0, &rc);
        p->np = length_of(&r, "/posterior/samples", 2, 1, &rc);
        p->nt = length_of(&r, "/posterior/targets/names", 1, 0, &rc);
        p->ng = length_of(&r, "/posterior/generations/epsilon", 1, 0, &rc);
        if (!rc) rc = os_cal_posterior_alloc(p, err);
        if (!rc) rc = read_strs(&r, "/posterior/parameters", p->params, p->np);
        if (!rc) rc = read_num(&r, "/posterior/samples", H5T_NATIVE_DOUBLE, p->samples, p->n, p->np);
        if (!rc) rc = read_num(&r, "/posterior/weights", H5T_NATIVE_DOUBLE, p->weights, p->n, 0);
        if (!rc) rc = read_num(&r, "/posterior/achieved", H5T_NATIVE_DOUBLE, p->achieved, p->n, p->nt);
        if (!rc) rc = read_num(&r, "/posterior/mc_se", H5T_NATIVE_DOUBLE, p->mc_se, p->n, p->nt);
        if (!rc) rc = read_strs(&r, "/posterior/targets/names", p->tnames, p->nt);
        if (!rc) rc = read_num(&r, "/posterior/targets/value", H5T_NATIVE_DOUBLE, p->tvalue, p->nt, 0);
        if (!rc) rc = read_num(&r, "/posterior/targets/scale", H5T_NATIVE_DOUBLE, p->tscale, p->nt, 0);
        if (!rc) rc = read_num(&r, "/posterior/targets/sigma", H5T_NATIVE_DOUBLE, p->tsigma, p->nt, 0);
        if (!rc) rc = read_num(&r, "/posterior/targets/weight", H5T_NATIVE_DOUBLE, p->tweight, p->nt, 0);
        if (!rc) rc = read_num(&r, "/posterior/prior/lo", H5T_NATIVE_DOUBLE, p->lo, p->np, 0);
        if (!rc) rc = read_num(&r, "/posterior/prior/hi", H5T_NATIVE_DOUBLE, p->hi, p->np, 0);
        if (!rc) rc = read_strs(&r, "/posterior/prior/dist", p->prior_dist, p->np);
        if (!rc) rc = read_num(&r, "/posterior/generations/epsilon", H5T_NATIVE_DOUBLE, p->g_eps, p->ng, 0);
        if (!rc) rc = read_num(&r, "/posterior/generations/acceptance", H5T_NATIVE_DOUBLE, p->g_accept, p->ng, 0);
        if (!rc) rc = read_num(&r, "/posterior/generations/ess", H5T_NATIVE_DOUBLE, p->g_ess, p->ng, 0);
        if (!rc) rc = read_num(&r, "/posterior/generations/mc_ratio", H5T_NATIVE_DOUBLE, p->g_mc_ratio, p->ng, 0);
        if (!rc) rc = read_num(&r, "/posterior/generations/evaluations", H5T_NATIVE_LLONG, p->g_evals, p->ng, 0);
        if (!rc) rc = read_num(&r, "/posterior/generations/agents", H5T_NATIVE_LLONG, p->g_agents, p->ng, 0);
        if (!rc) rc = read_num(&r, "/posterior/generations/seed", H5T_NATIVE_UINT64, p->g_seed, p->ng, 0);
        hid_t g = rc ? -1 : H5Gopen2(f, "/posterior", H5P_DEFAULT);
        if (g >= 0) {
            p->method = os_h5_attr_read_str(g, "method");
            p->command_line = os_h5_attr_read_str(g, "command_line");
            if (!p->method || !p->command_line)
                rc = os_fail(err, OS_ECONFIG, "%s: /posterior: no method or command_line attribute", path);
            if (!rc) rc = attr_num(&r, g, "seed", H5T_NATIVE_UINT64, &p->seed);
            if (!rc) rc = attr_num(&r, g, "agents", H5T_NATIVE_LLONG, &p->agents);
            if (!rc) rc = attr_num(&r, g, "particles", H5T_NATIVE_LLONG, &p->particles);
            if (!rc) rc = attr_num(&r, g, "generations", H5T_NATIVE_LLONG, &p->generations);
            if (!rc) rc = attr_num(&r, g, "converged", H5T_NATIVE_LLONG, &p->converged);
            if (!rc) rc = attr_num(&r, g, "ess", H5T_NATIVE_DOUBLE, &p->ess);
            if (!rc) rc = attr_num(&r, g, "ess_frac", H5T_NATIVE_DOUBLE, &p->ess_frac);
            if (!rc) rc = attr_num(&r, g, "eps_final", H5T_NATIVE_DOUBLE, &p->eps_final);
            if (!rc) rc = attr_num(&r, g, "kernel_scale", H5T_NATIVE_DOUBLE, &p->kernel_scale);
            if (!rc) rc = attr_num(&r, g, "mc_ratio", H5T_NATIVE_DOUBLE, &p->mc_ratio);
            if (!rc) rc = attr_num(&r, g, "scale_level", H5T_NATIVE_DOUBLE, &p->scale_level);
            H5Gclose(g);
        }
        if (!rc && H5Lexists(f, "/provenance", H5P_DEFAULT) > 0) {
            hid_t pv = H5Gopen2(f, "/provenance", H5P_DEFAULT);
            if (pv >= 0) {
                p->config = os_h5_attr_read_str(pv, "config");
                H5Gclose(pv);
            }
        }
    } H5E_END_TRY;
    H5Fclose(f);
    if (rc) os_cal_posterior_free(p);
    return rc;
}
