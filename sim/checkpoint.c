#include "checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5io.h"
#include "par.h"

#define OS_CKPT_FORMAT "osteosim-checkpoint-1"

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

/* Id blocks of the population (pop.h): needed to place rows under MPI. */
static int write_blocks(hid_t f, const os_pop *pop, os_err *err)
{
    hid_t g = H5Gcreate2(f, "blocks", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "checkpoint: cannot create /blocks");
    int rc = os_h5_write_1d(g, "lo", H5T_NATIVE_UINT32, pop->blk_lo, pop->nblk, "1",
                            "first id of this process's part of each id block", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "hi", H5T_NATIVE_UINT32, pop->blk_hi, pop->nblk, "1",
                                 "end (exclusive) of this process's part of each id block", 0, err);
    H5Gclose(g);
    return rc;
}

static int read_attr_ll(hid_t obj, const char *name, long long *v)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    herr_t st = H5Aread(a, H5T_NATIVE_LLONG, v);
    H5Aclose(a);
    return st < 0 ? -1 : 0;
}

static int copy_groups(hid_t from, hid_t to, os_err *err)
{
    static const char *const groups[] = {"cohort", "events"};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (H5Lexists(from, groups[i], H5P_DEFAULT) > 0 &&
            H5Ocopy(from, groups[i], to, groups[i], H5P_DEFAULT, H5P_DEFAULT) < 0)
            return os_fail(err, OS_ERUN, "checkpoint: cannot copy /%s", groups[i]);
    return OS_OK;
}

