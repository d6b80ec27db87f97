/* cmd_info.c - `osteosim info OUT.h5`: what an output file holds. */
#include "cmd_info.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "h5check.h"
#include "h5check_output.h"

static const char *const usage_info =
    "usage: osteosim info OUT.h5 [--verbose]\n"
    "\n"
    "Prints the scenario, years, agents, arms, seed and the groups of an output\n"
    "file with their sizes.  --verbose (-v) adds the version, the creation time\n"
    "and every dataset with its length and type.\n";

static int attr_num(hid_t obj, const char *name, double *v)
{
    return os_h5c_attr_num(obj, name, v);
}

static char *attr_str(hid_t obj, const char *name)
{
    char *s;
    os_h5c_attr_str(obj, name, &s);
    return s;
}

/* Opens PATH if it is an osteosim output (h5check_output.h). */
static hid_t open_output(const char *path, os_err *err)
{
    hid_t f = os_out_open(path, err);
    if (f >= 0 && os_out_check(f, path, err)) {
        H5Fclose(f);
        f = -1;
    }
    return f;
}

/* Reads a whole 1-D dataset (shape checked by os_out_check) as doubles;
 * returns its length or 0. */
static size_t read_col(hid_t f, const char *path, double **out)
{
    *out = NULL;
    if (H5Lexists(f, "summary", H5P_DEFAULT) <= 0 || H5Lexists(f, path, H5P_DEFAULT) <= 0) return 0;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    double *v = n > 0 ? malloc((size_t)n * sizeof *v) : NULL;
    if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        v = NULL;
    }
    H5Sclose(sp);
    H5Dclose(d);
    *out = v;
    return v ? (size_t)n : 0;
}

/* "float64", "uint8", "string" ... of dataset D. */
static const char *type_of(hid_t d, char *buf, size_t n)
{
    hid_t t = H5Dget_type(d);
    H5T_class_t cls = H5Tget_class(t);
    int sgn = cls == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_2;
    os_h5c_type_name(cls, H5Tget_size(t), sgn, buf, n);
    if (cls == H5T_STRING && H5Tis_variable_str(t) <= 0)
        snprintf(buf, n, "string%zu", H5Tget_size(t));  /* fixed length */
    H5Tclose(t);
    return buf;
}

/* --verbose: every dataset with its length and type. */
static herr_t visit(hid_t obj, const char *name, const H5O_info_t *info, void *ctx)
{
    FILE *out = ctx;
    if (info->type != H5O_TYPE_DATASET) return 0;
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    char type[32];
    fprintf(out, "  /%-40s %10lld x %s\n", name, (long long)n, type_of(d, type, sizeof type));
    H5Sclose(sp);
    H5Dclose(d);
    return 0;
}

/* What one top-level group holds: its tables' rows and columns, its
 * subgroups, and the bytes stored under it. */
typedef struct group_size {
    long long rows;      /* of the group's first dataset, -1 if none */
    int cols, subgroups;
    char names[160];     /* the first subgroups' names */
    double bytes;
} group_size;

static herr_t count_obj(hid_t obj, const char *name, const H5O_info_t *info, void *ctx)
{
    group_size *g = ctx;
    int direct = strchr(name, '/') == NULL && strcmp(name, ".") != 0;
    if (info->type == H5O_TYPE_GROUP && direct) {
        size_t l = strlen(g->names);
        if (g->subgroups < 6 && l + strlen(name) + 2 < sizeof g->names)
            snprintf(g->names + l, sizeof g->names - l, "%s%s", l ? " " : "", name);
        else if (g->subgroups == 6 && l + 5 < sizeof g->names)
            snprintf(g->names + l, sizeof g->names - l, " ...");
        g->subgroups++;
    }
    if (info->type != H5O_TYPE_DATASET) return 0;
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    if (d < 0) return 0;
    g->bytes += (double)H5Dget_storage_size(d);
    if (direct) {
        hid_t sp = H5Dget_space(d);
        if (g->rows < 0) g->rows = (long long)H5Sget_simple_extent_npoints(sp);
        g->cols++;
        H5Sclose(sp);
    }
    H5Dclose(d);
    return 0;
}

static const char *human(double b, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int k = 0;
    while (b >= 1024 && k < 4) { b /= 1024; k++; }
    snprintf(buf, n, k ? "%.1f %s" : "%.0f %s", b, unit[k]);
    return buf;
}

/* One line per top-level group. */
static void print_groups(hid_t f, FILE *out)
{
    char **names = NULL;
    int n = os_h5c_links(f, &names);
    fprintf(out, "groups:\n");
    for (int i = 0; i < n; i++) {
        if (!os_h5c_is_group(f, names[i])) continue;
        hid_t g = H5Gopen2(f, names[i], H5P_DEFAULT);
        group_size s = {.rows = -1};
        if (g >= 0) H5Ovisit(g, H5_INDEX_NAME, H5_ITER_INC, count_obj, &s);
        if (g >= 0) H5Gclose(g);
        char what[300] = "", size[32];
        if (s.cols) snprintf(what, sizeof what, "%lld rows x %d columns", s.rows, s.cols);
        if (s.subgroups)
            snprintf(what + strlen(what), sizeof what - strlen(what), "%s%d subgroup%s: %s", s.cols ? "; " : "",
                     s.subgroups, s.subgroups > 1 ? "s" : "", s.names);
        fprintf(out, "  /%-18s %-56s %10s\n", names[i], what, human(s.bytes, size, sizeof size));
    }
    if (n > 0) os_h5c_links_free(names, n);
    hsize_t bytes = 0;
    char size[32];
    if (H5Fget_filesize(f, &bytes) >= 0) fprintf(out, "file size:       %s\n", human((double)bytes, size, sizeof size));
}

