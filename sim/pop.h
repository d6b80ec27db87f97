/* pop.h - the population store: a growable structure of arrays.
 *
 * Each agent attribute is one column of a compact type.  The engine owns the
 * core columns (id, sex, age, weight, alive); models add their own columns at
 * init with units and a description, and those marked OS_COL_SNAPSHOT are
 * written to /cohort/<year>/ and every column goes into checkpoints.
 *
 * Agents are stored in id order.  Dead agents are removed at the end of each
 * year by a stable compaction, so order (and hence every result) does not
 * depend on threads or chunking.  New cohorts are appended.
 */
#ifndef OS_POP_H
#define OS_POP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum os_coltype {
    OS_COL_F32, OS_COL_U8, OS_COL_U16, OS_COL_U32, OS_COL_I16
} os_coltype;

enum {
    OS_COL_SNAPSHOT = 1u << 0,  /* write in /cohort/<year>/ */
    /* Year-to-year memory (last year's bed rest, hazard ratios): kept from
     * the burn-in years, which reset every other column (engine_sched.c). */
    OS_COL_CARRY = 1u << 1
};

#define OS_POP_MAX_COLS 96

typedef struct os_column {
    char name[48];
    os_coltype type;
    size_t elem_size;
    const char *units;
    const char *description;
    unsigned flags;
    void *data;
    const char *owner;   /* module that created it (model.h); NULL: engine */
} os_column;

typedef struct os_pop {
    size_t n;          /* agents stored (alive or died this year) */
    size_t cap;        /* allocated rows */
    int ncols;
    os_column cols[OS_POP_MAX_COLS];
    /* Id ranges [blk_lo[i], blk_hi[i]) this process holds, one per block
     * of ids created together (the base population, then each year's
     * entrants), in id order.  One process holds whole blocks; under MPI
     * each rank holds one contiguous part of every block (par.h), so the
     * single-process row order is: by block, then by rank (h5par.c). */
    size_t nblk, blk_cap;
    uint32_t *blk_lo, *blk_hi;
} os_pop;

/* Core columns, always present at these indices. */
enum {
    OS_COL_ID = 0,     /* u32 agent id (global, stable)               */
    OS_COL_SEX,        /* u8  0 female, 1 male                        */
    OS_COL_AGE,        /* f32 exact age in years at 1 July of the year */
    OS_COL_WEIGHT,     /* u32 persons represented                      */
    OS_COL_ALIVE,      /* u8  1 alive, 0 died during the current year  */
    OS_COL_NCORE
};

void os_pop_init(os_pop *p);
void os_pop_free(os_pop *p);

/* Adds a column; returns its index, or -1 with err set (duplicate name,
 * too many columns, out of memory). */
int os_pop_add_column(os_pop *p, const char *name, os_coltype type,
                      const char *units, const char *description,
                      unsigned flags, os_err *err);
int os_pop_find_column(const os_pop *p, const char *name);

/* Appends N zero-filled rows; returns the index of the first. */
int os_pop_append(os_pop *p, size_t n, size_t *first, os_err *err);

/* Records that ids [lo, hi) (possibly empty) are this process's part of
 * the next block of ids. */
int os_pop_add_block(os_pop *p, uint32_t lo, uint32_t hi, os_err *err);

/* Removes rows whose alive flag is 0, keeping order. */
void os_pop_compact(os_pop *p);

/* Bytes of column storage per agent row. */
size_t os_pop_row_bytes(const os_pop *p);

static inline void *os_pop_data(const os_pop *p, int col)
{
    return p->cols[col].data;
}

#endif
