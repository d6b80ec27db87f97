/* export_tab.c - reading an output group's tables and printing their cells
 * (export_tab.h).
 *
 * Numbers are printed so that they read back exactly: integers in full,
 * whole floating-point values as integers, others in the shortest
 * "%.{1..17}g" form that strtod returns to the same double (NaN, Inf, -Inf
 * for the special values).  Strings are quoted per RFC 4180 when they hold
 * a comma, quote or line break.
 */
#include "export_tab.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5check.h"
#include "h5check_output.h"

static void col_free(os_xp_col *c)
{
    for (size_t k = 0; c->s && k < c->n; k++) free(c->s[k]);
    free(c->s); free(c->d); free(c->i); free(c->u); free(c->name);
    free(c->units); free(c->labels);
}

void os_xp_free(os_xp_tables *ts)
{
    for (size_t k = 0; k < ts->n; k++) {
        for (size_t j = 0; j < ts->t[k].nc; j++) col_free(&ts->t[k].c[j]);
        free(ts->t[k].c);
        free(ts->t[k].path);
    }
    free(ts->t);
    ts->t = NULL;
    ts->n = ts->cap = 0;
}

static int read_strings(hid_t d, hid_t ft, os_xp_col *c)
{
    int rc = -1;
    hid_t mt = H5Tcopy(H5T_C_S1);
    c->s = calloc(c->n ? c->n : 1, sizeof *c->s);
    if (!c->s) goto out;
    if (H5Tis_variable_str(ft) > 0) {
        char **v = calloc(c->n ? c->n : 1, sizeof *v);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(ft));
        if (v && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) {
            rc = 0;
            for (size_t k = 0; k < c->n; k++) {
                c->s[k] = strdup(v[k] ? v[k] : "");
                if (!c->s[k]) rc = -1;
                if (v[k]) H5free_memory(v[k]);
            }
        }
        free(v);
    } else {
        size_t sz = H5Tget_size(ft);
        char *buf = malloc(c->n * sz + 1);
        H5Tset_size(mt, sz);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        if (buf && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) {
            rc = 0;
            for (size_t k = 0; k < c->n; k++) {
                c->s[k] = strndup(buf + k * sz, sz);
                if (!c->s[k]) rc = -1;
            }
        }
        free(buf);
    }
out:
    H5Tclose(mt);
    return rc;
}

/* Reads the values of dataset D (class of FT) into C. */
static herr_t read_values(hid_t d, hid_t ft, os_xp_col *c)
{
    size_t m = c->n ? c->n : 1;
    switch (H5Tget_class(ft)) {
    case H5T_INTEGER:
        if (H5Tget_sign(ft) == H5T_SGN_NONE) {
            c->kind = OS_XP_UINT;
            if (!(c->u = malloc(m * sizeof *c->u))) return -1;
            return H5Dread(d, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->u);
        }
        c->kind = OS_XP_INT;
        if (!(c->i = malloc(m * sizeof *c->i))) return -1;
        return H5Dread(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->i);
    case H5T_FLOAT:
        c->kind = OS_XP_REAL;
        if (!(c->d = malloc(m * sizeof *c->d))) return -1;
        return H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->d);
    case H5T_STRING:
        c->kind = OS_XP_STR;
        return read_strings(d, ft, c);
    default:
        return -2;
    }
}

/* Reads dataset NAME of LOC into C; fails on anything but 1-D numbers or
 * strings. */
static int read_col(hid_t loc, const char *name, const char *where, os_xp_col *c, os_err *err)
{
    memset(c, 0, sizeof *c);
    /* Shape and stored size first: nothing is allocated from a size the
     * file merely declares (h5check.h). */
    os_h5c_dset ds;
    const char *why;
    if (os_h5c_dataset(loc, name, &ds, &why))
        return os_fail(err, OS_ECONFIG, "%s/%s: %s", where, name, why);
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return os_fail(err, OS_ERUN, "%s/%s: cannot open", where, name);
    hid_t ft = H5Dget_type(d);
    int rc = 0;
    c->name = strdup(name);
    c->n = ds.rows;
    herr_t st = read_values(d, ft, c);
    if (st == -2)
        rc = os_fail(err, OS_ECONFIG, "%s/%s: unsupported data type (not a number or string)",
                     where, name);
    else if (st < 0 || !c->name)
        rc = os_fail(err, OS_ERUN, "%s/%s: read failed", where, name);
    if (!rc && H5Aexists(d, "units") > 0) os_h5c_attr_str(d, "units", &c->units);
    if (!rc && H5Aexists(d, "labels") > 0) os_h5c_attr_str(d, "labels", &c->labels);
    if (rc) col_free(c);
    H5Tclose(ft);
    H5Dclose(d);
    return rc;
}

