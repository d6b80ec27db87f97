#include "ckpt_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_valid.h"
#include "h5check.h"
#include "h5copy.h"
#include "h5io.h"
#include "par.h"

/* Under MPI with K > 1 ranks a checkpoint is K files: PATH, written by
 * rank 0 (with the configuration, the summary and the per-agent output so
 * far), and PATH.rankR holding rank R's population.  Resuming needs the
 * same K, since each rank reloads its own part (docs/hpc.md). */
static void part_path(const char *path, char *buf, size_t n)
{
    if (os_par_rank() == 0) snprintf(buf, n, "%s", path);
    else snprintf(buf, n, "%s.rank%d", path, os_par_rank());
}

void os_ckpt_remove(const char *path)
{
    char part[4200];
    part_path(path, part, sizeof part);
    remove(part);
}

/* The steps of a checkpoint write return 0 or -1: the first failure is
 * reported once, with the OS error (write_failed). */
static hid_t new_group(hid_t f, const char *name)
{
    return H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

/* Dataset NAME of G and the checksum resuming verifies (ckpt_valid.h). */
static int put_dset(hid_t g, const char *name, hid_t type, const void *data, size_t n,
                    const char *units, const char *description, int level)
{
    if (os_h5_write_1d(g, name, type, data, n, units, description, level, NULL)) return -1;
    return os_ckpt_put_sum(g, name, data, n * H5Tget_size(type)) ? -1 : 0;
}

static int put_attrs(hid_t f, const os_cfg *cfg, const char *output, const os_ckpt_state *st,
                     const os_pop *pop)
{
    char *yaml = os_cfg_dump(cfg);
    int bad = (yaml == NULL)
              | os_h5_attr_str(f, "format", OS_CKPT_FORMAT)
              | os_h5_attr_i64(f, "format_version", OS_CKPT_VERSION)
              | os_h5_attr_str(f, "config", yaml ? yaml : "")
              | os_h5_attr_str(f, "output", output ? output : "")
              | os_h5_attr_i64(f, "next_year", st->next_year)
              | os_h5_attr_i64(f, "next_id", st->next_id)
              | os_h5_attr_i64(f, "arm", st->arm)
              | os_h5_attr_i64(f, "agents", (long long)pop->n)
              | os_h5_attr_i64(f, "ranks", os_par_size())
              | (st->psa_draw > 0 && os_h5_attr_i64(f, "psa_draw", st->psa_draw))
              | (st->posterior_file && os_h5_attr_str(f, "posterior_file", st->posterior_file))
              | (st->posterior_hash && os_h5_attr_str(f, "posterior_hash", st->posterior_hash));
    free(yaml);
    return bad ? -1 : 0;
}

static int put_pop(hid_t f, const os_pop *pop)
{
    hid_t g = new_group(f, "pop");
    int rc = g < 0 ? -1 : 0;
    for (int c = 0; c < pop->ncols && !rc; c++) {
        const os_column *col = &pop->cols[c];
        rc = put_dset(g, col->name, os_h5_coltype(col->type), col->data, pop->n, col->units,
                      NULL, 1);
    }
    if (g >= 0 && H5Gclose(g) < 0) rc = -1;
    return rc;
}

/* Id blocks of the population (pop.h): needed to place rows under MPI. */
static int put_blocks(hid_t f, const os_pop *pop)
{
    hid_t g = new_group(f, "blocks");
    int rc = g < 0 ? -1 : 0;
    if (!rc) rc = put_dset(g, "lo", H5T_NATIVE_UINT32, pop->blk_lo, pop->nblk, "1",
                           "first id of this process's part of each id block", 0);
    if (!rc) rc = put_dset(g, "hi", H5T_NATIVE_UINT32, pop->blk_hi, pop->nblk, "1",
                           "end (exclusive) of this process's part of each id block", 0);
    if (g >= 0 && H5Gclose(g) < 0) rc = -1;
    return rc;
}

static int put_summary(hid_t f, const os_summary *s)
{
    hid_t g = new_group(f, "summary");
    int rc = g < 0 ? -1 : 0;
    const int32_t *keys[] = {s->year, s->arm, s->sex, s->age_lo, s->age_hi};
    static const char *const names[] = {"year", "arm", "sex", "age_lo", "age_hi"};
    for (int k = 0; k < 5 && !rc; k++)
        rc = put_dset(g, names[k], H5T_NATIVE_INT32, keys[k], s->nrows, NULL, NULL, 0);
    if (!rc) rc = put_dset(g, "values", H5T_NATIVE_DOUBLE, s->values, s->nrows * (size_t)s->ncols,
                           NULL, NULL, 0);
    if (!rc && os_h5_attr_i64(g, "ncols", s->ncols)) rc = -1;
    if (g >= 0 && H5Gclose(g) < 0) rc = -1;
    return rc;
}

static int put_carry(hid_t f, const os_carry *carry)
{
    hid_t g = new_group(f, "carry");
    int rc = g < 0 ? -1 : 0;
    for (int i = 0; carry && i < carry->n && !rc; i++)
        rc = put_dset(g, carry->name[i], H5T_NATIVE_UINT8, carry->data[i], carry->size[i], NULL,
                      NULL, 0);
    if (g >= 0 && H5Gclose(g) < 0) rc = -1;
    return rc;
}

/* /cohort and /events of FROM (when present) into TO, object by object
 * (h5copy.h: H5Ocopy crashes on a full disk).  PATH (N bytes) names the
 * object that failed, or is "". */
static int copy_groups(hid_t from, hid_t to, char *path, size_t n)
{
    static const char *const groups[] = {"cohort", "events"};
    path[0] = 0;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        htri_t there = H5Lexists(from, groups[i], H5P_DEFAULT);
        if (there < 0 || (there > 0 && os_h5copy(from, groups[i], to, path, n))) return -1;
    }
    return 0;
}

