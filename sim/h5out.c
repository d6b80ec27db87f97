#include "h5out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#ifdef OS_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "engine.h"
#include "h5check.h"
#include "h5io.h"
#include "h5par.h"
#include "par.h"
#include "version.h"

/* Under MPI (os_par_active) the file has two modes.  Per-agent data
 * (/cohort, /events) is written in parallel mode: every rank has the file
 * open with MPI-IO and writes its rows collectively (h5par.h).  Everything
 * else is written in serial mode: rank 0 has the file open alone, and the
 * other ranks run the same writers into an in-memory file that is thrown
 * away, so writers need not know about ranks (and variable-length strings,
 * which parallel HDF5 cannot write, stay possible).  Switching is
 * collective; all ranks follow the same sequence of calls. */
struct os_h5out {
    hid_t file;             /* the handle writers use now            */
    char *path, *tmp;
    int level;              /* deflate level for per-agent data      */
    size_t ev_n;            /* rows in /events so far                */
    const char *const *arm_names;
    int narms;
    int par;                /* under MPI                              */
    int parallel;           /* now open with MPI-IO on every rank    */
    hid_t discard;          /* ranks > 0: the in-memory file         */
};

/* ---- small writers ---- */

int os_h5_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, t, &value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return st < 0 ? -1 : 0;
}

char *os_h5_attr_read_str(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    char *s = NULL;
    if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
        char *v = NULL;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5T_CSET_UTF8);
        if (H5Aread(a, mt, &v) >= 0 && v) {
            s = strdup(v);
            H5free_memory(v);
        }
        H5Tclose(mt);
    }
    H5Tclose(t);
    H5Aclose(a);
    return s;
}

static int attr_scalar(hid_t obj, const char *name, hid_t type, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, type, v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return st < 0 ? -1 : 0;
}

int os_h5_attr_i64(hid_t obj, const char *name, long long value)
{
    return attr_scalar(obj, name, H5T_NATIVE_LLONG, &value);
}

int os_h5_attr_f64(hid_t obj, const char *name, double value)
{
    return attr_scalar(obj, name, H5T_NATIVE_DOUBLE, &value);
}

/* Rows per chunk of compressed datasets: large enough to compress well,
 * small enough that a reader can take one age band without the rest. */
#define OS_H5_CHUNK_ROWS 65536

/* Deflate into the zlib format HDF5's deflate filter reads.  libdeflate
 * where available: about twice as fast as zlib at the same level, and the
 * snapshots' deflate was the largest cost of writing the output.  One
 * compressor per thread (os_deflater), reused for all its chunks. */
#ifdef OS_HAVE_LIBDEFLATE
typedef struct libdeflate_compressor os_deflater;
static os_deflater *deflater_new(int level) { return libdeflate_alloc_compressor(level); }
static void deflater_free(os_deflater *d) { libdeflate_free_compressor(d); }
static size_t deflate_bound(size_t len) { return libdeflate_zlib_compress_bound(NULL, len); }
static size_t deflate_buf(os_deflater *d, const unsigned char *src, size_t len, int level,
                          unsigned char *out, size_t outcap)
{
    (void)level;
    return d ? libdeflate_zlib_compress(d, src, len, out, outcap) : 0;
}
#else
typedef int os_deflater;   /* zlib keeps no state between calls */
static os_deflater zlib_tag;
static os_deflater *deflater_new(int level) { (void)level; return &zlib_tag; }
static void deflater_free(os_deflater *d) { (void)d; }
static size_t deflate_bound(size_t len) { return compressBound((uLong)len); }
static size_t deflate_buf(os_deflater *d, const unsigned char *src, size_t len, int level,
                          unsigned char *out, size_t outcap)
{
    (void)d;
    uLongf n = (uLongf)outcap;
    return compress2(out, &n, src, (uLong)len, level) == Z_OK ? (size_t)n : 0;
}
#endif

/* Filters one chunk as HDF5's pipeline would (shuffle, then deflate):
 * ELEMS elements of ES bytes from SRC (NVALID valid, the rest zero).
 * Returns the compressed size, or 0 on failure. */
