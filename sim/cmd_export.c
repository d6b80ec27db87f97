/* cmd_export.c - `osteosim export`: an output group as CSV.
 *
 *   osteosim export OUT.h5 [--table NAME] [--csv FILE] [--wide | --format dampack]
 *
 * Long (tidy) by default (export_long.h): one value per row, codes as their
 * labels, units in a column.  --wide keeps the layout of the file, one CSV
 * column per dataset, numbers only (codes stay codes): a group whose columns
 * live in subgroups (/parameters/used|unused, /demography/...) becomes one
 * table with a leading `table` column naming the subgroup and the union of
 * all columns; cells of columns a subgroup lacks are empty.  --format
 * dampack writes the PSA matrices of R's dampack and BCEA (export_psa.h).
 *
 * NAME is any group path of the file (`cohort/2030`, `psa/ceac`); in long
 * form a group with datasets of its own is that one table, its subgroups
 * being tables of their own.  Lines end in "\n".  With --csv the file is
 * written under a temporary name and renamed when complete; the target is
 * checked first (h5out_path.h: a regular file or a new name, never the file
 * exported), and the first failed write ends the export with the OS error.
 */
#include "cmd_export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "export_long.h"
#include "export_psa.h"
#include "export_tab.h"
#include "h5out_path.h"

static const char *const usage_export =
    "usage: osteosim export OUT.h5 [--table NAME] [--csv FILE] [--wide]\n"
    "       osteosim export OUT.h5 --table psa --format dampack --csv PREFIX\n"
    "\n"
    "Writes one group of an output file as CSV to FILE or standard output.\n"
    "By default the table is long (tidy): one value per row, with the\n"
    "identifying columns (year, arm, sex, age band, draw, ...; codes as their\n"
    "labels), then variable, value and units (and statistic for quantile\n"
    "tables: mean, p2_5, p50, p97_5).  NAME is a group of the file:\n"
    "  summary            the projection table /summary (default)\n"
    "  summary_quantiles  per-row mean and quantiles over replicates\n"
    "  totals             national totals per year and sex over replicates:\n"
    "                     mean, p2_5, p50, p97_5 (/summary_totals/quantiles)\n"
    "  summary_totals     each replicate's national totals\n"
    "  economics, economics/thresholds, economics/subgroups, economics_lifetime\n"
    "  psa, psa/parameters, psa/ceac, psa/evpi, ... (each /psa or /dsa table)\n"
    "  events, cohort/YEAR, parameters, demography (when the run wrote them)\n"
    "Options:\n"
    "  --wide             the file's layout: one column per dataset, codes as\n"
    "                     numbers, subgroups stacked under a `table` column\n"
    "  --long             the default\n"
    "  --format dampack   with --table psa: PREFIX_cost.csv and\n"
    "                     PREFIX_effectiveness.csv (a row per draw, a column\n"
    "                     per arm: discounted totals) and PREFIX_parameters.csv\n"
    "                     (a row per draw), for dampack::make_psa_obj and\n"
    "                     BCEA::bcea (docs/reading-outputs.md)\n"
    "Numbers read back exactly; strings are quoted per RFC 4180.  Exit codes\n"
    "0 ok, 1 I/O error or group absent, 2 usage or a file that is not a valid\n"
    "output.\n";

/* Groups an output may hold; another NAME must exist in the file. */
static const char *const table_names[] = {
    "summary", "parameters", "demography", "economics", "economics_lifetime", "psa", "dsa",
    "summary_quantiles", "summary_totals", "totals", "events", "cohort", "lifetime"};

typedef struct opts {
    const char *file, *table, *csv, *format;
    int wide;
} opts;

/* Identifying columns go first in the wide layout, in this order; the rest
 * follow in file (name) order. */
static const char *const lead_cols[] = {
    "year", "arm", "sex", "age_lo", "age_hi", "age", "key", "value", "unit", "source", "origin"};

static int name_rank(const char *name)
{
    size_t n = sizeof lead_cols / sizeof lead_cols[0];
    for (size_t k = 0; k < n; k++)
        if (strcmp(name, lead_cols[k]) == 0) return (int)k;
    return (int)n;
}

static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int rx = name_rank(x), ry = name_rank(y);
    return rx != ry ? rx - ry : strcmp(x, y);
}

/* Wide rows of table T under the header NAMES[0..nn). */
static int write_wide_rows(FILE *out, const os_xp_table *t, const char **names, size_t nn, int tagged)
{
    const os_xp_col **map = calloc(nn ? nn : 1, sizeof *map);
    if (!map) return ENOMEM;
    for (size_t q = 0; q < nn; q++) map[q] = os_xp_find(t, names[q]);
    int e = 0;
    for (size_t r = 0; r < t->c[0].n && !e; r++) {
        if (tagged) os_xp_put_str(out, t->path);
        for (size_t q = 0; q < nn && !e; q++) {
            if (tagged || q) fputc(',', out);
            if (map[q]) os_xp_put_cell(out, map[q], r);
            e = os_xp_status(out);
        }
        if (!e && fputc('\n', out) == EOF) e = errno ? errno : EIO;
        if (!e) e = os_xp_status(out);
    }
    free(map);
    return e;
}

/* Writes the tables as CSV: the union of their column names as header.
 * Returns 0, or the errno of the first failed write (it stops there). */