/* The per-agent output so far, flushed first so the copy is current.
 * WHERE (N bytes, the caller's) holds the name of an object that failed. */
static int put_output(hid_t f, hid_t of, const char **what, char *where, size_t n)
{
    *what = "(flushing the output)";
    if (H5Fflush(of, H5F_SCOPE_LOCAL) < 0) return -1;
    *what = "/output";
    hid_t dst = new_group(f, "output");
    char path[1024] = "";
    int rc = dst < 0 ? -1 : copy_groups(of, dst, path, sizeof path);
    if (dst >= 0 && H5Gclose(dst) < 0) rc = -1;
    if (rc && path[0]) {
        snprintf(where, n, "/output%s", path);
        *what = where;
    }
    return rc;
}

/* One line for the first failure: the file the OS refused (the output,
 * when its flush failed), else checkpoint part PATH, at step WHAT. */
static int write_failed(os_err *err, const char *path, const char *what)
{
    char buf[4200];
    const char *t = os_h5io_target(buf, sizeof buf);
    if (t && strcmp(t, path) != 0)
        return os_fail(err, OS_ERUN, "%s: cannot write: %s", t, os_h5io_reason(""));
    return os_fail(err, OS_ERUN, "%s: cannot write checkpoint %s: %s", path, what,
                   os_h5io_reason("HDF5 error"));
}

/* Writes the whole checkpoint into open file F; returns 0, or -1 with
 * *WHAT naming the step that failed. */
static int put_all(hid_t f, const os_cfg *cfg, const char *output, const os_ckpt_state *st,
                   const os_pop *pop, const os_summary *s, hid_t of, const os_carry *carry,
                   const char **what, char *where, size_t n)
{
    *what = "attributes";
    if (put_attrs(f, cfg, output, st, pop) || os_h5io_errno()) return -1;
    *what = "/pop";
    if (put_pop(f, pop) || os_h5io_errno()) return -1;
    *what = "/blocks";
    if (put_blocks(f, pop) || os_h5io_errno()) return -1;
    *what = "/summary";
    if (put_summary(f, s) || os_h5io_errno()) return -1;
    *what = "/carry";
    if (put_carry(f, carry) || os_h5io_errno()) return -1;
    if (of >= 0 && (put_output(f, of, what, where, n) || os_h5io_errno())) return -1;
    return 0;
}

