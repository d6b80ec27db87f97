/* res_subgroups.c - cost-effectiveness by sex and age band (res_subgroups.h). */
#include "res_subgroups.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5out.h"
#include "model_roles.h"
#include "res_cea.h"

#define MAX_BANDS 16

static const os_param_spec subgroup_params[] = {
    {"economics.subgroup_age_bands", OS_P_INT_LIST, "year", 0, 150, 0, "[50, 65, 80]", NULL,
     "lower bounds of the age bands of /economics/subgroups, increasing (the last band is open: 80+)"},
};

int os_subgroups_declare(os_cfg *cfg, os_err *err)
{
    return os_cfg_declare(cfg, subgroup_params, 1, err) ? OS_ECONFIG : OS_OK;
}

/* Columns of the table, one entry per row. */
typedef struct table {
    size_t n;
    const char **sex, **band, **arm_name;
    int32_t *arm;
    double *cost, *effect, *d_cost, *d_effect, *icer, *nmb[OS_MAX_WTP];
} table;

static int table_alloc(table *t, size_t n, int nwtp)
{
    memset(t, 0, sizeof *t);
    n++;
    t->sex = malloc(n * sizeof *t->sex);
    t->band = malloc(n * sizeof *t->band);
    t->arm_name = malloc(n * sizeof *t->arm_name);
    t->arm = malloc(n * sizeof *t->arm);
    double **d[] = {&t->cost, &t->effect, &t->d_cost, &t->d_effect, &t->icer};
    int ok = t->sex && t->band && t->arm_name && t->arm;
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) ok &= (*d[i] = malloc(n * sizeof **d[i])) != NULL;
    for (int w = 0; w < nwtp; w++) ok &= (t->nmb[w] = malloc(n * sizeof *t->nmb[w])) != NULL;
    return ok ? 0 : -1;
}

static void table_free(table *t)
{
    free(t->sex);
    free(t->band);
    free(t->arm_name);
    free(t->arm);
    free(t->cost);
    free(t->effect);
    free(t->d_cost);
    free(t->d_effect);
    free(t->icer);
    for (int w = 0; w < OS_MAX_WTP; w++) free(t->nmb[w]);
}

/* Band of age LO, or -1 below the first. */
static int band_of(const long *b, int nb, int lo)
{
    int k = -1;
    for (int i = 0; i < nb; i++)
        if (lo >= b[i]) k = i;
    return k;
}

/* Per (sex, band): the arms compared as in /economics, appended to T (the
 * rows' band index is in S->age_hi here). */
static void fill(table *t, const os_summary *s, const os_arms *arms, int sex, int band, const char *band_name,
                 os_cea *c)
{
    static const char *const sexes[2] = {"female", "male"};
    memset(c, 0, sizeof *c);
    c->narms = arms->n;
    c->ref = arms->ref;
    c->nwtp = s->wtp.n < OS_CEA_MAX_WTP ? s->wtp.n : OS_CEA_MAX_WTP;
    for (int w = 0; w < c->nwtp; w++) c->wtp[w] = s->wtp.value[w];
    for (size_t r = 0; r < s->nrows; r++) {
        int a = s->arm[r];
        if (a < 0 || a >= c->narms || s->sex[r] != sex || (int)s->age_hi[r] != band) continue;
        const double *v = &s->values[r * (size_t)s->ncols];
        c->cost[a] += os_roles_measure(s->cols, s->ncols, v, OS_ROLE_COST);
        c->effect[a] += os_roles_measure(s->cols, s->ncols, v, OS_ROLE_UTILITY);
    }
    os_cea_compare(c);
    for (int a = 0; a < c->narms; a++, t->n++) {
        t->sex[t->n] = sexes[sex];
        t->band[t->n] = band_name;
        t->arm[t->n] = a;
        t->arm_name[t->n] = arms->names[a];
        t->cost[t->n] = c->cost[a];
        t->effect[t->n] = c->effect[a];
        t->d_cost[t->n] = c->d_cost[a];
        t->d_effect[t->n] = c->d_effect[a];
        t->icer[t->n] = c->icer[a];
        for (int w = 0; w < c->nwtp; w++) t->nmb[w][t->n] = c->nmb[a][w];
    }
}

static int put(hid_t g, const char *name, const double *v, size_t n, const char *units, const char *desc,
               os_err *err)
{
    return os_h5_write_1d(g, name, H5T_NATIVE_DOUBLE, v, n, units, desc, 0, err);
}

