/* cfg_node.c - the configuration tree's nodes (cfg_tree.h): maps with a
 * key index, sequences, deep copies and merging of layers. */
#include "cfg_tree.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cfg_node *cfg_node_new(cfg_kind kind, const cfg_src *src, int line)
{
    cfg_node *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->src = src;
    n->line = line;
    return n;
}

void cfg_node_free(cfg_node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys) free(n->keys[i]);
        cfg_node_free(n->kids[i]);
    }
    free(n->keys);
    free(n->kids);
    free(n->text);
    free(n->origin);
    free(n->resolved);
    free(n->reals);
    free(n->ints);
    free(n->strs);
    free(n->hidx);
    free(n);
}

cfg_node *cfg_node_copy(const cfg_node *n)
{
    cfg_node *c = cfg_node_new(n->kind, n->src, n->line);
    if (!c) return NULL;
    c->quoted = n->quoted;
    c->flow = n->flow;
    if (n->text && !(c->text = strdup(n->text))) goto oom;
    for (size_t i = 0; i < n->n; i++) {
        cfg_node *k = cfg_node_copy(n->kids[i]);
        if (!k) goto oom;
        if (n->kind == CFG_MAP ? cfg_map_add(c, n->keys[i], k) : cfg_seq_add(c, k)) goto oom;
    }
    return c;
oom:
    cfg_node_free(c);
    return NULL;
}

static int grow(cfg_node *n)
{
    if (n->n < n->cap) return 0;
    size_t cap = n->cap ? 2 * n->cap : 8;
    cfg_node **kids = realloc(n->kids, cap * sizeof *kids);
    if (!kids) return -1;
    n->kids = kids;
    if (n->kind == CFG_MAP) {
        char **keys = realloc(n->keys, cap * sizeof *keys);
        if (!keys) return -1;
        n->keys = keys;
    }
    n->cap = cap;
    return 0;
}

/* ---- key index: open addressing over FNV-1a, for maps past HASH_MIN keys
 * (a file of many keys would otherwise cost O(n^2) duplicate checks) ---- */

#define HASH_MIN 16

static size_t key_hash(const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) h = (h ^ *p) * 1099511628211ull;
    return (size_t)h;
}

static void hash_put(cfg_node *m, size_t i)
{
    size_t s = key_hash(m->keys[i]) & (m->hcap - 1);
    while (m->hidx[s]) s = (s + 1) & (m->hcap - 1);
    m->hidx[s] = i + 1;
}

/* (Re)builds M's index, at most a quarter full (linear lookups when out of
 * memory). */
static void hash_build(cfg_node *m)
{
    size_t cap = 64;
    while (cap < 4 * m->n) cap *= 2;
    free(m->hidx);
    m->hidx = calloc(cap, sizeof *m->hidx);
    m->hcap = m->hidx ? cap : 0;
    for (size_t i = 0; m->hidx && i < m->n; i++) hash_put(m, i);
}

int cfg_map_add(cfg_node *m, const char *key, cfg_node *kid)
{
    char *k = strdup(key);
    if (!k || grow(m)) {
        free(k);
        cfg_node_free(kid);
        return -1;
    }
    m->keys[m->n] = k;
    m->kids[m->n++] = kid;
    /* built here, never in a lookup, so lookups stay read-only */
    if (m->hidx && 2 * m->n < m->hcap) hash_put(m, m->n - 1);
    else if (m->n > HASH_MIN) hash_build(m);
    return 0;
}

int cfg_seq_add(cfg_node *s, cfg_node *kid)
{
    if (grow(s)) {
        cfg_node_free(kid);
        return -1;
    }
    s->kids[s->n++] = kid;
    return 0;
}

long cfg_map_find(const cfg_node *m, const char *key)
{
    if (!m || m->kind != CFG_MAP) return -1;
    if (m->hidx) {
        for (size_t s = key_hash(key) & (m->hcap - 1); m->hidx[s]; s = (s + 1) & (m->hcap - 1))
            if (!strcmp(m->keys[m->hidx[s] - 1], key)) return (long)(m->hidx[s] - 1);
        return -1;
    }
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->keys[i], key)) return (long)i;
    return -1;
}

cfg_node *cfg_map_get(const cfg_node *m, const char *key)
{
    long i = cfg_map_find(m, key);
    return i < 0 ? NULL : m->kids[i];
}

cfg_node *cfg_map_take(cfg_node *m, const char *key)
{
    long i = cfg_map_find(m, key);
    if (i < 0) return NULL;
    cfg_node *kid = m->kids[i];
    free(m->keys[i]);
    memmove(m->keys + i, m->keys + i + 1, (m->n - (size_t)i - 1) * sizeof *m->keys);
    memmove(m->kids + i, m->kids + i + 1, (m->n - (size_t)i - 1) * sizeof *m->kids);
    m->n--;
    free(m->hidx);   /* indices moved */
    m->hidx = NULL;
    m->hcap = 0;
    if (m->n > HASH_MIN) hash_build(m);
    return kid;
}

void cfg_merge(cfg_node *dst, cfg_node *src, const char *prefix, cfg_drop_fn drop, void *ctx)
{
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < src->n; i++) {
        cfg_node *s = src->kids[i];
        long j = cfg_map_find(dst, src->keys[i]);
        src->kids[i] = NULL;
        if (j < 0) {
            if (cfg_map_add(dst, src->keys[i], s)) {
                /* out of memory: the key is lost, nothing leaks */
            }
            continue;
        }
        char *path = malloc(plen + strlen(src->keys[i]) + 2);
        if (path) sprintf(path, "%s%s%s", prefix, plen ? "." : "", src->keys[i]);
        /* a distribution is one value: a new one replaces the old whole
         * (merging {type: normal, mean, sd} into a beta's {a, b} is nonsense) */
        if (dst->kids[j]->kind == CFG_MAP && s->kind == CFG_MAP && strcmp(src->keys[i], "dist")) {
            cfg_merge(dst->kids[j], s, path ? path : "", drop, ctx);
        } else {
            if (drop && path) drop(ctx, path, dst->kids[j]);
            else cfg_node_free(dst->kids[j]);
            dst->kids[j] = s;   /* the key keeps its first position */
        }
        free(path);
    }
    cfg_node_free(src);
}

const char *cfg_origin(cfg_node *n)
{
    if (!n->origin) {
        size_t len = strlen(n->src->name) + 24;
        n->origin = malloc(len);
        if (!n->origin) return n->src->name;
        if (n->src->lines) snprintf(n->origin, len, "%s:%d", n->src->name, n->line);
        else snprintf(n->origin, len, "%s", n->src->name);
    }
    return n->origin;
}

