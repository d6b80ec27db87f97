/* targets.c - calibration targets (format in targets.h). */
#include "targets.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

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

typedef struct rd {
    yaml_document_t *doc;
    const char *path;
    os_err *err;
} rd;

static int line_of(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int bad(rd *r, const yaml_node_t *n, const char *key, const char *msg)
{
    return os_fail(r->err, OS_ECONFIG, "%s:%d: %s: %s", r->path, n ? line_of(n) : 0, key, msg);
}

static int get_real(rd *r, const yaml_node_t *n, const char *key, double *out)
{
    const char *s = scalar(n);
    char *end;
    if (!s) return bad(r, n, key, "expected a number");
    errno = 0;
    *out = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(*out)) return bad(r, n, key, "expected a number");
    return OS_OK;
}

static int get_int(rd *r, const yaml_node_t *n, const char *key, int *out)
{
    double v;
    if (get_real(r, n, key, &v)) return OS_ECONFIG;
    if (v != floor(v) || fabs(v) > 1e6) return bad(r, n, key, "expected an integer");
    *out = (int)v;
    return OS_OK;
}

static int get_str(rd *r, const yaml_node_t *n, const char *key, char *out, size_t cap)
{
    const char *s = scalar(n);
    if (!s || !*s) return bad(r, n, key, "expected a string");
    if (strlen(s) >= cap) return bad(r, n, key, "too long");
    strcpy(out, s);
    return OS_OK;
}

static int read_target(rd *r, yaml_node_t *map, size_t idx, os_target *t)
{
    char key[80];
    snprintf(key, sizeof key, "targets[%zu]", idx);
    if (map->type != YAML_MAPPING_NODE) return bad(r, map, key, "expected a mapping");
    memset(t, 0, sizeof *t);
    t->line = line_of(map);
    t->weight = 1.0;
    t->year = -1;
    t->measure = (os_measure)-1;
    t->sex = -1;
    t->tolerance = -1;
    t->value = NAN;
    int have_age = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(r->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(r->doc, p->value);
        const char *k = scalar(kn);
        char full[160];
        snprintf(full, sizeof full, "targets[%zu].%s", idx, k ? k : "?");
        int rc = 0;
        if (!k) return bad(r, kn, key, "expected a key");
        if (!strcmp(k, "name")) rc = get_str(r, vn, full, t->name, sizeof t->name);
        else if (!strcmp(k, "column")) rc = get_str(r, vn, full, t->column, sizeof t->column);
        else if (!strcmp(k, "denominator")) rc = get_str(r, vn, full, t->denominator, sizeof t->denominator);
        else if (!strcmp(k, "source")) rc = get_str(r, vn, full, t->source, sizeof t->source);
        else if (!strcmp(k, "year")) rc = get_int(r, vn, full, &t->year);
        else if (!strcmp(k, "value")) rc = get_real(r, vn, full, &t->value);
        else if (!strcmp(k, "tolerance")) rc = get_real(r, vn, full, &t->tolerance);
        else if (!strcmp(k, "weight")) rc = get_real(r, vn, full, &t->weight);
        else if (!strcmp(k, "measure")) {
            static const char *const names[] = {"prevalence", "incidence", "count", "ratio"};
            const char *s = scalar(vn);
            for (int i = 0; s && i < 4; i++)
                if (!strcmp(s, names[i])) t->measure = (os_measure)i;
            if ((int)t->measure < 0) rc = bad(r, vn, full, "expected prevalence, incidence, count or ratio");
        } else if (!strcmp(k, "sex")) {
            const char *s = scalar(vn);
            t->sex = !s ? -1 : !strcmp(s, "female") ? 0 : !strcmp(s, "male") ? 1 : !strcmp(s, "both") ? 2 : -1;
            if (t->sex < 0) rc = bad(r, vn, full, "expected female, male or both");
        } else if (!strcmp(k, "age")) {
            if (vn->type != YAML_SEQUENCE_NODE || vn->data.sequence.items.top - vn->data.sequence.items.start != 2)
                return bad(r, vn, full, "expected [lower, upper]");
            yaml_node_t *a = yaml_document_get_node(r->doc, vn->data.sequence.items.start[0]);
            yaml_node_t *b = yaml_document_get_node(r->doc, vn->data.sequence.items.start[1]);
            if (get_int(r, a, full, &t->age_lo) || get_int(r, b, full, &t->age_hi)) return OS_ECONFIG;
            if (t->age_lo < OS_AGE_MIN || (t->age_lo - OS_AGE_MIN) % OS_BAND_WIDTH ||
                t->age_hi <= t->age_lo ||
                (t->age_hi < OS_AGE_MIN + OS_NBANDS * OS_BAND_WIDTH && (t->age_hi - OS_AGE_MIN) % OS_BAND_WIDTH))
                return bad(r, vn, full, "bounds must fall on the 5-year bands from 50 (upper bound above 100 includes 100+)");
            have_age = 1;
        } else {
            return bad(r, kn, full, "unknown key (name, measure, column, denominator, year, sex, age, value, tolerance, weight, source)");
        }
        if (rc) return rc;
    }
    static const char *const need[] = {"name", "measure", "column", "year", "sex", "age", "value", "tolerance"};
    int missing[] = {!t->name[0], (int)t->measure < 0, !t->column[0], t->year < 0, t->sex < 0,
                     !have_age, isnan(t->value), t->tolerance < 0};
    for (int i = 0; i < 8; i++)
        if (missing[i]) {
            char full[160];
            snprintf(full, sizeof full, "targets[%zu].%s", idx, need[i]);
            return bad(r, map, full, "missing");
        }
    if (t->tolerance <= 0) return bad(r, map, key, "tolerance must be positive");
    if (t->weight < 0) return bad(r, map, key, "weight must not be negative");
    if (t->measure == OS_M_RATIO && !t->denominator[0]) return bad(r, map, key, "ratio needs a denominator column");
    return OS_OK;
}

