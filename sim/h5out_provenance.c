#include "h5out_provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out.h"

enum { F_KEY, F_VALUE, F_UNIT, F_SOURCE, F_ORIGIN, NFIELDS };

typedef struct table {
    const os_cfg *cfg;
    int want_used;
    size_t n, cap;
    char **cells;        /* n rows x NFIELDS */
    int oom;
} table;

/* Shortest %g text that reads back to exactly V. */
static void shortest(char *buf, size_t n, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

static char *format_value(const os_cfg *cfg, const os_param_spec *sp)
{
    char buf[512] = "";
    size_t len = 0;
    switch (sp->type) {
    case OS_P_REAL: shortest(buf, sizeof buf, os_cfg_real(cfg, sp->key)); break;
    case OS_P_INT: snprintf(buf, sizeof buf, "%ld", os_cfg_int(cfg, sp->key)); break;
    case OS_P_BOOL: snprintf(buf, sizeof buf, "%s", os_cfg_bool(cfg, sp->key) ? "true" : "false"); break;
    case OS_P_STRING: snprintf(buf, sizeof buf, "%s", os_cfg_str(cfg, sp->key) ? os_cfg_str(cfg, sp->key) : ""); break;
    case OS_P_PATH: snprintf(buf, sizeof buf, "%s", os_cfg_path(cfg, sp->key) ? os_cfg_path(cfg, sp->key) : ""); break;
    case OS_P_REAL_LIST: case OS_P_INT_LIST: {
        const double *dv = NULL;
        const long *iv = NULL;
        size_t n = sp->type == OS_P_REAL_LIST ? os_cfg_real_list(cfg, sp->key, &dv)
                                              : os_cfg_int_list(cfg, sp->key, &iv);
        len += (size_t)snprintf(buf, sizeof buf, "[");
        for (size_t i = 0; i < n && len < sizeof buf; i++) {
            char num[32];
            if (dv) shortest(num, sizeof num, dv[i]);
            else snprintf(num, sizeof num, "%ld", iv[i]);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", num);
        }
        if (len < sizeof buf) snprintf(buf + len, sizeof buf - len, "]");
        break;
    }
    case OS_P_STR_LIST: {
        const char *const *sv = NULL;
        size_t n = os_cfg_str_list(cfg, sp->key, &sv);
        len += (size_t)snprintf(buf, sizeof buf, "[");
        for (size_t i = 0; i < n && len < sizeof buf; i++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", sv[i]);
        if (len < sizeof buf) snprintf(buf + len, sizeof buf - len, "]");
        break;
    }
    case OS_P_ANY: snprintf(buf, sizeof buf, "(subtree: see the config attribute)"); break;
    }
    return strdup(buf);
}

static void visit(void *ctx, const os_param_spec *sp, int present, int used)
{
    table *t = ctx;
    if (!present || (used != 0) != t->want_used || t->oom) return;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        char **c = realloc(t->cells, cap * NFIELDS * sizeof *c);
        if (!c) { t->oom = 1; return; }
        t->cells = c;
        t->cap = cap;
    }
    char **row = &t->cells[t->n * NFIELDS];
    const char *unit = (sp->type == OS_P_REAL || sp->type == OS_P_INT) ? os_cfg_unit(t->cfg, sp->key) : NULL;
    const char *src = os_cfg_source(t->cfg, sp->key);
    row[F_KEY] = strdup(sp->key);
    row[F_VALUE] = format_value(t->cfg, sp);
    row[F_UNIT] = strdup(unit ? unit : (sp->unit ? sp->unit : ""));
    row[F_SOURCE] = strdup(src ? src : "");
    row[F_ORIGIN] = strdup(os_cfg_origin(t->cfg, sp->key) ? os_cfg_origin(t->cfg, sp->key) : "");
    t->n++;
}

static int write_table(hid_t parent, const char *name, table *t, os_err *err)
{
    static const char *const fields[NFIELDS] = {"key", "value", "unit", "source", "origin"};
    static const char *const desc[NFIELDS] = {
        "dotted configuration key", "value the run used, as text", "unit",
        "source of the value as given in the configuration", "file:line where the value was set"};
    hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /parameters/%s", name);
    const char **col = malloc((t->n ? t->n : 1) * sizeof *col);
    int rc = col ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    for (int f = 0; f < NFIELDS && !rc; f++) {
        for (size_t r = 0; r < t->n; r++) col[r] = t->cells[r * NFIELDS + f];
        rc = os_h5_write_strings(g, fields[f], col, t->n, desc[f], err);
    }
    free(col);
    H5Gclose(g);
    return rc;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->n * NFIELDS; i++) free(t->cells[i]);
    free(t->cells);
}

int os_provenance_write(hid_t file, const os_cfg *cfg, os_err *err)
{
    /* Collect both lists before formatting marks anything as used. */
    table used = {cfg, 1, 0, 0, NULL, 0}, unused = {cfg, 0, 0, 0, NULL, 0};
    os_cfg_visit(cfg, visit, &unused);
    os_cfg_visit(cfg, visit, &used);
    int rc = used.oom || unused.oom ? os_fail(err, OS_ERUN, "out of memory (parameters)") : OS_OK;
    hid_t g = rc ? -1 : H5Gcreate2(file, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!rc && g < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /parameters");
    if (!rc) rc = write_table(g, "used", &used, err);
    if (!rc) rc = write_table(g, "unused", &unused, err);
    if (g >= 0) H5Gclose(g);
    table_free(&used);
    table_free(&unused);
    return rc;
}
