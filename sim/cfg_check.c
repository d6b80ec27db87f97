/* cfg_check.c - validation of the merged tree against the declared specs:
 * types, bounds, long forms, unknown keys, required keys, defaults. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_file.h"
#include "cfg_impl.h"

/* ---- validation ---- */

static const char *const long_fields = "value, unit, dist, source";

static int check_long_form(cfg_node *n, const char *path, const os_param_spec *s, os_err *err)
{
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->keys[i];
        if (strcmp(k, "value") && strcmp(k, "unit") && strcmp(k, "dist") && strcmp(k, "source"))
            return os_fail(err, OS_ECONFIG, "%s: %s.%s: unknown field '%s' in long-form parameter (expected %s)",
                           cfg_origin(n->kids[i]), path, k, k, long_fields);
    }
    cfg_node *v = cfg_map_get(n, "value");
    if (!v)
        return os_fail(err, OS_ECONFIG, "%s: %s: a map here must be a long-form parameter with 'value' (fields: %s)",
                       cfg_origin(n), path, long_fields);
    int rc = cfg_check_number(v, path, s, s->type == OS_P_INT, NULL, err);
    if (rc) return rc;
    cfg_node *u = cfg_map_get(n, "unit");
    if (u && u->kind != CFG_SCALAR)
        return os_fail(err, OS_ECONFIG, "%s: %s.unit: expected a unit string, got %s", cfg_origin(u),
                       path, cfg_kind_name(u));
    if (u && s->unit && s->unit[0] != '$' && strcmp(u->text, s->unit))
        return os_fail(err, OS_ECONFIG, "%s: %s.unit: unit '%s' does not match the declared unit '%s'",
                       cfg_origin(u), path, u->text, s->unit);
    cfg_node *src = cfg_map_get(n, "source");
    if (src && src->kind != CFG_SCALAR)
        return os_fail(err, OS_ECONFIG, "%s: %s.source: expected a string, got %s", cfg_origin(src),
                       path, cfg_kind_name(src));
    cfg_node *d = cfg_map_get(n, "dist");
    os_dist dist;
    return d ? cfg_parse_dist(d, path, s, &dist, err) : 0;
}

static int check_path(cfg_node *n, const char *path, os_err *err)
{
    const char *o = cfg_origin(n);
    if (cfg_is_null(n) || !*n->text)
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a file name, got nothing", o, path);
    const char *r = cfg_resolve_path(n);
    char why[128];
    if (!r) return os_fail(err, OS_ECONFIG, "out of memory");
    if (os_cfg_file_ok(r, 0, why, sizeof why))
        return os_fail(err, OS_ECONFIG, "%s: %s: cannot read '%s': %s", o, path, r, why);
    return 0;
}

int cfg_fill_list(cfg_node *n, const char *path, const os_param_spec *s, int is_int, os_err *err)
{
    free(n->reals);
    free(n->ints);
    n->reals = calloc(n->n + 1, sizeof *n->reals);
    n->ints = calloc(n->n + 1, sizeof *n->ints);
    if (!n->reals || !n->ints) return os_fail(err, OS_ECONFIG, "out of memory");
    for (size_t i = 0; i < n->n; i++) {
        char ep[600];
        snprintf(ep, sizeof ep, "%s[%zu]", path, i);
        double v = 0;
        int rc = cfg_check_number(n->kids[i], ep, s, is_int, &v, err);
        if (rc) return rc;
        n->reals[i] = v;
        n->ints[i] = cfg_int_value(n->kids[i]->text, v);
    }
    return 0;
}

