/* config.c - loading (includes, --set), validation against declared specs,
 * typed accessors and the resolved dump.  The tree itself is in cfg_yaml.c;
 * key suggestions in cfg_suggest.c. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_file.h"
#include "cfg_tree.h"

#define MAX_INCLUDE_DEPTH 32

typedef struct cfg_entry {
    const os_param_spec *spec;
    cfg_node *node;     /* as written: scalar, list or long-form map */
    int used;
} cfg_entry;

struct os_cfg {
    cfg_node *root;
    cfg_src **srcs;     /* every file read, owned here */
    size_t nsrcs;
    cfg_src *set_src, *def_src;
    char *top;          /* name of the scenario file */
    cfg_entry *ents;
    size_t nents, capents;
    /* specs declared with os_cfg_declare_under: owned copies and keys */
    os_param_spec **owned;
    size_t nowned;
    /* values replaced by a later include or --set, validated all the same */
    cfg_node **over;
    char **over_path;
    size_t nover;
};


/* ---- sources ---- */

static char *cwd_dup(void)
{
    char buf[PATH_MAX];
    return strdup(getcwd(buf, sizeof buf) ? buf : ".");
}

/* Absolute directory of file PATH (realpath of its directory). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *d = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    if (!d) return NULL;
    char *abs = realpath(d, NULL);
    free(d);
    return abs ? abs : cwd_dup();
}

static cfg_src *add_src(os_cfg *cfg, const char *name, char *dir, int lines)
{
    cfg_src **v = realloc(cfg->srcs, (cfg->nsrcs + 1) * sizeof *v);
    cfg_src *s = calloc(1, sizeof *s);
    if (v) cfg->srcs = v;
    if (!v || !s || !dir || !(s->name = strdup(name))) {
        free(s);
        free(dir);
        return NULL;
    }
    s->dir = dir;
    s->lines = lines;
    cfg->srcs[cfg->nsrcs++] = s;
    return s;
}

static os_cfg *cfg_new(const char *top)
{
    os_cfg *cfg = calloc(1, sizeof *cfg);
    if (!cfg) return NULL;
    cfg->top = strdup(top);
    cfg->set_src = add_src(cfg, "--set", cwd_dup(), 0);
    cfg->def_src = add_src(cfg, "(default)", cwd_dup(), 0);
    if (!cfg->top || !cfg->set_src || !cfg->def_src) {
        os_cfg_free(cfg);
        return NULL;
    }
    return cfg;
}

void os_cfg_free(os_cfg *cfg)
{
    if (!cfg) return;
    cfg_node_free(cfg->root);
    for (size_t i = 0; i < cfg->nsrcs; i++) {
        free(cfg->srcs[i]->name);
        free(cfg->srcs[i]->dir);
        free(cfg->srcs[i]);
    }
    free(cfg->srcs);
    free(cfg->top);
    free(cfg->ents);
    for (size_t i = 0; i < cfg->nowned; i++) {
        free((char *)cfg->owned[i]->key);
        free(cfg->owned[i]);
    }
    free(cfg->owned);
    for (size_t i = 0; i < cfg->nover; i++) {
        cfg_node_free(cfg->over[i]);
        free(cfg->over_path[i]);
    }
    free(cfg->over);
    free(cfg->over_path);
    free(cfg);
}

/* cfg_drop_fn: keeps a value that a later layer overrides. */
static void keep_overridden(void *ctx, const char *path, cfg_node *old)
{
    os_cfg *cfg = ctx;
    cfg_node **v = realloc(cfg->over, (cfg->nover + 1) * sizeof *v);
    if (v) cfg->over = v;
    char **p = realloc(cfg->over_path, (cfg->nover + 1) * sizeof *p);
    if (p) cfg->over_path = p;
    char *dup = strdup(path);
    if (!v || !p || !dup) {   /* out of memory: it goes unchecked */
        free(dup);
        cfg_node_free(old);
        return;
    }
    cfg->over[cfg->nover] = old;
    cfg->over_path[cfg->nover++] = dup;
}

/* ---- loading ---- */

typedef struct chain {
    const char *real;   /* realpath, for cycle detection */
    const char *name;
    const struct chain *up;
} chain;

