/* cfg_file.h - reading YAML input files safely: only regular files (a FIFO
 * or a device would block or never end), at most OS_CFG_MAX_BYTES. */
#ifndef OS_CFG_FILE_H
#define OS_CFG_FILE_H

#include <stddef.h>

#include "err.h"

#define OS_CFG_MAX_BYTES ((size_t)16 << 20)

/* 0 if PATH names a regular file of at most MAX bytes (0: any size);
 * otherwise -1 with the reason ("is a directory", "No such file or
 * directory", ...) in WHY.  Looks at the file without opening it. */
int os_cfg_file_ok(const char *path, size_t max, char *why, size_t n);

/* Reads the regular file PATH into a malloc'd, NUL-terminated *TEXT of *LEN
 * bytes; -1 with the reason in WHY. */
int os_cfg_file_read(const char *path, char **text, size_t *len, char *why, size_t n);

/* Checks YAML TEXT (LEN bytes, from file NAME) with the configuration
 * parser's rules before another reader loads it: one document, text not
 * binary, nesting at most 64 deep, no duplicate keys, anchors, aliases or
 * tags.  Errors are one line "NAME:LINE: key: problem".  In cfg_yaml.c. */
int os_yaml_precheck(const char *text, size_t len, const char *name, os_err *err);

#endif
