/* h5copy.h - copying a group of an HDF5 file into another file, every
 * call checked.
 *
 * Checkpoints carry a copy of the output's /cohort and /events, and a
 * resumed run copies them back.  H5Ocopy cannot be used for this: when a
 * write fails inside it (a full disk) HDF5 1.10 crashes while unwinding
 * (SIGSEGV in H5T_close_real).  This copy goes object by object instead:
 * groups, datasets with their creation properties (chunking, filters,
 * fill, extensibility), and attributes.  Chunks move as stored
 * (H5Dread_chunk / H5Dwrite_chunk: no decompression, the same bytes as
 * H5Ocopy); other datasets are read and written in slabs of rows.  The
 * first failed call stops the copy with every object it opened closed, so
 * the destination file can still be closed (h5io.h).
 */
#ifndef OS_H5COPY_H
#define OS_H5COPY_H

#include <hdf5.h>

#include <stddef.h>

/* Copies object NAME of FROM (a group, recursively, or a dataset) to NAME
 * in TO.  0, or -1 at the first HDF5 call that failed; PATH (N bytes) is
 * then the path of the object being copied ("/NAME/..."), else "". */
int os_h5copy(hid_t from, const char *name, hid_t to, char *path, size_t n);

/* Copies every attribute of object SRC to object DST (each read in its
 * native type, written with its file type).  0, or -1 at the first failed
 * call. */
int os_h5copy_attrs(hid_t src, hid_t dst);

#endif