/* FROM: the include entry naming PATH (NULL for the scenario file). */
static int load_file(os_cfg *cfg, const char *path, cfg_node *from, const chain *up, int depth,
                     cfg_node **out, os_err *err);

/* Joins include NAME onto the directory of the file named FROM. */
static char *join_rel(const char *from, const char *name)
{
    const char *slash = strrchr(from, '/');
    if (name[0] == '/' || !slash) return strdup(name);
    size_t dl = (size_t)(slash - from);
    char *p = malloc(dl + strlen(name) + 2);
    if (p) sprintf(p, "%.*s/%s", (int)dl, from, name);
    return p;
}

static int is_empty_doc(const cfg_node *n)
{
    return !n || (n->kind == CFG_SCALAR && !n->quoted && !*n->text);
}

/* Parses TEXT of source SRC, resolves its includes (relative to NAME's
 * directory, or BASE_DIR for in-memory text) and returns the merged map. */
static int load_text(os_cfg *cfg, const char *text, size_t len, cfg_src *src,
                     const char *name, const char *base_dir, const chain *me, int depth,
                     cfg_node **out, os_err *err)
{
    cfg_node *root;
    *out = NULL;
    int rc = cfg_parse(&root, text, len, src, err);
    if (rc) return rc;
    if (is_empty_doc(root)) {
        cfg_node_free(root);
        return os_fail(err, OS_ECONFIG, "%s:1: file is empty (no keys, only comments or blanks)",
                       src->name);
    }
    if (root->kind != CFG_MAP) {
        rc = os_fail(err, OS_ECONFIG, "%s:%d: top level must be a map of keys, not a %s",
                     src->name, root->line, root->kind == CFG_SEQ ? "list" : "single value");
        cfg_node_free(root);
        return rc;
    }
    cfg_node *inc = cfg_map_take(root, "include");
    if (!inc) {
        *out = root;
        return 0;
    }
    cfg_node *acc = cfg_node_new(CFG_MAP, src, 1);
    if (!acc) rc = os_fail(err, OS_ECONFIG, "out of memory");
    if (!rc && inc->kind == CFG_MAP)
        rc = os_fail(err, OS_ECONFIG, "%s:%d: include: expected a file name or a list of file names",
                     src->name, inc->line);
    size_t n = inc->kind == CFG_SEQ ? inc->n : 1;
    for (size_t i = 0; !rc && i < n; i++) {
        cfg_node *f = inc->kind == CFG_SEQ ? inc->kids[i] : inc;
        if (f->kind != CFG_SCALAR || !*f->text) {
            rc = os_fail(err, OS_ECONFIG, "%s:%d: include: expected a file name, not a %s",
                         src->name, f->line, f->kind == CFG_SCALAR ? "blank" : "list or map");
            break;
        }
        char *path;
        if (base_dir && f->text[0] != '/') {
            path = malloc(strlen(base_dir) + strlen(f->text) + 2);
            if (path) sprintf(path, "%s/%s", base_dir, f->text);
        } else {
            path = join_rel(name, f->text);
        }
        if (!path) {
            rc = os_fail(err, OS_ECONFIG, "out of memory");
            break;
        }
        char *real = realpath(path, NULL);
        if (!real) {
            rc = os_fail(err, OS_ECONFIG, "%s:%d: include: cannot open '%s': %s", src->name,
                         f->line, path, strerror(errno));
        } else {
            for (const chain *c = me; c && !rc; c = c->up) {
                if (!c->real || strcmp(c->real, real)) continue;
                char names[700] = "";
                size_t used = 0;
                /* the chain from the file first seen down to this one */
                const chain *v[MAX_INCLUDE_DEPTH + 2];
                int nv = 0;
                for (const chain *d = me; d && nv < MAX_INCLUDE_DEPTH + 1; d = d->up) {
                    v[nv++] = d;
                    if (d == c) break;
                }
                for (int k = nv - 1; k >= 0 && used < sizeof names; k--)
                    used += (size_t)snprintf(names + used, sizeof names - used, "%s -> ", v[k]->name);
                if (used < sizeof names) snprintf(names + used, sizeof names - used, "%s", path);
                rc = os_fail(err, OS_ECONFIG, "%s:%d: include: include cycle %s", src->name,
                             f->line, names);
            }
            cfg_node *sub = NULL;
            if (!rc && depth >= MAX_INCLUDE_DEPTH)
                rc = os_fail(err, OS_ECONFIG, "%s:%d: include: includes nested too deeply",
                             src->name, f->line);
            if (!rc) rc = load_file(cfg, path, f, me, depth + 1, &sub, err);
            if (!rc) cfg_merge(acc, sub, "", keep_overridden, cfg);
            free(real);
        }
        free(path);
    }
    cfg_node_free(inc);
    if (rc) {
        cfg_node_free(acc);
        cfg_node_free(root);
        return rc;
    }
    cfg_merge(acc, root, "", keep_overridden, cfg);
    *out = acc;
    return 0;
}