static size_t filter_chunk(os_deflater *d, const unsigned char *src, size_t nvalid, size_t elems,
                           size_t es, int level, unsigned char *shuf, unsigned char *out,
                           size_t outcap)
{
    /* HDF5's shuffle: byte j of element i goes to j * elems + i; only the
     * rows past NVALID (last chunk) need zeroing. */
    for (size_t j = 0; j < es; j++) {
        for (size_t i = 0; i < nvalid; i++) shuf[j * elems + i] = src[i * es + j];
        memset(shuf + j * elems + nvalid, 0, elems - nvalid);
    }
    return deflate_buf(d, shuf, elems * es, level, out, outcap);
}

/* Compresses the chunks in parallel threads and writes them in order with
 * H5Dwrite_chunk: deflate was the serial bottleneck of cohort snapshots. */
static herr_t write_chunks_parallel(hid_t d, const void *data, size_t n, size_t es, int level)
{
    size_t nchunks = (n + OS_H5_CHUNK_ROWS - 1) / OS_H5_CHUNK_ROWS;
    size_t cap = deflate_bound(OS_H5_CHUNK_ROWS * es);
    unsigned char **out = calloc(nchunks, sizeof *out);
    size_t *len = calloc(nchunks, sizeof *len);
    int bad = !out || !len;
#pragma omp parallel if (!bad && nchunks > 1)
    {
        unsigned char *shuf = malloc(OS_H5_CHUNK_ROWS * es);
        os_deflater *dfl = deflater_new(level);
#pragma omp for schedule(dynamic, 1) reduction(| : bad)
        for (long k = 0; k < (long)nchunks; k++) {
            size_t first = (size_t)k * OS_H5_CHUNK_ROWS;
            size_t nvalid = n - first < OS_H5_CHUNK_ROWS ? n - first : OS_H5_CHUNK_ROWS;
            out[k] = malloc(cap);
            if (!shuf || !dfl || !out[k] ||
                !(len[k] = filter_chunk(dfl, (const unsigned char *)data + first * es, nvalid,
                                        OS_H5_CHUNK_ROWS, es, level, shuf, out[k], cap)))
                bad = 1;
        }
        free(shuf);
        deflater_free(dfl);
    }
    herr_t st = bad ? -1 : 0;
    for (size_t k = 0; k < nchunks && st >= 0; k++) {
        hsize_t off = (hsize_t)k * OS_H5_CHUNK_ROWS;
        st = H5Dwrite_chunk(d, H5P_DEFAULT, 0, &off, len[k], out[k]);
    }
    for (size_t k = 0; out && k < nchunks; k++) free(out[k]);
    free(out);
    free(len);
    return st;
}

int os_h5_write_1d(hid_t loc, const char *name, hid_t type, const void *data,
                   size_t n, const char *units, const char *description,
                   int level, os_err *err)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int chunked = level > 0 && n > 0;
    if (chunked) {
        hsize_t ch = n < OS_H5_CHUNK_ROWS ? n : OS_H5_CHUNK_ROWS;
        H5Pset_chunk(dcpl, 1, &ch);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, (unsigned)level);
    }
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    herr_t st;
    if (d < 0) st = -1;
    else if (n == 0) st = 0;
    else if (chunked && n > OS_H5_CHUNK_ROWS)
        st = write_chunks_parallel(d, data, n, H5Tget_size(type), level);
    else
        st = H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (d >= 0) {
        /* Writes cached by HDF5 may fail only now, at the close. */
        if (units && os_h5_attr_str(d, "units", units)) st = -1;
        if (description && os_h5_attr_str(d, "description", description)) st = -1;
        if (H5Dclose(d) < 0) st = -1;
    }
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (st < 0)
        return os_fail(err, OS_ERUN, "HDF5: cannot write dataset '%s': %s", name,
                       os_h5io_reason("HDF5 error"));
    return OS_OK;
}

/* ---- file life cycle ---- */

