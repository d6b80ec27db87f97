/* cmd_psa_merge_in.c - the inputs of psa-merge read back into PSA rows
 * (cmd_psa_merge.h). */
#include "cmd_psa_merge.h"

#include <stdlib.h>
#include <string.h>

#include "engine_memplan.h"
#include "engine_settings.h"
#include "h5check.h"
#include "h5copy.h"
#include "model.h"
#include "pop.h"
#include "res_psa_targets.h"

int os_psamerge_columns(const os_cfg *cfg, const os_phases *ph, os_summary *s, os_err *err)
{
    /* As the engine sets up an arm (engine_arm.c), without agents: the
     * reference arm runs first and its columns and thresholds are the
     * summary's. */
    os_arms arms;
    os_engine_arms(cfg, &arms);
    os_pop pop;
    os_model m;
    void *states[OS_TRIAL_MAX_MODULES] = {0};
    if (ph->n > OS_TRIAL_MAX_MODULES) return os_fail(err, OS_ERUN, "too many modules");
    os_model_trial(&m, &pop, states, cfg, ph, &arms, arms.ref);
    int rc = OS_OK;
    if (os_summary_column_as(&m, "population", "persons", "persons represented, living at 1 July of the year",
                             (os_sum_role){.role = OS_ROLE_POPULATION, .flags = OS_SUM_REPORT}, err) < 0 ||
        os_summary_column(&m, "agents", "agents", "simulated agents living at 1 July of the year", err) < 0)
        rc = OS_ERUN;
    for (int i = 0; i < m.nmodules && !rc; i++)
        if (m.modules[i]->init) rc = m.modules[i]->init(&m, &states[i], err);
    for (int i = m.nmodules - 1; i >= 0; i--)
        if (states[i] && m.modules[i]->destroy) m.modules[i]->destroy(states[i]);
    os_pop_free(&pop);
    memset(s, 0, sizeof *s);
    s->ncols = m.nsummary;
    memcpy(s->cols, m.summary, sizeof m.summary);
    s->wtp = m.wtp;
    return rc ? (err->code ? err->code : OS_ERUN) : OS_OK;
}

/* Reads dataset NAME of G (N values, checked) as TYPE into BUF. */
static int read_col(hid_t g, const char *path, const char *name, hid_t type, void *buf, size_t n,
                    os_err *err)
{
    os_h5c_dset d;
    const char *why = NULL;
    if (os_h5c_dataset(g, name, &d, &why) || d.rows != n)
        return os_fail(err, OS_ECONFIG, "%s: /summary/%s: %s", path, name,
                       why ? why : "not a column of the table's length");
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    int bad = ds < 0 || H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0;
    if (ds >= 0) H5Dclose(ds);
    return bad ? os_fail(err, OS_ERUN, "%s: cannot read /summary/%s", path, name) : OS_OK;
}

int os_psamerge_summary(hid_t f, const char *path, os_summary *s, os_err *err)
{
    os_h5c_dset d;
    const char *why = NULL;
    if (os_h5c_dataset(f, "summary/year", &d, &why))
        return os_fail(err, OS_ECONFIG, "%s: no /summary table", path);
    size_t n = d.rows;
    s->nrows = n;
    int32_t **keys[5] = {&s->year, &s->arm, &s->sex, &s->age_lo, &s->age_hi};
    static const char *const names[5] = {"year", "arm", "sex", "age_lo", "age_hi"};
    for (int k = 0; k < 5; k++) *keys[k] = malloc((n ? n : 1) * sizeof **keys[k]);
    s->values = malloc((n ? n : 1) * (size_t)(s->ncols ? s->ncols : 1) * sizeof *s->values);
    double *col = malloc((n ? n : 1) * sizeof *col);
    int rc = s->year && s->arm && s->sex && s->age_lo && s->age_hi && s->values && col
                 ? OS_OK : os_fail(err, OS_ERUN, "out of memory");
    hid_t g = rc ? -1 : H5Gopen2(f, "summary", H5P_DEFAULT);
    if (!rc && g < 0) rc = os_fail(err, OS_ERUN, "%s: cannot open /summary", path);
    for (int k = 0; k < 5 && !rc; k++) rc = read_col(g, path, names[k], H5T_NATIVE_INT32, *keys[k], n, err);
    for (int c = 0; c < s->ncols && !rc; c++) {
        rc = read_col(g, path, s->cols[c].name, H5T_NATIVE_DOUBLE, col, n, err);
        for (size_t r = 0; !rc && r < n; r++) s->values[r * (size_t)s->ncols + (size_t)c] = col[r];
    }
    if (g >= 0) H5Gclose(g);
    free(col);
    return rc;
}

