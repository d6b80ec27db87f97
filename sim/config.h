/* config.h - layered, validated YAML configuration.
 *
 * A scenario file may `include:` other YAML files (a string or a list of
 * paths, relative to the including file).  Included files are merged first,
 * in order; the including file's own keys override them; `--set key=value`
 * overrides last.  Maps merge key by key; scalars and sequences replace.
 *
 * Every leaf the program accepts is declared by an os_param_spec (the engine
 * declares its own; each model module declares its parameters in its
 * os_module.params table).  os_cfg_validate() rejects unknown keys (with the
 * nearest valid key suggested), wrong types, out-of-range values and missing
 * required keys, each as ONE line: "FILE:LINE: key.path: message".
 *
 * A numeric parameter may be written in short form
 *     loss_rate: 0.01
 * or in long form, which carries its provenance and uncertainty:
 *     loss_rate:
 *       value: 0.01
 *       unit: 1/yr                 # must equal the spec's unit if given
 *       dist: {type: normal, mean: 0.01, sd: 0.002}
 *       source: "Melton 2000 JBMR 15:24"
 * dist types and their fields:
 *     fixed {}                      normal {mean, sd}
 *     lognormal {meanlog, sdlog}    gamma {shape, scale}
 *     beta {a, b}                   uniform {min, max}
 *     triangular {min, mode, max}
 *
 * Model code never reads the YAML tree: it asks for values by dotted key
 * after validation.  Science values have no defaults in C; they come from
 * configs/params/ YAML files with their sources.  Engine settings (output paths,
 * cohort years, threads) may carry a default in their spec.
 */
#ifndef OS_CONFIG_H
#define OS_CONFIG_H

#include <stddef.h>

#include "err.h"

typedef enum os_ptype {
    OS_P_REAL,      /* double                                    */
    OS_P_INT,       /* long                                      */
    OS_P_BOOL,      /* true/false                                */
    OS_P_STRING,    /* string; `choices` restricts it if set     */
    OS_P_REAL_LIST, /* sequence of numbers                       */
    OS_P_INT_LIST,  /* sequence of integers                      */
    OS_P_PATH,      /* string naming a file, resolved relative to
                       the YAML file that set it                 */
    OS_P_STR_LIST,  /* sequence of strings (e.g. an arm's programmes) */
    OS_P_ANY        /* subtree validated by its owner                */
} os_ptype;

typedef struct os_param_spec {
    const char *key;   /* full dotted path, e.g. "bone.loss.female"     */
    os_ptype type;
    const char *unit;  /* unit string for numbers ("1" dimensionless)   */
    double min, max;   /* inclusive validity bounds for numbers / list
                          elements; min > max means unbounded           */
    int required;      /* 1: must be present after merging              */
    const char *def;   /* default as YAML scalar text, or NULL; only for
                          engine settings, never for science values      */
    const char *choices; /* OS_P_STRING: "a|b|c" or NULL                */
    const char *description;
} os_param_spec;

/* Uncertainty distribution of a numeric parameter (for PSA). */
typedef enum os_dist_type {
    OS_DIST_NONE = 0, OS_DIST_FIXED, OS_DIST_NORMAL, OS_DIST_LOGNORMAL,
    OS_DIST_GAMMA, OS_DIST_BETA, OS_DIST_UNIFORM, OS_DIST_TRIANGULAR
} os_dist_type;

typedef struct os_dist {
    os_dist_type type;
    double p[3];       /* in the order of the field list above */
} os_dist;

typedef struct os_cfg os_cfg;

/* Loads PATH with its includes, then applies SETS ("a.b.c=value", YAML
 * scalar or flow sequence syntax for the value).  Does not validate. */
int os_cfg_load(os_cfg **out, const char *path, const char *const *sets,
                int nsets, os_err *err);

/* Same from YAML text already in memory (NAME is used in messages);
 * includes are resolved relative to BASE_DIR (may be NULL = cwd). */
