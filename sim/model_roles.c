/* model_roles.c - summary columns by role (model_roles.h) and their
 * registration with a role (model.h). */
#include "model_roles.h"

#include <stdio.h>
#include <string.h>

static int copy_label(char *dst, size_t size, const char *src)
{
    if (src && strlen(src) >= size) return -1;
    snprintf(dst, size, "%s", src ? src : "");
    return 0;
}

int os_summary_column_as(os_model *m, const char *name, const char *units,
                         const char *description, os_sum_role role, os_err *err)
{
    int k = os_summary_column(m, name, units, description, err);
    if (k < 0) return k;
    os_summary_col *c = &m->summary[k];
    c->role = role.role;
    c->flags = role.flags;
    if (copy_label(c->label, sizeof c->label, role.label) || copy_label(c->site, sizeof c->site, role.site) ||
        copy_label(c->abbrev, sizeof c->abbrev, role.abbrev)) {
        m->nsummary--;
        os_fail(err, OS_ERUN, "summary column '%s': label, site or abbreviation too long", name);
        return -1;
    }
    return k;
}

int os_model_set_wtp(os_model *m, double base, const double *multiple, int n,
                     const char *base_key, const char *multiple_key, os_err *err)
{
    os_wtp *w = &m->wtp;
    if (n < 0 || n > OS_MAX_WTP || (n > 0 && !multiple))
        return os_fail(err, OS_ECONFIG, "%s: 0 to %d willingness-to-pay thresholds",
                       multiple_key ? multiple_key : "(thresholds)", OS_MAX_WTP);
    memset(w, 0, sizeof *w);
    w->n = n;
    w->base = base;
    for (int k = 0; k < n; k++) {
        w->multiple[k] = multiple[k];
        w->value[k] = base * multiple[k];
    }
    snprintf(w->base_key, sizeof w->base_key, "%s", base_key ? base_key : "");
    snprintf(w->multiple_key, sizeof w->multiple_key, "%s", multiple_key ? multiple_key : "");
    return OS_OK;
}

int os_roles_find(const os_summary_col *cols, int ncols, int role, unsigned mask,
                  unsigned want, int *idx)
{
    int n = 0;
    for (int k = 0; k < ncols; k++)
        if (cols[k].role == role && (cols[k].flags & mask) == want) idx[n++] = k;
    return n;
}

static int is_main(const os_summary_col *c)
{
    return (c->role == OS_ROLE_COST || c->role == OS_ROLE_UTILITY || c->role == OS_ROLE_LIFE_YEARS) &&
           !(c->flags & OS_SUM_PART);
}

/* Group of a column in the totals' order, or -1 if not summed per arm. */
static int total_group(const os_summary_col *c)
{
    if (is_main(c)) return c->role == OS_ROLE_COST ? 0 : c->role == OS_ROLE_UTILITY ? 1 : 2;
    if (c->flags & OS_SUM_PART) return 4;
    if (c->role == OS_ROLE_EVENT) return 3;
    return c->flags & OS_SUM_TOTAL ? 5 : -1;
}

int os_roles_totals(const os_summary_col *cols, int ncols, int *idx)
{
    int n = 0;
    for (int g = 0; g <= 5; g++)
        for (int k = 0; k < ncols; k++)
            if (total_group(&cols[k]) == g) idx[n++] = k;
    return n;
}

const os_summary_col *os_roles_main(const os_summary_col *cols, int ncols, int role)
{
    int idx[OS_MAX_SUMMARY_COLS];
    int n = os_roles_find(cols, ncols, role, OS_SUM_DISCOUNTED | OS_SUM_PART, OS_SUM_DISCOUNTED, idx);
    return n ? &cols[idx[0]] : NULL;
}

double os_roles_measure(const os_summary_col *cols, int ncols, const double *tot, int role)
{
    int idx[OS_MAX_SUMMARY_COLS];
    int n = os_roles_find(cols, ncols, role, OS_SUM_DISCOUNTED | OS_SUM_PART, OS_SUM_DISCOUNTED, idx);
    double t = 0;
    for (int i = 0; i < n; i++) t += tot[idx[i]];
    return t;
}

const char *os_roles_units(const os_summary_col *cols, int ncols, int role)
{
    const os_summary_col *c = os_roles_main(cols, ncols, role);
    return c ? c->units : "";
}

int os_roles_kinds(const os_summary_col *cols, int ncols, int *first)
{
    int n = 0;
    for (int k = 0; k < ncols; k++) {
        if (cols[k].role != OS_ROLE_EVENT) continue;
        int seen = 0;
        for (int i = 0; i < n && !seen; i++) seen = !strcmp(cols[first[i]].label, cols[k].label);
        if (!seen) first[n++] = k;
    }
    return n;
}

int os_roles_kind_cols(const os_summary_col *cols, int ncols, int k, int *idx, int *sites)
{
    int n = 0;
    if (sites) *sites = 0;
    for (int i = 0; i < ncols; i++)
        if (cols[i].role == OS_ROLE_EVENT && !strcmp(cols[i].label, cols[k].label)) {
            idx[n++] = i;
            if (sites && cols[i].site[0]) *sites = 1;
        }
    return n;
}