int os_psamerge_draw_of(hid_t f, const char *path, int *draw, os_err *err)
{
    *draw = 0;
    if (H5Lexists(f, "psa", H5P_DEFAULT) <= 0) return OS_OK;
    os_h5c_dset d;
    const char *why = NULL;
    if (os_h5c_dataset(f, "psa/parameters/draw", &d, &why) || d.rows < 1)
        return os_fail(err, OS_ECONFIG, "%s: corrupt output: /psa/parameters/draw", path);
    if (d.rows > 1)
        return os_fail(err, OS_ECONFIG, "%s: holds %llu PSA draws (a --psa N run): give base-case and "
                       "--psa-draw K files", path, (unsigned long long)d.rows);
    hid_t ds = H5Dopen2(f, "psa/parameters/draw", H5P_DEFAULT);
    int32_t k = 0;
    int bad = ds < 0 || H5Dread(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &k) < 0;
    if (ds >= 0) H5Dclose(ds);
    if (bad || k < 1) return os_fail(err, OS_ECONFIG, "%s: corrupt output: /psa/parameters/draw", path);
    *draw = k;
    return OS_OK;
}

int os_psamerge_append(os_psa *all, int n, int row, const os_psa *one, os_err *err)
{
    size_t na = (size_t)one->narms, np = (size_t)one->nparams, r = (size_t)row;
    if (row == 0) {
        memset(all, 0, sizeof *all);
        all->ndraws = n;
        all->narms = one->narms;
        all->nparams = one->nparams;
        all->draw = calloc((size_t)n, sizeof *all->draw);
        all->names = calloc(np + 1, sizeof *all->names);
        all->values = calloc((size_t)n * (np + 1), sizeof *all->values);
        all->tot = calloc((size_t)n * na * OS_MAX_SUMMARY_COLS, sizeof *all->tot);
        all->cost = calloc((size_t)n * na, sizeof *all->cost);
        all->effect = calloc((size_t)n * na, sizeof *all->effect);
        all->population0 = calloc((size_t)n, sizeof *all->population0);
        int ok = all->draw && all->names && all->values && all->tot && all->cost && all->effect &&
                 all->population0;
        for (size_t i = 0; ok && i < np; i++) ok = (all->names[i] = strdup(one->names[i])) != NULL;
        if (!ok) return os_fail(err, OS_ERUN, "out of memory (psa-merge)");
        all->ncols = one->ncols;
        memcpy(all->cols, one->cols, sizeof one->cols);
        all->wtp = one->wtp;  /* the first draw's, as in a batch (res_psa.c) */
    }
    if (one->narms != all->narms || one->nparams != all->nparams)
        return os_fail(err, OS_ECONFIG, "draw %d: other arms or parameters than draw %d", one->draw[0],
                       all->draw[0]);
    for (size_t i = 0; i < np; i++)
        if (strcmp(one->names[i], all->names[i]) != 0)
            return os_fail(err, OS_ECONFIG, "draw %d: parameter %s where draw %d has %s", one->draw[0],
                           one->names[i], all->draw[0], all->names[i]);
    all->draw[r] = one->draw[0];
    memcpy(all->values + r * np, one->values, np * sizeof *one->values);
    memcpy(all->tot + r * na * OS_MAX_SUMMARY_COLS, one->tot, na * OS_MAX_SUMMARY_COLS * sizeof *one->tot);
    memcpy(all->cost + r * na, one->cost, na * sizeof *one->cost);
    memcpy(all->effect + r * na, one->effect, na * sizeof *one->effect);
    all->population0[r] = one->population0[0];
    return os_psa_targets_copy(&all->targets, n, row, one->targets, 0, err);
}

int os_psamerge_root_attrs(hid_t from, hid_t to)
{
    return os_h5copy_attrs(from, to);
}