int cfg_check_value(cfg_node *n, const char *path, const os_param_spec *s, os_err *err)
{
    const char *o = cfg_origin(n);
    int b;
    switch (s->type) {
    case OS_P_REAL:
    case OS_P_INT:
        if (n->kind == CFG_MAP) return check_long_form(n, path, s, err);
        return cfg_check_number(n, path, s, s->type == OS_P_INT, NULL, err);
    case OS_P_BOOL:
        if (n->kind != CFG_SCALAR)
            return os_fail(err, OS_ECONFIG, "%s: %s: expected true or false, got %s", o, path, cfg_kind_name(n));
        if (n->quoted || !cfg_bool_text(n->text, &b))
            return os_fail(err, OS_ECONFIG, "%s: %s: expected true or false, got '%s'", o, path, n->text);
        return 0;
    case OS_P_STRING:
    case OS_P_PATH:
        if (n->kind != CFG_SCALAR)
            return os_fail(err, OS_ECONFIG, "%s: %s: expected a %s, got %s", o, path,
                           s->type == OS_P_PATH ? "file name" : "string", cfg_kind_name(n));
        if (s->type == OS_P_PATH) return check_path(n, path, err);
        if (s->choices) {
            const char *t = cfg_is_null(n) ? "" : n->text, *c = s->choices;
            size_t tl = strlen(t);
            for (;;) {
                const char *bar = strchr(c, '|');
                size_t cl = bar ? (size_t)(bar - c) : strlen(c);
                if (cl == tl && !strncmp(c, t, tl)) return 0;
                if (!bar) break;
                c = bar + 1;
            }
            return os_fail(err, OS_ECONFIG, "%s: %s: '%s' is not one of %s", o, path, t, s->choices);
        }
        return 0;
    case OS_P_REAL_LIST:
    case OS_P_INT_LIST:
        if (n->kind != CFG_SEQ)
            return os_fail(err, OS_ECONFIG, "%s: %s: expected a list like [1, 2], got %s", o, path,
                           n->kind == CFG_SCALAR ? "a single value" : "a map");
        return cfg_fill_list(n, path, s, s->type == OS_P_INT_LIST, err);
    case OS_P_STR_LIST:
        if (n->kind != CFG_SEQ)
            return os_fail(err, OS_ECONFIG, "%s: %s: expected a list like [a, b], got %s", o, path,
                           n->kind == CFG_SCALAR ? "a single value" : "a map");
        for (size_t i = 0; i < n->n; i++)
            if (n->kids[i]->kind != CFG_SCALAR || cfg_is_null(n->kids[i]))
                return os_fail(err, OS_ECONFIG, "%s: %s[%zu]: expected a name", cfg_origin(n->kids[i]),
                               path, i);
        return 0;
    case OS_P_ANY:
        return 0;
    }
    return 0;
}

static int cfg_is_group(const os_cfg *cfg, const char *path)
{
    size_t len = strlen(path);
    for (size_t i = 0; i < cfg->nents; i++) {
        const char *k = cfg->ents[i].spec->key;
        if (!strncmp(k, path, len) && k[len] == '.') return 1;
    }
    return 0;
}

static int unknown_key(const os_cfg *cfg, cfg_node *n, char *path, os_err *err)
{
    /* name the whole path down to the first leaf: "rn.agents" is easier to
     * match with "run.agents" than "rn" alone */
    while (n->kind == CFG_MAP && n->n && strlen(path) + strlen(n->keys[0]) + 2 < 1024) {
        strcat(path, ".");
        strcat(path, n->keys[0]);
        n = n->kids[0];
    }
    const char **cands = malloc((cfg->nents + 1) * sizeof *cands);
    const char *best = NULL;
    if (cands) {
        for (size_t i = 0; i < cfg->nents; i++) cands[i] = cfg->ents[i].spec->key;
        best = os_cfg_suggest(path, cands, cfg->nents);
    }
    int rc;
    if (best)
        rc = os_fail(err, OS_ECONFIG, "%s: %s: unknown key '%s' (did you mean '%s'?)", cfg_origin(n),
                     path, path, best);
    else
        rc = os_fail(err, OS_ECONFIG, "%s: %s: unknown key '%s'", cfg_origin(n), path, path);
    free(cands);
    return rc;
}

static int walk(os_cfg *cfg, cfg_node *m, char *path, int record, os_err *err);

/* Validates node K at PATH (KEY its last part); RECORD: K is the value in
 * force (not an overridden one), so accessors find it. */
static int cfg_check_key(os_cfg *cfg, cfg_node *k, const char *key, char *path, int record,
                     os_err *err)
{
    cfg_entry *e = cfg_find_ent(cfg, path);
    if (!cfg_valid_key_path(key, strlen(key)) || strchr(key, '.'))
        return os_fail(err, OS_ECONFIG, "%s: %s: invalid key name '%s' (use letters, digits, _ and -; nest maps instead of dots)",
                       cfg_origin(k), path, key);
    if (e) {
        int rc = cfg_check_value(k, path, e->spec, err);
        if (!rc && record) e->node = k;
        return rc;
    }
    if (!cfg_is_group(cfg, path)) return unknown_key(cfg, k, path, err);
    if (k->kind != CFG_MAP)
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a map of keys, got %s", cfg_origin(k), path,
                       cfg_is_null(k) ? "nothing" : cfg_kind_name(k));
    return walk(cfg, k, path, record, err);
}

static int walk(os_cfg *cfg, cfg_node *m, char *path, int record, os_err *err)
{
    size_t plen = strlen(path);
    for (size_t i = 0; i < m->n; i++) {
        cfg_node *k = m->kids[i];
        const char *key = m->keys[i];
        if (plen + strlen(key) + 2 >= 1024)
            return os_fail(err, OS_ECONFIG, "%s: %s: key path too long", cfg_origin(k),
                           plen ? path : "(top level)");
        snprintf(path + plen, 1024 - plen, "%s%s", plen ? "." : "", key);
        int rc = cfg_check_key(cfg, k, key, path, record, err);
        path[plen] = 0;
        if (rc) return rc;
    }
    return 0;
}

/* Values replaced by a later include or --set are checked like the ones in
 * force (docs/user-guide.md, layering): a broken value must not hide behind
 * an override.  Keys no longer declared (a removed `like:`) are skipped. */
