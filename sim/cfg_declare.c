/* cfg_declare.c - declaring specs, user-named entries (programmes.<name>)
 * and `like:` inheritance between them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_impl.h"

/* ---- declaring ---- */

cfg_entry *cfg_find_ent(const os_cfg *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->nents; i++)
        if (!strcmp(cfg->ents[i].spec->key, key)) return &cfg->ents[i];
    return NULL;
}

int os_cfg_declare(os_cfg *cfg, const os_param_spec *specs, size_t n, os_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const os_param_spec *s = &specs[i];
        if (!s->key || !cfg_valid_key_path(s->key, strlen(s->key)))
            return os_fail(err, OS_ECONFIG, "internal: invalid parameter key '%s'",
                           s->key ? s->key : "(null)");
        cfg_entry *e = cfg_find_ent(cfg, s->key);
        if (e) {
            if (e->spec->type != s->type)
                return os_fail(err, OS_ECONFIG, "internal: %s: declared twice with different types",
                               s->key);
            continue;
        }
        if (cfg->nents == cfg->capents) {
            size_t cap = cfg->capents ? 2 * cfg->capents : 64;
            cfg_entry *v = realloc(cfg->ents, cap * sizeof *v);
            if (!v) return os_fail(err, OS_ECONFIG, "out of memory");
            cfg->ents = v;
            cfg->capents = cap;
        }
        cfg->ents[cfg->nents++] = (cfg_entry){s, NULL, 0};
    }
    return 0;
}

/* ---- user-named entries ---- */

size_t os_cfg_keys(const os_cfg *cfg, const char *key, const char *const **names)
{
    const cfg_node *n = key && *key ? cfg_tree_get(cfg->root, key) : cfg->root;
    *names = NULL;
    if (!n || n->kind != CFG_MAP) return 0;
    *names = (const char *const *)n->keys;
    return n->n;
}

int os_cfg_declare_under(os_cfg *cfg, const char *prefix, const os_param_spec *specs, size_t n,
                         os_err *err)
{
    const char *name = strrchr(prefix, '.');
    name = name ? name + 1 : prefix;
    if (!cfg_valid_key_path(prefix, strlen(prefix)))
        return os_fail(err, OS_ECONFIG, "%s: %s: invalid name '%s' (use letters, digits, _ and -)",
                       os_cfg_origin(cfg, prefix), prefix, name);
    os_param_spec **owned = realloc(cfg->owned, (cfg->nowned + n) * sizeof *owned);
    if (!owned && n) return os_fail(err, OS_ECONFIG, "out of memory");
    cfg->owned = owned;
    size_t first = cfg->nowned;
    for (size_t i = 0; i < n; i++) {
        os_param_spec *s = malloc(sizeof *s);
        size_t len = strlen(prefix) + strlen(specs[i].key) + 2;
        char *key = malloc(len);
        if (!s || !key) {
            free(s);
            free(key);
            return os_fail(err, OS_ECONFIG, "out of memory");
        }
        snprintf(key, len, "%s.%s", prefix, specs[i].key);
        *s = specs[i];
        s->key = key;
        cfg->owned[cfg->nowned++] = s;
    }
    for (size_t i = first; i < cfg->nowned; i++) {
        int rc = os_cfg_declare(cfg, cfg->owned[i], 1, err);
        if (rc) return rc;
    }
    return 0;
}

/* Resolves entry I of map G (see os_cfg_inherit); DEPTH guards cycles. */
static int inherit_one(cfg_node *g, size_t i, const char *group, const char *field, size_t depth,
                       os_err *err)
{
    cfg_node *x = g->kids[i];
    cfg_node *like = x->kind == CFG_MAP ? cfg_map_get(x, field) : NULL;
    if (!like) return 0;
    if (like->kind != CFG_SCALAR || cfg_is_null(like))
        return os_fail(err, OS_ECONFIG, "%s: %s.%s.%s: expected the name of another entry of %s",
                       cfg_origin(like), group, g->keys[i], field, group);
    if (depth > g->n)
        return os_fail(err, OS_ECONFIG, "%s: %s.%s.%s: '%s' leads back to '%s' (a cycle)",
                       cfg_origin(like), group, g->keys[i], field, like->text, g->keys[i]);
    long j = cfg_map_find(g, like->text);
    if (j < 0) {
        const char *best = os_cfg_suggest(like->text, (const char *const *)g->keys, g->n);
        return os_fail(err, OS_ECONFIG, "%s: %s.%s.%s: no entry '%s' in %s%s%s%s", cfg_origin(like),
                       group, g->keys[i], field, like->text, group, best ? " (did you mean '" : "",
                       best ? best : "", best ? "'?)" : "");
    }
    if ((size_t)j == i)
        return os_fail(err, OS_ECONFIG, "%s: %s.%s.%s: an entry cannot be like itself",
                       cfg_origin(like), group, g->keys[i], field);
    int rc = inherit_one(g, (size_t)j, group, field, depth + 1, err);
    if (rc) return rc;
    cfg_node *copy = cfg_node_copy(g->kids[j]);
    if (!copy) return os_fail(err, OS_ECONFIG, "out of memory");
    cfg_node_free(cfg_map_take(x, field));
    cfg_merge(copy, x, "", NULL, NULL);   /* consumes x: its own keys override the copy's */
    g->kids[i] = copy;
    return 0;
}

int os_cfg_inherit(os_cfg *cfg, const char *group, const char *field, os_err *err)
{
    cfg_node *g = cfg_tree_get(cfg->root, group);
    if (!g || g->kind != CFG_MAP) return 0;
    for (size_t i = 0; i < g->n; i++) {
        int rc = inherit_one(g, i, group, field, 0, err);
        if (rc) return rc;
    }
    return 0;
}
