/* cmd_export.c - `osteosim export`: an output group as a tidy CSV table.
 *
 *   osteosim export OUT.h5 --table NAME [--csv FILE]
 *
 * A table is a group of 1-D datasets of equal length (the columns).  A group
 * whose columns live in subgroups (/parameters/used|unused, /demography/
 * mortality|population|projected) becomes one table with a leading `table`
 * column naming the subgroup and the union of all columns; cells of columns
 * a subgroup lacks are empty.
 *
 * Numbers are printed so that they read back exactly: integers in full,
 * whole floating-point values as integers, others in the shortest
 * "%.{1..17}g" form that strtod returns to the same double (NaN, Inf, -Inf
 * for the special values).  Strings are
 * quoted per RFC 4180 when they hold a comma, quote or line break.  Lines
 * end in "\n".  With --csv the file is written under a temporary name and
 * renamed when complete; the target is checked first (h5out_path.h: a regular
 * file or a new name, never the file exported), and the first failed write
 * ends the export with the OS error.
 */
#include "cmd_export.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <hdf5.h>

#include "err.h"
#include "h5check.h"
#include "h5check_output.h"
#include "h5out_path.h"

static const char *const usage_export =
    "usage: osteosim export OUT.h5 [--table NAME] [--csv FILE]\n"
    "\n"
    "Writes one group of an output file as CSV (header row, one row per table\n"
    "row) to FILE or standard output.  NAME is one of:\n"
    "  summary            the projection table /summary (default)\n"
    "  parameters         /parameters/used and /parameters/unused\n"
    "  demography         the input tables under /demography\n"
    "  economics, psa, summary_quantiles  (when the run wrote them)\n"
    "Numbers read back exactly; exit codes 0 ok, 1 I/O error or group absent,\n"
    "2 usage or a file that is not a valid output.\n";

static const char *const table_names[] = {
    "summary", "parameters", "demography", "economics", "psa", "summary_quantiles"};

/* Identifying columns go first, in this order; the rest follow in file
 * (name) order. */
static const char *const lead_cols[] = {
    "year", "arm", "sex", "age_lo", "age_hi", "age", "key", "value", "unit", "source", "origin"};

enum { K_REAL, K_INT, K_UINT, K_STR };

typedef struct col {
    char *name;
    int kind;
    size_t n;
    double *d;
    long long *i;
    unsigned long long *u;
    char **s;
} col;

typedef struct xtable {
    char *path; /* relative to the exported group; "" for the group itself */
    col *c;
    size_t nc, cap;
} xtable;

typedef struct tables {
    xtable *t;
    size_t n, cap;
    os_err *err;
    const char *file;
} tables;

static void col_free(col *c)
{
    for (size_t k = 0; c->s && k < c->n; k++) free(c->s[k]);
    free(c->s); free(c->d); free(c->i); free(c->u); free(c->name);
}

static void tables_free(tables *ts)
{
    for (size_t k = 0; k < ts->n; k++) {
        for (size_t j = 0; j < ts->t[k].nc; j++) col_free(&ts->t[k].c[j]);
        free(ts->t[k].c);
        free(ts->t[k].path);
    }
    free(ts->t);
}

static int read_strings(hid_t d, hid_t ft, col *c)
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

/* Reads dataset NAME of LOC into C; fails on anything but 1-D numbers or
 * strings. */
static int read_col(hid_t loc, const char *name, const char *where, col *c, os_err *err)
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
    hid_t sp = H5Dget_space(d), ft = H5Dget_type(d);
    int rc = 0;
    c->name = strdup(name);
    c->n = ds.rows;
    size_t m = c->n ? c->n : 1;
    herr_t st = -1;
    switch (H5Tget_class(ft)) {
    case H5T_INTEGER:
        if (H5Tget_sign(ft) == H5T_SGN_NONE) {
            c->kind = K_UINT;
            if ((c->u = malloc(m * sizeof *c->u)))
                st = H5Dread(d, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->u);
        } else {
            c->kind = K_INT;
            if ((c->i = malloc(m * sizeof *c->i)))
                st = H5Dread(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->i);
        }
        break;
    case H5T_FLOAT:
        c->kind = K_REAL;
        if ((c->d = malloc(m * sizeof *c->d)))
            st = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->d);
        break;
    case H5T_STRING:
        c->kind = K_STR;
        st = read_strings(d, ft, c);
        break;
    default:
        rc = os_fail(err, OS_ECONFIG, "%s/%s: unsupported data type (not a number or string)",
                     where, name);
        goto out;
    }
    if (st < 0 || !c->name) rc = os_fail(err, OS_ERUN, "%s/%s: read failed", where, name);
out:
    if (rc) col_free(c);
    H5Tclose(ft);
    H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

typedef struct visit_ctx {
    tables *ts;
    const char *prefix; /* path of the group being listed, relative */
    size_t table;       /* index of its table in ts */
    int rc;
} visit_ctx;

