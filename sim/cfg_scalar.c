/* cfg_scalar.c - finding a dotted key in the tree and the syntax of scalars
 * (numbers, integers, booleans, paths). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_impl.h"

/* ---- scalar syntax ---- */

/* The node at dotted KEY below M, or NULL.  With DEEPEST, the deepest node
 * on the way instead of NULL (for messages about keys not in the tree). */
cfg_node *cfg_tree_find(const cfg_node *m, const char *key, int deepest)
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

cfg_node *cfg_tree_get(const cfg_node *m, const char *key)
{
    return cfg_tree_find(m, key, 0);
}

int cfg_is_null(const cfg_node *n)
{
    return n->kind == CFG_SCALAR && !n->quoted && (!*n->text || !strcmp(n->text, "~") ||
                                                   !strcmp(n->text, "null"));
}

/* YAML core-schema number: [-+]? (digits[.digits?] | .digits) ([eE][-+]?digits)? */
int cfg_number_syntax(const char *t)
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

int cfg_integer_syntax(const char *t)
{
    const char *p = t + (*t == '-' || *t == '+');
    if (!*p) return 0;
    for (; *p; p++)
        if (*p < '0' || *p > '9') return 0;
    return 1;
}

int cfg_bool_text(const char *t, int *v)
{
    static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False", "FALSE"};
    for (int i = 0; i < 3; i++) {
        if (!strcmp(t, yes[i])) return *v = 1, 1;
        if (!strcmp(t, no[i])) return *v = 0, 1;
    }
    return 0;
}

const char *cfg_kind_name(const cfg_node *n)
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
    if (!cfg_integer_syntax(t)) return unsig ? v >= 0 && v < 18446744073709551616.0
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
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a number, got %s", o, path, cfg_kind_name(n));
    if (cfg_is_null(n))
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a number, got nothing", o, path);
    if (n->quoted)
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a number, got the string \"%s\"", o, path,
                       n->text);
    if (!cfg_number_syntax(n->text))
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

char *cfg_resolve_path(cfg_node *n)
{
    if (!n->resolved && n->kind == CFG_SCALAR && *n->text && !cfg_is_null(n)) {
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
long cfg_int_value(const char *t, double v)
{
    if (cfg_integer_syntax(t)) return t[0] == '-' ? strtol(t, NULL, 10) : (long)strtoull(t, NULL, 10);
    if (v >= 9.2e18 && v < 18446744073709551616.0) return (long)(uint64_t)v;
    return v > -9.2e18 && v < 9.2e18 ? (long)v : 0;
}

/* An input file named by a path key exists and is a regular file: a typo
 * or a FIFO is caught here, with the key's file and line. */