static int load_file(os_cfg *cfg, const char *path, cfg_node *from, const chain *up, int depth,
                     cfg_node **out, os_err *err)
{
    char *text, why[128];
    size_t len;
    if (os_cfg_file_read(path, &text, &len, why, sizeof why))
        return from ? os_fail(err, OS_ECONFIG, "%s: include: cannot read '%s': %s", cfg_origin(from),
                              path, why)
                    : os_fail(err, OS_ECONFIG, "%s: cannot read: %s", path, why);
    cfg_src *src = add_src(cfg, path, dir_of(path), 1);
    char *real = realpath(path, NULL);
    chain me = {real, path, up};
    int rc = src ? load_text(cfg, text, len, src, path, NULL, &me, depth, out, err)
                 : os_fail(err, OS_ECONFIG, "out of memory");
    free(real);
    free(text);
    return rc;
}

/* ---- --set ---- */

static int valid_key_path(const char *k, size_t n)
{
    if (!n || k[0] == '.' || k[n - 1] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (c == '.' && k[i + 1] == '.') return 0;
        if (!(c == '.' || c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

/* Parses VALUE (YAML scalar or flow sequence) for key KEY. */
static int parse_value(os_cfg *cfg, cfg_src *src, const char *key, const char *value,
                       cfg_node **out, os_err *err)
{
    *out = NULL;
    if (!*value) {   /* "" means the empty string, not a missing document */
        cfg_node *n = cfg_node_new(CFG_SCALAR, src, 0);
        if (n) n->text = strdup("");
        if (!n || !n->text) {
            cfg_node_free(n);
            return os_fail(err, OS_ECONFIG, "out of memory");
        }
        n->quoted = 1;
        *out = n;
        return 0;
    }
    (void)cfg;
    os_err e2 = {0};
    cfg_node *n;
    if (cfg_parse(&n, value, strlen(value), src, &e2))
        return os_fail(err, OS_ECONFIG, "%s: %s: cannot parse value '%s' (%s)", src->name, key,
                       value, e2.msg);
    int ok = n && (n->kind == CFG_SCALAR || (n->kind == CFG_SEQ && n->n == 0));
    if (n && n->kind == CFG_SEQ) {
        ok = 1;
        for (size_t i = 0; i < n->n; i++)
            if (n->kids[i]->kind != CFG_SCALAR) ok = 0;
    }
    if (!ok) {
        cfg_node_free(n);
        return os_fail(err, OS_ECONFIG, "%s: %s: value '%s' must be a scalar or a list like [1, 2]",
                       src->name, key, value);
    }
    *out = n;
    return 0;
}

/* Puts V at dotted KEY of the tree, creating maps on the way; a long-form
 * parameter map keeps its unit/dist/source and gets only a new value. */
static int put_at(os_cfg *cfg, const char *key, cfg_node *v, const cfg_src *src, os_err *err)
{
    cfg_node *m = cfg->root;
    char part[256];
    const char *p = key;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof part) {
            cfg_node_free(v);
            return os_fail(err, OS_ECONFIG, "%s: %s: key too long", src->name, key);
        }
        memcpy(part, p, n);
        part[n] = 0;
        long i = cfg_map_find(m, part);
        if (!dot) {
            if (i < 0) return cfg_map_add(m, part, v) ? os_fail(err, OS_ECONFIG, "out of memory") : 0;
            cfg_node *old = m->kids[i];
            long vi = cfg_map_find(old, "value");
            if (old->kind == CFG_MAP && vi >= 0 && v->kind != CFG_MAP) {
                keep_overridden(cfg, key, old->kids[vi]);
                old->kids[vi] = v;
            } else {
                keep_overridden(cfg, key, old);
                m->kids[i] = v;
            }
            return 0;
        }
        if (i < 0) {
            cfg_node *k = cfg_node_new(CFG_MAP, src, 0);
            if (!k || cfg_map_add(m, part, k)) {
                cfg_node_free(v);
                return os_fail(err, OS_ECONFIG, "out of memory");
            }
            i = (long)m->n - 1;
        }
        if (m->kids[i]->kind != CFG_MAP) {
            cfg_node_free(v);
            return os_fail(err, OS_ECONFIG, "%s: %s: %.*s is a value (set at %s), not a map",
                           src->name, key, (int)(dot - key), key, cfg_origin(m->kids[i]));
        }
        m = m->kids[i];
        p = dot + 1;
    }
}

static int apply_sets(os_cfg *cfg, const char *const *sets, int nsets, os_err *err)
{
    for (int i = 0; i < nsets; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq || !valid_key_path(sets[i], (size_t)(eq - sets[i])))
            return os_fail(err, OS_ECONFIG, "--set: '%s' is not of the form key.path=value", sets[i]);
        char *key = strndup(sets[i], (size_t)(eq - sets[i]));
        if (!key) return os_fail(err, OS_ECONFIG, "out of memory");
        cfg_node *v;
        int rc = parse_value(cfg, cfg->set_src, key, eq + 1, &v, err);
        if (!rc) rc = put_at(cfg, key, v, cfg->set_src, err);
        free(key);
        if (rc) return rc;
    }
    return 0;
}

int os_cfg_load(os_cfg **out, const char *path, const char *const *sets, int nsets,
                os_err *err)
{
    *out = NULL;
    os_cfg *cfg = cfg_new(path);
    if (!cfg) return os_fail(err, OS_ECONFIG, "out of memory");
    int rc = load_file(cfg, path, NULL, NULL, 0, &cfg->root, err);
    if (!rc) rc = apply_sets(cfg, sets, nsets, err);
    if (rc) {
        os_cfg_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

int os_cfg_load_string(os_cfg **out, const char *text, const char *name, const char *base_dir,
                       const char *const *sets, int nsets, os_err *err)
{
    *out = NULL;
    if (!name) name = "(string)";
    os_cfg *cfg = cfg_new(name);
    if (!cfg) return os_fail(err, OS_ECONFIG, "out of memory");
    char *dir = base_dir ? realpath(base_dir, NULL) : cwd_dup();
    if (!dir) dir = strdup(base_dir);
    cfg_src *src = add_src(cfg, name, dir, 1);
    chain me = {NULL, name, NULL};
    int rc = src ? load_text(cfg, text, strlen(text), src, name, src->dir, &me, 0, &cfg->root, err)
                 : os_fail(err, OS_ECONFIG, "out of memory");
    if (!rc) rc = apply_sets(cfg, sets, nsets, err);
    if (rc) {
        os_cfg_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

/* ---- declaring ---- */

static cfg_entry *find_ent(const os_cfg *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->nents; i++)
        if (!strcmp(cfg->ents[i].spec->key, key)) return &cfg->ents[i];
    return NULL;
}

int os_cfg_declare(os_cfg *cfg, const os_param_spec *specs, size_t n, os_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const os_param_spec *s = &specs[i];
        if (!s->key || !valid_key_path(s->key, strlen(s->key)))
            return os_fail(err, OS_ECONFIG, "internal: invalid parameter key '%s'",
                           s->key ? s->key : "(null)");
        cfg_entry *e = find_ent(cfg, s->key);
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

/* ---- scalar syntax ---- */

/* The node at dotted KEY below M, or NULL.  With DEEPEST, the deepest node
 * on the way instead of NULL (for messages about keys not in the tree). */
static cfg_node *tree_find(const cfg_node *m, const char *key, int deepest)
{
    const char *p = key;
    cfg_node *last = NULL;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char *part = m && m->kind == CFG_MAP ? strndup(p, n) : NULL;
        cfg_node *k = part ? cfg_map_get(m, part) : NULL;
        free(part);
        if (!k) return deepest ? last : NULL;
        if (!dot) return k;
        last = k;
        m = k;
        p = dot + 1;
    }
}

static cfg_node *tree_get(const cfg_node *m, const char *key)
{
    return tree_find(m, key, 0);
}

static int is_null(const cfg_node *n)
{
    return n->kind == CFG_SCALAR && !n->quoted && (!*n->text || !strcmp(n->text, "~") ||
                                                   !strcmp(n->text, "null"));
}

/* YAML core-schema number: [-+]? (digits[.digits?] | .digits) ([eE][-+]?digits)? */
static int number_syntax(const char *t)
{
    const char *p = t;
    if (*p == '-' || *p == '+') p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9') p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++, digits++;
    }
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+') p++;
        if (!(*p >= '0' && *p <= '9')) return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == 0;
}

static int integer_syntax(const char *t)
{
    const char *p = t + (*t == '-' || *t == '+');
    if (!*p) return 0;
    for (; *p; p++)
        if (*p < '0' || *p > '9') return 0;
    return 1;
}

static int bool_text(const char *t, int *v)
{
    static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False", "FALSE"};
    for (int i = 0; i < 3; i++) {
        if (!strcmp(t, yes[i])) return *v = 1, 1;
        if (!strcmp(t, no[i])) return *v = 0, 1;
    }
    return 0;
}

static const char *kind_name(const cfg_node *n)
{
    return n->kind == CFG_MAP ? "a map" : n->kind == CFG_SEQ ? "a list" : "a value";
}

static const char *unit_sfx(const os_param_spec *s)
{
    return s && s->unit && strcmp(s->unit, "1") ? s->unit : "";
}

/* Does integer text T (or value V) fit a 64-bit integer of spec S?  Above
 * 2^63 only for specs whose bounds reach there (run.seed: all of uint64). */
static int fits_int64(const char *t, double v, const os_param_spec *s)
{
    int unsig = s && s->min <= s->max && s->min >= 0 && s->max >= 9.3e18;
    if (!integer_syntax(t)) return unsig ? v >= 0 && v < 18446744073709551616.0
                                          : v > -9.2e18 && v < 9.2e18;
    errno = 0;
    if (t[0] == '-' || !unsig) (void)strtoll(t, NULL, 10);
    else (void)strtoull(t, NULL, 10);
    return errno != ERANGE;
}

int cfg_check_number(const cfg_node *n, const char *path, const os_param_spec *s, int is_int,
                     double *out, os_err *err)
{
    cfg_node *nn = (cfg_node *)n;
    const char *o = cfg_origin(nn);
    if (n->kind != CFG_SCALAR)
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a number, got %s", o, path, kind_name(n));
    if (is_null(n))
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a number, got nothing", o, path);
    if (n->quoted)
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a number, got the string \"%s\"", o, path,
                       n->text);
    if (!number_syntax(n->text))
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a number, got '%s'", o, path, n->text);
    double v = strtod(n->text, NULL);
    if (!isfinite(v))
        return os_fail(err, OS_ECONFIG, "%s: %s: %s is too large", o, path, n->text);
    if (is_int && v != floor(v))
        return os_fail(err, OS_ECONFIG, "%s: %s: expected an integer, got %s", o, path, n->text);
    if (is_int && !fits_int64(n->text, v, s))
        return os_fail(err, OS_ECONFIG, "%s: %s: %s does not fit a 64-bit integer", o, path, n->text);
    if (s && s->min <= s->max && (v < s->min || v > s->max)) {
        const char *u = unit_sfx(s);
        return os_fail(err, OS_ECONFIG, "%s: %s: %s is out of range [%.10g, %.10g]%s%s", o, path,
                       n->text, s->min, s->max, *u ? " " : "", u);
    }
    if (out) *out = v;
    return 0;
}

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
                       path, kind_name(u));
    if (u && s->unit && strcmp(u->text, s->unit))
        return os_fail(err, OS_ECONFIG, "%s: %s.unit: unit '%s' does not match the declared unit '%s'",
                       cfg_origin(u), path, u->text, s->unit);
    cfg_node *src = cfg_map_get(n, "source");
    if (src && src->kind != CFG_SCALAR)
        return os_fail(err, OS_ECONFIG, "%s: %s.source: expected a string, got %s", cfg_origin(src),
                       path, kind_name(src));
    cfg_node *d = cfg_map_get(n, "dist");
    os_dist dist;
    return d ? cfg_parse_dist(d, path, s, &dist, err) : 0;
}

