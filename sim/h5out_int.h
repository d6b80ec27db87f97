/* h5out_int.h - shared by the output writers (h5out*.c), not by their
 * callers: the open file's state and the filter pipeline's chunking. */
#ifndef OS_H5OUT_INT_H
#define OS_H5OUT_INT_H

#include "h5out.h"

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

/* Rows per chunk of compressed datasets: large enough to compress well,
 * small enough that a reader can take one age band without the rest. */
#define OS_H5_CHUNK_ROWS 65536

/* A write to the output failed (the OS said so): nonzero with err set. */
int os_h5out_failed(const os_h5out *o, os_err *err);
/* Collective (MPI) switches of the file's mode (see struct os_h5out);
 * nonzero on failure. */
int os_h5out_to_serial(os_h5out *o);
int os_h5out_to_parallel(os_h5out *o);

/* Shuffles and deflates the chunks of dataset D (N elements of ES bytes,
 * chunks of OS_H5_CHUNK_ROWS) in parallel threads and writes them in
 * order, bytes as HDF5's own filters make them (h5out_deflate.c). */
herr_t os_h5_write_chunks(hid_t d, const void *data, size_t n, size_t es, int level);

#endif
