/* res_targets.c - calibration targets (format in res_targets.h). */
#include "res_targets.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_file.h"

#define UNBOUNDED 1.0, 0.0

const os_param_spec os_targets_params[] = {
    {"calibration.targets", OS_P_PATH, NULL, UNBOUNDED, 0, NULL, NULL,
     "targets file compared with the model after each run (configs/targets/NAME.yaml)"},
    {"calibration.targets_extra", OS_P_PATH, NULL, UNBOUNDED, 0, NULL, NULL,
     "a second targets file, reported after calibration.targets"},
};
const size_t os_targets_nparams = sizeof os_targets_params / sizeof os_targets_params[0];

/* ---- loading ---- */

/* Keys of one target and one fit entry (relative to targets[i], fit[i]). */
static const os_param_spec target_specs[] = {
    {"name", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, NULL, "unique across the file and its includes"},
    {"measure", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, "prevalence|incidence|count|ratio",
     "how the model's value is computed (res_targets.h)"},
    {"column", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, NULL, "summary column summed"},
    {"denominator", OS_P_STRING, NULL, UNBOUNDED, 0, NULL, NULL, "summary column divided by (ratio)"},
    {"year", OS_P_INT, "year", 0, 1e6, 1, NULL, NULL, "summary year"},
    {"sex", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, "female|male|both", "sex rows summed"},
    {"age", OS_P_INT_LIST, "year", -1e6, 1e6, 1, NULL, NULL, "[lower inclusive, upper exclusive]"},
    {"value", OS_P_REAL, NULL, UNBOUNDED, 1, NULL, NULL, "observed value"},
    {"tolerance", OS_P_REAL, NULL, UNBOUNDED, 1, NULL, NULL, "absolute, unit of value"},
    {"weight", OS_P_REAL, "1", UNBOUNDED, 0, "1", NULL, "weight in the calibration objective"},
    {"source", OS_P_STRING, NULL, UNBOUNDED, 0, NULL, NULL, "where the value comes from"},
};
static const os_param_spec fit_specs[] = {
    {"key", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, NULL, "scenario parameter moved by calibration"},
    {"min", OS_P_REAL, NULL, UNBOUNDED, 1, NULL, NULL, "lower bound of the search"},
    {"max", OS_P_REAL, NULL, UNBOUNDED, 1, NULL, NULL, "upper bound of the search"},
};
#define NSPECS(t) (sizeof t / sizeof t[0])

/* A target as read; strings are copied into os_target after checks. */
typedef struct target_rec {
    const char *name, *column, *denominator, *source;
    int measure, year, sex;
    double value, tolerance, weight;
} target_rec;

static const os_field target_fields[] = {
    OS_FIELD("name", target_rec, name, OS_F_STR), OS_FIELD("column", target_rec, column, OS_F_STR),
    OS_FIELD("denominator", target_rec, denominator, OS_F_STR),
    OS_FIELD("source", target_rec, source, OS_F_STR),
    OS_FIELD("measure", target_rec, measure, OS_F_CHOICE), /* order of os_measure */
    OS_FIELD("year", target_rec, year, OS_F_INT), OS_FIELD("sex", target_rec, sex, OS_F_CHOICE),
    OS_FIELD("value", target_rec, value, OS_F_REAL), OS_FIELD("tolerance", target_rec, tolerance, OS_F_REAL),
    OS_FIELD("weight", target_rec, weight, OS_F_REAL),
};

typedef struct fit_rec {
    const char *key;
    double min, max;
} fit_rec;

static const os_field fit_fields[] = {
    OS_FIELD("key", fit_rec, key, OS_F_STR), OS_FIELD("min", fit_rec, min, OS_F_REAL),
    OS_FIELD("max", fit_rec, max, OS_F_REAL),
};

typedef struct rd {
    os_rec_file *f;
    size_t k;          /* the list being read */
    const char *path;
    os_err *err;
} rd;

static int bad(const rd *r, int line, const char *key, const char *msg)
{
    return os_fail(r->err, OS_ECONFIG, "%s:%d: %s: %s", r->path, line, key, msg);
}