typedef struct visit_ctx {
    os_xp_tables *ts;
    const char *prefix; /* path of the group being listed, relative */
    size_t table;       /* index of its table in ts */
    int subgroups;      /* descend into subgroups */
    int rc;
} visit_ctx;

static int collect(os_xp_tables *ts, hid_t g, const char *prefix, const char *where);

static int add_col(visit_ctx *v, hid_t g, const char *name, const char *where)
{
    os_xp_tables *ts = v->ts;
    os_xp_table *t = &ts->t[v->table];
    if (t->nc == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        os_xp_col *c = realloc(t->c, cap * sizeof *c);
        if (!c) return os_fail(ts->err, OS_ERUN, "out of memory");
        t->c = c;
        t->cap = cap;
    }
    int rc = read_col(g, name, where, &t->c[t->nc], ts->err);
    if (rc) return rc;
    if (t->nc && t->c[t->nc].n != t->c[0].n) {
        rc = os_fail(ts->err, OS_ECONFIG, "%s/%s: %zu rows, but %s has %zu", where, name,
                     t->c[t->nc].n, t->c[0].name, t->c[0].n);
        col_free(&t->c[t->nc]);
        return rc;
    }
    t->nc++;
    return 0;
}

static herr_t on_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    visit_ctx *v = data;
    os_xp_tables *ts = v->ts;
    (void)info;
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0) return 0; /* dangling link: nothing to export */
    H5I_type_t type = H5Iget_type(o);
    H5Oclose(o);
    char where[1024];
    snprintf(where, sizeof where, "%s:/%s", ts->file, v->prefix);
    if (type == H5I_DATASET) {
        if ((v->rc = add_col(v, g, name, where))) return -1;
    } else if (type == H5I_GROUP && v->subgroups) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s%s%s", v->prefix, *v->prefix ? "/" : "", name);
        hid_t sg = H5Gopen2(g, name, H5P_DEFAULT);
        v->rc = collect(ts, sg, sub, where);
        H5Gclose(sg);
        if (v->rc) return -1;
    }
    return 0;
}

static herr_t count_dsets(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0) return 0;
    if (H5Iget_type(o) == H5I_DATASET) ++*(size_t *)data;
    H5Oclose(o);
    return 0;
}

/* Adds the table of group G (its datasets) and then those of its subgroups,
 * in name order; groups without datasets are dropped by the writers. */
static int collect(os_xp_tables *ts, hid_t g, const char *prefix, const char *where)
{
    if (g < 0) return os_fail(ts->err, OS_ERUN, "%s: cannot open group %s", where, prefix);
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? 2 * ts->cap : 8;
        os_xp_table *t = realloc(ts->t, cap * sizeof *t);
        if (!t) return os_fail(ts->err, OS_ERUN, "out of memory");
        ts->t = t;
        ts->cap = cap;
    }
    size_t idx = ts->n++;
    memset(&ts->t[idx], 0, sizeof ts->t[idx]);
    ts->t[idx].path = strdup(prefix);
    if (!ts->t[idx].path) return os_fail(ts->err, OS_ERUN, "out of memory");
    visit_ctx v = {ts, ts->t[idx].path, idx, 1, 0};
    if (ts->direct && !*prefix) {
        size_t nd = 0;
        H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, count_dsets, &nd);
        v.subgroups = nd == 0;
    }
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, on_link, &v) < 0 && !v.rc)
        v.rc = os_fail(ts->err, OS_ERUN, "%s: cannot list group %s", where, prefix);
    return v.rc;
}