int os_h5out_open(os_h5out **out, const char *path, const os_cfg *cfg,
                  os_err *err)
{
    os_h5out *o = calloc(1, sizeof *o);
    if (!o) return os_fail(err, OS_ERUN, "out of memory");
    size_t len = strlen(path) + 32;
    o->path = strdup(path);
    o->tmp = malloc(len);
    if (!o->path || !o->tmp) {
        free(o->path); free(o->tmp); free(o);
        return os_fail(err, OS_ERUN, "out of memory");
    }
    /* MPI: rank 0's process id names the file for every rank. */
    long pid = (long)getpid();
    os_par_bcast(&pid, sizeof pid, 0);
    snprintf(o->tmp, len, "%s.tmp.%ld", path, pid);
    o->level = (int)os_cfg_int(cfg, "output.compression");
    o->par = os_par_active();
    o->discard = H5I_INVALID_HID;
    os_h5io_watch(o->tmp);  /* errors come back as one line, with errno */
    if (o->par && os_par_rank() != 0) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        H5Pset_fapl_core(fapl, 1 << 20, 0);  /* no backing file */
        char name[64];
        snprintf(name, sizeof name, "osteosim-discard-%d", os_par_rank());
        o->file = o->discard = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        H5Pclose(fapl);
    } else {
        o->file = os_h5io_create(o->tmp);
    }
    if (os_par_max_int(o->file < 0)) {
        int rc = os_fail(err, OS_ERUN, "%s: cannot create output file: %s", path,
                         os_h5io_reason("HDF5 error (does its directory exist?)"));
        if (o->file >= 0 && o->file != o->discard) os_h5io_close(o->file, NULL, 0);
        else if (o->file >= 0) H5Fclose(o->file);
        /* A failed create may leave the file it began. */
        if (!o->par || os_par_rank() == 0) remove(o->tmp);
        free(o->path); free(o->tmp); free(o);
        return rc;
    }
    char created[32];
    time_t now = time(NULL);
    os_par_bcast(&now, sizeof now, 0);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char *yaml = os_cfg_dump(cfg);
    int bad = os_h5_attr_str(o->file, "osteosim_version", OS_VERSION)
            | os_h5_attr_str(o->file, "git_commit", OS_GIT_COMMIT)
            /* unsigned: seeds span the full 64-bit range */
            | os_h5c_attr_put_u64(o->file, "seed", (uint64_t)os_cfg_int(cfg, "run.seed"))
            | os_h5_attr_str(o->file, "created", created)
            | os_h5_attr_str(o->file, "config", yaml ? yaml : "")
            | os_h5_attr_str(o->file, "scenario", os_cfg_str(cfg, "scenario.name"))
            | os_h5_attr_str(o->file, "description", os_cfg_str(cfg, "scenario.description"))
            | os_h5_attr_i64(o->file, "start_year", os_cfg_int(cfg, "run.start_year"))
            | os_h5_attr_i64(o->file, "end_year", os_cfg_int(cfg, "run.end_year"));
    free(yaml);
    *out = o;
    if (bad) return os_fail(err, OS_ERUN, "%s: cannot write root attributes: %s", path,
                            os_h5io_reason("HDF5 error"));
    return OS_OK;
}

/* A write to the output failed (the OS said so): every later write ends
 * the run, never continues on the damaged file. */
static int failed(const os_h5out *o, os_err *err)
{
    os_h5io_watch(o->tmp);  /* other readers of HDF5 files reset the hook */
    if (!os_h5io_errno()) return 0;
    return os_fail(err, OS_ERUN, "%s: cannot write: %s", o->path, os_h5io_reason(""));
}

/* Collective (MPI): rank 0 alone holds the file (see struct os_h5out). */
static int to_serial(os_h5out *o)
{
    if (!o->par || !o->parallel) return 0;
    int bad = H5Fclose(o->file) < 0;
    o->parallel = 0;
    os_par_barrier();  /* closed everywhere before rank 0 opens it */
    o->file = os_par_rank() == 0 ? H5Fopen(o->tmp, H5F_ACC_RDWR, H5P_DEFAULT) : o->discard;
    return os_par_max_int(bad || o->file < 0);
}