int os_cfg_load_string(os_cfg **out, const char *text, const char *name,
                       const char *base_dir, const char *const *sets,
                       int nsets, os_err *err);

void os_cfg_free(os_cfg *cfg);

/* Checks the merged tree against SPECS (several tables may be passed by
 * calling os_cfg_declare first).  Declaring is cumulative. */
int os_cfg_declare(os_cfg *cfg, const os_param_spec *specs, size_t n,
                   os_err *err);
int os_cfg_validate(os_cfg *cfg, os_err *err);

/* Accessors, valid after validation.  KEY must be declared.  Missing
 * optional keys return the spec default (or 0 / NULL / false when none).
 * Each access marks the key as used (for provenance). */
double os_cfg_real(const os_cfg *cfg, const char *key);
long os_cfg_int(const os_cfg *cfg, const char *key);
int os_cfg_bool(const os_cfg *cfg, const char *key);
const char *os_cfg_str(const os_cfg *cfg, const char *key);
/* Absolute or cwd-relative path of an OS_P_PATH key, resolved against the
 * directory of the file that set it. */
const char *os_cfg_path(const os_cfg *cfg, const char *key);
/* Lists: returns element count; *vals points into cfg-owned storage. */
size_t os_cfg_real_list(const os_cfg *cfg, const char *key,
                        const double **vals);
size_t os_cfg_int_list(const os_cfg *cfg, const char *key,
                       const long **vals);
size_t os_cfg_str_list(const os_cfg *cfg, const char *key,
                       const char *const **vals);
int os_cfg_has(const os_cfg *cfg, const char *key);

/* ---- reading a parameter struct ----
 *
 * A module lists, next to its specs, where each key goes in its parameter
 * struct (os_field), and os_cfg_read fills the struct from the validated
 * configuration.  Defaults live only in the specs: a key absent without a
 * default reads as NAN (numbers), 0 (integers, booleans), NULL (strings) or
 * -1 (choices), which the module may take to mean "no limit". */
typedef enum os_ftype {
    OS_F_REAL,    /* double                                             */
    OS_F_FLOAT,   /* float, rounded from the double value               */
    OS_F_INT,     /* int                                                */
    OS_F_LONG,    /* long (a uint64 above 2^63 as in os_cfg_int)        */
    OS_F_BOOL,    /* int, 0 or 1                                        */
    OS_F_STR,     /* const char *, owned by the configuration           */
    OS_F_PATH,    /* const char *, resolved as os_cfg_path              */
    OS_F_CHOICE   /* int: index of the value in the spec's "a|b|c"      */
} os_ftype;

typedef struct os_field {
    const char *key;   /* declared key, after "PREFIX." when a prefix is given */
    size_t off;        /* offsetof the member in the struct               */
    os_ftype type;
} os_field;

#define OS_FIELD(key, type, member, ftype) {key, offsetof(type, member), ftype}

/* Fills the struct at BASE from the N fields of F, each read from key
 * "PREFIX.KEY" (just KEY when PREFIX is NULL or "").  Every key must be
 * declared; marks each used. */
int os_cfg_read(const os_cfg *cfg, const char *prefix, const os_field *f, size_t n, void *base,
                os_err *err);

/* ---- files of records ----
 *
 * An input file other than a scenario (calibration targets) is a map of
 * lists of records.  It is read by the scenario's YAML reader, and each
 * record is checked against its specs (keys relative to the record) the way
 * scenario keys are: unknown keys (the nearest valid one suggested), types,
 * bounds, choices, required keys, defaults.  Errors are one line
 * "FILE:LINE: LIST[I].KEY: problem".  Numbers take the short form only
 * (quoted or not). */
typedef struct os_rec_file os_rec_file;