/* Creates, writes and closes temporary file TMP of part PATH. */
static int write_part(const char *path, const char *tmp, const os_cfg *cfg, const char *output,
                      const os_ckpt_state *st, const os_pop *pop, const os_summary *s,
                      os_h5out *out, const os_carry *carry, os_err *err)
{
    hid_t f = os_h5io_create(tmp);  /* failed writes: h5io.h */
    if (f < 0) {
        remove(tmp);
        return write_failed(err, path, "(creating it)");
    }
    /* MPI: collective; only rank 0's handle holds /cohort and /events. */
    hid_t of = out ? os_h5out_file(out) : H5I_INVALID_HID;
    const char *what = "";
    char where[1100];  /* what, when it names an object of /output */
    int rc = OS_OK;
    if (out && of < 0) rc = os_fail(err, OS_ERUN, "checkpoint: cannot reopen the output");
    else if (put_all(f, cfg, output, st, pop, s, of, carry, &what, where, sizeof where))
        rc = write_failed(err, path, what);
    if (os_h5io_close(f, tmp, !rc) && !rc) rc = write_failed(err, path, "(closing it)");
    /* Durable before it replaces the previous checkpoint. */
    int e = rc ? 0 : os_h5io_sync(tmp);
    if (e) rc = os_fail(err, OS_ERUN, "%s: cannot write checkpoint: %s", path, strerror(e));
    return rc;
}

int os_ckpt_write(const char *path, const os_cfg *cfg, const char *output,
                  const os_ckpt_state *st, const os_pop *pop,
                  const os_summary *s, os_h5out *out, const os_carry *carry,
                  os_err *err)
{
    /* The output's background snapshot writer may be inside HDF5. */
    if (out && os_h5out_wait(out, err)) return OS_ERUN;
    char part[4200];
    part_path(path, part, sizeof part);
    const char *final = path;
    path = part;
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp) return os_fail(err, OS_ERUN, "out of memory");
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    int rc = write_part(path, tmp, cfg, output, st, pop, s, out, carry, err);
    /* MPI: all parts complete, or none replaces the previous checkpoint;
     * rank 0's part goes last, so a complete PATH means complete parts. */
    if (os_par_max_int(rc != 0) && !rc)
        rc = os_fail(err, OS_ERUN, "%s: another rank could not write its checkpoint part", final);
    if (!rc && os_par_rank() != 0 && rename(tmp, path) != 0)
        rc = os_fail(err, OS_ERUN, "%s: cannot rename checkpoint into place: %s", path, strerror(errno));
    if (os_par_max_int(rc != 0) && !rc)
        rc = os_fail(err, OS_ERUN, "%s: another rank could not write its checkpoint part", final);
    if (!rc && os_par_rank() == 0 && rename(tmp, path) != 0)
        rc = os_fail(err, OS_ERUN, "%s: cannot rename checkpoint into place: %s", path, strerror(errno));
    if (rc) remove(tmp);
    free(tmp);
    return rc;
}

int os_ckpt_peek(const char *path, char **config, char **output, os_err *err)
{
    hid_t f = os_ckpt_open(path, err);
    if (f < 0) return OS_ECONFIG;
    os_h5c_attr_str(f, "config", config);
    os_h5c_attr_str(f, "output", output);
    H5Fclose(f);
    if (!*config || !*output) {
        free(*config);
        free(*output);
        return os_fail(err, OS_ECONFIG, "%s: corrupt checkpoint: attribute config or output is "
                       "missing or not a string", path);
    }
    return OS_OK;
}

int os_ckpt_peek_psa(const char *path, int *draw, char **file, char **hash, os_err *err)
{
    *draw = 0;
    *file = *hash = NULL;
    hid_t f = os_ckpt_open(path, err);
    if (f < 0) return OS_ECONFIG;
    long long k = 0;
    int rc = OS_OK;
    if (H5Aexists(f, "psa_draw") > 0 && os_ckpt_attr(f, "psa_draw", 1, 1000000, &k, path, err)) rc = OS_ECONFIG;
    *draw = (int)k;
    int a = rc ? 0 : os_h5c_attr_str(f, "posterior_file", file), b = rc ? 0 : os_h5c_attr_str(f, "posterior_hash", hash);
    H5Fclose(f);
    if (!rc && (a != OS_H5C_ABSENT || b != OS_H5C_ABSENT) && (a || b))
        rc = os_fail(err, OS_ECONFIG, "%s: corrupt checkpoint: attribute posterior_file or posterior_hash", path);
    if (rc) {
        free(*file);
        free(*hash);
        *file = *hash = NULL;
    }
    return rc;
}