static char *resolve_path(cfg_node *n)
{
    if (!n->resolved && n->kind == CFG_SCALAR && *n->text && !is_null(n)) {
        if (n->text[0] == '/') {
            n->resolved = strdup(n->text);
        } else {
            char *j = malloc(strlen(n->src->dir) + strlen(n->text) + 2);
            if (!j) return NULL;
            sprintf(j, "%s/%s", n->src->dir, n->text);
            char *r = realpath(j, NULL);
            n->resolved = r ? r : j;
            if (r) free(j);
        }
    }
    return n->resolved;
}

/* The integer of text T (number V): a uint64 above 2^63 (run.seed) comes
 * back as the long of the same bits, so (uint64_t) of it restores it. */
static long int_value(const char *t, double v)
{
    if (integer_syntax(t)) return t[0] == '-' ? strtol(t, NULL, 10) : (long)strtoull(t, NULL, 10);
    if (v >= 9.2e18 && v < 18446744073709551616.0) return (long)(uint64_t)v;
    return v > -9.2e18 && v < 9.2e18 ? (long)v : 0;
}

/* An input file named by a path key exists and is a regular file: a typo
 * or a FIFO is caught here, with the key's file and line. */
static int check_path(cfg_node *n, const char *path, os_err *err)
{
    const char *o = cfg_origin(n);
    if (is_null(n) || !*n->text)
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a file name, got nothing", o, path);
    const char *r = resolve_path(n);
    char why[128];
    if (!r) return os_fail(err, OS_ECONFIG, "out of memory");
    if (os_cfg_file_ok(r, 0, why, sizeof why))
        return os_fail(err, OS_ECONFIG, "%s: %s: cannot read '%s': %s", o, path, r, why);
    return 0;
}