/* Copies string FIELD (VAL, NULL when absent) of item I into OUT. */
static int copy_str(const rd *r, size_t i, const char *field, const char *val, char *out, size_t cap)
{
    char key[160];
    snprintf(key, sizeof key, "%s[%zu].%s", os_rec_key(r->f, r->k), i, field);
    if (!val) return OS_OK;
    int line = os_rec_line(r->f, r->k, i, field);
    if (!*val) return bad(r, line, key, "expected a string");
    if (strlen(val) >= cap) return bad(r, line, key, "too long");
    strcpy(out, val);
    return OS_OK;
}

/* The age range of target I: on the 5-year bands from 50. */
static int read_age(const rd *r, size_t i, os_target *t)
{
    char key[80];
    snprintf(key, sizeof key, "targets[%zu].age", i);
    const long *v;
    int line = os_rec_line(r->f, r->k, i, "age");
    if (os_rec_ints(r->f, r->k, i, "age", &v) != 2) return bad(r, line, key, "expected [lower, upper]");
    t->age_lo = (int)v[0];
    t->age_hi = (int)v[1];
    if (t->age_lo < OS_AGE_MIN || (t->age_lo - OS_AGE_MIN) % OS_BAND_WIDTH || t->age_hi <= t->age_lo ||
        (t->age_hi < OS_AGE_MIN + OS_NBANDS * OS_BAND_WIDTH && (t->age_hi - OS_AGE_MIN) % OS_BAND_WIDTH))
        return bad(r, line, key, "bounds must fall on the 5-year bands from 50 (upper bound above 100 includes 100+)");
    return OS_OK;
}

static int read_target(const rd *r, size_t i, os_target *t)
{
    target_rec g;
    memset(t, 0, sizeof *t);
    if (os_rec_read(r->f, r->k, i, target_specs, NSPECS(target_specs), target_fields,
                    NSPECS(target_fields), &g, r->err))
        return OS_ECONFIG;
    t->line = os_rec_line(r->f, r->k, i, NULL);
    char key[80];
    snprintf(key, sizeof key, "targets[%zu]", i);
    if (copy_str(r, i, "name", g.name, t->name, sizeof t->name) ||
        copy_str(r, i, "column", g.column, t->column, sizeof t->column) ||
        copy_str(r, i, "denominator", g.denominator, t->denominator, sizeof t->denominator) ||
        copy_str(r, i, "source", g.source, t->source, sizeof t->source) || read_age(r, i, t))
        return OS_ECONFIG;
    t->measure = (os_measure)g.measure;
    t->year = g.year;
    t->sex = g.sex;
    t->value = g.value;
    t->tolerance = g.tolerance;
    t->weight = g.weight;
    if (t->tolerance <= 0) return bad(r, t->line, key, "tolerance must be positive");
    if (t->weight < 0) return bad(r, t->line, key, "weight must not be negative");
    if (t->measure == OS_M_RATIO && !t->denominator[0]) return bad(r, t->line, key, "ratio needs a denominator column");
    return OS_OK;
}

static int read_fit(const rd *r, size_t i, os_fit_param *f)
{
    fit_rec g;
    memset(f, 0, sizeof *f);
    if (os_rec_read(r->f, r->k, i, fit_specs, NSPECS(fit_specs), fit_fields, NSPECS(fit_fields), &g,
                    r->err))
        return OS_ECONFIG;
    f->line = os_rec_line(r->f, r->k, i, NULL);
    if (copy_str(r, i, "key", g.key, f->key, sizeof f->key)) return OS_ECONFIG;
    f->min = g.min;
    f->max = g.max;
    char key[80];
    snprintf(key, sizeof key, "fit[%zu]", i);
    if (!(f->min < f->max)) return bad(r, f->line, key, "min must be below max");
    return OS_OK;
}

/* Nesting limit of `include:` (also stops cycles). */
#define TARGETS_MAX_DEPTH 8

static int load_file(os_targets *t, const char *path, int depth, os_err *err);

/* Appends the file named by include item I (relative to the including
 * file's folder) to T. */
static int load_include(const rd *r, os_targets *t, size_t i, int depth)
{
    char key[48];
    snprintf(key, sizeof key, "include[%zu]", i);
    const char *s;
    if (os_rec_str(r->f, r->k, i, "a file name", &s, r->err)) return OS_ECONFIG;
    int line = os_rec_line(r->f, r->k, i, NULL);
    if (depth >= TARGETS_MAX_DEPTH) return bad(r, line, key, "includes nested too deeply (a cycle?)");
    char full[2048];
    const char *slash = strrchr(r->path, '/');
    if (s[0] == '/' || !slash) snprintf(full, sizeof full, "%s", s);
    else snprintf(full, sizeof full, "%.*s/%s", (int)(slash - r->path), r->path, s);
    char why[128];
    if (os_cfg_file_ok(full, OS_CFG_MAX_BYTES, why, sizeof why)) {
        char msg[2200];
        snprintf(msg, sizeof msg, "cannot open %s: %s", full, why);
        return bad(r, line, key, msg);
    }
    return load_file(t, full, depth + 1, r->err);
}

