/* cfg_set.c - `--set key=value` overrides and in-place numeric updates
 * (calibration, PSA draws). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_impl.h"

/* ---- --set ---- */

int cfg_valid_key_path(const char *k, size_t n)
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
int cfg_parse_value(os_cfg *cfg, cfg_src *src, const char *key, const char *value,
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
int cfg_put_at(os_cfg *cfg, const char *key, cfg_node *v, const cfg_src *src, os_err *err)
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
                cfg_keep_overridden(cfg, key, old->kids[vi]);
                old->kids[vi] = v;
            } else {
                cfg_keep_overridden(cfg, key, old);
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

int cfg_apply_sets(os_cfg *cfg, const char *const *sets, int nsets, os_err *err)
{
    for (int i = 0; i < nsets; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq || !cfg_valid_key_path(sets[i], (size_t)(eq - sets[i])))
            return os_fail(err, OS_ECONFIG, "--set: '%s' is not of the form key.path=value", sets[i]);
        char *key = strndup(sets[i], (size_t)(eq - sets[i]));
        if (!key) return os_fail(err, OS_ECONFIG, "out of memory");
        cfg_node *v;
        int rc = cfg_parse_value(cfg, cfg->set_src, key, eq + 1, &v, err);
        if (!rc) rc = cfg_put_at(cfg, key, v, cfg->set_src, err);
        free(key);
        if (rc) return rc;
    }
    return 0;
}

int os_cfg_set_real(os_cfg *cfg, const char *key, double value, os_err *err)
{
    cfg_entry *e = cfg_find_ent(cfg, key);
    const os_param_spec *s = e ? e->spec : NULL;
    if (s && s->type != OS_P_REAL && s->type != OS_P_INT)
        return os_fail(err, OS_ECONFIG, "%s: not a number parameter", key);
    char text[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, value);
        if (strtod(text, NULL) == value) break;
    }
    if (!cfg_number_syntax(text))
        return os_fail(err, OS_ECONFIG, "%s: %s is not a finite number", key, text);
    cfg_node *n = cfg_value_of(cfg, key, NULL);
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
        return cfg_put_at(cfg, key, v, cfg->set_src, err);
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
