#ifndef OS_INFO_H
#define OS_INFO_H
#include <stdio.h>
#include "err.h"
/* Prints a summary of an osteosim output file (osteosim info). */
int os_info_print(const char *path, FILE *out, os_err *err);
/* The resolved configuration stored in an output file (root attribute
 * `config`), or NULL with err set.  Caller frees. */
char *os_info_config(const char *path, os_err *err);
#endif