static int write_wide(FILE *out, const void *ctx)
{
    const os_xp_tables *ts = ctx;
    size_t total = 0, nonempty = 0;
    for (size_t k = 0; k < ts->n; k++) {
        total += ts->t[k].nc;
        nonempty += ts->t[k].nc > 0;
    }
    const char **names = calloc(total ? total : 1, sizeof *names);
    size_t nn = 0;
    for (size_t k = 0; names && k < ts->n; k++)
        for (size_t j = 0; j < ts->t[k].nc; j++) {
            size_t q = 0;
            while (q < nn && strcmp(names[q], ts->t[k].c[j].name) != 0) q++;
            if (q == nn) names[nn++] = ts->t[k].c[j].name;
        }
    if (!names) return ENOMEM;
    qsort(names, nn, sizeof *names, cmp_names);
    /* One table at the group itself needs no `table` column. */
    int tagged = !(nonempty == 1 && ts->t[0].nc > 0);
    if (tagged) fputs("table", out);
    for (size_t q = 0; q < nn; q++) {
        if (tagged || q) fputc(',', out);
        os_xp_put_str(out, names[q]);
    }
    fputc('\n', out);
    int e = os_xp_status(out);
    for (size_t k = 0; k < ts->n && !e; k++)
        if (ts->t[k].nc) e = write_wide_rows(out, &ts->t[k], names, nn, tagged);
    free(names);
    return e;
}

static int known_table(const char *t)
{
    size_t n = strcspn(t, "/");
    for (size_t k = 0; k < sizeof table_names / sizeof table_names[0]; k++)
        if (strlen(table_names[k]) == n && strncmp(t, table_names[k], n) == 0) return 1;
    return 0;
}

static int usage_fail(os_cmd_err *e, const char *fmt, const char *a)
{
    return os_cmd_fail(e, "export", OS_ECONFIG, fmt, a);
}

/* Fills O from ARGV: 0 to proceed, -1 when --help or --version was handled,
 * else the exit code of a usage error. */
static int parse_args(int argc, char **argv, opts *o, os_cmd_err *e)
{
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_export, stdout);
            return -1;
        }
        if (strcmp(a, "--version") == 0) {
            os_cmd_version();
            return -1;
        }
        if (strcmp(a, "--table") == 0 || strcmp(a, "--csv") == 0 || strcmp(a, "--format") == 0) {
            if (k + 1 >= argc) return usage_fail(e, "%s needs a value (see 'osteosim export --help')", a);
            *(a[2] == 't' ? &o->table : a[2] == 'c' ? &o->csv : &o->format) = argv[++k];
        } else if (strcmp(a, "--wide") == 0 || strcmp(a, "--long") == 0) {
            o->wide = a[2] == 'w';
        } else if (a[0] == '-' && a[1]) {
            return usage_fail(e, "unknown option '%s' (see 'osteosim export --help')", a);
        } else if (!o->file) {
            o->file = a;
        } else {
            return usage_fail(e, "unexpected argument '%s'", a);
        }
    }
    if (!o->file) return usage_fail(e, "missing OUT.h5%s", " (see 'osteosim export --help')");
    const char *t = o->table;
    if (!*t || t[0] == '/' || strstr(t, "..") || strstr(t, "//") || t[strlen(t) - 1] == '/')
        return usage_fail(e, "bad table name '%s'", t);
    if (o->format && strcmp(o->format, "dampack") != 0)
        return usage_fail(e, "unknown --format '%s' (dampack)", o->format);
    if (o->format && (strcmp(t, "psa") != 0 || !o->csv))
        return usage_fail(e, "--format %s needs --table psa and --csv PREFIX", o->format);
    if (o->format && o->wide) return usage_fail(e, "--format %s and --wide exclude each other", o->format);
    return OS_OK;
}

static int export_table(const opts *o, os_err *err)
{
    const char *group = strcmp(o->table, "totals") == 0 ? "summary_totals/quantiles" : o->table;
    os_xp_tables ts = {0};
    char *target = NULL;
    int rc = o->csv ? os_outpath_resolve(o->csv, "--csv", &target, err) : 0;
    if (!rc && o->csv) rc = os_outpath_not_input(target, o->file, "the file exported", err);
    if (!rc && o->csv) os_outpath_sweep(target);
    if (!rc) {
        rc = os_xp_load(o->file, group, o->wide ? 0 : OS_XP_DIRECT, &ts, err);
        /* A name that is neither an output group nor in the file is a typo. */
        if (rc == OS_ERUN && !known_table(o->table) && strncmp(err->msg, "no /", 4) == 0)
            rc = os_fail(err, OS_ECONFIG, "unknown table '%s' (see 'osteosim export --help')", o->table);
    }
    if (!rc) rc = os_xp_write_to(target, o->wide ? write_wide : os_xp_write_long, &ts, err);
    free(target);
    os_xp_free(&ts);
    return rc;
}

int os_cmd_export(int argc, char **argv, os_cmd_err *e)
{
    opts o = {NULL, "summary", NULL, NULL, 0};
    int rc = parse_args(argc, argv, &o, e);
    if (rc) return rc < 0 ? OS_OK : rc;
    rc = o.format ? os_xp_write_dampack(o.file, o.csv, &e->err) : export_table(&o, &e->err);
    if (rc) e->scope = "export";  /* "osteosim export: LINE" */
    return rc;
}
