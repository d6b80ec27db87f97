/* cmd_psa_merge.h - `osteosim psa-merge BASE.h5 DRAW_*.h5 -o PSA.h5`.
 *
 * A PSA run as a job array writes one file per task: the base case (a plain
 * run, task 0) and draw k (`--psa-draw k`, tasks 1..N).  The merge builds
 * the file `run --psa N` would have written: every group and root attribute
 * of the base case, and /psa computed by the same writer (os_psa_write)
 * from the draws' /summary tables, read back exactly (float64).  Inputs
 * must be one base case and draws 1..N, each draw the base case's
 * configuration with that draw applied; anything else is refused with one
 * line (exit 2).  docs/hpc.md describes the workflow.
 *
 * cmd_psa_merge.c: the command, its checks and the output file;
 * cmd_psa_merge_in.c: reading the inputs back into PSA rows.
 */
#ifndef OS_CMD_PSA_MERGE_H
#define OS_CMD_PSA_MERGE_H

#include <hdf5.h>

#include "cmd_ctx.h"
#include "res_psa.h"

int os_cmd_psa_merge(int argc, char **argv, os_cmd_err *e);

/* ---- cmd_psa_merge_in.c ---- */

/* The summary columns and thresholds a run of the validated CFG registers
 * (the modules' init hooks of the reference arm, without agents), in S
 * (empty: no rows). */
int os_psamerge_columns(const os_cfg *cfg, const os_phases *ph, os_summary *s, os_err *err);

/* Reads /summary of F (file PATH) into S, whose columns (os_psamerge_columns)
 * name the datasets to read. */
int os_psamerge_summary(hid_t f, const char *path, os_summary *s, os_err *err);

/* The draw a file holds: 0 without /psa (a base case), k for a --psa-draw k
 * file; OS_ECONFIG for a /psa of several draws. */
int os_psamerge_draw_of(hid_t f, const char *path, int *draw, os_err *err);

/* Appends the one-draw record ONE as row ROW of ALL (allocated for N rows
 * by the first call, ROW 0). */
int os_psamerge_append(os_psa *all, int n, int row, const os_psa *one, os_err *err);

/* Copies the root attributes of FROM to TO. */
int os_psamerge_root_attrs(hid_t from, hid_t to);

#endif