/* Collective (MPI): every rank opens the file with MPI-IO. */
static int to_parallel(os_h5out *o)
{
    if (!o->par || o->parallel) return 0;
    int bad = os_par_rank() == 0 && H5Fclose(o->file) < 0;
    os_par_barrier();
    hid_t fapl = os_h5par_fapl();
    o->file = H5Fopen(o->tmp, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    o->parallel = 1;
    return os_par_max_int(bad || o->file < 0);
}

hid_t os_h5out_file(os_h5out *out)
{
    if (failed(out, NULL) || to_serial(out)) return H5I_INVALID_HID;
    return out->file;
}

int os_h5out_close(os_h5out *o, int keep, os_err *err)
{
    int rc = OS_OK, root = !o->par || os_par_rank() == 0;
    if (o->par && !keep) {
        /* After a failure the other ranks may never get here: nothing
         * collective.  A parallel handle is closed by HDF5 at MPI_Finalize
         * (or dies with MPI_Abort). */
        if (!o->parallel && o->file >= 0 && o->file != o->discard) os_h5io_close(o->file, o->tmp, 0);
        if (o->discard >= 0) H5Fclose(o->discard);
        if (root) remove(o->tmp);
    } else {
        if (keep && failed(o, err)) { rc = OS_ERUN; keep = 0; }
        if (o->parallel && o->file >= 0 && H5Fclose(o->file) < 0 && keep)
            rc = os_fail(err, OS_ERUN, "%s: error closing output file: %s", o->path,
                         os_h5io_reason("HDF5 error"));
        else if (!o->parallel && root && o->file >= 0 && o->file != o->discard &&
                 os_h5io_close(o->file, o->tmp, keep) && keep)
            rc = os_fail(err, OS_ERUN, "%s: cannot write: %s", o->path,
                         os_h5io_reason("HDF5 error closing the file"));
        if (o->discard >= 0) H5Fclose(o->discard);
        if (o->par) os_par_barrier();  /* closed everywhere before the rename */
        if (root) {
            int e = keep && rc == OS_OK ? os_h5io_sync(o->tmp) : 0;
            if (e) rc = os_fail(err, OS_ERUN, "%s: cannot write: %s", o->path, strerror(e));
            if (keep && rc == OS_OK && rename(o->tmp, o->path) != 0)
                rc = os_fail(err, OS_ERUN, "%s: cannot rename finished output into place: %s",
                             o->path, strerror(errno));
            if (!keep || rc) remove(o->tmp);
        }
        if (o->par) {
            /* Rank 0's outcome is the run's. */
            int code = rc;
            os_par_bcast(&code, sizeof code, 0);
            if (code && !rc)
                rc = os_fail(err, code, "%s: rank 0 could not finish the output file", o->path);
        }
    }
    free(o->path);
    free(o->tmp);
    free(o);
    return rc;
}

/* ---- groups ---- */

hid_t os_h5_coltype(os_coltype t)
{
    switch (t) {
    case OS_COL_F32: return H5T_NATIVE_FLOAT;
    case OS_COL_U8: return H5T_NATIVE_UINT8;
    case OS_COL_U16: return H5T_NATIVE_UINT16;
    case OS_COL_U32: return H5T_NATIVE_UINT32;
    case OS_COL_I16: return H5T_NATIVE_INT16;
    }
    return H5T_NATIVE_UINT8;
}

static hid_t group_open(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) > 0) return H5Gopen2(loc, name, H5P_DEFAULT);
    return H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

/* One column of a cohort snapshot under MPI: each rank's living rows go to
 * their places in the single-process order (h5par.h).  Same dataset
 * layout as os_h5_write_1d; every rank calls this with the same TOTAL. */
static int write_rows_par(hid_t g, const os_column *col, const void *buf, uint64_t total,
                          const uint64_t *off, const uint64_t *cnt, size_t nblk, int level,
                          os_err *err)
{
    hsize_t dim = total;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (level > 0 && total > 0) {
        hsize_t ch = total < OS_H5_CHUNK_ROWS ? total : OS_H5_CHUNK_ROWS;
        H5Pset_chunk(dcpl, 1, &ch);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, (unsigned)level);
    }
    /* Every element is written: no fill pass (parallel HDF5 cannot fill
     * filtered datasets). */
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    hid_t type = os_h5_coltype(col->type);
    hid_t d = H5Dcreate2(g, col->name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    herr_t st = d < 0 ? -1 : total ? os_h5par_write(d, type, buf, 0, off, cnt, nblk) : 0;
    if (d >= 0) {
        if (os_h5_attr_str(d, "units", col->units)) st = -1;
        if (os_h5_attr_str(d, "description", col->description)) st = -1;
        if (H5Dclose(d) < 0) st = -1;
    }
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (os_par_max_int(st < 0)) return os_fail(err, OS_ERUN, "HDF5: cannot write dataset '%s'", col->name);
    return OS_OK;
}

