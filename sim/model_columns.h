/* model_columns.h - the column registry: who creates and who reads each
 * population column.
 *
 * The population store (pop.h) is a bus that every module reads.  To keep
 * its wiring explicit, each column has ONE owner, the module that creates
 * it with os_model_add_column (the engine owns the core columns), and
 * each module declares the columns of others it reads in os_module.reads.
 * Modules look those up only through os_model_column and friends, which
 * refuse a column the module did not declare, so the lists stay true.
 *
 * After every module's init the engine calls os_columns_check: each
 * declared read must name a column an EARLIER module (or the engine)
 * creates, with the declared type.  A module that reads a column of a
 * later one (say, its start-of-year value, before the later module's step
 * updates it) marks the read OS_READ_LATE and looks it up after init, in
 * year_begin or a pass.
 */
#ifndef OS_MODEL_COLUMNS_H
#define OS_MODEL_COLUMNS_H

#include <stdio.h>

#include "err.h"
#include "pop.h"

struct os_model;
struct os_chunk;

enum {
    OS_READ_LATE = 1u << 0,     /* created by a later module            */
    OS_READ_OPTIONAL = 1u << 1, /* may be absent in an arm (programme
                                   effects exist only in arms with
                                   programmes)                          */
    OS_READ_WRITES = 1u << 2,   /* the reader also changes it           */
};

/* One declared read; a module's list ends with {NULL}. */
typedef struct os_colread {
    const char *name;
    os_coltype type;
    unsigned flags;
} os_colread;

/* Adds population column NAME owned by MODULE (the module's name in the
 * phase table); otherwise as os_pop_add_column. */
int os_model_add_column(struct os_model *m, const char *module, const char *name,
                        os_coltype type, const char *units, const char *description,
                        unsigned flags, os_err *err);

/* Index of column NAME of TYPE that MODULE reads (or owns), or -1 with err
 * set: not declared in MODULE's reads, declared or created with another
 * type, or absent. */
int os_model_column(struct os_model *m, const char *module, const char *name,
                    os_coltype type, os_err *err);

/* The same for a read declared OS_READ_OPTIONAL: -1 without error when
 * this arm has no such column, -2 with err set on the failures above. */
int os_model_column_opt(struct os_model *m, const char *module, const char *name,
                        os_coltype type, os_err *err);

/* For a pass (no error path): the chunk's rows of optional or late f32
 * column NAME that MODULE declares, or NULL when absent.  A lookup the
 * declarations do not allow is a bug in the module: it aborts. */
float *os_chunk_find_f32(struct os_model *m, const struct os_chunk *c, const char *module,
                         const char *name);

/* The start-up check, after every module's init (see the top). */
int os_columns_check(const struct os_model *m, os_err *err);

/* The registry as a Markdown table (docs/columns.md). */
void os_columns_print(const struct os_model *m, FILE *out);

const char *os_coltype_name(os_coltype t);

#endif
