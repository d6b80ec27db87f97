/* cfg_impl.h - the os_cfg object shared by the sim/cfg_*.c files that
 * implement config.h (private to them).  One job per file: cfg_load.c
 * (files, includes), cfg_set.c (--set, in-place updates), cfg_declare.c
 * (specs, user-named entries), cfg_check.c (validation), cfg_scalar.c
 * (key lookup, scalar syntax), cfg_get.c (typed accessors). */
#ifndef OS_CFG_IMPL_H
#define OS_CFG_IMPL_H

#include <stddef.h>

#include "cfg_tree.h"
#include "config.h"

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

/* cfg_load.c */
char *cfg_cwd_dup(void);
/* Adds a source named NAME (takes DIR, freed on failure). */
cfg_src *cfg_add_src(os_cfg *cfg, const char *name, char *dir, int lines);
/* cfg_drop_fn: keeps a value that a later layer overrides (CTX: the cfg). */
void cfg_keep_overridden(void *ctx, const char *path, cfg_node *old);

/* cfg_set.c */
int cfg_valid_key_path(const char *k, size_t n);
/* Parses VALUE (YAML scalar or flow sequence) for key KEY. */
int cfg_parse_value(os_cfg *cfg, cfg_src *src, const char *key, const char *value,
                    cfg_node **out, os_err *err);
/* Puts V at dotted KEY of the tree (takes V), creating maps on the way. */
int cfg_put_at(os_cfg *cfg, const char *key, cfg_node *v, const cfg_src *src, os_err *err);
int cfg_apply_sets(os_cfg *cfg, const char *const *sets, int nsets, os_err *err);

/* cfg_declare.c */
cfg_entry *cfg_find_ent(const os_cfg *cfg, const char *key);

/* cfg_scalar.c */
/* The node at dotted KEY below M, or NULL (with DEEPEST: the deepest node
 * on the way). */
cfg_node *cfg_tree_find(const cfg_node *m, const char *key, int deepest);
cfg_node *cfg_tree_get(const cfg_node *m, const char *key);
int cfg_is_null(const cfg_node *n);
int cfg_number_syntax(const char *t);
int cfg_integer_syntax(const char *t);
int cfg_bool_text(const char *t, int *v);
const char *cfg_kind_name(const cfg_node *n);
/* OS_P_PATH: absolute path of scalar N (cached in N), or NULL. */
char *cfg_resolve_path(cfg_node *n);
long cfg_int_value(const char *t, double v);

/* cfg_get.c */
/* The node of KEY (the value of a long-form map), marking it used; *WHOLE
 * (may be NULL) gets the node as written. */
cfg_node *cfg_value_of(const os_cfg *cfg, const char *key, cfg_node **whole);
/* Reads value node N (NULL: absent) of spec S into the member at P (os_field). */
void cfg_read_value(cfg_node *n, const os_param_spec *s, os_ftype t, void *p);

/* cfg_check.c */
/* Fills N's list caches, checking each element against S. */
int cfg_fill_list(cfg_node *n, const char *path, const os_param_spec *s, int is_int, os_err *err);
/* Checks value N of key PATH against spec S (long forms included). */
int cfg_check_value(cfg_node *n, const char *path, const os_param_spec *s, os_err *err);

#endif
