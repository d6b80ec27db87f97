/* export_long.c - long CSV of an output group (export_long.h). */
#include "export_long.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const key_cols[] = {
    "year", "arm", "sex", "age_lo", "age_hi", "age_band", "draw", "replicate", "wtp",
    "age", "id", "agent", "group", "parameter", "bound"};
static const char *const stat_suffix[] = {"_mean", "_p2_5", "_p50", "_p97_5"};
#define NKEYS (sizeof key_cols / sizeof key_cols[0])
#define NSTATS (sizeof stat_suffix / sizeof stat_suffix[0])

static int key_rank(const char *name)
{
    for (size_t k = 0; k < NKEYS; k++)
        if (strcmp(name, key_cols[k]) == 0) return (int)k;
    return (int)NKEYS;
}

static int is_id(const os_xp_col *c)
{
    /* Whole ages index tables (/demography); an exact age is a value. */
    if (strcmp(c->name, "age") == 0) return c->kind == OS_XP_INT || c->kind == OS_XP_UINT;
    return c->kind == OS_XP_STR || c->labels || key_rank(c->name) < (int)NKEYS;
}

/* Length of NAME's stem when it ends in a statistic suffix, else 0; *SUF
 * is the suffix without its underscore. */
static size_t stat_stem(const char *name, const char **suf)
{
    size_t n = strlen(name);
    for (size_t k = 0; k < NSTATS; k++) {
        size_t m = strlen(stat_suffix[k]);
        if (n > m && strcmp(name + n - m, stat_suffix[k]) == 0) {
            *suf = stat_suffix[k] + 1;
            return n - m;
        }
    }
    return 0;
}

/* The stem length of value column J of T when a sibling shares its stem
 * with another suffix (so J is a statistic of STEM), else 0. */
static size_t split_stat(const os_xp_table *t, size_t j, const char **suf)
{
    size_t n = stat_stem(t->c[j].name, suf);
    for (size_t q = 0; n && q < t->nc; q++) {
        const char *s2;
        if (q != j && !is_id(&t->c[q]) && stat_stem(t->c[q].name, &s2) == n &&
            strncmp(t->c[q].name, t->c[j].name, n) == 0)
            return n;
    }
    return 0;
}

static int cmp_ids(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return key_rank(x) - key_rank(y);  /* qsort need not be stable: ties below */
}

typedef struct layout {
    const char **ids;   /* identifier names, union over the tables */
    size_t nids;
    int values, stats, tagged;
} layout;

static int plan(const os_xp_tables *ts, layout *L)
{
    size_t total = 0, nonempty = 0;
    for (size_t k = 0; k < ts->n; k++) {
        total += ts->t[k].nc;
        nonempty += ts->t[k].nc > 0;
    }
    L->ids = calloc(total ? total : 1, sizeof *L->ids);
    if (!L->ids) return ENOMEM;
    for (size_t k = 0; k < ts->n; k++) {
        const os_xp_table *t = &ts->t[k];
        for (size_t j = 0; j < t->nc; j++) {
            const char *suf;
            if (!is_id(&t->c[j])) {
                L->values = 1;
                L->stats |= split_stat(t, j, &suf) > 0;
                continue;
            }
            size_t q = 0;
            while (q < L->nids && strcmp(L->ids[q], t->c[j].name) != 0) q++;
            if (q == L->nids) L->ids[L->nids++] = t->c[j].name;
        }
    }
    /* Key columns first in key order; the others keep file order (a
     * stable pass: insertion sort on the rank). */
    for (size_t a = 1; a < L->nids; a++)
        for (size_t b = a; b > 0 && cmp_ids(&L->ids[b - 1], &L->ids[b]) > 0; b--) {
            const char *tmp = L->ids[b];
            L->ids[b] = L->ids[b - 1];
            L->ids[b - 1] = tmp;
        }
    L->tagged = !(nonempty == 1 && ts->t[0].nc > 0);
    return 0;
}

static void put_header(FILE *out, const layout *L)
{
    int first = 1;
#define SEP() (first ? (void)(first = 0) : (void)fputc(',', out))
    if (L->tagged) { SEP(); fputs("table", out); }
    for (size_t q = 0; q < L->nids; q++) { SEP(); os_xp_put_str(out, L->ids[q]); }
    if (L->values) {
        SEP(); fputs("variable", out);
        if (L->stats) fputs(",statistic", out);
        fputs(",value,units", out);
    }
#undef SEP
    fputc('\n', out);
}

/* The identifier cells of row R of T (table tag first). */
static void put_ids(FILE *out, const layout *L, const os_xp_table *t, const os_xp_col **map, size_t r)
{
    int first = 1;
    if (L->tagged) { os_xp_put_str(out, t->path); first = 0; }
    for (size_t q = 0; q < L->nids; q++) {
        if (!first) fputc(',', out);
        first = 0;
        if (map[q]) os_xp_put_labelled(out, map[q], r);
    }
    if (!first && L->values) fputc(',', out);
}

static int write_table(FILE *out, const layout *L, const os_xp_table *t)
{
    const os_xp_col **map = calloc(L->nids ? L->nids : 1, sizeof *map);
    if (!map) return ENOMEM;
    size_t nvals = 0;
    for (size_t q = 0; q < L->nids; q++) map[q] = os_xp_find(t, L->ids[q]);
    for (size_t j = 0; j < t->nc; j++) nvals += !is_id(&t->c[j]);
    int e = 0;
    for (size_t r = 0; r < t->c[0].n && !e; r++) {
        if (!nvals) {
            put_ids(out, L, t, map, r);
            if (L->values) fputs(L->stats ? ",,," : ",,", out);
            fputc('\n', out);
        }
        for (size_t j = 0; j < t->nc && !e; j++) {
            const os_xp_col *c = &t->c[j];
            if (is_id(c)) continue;
            put_ids(out, L, t, map, r);
            const char *suf = "";
            size_t stem = split_stat(t, j, &suf);
            if (stem) fprintf(out, "%.*s", (int)stem, c->name);
            else os_xp_put_str(out, c->name);
            if (L->stats) { fputc(',', out); fputs(stem ? suf : "", out); }
            fputc(',', out);
            os_xp_put_cell(out, c, r);
            fputc(',', out);
            if (c->units) os_xp_put_str(out, c->units);
            fputc('\n', out);
            e = os_xp_status(out);
        }
        if (!e) e = os_xp_status(out);
    }
    free(map);
    return e;
}

int os_xp_write_long(FILE *out, const void *ctx)
{
    const os_xp_tables *ts = ctx;
    layout L = {0};
    int e = plan(ts, &L);
    if (!e) {
        put_header(out, &L);
        e = os_xp_status(out);
    }
    for (size_t k = 0; k < ts->n && !e; k++)
        if (ts->t[k].nc) e = write_table(out, &L, &ts->t[k]);
    free(L.ids);
    return e;
}