int os_rec_load(os_rec_file **out, const char *path, os_err *err);
void os_rec_free(os_rec_file *f);
/* Every top-level key is one of KEYS ("a|b|c") and holds a list. */
int os_rec_check_top(const os_rec_file *f, const char *keys, os_err *err);
/* Top-level keys in file order, and the items of list K. */
size_t os_rec_nkeys(const os_rec_file *f);
const char *os_rec_key(const os_rec_file *f, size_t k);
size_t os_rec_nitems(const os_rec_file *f, size_t k);
/* Line of item I of list K, or of its FIELD (0 when absent). */
int os_rec_line(const os_rec_file *f, size_t k, size_t i, const char *field);
/* Item I of list K as a non-empty string; WHAT names it in the error. */
int os_rec_str(const os_rec_file *f, size_t k, size_t i, const char *what, const char **out,
               os_err *err);
/* Checks record I of list K against SPECS and fills the struct at BASE
 * through FIELDS (strings point into F). */
int os_rec_read(os_rec_file *f, size_t k, size_t i, const os_param_spec *specs, size_t nspecs,
                const os_field *fields, size_t nfields, void *base, os_err *err);
/* An integer-list FIELD of record I of list K, after os_rec_read. */
size_t os_rec_ints(const os_rec_file *f, size_t k, size_t i, const char *field, const long **vals);

/* ---- user-named entries (programmes, arms, adverse events) ----
 *
 * Some maps have keys the user chooses (programmes.<name>.*).  Their owner
 * lists the names with os_cfg_keys() before validation and declares the
 * entry's keys under each name with os_cfg_declare_under(), so the usual
 * validation (types, units, distributions, unknown keys) applies. */

/* Names of the children of map KEY in the merged tree, in file order
 * (declared or not); 0 if KEY is absent or not a map.  *NAMES points into
 * cfg-owned storage valid until the tree changes. */
size_t os_cfg_keys(const os_cfg *cfg, const char *key, const char *const **names);

/* Declares SPECS with their keys prefixed by "PREFIX."; the copies are owned
 * by CFG. */
int os_cfg_declare_under(os_cfg *cfg, const char *prefix,
                         const os_param_spec *specs, size_t n, os_err *err);

/* The candidate nearest to KEY (for "did you mean"), or NULL. */
const char *os_cfg_suggest(const char *key, const char *const *cands, size_t n);

/* Inheritance between entries of map GROUP: an entry with FIELD: other
 * starts as a copy of entry `other` (itself resolved first), and its own
 * keys override the copy's.  FIELD is removed.  Errors name file and line
 * (unknown entry, with the nearest name; cycles). */
int os_cfg_inherit(os_cfg *cfg, const char *group, const char *field,
                   os_err *err);

/* Provenance of a numeric parameter. */
const char *os_cfg_unit(const os_cfg *cfg, const char *key);
const char *os_cfg_source(const os_cfg *cfg, const char *key); /* or NULL */
os_dist os_cfg_dist(const os_cfg *cfg, const char *key);
/* "file:line" where KEY's value was set ("--set" for overrides). */
const char *os_cfg_origin(const os_cfg *cfg, const char *key);

/* Overrides a numeric value in place (used by calibration and PSA draws;
 * the dumped config then shows the new value). */
int os_cfg_set_real(os_cfg *cfg, const char *key, double value, os_err *err);

/* Visits every declared key in declaration order (for /parameters/used). */
typedef void (*os_cfg_visit_fn)(void *ctx, const os_param_spec *spec,
                                 int present, int used);
void os_cfg_visit(const os_cfg *cfg, os_cfg_visit_fn fn, void *ctx);

/* The fully resolved configuration as self-contained YAML text (includes
 * inlined, overrides applied, paths absolute).  Loading this text again
 * gives the same configuration.  Caller frees. */
char *os_cfg_dump(const os_cfg *cfg);

/* Calls FN for every file the configuration reads: the files it was loaded
 * from (the scenario, its includes) and the value of every present file-name
 * key (OS_P_PATH), with WHAT describing it, until FN returns non-zero (then
 * returned).  Marks no key used (provenance is unchanged). */
int os_cfg_each_file(const os_cfg *cfg,
                     int (*fn)(void *ctx, const char *path, const char *what), void *ctx);

#endif
