/* h5out_path.h - where osteosim may write a file.
 *
 * Outputs (run -o, the checkpoint, export --csv, calibrate -o) are
 * written under a temporary name beside the target, TARGET.tmp.PID, and
 * renamed over the target when complete.  Before a run starts its
 * targets are checked:
 *   - a target must be a regular file or a new name in an existing
 *     directory; device nodes, FIFOs, sockets and directories are refused;
 *   - a symbolic link is followed: the file it points to is replaced
 *     (atomically, in that file's directory) and the link itself stays; a
 *     link to nothing is refused;
 *   - no target may be an input of the run, nor another target; files are
 *     compared by device and inode (another spelling, a link or a hard link
 *     of an input is the input).
 */
#ifndef OS_H5OUT_PATH_H
#define OS_H5OUT_PATH_H

#include "config.h"
#include "err.h"

/* Checks target PATH (named by option OPT in messages, e.g. "-o") and sets
 * *RESOLVED (caller frees) to the file to write.  OS_ECONFIG for a refused
 * target, OS_ERUN when its directory is missing. */
int os_outpath_resolve(const char *path, const char *opt, char **resolved, os_err *err);

/* OS_ECONFIG if TARGET (resolved) is the same file as INPUT, described as
 * WHAT ("the configuration file", "the --from file", ...). */
int os_outpath_not_input(const char *target, const char *input, const char *what,
                         os_err *err);

/* Removes the temporary files TARGET.tmp.PID of runs that have ended: PID
 * names no process (kill: ESRCH), the file is a regular file owned by this
 * user, and no process holds HDF5's lock on it.  Touches no other name. */
void os_outpath_sweep(const char *target);

/* The targets of a run, checked before anything runs: OUTPUT (named OPT in
 * messages) and the checkpoint CKPT (NULL: the output path with .ckpt.h5).
 * Neither may be an input of the run (the files of CFG, FROM, RESUME; the
 * checkpoint may be RESUME, which it rewrites) nor the other target.
 * *OUT and *CK (caller frees) are the files to write; stale temporary files
 * beside them are removed (rank 0). */
int os_outpath_run(const char *output, const char *opt, const char *ckpt, const char *from,
                   const char *resume, const os_cfg *cfg, char **out, char **ck, os_err *err);

/* The parameter file of calibrate, checked before any evaluation: OUTPUT
 * (option OPT) is none of the files of CFG nor of INPUTS (N names: the
 * targets file and its includes).  *OUT as for os_outpath_resolve; stale
 * temporary files beside it are removed. */
int os_outpath_calibrate(const char *output, const char *opt, const os_cfg *cfg,
                         char *const *inputs, size_t n, char **out, os_err *err);

#endif
