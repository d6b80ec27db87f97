/* h5out_provenance.h - /parameters/used and /parameters/unused: every declared
 * parameter the run read (with value, unit, source and where it was set),
 * and the keys present in the configuration that nothing read. */
#ifndef OS_H5OUT_PROVENANCE_H
#define OS_H5OUT_PROVENANCE_H

#include <hdf5.h>

#include "config.h"
#include "err.h"

int os_provenance_write(hid_t file, const os_cfg *cfg, os_err *err);

#endif