static int write_table(hid_t g, const table *t, const os_summary *s, const os_arms *arms, os_err *err)
{
    const os_summary_col *mc = os_roles_main(s->cols, s->ncols, OS_ROLE_COST);
    const os_summary_col *me = os_roles_main(s->cols, s->ncols, OS_ROLE_UTILITY);
    const char *money = os_roles_units(s->cols, s->ncols, OS_ROLE_COST);
    const char *eu = os_roles_units(s->cols, s->ncols, OS_ROLE_UTILITY);
    char per[112], name[96], labels[2048] = "", desc[240];
    snprintf(per, sizeof per, "%s/%s", money, eu);
    for (int a = 0; a < arms->n; a++)
        snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%s%d=%s", a ? "," : "", a,
                 arms->names[a]);
    int rc = os_h5_write_strings(g, "sex", t->sex, t->n, "sex (female|male)", err);
    if (!rc) rc = os_h5_write_strings(g, "age_band", t->band, t->n, "age band at the year of the cost or effect",
                                      err);
    if (!rc) rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, t->arm, t->n, "code", "arm index", 0, err);
    if (!rc) {
        hid_t d = H5Dopen2(g, "arm", H5P_DEFAULT);
        os_h5_attr_str(d, "labels", labels);
        H5Dclose(d);
    }
    if (!rc) rc = os_h5_write_strings(g, "arm_name", t->arm_name, t->n, "arm name", err);
    if (!rc) rc = put(g, mc ? mc->name : "cost", t->cost, t->n, money, "discounted cost in the subgroup", err);
    snprintf(desc, sizeof desc, "discounted %ss in the subgroup", eu);
    if (!rc) rc = put(g, me ? me->name : "effect", t->effect, t->n, eu, desc, err);
    snprintf(name, sizeof name, "incremental_%s", mc && mc->label[0] ? mc->label : "cost");
    if (!rc) rc = put(g, name, t->d_cost, t->n, money, "minus the reference arm's, same subgroup", err);
    snprintf(name, sizeof name, "incremental_%s", me && me->label[0] ? me->label : "effect");
    if (!rc) rc = put(g, name, t->d_effect, t->n, eu, "minus the reference arm's, same subgroup", err);
    if (!rc) rc = put(g, "icer", t->icer, t->n, per,
                      "incremental cost per unit of effect gained; NaN when one arm dominates and for the "
                      "reference", err);
    for (int w = 0; !rc && w < s->wtp.n && w < OS_CEA_MAX_WTP; w++) {
        snprintf(name, sizeof name, "nmb_%d", w + 1);
        snprintf(desc, sizeof desc, "incremental net monetary benefit at threshold %d (%.0f %s)", w + 1,
                 s->wtp.value[w], per);
        rc = put(g, name, t->nmb[w], t->n, money, desc, err);
        if (!rc) {
            hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
            os_h5_attr_f64(d, "wtp", s->wtp.value[w]);
            H5Dclose(d);
        }
    }
    return rc;
}

int os_subgroups_write(hid_t file, const os_cfg *cfg, const os_summary *s, const os_arms *arms, os_err *err)
{
    const long *b;
    int nb = (int)os_cfg_int_list(cfg, "economics.subgroup_age_bands", &b);
    if (nb > MAX_BANDS) nb = MAX_BANDS;
    for (int i = 1; i < nb; i++)
        if (b[i] <= b[i - 1])
            return os_fail(err, OS_ECONFIG, "%s: economics.subgroup_age_bands: bounds must increase",
                           os_cfg_origin(cfg, "economics.subgroup_age_bands"));
    char names[MAX_BANDS][32];
    for (int i = 0; i < nb; i++) {
        if (i + 1 < nb) snprintf(names[i], sizeof names[i], "%ld-%ld", b[i], b[i + 1] - 1);
        else snprintf(names[i], sizeof names[i], "%ld+", b[i]);
    }
    /* the band of each summary row, kept in a copy of age_hi's role */
    os_summary t = *s;
    int32_t *band = malloc((s->nrows + 1) * sizeof *band);
    os_cea *c = malloc(sizeof *c);
    table tab;
    int rc = band && c && !table_alloc(&tab, 2 * (size_t)nb * (size_t)arms->n, s->wtp.n) ? OS_OK
             : os_fail(err, OS_ERUN, "out of memory (subgroups)");
    for (size_t r = 0; !rc && r < s->nrows; r++) band[r] = band_of(b, nb, s->age_lo[r]);
    t.age_hi = band;
    for (int sex = 0; !rc && sex < 2; sex++)
        for (int k = 0; k < nb; k++) fill(&tab, &t, arms, sex, k, names[k], c);
    hid_t e = rc ? -1 : H5Gopen2(file, "economics", H5P_DEFAULT);
    hid_t g = e < 0 ? -1 : H5Gcreate2(e, "subgroups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!rc && g < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /economics/subgroups");
    if (!rc) {
        os_h5_attr_str(g, "description", "one row per (sex, age band, arm): the arms compared within each "
                       "subgroup; sex and age band at the year each cost or effect accrued (/summary rows), "
                       "so a person contributes to successive bands as they age");
        rc = write_table(g, &tab, s, arms, err);
    }
    if (g >= 0) H5Gclose(g);
    if (e >= 0) H5Gclose(e);
    if (band && c) table_free(&tab);
    free(band);
    free(c);
    return rc;
}