int os_ckpt_peek_arm(const char *path, int *arm, os_err *err)
{
    hid_t f = os_ckpt_open(path, err);
    if (f < 0) return OS_ECONFIG;
    long long a = 0;
    int rc = os_ckpt_attr(f, "arm", 0, OS_MAX_ARMS - 1, &a, path, err) ? OS_ECONFIG : OS_OK;
    *arm = (int)a;
    H5Fclose(f);
    return rc;
}

/* Reads dataset GROUP/NAME (shape already checked) and verifies its
 * checksum. */
static int load_1d(hid_t loc, const char *group, const char *name, hid_t type, void *buf,
                   size_t n, const char *path, os_err *err)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    herr_t st = d < 0 ? -1 : n ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
    if (d >= 0) H5Dclose(d);
    if (st < 0) return os_ckpt_corrupt(err, path, "dataset /%s/%s cannot be read", group, name);
    return os_ckpt_verify_sum(loc, group, name, buf, n * H5Tget_size(type), path, err);
}

static int open_group(hid_t f, const char *name, hid_t *g, const char *path, os_err *err)
{
    *g = os_h5c_is_group(f, name) ? H5Gopen2(f, name, H5P_DEFAULT) : -1;
    return *g < 0 ? os_ckpt_corrupt(err, path, "group /%s is missing", name) : OS_OK;
}

/* The population columns: the model's set, each of agents rows and of
 * its column's type, checked before any row is allocated. */
static int read_pop(hid_t f, os_pop *pop, size_t n, const char *path, os_err *err)
{
    hid_t g;
    int grc = open_group(f, "pop", &g, path, err);
    if (grc) return grc;
    size_t rows, first;
    int rc = OS_OK;
    for (int c = 0; c < pop->ncols && !rc; c++)
        rc = os_ckpt_shape(g, "pop", pop->cols[c].name, os_h5_coltype(pop->cols[c].type), n,
                           "attribute agents", &rows, path, err);
    char **names;
    int nl = os_h5c_links(g, &names);
    if (!rc && nl != pop->ncols)
        rc = os_ckpt_corrupt(err, path, "/pop holds %d datasets, but this model has %d columns",
                             nl, pop->ncols);
    if (nl > 0) os_h5c_links_free(names, nl);
    if (!rc) rc = os_pop_append(pop, n, &first, err);
    for (int c = 0; c < pop->ncols && !rc; c++)
        rc = load_1d(g, "pop", pop->cols[c].name, os_h5_coltype(pop->cols[c].type),
                     pop->cols[c].data, n, path, err);
    H5Gclose(g);
    return rc;
}

/* Id blocks; a checkpoint without them is from one process, which held
 * every id below next_id. */
static int read_blocks(hid_t f, os_pop *pop, uint32_t next_id, const char *path, os_err *err)
{
    if (H5Lexists(f, "blocks", H5P_DEFAULT) <= 0) return os_pop_add_block(pop, 0, next_id, err);
    hid_t g;
    int grc = open_group(f, "blocks", &g, path, err);
    if (grc) return grc;
    size_t nb = 0;
    int rc = os_ckpt_shape(g, "blocks", "lo", H5T_NATIVE_UINT32, SIZE_MAX, NULL, &nb, path, err);
    if (!rc) rc = os_ckpt_shape(g, "blocks", "hi", H5T_NATIVE_UINT32, nb, "as /blocks/lo", &nb, path, err);
    for (size_t b = 0; b < nb && !rc; b++) rc = os_pop_add_block(pop, 0, 0, err);
    if (!rc) rc = load_1d(g, "blocks", "lo", H5T_NATIVE_UINT32, pop->blk_lo, nb, path, err);
    if (!rc) rc = load_1d(g, "blocks", "hi", H5T_NATIVE_UINT32, pop->blk_hi, nb, path, err);
    H5Gclose(g);
    return rc;
}