int os_h5out_cohort(os_h5out *o, const os_pop *pop, int year, os_err *err)
{
    if (os_par_max_int(failed(o, err))) return OS_ERUN;
    if (to_parallel(o)) return os_fail(err, OS_ERUN, "%s: cannot open the output on every rank", o->path);
    hid_t cohort = group_open(o->file, "cohort");
    char name[16];
    snprintf(name, sizeof name, "%d", year);
    hid_t g = cohort < 0 ? -1 : H5Gcreate2(cohort, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        if (cohort >= 0) H5Gclose(cohort);
        return os_fail(err, OS_ERUN, "HDF5: cannot create /cohort/%d", year);
    }
    /* Snapshot the living agents only (the dead of last year are gone). */
    const uint8_t *alive = os_pop_data(pop, OS_COL_ALIVE);
    size_t nlive = 0;
    for (size_t i = 0; i < pop->n; i++) nlive += alive[i] != 0;
    /* After the yearly compaction every stored agent is alive: a single
     * process then writes the columns as they are, without a gathered copy
     * (a serial pass and 4 bytes per agent at the peak). */
    int direct = !o->par && nlive == pop->n;
    void *buf = direct ? NULL : malloc(nlive ? nlive * 4 : 1);
    int rc = direct || buf ? OS_OK : os_fail(err, OS_ERUN, "out of memory (cohort)");
    /* MPI: where this rank's rows go, and the rows of all ranks. */
    uint64_t total = nlive, *cnt = NULL, *off = NULL;
    if (o->par && rc == OS_OK) {
        cnt = calloc(pop->nblk + 1, sizeof *cnt);
        off = calloc(pop->nblk + 1, sizeof *off);
        uint32_t *ids = buf;
        const uint32_t *id = os_pop_data(pop, OS_COL_ID);
        size_t k = 0;
        for (size_t i = 0; i < pop->n; i++)
            if (alive[i]) ids[k++] = id[i];
        if (!cnt || !off) rc = os_fail(err, OS_ERUN, "out of memory (cohort)");
        else {
            os_h5par_count(pop, ids, nlive, cnt);
            if (os_h5par_place(cnt, pop->nblk, off, &total))
                rc = os_fail(err, OS_ERUN, "out of memory (cohort)");
        }
    }
    for (int c = 0; c < pop->ncols && rc == OS_OK; c++) {
        const os_column *col = &pop->cols[c];
        if (!(col->flags & OS_COL_SNAPSHOT)) continue;
        size_t k = 0, es = col->elem_size;
#define GATHER(T)                                                                 \
    for (size_t i = 0; i < pop->n; i++)                                           \
        if (alive[i]) ((T *)buf)[k++] = ((const T *)col->data)[i];
        if (direct) { /* written from the column itself */ }
        else if (es == 4) { GATHER(uint32_t) }
        else if (es == 2) { GATHER(uint16_t) }
        else { GATHER(uint8_t) }
#undef GATHER
        const void *rows = direct ? col->data : buf;
        rc = o->par ? write_rows_par(g, col, rows, total, off, cnt, pop->nblk, o->level, err)
                    : os_h5_write_1d(g, col->name, os_h5_coltype(col->type), rows, nlive, col->units,
                                     col->description, o->level, err);
    }
    free(buf);
    free(cnt);
    free(off);
    if (rc == OS_OK && os_h5_attr_i64(g, "agents", (long long)total))
        rc = os_fail(err, OS_ERUN, "HDF5: cannot write /cohort/%d attributes", year);
    int bad = H5Gclose(g) < 0;
    bad |= H5Gclose(cohort) < 0;
    if (rc == OS_OK && os_par_max_int(bad))
        rc = os_fail(err, OS_ERUN, "HDF5: cannot write /cohort/%d", year);
    if (rc == OS_OK && os_par_max_int(failed(o, err))) rc = OS_ERUN;
    return rc;
}

/* Stable sort of the year's log by agent id: an agent's events keep the
 * order in which they were logged (modules in phase order), and the
 * result depends neither on chunking nor on threads or processes. */
static int sort_events(os_event *ev, size_t n)
{
    os_event *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp) return -1;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = ev[j].id < ev[i].id ? ev[j++] : ev[i++];
            while (i < mid) tmp[k++] = ev[i++];
            while (j < hi) tmp[k++] = ev[j++];
        }
        memcpy(ev, tmp, n * sizeof *ev);
    }
    free(tmp);
    return 0;
}

