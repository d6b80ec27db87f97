/* cfg_get.c - typed accessors after validation, provenance of a value, the
 * resolved dump and the list of files a configuration reads. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_impl.h"

/* ---- accessors ---- */

/* The node of KEY (the value of a long-form map), marking it used. */
cfg_node *cfg_value_of(const os_cfg *cfg, const char *key, cfg_node **whole)
{
    cfg_entry *e = cfg_find_ent(cfg, key);
    if (e) e->used = 1;
    cfg_node *n = cfg_tree_get(cfg->root, key);
    if (whole) *whole = n;
    if (n && n->kind == CFG_MAP && (!e || e->spec->type == OS_P_REAL || e->spec->type == OS_P_INT)) {
        cfg_node *v = cfg_map_get(n, "value");
        if (v) return v;
    }
    return n;
}

static double real_text(const cfg_node *n)
{
    return n && n->kind == CFG_SCALAR && !n->quoted && cfg_number_syntax(n->text) ? strtod(n->text, NULL)
                                                                               : 0.0;
}

double os_cfg_real(const os_cfg *cfg, const char *key)
{
    return real_text(cfg_value_of(cfg, key, NULL));
}

long os_cfg_int(const os_cfg *cfg, const char *key)
{
    cfg_node *n = cfg_value_of(cfg, key, NULL);
    return n && n->kind == CFG_SCALAR ? cfg_int_value(n->text, real_text(n)) : 0;
}

int os_cfg_bool(const os_cfg *cfg, const char *key)
{
    cfg_node *n = cfg_value_of(cfg, key, NULL);
    int v = 0;
    return n && n->kind == CFG_SCALAR && cfg_bool_text(n->text, &v) ? v : 0;
}

const char *os_cfg_str(const os_cfg *cfg, const char *key)
{
    cfg_node *n = cfg_value_of(cfg, key, NULL);
    if (!n || n->kind != CFG_SCALAR) return NULL;
    return cfg_is_null(n) && strcmp(n->text, "null") ? "" : n->text;
}

const char *os_cfg_path(const os_cfg *cfg, const char *key)
{
    cfg_node *n = cfg_value_of(cfg, key, NULL);
    if (!n || n->kind != CFG_SCALAR) return NULL;
    const char *r = cfg_resolve_path(n);
    return r ? r : "";
}

static size_t list_of(const os_cfg *cfg, const char *key, int is_int, const void **vals)
{
    cfg_node *n = cfg_value_of(cfg, key, NULL);
    *vals = NULL;
    if (!n || n->kind != CFG_SEQ) return 0;
    if (!n->reals || !n->ints) {
        os_err e;
        if (cfg_fill_list(n, key, NULL, is_int, &e)) return 0;
    }
    *vals = is_int ? (const void *)n->ints : (const void *)n->reals;
    return n->n;
}

size_t os_cfg_real_list(const os_cfg *cfg, const char *key, const double **vals)
{
    const void *v;
    size_t n = list_of(cfg, key, 0, &v);
    *vals = v;
    return n;
}

size_t os_cfg_int_list(const os_cfg *cfg, const char *key, const long **vals)
{
    const void *v;
    size_t n = list_of(cfg, key, 1, &v);
    *vals = v;
    return n;
}

size_t os_cfg_str_list(const os_cfg *cfg, const char *key, const char *const **vals)
{
    cfg_node *n = cfg_value_of(cfg, key, NULL);
    *vals = NULL;
    if (!n || n->kind != CFG_SEQ) return 0;
    if (!n->strs) {
        n->strs = calloc(n->n + 1, sizeof *n->strs);
        if (!n->strs) return 0;
        for (size_t i = 0; i < n->n; i++) n->strs[i] = n->kids[i]->text ? n->kids[i]->text : "";
    }
    *vals = n->strs;
    return n->n;
}

int os_cfg_has(const os_cfg *cfg, const char *key)
{
    return cfg_tree_get(cfg->root, key) != NULL;
}

/* Field F of the long-form map of KEY, or NULL. */
static cfg_node *long_field(const os_cfg *cfg, const char *key, const char *f)
{
    cfg_node *n = cfg_tree_get(cfg->root, key);
    return n && n->kind == CFG_MAP && cfg_map_get(n, "value") ? cfg_map_get(n, f) : NULL;
}

const char *os_cfg_unit(const os_cfg *cfg, const char *key)
{
    cfg_node *u = long_field(cfg, key, "unit");
    if (u && u->kind == CFG_SCALAR) return u->text;
    cfg_entry *e = cfg_find_ent(cfg, key);
    return e ? e->spec->unit : NULL;
}

const char *os_cfg_source(const os_cfg *cfg, const char *key)
{
    cfg_node *s = long_field(cfg, key, "source");
    return s && s->kind == CFG_SCALAR ? s->text : NULL;
}

