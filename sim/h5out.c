/* h5out.c - the output file's life cycle: created under a temporary name,
 * switched between serial and parallel mode under MPI, renamed into place
 * when complete (h5out.h).  The writers: h5out_write.c (attributes, 1-D
 * datasets), h5out_deflate.c (the chunk filter), h5out_agents.c (/cohort,
 * /events), h5out_summary.c (/summary, run attributes). */
#include "h5out_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h5check.h"
#include "h5io.h"
#include "h5par.h"
#include "par.h"
#include "rng_fill.h"
#include "version.h"

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
    o->pipe.level = (int)os_cfg_int(cfg, "output.compression");
    o->pipe.codec = strcmp(os_cfg_str(cfg, "output.codec"), "lz4") == 0 ? OS_CODEC_LZ4 : OS_CODEC_DEFLATE;
    o->par = os_par_active();
    /* MPI: collective writes keep every rank's HDF5 calls in one order, so
     * snapshots are written synchronously there. */
    o->async = os_cfg_bool(cfg, "output.async") && !o->par;
    if (o->pipe.codec == OS_CODEC_LZ4 && os_h5_lz4_register()) {
        int rc = os_fail(err, OS_ECONFIG, "%s: output.codec lz4: %s", path,
                         "this osteosim was built without liblz4 (Debian: liblz4-dev)");
        free(o->path); free(o->tmp); free(o);
        return rc;
    }
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
            /* how, not what: every kernel gives the same numbers */
            | os_h5_attr_str(o->file, "rng_kernel", os_rng_fill_kernel())
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

/* A write to the output failed (the OS said so, or the snapshot writer
 * did): every later write ends the run, never continues on the damaged
 * file. */
int os_h5out_failed(os_h5out *o, os_err *err)
{
    if (os_h5out_wait(o, err)) return OS_ERUN;
    os_h5io_watch(o->tmp);  /* other readers of HDF5 files reset the hook */
    if (!os_h5io_errno()) return 0;
    return os_fail(err, OS_ERUN, "%s: cannot write: %s", o->path, os_h5io_reason(""));
}

/* Collective (MPI): rank 0 alone holds the file (see struct os_h5out). */
int os_h5out_to_serial(os_h5out *o)
{
    if (!o->par || !o->parallel) return 0;
    int bad = H5Fclose(o->file) < 0;
    o->parallel = 0;
    os_par_barrier();  /* closed everywhere before rank 0 opens it */
    o->file = os_par_rank() == 0 ? H5Fopen(o->tmp, H5F_ACC_RDWR, H5P_DEFAULT) : o->discard;
    return os_par_max_int(bad || o->file < 0);
}

/* Collective (MPI): every rank opens the file with MPI-IO. */
int os_h5out_to_parallel(os_h5out *o)
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
    if (os_h5out_failed(out, NULL) || os_h5out_to_serial(out)) return H5I_INVALID_HID;
    return out->file;
}

int os_h5out_close(os_h5out *o, int keep, os_err *err)
{
    /* The snapshot being written ends first; its failure, the run's. */
    int rc = OS_OK;
    if (os_h5out_wait(o, keep ? err : NULL)) {
        if (keep) rc = OS_ERUN;
        keep = 0;
    }
    int root = !o->par || os_par_rank() == 0;
    if (o->par && !keep) {
        /* After a failure the other ranks may never get here: nothing
         * collective.  A parallel handle is closed by HDF5 at MPI_Finalize
         * (or dies with MPI_Abort). */
        if (!o->parallel && o->file >= 0 && o->file != o->discard) os_h5io_close(o->file, o->tmp, 0);
        if (o->discard >= 0) H5Fclose(o->discard);
        if (root) remove(o->tmp);
    } else {
        if (keep && os_h5out_failed(o, err)) { rc = OS_ERUN; keep = 0; }
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