static int collect(tables *ts, hid_t g, const char *prefix, const char *where);

static herr_t on_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    visit_ctx *v = data;
    tables *ts = v->ts;
    (void)info;
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0) return 0; /* dangling link: nothing to export */
    H5I_type_t type = H5Iget_type(o);
    H5Oclose(o);
    char where[1024];
    snprintf(where, sizeof where, "%s:/%s", ts->file, v->prefix);
    if (type == H5I_DATASET) {
        xtable *t = &ts->t[v->table];
        if (t->nc == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 16;
            col *c = realloc(t->c, cap * sizeof *c);
            if (!c) { v->rc = os_fail(ts->err, OS_ERUN, "out of memory"); return -1; }
            t->c = c;
            t->cap = cap;
        }
        if ((v->rc = read_col(g, name, where, &t->c[t->nc], ts->err))) return -1;
        if (t->nc && t->c[t->nc].n != t->c[0].n) {
            v->rc = os_fail(ts->err, OS_ECONFIG, "%s/%s: %zu rows, but %s has %zu", where, name,
                            t->c[t->nc].n, t->c[0].name, t->c[0].n);
            col_free(&t->c[t->nc]);
            return -1;
        }
        t->nc++;
    } else if (type == H5I_GROUP) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s%s%s", v->prefix, *v->prefix ? "/" : "", name);
        hid_t sg = H5Gopen2(g, name, H5P_DEFAULT);
        v->rc = collect(ts, sg, sub, where);
        H5Gclose(sg);
        if (v->rc) return -1;
    }
    return 0;
}

/* Adds the table of group G (its datasets) and then those of its subgroups,
 * in name order; groups without datasets are dropped. */
static int collect(tables *ts, hid_t g, const char *prefix, const char *where)
{
    if (g < 0) return os_fail(ts->err, OS_ERUN, "%s: cannot open group %s", where, prefix);
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? 2 * ts->cap : 8;
        xtable *t = realloc(ts->t, cap * sizeof *t);
        if (!t) return os_fail(ts->err, OS_ERUN, "out of memory");
        ts->t = t;
        ts->cap = cap;
    }
    size_t idx = ts->n++;
    memset(&ts->t[idx], 0, sizeof ts->t[idx]);
    ts->t[idx].path = strdup(prefix);
    if (!ts->t[idx].path) return os_fail(ts->err, OS_ERUN, "out of memory");
    visit_ctx v = {ts, ts->t[idx].path, idx, 0};
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, on_link, &v) < 0 && !v.rc)
        v.rc = os_fail(ts->err, OS_ERUN, "%s: cannot list group %s", where, prefix);
    return v.rc;
}

static void put_real(FILE *out, double v)
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

static void put_str(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, out); return; }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void put_cell(FILE *out, const col *c, size_t r)
{
    assert(r < c->n);  /* every column of a table has its rows (on_link) */
    switch (c->kind) {
    case K_REAL: put_real(out, c->d[r]); break;
    case K_INT: fprintf(out, "%lld", c->i[r]); break;
    case K_UINT: fprintf(out, "%llu", c->u[r]); break;
    default: put_str(out, c->s[r]); break;
    }
}

static int name_rank(const char *name)
{
    size_t n = sizeof lead_cols / sizeof lead_cols[0];
    for (size_t k = 0; k < n; k++)
        if (strcmp(name, lead_cols[k]) == 0) return (int)k;
    return (int)n;
}

static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int rx = name_rank(x), ry = name_rank(y);
    return rx != ry ? rx - ry : strcmp(x, y);
}

/* Writes the tables as CSV: the union of their column names as header.
 * Returns 0, or the errno of the first failed write (it stops there). */
static int write_csv(const tables *ts, FILE *out)
{
    size_t total = 0, nonempty = 0;
    for (size_t k = 0; k < ts->n; k++) {
        total += ts->t[k].nc;
        nonempty += ts->t[k].nc > 0;
    }
    const char **names = calloc(total ? total : 1, sizeof *names);
    size_t nn = 0;
    for (size_t k = 0; names && k < ts->n; k++)
        for (size_t j = 0; j < ts->t[k].nc; j++) {
            size_t q = 0;
            while (q < nn && strcmp(names[q], ts->t[k].c[j].name) != 0) q++;
            if (q == nn) names[nn++] = ts->t[k].c[j].name;
        }
    if (!names) return ENOMEM;
    qsort(names, nn, sizeof *names, cmp_names);
    /* One table at the group itself needs no `table` column. */
    int tagged = !(nonempty == 1 && ts->t[0].nc > 0);
    if (tagged) fputs("table", out);
    for (size_t q = 0; q < nn; q++) {
        if (tagged || q) fputc(',', out);
        put_str(out, names[q]);
    }
    int e = fputc('\n', out) == EOF || ferror(out) ? (errno ? errno : EIO) : 0;
    for (size_t k = 0; k < ts->n && !e; k++) {
        const xtable *t = &ts->t[k];
        if (!t->nc) continue;
        const col **map = calloc(nn ? nn : 1, sizeof *map);
        if (!map) {
            e = ENOMEM;
            break;
        }
        for (size_t q = 0; q < nn; q++)
            for (size_t j = 0; j < t->nc; j++)
                if (strcmp(names[q], t->c[j].name) == 0) map[q] = &t->c[j];
        for (size_t r = 0; r < t->c[0].n && !e; r++) {
            if (tagged) put_str(out, t->path);
            /* The errno of the failed write, read before anything else. */
            for (size_t q = 0; q < nn && !e; q++) {
                if (tagged || q) fputc(',', out);
                if (map[q]) put_cell(out, map[q], r);
                if (ferror(out)) e = errno ? errno : EIO;
            }
            if (!e && (fputc('\n', out) == EOF || ferror(out))) e = errno ? errno : EIO;
        }
        free(map);
    }
    free(names);
    return e;
}

