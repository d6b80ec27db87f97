/* cfg_rec.c - files of records (config.h, "files of records"): read by the
 * scenario's YAML reader, each record checked against specs the way
 * scenario keys are. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_file.h"
#include "cfg_impl.h"

struct os_rec_file {
    cfg_src src;
    cfg_node *root;   /* a map */
};

int os_rec_load(os_rec_file **out, const char *path, os_err *err)
{
    *out = NULL;
    char *text, why[128];
    size_t len;
    if (os_cfg_file_read(path, &text, &len, why, sizeof why))
        return os_fail(err, OS_ECONFIG, "%s: cannot open: %s", path, why);
    os_rec_file *f = calloc(1, sizeof *f);
    if (!f || !(f->src.name = strdup(path)) || !(f->src.dir = strdup("."))) {
        free(text);
        os_rec_free(f);
        return os_fail(err, OS_ERUN, "out of memory");
    }
    f->src.lines = 1;
    int rc = cfg_parse(&f->root, text, len, &f->src, err);
    free(text);
    if (!rc && (!f->root || f->root->kind != CFG_MAP))
        rc = os_fail(err, OS_ECONFIG, "%s:%d: top level must be a map of keys", path,
                     f->root ? f->root->line : 1);
    if (rc) {
        os_rec_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

void os_rec_free(os_rec_file *f)
{
    if (!f) return;
    cfg_node_free(f->root);
    free(f->src.name);
    free(f->src.dir);
    free(f);
}

/* Index of KEY in "a|b|c" CHOICES (or -1); writes the names into V. */
static int key_index(const char *choices, const char *key, const char **v, char *buf, size_t *nv)
{
    snprintf(buf, 256, "%s", choices);
    int found = -1;
    *nv = 0;
    for (char *c = buf, *bar; c; c = bar ? bar + 1 : NULL) {
        if ((bar = strchr(c, '|'))) *bar = 0;
        if (!strcmp(c, key)) found = (int)*nv;
        v[(*nv)++] = c;
        if (*nv == 16) break;
    }
    return found;
}

int os_rec_check_top(const os_rec_file *f, const char *keys, os_err *err)
{
    const char *v[16];
    char buf[256];
    size_t nv;
    for (size_t k = 0; k < f->root->n; k++) {
        const char *key = f->root->keys[k];
        cfg_node *n = f->root->kids[k];
        if (key_index(keys, key, v, buf, &nv) < 0) {
            const char *best = os_cfg_suggest(key, v, nv);
            return best ? os_fail(err, OS_ECONFIG, "%s: %s: unknown key '%s' (did you mean '%s'?)",
                                  cfg_origin(n), key, key, best)
                        : os_fail(err, OS_ECONFIG, "%s: %s: unknown key '%s' (expected %s)",
                                  cfg_origin(n), key, key, keys);
        }
        if (n->kind != CFG_SEQ)
            return os_fail(err, OS_ECONFIG, "%s: %s: expected a list, got %s", cfg_origin(n), key,
                           cfg_is_null(n) ? "nothing" : cfg_kind_name(n));
    }
    return 0;
}

size_t os_rec_nkeys(const os_rec_file *f)
{
    return f->root->n;
}

const char *os_rec_key(const os_rec_file *f, size_t k)
{
    return f->root->keys[k];
}

size_t os_rec_nitems(const os_rec_file *f, size_t k)
{
    return f->root->kids[k]->kind == CFG_SEQ ? f->root->kids[k]->n : 0;
}

static cfg_node *item(const os_rec_file *f, size_t k, size_t i)
{
    return f->root->kids[k]->kids[i];
}

int os_rec_line(const os_rec_file *f, size_t k, size_t i, const char *field)
{
    cfg_node *n = item(f, k, i);
    if (field) n = n->kind == CFG_MAP ? cfg_map_get(n, field) : NULL;
    return n ? n->line : 0;
}

int os_rec_str(const os_rec_file *f, size_t k, size_t i, const char *what, const char **out,
               os_err *err)
{
    cfg_node *n = item(f, k, i);
    *out = NULL;
    if (n->kind != CFG_SCALAR || cfg_is_null(n) || !*n->text)
        return os_fail(err, OS_ECONFIG, "%s: %s[%zu]: expected %s", cfg_origin(n), os_rec_key(f, k),
                       i, what);
    *out = n->text;
    return 0;
}

/* Checks record M at PATH against the N specs S: keys declared, values
 * valid (a number in short form only), required keys present. */
static int check_record(cfg_node *m, const char *path, const os_param_spec *s, size_t n,
                        os_err *err)
{
    char kp[512];
    if (m->kind != CFG_MAP)
        return os_fail(err, OS_ECONFIG, "%s: %s: expected a map of keys, got %s", cfg_origin(m), path,
                       cfg_is_null(m) ? "nothing" : cfg_kind_name(m));
    for (size_t i = 0; i < m->n; i++) {
        const os_param_spec *sp = NULL;
        for (size_t j = 0; j < n && !sp; j++)
            if (!strcmp(s[j].key, m->keys[i])) sp = &s[j];
        snprintf(kp, sizeof kp, "%s.%s", path, m->keys[i]);
        cfg_node *v = m->kids[i];
        int rc;
        if (!sp) {
            const char *cands[64];
            size_t nc = n < 64 ? n : 64;
            for (size_t j = 0; j < nc; j++) cands[j] = s[j].key;
            const char *best = os_cfg_suggest(m->keys[i], cands, nc);
            return best ? os_fail(err, OS_ECONFIG, "%s: %s: unknown key '%s' (did you mean '%s.%s'?)",
                                  cfg_origin(v), kp, kp, path, best)
                        : os_fail(err, OS_ECONFIG, "%s: %s: unknown key '%s'", cfg_origin(v), kp, kp);
        }
        if (sp->type == OS_P_REAL || sp->type == OS_P_INT) {
            /* record files have always taken "0.3" for a number */
            if (v->kind == CFG_SCALAR && v->quoted && cfg_number_syntax(v->text)) v->quoted = 0;
            rc = cfg_check_number(v, kp, sp, sp->type == OS_P_INT, NULL, err);
        } else {
            for (size_t q = 0; v->kind == CFG_SEQ && sp->type != OS_P_STR_LIST && q < v->n; q++)
                if (v->kids[q]->quoted && cfg_number_syntax(v->kids[q]->text)) v->kids[q]->quoted = 0;
            rc = cfg_check_value(v, kp, sp, err);
        }
        if (rc) return rc;
    }
    for (size_t j = 0; j < n; j++)
        if (s[j].required && !cfg_map_get(m, s[j].key)) {
            snprintf(kp, sizeof kp, "%s.%s", path, s[j].key);
            return os_fail(err, OS_ECONFIG, "%s: %s: required key '%s' is missing", cfg_origin(m), kp, kp);
        }
    return 0;
}

int os_rec_read(os_rec_file *f, size_t k, size_t i, const os_param_spec *specs, size_t nspecs,
                const os_field *fields, size_t nfields, void *base, os_err *err)
{
    char path[300];
    snprintf(path, sizeof path, "%s[%zu]", os_rec_key(f, k), i);
    cfg_node *m = item(f, k, i);
    int rc = check_record(m, path, specs, nspecs, err);
    cfg_src def = {"(default)", NULL, 0};
    for (size_t j = 0; !rc && j < nfields; j++) {
        const os_param_spec *sp = NULL;
        for (size_t q = 0; q < nspecs && !sp; q++)
            if (!strcmp(specs[q].key, fields[j].key)) sp = &specs[q];
        if (!sp) return os_fail(err, OS_ECONFIG, "internal: %s.%s: read but not declared", path, fields[j].key);
        cfg_node *v = cfg_map_get(m, sp->key), *d = NULL;
        if (!v && sp->def && (rc = cfg_parse(&d, sp->def, strlen(sp->def), &def, err))) break;
        cfg_read_value(v ? v : d, sp, fields[j].type, (char *)base + fields[j].off);
        cfg_node_free(d);
    }
    return rc;
}

size_t os_rec_ints(const os_rec_file *f, size_t k, size_t i, const char *field, const long **vals)
{
    cfg_node *m = item(f, k, i), *n = m->kind == CFG_MAP ? cfg_map_get(m, field) : NULL;
    *vals = n && n->kind == CFG_SEQ ? n->ints : NULL;
    return *vals ? n->n : 0;
}