static int check_overridden(os_cfg *cfg, os_err *err)
{
    for (size_t i = 0; i < cfg->nover; i++) {
        char path[1024];
        const char *p = cfg->over_path[i], *dot = strrchr(p, '.');
        if (strlen(p) >= sizeof path) continue;
        snprintf(path, sizeof path, "%s", p);
        int rc = 0;
        cfg_entry *e = NULL;
        if (dot && !strcmp(dot, ".dist")) {   /* a long form's replaced dist */
            path[dot - p] = 0;
            e = cfg_find_ent(cfg, path);
            os_dist d;
            if (e && (e->spec->type == OS_P_REAL || e->spec->type == OS_P_INT))
                rc = cfg_parse_dist(cfg->over[i], path, e->spec, &d, err);
        } else if (cfg_find_ent(cfg, p) || cfg_is_group(cfg, p)) {
            rc = cfg_check_key(cfg, cfg->over[i], dot ? dot + 1 : p, path, 0, err);
        }
        if (rc) {
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof err->msg - len, " (overridden at %s)",
                     os_cfg_origin(cfg, e ? path : p));
            return rc;
        }
    }
    return 0;
}

/* A unit declared "$KEY" or "$KEY/rest" (a cost in the scenario's
 * currency, "$economics.currency/yr") is the value of KEY as written, or
 * its default: the entry gets an owned copy of its spec with that unit.
 * When KEY is not set the unit stays unresolved and unchecked; the missing
 * KEY is reported (with its file and line) by the required-key check. */
static int resolve_unit(os_cfg *cfg, cfg_entry *e, os_err *err)
{
    const char *u = e->spec->unit;
    if (!u || u[0] != '$') return 0;
    char key[256];
    size_t klen = strcspn(u + 1, "/");
    if (klen >= sizeof key) klen = sizeof key - 1;
    memcpy(key, u + 1, klen);
    key[klen] = 0;
    cfg_node *v = cfg_tree_get(cfg->root, key);
    if (v && v->kind == CFG_MAP) v = cfg_map_get(v, "value");  /* long form */
    cfg_entry *ke = cfg_find_ent(cfg, key);
    const char *val = v && v->kind == CFG_SCALAR ? v->text : ke && ke->spec->def ? ke->spec->def : NULL;
    /* KEY not set: its own check reports it (the unit is not checked). */
    if (!val) return 0;
    const char *rest = u + 1 + klen;
    size_t n = strlen(val) + strlen(rest) + 1;
    os_param_spec *s = malloc(sizeof *s + n);
    char *k = strdup(e->spec->key);
    os_param_spec **owned = realloc(cfg->owned, (cfg->nowned + 1) * sizeof *owned);
    if (owned) cfg->owned = owned;
    if (!s || !k || !owned) {
        free(s);
        free(k);
        return os_fail(err, OS_ECONFIG, "out of memory");
    }
    *s = *e->spec;
    char *unit = (char *)(s + 1);  /* freed with the copy */
    snprintf(unit, n, "%s%s", val, rest);
    s->unit = unit;
    s->key = k;
    cfg->owned[cfg->nowned++] = s;
    e->spec = s;
    return 0;
}

int os_cfg_validate(os_cfg *cfg, os_err *err)
{
    char path[1024] = "";
    for (size_t i = 0; i < cfg->nents; i++) cfg->ents[i].node = NULL;
    int rc = 0;
    for (size_t i = 0; !rc && i < cfg->nents; i++) rc = resolve_unit(cfg, &cfg->ents[i], err);
    if (!rc) rc = walk(cfg, cfg->root, path, 1, err);
    if (!rc) rc = check_overridden(cfg, err);
    for (size_t i = 0; !rc && i < cfg->nents; i++) {
        cfg_entry *e = &cfg->ents[i];
        const os_param_spec *s = e->spec;
        if (e->node) continue;
        if (s->required) {
            /* point at the scenario file, at the enclosing map if it is there */
            char parent[1024];
            snprintf(parent, sizeof parent, "%s", s->key);
            char *dot = strrchr(parent, '.');
            int line = 1;
            if (dot) {
                *dot = 0;
                cfg_node *p = cfg_tree_get(cfg->root, parent);
                if (p && !strcmp(p->src->name, cfg->top) && p->src->lines) line = p->line;
            }
            return os_fail(err, OS_ECONFIG, "%s:%d: %s: required key '%s' is missing", cfg->top, line,
                           s->key, s->key);
        }
        if (!s->def) continue;
        cfg_node *v;
        if ((rc = cfg_parse_value(cfg, cfg->def_src, s->key, s->def, &v, err))) break;
        if ((rc = cfg_put_at(cfg, s->key, v, cfg->def_src, err))) break;
        e->node = cfg_tree_get(cfg->root, s->key);
        if (e->node) rc = cfg_check_value(e->node, s->key, s, err);
    }
    return rc;
}