static int fill_list(cfg_node *n, const char *path, const os_param_spec *s, int is_int, os_err *err)
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
        n->ints[i] = int_value(n->kids[i]->text, v);
    }
    return 0;
}

static int check_value(cfg_node *n, const char *path, const os_param_spec *s, os_err *err)
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
            return os_fail(err, OS_ECONFIG, "%s: %s: expected true or false, got %s", o, path, kind_name(n));
        if (n->quoted || !bool_text(n->text, &b))
            return os_fail(err, OS_ECONFIG, "%s: %s: expected true or false, got '%s'", o, path, n->text);
        return 0;
    case OS_P_STRING:
    case OS_P_PATH:
        if (n->kind != CFG_SCALAR)
            return os_fail(err, OS_ECONFIG, "%s: %s: expected a %s, got %s", o, path,
                           s->type == OS_P_PATH ? "file name" : "string", kind_name(n));
        if (s->type == OS_P_PATH) return check_path(n, path, err);
        if (s->choices) {
            const char *t = is_null(n) ? "" : n->text, *c = s->choices;
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
        return fill_list(n, path, s, s->type == OS_P_INT_LIST, err);
    case OS_P_STR_LIST:
        if (n->kind != CFG_SEQ)
            return os_fail(err, OS_ECONFIG, "%s: %s: expected a list like [a, b], got %s", o, path,
                           n->kind == CFG_SCALAR ? "a single value" : "a map");
        for (size_t i = 0; i < n->n; i++)
            if (n->kids[i]->kind != CFG_SCALAR || is_null(n->kids[i]))
                return os_fail(err, OS_ECONFIG, "%s: %s[%zu]: expected a name", cfg_origin(n->kids[i]),
                               path, i);
        return 0;
    case OS_P_ANY:
        return 0;
    }
    return 0;
}

