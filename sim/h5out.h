/* h5out.h - the output file.
 *
 * The file is written under a temporary name beside the target
 * (TARGET.tmp.PID) and renamed over the target only when complete, so a
 * failed or killed run never leaves a partial file at the target path.
 * Layout: docs/hdf5-schema.md.
 */
#ifndef OS_H5OUT_H
#define OS_H5OUT_H

#include <stddef.h>

#include <hdf5.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "pop.h"

typedef struct os_h5out os_h5out;
struct os_summary;

/* Creates the temporary file and writes the root attributes. */
int os_h5out_open(os_h5out **out, const char *path, const os_cfg *cfg,
                  os_err *err);
/* The file for writers of everything but per-agent data.  Under MPI this
 * is collective: rank 0 gets the output file, the other ranks an in-memory
 * file that is discarded (h5out.c). */
hid_t os_h5out_file(os_h5out *out);

/* /cohort/<year>/: one dataset per snapshot column of the living agents.
 * With output.async (one process) the rows are copied and written by a
 * background thread while the run goes on; the other functions here wait
 * for it before they touch the file. */
int os_h5out_cohort(os_h5out *out, const os_pop *pop, int year, os_err *err);

/* Waits for the background snapshot writer (output.async).  Nonzero, with
 * err set, if it failed (and on every later call): the run then fails.
 * HDF5 is not thread-safe: code that calls HDF5 outside these functions
 * while the run goes on (checkpoints) calls this first. */
int os_h5out_wait(os_h5out *out, os_err *err);

/* Appends one year's events of ARM to /events/ (extensible datasets),
 * ordered by agent id, then as logged.  EVB: NBUF per-chunk logs in store
 * order.  Under MPI every rank calls it with its own logs (collective). */
int os_h5out_events(os_h5out *out, int arm, const os_event_buf *evb, size_t nbuf,
                    const os_pop *pop, os_err *err);

/* Labels attributes of /events/type and /events/site (once /events exists). */
void os_h5out_event_labels(os_h5out *out, const char *types, const char *sites);

/* After /events was copied in from a checkpoint: append after it. */
void os_h5out_reattach(os_h5out *out);

void os_h5out_arms(os_h5out *out, const char *const *names, int n);
int os_h5out_summary(os_h5out *out, const struct os_summary *s, os_err *err);
int os_h5out_run_info(os_h5out *out, size_t bytes_per_agent,
                      double agent_years, double wall_seconds, os_err *err);

/* KEEP=1: flush, close and rename to the target; KEEP=0: close and delete
 * the temporary file.  Frees OUT either way. */
int os_h5out_close(os_h5out *out, int keep, os_err *err);

/* Small writers shared by modules' write_output hooks. */
int os_h5_attr_str(hid_t obj, const char *name, const char *value);
/* A string attribute's value (caller frees), or NULL if absent. */
char *os_h5_attr_read_str(hid_t obj, const char *name);
/* The HDF5 memory type of a population column type. */
hid_t os_h5_coltype(os_coltype t);
int os_h5_attr_i64(hid_t obj, const char *name, long long value);
int os_h5_attr_f64(hid_t obj, const char *name, double value);
/* 1-D dataset of N values of TYPE (an H5T_NATIVE_* id) with units and
 * description attributes; chunked + shuffle + deflate when LEVEL > 0. */
int os_h5_write_1d(hid_t loc, const char *name, hid_t type, const void *data,
                   size_t n, const char *units, const char *description,
                   int level, os_err *err);

/* 1-D dataset of N UTF-8 strings (variable length) with a description. */
int os_h5_write_strings(hid_t loc, const char *name, const char *const *v,
                        size_t n, const char *description, os_err *err);

#endif
