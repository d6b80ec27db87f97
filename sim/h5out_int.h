/* h5out_int.h - shared by the output writers (h5out*.c), not by their
 * callers: the open file's state and the filter pipeline's chunking. */
#ifndef OS_H5OUT_INT_H
#define OS_H5OUT_INT_H

#include <pthread.h>

#include "h5out.h"

/* The filter pipeline of per-agent datasets (output.codec and
 * output.compression): shuffle, then deflate at LEVEL or LZ4 (the HDF5
 * filter 32004 of h5out_lz4.c).  LEVEL 0: neither, a contiguous dataset. */
typedef enum { OS_CODEC_DEFLATE = 0, OS_CODEC_LZ4 = 1 } os_codec;
typedef struct os_h5_pipe {
    os_codec codec;
    int level;
} os_h5_pipe;

/* HDF5's registered id of the LZ4 filter (readers: docs/hdf5-schema.md). */
#define OS_H5Z_LZ4 32004

/* A cohort snapshot for os_h5out_snap_write: N rows of NCOLS columns.
 * A column's rows are DATA when set (the writer's own copy, h5out_async.c),
 * else the living rows of SRC in the store (ALIVE of NSTORE rows; all of
 * them when ALIVE is NULL). */
typedef struct os_snap_col {
    char name[48];
    hid_t type;
    size_t es;
    const char *units, *description;
    const void *src;
    void *data;
} os_snap_col;
typedef struct os_snap {
    int year;
    size_t n, nstore;
    const uint8_t *alive;
    int ncols;
    os_snap_col cols[OS_POP_MAX_COLS];
    char *strings;          /* copies of units and descriptions, or NULL */
} os_snap;

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
    os_h5_pipe pipe;        /* filters of per-agent data             */
    size_t ev_n;            /* rows in /events so far                */
    const char *const *arm_names;
    int narms;
    int par;                /* under MPI                              */
    int parallel;           /* now open with MPI-IO on every rank    */
    hid_t discard;          /* ranks > 0: the in-memory file         */
    /* output.async: the background snapshot writer (h5out_async.c).
     * While BUSY it alone calls HDF5; every other entry point of h5out
     * joins it first (os_h5out_wait). */
    int async;
    int busy;
    pthread_t writer;
    struct os_snap *job;    /* the snapshot being written            */
    int job_rc;             /* its outcome, read after the join      */
    os_err job_err;
};

/* Rows per chunk of compressed datasets: large enough to compress well,
 * small enough that a reader can take one age band without the rest. */
#define OS_H5_CHUNK_ROWS 65536

/* A write to the output failed (the OS said so, or the snapshot writer
 * did): nonzero with err set.  Joins the snapshot writer first. */
int os_h5out_failed(os_h5out *o, os_err *err);
/* Collective (MPI) switches of the file's mode (see struct os_h5out);
 * nonzero on failure. */
int os_h5out_to_serial(os_h5out *o);
int os_h5out_to_parallel(os_h5out *o);

/* Chunking and filters of P on DCPL for a dataset of N rows; nothing
 * when P has none or N is 0 (h5out_deflate.c). */
void os_h5_pipe_set(hid_t dcpl, os_h5_pipe p, size_t n);

/* Shuffles and compresses the chunks of dataset D (N elements of ES bytes,
 * chunks of OS_H5_CHUNK_ROWS) and writes them in order, bytes as HDF5's
 * own filters make them (h5out_deflate.c).  THREADED: in the threads of an
 * OpenMP team; else in the calling thread alone. */
herr_t os_h5_write_chunks(hid_t d, const void *data, size_t n, size_t es, os_h5_pipe p,
                          int threaded);

/* os_h5_write_1d with the pipeline P (THREADED as above). */
int os_h5_write_col(hid_t loc, const char *name, hid_t type, const void *data, size_t n,
                    const char *units, const char *description, os_h5_pipe p, int threaded,
                    os_err *err);

/* The LZ4 filter, in the chunk format of the HDF5 LZ4 plugin (id 32004,
 * Debian's hdf5-filter-plugin) (h5out_lz4.c).  os_h5_lz4_register makes it
 * known to this process's HDF5 (0, or -1 in a build without liblz4);
 * os_h5_lz4_chunk compresses LEN bytes of SRC into OUT (room for
 * os_h5_lz4_bound(LEN)) and returns the chunk's size, 0 on failure. */
int os_h5_lz4_register(void);
size_t os_h5_lz4_bound(size_t len);
size_t os_h5_lz4_chunk(const unsigned char *src, size_t len, unsigned char *out, size_t cap);

/* /cohort/<year> of one process (h5out_agents.c), from N rows of the
 * snapshot columns of SNAP; THREADED as above. */
int os_h5out_snap_write(os_h5out *o, const os_snap *snap, int threaded, os_err *err);

/* Hands SNAP (its copies made) to the background writer (h5out_async.c),
 * which frees it.  Nonzero, with SNAP freed and err set, if no thread. */
int os_h5out_snap_async(os_h5out *o, os_snap *snap, os_err *err);
/* Frees a snapshot's copies and SNAP itself. */
void os_h5out_snap_free(os_snap *snap);

#endif
