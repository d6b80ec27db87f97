#include "pop.h"

#include <stdlib.h>
#include <string.h>

static size_t coltype_size(os_coltype t)
{
    switch (t) {
    case OS_COL_F32: case OS_COL_U32: return 4;
    case OS_COL_U16: case OS_COL_I16: return 2;
    case OS_COL_U8: return 1;
    }
    return 0;
}

void os_pop_init(os_pop *p)
{
    memset(p, 0, sizeof *p);
    /* Core columns: their indices are fixed by the OS_COL_* enum. */
    os_pop_add_column(p, "id", OS_COL_U32, "1", "agent id", OS_COL_SNAPSHOT, NULL);
    os_pop_add_column(p, "sex", OS_COL_U8, "1", "0 female, 1 male", OS_COL_SNAPSHOT, NULL);
    os_pop_add_column(p, "age", OS_COL_F32, "year", "exact age at 1 July", OS_COL_SNAPSHOT, NULL);
    os_pop_add_column(p, "weight", OS_COL_U32, "persons", "persons represented", OS_COL_SNAPSHOT, NULL);
    os_pop_add_column(p, "alive", OS_COL_U8, "1", "1 alive, 0 died this year", 0, NULL);
}

void os_pop_free(os_pop *p)
{
    for (int i = 0; i < p->ncols; i++) free(p->cols[i].data);
    free(p->blk_lo);
    free(p->blk_hi);
    memset(p, 0, sizeof *p);
}

int os_pop_add_block(os_pop *p, uint32_t lo, uint32_t hi, os_err *err)
{
    if (p->nblk == p->blk_cap) {
        size_t cap = p->blk_cap ? 2 * p->blk_cap : 64;
        uint32_t *l = realloc(p->blk_lo, cap * sizeof *l);
        if (l) p->blk_lo = l;
        uint32_t *h = l ? realloc(p->blk_hi, cap * sizeof *h) : NULL;
        if (!h) return os_fail(err, OS_ERUN, "out of memory (id blocks)");
        p->blk_hi = h;
        p->blk_cap = cap;
    }
    p->blk_lo[p->nblk] = lo;
    p->blk_hi[p->nblk] = hi;
    p->nblk++;
    return OS_OK;
}

int os_pop_find_column(const os_pop *p, const char *name)
{
    for (int i = 0; i < p->ncols; i++)
        if (strcmp(p->cols[i].name, name) == 0) return i;
    return -1;
}

int os_pop_add_column(os_pop *p, const char *name, os_coltype type,
                      const char *units, const char *description,
                      unsigned flags, os_err *err)
{
    if (os_pop_find_column(p, name) >= 0) {
        os_fail(err, OS_ERUN, "population column '%s' defined twice", name);
        return -1;
    }
    if (p->ncols >= OS_POP_MAX_COLS || strlen(name) >= sizeof p->cols[0].name) {
        os_fail(err, OS_ERUN, "population column '%s': too many columns or name too long", name);
        return -1;
    }
    os_column *c = &p->cols[p->ncols];
    memset(c, 0, sizeof *c);
    strcpy(c->name, name);
    c->type = type;
    c->elem_size = coltype_size(type);
    c->units = units;
    c->description = description;
    c->flags = flags;
    if (p->cap) {
        c->data = calloc(p->cap, c->elem_size);
        if (!c->data) {
            os_fail(err, OS_ERUN, "out of memory adding column '%s'", name);
            return -1;
        }
    }
    return p->ncols++;
}

int os_pop_append(os_pop *p, size_t n, size_t *first, os_err *err)
{
    size_t need = p->n + n;
    if (need > p->cap) {
        /* Grow by 1/4: entrants arrive every year, so amortise, but keep
         * slack small because memory per agent is a headline figure. */
        size_t cap = p->cap + p->cap / 4;
        if (cap < need) cap = need;
        for (int i = 0; i < p->ncols; i++) {
            os_column *c = &p->cols[i];
            void *d = realloc(c->data, cap * c->elem_size);
            if (!d) return os_fail(err, OS_ERUN, "out of memory growing population to %zu agents", cap);
            c->data = d;
        }
        p->cap = cap;
    }
    for (int i = 0; i < p->ncols; i++) {
        os_column *c = &p->cols[i];
        memset((char *)c->data + p->n * c->elem_size, 0, n * c->elem_size);
    }
    *first = p->n;
    p->n = need;
    return OS_OK;
}

/* Keeps the rows with alive[r] != 0 of one column, in order; typed loops
 * because a memcpy call per element dominated the yearly compaction.  The
 * fallback of os_pop_compact when the list of dead rows cannot be made. */
