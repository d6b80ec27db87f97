/* ckpt_valid.h - checks that a checkpoint is one, and intact, before any
 * of it is used (ckpt_file.c reads, this file judges).
 *
 * A checkpoint names its format and version; every dataset it is resumed
 * from carries the 64-bit FNV-1a checksum of its bytes (attribute
 * OS_CKPT_SUM); sizes are checked against the datasets before anything is
 * allocated, and the engine's own columns against their ranges.  Failures
 * are one line "PATH: not an osteosim checkpoint: ..." or "PATH: corrupt
 * checkpoint: ...", exit 2 (under MPI, where one rank may find a fault the
 * others do not, a run failure that ends them all).
 */
#ifndef OS_CKPT_VALID_H
#define OS_CKPT_VALID_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "pop.h"

#define OS_CKPT_FORMAT "osteosim-checkpoint"
#define OS_CKPT_VERSION 2
#define OS_CKPT_SUM "fnv1a64"

/* Bounds of the engine's columns.  Agents enter at 50 and the demography
 * tables end at 130; 200 is past any run.  No agent represents more
 * persons than live in China. */
#define OS_CKPT_AGE_MAX 200.0f
#define OS_CKPT_WEIGHT_MAX 2147483647u

/* Opens PATH if it is a checkpoint of the version this program reads;
 * else -1 with err set. */
hid_t os_ckpt_open(const char *path, os_err *err);

/* "PATH: corrupt checkpoint: ..." */
int os_ckpt_corrupt(os_err *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads scalar integer attribute NAME of F into *V, within [LO, HI]. */
int os_ckpt_attr(hid_t f, const char *name, long long lo, long long hi, long long *v,
                 const char *path, os_err *err);

/* Checks that dataset GROUP/NAME of LOC is 1-D of memory type TYPE's kind
 * (class, size, sign) and, unless WANT is SIZE_MAX, has WANT rows; its
 * rows in *ROWS.  WHAT names the rows expected, for the message. */
int os_ckpt_shape(hid_t loc, const char *group, const char *name, hid_t type,
                  size_t want, const char *what, size_t *rows, const char *path, os_err *err);

/* The checksum attribute of a dataset just written / just read back. */
int os_ckpt_put_sum(hid_t loc, const char *name, const void *data, size_t bytes);
int os_ckpt_verify_sum(hid_t loc, const char *group, const char *name, const void *data,
                       size_t bytes, const char *path, os_err *err);

/* Checks the loaded rows: the engine's columns within their ranges, ids
 * increasing, below NEXT_ID and inside the id blocks, and every f32
 * column finite. */
int os_ckpt_check_pop(const os_pop *pop, uint32_t next_id, const char *path, os_err *err);

/* Checks summary values (finite) and keys (sex 0 or 1). */
int os_ckpt_check_summary(const int32_t *sex, const double *values, size_t rows, int ncols,
                          const char *path, os_err *err);

/* Checks the layout of the per-agent output saved so far (/output: the
 * /events columns the writer appends to, the /cohort snapshots); its
 * data are copied as they are, not checksummed. */
int os_ckpt_check_output(hid_t f, const char *path, os_err *err);

/* Before a resumed run starts: PATH is a checkpoint this program reads,
 * from the years and process count of the run CFG (its stored
 * configuration).  Everything else is checked as it is read. */
int os_ckpt_check(const char *path, const os_cfg *cfg, os_err *err);

#endif
