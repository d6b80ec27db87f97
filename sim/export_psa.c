/* export_psa.c - /psa as the matrices of dampack and BCEA (export_psa.h).
 *
 * The absolute column of each increment: /psa holds incremental_cost and
 * incremental_E (E the effect's label), and the discounted totals beside
 * them are cost_discounted and E_discounted.
 */
#include "export_psa.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export_tab.h"
#include "h5out_path.h"

typedef struct matrix {
    const os_xp_table *t;
    const os_xp_col *draw, *arm, *v;
    size_t ndraws, narms;
    long long *draws;   /* distinct draw numbers, ascending */
} matrix;

typedef struct params_ctx {
    const os_xp_table *t;
} params_ctx;

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Header: the arm names (labels of `arm`), then per draw a row of values. */
static int put_matrix(FILE *out, const void *ctx)
{
    const matrix *m = ctx;
    char buf[512];
    for (size_t a = 0; a < m->narms; a++) {
        if (a) fputc(',', out);
        /* The label of the first row holding arm a. */
        size_t r = 0;
        while (r < m->arm->n && (size_t)os_xp_num(m->arm, r) != a) r++;
        const char *s = r < m->arm->n ? os_xp_label(m->arm, r, buf, sizeof buf) : NULL;
        if (!s) { snprintf(buf, sizeof buf, "arm_%zu", a); s = buf; }
        os_xp_put_str(out, s);
    }
    fputc('\n', out);
    double *row = malloc((m->narms ? m->narms : 1) * sizeof *row);
    if (!row) return ENOMEM;
    int e = os_xp_status(out);
    for (size_t d = 0; d < m->ndraws && !e; d++) {
        for (size_t a = 0; a < m->narms; a++) row[a] = NAN;
        for (size_t r = 0; r < m->v->n; r++)
            if ((long long)os_xp_num(m->draw, r) == m->draws[d])
                row[(size_t)os_xp_num(m->arm, r)] = os_xp_num(m->v, r);
        for (size_t a = 0; a < m->narms; a++) {
            if (a) fputc(',', out);
            os_xp_put_real(out, row[a]);
        }
        fputc('\n', out);
        e = os_xp_status(out);
    }
    free(row);
    return e;
}

/* /psa/parameters without its `draw` column, in file order. */
static int put_params(FILE *out, const void *ctx)
{
    const os_xp_table *t = ((const params_ctx *)ctx)->t;
    int first = 1;
    for (size_t j = 0; j < t->nc; j++) {
        if (strcmp(t->c[j].name, "draw") == 0) continue;
        if (!first) fputc(',', out);
        first = 0;
        os_xp_put_str(out, t->c[j].name);
    }
    fputc('\n', out);
    int e = os_xp_status(out);
    for (size_t r = 0; t->nc && r < t->c[0].n && !e; r++) {
        first = 1;
        for (size_t j = 0; j < t->nc; j++) {
            if (strcmp(t->c[j].name, "draw") == 0) continue;
            if (!first) fputc(',', out);
            first = 0;
            os_xp_put_cell(out, &t->c[j], r);
        }
        fputc('\n', out);
        e = os_xp_status(out);
    }
    return e;
}

/* Fills M's draws and arm count from its table; checks the codes. */
static int shape(matrix *m, const char *file, os_err *err)
{
    size_t n = m->draw->n;
    m->draws = malloc((n ? n : 1) * sizeof *m->draws);
    if (!m->draws) return os_fail(err, OS_ERUN, "out of memory");
    for (size_t r = 0; r < n; r++) {
        double a = os_xp_num(m->arm, r);
        if (!(a >= 0 && a < 4096))
            return os_fail(err, OS_ECONFIG, "%s:/psa/arm: bad arm code at row %zu", file, r);
        if ((size_t)a + 1 > m->narms) m->narms = (size_t)a + 1;
        m->draws[r] = (long long)os_xp_num(m->draw, r);
    }
    qsort(m->draws, n, sizeof *m->draws, cmp_ll);
    for (size_t r = 0; r < n; r++)
        if (!m->ndraws || m->draws[m->ndraws - 1] != m->draws[r]) m->draws[m->ndraws++] = m->draws[r];
    return 0;
}

/* The discounted total column beside increment INC (e.g. "incremental_cost"). */
static const os_xp_col *absolute(const os_xp_table *t, const char *inc)
{
    char name[256];
    snprintf(name, sizeof name, "%s_discounted", inc + strlen("incremental_"));
    return os_xp_find(t, name);
}

static int write_one(const char *prefix, const char *suffix, const char *file, os_xp_writer fn,
                     const void *ctx, os_err *err)
{
    char path[4096], *target = NULL;
    snprintf(path, sizeof path, "%s_%s.csv", prefix, suffix);
    int rc = os_outpath_resolve(path, "--csv", &target, err);
    if (!rc) rc = os_outpath_not_input(target, file, "the file exported", err);
    if (!rc) {
        os_outpath_sweep(target);
        rc = os_xp_write_to(target, fn, ctx, err);
    }
    free(target);
    return rc;
}

int os_xp_write_dampack(const char *file, const char *prefix, os_err *err)
{
    os_xp_tables ts = {0}, tp = {0};
    int rc = os_xp_load(file, "psa", OS_XP_DIRECT, &ts, err);
    if (!rc) rc = os_xp_load(file, "psa/parameters", OS_XP_DIRECT, &tp, err);
    matrix m[2] = {{0}, {0}};
    if (!rc) {
        const os_xp_table *t = &ts.t[0];
        const os_xp_col *eff = NULL;
        for (size_t j = 0; j < t->nc && !eff; j++)
            if (strncmp(t->c[j].name, "incremental_", 12) == 0 && strcmp(t->c[j].name, "incremental_cost") != 0)
                eff = absolute(t, t->c[j].name);
        const os_xp_col *cost = absolute(t, "incremental_cost");
        for (int k = 0; k < 2; k++) {
            m[k].t = t;
            m[k].draw = os_xp_find(t, "draw");
            m[k].arm = os_xp_find(t, "arm");
            m[k].v = k ? eff : cost;
        }
        if (!m[0].draw || !m[0].arm || !cost || !eff ||
            m[0].draw->kind == OS_XP_STR || m[0].arm->kind == OS_XP_STR)
            rc = os_fail(err, OS_ECONFIG, "%s:/psa: needs draw, arm, incremental_cost, cost_discounted "
                         "and an effect's incremental_E and E_discounted", file);
    }
    for (int k = 0; k < 2 && !rc; k++) rc = shape(&m[k], file, err);
    if (!rc) rc = write_one(prefix, "cost", file, put_matrix, &m[0], err);
    if (!rc) rc = write_one(prefix, "effectiveness", file, put_matrix, &m[1], err);
    params_ctx pc = {tp.n ? &tp.t[0] : NULL};
    if (!rc && pc.t) rc = write_one(prefix, "parameters", file, put_params, &pc, err);
    for (int k = 0; k < 2; k++) free(m[k].draws);
    os_xp_free(&ts);
    os_xp_free(&tp);
    return rc;
}
