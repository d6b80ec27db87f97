/* engine_results.c - the in-memory /summary table (res_types.h): its
 * columns as modules register them, its rows as the years finish. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

int os_summary_column(os_model *m, const char *name, const char *units,
                      const char *description, os_err *err)
{
    for (int i = 0; i < m->nsummary; i++)
        if (strcmp(m->summary[i].name, name) == 0) {
            os_fail(err, OS_ERUN, "summary column '%s' registered twice", name);
            return -1;
        }
    if (m->nsummary >= OS_MAX_SUMMARY_COLS ||
        strlen(name) >= sizeof m->summary[0].name) {
        os_fail(err, OS_ERUN, "summary column '%s': too many columns or name too long", name);
        return -1;
    }
    os_summary_col *c = &m->summary[m->nsummary];
    strcpy(c->name, name);
    snprintf(c->units, sizeof c->units, "%s", units ? units : "");
    snprintf(c->description, sizeof c->description, "%s", description ? description : "");
    return m->nsummary++;
}

static int summary_grow(os_summary *s, size_t rows, os_err *err)
{
    size_t n = s->nrows + rows;
    int32_t **ints[] = {&s->year, &s->arm, &s->sex, &s->age_lo, &s->age_hi};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int32_t *q = realloc(*ints[i], n * sizeof **ints[i]);
        if (!q) return os_fail(err, OS_ERUN, "out of memory (summary)");
        *ints[i] = q;
    }
    double *v = realloc(s->values, n * (size_t)s->ncols * sizeof *v);
    if (!v) return os_fail(err, OS_ERUN, "out of memory (summary)");
    s->values = v;
    return OS_OK;
}

int os_summary_add_year(os_summary *s, const os_model *m, const os_acc *tot,
                        os_err *err)
{
    /* Every arm registered the same columns (checked at its init). */
    assert(s->ncols == m->nsummary && s->ncols <= OS_MAX_SUMMARY_COLS);
    if (summary_grow(s, OS_NCELLS, err)) return OS_ERUN;
    for (int sex = 0; sex < OS_NSEX; sex++)
        for (int b = 0; b < OS_NBANDS; b++) {
            size_t r = s->nrows++;
            s->year[r] = m->year;
            s->arm[r] = m->arm;
            s->sex[r] = sex;
            s->age_lo[r] = OS_AGE_MIN + b * OS_BAND_WIDTH;
            /* The open band 100+ is marked by age_hi = -1. */
            s->age_hi[r] = b == OS_NBANDS - 1 ? -1 : s->age_lo[r] + OS_BAND_WIDTH - 1;
            const int64_t *cell = &tot->v[(sex * OS_NBANDS + b) * OS_MAX_SUMMARY_COLS];
            for (int col = 0; col < s->ncols; col++)
                s->values[r * (size_t)s->ncols + col] = (double)cell[col] / OS_ACC_SCALE;
        }
    return OS_OK;
}

void os_summary_free(os_summary *s)
{
    free(s->year); free(s->arm); free(s->sex); free(s->age_lo); free(s->age_hi);
    free(s->values);
    if (s->survivors) {
        os_summary_free(s->survivors);
        free(s->survivors);
    }
    memset(s, 0, sizeof *s);
}

int os_summary_concat(os_summary *dst, const os_summary *a, const os_summary *b, os_err *err)
{
    assert(a->ncols == b->ncols);
    memset(dst, 0, sizeof *dst);
    dst->ncols = a->ncols;
    memcpy(dst->cols, a->cols, sizeof a->cols);
    dst->wtp = a->wtp;
    if (summary_grow(dst, a->nrows + b->nrows, err)) return OS_ERUN;
    const os_summary *part[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        const os_summary *p = part[k];
        size_t r0 = dst->nrows, n = p->nrows;
        memcpy(dst->year + r0, p->year, n * sizeof *p->year);
        memcpy(dst->arm + r0, p->arm, n * sizeof *p->arm);
        memcpy(dst->sex + r0, p->sex, n * sizeof *p->sex);
        memcpy(dst->age_lo + r0, p->age_lo, n * sizeof *p->age_lo);
        memcpy(dst->age_hi + r0, p->age_hi, n * sizeof *p->age_hi);
        memcpy(dst->values + r0 * (size_t)p->ncols, p->values, n * (size_t)p->ncols * sizeof *p->values);
        dst->nrows += n;
    }
    return OS_OK;
}

int os_summary_find(const os_summary *s, const char *name)
{
    for (int i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0) return i;
    return -1;
}

void os_run_stats_free(os_run_stats *st)
{
    free(st->unused);
    st->unused = NULL;
    /* reps[0] is the summary's own values array, freed with the summary. */
    for (int k = 1; st->reps && k < st->nreps; k++) free(st->reps[k]);
    free(st->reps);
    st->reps = NULL;
    st->nreps = 0;
}
