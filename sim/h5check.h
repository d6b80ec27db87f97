/* h5check.h - reading HDF5 files that may not be what they claim.
 *
 * Checkpoints and the output files given to info, export and run --from
 * are inputs: they may be truncated, edited or not ours at all.  These
 * readers accept an attribute only as a scalar of the expected class, and
 * a dataset only as 1-D with its declared size backed by bytes actually
 * stored, so nothing is allocated from a size a file merely claims.
 */
#ifndef OS_H5CHECK_H
#define OS_H5CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

enum { OS_H5C_ABSENT = -1, OS_H5C_BAD = -2 };

/* Scalar integer attribute: 0, or OS_H5C_ABSENT / OS_H5C_BAD (not a
 * scalar integer that fits in V). */
int os_h5c_attr_int(hid_t obj, const char *name, long long *v);
int os_h5c_attr_u64(hid_t obj, const char *name, uint64_t *v);
/* Scalar number attribute (integer or floating point) as a double. */
int os_h5c_attr_num(hid_t obj, const char *name, double *v);
/* Scalar string attribute (variable or fixed length); caller frees *S. */
int os_h5c_attr_str(hid_t obj, const char *name, char **s);
int os_h5c_attr_put_u64(hid_t obj, const char *name, uint64_t v);

/* A 1-D dataset as stored. */
typedef struct os_h5c_dset {
    size_t rows;
    H5T_class_t cls;
    size_t size;     /* bytes per element in the file */
    int is_signed;   /* integers */
} os_h5c_dset;

/* Describes dataset NAME of LOC; on failure returns -1 and sets *WHY to a
 * phrase ("is missing", "is not 1-D", ...) for the caller's message. */
int os_h5c_dataset(hid_t loc, const char *name, os_h5c_dset *d, const char **why);

/* "uint8", "float64", "string", ... */
const char *os_h5c_type_name(H5T_class_t cls, size_t size, int is_signed, char *buf, size_t n);

/* 1 if link NAME of LOC is a group. */
int os_h5c_is_group(hid_t loc, const char *name);

/* Names of the links of group G, in name order (caller frees each and the
 * array); returns the count, or -1. */
int os_h5c_links(hid_t g, char ***names);
void os_h5c_links_free(char **names, int n);

/* 64-bit FNV-1a, continued from H (start with OS_FNV_INIT). */
#define OS_FNV_INIT 0xcbf29ce484222325ULL
uint64_t os_fnv1a64(uint64_t h, const void *data, size_t n);

#endif
