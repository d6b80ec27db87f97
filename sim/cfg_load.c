/* cfg_load.c - reading a scenario: its sources, text, `include:` files and
 * the merge of the layers (config.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_file.h"
#include "cfg_impl.h"

#define MAX_INCLUDE_DEPTH 32

/* ---- sources ---- */

char *cfg_cwd_dup(void)
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
    return abs ? abs : cfg_cwd_dup();
}

cfg_src *cfg_add_src(os_cfg *cfg, const char *name, char *dir, int lines)
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
    cfg->set_src = cfg_add_src(cfg, "--set", cfg_cwd_dup(), 0);
    cfg->def_src = cfg_add_src(cfg, "(default)", cfg_cwd_dup(), 0);
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
void cfg_keep_overridden(void *ctx, const char *path, cfg_node *old)
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

/* Parses TEXT of source SRC into *ROOT: a map of keys. */
static int parse_top(const char *text, size_t len, cfg_src *src, cfg_node **root, os_err *err)
{
    int rc = cfg_parse(root, text, len, src, err);
    if (rc) return rc;
    if (is_empty_doc(*root)) {
        cfg_node_free(*root);
        return os_fail(err, OS_ECONFIG, "%s:1: file is empty (no keys, only comments or blanks)",
                       src->name);
    }
    if ((*root)->kind != CFG_MAP) {
        rc = os_fail(err, OS_ECONFIG, "%s:%d: top level must be a map of keys, not a %s",
                     src->name, (*root)->line, (*root)->kind == CFG_SEQ ? "list" : "single value");
        cfg_node_free(*root);
        return rc;
    }
    return 0;
}

/* Fails if REAL (include entry F of SRC, named PATH) is already on the
 * chain ME: the message lists the chain from the file first seen down. */
static int check_cycle(const chain *me, const char *real, const char *path, const cfg_src *src,
                       const cfg_node *f, os_err *err)
{
    for (const chain *c = me; c; c = c->up) {
        if (!c->real || strcmp(c->real, real)) continue;
        char names[700] = "";
        size_t used = 0;
        const chain *v[MAX_INCLUDE_DEPTH + 2];
        int nv = 0;
        for (const chain *d = me; d && nv < MAX_INCLUDE_DEPTH + 1; d = d->up) {
            v[nv++] = d;
            if (d == c) break;
        }
        for (int k = nv - 1; k >= 0 && used < sizeof names; k--)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s -> ", v[k]->name);
        if (used < sizeof names) snprintf(names + used, sizeof names - used, "%s", path);
        return os_fail(err, OS_ECONFIG, "%s:%d: include: include cycle %s", src->name, f->line,
                       names);
    }
    return 0;
}

/* Loads the file named by include entry F of SRC (file NAME, or in-memory
 * text resolving against BASE_DIR) and merges it into ACC. */
static int include_one(os_cfg *cfg, cfg_node *acc, cfg_node *f, const cfg_src *src,
                       const char *name, const char *base_dir, const chain *me, int depth,
                       os_err *err)
{
    if (f->kind != CFG_SCALAR || !*f->text)
        return os_fail(err, OS_ECONFIG, "%s:%d: include: expected a file name, not a %s",
                       src->name, f->line, f->kind == CFG_SCALAR ? "blank" : "list or map");
    char *path;
    if (base_dir && f->text[0] != '/') {
        path = malloc(strlen(base_dir) + strlen(f->text) + 2);
        if (path) sprintf(path, "%s/%s", base_dir, f->text);
    } else {
        path = join_rel(name, f->text);
    }
    if (!path) return os_fail(err, OS_ECONFIG, "out of memory");
    int rc = 0;
    char *real = realpath(path, NULL);
    if (!real) {
        rc = os_fail(err, OS_ECONFIG, "%s:%d: include: cannot open '%s': %s", src->name,
                     f->line, path, strerror(errno));
    } else {
        rc = check_cycle(me, real, path, src, f, err);
        cfg_node *sub = NULL;
        if (!rc && depth >= MAX_INCLUDE_DEPTH)
            rc = os_fail(err, OS_ECONFIG, "%s:%d: include: includes nested too deeply",
                         src->name, f->line);
        if (!rc) rc = load_file(cfg, path, f, me, depth + 1, &sub, err);
        if (!rc) cfg_merge(acc, sub, "", cfg_keep_overridden, cfg);
        free(real);
    }
    free(path);
    return rc;
}

/* Parses TEXT of source SRC, resolves its includes (relative to NAME's
 * directory, or BASE_DIR for in-memory text) and returns the merged map. */
static int load_text(os_cfg *cfg, const char *text, size_t len, cfg_src *src,
                     const char *name, const char *base_dir, const chain *me, int depth,
                     cfg_node **out, os_err *err)
{
    cfg_node *root;
    *out = NULL;
    int rc = parse_top(text, len, src, &root, err);
    if (rc) return rc;
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
    for (size_t i = 0; !rc && i < n; i++)
        rc = include_one(cfg, acc, inc->kind == CFG_SEQ ? inc->kids[i] : inc, src, name, base_dir,
                         me, depth, err);
    cfg_node_free(inc);
    if (rc) {
        cfg_node_free(acc);
        cfg_node_free(root);
        return rc;
    }
    cfg_merge(acc, root, "", cfg_keep_overridden, cfg);
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
    cfg_src *src = cfg_add_src(cfg, path, dir_of(path), 1);
    char *real = realpath(path, NULL);
    chain me = {real, path, up};
    int rc = src ? load_text(cfg, text, len, src, path, NULL, &me, depth, out, err)
                 : os_fail(err, OS_ECONFIG, "out of memory");
    free(real);
    free(text);
    return rc;
}

int os_cfg_load(os_cfg **out, const char *path, const char *const *sets, int nsets,
                os_err *err)
{
    *out = NULL;
    os_cfg *cfg = cfg_new(path);
    if (!cfg) return os_fail(err, OS_ECONFIG, "out of memory");
    int rc = load_file(cfg, path, NULL, NULL, 0, &cfg->root, err);
    if (!rc) rc = cfg_apply_sets(cfg, sets, nsets, err);
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
    char *dir = base_dir ? realpath(base_dir, NULL) : cfg_cwd_dup();
    if (!dir) dir = strdup(base_dir);
    cfg_src *src = cfg_add_src(cfg, name, dir, 1);
    chain me = {NULL, name, NULL};
    int rc = src ? load_text(cfg, text, strlen(text), src, name, src->dir, &me, 0, &cfg->root, err)
                 : os_fail(err, OS_ECONFIG, "out of memory");
    if (!rc) rc = cfg_apply_sets(cfg, sets, nsets, err);
    if (rc) {
        os_cfg_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}
