/* cfg_tree.h - the YAML tree behind os_cfg (private to
 * sim/cfg_*.c).  Every node remembers the file and line that set it. */
#ifndef OS_CFG_TREE_H
#define OS_CFG_TREE_H

#include <stddef.h>

#include "err.h"

typedef struct cfg_src {
    char *name;  /* file name as shown in messages ("--set", "(default)") */
    char *dir;   /* absolute directory relative paths resolve against     */
    int lines;   /* 0: messages show only the name (no ":LINE")           */
} cfg_src;

typedef enum { CFG_SCALAR, CFG_SEQ, CFG_MAP } cfg_kind;

typedef struct cfg_node {
    cfg_kind kind;
    int quoted;            /* scalar was quoted: always a string      */
    int flow;              /* map written in flow style {a: 1}        */
    int line;
    const cfg_src *src;
    char *text;            /* scalar text                             */
    size_t n, cap;
    char **keys;           /* map keys (NULL for sequences)           */
    struct cfg_node **kids;
    /* caches filled by validation / accessors */
    char *origin;          /* "file:line"                             */
    char *resolved;        /* OS_P_PATH: absolute path                */
    double *reals;         /* list caches                             */
    long *ints;
    const char **strs;     /* string-list cache (points at kids' text) */
    size_t *hidx, hcap;    /* map key index (slot: kid index + 1), built
                              for large maps so lookups stay O(1)      */
} cfg_node;

cfg_node *cfg_node_new(cfg_kind kind, const cfg_src *src, int line);
void cfg_node_free(cfg_node *n);
/* Deep copy of N (caches not copied); NULL when out of memory. */
cfg_node *cfg_node_copy(const cfg_node *n);
/* Adds (KEY, KID) to map M; takes ownership of both (KEY is copied). */
int cfg_map_add(cfg_node *m, const char *key, cfg_node *kid);
int cfg_seq_add(cfg_node *s, cfg_node *kid);
/* Index of KEY in map M or -1. */
long cfg_map_find(const cfg_node *m, const char *key);
cfg_node *cfg_map_get(const cfg_node *m, const char *key);
/* Removes KEY from M and returns its node (caller owns) or NULL. */
cfg_node *cfg_map_take(cfg_node *m, const char *key);
/* Called with each value a merge replaces (its dotted PATH; takes OLD). */
typedef void (*cfg_drop_fn)(void *ctx, const char *path, cfg_node *old);

/* Merges SRC into DST (both maps), consuming SRC: maps merge key by key,
 * anything else (and a `dist` map) replaces.  Replaced values go to DROP (freed when NULL);
 * PREFIX is the dotted path of DST ("" at the top). */
void cfg_merge(cfg_node *dst, cfg_node *src, const char *prefix, cfg_drop_fn drop, void *ctx);

/* Parses TEXT (LEN bytes) as one YAML document into *OUT (NULL when the
 * document is empty).  Errors name SRC and the line. */
int cfg_parse(cfg_node **out, const char *text, size_t len, const cfg_src *src,
              os_err *err);

/* Appends the block-style YAML of map ROOT to a malloc'd string. */
char *cfg_emit(const cfg_node *root);

/* "name:line" (or "name") of N, cached in N. */
const char *cfg_origin(cfg_node *n);

/* Checks that N is a number (an integer when IS_INT) within SPEC's bounds
 * (SPEC may be NULL) and returns it in *OUT (may be NULL); errors name N's
 * origin and PATH.  In cfg_scalar.c. */
struct os_param_spec;
int cfg_check_number(const cfg_node *n, const char *path, const struct os_param_spec *s,
                     int is_int, double *out, os_err *err);

/* Parses dist map N of numeric parameter PATH (spec S, may be NULL) into
 * *OUT and checks it against S's bounds.  In cfg_dist.c. */
struct os_dist;
int cfg_parse_dist(cfg_node *n, const char *path, const struct os_param_spec *s,
                   struct os_dist *out, os_err *err);

#endif