static int read_summary(hid_t f, os_summary *s, const char *path, os_err *err)
{
    hid_t g;
    int grc = open_group(f, "summary", &g, path, err);
    if (grc) return grc;
    long long ncols = 0;
    int rc = os_ckpt_attr(g, "ncols", 0, OS_MAX_SUMMARY_COLS, &ncols, path, err);
    if (!rc && ncols != s->ncols)
        rc = os_fail(err, OS_ECONFIG, "%s: checkpoint summary does not match this model "
                     "(%lld columns, this model %d)", path, ncols, s->ncols);
    static const char *const names[] = {"year", "arm", "sex", "age_lo", "age_hi"};
    size_t rows = 0, nv;
    for (int k = 0; k < 5 && !rc; k++)
        rc = os_ckpt_shape(g, "summary", names[k], H5T_NATIVE_INT32, k ? rows : SIZE_MAX,
                           "as /summary/year", &rows, path, err);
    if (!rc) rc = os_ckpt_shape(g, "summary", "values", H5T_NATIVE_DOUBLE, rows * (size_t)s->ncols,
                                "rows x ncols", &nv, path, err);
    if (!rc) {
        size_t m = rows ? rows : 1;
        s->year = malloc(m * sizeof *s->year);
        s->arm = malloc(m * sizeof *s->arm);
        s->sex = malloc(m * sizeof *s->sex);
        s->age_lo = malloc(m * sizeof *s->age_lo);
        s->age_hi = malloc(m * sizeof *s->age_hi);
        s->values = malloc(m * (size_t)(s->ncols ? s->ncols : 1) * sizeof *s->values);
        if (!s->year || !s->arm || !s->sex || !s->age_lo || !s->age_hi || !s->values)
            rc = os_fail(err, OS_ERUN, "out of memory (checkpoint summary)");
        s->nrows = rows;
    }
    int32_t *keys[] = {s->year, s->arm, s->sex, s->age_lo, s->age_hi};
    for (int k = 0; k < 5 && !rc; k++)
        rc = load_1d(g, "summary", names[k], H5T_NATIVE_INT32, keys[k], rows, path, err);
    if (!rc) rc = load_1d(g, "summary", "values", H5T_NATIVE_DOUBLE, s->values, nv, path, err);
    if (!rc) rc = os_ckpt_check_summary(s->sex, s->values, rows, s->ncols, path, err);
    H5Gclose(g);
    return rc;
}

/* Restores the carried blocks (names and sizes as saved). */
static int read_carry(hid_t f, os_carry *carry, const char *path, os_err *err)
{
    if (H5Lexists(f, "carry", H5P_DEFAULT) <= 0) return OS_OK;
    hid_t g;
    int grc = open_group(f, "carry", &g, path, err);
    if (grc) return grc;
    char **names;
    int nl = os_h5c_links(g, &names), rc = OS_OK;
    if (nl < 0 || nl > OS_MAX_CARRY)
        rc = os_ckpt_corrupt(err, path, "group /carry holds %d blocks, at most %d", nl, OS_MAX_CARRY);
    for (int i = 0; i < nl && !rc; i++) {
        size_t n;
        if (strlen(names[i]) >= sizeof carry->name[0]) {
            rc = os_ckpt_corrupt(err, path, "/carry/%.40s: name too long", names[i]);
            break;
        }
        if ((rc = os_ckpt_shape(g, "carry", names[i], H5T_NATIVE_UINT8, SIZE_MAX, NULL, &n, path, err)))
            break;
        void *data = calloc(1, n ? n : 1);
        if (!data) {
            rc = os_fail(err, OS_ERUN, "out of memory");
            break;
        }
        strcpy(carry->name[carry->n], names[i]);
        carry->size[carry->n] = n;
        carry->data[carry->n++] = data;
        rc = load_1d(g, "carry", names[i], H5T_NATIVE_UINT8, data, n, path, err);
    }
    if (nl > 0) os_h5c_links_free(names, nl);
    H5Gclose(g);
    return rc;
}