/* A code column without labels (/psa/arm, /cohort/<year>/sex) takes those
 * of the /summary column of its name: arms and sexes are numbered alike in
 * every group of a file.  So does a column without units (the totals of
 * /psa are sums of the /summary columns of their names). */
static void borrow_attrs(hid_t f, os_xp_tables *ts)
{
    if (H5Lexists(f, "summary", H5P_DEFAULT) <= 0) return;
    hid_t s = H5Gopen2(f, "summary", H5P_DEFAULT);
    if (s < 0) return;
    for (size_t k = 0; k < ts->n; k++)
        for (size_t j = 0; j < ts->t[k].nc; j++) {
            os_xp_col *c = &ts->t[k].c[j];
            int want_labels = !c->labels && c->kind != OS_XP_STR && c->kind != OS_XP_REAL;
            int want_units = !c->units || !*c->units;
            if (!(want_labels || want_units) || H5Lexists(s, c->name, H5P_DEFAULT) <= 0) continue;
            hid_t d = H5Dopen2(s, c->name, H5P_DEFAULT);
            if (d < 0) continue;
            if (want_labels && H5Aexists(d, "labels") > 0) os_h5c_attr_str(d, "labels", &c->labels);
            if (want_units && H5Aexists(d, "units") > 0) {
                free(c->units);
                c->units = NULL;
                os_h5c_attr_str(d, "units", &c->units);
            }
            H5Dclose(d);
        }
    H5Gclose(s);
}

/* GROUP names a group of F; every link on the way exists (H5Lexists
 * needs the parents). */
static int is_group(hid_t f, const char *group)
{
    char path[1024];
    size_t n = strlen(group);
    if (n >= sizeof path) return 0;
    for (size_t k = 0; k <= n; k++) {
        if (group[k] != '/' && group[k]) continue;
        memcpy(path, group, k);
        path[k] = 0;
        if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return 0;
    }
    hid_t o = H5Oopen(f, group, H5P_DEFAULT);
    if (o < 0) return 0;
    int ok = H5Iget_type(o) == H5I_GROUP;
    H5Oclose(o);
    return ok;
}

int os_xp_load(const char *file, const char *group, int flags, os_xp_tables *ts, os_err *err)
{
    hid_t f = os_out_open(file, err);
    if (f < 0) return err ? err->code : OS_ECONFIG;
    /* Any HDF5 file's groups export; one that claims to be an osteosim
     * output must be one (h5check_output.h). */
    int rc = os_out_claims(f) ? os_out_check(f, file, err) : OS_OK;
    if (!rc && !is_group(f, group)) {
        rc = os_fail(err, OS_ERUN, "no /%s in %s", group, file);
    } else if (!rc) {
        ts->err = err;
        ts->file = file;
        ts->direct = flags & OS_XP_DIRECT;
        hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
        char where[1024];
        snprintf(where, sizeof where, "%s:/%s", file, group);
        rc = collect(ts, g, "", where);
        if (g >= 0) H5Gclose(g);
        size_t cols = 0;
        for (size_t k = 0; k < ts->n; k++) cols += ts->t[k].nc;
        if (!rc && !cols) rc = os_fail(err, OS_ERUN, "no datasets under /%s in %s", group, file);
        if (!rc) borrow_attrs(f, ts);
    }
    H5Fclose(f);
    return rc;
}

const os_xp_col *os_xp_find(const os_xp_table *t, const char *name)
{
    for (size_t j = 0; j < t->nc; j++)
        if (strcmp(t->c[j].name, name) == 0) return &t->c[j];
    return NULL;
}

void os_xp_put_real(FILE *out, double v)
{
    char buf[40];
    if (isnan(v)) { fputs("NaN", out); return; }
    if (isinf(v)) { fputs(v > 0 ? "Inf" : "-Inf", out); return; }
    /* Whole numbers in full (686900, not 6.869e+05): easier to read, and
     * exact below 2^53. */
    if (v == floor(v) && fabs(v) < 9007199254740992.0 && !(v == 0 && signbit(v))) {
        fprintf(out, "%.0f", v);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, out);
}