static int is_group(const os_cfg *cfg, const char *path)
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
static int check_key(os_cfg *cfg, cfg_node *k, const char *key, char *path, int record,
                     os_err *err)
{
    cfg_entry *e = find_ent(cfg, path);
    if (!valid_key_path(key, strlen(key)) || strchr(key, '.'))
        return os_fail(err, OS_ECONFIG, "%s: %s: invalid key name '%s' (use letters, digits, _ and -; nest maps instead of dots)",
                       cfg_origin(k), path, key);
    if (e) {
        int rc = check_value(k, path, e->spec, err);
        if (!rc && record) e->node = k;
        return rc;
    }
    if (!is_group(cfg, path)) return unknown_key(cfg, k, path, err);
    if (k->kind != CFG_MAP)
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a map of keys, got %s", cfg_origin(k), path,
                       is_null(k) ? "nothing" : kind_name(k));
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
        int rc = check_key(cfg, k, key, path, record, err);
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
            e = find_ent(cfg, path);
            os_dist d;
            if (e && (e->spec->type == OS_P_REAL || e->spec->type == OS_P_INT))
                rc = cfg_parse_dist(cfg->over[i], path, e->spec, &d, err);
        } else if (find_ent(cfg, p) || is_group(cfg, p)) {
            rc = check_key(cfg, cfg->over[i], dot ? dot + 1 : p, path, 0, err);
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

int os_cfg_validate(os_cfg *cfg, os_err *err)
{
    char path[1024] = "";
    for (size_t i = 0; i < cfg->nents; i++) cfg->ents[i].node = NULL;
    int rc = walk(cfg, cfg->root, path, 1, err);
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
                cfg_node *p = tree_get(cfg->root, parent);
                if (p && !strcmp(p->src->name, cfg->top) && p->src->lines) line = p->line;
            }
            return os_fail(err, OS_ECONFIG, "%s:%d: %s: required key '%s' is missing", cfg->top, line,
                           s->key, s->key);
        }
        if (!s->def) continue;
        cfg_node *v;
        if ((rc = parse_value(cfg, cfg->def_src, s->key, s->def, &v, err))) break;
        if ((rc = put_at(cfg, s->key, v, cfg->def_src, err))) break;
        e->node = tree_get(cfg->root, s->key);
        if (e->node) rc = check_value(e->node, s->key, s, err);
    }
    return rc;
}