static int load(const char *file, const char *group, tables *ts, os_err *err)
{
    hid_t f = os_out_open(file, err);
    if (f < 0) return err ? err->code : OS_ECONFIG;
    /* Any HDF5 file's groups export; one that claims to be an osteosim
     * output must be one (h5check_output.h). */
    int rc = os_out_claims(f) ? os_out_check(f, file, err) : OS_OK;
    if (!rc && H5Lexists(f, group, H5P_DEFAULT) <= 0) {
        rc = os_fail(err, OS_ERUN, "no /%s in %s", group, file);
    } else if (!rc) {
        ts->err = err;
        ts->file = file;
        hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
        char where[1024];
        snprintf(where, sizeof where, "%s:/%s", file, group);
        rc = collect(ts, g, "", where);
        if (g >= 0) H5Gclose(g);
        size_t cols = 0;
        for (size_t k = 0; k < ts->n; k++) cols += ts->t[k].nc;
        if (!rc && !cols) rc = os_fail(err, OS_ERUN, "no datasets under /%s in %s", group, file);
    }
    H5Fclose(f);
    return rc;
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

static int write_out(const tables *ts, const char *csv, os_err *err)
{
    if (!csv) {
        int e = write_csv(ts, stdout);
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
    int e = finish(out, write_csv(ts, out));
    if (!e && rename(tmp, csv) != 0) e = errno;
    if (e) {
        remove(tmp);
        return os_fail(err, OS_ERUN, "%s: cannot write: %s", csv, strerror(e));
    }
    return 0;
}

/* Fills *FILE, *TABLE and *CSV from ARGV: 0 to proceed, -1 when --help or
 * --version was handled, else the exit code of a usage error. */
static int parse_args(int argc, char **argv, const char **file, const char **table,
                      const char **csv, os_cmd_err *e)
{
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_export, stdout);
            return -1;
        }
        if (strcmp(a, "--version") == 0) {
            os_cmd_version();
            return -1;
        }
        if (strcmp(a, "--table") == 0 || strcmp(a, "--csv") == 0) {
            if (k + 1 >= argc)
                return os_cmd_fail(e, "export", OS_ECONFIG, "%s needs a value (see 'osteosim export --help')", a);
            *(a[2] == 't' ? table : csv) = argv[++k];
        } else if (a[0] == '-' && a[1]) {
            return os_cmd_fail(e, "export", OS_ECONFIG, "unknown option '%s' (see 'osteosim export --help')", a);
        } else if (!*file) {
            *file = a;
        } else {
            return os_cmd_fail(e, "export", OS_ECONFIG, "unexpected argument '%s'", a);
        }
    }
    if (!*file) return os_cmd_fail(e, "export", OS_ECONFIG, "missing OUT.h5 (see 'osteosim export --help')");
    size_t nt = sizeof table_names / sizeof table_names[0], k = 0;
    while (k < nt && strcmp(*table, table_names[k]) != 0) k++;
    if (k == nt)
        return os_cmd_fail(e, "export", OS_ECONFIG, "unknown table '%s' (summary, parameters, demography, "
                           "economics, psa, summary_quantiles)", *table);
    return OS_OK;
}

int os_cmd_export(int argc, char **argv, os_cmd_err *e)
{
    const char *file = NULL, *table = "summary", *csv = NULL;
    int rc = parse_args(argc, argv, &file, &table, &csv, e);
    if (rc) return rc < 0 ? OS_OK : rc;
    os_err *err = &e->err;
    tables ts = {0};
    char *target = NULL;
    rc = csv ? os_outpath_resolve(csv, "--csv", &target, err) : 0;
    if (!rc && csv) rc = os_outpath_not_input(target, file, "the file exported", err);
    if (!rc && csv) os_outpath_sweep(target);
    if (!rc) rc = load(file, table, &ts, err);
    if (!rc) rc = write_out(&ts, target, err);
    free(target);
    tables_free(&ts);
    if (rc) e->scope = "export";  /* "osteosim export: LINE" */
    return rc;
}