int os_ckpt_write(const char *path, const os_cfg *cfg, const char *output,
                  const os_ckpt_state *st, const os_pop *pop,
                  const os_summary *s, os_h5out *out, const os_carry *carry,
                  os_err *err)
{
    char part[4200];
    part_path(path, part, sizeof part);
    const char *final = path;
    path = part;
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp) return os_fail(err, OS_ERUN, "out of memory");
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    hid_t f = os_h5io_create(tmp);  /* failed writes: h5io.h */
    if (f < 0) {
        remove(tmp);
        free(tmp);
        return os_fail(err, OS_ERUN, "%s: cannot create checkpoint", path);
    }
    char *yaml = os_cfg_dump(cfg);
    int rc = (os_h5_attr_str(f, "format", OS_CKPT_FORMAT)
              | os_h5_attr_str(f, "config", yaml ? yaml : "")
              | os_h5_attr_str(f, "output", output ? output : "")
              | os_h5_attr_i64(f, "next_year", st->next_year)
              | os_h5_attr_i64(f, "next_id", st->next_id)
              | os_h5_attr_i64(f, "arm", st->arm)
              | os_h5_attr_i64(f, "agents", (long long)pop->n)
              | os_h5_attr_i64(f, "ranks", os_par_size()))
                 ? os_fail(err, OS_ERUN, "%s: cannot write checkpoint attributes", path) : OS_OK;
    free(yaml);

    hid_t g = rc ? -1 : H5Gcreate2(f, "pop", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    for (int c = 0; c < pop->ncols && !rc; c++)
        rc = os_h5_write_1d(g, pop->cols[c].name, os_h5_coltype(pop->cols[c].type), pop->cols[c].data,
                            pop->n, pop->cols[c].units, NULL, 1, err);
    if (g >= 0) H5Gclose(g);
    if (!rc) rc = write_blocks(f, pop, err);

    if (!rc) {
        g = H5Gcreate2(f, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const int32_t *keys[] = {s->year, s->arm, s->sex, s->age_lo, s->age_hi};
        static const char *const names[] = {"year", "arm", "sex", "age_lo", "age_hi"};
        for (int k = 0; k < 5 && !rc; k++)
            rc = os_h5_write_1d(g, names[k], H5T_NATIVE_INT32, keys[k], s->nrows, NULL, NULL, 0, err);
        if (!rc)
            rc = os_h5_write_1d(g, "values", H5T_NATIVE_DOUBLE, s->values,
                                s->nrows * (size_t)s->ncols, NULL, NULL, 0, err);
        if (!rc && os_h5_attr_i64(g, "ncols", s->ncols))
            rc = os_fail(err, OS_ERUN, "%s: cannot write checkpoint summary", path);
        H5Gclose(g);
    }

    if (!rc) {
        g = H5Gcreate2(f, "carry", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        for (int i = 0; carry && i < carry->n && !rc; i++)
            rc = os_h5_write_1d(g, carry->name[i], H5T_NATIVE_UINT8, carry->data[i], carry->size[i],
                                NULL, NULL, 0, err);
        H5Gclose(g);
    }

    /* MPI: collective; only rank 0's handle holds /cohort and /events. */
    hid_t of = out ? os_h5out_file(out) : H5I_INVALID_HID;
    if (!rc && out && of < 0) rc = os_fail(err, OS_ERUN, "checkpoint: cannot reopen the output");
    if (!rc && out) {
        H5Fflush(of, H5F_SCOPE_LOCAL);
        hid_t dst = H5Gcreate2(f, "output", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        rc = copy_groups(of, dst, err);
        H5Gclose(dst);
    }
    if (os_h5io_close(f, tmp, !rc) && !rc) rc = os_fail(err, OS_ERUN, "%s: cannot close checkpoint", path);
    /* MPI: all parts complete, or none replaces the previous checkpoint;
     * rank 0's part goes last, so a complete PATH means complete parts. */
    if (os_par_max_int(rc != 0) && !rc)
        rc = os_fail(err, OS_ERUN, "%s: another rank could not write its checkpoint part", final);
    if (!rc && os_par_rank() != 0 && rename(tmp, path) != 0)
        rc = os_fail(err, OS_ERUN, "%s: cannot rename checkpoint into place", path);
    if (os_par_max_int(rc != 0) && !rc)
        rc = os_fail(err, OS_ERUN, "%s: another rank could not write its checkpoint part", final);
    if (!rc && os_par_rank() == 0 && rename(tmp, path) != 0)
        rc = os_fail(err, OS_ERUN, "%s: cannot rename checkpoint into place", path);
    if (rc) remove(tmp);
    free(tmp);
    return rc;
}

static hid_t open_ckpt(const char *path, os_err *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0) {
        os_fail(err, OS_ECONFIG, "%s: not a checkpoint file (missing or not HDF5)", path);
        return -1;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    char *fmt = f < 0 ? NULL : os_h5_attr_read_str(f, "format");
    if (!fmt || strcmp(fmt, OS_CKPT_FORMAT) != 0) {
        free(fmt);
        if (f >= 0) H5Fclose(f);
        os_fail(err, OS_ECONFIG, "%s: not an osteosim checkpoint (format attribute)", path);
        return -1;
    }
    free(fmt);
    return f;
}

int os_ckpt_peek(const char *path, char **config, char **output, os_err *err)
{
    hid_t f = open_ckpt(path, err);
    if (f < 0) return OS_ECONFIG;
    *config = os_h5_attr_read_str(f, "config");
    *output = os_h5_attr_read_str(f, "output");
    H5Fclose(f);
    if (!*config || !*output) {
        free(*config);
        free(*output);
        return os_fail(err, OS_ECONFIG, "%s: checkpoint lacks its configuration", path);
    }
    return OS_OK;
}

static int read_1d(hid_t loc, const char *name, hid_t type, void *buf, size_t n,
                   const char *path, os_err *err)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return os_fail(err, OS_ERUN, "%s: checkpoint lacks dataset '%s'", path, name);
    hid_t sp = H5Dget_space(d);
    hssize_t len = H5Sget_simple_extent_npoints(sp);
    herr_t st = (size_t)len != n ? -1
              : (n ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0);
    H5Sclose(sp);
    H5Dclose(d);
    if (st < 0) return os_fail(err, OS_ERUN, "%s: cannot read checkpoint dataset '%s'", path, name);
    return OS_OK;
}

int os_ckpt_peek_arm(const char *path, int *arm, os_err *err)
{
    hid_t f = open_ckpt(path, err);
    if (f < 0) return OS_ECONFIG;
    long long a = 0;
    int rc = read_attr_ll(f, "arm", &a) ? os_fail(err, OS_ECONFIG, "%s: checkpoint lacks its arm", path)
                                        : OS_OK;
    *arm = (int)a;
    H5Fclose(f);
    return rc;
}

/* Restores the carried blocks (names and sizes as saved). */
static int read_carry(hid_t f, os_carry *carry, const char *path, os_err *err)
{
    if (H5Lexists(f, "carry", H5P_DEFAULT) <= 0) return OS_OK;
    hid_t g = H5Gopen2(f, "carry", H5P_DEFAULT);
    hsize_t nobj = 0;
    H5Gget_num_objs(g, &nobj);
    int rc = OS_OK;
    for (hsize_t i = 0; i < nobj && !rc; i++) {
        char name[32];
        if (H5Gget_objname_by_idx(g, i, name, sizeof name) <= 0 || carry->n == OS_MAX_CARRY) {
            rc = os_fail(err, OS_ERUN, "%s: bad /carry in checkpoint", path);
            break;
        }
        hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
        hid_t sp = H5Dget_space(d);
        size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        H5Dclose(d);
        void *data = calloc(1, n ? n : 1);
        if (!data) {
            rc = os_fail(err, OS_ERUN, "out of memory");
            break;
        }
        rc = read_1d(g, name, H5T_NATIVE_UINT8, data, n, path, err);
        strcpy(carry->name[carry->n], name);
        carry->size[carry->n] = n;
        carry->data[carry->n++] = data;
    }
    H5Gclose(g);
    return rc;
}

int os_ckpt_read(const char *path, os_ckpt_state *st, os_pop *pop,
                 os_summary *s, os_h5out *out, os_carry *carry, os_err *err)
{
    /* The number of processes that wrote it, from rank 0's part: every rank
     * reads the same value, so a mismatch is one agreed error. */
    hid_t f = open_ckpt(path, err);
    if (f < 0) return OS_ECONFIG;
    long long ranks = 1;
    read_attr_ll(f, "ranks", &ranks);
    H5Fclose(f);
    if (ranks != os_par_size())
        return os_fail(err, OS_ECONFIG, "%s: checkpoint written by %lld process%s; resume it with "
                       "the same number (mpirun -np %lld)", path, ranks, ranks == 1 ? "" : "es", ranks);
    char part[4200];
    part_path(path, part, sizeof part);
    path = part;
    f = open_ckpt(path, err);
    if (f < 0) return OS_ERUN;  /* only this rank may lack its part */
    long long ny = 0, nid = 0, arm = 0, n = 0, ncols = 0;
    int rc = (read_attr_ll(f, "next_year", &ny) | read_attr_ll(f, "next_id", &nid)
              | read_attr_ll(f, "arm", &arm) | read_attr_ll(f, "agents", &n))
                 ? os_fail(err, OS_ERUN, "%s: checkpoint attributes missing", path) : OS_OK;
    st->next_year = (int)ny;
    st->next_id = (uint32_t)nid;
    st->arm = (int)arm;

    size_t first;
    if (!rc) rc = os_pop_append(pop, (size_t)n, &first, err);
    hid_t g = rc ? -1 : H5Gopen2(f, "pop", H5P_DEFAULT);
    if (!rc && g < 0) rc = os_fail(err, OS_ERUN, "%s: checkpoint lacks /pop", path);
    if (!rc) {
        hsize_t nobj = 0;
        H5Gget_num_objs(g, &nobj);
        if ((int)nobj != pop->ncols)
            rc = os_fail(err, OS_ECONFIG, "%s: checkpoint has %d population columns, this model %d",
                         path, (int)nobj, pop->ncols);
    }
    for (int c = 0; c < pop->ncols && !rc; c++)
        rc = read_1d(g, pop->cols[c].name, os_h5_coltype(pop->cols[c].type), pop->cols[c].data,
                     (size_t)n, path, err);
    if (g >= 0) H5Gclose(g);

    /* Id blocks; a checkpoint without them is from one process, which
     * held every id below next_id. */
    if (!rc && H5Lexists(f, "blocks", H5P_DEFAULT) > 0) {
        g = H5Gopen2(f, "blocks", H5P_DEFAULT);
        hid_t d = H5Dopen2(g, "lo", H5P_DEFAULT);
        hid_t sp = H5Dget_space(d);
        size_t nb = (size_t)H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        H5Dclose(d);
        for (size_t b = 0; b < nb && !rc; b++) rc = os_pop_add_block(pop, 0, 0, err);
        if (!rc) rc = read_1d(g, "lo", H5T_NATIVE_UINT32, pop->blk_lo, nb, path, err);
        if (!rc) rc = read_1d(g, "hi", H5T_NATIVE_UINT32, pop->blk_hi, nb, path, err);
        H5Gclose(g);
    } else if (!rc) {
        rc = os_pop_add_block(pop, 0, st->next_id, err);
    }
    /* Parts of one checkpoint agree on the year (a crash between two
     * parts' renames would leave them from different years). */
    if (!rc && os_par_max_int(st->next_year) != -os_par_max_int(-st->next_year))
        rc = os_fail(err, OS_ERUN, "%s: checkpoint parts are from different years", path);

    g = rc ? -1 : H5Gopen2(f, "summary", H5P_DEFAULT);
    if (!rc && (g < 0 || read_attr_ll(g, "ncols", &ncols) || ncols != s->ncols))
        rc = os_fail(err, OS_ECONFIG, "%s: checkpoint summary does not match this model", path);
    if (!rc) {
        hid_t d = H5Dopen2(g, "year", H5P_DEFAULT);
        hid_t sp = H5Dget_space(d);
        size_t rows = (size_t)H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        H5Dclose(d);
        s->year = malloc((rows ? rows : 1) * sizeof *s->year);
        s->arm = malloc((rows ? rows : 1) * sizeof *s->arm);
        s->sex = malloc((rows ? rows : 1) * sizeof *s->sex);
        s->age_lo = malloc((rows ? rows : 1) * sizeof *s->age_lo);
        s->age_hi = malloc((rows ? rows : 1) * sizeof *s->age_hi);
        s->values = malloc((rows ? rows : 1) * (size_t)s->ncols * sizeof *s->values);
        if (!s->year || !s->arm || !s->sex || !s->age_lo || !s->age_hi || !s->values)
            rc = os_fail(err, OS_ERUN, "out of memory (checkpoint summary)");
        s->nrows = rows;
        int32_t *keys[] = {s->year, s->arm, s->sex, s->age_lo, s->age_hi};
        static const char *const names[] = {"year", "arm", "sex", "age_lo", "age_hi"};
        for (int k = 0; k < 5 && !rc; k++)
            rc = read_1d(g, names[k], H5T_NATIVE_INT32, keys[k], rows, path, err);
        if (!rc)
            rc = read_1d(g, "values", H5T_NATIVE_DOUBLE, s->values, rows * (size_t)s->ncols, path, err);
    }
    if (g >= 0) H5Gclose(g);

    if (!rc) {
        os_carry_free(carry);
        rc = read_carry(f, carry, path, err);
    }
    /* MPI: collective; rank 0's part holds the output so far, and the
     * other ranks' copies go to their discarded files. */
    hid_t of = out ? os_h5out_file(out) : H5I_INVALID_HID;
    if (!rc && out && H5Lexists(f, "output", H5P_DEFAULT) > 0) {
        hid_t src = H5Gopen2(f, "output", H5P_DEFAULT);
        rc = of < 0 ? os_fail(err, OS_ERUN, "cannot reopen the output") : copy_groups(src, of, err);
        H5Gclose(src);
    }
    if (out) os_h5out_reattach(out);
    H5Fclose(f);
    return rc;
}
