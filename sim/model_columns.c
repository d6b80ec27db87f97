/* model_columns.c - the column registry (model.h). */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

const char *os_coltype_name(os_coltype t)
{
    switch (t) {
    case OS_COL_F32: return "f32";
    case OS_COL_U8: return "u8";
    case OS_COL_U16: return "u16";
    case OS_COL_U32: return "u32";
    case OS_COL_I16: return "i16";
    }
    return "?";
}

/* Phase-table index of module NAME, or -1. */
static int module_index(const os_model *m, const char *name)
{
    for (int i = 0; i < m->nmodules; i++)
        if (strcmp(m->modules[i]->name, name) == 0) return i;
    return -1;
}

static const os_colread *declared(const os_module *mod, const char *name)
{
    for (const os_colread *r = mod->reads; r && r->name; r++)
        if (strcmp(r->name, name) == 0) return r;
    return NULL;
}

static const char *owner_of(const os_column *c)
{
    return c->owner ? c->owner : "the engine";
}

int os_model_add_column(os_model *m, const char *module, const char *name, os_coltype type,
                        const char *units, const char *description, unsigned flags,
                        os_err *err)
{
    int k = module_index(m, module);
    if (k < 0) {
        os_fail(err, OS_ERUN, "models: column '%s' added by '%s', which is not in the phase table",
                name, module);
        return -1;
    }
    int col = os_pop_add_column(m->pop, name, type, units, description, flags, err);
    if (col >= 0) m->pop->cols[col].owner = m->modules[k]->name;
    return col;
}

/* The lookup of os_model_column(_opt): column index, -1 absent, or -2 with
 * err set.  OPTIONAL: an absent column is allowed if declared optional. */
static int lookup(const os_model *m, const char *module, const char *name, os_coltype type,
                  int optional, os_err *err)
{
    int k = module_index(m, module);
    if (k < 0) {
        os_fail(err, OS_ERUN, "models: '%s' looks up column '%s' but is not in the phase table",
                module, name);
        return -2;
    }
    int col = os_pop_find_column(m->pop, name);
    const os_column *c = col >= 0 ? &m->pop->cols[col] : NULL;
    const os_colread *r = declared(m->modules[k], name);
    if (!r && !(c && c->owner && strcmp(c->owner, module) == 0)) {
        os_fail(err, OS_ERUN, "models: %s looks up column '%s', which its reads do not declare",
                module, name);
        return -2;
    }
    if (r && r->type != type) {
        os_fail(err, OS_ERUN, "models: %s declares column '%s' as %s but looks it up as %s",
                module, name, os_coltype_name(r->type), os_coltype_name(type));
        return -2;
    }
    if (!c) {
        if (optional && r && (r->flags & OS_READ_OPTIONAL)) return -1;
        os_fail(err, OS_ERUN, "models: %s reads column '%s' which no %smodule creates", module,
                name, r && (r->flags & OS_READ_LATE) ? "" : "earlier ");
        return -2;
    }
    if (c->type != type) {
        os_fail(err, OS_ERUN, "models: %s reads column '%s' as %s, but %s creates it as %s",
                module, name, os_coltype_name(type), owner_of(c), os_coltype_name(c->type));
        return -2;
    }
    return col;
}

int os_model_column(os_model *m, const char *module, const char *name, os_coltype type,
                    os_err *err)
{
    int col = lookup(m, module, name, type, 0, err);
    return col < 0 ? -1 : col;
}

int os_model_column_opt(os_model *m, const char *module, const char *name, os_coltype type,
                        os_err *err)
{
    return lookup(m, module, name, type, 1, err);
}

float *os_chunk_find_f32(os_model *m, const os_chunk *c, const char *module, const char *name)
{
    os_err err = {0};
    int col = lookup(m, module, name, OS_COL_F32, 1, &err);
    if (col == -2) {
        /* A wrong lookup in a pass is a bug in the module, not an input
         * error, and a pass has no error path. */
        fprintf(stderr, "osteosim: internal error: %s\n", err.msg);
        abort();
    }
    return col < 0 ? NULL : os_chunk_f32(m, c, col);
}

uint8_t *os_chunk_find_u8(os_model *m, const os_chunk *c, const char *module, const char *name)
{
    os_err err = {0};
    int col = lookup(m, module, name, OS_COL_U8, 1, &err);
    if (col == -2) {
        fprintf(stderr, "osteosim: internal error: %s\n", err.msg);
        abort();
    }
    return col < 0 ? NULL : os_chunk_u8(m, c, col);
}

/* Checks MOD's (index K) declared read R against the store. */
static int check_read(const os_model *m, int k, const os_colread *r, os_err *err)
{
    const char *mod = m->modules[k]->name;
    int col = os_pop_find_column(m->pop, r->name);
    int late = (r->flags & OS_READ_LATE) != 0;
    if (col < 0) {
        if (r->flags & OS_READ_OPTIONAL) return OS_OK;
        return os_fail(err, OS_ERUN, "models: %s reads column '%s' which no %smodule creates",
                       mod, r->name, late ? "" : "earlier ");
    }
    const os_column *c = &m->pop->cols[col];
    int owner = c->owner ? module_index(m, c->owner) : -1;
    if (!late && owner >= k)
        return os_fail(err, OS_ERUN,
                       "models: %s reads column '%s' which no earlier module creates "
                       "(%s creates it; a read of a later module's column is OS_READ_LATE)",
                       mod, r->name, c->owner);
    if (late && owner < k)
        return os_fail(err, OS_ERUN,
                       "models: %s declares its read of column '%s' late, but %s creates it earlier",
                       mod, r->name, owner_of(c));
    if (c->type != r->type)
        return os_fail(err, OS_ERUN, "models: %s reads column '%s' as %s, but %s creates it as %s",
                       mod, r->name, os_coltype_name(r->type), owner_of(c),
                       os_coltype_name(c->type));
    return OS_OK;
}

int os_columns_check(const os_model *m, os_err *err)
{
    for (int i = OS_COL_NCORE; i < m->pop->ncols; i++)
        if (!m->pop->cols[i].owner)
            return os_fail(err, OS_ERUN,
                           "models: column '%s' has no owner (added with os_pop_add_column, "
                           "not os_model_add_column)",
                           m->pop->cols[i].name);
    for (int k = 0; k < m->nmodules; k++)
        for (const os_colread *r = m->modules[k]->reads; r && r->name; r++)
            if (check_read(m, k, r, err)) return OS_ERUN;
    return OS_OK;
}

void os_columns_print(const os_model *m, FILE *out)
{
    fprintf(out, "| column | type | units | owner | read by | description |\n"
                 "|---|---|---|---|---|---|\n");
    for (int i = 0; i < m->pop->ncols; i++) {
        const os_column *c = &m->pop->cols[i];
        fprintf(out, "| `%s` | %s | %s | %s | ", c->name, os_coltype_name(c->type),
                c->units ? c->units : "", c->owner ? c->owner : "engine");
        const char *sep = "";
        for (int k = 0; k < m->nmodules; k++) {
            const os_colread *r = declared(m->modules[k], c->name);
            if (!r) continue;
            unsigned f = r->flags & (OS_READ_LATE | OS_READ_WRITES);
            fprintf(out, "%s%s%s", sep, m->modules[k]->name,
                    f == OS_READ_LATE ? " (late)" : f == OS_READ_WRITES ? " (writes)"
                    : f ? " (late, writes)" : "");
            sep = ", ";
        }
        fprintf(out, " | %s |\n", c->description ? c->description : "");
    }
}