int os_info_print(const char *path, FILE *out, int verbose, os_err *err)
{
    hid_t f = open_output(path, err);
    if (f < 0) return err ? err->code : OS_ECONFIG;
    char *version = attr_str(f, "osteosim_version");
    char *commit = attr_str(f, "git_commit"), *created = attr_str(f, "created");
    char *scenario = attr_str(f, "scenario"), *kernel = attr_str(f, "rng_kernel");
    double y0 = 0, y1 = 0, bpa = 0, ay = 0, wall = 0;
    uint64_t seed = 0;
    if (os_h5c_attr_u64(f, "seed", &seed)) {   /* files before unsigned seeds: int64 */
        long long s = 0;
        os_h5c_attr_int(f, "seed", &s);
        seed = (uint64_t)s;
    }
    attr_num(f, "start_year", &y0);
    attr_num(f, "end_year", &y1);
    attr_num(f, "bytes_per_agent", &bpa);
    attr_num(f, "agent_years", &ay);
    attr_num(f, "wall_seconds", &wall);
    fprintf(out, "file:            %s\n", path);
    fprintf(out, "scenario:        %s\n", scenario ? scenario : "?");
    fprintf(out, "years:           %.0f-%.0f\n", y0, y1);

    double *year = NULL, *arm = NULL, *agents = NULL, *pop = NULL;
    size_t n = read_col(f, "summary/year", &year);
    read_col(f, "summary/arm", &arm);
    read_col(f, "summary/agents", &agents);
    read_col(f, "summary/population", &pop);
    double a0 = 0, p0 = 0;
    int narms = 0;
    for (size_t i = 0; i < n && arm && agents && pop; i++) {
        if ((int)arm[i] + 1 > narms) narms = (int)arm[i] + 1;
        if (year[i] == y0 && arm[i] == 0) { a0 += agents[i]; p0 += pop[i]; }
    }
    fprintf(out, "agents:          %.0f at the start, representing %.0f persons\n", a0, p0);
    char *labels = NULL;
    if (H5Lexists(f, "summary", H5P_DEFAULT) > 0 && H5Lexists(f, "summary/arm", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(f, "summary/arm", H5P_DEFAULT);
        labels = attr_str(d, "labels");
        H5Dclose(d);
    }
    fprintf(out, "arms:            %d (%s)\n", narms, labels ? labels : "?");
    fprintf(out, "seed:            %llu\n", (unsigned long long)seed);
    if (verbose) {
        fprintf(out, "osteosim:        %s (commit %s)\n", version, commit ? commit : "?");
        fprintf(out, "created:         %s\n", created ? created : "?");
        if (kernel) fprintf(out, "rng kernel:      %s (batched random streams)\n", kernel);
        fprintf(out, "bytes per agent: %.0f (population store)\n", bpa);
    }
    if (wall > 0) fprintf(out, "run:             %.4g agent-years in %.3g s (%.3g agent-years/s)\n", ay, wall, ay / wall);
    print_groups(f, out);
    if (verbose) {
        fprintf(out, "datasets:\n");
        H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, visit, out);
    } else {
        fprintf(out, "(osteosim info --verbose: version, every dataset with its type)\n");
    }
    free(year); free(arm); free(agents); free(pop); free(labels);
    free(version); free(commit); free(created); free(scenario); free(kernel);
    H5Fclose(f);
    return 0;
}

char *os_info_config(const char *path, os_err *err)
{
    hid_t f = open_output(path, err);
    if (f < 0) {
        /* --from: a file that cannot be read is an input error too. */
        if (err) err->code = OS_ECONFIG;
        return NULL;
    }
    char *text = attr_str(f, "config");
    H5Fclose(f);
    if (!text) os_fail(err, OS_ECONFIG, "%s: not an osteosim output (no config attribute)", path);
    return text;
}

int os_cmd_info(int argc, char **argv, os_cmd_err *e)
{
    const char *file = NULL;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage_info, stdout); return 0; }
        if (!strcmp(a, "--version")) return os_cmd_version();
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) { verbose = 1; continue; }
        if (a[0] == '-' || file)
            return os_cmd_fail(e, "info", OS_ECONFIG, "%s '%s' (see 'osteosim info --help')",
                               a[0] == '-' ? "unknown option" : "unexpected argument", a);
        file = a;
    }
    if (!file) return os_cmd_fail(e, "info", OS_ECONFIG, "missing OUT.h5 (see 'osteosim info --help')");
    if (os_info_print(file, stdout, verbose, &e->err)) return e->err.code ? e->err.code : OS_ERUN;
    return os_cmd_stdout(e, 0);
}