/* Grows T's target or fit array by N entries; returns the first new one. */
static void *grow(os_targets *t, int fit, size_t n)
{
    size_t have = fit ? t->nfit : t->n, size = fit ? sizeof *t->fit : sizeof *t->t;
    void *old = fit ? (void *)t->fit : (void *)t->t;
    void *p = realloc(old, (have + n + 1) * size);
    if (!p) return NULL;
    if (fit) t->fit = p;
    else t->t = p;
    return (char *)p + have * size;
}

int os_targets_load(os_targets *t, const char *path, os_err *err)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    int rc = load_file(t, path, 0, err);
    for (size_t i = 0; !rc && i < t->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(t->t[i].name, t->t[j].name)) {
                rc = os_fail(err, OS_ECONFIG, "%s:%d: targets[%zu].name: '%s' used twice", path,
                             t->t[i].line, i, t->t[i].name);
                break;
            }
    if (rc) os_targets_free(t);
    return rc;
}

/* Appends B's targets, fit parameters (of file ORIGIN) and files to A. */
static int append(os_targets *a, const os_targets *b, int origin, os_err *err)
{
    if (!grow(a, 0, b->n) || !grow(a, 1, b->nfit)) return os_fail(err, OS_ERUN, "out of memory");
    memcpy(a->t + a->n, b->t, b->n * sizeof *b->t);
    a->n += b->n;
    for (size_t i = 0; i < b->nfit; i++) {
        a->fit[a->nfit] = b->fit[i];
        a->fit[a->nfit++].origin = origin;
    }
    char **files = realloc(a->files, (a->nfiles + b->nfiles + 1) * sizeof *files);
    if (!files) return os_fail(err, OS_ERUN, "out of memory");
    a->files = files;
    for (size_t i = 0; i < b->nfiles; i++)
        if (!(a->files[a->nfiles++] = strdup(b->files[i]))) return os_fail(err, OS_ERUN, "out of memory");
    return OS_OK;
}

int os_targets_load_many(os_targets *t, const char *const *paths, size_t n, os_err *err)
{
    memset(t, 0, sizeof *t);
    int rc = OS_OK;
    size_t len = 0;
    for (size_t k = 0; !rc && k < n; k++) {
        os_targets one;
        if ((rc = os_targets_load(&one, paths[k], err))) break;
        for (size_t i = 0; !rc && i < one.n; i++)
            for (size_t j = 0; j < t->n; j++)
                if (!strcmp(one.t[i].name, t->t[j].name)) {
                    rc = os_fail(err, OS_ECONFIG, "%s:%d: targets[%zu].name: '%s' is also a target of %s", paths[k],
                                 one.t[i].line, i, one.t[i].name, t->path);
                    break;
                }
        if (!rc) rc = append(t, &one, (int)k, err);
        os_targets_free(&one);
        if (!rc) len += (size_t)snprintf(t->path + len, len < sizeof t->path ? sizeof t->path - len : 0, "%s%s",
                                         k ? " " : "", paths[k]);
        if (len >= sizeof t->path) len = sizeof t->path - 1;
    }
    for (size_t i = 0; !rc && i < t->nfit; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(t->fit[i].key, t->fit[j].key)) {
                rc = os_fail(err, OS_ECONFIG, "%s:%d: fit: '%s' is fitted twice", paths[t->fit[i].origin],
                             t->fit[i].line, t->fit[i].key);
                break;
            }
    if (rc) os_targets_free(t);
    return rc;
}

