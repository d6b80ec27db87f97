/* h5par.h - rows held by several processes, written into one dataset in
 * the single-process order.
 *
 * Each process holds one contiguous part of every block of ids (pop.h), in
 * id order.  A process's rows of block b therefore occupy one contiguous
 * range of the single-process order, after all rows of earlier blocks and
 * after the rows of block b held by lower ranks.  An allgather of the
 * per-block counts gives every process its ranges; each writes them as one
 * union of hyperslabs in a collective write (parallel HDF5).
 */
#ifndef OS_H5PAR_H
#define OS_H5PAR_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "pop.h"

/* CNT[b] (pop->nblk values) = how many of the N ids (ascending, all held
 * by this process) fall in block b. */
void os_h5par_count(const os_pop *pop, const uint32_t *ids, size_t n, uint64_t *cnt);

/* From every rank's counts: OFF[b] = offset of this rank's rows of block b
 * in the single-process order; *TOTAL = rows over all ranks.  Collective.
 * Returns -1 when out of memory (on this rank). */
int os_h5par_place(const uint64_t *cnt, size_t nblk, uint64_t *off, uint64_t *total);

/* Collective write of this rank's rows BUF (blocks in order, CNT[b] rows
 * each) to D at rows BASE + OFF[b]. */
herr_t os_h5par_write(hid_t d, hid_t type, const void *buf, uint64_t base,
                      const uint64_t *off, const uint64_t *cnt, size_t nblk);

/* File access list for opening the output on every rank (MPI-IO). */
hid_t os_h5par_fapl(void);

#endif