static const char *const ev_names[] = {"agent", "year", "type", "site", "arm"};

/* /events with its five empty extensible datasets (collective under MPI:
 * every rank calls it with the same arguments). */
static int events_create(hid_t file, int level, os_err *err)
{
    static const char *const units[] = {"1", "year", "1", "1", "1"};
    static const char *const desc[] = {
        "agent id", "simulated year of the event", "event type code (labels attribute)",
        "site code (labels attribute)", "arm index"};
    hid_t types[] = {H5T_NATIVE_UINT32, H5T_NATIVE_INT16, H5T_NATIVE_UINT8, H5T_NATIVE_UINT8,
                     H5T_NATIVE_UINT8};
    hid_t g = H5Gcreate2(file, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /events");
    int rc = OS_OK;
    for (int i = 0; i < 5 && !rc; i++) {
        hsize_t dim = 0, maxdim = H5S_UNLIMITED, ch = 65536;
        hid_t sp = H5Screate_simple(1, &dim, &maxdim);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 1, &ch);
        H5Pset_shuffle(dcpl);
        if (level > 0) H5Pset_deflate(dcpl, (unsigned)level);
        hid_t d = H5Dcreate2(g, ev_names[i], types[i], sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d >= 0) {
            os_h5_attr_str(d, "units", units[i]);
            os_h5_attr_str(d, "description", desc[i]);
            H5Dclose(d);
        }
        H5Pclose(dcpl);
        H5Sclose(sp);
        if (d < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /events/%s", ev_names[i]);
    }
    H5Gclose(g);
    return rc;
}

int os_h5out_events(os_h5out *o, int arm, const os_event_buf *evb, size_t nbuf,
                    const os_pop *pop, os_err *err)
{
    hid_t types[] = {H5T_NATIVE_UINT32, H5T_NATIVE_INT16, H5T_NATIVE_UINT8, H5T_NATIVE_UINT8,
                     H5T_NATIVE_UINT8};
    if (os_par_max_int(failed(o, err))) return OS_ERUN;
    if (to_parallel(o)) return os_fail(err, OS_ERUN, "%s: cannot open the output on every rank", o->path);
    int rc = OS_OK;
    if (H5Lexists(o->file, "events", H5P_DEFAULT) <= 0 && (rc = events_create(o->file, o->level, err)))
        return rc;
    size_t n = 0;
    for (size_t k = 0; k < nbuf; k++) n += evb[k].n;
    os_event *ev = malloc((n ? n : 1) * sizeof *ev);
    void *col = malloc(n ? n * 4 : 4);
    /* MPI: where this rank's events go, and the events of all ranks. */
    uint64_t total = n, *cnt = NULL, *off = NULL;
    size_t nblk = o->par ? pop->nblk : 1;
    if (o->par) {
        cnt = calloc(nblk + 1, sizeof *cnt);
        off = calloc(nblk + 1, sizeof *off);
    }
    if (!ev || !col || (o->par && (!cnt || !off))) rc = os_fail(err, OS_ERUN, "out of memory (events)");
    for (size_t k = 0, at = 0; k < nbuf && !rc; at += evb[k].n, k++)
        if (evb[k].n) memcpy(ev + at, evb[k].ev, evb[k].n * sizeof *ev);
    if (!rc && sort_events(ev, n)) rc = os_fail(err, OS_ERUN, "out of memory (events)");
    if (!rc && o->par) {
        uint32_t *ids = col;
        for (size_t k = 0; k < n; k++) ids[k] = ev[k].id;
        os_h5par_count(pop, ids, n, cnt);
        if (os_h5par_place(cnt, nblk, off, &total)) rc = os_fail(err, OS_ERUN, "out of memory (events)");
    } else if (!rc) {
        cnt = &total;  /* one process: one block */
        off = calloc(1, sizeof *off);
        if (!off) rc = os_fail(err, OS_ERUN, "out of memory (events)");
    }
    hid_t g = rc || total == 0 ? -1 : H5Gopen2(o->file, "events", H5P_DEFAULT);
    for (int i = 0; i < 5 && g >= 0 && !rc; i++) {
        for (size_t k = 0; k < n; k++) switch (i) {
            case 0: ((uint32_t *)col)[k] = ev[k].id; break;
            case 1: ((int16_t *)col)[k] = ev[k].year; break;
            case 2: ((uint8_t *)col)[k] = ev[k].type; break;
            case 3: ((uint8_t *)col)[k] = ev[k].site; break;
            default: ((uint8_t *)col)[k] = (uint8_t)arm; break;
            }
        hid_t d = H5Dopen2(g, ev_names[i], H5P_DEFAULT);
        hsize_t newdim = o->ev_n + total;
        herr_t st = d < 0 ? -1 : H5Dset_extent(d, &newdim);
        if (st >= 0 && o->par) {
            st = os_h5par_write(d, types[i], col, o->ev_n, off, cnt, nblk);
        } else if (st >= 0) {
            hsize_t start = o->ev_n, count = n;
            hid_t fs = H5Dget_space(d);
            st = fs < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
            hid_t ms = H5Screate_simple(1, &count, NULL);
            if (st >= 0) st = H5Dwrite(d, types[i], ms, fs, H5P_DEFAULT, col);
            H5Sclose(ms);
            if (fs >= 0) H5Sclose(fs);
        }
        if (d >= 0 && H5Dclose(d) < 0) st = -1;
        if (os_par_max_int(st < 0))
            rc = os_fail(err, OS_ERUN, "HDF5: cannot append to /events/%s", ev_names[i]);
    }
    if (g >= 0 && os_par_max_int(H5Gclose(g) < 0) && !rc)
        rc = os_fail(err, OS_ERUN, "HDF5: cannot write /events");
    if (!rc && os_par_max_int(failed(o, err))) rc = OS_ERUN;
    if (!rc) o->ev_n += total;
    free(ev);
    free(col);
    if (cnt != &total) free(cnt);
    free(off);
    return rc;
}

void os_h5out_event_labels(os_h5out *o, const char *types, const char *sites)
{
    hid_t f = os_h5out_file(o);
    if (f < 0 || H5Lexists(f, "events", H5P_DEFAULT) <= 0) return;
    hid_t g = H5Gopen2(f, "events", H5P_DEFAULT);
    const char *names[] = {"type", "site"}, *labels[] = {types, sites};
    for (int i = 0; i < 2; i++) {
        if (!labels[i]) continue;
        hid_t d = H5Dopen2(g, names[i], H5P_DEFAULT);
        if (d < 0) continue;
        if (H5Aexists(d, "labels") > 0) H5Adelete(d, "labels");
        os_h5_attr_str(d, "labels", labels[i]);
        H5Dclose(d);
    }
    H5Gclose(g);
}

void os_h5out_reattach(os_h5out *o)
{
    hid_t f = os_h5out_file(o);
    unsigned long long n = 0;
    if (f >= 0 && H5Lexists(f, "events", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(f, "events/agent", H5P_DEFAULT);
        hid_t sp = H5Dget_space(d);
        n = (unsigned long long)H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        H5Dclose(d);
    }
    os_par_bcast(&n, sizeof n, 0);  /* MPI: only rank 0 holds the file now */
    o->ev_n = (size_t)n;
}

void os_h5out_arms(os_h5out *o, const char *const *names, int n)
{
    o->arm_names = names;
    o->narms = n;
}

/* /demography's summary_year_description (a fixed-size string), if any:
 * it names the years past the demography tables. */
static void year_description(hid_t file, char *buf, size_t n)
{
    if (H5Lexists(file, "demography", H5P_DEFAULT) <= 0 ||
        H5Aexists_by_name(file, "demography", "summary_year_description", H5P_DEFAULT) <= 0)
        return;
    hid_t a = H5Aopen_by_name(file, "demography", "summary_year_description", H5P_DEFAULT,
                              H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a);
    char tmp[400];
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) == 0 &&
        H5Tget_size(t) <= sizeof tmp && H5Aread(a, t, tmp) >= 0) {
        tmp[sizeof tmp - 1] = 0;
        snprintf(buf, n, "%s", tmp);
    }
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
}

