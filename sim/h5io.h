/* h5io.h - the OS errors behind failed HDF5 writes, and closing a file
 * whose writes failed.
 *
 * HDF5 caches most writes until a dataset or the file is closed, so a full
 * disk often shows first at H5Dclose or H5Fclose, and the errno of the
 * failed write(2) is only in the text of HDF5's error stack.  A file whose
 * H5Fclose failed stays half-open inside the library, whose exit handler
 * then crashes on it: such a file must be closed with its remaining writes
 * sent somewhere they cannot fail (os_h5io_close).
 */
#ifndef OS_H5IO_H
#define OS_H5IO_H

#include <hdf5.h>

#include <stddef.h>

/* Records, from now on, the errno of the first failed open, write or
 * truncate of file NAME (a temporary file being written; a few at once).
 * Installs HDF5's error hook, which other code may reset: call again
 * before each batch of writes. */
void os_h5io_watch(const char *name);

/* The first errno recorded on a watched file, 0 if none. */
int os_h5io_errno(void);

/* The target (TARGET of TARGET.tmp.PID) of the file that failed, in BUF,
 * or NULL if none failed. */
const char *os_h5io_target(char *buf, size_t n);

/* A message for a failed HDF5 write of the watched file: strerror of the
 * recorded errno, else FALLBACK. */
const char *os_h5io_reason(const char *fallback);

/* Closes FILE (created at TMP).  KEEP: flush and close; returns 0 if every
 * write reached the file.  Otherwise, or when that fails, removes TMP and
 * closes FILE with its writes going to memory; returns -1. */
int os_h5io_close(hid_t file, const char *tmp, int keep);

/* H5Fcreate of NAME (truncating), watched (os_h5io_watch). */
hid_t os_h5io_create(const char *name);

/* Whether HDF5 holds a file it could not close (after a failed flush its
 * cache stays locked, in 1.10): its exit handler would crash on it, so the
 * program must end with _exit once it has reported (cmd.c). */
int os_h5io_stuck(void);

/* Makes closed file PATH durable before it replaces a target: a full disk
 * or quota on a network file system may show only here.  0 or an errno. */
int os_h5io_sync(const char *path);

#endif
