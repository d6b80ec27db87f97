/* ckpt_file.h - the whole state of a run at the start of a year, in one
 * HDF5 file written atomically (temporary name + rename), so a killed job
 * can continue from its last checkpoint and produce output bitwise
 * identical to an uninterrupted run.
 *
 * A checkpoint holds: the resolved configuration, the output path, the next
 * year and agent id, every population column, the summary rows so far, and
 * a copy of the per-agent output written so far (/cohort, /events), and the
 * blocks modules carry across arms (os_model_carry).  Models
 * keep no state across years outside population columns (docs/developing.md),
 * so nothing else is needed.
 *
 * Reading checks everything before use (ckpt_valid.h): format version,
 * dataset sizes against the agents attribute before allocating, the
 * engine's columns against their ranges, and each dataset's checksum.
 */
#ifndef OS_CKPT_FILE_H
#define OS_CKPT_FILE_H

#include <stdint.h>

#include "res_types.h"
#include "h5out.h"
#include "pop.h"

typedef struct os_ckpt_state {
    int next_year;
    uint32_t next_id;
    int arm;
    /* written only, read by os_ckpt_peek_psa: the PSA draw the run is
     * (0: none) and its calibration posterior (NULL: none) */
    int psa_draw;
    const char *posterior_file, *posterior_hash;
} os_ckpt_state;

int os_ckpt_write(const char *path, const os_cfg *cfg, const char *output,
                  const os_ckpt_state *st, const os_pop *pop,
                  const os_summary *s, os_h5out *out, const os_carry *carry,
                  os_err *err);

/* The arm a checkpoint was taken in. */
int os_ckpt_peek_arm(const char *path, int *arm, os_err *err);

/* Reads the configuration text and output path of a checkpoint (caller
 * frees both). */
int os_ckpt_peek(const char *path, char **config, char **output, os_err *err);

/* The PSA draw of a checkpointed `--psa-draw K` run (0 for other runs) and
 * the posterior file and hash it drew from (*FILE, *HASH NULL when none;
 * caller frees): a resumed draw writes its /psa and provenance. */
int os_ckpt_peek_psa(const char *path, int *draw, char **file, char **hash, os_err *err);

/* Restores state, population columns (the model's columns must already be
 * registered, in any order) and summary rows; copies the saved per-agent
 * output into OUT (may be NULL).  A file that is not an intact checkpoint
 * fails with one line and exit 2 (ckpt_valid.h). */
int os_ckpt_read(const char *path, os_ckpt_state *st, os_pop *pop,
                 os_summary *s, os_h5out *out, os_carry *carry, os_err *err);

/* Removes this process's part of the checkpoint at PATH (after a finished
 * run). */
void os_ckpt_remove(const char *path);

#endif