int os_h5out_summary(os_h5out *o, const os_summary *s, os_err *err)
{
    if (failed(o, err)) return OS_ERUN;
    if (to_serial(o)) return os_fail(err, OS_ERUN, "%s: cannot reopen the output", o->path);
    hid_t g = H5Gcreate2(o->file, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /summary");
    int rc = os_h5_attr_str(g, "description",
                   "one row per (year, arm, sex, age band); stocks at 1 July of the year, "
                   "flows during the year from 1 July to 1 July; weighted persons unless units say otherwise")
             ? os_fail(err, OS_ERUN, "HDF5: cannot write /summary attributes") : OS_OK;
    /* Years past the demography tables are named by /demography. */
    char ydesc[400] = "simulated year";
    if (!rc) year_description(o->file, ydesc, sizeof ydesc);
    if (!rc) rc = os_h5_write_1d(g, "year", H5T_NATIVE_INT32, s->year, s->nrows, "year",
                            ydesc, 0, err);
    if (!rc) rc = os_h5_write_1d(g, "arm", H5T_NATIVE_INT32, s->arm, s->nrows, "1",
                                 "arm index (labels attribute)", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "sex", H5T_NATIVE_INT32, s->sex, s->nrows, "1",
                                 "0 female, 1 male", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "age_lo", H5T_NATIVE_INT32, s->age_lo, s->nrows, "year",
                                 "first age of the band", 0, err);
    if (!rc) rc = os_h5_write_1d(g, "age_hi", H5T_NATIVE_INT32, s->age_hi, s->nrows, "year",
                                 "last age of the band (inclusive); -1 for the open band 100+", 0, err);
    if (!rc) {
        hid_t d = H5Dopen2(g, "sex", H5P_DEFAULT);
        int bad = d < 0 || os_h5_attr_str(d, "labels", "0=female,1=male");
        if (d >= 0) bad |= H5Dclose(d) < 0;
        d = H5Dopen2(g, "arm", H5P_DEFAULT);
        char labels[1024] = "";
        for (int a = 0; a < o->narms; a++) {
            char item[128];
            snprintf(item, sizeof item, "%s%d=%s", a ? "," : "", a, o->arm_names[a]);
            strncat(labels, item, sizeof labels - strlen(labels) - 1);
        }
        bad |= d < 0 || os_h5_attr_str(d, "labels", labels);
        if (d >= 0) bad |= H5Dclose(d) < 0;
        if (bad) rc = os_fail(err, OS_ERUN, "HDF5: cannot write /summary labels");
    }
    double *col = malloc((s->nrows ? s->nrows : 1) * sizeof *col);
    if (!col && !rc) rc = os_fail(err, OS_ERUN, "out of memory (summary)");
    for (int c = 0; c < s->ncols && !rc; c++) {
        for (size_t r = 0; r < s->nrows; r++) col[r] = s->values[r * (size_t)s->ncols + c];
        rc = os_h5_write_1d(g, s->cols[c].name, H5T_NATIVE_DOUBLE, col, s->nrows,
                            s->cols[c].units, s->cols[c].description, 0, err);
    }
    free(col);
    if (H5Gclose(g) < 0 && !rc) rc = os_fail(err, OS_ERUN, "HDF5: cannot write /summary");
    if (!rc && failed(o, err)) rc = OS_ERUN;
    return rc;
}

int os_h5out_run_info(os_h5out *o, size_t bytes_per_agent, double agent_years,
                      double wall_seconds, os_err *err)
{
    if (failed(o, err)) return OS_ERUN;
    if (to_serial(o)) return os_fail(err, OS_ERUN, "%s: cannot reopen the output", o->path);
    int bad = os_h5_attr_i64(o->file, "bytes_per_agent", (long long)bytes_per_agent)
            | os_h5_attr_f64(o->file, "agent_years", agent_years)
            | os_h5_attr_f64(o->file, "wall_seconds", wall_seconds);
    if (bad) return os_fail(err, OS_ERUN, "HDF5: cannot write run attributes");
    return OS_OK;
}

int os_h5_write_strings(hid_t loc, const char *name, const char *const *v, size_t n,
                        const char *description, os_err *err)
{
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(loc, name, st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d < 0 || (n && H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
                 ? os_fail(err, OS_ERUN, "HDF5: cannot write dataset %s", name) : OS_OK;
    if (d >= 0) {
        int bad = description && os_h5_attr_str(d, "description", description);
        if ((H5Dclose(d) < 0 || bad) && !rc)
            rc = os_fail(err, OS_ERUN, "HDF5: cannot write dataset %s: %s", name,
                         os_h5io_reason("HDF5 error"));
    }
    H5Sclose(sp);
    H5Tclose(st);
    return rc;
}