/* Reads the lists of F (targets, fit, include) in file order into T. */
static int read_lists(rd *r, os_targets *t, int depth)
{
    int rc = os_rec_check_top(r->f, "targets|fit|include", r->err);
    for (size_t k = 0; !rc && k < os_rec_nkeys(r->f); k++) {
        const char *key = os_rec_key(r->f, k);
        int is_f = !strcmp(key, "fit"), is_i = !strcmp(key, "include");
        size_t n = os_rec_nitems(r->f, k);
        r->k = k;
        if (!is_i && !grow(t, is_f, n)) return os_fail(r->err, OS_ERUN, "out of memory");
        for (size_t i = 0; !rc && i < n; i++) {
            if (is_i) rc = load_include(r, t, i, depth);
            else if (is_f) rc = read_fit(r, i, &t->fit[t->nfit++]);
            else rc = read_target(r, i, &t->t[t->n++]);
        }
    }
    return rc;
}

static int load_file(os_targets *t, const char *path, int depth, os_err *err)
{
    char why[128];
    if (os_cfg_file_ok(path, OS_CFG_MAX_BYTES, why, sizeof why))
        return os_fail(err, OS_ECONFIG, "%s: cannot open targets file: %s", path, why);
    /* Inputs an output must not replace (h5out_path.h). */
    char **files = realloc(t->files, (t->nfiles + 1) * sizeof *files);
    if (files) t->files = files;
    if (!files || !(files[t->nfiles] = strdup(path))) return os_fail(err, OS_ERUN, "out of memory");
    t->nfiles++;
    rd r = {NULL, 0, path, err};
    int rc = os_rec_load(&r.f, path, err);
    if (!rc) rc = read_lists(&r, t, depth);
    os_rec_free(r.f);
    return rc;
}

void os_targets_free(os_targets *t)
{
    free(t->t);
    free(t->fit);
    for (size_t i = 0; i < t->nfiles; i++) free(t->files[i]);
    free(t->files);
    t->t = NULL;
    t->fit = NULL;
    t->files = NULL;
    t->n = t->nfit = t->nfiles = 0;
}

/* ---- model values ---- */

static int row_in(const os_target *t, const os_summary *s, size_t r)
{
    /* the reference arm: it runs first, so its rows come first */
    if (s->arm[r] != s->arm[0] || s->year[r] != t->year) return 0;
    if (t->sex != 2 && s->sex[r] != t->sex) return 0;
    int hi = s->age_hi[r] < 0 ? 1 << 20 : s->age_hi[r] + 1;   /* exclusive */
    if (s->age_lo[r] < t->age_lo) return 0;
    return s->age_hi[r] < 0 ? t->age_hi > s->age_lo[r] : hi <= t->age_hi;
}

int os_target_model_value(const os_target *t, const os_summary *s, double *value, os_err *err)
{
    int col = os_summary_find(s, t->column);
    if (col < 0) return os_fail(err, OS_ECONFIG, "target %s: no summary column '%s'", t->name, t->column);
    const char *dname = t->measure == OS_M_RATIO ? t->denominator : "population";
    int den = t->measure == OS_M_COUNT ? -1 : os_summary_find(s, dname);
    if (t->measure != OS_M_COUNT && den < 0)
        return os_fail(err, OS_ECONFIG, "target %s: no summary column '%s'", t->name, dname);
    double num = 0.0, d = 0.0;
    size_t rows = 0;
    for (size_t r = 0; r < s->nrows; r++) {
        if (!row_in(t, s, r)) continue;
        rows++;
        num += s->values[r * (size_t)s->ncols + (size_t)col];
        if (den >= 0) d += s->values[r * (size_t)s->ncols + (size_t)den];
    }
    if (!rows) return os_fail(err, OS_ECONFIG, "target %s: year %d was not simulated", t->name, t->year);
    if (t->measure == OS_M_COUNT) { *value = num; return OS_OK; }
    if (d <= 0.0) return os_fail(err, OS_ERUN, "target %s: denominator '%s' is zero", t->name, dname);
    *value = num / d * (t->measure == OS_M_INCIDENCE ? 1e5 : 1.0);
    return OS_OK;
}