/* ---- accessors ---- */

/* The node of KEY (the value of a long-form map), marking it used. */
static cfg_node *value_of(const os_cfg *cfg, const char *key, cfg_node **whole)
{
    cfg_entry *e = find_ent(cfg, key);
    if (e) e->used = 1;
    cfg_node *n = tree_get(cfg->root, key);
    if (whole) *whole = n;
    if (n && n->kind == CFG_MAP && (!e || e->spec->type == OS_P_REAL || e->spec->type == OS_P_INT)) {
        cfg_node *v = cfg_map_get(n, "value");
        if (v) return v;
    }
    return n;
}

static double real_text(const cfg_node *n)
{
    return n && n->kind == CFG_SCALAR && !n->quoted && number_syntax(n->text) ? strtod(n->text, NULL)
                                                                               : 0.0;
}

double os_cfg_real(const os_cfg *cfg, const char *key)
{
    return real_text(value_of(cfg, key, NULL));
}

long os_cfg_int(const os_cfg *cfg, const char *key)
{
    cfg_node *n = value_of(cfg, key, NULL);
    return n && n->kind == CFG_SCALAR ? int_value(n->text, real_text(n)) : 0;
}

int os_cfg_bool(const os_cfg *cfg, const char *key)
{
    cfg_node *n = value_of(cfg, key, NULL);
    int v = 0;
    return n && n->kind == CFG_SCALAR && bool_text(n->text, &v) ? v : 0;
}

const char *os_cfg_str(const os_cfg *cfg, const char *key)
{
    cfg_node *n = value_of(cfg, key, NULL);
    if (!n || n->kind != CFG_SCALAR) return NULL;
    return is_null(n) && strcmp(n->text, "null") ? "" : n->text;
}

const char *os_cfg_path(const os_cfg *cfg, const char *key)
{
    cfg_node *n = value_of(cfg, key, NULL);
    if (!n || n->kind != CFG_SCALAR) return NULL;
    const char *r = resolve_path(n);
    return r ? r : "";
}