void os_xp_put_str(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, out); return; }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void os_xp_put_cell(FILE *out, const os_xp_col *c, size_t r)
{
    assert(r < c->n);  /* every column of a table has its rows (add_col) */
    switch (c->kind) {
    case OS_XP_REAL: os_xp_put_real(out, c->d[r]); break;
    case OS_XP_INT: fprintf(out, "%lld", c->i[r]); break;
    case OS_XP_UINT: fprintf(out, "%llu", c->u[r]); break;
    default: os_xp_put_str(out, c->s[r]); break;
    }
}

double os_xp_num(const os_xp_col *c, size_t r)
{
    switch (c->kind) {
    case OS_XP_REAL: return c->d[r];
    case OS_XP_INT: return (double)c->i[r];
    case OS_XP_UINT: return (double)c->u[r];
    default: return NAN;
    }
}

/* Labels are "CODE=NAME,CODE=NAME": a name runs to the next ",[-]DIGITS=" or
 * the end, so a name may itself hold commas ("0=on the frontier,1=..."). */
const char *os_xp_label(const os_xp_col *c, size_t r, char *buf, size_t n)
{
    if (!c->labels || (c->kind != OS_XP_INT && c->kind != OS_XP_UINT)) return NULL;
    long long code = c->kind == OS_XP_INT ? c->i[r] : (long long)c->u[r];
    const char *p = c->labels;
    /* The writers report a failed write by the errno it left (os_xp_status),
     * so the parse below must not clear it. */
    int saved = errno;
    while (*p) {
        char *end;
        errno = 0;
        long long k = strtoll(p, &end, 10);
        int bad = end == p || *end != '=' || errno;
        errno = saved;
        if (bad) return NULL;
        const char *name = end + 1, *q = name;
        for (;;) {
            q = strchr(q, ',');
            if (!q) break;
            const char *t = q + 1 + (q[1] == '-');
            const char *digits = t;
            while (*t >= '0' && *t <= '9') t++;
            if (t > digits && *t == '=') break;
            q++;
        }
        size_t len = q ? (size_t)(q - name) : strlen(name);
        if (k == code) {
            if (len >= n) len = n - 1;
            memcpy(buf, name, len);
            buf[len] = 0;
            return buf;
        }
        if (!q) break;
        p = q + 1;
    }
    return NULL;
}

void os_xp_put_labelled(FILE *out, const os_xp_col *c, size_t r)
{
    char buf[512];
    const char *s = os_xp_label(c, r, buf, sizeof buf);
    if (s) os_xp_put_str(out, s);
    else os_xp_put_cell(out, c, r);
}

int os_xp_status(FILE *out)
{
    return ferror(out) ? (errno ? errno : EIO) : 0;
}

/* Flushes OUT to disk and closes it: 0 or the errno of the failure. */
static int finish(FILE *out, int e)
{
    errno = 0;
    if (!e && (fflush(out) != 0 || ferror(out))) e = errno ? errno : EIO;
    if (!e && fsync(fileno(out)) != 0 && errno != EINVAL && errno != EROFS) e = errno;
    if (fclose(out) != 0 && !e) e = errno ? errno : EIO;
    return e;
}

int os_xp_write_to(const char *csv, os_xp_writer fn, const void *ctx, os_err *err)
{
    if (!csv) {
        int e = fn(stdout, ctx);
        errno = 0;
        if (!e && (fflush(stdout) != 0 || ferror(stdout))) e = errno ? errno : EIO;
        if (e) return os_fail(err, OS_ERUN, "standard output: %s", strerror(e));
        return 0;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", csv, (long)getpid());
    FILE *out = fopen(tmp, "w");
    if (!out) return os_fail(err, OS_ERUN, "%s: cannot create: %s", csv, strerror(errno));
    /* Held while writing: a sweep of stale temporary files (h5out_path.h)
     * leaves a locked one alone. */
    flock(fileno(out), LOCK_EX | LOCK_NB);
    int e = finish(out, fn(out, ctx));
    if (!e && rename(tmp, csv) != 0) e = errno;
    if (e) {
        remove(tmp);
        return os_fail(err, OS_ERUN, "%s: cannot write: %s", csv, strerror(e));
    }
    return 0;
}
