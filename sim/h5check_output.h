/* h5check_output.h - an output file given to info, export or run --from is
 * checked before any of it is used: the root attributes a run writes, and
 * the layout of /summary (required columns of the expected types, all of
 * one length, keys in range), /summary_quantiles (the rows of /summary)
 * and /economics (one row per arm).  Failures are one line, "PATH: not an
 * osteosim output: ..." or "PATH: corrupt output: ...", exit 2; a file
 * that cannot be read at all is an I/O error, exit 1.
 */
#ifndef OS_H5CHECK_OUTPUT_H
#define OS_H5CHECK_OUTPUT_H

#include <hdf5.h>

#include "err.h"

/* Opens PATH read-only, or -1 with err set (not checked yet). */
hid_t os_out_open(const char *path, os_err *err);

/* 1 if F claims to be an osteosim output (root attribute osteosim_version). */
int os_out_claims(hid_t f);

/* Checks that F (opened from PATH) is an osteosim output as described. */
int os_out_check(hid_t f, const char *path, os_err *err);

#endif