/* The saved per-agent output into the new output file OF (h5copy.h). */
static int restore_output(hid_t f, hid_t of, const char *path, os_err *err)
{
    if (of < 0) return os_fail(err, OS_ERUN, "cannot reopen the output");
    hid_t src = H5Gopen2(f, "output", H5P_DEFAULT);
    char what[1024] = "";
    int rc = src < 0 || copy_groups(src, of, what, sizeof what) ? -1 : 0;
    if (src >= 0) H5Gclose(src);
    if (!rc) return OS_OK;
    /* A full output disk is named by cmd_run.c from the recorded errno. */
    char buf[4200];
    if (os_h5io_target(buf, sizeof buf))
        return os_fail(err, OS_ERUN, "%s: cannot write: %s", buf, os_h5io_reason(""));
    return os_fail(err, OS_ERUN, "%s: cannot copy /output%s into the output", path, what);
}

int os_ckpt_read(const char *path, os_ckpt_state *st, os_pop *pop,
                 os_summary *s, os_h5out *out, os_carry *carry, os_err *err)
{
    /* The output's background snapshot writer may be inside HDF5. */
    if (out && os_h5out_wait(out, err)) return OS_ERUN;
    /* The number of processes that wrote it, from rank 0's part: every rank
     * reads the same value, so a mismatch is one agreed error. */
    hid_t f = os_ckpt_open(path, err);
    if (f < 0) return OS_ECONFIG;
    long long ranks = 1;
    os_h5c_attr_int(f, "ranks", &ranks);
    H5Fclose(f);
    if (ranks != os_par_size())
        return os_fail(err, OS_ECONFIG, "%s: checkpoint written by %lld process%s; resume it with "
                       "the same number (mpirun -np %lld)", path, ranks, ranks == 1 ? "" : "es", ranks);
    char part[4200];
    part_path(path, part, sizeof part);
    path = part;
    f = os_ckpt_open(path, err);
    if (f < 0) {
        /* Only this rank may lack its part: a failure that ends them all. */
        if (err && os_par_size() > 1) err->code = OS_ERUN;
        return err ? err->code : OS_ERUN;
    }
    long long ny = 0, nid = 0, arm = 0, n = 0;
    int rc = os_ckpt_attr(f, "next_year", 0, 1000000, &ny, path, err);
    if (!rc) rc = os_ckpt_attr(f, "next_id", 0, UINT32_MAX, &nid, path, err);
    if (!rc) rc = os_ckpt_attr(f, "arm", 0, OS_MAX_ARMS - 1, &arm, path, err);
    if (!rc) rc = os_ckpt_attr(f, "agents", 0, nid, &n, path, err);
    st->next_year = (int)ny;
    st->next_id = (uint32_t)nid;
    st->arm = (int)arm;

    if (!rc) rc = read_pop(f, pop, (size_t)n, path, err);
    if (!rc) rc = read_blocks(f, pop, st->next_id, path, err);
    if (!rc) rc = os_ckpt_check_pop(pop, st->next_id, path, err);
    /* Parts of one checkpoint agree on the year (a crash between two
     * parts' renames would leave them from different years). */
    if (!rc && os_par_max_int(st->next_year) != -os_par_max_int(-st->next_year))
        rc = os_fail(err, OS_ERUN, "%s: checkpoint parts are from different years", path);
    if (!rc) rc = read_summary(f, s, path, err);
    if (!rc) {
        os_carry_free(carry);
        rc = read_carry(f, carry, path, err);
    }
    /* MPI: collective; rank 0's part holds the output so far, and the
     * other ranks' copies go to their discarded files. */
    hid_t of = out ? os_h5out_file(out) : H5I_INVALID_HID;
    if (!rc && out && H5Lexists(f, "output", H5P_DEFAULT) > 0) rc = os_ckpt_check_output(f, path, err);
    if (!rc && out && H5Lexists(f, "output", H5P_DEFAULT) > 0) rc = restore_output(f, of, path, err);
    if (out) os_h5out_reattach(out);
    H5Fclose(f);
    return rc;
}