os_dist os_cfg_dist(const os_cfg *cfg, const char *key)
{
    os_dist d = {OS_DIST_NONE, {0, 0, 0}};
    cfg_node *n = long_field(cfg, key, "dist");
    os_err e;
    if (n && cfg_parse_dist(n, key, NULL, &d, &e)) memset(&d, 0, sizeof d);
    return d;
}

const char *os_cfg_origin(const os_cfg *cfg, const char *key)
{
    /* an undeclared key not in the tree (a name cut short in a caller's
     * buffer) gets the place of its deepest enclosing map */
    cfg_node *n = cfg_tree_find(cfg->root, key, !cfg_find_ent(cfg, key));
    if (n && n->kind == CFG_MAP && cfg_map_get(n, "value")) n = cfg_map_get(n, "value");
    return n ? cfg_origin(n) : "(unset)";
}

void os_cfg_visit(const os_cfg *cfg, os_cfg_visit_fn fn, void *ctx)
{
    for (size_t i = 0; i < cfg->nents; i++)
        fn(ctx, cfg->ents[i].spec, cfg_tree_get(cfg->root, cfg->ents[i].spec->key) != NULL,
           cfg->ents[i].used);
}

char *os_cfg_dump(const os_cfg *cfg)
{
    return cfg_emit(cfg->root);
}

int os_cfg_each_file(const os_cfg *cfg,
                     int (*fn)(void *ctx, const char *path, const char *what), void *ctx)
{
    int rc = 0, first = 1;
    for (size_t i = 0; i < cfg->nsrcs && !rc; i++) {
        if (cfg->srcs[i] == cfg->set_src || cfg->srcs[i] == cfg->def_src) continue;
        rc = fn(ctx, cfg->srcs[i]->name,
                first ? "the configuration file" : "a file the configuration includes");
        first = 0;
    }
    for (size_t i = 0; i < cfg->nents && !rc; i++) {
        if (cfg->ents[i].spec->type != OS_P_PATH) continue;
        cfg_node *n = cfg_tree_get(cfg->root, cfg->ents[i].spec->key);
        const char *p = n && n->kind == CFG_SCALAR ? cfg_resolve_path(n) : NULL;
        char what[256];
        snprintf(what, sizeof what, "the input %s", cfg->ents[i].spec->key);
        if (p && *p) rc = fn(ctx, p, what);
    }
    return rc;
}


/* ---- reading a parameter struct ---- */

/* Index of TEXT in "a|b|c" CHOICES, or -1. */
static int choice_index(const char *choices, const char *text)
{
    size_t tl = strlen(text);
    for (int i = 0; choices; i++) {
        const char *bar = strchr(choices, '|');
        size_t cl = bar ? (size_t)(bar - choices) : strlen(choices);
        if (cl == tl && !strncmp(choices, text, tl)) return i;
        choices = bar ? bar + 1 : NULL;
    }
    return -1;
}

/* Reads value node N (NULL: absent) of spec S into the member at P, as
 * the typed accessors would. */
void cfg_read_value(cfg_node *n, const os_param_spec *s, os_ftype t, void *p)
{
    int b = 0;
    const char *str = n && n->kind == CFG_SCALAR ? n->text : NULL;
    if (str && cfg_is_null(n) && strcmp(str, "null")) str = "";
    switch (t) {
    case OS_F_REAL: *(double *)p = n ? real_text(n) : NAN; break;
    case OS_F_FLOAT: *(float *)p = n ? (float)real_text(n) : NAN; break;
    case OS_F_INT: *(int *)p = str ? (int)cfg_int_value(str, real_text(n)) : 0; break;
    case OS_F_LONG: *(long *)p = str ? cfg_int_value(str, real_text(n)) : 0; break;
    case OS_F_BOOL: *(int *)p = str && cfg_bool_text(str, &b) ? b : 0; break;
    case OS_F_STR: *(const char **)p = str; break;
    case OS_F_PATH:
        str = str ? cfg_resolve_path(n) : NULL;
        *(const char **)p = n && n->kind == CFG_SCALAR ? (str ? str : "") : NULL;
        break;
    case OS_F_CHOICE: *(int *)p = str ? choice_index(s->choices, str) : -1; break;
    }
}

int os_cfg_read(const os_cfg *cfg, const char *prefix, const os_field *f, size_t n, void *base,
                os_err *err)
{
    char key[1024];
    for (size_t i = 0; i < n; i++) {
        if (prefix && *prefix) snprintf(key, sizeof key, "%s.%s", prefix, f[i].key);
        else snprintf(key, sizeof key, "%s", f[i].key);
        cfg_entry *e = cfg_find_ent(cfg, key);
        if (!e) return os_fail(err, OS_ECONFIG, "internal: %s: read but not declared", key);
        cfg_node *v = os_cfg_has(cfg, key) ? cfg_value_of(cfg, key, NULL) : NULL;
        cfg_read_value(v, e->spec, f[i].type, (char *)base + f[i].off);
    }
    return 0;
}