#define COMPACT_AS(T)                                        \
    do {                                                     \
        T *d = c->data;                                      \
        for (size_t r = from; r < n; r++)                    \
            if (alive[r]) d[k++] = d[r];                     \
    } while (0)

static size_t compact_column(os_column *c, const uint8_t *alive, size_t from, size_t n)
{
    size_t k = from;
    switch (c->elem_size) {
    case 4: COMPACT_AS(uint32_t); break;
    case 2: COMPACT_AS(uint16_t); break;
    default: COMPACT_AS(uint8_t); break;
    }
    return k;
}

/* Rows of the dead among [from, n), in order, ending with n: one pass
 * over the alive column without branches (deaths are a few per cent, at
 * random rows, so a branch per row mispredicts at every death).  DEAD
 * holds one entry more than there are dead rows. */
static void dead_rows(const uint8_t *alive, size_t from, size_t n, size_t *dead)
{
    size_t nd = 0;
    for (size_t r = from; r < n; r++) {
        dead[nd] = r;
        nd += alive[r] == 0;
    }
    dead[nd] = n;
}

/* Copies N bytes from S down to D < S (the ranges may overlap), inline:
 * runs are short (a hundred bytes), where a memmove call per run and
 * column cost more than the copy.  Forward copies in 16-byte pieces are
 * safe because D < S: each store lands below the bytes not yet loaded.
 * The last piece (overlapping the previous one) and the short cases are
 * loaded before anything is stored, as in memmove. */
static inline void move_down(unsigned char *d, const unsigned char *s, size_t n)
{
    unsigned char a[16], b[16];
    if (n >= 16) {
        memcpy(b, s + n - 16, 16);
        for (size_t j = 0; j + 16 <= n; j += 16) {
            memcpy(a, s + j, 16);
            memcpy(d + j, a, 16);
        }
        memcpy(d + n - 16, b, 16);
    } else if (n >= 8) {
        memcpy(a, s, 8);
        memcpy(b, s + n - 8, 8);
        memcpy(d, a, 8);
        memcpy(d + n - 8, b, 8);
    } else if (n >= 4) {
        memcpy(a, s, 4);
        memcpy(b, s + n - 4, 4);
        memcpy(d, a, 4);
        memcpy(d + n - 4, b, 4);
    } else if (n >= 2) {
        memcpy(a, s, 2);
        memcpy(b, s + n - 2, 2);
        memcpy(d, a, 2);
        memcpy(d + n - 2, b, 2);
    } else if (n) {
        d[0] = s[0];
    }
}

/* Moves each run of living rows between consecutive dead rows DEAD[0..ND]
 * down to its place: one copy per run per column instead of a test per
 * row per column (runs are tens of rows long). */
static void compact_runs(os_column *c, const size_t *dead, size_t nd)
{
    size_t es = c->elem_size;
    unsigned char *d = c->data;
    size_t k = dead[0];
    for (size_t j = 0; j < nd; j++) {
        size_t src = dead[j] + 1, len = dead[j + 1] - src;
        move_down(d + k * es, d + src * es, len * es);
        k += len;
    }
}

void os_pop_compact(os_pop *p)
{
    const uint8_t *alive = p->cols[OS_COL_ALIVE].data;
    size_t first_dead = 0;
    while (first_dead < p->n && alive[first_dead]) first_dead++;
    if (first_dead == p->n) return;
    size_t nd = 0;
    for (size_t r = first_dead; r < p->n; r++) nd += alive[r] == 0;
    size_t *dead = malloc((nd + 1) * sizeof *dead);
    if (!dead) {
        /* Columns are independent: one thread per column (a serial pass
         * here limited the parallel efficiency).  The alive column itself
         * is compacted last: the others read it. */
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < p->ncols; i++)
            if (i != OS_COL_ALIVE) compact_column(&p->cols[i], alive, first_dead, p->n);
        p->n = compact_column(&p->cols[OS_COL_ALIVE], alive, first_dead, p->n);
        return;
    }
    dead_rows(alive, first_dead, p->n, dead);
#pragma omp parallel for schedule(dynamic, 1)
    for (int i = 0; i < p->ncols; i++) compact_runs(&p->cols[i], dead, nd);
    p->n -= nd;
    free(dead);
}

size_t os_pop_row_bytes(const os_pop *p)
{
    size_t b = 0;
    for (int i = 0; i < p->ncols; i++) b += p->cols[i].elem_size;
    return b;
}