double os_target_mc_se(const os_target *t, const os_summary *s)
{
    int col = os_summary_find(s, t->column), pop = os_summary_find(s, "population");
    int agents = os_summary_find(s, "agents");
    int den = t->measure == OS_M_RATIO ? os_summary_find(s, t->denominator) : pop;
    if (col < 0 || pop < 0 || agents < 0 || den < 0) return NAN;
    double num = 0.0, d = 0.0, p = 0.0, a = 0.0;
    for (size_t r = 0; r < s->nrows; r++) {
        if (!row_in(t, s, r)) continue;
        const double *v = s->values + r * (size_t)s->ncols;
        num += v[col];
        d += v[den];
        p += v[pop];
        a += v[agents];
    }
    if (a <= 0.0 || p <= 0.0 || d <= 0.0) return NAN;
    double w = p / a;   /* persons per agent */
    switch (t->measure) {
    case OS_M_COUNT: return sqrt(num * w);
    case OS_M_INCIDENCE: return sqrt(num * w) / d * 1e5;
    case OS_M_PREVALENCE: {
        double q = num / d;
        return sqrt(q * (1.0 - q) / a);
    }
    case OS_M_RATIO: {
        double q = num / d, n = d / w;
        return q < 1.0 ? sqrt(q * (1.0 - q) / n) : sqrt(num * w) / d;
    }
    }
    return NAN;
}

/* A target's verdict: within its tolerance, within it widened by
 * OS_TARGET_MC_Z Monte Carlo standard errors, or not. */
static const char *verdict(const os_target *t, double res, double se)
{
    if (t->weight == 0.0) return "validation";
    if (fabs(res) <= t->tolerance) return "yes";
    if (isfinite(se) && fabs(res) <= t->tolerance + OS_TARGET_MC_Z * se) return "yes (MC error)";
    return "NO";
}

static void header(FILE *out, const char *path)
{
    fprintf(out, "\ncalibration targets: %s\n", path);
    fprintf(out, "%-36s %12s %12s %12s %10s  %s\n", "target", "model", "target value", "residual",
            "MC s.e.", "within tolerance");
}

static void row(FILE *out, const os_target *g, double v, const os_summary *s)
{
    double res = v - g->value, se = os_target_mc_se(g, s);
    fprintf(out, "%-36s %12.6g %12.6g %12.4g %10.3g  %s\n", g->name, v, g->value, res, se,
            verdict(g, res, se));
}

int os_targets_print(const os_targets *t, const os_summary *s, FILE *out, double *objective, os_err *err)
{
    double obj = 0.0;
    header(out, t->path);
    for (size_t i = 0; i < t->n; i++) {
        const os_target *g = &t->t[i];
        double v;
        if (g->weight == 0.0) {
            /* Validation targets do not enter the objective; one outside the
             * simulated years (a calibration runs few) is simply skipped. */
            os_err e = {0};
            if (os_target_model_value(g, s, &v, &e)) {
                fprintf(out, "%-36s %12s %12.6g %12s %10s  (validation only: %s)\n", g->name, "-", g->value, "-", "-",
                        "not computable in this run");
                continue;
            }
        } else if (os_target_model_value(g, s, &v, err)) {
            return err->code;
        }
        double res = v - g->value;
        obj += g->weight * (res / g->tolerance) * (res / g->tolerance);
        row(out, g, v, s);
    }
    fprintf(out, "objective (sum of weight * (residual / tolerance)^2): %.6g\n", obj);
    if (objective) *objective = obj;
    return OS_OK;
}

static int report_file(const char *path, const os_summary *s, FILE *out, os_err *err)
{
    os_targets t;
    if (os_targets_load(&t, path, err)) return OS_ECONFIG;
    header(out, path);
    int ok = 0, n = 0;
    for (size_t i = 0; i < t.n; i++) {
        const os_target *g = &t.t[i];
        double v;
        os_err e = {0};
        if (os_target_model_value(g, s, &v, &e)) {
            fprintf(out, "%-36s %12s %12.6g %12s %10s  n/a (%s)\n", g->name, "n/a", g->value, "", "", e.msg);
            continue;
        }
        double res = v - g->value;
        if (g->weight > 0.0) {
            n++;
            ok += strcmp(verdict(g, res, os_target_mc_se(g, s)), "NO") != 0;
        }
        row(out, g, v, s);
    }
    fprintf(out, "%d of %d computable fitted targets within tolerance (or its Monte Carlo error)\n", ok, n);
    os_targets_free(&t);
    return OS_OK;
}

int os_targets_report(const os_cfg *cfg, const os_summary *s, FILE *out, os_err *err)
{
    static const char *const keys[] = {"calibration.targets", "calibration.targets_extra"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (!os_cfg_has(cfg, keys[k])) continue;
        const char *p = os_cfg_path(cfg, keys[k]);
        if (p && *p && report_file(p, s, out, err)) return err->code;
    }
    return OS_OK;
}