static int read_fit(rd *r, yaml_node_t *map, size_t idx, os_fit_param *f)
{
    char key[80];
    snprintf(key, sizeof key, "fit[%zu]", idx);
    if (map->type != YAML_MAPPING_NODE) return bad(r, map, key, "expected {key, min, max}");
    memset(f, 0, sizeof *f);
    f->line = line_of(map);
    int have = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(r->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(r->doc, p->value);
        const char *k = scalar(kn);
        char full[160];
        snprintf(full, sizeof full, "fit[%zu].%s", idx, k ? k : "?");
        int rc;
        if (k && !strcmp(k, "key")) rc = get_str(r, vn, full, f->key, sizeof f->key), have |= 1;
        else if (k && !strcmp(k, "min")) rc = get_real(r, vn, full, &f->min), have |= 2;
        else if (k && !strcmp(k, "max")) rc = get_real(r, vn, full, &f->max), have |= 4;
        else return bad(r, kn, full, "unknown key (key, min, max)");
        if (rc) return rc;
    }
    if (have != 7) return bad(r, map, key, "needs key, min and max");
    if (!(f->min < f->max)) return bad(r, map, key, "min must be below max");
    return OS_OK;
}

/* Nesting limit of `include:` (also stops cycles). */
#define TARGETS_MAX_DEPTH 8

static int load_file(os_targets *t, const char *path, int depth, os_err *err);

/* Appends the file named by include item N (relative to the including
 * file's folder) to T. */
static int load_include(rd *r, os_targets *t, yaml_node_t *n, size_t idx, int depth)
{
    char key[48];
    snprintf(key, sizeof key, "include[%zu]", idx);
    const char *s = scalar(n);
    if (!s || !*s) return bad(r, n, key, "expected a file name");
    if (depth >= TARGETS_MAX_DEPTH) return bad(r, n, key, "includes nested too deeply (a cycle?)");
    char full[2048];
    const char *slash = strrchr(r->path, '/');
    if (s[0] == '/' || !slash) snprintf(full, sizeof full, "%s", s);
    else snprintf(full, sizeof full, "%.*s/%s", (int)(slash - r->path), r->path, s);
    char why[128];
    if (os_cfg_file_ok(full, OS_CFG_MAX_BYTES, why, sizeof why)) {
        char msg[2200];
        snprintf(msg, sizeof msg, "cannot open %s: %s", full, why);
        return bad(r, n, key, msg);
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

static int load_file(os_targets *t, const char *path, int depth, os_err *err)
{
    char *text, why[128];
    size_t len;
    if (os_cfg_file_read(path, &text, &len, why, sizeof why))
        return os_fail(err, OS_ECONFIG, "%s: cannot open targets file: %s", path, why);
    /* Inputs an output must not replace (outpath.h). */
    char **files = realloc(t->files, (t->nfiles + 1) * sizeof *files);
    if (files) t->files = files;
    if (!files || !(files[t->nfiles] = strdup(path))) {
        free(text);
        return os_fail(err, OS_ERUN, "out of memory");
    }
    t->nfiles++;
    /* the configuration parser's limits first: libyaml's loader takes
     * quadratic time on deep nesting and accepts duplicate keys */
    int rc = os_yaml_precheck(text, len, path, err);
    if (rc) {
        free(text);
        return rc;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = os_fail(err, OS_ECONFIG, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                         parser.problem ? parser.problem : "YAML syntax error");
        yaml_parser_delete(&parser);
        free(text);
        return rc;
    }
    rd r = {&doc, path, err};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = os_fail(err, OS_ECONFIG, "%s:1: targets: expected a mapping with 'targets:'", path);
        goto done;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; !rc && p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(&doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(&doc, p->value);
        const char *k = scalar(kn);
        int is_t = k && !strcmp(k, "targets"), is_f = k && !strcmp(k, "fit");
        int is_i = k && !strcmp(k, "include");
        if (!is_t && !is_f && !is_i) { rc = bad(&r, kn, k ? k : "?", "unknown key (targets, fit, include)"); break; }
        if (vn->type != YAML_SEQUENCE_NODE) { rc = bad(&r, vn, k, "expected a list"); break; }
        size_t n = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
        if (!is_i && !grow(t, is_f, n)) { rc = os_fail(err, OS_ERUN, "out of memory"); break; }
        for (size_t i = 0; !rc && i < n; i++) {
            yaml_node_t *item = yaml_document_get_node(&doc, vn->data.sequence.items.start[i]);
            if (is_i) rc = load_include(&r, t, item, i, depth);
            else if (is_t) rc = read_target(&r, item, i, &t->t[t->n++]);
            else rc = read_fit(&r, item, i, &t->fit[t->nfit++]);
        }
    }
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
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