static size_t list_of(const os_cfg *cfg, const char *key, int is_int, const void **vals)
{
    cfg_node *n = value_of(cfg, key, NULL);
    *vals = NULL;
    if (!n || n->kind != CFG_SEQ) return 0;
    if (!n->reals || !n->ints) {
        os_err e;
        if (fill_list(n, key, NULL, is_int, &e)) return 0;
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
    cfg_node *n = value_of(cfg, key, NULL);
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
    return tree_get(cfg->root, key) != NULL;
}

/* Field F of the long-form map of KEY, or NULL. */
static cfg_node *long_field(const os_cfg *cfg, const char *key, const char *f)
{
    cfg_node *n = tree_get(cfg->root, key);
    return n && n->kind == CFG_MAP && cfg_map_get(n, "value") ? cfg_map_get(n, f) : NULL;
}

const char *os_cfg_unit(const os_cfg *cfg, const char *key)
{
    cfg_node *u = long_field(cfg, key, "unit");
    if (u && u->kind == CFG_SCALAR) return u->text;
    cfg_entry *e = find_ent(cfg, key);
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
    cfg_node *n = tree_find(cfg->root, key, !find_ent(cfg, key));
    if (n && n->kind == CFG_MAP && cfg_map_get(n, "value")) n = cfg_map_get(n, "value");
    return n ? cfg_origin(n) : "(unset)";
}

int os_cfg_set_real(os_cfg *cfg, const char *key, double value, os_err *err)
{
    cfg_entry *e = find_ent(cfg, key);
    const os_param_spec *s = e ? e->spec : NULL;
    if (s && s->type != OS_P_REAL && s->type != OS_P_INT)
        return os_fail(err, OS_ECONFIG, "%s: not a number parameter", key);
    char text[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, value);
        if (strtod(text, NULL) == value) break;
    }
    if (!number_syntax(text))
        return os_fail(err, OS_ECONFIG, "%s: %s is not a finite number", key, text);
    cfg_node *n = value_of(cfg, key, NULL);
    cfg_node tmp = {.kind = CFG_SCALAR, .text = text, .src = cfg->set_src};
    int rc = cfg_check_number(&tmp, key, s, s && s->type == OS_P_INT, NULL, err);
    free(tmp.origin);
    if (rc) return rc;
    if (!n) {
        cfg_node *v = cfg_node_new(CFG_SCALAR, cfg->set_src, 0);
        if (!v || !(v->text = strdup(text))) {
            cfg_node_free(v);
            return os_fail(err, OS_ECONFIG, "out of memory");
        }
        return put_at(cfg, key, v, cfg->set_src, err);
    }
    if (n->kind != CFG_SCALAR)
        return os_fail(err, OS_ECONFIG, "%s: %s: not a single number", cfg_origin(n), key);
    char *t = strdup(text);
    if (!t) return os_fail(err, OS_ECONFIG, "out of memory");
    free(n->text);
    n->text = t;
    n->quoted = 0;
    return 0;
}

void os_cfg_visit(const os_cfg *cfg, os_cfg_visit_fn fn, void *ctx)
{
    for (size_t i = 0; i < cfg->nents; i++)
        fn(ctx, cfg->ents[i].spec, tree_get(cfg->root, cfg->ents[i].spec->key) != NULL,
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
        cfg_node *n = tree_get(cfg->root, cfg->ents[i].spec->key);
        const char *p = n && n->kind == CFG_SCALAR ? resolve_path(n) : NULL;
        char what[256];
        snprintf(what, sizeof what, "the input %s", cfg->ents[i].spec->key);
        if (p && *p) rc = fn(ctx, p, what);
    }
    return rc;
}

/* ---- user-named entries ---- */

size_t os_cfg_keys(const os_cfg *cfg, const char *key, const char *const **names)
{
    const cfg_node *n = key && *key ? tree_get(cfg->root, key) : cfg->root;
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
    if (!valid_key_path(prefix, strlen(prefix)))
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
    if (like->kind != CFG_SCALAR || is_null(like))
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
    cfg_node *g = tree_get(cfg->root, group);
    if (!g || g->kind != CFG_MAP) return 0;
    for (size_t i = 0; i < g->n; i++) {
        int rc = inherit_one(g, i, group, field, 0, err);
        if (rc) return rc;
    }
    return 0;
}
