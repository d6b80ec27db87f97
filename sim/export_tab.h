/* export_tab.h - the tables of an output group, read for `osteosim export`.
 *
 * A table is a group of 1-D datasets of equal length (the columns).  The
 * loader reads the datasets of a group and, in name order, those of its
 * subgroups (each its own table, named by its path relative to the group);
 * with OS_XP_DIRECT only the group's own datasets count when it has any
 * (so /psa is its own table and /psa/ceac another).  Each column keeps its
 * `units` and `labels` attributes ("0=a,1=b", or NULL).  The printers write
 * values so that they read back exactly, strings quoted per RFC 4180.
 */
#ifndef OS_EXPORT_TAB_H
#define OS_EXPORT_TAB_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

enum { OS_XP_REAL, OS_XP_INT, OS_XP_UINT, OS_XP_STR };

typedef struct os_xp_col {
    char *name;
    int kind;
    size_t n;
    double *d;
    long long *i;
    unsigned long long *u;
    char **s;
    char *units;   /* attribute `units`, or NULL */
    char *labels;  /* attribute `labels`, or NULL */
} os_xp_col;

typedef struct os_xp_table {
    char *path; /* relative to the exported group; "" for the group itself */
    os_xp_col *c;
    size_t nc, cap;
} os_xp_table;

typedef struct os_xp_tables {
    os_xp_table *t;
    size_t n, cap;
    os_err *err;
    const char *file;
    int direct;    /* OS_XP_DIRECT given to the loader */
} os_xp_tables;

#define OS_XP_DIRECT 1

/* Loads /GROUP of FILE into TS (zeroed).  0 or an OS_E* code: 1 when the
 * group is absent or has no datasets, 2 when the file is not an output. */
int os_xp_load(const char *file, const char *group, int flags, os_xp_tables *ts, os_err *err);
void os_xp_free(os_xp_tables *ts);

/* Column NAME of T, or NULL. */
const os_xp_col *os_xp_find(const os_xp_table *t, const char *name);

void os_xp_put_real(FILE *out, double v);
void os_xp_put_str(FILE *out, const char *s);
void os_xp_put_cell(FILE *out, const os_xp_col *c, size_t r);
/* The label of row R's code under C's `labels` into BUF, or NULL when C
 * has none for it (strings and reals never have labels). */
const char *os_xp_label(const os_xp_col *c, size_t r, char *buf, size_t n);
/* Row R of C as a label when it has one, else as its value. */
void os_xp_put_labelled(FILE *out, const os_xp_col *c, size_t r);
/* Value of row R of a numeric column as a double. */
double os_xp_num(const os_xp_col *c, size_t r);

/* 0 or errno (EIO when unknown) after a write to OUT. */
int os_xp_status(FILE *out);

/* Writes a CSV with FN (returns 0 or the errno of the first failed write)
 * to standard output when CSV is NULL, else to CSV atomically: under a
 * temporary name, flushed to disk, renamed when complete. */
typedef int (*os_xp_writer)(FILE *out, const void *ctx);
int os_xp_write_to(const char *csv, os_xp_writer fn, const void *ctx, os_err *err);

#endif
