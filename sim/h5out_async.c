/* h5out_async.c - the background snapshot writer (output.async: true).
 *
 * A cohort snapshot is taken at the census, before the year's step pass
 * changes the columns.  Compressing it was about a fifth of a run's CPU
 * time, all of it on the critical path.  With output.async the census
 * copies the snapshot's rows (os_h5out_cohort) and one thread shuffles,
 * compresses and writes them while the simulation goes on; the file's
 * bytes are the same as a synchronous write's, since the chunks, their
 * order and their compression do not depend on which thread makes them.
 *
 * HDF5 (the MPI build's is not thread-safe) is called by one thread at a
 * time: while the writer runs it alone touches HDF5, and every other entry
 * point of the output (h5out*.c), and the checkpoint writer, first waits
 * for it (os_h5out_wait).  The simulation between two such calls makes no
 * HDF5 calls (modules write their output in write_output, through
 * os_h5out_file).  A failure of the writer is kept and returned by the
 * next wait, which fails the run: the file is then deleted, never renamed
 * into place.
 *
 * The cost is memory: the copy holds every snapshot column of the living
 * agents (the population store row's snapshot part, about 60 bytes per
 * agent for the full model) until the writer is done.  The writer is one
 * more thread beside the run's --threads.  Under MPI snapshots stay
 * synchronous (os_h5out_cohort).
 */
#include <stdlib.h>
#include <string.h>

#include "h5io.h"
#include "h5out_int.h"

void os_h5out_snap_free(os_snap *snap)
{
    if (!snap) return;
    for (int c = 0; c < snap->ncols; c++) free(snap->cols[c].data);
    free(snap->strings);
    free(snap);
}

static void *writer_main(void *arg)
{
    os_h5out *o = arg;
    os_snap *snap = o->job;
    /* HDF5's error hook, for this thread too (thread-safe builds keep one
     * error stack per thread). */
    os_h5io_watch(o->tmp);
    memset(&o->job_err, 0, sizeof o->job_err);
    o->job_rc = os_h5out_snap_write(o, snap, 0, &o->job_err);
    os_h5out_snap_free(snap);
    o->job = NULL;
    return NULL;
}

int os_h5out_snap_async(os_h5out *o, os_snap *snap, os_err *err)
{
    int rc = os_h5out_wait(o, err);  /* one snapshot at a time */
    if (rc) {
        os_h5out_snap_free(snap);
        return rc;
    }
    o->job = snap;
    if (pthread_create(&o->writer, NULL, writer_main, o) != 0) {
        o->job = NULL;
        /* No thread to be had: write it here instead. */
        rc = os_h5out_snap_write(o, snap, 1, err);
        os_h5out_snap_free(snap);
        return rc;
    }
    o->busy = 1;
    return OS_OK;
}

int os_h5out_wait(os_h5out *o, os_err *err)
{
    if (!o) return OS_OK;
    if (o->busy) {
        pthread_join(o->writer, NULL);
        o->busy = 0;
    }
    if (o->job_rc == OS_OK) return OS_OK;
    /* Kept: every later call fails the same way. */
    if (err) *err = o->job_err;
    return o->job_rc;
}
